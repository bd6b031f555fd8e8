"""The docs hook that shows the docstrings' Sphinx roles as code (docs/hooks/sphinx_roles.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

HOOK = Path(__file__).resolve().parents[2] / "docs" / "hooks" / "sphinx_roles.py"


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sphinx_roles", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("rendered", "shown"),
    [
        (":class:<code>Cluster</code>", "<code>Cluster</code>"),
        ("see :meth:<code>Cluster.jobs</code>.", "see <code>Cluster.jobs</code>."),
        (":class:<code>~slurmlib.errors.Unsupported</code>", "<code>Unsupported</code>"),
        (":data:<code>~slurmlib.convert.UNLIMITED</code>", "<code>UNLIMITED</code>"),
        (":func:<code>!init</code>", "<code>init</code>"),
        (":py:attr:<code>Node.flags</code>", "<code>Node.flags</code>"),
        (
            "(:mod:<code>slurmlib.records</code>, :exc:<code>KeyError</code>)",
            "(<code>slurmlib.records</code>, <code>KeyError</code>)",
        ),
    ],
)
def test_a_role_before_its_code_is_dropped_as_sphinx_shows_it(
    hook: ModuleType, rendered: str, shown: str
) -> None:
    assert hook.on_page_content(f"<p>{rendered}</p>") == f"<p>{shown}</p>"


@pytest.mark.parametrize(
    "untouched",
    [
        # In a code block the backticks stay: no <code> follows the role.
        "<pre><code>:class:`Cluster`</code></pre>",
        # Not a role: a word before it, an unknown role, no code after it.
        "<p>a:class:<code>X</code></p>",
        "<p>:ref:<code>install</code></p>",
        "<p>time: 10:class: <code>X</code></p>",
    ],
)
def test_what_is_not_a_rendered_role_is_left_alone(hook: ModuleType, untouched: str) -> None:
    assert hook.on_page_content(untouched) == untouched
