"""`slurmlib limits` end to end on the seeded cluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from slurmlib.cli.limits import marker

from ..slurmtools import run, run_json
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
    # The heaviest users include bob, near (not at) his GPU limit, and alice, bound.
    rows = limits_json("--top", "2")
    bound = sum(1 for row in rows if row["binding"] and row["binding"]["headroom"] <= 0)
    assert bound >= 1
    assert done.stdout.count("← binds") == bound
    assert done.stdout.count("← nearest") == len(rows) - bound
    assert "GrpTRES[cpu]" in done.stdout or "MaxTRESPerUser[cpu]" in done.stdout


def test_table_marks_binds_only_where_nothing_is_left_and_nearest_otherwise(
    slurm_conf: Path,
) -> None:
    rows = [r for r in limits_json() if r["limits"]]
    done = slurmlib("limits")
    assert done.returncode == 0, done.stderr
    marked = [line for line in done.stdout.splitlines() if "←" in line]
    assert len(marked) == len(rows)
    for line, row in zip(marked, rows, strict=True):
        headroom = row["limits"][0]["headroom"]
        assert line.endswith("← binds" if headroom <= 0 else "← nearest"), (line, headroom)
        assert line.split()[:2] == [row["user"], row["account"]]
    # The seed has both: carol at her QoS's MaxJobsPerUser, alice with room left.
    assert {line.split("←")[1].strip() for line in marked} == {"binds", "nearest"}
    assert len({line.index("←") for line in marked}) == 1, "the markers are not aligned"


def test_the_marker_says_binds_at_no_headroom_only() -> None:
    assert marker(0) == marker(-1) == "← binds"
    assert marker(1) == marker(17) == "← nearest"


def _assoc_mgr_gpus(*argv: str) -> dict[str, tuple[str, int]]:
    """Every ``gres/gpu=LIMIT(USED)`` of ``scontrol show assoc_mgr`` by the key before it
    (``GrpTRES``, ``MaxTRESPU``), the last one seen of each."""
    found = {}
    for token in run("scontrol", "show", "assoc_mgr", *argv).stdout.split():
        key, _, items = token.partition("=")
        for item in items.split(","):
            if item.startswith("gres/gpu=") and not item.startswith("gres/gpu=N("):
                value, used = item[len("gres/gpu=") :].rstrip(")").split("(")
                found[key] = (value, int(used))
    return found


def test_gpu_limits_of_qos_and_associations_equal_assoc_mgr(slurm_conf: Path) -> None:
    """alice is bound by QoS devel's MaxTRESPerUser gres/gpu=2; bob's own association has
    GrpTRES gres/gpu=4 with his running GPU jobs' GPUs in use."""
    for row in limits_json("-u", "alice"):
        devel = [x for x in row["limits"] if x["source"] == "qos devel (per user)"]
        assert devel and devel[0]["limit"] == "MaxTRESPerUser[gres/gpu]"
        value, used = _assoc_mgr_gpus("flags=qos", "qos=devel")["MaxTRESPU"]
        assert (devel[0]["value"], devel[0]["used"]) == (int(value), used)
        assert row["binding"]["limit"] == "MaxTRESPerUser[gres/gpu]"
    (bob,) = limits_json("-u", "bob")
    own = [
        x for x in bob["limits"] if x["source"] == "user bob@physics" and "gres/gpu" in x["limit"]
    ]
    assert own and own[0]["limit"] == "GrpTRES[gres/gpu]"
    value, used = _assoc_mgr_gpus("flags=assoc", "users=bob", "accounts=physics")["GrpTRES"]
    assert (own[0]["value"], own[0]["used"]) == (int(value), used)
    assert used >= 3  # his seeded GPU jobs
