"""Acting on jobs, nodes, reservations and partitions, checked with scontrol afterwards.

Everything a test creates or changes is undone in a finalizer. The only seeded object
touched is node3 (left idle by the seed): drained and resumed at once, its weight and
features restored; and big0999 (absent, DOWN) whose reason is set back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import slurmlib
from slurmlib import JobSpec
from slurmlib.errors import (
    InvalidJobId,
    InvalidNodeName,
    InvalidPartitionName,
    InvalidQos,
    InvalidReservation,
)
from tests.api.jobtools import (
    JOBS_DIR,
    exclusive,
    scancel_quietly,
    scontrol_job,
    wait_for,
    wait_job_state,
)
from tests.slurmtools import run, scontrol_oneliners

TAG = f"p2c{os.getpid()}"


@pytest.fixture(scope="module")
def cluster(slurm_conf: Path) -> slurmlib.Cluster:
    return slurmlib.Cluster(slurm_conf)


@pytest.fixture
def submitted() -> Iterator[list[int]]:
    ids: list[int] = []
    yield ids
    scancel_quietly(*ids)


def _running_job(cluster: slurmlib.Cluster, ids: list[int], name: str, script: str) -> int:
    """A job that runs until cancelled, started and ready (it printed 'ready')."""
    job_id = cluster.submit(
        JobSpec(
            script=script,
            name=f"{TAG}-{name}",
            time_limit=5,
            output=str(JOBS_DIR / "%x-%j.out"),
        )
    ).job_id
    ids.append(job_id)
    wait_job_state(job_id, "RUNNING")
    out = JOBS_DIR / f"{TAG}-{name}-{job_id}.out"
    wait_for("the job to be ready", lambda: out.exists() and "ready" in out.read_text())
    return job_id


_SLEEPER = "#!/bin/sh\necho ready\nfor i in $(seq 300); do sleep 1; done\n"


def test_cancel_ends_a_running_job(cluster: slurmlib.Cluster, submitted: list[int]) -> None:
    job_id = _running_job(cluster, submitted, "cancel", _SLEEPER)
    cluster.cancel(job_id)
    wait_job_state(job_id, "CANCELLED")
    with pytest.raises(InvalidJobId):
        cluster.cancel(4_000_000_000)


def test_signal_reaches_the_batch_script(cluster: slurmlib.Cluster, submitted: list[int]) -> None:
    script = (
        "#!/bin/bash\n"
        "trap 'echo got USR1' USR1\n"
        "echo ready\n"
        "for i in $(seq 300); do sleep 1; done\n"
    )
    job_id = _running_job(cluster, submitted, "signal", script)
    cluster.signal(job_id, "USR1")
    out = JOBS_DIR / f"{TAG}-signal-{job_id}.out"
    wait_for("the script to see USR1", lambda: "got USR1" in out.read_text())
    assert scontrol_job(job_id)["JobState"] == "RUNNING"
    with pytest.raises(ValueError, match="scope"):
        cluster.signal(job_id, "USR1", scope="everyone")
    with pytest.raises(ValueError, match="signal"):
        cluster.signal(job_id, "SIGNOPE")


def test_suspend_and_resume(cluster: slurmlib.Cluster, submitted: list[int]) -> None:
    job_id = _running_job(cluster, submitted, "suspend", _SLEEPER)
    cluster.suspend(job_id)
    assert scontrol_job(job_id)["JobState"] == "SUSPENDED"
    assert cluster.job(job_id).state.name == "SUSPENDED"
    cluster.resume(job_id)
    assert scontrol_job(job_id)["JobState"] == "RUNNING"


def test_requeue_puts_a_running_job_back_held(
    cluster: slurmlib.Cluster, submitted: list[int]
) -> None:
    job_id = _running_job(cluster, submitted, "requeue", _SLEEPER)
    cluster.requeue(job_id, hold=True)
    shown = wait_job_state(job_id, "PENDING")
    assert shown["Restarts"] == "1"
    wait_for("the requeue hold", lambda: scontrol_job(job_id)["Priority"] == "0")


def test_update_job_changes_what_scontrol_shows(
    cluster: slurmlib.Cluster, submitted: list[int]
) -> None:
    later = timedelta(days=1)  # pending, not held: the controller refuses some changes then
    other = cluster.submit(
        JobSpec(script="#!/bin/sh\ntrue\n", work_dir="/tmp", begin_time=later)
    ).job_id
    submitted.append(other)
    job_id = cluster.submit(
        JobSpec(
            script="#!/bin/sh\ntrue\n",
            work_dir="/tmp",
            name=f"{TAG}-upd",
            begin_time=later,
            time_limit=5,
        )
    ).job_id
    submitted.append(job_id)
    cluster.update_job(
        job_id,
        time_limit=timedelta(minutes=42),
        name=f"{TAG}-renamed",
        comment="changed",
        nice=7,
        partition="long",
        dependency=f"afterany:{other}",
    )
    shown = scontrol_job(job_id)
    assert shown["TimeLimit"] == "00:42:00"
    assert shown["JobName"] == f"{TAG}-renamed"
    assert shown["Comment"] == "changed"
    assert shown["Nice"] == "7"
    assert shown["Partition"] == "long"
    assert shown["Dependency"].startswith(f"afterany:{other}")
    cluster.update_job(job_id, dependency="")
    assert scontrol_job(job_id)["Dependency"] == "(null)"
    cluster.update_job(job_id, priority=1234)
    assert scontrol_job(job_id)["Priority"] == "1234"
    # A refusal changes nothing, even in the fields that were fine.
    with pytest.raises(InvalidQos):
        cluster.update_job(job_id, qos="nosuchqos")
    with pytest.raises(InvalidPartitionName):
        cluster.update_job(job_id, partition="nosuchpart", time_limit=3)
    shown = scontrol_job(job_id)
    assert shown["QOS"] == "normal" and shown["TimeLimit"] == "00:42:00"
    with pytest.raises(ValueError, match="nothing to change"):
        cluster.update_job(job_id)
    with pytest.raises(ValueError, match="nice"):
        cluster.update_job(job_id, nice=2**31)
    with pytest.raises(ValueError, match="job"):
        cluster.update_job("12_x", comment="x")


# --- nodes ----------------------------------------------------------------------------

IDLE_NODE = "node3"  # the seed leaves it idle
DOWN_NODE = "big0999"  # absent, seeded DOWN with a reason
ABSENT_NODE = "big0998"  # absent, seeded DOWN


def _node(name: str) -> dict[str, str]:
    return scontrol_oneliners("node", name)[0]


@pytest.fixture
def idle_node() -> Iterator[str]:
    with exclusive(IDLE_NODE):
        before = _node(IDLE_NODE)
        assert "DRAIN" not in before["State"], f"{IDLE_NODE} is not as seeded: {before['State']}"
        try:
            yield IDLE_NODE
        finally:
            if "DRAIN" in _node(IDLE_NODE)["State"]:
                run("scontrol", "update", f"nodename={IDLE_NODE}", "state=resume", check=False)


@pytest.fixture
def absent_node() -> Iterator[str]:
    """A node without slurmd (seeded DOWN): its weight and features are restored after."""
    with exclusive(ABSENT_NODE):
        before = _node(ABSENT_NODE)
        try:
            yield ABSENT_NODE
        finally:
            after = _node(ABSENT_NODE)
            keys = ("Weight", "AvailableFeatures", "ActiveFeatures")
            if any(after[k] != before[k] for k in keys):
                run(
                    "scontrol",
                    "update",
                    f"nodename={ABSENT_NODE}",
                    f"weight={before['Weight']}",
                    f"availablefeatures={before['AvailableFeatures']}",
                    f"activefeatures={before['ActiveFeatures']}",
                )


def test_drain_and_resume_a_node(cluster: slurmlib.Cluster, idle_node: str) -> None:
    reason = f"{TAG} drain test"
    cluster.drain(idle_node, reason)
    shown = _node(idle_node)
    assert "DRAIN" in shown["State"] and shown["Reason"].startswith(reason)
    node = cluster.node(idle_node)
    assert node.drained and node.reason == reason
    cluster.resume_nodes([idle_node])
    shown = _node(idle_node)
    assert "DRAIN" not in shown["State"] and "Reason" not in shown
    assert not cluster.node(idle_node).drained


def test_update_node_weight_and_features(cluster: slurmlib.Cluster, absent_node: str) -> None:
    before = _node(absent_node)
    cluster.update_node(absent_node, weight=77, features=["amd", TAG], active_features=["amd", TAG])
    shown = _node(absent_node)
    assert shown["Weight"] == "77"
    assert shown["AvailableFeatures"] == f"amd,{TAG}" == shown["ActiveFeatures"]
    assert cluster.node(absent_node).features == ("amd", TAG)
    cluster.update_node(
        absent_node,
        weight=int(before["Weight"]),
        features=before["AvailableFeatures"],
        active_features=before["ActiveFeatures"],
    )
    shown = _node(absent_node)
    assert (shown["Weight"], shown["AvailableFeatures"], shown["ActiveFeatures"]) == (
        before["Weight"],
        before["AvailableFeatures"],
        before["ActiveFeatures"],
    )


def test_down_sets_state_and_reason(cluster: slurmlib.Cluster) -> None:
    with exclusive(DOWN_NODE):
        _down_and_restore(cluster)


def _down_and_restore(cluster: slurmlib.Cluster) -> None:
    before = _node(DOWN_NODE)
    assert "DOWN" in before["State"]
    seeded_reason = before["Reason"].rsplit(" [", 1)[0]
    try:
        cluster.down(DOWN_NODE, f"{TAG} down test")
        shown = _node(DOWN_NODE)
        assert "DOWN" in shown["State"] and shown["Reason"].startswith(f"{TAG} down test")
    finally:
        cluster.down(DOWN_NODE, seeded_reason)
    assert _node(DOWN_NODE)["Reason"].startswith(seeded_reason)


def test_node_input_is_checked_before_the_controller_and_refusals_are_typed(
    cluster: slurmlib.Cluster,
) -> None:
    with pytest.raises(ValueError, match="reason"):
        cluster.update_node(IDLE_NODE, state="DRAIN")
    with pytest.raises(ValueError, match="state"):
        cluster.update_node(IDLE_NODE, state="SLEEPY", reason="x")
    with pytest.raises(ValueError, match="nodes"):
        cluster.drain(["node3", ""], "x")
    with pytest.raises(ValueError, match="reason"):
        cluster.drain(IDLE_NODE, "bad\0reason")
    with pytest.raises(InvalidNodeName):
        cluster.drain("nosuchnode", f"{TAG}")
    assert "DRAIN" not in _node(IDLE_NODE)["State"]


# --- reservations -----------------------------------------------------------------------


@pytest.fixture
def reservation_names() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        run("scontrol", "delete", f"reservation={name}", check=False)


def _reservation(name: str) -> dict[str, str]:
    found = [r for r in scontrol_oneliners("reservation") if r["ReservationName"] == name]
    assert found, f"scontrol shows no reservation {name}"
    return found[0]


def test_reservation_create_update_delete(
    cluster: slurmlib.Cluster, reservation_names: list[str]
) -> None:
    start = (datetime.now(UTC) + timedelta(days=20)).replace(second=0, microsecond=0)
    name = cluster.create_reservation(
        f"{TAG}-resv",
        start=start,
        duration=timedelta(hours=2),
        nodes="gpu[05-06]",
        users=["alice"],
        flags=["MAINT", "IGNORE_JOBS"],
    )
    reservation_names.append(name)
    assert name == f"{TAG}-resv"
    shown = _reservation(name)
    assert shown["Nodes"] == "gpu[05-06]" and shown["Users"] == "alice"
    assert shown["Duration"] == "02:00:00"
    assert "MAINT" in shown["Flags"].split(",")
    ours = cluster.reservations().by_key[name]
    assert ours.start_time == start and ours.node_names == ("gpu05", "gpu06")
    cluster.update_reservation(name, users="alice,bob", duration=30, nodes="gpu05")
    shown = _reservation(name)
    assert shown["Users"] == "alice,bob" and shown["Duration"] == "00:30:00"
    assert shown["Nodes"] == "gpu05"
    cluster.delete_reservation(name)
    assert name not in [r["ReservationName"] for r in scontrol_oneliners("reservation")]
    with pytest.raises(InvalidReservation):
        cluster.delete_reservation(name)


def test_reservation_by_node_count_gets_a_name_from_slurm(
    cluster: slurmlib.Cluster, reservation_names: list[str]
) -> None:
    name = cluster.create_reservation(
        start=datetime.now(UTC) + timedelta(days=30),
        duration=10,
        node_count=1,
        partition="debug",
        accounts=["physics"],
    )
    reservation_names.append(name)
    shown = _reservation(name)
    assert shown["NodeCnt"] == "1" and shown["Accounts"] == "physics"
    cluster.delete_reservation(name)


def test_reservation_input_is_checked(cluster: slurmlib.Cluster) -> None:
    with pytest.raises(ValueError, match="flags"):
        cluster.create_reservation(duration=1, node_count=1, users="alice", flags=["NOPE"])
    with pytest.raises(ValueError, match="start"):
        cluster.create_reservation(
            start=datetime(2030, 1, 1), duration=1, node_count=1, users="alice"
        )
    with pytest.raises(ValueError, match="duration"):
        cluster.create_reservation(duration=0, node_count=1, users="alice")


# --- partitions -----------------------------------------------------------------------


@pytest.fixture
def partition_name() -> Iterator[str]:
    name = f"{TAG}part"
    yield name
    run("scontrol", "delete", f"partition={name}", check=False)


def test_partition_create_update_delete(cluster: slurmlib.Cluster, partition_name: str) -> None:
    cluster.create_partition(
        partition_name,
        nodes="big[0001-0002]",
        state="UP",
        max_time=timedelta(minutes=30),
        hidden=True,
    )
    shown = scontrol_oneliners("partition", partition_name)[0]
    assert shown["Nodes"] == "big[0001-0002]" and shown["State"] == "UP"
    assert shown["MaxTime"] == "00:30:00" and shown["Hidden"] == "YES"
    cluster.update_partition(
        partition_name, state="DOWN", max_time=60, nodes=["big0001"], max_nodes=1
    )
    shown = scontrol_oneliners("partition", partition_name)[0]
    assert shown["State"] == "DOWN" and shown["MaxTime"] == "01:00:00"
    assert shown["Nodes"] == "big0001" and shown["MaxNodes"] == "1"
    ours = cluster.partitions().by_key[partition_name]
    assert ours.state == "DOWN" and ours.node_names == ("big0001",) and ours.hidden
    with pytest.raises(ValueError, match="state"):
        cluster.update_partition(partition_name, state="SIDEWAYS")
    cluster.delete_partition(partition_name)
    assert partition_name not in run("scontrol", "-o", "show", "partition").stdout
    with pytest.raises(InvalidPartitionName):
        cluster.delete_partition(partition_name)
