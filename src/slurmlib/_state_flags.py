"""State and reservation flag bits, read from the compiled headers: the part of
:mod:`slurmlib.states` that needs the bindings.

Slurm reuses flag bits between releases (``NODE_STATE_NET`` 0x10 became
``NODE_STATE_EXTERNAL``; a job flag moved in 25.05), so no number here is written by hand:
every bit is the compiled module's, and a flag this release lacks is simply never reported.
:mod:`slurmlib.states` gives these names on first use, so that the states themselves (and
the records that hold them) import without the bindings.
"""

from __future__ import annotations

from typing import Final

from .native import capabilities, lib
from .states import JOB_FLAG_NAMES, NODE_FLAG_NAMES, RESERVATION_FLAG_SUFFIXES

__all__ = [
    "JOB_FLAGS",
    "NODE_FLAGS",
    "RESERVATION_FLAGS",
    "job_flags",
    "node_flags",
    "reservation_flags",
]


def _flags(prefix: str, names: tuple[str, ...]) -> dict[str, int]:
    """Flag name → bit, for the names this Slurm release defines."""
    return {
        name: int(getattr(lib, prefix + name))
        for name in names
        if capabilities.has_constant(prefix + name)
    }


NODE_FLAGS: Final = _flags("NODE_STATE_", NODE_FLAG_NAMES)
"""Node flag names (``DRAIN``, ``NO_RESPOND``, ``COMPLETING``, ...) and their bits here."""

JOB_FLAGS: Final = _flags("JOB_", JOB_FLAG_NAMES)
"""Job state flag names (``COMPLETING``, ``CONFIGURING``, ``REQUEUE``, ...) and their bits."""

RESERVATION_FLAGS: Final = {
    name: int(getattr(lib, "RESERVE_FLAG_" + suffix))
    for name, suffix in RESERVATION_FLAG_SUFFIXES.items()
    if capabilities.has_constant("RESERVE_FLAG_" + suffix)
}
"""Reservation flags by scontrol's names (``MAINT``, ``IGNORE_JOBS``, ``STATIC``, ...) and their
bits, for the flags this Slurm release has: what reads report and writes take."""


def reservation_flags(flags: int) -> frozenset[str]:
    """The names of the reservation flags set in ``flags``."""
    return frozenset(name for name, bit in RESERVATION_FLAGS.items() if flags & bit)


def node_flags(state: int) -> frozenset[str]:
    """The names of the node flags set in a node's ``node_state``."""
    return frozenset(name for name, bit in NODE_FLAGS.items() if state & bit)


def job_flags(state: int) -> frozenset[str]:
    """The names of the job flags set in a job's ``job_state``."""
    return frozenset(name for name, bit in JOB_FLAGS.items() if state & bit)
