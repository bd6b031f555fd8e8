"""slurmdbd reads, field by field against sacctmgr, sacct and sreport on the same state.

Other tests add jobs and objects while these run: comparisons are made on the seeded
objects and jobs (``seed.json``), which nothing else changes.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import slurmlib
from slurmlib import UNLIMITED, JobSpec, db
from slurmlib.db import _tcp
from slurmlib.errors import InvalidAccount, InvalidUser
from slurmlib.states import JobState

from ..api.jobtools import scancel_quietly, wait_for
from ..slurmtools import run, run_json, settled
from .sacct import (
    duration,
    exit_code,
    limit,
    sacct,
    sacctmgr,
    shows_exit,
    sreport,
    step_suffix,
    tres,
    wall,
    when,
)

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)

QOS_FORMAT = (
    "name,priority,gracetime,preempt,preemptmode,flags,usagefactor,grptres,grptresmins,"
    "grpjobs,grpsubmit,grpwall,maxtres,maxtrespernode,maxtresmins,maxwall,maxtrespu,maxjobspu,"
    "maxsubmitpu,maxtrespa,maxjobspa,maxsubmitpa,mintres"
)
ASSOC_FORMAT = (
    "cluster,account,user,partition,share,priority,grpjobs,grptres,grpsubmit,grpwall,"
    "grptresmins,maxjobs,maxtres,maxtrespernode,maxsubmit,maxwall,maxtresmins,qos,defaultqos,"
    "parentname"
)


def seeded_qos(seed: dict[str, Any]) -> list[str]:
    return ["normal", *seed["qos"]]


def test_tres_are_the_ones_sacctmgr_lists(conn: db.Database) -> None:
    expected = {
        int(r["ID"]): (r["Type"], r["Name"] or None) for r in sacctmgr("tres", "type,name,id")
    }
    assert {t.id: (t.type, t.name) for t in conn.tres()} == expected
    assert {"cpu", "mem", "node", "gres/gpu", "license/matlab"} <= {t.key for t in conn.tres()}


def test_clusters_match_sacctmgr(conn: db.Database) -> None:
    rows = {r["Cluster"]: r for r in sacctmgr("cluster", "cluster,controlhost,controlport,rpc")}
    clusters = {c.name: c for c in conn.clusters()}
    assert clusters.keys() == rows.keys()
    for name, row in rows.items():
        assert clusters[name].control_host == (row["ControlHost"] or None)
        assert clusters[name].control_port == (int(row["ControlPort"]) or None)
        assert clusters[name].rpc_version == (int(row["RPC"]) or None)
    assert conn.cluster_name in clusters
    assert clusters[conn.cluster_name].tres["cpu"] > 0


def test_qos_match_sacctmgr_field_by_field(conn: db.Database, seed: dict[str, Any]) -> None:
    names = seeded_qos(seed)
    rows = {r["Name"]: r for r in sacctmgr("qos", QOS_FORMAT, *names)}
    records = {q.name: q for q in conn.qos(names=names)}
    assert records.keys() == rows.keys() == set(names)
    for name, row in rows.items():
        q = records[name]
        assert q.priority == int(row["Priority"]), name
        assert q.grace_time == duration(row["GraceTime"]), name
        assert set(q.preempt) == set(filter(None, row["Preempt"].split(","))), name
        assert (q.preempt_mode or "").lower() == row["PreemptMode"].lower(), name
        assert q.flags == set(filter(None, row["Flags"].split(","))), name
        assert q.usage_factor == float(row["UsageFactor"]), name
        assert q.grp_tres == tres(row["GrpTRES"]), name
        assert q.grp_tres_mins == tres(row["GrpTRESMins"]), name
        assert q.grp_jobs == limit(row["GrpJobs"]), name
        assert q.grp_submit_jobs == limit(row["GrpSubmit"]), name
        assert q.grp_wall == wall(row["GrpWall"]), name
        assert q.max_tres_per_job == tres(row["MaxTRES"]), name
        assert q.max_tres_per_node == tres(row["MaxTRESPerNode"]), name
        assert q.max_tres_mins_per_job == tres(row["MaxTRESMins"]), name
        assert q.max_wall_per_job == wall(row["MaxWall"]), name
        assert q.max_tres_per_user == tres(row["MaxTRESPU"]), name
        assert q.max_jobs_per_user == limit(row["MaxJobsPU"]), name
        assert q.max_submit_jobs_per_user == limit(row["MaxSubmitPU"]), name
        assert q.max_tres_per_account == tres(row["MaxTRESPA"]), name
        assert q.max_jobs_per_account == limit(row["MaxJobsPA"]), name
        assert q.max_submit_jobs_per_account == limit(row["MaxSubmitPA"]), name
        assert q.min_tres_per_job == tres(row["MinTRES"]), name
    # The seed's limits, spelled out, so that a parser agreeing with itself cannot pass.
    high = records["high"]
    assert high.max_jobs_per_user == seed["qos"]["high"]["MaxJobsPerUser"]
    assert high.grp_tres == tres(seed["qos"]["high"]["GrpTRES"])


def test_unknown_qos_name_gives_nothing(conn: db.Database) -> None:
    assert conn.qos(names=["t_no_such_qos"]) == ()


def test_accounts_match_sacctmgr(conn: db.Database, seed: dict[str, Any]) -> None:
    names = ["root", *seed["accounts"]]
    rows = {r["Account"]: r for r in sacctmgr("account", "account,descr,org", *names)}
    accounts = {a.name: a for a in conn.accounts(names=names, with_assocs=True)}
    assert accounts.keys() == rows.keys() == set(names)
    for name, row in rows.items():
        assert accounts[name].description == (row["Descr"] or None)
        assert accounts[name].organization == (row["Org"] or None)
    for name, info in seed["accounts"].items():
        # The account's own association on this cluster (the second cluster has its own).
        own = [
            a
            for a in accounts[name].associations
            if a.user is None and a.cluster == seed["cluster"]
        ]
        assert [a.parent_account for a in own] == [info["parent"]]


def test_users_match_sacctmgr(conn: db.Database, seed: dict[str, Any]) -> None:
    names = ["root", *seed["users"]]
    rows = {r["User"]: r for r in sacctmgr("user", "user,defaultaccount,adminlevel", *names)}
    users = {u.name: u for u in conn.users(names=names, with_assocs=True, with_coords=True)}
    assert users.keys() == rows.keys() == set(names)
    for name, row in rows.items():
        assert users[name].default_account == (row["Def Acct"] or None)
        assert users[name].admin_level == row["Admin"]
    for name, info in seed["associations"].items():
        assert {a.account for a in users[name].associations} == set(info["accounts"])
        assert users[name].default_account == info["default_account"]


def test_associations_match_sacctmgr_field_by_field(
    conn: db.Database, seed: dict[str, Any]
) -> None:
    accounts = ["root", *seed["accounts"]]
    rows = {
        (r["Account"], r["User"] or None, r["Partition"] or None): r
        for r in sacctmgr("assoc", ASSOC_FORMAT, f"accounts={','.join(accounts)}")
        if not r["User"] or r["User"] in ["root", *seed["users"]]
    }
    records = {
        (a.account, a.user, a.partition): a
        for a in conn.associations(accounts=accounts)
        if a.user in (None, "root", *seed["users"])
    }
    assert records.keys() == rows.keys()
    for key, row in rows.items():
        a = records[key]
        assert a.cluster == row["Cluster"]
        assert a.shares == (None if row["Share"] == "parent" else int(row["Share"])), key
        assert a.grp_jobs == limit(row["GrpJobs"]), key
        assert a.grp_tres == tres(row["GrpTRES"]), key
        assert a.grp_submit_jobs == limit(row["GrpSubmit"]), key
        assert a.grp_wall == wall(row["GrpWall"]), key
        assert a.grp_tres_mins == tres(row["GrpTRESMins"]), key
        assert a.max_jobs == limit(row["MaxJobs"]), key
        assert a.max_tres_per_job == tres(row["MaxTRES"]), key
        assert a.max_tres_per_node == tres(row["MaxTRESPerNode"]), key
        assert a.max_submit_jobs == limit(row["MaxSubmit"]), key
        assert a.max_wall_per_job == wall(row["MaxWall"]), key
        assert a.max_tres_mins_per_job == tres(row["MaxTRESMins"]), key
        assert set(a.qos) == set(filter(None, row["QOS"].split(","))), key
        assert a.default_qos == (row["Def QOS"] or None), key
        if a.user is None and a.account != "root":
            assert a.parent_account == row["ParentName"], key
    for user, info in seed["associations"].items():
        mine = [a for a in records.values() if a.user == user]
        assert {a.account for a in mine} == set(info["accounts"])
        assert all(set(info["qos"]) <= set(a.qos) for a in mine)
        assert [a.account for a in mine if a.is_default] == [info["default_account"]]


def test_association_filters_narrow_the_result(conn: db.Database) -> None:
    carol = conn.associations(users=["carol"])
    assert carol and {a.user for a in carol} == {"carol"}
    physics = conn.associations(accounts=["physics"])
    assert physics and {a.account for a in physics} == {"physics"}


# --- jobs -----------------------------------------------------------------------------------

JOB_FIELDS = (
    "JobIDRaw,JobID,JobName,User,Account,Partition,QOS,State,ExitCode,DerivedExitCode,"
    "Submit,Start,End,ElapsedRaw,AllocTRES,ReqTRES,NNodes,NodeList,NTasks,Timelimit,"
    "UserCPU,SystemCPU,TotalCPU,MaxRSS"
)


_FINISHED = ["completed", "failed", "cancelled", "timeout", "steps"]


def _seeded(conn: db.Database, seed: dict[str, Any]) -> dict[str, db.DbJob]:
    ids = [seed["jobs"][role] for role in _FINISHED]
    jobs = {j.job_id: j for j in conn.jobs(job_ids=ids)}
    return {role: jobs[seed["jobs"][role]] for role in _FINISHED}


@pytest.fixture(scope="module")
def seeded_jobs(conn: db.Database, seed: dict[str, Any]) -> dict[str, db.DbJob]:
    return _seeded(conn, seed)


def _ms(value: timedelta | None) -> int:
    assert value is not None
    return int(value.total_seconds() * 1000)


def test_finished_jobs_and_their_steps_match_sacct_parsable(
    conn: db.Database, seed: dict[str, Any]
) -> None:
    ids = ",".join(str(seed["jobs"][role]) for role in _FINISHED)
    # The seed waits for the jobs' own lines; their steps' ends may still be on their way
    # to slurmdbd when the tests start: compare a state that held.
    rows, seeded_jobs = settled(
        lambda: sacct(JOB_FIELDS, "-j", ids, "-S", "2000-01-01", "-E", "now"),
        lambda: _seeded(conn, seed),
    )
    by_id = {r["JobIDRaw"]: r for r in rows}
    for role, job in seeded_jobs.items():
        row = by_id[str(job.job_id)]
        assert job.name == row["JobName"], role
        assert job.user == row["User"], role
        assert job.account == row["Account"], role
        assert job.partition == row["Partition"], role
        assert job.qos == row["QOS"], role
        assert row["State"].split()[0] == job.state_text, role
        assert shows_exit(row["ExitCode"], job.exit_code, job.exit_signal), role
        assert job.derived_exit_code == exit_code(row["DerivedExitCode"])[0], role
        assert job.submit_time == when(row["Submit"]), role
        assert job.start_time == when(row["Start"]), role
        assert job.end_time == when(row["End"]), role
        assert job.elapsed == timedelta(seconds=int(row["ElapsedRaw"])), role
        assert job.tres_allocated == tres(row["AllocTRES"]), role
        assert job.tres_requested == tres(row["ReqTRES"]), role
        assert job.node_count == int(row["NNodes"]), role
        assert job.nodes == row["NodeList"], role
        assert job.time_limit == duration(row["Timelimit"]), role
        # sacct adds the steps' CPU times up for the job line and cuts them to ms.
        assert _ms(job.total_cpu) == _ms(duration(row["TotalCPU"])), role
        steps = {s.step: s for s in job.steps}
        expected_steps = {
            step_suffix(r["JobIDRaw"]): r
            for r in rows
            if r["JobIDRaw"].split(".")[0] == str(job.job_id) and "." in r["JobIDRaw"]
        }
        assert steps.keys() == expected_steps.keys(), role
        for name, srow in expected_steps.items():
            s = steps[name]
            assert s.state_text == srow["State"].split()[0], (role, name)
            assert shows_exit(srow["ExitCode"], s.exit_code, s.exit_signal), (role, name)
            assert s.elapsed == timedelta(seconds=int(srow["ElapsedRaw"])), (role, name)
            assert s.tres_allocated == tres(srow["AllocTRES"]), (role, name)
            assert s.tasks == (int(srow["NTasks"]) if srow["NTasks"] else None), (role, name)
            assert s.start_time == when(srow["Start"]), (role, name)
            assert s.end_time == when(srow["End"]), (role, name)
            assert _ms(s.total_cpu) == _ms(duration(srow["TotalCPU"])), (role, name)
            assert s.max_rss_bytes == (int(srow["MaxRSS"]) if srow["MaxRSS"] else None)


MORE_JOB_FIELDS = (
    "JobIDRaw,JobName,UID,GID,Cluster,Eligible,Suspended,ReqCPUS,WCKey,WorkDir,Constraints,"
    "Reservation,NodeList,NNodes,UserCPU,SystemCPU"
)


def test_the_other_job_and_step_fields_match_sacct_parsable(
    conn: db.Database, seed: dict[str, Any]
) -> None:
    ids = ",".join(str(seed["jobs"][role]) for role in _FINISHED)
    rows, seeded_jobs = settled(
        lambda: sacct(MORE_JOB_FIELDS, "-j", ids, "-S", "2000-01-01", "-E", "now"),
        lambda: _seeded(conn, seed),
    )
    by_id = {r["JobIDRaw"]: r for r in rows}
    for role, job in seeded_jobs.items():
        row = by_id[str(job.job_id)]
        assert job.user_id == int(row["UID"]), role
        assert job.group_id == int(row["GID"]), role
        assert job.cluster == row["Cluster"], role
        assert job.eligible_time == when(row["Eligible"]), role
        assert job.suspended == duration(row["Suspended"]), role
        assert job.requested_cpus == int(row["ReqCPUS"]), role
        assert (job.wckey or "") == row["WCKey"], role
        assert (job.work_dir or "") == row["WorkDir"], role
        assert (job.constraints or "") == row["Constraints"], role
        assert (job.reservation or "") == row["Reservation"], role
        # sacct adds the steps' CPU times up for the job line and cuts them to ms.
        assert _ms(job.user_cpu) == _ms(duration(row["UserCPU"])), role
        assert _ms(job.system_cpu) == _ms(duration(row["SystemCPU"])), role
        for s in job.steps:
            srow = by_id[f"{job.job_id}.{s.step}"]
            assert (s.name or "") == srow["JobName"], (role, s.step)
            assert (s.nodes or "") == srow["NodeList"], (role, s.step)
            assert s.node_count == int(srow["NNodes"]), (role, s.step)
            assert _ms(s.user_cpu) == _ms(duration(srow["UserCPU"])), (role, s.step)
            assert _ms(s.system_cpu) == _ms(duration(srow["SystemCPU"])), (role, s.step)


def test_an_exit_code_of_128_or_more_is_kept_as_the_shell_gave_it(conn: db.Database) -> None:
    """``exit 130`` (what a shell returns after SIGINT): slurmlib says 130 on every release.

    sacct prints it ``2:0`` on 22.05 (it takes 128 off) and ``130:0`` on 26.05.
    """
    cluster = slurmlib.Cluster()
    job_id = cluster.submit(
        JobSpec(script="#!/bin/sh\nexit 130\n", work_dir="/tmp", name="db-exit-130")
    ).job_id
    try:
        wait_for(
            "slurmdbd to record the job's end",
            lambda: [r["State"] for r in sacct("State", "-X", "-j", str(job_id))] == ["FAILED"],
        )
        time.sleep(db._connection.SNAPSHOT_SECONDS)
        (job,) = conn.jobs(job_ids=[job_id])
        batch = next(s for s in job.steps if s.step == "batch")
        assert (job.exit_code, job.exit_signal) == (batch.exit_code, batch.exit_signal) == (130, 0)
        rows = {r["JobIDRaw"]: r["ExitCode"] for r in sacct("JobIDRaw,ExitCode", "-j", str(job_id))}
        printed = rows[str(job_id)]
        assert rows[f"{job_id}.batch"] == printed and printed in ("2:0", "130:0")
        assert shows_exit(printed, job.exit_code, job.exit_signal)
    finally:
        scancel_quietly(job_id)


def test_seeded_outcomes_are_what_the_seed_made(
    seeded_jobs: dict[str, db.DbJob], seed: dict[str, Any]
) -> None:
    assert seeded_jobs["completed"].state is JobState.COMPLETED
    assert seeded_jobs["failed"].state is JobState.FAILED
    assert seeded_jobs["failed"].exit_code == 1
    assert seeded_jobs["cancelled"].state is JobState.CANCELLED
    assert seeded_jobs["cancelled"].cancelled_by is not None
    assert seeded_jobs["timeout"].state is JobState.TIMEOUT
    steps = seeded_jobs["steps"].steps
    assert len([s for s in steps if s.step.isdigit()]) == 3
    assert any(s.max_rss_bytes for s in steps)
    for role, job in seeded_jobs.items():
        assert job.user == seed["job_users"][role]


def _json_number(value: Any) -> int | None:
    # 22.05 prints plain numbers; later releases wrap them as {"set", "infinite", "number"}.
    if isinstance(value, dict):
        return int(value["number"]) if value.get("set", True) else None
    return None if value is None else int(value)


def _json_state(job: dict[str, Any]) -> str:
    current = job["state"]["current"]
    return str(current[0] if isinstance(current, list) else current)


def _json_tres(items: list[dict[str, Any]]) -> dict[str, int]:
    result = {}
    for item in items:
        key = f"{item['type']}/{item['name']}" if item.get("name") else item["type"]
        count = _json_number(item["count"])
        if count is not None and count >= 0:
            result[key] = count
    return result


def test_jobs_match_sacct_json(conn: db.Database, seed: dict[str, Any]) -> None:
    ids = [seed["jobs"][role] for role in ("completed", "failed", "cancelled", "steps", "array")]
    reference = run_json(
        "sacct", "-a", "-S", "2000-01-01", "-E", "now", "-j", ",".join(map(str, ids))
    )["jobs"]
    records = {j.job_id: j for j in conn.jobs(job_ids=ids)}
    assert {j["job_id"] for j in reference} == set(records)
    for ref in reference:
        job = records[ref["job_id"]]
        assert job.name == ref["name"]
        assert job.user == ref["user"]
        assert job.account == ref["account"]
        assert job.state_text == _json_state(ref)
        assert job.array_job_id == (_json_number(ref["array"]["job_id"]) or None)
        assert job.array_task_id == _json_number(ref["array"]["task_id"])
        assert job.submit_time == datetime.fromtimestamp(
            _json_number(ref["time"]["submission"]) or 0, UTC
        )
        assert job.tres_allocated == _json_tres(ref["tres"]["allocated"])
        assert job.tres_requested == _json_tres(ref["tres"]["requested"])
        assert len(job.steps) == len(ref["steps"])


def test_job_filters_select_what_sacct_selects(conn: db.Database, seed: dict[str, Any]) -> None:
    cutoff = datetime.now(UTC) - timedelta(seconds=2)
    for args, kwargs in [
        (["-u", "carol"], {"users": ["carol"]}),
        (["-A", "chemistry"], {"accounts": ["chemistry"]}),
        (["-s", "FAILED,TIMEOUT"], {"states": ["failed", JobState.TIMEOUT]}),
        (["-r", "long"], {"partitions": ["long"]}),
    ]:
        rows = sacct("JobIDRaw,Submit", "-X", "-S", "2000-01-01", "-E", "now", *args)
        expected = {int(r["JobIDRaw"]) for r in rows if (when(r["Submit"]) or cutoff) < cutoff}
        got = {
            j.job_id
            for j in conn.jobs(start=LONG_AGO, end=datetime.now(UTC), with_steps=False, **kwargs)
            if (j.submit_time or cutoff) < cutoff
        }
        assert got == expected, args
        assert got, f"the seed should have jobs for {args}"


def test_array_job_id_selects_every_task(conn: db.Database, seed: dict[str, Any]) -> None:
    array_id = seed["jobs"]["array"]
    tasks = conn.jobs(job_ids=[array_id])
    assert tasks and {t.array_job_id for t in tasks} == {array_id}
    rows = sacct("JobIDRaw", "-X", "-j", str(array_id), "-S", "2000-01-01")
    assert {t.job_id for t in tasks} == {int(r["JobIDRaw"]) for r in rows}


def test_pending_array_tasks_are_what_sacct_shows(conn: db.Database) -> None:
    """The record of tasks not started yet names them as sacct's JobID does (12_[1-5%2])."""
    cluster = slurmlib.Cluster()
    later = datetime.now(UTC) + timedelta(hours=1)
    ids = [
        cluster.submit(
            JobSpec(
                script="#!/bin/sh\ntrue\n",
                work_dir="/tmp",
                begin_time=later,
                array=spec,
                name="db-array-tasks",
            )
        ).job_id
        for spec in ("1-5%2", "1,3,7-9", "0-15:4")
    ]
    try:
        wanted = ",".join(map(str, ids))
        # slurmctld sends the pending records to slurmdbd on its own schedule.
        wait_for(
            "slurmdbd to record the pending arrays",
            lambda: len(sacct("JobIDRaw", "-X", "-j", wanted, "-S", "2000-01-01")) == 3,
        )
        # A kept connection's reads share a snapshot for up to SNAPSHOT_SECONDS.
        time.sleep(db._connection.SNAPSHOT_SECONDS)
        rows = sacct("JobID,JobIDRaw", "-X", "-j", wanted, "-S", "2000-01-01")
        expected = {int(r["JobIDRaw"]): r["JobID"].split("_[", 1)[1].rstrip("]") for r in rows}
        got = {j.job_id: j.array_tasks for j in conn.jobs(job_ids=ids, start=LONG_AGO)}
        assert got == expected == dict(zip(ids, ("1-5%2", "1,3,7-9", "0,4,8,12"), strict=True))
    finally:
        for job_id in ids:
            cluster.cancel(job_id)


def test_without_steps_jobs_carry_none(conn: db.Database, seed: dict[str, Any]) -> None:
    (job,) = conn.jobs(job_ids=[seed["jobs"]["steps"]], with_steps=False)
    assert job.steps == ()


def test_bad_job_filters_raise_before_any_call(conn: db.Database) -> None:
    with pytest.raises(ValueError, match="job_ids"):
        conn.jobs(job_ids=[-3])
    with pytest.raises(ValueError, match="unknown job state"):
        conn.jobs(states=["SLEEPING"])
    with pytest.raises(ValueError, match="NUL"):
        conn.jobs(accounts=["phys\0ics"])
    with pytest.raises(LookupError, match="t_nobody"):
        conn.jobs(users=["t_nobody"])


def test_bad_filters_of_every_read_name_the_value(conn: db.Database) -> None:
    now = datetime.now(UTC)
    db_: Any = conn  # the values are wrong on purpose: not for the type checker to stop
    bad: list[tuple[Any, type[Exception], str]] = [
        (lambda: db_.jobs(states=[5]), TypeError, r"states: .*\(PENDING, RUN.*int: 5"),
        (lambda: db_.jobs(states=["nosuch"]), ValueError, r"'nosuch' \(known: PENDING"),
        (lambda: db_.jobs(job_ids=[1.9]), TypeError, r"job_ids: .*float: 1\.9"),
        (lambda: db_.jobs(job_ids=[True]), TypeError, "job_ids: .*bool: True"),
        (lambda: db_.jobs(users=[True]), TypeError, "users: .*bool: True"),
        (lambda: db_.accounts(names=[7]), TypeError, "names .*int: 7"),
        (lambda: db_.qos(names="\udcff"), ValueError, "names .*lone surrogate"),
        (lambda: db_.users(names=["\ud800"]), ValueError, "names .*lone surrogate"),
        (lambda: db_.associations(partitions=[None]), TypeError, "partitions"),
        (lambda: db_.clusters(names=b"x"), TypeError, "names"),
        (lambda: db_.events(nodes=[3]), TypeError, "nodes .*int: 3"),
        (lambda: db_.reservations(clusters=["\udcff"]), ValueError, "clusters .*surrogate"),
        (
            lambda: db_.usage(start=now - timedelta(days=1), end=now, accounts=[1]),
            TypeError,
            "accounts .*int: 1",
        ),
    ]
    for read, error, named in bad:
        with pytest.raises(error, match=named):
            read()


def test_a_bare_string_filter_is_one_value_and_an_empty_one_matches_nothing(
    conn: db.Database, seed: dict[str, Any]
) -> None:
    assert [a.name for a in conn.accounts(names="physics")] == ["physics"]
    assert [r["Account"] for r in sacctmgr("account", "account", "physics")] == ["physics"]
    failed = seed["jobs"]["failed"]
    assert [j.job_id for j in conn.jobs(job_ids=failed, states="failed")] == [failed]
    carol = {j.job_id for j in conn.jobs(users="carol", with_steps=False)}
    assert carol and carol == {j.job_id for j in conn.jobs(users=["carol"], with_steps=False)}
    for empty in (
        lambda: conn.accounts(names=[]),
        lambda: conn.jobs(states=[]),
        lambda: conn.jobs(job_ids=[]),
        lambda: conn.jobs(users=[]),
        lambda: conn.associations(clusters=[]),
    ):
        assert empty() == ()


def test_names_the_database_cannot_hold_match_nothing(conn: db.Database) -> None:
    """slurmdbd compares names in SQL. Where MariaDB's tables are latin1 (Debian 12's
    default) they cannot hold "ノード" or "🐍", and the database refuses the whole query (MySQL
    error 1267, "Illegal mix of collations"): sacctmgr fails with "Unknown error 1267". Where
    they are utf8mb4 (newer MariaDB) the query runs and no record has such a name. Either
    way slurmlib's reads find nothing for it, and the rest of a filter still selects."""
    done = run("sacctmgr", "-P", "-n", "show", "account", "physics,ノード", check=False)
    if done.returncode != 0:
        assert "1267" in done.stderr, done.stderr
    else:
        assert [line.split("|", 1)[0] for line in done.stdout.splitlines()] == ["physics"]
    for name in ("ノード", "🐍"):
        assert conn.accounts(names=[name]) == ()
        assert conn.users(names=name) == ()
        assert conn.qos(names=[name]) == ()
        assert conn.associations(users=[name]) == ()
        assert conn.reservations(names=[name]) == ()
        assert conn.clusters(names=[name]) == ()
        assert conn.jobs(accounts=[name]) == ()
    assert [a.name for a in conn.accounts(names=["physics", "ノード"])] == ["physics"]
    physics = {j.job_id for j in conn.jobs(accounts=["physics"], with_steps=False)}
    assert physics
    assert {j.job_id for j in conn.jobs(accounts=["🐍", "physics"], with_steps=False)} == physics
    # What a write looks up first: an unknown name, said as such.
    with pytest.raises(InvalidUser, match="no user named '🐍'"):
        conn.remove_user("🐍")
    with pytest.raises(InvalidAccount, match="no account named 'ノード'"):
        conn.remove_account("ノード")


# --- events, reservations, usage ---------------------------------------------------------------


def test_node_events_match_sacctmgr(conn: db.Database, seed: dict[str, Any]) -> None:
    nodes = "node4,gpu01,gpu07"
    rows = sacctmgr(
        "event",
        "cluster,nodename,timestart,timeend,state,reason,user",
        "start=2000-01-01",
        f"nodes={nodes}",
    )
    events = conn.events(nodes=nodes, start=LONG_AGO, kind="node")
    expected = {
        (r["NodeName"], r["State"], r["Reason"], when(r["TimeStart"]), when(r["TimeEnd"]))
        for r in rows
    }
    got = {(e.node, e.state, e.reason, e.start_time, e.end_time) for e in events}
    assert got == expected
    drained = seed["nodes"]["drained"]["node4"]
    assert any(e.node == "node4" and e.reason == drained and e.end_time is None for e in events)
    assert all(e.reason_user for e in events)


def test_reservations_match_sacctmgr(conn: db.Database, seed: dict[str, Any]) -> None:
    rows = sacctmgr(
        "reservation", "cluster,name,tres,timestart,timeend", "start=2000-01-01", "end=2100-01-01"
    )
    records = conn.reservations(start=LONG_AGO, end=datetime(2100, 1, 1, tzinfo=UTC))
    assert {(r.name, r.start_time, r.end_time) for r in records} == {
        (r["Name"], when(r["TimeStart"]), when(r["TimeEnd"])) for r in rows
    }
    by_name = {r.name: r for r in records}
    assert seed["reservation"]["name"] in by_name
    for row in rows:
        assert by_name[row["Name"]].tres == tres(row["TRES"])


@pytest.fixture(scope="module")
def past_hour(conn: db.Database, seed: dict[str, Any]) -> tuple[datetime, datetime]:
    """The hour of yesterday the seed filled with finished jobs, rolled up by slurmdbd."""
    start = datetime.fromtimestamp(seed["past_usage"]["start"], UTC)
    end = datetime.fromtimestamp(seed["past_usage"]["end"], UTC)
    conn.roll_usage(start=start, end=end)
    conn.commit()
    return start, end


def _sreport_time(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%dT%H:%M:%S")


def test_usage_by_account_matches_sreport(
    conn: db.Database, past_hour: tuple[datetime, datetime], seed: dict[str, Any]
) -> None:
    start, end = past_hour
    rows = sreport(
        "cluster",
        "AccountUtilizationByUser",
        f"start={_sreport_time(start)}",
        f"end={_sreport_time(end)}",
        "-t",
        "minutes",
    )
    expected = {(r["Account"], r["Login"] or None): int(r["Used"]) for r in rows}
    usage = conn.usage(start=start, end=end, by="account")
    got = {(u.account, u.user): u.tres_minutes.get("cpu", 0) for u in usage}
    assert got == expected
    # The seeded hour is not empty: its jobs' users appear with their CPU-minutes.
    assert any(user and minutes > 0 for (_, user), minutes in got.items()), got
    assert {u for (_, u) in got if u} <= set(seed["users"])
    by_user = conn.usage(start=start, end=end, by="user")
    user_rows = sreport(
        "cluster",
        "UserUtilizationByAccount",
        f"start={_sreport_time(start)}",
        f"end={_sreport_time(end)}",
        "-t",
        "minutes",
    )
    expected_users = {(r["Account"], r["Login"]): int(r["Used"]) for r in user_rows}
    assert {(u.account, u.user): u.tres_minutes.get("cpu", 0) for u in by_user} == expected_users
    assert expected_users == {key: used for key, used in expected.items() if key[1] is not None}
    # A filter narrows the report to what was asked for.
    alice = conn.usage(start=start, end=end, by="user", users=["alice"])
    assert alice and {u.user for u in alice} == {"alice"}


def test_cluster_usage_matches_sreport(
    conn: db.Database, past_hour: tuple[datetime, datetime]
) -> None:
    start, end = past_hour
    rows = sreport(
        "cluster",
        "utilization",
        f"start={_sreport_time(start)}",
        f"end={_sreport_time(end)}",
        "-t",
        "minutes",
    )
    # Planned down is asked for apart, by the one name that means it in every release:
    # 24.11's default columns leave it out, and in 22.05 the name "Planned" means it.
    planned_down = {
        r["Cluster"]: int(next(v for k, v in r.items() if k != "Cluster"))
        for r in sreport(
            "cluster",
            "utilization",
            f"start={_sreport_time(start)}",
            f"end={_sreport_time(end)}",
            "format=Cluster,PlannedDown",
            "-t",
            "minutes",
        )
    }
    usage = {
        u.cluster: u for u in conn.usage(start=start, end=end, by="cluster") if u.tres == "cpu"
    }
    assert set(usage) == {r["Cluster"] for r in rows}
    for row in rows:
        u = usage[row["Cluster"]]
        assert (u.allocated, u.down, u.idle, u.planned, u.reported) == (
            int(row["Allocated"]),
            int(row["Down"]),
            int(row["Idle"]),
            int(row["Planned"]),
            int(row["Reported"]),
        ), row
        assert u.planned_down == planned_down[row["Cluster"]], row
        assert u.allocated > 0 and u.reported > 0


def test_usage_outside_rolled_hours_is_empty(
    conn: db.Database, past_hour: tuple[datetime, datetime]
) -> None:
    start, _ = past_hour
    assert conn.usage(start=start - timedelta(days=30), end=start - timedelta(days=29)) == ()


def test_what_a_roll_that_worked_logged_joins_no_later_error(
    conn: db.Database, past_hour: tuple[datetime, datetime]
) -> None:
    # The plugin logs "acct_storage_p_roll_usage: SUCCESS" (22.05); the next error, of
    # another call, carries only its own lines.
    start, end = past_hour
    conn.roll_usage(start=start, end=end)
    conn.rollback()
    with pytest.raises(slurmlib.SlurmError) as raised:
        slurmlib.native.check(int(slurmlib.native.lib.ESLURM_INVALID_JOB_ID), "after a roll")
    assert "roll_usage" not in str(raised.value)
    assert raised.value.details == ()


def test_bad_usage_arguments_raise(conn: db.Database) -> None:
    end = datetime.now(UTC)
    start = end - timedelta(days=7)
    with pytest.raises(ValueError, match="by"):
        conn.usage(start=start, end=end, by="partition")
    with pytest.raises(ValueError, match="before"):
        conn.usage(start=end, end=start)
    with pytest.raises(ValueError, match="before"):
        conn.roll_usage(start=end, end=start)
    with pytest.raises(TypeError, match="start"):
        conn.roll_usage(start="yesterday")  # type: ignore[arg-type]


def test_records_are_owned_and_serialisable(conn: db.Database, seed: dict[str, Any]) -> None:
    import json
    import pickle

    (job,) = conn.jobs(job_ids=[seed["jobs"]["steps"]])
    text = json.dumps(job.to_dict())
    assert '"steps"' in text
    assert pickle.loads(pickle.dumps(job)) == job
    q = conn.qos(names=["normal"])[0]
    assert q.to_dict()["max_wall_per_job"] in ("UNLIMITED", None) or isinstance(
        q.to_dict()["max_wall_per_job"], int
    )
    assert q.grp_jobs is UNLIMITED or isinstance(q.grp_jobs, int)


def test_the_connection_socket_sends_without_nagle_delay(seed: dict[str, Any]) -> None:
    """The socket that connect() opens to slurmdbd has TCP_NODELAY (see db._tcp)."""
    port = seed["ports"]["slurmdbd"]
    with db.connect() as conn:
        conn.qos(names=["normal"])
        options = []
        for fd in _tcp.sockets():
            sock = socket.socket(fileno=fd)
            try:
                if sock.family == socket.AF_INET and sock.getpeername()[1] == port:
                    options.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            except OSError:
                pass
            finally:
                sock.detach()
    assert options and all(options), f"sockets to slurmdbd's port {port}: {options}"


def test_the_connection_keeps_no_thread_between_calls_and_no_socket_after_close(
    seed: dict[str, Any],
) -> None:
    """Our acknowledgements are pushed by a thread that lives for a call (see db._tcp):
    none is left once a read returned, and closing leaves no socket of ours behind."""
    port = seed["ports"]["slurmdbd"]

    def to_slurmdbd() -> int:
        count = 0
        for fd in _tcp.sockets():
            sock = socket.socket(fileno=fd)
            try:
                if sock.family == socket.AF_INET and sock.getpeername()[1] == port:
                    count += 1
            except OSError:
                pass
            finally:
                sock.detach()
        return count

    before = to_slurmdbd()
    conn = db.connect()
    # libslurm's descriptor and our duplicate of it.
    assert to_slurmdbd() == before + 2
    assert conn.qos(names=["normal"])[0].name == "normal"
    assert [t for t in threading.enumerate() if t.name == "slurmdbd-acks"] == []
    conn.close()
    assert to_slurmdbd() == before
