"""Checks of what callers pass in, shared by :class:`~slurmlib.JobSpec` and every read filter.

Each check raises ``TypeError`` (the wrong kind of value) or ``ValueError`` (the right kind,
a wrong value) naming the field and the value, before anything reaches Slurm.

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
import os
from collections.abc import Iterable, Mapping
from typing import TypeVar

__all__ = [
    "ALL_CLUSTERS",
    "check_text",
    "cluster_filter",
    "enum_filter",
    "filter_values",
    "id_filter",
    "name_filter",
    "user_filter",
]

E = TypeVar("E", bound=enum.Enum)

_UINT32_LIMIT = 2**32


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
