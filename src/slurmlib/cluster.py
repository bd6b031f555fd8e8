"""The controller client: everything slurmctld knows, as owned typed records.

    >>> cluster = slurmlib.Cluster()          # SLURM_CONF, or Cluster(config="...")
    >>> idle = [n.name for n in cluster.nodes() if n.state is NodeState.IDLE]
    >>> cluster.job(42).state_reason
    'Resources'

Every load copies the controller's message into records and frees the message before it
returns. Loads are incremental: the client remembers the ``last_update`` of the previous
message of each kind and passes it as ``update_time``; when the controller answers that
nothing changed, the same snapshot object comes back and nothing is converted again.

Another cluster registered in the same slurmdbd is addressed by name, as Slurm's commands
do with ``-M``: ``Cluster(cluster="other")``. Every call of that client, read or write,
goes to that cluster's controller (see :mod:`slurmlib._working` for how, and which calls
run side by side).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import _limits, _queue, _readers, _topology, _validate, _working, native
from ._build import bulk_spec as _bulk_spec
from ._working import ClusterController
from .convert import Unlimited, text, timestamp
from .errors import InvalidNodeName, SlurmError, Unsupported
from .native import ffi, lib
from .records import (
    Config,
    ControllerPing,
    Job,
    JobStep,
    License,
    Limits,
    Node,
    Partition,
    QueuePosition,
    Record,
    Reservation,
    Share,
    Snapshot,
    Stats,
    SubmitResult,
    Switch,
    WillRun,
)
from .states import JobState

if TYPE_CHECKING:
    # The write API is imported by the methods that use it: a read-only program
    # (every diagnostic command) need not load it.
    from .jobspec import JobSpec
    from .records import JobRef

__all__ = ["Cluster", "ClusterController"]

R = TypeVar("R", bound=Record)

_SHOW_ALL = int(lib.SHOW_ALL)
_SHOW_DETAIL = int(lib.SHOW_DETAIL)
_NO_CHANGE = int(lib.SLURM_NO_CHANGE_IN_DATA)


@dataclass(frozen=True)
class _Loader(Generic[R]):
    """How to load, convert and free one kind of controller message."""

    what: str
    record: type[R]  # its ``_key`` is the field its snapshots look records up by
    ctype: str  # the message type, e.g. "node_info_msg_t"
    call: Callable[[int, Any], int]  # (update_time, out-pointer) -> rc
    free: Callable[[Any], None]
    convert: Callable[[Any], list[R]]  # every record of the message
    prepare: Callable[[Any], None] | None = None  # runs on the C message before converting


@dataclass
class _Cached(Generic[R]):
    update_time: int
    snapshot: Snapshot[R]


class Cluster:
    """A client of one cluster's slurmctld.

    ``config`` is the path of its ``slurm.conf`` (default: ``SLURM_CONF``, then the usual
    places). libslurm holds one configuration per process: every Cluster of a process uses
    the first one initialised.

    ``cluster`` names another cluster registered in the same slurmdbd (what ``squeue -M``
    takes): its controller is found through slurmdbd, and every call of this client goes
    there. Default: the cluster of the configuration. An unknown name raises
    :class:`~slurmlib.errors.InvalidCluster` (a ``LookupError``) listing the known ones;
    a known cluster whose controller is not registered now,
    :class:`~slurmlib.errors.ControllerUnreachable`. Calls to different clusters take
    turns; calls to one cluster run side by side as they always do.
    """

    def __init__(
        self, config: str | os.PathLike[str] | None = None, *, cluster: str | None = None
    ) -> None:
        self.config_path: Path = native.init(config)
        self._target = _working.LOCAL if cluster is None else _working.target(cluster)
        self.cluster_name: str = self._target.name or _working.local_name()
        """The name of the cluster this client addresses."""
        self._cache: dict[str, _Cached[Any]] = {}
        self._loaders: dict[str, _Loader[Any]] = {
            "nodes": _Loader(
                "nodes",
                Node,
                "node_info_msg_t",
                lambda t, out: lib.slurm_load_node(t, out, _SHOW_ALL | _SHOW_DETAIL),
                lib.slurm_free_node_info_msg,
                _readers.nodes,
                prepare=_populate_node_partitions,
            ),
            "jobs": _Loader(
                "jobs",
                Job,
                "job_info_msg_t",
                lambda t, out: lib.slurm_load_jobs(t, out, _SHOW_ALL),
                lib.slurm_free_job_info_msg,
                _readers.jobs,
            ),
            "partitions": _Loader(
                "partitions",
                Partition,
                "partition_info_msg_t",
                lambda t, out: lib.slurm_load_partitions(t, out, _SHOW_ALL),
                lib.slurm_free_partition_info_msg,
                _readers.partitions,
            ),
            "reservations": _Loader(
                "reservations",
                Reservation,
                "reserve_info_msg_t",
                lambda t, out: lib.slurm_load_reservations(t, out),
                lib.slurm_free_reservation_info_msg,
                _readers.reservations,
            ),
            "licenses": _Loader(
                "licenses",
                License,
                "license_info_msg_t",
                lambda t, out: lib.slurm_load_licenses(t, out, _SHOW_ALL),
                lib.slurm_free_license_info_msg,
                _readers.licenses,
            ),
        }
        self._kind_locks = {kind: threading.Lock() for kind in self._loaders}

    @staticmethod
    def known_clusters() -> tuple[ClusterController, ...]:
        """The clusters slurmdbd knows a registered controller of, by name (what
        ``Cluster(cluster=...)`` and ``-M`` can address), this one included."""
        native.init()
        return _working.known()

    # --- the incremental loading machinery ---------------------------------------------

    def _load(self, kind: str) -> Snapshot[Any]:
        loader = self._loaders[kind]
        # One load of a kind at a time (a second caller then gets the no-change answer);
        # loads of different kinds run side by side: the loading RPCs are thread-safe
        # (slurmrestd runs them from its worker threads at once), so they are not behind
        # native.api_lock. One thread's load of the nodes is then answered while another's
        # load of the queue waits for the controller.
        with self._kind_locks[kind]:
            cached = self._cache.get(kind)
            out = ffi.new(loader.ctype + " **")
            rc = loader.call(cached.update_time if cached else 0, out)
            if rc != 0:
                code = rc if rc > 0 else ffi.errno
                # Calls differ in how they say it (rc 1900, or -1 with errno 1900).
                if code == _NO_CHANGE and cached is not None:
                    if out[0] != ffi.NULL:
                        loader.free(out[0])
                    return cached.snapshot
                native.check(rc, f"loading {loader.what}")
            msg = out[0]
            if msg == ffi.NULL:
                raise SlurmError(f"loading {loader.what}: the controller sent no data")
            try:
                if loader.prepare is not None:
                    loader.prepare(msg)
                snapshot = self._convert(loader, msg)
                update_time = int(msg.last_update)
            finally:
                loader.free(msg)
            self._cache[kind] = _Cached(update_time, snapshot)
            return snapshot

    @staticmethod
    def _convert(loader: _Loader[R], msg: Any) -> Snapshot[R]:
        records = tuple(loader.convert(msg))
        key: str = loader.record._key  # type: ignore[attr-defined]
        return Snapshot(records, timestamp(int(msg.last_update)), key)

    def forget(self) -> None:
        """Drop the remembered messages: the next loads fetch and convert everything."""
        for kind, lock in self._kind_locks.items():
            with lock:
                self._cache.pop(kind, None)

    # --- nodes ------------------------------------------------------------------------

    def nodes(self) -> Snapshot[Node]:
        """Every node the controller knows (hidden and FUTURE nodes excepted)."""
        return self._load("nodes")

    def node(self, name: str) -> Node:
        """One node; :class:`InvalidNodeName` when the controller knows none by that name."""
        _validate.check_text("name", name)
        with native.api_lock:
            out = ffi.new("node_info_msg_t **")
            rc = lib.slurm_load_node_single(out, name.encode(), _SHOW_ALL | _SHOW_DETAIL)
            native.check(rc, f"loading node {name}")
            msg = out[0]
            try:
                _populate_node_partitions(msg)
                for record in _readers.nodes(msg):
                    if record.name == name:
                        return record
            finally:
                lib.slurm_free_node_info_msg(msg)
        raise InvalidNodeName(
            "Invalid node name specified",
            int(lib.ESLURM_INVALID_NODE_NAME),
            "ESLURM_INVALID_NODE_NAME",
            f"loading node {name}",
        )

    # --- jobs -------------------------------------------------------------------------

    def jobs(
        self,
        *,
        users: str | int | Iterable[str | int] | None = None,
        accounts: str | Iterable[str] | None = None,
        partitions: str | Iterable[str] | None = None,
        states: JobState | str | Iterable[JobState | str] | None = None,
        job_ids: int | Iterable[int] | None = None,
    ) -> Snapshot[Job]:
        """The controller's queue, optionally filtered.

        Filters take one value or several (any of them matches; a string is one value, an
        empty list matches nothing): user names or uids, account names, partition names (a
        job pending in several partitions matches any), states (``JobState`` or its name),
        job ids (a job id of an array matches all its tasks). A bad value raises
        ``TypeError``/``ValueError`` naming it. Without filters, an unchanged queue gives
        back the same snapshot object.
        """
        # Checked before the load: a bad filter costs no RPC.
        wanted_users = _validate.user_filter("users", users)
        wanted_accounts = _validate.name_filter("accounts", accounts)
        wanted_parts = _validate.name_filter("partitions", partitions)
        wanted_states = _validate.enum_filter("states", states, JobState, "job state")
        wanted_ids = _validate.id_filter("job_ids", job_ids)
        snapshot: Snapshot[Job] = self._load("jobs")
        tests: list[Callable[[Job], bool]] = []
        if wanted_users is not None:
            # A name matches the user's name, or its uid written out; an int, the uid.
            user_texts = {str(u) for u in wanted_users}
            tests.append(lambda j: j.user_name in user_texts or str(j.user_id) in user_texts)
        if wanted_accounts is not None:
            account_set = set(wanted_accounts)
            tests.append(lambda j: j.account in account_set)
        if wanted_parts is not None:
            part_set = set(wanted_parts)
            tests.append(lambda j: bool(part_set & set((j.partition or "").split(","))))
        if wanted_states is not None:
            state_set = set(wanted_states)
            tests.append(lambda j: j.state in state_set)
        if wanted_ids is not None:
            id_set = set(wanted_ids)
            tests.append(
                lambda j: j.job_id in id_set or j.array_job_id in id_set or j.het_job_id in id_set
            )
        if not tests:
            return snapshot
        return Snapshot(
            tuple(j for j in snapshot if all(t(j) for t in tests)),
            snapshot.last_update,
            snapshot.key,
        )

    def job(self, job_id: int) -> Job:
        """One job; :class:`InvalidJobId` when the controller has none by that id."""
        _check_job_id(job_id)
        with native.api_lock:
            out = ffi.new("job_info_msg_t **")
            rc = lib.slurm_load_job(out, _job_arg(job_id), _SHOW_ALL | _SHOW_DETAIL)
            native.check(rc, f"loading job {job_id}")
            msg = out[0]
            try:
                jobs = _readers.jobs(msg)
            finally:
                lib.slurm_free_job_info_msg(msg)
        for record in jobs:
            if record.job_id == job_id:
                return record
        if jobs:
            return jobs[0]
        raise native.error_for(int(lib.ESLURM_INVALID_JOB_ID), f"loading job {job_id}")

    def queue_position(self, job_id: int) -> QueuePosition:
        """Where a pending job stands in its partitions' queue: its rank by priority (then
        submit time) among the jobs pending there, and how many they are.

        When this client already holds the queue (from :meth:`jobs`), that is refreshed and
        ranked, so an unchanged queue costs only the no-change RPC. Otherwise the queue is
        loaded and ranked on the few fields ranking needs, without making job records.
        :class:`InvalidJobId` when the controller has no such job.
        """
        _check_job_id(job_id)
        if "jobs" in self._cache or not hasattr(lib, _bulk_spec.QUEUE.function):
            found = _queue.position(self.jobs().records, job_id)
        else:
            # A load: thread-safe, outside api_lock (see _load).
            out = ffi.new("job_info_msg_t **")
            native.check(lib.slurm_load_jobs(0, out, _SHOW_ALL), "loading the queue")
            if out[0] == ffi.NULL:
                raise SlurmError("loading the queue: the controller sent no data")
            try:
                found = _queue.position_in_message(out[0], job_id)
            finally:
                lib.slurm_free_job_info_msg(out[0])
        if found is None:
            raise native.error_for(int(lib.ESLURM_INVALID_JOB_ID), f"ranking job {job_id}")
        return found

    def steps(self, job_id: int) -> tuple[JobStep, ...]:
        """The steps of a job (batch, extern and srun steps); empty when it has none."""
        _check_job_id(job_id)
        with native.api_lock:
            out = ffi.new("job_step_info_response_msg_t **")
            if _STEPS_BY_STEP_ID:
                # From 25.11 the call takes a step id struct instead of two integers.
                rc = lib.slurm_get_job_steps(_step_id(job_id), out, _SHOW_ALL)
            else:
                rc = lib.slurm_get_job_steps(0, job_id, lib.NO_VAL, out, _SHOW_ALL)
            native.check(rc, f"loading the steps of job {job_id}")
            msg = out[0]
            try:
                return tuple(
                    _readers.step(msg.job_steps[i]) for i in range(int(msg.job_step_count))
                )
            finally:
                lib.slurm_free_job_step_info_response_msg(msg)

    # --- the rest of the controller's state ---------------------------------------------

    def partitions(self) -> Snapshot[Partition]:
        """Every partition, hidden ones included."""
        return self._load("partitions")

    def reservations(self) -> Snapshot[Reservation]:
        return self._load("reservations")

    def licenses(self) -> Snapshot[License]:
        return self._load("licenses")

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

    # --- acting on jobs --------------------------------------------------------------
    # Job arguments are an id, or Slurm's text for a job ("12", "12_3" for one array task).

    def submit(self, spec: JobSpec) -> SubmitResult:
        """Submit a batch job; returns its id (and an array's task ids)."""
        from . import _submit

        return _submit.submit(spec)

    def will_run(self, spec: JobSpec) -> WillRun:
        """When and where ``spec`` would start, without submitting it (sbatch --test-only)."""
        from . import _submit

        return _submit.will_run(spec)

    def cancel(self, job: JobRef, signal: int | str | None = None) -> None:
        """Cancel a job, an array task or a whole array; with ``signal``, signal it instead."""
        from . import _control

        _control.cancel(job, signal)

    def signal(self, job: JobRef, signal: int | str, scope: str = "full") -> None:
        """Signal a running job: ``scope`` "full" (every process, the batch script too),
        "batch" (the batch script only) or "steps" (its steps only, scancel's default)."""
        from . import _control

        _control.send_signal(job, signal, scope)

    def hold(self, job: JobRef, user: bool = False) -> None:
        """Hold a pending job (``user=True``: a hold its owner may release)."""
        from . import _control

        _control.hold(job, user)

    def release(self, job: JobRef) -> None:
        from . import _control

        _control.release(job)

    def requeue(self, job: JobRef, hold: bool = False) -> None:
        from . import _control

        _control.requeue(job, hold)

    def suspend(self, job: JobRef) -> None:
        from . import _control

        _control.suspend(job)

    def resume(self, job: JobRef) -> None:
        """Resume a suspended job (for nodes, see :meth:`resume_nodes`)."""
        from . import _control

        _control.resume(job)

    def update_job(
        self,
        job: JobRef,
        *,
        time_limit: timedelta | int | Unlimited | None = None,
        partition: str | Iterable[str] | None = None,
        qos: str | None = None,
        account: str | None = None,
        priority: int | None = None,
        nice: int | None = None,
        name: str | None = None,
        dependency: str | None = None,
        comment: str | None = None,
    ) -> None:
        """Change a job (``scontrol update job``); ``None`` leaves a field as it is."""
        from . import _control

        _control.update_job(
            job,
            time_limit=time_limit,
            partition=partition,
            qos=qos,
            account=account,
            priority=priority,
            nice=nice,
            name=name,
            dependency=dependency,
            comment=comment,
        )

    # --- acting on nodes -------------------------------------------------------------
    # Nodes are a host list ("node[1-2]") or a list of names.

    def drain(self, nodes: str | Iterable[str], reason: str) -> None:
        """Let running jobs finish, start no new ones (``State=DRAIN``)."""
        from . import _control

        _control.update_node(nodes, state="DRAIN", reason=reason)

    def resume_nodes(self, nodes: str | Iterable[str]) -> None:
        """Return drained or down nodes to service (``State=RESUME``)."""
        from . import _control

        _control.update_node(nodes, state="RESUME")

    def down(self, nodes: str | Iterable[str], reason: str) -> None:
        """Mark nodes DOWN: the jobs running on them are killed."""
        from . import _control

        _control.update_node(nodes, state="DOWN", reason=reason)

    def update_node(
        self,
        nodes: str | Iterable[str],
        *,
        state: str | None = None,
        reason: str | None = None,
        weight: int | None = None,
        features: str | Iterable[str] | None = None,
        active_features: str | Iterable[str] | None = None,
        gres: str | None = None,
        comment: str | None = None,
    ) -> None:
        """Change nodes (``scontrol update node``). ``state``: DOWN, DRAIN, FAIL, RESUME,
        UNDRAIN, POWER_DOWN or POWER_UP; DOWN, DRAIN and FAIL need a ``reason``."""
        from . import _control

        _control.update_node(
            nodes,
            state=state,
            reason=reason,
            weight=weight,
            features=features,
            active_features=active_features,
            gres=gres,
            comment=comment,
        )

    # --- reservations ----------------------------------------------------------------

    def create_reservation(
        self,
        name: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        duration: timedelta | int | Unlimited | None = None,
        nodes: str | Iterable[str] | None = None,
        node_count: int | None = None,
        users: str | Iterable[str] | None = None,
        accounts: str | Iterable[str] | None = None,
        partition: str | None = None,
        flags: Iterable[str] | None = None,
        features: str | None = None,
    ) -> str:
        """Create a reservation and return its name.

        ``start`` defaults to now; give ``end`` or ``duration`` (minutes or timedelta),
        ``nodes`` (a host list, or "ALL") or ``node_count``, and ``users`` or ``accounts``.
        ``flags`` by scontrol's names: MAINT, IGNORE_JOBS, DAILY, WEEKLY, FLEX, ...
        """
        from . import _control

        return _control.create_reservation(
            name,
            start=start,
            end=end,
            duration=duration,
            nodes=nodes,
            node_count=node_count,
            users=users,
            accounts=accounts,
            partition=partition,
            flags=flags,
            features=features,
        )

    def update_reservation(
        self,
        name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        duration: timedelta | int | Unlimited | None = None,
        nodes: str | Iterable[str] | None = None,
        node_count: int | None = None,
        users: str | Iterable[str] | None = None,
        accounts: str | Iterable[str] | None = None,
        partition: str | None = None,
        flags: Iterable[str] | None = None,
        features: str | None = None,
    ) -> None:
        """Change a reservation; ``None`` leaves a field as it is."""
        from . import _control

        _control.update_reservation(
            name,
            start=start,
            end=end,
            duration=duration,
            nodes=nodes,
            node_count=node_count,
            users=users,
            accounts=accounts,
            partition=partition,
            flags=flags,
            features=features,
        )

    def delete_reservation(self, name: str) -> None:
        from . import _control

        _control.delete_reservation(name)

    # --- partitions --------------------------------------------------------------------

    def create_partition(
        self,
        name: str,
        *,
        nodes: str | Iterable[str] | None = None,
        state: str | None = None,
        max_time: timedelta | int | Unlimited | None = None,
        default_time: timedelta | int | Unlimited | None = None,
        max_nodes: int | Unlimited | None = None,
        min_nodes: int | None = None,
        priority_tier: int | None = None,
        allow_accounts: str | Iterable[str] | None = None,
        allow_qos: str | Iterable[str] | None = None,
        allow_groups: str | Iterable[str] | None = None,
        default: bool | None = None,
        hidden: bool | None = None,
        root_only: bool | None = None,
        exclusive_user: bool | None = None,
    ) -> None:
        """Create a partition. ``state``: UP, DOWN, DRAIN or INACTIVE; times in minutes or
        as timedelta; ``allow_*`` take names or "ALL"."""
        from . import _control

        _control.create_partition(
            name,
            nodes=nodes,
            state=state,
            max_time=max_time,
            default_time=default_time,
            max_nodes=max_nodes,
            min_nodes=min_nodes,
            priority_tier=priority_tier,
            allow_accounts=allow_accounts,
            allow_qos=allow_qos,
            allow_groups=allow_groups,
            default=default,
            hidden=hidden,
            root_only=root_only,
            exclusive_user=exclusive_user,
        )

    def update_partition(
        self,
        name: str,
        *,
        nodes: str | Iterable[str] | None = None,
        state: str | None = None,
        max_time: timedelta | int | Unlimited | None = None,
        default_time: timedelta | int | Unlimited | None = None,
        max_nodes: int | Unlimited | None = None,
        min_nodes: int | None = None,
        priority_tier: int | None = None,
        allow_accounts: str | Iterable[str] | None = None,
        allow_qos: str | Iterable[str] | None = None,
        allow_groups: str | Iterable[str] | None = None,
        default: bool | None = None,
        hidden: bool | None = None,
        root_only: bool | None = None,
        exclusive_user: bool | None = None,
    ) -> None:
        """Change a partition; ``None`` leaves a setting as it is."""
        from . import _control

        _control.update_partition(
            name,
            nodes=nodes,
            state=state,
            max_time=max_time,
            default_time=default_time,
            max_nodes=max_nodes,
            min_nodes=min_nodes,
            priority_tier=priority_tier,
            allow_accounts=allow_accounts,
            allow_qos=allow_qos,
            allow_groups=allow_groups,
            default=default,
            hidden=hidden,
            root_only=root_only,
            exclusive_user=exclusive_user,
        )

    def delete_partition(self, name: str) -> None:
        from . import _control

        _control.delete_partition(name)


# Every public call of a client goes to its cluster (see slurmlib._working): the methods
# are wrapped as the class is made, so that no call can be left out.
_NOT_ADDRESSED = frozenset({"forget", "known_clusters"})
for _name, _member in list(vars(Cluster).items()):
    if not _name.startswith("_") and _name not in _NOT_ADDRESSED and callable(_member):
        setattr(Cluster, _name, _working.addressed(_member))
del _name, _member

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


def _populate_node_partitions(node_msg: Any) -> None:
    """Fill each node's ``partitions``, as scontrol does: the controller leaves it empty for
    nodes that have not registered; libslurm fills it from a partition message."""
    parts = ffi.new("partition_info_msg_t **")
    native.check(lib.slurm_load_partitions(0, parts, _SHOW_ALL), "loading partitions")
    try:
        lib.slurm_populate_node_partitions(node_msg, parts[0])
    finally:
        lib.slurm_free_partition_info_msg(parts[0])


_STEPS_BY_STEP_ID = len(ffi.typeof(lib.slurm_get_job_steps).args) == 3
# 26.05 renamed the free of slurm_load_ctl_conf's answer.
_free_conf = (
    lib.slurm_free_ctl_conf
    if native.capabilities.has_function("slurm_free_ctl_conf")
    else lib.slurm_free_conf
)


def _step_id(job_id: int, step_id: int = int(lib.NO_VAL)) -> Any:
    """A ``slurm_step_id_t *`` as SLURM_STEP_ID_INITIALIZER makes it, for one job."""
    wanted = ffi.new("slurm_step_id_t *")
    for name, _ in ffi.typeof("slurm_step_id_t").fields:
        if name != "sluid":
            setattr(wanted, name, lib.NO_VAL)
    wanted.job_id = job_id
    wanted.step_id = step_id
    return wanted


# From 26.05 calls that name a job take a slurm_step_id_t by value, not a job id.
_LOAD_JOB_BY_STEP_ID = ffi.typeof(lib.slurm_load_job).args[1].cname == "slurm_step_id_t"


def _job_arg(job_id: int) -> Any:
    return _step_id(job_id)[0] if _LOAD_JOB_BY_STEP_ID else job_id


def _check_job_id(job_id: object) -> None:
    if not isinstance(job_id, int) or isinstance(job_id, bool) or not 0 < job_id < 2**32:
        raise ValueError(f"job_id must be a positive 32-bit integer, not {job_id!r}")
