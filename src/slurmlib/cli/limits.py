"""``slurmlib limits``: usage against every limit that applies, and which binds first.

    $ slurmlib limits -u carol
    USER   ACCOUNT    SOURCE              LIMIT              LIMIT  USED  HEADROOM
    carol  chemistry  qos high (per user) MaxJobsPerUser         1     1         0  ← binds
    ...

A user's first limit is marked "← binds" when nothing is left of it, "← nearest" otherwise.

Taken from the controller's live counters (``Cluster.limits()``): it works without slurmdbd.
For a user: the limits of their association, of its parent accounts (group limits), and the
per-user limits of each QoS they have jobs in.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..convert import Unlimited
from ..errors import Unsupported
from ..records import AssocLimits, Limits, QosLimits
from .arguments import count
from .words import render_table


@dataclass(frozen=True)
class Applied:
    """One limit, where it comes from, and how much of it is used."""

    source: str
    name: str
    limit: int
    used: int

    @property
    def headroom(self) -> int:
        """What is left before the limit binds, in its unit (jobs, or the TRES's own: CPUs,
        MB of memory...); 0 or less when it binds."""
        return self.limit - self.used

    @property
    def fraction_left(self) -> float:
        """:attr:`headroom` over the limit, 0 to 1 (0 for a limit of 0): the sort key that
        puts the limit nearest to binding first."""
        return self.headroom / self.limit if self.limit else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The limit as ``limits --json`` lists it: source, limit (its name), value, used,
        headroom."""
        return {
            "source": self.source,
            "limit": self.name,
            "value": self.limit,
            "used": self.used,
            "headroom": self.headroom,
        }


def _set(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, Unlimited) else None


def _tres_limits(
    source: str, prefix: str, limits: Mapping[str, int], used: Mapping[str, int]
) -> list[Applied]:
    return [
        Applied(source, f"{prefix}[{tres}]", value, used.get(tres, 0))
        for tres, value in limits.items()
    ]


def _assoc_limits(assoc: AssocLimits, group_only: bool) -> list[Applied]:
    source = (
        f"account {assoc.account}" if assoc.user is None else f"user {assoc.user}@{assoc.account}"
    )
    applied: list[Applied] = []
    counts = [
        ("GrpJobs", assoc.grp_jobs, assoc.used_jobs),
        ("GrpSubmitJobs", assoc.grp_submit_jobs, assoc.used_submit_jobs),
    ]
    if not group_only:
        counts += [
            ("MaxJobs", assoc.max_jobs, assoc.used_jobs),
            ("MaxSubmitJobs", assoc.max_submit_jobs, assoc.used_submit_jobs),
        ]
    for name, limit, used in counts:
        if (value := _set(limit)) is not None:
            applied.append(Applied(source, name, value, used))
    applied += _tres_limits(source, "GrpTRES", assoc.grp_tres, assoc.used_tres)
    return applied


def _qos_limits(qos: QosLimits, uid: int) -> list[Applied]:
    usage = next((u for u in qos.per_user if u.user_id == uid), None)
    if usage is None:
        return []
    source = f"qos {qos.name} (per user)"
    applied = []
    for name, limit, used in (
        ("MaxJobsPerUser", qos.max_jobs_per_user, usage.jobs),
        ("MaxSubmitJobsPerUser", qos.max_submit_jobs_per_user, usage.submit_jobs),
    ):
        if (value := _set(limit)) is not None:
            applied.append(Applied(source, name, value, used))
    applied += _tres_limits(source, "MaxTRESPerUser", qos.max_tres_per_user, usage.tres)
    group = f"qos {qos.name}"
    if (value := _set(qos.grp_jobs)) is not None:
        applied.append(Applied(group, "GrpJobs", value, qos.used_jobs))
    applied += _tres_limits(group, "GrpTRES", qos.grp_tres, qos.used_tres)
    return applied


def report(
    limits: Limits, users: set[str] | None, accounts: set[str] | None
) -> list[dict[str, Any]]:
    """Per user association: every applying limit, sorted by what is left, the binding first."""
    by_account = {
        a.account: a for a in limits.associations if a.user is None and a.partition is None
    }
    rows = []
    for assoc in limits.associations:
        if assoc.user is None or assoc.user_id is None:
            continue
        if users is not None and assoc.user not in users:
            continue
        if accounts is not None and assoc.account not in accounts:
            continue
        applied = _assoc_limits(assoc, group_only=False)
        parent: str | None = assoc.account
        seen = set()
        while parent and parent not in seen and parent in by_account:
            seen.add(parent)
            applied += _assoc_limits(by_account[parent], group_only=True)
            parent = by_account[parent].parent_account
        for qos in limits.qos:
            applied += _qos_limits(qos, assoc.user_id)
        applied.sort(key=lambda a: (a.fraction_left, a.headroom))
        rows.append(
            {
                "user": assoc.user,
                "account": assoc.account,
                "partition": assoc.partition,
                "limits": [a.to_dict() for a in applied],
                "binding": applied[0].to_dict() if applied else None,
            }
        )
    return rows


def run(args: argparse.Namespace, out: Any) -> int:
    """Run ``slurmlib limits``: exit 0, or 2 when ``-u`` names a user with no association.

    A cluster without accounting storage has no such limits: that is said, and is exit 0.
    """
    from .clusters import client

    try:
        limits = client().limits()
    except Unsupported as exc:
        # A cluster without accounting storage enforces no association or QoS limits.
        if args.json:
            out.json({"associations": [], "unsupported": exc.message})
        else:
            out.error(f"no limits: {exc.message}")
        return 0
    users = set(args.user) if args.user else None
    accounts = set(args.account) if args.account else None
    rows = report(limits, users, accounts)
    if users and not rows:
        out.error(f"no association for user {', '.join(sorted(users))}")
        return 2
    if args.top:
        rows.sort(key=lambda r: -sum(lim["used"] for lim in r["limits"]))
        rows = rows[: args.top]
    if args.json:
        out.json({"associations": rows})
        return 0
    table = []
    for row in rows:
        for i, lim in enumerate(row["limits"]):
            table.append(
                [
                    row["user"] if i == 0 else "",
                    row["account"] if i == 0 else "",
                    lim["source"],
                    lim["limit"],
                    str(lim["value"]),
                    str(lim["used"]),
                    str(lim["headroom"]),
                    marker(lim["headroom"]) if i == 0 else "",
                ]
            )
        if not row["limits"]:
            table.append([row["user"], row["account"], "", "no limits", "", "", "", ""])
    # The marker in a column of its own, left-aligned: "← binds" and "← nearest" line up.
    render_table(out.stream, [*COLUMNS, ""], table, left=(0, 7))
    return 0


COLUMNS = ["USER", "ACCOUNT", "SOURCE", "LIMIT", "VALUE", "USED", "HEADROOM"]


def marker(headroom: int) -> str:
    """What the table says of a user's first limit: it binds when nothing is left of it
    (a job more would wait for it); otherwise it is only the nearest."""
    return "← binds" if headroom <= 0 else "← nearest"


def add_parser(sub: Any, summary: str) -> None:
    """Add the ``limits`` subcommand and its options to the ``slurmlib`` subparsers ``sub``."""
    parser = sub.add_parser(
        "limits",
        help=summary,
        description="Usage against association and QoS limits, from slurmctld's live counters.",
        epilog="example: slurmlib limits -u alice --json",
    )
    parser.add_argument("-u", "--user", action="append", help="only this user")
    parser.add_argument("-A", "--account", action="append", help="only this account")
    parser.add_argument("--top", type=count(), metavar="N", help="the N heaviest users (0: all)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(runner=run)
