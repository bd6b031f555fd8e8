"""Node and job states: a base state (an enum) plus flags (a set of names).

Base values are stable across releases (``NODE_STATE_BASE`` 0xf, ``JOB_STATE_BASE``
0xff); flag bits are not — Slurm reuses them — so every flag value is read from the
compiled headers, and a flag this Slurm release lacks is simply never reported.
"""

from __future__ import annotations

import enum
from typing import Final

from .native import capabilities, lib


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

    UNKNOWN = lib.NODE_STATE_UNKNOWN
    """Slurm has not heard from the node yet."""
    DOWN = lib.NODE_STATE_DOWN
    """Unavailable for use."""
    IDLE = lib.NODE_STATE_IDLE
    """Up, with nothing allocated."""
    ALLOCATED = lib.NODE_STATE_ALLOCATED
    """Every CPU allocated."""
    ERROR = lib.NODE_STATE_ERROR
    """Error state (kept for old releases)."""
    MIXED = lib.NODE_STATE_MIXED
    """Some CPUs allocated, some idle."""
    FUTURE = lib.NODE_STATE_FUTURE
    """Defined for future use: not yet part of the cluster."""


class JobState(NamedIntEnum):
    """A job's base state."""

    PENDING = lib.JOB_PENDING
    """Queued, waiting to start."""
    RUNNING = lib.JOB_RUNNING
    """Allocated resources and running."""
    SUSPENDED = lib.JOB_SUSPENDED
    """Allocated resources, execution suspended."""
    COMPLETED = lib.JOB_COMPLETE
    """Finished with exit code 0."""
    CANCELLED = lib.JOB_CANCELLED
    """Cancelled by a user or an admin."""
    FAILED = lib.JOB_FAILED
    """Finished with a non-zero exit code or failed to launch."""
    TIMEOUT = lib.JOB_TIMEOUT
    """Reached its time limit."""
    NODE_FAIL = lib.JOB_NODE_FAIL
    """Ended because a node failed."""
    PREEMPTED = lib.JOB_PREEMPTED
    """Ended by preemption."""
    BOOT_FAIL = lib.JOB_BOOT_FAIL
    """A node failed to boot."""
    DEADLINE = lib.JOB_DEADLINE
    """Reached its deadline."""
    OUT_OF_MEMORY = lib.JOB_OOM
    """Ran out of memory."""

    @property
    def finished(self) -> bool:
        """True for every state after the job ended."""
        return self not in (JobState.PENDING, JobState.RUNNING, JobState.SUSPENDED)


def _flags(prefix: str, names: tuple[str, ...]) -> dict[str, int]:
    """Flag name → bit, for the names this Slurm release defines."""
    return {
        name: int(getattr(lib, prefix + name))
        for name in names
        if capabilities.has_constant(prefix + name)
    }


NODE_STATE_BASE: Final[int] = lib.NODE_STATE_BASE
JOB_STATE_BASE: Final[int] = lib.JOB_STATE_BASE

NODE_FLAGS: Final = _flags(
    "NODE_STATE_",
    (
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
    ),
)
"""Node flag names (``DRAIN``, ``NO_RESPOND``, ``COMPLETING``, ...) and their bits here."""

JOB_FLAGS: Final = _flags(
    "JOB_",
    (
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
    ),
)
"""Job state flag names (``COMPLETING``, ``CONFIGURING``, ``REQUEUE``, ...) and their bits."""


# Reservation flags by the names ``scontrol show reservation`` prints → the suffix of their
# RESERVE_FLAG_ constant. The NO_ constants (but NO_HOLD_JOBS, a flag of its own) only undo a
# flag in an update, and DUR_PLUS, DUR_MINUS and SKIP are update operations: no flag a
# reservation has.
_RESERVATION_FLAG_SUFFIXES = {
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

RESERVATION_FLAGS: Final = {
    name: int(getattr(lib, "RESERVE_FLAG_" + suffix))
    for name, suffix in _RESERVATION_FLAG_SUFFIXES.items()
    if capabilities.has_constant("RESERVE_FLAG_" + suffix)
}
"""Reservation flags by scontrol's names (``MAINT``, ``IGNORE_JOBS``, ``STATIC``, ...) and their
bits, for the flags this Slurm release has: what reads report and writes take."""

RESERVATION_FLAG_ALIASES: Final = {
    "STATIC_ALLOC": "STATIC",
    "NO_HOLD_JOBS_AFTER": "NO_HOLD_JOBS_AFTER_END",
}
"""Names ``scontrol create reservation`` takes for flags it prints by another name."""


def reservation_flags(flags: int) -> frozenset[str]:
    return frozenset(name for name, bit in RESERVATION_FLAGS.items() if flags & bit)


def node_flags(state: int) -> frozenset[str]:
    return frozenset(name for name, bit in NODE_FLAGS.items() if state & bit)


def job_flags(state: int) -> frozenset[str]:
    return frozenset(name for name, bit in JOB_FLAGS.items() if state & bit)
