"""Filters: from a call's arguments to what a ``slurmdb_*_cond_t`` takes, and names the
database cannot compare.

The values a filter holds are checked by :mod:`slurmlib._validate`, the rule shared with the
controller's reads (None is no filter, a string one value, an empty list matches nothing).
This module holds what is particular to slurmdbd's conds: times as epoch seconds, users as
the uids accounting keeps, job ids as ``slurm_selected_step_t`` records, the cond that
selects one association, and :class:`NameCharset`, which keeps a name that the database's
tables cannot hold from failing a whole read. The reads and writes build their conds from
these; nothing here calls slurmdbd.
"""

from __future__ import annotations

import pwd
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from ..errors import InvalidUser, SlurmError
from ..native import ffi, lib
from . import _lists
from ._errors import ILLEGAL_MIX_OF_COLLATIONS
from ._structs import Built

T = TypeVar("T")


def epoch(value: datetime | None, field: str) -> int:
    """A time as a cond takes it: seconds since the epoch, 0 for none."""
    if value is None:
        return 0
    if not isinstance(value, datetime):
        raise TypeError(f"{field} must be a datetime, not {value!r}")
    return int(value.timestamp())


def uids(users: tuple[str | int, ...] | None) -> tuple[str, ...] | None:
    """Users as the uids (text) accounting keeps: a name is looked up on this machine."""
    if users is None:
        return None
    found = []
    for user in users:
        if isinstance(user, int):
            found.append(str(user))
            continue
        try:
            found.append(str(pwd.getpwnam(user).pw_uid))
        except KeyError:
            raise InvalidUser(f"no user named {user!r} on this machine") from None
    return tuple(found)


def set_step_list(cond: Built, job_ids: tuple[int, ...] | None) -> list[Any]:
    """Select jobs by id: ``step_list`` holds ``slurm_selected_step_t`` records.

    The records are Python's and the list has no destructor: releasing the cond frees the
    list only. The returned references keep the records alive for the call.
    """
    if job_ids is None:
        return []
    keep = []
    xlist = _lists.record_list()
    for job_id in job_ids:
        selected = ffi.new("slurm_selected_step_t *")
        for name, _ in ffi.typeof("slurm_step_id_t").fields:
            if name != "sluid":
                setattr(selected.step_id, name, lib.NO_VAL)
        selected.step_id.job_id = job_id
        selected.array_task_id = lib.NO_VAL
        selected.het_job_offset = lib.NO_VAL
        keep.append(selected)
        lib.slurm_list_append(xlist, selected)
    cond.ptr.step_list = xlist
    return keep


def one_association(
    cond: Built, cluster: str, account: str, user: str | None, partition: str | None
) -> None:
    """Make an association cond select one association: an account's own (``user`` None)
    or a user's in the account, on one cluster (and partition, if given)."""
    cond.strings("cluster_list", [cluster])
    cond.strings("acct_list", [account])
    # An empty user name selects the account's own association, not its users'.
    cond.strings("user_list", [user or ""])
    if partition is not None:
        cond.strings("partition_list", [partition])


class NameCharset:
    """Reads by names, where a name the database cannot hold matches nothing.

    slurmdbd compares names in SQL, and the database refuses the whole query (MySQL error
    1267, "Illegal mix of collations") when a name has a character that its tables'
    character set lacks (latin1, MariaDB's default, has no kana or emoji). No record can
    carry such a name: the read is made again without those names (first keeping what
    latin1 holds, then ASCII), and a filter left empty matches nothing. One instance per
    connection remembers the character set that worked, so that the connection's later
    reads leave such names out at once, without a refused query.
    """

    def __init__(self) -> None:
        self.known: str | None = None
        """The character set (Python's name) that the database's names have shown to be
        in, once a read has been refused for a name outside it; None until then."""

    def matching(
        self,
        fetch: Callable[..., tuple[T, ...]],
        **filters: tuple[str, ...] | None,
    ) -> tuple[T, ...]:
        """``fetch(**filters)``, made again without the names the database refused."""
        charsets: tuple[str, ...] = ("latin-1", "ascii")
        if self.known is not None:
            filters = _keeping(filters, self.known)
            charsets = charsets[charsets.index(self.known) + 1 :]
        if any(values == () for values in filters.values()):
            return ()
        try:
            return fetch(**filters)
        except SlurmError as exc:
            if exc.code != ILLEGAL_MIX_OF_COLLATIONS:
                raise
            refused = exc
        for charset in charsets:
            kept = _keeping(filters, charset)
            if kept == filters:
                continue
            if any(values == () for values in kept.values()):
                self.known = charset
                return ()
            try:
                found = fetch(**kept)
            except SlurmError as exc:
                if exc.code != ILLEGAL_MIX_OF_COLLATIONS:
                    raise
                refused, filters = exc, kept
                continue
            self.known = charset
            return found
        names = sorted({v for values in filters.values() for v in values or () if not v.isascii()})
        raise SlurmError(
            f"the database cannot compare the names {names} with its tables' character set "
            f"({refused.message})",
            refused.code,
            refused.code_name,
            refused.context,
        ) from refused


def _keeping(
    filters: dict[str, tuple[str, ...] | None], charset: str
) -> dict[str, tuple[str, ...] | None]:
    """The filters without the names that have a character ``charset`` lacks."""
    return {
        field: None if values is None else tuple(v for v in values if _holds(v, charset))
        for field, values in filters.items()
    }


def _holds(name: str, charset: str) -> bool:
    """Whether a character set (as Python names it) has every character of ``name``."""
    try:
        name.encode(charset)
    except UnicodeEncodeError:
        return False
    return True
