"""The controller's live association and QoS limits and usage (``scontrol show assoc_mgr``).

The association manager's message carries TRES limits and usage as arrays indexed like its
``tres_names``; they become ``dict[str, int]`` keyed by TRES name (only the limits that are
set; every TRES for usage). Lists inside the message are walked with libslurm's own list
iterators and freed with the message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from . import convert as cv
from ._frozen import EMPTY, FrozenMap
from .native import capabilities, ffi, lib
from .records import AssocLimits, Limits, QosLimits, QosUserUsage, Share


def _limits(array: Any, names: tuple[str, ...]) -> FrozenMap[str, int]:
    """The TRES limits that are set (neither NO_VAL64 nor INFINITE64)."""
    if array == ffi.NULL:
        return EMPTY
    result = {}
    for i, name in enumerate(names):
        value = int(array[i])
        if value not in (cv.NO_VAL64, cv.INFINITE64):
            result[name] = value
    return FrozenMap(result)


def _used(array: Any, names: tuple[str, ...]) -> FrozenMap[str, int]:
    if array == ffi.NULL:
        return EMPTY
    return FrozenMap({name: int(array[i]) for i, name in enumerate(names)})


def _minutes(value: int) -> timedelta | cv.Unlimited | None:
    return cv.duration_minutes(value)


def _preempted(q: Any, qos_names: dict[int, str]) -> tuple[str, ...]:
    """The QoS names set in ``q``'s preemption bitmap (bits are QoS ids)."""
    if q.preempt_bitstr == ffi.NULL or not capabilities.has_function("slurm_bit_test"):
        return ()
    size = int(lib.slurm_bit_size(q.preempt_bitstr))
    return tuple(
        name
        for qos_id, name in sorted(qos_names.items())
        if qos_id < size and lib.slurm_bit_test(q.preempt_bitstr, qos_id)
    )


def _qos(q: Any, names: tuple[str, ...], qos_names: dict[int, str]) -> QosLimits:
    usage = q.usage
    per_user = []
    if usage != ffi.NULL:
        for used in cv.list_items(usage.user_limit_list, "slurmdb_used_limits_t"):
            uid = int(used.uid)
            per_user.append(
                QosUserUsage(
                    user_id=uid,
                    user_name=cv.user_name(uid),
                    jobs=int(used.jobs),
                    submit_jobs=int(used.submit_jobs),
                    tres=_used(used.tres, names),
                )
            )
    return QosLimits(
        name=cv.text(q.name) or "",
        id=int(q.id),
        priority=int(q.priority),
        grp_jobs=cv.count(int(q.grp_jobs)),
        grp_submit_jobs=cv.count(int(q.grp_submit_jobs)),
        grp_wall=_minutes(int(q.grp_wall)),
        grp_tres=_limits(q.grp_tres_ctld, names),
        grp_tres_mins=_limits(q.grp_tres_mins_ctld, names),
        max_jobs_per_user=cv.count(int(q.max_jobs_pu)),
        max_submit_jobs_per_user=cv.count(int(q.max_submit_jobs_pu)),
        max_jobs_per_account=cv.count(int(q.max_jobs_pa)),
        max_submit_jobs_per_account=cv.count(int(q.max_submit_jobs_pa)),
        max_tres_per_user=_limits(q.max_tres_pu_ctld, names),
        max_tres_per_account=_limits(q.max_tres_pa_ctld, names),
        max_tres_per_job=_limits(q.max_tres_pj_ctld, names),
        max_tres_per_node=_limits(q.max_tres_pn_ctld, names),
        max_wall_per_job=_minutes(int(q.max_wall_pj)),
        usage_raw=float(usage.usage_raw) if usage != ffi.NULL else None,
        used_jobs=int(usage.grp_used_jobs) if usage != ffi.NULL else 0,
        used_submit_jobs=int(usage.grp_used_submit_jobs) if usage != ffi.NULL else 0,
        used_tres=_used(usage.grp_used_tres, names) if usage != ffi.NULL else EMPTY,
        per_user=tuple(per_user),
        preempt=_preempted(q, qos_names),
    )


def _assoc(a: Any, names: tuple[str, ...]) -> AssocLimits:
    usage = a.usage
    has_usage = usage != ffi.NULL
    uid = int(a.uid)
    return AssocLimits(
        id=int(a.id),
        account=cv.text(a.acct) or "",
        user=cv.text(a.user) or None,
        user_id=None if not cv.text(a.user) else uid,
        partition=cv.text(a.partition) or None,
        parent_account=cv.text(a.parent_acct) or None,
        shares_raw=cv.count(int(a.shares_raw)),
        grp_jobs=cv.count(int(a.grp_jobs)),
        grp_submit_jobs=cv.count(int(a.grp_submit_jobs)),
        grp_wall=_minutes(int(a.grp_wall)),
        grp_tres=_limits(a.grp_tres_ctld, names),
        grp_tres_mins=_limits(a.grp_tres_mins_ctld, names),
        max_jobs=cv.count(int(a.max_jobs)),
        max_submit_jobs=cv.count(int(a.max_submit_jobs)),
        max_tres_per_job=_limits(a.max_tres_ctld, names),
        max_tres_per_node=_limits(a.max_tres_pn_ctld, names),
        max_wall_per_job=_minutes(int(a.max_wall_pj)),
        usage_raw=float(usage.usage_raw) if has_usage else None,
        shares_norm=float(usage.shares_norm) if has_usage else None,
        fairshare=float(usage.fs_factor) if has_usage else None,
        used_jobs=int(usage.used_jobs) if has_usage else 0,
        used_submit_jobs=int(usage.used_submit_jobs) if has_usage else 0,
        used_tres=_used(usage.grp_used_tres, names) if has_usage else EMPTY,
    )


def convert(msg: Any) -> Limits:
    names = tuple(cv.text(msg.tres_names[i]) or "" for i in range(int(msg.tres_cnt)))
    qos_records = list(cv.list_items(msg.qos_list, "slurmdb_qos_rec_t"))
    qos_names = {int(q.id): cv.text(q.name) or "" for q in qos_records}
    return Limits(
        tres_names=names,
        qos=tuple(_qos(q, names, qos_names) for q in qos_records),
        associations=tuple(
            _assoc(a, names) for a in cv.list_items(msg.assoc_list, "slurmdb_assoc_rec_t")
        ),
    )


def _raw_shares(value: int) -> int | cv.Unlimited | None:
    # SLURMDB_FS_USE_PARENT: the association takes its parent's shares (sshare: "parent").
    return None if value == lib.SLURMDB_FS_USE_PARENT else cv.count(value)


def shares(msg: Any) -> tuple[Share, ...]:
    """The fair-share tree from the association manager's message, in tree order.

    The controller packs each association's usage (raw and effective usage, fair-share
    factor, TRES-seconds of running jobs) with it; this is the data ``sshare`` prints.
    """
    names = tuple(cv.text(msg.tres_names[i]) or "" for i in range(int(msg.tres_cnt)))
    depth_of_account: dict[str, int] = {}
    rows = []
    for a in cv.list_items(msg.assoc_list, "slurmdb_assoc_rec_t"):
        account = cv.text(a.acct) or ""
        user = cv.text(a.user) or None
        parent = cv.text(a.parent_acct) or None
        if user is None:
            depth = 0 if parent is None else depth_of_account.get(parent, 0) + 1
            depth_of_account[account] = depth
        else:
            depth = depth_of_account.get(account, 0) + 1
        usage = a.usage
        has_usage = usage != ffi.NULL
        run_secs = usage.grp_used_tres_run_secs if has_usage else ffi.NULL
        rows.append(
            Share(
                account=account,
                user=user,
                partition=cv.text(a.partition) or None,
                parent_account=parent,
                depth=depth,
                raw_shares=_raw_shares(int(a.shares_raw)),
                norm_shares=float(usage.shares_norm) if has_usage else 0.0,
                raw_usage=float(usage.usage_raw) if has_usage else 0.0,
                effective_usage=float(usage.usage_efctv) if has_usage else 0.0,
                fairshare=float(usage.fs_factor) if has_usage and user is not None else None,
                tres_run_minutes=FrozenMap({k: v // 60 for k, v in _used(run_secs, names).items()}),
            )
        )
    return tuple(rows)
