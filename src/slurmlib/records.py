"""What the controller reports, as owned, immutable, typed records.

Every record is a frozen, slotted dataclass holding Python values only: it stays valid
after the C message it was copied from is freed, pickles, hashes, and ``to_dict()`` gives
JSON-ready data (datetimes as ISO 8601 text, durations in seconds, enums by name,
``UNLIMITED`` as the string ``"UNLIMITED"``, sets as sorted lists, tuples as lists).
Nothing inside a record can change either: sequences are tuples, sets frozensets and
mappings :class:`FrozenMap`.

Units: memory in MiB, durations as ``timedelta``, times as aware UTC ``datetime``.
``None`` means Slurm did not set the value; :data:`~slurmlib.convert.UNLIMITED` that the
limit does not limit.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import operator
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from ._frozen import FrozenMap
from .convert import Unlimited
from .states import JobState, NodeState

if TYPE_CHECKING:
    import pandas
    import pyarrow

__all__ = [
    "AssocLimits",
    "Config",
    "ControllerPing",
    "FrozenMap",
    "Job",
    "JobRef",
    "JobStep",
    "License",
    "Limits",
    "Node",
    "Partition",
    "QosLimits",
    "QosUserUsage",
    "QueuePosition",
    "Reservation",
    "RpcStat",
    "Share",
    "Snapshot",
    "Stats",
    "SubmitResult",
    "Switch",
    "WillRun",
]

Limit = int | Unlimited | None
TimeLimit = timedelta | Unlimited | None
JobRef = int | str
"""A job: its id, or Slurm's text for it (``"12"``, ``"12_3"`` for an array task)."""


def jsonable(value: Any) -> Any:
    """A value of a record as JSON-ready data."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, Unlimited):
        return "UNLIMITED"
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def _json_text(value: Any) -> str:
    """What the C writer puts for a value it does not know itself (a nested record...)."""
    return json.dumps(jsonable(value), separators=(",", ":"))


def _float_jsonable(value: Any) -> Any:
    """:func:`jsonable`, with durations finer than a second as float seconds."""
    return value.total_seconds() if isinstance(value, timedelta) else jsonable(value)


# What the C writer (``_assemble.to_dicts``/``to_json``) needs to know of the types it
# meets inside records; set on first use (the extension is optional for this module).
_dump: Any = None
_layouts: dict[type, Any] = {}


def _dumper() -> Any:
    global _dump
    if _dump is None:
        try:
            from . import _assemble
        except ImportError:
            _dump = False
        else:
            _dump = _assemble
            _assemble.set_types(Record, enum.Enum, Unlimited, FrozenMap, jsonable, _json_text)
    return _dump


def _layout(cls: type[Record]) -> Any:
    """The field names of ``cls`` with their slot offsets, found once per class."""
    layout = _layouts.get(cls)
    if layout is None:
        names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        dump = _dumper()
        layout = dump.layout(cls, names, bool(cls._float_seconds)) if dump else names
        _layouts[cls] = layout
    return layout


class Record:
    """Behaviour shared by every record."""

    __slots__ = ()

    _float_seconds: ClassVar[bool] = False
    """Whether ``to_dict()`` gives durations as float seconds rather than whole ones."""

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data, one key per field."""
        return _to_dicts((self,))[0]


R = TypeVar("R", bound=Record)


def _to_dicts(records: Sequence[Record]) -> list[dict[str, Any]]:
    """``to_dict()`` of each record, in C when the extension is there."""
    if not records:
        return []
    cls = type(records[0])
    layout = _layout(cls)
    if isinstance(layout, tuple):
        convert = _float_jsonable if cls._float_seconds else jsonable
        return [{name: convert(getattr(r, name)) for name in _layout(type(r))} for r in records]
    result: list[dict[str, Any]] = _dump.to_dicts(records, layout)
    return result


def _to_json(records: Sequence[Record]) -> bytes:
    """The JSON array of ``to_dict()`` of each record, as UTF-8."""
    if not records:
        return b"[]"
    layout = _layout(type(records[0]))
    if isinstance(layout, tuple):
        return json.dumps(_to_dicts(records), separators=(",", ":")).encode()
    text: bytes = _dump.to_json(records, layout)
    return text


class Snapshot(Sequence[R], Generic[R]):
    """All records of one kind as the controller had them at ``last_update``.

    A snapshot is a read-only sequence of records in the controller's order:
    ``len(s)``, ``s[0]``, ``s[-1]``, ``s[2:5]`` (a snapshot too), iteration, and
    ``record in s``. Records are found by their key in O(1): ``s.get(key)`` (``None``
    when absent), ``s.by_key[key]`` (``KeyError`` when absent) and ``key in s.by_key``;
    the key is the field ``s.key`` names: a node's, partition's, reservation's or
    license's ``name``, a job's ``job_id``. Indexing or ``in`` with a key itself raises
    ``TypeError`` rather than answer about positions (a job id is an int too).

    Whole-snapshot outputs: :meth:`to_dicts` (each record's ``to_dict()``),
    :meth:`to_json` (those as one JSON array, bytes), :meth:`to_arrow` and
    :meth:`to_pandas` (one column per field; ``pip install 'slurmlib[arrow]'``).

    An unchanged incremental load returns the very same snapshot object.
    """

    __slots__ = ("_index", "_records", "key", "last_update")

    _records: tuple[R, ...]
    last_update: datetime | None
    key: str
    _index: Mapping[Any, R] | None

    def __init__(
        self, records: Sequence[R], last_update: datetime | None, key: str = "name"
    ) -> None:
        object.__setattr__(self, "_records", tuple(records))
        object.__setattr__(self, "last_update", last_update)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "_index", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._records, self.last_update, self.key))

    @property
    def records(self) -> tuple[R, ...]:
        """The records, as a tuple."""
        return self._records

    @property
    def by_key(self) -> Mapping[Any, R]:
        """The records by key (read-only, in the snapshot's order), made on first use; the
        first record wins where two share a key."""
        index = self._index
        if index is None:
            records = self._records
            by_key = dict(zip(map(operator.attrgetter(self.key), records), records, strict=True))
            if len(by_key) < len(records):
                # A key seen twice: the later record replaced the first in the dict.
                by_key = {}
                for record in records:
                    by_key.setdefault(getattr(record, self.key), record)
            index = MappingProxyType(by_key)
            object.__setattr__(self, "_index", index)
        return index

    def get(self, key: Any, default: R | None = None) -> R | None:
        """The record whose key is ``key``, else ``default``."""
        return self.by_key.get(key, default)

    def __iter__(self) -> Iterator[R]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __reversed__(self) -> Iterator[R]:
        return reversed(self._records)

    @overload
    def __getitem__(self, position: int) -> R: ...
    @overload
    def __getitem__(self, position: slice) -> Snapshot[R]: ...
    def __getitem__(self, position: int | slice) -> R | Snapshot[R]:
        if isinstance(position, slice):
            return Snapshot(self._records[position], self.last_update, self.key)
        if not isinstance(position, int):
            raise TypeError(
                f"a snapshot is indexed by position; look {position!r} up with "
                f"snapshot.get(key) or snapshot.by_key[key]"
            )
        return self._records[position]

    def __contains__(self, record: object) -> bool:
        if not isinstance(record, Record):
            raise TypeError(
                f"'in snapshot' takes a record; for a key use 'key in snapshot.by_key', "
                f"not {record!r}"
            )
        found = self.by_key.get(getattr(record, self.key, None))
        return found is not None and (found is record or found == record)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return (self._records, self.last_update, self.key) == (
            other._records,
            other.last_update,
            other.key,
        )

    def __hash__(self) -> int:
        return hash((self._records, self.last_update, self.key))

    def __repr__(self) -> str:
        kind = type(self._records[0]).__name__ if self._records else "record"
        return f"<Snapshot of {len(self)} {kind}s at {self.last_update}>"

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        return self._records.index(value, start, len(self) if stop is None else stop)

    def count(self, value: Any) -> int:
        return self._records.count(value)

    def to_dicts(self) -> list[dict[str, Any]]:
        """``[r.to_dict() for r in snapshot]``, made in one pass in C."""
        return _to_dicts(self._records)

    def to_json(self) -> bytes:
        """The JSON array of :meth:`to_dicts`, as UTF-8, written in one pass in C."""
        return _to_json(self._records)

    def to_dict(self) -> dict[str, Any]:
        """``last_update`` and the records, as JSON-ready data."""
        return {"last_update": jsonable(self.last_update), "records": self.to_dicts()}

    def to_arrow(self) -> pyarrow.Table:
        """The records as an Arrow table, one column per field (``slurmlib[arrow]``).

        Strings and enums are dictionary arrays, times UTC timestamps (seconds), durations
        durations (seconds), TRES and other mappings maps, tuples and sets lists; a field
        that may be ``UNLIMITED`` keeps its type, with the unlimited value written as the
        largest one (the field's metadata ``slurmlib.unlimited`` says which).
        """
        from ._arrow import table

        return table(self._records, type(self._records[0]) if self._records else None)

    def to_pandas(self) -> pandas.DataFrame:
        """:meth:`to_arrow` as a pandas DataFrame (``slurmlib[arrow]`` and pandas)."""
        from ._arrow import data_frame

        return data_frame(self.to_arrow())


@dataclasses.dataclass(frozen=True, slots=True)
class Node(Record):
    """A compute node, as ``scontrol show node`` describes it."""

    name: str
    hostname: str | None
    address: str | None
    state: NodeState
    """Base state; MIXED when some but not all CPUs are allocated (as sinfo reports it)."""
    flags: frozenset[str]
    """State flags: ``DRAIN``, ``NO_RESPOND``, ``COMPLETING``, ``MAINT``, ``RES``, ..."""
    state_text: str
    """Slurm's own text for the state, e.g. ``"IDLE+DRAIN"``."""
    partitions: tuple[str, ...]
    features: tuple[str, ...]
    active_features: tuple[str, ...]
    gres: str | None
    """Configured GRES as Slurm writes them (``"gpu:a100:4(S:0-1)"``)."""
    gres_used: str | None
    """GRES in use as Slurm writes them (``"gpu:a100:2(IDX:0-1)"``)."""
    gres_total: FrozenMap[str, int]
    """Configured GRES by name and type: ``{"gpu:a100": 4}`` (``sinfo -O Gres``)."""
    gres_in_use: FrozenMap[str, int]
    """GRES allocated to jobs by name and type: ``{"gpu:a100": 2}`` (``sinfo -O GresUsed``)."""
    gpus: int
    """GPUs configured (``gres/gpu`` of the node's TRES)."""
    gpus_allocated: int
    """GPUs allocated to jobs (``gres/gpu`` of the node's allocated TRES)."""
    cpus: int
    alloc_cpus: int
    sockets: int
    cores_per_socket: int
    threads_per_core: int
    real_memory: int
    """Configured memory, MiB."""
    alloc_memory: int
    """Memory allocated to jobs, MiB."""
    free_memory: int | None
    """Free memory the node reported, MiB."""
    cpu_load: float | None
    """Load average (1 minute), as the node reported it."""
    tmp_disk: int
    weight: int
    tres: FrozenMap[str, int]
    alloc_tres: FrozenMap[str, int]
    reason: str | None
    reason_time: datetime | None
    reason_user: str | None
    boot_time: datetime | None
    slurmd_start_time: datetime | None
    last_busy: datetime | None
    version: str | None
    os: str | None
    arch: str | None
    comment: str | None

    @property
    def drained(self) -> bool:
        """Drained or draining: takes no new jobs."""
        return "DRAIN" in self.flags

    @property
    def responding(self) -> bool:
        return "NO_RESPOND" not in self.flags

    @property
    def idle_cpus(self) -> int:
        return max(self.cpus - self.alloc_cpus, 0)


@dataclasses.dataclass(frozen=True, slots=True)
class Job(Record):
    """A job in the controller's queue, as ``squeue``/``scontrol show job`` describe it."""

    job_id: int
    array_job_id: int | None
    array_task_id: int | None
    array_tasks: str | None
    """For a pending array's meta record, the tasks still pending (``"2-10%2"``)."""
    het_job_id: int | None
    het_job_offset: int | None
    name: str | None
    user_id: int
    user_name: str | None
    group_id: int
    account: str | None
    partition: str | None
    qos: str | None
    reservation: str | None
    state: JobState
    flags: frozenset[str]
    state_text: str
    state_reason: str
    """Slurm's text for why the job is in its state (``"Resources"``, ``"Priority"``...)."""
    state_reason_code: int
    state_description: str | None
    priority: int | None
    nice: int
    submit_time: datetime | None
    eligible_time: datetime | None
    start_time: datetime | None
    end_time: datetime | None
    time_limit: TimeLimit
    nodes: str | None
    """Allocated nodes as Slurm writes them (``"node[1-2]"``)."""
    node_names: tuple[str, ...]
    """The same, expanded."""
    num_nodes: int | None
    num_cpus: int | None
    num_tasks: int | None
    cpus_per_task: int | None
    memory_per_node: int | None
    """MiB per node, when the job asked per node."""
    memory_per_cpu: int | None
    """MiB per CPU, when the job asked per CPU."""
    tres_requested: FrozenMap[str, int]
    tres_allocated: FrozenMap[str, int]
    tres_per_node: str | None
    gpus_per_job: FrozenMap[str, int]
    """GPUs asked for the whole job (``--gpus``), by GRES name: ``{"gpu": 2}``,
    ``{"gpu:a100": 1}``."""
    gpus_per_node: FrozenMap[str, int]
    """GPUs asked for per node (``--gres=gpu...``, ``--gpus-per-node``)."""
    gpus_per_task: FrozenMap[str, int]
    """GPUs asked for per task (``--gpus-per-task``)."""
    gpus_per_socket: FrozenMap[str, int]
    """GPUs asked for per socket (``--gpus-per-socket``)."""
    gpus_allocated: int
    """GPUs allocated (``gres/gpu`` of the allocated TRES): 0 while pending, whichever
    way the job asked."""
    gpus_allocated_by_type: FrozenMap[str, int]
    """Allocated GPUs by type, ``{"gpu:a100": 1}``; empty where ``AccountingStorageTRES``
    does not list the typed ``gres/gpu:TYPE``."""
    licenses: str | None
    features: str | None
    dependency: str | None
    command: str | None
    work_dir: str | None
    std_out: str | None
    std_err: str | None
    comment: str | None
    batch_host: str | None
    batch: bool
    exit_code: int | None
    """The exit status of the batch script (None while running)."""
    exit_signal: int | None
    restart_count: int
    requeue: bool


@dataclasses.dataclass(frozen=True, slots=True)
class JobStep(Record):
    """A step of a running job (what ``squeue -s`` lists)."""

    job_id: int
    step_id: int
    step: str
    """The step as Slurm names it: ``"batch"``, ``"extern"``, ``"interactive"`` or the number."""
    name: str | None
    state: JobState
    partition: str | None
    nodes: str | None
    node_names: tuple[str, ...]
    num_cpus: int | None
    num_tasks: int | None
    start_time: datetime | None
    time_limit: TimeLimit
    tres_allocated: FrozenMap[str, int]
    user_id: int
    user_name: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class Partition(Record):
    name: str
    state: str
    """``UP``, ``DOWN``, ``DRAIN`` or ``INACTIVE``."""
    nodes: str | None
    node_names: tuple[str, ...]
    total_nodes: int
    total_cpus: int
    default: bool
    hidden: bool
    max_time: TimeLimit
    default_time: TimeLimit
    max_nodes: Limit
    min_nodes: int | None
    max_cpus_per_node: Limit
    priority_tier: int
    priority_job_factor: int
    allow_accounts: tuple[str, ...]
    allow_groups: tuple[str, ...]
    allow_qos: tuple[str, ...]
    deny_accounts: tuple[str, ...]
    deny_qos: tuple[str, ...]
    qos: str | None
    tres: FrozenMap[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Reservation(Record):
    name: str
    start_time: datetime | None
    end_time: datetime | None
    nodes: str | None
    node_names: tuple[str, ...]
    node_count: int | None
    core_count: int | None
    users: tuple[str, ...]
    accounts: tuple[str, ...]
    partition: str | None
    features: str | None
    licenses: str | None
    flags: frozenset[str]
    tres: FrozenMap[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class License(Record):
    name: str
    total: int
    in_use: int
    available: int
    reserved: int | None
    remote: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Config(Record):
    """The controller's configuration (``scontrol show config``).

    The fields most tools need are typed attributes; ``values`` holds every scalar field of
    Slurm's ``slurm_conf_t`` of this release under its C name.
    """

    cluster_name: str
    version: str
    controllers: tuple[str, ...]
    slurmctld_port: int
    select_type: str | None
    scheduler_type: str | None
    priority_type: str | None
    accounting_storage_type: str | None
    accounting_storage_enforce: int
    message_timeout: int
    max_job_count: int | None
    min_job_age: int | None
    values: FrozenMap[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class ControllerPing(Record):
    """One slurmctld (primary or backup) and whether it answered."""

    index: int
    hostname: str
    primary: bool
    up: bool
    latency: timedelta | None


@dataclasses.dataclass(frozen=True, slots=True)
class RpcStat(Record):
    """How often one RPC type, or one user, called the controller, and how long it took."""

    id: int
    """The RPC's message type number, or the user's uid."""
    name: str | None
    """The message type's name as ``sdiag`` prints it (``REQUEST_NODE_INFO``; ``RPC_<id>``
    for a type slurmlib has no name for), or the user's login name (None for a uid without
    one)."""
    count: int
    total_time: timedelta
    average_time: timedelta

    # to_dict() gives the times in seconds as floats (they are microseconds).
    _float_seconds: ClassVar[bool] = True


@dataclasses.dataclass(frozen=True, slots=True)
class Stats(Record):
    """The controller's scheduling statistics: what ``sdiag`` shows.

    Slurm measures these times in microseconds: they are ``timedelta`` here, and seconds as
    floats in :meth:`to_dict` (a 9,371 µs average is ``0.009371``), not the whole seconds
    other records' durations give.
    """

    collected_at: datetime | None
    since: datetime | None
    server_threads: int
    agent_queue_size: int
    agent_count: int
    agent_threads: int
    dbd_agent_queue_size: int
    jobs_submitted: int
    jobs_started: int
    jobs_completed: int
    jobs_canceled: int
    jobs_failed: int
    jobs_pending: int
    jobs_running: int
    main_cycles: int
    main_cycle_last: timedelta
    main_cycle_max: timedelta
    main_cycle_mean: timedelta | None
    main_cycle_mean_depth: float | None
    main_queue_length: int
    backfill_active: bool
    backfilled_jobs: int
    backfill_cycles: int
    backfill_cycle_last: timedelta
    backfill_cycle_max: timedelta
    backfill_cycle_mean: timedelta | None
    backfill_last_depth: int
    backfill_last_depth_tried: int
    backfill_queue_length: int
    backfill_last_cycle_at: datetime | None
    rpcs_by_type: tuple[RpcStat, ...]
    rpcs_by_user: tuple[RpcStat, ...]

    _float_seconds: ClassVar[bool] = True


@dataclasses.dataclass(frozen=True, slots=True)
class QosUserUsage(Record):
    """What one user has in use under one QoS (counted against its per-user limits)."""

    user_id: int
    user_name: str | None
    jobs: int
    submit_jobs: int
    tres: FrozenMap[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class QosLimits(Record):
    """A QoS's limits next to what is in use now, from the controller's live counters.

    TRES limit dicts hold only the limits that are set, keyed by TRES name (``cpu``,
    ``mem`` in MiB, ``gres/gpu``, ...); ``used_tres`` holds every TRES.
    """

    name: str
    id: int
    priority: int
    grp_jobs: Limit
    grp_submit_jobs: Limit
    grp_wall: TimeLimit
    grp_tres: FrozenMap[str, int]
    grp_tres_mins: FrozenMap[str, int]
    max_jobs_per_user: Limit
    max_submit_jobs_per_user: Limit
    max_jobs_per_account: Limit
    max_submit_jobs_per_account: Limit
    max_tres_per_user: FrozenMap[str, int]
    max_tres_per_account: FrozenMap[str, int]
    max_tres_per_job: FrozenMap[str, int]
    max_tres_per_node: FrozenMap[str, int]
    max_wall_per_job: TimeLimit
    usage_raw: float | None
    used_jobs: int
    used_submit_jobs: int
    used_tres: FrozenMap[str, int]
    per_user: tuple[QosUserUsage, ...]
    preempt: tuple[str, ...] = ()
    """The QoS whose jobs this QoS's jobs may preempt (PreemptType=preempt/qos)."""


@dataclasses.dataclass(frozen=True, slots=True)
class AssocLimits(Record):
    """An association (account, or user in an account)'s limits and live usage."""

    id: int
    account: str
    user: str | None
    user_id: int | None
    partition: str | None
    parent_account: str | None
    shares_raw: Limit
    grp_jobs: Limit
    grp_submit_jobs: Limit
    grp_wall: TimeLimit
    grp_tres: FrozenMap[str, int]
    grp_tres_mins: FrozenMap[str, int]
    max_jobs: Limit
    max_submit_jobs: Limit
    max_tres_per_job: FrozenMap[str, int]
    max_tres_per_node: FrozenMap[str, int]
    max_wall_per_job: TimeLimit
    usage_raw: float | None
    shares_norm: float | None
    fairshare: float | None
    used_jobs: int
    used_submit_jobs: int
    used_tres: FrozenMap[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Limits(Record):
    """The controller's association manager: every QoS and association, limits and usage."""

    tres_names: tuple[str, ...]
    qos: tuple[QosLimits, ...]
    associations: tuple[AssocLimits, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Share(Record):
    """One row of the fair-share tree (what ``sshare -a -l`` prints).

    ``depth`` is the row's level below ``root`` (0), so the tree can be drawn in list order.
    ``fairshare`` is set on user rows only: Slurm computes no factor for accounts.
    """

    account: str
    user: str | None
    partition: str | None
    parent_account: str | None
    depth: int
    raw_shares: Limit
    norm_shares: float
    raw_usage: float
    effective_usage: float
    fairshare: float | None
    tres_run_minutes: FrozenMap[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Switch(Record):
    """A switch of the network topology (``scontrol show topology``)."""

    name: str
    level: int
    """0 for a leaf switch, one more per level above."""
    link_speed: int
    nodes: str | None
    """The nodes below the switch as Slurm writes them (``"node[1-4]"``)."""
    node_names: tuple[str, ...]
    switches: tuple[str, ...]
    """The switches directly below (empty for a leaf)."""


@dataclasses.dataclass(frozen=True, slots=True)
class SubmitResult(Record):
    """What the controller answered to a batch submission."""

    job_id: int
    """The job's id; for an array, the id of the whole array (``scancel`` takes it)."""
    array_task_ids: tuple[int, ...]
    """The array's task ids (``job_id``\\ ``_``\\ task names one); empty for a plain job."""
    message: str | None
    """What a job_submit plugin told the user, if anything."""


@dataclasses.dataclass(frozen=True, slots=True)
class WillRun(Record):
    """When and where the controller would start a job (``sbatch --test-only``)."""

    start_time: datetime | None
    nodes: str | None
    """As Slurm writes them (``"node[1-2]"``)."""
    node_names: tuple[str, ...]
    partition: str | None
    cpus: int | None
    preempted_job_ids: tuple[int, ...]
    """Jobs that would be preempted to start it."""
    message: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class QueuePosition(Record):
    """Where a pending job stands among the pending jobs of its partitions."""

    job_id: int
    partitions: tuple[str, ...]
    rank: int | None
    """1 for the first in line: jobs ordered by priority, then submit time, then id (None
    when the job is not pending)."""
    pending: int
    """How many jobs pend in those partitions, itself included."""
