"""A call made beside the caller, in a native thread (the partition message of a first nodes
load): its return code and errno come back, and the thread is gone before the read returns."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slurmlib import Cluster
from slurmlib._native_threads import Beside
from slurmlib.native import ffi, lib

pytestmark = pytest.mark.cluster


@pytest.fixture
def cluster(slurm_conf: Path) -> Cluster:
    return Cluster()


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def test_first_loads_leave_no_thread_behind(cluster: Cluster) -> None:
    before = _threads()
    for _ in range(20):
        cluster.forget()
        assert len(cluster.jobs()) > 0
        assert len(cluster.nodes()) > 0
    assert _threads() == before


def test_a_call_beside_gives_its_return_code_and_errno_and_is_joined(cluster: Cluster) -> None:
    out = ffi.new("partition_info_msg_t **")
    before = _threads()
    call = Beside("slurmlib_load_all_partitions", out)
    rc, error = call.result()
    assert call.result() == (rc, error)  # joined once, remembered
    assert _threads() == before
    assert rc == 0
    try:
        assert out[0].record_count > 0
    finally:
        lib.slurm_free_partition_info_msg(out[0])
