"""Every conversion of a C value into a Python one, written once.

Sentinel rule: ``NO_VAL*`` (Slurm's "not set") becomes ``None``; ``INFINITE*`` becomes
:data:`UNLIMITED`. Times (``time_t``) become aware UTC ``datetime`` (0 is "never": ``None``),
durations ``timedelta``, memory is in MiB, TRES strings become read-only
:class:`~slurmlib._frozen.FrozenMap` of ``str`` to ``int``.

The rules on numbers and text are pure Python, so that the records (which use
:class:`Unlimited`) import without the compiled bindings: the sentinels come from
:mod:`slurmlib._constants`, which the build checks against the headers. What reads C memory
or calls libslurm (:func:`text`, :func:`split_list`, :func:`list_items`,
:func:`expand_hostlist`, :data:`STEP_NAMES`, whose ids differ between releases) lives in
:mod:`slurmlib._native_convert` and is found here on first use: ``convert.text`` is what it
always was, and nothing that only needs the pure rules loads the bindings.
"""

from __future__ import annotations

import pwd
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from ._constants import VALUES as C
from ._frozen import EMPTY, FrozenMap

if TYPE_CHECKING:
    from ._native_convert import STEP_NAMES as STEP_NAMES
    from ._native_convert import expand_hostlist, split_list, text
    from ._native_convert import list_items as list_items

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
        """The one instance, :data:`UNLIMITED`, however often it is called (a singleton:
        ``is`` compares, and a pickle loads back as the same object)."""
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

NO_VAL16: Final[int] = C["NO_VAL16"]
NO_VAL: Final[int] = C["NO_VAL"]
NO_VAL64: Final[int] = C["NO_VAL64"]
INFINITE16: Final[int] = C["INFINITE16"]
INFINITE: Final[int] = C["INFINITE"]
INFINITE64: Final[int] = C["INFINITE64"]
_NOT_SET = {NO_VAL16, NO_VAL, NO_VAL64}
_INFINITE = {INFINITE16, INFINITE, INFINITE64}


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


_NATIVE = frozenset(("STEP_NAMES", "expand_hostlist", "list_items", "split_list", "text"))


def __getattr__(name: str) -> Any:
    """The conversions that need the compiled module, from :mod:`slurmlib._native_convert`
    on first use (then bound here, so that ``cv.text`` costs what it always did)."""
    if name not in _NATIVE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import _native_convert

    value = getattr(_native_convert, name)
    globals()[name] = value
    return value
