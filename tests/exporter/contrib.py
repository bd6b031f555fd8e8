"""The deployable monitoring files of contrib/: where they are, and the queries they hold."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"
RULES = sorted((CONTRIB / "prometheus").glob("*.rules.yml"))
DASHBOARDS = sorted((CONTRIB / "grafana").glob("*.json"))
PROMTOOL_TESTS = sorted((Path(__file__).parent / "promtool").glob("*.test.yml"))

#: What the dashboards' variables and Grafana's own macros stand for when a test runs them.
SUBSTITUTIONS = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "5m",
    "$partition": ".*",
    "$account": ".*",
}


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: `scripts/cluster install` installs Debian's prometheus")
    return path


def dashboard(path: Path) -> dict[str, Any]:
    board: dict[str, Any] = json.loads(path.read_text())
    return board


def panel_queries(board: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expression) of every query of every panel, rows' panels included."""
    queries = []
    panels = list(board["panels"])
    while panels:
        panel = panels.pop(0)
        panels += panel.get("panels", [])
        for target in panel.get("targets", []):
            queries.append((panel["title"], target["expr"]))
    return queries


def substitute(expr: str, cluster: str) -> str:
    for name, value in SUBSTITUTIONS.items():
        expr = expr.replace(name, value)
    return expr.replace("$cluster", re.escape(cluster))


def rule_expressions() -> list[tuple[str, str, str]]:
    """(kind, name, expression) of every rule, read from the files as text: promtool, not
    this function, says whether they are valid."""
    rules = []
    for path in RULES:
        text = path.read_text()
        for match in re.finditer(
            r"- (record|alert): (\S+)\n\s+expr: (>\n(?:\s{10,}.*\n)+|.*\n)", text
        ):
            expr = match[3]
            if expr.startswith(">"):
                expr = " ".join(line.strip() for line in expr.splitlines()[1:])
            rules.append((match[1], match[2], expr.strip()))
    return rules


def metric_names(expr: str) -> set[str]:
    """The exporter's metric names an expression reads (``slurm_...``, not recorded ones)."""
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    return set(re.findall(r"(?<![:\w])slurm_[a-z0-9_]+", without_strings))
