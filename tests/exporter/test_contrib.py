"""contrib/'s rules and dashboards parse, and every alert fires and stays quiet where it should
(promtool's rule unit tests on synthetic series). No cluster needed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .contrib import (
    CONTRIB,
    DASHBOARDS,
    PROMTOOL_TESTS,
    RULES,
    dashboard,
    panel_queries,
    promtool,
    rule_expressions,
)


def run_promtool(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *argv], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_there_are_alerting_and_recording_rules_and_six_dashboards() -> None:
    assert {p.name for p in RULES} == {"slurm-alerts.rules.yml", "slurm-recording.rules.yml"}
    assert len(DASHBOARDS) == 6


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_every_rules_file_passes_promtool_check_rules(path: Path) -> None:
    done = run_promtool("check", "rules", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", PROMTOOL_TESTS, ids=lambda p: p.name)
def test_rule_unit_tests_pass(path: Path) -> None:
    done = run_promtool("test", "rules", path.name, cwd=path.parent)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_is_made_to_fire_by_a_unit_test() -> None:
    alerts = {name for kind, name, _ in rule_expressions() if kind == "alert"}
    assert len(alerts) >= 13
    text = (PROMTOOL_TESTS[0].parent / "alerts.test.yml").read_text()
    # An alertname entry followed by an exp_alerts list that is not empty.
    fired = set(re.findall(r"- alertname: (\S+)\n\s+eval_time: \S+\n\s+exp_alerts:\n", text))
    assert alerts == fired


def test_the_scrape_config_example_passes_promtool_check_config(tmp_path: Path) -> None:
    text = (CONTRIB / "prometheus" / "scrape-config.example.yml").read_text()
    local = text.replace("/etc/prometheus/rules/", f"{CONTRIB / 'prometheus'}/")
    config = tmp_path / "prometheus.yml"
    config.write_text(local)
    done = run_promtool("check", "config", str(config))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboards_parse_and_filter_on_the_cluster_variable(path: Path) -> None:
    board = dashboard(path)
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["cluster"]["query"]["query"] == "label_values(slurm_up, cluster)"
    # "All" must also match series without a cluster label (--no-cluster-label).
    assert variables["cluster"]["allValue"] == ".*"
    queries = panel_queries(board)
    assert queries, "a dashboard without queries"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for title, expr in queries:
        assert 'cluster=~"$cluster"' in expr, title
        for name in ("partition", "account"):
            if f"${name}" in expr:
                assert name in variables, (title, name)
