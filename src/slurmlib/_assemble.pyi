from typing import Any

def build(
    cls: type[Any],
    plan: tuple[tuple[Any, ...], ...],
    ints: Any,
    n_ints: int,
    strings: list[str | None],
    n_strings: int,
    skip: int,
    caches: tuple[Any, ...],
) -> list[Any]: ...
def split(text: Any, count: int, width: int, nulls: Any) -> list[str | None]: ...
def join(
    rows: list[Any],
    getters: tuple[str | list[Any], ...],
    memos: tuple[Any, ...],
    pieces: tuple[str, ...],
    sep: str,
) -> str: ...
def no_fast_bins() -> bool: ...
def set_types(
    record: type[Any],
    enum: type[Any],
    unlimited: type[Any],
    frozen_map: type[Any],
    jsonable: Any,
    json_text: Any,
) -> None: ...
def layout(cls: type[Any], names: tuple[str, ...], float_seconds: bool) -> Any: ...
def to_dicts(records: Any, layout: Any) -> list[dict[str, Any]]: ...
def to_json(records: Any, layout: Any) -> bytes: ...
def columns(records: Any, layout: Any) -> list[list[Any]]: ...
