"""GPUs end to end: every way of asking for them, counted as Slurm's own commands count them.

The seed runs one job per request style on node5 (4 a100) and node6 (4 v100); see the
header of scripts/cluster (seed.json's ``gpus``). Slurm's commands are the reference:
``scontrol show job/node`` (AllocTRES), ``squeue -O tres-alloc``, ``sinfo -O
Gres,GresUsed``, ``scontrol show assoc_mgr`` and ``sacct -o AllocTRES,ReqTRES``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from slurmlib import Cluster, JobSpec, _gres
from slurmlib import db as slurmdb
from slurmlib.errors import InvalidRequest
from tests.slurmtools import parsable, run, scontrol_oneliners

RUNNING_STYLES = ("gpu_gres", "gpu_gres_typed", "gpu_gpus", "gpu_per_node", "gpu_per_task")
GPU_NODES = ("node5", "node6")


@pytest.fixture(scope="module")
def cluster(slurm_conf: Path) -> Cluster:
    return Cluster()


@pytest.fixture(scope="module")
def seed(slurm_conf: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    assert data["seeded"] is True
    return data


def tres(text: str) -> dict[str, int]:
    """``cpu=1,gres/gpu=2,gres/gpu:a100=2`` → counts (memory and other units left out)."""
    out = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and value.isdigit():
            out[key] = int(value)
    return out


def _script() -> str:
    return "#!/bin/sh\nsleep 30\n"


# ---------------------------------------------------------------------------- parsing


def test_gres_strings_of_nodes_are_counted_per_name_and_type() -> None:
    assert _gres.gres_counts("gpu:a100:4(S:0-1)") == {"gpu:a100": 4}
    assert _gres.gres_counts("gpu:a100:2(IDX:0,2),gpu:v100:0(IDX:N/A)") == {
        "gpu:a100": 2,
        "gpu:v100": 0,
    }
    assert _gres.gres_counts("gpu:2,mps:100") == {"gpu": 2, "mps": 100}
    assert _gres.gres_counts(None) == {} == _gres.gres_counts("(null)")


def test_job_gpu_requests_are_read_in_both_prefix_styles() -> None:
    assert _gres.gpu_request("gres:gpu:a100:1,gres:mps:10") == {"gpu:a100": 1}
    assert _gres.gpu_request("gres/gpu:2") == {"gpu": 2}
    assert _gres.gpu_request("cpu=2,gres/gpu=1") == {"gpu": 1}
    assert _gres.gpu_request(None) == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gres", "gpu:"),
        ("gres", "gpu:a100:-1"),
        ("gres", "gpu::1"),
        ("gpus", "abc"),
        ("gpus", "a100:"),
        ("gpus", 0),
        ("gpus_per_node", "a100:-1"),
        ("gpus_per_task", ":1"),
        ("gpus_per_socket", "x:y:z"),
        ("memory_per_gpu", "lots"),
    ],
)
def test_malformed_gpu_requests_raise_value_error_naming_them(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field):
        JobSpec(script=_script(), **{field: value})


def test_gpu_requests_in_every_style_are_accepted_and_normalised() -> None:
    spec = JobSpec(
        script=_script(),
        gres={"gpu:a100": 1},
        gpus={"a100": 2},
        gpus_per_node=1,
        gpus_per_task="v100:1",
        gpus_per_socket="1",
        cpus_per_gpu=2,
        memory_per_gpu="1G",
    )
    assert (spec.gres, spec.gpus, spec.gpus_per_node) == ("gpu:a100:1", "a100:2", "1")
    assert (spec.gpus_per_task, spec.gpus_per_socket) == ("v100:1", "1")
    assert (spec.cpus_per_gpu, spec.memory_per_gpu) == (2, 1024)


def test_a_gpu_type_no_node_has_is_refused_by_the_controller(cluster: Cluster) -> None:
    # Not held: the controller checks a held job's request only once it is released.
    with pytest.raises(InvalidRequest) as caught:
        job = cluster.submit(JobSpec(script=_script(), partition="ml", gres="gpu:h100:1"))
        cluster.cancel(job.job_id)
    assert caught.value.code_name == "ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE"


# ---------------------------------------------------------------------------- jobs


@pytest.mark.parametrize("role", RUNNING_STYLES)
def test_each_request_style_counts_the_gpus_slurm_allocated(
    cluster: Cluster, seed: dict[str, Any], role: str
) -> None:
    job_id = seed["jobs"][role]
    asked = seed["gpus"][role]
    job = next(j for j in cluster.jobs() if j.job_id == job_id)
    shown = scontrol_oneliners("job", str(job_id))[0]
    # 22.05 names a running job's allocated TRES "TRES"; later releases "AllocTRES".
    alloc = tres(shown.get("AllocTRES", shown.get("TRES", "")))
    squeue = tres(run("squeue", "-h", "-j", str(job_id), "-O", "tres-alloc:200").stdout.strip())
    assert job.gpus_allocated == alloc["gres/gpu"] == squeue["gres/gpu"] == asked["count"]
    typed = {k[len("gres/") :]: v for k, v in alloc.items() if k.startswith("gres/gpu:")}
    assert job.gpus_allocated_by_type == typed
    assert sum(typed.values()) == job.gpus_allocated
    # What was asked, where that style puts it.
    key = "gpu" if asked["type"] is None else f"gpu:{asked['type']}"
    per = {
        "gres": job.gpus_per_node,
        "gpus_per_node": job.gpus_per_node,
        "gpus": job.gpus_per_job,
        "gpus_per_task": job.gpus_per_task,
    }[asked["style"]]
    assert per == {key: int(asked["request"].rsplit(":", 1)[-1])}
    others = [job.gpus_per_job, job.gpus_per_node, job.gpus_per_task, job.gpus_per_socket]
    assert sum(bool(o) for o in others) == 1


def test_pending_gpu_jobs_have_requests_but_no_allocation(
    cluster: Cluster, seed: dict[str, Any]
) -> None:
    jobs = {j.job_id: j for j in cluster.jobs()}
    typed = jobs[seed["jobs"]["pending_gpu_type"]]
    assert typed.gpus_allocated == 0 and typed.gpus_allocated_by_type == {}
    assert typed.gpus_per_node == {"gpu:a100": 1}
    assert typed.tres_requested["gres/gpu:a100"] == 1
    limited = jobs[seed["jobs"]["pending_gpu_limit"]]
    assert limited.gpus_per_job == {"gpu": 1}
    assert limited.state_reason == "QOSMaxGRESPerUser"


def test_gpu_jobs_submitted_through_slurmlib_ask_what_sbatch_would(cluster: Cluster) -> None:
    styles: list[dict[str, Any]] = [
        {"gres": "gpu:v100:1"},
        {"gpus": 1},
        {"gpus_per_node": "v100:1"},
        {"gpus_per_task": 1, "ntasks": 1},
    ]
    ids = [
        cluster.submit(
            JobSpec(script=_script(), partition="ml", nodelist="node6", hold=True, **style)
        ).job_id
        for style in styles
    ]
    try:
        for job_id, style in zip(ids, styles, strict=True):
            shown = scontrol_oneliners("job", str(job_id))[0]
            assert tres(shown.get("ReqTRES", shown.get("TRES", "")))["gres/gpu"] == 1, shown
            field = {
                "gres": "TresPerNode",
                "gpus": "TresPerJob",
                "gpus_per_node": "TresPerNode",
                "gpus_per_task": "TresPerTask",
            }[next(iter(style))]
            assert "gpu" in shown[field]
    finally:
        for job_id in ids:
            cluster.cancel(job_id)


# ---------------------------------------------------------------------------- nodes


def _sinfo_gres() -> dict[str, tuple[str, str]]:
    out = run("sinfo", "-h", "-N", "-O", "NodeList:40,Gres:60,GresUsed:60").stdout
    rows = {}
    for line in out.splitlines():
        rows[line[:40].strip()] = (line[40:100].strip(), line[100:].strip())
    return rows


def test_node_gpus_equal_scontrol_alloc_tres_and_sinfo_gres_used(cluster: Cluster) -> None:
    nodes = {n.name: n for n in cluster.nodes()}
    shown = {n["NodeName"]: n for n in scontrol_oneliners("node")}
    sinfo = _sinfo_gres()
    for name in GPU_NODES:
        node = nodes[name]
        assert node.gpus == tres(shown[name]["CfgTRES"])["gres/gpu"] == 4
        assert node.gpus_allocated == tres(shown[name].get("AllocTRES", "")).get("gres/gpu", 0)
        assert node.gres_total == _gres.gres_counts(sinfo[name][0])
        assert node.gres_in_use == _gres.gres_counts(sinfo[name][1])
        assert sum(node.gres_in_use.values()) == node.gpus_allocated
    # The seed fills node5's a100 and leaves two v100 of node6 free.
    assert nodes["node5"].gres_in_use == {"gpu:a100": 4}
    assert nodes["node6"].gres_in_use["gpu:v100"] >= 2


def test_gpus_per_partition_and_type_add_up_to_the_nodes(cluster: Cluster) -> None:
    nodes = list(cluster.nodes())
    sinfo = _sinfo_gres()
    for partition in cluster.partitions():
        members = [n for n in nodes if n.name in set(partition.node_names)]
        total: Counter[str] = Counter()
        used: Counter[str] = Counter()
        for n in members:
            total.update(n.gres_total)
            used.update(n.gres_in_use)
        want_total: Counter[str] = Counter()
        want_used: Counter[str] = Counter()
        for n in members:
            want_total.update(_gres.gres_counts(sinfo[n.name][0]))
            want_used.update(_gres.gres_counts(sinfo[n.name][1]))
        assert total == want_total and used == want_used, partition.name
        assert sum(n.gpus for n in members) == partition.tres.get("gres/gpu", 0), partition.name


def test_running_gpu_jobs_add_up_to_what_the_nodes_have_allocated(cluster: Cluster) -> None:
    per_node: Counter[str] = Counter()
    for job in cluster.jobs():
        if job.state.name == "RUNNING" and job.gpus_allocated:
            assert len(job.node_names) == 1
            per_node[job.node_names[0]] += job.gpus_allocated
    nodes = {n.name: n for n in cluster.nodes()}
    for name in GPU_NODES:
        assert per_node[name] == nodes[name].gpus_allocated


# ---------------------------------------------------------------------------- limits


def assoc_mgr_user_gpu_limits(qos: str) -> dict[int, tuple[str, int]]:
    """uid → (MaxTRESPU's gres/gpu limit, GPUs in use) under ``qos``'s User Limits, as
    ``scontrol show assoc_mgr`` prints them (``gres/gpu=2(2)``; ``N`` for no limit). Each
    user's block starts with a line of its own: the uid (22.05) or ``name(uid)`` (24.11+)."""
    out = run("scontrol", "show", "assoc_mgr", "flags=qos", f"qos={qos}").stdout
    found, uid = {}, None
    for line in out.splitlines():
        text = line.strip()
        user = re.fullmatch(r"(\d+)|[^\s()=]+\((\d+)\)", text)
        if user:
            uid = int(user[1] or user[2])
        elif text.startswith("MaxTRESPU=") and uid is not None:
            items = dict(i.split("=", 1) for i in text[len("MaxTRESPU=") :].split(","))
            limit, used = items["gres/gpu"].rstrip(")").split("(")
            found[uid] = (limit, int(used))
    return found


def test_the_binding_gpu_limit_of_qos_devel_equals_assoc_mgr(cluster: Cluster) -> None:
    devel = next(q for q in cluster.limits().qos if q.name == "devel")
    assert devel.max_tres_per_user == {"gres/gpu": 2}
    shown = assoc_mgr_user_gpu_limits("devel")
    alice = next(u for u in devel.per_user if u.user_name == "alice")
    assert shown[alice.user_id] == (str(devel.max_tres_per_user["gres/gpu"]), 2)
    assert alice.tres.get("gres/gpu", 0) == shown[alice.user_id][1]


# ---------------------------------------------------------------------------- accounting


def test_accounting_gpus_equal_sacct_alloc_and_req_tres(seed: dict[str, Any]) -> None:
    roles = [*RUNNING_STYLES, "gpu_completed", "pending_gpu_type", "pending_gpu_limit"]
    ids = [seed["jobs"][r] for r in roles]
    rows = {
        r["JobID"]: r
        for r in parsable(
            "sacct", "-X", "-j", ",".join(map(str, ids)), "-o", "JobID,AllocTRES,ReqTRES"
        )
    }
    with slurmdb.connect() as conn:
        jobs = {j.job_id: j for j in conn.jobs(job_ids=ids)}
    for role, job_id in zip(roles, ids, strict=True):
        job, row = jobs[job_id], rows[str(job_id)]
        alloc, req = tres(row["AllocTRES"]), tres(row["ReqTRES"])
        assert job.gpus_allocated == alloc.get("gres/gpu", 0), role
        assert job.gpus_requested == req.get("gres/gpu", 0) == seed["gpus"][role]["count"], role
        typed = {k[len("gres/") :]: v for k, v in alloc.items() if k.startswith("gres/gpu:")}
        assert job.gpus_allocated_by_type == typed, role
        # This cluster gathers no GPU usage (no NVML): none is made up.
        assert job.gpu_utilization is None
        assert all(s.gpu_utilization is None and s.gpu_memory_max_bytes is None for s in job.steps)
    assert jobs[seed["jobs"]["gpu_completed"]].gpus_allocated_by_type == {"gpu:v100": 1}
