"""Acting on the controller: jobs, nodes, reservations and partitions.

Every function validates all of its input first (``ValueError``/``TypeError`` naming the
argument) and only then builds the request and calls libslurm under ``native.api_lock``.
The controller's refusals come back as the typed exceptions of :mod:`slurmlib.errors` with
Slurm's own message. Request structs and their strings are cffi allocations that live for
the call (:class:`~slurmlib._cbuffers.CBuffers`); Slurm's answers are freed by Slurm's own
functions.

Job calls use the variants that take the job id as text (``slurm_kill_job2``,
``slurm_suspend2``, ``slurm_requeue2``, ``slurm_update_job2``): their signatures are the same
from 22.05 to 26.05, where the numeric ones changed to take a step id struct by value, and
they accept array tasks (``"12_3"``) and whole arrays.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal as signal_module
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from . import native
from ._cbuffers import CBuffers
from ._validate import (
    check_count,
    check_dependency,
    check_names,
    check_text,
    time_limit_minutes,
)
from .convert import Unlimited
from .native import capabilities, ffi, lib
from .records import JobRef
from .states import RESERVATION_FLAG_ALIASES
from .states import RESERVATION_FLAGS as RESERVATION_FLAG_BITS

__all__ = [
    "JobRef",
    "cancel",
    "create_partition",
    "create_reservation",
    "delete_partition",
    "delete_reservation",
    "hold",
    "release",
    "requeue",
    "resume",
    "send_signal",
    "suspend",
    "update_job",
    "update_node",
    "update_partition",
    "update_reservation",
]


_NO_VAL = int(lib.NO_VAL)
_INFINITE = int(lib.INFINITE)
_NICE_OFFSET = int(lib.NICE_OFFSET)

# --- input checks -----------------------------------------------------------------------

_JOB_TEXT = re.compile(r"^\d+(?:_(?:\d+|\[[\d,\-:%]+\]))?$")


def job_text(job: object) -> str:
    """The job id as the controller's text form, checked."""
    if isinstance(job, bool) or not isinstance(job, int | str):
        raise TypeError(f"job must be a job id (int) or its text like '12_3', not {job!r}")
    if isinstance(job, int):
        check_count("job", job, maximum=0xFFFFFFFD)
        return str(job)
    check_text("job", job)
    if not _JOB_TEXT.match(job) or int(job.split("_")[0]) == 0:
        raise ValueError(f"job must look like '12', '12_3' or '12_[1-4]', not {job!r}")
    return job


def _signal_number(value: object) -> int:
    """A signal as its number, from an int, a ``signal.Signals`` or a name (``"USR1"``)."""
    if isinstance(value, str):
        name = check_text("signal", value).upper()
        name = name if name.startswith("SIG") else "SIG" + name
        try:
            return int(signal_module.Signals[name])
        except KeyError:
            raise ValueError(f"signal: unknown signal name {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"signal must be a number, a signal.Signals or a name, not {value!r}")
    return check_count("signal", int(value), maximum=signal_module.SIGRTMAX)


def node_list(value: object) -> str:
    """Nodes as one host list: ``"node[1-2]"``, ``"node1,node2"`` or a list of names."""
    return ",".join(check_names("nodes", value))


def _minutes(field: str, value: object) -> int:
    """Whole minutes (``timedelta``, int or UNLIMITED) as Slurm's uint32 (INFINITE)."""
    minutes = time_limit_minutes(field, value)
    return _INFINITE if isinstance(minutes, Unlimited) else minutes


def _timestamp(field: str, value: object) -> int:
    if not isinstance(value, datetime):
        raise TypeError(f"{field} must be a timezone-aware datetime, not {value!r}")
    if value.tzinfo is None:
        raise ValueError(f"{field} must be timezone-aware (e.g. datetime.now(UTC))")
    return int(value.timestamp())


def _choice(field: str, value: object, choices: Mapping[str, int]) -> int:
    """The constant for a name out of ``choices`` (case-insensitive)."""
    name = check_text(field, value).upper()
    if name not in choices:
        raise ValueError(f"{field}: unknown value {value!r}; one of {', '.join(sorted(choices))}")
    return choices[name]


def _constants(prefix: str, names: Iterable[str]) -> dict[str, int]:
    """Name → value for the constants ``prefix + name`` this Slurm release defines."""
    return {
        name: int(getattr(lib, prefix + name))
        for name in names
        if capabilities.has_constant(prefix + name)
    }


# --- calling -----------------------------------------------------------------------------


def _call(what: str, call: Callable[[], int]) -> None:
    with native.api_lock:
        native.check(call(), what)


def _call_with_array_answer(what: str, call: Callable[[Any], int]) -> None:
    """Calls that answer per array task: any task's error is raised, naming the task."""
    with native.api_lock:
        out = ffi.new("job_array_resp_msg_t **")
        rc = call(out)
        answer = out[0]
        failed: tuple[int, str] | None = None
        if answer != ffi.NULL:
            try:
                for i in range(int(answer.job_array_count)):
                    code = int(answer.error_code[i])
                    if code and failed is None:
                        task = answer.job_array_id[i]
                        failed = (code, ffi.string(task).decode() if task != ffi.NULL else "")
            finally:
                lib.slurm_free_job_array_resp(answer)
        native.check(rc, what)
        if failed is not None:
            raise native.error_for(failed[0], f"{what} (job {failed[1]})")


# --- jobs ------------------------------------------------------------------------------

_SIGNAL_SCOPES = {
    # scancel's default: every step, but not the batch script
    "steps": 0,
    "batch": int(lib.KILL_JOB_BATCH),
    "full": int(lib.KILL_FULL_JOB),
}


def cancel(job: JobRef, signal: int | str | None = None) -> None:
    """Cancel ``job`` (``scancel``); with ``signal``, send that signal instead (``scancel -s``)."""
    ref = job_text(job)
    number = int(signal_module.SIGKILL) if signal is None else _signal_number(signal)
    _call(
        f"cancelling job {ref}",
        lambda: lib.slurm_kill_job2(ref.encode(), number, 0, ffi.NULL),
    )


def send_signal(job: JobRef, signal: int | str, scope: str = "full") -> None:
    """Send ``signal`` to a running job: to every process (``scope="full"``, the batch script
    included), the batch script only (``"batch"``) or its steps only (``"steps"``)."""
    ref = job_text(job)
    number = _signal_number(signal)
    flags = _choice("scope", scope, {k.upper(): v for k, v in _SIGNAL_SCOPES.items()})
    _call(
        f"signalling job {ref}",
        lambda: lib.slurm_kill_job2(ref.encode(), number, flags, ffi.NULL),
    )


def suspend(job: JobRef) -> None:
    ref = job_text(job)
    _call_with_array_answer(
        f"suspending job {ref}",
        lambda out: lib.slurm_suspend2(ffi.new("char[]", ref.encode()), out),
    )


def resume(job: JobRef) -> None:
    ref = job_text(job)
    _call_with_array_answer(
        f"resuming job {ref}",
        lambda out: lib.slurm_resume2(ffi.new("char[]", ref.encode()), out),
    )


def requeue(job: JobRef, hold: bool = False) -> None:
    """Put a running or finished batch job back in the queue (held with ``hold=True``)."""
    ref = job_text(job)
    if not isinstance(hold, bool):
        raise TypeError("hold must be True or False")
    flags = int(lib.JOB_REQUEUE_HOLD) if hold else 0
    _call_with_array_answer(
        f"requeueing job {ref}",
        lambda out: lib.slurm_requeue2(ffi.new("char[]", ref.encode()), flags, out),
    )


def _update(ref: str, what: str, fill: Callable[[Any, CBuffers], None]) -> None:
    buffers = CBuffers()
    desc = buffers.keep(ffi.new("job_desc_msg_t *"))
    lib.slurm_init_job_desc_msg(desc)
    desc.job_id_str = buffers.text(ref)
    fill(desc, buffers)
    _call_with_array_answer(what, lambda out: lib.slurm_update_job2(desc, out))


def hold(job: JobRef, user: bool = False) -> None:
    """Hold a pending job. An admin's hold (the default for operators) can only be released
    by an admin; ``user=True`` makes it a user hold, which the job's owner may release."""
    ref = job_text(job)
    if not isinstance(user, bool):
        raise TypeError("user must be True or False")

    def fill(desc: Any, _: CBuffers) -> None:
        desc.priority = 0
        if user:
            desc.alloc_sid = int(lib.ALLOC_SID_USER_HOLD)

    _update(ref, f"holding job {ref}", fill)


def release(job: JobRef) -> None:
    """Release a held job (it gets a priority from the priority plugin again)."""
    ref = job_text(job)

    def fill(desc: Any, _: CBuffers) -> None:
        desc.priority = _INFINITE

    _update(ref, f"releasing job {ref}", fill)


def update_job(
    job: JobRef,
    *,
    time_limit: timedelta | int | Unlimited | None = None,
    partition: str | Iterable[str] | None = None,
    qos: str | None = None,
    account: str | None = None,
    priority: int | None = None,
    nice: int | None = None,
    name: str | None = None,
    dependency: str | None = None,
    comment: str | None = None,
) -> None:
    """Change a job, as ``scontrol update job``. ``None`` leaves a field unchanged;
    ``dependency=""`` and ``comment=""`` clear them."""
    ref = job_text(job)
    strings: dict[str, str] = {}
    if partition is not None:
        strings["partition"] = ",".join(check_names("partition", partition))
    for field, value in (("qos", qos), ("account", account), ("name", name)):
        if value is not None:
            strings[field] = check_text(field, value)
    if dependency is not None:
        strings["dependency"] = check_dependency("dependency", dependency, empty=True)
    if comment is not None:
        strings["comment"] = check_text("comment", comment, empty=True)
    numbers: dict[str, int] = {}
    if time_limit is not None:
        numbers["time_limit"] = _minutes("time_limit", time_limit)
    if priority is not None:
        numbers["priority"] = check_count("priority", priority, minimum=0, maximum=0xFFFFFFFD)
    if nice is not None:
        numbers["nice"] = _NICE_OFFSET + check_count(
            "nice", nice, minimum=-(_NICE_OFFSET - 3), maximum=_NICE_OFFSET - 3
        )
    if not strings and not numbers:
        raise ValueError("update_job: nothing to change")

    def fill(desc: Any, buffers: CBuffers) -> None:
        for field, text in strings.items():
            setattr(desc, field, buffers.text(text))
        for field, number in numbers.items():
            setattr(desc, field, number)

    _update(ref, f"updating job {ref}", fill)


# --- nodes ------------------------------------------------------------------------------

NODE_UPDATE_STATES = {
    **_constants("NODE_STATE_", ("DOWN", "DRAIN", "FAIL", "UNDRAIN", "POWER_DOWN", "POWER_UP")),
    "RESUME": int(lib.NODE_RESUME),
}
"""The states ``update_node`` can set, as ``scontrol update node State=``."""


def update_node(
    nodes: str | Iterable[str],
    *,
    state: str | None = None,
    reason: str | None = None,
    weight: int | None = None,
    features: str | Iterable[str] | None = None,
    active_features: str | Iterable[str] | None = None,
    gres: str | None = None,
    comment: str | None = None,
) -> None:
    """Change nodes, as ``scontrol update node``; ``None`` leaves a field unchanged.

    ``state`` is one of DOWN, DRAIN, FAIL, RESUME, UNDRAIN, POWER_DOWN, POWER_UP; DOWN,
    DRAIN and FAIL need a ``reason``. ``features=""`` clears the features.
    """
    names = node_list(nodes)
    state_value = None if state is None else _choice("state", state, NODE_UPDATE_STATES)
    if reason is not None:
        check_text("reason", reason)
    needs_reason = {NODE_UPDATE_STATES[s] for s in ("DOWN", "DRAIN", "FAIL")}
    if state_value in needs_reason and reason is None:
        raise ValueError(f"reason: setting nodes {str(state).upper()} needs a reason")
    if weight is not None:
        check_count("weight", weight, maximum=0xFFFFFFFD)
    texts = {
        "features": None if features is None else _feature_list("features", features),
        "features_act": (
            None if active_features is None else _feature_list("active_features", active_features)
        ),
        "gres": None if gres is None else check_text("gres", gres, empty=True),
        "comment": None if comment is None else check_text("comment", comment, empty=True),
        "reason": reason,
    }
    if state_value is None and weight is None and all(v is None for v in texts.values()):
        raise ValueError("update_node: nothing to change")
    buffers = CBuffers()
    msg = buffers.keep(ffi.new("update_node_msg_t *"))
    lib.slurm_init_update_node_msg(msg)
    msg.node_names = buffers.text(names)
    if state_value is not None:
        msg.node_state = state_value
    if weight is not None:
        msg.weight = weight
    for field, text in texts.items():
        if text is not None:
            setattr(msg, field, buffers.text(text))
    if reason is not None and capabilities.has_field("update_node_msg_t", "reason_uid"):
        # Until 25.x the client names who set the reason; later the controller takes it
        # from the request's credential.
        msg.reason_uid = os.getuid()
    _call(f"updating nodes {names}", lambda: lib.slurm_update_node(msg))


def _feature_list(field: str, value: object) -> str:
    if isinstance(value, str) and value == "":
        return ""
    return ",".join(check_names(field, value))


# --- reservations -------------------------------------------------------------------------

RESERVATION_FLAGS = {
    **RESERVATION_FLAG_BITS,
    **{
        alias: RESERVATION_FLAG_BITS[name]
        for alias, name in RESERVATION_FLAG_ALIASES.items()
        if name in RESERVATION_FLAG_BITS
    },
}
"""Reservation flags by scontrol's names, for the flags this Slurm release has: the names
reads report (``slurmlib.states.RESERVATION_FLAGS``, so that a flag read can be written
back), and the names ``scontrol create reservation`` takes for two of them."""

_RESV_COUNT_IS_ARRAY = (
    ffi.typeof("resv_desc_msg_t")
    .fields[[name for name, _ in ffi.typeof("resv_desc_msg_t").fields].index("node_cnt")][1]
    .type.kind
    == "pointer"
)  # a zero-terminated array until 23.02, one number after


def _reservation_request(
    name: str | None,
    *,
    start: datetime | None,
    end: datetime | None,
    duration: timedelta | int | Unlimited | None,
    nodes: str | Iterable[str] | None,
    node_count: int | None,
    users: str | Iterable[str] | None,
    accounts: str | Iterable[str] | None,
    partition: str | None,
    flags: Iterable[str] | None,
    features: str | None,
) -> tuple[Any, CBuffers, str]:
    """Validate everything, then build a ``resv_desc_msg_t`` (and describe it)."""
    texts: dict[str, str] = {}
    if name is not None:
        texts["name"] = check_text("name", name)
    if nodes is not None:
        texts["node_list"] = "ALL" if nodes == "ALL" else node_list(nodes)
    if users is not None:
        texts["users"] = ",".join(check_names("users", users))
    if accounts is not None:
        texts["accounts"] = ",".join(check_names("accounts", accounts))
    if partition is not None:
        texts["partition"] = check_text("partition", partition)
    if features is not None:
        texts["features"] = check_text("features", features)
    numbers: dict[str, int] = {}
    if start is not None:
        numbers["start_time"] = _timestamp("start", start)
    if end is not None:
        numbers["end_time"] = _timestamp("end", end)
    if duration is not None:
        numbers["duration"] = _minutes("duration", duration)
    if flags is not None:
        if isinstance(flags, str) or not isinstance(flags, Iterable):
            raise TypeError("flags must be a list of flag names, like ['MAINT', 'IGNORE_JOBS']")
        bits = 0
        for flag in flags:
            bits |= _choice("flags", flag, RESERVATION_FLAGS)
        numbers["flags"] = bits
    if node_count is not None:
        check_count("node_count", node_count)
    buffers = CBuffers()
    msg = buffers.keep(ffi.new("resv_desc_msg_t *"))
    lib.slurm_init_resv_desc_msg(msg)
    for field, text in texts.items():
        setattr(msg, field, buffers.text(text))
    for field, number in numbers.items():
        setattr(msg, field, number)
    if node_count is not None:
        msg.node_cnt = (
            buffers.keep(ffi.new("uint32_t[]", [node_count, 0]))
            if (_RESV_COUNT_IS_ARRAY)
            else node_count
        )
    return msg, buffers, texts.get("name", "")


_libc_free = ctypes.CDLL(None).free
_libc_free.argtypes = [ctypes.c_void_p]
_libc_free.restype = None
_XMALLOC_MAGIC = 0x42


def _free_created_name(name: Any) -> None:
    """Free the name ``slurm_create_reservation`` returns, with the allocator that made it.

    Releases up to 24.11 return it strdup'd (the C library's malloc); 26.05 xstrdup's it
    (its header says: "caller must xfree"). Slurm's xmalloc puts a cookie and the size in the
    two words before every block it returns (xfree itself checks them): that cookie says
    which free is the right one, for this very pointer, whatever the release.
    """
    header = ffi.cast("size_t *", name)
    if int(header[-2]) == _XMALLOC_MAGIC and int(header[-1]) == len(ffi.string(name)) + 1:
        lib.slurm_xfree_ptr(name)
    else:
        _libc_free(int(ffi.cast("uintptr_t", name)))


def create_reservation(
    name: str | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    duration: timedelta | int | Unlimited | None = None,
    nodes: str | Iterable[str] | None = None,
    node_count: int | None = None,
    users: str | Iterable[str] | None = None,
    accounts: str | Iterable[str] | None = None,
    partition: str | None = None,
    flags: Iterable[str] | None = None,
    features: str | None = None,
) -> str:
    """Create a reservation; returns its name (Slurm makes one up when none is given)."""
    if start is None:
        start = datetime.now().astimezone()
    if end is None and duration is None:
        raise ValueError("create_reservation: give end or duration")
    if nodes is None and node_count is None:
        raise ValueError("create_reservation: give nodes or node_count")
    if users is None and accounts is None:
        raise ValueError("create_reservation: give users or accounts")
    msg, buffers, _ = _reservation_request(
        name,
        start=start,
        end=end,
        duration=duration,
        nodes=nodes,
        node_count=node_count,
        users=users,
        accounts=accounts,
        partition=partition,
        flags=flags,
        features=features,
    )
    with native.api_lock:
        created = lib.slurm_create_reservation(msg)
        if created == ffi.NULL:
            native.check(-1, f"creating reservation {name or ''}".rstrip())
        try:
            return ffi.string(created).decode()  # type: ignore[no-any-return]
        finally:
            _free_created_name(created)
            del buffers  # the request's strings lived until here


def update_reservation(
    name: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    duration: timedelta | int | Unlimited | None = None,
    nodes: str | Iterable[str] | None = None,
    node_count: int | None = None,
    users: str | Iterable[str] | None = None,
    accounts: str | Iterable[str] | None = None,
    partition: str | None = None,
    flags: Iterable[str] | None = None,
    features: str | None = None,
) -> None:
    """Change a reservation; ``None`` leaves a field unchanged."""
    check_text("name", name)
    msg, buffers, _ = _reservation_request(
        name,
        start=start,
        end=end,
        duration=duration,
        nodes=nodes,
        node_count=node_count,
        users=users,
        accounts=accounts,
        partition=partition,
        flags=flags,
        features=features,
    )
    _call(f"updating reservation {name}", lambda: lib.slurm_update_reservation(msg))
    del buffers  # the request's strings lived until here


def delete_reservation(name: str) -> None:
    check_text("name", name)
    buffers = CBuffers()
    msg = buffers.keep(ffi.new("reservation_name_msg_t *"))
    msg.name = buffers.text(name)
    _call(f"deleting reservation {name}", lambda: lib.slurm_delete_reservation(msg))


# --- partitions ----------------------------------------------------------------------------

PARTITION_STATES = _constants("PARTITION_", ("UP", "DOWN", "DRAIN", "INACTIVE"))
"""Partition states by name, as ``scontrol update partition State=``."""

# (flag, its clearing flag) for the boolean partition settings
_PARTITION_FLAGS = {
    "default": ("PART_FLAG_DEFAULT", "PART_FLAG_DEFAULT_CLR"),
    "hidden": ("PART_FLAG_HIDDEN", "PART_FLAG_HIDDEN_CLR"),
    "root_only": ("PART_FLAG_ROOT_ONLY", "PART_FLAG_ROOT_ONLY_CLR"),
    "exclusive_user": ("PART_FLAG_EXCLUSIVE_USER", "PART_FLAG_EXC_USER_CLR"),
}


def _partition_request(
    name: str,
    *,
    nodes: str | Iterable[str] | None,
    state: str | None,
    max_time: timedelta | int | Unlimited | None,
    default_time: timedelta | int | Unlimited | None,
    max_nodes: int | Unlimited | None,
    min_nodes: int | None,
    priority_tier: int | None,
    allow_accounts: str | Iterable[str] | None,
    allow_qos: str | Iterable[str] | None,
    allow_groups: str | Iterable[str] | None,
    switches: Mapping[str, bool | None],
) -> tuple[Any, CBuffers]:
    check_text("name", name)
    texts = {"name": name}
    if nodes is not None:
        texts["nodes"] = "" if nodes == "" else node_list(nodes)
    for field, value in (
        ("allow_accounts", allow_accounts),
        ("allow_qos", allow_qos),
        ("allow_groups", allow_groups),
    ):
        if value is not None:
            texts[field] = "ALL" if value == "ALL" else ",".join(check_names(field, value))
    numbers: dict[str, int] = {}
    if state is not None:
        numbers["state_up"] = _choice("state", state, PARTITION_STATES)
    if max_time is not None:
        numbers["max_time"] = _minutes("max_time", max_time)
    if default_time is not None:
        numbers["default_time"] = _minutes("default_time", default_time)
    if max_nodes is not None:
        numbers["max_nodes"] = (
            _INFINITE if isinstance(max_nodes, Unlimited) else check_count("max_nodes", max_nodes)
        )
    if min_nodes is not None:
        numbers["min_nodes"] = check_count("min_nodes", min_nodes, minimum=0)
    if priority_tier is not None:
        numbers["priority_tier"] = check_count(
            "priority_tier", priority_tier, minimum=0, maximum=0xFFFD
        )
    flags = 0
    for switch, on in switches.items():
        if on is None:
            continue
        if not isinstance(on, bool):
            raise TypeError(f"{switch} must be True, False or None")
        flag, clear = _PARTITION_FLAGS[switch]
        flags |= int(getattr(lib, flag if on else clear))
    buffers = CBuffers()
    msg = buffers.keep(ffi.new(_PARTITION_REQUEST))
    lib.slurm_init_part_desc_msg(msg)
    for field, text in texts.items():
        setattr(msg, field, buffers.text(text))
    for field, number in numbers.items():
        setattr(msg, field, number)
    if flags:
        msg.flags = flags
    return msg, buffers


# The request's type is the one the bound prototypes take: update_part_msg_t * up to 26.05,
# partition_info_t * once that typedef is gone (both name struct partition_info).
_PARTITION_REQUEST = ffi.typeof(lib.slurm_init_part_desc_msg).args[0]


def create_partition(name: str, **settings: Any) -> None:
    """Create a partition (see :meth:`Cluster.create_partition` for the settings)."""
    msg, buffers = _partition_request(name, **_partition_settings(settings))
    _call(f"creating partition {name}", lambda: lib.slurm_create_partition(msg))
    del buffers  # the request's strings lived until here


def update_partition(name: str, **settings: Any) -> None:
    msg, buffers = _partition_request(name, **_partition_settings(settings))
    _call(f"updating partition {name}", lambda: lib.slurm_update_partition(msg))
    del buffers  # the request's strings lived until here


def delete_partition(name: str) -> None:
    check_text("name", name)
    buffers = CBuffers()
    msg = buffers.keep(ffi.new("delete_part_msg_t *"))
    msg.name = buffers.text(name)
    _call(f"deleting partition {name}", lambda: lib.slurm_delete_partition(msg))


_PARTITION_SETTINGS = (
    "nodes",
    "state",
    "max_time",
    "default_time",
    "max_nodes",
    "min_nodes",
    "priority_tier",
    "allow_accounts",
    "allow_qos",
    "allow_groups",
)


def _partition_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(settings) - set(_PARTITION_SETTINGS) - set(_PARTITION_FLAGS)
    if unknown:
        raise TypeError(f"unknown partition settings: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {key: settings.get(key) for key in _PARTITION_SETTINGS}
    values["switches"] = {key: settings.get(key) for key in _PARTITION_FLAGS}
    return values
