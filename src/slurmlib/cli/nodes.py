"""``slurmlib nodes``: what is free right now, and where.

    $ slurmlib nodes
    PARTITION  NODES  ALLOC  MIXED  IDLE  DRAINED  DOWN  CPUS A/I/O/T     GPUS A/I/T
    debug*         4      1      1     1        1     0  7/9/8/24         0/0/0
    ...

CPU columns follow sinfo's A/I/O/T: allocated, idle, other (on nodes that are drained,
down or not responding), total.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..records import Node, Partition
from ..states import NodeState

CATEGORIES = (
    "allocated",
    "mixed",
    "idle",
    "draining",
    "drained",
    "down",
    "reserved",
    "unknown",
    "future",
)


def category(node: Node) -> str:
    """The one word a person would use for a node's state (sinfo's long state, simplified)."""
    if "DRAIN" in node.flags:
        return "draining" if node.alloc_cpus else "drained"
    if node.state is NodeState.DOWN or "NO_RESPOND" in node.flags:
        return "down"
    if "RES" in node.flags and node.state is NodeState.IDLE:
        return "reserved"
    if node.state is NodeState.ERROR:
        return "down"
    return node.state.name.lower()


def unavailable(node: Node) -> bool:
    """Whether the node's unallocated CPUs are "other" for sinfo (not usable now)."""
    return bool({"DRAIN", "NO_RESPOND", "FAIL"} & node.flags) or node.state is NodeState.DOWN


def feature_matcher(expression: str) -> Any:
    """``a&b``, ``a|b`` (``&`` binds tighter), as Slurm's --constraint writes them."""
    if not re.fullmatch(r"[\w.\-]+([&|][\w.\-]+)*", expression):
        raise ValueError(f"not a feature expression: {expression!r} (use a&b, a|b)")
    alternatives = [set(part.split("&")) for part in expression.split("|")]
    return lambda features: any(alt <= set(features) for alt in alternatives)


@dataclass
class Summary:
    """Capacity of a set of nodes, by state."""

    nodes: int = 0
    states: Counter[str] = field(default_factory=Counter)
    cpus_allocated: int = 0
    cpus_idle: int = 0
    cpus_other: int = 0
    memory_total: int = 0
    memory_allocated: int = 0
    gpus_total: int = 0
    gpus_allocated: int = 0
    gpus_unavailable: int = 0

    def add(self, node: Node) -> None:
        self.nodes += 1
        self.states[category(node)] += 1
        free = max(node.cpus - node.alloc_cpus, 0)
        self.cpus_allocated += node.alloc_cpus
        if unavailable(node):
            self.cpus_other += free
        else:
            self.cpus_idle += free
        self.memory_total += node.real_memory
        self.memory_allocated += node.alloc_memory
        gpus = node.tres.get("gres/gpu", 0)
        used = node.alloc_tres.get("gres/gpu", 0)
        self.gpus_total += gpus
        self.gpus_allocated += used
        if unavailable(node):
            self.gpus_unavailable += gpus - used

    @property
    def cpus_total(self) -> int:
        return self.cpus_allocated + self.cpus_idle + self.cpus_other

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "states": {name: self.states.get(name, 0) for name in CATEGORIES},
            "cpus": {
                "allocated": self.cpus_allocated,
                "idle": self.cpus_idle,
                "other": self.cpus_other,
                "total": self.cpus_total,
            },
            "memory_mib": {
                "allocated": self.memory_allocated,
                "total": self.memory_total,
            },
            "gpus": {
                "allocated": self.gpus_allocated,
                "idle": self.gpus_total - self.gpus_allocated - self.gpus_unavailable,
                "other": self.gpus_unavailable,
                "total": self.gpus_total,
            },
        }


def summarize(
    nodes: Iterable[Node], partitions: Iterable[Partition], feature: str | None = None
) -> dict[str, Summary]:
    """Per partition (in the controller's order), the summary of its nodes."""
    matches = feature_matcher(feature) if feature else None
    by_name = {n.name: n for n in nodes if matches is None or matches(n.active_features)}
    result: dict[str, Summary] = {}
    for part in partitions:
        summary = Summary()
        for name in part.node_names:
            if name in by_name:
                summary.add(by_name[name])
        result[part.name] = summary
    return result


def run(args: argparse.Namespace, out: Any) -> int:
    from ..cluster import Cluster

    cluster = Cluster()
    partitions = [p for p in cluster.partitions() if not args.partition or p.name in args.partition]
    if args.partition:
        unknown = set(args.partition) - {p.name for p in partitions}
        if unknown:
            out.error(f"no such partition: {', '.join(sorted(unknown))}")
            return 2
    defaults = {p.name for p in partitions if p.default}
    summaries = summarize(cluster.nodes(), partitions, args.feature)
    if args.json:
        out.json({"partitions": {name: s.to_dict() for name, s in summaries.items()}})
        return 0
    rows = []
    for name, s in summaries.items():
        data = s.to_dict()
        cpus, gpus = data["cpus"], data["gpus"]
        rows.append(
            [
                name + ("*" if name in defaults else ""),
                str(s.nodes),
                *(str(data["states"][c]) for c in ("allocated", "mixed", "idle")),
                str(data["states"]["drained"] + data["states"]["draining"]),
                str(data["states"]["down"]),
                f"{cpus['allocated']}/{cpus['idle']}/{cpus['other']}/{cpus['total']}",
                f"{data['memory_mib']['allocated']}/{data['memory_mib']['total']}",
                f"{gpus['allocated']}/{gpus['idle']}/{gpus['total']}",
            ]
        )
    out.table(
        [
            "PARTITION",
            "NODES",
            "ALLOC",
            "MIXED",
            "IDLE",
            "DRAIN",
            "DOWN",
            "CPUS A/I/O/T",
            "MEM MiB A/T",
            "GPUS A/I/T",
        ],
        rows,
    )
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "nodes",
        help="what is free right now, per partition",
        description="Nodes, CPUs, memory and GPUs by state, per partition.",
        epilog="example: slurmlib nodes -p debug --feature 'intel&ib' --json",
    )
    parser.add_argument("-p", "--partition", action="append", help="only this partition")
    parser.add_argument("--feature", help="only nodes with these active features (a&b, a|b)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(runner=run)
