"""The Prometheus exporter: scrape latency and the exporter's CPU per poll, vs the interval.

    python -m bench.exporter [--repeat N] [--interval 15s]

On the cluster of ``SLURM_CONF``, in this process (so the poller's CPU is measured with
``thread_time``, C calls into libslurm included):

- a cold poll (every source loaded and converted, every family built),
- a poll with nothing changed (the incremental loads hand back the same snapshots and no
  family is built again; scheduler statistics, limits and fair-share are not incremental
  and are built every time), its CPU also as a share of the poll interval,
- scrape latency over loopback HTTP, idle and while the poller polls back to back.

Targets (issue "exporter"): a scrape < 50 ms; a poll with nothing changed < 5 ms of CPU.
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
from typing import Any

from slurmlib import Cluster
from slurmlib.cli.exporter import parse_interval, uses_slurmdbd
from slurmlib.exporter import Poller, registry_for, serve


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
    report: dict[str, Any] = {
        "state": {
            "nodes": len(nodes),
            "jobs": len(jobs),
            "series": sum(len(f.samples) for f in registry.collect()),
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
        "scrape_idle": summary(idle),
        "scrape_while_polling": summary(busy),
        "targets": {
            "scrape < 50 ms": "PASS" if scrape_median < 50 else "MISS",
            "unchanged poll < 5 ms CPU": "PASS" if unchanged_cpu < 5 else "MISS",
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
