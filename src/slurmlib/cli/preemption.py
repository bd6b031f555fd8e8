"""Which running jobs another job may preempt: the capacity that is in use but could be had.

Slurm decides by its ``PreemptType``:

- ``preempt/qos``: a job is preemptable when its QoS is in the ``Preempt`` list of some
  other QoS (``sacctmgr show qos format=Name,Preempt``); the lists come from the
  controller's association manager (``Cluster.limits()``); a cluster without accounting
  storage has none, and nothing is preemptable there.
- ``preempt/partition_prio``: a job is preemptable when it runs in a partition whose
  ``PriorityTier`` is lower than that of another partition sharing one of its nodes.
- ``preempt/none``, or ``PreemptMode=OFF``: nothing is preemptable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import Unsupported
from ..native import lib
from ..records import Job, Partition, Snapshot
from ..states import JobState

_NO_PARTITIONS: Snapshot[Partition] = Snapshot((), None)


@dataclass(frozen=True)
class Preemption:
    """The cluster's preemption rules, as far as they decide which jobs are preemptable."""

    type: str | None
    by_qos: dict[str, tuple[str, ...]]
    """Preemptable QoS → the QoS that may preempt it (preempt/qos)."""
    partitions: Snapshot[Partition] = _NO_PARTITIONS

    @property
    def enabled(self) -> bool:
        """Whether any job can be preempted: some QoS is preemptable, or PreemptType is
        ``preempt/partition_prio``."""
        return bool(self.by_qos) or (self.type or "").endswith("partition_prio")

    def preemptors(self, job: Job) -> tuple[str, ...]:
        """Who may preempt ``job``: ``"qos high"``, ``"partition urgent"``; empty if nobody."""
        if (self.type or "").endswith("/qos"):
            return tuple(f"qos {q}" for q in self.by_qos.get(job.qos or "", ()))
        if (self.type or "").endswith("partition_prio") and job.partition:
            mine = self.partitions.get(job.partition)
            if mine is None:
                return ()
            nodes = set(job.node_names)
            return tuple(
                f"partition {p.name}"
                for p in self.partitions
                if p.priority_tier > mine.priority_tier and nodes & set(p.node_names)
            )
        return ()

    def preemptable(self, jobs: Iterable[Job]) -> list[Job]:
        """The running jobs that some other job may preempt."""
        if not self.enabled:
            return []
        return [j for j in jobs if j.state is JobState.RUNNING and self.preemptors(j)]


def load(cluster: object) -> Preemption:
    """The preemption rules of ``cluster`` (a :class:`slurmlib.Cluster`)."""
    from ..cluster import Cluster

    assert isinstance(cluster, Cluster)
    values = cluster.config().values
    kind = values.get("preempt_type")
    mode = values.get("preempt_mode")
    if not kind or kind.endswith("/none") or mode == int(lib.PREEMPT_MODE_OFF):
        return Preemption(kind, {})
    by_qos: dict[str, list[str]] = {}
    if kind.endswith("/qos"):
        try:
            qos_list = cluster.limits().qos
        except Unsupported:
            # No accounting storage, so no QoS to preempt by: nothing is preemptable.
            qos_list = ()
        for qos in qos_list:
            for victim in qos.preempt:
                by_qos.setdefault(victim, []).append(qos.name)
    partitions = cluster.partitions() if kind.endswith("partition_prio") else _NO_PARTITIONS
    return Preemption(kind, {k: tuple(v) for k, v in by_qos.items()}, partitions)
