"""How a failed slurmdbd call becomes an exception: the one place ``db`` maps errors.

The connection, the reads, the writes and the usage reports all turn a Slurm error code into
one of :mod:`slurmlib.errors`' classes, and they must agree (a slurmdbd that is not there is
:class:`~slurmlib.errors.DatabaseUnavailable` whichever call found out). So the mapping is a
module of its own that imports none of them: each of them imports it.
"""

from __future__ import annotations

import errno

from .. import native
from ..errors import DatabaseUnavailable, SlurmError
from ..native import capabilities, ffi, lib

# MySQL's ER_CANT_AGGREGATE_2COLLATIONS, which slurmdbd passes on as its error number.
ILLEGAL_MIX_OF_COLLATIONS = 1267

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


def error(code: int, what: str) -> SlurmError:
    """The exception for a call that failed with ``code`` (0: it did not say why)."""
    if code == 0:
        code = errno.EIO  # failed without saying why: still never a silent success
    if code in _DB_DOWN_CODES:
        return unavailable(code, what)
    return native.error_for(code, what)


def check(rc: int, code: int, what: str) -> None:
    """Raise for a call that answered ``rc`` (0 is success): a positive ``rc`` is Slurm's
    code, a negative one (``SLURM_ERROR``) leaves the code in ``errno`` (``code``)."""
    if rc != 0:
        raise error(rc if rc > 0 else code, what)
    worked()


def worked() -> None:
    """After a call that worked: what libslurm logged meanwhile (the plugin's
    ``acct_storage_p_roll_usage: SUCCESS``) has gone to logging, and must not join the text
    of a later error, as :func:`slurmlib.native.check` does for the controller's calls."""
    native.take_libslurm_log()


def unavailable(code: int, what: str) -> DatabaseUnavailable:
    """slurmdbd could not be reached (``code`` 0: the connection failed without an errno)."""
    if code == 0:
        code = int(lib.ESLURM_DB_CONNECTION)
    message = ffi.string(lib.slurm_strerror(code)).decode(errors="replace")
    return DatabaseUnavailable(message, code, native.errno_name(code), what)
