"""TCP_NODELAY on the socket of a new slurmdbd connection.

On Slurm 22.05 a persistent-connection message is sent as two writes, its length and then
its body. With Nagle's algorithm on, the body waits for the peer to acknowledge the length,
and the peer delays that acknowledgement by ~40 ms: every query paid that stall twice
(~90 ms on loopback). Nagle's algorithm is switched off on our side of the connection,
which removes the stall on the request (~45 ms per query on 22.05); the one on the reply is
slurmdbd's side and stays. Releases that send a message in one write (24.11 and 26.05 answer
in about a millisecond) do not stall, and the option changes nothing there.

libslurm does not expose the connection's descriptor, so it is found as the TCP socket
that opening the connection created: the descriptors are compared before and after.
"""

from __future__ import annotations

import os
import socket

_FD_DIR = "/proc/self/fd"


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


def no_delay(descriptors: set[int]) -> int:
    """Switch Nagle's algorithm off on those of ``descriptors`` that are TCP sockets.

    Returns how many were set. Anything else (a Unix socket, a descriptor closed by
    another thread meanwhile) is left as it is: this is an optimisation, never an error.
    """
    done = 0
    for fd in descriptors:
        try:
            sock = socket.socket(fileno=fd)
        except OSError:
            continue
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                done += 1
        except OSError:
            pass
        finally:
            sock.detach()  # the descriptor stays libslurm's
    return done
