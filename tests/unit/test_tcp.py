"""The socket options of a slurmdbd connection (slurmlib.db._tcp), on loopback sockets."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from slurmlib.db import _tcp


@pytest.fixture
def connected() -> Iterator[tuple[socket.socket, socket.socket]]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
        with client, peer:
            yield client, peer


def test_only_tcp_sockets_get_handles_of_their_own(
    connected: tuple[socket.socket, socket.socket],
) -> None:
    client, _ = connected
    left, right = socket.socketpair()
    with left, right:
        socks = _tcp.tcp_sockets({client.fileno(), left.fileno(), 10_000_000})
        try:
            assert [s.getsockname() for s in socks] == [client.getsockname()]
            assert socks[0].fileno() != client.fileno()  # a duplicate, not the descriptor
            assert _tcp.no_delay(socks) == 1
            # The option is the socket's: libslurm's descriptor has it too.
            assert client.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            for sock in socks:
                sock.close()


def acks_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "slurmdbd-acks"]


def test_quick_acks_run_for_a_call_and_close_only_their_own_handles(
    connected: tuple[socket.socket, socket.socket],
) -> None:
    client, peer = connected
    acks = _tcp.QuickAcks(_tcp.tcp_sockets({client.fileno()}))
    for _ in range(2):  # a thread for each call, none between them
        with acks:
            (thread,) = acks_threads()
            assert thread.is_alive()
        assert not thread.is_alive() and acks_threads() == []
    acks.close()
    # The descriptor that was tuned still works: closing the handles left it open.
    client.sendall(b"ping")
    assert peer.recv(4) == b"ping"
    with acks:  # after close: calls run without a thread
        assert acks_threads() == []


def test_quick_acks_without_sockets_start_no_thread() -> None:
    acks = _tcp.QuickAcks([])
    with acks:
        assert acks_threads() == []
    acks.close()
