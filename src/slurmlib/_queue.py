"""A job's place in the queue: its rank among the jobs pending in its partitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from .records import Job, QueuePosition
from .states import JobState

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _order(job: Job) -> tuple[int, datetime, int]:
    """squeue's order of pending jobs: priority, then submit time, then job id."""
    return (-(job.priority or 0), job.submit_time or _EPOCH, job.job_id)


def position(jobs: Sequence[Job], job_id: int) -> QueuePosition | None:
    """``job_id``'s position among ``jobs`` (the whole queue); None when it is not there."""
    mine = next((job for job in jobs if job.job_id == job_id), None)
    if mine is None:
        return None
    partitions = tuple(p for p in (mine.partition or "").split(",") if p)
    wanted = set(partitions)
    pending_state = JobState.PENDING
    # Only the jobs that share a partition: a plain comparison first, the split rarely.
    pending = [
        job
        for job in jobs
        if job.state is pending_state
        and job.partition
        and (job.partition in wanted or not wanted.isdisjoint(job.partition.split(",")))
    ]
    if mine.state is not pending_state:
        return QueuePosition(job_id, partitions, None, len(pending))
    own = _order(mine)
    ahead = sum(1 for job in pending if _order(job) < own)
    return QueuePosition(job_id, partitions, ahead + 1, len(pending))
