"""The controller's network topology (``scontrol show topology``) as switch records.

Up to 23.11 the answer of ``slurm_load_topo`` is an array of ``topo_info_t``, read field by
field. From 24.05 the topology plugin owns the data: libslurm unpacks and prints it through
the plugin (``topology_tree.so``, ...), and those plugins need symbols that only Slurm's
daemons and its private ``libslurmfull`` define (``topo_conf``, ``bit_*``, ``hostlist_*``).
Loaded into a libslurm client, the tree plugin fails to load and the unpacked message is
left half-built: printing it crashed the process on 24.11. On those releases slurmlib
refuses with :class:`~slurmlib.errors.Unsupported` before any call is made, where a
topology plugin is configured; without one the topology is empty on every release.
"""

from __future__ import annotations

from typing import Any

from . import convert as cv
from .errors import Unsupported
from .native import capabilities, ffi
from .records import Switch

# The message keeps its data behind the plugin (24.05+: a field ``topo_info``).
OPAQUE = capabilities.has_field("topo_info_response_msg_t", "topo_info") or not (
    capabilities.has_field("topo_info_response_msg_t", "topo_array")
)


# What the controller reports when no topology plugin is configured: nothing (22.05 and
# earlier leave TopologyPlugin empty), "topology/none" (up to 23.11), "topology/flat" (its
# replacement from 24.05), or "topology/default" (the name topology.yaml gives it).
_NO_TOPOLOGY = frozenset({"", "none", "flat", "default"})


def configured(plugin: str | None) -> bool:
    """True when ``plugin`` (the controller's ``TopologyPlugin``) is a real topology plugin.

    Without one there is no topology to read: empty, on every release, without a call.
    """
    name = (plugin or "").strip()
    return name.removeprefix("topology/") not in _NO_TOPOLOGY


def check_supported() -> None:
    if OPAQUE:
        raise Unsupported(
            "this Slurm release keeps the topology behind its topology plugin, which "
            "libslurm cannot load outside Slurm's daemons: use `scontrol show topology`",
            context="loading the topology",
        )


def convert(msg: Any) -> tuple[Switch, ...]:
    # slurm_load_topo answers NULL (and success) when the controller has no topology.
    if msg == ffi.NULL or msg.topo_array == ffi.NULL:
        return ()
    array = msg.topo_array
    return tuple(
        _switch(
            name=cv.text(array[i].name) or "",
            level=int(array[i].level),
            link_speed=int(array[i].link_speed),
            nodes=cv.text(array[i].nodes),
            switches=cv.text(array[i].switches),
        )
        for i in range(int(msg.record_count))
    )


def _switch(
    name: str, level: int, link_speed: int, nodes: str | None, switches: str | None
) -> Switch:
    return Switch(
        name=name,
        level=level,
        link_speed=link_speed,
        nodes=nodes or None,
        node_names=cv.expand_hostlist(nodes),
        switches=cv.expand_hostlist(switches),
    )
