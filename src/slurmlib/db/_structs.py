"""Structs slurmlib builds and hands to slurmdbd calls: ``*_cond`` filters and records to add.

The shell of each struct is Python's (``ffi.new``) and is never given to a
``slurmdb_destroy_*`` function, which would free it a second time with Slurm's allocator.
Everything *inside* it is Slurm's: strings come from ``slurm_xstrdup`` and lists from
``slurm_list_create(slurm_xfree_ptr)``. When the call is over, :meth:`Built.release` walks
the struct's fields and frees each list with ``slurm_list_destroy`` and each string with
``slurm_xfree_ptr``, whatever put it there: a list that Slurm's client code added to the
cond while handling it is freed as well, and one that it already freed and set to NULL is
skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from ..native import capabilities, ffi, lib
from . import _lists


@cache
def _member_kinds(ctype: str) -> tuple[tuple[str, str], ...]:
    """(field, "list" | "text") for each field that holds memory Slurm allocated."""
    kinds = []
    for name, field in ffi.typeof(ctype).fields or ():
        kind = field.type
        if kind.kind != "pointer":
            continue
        if kind.item.cname == "struct xlist":
            kinds.append((name, "list"))
        elif kind.item.cname == "char":
            kinds.append((name, "text"))
    return tuple(kinds)


class Built:
    """One struct handed to Slurm, built field by field; use as a context manager."""

    def __init__(self, ctype: str) -> None:
        self.ctype = ctype
        self.ptr: Any = ffi.new(ctype + " *")
        self._nested: list[tuple[str, Built]] = []

    def __enter__(self) -> Built:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def has(self, field: str) -> bool:
        return capabilities.has_field(self.ctype, field)

    def strings(self, field: str, values: Iterable[str] | None) -> None:
        """Set a ``list_t *`` field to Slurm-allocated copies of ``values`` (None: leave it)."""
        if values is None:
            return
        old = getattr(self.ptr, field)
        _lists.destroy(old)
        setattr(self.ptr, field, _lists.string_list(values))

    def text(self, field: str, value: str | None) -> None:
        """Set a ``char *`` field to a Slurm-allocated copy of ``value`` (None: leave it)."""
        if value is None:
            return
        old = getattr(self.ptr, field)
        if old != ffi.NULL:
            lib.slurm_xfree_ptr(old)
        setattr(self.ptr, field, _lists.xstrdup(value))

    def nested(self, field: str, ctype: str) -> Built:
        """A struct pointed to by ``field`` (``account_cond.assoc_cond``), owned like this one."""
        inner = Built(ctype)
        self._nested.append((field, inner))
        setattr(self.ptr, field, inner.ptr)
        return inner

    def flag(self, old_field: str, flag_constant: str) -> None:
        """Switch on an option that was a boolean field and became a bit of ``flags``.

        Releases before the change have ``old_field``; later ones the constant.
        """
        if self.has(old_field):
            setattr(self.ptr, old_field, 1)
        elif capabilities.has_constant(flag_constant):
            self.ptr.flags |= int(getattr(lib, flag_constant))
        else:
            raise NotImplementedError(
                f"{self.ctype} has neither {old_field} nor a {flag_constant} flag in this "
                "Slurm release"
            )

    def release(self) -> None:
        """Free what Slurm allocated inside the struct; the shell stays Python's."""
        for field, inner in self._nested:
            inner.release()
            setattr(self.ptr, field, ffi.NULL)
        self._nested.clear()
        for field, kind in _member_kinds(self.ctype):
            value = getattr(self.ptr, field)
            if value == ffi.NULL:
                continue
            if kind == "list":
                lib.slurm_list_destroy(value)
            else:
                lib.slurm_xfree_ptr(value)
            setattr(self.ptr, field, ffi.NULL)
