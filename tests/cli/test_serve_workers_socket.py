"""`serve --workers N`: the connections the worker processes accept send small writes at once.

uvicorn binds the workers' socket itself, without naming TCP as its protocol, so asyncio in the
workers leaves Nagle's algorithm on; a response's head and body then waited for the client's
delayed acknowledgement, and every request of `serve --workers 2` took 40-45 ms more than with one
process (/healthz: 44 ms against 1 ms). The regression test checks the option on a connection
accepted by the socket exactly as `run_server` makes it, without timing anything."""

from __future__ import annotations

import socket

import uvicorn

from implhub.cli.serve import listening_socket


def _accepted_no_delay(sock: socket.socket) -> int:
    host, port = sock.getsockname()[:2]
    sock.listen(1)
    with socket.create_connection((host, port), timeout=5):
        conn, _ = sock.accept()
        with conn:
            return conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_connections_the_workers_accept_have_nagle_off() -> None:
    config = uvicorn.Config("implhub.web.app:app_from_environment", factory=True, workers=2, host="127.0.0.1", port=0)
    with listening_socket(config) as sock:
        assert _accepted_no_delay(sock) != 0


def test_uvicorns_own_socket_leaves_nagle_on() -> None:
    """Why listening_socket exists: the socket uvicorn binds for its workers, as it is."""
    config = uvicorn.Config("implhub.web.app:app_from_environment", factory=True, workers=2, host="127.0.0.1", port=0)
    with config.bind_socket() as sock:
        assert sock.proto == 0  # asyncio sets TCP_NODELAY only on sockets whose protocol is IPPROTO_TCP
        assert _accepted_no_delay(sock) == 0
