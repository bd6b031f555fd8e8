"""Records as an Arrow table, one column per field (``pip install 'slurmlib[arrow]'``).

The column types follow the record classes' annotations: strings and enums become
dictionary arrays (a queue's users, accounts, states repeat), times UTC timestamps,
durations durations, tuples and sets lists, TRES and other ``str``-keyed int mappings
maps. ``UNLIMITED`` keeps a column's type: it is the column's largest value (the largest
64-bit integer; for durations the largest that a ``timedelta`` holds too, so that the
column converts back to Python), which the field's metadata ``slurmlib.unlimited`` gives
in the column's unit. A value of any other type (a nested record, a mapping of mixed
values) is its JSON text.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ._frozen import FrozenMap
from .convert import Unlimited

__all__ = ["UNLIMITED_VALUE", "data_frame", "table"]

UNLIMITED_VALUE = 2**63 - 1
"""``UNLIMITED`` in an integer column, and in a duration column of microseconds."""
_UNLIMITED_SECONDS = timedelta.max // timedelta(seconds=1)
"""``UNLIMITED`` in a duration column of seconds (``timedelta.max``, whole seconds)."""

_MICROSECOND = timedelta(microseconds=1)

_EXTRA = "pip install 'slurmlib[arrow]'"


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as error:
        raise ImportError(
            f"Snapshot.to_arrow() needs pyarrow, the 'arrow' extra of slurmlib: {_EXTRA}"
        ) from error
    return pyarrow


def _members(hint: Any) -> tuple[set[Any], bool]:
    """The types a field's annotation allows besides None, and whether None is one."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        allowed = set(typing.get_args(hint))
    else:
        allowed = {hint}
    nullable = type(None) in allowed
    allowed.discard(type(None))
    return allowed, nullable


def _distinct(values: list[Any]) -> tuple[list[Any], list[int | None]]:
    """The distinct objects among ``values`` (None left out), and each value's index among
    them (None for None): records of one message share their sets and maps, so each is
    converted once and the column takes its rows from the distinct ones."""
    seen: dict[int, int] = {}
    distinct: list[Any] = []
    indices: list[int | None] = []
    for v in values:
        if v is None:
            indices.append(None)
            continue
        index = seen.get(id(v))
        if index is None:
            index = seen[id(v)] = len(distinct)
            distinct.append(v)
        indices.append(index)
    return distinct, indices


def _maps(pa: Any, values: list[Any]) -> Any:
    """A map array of ``str`` to ``int`` mappings (or None), built from flat keys and
    values rather than one list of pairs per row."""
    distinct, indices = _distinct(values)
    offsets = [0]
    keys: list[Any] = []
    items: list[Any] = []
    for mapping in distinct:
        data = mapping._data if isinstance(mapping, FrozenMap) else mapping
        keys.extend(data)
        items.extend(data.values())
        offsets.append(len(keys))
    maps = pa.MapArray.from_arrays(
        pa.array(offsets, pa.int32()), pa.array(keys, pa.string()), pa.array(items, pa.int64())
    )
    return maps.take(pa.array(indices, pa.int32()))


def _lists(pa: Any, values: list[Any], item_type: Any, ordered: bool) -> Any:
    """A list array of tuples (``ordered``) or sets (sorted), each distinct one once."""
    distinct, indices = _distinct(values)
    if not ordered:
        distinct = [sorted(v) for v in distinct]
    return pa.array(distinct, pa.list_(item_type)).take(pa.array(indices, pa.int32()))


def _column(pa: Any, hint: Any, values: list[Any], float_seconds: bool) -> tuple[Any, Any]:
    """(the Arrow array, its field's metadata) of one field's values."""
    from ._record_base import _json_text

    allowed, _ = _members(hint)
    unlimited = Unlimited in allowed
    allowed.discard(Unlimited)
    kind = next(iter(allowed)) if len(allowed) == 1 else None
    origin = typing.get_origin(kind)
    largest = _UNLIMITED_SECONDS if kind is timedelta and not float_seconds else UNLIMITED_VALUE
    metadata = {"slurmlib.unlimited": str(largest)} if unlimited else None

    def bounded(written: Any) -> list[Any]:
        """The values, with ``written`` in place of UNLIMITED."""
        if not unlimited:
            return values
        return [written if v.__class__ is Unlimited else v for v in values]

    if kind is str:
        return pa.array(values, pa.string()).dictionary_encode(), metadata
    if kind is bool:
        return pa.array(values, pa.bool_()), metadata
    if kind is int:
        ints = bounded(largest)
        try:
            return pa.array(ints, pa.int64()), metadata
        except (TypeError, pa.ArrowInvalid):  # an int subclass pyarrow refuses (bool)
            return pa.array([None if v is None else int(v) for v in ints], pa.int64()), metadata
    if kind is float:
        return pa.array(values, pa.float64()), metadata
    if kind is datetime:
        return pa.array(values, pa.timestamp("s", tz="UTC")), metadata
    if kind is timedelta:
        if float_seconds:
            # UNLIMITED, the largest 64-bit count of microseconds, is no timedelta.
            micro = [
                None if v is None else largest if v.__class__ is Unlimited else v // _MICROSECOND
                for v in values
            ]
            return pa.array(micro, pa.duration("us")), metadata
        # The durations of these records are whole seconds, which pyarrow takes as they are.
        return pa.array(bounded(timedelta(seconds=largest)), pa.duration("s")), metadata
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        names = [None if v is None else v.name for v in values]
        return pa.array(names, pa.string()).dictionary_encode(), metadata
    if origin in (tuple, frozenset):
        args = typing.get_args(kind)
        item = args[0] if args else Any
        item_type = {str: pa.string(), int: pa.int64()}.get(item)
        if item_type is not None:
            return _lists(pa, values, item_type, origin is tuple), metadata
    if origin is FrozenMap and typing.get_args(kind) == (str, int):
        return _maps(pa, values), metadata
    texts = [None if v is None else _json_text(v) for v in values]
    return pa.array(texts, pa.string()), metadata


def table(records: Sequence[Any], cls: type | None) -> Any:
    """The records (all of class ``cls``) as a ``pyarrow.Table``; no columns when empty."""
    from ._record_base import _columns, record_fields

    pa = _pyarrow()
    if cls is None:
        return pa.table({})
    from ._bulk import no_collection

    hints = typing.get_type_hints(cls)
    float_seconds = bool(getattr(cls, "_float_seconds", False))
    arrays, fields = [], []
    # The columns' Python lists are a million containers for 50,000 jobs: as when records
    # are built, collections would only walk them.
    with no_collection():
        for name, values in zip(record_fields(cls), _columns(records, cls), strict=True):
            array, metadata = _column(pa, hints[name], values, float_seconds)
            arrays.append(array)
            fields.append(pa.field(name, array.type, metadata=metadata))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def data_frame(arrow_table: Any) -> Any:
    """An Arrow table as a pandas DataFrame."""
    try:
        import pandas  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"Snapshot.to_pandas() needs pandas and pyarrow: {_EXTRA} pandas"
        ) from error
    return arrow_table.to_pandas()
