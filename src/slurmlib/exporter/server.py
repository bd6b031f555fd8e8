"""Serving the poller's state over HTTP, in Prometheus' text format.

The collector reads the poller's last published state and never calls into Slurm: a
scrape costs the rendering of families that are already built, plus a few families that
depend on the clock (the data's age, the pending jobs' ages). With one poller per cluster,
a scrape serves them all: the families of the same name are merged into one, since the
text format allows each name once.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import CollectorRegistry

from .metrics import with_labels
from .poller import Poller, PollState

__all__ = ["SlurmCollector", "exporter_metrics", "registry_for", "serve"]


class SlurmCollector:
    """A prometheus_client collector serving the cached state of one :class:`Poller`, or
    of several (one per cluster, each labelling its series with its cluster)."""

    def __init__(self, poller: Poller, *others: Poller) -> None:
        self.poller = poller
        self.pollers = (poller, *others)

    def collect(self) -> Iterator[Metric]:
        """The families of one scrape, from each poller's last state; with several pollers,
        the families of one name merged into one (the text format has each name once)."""
        now = time.time()
        if len(self.pollers) == 1:
            yield from _families(self.poller, now)
            return
        merged: dict[str, Metric] = {}
        copied: set[str] = set()
        for poller in self.pollers:
            for family in _families(poller, now):
                first = merged.get(family.name)
                if first is None:
                    merged[family.name] = family
                elif family.samples:
                    # A copy: the families are the pollers' cached ones, shared by scrapes.
                    if family.name not in copied:
                        first = copy.copy(first)
                        first.samples = list(first.samples)
                        merged[family.name] = first
                        copied.add(family.name)
                    first.samples.extend(family.samples)
        yield from merged.values()


def _families(poller: Poller, now: float) -> Iterator[Metric]:
    state = poller.state  # one read: every family of a scrape is from one poll
    yield from with_labels(exporter_metrics(state, now, poller.interval), poller.labels)
    for source in state.sources.values():
        yield from source.built.families
        if source.built.live is not None:
            yield from source.built.live(now)


def exporter_metrics(state: PollState, now: float, interval: float) -> list[Metric]:
    """``slurm_up`` and the exporter's own health: how old each source's data is."""
    everything_up = state.up and state.dbd_up is not False
    up = GaugeMetricFamily(
        "slurm_up",
        "1 when the exporter's last poll reached slurmctld (and slurmdbd, when probed), "
        "else 0 (the other metrics are then those of the last good poll: see "
        "slurm_exporter_data_age_seconds).",
        value=1.0 if everything_up else 0.0,
    )
    controller = GaugeMetricFamily(
        "slurm_controller_up",
        "1 when the exporter's last poll reached slurmctld, else 0.",
        value=1.0 if state.up else 0.0,
    )
    families: list[Metric] = [up, controller]
    if state.dbd_up is not None:
        families.append(
            GaugeMetricFamily(
                "slurm_dbd_up",
                "1 when the exporter's last poll reached slurmdbd, else 0.",
                value=1.0 if state.dbd_up else 0.0,
            )
        )
    age = GaugeMetricFamily(
        "slurm_exporter_data_age_seconds",
        "Seconds since the data of this source was last loaded from the controller.",
        labels=["source"],
    )
    for name, source in state.sources.items():
        age.add_metric([name], max(now - source.refreshed_at, 0.0))
    families.append(age)
    if state.last_success is not None:
        families.append(
            GaugeMetricFamily(
                "slurm_exporter_last_poll_success_timestamp_seconds",
                "When the last poll that loaded every source started (Unix time).",
                value=state.last_success,
            )
        )
    if state.duration is not None:
        families.append(
            GaugeMetricFamily(
                "slurm_exporter_poll_duration_seconds",
                "Wall-clock time of the last poll.",
                value=state.duration,
            )
        )
    if state.cpu is not None:
        families.append(
            GaugeMetricFamily(
                "slurm_exporter_poll_cpu_seconds",
                "CPU time the exporter spent on the last poll.",
                value=state.cpu,
            )
        )
    families.append(
        GaugeMetricFamily(
            "slurm_exporter_poll_interval_seconds",
            "Time between the starts of two polls.",
            value=interval,
        )
    )
    families.append(
        CounterMetricFamily("slurm_exporter_polls", "Polls since start.", value=state.polls)
    )
    errors = CounterMetricFamily(
        "slurm_exporter_poll_errors",
        "Failed loads since start, by source.",
        labels=["source"],
    )
    # Every source has a series from its first load on, at 0 until a load fails: rate()
    # and increase() need the counter to exist before it moves.
    for name in sorted(set(state.errors) | set(state.sources)):
        errors.add_metric([name], state.errors.get(name, 0))
    families.append(errors)
    return families


def registry_for(poller: Poller, *others: Poller) -> CollectorRegistry:
    """A registry with the Slurm collector of every poller given and the exporter
    process' own CPU and memory."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SlurmCollector(poller, *others))
    ProcessCollector(registry=registry)
    return registry


def serve(registry: CollectorRegistry, host: str, port: int) -> WSGIServer:
    """Serve ``registry`` on ``host:port`` in daemon threads; port 0 picks a free one.

    Returns the server: ``server.server_address`` says where it listens,
    ``server.shutdown()`` stops it.
    """
    server, _ = start_http_server(port, addr=host, registry=registry)
    return server
