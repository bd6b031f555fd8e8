"""A real Prometheus scraping the exporter on the seeded cluster: its rules load, every
recording rule and every dashboard panel returns data, and a live scrape is lint clean.

Prometheus listens on a free loopback port with its storage in a temporary directory,
scrapes every second, and is always stopped at the end.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .contrib import (
    DASHBOARDS,
    RULES,
    dashboard,
    metric_names,
    panel_queries,
    promtool,
    rule_expressions,
    substitute,
)
from .scrape import Exporter, running_exporter

pytestmark = pytest.mark.cluster

CLUSTER = "slurmlib"  # ClusterName of the project's cluster
READY_TIMEOUT = 60.0
DATA_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Prometheus:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def get(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}{path}?{query}", timeout=30) as response:
            body = json.loads(response.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[Any]:
        result: list[Any] = self.get("/api/v1/query", query=expr)["result"]
        return result


@pytest.fixture(scope="module")
def exporter(slurm_conf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exporter]:
    log = tmp_path_factory.mktemp("exporter") / "exporter.log"
    argv = ("--interval", "500ms", "--limits-interval", "500ms", "--finished-lag", "2s")
    with running_exporter(log, *argv, "--finished-since", "2000-01-01T00:00:00+00:00") as running:
        running.wait_for(lambda s: s.value("slurm_up") == 1, "slurm_up 1")
        yield running


@pytest.fixture(scope="module")
def prometheus(
    exporter: Exporter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Prometheus]:
    directory = tmp_path_factory.mktemp("prometheus")
    target = urllib.parse.urlsplit(exporter.url).netloc
    config = directory / "prometheus.yml"
    config.write_text(
        json.dumps(  # JSON is YAML: no YAML library needed to write it
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(path) for path in RULES],
                "scrape_configs": [
                    {"job_name": "slurm", "honor_labels": True,
                     "static_configs": [{"targets": [target]}]}
                ],
            }
        )
    )  # fmt: skip
    port = free_port()
    log = directory / "prometheus.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Prometheus(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"{server.url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except urllib.error.HTTPError as not_ready:
                # 503 while it loads its rules and storage (newer Prometheus takes long
                # enough to be asked): the error holds the open response, closed here.
                not_ready.close()
            except OSError:
                pass
            assert time.monotonic() < deadline, f"prometheus not ready:\n{log.read_text()}"
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_data(prometheus: Prometheus, queries: dict[str, str]) -> dict[str, list[Any]]:
    """Each query's result once it has one; those still empty after DATA_TIMEOUT: []."""
    results: dict[str, list[Any]] = {}
    deadline = time.monotonic() + DATA_TIMEOUT
    while True:
        for name, expr in queries.items():
            if not results.get(name):
                results[name] = prometheus.query(expr)
        if all(results.values()) or time.monotonic() > deadline:
            return results
        time.sleep(1)


def test_a_live_scrape_passes_promtool_check_metrics(exporter: Exporter) -> None:
    text = exporter.fresh().text
    done = subprocess.run(
        [promtool(), "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip(), (
        done.stdout + done.stderr
    )


def test_rules_and_dashboards_read_only_metrics_the_exporter_serves(exporter: Exporter) -> None:
    served = {
        sample.name for family in exporter.fresh().families.values() for sample in family.samples
    }
    used = {name for _, _, expr in rule_expressions() for name in metric_names(expr)}
    for path in DASHBOARDS:
        used |= {name for _, expr in panel_queries(dashboard(path)) for name in metric_names(expr)}
    assert used, "no metric names found in the rules and dashboards"
    assert used - served == set()


def test_every_rule_loads_and_is_healthy(prometheus: Prometheus) -> None:
    deadline = time.monotonic() + DATA_TIMEOUT
    while True:
        groups = prometheus.get("/api/v1/rules")["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        if rules and all(rule.get("lastEvaluation", "").startswith("20") for rule in rules):
            break
        assert time.monotonic() < deadline, "rules never evaluated"
        time.sleep(1)
    names = {rule["name"] for rule in rules}
    assert names == {name for _, name, _ in rule_expressions()}
    for rule in rules:
        assert rule["health"] == "ok", rule


def test_every_recording_rule_returns_data(prometheus: Prometheus) -> None:
    records = {name: name for kind, name, _ in rule_expressions() if kind == "record"}
    results = wait_for_data(prometheus, records)
    assert [name for name, result in results.items() if not result] == []


def test_the_cluster_variable_finds_the_cluster(prometheus: Prometheus) -> None:
    wait_for_data(prometheus, {"up": "slurm_up"})
    values = prometheus.get("/api/v1/label/cluster/values", **{"match[]": "slurm_up"})
    assert values == [CLUSTER]
    partitions = prometheus.get(
        "/api/v1/label/partition/values",
        **{"match[]": f'slurm_partition_up{{cluster="{CLUSTER}"}}'},
    )
    assert {"debug", "gpu"} <= set(partitions)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_dashboard_panel_returns_data(prometheus: Prometheus, path: Path) -> None:
    queries = {
        f"{title}: {expr}": substitute(expr, CLUSTER)
        for title, expr in panel_queries(dashboard(path))
    }
    results = wait_for_data(prometheus, queries)
    assert [name for name, result in results.items() if not result] == []
