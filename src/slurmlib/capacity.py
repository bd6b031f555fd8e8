"""What a node's state means for the capacity it offers, as ``sinfo`` counts it.

A node's state is a base state plus flags (:class:`~slurmlib.NodeState`, ``Node.flags``);
a person asks simpler questions: is it drained, down, busy? and are its free CPUs usable
now? This module answers both once, so that ``slurmlib nodes``, ``slurmlib top`` and the
exporter's ``slurm_nodes{state=...}`` series give every node the same word and count its
free CPUs, memory and GPUs alike.

:class:`Totals` adds nodes up the way ``sinfo`` does: CPUs, memory and GPUs as allocated,
idle (free on a node that can take jobs) and other (free on one that cannot).

On the seeded test cluster (``scripts/cluster up``):

    >>> from collections import Counter
    >>> from slurmlib import Cluster, capacity
    >>> nodes = Cluster().nodes()
    >>> Counter(capacity.state_word(n) for n in nodes)
    Counter({'down': 1006, 'drained': 27, 'mixed': 4, 'allocated': 1})
    >>> sum(n.cpus - n.alloc_cpus for n in nodes if capacity.is_unavailable(n))  # sinfo's O
    98504
    >>> totals = capacity.Totals()
    >>> totals.add_nodes(nodes)
    >>> totals.cpus_other
    98504
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .states import NodeState

if TYPE_CHECKING:
    from .records import Node

__all__ = ["STATE_WORDS", "Totals", "is_gpu", "is_unavailable", "state_word"]

STATE_WORDS: tuple[str, ...] = (
    "allocated",
    "mixed",
    "idle",
    "completing",
    "draining",
    "drained",
    "down",
    "reserved",
    "unknown",
    "future",
)
"""Every word :func:`state_word` gives, in the order the commands list them."""


def state_word(node: Node) -> str:
    """The one word a person would use for a node's state (sinfo's long state, simplified).

    A drain comes first (``draining`` while jobs still run, ``drained`` after), then a node
    that is down or not responding (``down``), jobs ending (``completing``), an idle node
    in a reservation (``reserved``); otherwise the base state's name in lower case.
    """
    if "DRAIN" in node.flags:
        return "draining" if node.alloc_cpus else "drained"
    if node.state is NodeState.DOWN or "NO_RESPOND" in node.flags:
        return "down"
    if "COMPLETING" in node.flags:
        return "completing"  # sinfo's "comp": jobs ending, their epilogs still running
    if "RES" in node.flags and node.state is NodeState.IDLE:
        return "reserved"
    if node.state is NodeState.ERROR:
        return "down"
    return node.state.name.lower()


def is_unavailable(node: Node) -> bool:
    """Whether the node's unallocated CPUs, memory and GPUs are out of reach now: sinfo's
    "other" (``CPUS(A/I/O/T)``) rather than idle. True for a node that is drained or
    draining, down, not responding or failing."""
    return bool({"DRAIN", "NO_RESPOND", "FAIL"} & node.flags) or node.state is NodeState.DOWN


def is_gpu(gres: str) -> bool:
    """Whether a GRES key (``"gpu"``, ``"gpu:a100"``, ``"shard"``) names GPUs."""
    return gres == "gpu" or gres.startswith("gpu:")


@dataclass
class Totals:
    """CPUs, memory (MiB) and GPUs of a set of nodes, and their states, as sinfo counts
    them: what is allocated, what is free on nodes that can take jobs (idle), and what is
    free on nodes that cannot (``other``: drained, draining, down, not responding)."""

    nodes: int = 0
    states: Counter[str] = field(default_factory=Counter)
    """Nodes by :func:`state_word`."""
    cpus: int = 0
    cpus_allocated: int = 0
    cpus_other: int = 0
    memory_mib: int = 0
    memory_allocated_mib: int = 0
    memory_other_mib: int = 0
    gpus: int = 0
    gpus_allocated: int = 0
    gpus_other: int = 0
    gpu_types: dict[str, list[int]] = field(default_factory=dict)
    """By GPU GRES key (``"gpu:a100"``; ``"gpu"`` for untyped ones, from the nodes'
    configured and in-use GRES, sinfo's Gres and GresUsed): [total, allocated, other]."""

    def add(self, node: Node, count: int = 1) -> None:
        """Count ``node`` in (``count`` times: as many nodes alike in what is counted)."""
        unavailable = is_unavailable(node)
        self.nodes += count
        self.states[state_word(node)] += count
        self.cpus += node.cpus * count
        self.cpus_allocated += node.alloc_cpus * count
        self.memory_mib += node.real_memory * count
        self.memory_allocated_mib += node.alloc_memory * count
        gpus, gpus_used = node.gpus, node.gpus_allocated
        self.gpus += gpus * count
        self.gpus_allocated += gpus_used * count
        if unavailable:
            self.cpus_other += max(node.cpus - node.alloc_cpus, 0) * count
            self.memory_other_mib += max(node.real_memory - node.alloc_memory, 0) * count
            self.gpus_other += max(gpus - gpus_used, 0) * count
        for key, total in node.gres_total.items():
            if not is_gpu(key):
                continue
            used = node.gres_in_use.get(key, 0)
            counts = self.gpu_types.setdefault(key, [0, 0, 0])
            counts[0] += total * count
            counts[1] += used * count
            if unavailable:
                counts[2] += max(total - used, 0) * count

    def add_nodes(self, nodes: Iterable[Node]) -> None:
        """Count ``nodes`` in, as :meth:`add` of each would: nodes alike in all that is
        counted are counted together (a site's thousands of identical nodes cost a few
        additions, not one each)."""
        alike: dict[tuple[Any, ...], list[Any]] = {}
        for node in nodes:
            state, flags, *numbers, gres_total, gres_in_use = _counted(node)
            # The enum and the maps by identity: a snapshot's nodes share one map per
            # distinct GRES string, and the first node of a kind keeps its maps alive, so
            # an id stands for that very map while the kind is counted.
            key = (id(state), flags, *numbers, id(gres_total), id(gres_in_use))
            entry = alike.get(key)
            if entry is None:
                alike[key] = [node, 1]
            else:
                entry[1] += 1
        for node, count in alike.values():
            self.add(node, count)

    def merge(self, other: Totals) -> None:
        """Add ``other``'s counts to these (a group of groups adds up its members)."""
        self.nodes += other.nodes
        self.states.update(other.states)
        for name in _SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, counts in other.gpu_types.items():
            mine = self.gpu_types.setdefault(key, [0, 0, 0])
            for i, value in enumerate(counts):
                mine[i] += value

    @property
    def cpus_idle(self) -> int:
        """CPUs free for new jobs: neither allocated nor on an unavailable node."""
        return max(self.cpus - self.cpus_allocated - self.cpus_other, 0)

    @property
    def memory_idle_mib(self) -> int:
        """Memory free for new jobs, MiB: neither allocated nor on an unavailable node."""
        return max(self.memory_mib - self.memory_allocated_mib - self.memory_other_mib, 0)

    @property
    def gpus_idle(self) -> int:
        """GPUs free for new jobs: neither allocated nor on an unavailable node."""
        return max(self.gpus - self.gpus_allocated - self.gpus_other, 0)


# Every field of a node that Totals.add reads (state_word and is_unavailable included).
_counted = operator.attrgetter(
    "state",
    "flags",
    "cpus",
    "alloc_cpus",
    "real_memory",
    "alloc_memory",
    "gpus",
    "gpus_allocated",
    "gres_total",
    "gres_in_use",
)

_SUMMED = (
    "cpus",
    "cpus_allocated",
    "cpus_other",
    "memory_mib",
    "memory_allocated_mib",
    "memory_other_mib",
    "gpus",
    "gpus_allocated",
    "gpus_other",
)
