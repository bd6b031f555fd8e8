"""Job efficiency from accounting records: the arithmetic behind ``slurmlib eff``.

Pure functions over :class:`slurmlib.db.DbJob` records; nothing here talks to Slurm. What is
compared with what, as ``seff`` does:

- **time**: the elapsed time against the time limit.
- **CPU**: the job's total CPU time (user + system of all its steps, sacct's ``TotalCPU``)
  against its core-walltime, the elapsed time x the allocated CPUs (sacct's ``AllocCPUS``).
- **memory**: the peak — the largest ``MaxRSS`` of any step, which sacct reports as the
  largest resident set of one task — against the memory the job had on each node: its
  ``mem`` TRES (allocated; the requested one before it started) divided by its node count.
  For ``--mem`` that is the request per node; for ``--mem-per-cpu`` the request x the CPUs
  on a node (averaged over the nodes). A step that runs several tasks on a node can use more
  than its ``MaxRSS``: the peak is then a lower bound.
- **GPU**: the GPU-hours allocated (the job's ``gres/gpu`` x its elapsed time, however it
  asked for them) against the GPU utilisation its steps recorded (``gres/gpuutil``). That
  is recorded only where the site gathers GPU usage (AcctGatherGpu, NVML or RSMI): without
  it the efficiency and the waste are None, "not measured", never estimated.

Efficiencies are ``None``, with a note that says why, for a job that has not ended (Slurm
records CPU time and ``MaxRSS`` when a step ends), that never ran, that ran for less than a
second, or whose steps left no measurement.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .arguments import EPOCH, has_units, parse_duration, parse_time

if TYPE_CHECKING:  # slurmlib.db loads the bindings: only ``eff`` itself should pay for it
    from ..db import DbJob

MIB = 1024 * 1024


def parse_job_arg(text: str) -> tuple[int, int | None]:
    """``"1234"`` → ``(1234, None)``; ``"1234_5"`` → ``(1234, 5)`` (an array task)."""
    match = re.fullmatch(r"(\d+)(?:_(\d+))?", text.strip())
    if match is None or not 0 < int(match[1]) < 2**32:
        raise ValueError(f"not a job id: {text!r} (use 1234 or 1234_5)")
    return int(match[1]), int(match[2]) if match[2] is not None else None


def parse_when(text: str, now: datetime, flag: str) -> datetime:
    """A point in time: ``now``, a duration back from now (``7d``, ``12h``, ``30m``, ``2w``,
    ``1d12h``) or an ISO date or time (``2026-11-20``, ``2026-11-20T08:00``; local time
    unless it names its zone). Aware, as ``now`` must be; not before 1970, where Unix time
    (and so accounting) begins."""
    value = text.strip().lower()
    if value == "now":
        return now
    if has_units(value):
        seconds = parse_duration(value, flag, unit=None, maximum=math.inf)
        if seconds > (now - EPOCH).total_seconds():
            raise ValueError(f"{flag}: {text!r} reaches back before 1970")
        return now - timedelta(seconds=seconds)
    if not re.fullmatch(r"\d{4}-\d\d-\d\d.*", value):
        raise ValueError(
            f"{flag}: not a duration (7d, 12h, 30m) or a date (2026-11-20, "
            f"2026-11-20T08:00): {text!r}"
        )
    return parse_time(text, flag)


def _percent(part: float, whole: float) -> float | None:
    return part / whole * 100 if whole > 0 else None


def job_label(job: DbJob) -> str:
    """The id as sacct prints it: ``7``, ``4_1`` (array task), ``4_[pending]`` (the tasks of
    an array that have not started), ``12+1`` (a heterogeneous job's component)."""
    if job.array_job_id is not None:
        if job.array_task_id is not None:
            return f"{job.array_job_id}_{job.array_task_id}"
        return f"{job.array_job_id}_[pending]"
    if job.het_job_id is not None and job.het_job_offset is not None:
        return f"{job.het_job_id}+{job.het_job_offset}"
    return str(job.job_id)


@dataclass(frozen=True, slots=True)
class Efficiency:
    """How well one job (or one array task) used what it was given."""

    label: str
    job_id: int
    array_job_id: int | None
    array_task_id: int | None
    name: str | None
    user: str | None
    account: str | None
    partition: str | None
    state: str
    """The base state (``COMPLETED``, ``TIMEOUT``, ...), as :class:`JobState` names it."""
    state_text: str
    exit_code: int | None
    nodes: str | None
    node_count: int
    cpus: int
    elapsed_seconds: int
    time_limit_seconds: int | None
    """None when the job has no limit."""
    cpu_time_seconds: float | None
    """Total CPU time of all steps; None until the job has ended."""
    mem_requested_mib: int | None
    """The job's ``mem`` TRES, all nodes together."""
    mem_per_node_mib: float | None
    max_rss_bytes: int | None
    """The largest MaxRSS of any step, bytes; None until a step has been measured."""
    max_rss_step: str | None
    """The step it comes from, as sacct names it (``7.1``, ``7.batch``)."""
    cpu_measured: bool
    mem_measured: bool
    notes: tuple[str, ...]
    gpus: int = 0
    """GPUs allocated (``gres/gpu`` of AllocTRES; the request before it started)."""
    gpu_utilization_percent: float | None = None
    """GPU utilisation its steps recorded (``gres/gpuutil``); None where not gathered."""

    @property
    def time_used_percent(self) -> float | None:
        """The elapsed time as a percentage of the time limit; None without a limit."""
        if self.time_limit_seconds is None:
            return None
        return _percent(self.elapsed_seconds, self.time_limit_seconds)

    @property
    def core_walltime_seconds(self) -> int:
        """Elapsed seconds x allocated CPUs: the CPU time the job could have used."""
        return self.cpus * self.elapsed_seconds

    @property
    def cpu_efficiency_percent(self) -> float | None:
        """CPU time over core-walltime, percent; None when the CPU time was not measured."""
        if not self.cpu_measured or self.cpu_time_seconds is None:
            return None
        return _percent(self.cpu_time_seconds, self.core_walltime_seconds)

    @property
    def wasted_core_hours(self) -> float | None:
        """Core-walltime not spent on the CPU (never below 0)."""
        if not self.cpu_measured or self.cpu_time_seconds is None:
            return None
        return max(self.core_walltime_seconds - self.cpu_time_seconds, 0.0) / 3600

    @property
    def peak_mib(self) -> float | None:
        """:attr:`max_rss_bytes` in MiB; None until a step has been measured."""
        return self.max_rss_bytes / MIB if self.max_rss_bytes is not None else None

    @property
    def mem_efficiency_percent(self) -> float | None:
        """The peak over the memory per node, percent; None when either is unknown."""
        if not self.mem_measured or self.peak_mib is None or not self.mem_per_node_mib:
            return None
        return _percent(self.peak_mib, self.mem_per_node_mib)

    @property
    def unused_mem_mib(self) -> float | None:
        """Memory given but never used, on all nodes: (per node - peak) x nodes."""
        if not self.mem_measured or self.peak_mib is None or self.mem_per_node_mib is None:
            return None
        return max(self.mem_per_node_mib - self.peak_mib, 0.0) * max(self.node_count, 1)

    @property
    def wasted_mem_gib_hours(self) -> float | None:
        """The unused memory held for the job's whole elapsed time, GiB x hours."""
        unused = self.unused_mem_mib
        if unused is None:
            return None
        return unused / 1024 * self.elapsed_seconds / 3600

    @property
    def gpu_hours(self) -> float:
        """GPUs x elapsed time, hours: what the job held, used or not."""
        return self.gpus * self.elapsed_seconds / 3600

    @property
    def gpu_measured(self) -> bool:
        """Whether the job had GPUs and its steps recorded their utilisation."""
        return self.gpus > 0 and self.gpu_utilization_percent is not None

    @property
    def gpu_efficiency_percent(self) -> float | None:
        """The recorded GPU utilisation, percent, at most 100; None unless :attr:`gpu_measured`."""
        if self.gpus <= 0 or self.gpu_utilization_percent is None:
            return None
        return min(self.gpu_utilization_percent, 100.0)

    @property
    def wasted_gpu_hours(self) -> float | None:
        """GPU-hours allocated but not used (None unless utilisation was recorded)."""
        efficiency = self.gpu_efficiency_percent
        return None if efficiency is None else self.gpu_hours * (1 - efficiency / 100)

    def to_dict(self) -> dict[str, Any]:
        """The fields and the derived figures as JSON-ready data (``eff --json``'s ``jobs``);
        percentages rounded to 2 decimals, hours to 4, CPU seconds to 3."""
        return {
            "job": self.label,
            "job_id": self.job_id,
            "array_job_id": self.array_job_id,
            "array_task_id": self.array_task_id,
            "name": self.name,
            "user": self.user,
            "account": self.account,
            "partition": self.partition,
            "state": self.state,
            "state_text": self.state_text,
            "exit_code": self.exit_code,
            "nodes": self.nodes,
            "node_count": self.node_count,
            "cpus": self.cpus,
            "elapsed_seconds": self.elapsed_seconds,
            "time_limit_seconds": self.time_limit_seconds,
            "time_used_percent": _round(self.time_used_percent, 2),
            "cpu_time_seconds": _round(self.cpu_time_seconds, 3),
            "core_walltime_seconds": self.core_walltime_seconds,
            "cpu_efficiency_percent": _round(self.cpu_efficiency_percent, 2),
            "wasted_core_hours": _round(self.wasted_core_hours, 4),
            "mem_requested_mib": self.mem_requested_mib,
            "mem_per_node_mib": _round(self.mem_per_node_mib, 2),
            "max_rss_bytes": self.max_rss_bytes,
            "max_rss_step": self.max_rss_step,
            "mem_efficiency_percent": _round(self.mem_efficiency_percent, 2),
            "unused_mem_mib": _round(self.unused_mem_mib, 2),
            "wasted_mem_gib_hours": _round(self.wasted_mem_gib_hours, 4),
            "gpus": self.gpus,
            "gpu_hours": round(self.gpu_hours, 4),
            "gpu_efficiency_percent": _round(self.gpu_efficiency_percent, 2),
            "wasted_gpu_hours": _round(self.wasted_gpu_hours, 4),
            "notes": list(self.notes),
        }


def _round(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def efficiency(job: DbJob) -> Efficiency:
    """What one accounting record says about how the job used its allocation."""
    from ..states import JobState

    label = job_label(job)
    ran = job.start_time is not None and job.node_count > 0
    tres = job.tres_allocated if job.tres_allocated else job.tres_requested
    cpus = tres.get("cpu", job.requested_cpus)
    node_count = job.node_count if job.node_count > 0 else tres.get("node", 1)
    mem = tres.get("mem")
    mem_per_node = mem / max(node_count, 1) if mem else None
    measured_steps = [s for s in job.steps if s.max_rss_bytes is not None]
    peak = max(measured_steps, key=lambda s: s.max_rss_bytes or 0, default=None)
    limit = job.time_limit
    notes: list[str] = []
    ended = job.state.finished
    if job.state is JobState.PENDING:
        notes.append("has not started")
    elif not ended:
        notes.append("still running: CPU time and MaxRSS are recorded when its steps end")
    elif not ran:
        notes.append("never ran")
    elif job.elapsed.total_seconds() < 1:
        notes.append("ran for less than a second")
    elif not job.steps:
        notes.append("no step data in accounting")
    cpu_measured = not notes and cpus > 0
    mem_measured = not notes and peak is not None and mem_per_node is not None
    if not notes:
        if peak is None:
            notes.append("no step has a MaxRSS in accounting")
        elif mem_per_node is None:
            notes.append("no memory request in accounting")
    gpus = tres.get("gres/gpu", 0)
    if gpus and ran and job.gpu_utilization is None:
        notes.append("GPU utilisation not measured (no gres/gpuutil in accounting)")
    return Efficiency(
        label=label,
        job_id=job.job_id,
        array_job_id=job.array_job_id,
        array_task_id=job.array_task_id,
        name=job.name,
        user=job.user,
        account=job.account,
        partition=job.partition,
        state=job.state.name,
        state_text=job.state_text,
        exit_code=job.exit_code,
        nodes=job.nodes if ran else None,
        node_count=job.node_count,
        cpus=cpus,
        elapsed_seconds=int(job.elapsed.total_seconds()),
        time_limit_seconds=(int(limit.total_seconds()) if isinstance(limit, timedelta) else None),
        cpu_time_seconds=job.total_cpu.total_seconds() if ended and ran else None,
        mem_requested_mib=mem,
        mem_per_node_mib=mem_per_node,
        max_rss_bytes=peak.max_rss_bytes if peak is not None else None,
        max_rss_step=f"{label}.{peak.step}" if peak is not None else None,
        cpu_measured=cpu_measured,
        mem_measured=mem_measured,
        notes=tuple(notes),
        gpus=gpus,
        gpu_utilization_percent=(
            float(job.gpu_utilization) if job.gpu_utilization is not None else None
        ),
    )


@dataclass(slots=True)
class Totals:
    """Jobs added up: an array's tasks, or everything a user ran in a period.

    CPU figures add up the jobs whose CPU time was measured; memory figures those whose
    peak was; the memory efficiency is the peaks (x nodes) over the memory given, summed.
    """

    jobs: int = 0
    states: Counter[str] = field(default_factory=Counter)
    cpu_measured: int = 0
    mem_measured: int = 0
    elapsed_seconds: int = 0
    cpu_time_seconds: float = 0.0
    core_walltime_seconds: int = 0
    wasted_core_hours: float = 0.0
    mem_given_mib: float = 0.0
    mem_peak_mib: float = 0.0
    max_rss_bytes: int | None = None
    unused_mem_mib: float = 0.0
    wasted_mem_gib_hours: float = 0.0
    gpu_hours: float = 0.0
    gpu_measured: int = 0
    gpu_measured_hours: float = 0.0
    wasted_gpu_hours: float = 0.0

    def add(self, eff: Efficiency) -> None:
        """Count ``eff`` in: its state and elapsed time always, its CPU, memory and GPU
        figures only where they were measured."""
        self.jobs += 1
        self.states[eff.state] += 1
        self.elapsed_seconds += eff.elapsed_seconds
        if eff.cpu_measured and eff.cpu_time_seconds is not None:
            self.cpu_measured += 1
            self.cpu_time_seconds += eff.cpu_time_seconds
            self.core_walltime_seconds += eff.core_walltime_seconds
            self.wasted_core_hours += eff.wasted_core_hours or 0.0
        if eff.mem_measured and eff.peak_mib is not None and eff.mem_per_node_mib:
            nodes = max(eff.node_count, 1)
            self.mem_measured += 1
            self.mem_given_mib += eff.mem_per_node_mib * nodes
            self.mem_peak_mib += eff.peak_mib * nodes
            self.unused_mem_mib += eff.unused_mem_mib or 0.0
            self.wasted_mem_gib_hours += eff.wasted_mem_gib_hours or 0.0
        if eff.max_rss_bytes is not None:
            self.max_rss_bytes = max(self.max_rss_bytes or 0, eff.max_rss_bytes)
        self.gpu_hours += eff.gpu_hours
        if eff.gpu_measured:
            self.gpu_measured += 1
            self.gpu_measured_hours += eff.gpu_hours
            self.wasted_gpu_hours += eff.wasted_gpu_hours or 0.0

    @property
    def cpu_efficiency_percent(self) -> float | None:
        """CPU time over core-walltime of the measured jobs, percent; None if none was."""
        return _percent(self.cpu_time_seconds, self.core_walltime_seconds)

    @property
    def mem_efficiency_percent(self) -> float | None:
        """The peaks (x nodes) over the memory given, summed, percent; None if none was."""
        return _percent(self.mem_peak_mib, self.mem_given_mib)

    @property
    def gpu_efficiency_percent(self) -> float | None:
        """GPU-hours used over GPU-hours allocated, of the jobs whose use was recorded."""
        used = self.gpu_measured_hours - self.wasted_gpu_hours
        return _percent(used, self.gpu_measured_hours)

    def to_dict(self) -> dict[str, Any]:
        """The totals as JSON-ready data (``eff --json``'s ``total`` and ``by_user``);
        ``wasted_gpu_hours`` is null when no job's GPU use was recorded."""
        return {
            "jobs": self.jobs,
            "states": dict(sorted(self.states.items())),
            "cpu_measured": self.cpu_measured,
            "mem_measured": self.mem_measured,
            "elapsed_seconds": self.elapsed_seconds,
            "cpu_time_seconds": round(self.cpu_time_seconds, 3),
            "core_walltime_seconds": self.core_walltime_seconds,
            "cpu_efficiency_percent": _round(self.cpu_efficiency_percent, 2),
            "wasted_core_hours": round(self.wasted_core_hours, 4),
            "max_rss_bytes": self.max_rss_bytes,
            "mem_efficiency_percent": _round(self.mem_efficiency_percent, 2),
            "unused_mem_mib": round(self.unused_mem_mib, 2),
            "wasted_mem_gib_hours": round(self.wasted_mem_gib_hours, 4),
            "gpu_hours": round(self.gpu_hours, 4),
            "gpu_measured": self.gpu_measured,
            "gpu_efficiency_percent": _round(self.gpu_efficiency_percent, 2),
            "wasted_gpu_hours": round(self.wasted_gpu_hours, 4) if self.gpu_measured else None,
        }


def total(effs: Iterable[Efficiency]) -> Totals:
    """All of ``effs`` added up in one :class:`Totals`."""
    result = Totals()
    for eff in effs:
        result.add(eff)
    return result


def by_user(effs: Iterable[Efficiency]) -> dict[str, Totals]:
    """Totals per user, the most wasteful user (core-hours) first."""
    users: dict[str, Totals] = {}
    for eff in effs:
        users.setdefault(eff.user or "?", Totals()).add(eff)
    return dict(
        sorted(
            users.items(),
            key=lambda item: (-item[1].wasted_core_hours, -item[1].wasted_mem_gib_hours, item[0]),
        )
    )


def most_wasteful(effs: Sequence[Efficiency], top: int, by: str = "cpu") -> list[Efficiency]:
    """The measured jobs that wasted most, first: by wasted core-hours (``cpu``) or by
    wasted memory GiB-hours (``mem``), the other as the tie-break; ``top`` 0 keeps all."""
    measured = [e for e in effs if e.cpu_measured or e.mem_measured]

    def key(eff: Efficiency) -> tuple[float, float, int]:
        cpu = eff.wasted_core_hours or 0.0
        mem = eff.wasted_mem_gib_hours or 0.0
        return (-cpu, -mem, eff.job_id) if by == "cpu" else (-mem, -cpu, eff.job_id)

    ranked = sorted(measured, key=key)
    return ranked[:top] if top else ranked
