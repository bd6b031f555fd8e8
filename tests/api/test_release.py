"""A loaded message is freed exactly once, before the read returns, however the read ends,
and the native thread that frees it beside the build is gone by then."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slurmlib import Cluster
from slurmlib._native_threads import BESIDE_FROM, Beside, Release
from slurmlib.native import ffi, lib

pytestmark = pytest.mark.cluster


@pytest.fixture
def cluster(slurm_conf: Path) -> Cluster:
    return Cluster()


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def test_snapshot_loads_leave_no_thread_behind(cluster: Cluster) -> None:
    before = _threads()
    for _ in range(20):
        cluster.forget()
        assert len(cluster.jobs()) > 0
        assert len(cluster.nodes()) > 0
    assert _threads() == before


def test_a_message_is_freed_once_whether_or_not_it_was_released_early() -> None:
    freed: list[object] = []
    message = object()
    with Release(message, freed.append):
        pass
    assert freed == [message]
    freed.clear()
    with Release(message, freed.append) as release:
        release.start(BESIDE_FROM)
        release.start(BESIDE_FROM)  # a second start frees nothing more
        assert freed == [message]  # not one of libslurm's functions: freed at once, here
    assert freed == [message]
    freed.clear()
    with Release(message, freed.append) as release:
        release.start(BESIDE_FROM - 1)  # too few records to be worth a thread
        assert freed == []
    assert freed == [message]


def test_a_message_is_freed_when_the_block_raises() -> None:
    freed: list[object] = []
    message = object()
    with pytest.raises(LookupError), Release(message, freed.append):
        raise LookupError("a cache refused")
    assert freed == [message]


def test_a_libslurm_message_is_freed_in_a_thread_that_is_joined_by_the_blocks_end(
    cluster: Cluster,
) -> None:
    out = ffi.new("node_info_msg_t **")
    assert lib.slurm_load_node(0, out, 0) == 0
    before = _threads()
    with Release(out[0], lib.slurm_free_node_info_msg) as release:
        release.start(BESIDE_FROM)
    assert _threads() == before


def test_a_call_beside_gives_its_return_code_and_errno_and_is_joined(cluster: Cluster) -> None:
    out = ffi.new("partition_info_msg_t **")
    before = _threads()
    with Beside("slurmlib_load_all_partitions", out) as call:
        rc, error = call.result()
        assert call.result() == (rc, error)  # joined once, remembered
    assert _threads() == before
    assert rc == 0
    try:
        assert out[0].record_count > 0
    finally:
        lib.slurm_free_partition_info_msg(out[0])
