"""topology(): the switch tree, against `scontrol -o show topology` on the seeded cluster.

The seed configures topology/tree (``.cluster/etc/topology.conf``): leaf switches over the
live, GPU and big nodes, and a spine above them. Compared per switch: level, link speed,
nodes (expanded both sides) and child switches.
"""

from __future__ import annotations

import pytest

from slurmlib import Cluster, _topology
from slurmlib.native import api_lock, check, ffi, lib
from slurmlib.records import Switch

from ..slurmtools import run, scontrol_oneliners

pytestmark = pytest.mark.usefixtures("slurm_conf")


def _expand(hostlist: str) -> set[str]:
    if not hostlist:
        return set()
    return set(run("scontrol", "show", "hostnames", hostlist).stdout.split())


def _compare(switches: tuple[Switch, ...]) -> None:
    reference = {r["SwitchName"]: r for r in scontrol_oneliners("topology")}
    assert reference, "the seed configures a topology"
    assert {s.name for s in switches} == set(reference)
    for switch in switches:
        ref = reference[switch.name]
        assert switch.level == int(ref["Level"]), switch.name
        assert switch.link_speed == int(ref["LinkSpeed"]), switch.name
        assert set(switch.node_names) == _expand(ref.get("Nodes", "")), switch.name
        assert set(switch.switches) == _expand(ref.get("Switches", "")), switch.name


def test_topology_matches_scontrol() -> None:
    switches = Cluster().topology()
    _compare(switches)
    assert any(s.switches for s in switches), "a switch above the leaves"
    assert all(s.level == 0 for s in switches if not s.switches)


def test_printed_form_reads_the_same_as_the_array() -> None:
    # From 24.05 only libslurm's printer sees the topology; on releases that still have the
    # array, both ways must give the same switches.
    with api_lock:
        out = ffi.new("topo_info_response_msg_t **")
        check(lib.slurm_load_topo(out, *_topology.load_args()), "loading the topology")
        try:
            printed = _topology._from_printer(out[0])
            converted = _topology.convert(out[0])
        finally:
            lib.slurm_free_topo_info_msg(out[0])
    assert printed == converted
    _compare(printed)


def test_switch_records_serialise() -> None:
    switch = Cluster().topology()[0]
    data = switch.to_dict()
    assert data["name"] == switch.name and isinstance(data["node_names"], list)
