"""What slurmdbd reports, as owned, immutable, typed records.

Like the controller's records (:mod:`slurmlib.records`): frozen, slotted records of
Python values only, with ``to_dict()``. TRES are keyed by name (``cpu``, ``mem``,
``node``, ``billing``, ``gres/gpu``, ``license/matlab``, ...), never by database id.

Units: memory limits and allocations in MiB (as Slurm stores them); memory *usage*
measured by job accounting (``max_rss_bytes``, ``tres_usage_*``) in bytes; durations as
``timedelta``; times as aware UTC ``datetime``. ``None`` means not set;
:data:`~slurmlib.convert.UNLIMITED` that a limit does not limit.
"""

from __future__ import annotations

from ._record_classes import (
    Account,
    Association,
    Cluster,
    ClusterUsage,
    DbJob,
    DbReservation,
    DbStep,
    Event,
    QoS,
    Tres,
    Usage,
    User,
)

__all__ = [
    "Account",
    "Association",
    "Cluster",
    "ClusterUsage",
    "DbJob",
    "DbReservation",
    "DbStep",
    "Event",
    "QoS",
    "Tres",
    "Usage",
    "User",
]
