"""``slurmlib top``: a live view of the queue and the nodes.

    slurmlib top -u bob -p debug --interval 2

Keys: ``q`` quits, ``s`` sorts by the next column, ``r`` reverses the order. Each refresh
is an incremental load (``Cluster.jobs()``/``nodes()`` pass the last update time): while
the controller reports nothing new, no record is converted and the screen is not redrawn.
Off a terminal (or with ``--once``) it prints one frame and exits; ``--json`` prints one
snapshot as data.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import sys
import termios
import tty
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

from ..capacity import STATE_WORDS, state_word
from ..records import Job, Node, Snapshot
from ..states import JobState
from . import keep
from .arguments import count, duration
from .words import Cell, Memo, age, iso, local_time, on_terminal, plain_table, side_by_side


def _by_state(job: Job) -> int:
    return _STATE_RANK[job.state]


def _by_priority(job: Job) -> int:
    return -(job.priority or 0)


_NEVER = datetime.max.replace(tzinfo=UTC)
# Running first, then the other states by name: what squeue shows by default.
_STATE_RANK = {
    state: rank
    for rank, state in enumerate(
        sorted(JobState, key=lambda s: (s is not JobState.RUNNING, s.name))
    )
}
SORTS: dict[str, tuple[Callable[[Job], Any], ...]] = {
    # Keys from the most significant. Each is a separate stable sort (from the last key to
    # the first, reversed or not alike), which orders as one sort by the tuple of keys
    # would, without building 50,000 tuples.
    "state": (_by_state, _by_priority),
    "priority": (_by_priority,),
    "id": (
        lambda j: j.array_job_id or j.job_id,
        lambda j: j.array_task_id or 0,
        attrgetter("job_id"),
    ),
    "user": (lambda j: j.user_name or "", attrgetter("job_id")),
    "cpus": (lambda j: -(j.num_cpus or 0),),
    "time": (lambda j: _started(j) or _NEVER,),
    "partition": (lambda j: j.partition or "", _by_priority),
}
# The default sort as one int key (the state's rank above the priority, a uint32): one
# key call per job and one sort instead of two, and the same order (a test checks it).
ONE_KEY: dict[str, Callable[[Job], int]] = {
    "state": lambda j: _STATE_RANK[j.state] << 32 | (0xFFFFFFFF - (j.priority or 0)),
}
_ACTIVE = frozenset(s for s in JobState if not s.finished)


DEFAULT_ROWS = 50
"""Jobs in a frame printed off a terminal (``--once`` or piped), unless ``--rows``."""


def job_gpus(job: Job) -> int:
    """GPUs a job holds (its allocated TRES) or, until it runs, asks for (its requested
    TRES): counted alike whether it asked with --gres, --gpus or --gpus-per-task."""
    if job.gpus_allocated:
        return job.gpus_allocated
    return job.tres_requested.get("gres/gpu", 0) if job.state is JobState.PENDING else 0


def _started(job: Job) -> datetime | None:
    """When the clock of the TIME column started: start for running jobs, submit otherwise."""
    return job.start_time if job.state is JobState.RUNNING else job.submit_time


def job_label(job: Job) -> str:
    """The job id as squeue prints it: ``12``, ``4_1``, ``4_[3-8%2]``."""
    if job.array_job_id and job.array_task_id is not None:
        return f"{job.array_job_id}_{job.array_task_id}"
    if job.array_tasks:
        return f"{job.array_job_id or job.job_id}_[{job.array_tasks}]"
    return str(job.job_id)


@dataclass
class View:
    """What is shown: filters, sort, and the last snapshots with what changed."""

    users: set[str] | None = None
    states: set[JobState] | None = None
    """None: what squeue shows by default (jobs not finished, or still completing)."""
    partitions: set[str] | None = None
    accounts: set[str] | None = None
    sort: str = "state"
    reverse: bool = False
    jobs: Snapshot[Job] | None = None
    nodes: Snapshot[Node] | None = None
    polls: int = 0
    changes: int = 0
    redraws: int = 0
    _rows: list[Job] = field(default_factory=list)
    _states: Counter[str] = field(default_factory=Counter)

    def poll(self, cluster: Any) -> bool:
        """Load again; True when the controller had something new."""
        jobs, nodes = side_by_side(cluster.jobs, cluster.nodes)
        self.polls += 1
        # An unchanged incremental load gives back the very same snapshot object.
        changed = jobs is not self.jobs or nodes is not self.nodes
        self.jobs, self.nodes = jobs, nodes
        if changed:
            self.changes += 1
            self.refilter()
        return changed

    def refilter(self) -> None:
        jobs: list[Job] = list(self.jobs or ())
        if self.states is None:
            # What squeue shows by default: jobs not finished, or still completing.
            active = _ACTIVE
            jobs = [j for j in jobs if j.state in active or "COMPLETING" in j.flags]
        else:
            states = self.states
            jobs = [j for j in jobs if j.state in states]
        if self.users is not None:
            users = self.users
            jobs = [j for j in jobs if j.user_name in users]
        if self.accounts is not None:
            accounts = self.accounts
            jobs = [j for j in jobs if j.account in accounts]
        if self.partitions is not None:
            # A job pending in several partitions is in each of them.
            partitions = self.partitions
            jobs = [j for j in jobs if partitions & set((j.partition or "").split(","))]
        one_key = ONE_KEY.get(self.sort)
        if one_key is not None:
            jobs.sort(key=one_key, reverse=self.reverse)
        else:
            for key in reversed(SORTS[self.sort]):
                jobs.sort(key=key, reverse=self.reverse)
        self._rows = jobs
        by_state = Counter(map(attrgetter("state"), jobs))
        self._states = Counter({state.name: n for state, n in by_state.items()})

    def next_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self.refilter()

    def flip(self) -> None:
        self.reverse = not self.reverse
        self.refilter()

    @property
    def rows(self) -> list[Job]:
        return self._rows

    @property
    def state_counts(self) -> Counter[str]:
        """How many of the shown jobs are in each state."""
        return self._states

    def node_counts(self) -> Counter[str]:
        nodes = [
            n
            for n in (self.nodes or ())
            if self.partitions is None or self.partitions & set(n.partitions)
        ]
        return Counter(state_word(n) for n in nodes)

    def cpu_counts(self) -> tuple[int, int]:
        nodes = [
            n
            for n in (self.nodes or ())
            if self.partitions is None or self.partitions & set(n.partitions)
        ]
        return sum(n.alloc_cpus for n in nodes), sum(n.cpus for n in nodes)

    def gpu_counts(self) -> tuple[int, int]:
        nodes = [
            n
            for n in (self.nodes or ())
            if self.partitions is None or self.partitions & set(n.partitions)
        ]
        return sum(n.gpus_allocated for n in nodes), sum(n.gpus for n in nodes)


def job_rows(jobs: Iterable[Job], now: datetime) -> list[dict[str, Any]]:
    """The jobs of the ``--json`` snapshot (documented keys).

    Times and limits repeat from job to job (the records share one object per distinct
    value), so each is turned into text or seconds once: a queue of 50,000 jobs has a
    few thousand distinct times.
    """
    iso_of: Memo[datetime | None, str | None] = Memo(iso)
    seconds_since: Memo[datetime | None, int | None] = Memo(
        lambda t: int((now - t).total_seconds()) if t else None
    )
    limit_seconds: Memo[Any, int | None] = Memo(
        lambda t: int(t.total_seconds()) if isinstance(t, timedelta) else None
    )
    state_name = {state: state.name for state in JobState}
    return [
        {
            "job_id": job.job_id,
            "label": job_label(job),
            "array_job_id": job.array_job_id,
            "array_task_id": job.array_task_id,
            "name": job.name,
            "user": job.user_name,
            "account": job.account,
            "partition": job.partition,
            "qos": job.qos,
            "state": state_name[job.state],
            "reason": job.state_reason,
            "cpus": job.num_cpus,
            "gpus": job_gpus(job),
            "nodes": job.nodes,
            "priority": job.priority,
            "time_seconds": seconds_since[_started(job)],
            "time_limit_seconds": limit_seconds[job.time_limit],
            "submit_time": iso_of[job.submit_time],
            "start_time": iso_of[job.start_time],
        }
        for job in jobs
    ]


def snapshot(view: View, rows: int | None = None) -> dict[str, Any]:
    """The ``--json`` document: summary counts of everything shown, and the first ``rows``
    jobs in the view's order (all of them when None)."""
    now = datetime.now(UTC)
    document = _summary(view, now)
    document["jobs"] = job_rows(_shown(view, rows), now)
    return document


def snapshot_text(view: View, rows: int | None = None) -> str:
    """:func:`snapshot` as compact JSON text, made faster than ``json.dumps`` of it."""
    return "".join(snapshot_pieces(view, rows))


def snapshot_pieces(view: View, rows: int | None = None) -> Iterator[str]:
    """:func:`snapshot_text` in pieces of a few thousand jobs, to be written as they come.

    A queue of 50,000 jobs makes 18 MB of JSON: a dict per job and the encoder walking
    it take 0.3 s, a third of the whole command; :func:`jobs_pieces` makes it without them.
    Written piece by piece, the text is never in memory whole (nor copied to add the
    head and the newline), and a reader gets the first jobs before the last are made.
    """
    now = datetime.now(UTC)
    head = json.dumps(_summary(view, now), separators=(",", ":"))
    yield f'{head[:-1]},"jobs":['
    for i, piece in enumerate(jobs_pieces(_shown(view, rows), now)):
        yield "," + piece if i else piece
    yield "]}"


def _shown(view: View, rows: int | None) -> list[Job]:
    return view.rows if rows is None else view.rows[:rows]


def _summary(view: View, now: datetime) -> dict[str, Any]:
    """Everything of the ``--json`` document but its jobs."""
    states = view.state_counts
    alloc, total = view.cpu_counts()
    gpus_alloc, gpus_total = view.gpu_counts()
    counts = view.node_counts()
    return {
        "collected_at": now.isoformat(),
        "jobs_last_update": iso(view.jobs.last_update if view.jobs else None),
        "nodes_last_update": iso(view.nodes.last_update if view.nodes else None),
        "filters": {
            "users": sorted(view.users) if view.users else None,
            "partitions": sorted(view.partitions) if view.partitions else None,
            "accounts": sorted(view.accounts) if view.accounts else None,
        },
        "sort": view.sort,
        "summary": {
            "jobs": dict(sorted(states.items())),
            "nodes": {name: counts.get(name, 0) for name in STATE_WORDS},
            "cpus": {"allocated": alloc, "total": total},
            "gpus": {"allocated": gpus_alloc, "total": gpus_total},
        },
        "jobs_total": len(view.rows),
    }


_JOB_KEYS = (
    *("job_id", "label", "array_job_id", "array_task_id", "name", "user", "account"),
    *("partition", "qos", "state", "reason", "cpus", "gpus", "nodes", "priority"),
    "time_seconds",
    *("time_limit_seconds", "submit_time", "start_time"),
)
# The text around each job's values: '{"job_id":', ',"label":', ... '}'.
_JOB_PIECES = (f'{{"{_JOB_KEYS[0]}":', *(f',"{key}":' for key in _JOB_KEYS[1:]), "}")


JOBS_PER_PIECE = 4096
"""Jobs in each piece of :func:`jobs_pieces`: ~1.5 MB of text."""


def jobs_pieces(jobs: Iterable[Job], now: datetime) -> Iterator[str]:
    """The JSON text of the jobs of :func:`job_rows` (the same keys and values), in pieces
    of :data:`JOBS_PER_PIECE` jobs (none for no jobs): each job an object, the jobs of a
    piece separated by commas.

    Values that repeat are encoded once per distinct value (memos), names and labels one
    by one, all by json's own encoder; ints are printed in C, where the text of 50,000
    jobs is put together (:func:`slurmlib.native.join_rows`).
    """
    from json.encoder import encode_basestring_ascii as quoted  # what json.dumps uses

    from ..native import join_rows

    def text_of(value: str | None) -> str:
        return "null" if value is None else quoted(value)

    all_rows = list(jobs)
    texts: Memo[str | None, str] = Memo(text_of)
    times: Memo[datetime | None, str] = Memo(lambda t: text_of(iso(t)))
    seconds_since: Memo[datetime | None, str] = Memo(
        lambda t: str(int((now - t).total_seconds())) if t else "null"
    )
    limit_seconds: Memo[Any, str] = Memo(
        lambda t: str(int(t.total_seconds())) if isinstance(t, timedelta) else "null"
    )
    state_name = {state: quoted(state.name) for state in JobState}
    number = None  # an int (or None), printed by join itself
    running, pending = JobState.RUNNING, JobState.PENDING
    for first in range(0, len(all_rows), JOBS_PER_PIECE):
        rows = all_rows[first : first + JOBS_PER_PIECE]
        # The values made of several fields, as job_label, _started and job_gpus make them
        # (inlined: one function call less per job of 50,000).
        labels = [
            job_label(job) if job.array_job_id or job.array_tasks else str(job.job_id)
            for job in rows
        ]
        started = [job.start_time if job.state is running else job.submit_time for job in rows]
        gpus = [
            job.gpus_allocated
            or (job.tres_requested.get("gres/gpu", 0) if job.state is pending else 0)
            for job in rows
        ]
        # Names and labels are mostly distinct: quoted one by one, with no memo to fill.
        getters_and_memos: tuple[tuple[str | list[Any], Any], ...] = (
            ("job_id", number),
            (labels, quoted),
            ("array_job_id", number),
            ("array_task_id", number),
            ("name", quoted),
            ("user_name", texts),
            ("account", texts),
            ("partition", texts),
            ("qos", texts),
            ("state", state_name),
            ("state_reason", texts),
            ("num_cpus", number),
            (gpus, number),
            ("nodes", texts),
            ("priority", number),
            (started, seconds_since),
            ("time_limit", limit_seconds),
            ("submit_time", times),
            ("start_time", times),
        )
        getters, memos = zip(*getters_and_memos, strict=True)
        yield join_rows(rows, getters, memos, _JOB_PIECES, ",")


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
        started = _started(job)
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
