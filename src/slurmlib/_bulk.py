"""Whole messages out of C in one call, and records built without dataclass overhead.

:func:`read` runs the converter generated for a kind of message (``_build/bulk_c.py``)
and gives every record's integer fields as one flat list and its strings as another, in
the layout of :mod:`slurmlib._build.bulk_spec`.

:func:`record_builder` makes records of a frozen slotted dataclass about twenty times
faster than its ``__init__``: a frozen dataclass stores each of its fifty fields through
``object.__setattr__``, which dominates the cost of a queue of 50,000 jobs. The builder
fills an instance of a twin class (same base, same slots, so the same memory layout) with
plain attribute stores, then makes it an instance of the record class by ``__class__``
assignment, which CPython allows exactly between such layout-compatible classes. The
result is an ordinary record: same type, equality, hash, pickling and immutability.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from ._build.bulk_spec import RecordSpec
from .native import ffi, lib

__all__ = ["Cache", "no_collection", "read", "record_builder", "rows"]

T = TypeVar("T")

# The arrays are written completely by the converter: no need to clear them first.
_new_uncleared = ffi.new_allocator(should_clear_after_alloc=False)


def read(spec: RecordSpec, msg: Any) -> tuple[list[int], list[str | None]]:
    """(integer fields, strings) of every record of ``msg``.

    Record ``i`` has its integers at ``[i * len(ints) ...]`` and its strings at
    ``[i * len(strings) ...]`` in the order of ``spec``; a NULL string is ``None``.
    """
    count = int(getattr(msg, spec.count))
    n_ints = len(spec.ints) + len(spec.computed_ints)
    n_strings = len(spec.strings) + len(spec.computed_strings)
    if count == 0:
        return [], []
    ints = _new_uncleared("uint64_t[]", count * n_ints)
    nulls = _new_uncleared("uint32_t[]", count * n_strings)
    null_count = ffi.new("uint32_t *")
    text = ffi.new("char **")
    text_len = ffi.new("size_t *")
    rc = getattr(lib, spec.function)(msg, ints, nulls, null_count, text, text_len)
    if rc != 0:
        raise MemoryError(f"copying {count} records of {spec.message} out of C")
    try:
        raw = ffi.buffer(text[0], text_len[0])[:]
    finally:
        lib.slurmlib_bulk_free(text[0])
    # One decode for the whole buffer: "replace" treats each string as it would alone,
    # since NUL (the separator) always ends an invalid sequence.
    strings: list[str | None] = list(raw.decode(errors="replace").split("\0"))
    strings.pop()  # after the last separator
    for index in ffi.unpack(nulls, int(null_count[0])):
        strings[index] = None
    values: list[int] = memoryview(ffi.buffer(ints)).cast("Q").tolist()
    return values, strings


@contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a message's records are built.

    Building 50,000 records allocates a few hundred thousand containers, which triggers
    collections that walk every record made so far (a third of the conversion time) and
    can free nothing: records hold no cycles. Reference counting still frees as usual.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
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


def record_builder(cls: type[T], names: Sequence[str]) -> Callable[..., T]:
    """A function taking the values of ``names`` positionally and returning a ``cls``.

    ``names`` must be exactly the fields of ``cls`` (in any order): a record class that
    gained or lost a field makes this raise at import, not build half a record.
    """
    fields = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    if sorted(fields) != sorted(names):
        missing = sorted(set(fields) - set(names))
        extra = sorted(set(names) - set(fields))
        raise TypeError(f"{cls.__name__} builder: fields missing {missing}, unknown {extra}")
    slots = cls.__dict__.get("__slots__")
    if slots is None:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    twin = type(f"_{cls.__name__}Builder", cls.__bases__, {"__slots__": slots})
    arguments = ", ".join(names)
    stores = "".join(f"    self.{name} = {name}\n" for name in names)
    source = (
        f"def build({arguments}):\n"
        f"    self = new(twin)\n{stores}"
        "    self.__class__ = cls\n"
        "    return self\n"
    )
    namespace: dict[str, Any] = {"new": object.__new__, "twin": twin, "cls": cls}
    exec(source, namespace)  # the generated code only stores its own arguments
    build: Callable[..., T] = namespace["build"]
    # The layout check is CPython's own, on the first record: fail here, not on a load.
    probe = build(*range(len(names)))
    if type(probe) is not cls or [getattr(probe, n) for n in names] != list(range(len(names))):
        raise TypeError(f"{cls.__name__} builder does not build {cls.__name__} records")
    return build
