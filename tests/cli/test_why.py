"""`slurmlib why` end to end on the seeded pending jobs, checked against squeue and sacctmgr."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from slurmlib.cli.limit_reasons import parse

from ..slurmtools import parsable, run
from .test_nodes import slurmlib


@pytest.fixture(scope="module")
def seed(slurm_conf: Path) -> dict[str, Any]:
    return json.loads((slurm_conf.parent.parent / "seed.json").read_text())  # type: ignore[no-any-return]


def why_json(job: int | str) -> dict[str, Any]:
    done = slurmlib("why", str(job), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def squeue_field(job: int, fmt: str) -> str:
    return run("squeue", "-h", "-j", str(job), "-o", fmt).stdout.strip()


@pytest.mark.parametrize(
    "role",
    ["pending_resources", "pending_priority", "pending_qos_limit", "pending_dependency", "held"],
)
def test_reason_is_slurms_own(seed: dict[str, Any], role: str) -> None:
    job = seed["jobs"][role]
    answer = why_json(job)
    assert answer["state"] == "PENDING"
    assert answer["reason"] == squeue_field(job, "%r") == seed["pending_reasons"][role]
    assert answer["user"] == seed["job_users"][role]
    assert answer["explanation"]


def test_qos_limit_names_the_limit_its_value_and_the_users_running_jobs(
    seed: dict[str, Any],
) -> None:
    job = seed["jobs"]["pending_qos_limit"]
    user = seed["job_users"]["pending_qos_limit"]
    qos = squeue_field(job, "%q")
    limit = {r["Name"]: r for r in parsable("sacctmgr", "show", "qos", "format=Name,MaxJobsPU")}
    running = run("squeue", "-h", "-u", user, "-q", qos, "-t", "R", "-o", "%A").stdout.split()
    answer = why_json(job)
    expected = (
        f"QoS {qos} MaxJobsPerUser {limit[qos]['MaxJobsPU']}: {user} has {len(running)} running"
    )
    assert answer["limit"]["text"] == expected
    assert answer["limit"]["used"] == len(running) == answer["limit"]["value"]
    done = slurmlib("why", str(job))
    assert expected in done.stdout


def test_held_job_is_explained_as_held_by_its_user(seed: dict[str, Any]) -> None:
    job = seed["jobs"]["held"]
    answer = why_json(job)
    assert answer["explanation"] == "held by its user"
    assert f"scontrol release {job}" in answer["suggestions"][0]
    assert squeue_field(job, "%Q") == "0" == str(answer["priority"])


def test_dependency_names_the_job_it_waits_for_and_its_state(seed: dict[str, Any]) -> None:
    job = seed["jobs"]["pending_dependency"]
    answer = why_json(job)
    deps = answer["dependencies"]
    named = re.findall(r"(\d+)", squeue_field(job, "%E"))
    assert [d["job_id"] for d in deps] == [int(n) for n in named]
    for dep in deps:
        assert dep["state"] == squeue_field(dep["job_id"], "%T")


def test_rank_and_expected_start_match_squeue(seed: dict[str, Any]) -> None:
    for role in ("pending_resources", "pending_priority"):
        job = seed["jobs"][role]
        answer = why_json(job)
        part = answer["partition"]
        lines = run("squeue", "-h", "-p", part, "-t", "PD", "-o", "%A %Q %V").stdout.splitlines()
        # Higher priority first; ties by submit time, then id (as slurmlib documents).
        order = sorted(
            (line.split() for line in lines), key=lambda f: (-int(f[1]), f[2], int(f[0]))
        )
        assert answer["rank"] == [int(f[0]) for f in order].index(job) + 1, role
        assert answer["pending_in_partition"] == len(order)
        start = squeue_field(job, "%S")
        if start in ("N/A", ""):
            assert answer["expected_start"] is None
        else:
            ours = datetime.fromisoformat(answer["expected_start"]).astimezone()
            assert ours.strftime("%Y-%m-%dT%H:%M:%S") == start, role


def test_job_waiting_for_resources_gets_a_partition_that_could_start_it(
    seed: dict[str, Any],
) -> None:
    job = seed["jobs"]["pending_resources"]
    answer = why_json(job)
    cpus = int(squeue_field(job, "%C"))
    suggested = [
        m.group(1)
        for hint in answer["suggestions"]
        if (m := re.match(r"partition (\S+) could start it now", hint))
    ]
    # Each suggested partition has a node with that many idle CPUs, says sinfo.
    for part in suggested:
        idle = [
            int(line.split("/")[1])
            for line in run(
                "sinfo", "-h", "-N", "-p", part, "-t", "idle,mix", "-o", "%C"
            ).stdout.split()
        ]
        assert max(idle, default=0) >= cpus, part
    assert any("no node of partition" in h or "could start" in h for h in answer["suggestions"])


def test_running_job_is_not_pending(seed: dict[str, Any]) -> None:
    answer = why_json(seed["jobs"]["running"])
    assert answer["state"] == "RUNNING"
    assert answer["explanation"].startswith(
        "it is running on " + squeue_field(seed["jobs"]["running"], "%N")
    )


def test_unknown_job_and_bad_id_are_one_line_errors(slurm_conf: Path) -> None:
    done = slurmlib("why", "3999999999")
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert "Invalid job id" in done.stderr
    done = slurmlib("why", "abc")
    assert done.returncode == 2 and done.stderr.strip() == (
        "slurmlib why: not a job id: 'abc' (use 1234, 1234_5 or 1234_[6-8])"
    )


def test_a_task_the_array_does_not_have_is_one_line_and_exit_1(seed: dict[str, Any]) -> None:
    array = seed["jobs"]["array"]
    tasks = {int(t) for t in run("squeue", "-h", "-r", "-j", str(array), "-o", "%K").stdout.split()}
    assert tasks and 99 not in tasks
    done = slurmlib("why", f"{array}_99")
    assert done.returncode == 1, done.stdout
    assert done.stderr.strip() == f"slurmlib: job {array} has no task 99" and done.stdout == ""
    # A plain job has no tasks at all.
    running = seed["jobs"]["running"]
    done = slurmlib("why", f"{running}_1")
    assert done.returncode == 1 and done.stderr.strip() == f"slurmlib: job {running} has no task 1"


def test_squeues_label_of_an_arrays_pending_tasks_describes_them(seed: dict[str, Any]) -> None:
    array = seed["jobs"]["array"]
    label, reason = run("squeue", "-h", "-j", str(array), "-t", "PD", "-o", "%i %r").stdout.split()
    assert re.fullmatch(rf"{array}_\[.+\]", label), label
    answer = why_json(label)
    assert answer["job_id"] == array and answer["array_task_id"] is None
    assert answer["state"] == "PENDING" and answer["reason"] == reason
    assert f"{array}_[{answer['array_tasks']}]" == label
    done = slurmlib("why", label)
    assert done.returncode == 0 and done.stdout.startswith(f"job {label} (")
    # One pending task by its number is described by the same record.
    first = min(
        int(t)
        for t in run("squeue", "-h", "-r", "-j", str(array), "-t", "PD", "-o", "%K").stdout.split()
    )
    assert why_json(f"{array}_{first}")["array_tasks"] == answer["array_tasks"]
    # A label with none of the pending tasks says which are pending.
    done = slurmlib("why", f"{array}_[99]")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"slurmlib: no task of {array}_[99] is pending; the pending ones are {label}"
    )


def test_no_controller_is_one_line_and_exit_1(slurm_conf: Path, tmp_path: Path) -> None:
    conf = tmp_path / "slurm.conf"
    conf.write_text(re.sub(r"(?m)^SlurmctldPort=\d+$", "SlurmctldPort=1", slurm_conf.read_text()))
    done = slurmlib("why", "1", SLURM_CONF=str(conf))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert "Unable to contact slurm controller" in done.stderr


def test_help_has_an_example() -> None:
    done = slurmlib("why", "--help")
    assert done.returncode == 0 and "example: slurmlib why" in done.stdout


@pytest.mark.parametrize(
    ("reason", "parts"),
    [
        ("QOSMaxJobsPerUserLimit", ("qos", "max", "jobs", "user", None)),
        ("AssocGrpCpuLimit", ("assoc", "grp", "cpu", None, None)),
        ("QOSMaxGRESPerUser", ("qos", "max", "gres/", "user", None)),
        ("AssocGrpMemRunMinutes", ("assoc", "grp", "mem", None, "run_mins")),
        ("QOSGrpCPUMinutesLimit", ("qos", "grp", "cpu", None, "mins")),
        ("QOSMaxWallDurationPerJobLimit", ("qos", "max", "wall", "job", None)),
        ("Resources", None),
        ("QOSGrpUnknown", None),
    ],
)
def test_limit_reasons_are_taken_apart(reason: str, parts: tuple[Any, ...] | None) -> None:
    parsed = parse(reason)
    got = (
        None
        if parsed is None
        else (parsed.source, parsed.scope, parsed.what, parsed.per, parsed.minutes)
    )
    assert got == parts


def _free_gpus_by_node(partition: str, kind: str) -> dict[str, int]:
    """Free GPUs of ``kind`` (``gpu:a100``) per usable node of a partition, from sinfo's
    Gres and GresUsed."""
    out = run(
        "sinfo", "-h", "-N", "-p", partition, "-O", "NodeList:20,StateLong:20,Gres:40,GresUsed:40"
    ).stdout
    free = {}
    for line in out.splitlines():
        name, state = line[:20].strip(), line[20:40].strip()
        total, used = (line[40:80].strip(), line[80:].strip())
        counts = {}
        for text in (total, used):
            key, _, count = text.split("(")[0].rpartition(":")
            counts[text] = (key, int(count) if count.isdigit() else 0)
        (total_key, total_n), (_, used_n) = counts[total], counts[used]
        if total_key == kind and state in ("idle", "mixed") and total_n > used_n:
            free[name] = total_n - used_n
    return free


def test_job_pending_for_a_full_gpu_type_names_the_type_and_where_it_is_free(
    seed: dict[str, Any],
) -> None:
    answer = why_json(seed["jobs"]["pending_gpu_type"])
    assert answer["reason"] == squeue_field(seed["jobs"]["pending_gpu_type"], "%r")
    gpus = answer["gpus"]
    assert gpus["type"] == "a100" and gpus["requested"] == {"per_node": {"gpu:a100": 1}}
    assert gpus["free_on"] == _free_gpus_by_node("ml", "gpu:a100") == {}
    assert gpus["none_free_on"] == {"node5": "4/4 allocated"}
    human = slurmlib("why", str(seed["jobs"]["pending_gpu_type"])).stdout
    assert "1 a100 GPU(s), 1 per node; none free now (node5: 4/4 allocated)" in human


def test_gpu_limit_names_the_limit_its_value_and_usage_as_assoc_mgr(
    seed: dict[str, Any],
) -> None:
    job = seed["jobs"]["pending_gpu_limit"]
    answer = why_json(job)
    assert answer["reason"] == "QOSMaxGRESPerUser" == squeue_field(job, "%r")
    limit = answer["limit"]
    out = run("scontrol", "show", "assoc_mgr", "flags=qos", "qos=devel").stdout
    uid = run("id", "-u", "alice").stdout.strip()
    block = out.split("User Limits", 1)[1]
    # Alice's limits follow a line of their own: her uid (22.05) or name(uid) (24.11+).
    user = re.search(rf"^ +(?:{uid}|[^\s()=]+\({uid}\))$", block, re.MULTILINE)
    assert user, out
    per_user = block[user.end() :].split("MaxTRESPU=", 1)[1].split()[0]
    value, used = re.fullmatch(
        r"(\d+)\((\d+)\)", dict(item.split("=", 1) for item in per_user.split(","))["gres/gpu"]
    ).groups()  # type: ignore[union-attr]
    assert (limit["source"], limit["limit"], limit["tres"]) == (
        "QoS devel",
        "MaxTRESPerUser",
        "gres/gpu",
    )
    assert (limit["value"], limit["used"], limit["requested"]) == (int(value), int(used), 1)
    # The GPUs it would take are free: only the limit holds it.
    assert answer["gpus"]["free_on"] == _free_gpus_by_node("ml", "gpu:v100") != {}
