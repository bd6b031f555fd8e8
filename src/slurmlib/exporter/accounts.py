"""Prometheus metric families for usage against limits (accounts, QoS) and fair-share.

Limits and usage come from the controller's association manager (``Cluster.limits()``, what
``scontrol show assoc_mgr`` prints); fair-share rows from ``Cluster.shares()`` (what
``sshare`` prints). TRES values keep Slurm's units: ``mem`` in MiB, the others in counts
(``cpu``, ``node``, ``gres/gpu``, ``license/...``), ``billing`` in billing units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric

from ..records import AssocLimits, Limits, QosLimits, Share
from .metrics import gauge


def _set(value: object) -> int | None:
    """A limit that is set to a number (not unset, not UNLIMITED)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def limit_metrics(limits: Limits) -> list[Metric]:
    """Per account (its association without a partition) and per QoS: jobs and TRES in use
    next to the group limits that are set, and the decayed usage that fair-share uses."""
    accounts = [a for a in limits.associations if a.user is None and a.partition is None]
    families: list[Metric] = []
    families += _usage_families("account", accounts, lambda a: a.account, _assoc_view)
    families += _usage_families("qos", limits.qos, lambda q: q.name, _qos_view)
    return families


# What the usage families read from an association or a QoS: (used jobs, job limit, used
# submitted jobs, submit limit, used TRES, TRES limits, raw usage).
_View = tuple[int, int | None, int, int | None, Mapping[str, int], Mapping[str, int], float | None]


def _assoc_view(a: AssocLimits) -> _View:
    return (
        a.used_jobs,
        _set(a.grp_jobs),
        a.used_submit_jobs,
        _set(a.grp_submit_jobs),
        a.used_tres,
        a.grp_tres,
        a.usage_raw,
    )


def _qos_view(q: QosLimits) -> _View:
    return (
        q.used_jobs,
        _set(q.grp_jobs),
        q.used_submit_jobs,
        _set(q.grp_submit_jobs),
        q.used_tres,
        q.grp_tres,
        q.usage_raw,
    )


def _usage_families(
    kind: str,
    rows: Iterable[Any],
    name: Callable[[Any], str],
    view: Callable[[Any], _View],
) -> list[Metric]:
    whose = "account and its sub-accounts" if kind == "account" else "QoS"
    prefix = f"slurm_{kind}"
    jobs = gauge(f"{prefix}_jobs", f"Running jobs counted against the {whose}.", [kind])
    jobs_limit = gauge(f"{prefix}_jobs_limit", f"GrpJobs of the {whose}, when set.", [kind])
    submitted = gauge(
        f"{prefix}_submitted_jobs",
        f"Pending and running jobs counted against the {whose}.",
        [kind],
    )
    submitted_limit = gauge(
        f"{prefix}_submitted_jobs_limit", f"GrpSubmitJobs of the {whose}, when set.", [kind]
    )
    tres = gauge(
        f"{prefix}_tres",
        f"TRES in use by running jobs of the {whose}; mem in MiB, the others in counts.",
        [kind, "tres"],
    )
    tres_limit = gauge(
        f"{prefix}_tres_limit",
        f"GrpTRES of the {whose}, for the TRES that have one; mem in MiB.",
        [kind, "tres"],
    )
    usage = gauge(
        f"{prefix}_usage_raw",
        f"Decayed usage of the {whose}, in TRES-billing-seconds (sshare's RawUsage).",
        [kind],
    )
    for row in rows:
        label = name(row)
        used_jobs, job_cap, used_submit, submit_cap, used_tres, tres_caps, raw = view(row)
        jobs.add_metric([label], used_jobs)
        submitted.add_metric([label], used_submit)
        if job_cap is not None:
            jobs_limit.add_metric([label], job_cap)
        if submit_cap is not None:
            submitted_limit.add_metric([label], submit_cap)
        for tres_name, value in sorted(used_tres.items()):
            tres.add_metric([label, tres_name], value)
        for tres_name, value in sorted(tres_caps.items()):
            tres_limit.add_metric([label, tres_name], value)
        if raw is not None:
            usage.add_metric([label], raw)
    return [jobs, jobs_limit, submitted, submitted_limit, tres, tres_limit, usage]


_SHARE_FIELDS: tuple[tuple[str, str, Callable[[Share], float | None]], ...] = (
    (
        "raw_shares",
        "Shares assigned to the association (sshare's RawShares).",
        lambda r: _set(r.raw_shares),
    ),
    (
        "norm_shares",
        "Shares normalised among its siblings, 0..1 (NormShares).",
        lambda r: r.norm_shares,
    ),
    (
        "raw_usage",
        "Decayed usage in TRES-billing-seconds (RawUsage).",
        lambda r: r.raw_usage,
    ),
    (
        "effective_usage",
        "Usage relative to the cluster's, 0..1 (EffectvUsage).",
        lambda r: r.effective_usage,
    ),
    (
        "fairshare",
        "Fair-share factor, 0..1 (FairShare); user rows only, Slurm computes none for accounts.",
        lambda r: r.fairshare,
    ),
)


def share_metrics(rows: Iterable[Share], user_labels: bool = True) -> list[Metric]:
    """sshare's numbers per association. Without ``user_labels``, account rows only."""
    labels = ["account", *(["user"] if user_labels else []), "partition"]
    families = [
        (GaugeMetricFamily(f"slurm_share_{name}", text, labels=labels), value)
        for name, text, value in _SHARE_FIELDS
    ]
    for row in rows:
        if row.user and not user_labels:
            continue
        key = [row.account, *([row.user or ""] if user_labels else []), row.partition or ""]
        for family, value in families:
            reading = value(row)
            if reading is not None:
                family.add_metric(key, reading)
    return [family for family, _ in families]
