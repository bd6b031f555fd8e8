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

# --- nodes --------------------------------------------------------------------------------

_NODE_HAS_ALLOC_FIELDS = capabilities.has_field("node_info_t", "alloc_cpus")
_NODE_HAS_SELECT_INFO = capabilities.has_field("node_info_t", "select_nodeinfo")


def _node_allocation(c: Any) -> tuple[int, int, str | None]:
    """(allocated CPUs, allocated memory MiB, allocated TRES) of a node.

    From 25.05 these are fields of node_info_t; before, they come from the select plugin's
    opaque node data through slurm_get_select_nodeinfo.
    """
    if _NODE_HAS_ALLOC_FIELDS:
        return int(c.alloc_cpus), int(c.alloc_memory), _text(c.alloc_tres_fmt_str)
    if not _NODE_HAS_SELECT_INFO or c.select_nodeinfo == ffi.NULL:
        return 0, 0, None
    cpus = ffi.new("uint16_t *")
    memory = ffi.new("uint64_t *")  # written as 64-bit whatever the header comment says
    tres = ffi.new("char **")
    get = lib.slurm_get_select_nodeinfo
    get(c.select_nodeinfo, lib.SELECT_NODEDATA_SUBCNT, lib.NODE_STATE_ALLOCATED, cpus)
    get(c.select_nodeinfo, lib.SELECT_NODEDATA_MEM_ALLOC, lib.NODE_STATE_ALLOCATED, memory)
    get(c.select_nodeinfo, lib.SELECT_NODEDATA_TRES_ALLOC_FMT_STR, lib.NODE_STATE_ALLOCATED, tres)
    alloc_tres = _text(tres[0])
    if tres[0] != ffi.NULL:
        lib.slurm_xfree_ptr(tres[0])
    return int(cpus[0]), int(memory[0]), alloc_tres


def node(c: Any) -> Node:
    raw_state = int(c.node_state)
    alloc_cpus, alloc_memory, alloc_tres = _node_allocation(c)
    cpus = int(c.cpus)
    base = raw_state & NODE_STATE_BASE
    # As sinfo and scontrol do: a node with some but not all CPUs allocated is MIXED.
    if 0 < alloc_cpus < cpus and base in (lib.NODE_STATE_ALLOCATED, lib.NODE_STATE_IDLE):
        raw_state = (raw_state & ~NODE_STATE_BASE) | lib.NODE_STATE_MIXED
        base = lib.NODE_STATE_MIXED
    free_mem = int(c.free_mem)
    load = int(c.cpu_load)
    tres = cv.tres(_text(c.tres_fmt_str))
    allocated = cv.tres(alloc_tres)
    return Node(
        name=_text(c.name) or "",
        hostname=_text(c.node_hostname),
        address=_text(c.node_addr),
        state=NodeState(base),
        flags=node_flags(raw_state),
        state_text=_text(lib.slurm_node_state_string(raw_state)) or "",
        partitions=cv.split_list(c.partitions),
        features=cv.split_list(c.features),
        active_features=cv.split_list(c.features_act),
        gres=_text(c.gres),
        gres_used=_text(c.gres_used),
        gres_total=_gres.gres_counts(_text(c.gres)),
        gres_in_use=_gres.gres_counts(_text(c.gres_used)),
        gpus=_gres.gpu_count(tres),
        gpus_allocated=_gres.gpu_count(allocated),
        cpus=cpus,
        alloc_cpus=alloc_cpus,
        sockets=int(c.sockets),
        cores_per_socket=int(c.cores),
        threads_per_core=int(c.threads),
        real_memory=int(c.real_memory),
        alloc_memory=alloc_memory,
        free_memory=None if free_mem in (cv.NO_VAL64, cv.NO_VAL) else free_mem,
        cpu_load=None if load in (cv.NO_VAL, cv.NO_VAL16) else load / 100,
        tmp_disk=int(c.tmp_disk),
        weight=int(c.weight),
        tres=tres,
        alloc_tres=allocated,
        reason=_text(c.reason),
        reason_time=cv.timestamp(int(c.reason_time)),
        reason_user=cv.user_name(int(c.reason_uid)) if c.reason != ffi.NULL else None,
        boot_time=cv.timestamp(int(c.boot_time)),
        slurmd_start_time=cv.timestamp(int(c.slurmd_start_time)),
        last_busy=cv.timestamp(int(c.last_busy)),
        version=_text(c.version),
        os=_text(c.os),
        arch=_text(c.arch),
        comment=_text(c.comment),
    )


# --- jobs ---------------------------------------------------------------------------------

_MEM_PER_CPU = int(lib.MEM_PER_CPU)
# The pending reason's text: renamed in 24.11 (both are exported-but-undeclared helpers).
_reason_text = (
    lib.slurm_job_reason_string
    if capabilities.has_function("slurm_job_reason_string")
    else lib.slurm_job_state_reason_string
)
_NICE_OFFSET = int(lib.NICE_OFFSET)


def _optional_id(value: int) -> int | None:
    return None if value in (0, cv.NO_VAL) else value


def job(c: Any) -> Job:
    raw_state = int(c.job_state)
    reason = int(c.state_reason)
    memory = int(c.pn_min_memory)
    per_cpu = memory != cv.NO_VAL64 and bool(memory & _MEM_PER_CPU)
    memory_value = None if memory in (cv.NO_VAL64, 0) else memory & ~_MEM_PER_CPU
    exit_raw = int(c.exit_code)
    state = JobState(raw_state & JOB_STATE_BASE)
    uid = int(c.user_id)
    nodes = _text(c.nodes)
    array_task = int(c.array_task_id)
    het_offset = int(c.het_job_offset)
    priority = int(c.priority)
    tres_allocated = cv.tres(_text(c.tres_alloc_str))
    return Job(
        job_id=int(c.job_id),
        array_job_id=_optional_id(int(c.array_job_id)),
        array_task_id=None if array_task == cv.NO_VAL else array_task,
        array_tasks=_text(c.array_task_str),
        het_job_id=_optional_id(int(c.het_job_id)),
        het_job_offset=None if het_offset == cv.NO_VAL or not c.het_job_id else het_offset,
        name=_text(c.name),
        user_id=uid,
        user_name=_text(c.user_name) or cv.user_name(uid),
        group_id=int(c.group_id),
        account=_text(c.account),
        partition=_text(c.partition),
        qos=_text(c.qos),
        reservation=_text(c.resv_name),
        state=state,
        flags=job_flags(raw_state),
        state_text=_text(lib.slurm_job_state_string(raw_state)) or state.name,
        state_reason=_text(_reason_text(reason)) or str(reason),
        state_reason_code=reason,
        state_description=_text(c.state_desc),
        priority=None if priority == cv.NO_VAL else priority,
        nice=int(c.nice) - _NICE_OFFSET,
        submit_time=cv.timestamp(int(c.submit_time)),
        eligible_time=cv.timestamp(int(c.eligible_time)),
        start_time=cv.timestamp(int(c.start_time)),
        end_time=cv.timestamp(int(c.end_time)),
        time_limit=cv.duration_minutes(int(c.time_limit)),
        nodes=nodes,
        node_names=cv.expand_hostlist(nodes),
        num_nodes=cv.plain(int(c.num_nodes)),
        num_cpus=cv.plain(int(c.num_cpus)),
        num_tasks=cv.plain(int(c.num_tasks)),
        cpus_per_task=cv.plain(int(c.cpus_per_task), 16),
        memory_per_node=None if per_cpu else memory_value,
        memory_per_cpu=memory_value if per_cpu else None,
        tres_requested=cv.tres(_text(c.tres_req_str)),
        tres_allocated=tres_allocated,
        tres_per_node=_text(c.tres_per_node),
        gpus_per_job=_gres.gpu_request(_text(c.tres_per_job)),
        gpus_per_node=_gres.gpu_request(_text(c.tres_per_node)),
        gpus_per_task=_gres.gpu_request(_text(c.tres_per_task)),
        gpus_per_socket=_gres.gpu_request(_text(c.tres_per_socket)),
        gpus_allocated=_gres.gpu_count(tres_allocated),
        gpus_allocated_by_type=_gres.gpus_by_type(tres_allocated),
        licenses=_text(c.licenses),
        features=_text(c.features),
        dependency=_text(c.dependency),
        command=_text(c.command),
        work_dir=_text(c.work_dir),
        std_out=_text(c.std_out),
        std_err=_text(c.std_err),
        comment=_text(c.comment),
        batch_host=_text(c.batch_host),
        batch=bool(c.batch_flag),
        exit_code=None if exit_raw == cv.NO_VAL or not state.finished else (exit_raw >> 8) & 0xFF,
        exit_signal=None if exit_raw == cv.NO_VAL or not state.finished else exit_raw & 0x7F,
        restart_count=int(c.restart_cnt),
        requeue=bool(c.requeue),
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


def partition(c: Any) -> Partition:
    nodes = _text(c.nodes)
    flags = int(c.flags)
    min_nodes = int(c.min_nodes)
    return Partition(
        name=_text(c.name) or "",
        state=_PARTITION_STATES.get(int(c.state_up), str(int(c.state_up))),
        nodes=nodes,
        node_names=cv.expand_hostlist(nodes),
        total_nodes=int(c.total_nodes),
        total_cpus=int(c.total_cpus),
        default=bool(flags & lib.PART_FLAG_DEFAULT),
        hidden=bool(flags & lib.PART_FLAG_HIDDEN),
        max_time=cv.duration_minutes(int(c.max_time)),
        default_time=cv.duration_minutes(int(c.default_time)),
        max_nodes=cv.count(int(c.max_nodes)),
        min_nodes=None if min_nodes == cv.NO_VAL else min_nodes,
        max_cpus_per_node=cv.count(int(c.max_cpus_per_node)),
        priority_tier=int(c.priority_tier),
        priority_job_factor=int(c.priority_job_factor),
        allow_accounts=cv.split_list(c.allow_accounts),
        allow_groups=cv.split_list(c.allow_groups),
        allow_qos=cv.split_list(c.allow_qos),
        deny_accounts=cv.split_list(c.deny_accounts),
        deny_qos=cv.split_list(c.deny_qos),
        qos=_text(c.qos_char),
        tres=cv.tres(_text(c.tres_fmt_str)),
    )


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


_F = _bulk.Field
_INT, _STR, _CACHE_INT = _bulk.Op.INT, _bulk.Op.STR, _bulk.Op.CACHE_INT


def _state_fields(column: str) -> tuple[_bulk.Field, ...]:
    """state, flags and state_text: the items of the "states" cache's (state, flags, text)."""
    return tuple(
        _F(name, _CACHE_INT, column, cache="states", item=item)
        for item, name in enumerate(("state", "flags", "state_text"))
    )


_FINISHED = _first_finished_state()
_JOB_PLAN = (
    _F("job_id", _INT, "job_id"),
    _F("array_job_id", _INT, "array_job_id", nones=(0, _NO_VAL)),
    _F("array_task_id", _INT, "array_task_id", nones=(_NO_VAL,)),
    _F("array_tasks", _STR, "array_task_str"),
    _F("het_job_id", _INT, "het_job_id", nones=(0, _NO_VAL)),
    # An offset means nothing outside a het job (het_job_id 0).
    _F("het_job_offset", _INT, "het_job_offset", nones=(_NO_VAL,), gate="het_job_id", gate_min=1),
    _F("name", _STR, "name"),
    _F("user_id", _INT, "user_id"),
    # The controller sends no user name before 23.02: the uid's, looked up once each.
    _F("user_name", _bulk.Op.STR_OR, "user_name", cache="users", fallback="user_id"),
    _F("group_id", _INT, "group_id"),
    _F("account", _STR, "account"),
    _F("partition", _STR, "partition"),
    _F("qos", _STR, "qos"),
    _F("reservation", _STR, "resv_name"),
    *_state_fields("job_state"),
    _F("state_reason", _CACHE_INT, "state_reason", cache="reasons"),
    _F("state_reason_code", _INT, "state_reason"),
    _F("state_description", _STR, "state_desc"),
    _F("priority", _INT, "priority", nones=(_NO_VAL,)),
    _F("nice", _INT, "nice", bias=_NICE_OFFSET),
    _F("submit_time", _CACHE_INT, "submit_time", cache="times"),
    _F("eligible_time", _CACHE_INT, "eligible_time", cache="times"),
    _F("start_time", _CACHE_INT, "start_time", cache="times"),
    _F("end_time", _CACHE_INT, "end_time", cache="times"),
    _F("time_limit", _CACHE_INT, "time_limit", cache="limits"),
    _F("nodes", _STR, "nodes"),
    _F("node_names", _bulk.Op.CACHE_STR, "nodes", cache="hosts"),
    _F("num_nodes", _INT, "num_nodes", nones=_UNSET_32),
    _F("num_cpus", _INT, "num_cpus", nones=_UNSET_32),
    _F("num_tasks", _INT, "num_tasks", nones=_UNSET_32),
    _F("cpus_per_task", _INT, "cpus_per_task", nones=(_NO_VAL16, _INFINITE16)),
    # One memory column, per CPU when its MEM_PER_CPU bit is set, per node otherwise.
    _F(
        "memory_per_node",
        _INT,
        "pn_min_memory",
        nones=(_NO_VAL64, 0),
        flag=_MEM_PER_CPU,
        flag_mode=_bulk.FlagMode.ABSENT,
    ),
    _F(
        "memory_per_cpu",
        _INT,
        "pn_min_memory",
        nones=(_NO_VAL64, 0),
        flag=_MEM_PER_CPU,
        flag_mode=_bulk.FlagMode.REQUIRED,
    ),
    _F("tres_requested", _bulk.Op.MAP_STR, "tres_req_str", cache="tres"),
    _F("tres_allocated", _bulk.Op.MAP_STR, "tres_alloc_str", cache="tres"),
    _F("tres_per_node", _STR, "tres_per_node"),
    *(
        _F(f"gpus_per_{per}", _bulk.Op.MAP_STR, f"tres_per_{per}", cache="gpu_requests")
        for per in ("job", "node", "task", "socket")
    ),
    _F("gpus_allocated", _bulk.Op.CACHE_STR, "tres_alloc_str", cache="gpu_counts"),
    _F("gpus_allocated_by_type", _bulk.Op.MAP_STR, "tres_alloc_str", cache="gpu_types"),
    _F("licenses", _STR, "licenses"),
    _F("features", _STR, "features"),
    _F("dependency", _STR, "dependency"),
    _F("command", _STR, "command"),
    _F("work_dir", _STR, "work_dir"),
    _F("std_out", _STR, "std_out"),
    _F("std_err", _STR, "std_err"),
    _F("comment", _STR, "comment"),
    _F("batch_host", _STR, "batch_host"),
    _F("batch", _bulk.Op.BOOL, "batch_flag"),
    # The exit status is known once the job has finished (its base state says so).
    *(
        _F(
            name,
            _INT,
            "exit_code",
            nones=(_NO_VAL,),
            shift=shift,
            mask=mask,
            gate="job_state",
            gate_mask=JOB_STATE_BASE,
            gate_min=_FINISHED,
        )
        for name, shift, mask in (("exit_code", 8, 0xFF), ("exit_signal", 0, 0x7F))
    ),
    _F("restart_count", _INT, "restart_cnt"),
    _F("requeue", _bulk.Op.BOOL, "requeue"),
)
_job_assembler = _bulk.Assembler(
    Job,
    _bulk_spec.JOBS,
    _JOB_PLAN,
    caches=(
        "users",
        "states",
        "reasons",
        "times",
        "limits",
        "hosts",
        "tres",
        "gpu_requests",
        "gpu_counts",
        "gpu_types",
    ),
)


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
    """Every job of a ``job_info_msg_t``, as :func:`job` would convert each."""
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
        return _job_assembler.build(msg, caches)


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


_NODE_PLAN = (
    _F("name", _STR, "name"),
    _F("hostname", _STR, "node_hostname"),
    _F("address", _STR, "node_addr"),
    # shown_state: MIXED when some but not all CPUs are allocated (as sinfo shows it).
    *_state_fields("shown_state"),
    _F("partitions", _bulk.Op.CACHE_STR, "partitions", cache="lists"),
    _F("features", _bulk.Op.CACHE_STR, "features", cache="lists"),
    _F("active_features", _bulk.Op.CACHE_STR, "features_act", cache="lists"),
    _F("gres", _STR, "gres"),
    _F("gres_used", _STR, "gres_used"),
    _F("gres_total", _bulk.Op.MAP_STR, "gres", cache="gres"),
    _F("gres_in_use", _bulk.Op.MAP_STR, "gres_used", cache="gres"),
    _F("gpus", _bulk.Op.CACHE_STR, "tres_fmt_str", cache="gpu_counts"),
    _F("gpus_allocated", _bulk.Op.CACHE_STR, "alloc_tres_fmt_str", cache="gpu_counts"),
    _F("cpus", _INT, "cpus"),
    _F("alloc_cpus", _INT, "alloc_cpus"),
    _F("sockets", _INT, "sockets"),
    _F("cores_per_socket", _INT, "cores"),
    _F("threads_per_core", _INT, "threads"),
    _F("real_memory", _INT, "real_memory"),
    _F("alloc_memory", _INT, "alloc_memory"),
    _F("free_memory", _INT, "free_mem", nones=(_NO_VAL64, _NO_VAL)),
    _F("cpu_load", _CACHE_INT, "cpu_load", cache="loads"),
    _F("tmp_disk", _INT, "tmp_disk"),
    _F("weight", _INT, "weight"),
    _F("tres", _bulk.Op.MAP_STR, "tres_fmt_str", cache="tres"),
    _F("alloc_tres", _bulk.Op.MAP_STR, "alloc_tres_fmt_str", cache="tres"),
    _F("reason", _STR, "reason"),
    _F("reason_time", _CACHE_INT, "reason_time", cache="times"),
    # Who set the reason, only while there is one.
    _F("reason_user", _CACHE_INT, "reason_uid", cache="users", gate_str="reason"),
    _F("boot_time", _CACHE_INT, "boot_time", cache="times"),
    _F("slurmd_start_time", _CACHE_INT, "slurmd_start_time", cache="times"),
    _F("last_busy", _CACHE_INT, "last_busy", cache="times"),
    _F("version", _STR, "version"),
    _F("os", _STR, "os"),
    _F("arch", _STR, "arch"),
    _F("comment", _STR, "comment"),
)
# Hidden and FUTURE nodes are blank records (no name): left out.
_node_assembler = _bulk.Assembler(
    Node,
    _bulk_spec.NODES,
    _NODE_PLAN,
    caches=("states", "lists", "loads", "tres", "times", "users", "gres", "gpu_counts"),
    skip="name",
)


def nodes(msg: Any) -> list[Node]:
    """Every node of a ``node_info_msg_t`` (blank records skipped), as :func:`node` would."""
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
        return _node_assembler.build(msg, caches)


def partitions(msg: Any) -> list[Partition]:
    """Every partition of a ``partition_info_msg_t``, as :func:`partition` would."""
    ints, strings = _bulk.read(_bulk_spec.PARTITIONS, msg)
    n_ints = len(_bulk_spec.PARTITIONS.ints)
    n_strings = len(_bulk_spec.PARTITIONS.strings)
    hosts = _hostlists()
    records = []
    for row_ints, row_strings in zip(
        _bulk.rows(ints, n_ints), _bulk.rows(strings, n_strings), strict=True
    ):
        (
            flags,
            min_nodes,
            max_nodes,
            state_up,
            total_nodes,
            total_cpus,
            max_time,
            default_time,
            max_cpus_per_node,
            priority_tier,
            priority_job_factor,
        ) = row_ints
        (
            name,
            node_list,
            allow_accounts,
            allow_groups,
            allow_qos,
            deny_accounts,
            deny_qos,
            qos_char,
            tres_fmt_str,
        ) = row_strings
        records.append(
            Partition(
                name=name or "",
                state=_PARTITION_STATES.get(state_up, str(state_up)),
                nodes=node_list,
                node_names=hosts[node_list],
                total_nodes=total_nodes,
                total_cpus=total_cpus,
                default=bool(flags & lib.PART_FLAG_DEFAULT),
                hidden=bool(flags & lib.PART_FLAG_HIDDEN),
                max_time=cv.duration_minutes(max_time),
                default_time=cv.duration_minutes(default_time),
                max_nodes=cv.count(max_nodes),
                min_nodes=None if min_nodes == _NO_VAL else min_nodes,
                max_cpus_per_node=cv.count(max_cpus_per_node),
                priority_tier=priority_tier,
                priority_job_factor=priority_job_factor,
                allow_accounts=_split(allow_accounts),
                allow_groups=_split(allow_groups),
                allow_qos=_split(allow_qos),
                deny_accounts=_split(deny_accounts),
                deny_qos=_split(deny_qos),
                qos=qos_char,
                tres=cv.tres(tres_fmt_str),
            )
        )
    return records
