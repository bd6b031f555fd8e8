"""Slurm's ``list_t`` across the boundary: lists handed to Slurm, and lists received.

Lists handed to Slurm hold strings duplicated with Slurm's allocator (``slurm_xstrdup``) in
a list created with ``slurm_xfree_ptr`` as its destructor: whoever destroys the list —
Slurm or slurmlib — frees every element with the allocator that made it.

Lists received from Slurm are walked with its iterators and destroyed with
``slurm_list_destroy``, which runs the destructor Slurm gave the list
(``slurmdb_destroy_qos_rec``, ``slurm_xfree_ptr``, ...) on every element.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..convert import list_items, text
from ..native import ffi, lib

_XFREE = ffi.addressof(lib, "slurm_xfree_ptr")
_NULL_DESTRUCTOR = ffi.cast("ListDelF", 0)


def xstrdup(value: str) -> Any:
    """A copy of ``value`` in Slurm's allocator, for a field Slurm may free."""
    return lib.slurm_xstrdup(value.encode())


def string_list(values: Iterable[str]) -> Any:
    """A new ``list_t`` of Slurm-allocated strings that frees its own elements."""
    xlist = lib.slurm_list_create(_XFREE)
    for value in values:
        lib.slurm_list_append(xlist, xstrdup(value))
    return xlist


def record_list() -> Any:
    """A new ``list_t`` without a destructor, for records whose shells Python owns.

    Destroying it frees the list only; the caller releases each record's members.
    """
    return lib.slurm_list_create(_NULL_DESTRUCTOR)


walk = list_items


def strings(xlist: Any) -> tuple[str, ...]:
    """A list of C strings as a tuple of str."""
    return tuple(text(item) or "" for item in walk(xlist, "char"))


def destroy(xlist: Any) -> None:
    """Destroy a list Slurm returned (NULL is fine): its destructor frees the elements."""
    if xlist != ffi.NULL:
        lib.slurm_list_destroy(xlist)


class Owned:
    """A list Slurm returned, destroyed when the ``with`` block ends."""

    def __init__(self, xlist: Any) -> None:
        self.xlist = xlist

    def __enter__(self) -> Any:
        return self.xlist

    def __exit__(self, *exc: object) -> None:
        destroy(self.xlist)
        self.xlist = ffi.NULL


def text_or_empty(ptr: Any) -> str:
    """A C string, "" for NULL."""
    return text(ptr) or ""
