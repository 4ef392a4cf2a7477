"""Corporate proxies: the Yahoo source goes through HTTPS_PROXY with no setting of ours.

yfinance's own transport (curl_cffi) runs unchanged; the "proxy" is a socket on 127.0.0.1 that
records the CONNECT line and refuses with 403, so nothing leaves the machine. A request that
ignored the proxy would try DNS for the Yahoo host instead and never reach the socket.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from rerating.cli import main
from rerating.settings import https_proxy


@pytest.fixture
def refusing_proxy(monkeypatch):  # type: ignore[no-untyped-def]
    seen: list[bytes] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                seen.append(conn.recv(4096).split(b"\r\n")[0])
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    url = f"http://analyst:s3cret@127.0.0.1:{srv.getsockname()[1]}"
    for k in ("NO_PROXY", "no_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", url)
    yield seen
    srv.close()


def test_yahoo_requests_go_through_https_proxy(refusing_proxy, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RERATING_LOG_DIR", str(tmp_path / "log"))
    code = main(["--data-dir", str(tmp_path / "store"), "data", "refresh", "--source", "yahoo",
                 "--tickers", "RELIANCE.NS", "--start", "2026-04-01", "--end", "2026-04-30",
                 "--no-progress"])
    _, err = capsys.readouterr()
    assert code == 1
    assert b"CONNECT query2.finance.yahoo.com:443 HTTP/1.1" in refusing_proxy, refusing_proxy
    assert all(line.startswith(b"CONNECT ") and b"yahoo.com:443" in line for line in refusing_proxy)
    line = err.strip().splitlines()[0]
    assert line.startswith("cannot reach Yahoo Finance: through the proxy http://analyst:***@127.0.0.1:")
    assert "s3cret" not in err  # the password is never printed
    assert "(HTTPS_PROXY)" in line and "nothing changed in the store" in line


def test_the_proxy_shown_masks_its_password() -> None:
    assert https_proxy({"https_proxy": "http://u:p%40ss@proxy.corp:8080"}) == "http://u:***@proxy.corp:8080"
    assert https_proxy({"HTTPS_PROXY": "http://proxy.corp:3128"}) == "http://proxy.corp:3128"
    assert https_proxy({}) is None
