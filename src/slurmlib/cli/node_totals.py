"""The totals behind ``slurmlib nodes``: CPUs, memory and GPUs of groups of nodes.

``slurmlib nodes`` shows the same sums three ways (per partition, as a tree of partition →
active features → state, node by node), and ``slurmlib why`` matches features as it does:
what is counted, and how, lives here; what is printed, in :mod:`slurmlib.cli.nodes`. A
node's state word and whether its free CPUs count as idle or "other" come from the
library (:mod:`slurmlib.capacity`), so that the exporter counts alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..capacity import STATE_WORDS, Totals, state_word
from ..records import Job, Node, Partition, Snapshot
from ..states import JobState
from . import preemption
from .words import iso


def feature_matcher(expression: str) -> Any:
    """``a&b``, ``a|b`` (``&`` binds tighter), as Slurm's --constraint writes them."""
    if not re.fullmatch(r"[\w.\-]+([&|][\w.\-]+)*", expression):
        raise ValueError(f"not a feature expression: {expression!r} (use a&b, a|b)")
    alternatives = [set(part.split("&")) for part in expression.split("|")]
    return lambda features: any(alt <= set(features) for alt in alternatives)


class Summary(Totals):
    """Capacity of a set of nodes, by state (:class:`slurmlib.capacity.Totals`), and how
    ``nodes --json`` shows it."""

    def to_dict(self) -> dict[str, Any]:
        """The summary as ``nodes --json`` gives it: a count for every state word (0 too),
        CPUs, memory in MiB and GPUs, each as allocated, idle, other and total."""
        return {
            "nodes": self.nodes,
            "states": {name: self.states.get(name, 0) for name in STATE_WORDS},
            "cpus": {
                "allocated": self.cpus_allocated,
                "idle": self.cpus_idle,
                "other": self.cpus_other,
                "total": self.cpus,
            },
            "memory_mib": {
                "allocated": self.memory_allocated_mib,
                "total": self.memory_mib,
            },
            "gpus": {
                "allocated": self.gpus_allocated,
                "idle": self.gpus_idle,
                "other": self.gpus_other,
                "total": self.gpus,
                "by_type": {
                    key: {
                        "allocated": used,
                        "idle": total - used - other,
                        "other": other,
                        "total": total,
                    }
                    for key, (total, used, other) in sorted(self.gpu_types.items())
                },
            },
        }


def summarize(
    nodes: Snapshot[Node], partitions: Iterable[Partition], feature: str | None = None
) -> dict[str, Summary]:
    """Per partition (in the controller's order), the summary of its nodes."""
    matches = feature_matcher(feature) if feature else None
    result: dict[str, Summary] = {}
    by_name = nodes.by_key
    for part in partitions:
        summary = Summary()
        members = (by_name[name] for name in part.node_names if name in by_name)
        summary.add_nodes(
            members if matches is None else (n for n in members if matches(n.active_features))
        )
        result[part.name] = summary
    return result


@dataclass
class Share:
    """Capacity that preemptable jobs hold on one node (or a set of nodes)."""

    jobs: set[int] = field(default_factory=set)
    cpus: int = 0
    memory: int = 0
    gpus: int = 0

    def add(self, other: Share) -> None:
        """Add ``other``'s share to this one; a job on several of the nodes counts once."""
        self.jobs |= other.jobs
        self.cpus += other.cpus
        self.memory += other.memory
        self.gpus += other.gpus

    def to_dict(self) -> dict[str, Any]:
        """The share as ``nodes --json`` gives it (``preemptable``): the number of jobs, and
        their CPUs, memory in MiB and GPUs."""
        return {
            "jobs": len(self.jobs),
            "cpus": self.cpus,
            "memory_mib": self.memory,
            "gpus": self.gpus,
        }


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split over ``parts`` as evenly as integers allow (the sum stays exact)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def preemptable_by_node(jobs: Iterable[Job]) -> dict[str, Share]:
    """What preemptable jobs hold on each node. A job's allocation is spread evenly over
    its nodes (Slurm's job record has the totals, not the per-node split)."""
    shares: dict[str, Share] = {}
    for job in jobs:
        names = job.node_names
        if not names:
            continue
        tres = job.tres_allocated
        cpus = _spread(tres.get("cpu", job.num_cpus or 0), len(names))
        memory = _spread(tres.get("mem", 0), len(names))
        gpus = _spread(tres.get("gres/gpu", 0), len(names))
        for i, name in enumerate(names):
            share = shares.setdefault(name, Share())
            share.add(Share({job.job_id}, cpus[i], memory[i], gpus[i]))
    return shares


def _feature_key(node: Node) -> str:
    return ",".join(sorted(node.active_features)) or "(no features)"


def tree(
    nodes: Snapshot[Node],
    partitions: Iterable[Partition],
    shares: dict[str, Share],
    feature: str | None = None,
) -> dict[str, dict[str, dict[str, tuple[Summary, Share]]]]:
    """Partition → active feature set → state → (capacity, preemptable part of it)."""
    matches = feature_matcher(feature) if feature else None
    result: dict[str, dict[str, dict[str, tuple[Summary, Share]]]] = {}
    for part in partitions:
        branches: dict[str, dict[str, tuple[Summary, Share]]] = {}
        for name in part.node_names:
            node = nodes.get(name)
            if node is None or (matches is not None and not matches(node.active_features)):
                continue
            leaf = branches.setdefault(_feature_key(node), {}).setdefault(
                state_word(node), (Summary(), Share())
            )
            leaf[0].add(node)
            if name in shares:
                leaf[1].add(shares[name])
        result[part.name] = {
            key: dict(sorted(states.items(), key=lambda kv: STATE_WORDS.index(kv[0])))
            for key, states in sorted(branches.items())
        }
    return result


def node_detail(node: Node, jobs: list[Job], share: Share | None) -> dict[str, Any]:
    """The ``--long`` record of one node (documented keys, see the README)."""
    return {
        "name": node.name,
        "state": state_word(node),
        "state_text": node.state_text,
        "partitions": list(node.partitions),
        "features": list(node.features),
        "active_features": list(node.active_features),
        "cpus": {
            "allocated": node.alloc_cpus,
            "idle": node.idle_cpus,
            "total": node.cpus,
        },
        "cpu_load": node.cpu_load,
        "memory_mib": {
            "allocated": node.alloc_memory,
            "free": node.free_memory,
            "total": node.real_memory,
        },
        "gpus": {
            "allocated": node.gpus_allocated,
            "total": node.gpus,
            "by_type": {
                key: {"allocated": node.gres_in_use.get(key, 0), "total": total}
                for key, total in sorted(node.gres_total.items())
                if key == "gpu" or key.startswith("gpu:")
            },
        },
        "gres": node.gres,
        "reason": node.reason,
        "reason_user": node.reason_user,
        "reason_time": iso(node.reason_time),
        "jobs": sorted(j.job_id for j in jobs),
        "preemptable": (share or Share()).to_dict(),
    }


def running_jobs_and_shares(cluster: Any) -> tuple[list[Job], dict[str, Share]]:
    """Running jobs, and what the preemptable ones hold per node."""
    jobs = [j for j in cluster.jobs() if j.state is JobState.RUNNING]
    rules = preemption.load(cluster)
    return jobs, preemptable_by_node(rules.preemptable(jobs))


def preemption_shares(cluster: Any) -> dict[str, Share]:
    """What preemptable jobs hold per node (none when preemption is off)."""
    rules = preemption.load(cluster)
    if not rules.enabled:
        return {}
    return preemptable_by_node(rules.preemptable(cluster.jobs()))
