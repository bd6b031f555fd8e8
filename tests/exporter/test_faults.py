"""The exporter while slurmctld goes away and comes back, on a throw-away cluster.

The shared cluster is never stopped: this module starts a second, bare cluster (daemons
only) in its own directory and ports, and stops it at the end whatever happened.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..test_cluster import alive, cluster, free_port_base, main_cluster_ports
from .finished import sacct_finished, submit, wait_ended
from .scrape import Exporter, Scrape, running_exporter

pytestmark = pytest.mark.cluster

# The exporter's own copy of the configuration waits less for a controller that is gone
# (libslurm retries a refused connection for about MessageTimeout seconds).
MESSAGE_TIMEOUT = 3


@pytest.fixture(scope="module")
def spare_cluster(slurm_conf: Path) -> Iterator[dict[str, str]]:
    seed = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    # Not under pytest's tmp_path: munged wants a socket path every user can reach.
    directory = Path(tempfile.mkdtemp(prefix="slurmlib-exporter-"))
    directory.chmod(0o755)
    env = {
        "SLURM_CLUSTER_DIR": str(directory),
        "SLURM_PORT_BASE": str(free_port_base(main_cluster_ports(seed))),
        "SLURM_CLUSTER_SEED": "none",
    }
    try:
        result = cluster("up", env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        env["SLURM_CONF"] = str(directory / "etc" / "slurm.conf")
        yield env
    finally:
        cluster("down", env=env, timeout=300)
        shutil.rmtree(directory, ignore_errors=True)


def slurm(env: dict[str, str], *argv: str) -> str:
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, **env},
    ).stdout


def stop_daemon(env: dict[str, str], name: str) -> None:
    pid = int((Path(env["SLURM_CLUSTER_DIR"]) / "run" / f"{name}.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while alive(pid):
        assert time.monotonic() < deadline, f"{name} did not stop"
        time.sleep(0.1)


def start_daemon(env: dict[str, str], name: str) -> None:
    """As scripts/cluster starts slurmctld or slurmdbd: each forks into the background and
    writes its pid file (slurmdbd.conf lies beside slurm.conf)."""
    log = Path(env["SLURM_CLUSTER_DIR"]) / "log" / f"{name}.out"
    with log.open("ab") as out:
        subprocess.run(
            [name],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            check=True,
            timeout=60,
            env={**os.environ, "SLURM_CONF": env["SLURM_CONF"]},
        )


def node_states(scrape: Scrape) -> dict[tuple[str, str], float]:
    values = scrape.values("slurm_partition_nodes", "partition", "state")
    return {key: value for key, value in values.items() if value}


def sinfo_states(env: dict[str, str]) -> dict[tuple[str, str], float]:
    words = {"idle": "idle", "unk": "unknown", "down": "down", "alloc": "allocated", "mix": "mixed"}
    counts: dict[tuple[str, str], float] = {}
    for line in slurm(env, "sinfo", "-h", "-o", "%R %t %D").splitlines():
        part, state, count = line.split()
        key = (part, words[state.rstrip("*~#$@%!^-")])
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def agrees_with_sinfo(exporter: Exporter, env: dict[str, str]) -> bool:
    """Whether a poll made while sinfo read the same twice saw those node states too
    (nodes re-register after a restart: the states may move for a moment)."""
    for _ in range(20):
        reference = sinfo_states(env)
        scrape = exporter.fresh()
        if sinfo_states(env) == reference and node_states(scrape) == reference:
            return True
        time.sleep(0.5)
    return False


def test_controller_down_is_slurm_up_0_with_stale_data_and_it_recovers(
    spare_cluster: dict[str, str], tmp_path: Path
) -> None:
    conf = Path(spare_cluster["SLURM_CONF"])
    mine = tmp_path / "slurm.conf"
    mine.write_text(
        re.sub(
            r"^MessageTimeout=.*$",
            f"MessageTimeout={MESSAGE_TIMEOUT}",
            conf.read_text(),
            flags=re.M,
        )
    )
    with running_exporter(
        tmp_path / "exporter.log", "--interval", "500ms", env={"SLURM_CONF": str(mine)}
    ) as exporter:
        before = exporter.wait_for(lambda s: s.value("slurm_up") == 1, "slurm_up 1")
        assert agrees_with_sinfo(exporter, spare_cluster)
        expected = node_states(exporter.scrape())

        stop_daemon(spare_cluster, "slurmctld")
        down = exporter.wait_for(lambda s: s.value("slurm_up") == 0, "slurm_up 0")
        # Scrapes keep being answered from the cache, promptly, while every poll waits out
        # the controller's timeout: the HTTP timeout is shorter than that wait.
        for _ in range(5):
            stale = exporter.scrape(timeout=MESSAGE_TIMEOUT / 2)
            assert stale.value("slurm_up") == 0
            time.sleep(0.3)
        assert node_states(stale) == expected, "the last known values are still served"
        age = stale.values("slurm_exporter_data_age_seconds", "source")
        assert (
            age[("nodes",)] > down.values("slurm_exporter_data_age_seconds", "source")[("nodes",)]
        )
        assert age[("nodes",)] > 1.0
        errors = stale.values("slurm_exporter_poll_errors_total", "source")
        assert errors[("nodes",)] >= 1
        assert stale.value("slurm_exporter_last_poll_success_timestamp_seconds") == pytest.approx(
            down.value("slurm_exporter_last_poll_success_timestamp_seconds")
        )

        start_daemon(spare_cluster, "slurmctld")
        back = exporter.wait_for(lambda s: s.value("slurm_up") == 1, "slurm_up 1 again")
        assert exporter.process.poll() is None
        assert back.value("slurm_exporter_last_poll_success_timestamp_seconds") > stale.value(
            "slurm_exporter_last_poll_success_timestamp_seconds"
        )
        assert agrees_with_sinfo(exporter, spare_cluster)
        assert "controller reachable again" in exporter.log.read_text()
    assert before.value("slurm_up") == 1


def dbd_up(scrape: Scrape) -> float | None:
    """slurm_dbd_up, or None before the first poll has probed slurmdbd."""
    return scrape.value("slurm_dbd_up") if "slurm_dbd_up" in scrape.families else None


def test_slurmdbd_down_is_slurm_up_0_while_the_controller_answers(
    spare_cluster: dict[str, str], tmp_path: Path
) -> None:
    with running_exporter(
        tmp_path / "exporter.log",
        "--interval",
        "500ms",
        env={"SLURM_CONF": spare_cluster["SLURM_CONF"]},
    ) as exporter:
        up = exporter.wait_for(lambda s: dbd_up(s) == 1, "slurm_dbd_up 1")
        assert up.value("slurm_up") == 1
        stop_daemon(spare_cluster, "slurmdbd")
        try:
            down = exporter.wait_for(lambda s: dbd_up(s) == 0, "slurm_dbd_up 0")
            assert down.value("slurm_up") == 0
            assert down.value("slurm_controller_up") == 1
            polls = down.value("slurm_exporter_polls_total")
            later = exporter.wait_for(
                lambda s: s.value("slurm_exporter_polls_total") > polls, "polls going on"
            )
            assert later.value("slurm_up") == 0 and later.value("slurm_controller_up") == 1
        finally:
            start_daemon(spare_cluster, "slurmdbd")
        back = exporter.wait_for(lambda s: s.value("slurm_up") == 1, "slurm_up 1 again")
        assert back.value("slurm_dbd_up") == 1
        assert exporter.process.poll() is None
        assert "slurmdbd reachable again" in exporter.log.read_text()


def test_jobs_that_end_while_slurmdbd_is_down_are_counted_once_it_is_back(
    spare_cluster: dict[str, str], tmp_path: Path
) -> None:
    env = {"SLURM_CONF": spare_cluster["SLURM_CONF"]}
    labels = ("state", "partition", "account", "user")
    with running_exporter(
        tmp_path / "exporter.log",
        "--interval",
        "500ms",
        "--finished-lag",
        "2s",
        "--state-file",
        str(tmp_path / "state.json"),
        env=env,
    ) as exporter:
        up = exporter.wait_for(lambda s: dbd_up(s) == 1, "slurm_dbd_up 1")
        since = int(up.value("slurm_jobs_finished_since_timestamp_seconds"))
        stop_daemon(spare_cluster, "slurmdbd")
        try:
            exporter.wait_for(lambda s: dbd_up(s) == 0, "slurm_dbd_up 0")
            jobs = [
                submit("-p", "debug", "--wrap", command, env=env)
                for command in ("true", "false", "true")
            ]
            deadline = time.monotonic() + 60
            while slurm(env, "squeue", "-h", "-t", "PD,R,CG", "-j", ",".join(map(str, jobs))):
                assert time.monotonic() < deadline, "the jobs did not end"
                time.sleep(0.5)
            during = exporter.fresh()
            assert "slurm_jobs_finished" not in during.families or not during.values(
                "slurm_jobs_finished_total", *labels
            ), "nothing can be counted while slurmdbd is away"
        finally:
            start_daemon(spare_cluster, "slurmdbd")
        last_end = wait_ended(jobs, env=env)
        back = exporter.wait_for(
            lambda s: s.value("slurm_jobs_finished_cursor_timestamp_seconds") >= last_end,
            "the counters reading past the jobs that ended meanwhile",
        )
        counts = back.values("slurm_jobs_finished_total", *labels)
        cursor = int(back.value("slurm_jobs_finished_cursor_timestamp_seconds"))
        assert {k: int(v) for k, v in counts.items()} == dict(sacct_finished(since, cursor, env))
        assert sum(counts.values()) == len(jobs)
        assert counts[("failed", "debug", "root", "root")] == 1
