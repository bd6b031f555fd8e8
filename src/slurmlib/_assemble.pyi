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
def nones(strings: list[str | None], positions: Any) -> None: ...
