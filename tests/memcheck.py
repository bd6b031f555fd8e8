"""Running a driver script under valgrind memcheck, and reading its log.

Only reports with a frame in libslurm, its plugins or slurmlib's extensions count: CPython
itself is noisy under memcheck (uninitialised-value reports of its allocator), and those
say nothing about slurmlib.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUPPRESSIONS = Path(__file__).resolve().parent / "valgrind.supp"
# Errors that mean memory was used or freed wrongly (not CPython's uninitialised-value noise).
BAD_KINDS = re.compile(
    r"^(Invalid (read|write|free)|Mismatched free|Source and destination overlap)"
)
OURS = re.compile(r"libslurm|slurm-wlm/|_slurm\.abi3\.so|_assemble\.|slurmdb")


def bad_blocks(log: str) -> list[str]:
    """The error reports of a memcheck log that involve a Slurm or slurmlib frame."""
    blocks: list[list[str]] = []
    for line in log.splitlines():
        body = re.sub(r"^==\d+== ?", "", line)
        if BAD_KINDS.match(body):
            blocks.append([body])
        elif blocks and body.strip() and body.startswith(" "):
            blocks[-1].append(body)
        elif blocks and not body.strip():
            blocks.append([])  # a blank line ends the current report
    return ["\n".join(b) for b in blocks if b and any(OURS.search(line) for line in b[1:])]


def run(script: Path, args: list[str], log: Path) -> list[str]:
    """Run ``script`` under memcheck; the reports of :func:`bad_blocks` in its log.

    The script must exit 0 and print "done" last, so a run that stopped early fails.
    """
    valgrind = shutil.which("valgrind")
    assert valgrind, "valgrind is not installed (scripts/cluster install puts it there)"
    done = subprocess.run(
        [
            valgrind,
            "--tool=memcheck",
            f"--suppressions={SUPPRESSIONS}",
            f"--log-file={log}",
            "--num-callers=40",
            sys.executable,
            str(script),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONMALLOC": "malloc", "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("done"), done.stdout
    text = log.read_text()
    assert "ERROR SUMMARY" in text
    return bad_blocks(text)
