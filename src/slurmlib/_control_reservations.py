"""Acting on reservations: create, update and delete one, as ``scontrol create
reservation`` does.

The keywords that create_reservation and update_reservation share are described once, in
:data:`RESERVATION_SETTINGS` (see :mod:`slurmlib._control`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from . import native
from ._cbuffers import CBuffers
from ._control import Setting, c_minutes, call, check_keywords, comma_names, fill, settings
from ._control_nodes import node_list
from ._validate import check_choice, check_count, check_text, check_timestamp
from .convert import Unlimited
from .native import ffi, lib
from .states import RESERVATION_FLAG_ALIASES
from .states import RESERVATION_FLAGS as RESERVATION_FLAG_BITS

__all__ = ["RESERVATION_FLAGS", "RESERVATION_SETTINGS", "ReservationControl"]

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


def _nodes(field: str, value: object) -> str:
    return "ALL" if value == "ALL" else node_list(field, value)


def _flag_bits(field: str, value: object) -> int:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError("flags must be a list of flag names, like ['MAINT', 'IGNORE_JOBS']")
    bits = 0
    for flag in value:
        bits |= check_choice(field, flag, RESERVATION_FLAGS)
    return bits


RESERVATION_SETTINGS = (
    Setting("start", "start_time", check_timestamp),
    Setting("end", "end_time", check_timestamp),
    Setting("duration", "duration", c_minutes),
    Setting("nodes", "node_list", _nodes),
    Setting("node_count", "node_cnt", check_count),
    Setting("users", "users", comma_names),
    Setting("accounts", "accounts", comma_names),
    Setting("partition", "partition", check_text),
    Setting("flags", "flags", _flag_bits),
    Setting("features", "features", check_text),
)
"""The keywords of create_reservation and update_reservation, and the ``resv_desc_msg_t``
fields they fill."""

_RESV_COUNT_IS_ARRAY = (
    ffi.typeof("resv_desc_msg_t")
    .fields[[name for name, _ in ffi.typeof("resv_desc_msg_t").fields].index("node_cnt")][1]
    .type.kind
    == "pointer"
)  # a zero-terminated array until 23.02, one number after


def _request(name: str | None, arguments: dict[str, Any]) -> tuple[Any, CBuffers]:
    """Check every setting, then build a ``resv_desc_msg_t`` (its buffers beside it)."""
    named: dict[str, str | int] = {} if name is None else {"name": check_text("name", name)}
    fields = {**named, **settings(RESERVATION_SETTINGS, arguments)}
    node_count = fields.pop("node_cnt", None)
    buffers = CBuffers()
    msg = buffers.keep(ffi.new("resv_desc_msg_t *"))
    lib.slurm_init_resv_desc_msg(msg)
    fill(msg, buffers, fields)
    if node_count is not None:
        msg.node_cnt = (
            buffers.keep(ffi.new("uint32_t[]", [node_count, 0]))
            if _RESV_COUNT_IS_ARRAY
            else node_count
        )
    return msg, buffers


_XMALLOC_MAGIC = 0x42


@cache
def _libc_free() -> Any:
    import ctypes  # at the first reservation made: a program that only reads never needs it

    free = ctypes.CDLL(None).free
    free.argtypes = [ctypes.c_void_p]
    free.restype = None
    return free


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
        _libc_free()(int(ffi.cast("uintptr_t", name)))


class ReservationControl:
    """The reservation writes of :class:`~slurmlib.Cluster`."""

    def create_reservation(
        self,
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
        """Create a reservation and return its name.

        ``start`` defaults to now; give ``end`` or ``duration`` (minutes or timedelta),
        ``nodes`` (a host list, or "ALL") or ``node_count``, and ``users`` or ``accounts``.
        ``flags`` by scontrol's names: MAINT, IGNORE_JOBS, DAILY, WEEKLY, FLEX, ...
        """
        # Slurm makes a name up when none is given.
        if start is None:
            start = datetime.now().astimezone()
        if end is None and duration is None:
            raise ValueError("create_reservation: give end or duration")
        if nodes is None and node_count is None:
            raise ValueError("create_reservation: give nodes or node_count")
        if users is None and accounts is None:
            raise ValueError("create_reservation: give users or accounts")
        msg, buffers = _request(name, locals())  # locals(): the arguments, by keyword
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
        self,
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
        """Change a reservation; ``None`` leaves a field as it is."""
        check_text("name", name)
        msg, buffers = _request(name, locals())  # locals(): the arguments, by keyword
        call(f"updating reservation {name}", lambda: lib.slurm_update_reservation(msg))
        del buffers  # the request's strings lived until here

    def delete_reservation(self, name: str) -> None:
        check_text("name", name)
        buffers = CBuffers()
        msg = buffers.keep(ffi.new("reservation_name_msg_t *"))
        msg.name = buffers.text(name)
        call(f"deleting reservation {name}", lambda: lib.slurm_delete_reservation(msg))


check_keywords(ReservationControl.create_reservation, RESERVATION_SETTINGS)
check_keywords(ReservationControl.update_reservation, RESERVATION_SETTINGS)
