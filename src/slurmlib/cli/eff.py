"""``slurmlib eff``: how well jobs used what they asked for, from accounting (as ``seff``).

    $ slurmlib eff 11
    job 11 (alice, steps) COMPLETED on node3, account physics, partition debug
     time    00:00:05 of 01:00:00                      0.14 % of the limit
     CPU     00:00:00.286 of 00:00:10 (2 CPUs)         2.86 %
     memory  61.64 MiB (step 11.1) of 512.00 MiB/node  12.04 %
     wasted  0.0027 core-hours

    $ slurmlib eff -u alice --since 7d --top 5

``eff JOBID`` shows one job; an array's id shows every task and their sum, ``JOBID_TASK``
one task. ``eff -u USER`` (``-A ACCOUNT``, ``-a`` for everyone) adds up the jobs of a
period and lists the most wasteful first. Everything comes from slurmdbd
(:meth:`slurmlib.db.Database.jobs`); the arithmetic, and exactly what is compared with
what, is in :mod:`slurmlib.cli.efficiency`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..errors import DatabaseUnavailable, InvalidJobId
from .arguments import count
from .efficiency import (
    MIB,
    Efficiency,
    Totals,
    by_user,
    efficiency,
    most_wasteful,
    parse_job_arg,
    parse_when,
    total,
)
from .words import iso, local_time, render_table

if TYPE_CHECKING:  # slurmlib.db loads the bindings: only when ``eff`` runs
    from ..db import DbJob

DEFAULT_SINCE = "7d"
DEFAULT_TOP = 10

Cell = str | tuple[str, str]


@contextlib.contextmanager
def _libslurm_quiet() -> Iterator[None]:
    """Keep libslurm's own log lines off stderr while it runs.

    When slurmdbd does not answer, libslurm writes several ``error: ...`` lines to file
    descriptor 2 before it returns the failure, which this command then reports in one line
    of its own.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _load(**filters: Any) -> tuple[DbJob, ...]:
    from .. import db

    try:
        with _libslurm_quiet(), db.connect() as conn:
            return conn.jobs(with_steps=True, **filters)
    except DatabaseUnavailable as exc:
        context = f"slurmdbd did not answer while {exc.context}" if exc.context else "slurmdbd"
        raise DatabaseUnavailable(exc.message, exc.code, exc.code_name, context) from None


def _names(text: str | None, flag: str) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ValueError(f"{flag}: no name given")
    return names


# --- formatting --------------------------------------------------------------------------


def clock(seconds: float | None, fraction: bool = False) -> str:
    """Seconds as Slurm writes durations: ``[D-]HH:MM:SS`` (``.mmm`` with ``fraction``)."""
    if seconds is None:
        return "-"
    millis = round(seconds * 1000) if fraction else int(seconds) * 1000
    whole, millis = divmod(millis, 1000)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if fraction:
        text += f".{millis:03d}"
    return f"{days}-{text}" if days else text


def size(mib: float | None) -> str:
    """MiB as people read it: ``512.00 KiB``, ``61.87 MiB``, ``1.50 GiB``."""
    if mib is None:
        return "-"
    if mib >= 1024 * 1024:
        return f"{mib / 1024 / 1024:.2f} TiB"
    if mib >= 1024:
        return f"{mib / 1024:.2f} GiB"
    if mib >= 1:
        return f"{mib:.2f} MiB"
    return f"{mib * 1024:.2f} KiB"


def percent(value: float | None) -> Cell:
    """An efficiency, red below 25 %, yellow below 50 % (colour only on a terminal)."""
    if value is None:
        return "-"
    style = "red" if value < 25 else "yellow" if value < 50 else "green"
    return (f"{value:.2f} %", style)


def _hours(value: float | None) -> str:
    """Core- or GiB-hours; short jobs waste fractions of an hour, so small values keep
    more digits (a ranking of rows that all read 0.00 would say nothing)."""
    if value is None:
        return "-"
    return f"{value:.2f}" if value >= 0.01 or value == 0 else f"{value:.4f}"


# --- one job, or an array ----------------------------------------------------------------


def select(records: Sequence[DbJob], job_id: int, task: int | None) -> list[DbJob]:
    """The records of ``JOBID`` or ``JOBID_TASK``, tasks in order; an unknown job raises."""
    if task is not None:
        records = [r for r in records if r.array_task_id == task]
        if not records:
            raise InvalidJobId(f"job {job_id} has no task {task} in accounting")
    if not records:
        raise InvalidJobId(f"job {job_id} is not in accounting")
    return sorted(
        records,
        key=lambda r: (
            r.array_task_id is None and r.array_job_id is not None,
            r.array_task_id if r.array_task_id is not None else -1,
            r.het_job_offset if r.het_job_offset is not None else -1,
            r.job_id,
        ),
    )


def job_answer(label: str, records: Sequence[DbJob]) -> dict[str, Any]:
    """``{"job", "jobs": [...], "total": {...} | null}`` (the keys are in the README)."""
    effs = [efficiency(r) for r in records]
    return {
        "job": label,
        "jobs": [e.to_dict() for e in effs],
        "total": total(effs).to_dict() if len(effs) > 1 else None,
    }


def _show_one(out: Any, eff: Efficiency) -> None:
    where = f" on {eff.nodes}" if eff.nodes else ""
    out.stream.write(
        f"job {eff.label} ({eff.user}, {eff.name}) {eff.state_text}{where}, "
        f"account {eff.account}, partition {eff.partition}\n"
    )
    limit = clock(eff.time_limit_seconds) if eff.time_limit_seconds is not None else "no limit"
    time_used = eff.time_used_percent
    rows: list[list[Cell]] = [
        [
            "time",
            f"{clock(eff.elapsed_seconds)} of {limit}",
            f"{time_used:.2f} % of the limit" if time_used is not None else "-",
        ],
        [
            "CPU",
            f"{clock(eff.cpu_time_seconds, fraction=True)} of "
            f"{clock(eff.core_walltime_seconds)} ({eff.cpus} CPUs)",
            percent(eff.cpu_efficiency_percent),
        ],
        [
            "memory",
            f"{size(eff.peak_mib)}"
            + (f" (step {eff.max_rss_step})" if eff.max_rss_step else "")
            + f" of {size(eff.mem_per_node_mib)}/node",
            percent(eff.mem_efficiency_percent),
        ],
    ]
    if eff.gpus:
        rows.append(
            [
                "GPU",
                f"{eff.gpus} GPU(s), {_hours(eff.gpu_hours)} GPU-hours allocated",
                percent(eff.gpu_efficiency_percent) if eff.gpu_measured else "not measured",
            ]
        )
    if eff.cpu_measured:
        rows.append(["wasted", f"{_hours(eff.wasted_core_hours)} core-hours", ""])
    if eff.gpu_measured:
        rows.append(["", f"{_hours(eff.wasted_gpu_hours)} GPU-hours", ""])
    for i, note in enumerate(eff.notes):
        rows.append(["note" if i == 0 else "", note, ""])
    render_table(out.stream, ["", "", ""], rows, left=(0, 1, 2), show_header=False)


JOB_COLUMNS = [
    "JOB",
    "STATE",
    "ELAPSED",
    "TIME USED",
    "CPUS",
    "CPU TIME",
    "CPU EFF",
    "PEAK RSS",
    "MEM/NODE",
    "MEM EFF",
    "NOTE",
]


def _job_row(eff: Efficiency) -> list[Cell]:
    used = eff.time_used_percent
    return [
        eff.label,
        eff.state,
        clock(eff.elapsed_seconds),
        f"{used:.2f} %" if used is not None else "-",
        str(eff.cpus),
        clock(eff.cpu_time_seconds, fraction=True),
        percent(eff.cpu_efficiency_percent),
        size(eff.peak_mib),
        size(eff.mem_per_node_mib),
        percent(eff.mem_efficiency_percent),
        "; ".join(eff.notes),
    ]


def _total_row(name: str, totals: Totals) -> list[Cell]:
    return [
        name,
        "",
        clock(totals.elapsed_seconds),
        "",
        "",
        clock(totals.cpu_time_seconds, fraction=True) if totals.cpu_measured else "-",
        percent(totals.cpu_efficiency_percent),
        size(totals.max_rss_bytes / MIB if totals.max_rss_bytes is not None else None),
        "",
        percent(totals.mem_efficiency_percent),
        f"{totals.cpu_measured} of {totals.jobs} measured",
    ]


def _show_many(out: Any, label: str, effs: list[Efficiency]) -> None:
    first = effs[0]
    out.stream.write(
        f"job {label} ({first.user}, {first.name}): {len(effs)} records, "
        f"account {first.account}, partition {first.partition}\n"
    )
    rows = [_job_row(e) for e in effs]
    rows.append(_total_row("total", total(effs)))
    render_table(out.stream, JOB_COLUMNS, rows, left=(0, 1, 10))


def run_job(args: argparse.Namespace, out: Any) -> int:
    job_id, task = parse_job_arg(args.jobid)
    records = select(_load(job_ids=[job_id], clusters=_names(args.clusters, "-M")), job_id, task)
    label = f"{job_id}_{task}" if task is not None else str(job_id)
    if args.json:
        out.json(job_answer(label, records))
        return 0
    effs = [efficiency(r) for r in records]
    if len(effs) == 1:
        _show_one(out, effs[0])
    else:
        _show_many(out, label, effs)
    return 0


# --- a user's jobs over a period ---------------------------------------------------------


def summary_answer(
    effs: Sequence[Efficiency],
    *,
    users: list[str] | None,
    accounts: list[str] | None,
    since: datetime,
    until: datetime,
    top: int,
    sort: str,
) -> dict[str, Any]:
    """The per-period summary as JSON-ready data (the keys are in the README)."""
    return {
        "users": users,
        "accounts": accounts,
        "since": iso(since),
        "until": iso(until),
        "sort": sort,
        "top": top,
        "total": total(effs).to_dict(),
        "by_user": [{"user": u, **t.to_dict()} for u, t in by_user(effs).items()],
        "jobs": [e.to_dict() for e in most_wasteful(effs, top, sort)],
    }


WASTE_COLUMNS = [
    "JOB",
    "USER",
    "STATE",
    "ELAPSED",
    "CPUS",
    "CPU EFF",
    "WASTED CORE-H",
    "PEAK RSS",
    "MEM/NODE",
    "MEM EFF",
    "WASTED GIB-H",
]


def _waste_row(eff: Efficiency) -> list[Cell]:
    return [
        eff.label,
        eff.user or "?",
        eff.state,
        clock(eff.elapsed_seconds),
        str(eff.cpus),
        percent(eff.cpu_efficiency_percent),
        _hours(eff.wasted_core_hours),
        size(eff.peak_mib),
        size(eff.mem_per_node_mib),
        percent(eff.mem_efficiency_percent),
        _hours(eff.wasted_mem_gib_hours),
    ]


def _show_summary(out: Any, who: str, answer: dict[str, Any], effs: list[Efficiency]) -> None:
    totals = total(effs)
    states = ", ".join(f"{n} {s}" for s, n in sorted(totals.states.items()))
    out.stream.write(
        f"jobs of {who} from {local_time(datetime.fromisoformat(answer['since']))} to "
        f"{local_time(datetime.fromisoformat(answer['until']))}: {totals.jobs}"
        + (f" ({states})" if states else "")
        + "\n"
    )
    if not totals.jobs:
        return
    rows: list[list[Cell]] = [
        [
            "CPU",
            f"{clock(totals.cpu_time_seconds, fraction=True)} used of "
            f"{clock(totals.core_walltime_seconds)} "
            f"core-walltime in {totals.cpu_measured} measured job(s)",
            percent(totals.cpu_efficiency_percent),
            f"wasted {_hours(totals.wasted_core_hours)} core-hours",
        ],
        [
            "memory",
            f"{size(totals.mem_peak_mib)} peak of {size(totals.mem_given_mib)} given "
            f"in {totals.mem_measured} measured job(s)",
            percent(totals.mem_efficiency_percent),
            f"wasted {_hours(totals.wasted_mem_gib_hours)} GiB-hours",
        ],
    ]
    if totals.gpu_hours:
        rows.append(
            [
                "GPU",
                f"{_hours(totals.gpu_hours)} GPU-hours allocated, utilisation recorded for "
                f"{totals.gpu_measured} job(s)",
                percent(totals.gpu_efficiency_percent) if totals.gpu_measured else "not measured",
                f"wasted {_hours(totals.wasted_gpu_hours)} GPU-hours"
                if totals.gpu_measured
                else "",
            ]
        )
    render_table(out.stream, ["", "", "", ""], rows, left=(0, 1, 3), show_header=False)
    users = by_user(effs)
    if len(users) > 1:
        out.stream.write("\nby user:\n")
        render_table(
            out.stream,
            ["USER", "JOBS", "CPU EFF", "WASTED CORE-H", "MEM EFF", "WASTED GIB-H"],
            [
                [
                    name,
                    str(t.jobs),
                    percent(t.cpu_efficiency_percent),
                    _hours(t.wasted_core_hours),
                    percent(t.mem_efficiency_percent),
                    _hours(t.wasted_mem_gib_hours),
                ]
                for name, t in users.items()
            ],
        )
    worst = most_wasteful(effs, answer["top"], answer["sort"])
    if worst:
        by = "wasted core-hours" if answer["sort"] == "cpu" else "wasted memory GiB-hours"
        out.stream.write(f"\nmost wasteful first (by {by}):\n")
        render_table(out.stream, WASTE_COLUMNS, [_waste_row(e) for e in worst], left=(0, 1, 2))


def _current_user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def run_summary(args: argparse.Namespace, out: Any) -> int:
    now = datetime.now(UTC)
    since = parse_when(args.since or DEFAULT_SINCE, now, "--since")
    until = parse_when(args.until, now, "--until") if args.until else now
    if since >= until:
        raise ValueError(
            f"--since ({local_time(since)}) must be before --until ({local_time(until)})"
        )
    top = args.top
    accounts = _names(args.account, "-A")
    users = None if args.allusers else _names(args.user, "-u")
    if users is None and not args.allusers and accounts is None:
        users = [_current_user()]  # as sacct does: your own jobs unless told otherwise
    records = _load(
        start=since,
        end=until,
        users=users,
        accounts=accounts,
        clusters=_names(args.clusters, "-M"),
    )
    effs = [efficiency(r) for r in records]
    answer = summary_answer(
        effs, users=users, accounts=accounts, since=since, until=until, top=top, sort=args.sort
    )
    if args.json:
        out.json(answer)
        return 0
    who = ", ".join(users) if users else "all users"
    if accounts:
        who += f" in {', '.join(accounts)}"
    _show_summary(out, who, answer, effs)
    return 0


def run(args: argparse.Namespace, out: Any) -> int:
    if args.jobid is not None:
        chosen = [
            flag
            for flag, given in (
                ("-u", args.user),
                ("-A", args.account),
                ("-a", args.allusers),
                ("--since", args.since),
                ("--until", args.until),
            )
            if given
        ]
        if chosen:
            raise ValueError(f"a JOBID does not go with {', '.join(chosen)}")
        return run_job(args, out)
    return run_summary(args, out)


def add_parser(sub: Any, summary: str) -> None:
    parser = sub.add_parser(
        "eff",
        help=summary,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "How well jobs used what they asked for, from slurmdbd, as seff does: time used\n"
            "against the limit, CPU efficiency (CPU time / (elapsed x allocated CPUs)), and\n"
            "memory efficiency (the largest MaxRSS of any step / the memory per node).\n"
            "With JOBID: one job, or every task of an array and their sum (JOBID_TASK for\n"
            "one task). Without: the jobs of users or accounts over a period, most wasteful\n"
            "first (your own jobs of the last 7 days by default)."
        ),
        epilog=(
            "examples:\n"
            "  slurmlib eff 1234\n"
            "  slurmlib eff 1234_5 --json\n"
            "  slurmlib eff -u alice --since 7d --top 5\n"
            "  slurmlib eff -A physics --since 2026-11-01 --until 2026-12-01 --sort mem"
        ),
    )
    parser.add_argument(
        "jobid", metavar="JOBID", nargs="?", help="a job id (1234, or 1234_5 for an array task)"
    )
    parser.add_argument("-u", "--user", metavar="USER[,USER]", help="these users' jobs")
    parser.add_argument("-A", "--account", metavar="ACCOUNT[,ACCOUNT]", help="these accounts' jobs")
    parser.add_argument("-a", "--allusers", action="store_true", help="every user's jobs")
    parser.add_argument(
        "-S",
        "--since",
        "--starttime",
        metavar="WHEN",
        help=f"start of the period: 7d, 12h, 30m back, or 2026-11-20[T08:00] "
        f"(default {DEFAULT_SINCE})",
    )
    parser.add_argument(
        "-E", "--until", "--endtime", metavar="WHEN", help="end of the period (default now)"
    )
    parser.add_argument(
        "--top",
        type=count(),
        default=DEFAULT_TOP,
        metavar="N",
        help=f"list the N most wasteful jobs (default {DEFAULT_TOP}; 0 lists all)",
    )
    parser.add_argument(
        "--sort",
        choices=("cpu", "mem"),
        default="cpu",
        help="rank by wasted core-hours (cpu, default) or wasted memory GiB-hours (mem)",
    )
    parser.add_argument("-M", "--clusters", metavar="CLUSTER", help="another cluster's jobs")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(runner=run)
