"""Node and job states: a base state (an enum) plus flags (a set of names).

Base values are the same in every release slurmlib builds on (``NODE_STATE_BASE`` 0xf,
``JOB_STATE_BASE`` 0xff): the enums take them from :mod:`slurmlib._constants`, whose every
value the build checks against the headers it compiles, so that this module, and the
records that hold its enums, import without the compiled bindings. Flag bits are not
stable (Slurm reuses them), so every flag's bit is read from the compiled headers, on first
use of :data:`NODE_FLAGS`, :data:`JOB_FLAGS`, :data:`RESERVATION_FLAGS` or their functions
(:mod:`slurmlib._state_flags`), and a flag this Slurm release lacks is simply never reported.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Final

from ._constants import VALUES as C

if TYPE_CHECKING:
    from ._state_flags import JOB_FLAGS as JOB_FLAGS
    from ._state_flags import NODE_FLAGS as NODE_FLAGS
    from ._state_flags import RESERVATION_FLAGS as RESERVATION_FLAGS
    from ._state_flags import job_flags as job_flags
    from ._state_flags import node_flags as node_flags
    from ._state_flags import reservation_flags as reservation_flags


class NamedIntEnum(enum.IntEnum):
    """An ``IntEnum`` whose ``str()`` and ``format()`` give its name, as people print it.

    From Python 3.11 a plain ``IntEnum`` prints as its number (``str(NodeState.DOWN)`` would
    be ``"1"``). Numeric format specs (``"d"``, ``"x"``, ...) still format the number.
    """

    def __str__(self) -> str:
        return self.name

    def __format__(self, spec: str) -> str:
        try:
            return format(self.name, spec)
        except ValueError:  # a numeric spec, which a str cannot take
            return int.__format__(self, spec)


class NodeState(NamedIntEnum):
    """A node's base state."""

    UNKNOWN = C["NODE_STATE_UNKNOWN"]
    """Slurm has not heard from the node yet."""
    DOWN = C["NODE_STATE_DOWN"]
    """Unavailable for use."""
    IDLE = C["NODE_STATE_IDLE"]
    """Up, with nothing allocated."""
    ALLOCATED = C["NODE_STATE_ALLOCATED"]
    """Every CPU allocated."""
    ERROR = C["NODE_STATE_ERROR"]
    """Error state (kept for old releases)."""
    MIXED = C["NODE_STATE_MIXED"]
    """Some CPUs allocated, some idle."""
    FUTURE = C["NODE_STATE_FUTURE"]
    """Defined for future use: not yet part of the cluster."""


class JobState(NamedIntEnum):
    """A job's base state."""

    PENDING = C["JOB_PENDING"]
    """Queued, waiting to start."""
    RUNNING = C["JOB_RUNNING"]
    """Allocated resources and running."""
    SUSPENDED = C["JOB_SUSPENDED"]
    """Allocated resources, execution suspended."""
    COMPLETED = C["JOB_COMPLETE"]
    """Finished with exit code 0."""
    CANCELLED = C["JOB_CANCELLED"]
    """Cancelled by a user or an admin."""
    FAILED = C["JOB_FAILED"]
    """Finished with a non-zero exit code or failed to launch."""
    TIMEOUT = C["JOB_TIMEOUT"]
    """Reached its time limit."""
    NODE_FAIL = C["JOB_NODE_FAIL"]
    """Ended because a node failed."""
    PREEMPTED = C["JOB_PREEMPTED"]
    """Ended by preemption."""
    BOOT_FAIL = C["JOB_BOOT_FAIL"]
    """A node failed to boot."""
    DEADLINE = C["JOB_DEADLINE"]
    """Reached its deadline."""
    OUT_OF_MEMORY = C["JOB_OOM"]
    """Ran out of memory."""

    @property
    def finished(self) -> bool:
        """True for every state after the job ended."""
        return self not in (JobState.PENDING, JobState.RUNNING, JobState.SUSPENDED)


NODE_STATE_BASE: Final[int] = C["NODE_STATE_BASE"]
"""The bits of a node's ``node_state`` that hold its base state; the others are flags."""
JOB_STATE_BASE: Final[int] = C["JOB_STATE_BASE"]
"""The bits of a job's ``job_state`` that hold its base state; the others are flags."""

# The flags slurmlib knows, by the suffix of their constant (NODE_STATE_DRAIN, JOB_REQUEUE):
# which of them a release has, and their bits, come from the compiled module.
NODE_FLAG_NAMES: Final = (
    "NET",
    "RES",
    "UNDRAIN",
    "CLOUD",
    "RESUME",
    "DRAIN",
    "COMPLETING",
    "NO_RESPOND",
    "POWERED_DOWN",
    "FAIL",
    "POWERING_UP",
    "MAINT",
    "REBOOT_REQUESTED",
    "REBOOT_CANCEL",
    "POWERING_DOWN",
    "DYNAMIC_FUTURE",
    "REBOOT_ISSUED",
    "PLANNED",
    "INVALID_REG",
    "POWER_DOWN",
    "POWER_UP",
    "POWER_DRAIN",
    "DYNAMIC_NORM",
    "BLOCKED",
    "EXTERNAL",
)
JOB_FLAG_NAMES: Final = (
    "LAUNCH_FAILED",
    "UPDATE_DB",
    "REQUEUE",
    "REQUEUE_HOLD",
    "SPECIAL_EXIT",
    "RESIZING",
    "CONFIGURING",
    "COMPLETING",
    "STOPPED",
    "RECONFIG_FAIL",
    "POWER_UP_NODE",
    "REVOKED",
    "REQUEUE_FED",
    "RESV_DEL_HOLD",
    "SIGNALING",
    "STAGE_OUT",
    "EXPEDITING",
    "GETENV_FAILED",
)


# Reservation flags by the names ``scontrol show reservation`` prints → the suffix of their
# RESERVE_FLAG_ constant. The NO_ constants (but NO_HOLD_JOBS, a flag of its own) only undo a
# flag in an update, and DUR_PLUS, DUR_MINUS and SKIP are update operations: no flag a
# reservation has.
RESERVATION_FLAG_SUFFIXES: Final = {
    "ALL_NODES": "ALL_NODES",
    "ANY_NODES": "ANY_NODES",
    "DAILY": "DAILY",
    "FIRST_CORES": "FIRST_CORES",
    "FLEX": "FLEX",
    "FORCE_START": "FORCE_START",
    "HOURLY": "HOURLY",
    "IGNORE_JOBS": "IGN_JOBS",
    "MAGNETIC": "MAGNETIC",
    "MAINT": "MAINT",
    "NO_HOLD_JOBS_AFTER_END": "NO_HOLD_JOBS",
    "OVERLAP": "OVERLAP",
    "PART_NODES": "PART_NODES",
    "PURGE_COMP": "PURGE_COMP",
    "REPLACE": "REPLACE",
    "REPLACE_DOWN": "REPLACE_DOWN",
    "SPEC_NODES": "SPEC_NODES",
    "STATIC": "STATIC",
    "TIME_FLOAT": "TIME_FLOAT",
    "USER_DELETE": "USER_DEL",
    "WEEKDAY": "WEEKDAY",
    "WEEKEND": "WEEKEND",
    "WEEKLY": "WEEKLY",
}

RESERVATION_FLAG_ALIASES: Final = {
    "STATIC_ALLOC": "STATIC",
    "NO_HOLD_JOBS_AFTER": "NO_HOLD_JOBS_AFTER_END",
}
"""Names ``scontrol create reservation`` takes for flags it prints by another name."""


_NATIVE = frozenset(
    ("JOB_FLAGS", "NODE_FLAGS", "RESERVATION_FLAGS", "job_flags", "node_flags", "reservation_flags")
)


def __getattr__(name: str) -> Any:
    """The flag tables and their functions, from :mod:`slurmlib._state_flags` on first use:
    their bits need the compiled module, the rest of this module does not."""
    if name not in _NATIVE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import _state_flags

    value = getattr(_state_flags, name)
    globals()[name] = value  # found directly from now on
    return value
