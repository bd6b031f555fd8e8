"""What a non-admin user may do, from a child process running as the seeded user alice.

alice is refused (AccessDenied, a PermissionError) when she drains a node or changes bob's
job, and nothing changes; she may submit and cancel her own job.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.jobtools import run_as, scancel_quietly, scontrol_job
from tests.slurmtools import run, scontrol_oneliners

TAG = f"p2p{os.getpid()}"


@pytest.fixture
def bobs_job(slurm_conf: Path) -> Iterator[int]:
    """A held job of bob's, submitted by bob with sbatch."""
    out = run(
        "runuser",
        "-u",
        "bob",
        "--",
        "sbatch",
        "--parsable",
        "-H",
        "-J",
        f"{TAG}-bob",
        "-o",
        "/dev/null",
        "-t",
        "5",
        "--chdir=/tmp",
        "--wrap",
        "true",
    ).stdout
    job_id = int(out.strip().split(";")[0])
    yield job_id
    scancel_quietly(job_id)


def test_alice_cannot_drain_a_node_and_nothing_changes(slurm_conf: Path) -> None:
    before = scontrol_oneliners("node", "node3")[0]
    results = run_as("alice", f'attempt("drain", lambda: cluster.drain("node3", "{TAG}"))')
    assert results["drain"]["ok"] is False
    assert results["drain"]["error"] == "AccessDenied" and results["drain"]["permission"]
    after = scontrol_oneliners("node", "node3")[0]
    assert "DRAIN" not in after["State"] and after.get("Reason") == before.get("Reason")


def test_alice_cannot_change_or_cancel_bobs_job(bobs_job: int) -> None:
    before = scontrol_job(bobs_job)
    results = run_as(
        "alice",
        f"attempt('update', lambda: cluster.update_job({bobs_job}, time_limit=1, comment='x'))\n"
        f"attempt('release', lambda: cluster.release({bobs_job}))\n"
        f"attempt('cancel', lambda: cluster.cancel({bobs_job}))\n",
    )
    for action in ("update", "release", "cancel"):
        assert results[action]["ok"] is False, (action, results[action])
        assert results[action]["error"] == "AccessDenied", (action, results[action])
        assert results[action]["permission"]
    after = scontrol_job(bobs_job)
    for key in ("JobState", "TimeLimit", "Priority", "Reason", "Comment"):
        assert after.get(key) == before.get(key), key


def test_alice_submits_and_cancels_her_own_job(slurm_conf: Path) -> None:
    results = run_as(
        "alice",
        "from slurmlib import JobSpec\n"
        "spec = JobSpec(script='#!/bin/sh\\nsleep 60\\n', name='" + TAG + "-own', hold=True,\n"
        "               output='/dev/null', time_limit=2)\n"
        "job = cluster.submit(spec).job_id\n"
        "results['job'] = job\n"
        "attempt('cancel', lambda: cluster.cancel(job))\n",
    )
    job_id = int(results["job"])
    try:
        assert results["cancel"] == {"ok": True, "value": None}
        shown = scontrol_job(job_id)
        assert shown["UserId"].startswith("alice(") and shown["JobState"] == "CANCELLED"
    finally:
        scancel_quietly(job_id)
