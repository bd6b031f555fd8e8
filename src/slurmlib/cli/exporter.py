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
import os
import re
import signal
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .arguments import parse_duration, parse_time

if TYPE_CHECKING:
    from ..exporter import Poller

DEFAULT_LISTEN = "127.0.0.1:9341"
DEFAULT_INTERVAL = "15s"


def parse_interval(text: str, option: str = "--interval", zero: bool = False) -> float:
    """``15s``, ``500ms``, ``2m``, ``1h`` or a bare number of seconds, as seconds (> 0, or
    >= 0 with ``zero``; at most a year)."""
    return parse_duration(text, option, positive=not zero)


def parse_since(text: str) -> datetime:
    """An ISO 8601 time (local time when it names no zone), timezone-aware."""
    return parse_time(text, "--finished-since", example="2026-01-31T00:00")


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


def uses_slurmdbd(cluster: Any, config: Any = None) -> bool:
    """Whether the cluster keeps accounting in slurmdbd (assumed when the controller does
    not answer at start: the exporter must not stay silent about a database it needs)."""
    if config is None:
        config = controller_config(cluster)
    if config is None:
        return True
    return "slurmdbd" in (config.accounting_storage_type or "")


def controller_config(cluster: Any) -> Any:
    """The controller's configuration, or None when it does not answer."""
    from ..errors import SlurmError

    try:
        return cluster.config()
    except SlurmError:
        return None


def hidden_by_private_data(config: Any) -> list[str]:
    """What the cluster's ``PrivateData`` hides among jobs, users, accounts and usage.

    Per-user series would show every Prometheus reader what Slurm shows a user only about
    themselves: the exporter leaves them out unless ``--user-labels`` asks for them.
    """
    from ..native import lib

    if config is None:
        return []
    bits = int(config.values.get("private_data") or 0)
    kinds = {
        "jobs": lib.PRIVATE_DATA_JOBS,
        "users": lib.PRIVATE_DATA_USERS,
        "accounts": lib.PRIVATE_DATA_ACCOUNTS,
        "usage": lib.PRIVATE_DATA_USAGE,
    }
    return [name for name, bit in kinds.items() if bits & bit]


def default_state_file() -> Path | None:
    """``$STATE_DIRECTORY/finished-jobs.json`` under systemd's ``StateDirectory=``, else
    none (the finished-job counters then start from zero at every start)."""
    directory = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    return Path(directory) / "finished-jobs.json" if directory else None


def cluster_names(given: str) -> list[str]:
    """The clusters ``--clusters`` names (``all``: every one slurmdbd knows a controller of);
    an unknown one is a usage error."""
    from ..errors import InvalidCluster
    from .clusters import _names

    try:
        return _names(given)
    except InvalidCluster as exc:
        raise ValueError(exc.message) from None


def state_file_of(path: Path, name: str) -> Path:
    """The finished-job state file of cluster ``name`` under ``--clusters``: ``path`` itself
    for the configuration's own cluster (its cursor survives a switch to ``--clusters``),
    ``path`` with ``.NAME`` before its suffix for the others."""
    from ..cluster import Cluster

    if name == Cluster().cluster_name:  # a client of the configuration's own cluster
        return path
    return path.with_name(f"{path.stem}.{name}{path.suffix}")


def make_poller(
    args: argparse.Namespace,
    out: Any,
    name: str | None,
    interval: float,
    slow_every: float,
    lag: float,
    since: datetime | None,
) -> Poller:
    """The poller of one cluster (None: the configuration's, labelled as its controller
    names itself), with its own client, slurmdbd connection and finished-job counters."""
    from ..cluster import Cluster
    from ..exporter import FinishedJobs, Poller

    cluster = Cluster(cluster=name)
    config = controller_config(cluster)
    hidden = hidden_by_private_data(config)
    if args.user_labels is None:
        user_labels = not hidden
        if hidden:
            whose = f"cluster {name}: " if name is not None else ""
            out.errors.write(
                f"slurmlib exporter: {whose}PrivateData hides {', '.join(hidden)}: no "
                "per-user series (--user-labels to export them all the same)\n"
            )
    else:
        user_labels = args.user_labels
    dbd = not args.no_dbd and uses_slurmdbd(cluster, config)
    finished = None
    if dbd and not args.no_finished_jobs:
        state_file = Path(args.state_file) if args.state_file else default_state_file()
        if name is None:
            owner = config.cluster_name if config is not None else None
        else:
            owner = name
            if state_file is not None:
                state_file = state_file_of(state_file, name)
        finished = FinishedJobs(
            user_labels=user_labels,
            state_file=state_file,
            cluster=owner,
            lag=lag,
            since=since,
            clusters=name,
        )
    return Poller(
        cluster,
        interval,
        user_labels=user_labels,
        probe_dbd=dbd,
        slow_every=slow_every,
        finished=finished,
        cluster_label=not args.no_cluster_label,
        name=name,
    )


def run(args: argparse.Namespace, out: Any) -> int:
    """Run ``slurmlib exporter``: a poller per cluster, serving ``/metrics`` until SIGTERM or
    SIGINT (exit 0). With ``--once``, one poll printed: exit 1 if a cluster was down."""
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        out.error("the exporter needs prometheus_client: pip install 'slurmlib[exporter]'")
        return 1
    host, port = parse_listen(args.listen)
    interval = parse_interval(args.interval)
    slow_every = parse_interval(args.limits_interval, "--limits-interval")
    lag = parse_interval(args.finished_lag, "--finished-lag", zero=True)
    since = parse_since(args.finished_since) if args.finished_since else None

    from ..exporter import registry_for, serve

    names = cluster_names(args.clusters) if args.clusters is not None else None
    if names is not None and len(names) > 1 and args.no_cluster_label:
        raise ValueError("--no-cluster-label: the series of several clusters need it")
    targets: list[str | None] = list(names) if names is not None else [None]
    pollers = [make_poller(args, out, name, interval, slow_every, lag, since) for name in targets]
    registry = registry_for(*pollers)
    if args.once:
        from prometheus_client import generate_latest

        up = [poller.poll().up for poller in pollers]
        out.stream.write(generate_latest(registry).decode())
        return 0 if all(up) else 1

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
    for poller in pollers:
        poller.start()
    try:
        while not stopping.wait(3600):
            pass
    finally:
        server.shutdown()
        # A poll may be waiting out the controller's timeout: the threads are daemons, so
        # the process does not wait for them.
        for poller in pollers:
            poller.stop(timeout=1)
    return 0


def add_parser(sub: Any, summary: str) -> None:
    """Add the ``exporter`` subcommand and its options to the ``slurmlib`` subparsers ``sub``."""
    parser = sub.add_parser(
        "exporter",
        help=summary,
        description=(
            "Serve nodes, jobs, jobs that ended (from slurmdbd), scheduler statistics, "
            "limits, fair-share and licenses as Prometheus metrics. A background poller "
            "refreshes them; scrapes are answered from its cache and never wait for "
            "slurmctld."
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
    users = parser.add_mutually_exclusive_group()
    users.add_argument(
        "--no-user-labels",
        dest="user_labels",
        action="store_false",
        default=None,
        help="no per-user series (jobs, finished jobs, RPCs, fair-share): only accounts "
        "(the default when the cluster's PrivateData hides jobs, users, accounts or usage)",
    )
    users.add_argument(
        "--user-labels",
        dest="user_labels",
        action="store_true",
        help="per-user series even when PrivateData hides jobs, users, accounts or usage",
    )
    parser.add_argument(
        "-M",
        "--clusters",
        metavar="NAME[,NAME...]|all",
        help="poll these clusters of the same slurmdbd side by side (all: every one), "
        "each series labelled with its cluster, one /metrics serving them all; default: "
        "the cluster of the configuration",
    )
    parser.add_argument(
        "--no-cluster-label",
        action="store_true",
        help="no cluster label (by default every series carries cluster=ClusterName)",
    )
    parser.add_argument(
        "--state-file",
        metavar="PATH",
        help="where the finished-job counters keep their cursor and counts across restarts "
        "(default $STATE_DIRECTORY/finished-jobs.json under systemd, else none: they "
        "start from zero, counting the jobs that end from then on)",
    )
    parser.add_argument(
        "--finished-since",
        metavar="TIME",
        help="count the jobs that ended since TIME (ISO 8601, e.g. 2026-01-31T00:00, local "
        "time unless it says) when no state file has a cursor yet (default: from now)",
    )
    parser.add_argument(
        "--no-finished-jobs",
        action="store_true",
        help="do not read finished jobs from slurmdbd (slurm_jobs_finished_total)",
    )
    parser.add_argument(
        "--finished-lag",
        default="10s",
        help="how far behind now finished jobs are counted, so that the record of a job "
        "that just ended has reached slurmdbd (default 10s)",
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
