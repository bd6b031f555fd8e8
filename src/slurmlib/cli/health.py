"""``slurmlib health``: the cluster at a glance, with an exit status for monitoring.

    $ slurmlib health
    CHECK            STATUS    DETAIL
    controller       OK        localhost (primary) up, 0.4 ms
    nodes drained    WARNING   node4: DIMM errors, ticket 4711 [root, 2d 3h] ...
    ...

Exit status, as monitoring plugins (Nagios, Icinga, cron wrappers) expect it:
0 OK, 1 WARNING (something needs attention: nodes down, drained or not responding, jobs
stuck completing, a scheduler figure over its threshold), 2 CRITICAL (a controller does
not answer), 3 UNKNOWN (the check itself could not run, e.g. no Slurm configuration).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..capacity import state_word
from ..errors import ConfigurationError, SlurmError
from ..records import ControllerPing, Job, Node, RpcStat, Stats
from ..states import NamedIntEnum
from . import keep
from .arguments import count, duration
from .words import age, compress_hostlist, iso, render_table, since

# Slurm's message type numbers are part of its wire protocol and stay fixed across
# releases, but their names live only in a private header: these are the common ones.
RPC_NAMES = {
    1002: "MESSAGE_NODE_REGISTRATION_STATUS",
    1008: "REQUEST_PING",
    1021: "REQUEST_LICENSE_INFO",
    2001: "REQUEST_BUILD_INFO",
    2003: "REQUEST_JOB_INFO",
    2005: "REQUEST_JOB_STEP_INFO",
    2007: "REQUEST_NODE_INFO",
    2009: "REQUEST_PARTITION_INFO",
    2021: "REQUEST_JOB_INFO_SINGLE",
    2022: "REQUEST_SHARE_INFO",
    2024: "REQUEST_RESERVATION_INFO",
    2028: "REQUEST_TOPO_INFO",
    2035: "REQUEST_STATS_INFO",
    2039: "REQUEST_JOB_USER_INFO",
    2040: "REQUEST_NODE_INFO_SINGLE",
    2043: "REQUEST_ASSOC_MGR_INFO",
    2049: "REQUEST_FED_INFO",
    3001: "REQUEST_UPDATE_JOB",
    3002: "REQUEST_UPDATE_NODE",
    3003: "REQUEST_CREATE_PARTITION",
    3004: "REQUEST_DELETE_PARTITION",
    3005: "REQUEST_UPDATE_PARTITION",
    3006: "REQUEST_CREATE_RESERVATION",
    3008: "REQUEST_DELETE_RESERVATION",
    3009: "REQUEST_UPDATE_RESERVATION",
    4003: "REQUEST_SUBMIT_BATCH_JOB",
    4012: "REQUEST_JOB_WILL_RUN",
    4028: "REQUEST_SUBMIT_BATCH_HET_JOB",
    5014: "REQUEST_SUSPEND",
    5018: "REQUEST_COMPLETE_BATCH_SCRIPT",
    5023: "REQUEST_JOB_REQUEUE",
    5032: "REQUEST_KILL_JOB",
    6012: "MESSAGE_EPILOG_COMPLETE",
    10001: "ACCOUNTING_UPDATE_MSG",
    10003: "ACCOUNTING_REGISTER_CTLD",
}


class Status(NamedIntEnum):
    """A check's outcome; its value is the exit status (the monitoring-plugin convention)."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


STYLES = {
    Status.OK: "green",
    Status.WARNING: "yellow",
    Status.CRITICAL: "bold red",
    Status.UNKNOWN: "magenta",
}


@dataclass
class Check:
    """One line of the report."""

    name: str
    status: Status
    summary: str
    details: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    """How the table shows it, one line each (default: the summary)."""

    def to_dict(self) -> dict[str, Any]:
        """The check as ``health --json`` lists it: name, status name, summary, details."""
        return {
            "check": self.name,
            "status": self.status.name,
            "summary": self.summary,
            "details": self.details,
        }


@dataclass(frozen=True)
class Thresholds:
    """What a scheduler figure may reach before it is a WARNING (``--max-*`` options), and
    how long after its end a job still completing counts as stuck (``--completing-after``)."""

    server_threads: int = 50
    agent_queue: int = 100
    backfill_cycle: timedelta = timedelta(seconds=30)
    completing: timedelta = timedelta(minutes=5)


def check_controllers(pings: Sequence[ControllerPing]) -> Check:
    """Each controller up or down, with its latency: CRITICAL when none answers, WARNING
    when the primary or a backup does not."""
    details = [
        {
            "host": p.hostname,
            "role": "primary" if p.primary else f"backup{p.index}",
            "up": p.up,
            "latency_ms": round(p.latency.total_seconds() * 1000, 2) if p.latency else None,
        }
        for p in pings
    ]
    words = []
    for d in details:
        state = f"up, {d['latency_ms']} ms" if d["up"] else "DOWN"
        words.append(
            f"{d['host'] or 'the'} ({d['role']}) {state}"
            if d["host"]
            else f"{d['role']} controller {state}"
        )
    primary_up = any(p.up for p in pings if p.primary)
    if not primary_up:
        # A backup that answers keeps the cluster going, but someone must look.
        status = Status.CRITICAL if not any(p.up for p in pings) else Status.WARNING
    else:
        status = Status.OK if all(p.up for p in pings) else Status.WARNING
    return Check("controller", status, "; ".join(words), details)


def _rpc(stat: RpcStat, kind: str) -> dict[str, Any]:
    # RPC types are named from the table above, users by their login name.
    by_type = RPC_NAMES.get(stat.id, f"rpc {stat.id}")
    name = by_type if kind == "type" else stat.name or str(stat.id)
    return {
        kind: name,
        "id": stat.id,
        "count": stat.count,
        "average_ms": round(stat.average_time.total_seconds() * 1000, 3),
        "total_ms": round(stat.total_time.total_seconds() * 1000, 3),
    }


def check_scheduler(stats: Stats, limits: Thresholds, top: int) -> list[Check]:
    """The scheduler's load (as ``sdiag`` shows it), WARNING past a threshold of ``limits``;
    then the ``top`` slowest RPC types (mean time) and heaviest users (total time)."""
    figures = {
        "server_threads": stats.server_threads,
        "agent_queue_size": stats.agent_queue_size,
        "dbd_agent_queue_size": stats.dbd_agent_queue_size,
        "main_cycle_last_ms": stats.main_cycle_last.total_seconds() * 1000,
        "main_cycle_mean_ms": (
            stats.main_cycle_mean.total_seconds() * 1000 if stats.main_cycle_mean else None
        ),
        "backfill_cycle_last_ms": stats.backfill_cycle_last.total_seconds() * 1000,
        "backfill_cycle_mean_ms": (
            stats.backfill_cycle_mean.total_seconds() * 1000 if stats.backfill_cycle_mean else None
        ),
        "backfill_last_cycle_at": iso(stats.backfill_last_cycle_at),
        "jobs_pending": stats.jobs_pending,
        "jobs_running": stats.jobs_running,
    }
    over = []
    if stats.server_threads > limits.server_threads:
        over.append(f"server threads {stats.server_threads} > {limits.server_threads}")
    if stats.agent_queue_size > limits.agent_queue:
        over.append(f"agent queue {stats.agent_queue_size} > {limits.agent_queue}")
    if stats.backfill_cycle_last > limits.backfill_cycle:
        over.append(
            f"last backfill cycle {stats.backfill_cycle_last.total_seconds():.1f} s "
            f"> {limits.backfill_cycle.total_seconds():.0f} s"
        )
    bf = (
        f"backfill {figures['backfill_cycle_last_ms']:.1f} ms"
        if stats.backfill_cycles
        else "no backfill cycle yet"
    )
    summary = (
        f"{stats.server_threads} server threads, agent queue {stats.agent_queue_size}, "
        f"main cycle {figures['main_cycle_last_ms']:.1f} ms, {bf}"
    )
    if over:
        summary = "; ".join(over) + " (" + summary + ")"
    slowest = sorted(stats.rpcs_by_type, key=lambda r: r.average_time, reverse=True)[:top]
    heaviest = sorted(stats.rpcs_by_user, key=lambda r: r.total_time, reverse=True)[:top]
    return [
        Check("scheduler", Status.WARNING if over else Status.OK, summary, [figures]),
        _listing(
            "slowest rpcs",
            [
                f"{RPC_NAMES.get(r.id, f'rpc {r.id}')}: "
                f"{r.average_time.total_seconds() * 1000:.2f} ms average, {r.count} calls"
                for r in slowest
            ],
            [_rpc(r, "type") for r in slowest],
        ),
        _listing(
            "heaviest users",
            [
                f"{r.name or r.id}: {r.count} rpcs, "
                f"{r.total_time.total_seconds() * 1000:.1f} ms in total"
                for r in heaviest
            ],
            [_rpc(r, "user") for r in heaviest],
        ),
    ]


def _listing(name: str, lines: list[str], details: list[dict[str, Any]]) -> Check:
    return Check(name, Status.OK, "; ".join(lines) or "none yet", details, lines)


def _node_groups(nodes: Iterable[Node], now: datetime) -> list[dict[str, Any]]:
    """Nodes that share a reason, who set it and the minute it was set, as one entry."""
    groups: dict[tuple[str, str | None, str | None, datetime | None], list[Node]] = {}
    for node in nodes:
        when = node.reason_time.replace(second=0) if node.reason_time else None
        groups.setdefault((state_word(node), node.reason, node.reason_user, when), []).append(node)
    result = []
    for (state, reason, user, _), members in groups.items():
        first = min((n.reason_time for n in members if n.reason_time), default=None)
        result.append(
            {
                "nodes": compress_hostlist(n.name for n in members),
                "count": len(members),
                "state": state,
                "reason": reason,
                "set_by": user,
                "since": iso(first),
                "for_seconds": int(d.total_seconds()) if (d := since(first, now)) else None,
            }
        )
    return sorted(result, key=lambda g: (-g["count"], g["nodes"]))


def _describe(group: dict[str, Any]) -> str:
    who = f"{group['set_by']}, " if group["set_by"] else ""
    seconds = group["for_seconds"]
    held = age(timedelta(seconds=seconds)) if seconds is not None else "?"
    return f"{group['nodes']}: {group['reason'] or 'no reason given'} [{who}{held}]"


def check_nodes(nodes: Sequence[Node], now: datetime) -> list[Check]:
    """Nodes down, drained (or draining) and not responding, each a WARNING when there are
    any; nodes that share a reason, who set it and when are grouped in one line."""
    down = [n for n in nodes if state_word(n) == "down"]
    drained = [n for n in nodes if state_word(n) in ("drained", "draining")]
    silent = [n for n in nodes if not n.responding]
    checks = []
    for name, members in (("nodes down", down), ("nodes drained", drained)):
        groups = _node_groups(members, now)
        lines = [f"{len(members)} node(s)", *map(_describe, groups)] if members else []
        checks.append(
            Check(
                name,
                Status.WARNING if members else Status.OK,
                "; ".join(lines) if members else "none",
                groups,
                lines,
            )
        )
    checks.append(
        Check(
            "nodes not responding",
            Status.WARNING if silent else Status.OK,
            f"{len(silent)}: {compress_hostlist(n.name for n in silent)}" if silent else "none",
            [{"nodes": compress_hostlist(n.name for n in silent), "count": len(silent)}]
            if silent
            else [],
        )
    )
    return checks


def check_completing(jobs: Iterable[Job], after: timedelta, now: datetime) -> Check:
    """Jobs that ended more than ``after`` ago and still hold their nodes (COMPLETING)."""
    stuck: list[dict[str, Any]] = []
    for job in jobs:
        if "COMPLETING" not in job.flags:
            continue
        waited = since(job.end_time, now)
        if waited is not None and waited > after:
            stuck.append(
                {
                    "job_id": job.job_id,
                    "user": job.user_name,
                    "nodes": job.nodes,
                    "ended": iso(job.end_time),
                    "for_seconds": int(waited.total_seconds()),
                }
            )
    lines = [
        f"job {s['job_id']} ({s['user']}) on {s['nodes']}, "
        f"ended {age(timedelta(seconds=s['for_seconds']))} ago"
        for s in stuck
    ]
    return Check(
        "jobs stuck completing",
        Status.WARNING if stuck else Status.OK,
        "; ".join(lines) or "none",
        stuck,
        lines,
    )


def gather(cluster: Any, thresholds: Thresholds, top: int) -> list[Check]:
    """Every check, in report order. Stops after the controllers when none answers."""
    now = datetime.now(UTC)
    controllers = check_controllers(cluster.ping())
    checks = [controllers]
    if not any(d["up"] for d in controllers.details):
        return checks
    try:
        checks += check_scheduler(cluster.stats(), thresholds, top)
        nodes = cluster.nodes()
        checks += check_nodes(nodes, now)
        # A completing job keeps the COMPLETING flag on its nodes: without such a node there
        # is nothing to find, and the whole queue need not be loaded (a second on 50,000 jobs).
        completing = any("COMPLETING" in node.flags for node in nodes)
        jobs = cluster.jobs() if completing else ()
        checks.append(check_completing(jobs, thresholds.completing, now))
    except SlurmError as exc:
        checks.append(Check("controller", Status.CRITICAL, f"stopped answering: {exc}"))
    return checks


def overall(checks: Sequence[Check]) -> Status:
    """The worst status of ``checks`` (UNKNOWN when there are none): the exit status."""
    return max((c.status for c in checks), default=Status.UNKNOWN)


def run(args: argparse.Namespace, out: Any) -> int:
    """Run ``slurmlib health``; returns the overall :class:`Status` (3, UNKNOWN, when there
    is no configuration or no bindings to run the checks with)."""
    from .clusters import client

    thresholds = Thresholds(
        server_threads=args.max_server_threads,
        agent_queue=args.max_agent_queue,
        backfill_cycle=timedelta(seconds=args.max_backfill_cycle),
        completing=timedelta(seconds=args.completing_after),
    )
    try:
        cluster = client()
        keep(cluster)
        checks = gather(cluster, thresholds, args.top)
    except (ConfigurationError, ImportError) as exc:
        # Not the cluster's fault: the check could not run here.
        print(f"slurmlib health: UNKNOWN: {exc}", file=sys.stderr)
        return int(Status.UNKNOWN)
    status = overall(checks)
    if args.json:
        out.json(
            {
                "status": status.name,
                "exit_code": int(status),
                "checks": [c.to_dict() for c in checks],
            }
        )
        return int(status)
    rows: list[list[str | tuple[str, str]]] = []
    for c in checks:
        lines = c.lines or [c.summary]
        rows.append([c.name, (c.status.name, STYLES[c.status]), lines[0]])
        rows += [["", "", line] for line in lines[1:]]
    render_table(out.stream, ["CHECK", "STATUS", "DETAIL"], rows, left=(0, 1, 2))
    out.stream.write(f"\n{status.name}\n")
    return int(status)


def add_parser(sub: Any, summary: str) -> None:
    """Add the ``health`` subcommand and its options to the ``slurmlib`` subparsers ``sub``."""
    parser = sub.add_parser(
        "health",
        help=summary,
        description=(
            "Controllers, scheduler load (sdiag), nodes down, drained or not responding "
            "(with reason, who set it and for how long), jobs stuck completing. Exit status: "
            "0 OK, 1 WARNING (something needs attention), 2 CRITICAL (no controller "
            "answers), 3 UNKNOWN (the check could not run)."
        ),
        epilog="example: slurmlib health --json || mail -s 'slurm needs attention' root",
    )
    parser.add_argument("--top", type=count(), default=5, metavar="N", help="slowest RPCs/users")
    parser.add_argument("--max-server-threads", type=count(), default=50, metavar="N")
    parser.add_argument("--max-agent-queue", type=count(), default=100, metavar="N")
    # Durations as strings: argparse converts a string default with the option's type.
    parser.add_argument(
        "--max-backfill-cycle",
        type=duration(unit="s"),
        default="30",
        metavar="SECONDS",
        help="default 30 (or with a unit: 90s, 2m)",
    )
    parser.add_argument(
        "--completing-after",
        type=duration(unit="m"),
        default="5",
        metavar="MINUTES",
        help="a job still completing this long after it ended is stuck (default 5; or with "
        "a unit: 90s, 1h)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(runner=run)
