"""Which cluster libslurm's controller RPCs go to: its process-global ``working_cluster_rec``.

libslurm sends every controller RPC (loads, updates, submits, pings) to the cluster that
``working_cluster_rec`` points at, or to the controller of the configuration the process
was initialised with while it is NULL. Slurm's commands set it for ``-M``, from the
records slurmdbd keeps of each cluster (``slurmdb_get_info_cluster``: the controller's
host, port and RPC version, filled in when the controller registers).

It is one variable for the whole process, while slurmlib's loads run side by side in
threads. :data:`room` lets calls in for one cluster at a time — any number of calls for
that cluster together — points the variable at that cluster before the first of them
starts and back to NULL after the last one ends. A call for another cluster waits until
the room is empty, and while it waits no new call for the current cluster goes in, so
neither side starves. A call of the default cluster never runs while the variable points
elsewhere.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from . import _validate, native
from .convert import list_items, text
from .errors import ControllerUnreachable, DatabaseUnavailable, InvalidCluster, SlurmError
from .native import ffi, lib

__all__ = ["LOCAL", "ClusterController", "Target", "addressed", "known", "room", "target"]


@dataclass(frozen=True)
class ClusterController:
    """A cluster slurmdbd knows, with the controller it registered
    (``sacctmgr show cluster``'s ControlHost, ControlPort, RPC)."""

    name: str
    control_host: str
    control_port: int
    rpc_version: int


class Target:
    """Where calls go: a cluster's record from slurmdbd (owned here), or NULL for the
    cluster of this process's configuration."""

    def __init__(self, name: str, record: Any, owner: Any) -> None:
        self.name = name
        self.record = record
        # The list slurmdb_get_info_cluster returned: the record lives as long as it does.
        self._owner = owner


LOCAL = Target("", ffi.NULL, None)


class _Room:
    """Calls for one target at a time (see the module's docstring)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._current: Target = LOCAL
        self._inside = 0
        self._waiting: Counter[Target] = Counter()
        self._thread = threading.local()

    @contextmanager
    def __call__(self, where: Target) -> Iterator[None]:
        mine = self._thread
        depth: int = getattr(mine, "depth", 0)
        if depth:
            # A call made from inside another (ping() asking config()) is already in.
            if mine.target is not where:
                raise RuntimeError(
                    f"a call to cluster {where.name or 'of this configuration'} from inside "
                    f"a call to {mine.target.name or 'the cluster of this configuration'}"
                )
            mine.depth = depth + 1
            try:
                yield
            finally:
                mine.depth = depth
            return
        with self._cond:
            self._waiting[where] += 1
            try:
                while not self._may_enter(where):
                    self._cond.wait()
            finally:
                self._waiting[where] -= 1
            if self._inside == 0 and self._current is not where:
                lib.working_cluster_rec = where.record
                self._current = where
            self._inside += 1
        mine.target, mine.depth = where, 1
        try:
            yield
        finally:
            mine.depth = 0
            mine.target = None
            with self._cond:
                self._inside -= 1
                if self._inside == 0:
                    if self._current is not LOCAL:
                        # Code that does not go through the room (none of slurmlib's should)
                        # reaches the local cluster, and the record may now be freed.
                        lib.working_cluster_rec = ffi.NULL
                        self._current = LOCAL
                    self._cond.notify_all()

    def _may_enter(self, where: Target) -> bool:
        if self._inside == 0:
            return True
        if self._current is not where:
            return False
        others = sum(n for t, n in self._waiting.items() if t is not where)
        return others == 0


room = _Room()

F = TypeVar("F", bound=Callable[..., Any])


def addressed(method: F) -> F:
    """Run a method of a client with a ``_target`` inside :data:`room` for that target."""
    import functools

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        with room(self._target):
            return method(self, *args, **kwargs)

    return call  # type: ignore[return-value]


def _info(names: str) -> Any:
    """slurmdb_get_info_cluster(names): a list of cluster records (caller destroys it), or
    NULL when slurmdbd knows none of them or cannot be asked.

    Only clusters whose controller has registered with slurmdbd are in it: slurmdbd
    clears a controller's address when it shuts down cleanly.
    """
    with native.api_lock:
        xlist = lib.slurmdb_get_info_cluster(ffi.new("char[]", names.encode()))
        native.take_libslurm_log()  # "No cluster 'x' known by database.": said below
    return xlist


def _controller(record: Any) -> ClusterController:
    return ClusterController(
        name=text(record.name) or "",
        control_host=text(record.control_host) or "",
        control_port=int(record.control_port),
        rpc_version=int(record.rpc_version),
    )


def known() -> tuple[ClusterController, ...]:
    """Every cluster slurmdbd knows a live controller of, by name."""
    xlist = _info("all")
    if xlist == ffi.NULL:
        raise DatabaseUnavailable(
            "slurmdbd did not answer the request for its clusters", context="listing clusters"
        )
    try:
        found = [_controller(r) for r in list_items(xlist, "slurmdb_cluster_rec_t")]
    finally:
        lib.slurm_list_destroy(xlist)
    return tuple(sorted(found, key=lambda c: c.name))


# One record per cluster name while some client uses it.
_targets: weakref.WeakValueDictionary[str, Target] = weakref.WeakValueDictionary()
_targets_lock = threading.Lock()


def local_name() -> str:
    """The ClusterName of the configuration this process was initialised with."""
    return text(lib.slurm_conf.cluster_name) or ""


def target(name: str) -> Target:
    """Where calls for cluster ``name`` go: :data:`LOCAL` for this configuration's own
    cluster, else its controller as slurmdbd knows it.

    :class:`InvalidCluster` (a ``LookupError``) naming the known clusters when slurmdbd
    has no such cluster; :class:`ControllerUnreachable` when it has one whose controller
    is not registered now (stopped, or not started yet).
    """
    _validate.check_text("cluster", name)
    if name == local_name():
        return LOCAL
    with _targets_lock:
        found = _targets.get(name)
        if found is not None:
            return found
        if "," in name or name.lower() == "all":
            raise ValueError(f"cluster must name one cluster, not {name!r}")
        xlist = _info(name)
        if xlist == ffi.NULL:
            raise _missing(name)
        owner = ffi.gc(xlist, lib.slurm_list_destroy)
        record = next(
            (r for r in list_items(owner, "slurmdb_cluster_rec_t") if text(r.name) == name),
            None,
        )
        if record is None:
            raise _missing(name)
        made = Target(name, record, owner)
        _targets[name] = made
        return made


def _missing(name: str) -> Exception:
    live = [c.name for c in known()]
    every = sorted(_registered_names() | set(live))
    if name in every:
        return ControllerUnreachable(
            f"slurmdbd knows cluster {name}, but no controller of it is registered now "
            f"(stopped, or not started yet); clusters with a controller: "
            f"{', '.join(live) or 'none'}",
            context=f"looking up cluster {name}",
        )
    return InvalidCluster(
        f"no cluster {name!r} in slurmdbd; known clusters: {', '.join(every) or 'none'}",
        int(lib.ESLURM_INVALID_CLUSTER_NAME),
        "ESLURM_INVALID_CLUSTER_NAME",
        f"looking up cluster {name}",
    )


def _registered_names() -> set[str]:
    """Every cluster name in slurmdbd, with a controller or not (asked only on errors)."""
    from .db import Database

    try:
        with Database() as db:
            return {c.name for c in db.clusters()}
    except SlurmError:  # only refines an error message
        return set()
