"""A connection to slurmdbd: accounting reads with filters, and transactional writes.

:class:`Database` is the one public class of accounting. Its methods are written in three
modules, one per concern, each a class that the next builds on::

    _connection.Connection   open, close, commit, rollback; the snapshot; how a call is made
      _reads.Reads           tres() clusters() qos() accounts() users() associations()
                             jobs() events() reservations() usage()
        _writes.Writes       add_*, modify_*, remove_*, roll_usage()
          Database           this module: the class users see, and connect()

Reads need only the connection; writes read before they write (does the account exist?),
so they build on the reads. Beside them: :mod:`._filters` (from arguments to the fields of a
cond struct), :mod:`._settings` (the keywords writes take, declared once), :mod:`._errors`
(error codes to exceptions), :mod:`._convert` and :mod:`._usage` (C records to Python ones).
"""

from __future__ import annotations

import os

from ._connection import Connection
from ._reads import Reads
from ._writes import Writes

__all__ = ["Database", "connect"]


def connect(config: str | os.PathLike[str] | None = None) -> Database:
    """Open a connection to slurmdbd (``with slurmlib.db.connect() as db: ...``)."""
    return Database(config)


class Database(Writes, Reads, Connection):
    """One slurmdbd connection.

    Reads return owned records. Writes (``add_*``, ``modify_*``, ``remove_*``) are applied
    by slurmdbd inside this connection's transaction and become visible to others only
    when :meth:`commit` is called; :meth:`rollback` — or leaving the ``with`` block by an
    exception, or closing without a commit — discards them.
    """
