"""`slurmlib health` end to end: the seeded cluster's drained and down nodes need attention."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from slurmlib.cli.health import Status, check_controllers, overall
from slurmlib.records import ControllerPing

from ..slurmtools import run, scontrol_oneliners, settled
from .test_nodes import slurmlib


def health_json(*argv: str, **env: str) -> tuple[int, dict[str, Any]]:
    done = slurmlib("health", "--json", *argv, **env)
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


def checks_by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in report["checks"]}


def expand(hostlist: str) -> set[str]:
    return set(run("scontrol", "show", "hostnames", hostlist).stdout.split())


def sinfo_nodes(*states: str) -> set[str]:
    return set(run("sinfo", "-h", "-N", "-t", ",".join(states), "-o", "%N").stdout.split())


def test_seeded_cluster_needs_attention_exit_1(slurm_conf: Path) -> None:
    code, report = health_json()
    assert code == 1
    assert report["status"] == "WARNING" and report["exit_code"] == 1
    checks = checks_by_name(report)
    assert checks["controller"]["status"] == "OK"
    assert checks["nodes drained"]["status"] == "WARNING"
    assert checks["nodes down"]["status"] == "WARNING"


def test_drained_and_down_nodes_match_sinfo_with_reason_and_who_set_it(slurm_conf: Path) -> None:
    def reference() -> tuple[set[str], set[str]]:
        return sinfo_nodes("drain", "draining"), sinfo_nodes("down")

    (drained, down), (_, report) = settled(reference, health_json)
    checks = checks_by_name(report)
    for name, expected in (("nodes drained", drained), ("nodes down", down)):
        groups = checks[name]["details"]
        named = set().union(*(expand(g["nodes"]) for g in groups))
        assert named == expected, name
        assert sum(g["count"] for g in groups) == len(expected)
        # One node per group is checked against scontrol's "Reason=text [user@time]".
        for group in groups:
            first = sorted(expand(group["nodes"]))[0]
            ref = scontrol_oneliners("node", first)[0]
            text, user = re.fullmatch(r"(.*) \[(\w+)@[\dT:-]+\]", ref["Reason"]).groups()  # type: ignore[union-attr]
            assert (group["reason"], group["set_by"]) == (text, user), first
            assert group["for_seconds"] >= 0


def test_not_responding_nodes_match_sinfo(slurm_conf: Path) -> None:
    def reference() -> set[str]:
        lines = run("sinfo", "-h", "-N", "-o", "%N %t").stdout.splitlines()
        return {name for name, state in (line.split() for line in lines) if state.endswith("*")}

    silent, (_, report) = settled(reference, health_json)
    details = checks_by_name(report)["nodes not responding"]["details"]
    assert silent and expand(details[0]["nodes"]) == silent


def test_scheduler_figures_and_rpc_users_come_from_sdiag(slurm_conf: Path) -> None:
    _, report = health_json("--top", "50")
    checks = checks_by_name(report)
    figures = checks["scheduler"]["details"][0]
    assert figures["server_threads"] >= 1
    sdiag = run("sdiag").stdout
    by_user = sdiag.split("Remote Procedure Call statistics by user")[1]
    users = set(re.findall(r"^\s+(\S+)\s+\(\s*\d+\)", by_user, re.M))
    ours = {u["user"] for u in checks["heaviest users"]["details"]}
    # sdiag was asked after us: everyone we saw is still listed (counters only grow).
    assert ours and ours <= users
    by_type = sdiag.split("by message type")[1].split("by user")[0]
    types = set(map(int, re.findall(r"\(\s*(\d+)\)", by_type)))
    assert {r["id"] for r in checks["slowest rpcs"]["details"]} <= types
    averages = [r["average_ms"] for r in checks["slowest rpcs"]["details"]]
    assert averages == sorted(averages, reverse=True)


def test_human_report_ends_with_the_status(slurm_conf: Path) -> None:
    done = slurmlib("health")
    assert done.returncode == 1
    lines = done.stdout.rstrip().splitlines()
    assert lines[0].split() == ["CHECK", "STATUS", "DETAIL"]
    assert lines[-1] == "WARNING"
    assert "node4: DIMM errors, ticket 4711 [root, " in done.stdout
    assert "\x1b[" not in done.stdout


def test_no_controller_is_critical_exit_2(slurm_conf: Path, tmp_path: Path) -> None:
    # The same cluster's configuration, with a controller port where nothing listens.
    conf = tmp_path / "slurm.conf"
    text = slurm_conf.read_text()
    conf.write_text(re.sub(r"(?m)^SlurmctldPort=\d+$", "SlurmctldPort=1", text))
    code, report = health_json(SLURM_CONF=str(conf))
    assert code == 2 and report["status"] == "CRITICAL"
    assert report["checks"][0]["details"][0]["up"] is False


def test_no_configuration_is_unknown_exit_3(tmp_path: Path) -> None:
    done = slurmlib("health", SLURM_CONF=str(tmp_path / "absent.conf"))
    assert done.returncode == 3
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("slurmlib health: UNKNOWN: no Slurm configuration found")


def test_help_has_an_example_and_the_exit_codes() -> None:
    done = slurmlib("health", "--help")
    assert done.returncode == 0 and "example: slurmlib health" in done.stdout
    assert "2 CRITICAL" in " ".join(done.stdout.split())


def ping(index: int, up: bool) -> ControllerPing:
    return ControllerPing(index, f"ctl{index}", index == 0, up, timedelta(0) if up else None)


def test_a_backup_that_answers_for_a_dead_primary_is_a_warning() -> None:
    assert check_controllers([ping(0, True), ping(1, True)]).status is Status.OK
    assert check_controllers([ping(0, True), ping(1, False)]).status is Status.WARNING
    assert check_controllers([ping(0, False), ping(1, True)]).status is Status.WARNING
    assert check_controllers([ping(0, False), ping(1, False)]).status is Status.CRITICAL
    assert overall([]) is Status.UNKNOWN
