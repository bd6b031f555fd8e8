"""What slurmlib makes of every field that Slurm's own JSON prints, or why it leaves it out.

For ``squeue --json``, ``sinfo --json`` and ``sacct --json``: a key of a record (a nested
key as ``time.start``) is covered when its record has a field of that name; when the name
differs it is in ``renamed`` (the key, and the record's field or fields that hold it);
otherwise it is in ``left_out`` under the reason. The tests read each command's output for
the seeded state on every release and fail on a key that is none of these; the docs page
"Coverage of Slurm's JSON" is made from the same table and the keys seen
(``scripts/docs-capture``).

Pure data; the keys are the union of the releases'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .descriptions import KINDS


@dataclass(frozen=True)
class Coverage:
    command: str
    records: str
    """Where the records are in the command's document (``jobs``, ``nodes``, ``steps``)."""
    kind: str
    """The slurmlib record they correspond to."""
    renamed: Mapping[str, str]
    left_out: Mapping[str, tuple[str, ...]]
    nested: bool = False
    """Whether a key holding an object is taken key by key (``time.start``): sacct nests
    what squeue and sinfo print flat."""


_REQUEST = (
    "An option of the job's request beyond CPUs, memory, GPUs, time and nodes: kept in the "
    "C record (the bindings), not in the typed one"
)
_SCHEDULER = "The scheduler's own bookkeeping of the job"
_FEDERATION = "Federations: slurmlib addresses clusters by name (cluster=), not federations"
_ELSEWHERE = "Another field holds it, or it follows from others"
_ACCOUNTING = "Accounting's, read from slurmdbd: DbJob has it"
_NOT_KEPT = "Not kept: no tool of slurmlib uses it (the C record has it)"

SQUEUE = Coverage(
    "squeue --json",
    "jobs",
    "Job",
    renamed={
        "job_state": "state, flags, state_text",
        "cpus": "num_cpus",
        "node_count": "num_nodes",
        "tasks": "num_tasks",
        "resv_name": "reservation",
        "current_working_directory": "work_dir",
        "standard_output": "std_out",
        "standard_error": "std_err",
        "tres_req_str": "tres_requested",
        "tres_alloc_str": "tres_allocated, gpus_allocated, gpus_allocated_by_type",
        "tres_per_job": "gpus_per_job",
        "tres_per_task": "gpus_per_task",
        "tres_per_socket": "gpus_per_socket",
        "tres_per_node": "tres_per_node, gpus_per_node",
        "restart_cnt": "restart_count",
        "array_task_string": "array_tasks",
        "batch_flag": "batch",
        "exit_code": "exit_code, exit_signal",
        "state_reason": "state_reason, state_reason_code",
    },
    left_out={
        _REQUEST: (
            "contiguous",
            "shared",
            "oversubscribe",
            "exclusive",
            "max_cpus",
            "max_nodes",
            "minimum_cpus_per_node",
            "minimum_tmp_disk_per_node",
            "minimum_switches",
            "sockets_per_board",
            "sockets_per_node",
            "cores_per_socket",
            "threads_per_core",
            "tasks_per_board",
            "tasks_per_core",
            "tasks_per_node",
            "tasks_per_socket",
            "cpus_per_tres",
            "memory_per_tres",
            "tres_bind",
            "tres_freq",
            "cpu_frequency_governor",
            "cpu_frequency_maximum",
            "cpu_frequency_minimum",
            "core_spec",
            "thread_spec",
            "excluded_nodes",
            "required_nodes",
            "required_switches",
            "prefer",
            "batch_features",
            "cluster_features",
            "delay_boot",
            "reboot",
            "profile",
            "deadline",
            "time_minimum",
            "standard_input",
            "container",
            "container_id",
            "burst_buffer",
            "burst_buffer_state",
            "mcs_label",
            "wait4switch",
            "hold",
            "selinux_context",
            "segment_size",
            "resv_ports",
            "network",
            "licenses_allocated",
            "kill_request_user",
            "step_timeout",
            "mail_type",
            "mail_user",
            "cron",
            "tasks_per_tres",
            "container_type",
            "memory_update_delay",
            "memory_update_margin",
            "job_size_str",
        ),
        _SCHEDULER: (
            "accrue_time",
            "last_sched_evaluation",
            "pre_sus_time",
            "preempt_time",
            "preemptable_time",
            "resize_time",
            "suspend_time",
            "show_flags",
            "flags",
            "array_max_tasks",
            "association_id",
            "het_job_id_set",
            "gres_detail",
            "job_resources",
            "power",
            "priority_by_partition",
            "scheduled_nodes",
            "maximum_switch_wait_time",
            "end_time_limit",
            "submit_line",
            "stderr_expanded",
            "stdin_expanded",
            "stdout_expanded",
            "allocating_node",
            "failed_node",
            "step_id",
        ),
        _FEDERATION: (
            "cluster",
            "federation_origin",
            "federation_siblings_active",
            "federation_siblings_viable",
        ),
        _ELSEWHERE: ("billable_tres", "group_name", "user_name_or_id"),
        _ACCOUNTING: ("derived_exit_code", "wckey"),
        _NOT_KEPT: ("admin_comment", "system_comment", "extra", "array_task_id_set"),
    },
)

SINFO = Coverage(
    "sinfo --json",
    "nodes",
    "Node",
    renamed={
        "architecture": "arch",
        "cores": "cores_per_socket",
        "threads": "threads_per_core",
        "operating_system": "os",
        "reason_changed_at": "reason_time",
        "reason_set_by_user": "reason_user",
        "slurmd_version": "version",
        "state_flags": "flags",
        "state": "state, flags, state_text",
        "temporary_disk": "tmp_disk",
        "tres_used": "alloc_tres, gpus_allocated",
        "gres": "gres, gres_total",
        "gres_used": "gres_used, gres_in_use",
        "tres": "tres, gpus",
        "idle_cpus": "idle_cpus (computed)",
    },
    left_out={
        _NOT_KEPT: (
            "boards",
            "burstbuffer_network_address",
            "cpu_binding",
            "extra",
            "mcs_label",
            "owner",
            "port",
            "tres_weighted",
            "gres_drained",
            "next_state_after_reboot",
            "next_state_after_reboot_flags",
            "specialized_cores",
            "specialized_cpus",
            "specialized_memory",
            "effective_cpus",
            "instance_id",
            "instance_type",
            "cluster_name",
            "topology",
            "cert_flags",
            "resume_after",
            "energy",
            "external_sensors",
            "power",
            "reservation",
            "last_busy_time",
            "gpu_spec",
            "res_cores_per_gpu",
            "cores_reserved",
        ),
    },
)

SACCT = Coverage(
    "sacct --json",
    "jobs",
    "DbJob",
    renamed={
        "allocation_nodes": "node_count",
        "array.job_id": "array_job_id",
        "array.task_id": "array_task_id",
        "array.task": "array_tasks",
        "array.limits": "array_tasks (the %limit)",
        "association.account": "account",
        "association.cluster": "cluster",
        "association.partition": "partition",
        "association.user": "user",
        "derived_exit_code.return_code": "derived_exit_code",
        "derived_exit_code.status": "derived_exit_code",
        "derived_exit_code.signal": "derived_exit_code",
        "exit_code.return_code": "exit_code",
        "exit_code.status": "exit_code, exit_signal",
        "exit_code.signal": "exit_signal",
        "group": "group_id",
        "het.job_id": "het_job_id",
        "het.job_offset": "het_job_offset",
        "kill_request_user": "cancelled_by",
        "required.CPUs": "requested_cpus",
        "reservation.name": "reservation",
        "state.current": "state, state_text",
        "time.elapsed": "elapsed",
        "time.eligible": "eligible_time",
        "time.end": "end_time",
        "time.limit": "time_limit",
        "time.start": "start_time",
        "time.submission": "submit_time",
        "time.suspended": "suspended",
        "time.system": "system_cpu",
        "time.total": "total_cpu",
        "time.user": "user_cpu",
        "tres.allocated": "tres_allocated, gpus_allocated, gpus_allocated_by_type",
        "tres.requested": "tres_requested, gpus_requested",
        "wckey.wckey": "wckey",
        "working_directory": "work_dir",
    },
    nested=True,
    left_out={
        _NOT_KEPT: (
            "comment.administrator",
            "comment.job",
            "comment.system",
            "container",
            "flags",
            "mcs.label",
            "required.memory",
            "required.memory_per_cpu",
            "required.memory_per_node",
            "reservation.id",
            "reservation.requested",
            "state.reason",
            "wckey.flags",
            "association.id",
            "time.planned",
            "hold",
            "licenses",
            "extra",
            "failed_node",
            "script",
            "stdin",
            "stdout",
            "stderr",
            "stdin_expanded",
            "stdout_expanded",
            "stderr_expanded",
            "submit_line",
            "qosreq",
            "restart_cnt",
            "segment_size",
            "block",
            "priority_by_partition",
            "used_gres",
            "exclusive",
            "oversubscribe",
            "sluid",
            "original_sluid",
        ),
        _ELSEWHERE: ("steps",),
    },
)

SACCT_STEPS = Coverage(
    "sacct --json",
    "steps",
    "DbStep",
    renamed={
        "exit_code.return_code": "exit_code",
        "exit_code.status": "exit_code, exit_signal",
        "exit_code.signal": "exit_signal",
        "nodes.count": "node_count",
        "nodes.list": "nodes",
        "nodes.range": "nodes",
        "state": "state, state_text",
        "statistics.CPU": "user_cpu, system_cpu, total_cpu",
        "step.id": "step_id, step",
        "step.job_id": "job_id",
        "step.name": "name",
        "tasks.count": "tasks",
        "time.elapsed": "elapsed",
        "time.end": "end_time",
        "time.start": "start_time",
        "time.system": "system_cpu",
        "time.total": "total_cpu",
        "time.user": "user_cpu",
        "tres.allocated": "tres_allocated",
        # sacct's "requested" of a step is its TRESUsageIn (max, min, average, total).
        "tres.requested": (
            "tres_usage_max, tres_usage_total, max_rss_bytes, gpu_utilization, gpu_memory_max_bytes"
        ),
    },
    left_out={
        _NOT_KEPT: (
            "CPU.governor",
            "CPU.requested_frequency",
            "kill_request_user",
            "pid",
            "statistics.energy",
            "step.het",
            "task.distribution",
            "time.suspended",
            "time.limit",
            "tres.consumed",
            "submit_line",
            "step.stdin",
            "step.stdout",
            "step.stderr",
            "step.stdin_expanded",
            "step.stdout_expanded",
            "step.stderr_expanded",
        ),
    },
    nested=True,
)

COVERAGES = (SQUEUE, SINFO, SACCT, SACCT_STEPS)

_NUMBER_KEYS = frozenset({"set", "infinite", "number"})


def record_keys(record: Mapping[str, Any], nested: bool = True) -> set[str]:
    """The keys of one record of a command's JSON: ``nested``, one level down
    (``time.start``), a number written as ``{set, infinite, number}`` taken as one key."""
    keys: set[str] = set()
    for key, value in record.items():
        if nested and isinstance(value, Mapping) and value and not set(value) <= _NUMBER_KEYS:
            keys.update(f"{key}.{inner}" for inner in value)
        else:
            keys.add(key)
    return keys


COMMANDS = {
    "squeue --json": ("squeue", "--json"),
    "sinfo --json": ("sinfo", "--json"),
    "sacct --json": ("sacct", "--json", "-a", "-S", "2020-01-01", "-E", "now"),
}
"""How the tests and the docs run each command: every job of accounting, with its steps."""


def records_of(coverage: Coverage, document: Mapping[str, Any]) -> list[Any]:
    """The records of a command's document that ``coverage`` is about."""
    if coverage is SACCT_STEPS:
        return [step for job in document["jobs"] for step in job.get("steps", ())]
    if coverage is SINFO and "nodes" not in document:
        return [entry["node"] for entry in document.get("sinfo", ()) if "node" in entry]
    records: list[Any] = document[coverage.records]
    return records


def _field_names(kind_name: str) -> set[str]:
    (kind,) = (k for k in KINDS if k.name == kind_name)
    return {f.name for f in kind.fields} | {p.name for p in kind.properties}


def verdict(coverage: Coverage, key: str) -> tuple[str, str] | None:
    """("covered"/"left out", by which field or why) of a key; None when the table lacks it."""
    if key in coverage.renamed:
        return "covered", coverage.renamed[key]
    for reason, keys in coverage.left_out.items():
        if key in keys:
            return "left out", reason
    if key in _field_names(coverage.kind):
        return "covered", key
    return None


def uncovered(coverage: Coverage, records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The keys of ``records`` that the table says nothing of."""
    keys: set[str] = set()
    for record in records:
        keys |= record_keys(record, coverage.nested)
    return sorted(k for k in keys if verdict(coverage, k) is None)


def markdown(coverage: Coverage, keys: Iterable[str]) -> list[str]:
    """The rows of the docs table for the keys a command printed."""
    rows = [f"| `{coverage.command}` key | slurmlib `{coverage.kind}` | |", "|---|---|---|"]
    for key in sorted(set(keys)):
        found = verdict(coverage, key)
        status, detail = found if found else ("not described", "")
        cell = f"`{detail}`" if status == "covered" else detail
        rows.append(f"| `{key}` | {status} | {cell} |")
    return rows
