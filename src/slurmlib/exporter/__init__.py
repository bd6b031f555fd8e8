"""A Prometheus exporter for Slurm, on slurmlib's incremental loads.

    >>> from slurmlib import Cluster
    >>> from slurmlib.exporter import Poller, registry_for, serve
    >>> poller = Poller(Cluster(), interval=15)
    >>> poller.start()
    >>> server = serve(registry_for(poller), "127.0.0.1", 9341)

A background :class:`Poller` keeps metric families built from the controller's state; the
HTTP server renders them from that cache, so a scrape never waits for slurmctld. Needs
``prometheus_client`` (``pip install 'slurmlib[exporter]'``).
"""

from __future__ import annotations

from .finished import FinishedJobs
from .poller import Poller, PollState
from .server import ExporterRegistry, SlurmCollector, registry_for, serve

__all__ = [
    "ExporterRegistry",
    "FinishedJobs",
    "PollState",
    "Poller",
    "SlurmCollector",
    "registry_for",
    "serve",
]
