"""Helpers for the write-API tests: Slurm's own view of jobs, waiting, and running as a user."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.slurmtools import run, run_json, scontrol_oneliners

JOBS_DIR = Path(__file__).resolve().parents[2] / ".cluster" / "jobs"
LIVE_NODES = {"node1", "node2", "node3", "node4"}


def unwrap(value: Any) -> Any:
    """A value of ``squeue --json``: newer releases wrap numbers as {set, infinite, number}."""
    if isinstance(value, dict) and "number" in value and "set" in value:
        if value.get("infinite"):
            return "UNLIMITED"
        return value["number"] if value["set"] else None
    return value


def squeue_job(job_id: int) -> dict[str, Any]:
    """The job as ``squeue --json`` reports it (22.05 ignores -j with --json: filter here)."""
    for job in run_json("squeue", "-a")["jobs"]:
        if job["job_id"] == job_id:
            return job
    raise AssertionError(f"squeue --json does not list job {job_id}")


def job_state_text(job: dict[str, Any]) -> str:
    state = job["job_state"]
    return state[0] if isinstance(state, list) else str(state)


def scontrol_job(job: int | str) -> dict[str, str]:
    records = scontrol_oneliners("job", str(job))
    assert records, f"scontrol knows no job {job}"
    return records[0]


def wait_for(what: str, check: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)


def wait_job_state(job: int | str, *states: str, timeout: float = 90) -> dict[str, str]:
    seen: dict[str, str] = {}

    def reached() -> bool:
        nonlocal seen
        seen = scontrol_job(job)
        return seen["JobState"] in states

    wait_for(f"job {job} to be {'/'.join(states)} (last: {seen.get('JobState')})", reached, timeout)
    return seen


def scancel_quietly(*job_ids: int) -> None:
    if job_ids:
        run("scancel", *map(str, job_ids), check=False)


def _interpreter_for(user: str) -> tuple[list[str], dict[str, str]]:
    """A Python another user can start, and the environment that finds slurmlib in it.

    This venv's interpreter may live where only root can read it (pyenv under /root). Then
    the system's interpreter of the same version runs the child, with this venv's
    site-packages (slurmlib's editable install, cffi) as its only site directory.
    """
    env = {
        "SLURM_CONF": os.environ["SLURM_CONF"],
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "pass"], user=user, capture_output=True, check=False, cwd="/"
        )
        if probe.returncode == 0:
            return [sys.executable], env
    except PermissionError:
        pass
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system_python = Path("/usr/bin") / version
    assert system_python.exists(), f"{user} cannot run {sys.executable}, and there is no {version}"
    site_dir = sysconfig.get_paths()["purelib"]
    env["SLURMLIB_TEST_SITE"] = site_dir
    # -S: none of the system's site-packages (another cffi), only this venv's.
    return [str(system_python), "-S"], env


_PRELUDE = """
import json, os, site, sys
if os.environ.get("SLURMLIB_TEST_SITE"):
    site.addsitedir(os.environ["SLURMLIB_TEST_SITE"])
import slurmlib
from slurmlib.errors import SlurmError
cluster = slurmlib.Cluster()
results = {}
def attempt(key, call):
    try:
        value = call()
        results[key] = {"ok": True, "value": None if value is None else str(value)}
    except SlurmError as exc:
        results[key] = {
            "ok": False, "error": type(exc).__name__, "message": exc.message,
            "permission": isinstance(exc, PermissionError),
        }
"""


def run_as(user: str, code: str) -> dict[str, Any]:
    """Run ``code`` (with ``cluster`` and ``attempt(key, call)`` defined) as ``user``."""
    argv, env = _interpreter_for(user)
    done = subprocess.run(
        [*argv, "-c", _PRELUDE + code + "\nprint(json.dumps(results))\n"],
        user=user,
        group=user,
        extra_groups=[],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/tmp",
        check=False,
    )
    assert done.returncode == 0, f"the child as {user} failed: {done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Serialise tests that change one shared object, across concurrent pytest runs."""
    path = Path(tempfile.gettempdir()) / f"slurmlib-test-{name}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
