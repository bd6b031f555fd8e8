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


def test_quick_acks_run_during_a_call_and_close_only_their_own_handles(
    connected: tuple[socket.socket, socket.socket],
) -> None:
    client, peer = connected
    acks = _tcp.QuickAcks(_tcp.tcp_sockets({client.fileno()}))
    with acks:
        (thread,) = [t for t in threading.enumerate() if t.name == "slurmdbd-acks" and t.is_alive()]
    acks.close()
    assert not thread.is_alive()
    # The descriptor that was tuned still works: closing the handles left it open.
    client.sendall(b"ping")
    assert peer.recv(4) == b"ping"
    with acks:  # after close: nothing starts again
        assert not thread.is_alive()


def test_quick_acks_without_sockets_start_no_thread() -> None:
    before = threading.active_count()
    acks = _tcp.QuickAcks([])
    with acks:
        assert threading.active_count() == before
    acks.close()
