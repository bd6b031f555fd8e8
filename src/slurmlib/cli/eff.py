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
what, is in :mod:`slurmlib.cli.efficiency`; the tables people read, in
:mod:`slurmlib.cli.eff_tables`. This module loads the records and answers ``--json``.
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
from .eff_tables import show_many, show_one, show_summary
from .efficiency import (
    Efficiency,
    by_user,
    efficiency,
    most_wasteful,
    parse_job_arg,
    parse_when,
    total,
)
from .words import iso, local_time

if TYPE_CHECKING:  # slurmlib.db loads the bindings: only when ``eff`` runs
    from ..db import DbJob

DEFAULT_SINCE = "7d"
DEFAULT_TOP = 10


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


def run_job(args: argparse.Namespace, out: Any) -> int:
    """``eff JOBID``: one job's efficiency, or each task of an array and their sum; exit 0."""
    job_id, task = parse_job_arg(args.jobid)
    records = select(_load(job_ids=[job_id], clusters=_names(args.clusters, "-M")), job_id, task)
    label = f"{job_id}_{task}" if task is not None else str(job_id)
    if args.json:
        out.json(job_answer(label, records))
        return 0
    effs = [efficiency(r) for r in records]
    if len(effs) == 1:
        show_one(out, effs[0])
    else:
        show_many(out, label, effs)
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


def _current_user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def run_summary(args: argparse.Namespace, out: Any) -> int:
    """``eff`` without a JOBID: the jobs of a period (your own of the last 7 days unless
    ``-u``, ``-A`` or ``-a`` says otherwise) added up, by user and most wasteful first."""
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
    show_summary(out, who, answer, effs)
    return 0


def run(args: argparse.Namespace, out: Any) -> int:
    """Run ``slurmlib eff`` on parsed arguments; a JOBID with a period's options is refused."""
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
    """Add the ``eff`` subcommand and its options to the ``slurmlib`` subparsers ``sub``."""
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
