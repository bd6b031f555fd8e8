"""Whole messages out of C in one call, and records assembled from them in C.

:func:`columns` runs the converter generated for a kind of message (``_build/bulk_c.py``)
and gives every record's integer fields as one buffer of ``uint64`` and its strings as one
list, in the layout of :mod:`slurmlib._build.bulk_spec`; :func:`read` gives both as lists.

:class:`Assembler` turns those columns into records of a frozen slotted dataclass in C
(``_assemble.c``), following a plan of one :class:`Field` per field of the record: a
frozen dataclass's ``__init__`` stores each field through ``object.__setattr__``, and
even a Python loop of plain stores costs more than the RPC for a queue of 50,000 jobs.
The records are ordinary ones: same type, equality, hash, pickling and immutability.
"""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

from . import _assemble
from . import convert as cv
from ._build.bulk_spec import RecordSpec
from ._record_base import record_fields
from .native import ffi, lib
from .states import NamedIntEnum

__all__ = [
    "Assembler",
    "Cache",
    "Field",
    "FlagMode",
    "Layout",
    "Op",
    "columns",
    "no_collection",
    "read",
    "rows",
]

T = TypeVar("T")

# The arrays are written completely by the converter: no need to clear them first.
_new_uncleared = ffi.new_allocator(should_clear_after_alloc=False)


def columns(spec: RecordSpec, msg: Any) -> tuple[Any, list[str | None]]:
    """(integer fields as a buffer of native ``uint64``, strings) of every record.

    Record ``i`` has its integers at ``[i * len(ints) ...]`` and its strings at
    ``[i * len(strings) ...]`` in the order of ``spec``; a NULL string is ``None``.
    """
    count = int(getattr(msg, spec.count))
    n_ints = len(spec.ints) + len(spec.computed_ints)
    n_strings = len(spec.strings) + len(spec.computed_strings)
    if count == 0:
        return b"", []
    ints = _new_uncleared("uint64_t[]", count * n_ints)
    nulls = _new_uncleared("uint32_t[]", count * n_strings)
    null_count = ffi.new("uint32_t *")
    text = ffi.new("char **")
    text_len = ffi.new("size_t *")
    rc = getattr(lib, spec.function)(msg, ints, nulls, null_count, text, text_len)
    if rc != 0:
        raise MemoryError(f"copying {count} records of {spec.message} out of C")
    try:
        strings: list[str | None] = _assemble.split(
            ffi.buffer(text[0], text_len[0]),
            count * n_strings,
            n_strings,
            ffi.buffer(nulls, int(null_count[0]) * ffi.sizeof("uint32_t")),
        )
    finally:
        lib.slurmlib_bulk_free(text[0])
    return ffi.buffer(ints), strings


def read(spec: RecordSpec, msg: Any) -> tuple[list[int], list[str | None]]:
    """(integer fields, strings) of every record of ``msg``, as :func:`columns`, as lists."""
    ints, strings = columns(spec, msg)
    values: list[int] = memoryview(ints).cast("Q").tolist()
    return values, strings


_paused = 0  # builds running now (threads may build at once)
_resume = False  # whether the first of them found the collector running
_paused_lock = threading.Lock()


@contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a message's records are built.

    Building 50,000 records allocates a few hundred thousand containers, which triggers
    collections that walk every record made so far (a third of the conversion time) and
    can free nothing: records hold no cycles. Reference counting still frees as usual.
    Counted: the first build pauses it (if it was running), the last one resumes it.
    """
    global _paused, _resume
    with _paused_lock:
        _paused += 1
        if _paused == 1:
            _resume = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()


def rows(values: list[T], width: int) -> Iterator[tuple[T, ...]]:
    """``values`` cut into consecutive tuples of ``width`` (one per record), in C."""
    return zip(*[iter(values)] * width, strict=True)


class Cache(dict[Any, Any]):
    """A dict that computes a missing value once: ``cache[key]`` is a C-level lookup."""

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.compute(key)
        return value


class Op(NamedIntEnum):
    """How :class:`Assembler` makes a field's value (``_assemble.c`` has the same list)."""

    INT = 0
    """The integer column, after the sentinels, gate, flag, shift, mask and bias."""
    BOOL = 1
    """Whether the integer column is not 0."""
    STR = 2
    """The string column (``None`` for NULL)."""
    STR_OR = 3
    """The string column unless empty, else ``cache[fallback column]``."""
    CACHE_INT = 4
    """``cache[integer column]``, or its ``item`` when the cache holds tuples."""
    CACHE_STR = 5
    """``cache[string column]`` (the key may be ``None``)."""
    MAP_STR = 6
    """``cache[string column]``: an immutable mapping (never a dict), which the records
    that have the same string share."""
    TIME = 7
    """Seconds since the epoch as an aware UTC datetime (as :func:`slurmlib.convert.timestamp`,
    made in C); ``None`` for 0, a negative ``time_t`` and the ``nones`` (by default Slurm's
    32- and 16-bit sentinels). A second past what a datetime holds goes to ``cache``."""


# What convert.timestamp takes for "never" besides 0 and negative values (NO_VAL64 and
# INFINITE64 are negative as a time_t): at most four sentinels fit a plan entry.
_TIME_NONES = tuple(sorted((cv.NO_VAL16, cv.INFINITE16, cv.NO_VAL, cv.INFINITE)))


class FlagMode(NamedIntEnum):
    """What an INT field does with its ``flag`` bit (always cleared from the value)."""

    IGNORE = 0
    REQUIRED = 1
    """``None`` unless the flag is set."""
    ABSENT = 2
    """``None`` if the flag is set."""


_U64 = (1 << 64) - 1


@dataclasses.dataclass(frozen=True)
class Field:
    """Where one field of a record comes from, and how it is transformed.

    Any field is ``None`` when the integer column ``gate`` fails
    ``gate & gate_mask >= gate_min``, or when the string column ``gate_str`` is NULL.
    An INT field is also ``None`` when the raw value is one of ``nones`` or by its
    ``flag_mode``; otherwise its value is ``((raw & ~flag) >> shift & mask) - bias``.
    """

    name: str
    op: Op
    column: str
    cache: str | None = None
    item: int = -1
    fallback: str | None = None
    nones: tuple[int, ...] = ()
    flag: int = 0
    flag_mode: FlagMode = FlagMode.IGNORE
    shift: int = 0
    mask: int = _U64
    bias: int = 0
    gate: str | None = None
    gate_mask: int = _U64
    gate_min: int = 0
    gate_str: str | None = None


_STRING_OPS = (Op.STR, Op.STR_OR, Op.CACHE_STR, Op.MAP_STR)


def plan(steps: Iterable[Sequence[Any]], constants: Mapping[str, int]) -> tuple[Field, ...]:
    """The fields of a plan the record descriptions made (``_build/layouts.py``).

    Each step is (field, op, column, cache, item, options); an option that is a string
    names a value of ``constants`` or a constant of the headers (``"NO_VAL"``).
    """

    def value(v: Any) -> Any:
        if isinstance(v, str):
            return constants[v] if v in constants else int(getattr(lib, v))
        if isinstance(v, tuple):
            return tuple(value(x) for x in v)
        return v

    fields = []
    for name, op, column, cache, item, options in steps:
        resolved = {
            key: (option if key in _NAMES else value(option)) for key, option in options.items()
        }
        if "flag_mode" in resolved:
            resolved["flag_mode"] = FlagMode[resolved["flag_mode"]]
        fields.append(Field(name, Op[op], column, cache=cache, item=item, **resolved))
    return tuple(fields)


# Options that name columns or modes, not values.
_NAMES = frozenset({"gate", "gate_str", "fallback", "flag_mode"})


class Layout(Protocol):
    """The names of a converter's columns, in order: a ``RecordSpec`` or a ``ListSpec``."""

    @property
    def name(self) -> str: ...
    @property
    def ints(self) -> tuple[str, ...]: ...
    @property
    def strings(self) -> tuple[str, ...]: ...
    @property
    def computed_ints(self) -> tuple[str, ...]: ...
    @property
    def computed_strings(self) -> tuple[str, ...]: ...


class Assembler(Generic[T]):
    """Every record of a message, built in C (``_assemble.c``) from :func:`columns`.

    The Python loop a record class would otherwise need costs more than the RPC at
    50,000 jobs; here the per-field work is a plan of :class:`Field` entries and only
    what needs Python runs in Python: the per-message caches, once per distinct value.
    """

    def __init__(
        self,
        cls: type[T],
        spec: Layout,
        fields: Sequence[Field],
        caches: Sequence[str] | None = None,
        skip: str | None = None,
    ) -> None:
        wanted = list(record_fields(cls))  # type: ignore[arg-type]
        names = [f.name for f in fields]
        if sorted(wanted) != sorted(names):
            missing = sorted(set(wanted) - set(names))
            extra = sorted(set(names) - set(wanted))
            raise TypeError(f"{cls.__name__} plan: fields missing {missing}, unknown {extra}")
        ints = [*spec.ints, *spec.computed_ints]
        strings = [*spec.strings, *spec.computed_strings]
        if caches is None:  # the plan's, in the order it names them
            caches = list(dict.fromkeys(f.cache for f in fields if f.cache))
        cache_names = list(caches)

        def column(names: list[str], name: str, field: Field) -> int:
            if name not in names:
                raise TypeError(f"{cls.__name__}.{field.name}: no column {name!r} in {spec.name}")
            return names.index(name)

        plan = []
        for f in fields:
            src = column(strings if f.op in _STRING_OPS else ints, f.column, f)
            needs_cache = f.op in (Op.STR_OR, Op.CACHE_INT, Op.CACHE_STR, Op.MAP_STR, Op.TIME)
            if needs_cache and f.cache not in cache_names:
                raise TypeError(f"{cls.__name__}.{f.name}: unknown cache {f.cache!r}")
            plan.append(
                (
                    f.name,
                    int(f.op),
                    src,
                    column(ints, f.fallback, f) if f.fallback else -1,
                    f.nones or (_TIME_NONES if f.op is Op.TIME else ()),
                    f.flag,
                    int(f.flag_mode),
                    f.shift,
                    f.mask,
                    f.bias,
                    column(ints, f.gate, f) if f.gate else -1,
                    f.gate_mask,
                    f.gate_min,
                    cache_names.index(f.cache) if needs_cache and f.cache else -1,
                    f.item,
                    column(strings, f.gate_str, f) if f.gate_str else -1,
                )
            )
        self.cls = cls
        self.spec = spec
        self.caches = tuple(cache_names)
        self._plan = tuple(plan)
        self._widths = (len(ints), len(strings))
        self._skip = strings.index(skip) if skip else -1

    def build(self, msg: Any, caches: Mapping[str, Cache]) -> list[T]:
        """The records of ``msg``; ``caches`` has one :class:`Cache` per name of the plan."""
        if not isinstance(self.spec, RecordSpec):
            raise TypeError(f"{self.spec.name} is not a controller message's layout")
        ints, strings = columns(self.spec, msg)
        return self.assemble(ints, strings, caches)

    def assemble(
        self, ints: Any, strings: list[str | None], caches: Mapping[str, Cache]
    ) -> list[T]:
        """The records of columns in the layout of the plan's spec, however they were made."""
        if not strings:
            return []
        n_ints, n_strings = self._widths
        records: list[T] = _assemble.build(
            self.cls,
            self._plan,
            ints,
            n_ints,
            strings,
            n_strings,
            self._skip,
            tuple(caches[name] for name in self.caches),
        )
        return records
