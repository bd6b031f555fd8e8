"""Scoped C inputs: the cffi buffers of one request, kept alive exactly as long as the call.

A request struct handed to libslurm (``job_desc_msg_t``, ``update_node_msg_t``,
``resv_desc_msg_t``...) points at strings and arrays that cffi allocated; cffi frees each
one when its Python object goes. :class:`CBuffers` holds them all, so that nothing a
request points at is freed while C still reads it. None of it is ever handed to a Slurm
free function: the calls that take these requests only read them.

Beside the native layer because every write uses it (the controller writes, the submit
path); it needs nothing but ``ffi``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .native import ffi

__all__ = ["CBuffers"]


class CBuffers:
    """Keeps the cffi buffers of one request alive while C reads them."""

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held: list[Any] = []

    def text(self, value: str | bytes) -> Any:
        """A NUL-terminated copy of ``value`` (checked for NUL bytes by the caller)."""
        data = value if isinstance(value, bytes) else value.encode()
        buffer = ffi.new("char[]", data)
        self._held.append(buffer)
        return buffer

    def optional(self, value: str | None) -> Any:
        return ffi.NULL if value is None else self.text(value)

    def text_array(self, values: Iterable[str | bytes]) -> tuple[Any, int]:
        """A ``char **`` of copies of ``values`` and their number.

        The copies share one buffer, NUL after each (checked for NUL bytes by the caller):
        a job's environment is a hundred strings, and one allocation per string was most
        of the time a submission spends here.
        """
        items = [v if isinstance(v, bytes) else v.encode() for v in values]
        array = ffi.new("char *[]", len(items) or 1)
        self._held.append(array)
        if items:
            packed = ffi.new("char[]", b"\0".join(items))  # ffi.new adds the last NUL
            self._held.append(packed)
            offset = 0
            for index, item in enumerate(items):
                array[index] = packed + offset
                offset += len(item) + 1
        return array, len(items)

    def keep(self, cdata: Any) -> Any:
        """Hold ``cdata`` (a struct made with ``ffi.new``) for as long as the others."""
        self._held.append(cdata)
        return cdata
