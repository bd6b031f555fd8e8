"""Acting on nodes: the node writes of :class:`~slurmlib.Cluster` (drain, resume_nodes,
down, update_node), as ``scontrol update node``.

Nodes are a host list (``"node[1-2]"``) or a list of names.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ._cbuffers import CBuffers
from ._control import call, comma_names, constants
from ._validate import check_choice, check_count, check_text
from .native import capabilities, ffi, lib

__all__ = ["NODE_UPDATE_STATES", "NodeControl", "node_list"]

NODE_UPDATE_STATES = {
    **constants("NODE_STATE_", ("DOWN", "DRAIN", "FAIL", "UNDRAIN", "POWER_DOWN", "POWER_UP")),
    "RESUME": int(lib.NODE_RESUME),
}
"""The states ``update_node`` can set, as ``scontrol update node State=``."""

_NEED_A_REASON = ("DOWN", "DRAIN", "FAIL")


def node_list(field: str, value: object) -> str:
    """Nodes as one host list: ``"node[1-2]"``, ``"node1,node2"`` or a list of names."""
    return comma_names(field, value)


def _feature_list(field: str, value: object) -> str:
    """Features as a comma list; ``""`` clears them."""
    if isinstance(value, str) and value == "":
        return ""
    return comma_names(field, value)


class NodeControl:
    """The node writes of :class:`~slurmlib.Cluster`."""

    def drain(self, nodes: str | Iterable[str], reason: str) -> None:
        """Let running jobs finish, start no new ones (``State=DRAIN``)."""
        self.update_node(nodes, state="DRAIN", reason=reason)

    def resume_nodes(self, nodes: str | Iterable[str]) -> None:
        """Return drained or down nodes to service (``State=RESUME``)."""
        self.update_node(nodes, state="RESUME")

    def down(self, nodes: str | Iterable[str], reason: str) -> None:
        """Mark nodes DOWN: the jobs running on them are killed."""
        self.update_node(nodes, state="DOWN", reason=reason)

    def update_node(
        self,
        nodes: str | Iterable[str],
        *,
        state: str | None = None,
        reason: str | None = None,
        weight: int | None = None,
        features: str | Iterable[str] | None = None,
        active_features: str | Iterable[str] | None = None,
        gres: str | None = None,
        comment: str | None = None,
    ) -> None:
        """Change nodes (``scontrol update node``). ``state``: DOWN, DRAIN, FAIL, RESUME,
        UNDRAIN, POWER_DOWN or POWER_UP; DOWN, DRAIN and FAIL need a ``reason``."""
        # None leaves a field unchanged; features="" clears the features.
        names = node_list("nodes", nodes)
        state_value = None if state is None else check_choice("state", state, NODE_UPDATE_STATES)
        if reason is not None:
            check_text("reason", reason)
        needs_reason = {NODE_UPDATE_STATES[s] for s in _NEED_A_REASON}
        if state_value in needs_reason and reason is None:
            raise ValueError(f"reason: setting nodes {str(state).upper()} needs a reason")
        if weight is not None:
            check_count("weight", weight, maximum=0xFFFFFFFD)
        texts = {
            "features": None if features is None else _feature_list("features", features),
            "features_act": (
                None
                if active_features is None
                else _feature_list("active_features", active_features)
            ),
            "gres": None if gres is None else check_text("gres", gres, empty=True),
            "comment": None if comment is None else check_text("comment", comment, empty=True),
            "reason": reason,
        }
        if state_value is None and weight is None and all(v is None for v in texts.values()):
            raise ValueError("update_node: nothing to change")
        buffers = CBuffers()
        msg = buffers.keep(ffi.new("update_node_msg_t *"))
        lib.slurm_init_update_node_msg(msg)
        msg.node_names = buffers.text(names)
        if state_value is not None:
            msg.node_state = state_value
        if weight is not None:
            msg.weight = weight
        for field, text in texts.items():
            if text is not None:
                setattr(msg, field, buffers.text(text))
        if reason is not None and capabilities.has_field("update_node_msg_t", "reason_uid"):
            # Until 25.x the client names who set the reason; later the controller takes it
            # from the request's credential.
            msg.reason_uid = os.getuid()
        call(f"updating nodes {names}", lambda: lib.slurm_update_node(msg))
