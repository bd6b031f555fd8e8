"""The exporter on a cluster without accounting storage: every other series, no limit or
fair-share series, no poll errors for them, and a controller that is still running.

Some releases' slurmctld (23.11.11 seen) die on the association manager's request when they
run without accounting storage; the throw-away cluster is tests/noaccounting.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.noaccounting import ThrowAway, throw_away_cluster

from .scrape import Scrape, run_slurmlib


@pytest.fixture(scope="module")
def no_accounting(
    slurm_conf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThrowAway]:
    with throw_away_cluster(tmp_path_factory.mktemp("noacct-exporter"), slurm_conf) as cluster:
        yield cluster


def test_no_limit_series_and_no_errors_without_accounting_storage(
    no_accounting: ThrowAway,
) -> None:
    done = run_slurmlib("exporter", "--once", SLURM_CONF=str(no_accounting.conf))
    assert no_accounting.controller_alive(), no_accounting.log()
    assert done.returncode == 0, done.stderr
    assert "limits" not in done.stderr and "shares" not in done.stderr, done.stderr
    scrape = Scrape(done.stdout)
    assert scrape.families["slurm_jobs"] is not None
    assert any(name.startswith("slurm_node") for name in scrape.families)
    for name in scrape.families:
        assert not name.startswith(("slurm_account_", "slurm_qos_", "slurm_share_")), name
    errors = scrape.values("slurm_exporter_poll_errors", "source")
    assert errors.get(("limits",), 0) == 0 and errors.get(("shares",), 0) == 0, errors
