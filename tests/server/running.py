"""A real ``rerating serve`` application on a free port, in a thread of the test process
(uvicorn, as the command runs it), and a client that may reach loopback addresses only."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_real_connect = socket.socket.connect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def allow_loopback(monkeypatch: Any) -> None:
    """The tests' no-network guard, narrowed: this machine's loopback may be reached (the
    server under test), nothing else."""
    import ipaddress

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.family == getattr(socket, "AF_UNIX", None):
            return _real_connect(sock, address)
        host = address[0] if isinstance(address, tuple) else str(address)
        if host == "localhost" or ipaddress.ip_address(host).is_loopback or host in LOCAL_ADDRESSES:
            return _real_connect(sock, address)
        raise RuntimeError(f"a test tried to reach {host}, not this machine")

    import urllib3.util.connection as conn

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        host, port = address
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(kwargs.get("timeout") if isinstance(kwargs.get("timeout"), float | int) else 30)
        source = kwargs.get("source_address")
        if source:
            s.bind(source)
        connect(s, (host if host != "localhost" else "127.0.0.1", port))
        return s

    def socket_create_connection(address: Any, timeout: Any = None, source_address: Any = None,
                                 **kwargs: Any) -> socket.socket:
        return create_connection(address, timeout=timeout, source_address=source_address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(conn, "create_connection", create_connection)
    monkeypatch.setattr(socket, "create_connection", socket_create_connection)


def _local_addresses() -> set[str]:
    """This machine's own non-loopback IPv4 addresses (no packet leaves: a UDP socket's
    connect only picks the route)."""
    out = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            _real_connect(s, ("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            out.add(s.getsockname()[0])
        except OSError:
            pass
    return {a for a in out if not a.startswith("127.")}


LOCAL_ADDRESSES = _local_addresses()


@contextmanager
def running(app: Any, port: int, host: str = "127.0.0.1", **ssl: Any) -> Iterator[Any]:
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", **ssl)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(10)
