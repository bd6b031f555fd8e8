"""Whole-snapshot outputs against the snapshot's own load, on one large queue.

    python -m bench.outputs [--jobs N] [--runs R] [--keep] [--json FILE]

Measures the queue as it is (``make bench``: the scale state's 50,000 pending jobs); with
``--jobs N``, first tops the queue up with held jobs of its own until it has N of them
(through ``Cluster.submit``; one CPU, a one-line script, left pending by the hold, so each
is a record of its own). Then times, R times each in this process:

- the load: ``cluster.forget()`` then ``cluster.jobs()`` (the RPC, the copy out of C and
  the records), the reference of every ratio;
- ``snapshot.to_dicts()``, ``snapshot.to_json()``, ``snapshot.to_arrow()``;
- for comparison, ``[r.to_dict() for r in snapshot]`` and ``json.dumps`` of ``to_dicts()``.

Prints medians and the ratios to the load as JSON. Targets (issue 18): to_dicts <= 1x the
load, to_json <= 0.5x, to_arrow <= 0.5x. The jobs it submitted are cancelled afterwards
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from slurmlib import Cluster, JobSpec, JobState

NAME = "bench-outputs"


def submit(cluster: Cluster, count: int) -> list[int]:
    spec = JobSpec(
        script="#!/bin/sh\ntrue\n",
        name=NAME,
        hold=True,
        time_limit=1,
        output="/dev/null",
        work_dir="/tmp",
    )
    return [cluster.submit(spec).job_id for _ in range(count)]


def timed(action: Callable[[], Any], runs: int) -> float:
    """The median of ``runs`` calls, after one untimed (pyarrow's import is not the output's)."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jobs", type=int, default=0, help="held jobs of its own to have in the queue first"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="leave the jobs queued")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    cluster = Cluster()
    queued = [j.job_id for j in cluster.jobs() if j.name == NAME and j.state is JobState.PENDING]
    start = time.perf_counter()
    ours = submit(cluster, max(args.jobs - len(queued), 0))
    submit_seconds = time.perf_counter() - start
    try:
        snapshot = cluster.jobs()

        def load() -> None:
            cluster.forget()
            cluster.jobs()

        figures = {
            "load": timed(load, args.runs),
            "to_dicts": timed(snapshot.to_dicts, args.runs),
            "to_json": timed(snapshot.to_json, args.runs),
            "to_dict_each": timed(lambda: [r.to_dict() for r in snapshot], args.runs),
            "json_dumps_of_to_dicts": timed(
                lambda: json.dumps(snapshot.to_dicts(), separators=(",", ":")), args.runs
            ),
        }
        with contextlib.suppress(ImportError):  # without the arrow extra
            figures["to_arrow"] = timed(snapshot.to_arrow, args.runs)
        result = {
            "jobs": len(snapshot),
            "fields": len(snapshot[0].to_dict()),
            "runs": args.runs,
            "submitted_seconds": round(submit_seconds, 1),
            "json_megabytes": round(len(snapshot.to_json()) / 2**20, 1),
            "seconds": {k: round(v, 4) for k, v in figures.items()},
            "ratio_to_load": {
                k: round(v / figures["load"], 2) for k, v in figures.items() if k != "load"
            },
            "to_dict_microseconds_per_job": round(figures["to_dict_each"] / len(snapshot) * 1e6, 2),
        }
    finally:
        if not args.keep:
            for job_id in ours:
                cluster.cancel(job_id)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as out:
            out.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
