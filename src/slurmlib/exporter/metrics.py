"""Prometheus metric families built from the controller's snapshots: nodes, jobs, licenses.

Every function here is pure: records in, metric families out. The poller calls them only
when a snapshot changed, and keeps the families it built until the next change, so an
unchanged poll costs nothing here. Units follow Prometheus: seconds, bytes (Slurm's MiB
times 2**20), plain counts for CPUs, GPUs and license tokens.
"""

from __future__ import annotations

import bisect
import copy
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric

from ..capacity import STATE_WORDS, Totals
from ..records import Job, License, Node, Partition, Snapshot
from ..states import JobState

MIB = 2**20

#: Upper bounds (seconds) of the pending-job age histogram: a minute to a week.
AGE_BUCKETS: tuple[float, ...] = (
    60,
    300,
    900,
    3600,
    4 * 3600,
    12 * 3600,
    86400,
    3 * 86400,
    7 * 86400,
)

LiveMetrics = Callable[[float], list[Metric]]
"""Families computed at scrape time from a wall-clock ``now`` (ages grow between polls)."""


def gauge(name: str, documentation: str, labels: Sequence[str]) -> GaugeMetricFamily:
    """An empty gauge family ``name`` (its HELP text ``documentation``) with these labels."""
    return GaugeMetricFamily(name, documentation, labels=list(labels))


def with_labels(families: Iterable[Metric], labels: Mapping[str, str]) -> list[Metric]:
    """Copies of ``families`` whose every sample also carries ``labels`` (first).

    The poller applies this once when it builds a source's families, not at every scrape.
    """
    if not labels:
        return list(families)
    labelled = []
    for family in families:
        twin = copy.copy(family)
        twin.samples = [s._replace(labels={**labels, **s.labels}) for s in family.samples]
        labelled.append(twin)
    return labelled


# --- nodes ---------------------------------------------------------------------------


def _kind(gres: str) -> str:
    """The ``type`` label of a GPU GRES key: ``a100`` for ``gpu:a100``, ``untyped`` for ``gpu``."""
    return gres[len("gpu:") :] if ":" in gres else "untyped"


_CAPACITY_METRICS: tuple[tuple[str, str, Callable[[Totals], float]], ...] = (
    ("cpus", "CPUs of the nodes, in every state.", lambda c: c.cpus),
    ("cpus_allocated", "CPUs allocated to jobs.", lambda c: c.cpus_allocated),
    (
        "cpus_idle",
        "CPUs free for new jobs (on nodes that are up and not drained).",
        lambda c: c.cpus_idle,
    ),
    (
        "cpus_other",
        "Unallocated CPUs on nodes that are drained, down or not responding (sinfo's O).",
        lambda c: c.cpus_other,
    ),
    ("memory_bytes", "Configured memory of the nodes.", lambda c: c.memory_mib * MIB),
    (
        "memory_allocated_bytes",
        "Memory allocated to jobs.",
        lambda c: c.memory_allocated_mib * MIB,
    ),
    (
        "memory_idle_bytes",
        "Unallocated memory on nodes that are up and not drained.",
        lambda c: c.memory_idle_mib * MIB,
    ),
    ("gpus", "GPUs (gres/gpu) of the nodes, in every state.", lambda c: c.gpus),
    ("gpus_allocated", "GPUs allocated to jobs.", lambda c: c.gpus_allocated),
    (
        "gpus_idle",
        "GPUs free for new jobs (on nodes that are up and not drained).",
        lambda c: c.gpus_idle,
    ),
)


# Over one GPU type's [total, allocated, other] (Totals.gpu_types).
_GPU_TYPE_METRICS: tuple[tuple[str, str, Callable[[list[int]], int]], ...] = (
    ("gpus", "GPUs of the nodes by GPU type, in every state.", lambda n: n[0]),
    ("gpus_allocated", "GPUs allocated to jobs, by GPU type.", lambda n: n[1]),
    (
        "gpus_idle",
        "GPUs free for new jobs, by GPU type (on nodes that are up and not drained).",
        lambda n: max(n[0] - n[1] - n[2], 0),
    ),
)


def _by_kind(totals: Totals) -> list[tuple[str, list[int]]]:
    """The GPU counts of ``totals`` by ``type`` label, in label order."""
    kinds: dict[str, list[int]] = {}
    for key, counts in totals.gpu_types.items():
        mine = kinds.setdefault(_kind(key), [0, 0, 0])
        for i, value in enumerate(counts):
            mine[i] += value
    return sorted(kinds.items())


def node_metrics(nodes: Snapshot[Node], partitions: Iterable[Partition]) -> list[Metric]:
    """Nodes by state, and CPU/memory/GPU capacity, per partition and for the cluster.

    A node in several partitions counts in each of them, as in sinfo; cluster-wide
    families count every node once.
    """
    by_name = nodes.by_key
    cluster = Totals()
    cluster.add_nodes(by_name.values())
    per_partition: dict[str, Totals] = {}
    partition_up = gauge(
        "slurm_partition_up", "1 when the partition's state is UP, else 0.", ["partition"]
    )
    for part in partitions:
        capacity = per_partition.setdefault(part.name, Totals())
        capacity.add_nodes(by_name[name] for name in part.node_names if name in by_name)
        partition_up.add_metric([part.name], 1.0 if part.state == "UP" else 0.0)

    node_states = gauge(
        "slurm_nodes",
        "Nodes by state (allocated, mixed, idle, draining, drained, down, reserved, unknown, "
        "future), each node counted once.",
        ["state"],
    )
    partition_states = gauge(
        "slurm_partition_nodes",
        "Nodes of the partition by state (as slurmlib nodes and sinfo count them).",
        ["partition", "state"],
    )
    for state in STATE_WORDS:
        node_states.add_metric([state], cluster.states.get(state, 0))
        for name, capacity in per_partition.items():
            partition_states.add_metric([name, state], capacity.states.get(state, 0))

    families: list[Metric] = [node_states, partition_states, partition_up]
    for suffix, text, value in _CAPACITY_METRICS:
        whole = GaugeMetricFamily(f"slurm_{suffix}", f"{text} Cluster-wide, each node once.")
        whole.add_metric([], value(cluster))
        per = gauge(f"slurm_partition_{suffix}", f"{text} Per partition.", ["partition"])
        for name, capacity in per_partition.items():
            per.add_metric([name], value(capacity))
        families += [whole, per]
    for suffix, text, count in _GPU_TYPE_METRICS:
        whole = gauge(f"slurm_gpu_type_{suffix}", f"{text} Cluster-wide.", ["type"])
        for kind, counts in _by_kind(cluster):
            whole.add_metric([kind], count(counts))
        per = gauge(
            f"slurm_partition_gpu_type_{suffix}", f"{text} Per partition.", ["partition", "type"]
        )
        for name, capacity in per_partition.items():
            for kind, counts in _by_kind(capacity):
                per.add_metric([name, kind], count(counts))
        families += [whole, per]
    return families


# --- jobs ----------------------------------------------------------------------------


def job_metrics(jobs: Iterable[Job], user_labels: bool = True) -> tuple[list[Metric], LiveMetrics]:
    """Jobs and their CPUs by state, partition, account (and user); pending jobs by reason.

    Also returns the scrape-time builder of the pending-job age families, which only keeps
    the sorted submit times per partition: ages grow with the clock, not with the queue.
    """
    labels = ["state", "partition", "account", *(["user"] if user_labels else [])]
    counts: Counter[tuple[str, ...]] = Counter()
    cpus: Counter[tuple[str, ...]] = Counter()
    gpus: Counter[tuple[str, ...]] = Counter()
    reasons: Counter[str] = Counter()
    submitted: dict[str, list[float]] = {}
    for job in jobs:
        key: tuple[str, ...] = (job.state.name.lower(), job.partition or "", job.account or "")
        if user_labels:
            key += (job.user_name or str(job.user_id),)
        counts[key] += 1
        cpus[key] += job.num_cpus or 0
        # Whichever way GPUs were asked for (--gres, --gpus, --gpus-per-node ...), they
        # are in the job's TRES: requested while pending, allocated once it runs.
        tres = job.tres_allocated if job.tres_allocated else job.tres_requested
        gpus[key] += tres.get("gres/gpu", 0)
        if job.state is JobState.PENDING:
            # squeue's REASON: Slurm's own description when it wrote one, else the code.
            reasons[job.state_description or job.state_reason] += 1
            if job.submit_time is not None:
                submitted.setdefault(job.partition or "", []).append(job.submit_time.timestamp())

    by_labels = gauge(
        "slurm_jobs",
        "Jobs the controller holds (a pending array counts once until it splits), by base "
        "state, partition, account" + (" and user." if user_labels else "."),
        labels,
    )
    cpus_by_labels = gauge(
        "slurm_jobs_cpus",
        "CPUs of those jobs: allocated when running, requested when pending.",
        labels,
    )
    gpus_by_labels = gauge(
        "slurm_jobs_gpus",
        "GPUs (gres/gpu) of those jobs: allocated when running, requested when pending.",
        labels,
    )
    for key, count in sorted(counts.items()):
        by_labels.add_metric(key, count)
        cpus_by_labels.add_metric(key, cpus[key])
        gpus_by_labels.add_metric(key, gpus[key])
    pending = gauge(
        "slurm_jobs_pending",
        "Pending jobs by the reason Slurm gives (squeue's REASON).",
        ["reason"],
    )
    for reason, count in sorted(reasons.items()):
        pending.add_metric([reason], count)

    ordered = {part: sorted(times) for part, times in submitted.items()}

    def ages(now: float) -> list[Metric]:
        return pending_age_metrics(ordered, now)

    return [by_labels, cpus_by_labels, gpus_by_labels, pending], ages


def pending_age_metrics(submitted: Mapping[str, Sequence[float]], now: float) -> list[Metric]:
    """How long pending jobs have waited since submission, per partition.

    ``submitted`` holds each partition's submit times (Unix seconds), sorted: every bucket
    is one binary search, so a scrape costs the same for ten jobs or fifty thousand.
    """
    histogram = HistogramMetricFamily(
        "slurm_pending_job_age_seconds",
        "Time pending jobs have waited since submission, per partition.",
        labels=["partition"],
    )
    oldest = gauge(
        "slurm_pending_job_oldest_age_seconds",
        "Wait of the oldest pending job since submission, per partition.",
        ["partition"],
    )
    for part, times in sorted(submitted.items()):
        if not times:
            continue
        buckets: list[tuple[str, float]] = []
        for bound in AGE_BUCKETS:
            # Age <= bound  <=>  submitted at or after now - bound.
            buckets.append((_bound(bound), len(times) - bisect.bisect_left(times, now - bound)))
        buckets.append(("+Inf", len(times)))
        total_age = max(len(times) * now - math.fsum(times), 0.0)
        histogram.add_metric([part], buckets, total_age)
        oldest.add_metric([part], max(now - times[0], 0.0))
    return [histogram, oldest]


def _bound(value: float) -> str:
    return str(float(value))


# --- licenses --------------------------------------------------------------------------


def license_metrics(licenses: Iterable[License]) -> list[Metric]:
    """The ``slurm_license_tokens*`` families, one series per license: total, used, free
    and, on releases that report it, reserved."""
    total = gauge(
        "slurm_license_tokens", "Tokens of the license the controller manages.", ["license"]
    )
    used = gauge("slurm_license_tokens_used", "Tokens held by jobs.", ["license"])
    free = gauge("slurm_license_tokens_free", "Tokens available to new jobs.", ["license"])
    reserved = gauge(
        "slurm_license_tokens_reserved",
        "Tokens set aside by reservations (releases that report it).",
        ["license"],
    )
    for lic in licenses:
        total.add_metric([lic.name], lic.total)
        used.add_metric([lic.name], lic.in_use)
        free.add_metric([lic.name], lic.available)
        if lic.reserved is not None:
            reserved.add_metric([lic.name], lic.reserved)
    return [total, used, free, reserved]
