"""libslurm's own log lines, kept from the caller's stderr: they go to Python ``logging``
(:data:`libslurm_logger`), and the lines of a failed call travel in its exception.

libslurm writes its log to C's ``stderr`` stream; once :func:`slurmlib.native.init` has run,
that stream appends to an in-memory file that this module reads (see
``ffi_builder.LOG_CAPTURE_SOURCE`` for the C side).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections import deque

from . import _log
from ._native_load import ffi, lib

__all__ = ["LIBSLURM_LOGGER", "capture", "take_libslurm_log"]

LIBSLURM_LOGGER = "slurmlib.libslurm"

# logging's levels by number (fixed by the logging module's documentation): the import of
# logging waits for the first line (see _log).
_LOG_LEVELS = (
    ("fatal", 50),  # CRITICAL
    ("error", 40),  # ERROR
    ("warning", 30),  # WARNING
    ("debug", 10),  # DEBUG
)
_INFO = 20


class _LibslurmLog:
    """libslurm's log, kept in an in-memory file that C's stderr stream appends to (see
    ffi_builder.LOG_CAPTURE_SOURCE).

    A file and not a pipe: a write to it never blocks, so no thread has to drain it (a
    thread would make every later ``fork()`` of the program one that Python warns about).
    Its lines are taken when a call's return code is checked, and by a failed call for its
    exception; once a megabyte has been read, C's stream moves on to a fresh file.
    """

    ROTATE_AT = 1 << 20

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fd = -1  # where this process reads; C's stream writes to a duplicate of it
        self.offset = 0
        self.prefix = b""
        self.partial = b""
        self.unclaimed: deque[str] = deque(maxlen=64)

    @staticmethod
    def _memory_file() -> int:
        try:
            fd = os.memfd_create("slurmlib-libslurm-log", os.MFD_CLOEXEC)
        except (AttributeError, OSError):
            import tempfile  # only here: its import costs every process a few ms

            with tempfile.TemporaryFile() as spare:  # an unlinked file where memfd is not
                fd = os.dup(spare.fileno())
        # Appends land at the end whatever the reader's position (a status flag of the
        # open file, shared with the duplicate that C's stream writes to).
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
        return fd

    def start(self, *, after_fork: bool = False) -> None:
        """Point C's stderr stream at a fresh file. After a fork the child leaves what its
        parent logged to the parent."""
        with self.lock:
            fd = self._memory_file()
            writer = os.dup(fd)
            os.set_inheritable(writer, False)
            self.prefix = ffi.string(lib.slurmlib_program_name()) + b": "
            if lib.slurmlib_log_capture(writer) != 0:
                os.close(fd)
                os.close(writer)
                return  # libslurm keeps writing to stderr: worse, but nothing is lost
            old = self.fd
            if old >= 0 and not after_fork:
                self._read()  # what was written before the switch
            self.fd, self.offset, self.partial = fd, 0, b""
            if old >= 0:
                os.close(old)

    def _read(self) -> None:
        size = os.fstat(self.fd).st_size
        while self.offset < size:
            chunk = os.pread(self.fd, min(size - self.offset, 1 << 20), self.offset)
            if not chunk:
                break
            self.offset += len(chunk)
            *lines, self.partial = (self.partial + chunk).split(b"\n")
            for line in lines:
                self._line(line)

    def _line(self, line: bytes) -> None:
        if not line.startswith(self.prefix):
            os.write(2, line + b"\n")  # not libslurm's: on to where stderr went before
            return
        text = line[len(self.prefix) :].decode(errors="replace")
        level = next((lvl for word, lvl in _LOG_LEVELS if text.startswith(word)), _INFO)
        _log.logger(LIBSLURM_LOGGER).log(level, "%s", text)
        self.unclaimed.append(text)

    def pending(self) -> bool:
        """Whether anything was written since the last take (one fstat, no lock)."""
        fd = self.fd
        return fd >= 0 and os.fstat(fd).st_size > self.offset

    def take(self) -> tuple[str, ...]:
        if self.fd < 0:
            return ()
        with self.lock:
            self._read()
            lines = tuple(self.unclaimed)
            self.unclaimed.clear()
            rotate = self.offset >= self.ROTATE_AT
        if rotate:
            self.start()
        return lines


capture = _LibslurmLog()
"""The one capture of this process (:func:`slurmlib.native.init` starts it)."""


def take_libslurm_log() -> tuple[str, ...]:
    """The lines libslurm logged since they were last taken (``"error: invalid partition
    specified: nope"``); they have gone to :data:`libslurm_logger` too. In a program that
    calls Slurm from several threads at once, they may include another thread's lines."""
    return capture.take()
