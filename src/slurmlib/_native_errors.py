"""Errors from C, mapped in one place: a Slurm (or system) error number becomes the most
specific exception of :mod:`slurmlib.errors`, with Slurm's own message and the lines
libslurm logged for the call; :func:`check` raises it for a failed return code.
"""

from __future__ import annotations

import errno as _errno

from ._native_load import ffi, lib
from ._native_log import capture, take_libslurm_log
from .errors import (
    AccessDenied,
    ControllerUnreachable,
    InvalidRequest,
    SlurmError,
    SlurmTimeout,
    error_class_for,
)

__all__ = ["check", "errno_name", "error_for"]


def _slurm_errno_names() -> dict[int, str]:
    names: dict[int, str] = {}
    for ctype in ("slurm_err_t",):
        names.update(ffi.typeof(ctype).elements)
    return names


_ERRNO_NAMES = _slurm_errno_names()
_SYSTEM_ERRNO_CLASSES: dict[int, type[SlurmError]] = {
    _errno.EPERM: AccessDenied,
    _errno.EACCES: AccessDenied,
    _errno.ETIMEDOUT: SlurmTimeout,
    _errno.ECONNREFUSED: ControllerUnreachable,
    _errno.EHOSTUNREACH: ControllerUnreachable,
    _errno.EINVAL: InvalidRequest,
}


def errno_name(code: int) -> str:
    """Slurm's name for an error number (``ESLURM_INVALID_JOB_ID``), or the system's."""
    return _ERRNO_NAMES.get(code) or _errno.errorcode.get(code, f"E{code}")


def error_for(code: int, context: str = "") -> SlurmError:
    """The exception for a Slurm error number, with Slurm's own message and the lines
    libslurm logged in this thread since they were last taken (its ``details``)."""
    name = errno_name(code)
    message = ffi.string(lib.slurm_strerror(code)).decode(errors="replace")
    cls = _SYSTEM_ERRNO_CLASSES.get(code) if code not in _ERRNO_NAMES else None
    return (cls or error_class_for(name))(message, code, name, context, take_libslurm_log())


def check(rc: int, context: str = "") -> None:
    """Raise the typed error for a failed call.

    Slurm's calls report failure two ways: most return -1 and set errno, some return the
    error code itself. Non-zero is failure either way; the code is ``rc`` when positive,
    otherwise the errno of the call (cffi keeps it per thread, right after the call).
    """
    if rc == 0:
        if capture.pending():  # lines of a call that worked: to logging, not kept
            capture.take()
        return
    code = rc if rc > 0 else ffi.errno
    if code == 0:
        code = _errno.EIO  # failed without saying why: still never a silent success
    raise error_for(code, context)
