"""Copy slurmdbd's C records into owned Python records.

Associations, QoS, users and accounts: a whole C list is copied out in one generated call
(``_build/bulk_db_c.py``) and assembled from the records' descriptions; accounting jobs go
the same way in :mod:`._convert_jobs`, which shares this module's list machinery. Clusters,
events and reservations, a few records a query: one C record (a cffi pointer into a list
that is still alive) at a time. Either way with the :class:`Names` of the database's TRES
and QoS, into records of Python values only; the caller destroys the list right after.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import islice
from typing import Any, TypeVar

from .. import _assemble, _bulk
from .. import convert as cv
from .._build import bulk_spec as _bulk_spec
from .._build import layouts
from .._build.bulk_spec import ListSpec
from .._frozen import EMPTY, FrozenMap
from ..native import capabilities, ffi, lib
from .records import (
    Account,
    Association,
    Cluster,
    DbReservation,
    Event,
    QoS,
    Tres,
    User,
)

_text = cv.text
T = TypeVar("T")


@dataclass
class Names:
    """The database's TRES and QoS by id: records name them, the database stores ids."""

    tres: dict[int, str] = field(default_factory=dict)
    qos: dict[int, str] = field(default_factory=dict)

    def tres_name(self, tres_id: int) -> str:
        return self.tres.get(tres_id, f"tres{tres_id}")

    def qos_name(self, qos_id: int) -> str | None:
        if qos_id in (0, cv.NO_VAL, cv.INFINITE):
            return None
        return self.qos.get(qos_id, str(qos_id))


def tres_dict(value: str | None, names: Names) -> FrozenMap[str, int]:
    """``"1=8,2=1024,1001=2"`` → ``{"cpu": 8, "mem": 1024, "gres/gpu": 2}`` (read-only).

    Entries whose value is a sentinel (no data, no limit) are left out.
    """
    if not value:
        return EMPTY
    result: dict[str, int] = {}
    for item in value.split(","):
        key, sep, amount = item.partition("=")
        if not sep or not key.isdigit():
            continue
        try:
            number = int(amount)
        except ValueError:
            continue
        if number < 0 or number in (cv.NO_VAL64, cv.INFINITE64):
            continue
        result[names.tres_name(int(key))] = number
    return FrozenMap(result)


def _seconds(value: int) -> timedelta | None:
    if value in (cv.NO_VAL, cv.INFINITE, cv.NO_VAL16, cv.INFINITE16):
        return None
    return timedelta(seconds=value)


def _float(value: float) -> float | None:
    # Slurm writes NO_VAL into doubles as "not set".
    if value in (float(cv.NO_VAL), float(cv.INFINITE)) or value != value:
        return None
    return float(value)


# --- TRES and clusters -------------------------------------------------------------------


def tres(c: Any) -> Tres:
    return Tres(id=int(c.id), type=_text(c.type) or "", name=_text(c.name) or None)


def cluster(c: Any, names: Names) -> Cluster:
    port = int(c.control_port)
    rpc = int(c.rpc_version)
    return Cluster(
        name=_text(c.name) or "",
        control_host=_text(c.control_host) or None,
        control_port=port or None,
        rpc_version=rpc or None,
        nodes=_text(c.nodes) or None,
        tres=tres_dict(_text(c.tres_str), names),
    )


# --- slurmdbd's lists, copied out by generated C --------------------------------------------


def _absent_where_missing(plan: tuple[_bulk.Field, ...], spec: ListSpec) -> tuple[_bulk.Field, ...]:
    """The plan, with every field read from a member this release lacks made ``None``.

    The converter writes such a member as 0 or NULL; the field gets a gate that no value
    passes (``x & 0 >= 1``).
    """
    return tuple(
        replace(f, gate=spec.ints[0], gate_mask=0, gate_min=1, gate_str=None)
        if f.column not in (*spec.computed_ints, *spec.computed_strings)
        and not capabilities.has_field(spec.struct, f.column.split(".", 1)[0])
        else f
        for f in plan
    )


def _list_assembler(cls: type[T], spec: ListSpec, plan: Any) -> _bulk.Assembler[T]:
    return _bulk.Assembler(cls, spec, _absent_where_missing(_bulk.plan(plan, {}), spec))


_association_assembler = _list_assembler(
    Association, _bulk_spec.DB_ASSOCS, layouts.ASSOCIATION_PLAN
)
_qos_assembler = _list_assembler(QoS, _bulk_spec.DB_QOS, layouts.QOS_PLAN)
_account_assembler = _list_assembler(Account, _bulk_spec.DB_ACCOUNTS, layouts.ACCOUNT_PLAN)
_user_assembler = _list_assembler(User, _bulk_spec.DB_USERS, layouts.USER_PLAN)


def _widths(spec: ListSpec) -> tuple[int, int]:
    return len(spec.ints) + len(spec.computed_ints), len(spec.strings) + len(spec.computed_strings)


def _columns(c: Any, n_ints: int, n_strings: int) -> tuple[Any, list[str | None]]:
    """(integers as a buffer of native ``uint64``, strings) of a list's columns, still C's."""
    rows = int(c.rows)
    if rows == 0:
        return b"", []
    length = ffi.new("size_t *")
    text = lib.slurmlib_dbcolumns_text(c, length)
    strings: list[str | None] = _assemble.split(
        ffi.buffer(text, length[0]),
        rows * n_strings,
        n_strings,
        ffi.buffer(c.nulls, int(c.null_count) * ffi.sizeof("uint32_t")),
    )
    return ffi.buffer(c.ints, rows * n_ints * ffi.sizeof("uint64_t")), strings


# --- QoS --------------------------------------------------------------------------------

# sacctmgr's names of the QoS flags; a flag this release lacks is never reported.
_QOS_FLAG_NAMES = {
    "QOS_FLAG_PART_MIN_NODE": "PartitionMinNodes",
    "QOS_FLAG_PART_MAX_NODE": "PartitionMaxNodes",
    "QOS_FLAG_PART_TIME_LIMIT": "PartitionTimeLimit",
    "QOS_FLAG_ENFORCE_USAGE_THRES": "EnforceUsageThreshold",
    "QOS_FLAG_NO_RESERVE": "NoReserve",
    "QOS_FLAG_REQ_RESV": "RequiresReservation",
    "QOS_FLAG_DENY_LIMIT": "DenyOnLimit",
    "QOS_FLAG_OVER_PART_QOS": "OverPartQOS",
    "QOS_FLAG_NO_DECAY": "NoDecay",
    "QOS_FLAG_USAGE_FACTOR_SAFE": "UsageFactorSafe",
    "QOS_FLAG_RELATIVE": "Relative",
}
QOS_FLAGS: dict[str, int] = {
    name: int(getattr(lib, constant))
    for constant, name in _QOS_FLAG_NAMES.items()
    if capabilities.has_constant(constant)
}
_QOS_FLAG_BASE = int(lib.QOS_FLAG_BASE)

PREEMPT_MODES: dict[str, int] = {
    name: int(getattr(lib, "PREEMPT_MODE_" + name))
    for name in ("SUSPEND", "REQUEUE", "CANCEL", "GANG", "WITHIN")
    if capabilities.has_constant("PREEMPT_MODE_" + name)
}
_PREEMPT_OFF = (
    int(lib.PREEMPT_MODE_COND_OFF) if capabilities.has_constant("PREEMPT_MODE_COND_OFF") else None
)


def qos_flags(value: int) -> frozenset[str]:
    if value & ~_QOS_FLAG_BASE:  # NOTSET/ADD/REMOVE markers: no flags were read
        value &= _QOS_FLAG_BASE
    return frozenset(name for name, bit in QOS_FLAGS.items() if value & bit)


def preempt_mode(value: int) -> str | None:
    if value == cv.NO_VAL16:
        return None
    if value == 0:
        return "CLUSTER"
    if _PREEMPT_OFF is not None and value == _PREEMPT_OFF:
        return "OFF"
    return ",".join(name for name, bit in PREEMPT_MODES.items() if value & bit) or str(value)


def _double(bits: int) -> float | None:
    """A double from the bits of its integer column (``bulk_spec``'s ``*_bits`` columns)."""
    value: float = struct.unpack("d", struct.pack("Q", bits))[0]
    return _float(value)


def _limit_caches(names: Names) -> dict[str, _bulk.Cache]:
    """The caches of the records that carry limits (QoS, associations): one call's."""
    return {
        "texts": _bulk.Cache(lambda value: value or ""),
        "qos": _bulk.Cache(names.qos_name),
        "qos_lists": _bulk.Cache(lambda value: _qos_names(value, names)),
        "counts": _bulk.Cache(cv.count),
        "limits": _bulk.Cache(cv.duration_minutes),
        "tres": _bulk.Cache(lambda value: tres_dict(value, names)),
    }


def _flat_list(
    spec: ListSpec, assembler: _bulk.Assembler[T], xlist: Any, caches: Mapping[str, _bulk.Cache]
) -> tuple[T, ...]:
    """The records of a ``list_t`` (NULL: none) whose kind has no children."""
    out = ffi.new("slurmlib_dbcolumns_t *")
    if getattr(lib, spec.function)(xlist, out) != 0:
        raise MemoryError(f"copying {spec.name} out of C")
    try:
        records = assembler.assemble(*_columns(out, *_widths(spec)), caches)
    finally:
        lib.slurmlib_dbcolumns_free(out)
    return tuple(records)


def qos_list(xlist: Any, names: Names) -> tuple[QoS, ...]:
    """Every QoS of a ``list_t`` of ``slurmdb_qos_rec_t``."""
    caches = _limit_caches(names)
    caches["qos_flags"] = _bulk.Cache(qos_flags)
    caches["preempt_modes"] = _bulk.Cache(preempt_mode)
    caches["periods"] = _bulk.Cache(_seconds)
    caches["doubles"] = _bulk.Cache(_double)
    return _flat_list(_bulk_spec.DB_QOS, _qos_assembler, xlist, caches)


# --- associations, accounts, users ---------------------------------------------------------


def _qos_names(ids: str | None, names: Names) -> tuple[str, ...]:
    """``"1,5"`` (an association's QoS ids) → their names, sorted."""
    found = []
    for item in (ids or "").split(","):
        # Plain QoS ids; raw lists may carry +/- deltas, which name the QoS all the same.
        digits = item.lstrip("+-")
        if digits.isdigit():
            found.append(names.qos_name(int(digits)) or digits)
    return tuple(sorted(found))


def _association_caches(names: Names) -> dict[str, _bulk.Cache]:
    caches = _limit_caches(names)
    caches["set_flags"] = _bulk.Cache(lambda value: value not in (0, cv.NO_VAL16))
    return caches


def associations(xlist: Any, names: Names) -> tuple[Association, ...]:
    """Every association of a ``list_t`` of ``slurmdb_assoc_rec_t`` (NULL: none)."""
    return _flat_list(
        _bulk_spec.DB_ASSOCS, _association_assembler, xlist, _association_caches(names)
    )


ADMIN_LEVELS = {
    int(lib.SLURMDB_ADMIN_NOTSET): "None",
    int(lib.SLURMDB_ADMIN_NONE): "None",
    int(lib.SLURMDB_ADMIN_OPERATOR): "Operator",
    int(lib.SLURMDB_ADMIN_SUPER_USER): "Administrator",
}


def _by_row(children: list[Any], counts: list[int]) -> _bulk.Cache:
    """The children of each parent row, as a cache by row: ``counts[row]`` of them each,
    in order. Filled up front: a miss would cost a Python call per row."""
    remaining = iter(children)
    per_row = [tuple(islice(remaining, n)) for n in counts]
    by_row = _bulk.Cache(per_row.__getitem__)
    by_row.update(enumerate(per_row))
    return by_row


def _with_associations(
    spec: ListSpec, assembler: _bulk.Assembler[Any], xlist: Any, names: Names, with_assocs: bool
) -> tuple[Any, ...]:
    """Accounts or users of a ``list_t``, with their associations when ``with_assocs``."""
    out = ffi.new("slurmlib_dbcolumns_t *")
    children = ffi.new("slurmlib_dbcolumns_t *")
    if getattr(lib, spec.function)(xlist, int(with_assocs), out, children) != 0:
        raise MemoryError(f"copying {spec.name} out of C")
    try:
        ints, strings = _columns(out, *_widths(spec))
        if not strings:
            return ()
        caches = _association_caches(names)
        assocs = _association_assembler.assemble(
            *_columns(children, *_widths(_bulk_spec.DB_ASSOCS)), caches
        )
        width = _widths(spec)[0]
        count = [*spec.ints, *spec.computed_ints].index("association_count")
        caches["associations"] = _by_row(assocs, memoryview(ints).cast("Q")[count::width].tolist())
        caches["name_lists"] = _bulk.Cache(
            lambda value: tuple(sorted(value.split(","))) if value else ()
        )
        caches["admin_levels"] = _bulk.Cache(lambda value: ADMIN_LEVELS.get(value, str(value)))
        records = assembler.assemble(ints, strings, caches)
    finally:
        lib.slurmlib_dbcolumns_free(out)
        lib.slurmlib_dbcolumns_free(children)
    return tuple(records)


def accounts(xlist: Any, names: Names, with_assocs: bool) -> tuple[Account, ...]:
    """Every account of a ``list_t`` of ``slurmdb_account_rec_t``."""
    return _with_associations(_bulk_spec.DB_ACCOUNTS, _account_assembler, xlist, names, with_assocs)


def users(xlist: Any, names: Names, with_assocs: bool) -> tuple[User, ...]:
    """Every user of a ``list_t`` of ``slurmdb_user_rec_t``."""
    return _with_associations(_bulk_spec.DB_USERS, _user_assembler, xlist, names, with_assocs)


# --- events and reservations ----------------------------------------------------------------

_EVENT_NODE = int(lib.SLURMDB_EVENT_NODE)


def event(c: Any, names: Names) -> Event:
    is_node = int(c.event_type) == _EVENT_NODE
    state = int(c.state)
    return Event(
        cluster=_text(c.cluster) or "",
        node=_text(c.node_name) or None,
        kind="node" if is_node else "cluster",
        state=_text(lib.slurm_node_state_string_compact(state)) if is_node else None,
        reason=_text(c.reason) or None,
        reason_user=cv.user_name(int(c.reason_uid)) if c.reason != ffi.NULL else None,
        start_time=cv.timestamp(int(c.period_start)),
        end_time=cv.timestamp(int(c.period_end)),
        tres=tres_dict(_text(c.tres_str), names),
    )


def reservation(c: Any, names: Names) -> DbReservation:
    return DbReservation(
        id=int(c.id),
        name=_text(c.name) or "",
        cluster=_text(c.cluster) or "",
        nodes=_text(c.nodes) or None,
        start_time=cv.timestamp(int(c.time_start)),
        end_time=cv.timestamp(int(c.time_end)),
        tres=tres_dict(_text(c.tres_str), names),
        unused_wall=timedelta(seconds=float(c.unused_wall)),
    )
