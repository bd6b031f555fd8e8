"""The read-only, hashable mapping that records hold (TRES, GRES counts, GPU requests).

Pure Python: importable without the compiled extensions.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, NoReturn, TypeVar, overload

__all__ = ["EMPTY", "FrozenMap"]

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")


class FrozenMap(Mapping[K, V]):
    """A mapping that cannot change: items cannot be set or deleted, nor attributes.

    Equal to any mapping with the same items (``FrozenMap({"cpu": 4}) == {"cpu": 4}``),
    hashable when its values are, picklable; ``dict(m)`` gives a mutable copy and
    ``m | other`` a new FrozenMap. A record's ``to_dict()`` turns it into a plain dict.
    Records of one message share equal maps, which is safe because they cannot change.
    """

    __slots__ = ("_data", "_hash")

    _data: dict[K, V]
    _hash: int | None

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = (), /) -> None:
        object.__setattr__(self, "_data", dict(items))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    @overload
    def get(self, key: K, /) -> V | None: ...
    @overload
    def get(self, key: K, default: V | D, /) -> V | D: ...
    def get(self, key: K, default: Any = None, /) -> Any:
        return self._data.get(key, default)

    def keys(self) -> KeysView[K]:
        return self._data.keys()

    def values(self) -> ValuesView[V]:
        return self._data.values()

    def items(self) -> ItemsView[K, V]:
        return self._data.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, dict):
            return self._data == other
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        # Computed once: the items never change.
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._data.items())))
        assert self._hash is not None
        return self._hash

    def __or__(self, other: Mapping[K, V]) -> FrozenMap[K, V]:
        if not isinstance(other, Mapping):
            return NotImplemented
        return FrozenMap({**self._data, **other})

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (FrozenMap, (self._data,))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"FrozenMap is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"FrozenMap is read-only: cannot delete {name!r}")


EMPTY: FrozenMap[Any, Any] = FrozenMap()
"""The empty map, shared by every record that has no items in a mapping field."""
