"""Serving the poller's state over HTTP, in Prometheus' text formats.

A scrape reads the pollers' last published states and never calls into Slurm: it joins
the families each poll rendered (see :mod:`.exposition`) with the few that depend on the
clock (the data's age, the pending jobs' ages) and the process' own. With one poller per
cluster, a scrape serves them all: the families of the same name are merged into one,
since the text formats allow each name once. :class:`SlurmCollector` gives the same
families to any prometheus_client registry, as ``exporter --once`` prints them.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector, CollectorRegistry, RestrictedRegistry

from .exposition import Format, Part, cached, fresh, merge, page, respond, start_server
from .metrics import with_labels
from .poller import Poller, PollState

__all__ = ["ExporterRegistry", "SlurmCollector", "exporter_metrics", "registry_for", "serve"]


class SlurmCollector:
    """A prometheus_client collector serving the cached state of one :class:`Poller`, or
    of several (one per cluster, each labelling its series with its cluster)."""

    def __init__(self, poller: Poller, *others: Poller) -> None:
        self.poller = poller
        self.pollers = (poller, *others)

    def collect(self, now: float | None = None) -> Iterator[Metric]:
        """The families of one scrape, from each poller's last state; with several pollers,
        the families of one name merged into one (the text format has each name once).
        ``now``: the clock the ages are computed from (default: the time of the call)."""
        if now is None:
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

    def parts(self, fmt: Format, now: float) -> list[Iterator[Part]]:
        """What :meth:`collect` yields, as each poller's parts in ``fmt``: the families its
        last poll built from their cache, the clock's rendered now."""
        streams = []
        for poller in self.pollers:
            if fmt.content_type not in poller.formats:
                poller.formats[fmt.content_type] = (fmt, False)
            streams.append(_parts(poller, fmt, now))
        return streams


def _parts(poller: Poller, fmt: Format, now: float) -> Iterator[Part]:
    state = poller.state  # one read: every family of a scrape is from one poll
    yield from fresh(with_labels(exporter_metrics(state, now, poller.interval), poller.labels), fmt)
    for source in state.sources.values():
        yield from cached(source.built.rendered.get(source.built.families, fmt))
        if source.built.live is not None:
            yield from fresh(source.built.live(now), fmt)


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


class ExporterRegistry(CollectorRegistry):
    """The registry :func:`registry_for` makes: the Slurm collector, the process' CPU and
    memory, and whatever else is registered. :func:`serve` renders its Slurm families from
    each poll's cache; ``generate_latest(registry)`` gives the same text."""

    def __init__(self, slurm: SlurmCollector) -> None:
        super().__init__(auto_describe=False)
        self.slurm = slurm
        self._others: list[Collector] = []
        self.register(slurm)
        ProcessCollector(registry=self)

    def register(self, collector: Collector) -> None:
        """Register ``collector``, as :class:`~prometheus_client.CollectorRegistry` does."""
        super().register(collector)
        if collector is not self.slurm:
            self._others.append(collector)

    def unregister(self, collector: Collector) -> None:
        """Unregister ``collector``, as :class:`~prometheus_client.CollectorRegistry` does."""
        super().unregister(collector)
        if collector in self._others:
            self._others.remove(collector)

    def restricted_registry(self, names: Iterable[str]) -> _Restricted:
        """The series named ``names`` only (sample names, as prometheus_client's
        ``name[]`` selects them): every collector here has its names only once collected."""
        return _Restricted(self, frozenset(names))

    def page(self, fmt: Format, zipped: bool, now: float | None = None) -> bytes:
        """The ``/metrics`` page in ``fmt`` (gzip members with ``zipped``), as
        ``fmt.encode(self)`` would write it at ``now``."""
        if now is None:
            now = time.time()
        if zipped:
            for poller in self.slurm.pollers:
                poller.formats[fmt.content_type] = (fmt, True)
        streams: list[Iterable[Part]] = list(self.slurm.parts(fmt, now))
        streams.extend(fresh(collector.collect(), fmt) for collector in self._others)
        return page(merge(streams), fmt, zipped)


class _Restricted(RestrictedRegistry):
    def __init__(self, registry: CollectorRegistry, names: frozenset[str]) -> None:
        super().__init__(names, registry)
        self._all = registry
        self._names = names

    def collect(self) -> Iterator[Metric]:
        for family in self._all.collect():
            samples = [s for s in family.samples if s.name in self._names]
            if samples:
                kept = copy.copy(family)
                kept.samples = samples
                yield kept


def registry_for(poller: Poller, *others: Poller) -> ExporterRegistry:
    """A registry with the Slurm collector of every poller given and the exporter
    process' own CPU and memory."""
    return ExporterRegistry(SlurmCollector(poller, *others))


def serve(registry: CollectorRegistry, host: str, port: int) -> WSGIServer:
    """Serve ``registry`` on ``host:port`` in daemon threads; port 0 picks a free one.

    Any path but ``/favicon.ico`` serves the metrics, in the format the client's Accept
    header asks for, gzipped when it accepts gzip (as prometheus_client serves them); a
    registry from :func:`registry_for` is rendered from each poll's cache.

    Returns the server: ``server.server_address`` says where it listens,
    ``server.shutdown()`` stops it.
    """
    app: Any
    if isinstance(registry, ExporterRegistry):
        app = respond(registry.page, registry)
    else:
        app = make_wsgi_app(registry)
    return start_server(app, host, port)
