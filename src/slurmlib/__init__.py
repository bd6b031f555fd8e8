"""slurmlib: safe, fast, typed access to Slurm through its own C API.

    >>> import slurmlib
    >>> cluster = slurmlib.Cluster()
    >>> [n.name for n in cluster.nodes() if n.drained]

The names below are imported on first use, so ``import slurmlib`` stays cheap and never
touches libslurm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The package's one version number: pyproject.toml reads it from here (setuptools' attr,
# statically), and `slurmlib version` prints it.
__version__ = "0.1.0"

__all__ = [
    "UNLIMITED",
    "AssocLimits",
    "Cluster",
    "ClusterController",
    "Config",
    "ControllerPing",
    "FrozenMap",
    "Job",
    "JobRef",
    "JobSpec",
    "JobState",
    "JobStep",
    "License",
    "Limits",
    "Node",
    "NodeState",
    "Partition",
    "QosLimits",
    "QosUserUsage",
    "QueuePosition",
    "Reservation",
    "RpcStat",
    "Share",
    "SlurmError",
    "Snapshot",
    "Stats",
    "SubmitResult",
    "Switch",
    "Unlimited",
    "WillRun",
    "__version__",
]

_LAZY = {
    "AssocLimits": "slurmlib.records",
    "Cluster": "slurmlib.cluster",
    "ClusterController": "slurmlib._working",
    "Config": "slurmlib.records",
    "ControllerPing": "slurmlib.records",
    "FrozenMap": "slurmlib.records",
    "Job": "slurmlib.records",
    "JobRef": "slurmlib.records",
    "JobSpec": "slurmlib.jobspec",
    "JobState": "slurmlib.states",
    "JobStep": "slurmlib.records",
    "License": "slurmlib.records",
    "Limits": "slurmlib.records",
    "Node": "slurmlib.records",
    "NodeState": "slurmlib.states",
    "Partition": "slurmlib.records",
    "QosLimits": "slurmlib.records",
    "QosUserUsage": "slurmlib.records",
    "QueuePosition": "slurmlib.records",
    "Reservation": "slurmlib.records",
    "RpcStat": "slurmlib.records",
    "Share": "slurmlib.records",
    "SlurmError": "slurmlib.errors",
    "Snapshot": "slurmlib.records",
    "Stats": "slurmlib.records",
    "SubmitResult": "slurmlib.records",
    "Switch": "slurmlib.records",
    "UNLIMITED": "slurmlib.convert",
    "Unlimited": "slurmlib.convert",
    "WillRun": "slurmlib.records",
}

if TYPE_CHECKING:
    from ._working import ClusterController
    from .cluster import Cluster
    from .convert import UNLIMITED, Unlimited
    from .errors import SlurmError
    from .jobspec import JobSpec
    from .records import (
        AssocLimits,
        Config,
        ControllerPing,
        FrozenMap,
        Job,
        JobRef,
        JobStep,
        License,
        Limits,
        Node,
        Partition,
        QosLimits,
        QosUserUsage,
        QueuePosition,
        Reservation,
        RpcStat,
        Share,
        Snapshot,
        Stats,
        SubmitResult,
        Switch,
        WillRun,
    )
    from .states import JobState, NodeState


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'slurmlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
