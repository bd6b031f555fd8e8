"""slurmlib.capacity: the one count of nodes' CPUs, memory and GPUs that ``slurmlib nodes``
and the exporter share, as sinfo splits CPUs (allocated / idle / other)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from slurmlib.capacity import Totals, is_gpu, state_word
from slurmlib.states import NodeState


def node(state: NodeState = NodeState.IDLE, flags: frozenset[str] = frozenset(), **kw: Any) -> Any:
    """What a Node record offers the count (the fields it reads), with these values."""
    fields: dict[str, Any] = {
        "cpus": 8,
        "alloc_cpus": 0,
        "real_memory": 1000,
        "alloc_memory": 0,
        "gpus": 0,
        "gpus_allocated": 0,
        "gres_total": {},
        "gres_in_use": {},
    }
    fields.update(kw)
    return SimpleNamespace(state=state, flags=flags, **fields)


def test_free_cpus_memory_and_gpus_of_an_unavailable_node_are_other() -> None:
    totals = Totals()
    busy = node(
        NodeState.MIXED,
        alloc_cpus=2,
        alloc_memory=100,
        gpus=4,
        gpus_allocated=1,
        gres_total={"gpu:a100": 4},
        gres_in_use={"gpu:a100": 1},
    )
    drained = node(NodeState.IDLE, frozenset({"DRAIN"}), gpus=2, gres_total={"gpu": 2})
    down = node(NodeState.DOWN)
    for each in (busy, drained, down):
        totals.add(each)
    assert (totals.nodes, dict(totals.states)) == (3, {"mixed": 1, "drained": 1, "down": 1})
    assert (totals.cpus, totals.cpus_allocated, totals.cpus_idle, totals.cpus_other) == (
        24,
        2,
        6,
        16,
    )
    assert (totals.memory_mib, totals.memory_allocated_mib, totals.memory_idle_mib) == (
        3000,
        100,
        900,
    )
    assert (totals.gpus, totals.gpus_allocated, totals.gpus_idle, totals.gpus_other) == (
        6,
        1,
        3,
        2,
    )
    assert totals.gpu_types == {"gpu:a100": [4, 1, 0], "gpu": [2, 0, 2]}


def test_merged_totals_are_the_totals_of_every_node() -> None:
    nodes = [
        node(
            alloc_cpus=8,
            gpus=2,
            gpus_allocated=2,
            gres_total={"gpu:v100": 2},
            gres_in_use={"gpu:v100": 2},
        ),
        node(NodeState.IDLE, frozenset({"NO_RESPOND"}), gres_total={"gpu:v100": 1}),
        node(NodeState.IDLE, frozenset({"RES"})),
    ]
    whole, first, rest = Totals(), Totals(), Totals()
    for each in nodes:
        whole.add(each)
    first.add(nodes[0])
    for each in nodes[1:]:
        rest.add(each)
    first.merge(rest)
    assert first == whole
    assert whole.states["reserved"] == 1 and whole.gpu_types["gpu:v100"] == [3, 2, 1]


def test_only_gpu_gres_are_gpus() -> None:
    assert [is_gpu(k) for k in ("gpu", "gpu:a100", "gpus", "shard", "mps")] == [
        True,
        True,
        False,
        False,
        False,
    ]
    totals = Totals()
    totals.add(node(gres_total={"shard": 8, "gpu:h100": 1}))
    assert list(totals.gpu_types) == ["gpu:h100"]


def test_the_state_word_puts_a_drain_first_then_down() -> None:
    assert state_word(node(NodeState.ALLOCATED, frozenset({"DRAIN"}), alloc_cpus=1)) == "draining"
    assert state_word(node(NodeState.DOWN, frozenset({"DRAIN"}))) == "drained"
    assert state_word(node(NodeState.IDLE, frozenset({"NO_RESPOND"}))) == "down"


def test_nodes_counted_together_add_up_as_each_counted_alone() -> None:
    shared = {"gpu:a100": 4}
    kinds = [
        node(NodeState.IDLE, gpus=4, gres_total=shared),
        node(NodeState.IDLE, gpus=4, gres_total=shared),  # alike: counted as one kind
        node(NodeState.IDLE, gpus=4, gres_total={"gpu:a100": 4}),  # equal map, another object
        node(
            NodeState.MIXED,
            alloc_cpus=3,
            gpus=4,
            gpus_allocated=2,
            gres_total=shared,
            gres_in_use={"gpu:a100": 2},
        ),
        node(NodeState.IDLE, frozenset({"DRAIN"}), gpus=4, gres_total=shared),
        node(NodeState.DOWN, real_memory=64),
    ]
    nodes = kinds * 50
    one_by_one, together = Totals(), Totals()
    for each in nodes:
        one_by_one.add(each)
    together.add_nodes(iter(nodes))
    assert together == one_by_one
    assert together.nodes == 300 and together.gpu_types == {"gpu:a100": [1000, 100, 200]}
    counted = Totals()
    counted.add(kinds[3], count=7)
    assert (counted.nodes, counted.cpus_allocated, counted.gpus_allocated) == (7, 21, 14)
