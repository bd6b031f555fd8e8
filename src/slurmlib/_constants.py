"""The C constants that the pure layer needs, as plain numbers: no compiled module needed.

Records, states and the pure conversions import without slurmlib's compiled bindings (a
contributor runs ``pytest tests/unit`` with nothing but Python), yet their enum values and
sentinels are Slurm's. They are written here rather than read from ``lib`` because each of
them has the same value in every Slurm release slurmlib builds on (22.05, 24.11, 26.x:
Slurm only ever appended base states), so a number is as good as the header, as long as
nothing lets it drift:

- the build checks every entry against the module it has just compiled
  (``setup.py``'s ``CheckedBuildExt`` runs ``_build/c_names.py``), and a release whose
  value differs fails the build with one line naming the constant, both values and this
  file: it is never silently wrong;
- ``tests/ffi/test_c_names.py`` asks the same of the module that is loaded, on every release
  of the matrix.

Why a table rather than a ``lib`` loaded lazily: an enum's values are needed when its class
is made, at import, so a lazy ``lib`` would still load the bindings the moment ``states``
(and every record) is imported. Names that only functions use are loaded lazily instead
(``convert.text``, the flag tables of ``states``).

What is *not* here: state and reservation flag bits, which Slurm reuses between releases
(``NODE_STATE_NET`` 0x10 became ``NODE_STATE_EXTERNAL``). Those are read from the compiled
module, on first use (:mod:`slurmlib._state_flags`).

This module imports nothing of slurmlib: the build loads it from its file.
"""

from __future__ import annotations

from typing import Final

VALUES: Final[dict[str, int]] = {
    # Sentinels: "not set" and "unlimited" at each width (slurm.h).
    "NO_VAL16": 0xFFFE,
    "NO_VAL": 0xFFFFFFFE,
    "NO_VAL64": 0xFFFFFFFFFFFFFFFE,
    "INFINITE16": 0xFFFF,
    "INFINITE": 0xFFFFFFFF,
    "INFINITE64": 0xFFFFFFFFFFFFFFFF,
    # enum node_states: a node's base state, the low bits of node_state.
    "NODE_STATE_BASE": 0x0000000F,
    "NODE_STATE_UNKNOWN": 0,
    "NODE_STATE_DOWN": 1,
    "NODE_STATE_IDLE": 2,
    "NODE_STATE_ALLOCATED": 3,
    "NODE_STATE_ERROR": 4,
    "NODE_STATE_MIXED": 5,
    "NODE_STATE_FUTURE": 6,
    # enum job_states: a job's base state, the low byte of job_state.
    "JOB_STATE_BASE": 0x000000FF,
    "JOB_PENDING": 0,
    "JOB_RUNNING": 1,
    "JOB_SUSPENDED": 2,
    "JOB_COMPLETE": 3,
    "JOB_CANCELLED": 4,
    "JOB_FAILED": 5,
    "JOB_TIMEOUT": 6,
    "JOB_NODE_FAIL": 7,
    "JOB_PREEMPTED": 8,
    "JOB_BOOT_FAIL": 9,
    "JOB_DEADLINE": 10,
    "JOB_OOM": 11,
}
"""Constant name (as the headers spell it) → its value in every release slurmlib binds."""
