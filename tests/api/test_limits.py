"""limits(): the controller's live limits and usage, against `scontrol show assoc_mgr`."""

from __future__ import annotations

import pwd
import re
from pathlib import Path
from typing import Any

import pytest

from slurmlib import UNLIMITED, Cluster
from slurmlib.records import Limits

from ..slurmtools import run

PAIR = re.compile(r"(\w+)=([^\s(]*)\(([^)]*)\)")  # Key=limit(used), limit "N" = none
# Typed TRES too: gres/gpu:a100=N(2).
TRES = re.compile(r"([\w/:.-]+)=(\w+)\(([^)]*)\)")


def _uid(who: str) -> int:
    if who.isdigit():
        return int(who)
    inner = re.search(r"\((\d+)\)", who)
    return int(inner.group(1)) if inner else pwd.getpwnam(who).pw_uid


def _limit(text: str) -> Any:
    return None if text in ("N", "") else int(text)


def _blocks(text: str, head: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith(head):
            blocks.append([line])
        elif blocks and line.startswith(" "):
            blocks[-1].append(line)
    return blocks


def _tres_line(lines: list[str], key: str) -> dict[str, tuple[Any, int]]:
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(key + "="):
            return {
                name: (_limit(limit), int(float(used)))
                for name, limit, used in TRES.findall(stripped[len(key) + 1 :])
            }
    raise AssertionError(f"no {key} in {lines}")


def _pairs(lines: list[str]) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for line in lines:
        if "TRES" in line:
            continue
        for key, limit, used in PAIR.findall(line):
            found.setdefault(key, (limit, used))
    return found


@pytest.fixture(scope="module")
def pair(slurm_conf: Path) -> tuple[Limits, str]:
    reference = run("scontrol", "show", "assoc_mgr", "flags=qos,assoc").stdout
    return Cluster().limits(), reference


def _same_limit(ours: Any, theirs: str) -> bool:
    expected = _limit(theirs)
    return ours == expected or (expected is None and ours in (None, UNLIMITED))


def test_qos_limits_and_usage_match_assoc_mgr(pair: tuple[Limits, str]) -> None:
    limits, reference = pair
    qos = {q.name: q for q in limits.qos}
    blocks = _blocks(reference, "QOS=")
    assert blocks
    users_checked = 0
    for block in blocks:
        name = re.match(r"QOS=([^(]+)\(", block[0]).group(1)  # type: ignore[union-attr]
        q = qos[name]
        pairs = _pairs(block[: next((i for i, line in enumerate(block) if "Limits" in line), None)])
        assert _same_limit(q.grp_jobs, pairs["GrpJobs"][0]), name
        assert q.used_jobs == int(pairs["GrpJobs"][1]), name
        assert q.used_submit_jobs == int(pairs["GrpSubmitJobs"][1]), name
        for tres, (limit, used) in _tres_line(block, "GrpTRES").items():
            assert q.grp_tres.get(tres) == limit, (name, tres)
            assert q.used_tres[tres] == used, (name, tres)
        wall = next(
            line.split("=", 1)[1] for line in block if line.strip().startswith("MaxWallPJ=")
        )
        # No limit: scontrol prints nothing, slurmlib says None or UNLIMITED.
        assert (q.max_wall_per_job in (None, UNLIMITED)) == (wall.strip() == ""), name
        if wall.strip():
            assert q.max_wall_per_job.total_seconds() == int(wall) * 60  # type: ignore[union-attr]
        # Per-user usage under the QoS: "User Limits" then "<uid>" then its counters.
        users = {u.user_id: u for u in q.per_user}
        text = "\n".join(block)
        # 22.05 names the user by uid ("1003"), later releases by name ("carol(1003)").
        for who, jobs_limit, jobs_used, submit_used in re.findall(
            r"^\s+(\S+)\n\s+MaxJobsPU=(\w*)\((\d+)\).*?MaxSubmitJobsPU=\w*\((\d+)\)", text, re.M
        ):
            uid = _uid(who)
            assert users[uid].jobs == int(jobs_used), (name, who)
            assert users[uid].submit_jobs == int(submit_used), (name, who)
            assert _same_limit(q.max_jobs_per_user, jobs_limit), name
            users_checked += 1
    assert users_checked > 0, "the seed runs jobs under QoS with per-user limits"


def test_association_limits_and_usage_match_assoc_mgr(pair: tuple[Limits, str]) -> None:
    limits, reference = pair
    assocs = {a.id: a for a in limits.associations}
    blocks = _blocks(reference, "ClusterName=")
    assert len(blocks) == len(assocs)
    for block in blocks:
        ident = int(re.search(r"\bID=(\d+)", block[0]).group(1))  # type: ignore[union-attr]
        a = assocs[ident]
        account = re.search(r"Account=(\S*)", block[0]).group(1)  # type: ignore[union-attr]
        user = re.search(r"UserName=([^(\s]*)", block[0]).group(1)  # type: ignore[union-attr]
        assert (a.account, a.user or "") == (account, user)
        pairs = _pairs(block)
        assert a.used_jobs == int(pairs["GrpJobs"][1]), ident
        assert a.used_submit_jobs == int(pairs["GrpSubmitJobs"][1]), ident
        if "MaxJobs" in pairs:
            assert _same_limit(a.max_jobs, pairs["MaxJobs"][0]), ident
        for tres, (limit, used) in _tres_line(block, "GrpTRES").items():
            assert a.grp_tres.get(tres) == limit, (ident, tres)
            assert a.used_tres[tres] == used, (ident, tres)


def test_a_seeded_user_at_a_qos_limit_is_at_it(pair: tuple[Limits, str], slurm_conf: Path) -> None:
    import json

    seed = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    user = seed["job_users"]["pending_qos_limit"]
    job = Cluster().job(seed["jobs"]["pending_qos_limit"])
    q = next(q for q in pair[0].qos if q.name == job.qos)
    usage = next(u for u in q.per_user if u.user_name == user)
    assert q.max_jobs_per_user is not None and usage.jobs >= q.max_jobs_per_user  # type: ignore[operator]
