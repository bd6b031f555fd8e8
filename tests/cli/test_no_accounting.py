"""The utilities on a cluster without accounting storage: they carry on without limits,
and never send the request that takes some releases' slurmctld down (23.11.11 seen).

The cluster is a throw-away one (tests/noaccounting.py) running preempt/qos, so that
``nodes`` would ask for QoS limits; after every command its slurmctld must still run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.noaccounting import ThrowAway, throw_away_cluster

SLURMLIB = [sys.executable, "-m", "slurmlib.cli"]


@pytest.fixture(scope="module")
def no_accounting(
    slurm_conf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThrowAway]:
    with throw_away_cluster(tmp_path_factory.mktemp("noacct-cli"), slurm_conf) as cluster:
        yield cluster


def slurmlib(cluster: ThrowAway, *argv: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*SLURMLIB, *argv], env=cluster.env(), capture_output=True, text=True, timeout=120
    )
    assert cluster.controller_alive(), f"slurmctld died on {argv}: {cluster.log()}"
    return done


def test_nodes_under_preempt_qos_carries_on_without_limits(no_accounting: ThrowAway) -> None:
    done = slurmlib(no_accounting, "nodes", "--json")
    assert done.returncode == 0, done.stderr
    debug = json.loads(done.stdout)["partitions"]["debug"]
    assert debug["nodes"] == 1 and debug["preemptable"]["jobs"] == 0
    table = slurmlib(no_accounting, "nodes")
    assert table.returncode == 0 and "Traceback" not in table.stderr, table.stderr


def test_limits_says_there_are_none_and_exits_0(no_accounting: ThrowAway) -> None:
    done = slurmlib(no_accounting, "limits", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["associations"] == [] and "accounting storage" in answer["unsupported"]
    table = slurmlib(no_accounting, "limits")
    assert table.returncode == 0 and "accounting storage" in table.stderr, table.stderr


def test_why_explains_a_job_without_limits(no_accounting: ThrowAway) -> None:
    submitted = subprocess.run(
        [
            "sbatch",
            "--parsable",
            "-H",
            "-o",
            "/dev/null",
            "-t",
            "1",
            "--chdir=/tmp",
            "--wrap",
            "true",
        ],
        env=no_accounting.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    job_id = submitted.stdout.strip().split(";")[0]
    done = slurmlib(no_accounting, "why", job_id, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["reason"] == "JobHeldUser"
