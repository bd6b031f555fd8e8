"""slurmlib's exceptions.

Every error that comes from Slurm carries its errno, the errno's name and Slurm's own text
(``slurm_strerror``). Where a builtin exception fits, the class derives from it too, so
callers can catch what they already know::

    SlurmError
    ├── ConfigurationError            no slurm.conf reachable, or one Slurm refuses
    ├── SlurmVersionMismatch (ImportError)
    │                                 built against one libslurm, another is loaded
    ├── ControllerUnreachable (ConnectionError)
    │                                 slurmctld does not answer
    ├── DatabaseUnavailable (ConnectionError)
    │                                 slurmdbd does not answer
    ├── SlurmTimeout (TimeoutError)   a message timed out
    ├── AuthenticationError (PermissionError)
    │                                 munge/credential failures
    ├── AccessDenied (PermissionError)
    │                                 authenticated, but not allowed
    ├── NotFound (LookupError)
    │   ├── InvalidJobId
    │   ├── InvalidNodeName
    │   ├── InvalidPartitionName
    │   ├── InvalidReservation
    │   ├── InvalidQos
    │   ├── InvalidAccount
    │   ├── InvalidUser
    │   └── InvalidCluster            no cluster of that name in slurmdbd
    ├── InvalidRequest (ValueError)   the controller refused the request's content
    ├── LimitExceeded                 an accounting policy or QoS limit refused it
    ├── JobStateError                 the job is not in a state that allows this
    └── Unsupported                   this Slurm release gives libslurm no safe way to it

Input that slurmlib itself rejects before any C call raises plain ``ValueError`` or
``TypeError`` naming the field.
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "AuthenticationError",
    "ConfigurationError",
    "ControllerUnreachable",
    "DatabaseUnavailable",
    "InvalidAccount",
    "InvalidCluster",
    "InvalidJobId",
    "InvalidNodeName",
    "InvalidPartitionName",
    "InvalidQos",
    "InvalidRequest",
    "InvalidReservation",
    "InvalidUser",
    "JobStateError",
    "LimitExceeded",
    "NotFound",
    "SlurmError",
    "SlurmTimeout",
    "SlurmVersionMismatch",
    "Unsupported",
    "error_class_for",
]


class SlurmError(Exception):
    """An error reported by Slurm, or about reaching it.

    Attributes: ``code`` (Slurm's errno, 0 when the error is slurmlib's own), ``code_name``
    (e.g. ``"ESLURM_INVALID_JOB_ID"``), ``message`` (Slurm's text), ``context`` (what
    slurmlib was doing) and ``details``: the lines libslurm logged in the failed call
    (``("error: invalid partition specified: nope",)``), which it would otherwise have
    written to the program's stderr. Named apart from ``OSError.errno`` and
    ``ImportError.name``, which some subclasses also inherit.
    """

    def __init__(
        self,
        message: str,
        code: int = 0,
        code_name: str = "",
        context: str = "",
        details: tuple[str, ...] = (),
    ) -> None:
        text = f"{context}: {message}" if context else message
        if code_name:
            text += f" [{code_name}]"
        if details:
            # The last few distinct lines: an outage repeats one line per retry.
            text += f" (libslurm: {'; '.join(list(dict.fromkeys(details))[-3:])})"
        super().__init__(text)
        self.code = code
        self.code_name = code_name
        self.message = message
        self.context = context
        self.details = details

    def __reduce__(
        self,
    ) -> tuple[type[SlurmError], tuple[str, int, str, str, tuple[str, ...]]]:
        return (type(self), (self.message, self.code, self.code_name, self.context, self.details))


class ConfigurationError(SlurmError):
    """No Slurm configuration could be reached, or Slurm refused the one it found."""


class SlurmVersionMismatch(SlurmError, ImportError):
    """The libslurm loaded at run time is not the one slurmlib was built against."""


class ControllerUnreachable(SlurmError, ConnectionError):
    """slurmctld did not answer (down, wrong address, or network failure)."""


class DatabaseUnavailable(SlurmError, ConnectionError):
    """slurmdbd, or the database behind it, did not answer."""


class SlurmTimeout(SlurmError, TimeoutError):
    """A message to a Slurm daemon timed out."""


class AuthenticationError(SlurmError, PermissionError):
    """The request could not be authenticated (munge down, bad key, expired credential)."""


class AccessDenied(SlurmError, PermissionError):
    """Authenticated, but the user may not do this."""


class NotFound(SlurmError, LookupError):
    """The named object does not exist."""


class InvalidJobId(NotFound):
    """No such job."""


class InvalidNodeName(NotFound):
    """No such node."""


class InvalidPartitionName(NotFound):
    """No such partition."""


class InvalidReservation(NotFound):
    """No such reservation."""


class InvalidQos(NotFound):
    """No such QoS."""


class InvalidAccount(NotFound):
    """No such account."""


class InvalidUser(NotFound):
    """No such user."""


class InvalidCluster(NotFound):
    """No cluster of that name is registered in slurmdbd (its message lists the known ones)."""


class InvalidRequest(SlurmError, ValueError):
    """The controller refused the content of the request."""


class LimitExceeded(SlurmError):
    """An accounting policy, association or QoS limit refused the request."""


class JobStateError(SlurmError):
    """The job is not in a state that allows this action."""


class Unsupported(SlurmError):
    """The Slurm release slurmlib runs on offers no safe way to do this through libslurm."""


# Slurm errno names → the most specific class. Looked up by name: the numbers are read from
# the compiled headers, never written here.
_BY_NAME: dict[str, type[SlurmError]] = {
    "SLURM_COMMUNICATIONS_CONNECTION_ERROR": ControllerUnreachable,
    "SLURM_COMMUNICATIONS_SEND_ERROR": ControllerUnreachable,
    "SLURM_COMMUNICATIONS_RECEIVE_ERROR": ControllerUnreachable,
    "SLURM_COMMUNICATIONS_SHUTDOWN_ERROR": ControllerUnreachable,
    "SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR": ControllerUnreachable,
    "SLURMCTLD_COMMUNICATIONS_SEND_ERROR": ControllerUnreachable,
    "SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR": ControllerUnreachable,
    "SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR": ControllerUnreachable,
    "SLURMCTLD_COMMUNICATIONS_BACKOFF": ControllerUnreachable,
    "ESLURM_IN_STANDBY_MODE": ControllerUnreachable,
    "ESLURM_IN_STANDBY_USE_BACKUP": ControllerUnreachable,
    "SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT": SlurmTimeout,
    "ESLURM_DB_CONNECTION": DatabaseUnavailable,
    "ESLURM_DB_CONNECTION_INVALID": DatabaseUnavailable,
    "SLURM_PROTOCOL_AUTHENTICATION_ERROR": AuthenticationError,
    "ESLURM_AUTH_CRED_INVALID": AuthenticationError,
    "ESLURM_AUTH_FOPEN_ERROR": AuthenticationError,
    "ESLURM_AUTH_NET_ERROR": AuthenticationError,
    "ESLURM_AUTH_UNABLE_TO_SIGN": AuthenticationError,
    "ESLURM_AUTH_BADARG": AuthenticationError,
    "ESLURM_AUTH_INVALID": AuthenticationError,
    "ESLURM_AUTH_UNPACK": AuthenticationError,
    "ESLURM_ACCESS_DENIED": AccessDenied,
    "ESLURM_USER_ID_MISSING": AccessDenied,
    "ESLURM_RESERVATION_ACCESS": AccessDenied,
    "ESLURM_BURST_BUFFER_PERMISSION": AccessDenied,
    "ESLURM_INVALID_JOB_ID": InvalidJobId,
    "ESLURM_INVALID_NODE_NAME": InvalidNodeName,
    "ESLURM_INVALID_PARTITION_NAME": InvalidPartitionName,
    "ESLURM_RESERVATION_INVALID": InvalidReservation,
    "ESLURM_INVALID_QOS": InvalidQos,
    "ESLURM_INVALID_ACCOUNT": InvalidAccount,
    "ESLURM_INVALID_CLUSTER_NAME": InvalidCluster,
    "ESLURM_ACCOUNTING_POLICY": LimitExceeded,
    "ESLURM_QOS_THRES": LimitExceeded,
    "ESLURM_JOB_MISSING_REQUIRED_PARTITION_GROUP": AccessDenied,
    "ESLURM_ALREADY_DONE": JobStateError,
    "ESLURM_JOB_PENDING": JobStateError,
    "ESLURM_JOB_HELD": JobStateError,
    "ESLURM_JOB_NOT_PENDING": JobStateError,
    "ESLURM_JOB_SUSPENDED": JobStateError,
    "ESLURM_JOB_STARTED": JobStateError,
    "ESLURM_JOB_FINISHED": JobStateError,
    "ESLURM_JOB_NOT_RUNNING": JobStateError,
    "ESLURM_JOB_NOT_PENDING_NOR_RUNNING": JobStateError,
    "ESLURM_JOB_NOT_SUSPENDED": JobStateError,
    "ESLURM_JOB_NOT_FINISHED": JobStateError,
    "ESLURM_TRANSITION_STATE_NO_UPDATE": JobStateError,
    # No node of the partition has what the job asks for (a GPU type none has, more CPUs
    # than any node): the request, not the moment, is wrong.
    "ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE": InvalidRequest,
}


def error_class_for(name: str) -> type[SlurmError]:
    """The exception class for a Slurm errno name (``SlurmError`` when nothing fits better).

    Names of the ``ESLURM_INVALID_*`` family that have no class of their own are requests
    the controller refused for their content: :class:`InvalidRequest`.
    """
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name.startswith("ESLURM_INVALID_") or name.startswith("ESLURM_BAD_"):
        return InvalidRequest
    return SlurmError
