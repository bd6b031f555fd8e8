"""A program that ends with an accounting connection still open ends cleanly.

At exit slurmlib runs ``slurm_fini``; a connection closed after it would be torn down with
libslurm's state already gone (24.11 and 26.05 died of SIGSEGV there). Open connections
are closed first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.cluster


@pytest.mark.parametrize("used", [False, True], ids=["unused", "after-a-read"])
def test_a_connection_left_open_at_exit_ends_the_process_cleanly(
    slurm_conf: Path, used: bool
) -> None:
    code = f"""
        import slurmlib
        from slurmlib import db
        cluster = slurmlib.Cluster()
        conn = db.connect()
        if {used}:
            conn.qos(names=["normal"])
        print("done")
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, "SLURM_CONF": str(slurm_conf)},
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "done\n", "")
