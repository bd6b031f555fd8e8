"""topology(): the switch tree, against `scontrol -o show topology` on the seeded cluster.

The seed configures topology/tree (``.cluster/etc/topology.conf``): leaf switches over the
live, GPU and big nodes, and a spine above them. Compared per switch: level, link speed,
nodes (expanded both sides) and child switches. From Slurm 24.05 only the daemons can
unpack the topology: there slurmlib must refuse with a typed error, and not crash.
"""

from __future__ import annotations

import pytest

from slurmlib import Cluster, _topology
from slurmlib.errors import SlurmError, Unsupported

from ..slurmtools import run, scontrol_oneliners

pytestmark = pytest.mark.usefixtures("slurm_conf")

opaque = pytest.mark.skipif(not _topology.OPAQUE, reason="this release exposes the array")
readable = pytest.mark.skipif(_topology.OPAQUE, reason="the topology is plugin-opaque here")


def _expand(hostlist: str) -> set[str]:
    if not hostlist:
        return set()
    return set(run("scontrol", "show", "hostnames", hostlist).stdout.split())


@readable
def test_topology_matches_scontrol() -> None:
    switches = Cluster().topology()
    reference = {r["SwitchName"]: r for r in scontrol_oneliners("topology")}
    assert reference, "the seed configures a topology"
    assert {s.name for s in switches} == set(reference)
    for switch in switches:
        ref = reference[switch.name]
        assert switch.level == int(ref["Level"]), switch.name
        assert switch.link_speed == int(ref["LinkSpeed"]), switch.name
        assert set(switch.node_names) == _expand(ref.get("Nodes", "")), switch.name
        assert set(switch.switches) == _expand(ref.get("Switches", "")), switch.name
    assert any(s.switches for s in switches), "a switch above the leaves"
    assert all(s.level == 0 for s in switches if not s.switches)


@readable
def test_switch_records_serialise() -> None:
    switch = Cluster().topology()[0]
    data = switch.to_dict()
    assert data["name"] == switch.name and isinstance(data["node_names"], list)


@opaque
def test_an_opaque_topology_is_refused_with_a_typed_error() -> None:
    assert scontrol_oneliners("topology"), "the controller has a topology to show"
    with pytest.raises(Unsupported) as caught:
        Cluster().topology()
    assert isinstance(caught.value, SlurmError)
    assert "scontrol show topology" in str(caught.value)


@pytest.mark.parametrize(
    ("plugin", "configured"),
    [
        (None, False),
        ("", False),
        ("topology/none", False),
        ("topology/flat", False),
        ("topology/default", False),
        ("topology/tree", True),
        ("topology/3d_torus", True),
        ("topology/block", True),
    ],
)
def test_only_a_real_topology_plugin_counts_as_a_topology(
    plugin: str | None, configured: bool
) -> None:
    # Without one, topology() is empty on every release: no request, never Unsupported.
    assert _topology.configured(plugin) is configured


def test_the_test_cluster_has_a_topology_plugin_to_read_or_refuse() -> None:
    plugin = Cluster().config().values["topology_plugin"]
    assert _topology.configured(plugin), plugin
