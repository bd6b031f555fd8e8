"""The writes of :class:`~slurmlib.db.Database`: ``add_*``, ``modify_*`` and ``remove_*``.

:class:`Writes` is the last of the classes ``Database`` is made of (see
:mod:`slurmlib.db.database`). It builds on :class:`~._reads.Reads` because a write checks
what is there before it sends anything: the account, user or QoS it names must exist
(:class:`~slurmlib.errors.InvalidAccount`, ... otherwise, where slurmdbd would answer
"nothing changed"). The settings a write takes are declared once, in :mod:`._settings`, and
checked there before any C record is built; the records handed to Slurm follow the memory
rule of :mod:`slurmlib.db`. Every write joins the connection's transaction (see
:mod:`._connection`): nothing is visible to others before ``commit()``.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .. import native
from ..errors import InvalidAccount, InvalidQos, InvalidUser
from ..native import ffi, lib
from . import _errors, _filters, _lists, _settings
from ._reads import Reads
from ._structs import Built

_ADMIN_LEVELS = {
    "None": lib.SLURMDB_ADMIN_NONE,
    "Operator": lib.SLURMDB_ADMIN_OPERATOR,
    "Administrator": lib.SLURMDB_ADMIN_SUPER_USER,
}


class Writes(Reads):
    """The accounting writes of one connection, applied by :meth:`commit`."""

    def roll_usage(self, *, start: datetime, end: datetime | None = None) -> None:
        """Recompute the rolled-up usage (hourly, daily, monthly) from ``start`` to ``end``
        (the last hour that is over when None), as slurmdbd does once an hour — after
        accounting records of a past period were fixed or loaded, say. An administrator's
        write: applied by :meth:`commit`.
        """
        first, last = _filters.epoch(start, "start"), _filters.epoch(end, "end")
        if first <= 0:
            raise ValueError(f"start must be a time after 1970, not {start!r}")
        if end is not None and last <= first:
            raise ValueError(f"start must be before end: {start} .. {end}")
        self._wrote(
            lambda conn: lib.slurmdb_usage_roll(conn, first, last, 0, ffi.NULL),
            "rolling up usage",
        )

    # --- QoS -------------------------------------------------------------------------------

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

    # --- accounts --------------------------------------------------------------------------

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
        where = self._where(cluster, None)
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

    # --- users -----------------------------------------------------------------------------

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
        where = self._where(cluster, partition)
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

    # --- associations ----------------------------------------------------------------------

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
        where = self._where(cluster, partition)
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
        where = self._where(cluster, partition)
        checked = _settings.plan(_settings.ASSOC_FIELDS, limits, self._names, "modify_association")
        if not checked.steps:
            raise ValueError("modify_association: nothing to change")
        with Built("slurmdb_assoc_cond_t") as cond, Built("slurmdb_assoc_rec_t") as rec:
            _filters.one_association(cond, where, account, user, partition)
            lib.slurmdb_init_assoc_rec(rec.ptr, False)
            checked.apply(rec)
            what = f"modifying association {user or ''}@{account}"
            changed = self._changed(
                lambda: lib.slurmdb_associations_modify(self._conn, cond.ptr, rec.ptr), what
            )
        # Asked only when nothing changed: the one answer that can hide a refusal.
        if not changed and not self._may_write_associations():
            raise _errors.error(int(lib.ESLURM_ACCESS_DENIED), what)
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
        where = self._where(cluster, partition)
        with Built("slurmdb_assoc_cond_t") as cond:
            _filters.one_association(cond, where, account, user, partition)
            return self._changed(
                lambda: lib.slurmdb_associations_remove(self._conn, cond.ptr),
                f"removing association {user}@{account}",
            )

    # --- coordinators ----------------------------------------------------------------------

    def add_coordinator(self, accounts: Iterable[str] | str, users: Iterable[str] | str) -> None:
        """Make ``users`` coordinators of ``accounts``."""
        acct_names, user_names = self._coordinators(accounts, users)
        with Built("slurmdb_user_cond_t") as cond:
            cond.nested("assoc_cond", "slurmdb_assoc_cond_t").strings("user_list", user_names)
            xlist = _lists.string_list(acct_names)
            try:
                self._wrote(
                    lambda conn: lib.slurmdb_coord_add(conn, xlist, cond.ptr),
                    "adding coordinators",
                )
            finally:
                with native.api_lock:
                    lib.slurm_list_destroy(xlist)

    def remove_coordinator(
        self, accounts: Iterable[str] | str, users: Iterable[str] | str
    ) -> tuple[str, ...]:
        """Take ``users``' coordinator role on ``accounts`` away."""
        acct_names, user_names = self._coordinators(accounts, users)
        with Built("slurmdb_user_cond_t") as cond:
            cond.nested("assoc_cond", "slurmdb_assoc_cond_t").strings("user_list", user_names)
            xlist = _lists.string_list(acct_names)
            try:
                return self._changed(
                    lambda: lib.slurmdb_coord_remove(self._conn, xlist, cond.ptr),
                    "removing coordinators",
                )
            finally:
                with native.api_lock:
                    lib.slurm_list_destroy(xlist)

    # --- what a write checks first ---------------------------------------------------------

    def _where(self, cluster: str | None, partition: str | None) -> str:
        """The cluster an association is on (the local one unless named), once ``cluster``
        and ``partition`` are checked."""
        if partition is not None:
            _settings.check_text("partition", partition)
        return _settings.check_text("cluster", cluster or self.cluster_name)

    def _coordinators(
        self, accounts: Iterable[str] | str, users: Iterable[str] | str
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The accounts and users of a coordinator write, checked and found."""
        acct_names = _settings.check_names("accounts", accounts)
        user_names = _settings.check_names("users", users)
        self._require_accounts(acct_names)
        self._require_users(user_names)
        return acct_names, user_names

    def _require_qos(self, names: Iterable[str]) -> None:
        known = set(self._names.qos.values())
        for name in names:
            if name not in known:
                raise InvalidQos(
                    f"no QoS named {name!r}", int(lib.ESLURM_INVALID_QOS), "ESLURM_INVALID_QOS"
                )

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
