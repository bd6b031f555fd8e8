"""The controller client: everything slurmctld knows, as owned typed records.

    >>> cluster = slurmlib.Cluster()          # SLURM_CONF, or Cluster(config="...")
    >>> idle = [n.name for n in cluster.nodes() if n.state is NodeState.IDLE]
    >>> cluster.job(42).state_reason
    'Resources'

Every load copies the controller's message into records and frees the message before it
returns. Loads are incremental: the client remembers the ``last_update`` of the previous
message of each kind and passes it as ``update_time``; when the controller answers that
nothing changed, the same snapshot object comes back and nothing is converted again.

Another cluster registered in the same slurmdbd is addressed by name, as Slurm's commands
do with ``-M``: ``Cluster(cluster="other")``. Every call of that client, read or write,
goes to that cluster's controller (see :mod:`slurmlib._working` for how, and which calls
run side by side).

This module makes the client and addresses its calls; its methods live by topic, each
group a base class of :class:`Cluster` whose methods are the implementation:

- :mod:`slurmlib._reads_snapshots`: nodes, jobs, partitions, reservations, licenses (the
  incremental loads), a node, a job, its steps, its queue position, ``forget``;
- :mod:`slurmlib._reads_controller`: config, stats, limits, shares, topology, ping;
- :mod:`slurmlib._control_jobs`: submit, will_run, cancel, signal, hold, release,
  requeue, suspend, resume, update_job;
- :mod:`slurmlib._control_nodes`: drain, resume_nodes, down, update_node;
- :mod:`slurmlib._control_reservations` and :mod:`slurmlib._control_partitions`: create,
  update and delete them (what the writes share: :mod:`slurmlib._control`).
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

from . import _working, native
from ._control_jobs import JobControl
from ._control_nodes import NodeControl
from ._control_partitions import PartitionControl
from ._control_reservations import ReservationControl
from ._reads_controller import ControllerReads
from ._reads_snapshots import SnapshotReads
from ._working import ClusterController

__all__ = ["Cluster", "ClusterController"]


class Cluster(
    SnapshotReads,
    ControllerReads,
    JobControl,
    NodeControl,
    ReservationControl,
    PartitionControl,
):
    """A client of one cluster's slurmctld.

    ``config`` is the path of its ``slurm.conf`` (default: ``SLURM_CONF``, then the usual
    places). libslurm holds one configuration per process: every Cluster of a process uses
    the first one initialised.

    ``cluster`` names another cluster registered in the same slurmdbd (what ``squeue -M``
    takes): its controller is found through slurmdbd, and every call of this client goes
    there. Default: the cluster of the configuration. An unknown name raises
    :class:`~slurmlib.errors.InvalidCluster` (a ``LookupError``) listing the known ones;
    a known cluster whose controller is not registered now,
    :class:`~slurmlib.errors.ControllerUnreachable`. Calls to different clusters take
    turns; calls to one cluster run side by side as they always do.
    """

    def __init__(
        self, config: str | os.PathLike[str] | None = None, *, cluster: str | None = None
    ) -> None:
        self.config_path: Path = native.init(config)
        self._target = _working.LOCAL if cluster is None else _working.target(cluster)
        self.cluster_name: str = self._target.name or _working.local_name()
        """The name of the cluster this client addresses."""
        self._start_snapshots()

    @staticmethod
    def known_clusters() -> tuple[ClusterController, ...]:
        """The clusters slurmdbd knows a registered controller of, by name (what
        ``Cluster(cluster=...)`` and ``-M`` can address), this one included."""
        native.init()
        return _working.known()


# Every public call of a client goes to its cluster (see slurmlib._working): the methods,
# its own and those of its bases, are wrapped as the class is made, so that no call can be
# left out.
_NOT_ADDRESSED = frozenset({"forget", "known_clusters"})
for _name, _member in inspect.getmembers(Cluster, inspect.isfunction):
    if not _name.startswith("_") and _name not in _NOT_ADDRESSED:
        _addressed = _working.addressed(_member)
        _addressed.__qualname__ = f"Cluster.{_name}"
        setattr(Cluster, _name, _addressed)
del _name, _member, _addressed
