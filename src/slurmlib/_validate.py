"""Every check of what callers pass in: :class:`~slurmlib.JobSpec`'s fields, the arguments
of the controller's writes and the filters of every read.

Each check raises ``TypeError`` (the wrong kind of value) or ``ValueError`` (the right kind,
a wrong value) naming the field and the value, before anything reaches Slurm. One module,
so that a count, a name list, a memory size or a time limit is checked the same way
wherever it is given.

Filters of reads — the controller's (:meth:`slurmlib.Cluster.jobs`) and accounting's
(:mod:`slurmlib.db`) — follow one rule:

- ``None``: no filter;
- one value, or an iterable of values, any of which matches; a string is one value, never
  its letters (``states="pending"`` is ``states=["pending"]``);
- an empty iterable matches nothing.

Cluster filters (:func:`cluster_filter`) add one word: ``"all"`` is every cluster.

Pure Python: importable without the compiled extension.
"""

from __future__ import annotations

import enum
import math
import os
import re
import signal as signal_module
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

from .convert import UNLIMITED, Unlimited

__all__ = [
    "ALL_CLUSTERS",
    "array_task_ids",
    "check_choice",
    "check_count",
    "check_dependency",
    "check_job_id",
    "check_names",
    "check_text",
    "check_timestamp",
    "cluster_filter",
    "enum_filter",
    "filter_values",
    "id_filter",
    "job_text",
    "name_filter",
    "parse_memory",
    "signal_number",
    "time_limit_minutes",
    "user_filter",
]

E = TypeVar("E", bound=enum.Enum)

_UINT32_LIMIT = 2**32
_UINT32_MAX = 0xFFFFFFFF - 2  # NO_VAL and INFINITE are Slurm's

# --- values -------------------------------------------------------------------------------


def check_text(field: str, value: object, *, empty: bool = False, os_text: bool = False) -> str:
    """``value`` as a string fit for C: a ``str`` without NUL bytes that encodes to bytes
    (non-empty unless asked).

    Text goes to Slurm as UTF-8, where a lone surrogate (``"\\udcff"``) has no encoding.
    ``os_text`` is for what is encoded as the operating system does (paths, environment):
    there the surrogates that stand for undecodable bytes (``os.fsdecode``'s) are allowed.
    """
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, not {type(value).__name__}: {value!r}")
    if "\0" in value:
        raise ValueError(f"{field} must not contain NUL bytes: {value!r}")
    if not value and not empty:
        raise ValueError(f"{field} must not be empty")
    if not value.isascii():
        try:
            if os_text:
                os.fsencode(value)
            else:
                value.encode()
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"{field} must be text that encodes to {'bytes' if os_text else 'UTF-8'}: "
                f"{value!r} holds the lone surrogate {value[exc.start]!r}"
            ) from None
    return value


def check_count(field: str, value: object, *, minimum: int = 1, maximum: int = _UINT32_MAX) -> int:
    """An integer in ``[minimum, maximum]`` (``bool`` is not a count)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{field} must be an integer, not {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{field} must be between {minimum} and {maximum}, not {value}")
    return value


def check_names(field: str, value: object) -> tuple[str, ...]:
    """One name or several (``"a,b"``, ``["a", "b"]``) as a tuple of non-empty names."""
    if isinstance(value, str):
        items: Iterable[object] = value.split(",")
    elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        items = value
    else:
        raise TypeError(f"{field} must be a string or a list of strings, not {value!r}")
    names = tuple(check_text(field, item).strip() for item in items)
    if not names or any(not n or "," in n for n in names):
        raise ValueError(f"{field} must name at least one, without empty names: {value!r}")
    return names


def check_choice(field: str, value: object, choices: Mapping[str, int]) -> int:
    """The constant for a name out of ``choices`` (case-insensitive)."""
    name = check_text(field, value).upper()
    if name not in choices:
        raise ValueError(f"{field}: unknown value {value!r}; one of {', '.join(sorted(choices))}")
    return choices[name]


def check_timestamp(field: str, value: object) -> int:
    """A timezone-aware ``datetime`` as a Unix time."""
    if not isinstance(value, datetime):
        raise TypeError(f"{field} must be a timezone-aware datetime, not {value!r}")
    if value.tzinfo is None:
        raise ValueError(f"{field} must be timezone-aware (e.g. datetime.now(UTC))")
    return int(value.timestamp())


_MEMORY = re.compile(r"^\s*(\d+)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)
_MEMORY_UNITS = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024**2}


def parse_memory(field: str, value: object) -> int:
    """Memory in MiB from an integer (MiB) or text such as ``"512M"``, ``"4G"``, ``"1T"``.

    Text without a unit is MiB, as sbatch reads it; kibibytes round up to whole MiB.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        mib = value
    elif isinstance(value, str):
        match = _MEMORY.match(check_text(field, value))
        if match is None:
            raise ValueError(
                f"{field} must be MiB or a number with a unit K, M, G or T (like '4G'), "
                f"not {value!r}"
            )
        mib = math.ceil(int(match.group(1)) * _MEMORY_UNITS[match.group(2).upper()])
    else:
        raise TypeError(f"{field} must be MiB (int) or text like '4G', not {value!r}")
    # 0 is Slurm's "all the memory of each node"; the top bit flags per-CPU memory.
    if not 0 <= mib < 2**62:
        raise ValueError(f"{field} must be between 0 and 2^62 MiB, not {mib}")
    return mib


def time_limit_minutes(field: str, value: object) -> int | Unlimited:
    """Whole minutes from a ``timedelta`` (rounded up, as Slurm does) or an int of minutes."""
    if isinstance(value, Unlimited):
        return UNLIMITED
    if isinstance(value, timedelta):
        if value <= timedelta(0):
            raise ValueError(f"{field} must be positive, not {value}")
        minutes = math.ceil(value.total_seconds() / 60)
    elif isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    else:
        raise TypeError(f"{field} must be a timedelta, minutes (int) or UNLIMITED, not {value!r}")
    return check_count(field, minutes, minimum=1)


# --- jobs ---------------------------------------------------------------------------------


def check_job_id(job_id: object) -> None:
    """A job id as the reads take it: a positive 32-bit integer."""
    if not isinstance(job_id, int) or isinstance(job_id, bool) or not 0 < job_id < _UINT32_LIMIT:
        raise ValueError(f"job_id must be a positive 32-bit integer, not {job_id!r}")


_JOB_TEXT = re.compile(r"^\d+(?:_(?:\d+|\[[\d,\-:%]+\]))?$")


def job_text(job: object) -> str:
    """A job as the writes take it (an id, or ``"12_3"``, ``"12_[1-4]"``) in the
    controller's text form."""
    if isinstance(job, bool) or not isinstance(job, int | str):
        raise TypeError(f"job must be a job id (int) or its text like '12_3', not {job!r}")
    if isinstance(job, int):
        check_count("job", job, maximum=0xFFFFFFFD)
        return str(job)
    check_text("job", job)
    if not _JOB_TEXT.match(job) or int(job.split("_")[0]) == 0:
        raise ValueError(f"job must look like '12', '12_3' or '12_[1-4]', not {job!r}")
    return job


def signal_number(value: object) -> int:
    """A signal as its number, from an int, a ``signal.Signals`` or a name (``"USR1"``)."""
    if isinstance(value, str):
        name = check_text("signal", value).upper()
        name = name if name.startswith("SIG") else "SIG" + name
        try:
            return int(signal_module.Signals[name])
        except KeyError:
            raise ValueError(f"signal: unknown signal name {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"signal must be a number, a signal.Signals or a name, not {value!r}")
    return check_count("signal", int(value), maximum=signal_module.SIGRTMAX)


_ARRAY_ITEM = re.compile(r"^(\d+)(?:-(\d+)(?::(\d+))?)?$")


def array_task_ids(spec: str) -> tuple[tuple[int, ...], int | None]:
    """The task ids of an array spec and its ``%`` limit (``"1-8%2"``, ``"1,3,5"``, ``"0-15:4"``).

    Raises ``ValueError`` for anything sbatch would not take.
    """
    check_text("array", spec)
    body, sep, limit_text = spec.partition("%")
    limit = None
    if sep:
        if not limit_text.isdigit() or int(limit_text) < 1:
            raise ValueError(f"array: the limit after '%' must be a positive number: {spec!r}")
        limit = int(limit_text)
    ids: set[int] = set()
    for item in body.split(","):
        match = _ARRAY_ITEM.match(item.strip())
        if match is None:
            raise ValueError(
                f"array: {item!r} is not N, N-M or N-M:STEP (in {spec!r}; e.g. '1-8%2', '1,3,5')"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        step = int(match.group(3)) if match.group(3) is not None else 1
        if last < first or step < 1:
            raise ValueError(f"array: {item!r} is an empty range (in {spec!r})")
        if last >= _UINT32_MAX:
            raise ValueError(f"array: task id {last} is out of range (in {spec!r})")
        ids.update(range(first, last + 1, step))
    return tuple(sorted(ids)), limit


_DEPENDENCY_KINDS = (
    "after",
    "afterany",
    "afterburstbuffer",
    "aftercorr",
    "afternotok",
    "afterok",
)
_JOB_REF = r"\d+(?:_\d+)?(?:\+\d+)?"
_DEPENDENCY_ITEM = re.compile(
    rf"^(?:singleton|(?:{'|'.join(_DEPENDENCY_KINDS)}):{_JOB_REF}(?::{_JOB_REF})*)$"
)


def check_dependency(field: str, value: object, *, empty: bool = False) -> str:
    """A dependency as sbatch writes it: ``"afterok:12:13,afterany:14"``, ``"singleton"``.

    Items are joined by ``,`` (all must hold) or ``?`` (any may); job ids may name an array
    task (``12_3``); ``after`` may carry ``+minutes``.
    """
    text = check_text(field, value, empty=empty)
    if not text:
        return text
    if "," in text and "?" in text:
        raise ValueError(f"{field}: mix of ',' (all) and '?' (any) is not allowed: {text!r}")
    for item in re.split(r"[,?]", text):
        if not _DEPENDENCY_ITEM.match(item):
            raise ValueError(
                f"{field}: {item!r} is not TYPE:JOBID[:JOBID...] with TYPE one of "
                f"{', '.join(_DEPENDENCY_KINDS)}, nor 'singleton' (in {text!r})"
            )
    return text


# --- filters ------------------------------------------------------------------------------


def filter_values(field: str, given: object) -> tuple[object, ...]:
    """The values of a filter: one value (a string is one) or the items of an iterable."""
    if isinstance(given, bytes | bytearray | Mapping):
        raise TypeError(f"{field} must be a value or a list of values, not {given!r}")
    if isinstance(given, str) or not isinstance(given, Iterable):
        return (given,)
    return tuple(given)


def name_filter(field: str, given: object) -> tuple[str, ...] | None:
    """A filter of names (accounts, partitions, clusters...): non-empty strings."""
    if given is None:
        return None
    return tuple(check_text(field, v) for v in filter_values(field, given))


ALL_CLUSTERS = "all"
"""What a cluster filter says for every cluster (as Slurm's ``-M all``)."""


def cluster_filter(field: str, given: object) -> tuple[str, ...] | str | None:
    """A filter of cluster names: None (not given: the caller's default), the names, or
    :data:`ALL_CLUSTERS` for ``"all"`` (any case, alone or among names: then the others
    add nothing)."""
    names = name_filter(field, given)
    if names is None:
        return None
    if any(n.lower() == ALL_CLUSTERS for n in names):
        return ALL_CLUSTERS
    return names


def id_filter(field: str, given: object, what: str = "job id") -> tuple[int, ...] | None:
    """A filter of ids: positive 32-bit integers (``bool`` and ``float`` are not ids)."""
    if given is None:
        return None
    ids = []
    for value in filter_values(field, given):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{field}: a {what} is an int, not {type(value).__name__}: {value!r}")
        if not 0 < value < _UINT32_LIMIT:
            raise ValueError(f"{field}: not a {what} (1 to {_UINT32_LIMIT - 1}): {value!r}")
        ids.append(value)
    return tuple(ids)


def user_filter(field: str, given: object) -> tuple[str | int, ...] | None:
    """A filter of users: names (``str``) or uids (``int``, 0 and up)."""
    if given is None:
        return None
    users: list[str | int] = []
    for value in filter_values(field, given):
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < _UINT32_LIMIT:
                raise ValueError(f"{field}: not a uid (0 to {_UINT32_LIMIT - 1}): {value!r}")
            users.append(value)
        elif isinstance(value, str):
            users.append(check_text(field, value))
        else:
            raise TypeError(
                f"{field}: a user is a name (str) or a uid (int), not "
                f"{type(value).__name__}: {value!r}"
            )
    return tuple(users)


def enum_filter(field: str, given: object, kind: type[E], what: str) -> tuple[E, ...] | None:
    """A filter of ``kind`` members, given as members or their names (any case)."""
    if given is None:
        return None
    members = []
    known = ", ".join(m.name for m in kind)
    for value in filter_values(field, given):
        if isinstance(value, kind):
            members.append(value)
        elif isinstance(value, str):
            member = kind.__members__.get(check_text(field, value).upper())
            if member is None:
                raise ValueError(f"{field}: unknown {what} {value!r} (known: {known})")
            members.append(member)
        else:
            raise TypeError(
                f"{field}: a {what} is a {kind.__name__} or its name ({known}), not "
                f"{type(value).__name__}: {value!r}"
            )
    return tuple(members)
