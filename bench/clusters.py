"""What addressing a named cluster costs: ``python -m bench.clusters [--cluster NAME]``.

On the cluster of ``SLURM_CONF`` and a second cluster of the same slurmdbd (the test
cluster's ``other``): the unchanged incremental ``nodes()`` poll (a no-change RPC, the
same small answer on any cluster) of the default client, of a client of the named
cluster, and of both in turn (every call switches ``working_cluster_rec``), plus the
switch itself without an RPC. Medians of N calls, in microseconds. Nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from slurmlib import Cluster, _working
from slurmlib.native import lib


def _median_us(call: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", default="other")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    local, named = Cluster(), Cluster(cluster=args.cluster)
    local.nodes()
    named.nodes()

    def both() -> None:
        local.nodes()
        named.nodes()

    target = named._target

    def switch() -> None:
        with _working.room(target):
            pass

    results = {
        "default_unchanged_nodes_us": _median_us(local.nodes, args.runs),
        "named_unchanged_nodes_us": _median_us(named.nodes, args.runs),
        "alternating_pair_us": _median_us(both, args.runs),
        "room_enter_exit_us": _median_us(switch, args.runs * 10),
        "lookup_ms": _median_us(lambda: lib.slurm_list_destroy(_working._info(args.cluster)), 10)
        / 1000,
    }
    results["named_over_default_us"] = (
        results["named_unchanged_nodes_us"] - results["default_unchanged_nodes_us"]
    )
    print(json.dumps({k: round(v, 1) for k, v in results.items()}, indent=2))


if __name__ == "__main__":
    main()
