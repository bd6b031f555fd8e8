"""Fixtures of the slurmdbd tests: a connection to the live cluster's slurmdbd, its seed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slurmlib import db


@pytest.fixture(scope="module")
def seed(slurm_conf: Path) -> dict[str, Any]:
    """What scripts/cluster says it seeded (``<cluster dir>/seed.json``)."""
    data: dict[str, Any] = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    assert data["seeded"] is True, "the cluster was started without its seeded state"
    return data


@pytest.fixture(scope="module")
def conn(slurm_conf: Path) -> Iterator[db.Database]:
    """One slurmdbd connection for a module's reads."""
    with db.connect() as connection:
        yield connection
