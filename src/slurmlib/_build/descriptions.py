"""Every record slurmlib returns, described once: the API reference of the records.

Each kind of record is a :class:`Kind`: its class name, what it is, and its fields in
order. Each field is an :class:`F`: its name, its Python type, a one-line description with
its unit, and, for the kinds that are copied out of a controller message by generated C
(:class:`Source`), where it comes from in C (a struct member, or a named computed column)
and the :data:`RULES` entry that turns that column into the value.

From this module, and from nothing else:

* ``_build/records_gen.py`` writes the record classes (``slurmlib/_record_classes.py`` and
  ``slurmlib/db/_record_classes.py``: plain slotted classes, no decorator work at import)
  and the field reference of the docs (``docs/api/fields.md``);
* :mod:`bulk_spec` takes the C columns of the kinds with a :class:`Source`, which
  ``bulk_c.py`` turns into the C converters at build time (a member the headers lack stops
  the build unless the field is ``optional``);
* :mod:`slurmlib._bulk` makes the assembly plan of those kinds at run time, so that the
  snapshot and the one-record reads (``Cluster.node(name)``, ``job(id)``) go one way.

Adding a field is one line here, then ``make generate`` and a rebuild (the guide "Adding a
field" in the docs shows one). Pure data: imported at build time, before anything is
compiled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """How a C column becomes a field's value (``_bulk.Op`` and the per-message cache)."""

    op: str
    """``INT``, ``BOOL``, ``STR``, ``STR_OR``, ``CACHE_INT``, ``CACHE_STR``, ``MAP_STR`` or
    ``TIME``."""
    doc: str
    cache: str | None = None
    """The per-message cache that converts each distinct raw value once."""
    item: int = -1
    """Which item of the cache's tuple, for caches that give several fields at once."""


RULES: dict[str, Rule] = {
    "int": Rule("INT", "The integer; ``None`` for the raw values in ``nones``."),
    "bool": Rule("BOOL", "Whether the integer is not 0."),
    "text": Rule("STR", "The string; ``None`` when NULL."),
    "text_or_user": Rule(
        "STR_OR", "The string, else the login name of the uid in column ``fallback``.", "users"
    ),
    "time": Rule(
        "TIME",
        "Seconds since the epoch as an aware UTC datetime, made in C; 0 and the sentinels"
        " are None.",
        "times",
    ),
    "minutes": Rule(
        "CACHE_INT", "Minutes as a timedelta; INFINITE is UNLIMITED, NO_VAL None.", "limits"
    ),
    "hostlist": Rule("CACHE_STR", 'A host list (``"node[1-3]"``) expanded to names.', "hosts"),
    "list": Rule("CACHE_STR", "A comma-separated list as a tuple.", "lists"),
    "tres": Rule("MAP_STR", 'A TRES string (``"cpu=2,mem=1G"``) as a map, memory in MiB.', "tres"),
    "user": Rule("CACHE_INT", "A uid's login name (None for a uid without one).", "users"),
    "state": Rule(
        "CACHE_INT", "The base state of the state word, as the kind's enum.", "states", 0
    ),
    "flags": Rule("CACHE_INT", "The flag bits of the state word, by name.", "states", 1),
    "state_text": Rule("CACHE_INT", "Slurm's own text for the state word.", "states", 2),
    "reason": Rule("CACHE_INT", "Slurm's text for a job state reason code.", "reasons"),
    "load": Rule("CACHE_INT", "Hundredths as a float; NO_VAL is None.", "loads"),
    "gres": Rule(
        "MAP_STR", 'A GRES string as counts by name and type (``{"gpu:a100": 4}``).', "gres"
    ),
    "gpu_count": Rule("CACHE_STR", "``gres/gpu`` of a TRES string (0 without).", "gpu_counts"),
    "gpu_request": Rule(
        "MAP_STR",
        'The GPUs of a TRES request string by GRES name (``{"gpu:a100": 1}``).',
        "gpu_requests",
    ),
    "gpu_types": Rule("MAP_STR", "The typed ``gres/gpu:TYPE`` of a TRES string.", "gpu_types"),
    "partition_state": Rule(
        "CACHE_INT", "``UP``, ``DOWN``, ``DRAIN`` or ``INACTIVE``.", "partition_states"
    ),
    "partition_default": Rule(
        "CACHE_INT", "Whether the DEFAULT flag is set.", "partition_flags", 0
    ),
    "partition_hidden": Rule("CACHE_INT", "Whether the HIDDEN flag is set.", "partition_flags", 1),
    "count": Rule("CACHE_INT", "A count; INFINITE is UNLIMITED, NO_VAL None.", "counts"),
    # Accounting records (slurmdbd's lists).
    "db_state": Rule("CACHE_INT", "The base state of the state word, as JobState.", "states", 0),
    "db_state_text": Rule("CACHE_INT", "Slurm's own text for the state word.", "states", 1),
    "seconds": Rule("CACHE_INT", "Seconds as a timedelta.", "seconds"),
    "micros": Rule("CACHE_INT", "Microseconds as a timedelta.", "micros"),
    "step_name": Rule(
        "CACHE_INT",
        "A step id as sacct names it (``batch``, ``extern``, the number).",
        "step_names",
    ),
    "max_rss": Rule("CACHE_STR", "The ``mem`` of a TRES usage string, bytes.", "max_rss"),
    "step_gpu_utilization": Rule(
        "CACHE_STR", "``gres/gpuutil`` of a TRES usage string, percent.", "gpu_utilization"
    ),
    "gpu_memory": Rule("CACHE_STR", "``gres/gpumem`` of a TRES usage string, bytes.", "gpu_memory"),
    "array_tasks": Rule(
        "CACHE_STR",
        "slurmdbd's bitmap of pending array tasks as sacct's range text.",
        "array_tasks",
    ),
    "qos_name": Rule("CACHE_INT", "A QoS id's name, from the database's QoS.", "qos"),
    "job_gpu_utilization": Rule(
        "CACHE_INT", "The job's steps' GPU utilisation weighted by elapsed time.", "gpu_utilization"
    ),
    "steps": Rule("CACHE_INT", "The job's steps, when they were read.", "steps"),
    "required_text": Rule("CACHE_STR", 'The string; ``""`` when NULL or empty.', "texts"),
    "is_set": Rule("CACHE_INT", "Whether the integer is set: neither 0 nor NO_VAL16.", "set_flags"),
    "qos_names": Rule(
        "CACHE_STR", "A comma-separated list of QoS ids as their names, sorted.", "qos_lists"
    ),
    "names": Rule("CACHE_STR", "A comma-separated list of names as a sorted tuple.", "name_lists"),
    "qos_flags": Rule("CACHE_INT", "QoS flag bits by sacctmgr's names.", "qos_flags"),
    "preempt_mode": Rule(
        "CACHE_INT", "Preempt mode bits as sacctmgr writes them; NO_VAL16 is None.", "preempt_modes"
    ),
    "optional_seconds": Rule(
        "CACHE_INT", "Seconds as a timedelta; NO_VAL and INFINITE (any width) are None.", "periods"
    ),
    "double": Rule(
        "CACHE_INT", "The bits of a double; NO_VAL, INFINITE and NaN are None.", "doubles"
    ),
    "admin_level": Rule("CACHE_INT", "An admin level as sacctmgr writes it.", "admin_levels"),
    "associations": Rule(
        "CACHE_INT", "The record's associations, when they were read.", "associations"
    ),
}
"""Every conversion a described field may name, with what it does (the reference shows it)."""

Constant = int | str
"""A number, or the name of a header constant (``"NO_VAL"``) or of a reader's value
(``"FINISHED"``: the lowest base state of a finished job), resolved when the plan is made."""


@dataclass(frozen=True)
class F:
    """One field of a record.

    ``c`` and ``rule`` say where the value comes from, for kinds with a :class:`Source`.
    The options are those of ``_bulk.Field``: the value is ``None`` when the integer column
    ``gate`` fails ``gate & gate_mask >= gate_min`` or the string column ``gate_str`` is
    NULL; an ``int`` is also ``None`` for a raw value in ``nones`` or by its ``flag_mode``,
    and otherwise ``((raw & ~flag) >> shift & mask) - bias``.
    """

    name: str
    type: str
    """The annotation, as the record class declares it."""
    doc: str = ""
    default: str | None = None
    """Python source of the default, for a field that may be left out."""
    c: str | None = None
    rule: str = "int"
    optional: bool = False
    """A release may lack the member ``c``: it reads as 0 or NULL there."""
    nones: tuple[Constant, ...] = ()
    flag: Constant = 0
    flag_mode: str = "IGNORE"
    shift: int = 0
    mask: Constant | None = None
    bias: Constant = 0
    gate: str | None = None
    gate_mask: Constant | None = None
    gate_min: Constant = 0
    gate_str: str | None = None
    fallback: str | None = None


@dataclass(frozen=True)
class Source:
    """Where a kind's records are in C: a message holding an array of structs."""

    struct: str
    message: str
    array: str
    count: str = "record_count"
    computed_ints: tuple[str, ...] = ()
    """Integer columns the generated C computes (``bulk_c.py`` has their rules)."""
    computed_strings: tuple[str, ...] = ()
    skip: str | None = None
    """A string column that is NULL in blank records, which are left out."""


@dataclass(frozen=True)
class ListSource:
    """Where a kind's records are in slurmdbd's answers: a ``list_t`` of structs.

    ``c`` may be a member path (``stats.tres_usage_in_max``); a member this release lacks
    is written as 0 or NULL and the field reads as ``None`` (slurmdbd's structs change
    more between releases than the controller's, and the readers expect it).
    """

    struct: str
    computed_ints: tuple[str, ...] = ()
    """Integer columns the generated C computes (``bulk_spec``'s ``Computed`` rules)."""
    computed_strings: tuple[str, ...] = ()
    """String columns the generated C computes (``bulk_spec``'s ``Joined`` rules)."""
    extra_ints: tuple[str, ...] = ()
    """Members the reader reads beside the plan (a job's at-once array limit)."""


@dataclass(frozen=True)
class Property:
    """A value computed from a record's fields, on the record class."""

    name: str
    type: str
    doc: str
    expression: str
    """Python over ``self``."""


@dataclass(frozen=True)
class Kind:
    """One kind of record."""

    name: str
    doc: str
    fields: tuple[F, ...]
    module: str = "records"
    """``records`` (the controller's, :mod:`slurmlib.records`) or ``db.records``."""
    key: str | None = None
    """The field a :class:`~slurmlib.records.Snapshot` of this kind looks records up by."""
    source: Source | ListSource | None = None
    properties: tuple[Property, ...] = ()
    float_seconds: bool = False
    """``to_dict()`` gives durations as float seconds (they are microseconds)."""


NODE = Kind(
    "Node",
    "A compute node, as ``scontrol show node`` describes it.",
    key="name",
    source=Source(
        "node_info_t",
        "node_info_msg_t",
        "node_array",
        computed_ints=("alloc_cpus", "alloc_memory", "shown_state"),
        computed_strings=("alloc_tres_fmt_str",),
        skip="name",
    ),
    properties=(
        Property(
            "drained", "bool", "Drained or draining: takes no new jobs.", '"DRAIN" in self.flags'
        ),
        Property(
            "responding",
            "bool",
            "Whether the node answers the controller.",
            '"NO_RESPOND" not in self.flags',
        ),
        Property("idle_cpus", "int", "CPUs not allocated.", "max(self.cpus - self.alloc_cpus, 0)"),
    ),
    fields=(
        F("name", "str", c="name", rule="text"),
        F("hostname", "str | None", c="node_hostname", rule="text"),
        F("address", "str | None", c="node_addr", rule="text"),
        F(
            "state",
            "NodeState",
            "Base state; MIXED when some but not all CPUs are allocated (as sinfo reports it).",
            c="shown_state",
            rule="state",
        ),
        F(
            "flags",
            "frozenset[str]",
            "State flags: ``DRAIN``, ``NO_RESPOND``, ``COMPLETING``, ``MAINT``, ``RES``, ...",
            c="shown_state",
            rule="flags",
        ),
        F(
            "state_text",
            "str",
            'Slurm\'s own text for the state, e.g. ``"IDLE+DRAIN"``.',
            c="shown_state",
            rule="state_text",
        ),
        F("partitions", "tuple[str, ...]", c="partitions", rule="list"),
        F("features", "tuple[str, ...]", c="features", rule="list"),
        F("active_features", "tuple[str, ...]", c="features_act", rule="list"),
        F(
            "gres",
            "str | None",
            'Configured GRES as Slurm writes them (``"gpu:a100:4(S:0-1)"``).',
            c="gres",
            rule="text",
        ),
        F(
            "gres_used",
            "str | None",
            'GRES in use as Slurm writes them (``"gpu:a100:2(IDX:0-1)"``).',
            c="gres_used",
            rule="text",
        ),
        F(
            "gres_total",
            "FrozenMap[str, int]",
            'Configured GRES by name and type: ``{"gpu:a100": 4}`` (``sinfo -O Gres``).',
            c="gres",
            rule="gres",
        ),
        F(
            "gres_in_use",
            "FrozenMap[str, int]",
            'GRES allocated to jobs by name and type: ``{"gpu:a100": 2}`` (``sinfo -O GresUsed``).',
            c="gres_used",
            rule="gres",
        ),
        F(
            "gpus",
            "int",
            "GPUs configured (``gres/gpu`` of the node's TRES).",
            c="tres_fmt_str",
            rule="gpu_count",
        ),
        F(
            "gpus_allocated",
            "int",
            "GPUs allocated to jobs (``gres/gpu`` of the node's allocated TRES).",
            c="alloc_tres_fmt_str",
            rule="gpu_count",
        ),
        F("cpus", "int", c="cpus"),
        F("alloc_cpus", "int", c="alloc_cpus"),
        F("sockets", "int", c="sockets"),
        F("cores_per_socket", "int", c="cores"),
        F("threads_per_core", "int", c="threads"),
        F("real_memory", "int", "Configured memory, MiB.", c="real_memory"),
        F("alloc_memory", "int", "Memory allocated to jobs, MiB.", c="alloc_memory"),
        F(
            "free_memory",
            "int | None",
            "Free memory the node reported, MiB.",
            c="free_mem",
            nones=("NO_VAL64", "NO_VAL"),
        ),
        F(
            "cpu_load",
            "float | None",
            "Load average (1 minute), as the node reported it.",
            c="cpu_load",
            rule="load",
        ),
        F("tmp_disk", "int", c="tmp_disk"),
        F("weight", "int", c="weight"),
        F("tres", "FrozenMap[str, int]", c="tres_fmt_str", rule="tres"),
        F("alloc_tres", "FrozenMap[str, int]", c="alloc_tres_fmt_str", rule="tres"),
        F("reason", "str | None", c="reason", rule="text"),
        F("reason_time", "datetime | None", c="reason_time", rule="time"),
        F("reason_user", "str | None", c="reason_uid", rule="user", gate_str="reason"),
        F("boot_time", "datetime | None", c="boot_time", rule="time"),
        F("slurmd_start_time", "datetime | None", c="slurmd_start_time", rule="time"),
        F("last_busy", "datetime | None", c="last_busy", rule="time"),
        F("version", "str | None", c="version", rule="text"),
        F("os", "str | None", c="os", rule="text"),
        F("arch", "str | None", c="arch", rule="text"),
        F("comment", "str | None", c="comment", rule="text"),
    ),
)

JOB = Kind(
    "Job",
    "A job in the controller's queue, as ``squeue``/``scontrol show job`` describe it.",
    key="job_id",
    source=Source("slurm_job_info_t", "job_info_msg_t", "job_array"),
    fields=(
        F("job_id", "int", c="job_id"),
        F("array_job_id", "int | None", c="array_job_id", nones=(0, "NO_VAL")),
        F("array_task_id", "int | None", c="array_task_id", nones=("NO_VAL",)),
        F(
            "array_tasks",
            "str | None",
            'For a pending array\'s meta record, the tasks still pending (``"2-10%2"``).',
            c="array_task_str",
            rule="text",
        ),
        F("het_job_id", "int | None", c="het_job_id", nones=(0, "NO_VAL")),
        F(
            "het_job_offset",
            "int | None",
            c="het_job_offset",
            nones=("NO_VAL",),
            gate="het_job_id",
            gate_min=1,
        ),
        F("name", "str | None", c="name", rule="text"),
        F("user_id", "int", c="user_id"),
        F("user_name", "str | None", c="user_name", rule="text_or_user", fallback="user_id"),
        F("group_id", "int", c="group_id"),
        F("account", "str | None", c="account", rule="text"),
        F("partition", "str | None", c="partition", rule="text"),
        F("qos", "str | None", c="qos", rule="text"),
        F("reservation", "str | None", c="resv_name", rule="text"),
        F("state", "JobState", c="job_state", rule="state"),
        F("flags", "frozenset[str]", c="job_state", rule="flags"),
        F("state_text", "str", c="job_state", rule="state_text"),
        F(
            "state_reason",
            "str",
            'Slurm\'s text for why the job is in its state (``"Resources"``, ``"Priority"``...).',
            c="state_reason",
            rule="reason",
        ),
        F("state_reason_code", "int", c="state_reason"),
        F("state_description", "str | None", c="state_desc", rule="text"),
        F("priority", "int | None", c="priority", nones=("NO_VAL",)),
        F("nice", "int", c="nice", bias="NICE_OFFSET"),
        F("submit_time", "datetime | None", c="submit_time", rule="time"),
        F("eligible_time", "datetime | None", c="eligible_time", rule="time"),
        F("start_time", "datetime | None", c="start_time", rule="time"),
        F("end_time", "datetime | None", c="end_time", rule="time"),
        F("time_limit", "TimeLimit", c="time_limit", rule="minutes"),
        F(
            "nodes",
            "str | None",
            'Allocated nodes as Slurm writes them (``"node[1-2]"``).',
            c="nodes",
            rule="text",
        ),
        F("node_names", "tuple[str, ...]", "The same, expanded.", c="nodes", rule="hostlist"),
        F("num_nodes", "int | None", c="num_nodes", nones=("NO_VAL", "INFINITE")),
        F("num_cpus", "int | None", c="num_cpus", nones=("NO_VAL", "INFINITE")),
        F("num_tasks", "int | None", c="num_tasks", nones=("NO_VAL", "INFINITE")),
        F("cpus_per_task", "int | None", c="cpus_per_task", nones=("NO_VAL16", "INFINITE16")),
        F(
            "memory_per_node",
            "int | None",
            "MiB per node, when the job asked per node.",
            c="pn_min_memory",
            nones=("NO_VAL64", 0),
            flag="MEM_PER_CPU",
            flag_mode="ABSENT",
        ),
        F(
            "memory_per_cpu",
            "int | None",
            "MiB per CPU, when the job asked per CPU.",
            c="pn_min_memory",
            nones=("NO_VAL64", 0),
            flag="MEM_PER_CPU",
            flag_mode="REQUIRED",
        ),
        F("tres_requested", "FrozenMap[str, int]", c="tres_req_str", rule="tres"),
        F("tres_allocated", "FrozenMap[str, int]", c="tres_alloc_str", rule="tres"),
        F("tres_per_node", "str | None", c="tres_per_node", rule="text"),
        F(
            "gpus_per_job",
            "FrozenMap[str, int]",
            (
                'GPUs asked for the whole job (``--gpus``), by GRES name: ``{"gpu": 2}``, '
                '``{"gpu:a100": 1}``.'
            ),
            c="tres_per_job",
            rule="gpu_request",
        ),
        F(
            "gpus_per_node",
            "FrozenMap[str, int]",
            "GPUs asked for per node (``--gres=gpu...``, ``--gpus-per-node``).",
            c="tres_per_node",
            rule="gpu_request",
        ),
        F(
            "gpus_per_task",
            "FrozenMap[str, int]",
            "GPUs asked for per task (``--gpus-per-task``).",
            c="tres_per_task",
            rule="gpu_request",
        ),
        F(
            "gpus_per_socket",
            "FrozenMap[str, int]",
            "GPUs asked for per socket (``--gpus-per-socket``).",
            c="tres_per_socket",
            rule="gpu_request",
        ),
        F(
            "gpus_allocated",
            "int",
            (
                "GPUs allocated (``gres/gpu`` of the allocated TRES): 0 while pending, whichever "
                "way the job asked."
            ),
            c="tres_alloc_str",
            rule="gpu_count",
        ),
        F(
            "gpus_allocated_by_type",
            "FrozenMap[str, int]",
            (
                'Allocated GPUs by type, ``{"gpu:a100": 1}``; empty where '
                "``AccountingStorageTRES`` does not list the typed ``gres/gpu:TYPE``."
            ),
            c="tres_alloc_str",
            rule="gpu_types",
        ),
        F("licenses", "str | None", c="licenses", rule="text"),
        F("features", "str | None", c="features", rule="text"),
        F("dependency", "str | None", c="dependency", rule="text"),
        F("command", "str | None", c="command", rule="text"),
        F("work_dir", "str | None", c="work_dir", rule="text"),
        F("std_out", "str | None", c="std_out", rule="text"),
        F("std_err", "str | None", c="std_err", rule="text"),
        F("comment", "str | None", c="comment", rule="text"),
        F("batch_host", "str | None", c="batch_host", rule="text"),
        F("batch", "bool", c="batch_flag", rule="bool"),
        F(
            "exit_code",
            "int | None",
            "The exit status of the batch script (None while running).",
            c="exit_code",
            nones=("NO_VAL",),
            shift=8,
            mask=0xFF,
            gate="job_state",
            gate_mask="JOB_STATE_BASE",
            gate_min="FINISHED",
        ),
        F(
            "exit_signal",
            "int | None",
            c="exit_code",
            nones=("NO_VAL",),
            mask=0x7F,
            gate="job_state",
            gate_mask="JOB_STATE_BASE",
            gate_min="FINISHED",
        ),
        F("restart_count", "int", c="restart_cnt"),
        F("requeue", "bool", c="requeue", rule="bool"),
    ),
)

JOB_STEP = Kind(
    "JobStep",
    "A step of a running job (what ``squeue -s`` lists).",
    fields=(
        F("job_id", "int"),
        F("step_id", "int"),
        F(
            "step",
            "str",
            (
                'The step as Slurm names it: ``"batch"``, ``"extern"``, ``"interactive"`` or the '
                "number."
            ),
        ),
        F("name", "str | None"),
        F("state", "JobState"),
        F("partition", "str | None"),
        F("nodes", "str | None"),
        F("node_names", "tuple[str, ...]"),
        F("num_cpus", "int | None"),
        F("num_tasks", "int | None"),
        F("start_time", "datetime | None"),
        F("time_limit", "TimeLimit"),
        F("tres_allocated", "FrozenMap[str, int]"),
        F("user_id", "int"),
        F("user_name", "str | None"),
    ),
)

PARTITION = Kind(
    "Partition",
    "A partition, as ``scontrol show partition`` describes it.",
    key="name",
    source=Source("partition_info_t", "partition_info_msg_t", "partition_array"),
    fields=(
        F("name", "str", c="name", rule="text"),
        F(
            "state",
            "str",
            "``UP``, ``DOWN``, ``DRAIN`` or ``INACTIVE``.",
            c="state_up",
            rule="partition_state",
        ),
        F(
            "nodes",
            "str | None",
            'The nodes as Slurm writes them (``"node[1-4]"``).',
            c="nodes",
            rule="text",
        ),
        F("node_names", "tuple[str, ...]", "The same, expanded.", c="nodes", rule="hostlist"),
        F("total_nodes", "int", c="total_nodes"),
        F("total_cpus", "int", c="total_cpus"),
        F(
            "default",
            "bool",
            "The partition jobs go to when they name none.",
            c="flags",
            rule="partition_default",
        ),
        F(
            "hidden",
            "bool",
            "Hidden from users who do not ask for all partitions.",
            c="flags",
            rule="partition_hidden",
        ),
        F(
            "max_time",
            "TimeLimit",
            "The longest time limit a job may have.",
            c="max_time",
            rule="minutes",
        ),
        F(
            "default_time",
            "TimeLimit",
            "The time limit of a job that sets none.",
            c="default_time",
            rule="minutes",
        ),
        F("max_nodes", "Limit", "The most nodes a job may have.", c="max_nodes", rule="count"),
        F(
            "min_nodes",
            "int | None",
            "The fewest nodes a job may have.",
            c="min_nodes",
            nones=("NO_VAL",),
        ),
        F("max_cpus_per_node", "Limit", c="max_cpus_per_node", rule="count"),
        F("priority_tier", "int", c="priority_tier"),
        F("priority_job_factor", "int", c="priority_job_factor"),
        F("allow_accounts", "tuple[str, ...]", c="allow_accounts", rule="list"),
        F("allow_groups", "tuple[str, ...]", c="allow_groups", rule="list"),
        F("allow_qos", "tuple[str, ...]", c="allow_qos", rule="list"),
        F("deny_accounts", "tuple[str, ...]", c="deny_accounts", rule="list"),
        F("deny_qos", "tuple[str, ...]", c="deny_qos", rule="list"),
        F("qos", "str | None", "The partition's own QoS.", c="qos_char", rule="text"),
        F(
            "tres",
            "FrozenMap[str, int]",
            "The partition's TRES, memory in MiB.",
            c="tres_fmt_str",
            rule="tres",
        ),
    ),
)

RESERVATION = Kind(
    "Reservation",
    "",
    key="name",
    fields=(
        F("name", "str"),
        F("start_time", "datetime | None"),
        F("end_time", "datetime | None"),
        F("nodes", "str | None"),
        F("node_names", "tuple[str, ...]"),
        F("node_count", "int | None"),
        F("core_count", "int | None"),
        F("users", "tuple[str, ...]"),
        F("accounts", "tuple[str, ...]"),
        F("partition", "str | None"),
        F("features", "str | None"),
        F("licenses", "str | None"),
        F("flags", "frozenset[str]"),
        F("tres", "FrozenMap[str, int]"),
    ),
)

LICENSE = Kind(
    "License",
    "",
    key="name",
    fields=(
        F("name", "str"),
        F("total", "int"),
        F("in_use", "int"),
        F("available", "int"),
        F("reserved", "int | None"),
        F("remote", "bool"),
    ),
)

CONFIG = Kind(
    "Config",
    (
        "The controller's configuration (``scontrol show config``).\n\nThe fields most tools need "
        "are typed attributes; ``values`` holds every scalar field of\nSlurm's ``slurm_conf_t`` of "
        "this release under its C name."
    ),
    fields=(
        F("cluster_name", "str"),
        F("version", "str"),
        F("controllers", "tuple[str, ...]"),
        F("slurmctld_port", "int"),
        F("select_type", "str | None"),
        F("scheduler_type", "str | None"),
        F("priority_type", "str | None"),
        F("accounting_storage_type", "str | None"),
        F("accounting_storage_enforce", "int"),
        F("message_timeout", "int"),
        F("max_job_count", "int | None"),
        F("min_job_age", "int | None"),
        F("values", "FrozenMap[str, Any]"),
    ),
)

CONTROLLER_PING = Kind(
    "ControllerPing",
    "One slurmctld (primary or backup) and whether it answered.",
    fields=(
        F("index", "int"),
        F("hostname", "str"),
        F("primary", "bool"),
        F("up", "bool"),
        F("latency", "timedelta | None"),
    ),
)

RPC_STAT = Kind(
    "RpcStat",
    "How often one RPC type, or one user, called the controller, and how long it took.",
    float_seconds=True,
    fields=(
        F("id", "int", "The RPC's message type number, or the user's uid."),
        F(
            "name",
            "str | None",
            (
                "The message type's name as ``sdiag`` prints it (``REQUEST_NODE_INFO``; "
                "``RPC_<id>`` for a type slurmlib has no name for), or the user's login name (None "
                "for a uid without one)."
            ),
        ),
        F("count", "int"),
        F("total_time", "timedelta"),
        F("average_time", "timedelta"),
    ),
)

STATS = Kind(
    "Stats",
    (
        "The controller's scheduling statistics: what ``sdiag`` shows.\n\nSlurm measures these "
        "times in microseconds: they are ``timedelta`` here, and seconds as\nfloats in "
        ":meth:`to_dict` (a 9,371 µs average is ``0.009371``), not the whole seconds\nother "
        "records' durations give."
    ),
    float_seconds=True,
    fields=(
        F("collected_at", "datetime | None"),
        F("since", "datetime | None"),
        F("server_threads", "int"),
        F("agent_queue_size", "int"),
        F("agent_count", "int"),
        F("agent_threads", "int"),
        F("dbd_agent_queue_size", "int"),
        F("jobs_submitted", "int"),
        F("jobs_started", "int"),
        F("jobs_completed", "int"),
        F("jobs_canceled", "int"),
        F("jobs_failed", "int"),
        F("jobs_pending", "int"),
        F("jobs_running", "int"),
        F("main_cycles", "int"),
        F("main_cycle_last", "timedelta"),
        F("main_cycle_max", "timedelta"),
        F("main_cycle_mean", "timedelta | None"),
        F("main_cycle_mean_depth", "float | None"),
        F("main_queue_length", "int"),
        F("backfill_active", "bool"),
        F("backfilled_jobs", "int"),
        F("backfill_cycles", "int"),
        F("backfill_cycle_last", "timedelta"),
        F("backfill_cycle_max", "timedelta"),
        F("backfill_cycle_mean", "timedelta | None"),
        F("backfill_last_depth", "int"),
        F("backfill_last_depth_tried", "int"),
        F("backfill_queue_length", "int"),
        F("backfill_last_cycle_at", "datetime | None"),
        F("rpcs_by_type", "tuple[RpcStat, ...]"),
        F("rpcs_by_user", "tuple[RpcStat, ...]"),
    ),
)

QOS_USER_USAGE = Kind(
    "QosUserUsage",
    "What one user has in use under one QoS (counted against its per-user limits).",
    fields=(
        F("user_id", "int"),
        F("user_name", "str | None"),
        F("jobs", "int"),
        F("submit_jobs", "int"),
        F("tres", "FrozenMap[str, int]"),
    ),
)

QOS_LIMITS = Kind(
    "QosLimits",
    (
        "A QoS's limits next to what is in use now, from the controller's live counters.\n\nTRES "
        "limit dicts hold only the limits that are set, keyed by TRES name (``cpu``,\n``mem`` in "
        "MiB, ``gres/gpu``, ...); ``used_tres`` holds every TRES."
    ),
    fields=(
        F("name", "str"),
        F("id", "int"),
        F("priority", "int"),
        F("grp_jobs", "Limit"),
        F("grp_submit_jobs", "Limit"),
        F("grp_wall", "TimeLimit"),
        F("grp_tres", "FrozenMap[str, int]"),
        F("grp_tres_mins", "FrozenMap[str, int]"),
        F("max_jobs_per_user", "Limit"),
        F("max_submit_jobs_per_user", "Limit"),
        F("max_jobs_per_account", "Limit"),
        F("max_submit_jobs_per_account", "Limit"),
        F("max_tres_per_user", "FrozenMap[str, int]"),
        F("max_tres_per_account", "FrozenMap[str, int]"),
        F("max_tres_per_job", "FrozenMap[str, int]"),
        F("max_tres_per_node", "FrozenMap[str, int]"),
        F("max_wall_per_job", "TimeLimit"),
        F("usage_raw", "float | None"),
        F("used_jobs", "int"),
        F("used_submit_jobs", "int"),
        F("used_tres", "FrozenMap[str, int]"),
        F("per_user", "tuple[QosUserUsage, ...]"),
        F(
            "preempt",
            "tuple[str, ...]",
            "The QoS whose jobs this QoS's jobs may preempt (PreemptType=preempt/qos).",
            default="()",
        ),
    ),
)

ASSOC_LIMITS = Kind(
    "AssocLimits",
    "An association (account, or user in an account)'s limits and live usage.",
    fields=(
        F("id", "int"),
        F("account", "str"),
        F("user", "str | None"),
        F("user_id", "int | None"),
        F("partition", "str | None"),
        F("parent_account", "str | None"),
        F("shares_raw", "Limit"),
        F("grp_jobs", "Limit"),
        F("grp_submit_jobs", "Limit"),
        F("grp_wall", "TimeLimit"),
        F("grp_tres", "FrozenMap[str, int]"),
        F("grp_tres_mins", "FrozenMap[str, int]"),
        F("max_jobs", "Limit"),
        F("max_submit_jobs", "Limit"),
        F("max_tres_per_job", "FrozenMap[str, int]"),
        F("max_tres_per_node", "FrozenMap[str, int]"),
        F("max_wall_per_job", "TimeLimit"),
        F("usage_raw", "float | None"),
        F("shares_norm", "float | None"),
        F("fairshare", "float | None"),
        F("used_jobs", "int"),
        F("used_submit_jobs", "int"),
        F("used_tres", "FrozenMap[str, int]"),
    ),
)

LIMITS = Kind(
    "Limits",
    "The controller's association manager: every QoS and association, limits and usage.",
    fields=(
        F("tres_names", "tuple[str, ...]"),
        F("qos", "tuple[QosLimits, ...]"),
        F("associations", "tuple[AssocLimits, ...]"),
    ),
)

SHARE = Kind(
    "Share",
    (
        "One row of the fair-share tree (what ``sshare -a -l`` prints).\n\n``depth`` is the row's "
        "level below ``root`` (0), so the tree can be drawn in list order.\n``fairshare`` is set "
        "on user rows only: Slurm computes no factor for accounts."
    ),
    fields=(
        F("account", "str"),
        F("user", "str | None"),
        F("partition", "str | None"),
        F("parent_account", "str | None"),
        F("depth", "int"),
        F("raw_shares", "Limit"),
        F("norm_shares", "float"),
        F("raw_usage", "float"),
        F("effective_usage", "float"),
        F("fairshare", "float | None"),
        F("tres_run_minutes", "FrozenMap[str, int]"),
    ),
)

SWITCH = Kind(
    "Switch",
    "A switch of the network topology (``scontrol show topology``).",
    fields=(
        F("name", "str"),
        F("level", "int", "0 for a leaf switch, one more per level above."),
        F("link_speed", "int"),
        F(
            "nodes",
            "str | None",
            'The nodes below the switch as Slurm writes them (``"node[1-4]"``).',
        ),
        F("node_names", "tuple[str, ...]"),
        F("switches", "tuple[str, ...]", "The switches directly below (empty for a leaf)."),
    ),
)

SUBMIT_RESULT = Kind(
    "SubmitResult",
    "What the controller answered to a batch submission.",
    fields=(
        F(
            "job_id",
            "int",
            "The job's id; for an array, the id of the whole array (``scancel`` takes it).",
        ),
        F(
            "array_task_ids",
            "tuple[int, ...]",
            "The array's task ids (``job_id``\\ ``_``\\ task names one); empty for a plain job.",
        ),
        F("message", "str | None", "What a job_submit plugin told the user, if anything."),
    ),
)

WILL_RUN = Kind(
    "WillRun",
    "When and where the controller would start a job (``sbatch --test-only``).",
    fields=(
        F("start_time", "datetime | None"),
        F("nodes", "str | None", 'As Slurm writes them (``"node[1-2]"``).'),
        F("node_names", "tuple[str, ...]"),
        F("partition", "str | None"),
        F("cpus", "int | None"),
        F("preempted_job_ids", "tuple[int, ...]", "Jobs that would be preempted to start it."),
        F("message", "str | None"),
    ),
)

QUEUE_POSITION = Kind(
    "QueuePosition",
    "Where a pending job stands among the pending jobs of its partitions.",
    fields=(
        F("job_id", "int"),
        F("partitions", "tuple[str, ...]"),
        F(
            "rank",
            "int | None",
            (
                "1 for the first in line: jobs ordered by priority, then submit time, then id "
                "(None when the job is not pending)."
            ),
        ),
        F("pending", "int", "How many jobs pend in those partitions, itself included."),
    ),
)

TRES = Kind(
    "Tres",
    "A trackable resource the database knows (``sacctmgr show tres``).",
    module="db.records",
    properties=(
        Property(
            "key",
            "str",
            "How slurmlib names it in TRES dicts: ``type`` or ``type/name``.",
            'f"{self.type}/{self.name}" if self.name else self.type',
        ),
    ),
    fields=(
        F("id", "int"),
        F("type", "str", "``cpu``, ``mem``, ``gres``, ``license``, ``fs``, ..."),
        F(
            "name",
            "str | None",
            "The name within its type (``gpu`` for ``gres/gpu``); None for cpu, mem, ...",
        ),
    ),
)

CLUSTER = Kind(
    "Cluster",
    "A cluster registered in the database (``sacctmgr show cluster``).",
    module="db.records",
    fields=(
        F("name", "str"),
        F("control_host", "str | None"),
        F("control_port", "int | None"),
        F("rpc_version", "int | None"),
        F("nodes", "str | None"),
        F(
            "tres",
            "FrozenMap[str, int]",
            'What the cluster registered: ``{"cpu": 24, "mem": 12288, "node": 4, ...}``.',
        ),
    ),
)

QOS = Kind(
    "QoS",
    (
        "A quality of service with its limits (``sacctmgr show qos``).\n\nTRES limit dicts hold "
        "only the TRES that have a limit; memory in MiB, TRES-minutes in\nminutes."
    ),
    module="db.records",
    source=ListSource(
        "slurmdb_qos_rec_t",
        computed_ints=("usage_factor_bits", "usage_thres_bits"),
        computed_strings=("preempt_ids",),
    ),
    fields=(
        F("id", "int", c="id"),
        F("name", "str", c="name", rule="required_text"),
        F("description", "str | None", c="description", rule="text"),
        F("priority", "int | None", c="priority", nones=("NO_VAL", "INFINITE")),
        F(
            "flags",
            "frozenset[str]",
            "sacctmgr's names: ``DenyOnLimit``, ``NoDecay``, ``PartitionTimeLimit``, ...",
            c="flags",
            rule="qos_flags",
        ),
        F(
            "preempt",
            "tuple[str, ...]",
            "The QoS this one may preempt, by name.",
            c="preempt_ids",
            rule="qos_names",
        ),
        F(
            "preempt_mode",
            "str | None",
            "``CLUSTER`` (the cluster's mode), ``CANCEL``, ``REQUEUE``, ``SUSPEND``, ``OFF``...",
            c="preempt_mode",
            rule="preempt_mode",
        ),
        F(
            "preempt_exempt_time",
            "timedelta | None",
            c="preempt_exempt_time",
            rule="optional_seconds",
        ),
        F("grace_time", "timedelta | None", c="grace_time", rule="optional_seconds"),
        F("usage_factor", "float | None", c="usage_factor_bits", rule="double"),
        F("usage_threshold", "float | None", c="usage_thres_bits", rule="double"),
        F("grp_jobs", "Limit", c="grp_jobs", rule="count"),
        F("grp_submit_jobs", "Limit", c="grp_submit_jobs", rule="count"),
        F("grp_tres", "FrozenMap[str, int]", c="grp_tres", rule="tres"),
        F("grp_tres_mins", "FrozenMap[str, int]", c="grp_tres_mins", rule="tres"),
        F("grp_tres_run_mins", "FrozenMap[str, int]", c="grp_tres_run_mins", rule="tres"),
        F("grp_wall", "TimeLimit", c="grp_wall", rule="minutes"),
        F("max_jobs_per_user", "Limit", c="max_jobs_pu", rule="count"),
        F("max_submit_jobs_per_user", "Limit", c="max_submit_jobs_pu", rule="count"),
        F("max_jobs_per_account", "Limit", c="max_jobs_pa", rule="count"),
        F("max_submit_jobs_per_account", "Limit", c="max_submit_jobs_pa", rule="count"),
        F("max_tres_per_job", "FrozenMap[str, int]", c="max_tres_pj", rule="tres"),
        F("max_tres_per_node", "FrozenMap[str, int]", c="max_tres_pn", rule="tres"),
        F("max_tres_per_user", "FrozenMap[str, int]", c="max_tres_pu", rule="tres"),
        F("max_tres_per_account", "FrozenMap[str, int]", c="max_tres_pa", rule="tres"),
        F("max_tres_mins_per_job", "FrozenMap[str, int]", c="max_tres_mins_pj", rule="tres"),
        F("max_wall_per_job", "TimeLimit", c="max_wall_pj", rule="minutes"),
        F("min_tres_per_job", "FrozenMap[str, int]", c="min_tres_pj", rule="tres"),
    ),
)

ASSOCIATION = Kind(
    "Association",
    (
        "An association: an account, or a user in an account, on a cluster (``sacctmgr\nshow "
        "assoc``), with the limits set on it (not the ones inherited from parents)."
    ),
    module="db.records",
    source=ListSource("slurmdb_assoc_rec_t", computed_strings=("qos_ids",)),
    fields=(
        F("id", "int", c="id"),
        F("cluster", "str", c="cluster", rule="required_text"),
        F("account", "str", c="acct", rule="required_text"),
        F("user", "str | None", "None for the account's own association.", c="user", rule="text"),
        F("partition", "str | None", c="partition", rule="text"),
        F("parent_account", "str | None", c="parent_acct", rule="text"),
        F(
            "is_default",
            "bool",
            "For a user: this is the user's default account.",
            c="is_def",
            rule="is_set",
        ),
        F(
            "shares",
            "int | None",
            "Fair-share (``Share``); None when the parent's is used (``parent``).",
            c="shares_raw",
            nones=("SLURMDB_FS_USE_PARENT", "NO_VAL", "INFINITE"),
        ),
        F("priority", "int | None", c="priority", nones=("NO_VAL", "INFINITE")),
        F("qos", "tuple[str, ...]", c="qos_ids", rule="qos_names"),
        F("default_qos", "str | None", c="def_qos_id", rule="qos_name"),
        F("grp_jobs", "Limit", c="grp_jobs", rule="count"),
        F("grp_jobs_accrue", "Limit", c="grp_jobs_accrue", rule="count"),
        F("grp_submit_jobs", "Limit", c="grp_submit_jobs", rule="count"),
        F("grp_tres", "FrozenMap[str, int]", c="grp_tres", rule="tres"),
        F("grp_tres_mins", "FrozenMap[str, int]", c="grp_tres_mins", rule="tres"),
        F("grp_tres_run_mins", "FrozenMap[str, int]", c="grp_tres_run_mins", rule="tres"),
        F("grp_wall", "TimeLimit", c="grp_wall", rule="minutes"),
        F("max_jobs", "Limit", c="max_jobs", rule="count"),
        F("max_jobs_accrue", "Limit", c="max_jobs_accrue", rule="count"),
        F("max_submit_jobs", "Limit", c="max_submit_jobs", rule="count"),
        F("max_tres_per_job", "FrozenMap[str, int]", c="max_tres_pj", rule="tres"),
        F("max_tres_per_node", "FrozenMap[str, int]", c="max_tres_pn", rule="tres"),
        F("max_tres_mins_per_job", "FrozenMap[str, int]", c="max_tres_mins_pj", rule="tres"),
        F("max_tres_run_mins", "FrozenMap[str, int]", c="max_tres_run_mins", rule="tres"),
        F("max_wall_per_job", "TimeLimit", c="max_wall_pj", rule="minutes"),
    ),
)

ACCOUNT = Kind(
    "Account",
    "An account (``sacctmgr show account``).",
    module="db.records",
    source=ListSource(
        "slurmdb_account_rec_t",
        computed_ints=("associations_key", "association_count"),
        computed_strings=("coordinator_names",),
    ),
    fields=(
        F("name", "str", c="name", rule="required_text"),
        F("description", "str | None", c="description", rule="text"),
        F("organization", "str | None", c="organization", rule="text"),
        F(
            "associations",
            "tuple[Association, ...]",
            "Filled when asked for (``with_assocs=True``).",
            c="associations_key",
            rule="associations",
        ),
        F(
            "coordinators",
            "tuple[str, ...]",
            "User names, filled when asked for (``with_coords=True``).",
            c="coordinator_names",
            rule="names",
        ),
    ),
)

USER = Kind(
    "User",
    "A user known to accounting (``sacctmgr show user``).",
    module="db.records",
    source=ListSource(
        "slurmdb_user_rec_t",
        computed_ints=("associations_key", "association_count"),
        computed_strings=("coordinated_names",),
    ),
    fields=(
        F("name", "str", c="name", rule="required_text"),
        F(
            "admin_level",
            "str",
            "``None``, ``Operator`` or ``Administrator``, as sacctmgr writes it.",
            c="admin_level",
            rule="admin_level",
        ),
        F("default_account", "str | None", c="default_acct", rule="text"),
        F("default_wckey", "str | None", c="default_wckey", rule="text"),
        F(
            "associations",
            "tuple[Association, ...]",
            "Filled when asked for (``with_assocs=True``).",
            c="associations_key",
            rule="associations",
        ),
        F(
            "coordinated_accounts",
            "tuple[str, ...]",
            "Accounts the user coordinates, filled when asked for (``with_coords=True``).",
            c="coordinated_names",
            rule="names",
        ),
    ),
)

# --- accounting -------------------------------------------------------------------------

# A wait status that was never set: the sentinels, and a negative value of a signed member.
_NO_STATUS = ("NO_VAL", "INFINITE", "NO_VAL64")


def _wait_status(column: str, what: str, whose: str) -> tuple[F, F]:
    """``exit_code`` and ``exit_signal`` of a wait status (a job's or a step's)."""
    return (
        F(
            "exit_code",
            "int | None",
            (
                f"{what}, as the shell gives it: 143 when a shell dies of SIGTERM (22.05's "
                "sacct prints such a code less 128, ``15:0``)."
            ),
            c=column,
            nones=_NO_STATUS,
            shift=8,
            mask=0xFF,
        ),
        F(
            "exit_signal",
            "int | None",
            f"The signal that ended {whose}, when one did (sacct's ``0:15``).",
            c=column,
            nones=_NO_STATUS,
            mask=0x7F,
        ),
    )


# CPU time, as the generated C sums it (a job's is its steps' added up, as sacct shows it).
_CPU_TIMES = (
    F("user_cpu", "timedelta", c="user_cpu_us", rule="micros"),
    F("system_cpu", "timedelta", c="sys_cpu_us", rule="micros"),
    F("total_cpu", "timedelta", c="tot_cpu_us", rule="micros"),
)


DB_STEP = Kind(
    "DbStep",
    "One step of a job in accounting (a ``sacct`` line such as ``7.batch`` or ``7.0``).",
    module="db.records",
    source=ListSource(
        "slurmdb_step_rec_t", computed_ints=("user_cpu_us", "sys_cpu_us", "tot_cpu_us")
    ),
    fields=(
        F("job_id", "int", c="step_id.job_id"),
        F("step_id", "int", c="step_id.step_id"),
        F(
            "step",
            "str",
            "As sacct names it: ``batch``, ``extern``, ``interactive`` or the number.",
            c="step_id.step_id",
            rule="step_name",
        ),
        F("name", "str | None", c="stepname", rule="text"),
        F("state", "JobState", c="state", rule="db_state"),
        F("state_text", "str", c="state", rule="db_state_text"),
        *_wait_status("exitcode", "The exit status", "the step"),
        F("start_time", "datetime | None", c="start", rule="time"),
        F("end_time", "datetime | None", c="end", rule="time"),
        F("elapsed", "timedelta", c="elapsed", rule="seconds"),
        F("nodes", "str | None", c="nodes", rule="text"),
        F("node_count", "int", c="nnodes"),
        F("tasks", "int | None", c="ntasks", nones=("NO_VAL", 0)),
        F("tres_allocated", "FrozenMap[str, int]", c="tres_alloc_str", rule="tres"),
        *_CPU_TIMES,
        F(
            "max_rss_bytes",
            "int | None",
            "Largest resident set of any task (sacct's MaxRSS), bytes.",
            c="stats.tres_usage_in_max",
            rule="max_rss",
        ),
        F(
            "tres_usage_max",
            "FrozenMap[str, int]",
            "Largest use of each TRES by one task (mem, vmem, fs/disk in bytes).",
            c="stats.tres_usage_in_max",
            rule="tres",
        ),
        F(
            "tres_usage_total",
            "FrozenMap[str, int]",
            "Total use of each TRES over all tasks.",
            c="stats.tres_usage_in_tot",
            rule="tres",
        ),
        F(
            "gpu_utilization",
            "int | None",
            (
                "GPU utilisation in percent, averaged over the tasks (``gres/gpuutil`` of "
                "TRESUsageInAve); None where the site gathers none (AcctGatherGpu / NVML, RSMI)."
            ),
            c="stats.tres_usage_in_ave",
            rule="step_gpu_utilization",
        ),
        F(
            "gpu_memory_max_bytes",
            "int | None",
            (
                "Largest GPU memory use of one task (``gres/gpumem`` of TRESUsageInMax); None "
                "where not gathered."
            ),
            c="stats.tres_usage_in_max",
            rule="gpu_memory",
        ),
    ),
)

DB_JOB = Kind(
    "DbJob",
    "A job as accounting recorded it: what ``sacct`` shows, steps included.",
    module="db.records",
    source=ListSource(
        "slurmdb_job_rec_t",
        computed_ints=(
            "cancelled_by",
            "user_cpu_us",
            "sys_cpu_us",
            "tot_cpu_us",
            "steps_key",
            "step_count",
        ),
        extra_ints=("array_max_tasks",),
    ),
    fields=(
        F(
            "job_id",
            "int",
            "The job's own id (``JobIDRaw``); for an array task this is not the array's id.",
            c="jobid",
        ),
        F("array_job_id", "int | None", c="array_job_id", nones=(0,)),
        F("array_task_id", "int | None", c="array_task_id", nones=("NO_VAL", "INFINITE")),
        F(
            "array_tasks",
            "str | None",
            (
                "On the record of an array's tasks that have not started yet: which they are, in "
                "Slurm's range form with the at-once limit (``\"3-8%2\"``; sacct's ``JobID`` "
                "``12_[3-8%2]``)."
            ),
            c="array_task_str",
            rule="array_tasks",
        ),
        F("het_job_id", "int | None", c="het_job_id", nones=(0,)),
        F(
            "het_job_offset",
            "int | None",
            c="het_job_offset",
            nones=("NO_VAL",),
            gate="het_job_id",
            gate_min=1,
        ),
        F("name", "str | None", c="jobname", rule="text"),
        F("cluster", "str | None", c="cluster", rule="text"),
        F("user", "str | None", c="user", rule="text_or_user", fallback="uid"),
        F("user_id", "int", c="uid"),
        F("group_id", "int", c="gid"),
        F("account", "str | None", c="account", rule="text"),
        F("partition", "str | None", c="partition", rule="text"),
        F("qos", "str | None", c="qosid", rule="qos_name"),
        F("reservation", "str | None", c="resv_name", rule="text"),
        F("wckey", "str | None", c="wckey", rule="text"),
        F("state", "JobState", c="state", rule="db_state"),
        F(
            "state_text",
            "str",
            'Slurm\'s text for the state (``"CANCELLED"``, ``"COMPLETED"``, ...).',
            c="state",
            rule="db_state_text",
        ),
        F(
            "cancelled_by",
            "int | None",
            "The uid that cancelled the job, when one did.",
            c="cancelled_by",
            nones=("NO_VAL", "INFINITE"),
        ),
        *_wait_status("exitcode", "The batch script's exit status", "the job"),
        F(
            "derived_exit_code",
            "int | None",
            c="derived_ec",
            nones=_NO_STATUS,
            shift=8,
            mask=0xFF,
        ),
        F("submit_time", "datetime | None", c="submit", rule="time"),
        F("eligible_time", "datetime | None", c="eligible", rule="time"),
        F("start_time", "datetime | None", c="start", rule="time"),
        F("end_time", "datetime | None", c="end", rule="time"),
        F("elapsed", "timedelta", c="elapsed", rule="seconds"),
        F("suspended", "timedelta", c="suspended", rule="seconds"),
        F("time_limit", "TimeLimit", c="timelimit", rule="minutes"),
        F("priority", "int | None", c="priority", nones=("NO_VAL", "INFINITE")),
        F("nodes", "str | None", c="nodes", rule="text"),
        F("node_count", "int", c="alloc_nodes"),
        F("requested_cpus", "int", c="req_cpus"),
        F("tres_requested", "FrozenMap[str, int]", c="tres_req_str", rule="tres"),
        F("tres_allocated", "FrozenMap[str, int]", c="tres_alloc_str", rule="tres"),
        F(
            "gpus_requested",
            "int",
            "GPUs asked for (``gres/gpu`` of ReqTRES), however the job asked.",
            c="tres_req_str",
            rule="gpu_count",
        ),
        F(
            "gpus_allocated",
            "int",
            "GPUs allocated (``gres/gpu`` of AllocTRES).",
            c="tres_alloc_str",
            rule="gpu_count",
        ),
        F(
            "gpus_allocated_by_type",
            "FrozenMap[str, int]",
            (
                'Allocated GPUs by type (``{"gpu:a100": 1}``), from the typed ``gres/gpu:TYPE`` '
                "TRES; empty where AccountingStorageTRES does not list them."
            ),
            c="tres_alloc_str",
            rule="gpu_types",
        ),
        F(
            "gpu_utilization",
            "int | None",
            (
                "GPU utilisation in percent, its steps' (``gres/gpuutil``) weighted by their "
                "elapsed time; None where none of its steps has it (not gathered, or no steps "
                "read)."
            ),
            c="steps_key",
            rule="job_gpu_utilization",
        ),
        *_CPU_TIMES,
        F("work_dir", "str | None", c="work_dir", rule="text"),
        F("constraints", "str | None", c="constraints", rule="text"),
        F("steps", "tuple[DbStep, ...]", c="steps_key", rule="steps"),
    ),
)

EVENT = Kind(
    "Event",
    "A node or cluster event: a node down or drained, and why (``sacctmgr show event``).",
    module="db.records",
    fields=(
        F("cluster", "str"),
        F("node", "str | None", "None for a cluster event (the cluster registered its TRES, ...)."),
        F("kind", "str", "``node`` or ``cluster``."),
        F(
            "state",
            "str | None",
            "The node's state during the event, as Slurm writes it (``DOWN``, ``DRAIN``, ...).",
        ),
        F("reason", "str | None"),
        F("reason_user", "str | None"),
        F("start_time", "datetime | None"),
        F("end_time", "datetime | None", "None while the event lasts."),
        F("tres", "FrozenMap[str, int]"),
    ),
)

DB_RESERVATION = Kind(
    "DbReservation",
    "A reservation as accounting recorded it (``sacctmgr show reservation``).",
    module="db.records",
    fields=(
        F("id", "int"),
        F("name", "str"),
        F("cluster", "str"),
        F("nodes", "str | None"),
        F("start_time", "datetime | None"),
        F("end_time", "datetime | None"),
        F("tres", "FrozenMap[str, int]"),
        F("unused_wall", "timedelta", "How long the reservation's resources went unused."),
    ),
)

USAGE = Kind(
    "Usage",
    (
        "TRES-minutes used by one account, or one user in an account, over a period "
        "(what\n``sreport cluster AccountUtilizationByUser`` prints; rounded to the minute as it "
        "does)."
    ),
    module="db.records",
    fields=(
        F("cluster", "str"),
        F("account", "str"),
        F("user", "str | None", "None for the account's total (all its users and sub-accounts)."),
        F("tres_minutes", "FrozenMap[str, int]"),
    ),
)

CLUSTER_USAGE = Kind(
    "ClusterUsage",
    (
        "How one TRES of a cluster was used over a period, in TRES-minutes (what\n``sreport "
        "cluster utilization`` prints; rounded to the minute as it does)."
    ),
    module="db.records",
    fields=(
        F("cluster", "str"),
        F("tres", "str"),
        F("allocated", "int"),
        F("down", "int"),
        F("planned_down", "int"),
        F("idle", "int"),
        F(
            "planned",
            "int",
            "Reserved for jobs that were waiting for the resources (sreport's ``Planned``).",
        ),
        F("reported", "int"),
    ),
)


KINDS: tuple[Kind, ...] = (
    NODE,
    JOB,
    JOB_STEP,
    PARTITION,
    RESERVATION,
    LICENSE,
    CONFIG,
    CONTROLLER_PING,
    RPC_STAT,
    STATS,
    QOS_USER_USAGE,
    QOS_LIMITS,
    ASSOC_LIMITS,
    LIMITS,
    SHARE,
    SWITCH,
    SUBMIT_RESULT,
    WILL_RUN,
    QUEUE_POSITION,
    TRES,
    CLUSTER,
    QOS,
    ASSOCIATION,
    ACCOUNT,
    USER,
    DB_STEP,
    DB_JOB,
    EVENT,
    DB_RESERVATION,
    USAGE,
    CLUSTER_USAGE,
)
"""Every kind, in the order the reference lists them."""
