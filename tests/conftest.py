"""Shared fixtures: every test that claims Slurm behaviour talks to the live cluster.

The cluster is the project's own (``scripts/cluster up``); its configuration is reached
through ``SLURM_CONF``. When it is not reachable, tests that need it fail with the reason:
they never skip, because a green run without the cluster would prove nothing.

Two kinds of tests, told apart by where they live, never by hand: everything under
``tests/unit`` is pure logic that needs nothing but Python and pytest (its own conftest says
how that is enforced); every other test is an integration test, marked ``integration`` here
(``pytest -m integration``, ``pytest -m "not integration"``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CONF = REPO / ".cluster" / "etc" / "slurm.conf"
UNIT = Path(__file__).resolve().parent / "unit"

os.environ.setdefault("SLURM_CONF", str(DEFAULT_CONF))


@pytest.fixture(scope="session")
def slurm_conf() -> Path:
    """Path of the live cluster's slurm.conf; fails the test when the cluster is down."""
    conf = Path(os.environ["SLURM_CONF"])
    if not conf.is_file():
        pytest.fail(f"no cluster configuration at {conf}: run `scripts/cluster up` first")
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=60)
    if ping.returncode != 0 or "UP" not in ping.stdout:
        pytest.fail(f"slurmctld is not answering (scontrol ping: {ping.stdout or ping.stderr})")
    return conf


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test outside ``tests/unit`` as an integration test (by its path)."""
    for item in items:
        if UNIT not in item.path.parents:
            item.add_marker(pytest.mark.integration)
