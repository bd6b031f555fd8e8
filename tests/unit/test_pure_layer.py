"""The pure layer imports without the compiled module, and its records behave without it."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import slurmlib
from slurmlib._frozen import FrozenMap
from slurmlib.records import QosUserUsage

from .conftest import NOT_IN_UNIT_TESTS

PURE_MODULES = (
    "slurmlib",
    "slurmlib._build.c_names",
    "slurmlib._constants",
    "slurmlib._frozen",
    "slurmlib._gres",
    "slurmlib._validate",
    "slurmlib.cli.arguments",
    "slurmlib.cli.efficiency",
    "slurmlib.cli.limit_reasons",
    "slurmlib.cli.limits",
    "slurmlib.cli.output",
    "slurmlib.cli.words",
    "slurmlib.convert",
    "slurmlib.errors",
    "slurmlib.jobspec",
    "slurmlib.records",
    "slurmlib.states",
)


def test_the_pure_modules_import_with_the_compiled_ones_refused() -> None:
    # In a fresh interpreter whatever this session has loaded already: an import hook
    # refuses the bindings, the assembler, the native layer and cffi.
    code = textwrap.dedent(
        f"""
        import importlib, sys
        from tests.unit.conftest import RefuseCompiled
        sys.meta_path.insert(0, RefuseCompiled())
        for name in {PURE_MODULES!r}:
            importlib.import_module(name)
        from slurmlib.records import Job, Node
        from slurmlib import JobState, NodeState, UNLIMITED, FrozenMap
        loaded = sorted(set({NOT_IN_UNIT_TESTS!r}) & set(sys.modules))
        print(loaded)
        """
    )
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environ,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_flag_table_is_the_one_thing_of_states_that_asks_for_the_bindings() -> None:
    code = textwrap.dedent(
        """
        import sys
        from tests.unit.conftest import RefuseCompiled
        sys.meta_path.insert(0, RefuseCompiled())
        from slurmlib import states
        states.NODE_FLAGS
        """
    )
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environ,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "slurmlib.native was imported by a unit test" in done.stderr


def test_a_record_is_frozen_pickles_and_gives_json_ready_data() -> None:
    usage = QosUserUsage(
        user_id=1001, user_name="carol", jobs=1, submit_jobs=2, tres=FrozenMap({"cpu": 2})
    )
    assert usage.to_dict() == {
        "user_id": 1001,
        "user_name": "carol",
        "jobs": 1,
        "submit_jobs": 2,
        "tres": {"cpu": 2},
    }
    assert pickle.loads(pickle.dumps(usage)) == usage
    assert hash(usage) == hash(dataclasses.replace(usage))
    with pytest.raises(dataclasses.FrozenInstanceError):
        usage.jobs = 3  # type: ignore[misc]


def test_a_frozen_map_equals_a_dict_and_cannot_change() -> None:
    tres = FrozenMap({"cpu": 4, "mem": 8192})
    assert tres == {"mem": 8192, "cpu": 4}
    assert hash(tres) == hash(FrozenMap({"mem": 8192, "cpu": 4}))
    assert tres | {"node": 1} == {"cpu": 4, "mem": 8192, "node": 1}
    assert isinstance(tres | {"node": 1}, FrozenMap)
    with pytest.raises(TypeError):
        tres["cpu"] = 8  # type: ignore[index]
    assert slurmlib.FrozenMap is FrozenMap
