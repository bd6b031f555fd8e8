"""The ``--json`` document of ``slurmlib top``: counts of what is shown, and its jobs.

Two ways to the same document: :func:`snapshot` builds it as data (for a terminal, where
it is indented), :func:`snapshot_pieces` writes it as compact text piece by piece, with no
dict per job, for pipes and files (a test checks that both say the same).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ..capacity import STATE_WORDS
from ..records import Job
from ..states import JobState
from .top_view import View, clock_start, job_gpus, job_label
from .words import Memo, iso


def job_rows(jobs: Iterable[Job], now: datetime) -> list[dict[str, Any]]:
    """The jobs of the ``--json`` snapshot (documented keys).

    Times and limits repeat from job to job (the records share one object per distinct
    value), so each is turned into text or seconds once: a queue of 50,000 jobs has a
    few thousand distinct times.
    """
    iso_of: Memo[datetime | None, str | None] = Memo(iso)
    seconds_since: Memo[datetime | None, int | None] = Memo(
        lambda t: int((now - t).total_seconds()) if t else None
    )
    limit_seconds: Memo[Any, int | None] = Memo(
        lambda t: int(t.total_seconds()) if isinstance(t, timedelta) else None
    )
    state_name = {state: state.name for state in JobState}
    return [
        {
            "job_id": job.job_id,
            "label": job_label(job),
            "array_job_id": job.array_job_id,
            "array_task_id": job.array_task_id,
            "name": job.name,
            "user": job.user_name,
            "account": job.account,
            "partition": job.partition,
            "qos": job.qos,
            "state": state_name[job.state],
            "reason": job.state_reason,
            "cpus": job.num_cpus,
            "gpus": job_gpus(job),
            "nodes": job.nodes,
            "priority": job.priority,
            "time_seconds": seconds_since[clock_start(job)],
            "time_limit_seconds": limit_seconds[job.time_limit],
            "submit_time": iso_of[job.submit_time],
            "start_time": iso_of[job.start_time],
        }
        for job in jobs
    ]


def snapshot(view: View, rows: int | None = None) -> dict[str, Any]:
    """The ``--json`` document: summary counts of everything shown, and the first ``rows``
    jobs in the view's order (all of them when None)."""
    now = datetime.now(UTC)
    document = _summary(view, now)
    document["jobs"] = job_rows(_shown(view, rows), now)
    return document


def snapshot_text(view: View, rows: int | None = None) -> str:
    """:func:`snapshot` as compact JSON text, made faster than ``json.dumps`` of it."""
    return "".join(snapshot_pieces(view, rows))


def snapshot_pieces(view: View, rows: int | None = None) -> Iterator[str]:
    """:func:`snapshot_text` in pieces of a few thousand jobs, to be written as they come.

    A queue of 50,000 jobs makes 18 MB of JSON: a dict per job and the encoder walking
    it take 0.3 s, a third of the whole command; :func:`jobs_pieces` makes it without them.
    Written piece by piece, the text is never in memory whole (nor copied to add the
    head and the newline), and a reader gets the first jobs before the last are made.
    """
    now = datetime.now(UTC)
    head = json.dumps(_summary(view, now), separators=(",", ":"))
    yield f'{head[:-1]},"jobs":['
    for i, piece in enumerate(jobs_pieces(_shown(view, rows), now)):
        yield "," + piece if i else piece
    yield "]}"


def _shown(view: View, rows: int | None) -> list[Job]:
    return view.rows if rows is None else view.rows[:rows]


def _summary(view: View, now: datetime) -> dict[str, Any]:
    """Everything of the ``--json`` document but its jobs."""
    states = view.state_counts
    alloc, total = view.cpu_counts()
    gpus_alloc, gpus_total = view.gpu_counts()
    counts = view.node_counts()
    return {
        "collected_at": now.isoformat(),
        "jobs_last_update": iso(view.jobs.last_update if view.jobs else None),
        "nodes_last_update": iso(view.nodes.last_update if view.nodes else None),
        "filters": {
            "users": sorted(view.users) if view.users else None,
            "partitions": sorted(view.partitions) if view.partitions else None,
            "accounts": sorted(view.accounts) if view.accounts else None,
        },
        "sort": view.sort,
        "summary": {
            "jobs": dict(sorted(states.items())),
            "nodes": {name: counts.get(name, 0) for name in STATE_WORDS},
            "cpus": {"allocated": alloc, "total": total},
            "gpus": {"allocated": gpus_alloc, "total": gpus_total},
        },
        "jobs_total": len(view.rows),
    }


_JOB_KEYS = (
    *("job_id", "label", "array_job_id", "array_task_id", "name", "user", "account"),
    *("partition", "qos", "state", "reason", "cpus", "gpus", "nodes", "priority"),
    "time_seconds",
    *("time_limit_seconds", "submit_time", "start_time"),
)
# The text around each job's values: '{"job_id":', ',"label":', ... '}'.
_JOB_PIECES = (f'{{"{_JOB_KEYS[0]}":', *(f',"{key}":' for key in _JOB_KEYS[1:]), "}")


JOBS_PER_PIECE = 4096
"""Jobs in each piece of :func:`jobs_pieces`: ~1.5 MB of text."""


def jobs_pieces(jobs: Iterable[Job], now: datetime) -> Iterator[str]:
    """The JSON text of the jobs of :func:`job_rows` (the same keys and values), in pieces
    of :data:`JOBS_PER_PIECE` jobs (none for no jobs): each job an object, the jobs of a
    piece separated by commas.

    Values that repeat are encoded once per distinct value (memos), names and labels one
    by one, all by json's own encoder; ints are printed in C, where the text of 50,000
    jobs is put together (:func:`slurmlib.native.join_rows`).
    """
    from json.encoder import encode_basestring_ascii as quoted  # what json.dumps uses

    from ..native import join_rows

    def text_of(value: str | None) -> str:
        return "null" if value is None else quoted(value)

    all_rows = list(jobs)
    texts: Memo[str | None, str] = Memo(text_of)
    times: Memo[datetime | None, str] = Memo(lambda t: text_of(iso(t)))
    seconds_since: Memo[datetime | None, str] = Memo(
        lambda t: str(int((now - t).total_seconds())) if t else "null"
    )
    limit_seconds: Memo[Any, str] = Memo(
        lambda t: str(int(t.total_seconds())) if isinstance(t, timedelta) else "null"
    )
    state_name = {state: quoted(state.name) for state in JobState}
    number = None  # an int (or None), printed by join itself
    running, pending = JobState.RUNNING, JobState.PENDING
    for first in range(0, len(all_rows), JOBS_PER_PIECE):
        rows = all_rows[first : first + JOBS_PER_PIECE]
        # The values made of several fields, as job_label, clock_start and job_gpus make them
        # (inlined: one function call less per job of 50,000).
        labels = [
            job_label(job) if job.array_job_id or job.array_tasks else str(job.job_id)
            for job in rows
        ]
        started = [job.start_time if job.state is running else job.submit_time for job in rows]
        gpus = [
            job.gpus_allocated
            or (job.tres_requested.get("gres/gpu", 0) if job.state is pending else 0)
            for job in rows
        ]
        # Names and labels are mostly distinct: quoted one by one, with no memo to fill.
        getters_and_memos: tuple[tuple[str | list[Any], Any], ...] = (
            ("job_id", number),
            (labels, quoted),
            ("array_job_id", number),
            ("array_task_id", number),
            ("name", quoted),
            ("user_name", texts),
            ("account", texts),
            ("partition", texts),
            ("qos", texts),
            ("state", state_name),
            ("state_reason", texts),
            ("num_cpus", number),
            (gpus, number),
            ("nodes", texts),
            ("priority", number),
            (started, seconds_since),
            ("time_limit", limit_seconds),
            ("submit_time", times),
            ("start_time", times),
        )
        getters, memos = zip(*getters_and_memos, strict=True)
        yield join_rows(rows, getters, memos, _JOB_PIECES, ",")
