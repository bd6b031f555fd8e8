"""The settings a write takes, declared once: each keyword's C field and kind, checked and
then set on the C record.

:data:`QOS_FIELDS` are the keywords of ``add_qos`` and ``modify_qos``; :data:`ASSOC_FIELDS`
the limits of an association, taken by ``add_account``, ``add_user``, ``add_association``
and ``modify_association``. A new setting is one line here, and every write that takes it
knows it (an unknown keyword raises ``TypeError`` listing the known ones).

Every value is checked — type, range, NUL bytes, TRES and QoS names — before any record is
built, so a bad argument raises ``ValueError``/``TypeError`` naming the field and nothing
reaches slurmdbd. Unset keyword arguments (``None``) leave the field at Slurm's "not set"
value, so a modify changes only what was given. ``UNLIMITED`` removes a limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from .. import convert as cv
from ..native import lib
from . import _convert
from ._structs import Built

# How each keyword becomes a field: (C field, kind).
QOS_FIELDS: dict[str, tuple[str, str]] = {
    "description": ("description", "text"),
    "priority": ("priority", "count"),
    "flags": ("flags", "qos_flags"),
    "preempt": ("preempt_list", "qos_names"),
    "preempt_mode": ("preempt_mode", "preempt_mode"),
    "preempt_exempt_time": ("preempt_exempt_time", "seconds"),
    "grace_time": ("grace_time", "seconds"),
    "usage_factor": ("usage_factor", "float"),
    "usage_threshold": ("usage_thres", "float"),
    "grp_jobs": ("grp_jobs", "count"),
    "grp_submit_jobs": ("grp_submit_jobs", "count"),
    "grp_tres": ("grp_tres", "tres"),
    "grp_tres_mins": ("grp_tres_mins", "tres"),
    "grp_tres_run_mins": ("grp_tres_run_mins", "tres"),
    "grp_wall": ("grp_wall", "minutes"),
    "max_jobs_per_user": ("max_jobs_pu", "count"),
    "max_submit_jobs_per_user": ("max_submit_jobs_pu", "count"),
    "max_jobs_per_account": ("max_jobs_pa", "count"),
    "max_submit_jobs_per_account": ("max_submit_jobs_pa", "count"),
    "max_tres_per_job": ("max_tres_pj", "tres"),
    "max_tres_per_node": ("max_tres_pn", "tres"),
    "max_tres_per_user": ("max_tres_pu", "tres"),
    "max_tres_per_account": ("max_tres_pa", "tres"),
    "max_tres_mins_per_job": ("max_tres_mins_pj", "tres"),
    "max_wall_per_job": ("max_wall_pj", "minutes"),
    "min_tres_per_job": ("min_tres_pj", "tres"),
}

ASSOC_FIELDS: dict[str, tuple[str, str]] = {
    "shares": ("shares_raw", "shares"),
    "priority": ("priority", "count"),
    "qos": ("qos_list", "qos_names"),
    "default_qos": ("def_qos_id", "qos_id"),
    "grp_jobs": ("grp_jobs", "count"),
    "grp_jobs_accrue": ("grp_jobs_accrue", "count"),
    "grp_submit_jobs": ("grp_submit_jobs", "count"),
    "grp_tres": ("grp_tres", "tres"),
    "grp_tres_mins": ("grp_tres_mins", "tres"),
    "grp_tres_run_mins": ("grp_tres_run_mins", "tres"),
    "grp_wall": ("grp_wall", "minutes"),
    "max_jobs": ("max_jobs", "count"),
    "max_jobs_accrue": ("max_jobs_accrue", "count"),
    "max_submit_jobs": ("max_submit_jobs", "count"),
    "max_tres_per_job": ("max_tres_pj", "tres"),
    "max_tres_per_node": ("max_tres_pn", "tres"),
    "max_tres_mins_per_job": ("max_tres_mins_pj", "tres"),
    "max_tres_run_mins": ("max_tres_run_mins", "tres"),
    "max_wall_per_job": ("max_wall_pj", "minutes"),
}

_UINT32_MAX = 0xFFFFFFFF - 2  # NO_VAL and INFINITE sit above
_QOS_FLAG_REMOVE = int(lib.QOS_FLAG_REMOVE)
_QOS_FLAG_BASE = int(lib.QOS_FLAG_BASE)


def check_text(field: str, value: object) -> str:
    """A string Slurm can take: ``ValueError``/``TypeError`` naming the field otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, not {type(value).__name__}: {value!r}")
    if "\0" in value:
        raise ValueError(f"{field} must not contain NUL bytes: {value!r}")
    if not value:
        raise ValueError(f"{field} must not be empty")
    return value


def check_names(field: str, values: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    names = tuple(check_text(field, v) for v in values)
    if not names:
        raise ValueError(f"{field}: name at least one")
    return names


def _count(field: str, value: object) -> int:
    if isinstance(value, cv.Unlimited):
        return int(lib.INFINITE)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{field} must be an int or UNLIMITED, not {value!r}")
    if not 0 <= value <= _UINT32_MAX:
        raise ValueError(f"{field} must be between 0 and {_UINT32_MAX}, not {value}")
    return value


def _duration(field: str, value: object, unit: int) -> int:
    if isinstance(value, cv.Unlimited):
        return int(lib.INFINITE)
    if not isinstance(value, timedelta):
        raise TypeError(f"{field} must be a timedelta or UNLIMITED, not {value!r}")
    if value < timedelta(0):
        raise ValueError(f"{field} must not be negative: {value}")
    return _count(field, int(value.total_seconds()) // unit)


def _float(field: str, value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{field} must be a number, not {value!r}")
    if value < 0 or value != value:
        raise ValueError(f"{field} must not be negative: {value}")
    return float(value)


class Plan:
    """The checked values of one write, ready to be set on a C record."""

    def __init__(self) -> None:
        self.steps: list[Callable[[Built], None]] = []

    def apply(self, record: Built) -> None:
        for step in self.steps:
            step(record)


def plan(
    fields: Mapping[str, tuple[str, str]],
    values: Mapping[str, Any],
    names: _convert.Names,
    what: str,
) -> Plan:
    """Check ``values`` (keyword arguments) against ``fields``; raise before any C call."""
    tres_ids = {name: tres_id for tres_id, name in names.tres.items()}
    qos_ids = {name: qos_id for qos_id, name in names.qos.items()}
    result = Plan()
    for key, value in values.items():
        if value is None:
            continue
        if key not in fields:
            raise TypeError(f"{what}: unknown setting {key!r} (known: {', '.join(sorted(fields))})")
        c_field, kind = fields[key]
        result.steps.append(_setter(key, c_field, kind, value, tres_ids, qos_ids))
    return result


def _setter(
    key: str,
    c_field: str,
    kind: str,
    value: Any,
    tres_ids: dict[str, int],
    qos_ids: dict[str, int],
) -> Callable[[Built], None]:
    if kind == "text":
        text = value if value == "" else check_text(key, value)
        if "\0" in text:
            raise ValueError(f"{key} must not contain NUL bytes: {value!r}")
        return lambda r: r.text(c_field, text)
    if kind == "count":
        number = _count(key, value)
        return lambda r: setattr(r.ptr, c_field, number)
    if kind == "minutes":
        minutes = _duration(key, value, 60)
        return lambda r: setattr(r.ptr, c_field, minutes)
    if kind == "seconds":
        seconds = _duration(key, value, 1)
        return lambda r: setattr(r.ptr, c_field, seconds)
    if kind == "float":
        number_f = _float(key, value)
        return lambda r: setattr(r.ptr, c_field, number_f)
    if kind == "shares":
        shares = int(lib.SLURMDB_FS_USE_PARENT) if value == "parent" else _count(key, value)
        return lambda r: setattr(r.ptr, c_field, shares)
    if kind == "tres":
        tres_text = _tres_string(key, value, tres_ids)
        return lambda r: r.text(c_field, tres_text)
    if kind == "qos_names":
        ids = [str(_qos_id(key, name, qos_ids)) for name in _names(key, value)]
        # An empty list is how Slurm is told "none": one empty string.
        return lambda r: r.strings(c_field, ids or [""])
    if kind == "qos_id":
        qos_id = _qos_id(key, value, qos_ids)
        return lambda r: setattr(r.ptr, c_field, qos_id)
    if kind == "qos_flags":
        bits = 0
        for flag in _names(key, value):
            if flag not in _convert.QOS_FLAGS:
                known = ", ".join(sorted(_convert.QOS_FLAGS))
                raise ValueError(f"{key}: unknown QoS flag {flag!r} (known: {known})")
            bits |= _convert.QOS_FLAGS[flag]
        flags = bits or (_QOS_FLAG_REMOVE | _QOS_FLAG_BASE)
        return lambda r: setattr(r.ptr, c_field, flags)
    if kind == "preempt_mode":
        mode = _preempt_mode(key, value)
        return lambda r: setattr(r.ptr, c_field, mode)
    raise AssertionError(kind)


def _names(key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise TypeError(f"{key} must be a list of names, not {value!r}")
    return tuple(check_text(key, v) for v in value)


def _qos_id(key: str, name: object, qos_ids: dict[str, int]) -> int:
    text = check_text(key, name)
    if text not in qos_ids:
        raise ValueError(f"{key}: no QoS named {text!r} (known: {', '.join(sorted(qos_ids))})")
    return qos_ids[text]


def _tres_string(key: str, value: object, tres_ids: dict[str, int]) -> str:
    if not isinstance(value, Mapping):
        raise TypeError(f"{key} must be a dict of TRES name to amount, not {value!r}")
    items = []
    for name, amount in value.items():
        if not isinstance(name, str) or name not in tres_ids:
            raise ValueError(f"{key}: unknown TRES {name!r} (known: {', '.join(sorted(tres_ids))})")
        if isinstance(amount, cv.Unlimited):
            # INFINITE64 removes one TRES limit (22.05 also read "-1" so; 26.05 only this).
            items.append(f"{tres_ids[name]}={int(lib.INFINITE64)}")
            continue
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise TypeError(f"{key}[{name}] must be an int or UNLIMITED, not {amount!r}")
        if amount < 0:
            raise ValueError(f"{key}[{name}] must not be negative: {amount}")
        items.append(f"{tres_ids[name]}={amount}")
    if not items:
        raise ValueError(f"{key}: give at least one TRES (UNLIMITED removes a limit)")
    return ",".join(items)


def _preempt_mode(key: str, value: object) -> int:
    text = check_text(key, value).upper()
    if text == "CLUSTER":
        return 0
    if text == "OFF" and "PREEMPT_MODE_COND_OFF" in dir(lib):
        return int(lib.PREEMPT_MODE_COND_OFF)
    bits = 0
    for part in text.split(","):
        if part not in _convert.PREEMPT_MODES:
            raise ValueError(
                f"{key}: unknown preempt mode {part!r} "
                f"(known: CLUSTER, OFF, {', '.join(_convert.PREEMPT_MODES)})"
            )
        bits |= _convert.PREEMPT_MODES[part]
    return bits
