"""Loads of different kinds run side by side; loads of one kind wait for each other; a
process exits cleanly while one of its threads loads."""

from __future__ import annotations

import dataclasses
import gc
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from slurmlib import Cluster, _bulk
from slurmlib.cli.words import side_by_side


@pytest.fixture()
def cluster(slurm_conf: Path) -> Cluster:
    return Cluster()


def _held_in_the_call(cluster: Cluster, kind: str) -> tuple[threading.Event, threading.Event]:
    """Make the next load of ``kind`` stop inside its RPC call until released: (entered,
    release)."""
    loader = cluster._loaders[kind]
    entered, release = threading.Event(), threading.Event()
    call = loader.call

    def held(update_time: int, out: Any) -> int:
        entered.set()
        assert release.wait(30), "the test never released the held load"
        return call(update_time, out)

    cluster._loaders[kind] = dataclasses.replace(loader, call=held)
    return entered, release


def _started(call: Any, into: list[Any]) -> threading.Thread:
    """A daemon thread, started, that appends what ``call()`` returns to ``into``."""
    thread = threading.Thread(target=lambda: into.append(call()), daemon=True)
    thread.start()
    return thread


@pytest.mark.cluster
def test_a_load_of_the_nodes_is_answered_while_the_queue_is_loading(cluster: Cluster) -> None:
    entered, release = _held_in_the_call(cluster, "jobs")
    jobs: list[Any] = []
    loading = _started(cluster.jobs, jobs)
    try:
        assert entered.wait(30)
        # Were loads serialised, this would wait for the held load of the jobs forever.
        nodes: list[Any] = []
        _started(cluster.nodes, nodes).join(30)
        assert nodes and len(nodes[0]) >= 1, "the nodes waited for the jobs"
    finally:
        release.set()
        loading.join(30)
    assert jobs and len(jobs[0]) >= 1


@pytest.mark.cluster
def test_a_second_load_of_the_same_kind_waits_for_the_first(cluster: Cluster) -> None:
    entered, release = _held_in_the_call(cluster, "partitions")
    got: list[Any] = []
    first = _started(cluster.partitions, got)
    assert entered.wait(30)
    second = _started(cluster.partitions, got)
    second.join(0.5)
    assert second.is_alive() and not got, "two loads of one kind ran at once"
    release.set()
    first.join(30)
    second.join(30)
    # The second found the first one's snapshot and was answered "no change".
    assert len(got) == 2 and got[0] is got[1]


@pytest.mark.cluster
def test_side_by_side_gives_both_results_and_raises_either_error(cluster: Cluster) -> None:
    jobs, nodes = side_by_side(cluster.jobs, cluster.nodes)
    assert len(jobs) >= 1 and len(nodes) >= 1
    assert jobs.last_update is not None and nodes.last_update is not None

    def fail() -> int:
        raise LookupError("the second failed")

    with pytest.raises(LookupError, match="the second failed"):
        side_by_side(cluster.partitions, fail)


@pytest.mark.cluster
def test_the_process_exits_cleanly_while_a_daemon_thread_is_loading(slurm_conf: Path) -> None:
    # Loads run outside api_lock: at exit, slurm_fini is left out while another thread
    # may be inside one, and the process ends without a crash.
    code = (
        "import threading, slurmlib\n"
        "c = slurmlib.Cluster()\n"
        "started = threading.Event()\n"
        "def loop():\n"
        "    while True:\n"
        "        started.set()\n"
        "        c.forget(); c.nodes(); c.jobs()\n"
        "threading.Thread(target=loop, daemon=True).start()\n"
        "started.wait(30)\n"
        "print('exiting', flush=True)\n"
    )
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "SLURM_CONF": str(slurm_conf)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "exiting\n"


def test_the_collector_pauses_for_overlapping_builds_and_resumes_after_the_last() -> None:
    assert gc.isenabled()
    with _bulk.no_collection():
        assert not gc.isenabled()
        with _bulk.no_collection():  # another thread's build, meanwhile
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first is still building
    assert gc.isenabled()
    gc.disable()  # the program's own choice is left as it was
    try:
        with _bulk.no_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
