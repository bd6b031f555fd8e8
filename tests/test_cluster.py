"""scripts/cluster: the seeded state of the live cluster, and the script's own behaviour.

The seeded state is checked through Slurm's own commands (scontrol, squeue, sacct,
sacctmgr), against what issue 2 asks for and what ``.cluster/seed.json`` says was seeded.
Lifecycle tests (``down``, ``reset``, refusals) run on throw-away clusters in a temporary
directory with their own ports, so the shared cluster is never stopped.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .slurmtools import parsable, run, scontrol_oneliners

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "cluster"
DAEMONS = (
    ["munged", "mariadb", "slurmdbd", "slurmctld"]
    + [f"slurmd:node{i}" for i in range(1, 7)]
    + ["slurmctld:other", "slurmd:onode1", "slurmd:onode2"]  # the second cluster
)

pytestmark = pytest.mark.cluster


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def seed(slurm_conf: Path) -> dict[str, Any]:
    """What scripts/cluster says it seeded (``<cluster dir>/seed.json``)."""
    path = slurm_conf.parent.parent / "seed.json"
    data: dict[str, Any] = json.loads(path.read_text())
    assert data["seeded"] is True, f"{path}: the cluster was started without its seeded state"
    return data


def cluster(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run scripts/cluster with extra environment variables."""
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def expand(hostlist: str) -> list[str]:
    """Node names of a Slurm host list, expanded by Slurm itself."""
    return run("scontrol", "show", "hostnames", hostlist).stdout.split()


def nodes_by_name() -> dict[str, dict[str, str]]:
    return {n["NodeName"]: n for n in scontrol_oneliners("node")}


def job_ids(seed: dict[str, Any], *roles: str) -> str:
    return ",".join(str(seed["jobs"][r]) for r in roles)


def sacct_jobs(ids: str, fields: str) -> dict[str, dict[str, str]]:
    rows = parsable("sacct", "-X", "-j", ids, "-o", fields)
    return {row["JobID"]: row for row in rows}


def squeue_field(jobid: int, fmt: str) -> str:
    return run("squeue", "-h", "-j", str(jobid), "-o", fmt).stdout.strip()


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_base(avoid: set[int]) -> int:
    """A base port N with N..N+12 free (what the test profile uses, the second cluster's
    included) and clear of the ports in ``avoid``.

    The search starts 1000 above the main cluster's ports: runs beside other clusters (the
    matrix's chroots share the host's network) then look in different places, instead of
    racing for the same first free ports between checking and binding them.
    """
    start = min(avoid) // 10 * 10 + 1000 if avoid else 21000
    for base in range(start, 40000, 20):
        ports = set(range(base, base + 13))
        if not ports & avoid and all(port_is_free(p) for p in ports):
            return base
    raise AssertionError("no 13 consecutive free ports found")


def main_cluster_ports(seed: dict[str, Any]) -> set[int]:
    ports = seed["ports"]
    return {
        ports["slurmctld"],
        ports["slurmdbd"],
        ports["mariadb"],
        ports["sink"],
        *ports["slurmd"].values(),
        seed["other"]["ports"]["slurmctld"],
        *seed["other"]["ports"]["slurmd"].values(),
    }


def alive(pid: int) -> bool:
    """True for a process that runs (a zombie waiting to be reaped has stopped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def unix_sockets_in(directory: str) -> set[str]:
    """The ``socket:[inode]`` links of the unix sockets bound to a path in ``directory``."""
    found = set()
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[7].startswith(directory + "/"):
            found.add(f"socket:[{fields[6]}]")
    return found


def processes_of(cluster_dir: Path) -> list[str]:
    """Live processes that belong to the cluster in ``cluster_dir``: its daemons name the
    directory on their command line or in SLURM_CONF, and so do its jobs. slurmstepd's
    environment is blank from 24.11 on, but it works in the directory (cwd), keeps files
    open there and listens on a socket in its spool directory."""
    top = str(cluster_dir).rstrip("/")
    marker = top.encode()
    sockets = unix_sockets_in(top)

    def inside(path: str) -> bool:
        return path == top or path.startswith(top + "/") or path in sockets

    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
            links = [os.readlink(entry / "cwd")]
            for fd in (entry / "fd").iterdir():
                try:
                    links.append(os.readlink(fd))
                except OSError:
                    continue
        except OSError:
            continue
        ours = marker in cmdline or marker in environ or any(map(inside, links))
        if ours and alive(int(entry.name)):
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{entry.name}: {command}")
    return found


# ---------------------------------------------------------------------------- the daemons


def test_status_reports_every_daemon_running_and_the_node_states(slurm_conf: Path) -> None:
    result = cluster("status")
    assert result.returncode == 0, result.stdout + result.stderr
    for daemon in DAEMONS:
        assert re.search(rf"^{re.escape(daemon)}\s+running\s+pid \d+$", result.stdout, re.M), (
            result.stdout
        )
    # Then sinfo's summary: one line per partition and node state.
    for partition in ("debug*", "gpu", "big", "long", "ml"):
        assert re.search(rf"^{re.escape(partition)}\s+up\s+\d+\s+\S+\s+\S", result.stdout, re.M), (
            result.stdout
        )
    assert re.search(r"^big\s+up\s+1000\s+down\*\s+big\[0001-1000\]$", result.stdout, re.M)


def test_every_daemon_listens_on_loopback_only(seed: dict[str, Any]) -> None:
    listening: dict[int, set[str]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A":  # LISTEN
                listening.setdefault(int(port_hex, 16), set()).add(address)
    ports = seed["ports"]
    expected = {ports["slurmctld"], ports["slurmdbd"], ports["mariadb"], *ports["slurmd"].values()}
    expected |= {seed["other"]["ports"]["slurmctld"], *seed["other"]["ports"]["slurmd"].values()}
    for port in expected:
        # 127.0.0.1 in /proc/net/tcp's little-endian hex.
        assert listening.get(port) == {"0100007F"}, f"port {port} listens on {listening.get(port)}"
    assert ports["sink"] not in listening, "the absent nodes' port must stay unused"


# ---------------------------------------------------------------------------- nodes and partitions


def test_partitions_cover_live_gpu_and_a_thousand_absent_nodes(seed: dict[str, Any]) -> None:
    partitions = {p["PartitionName"]: p for p in scontrol_oneliners("partition")}
    assert {"debug", "gpu", "big"} <= set(partitions)
    assert partitions["debug"]["Default"] == "YES"
    for name, facts in seed["partitions"].items():
        assert expand(partitions[name]["Nodes"]) == expand(facts["nodes"])
        assert int(partitions[name]["TotalNodes"]) == facts["node_count"]
    assert int(partitions["big"]["TotalNodes"]) >= 1000
    assert len(expand(partitions["debug"]["Nodes"])) >= 3


def test_live_nodes_run_a_slurmd_each_and_absent_ones_never_registered(
    seed: dict[str, Any],
) -> None:
    live = seed["nodes"]["live"]
    # A slurmd may miss one ping on a loaded machine: the controller pings every
    # SlurmdTimeout/3 (10 s), so a live node answers again well within 45 s.
    deadline = time.monotonic() + 45
    while True:
        nodes = nodes_by_name()
        silent = [n for n in live if "NOT_RESPONDING" in nodes[n]["State"]]
        if not silent or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert not silent, [nodes[n]["State"] for n in silent]
    # Version and SlurmdStartTime come from a slurmd's registration.
    for name in live:
        assert nodes[name].get("Version") == seed["slurm_version"], f"{name} has no slurmd"
        assert nodes[name]["SlurmdStartTime"] != "None"
    absent = expand(seed["nodes"]["absent"])
    assert len(absent) >= 1000
    down = set(expand(",".join(seed["nodes"]["down"])))
    for name in absent:
        assert nodes[name].get("Version", "(null)") == "(null)", f"{name} registered"
        assert nodes[name]["SlurmdStartTime"] == "None"
        # Never answered a ping: DOWN, or drained before it was ever seen (UNKNOWN+DRAIN).
        # An absent node that turns IDLE or loses NOT_RESPONDING got an answer from
        # something (it was slurmctld itself, when the absent nodes' address could
        # self-connect: see slurm.conf.in).
        state = nodes[name]["State"].split("+")
        assert "NOT_RESPONDING" in state, (name, nodes[name]["State"])
        assert set(state[1:]) <= {"DRAIN", "NOT_RESPONDING"}, (name, nodes[name]["State"])
        if name in down:
            assert state[0] == "DOWN", (name, nodes[name]["State"])
        else:
            assert state[0] in ("UNKNOWN", "DOWN") and "DRAIN" in state, (
                name,
                nodes[name]["State"],
            )


def test_live_nodes_are_allocated_mixed_idle_and_drained(seed: dict[str, Any]) -> None:
    expected = {
        **dict.fromkeys(seed["nodes"]["allocated"], "ALLOCATED"),
        **dict.fromkeys(seed["nodes"]["mixed"], "MIXED"),
        **dict.fromkeys(seed["nodes"]["idle"], "IDLE"),
        "node4": "IDLE+DRAIN",
    }
    assert sorted(expected) == seed["nodes"]["live"]
    # Jobs of tests that ran earlier in the session may still be finishing on a free CPU.
    # PLANNED (23.11+) is the backfill scheduler's plan for a pending job (pending_gpu_type
    # on node5), not the state the seed made: it comes and goes with each backfill pass.
    deadline = time.monotonic() + 60
    while True:
        nodes = nodes_by_name()
        states = {
            name: "+".join(f for f in nodes[name]["State"].split("+") if f != "PLANNED")
            for name in expected
        }
        if states == expected or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert states == expected
    assert nodes["node2"]["CPUAlloc"] not in ("0", nodes["node2"]["CPUTot"])


def test_drained_and_down_nodes_carry_the_reason_an_administrator_set(seed: dict[str, Any]) -> None:
    nodes = nodes_by_name()
    for kind, flag in (("drained", "DRAIN"), ("down", "DOWN")):
        for hostlist, reason in seed["nodes"][kind].items():
            for name in expand(hostlist):
                assert flag in nodes[name]["State"].split("+"), (name, nodes[name]["State"])
                # scontrol appends who set the reason and when.
                assert re.fullmatch(
                    rf"{re.escape(reason)} \[root@[0-9T:-]+\]", nodes[name]["Reason"]
                ), (
                    name,
                    nodes[name]["Reason"],
                )
    down = [n for n in nodes.values() if n["State"].startswith("DOWN")]
    drained = [n for n in nodes.values() if "DRAIN" in n["State"]]
    assert len(down) >= 1000 and len(drained) >= 3


def test_nodes_have_features_and_gpu_nodes_have_gres(seed: dict[str, Any]) -> None:
    nodes = nodes_by_name()
    for hostlist, features in seed["nodes"]["features"].items():
        for name in expand(hostlist):
            assert nodes[name]["AvailableFeatures"].split(",") == features
    for hostlist, gres in seed["nodes"]["gres"].items():
        for name in expand(hostlist):
            assert nodes[name]["Gres"] == gres
    with_gres = set(expand(",".join(seed["nodes"]["gres"])))
    for name in seed["nodes"]["live"]:
        if name not in with_gres:
            assert nodes[name]["Gres"] == "(null)", name
    # The live GPU nodes' slurmd registered their GPUs (gres.conf's device files).
    assert {"node5", "node6"} <= with_gres & set(seed["nodes"]["live"])
    for name in ("node5", "node6"):
        assert "gres/gpu=4" in nodes[name]["CfgTRES"].split(","), nodes[name]["CfgTRES"]


# ---------------------------------------------------------------------------- accounting


def test_seeded_users_are_real_unix_users(seed: dict[str, Any]) -> None:
    assert len(seed["users"]) >= 3
    for user in seed["users"]:
        assert pwd.getpwnam(user).pw_uid > 0


def test_accounts_form_a_hierarchy(seed: dict[str, Any]) -> None:
    rows = parsable("sacctmgr", "show", "assoc", "format=Account,ParentName,User")
    parents = {
        r["Account"]: r["ParentName"] for r in rows if not r["User"] and r["Account"] != "root"
    }
    for account, facts in seed["accounts"].items():
        assert parents[account] == facts["parent"]
    assert any(parents.get(parents.get(a, ""), "") == "root" for a in parents), (
        "no account two levels deep"
    )
    described = {
        r["Account"]: r["Descr"]
        for r in parsable("sacctmgr", "show", "account", "format=Account,Descr")
    }
    for account, facts in seed["accounts"].items():
        assert described[account] == facts["description"]


def test_users_have_associations_with_their_allowed_qos(seed: dict[str, Any]) -> None:
    # This cluster's: the second cluster (seed.json's "other") has associations of its own.
    rows = parsable(
        "sacctmgr",
        "show",
        "assoc",
        f"cluster={seed['cluster']}",
        "format=User,Account,QOS,DefaultQOS",
    )
    users = {r["User"] for r in rows if r["User"]}
    assert set(seed["users"]) <= users
    for user, facts in seed["associations"].items():
        mine = [r for r in rows if r["User"] == user]
        assert sorted(r["Account"] for r in mine) == sorted(facts["accounts"])
        for row in mine:
            assert sorted(row["QOS"].split(",")) == facts["qos"]
            assert row["Def QOS"] == facts["default_qos"]
    defaults = {
        r["User"]: r["Def Acct"]
        for r in parsable("sacctmgr", "show", "user", "format=User,DefaultAccount")
    }
    for user, facts in seed["associations"].items():
        assert defaults[user] == facts["default_account"]


def test_qos_have_real_limits(seed: dict[str, Any]) -> None:
    columns = {
        "Priority": "Priority",
        "GrpTRES": "GrpTRES",
        "MaxTRESPerUser": "MaxTRESPU",
        "MaxJobsPerUser": "MaxJobsPU",
        "MaxSubmitJobsPerUser": "MaxSubmitPU",
        "MaxWall": "MaxWall",
    }
    rows = parsable("sacctmgr", "show", "qos", "format=Name," + ",".join(columns.values()))
    shown = {r["Name"]: r for r in rows}
    assert len(seed["qos"]) >= 3
    for name, limits in seed["qos"].items():
        for limit, value in limits.items():
            assert shown[name][columns[limit]] == str(value), (name, limit)
    # Every kind of limit issue 2 names is set on some QoS.
    for column in columns.values():
        assert any(shown[name][column] not in ("", "0") for name in seed["qos"]), column


def test_association_limits_are_set(seed: dict[str, Any]) -> None:
    rows = parsable(
        "sacctmgr",
        "show",
        "assoc",
        f"cluster={seed['cluster']}",
        "format=Account,User,GrpTRES,MaxJobs,MaxSubmit",
    )
    account_rows = {r["Account"]: r for r in rows if not r["User"]}
    assert account_rows["physics"]["GrpTRES"] == "cpu=24"
    assert account_rows["chemistry"]["GrpTRES"] == "cpu=16"
    assert {r["MaxSubmit"] for r in rows if r["User"] == "bob"} == {"50"}
    assert {r["MaxJobs"] for r in rows if r["User"] == "carol"} == {"5"}


# ---------------------------------------------------------------------------- jobs


def test_seed_names_a_job_for_every_role(seed: dict[str, Any]) -> None:
    roles = {
        "running",
        "pending_resources",
        "pending_priority",
        "pending_qos_limit",
        "held",
        "completed",
        "failed",
        "cancelled",
        "timeout",
        "array",
        "steps",
    }
    assert roles <= set(seed["jobs"])
    assert len(set(seed["jobs"].values())) == len(seed["jobs"])


def test_finished_jobs_have_their_final_state_in_sacct(seed: dict[str, Any]) -> None:
    jobs = sacct_jobs(
        job_ids(seed, "completed", "failed", "cancelled", "timeout", "steps"),
        "JobID,State,ExitCode,User,Elapsed",
    )
    expect = {
        "completed": ("COMPLETED", "0:0"),
        "failed": ("FAILED", "1:0"),
        "timeout": ("TIMEOUT", "0:0"),
        "steps": ("COMPLETED", "0:0"),
    }
    for role, (state, exit_code) in expect.items():
        row = jobs[str(seed["jobs"][role])]
        assert (row["State"], row["ExitCode"]) == (state, exit_code), role
        assert row["User"] == seed["job_users"][role]
    cancelled = jobs[str(seed["jobs"]["cancelled"])]
    assert cancelled["State"].startswith("CANCELLED by ")
    # The time limit was one minute; Slurm enforces it on a 30 s sweep.
    assert "00:01:00" <= jobs[str(seed["jobs"]["timeout"])]["Elapsed"] < "00:03:00"


def test_running_jobs_run_in_squeue_and_sacct(seed: dict[str, Any]) -> None:
    for role in ("running", "running_qos"):
        jobid = seed["jobs"][role]
        assert squeue_field(jobid, "%T|%u") == f"RUNNING|{seed['job_users'][role]}"
    jobs = sacct_jobs(job_ids(seed, "running", "running_qos"), "JobID,State")
    assert {row["State"] for row in jobs.values()} == {"RUNNING"}
    assert squeue_field(seed["jobs"]["running"], "%N") == "node1"


def test_pending_jobs_wait_for_the_intended_reasons(seed: dict[str, Any]) -> None:
    expect = {
        "pending_resources": "Resources",
        "pending_priority": "Priority",
        "pending_qos_limit": "QOSMaxJobsPerUserLimit",
        "held": "JobHeldUser",
        "pending_dependency": "Dependency",
    }
    for role, reason in expect.items():
        assert squeue_field(seed["jobs"][role], "%T|%r") == f"PENDING|{reason}", role
        assert seed["pending_reasons"][role] == reason
    # The held job was held by its owner, not by an administrator.
    held = scontrol_oneliners("job", str(seed["jobs"]["held"]))[0]
    assert held["Priority"] == "0" and held["UserId"].startswith("bob(")
    assert squeue_field(seed["jobs"]["pending_gpu"], "%T") == "PENDING"
    gpu_job = scontrol_oneliners("job", str(seed["jobs"]["pending_gpu"]))[0]
    # "gres:gpu:a100:2" on 22.05, "gres/gpu:a100:2" on later releases.
    assert gpu_job["TresPerNode"].endswith("gpu:a100:2"), gpu_job["TresPerNode"]


def test_gpu_jobs_run_in_every_request_style_on_the_live_gpu_nodes(seed: dict[str, Any]) -> None:
    where = {"gpu_gres": "node6", "gpu_gpus": "node5", "gpu_per_node": "node6"}
    where |= {"gpu_gres_typed": "node5", "gpu_per_task": "node5"}
    for role, node in where.items():
        assert squeue_field(seed["jobs"][role], "%T|%N") == f"RUNNING|{node}", role
        shown = scontrol_oneliners("job", str(seed["jobs"][role]))[0]
        alloc = shown.get("AllocTRES", shown.get("TRES", ""))
        assert f"gres/gpu={seed['gpus'][role]['count']}" in alloc.split(","), (role, alloc)
    assert squeue_field(seed["jobs"]["pending_gpu_type"], "%T|%r") == "PENDING|Resources"
    assert squeue_field(seed["jobs"]["pending_gpu_limit"], "%T|%r") == "PENDING|QOSMaxGRESPerUser"
    (done,) = sacct_jobs(job_ids(seed, "gpu_completed"), "JobID,State,AllocTRES").values()
    assert done["State"] == "COMPLETED" and "gres/gpu=1" in done["AllocTRES"].split(",")


def test_array_job_has_running_and_throttled_tasks(seed: dict[str, Any]) -> None:
    array_id = seed["jobs"]["array"]
    tasks = run("squeue", "-h", "-r", "-j", str(array_id), "-o", "%K|%T|%r").stdout.split()
    states = [t.split("|") for t in tasks]
    running = [s for s in states if s[1] == "RUNNING"]
    pending = [s for s in states if s[1] == "PENDING"]
    assert len(running) == 2, tasks  # --array=1-8%2
    assert len(running) + len(pending) == 8
    assert {s[2] for s in pending} == {"JobArrayTaskLimit"}
    assert seed["array_tasks"] == "1-8%2"
    sacct_rows = parsable("sacct", "-X", "-j", str(array_id), "-o", "JobID,State")
    assert {r["JobID"] for r in sacct_rows if r["State"] == "RUNNING"} == {
        f"{array_id}_{t[0]}" for t in running
    }


def test_job_with_steps_recorded_each_step_and_its_memory(seed: dict[str, Any]) -> None:
    jobid = seed["jobs"]["steps"]
    rows = {
        r["JobID"]: r
        for r in parsable("sacct", "-j", str(jobid), "-o", "JobID,JobName,State,MaxRSS,NTasks")
    }
    for step in ("batch", "0", "1", "2"):
        assert rows[f"{jobid}.{step}"]["State"] == "COMPLETED", step
    assert rows[f"{jobid}.0"]["NTasks"] == "2"
    # Step 1 held 30 MB of memory: MaxRSS is measured (jobacct_gather/linux).
    maxrss = rows[f"{jobid}.1"]["MaxRSS"]
    assert maxrss.endswith("K") and int(maxrss[:-1]) > 30_000, maxrss


def test_running_job_has_a_running_step_and_holds_licenses(seed: dict[str, Any]) -> None:
    jobid = seed["jobs"]["running"]
    steps = run("squeue", "-h", "-s", "-j", str(jobid), "-o", "%i|%j").stdout.split()
    assert f"{jobid}.0|sleep" in steps
    lic = scontrol_oneliners("license")
    matlab = next(record for record in lic if record["LicenseName"] == seed["license"]["name"])
    assert matlab["Total"] == str(seed["license"]["count"]) == "10"
    assert matlab["Used"] == str(seed["license"]["used"]) == "2"
    job = scontrol_oneliners("job", str(jobid))[0]
    assert job["Licenses"] == "matlab:2"


def test_job_output_lands_in_the_users_directory(seed: dict[str, Any]) -> None:
    jobs_dir = Path(seed["jobs_dir"])
    completed = jobs_dir / f"completed-{seed['jobs']['completed']}.out"
    assert completed.read_text().startswith(f"hello from job {seed['jobs']['completed']}")
    assert completed.stat().st_uid == pwd.getpwnam("bob").pw_uid
    assert (
        jobs_dir / f"failed-{seed['jobs']['failed']}.out"
    ).read_text().strip() == "input file missing"


def test_reservation_is_on_absent_gpu_nodes(seed: dict[str, Any]) -> None:
    resv = seed["reservation"]
    records = scontrol_oneliners("reservation", resv["name"])
    assert len(records) == 1
    record = records[0]
    assert expand(record["Nodes"]) == expand(resv["nodes"])
    assert record["Users"] == ",".join(resv["users"])
    assert record["StartTime"] == resv["start"]
    assert record["Duration"] == "08:00:00"
    assert record["State"] == "INACTIVE"


# ---------------------------------------------------------------------------- the script


def test_up_on_a_running_seeded_cluster_is_a_fast_no_op(
    slurm_conf: Path, seed: dict[str, Any]
) -> None:
    seed_file = slurm_conf.parent.parent / "seed.json"
    before = (seed_file.stat().st_mtime_ns, seed_file.read_text())
    daemons_before = cluster("status").stdout.split("\n\n")[0]
    started = time.monotonic()
    result = cluster("up", timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"export SLURM_CONF={slurm_conf}"
    assert elapsed < 10, f"a second `up` took {elapsed:.1f} s"
    assert (seed_file.stat().st_mtime_ns, seed_file.read_text()) == before
    assert cluster("status").stdout.split("\n\n")[0] == daemons_before
    assert "UP" in run("scontrol", "ping").stdout


def test_unknown_subcommand_prints_usage() -> None:
    result = cluster("launch")
    assert result.returncode != 0
    assert "usage: scripts/cluster {install|up|down|status|reset}" in result.stderr


def test_up_refuses_a_directory_other_users_cannot_reach(
    tmp_path: Path, seed: dict[str, Any]
) -> None:
    tmp_path.chmod(0o700)
    env = {
        "SLURM_CLUSTER_DIR": str(tmp_path / "c"),
        "SLURM_PORT_BASE": str(free_port_base(main_cluster_ports(seed))),
    }
    result = cluster("up", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"other users cannot enter {tmp_path} (mode 700)" in lines[0], (
        result.stderr
    )
    assert processes_of(tmp_path) == []


def test_status_of_a_stopped_cluster_fails(tmp_path: Path) -> None:
    result = cluster("status", env={"SLURM_CLUSTER_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert re.search(r"^slurmctld\s+stopped$", result.stdout, re.M), result.stdout


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory every user can reach, as a cluster directory must be (unlike tmp_path)."""
    directory = Path(tempfile.mkdtemp(prefix="slurmlib-cluster-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("offset,daemon", [(0, "slurmctld"), (6, "mariadb")])
def test_up_refuses_a_taken_port_and_starts_nothing(
    open_dir: Path, seed: dict[str, Any], offset: int, daemon: str
) -> None:
    base = free_port_base(main_cluster_ports(seed))
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", base + offset))
        squatter.listen()
        result = cluster(
            "up", env={"SLURM_CLUSTER_DIR": str(open_dir), "SLURM_PORT_BASE": str(base)}
        )
    said = f"rc {result.returncode}, stdout {result.stdout!r}, stderr {result.stderr!r}"
    assert result.returncode != 0, said
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, said
    # The holder is named as the kernel knows it: python, or pytest when run as a script.
    holder = Path("/proc/self/comm").read_text().strip()
    assert f"port {base + offset} (for {daemon}) is already in use by {holder}" in lines[0]
    assert "SLURM_PORT_BASE" in lines[0]
    assert processes_of(open_dir) == []
    assert not (open_dir / "run").exists() or not list((open_dir / "run").iterdir())


def test_up_refuses_to_run_without_root(tmp_path: Path, seed: dict[str, Any]) -> None:
    tmp_path.chmod(0o777)
    result = subprocess.run(
        ["runuser", "-u", "alice", "--", str(SCRIPT), "up"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SLURM_CLUSTER_DIR": str(tmp_path / "c")},
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "cluster: error: must run as root (it installs packages, creates users and starts "
        "daemons): run it again with sudo"
    ]
    assert processes_of(tmp_path) == []


def test_up_refuses_a_system_that_is_not_debian(tmp_path: Path) -> None:
    fake = tmp_path / "os-release"
    fake.write_text('ID=fedora\nPRETTY_NAME="Fedora Linux 41"\n')
    # A private mount namespace shows the script another os-release, and nothing else.
    result = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            f'mount --bind "{fake}" /etc/os-release && exec "{SCRIPT}" up',
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SLURM_CLUSTER_DIR": str(tmp_path / "c")},
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "this is Fedora Linux 41, not Debian" in lines[0], result.stderr
    assert not (tmp_path / "c").exists()


def test_up_interrupted_midway_stops_what_it_started(open_dir: Path, seed: dict[str, Any]) -> None:
    env = {
        **os.environ,
        "SLURM_CLUSTER_DIR": str(open_dir),
        "SLURM_PORT_BASE": str(free_port_base(main_cluster_ports(seed))),
    }
    with subprocess.Popen(
        [str(SCRIPT), "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as up:
        deadline = time.monotonic() + 120
        # Interrupt it once some daemons run and the rest of `up` is still to come.
        while not (open_dir / "run" / "slurmctld.pid").exists():
            assert up.poll() is None, up.communicate()
            assert time.monotonic() < deadline, "slurmctld never started"
            time.sleep(0.1)
        up.terminate()
        _, stderr = up.communicate(timeout=120)
    assert up.returncode != 0, stderr
    assert stderr.splitlines()[-1] == "cluster: error: terminated: stopping what was started"
    assert processes_of(open_dir) == []
    assert cluster("status", env={"SLURM_CLUSTER_DIR": str(open_dir)}).returncode != 0


def test_up_refuses_a_host_name_that_is_not_loopback(open_dir: Path, seed: dict[str, Any]) -> None:
    # Slurm binds to the address of the host's name: in a UTS namespace the host gets a
    # name that resolves to nothing.
    env = {
        **os.environ,
        "SLURM_CLUSTER_DIR": str(open_dir),
        "SLURM_PORT_BASE": str(free_port_base(main_cluster_ports(seed))),
    }
    result = subprocess.run(
        ["unshare", "--uts", "sh", "-c", f'hostname no-such-host.invalid && exec "{SCRIPT}" up'],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "host's name 'no-such-host.invalid' resolves to 'nothing', not to loopback" in lines[0]
    assert processes_of(open_dir) == []


# ---------------------------------------------------------------------------- a throw-away cluster


@pytest.fixture
def bare_cluster(seed: dict[str, Any]) -> Iterator[dict[str, str]]:
    """A second cluster, daemons only (no seeded state), in its own directory and ports.
    It is stopped and removed at the end whatever the test did."""
    # Not under pytest's tmp_path: munged wants a socket path every user can reach.
    directory = Path(tempfile.mkdtemp(prefix="slurmlib-cluster-"))
    directory.chmod(0o755)
    env = {
        "SLURM_CLUSTER_DIR": str(directory),
        "SLURM_PORT_BASE": str(free_port_base(main_cluster_ports(seed))),
        "SLURM_CLUSTER_SEED": "none",
    }
    result = cluster("up", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    env["SLURM_CONF"] = str(directory / "etc" / "slurm.conf")
    assert result.stdout.splitlines()[-1] == f"export SLURM_CONF={env['SLURM_CONF']}"
    try:
        yield env
    finally:
        cluster("down", env=env, timeout=300)
        shutil.rmtree(directory, ignore_errors=True)


def slurm(env: dict[str, str], *argv: str) -> str:
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, **env},
    ).stdout


def wait_running(env: dict[str, str], jobid: str) -> None:
    deadline = time.monotonic() + 60
    while slurm(env, "squeue", "-h", "-j", jobid, "-o", "%T").strip() != "RUNNING":
        assert time.monotonic() < deadline, f"job {jobid} did not start"
        time.sleep(0.5)


def test_down_stops_every_daemon_and_job_of_the_cluster(bare_cluster: dict[str, str]) -> None:
    directory = Path(bare_cluster["SLURM_CLUSTER_DIR"])
    # A running job with a step: slurmstepd and the job's processes must go too.
    jobid = slurm(
        bare_cluster,
        "sbatch",
        "--parsable",
        "-w",
        "node1",
        "-o",
        "/dev/null",
        "--wrap",
        "srun sleep 600",
    ).strip()
    wait_running(bare_cluster, jobid)
    status = cluster("status", env=bare_cluster)
    assert status.returncode == 0, status.stdout
    pids = [int(p) for p in re.findall(r"running\s+pid (\d+)", status.stdout)]
    assert len(pids) == len(DAEMONS)
    assert any("slurmstepd" in p for p in processes_of(directory))

    started = time.monotonic()
    down = cluster("down", env=bare_cluster, timeout=300)
    assert down.returncode == 0, down.stderr
    assert time.monotonic() - started < 60
    assert [pid for pid in pids if alive(pid)] == []
    assert processes_of(directory) == []
    assert cluster("status", env=bare_cluster).returncode != 0
    # Idempotent.
    assert cluster("down", env=bare_cluster).returncode == 0


def test_reset_brings_back_a_fresh_cluster(bare_cluster: dict[str, str]) -> None:
    jobid = slurm(
        bare_cluster, "sbatch", "--parsable", "-o", "/dev/null", "--wrap", "sleep 600"
    ).strip()
    wait_running(bare_cluster, jobid)
    result = cluster("reset", env=bare_cluster, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"export SLURM_CONF={bare_cluster['SLURM_CONF']}"
    assert cluster("status", env=bare_cluster).returncode == 0
    # The job is gone from the controller and from the (new) accounting database.
    assert slurm(bare_cluster, "squeue", "-h") == ""
    assert slurm(bare_cluster, "sacct", "-n", "-X", "-a", "-S", "2000-01-01") == ""
