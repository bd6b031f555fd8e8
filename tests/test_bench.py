"""``python -m bench --quick`` runs on the live cluster and writes its report.

The benchmarks' figures are noisy on a shared machine: nothing here judges a time. What is
checked is that one quick run measures every kind of figure the report promises, against
the bare RPC and Slurm's own tools, and writes ``results.md`` (and its JSON and plot).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def quick_run(slurm_conf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "results.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=REPO,
        env={**os.environ, "SLURM_CONF": str(slurm_conf)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"bench: wrote {out}" in done.stderr
    return out


def test_quick_bench_writes_a_report_with_every_section(quick_run: Path) -> None:
    text = quick_run.read_text()
    for heading in (
        "## Targets",
        "## Jobs (the queue)",
        "## Nodes",
        "## Partitions",
        "## Limits and associations",
        "## Accounting (finished jobs)",
        "## Scaling with the queue",
        "## slurmlib's subcommands against Slurm's commands",
    ):
        assert heading in text, f"{heading} missing from {quick_run}"
    # Each subcommand beside Slurm's commands, and judged against its 1 s target.
    for name in ("nodes", "limits", "health", "top", "why", "eff"):
        assert f"| `{name} " in text, f"no row for {name}"
        assert f"`slurmlib {name} " in text, f"no target for {name}"
    assert "Slurm " in text and "machine: " in text
    verdicts = [line for line in text.splitlines() if line.endswith(("**PASS** |", "**MISS** |"))]
    assert len(verdicts) >= 5, verdicts


def test_quick_bench_measures_slurmlib_against_the_rpc_and_slurms_tools(quick_run: Path) -> None:
    results = json.loads(quick_run.with_suffix(".json").read_text())
    jobs = {row["name"]: row for row in results["controller"]["groups"]["jobs"]}
    for name in ("bare RPC: load + free jobs", "slurmlib Cluster.jobs() snapshot", "squeue --json"):
        row = jobs[name]
        assert "error" not in row, row
        assert row["runs"] >= 1 and row["median_s"] > 0 and row["max_rss_mib"] > 0
    # The bare RPC and slurmlib saw the same queue that squeue shows (give or take jobs that
    # ended between the runs: the cluster is shared).
    rpc = jobs["bare RPC: load + free jobs"]["records"]
    assert abs(jobs["slurmlib Cluster.jobs() snapshot"]["records"] - rpc) <= 5
    squeue = subprocess.run(
        ["squeue", "-h", "-o", "%i"], capture_output=True, text=True, check=True
    )
    assert 0 < len(squeue.stdout.split()) <= rpc + 5
    # The unchanged polls carry the no-change RPC timed in turn with them.
    poll = jobs["slurmlib Cluster.jobs() unchanged poll"]
    assert 0 < poll["paired_median_s"] < jobs["bare RPC: load + free jobs"]["median_s"]
    # Only pairs in which both calls were answered "no change" count.
    assert 1 <= poll["paired_unchanged_pairs"] <= poll["paired_pairs"], poll
    # Our own cost per poll: a few microseconds, far below the poll itself.
    assert abs(poll["paired_difference_median_s"]) < poll["median_s"]
    low, high = poll["paired_difference_interval_s"]
    assert low <= poll["paired_difference_median_s"] <= high
    # The client's CPU time per poll: no more than its wall time.
    assert abs(poll["paired_cpu_difference_median_s"]) < poll["median_s"]
    # The Python memory of the snapshot's records, counted by tracemalloc.
    held = results["controller"]["memory"]["jobs"]
    assert held["records"] >= 1
    assert 100 < held["python_bytes_per_record"] <= held["peak_python_bytes_per_record"]
    points = results["scaling"]["points"]
    assert [p["jobs"] for p in points] == [100, 300]
    for point in points:
        assert point["rpc"]["records"] == point["jobs"]
        assert point["slurmlib"]["records"] == point["jobs"]


def test_quick_bench_draws_the_scaling_plot(quick_run: Path) -> None:
    # matplotlib comes with the dev extra; without it the report says why there is no plot.
    png = quick_run.with_name("scaling.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![time against queue length](scaling.png)" in quick_run.read_text()


def test_median_interval_is_order_statistics_around_the_median() -> None:
    from bench.measure import median_interval

    # n = 100: ranks 50 -+ 9.8, i.e. the 41st and the 60th smallest.
    assert median_interval([float(v) for v in range(100)]) == (40.0, 60.0)
    assert median_interval([3.0, 1.0, 2.0]) == (1.0, 3.0)
    assert median_interval([5.0]) == (5.0, 5.0)
