"""Every enum of slurmlib prints as its name: ``str()``, ``format()`` and f-strings."""

from __future__ import annotations

import enum
import importlib
import pkgutil

import pytest

import slurmlib
from slurmlib.states import JobState, NodeState


def _enums() -> list[type[enum.Enum]]:
    found: dict[str, type[enum.Enum]] = {}
    for module in pkgutil.walk_packages(slurmlib.__path__, "slurmlib."):
        if "._build" in module.name or module.name.endswith(".__main__"):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__module__.startswith("slurmlib.")
                and len(value)
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[k] for k in sorted(found)]


ENUMS = _enums()


def test_the_package_has_the_enums_this_test_is_about() -> None:
    assert NodeState in ENUMS and JobState in ENUMS


@pytest.mark.parametrize("kind", ENUMS, ids=lambda k: k.__qualname__)
def test_every_member_prints_as_its_name(kind: type[enum.Enum]) -> None:
    for member in kind:
        assert str(member) == member.name
        assert format(member) == member.name
        assert f"{member}" == member.name
        assert f"[{member:>12}]" == f"[{member.name:>12}]"


def test_numeric_format_specs_still_give_the_number() -> None:
    assert f"{NodeState.DOWN:d}" == str(int(NodeState.DOWN))
    assert f"{JobState.RUNNING:02x}" == format(int(JobState.RUNNING), "02x")


def test_a_node_state_is_its_name_in_text() -> None:
    assert str(NodeState.DOWN) == "DOWN"
    assert f"node is {NodeState.IDLE}" == "node is IDLE"
