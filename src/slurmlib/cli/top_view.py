"""What ``slurmlib top`` shows: the jobs that pass its filters, in its order, and the
counts of the nodes and CPUs of its partitions.

A :class:`View` is what the live screen, a printed frame (:mod:`slurmlib.cli.top`) and the
``--json`` document (:mod:`slurmlib.cli.top_json`) are made from; it is filtered and
sorted again only when a poll brings a new snapshot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from ..capacity import state_word
from ..records import Job, Node, Snapshot
from ..states import JobState
from .words import side_by_side


def _by_state(job: Job) -> int:
    return _STATE_RANK[job.state]


def _by_priority(job: Job) -> int:
    return -(job.priority or 0)


_NEVER = datetime.max.replace(tzinfo=UTC)
# Running first, then the other states by name: what squeue shows by default.
_STATE_RANK = {
    state: rank
    for rank, state in enumerate(
        sorted(JobState, key=lambda s: (s is not JobState.RUNNING, s.name))
    )
}
SORTS: dict[str, tuple[Callable[[Job], Any], ...]] = {
    # Keys from the most significant. Each is a separate stable sort (from the last key to
    # the first, reversed or not alike), which orders as one sort by the tuple of keys
    # would, without building 50,000 tuples.
    "state": (_by_state, _by_priority),
    "priority": (_by_priority,),
    "id": (
        lambda j: j.array_job_id or j.job_id,
        lambda j: j.array_task_id or 0,
        attrgetter("job_id"),
    ),
    "user": (lambda j: j.user_name or "", attrgetter("job_id")),
    "cpus": (lambda j: -(j.num_cpus or 0),),
    "time": (lambda j: clock_start(j) or _NEVER,),
    "partition": (lambda j: j.partition or "", _by_priority),
}
# The default sort as one int key (the state's rank above the priority, a uint32): one
# key call per job and one sort instead of two, and the same order (a test checks it).
ONE_KEY: dict[str, Callable[[Job], int]] = {
    "state": lambda j: _STATE_RANK[j.state] << 32 | (0xFFFFFFFF - (j.priority or 0)),
}
_ACTIVE = frozenset(s for s in JobState if not s.finished)


def job_gpus(job: Job) -> int:
    """GPUs a job holds (its allocated TRES) or, until it runs, asks for (its requested
    TRES): counted alike whether it asked with --gres, --gpus or --gpus-per-task."""
    if job.gpus_allocated:
        return job.gpus_allocated
    return job.tres_requested.get("gres/gpu", 0) if job.state is JobState.PENDING else 0


def clock_start(job: Job) -> datetime | None:
    """When the clock of the TIME column started: start for running jobs, submit otherwise."""
    return job.start_time if job.state is JobState.RUNNING else job.submit_time


def job_label(job: Job) -> str:
    """The job id as squeue prints it: ``12``, ``4_1``, ``4_[3-8%2]``."""
    if job.array_job_id and job.array_task_id is not None:
        return f"{job.array_job_id}_{job.array_task_id}"
    if job.array_tasks:
        return f"{job.array_job_id or job.job_id}_[{job.array_tasks}]"
    return str(job.job_id)


@dataclass
class View:
    """What is shown: filters, sort, and the last snapshots with what changed."""

    users: set[str] | None = None
    states: set[JobState] | None = None
    """None: what squeue shows by default (jobs not finished, or still completing)."""
    partitions: set[str] | None = None
    accounts: set[str] | None = None
    sort: str = "state"
    reverse: bool = False
    jobs: Snapshot[Job] | None = None
    nodes: Snapshot[Node] | None = None
    polls: int = 0
    changes: int = 0
    redraws: int = 0
    _rows: list[Job] = field(default_factory=list)
    _states: Counter[str] = field(default_factory=Counter)

    def poll(self, cluster: Any) -> bool:
        """Load again; True when the controller had something new."""
        jobs, nodes = side_by_side(cluster.jobs, cluster.nodes)
        self.polls += 1
        # An unchanged incremental load gives back the very same snapshot object.
        changed = jobs is not self.jobs or nodes is not self.nodes
        self.jobs, self.nodes = jobs, nodes
        if changed:
            self.changes += 1
            self.refilter()
        return changed

    def refilter(self) -> None:
        """Filter and sort the last snapshot again into :attr:`rows` and :attr:`state_counts`
        (after a poll that changed something, or a change of the sort)."""
        jobs: list[Job] = list(self.jobs or ())
        if self.states is None:
            # What squeue shows by default: jobs not finished, or still completing.
            active = _ACTIVE
            jobs = [j for j in jobs if j.state in active or "COMPLETING" in j.flags]
        else:
            states = self.states
            jobs = [j for j in jobs if j.state in states]
        if self.users is not None:
            users = self.users
            jobs = [j for j in jobs if j.user_name in users]
        if self.accounts is not None:
            accounts = self.accounts
            jobs = [j for j in jobs if j.account in accounts]
        if self.partitions is not None:
            # A job pending in several partitions is in each of them.
            partitions = self.partitions
            jobs = [j for j in jobs if partitions & set((j.partition or "").split(","))]
        one_key = ONE_KEY.get(self.sort)
        if one_key is not None:
            jobs.sort(key=one_key, reverse=self.reverse)
        else:
            for key in reversed(SORTS[self.sort]):
                jobs.sort(key=key, reverse=self.reverse)
        self._rows = jobs
        by_state = Counter(map(attrgetter("state"), jobs))
        self._states = Counter({state.name: n for state, n in by_state.items()})

    def next_sort(self) -> None:
        """Sort by the next key of ``SORTS``, after the last the first (the ``s`` key)."""
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self.refilter()

    def flip(self) -> None:
        """Reverse the order of the rows (the ``r`` key)."""
        self.reverse = not self.reverse
        self.refilter()

    @property
    def rows(self) -> list[Job]:
        """The jobs shown, filtered and in the current order."""
        return self._rows

    @property
    def state_counts(self) -> Counter[str]:
        """How many of the shown jobs are in each state."""
        return self._states

    def node_counts(self) -> Counter[str]:
        """Nodes by state word (``idle``, ``mixed``, ``drained``...), of the partitions shown."""
        nodes = [
            n
            for n in (self.nodes or ())
            if self.partitions is None or self.partitions & set(n.partitions)
        ]
        return Counter(state_word(n) for n in nodes)

    def cpu_counts(self) -> tuple[int, int]:
        """``(allocated, total)`` CPUs of the nodes of the partitions shown."""
        nodes = [
            n
            for n in (self.nodes or ())
            if self.partitions is None or self.partitions & set(n.partitions)
        ]
        return sum(n.alloc_cpus for n in nodes), sum(n.cpus for n in nodes)

    def gpu_counts(self) -> tuple[int, int]:
        """``(allocated, total)`` GPUs of the nodes of the partitions shown."""
        nodes = [
            n
            for n in (self.nodes or ())
            if self.partitions is None or self.partitions & set(n.partitions)
        ]
        return sum(n.gpus_allocated for n in nodes), sum(n.gpus for n in nodes)
