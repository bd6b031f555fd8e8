"""The controller's lists, as snapshots: nodes, jobs, partitions, reservations, licenses,
and the one-item reads beside them (a node, a job, a job's steps, a job's queue position).

Every load copies the controller's message into records and frees the message before it
returns. Loads are incremental: the client remembers the ``last_update`` of the previous
message of each kind and passes it as ``update_time``; when the controller answers that
nothing changed, the same snapshot object comes back and nothing is converted again.

:class:`SnapshotReads` is a part of :class:`~slurmlib.Cluster` (its state: the remembered
messages, one lock per kind); this module is the machinery and the reads made with it.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from . import _queue, _readers, _validate, native
from ._build import bulk_spec as _bulk_spec
from ._native_threads import Beside
from .convert import timestamp
from .errors import InvalidNodeName, SlurmError
from .native import ffi, lib
from .records import (
    Job,
    JobStep,
    License,
    Node,
    Partition,
    QueuePosition,
    Record,
    Reservation,
    Snapshot,
)
from .states import JobState

__all__ = ["NodePartitions", "SnapshotReads"]

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
    # Made before the RPC (told whether this is a first load, whose message will be
    # converted for sure); its apply() runs on the C message before converting.
    prepare: Callable[[bool], NodePartitions] | None = None


@dataclass
class _Cached(Generic[R]):
    update_time: int
    snapshot: Snapshot[R]


def _loaders() -> dict[str, _Loader[Any]]:
    """How each list is loaded, converted and freed."""
    return {
        "nodes": _Loader(
            "nodes",
            Node,
            "node_info_msg_t",
            lambda t, out: lib.slurm_load_node(t, out, _SHOW_ALL | _SHOW_DETAIL),
            lib.slurm_free_node_info_msg,
            _readers.nodes,
            prepare=NodePartitions,
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


class SnapshotReads:
    """The list reads of :class:`~slurmlib.Cluster`, and the incremental loads under them."""

    # A client's own table (a test may replace an entry), its remembered messages, and one
    # lock per kind.
    _loaders: dict[str, _Loader[Any]]
    _cache: dict[str, _Cached[Any]]
    _kind_locks: dict[str, threading.Lock]

    def _start_snapshots(self) -> None:
        """Nothing remembered yet (called by the client's constructor)."""
        self._loaders = _loaders()
        self._cache = {}
        self._kind_locks = {kind: threading.Lock() for kind in self._loaders}

    def _load(self, kind: str) -> Snapshot[Any]:
        loader = self._loaders[kind]
        # One load of a kind at a time (a second caller then gets the no-change answer);
        # loads of different kinds run side by side: the loading RPCs are thread-safe
        # (slurmrestd runs them from its worker threads at once), so they are not behind
        # native.api_lock. One thread's load of the nodes is then answered while another's
        # load of the queue waits for the controller.
        with self._kind_locks[kind]:
            cached = self._cache.get(kind)
            prepared = loader.prepare(cached is None) if loader.prepare is not None else None
            try:
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
                    update_time = int(msg.last_update)
                    if prepared is not None:
                        prepared.apply(msg)
                    records = tuple(loader.convert(msg))
                finally:
                    # Inline: freed from another thread, beside the build, the message
                    # made a first load of 50,000 jobs slower (1.36x the bare RPC, not
                    # 1.18x): the build then cannot reuse the memory it gives back.
                    loader.free(msg)
            finally:
                if prepared is not None:
                    prepared.close()
            key: str = loader.record._key
            snapshot = Snapshot(records, timestamp(update_time), key)
            self._cache[kind] = _Cached(update_time, snapshot)
            return snapshot

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
            partitions = NodePartitions(beside=True)
            try:
                rc = lib.slurm_load_node_single(out, name.encode(), _SHOW_ALL | _SHOW_DETAIL)
                native.check(rc, f"loading node {name}")
                msg = out[0]
                try:
                    partitions.apply(msg)
                    for record in _readers.nodes(msg):
                        if record.name == name:
                            return record
                finally:
                    lib.slurm_free_node_info_msg(msg)
            finally:
                partitions.close()
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
        _validate.check_job_id(job_id)
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
        _validate.check_job_id(job_id)
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
        _validate.check_job_id(job_id)
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

    # --- partitions, reservations, licenses ---------------------------------------------

    def partitions(self) -> Snapshot[Partition]:
        """Every partition, hidden ones included."""
        return self._load("partitions")

    def reservations(self) -> Snapshot[Reservation]:
        return self._load("reservations")

    def licenses(self) -> Snapshot[License]:
        return self._load("licenses")


class NodePartitions:
    """Fills each node's ``partitions``, as scontrol does: the controller leaves it empty for
    nodes that have not registered; libslurm fills it from a partition message.

    With ``beside``, that message is loaded from now on in a native thread, beside the
    nodes' own RPC (a first load, whose nodes will be converted for sure); otherwise by
    :meth:`apply`, once the nodes came back changed. :meth:`close` joins and frees.
    """

    def __init__(self, beside: bool = False) -> None:
        self._out = ffi.new("partition_info_msg_t **")
        self._beside = Beside("slurmlib_load_all_partitions", self._out) if beside else None

    def apply(self, node_msg: Any) -> None:
        """Fill the partitions of ``node_msg``'s nodes."""
        if self._beside is not None:
            rc, error = self._beside.result()
        else:
            rc = lib.slurm_load_partitions(0, self._out, _SHOW_ALL)
            error = ffi.errno
        if rc != 0:
            native.check(rc if rc > 0 else (error or errno.EIO), "loading partitions")
        try:
            lib.slurm_populate_node_partitions(node_msg, self._out[0])
        finally:
            self.close()

    def close(self) -> None:
        """Wait for a load started beside, and free the partition message."""
        if self._beside is not None:
            self._beside.result()
        if self._out[0] != ffi.NULL:
            lib.slurm_free_partition_info_msg(self._out[0])
            self._out[0] = ffi.NULL


# From 25.11 slurm_get_job_steps takes a step id struct instead of two integers.
_STEPS_BY_STEP_ID = len(ffi.typeof(lib.slurm_get_job_steps).args) == 3


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
