"""``slurmlib exporter``: Slurm's state as Prometheus metrics.

    $ slurmlib exporter --listen 127.0.0.1:9341 --interval 15s
    slurmlib exporter: serving http://127.0.0.1:9341/metrics, polling every 15s

A background thread polls the controller (incrementally: an unchanged poll converts
nothing); scrapes are answered from what the last poll built and never wait for slurmctld.
``--once`` prints the metrics of one poll and exits. Needs ``prometheus_client``
(``pip install 'slurmlib[exporter]'``).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import re
import signal
import threading
from types import FrameType
from typing import Any

DEFAULT_LISTEN = "127.0.0.1:9341"
DEFAULT_INTERVAL = "15s"

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_interval(text: str, option: str = "--interval") -> float:
    """``15s``, ``500ms``, ``2m``, ``1h`` or a bare number of seconds, as seconds (> 0)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", text)
    if not match:
        raise ValueError(f"{option}: not a duration: {text!r} (use e.g. 15s, 500ms, 2m)")
    seconds = float(match[1]) * _UNITS[match[2] or "s"]
    if seconds <= 0:
        raise ValueError(f"{option} must be more than zero, not {text!r}")
    return seconds


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[IPv6]:PORT`` or ``:PORT`` (every interface) as (host, port)."""
    match = re.fullmatch(r"(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]]*)):(\d{1,5})", text)
    if not match:
        raise ValueError(f"--listen: expected HOST:PORT or [IPv6]:PORT, not {text!r}")
    host = match[1] or match[2] or "0.0.0.0"
    port = int(match[3])
    if port > 65535:
        raise ValueError(f"--listen: port {port} is out of range (0-65535)")
    if match[1]:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"--listen: not an IPv6 address: {host!r}") from None
    return host, port


def _format_seconds(seconds: float) -> str:
    return f"{seconds:g}s" if seconds >= 1 else f"{seconds * 1000:g}ms"


def uses_slurmdbd(cluster: Any) -> bool:
    """Whether the cluster keeps accounting in slurmdbd (assumed when the controller does
    not answer at start: the exporter must not stay silent about a database it needs)."""
    from ..errors import SlurmError

    try:
        storage = cluster.config().accounting_storage_type or ""
    except SlurmError:
        return True
    return "slurmdbd" in storage


def run(args: argparse.Namespace, out: Any) -> int:
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        out.error("the exporter needs prometheus_client: pip install 'slurmlib[exporter]'")
        return 1
    host, port = parse_listen(args.listen)
    interval = parse_interval(args.interval)
    slow_every = parse_interval(args.limits_interval, "--limits-interval")

    from ..cluster import Cluster
    from ..exporter import Poller, registry_for, serve

    cluster = Cluster()
    poller = Poller(
        cluster,
        interval,
        user_labels=not args.no_user_labels,
        probe_dbd=not args.no_dbd and uses_slurmdbd(cluster),
        slow_every=slow_every,
    )
    registry = registry_for(poller)
    if args.once:
        from prometheus_client import generate_latest

        state = poller.poll()
        out.stream.write(generate_latest(registry).decode())
        return 0 if state.up else 1

    logging.basicConfig(format="slurmlib exporter: %(message)s", stream=out.errors)
    try:
        server = serve(registry, host, port)
    except OSError as exc:
        out.error(f"exporter cannot listen on {args.listen}: {exc.strerror or exc}")
        return 1
    bound_host, bound_port = server.server_address[:2]
    if isinstance(bound_host, bytes):
        bound_host = bound_host.decode()
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    out.errors.write(
        f"slurmlib exporter: serving http://{shown}:{bound_port}/metrics, "
        f"polling every {_format_seconds(interval)}\n"
    )
    out.errors.flush()
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    poller.start()
    try:
        while not stopping.wait(3600):
            pass
    finally:
        server.shutdown()
        # A poll may be waiting out the controller's timeout: the thread is a daemon, so
        # the process does not wait for it.
        poller.stop(timeout=1)
    return 0


def add_parser(sub: Any, summary: str) -> None:
    parser = sub.add_parser(
        "exporter",
        help=summary,
        description=(
            "Serve nodes, jobs, scheduler statistics, limits, fair-share and licenses as "
            "Prometheus metrics. A background poller refreshes them; scrapes are answered "
            "from its cache and never wait for slurmctld."
        ),
        epilog="example: slurmlib exporter --listen 127.0.0.1:9341 --interval 15s",
    )
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"where to serve /metrics (default {DEFAULT_LISTEN}, loopback only; "
        "0.0.0.0:9341 for every interface, port 0 for any free one)",
    )
    parser.add_argument(
        "--interval",
        default=DEFAULT_INTERVAL,
        help=f"time between polls of the controller (default {DEFAULT_INTERVAL}; "
        "e.g. 500ms, 30s, 2m)",
    )
    parser.add_argument(
        "--limits-interval",
        default="60s",
        help="time between loads of limits and fair-share, which Slurm cannot answer "
        "incrementally (default 60s; their age is in slurm_exporter_data_age_seconds)",
    )
    parser.add_argument(
        "--no-user-labels",
        action="store_true",
        help="no per-user series (jobs, RPCs, fair-share): only accounts",
    )
    parser.add_argument(
        "--no-dbd",
        action="store_true",
        help="do not probe slurmdbd (by default it is, when the cluster's accounting "
        "storage is slurmdbd: slurm_dbd_up, and slurm_up turns 0 when it is down)",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="poll once, print the metrics and exit (1 when the controller is unreachable)",
    )
    parser.set_defaults(runner=run)
