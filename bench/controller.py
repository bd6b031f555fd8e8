"""The read API against the bare RPC and Slurm's own tools, in one run on one state.

    python -m bench.controller [--repeat N]

For nodes and jobs: the bare RPC (load + free, no conversion: the floor), slurmlib's typed
snapshot (everything converted), an unchanged incremental poll, and the command a user would
run instead (``squeue --json``, ``sinfo --json``). Medians of N runs; ratios to the RPC.
Targets (issue "read API", on >= 10,000 nodes / 50,000 jobs): jobs snapshot <= 2x the RPC,
>= 20x faster than ``squeue --json``, an unchanged poll <= RPC of no-change + 0.1 ms.
On a smaller state the ratios are reported all the same, with the record counts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from slurmlib import Cluster, native
from slurmlib.native import ffi, lib


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare(kind: str) -> Callable[[], None]:
    def nodes() -> None:
        out = ffi.new("node_info_msg_t **")
        native.check(lib.slurm_load_node(0, out, lib.SHOW_ALL))
        lib.slurm_free_node_info_msg(out[0])

    def jobs() -> None:
        out = ffi.new("job_info_msg_t **")
        native.check(lib.slurm_load_jobs(0, out, lib.SHOW_ALL))
        lib.slurm_free_job_info_msg(out[0])

    return nodes if kind == "nodes" else jobs


def command(argv: list[str]) -> Callable[[], None]:
    return lambda: subprocess.run(argv, capture_output=True, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    cluster = Cluster()
    report: dict[str, object] = {}
    for kind, tool in (("nodes", ["sinfo", "--json"]), ("jobs", ["squeue", "--json"])):
        load = getattr(cluster, kind)
        count = len(load())

        def converted(load: Callable[[], object] = load) -> None:
            cluster.forget()
            load()

        rpc = median_ms(bare(kind), args.repeat)
        typed = median_ms(converted, args.repeat)
        load()
        poll = median_ms(load, args.repeat)
        other = median_ms(command(tool), max(3, args.repeat // 3))
        report[kind] = {
            "records": count,
            "bare_rpc_ms": round(rpc, 2),
            "slurmlib_snapshot_ms": round(typed, 2),
            "snapshot_vs_rpc": round(typed / rpc, 2),
            "per_record_us": round((typed - rpc) * 1000 / max(count, 1), 1),
            "unchanged_poll_ms": round(poll, 3),
            f"{' '.join(tool)}_ms": round(other, 1),
            f"faster_than_{tool[0]}_json": round(other / typed, 1),
        }
    jobs = report["jobs"]
    assert isinstance(jobs, dict)
    at_scale = int(jobs["records"]) >= 50_000
    report["targets"] = {
        "jobs snapshot <= 2x RPC": (
            ("PASS" if jobs["snapshot_vs_rpc"] <= 2 else "MISS") if at_scale else "not judged"
        ),
        "jobs >= 20x faster than squeue --json": (
            ("PASS" if jobs["faster_than_squeue_json"] >= 20 else "MISS")
            if at_scale
            else "not judged"
        ),
        "scale": f"{jobs['records']} jobs; the targets are stated for >= 50,000",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
