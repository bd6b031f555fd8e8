"""Rolled-up usage: what ``sreport`` reports, from slurmdbd's hourly/daily/monthly tables.

Called with :data:`native.api_lock` held. The lists Slurm returns are destroyed here with
``slurm_list_destroy`` (their destructors free the report records).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .._frozen import FrozenMap
from ..convert import text
from ..native import ffi, lib
from . import _lists
from ._convert import Names
from ._errors import error
from ._structs import Built
from .records import ClusterUsage, Usage


def _check(xlist: Any, code: int, what: str) -> None:
    if xlist == ffi.NULL:
        raise error(code, what)


def to_minutes(seconds: int) -> int:
    """Seconds of use as sreport prints minutes: rounded to the nearest (``%.0f``)."""
    return round(seconds / 60)


def _minutes(tres_list: Any, names: Names) -> FrozenMap[str, int]:
    seconds: dict[str, int] = {}
    for tres in _lists.walk(tres_list, "slurmdb_tres_rec_t"):
        name = names.tres_name(int(tres.id))
        seconds[name] = seconds.get(name, 0) + int(tres.alloc_secs)
    return FrozenMap({name: to_minutes(value) for name, value in seconds.items()})


def associations(
    conn: Any,
    period: tuple[int, int],
    names: Names,
    by: str,
    clusters: tuple[str, ...] | None,
    accounts: tuple[str, ...] | None,
    users: tuple[str, ...] | None,
) -> tuple[Usage, ...]:
    """Usage per account and per user in it (``by="account"``), or per user and account."""
    report = (
        lib.slurmdb_report_cluster_account_by_user
        if by == "account"
        else lib.slurmdb_report_cluster_user_by_account
    )
    with Built("slurmdb_assoc_cond_t") as cond:
        cond.ptr.usage_start, cond.ptr.usage_end = period
        cond.flag("with_usage", "ASSOC_COND_FLAG_WITH_USAGE")
        cond.strings("cluster_list", clusters)
        cond.strings("acct_list", accounts)
        cond.strings("user_list", users)
        ffi.errno = 0
        xlist = report(conn, cond.ptr)
        _check(xlist, ffi.errno, "loading usage")
    records: list[Usage] = []
    with _lists.Owned(xlist):
        for cluster in _lists.walk(xlist, "slurmdb_report_cluster_rec_t"):
            cluster_name = _lists.text_or_empty(cluster.name)
            if by == "account":
                rows = (
                    (a.acct, a.user, a.tres_list)
                    for a in _lists.walk(cluster.assoc_list, "slurmdb_report_assoc_rec_t")
                )
            else:
                # The user-by-account report has one record per user and account, with the
                # account and its usage on the user record itself (as sreport prints it).
                rows = (
                    (u.acct, u.name, u.tres_list)
                    for u in _lists.walk(cluster.user_list, "slurmdb_report_user_rec_t")
                )
            records.extend(
                Usage(
                    cluster=cluster_name,
                    account=_lists.text_or_empty(account),
                    user=text(user) or None,
                    tres_minutes=_minutes(tres_list, names),
                )
                for account, user, tres_list in rows
            )
    return tuple(records)


def clusters(
    conn: Any, period: tuple[int, int], names: Names, wanted: tuple[str, ...] | None
) -> tuple[ClusterUsage, ...]:
    """Per cluster and TRES: allocated, down, planned down, idle, planned, reported."""
    with Built("slurmdb_cluster_cond_t") as cond:
        lib.slurmdb_init_cluster_cond(cond.ptr, False)
        cond.ptr.with_usage = 1
        cond.ptr.usage_start, cond.ptr.usage_end = period
        cond.strings("cluster_list", wanted)
        ffi.errno = 0
        xlist = lib.slurmdb_clusters_get(conn, cond.ptr)
        _check(xlist, ffi.errno, "loading cluster usage")
    records: list[ClusterUsage] = []
    with _lists.Owned(xlist):
        for cluster in _lists.walk(xlist, "slurmdb_cluster_rec_t"):
            sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for acct in _lists.walk(cluster.accounting_list, "slurmdb_cluster_accounting_rec_t"):
                tres = sums[names.tres_name(int(acct.tres_rec.id))]
                tres["allocated"] += int(acct.alloc_secs)
                tres["down"] += int(acct.down_secs)
                tres["planned_down"] += int(acct.pdown_secs)
                tres["idle"] += int(acct.idle_secs)
                tres["planned"] += int(acct.plan_secs)
            for tres_name, secs in sorted(sums.items()):
                minutes = {k: to_minutes(v) for k, v in secs.items()}
                records.append(
                    ClusterUsage(
                        cluster=_lists.text_or_empty(cluster.name),
                        tres=tres_name,
                        allocated=minutes["allocated"],
                        down=minutes["down"],
                        planned_down=minutes["planned_down"],
                        idle=minutes["idle"],
                        planned=minutes["planned"],
                        reported=to_minutes(sum(secs.values())),
                    )
                )
    return tuple(records)
