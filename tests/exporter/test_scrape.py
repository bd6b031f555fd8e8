"""`slurmlib exporter` on the seeded cluster: scraped over loopback, checked against Slurm's
own tools (sinfo, squeue, scontrol, sacctmgr, sshare, sdiag) on the same state.

The cluster is shared with other tests that submit jobs: each comparison reads Slurm's
tool, waits for a poll that started after it, reads the tool again, and only compares when
the two readings agree (the state held still around the poll).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ..slurmtools import parsable, run, scontrol_oneliners
from .scrape import Exporter, Scrape, running_exporter

pytestmark = pytest.mark.cluster

SOURCES = {"nodes", "jobs", "licenses", "scheduler", "limits", "shares", "finished_jobs"}


@pytest.fixture(scope="module")
def exporter(slurm_conf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exporter]:
    log = tmp_path_factory.mktemp("exporter") / "exporter.log"
    with running_exporter(log, "--interval", "500ms", "--limits-interval", "500ms") as running:
        running.wait_for(lambda s: s.value("slurm_up") == 1, "slurm_up 1")
        yield running


def agree(
    exporter: Exporter, reference: Callable[[], Any], ours: Callable[[Scrape], Any]
) -> tuple[Any, Any]:
    """(ours, Slurm's) from a poll made while Slurm's tool read the same twice."""
    mine: Any = None
    for _ in range(10):
        before = reference()
        scrape = exporter.fresh()
        after = reference()
        if before == after:
            mine = ours(scrape)
            if mine == before:
                break
        time.sleep(1)
    return mine, before


# --- nodes ---------------------------------------------------------------------------


def test_cpus_per_partition_match_sinfo(exporter: Exporter) -> None:
    def sinfo() -> dict[str, tuple[int, ...]]:
        lines = run("sinfo", "-h", "-o", "%R %C").stdout.splitlines()
        return {n: tuple(map(int, c.split("/"))) for n, c in (line.split() for line in lines)}

    def ours(scrape: Scrape) -> dict[str, tuple[int, ...]]:
        columns = [
            scrape.values(f"slurm_partition_cpus{suffix}", "partition")
            for suffix in ("_allocated", "_idle", "_other", "")
        ]
        return {p: tuple(int(c[(p,)]) for c in columns) for (p,) in columns[0]}

    mine, reference = agree(exporter, sinfo, ours)
    assert mine == reference
    assert any(cpus[1] for cpus in reference.values()), "no idle CPUs anywhere to compare"


def test_nodes_by_state_per_partition_match_sinfo(exporter: Exporter) -> None:
    words = {
        "alloc": "allocated",
        "mix": "mixed",
        "idle": "idle",
        "drain": "drained",
        "drng": "draining",
        "down": "down",
        "resv": "reserved",
        "unk": "unknown",
    }

    def sinfo() -> dict[tuple[str, str], int]:
        counts: Counter[tuple[str, str]] = Counter()
        for line in run("sinfo", "-h", "-o", "%R %t %D").stdout.splitlines():
            part, state, count = line.split()
            counts[part, words[state.rstrip("*~#$@%!^-")]] += int(count)
        return dict(counts)

    def ours(scrape: Scrape) -> dict[tuple[str, str], int]:
        values = scrape.values("slurm_partition_nodes", "partition", "state")
        return {key: int(v) for key, v in values.items() if v}

    mine, reference = agree(exporter, sinfo, ours)
    assert mine == reference
    # Cluster-wide, each node once: the sum over states is the number of nodes.
    scrape = exporter.scrape()
    assert sum(scrape.values("slurm_nodes", "state").values()) == len(scontrol_oneliners("node"))


# --- jobs ----------------------------------------------------------------------------


def test_pending_jobs_per_reason_match_squeue(exporter: Exporter) -> None:
    def squeue() -> dict[str, int]:
        return dict(Counter(run("squeue", "-h", "-t", "PD", "-o", "%r").stdout.splitlines()))

    def ours(scrape: Scrape) -> dict[str, int]:
        return {r: int(v) for (r,), v in scrape.values("slurm_jobs_pending", "reason").items()}

    mine, reference = agree(exporter, squeue, ours)
    assert mine == reference
    assert {"Resources", "Priority", "Dependency"} <= set(reference)


def test_jobs_by_state_partition_account_and_user_match_squeue(exporter: Exporter) -> None:
    labels = ("state", "partition", "account", "user")

    def squeue() -> dict[tuple[str, ...], int]:
        out = run("squeue", "-h", "-t", "PD,R", "-o", "%T|%P|%a|%u").stdout.splitlines()
        rows = (tuple(line.split("|")) for line in out)
        return dict(Counter((s.lower(), p, a, u) for s, p, a, u in rows))

    def ours(scrape: Scrape) -> dict[tuple[str, ...], int]:
        values = scrape.values("slurm_jobs", *labels)
        return {k: int(v) for k, v in values.items() if k[0] in ("pending", "running")}

    mine, reference = agree(exporter, squeue, ours)
    assert mine == reference
    assert {key[3] for key in reference} >= {"alice", "bob", "carol"}


def test_pending_job_ages_match_squeue_submit_times(exporter: Exporter) -> None:
    def squeue() -> dict[str, list[float]]:
        submitted: dict[str, list[float]] = {}
        for line in run("squeue", "-h", "-t", "PD", "-o", "%P|%V").stdout.splitlines():
            part, when = line.split("|")
            submitted.setdefault(part, []).append(datetime.fromisoformat(when).timestamp())
        return submitted

    def counts(scrape: Scrape) -> dict[str, int]:
        values = scrape.values("slurm_pending_job_age_seconds_count", "partition")
        return {p: int(v) for (p,), v in values.items()}

    mine, reference = agree(exporter, lambda: {p: len(t) for p, t in squeue().items()}, counts)
    assert mine == reference
    scrape = exporter.scrape()
    now = time.time()
    submitted = squeue()
    oldest = scrape.values("slurm_pending_job_oldest_age_seconds", "partition")
    buckets = scrape.values("slurm_pending_job_age_seconds_bucket", "partition", "le")
    for part, times in submitted.items():
        # squeue prints whole seconds; the two clocks are read a moment apart.
        assert oldest[(part,)] == pytest.approx(now - min(times), abs=5)
        assert buckets[(part, "+Inf")] == len(times)
        cumulative = [buckets[(part, le)] for le in sorted({k[1] for k in buckets}, key=float)]
        assert cumulative == sorted(cumulative)


# --- licenses, limits, fair-share, scheduler -------------------------------------------


def test_licenses_match_scontrol(exporter: Exporter) -> None:
    def scontrol() -> dict[str, tuple[int, ...]]:
        return {
            lic["LicenseName"]: (int(lic["Total"]), int(lic["Used"]), int(lic["Free"]))
            for lic in scontrol_oneliners("license")
        }

    def ours(scrape: Scrape) -> dict[str, tuple[int, ...]]:
        columns = [
            scrape.values(name, "license")
            for name in (
                "slurm_license_tokens",
                "slurm_license_tokens_used",
                "slurm_license_tokens_free",
            )
        ]
        return {lic: tuple(int(c[(lic,)]) for c in columns) for (lic,) in columns[0]}

    mine, reference = agree(exporter, scontrol, ours)
    assert mine == reference and "matlab" in reference


def _tres(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (item.split("=") for item in text.split(",") if item)}


def test_group_limits_of_accounts_and_qos_match_sacctmgr(exporter: Exporter) -> None:
    scrape = exporter.fresh()
    accounts = parsable(
        "sacctmgr", "show", "assoc", "format=Account,User,Partition,GrpTRES,GrpJobs"
    )
    expected = {
        (row["Account"], tres): value
        for row in accounts
        if not row["User"] and not row["Partition"]
        for tres, value in _tres(row["GrpTRES"]).items()
    }
    assert expected, "no account has a GrpTRES to compare"
    ours = scrape.values("slurm_account_tres_limit", "account", "tres")
    assert {k: int(v) for k, v in ours.items()} == expected
    expected_jobs = {
        (row["Account"],): int(row["GrpJobs"])
        for row in accounts
        if not row["User"] and not row["Partition"] and row["GrpJobs"]
    }
    assert scrape.values("slurm_account_jobs_limit", "account") == expected_jobs

    qos = parsable("sacctmgr", "show", "qos", "format=Name,GrpTRES")
    expected_qos = {
        (row["Name"], tres): value for row in qos for tres, value in _tres(row["GrpTRES"]).items()
    }
    ours_qos = scrape.values("slurm_qos_tres_limit", "qos", "tres")
    assert {k: int(v) for k, v in ours_qos.items()} == expected_qos


def test_fair_share_shares_match_sshare(exporter: Exporter) -> None:
    scrape = exporter.fresh()
    rows = parsable("sshare", "-a", "-o", "Account,User,RawShares,NormShares")
    raw = scrape.values("slurm_share_raw_shares", "account", "user")
    norm = scrape.values("slurm_share_norm_shares", "account", "user")
    compared = 0
    for row in rows:
        key = (row["Account"].strip(), row["User"])
        if row["RawShares"].isdigit():
            assert raw[key] == int(row["RawShares"]), key
            compared += 1
        assert norm[key] == pytest.approx(float(row["NormShares"]), abs=1e-6), key
    assert compared >= 5
    assert {user for (_, user) in raw} >= {"alice", "bob", "carol"}


def _sdiag_rpcs() -> tuple[dict[str, int], dict[str, int]]:
    text = run("sdiag").stdout
    by_type_text, _, by_user_text = text.partition("by user")
    line = re.compile(r"^\s*(\S+)\s*\(\s*(\d+)\)\s+count:(\d+)", re.M)
    by_type = {m[2]: int(m[3]) for m in line.finditer(by_type_text)}
    by_user = {m[1]: int(m[3]) for m in line.finditer(by_user_text)}
    return by_type, by_user


def test_rpc_counts_are_sdiags_as_of_the_poll(exporter: Exporter) -> None:
    scrape = exporter.fresh()
    by_type, by_user = _sdiag_rpcs()  # read after the poll: it can only have counted more
    ours = scrape.values("slurm_rpc_calls_total", "rpc")
    assert ours, "no RPC counts"
    for (rpc,), count in ours.items():
        assert rpc in by_type and count <= by_type[rpc], rpc
    ours_users = scrape.values("slurm_rpc_user_calls_total", "user")
    assert ("root",) in ours_users
    for (user,), count in ours_users.items():
        assert user in by_user and count <= by_user[user], user
    # The exporter's own loads are RPCs too: sdiag has counted them.
    assert scrape.values("slurm_rpc_calls_total", "rpc")[("2007",)] > 0  # REQUEST_NODE_INFO


# --- the exporter itself ---------------------------------------------------------------


def test_every_family_has_help_text_and_every_source_its_age(exporter: Exporter) -> None:
    scrape = exporter.scrape()
    slurm = {name: f for name, f in scrape.families.items() if name.startswith("slurm_")}
    assert len(slurm) > 60
    for name, family in slurm.items():
        assert family.documentation.strip(), name
        assert family.type in ("gauge", "counter", "histogram"), name
    ages = scrape.values("slurm_exporter_data_age_seconds", "source")
    assert {source for (source,) in ages} == SOURCES
    assert scrape.value("slurm_up") == 1
    assert scrape.value("slurm_exporter_poll_interval_seconds") == 0.5
    assert "process_cpu_seconds_total" in scrape.text


def test_scrapes_between_polls_serve_the_same_cached_families(exporter: Exporter) -> None:
    # The poll counter moves only with the poller: two scrapes in a row that see the same
    # count saw the same poll, and report the same values.
    for _ in range(20):
        first, second = exporter.scrape(), exporter.scrape()
        if first.value("slurm_exporter_polls_total") == second.value("slurm_exporter_polls_total"):
            break
    else:
        pytest.fail("every pair of scrapes straddled a poll")
    for name in ("slurm_partition_nodes", "slurm_jobs", "slurm_rpc_calls_total"):
        family = name.removesuffix("_total")
        assert first.families[family].samples == second.families[family].samples


def test_slow_sources_are_loaded_again_only_after_their_interval(slurm_conf: Path) -> None:
    # Limits and fair-share have no "unchanged" answer in Slurm: with --limits-interval
    # they keep the families (and the refresh time) of their last load in between.
    from slurmlib import Cluster
    from slurmlib.exporter import Poller

    poller = Poller(Cluster(), 15, slow_every=3600)
    first = poller.poll()
    time.sleep(1.1)
    second = poller.poll()
    for slow in ("limits", "shares"):
        assert second.sources[slow] is first.sources[slow]
    assert second.sources["nodes"].refreshed_at > first.sources["nodes"].refreshed_at
    every_poll = Poller(Cluster(), 15)
    a = every_poll.poll()
    time.sleep(1.1)
    assert every_poll.poll().sources["limits"].refreshed_at > a.sources["limits"].refreshed_at


def _sinfo_gpus() -> dict[tuple[str, str], tuple[int, int, int]]:
    """(partition, GPU type) → (total, allocated, idle), from sinfo's per-node Gres and
    GresUsed; idle only on nodes that are idle or mixed (up, not drained)."""
    out = run("sinfo", "-h", "-N", "-O", "Partition:20,StateLong:20,Gres:40,GresUsed:40").stdout
    sums: dict[tuple[str, str], list[int]] = {}
    for line in out.splitlines():
        part, state = line[:20].strip().rstrip("*"), line[20:40].strip()
        total, used = line[40:80].strip(), line[80:].strip()
        if total in ("", "(null)"):
            continue
        name, _, count = total.split("(")[0].rpartition(":")
        in_use = used.split("(")[0].rpartition(":")[2]
        row = sums.setdefault((part, name.partition(":")[2] or "untyped"), [0, 0, 0])
        row[0] += int(count)
        row[1] += int(in_use) if in_use.isdigit() else 0
        if state in ("idle", "mixed"):
            row[2] += int(count) - (int(in_use) if in_use.isdigit() else 0)
    return {key: (t, a, i) for key, (t, a, i) in sums.items()}


def test_gpus_per_partition_and_type_equal_sinfo_gres(exporter: Exporter) -> None:
    def ours(scrape: Scrape) -> dict[tuple[str, str], tuple[int, int, int]]:
        columns = [
            scrape.values(f"slurm_partition_gpu_type_gpus{suffix}", "partition", "type")
            for suffix in ("", "_allocated", "_idle")
        ]
        return {key: tuple(int(c[key]) for c in columns) for key in columns[0]}  # type: ignore[misc]

    mine, reference = agree(exporter, _sinfo_gpus, ours)
    assert mine == reference
    assert reference[("ml", "a100")] == (4, 4, 0)
    scrape = exporter.fresh()
    for suffix in ("", "_allocated", "_idle"):
        per_type = scrape.values(f"slurm_partition_gpu_type_gpus{suffix}", "partition", "type")
        per_partition = scrape.values(f"slurm_partition_gpus{suffix}", "partition")
        for (part,), value in per_partition.items():
            typed = sum(v for (p, _), v in per_type.items() if p == part)
            assert typed == value, (suffix, part)


def test_job_gpus_by_state_account_and_user_equal_squeue_tres(exporter: Exporter) -> None:
    def squeue() -> dict[tuple[str, str, str], int]:
        out = run("squeue", "-h", "-O", "StateCompact:6,Account:20,UserName:20,tres-alloc:200")
        sums: Counter[tuple[str, str, str]] = Counter()
        for line in out.stdout.splitlines():
            state, account, user = line[:6].strip(), line[6:26].strip(), line[26:46].strip()
            items = dict(i.split("=", 1) for i in line[46:].strip().split(",") if "=" in i)
            gpus = int(items.get("gres/gpu", 0))
            if gpus and state in ("R", "PD"):
                sums[("running" if state == "R" else "pending", account, user)] += gpus
        return dict(sums)

    def ours(scrape: Scrape) -> dict[tuple[str, str, str], int]:
        sums: Counter[tuple[str, str, str]] = Counter()
        series = scrape.values("slurm_jobs_gpus", "state", "partition", "account", "user")
        for (state, _, account, user), value in series.items():
            if value and state in ("running", "pending"):
                sums[(state, account, user)] += int(value)
        return dict(sums)

    mine, reference = agree(exporter, squeue, ours)
    assert mine == reference
    assert reference[("running", "physics", "alice")] >= 3  # gpu_gres_typed + gpu_per_task
