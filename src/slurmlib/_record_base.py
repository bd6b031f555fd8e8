"""The machinery every record shares: the base class, the snapshot, JSON-ready values.

The record classes themselves are generated from their descriptions
(``_build/descriptions.py``) into ``_record_classes.py`` and ``db/_record_classes.py``;
:mod:`slurmlib.records` and :mod:`slurmlib.db.records` are their public homes.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from ._frozen import FrozenMap
from .convert import Unlimited

if TYPE_CHECKING:
    import pandas
    import pyarrow

__all__ = ["Described", "JobRef", "Limit", "Record", "Snapshot", "TimeLimit", "jsonable"]

Limit = int | Unlimited | None
TimeLimit = timedelta | Unlimited | None
JobRef = int | str
"""A job: its id, or Slurm's text for it (``"12"``, ``"12_3"`` for an array task)."""


def jsonable(value: Any) -> Any:
    """A value of a record as JSON-ready data."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, Unlimited):
        return "UNLIMITED"
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def _json_text(value: Any) -> str:
    """What the C writer puts for a value it does not know itself (a nested record...)."""
    return json.dumps(jsonable(value), separators=(",", ":"))


def _float_jsonable(value: Any) -> Any:
    """:func:`jsonable`, with durations finer than a second as float seconds."""
    return value.total_seconds() if isinstance(value, timedelta) else jsonable(value)


# What the C writer (``_assemble.to_dicts``/``to_json``) needs to know of the types it
# meets inside records; set on first use (the extension is optional for this module).
_dump: Any = None
_layouts: dict[type, Any] = {}


def _dumper() -> Any:
    global _dump
    if _dump is None:
        try:
            from . import _assemble
        except ImportError:
            _dump = False
        else:
            _dump = _assemble
            _assemble.set_types(Record, enum.Enum, Unlimited, FrozenMap, jsonable, _json_text)
    return _dump


def _layout(cls: type[Record]) -> Any:
    """The field names of ``cls`` with their slot offsets, found once per class."""
    layout = _layouts.get(cls)
    if layout is None:
        names = record_fields(cls)
        dump = _dumper()
        layout = dump.layout(cls, names, bool(cls._float_seconds)) if dump else names
        _layouts[cls] = layout
    return layout


class Record:
    """Behaviour shared by every record."""

    __slots__ = ()

    _float_seconds: ClassVar[bool] = False
    """Whether ``to_dict()`` gives durations as float seconds rather than whole ones."""

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data, one key per field."""
        return _to_dicts((self,))[0]


R = TypeVar("R", bound=Record)


def record_fields(cls: type[Record]) -> tuple[str, ...]:
    """The field names of a record class, in order."""
    names = getattr(cls, "_fields", None)
    if isinstance(names, tuple):
        return names
    return tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]


class Described(Record):
    """A record class generated from its description: the methods a frozen dataclass has.

    The generated classes list their fields in ``_fields`` and set their slots in
    ``__init__``; equality, hashing, ``repr``, pickling and immutability are these, over
    ``_values`` (an ``operator.attrgetter`` of every field, made once per class).
    ``dataclasses.fields()``, ``replace()`` and ``asdict()`` work on them as on the frozen
    dataclasses they replace: ``__dataclass_fields__`` is made once per class too.
    """

    __slots__ = ()

    _fields: ClassVar[tuple[str, ...]] = ()
    _values: ClassVar[Callable[[Any], tuple[Any, ...]]]
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = cls.__dict__.get("_fields", ())
        if len(names) < 2:
            raise TypeError(f"{cls.__name__}: a described record has at least two fields")
        cls._values = operator.attrgetter(*names)
        positional = cls.__init__.__defaults__ or ()
        defaults = dict(zip(names[len(names) - len(positional) :], positional, strict=True))
        annotations: dict[str, Any] = getattr(cls, "__annotations__", {})
        made: dict[str, dataclasses.Field[Any]] = {}
        for name in names:
            made_field: dataclasses.Field[Any] = dataclasses.field(
                default=defaults.get(name, dataclasses.MISSING)
            )
            made_field.name = name
            made_field.type = annotations.get(name, Any)
            # What dataclasses.fields() keeps: a field, not a ClassVar or an InitVar.
            made_field._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
            made[name] = made_field
        cls.__dataclass_fields__ = made

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        values = type(self)._values
        return bool(values(self) == values(other))

    def __hash__(self) -> int:
        return hash(type(self)._values(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), type(self)._values(self))


def _to_dicts(records: Sequence[Record]) -> list[dict[str, Any]]:
    """``to_dict()`` of each record, in C when the extension is there."""
    if not records:
        return []
    cls = type(records[0])
    layout = _layout(cls)
    if isinstance(layout, tuple):
        convert = _float_jsonable if cls._float_seconds else jsonable
        return [{name: convert(getattr(r, name)) for name in _layout(type(r))} for r in records]
    result: list[dict[str, Any]] = _dump.to_dicts(records, layout)
    return result


def _to_json(records: Sequence[Record]) -> bytes:
    """The JSON array of ``to_dict()`` of each record, as UTF-8."""
    if not records:
        return b"[]"
    layout = _layout(type(records[0]))
    if isinstance(layout, tuple):
        return json.dumps(_to_dicts(records), separators=(",", ":")).encode()
    text: bytes = _dump.to_json(records, layout)
    return text


def _columns(records: Sequence[Record], cls: type[Record]) -> list[list[Any]]:
    """The values of each field of the records (all of class ``cls``), one list per field
    in the fields' order."""
    layout = _layout(cls)
    if isinstance(layout, tuple):
        return [list(map(operator.attrgetter(name), records)) for name in layout]
    columns: list[list[Any]] = _dump.columns(records, layout)
    return columns


class Snapshot(Sequence[R], Generic[R]):
    """All records of one kind as the controller had them at ``last_update``.

    A snapshot is a read-only sequence of records in the controller's order:
    ``len(s)``, ``s[0]``, ``s[-1]``, ``s[2:5]`` (a snapshot too), iteration, and
    ``record in s``. Records are found by their key in O(1): ``s.get(key)`` (``None``
    when absent), ``s.by_key[key]`` (``KeyError`` when absent) and ``key in s.by_key``;
    the key is the field ``s.key`` names: a node's, partition's, reservation's or
    license's ``name``, a job's ``job_id``. Indexing or ``in`` with a key itself raises
    ``TypeError`` rather than answer about positions (a job id is an int too).

    Whole-snapshot outputs: :meth:`to_dicts` (each record's ``to_dict()``),
    :meth:`to_json` (those as one JSON array, bytes), :meth:`to_arrow` and
    :meth:`to_pandas` (one column per field; ``pip install 'slurmlib[arrow]'``).

    An unchanged incremental load returns the very same snapshot object.
    """

    __slots__ = ("_index", "_records", "key", "last_update")

    _records: tuple[R, ...]
    last_update: datetime | None
    key: str
    _index: Mapping[Any, R] | None

    def __init__(
        self, records: Sequence[R], last_update: datetime | None, key: str = "name"
    ) -> None:
        object.__setattr__(self, "_records", tuple(records))
        object.__setattr__(self, "last_update", last_update)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "_index", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._records, self.last_update, self.key))

    @property
    def records(self) -> tuple[R, ...]:
        """The records, as a tuple."""
        return self._records

    @property
    def by_key(self) -> Mapping[Any, R]:
        """The records by key (read-only, in the snapshot's order), made on first use; the
        first record wins where two share a key."""
        index = self._index
        if index is None:
            records = self._records
            by_key = dict(zip(map(operator.attrgetter(self.key), records), records, strict=True))
            if len(by_key) < len(records):
                # A key seen twice: the later record replaced the first in the dict.
                by_key = {}
                for record in records:
                    by_key.setdefault(getattr(record, self.key), record)
            index = MappingProxyType(by_key)
            object.__setattr__(self, "_index", index)
        return index

    def get(self, key: Any, default: R | None = None) -> R | None:
        """The record whose key is ``key``, else ``default``."""
        return self.by_key.get(key, default)

    def __iter__(self) -> Iterator[R]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __reversed__(self) -> Iterator[R]:
        return reversed(self._records)

    @overload
    def __getitem__(self, position: int) -> R: ...
    @overload
    def __getitem__(self, position: slice) -> Snapshot[R]: ...
    def __getitem__(self, position: int | slice) -> R | Snapshot[R]:
        if isinstance(position, slice):
            return Snapshot(self._records[position], self.last_update, self.key)
        if not isinstance(position, int):
            raise TypeError(
                f"a snapshot is indexed by position; look {position!r} up with "
                f"snapshot.get(key) or snapshot.by_key[key]"
            )
        return self._records[position]

    def __contains__(self, record: object) -> bool:
        if not isinstance(record, Record):
            raise TypeError(
                f"'in snapshot' takes a record; for a key use 'key in snapshot.by_key', "
                f"not {record!r}"
            )
        found = self.by_key.get(getattr(record, self.key, None))
        return found is not None and (found is record or found == record)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return (self._records, self.last_update, self.key) == (
            other._records,
            other.last_update,
            other.key,
        )

    def __hash__(self) -> int:
        return hash((self._records, self.last_update, self.key))

    def __repr__(self) -> str:
        kind = type(self._records[0]).__name__ if self._records else "record"
        return f"<Snapshot of {len(self)} {kind}s at {self.last_update}>"

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        return self._records.index(value, start, len(self) if stop is None else stop)

    def count(self, value: Any) -> int:
        return self._records.count(value)

    def to_dicts(self) -> list[dict[str, Any]]:
        """``[r.to_dict() for r in snapshot]``, made in one pass in C."""
        return _to_dicts(self._records)

    def to_json(self) -> bytes:
        """The JSON array of :meth:`to_dicts`, as UTF-8, written in one pass in C."""
        return _to_json(self._records)

    def to_dict(self) -> dict[str, Any]:
        """``last_update`` and the records, as JSON-ready data."""
        return {"last_update": jsonable(self.last_update), "records": self.to_dicts()}

    def to_arrow(self) -> pyarrow.Table:
        """The records as an Arrow table, one column per field (``slurmlib[arrow]``).

        Strings and enums are dictionary arrays, times UTC timestamps (seconds), durations
        durations (seconds), TRES and other mappings maps, tuples and sets lists; a field
        that may be ``UNLIMITED`` keeps its type, with the unlimited value written as the
        largest one (the field's metadata ``slurmlib.unlimited`` says which).
        """
        from ._arrow import table

        return table(self._records, type(self._records[0]) if self._records else None)

    def to_pandas(self) -> pandas.DataFrame:
        """:meth:`to_arrow` as a pandas DataFrame (``slurmlib[arrow]`` and pandas)."""
        from ._arrow import data_frame

        return data_frame(self.to_arrow())
