"""Conversions of C values: sentinels, times, TRES, host lists (pure logic, no cluster)."""

from __future__ import annotations

import dataclasses
import json
import pickle
from datetime import UTC, datetime, timedelta

import pytest

from slurmlib import convert as cv
from slurmlib.native import lib
from slurmlib.records import FrozenMap, Node, Snapshot
from slurmlib.states import NodeState, node_flags


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [
        (lib.NO_VAL, 32, None),
        (lib.INFINITE, 32, cv.UNLIMITED),
        (lib.NO_VAL16, 16, None),
        (lib.INFINITE16, 16, cv.UNLIMITED),
        (lib.NO_VAL64, 64, None),
        (lib.INFINITE64, 64, cv.UNLIMITED),
        (7, 32, 7),
        (0, 16, 0),
    ],
)
def test_sentinels_become_none_or_unlimited(value: int, width: int, expected: object) -> None:
    assert cv.count(value, width) is expected or cv.count(value, width) == expected


def test_time_t_becomes_aware_utc_and_zero_means_never() -> None:
    assert cv.timestamp(0) is None
    moment = cv.timestamp(1_700_000_000)
    assert moment == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert moment is not None and moment.tzinfo is UTC


def test_time_limits_are_minutes() -> None:
    assert cv.duration_minutes(90) == timedelta(minutes=90)
    assert cv.duration_minutes(lib.INFINITE) is cv.UNLIMITED
    assert cv.duration_minutes(lib.NO_VAL) is None


def test_tres_strings_become_integers_with_memory_in_mib() -> None:
    assert cv.tres("cpu=4,mem=8G,node=1,billing=4,gres/gpu=2") == {
        "cpu": 4,
        "mem": 8192,
        "node": 1,
        "billing": 4,
        "gres/gpu": 2,
    }
    assert cv.tres("mem=1536M") == {"mem": 1536}
    assert cv.tres("mem=1.5G") == {"mem": 1536}
    assert cv.tres("mem=2T") == {"mem": 2 * 1024 * 1024}
    assert cv.tres(None) == {} and cv.tres("") == {}


def test_host_lists_are_expanded_by_libslurm() -> None:
    assert cv.expand_hostlist("node[1-3],gpu[01-02],login") == (
        "node1",
        "node2",
        "node3",
        "gpu01",
        "gpu02",
        "login",
    )
    assert cv.expand_hostlist("") == ()
    assert cv.expand_hostlist(None) == ()


def test_unlimited_is_one_value_that_survives_pickling() -> None:
    assert pickle.loads(pickle.dumps(cv.UNLIMITED)) is cv.UNLIMITED
    assert repr(cv.UNLIMITED) == "UNLIMITED"


def test_node_flags_read_bits_from_the_compiled_constants() -> None:
    state = lib.NODE_STATE_IDLE | lib.NODE_STATE_DRAIN | lib.NODE_STATE_NO_RESPOND
    assert node_flags(state) == {"DRAIN", "NO_RESPOND"}
    assert NodeState(state & lib.NODE_STATE_BASE) is NodeState.IDLE


def _node(**changes: object) -> Node:
    values: dict[str, object] = {f.name: None for f in dataclasses.fields(Node)}
    values.update(
        name="n1",
        state=NodeState.IDLE,
        flags=frozenset({"DRAIN"}),
        state_text="IDLE+DRAIN",
        partitions=("cpu",),
        features=("a", "b"),
        active_features=(),
        cpus=4,
        alloc_cpus=1,
        sockets=1,
        cores_per_socket=4,
        threads_per_core=1,
        real_memory=1000,
        alloc_memory=0,
        tmp_disk=0,
        weight=1,
        tres=FrozenMap({"cpu": 4}),
        alloc_tres=FrozenMap(),
        reason_time=datetime(2024, 1, 1, tzinfo=UTC),
    )
    values.update(changes)
    return Node(**values)  # type: ignore[arg-type]


def test_records_are_frozen_pickle_and_give_json_ready_dicts() -> None:
    node = _node()
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.name = "other"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(node)) == node
    data = node.to_dict()
    json.dumps(data)
    assert data["state"] == "IDLE" and data["flags"] == ["DRAIN"]
    assert data["reason_time"] == "2024-01-01T00:00:00+00:00"
    assert node.drained and node.idle_cpus == 3


def test_snapshots_are_sequences_of_records_looked_up_by_key() -> None:
    a, b = _node(name="a"), _node(name="b")
    snap = Snapshot((a, b), None)
    assert len(snap) == 2 and snap[0] is a and snap[-1] is b and list(snap) == [a, b]
    assert snap.by_key["b"] is b and snap.get("a") is a and snap.get("c") is None
    assert "a" in snap.by_key and "c" not in snap.by_key and a in snap
    assert list(snap[1:]) == [b] and isinstance(snap[1:], Snapshot)
    with pytest.raises(KeyError):
        snap.by_key["c"]
    # A key is not a position, nor a record: asking with one is a mistake, said loudly.
    with pytest.raises(TypeError, match="by_key"):
        snap["a"]  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="by_key"):
        "a" in snap  # noqa: B015
