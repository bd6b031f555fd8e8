"""The slurmdbd calls under valgrind memcheck: no invalid read, write or free in libslurm,
its plugins or slurmlib's extension (``valgrind_db.py`` drives every call)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
# Errors that mean memory was used or freed wrongly (not CPython's uninitialised-value noise).
BAD_KINDS = re.compile(
    r"^(Invalid (read|write|free)|Mismatched free|Source and destination overlap)"
)
OURS = re.compile(r"libslurm|slurm-wlm/|_slurm\.abi3\.so|slurmdb")


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


def test_log_parser_finds_an_invalid_free_in_libslurm() -> None:
    log = (
        "==7== Invalid free() / delete / delete[] / realloc()\n"
        "==7==    at 0x48: free (vg_replace_malloc.c:872)\n"
        "==7==    by 0x49: slurm_xfree (in /usr/lib/x86_64-linux-gnu/libslurm.so.38.0.0)\n"
        "==7== \n"
        "==7== Invalid read of size 8\n"
        "==7==    at 0x50: PyLong_FromString (longobject.c:71)\n"
        "==7== \n"
    )
    (found,) = bad_blocks(log)
    assert "slurm_xfree" in found


def test_db_calls_run_clean_under_memcheck(
    slurm_conf: Path, seed: dict[str, Any], tmp_path: Path
) -> None:
    valgrind = shutil.which("valgrind")
    assert valgrind, "valgrind is not installed (scripts/cluster install puts it there)"
    log = tmp_path / "memcheck.log"
    done = subprocess.run(
        [
            valgrind,
            "--tool=memcheck",
            f"--suppressions={HERE / 'valgrind.supp'}",
            f"--log-file={log}",
            "--num-callers=40",
            sys.executable,
            str(HERE / "valgrind_db.py"),
            str(seed["jobs"]["steps"]),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONMALLOC": "malloc", "PYTHONPATH": str(HERE.parents[1])},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("done"), done.stdout
    text = log.read_text()
    assert "ERROR SUMMARY" in text
    found = bad_blocks(text)
    assert not found, "\n\n".join(found[:5])


@pytest.mark.parametrize("name", ["valgrind.supp", "valgrind_db.py"])
def test_memcheck_inputs_are_in_the_tree(name: str) -> None:
    assert (HERE / name).is_file()
