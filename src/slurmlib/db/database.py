"""A connection to slurmdbd: accounting reads with filters, and transactional writes."""

from __future__ import annotations

import dataclasses
import errno
import os
import pwd
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from .. import _bulk, _validate, native
from ..errors import (
    DatabaseUnavailable,
    InvalidAccount,
    InvalidQos,
    InvalidUser,
    SlurmError,
)
from ..native import capabilities, ffi, lib
from ..states import JobState
from . import _convert, _lists, _nodelay, _settings, _usage
from ._structs import Built
from .records import (
    Account,
    Association,
    Cluster,
    ClusterUsage,
    DbJob,
    DbReservation,
    Event,
    QoS,
    Tres,
    Usage,
    User,
)

__all__ = ["Database", "connect"]

T = TypeVar("T")

SNAPSHOT_SECONDS = 1.0
"""Reads of one connection this close together share a database snapshot."""

_JOB_FLAG_NOTSET = int(lib.SLURMDB_JOB_FLAG_NOTSET)
_NO_TRUNC = int(lib.JOBCOND_FLAG_NO_TRUNC)
_NO_STEP = int(lib.JOBCOND_FLAG_NO_STEP)
_ADMIN_LEVELS = {
    "None": lib.SLURMDB_ADMIN_NONE,
    "Operator": lib.SLURMDB_ADMIN_OPERATOR,
    "Administrator": lib.SLURMDB_ADMIN_SUPER_USER,
}
_EVENT_KINDS = {
    None: lib.SLURMDB_EVENT_ALL,
    "node": lib.SLURMDB_EVENT_NODE,
    "cluster": lib.SLURMDB_EVENT_CLUSTER,
}


def connect(config: str | os.PathLike[str] | None = None) -> Database:
    """Open a connection to slurmdbd (``with slurmlib.db.connect() as db: ...``)."""
    return Database(config)


def _epoch(value: datetime | None, field: str) -> int:
    if value is None:
        return 0
    if not isinstance(value, datetime):
        raise TypeError(f"{field} must be a datetime, not {value!r}")
    return int(value.timestamp())


class Database:
    """One slurmdbd connection.

    Reads return owned records. Writes (``add_*``, ``modify_*``, ``remove_*``) are applied
    by slurmdbd inside this connection's transaction and become visible to others only
    when :meth:`commit` is called; :meth:`rollback` — or leaving the ``with`` block by an
    exception, or closing without a commit — discards them.
    """

    def __init__(self, config: str | os.PathLike[str] | None = None) -> None:
        native.init(config)
        self._conn: Any = ffi.NULL
        self._dirty = False
        self._snapshot_since: float | None = None
        with native.api_lock:
            flags = ffi.new("uint16_t *")
            before = _nodelay.sockets()
            conn = lib.slurmdb_connection_get(flags)
            code = ffi.errno
            if conn != ffi.NULL:
                _nodelay.no_delay(_nodelay.sockets() - before)
        if conn == ffi.NULL:
            raise _unavailable(code, "connecting to slurmdbd")
        self._conn = conn
        native.close_before_fini(self)
        try:
            self._names = self._load_names()
        except BaseException:
            self._close()
            raise
        self.cluster_name: str = _lists.text_or_empty(lib.slurm_conf.cluster_name)

    # --- life cycle ------------------------------------------------------------------------

    def __enter__(self) -> Database:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        # close() rolls back what was not committed; an error doing so never hides the
        # exception that ended the block.
        self.close()

    def __del__(self) -> None:
        # The backstop: a connection dropped without close() still ends its transaction.
        if getattr(self, "_conn", ffi.NULL) != ffi.NULL:
            self._close()

    @property
    def closed(self) -> bool:
        return bool(self._conn == ffi.NULL)

    def close(self) -> None:
        """Close the connection; changes not committed are discarded."""
        if self._conn == ffi.NULL:
            return
        try:
            if self._dirty:
                self.rollback()
        except SlurmError:
            # slurmdbd discards a connection's uncommitted work when the connection ends;
            # a rollback refused on the way out (26.05 answers EIO after it refused a
            # non-admin's write) leaves nothing behind that closing does not end too.
            pass
        finally:
            self._close()

    def _close(self) -> None:
        with native.api_lock:
            holder = ffi.new("void **", self._conn)
            self._conn = ffi.NULL
            if native.finalised():
                return  # after slurm_fini at exit: libslurm's state is gone, nothing to end
            lib.slurmdb_connection_close(holder)

    def commit(self) -> None:
        """Make this connection's writes permanent and visible to everyone."""
        self._end_transaction(True)

    def rollback(self) -> None:
        """Discard this connection's writes since the last commit."""
        self._end_transaction(False)

    def _end_transaction(self, commit: bool) -> None:
        conn = self._connection()
        with native.api_lock:
            # slurmdbd may close a connection on which it refused a write ("Security
            # violation" in its log; seen on 24.11 and 26.05), ending its transaction with
            # it. libslurm notices only when a later request gets no answer: SLURM_ERROR
            # with no errno or an OS one (EAGAIN), never one of Slurm's own codes (from
            # SLURM_UNEXPECTED_MSG_ERROR up). One or two requests fail so, at once, as the
            # close and the reset arrive; the next reconnects and ends the new connection's
            # empty transaction. A failure that took its time is a slurmdbd that does not
            # answer: not tried again. The lines of the failed tries ("Getting response to
            # message type") are taken so that they join no later error.
            for left in reversed(range(_END_TRIES)):
                started = time.monotonic()
                rc, code = self._send_end(conn, commit)
                lost = rc < 0 and code < lib.SLURM_UNEXPECTED_MSG_ERROR
                if not (lost and left) or time.monotonic() - started > _END_RETRY_WITHIN:
                    break
                native.take_libslurm_log()
        self._dirty = False
        self._snapshot_since = None
        self._names = self._load_names()
        if rc != 0:
            raise _error(rc if rc > 0 else code, "committing" if commit else "rolling back")

    @staticmethod
    def _send_end(conn: Any, commit: bool) -> tuple[int, int]:
        # libslurm's commit takes a stale errno for its own failure: after a write slurmdbd
        # refused, the refusal's ESLURM_ACCESS_DENIED made the next commit or rollback fail
        # too (seen on 22.05).
        ffi.errno = 0
        rc = int(lib.slurmdb_connection_commit(conn, commit))
        return rc, ffi.errno

    def _connection(self) -> Any:
        if self._conn == ffi.NULL:
            raise ValueError("the slurmdbd connection is closed")
        return self._conn

    def _read_connection(self) -> Any:
        """The connection, for a read that sees what others committed since the last one.

        slurmdbd runs each connection in one database transaction, and the database gives a
        transaction the snapshot of its first read: left alone, a long-lived connection
        would read the same jobs for ever. Without uncommitted writes, a snapshot older than
        :data:`SNAPSHOT_SECONDS` is ended (a rollback of nothing) before the read; reads
        closer together share one snapshot, which spares a round trip per read (~45 ms on
        Slurm 22.05); a new snapshot reloads the TRES and QoS names. With writes pending,
        reads see the transaction's own view until :meth:`commit` or :meth:`rollback`.
        """
        conn = self._connection()
        now = time.monotonic()
        stale = self._snapshot_since is not None and now - self._snapshot_since > SNAPSHOT_SECONDS
        if stale and not self._dirty:
            with native.api_lock:
                rc = lib.slurmdb_connection_commit(conn, False)
            self._snapshot_since = now
            # When that failed, slurmdbd is most likely gone: the read itself then says so
            # with its own error (DatabaseUnavailable), or succeeds if the plugin reconnected.
            if rc == 0:
                # The new snapshot's TRES and QoS, which records are named by.
                self._names = self._load_names()
        if self._snapshot_since is None:
            self._snapshot_since = now
        return conn

    # --- calling -------------------------------------------------------------------------

    def _get(
        self,
        call: Callable[[Any, Any], Any],
        cond: Built | None,
        ctype: str,
        convert: Callable[[Any], T],
        what: str,
    ) -> tuple[T, ...]:
        """A ``slurmdb_*_get``: call with the cond, copy every record out, free the list."""
        return self._get_all(
            call,
            cond,
            lambda xlist: tuple(convert(item) for item in _lists.walk(xlist, ctype)),
            what,
        )

    def _get_all(
        self,
        call: Callable[[Any, Any], Any],
        cond: Built | None,
        convert: Callable[[Any], tuple[T, ...]],
        what: str,
    ) -> tuple[T, ...]:
        """A ``slurmdb_*_get`` whose whole list ``convert`` copies out; the list is freed."""
        conn = self._read_connection()
        with native.api_lock:
            ffi.errno = 0
            xlist = call(conn, cond.ptr if cond is not None else ffi.NULL)
            code = ffi.errno
            if xlist == ffi.NULL:
                raise _error(code, what)
            # Records hold no cycles: the collector would only walk them, over and over,
            # while hundreds of thousands of accounting records are built.
            with _lists.Owned(xlist), _bulk.no_collection():
                return convert(xlist)

    def _changed(self, call: Callable[[], Any], what: str) -> tuple[str, ...]:
        """A ``slurmdb_*_modify``/``_remove``: the list of what changed, as text."""
        self._connection()
        with native.api_lock:
            ffi.errno = 0
            xlist = call()
            code = ffi.errno
            self._dirty = True
            if xlist == ffi.NULL:
                if code in (0, lib.SLURM_NO_CHANGE_IN_DATA):
                    return ()
                raise _error(code, what)
            with _lists.Owned(xlist):
                return tuple(" ".join(s.split()) for s in _lists.strings(xlist))

    def _added(self, call: Callable[[Any, Any], int], records: list[Built], what: str) -> None:
        """A ``slurmdb_*_add``: hand Slurm a list of records whose shells Python owns."""
        conn = self._connection()
        with native.api_lock:
            xlist = _lists.record_list()
            try:
                for record in records:
                    lib.slurm_list_append(xlist, record.ptr)
                ffi.errno = 0
                rc = call(conn, xlist)
                code = ffi.errno
                self._dirty = True
            finally:
                lib.slurm_list_destroy(xlist)  # no destructor: the records stay Python's
                for record in records:
                    record.release()
            if rc != 0:
                raise _error(rc if rc > 0 else code, what)

    def _may_write_associations(self) -> bool:
        """Whether this process's user may write associations at all: root and SlurmUser,
        an Operator or Administrator, or a coordinator of some account."""
        uid = os.getuid()
        if uid in (0, int(lib.slurm_conf.slurm_user_id)):
            return True
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            return False
        return any(
            user.admin_level != "None" or user.coordinated_accounts
            for user in self.users(names=[name], with_coords=True)
        )

    # --- names -------------------------------------------------------------------------

    def _load_names(self) -> _convert.Names:
        names = _convert.Names()
        names.tres = {t.id: t.key for t in self._tres_records()}
        with Built("slurmdb_qos_cond_t") as cond:
            for q in self._get(
                lib.slurmdb_qos_get,
                cond,
                "slurmdb_qos_rec_t",
                lambda c: (int(c.id), _lists.text_or_empty(c.name)),
                "loading QoS names",
            ):
                names.qos[q[0]] = q[1]
        return names

    def _tres_records(self) -> tuple[Tres, ...]:
        with Built("slurmdb_tres_cond_t") as cond:
            return self._get(
                lib.slurmdb_tres_get, cond, "slurmdb_tres_rec_t", _convert.tres, "loading TRES"
            )

    # --- reads ---------------------------------------------------------------------------
    # Filters are checked by slurmlib._validate, the rule shared with the controller's reads:
    # None is no filter, a string one value, an empty list matches nothing.

    def _clusters(self, clusters: object, default: str | None = "") -> tuple[str, ...] | None:
        """The clusters a query is about: the local one unless named (``default=None``:
        every cluster), ``"all"`` for every cluster slurmdbd knows. Named explicitly where
        there is a default: slurmdbd 22.05 crashes on an event query without a cluster
        list."""
        named = _validate.cluster_filter("clusters", clusters)
        if named is None:
            return None if default is None else (default or self.cluster_name,)
        if named == _validate.ALL_CLUSTERS:
            return None if default is None else tuple(c.name for c in self.clusters())
        return tuple(named)

    _name_charset: str | None = None
    """The character set (Python's name) that the database's names have shown to be in,
    once a read has been refused for a name outside it; None until then."""

    def _matching(
        self,
        fetch: Callable[..., tuple[T, ...]],
        **filters: tuple[str, ...] | None,
    ) -> tuple[T, ...]:
        """``fetch(**filters)``: a read by names, where a name the database cannot hold
        matches nothing.

        slurmdbd compares names in SQL, and the database refuses the whole query
        (MySQL error 1267, "Illegal mix of collations") when a name has a character that
        its tables' character set lacks (latin1, MariaDB's default, has no kana or emoji).
        No record can carry such a name: the read is made again without those names (first
        keeping what latin1 holds, then ASCII), and a filter left empty matches nothing.
        The character set that worked is remembered, so that later reads of the connection
        leave such names out at once, without a refused query.
        """
        charsets: tuple[str, ...] = ("latin-1", "ascii")
        if self._name_charset is not None:
            filters = _keeping(filters, self._name_charset)
            charsets = charsets[charsets.index(self._name_charset) + 1 :]
        if any(values == () for values in filters.values()):
            return ()
        try:
            return fetch(**filters)
        except SlurmError as exc:
            if exc.code != _ILLEGAL_MIX_OF_COLLATIONS:
                raise
            refused = exc
        for charset in charsets:
            kept = _keeping(filters, charset)
            if kept == filters:
                continue
            if any(values == () for values in kept.values()):
                self._name_charset = charset
                return ()
            try:
                found = fetch(**kept)
            except SlurmError as exc:
                if exc.code != _ILLEGAL_MIX_OF_COLLATIONS:
                    raise
                refused, filters = exc, kept
                continue
            self._name_charset = charset
            return found
        names = sorted({v for values in filters.values() for v in values or () if not v.isascii()})
        raise SlurmError(
            f"the database cannot compare the names {names} with its tables' character set "
            f"({refused.message})",
            refused.code,
            refused.code_name,
            refused.context,
        ) from refused

    def tres(self) -> tuple[Tres, ...]:
        """Every TRES the database tracks (``sacctmgr show tres``)."""
        return self._tres_records()

    def clusters(self, *, names: str | Iterable[str] | None = None) -> tuple[Cluster, ...]:
        """The clusters registered in the database (``sacctmgr show cluster``)."""

        def fetch(names: tuple[str, ...] | None) -> tuple[Cluster, ...]:
            with Built("slurmdb_cluster_cond_t") as cond:
                lib.slurmdb_init_cluster_cond(cond.ptr, False)
                cond.strings("cluster_list", names)
                return self._get(
                    lib.slurmdb_clusters_get,
                    cond,
                    "slurmdb_cluster_rec_t",
                    lambda c: _convert.cluster(c, self._names),
                    "loading clusters",
                )

        return self._matching(fetch, names=_validate.name_filter("names", names))

    def qos(self, *, names: str | Iterable[str] | None = None) -> tuple[QoS, ...]:
        """QoS with their limits (``sacctmgr show qos``); all of them without ``names``."""

        def fetch(names: tuple[str, ...] | None) -> tuple[QoS, ...]:
            with Built("slurmdb_qos_cond_t") as cond:
                cond.strings("name_list", names)
                return self._get(
                    lib.slurmdb_qos_get,
                    cond,
                    "slurmdb_qos_rec_t",
                    lambda c: _convert.qos(c, self._names),
                    "loading QoS",
                )

        return self._matching(fetch, names=_validate.name_filter("names", names))

    def accounts(
        self,
        *,
        names: str | Iterable[str] | None = None,
        with_assocs: bool = False,
        with_coords: bool = False,
    ) -> tuple[Account, ...]:
        """Accounts (``sacctmgr show account``), optionally with their associations and
        coordinators."""

        def fetch(names: tuple[str, ...] | None) -> tuple[Account, ...]:
            with Built("slurmdb_account_cond_t") as cond:
                assoc = cond.nested("assoc_cond", "slurmdb_assoc_cond_t")
                assoc.strings("acct_list", names)
                if with_assocs:
                    cond.flag("with_assocs", "SLURMDB_ACCT_FLAG_WASSOC")
                if with_coords:
                    cond.flag("with_coords", "SLURMDB_ACCT_FLAG_WCOORD")
                return self._get(
                    lib.slurmdb_accounts_get,
                    cond,
                    "slurmdb_account_rec_t",
                    lambda c: _convert.account(c, self._names),
                    "loading accounts",
                )

        return self._matching(fetch, names=_validate.name_filter("names", names))

    def users(
        self,
        *,
        names: str | Iterable[str] | None = None,
        with_assocs: bool = False,
        with_coords: bool = False,
    ) -> tuple[User, ...]:
        """Users (``sacctmgr show user``), optionally with their associations and the
        accounts they coordinate."""

        def fetch(names: tuple[str, ...] | None) -> tuple[User, ...]:
            with Built("slurmdb_user_cond_t") as cond:
                assoc = cond.nested("assoc_cond", "slurmdb_assoc_cond_t")
                assoc.strings("user_list", names)
                # slurmdbd finds a user's default account among its associations: ask for
                # them always, and keep them only when the caller wants them.
                cond.ptr.with_assocs = 1
                cond.ptr.with_coords = with_coords
                return self._get(
                    lib.slurmdb_users_get,
                    cond,
                    "slurmdb_user_rec_t",
                    lambda c: _convert.user(c, self._names),
                    "loading users",
                )

        users = self._matching(fetch, names=_validate.name_filter("names", names))
        if with_assocs:
            return users
        return tuple(dataclasses.replace(u, associations=()) for u in users)

    def associations(
        self,
        *,
        users: str | Iterable[str] | None = None,
        accounts: str | Iterable[str] | None = None,
        partitions: str | Iterable[str] | None = None,
        clusters: str | Iterable[str] | None = None,
    ) -> tuple[Association, ...]:
        """Associations (``sacctmgr show assoc``) with the limits set on each."""

        def fetch(
            users: tuple[str, ...] | None,
            accounts: tuple[str, ...] | None,
            partitions: tuple[str, ...] | None,
            clusters: tuple[str, ...] | None,
        ) -> tuple[Association, ...]:
            with Built("slurmdb_assoc_cond_t") as cond:
                cond.strings("user_list", users)
                cond.strings("acct_list", accounts)
                cond.strings("partition_list", partitions)
                cond.strings("cluster_list", clusters)
                return self._get(
                    lib.slurmdb_associations_get,
                    cond,
                    "slurmdb_assoc_rec_t",
                    lambda c: _convert.association(c, self._names),
                    "loading associations",
                )

        return self._matching(
            fetch,
            users=_validate.name_filter("users", users),
            accounts=_validate.name_filter("accounts", accounts),
            partitions=_validate.name_filter("partitions", partitions),
            clusters=self._clusters(clusters, default=None),
        )

    def jobs(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        users: str | int | Iterable[str | int] | None = None,
        accounts: str | Iterable[str] | None = None,
        partitions: str | Iterable[str] | None = None,
        states: JobState | str | Iterable[JobState | str] | None = None,
        job_ids: int | Iterable[int] | None = None,
        clusters: str | Iterable[str] | None = None,
        with_steps: bool = True,
    ) -> tuple[DbJob, ...]:
        """Jobs as accounting recorded them (what ``sacct`` shows), steps included.

        ``start``/``end`` select jobs that were eligible or running in that window, as
        sacct's ``-S``/``-E`` do (default: all records; with ``states``, jobs in those
        states during the window). Filters take one value or several (any matches; a
        string is one value, an empty list matches nothing): user names or uids, accounts,
        partitions, states (``JobState`` or name), job ids (an array job's id selects all
        its tasks). The local cluster unless ``clusters`` names others (``"all"``: every
        cluster of the database); each job's ``cluster`` says whose it is.
        """
        uids = _uids(_validate.user_filter("users", users))
        wanted_states = _validate.enum_filter("states", states, JobState, "job state")
        state_values = None if wanted_states is None else tuple(str(int(s)) for s in wanted_states)
        ids = _validate.id_filter("job_ids", job_ids)
        usage_start = _epoch(start, "start")
        usage_end = _epoch(end, "end")
        if () in (uids, state_values, ids):
            return ()

        def fetch(
            accounts: tuple[str, ...] | None,
            partitions: tuple[str, ...] | None,
            clusters: tuple[str, ...] | None,
        ) -> tuple[DbJob, ...]:
            with Built("slurmdb_job_cond_t") as cond:
                c = cond.ptr
                c.db_flags = _JOB_FLAG_NOTSET
                c.flags = _NO_TRUNC | (0 if with_steps else _NO_STEP)
                c.usage_start = usage_start
                c.usage_end = usage_end
                cond.strings("userid_list", uids)
                cond.strings("acct_list", accounts)
                cond.strings("partition_list", partitions)
                cond.strings("state_list", state_values)
                cond.strings("cluster_list", clusters)
                keep = _set_step_list(cond, ids)
                try:
                    return self._get_all(
                        lib.slurmdb_jobs_get,
                        cond,
                        lambda xlist: _convert.jobs(xlist, self._names, with_steps),
                        "loading accounting jobs",
                    )
                finally:
                    del keep

        return self._matching(
            fetch,
            accounts=_validate.name_filter("accounts", accounts),
            partitions=_validate.name_filter("partitions", partitions),
            clusters=self._clusters(clusters),
        )

    def events(
        self,
        *,
        nodes: str | Iterable[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        kind: str | None = None,
        clusters: str | Iterable[str] | None = None,
    ) -> tuple[Event, ...]:
        """Node and cluster events (``sacctmgr show event``): when nodes went down or were
        drained, why, and by whom. ``kind``: ``"node"``, ``"cluster"`` or None for both.
        ``nodes``: node names or host lists (``"node[1-2]"``)."""
        if kind not in _EVENT_KINDS:
            raise ValueError(f"kind must be 'node', 'cluster' or None, not {kind!r}")
        period_start = _epoch(start, "start")
        period_end = _epoch(end, "end")

        def fetch(
            nodes: tuple[str, ...] | None, clusters: tuple[str, ...] | None
        ) -> tuple[Event, ...]:
            with Built("slurmdb_event_cond_t") as cond:
                cond.ptr.event_type = _EVENT_KINDS[kind]
                cond.ptr.period_start = period_start
                cond.ptr.period_end = period_end
                cond.ptr.cpus_min = 0
                cond.text("node_list", None if nodes is None else ",".join(nodes))
                cond.strings("cluster_list", clusters)
                return self._get(
                    lib.slurmdb_events_get,
                    cond,
                    "slurmdb_event_rec_t",
                    lambda c: _convert.event(c, self._names),
                    "loading events",
                )

        return self._matching(
            fetch,
            nodes=_validate.name_filter("nodes", nodes),
            clusters=self._clusters(clusters),
        )

    def reservations(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        names: str | Iterable[str] | None = None,
        clusters: str | Iterable[str] | None = None,
    ) -> tuple[DbReservation, ...]:
        """Reservations as accounting recorded them (``sacctmgr show reservation``)."""
        time_start = _epoch(start, "start")
        time_end = _epoch(end, "end")

        def fetch(
            names: tuple[str, ...] | None, clusters: tuple[str, ...] | None
        ) -> tuple[DbReservation, ...]:
            with Built("slurmdb_reservation_cond_t") as cond:
                cond.ptr.time_start = time_start
                cond.ptr.time_end = time_end
                cond.strings("name_list", names)
                cond.strings("cluster_list", clusters)
                return self._get(
                    lib.slurmdb_reservations_get,
                    cond,
                    "slurmdb_reservation_rec_t",
                    lambda c: _convert.reservation(c, self._names),
                    "loading reservations",
                )

        return self._matching(
            fetch,
            names=_validate.name_filter("names", names),
            clusters=self._clusters(clusters),
        )

    def usage(
        self,
        *,
        start: datetime,
        end: datetime,
        by: str = "account",
        clusters: str | Iterable[str] | None = None,
        accounts: str | Iterable[str] | None = None,
        users: str | Iterable[str] | None = None,
    ) -> tuple[Usage, ...] | tuple[ClusterUsage, ...]:
        """TRES-minutes used over ``[start, end)`` from slurmdbd's rolled-up usage (what
        ``sreport`` prints; slurmdbd rolls usage up once an hour).

        ``by="account"``: one :class:`Usage` per account (``user`` None) and per user in
        it; ``by="user"``: one per user and account; ``by="cluster"``: one
        :class:`ClusterUsage` per cluster and TRES (allocated, down, idle, ...).
        """
        if by not in ("account", "user", "cluster"):
            raise ValueError(f"by must be 'account', 'user' or 'cluster', not {by!r}")
        period = (_epoch(start, "start"), _epoch(end, "end"))
        if period[0] >= period[1]:
            raise ValueError(f"start must be before end: {start} .. {end}")
        if by == "cluster":

            def by_cluster(clusters: tuple[str, ...]) -> tuple[ClusterUsage, ...]:
                conn = self._read_connection()
                with native.api_lock:
                    return _usage.clusters(conn, period, self._names, clusters)

            return self._matching(by_cluster, clusters=self._clusters(clusters))

        def by_association(
            clusters: tuple[str, ...],
            accounts: tuple[str, ...] | None,
            users: tuple[str, ...] | None,
        ) -> tuple[Usage, ...]:
            conn = self._read_connection()
            with native.api_lock:
                return _usage.associations(conn, period, self._names, by, clusters, accounts, users)

        return self._matching(
            by_association,
            clusters=self._clusters(clusters),
            accounts=_validate.name_filter("accounts", accounts),
            users=_validate.name_filter("users", users),
        )

    def roll_usage(self, *, start: datetime, end: datetime | None = None) -> None:
        """Recompute the rolled-up usage (hourly, daily, monthly) from ``start`` to ``end``
        (the last hour that is over when None), as slurmdbd does once an hour — after
        accounting records of a past period were fixed or loaded, say. An administrator's
        write: applied by :meth:`commit`.
        """
        first, last = _epoch(start, "start"), _epoch(end, "end")
        if first <= 0:
            raise ValueError(f"start must be a time after 1970, not {start!r}")
        if end is not None and last <= first:
            raise ValueError(f"start must be before end: {start} .. {end}")
        conn = self._connection()
        with native.api_lock:
            ffi.errno = 0
            rc = lib.slurmdb_usage_roll(conn, first, last, 0, ffi.NULL)
            code = ffi.errno
            self._dirty = True
        if rc != 0:
            raise _error(rc if rc > 0 else code, "rolling up usage")

    # --- writes: QoS -----------------------------------------------------------------------

    def add_qos(self, name: str, **settings: Any) -> None:
        """Add a QoS with limits; settings are the fields of :class:`QoS` (``priority``,
        ``flags``, ``preempt`` (QoS names), ``grp_tres`` (``{"cpu": 8}``), ``max_wall_per_job``
        (timedelta), ...)."""
        _settings.check_text("name", name)
        checked = _settings.plan(_settings.QOS_FIELDS, settings, self._names, "add_qos")
        record = Built("slurmdb_qos_rec_t")
        lib.slurmdb_init_qos_rec(record.ptr, False, lib.NO_VAL)
        record.text("name", name)
        checked.apply(record)
        self._added(lib.slurmdb_qos_add, [record], f"adding QoS {name}")
        self._names.qos = dict(self._load_names().qos)

    def modify_qos(self, names: Iterable[str] | str, **settings: Any) -> tuple[str, ...]:
        """Change the given settings of existing QoS; returns the QoS Slurm changed."""
        wanted = _settings.check_names("names", names)
        checked = _settings.plan(_settings.QOS_FIELDS, settings, self._names, "modify_qos")
        if not checked.steps:
            raise ValueError("modify_qos: nothing to change")
        self._require_qos(wanted)
        with Built("slurmdb_qos_cond_t") as cond, Built("slurmdb_qos_rec_t") as record:
            cond.strings("name_list", wanted)
            lib.slurmdb_init_qos_rec(record.ptr, False, lib.NO_VAL)
            checked.apply(record)
            return self._changed(
                lambda: lib.slurmdb_qos_modify(self._conn, cond.ptr, record.ptr),
                f"modifying QoS {', '.join(wanted)}",
            )

    def remove_qos(self, names: Iterable[str] | str) -> tuple[str, ...]:
        """Remove QoS; returns the names Slurm removed."""
        wanted = _settings.check_names("names", names)
        self._require_qos(wanted)
        with Built("slurmdb_qos_cond_t") as cond:
            cond.strings("name_list", wanted)
            removed = self._changed(
                lambda: lib.slurmdb_qos_remove(self._conn, cond.ptr),
                f"removing QoS {', '.join(wanted)}",
            )
        self._names.qos = dict(self._load_names().qos)
        return removed

    def _require_qos(self, names: Iterable[str]) -> None:
        known = set(self._names.qos.values())
        for name in names:
            if name not in known:
                raise InvalidQos(
                    f"no QoS named {name!r}", int(lib.ESLURM_INVALID_QOS), "ESLURM_INVALID_QOS"
                )

    # --- writes: accounts, users, associations -------------------------------------------------

    def add_account(
        self,
        name: str,
        *,
        parent: str = "root",
        description: str | None = None,
        organization: str | None = None,
        cluster: str | None = None,
        **limits: Any,
    ) -> None:
        """Add an account under ``parent``, with its association on the cluster (the local
        one by default) carrying ``limits`` (fields of :class:`Association`)."""
        _settings.check_text("name", name)
        _settings.check_text("parent", parent)
        where = _settings.check_text("cluster", cluster or self.cluster_name)
        checked = _settings.plan(_settings.ASSOC_FIELDS, limits, self._names, "add_account")
        self._require_accounts([parent])
        account = Built("slurmdb_account_rec_t")
        account.text("name", name)
        # sacctmgr's defaults: the name describes the account; the organization is the
        # parent's name, or the account's own under root.
        account.text("description", _settings.check_text("description", description or name))
        default_org = name if parent == "root" else parent
        account.text(
            "organization", _settings.check_text("organization", organization or default_org)
        )
        self._added(lib.slurmdb_accounts_add, [account], f"adding account {name}")
        assoc = _new_assoc(where, name, None, None, parent)
        checked.apply(assoc)
        self._added(lib.slurmdb_associations_add, [assoc], f"adding the association of {name}")

    def modify_account(
        self, name: str, *, description: str | None = None, organization: str | None = None
    ) -> tuple[str, ...]:
        """Change an account's description or organization; returns what Slurm changed."""
        _settings.check_text("name", name)
        if description is None and organization is None:
            raise ValueError("modify_account: nothing to change")
        self._require_accounts([name])
        with Built("slurmdb_account_cond_t") as cond, Built("slurmdb_account_rec_t") as rec:
            assoc = cond.nested("assoc_cond", "slurmdb_assoc_cond_t")
            assoc.strings("acct_list", [name])
            if description is not None:
                rec.text("description", _settings.check_text("description", description))
            if organization is not None:
                rec.text("organization", _settings.check_text("organization", organization))
            return self._changed(
                lambda: lib.slurmdb_accounts_modify(self._conn, cond.ptr, rec.ptr),
                f"modifying account {name}",
            )

    def remove_account(self, names: Iterable[str] | str) -> tuple[str, ...]:
        """Remove accounts (and their associations); returns what Slurm removed."""
        wanted = _settings.check_names("names", names)
        self._require_accounts(wanted)
        with Built("slurmdb_account_cond_t") as cond:
            assoc = cond.nested("assoc_cond", "slurmdb_assoc_cond_t")
            assoc.strings("acct_list", wanted)
            return self._changed(
                lambda: lib.slurmdb_accounts_remove(self._conn, cond.ptr),
                f"removing account {', '.join(wanted)}",
            )

    def add_user(
        self,
        name: str,
        *,
        accounts: Iterable[str] | str,
        default_account: str | None = None,
        admin_level: str | None = None,
        partition: str | None = None,
        cluster: str | None = None,
        **limits: Any,
    ) -> None:
        """Add a user with an association in each of ``accounts`` (the first is the default
        account unless ``default_account`` says otherwise), carrying ``limits``."""
        _settings.check_text("name", name)
        in_accounts = _settings.check_names("accounts", accounts)
        default = _settings.check_text("default_account", default_account or in_accounts[0])
        if default not in in_accounts:
            raise ValueError(f"default_account {default!r} is not one of accounts {in_accounts}")
        level = _admin_level(admin_level)
        where = _settings.check_text("cluster", cluster or self.cluster_name)
        if partition is not None:
            _settings.check_text("partition", partition)
        checked = _settings.plan(_settings.ASSOC_FIELDS, limits, self._names, "add_user")
        self._require_accounts(in_accounts)
        user = Built("slurmdb_user_rec_t")
        user.text("name", name)
        user.text("default_acct", default)
        user.ptr.admin_level = level if level is not None else lib.SLURMDB_ADMIN_NONE
        self._added(lib.slurmdb_users_add, [user], f"adding user {name}")
        assocs = []
        for account in in_accounts:
            assoc = _new_assoc(where, account, name, partition, None)
            assoc.ptr.is_def = 1 if account == default else 0
            checked.apply(assoc)
            assocs.append(assoc)
        self._added(lib.slurmdb_associations_add, assocs, f"adding the associations of {name}")

    def modify_user(
        self, name: str, *, default_account: str | None = None, admin_level: str | None = None
    ) -> tuple[str, ...]:
        """Change a user's default account or administrator level."""
        _settings.check_text("name", name)
        level = _admin_level(admin_level)
        if default_account is None and level is None:
            raise ValueError("modify_user: nothing to change")
        self._require_users([name])
        if default_account is not None:
            self._require_accounts([_settings.check_text("default_account", default_account)])
        with Built("slurmdb_user_cond_t") as cond, Built("slurmdb_user_rec_t") as rec:
            assoc = cond.nested("assoc_cond", "slurmdb_assoc_cond_t")
            assoc.strings("user_list", [name])
            rec.text("default_acct", default_account)
            rec.ptr.admin_level = level if level is not None else lib.SLURMDB_ADMIN_NOTSET
            return self._changed(
                lambda: lib.slurmdb_users_modify(self._conn, cond.ptr, rec.ptr),
                f"modifying user {name}",
            )

    def remove_user(self, names: Iterable[str] | str) -> tuple[str, ...]:
        """Remove users and all their associations."""
        wanted = _settings.check_names("names", names)
        self._require_users(wanted)
        with Built("slurmdb_user_cond_t") as cond:
            assoc = cond.nested("assoc_cond", "slurmdb_assoc_cond_t")
            assoc.strings("user_list", wanted)
            return self._changed(
                lambda: lib.slurmdb_users_remove(self._conn, cond.ptr),
                f"removing user {', '.join(wanted)}",
            )

    def add_association(
        self,
        account: str,
        user: str,
        *,
        partition: str | None = None,
        cluster: str | None = None,
        **limits: Any,
    ) -> None:
        """Give an existing user an association in another account (or partition)."""
        _settings.check_text("account", account)
        _settings.check_text("user", user)
        if partition is not None:
            _settings.check_text("partition", partition)
        where = _settings.check_text("cluster", cluster or self.cluster_name)
        checked = _settings.plan(_settings.ASSOC_FIELDS, limits, self._names, "add_association")
        self._require_accounts([account])
        self._require_users([user])
        assoc = _new_assoc(where, account, user, partition, None)
        checked.apply(assoc)
        self._added(lib.slurmdb_associations_add, [assoc], f"adding association {user}@{account}")

    def modify_association(
        self,
        account: str,
        user: str | None = None,
        *,
        partition: str | None = None,
        cluster: str | None = None,
        **limits: Any,
    ) -> tuple[str, ...]:
        """Change limits of one association: an account's own (``user`` None) or a
        user's in an account. Returns the associations Slurm changed.

        Raises :class:`~slurmlib.errors.AccessDenied` for a user who may not write
        associations, like every other write (slurmdbd itself answers such a user "nothing
        changed", not a refusal).
        """
        self._require_accounts([_settings.check_text("account", account)])
        if user is not None:
            self._require_users([_settings.check_text("user", user)])
        if partition is not None:
            _settings.check_text("partition", partition)
        where = _settings.check_text("cluster", cluster or self.cluster_name)
        checked = _settings.plan(_settings.ASSOC_FIELDS, limits, self._names, "modify_association")
        if not checked.steps:
            raise ValueError("modify_association: nothing to change")
        with Built("slurmdb_assoc_cond_t") as cond, Built("slurmdb_assoc_rec_t") as rec:
            _assoc_cond(cond, where, account, user, partition)
            lib.slurmdb_init_assoc_rec(rec.ptr, False)
            checked.apply(rec)
            what = f"modifying association {user or ''}@{account}"
            changed = self._changed(
                lambda: lib.slurmdb_associations_modify(self._conn, cond.ptr, rec.ptr), what
            )
        # Asked only when nothing changed: the one answer that can hide a refusal.
        if not changed and not self._may_write_associations():
            raise _error(int(lib.ESLURM_ACCESS_DENIED), what)
        return changed

    def remove_association(
        self,
        account: str,
        user: str,
        *,
        partition: str | None = None,
        cluster: str | None = None,
    ) -> tuple[str, ...]:
        """Remove a user's association in an account."""
        self._require_accounts([_settings.check_text("account", account)])
        self._require_users([_settings.check_text("user", user)])
        if partition is not None:
            _settings.check_text("partition", partition)
        where = _settings.check_text("cluster", cluster or self.cluster_name)
        with Built("slurmdb_assoc_cond_t") as cond:
            _assoc_cond(cond, where, account, user, partition)
            return self._changed(
                lambda: lib.slurmdb_associations_remove(self._conn, cond.ptr),
                f"removing association {user}@{account}",
            )

    def add_coordinator(self, accounts: Iterable[str] | str, users: Iterable[str] | str) -> None:
        """Make ``users`` coordinators of ``accounts``."""
        acct_names = _settings.check_names("accounts", accounts)
        user_names = _settings.check_names("users", users)
        self._require_accounts(acct_names)
        self._require_users(user_names)
        with Built("slurmdb_user_cond_t") as cond:
            assoc = cond.nested("assoc_cond", "slurmdb_assoc_cond_t")
            assoc.strings("user_list", user_names)
            conn = self._connection()
            with native.api_lock:
                xlist = _lists.string_list(acct_names)
                try:
                    ffi.errno = 0
                    rc = lib.slurmdb_coord_add(conn, xlist, cond.ptr)
                    code = ffi.errno
                    self._dirty = True
                finally:
                    lib.slurm_list_destroy(xlist)
        if rc != 0:
            raise _error(rc if rc > 0 else code, "adding coordinators")

    def remove_coordinator(
        self, accounts: Iterable[str] | str, users: Iterable[str] | str
    ) -> tuple[str, ...]:
        """Take ``users``' coordinator role on ``accounts`` away."""
        acct_names = _settings.check_names("accounts", accounts)
        user_names = _settings.check_names("users", users)
        self._require_accounts(acct_names)
        self._require_users(user_names)
        with Built("slurmdb_user_cond_t") as cond:
            assoc = cond.nested("assoc_cond", "slurmdb_assoc_cond_t")
            assoc.strings("user_list", user_names)
            xlist = _lists.string_list(acct_names)
            try:
                return self._changed(
                    lambda: lib.slurmdb_coord_remove(self._conn, xlist, cond.ptr),
                    "removing coordinators",
                )
            finally:
                with native.api_lock:
                    lib.slurm_list_destroy(xlist)

    def _require_accounts(self, names: Iterable[str]) -> None:
        wanted = set(names)
        found = {a.name for a in self.accounts(names=sorted(wanted))}
        for name in sorted(wanted - found):
            raise InvalidAccount(
                f"no account named {name!r}",
                int(lib.ESLURM_INVALID_ACCOUNT),
                "ESLURM_INVALID_ACCOUNT",
            )

    def _require_users(self, names: Iterable[str]) -> None:
        wanted = set(names)
        found = {u.name for u in self.users(names=sorted(wanted))}
        for name in sorted(wanted - found):
            raise InvalidUser(f"no user named {name!r} in accounting")


# --- helpers -------------------------------------------------------------------------------


def _keeping(
    filters: dict[str, tuple[str, ...] | None], charset: str
) -> dict[str, tuple[str, ...] | None]:
    """The filters without the names that have a character ``charset`` lacks."""
    return {
        field: None if values is None else tuple(v for v in values if _holds(v, charset))
        for field, values in filters.items()
    }


def _holds(name: str, charset: str) -> bool:
    """Whether a character set (as Python names it) has every character of ``name``."""
    try:
        name.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


# MySQL's ER_CANT_AGGREGATE_2COLLATIONS, which slurmdbd passes on as its error number.
_ILLEGAL_MIX_OF_COLLATIONS = 1267


def _admin_level(value: str | None) -> int | None:
    if value is None:
        return None
    if value not in _ADMIN_LEVELS:
        raise ValueError(f"admin_level must be one of {', '.join(_ADMIN_LEVELS)}, not {value!r}")
    return int(_ADMIN_LEVELS[value])


def _new_assoc(
    cluster: str, account: str, user: str | None, partition: str | None, parent: str | None
) -> Built:
    assoc = Built("slurmdb_assoc_rec_t")
    lib.slurmdb_init_assoc_rec(assoc.ptr, False)
    assoc.text("cluster", cluster)
    assoc.text("acct", account)
    assoc.text("user", user)
    assoc.text("partition", partition)
    assoc.text("parent_acct", parent)
    return assoc


def _assoc_cond(
    cond: Built, cluster: str, account: str, user: str | None, partition: str | None
) -> None:
    cond.strings("cluster_list", [cluster])
    cond.strings("acct_list", [account])
    # An empty user name selects the account's own association, not its users'.
    cond.strings("user_list", [user or ""])
    if partition is not None:
        cond.strings("partition_list", [partition])


def _uids(users: tuple[str | int, ...] | None) -> tuple[str, ...] | None:
    """Users as the uids (text) accounting keeps: a name is looked up on this machine."""
    if users is None:
        return None
    uids = []
    for user in users:
        if isinstance(user, int):
            uids.append(str(user))
            continue
        try:
            uids.append(str(pwd.getpwnam(user).pw_uid))
        except KeyError:
            raise InvalidUser(f"no user named {user!r} on this machine") from None
    return tuple(uids)


def _set_step_list(cond: Built, job_ids: tuple[int, ...] | None) -> list[Any]:
    """Select jobs by id: ``step_list`` holds ``slurm_selected_step_t`` records.

    The records are Python's and the list has no destructor: releasing the cond frees the
    list only. The returned references keep the records alive for the call.
    """
    if job_ids is None:
        return []
    keep = []
    xlist = _lists.record_list()
    for job_id in job_ids:
        selected = ffi.new("slurm_selected_step_t *")
        for name, _ in ffi.typeof("slurm_step_id_t").fields:
            if name != "sluid":
                setattr(selected.step_id, name, lib.NO_VAL)
        selected.step_id.job_id = job_id
        selected.array_task_id = lib.NO_VAL
        selected.het_job_offset = lib.NO_VAL
        keep.append(selected)
        lib.slurm_list_append(xlist, selected)
    cond.ptr.step_list = xlist
    return keep


def _error(code: int, what: str) -> SlurmError:
    if code == 0:
        code = errno.EIO  # failed without saying why: still never a silent success
    if code in _DB_DOWN_CODES:
        return _unavailable(code, what)
    return native.error_for(code, what)


# Commit/rollback: tries on a connection slurmdbd closed, and how fast a failure must be
# (seconds) to be one of those (see Database._end_transaction).
_END_TRIES = 3
_END_RETRY_WITHIN = 1.0

# On a slurmdbd connection every failure to reach the peer means slurmdbd is not there.
_DB_DOWN_CODES = {
    int(getattr(lib, name))
    for name in (
        "ESLURM_DB_CONNECTION",
        "ESLURM_DB_CONNECTION_INVALID",
        "SLURM_COMMUNICATIONS_CONNECTION_ERROR",
        "SLURM_COMMUNICATIONS_SEND_ERROR",
        "SLURM_COMMUNICATIONS_RECEIVE_ERROR",
        "SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT",
    )
    if capabilities.has_constant(name)
} | {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ETIMEDOUT, errno.EPIPE}


def _unavailable(code: int, what: str) -> DatabaseUnavailable:
    if code == 0:
        code = int(lib.ESLURM_DB_CONNECTION)
    message = ffi.string(lib.slurm_strerror(code)).decode(errors="replace")
    return DatabaseUnavailable(message, code, native.errno_name(code), what)
