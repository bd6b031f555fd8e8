"""Every conversion of a C value into a Python one, written once.

Sentinel rule: ``NO_VAL*`` (Slurm's "not set") becomes ``None``; ``INFINITE*`` becomes
:data:`UNLIMITED`. Times (``time_t``) become aware UTC ``datetime`` (0 is "never": ``None``),
durations ``timedelta``, memory is in MiB, TRES strings become read-only
:class:`~slurmlib._frozen.FrozenMap` of ``str`` to ``int``.
"""

from __future__ import annotations

import pwd
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Final

from ._frozen import EMPTY, FrozenMap
from .native import capabilities, ffi, lib

__all__ = [
    "UNLIMITED",
    "Unlimited",
    "count",
    "duration_minutes",
    "expand_hostlist",
    "split_list",
    "text",
    "timestamp",
    "tres",
    "user_name",
]


class Unlimited:
    """Slurm's ``INFINITE``: a limit that does not limit. One instance: :data:`UNLIMITED`."""

    _instance: Unlimited | None = None

    def __new__(cls) -> Unlimited:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNLIMITED"

    def __reduce__(self) -> str:
        return "UNLIMITED"

    def __bool__(self) -> bool:
        return True


UNLIMITED: Final = Unlimited()

NO_VAL16: Final[int] = lib.NO_VAL16
NO_VAL: Final[int] = lib.NO_VAL
NO_VAL64: Final[int] = lib.NO_VAL64
INFINITE16: Final[int] = lib.INFINITE16
INFINITE: Final[int] = lib.INFINITE
INFINITE64: Final[int] = lib.INFINITE64
_NOT_SET = {NO_VAL16, NO_VAL, NO_VAL64}
_INFINITE = {INFINITE16, INFINITE, INFINITE64}


def text(ptr: Any) -> str | None:
    """A C string, or None for NULL."""
    if ptr == ffi.NULL:
        return None
    return ffi.string(ptr).decode(errors="replace")  # type: ignore[no-any-return]


def count(value: int, width: int = 32) -> int | Unlimited | None:
    """A count or limit of ``width`` bits, with Slurm's sentinels of that width."""
    if width == 16:
        if value == NO_VAL16:
            return None
        if value == INFINITE16:
            return UNLIMITED
    elif width == 64:
        if value == NO_VAL64:
            return None
        if value == INFINITE64:
            return UNLIMITED
    else:
        if value == NO_VAL:
            return None
        if value == INFINITE:
            return UNLIMITED
    return value


def plain(value: int, width: int = 32) -> int | None:
    """A count where Slurm uses no "unlimited": its NO_VAL and INFINITE both mean unset."""
    converted = count(value, width)
    return converted if isinstance(converted, int) else None


def timestamp(value: int) -> datetime | None:
    """``time_t`` to an aware UTC datetime; 0 (and the sentinels) mean never."""
    if value <= 0 or value in _NOT_SET or value in _INFINITE:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def duration_minutes(value: int) -> timedelta | Unlimited | None:
    """A limit in minutes (time limits), with NO_VAL/INFINITE."""
    if value in (NO_VAL, NO_VAL16):
        return None
    if value in (INFINITE, INFINITE16):
        return UNLIMITED
    return timedelta(minutes=value)


def split_list(ptr: Any, sep: str = ",") -> tuple[str, ...]:
    """A separated C string as a tuple (NULL and "" give an empty tuple)."""
    value = text(ptr)
    if not value:
        return ()
    return tuple(item for item in value.split(sep) if item)


_MEM_UNITS = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2, "P": 1024**3}


def tres(value: str | None) -> FrozenMap[str, int]:
    """``"cpu=4,mem=8G,node=1,gres/gpu=2"`` → ``{"cpu": 4, "mem": 8192, ...}`` (mem in MiB)."""
    if not value:
        return EMPTY
    result: dict[str, int] = {}
    for item in value.split(","):
        key, sep, amount = item.partition("=")
        if not sep or not amount:
            continue
        unit = amount[-1].upper()
        if unit in _MEM_UNITS:
            result[key] = int(float(amount[:-1]) * _MEM_UNITS[unit])
        else:
            try:
                result[key] = int(amount)
            except ValueError:
                result[key] = int(float(amount))
    return FrozenMap(result)


def expand_hostlist(value: str | None) -> tuple[str, ...]:
    """``"node[1-3],gpu01"`` → every host name, expanded by libslurm's own hostlist code."""
    if not value:
        return ()
    hostlist = lib.slurm_hostlist_create(value.encode())
    if hostlist == ffi.NULL:
        raise ValueError(f"not a host list: {value!r}")
    try:
        expanded = lib.slurm_hostlist_deranged_string_xmalloc(hostlist)
        try:
            names = text(expanded) or ""
        finally:
            lib.slurm_xfree_ptr(expanded)
    finally:
        lib.slurm_hostlist_destroy(hostlist)
    return tuple(names.split(",")) if names else ()


def bit_ranges(bits: int) -> Iterator[tuple[int, int]]:
    """The runs of set bits of ``bits`` as (first, last) index pairs, lowest first."""
    index = 0
    while bits:
        if bits & 1:
            first = index
            while bits & 1:
                bits >>= 1
                index += 1
            yield first, index - 1
        else:
            # Skip the whole run of clear bits at once.
            skip = (bits & -bits).bit_length() - 1
            bits >>= skip
            index += skip


@lru_cache(maxsize=4096)
def user_name(uid: int) -> str | None:
    """The login name of ``uid`` (None when unknown to this machine or unset)."""
    if uid in _NOT_SET:
        return None
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def list_items(xlist: Any, ctype: str) -> Iterator[Any]:
    """The elements of a Slurm ``list_t``, cast to ``ctype *`` (nothing for NULL).

    Walked with libslurm's own iterator; the list and its elements stay Slurm's.
    """
    if xlist == ffi.NULL:
        return
    iterator = lib.slurm_list_iterator_create(xlist)
    try:
        while True:
            item = lib.slurm_list_next(iterator)
            if item == ffi.NULL:
                return
            yield ffi.cast(ctype + " *", item)
    finally:
        lib.slurm_list_iterator_destroy(iterator)


# The names Slurm prints for its special step ids ("123.batch"); the ids of this release.
STEP_NAMES: Final = {
    int(getattr(lib, constant)): name
    for constant, name in (
        ("SLURM_BATCH_SCRIPT", "batch"),
        ("SLURM_EXTERN_CONT", "extern"),
        ("SLURM_INTERACTIVE_STEP", "interactive"),
        ("SLURM_PENDING_STEP", "pending"),
    )
    if capabilities.has_constant(constant)
}
