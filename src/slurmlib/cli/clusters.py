"""``-M/--clusters NAME[,NAME...]|all`` of every command, as Slurm's own commands take it.

Without ``-M`` a command runs as it always did, on the cluster of the configuration.
With it, the command runs once per cluster named (``all``: every cluster slurmdbd knows a
controller of, by name), each run's clients addressing that cluster: the human output
of each run comes under a ``CLUSTER: NAME`` line (as ``squeue -M`` prints it), and
``--json`` prints one document keyed by cluster name. The exit status is the worst of
the runs'. A cluster slurmdbd does not know is refused in one line (exit 2) before
anything runs.

Commands get their client from :func:`client` instead of making a ``Cluster()``.
"""

from __future__ import annotations

import argparse
import contextvars
import io
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .output import Output

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["add_option", "client", "current", "run"]

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "slurmlib_cli_cluster", default=None
)


def add_option(parser: argparse.ArgumentParser) -> None:
    """Give a command ``-M/--clusters``, unless it has its own (``eff`` reads accounting,
    which takes a list of clusters in one query, as ``sacct -M`` does)."""
    if "-M" in parser._option_string_actions:
        return
    parser.set_defaults(per_cluster=True)
    parser.add_argument(
        "-M",
        "--clusters",
        metavar="NAME[,NAME...]|all",
        help="run on these clusters of the same slurmdbd (all: every one); "
        "default: the cluster of the configuration",
    )


def current() -> str | None:
    """The cluster the running command addresses (None: the configuration's own)."""
    return _current.get()


def client() -> Cluster:
    """A client of the cluster the running command addresses."""
    from ..cluster import Cluster

    return Cluster(cluster=_current.get())


def _names(given: str) -> list[str]:
    from ..cluster import Cluster
    from ..errors import InvalidCluster

    words = [w.strip() for w in given.split(",")]
    if any(not w for w in words):
        raise ValueError(f"-M/--clusters: an empty cluster name in {given!r}")
    known = [c.name for c in Cluster.known_clusters()]
    if any(w.lower() == "all" for w in words):
        return known
    unknown = [w for w in words if w not in known]
    if unknown:
        raise InvalidCluster(
            f"no cluster {', '.join(map(repr, unknown))} in slurmdbd; known clusters: "
            f"{', '.join(known) or 'none'}"
        )
    return list(dict.fromkeys(words))


def run(runner: Callable[[argparse.Namespace, Any], int], args: argparse.Namespace) -> int:
    """Run a command's ``runner`` once, or once per cluster of ``-M``."""
    from ..errors import InvalidCluster

    given = getattr(args, "clusters", None) if getattr(args, "per_cluster", False) else None
    if given is None:
        return int(runner(args, Output()))
    try:
        names = _names(given)
    except InvalidCluster as exc:
        # A usage error, like an unknown partition: one line, exit 2.
        raise ValueError(exc.message) from None
    as_json = bool(getattr(args, "json", False))
    out = Output()
    documents: dict[str, Any] = {}
    worst = 0
    for index, name in enumerate(names):
        token = _current.set(name)
        try:
            if as_json:
                buffer = io.StringIO()
                worst = max(worst, int(runner(args, Output(buffer, out.errors))))
                text = buffer.getvalue().strip()
                documents[name] = json.loads(text) if text else None
            else:
                if index:
                    out.stream.write("\n")
                out.stream.write(f"CLUSTER: {name}\n")
                out.stream.flush()
                worst = max(worst, int(runner(args, out)))
        finally:
            _current.reset(token)
    if as_json:
        out.json(documents)
    return worst
