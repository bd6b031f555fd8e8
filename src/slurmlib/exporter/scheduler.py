"""Prometheus metric families from the controller's scheduler statistics (``sdiag``).

slurmctld resets these counters at midnight and on ``sdiag --reset``: they are exposed as
counters all the same, which Prometheus' ``rate()`` handles (a drop is a reset).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from ..records import RpcStat, Stats


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _timestamp(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


_GAUGES: tuple[tuple[str, str, Callable[[Stats], float | None]], ...] = (
    (
        "slurm_scheduler_server_threads",
        "slurmctld's active RPC threads.",
        lambda s: s.server_threads,
    ),
    (
        "slurm_scheduler_agent_queue_size",
        "Outgoing RPCs waiting in slurmctld's agent queue.",
        lambda s: s.agent_queue_size,
    ),
    ("slurm_scheduler_agents", "slurmctld's running agents.", lambda s: s.agent_count),
    ("slurm_scheduler_agent_threads", "Threads of those agents.", lambda s: s.agent_threads),
    (
        "slurm_scheduler_dbd_agent_queue_size",
        "Messages waiting for slurmdbd (grows while slurmdbd is unreachable).",
        lambda s: s.dbd_agent_queue_size,
    ),
    (
        "slurm_scheduler_cycle_last_seconds",
        "Duration of the main scheduler's last cycle.",
        lambda s: _seconds(s.main_cycle_last),
    ),
    (
        "slurm_scheduler_cycle_max_seconds",
        "Longest main scheduler cycle since the statistics were reset.",
        lambda s: _seconds(s.main_cycle_max),
    ),
    (
        "slurm_scheduler_cycle_mean_seconds",
        "Mean main scheduler cycle since the statistics were reset.",
        lambda s: _seconds(s.main_cycle_mean),
    ),
    (
        "slurm_scheduler_cycle_mean_depth",
        "Mean number of jobs the main scheduler looked at per cycle.",
        lambda s: s.main_cycle_mean_depth,
    ),
    (
        "slurm_scheduler_queue_length",
        "Jobs in the main scheduler's queue at its last cycle.",
        lambda s: s.main_queue_length,
    ),
    (
        "slurm_backfill_active",
        "1 while a backfill cycle runs.",
        lambda s: 1.0 if s.backfill_active else 0.0,
    ),
    (
        "slurm_backfill_cycle_last_seconds",
        "Duration of the last backfill cycle.",
        lambda s: _seconds(s.backfill_cycle_last),
    ),
    (
        "slurm_backfill_cycle_max_seconds",
        "Longest backfill cycle since the statistics were reset.",
        lambda s: _seconds(s.backfill_cycle_max),
    ),
    (
        "slurm_backfill_cycle_mean_seconds",
        "Mean backfill cycle since the statistics were reset.",
        lambda s: _seconds(s.backfill_cycle_mean),
    ),
    (
        "slurm_backfill_last_depth",
        "Jobs the last backfill cycle considered.",
        lambda s: s.backfill_last_depth,
    ),
    (
        "slurm_backfill_last_depth_tried",
        "Jobs the last backfill cycle tried to start.",
        lambda s: s.backfill_last_depth_tried,
    ),
    (
        "slurm_backfill_queue_length",
        "Jobs in the backfill queue at its last cycle.",
        lambda s: s.backfill_queue_length,
    ),
    (
        "slurm_backfill_last_cycle_timestamp_seconds",
        "When the last backfill cycle ran (Unix time).",
        lambda s: _timestamp(s.backfill_last_cycle_at),
    ),
    (
        "slurm_scheduler_stats_reset_timestamp_seconds",
        "When the controller last reset these statistics (Unix time).",
        lambda s: _timestamp(s.since),
    ),
)

_COUNTERS: tuple[tuple[str, str, Callable[[Stats], int]], ...] = (
    ("slurm_scheduler_jobs_submitted", "Jobs submitted.", lambda s: s.jobs_submitted),
    ("slurm_scheduler_jobs_started", "Jobs started.", lambda s: s.jobs_started),
    ("slurm_scheduler_jobs_completed", "Jobs completed.", lambda s: s.jobs_completed),
    ("slurm_scheduler_jobs_canceled", "Jobs cancelled.", lambda s: s.jobs_canceled),
    ("slurm_scheduler_jobs_failed", "Jobs failed.", lambda s: s.jobs_failed),
    ("slurm_scheduler_cycles", "Main scheduler cycles.", lambda s: s.main_cycles),
    ("slurm_backfill_cycles", "Backfill cycles.", lambda s: s.backfill_cycles),
    ("slurm_backfilled_jobs", "Jobs started by backfill.", lambda s: s.backfilled_jobs),
)

_SINCE = " Since the statistics were reset (midnight, or sdiag --reset)."


def scheduler_metrics(stats: Stats, user_labels: bool = True) -> list[Metric]:
    """sdiag's numbers; RPCs by user only with ``user_labels``."""
    families: list[Metric] = []
    for name, text, value in _GAUGES:
        reading = value(stats)
        if reading is not None:
            families.append(GaugeMetricFamily(name, text, value=reading))
    for name, text, count in _COUNTERS:
        families.append(CounterMetricFamily(name, text + _SINCE, value=count(stats)))
    families += _rpc_metrics(
        "slurm_rpc",
        "rpc",
        "RPCs the controller served, by message type (sdiag's number in parentheses).",
        stats.rpcs_by_type,
        lambda rpc: str(rpc.id),
    )
    if user_labels:
        families += _rpc_metrics(
            "slurm_rpc_user",
            "user",
            "RPCs the controller served, by calling user.",
            stats.rpcs_by_user,
            lambda rpc: rpc.name or str(rpc.id),
        )
    return families


def _rpc_metrics(
    prefix: str,
    label: str,
    text: str,
    rpcs: tuple[RpcStat, ...],
    key: Callable[[RpcStat], str],
) -> list[Metric]:
    calls = CounterMetricFamily(f"{prefix}_calls", text + _SINCE, labels=[label])
    time = CounterMetricFamily(
        f"{prefix}_time_seconds", "Time the controller spent on them." + _SINCE, labels=[label]
    )
    for rpc in rpcs:
        calls.add_metric([key(rpc)], rpc.count)
        time.add_metric([key(rpc)], rpc.total_time.total_seconds())
    return [calls, time]
