"""Accounting jobs: ``slurmlib.db`` against the bare call and ``sacct`` on the same records.

    python -m bench.db [--records N] [--runs N] [--json]

On the cluster of ``SLURM_CONF``: the window is the newest ``--records`` job records that
slurmdbd holds (default: all of them), from the submit time of the oldest of them to now.
Each figure is the median wall time of ``--runs`` child processes, start to exit:

- the floor: ``slurmdb_jobs_get`` and its list destroy, no conversion;
- ``slurmlib.db``: ``connect().jobs(start=, end=)``, steps included, every record converted;
- ``sacct --json`` and ``sacct -P`` (jobs and steps, ``-a``) on the same window.

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

RAW = """
import sys
from slurmlib import native
from slurmlib.native import ffi, lib
native.init()
conn = lib.slurmdb_connection_get(ffi.new("uint16_t *"))
cond = ffi.new("slurmdb_job_cond_t *")
cond.db_flags = lib.SLURMDB_JOB_FLAG_NOTSET
cond.flags = lib.JOBCOND_FLAG_NO_TRUNC
cond.usage_start, cond.usage_end = int(sys.argv[1]), int(sys.argv[2])
jobs = lib.slurmdb_jobs_get(conn, cond)
count = lib.slurm_list_count(jobs)
lib.slurm_list_destroy(jobs)
lib.slurmdb_connection_close(ffi.new("void **", conn))
print(count)
"""

SLURMLIB = """
import sys
from datetime import UTC, datetime
from slurmlib import db
start, end = (datetime.fromtimestamp(int(a), UTC) for a in sys.argv[1:3])
with db.connect() as conn:
    jobs = conn.jobs(start=start, end=end)
print(len(jobs) + sum(len(j.steps) for j in jobs))
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


def measure(records: int | None, runs: int) -> dict[str, Any]:
    start, end, jobs = window(records)
    window_args = ["-a", "-S", stamp(start), "-E", stamp(end)]
    rows: list[dict[str, Any]] = []

    seconds, out = timed([PYTHON, "-c", RAW, str(start), str(end)], runs)
    rows.append({"what": "bare slurmdb_jobs_get + free", "seconds": seconds, "records": None})
    seconds, out = timed([PYTHON, "-c", SLURMLIB, str(start), str(end)], runs)
    rows.append(
        {"what": "slurmlib db.jobs() (steps included)", "seconds": seconds, "records": int(out)}
    )
    seconds, out = timed(["sacct", "--json", *window_args], runs)
    parsed = json.loads(out)["jobs"]
    rows.append(
        {
            "what": "sacct --json",
            "seconds": seconds,
            "records": len(parsed) + sum(len(j.get("steps", [])) for j in parsed),
        }
    )
    seconds, out = timed(
        [
            "sacct",
            "-P",
            "-n",
            *window_args,
            "-o",
            "JobIDRaw,State,AllocTRES,Elapsed,TotalCPU,MaxRSS,ExitCode",
        ],
        runs,
    )
    rows.append({"what": "sacct -P", "seconds": seconds, "records": len(out.splitlines())})
    reference = rows[2]["seconds"]
    for row in rows:
        row["vs_sacct_json"] = round(reference / row["seconds"], 1) if row["seconds"] else None
    return {"jobs": jobs, "window": [stamp(start), stamp(end)], "runs": runs, "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, help="the newest N job records (default: all)")
    parser.add_argument("--runs", type=int, default=3)
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
        f"median of {result['runs']} runs (each a fresh process)"
    )
    print(f"{'':40} {'seconds':>9} {'records':>9} {'x faster than sacct --json':>27}")
    for row in result["rows"]:
        records = "" if row["records"] is None else f"{row['records']:,}"
        print(f"{row['what']:40} {row['seconds']:9.2f} {records:>9} {row['vs_sacct_json']:>27}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
