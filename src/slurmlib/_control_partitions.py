"""Acting on partitions: create, update and delete one, as ``scontrol create partition``.

The keywords that create_partition and update_partition share are described once, in
:data:`PARTITION_SETTINGS` (see :mod:`slurmlib._control`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from ._cbuffers import CBuffers
from ._control import (
    Setting,
    c_minutes,
    call,
    check_keywords,
    comma_names,
    constants,
    fill,
    settings,
)
from ._control_nodes import node_list
from ._validate import check_choice, check_count, check_text
from .convert import Unlimited
from .native import ffi, lib

__all__ = ["PARTITION_SETTINGS", "PARTITION_STATES", "PartitionControl"]

_INFINITE = int(lib.INFINITE)

PARTITION_STATES = constants("PARTITION_", ("UP", "DOWN", "DRAIN", "INACTIVE"))
"""Partition states by name, as ``scontrol update partition State=``."""


def _nodes(field: str, value: object) -> str:
    return "" if value == "" else node_list(field, value)


def _allowed(field: str, value: object) -> str:
    return "ALL" if value == "ALL" else comma_names(field, value)


def _state(field: str, value: object) -> int:
    return check_choice(field, value, PARTITION_STATES)


def _max_nodes(field: str, value: object) -> int:
    return _INFINITE if isinstance(value, Unlimited) else check_count(field, value)


def _min_nodes(field: str, value: object) -> int:
    return check_count(field, value, minimum=0)


def _priority_tier(field: str, value: object) -> int:
    return check_count(field, value, minimum=0, maximum=0xFFFD)


def _switch(flag: str, clear: str) -> Callable[[str, object], int]:
    """A boolean setting: one flag bit sets it, another clears it."""

    def convert(field: str, value: object) -> int:
        if not isinstance(value, bool):
            raise TypeError(f"{field} must be True, False or None")
        return int(getattr(lib, flag if value else clear))

    return convert


PARTITION_SETTINGS = (
    Setting("nodes", "nodes", _nodes),
    Setting("state", "state_up", _state),
    Setting("max_time", "max_time", c_minutes),
    Setting("default_time", "default_time", c_minutes),
    Setting("max_nodes", "max_nodes", _max_nodes),
    Setting("min_nodes", "min_nodes", _min_nodes),
    Setting("priority_tier", "priority_tier", _priority_tier),
    Setting("allow_accounts", "allow_accounts", _allowed),
    Setting("allow_qos", "allow_qos", _allowed),
    Setting("allow_groups", "allow_groups", _allowed),
    Setting("default", "flags", _switch("PART_FLAG_DEFAULT", "PART_FLAG_DEFAULT_CLR")),
    Setting("hidden", "flags", _switch("PART_FLAG_HIDDEN", "PART_FLAG_HIDDEN_CLR")),
    Setting("root_only", "flags", _switch("PART_FLAG_ROOT_ONLY", "PART_FLAG_ROOT_ONLY_CLR")),
    Setting(
        "exclusive_user",
        "flags",
        _switch("PART_FLAG_EXCLUSIVE_USER", "PART_FLAG_EXC_USER_CLR"),
    ),
)
"""The keywords of create_partition and update_partition, and the fields of the partition
request they fill (the four switches set or clear bits of its ``flags``)."""

# The request's type is the one the bound prototypes take: update_part_msg_t * up to 26.05,
# partition_info_t * once that typedef is gone (both name struct partition_info).
_PARTITION_REQUEST = ffi.typeof(lib.slurm_init_part_desc_msg).args[0]


def _request(name: str, arguments: dict[str, Any]) -> tuple[Any, CBuffers]:
    """Check the name and every setting, then build the partition request."""
    fields = {"name": check_text("name", name), **settings(PARTITION_SETTINGS, arguments)}
    buffers = CBuffers()
    msg = buffers.keep(ffi.new(_PARTITION_REQUEST))
    lib.slurm_init_part_desc_msg(msg)
    fill(msg, buffers, fields)
    return msg, buffers


class PartitionControl:
    """The partition writes of :class:`~slurmlib.Cluster`."""

    def create_partition(
        self,
        name: str,
        *,
        nodes: str | Iterable[str] | None = None,
        state: str | None = None,
        max_time: timedelta | int | Unlimited | None = None,
        default_time: timedelta | int | Unlimited | None = None,
        max_nodes: int | Unlimited | None = None,
        min_nodes: int | None = None,
        priority_tier: int | None = None,
        allow_accounts: str | Iterable[str] | None = None,
        allow_qos: str | Iterable[str] | None = None,
        allow_groups: str | Iterable[str] | None = None,
        default: bool | None = None,
        hidden: bool | None = None,
        root_only: bool | None = None,
        exclusive_user: bool | None = None,
    ) -> None:
        """Create a partition. ``state``: UP, DOWN, DRAIN or INACTIVE; times in minutes or
        as timedelta; ``allow_*`` take names or "ALL"."""
        msg, buffers = _request(name, locals())  # locals(): the arguments, by keyword
        call(f"creating partition {name}", lambda: lib.slurm_create_partition(msg))
        del buffers  # the request's strings lived until here

    def update_partition(
        self,
        name: str,
        *,
        nodes: str | Iterable[str] | None = None,
        state: str | None = None,
        max_time: timedelta | int | Unlimited | None = None,
        default_time: timedelta | int | Unlimited | None = None,
        max_nodes: int | Unlimited | None = None,
        min_nodes: int | None = None,
        priority_tier: int | None = None,
        allow_accounts: str | Iterable[str] | None = None,
        allow_qos: str | Iterable[str] | None = None,
        allow_groups: str | Iterable[str] | None = None,
        default: bool | None = None,
        hidden: bool | None = None,
        root_only: bool | None = None,
        exclusive_user: bool | None = None,
    ) -> None:
        """Change a partition; ``None`` leaves a setting as it is."""
        msg, buffers = _request(name, locals())  # locals(): the arguments, by keyword
        call(f"updating partition {name}", lambda: lib.slurm_update_partition(msg))
        del buffers  # the request's strings lived until here

    def delete_partition(self, name: str) -> None:
        check_text("name", name)
        buffers = CBuffers()
        msg = buffers.keep(ffi.new("delete_part_msg_t *"))
        msg.name = buffers.text(name)
        call(f"deleting partition {name}", lambda: lib.slurm_delete_partition(msg))


check_keywords(PartitionControl.create_partition, PARTITION_SETTINGS)
check_keywords(PartitionControl.update_partition, PARTITION_SETTINGS)
