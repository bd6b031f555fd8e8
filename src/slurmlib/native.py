"""The native layer: the one module that imports slurmlib's compiled bindings.

It holds what every higher layer needs from C:

- ``ffi`` and ``lib``: the cffi module generated at build time from the installed headers
  (every function the headers declare and libslurm exports, every struct, enum and macro);
- :func:`check`: a non-zero return code becomes the typed exception (``errors.py``);
- :func:`init`: ``slurm_init`` once per process, after making sure that Slurm will not
  ``fatal()`` — which would exit the whole interpreter — on the configuration it is given;
- version facts (the Slurm the module was built against, the libslurm loaded now) and
  :data:`capabilities`, so that code asks "does this field exist" rather than comparing
  version numbers.
"""

from __future__ import annotations

import atexit
import contextlib
import errno as _errno
import fcntl
import json
import logging
import os
import select
import socket
import sys
import tempfile
import threading
import time
import weakref
from collections import deque
from functools import cache
from pathlib import Path
from typing import Any

from .errors import (
    AccessDenied,
    ConfigurationError,
    ControllerUnreachable,
    InvalidRequest,
    SlurmError,
    SlurmTimeout,
    SlurmVersionMismatch,
    error_class_for,
)

__all__ = [
    "BUILD_INFO",
    "DEFAULT_CONFIG_PATHS",
    "Capabilities",
    "api_lock",
    "built_release",
    "built_soname",
    "built_version",
    "capabilities",
    "check",
    "close_before_fini",
    "errno_name",
    "error_for",
    "ffi",
    "finalised",
    "init",
    "initialised_config",
    "join_rows",
    "lib",
    "libslurm_logger",
    "loaded_api_version",
    "merge_frees_at_once",
    "take_libslurm_log",
]


def _link_facts() -> dict[str, Any]:
    """What the build recorded beside the extension: the libslurm it linked and the
    run-path it gave the extension (readable when the extension itself cannot load)."""
    try:
        facts: dict[str, Any] = json.loads((Path(__file__).parent / "_link.json").read_text())
    except (OSError, ValueError):
        return {}
    return facts


def _load_failure(error: str, link: dict[str, Any]) -> str:
    """The message for an extension that the dynamic loader refused: which file it looked
    for, where, and what to do about it."""
    soname = link.get("soname", "libslurm.so")
    if "libslurm" not in error or not link:
        return (
            f"slurmlib's compiled bindings cannot be loaded: {error}. Rebuild slurmlib against "
            "the installed Slurm (pip install --force-reinstall --no-cache-dir .)"
        )
    where = [*link.get("run_path", []), "the loader's default directories"]
    if os.environ.get("LD_LIBRARY_PATH"):
        where.insert(0, f"LD_LIBRARY_PATH ({os.environ['LD_LIBRARY_PATH']})")
    return (
        f"slurmlib's bindings need {soname}, which the dynamic loader did not find ({error}). "
        f"They were linked with {link.get('library')} and look for it in {', '.join(where)}. "
        f"If Slurm moved, set LD_LIBRARY_PATH to the directory that now holds {soname}; if "
        "Slurm was upgraded or removed, rebuild slurmlib against the installed one "
        "(SLURM_PREFIX=... pip install --force-reinstall --no-cache-dir .)"
    )


# Slurm's plugins are not linked against libslurm: they find slurm_* symbols in the global
# namespace. The extension (and libslurm with it) must therefore be loaded RTLD_GLOBAL.
_flags = sys.getdlopenflags()
sys.setdlopenflags(_flags | os.RTLD_GLOBAL)
try:
    from ._slurm import ffi, lib
except ModuleNotFoundError as exc:
    raise ImportError(
        "slurmlib's bindings are not built: install slurmlib with pip (pip install .), which "
        "generates them from this machine's Slurm headers"
    ) from exc
except ImportError as exc:
    raise SlurmVersionMismatch(_load_failure(str(exc), _link_facts())) from exc
finally:
    sys.setdlopenflags(_flags)

BUILD_INFO: dict[str, Any] = json.loads(ffi.string(lib.slurmlib_build_info()).decode())


def built_version() -> tuple[int, int, int]:
    """The Slurm release of the headers slurmlib was built against, e.g. ``(22, 5, 8)``."""
    number = int(BUILD_INFO["slurm_version_number"])
    return (number >> 16, (number >> 8) & 0xFF, number & 0xFF)


def built_release() -> str:
    """The same as text, the way Slurm writes it: ``"22.05.8"``."""
    return str(BUILD_INFO["slurm_release"])


def built_soname() -> int:
    """The ``N`` of the ``libslurm.so.N`` slurmlib was linked with."""
    return int(BUILD_INFO["soname_major"])


def loaded_api_version() -> int:
    """The API number of the libslurm loaded now (its soname's ``N``)."""
    return int(lib.slurm_api_version()) >> 16


def _check_loaded_library(built: int, loaded: int) -> None:
    if built != loaded:
        raise SlurmVersionMismatch(
            f"slurmlib was built against libslurm.so.{built} (Slurm {built_release()}) but "
            f"the libslurm loaded now has API {loaded}: Slurm changed underneath; rebuild "
            "slurmlib against the installed Slurm (pip install --force-reinstall "
            "--no-cache-dir .)"
        )


_check_loaded_library(built_soname(), loaded_api_version())


# --- errors -------------------------------------------------------------------------------


def _slurm_errno_names() -> dict[int, str]:
    names: dict[int, str] = {}
    for ctype in ("slurm_err_t",):
        names.update(ffi.typeof(ctype).elements)
    return names


_ERRNO_NAMES = _slurm_errno_names()
_SYSTEM_ERRNO_CLASSES: dict[int, type[SlurmError]] = {
    _errno.EPERM: AccessDenied,
    _errno.EACCES: AccessDenied,
    _errno.ETIMEDOUT: SlurmTimeout,
    _errno.ECONNREFUSED: ControllerUnreachable,
    _errno.EHOSTUNREACH: ControllerUnreachable,
    _errno.EINVAL: InvalidRequest,
}


def errno_name(code: int) -> str:
    """Slurm's name for an error number (``ESLURM_INVALID_JOB_ID``), or the system's."""
    return _ERRNO_NAMES.get(code) or _errno.errorcode.get(code, f"E{code}")


def error_for(code: int, context: str = "") -> SlurmError:
    """The exception for a Slurm error number, with Slurm's own message and the lines
    libslurm logged in this thread since they were last taken (its ``details``)."""
    name = errno_name(code)
    message = ffi.string(lib.slurm_strerror(code)).decode(errors="replace")
    cls = _SYSTEM_ERRNO_CLASSES.get(code) if code not in _ERRNO_NAMES else None
    return (cls or error_class_for(name))(message, code, name, context, take_libslurm_log())


# --- libslurm's own log lines -------------------------------------------------------------

libslurm_logger = logging.getLogger("slurmlib.libslurm")
"""Where the lines libslurm logs go once :func:`init` has run, at their own level; the
lines of a failed call also travel in its exception's ``details``."""
# A library's loggers say nothing until the program configures logging (without this,
# logging's last resort would print warnings and errors to stderr after all).
logging.getLogger("slurmlib").addHandler(logging.NullHandler())

_LOG_LEVELS = (
    ("fatal", logging.CRITICAL),
    ("error", logging.ERROR),
    ("warning", logging.WARNING),
    ("debug", logging.DEBUG),
)


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
        level = next((lvl for word, lvl in _LOG_LEVELS if text.startswith(word)), logging.INFO)
        libslurm_logger.log(level, "%s", text)
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


_libslurm_log = _LibslurmLog()


def take_libslurm_log() -> tuple[str, ...]:
    """The lines libslurm logged since they were last taken (``"error: invalid partition
    specified: nope"``); they have gone to :data:`libslurm_logger` too. In a program that
    calls Slurm from several threads at once, they may include another thread's lines."""
    return _libslurm_log.take()


def check(rc: int, context: str = "") -> None:
    """Raise the typed error for a failed call.

    Slurm's calls report failure two ways: most return -1 and set errno, some return the
    error code itself. Non-zero is failure either way; the code is ``rc`` when positive,
    otherwise the errno of the call (cffi keeps it per thread, right after the call).
    """
    if rc == 0:
        if _libslurm_log.pending():  # lines of a call that worked: to logging, not kept
            _libslurm_log.take()
        return
    code = rc if rc > 0 else ffi.errno
    if code == 0:
        code = _errno.EIO  # failed without saying why: still never a silent success
    raise error_for(code, context)


# --- process state ------------------------------------------------------------------------

# Serialises calls into libslurm that are not thread-safe (its config and plugin state is
# global; cffi releases the GIL around every C call).
api_lock = threading.RLock()

DEFAULT_CONFIG_PATHS = (
    "/etc/slurm/slurm.conf",
    "/etc/slurm-llnl/slurm.conf",
    "/usr/local/etc/slurm.conf",
    "/opt/slurm/etc/slurm.conf",
    # slurmd's cache of a configless cluster's configuration
    "/run/slurm/conf/slurm.conf",
    "/var/spool/slurmd/conf-cache/slurm.conf",
)
_PROBE_TIMEOUT = 15.0

_init_lock = threading.Lock()
_initialised: Path | None = None
_finalised = False


def initialised_config() -> Path | None:
    """The configuration this process initialised Slurm with, or None before :func:`init`."""
    return _initialised


def _find_config(explicit: str | os.PathLike[str] | None) -> Path:
    if explicit is not None:
        where = [Path(explicit)]
        how = "the path given"
    elif os.environ.get("SLURM_CONF"):
        where = [Path(os.environ["SLURM_CONF"])]
        how = "SLURM_CONF"
    else:
        where = [Path(p) for p in DEFAULT_CONFIG_PATHS]
        how = "the default locations"
    for path in where:
        if path.is_file():
            return path
    raise ConfigurationError(
        f"no Slurm configuration found (looked at {', '.join(map(str, where))}, from {how}). "
        "Set SLURM_CONF to your cluster's slurm.conf, or pass its path "
        "(slurmlib.Cluster(config=...)); on a configless cluster point SLURM_CONF at "
        "slurmd's cached copy."
    )


def _probe(path: Path) -> None:
    """Run ``slurm_init`` on ``path`` in a child process first.

    Slurm calls ``fatal()`` — ``exit()`` of the whole process — when a configuration cannot
    be parsed or a plugin it names cannot load. The child takes that exit; the parent turns
    it into a ConfigurationError with Slurm's own message.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: only C calls and _exit, nothing of Python's state is trusted
        try:
            os.dup2(write_end, 2)
            os.dup2(write_end, 1)
            lib.slurm_init(str(path).encode())
            os._exit(0)
        except BaseException:
            os._exit(3)
    os.close(write_end)
    deadline = time.monotonic() + _PROBE_TIMEOUT
    output = b""
    status = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                raise ConfigurationError(
                    f"Slurm did not finish reading {path} within {_PROBE_TIMEOUT:.0f} s"
                )
            ready, _, _ = select.select([read_end], [], [], min(remaining, 0.5))
            if ready:
                chunk = os.read(read_end, 65536)
                if chunk:
                    output += chunk
                    continue
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
    finally:
        os.close(read_end)
    assert status is not None
    if os.waitstatus_to_exitcode(status) != 0:
        said = " ".join(line.strip() for line in output.decode(errors="replace").splitlines())
        raise ConfigurationError(
            f"Slurm cannot use the configuration {path}: {said or 'it exited without a word'}"
        )


def init(config: str | os.PathLike[str] | None = None) -> Path:
    """Initialise libslurm for this process (once); return the configuration used.

    ``config`` is a path to ``slurm.conf``; without it, ``SLURM_CONF`` or the default
    locations. Raises :class:`ConfigurationError` — never exits the process — when no
    configuration is reachable or Slurm refuses it. A second call with another path raises
    too: libslurm holds one configuration per process.
    """
    global _initialised
    with _init_lock:
        if _initialised is not None:
            if config is not None and Path(config).resolve() != _initialised.resolve():
                raise ConfigurationError(
                    f"Slurm is already initialised with {_initialised} in this process; it "
                    f"holds one configuration per process and cannot switch to {config}"
                )
            return _initialised
        path = _find_config(config)
        _probe(path)
        with api_lock:
            # From here libslurm's log lines go to Python's logging, not the caller's stderr.
            _libslurm_log.start()
            os.register_at_fork(after_in_child=lambda: _libslurm_log.start(after_fork=True))
            lib.slurm_init(str(path).encode())
            take_libslurm_log()
        _check_controller_hosts(path)
        _initialised = path
        atexit.register(_fini)
        return path


def _check_controller_hosts(path: Path) -> None:
    """Refuse a configuration none of whose controller hosts resolves.

    libslurm would try each RPC for ten seconds, logging every attempt, and end in a bare
    EIO that names no host; the name is what the user has to fix.
    """
    conf = lib.slurm_conf
    hosts = [
        ffi.string(conf.control_addr[i]).decode(errors="replace")
        for i in range(int(conf.control_cnt))
        if conf.control_addr != ffi.NULL and conf.control_addr[i] != ffi.NULL
    ]
    if not hosts:
        return  # nothing named: libslurm's own error says so at the first call
    failures: list[tuple[str, socket.gaierror]] = []
    for host in hosts:
        try:
            socket.getaddrinfo(host, None)
            return
        except socket.gaierror as exc:
            failures.append((host, exc))
        except UnicodeError as exc:  # a name the IDNA codec refuses
            failures.append((host, socket.gaierror(socket.EAI_NONAME, str(exc))))
    said = "; ".join(f"{host}: {exc.strerror or exc}" for host, exc in failures)
    if all(exc.errno == socket.EAI_NONAME for _, exc in failures):
        raise ConfigurationError(
            f"the controller host(s) of {path} do not resolve ({said}): fix SlurmctldHost there"
        )
    raise ControllerUnreachable(f"cannot resolve the controller host(s) of {path} now ({said})")


_close_before_fini: weakref.WeakSet[Any] = weakref.WeakSet()


def close_before_fini(owner: Any) -> None:
    """Have ``owner.close()`` run at exit before ``slurm_fini`` (an accounting connection
    left open): closed after it, its C state would be freed from under it."""
    _close_before_fini.add(owner)


def finalised() -> bool:
    """True once ``slurm_fini`` has run at exit: from then on nothing may call libslurm."""
    return _finalised


def _fini() -> None:
    global _finalised
    with api_lock:
        # The loading RPCs run outside api_lock (they are thread-safe), so a daemon thread
        # may be inside one while the process exits: then Slurm's state is left to the
        # exit instead of being freed under that call.
        if not _finalised and threading.active_count() == 1:
            for owner in list(_close_before_fini):
                # The process is ending: what a failed close leaves, the exit reclaims.
                with contextlib.suppress(Exception):
                    owner.close()
            _finalised = True
            lib.slurm_fini()


# --- capabilities -------------------------------------------------------------------------


class Capabilities:
    """What the bound Slurm offers, asked by name rather than by version number."""

    def __init__(self) -> None:
        self.functions: frozenset[str] = frozenset(name for name in dir(lib) if _is_function(name))

    def has_function(self, name: str) -> bool:
        """True when libslurm exports ``name`` and the headers declare it."""
        return name in self.functions

    def has_constant(self, name: str) -> bool:
        """True when the headers define an integer constant (macro or enum) ``name``."""
        return name not in self.functions and hasattr(lib, name)

    @staticmethod
    @cache
    def fields(ctype: str) -> frozenset[str]:
        """The field names of a struct type (empty when the type does not exist)."""
        try:
            kind = ffi.typeof(ctype)
        except ffi.error:
            return frozenset()
        return frozenset(name for name, _ in (kind.fields or ()))

    @staticmethod
    @cache
    def has_type(ctype: str) -> bool:
        """True when the bound headers declare the C type ``ctype`` (``"update_part_msg_t"``)."""
        try:
            ffi.typeof(ctype)
        except ffi.error:
            return False
        return True

    def has_field(self, ctype: str, field: str) -> bool:
        """True when struct ``ctype`` has ``field`` in this Slurm release."""
        return field in self.fields(ctype)


def _is_function(name: str) -> bool:
    try:
        return bool(ffi.typeof(getattr(lib, name)).kind == "function")
    except (TypeError, AttributeError, ffi.error):
        return False


capabilities = Capabilities()


# --- C helpers for programs (the command line, the exporter) ------------------------------


def merge_frees_at_once() -> bool:
    """Have glibc merge freed small blocks at once (no "fast bins", ``M_MXFAST`` 0) for the
    rest of the process; False where that is not available (other C libraries, newer glibc).

    A load of 50,000 jobs frees ~1.5 million small blocks; with fast bins, whatever the
    program does next pays ~30 ms to merge them. A whole-process setting: for a program
    to choose, never done by the library itself.
    """
    from ._assemble import no_fast_bins

    return no_fast_bins()


def join_rows(
    rows: list[Any],
    getters: tuple[str | list[Any], ...],
    memos: tuple[Any, ...],
    pieces: tuple[str, ...],
    sep: str,
) -> str:
    """One text for many rows, made in C: each row is ``pieces`` with a value between each
    two of them, and the rows are joined by ``sep``.

    Value ``i`` of a row comes from ``getters[i]``, an attribute name or a list of one value
    per row; ``memos[i]`` turns it into text: a mapping is subscripted with it (a dict
    subclass may fill itself in ``__missing__``), a callable is called with it (None is
    ``null`` without a call), and with None an int is printed in decimal, a str put as it
    is. ``slurmlib top --json`` writes the text of 50,000 jobs this way.
    """
    from ._assemble import join

    return join(rows, getters, memos, pieces, sep)
