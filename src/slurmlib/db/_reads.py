"""The reads of :class:`~slurmlib.db.Database`: one method per kind of accounting record.

:class:`Reads` is the second of the classes ``Database`` is made of (see
:mod:`slurmlib.db.database`). Each read checks its arguments, fills a ``*_cond`` struct
(with :mod:`._filters`), makes the call through :class:`~._connection.Connection`, which
owns the snapshot and frees the list, and has :mod:`._convert` (or :mod:`._usage`, for the
rolled-up reports) copy the records out. Every read by names goes through
:class:`~._filters.NameCharset`, so that a name the database cannot hold matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cached_property

from .. import _validate, native
from ..native import lib
from ..states import JobState
from . import _convert, _convert_jobs, _filters, _usage
from ._connection import Connection
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

_JOB_FLAG_NOTSET = int(lib.SLURMDB_JOB_FLAG_NOTSET)
_NO_TRUNC = int(lib.JOBCOND_FLAG_NO_TRUNC)
_NO_STEP = int(lib.JOBCOND_FLAG_NO_STEP)
_EVENT_KINDS = {
    None: lib.SLURMDB_EVENT_ALL,
    "node": lib.SLURMDB_EVENT_NODE,
    "cluster": lib.SLURMDB_EVENT_CLUSTER,
}


class Reads(Connection):
    """The accounting reads of one connection; they return owned records."""

    @cached_property
    def _name_charset(self) -> _filters.NameCharset:
        """What this connection has learnt of the character set of the database's names."""
        return _filters.NameCharset()

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

        return self._name_charset.matching(fetch, names=_validate.name_filter("names", names))

    def qos(self, *, names: str | Iterable[str] | None = None) -> tuple[QoS, ...]:
        """QoS with their limits (``sacctmgr show qos``); all of them without ``names``."""

        def fetch(names: tuple[str, ...] | None) -> tuple[QoS, ...]:
            with Built("slurmdb_qos_cond_t") as cond:
                cond.strings("name_list", names)
                return self._get_all(
                    lib.slurmdb_qos_get,
                    cond,
                    lambda xlist: _convert.qos_list(xlist, self._names),
                    "loading QoS",
                )

        return self._name_charset.matching(fetch, names=_validate.name_filter("names", names))

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
                return self._get_all(
                    lib.slurmdb_accounts_get,
                    cond,
                    lambda xlist: _convert.accounts(xlist, self._names, with_assocs),
                    "loading accounts",
                )

        return self._name_charset.matching(fetch, names=_validate.name_filter("names", names))

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
                return self._get_all(
                    lib.slurmdb_users_get,
                    cond,
                    lambda xlist: _convert.users(xlist, self._names, with_assocs),
                    "loading users",
                )

        return self._name_charset.matching(fetch, names=_validate.name_filter("names", names))

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
                return self._get_all(
                    lib.slurmdb_associations_get,
                    cond,
                    lambda xlist: _convert.associations(xlist, self._names),
                    "loading associations",
                )

        return self._name_charset.matching(
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
        uids = _filters.uids(_validate.user_filter("users", users))
        wanted_states = _validate.enum_filter("states", states, JobState, "job state")
        state_values = None if wanted_states is None else tuple(str(int(s)) for s in wanted_states)
        ids = _validate.id_filter("job_ids", job_ids)
        usage_start = _filters.epoch(start, "start")
        usage_end = _filters.epoch(end, "end")
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
                keep = _filters.set_step_list(cond, ids)
                try:
                    return self._get_all(
                        lib.slurmdb_jobs_get,
                        cond,
                        lambda xlist: _convert_jobs.jobs(xlist, self._names, with_steps),
                        "loading accounting jobs",
                    )
                finally:
                    del keep

        return self._name_charset.matching(
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
        period_start = _filters.epoch(start, "start")
        period_end = _filters.epoch(end, "end")

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

        return self._name_charset.matching(
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
        time_start = _filters.epoch(start, "start")
        time_end = _filters.epoch(end, "end")

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

        return self._name_charset.matching(
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
        period = (_filters.epoch(start, "start"), _filters.epoch(end, "end"))
        if period[0] >= period[1]:
            raise ValueError(f"start must be before end: {start} .. {end}")
        if by == "cluster":

            def by_cluster(clusters: tuple[str, ...]) -> tuple[ClusterUsage, ...]:
                conn = self._read_connection()
                with native.api_lock, self._acks:
                    return _usage.clusters(conn, period, self._names, clusters)

            return self._name_charset.matching(by_cluster, clusters=self._clusters(clusters))

        def by_association(
            clusters: tuple[str, ...],
            accounts: tuple[str, ...] | None,
            users: tuple[str, ...] | None,
        ) -> tuple[Usage, ...]:
            conn = self._read_connection()
            with native.api_lock, self._acks:
                return _usage.associations(conn, period, self._names, by, clusters, accounts, users)

        return self._name_charset.matching(
            by_association,
            clusters=self._clusters(clusters),
            accounts=_validate.name_filter("accounts", accounts),
            users=_validate.name_filter("users", users),
        )
