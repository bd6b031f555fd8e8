"""Which QoS or association limit a pending reason names, and how far it is used.

Slurm's limit reasons are built from a few words: ``QOS``/``Assoc``, ``Grp``/``Max``, the
resource (``Jobs``, ``SubmitJob``, ``Wall``, ``Cpu``, ``Mem``, ``Node``, ``GRES``, ...),
the scope (``PerUser``, ``PerAccount``, ``PerJob``, ``PerNode``), the kind (minutes, run
minutes) and mostly a trailing ``Limit``: ``QOSMaxJobsPerUserLimit``, ``AssocGrpCpuLimit``,
``QOSMaxGRESPerUser``, ``AssocGrpMemRunMinutes``. :func:`parse` takes them apart;
:func:`resolve` finds the limit's value and its live usage in ``Cluster.limits()``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..convert import Unlimited
from ..records import AssocLimits, Job, Limits, QosLimits

_REASON = re.compile(
    r"^(?P<source>QOS|Assoc)(?P<scope>Grp|Max)"
    r"(?P<what>SubmitJobs?|Jobs|WallDuration|Wall|Cpu|CPU|Mem(?:ory)?|Node|GRES|Energy|License|"
    r"Billing|BB|Unk|[A-Za-z]+?)"
    r"(?P<kind>RunMinutes|Minutes|Mins)?"
    r"(?P<per>PerUser|PerAccount|PerJob|PerNode)?(?:Limit)?$"
)
_TRES = {
    "Cpu": "cpu",
    "CPU": "cpu",
    "Mem": "mem",
    "Memory": "mem",
    "Node": "node",
    "Energy": "energy",
    "Billing": "billing",
    "GRES": "gres/",
    "License": "license/",
    "BB": "bb/",
}


@dataclass(frozen=True)
class LimitReason:
    """A pending reason that names a limit, taken apart."""

    source: str
    """``"qos"`` or ``"assoc"``."""
    scope: str
    """``"grp"`` (shared by everyone under the QoS/account) or ``"max"``."""
    what: str
    """``"jobs"``, ``"submit"``, ``"wall"``, or a TRES name (``"cpu"``, ``"gres/"`` ...)."""
    per: str | None
    """``"user"``, ``"account"``, ``"job"``, ``"node"``, or None."""
    minutes: str | None
    """``"mins"`` (TRES-minutes), ``"run_mins"`` (of running jobs), or None."""


def parse(reason: str) -> LimitReason | None:
    """``"QOSMaxJobsPerUserLimit"`` → its parts; None for a reason that is not a limit."""
    match = _REASON.match(reason)
    if match is None:
        return None
    what = match["what"]
    if what.startswith("SubmitJob"):
        kind = "submit"
    elif what == "Jobs":
        kind = "jobs"
    elif what.startswith("Wall"):
        kind = "wall"
    elif what in _TRES:
        kind = _TRES[what]
    else:
        return None
    minutes = {"RunMinutes": "run_mins", "Minutes": "mins", "Mins": "mins"}.get(match["kind"] or "")
    per = match["per"][3:].lower() if match["per"] else None
    return LimitReason(match["source"].lower(), match["scope"].lower(), kind, per, minutes)


@dataclass(frozen=True)
class Bound:
    """The limit that holds a job: where it is set, its value and what is used of it."""

    source: str
    """``"QoS high"``, ``"association carol@chemistry"``, ``"account science"``."""
    name: str
    """The limit as sacctmgr names it: ``MaxJobsPerUser``, ``GrpTRES``, ``MaxWall``..."""
    tres: str | None
    value: int | str | None
    used: int | None
    requested: int | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        """The limit as ``why --json`` gives it (:attr:`name` under the key ``limit``)."""
        return {
            "source": self.source,
            "limit": self.name,
            "tres": self.tres,
            "value": self.value,
            "used": self.used,
            "requested": self.requested,
            "text": self.text,
        }


def _set(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, Unlimited) else None


def _tres_key(prefix: str, job: Job, limits: Mapping[str, int]) -> str | None:
    """The TRES a reason's resource word means: exact (``cpu``) or the first matching
    family member (``gres/`` → the ``gres/gpu`` the job asks for and a limit sets)."""
    if not prefix.endswith("/"):
        return prefix
    asked = [k for k in job.tres_requested if k.startswith(prefix)]
    for key in asked + sorted(limits):
        if key.startswith(prefix) and key in limits:
            return key
    return asked[0] if asked else None


def _words(tres: str | None, value: object) -> str:
    return f"{tres}={value}" if tres else str(value)


def _qos_bound(reason: LimitReason, job: Job, qos: QosLimits) -> Bound | None:
    who = job.user_name or str(job.user_id)
    mine = next((u for u in qos.per_user if u.user_id == job.user_id), None)
    source = f"QoS {qos.name}"
    if reason.what in ("jobs", "submit"):
        submit = reason.what == "submit"
        noun = "submitted" if submit else "running"
        if reason.scope == "grp":
            name = "GrpSubmitJobs" if submit else "GrpJobs"
            value = _set(qos.grp_submit_jobs if submit else qos.grp_jobs)
            used = qos.used_submit_jobs if submit else qos.used_jobs
            text = f"{source} {name} {value}: {used} {noun} in the QoS"
        elif reason.per == "account":
            name = "MaxSubmitJobsPerAccount" if submit else "MaxJobsPerAccount"
            value = _set(qos.max_submit_jobs_per_account if submit else qos.max_jobs_per_account)
            used = None
            text = f"{source} {name} {value}: account {job.account} is at it"
        else:
            name = "MaxSubmitJobsPerUser" if submit else "MaxJobsPerUser"
            value = _set(qos.max_submit_jobs_per_user if submit else qos.max_jobs_per_user)
            used = (mine.submit_jobs if submit else mine.jobs) if mine else 0
            text = f"{source} {name} {value}: {who} has {used} {noun}"
        return Bound(source, name, None, value, used, 1, text)
    if reason.what == "wall":
        limit = qos.max_wall_per_job if reason.scope == "max" else qos.grp_wall
        name = "MaxWall" if reason.scope == "max" else "GrpWall"
        minutes = _minutes(limit)
        asked = _job_minutes(job)
        text = f"{source} {name} {minutes} min: the job asks for {asked} min"
        return Bound(source, name, None, minutes, None, asked, text)
    if reason.minutes == "run_mins":
        # The controller's message carries no run-minute limits: name it, without numbers.
        name = "GrpTRESRunMins" if reason.scope == "grp" else "MaxTRESRunMinsPerUser"
        return Bound(source, name, None, None, None, None, f"{source} {name} ({reason.what})")
    if reason.minutes == "mins":
        table: Mapping[str, int] = qos.grp_tres_mins
        tres = _tres_key(reason.what, job, table)
        value = table.get(tres) if tres else None
        text = f"{source} GrpTRESMins {_words(tres, value)}: used up"
        return Bound(source, "GrpTRESMins", tres, value, None, None, text)
    per = reason.per or ("group" if reason.scope == "grp" else "job")
    tables: dict[str, tuple[str, Mapping[str, int], Mapping[str, int]]] = {
        "group": ("GrpTRES", qos.grp_tres, qos.used_tres),
        "user": ("MaxTRESPerUser", qos.max_tres_per_user, mine.tres if mine else {}),
        "account": ("MaxTRESPerAccount", qos.max_tres_per_account, {}),
        "job": ("MaxTRESPerJob", qos.max_tres_per_job, {}),
        "node": ("MaxTRESPerNode", qos.max_tres_per_node, {}),
    }
    name, table, usage = tables[per]
    tres = _tres_key(reason.what, job, table)
    value = table.get(tres) if tres else None
    asked = job.tres_requested.get(tres) if tres else None
    used = usage.get(tres, 0) if tres and per in ("group", "user") else None
    holder = {"group": "all jobs in the QoS", "user": who}.get(per)
    text = f"{source} {name} {_words(tres, value)}: "
    if used is not None:
        text += f"{holder} {'has' if per == 'user' else 'have'} {used} in use, "
    text += f"the job asks for {asked}"
    return Bound(source, name, tres, value, used, asked, text)


def _minutes(limit: object) -> int | None:
    """A time limit in minutes; None when unset or unlimited."""
    return int(limit.total_seconds() // 60) if isinstance(limit, timedelta) else None


def _job_minutes(job: Job) -> int | None:
    return _minutes(job.time_limit)


def _assoc_chain(job: Job, limits: Limits) -> list[AssocLimits]:
    """The job's user association, then its account and the parents up to root."""
    accounts = {a.account: a for a in limits.associations if a.user is None and a.partition is None}
    chain = [
        a
        for a in limits.associations
        if a.user_id == job.user_id
        and a.account == job.account
        and a.partition in (None, job.partition)
    ]
    chain.sort(key=lambda a: a.partition is None)  # a partition's own association first
    parent: str | None = job.account
    seen: set[str] = set()
    while parent and parent not in seen and parent in accounts:
        seen.add(parent)
        chain.append(accounts[parent])
        parent = accounts[parent].parent_account
    return chain


def _assoc_name(assoc: AssocLimits) -> str:
    if assoc.user:
        return f"association {assoc.user}@{assoc.account}"
    return f"account {assoc.account}"


def _assoc_bound(reason: LimitReason, job: Job, limits: Limits) -> Bound | None:
    chain = _assoc_chain(job, limits)
    if not chain:
        return None
    who = job.user_name or str(job.user_id)
    if reason.scope == "max":
        assoc = chain[0]
        source = _assoc_name(assoc)
        if reason.what in ("jobs", "submit"):
            submit = reason.what == "submit"
            name = "MaxSubmitJobs" if submit else "MaxJobs"
            value = _set(assoc.max_submit_jobs if submit else assoc.max_jobs)
            used = assoc.used_submit_jobs if submit else assoc.used_jobs
            noun = "submitted" if submit else "running"
            text = f"{source} {name} {value}: {who} has {used} {noun}"
            return Bound(source, name, None, value, used, 1, text)
        if reason.what == "wall":
            limit = assoc.max_wall_per_job
            minutes = _minutes(limit)
            asked = _job_minutes(job)
            text = f"{source} MaxWall {minutes} min: the job asks for {asked} min"
            return Bound(source, "MaxWall", None, minutes, None, asked, text)
        table = assoc.max_tres_per_node if reason.per == "node" else assoc.max_tres_per_job
        name = "MaxTRESPerNode" if reason.per == "node" else "MaxTRES"
        tres = _tres_key(reason.what, job, table)
        value = table.get(tres) if tres else None
        asked = job.tres_requested.get(tres) if tres else None
        text = f"{source} {name} {_words(tres, value)}: the job asks for {asked}"
        return Bound(source, name, tres, value, None, asked, text)
    # Group limits: the first association up the tree that sets it and is full.
    candidates = []
    for assoc in chain:
        source = _assoc_name(assoc)
        if reason.what in ("jobs", "submit"):
            submit = reason.what == "submit"
            value = _set(assoc.grp_submit_jobs if submit else assoc.grp_jobs)
            if value is None:
                continue
            used = assoc.used_submit_jobs if submit else assoc.used_jobs
            name = "GrpSubmitJobs" if submit else "GrpJobs"
            noun = "submitted" if submit else "running"
            text = f"{source} {name} {value}: {used} {noun} under it"
            candidates.append((used + 1 > value, Bound(source, name, None, value, used, 1, text)))
        elif reason.what == "wall" or reason.minutes:
            table = assoc.grp_tres_mins
            tres = _tres_key(reason.what, job, table) if reason.what != "wall" else None
            if tres is None or tres not in table:
                continue
            text = f"{source} GrpTRESMins {tres}={table[tres]}: used up"
            candidates.append(
                (True, Bound(source, "GrpTRESMins", tres, table[tres], None, None, text))
            )
        else:
            table = assoc.grp_tres
            tres = _tres_key(reason.what, job, table)
            if tres is None or tres not in table:
                continue
            used = assoc.used_tres.get(tres, 0)
            asked = job.tres_requested.get(tres, 0)
            text = (
                f"{source} GrpTRES {tres}={table[tres]}: {used} in use under it, "
                f"the job asks for {asked}"
            )
            bound = Bound(source, "GrpTRES", tres, table[tres], used, asked, text)
            candidates.append((used + asked > table[tres], bound))
    for full, bound in candidates:
        if full:
            return bound
    return candidates[0][1] if candidates else None


def resolve(reason_text: str, job: Job, limits: Limits) -> Bound | None:
    """The limit that ``reason_text`` names for ``job``, with its value and usage now."""
    reason = parse(reason_text)
    if reason is None:
        return None
    if reason.source == "qos":
        qos = next((q for q in limits.qos if q.name == job.qos), None)
        return _qos_bound(reason, job, qos) if qos is not None else None
    return _assoc_bound(reason, job, limits)
