"""Copy slurmdbd's C records into owned Python records.

Each function takes one C record (a cffi pointer into a list that is still alive) and the
:class:`Names` of the database's TRES and QoS, and returns a record of Python values only.
The list is destroyed by the caller right after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .. import _gres
from .. import convert as cv
from .._frozen import EMPTY, FrozenMap
from ..native import capabilities, ffi, lib
from ..states import JOB_STATE_BASE, JobState
from . import _lists
from .records import (
    Account,
    Association,
    Cluster,
    DbJob,
    DbReservation,
    DbStep,
    Event,
    QoS,
    Tres,
    User,
)

_text = cv.text


@dataclass
class Names:
    """The database's TRES and QoS by id: records name them, the database stores ids."""

    tres: dict[int, str] = field(default_factory=dict)
    qos: dict[int, str] = field(default_factory=dict)

    def tres_name(self, tres_id: int) -> str:
        return self.tres.get(tres_id, f"tres{tres_id}")

    def qos_name(self, qos_id: int) -> str | None:
        if qos_id in (0, cv.NO_VAL, cv.INFINITE):
            return None
        return self.qos.get(qos_id, str(qos_id))


def tres_dict(value: str | None, names: Names) -> FrozenMap[str, int]:
    """``"1=8,2=1024,1001=2"`` → ``{"cpu": 8, "mem": 1024, "gres/gpu": 2}`` (read-only).

    Entries whose value is a sentinel (no data, no limit) are left out.
    """
    if not value:
        return EMPTY
    result: dict[str, int] = {}
    for item in value.split(","):
        key, sep, amount = item.partition("=")
        if not sep or not key.isdigit():
            continue
        try:
            number = int(amount)
        except ValueError:
            continue
        if number < 0 or number in (cv.NO_VAL64, cv.INFINITE64):
            continue
        result[names.tres_name(int(key))] = number
    return FrozenMap(result)


def _seconds(value: int) -> timedelta | None:
    if value in (cv.NO_VAL, cv.INFINITE, cv.NO_VAL16, cv.INFINITE16):
        return None
    return timedelta(seconds=value)


def _cpu_time(seconds: int, microseconds: int) -> timedelta:
    return timedelta(seconds=int(seconds), microseconds=int(microseconds))


def _float(value: float) -> float | None:
    # Slurm writes NO_VAL into doubles as "not set".
    if value in (float(cv.NO_VAL), float(cv.INFINITE)) or value != value:
        return None
    return float(value)


# --- TRES and clusters -------------------------------------------------------------------


def tres(c: Any) -> Tres:
    return Tres(id=int(c.id), type=_text(c.type) or "", name=_text(c.name) or None)


def cluster(c: Any, names: Names) -> Cluster:
    port = int(c.control_port)
    rpc = int(c.rpc_version)
    return Cluster(
        name=_text(c.name) or "",
        control_host=_text(c.control_host) or None,
        control_port=port or None,
        rpc_version=rpc or None,
        nodes=_text(c.nodes) or None,
        tres=tres_dict(_text(c.tres_str), names),
    )


# --- QoS --------------------------------------------------------------------------------

# sacctmgr's names of the QoS flags; a flag this release lacks is never reported.
_QOS_FLAG_NAMES = {
    "QOS_FLAG_PART_MIN_NODE": "PartitionMinNodes",
    "QOS_FLAG_PART_MAX_NODE": "PartitionMaxNodes",
    "QOS_FLAG_PART_TIME_LIMIT": "PartitionTimeLimit",
    "QOS_FLAG_ENFORCE_USAGE_THRES": "EnforceUsageThreshold",
    "QOS_FLAG_NO_RESERVE": "NoReserve",
    "QOS_FLAG_REQ_RESV": "RequiresReservation",
    "QOS_FLAG_DENY_LIMIT": "DenyOnLimit",
    "QOS_FLAG_OVER_PART_QOS": "OverPartQOS",
    "QOS_FLAG_NO_DECAY": "NoDecay",
    "QOS_FLAG_USAGE_FACTOR_SAFE": "UsageFactorSafe",
    "QOS_FLAG_RELATIVE": "Relative",
}
QOS_FLAGS: dict[str, int] = {
    name: int(getattr(lib, constant))
    for constant, name in _QOS_FLAG_NAMES.items()
    if capabilities.has_constant(constant)
}
_QOS_FLAG_BASE = int(lib.QOS_FLAG_BASE)

PREEMPT_MODES: dict[str, int] = {
    name: int(getattr(lib, "PREEMPT_MODE_" + name))
    for name in ("SUSPEND", "REQUEUE", "CANCEL", "GANG", "WITHIN")
    if capabilities.has_constant("PREEMPT_MODE_" + name)
}
_PREEMPT_OFF = (
    int(lib.PREEMPT_MODE_COND_OFF) if capabilities.has_constant("PREEMPT_MODE_COND_OFF") else None
)


def qos_flags(value: int) -> frozenset[str]:
    if value & ~_QOS_FLAG_BASE:  # NOTSET/ADD/REMOVE markers: no flags were read
        value &= _QOS_FLAG_BASE
    return frozenset(name for name, bit in QOS_FLAGS.items() if value & bit)


def preempt_mode(value: int) -> str | None:
    if value == cv.NO_VAL16:
        return None
    if value == 0:
        return "CLUSTER"
    if _PREEMPT_OFF is not None and value == _PREEMPT_OFF:
        return "OFF"
    return ",".join(name for name, bit in PREEMPT_MODES.items() if value & bit) or str(value)


def _preempted(bitmap: Any, names: Names) -> tuple[str, ...]:
    if bitmap == ffi.NULL:
        return ()
    size = int(lib.slurm_bit_size(bitmap))
    found = []
    for qos_id in range(size):
        if lib.slurm_bit_test(bitmap, qos_id):
            found.append(names.qos_name(qos_id) or str(qos_id))
    return tuple(sorted(found))


def qos(c: Any, names: Names) -> QoS:
    def t(value: Any) -> FrozenMap[str, int]:
        return tres_dict(_text(value), names)

    return QoS(
        id=int(c.id),
        name=_text(c.name) or "",
        description=_text(c.description) or None,
        priority=cv.plain(int(c.priority)),
        flags=qos_flags(int(c.flags)),
        preempt=_preempted(c.preempt_bitstr, names),
        preempt_mode=preempt_mode(int(c.preempt_mode)),
        preempt_exempt_time=_seconds(int(c.preempt_exempt_time)),
        grace_time=_seconds(int(c.grace_time)),
        usage_factor=_float(c.usage_factor),
        usage_threshold=_float(c.usage_thres),
        grp_jobs=cv.count(int(c.grp_jobs)),
        grp_submit_jobs=cv.count(int(c.grp_submit_jobs)),
        grp_tres=t(c.grp_tres),
        grp_tres_mins=t(c.grp_tres_mins),
        grp_tres_run_mins=t(c.grp_tres_run_mins),
        grp_wall=cv.duration_minutes(int(c.grp_wall)),
        max_jobs_per_user=cv.count(int(c.max_jobs_pu)),
        max_submit_jobs_per_user=cv.count(int(c.max_submit_jobs_pu)),
        max_jobs_per_account=cv.count(int(c.max_jobs_pa)),
        max_submit_jobs_per_account=cv.count(int(c.max_submit_jobs_pa)),
        max_tres_per_job=t(c.max_tres_pj),
        max_tres_per_node=t(c.max_tres_pn),
        max_tres_per_user=t(c.max_tres_pu),
        max_tres_per_account=t(c.max_tres_pa),
        max_tres_mins_per_job=t(c.max_tres_mins_pj),
        max_wall_per_job=cv.duration_minutes(int(c.max_wall_pj)),
        min_tres_per_job=t(c.min_tres_pj),
    )


# --- associations, accounts, users ---------------------------------------------------------

_FS_USE_PARENT = int(lib.SLURMDB_FS_USE_PARENT)


def association(c: Any, names: Names) -> Association:
    def t(value: Any) -> FrozenMap[str, int]:
        return tres_dict(_text(value), names)

    shares = int(c.shares_raw)
    qos_names = []
    for item in _lists.strings(c.qos_list):
        # Plain QoS ids; raw lists may carry +/- deltas, which name the QoS all the same.
        digits = item.lstrip("+-")
        if digits.isdigit():
            qos_names.append(names.qos_name(int(digits)) or digits)
    return Association(
        id=int(c.id),
        cluster=_text(c.cluster) or "",
        account=_text(c.acct) or "",
        user=_text(c.user) or None,
        partition=_text(c.partition) or None,
        parent_account=_text(c.parent_acct) or None,
        is_default=bool(int(c.is_def)) and int(c.is_def) != cv.NO_VAL16,
        shares=None if shares in (_FS_USE_PARENT, cv.NO_VAL, cv.INFINITE) else shares,
        priority=cv.plain(int(c.priority)),
        qos=tuple(sorted(qos_names)),
        default_qos=names.qos_name(int(c.def_qos_id)),
        grp_jobs=cv.count(int(c.grp_jobs)),
        grp_jobs_accrue=cv.count(int(c.grp_jobs_accrue)),
        grp_submit_jobs=cv.count(int(c.grp_submit_jobs)),
        grp_tres=t(c.grp_tres),
        grp_tres_mins=t(c.grp_tres_mins),
        grp_tres_run_mins=t(c.grp_tres_run_mins),
        grp_wall=cv.duration_minutes(int(c.grp_wall)),
        max_jobs=cv.count(int(c.max_jobs)),
        max_jobs_accrue=cv.count(int(c.max_jobs_accrue)),
        max_submit_jobs=cv.count(int(c.max_submit_jobs)),
        max_tres_per_job=t(c.max_tres_pj),
        max_tres_per_node=t(c.max_tres_pn),
        max_tres_mins_per_job=t(c.max_tres_mins_pj),
        max_tres_run_mins=t(c.max_tres_run_mins),
        max_wall_per_job=cv.duration_minutes(int(c.max_wall_pj)),
    )


def account(c: Any, names: Names) -> Account:
    return Account(
        name=_text(c.name) or "",
        description=_text(c.description) or None,
        organization=_text(c.organization) or None,
        associations=tuple(
            association(a, names) for a in _lists.walk(c.assoc_list, "slurmdb_assoc_rec_t")
        ),
        coordinators=tuple(
            sorted(_text(r.name) or "" for r in _lists.walk(c.coordinators, "slurmdb_coord_rec_t"))
        ),
    )


ADMIN_LEVELS = {
    int(lib.SLURMDB_ADMIN_NOTSET): "None",
    int(lib.SLURMDB_ADMIN_NONE): "None",
    int(lib.SLURMDB_ADMIN_OPERATOR): "Operator",
    int(lib.SLURMDB_ADMIN_SUPER_USER): "Administrator",
}


def user(c: Any, names: Names) -> User:
    return User(
        name=_text(c.name) or "",
        admin_level=ADMIN_LEVELS.get(int(c.admin_level), str(int(c.admin_level))),
        default_account=_text(c.default_acct) or None,
        default_wckey=_text(c.default_wckey) or None,
        associations=tuple(
            association(a, names) for a in _lists.walk(c.assoc_list, "slurmdb_assoc_rec_t")
        ),
        coordinated_accounts=tuple(
            sorted(_text(r.name) or "" for r in _lists.walk(c.coord_accts, "slurmdb_coord_rec_t"))
        ),
    )


# --- jobs and steps ---------------------------------------------------------------------

_MEM_TRES_ID = 2  # TRES_MEM: fixed id in every release (cpu 1, mem 2, energy 3, node 4)
_JOB_CANCELLED = int(lib.JOB_CANCELLED)


def _state(value: int) -> tuple[JobState, str]:
    base = value & JOB_STATE_BASE
    return JobState(base), _text(lib.slurm_job_state_string(value)) or JobState(base).name


def _exit(value: int) -> tuple[int | None, int | None]:
    """A wait status as (exit code, signal).

    The code is the one the shell saw: 143 for a script whose shell died of SIGTERM.
    22.05's sacct prints such a code less 128 (``15:0``, which reads like an exit(15));
    26.05's prints it as it is.
    """
    if value in (cv.NO_VAL, cv.INFINITE) or value < 0:
        return None, None
    return (value >> 8) & 0xFF, value & 0x7F


def _usage(value: str | None) -> dict[str, str]:
    return dict(item.split("=", 1) for item in (value or "").split(",") if "=" in item)


def step(c: Any, names: Names) -> DbStep:
    step_id = int(c.step_id.step_id)
    state, state_text = _state(int(c.state))
    code, signal = _exit(int(c.exitcode))
    stats = c.stats
    usage_max = tres_dict(_text(stats.tres_usage_in_max), names)
    max_rss = _usage(_text(stats.tres_usage_in_max)).get(str(_MEM_TRES_ID))
    usage_ave = tres_dict(_text(stats.tres_usage_in_ave), names)
    ntasks = int(c.ntasks)
    return DbStep(
        job_id=int(c.step_id.job_id),
        step_id=step_id,
        step=cv.STEP_NAMES.get(step_id, str(step_id)),
        name=_text(c.stepname) or None,
        state=state,
        state_text=state_text,
        exit_code=code,
        exit_signal=signal,
        start_time=cv.timestamp(int(c.start)),
        end_time=cv.timestamp(int(c.end)),
        elapsed=timedelta(seconds=int(c.elapsed)),
        nodes=_text(c.nodes) or None,
        node_count=int(c.nnodes),
        tasks=ntasks if ntasks not in (cv.NO_VAL, 0) else None,
        tres_allocated=tres_dict(_text(c.tres_alloc_str), names),
        user_cpu=_cpu_time(c.user_cpu_sec, c.user_cpu_usec),
        system_cpu=_cpu_time(c.sys_cpu_sec, c.sys_cpu_usec),
        total_cpu=_cpu_time(c.tot_cpu_sec, c.tot_cpu_usec),
        max_rss_bytes=int(max_rss) if max_rss and max_rss.isdigit() else None,
        tres_usage_max=usage_max,
        tres_usage_total=tres_dict(_text(stats.tres_usage_in_tot), names),
        gpu_utilization=usage_ave.get("gres/gpuutil"),
        gpu_memory_max_bytes=usage_max.get("gres/gpumem"),
    )


def _gpu_utilization(steps: tuple[DbStep, ...]) -> int | None:
    """The steps' GPU utilisation weighted by elapsed time; None if none has one."""
    measured = [s for s in steps if s.gpu_utilization is not None]
    if not measured:
        return None
    seconds = sum(s.elapsed.total_seconds() for s in measured)
    if seconds <= 0:
        return round(sum(s.gpu_utilization or 0 for s in measured) / len(measured))
    return round(
        sum((s.gpu_utilization or 0) * s.elapsed.total_seconds() for s in measured) / seconds
    )


def _array_tasks(tasks: str | None, at_once: int) -> str | None:
    """The pending tasks' range text, as sacct prints it between brackets (``1,3,7-9%2``).

    slurmdbd keeps the task set as a hexadecimal bitmap (``0x38A``: bits 1, 3, 7, 8, 9).
    """
    if not tasks:
        return None
    text = tasks.split("%", 1)[0]
    if text.lower().startswith("0x"):
        try:
            bits = int(text, 16)
        except ValueError:
            return tasks  # not a bitmap after all: Slurm's text as it is
        text = ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in cv.bit_ranges(bits))
    if at_once not in (0, cv.NO_VAL, cv.INFINITE):
        text = f"{text}%{at_once}"
    return text


def job(c: Any, names: Names, with_steps: bool) -> DbJob:
    steps = (
        tuple(step(s, names) for s in _lists.walk(c.steps, "slurmdb_step_rec_t"))
        if with_steps
        else ()
    )
    user_cpu = _cpu_time(c.user_cpu_sec, c.user_cpu_usec)
    system_cpu = _cpu_time(c.sys_cpu_sec, c.sys_cpu_usec)
    if steps:
        # The job's own counters stay 0 in slurmdbd: its CPU time is its steps', as sacct
        # adds them up.
        user_cpu = sum((s.user_cpu for s in steps), timedelta(0))
        system_cpu = sum((s.system_cpu for s in steps), timedelta(0))
    state, state_text = _state(int(c.state))
    code, signal = _exit(int(c.exitcode))
    derived, _ = _exit(int(c.derived_ec))
    array_task = int(c.array_task_id)
    het_offset = int(c.het_job_offset)
    requid = int(c.requid)
    priority = int(c.priority)
    requested = tres_dict(_text(c.tres_req_str), names)
    allocated = tres_dict(_text(c.tres_alloc_str), names)
    return DbJob(
        job_id=int(c.jobid),
        array_job_id=int(c.array_job_id) or None,
        array_task_id=None if array_task in (cv.NO_VAL, cv.INFINITE) else array_task,
        array_tasks=_array_tasks(_text(c.array_task_str), int(c.array_max_tasks)),
        het_job_id=int(c.het_job_id) or None,
        het_job_offset=None if het_offset == cv.NO_VAL or not c.het_job_id else het_offset,
        name=_text(c.jobname) or None,
        cluster=_text(c.cluster) or None,
        user=_text(c.user) or cv.user_name(int(c.uid)),
        user_id=int(c.uid),
        group_id=int(c.gid),
        account=_text(c.account) or None,
        partition=_text(c.partition) or None,
        qos=names.qos_name(int(c.qosid)),
        reservation=_text(c.resv_name) or None,
        wckey=_text(c.wckey) or None,
        state=state,
        state_text=state_text,
        cancelled_by=(
            requid
            if state is JobState.CANCELLED and requid not in (cv.NO_VAL, cv.INFINITE)
            else None
        ),
        exit_code=code,
        exit_signal=signal,
        derived_exit_code=derived,
        submit_time=cv.timestamp(int(c.submit)),
        eligible_time=cv.timestamp(int(c.eligible)),
        start_time=cv.timestamp(int(c.start)),
        end_time=cv.timestamp(int(c.end)),
        elapsed=timedelta(seconds=int(c.elapsed)),
        suspended=timedelta(seconds=int(c.suspended)),
        time_limit=cv.duration_minutes(int(c.timelimit)),
        priority=None if priority in (cv.NO_VAL, cv.INFINITE) else priority,
        nodes=_text(c.nodes) or None,
        node_count=int(c.alloc_nodes),
        requested_cpus=int(c.req_cpus),
        tres_requested=requested,
        tres_allocated=allocated,
        gpus_requested=_gres.gpu_count(requested),
        gpus_allocated=_gres.gpu_count(allocated),
        gpus_allocated_by_type=_gres.gpus_by_type(allocated),
        gpu_utilization=_gpu_utilization(steps),
        user_cpu=user_cpu,
        system_cpu=system_cpu,
        total_cpu=user_cpu + system_cpu,
        work_dir=_text(c.work_dir) or None,
        constraints=_text(c.constraints) or None,
        steps=steps,
    )


# --- events and reservations ----------------------------------------------------------------

_EVENT_NODE = int(lib.SLURMDB_EVENT_NODE)


def event(c: Any, names: Names) -> Event:
    is_node = int(c.event_type) == _EVENT_NODE
    state = int(c.state)
    return Event(
        cluster=_text(c.cluster) or "",
        node=_text(c.node_name) or None,
        kind="node" if is_node else "cluster",
        state=_text(lib.slurm_node_state_string_compact(state)) if is_node else None,
        reason=_text(c.reason) or None,
        reason_user=cv.user_name(int(c.reason_uid)) if c.reason != ffi.NULL else None,
        start_time=cv.timestamp(int(c.period_start)),
        end_time=cv.timestamp(int(c.period_end)),
        tres=tres_dict(_text(c.tres_str), names),
    )


def reservation(c: Any, names: Names) -> DbReservation:
    return DbReservation(
        id=int(c.id),
        name=_text(c.name) or "",
        cluster=_text(c.cluster) or "",
        nodes=_text(c.nodes) or None,
        start_time=cv.timestamp(int(c.time_start)),
        end_time=cv.timestamp(int(c.time_end)),
        tres=tres_dict(_text(c.tres_str), names),
        unused_wall=timedelta(seconds=float(c.unused_wall)),
    )
