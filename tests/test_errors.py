"""The error tree: typed, carrying Slurm's code, name and text, and catchable as builtins."""

from __future__ import annotations

import errno
import pickle
import re

import pytest

from slurmlib import errors, native


@pytest.mark.parametrize(
    ("name", "cls", "builtin"),
    [
        ("ESLURM_INVALID_JOB_ID", errors.InvalidJobId, LookupError),
        ("ESLURM_INVALID_NODE_NAME", errors.InvalidNodeName, LookupError),
        ("ESLURM_INVALID_PARTITION_NAME", errors.InvalidPartitionName, LookupError),
        ("ESLURM_ACCESS_DENIED", errors.AccessDenied, PermissionError),
        ("ESLURM_USER_ID_MISSING", errors.AccessDenied, PermissionError),
        (
            "SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR",
            errors.ControllerUnreachable,
            ConnectionError,
        ),
        ("ESLURM_DB_CONNECTION", errors.DatabaseUnavailable, ConnectionError),
        ("ESLURM_AUTH_CRED_INVALID", errors.AuthenticationError, PermissionError),
        ("SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT", errors.SlurmTimeout, TimeoutError),
        ("ESLURM_INVALID_TIME_LIMIT", errors.InvalidRequest, ValueError),
        ("ESLURM_ACCOUNTING_POLICY", errors.LimitExceeded, errors.SlurmError),
        ("ESLURM_JOB_PENDING", errors.JobStateError, errors.SlurmError),
    ],
)
def test_slurm_codes_map_to_typed_errors_with_slurms_own_text(
    name: str, cls: type[errors.SlurmError], builtin: type[BaseException]
) -> None:
    code = getattr(native.lib, name)
    with pytest.raises(cls) as raised:
        native.check(code, "doing something")
    exc = raised.value
    assert isinstance(exc, builtin) and isinstance(exc, errors.SlurmError)
    assert exc.code == code and exc.code_name == name
    assert exc.message == native.ffi.string(native.lib.slurm_strerror(code)).decode()
    assert str(exc) == f"doing something: {exc.message} [{name}]"


def test_zero_is_success_and_minus_one_reads_errno() -> None:
    native.check(0)
    native.ffi.errno = native.lib.ESLURM_INVALID_JOB_ID
    with pytest.raises(errors.InvalidJobId):
        native.check(-1)


def test_a_failure_without_errno_is_still_an_error() -> None:
    native.ffi.errno = 0
    with pytest.raises(errors.SlurmError) as raised:
        native.check(-1)
    assert raised.value.code == errno.EIO


def test_system_errnos_keep_their_meaning() -> None:
    with pytest.raises(errors.AccessDenied):
        native.check(errno.EPERM)
    with pytest.raises(errors.ControllerUnreachable):
        native.check(errno.ECONNREFUSED)
    assert native.errno_name(errno.ENOENT) == "ENOENT"


def test_errors_survive_pickling_with_their_type_and_fields() -> None:
    exc = native.error_for(native.lib.ESLURM_INVALID_JOB_ID, "job 7")
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is errors.InvalidJobId
    assert (copy.code, copy.code_name, copy.message, copy.context) == (
        exc.code,
        exc.code_name,
        exc.message,
        exc.context,
    )
    assert str(copy) == str(exc)
    said = errors.InvalidJobId("Invalid job id", 2017, "ESLURM_INVALID_JOB_ID", "", ("error: x",))
    assert pickle.loads(pickle.dumps(said)).details == ("error: x",)


def test_an_error_shows_the_last_distinct_lines_libslurm_logged() -> None:
    lines = ("error: a", "error: retry", "error: retry", "error: b", "error: c")
    exc = errors.ControllerUnreachable("Unable to contact", 1, "E1", "loading nodes", lines)
    assert exc.details == lines
    assert str(exc).endswith("[E1] (libslurm: error: retry; error: b; error: c)")


def test_public_exception_names_are_exactly_the_documented_ones() -> None:
    tree = [line for line in (errors.__doc__ or "").splitlines() if "──" in line]
    documented = {"SlurmError"} | {re.findall(r"[A-Za-z]\w*", line)[0] for line in tree}
    assert documented == {n for n in errors.__all__ if n != "error_class_for"}
