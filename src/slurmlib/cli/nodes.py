"""``slurmlib nodes``: what is free right now, and where.

    $ slurmlib nodes
    PARTITION  NODES  ALLOC  MIXED  IDLE  DRAIN  DOWN  CPUS A/I/O/T  MEM MiB A/T  GPUS A/I/T
    debug*         4      1      2     0      1     0      6/10/8/24   1536/12288       0/0/0
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
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..capacity import STATE_WORDS, is_unavailable, state_word
from ..convert import expand_hostlist
from ..records import Job, Node, Partition, Snapshot
from ..states import JobState
from . import keep, preemption
from .words import age, compress_hostlist, iso, since


def feature_matcher(expression: str) -> Any:
    """``a&b``, ``a|b`` (``&`` binds tighter), as Slurm's --constraint writes them."""
    if not re.fullmatch(r"[\w.\-]+([&|][\w.\-]+)*", expression):
        raise ValueError(f"not a feature expression: {expression!r} (use a&b, a|b)")
    alternatives = [set(part.split("&")) for part in expression.split("|")]
    return lambda features: any(alt <= set(features) for alt in alternatives)


@dataclass
class Summary:
    """Capacity of a set of nodes, by state."""

    nodes: int = 0
    states: Counter[str] = field(default_factory=Counter)
    cpus_allocated: int = 0
    cpus_idle: int = 0
    cpus_other: int = 0
    memory_total: int = 0
    memory_allocated: int = 0
    gpus_total: int = 0
    gpus_allocated: int = 0
    gpus_unavailable: int = 0
    gpu_types: dict[str, list[int]] = field(default_factory=dict)
    """GPU type (``"gpu:a100"``, ``"gpu"`` untyped) → [total, allocated, other]."""

    def add(self, node: Node) -> None:
        self.nodes += 1
        self.states[state_word(node)] += 1
        free = max(node.cpus - node.alloc_cpus, 0)
        self.cpus_allocated += node.alloc_cpus
        if is_unavailable(node):
            self.cpus_other += free
        else:
            self.cpus_idle += free
        self.memory_total += node.real_memory
        self.memory_allocated += node.alloc_memory
        gpus, used = node.gpus, node.gpus_allocated
        self.gpus_total += gpus
        self.gpus_allocated += used
        if is_unavailable(node):
            self.gpus_unavailable += gpus - used
        for key, total in node.gres_total.items():
            if key != "gpu" and not key.startswith("gpu:"):
                continue
            in_use = node.gres_in_use.get(key, 0)
            counts = self.gpu_types.setdefault(key, [0, 0, 0])
            counts[0] += total
            counts[1] += in_use
            if is_unavailable(node):
                counts[2] += total - in_use

    @property
    def cpus_total(self) -> int:
        return self.cpus_allocated + self.cpus_idle + self.cpus_other

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "states": {name: self.states.get(name, 0) for name in STATE_WORDS},
            "cpus": {
                "allocated": self.cpus_allocated,
                "idle": self.cpus_idle,
                "other": self.cpus_other,
                "total": self.cpus_total,
            },
            "memory_mib": {
                "allocated": self.memory_allocated,
                "total": self.memory_total,
            },
            "gpus": {
                "allocated": self.gpus_allocated,
                "idle": self.gpus_total - self.gpus_allocated - self.gpus_unavailable,
                "other": self.gpus_unavailable,
                "total": self.gpus_total,
                "by_type": {
                    key: {
                        "allocated": used,
                        "idle": total - used - other,
                        "other": other,
                        "total": total,
                    }
                    for key, (total, used, other) in sorted(self.gpu_types.items())
                },
            },
        }


def summarize(
    nodes: Snapshot[Node], partitions: Iterable[Partition], feature: str | None = None
) -> dict[str, Summary]:
    """Per partition (in the controller's order), the summary of its nodes."""
    matches = feature_matcher(feature) if feature else None
    result: dict[str, Summary] = {}
    for part in partitions:
        summary = Summary()
        for name in part.node_names:
            node = nodes.get(name)
            if node is not None and (matches is None or matches(node.active_features)):
                summary.add(node)
        result[part.name] = summary
    return result


@dataclass
class Share:
    """Capacity that preemptable jobs hold on one node (or a set of nodes)."""

    jobs: set[int] = field(default_factory=set)
    cpus: int = 0
    memory: int = 0
    gpus: int = 0

    def add(self, other: Share) -> None:
        self.jobs |= other.jobs
        self.cpus += other.cpus
        self.memory += other.memory
        self.gpus += other.gpus

    def to_dict(self) -> dict[str, Any]:
        return {
            "jobs": len(self.jobs),
            "cpus": self.cpus,
            "memory_mib": self.memory,
            "gpus": self.gpus,
        }


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split over ``parts`` as evenly as integers allow (the sum stays exact)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def preemptable_by_node(jobs: Iterable[Job]) -> dict[str, Share]:
    """What preemptable jobs hold on each node. A job's allocation is spread evenly over
    its nodes (Slurm's job record has the totals, not the per-node split)."""
    shares: dict[str, Share] = {}
    for job in jobs:
        names = job.node_names
        if not names:
            continue
        tres = job.tres_allocated
        cpus = _spread(tres.get("cpu", job.num_cpus or 0), len(names))
        memory = _spread(tres.get("mem", 0), len(names))
        gpus = _spread(tres.get("gres/gpu", 0), len(names))
        for i, name in enumerate(names):
            share = shares.setdefault(name, Share())
            share.add(Share({job.job_id}, cpus[i], memory[i], gpus[i]))
    return shares


def _ratio(*values: int) -> str:
    return "/".join(str(v) for v in values)


def _summary_cells(data: dict[str, Any]) -> list[str]:
    cpus, mem, gpus = data["cpus"], data["memory_mib"], data["gpus"]
    return [
        _ratio(cpus["allocated"], cpus["idle"], cpus["other"], cpus["total"]),
        _ratio(mem["allocated"], mem["total"]),
        _ratio(gpus["allocated"], gpus["idle"], gpus["other"], gpus["total"]),
    ]


def _feature_key(node: Node) -> str:
    return ",".join(sorted(node.active_features)) or "(no features)"


def tree(
    nodes: Snapshot[Node],
    partitions: Iterable[Partition],
    shares: dict[str, Share],
    feature: str | None = None,
) -> dict[str, dict[str, dict[str, tuple[Summary, Share]]]]:
    """Partition → active feature set → state → (capacity, preemptable part of it)."""
    matches = feature_matcher(feature) if feature else None
    result: dict[str, dict[str, dict[str, tuple[Summary, Share]]]] = {}
    for part in partitions:
        branches: dict[str, dict[str, tuple[Summary, Share]]] = {}
        for name in part.node_names:
            node = nodes.get(name)
            if node is None or (matches is not None and not matches(node.active_features)):
                continue
            leaf = branches.setdefault(_feature_key(node), {}).setdefault(
                state_word(node), (Summary(), Share())
            )
            leaf[0].add(node)
            if name in shares:
                leaf[1].add(shares[name])
        result[part.name] = {
            key: dict(sorted(states.items(), key=lambda kv: STATE_WORDS.index(kv[0])))
            for key, states in sorted(branches.items())
        }
    return result


def _leaf_dict(summary: Summary, share: Share) -> dict[str, Any]:
    data = summary.to_dict()
    del data["states"]
    data["preemptable"] = share.to_dict()
    return data


def node_detail(node: Node, jobs: list[Job], share: Share | None) -> dict[str, Any]:
    """The ``--long`` record of one node (documented keys, see the README)."""
    return {
        "name": node.name,
        "state": state_word(node),
        "state_text": node.state_text,
        "partitions": list(node.partitions),
        "features": list(node.features),
        "active_features": list(node.active_features),
        "cpus": {
            "allocated": node.alloc_cpus,
            "idle": node.idle_cpus,
            "total": node.cpus,
        },
        "cpu_load": node.cpu_load,
        "memory_mib": {
            "allocated": node.alloc_memory,
            "free": node.free_memory,
            "total": node.real_memory,
        },
        "gpus": {
            "allocated": node.gpus_allocated,
            "total": node.gpus,
            "by_type": {
                key: {"allocated": node.gres_in_use.get(key, 0), "total": total}
                for key, total in sorted(node.gres_total.items())
                if key == "gpu" or key.startswith("gpu:")
            },
        },
        "gres": node.gres,
        "reason": node.reason,
        "reason_user": node.reason_user,
        "reason_time": iso(node.reason_time),
        "jobs": sorted(j.job_id for j in jobs),
        "preemptable": (share or Share()).to_dict(),
    }


def _load_jobs_and_shares(cluster: Any, out: Any) -> tuple[list[Job], dict[str, Share]]:
    """Running jobs, and what the preemptable ones hold per node."""
    jobs = [j for j in cluster.jobs() if j.state is JobState.RUNNING]
    rules = preemption.load(cluster)
    return jobs, preemptable_by_node(rules.preemptable(jobs))


def _preemption_shares(cluster: Any) -> dict[str, Share]:
    rules = preemption.load(cluster)
    if not rules.enabled:
        return {}
    return preemptable_by_node(rules.preemptable(cluster.jobs()))


def run(args: argparse.Namespace, out: Any) -> int:
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
    shares = _preemption_shares(cluster)
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
                _merge(branch_summary, summary)
                branch_share.add(share)
            branch_rows.append(row(f"  {features}", branch_summary, branch_share))
            branch_rows += leaf_rows
            _merge(part_summary, branch_summary)
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


def _merge(into: Summary, other: Summary) -> None:
    into.nodes += other.nodes
    into.states.update(other.states)
    into.cpus_allocated += other.cpus_allocated
    into.cpus_idle += other.cpus_idle
    into.cpus_other += other.cpus_other
    into.memory_total += other.memory_total
    into.memory_allocated += other.memory_allocated
    into.gpus_total += other.gpus_total
    into.gpus_allocated += other.gpus_allocated
    into.gpus_unavailable += other.gpus_unavailable
    for key, counts in other.gpu_types.items():
        mine = into.gpu_types.setdefault(key, [0, 0, 0])
        for i, value in enumerate(counts):
            mine[i] += value


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
    running, shares = _load_jobs_and_shares(cluster, out)
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
