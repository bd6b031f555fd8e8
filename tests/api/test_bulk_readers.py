"""The generated whole-message converters, on whole messages and on one record alone.

``Cluster.jobs()``, ``nodes()`` and ``partitions()`` convert through C functions generated
at build time (``_build/bulk_c.py``) from the records' descriptions; ``Cluster.job(id)`` and
``node(name)`` go the same way with the controller's one-record messages. A record must
come out the same whichever message holds it and whatever else the message holds (the
per-message caches share values, never mix them up), and the records assembled in C must be
ordinary ones (``test_assemble.py`` has the rest).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from slurmlib import _bulk, _readers, native
from slurmlib._build import bulk_spec
from slurmlib._frozen import FrozenMap
from slurmlib._reads_snapshots import NodePartitions
from slurmlib.native import ffi, lib

_SHOW = int(lib.SHOW_ALL) | int(lib.SHOW_DETAIL)


def _load(kind: str) -> tuple[Any, Callable[[Any], None]]:
    if kind == "jobs":
        out = ffi.new("job_info_msg_t **")
        native.check(lib.slurm_load_jobs(0, out, _SHOW))
        return out[0], lib.slurm_free_job_info_msg
    if kind == "nodes":
        out = ffi.new("node_info_msg_t **")
        native.check(lib.slurm_load_node(0, out, _SHOW))
        NodePartitions().apply(out[0])
        return out[0], lib.slurm_free_node_info_msg
    out = ffi.new("partition_info_msg_t **")
    native.check(lib.slurm_load_partitions(0, out, _SHOW))
    return out[0], lib.slurm_free_partition_info_msg


@pytest.fixture
def message(request: pytest.FixtureRequest, slurm_conf: Path) -> Iterator[Any]:
    native.init(slurm_conf)
    with native.api_lock:
        msg, free = _load(request.param)
        try:
            yield msg
        finally:
            free(msg)


_MESSAGES = {
    "jobs": ("job_info_msg_t", "job_array", _readers.jobs),
    "nodes": ("node_info_msg_t", "node_array", _readers.nodes),
    "partitions": ("partition_info_msg_t", "partition_array", _readers.partitions),
}


@pytest.mark.cluster
@pytest.mark.parametrize("message", list(_MESSAGES), indirect=True)
def test_each_record_alone_converts_as_in_the_whole_message(
    message: Any, request: pytest.FixtureRequest
) -> None:
    ctype, array, convert = _MESSAGES[request.node.callspec.params["message"]]
    items = getattr(message, array)
    everything = convert(message)
    alone = []
    for i in range(int(message.record_count)):
        one = ffi.new(f"{ctype} *")
        setattr(one, array, ffi.addressof(items[i]))
        one.record_count = 1
        alone.extend(convert(one))
    assert len(everything) > 0
    assert [r.to_dict() for r in alone] == [r.to_dict() for r in everything]
    assert alone == everything
    assert all(type(r) is type(e) for r, e in zip(alone, everything, strict=True))


@pytest.mark.cluster
@pytest.mark.parametrize("message", ["jobs"], indirect=True)
def test_records_of_one_message_share_only_immutable_values(message: Any) -> None:
    jobs = _readers.jobs(message)
    # Jobs with the same TRES string share one map: it cannot change under another job.
    for job in jobs:
        for value in (getattr(job, f.name) for f in dataclasses.fields(job)):
            assert not isinstance(value, list | dict | set)
            hash(value)
    tres = [j.tres_requested for j in jobs if j.tres_requested]
    assert all(isinstance(t, FrozenMap) for t in tres)
    assert len({id(t) for t in tres}) == len(set(tres))


def test_the_generated_layout_is_the_specs() -> None:
    # A converter exists for each spec'd message, and rows() cuts exactly one record each.
    for spec in bulk_spec.SPECS:
        assert native.capabilities.has_function(spec.function)
    width = len(bulk_spec.JOBS.ints)
    rows = list(_bulk.rows(list(range(3 * width)), width))
    assert len(rows) == 3 and rows[1][0] == width
    with pytest.raises(ValueError):
        list(_bulk.rows(list(range(width + 1)), width))


def test_the_garbage_collector_is_paused_only_while_converting() -> None:
    import gc

    assert gc.isenabled()
    with _bulk.no_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _bulk.no_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
