"""Accounting jobs and their steps: a ``list_t`` of ``slurmdb_job_rec_t`` into records.

A job list is copied out of C in one call (``_build/bulk_db_c.py``), the steps of every
job into a second set of columns, and the records are assembled in C from the plans the
descriptions make (``_bulk.Assembler``): per field in Python, 141,638 jobs took 6.1 s where
sacct printed them in 2.3 s. What needs Python runs once per distinct value, through the
caches of one call (TRES strings, states, users, QoS ids).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from itertools import accumulate
from typing import Any

from .. import _bulk, _gres
from .. import convert as cv
from .._build import bulk_spec as _bulk_spec
from .._build import layouts
from ..native import ffi, lib
from ..states import JOB_STATE_BASE, JobState
from ._convert import Names, _absent_where_missing, _by_row, _columns, _widths, tres_dict
from .records import DbJob, DbStep

_text = cv.text

_MEM_TRES_ID = str(2)  # TRES_MEM: fixed id in every release (cpu 1, mem 2, energy 3, node 4)


def _state(value: int) -> tuple[JobState, str]:
    base = value & JOB_STATE_BASE
    return JobState(base), _text(lib.slurm_job_state_string(value)) or JobState(base).name


def _usage(value: str | None) -> dict[str, str]:
    return dict(item.split("=", 1) for item in (value or "").split(",") if "=" in item)


def _max_rss(usage_max: str | None) -> int | None:
    value = _usage(usage_max).get(_MEM_TRES_ID)
    return int(value) if value and value.isdigit() else None


_step_assembler = _bulk.Assembler(
    DbStep,
    _bulk_spec.DB_STEPS,
    _absent_where_missing(_bulk.plan(layouts.DB_STEP_PLAN, {}), _bulk_spec.DB_STEPS),
    caches=(
        "states",
        "times",
        "seconds",
        "micros",
        "step_names",
        "tres",
        "max_rss",
        "gpu_utilization",
        "gpu_memory",
    ),
)
_job_assembler = _bulk.Assembler(
    DbJob,
    _bulk_spec.DB_JOBS,
    _absent_where_missing(_bulk.plan(layouts.DB_JOB_PLAN, {}), _bulk_spec.DB_JOBS),
    caches=(
        "users",
        "qos",
        "states",
        "times",
        "seconds",
        "micros",
        "limits",
        "tres",
        "gpu_counts",
        "gpu_types",
        "array_tasks",
        "gpu_utilization",
        "steps",
    ),
)


_JOB_WIDTHS = _widths(_bulk_spec.DB_JOBS)
_STEP_WIDTHS = _widths(_bulk_spec.DB_STEPS)
_STEP_COUNT = [*_bulk_spec.DB_JOBS.ints, *_bulk_spec.DB_JOBS.computed_ints].index("step_count")
_AT_ONCE = _bulk_spec.DB_JOBS.ints.index("array_max_tasks")
_ARRAY_TASKS = _bulk_spec.DB_JOBS.strings.index("array_task_str")


def _gpu_utilization(steps: tuple[DbStep, ...]) -> int | None:
    """The steps' GPU utilisation weighted by elapsed time; None if none has one."""
    measured = [s for s in steps if s.gpu_utilization is not None]
    if not measured:
        return None
    seconds = sum(s.elapsed.total_seconds() for s in measured)
    if seconds <= 0:
        return round(sum(s.gpu_utilization or 0 for s in measured) / len(measured))
    return round(
        sum((s.gpu_utilization or 0) * s.elapsed.total_seconds() for s in measured) / seconds
    )


def _array_tasks(tasks: str | None, at_once: int) -> str | None:
    """The pending tasks' range text, as sacct prints it between brackets (``1,3,7-9%2``).

    slurmdbd keeps the task set as a hexadecimal bitmap (``0x38A``: bits 1, 3, 7, 8, 9).
    """
    if not tasks:
        return None
    text = tasks.split("%", 1)[0]
    if text.lower().startswith("0x"):
        try:
            bits = int(text, 16)
        except ValueError:
            return tasks  # not a bitmap after all: Slurm's text as it is
        text = ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in cv.bit_ranges(bits))
    if at_once not in (0, cv.NO_VAL, cv.INFINITE):
        text = f"{text}%{at_once}"
    return text


def _caches(names: Names) -> dict[str, _bulk.Cache]:
    """One call's caches, shared by its jobs and steps: each distinct value converted once."""

    def tres(value: str | None) -> Mapping[str, int]:
        return tres_dict(value, names)

    return {
        "users": _bulk.Cache(cv.user_name),
        "qos": _bulk.Cache(names.qos_name),
        "states": _bulk.Cache(_state),
        "times": _bulk.Cache(cv.timestamp),
        "seconds": _bulk.Cache(lambda value: timedelta(seconds=value)),
        "micros": _bulk.Cache(lambda value: timedelta(microseconds=value)),
        "limits": _bulk.Cache(cv.duration_minutes),
        "step_names": _bulk.Cache(lambda step_id: cv.STEP_NAMES.get(step_id, str(step_id))),
        "tres": _bulk.Cache(tres),
        "max_rss": _bulk.Cache(_max_rss),
        "gpu_counts": _bulk.Cache(lambda value: _gres.gpu_count(tres(value))),
        "gpu_types": _bulk.Cache(lambda value: _gres.gpus_by_type(tres(value))),
        "array_tasks": _bulk.Cache(lambda value: _array_tasks(value, 0)),
    }


def _step_usage_caches(names: Names) -> dict[str, _bulk.Cache]:
    def usage(key: str) -> _bulk.Cache:
        return _bulk.Cache(lambda value: tres_dict(value, names).get(key))

    return {"gpu_utilization": usage("gres/gpuutil"), "gpu_memory": usage("gres/gpumem")}


def jobs(xlist: Any, names: Names, with_steps: bool) -> tuple[DbJob, ...]:
    """Every job of a ``list_t`` of ``slurmdb_job_rec_t`` (with their steps, if asked)."""
    out = ffi.new("slurmlib_dbcolumns_t *")
    children = ffi.new("slurmlib_dbcolumns_t *")
    if lib.slurmlib_dblist_jobs(xlist, int(with_steps), out, children) != 0:
        raise MemoryError("copying accounting jobs out of C")
    try:
        job_ints, job_strings = _columns(out, *_JOB_WIDTHS)
        if not job_strings:
            return ()
        caches = _caches(names)
        steps = _step_assembler.assemble(
            *_columns(children, *_STEP_WIDTHS), {**caches, **_step_usage_caches(names)}
        )
        ints = memoryview(job_ints).cast("Q")
        caches.update(_step_caches(steps, ints[_STEP_COUNT :: _JOB_WIDTHS[0]].tolist()))
        records = _job_assembler.assemble(job_ints, job_strings, caches)
        _limit_array_tasks(records, ints[_AT_ONCE :: _JOB_WIDTHS[0]], job_strings)
    finally:
        lib.slurmlib_dbcolumns_free(out)
        lib.slurmlib_dbcolumns_free(children)
    return tuple(records)


def _step_caches(steps: list[DbStep], counts: list[int]) -> dict[str, _bulk.Cache]:
    """The "steps" and "gpu_utilization" caches, by job row (0 for every row without steps).

    Filled up front, in C-level calls: a miss would cost a Python call per job.
    """
    if not steps:
        return {
            "steps": _bulk.Cache(lambda _: ()),
            "gpu_utilization": _bulk.Cache(lambda _: None),
        }
    by_row = _by_row(steps, counts)
    per_job = [by_row[row] for row in range(len(counts))]
    utilization = _bulk.Cache(lambda row: _gpu_utilization(per_job[row]))
    utilization.update(dict.fromkeys(range(len(per_job))))
    measured = [i for i, s in enumerate(steps) if s.gpu_utilization is not None]
    if measured:
        starts = list(accumulate(counts, initial=0))
        for row in {bisect_right(starts, i) - 1 for i in measured}:
            utilization[row] = _gpu_utilization(per_job[row])
    return {"steps": by_row, "gpu_utilization": utilization}


def _limit_array_tasks(records: list[DbJob], at_once: Any, strings: list[str | None]) -> None:
    """Add the limit of tasks running at once to the pending tasks' text (``1-9%2``).

    Only pending array records have tasks, and only some a limit: done for those alone.
    """
    tasks = strings[_ARRAY_TASKS :: _JOB_WIDTHS[1]]
    for row in [i for i, text in enumerate(tasks) if text is not None]:
        limit = int(at_once[row])
        if limit not in (0, cv.NO_VAL, cv.INFINITE):
            records[row] = replace(records[row], array_tasks=_array_tasks(tasks[row], limit))
