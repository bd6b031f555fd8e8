"""shares(): the fair-share tree, against `sshare -a -l -P` on the same state.

Compared per row (account, user): tree depth (sshare's indentation), RawShares, NormShares,
RawUsage, EffectvUsage, FairShare and TRESRunMins. sshare prints six decimals and
truncates RawUsage to an integer; slurmlib keeps the full values.
"""

from __future__ import annotations

from typing import Any

import pytest

from slurmlib import Cluster
from slurmlib.records import Share

from ..slurmtools import parsable, run

pytestmark = pytest.mark.usefixtures("slurm_conf")


def _sshare() -> list[dict[str, str]]:
    return parsable("sshare", "-a", "-l")


def _key(account: str, user: str | None) -> tuple[str, str]:
    return (account, user or "")


def _tres(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (p.split("=", 1) for p in text.split(",") if p)}


def _consistent_pair() -> tuple[tuple[Share, ...], list[dict[str, str]]]:
    """slurmlib and sshare on the same usage: usage decays every PriorityCalcPeriod, so a
    pair taken across a recalculation is taken again."""
    cluster = Cluster()
    for _ in range(3):
        before = cluster.shares()
        reference = _sshare()
        if cluster.shares() == before:
            return before, reference
    pytest.fail("fair-share usage kept changing between reads")


def test_shares_match_sshare_row_by_row() -> None:
    shares, reference = _consistent_pair()
    ours = {_key(s.account, s.user): s for s in shares}
    theirs = {_key(r["Account"].strip(), r["User"] or None): r for r in reference}
    assert set(ours) == set(theirs)
    compared = 0
    for key, row in theirs.items():
        share = ours[key]
        assert share.depth == len(row["Account"]) - len(row["Account"].lstrip(" ")), key
        if row["RawShares"] not in ("", "parent"):
            assert share.raw_shares == int(row["RawShares"]), key
        assert share.norm_shares == pytest.approx(float(row["NormShares"]), abs=1e-6), key
        assert int(share.raw_usage) == int(row["RawUsage"]), key
        assert share.effective_usage == pytest.approx(float(row["EffectvUsage"]), abs=1e-6)
        if row["FairShare"]:
            assert share.fairshare == pytest.approx(float(row["FairShare"]), abs=1e-6), key
        else:
            assert share.fairshare is None, key
        assert share.tres_run_minutes == _tres(row["TRESRunMins"]), key
        compared += 1
    assert compared == len(reference) >= 8


def test_shares_are_in_tree_order_with_parents_first() -> None:
    shares = Cluster().shares()
    assert shares[0].account == "root" and shares[0].user is None and shares[0].depth == 0
    seen: set[str] = set()
    for share in shares:
        if share.user is None:
            assert share.parent_account is None or share.parent_account in seen
            seen.add(share.account)
        else:
            assert share.account in seen


def test_running_jobs_show_as_tres_run_minutes_of_their_association() -> None:
    out = run("squeue", "-h", "-t", "RUNNING", "-o", "%a|%u").stdout.split()
    assert out, "the seed runs jobs"
    shares = {_key(s.account, s.user): s for s in Cluster().shares()}
    for row in out:
        account, user = row.split("|")
        share = shares[_key(account, user)]
        assert share.tres_run_minutes.get("cpu", 0) > 0, row
        assert share.fairshare is not None


def test_shares_pickle_and_serialise() -> None:
    import json
    import pickle

    shares = Cluster().shares()
    assert pickle.loads(pickle.dumps(shares)) == shares
    data: Any = json.loads(json.dumps([s.to_dict() for s in shares]))
    assert {"account", "user", "raw_shares", "fairshare", "tres_run_minutes"} <= set(data[0])
