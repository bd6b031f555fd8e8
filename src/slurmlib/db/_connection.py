"""The slurmdbd connection itself: opening and closing it, its transaction, its snapshot.

Every read and write of :class:`~slurmlib.db.Database` goes through what this module
defines, and this module knows none of them. :class:`Connection` is the first of the three
classes ``Database`` is made of (see :mod:`slurmlib.db.database`):

- the life cycle: ``slurmdb_connection_get`` (with no wait for an acknowledgement on
  the wire, see :mod:`._tcp`), ``close()`` — which rolls back what was not committed —, the ``with``
  block, and the backstops: ``__del__``, and the close that ``native`` runs at exit before
  ``slurm_fini``;
- the transaction: ``commit()`` and ``rollback()``, tried again on the connection libslurm
  reopens after slurmdbd closed one on which it refused a write;
- the snapshot policy (:data:`SNAPSHOT_SECONDS`) and what is cached per snapshot: the TRES
  and QoS names that records are named by;
- the four shapes of a slurmdbd call, each with the lock, ``errno`` and the freeing of the
  list it returns or is given: a ``*_get`` (:meth:`Connection._get`,
  :meth:`Connection._get_all`), a ``*_modify``/``*_remove`` (:meth:`Connection._changed`),
  an ``*_add`` (:meth:`Connection._added`), and a write that answers a return code
  (:meth:`Connection._wrote`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, Self, TypeVar

from .. import _bulk, native
from ..errors import SlurmError
from ..native import ffi, lib
from . import _convert, _errors, _lists, _tcp
from ._structs import Built
from .records import Tres

T = TypeVar("T")

SNAPSHOT_SECONDS = 1.0
"""Reads of one connection this close together share a database snapshot."""

# Commit/rollback: tries on a connection slurmdbd closed, and how fast a failure must be
# (seconds) to be one of those (see Connection._end_transaction).
_END_TRIES = 3
_END_RETRY_WITHIN = 1.0


class Connection:
    """One slurmdbd connection and its transaction; the base of :class:`Database`."""

    def __init__(self, config: str | os.PathLike[str] | None = None) -> None:
        native.init(config)
        self._conn: Any = ffi.NULL
        self._dirty = False
        self._snapshot_since: float | None = None
        self._acks = _tcp.QuickAcks([])
        with native.api_lock:
            flags = ffi.new("uint16_t *")
            before = _tcp.sockets()
            conn = lib.slurmdb_connection_get(flags)
            code = ffi.errno
            if conn != ffi.NULL:
                socks = _tcp.tcp_sockets(_tcp.sockets() - before)
                _tcp.no_delay(socks)
                self._acks = _tcp.QuickAcks(socks)
        if conn == ffi.NULL:
            raise _errors.unavailable(code, "connecting to slurmdbd")
        self._conn = conn
        native.close_before_fini(self)
        try:
            self._names = self._load_names()
        except BaseException:
            self._close()
            raise
        self.cluster_name: str = _lists.text_or_empty(lib.slurm_conf.cluster_name)

    # --- life cycle ------------------------------------------------------------------------

    def __enter__(self) -> Self:
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
            # Our handles first: libslurm's close then ends the socket itself.
            self._acks.close()
            holder = ffi.new("void **", self._conn)
            self._conn = ffi.NULL
            if native.finalised():
                return  # after slurm_fini at exit: libslurm's state is gone, nothing to end
            lib.slurmdb_connection_close(holder)

    # --- the transaction -------------------------------------------------------------------

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
                with self._acks:
                    rc, code = self._send_end(conn, commit)
                lost = rc < 0 and code < lib.SLURM_UNEXPECTED_MSG_ERROR
                if not (lost and left) or time.monotonic() - started > _END_RETRY_WITHIN:
                    break
                native.take_libslurm_log()
        self._dirty = False
        self._snapshot_since = None
        self._names = self._load_names()
        _errors.check(rc, code, "committing" if commit else "rolling back")

    @staticmethod
    def _send_end(conn: Any, commit: bool) -> tuple[int, int]:
        # libslurm's commit takes a stale errno for its own failure: after a write slurmdbd
        # refused, the refusal's ESLURM_ACCESS_DENIED made the next commit or rollback fail
        # too (seen on 22.05).
        ffi.errno = 0
        rc = int(lib.slurmdb_connection_commit(conn, commit))
        return rc, ffi.errno

    # --- the snapshot ------------------------------------------------------------------------

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
        closer together share one snapshot, which spares a round trip per read; a new
        snapshot reloads the TRES and QoS names. With writes pending, reads see the
        transaction's own view until :meth:`commit` or :meth:`rollback`.
        """
        conn = self._connection()
        now = time.monotonic()
        stale = self._snapshot_since is not None and now - self._snapshot_since > SNAPSHOT_SECONDS
        if stale and not self._dirty:
            with native.api_lock, self._acks:
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
            with self._acks:
                xlist = call(conn, cond.ptr if cond is not None else ffi.NULL)
            code = ffi.errno
            if xlist == ffi.NULL:
                raise _errors.error(code, what)
            # Records hold no cycles: the collector would only walk them, over and over,
            # while hundreds of thousands of accounting records are built.
            with _lists.Owned(xlist), _bulk.no_collection():
                records = convert(xlist)
            _errors.worked()
            return records

    def _changed(self, call: Callable[[], Any], what: str) -> tuple[str, ...]:
        """A ``slurmdb_*_modify``/``_remove``: the list of what changed, as text."""
        self._connection()
        with native.api_lock:
            ffi.errno = 0
            with self._acks:
                xlist = call()
            code = ffi.errno
            self._dirty = True
            if xlist == ffi.NULL:
                if code in (0, lib.SLURM_NO_CHANGE_IN_DATA):
                    return ()
                raise _errors.error(code, what)
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
                with self._acks:
                    rc = call(conn, xlist)
                code = ffi.errno
                self._dirty = True
            finally:
                lib.slurm_list_destroy(xlist)  # no destructor: the records stay Python's
                for record in records:
                    record.release()
            _errors.check(rc, code, what)

    def _wrote(self, call: Callable[[Any], int], what: str) -> None:
        """A write that answers a return code (``slurmdb_usage_roll``, ``slurmdb_coord_add``):
        ``call(connection)``."""
        conn = self._connection()
        with native.api_lock:
            ffi.errno = 0
            with self._acks:
                rc = int(call(conn))
            code = ffi.errno
            self._dirty = True
        _errors.check(rc, code, what)
