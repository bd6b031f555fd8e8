"""Every field Slurm's own JSON prints for the seeded state has a counterpart, or a reason.

``_build/json_coverage.py`` says, for ``squeue --json``, ``sinfo --json`` and
``sacct --json`` (jobs and their steps), which record field holds each key, or why slurmlib
leaves it out. A key that a release prints and the table does not know fails here.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from slurmlib._build import json_coverage
from slurmlib._build.json_coverage import COVERAGES

pytestmark = pytest.mark.cluster


def _document(command: str) -> Mapping[str, Any]:
    argv = list(json_coverage.COMMANDS[command])
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    document: Mapping[str, Any] = json.loads(done.stdout)
    return document


@pytest.mark.parametrize("coverage", COVERAGES, ids=lambda c: f"{c.command} {c.records}")
def test_every_key_of_slurms_json_is_covered_or_left_out_with_a_reason(
    coverage: json_coverage.Coverage, slurm_conf: Path
) -> None:
    records = json_coverage.records_of(coverage, _document(coverage.command))
    assert records, f"the seeded state gives {coverage.command} some {coverage.records}"
    missing = json_coverage.uncovered(coverage, records)
    assert not missing, f"{coverage.command} {coverage.records}: keys the table lacks: {missing}"
