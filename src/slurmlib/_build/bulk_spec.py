"""Which fields the generated bulk converters copy out of the controller's messages.

Pure data, shared by the generator (``bulk_c.py``, at build time) and the readers (at run
time). For each kind of record: the message type, its array and count fields, and the
integer and string fields of the record struct that slurmlib's records are made from, in
the order of the generated layout. A field that the Slurm release being built lacks is
written as 0 (integers) or NULL (strings); readers that use such a field ask
:data:`slurmlib.native.capabilities`, which answers from the same compiled headers.

Computed fields are not struct members: the generator writes the C that computes them
(a node's allocated CPUs, memory and TRES, which before 25.05 come from the select
plugin through ``slurm_get_select_nodeinfo``, and its state as shown: MIXED when some
but not all of its CPUs are allocated).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RecordSpec:
    name: str  # the C function is slurmlib_bulk_<name>
    struct: str  # the record type, e.g. "slurm_job_info_t"
    message: str  # the message type, e.g. "job_info_msg_t"
    array: str  # the message field holding the records
    count: str  # the message field holding their number
    ints: tuple[str, ...]
    strings: tuple[str, ...]
    computed_ints: tuple[str, ...] = ()
    computed_strings: tuple[str, ...] = ()

    @property
    def function(self) -> str:
        return f"slurmlib_bulk_{self.name}"


JOBS = RecordSpec(
    name="jobs",
    struct="slurm_job_info_t",
    message="job_info_msg_t",
    array="job_array",
    count="record_count",
    ints=(
        "job_id",
        "array_job_id",
        "array_task_id",
        "het_job_id",
        "het_job_offset",
        "user_id",
        "group_id",
        "job_state",
        "state_reason",
        "priority",
        "nice",
        "submit_time",
        "eligible_time",
        "start_time",
        "end_time",
        "time_limit",
        "num_nodes",
        "num_cpus",
        "num_tasks",
        "cpus_per_task",
        "pn_min_memory",
        "exit_code",
        "restart_cnt",
        "requeue",
        "batch_flag",
    ),
    strings=(
        "array_task_str",
        "name",
        "user_name",
        "account",
        "partition",
        "qos",
        "resv_name",
        "state_desc",
        "nodes",
        "tres_req_str",
        "tres_alloc_str",
        "tres_per_node",
        "tres_per_job",
        "tres_per_task",
        "tres_per_socket",
        "licenses",
        "features",
        "dependency",
        "command",
        "work_dir",
        "std_out",
        "std_err",
        "comment",
        "batch_host",
    ),
)

NODES = RecordSpec(
    name="nodes",
    struct="node_info_t",
    message="node_info_msg_t",
    array="node_array",
    count="record_count",
    ints=(
        "node_state",
        "cpus",
        "sockets",
        "cores",
        "threads",
        "real_memory",
        "free_mem",
        "cpu_load",
        "tmp_disk",
        "weight",
        "reason_time",
        "reason_uid",
        "boot_time",
        "slurmd_start_time",
        "last_busy",
    ),
    strings=(
        "name",
        "node_hostname",
        "node_addr",
        "partitions",
        "features",
        "features_act",
        "gres",
        "gres_used",
        "tres_fmt_str",
        "reason",
        "version",
        "os",
        "arch",
        "comment",
    ),
    computed_ints=("alloc_cpus", "alloc_memory", "shown_state"),
    computed_strings=("alloc_tres_fmt_str",),
)

PARTITIONS = RecordSpec(
    name="partitions",
    struct="partition_info_t",
    message="partition_info_msg_t",
    array="partition_array",
    count="record_count",
    ints=(
        "flags",
        "min_nodes",
        "max_nodes",
        "state_up",
        "total_nodes",
        "total_cpus",
        "max_time",
        "default_time",
        "max_cpus_per_node",
        "priority_tier",
        "priority_job_factor",
    ),
    strings=(
        "name",
        "nodes",
        "allow_accounts",
        "allow_groups",
        "allow_qos",
        "deny_accounts",
        "deny_qos",
        "qos_char",
        "tres_fmt_str",
    ),
)

QUEUE = replace(
    JOBS,
    name="queue",
    ints=("job_id", "job_state", "priority", "submit_time"),
    strings=("partition",),
)
"""Only what ranking a job among the pending jobs of its partitions needs."""

SPECS = (JOBS, NODES, PARTITIONS, QUEUE)
