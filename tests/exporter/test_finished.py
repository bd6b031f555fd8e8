"""Finished-job counters against ``sacct -X -s STATE -S … -E …`` on the seeded cluster: the
seeded history, jobs that end during the test, and an exporter that restarts in between."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slurmlib import db
from slurmlib.exporter import FinishedJobs

from .finished import sacct_finished, submit, wait_ended
from .scrape import running_exporter

pytestmark = pytest.mark.cluster

# Far enough back for every seeded record (the seed backdates a history of finished jobs).
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def database(slurm_conf: Path) -> Iterator[db.Database]:
    with db.connect() as connection:
        yield connection


def counted_until(counter: FinishedJobs, database: db.Database, job_ids: list[int]) -> int:
    """Poll until the counters have read past the end of ``job_ids``; that end."""
    last_end = wait_ended(job_ids)
    deadline = time.monotonic() + 60
    while counter.cursor < last_end:
        assert time.monotonic() < deadline, "the counters never reached the jobs' end"
        counter.poll(database)
        time.sleep(0.3)
    return last_end


def test_seeded_history_counts_as_sacct_does(database: db.Database) -> None:
    # A window that ended a few seconds ago: what sacct says of it no longer changes.
    until = int(time.time()) - 5
    counter = FinishedJobs(since=LONG_AGO, lag=0, clock=lambda: until)
    reading = counter.poll(database)
    expected = sacct_finished(int(LONG_AGO.timestamp()), until)
    assert dict(counter.counts) == dict(expected)
    assert reading.counted == sum(expected.values()) > 0
    assert {key[0] for key in expected} >= {"completed", "failed", "cancelled", "timeout"}


def test_without_user_labels_the_counts_are_per_account(database: db.Database) -> None:
    until = int(time.time()) - 5
    counter = FinishedJobs(since=LONG_AGO, lag=0, clock=lambda: until, user_labels=False)
    counter.poll(database)
    assert dict(counter.counts) == dict(
        sacct_finished(int(LONG_AGO.timestamp()), until, user_labels=False)
    )
    assert all(len(key) == 3 for key in counter.counts)


def test_jobs_that_end_are_counted_once_across_polls_and_a_restart(
    database: db.Database, tmp_path: Path
) -> None:
    state = tmp_path / "finished-jobs.json"
    counter = FinishedJobs(state_file=state, lag=2)
    since = counter.started_at
    first = [
        submit("-p", "debug", "--wrap", "true"),
        submit("-p", "debug", "--wrap", "false"),
        submit("-p", "debug", "--wrap", "true"),
    ]
    counted_until(counter, database, first)
    assert dict(counter.counts) == dict(sacct_finished(since, counter.cursor))
    assert sum(counter.counts.values()) >= len(first)

    # Polls that find nothing new count nothing, however often the window is read again.
    before = dict(counter.counts)
    for _ in range(3):
        counter.poll(database)
        assert dict(counter.counts) == dict(sacct_finished(since, counter.cursor))
    saved = json.loads(state.read_text())
    assert saved["cursor"] == counter.cursor

    # An exporter that starts again goes on from the state file: same counts, no repeat.
    again = FinishedJobs(state_file=state, lag=2)
    assert again.cursor == counter.cursor and again.at_cursor == counter.at_cursor
    assert dict(again.counts) == dict(counter.counts)
    assert again.started_at == since
    more = [submit("-p", "debug", "--wrap", "false")]
    counted_until(again, database, more)
    assert dict(again.counts) == dict(sacct_finished(since, again.cursor))
    assert sum(again.counts.values()) > sum(before.values())


def test_the_exporter_serves_the_counts_and_keeps_them_across_a_restart(
    slurm_conf: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    args = ("--interval", "500ms", "--state-file", str(state), "--finished-lag", "1s")
    since = "2000-01-01T00:00:00+00:00"
    with running_exporter(tmp_path / "1.log", *args, "--finished-since", since) as exporter:
        scrape = exporter.fresh()
        first = scrape.values("slurm_jobs_finished_total", "state", "partition", "account", "user")
        cursor = scrape.value("slurm_jobs_finished_cursor_timestamp_seconds")
    assert {k: int(v) for k, v in first.items()} == dict(
        sacct_finished(int(LONG_AGO.timestamp()), int(cursor))
    )
    assert json.loads(state.read_text())["cursor"] >= cursor
    # Started again (without --finished-since: the state file says where it was).
    with running_exporter(tmp_path / "2.log", *args) as exporter:
        scrape = exporter.fresh()
        again = scrape.values("slurm_jobs_finished_total", "state", "partition", "account", "user")
        cursor = scrape.value("slurm_jobs_finished_cursor_timestamp_seconds")
        since_seen = scrape.value("slurm_jobs_finished_since_timestamp_seconds")
    assert since_seen == LONG_AGO.timestamp()
    assert {k: int(v) for k, v in again.items()} == dict(
        sacct_finished(int(LONG_AGO.timestamp()), int(cursor))
    )
    for key, value in first.items():
        assert again[key] >= value, "a counter went down across the restart"
