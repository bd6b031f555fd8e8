"""Heterogeneous jobs: each component is a record of its own, tied to its leader.

A held two-component job is submitted with sbatch (``-n1 : -n2``) and read through
slurmlib and ``squeue --json``: job ids, het_job_id, het_job_offset, CPUs and reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from slurmlib import Cluster

from ..slurmtools import run, run_json
from .jobtools import unwrap


@pytest.fixture
def het_leader(slurm_conf: object, tmp_path: Path) -> Iterator[int]:
    script = tmp_path / "het.sh"
    script.write_text("#!/bin/sh\ntrue\n")
    out = run(
        "sbatch", "--parsable", "-H", "-J", "slurmlib-het", "-p", "debug", "-n1",
        ":", "-p", "debug", "-n2", str(script),
    )  # fmt: skip
    leader = int(out.stdout.strip().split(";")[0])
    try:
        yield leader
    finally:
        run("scancel", str(leader), check=False)


def test_het_job_components_match_squeue(het_leader: int) -> None:
    reference = {
        j["job_id"]: j
        for j in run_json("squeue")["jobs"]
        if unwrap(j.get("het_job_id")) == het_leader
    }
    assert len(reference) == 2
    ours = {j.job_id: j for j in Cluster().jobs(job_ids=[het_leader])}
    assert set(ours) == set(reference)
    for job_id, ref in reference.items():
        job = ours[job_id]
        assert job.het_job_id == het_leader
        assert job.het_job_offset == unwrap(ref["het_job_offset"])
        assert job.num_cpus == unwrap(ref["cpus"])
        assert job.state_reason == ref["state_reason"] == "JobHeldUser"
    assert sorted(j.het_job_offset for j in ours.values()) == [0, 1]


def test_a_component_is_found_by_its_own_id(het_leader: int) -> None:
    component = Cluster().job(het_leader + 1)
    assert component.het_job_id == het_leader
    assert component.het_job_offset == 1
