"""slurmrestd, started by the bench for the bench, and the same data fetched through it.

slurmrestd listens on a Unix socket in a temporary directory (local to this machine, like
loopback), with ``rest_auth/local``: the client's identity is the socket peer's uid, so no
token is needed. Debian's slurmrestd refuses to run as root unless told that this is
meant (``SLURMRESTD_SECURITY=disable_user_check``); the bench runs as root, as the
cluster does. The newest OpenAPI plugin version that answers is used.

Each request is one ``curl`` child (wall time: the server building the JSON and sending
it); the server's own peak memory (``VmHWM``) is reported beside.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import Series, repeat

VERSIONS = ("v0.0.42", "v0.0.41", "v0.0.40", "v0.0.39", "v0.0.38")
LAST_INFO: dict[str, Any] = {}


def _get(socket: Path, path: str, timeout: float = 600) -> tuple[int, bytes]:
    done = subprocess.run(
        [
            "curl",
            "-s",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            "--unix-socket",
            str(socket),
            f"http://localhost{path}",
        ],
        capture_output=True,
        timeout=timeout,
    )
    body, _, code = done.stdout.rpartition(b"\n")
    return int(code or 0), body


def _peak_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(runs: int, days: int) -> dict[str, list[Series]]:
    """Series per data group (jobs, nodes, partitions, accounting); empty without slurmrestd."""
    LAST_INFO.clear()
    binary = shutil.which("slurmrestd") or (
        "/usr/sbin/slurmrestd" if Path("/usr/sbin/slurmrestd").exists() else None
    )
    if binary is None or shutil.which("curl") is None:
        LAST_INFO["skipped"] = "slurmrestd or curl is not installed"
        return {}
    workdir = Path(tempfile.mkdtemp(prefix="slurmlib-bench-restd-"))
    socket = workdir / "restd.sock"
    log = (workdir / "slurmrestd.log").open("wb")
    env = {**os.environ, "SLURMRESTD_SECURITY": "disable_user_check"}
    proc = subprocess.Popen(
        [binary, "-a", "rest_auth/local", f"unix:{socket}"],
        stdout=log,
        stderr=log,
        env=env,
        start_new_session=True,
    )
    try:
        version = None
        deadline = time.monotonic() + 20
        while version is None and time.monotonic() < deadline and proc.poll() is None:
            if socket.exists():
                for candidate in VERSIONS:
                    code, _ = _get(socket, f"/slurm/{candidate}/diag", timeout=30)
                    if code == 200:
                        version = candidate
                        break
            if version is None:
                time.sleep(0.25)
        if version is None:
            LAST_INFO["skipped"] = (
                "slurmrestd did not answer: " + (workdir / "slurmrestd.log").read_text()[-300:]
            )
            return {}
        LAST_INFO.update(version=version, auth="rest_auth/local over a Unix socket")

        def fetch(name: str, path: str) -> Series:
            argv = [
                "curl",
                "-sf",
                "-o",
                "/dev/null",
                "--unix-socket",
                str(socket),
                f"http://localhost{path}",
            ]
            return repeat(f"slurmrestd {name} ({path.split('?')[0]})", argv, runs)

        result = {
            "jobs": [fetch("jobs", f"/slurm/{version}/jobs")],
            "nodes": [fetch("nodes", f"/slurm/{version}/nodes")],
            "partitions": [fetch("partitions", f"/slurm/{version}/partitions")],
            "accounting": [
                fetch(
                    "accounting jobs",
                    f"/slurmdb/{version}/jobs?start_time=now-{days}days&end_time=now",
                )
            ],
        }
        LAST_INFO["server_peak_rss_mib"] = _peak_mib(proc.pid)
        return result
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
