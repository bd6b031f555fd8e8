"""A call of C made in a native thread beside the caller, always joined before the caller's
read returns (the C side is ``_build/threads_c``).

:class:`Beside`: one call of an ``int fn(void *)`` of the compiled module, started now and
finished in a thread of its own; :meth:`Beside.result` waits for its return code. Where no
thread can be had, the call is made in the caller's thread instead.
"""

from __future__ import annotations

from typing import Any

from ._native_load import ffi, lib

__all__ = ["Beside"]


class Beside:
    """``lib.<name>(arg)`` of an ``int (void *)`` function, run in a native thread from now.

    :meth:`result` joins the thread: the caller calls it on every path (a ``finally``), so
    that nothing of the thread outlives the caller's use.
    """

    def __init__(self, name: str, arg: Any) -> None:
        self._name = name
        self._arg = arg
        self._done: tuple[int, int] | None = None
        self._thread = lib.slurmlib_call_start(ffi.addressof(lib, name), arg)
        if self._thread == ffi.NULL:  # no thread to be had: the call is made in result()
            self._thread = None

    def result(self) -> tuple[int, int]:
        """(return code, the errno the call left), once the call has returned."""
        if self._done is None:
            if self._thread is not None:
                thread, self._thread = self._thread, None
                error = ffi.new("int *")
                rc = lib.slurmlib_call_wait(thread, error)  # the GIL is released meanwhile
                self._done = (int(rc), int(error[0]))
            else:
                rc = getattr(lib, self._name)(self._arg)
                self._done = (int(rc), int(ffi.errno))
        return self._done
