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
    "Cluster",
    "Config",
    "ControllerPing",
    "Job",
    "JobSpec",
    "JobState",
    "JobStep",
    "License",
    "Node",
    "NodeState",
    "Partition",
    "Reservation",
    "SlurmError",
    "Snapshot",
    "SubmitResult",
    "WillRun",
    "__version__",
]

_LAZY = {
    "Cluster": "slurmlib.cluster",
    "UNLIMITED": "slurmlib.convert",
    "Config": "slurmlib.records",
    "ControllerPing": "slurmlib.records",
    "Job": "slurmlib.records",
    "JobStep": "slurmlib.records",
    "License": "slurmlib.records",
    "Node": "slurmlib.records",
    "Partition": "slurmlib.records",
    "Reservation": "slurmlib.records",
    "Snapshot": "slurmlib.records",
    "SubmitResult": "slurmlib.records",
    "WillRun": "slurmlib.records",
    "JobSpec": "slurmlib.jobspec",
    "JobState": "slurmlib.states",
    "NodeState": "slurmlib.states",
    "SlurmError": "slurmlib.errors",
}

if TYPE_CHECKING:
    from .cluster import Cluster
    from .convert import UNLIMITED
    from .errors import SlurmError
    from .jobspec import JobSpec
    from .records import (
        Config,
        ControllerPing,
        Job,
        License,
        Node,
        Partition,
        Reservation,
        Snapshot,
        SubmitResult,
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
