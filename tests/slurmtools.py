"""Run Slurm's own commands: the reference that tests compare slurmlib against."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar


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


T = TypeVar("T")
U = TypeVar("U")


def settled(
    reference: Callable[[], T],
    ours: Callable[[], U],
    tries: int = 20,
    key: Callable[[T], Any] = lambda answer: answer,
) -> tuple[T, U]:
    """Slurm's answer and ours, taken while the cluster stood still: other tests' jobs come
    and go, and a slurmd on a busy machine may miss a ping, so a pair counts only when
    Slurm said the same (as far as ``key`` looks) before and after ours."""
    for _ in range(tries):
        before = reference()
        mine = ours()
        if key(reference()) == key(before):
            return before, mine
        time.sleep(0.5)
    raise AssertionError("the cluster kept changing: no stable state to compare")


@contextlib.contextmanager
def other_controller_stopped(seed: dict[str, Any]) -> Iterator[None]:
    """The second cluster's slurmctld stopped (it saves its state), then started again and
    registered in slurmdbd before the block's caller goes on."""
    pid = int((Path(seed["dir"]) / "run" / "other-slurmctld.pid").read_text().strip())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.1)
    try:
        yield
    finally:
        subprocess.run(
            ["slurmctld"],
            env={**os.environ, "SLURM_CONF": seed["other"]["slurm_conf"]},
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        port = str(seed["other"]["ports"]["slurmctld"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = run("sacctmgr", "-n", "-P", "list", "cluster", "other", "format=ControlPort")
            ping = run("scontrol", "-M", "other", "ping", check=False)
            if listed.stdout.strip() == port and "UP" in ping.stdout:
                break
            time.sleep(0.5)
        else:
            raise AssertionError("other's slurmctld did not come back within 60 s")
