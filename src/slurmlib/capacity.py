"""What a node's state means for the capacity it offers, as ``sinfo`` counts it.

A node's state is a base state plus flags (:class:`~slurmlib.NodeState`, ``Node.flags``);
a person asks simpler questions: is it drained, down, busy? and are its free CPUs usable
now? This module answers both once, so that ``slurmlib nodes``, ``slurmlib top`` and the
exporter's ``slurm_nodes{state=...}`` series give every node the same word and count its
free CPUs, memory and GPUs alike.

On the seeded test cluster (``scripts/cluster up``):

    >>> from collections import Counter
    >>> from slurmlib import Cluster, capacity
    >>> nodes = Cluster().nodes()
    >>> Counter(capacity.state_word(n) for n in nodes)
    Counter({'down': 1006, 'drained': 27, 'mixed': 4, 'allocated': 1})
    >>> sum(n.cpus - n.alloc_cpus for n in nodes if capacity.is_unavailable(n))  # sinfo's O
    98504
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .states import NodeState

if TYPE_CHECKING:
    from .records import Node

__all__ = ["STATE_WORDS", "is_unavailable", "state_word"]

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
