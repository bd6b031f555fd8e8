"""slurmdbd from Python: accounting reads with filters, and transactional writes.

    >>> from slurmlib import db
    >>> with db.connect() as conn:
    ...     [q.name for q in conn.qos()]
    ...     conn.jobs(users=["alice"], states=["FAILED"])
    ...     conn.add_qos("t_burst", priority=10, grp_tres={"cpu": 8})
    ...     conn.commit()

Memory across the boundary — the rule every call here follows
--------------------------------------------------------------

Slurm frees what it is given with its own allocator (``xfree``, which expects a hidden
header), and ``slurmdb_destroy_*`` functions free a struct *and* everything inside it. A
binding that hands Slurm a Python-owned buffer to destroy, or destroys a list whose
elements were allocated differently from what its destructor expects, double-frees or
corrupts the heap. So:

1. **Cond structs and records handed to Slurm** (``slurmdb_qos_cond_t``,
   ``slurmdb_qos_rec_t`` to add, ...) are allocated by slurmlib (``ffi.new``) and freed by
   slurmlib — the Python shell is never passed to a ``slurmdb_destroy_*`` function.
2. **Everything inside them is Slurm's**: strings are copies made with ``slurm_xstrdup``;
   string lists are ``slurm_list_create(slurm_xfree_ptr)`` lists of such copies — the
   destructor matches the allocator, so Slurm may destroy such a list, or slurmlib may.
3. **After the call**, slurmlib releases the members it finds in the struct: every
   ``list_t *`` with ``slurm_list_destroy`` (which runs the list's own destructor) and every
   ``char *`` with ``slurm_xfree_ptr``, then sets them to NULL. A list Slurm's client code
   added to the cond is freed with it; one it already freed and cleared is skipped.
4. **Lists of records slurmlib builds** (the QoS to add, the ``slurm_selected_step_t`` job
   ids of a job query) are created *without* a destructor: destroying the list frees only
   the list, and each record's members are released by rule 3.
5. **Lists Slurm returns** (``slurmdb_qos_get`` ...) are walked with Slurm's iterators, copied
   into owned records, and destroyed with ``slurm_list_destroy`` before the call returns:
   their destructors (``slurmdb_destroy_qos_rec`` ...) were set by Slurm to match.

The valgrind run in ``tests/db`` holds the bindings to this rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Account",
    "Association",
    "Cluster",
    "ClusterUsage",
    "Database",
    "DbJob",
    "DbReservation",
    "DbStep",
    "Event",
    "QoS",
    "Tres",
    "Usage",
    "User",
    "connect",
]

# Imported on first use, as in slurmlib itself: the records (slurmlib.db.records) load
# without the bindings, which only the connection needs.
_LAZY = {name: "slurmlib.db.database" for name in ("Database", "connect")}
_LAZY.update({name: "slurmlib.db.records" for name in __all__ if name not in _LAZY})

if TYPE_CHECKING:
    from .database import Database, connect
    from .records import (
        Account,
        Association,
        Cluster,
        ClusterUsage,
        DbJob,
        DbReservation,
        DbStep,
        Event,
        QoS,
        Tres,
        Usage,
        User,
    )


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'slurmlib.db' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
