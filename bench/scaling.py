"""Time against queue length: the bare RPC, slurmlib and ``squeue --json`` at N jobs.

    python -m bench.scaling [--sizes 1000,10000,50000,100000] [--runs N]

A queue of exactly N jobs needs a cluster of its own: this starts a throw-away one
(``scripts/cluster up`` with ``SLURM_CLUSTER_SEED=none``, in a temporary directory, on
ports of its own, so neither the test cluster nor the scale cluster is touched), fills it
with held single-CPU jobs through libslurm (``slurm_submit_batch_job``; held, so the
scheduler never looks at them) up to each size in turn, measures, and stops it again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.measure import repeat

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "cluster"
DEFAULT_SIZES = (1000, 10_000, 50_000, 100_000)


def free_port_base(start: int = 22817) -> int:
    """The first base with its 13 ports free on loopback (the test profile of scripts/cluster
    uses base..base+12: two clusters)."""
    for base in range(start, 32000, 100):
        try:
            for port in range(base, base + 13):
                with socket.socket() as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range for a throw-away cluster")


def fill(conf: str, target: int) -> None:
    """Submit held jobs until the queue of ``conf`` holds ``target`` jobs (in a child:
    libslurm holds one configuration per process)."""
    code = f"""
import sys
from slurmlib import native
native.init({conf!r})
ffi, lib = native.ffi, native.lib
out = ffi.new("job_info_msg_t **")
native.check(lib.slurm_load_jobs(0, out, 0))
have = out[0].record_count
lib.slurm_free_job_info_msg(out[0])
script = ffi.new("char[]", b"#!/bin/sh\\ntrue\\n")
env = [ffi.new("char[]", b"PATH=/usr/bin:/bin")]
envp = ffi.new("char *[]", env)
for i in range(have, {target}):
    desc = ffi.new("job_desc_msg_t *")
    lib.slurm_init_job_desc_msg(desc)
    name = ffi.new("char[]", b"scale%d" % i)
    desc.name = name
    desc.script = script
    desc.environment = envp
    desc.env_size = 1
    desc.user_id = 0
    desc.group_id = 0
    desc.min_cpus = 1
    desc.priority = 0  # held
    work = ffi.new("char[]", b"/tmp")
    desc.work_dir = work
    response = ffi.new("submit_response_msg_t **")
    rc = lib.slurm_submit_batch_job(desc, response)
    native.check(rc, "submitting")
    lib.slurm_free_submit_response_response_msg(response[0])
"""
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "SLURM_CONF": conf})


def measure(sizes: list[int], runs: int) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="slurmlib-bench-scaling-"))
    os.chmod(directory, 0o755)
    env = {
        **os.environ,
        "SLURM_CLUSTER_DIR": str(directory),
        "SLURM_PORT_BASE": str(free_port_base()),
        "SLURM_CLUSTER_SEED": "none",
        "SLURM_CLUSTER_PROFILE": "test",
    }
    env.pop("SLURM_CONF", None)
    conf = str(directory / "etc" / "slurm.conf")
    points = []
    try:
        up = subprocess.run(
            [str(SCRIPT), "up"], env=env, capture_output=True, text=True, timeout=600
        )
        if up.returncode != 0:
            raise RuntimeError(f"the throw-away cluster did not start: {up.stderr.strip()[-300:]}")
        child_env = {"SLURM_CONF": conf}
        for size in sizes:
            fill(conf, size)
            point: dict[str, Any] = {"jobs": size}
            for key, argv, inner in (
                ("rpc", [sys.executable, "-m", "bench.probe", "rpc-jobs"], True),
                ("slurmlib", [sys.executable, "-m", "bench.probe", "snapshot-jobs"], True),
                ("squeue_json", ["squeue", "--json"], False),
            ):
                series = repeat(key, argv, runs, env=child_env, inner_timing=inner)
                point[key] = series.as_dict()
            points.append(point)
    finally:
        subprocess.run([str(SCRIPT), "down"], env=env, capture_output=True, timeout=900)
        shutil.rmtree(directory, ignore_errors=True)
    return {"points": points}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure([int(s) for s in args.sizes.split(",")], args.runs), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
