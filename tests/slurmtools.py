"""Run Slurm's own commands: the reference that tests compare slurmlib against."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any


def run(*argv: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a Slurm command with this session's SLURM_CONF and return its output."""
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
        env=os.environ.copy(),
    )


def run_json(*argv: str) -> Any:
    """Run a Slurm command that takes ``--json`` and parse what it prints."""
    return json.loads(run(*argv, "--json").stdout)


def parsable(*argv: str) -> list[dict[str, str]]:
    """Run a command with ``-P`` (``|``-separated, with a header) as a list of rows."""
    out = run(*argv, "-P").stdout.splitlines()
    if not out:
        return []
    header = out[0].split("|")
    return [dict(zip(header, line.split("|"), strict=True)) for line in out[1:]]


def scontrol_oneliners(kind: str, name: str = "") -> list[dict[str, str]]:
    """``scontrol -o show KIND`` as one dict per record (``Key=Value`` pairs).

    Values may contain spaces (``Reason=...``); a token without ``=`` is glued to the
    previous value.
    """
    argv = ["scontrol", "-o", "show", kind] + ([name] if name else [])
    records = []
    for line in run(*argv).stdout.splitlines():
        if not line.strip():
            continue
        record: dict[str, str] = {}
        key = None
        for token in line.split(" "):
            if "=" in token and not token.startswith("="):
                key, _, value = token.partition("=")
                record[key] = value
            elif key is not None and token:
                record[key] += " " + token
        records.append(record)
    return records
