"""Limit arithmetic over the controller's association manager records (``slurmlib limits``
and the pending reasons of ``slurmlib why``), on records made here."""

from __future__ import annotations

from typing import Any

from slurmlib._frozen import EMPTY, FrozenMap
from slurmlib.cli import limit_reasons
from slurmlib.cli import limits as cli_limits
from slurmlib.convert import UNLIMITED
from slurmlib.records import AssocLimits, Limits, QosLimits, QosUserUsage


def _assoc(account: str, user: str | None = None, **fields: Any) -> AssocLimits:
    values: dict[str, Any] = {
        "id": 1,
        "account": account,
        "user": user,
        "user_id": 1001 if user else None,
        "partition": None,
        "parent_account": None,
        "shares_raw": 1,
        "grp_jobs": None,
        "grp_submit_jobs": None,
        "grp_wall": None,
        "grp_tres": EMPTY,
        "grp_tres_mins": EMPTY,
        "max_jobs": None,
        "max_submit_jobs": None,
        "max_tres_per_job": EMPTY,
        "max_tres_per_node": EMPTY,
        "max_wall_per_job": None,
        "usage_raw": None,
        "shares_norm": None,
        "fairshare": None,
        "used_jobs": 0,
        "used_submit_jobs": 0,
        "used_tres": EMPTY,
    }
    values.update(fields)
    return AssocLimits(**values)


def _qos(name: str, **fields: Any) -> QosLimits:
    values: dict[str, Any] = {
        "name": name,
        "id": 2,
        "priority": 0,
        "grp_jobs": None,
        "grp_submit_jobs": None,
        "grp_wall": None,
        "grp_tres": EMPTY,
        "grp_tres_mins": EMPTY,
        "max_jobs_per_user": None,
        "max_submit_jobs_per_user": None,
        "max_jobs_per_account": None,
        "max_submit_jobs_per_account": None,
        "max_tres_per_user": EMPTY,
        "max_tres_per_account": EMPTY,
        "max_tres_per_job": EMPTY,
        "max_tres_per_node": EMPTY,
        "max_wall_per_job": None,
        "usage_raw": None,
        "used_jobs": 0,
        "used_submit_jobs": 0,
        "used_tres": EMPTY,
        "per_user": (),
    }
    values.update(fields)
    return QosLimits(**values)


def _limits() -> Limits:
    carol = QosUserUsage(
        user_id=1001, user_name="carol", jobs=1, submit_jobs=2, tres=FrozenMap({"cpu": 2})
    )
    return Limits(
        tres_names=("cpu", "mem"),
        qos=(
            _qos(
                "high",
                max_jobs_per_user=1,
                max_tres_per_user=FrozenMap({"cpu": 8}),
                per_user=(carol,),
            ),
        ),
        associations=(
            _assoc("science", grp_jobs=10, used_jobs=3, max_jobs=1),
            _assoc(
                "chemistry",
                parent_account="science",
                grp_tres=FrozenMap({"cpu": 16}),
                used_tres=FrozenMap({"cpu": 12}),
            ),
            _assoc("chemistry", "carol", max_jobs=5, used_jobs=1, max_submit_jobs=UNLIMITED),
        ),
    )


def test_every_limit_that_applies_to_a_user_is_listed_the_binding_one_first() -> None:
    [row] = cli_limits.report(_limits(), users={"carol"}, accounts=None)
    assert (row["user"], row["account"]) == ("carol", "chemistry")
    listed = [(a["source"], a["limit"], a["value"], a["used"]) for a in row["limits"]]
    # Fraction left: MaxJobsPerUser 0/1, GrpTRES[cpu] 4/16, MaxTRESPerUser[cpu] 6/8,
    # MaxJobs 4/5, the parent's GrpJobs 7/10 (its MaxJobs is not a group limit).
    assert listed == [
        ("qos high (per user)", "MaxJobsPerUser", 1, 1),
        ("account chemistry", "GrpTRES[cpu]", 16, 12),
        ("account science", "GrpJobs", 10, 3),
        ("qos high (per user)", "MaxTRESPerUser[cpu]", 8, 2),
        ("user carol@chemistry", "MaxJobs", 5, 1),
    ]
    assert row["binding"]["headroom"] == 0
    assert cli_limits.marker(row["binding"]["headroom"]) == "← binds"
    assert cli_limits.marker(3) == "← nearest"


def test_unset_and_unlimited_limits_are_not_limits() -> None:
    [row] = cli_limits.report(_limits(), users={"carol"}, accounts=None)
    assert "MaxSubmitJobs" not in [a["limit"] for a in row["limits"]]


def test_the_report_keeps_only_the_users_and_accounts_asked_for() -> None:
    assert cli_limits.report(_limits(), users={"dave"}, accounts=None) == []
    assert cli_limits.report(_limits(), users=None, accounts={"physics"}) == []
    assert len(cli_limits.report(_limits(), users=None, accounts={"chemistry"})) == 1


def test_headroom_and_fraction_left() -> None:
    applied = cli_limits.Applied("qos q", "GrpJobs", 4, 5)
    assert applied.headroom == -1
    assert applied.fraction_left == -0.25
    assert cli_limits.Applied("qos q", "GrpJobs", 0, 0).fraction_left == 0.0


def test_a_pending_reason_that_names_a_limit_is_taken_apart() -> None:
    assert limit_reasons.parse("QOSMaxJobsPerUserLimit") == limit_reasons.LimitReason(
        "qos", "max", "jobs", "user", None
    )
    assert limit_reasons.parse("AssocGrpCPURunMinutesLimit") == limit_reasons.LimitReason(
        "assoc", "grp", "cpu", None, "run_mins"
    )
    assert limit_reasons.parse("QOSGrpGRES") == limit_reasons.LimitReason(
        "qos", "grp", "gres/", None, None
    )
    assert limit_reasons.parse("Resources") is None
    assert limit_reasons.parse("QOSMaxFrobnicatePerUser") is None
