"""One slurmlib (or bare libslurm) action, timed inside a fresh process.

    python -m bench.probe ACTION [REPEAT]

Prints ``{"seconds": median seconds of the action, "records": n}``. Set-up (imports,
``slurm_init``) is not timed: the figure is what the action costs a running program. With
REPEAT > 1 (the polls, a few milliseconds each) the median of that many calls in a row.

Actions: ``baseline`` (set-up only, for the memory of an idle process), ``rpc-jobs``,
``rpc-nodes``, ``rpc-partitions`` (load + free, no conversion: the floor),
``snapshot-jobs``, ``snapshot-nodes``, ``snapshot-partitions`` (slurmlib, everything
converted), ``rpc-nochange-jobs``/``-nodes`` (the bare load answered "no change"),
``poll-jobs``/``poll-nodes`` (slurmlib's unchanged incremental load, timed in turn with
the bare one, see :func:`paired_polls`), ``limits``,
``db-jobs`` (accounting records through ``slurmlib.db``; ``BENCH_DB_DAYS`` back).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slurmlib import Cluster, native
from slurmlib.native import ffi, lib

SHOW_ALL = int(lib.SHOW_ALL)
SHOW_DETAIL = int(lib.SHOW_DETAIL)
NO_CHANGE = int(lib.SLURM_NO_CHANGE_IN_DATA)

_BARE = {
    "jobs": (
        "job_info_msg_t",
        lambda t, o: lib.slurm_load_jobs(t, o, SHOW_ALL),
        lib.slurm_free_job_info_msg,
    ),
    "nodes": (
        "node_info_msg_t",
        lambda t, o: lib.slurm_load_node(t, o, SHOW_ALL | SHOW_DETAIL),
        lib.slurm_free_node_info_msg,
    ),
    "partitions": (
        "partition_info_msg_t",
        lambda t, o: lib.slurm_load_partitions(t, o, SHOW_ALL),
        lib.slurm_free_partition_info_msg,
    ),
}


def bare_load(kind: str, update_time: int = 0) -> tuple[int | None, int]:
    """(records, last_update) of one load + free; (None, update_time) on "no change"."""
    ctype, call, free = _BARE[kind]
    out = ffi.new(ctype + " **")
    rc = call(update_time, out)
    if rc != 0:
        code = rc if rc > 0 else ffi.errno
        if code == NO_CHANGE:
            if out[0] != ffi.NULL:
                free(out[0])
            return None, update_time
        native.check(rc, f"loading {kind}")
    msg = out[0]
    count, last = int(msg.record_count), int(msg.last_update)
    free(msg)
    return count, last


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


QUIET_WAIT = 15.0
"""Seconds a poll measurement goes on for while no pair has been answered "no change"."""


def paired_polls(cluster: Cluster, kind: str, repeat: int) -> dict[str, Any]:
    """slurmlib's unchanged poll and the bare no-change load, taken call by call in turn.

    Both are a millisecond or a few and both are mostly the controller's answer, which
    is slower while a backfill cycle of a large queue runs and jitters by more than the
    0.1 ms the target allows: taken in turn, the two see the controller alike, and the
    median of the differences of the pairs is slurmlib's own cost. Which of the two goes
    first alternates, so that neither gains from following the other. A pair counts only
    when both calls were answered "no change": on a site-sized state node records change
    every few seconds (pings, not-responding flags), and a pair in which either call
    fetched data measures a full load, not a poll.
    """
    load = getattr(cluster, kind)
    previous = first = load()
    _, last = bare_load(kind)
    # (wall seconds, CPU seconds of this process, answered "no change")
    polls: list[tuple[float, float, bool]] = []
    bares: list[tuple[float, float, bool]] = []

    def poll() -> None:
        nonlocal previous
        start, cpu = time.perf_counter(), time.process_time()
        again = load()
        polls.append((time.perf_counter() - start, time.process_time() - cpu, again is previous))
        previous = again

    def bare() -> None:
        nonlocal last
        start, cpu = time.perf_counter(), time.process_time()
        records, last = bare_load(kind, last)  # follows a change, as slurmlib's cache does
        bares.append((time.perf_counter() - start, time.process_time() - cpu, records is None))

    # Pairs until `repeat` of them were answered "no change" (or ten times as many were
    # taken): while jobs start and end, most loads fetch data, and a run with no unchanged
    # pair would measure nothing; with none yet, pairs go on for up to QUIET_WAIT seconds
    # (a burst of changes, jobs of an earlier run still ending, settles within that).
    unchanged: list[tuple[tuple[float, float, bool], tuple[float, float, bool]]] = []
    i = 0
    deadline = time.monotonic() + QUIET_WAIT
    while len(unchanged) < repeat and (
        i < 10 * repeat or (not unchanged and time.monotonic() < deadline)
    ):
        for step in (poll, bare) if i % 2 == 0 else (bare, poll):
            step()
        if polls[-1][2] and bares[-1][2]:
            unchanged.append((polls[-1], bares[-1]))
        i += 1
    every = list(zip(polls, bares, strict=True))
    return {
        "poll_seconds": statistics.median(p[0] for p, _ in unchanged or every),
        "bare_seconds": statistics.median(b[0] for _, b in unchanged or every),
        "differences": [p[0] - b[0] for p, b in unchanged],
        # This process's own CPU time: the controller's share of a poll, and its jitter,
        # are not in it, so it shows what the client side of each call costs.
        "cpu_differences": [p[1] - b[1] for p, b in unchanged],
        "pairs": len(polls),
        "unchanged_pairs": len(unchanged),
        "records": len(first),
    }


def no_change_loads(kind: str, repeat: int) -> float:
    """The median of ``repeat`` bare loads answered "no change" (a load that fetched
    data, because the records changed meanwhile, is not counted)."""
    _, last = bare_load(kind)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        records, last = bare_load(kind, last)
        if records is None:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(action: str, repeat: int) -> dict[str, Any]:
    native.init()
    cluster = Cluster()
    kind = action.rsplit("-", 1)[-1]
    if action == "baseline":
        return {"seconds": 0.0, "records": None}
    if action.startswith("rpc-nochange-"):
        return {"seconds": no_change_loads(kind, repeat), "records": 0}
    if action.startswith("rpc-"):
        seconds, (count, _) = timed(lambda: bare_load(kind), repeat)
        return {"seconds": seconds, "records": count}
    if action.startswith("snapshot-"):
        load = getattr(cluster, kind)
        seconds, snapshot = timed(lambda: (cluster.forget(), load())[1], repeat)
        return {"seconds": seconds, "records": len(snapshot)}
    if action.startswith("poll-"):
        pairs = paired_polls(cluster, kind, repeat)
        return {
            "seconds": pairs["poll_seconds"],
            "records": pairs["records"],
            "paired_bare_seconds": pairs["bare_seconds"],
            # Every difference, not their median: the bench pools the pairs of all runs.
            "paired_differences_seconds": pairs["differences"],
            "paired_cpu_differences_seconds": pairs["cpu_differences"],
            "paired_pairs": pairs["pairs"],
            "paired_unchanged_pairs": pairs["unchanged_pairs"],
        }
    if action == "memory-jobs":
        # What the records of a snapshot hold in Python objects, strings and caches
        # included, measured apart: tracemalloc slows every allocation down.
        import tracemalloc

        cluster.nodes()  # modules and per-process caches loaded first
        tracemalloc.start()
        jobs = cluster.jobs()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "seconds": 0.0,
            "records": len(jobs),
            "python_bytes_per_record": held / max(len(jobs), 1),
            "peak_python_bytes_per_record": peak / max(len(jobs), 1),
        }
    if action == "limits":
        seconds, limits = timed(cluster.limits, repeat)
        return {"seconds": seconds, "records": len(limits.associations) + len(limits.qos)}
    if action == "db-jobs":
        from slurmlib import db

        days = float(os.environ.get("BENCH_DB_DAYS", "70"))
        start = datetime.now(UTC) - timedelta(days=days)
        with db.connect() as conn:
            seconds, jobs = timed(lambda: conn.jobs(start=start, with_steps=False), repeat)
        return {"seconds": seconds, "records": len(jobs)}
    raise SystemExit(f"probe: unknown action {action!r}")


if __name__ == "__main__":
    result = main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    print(json.dumps(result))
