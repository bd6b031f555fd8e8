"""Reservation flags: one table of names for reads and writes, so that the flags read from a
reservation can be written back, and they are the names ``scontrol show reservation``
prints.

For every flag this release has that can be set when a reservation is created: create a
reservation with it, read it back (slurmlib and scontrol agree), update the reservation
with exactly the flags read, and read them again. Reservations are made one at a time far
in the future (recurring ones would overlap each other), and removed whatever happens.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import slurmlib
from slurmlib import _control_reservations
from slurmlib.states import RESERVATION_FLAGS

from ..slurmtools import run, scontrol_oneliners

TAG = f"p18r{os.getpid()}"

# Flags slurmctld sets itself (SPEC_NODES, ALL_NODES: how the nodes were named) or that
# need a reservation of another shape than "these nodes" (below).
SET_BY_SLURM = {"SPEC_NODES", "ALL_NODES"}
SHAPES: dict[str, dict[str, Any]] = {
    # Nodes picked by Slurm, replaced as they go busy or down.
    "REPLACE": {"node_count": 1, "partition": "debug"},
    "REPLACE_DOWN": {"node_count": 1, "partition": "debug"},
    # Every node of a partition, following the partition.
    "PART_NODES": {"nodes": "ALL", "partition": "long"},
}
# What an update must say again along with a flag (slurmctld checks it as on create).
UPDATE_SHAPES: dict[str, dict[str, Any]] = {
    "PART_NODES": {"nodes": "ALL", "partition": "long"},
}
ON_CREATE = sorted(set(RESERVATION_FLAGS) - SET_BY_SLURM - {"FORCE_START", "USER_DELETE"})


@pytest.fixture
def created(slurm_conf: object) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        run("scontrol", "delete", f"reservation={name}", check=False)


def _scontrol_flags(name: str) -> set[str]:
    found = [r for r in scontrol_oneliners("reservation") if r["ReservationName"] == name]
    assert found, f"scontrol shows no reservation {name}"
    # PURGE_COMP carries its time: PURGE_COMP=00:05:00.
    return {f.split("=")[0] for f in found[0]["Flags"].split(",") if f}


def test_reads_and_writes_share_one_table_of_names() -> None:
    assert set(RESERVATION_FLAGS) <= set(_control_reservations.RESERVATION_FLAGS)
    for name, bit in RESERVATION_FLAGS.items():
        assert _control_reservations.RESERVATION_FLAGS[name] == bit
    assert "IGNORE_JOBS" in RESERVATION_FLAGS and "IGN_JOBS" not in RESERVATION_FLAGS


@pytest.mark.parametrize("flag", ON_CREATE)
def test_a_flag_read_from_a_reservation_can_be_written_back(flag: str, created: list[str]) -> None:
    cluster = slurmlib.Cluster()
    start = (datetime.now(UTC) + timedelta(days=60)).replace(second=0, microsecond=0)
    shape = SHAPES.get(flag, {"nodes": "node4"})
    name = cluster.create_reservation(
        f"{TAG}-{flag.lower()}",
        start=start,
        duration=timedelta(minutes=10),
        users=["root"],
        flags=[flag],
        **shape,
    )
    created.append(name)
    read = cluster.reservations().by_key[name].flags
    assert flag in read
    assert read == _scontrol_flags(name), "slurmlib names the flags as scontrol does"
    # slurmctld refuses TIME_FLOAT in an update ("Invalid time specified", 22.05), with or
    # without a start: it is written back by leaving it out, which keeps it.
    back = sorted(read - {"TIME_FLOAT"})
    cluster.update_reservation(name, flags=back, **UPDATE_SHAPES.get(flag, {}))
    again = cluster.reservations().by_key[name].flags
    assert again == read and again == _scontrol_flags(name)
