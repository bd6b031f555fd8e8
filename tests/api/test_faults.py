"""Faults seen from the client: a controller that does not answer, munge that is gone.

Each runs in a child interpreter with a copy of the live cluster's slurm.conf changed in
one respect, so the real cluster keeps running for the other tests.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

LOAD_NODES = """
    import time
    from slurmlib import Cluster
    start = time.monotonic()
    try:
        Cluster().nodes()
    except Exception as exc:
        kinds = [c.__name__ for c in type(exc).__mro__]
        print(" ".join(kinds[:4]), round(time.monotonic() - start, 1))
        print(exc)
    else:
        print("loaded")
"""


def _variant(slurm_conf: Path, tmp_path: Path, **changes: str) -> Path:
    text = slurm_conf.read_text()
    for key, value in changes.items():
        pattern = re.compile(rf"^{key}=.*$", re.M | re.I)
        text = (
            pattern.sub(f"{key}={value}", text)
            if pattern.search(text)
            else (text + f"\n{key}={value}\n")
        )
    path = tmp_path / "slurm.conf"
    path.write_text(text)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(conf: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOAD_NODES)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SLURM_CONF": str(conf)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_controller_down_is_controller_unreachable_within_the_message_timeout(
    slurm_conf: Path, tmp_path: Path
) -> None:
    conf = _variant(slurm_conf, tmp_path, SlurmctldPort=str(_free_port()), MessageTimeout="5")
    kinds, message = _run(conf)
    names, seconds = kinds.rsplit(" ", 1)
    assert names.startswith("ControllerUnreachable") and "ConnectionError" in names
    # libslurm retries a refused connection for a while; bounded, never a hang.
    assert float(seconds) < 60
    assert "loading nodes" in message


def test_munge_down_is_an_authentication_error(slurm_conf: Path, tmp_path: Path) -> None:
    conf = _variant(slurm_conf, tmp_path, AuthInfo=f"socket={tmp_path}/no-munge.socket")
    kinds, message = _run(conf)
    assert kinds.split()[0] == "AuthenticationError", message
    assert "PermissionError" in kinds
