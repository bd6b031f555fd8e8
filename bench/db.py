"""Accounting jobs: ``slurmlib.db`` against the bare call and ``sacct`` on the same records.

    python -m bench.db [--records N] [--runs N] [--json]

On the cluster of ``SLURM_CONF``: the window is the newest ``--records`` job records that
slurmdbd holds (default: all of them), from the submit time of the oldest of them to now.

- The call against its floor, in one fresh process per kind: ``connect().jobs(start=,
  end=)`` without and with steps, timed in turn with the bare ``slurmdb_jobs_get`` of the
  same cond plus its list destroy (no conversion), ``--runs`` pairs on one connection; the
  median of each and their ratio (targets: 1.3x without steps, 1.15x with). The connection's
  snapshot is kept for the whole run (``SNAPSHOT_SECONDS``), so every call is the query
  and the conversion alone, as the bare one is.
- A whole program against ``sacct``: a fresh process that loads the jobs and prints one
  ``|``-separated line per job (the columns ``sacct -P -X`` is asked for), beside ``sacct -P
  -X`` and ``sacct --json`` on the same window; median wall time of ``--runs``, start to exit.
- Memory: the Python memory (``tracemalloc``) that the records without steps hold, per job,
  the per-call caches' shared values (times, strings, TRES maps) included.

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

PYTHON = sys.executable

# Both calls on one connection, in turn, so that drift of the machine hits both alike.
PAIRED = """
import gc, json, sys, time
from datetime import UTC, datetime
from slurmlib import db
from slurmlib.db import _connection
from slurmlib.native import ffi, lib

start, end, steps, runs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4])
_connection.SNAPSHOT_SECONDS = float("inf")
conn = db.connect()

def bare():
    cond = ffi.new("slurmdb_job_cond_t *")
    cond.db_flags = lib.SLURMDB_JOB_FLAG_NOTSET
    cond.flags = lib.JOBCOND_FLAG_NO_TRUNC | (0 if steps else lib.JOBCOND_FLAG_NO_STEP)
    cond.usage_start, cond.usage_end = start, end
    started = time.perf_counter()
    # On the wire as slurmlib's own calls are (db._tcp): the floor is the query at its best.
    with conn._acks:
        jobs = lib.slurmdb_jobs_get(conn._conn, cond)
    count = lib.slurm_list_count(jobs)
    lib.slurm_list_destroy(jobs)
    return time.perf_counter() - started, count

def slurmlib():
    since, until = (datetime.fromtimestamp(t, UTC) for t in (start, end))
    started = time.perf_counter()
    jobs = conn.jobs(start=since, end=until, with_steps=steps)
    seconds = time.perf_counter() - started
    return seconds, len(jobs), sum(len(j.steps) for j in jobs)

slurmlib()
bare()  # warm: slurmdbd's and the database's caches, the interpreter's allocator
times = {"bare": [], "slurmlib": []}
for _ in range(runs):
    seconds, count = bare()
    times["bare"].append(seconds)
    gc.collect()
    seconds, jobs, job_steps = slurmlib()
    times["slurmlib"].append(seconds)
    gc.collect()
print(json.dumps({**times, "jobs": jobs, "steps": job_steps, "bare_records": count}))
"""

# A program a user would write: load, print one line per job.
PRINT = """
import sys
from datetime import UTC, datetime
from slurmlib import db
since, until = (datetime.fromtimestamp(int(a), UTC) for a in sys.argv[1:3])
with db.connect() as conn:
    jobs = conn.jobs(start=since, end=until, with_steps=False)

def when(t):
    return t.astimezone().strftime("%Y-%m-%dT%H:%M:%S") if t else "Unknown"

def status(code, signal):
    return f"{code or 0}:{signal or 0}"

out = sys.stdout
for j in jobs:
    tres = ",".join(f"{k}={v}" for k, v in j.tres_allocated.items())
    out.write(
        f"{j.job_id}|{j.name or ''}|{j.user or ''}|{j.account or ''}|{j.partition or ''}|"
        f"{j.state_text}|{status(j.exit_code, j.exit_signal)}|{when(j.submit_time)}|"
        f"{when(j.start_time)}|{when(j.end_time)}|{int(j.elapsed.total_seconds())}|{tres}\\n"
    )
"""
SACCT_COLUMNS = (
    "JobIDRaw,JobName,User,Account,Partition,State,ExitCode,Submit,Start,End,ElapsedRaw,AllocTRES"
)

MEMORY = """
import gc, json, sys, tracemalloc
from datetime import UTC, datetime
from slurmlib import db
since, until = (datetime.fromtimestamp(int(a), UTC) for a in sys.argv[1:3])
conn = db.connect()
conn.jobs(start=since, end=until, with_steps=False)  # imports, names, first-use caches
gc.collect()
tracemalloc.start()
before = tracemalloc.get_traced_memory()[0]
jobs = conn.jobs(start=since, end=until, with_steps=False)
gc.collect()
held = tracemalloc.get_traced_memory()[0] - before
print(json.dumps({"bytes": held, "jobs": len(jobs)}))
"""


def timed(argv: list[str], runs: int) -> tuple[float, str]:
    """Median wall seconds of ``runs`` runs of a command, and its last output."""
    times = []
    out = ""
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=os.environ.copy())
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"bench.db: {' '.join(argv[:3])} failed: {done.stderr[-500:]}")
        out = done.stdout
    return statistics.median(times), out


def child_json(script: str, *args: object) -> dict[str, Any]:
    done = subprocess.run(
        [PYTHON, "-c", script, *map(str, args)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    if done.returncode != 0:
        raise SystemExit(f"bench.db: a child failed: {done.stderr[-800:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def window(records: int | None) -> tuple[int, int, int]:
    """(start, end, job count) of the newest ``records`` jobs slurmdbd holds."""
    from slurmlib import db

    end = int(time.time())
    with db.connect() as conn:
        jobs = conn.jobs(start=datetime(1970, 1, 2, tzinfo=UTC), with_steps=False)
    submits = sorted(int(j.submit_time.timestamp()) for j in jobs if j.submit_time)
    if not submits:
        raise SystemExit("bench.db: slurmdbd holds no job records on this cluster")
    chosen = submits[-records:] if records else submits
    return chosen[0], end, len(chosen)


def stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%dT%H:%M:%S")


def paired(start: int, end: int, steps: bool, runs: int) -> dict[str, Any]:
    result = child_json(PAIRED, start, end, int(steps), runs)
    bare = statistics.median(result["bare"])
    mine = statistics.median(result["slurmlib"])
    return {
        "bare_seconds": bare,
        "slurmlib_seconds": mine,
        "ratio": mine / bare if bare else None,
        "target": 1.15 if steps else 1.3,
        "jobs": result["jobs"],
        "steps": result["steps"],
    }


def measure(records: int | None, runs: int) -> dict[str, Any]:
    start, end, jobs = window(records)
    window_args = ["-a", "-S", stamp(start), "-E", stamp(end)]
    calls = {
        "without_steps": paired(start, end, False, runs),
        "with_steps": paired(start, end, True, runs),
    }
    programs = []
    seconds, out = timed([PYTHON, "-c", PRINT, str(start), str(end)], runs)
    programs.append(
        {"what": "python: db.jobs(), print rows", "seconds": seconds, "rows": len(out.splitlines())}
    )
    seconds, out = timed(["sacct", "-P", "-X", "-n", *window_args, "-o", SACCT_COLUMNS], runs)
    programs.append({"what": "sacct -P -X", "seconds": seconds, "rows": len(out.splitlines())})
    seconds, out = timed(["sacct", "--json", *window_args], runs)
    programs.append(
        {"what": "sacct --json", "seconds": seconds, "rows": len(json.loads(out)["jobs"])}
    )
    memory = child_json(MEMORY, start, end)
    per_job = memory["bytes"] / memory["jobs"] if memory["jobs"] else None
    return {
        "jobs": jobs,
        "window": [stamp(start), stamp(end)],
        "runs": runs,
        "calls": calls,
        "programs": programs,
        "memory": {"bytes_per_job": per_job, "jobs": memory["jobs"], "target": 1024},
    }


def _verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, help="the newest N job records (default: all)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not os.environ.get("SLURM_CONF"):
        raise SystemExit("bench.db: set SLURM_CONF to the cluster to measure")
    result = measure(args.records, args.runs)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{result['jobs']:,} jobs submitted {result['window'][0]} .. {result['window'][1]}, "
        f"median of {result['runs']} runs"
    )
    print(f"{'call (in turn, one connection)':34} {'bare s':>8} {'slurmlib s':>11} {'ratio':>6}")
    for name, row in result["calls"].items():
        records = f"{row['jobs']:,} jobs" + (f", {row['steps']:,} steps" if row["steps"] else "")
        print(
            f"{'db.jobs() ' + name.replace('_', ' '):34} {row['bare_seconds']:8.3f} "
            f"{row['slurmlib_seconds']:11.3f} {row['ratio']:6.2f}  ({records}; "
            f"{_verdict(row['ratio'] <= row['target'])} {row['target']}x)"
        )
    print(f"{'whole program (fresh process)':34} {'seconds':>8} {'rows':>11}")
    for row in result["programs"]:
        print(f"{row['what']:34} {row['seconds']:8.2f} {row['rows']:>11,}")
    ours, sacct = result["programs"][0]["seconds"], result["programs"][1]["seconds"]
    print(f"  python / sacct -P -X: {ours / sacct:.2f} ({_verdict(ours <= sacct)} 1.0)")
    memory = result["memory"]
    if memory["bytes_per_job"] is not None:
        print(
            f"Python memory per job record without steps: {memory['bytes_per_job']:.0f} bytes "
            f"({memory['jobs']:,} jobs; {_verdict(memory['bytes_per_job'] <= 1024)} 1 KiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
