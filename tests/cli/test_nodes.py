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

from ..slurmtools import parsable, run, scontrol_oneliners, settled

SLURMLIB = [sys.executable, "-m", "slurmlib.cli"]


def slurmlib(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SLURMLIB, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


SINFO_STATES = {
    "alloc": "allocated",
    "mix": "mixed",
    "idle": "idle",
    "comp": "completing",
    "drain": "drained",
    "drng": "draining",
    "down": "down",
    "resv": "reserved",
    "unk": "unknown",
}


def nodes_json(*argv: str) -> dict[str, Any]:
    done = slurmlib("nodes", "--json", *argv)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["partitions"]  # type: ignore[no-any-return]


def test_cpus_per_partition_match_sinfo(slurm_conf: Path) -> None:
    def sinfo() -> dict[str, tuple[tuple[int, ...], int]]:
        reference = {}
        for line in run("sinfo", "-h", "-o", "%R %C %D").stdout.splitlines():
            name, cpus, count = line.split()
            reference[name] = (tuple(map(int, cpus.split("/"))), int(count))
        return reference

    reference, ours = settled(sinfo, nodes_json)
    assert set(ours) == set(reference)
    for name, (cpus, count) in reference.items():
        c = ours[name]["cpus"]
        assert (c["allocated"], c["idle"], c["other"], c["total"]) == cpus, name
        assert ours[name]["nodes"] == count, name


def test_node_states_per_partition_match_sinfo(slurm_conf: Path) -> None:
    def sinfo() -> dict[str, Counter[str]]:
        reference: dict[str, Counter[str]] = {}
        for line in run("sinfo", "-h", "-o", "%R %t %D").stdout.splitlines():
            name, state, count = line.split()
            word = SINFO_STATES[state.rstrip("*~#$@%!^-")]
            reference.setdefault(name, Counter())[word] += int(count)
        return reference

    reference, ours = settled(sinfo, nodes_json)
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
    # The partition table, then (after a blank line) the preemptable capacity.
    lines = done.stdout.split("\n\n")[0].splitlines()
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


# ---------------------------------------------------------------------------- the tree view


def test_tree_matches_sinfo_per_partition_feature_and_state(slurm_conf: Path) -> None:
    def sinfo() -> dict[tuple[str, str, str], list[int]]:
        # %b: active features; sinfo also splits lines by other attributes: summed here.
        reference: dict[tuple[str, str, str], list[int]] = {}
        for line in run("sinfo", "-h", "-o", "%R|%b|%t|%D|%C").stdout.splitlines():
            part, features, state, count, cpus = line.split("|")
            key = ",".join(sorted(features.split(","))) if features != "(null)" else "(no features)"
            word = SINFO_STATES[state.rstrip("*~#$@%!^-")]
            totals = reference.setdefault((part, key, word), [0, 0, 0, 0, 0])
            for i, value in enumerate([int(count), *map(int, cpus.split("/"))]):
                totals[i] += value
        return reference

    def tree() -> dict[str, Any]:
        done = slurmlib("nodes", "--tree", "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["tree"]  # type: ignore[no-any-return]

    reference, ours = settled(sinfo, tree)
    flat = {
        (part, features, state): [
            leaf["nodes"],
            leaf["cpus"]["allocated"],
            leaf["cpus"]["idle"],
            leaf["cpus"]["other"],
            leaf["cpus"]["total"],
        ]
        for part, branches in ours.items()
        for features, states in branches.items()
        for state, leaf in states.items()
    }
    assert flat == reference


def test_tree_table_nests_features_under_partitions(slurm_conf: Path) -> None:
    done = slurmlib("nodes", "--tree", "-p", "gpu")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[0] == "PARTITION"
    assert lines[1].split()[0] == "gpu"
    # Features two spaces in, states four: the tree's levels.
    assert any(re.match(r"^ {2}a100,ib,intel\s", line) for line in lines)
    assert any(re.match(r"^ {4}down\s", line) for line in lines)


# ---------------------------------------------------------------------------- one line per node


def test_node_detail_matches_scontrol(slurm_conf: Path) -> None:
    seed = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    names = [*seed["nodes"]["live"], "gpu01"]

    def detail() -> dict[str, Any]:
        done = slurmlib("nodes", "-n", ",".join(names), "--json")
        assert done.returncode == 0, done.stderr
        return {n["name"]: n for n in json.loads(done.stdout)["nodes"]}

    def scontrol() -> dict[str, Any]:
        nodes = {n["NodeName"]: n for n in scontrol_oneliners("node") if n["NodeName"] in names}
        # FreeMem is sampled by slurmd and drifts: not part of what must stand still.
        return {
            name: {k: v for k, v in n.items() if k not in ("FreeMem", "CPULoad")}
            for name, n in nodes.items()
        } | {"jobs": running_jobs()}

    def running_jobs() -> dict[str, list[int]]:
        return {
            name: sorted(
                map(int, run("squeue", "-h", "-t", "R", "-w", name, "-o", "%A").stdout.split())
            )
            for name in names
        }

    reference, ours = settled(scontrol, detail)
    assert sorted(ours) == sorted(names)
    for name in names:
        ref = reference[name]
        node = ours[name]
        assert node["cpus"]["allocated"] == int(ref["CPUAlloc"]), name
        assert node["cpus"]["total"] == int(ref["CPUTot"]), name
        assert node["memory_mib"]["total"] == int(ref["RealMemory"]), name
        assert node["memory_mib"]["allocated"] == int(ref["AllocMem"]), name
        assert node["partitions"] == ref["Partitions"].split(","), name
        assert node["active_features"] == ref["ActiveFeatures"].split(","), name
        if "Reason" in ref:
            # "DIMM errors, ticket 4711 [root@2026-01-01T09:00:00]"
            text, user = re.fullmatch(r"(.*) \[(\w+)@[\dT:-]+\]", ref["Reason"]).groups()  # type: ignore[union-attr]
            assert (node["reason"], node["reason_user"]) == (text, user), name
        else:
            assert node["reason"] is None
        assert node["jobs"] == reference["jobs"][name], name


def test_long_view_lists_every_node_of_the_partition(slurm_conf: Path) -> None:
    done = slurmlib("nodes", "--long", "-p", "gpu")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["NODE", "STATE"]
    expected = run("sinfo", "-h", "-N", "-p", "gpu", "-o", "%N").stdout.split()
    assert sorted(line.split()[0] for line in lines[1:]) == sorted(expected)
    # Drained and down nodes carry their reason and who set it.
    assert "GPU ECC errors [root, " in done.stdout


def test_unknown_node_is_one_line_and_exit_2(slurm_conf: Path) -> None:
    done = slurmlib("nodes", "-n", "node1,nosuch[1-2]")
    assert done.returncode == 2
    assert done.stderr.strip() == "slurmlib: no such node: nosuch[1-2]"


# ---------------------------------------------------------------------------- preemption


def preemptable_qos() -> set[str]:
    """QoS that some other QoS may preempt, as sacctmgr lists them."""
    rows = parsable("sacctmgr", "show", "qos", "format=Name,Preempt")
    return {victim for row in rows for victim in row["Preempt"].split(",") if victim}


def test_preemptable_capacity_is_what_running_jobs_of_preemptable_qos_hold(
    slurm_conf: Path,
) -> None:
    seed = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    assert run("scontrol", "show", "config").stdout.count("preempt/qos") == 1
    victims = preemptable_qos()
    assert set(seed["preemption"]["qos"]["high"]) <= victims
    partitions = {
        p["PartitionName"]: set(run("scontrol", "show", "hostnames", p["Nodes"]).stdout.split())
        for p in scontrol_oneliners("partition")
    }

    def squeue() -> dict[str, dict[str, Any]]:
        expected: dict[str, dict[str, Any]] = {p: {"jobs": set(), "cpus": 0} for p in partitions}
        for line in run("squeue", "-h", "-t", "R", "-o", "%A|%q|%C|%N").stdout.splitlines():
            job, qos, cpus, nodes = line.split("|")
            if qos not in victims:
                continue
            hosts = set(run("scontrol", "show", "hostnames", nodes).stdout.split())
            for part, members in partitions.items():
                if hosts <= members:
                    expected[part]["jobs"].add(int(job))
                    expected[part]["cpus"] += int(cpus)
        return expected

    expected, ours = settled(squeue, nodes_json)
    for role in seed["preemption"]["preemptable_jobs"]:
        assert any(seed["jobs"][role] in e["jobs"] for e in expected.values()), role
    for part, want in expected.items():
        got = ours[part]["preemptable"]
        assert (got["jobs"], got["cpus"]) == (len(want["jobs"]), want["cpus"]), part
    # Shown apart in the table too.
    done = slurmlib("nodes")
    assert "Preemptable" in done.stdout


def _gres(text: str) -> Counter[str]:
    """``gpu:a100:4(IDX:0-3)`` → ``{"gpu:a100": 4}``, as sinfo prints Gres and GresUsed
    (one GRES per node here)."""
    counts: Counter[str] = Counter()
    if text in ("", "(null)"):
        return counts
    name, _, count = text.split("(")[0].rpartition(":")
    counts[name] += int(count)
    return counts


def test_gpus_per_partition_and_type_add_up_to_sinfo_gres_and_gres_used(
    slurm_conf: Path,
) -> None:
    """Every request style's GPUs are in the nodes' GresUsed; the partition sums and the
    per-type sums are what sinfo's per-node Gres/GresUsed add up to."""

    def sinfo() -> dict[str, tuple[Counter[str], Counter[str]]]:
        out = run("sinfo", "-h", "-N", "-O", "Partition:20,Gres:40,GresUsed:40").stdout
        sums: dict[str, tuple[Counter[str], Counter[str]]] = {}
        for line in out.splitlines():
            part = line[:20].strip().rstrip("*")
            total, used = sums.setdefault(part, (Counter(), Counter()))
            total.update(_gres(line[20:60].strip()))
            used.update(_gres(line[60:].strip()))
        return sums

    reference, ours = settled(sinfo, nodes_json)
    assert reference["ml"][1]["gpu:a100"] == 4  # the seed fills node5's a100
    for part, (total, used) in reference.items():
        gpus = ours[part]["gpus"]
        assert gpus["total"] == sum(total.values()), part
        assert gpus["allocated"] == sum(used.values()), part
        by_type = gpus["by_type"]
        assert {k: v["total"] for k, v in by_type.items()} == dict(+total), part
        assert {k: v["allocated"] for k, v in by_type.items() if v["allocated"]} == dict(+used)
        for counts in by_type.values():
            assert counts["allocated"] + counts["idle"] + counts["other"] == counts["total"]


def test_node_detail_gpus_equal_scontrol_alloc_tres(slurm_conf: Path) -> None:
    done = slurmlib("nodes", "--json", "-n", "node[5-6]")
    assert done.returncode == 0, done.stderr
    records = {r["name"]: r for r in json.loads(done.stdout)["nodes"]}
    for shown in scontrol_oneliners("node", "node[5-6]"):
        alloc = dict(i.split("=", 1) for i in shown.get("AllocTRES", "").split(",") if "=" in i)
        gpus = records[shown["NodeName"]]["gpus"]
        assert gpus["allocated"] == int(alloc.get("gres/gpu", 0))
        assert sum(t["allocated"] for t in gpus["by_type"].values()) == gpus["allocated"]
    assert records["node5"]["gpus"]["by_type"] == {"gpu:a100": {"allocated": 4, "total": 4}}
    human = slurmlib("nodes", "-n", "node5")
    assert "a100:4/4" in human.stdout
