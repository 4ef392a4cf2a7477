"""Headless Chromium (Debian's ``chromium``) driven over the DevTools protocol, for the tests that
need a real browser's rules: CORS, mixed content and Local Network Access.

Only this machine is reached: the DevTools socket is on 127.0.0.1, and Microsoft's CDN (the
task pane's office.js) is mapped to nowhere. The test certificate authority's certificates are
trusted by their public key (``--ignore-certificate-errors-spki-list``), nothing else is.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium")


def spki_hash(cert_pem: bytes) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)): the form Chromium's SPKI allow-list takes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(cert_pem)
    der = cert.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


class Browser:
    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout: float = 60) -> dict[str, Any]:
        n = next(self._ids)
        msg: dict[str, Any] = {"id": n, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            answer = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if answer.get("id") == n:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def open(self, url: str) -> str:
        """A new tab at ``url``; returns its session for :meth:`evaluate`."""
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        return self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def evaluate(self, session: str, expression: str, timeout: float = 60) -> Any:
        """The value of a JavaScript expression in the tab (a promise is awaited)."""
        got = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                             "returnByValue": True}, session, timeout)
        if "exceptionDetails" in got:
            raise RuntimeError(got["exceptionDetails"].get("exception", {}).get("description")
                               or got["exceptionDetails"]["text"])
        return got["result"].get("value")

    def wait_for(self, session: str, expression: str, timeout: float = 30) -> Any:
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:  # the page may still be loading
                value = self.evaluate(session, expression)
            except RuntimeError as exc:
                value, last = None, exc
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"{expression} stayed false for {timeout} s (last error: {last})")


@contextmanager
def chromium(trusted_spki: str | None, flags: tuple[str, ...] = (),  # type: ignore[no-untyped-def]
             env: dict[str, str] | None = None):
    """Headless Chromium; ``trusted_spki``: certificates trusted by their key alone (None:
    only what the roots in ``env``'s ``HOME/.pki/nssdb`` vouch for, chain and names checked)."""
    profile = Path(tempfile.mkdtemp(prefix="rr-chromium-"))
    spki = [f"--ignore-certificate-errors-spki-list={trusted_spki}"] if trusted_spki else []
    resolve = "MAP appsforoffice.microsoft.com ~NOTFOUND"
    mapped = [f for f in flags if f.startswith("--host-resolver-rules=")]
    if mapped:  # one flag holds every rule
        resolve += ", " + mapped[0].split("=", 1)[1]
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            f"--host-resolver-rules={resolve}",
            f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", *spki,
            *(f for f in flags if f not in mapped), "about:blank"]
    from websockets.sync.client import connect

    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=20) as ws:
            yield Browser(ws)
    finally:
        proc.kill()
        proc.wait(10)
        shutil.rmtree(profile, ignore_errors=True)
