"""The background poller: loads the controller's state and keeps metric families ready.

Each poll asks the controller for every source (nodes, jobs, ...). Node, partition, job
and license loads are incremental: when nothing changed, :class:`~slurmlib.Cluster` hands
back the very snapshot object of the previous poll, and the poller then keeps the families
it built from it instead of building them again. A poll with nothing changed costs the
round trips and little else.

Scrapes never wait for the controller: they read :attr:`Poller.state`, one immutable
object that each poll replaces whole. When the controller stops answering, the poll ends
at the first source that cannot reach it (every further call would wait out the same
timeout); the families of the last good poll stay, and their age shows how stale they are.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from prometheus_client.core import Metric

from .. import _log
from ..cluster import Cluster
from ..db import Database, connect
from ..errors import (
    AuthenticationError,
    ControllerUnreachable,
    SlurmError,
    SlurmTimeout,
    Unsupported,
)
from .accounts import limit_metrics, share_metrics
from .exposition import Format, Rendered
from .finished import FinishedJobs
from .metrics import LiveMetrics, job_metrics, license_metrics, node_metrics, with_labels
from .scheduler import scheduler_metrics

__all__ = ["FINISHED", "Built", "PollState", "Poller", "Source", "SourceState", "default_sources"]

log = _log.logger("slurmlib.exporter")

# The errors that mean "the controller cannot be reached", as opposed to one request refused.
UNREACHABLE = (ControllerUnreachable, SlurmTimeout, AuthenticationError)

#: The name of the finished-job counters among the sources (their data age, their errors).
FINISHED = "finished_jobs"


@dataclass(frozen=True)
class Built:
    """The families built from one source's data, and its scrape-time families."""

    families: tuple[Metric, ...]
    live: LiveMetrics | None = None
    labels: Mapping[str, str] | None = None
    """The constant labels the families were given (None: not given any yet)."""
    rendered: Rendered = field(default_factory=Rendered, compare=False, repr=False)
    """The families as served, per format: rendered once for every scrape of this poll."""


@dataclass(frozen=True)
class Source:
    """One kind of controller data: how to load it and how to turn it into families.

    ``load`` returns a tuple of objects; when each is the very object the previous poll
    returned (an unchanged incremental load), ``build`` is not called again.
    """

    name: str
    load: Callable[[Cluster], tuple[Any, ...]]
    build: Callable[..., Built]
    every: float = 0.0
    """Seconds between two loads at least. Slurm has no "unchanged" answer for the
    association manager: its limits and fair-share are converted whole on every load, so
    they are refreshed less often than the incremental sources."""


@dataclass(frozen=True)
class SourceState:
    """One source as of its last successful load: the families built, and the objects the
    load returned (the next poll rebuilds nothing when it gets the very same ones)."""

    built: Built
    inputs: tuple[Any, ...]
    refreshed_at: float
    """Unix time of the last poll that loaded this source successfully."""


@dataclass(frozen=True)
class PollState:
    """Everything a scrape needs, as of the last poll."""

    up: bool = False
    """Whether the last poll reached the controller."""
    dbd_up: bool | None = None
    """Whether the last poll reached slurmdbd (None: slurmdbd is not probed)."""
    sources: Mapping[str, SourceState] = field(default_factory=dict)
    polls: int = 0
    errors: Mapping[str, int] = field(default_factory=dict)
    """Failed loads per source since the exporter started."""
    last_success: float | None = None
    """Unix time of the last poll in which every source loaded."""
    duration: float | None = None
    """Wall-clock seconds of the last poll."""
    cpu: float | None = None
    """CPU seconds the poller's thread spent on the last poll."""


def _if_accounting(load: Callable[[], Any]) -> tuple[Any, ...]:
    """``(load(),)``, or ``()`` on a cluster without accounting storage, which has no
    limits or fair-share to load: the source then exports no series, and no error."""
    try:
        return (load(),)
    except Unsupported:
        return ()


def default_sources(user_labels: bool = True, slow_every: float = 0.0) -> tuple[Source, ...]:
    """What the exporter polls, in order: nodes first, the cheapest test of the controller.

    ``slow_every``: seconds between two loads of limits and fair-share (0: every poll).
    """

    def jobs(snapshot: Any) -> Built:
        families, live = job_metrics(snapshot, user_labels)
        return Built(tuple(families), live)

    sources = [
        Source(
            "nodes",
            lambda c: (c.nodes(), c.partitions()),
            lambda nodes, parts: Built(tuple(node_metrics(nodes, parts))),
        ),
        Source("jobs", lambda c: (c.jobs(),), jobs),
        Source(
            "licenses",
            lambda c: (c.licenses(),),
            lambda lics: Built(tuple(license_metrics(lics))),
        ),
        Source(
            "scheduler",
            lambda c: (c.stats(),),
            lambda stats: Built(tuple(scheduler_metrics(stats, user_labels))),
        ),
        Source(
            "limits",
            lambda c: _if_accounting(c.limits),
            lambda *limits: Built(tuple(limit_metrics(limits[0])) if limits else ()),
            every=slow_every,
        ),
        Source(
            "shares",
            lambda c: _if_accounting(c.shares),
            lambda *rows: Built(tuple(share_metrics(rows[0], user_labels)) if rows else ()),
            every=slow_every,
        ),
    ]
    return tuple(sources)


class Poller:
    """Polls ``cluster`` every ``interval`` seconds in a daemon thread."""

    def __init__(
        self,
        cluster: Cluster,
        interval: float,
        *,
        user_labels: bool = True,
        sources: tuple[Source, ...] | None = None,
        probe_dbd: bool = False,
        slow_every: float = 0.0,
        finished: FinishedJobs | None = None,
        cluster_label: bool = False,
        name: str | None = None,
    ) -> None:
        """``finished``: counters of ended jobs to bring up to date from slurmdbd at every
        poll. ``cluster_label``: a ``cluster`` label (the controller's ClusterName) on every
        series, so that one Prometheus can tell several clusters' exporters apart.
        ``name``: the label's value from the start instead of the controller's answer, so
        that a poller among several whose controller is down still says whose
        ``slurm_up`` is 0."""
        if not interval > 0:
            raise ValueError(f"the poll interval must be positive, not {interval!r}")
        self.cluster = cluster
        self.interval = interval
        self.sources = sources if sources is not None else default_sources(user_labels, slow_every)
        self.probe_dbd = probe_dbd
        self.finished = finished
        self.cluster_label = cluster_label
        self.labels: Mapping[str, str] = MappingProxyType(
            {"cluster": name} if cluster_label and name else {}
        )
        """The labels put on every series: ``cluster`` once the controller has named it."""
        # Among several pollers, each one's warnings say whose controller they are about.
        self._who = f"{name}: " if name else ""
        self._dbd: Database | None = None
        self.formats: dict[str, tuple[Format, bool]] = {}
        """The formats scrapes asked for (and whether gzipped), by content type: a poll
        renders what it built in each, so that a scrape never renders a poll's families."""
        self.state = PollState()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> PollState:
        """One poll: load every source, rebuild what changed, publish the new state."""
        started = time.time()
        wall = time.perf_counter()
        cpu = time.thread_time()
        previous = self.state
        sources = dict(previous.sources)
        errors = dict(previous.errors)
        reached = True
        complete = True
        if self.cluster_label and not self.labels:
            self._name_cluster()
        for source in self.sources:
            old = sources.get(source.name)
            if old is not None and source.every and started - old.refreshed_at < source.every:
                continue  # a slow source, loaded recently enough: keep its families
            try:
                inputs = source.load(self.cluster)
            except UNREACHABLE as exc:
                errors[source.name] = errors.get(source.name, 0) + 1
                if previous.up or previous.polls == 0:
                    log.warning("%scontroller unreachable: %s", self._who, exc)
                reached = complete = False
                break
            except SlurmError as exc:
                errors[source.name] = errors.get(source.name, 0) + 1
                log.warning("%s%s: %s", self._who, source.name, exc)
                complete = False
                continue
            if old is not None and _same(old.inputs, inputs) and old.built.labels is self.labels:
                built = old.built
            else:
                built = self._labelled(source.build(*inputs))
            sources[source.name] = SourceState(built, inputs, started)
        if reached and not previous.up and previous.polls:
            log.warning("%scontroller reachable again", self._who)
        dbd_up = self._dbd_answers(previous.dbd_up) if self.probe_dbd else None
        counting = self.finished is not None and dbd_up is not False
        if counting and not self._count_finished(sources, started):
            errors[FINISHED] = errors.get(FINISHED, 0) + 1
            complete = False
            if self.probe_dbd:
                dbd_up = False
        self._render(sources.values())
        self.state = state = PollState(
            up=reached,
            dbd_up=dbd_up,
            sources=MappingProxyType(sources),
            polls=previous.polls + 1,
            errors=MappingProxyType(errors),
            last_success=started if complete else previous.last_success,
            duration=time.perf_counter() - wall,
            cpu=time.thread_time() - cpu,
        )
        return state

    def _render(self, sources: Iterable[SourceState]) -> None:
        """Render the families built in the formats scrapes ask for (those kept from the
        last poll are rendered already)."""
        formats = tuple(self.formats.values())
        for source in sources:
            for fmt, zipped in formats:
                pieces = source.built.rendered.get(source.built.families, fmt)
                if zipped:
                    for piece in pieces:
                        piece.gzipped()

    def _name_cluster(self) -> None:
        try:
            name = self.cluster.config().cluster_name
        except SlurmError:
            return  # the sources will say why; named at the next poll that reaches it
        if name:
            self.labels = MappingProxyType({"cluster": name})

    def _labelled(self, built: Built) -> Built:
        labels = self.labels
        if not labels:
            return Built(built.families, built.live, labels)
        live = built.live
        if live is not None:
            inner = live

            def live(now: float) -> list[Metric]:
                return with_labels(inner(now), labels)

        return Built(tuple(with_labels(built.families, labels)), live, labels)

    def _count_finished(self, sources: dict[str, SourceState], started: float) -> bool:
        """Bring the finished-job counters up to date; False when slurmdbd did not answer."""
        assert self.finished is not None
        old = sources.get(FINISHED)
        try:
            if self._dbd is None:
                self._dbd = connect()
            reading = self.finished.poll(self._dbd)
        except SlurmError as exc:
            log.warning("%sfinished jobs: %s", self._who, exc)
            self._close_dbd()
            return False
        if old is not None and not reading.counted and old.built.labels is self.labels:
            built = old.built
        else:
            built = self._labelled(Built(tuple(self.finished.families())))
        sources[FINISHED] = SourceState(built, (), started)
        return True

    def _dbd_answers(self, was_up: bool | None) -> bool:
        """Ask slurmdbd for its TRES on a kept connection; reconnect after a failure."""
        try:
            if self._dbd is None:
                self._dbd = connect()
            self._dbd.tres()
        except SlurmError as exc:
            if was_up is not False:
                log.warning("slurmdbd unreachable: %s", exc)
            self._close_dbd()
            return False
        if was_up is False:
            log.warning("slurmdbd reachable again")
        return True

    def _close_dbd(self) -> None:
        if self._dbd is not None:
            # A connection that is gone already has nothing left to release.
            with contextlib.suppress(SlurmError):
                self._dbd.close()
            self._dbd = None

    # --- the thread ---------------------------------------------------------------------

    def start(self) -> None:
        """Poll now and then every ``interval`` seconds, in the background."""
        if self._thread is not None:
            raise RuntimeError("the poller is already running")
        self._thread = threading.Thread(target=self._run, name="slurmlib-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop polling; waits up to ``timeout`` for a poll in progress to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._close_dbd()

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:
                # A bug in building one family must not end the exporter: keep the last
                # state, say what happened, and try again next time.
                log.exception("poll failed")
            due += self.interval
            now = time.monotonic()
            if due < now:  # a poll overran the interval: start the next one now
                due = now
            self._stop.wait(due - now)


def _same(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))
