"""``slurmlib nodes``: what is free right now, and where.

    $ slurmlib nodes
    PARTITION  NODES  ALLOC  MIXED  IDLE  DRAIN  DOWN     CPUS A/I/O/T  MEM MiB A/T  GPUS A/I/O/T
    debug*         4      1      2     0      1     0         8/8/8/24   2048/12288       0/0/0/0
    gpu            8      0      0     0      2     6      0/0/192/192    0/1536000     0/0/24/24
    ...

CPU and GPU columns follow sinfo's A/I/O/T: allocated, idle, other (on nodes that are
drained, down or not responding), total. GPUs are counted from the nodes' TRES
(``gres/gpu``), so a job's GPUs count whether it asked with ``--gres``, ``--gpus`` or
``--gpus-per-task``; a second table splits them by GPU type (the nodes' configured GRES,
``sinfo -O Gres,GresUsed``). Three views: per partition (the default), ``--tree``
(partition → active features → state) and per node (``-n NODELIST`` or ``--long``).
CPUs, memory and GPUs held by running jobs that another job may preempt are counted
apart ("preemptable"): they are allocated, yet a job of a preempting QoS or partition
could have them now.

What is counted, and how, is :mod:`slurmlib.cli.node_totals`'s; this module prints it.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..convert import expand_hostlist
from ..records import Job, Partition
from . import keep
from .node_totals import (
    Share,
    Summary,
    feature_matcher,
    node_detail,
    preemption_shares,
    running_jobs_and_shares,
    summarize,
    tree,
)
from .words import age, compress_hostlist, since


def _ratio(*values: int) -> str:
    return "/".join(str(v) for v in values)


def _summary_cells(data: dict[str, Any]) -> list[str]:
    cpus, mem, gpus = data["cpus"], data["memory_mib"], data["gpus"]
    return [
        _ratio(cpus["allocated"], cpus["idle"], cpus["other"], cpus["total"]),
        _ratio(mem["allocated"], mem["total"]),
        _ratio(gpus["allocated"], gpus["idle"], gpus["other"], gpus["total"]),
    ]


def _leaf_dict(summary: Summary, share: Share) -> dict[str, Any]:
    data = summary.to_dict()
    del data["states"]
    data["preemptable"] = share.to_dict()
    return data


def run(args: argparse.Namespace, out: Any) -> int:
    """Run ``slurmlib nodes``: per partition by default, ``--tree``, or node by node
    (``-n``/``--long``); exit 0, or 2 when ``-p`` or ``-n`` names a partition or node that
    the cluster does not have."""
    from .clusters import client

    cluster = client()
    keep(cluster)
    if args.feature:
        feature_matcher(args.feature)  # a bad expression is an error before any load
    partitions = [p for p in cluster.partitions() if not args.partition or p.name in args.partition]
    if args.partition:
        unknown = set(args.partition) - {p.name for p in partitions}
        if unknown:
            out.error(f"no such partition: {', '.join(sorted(unknown))}")
            return 2
    if args.nodes or args.long:
        return _run_detail(args, out, cluster, partitions)
    shares = preemption_shares(cluster)
    if args.tree:
        return _run_tree(args, out, cluster, partitions, shares)
    defaults = {p.name for p in partitions if p.default}
    nodes = cluster.nodes()
    summaries = summarize(nodes, partitions, args.feature)
    matches = feature_matcher(args.feature) if args.feature else None
    wanted = {n.name for n in nodes if matches is None or matches(n.active_features)}
    preempt: dict[str, Share] = {}
    for part in partitions:
        total = Share()
        for name in part.node_names:
            if name in shares and name in wanted:
                total.add(shares[name])
        preempt[part.name] = total
    if args.json:
        out.json(
            {
                "partitions": {
                    name: {**s.to_dict(), "preemptable": preempt[name].to_dict()}
                    for name, s in summaries.items()
                }
            }
        )
        return 0
    rows = []
    for name, s in summaries.items():
        data = s.to_dict()
        rows.append(
            [
                name + ("*" if name in defaults else ""),
                str(s.nodes),
                *(str(data["states"][c]) for c in ("allocated", "mixed", "idle")),
                str(data["states"]["drained"] + data["states"]["draining"]),
                str(data["states"]["down"]),
                *_summary_cells(data),
            ]
        )
    out.table(
        [
            "PARTITION",
            "NODES",
            "ALLOC",
            "MIXED",
            "IDLE",
            "DRAIN",
            "DOWN",
            "CPUS A/I/O/T",
            "MEM MiB A/T",
            "GPUS A/I/O/T",
        ],
        rows,
    )
    typed = [
        [name, _gpu_type_label(key), _ratio(c["allocated"], c["idle"], c["other"], c["total"])]
        for name, s in summaries.items()
        for key, c in s.to_dict()["gpus"]["by_type"].items()
    ]
    if typed:
        out.stream.write("\nGPUs by type:\n")
        out.table(["PARTITION", "TYPE", "GPUS A/I/O/T"], typed)
    held = [(name, share) for name, share in preempt.items() if share.jobs]
    if held:
        out.stream.write("\nPreemptable (allocated to jobs that others may preempt):\n")
        out.table(
            ["PARTITION", "JOBS", "CPUS", "MEM MiB", "GPUS"],
            [[name, str(len(s.jobs)), str(s.cpus), str(s.memory), str(s.gpus)] for name, s in held],
        )
    return 0


def _run_tree(
    args: argparse.Namespace,
    out: Any,
    cluster: Any,
    partitions: list[Partition],
    shares: dict[str, Share],
) -> int:
    grown = tree(cluster.nodes(), partitions, shares, args.feature)
    if args.json:
        out.json(
            {
                "tree": {
                    part: {
                        features: {
                            state: _leaf_dict(summary, share)
                            for state, (summary, share) in states.items()
                        }
                        for features, states in branches.items()
                    }
                    for part, branches in grown.items()
                }
            }
        )
        return 0
    defaults = {p.name for p in partitions if p.default}
    rows: list[list[str]] = []

    def row(label: str, summary: Summary, share: Share) -> list[str]:
        data = summary.to_dict()
        return [label, str(summary.nodes), *_summary_cells(data), str(share.cpus)]

    for part, branches in grown.items():
        part_summary, part_share = Summary(), Share()
        branch_rows: list[list[str]] = []
        for features, states in branches.items():
            branch_summary, branch_share = Summary(), Share()
            leaf_rows = []
            for state, (summary, share) in states.items():
                leaf_rows.append(row(f"    {state}", summary, share))
                branch_summary.merge(summary)
                branch_share.add(share)
            branch_rows.append(row(f"  {features}", branch_summary, branch_share))
            branch_rows += leaf_rows
            part_summary.merge(branch_summary)
            part_share.add(branch_share)
        rows.append(row(part + ("*" if part in defaults else ""), part_summary, part_share))
        rows += branch_rows
    out.table(
        [
            "PARTITION / FEATURES / STATE",
            "NODES",
            "CPUS A/I/O/T",
            "MEM MiB A/T",
            "GPUS A/I/O/T",
            "PREEMPTABLE CPUS",
        ],
        rows,
    )
    return 0


def _gpu_type_label(key: str) -> str:
    """``"gpu:a100"`` → ``"a100"``; GPUs of no type are ``"(untyped)"``."""
    return key.split(":", 1)[1] if ":" in key else "(untyped)"


def _gpu_types_cell(by_type: dict[str, dict[str, int]]) -> str:
    return ",".join(
        f"{_gpu_type_label(key)}:{_ratio(c['allocated'], c['total'])}" for key, c in by_type.items()
    )


def _run_detail(
    args: argparse.Namespace, out: Any, cluster: Any, partitions: list[Partition]
) -> int:
    nodes = cluster.nodes()
    if args.nodes:
        wanted = expand_hostlist(args.nodes)
        known = {n.name for n in nodes}
        unknown = [name for name in wanted if name not in known]
        if unknown:
            out.error(f"no such node: {compress_hostlist(unknown)}")
            return 2
        chosen = set(wanted)
    else:
        chosen = {n.name for n in nodes}
    if args.partition:
        chosen &= {name for p in partitions for name in p.node_names}
    if args.feature:
        matches = feature_matcher(args.feature)
        chosen &= {n.name for n in nodes if matches(n.active_features)}
    running, shares = running_jobs_and_shares(cluster)
    jobs_on: dict[str, list[Job]] = {}
    for job in running:
        for name in job.node_names:
            jobs_on.setdefault(name, []).append(job)
    records = [
        node_detail(n, jobs_on.get(n.name, []), shares.get(n.name))
        for n in nodes
        if n.name in chosen
    ]
    if args.json:
        out.json({"nodes": records})
        return 0
    rows = []
    for r in records:
        reason = ""
        if r["reason"]:
            who = f" [{r['reason_user']}" if r["reason_user"] else " ["
            when = age(since(nodes.by_key[r["name"]].reason_time))
            reason = f"{r['reason']}{who}, {when}]"
        load = "-" if r["cpu_load"] is None else f"{r['cpu_load']:.2f}"
        free = r["memory_mib"]["free"]
        rows.append(
            [
                r["name"],
                nodes.by_key[r["name"]].state_text,
                ",".join(r["partitions"]),
                _ratio(r["cpus"]["allocated"], r["cpus"]["total"]),
                load,
                _ratio(r["memory_mib"]["allocated"], r["memory_mib"]["total"]),
                "-" if free is None else str(free),
                _ratio(r["gpus"]["allocated"], r["gpus"]["total"]),
                _gpu_types_cell(r["gpus"]["by_type"]),
                ",".join(r["active_features"]),
                ",".join(map(str, r["jobs"])),
                str(r["preemptable"]["cpus"]) if r["preemptable"]["jobs"] else "",
                reason,
            ]
        )
    out.table(
        [
            "NODE",
            "STATE",
            "PARTITIONS",
            "CPUS A/T",
            "LOAD",
            "MEM MiB A/T",
            "FREE MiB",
            "GPUS A/T",
            "GPU TYPES A/T",
            "FEATURES",
            "JOBS",
            "PREEMPT CPUS",
            "REASON",
        ],
        rows,
    )
    return 0


def add_parser(sub: Any, summary: str) -> None:
    """Add the ``nodes`` subcommand and its options to the ``slurmlib`` subparsers ``sub``."""
    parser = sub.add_parser(
        "nodes",
        help=summary,
        description=(
            "Nodes, CPUs, memory and GPUs by state, per partition; --tree splits each "
            "partition by active features and state; -n/--long list single nodes. "
            "Capacity held by preemptable jobs is shown apart."
        ),
        epilog=(
            "example: slurmlib nodes -p debug --feature 'intel&ib' --json\n"
            "         slurmlib nodes --tree\n"
            "         slurmlib nodes -n 'node[1-2]'"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-p", "--partition", action="append", help="only this partition")
    parser.add_argument("--feature", help="only nodes with these active features (a&b, a|b)")
    view = parser.add_mutually_exclusive_group()
    view.add_argument("--tree", action="store_true", help="partition → active features → state")
    view.add_argument("-n", "--nodes", metavar="NODELIST", help="these nodes, one line each")
    view.add_argument("-l", "--long", action="store_true", help="every node, one line each")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(runner=run)
