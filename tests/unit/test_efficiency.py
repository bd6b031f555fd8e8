"""The arithmetic of ``slurmlib eff`` (``cli/efficiency.py``): CPU, memory, time and GPU
efficiency of accounting records, their totals and rankings, and its arguments.

The records are stand-ins with the fields of :class:`slurmlib.db.DbJob` that the arithmetic
reads (``slurmlib.db`` itself loads the bindings).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from slurmlib.cli import efficiency as eff
from slurmlib.convert import UNLIMITED
from slurmlib.states import JobState

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
GIB = 1024**3


def _step(step: str, max_rss_bytes: int | None) -> SimpleNamespace:
    return SimpleNamespace(step=step, max_rss_bytes=max_rss_bytes)


def _job(**fields: Any) -> Any:
    job = {
        "job_id": 7,
        "array_job_id": None,
        "array_task_id": None,
        "het_job_id": None,
        "het_job_offset": None,
        "name": "sim",
        "user": "alice",
        "account": "physics",
        "partition": "debug",
        "state": JobState.COMPLETED,
        "state_text": "COMPLETED",
        "exit_code": 0,
        "nodes": "node[1-2]",
        "node_count": 2,
        "start_time": START,
        "elapsed": timedelta(hours=1),
        "time_limit": timedelta(hours=2),
        "total_cpu": timedelta(hours=2),
        "requested_cpus": 4,
        "tres_allocated": {"cpu": 4, "mem": 8192, "node": 2},
        "tres_requested": {"cpu": 4, "mem": 8192, "node": 2},
        "steps": (_step("batch", 1 * GIB), _step("0", 2 * GIB)),
        "gpu_utilization": None,
    }
    job.update(fields)
    return SimpleNamespace(**job)


def test_cpu_efficiency_is_cpu_time_over_cores_times_elapsed() -> None:
    e = eff.efficiency(_job())
    assert e.core_walltime_seconds == 4 * 3600
    assert e.cpu_efficiency_percent == pytest.approx(50.0)
    assert e.wasted_core_hours == pytest.approx(2.0)
    assert e.time_used_percent == pytest.approx(50.0)
    assert e.notes == ()


def test_memory_efficiency_is_the_largest_step_peak_over_the_memory_of_one_node() -> None:
    e = eff.efficiency(_job())
    assert e.mem_per_node_mib == 4096
    assert e.max_rss_step == "7.0"
    assert e.mem_efficiency_percent == pytest.approx(50.0)
    # 2 GiB unused on each of the two nodes, for one hour.
    assert e.unused_mem_mib == pytest.approx(4096)
    assert e.wasted_mem_gib_hours == pytest.approx(4.0)


def test_a_job_without_a_time_limit_has_no_time_used() -> None:
    assert eff.efficiency(_job(time_limit=UNLIMITED)).time_used_percent is None


@pytest.mark.parametrize(
    ("fields", "note"),
    [
        ({"state": JobState.PENDING, "start_time": None, "node_count": 0}, "has not started"),
        ({"state": JobState.RUNNING}, "still running"),
        ({"state": JobState.CANCELLED, "start_time": None, "node_count": 0}, "never ran"),
        ({"elapsed": timedelta(milliseconds=300)}, "ran for less than a second"),
        ({"steps": ()}, "no step data in accounting"),
    ],
)
def test_a_job_that_cannot_be_measured_says_why_and_has_no_efficiency(
    fields: dict[str, Any], note: str
) -> None:
    e = eff.efficiency(_job(**fields))
    assert e.notes[0].startswith(note)
    assert e.cpu_efficiency_percent is None
    assert e.mem_efficiency_percent is None


def test_gpu_efficiency_is_the_recorded_utilisation_and_never_guessed() -> None:
    tres = {"cpu": 4, "mem": 8192, "node": 2, "gres/gpu": 2}
    measured = eff.efficiency(_job(tres_allocated=tres, gpu_utilization=25))
    assert measured.gpu_hours == pytest.approx(2.0)
    assert measured.gpu_efficiency_percent == pytest.approx(25.0)
    assert measured.wasted_gpu_hours == pytest.approx(1.5)
    unmeasured = eff.efficiency(_job(tres_allocated=tres))
    assert unmeasured.gpu_efficiency_percent is None and unmeasured.wasted_gpu_hours is None
    assert any("GPU utilisation not measured" in n for n in unmeasured.notes)


def test_ids_are_labelled_as_sacct_prints_them() -> None:
    assert eff.job_label(_job()) == "7"
    assert eff.job_label(_job(array_job_id=4, array_task_id=1)) == "4_1"
    assert eff.job_label(_job(array_job_id=4)) == "4_[pending]"
    assert eff.job_label(_job(het_job_id=12, het_job_offset=1)) == "12+1"


def test_totals_add_up_only_what_was_measured() -> None:
    jobs = [
        eff.efficiency(_job()),
        eff.efficiency(_job(job_id=8, total_cpu=timedelta(hours=4))),
        eff.efficiency(_job(job_id=9, state=JobState.RUNNING)),
    ]
    totals = eff.total(jobs)
    assert totals.jobs == 3
    assert totals.cpu_measured == 2
    assert totals.states == {"COMPLETED": 2, "RUNNING": 1}
    assert totals.cpu_efficiency_percent == pytest.approx(75.0)
    assert totals.mem_efficiency_percent == pytest.approx(50.0)
    assert totals.to_dict()["wasted_core_hours"] == pytest.approx(2.0)


def test_the_most_wasteful_come_first_by_cpu_or_by_memory() -> None:
    lazy = eff.efficiency(_job(job_id=1, total_cpu=timedelta(0)))
    busy = eff.efficiency(_job(job_id=2, total_cpu=timedelta(hours=4)))
    greedy = eff.efficiency(_job(job_id=3, total_cpu=timedelta(hours=4), steps=(_step("0", 1),)))
    assert [e.job_id for e in eff.most_wasteful([busy, lazy, greedy], 0)] == [1, 3, 2]
    assert [e.job_id for e in eff.most_wasteful([busy, lazy, greedy], 1, by="mem")] == [3]
    users = eff.by_user([lazy, eff.efficiency(_job(job_id=4, user="bob"))])
    assert list(users) == ["alice", "bob"]


@pytest.mark.parametrize(("text", "parsed"), [("1234", (1234, None)), (" 1234_5 ", (1234, 5))])
def test_a_job_argument_is_an_id_or_an_array_task(
    text: str, parsed: tuple[int, int | None]
) -> None:
    assert eff.parse_job_arg(text) == parsed


@pytest.mark.parametrize("text", ["0", "12.3", "abc", "4294967296", "12_"])
def test_anything_else_is_not_a_job_id(text: str) -> None:
    with pytest.raises(ValueError, match="not a job id"):
        eff.parse_job_arg(text)


def test_a_point_in_time_is_now_a_duration_back_or_a_date() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert eff.parse_when("now", now, "--start") == now
    assert eff.parse_when("1d12h", now, "--start") == now - timedelta(hours=36)
    assert eff.parse_when("2026-11-01T00:00Z", now, "--start") == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"^--start: .* reaches back before 1970"):
        eff.parse_when("100000w", now, "--start")
    with pytest.raises(ValueError, match=r"^--end: not a duration"):
        eff.parse_when("yesterday", now, "--end")
