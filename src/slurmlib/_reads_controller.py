"""The controller's own state: its configuration, statistics, live limits and fair-share,
the network topology, and whether each slurmctld answers.

Each of these is one non-incremental load (:func:`_fetch`: call, check, copy the answer out,
free it). :class:`ControllerReads` is a part of :class:`~slurmlib.Cluster`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from . import _limits, _readers, _topology, native
from .convert import text
from .errors import SlurmError, Unsupported
from .native import ffi, lib
from .records import Config, ControllerPing, Limits, Share, Stats, Switch

__all__ = ["ControllerReads"]

T = TypeVar("T")


def _fetch(
    ctype: str,
    call: Callable[[Any], int],
    free: Callable[[Any], None],
    convert: Callable[[Any], T],
    what: str,
) -> T:
    """One non-incremental load: call, check, copy the answer out, free it."""
    with native.api_lock:
        out = ffi.new(ctype + " **")
        native.check(call(out), what)
        try:
            return convert(out[0])
        finally:
            free(out[0])


# 26.05 renamed the free of slurm_load_ctl_conf's answer.
_free_conf = (
    lib.slurm_free_ctl_conf
    if native.capabilities.has_function("slurm_free_ctl_conf")
    else lib.slurm_free_conf
)


class ControllerReads:
    """The reads of :class:`~slurmlib.Cluster` that ask the controller about itself."""

    def config(self) -> Config:
        """The controller's configuration (what ``scontrol show config`` prints)."""
        return _fetch(
            "slurm_conf_t",
            lambda out: lib.slurm_load_ctl_conf(0, out),
            _free_conf,
            _readers.config,
            "loading the configuration",
        )

    def stats(self) -> Stats:
        """The controller's scheduler and RPC statistics (what ``sdiag`` prints)."""
        request = ffi.new("stats_info_request_msg_t *")
        request.command_id = lib.STAT_COMMAND_GET
        return _fetch(
            "stats_info_response_msg_t",
            lambda out: lib.slurm_get_statistics(out, request),
            # Exported but in no public header: the only way to free sdiag's answer.
            lib.slurm_free_stats_response_msg,
            _readers.stats,
            "loading statistics",
        )

    def limits(self) -> Limits:
        """Live limits and usage of every association and QoS, from slurmctld's counters.

        Works while slurmdbd is down: this is what the controller enforces right now.
        Raises :class:`~slurmlib.errors.Unsupported` when the cluster runs without
        accounting storage (``AccountingStorageType=accounting_storage/none``): there the
        controller keeps no associations, and the request is never sent (see
        :meth:`_require_accounting`).
        """
        self._require_accounting("loading limits")
        request = ffi.new("assoc_mgr_info_request_msg_t *")
        request.flags = (
            lib.ASSOC_MGR_INFO_FLAG_ASSOC
            | lib.ASSOC_MGR_INFO_FLAG_QOS
            | lib.ASSOC_MGR_INFO_FLAG_USERS
        )
        return _fetch(
            "assoc_mgr_info_msg_t",
            lambda out: lib.slurm_load_assoc_mgr_info(request, out),
            lib.slurm_free_assoc_mgr_info_msg,
            _limits.convert,
            "loading limits",
        )

    def shares(self) -> tuple[Share, ...]:
        """The fair-share tree, as ``sshare -a -l`` shows it, in tree order.

        Read from the controller's association manager (with usage), like ``limits()``:
        libslurm has no public call for sshare's own request. Raises
        :class:`~slurmlib.errors.Unsupported` when the cluster runs without accounting
        storage, like ``limits()``.
        """
        self._require_accounting("loading fair-share")
        request = ffi.new("assoc_mgr_info_request_msg_t *")
        request.flags = lib.ASSOC_MGR_INFO_FLAG_ASSOC
        return _fetch(
            "assoc_mgr_info_msg_t",
            lambda out: lib.slurm_load_assoc_mgr_info(request, out),
            lib.slurm_free_assoc_mgr_info_msg,
            _limits.shares,
            "loading fair-share",
        )

    def topology(self) -> tuple[Switch, ...]:
        """The switches of the network topology.

        Empty when the controller runs no topology plugin (``TopologyPlugin`` unset, or
        ``topology/none``, ``topology/flat``, ``topology/default``). Raises
        :class:`~slurmlib.errors.Unsupported` where a topology plugin is configured and
        only Slurm's daemons can unpack its data (Slurm 24.05 on, see
        ``slurmlib._topology``).
        """
        if not _topology.configured(self._setting("topology_plugin")):
            return ()
        _topology.check_supported()
        return _fetch(
            "topo_info_response_msg_t",
            lib.slurm_load_topo,
            lib.slurm_free_topo_info_msg,
            _topology.convert,
            "loading the topology",
        )

    def _setting(self, field: str) -> str | None:
        """One text setting of the controller's configuration (a ``slurm_conf_t`` field),
        or None where this release has no such field."""
        if not native.capabilities.has_field("slurm_conf_t", field):
            return None
        return _fetch(
            "slurm_conf_t",
            lambda out: lib.slurm_load_ctl_conf(0, out),
            _free_conf,
            lambda conf: text(getattr(conf, field)),
            "loading the configuration",
        )

    def _require_accounting(self, what: str) -> None:
        """Refuse before sending the association manager's request to a cluster that runs
        without accounting storage.

        The controller is asked each time (one small RPC): its AccountingStorageType is
        what counts, not the local slurm.conf, and it changes only with a restart that a
        long-lived client may not see. 23.11's slurmctld dies on that request when it
        runs without accounting storage (a NULL list in its packing): never send it there.
        """
        storage = self._setting("accounting_storage_type")
        if not storage or storage.endswith("/none"):
            raise Unsupported(
                f"this cluster runs without accounting storage (AccountingStorageType="
                f"{storage or 'none'}): the controller keeps no association or QoS limits",
                context=what,
            )

    def ping(self) -> tuple[ControllerPing, ...]:
        """Ask every configured slurmctld (primary first) whether it answers."""
        if self._controllers is None:
            try:
                self._controllers = self.config().controllers
            except SlurmError:
                # The primary does not answer: it is still worth reporting as down.
                return (ControllerPing(0, "", True, False, None),)
        controllers = self._controllers
        results = []
        for index, host in enumerate(controllers):
            start = time.monotonic()
            with native.api_lock:
                rc = lib.slurm_ping(index)
            elapsed = time.monotonic() - start
            results.append(
                ControllerPing(
                    index=index,
                    hostname=host,
                    primary=index == 0,
                    up=rc == 0,
                    latency=timedelta(seconds=elapsed) if rc == 0 else None,
                )
            )
        return tuple(results)

    _controllers: tuple[str, ...] | None = None
