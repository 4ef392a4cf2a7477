"""The server's tests share one demo desk and a real server per test (tests/server/running.py)."""

from __future__ import annotations

import pytest

from rerating.functions import web_host
from rerating.server.app import ServerConfig, create_app
from tests.server.running import allow_loopback, free_port, running

TOKEN = "test-token-0123456789"




@pytest.fixture
def server(desk, monkeypatch):  # type: ignore[no-untyped-def]
    allow_loopback(monkeypatch)
    port = free_port()
    config = ServerConfig(token=TOKEN, port=port, limits=web_host.Limits(calls=500, cells=20_000),
                          max_body=256 * 1024)
    with running(create_app(config), port):
        yield f"http://127.0.0.1:{port}", config


