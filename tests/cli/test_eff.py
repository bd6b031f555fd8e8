"""`slurmlib eff` end to end: its numbers checked against sacct for the same jobs.

The module submits its own short jobs (one that burns CPU and holds ~100 MiB, and a small
array), so that the efficiencies are not all zero; they are cancelled at the end whatever
happened. The seeded jobs (seed.json) give the other cases: a step with a measured MaxRSS,
a timed-out, a failed and a cancelled job, and an array with running and pending tasks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slurmlib.cli.eff_tables import clock, size
from slurmlib.cli.efficiency import (
    Totals,
    efficiency,
    job_label,
    most_wasteful,
    parse_job_arg,
    parse_when,
    total,
)
from slurmlib.db import DbJob, DbStep
from slurmlib.states import JobState

from ..slurmtools import parsable, run

SLURMLIB = Path(sys.executable).parent / "slurmlib"
MIB = 2**20

BURN = """#!/bin/bash
srun -n1 python3 -c "
import time
block = b'x' * (96 * 2**20)
end = time.time() + 4
while time.time() < end:
    pass
print(len(block))
"
srun -n1 sleep 1
"""


def slurmlib(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [str(SLURMLIB)] if SLURMLIB.exists() else [sys.executable, "-m", "slurmlib.cli"]
    return subprocess.run(
        [*command, *argv], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )


def eff_json(*argv: str) -> dict[str, Any]:
    done = slurmlib("eff", *argv, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def sacct(*args: str, fields: str) -> list[dict[str, str]]:
    return parsable("sacct", "--noconvert", *args, "-o", fields)


def job_lines(*args: str, fields: str) -> list[dict[str, str]]:
    """The jobs' own lines of sacct, not their steps'. Not ``-X``: with it, sacct leaves
    a job's TotalCPU at 0 (it adds up the steps only when it reads them)."""
    return [r for r in sacct(*args, fields=fields) if "." not in r["JobID"]]


def seconds(text: str) -> float:
    """sacct's ``[D-][HH:]MM:SS[.mmm]`` as seconds."""
    days = 0
    if "-" in text:
        head, text = text.split("-", 1)
        days = int(head)
    parts = [float(p) for p in text.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0.0)
    return days * 86400 + parts[0] * 3600 + parts[1] * 60 + parts[2]


def mib(text: str) -> float:
    """``300M``, ``1G``, ``512K`` (what sacct --noconvert prints for ReqMem) in MiB."""
    units = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2}
    return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text) / MIB


def cpu_percent_tolerance(core_walltime: float, jobs: int = 1) -> float:
    """sacct prints TotalCPU to the millisecond (cut, not rounded), slurmlib rounds its
    percentages to 0.01: how far apart the two may honestly be."""
    return 100 * 0.001 * jobs / core_walltime + 0.01


def wait_for_accounting(job_ids: list[int], seconds_max: float = 180) -> None:
    """Until sacct records every job and each of their steps as ended."""
    deadline = time.monotonic() + seconds_max
    ids = ",".join(map(str, job_ids))
    while True:
        rows = sacct("-j", ids, fields="JobID,State")
        done = rows and all(
            r["State"].split()[0] not in ("PENDING", "RUNNING", "REQUEUED") for r in rows
        )
        if done and {r["JobID"].split("_")[0].split(".")[0] for r in rows} >= set(
            map(str, job_ids)
        ):
            return
        assert time.monotonic() < deadline, f"jobs {ids} did not finish: {rows}"
        time.sleep(1)


@pytest.fixture(scope="module")
def seed(slurm_conf: Path) -> dict[str, Any]:
    return json.loads((slurm_conf.parent.parent / "seed.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def own_jobs(
    slurm_conf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A CPU-burning job and a 3-task array, finished and recorded in accounting."""
    directory = tmp_path_factory.mktemp("eff")
    script = directory / "burn.sh"
    script.write_text(BURN)
    submitted_at = datetime.now(UTC) - timedelta(seconds=5)
    common = ["sbatch", "--parsable", "-p", "debug", "-t", "5", "-o", str(directory / "%j.out")]
    started: list[int] = []
    try:
        burn = int(
            run(*common, "-J", "eff_burn", "-n1", "-c2", "--mem=300M", str(script)).stdout.strip()
        )
        started.append(burn)
        array = int(
            run(
                *common,
                "-J",
                "eff_array",
                "--array=1-3",
                "-n1",
                "--mem=100M",
                "--wrap",
                'srun python3 -c "import time; end = time.time() + $SLURM_ARRAY_TASK_ID\n'
                'while time.time() < end: pass"',
            )
            .stdout.strip()
            .split(";")[0]
        )
        started.append(array)
        wait_for_accounting([burn, array])
        yield {"burn": burn, "array": array, "since": submitted_at}
    finally:
        for job in started:
            run("scancel", str(job), check=False)


# --- one job ----------------------------------------------------------------------------


def test_cpu_memory_and_time_match_sacct(own_jobs: dict[str, Any]) -> None:
    job = own_jobs["burn"]
    answer = eff_json(str(job))
    assert answer["total"] is None and len(answer["jobs"]) == 1
    ours = answer["jobs"][0]
    rows = sacct(
        "-j",
        str(job),
        fields="JobID,State,TotalCPU,MaxRSS,ReqMem,ElapsedRaw,AllocCPUS,TimelimitRaw,NNodes",
    )
    line = rows[0]
    assert line["JobID"] == ours["job"] == str(job)
    assert ours["state"] == line["State"] == "COMPLETED"
    cpu = seconds(line["TotalCPU"])
    assert ours["cpu_time_seconds"] == pytest.approx(cpu, abs=0.002)
    assert ours["elapsed_seconds"] == int(line["ElapsedRaw"])
    assert ours["cpus"] == int(line["AllocCPUS"]) == 2
    assert ours["mem_requested_mib"] == mib(line["ReqMem"]) == 300
    assert ours["time_limit_seconds"] == int(line["TimelimitRaw"]) * 60
    steps = {r["JobID"]: int(r["MaxRSS"]) for r in rows[1:] if r["MaxRSS"]}
    peak_step = max(steps, key=lambda s: steps[s])
    assert ours["max_rss_bytes"] == steps[peak_step] and ours["max_rss_step"] == peak_step
    assert peak_step == f"{job}.0"  # the step that held the 96 MiB block
    core_walltime = int(line["ElapsedRaw"]) * int(line["AllocCPUS"])
    assert ours["core_walltime_seconds"] == core_walltime
    assert ours["cpu_efficiency_percent"] == pytest.approx(
        cpu / core_walltime * 100, abs=cpu_percent_tolerance(core_walltime)
    )
    per_node = mib(line["ReqMem"]) / int(line["NNodes"])
    assert ours["mem_per_node_mib"] == per_node
    assert ours["mem_efficiency_percent"] == pytest.approx(
        steps[peak_step] / (per_node * MIB) * 100, abs=0.01
    )
    assert ours["time_used_percent"] == pytest.approx(
        int(line["ElapsedRaw"]) / (int(line["TimelimitRaw"]) * 60) * 100, abs=0.01
    )
    assert ours["wasted_core_hours"] == pytest.approx((core_walltime - cpu) / 3600, abs=1e-4)
    assert ours["unused_mem_mib"] == pytest.approx(per_node - steps[peak_step] / MIB, abs=0.01)
    # The job did burn one of its two CPUs and held ~100 of its 300 MiB: non-trivial numbers.
    # (How much CPU a busy loop gets depends on the load of the shared machine.)
    assert 1 < ours["cpu_efficiency_percent"] < 60
    assert 25 < ours["mem_efficiency_percent"] < 60
    assert ours["notes"] == []


def test_seeded_step_job_peaks_in_its_memory_step(seed: dict[str, Any]) -> None:
    job = seed["jobs"]["steps"]
    ours = eff_json(str(job))["jobs"][0]
    rows = sacct("-j", str(job), fields="JobID,MaxRSS,TotalCPU")
    steps = {r["JobID"]: int(r["MaxRSS"]) for r in rows if r["MaxRSS"]}
    assert ours["max_rss_step"] == f"{job}.1" == max(steps, key=lambda s: steps[s])
    assert ours["max_rss_bytes"] == steps[f"{job}.1"] > 10 * MIB
    assert ours["cpu_time_seconds"] == pytest.approx(seconds(rows[0]["TotalCPU"]), abs=0.002)


@pytest.mark.parametrize("role", ["timeout", "failed", "cancelled", "completed"])
def test_finished_seeded_jobs_state_and_time_used_match_sacct(
    seed: dict[str, Any], role: str
) -> None:
    job = seed["jobs"][role]
    ours = eff_json(str(job))["jobs"][0]
    line = job_lines(
        "-j", str(job), fields="JobID,State,ElapsedRaw,TimelimitRaw,TotalCPU,AllocCPUS"
    )[0]
    assert ours["state"] == line["State"].split()[0] == role.upper()
    assert ours["elapsed_seconds"] == int(line["ElapsedRaw"])
    limit = int(line["TimelimitRaw"]) * 60
    assert ours["time_used_percent"] == pytest.approx(
        int(line["ElapsedRaw"]) / limit * 100, abs=0.01
    )
    if role == "timeout":
        assert ours["time_used_percent"] > 100
    if int(line["ElapsedRaw"]) == 0:
        # Nothing to divide by: said in words, not as a number.
        assert ours["cpu_efficiency_percent"] is None and ours["notes"]
    else:
        core_walltime = int(line["ElapsedRaw"]) * int(line["AllocCPUS"])
        assert ours["cpu_efficiency_percent"] == pytest.approx(
            seconds(line["TotalCPU"]) / core_walltime * 100,
            abs=cpu_percent_tolerance(core_walltime),
        )


def test_human_view_shows_the_json_numbers_without_colour_off_a_terminal(
    own_jobs: dict[str, Any],
) -> None:
    job = own_jobs["burn"]
    ours = eff_json(str(job))["jobs"][0]
    done = slurmlib("eff", str(job))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"job {job} (")
    assert f"{ours['cpu_efficiency_percent']:.2f} %" in done.stdout
    assert f"{ours['mem_efficiency_percent']:.2f} %" in done.stdout
    assert f"(step {job}.0)" in done.stdout
    assert "\x1b[" not in done.stdout


# --- arrays -----------------------------------------------------------------------------


def test_array_lists_every_task_and_their_sum(own_jobs: dict[str, Any]) -> None:
    array = own_jobs["array"]
    answer = eff_json(str(array))
    rows = job_lines("-j", str(array), fields="JobID,JobIDRaw,TotalCPU,ElapsedRaw,AllocCPUS")
    assert [j["job"] for j in answer["jobs"]] == [r["JobID"] for r in rows]
    assert [j["job"] for j in answer["jobs"]] == [f"{array}_{t}" for t in (1, 2, 3)]
    for ours, line in zip(answer["jobs"], rows, strict=True):
        assert ours["job_id"] == int(line["JobIDRaw"])
        assert ours["cpu_time_seconds"] == pytest.approx(seconds(line["TotalCPU"]), abs=0.002)
    cpu = sum(seconds(r["TotalCPU"]) for r in rows)
    core_walltime = sum(int(r["ElapsedRaw"]) * int(r["AllocCPUS"]) for r in rows)
    summed = answer["total"]
    assert summed["jobs"] == summed["cpu_measured"] == 3
    assert summed["states"] == {"COMPLETED": 3}
    assert summed["cpu_time_seconds"] == pytest.approx(cpu, abs=0.005)
    assert summed["core_walltime_seconds"] == core_walltime
    assert summed["cpu_efficiency_percent"] == pytest.approx(
        cpu / core_walltime * 100, abs=cpu_percent_tolerance(core_walltime, jobs=3)
    )
    assert summed["elapsed_seconds"] == sum(int(r["ElapsedRaw"]) for r in rows)
    assert summed["max_rss_bytes"] == max(j["max_rss_bytes"] for j in answer["jobs"])
    done = slurmlib("eff", str(array))
    assert re.search(r"(?m)^\s*total\s", done.stdout), done.stdout


def test_one_array_task_is_selected_by_its_index(own_jobs: dict[str, Any]) -> None:
    array = own_jobs["array"]
    answer = eff_json(f"{array}_2")
    raw = sacct("-X", "-j", f"{array}_2", fields="JobIDRaw")[0]["JobIDRaw"]
    assert answer["total"] is None
    assert [(j["job"], j["job_id"], j["array_task_id"]) for j in answer["jobs"]] == [
        (f"{array}_2", int(raw), 2)
    ]


def test_running_array_tasks_say_so_instead_of_a_number(seed: dict[str, Any]) -> None:
    array = seed["jobs"]["array"]
    answer = eff_json(str(array))
    rows = sacct("-X", "-j", str(array), fields="JobID,State")
    labels = [re.sub(r"_\[.*\]$", "_[pending]", r["JobID"]) for r in rows]
    assert sorted(j["job"] for j in answer["jobs"]) == sorted(labels)
    for job in answer["jobs"]:
        assert job["state"] in ("RUNNING", "PENDING")
        assert job["cpu_efficiency_percent"] is None and job["mem_efficiency_percent"] is None
        assert job["notes"]
    assert answer["total"]["cpu_measured"] == 0
    assert answer["total"]["cpu_efficiency_percent"] is None


# --- a user's jobs over a period --------------------------------------------------------


# What a running job's line says of its time moves on by itself, second by second.
_RUNNING_CLOCKS = ("ElapsedRaw", "TotalCPU", "Elapsed")


def _settled(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The lines as far as they stay put: a running job's clocks left out."""
    return [
        {k: v for k, v in r.items() if not (r["State"] == "RUNNING" and k in _RUNNING_CLOCKS)}
        for r in rows
    ]


def _stable_sacct(
    args: list[str], fields: str, ours: list[str]
) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """sacct, slurmlib, sacct again: the cluster is shared, so retry until both sacct runs
    agree (no job of the window started, ended or changed state in between)."""
    for _ in range(5):
        before = job_lines(*args, fields=fields)
        answer = eff_json(*ours)
        if _settled(job_lines(*args, fields=fields)) == _settled(before):
            return before, answer
        time.sleep(2)
    raise AssertionError("the jobs of the window kept changing")


@pytest.mark.parametrize("who", [["-u", "root"], ["-A", "physics"]])
def test_summary_totals_match_sacct_for_the_same_window(
    own_jobs: dict[str, Any], seed: dict[str, Any], who: list[str]
) -> None:
    # root's window holds this module's jobs; physics' the seeded ones (from the first).
    start = own_jobs["since"]
    if who[0] == "-A":
        submitted = sacct("-X", "-j", str(seed["jobs"]["timeout"]), fields="Submit")[0]["Submit"]
        start = datetime.fromisoformat(submitted).astimezone() - timedelta(minutes=1)
    since = start.astimezone().strftime("%Y-%m-%dT%H:%M:%S")
    until = (datetime.now() + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S")
    fields = "JobIDRaw,JobID,User,State,TotalCPU,ElapsedRaw,AllocCPUS"
    scope = ["-a", *who] if who[0] == "-A" else who
    rows, answer = _stable_sacct(
        [*scope, "-S", since, "-E", until],
        fields,
        [*who, "--since", since, "--until", until, "--top", "0"],
    )
    total = answer["total"]
    assert total["jobs"] == len(rows)
    states = {}
    for r in rows:
        states[r["State"].split()[0]] = states.get(r["State"].split()[0], 0) + 1
    assert total["states"] == states
    listed = {j["job_id"]: j for j in answer["jobs"]}
    finished = {
        int(r["JobIDRaw"]): r
        for r in rows
        if int(r["JobIDRaw"]) in listed
        and listed[int(r["JobIDRaw"])]["cpu_efficiency_percent"] is not None
    }
    assert finished, "no measured job in the window"
    for job_id, r in finished.items():
        ours = listed[job_id]
        assert ours["job"] == r["JobID"]
        assert ours["cpu_time_seconds"] == pytest.approx(seconds(r["TotalCPU"]), abs=0.002)
        assert ours["wasted_core_hours"] == pytest.approx(
            max(int(r["ElapsedRaw"]) * int(r["AllocCPUS"]) - seconds(r["TotalCPU"]), 0) / 3600,
            abs=1e-4,
        )
    measured = [j for j in answer["jobs"] if j["cpu_efficiency_percent"] is not None]
    assert total["cpu_measured"] == len(measured)
    assert total["cpu_time_seconds"] == pytest.approx(
        sum(j["cpu_time_seconds"] for j in measured), abs=0.01
    )
    if who == ["-u", "root"]:
        assert own_jobs["burn"] in listed
        assert [u["user"] for u in answer["by_user"]] == ["root"]
    waste = [(j["wasted_core_hours"] or 0) for j in answer["jobs"]]
    assert waste == sorted(waste, reverse=True)


def test_top_n_keeps_the_most_wasteful(own_jobs: dict[str, Any]) -> None:
    since = own_jobs["since"].isoformat()
    every = eff_json("-u", "root", "--since", since, "--top", "0")["jobs"]
    assert len(every) >= 4  # the burning job and the array's three tasks at least
    two = eff_json("-u", "root", "--since", since, "--top", "2")["jobs"]
    assert [j["job_id"] for j in two] == [j["job_id"] for j in every[:2]]
    by_mem = eff_json("-u", "root", "--since", since, "--top", "0", "--sort", "mem")["jobs"]
    mem = [(j["wasted_mem_gib_hours"] or 0) for j in by_mem]
    assert mem == sorted(mem, reverse=True)
    done = slurmlib("eff", "-u", "root", "--since", since, "--top", "3")
    assert done.returncode == 0, done.stderr
    assert "most wasteful first" in done.stdout and "\x1b[" not in done.stdout
    assert re.search(rf"(?m)^\s*{two[0]['job']}\s+root\s", done.stdout), done.stdout


# --- errors -----------------------------------------------------------------------------


def _one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout == ""
    return lines[0]


def test_unknown_job_or_task_is_exit_1(own_jobs: dict[str, Any]) -> None:
    assert _one_line_error(slurmlib("eff", "3999999999"), 1) == (
        "slurmlib eff: job 3999999999 is not in accounting"
    )
    assert _one_line_error(slurmlib("eff", f"{own_jobs['array']}_99"), 1) == (
        f"slurmlib eff: job {own_jobs['array']} has no task 99 in accounting"
    )
    assert "no user named" in _one_line_error(slurmlib("eff", "-u", "no_such_user_x"), 1)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["abc"], "not a job id: 'abc' (use 1234 or 1234_5)"),
        (["0"], "not a job id: '0'"),
        (["--since", "yesterday"], "--since: not a duration"),
        (["--since", "1h", "--until", "2h"], "must be before --until"),
        (["--top", "-1"], "argument --top: must be at least 0, not '-1'"),
        (["--top", "x"], "argument --top: not a whole number: 'x'"),
        (["7", "-u", "alice"], "a JOBID does not go with -u"),
        (["-u", ","], "-u: no name given"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(slurm_conf: Path, argv: list[str], message: str) -> None:
    assert message in _one_line_error(slurmlib("eff", *argv), 2)


def test_slurmdbd_unreachable_is_one_line_and_exit_1(slurm_conf: Path, tmp_path: Path) -> None:
    conf = tmp_path / "slurm.conf"
    conf.write_text(
        re.sub(
            r"(?m)^AccountingStoragePort=\d+$", "AccountingStoragePort=1", slurm_conf.read_text()
        )
    )
    for argv in (["7"], ["-u", "root"]):
        line = _one_line_error(slurmlib("eff", *argv, SLURM_CONF=str(conf)), 1)
        assert line.startswith("slurmlib eff: slurmdbd did not answer"), line


def test_help_has_an_example() -> None:
    done = slurmlib("eff", "--help")
    assert done.returncode == 0
    assert "example" in done.stdout and "slurmlib eff 1234" in done.stdout
    for flag in ("-u", "-A", "--since", "--until", "--top", "--json"):
        assert flag in done.stdout


# --- pure logic, no cluster -------------------------------------------------------------

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_when_takes_durations_and_dates() -> None:
    assert parse_when("7d", NOW, "--since") == NOW - timedelta(days=7)
    assert parse_when("12h", NOW, "--since") == NOW - timedelta(hours=12)
    assert parse_when("1d12h", NOW, "--since") == NOW - timedelta(hours=36)
    assert parse_when("2w", NOW, "--since") == NOW - timedelta(weeks=2)
    assert parse_when("now", NOW, "--until") == NOW
    assert parse_when("2026-11-20T08:00+00:00", NOW, "--since") == datetime(
        2026, 11, 20, 8, tzinfo=UTC
    )
    local = parse_when("2026-11-20", NOW, "--since")
    assert local == datetime(2026, 11, 20).astimezone() and local.tzinfo is not None
    for bad in ("", "7x", "d7", "last week"):
        with pytest.raises(ValueError, match="--since"):
            parse_when(bad, NOW, "--since")


def test_job_ids_and_formats() -> None:
    assert parse_job_arg("1234") == (1234, None)
    assert parse_job_arg(" 1234_5 ") == (1234, 5)
    for bad in ("1234_", "_5", "12a", "4294967296", "1234_5_6"):
        with pytest.raises(ValueError, match="not a job id"):
            parse_job_arg(bad)
    assert clock(3 * 86400 + 3723) == "3-01:02:03"
    assert clock(4.109, fraction=True) == "00:00:04.109"
    assert clock(59.9996, fraction=True) == "00:01:00.000"
    assert clock(None) == "-"
    assert (size(0.5), size(61.87), size(1536), size(None)) == (
        "512.00 KiB",
        "61.87 MiB",
        "1.50 GiB",
        "-",
    )


def _step(job_id: int, step: str, rss: int | None, cpu: float, nodes: int = 1) -> DbStep:
    return DbStep(
        job_id=job_id,
        step_id=0,
        step=step,
        name=None,
        state=JobState.COMPLETED,
        state_text="COMPLETED",
        exit_code=0,
        exit_signal=0,
        start_time=NOW,
        end_time=NOW,
        elapsed=timedelta(seconds=10),
        nodes=None,
        node_count=nodes,
        tasks=1,
        tres_allocated={},
        user_cpu=timedelta(seconds=cpu),
        system_cpu=timedelta(0),
        total_cpu=timedelta(seconds=cpu),
        max_rss_bytes=rss,
        tres_usage_max={},
        tres_usage_total={},
        gpu_utilization=None,
        gpu_memory_max_bytes=None,
    )


def _job(
    *,
    state: JobState = JobState.COMPLETED,
    elapsed: int = 100,
    cpus: int = 4,
    nodes: int = 2,
    mem: int | None = 2048,
    steps: tuple[DbStep, ...] = (),
    started: bool = True,
    limit: timedelta | None = timedelta(minutes=10),
    **extra: Any,
) -> DbJob:
    tres = {"cpu": cpus, "node": nodes, **({"mem": mem} if mem is not None else {})}
    cpu = sum((s.total_cpu for s in steps), timedelta(0))
    fields: dict[str, Any] = {
        "job_id": 42,
        "array_job_id": None,
        "array_task_id": None,
        "array_tasks": None,
        "het_job_id": None,
        "het_job_offset": None,
        "name": "t",
        "cluster": "c",
        "user": "u",
        "user_id": 1,
        "group_id": 1,
        "account": "a",
        "partition": "p",
        "qos": None,
        "reservation": None,
        "wckey": None,
        "state": state,
        "state_text": state.name,
        "cancelled_by": None,
        "exit_code": 0,
        "exit_signal": 0,
        "derived_exit_code": 0,
        "submit_time": NOW,
        "eligible_time": NOW,
        "start_time": NOW if started else None,
        "end_time": NOW if state.finished else None,
        "elapsed": timedelta(seconds=elapsed),
        "suspended": timedelta(0),
        "time_limit": limit,
        "priority": 1,
        "nodes": "n[1-2]" if started else None,
        "node_count": nodes if started else 0,
        "requested_cpus": cpus,
        "tres_requested": tres,
        "tres_allocated": tres if started else {},
        "gpus_requested": 0,
        "gpus_allocated": 0,
        "gpus_allocated_by_type": {},
        "gpu_utilization": None,
        "user_cpu": cpu,
        "system_cpu": timedelta(0),
        "total_cpu": cpu,
        "work_dir": None,
        "constraints": None,
        "steps": steps,
    }
    fields.update(extra)
    return DbJob(**fields)


def test_efficiency_of_a_two_node_job() -> None:
    steps = (_step(42, "batch", 100 * MIB, 20.0), _step(42, "0", 512 * MIB, 180.0, nodes=2))
    eff = efficiency(_job(steps=steps))
    # 200 s of CPU in 100 s x 4 CPUs; 512 MiB peak of 2048 MiB over 2 nodes = 1024 per node.
    assert eff.cpu_efficiency_percent == pytest.approx(50.0)
    assert eff.wasted_core_hours == pytest.approx(200 / 3600)
    assert eff.mem_per_node_mib == 1024
    assert eff.max_rss_step == "42.0"
    assert eff.mem_efficiency_percent == pytest.approx(50.0)
    assert eff.unused_mem_mib == pytest.approx(1024.0)  # 512 unused on each of 2 nodes
    assert eff.wasted_mem_gib_hours == pytest.approx(1.0 * 100 / 3600)
    assert eff.time_used_percent == pytest.approx(100 / 600 * 100)
    assert eff.notes == ()


@pytest.mark.parametrize(
    ("job", "note"),
    [
        (_job(state=JobState.RUNNING), "still running"),
        (_job(state=JobState.PENDING, started=False, elapsed=0), "has not started"),
        (_job(state=JobState.CANCELLED, started=False, elapsed=0), "never ran"),
        (_job(elapsed=0, steps=(_step(42, "batch", MIB, 0.0),)), "less than a second"),
        (_job(steps=()), "no step data"),
    ],
)
def test_no_number_without_data_but_a_note(job: DbJob, note: str) -> None:
    eff = efficiency(job)
    assert eff.cpu_efficiency_percent is None and eff.mem_efficiency_percent is None
    assert eff.wasted_core_hours is None and eff.unused_mem_mib is None
    assert any(note in n for n in eff.notes), eff.notes
    assert eff.to_dict()["cpu_efficiency_percent"] is None


def test_cpu_without_memory_measurement_and_no_limit() -> None:
    eff = efficiency(_job(steps=(_step(42, "batch", None, 50.0),), limit=None, mem=None))
    assert eff.cpu_efficiency_percent == pytest.approx(12.5)
    assert eff.mem_efficiency_percent is None and eff.time_used_percent is None
    assert eff.notes == ("no step has a MaxRSS in accounting",)


def test_labels_totals_and_ranking() -> None:
    tasks = [
        efficiency(
            _job(
                job_id=100 + t,
                array_job_id=100,
                array_task_id=t,
                steps=(_step(100 + t, "batch", t * 256 * MIB, 100.0 * t),),
            )
        )
        for t in (1, 2, 3)
    ]
    assert [e.label for e in tasks] == ["100_1", "100_2", "100_3"]
    assert job_label(_job(array_job_id=100, array_task_id=None)) == "100_[pending]"
    assert job_label(_job(het_job_id=40, het_job_offset=1)) == "40+1"
    totals = Totals()
    for eff in tasks:
        totals.add(eff)
    totals.add(efficiency(_job(state=JobState.RUNNING)))
    assert totals.jobs == 4 and totals.cpu_measured == 3 and totals.states["RUNNING"] == 1
    assert totals.cpu_efficiency_percent == pytest.approx(600 / 1200 * 100)
    # Peaks 256, 512, 768 MiB on each of 2 nodes, of 2048 MiB each job.
    assert totals.mem_efficiency_percent == pytest.approx((256 + 512 + 768) * 2 / (3 * 2048) * 100)
    assert totals.max_rss_bytes == 768 * MIB
    assert [e.label for e in most_wasteful(tasks, 2)] == ["100_1", "100_2"]
    assert [e.label for e in most_wasteful(tasks, 0, "mem")] == ["100_1", "100_2", "100_3"]


def test_gpu_hours_and_efficiency_only_where_utilisation_was_recorded() -> None:
    gpu_tres = {"cpu": 4, "node": 1, "mem": 1024, "gres/gpu": 2}
    steps = (_step(42, "batch", 1 << 20, 50.0),)
    unmeasured = efficiency(
        _job(elapsed=3600, nodes=1, steps=steps, tres_allocated=gpu_tres, tres_requested=gpu_tres)
    )
    assert unmeasured.gpus == 2 and unmeasured.gpu_hours == 2.0
    assert unmeasured.gpu_efficiency_percent is None and unmeasured.wasted_gpu_hours is None
    assert any("GPU utilisation not measured" in note for note in unmeasured.notes)
    measured = efficiency(
        _job(
            elapsed=3600,
            nodes=1,
            steps=steps,
            tres_allocated=gpu_tres,
            tres_requested=gpu_tres,
            gpu_utilization=40,
        )
    )
    assert measured.gpu_efficiency_percent == 40.0
    assert measured.wasted_gpu_hours == pytest.approx(1.2)
    totals = total([unmeasured, measured])
    assert totals.gpu_hours == 4.0 and totals.gpu_measured == 1
    assert totals.gpu_efficiency_percent == pytest.approx(40.0)
    assert totals.to_dict()["wasted_gpu_hours"] == pytest.approx(1.2)
    assert total([unmeasured]).to_dict()["wasted_gpu_hours"] is None


def test_finished_gpu_job_has_its_sacct_gpu_hours_and_no_made_up_efficiency(
    seed: dict[str, Any],
) -> None:
    job = seed["jobs"]["gpu_completed"]
    (row,) = job_lines("-j", str(job), fields="JobID,AllocTRES,ElapsedRaw")
    alloc = dict(item.split("=", 1) for item in row["AllocTRES"].split(","))
    answer = eff_json(str(job))["jobs"][0]
    assert answer["gpus"] == int(alloc["gres/gpu"]) == 1
    assert answer["gpu_hours"] == round(int(alloc["gres/gpu"]) * int(row["ElapsedRaw"]) / 3600, 4)
    assert answer["gpu_efficiency_percent"] is None and answer["wasted_gpu_hours"] is None
    human = slurmlib("eff", str(job)).stdout
    assert re.search(r"GPU +1 GPU\(s\), [0-9.]+ GPU-hours allocated +not measured", human), human
