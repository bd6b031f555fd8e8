"""Random calls of the public API and the CLI against the live cluster (hypothesis).

Each target runs as a batch in a child process (``tests/fuzz/child.py``), so that a crash
of the interpreter is seen as such: the batch passes when every call worked or raised a
documented exception (ValueError, TypeError, SlurmError), no process died and nothing hung.
``FUZZ_SCALE`` multiplies the number of examples (default 1: a few minutes in all).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO

pytestmark = pytest.mark.cluster

# Examples per batch at FUZZ_SCALE=1: about a minute and a half in all on this machine.
EXAMPLES = {
    "reads": 600,
    "jobspecs": 1500,
    "submits": 150,
    "node_writes": 200,
    "reservations": 150,
    "accounting_reads": 400,
    "accounting_writes": 60,
    "cli": 300,
}


@pytest.mark.parametrize("target", sorted(EXAMPLES))
def test_random_calls_raise_only_documented_errors(target: str, slurm_conf: Path) -> None:
    examples = max(1, int(EXAMPLES[target] * float(os.environ.get("FUZZ_SCALE", "1"))))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.fuzz.child", target, str(examples)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=240 * max(1.0, float(os.environ.get("FUZZ_SCALE", "1"))),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{target}: the batch hung (no answer in {exc.timeout:.0f} s)\n{exc.stdout}")
    assert done.returncode >= 0, (
        f"{target}: the batch died of signal {-done.returncode}\n" + (done.stderr[-5000:])
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    assert "no undocumented exception" in done.stdout
