"""What slurmdbd reports, as owned, immutable, typed records.

Like the controller's records (:mod:`slurmlib.records`): frozen, slotted dataclasses of
Python values only, with ``to_dict()``. TRES are keyed by name (``cpu``, ``mem``,
``node``, ``billing``, ``gres/gpu``, ``license/matlab``, ...), never by database id.

Units: memory limits and allocations in MiB (as Slurm stores them); memory *usage*
measured by job accounting (``max_rss_bytes``, ``tres_usage_*``) in bytes; durations as
``timedelta``; times as aware UTC ``datetime``. ``None`` means not set;
:data:`~slurmlib.convert.UNLIMITED` that a limit does not limit.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from .._frozen import FrozenMap
from ..records import Limit, Record, TimeLimit
from ..states import JobState

__all__ = [
    "Account",
    "Association",
    "Cluster",
    "ClusterUsage",
    "DbJob",
    "DbReservation",
    "DbStep",
    "Event",
    "QoS",
    "Tres",
    "Usage",
    "User",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Tres(Record):
    """A trackable resource the database knows (``sacctmgr show tres``)."""

    id: int
    type: str
    """``cpu``, ``mem``, ``gres``, ``license``, ``fs``, ..."""
    name: str | None
    """The name within its type (``gpu`` for ``gres/gpu``); None for cpu, mem, ..."""

    @property
    def key(self) -> str:
        """How slurmlib names it in TRES dicts: ``type`` or ``type/name``."""
        return f"{self.type}/{self.name}" if self.name else self.type


@dataclasses.dataclass(frozen=True, slots=True)
class Cluster(Record):
    """A cluster registered in the database (``sacctmgr show cluster``)."""

    name: str
    control_host: str | None
    control_port: int | None
    rpc_version: int | None
    nodes: str | None
    tres: FrozenMap[str, int]
    """What the cluster registered: ``{"cpu": 24, "mem": 12288, "node": 4, ...}``."""


@dataclasses.dataclass(frozen=True, slots=True)
class QoS(Record):
    """A quality of service with its limits (``sacctmgr show qos``).

    TRES limit dicts hold only the TRES that have a limit; memory in MiB, TRES-minutes in
    minutes.
    """

    id: int
    name: str
    description: str | None
    priority: int | None
    flags: frozenset[str]
    """sacctmgr's names: ``DenyOnLimit``, ``NoDecay``, ``PartitionTimeLimit``, ..."""
    preempt: tuple[str, ...]
    """The QoS this one may preempt, by name."""
    preempt_mode: str | None
    """``CLUSTER`` (the cluster's mode), ``CANCEL``, ``REQUEUE``, ``SUSPEND``, ``OFF``..."""
    preempt_exempt_time: timedelta | None
    grace_time: timedelta | None
    usage_factor: float | None
    usage_threshold: float | None
    grp_jobs: Limit
    grp_submit_jobs: Limit
    grp_tres: FrozenMap[str, int]
    grp_tres_mins: FrozenMap[str, int]
    grp_tres_run_mins: FrozenMap[str, int]
    grp_wall: TimeLimit
    max_jobs_per_user: Limit
    max_submit_jobs_per_user: Limit
    max_jobs_per_account: Limit
    max_submit_jobs_per_account: Limit
    max_tres_per_job: FrozenMap[str, int]
    max_tres_per_node: FrozenMap[str, int]
    max_tres_per_user: FrozenMap[str, int]
    max_tres_per_account: FrozenMap[str, int]
    max_tres_mins_per_job: FrozenMap[str, int]
    max_wall_per_job: TimeLimit
    min_tres_per_job: FrozenMap[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Association(Record):
    """An association: an account, or a user in an account, on a cluster (``sacctmgr
    show assoc``), with the limits set on it (not the ones inherited from parents)."""

    id: int
    cluster: str
    account: str
    user: str | None
    """None for the account's own association."""
    partition: str | None
    parent_account: str | None
    is_default: bool
    """For a user: this is the user's default account."""
    shares: int | None
    """Fair-share (``Share``); None when the parent's is used (``parent``)."""
    priority: int | None
    qos: tuple[str, ...]
    default_qos: str | None
    grp_jobs: Limit
    grp_jobs_accrue: Limit
    grp_submit_jobs: Limit
    grp_tres: FrozenMap[str, int]
    grp_tres_mins: FrozenMap[str, int]
    grp_tres_run_mins: FrozenMap[str, int]
    grp_wall: TimeLimit
    max_jobs: Limit
    max_jobs_accrue: Limit
    max_submit_jobs: Limit
    max_tres_per_job: FrozenMap[str, int]
    max_tres_per_node: FrozenMap[str, int]
    max_tres_mins_per_job: FrozenMap[str, int]
    max_tres_run_mins: FrozenMap[str, int]
    max_wall_per_job: TimeLimit


@dataclasses.dataclass(frozen=True, slots=True)
class Account(Record):
    """An account (``sacctmgr show account``)."""

    name: str
    description: str | None
    organization: str | None
    associations: tuple[Association, ...]
    """Filled when asked for (``with_assocs=True``)."""
    coordinators: tuple[str, ...]
    """User names, filled when asked for (``with_coords=True``)."""


@dataclasses.dataclass(frozen=True, slots=True)
class User(Record):
    """A user known to accounting (``sacctmgr show user``)."""

    name: str
    admin_level: str
    """``None``, ``Operator`` or ``Administrator``, as sacctmgr writes it."""
    default_account: str | None
    default_wckey: str | None
    associations: tuple[Association, ...]
    """Filled when asked for (``with_assocs=True``)."""
    coordinated_accounts: tuple[str, ...]
    """Accounts the user coordinates, filled when asked for (``with_coords=True``)."""


@dataclasses.dataclass(frozen=True, slots=True)
class DbStep(Record):
    """One step of a job in accounting (a ``sacct`` line such as ``7.batch`` or ``7.0``)."""

    job_id: int
    step_id: int
    step: str
    """As sacct names it: ``batch``, ``extern``, ``interactive`` or the number."""
    name: str | None
    state: JobState
    state_text: str
    exit_code: int | None
    """The exit status, as the shell gives it: 143 when a shell dies of SIGTERM (22.05's
    sacct prints such a code less 128, ``15:0``)."""
    exit_signal: int | None
    """The signal that ended the step, when one did (sacct's ``0:15``)."""
    start_time: datetime | None
    end_time: datetime | None
    elapsed: timedelta
    nodes: str | None
    node_count: int
    tasks: int | None
    tres_allocated: FrozenMap[str, int]
    user_cpu: timedelta
    system_cpu: timedelta
    total_cpu: timedelta
    max_rss_bytes: int | None
    """Largest resident set of any task (sacct's MaxRSS), bytes."""
    tres_usage_max: FrozenMap[str, int]
    """Largest use of each TRES by one task (mem, vmem, fs/disk in bytes)."""
    tres_usage_total: FrozenMap[str, int]
    """Total use of each TRES over all tasks."""
    gpu_utilization: int | None
    """GPU utilisation in percent, averaged over the tasks (``gres/gpuutil`` of
    TRESUsageInAve); None where the site gathers none (AcctGatherGpu / NVML, RSMI)."""
    gpu_memory_max_bytes: int | None
    """Largest GPU memory use of one task (``gres/gpumem`` of TRESUsageInMax); None where
    not gathered."""


@dataclasses.dataclass(frozen=True, slots=True)
class DbJob(Record):
    """A job as accounting recorded it: what ``sacct`` shows, steps included."""

    job_id: int
    """The job's own id (``JobIDRaw``); for an array task this is not the array's id."""
    array_job_id: int | None
    array_task_id: int | None
    array_tasks: str | None
    """On the record of an array's tasks that have not started yet: which they are, in
    Slurm's range form with the at-once limit (``"3-8%2"``; sacct's ``JobID`` ``12_[3-8%2]``)."""
    het_job_id: int | None
    het_job_offset: int | None
    name: str | None
    cluster: str | None
    user: str | None
    user_id: int
    group_id: int
    account: str | None
    partition: str | None
    qos: str | None
    reservation: str | None
    wckey: str | None
    state: JobState
    state_text: str
    """Slurm's text for the state (``"CANCELLED"``, ``"COMPLETED"``, ...)."""
    cancelled_by: int | None
    """The uid that cancelled the job, when one did."""
    exit_code: int | None
    """The batch script's exit status, as the shell gives it: 143 when a shell dies of
    SIGTERM (22.05's sacct prints such a code less 128, ``15:0``)."""
    exit_signal: int | None
    """The signal that ended the job, when one did (sacct's ``0:15``)."""
    derived_exit_code: int | None
    submit_time: datetime | None
    eligible_time: datetime | None
    start_time: datetime | None
    end_time: datetime | None
    elapsed: timedelta
    suspended: timedelta
    time_limit: TimeLimit
    priority: int | None
    nodes: str | None
    node_count: int
    requested_cpus: int
    tres_requested: FrozenMap[str, int]
    tres_allocated: FrozenMap[str, int]
    gpus_requested: int
    """GPUs asked for (``gres/gpu`` of ReqTRES), however the job asked."""
    gpus_allocated: int
    """GPUs allocated (``gres/gpu`` of AllocTRES)."""
    gpus_allocated_by_type: FrozenMap[str, int]
    """Allocated GPUs by type (``{"gpu:a100": 1}``), from the typed ``gres/gpu:TYPE`` TRES;
    empty where AccountingStorageTRES does not list them."""
    gpu_utilization: int | None
    """GPU utilisation in percent, its steps' (``gres/gpuutil``) weighted by their
    elapsed time; None where none of its steps has it (not gathered, or no steps read)."""
    user_cpu: timedelta
    system_cpu: timedelta
    total_cpu: timedelta
    work_dir: str | None
    constraints: str | None
    steps: tuple[DbStep, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Event(Record):
    """A node or cluster event: a node down or drained, and why (``sacctmgr show event``)."""

    cluster: str
    node: str | None
    """None for a cluster event (the cluster registered its TRES, ...)."""
    kind: str
    """``node`` or ``cluster``."""
    state: str | None
    """The node's state during the event, as Slurm writes it (``DOWN``, ``DRAIN``, ...)."""
    reason: str | None
    reason_user: str | None
    start_time: datetime | None
    end_time: datetime | None
    """None while the event lasts."""
    tres: FrozenMap[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class DbReservation(Record):
    """A reservation as accounting recorded it (``sacctmgr show reservation``)."""

    id: int
    name: str
    cluster: str
    nodes: str | None
    start_time: datetime | None
    end_time: datetime | None
    tres: FrozenMap[str, int]
    unused_wall: timedelta
    """How long the reservation's resources went unused."""


@dataclasses.dataclass(frozen=True, slots=True)
class Usage(Record):
    """TRES-minutes used by one account, or one user in an account, over a period (what
    ``sreport cluster AccountUtilizationByUser`` prints; rounded to the minute as it does)."""

    cluster: str
    account: str
    user: str | None
    """None for the account's total (all its users and sub-accounts)."""
    tres_minutes: FrozenMap[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class ClusterUsage(Record):
    """How one TRES of a cluster was used over a period, in TRES-minutes (what
    ``sreport cluster utilization`` prints; rounded to the minute as it does)."""

    cluster: str
    tres: str
    allocated: int
    down: int
    planned_down: int
    idle: int
    planned: int
    """Reserved for jobs that were waiting for the resources (sreport's ``Planned``)."""
    reported: int
