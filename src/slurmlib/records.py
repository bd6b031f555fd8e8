"""What the controller reports, as owned, immutable, typed records.

Every record is a frozen, slotted record of Python values only: it stays valid
after the C message it was copied from is freed, pickles, hashes, and ``to_dict()`` gives
JSON-ready data (datetimes as ISO 8601 text, durations in seconds, enums by name,
``UNLIMITED`` as the string ``"UNLIMITED"``, sets as sorted lists, tuples as lists).
Nothing inside a record can change either: sequences are tuples, sets frozensets and
mappings :class:`FrozenMap`.

Units: memory in MiB, durations as ``timedelta``, times as aware UTC ``datetime``.
``None`` means Slurm did not set the value; :data:`~slurmlib.convert.UNLIMITED` that the
limit does not limit.

The classes are generated from their descriptions (``_build/descriptions.py``, which is
also the field reference of the docs): they behave as frozen dataclasses do
(``dataclasses.fields()``, ``replace()`` and ``asdict()`` work on them) without the cost
of making dataclasses at import.
"""

from __future__ import annotations

from ._frozen import FrozenMap
from ._record_base import JobRef, Snapshot

# Used in the records' annotations and by code that handles any record.
from ._record_base import Limit as Limit
from ._record_base import Record as Record
from ._record_base import TimeLimit as TimeLimit
from ._record_base import jsonable as jsonable
from ._record_classes import (
    AssocLimits,
    Config,
    ControllerPing,
    Job,
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
    Stats,
    SubmitResult,
    Switch,
    WillRun,
)

__all__ = [
    "AssocLimits",
    "Config",
    "ControllerPing",
    "FrozenMap",
    "Job",
    "JobRef",
    "JobStep",
    "License",
    "Limits",
    "Node",
    "Partition",
    "QosLimits",
    "QosUserUsage",
    "QueuePosition",
    "Reservation",
    "RpcStat",
    "Share",
    "Snapshot",
    "Stats",
    "SubmitResult",
    "Switch",
    "WillRun",
]
