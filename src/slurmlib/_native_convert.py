"""The conversions of :mod:`slurmlib.convert` that read C memory or call libslurm.

They need the compiled bindings, which the rest of ``convert`` does not; ``convert`` gives
each of them by its old name (``convert.text``) on first use, so callers never import this
module themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from .native import capabilities, ffi, lib

__all__ = ["STEP_NAMES", "expand_hostlist", "list_items", "split_list", "text"]


def text(ptr: Any) -> str | None:
    """A C string, or None for NULL."""
    if ptr == ffi.NULL:
        return None
    return ffi.string(ptr).decode(errors="replace")  # type: ignore[no-any-return]


def split_list(ptr: Any, sep: str = ",") -> tuple[str, ...]:
    """A separated C string as a tuple (NULL and "" give an empty tuple)."""
    value = text(ptr)
    if not value:
        return ()
    return tuple(item for item in value.split(sep) if item)


def expand_hostlist(value: str | None) -> tuple[str, ...]:
    """``"node[1-3],gpu01"`` → every host name, expanded by libslurm's own hostlist code."""
    if not value:
        return ()
    hostlist = lib.slurm_hostlist_create(value.encode())
    if hostlist == ffi.NULL:
        raise ValueError(f"not a host list: {value!r}")
    try:
        expanded = lib.slurm_hostlist_deranged_string_xmalloc(hostlist)
        try:
            names = text(expanded) or ""
        finally:
            lib.slurm_xfree_ptr(expanded)
    finally:
        lib.slurm_hostlist_destroy(hostlist)
    return tuple(names.split(",")) if names else ()


def list_items(xlist: Any, ctype: str) -> Iterator[Any]:
    """The elements of a Slurm ``list_t``, cast to ``ctype *`` (nothing for NULL).

    Walked with libslurm's own iterator; the list and its elements stay Slurm's.
    """
    if xlist == ffi.NULL:
        return
    iterator = lib.slurm_list_iterator_create(xlist)
    try:
        while True:
            item = lib.slurm_list_next(iterator)
            if item == ffi.NULL:
                return
            yield ffi.cast(ctype + " *", item)
    finally:
        lib.slurm_list_iterator_destroy(iterator)


# The names Slurm prints for its special step ids ("123.batch"); the ids of this release.
STEP_NAMES: Final = {
    int(getattr(lib, constant)): name
    for constant, name in (
        ("SLURM_BATCH_SCRIPT", "batch"),
        ("SLURM_EXTERN_CONT", "extern"),
        ("SLURM_INTERACTIVE_STEP", "interactive"),
        ("SLURM_PENDING_STEP", "pending"),
    )
    if capabilities.has_constant(constant)
}
