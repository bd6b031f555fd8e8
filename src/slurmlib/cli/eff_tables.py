"""The human view of ``slurmlib eff``: durations, sizes and efficiencies as people read
them, and the tables of one job, of an array and of a period.

What is measured against what is :mod:`slurmlib.cli.efficiency`'s; loading the records
and ``--json`` are :mod:`slurmlib.cli.eff`'s. Colour (red below 25 %, yellow below
50 %) shows only on a terminal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .efficiency import MIB, Efficiency, Totals, by_user, most_wasteful, total
from .words import local_time, render_table

Cell = str | tuple[str, str]


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


def show_one(out: Any, eff: Efficiency) -> None:
    """Write one job's heading line and its rows: time against the limit, CPU, memory, GPUs
    when it had some, the core- and GPU-hours wasted, and the notes of the measurement."""
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


def show_many(out: Any, label: str, effs: list[Efficiency]) -> None:
    """Write an array (or a job with several records) as ``label``: a row per record in the
    order given, then their total."""
    first = effs[0]
    out.stream.write(
        f"job {label} ({first.user}, {first.name}): {len(effs)} records, "
        f"account {first.account}, partition {first.partition}\n"
    )
    rows = [_job_row(e) for e in effs]
    rows.append(_total_row("total", total(effs)))
    render_table(out.stream, JOB_COLUMNS, rows, left=(0, 1, 10))


# --- a user's jobs over a period ---------------------------------------------------------


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


def show_summary(out: Any, who: str, answer: dict[str, Any], effs: list[Efficiency]) -> None:
    """Write a period's jobs: the count by state, CPU, memory and GPU totals, a line per user
    when there are several, and the ``answer["top"]`` most wasteful by ``answer["sort"]``.

    ``answer`` is :func:`slurmlib.cli.eff.summary_answer`'s, for the period and the ranking.
    """
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
