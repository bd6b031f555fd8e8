"""Several clusters, one slurmdbd: ``Cluster(cluster="other")`` against Slurm's ``-M``.

The test cluster's second cluster (``other``, see scripts/cluster) has its own controller,
nodes, partitions, associations and jobs; Slurm's commands with ``-M other`` are the
reference. The test that stops other's controller restarts it before it ends.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slurmlib import Cluster, JobSpec
from slurmlib.db import Database
from slurmlib.errors import ControllerUnreachable, InvalidCluster, NotFound
from tests.slurmtools import other_controller_stopped, run

TAG = "t-clusters"


@pytest.fixture(scope="module")
def seed(slurm_conf: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    if not data.get("other", {}).get("seeded"):
        pytest.fail("the test cluster has no seeded second cluster: run `scripts/cluster up`")
    return data


@pytest.fixture(scope="module")
def other(seed: dict[str, Any]) -> Cluster:
    return Cluster(cluster=seed["other"]["cluster"])


@pytest.fixture(scope="module")
def local(slurm_conf: Path) -> Cluster:
    return Cluster()


def _squeue_ids(*argv: str) -> set[int]:
    out = run("squeue", "-h", "-r", "-o", "%A", *argv).stdout.split()
    return {int(word) for word in out if word.isdigit()}


def test_known_clusters_are_those_slurmdbd_has_controllers_of(seed: dict[str, Any]) -> None:
    known = {c.name: c for c in Cluster.known_clusters()}
    assert known[seed["cluster"]].control_port == seed["ports"]["slurmctld"]
    other = known[seed["other"]["cluster"]]
    assert other.control_port == seed["other"]["ports"]["slurmctld"]
    assert other.control_host == "127.0.0.1"
    assert other.rpc_version > 0


def test_nodes_and_partitions_of_other_are_what_sinfo_M_shows(other: Cluster) -> None:
    assert other.cluster_name == "other"
    rows = run("sinfo", "-M", "other", "-h", "-N", "-o", "%N %T").stdout.split("\n")
    states = dict(line.split() for line in rows if line and not line.startswith("CLUSTER"))
    nodes = {n.name: n for n in other.nodes()}
    assert nodes.keys() == states.keys() == {"onode1", "onode2"}
    parts = run("sinfo", "-M", "other", "-h", "-o", "%R").stdout.split()
    assert {p.name for p in other.partitions()} == {p for p in parts if p != "CLUSTER:"}
    assert other.partitions().by_key["main"].nodes == "onode[1-2]"


def test_jobs_of_other_are_what_squeue_M_shows(other: Cluster, seed: dict[str, Any]) -> None:
    jobs = other.jobs()
    live = {j.job_id for j in jobs if not j.state.finished}
    assert live == _squeue_ids("-M", "other")
    roles = seed["other"]["jobs"]
    assert jobs.by_key[roles["running"]].nodes == "onode1"
    assert jobs.by_key[roles["pending"]].state_reason == "Dependency"
    assert jobs.by_key[roles["held"]].partition == "short"


def test_the_default_cluster_is_untouched_by_a_client_of_other(
    other: Cluster, local: Cluster, seed: dict[str, Any]
) -> None:
    other.nodes()
    names = {n.name for n in local.nodes()}
    assert set(seed["nodes"]["live"]) <= names and "onode1" not in names
    assert {j.job_id for j in local.jobs() if not j.state.finished} == _squeue_ids()


def test_naming_the_local_cluster_is_the_default(local: Cluster, seed: dict[str, Any]) -> None:
    named = Cluster(cluster=seed["cluster"])
    assert named.cluster_name == local.cluster_name == seed["cluster"]
    assert {n.name for n in named.nodes()} == {n.name for n in local.nodes()}


def test_an_unknown_cluster_is_a_lookup_error_listing_the_known(seed: dict[str, Any]) -> None:
    with pytest.raises(InvalidCluster) as raised:
        Cluster(cluster="nosuch")
    assert isinstance(raised.value, NotFound) and isinstance(raised.value, LookupError)
    text = str(raised.value)
    assert "nosuch" in text and "other" in text and seed["cluster"] in text
    with pytest.raises(ValueError, match="one cluster"):
        Cluster(cluster="other,slurmlib")
    with pytest.raises(ValueError, match="empty"):
        Cluster(cluster="")


def test_accounting_jobs_of_other_are_what_sacct_M_shows(seed: dict[str, Any]) -> None:
    rows = run("sacct", "-M", "other", "-X", "-n", "-P", "-S", "2000-01-01", "-o", "JobID,State")
    expected = dict(line.split("|") for line in rows.stdout.splitlines())
    with Database() as db:
        jobs = db.jobs(clusters="other", with_steps=False, start=None)
        mine = {str(j.job_id): j for j in jobs}
        for role in ("completed", "failed", "running"):
            job_id = str(seed["other"]["jobs"][role])
            assert job_id in mine and job_id in expected
            assert mine[job_id].cluster == "other"
        assert {j.cluster for j in db.jobs(clusters="all", with_steps=False)} >= {
            "other",
            seed["cluster"],
        }
        assert {j.cluster for j in db.jobs(with_steps=False)} == {seed["cluster"]}
        assert seed["other"]["jobs"]["completed"] not in {j.job_id for j in db.jobs()}


def test_associations_of_other_are_on_cluster_other(seed: dict[str, Any]) -> None:
    with Database() as db:
        assocs = db.associations(clusters="other", users=["alice", "bob", "carol"])
        assert {(a.user, a.account) for a in assocs} == {("alice", "physics"), ("bob", "physics")}
        assert {a.cluster for a in db.associations(clusters="ALL")} >= {"other", seed["cluster"]}


def test_a_held_job_submitted_to_other_is_seen_there_only(
    other: Cluster, seed: dict[str, Any]
) -> None:
    job_id = other.submit(
        JobSpec(
            script="#!/bin/sh\ntrue\n",
            name=f"{TAG}-held",
            work_dir=seed["jobs_dir"],
            partition="short",
            time_limit=5,
            hold=True,
        )
    ).job_id
    try:
        shown = run("scontrol", "-M", "other", "show", "job", str(job_id)).stdout
        assert f"JobId={job_id}" in shown and "JobState=PENDING" in shown
        assert job_id not in _squeue_ids()
        assert other.job(job_id).state_reason == "JobHeldUser"
        other.cancel(job_id)
        shown = run("scontrol", "-M", "other", "show", "job", str(job_id)).stdout
        assert "JobState=CANCELLED" in shown
    finally:
        run("scancel", "-M", "other", str(job_id), check=False)


def test_draining_a_node_of_other_is_seen_there_only(other: Cluster) -> None:
    try:
        other.drain("onode2", f"{TAG} drain")
        shown = run("scontrol", "-M", "other", "show", "node", "onode2").stdout
        assert f"Reason={TAG} drain" in shown
        assert other.node("onode2").drained
        other.resume_nodes("onode2")
        shown = run("scontrol", "-M", "other", "show", "node", "onode2").stdout
        assert "DRAIN" not in shown.split("State=", 1)[1].split()[0]
    finally:
        run("scontrol", "-M", "other", "update", "nodename=onode2", "state=resume", check=False)


def test_two_threads_loading_two_clusters_at_once_each_get_their_own(
    other: Cluster, local: Cluster
) -> None:
    other.forget()
    local.forget()
    seen: dict[str, set[frozenset[str]]] = {"other": set(), "local": set()}
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def load(name: str, client: Cluster) -> None:
        try:
            start.wait()
            for _ in range(40):
                client.forget()
                seen[name].add(frozenset(n.name for n in client.nodes()))
                seen[name].add(frozenset(str(j.partition) for j in client.jobs()))
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [
        threading.Thread(target=load, args=("other", other)),
        threading.Thread(target=load, args=("local", local)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures
    node_sets = [s for s in seen["other"] if "onode1" in s]
    assert node_sets == [frozenset({"onode1", "onode2"})]
    assert all("onode1" not in s for s in seen["local"])
    assert all(s <= {"main", "short"} for s in seen["other"] if "onode1" not in s)


# --- a controller that stops --------------------------------------------------------------


@pytest.fixture
def other_stopped(seed: dict[str, Any], other: Cluster) -> Iterator[None]:
    """Other's slurmctld stopped, then started again and registered."""
    other.ping()
    with other_controller_stopped(seed):
        yield


def test_a_stopped_controller_fails_its_cluster_only(
    other: Cluster, local: Cluster, other_stopped: None, seed: dict[str, Any]
) -> None:
    other.forget()
    with pytest.raises(ControllerUnreachable):
        other.nodes()
    assert {n.name for n in local.nodes()} >= set(seed["nodes"]["live"])
    # A client made now finds the cluster in slurmdbd without a registered controller
    # (in a child: this process keeps the record its clients hold).
    code = (
        "from slurmlib import Cluster\n"
        "from slurmlib.errors import ControllerUnreachable\n"
        "try:\n"
        "    Cluster(cluster='other')\n"
        "except ControllerUnreachable as exc:\n"
        "    print('unreachable:', exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "unreachable:" in done.stdout and "no controller of it is registered" in done.stdout
