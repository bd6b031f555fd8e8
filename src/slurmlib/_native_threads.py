"""C work in a native thread beside the caller, always joined before the read returns
(the C side is ``_build/threads_c``).

- :class:`Release`: ``with Release(msg, lib.slurm_free_job_info_msg) as release:`` frees
  ``msg`` when the block ends. A reader that has copied everything it needs out of the
  message calls ``release.start()``: the message is then freed in a thread of its own while
  the reader builds its records, and the block's end waits for that thread. Either way the
  memory is gone when the block ends, and nothing may touch ``msg`` after ``start()``.
- :class:`Beside`: one call of an ``int fn(void *)`` of the compiled module, started now
  and finished in a thread of its own; :meth:`Beside.result` waits for its return code.

Where no thread can be had, the work is done in the caller's thread instead.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from ._native_load import ffi, lib

__all__ = ["BESIDE_FROM", "Beside", "Release"]

#: The fewest records whose message :meth:`Release.start` frees in a thread: starting and
#: joining one costs about 60 µs on a 2-core machine, what freeing ~200 node records does.
BESIDE_FROM = 500


class Release:
    """Frees one C message exactly once: in a native thread after :meth:`start`, else
    when the ``with`` block ends."""

    def __init__(self, msg: Any, free: Callable[[Any], None]) -> None:
        self._msg = msg
        self._free = free
        self._thread: Any = None
        self._freed = False

    def __enter__(self) -> Release:
        return self

    def start(self, records: int) -> None:
        """The caller no longer reads the message (of ``records`` records): free it from
        now on, beside the caller, if it is large enough to be worth a thread."""
        if self._freed or records < BESIDE_FROM:
            return
        self._freed = True
        try:
            address = ffi.addressof(lib, self._free.__name__)
        except (AttributeError, TypeError):  # not one of libslurm's: freed here
            self._free(self._msg)
            return
        # libslurm's free functions all take one pointer to the message.
        thread = lib.slurmlib_release_start(ffi.cast("void (*)(void *)", address), self._msg)
        if thread == ffi.NULL:
            self._free(self._msg)
        else:
            self._thread = thread

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread is not None:
            thread, self._thread = self._thread, None
            lib.slurmlib_release_wait(thread)  # the GIL is released while it waits
        elif not self._freed:
            self._freed = True
            self._free(self._msg)


class Beside:
    """``lib.<name>(arg)`` of an ``int (void *)`` function, run in a native thread from now.

    :meth:`result` (or the end of a ``with`` block) joins the thread: nothing of it
    outlives the caller's use.
    """

    def __init__(self, name: str, arg: Any) -> None:
        self._name = name
        self._arg = arg
        self._done: tuple[int, int] | None = None
        self._thread = lib.slurmlib_call_start(ffi.addressof(lib, name), arg)
        if self._thread == ffi.NULL:  # no thread to be had: the call is made in result()
            self._thread = None

    def __enter__(self) -> Beside:
        return self

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

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.result()
