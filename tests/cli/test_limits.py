"""`slurmlib limits` end to end on the seeded cluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..slurmtools import run_json
from .test_nodes import slurmlib


def limits_json(*argv: str) -> list[dict[str, Any]]:
    done = slurmlib("limits", "--json", *argv)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["associations"]  # type: ignore[no-any-return]


def test_user_at_a_qos_job_limit_is_reported_bound_by_it(slurm_conf: Path) -> None:
    seed = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    user = seed["job_users"]["pending_qos_limit"]
    pending = [
        j for j in run_json("squeue")["jobs"] if j["job_id"] == seed["jobs"]["pending_qos_limit"]
    ]
    qos = pending[0]["qos"]
    running = [
        j
        for j in run_json("squeue")["jobs"]
        if j["user_name"] == user and j["qos"] == qos and "RUNNING" in str(j["job_state"])
    ]
    rows = limits_json("-u", user)
    assert rows and all(r["user"] == user for r in rows)
    binding = rows[0]["binding"]
    assert binding["source"] == f"qos {qos} (per user)"
    assert binding["limit"] == "MaxJobsPerUser"
    assert binding["used"] == len(running) == binding["value"]
    assert binding["headroom"] == 0


def test_account_filter_and_limits_sorted_by_what_is_left(slurm_conf: Path) -> None:
    rows = limits_json("-A", "physics")
    assert rows and {r["account"] for r in rows} == {"physics"}
    for row in rows:
        left = [(lim["headroom"] / lim["value"] if lim["value"] else 0.0) for lim in row["limits"]]
        assert left == sorted(left)
        assert all(lim["used"] >= 0 and lim["value"] >= 0 for lim in row["limits"])


def test_unknown_user_is_one_line_and_exit_2(slurm_conf: Path) -> None:
    done = slurmlib("limits", "-u", "nobody-here")
    assert done.returncode == 2
    assert done.stderr.strip() == "slurmlib: no association for user nobody-here"


def test_table_marks_the_binding_limit(slurm_conf: Path) -> None:
    done = slurmlib("limits", "--top", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("← binds") == 2
    assert "GrpTRES[cpu]" in done.stdout or "MaxTRESPerUser[cpu]" in done.stdout
