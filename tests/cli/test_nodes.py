"""`slurmlib nodes` end to end, its numbers checked against sinfo on the same state."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from ..slurmtools import run, scontrol_oneliners

SLURMLIB = [sys.executable, "-m", "slurmlib.cli"]


def slurmlib(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SLURMLIB, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def nodes_json(*argv: str) -> dict[str, Any]:
    done = slurmlib("nodes", "--json", *argv)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["partitions"]  # type: ignore[no-any-return]


def test_cpus_per_partition_match_sinfo(slurm_conf: Path) -> None:
    ours = nodes_json()
    reference = {}
    for line in run("sinfo", "-h", "-o", "%R %C %D").stdout.splitlines():
        name, cpus, count = line.split()
        reference[name] = (tuple(map(int, cpus.split("/"))), int(count))
    assert set(ours) == set(reference)
    for name, (cpus, count) in reference.items():
        c = ours[name]["cpus"]
        assert (c["allocated"], c["idle"], c["other"], c["total"]) == cpus, name
        assert ours[name]["nodes"] == count, name


def test_node_states_per_partition_match_sinfo(slurm_conf: Path) -> None:
    ours = nodes_json()
    words = {
        "alloc": "allocated",
        "mix": "mixed",
        "idle": "idle",
        "drain": "drained",
        "drng": "draining",
        "down": "down",
        "resv": "reserved",
        "unk": "unknown",
    }
    reference: dict[str, Counter[str]] = {}
    for line in run("sinfo", "-h", "-o", "%R %t %D").stdout.splitlines():
        name, state, count = line.split()
        reference.setdefault(name, Counter())[words[state.rstrip("*~#$@%!^-")]] += int(count)
    for name, states in reference.items():
        nonzero = {k: v for k, v in ours[name]["states"].items() if v}
        assert nonzero == dict(states), name


def test_feature_filter_counts_the_nodes_that_have_both_features(slurm_conf: Path) -> None:
    nodes = scontrol_oneliners("node")
    expected = Counter()
    for node in nodes:
        features = set(node.get("ActiveFeatures", "").split(","))
        if {"intel", "ib"} <= features:
            for part in node["Partitions"].split(","):
                expected[part] += 1
    assert sum(expected.values()) > 0
    ours = nodes_json("--feature", "intel&ib")
    assert {p: s["nodes"] for p, s in ours.items() if s["nodes"]} == dict(expected)


def test_human_view_is_a_table_with_a_row_per_partition(slurm_conf: Path) -> None:
    done = slurmlib("nodes")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["PARTITION", "NODES"]
    partitions = {r["PartitionName"] for r in scontrol_oneliners("partition")}
    assert {line.split()[0].rstrip("*") for line in lines[1:]} == partitions
    assert "\x1b[" not in done.stdout  # no colour off a terminal


def test_bad_input_is_one_line_and_a_non_zero_exit(slurm_conf: Path, tmp_path: Path) -> None:
    for argv in (["nodes", "-p", "no-such-partition"], ["nodes", "--feature", "a&&b"]):
        done = slurmlib(*argv)
        assert done.returncode == 2, argv
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    done = slurmlib("nodes", SLURM_CONF=str(tmp_path / "absent.conf"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert re.search(r"no Slurm configuration found", done.stderr)


def test_help_has_an_example() -> None:
    done = slurmlib("nodes", "--help")
    assert done.returncode == 0 and "example: slurmlib nodes" in done.stdout
