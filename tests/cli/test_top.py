"""`slurmlib top`: one snapshot checked against squeue, and the live view driven in tmux."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ..slurmtools import run, settled
from .test_nodes import slurmlib


def top_json(*argv: str) -> dict[str, Any]:
    done = slurmlib("top", "--json", *argv)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_snapshot_lists_the_jobs_squeue_lists_for_a_user(slurm_conf: Path) -> None:
    def squeue() -> list[tuple[int, str]]:
        lines = run("squeue", "-h", "-u", "bob", "-o", "%A %T").stdout.split("\n")
        return sorted((int(a), t) for a, t in (line.split() for line in lines if line))

    reference, ours = settled(squeue, lambda: top_json("-u", "bob"))
    assert sorted((j["job_id"], j["state"]) for j in ours["jobs"]) == reference
    assert {j["user"] for j in ours["jobs"]} == {"bob"}
    assert ours["summary"]["jobs"] == dict(Counter(state for _, state in reference))


def test_partition_filter_and_sort_by_priority(slurm_conf: Path) -> None:
    def squeue() -> list[int]:
        return sorted(map(int, run("squeue", "-h", "-p", "long", "-o", "%A").stdout.split()))

    reference, ours = settled(squeue, lambda: top_json("-p", "long", "--sort", "priority"))
    assert sorted(j["job_id"] for j in ours["jobs"]) == reference
    priorities = [j["priority"] or 0 for j in ours["jobs"]]
    assert priorities == sorted(priorities, reverse=True)


def test_off_a_terminal_it_prints_one_frame(slurm_conf: Path) -> None:
    done = slurmlib("top", "-u", "carol")
    assert done.returncode == 0, done.stderr
    assert "slurmlib top" in done.stdout and "JOBID" in done.stdout
    assert "\x1b[" not in done.stdout


def test_rows_limit_a_frame_and_the_json_to_the_first_jobs(slurm_conf: Path) -> None:
    whole = top_json("-t", "all")
    assert whole["jobs_total"] == len(whole["jobs"]) >= 3
    first = top_json("-t", "all", "--rows", "2")
    assert len(first["jobs"]) == 2 and first["jobs_total"] >= whole["jobs_total"]
    done = slurmlib("top", "-t", "all", "-n", "1")
    assert done.returncode == 0, done.stderr
    below = re.search(r"(\d+) more jobs below", done.stdout)
    assert below is not None and int(below[1]) >= whole["jobs_total"] - 1, done.stdout


def test_bad_input_is_one_line_and_exit_2(slurm_conf: Path) -> None:
    for argv in (
        ["-p", "nosuch"],
        ["--sort", "colour"],
        ["--interval", "0"],
        ["-t", "sleepy"],
        ["--rows", "0"],
    ):
        done = slurmlib("top", *argv)
        assert done.returncode == 2, argv
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_help_has_an_example() -> None:
    done = slurmlib("top", "--help")
    assert done.returncode == 0 and "example: slurmlib top" in done.stdout


# ---------------------------------------------------------------------------- live, in tmux


class Tmux:
    """A tmux server of our own (its own socket), so that nobody else's sessions are touched."""

    def __init__(self) -> None:
        self.socket = f"slurmlib-top-{uuid.uuid4().hex[:8]}"

    def __call__(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *argv], capture_output=True, text=True, timeout=30
        )

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "top").stdout

    def wait_for(self, test: Callable[[str], bool], what: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = self.screen()
            if test(text):
                return text
            time.sleep(0.3)
        raise AssertionError(f"gave up waiting for {what}; the screen:\n{self.screen()}")


@pytest.fixture
def tmux(slurm_conf: Path) -> Iterator[Tmux]:
    session = Tmux()
    yield session
    session("kill-server")


@pytest.fixture
def held_job(slurm_conf: Path) -> Iterator[Callable[[], int]]:
    """Submits a held job as bob on demand (it never runs); cancels it afterwards."""
    submitted: list[int] = []

    def submit() -> int:
        out = run(
            "runuser",
            "-u",
            "bob",
            "--",
            "sbatch",
            "--parsable",
            "--hold",
            "-J",
            "top-test",
            "-p",
            "debug",
            "-o",
            "/dev/null",
            "--wrap",
            "sleep 60",
        ).stdout
        submitted.append(int(out.strip().split(";")[0]))
        return submitted[-1]

    yield submit
    for job in submitted:
        run("scancel", str(job), check=False)


def test_live_view_draws_refreshes_after_a_submission_and_quits_on_q(
    tmux: Tmux, held_job: Callable[[], int]
) -> None:
    command = " ".join(
        shlex.quote(a)
        for a in [sys.executable, "-m", "slurmlib.cli", "top", "-u", "bob", "--interval", "0.5"]
    )
    env = f"SLURM_CONF={shlex.quote(os.environ['SLURM_CONF'])}"
    shell = f"env {env} {command}; echo top-exited-$?; sleep 60"
    started = tmux("new-session", "-d", "-s", "top", "-x", "200", "-y", "50", shell)
    assert started.returncode == 0, started.stderr
    first = tmux.wait_for(lambda s: "JOBID" in s, "the first frame")
    assert "user=bob" in first and "polls" in first
    job = held_job()
    tmux.wait_for(
        lambda s: any(line.split()[:1] == [str(job)] for line in s.splitlines()), "the new job"
    )
    # Sorting by the next column is shown in the header.
    tmux("send-keys", "-t", "top", "s")
    tmux.wait_for(lambda s: "sort: priority" in s, "the new sort order")
    tmux("send-keys", "-t", "top", "q")
    tmux.wait_for(lambda s: "top-exited-0" in s, "top to quit")


def test_each_sort_orders_as_one_sort_by_the_tuple_of_its_keys(slurm_conf: Path) -> None:
    from slurmlib import Cluster
    from slurmlib.cli.top_view import ONE_KEY, SORTS, View

    assert set(ONE_KEY) <= set(SORTS)  # a combined key replaces the sorts by SORTS' keys

    jobs = Cluster().jobs()
    assert len({j.state for j in jobs}) > 2 and len({j.priority for j in jobs}) > 2
    for name, keys in SORTS.items():
        for reverse in (False, True):
            view = View(states=None, sort=name, reverse=reverse)
            view.jobs = jobs
            view.refilter()
            shown = [j for j in jobs if not j.state.finished or "COMPLETING" in j.flags]
            expected = sorted(shown, key=lambda j: tuple(k(j) for k in keys), reverse=reverse)
            assert [j.job_id for j in view.rows] == [j.job_id for j in expected], (name, reverse)


@pytest.mark.parametrize("per_piece", [4096, 4, 1])
def test_the_fast_json_text_is_the_json_of_the_snapshot(
    slurm_conf: Path, per_piece: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slurmlib import Cluster, JobState
    from slurmlib.cli import top_json
    from slurmlib.cli.top_json import snapshot, snapshot_text
    from slurmlib.cli.top_view import View

    # Pieces of 4 and 1 job: the joins between pieces are where the text could break.
    monkeypatch.setattr(top_json, "JOBS_PER_PIECE", per_piece)
    view = View(states=set(JobState))
    view.poll(Cluster())
    assert len(view.rows) >= 10
    for rows in (None, 3, 8):
        fast = json.loads(snapshot_text(view, rows))
        plain = json.loads(json.dumps(snapshot(view, rows)))
        assert len(fast["jobs"]) == (rows or len(view.rows))
        # Taken a moment apart: the clock, and with it each job's running time, moves on.
        assert abs(
            datetime.fromisoformat(fast.pop("collected_at"))
            - datetime.fromisoformat(plain.pop("collected_at"))
        ) < timedelta(seconds=5)
        for mine, theirs in zip(fast["jobs"], plain["jobs"], strict=True):
            a, b = mine.pop("time_seconds"), theirs.pop("time_seconds")
            assert (a is None) == (b is None) and abs((a or 0) - (b or 0)) <= 5
        assert fast == plain


def test_gpu_column_counts_every_request_style_as_squeue_tres_does(slurm_conf: Path) -> None:
    """Running jobs show their allocated GPUs, pending ones what they ask for: the
    gres/gpu of squeue's tres-alloc (which prints the request until a job runs)."""

    def squeue() -> dict[int, int]:
        out = run("squeue", "-h", "-p", "ml", "-O", "JobID:12,tres-alloc:200").stdout
        gpus = {}
        for line in out.splitlines():
            job, tres = line[:12].strip(), line[12:].strip()
            items = dict(i.split("=", 1) for i in tres.split(",") if "=" in i)
            gpus[int(job)] = int(items.get("gres/gpu", 0))
        return gpus

    reference, ours = settled(squeue, lambda: top_json("-p", "ml"))
    assert {j["job_id"]: j["gpus"] for j in ours["jobs"]} == reference
    assert sum(reference.values()) >= 6  # the seed's GPU jobs
    running = sum(j["gpus"] for j in ours["jobs"] if j["state"] == "RUNNING")
    assert ours["summary"]["gpus"] == {"allocated": running, "total": 8}
    frame = slurmlib("top", "--once", "-p", "ml").stdout
    assert "GPUS" in frame.splitlines()[4] and "GPUs 6/8 allocated" in frame
