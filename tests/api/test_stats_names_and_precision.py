"""stats(): RPC types named as sdiag names them, on every release, and times in to_dict()
kept to the microsecond Slurm measures them in."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from slurmlib import Cluster
from slurmlib._rpc_names import RPC_NAMES, rpc_name

from ..slurmtools import run

# sdiag: "	REQUEST_NODE_INFO                       ( 2007) count:20     ave_time:322 ..."
_LINE = re.compile(r"^\s+(\S+)\s+\(\s*(\d+)\)\s+count:")


def _sdiag_type_names() -> dict[int, str]:
    text = run("sdiag").stdout
    section = text.split("by message type", 1)[1].split("by user", 1)[0]
    return {int(m[2]): m[1] for m in map(_LINE.match, section.splitlines()) if m}


def test_rpc_types_are_named_as_sdiag_names_them(slurm_conf: Path) -> None:
    ours = Cluster().stats().rpcs_by_type
    reference = _sdiag_type_names()
    assert ours and reference
    assert all(r.name for r in ours), [r for r in ours if not r.name]
    common = {r.id for r in ours} & set(reference)
    assert len(common) >= 5, (ours, reference)
    for stat in ours:
        if stat.id in reference:
            assert stat.name == reference[stat.id], stat


def test_a_type_without_a_known_name_is_named_by_its_number() -> None:
    unknown = max(RPC_NAMES) + 1000
    assert rpc_name(unknown) == f"RPC_{unknown}"
    assert rpc_name(2007) == "REQUEST_NODE_INFO"


def test_to_dict_keeps_rpc_times_to_the_microsecond(slurm_conf: Path) -> None:
    stats = Cluster().stats()
    data = stats.to_dict()
    fractional = 0
    for stat, row in zip(stats.rpcs_by_type, data["rpcs_by_type"], strict=True):
        for key in ("total_time", "average_time"):
            value = getattr(stat, key)
            assert isinstance(row[key], float), row
            assert timedelta(seconds=row[key]) == value, (key, row)
            fractional += 0 < row[key] < 1
    # Controller RPCs take milliseconds: whole seconds would have made them all 0.
    assert fractional, data["rpcs_by_type"]
    for row in data["rpcs_by_user"]:
        assert isinstance(row["average_time"], float)


def test_to_dict_keeps_scheduler_cycle_times_to_the_microsecond(slurm_conf: Path) -> None:
    stats = Cluster().stats()
    data = stats.to_dict()
    assert isinstance(data["main_cycle_last"], float)
    assert timedelta(seconds=data["main_cycle_last"]) == stats.main_cycle_last
    assert data["main_cycle_max"] == stats.main_cycle_max.total_seconds()
