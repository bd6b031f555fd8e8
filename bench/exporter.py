"""The Prometheus exporter: scrape latency and the exporter's CPU per poll, vs the interval.

    python -m bench.exporter [--repeat N] [--interval 15s]

On the cluster of ``SLURM_CONF``, in this process (so the poller's CPU is measured with
``thread_time``, C calls into libslurm included):

- a cold poll (every source loaded and converted, every family built),
- a poll with nothing changed (the incremental loads hand back the same snapshots and no
  family is built again; scheduler statistics, limits and fair-share are not incremental
  and are built every time), its CPU also as a share of the poll interval,
- scrape latency over loopback HTTP, idle and while the poller polls back to back.

- the finished-job counters' read from slurmdbd: CPU of a poll when nothing ended; wall
  and CPU of a poll whose cursor is set just before the end times of the 10,000 jobs that
  ended last (10,000 newly ended jobs, median of 5 fresh counters), when the state has that
  many; and of the first poll over every job in accounting.
- with several clusters in slurmdbd (``--clusters all``): one poller per cluster, the CPU
  of each one's unchanged poll and the scrape of the one registry serving them all.

Targets (issue "exporter"): a scrape < 50 ms; a poll with nothing changed < 5 ms of CPU;
a finished-jobs poll <= 5 ms of CPU when nothing ended, <= 1 s (wall, and CPU) for 10,000
newly ended jobs (reported when the state has that many); with several clusters, a scrape
<= 50 ms and an unchanged poll <= 5 ms of CPU per cluster.
Medians of N runs (scrapes: also the 95th percentile and the maximum).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from typing import Any

from slurmlib import Cluster, db
from slurmlib.cli.exporter import parse_interval, uses_slurmdbd
from slurmlib.exporter import FinishedJobs, Poller, registry_for, serve
from slurmlib.exporter.finished import ENDED_STATES


def poll_costs(poller: Poller, repeat: int) -> tuple[list[float], list[float], list[float]]:
    """Milliseconds of ``repeat`` polls: wall and CPU of those that found nothing changed,
    and CPU of those that did (an incremental source handed back a new snapshot: the
    cluster changed under the benchmark)."""
    walls, cpus, changed_cpus = [], [], []
    incremental = ("nodes", "jobs", "licenses")
    for _ in range(repeat):
        before = {name: poller.state.sources[name].built for name in incremental}
        state = poller.poll()
        assert state.duration is not None and state.cpu is not None
        if any(state.sources[n].built is not before[n] for n in incremental):
            changed_cpus.append(state.cpu * 1000)
        else:
            walls.append(state.duration * 1000)
            cpus.append(state.cpu * 1000)
    return walls, cpus, changed_cpus


NEWLY_ENDED = 10_000  # the jobs of the "newly ended" target


def newly_ended_costs(database: db.Database, runs: int) -> dict[str, Any] | None:
    """A finished-jobs poll over the ``NEWLY_ENDED`` jobs that ended last: its cursor is the
    end time of the ``NEWLY_ENDED``-th newest ended job, so that poll reads (and counts)
    those jobs and the few that ended in the same second. Median wall and CPU milliseconds
    of ``runs`` fresh counters (None: accounting holds fewer ended jobs)."""
    ended = sorted(
        (
            int(job.end_time.timestamp())
            for job in database.jobs(
                # With states, a window without an end would end at its start (as sacct's).
                start=datetime(2000, 1, 1, tzinfo=UTC),
                end=datetime.now(UTC),
                states=ENDED_STATES,
                with_steps=False,
            )
            if job.end_time is not None
        ),
        reverse=True,
    )
    if len(ended) < NEWLY_ENDED:
        return None
    since = datetime.fromtimestamp(ended[NEWLY_ENDED - 1], UTC)
    walls, cpus, counted = [], [], []
    for _ in range(runs):
        counter = FinishedJobs(since=since)
        cpu, wall = time.thread_time(), time.perf_counter()
        reading = counter.poll(database)
        cpus.append((time.thread_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
        counted.append(reading.counted)
    return {
        "cursor": since.isoformat(),
        "jobs": min(counted),
        "runs": runs,
        "wall_ms": round(statistics.median(walls), 1),
        "wall_max_ms": round(max(walls), 1),
        "cpu_ms": round(statistics.median(cpus), 1),
        "cpu_max_ms": round(max(cpus), 1),
    }


def finished_costs(repeat: int) -> dict[str, Any]:
    """Milliseconds of finished-job polls: CPU when nothing ended (median of ``repeat``),
    wall and CPU over 10,000 newly ended jobs (see ``newly_ended_costs``), and CPU of the
    first poll over all of accounting (every job newly ended for it)."""
    with db.connect() as database:
        idle = FinishedJobs()
        idle.poll(database)  # the connection's first query pays for its set-up
        cpus = []
        for _ in range(repeat):
            cpu = time.thread_time()
            reading = idle.poll(database)
            if reading.counted == 0:
                cpus.append((time.thread_time() - cpu) * 1000)
        ten_thousand = newly_ended_costs(database, min(5, repeat))
        everything = FinishedJobs(since=datetime(2000, 1, 1, tzinfo=UTC))
        cpu, wall = time.thread_time(), time.perf_counter()
        reading = everything.poll(database)
        cold_cpu = (time.thread_time() - cpu) * 1000
        cold_wall = (time.perf_counter() - wall) * 1000
    jobs = reading.counted
    return {
        "nothing_ended_cpu_ms": round(statistics.median(cpus), 2) if cpus else None,
        "newly_ended_10000": ten_thousand,
        "newly_ended": {
            "jobs": jobs,
            "cpu_ms": round(cold_cpu, 1),
            "wall_ms": round(cold_wall, 1),
            "cpu_us_per_job": round(cold_cpu * 1000 / jobs, 1) if jobs else None,
        },
    }


def several_clusters(interval: float, repeat: int) -> dict[str, Any] | None:
    """Every cluster slurmdbd knows a controller of, each polled by its own poller as
    ``slurmlib exporter --clusters all`` polls them (None: there is only one)."""
    names = [known.name for known in Cluster.known_clusters()]
    if len(names) < 2:
        return None
    pollers = []
    for name in names:
        client = Cluster(cluster=name)
        pollers.append(
            Poller(
                client,
                interval,
                probe_dbd=uses_slurmdbd(client),
                slow_every=60.0,
                cluster_label=True,
                name=name,
            )
        )
    per_cluster: dict[str, Any] = {}
    for name, poller in zip(names, pollers, strict=True):
        if not poller.poll().up:
            per_cluster[name] = "controller down"
            continue
        _, cpus, _ = poll_costs(poller, repeat)
        per_cluster[name] = {
            "unchanged_poll_cpu_ms": round(statistics.median(cpus), 2) if cpus else None,
            "polls": len(cpus),
        }
    registry = registry_for(*pollers)
    server = serve(registry, "127.0.0.1", 0)
    host, port = server.server_address[:2]
    url = f"http://{host!s}:{port}/metrics"
    scrape_ms(url, 1)
    scrapes = scrape_ms(url, repeat)
    server.shutdown()
    cpus_ok = all(
        isinstance(c, dict) and c["unchanged_poll_cpu_ms"] is not None
        and c["unchanged_poll_cpu_ms"] <= 5
        for c in per_cluster.values()
    )  # fmt: skip
    return {
        "clusters": per_cluster,
        "series": sum(len(f.samples) for f in registry.collect()),
        "scrape": summary(scrapes),
        "targets": {
            f"{len(names)}-cluster scrape <= 50 ms": (
                "PASS" if statistics.median(scrapes) <= 50 else "MISS"
            ),
            "unchanged poll <= 5 ms CPU per cluster": "PASS" if cpus_ok else "MISS",
        },
    }


def scrape_ms(url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--interval", default="15s", help="the poll interval to compare with")
    args = parser.parse_args()
    interval = parse_interval(args.interval)

    cluster = Cluster()
    # As `slurmlib exporter` runs by default: slurmdbd probed when accounting uses it,
    # limits and fair-share loaded once a minute.
    poller = Poller(cluster, interval, probe_dbd=uses_slurmdbd(cluster), slow_every=60.0)
    start = time.perf_counter()
    cpu = time.thread_time()
    state = poller.poll()
    cold = {
        "wall_ms": round((time.perf_counter() - start) * 1000, 1),
        "cpu_ms": round((time.thread_time() - cpu) * 1000, 1),
    }
    if not state.up:
        print("the controller does not answer: nothing to measure", file=sys.stderr)
        return 1
    nodes = state.sources["nodes"].inputs[0]
    jobs = state.sources["jobs"].inputs[0]
    walls, cpus, changed = poll_costs(poller, args.repeat)
    if not cpus:
        print("every poll saw a change: the cluster is too busy to measure", file=sys.stderr)
        return 1
    unchanged_cpu = statistics.median(cpus)

    registry = registry_for(poller)
    server = serve(registry, "127.0.0.1", 0)
    host, port = server.server_address[:2]
    url = f"http://{host!s}:{port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
    idle = scrape_ms(url, args.repeat)

    # The same scrapes while a poller thread polls back to back (one poll after another).
    stop = threading.Event()

    def keep_polling() -> None:
        while not stop.is_set():
            poller.poll()

    busy_poller = threading.Thread(target=keep_polling, daemon=True)
    busy_poller.start()
    busy = scrape_ms(url, args.repeat)
    stop.set()
    busy_poller.join()
    server.shutdown()

    scrape_median = statistics.median(idle + busy)
    series = sum(len(f.samples) for f in registry.collect())
    finished = finished_costs(args.repeat) if uses_slurmdbd(cluster) else None
    finished_targets: dict[str, str] = {}
    if finished is not None:
        quiet = finished["nothing_ended_cpu_ms"]
        finished_targets["finished-jobs poll, nothing ended <= 5 ms CPU"] = (
            "PASS" if quiet is not None and quiet <= 5 else "MISS"
        )
        ten = finished["newly_ended_10000"]
        for what in ("wall", "cpu"):
            finished_targets[f"finished-jobs poll, 10,000 newly ended <= 1 s {what}"] = (
                ("PASS" if ten[f"{what}_ms"] <= 1000 else "MISS")
                if ten is not None
                else f"n/a ({finished['newly_ended']['jobs']} jobs in accounting)"
            )
    report: dict[str, Any] = {
        "state": {
            "nodes": len(nodes),
            "jobs": len(jobs),
            "series": series,
            "scrape_bytes": len(body),
        },
        "cold_poll": cold,
        "unchanged_poll": {
            "wall_ms": round(statistics.median(walls), 2),
            "cpu_ms": round(unchanged_cpu, 2),
            "cpu_max_ms": round(max(cpus), 2),
            "cpu_share_of_interval": f"{unchanged_cpu / 1000 / interval:.4%}",
            "polls": len(cpus),
        },
        "changed_poll": {
            "polls": len(changed),
            "cpu_ms": round(statistics.median(changed), 2) if changed else None,
        },
        "finished_jobs_poll": finished,
        "several_clusters": several_clusters(interval, args.repeat),
        "scrape_median_ms": round(scrape_median, 2),
        "scrape_idle": summary(idle),
        "scrape_while_polling": summary(busy),
        "targets": {
            "scrape < 50 ms": "PASS" if scrape_median < 50 else "MISS",
            "unchanged poll < 5 ms CPU": "PASS" if unchanged_cpu < 5 else "MISS",
            "series >= 5,000": "yes" if series >= 5000 else f"no ({series}: a small state)",
            **finished_targets,
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
