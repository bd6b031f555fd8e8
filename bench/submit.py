"""Submissions per second: slurmlib against an ``sbatch`` loop, on the same cluster.

    python -m bench.submit [--jobs N] [--sbatch-jobs M]

Submits N small held jobs (one CPU, a one-line script, no output) through
``Cluster.submit``, then the same job M times with ``sbatch`` in a loop (a process per job:
M defaults to min(N, 300), since the loop takes tens of milliseconds a job), and, as the
floor, ``slurm_submit_batch_job`` on one prepared descriptor (the bare RPC: no validation,
no conversion). Every job is cancelled afterwards. Prints jobs/s of each and the ratios as
JSON (``--text`` for a table).

Target: slurmlib's time <= 1.1x the bare RPC's for the same jobs. The ratio to the sbatch
loop is reported beside the bare RPC's own (it was a target, >= 20x, that the bare RPC
alone does not reach on this machine: ~6x).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from slurmlib import Cluster, JobSpec, native
from slurmlib._cbuffers import CBuffers
from slurmlib._submit import job_desc
from slurmlib.native import ffi, lib

SCRIPT = "#!/bin/sh\ntrue\n"


def _spec(name: str) -> JobSpec:
    return JobSpec(
        script=SCRIPT, name=name, hold=True, time_limit=1, output="/dev/null", work_dir="/tmp"
    )


def through_slurmlib(cluster: Cluster, count: int, name: str) -> tuple[float, list[int]]:
    ids = []
    start = time.perf_counter()
    for _ in range(count):
        ids.append(cluster.submit(_spec(name)).job_id)
    return time.perf_counter() - start, ids


def bare_rpc(count: int, name: str) -> tuple[float, list[int]]:
    """The floor: one descriptor built once, then only the RPC and the answer's free."""
    buffers = CBuffers()
    desc = job_desc(_spec(name), buffers)
    out = ffi.new("submit_response_msg_t **")
    ids = []
    has_job_id = native.capabilities.has_field("submit_response_msg_t", "job_id")
    start = time.perf_counter()
    with native.api_lock:
        for _ in range(count):
            native.check(lib.slurm_submit_batch_job(desc, out))
            ids.append(int(out[0].job_id if has_job_id else out[0].step_id.job_id))
            lib.slurm_free_submit_response_response_msg(out[0])
    return time.perf_counter() - start, ids


def sbatch_loop(count: int, name: str) -> tuple[float, list[int]]:
    argv = [
        "sbatch", "--parsable", "-H", "-J", name, "-t", "1", "-o", "/dev/null",
        "--chdir=/tmp", "--wrap", "true",
    ]  # fmt: skip
    ids = []
    start = time.perf_counter()
    for _ in range(count):
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
        ids.append(int(done.stdout.strip().split(";")[0]))
    return time.perf_counter() - start, ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs through slurmlib")
    parser.add_argument("--sbatch-jobs", type=int, default=None, help="jobs through sbatch")
    parser.add_argument("--text", action="store_true", help="print a table, not JSON")
    args = parser.parse_args()
    sbatch_count = args.sbatch_jobs or min(args.jobs, 300)
    cluster = Cluster()
    name = f"bench-submit-{os.getpid()}"
    submitted: list[int] = []
    try:
        ours, ids = through_slurmlib(cluster, args.jobs, name)
        submitted += ids
        floor, ids = bare_rpc(args.jobs, name)
        submitted += ids
        theirs, ids = sbatch_loop(sbatch_count, name)
        submitted += ids
    finally:
        cancel_start = time.perf_counter()
        for job_id in submitted:
            cluster.cancel(job_id)
        cancel_seconds = time.perf_counter() - cancel_start
    report = {
        "jobs": args.jobs,
        "sbatch_jobs": sbatch_count,
        "slurmlib_jobs_per_s": round(args.jobs / ours, 1),
        "bare_rpc_jobs_per_s": round(args.jobs / floor, 1),
        "sbatch_jobs_per_s": round(sbatch_count / theirs, 1),
        "slurmlib_vs_sbatch": round((args.jobs / ours) / (sbatch_count / theirs), 1),
        "bare_rpc_vs_sbatch": round((args.jobs / floor) / (sbatch_count / theirs), 1),
        "slurmlib_vs_bare_rpc": round(ours / floor, 2),
        "cancel_jobs_per_s": round(len(submitted) / cancel_seconds, 1),
    }
    if not args.text:
        print(json.dumps(report, indent=2))
    else:
        print(f"{'':24}{'jobs/s':>10}")
        print(f"{'slurmlib submit':24}{report['slurmlib_jobs_per_s']:>10}")
        print(f"{'bare RPC (floor)':24}{report['bare_rpc_jobs_per_s']:>10}")
        print(f"{'sbatch loop':24}{report['sbatch_jobs_per_s']:>10}")
        print(f"{'cancel (slurmlib)':24}{report['cancel_jobs_per_s']:>10}")
        print(
            f"slurmlib takes {report['slurmlib_vs_bare_rpc']}x the bare RPC's time (target "
            f"<= 1.1x); it is {report['slurmlib_vs_sbatch']}x the sbatch loop (the bare RPC "
            f"{report['bare_rpc_vs_sbatch']}x); "
            f"{args.jobs} jobs through slurmlib, {sbatch_count} through sbatch"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
