"""`slurmlib exporter --clusters`: one poller per cluster of the slurmdbd, one /metrics.

The test cluster's second cluster (``other``, see scripts/cluster) is the reference for
"the other cluster": Slurm's own ``sinfo -M``/``squeue -M`` on each cluster are compared
with the series that carry its ``cluster`` label. The test that stops other's controller
starts it again before it ends.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..slurmtools import other_controller_stopped, run
from .scrape import Exporter, Scrape, run_slurmlib, running_exporter

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def seed(slurm_conf: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    if not data.get("other", {}).get("seeded"):
        pytest.fail("the test cluster has no seeded second cluster: run `scripts/cluster up`")
    return data


@pytest.fixture(scope="module")
def names(seed: dict[str, Any]) -> tuple[str, str]:
    return seed["cluster"], seed["other"]["cluster"]


def _by_cluster(scrape: Scrape, name: str, *labels: str) -> dict[tuple[str, ...], float]:
    """Samples of ``name`` summed by (cluster, *labels)."""
    family = scrape.families[name]
    sums: dict[tuple[str, ...], float] = {}
    for sample in family.samples:
        if sample.name == name:
            key = tuple(sample.labels[label] for label in ("cluster", *labels))
            sums[key] = sums.get(key, 0.0) + sample.value
    return sums


def _up(scrape: Scrape) -> dict[str, float]:
    return {key[0]: value for key, value in _by_cluster(scrape, "slurm_up").items()}


def _polled_after(scrape: Scrape, cluster: str, since: float) -> bool:
    family = "slurm_exporter_last_poll_success_timestamp_seconds"
    if family not in scrape.families:
        return False
    return _by_cluster(scrape, family).get((cluster,), 0.0) > since


def _fresh(exporter: Exporter, clusters: tuple[str, ...], timeout: float = 60) -> Scrape:
    """A scrape of polls of every cluster in ``clusters`` that began after this call."""
    since = time.time()
    return exporter.wait_for(
        lambda s: all(_polled_after(s, c, since) for c in clusters), "a poll of each", timeout
    )


def _sinfo_nodes(cluster: str) -> int:
    out = run("sinfo", "-M", cluster, "-h", "-N", "-o", "%N").stdout.splitlines()
    return len({line for line in out if line and not line.startswith("CLUSTER")})


def _squeue_jobs(cluster: str) -> dict[str, int]:
    """Jobs per state (lower case) as ``squeue -M`` lists them."""
    out = run("squeue", "-M", cluster, "-h", "-t", "PD,R", "-o", "%T").stdout
    counts: dict[str, int] = {}
    for line in out.splitlines():
        if line and not line.startswith("CLUSTER"):
            counts[line.lower()] = counts.get(line.lower(), 0) + 1
    return counts


def _jobs_of(scrape: Scrape, cluster: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (name, state), value in _by_cluster(scrape, "slurm_jobs", "state").items():
        if name == cluster and state in ("pending", "running") and value:
            counts[state] = counts.get(state, 0) + int(value)
    return counts


def test_all_serves_each_clusters_series_as_sinfo_and_squeue_M_show(
    names: tuple[str, str], tmp_path: Path
) -> None:
    with running_exporter(tmp_path / "log", "--clusters", "all", "--interval", "1s") as exporter:
        exporter.wait_for(lambda s: _up(s) == dict.fromkeys(names, 1.0), "both clusters up")
        for cluster in names:
            for _ in range(10):
                before = (_sinfo_nodes(cluster), _squeue_jobs(cluster))
                scrape = _fresh(exporter, names)
                after = (_sinfo_nodes(cluster), _squeue_jobs(cluster))
                nodes = sum(
                    v for (c, _), v in _by_cluster(scrape, "slurm_nodes", "state").items()
                    if c == cluster
                )  # fmt: skip
                mine = (int(nodes), _jobs_of(scrape, cluster))
                if before == after and mine == before:
                    break
                time.sleep(1)
            assert mine == before, cluster
        # Every series says whose it is, and each family appears once in the text.
        for family in scrape.families.values():
            for sample in family.samples:
                assert sample.labels.get("cluster") in names or sample.name.startswith(
                    ("process_", "python_")
                ), sample
        helps = [line for line in scrape.text.splitlines() if line.startswith("# HELP ")]
        assert len(helps) == len(set(helps))


def test_one_named_cluster_has_its_label_as_without_clusters(
    names: tuple[str, str],
) -> None:
    done = run_slurmlib("exporter", "--once", "--clusters", names[1], "--no-finished-jobs")
    assert done.returncode == 0, done.stderr
    scrape = Scrape(done.stdout)
    assert _up(scrape) == {names[1]: 1.0}
    nodes = _by_cluster(scrape, "slurm_nodes", "state")
    assert {c for c, _ in nodes} == {names[1]}
    assert int(sum(nodes.values())) == _sinfo_nodes(names[1])


@pytest.mark.parametrize("given", ["nowhere", "other,nowhere", "other,"])
def test_an_unknown_cluster_is_one_line_and_exit_2(given: str, slurm_conf: Path) -> None:
    done = run_slurmlib("exporter", "--once", "--clusters", given)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "nowhere" in lines[0] or "empty" in lines[0]


def test_several_clusters_need_their_label(slurm_conf: Path) -> None:
    done = run_slurmlib("exporter", "--once", "--clusters", "all", "--no-cluster-label")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "slurmlib exporter: --no-cluster-label: the series of several clusters need it"
    ]


# --- a controller that stops --------------------------------------------------------------


@pytest.fixture
def other_stopped(seed: dict[str, Any]) -> Iterator[None]:
    """Other's slurmctld stopped, then started again and registered."""
    with other_controller_stopped(seed):
        yield


@pytest.fixture
def both(names: tuple[str, str], tmp_path: Path) -> Iterator[Exporter]:
    with running_exporter(tmp_path / "log", "--clusters", "all", "--interval", "1s") as exporter:
        exporter.wait_for(lambda s: _up(s) == dict.fromkeys(names, 1.0), "both clusters up")
        yield exporter


def test_a_stopped_controller_turns_its_cluster_down_only(
    names: tuple[str, str], both: Exporter, request: pytest.FixtureRequest
) -> None:
    local, other = names
    before = both.scrape()

    def nodes_of_other(scrape: Scrape) -> dict[tuple[str, ...], float]:
        return {
            k: v for k, v in _by_cluster(scrape, "slurm_nodes", "state").items() if k[0] == other
        }

    other_nodes = nodes_of_other(before)
    request.getfixturevalue("other_stopped")
    down = both.wait_for(lambda s: _up(s) == {local: 1.0, other: 0.0}, "other down", 120)
    # The other cluster keeps the series of its last good poll, their age growing ...
    ages = _by_cluster(down, "slurm_exporter_data_age_seconds", "source")
    assert other_nodes and nodes_of_other(down) == other_nodes
    # ... while the first cluster's are polled on.
    later = _fresh(both, (local,), timeout=120)
    assert _up(later) == {local: 1.0, other: 0.0}
    later_ages = _by_cluster(later, "slurm_exporter_data_age_seconds", "source")
    assert later_ages[(other, "nodes")] > ages[(other, "nodes")]
    assert later_ages[(local, "nodes")] < 30
