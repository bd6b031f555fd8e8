"""A job's place in the queue, read straight from the whole-message arrays.

Ranking one job needs five fields of every job; building 50,000 full records for that
would cost more than the RPC itself. The generated converter's flat arrays
(:func:`slurmlib._bulk.read`) are scanned instead.
"""

from __future__ import annotations

from typing import Any

from . import _bulk
from ._build import bulk_spec
from .records import QueuePosition
from .states import JOB_STATE_BASE, JobState

_SPEC = bulk_spec.JOBS
_ID = _SPEC.ints.index("job_id")
_STATE = _SPEC.ints.index("job_state")
_PRIORITY = _SPEC.ints.index("priority")
_SUBMIT = _SPEC.ints.index("submit_time")
_PARTITION = _SPEC.strings.index("partition")
_PENDING = int(JobState.PENDING)
_NO_VAL = 0xFFFFFFFE


def position(msg: Any, job_id: int) -> QueuePosition | None:
    """``job_id``'s position in a ``job_info_msg_t``; None when the message lacks it."""
    ints, strings = _bulk.read(_SPEC, msg)
    n_ints, n_strings = len(_SPEC.ints), len(_SPEC.strings)
    rows = list(
        zip(
            ints[_ID::n_ints],
            ints[_STATE::n_ints],
            ints[_PRIORITY::n_ints],
            ints[_SUBMIT::n_ints],
            strings[_PARTITION::n_strings],
            strict=True,
        )
    )
    mine = next((row for row in rows if row[0] == job_id), None)
    if mine is None:
        return None
    partitions = tuple(p for p in (mine[4] or "").split(",") if p)
    wanted = set(partitions)

    def key(row: tuple[int, int, int, int, str | None]) -> tuple[int, int, int]:
        priority = 0 if row[2] == _NO_VAL else row[2]
        return (-priority, row[3], row[0])

    # Only the rows that share a partition: a plain comparison first, the split rarely.
    pending = [
        row
        for row in rows
        if row[1] & JOB_STATE_BASE == _PENDING
        and row[4]
        and (row[4] in wanted or not wanted.isdisjoint(row[4].split(",")))
    ]
    if mine[1] & JOB_STATE_BASE != _PENDING:
        return QueuePosition(job_id, partitions, None, len(pending))
    own = key(mine)
    ahead = sum(1 for row in pending if key(row) < own)
    return QueuePosition(job_id, partitions, ahead + 1, len(pending))
