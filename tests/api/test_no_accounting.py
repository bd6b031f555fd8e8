"""A cluster without accounting storage: limits and fair-share are refused before any
request is sent, the topology is empty, and the controller survives every call.

Some releases' slurmctld (23.11.11 seen) die on the association manager's request when they
run without accounting storage, so slurmlib must never send it there. The cluster is a
throw-away one (tests/noaccounting.py); the calls run in a child process, which libslurm's
one-configuration-per-process rule requires, and the child checks after every call that
slurmctld still runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.noaccounting import ThrowAway, throw_away_cluster

CALLS = """
import json, sys
import slurmlib
from slurmlib.errors import SlurmError
from tests.noaccounting import alive

ctld = int(sys.argv[1])
cluster = slurmlib.Cluster()
results = {}
for name in ("config", "nodes", "limits", "shares", "topology", "jobs", "limits"):
    try:
        answer = getattr(cluster, name)()
        outcome = {"ok": True, "size": len(answer) if isinstance(answer, tuple) else None}
    except SlurmError as exc:
        outcome = {"ok": False, "error": type(exc).__name__, "text": str(exc)}
    outcome["controller_alive"] = alive(ctld)
    results.setdefault(name, []).append(outcome)
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def no_accounting(
    slurm_conf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThrowAway]:
    with throw_away_cluster(tmp_path_factory.mktemp("noacct"), slurm_conf) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def calls(no_accounting: ThrowAway) -> dict[str, list[dict[str, Any]]]:
    done = subprocess.run(
        [sys.executable, "-c", CALLS, str(no_accounting.slurmctld.pid)],
        env=no_accounting.env(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert no_accounting.controller_alive(), no_accounting.log()
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_throw_away_cluster_runs_without_accounting_storage(no_accounting: ThrowAway) -> None:
    shown = subprocess.run(
        ["scontrol", "show", "config"], env=no_accounting.env(), capture_output=True, text=True
    ).stdout
    storage = next(
        line.split("=", 1)[1].strip()
        for line in shown.splitlines()
        if line.split("=", 1)[0].strip() == "AccountingStorageType"
    )
    # Releases without the none plugin (24.11 on) take accounting_storage/none for no
    # accounting storage at all and show the setting unset.
    assert storage in ("accounting_storage/none", "(null)"), storage


def test_limits_and_shares_raise_unsupported_without_accounting_storage(
    calls: dict[str, list[dict[str, Any]]],
) -> None:
    for name in ("limits", "shares"):
        for outcome in calls[name]:
            assert outcome["ok"] is False and outcome["error"] == "Unsupported", outcome
            assert "accounting storage" in outcome["text"]


def test_the_controller_is_alive_after_every_call(
    calls: dict[str, list[dict[str, Any]]], no_accounting: ThrowAway
) -> None:
    for name, outcomes in calls.items():
        for outcome in outcomes:
            assert outcome["controller_alive"], (name, no_accounting.log())
    ping = subprocess.run(
        ["scontrol", "ping"], env=no_accounting.env(), capture_output=True, text=True
    )
    assert "UP" in ping.stdout, ping


def test_topology_is_empty_without_a_topology_plugin(
    calls: dict[str, list[dict[str, Any]]],
) -> None:
    assert calls["topology"] == [{"ok": True, "size": 0, "controller_alive": True}]


def test_other_reads_work_without_accounting_storage(
    calls: dict[str, list[dict[str, Any]]],
) -> None:
    assert calls["config"][0]["ok"] and calls["nodes"][0]["ok"] and calls["jobs"][0]["ok"]
