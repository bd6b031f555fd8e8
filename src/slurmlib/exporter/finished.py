"""Counters of jobs that ended, read incrementally from slurmdbd.

The controller forgets a job ``MinJobAge`` seconds after it ends, so its queue cannot say
how many jobs failed or timed out over an hour; accounting can. Each poll asks slurmdbd for
the jobs that ended in a window that starts at a *cursor*, the end time of the newest job
counted so far, and counts the new ones by state, partition, account (and user).

No job is counted twice: slurmdbd compares end times in whole seconds and includes both
ends of the window, so the ids of the jobs counted at the cursor's second are kept and
skipped when the next window returns them. No job is missed across a slurmdbd outage: the
cursor only moves when a read succeeds, and only as far as the newest job that read
returned, so the jobs slurmctld hands over once slurmdbd is back (it queues them meanwhile,
in the order they ended) still fall inside the next window. The window ends ``lag`` seconds
before now, so that the record of a job that has just ended has reached the database
before its second is passed; a record that is still incomplete (no partition yet, as a job
that ran for a second has for a few seconds) holds the cursor back until it is complete.

With a state file, the cursor, the ids at the cursor and the counts are written after
every poll that counted something (to a temporary file renamed over the old one): an
exporter that restarts goes on from there, and its counters stay monotonic. Without one it
starts from now, with counters at zero, which Prometheus' ``rate()`` and ``increase()``
read as a counter reset.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from .. import _log
from ..db.records import DbJob
from ..states import JobState

__all__ = ["ENDED_STATES", "FinishedJobs", "JobReader"]

log = _log.logger("slurmlib.exporter")

#: Every state a job can end in (what the counters are split by).
ENDED_STATES: tuple[JobState, ...] = tuple(state for state in JobState if state.finished)

#: The state file's layout; a file of another version is ignored (and replaced).
STATE_VERSION = 1

#: Seconds after its end that a job's record may still lack its partition (see ``poll``).
UNSETTLED_FOR = 300.0

Key = tuple[int, int]
"""A job record: its id and its submit time (a requeued job keeps its id)."""


class JobReader(Protocol):
    """What the counters need of :class:`slurmlib.db.Database`."""

    def jobs(
        self,
        *,
        start: datetime | None = ...,
        end: datetime | None = ...,
        states: Iterable[JobState | str] | None = ...,
        clusters: str | Iterable[str] | None = ...,
        with_steps: bool = ...,
    ) -> tuple[DbJob, ...]:
        """Accounting records, as :meth:`slurmlib.db.Database.jobs` reads them: asked for
        the ended ``states`` between ``start`` and ``end``, the jobs that ended in that
        window (both ends included, whole seconds)."""
        ...


@dataclass(frozen=True)
class Reading:
    """What one successful poll found."""

    counted: int
    """Jobs counted by this poll (not counted before)."""
    returned: int
    """Records slurmdbd returned (those at the cursor's second again included)."""


def _key(job: DbJob) -> Key:
    submitted = job.submit_time.timestamp() if job.submit_time is not None else 0
    return job.job_id, int(submitted)


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


class FinishedJobs:
    """Counts of ended jobs since the cursor began, and the cursor itself.

    ``state_file``: where the cursor and the counts persist (None: nowhere). ``since``:
    where counting begins when no state file says (default: now). ``lag``: seconds behind
    now that a window ends. ``cluster``: the cluster a state file must be of. ``clusters``:
    the cluster whose jobs are counted (None: the configuration's). ``clock``: Unix time
    (for tests).
    """

    def __init__(
        self,
        *,
        user_labels: bool = True,
        state_file: Path | None = None,
        cluster: str | None = None,
        lag: float = 10.0,
        since: datetime | None = None,
        clusters: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if lag < 0:
            raise ValueError(f"lag must not be negative, not {lag!r}")
        self.user_labels = user_labels
        self.state_file = state_file
        self.cluster = cluster
        self.clusters = clusters
        self.lag = lag
        self.clock = clock
        self.labels = ("state", "partition", "account", *(("user",) if user_labels else ()))
        self.counts: Counter[tuple[str, ...]] = Counter()
        self.cursor = int(since.timestamp() if since is not None else clock() - lag)
        """Unix second of the newest end time counted (or where counting began)."""
        self.at_cursor: set[Key] = set()
        """The jobs counted that ended in the cursor's second."""
        self.started_at = self.cursor
        """Where counting began: the counts are of the jobs that ended since."""
        if state_file is not None:
            self._load(state_file)

    # --- reading -------------------------------------------------------------------------

    def poll(self, db: JobReader) -> Reading:
        """Read the jobs that ended since the cursor and count the new ones.

        Raises what the read raises (:class:`~slurmlib.SlurmError`); the cursor and the
        counts are then unchanged.
        """
        until = int(self.clock() - self.lag)
        if until < self.cursor:
            return Reading(0, 0)
        jobs = db.jobs(
            start=_utc(self.cursor),
            end=_utc(until),
            states=ENDED_STATES,
            clusters=self.clusters,
            with_steps=False,
        )
        # A job that ends within a second or so of its start reaches slurmdbd in pieces: its
        # record says which partition it ran in only seconds later. Such a record, and every
        # record that ended at or after it, waits for the next poll (unless it has stayed
        # so for UNSETTLED_FOR seconds: then it is counted as it is).
        settled_before = until + 1
        for job in jobs:
            if job.end_time is not None and job.partition is None:
                ended = int(job.end_time.timestamp())
                if ended > self.clock() - UNSETTLED_FOR:
                    settled_before = min(settled_before, ended)
        cursor = self.cursor
        at_cursor = set(self.at_cursor)
        counted = 0
        for job in jobs:
            if job.end_time is None:
                continue
            ended = int(job.end_time.timestamp())
            if ended >= settled_before:
                continue
            key = _key(job)
            if ended < self.cursor or (ended == self.cursor and key in self.at_cursor):
                continue  # counted by an earlier poll
            self.counts[self._labels(job)] += 1
            counted += 1
            if ended > cursor:
                cursor, at_cursor = ended, {key}
            elif ended == cursor:
                at_cursor.add(key)
        if counted:
            self.cursor, self.at_cursor = cursor, at_cursor
            if self.state_file is not None:
                try:
                    self._save(self.state_file)
                except OSError as exc:
                    # The counts in memory are right; only a restart would repeat them.
                    log.warning("%s: cannot write the state file: %s", self.state_file, exc)
        return Reading(counted, len(jobs))

    def _labels(self, job: DbJob) -> tuple[str, ...]:
        key: tuple[str, ...] = (
            job.state.name.lower(),
            job.partition or "",
            job.account or "",
        )
        if self.user_labels:
            key += (job.user or str(job.user_id),)
        return key

    # --- families ------------------------------------------------------------------------

    def families(self) -> list[Metric]:
        """The metrics of the counts: ``slurm_jobs_finished`` by label, and the Unix times
        of the cursor and of where counting began."""
        finished = CounterMetricFamily(
            "slurm_jobs_finished",
            "Jobs that ended, by final state, partition, account"
            + (" and user" if self.user_labels else "")
            + ", as slurmdbd recorded them, since slurm_jobs_finished_since_timestamp_seconds.",
            labels=list(self.labels),
        )
        for key, count in sorted(self.counts.items()):
            finished.add_metric(list(key), count)
        cursor = GaugeMetricFamily(
            "slurm_jobs_finished_cursor_timestamp_seconds",
            "End time of the newest job counted in slurm_jobs_finished (Unix time): how far "
            "the counters have read.",
            value=self.cursor,
        )
        since = GaugeMetricFamily(
            "slurm_jobs_finished_since_timestamp_seconds",
            "Where the finished-job counters began (Unix time): kept in the state file "
            "across restarts, else when the exporter started.",
            value=self.started_at,
        )
        return [finished, cursor, since]

    # --- the state file ------------------------------------------------------------------

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("%s: unreadable, counting finished jobs from now: %s", path, exc)
            return
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            log.warning("%s: not a state file of this exporter, counting from now", path)
            return
        if self.cluster is not None and data.get("cluster") not in (None, self.cluster):
            log.warning(
                "%s: written for cluster %s, not %s: counting from now",
                path,
                data.get("cluster"),
                self.cluster,
            )
            return
        try:
            cursor = int(data["cursor"])
            at_cursor = {(int(i), int(s)) for i, s in data["at_cursor"]}
            started_at = int(data.get("since", cursor))
            counts: Counter[tuple[str, ...]] = Counter()
            if list(data.get("labels", [])) == list(self.labels):
                for row in data["counts"]:
                    *labels, count = row
                    counts[tuple(str(v) for v in labels)] = int(count)
            else:
                # Counted with other labels (user labels turned on or off): the counters
                # start again, the cursor still says which jobs were seen.
                started_at = cursor
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("%s: malformed, counting finished jobs from now: %s", path, exc)
            return
        self.cursor, self.at_cursor, self.counts, self.started_at = (
            cursor,
            at_cursor,
            counts,
            started_at,
        )

    def _save(self, path: Path) -> None:
        data: dict[str, Any] = {
            "version": STATE_VERSION,
            "cluster": self.cluster,
            "cursor": self.cursor,
            "at_cursor": sorted(self.at_cursor),
            "since": self.started_at,
            "labels": list(self.labels),
            "counts": [[*key, count] for key, count in sorted(self.counts.items())],
        }
        # A crash mid-write must leave the old file whole: write beside it, then rename.
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(data, out, separators=(",", ":"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
