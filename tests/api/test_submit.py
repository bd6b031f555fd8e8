"""Submitting batch jobs through slurmlib, checked with squeue --json, scontrol and sbatch.

Jobs run on the live nodes (small: one CPU, a few seconds); every job a test submits is
cancelled when the test ends.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import slurmlib
from slurmlib import JobSpec
from slurmlib.errors import (
    InvalidAccount,
    InvalidNodeName,
    InvalidPartitionName,
    InvalidQos,
    SlurmError,
)
from tests.api.jobtools import (
    JOBS_DIR,
    LIVE_NODES,
    job_state_text,
    scancel_quietly,
    scontrol_job,
    squeue_job,
    unwrap,
    wait_for,
    wait_job_state,
)
from tests.slurmtools import run

TAG = f"p2s{os.getpid()}"


@pytest.fixture(scope="module")
def cluster(slurm_conf: Path) -> slurmlib.Cluster:
    return slurmlib.Cluster(slurm_conf)


@pytest.fixture
def submitted(cluster: slurmlib.Cluster) -> Iterator[list[int]]:
    """Job ids a test submitted: cancelled when it ends, whatever happened."""
    ids: list[int] = []
    yield ids
    scancel_quietly(*ids)


def _submit(cluster: slurmlib.Cluster, ids: list[int], spec: JobSpec) -> int:
    result = cluster.submit(spec)
    ids.append(result.job_id)
    return result.job_id


def _submit_held(cluster: slurmlib.Cluster, ids: list[int], name: str, **fields: Any) -> int:
    """A held no-op job named ``TAG-name``: it stays pending for the test to inspect."""
    spec = JobSpec(
        script="#!/bin/sh\ntrue\n", work_dir="/tmp", name=f"{TAG}-{name}", hold=True, **fields
    )
    return _submit(cluster, ids, spec)


def test_submitted_job_has_the_fields_it_asked_for_in_squeue_json_and_slurmlib(
    cluster: slurmlib.Cluster, submitted: list[int]
) -> None:
    spec = JobSpec(
        script="#!/bin/sh\nsleep 1\n",
        name=f"{TAG}-fields",
        partition="debug",
        time_limit=timedelta(minutes=7),
        ntasks=2,
        cpus_per_task=2,
        memory_per_cpu="300M",
        comment="made by slurmlib",
        constraints="amd",
        licenses={"matlab": 1},
        nice=5,
        work_dir="/tmp",
        output=str(JOBS_DIR / "%x-%j.out"),
        hold=True,
    )
    job_id = _submit(cluster, submitted, spec)
    theirs = squeue_job(job_id)
    ours = cluster.job(job_id)
    assert theirs["name"] == ours.name == f"{TAG}-fields"
    assert theirs["partition"] == ours.partition == "debug"
    assert unwrap(theirs["time_limit"]) == 7 and ours.time_limit == timedelta(minutes=7)
    assert unwrap(theirs["memory_per_cpu"]) == ours.memory_per_cpu == 300
    assert theirs["comment"] == ours.comment == "made by slurmlib"
    assert theirs["features"] == ours.features == "amd"
    assert theirs["licenses"] == ours.licenses == "matlab:1"
    assert theirs["current_working_directory"] == ours.work_dir == "/tmp"
    pattern = str(JOBS_DIR / "%x-%j.out")
    expanded = str(JOBS_DIR / f"{TAG}-fields-{job_id}.out")
    assert ours.std_out == pattern  # the job record keeps what was asked for
    if "stdout_expanded" in theirs:
        # Releases with stdout_expanded (26.05) give both the pattern and the path it makes.
        assert (theirs["standard_output"], theirs["stdout_expanded"]) == (pattern, expanded)
    else:
        # 22.05 prints the pattern; 24.11 prints the expanded path in its place.
        assert theirs["standard_output"] in (pattern, expanded)
    assert job_state_text(theirs) == "PENDING" and ours.state.name == "PENDING"
    assert unwrap(theirs["priority"]) == ours.priority == 0  # held
    # scontrol: the tasks, the nice value, and that the hold is what keeps it pending
    shown = scontrol_job(job_id)
    assert shown["NumTasks"] == "2" and ours.num_tasks == 2
    assert shown["CPUs/Task"] == "2" and ours.cpus_per_task == 2
    assert shown["Nice"] == "5" and ours.nice == 5
    assert shown["Reason"].startswith("JobHeld") and ours.state_reason == shown["Reason"]
    assert shown["StdOut"] == expanded


def test_job_runs_on_a_live_node_and_its_output_file_holds_what_it_printed(
    cluster: slurmlib.Cluster, submitted: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLURMLIB_TEST_INHERITED", "from-the-caller")
    script = (
        "#!/bin/sh\n"
        'echo "explicit=$GREETING inherited=$SLURMLIB_TEST_INHERITED"\n'
        'echo "node=$SLURMD_NODENAME job=$SLURM_JOB_ID"\n'
    )
    inherit = _submit(
        cluster,
        submitted,
        JobSpec(
            script=script,
            name=f"{TAG}-run",
            time_limit=2,
            environment={"GREETING": "hello"},
            output=str(JOBS_DIR / "%x-%j.out"),
        ),
    )
    alone = _submit(
        cluster,
        submitted,
        JobSpec(
            script=script,
            name=f"{TAG}-run",
            time_limit=2,
            environment={"GREETING": "only-this"},
            inherit_environment=False,
            output=str(JOBS_DIR / "%x-%j.out"),
        ),
    )
    for job_id in (inherit, alone):
        shown = wait_job_state(job_id, "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")
        assert shown["JobState"] == "COMPLETED", shown
        assert shown["NodeList"] in LIVE_NODES
    out = (JOBS_DIR / f"{TAG}-run-{inherit}.out").read_text().splitlines()
    node = scontrol_job(inherit)["NodeList"]
    assert out == [
        "explicit=hello inherited=from-the-caller",
        f"node={node} job={inherit}",
    ]
    out = (JOBS_DIR / f"{TAG}-run-{alone}.out").read_text().splitlines()
    assert out[0] == "explicit=only-this inherited="


def test_script_file_gets_its_arguments(
    cluster: slurmlib.Cluster, submitted: list[int], tmp_path: Path
) -> None:
    script = tmp_path / "job.sh"
    script.write_text('#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done\n')
    tmp_path.chmod(0o755)
    job_id = _submit(
        cluster,
        submitted,
        JobSpec(
            script_file=script,
            arguments=("two words", "x"),
            name=f"{TAG}-file",
            time_limit=2,
            output=str(JOBS_DIR / "%x-%j.out"),
        ),
    )
    assert scontrol_job(job_id)["Command"].startswith(str(script))
    wait_job_state(job_id, "COMPLETED", "FAILED")
    assert (JOBS_DIR / f"{TAG}-file-{job_id}.out").read_text() == "[two words]\n[x]\n"


def test_array_tasks_run_each_with_its_own_output(
    cluster: slurmlib.Cluster, submitted: list[int]
) -> None:
    result = cluster.submit(
        JobSpec(
            script='#!/bin/sh\necho "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_JOB_ID"\n',
            name=f"{TAG}-array",
            array="1,3,5%2",
            time_limit=2,
            output=str(JOBS_DIR / "%x-%A_%a.out"),
        )
    )
    submitted.append(result.job_id)
    assert result.array_task_ids == (1, 3, 5)
    for task in result.array_task_ids:
        wait_job_state(f"{result.job_id}_{task}", "COMPLETED", "FAILED")
        out = JOBS_DIR / f"{TAG}-array-{result.job_id}_{task}.out"
        assert out.read_text() == f"task {task} of {result.job_id}\n"
    assert scontrol_job(f"{result.job_id}_5")["ArrayTaskId"] == "5"


def test_held_array_is_listed_with_its_task_spec(
    cluster: slurmlib.Cluster, submitted: list[int]
) -> None:
    job_id = _submit_held(cluster, submitted, "harray", array="0-15:4%2")
    shown = scontrol_job(job_id)
    assert shown["ArrayTaskId"] == "0,4,8,12%2"
    assert cluster.job(job_id).array_tasks == "0,4,8,12%2"


def test_gres_request_reaches_the_controller_as_tres_per_node(
    cluster: slurmlib.Cluster, submitted: list[int]
) -> None:
    # The seeded GPU nodes are absent: the job stays pending, which is all this needs.
    job_id = _submit_held(cluster, submitted, "gres", partition="gpu", gres={"gpu:a100": 2})
    shown = scontrol_job(job_id)["TresPerNode"]
    # 22.05 writes "gpu:a100:2", later releases "gres/gpu:a100:2" (or "gres:gpu:a100:2").
    assert re.fullmatch(r"(gres[/:])?gpu:a100:2", shown), shown
    assert cluster.job(job_id).tres_per_node == unwrap(squeue_job(job_id)["tres_per_node"])


def test_dependency_waits_and_never_runs_when_the_first_job_is_cancelled(
    cluster: slurmlib.Cluster, submitted: list[int]
) -> None:
    first = _submit(
        cluster, submitted, JobSpec(script="#!/bin/sh\ntrue\n", work_dir="/tmp", hold=True)
    )
    second = _submit(
        cluster,
        submitted,
        JobSpec(
            script="#!/bin/sh\ntrue\n", work_dir="/tmp", dependency=f"afterok:{first}", time_limit=1
        ),
    )
    shown = scontrol_job(second)
    assert shown["Dependency"] == f"afterok:{first}(unfulfilled)"
    assert cluster.job(second).dependency == f"afterok:{first}(unfulfilled)"
    wait_job_state(second, "PENDING")
    wait_for("the dependency reason", lambda: scontrol_job(second)["Reason"] == "Dependency")
    cluster.cancel(first)
    wait_for(
        "the dependency to fail",
        lambda: scontrol_job(second)["Reason"] == "DependencyNeverSatisfied",
    )


def test_hold_and_release_behave_as_scontrol_shows(
    cluster: slurmlib.Cluster, submitted: list[int]
) -> None:
    job_id = _submit(
        cluster,
        submitted,
        JobSpec(
            script="#!/bin/sh\nsleep 5\n",
            work_dir="/tmp",
            hold=True,
            time_limit=1,
            begin_time=timedelta(hours=1),
        ),
    )
    assert scontrol_job(job_id)["Priority"] == "0"
    cluster.release(job_id)
    shown = scontrol_job(job_id)
    assert shown["Priority"] != "0" and not shown["Reason"].startswith("JobHeld")
    cluster.hold(job_id, user=True)
    shown = scontrol_job(job_id)
    assert shown["Priority"] == "0" and shown["Reason"] == "JobHeldUser"
    cluster.release(job_id)
    cluster.hold(job_id)
    assert scontrol_job(job_id)["Reason"] == "JobHeldAdmin"


def test_begin_time_is_the_eligible_time(cluster: slurmlib.Cluster, submitted: list[int]) -> None:
    begin = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    job_id = _submit(
        cluster, submitted, JobSpec(script="#!/bin/sh\ntrue\n", work_dir="/tmp", begin_time=begin)
    )
    assert cluster.job(job_id).eligible_time == begin
    assert scontrol_job(job_id)["Reason"] == "BeginTime"


def test_will_run_agrees_with_sbatch_test_only(cluster: slurmlib.Cluster) -> None:
    spec = JobSpec(
        script="#!/bin/sh\ntrue\n", name=f"{TAG}-would", partition="debug", time_limit=10
    )
    ours = cluster.will_run(spec)
    said = run(
        "sbatch", "--test-only", "-p", "debug", "-t", "10", "-n", "1", "--wrap", "true"
    ).stderr
    match = re.search(
        r"to start at (\S+) .*?using (\d+) processors on nodes (\S+) in partition (\S+)", said
    )
    assert match, said
    start = datetime.fromisoformat(match.group(1)).astimezone(UTC)
    assert ours.partition == match.group(4) == "debug"
    assert ours.cpus == int(match.group(2))
    assert ours.start_time is not None and abs(ours.start_time - start) < timedelta(minutes=2)
    assert set(ours.node_names) <= LIVE_NODES
    assert f"{TAG}-would" not in run("squeue", "-h", "-a", "-o", "%j").stdout.split()


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"partition": "nosuchpart"}, InvalidPartitionName, "Invalid partition name"),
        ({"qos": "nosuchqos"}, InvalidQos, "Invalid qos"),
        ({"account": "nosuchaccount"}, InvalidAccount, "Invalid account"),
        ({"nodelist": "nosuchnode"}, InvalidNodeName, "Invalid node name"),
        ({"licenses": "nosuchlicense:1"}, SlurmError, "Invalid license"),
    ],
)
def test_controller_refusals_are_typed_with_slurms_message_and_queue_nothing(
    cluster: slurmlib.Cluster,
    submitted: list[int],
    fields: dict[str, str],
    error: type[SlurmError],
    message: str,
) -> None:
    name = f"{TAG}-refused"
    spec = JobSpec(script="#!/bin/sh\ntrue\n", work_dir="/tmp", name=name, hold=True, **fields)  # type: ignore[arg-type]
    with pytest.raises(error, match=message) as refused:
        _submit(cluster, submitted, spec)
    assert refused.value.code != 0 and refused.value.code_name.startswith("ESLURM_")
    assert name not in run("squeue", "-h", "-a", "-o", "%j").stdout.split()


@pytest.mark.parametrize(
    ("fields", "error", "named"),
    [
        ({"script": "echo no interpreter"}, ValueError, "script"),
        ({"script": "#!/bin/sh\0"}, ValueError, "script"),
        ({"script": None}, ValueError, "script"),
        ({"script_file": "/nonexistent/job.sh", "script": None}, ValueError, "script_file"),
        ({"name": "a\0b"}, ValueError, "name"),
        ({"name": 7}, TypeError, "name"),
        ({"ntasks": 0}, ValueError, "ntasks"),
        ({"ntasks": True}, TypeError, "ntasks"),
        ({"cpus_per_task": 70000}, ValueError, "cpus_per_task"),
        ({"nodes": (3, 1)}, ValueError, "nodes"),
        ({"memory_per_node": "4X"}, ValueError, "memory_per_node"),
        ({"memory_per_node": -1}, ValueError, "memory_per_node"),
        ({"memory_per_node": 1, "memory_per_cpu": 1}, ValueError, "memory_per_cpu"),
        ({"time_limit": timedelta(0)}, ValueError, "time_limit"),
        ({"time_limit": "1:00"}, TypeError, "time_limit"),
        ({"array": "1-8%0"}, ValueError, "array"),
        ({"array": "8-1"}, ValueError, "array"),
        ({"array": "1-x"}, ValueError, "array"),
        ({"dependency": "afterbogus:12"}, ValueError, "dependency"),
        ({"dependency": "afterok:12,afterany:13?afterok:1"}, ValueError, "dependency"),
        ({"begin_time": datetime(2030, 1, 1)}, ValueError, "begin_time"),
        ({"environment": {"A=B": "x"}}, ValueError, "environment"),
        ({"environment": {}, "inherit_environment": False}, ValueError, "environment"),
        ({"partition": ["debug", ""]}, ValueError, "partition"),
        ({"licenses": {"matlab": 0}}, ValueError, "licenses"),
        ({"gres": "gpu:2 "}, ValueError, "gres"),
        ({"hold": "yes"}, TypeError, "hold"),
    ],
)
def test_bad_job_specs_are_refused_naming_the_field(
    fields: dict[str, object], error: type[Exception], named: str
) -> None:
    values: dict[str, object] = {"script": "#!/bin/sh\ntrue\n", **fields}
    with pytest.raises(error, match=named):
        JobSpec(**values)  # type: ignore[arg-type]


def test_job_spec_normalises_units() -> None:
    spec = JobSpec(
        script="#!/bin/sh\n",
        memory_per_node="4G",
        time_limit=timedelta(seconds=90),
        partition=["debug", "long"],
        licenses={"matlab": 2},
    )
    assert spec.memory_per_node == 4096
    assert spec.time_limit == timedelta(minutes=2)
    assert spec.partition == "debug,long"
    assert spec.licenses == "matlab:2"
    assert JobSpec(script="#!/bin/sh\n", array="0-15:4%2").array_task_ids() == (0, 4, 8, 12)
