"""``-M/--clusters`` of the commands, against Slurm's own ``-M`` on the second cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from ..slurmtools import run

SLURMLIB = [sys.executable, "-m", "slurmlib.cli"]


def slurmlib(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SLURMLIB, *argv], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )


def _sinfo_counts(cluster: str) -> dict[str, int]:
    """Nodes per partition, as ``sinfo -M CLUSTER`` counts them."""
    counts: dict[str, int] = {}
    for line in run("sinfo", "-M", cluster, "-h", "-o", "%R %D").stdout.splitlines():
        if line.startswith("CLUSTER"):
            continue
        part, nodes = line.split()
        counts[part] = counts.get(part, 0) + int(nodes)
    return counts


def _json(*argv: str) -> Any:
    done = slurmlib(*argv)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.usefixtures("slurm_conf")
def test_nodes_M_other_counts_what_sinfo_M_other_counts() -> None:
    doc = _json("nodes", "-M", "other", "--json")
    assert list(doc) == ["other"]
    parts = doc["other"]["partitions"]
    assert {p: v["nodes"] for p, v in parts.items()} == _sinfo_counts("other")


@pytest.mark.usefixtures("slurm_conf")
def test_nodes_M_all_is_keyed_by_cluster_and_each_equals_its_own_run() -> None:
    every = _json("nodes", "-M", "all", "--json")
    local = run("scontrol", "show", "config").stdout
    name = next(line.split("=", 1)[1].strip() for line in local.splitlines()
                if line.startswith("ClusterName"))  # fmt: skip
    assert set(every) >= {"other", name}
    for cluster in ("other", name):
        parts = every[cluster]["partitions"]
        assert {p: v["nodes"] for p, v in parts.items()} == _sinfo_counts(cluster)
    # Without -M: the document of today, the configuration's cluster, not keyed.
    plain = _json("nodes", "--json")
    assert "partitions" in plain and plain["partitions"].keys() == every[name]["partitions"].keys()


@pytest.mark.usefixtures("slurm_conf")
def test_human_output_comes_under_a_cluster_line_as_squeue_M_prints_it() -> None:
    done = slurmlib("nodes", "-M", "other,all")
    assert done.returncode == 0, done.stderr
    headings = [line for line in done.stdout.splitlines() if line.startswith("CLUSTER: ")]
    assert "CLUSTER: other" in headings and len(headings) >= 2
    plain = slurmlib("nodes")
    assert "CLUSTER:" not in plain.stdout
    top = slurmlib("top", "-M", "other", "--json")
    assert top.returncode == 0, top.stderr
    running = {j["job_id"] for j in json.loads(top.stdout)["other"]["jobs"]}
    squeue = run("squeue", "-M", "other", "-h", "-o", "%A").stdout.split()
    assert {str(i) for i in running} >= {w for w in squeue if w.isdigit()}


@pytest.mark.usefixtures("slurm_conf")
@pytest.mark.parametrize("command", ["nodes", "health", "limits", "top", "why"])
def test_an_unknown_cluster_is_one_line_and_exit_2(command: str) -> None:
    argv = [command, "-M", "nosuch"] + (["1"] if command == "why" else [])
    done = slurmlib(*argv)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "nosuch" in lines[0] and "other" in lines[0]
