"""``slurmlib top``: a live view of the queue and the nodes.

    slurmlib top -u bob -p debug --interval 2

Keys: ``q`` quits, ``s`` sorts by the next column, ``r`` reverses the order. Each refresh
is an incremental load (``Cluster.jobs()``/``nodes()`` pass the last update time): while
the controller reports nothing new, no record is converted and the screen is not redrawn.
Off a terminal (or with ``--once``) it prints one frame and exits; ``--json`` prints one
snapshot as data.

The jobs shown and their order are :mod:`slurmlib.cli.top_view`'s; ``--json`` is
:mod:`slurmlib.cli.top_json`'s; this module draws the screen and runs the command.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
import termios
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..capacity import STATE_WORDS
from ..states import JobState
from . import keep
from .arguments import count, duration
from .top_json import snapshot, snapshot_pieces
from .top_view import SORTS, View, clock_start, job_gpus, job_label
from .words import Cell, age, local_time, on_terminal, plain_table

DEFAULT_ROWS = 50
"""Jobs in a frame printed off a terminal (``--once`` or piped), unless ``--rows``."""

_COLUMNS: tuple[str, ...] = (
    *("JOBID", "USER", "ACCOUNT", "PARTITION", "QOS", "ST", "CPUS", "GPUS", "TIME"),
    *("PRIORITY", "NODES (REASON)", "NAME"),
)
_RIGHT = frozenset({"CPUS", "GPUS", "TIME", "PRIORITY"})
_STYLES = {JobState.RUNNING: "green", JobState.PENDING: "yellow"}


@dataclass(frozen=True)
class Frame:
    """What one screen shows, before it is drawn (rich) or printed (plain)."""

    title: str
    info: str
    keys: str
    lines: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    foot: str


def frame(view: View, height: int, cluster_name: str) -> Frame:
    """The frame of ``view`` for a screen of ``height`` lines."""
    now = datetime.now(UTC)
    data_time = view.jobs.last_update if view.jobs else None
    order = "↑" if view.reverse else "↓"
    counts = view.node_counts()
    alloc, total = view.cpu_counts()
    nodes_line = "nodes: " + ", ".join(f"{counts[c]} {c}" for c in STATE_WORDS if counts.get(c))
    nodes_line += f"   CPUs {alloc}/{total} allocated"
    gpus_alloc, gpus_total = view.gpu_counts()
    if gpus_total:
        nodes_line += f"   GPUs {gpus_alloc}/{gpus_total} allocated"
    jobs_line = "jobs: " + (
        ", ".join(f"{n} {s.lower()}" for s, n in sorted(view.state_counts.items())) or "none"
    )
    filters = [
        f"{name}={','.join(sorted(values))}"
        for name, values in (
            ("user", view.users),
            ("partition", view.partitions),
            ("account", view.accounts),
        )
        if values
    ]
    if filters:
        jobs_line += "   (" + " ".join(filters) + ")"
    room = max(height - 7, 1)
    rows: list[tuple[Cell, ...]] = []
    for job in view.rows[:room]:
        started = clock_start(job)
        where = job.nodes if job.state is JobState.RUNNING else f"({job.state_reason})"
        rows.append(
            (
                job_label(job),
                job.user_name or str(job.user_id),
                job.account or "",
                job.partition or "",
                job.qos or "",
                (job.state.name[:2], _STYLES.get(job.state, "")),
                str(job.num_cpus or ""),
                str(job_gpus(job) or ""),
                age(now - started) if started else "-",
                str(job.priority if job.priority is not None else ""),
                where or "",
                job.name or "",
            )
        )
    hidden = len(view.rows) - room
    return Frame(
        title=f"slurmlib top — {cluster_name}",
        info=f"   data of {local_time(data_time)}   sort: {view.sort} {order}",
        keys="   q quit · s sort · r reverse",
        lines=(nodes_line, jobs_line, ""),
        rows=rows,
        foot=f"polls {view.polls} · changed {view.changes} · redrawn {view.redraws}"
        + (f" · {hidden} more jobs below" if hidden > 0 else ""),
    )


def render(view: View, height: int, cluster_name: str, expand: bool = True) -> Any:
    """The frame as a rich renderable (for a terminal)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    shown = frame(view, height, cluster_name)
    head = Text()
    head.append(shown.title, style="bold")
    head.append(shown.info)
    head.append(shown.keys, style="dim")
    table = Table(box=None, header_style="bold reverse", expand=expand)
    for name in _COLUMNS:
        # One line per job whatever the width (cells are cut short instead): the frame
        # holds as many jobs as the screen has lines for.
        table.add_column(name, justify="right" if name in _RIGHT else "left", no_wrap=True)
    for row in shown.rows:
        table.add_row(*(Text(c) if isinstance(c, str) else Text(c[0], style=c[1]) for c in row))
    lines = [Text(line) for line in shown.lines]
    return Group(head, *lines, table, Text(shown.foot, style="dim"))


def plain(view: View, height: int, cluster_name: str) -> str:
    """The frame as plain text (off a terminal)."""
    shown = frame(view, height, cluster_name)
    left = [i for i, name in enumerate(_COLUMNS) if name not in _RIGHT]
    table = plain_table(_COLUMNS, shown.rows, left)
    return (
        "\n".join([shown.title + shown.info + shown.keys, *shown.lines, *table, shown.foot]) + "\n"
    )


@contextmanager
def keys() -> Iterator[Callable[[float], str | None]]:
    """Single key presses from the terminal, without echo; the terminal is restored after."""
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def read(timeout: float) -> str | None:
        ready, _, _ = select.select([fd], [], [], timeout)
        return os.read(fd, 1).decode(errors="replace") if ready else None

    try:
        yield read
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def live(cluster: Any, view: View, interval: float) -> int:
    """The full-screen view: a poll of ``cluster`` every ``interval`` seconds, redrawn on
    each and on a key press, until ``q`` (exit 0)."""
    from rich.console import Console
    from rich.live import Live

    console = Console()
    name = cluster.config().cluster_name
    view.poll(cluster)
    with keys() as read, Live(console=console, screen=True, auto_refresh=False) as screen:
        screen.update(render(view, console.height, name), refresh=True)
        view.redraws += 1
        next_poll = datetime.now(UTC) + timedelta(seconds=interval)
        while True:
            wait = max((next_poll - datetime.now(UTC)).total_seconds(), 0.0)
            key = read(wait)
            redraw = False
            if key in ("q", "Q"):
                return 0
            if key == "s":
                view.next_sort()
                redraw = True
            elif key == "r":
                view.flip()
                redraw = True
            if key is None:
                next_poll = datetime.now(UTC) + timedelta(seconds=interval)
                # Unchanged data is neither converted nor sorted again; the frame is
                # still drawn, for the clock of the TIME column and the poll counters.
                view.poll(cluster)
                redraw = True
            if redraw:
                view.redraws += 1
                screen.update(render(view, console.height, name), refresh=True)


def run(args: argparse.Namespace, out: Any) -> int:
    """Run ``slurmlib top``: live on a terminal, else one frame (``--json``: one snapshot);
    exit 0, or 2 when ``-p`` names a partition the cluster does not have."""
    from .clusters import client

    if args.interval <= 0:
        raise ValueError(f"--interval must be positive, not {args.interval}")
    if args.rows is not None and args.rows < 1:
        raise ValueError(f"--rows must be at least 1, not {args.rows}")
    if args.sort not in SORTS:
        raise ValueError(f"--sort must be one of {', '.join(SORTS)}, not {args.sort!r}")
    cluster = client()
    keep(cluster)
    view = View(
        users=set(args.user) if args.user else None,
        partitions=set(args.partition) if args.partition else None,
        accounts=set(args.account) if args.account else None,
        states=_states(args.states),
        sort=args.sort,
        reverse=args.reverse,
    )
    if args.partition:
        unknown = set(args.partition) - {p.name for p in cluster.partitions()}
        if unknown:
            out.error(f"no such partition: {', '.join(sorted(unknown))}")
            return 2
    interactive = sys.stdin.isatty() and out.stream.isatty() and not args.once
    if args.json or not interactive:
        view.poll(cluster)
        if args.json:
            if out.stream.isatty():
                out.json(snapshot(view, args.rows))
            else:
                write = out.stream.write
                for piece in snapshot_pieces(view, args.rows):
                    write(piece)
                write("\n")
            return 0
        # A frame: the first --rows jobs (a screenful on a terminal), then a count of the
        # rest, as the live view shows it; rendering a 50,000-row table would take rich
        # half a minute.
        name = cluster.config().cluster_name
        if on_terminal(out.stream):
            from rich.console import Console

            console = Console(file=out.stream)
            rows = args.rows if args.rows is not None else max(console.height - 7, 1)
            console.print(render(view, rows + 7, name, expand=False))
        else:
            rows = args.rows if args.rows is not None else DEFAULT_ROWS
            out.stream.write(plain(view, rows + 7, name))
        return 0
    return live(cluster, view, args.interval)


def _states(text: str | None) -> set[JobState] | None:
    """``-t running,pending`` (squeue's names, any case; ``all`` for every state)."""
    if text is None:
        return None
    if text.lower() == "all":
        return set(JobState)
    names = {name.strip().upper() for name in text.split(",") if name.strip()}
    short = {
        "R": "RUNNING",
        "PD": "PENDING",
        "S": "SUSPENDED",
        "CD": "COMPLETED",
        "CA": "CANCELLED",
    }
    unknown = {n for n in names if short.get(n, n) not in JobState.__members__}
    if unknown:
        raise ValueError(f"not a job state: {', '.join(sorted(unknown))}")
    return {JobState[short.get(n, n)] for n in names}


def add_parser(sub: Any, summary: str) -> None:
    """Add the ``top`` subcommand and its options to the ``slurmlib`` subparsers ``sub``."""
    parser = sub.add_parser(
        "top",
        help=summary,
        description=(
            "The queue and the nodes, refreshed with incremental loads. Keys: q quit, "
            "s sort by the next column, r reverse. Off a terminal, one frame."
        ),
        epilog="example: slurmlib top -u alice -p debug --sort priority --interval 5",
    )
    parser.add_argument("-u", "--user", action="append", help="only this user's jobs")
    parser.add_argument("-p", "--partition", action="append", help="only this partition")
    parser.add_argument("-A", "--account", action="append", help="only this account's jobs")
    parser.add_argument(
        "-t",
        "--states",
        metavar="STATES",
        help="only these states (running,pending,... or all; default: not finished)",
    )
    parser.add_argument(
        "--sort", default="state", help=f"one of {', '.join(SORTS)} (default: state)"
    )
    parser.add_argument("--reverse", action="store_true", help="reverse the order")
    parser.add_argument(
        "-i",
        "--interval",
        type=duration(positive=True),
        default=2.0,
        metavar="SECONDS",
        help="default 2 (or with a unit: 500ms, 1m)",
    )
    parser.add_argument("--once", action="store_true", help="print one frame and exit")
    parser.add_argument(
        "-n",
        "--rows",
        type=count(minimum=1),
        metavar="N",
        help=(
            f"jobs in a printed frame (default: a screenful, {DEFAULT_ROWS} off a terminal) "
            "or in --json (default: all)"
        ),
    )
    parser.add_argument("--json", action="store_true", help="one snapshot, machine-readable")
    parser.set_defaults(runner=run)
