"""Library state of the process: ``slurm_init`` once, ``slurm_fini`` at exit, and the lock
that serialises the calls into libslurm that are not thread-safe.

Slurm's ``fatal()`` exits the whole process: before libslurm reads a configuration in this
process, a child process reads it first (:func:`_probe`), and what would have been an exit
becomes a :class:`~slurmlib.errors.ConfigurationError` with Slurm's own words. A
configuration none of whose controller hosts resolves is refused at once, naming the host.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import socket
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from . import _log
from ._native_load import ffi, lib
from ._native_log import capture, take_libslurm_log
from .errors import ConfigurationError, ControllerUnreachable

__all__ = [
    "DEFAULT_CONFIG_PATHS",
    "api_lock",
    "close_before_fini",
    "finalised",
    "init",
    "initialised_config",
]

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
    closed = False  # the child's output ended: it is exiting, and the pipe stays readable
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                raise ConfigurationError(
                    f"Slurm did not finish reading {path} within {_PROBE_TIMEOUT:.0f} s"
                )
            if closed:
                time.sleep(0.0005)
            else:
                ready, _, _ = select.select([read_end], [], [], min(remaining, 0.5))
                if ready:
                    chunk = os.read(read_end, 65536)
                    if chunk:
                        output += chunk
                        continue
                    closed = True
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
            _log.prepare()
            capture.start()
            os.register_at_fork(after_in_child=lambda: capture.start(after_fork=True))
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
            # An ASCII name as bytes: a str goes through the IDNA codec, whose import alone
            # costs each process more than the lookup.
            socket.getaddrinfo(host.encode() if host.isascii() else host, None)
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
