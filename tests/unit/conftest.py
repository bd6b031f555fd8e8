"""Unit tests: pure logic, with nothing but Python and pytest.

No libslurm, no root, no cluster and no compiled module: what these tests import is the
pure layer (records, states, the pure conversions, GRES parsing, validators, the CLI's
arguments, formatting and arithmetic) and the generator (``slurmlib._build``) on small
fixture headers. This conftest imports nothing of slurmlib.

``scripts/unit-tests`` (``make unit``) runs them in a venv without cffi, on a copy of
``src/`` without any compiled module, and sets ``SLURMLIB_UNIT_PURE``: then the import of
the bindings, the record assembler or the native layer is refused outright, so that a unit
test (or a pure module) that reaches for them fails with the name of what it reached for.
Without it (``.venv/bin/pytest tests/unit``) the same tests run beside the built modules.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType

NOT_IN_UNIT_TESTS = ("slurmlib._slurm", "slurmlib._assemble", "slurmlib.native", "cffi")
"""What the pure layer must never need: the compiled modules, and the layer that loads them."""


class RefuseCompiled(importlib.abc.MetaPathFinder):
    """An import hook that refuses :data:`NOT_IN_UNIT_TESTS`, naming the module."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in NOT_IN_UNIT_TESTS:
            raise ModuleNotFoundError(
                f"{fullname} was imported by a unit test: the pure layer must not need it",
                name=fullname,
            )
        return None


NEEDS_THE_BINDINGS: list[str] = []
"""Modules here that still import the native layer: left out of the run without the
bindings, run beside them (``.venv/bin/pytest``, ``scripts/run-tests``). Each belongs in
``tests/`` or must stop needing the bindings; this list only shrinks (it is empty)."""

if os.environ.get("SLURMLIB_UNIT_PURE"):
    sys.meta_path.insert(0, RefuseCompiled())
    collect_ignore = list(NEEDS_THE_BINDINGS)


def pytest_report_header() -> list[str]:
    if not os.environ.get("SLURMLIB_UNIT_PURE"):
        return []
    return [
        "unit tests without the compiled module; left to the run beside it: "
        + ", ".join(NEEDS_THE_BINDINGS)
    ]
