"""The public surface is exactly what is meant: each public module's ``__all__`` is sorted,
every name in it resolves, and every type that a public method takes or returns — and every
type a record holds — can be named from a public module."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from typing import Any

import pytest

import slurmlib
import slurmlib.capacity
import slurmlib.db
import slurmlib.errors
import slurmlib.records
from slurmlib.cluster import Cluster
from slurmlib.db.database import Database

PUBLIC_MODULES = (slurmlib, slurmlib.capacity, slurmlib.db, slurmlib.errors, slurmlib.records)

SURFACE = {
    "slurmlib": [
        "UNLIMITED", "AssocLimits", "Cluster", "ClusterController", "Config", "ControllerPing",
        "FrozenMap", "Job", "JobRef", "JobSpec", "JobState", "JobStep", "License", "Limits",
        "Node", "NodeState", "Partition", "QosLimits", "QosUserUsage", "QueuePosition",
        "Reservation", "RpcStat", "Share", "SlurmError", "Snapshot", "Stats", "SubmitResult",
        "Switch", "Unlimited", "WillRun", "__version__",
    ],
    "slurmlib.capacity": ["STATE_WORDS", "Totals", "is_gpu", "is_unavailable", "state_word"],
    "slurmlib.db": [
        "Account", "Association", "Cluster", "ClusterUsage", "Database", "DbJob",
        "DbReservation", "DbStep", "Event", "QoS", "Tres", "Usage", "User", "connect",
    ],
}  # fmt: skip


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_and_every_name_resolves(module: types.ModuleType) -> None:
    names = list(module.__all__)
    # Sorted as ruff's RUF022 sorts: SCREAMING_CASE first, then the rest.
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(module, name) is not None, f"{module.__name__}.{name}"


@pytest.mark.parametrize("name", sorted(SURFACE))
def test_the_surface_is_pinned(name: str) -> None:
    module = {m.__name__: m for m in PUBLIC_MODULES}[name]
    assert list(module.__all__) == SURFACE[name]


def test_every_record_class_is_public_from_the_top_level() -> None:
    missing = sorted(set(slurmlib.records.__all__) - set(slurmlib.__all__))
    assert missing == []


def _public_objects() -> dict[int, str]:
    found = {}
    for module in PUBLIC_MODULES:
        for name in module.__all__:
            found[id(getattr(module, name))] = f"{module.__name__}.{name}"
    return found


def _classes_in(hint: Any, into: set[type]) -> None:
    if isinstance(hint, type) and not typing.get_args(hint):
        into.add(hint)
    origin = typing.get_origin(hint)
    if isinstance(origin, type) and origin.__module__.startswith("slurmlib"):
        into.add(origin)
    for argument in typing.get_args(hint):
        _classes_in(argument, into)


def _hints(function: Any) -> dict[str, Any]:
    # Names imported only for the type checker are found among the public ones.
    namespace = {name: getattr(slurmlib, name) for name in slurmlib.__all__}
    namespace |= {
        name: getattr(slurmlib.db, name) for name in slurmlib.db.__all__ if name != "Cluster"
    }
    return typing.get_type_hints(function, localns=namespace)


def _signature_classes() -> dict[str, set[type]]:
    used: dict[str, set[type]] = {}
    for owner in (Cluster, Database):
        for name, function in inspect.getmembers(owner, inspect.isfunction):
            if name.startswith("_"):
                continue
            classes: set[type] = set()
            for hint in _hints(function).values():
                _classes_in(hint, classes)
            used[f"{owner.__name__}.{name}"] = classes
    # The records themselves, field by field, through every record a record holds.
    todo = [getattr(m, n) for m in PUBLIC_MODULES for n in m.__all__]
    seen: set[type] = set()
    while todo:
        cls = todo.pop()
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)) or cls in seen:
            continue
        seen.add(cls)
        classes = set()
        for hint in _hints(cls).values():
            _classes_in(hint, classes)
        used[f"{cls.__module__}.{cls.__name__}"] = classes
        todo.extend(classes)
    return used


def test_every_type_of_a_public_signature_or_record_is_public() -> None:
    public = _public_objects()
    private = {
        f"{where} uses {cls.__module__}.{cls.__qualname__}"
        for where, classes in _signature_classes().items()
        for cls in classes
        if cls.__module__.startswith("slurmlib") and id(cls) not in public
    }
    assert sorted(private) == []
