"""slurmdbd down: a throw-away second cluster whose slurmdbd is stopped, so the shared
cluster keeps running for the other tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster"

CONNECT = """
    import time
    from slurmlib import db
    start = time.monotonic()
    try:
        with db.connect() as conn:
            conn.qos()
    except Exception as exc:
        names = [c.__name__ for c in type(exc).__mro__]
        print(" ".join(names[:4]), round(time.monotonic() - start, 1))
        print(exc)
    else:
        print("connected", round(time.monotonic() - start, 1))
"""


def _ports_free(base: int) -> bool:
    for port in range(base, base + 8):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _free_base() -> int:
    for base in range(21100, 23000, 37):
        if _ports_free(base):
            return base
    raise AssertionError("no free port range for a throw-away cluster")


@pytest.fixture(scope="module")
def spare_cluster(slurm_conf: Path) -> Iterator[dict[str, str]]:
    """A second cluster, daemons only, removed at the end whatever happened."""
    directory = Path(tempfile.mkdtemp(prefix="slurmlib-db-"))
    directory.chmod(0o755)  # munged's socket must be reachable by every user
    env = {
        "SLURM_CLUSTER_DIR": str(directory),
        "SLURM_PORT_BASE": str(_free_base()),
        "SLURM_CLUSTER_SEED": "none",
    }
    full = {**os.environ, **env}
    try:
        up = subprocess.run(
            [str(SCRIPT), "up"], capture_output=True, text=True, timeout=300, env=full
        )
        assert up.returncode == 0, up.stderr
        env["SLURM_CONF"] = str(directory / "etc" / "slurm.conf")
        yield env
    finally:
        subprocess.run([str(SCRIPT), "down"], capture_output=True, timeout=300, env=full)
        shutil.rmtree(directory, ignore_errors=True)


def _connect(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CONNECT)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "SLURM_CONF": env["SLURM_CONF"]},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_running_slurmdbd_answers(spare_cluster: dict[str, str]) -> None:
    assert _connect(spare_cluster)[0].startswith("connected")


MID_CONNECTION = """
    import os, signal, sys, time
    from slurmlib import db
    conn = db.connect()
    conn.qos()
    pid = int(open(sys.argv[1]).read())
    os.kill(pid, signal.SIGTERM)
    while os.path.exists(f"/proc/{pid}"):
        time.sleep(0.1)
    try:
        conn.qos()
    except Exception as exc:
        print(type(exc).__name__)
    conn.close()
    print("alive")
"""


def test_slurmdbd_going_away_mid_connection_is_an_exception_not_an_exit(
    spare_cluster: dict[str, str],
) -> None:
    # The accounting plugin's error path calls symbols only Slurm's daemons define; the
    # process used to end with "symbol lookup error" here. Stops slurmdbd for good: the
    # test after this one wants it down.
    pid_file = Path(spare_cluster["SLURM_CLUSTER_DIR"]) / "run" / "slurmdbd.pid"
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(MID_CONNECTION), str(pid_file)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "SLURM_CONF": spare_cluster["SLURM_CONF"]},
    )
    assert "symbol lookup error" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["DatabaseUnavailable", "alive"]


def test_slurmdbd_down_is_database_unavailable_within_seconds(
    spare_cluster: dict[str, str],
) -> None:
    pid_file = Path(spare_cluster["SLURM_CLUSTER_DIR"]) / "run" / "slurmdbd.pid"
    if pid_file.exists():  # else the test before this one stopped it already
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists():
            assert time.monotonic() < deadline, "slurmdbd did not stop"
            time.sleep(0.2)
    kinds, message = _connect(spare_cluster)
    names, seconds = kinds.rsplit(" ", 1)
    assert names.split()[0] == "DatabaseUnavailable", message
    assert "ConnectionError" in names
    assert float(seconds) < 10
    assert "slurmdbd" in message or "TRES" in message
