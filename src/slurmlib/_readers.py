"""Copy the controller's C records into owned Python records.

Each reader takes one C struct (a cffi pointer into a message that is still alive) and
returns a record made of Python values only. The message is freed by the caller right after.
Fields that a Slurm release lacks are asked for through :data:`native.capabilities`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from . import _bulk, _gres
from . import convert as cv
from ._build import bulk_spec as _bulk_spec
from ._build import layouts
from ._frozen import FrozenMap
from ._rpc_names import rpc_name
from .native import capabilities, ffi, lib
from .records import (
    Config,
    Job,
    JobStep,
    License,
    Node,
    Partition,
    Reservation,
    RpcStat,
    Stats,
)
from .states import (
    JOB_STATE_BASE,
    NODE_STATE_BASE,
    JobState,
    NodeState,
    job_flags,
    node_flags,
    reservation_flags,
)

_text = cv.text

# --- jobs and nodes: see "whole messages at once" below -------------------------------

# The pending reason's text: renamed in 24.11 (both are exported-but-undeclared helpers).
_reason_text = (
    lib.slurm_job_reason_string
    if capabilities.has_function("slurm_job_reason_string")
    else lib.slurm_job_state_reason_string
)


# Renamed in 26.05.
_STEP_TRES_FIELD = (
    "tres_alloc_str"
    if capabilities.has_field("job_step_info_t", "tres_alloc_str")
    else "tres_fmt_alloc_str"
)


def step(c: Any) -> JobStep:
    step_id = int(c.step_id.step_id)
    nodes = _text(c.nodes)
    uid = int(c.user_id)
    return JobStep(
        job_id=int(c.step_id.job_id),
        step_id=step_id,
        step=cv.STEP_NAMES.get(step_id, str(step_id)),
        name=_text(c.name),
        state=JobState(int(c.state) & JOB_STATE_BASE),
        partition=_text(c.partition),
        nodes=nodes,
        node_names=cv.expand_hostlist(nodes),
        num_cpus=cv.plain(int(c.num_cpus)),
        num_tasks=cv.plain(int(c.num_tasks)),
        start_time=cv.timestamp(int(c.start_time)),
        time_limit=cv.duration_minutes(int(c.time_limit)),
        tres_allocated=cv.tres(_text(getattr(c, _STEP_TRES_FIELD))),
        user_id=uid,
        user_name=cv.user_name(uid),
    )


# --- partitions, reservations, licenses ---------------------------------------------------

_PARTITION_STATES = {
    int(lib.PARTITION_UP): "UP",
    int(lib.PARTITION_DOWN): "DOWN",
    int(lib.PARTITION_DRAIN): "DRAIN",
    int(lib.PARTITION_INACTIVE): "INACTIVE",
}


def reservation(c: Any) -> Reservation:
    nodes = _text(c.node_list)
    flags = int(c.flags)
    return Reservation(
        name=_text(c.name) or "",
        start_time=cv.timestamp(int(c.start_time)),
        end_time=cv.timestamp(int(c.end_time)),
        nodes=nodes,
        node_names=cv.expand_hostlist(nodes),
        node_count=cv.plain(int(c.node_cnt)),
        core_count=cv.plain(int(c.core_cnt)),
        users=cv.split_list(c.users),
        accounts=cv.split_list(c.accounts),
        partition=_text(c.partition),
        features=_text(c.features),
        licenses=_text(c.licenses),
        flags=reservation_flags(flags),
        tres=cv.tres(_text(c.tres_str)),
    )


def license(c: Any) -> License:
    reserved = int(c.reserved) if capabilities.has_field("slurm_license_info_t", "reserved") else 0
    return License(
        name=_text(c.name) or "",
        total=int(c.total),
        in_use=int(c.in_use),
        available=int(c.available),
        reserved=reserved,
        remote=bool(c.remote),
    )


# --- configuration ------------------------------------------------------------------------


def _scalar_fields(c: Any, ctype: str) -> dict[str, Any]:
    """Every string and integer field of a struct, by its C name."""
    values: dict[str, Any] = {}
    for name, field in ffi.typeof(ctype).fields:
        kind = field.type
        if kind.kind == "primitive":
            values[name] = getattr(c, name)
        elif kind.kind == "pointer" and kind.item.cname == "char":
            values[name] = _text(getattr(c, name))
    return values


def config(c: Any) -> Config:
    controllers = tuple(_text(c.control_machine[i]) or "" for i in range(int(c.control_cnt)))
    max_jobs = int(c.max_job_cnt)
    return Config(
        cluster_name=_text(c.cluster_name) or "",
        version=_text(c.version) or "",
        controllers=controllers,
        slurmctld_port=int(c.slurmctld_port),
        select_type=_text(c.select_type),
        scheduler_type=_text(c.schedtype),
        priority_type=_text(c.priority_type),
        accounting_storage_type=_text(c.accounting_storage_type),
        accounting_storage_enforce=int(c.accounting_storage_enforce),
        message_timeout=int(c.msg_timeout),
        max_job_count=None if max_jobs in (0, cv.NO_VAL) else max_jobs,
        min_job_age=cv.plain(int(c.min_job_age)),
        values=FrozenMap(_scalar_fields(c, "slurm_conf_t")),
    )


# --- scheduler statistics (sdiag) ---------------------------------------------------------


def _micro(value: int) -> timedelta:
    return timedelta(microseconds=int(value))


def _rpcs(ids: Any, counts: Any, times: Any, size: int, users: bool) -> tuple[RpcStat, ...]:
    stats = []
    for i in range(size):
        calls = int(counts[i])
        total = int(times[i])
        ident = int(ids[i])
        stats.append(
            RpcStat(
                id=ident,
                name=cv.user_name(ident) if users else rpc_name(ident),
                count=calls,
                total_time=_micro(total),
                average_time=_micro(total // calls if calls else 0),
            )
        )
    return tuple(sorted(stats, key=lambda r: r.total_time, reverse=True))


def stats(c: Any) -> Stats:
    cycles = int(c.schedule_cycle_counter)
    bf_cycles = int(c.bf_cycle_counter)
    return Stats(
        collected_at=cv.timestamp(int(c.req_time)),
        since=cv.timestamp(int(c.req_time_start)),
        server_threads=int(c.server_thread_count),
        agent_queue_size=int(c.agent_queue_size),
        agent_count=int(c.agent_count),
        agent_threads=int(c.agent_thread_count),
        dbd_agent_queue_size=int(c.dbd_agent_queue_size),
        jobs_submitted=int(c.jobs_submitted),
        jobs_started=int(c.jobs_started),
        jobs_completed=int(c.jobs_completed),
        jobs_canceled=int(c.jobs_canceled),
        jobs_failed=int(c.jobs_failed),
        jobs_pending=int(c.jobs_pending),
        jobs_running=int(c.jobs_running),
        main_cycles=cycles,
        main_cycle_last=_micro(c.schedule_cycle_last),
        main_cycle_max=_micro(c.schedule_cycle_max),
        main_cycle_mean=_micro(int(c.schedule_cycle_sum) // cycles) if cycles else None,
        main_cycle_mean_depth=int(c.schedule_cycle_depth) / cycles if cycles else None,
        main_queue_length=int(c.schedule_queue_len),
        backfill_active=bool(c.bf_active),
        backfilled_jobs=int(c.bf_backfilled_jobs),
        backfill_cycles=bf_cycles,
        backfill_cycle_last=_micro(c.bf_cycle_last),
        backfill_cycle_max=_micro(c.bf_cycle_max),
        backfill_cycle_mean=_micro(int(c.bf_cycle_sum) // bf_cycles) if bf_cycles else None,
        backfill_last_depth=int(c.bf_last_depth),
        backfill_last_depth_tried=int(c.bf_last_depth_try),
        backfill_queue_length=int(c.bf_queue_len),
        backfill_last_cycle_at=cv.timestamp(int(c.bf_when_last_cycle)),
        rpcs_by_type=_rpcs(
            c.rpc_type_id, c.rpc_type_cnt, c.rpc_type_time, int(c.rpc_type_size), False
        ),
        rpcs_by_user=_rpcs(
            c.rpc_user_id, c.rpc_user_cnt, c.rpc_user_time, int(c.rpc_user_size), True
        ),
    )


# --- whole messages at once ---------------------------------------------------------------
#
# The same records as node(), job() and partition() above, from the generated C converters
# (see _bulk): one C call copies a message out, then each record is built from plain lists.
# Values that repeat across records (states, reasons, times, TRES strings, host lists) are
# converted once per message through caches, and records with the same value share one
# object: every value is immutable (TRES are FrozenMaps), so none can change under another.


def _hostlists() -> _bulk.Cache:
    return _bulk.Cache(cv.expand_hostlist)


def _durations() -> _bulk.Cache:
    return _bulk.Cache(cv.duration_minutes)


def _timestamps() -> _bulk.Cache:
    return _bulk.Cache(cv.timestamp)


_NO_VAL = cv.NO_VAL
_NO_VAL16 = cv.NO_VAL16
_NO_VAL64 = cv.NO_VAL64
_INFINITE = cv.INFINITE
_INFINITE16 = cv.INFINITE16
_UNSET_32 = (_NO_VAL, _INFINITE)


def _first_finished_state() -> int:
    """The lowest base state of a finished job: every state from it on is finished."""
    values = sorted(s.value for s in JobState)
    first = int(min(s.value for s in JobState if s.finished))
    if any(JobState(v).finished != (v >= first) for v in values):
        raise RuntimeError("finished job states are not the states from one value on")
    return first


_FINISHED = _first_finished_state()
# Named values the descriptions' plans use besides the headers' constants.
_CONSTANTS = {"FINISHED": _FINISHED}


def _assembler(cls: type[Any], spec: _bulk_spec.RecordSpec, plan: Any, skip: str | None) -> Any:
    return _bulk.Assembler(cls, spec, _bulk.plan(plan, _CONSTANTS), skip=skip)


_job_assembler = _assembler(Job, _bulk_spec.JOBS, layouts.JOB_PLAN, layouts.JOB_SKIP)


def _gpu_count(tres: str | None) -> int:
    return _gres.gpu_count(cv.tres(tres))


def _gpu_types(tres: str | None) -> FrozenMap[str, int]:
    return _gres.gpus_by_type(cv.tres(tres))


def _job_state(raw_state: int) -> tuple[JobState, frozenset[str], str]:
    state = JobState(raw_state & JOB_STATE_BASE)
    return state, job_flags(raw_state), _text(lib.slurm_job_state_string(raw_state)) or state.name


def _job_reason(reason: int) -> str:
    return _text(_reason_text(reason)) or str(reason)


def jobs(msg: Any) -> list[Job]:
    """Every job of a ``job_info_msg_t``."""
    caches = {
        "users": _bulk.Cache(cv.user_name),
        "states": _bulk.Cache(_job_state),
        "reasons": _bulk.Cache(_job_reason),
        "times": _timestamps(),
        "limits": _durations(),
        "hosts": _hostlists(),
        "tres": _bulk.Cache(cv.tres),
        "gpu_requests": _bulk.Cache(_gres.gpu_request),
        "gpu_counts": _bulk.Cache(_gpu_count),
        "gpu_types": _bulk.Cache(_gpu_types),
    }
    with _bulk.no_collection():
        return _job_assembler.build(msg, caches)  # type: ignore[no-any-return]


def _node_state(raw_state: int) -> tuple[NodeState, frozenset[str], str]:
    return (
        NodeState(raw_state & NODE_STATE_BASE),
        node_flags(raw_state),
        _text(lib.slurm_node_state_string(raw_state)) or "",
    )


def _split(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(item for item in value.split(",") if item)


def _cpu_load(load: int) -> float | None:
    return None if load in (_NO_VAL, _NO_VAL16) else load / 100


# Hidden and FUTURE nodes are blank records (no name): left out.
_node_assembler = _assembler(Node, _bulk_spec.NODES, layouts.NODE_PLAN, layouts.NODE_SKIP)


def nodes(msg: Any) -> list[Node]:
    """Every node of a ``node_info_msg_t`` (blank records skipped)."""
    caches = {
        "states": _bulk.Cache(_node_state),
        "lists": _bulk.Cache(_split),
        "loads": _bulk.Cache(_cpu_load),
        "tres": _bulk.Cache(cv.tres),
        "times": _timestamps(),
        "users": _bulk.Cache(cv.user_name),
        "gres": _bulk.Cache(_gres.gres_counts),
        "gpu_counts": _bulk.Cache(_gpu_count),
    }
    with _bulk.no_collection():
        return _node_assembler.build(msg, caches)  # type: ignore[no-any-return]


_partition_assembler = _assembler(
    Partition, _bulk_spec.PARTITIONS, layouts.PARTITION_PLAN, layouts.PARTITION_SKIP
)
_DEFAULT, _HIDDEN = int(lib.PART_FLAG_DEFAULT), int(lib.PART_FLAG_HIDDEN)


def _partition_flags(flags: int) -> tuple[bool, bool]:
    return bool(flags & _DEFAULT), bool(flags & _HIDDEN)


def partitions(msg: Any) -> list[Partition]:
    """Every partition of a ``partition_info_msg_t``."""
    caches = {
        "partition_states": _bulk.Cache(lambda up: _PARTITION_STATES.get(up, str(up))),
        "partition_flags": _bulk.Cache(_partition_flags),
        "hosts": _hostlists(),
        "limits": _durations(),
        "counts": _bulk.Cache(cv.count),
        "lists": _bulk.Cache(_split),
        "tres": _bulk.Cache(cv.tres),
    }
    return _partition_assembler.build(msg, caches)  # type: ignore[no-any-return]


def reservations(msg: Any) -> list[Reservation]:
    """Every reservation of a ``reserve_info_msg_t``."""
    return [reservation(msg.reservation_array[i]) for i in range(int(msg.record_count))]


def licenses(msg: Any) -> list[License]:
    """Every license of a ``license_info_msg_t``."""
    return [license(msg.lic_array[i]) for i in range(int(msg.num_lic))]
