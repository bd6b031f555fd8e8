"""Ranking a job among the pending jobs of its partitions, on columns made up here.

The live comparison with squeue's order is in test_controller_read.
"""

from __future__ import annotations

from slurmlib._queue import rank

#        id   pending priority submitted partition
QUEUE = [
    (10, True, 100, 5.0, "a"),
    (11, True, 100, 5.0, "a"),  # a tie: the lower id goes first
    (12, True, 200, 9.0, "a"),  # the highest priority, submitted last
    (13, True, 100, 4.0, "b"),  # another partition
    (14, True, 100, 1.0, "a,b"),  # pending in both: in the queue of each
    (15, False, 999, 0.0, "a"),  # running: ranks no one
    (16, True, 50, 0.0, None),  # no partition (yet): in no queue
]


def _rank(job_id: int) -> tuple[tuple[str, ...], int | None, int] | None:
    ids, pending, priorities, submitted, partitions = (list(c) for c in zip(*QUEUE, strict=True))
    found = rank(ids, pending, priorities, submitted, partitions, job_id)
    return None if found is None else (found.partitions, found.rank, found.pending)


def test_priority_then_submit_time_then_id_in_each_partition() -> None:
    assert _rank(12) == (("a",), 1, 4)
    assert _rank(10) == (("a",), 3, 4)
    assert _rank(11) == (("a",), 4, 4)
    assert _rank(13) == (("b",), 2, 2)


def test_a_job_pending_in_several_partitions_shares_each_queue() -> None:
    assert _rank(14) == (("a", "b"), 2, 5)


def test_a_job_not_pending_has_no_rank_and_an_unknown_job_no_position() -> None:
    assert _rank(15) == (("a",), None, 4)
    assert _rank(99) is None
