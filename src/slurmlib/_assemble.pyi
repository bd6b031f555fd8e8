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
