"""The read API against the live seeded cluster, cross-checked with Slurm's own tools.

Each comparison names the fields it covers; the reference is what `scontrol -o`,
`squeue --json` and `sinfo --json` print for the same state.
"""

from __future__ import annotations

import json
import pickle
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import slurmlib
from slurmlib import UNLIMITED, Cluster, JobState, NodeState
from slurmlib.errors import InvalidJobId, InvalidNodeName

from ..slurmtools import run, run_json, scontrol_oneliners, settled


@pytest.fixture(scope="module")
def cluster(slurm_conf: Path) -> Cluster:
    return Cluster()


@pytest.fixture(scope="module")
def seed(slurm_conf: Path) -> dict[str, Any]:
    return json.loads((slurm_conf.parent.parent / "seed.json").read_text())


def number(value: Any) -> Any:
    """A number of Slurm's JSON, plain or as {"set", "infinite", "number"} (newer releases)."""
    if isinstance(value, dict):
        if value.get("infinite"):
            return UNLIMITED
        return value["number"] if value.get("set", True) else None
    return value


def _tres(text: str) -> dict[str, int]:
    return slurmlib.convert.tres(text) if text and text != "(null)" else {}


# --- nodes ----------------------------------------------------------------------------------

NODE_FIELDS = {
    # scontrol key: (record attribute, how to read the scontrol value)
    "CPUTot": ("cpus", int),
    "CPUAlloc": ("alloc_cpus", int),
    "RealMemory": ("real_memory", int),
    "AllocMem": ("alloc_memory", int),
    "Sockets": ("sockets", int),
    "CoresPerSocket": ("cores_per_socket", int),
    "ThreadsPerCore": ("threads_per_core", int),
    "Weight": ("weight", int),
    "TmpDisk": ("tmp_disk", int),
    "NodeAddr": ("address", str),
    "NodeHostName": ("hostname", str),
    "CfgTRES": ("tres", _tres),
    "AllocTRES": ("alloc_tres", _tres),
    "Partitions": ("partitions", lambda v: tuple(v.split(","))),
    "AvailableFeatures": ("features", lambda v: () if v == "(null)" else tuple(v.split(","))),
    "ActiveFeatures": ("active_features", lambda v: () if v == "(null)" else tuple(v.split(","))),
}


def test_nodes_match_scontrol_field_by_field(cluster: Cluster) -> None:
    def scontrol() -> dict[str, dict[str, str]]:
        return {r["NodeName"]: r for r in scontrol_oneliners("node")}

    def compared_fields(nodes: dict[str, dict[str, str]]) -> list[tuple[str | None, ...]]:
        keys = ["State", *NODE_FIELDS]
        return [tuple(ref.get(k) for k in keys) for _, ref in sorted(nodes.items())]

    # A node's state moves on its own (a slurmd late for a ping is NOT_RESPONDING for a
    # while): compare only with what scontrol said both before and after our read.
    reference, nodes = settled(scontrol, cluster.nodes, key=compared_fields)
    assert {n.name for n in nodes} == set(reference)
    compared = 0
    for node in nodes:
        ref = reference[node.name]
        for key, (attr, read) in NODE_FIELDS.items():
            if key in ref:
                assert getattr(node, attr) == read(ref[key]), (node.name, key, ref[key])
                compared += 1
        # State=IDLE+DRAIN, DOWN*+DRAIN, MIXED ... : base state, then flags.
        words = ref["State"].replace("*", "").split("+")
        assert node.state.name == words[0], (node.name, ref["State"])
        assert ("DRAIN" in words) == node.drained, (node.name, ref["State"])
        not_responding = ref["State"].split("+")[0].endswith("*") or "NOT_RESPONDING" in words
        assert not_responding == (not node.responding), (node.name, ref["State"])
    assert compared > len(reference) * 10


def test_drained_node_reports_reason_and_who_set_it_and_since_when(
    cluster: Cluster, seed: dict[str, Any]
) -> None:
    drained = seed["nodes"]["drained"]
    hostlist, reason = next(iter(drained.items()))
    name = slurmlib.convert.expand_hostlist(hostlist)[0]
    node = cluster.node(name)
    assert node.drained and node.reason == reason
    ref = scontrol_oneliners("node", name)[0]
    # scontrol writes "Reason=<text> [<user>@<time>]"
    match = re.search(r"\[(\w+)@([\dT:-]+)\]$", ref["Reason"])
    assert match, ref["Reason"]
    assert node.reason_user == match.group(1)
    assert node.reason_time is not None
    assert node.reason_time.astimezone().strftime("%Y-%m-%dT%H:%M:%S") == match.group(2)


def test_node_states_cover_what_the_seed_made(cluster: Cluster) -> None:
    states = {n.state for n in cluster.nodes()}
    assert {NodeState.IDLE, NodeState.DOWN} <= states
    assert states & {NodeState.ALLOCATED, NodeState.MIXED}
    assert any(n.drained for n in cluster.nodes())


def test_unknown_node_is_invalid_node_name(cluster: Cluster) -> None:
    with pytest.raises(InvalidNodeName) as raised:
        cluster.node("no-such-node")
    assert isinstance(raised.value, LookupError)


# --- jobs -----------------------------------------------------------------------------------


def test_jobs_match_squeue_json_field_by_field(cluster: Cluster) -> None:
    reference = {j["job_id"]: j for j in run_json("squeue")["jobs"]}
    jobs = {j.job_id: j for j in cluster.jobs()}
    assert set(reference) <= set(jobs)  # squeue hides finished jobs past MinJobAge only
    compared = set()
    for job_id, ref in reference.items():
        job = jobs[job_id]
        pairs = {
            "name": job.name,
            "user_name": job.user_name,
            "account": job.account,
            "partition": job.partition,
            "qos": job.qos,
            "state_reason": job.state_reason,
            "priority": job.priority,
            "nodes": job.nodes or "",
            "array_job_id": job.array_job_id or 0,
            "user_id": job.user_id,
            "group_id": job.group_id,
            "command": job.command,
            "current_working_directory": job.work_dir,
        }
        for key, value in pairs.items():
            if key in ref:
                # squeue prints an unset string as "".
                expected = "" if value is None and isinstance(ref[key], str) else value
                assert number(ref[key]) == expected, (job_id, key, ref[key], value)
                compared.add(key)
        state = ref["job_state"]
        state = state[0] if isinstance(state, list) else state
        assert job.state_text == state or job.state.name == state, (job_id, state)
        limit = number(ref["time_limit"])
        expected = None if limit is None else limit
        assert (
            job.time_limit is UNLIMITED
            if expected is UNLIMITED
            else job.time_limit is None or job.time_limit.total_seconds() == expected * 60
        ), (job_id, ref["time_limit"], job.time_limit)
    assert {"name", "user_name", "account", "partition", "state_reason"} <= compared


def test_pending_jobs_carry_their_reason(cluster: Cluster, seed: dict[str, Any]) -> None:
    for role, reason in seed["pending_reasons"].items():
        job = cluster.job(seed["jobs"][role])
        assert job.state is JobState.PENDING, role
        # The seed recorded what squeue's %R shows: the reason, or its description if set.
        assert reason in (job.state_reason, job.state_description), role
    held = cluster.job(seed["jobs"]["held"])
    assert held.state is JobState.PENDING
    assert held.priority == 0 or held.state_reason in ("JobHeldUser", "JobHeldAdmin")


def test_queue_position_is_squeues_order(cluster: Cluster, seed: dict[str, Any]) -> None:
    """Every pending job's rank in its partition, against squeue's priority and submit time."""
    lines = run("squeue", "-h", "-t", "PD", "-o", "%A %P %Q %V").stdout.splitlines()
    by_partition: dict[str, list[list[str]]] = {}
    for fields in (line.split() for line in lines):
        by_partition.setdefault(fields[1], []).append(fields)
    assert by_partition, "the seed leaves jobs pending"
    # Two ways to the same answer: ranking the records of a client that holds the queue,
    # and (a new client) ranking the few fields it needs, read without making records.
    cluster.jobs()
    for part, rows in by_partition.items():
        # Higher priority first; ties by submit time, then id.
        order = [int(f[0]) for f in sorted(rows, key=lambda f: (-int(f[2]), f[3], int(f[0])))]
        for rank, job_id in enumerate(order, 1):
            for client in (cluster, Cluster()):
                position = client.queue_position(job_id)
                assert (position.partitions, position.rank, position.pending) == (
                    (part,),
                    rank,
                    len(order),
                ), job_id
    for client in (cluster, Cluster()):
        running = client.queue_position(seed["jobs"]["running"])
        assert running.rank is None and running.partitions
        with pytest.raises(InvalidJobId):
            client.queue_position(999_999_999)
        with pytest.raises(ValueError):
            client.queue_position(-1)


def test_job_filters(cluster: Cluster, seed: dict[str, Any]) -> None:
    user = seed["job_users"]["running"]
    mine = cluster.jobs(users=[user])
    assert mine and all(j.user_name == user for j in mine)
    running = cluster.jobs(states=["running"])
    assert running and all(j.state is JobState.RUNNING for j in running)
    array_id = seed["jobs"]["array"]
    tasks = cluster.jobs(job_ids=[array_id])
    assert tasks and all(array_id in (j.job_id, j.array_job_id) for j in tasks)


def test_bad_job_filters_raise_naming_the_value_and_the_valid_names(cluster: Cluster) -> None:
    with pytest.raises(TypeError, match=r"states: a job state is a JobState or its name \(PENDING"):
        cluster.jobs(states=[5])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"unknown job state 'nosuch' \(known: PENDING, RUNNING"):
        cluster.jobs(states=["nosuch"])
    with pytest.raises(TypeError, match=r"job_ids: a job id is an int, not float: 1\.9"):
        cluster.jobs(job_ids=[1.9])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not bool: True"):
        cluster.jobs(job_ids=[True])
    with pytest.raises(TypeError, match=r"users: .* not bool"):
        cluster.jobs(users=[False])
    with pytest.raises(ValueError, match="partitions must be text that encodes to UTF-8"):
        cluster.jobs(partitions="\udcff")


def test_a_bare_string_filter_is_one_value_and_selects_what_squeue_does(
    cluster: Cluster, seed: dict[str, Any]
) -> None:
    def squeue() -> set[int]:
        return {int(i) for i in run("squeue", "-h", "-a", "-t", "PD", "-o", "%A").stdout.split()}

    pending, ours = settled(squeue, lambda: {j.job_id for j in cluster.jobs(states="pending")})
    assert pending and ours == pending
    assert cluster.jobs(states="pending") == cluster.jobs(states=[JobState.PENDING])
    user = seed["job_users"]["running"]
    assert cluster.jobs(users=user) == cluster.jobs(users=[user])
    running = seed["jobs"]["running"]
    assert [j.job_id for j in cluster.jobs(job_ids=running)] == [running]
    assert cluster.jobs(accounts=[]).records == ()


def test_running_job_has_its_nodes_expanded(cluster: Cluster, seed: dict[str, Any]) -> None:
    job = cluster.job(seed["jobs"]["running"])
    assert job.state is JobState.RUNNING
    assert job.node_names and set(job.node_names) <= set(seed["nodes"]["live"])
    assert job.start_time is not None and job.start_time.tzinfo is not None


def test_unknown_job_is_invalid_job_id(cluster: Cluster) -> None:
    with pytest.raises(InvalidJobId) as raised:
        cluster.job(3_999_999_999)
    assert isinstance(raised.value, LookupError)
    with pytest.raises(ValueError):
        cluster.job(-1)


# --- partitions, reservations, licenses, config ---------------------------------------------


def test_partitions_match_scontrol(cluster: Cluster) -> None:
    reference = {r["PartitionName"]: r for r in scontrol_oneliners("partition")}
    partitions = cluster.partitions()
    assert {p.name for p in partitions} == set(reference)
    for part in partitions:
        ref = reference[part.name]
        assert part.total_nodes == int(ref["TotalNodes"])
        assert part.total_cpus == int(ref["TotalCPUs"])
        assert part.state == ref["State"]
        assert part.default == (ref["Default"] == "YES")
        assert len(part.node_names) == part.total_nodes
        max_time = ref["MaxTime"]
        assert (part.max_time is UNLIMITED) == (max_time == "UNLIMITED")


def test_reservation_matches_scontrol(cluster: Cluster, seed: dict[str, Any]) -> None:
    name = seed["reservation"]["name"]
    ref = {r["ReservationName"]: r for r in scontrol_oneliners("reservation")}[name]
    resv = cluster.reservations().by_key[name]
    assert resv.nodes == ref["Nodes"]
    assert resv.node_count == int(ref["NodeCnt"])
    assert ",".join(resv.users) == ref["Users"]


def test_licenses_match_scontrol(cluster: Cluster, seed: dict[str, Any]) -> None:
    lic = cluster.licenses().by_key[seed["license"]["name"]]
    ref = {r["LicenseName"]: r for r in scontrol_oneliners("license")}[lic.name]
    assert (lic.total, lic.in_use, lic.available) == (
        int(ref["Total"]),
        int(ref["Used"]),
        int(ref["Free"]),
    )
    assert lic.total == seed["license"]["count"]


def test_config_matches_scontrol_show_config(cluster: Cluster) -> None:
    reference = {}
    for line in run("scontrol", "show", "config").stdout.splitlines():
        key, sep, value = line.partition(" = ")
        if sep:
            reference[key.strip()] = value.strip()
    config = cluster.config()
    assert config.cluster_name == reference["ClusterName"]
    assert config.version == reference["SLURM_VERSION"]
    assert config.select_type == reference["SelectType"]
    assert config.priority_type == reference["PriorityType"]
    assert config.accounting_storage_type == reference["AccountingStorageType"]
    assert str(config.message_timeout) == reference["MessageTimeout"].split()[0]
    assert config.slurmctld_port == int(reference["SlurmctldPort"])
    assert config.values["cluster_name"] == config.cluster_name


def test_ping_reports_the_primary_up(cluster: Cluster) -> None:
    pings = cluster.ping()
    assert pings[0].primary and pings[0].up and pings[0].latency is not None


# --- incremental loads, ownership, threads --------------------------------------------------


def test_unchanged_nodes_come_back_as_the_same_snapshot(cluster: Cluster) -> None:
    # The controller dates its answers to the second: a node that changed in the second of
    # the first load makes the next load a full one. Other tests' jobs come and go, so the
    # pair is taken again until a quiet second.
    for _ in range(20):
        first = cluster.nodes()
        if cluster.nodes() is first:
            return
        time.sleep(0.5)
    raise AssertionError("every second load of the nodes was a full one, none unchanged")


def test_a_node_update_shows_in_the_next_load(cluster: Cluster, seed: dict[str, Any]) -> None:
    name = seed["nodes"]["idle"][0] if seed["nodes"]["idle"] else seed["nodes"]["live"][0]
    before = cluster.nodes()
    old_weight = before.by_key[name].weight
    run("scontrol", "update", f"nodename={name}", f"weight={old_weight + 7}")
    try:
        after = cluster.nodes()
        assert after is not before
        assert after.by_key[name].weight == old_weight + 7
        assert before.by_key[name].weight == old_weight  # the old snapshot is owned, unchanged
    finally:
        run("scontrol", "update", f"nodename={name}", f"weight={old_weight}")


def test_records_outlive_their_message_and_pickle(cluster: Cluster) -> None:
    cluster.forget()
    jobs = cluster.jobs()
    cluster.forget()
    cluster.jobs()
    copy = pickle.loads(pickle.dumps(jobs.records))
    assert copy == jobs.records
    json.dumps([j.to_dict() for j in jobs])


def test_loads_from_many_threads_agree(cluster: Cluster) -> None:
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(len(Cluster().nodes()) + len(cluster.jobs()))
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1 and len(results) == 20


def test_steps_match_scontrol_show_step(cluster: Cluster) -> None:
    reference: dict[int, set[str]] = {}
    for record in scontrol_oneliners("step"):
        job, _, step = record["StepId"].partition(".")
        if "_" in job:  # an array task's step, "1234_5.batch": find the task's own job id
            array_id, task = map(int, job.split("_"))
            (task_job,) = [
                j.job_id for j in cluster.jobs(job_ids=[array_id]) if j.array_task_id == task
            ]
            job = str(task_job)
        reference.setdefault(int(job), set()).add(step)
    assert reference, "the seeded cluster has running jobs with steps"
    for job_id, steps in reference.items():
        ours = cluster.steps(job_id)
        assert {s.step for s in ours} == steps, job_id
        assert all(s.job_id == job_id for s in ours)


def test_stats_match_sdiag(cluster: Cluster) -> None:
    text = run("sdiag").stdout
    ours = cluster.stats()  # taken after: counters can only have grown

    def value(label: str, section: str = "") -> int:
        body = text.split(section, 1)[1] if section else text
        match = re.search(rf"^\s*{re.escape(label)}:\s+(\d+)", body, re.M)
        assert match, label
        return int(match.group(1))

    assert ours.server_threads >= 1
    for label, attr in [
        ("Jobs submitted", "jobs_submitted"),
        ("Jobs started", "jobs_started"),
        ("Jobs completed", "jobs_completed"),
        ("Jobs canceled", "jobs_canceled"),
        ("Jobs failed", "jobs_failed"),
    ]:
        assert getattr(ours, attr) == value(label), label
    assert ours.main_cycles >= value("Total cycles", "Main schedule")
    assert ours.backfill_cycles >= value("Total cycles", "Backfilling")
    by_type = {r.id: r.count for r in ours.rpcs_by_type}
    for rpc_id, count in re.findall(r"\(\s*(\d+)\) count:(\d+)", text.split("by user")[0]):
        assert by_type[int(rpc_id)] >= int(count), rpc_id
    users = {r.name: r.count for r in ours.rpcs_by_user}
    for user, count in re.findall(
        r"^\s+(\w+)\s+\(\s*\d+\) count:(\d+)", text.split("by user")[1], re.M
    ):
        assert users[user] >= int(count), user
