"""The served page is what prometheus_client would write for the same families, in every
format a client can ask for, gzipped or not, for one cluster and for two merged."""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from slurmlib import Cluster
from slurmlib.exporter import ExporterRegistry, Poller, registry_for, serve
from slurmlib.exporter.exposition import fmt_for
from slurmlib.exporter.poller import Built, Source

ACCEPTS = [
    None,  # curl, a browser: text 0.0.4
    "text/plain;version=0.0.4",
    "application/openmetrics-text;version=1.0.0",
    "text/plain;version=1.0.0;escaping=underscores",
    # What Prometheus 2.x sends, and Prometheus 3.x.
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
    "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;"
    "escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
]


class _At:
    """The Slurm collector's families at one instant: what the page must render."""

    def __init__(self, registry: ExporterRegistry, now: float) -> None:
        self.families = list(registry.slurm.collect(now))

    def collect(self) -> list[Any]:
        return self.families


def _without_process(page: bytes) -> list[bytes]:
    """The page's lines but the process collector's (their values change between calls)."""
    kept = []
    for line in page.splitlines():
        bare = line.removeprefix(b"# HELP ").removeprefix(b"# TYPE ")
        if not bare.startswith(b"process_"):
            kept.append(line)
    return kept


@pytest.fixture(scope="module")
def clusters(slurm_conf: Path) -> tuple[str, str]:
    seed = json.loads((slurm_conf.parent.parent / "seed.json").read_text())
    return seed["cluster"], seed["other"]["cluster"]


@pytest.fixture(scope="module")
def one(slurm_conf: Path) -> ExporterRegistry:
    poller = Poller(Cluster(), 15)
    assert poller.poll().up
    return registry_for(poller)


@pytest.fixture(scope="module")
def two(clusters: tuple[str, str]) -> ExporterRegistry:
    pollers = [Poller(Cluster(cluster=n), 15, cluster_label=True, name=n) for n in clusters]
    for poller in pollers:
        assert poller.poll().up
    return registry_for(*pollers)


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("which", ["one", "two"])
def test_the_page_is_what_the_encoder_writes_for_the_same_families(
    which: str, accept: str | None, request: pytest.FixtureRequest
) -> None:
    registry: ExporterRegistry = request.getfixturevalue(which)
    fmt = fmt_for(accept)
    now = time.time()
    expected = fmt.encode(_At(registry, now))
    # Twice: the first scrape in a format renders the poll's families, the second reuses them.
    for _ in range(2):
        page = registry.page(fmt, False, now)
        assert _without_process(page) == expected.splitlines()
        assert any(line.startswith(b"process_cpu_seconds_total") for line in page.splitlines())
    if fmt.eof:
        assert page.endswith(fmt.eof) and page.count(fmt.eof) == 1
    if which == "two":
        # Merged: each name once, the samples of both clusters under it.
        families = {f.name: f for f in text_string_to_metric_families(page.decode())}
        labels = {s.labels.get("cluster") for s in families["slurm_nodes"].samples}
        assert labels == set(request.getfixturevalue("clusters"))


@pytest.mark.parametrize("accept", [None, ACCEPTS[2]])
@pytest.mark.parametrize("which", ["one", "two"])
def test_the_gzipped_page_is_the_page(
    which: str, accept: str | None, request: pytest.FixtureRequest
) -> None:
    registry: ExporterRegistry = request.getfixturevalue(which)
    fmt = fmt_for(accept)
    now = time.time()
    for _ in range(2):  # compressed on the first scrape, cached for the second
        zipped = registry.page(fmt, True, now)
        assert _without_process(gzip.decompress(zipped)) == _without_process(
            registry.page(fmt, False, now)
        )


def _get(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:  # closed: Python 3.13 warns of an error response left open
            return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def url(one: ExporterRegistry) -> Iterator[str]:
    server = serve(one, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_serves_each_format_and_gzip_as_asked(url: str) -> None:
    status, headers, body = _get(f"{url}/metrics")
    assert status == 200 and "Content-Encoding" not in headers
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert b"\nslurm_up 1.0\n" in body
    status, headers, body = _get(f"{url}/metrics", Accept=ACCEPTS[4], **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"].startswith("application/openmetrics-text")
    text = gzip.decompress(body).decode()
    assert text.endswith("# EOF\n") and "\nslurm_up 1.0\n" in text


def test_http_answers_what_prometheus_client_answers_beside_the_metrics(url: str) -> None:
    assert _get(f"{url}/favicon.ico")[::2] == (200, b"")
    status, headers, _ = _get(f"{url}/metrics", method="OPTIONS")
    assert (status, headers["Allow"]) == (200, "OPTIONS,GET")
    status, headers, body = _get(f"{url}/metrics", method="POST")
    assert (status, headers["Allow"]) == (405, "OPTIONS,GET")
    assert body.startswith(b"# HTTP 405")
    # name[] selects series, as prometheus_client's own server does.
    status, _, body = _get(f"{url}/metrics?name[]=slurm_up&name[]=slurm_controller_up")
    names = {f.name for f in text_string_to_metric_families(body.decode())}
    assert (status, names) == (200, {"slurm_up", "slurm_controller_up"})


def test_a_poll_renders_what_it_built_in_the_formats_scrapes_asked_for() -> None:
    # A source whose every load is new data: each poll builds its families again.
    def build(data: object) -> Built:
        family = GaugeMetricFamily("demo_value", "A value.", labels=["id"])
        family.add_metric([str(id(data))], 1.0)
        return Built((family,))

    source = Source("demo", lambda cluster: (object(),), build)
    poller = Poller(Cluster(), 15, sources=(source,))
    registry = registry_for(poller)
    poller.poll()
    fmt = fmt_for(ACCEPTS[2])
    assert fmt.content_type not in poller.state.sources["demo"].built.rendered
    registry.page(fmt, True, time.time())
    poller.poll()
    built = poller.state.sources["demo"].built
    assert fmt.content_type in built.rendered
    assert fmt_for(None).content_type not in built.rendered
