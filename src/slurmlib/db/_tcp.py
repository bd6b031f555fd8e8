"""The TCP socket of a slurmdbd connection: no wait for an acknowledgement, either way.

On Slurm 22.05 a persistent-connection message is sent as two writes, its length and then
its body. With Nagle's algorithm on, the body waits until the peer acknowledges the
length, and the peer delays that acknowledgement by ~40 ms (it expects to carry it on data
of its own): every query paid that stall twice, once each way (~90 ms on loopback, where
the query itself takes about a millisecond).

- The request: Nagle's algorithm is switched off on our side (:func:`no_delay`).
- The reply: slurmdbd's side keeps Nagle's algorithm, so what it waits for is our
  acknowledgement. Linux sends a delayed acknowledgement at once when ``TCP_QUICKACK`` is
  set while one is pending, but the option does not last: the kernel goes back to
  delaying as soon as the connection looks interactive, that is at our next request. So
  while a call is on the wire, :class:`QuickAcks` sets it again every millisecond from a
  thread that lives for the call (the caller waits inside libslurm with the GIL
  released), which bounds the stall to that millisecond.

Releases that send a message in one write (24.11 and 26.05 answer in about a millisecond)
do not stall; the options change nothing there, and a slurmdbd of another release than the
client is handled alike. Nothing here is ever an error: a socket option refused leaves the
connection as libslurm made it.

libslurm does not expose the connection's descriptor, so it is found as the TCP socket
that opening the connection created: the descriptors are compared before and after.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from types import TracebackType

_FD_DIR = "/proc/self/fd"

#: How often the acknowledgement is pushed while a call is on the wire: the longest a
#: reply's body can wait for it.
ACK_INTERVAL = 0.001


def sockets() -> set[int]:
    """This process's open socket descriptors (empty where /proc is not available)."""
    found: set[int] = set()
    try:
        names = os.listdir(_FD_DIR)
    except OSError:
        return found
    for name in names:
        try:
            if os.readlink(f"{_FD_DIR}/{name}").startswith("socket:"):
                found.add(int(name))
        except (OSError, ValueError):
            continue  # closed meanwhile
    return found


def tcp_sockets(descriptors: set[int]) -> list[socket.socket]:
    """Our own handles (duplicates) on those of ``descriptors`` that are TCP sockets.

    A duplicate shares the socket and its options with libslurm's descriptor, and closing
    it never closes libslurm's; it does keep the socket open until :meth:`QuickAcks.close`,
    so a socket that libslurm replaces (it reconnects after slurmdbd closed one) lingers
    until the connection is closed, and the new one goes without the options. Anything else
    (a Unix socket, a descriptor closed by another thread meanwhile) is left out.
    """
    found = []
    for fd in sorted(descriptors):
        try:
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            found.append(sock)
        else:
            sock.close()
    return found


def no_delay(socks: list[socket.socket]) -> int:
    """Switch Nagle's algorithm off on ``socks``; how many were set."""
    done = 0
    for sock in socks:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            done += 1
        except OSError:
            pass
    return done


class QuickAcks:
    """``with acks:`` around a call that talks to slurmdbd: our acknowledgements go out at
    once while it runs (see the module's docstring).

    The thread lives for the call only, so that none runs while the program does anything
    else (a thread alive at a later ``fork()`` is one that Python warns about). The API
    lock serialises the calls of a connection: no call nests in another.
    """

    def __init__(self, socks: list[socket.socket]) -> None:
        self._socks = socks
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> None:
        if not self._socks:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="slurmdbd-acks", daemon=True)
        self._thread.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    def close(self) -> None:
        """Close our handles (libslurm's descriptor stays open); later calls run as they
        would without them."""
        for sock in self._socks:
            sock.close()
        self._socks = []

    def _run(self) -> None:
        while True:
            for sock in self._socks:
                # Refused (closed meanwhile): only an optimisation.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            if self._stop.wait(ACK_INTERVAL):
                return
