"""``rerating serve`` as a user starts it: a process of its own, the token it prints, HTTPS with
the local authority it makes (the client trusts that authority and nothing else)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.server.running import allow_loopback, free_port


def _start(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "rerating.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    assert proc.stdout is not None
    while not any(line.startswith("pairing token:") for line in lines):
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("rerating serve ended: " + "".join(lines))
        lines.append(line)
    return proc, lines


def _wait(url: str, **kw: object) -> requests.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return requests.get(url, timeout=5, **kw)  # type: ignore[arg-type]
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_prints_a_token_and_answers_calls_over_https_with_its_own_authority(
        demo_store, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    allow_loopback(monkeypatch)
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "RERATING_CONFIG_DIR": str(tmp_path / "config"),
           "RERATING_OFFLINE": "1", "RERATING_LOG_DIR": str(tmp_path / "logs")}
    env.pop("RERATING_STORE", None)
    proc, lines = _start(["--data-dir", str(demo_store.root), "serve", "--port", str(port), "--https"], env)
    try:
        text = "".join(lines)
        ca = tmp_path / "config" / "serve" / "rerating-ca.crt"
        assert "Made a local certificate authority" in text and ca.exists()
        assert "sudo update-ca-certificates" in text  # this OS's trust command (Linux here)
        assert (ca.parent / "rerating-ca.key").stat().st_mode & 0o077 == 0  # the key is private
        token = next(line for line in lines if line.startswith("pairing token:")).split(":", 1)[1].strip()
        assert len(token) >= 24 and (ca.parent / "token").read_text().strip() == token
        base = f"https://localhost:{port}"
        assert _wait(f"{base}/api/health", verify=str(ca)).json()["ok"] is True
        r = requests.post(f"{base}/api/call", verify=str(ca), timeout=60,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"calls": [{"function": "RR_JUSTIFIED_PE", "args": [0.5, 0.05, 0.10]},
                                          {"function": "RR_PRICE", "args": ["SMALL250.DEMO", "2026-04-30"]}]})
        assert r.status_code == 200, r.text
        pe, price = r.json()["results"]
        assert pe == {"value": [[10.5]]}
        want = demo_store.read("prices", ["SMALL250.DEMO"], start="2026-04-30", end="2026-04-30").close.iloc[0]
        assert price == {"value": [[want]]}  # the store --data-dir named, not the default one
        # the certificate is the authority's: a client that trusts only the system's roots refuses it
        try:
            requests.get(f"{base}/api/health", timeout=5)
            trusted_by_system = True
        except requests.exceptions.SSLError:
            trusted_by_system = False
        assert not trusted_by_system
    finally:
        proc.terminate()
        proc.wait(10)
    # a second start keeps the authority and the token: nothing to trust or pair again
    port = free_port()
    proc, lines = _start(["--data-dir", str(demo_store.root), "serve", "--port", str(port), "--https"], env)
    try:
        assert "Made a local certificate authority" not in "".join(lines)
        assert any(token in line for line in lines)
    finally:
        proc.terminate()
        proc.wait(10)
