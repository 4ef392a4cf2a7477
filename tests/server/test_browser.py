"""The add-in in a real browser: headless Chromium (Debian's ``chromium``) loads a page from an
HTTPS origin and runs the add-in's script against ``rerating serve`` over HTTPS and over plain
HTTP on 127.0.0.1, as Excel on the web runs an add-in in the browser.

What the browser decides, not our code: whether the script may call the server at all (CORS:
only the origins the server allows), whether an https page may call ``http://127.0.0.1`` (mixed
content: loopback is exempt), and whether a page on a public address may reach this machine.
Chromium 142 and later replaced the Private Network Access preflight with Local Network Access,
a permission the user grants (no preflight header is sent any more; Debian's Chromium 156 asks
for "loopback network" when a public page reaches 127.0.0.1, scripts included): the page here is
made "public" with ``--ip-address-space-overrides`` and the permission granted or denied through
the DevTools protocol, as a user's click would.

Office's runtime is not available here: the page stands in for ``CustomFunctions.associate``
(it records each function the script registers) and says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from rerating.functions import office_addin, web_host
from rerating.server import tls
from rerating.server.app import ServerConfig, create_app
from tests.server import standin
from tests.server.chromium import CHROMIUM, chromium, spki_hash
from tests.server.conftest import TOKEN
from tests.server.running import allow_loopback, free_port, running
from tests.server.test_app import direct, same

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")

CALLS = [
    ("RR_COE", [0.07, 1.2, 0.055]),
    ("RR_JUSTIFIED_PE", [0.5, 0.15, 0.12]),
    ("RR_PRICE", [[["SMALL250.DEMO"], ["LARGE50.DEMO"], [None], ["NOPE.NS"]]]),
    ("RR_PRICE", ["NOPE.NS"]),
    ("RR_COE", ["abc", 1, 0.05]),
]

HARNESS = """<!doctype html>
<meta charset="utf-8"><title>add-in harness</title>
<script>
  window.RERATING_SERVER = %(server)s;
  localStorage.setItem("rerating-token", %(token)s);
  // Office's custom-functions runtime, stood in for (tests/server/standin.py)
  %(runtime)s
</script>
<script src="%(script)s"></script>
"""


def _recording(app: Any, seen: list[tuple[str, str, dict[str, str]]]) -> Any:
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append((scope["method"], scope["path"],
                         {k.decode(): v.decode() for k, v in scope["headers"]}))
        await app(scope, receive, send)
    return wrapped


class Desk:
    """A page server on an HTTPS origin, and two rerating servers (HTTPS and HTTP)."""

    def __init__(self, stack: ExitStack, folder: Path, allow_page: bool) -> None:
        certs = tls.ensure(folder)
        self.spki = spki_hash(certs.cert.read_bytes())
        ssl = {"ssl_certfile": str(certs.cert), "ssl_keyfile": str(certs.key)}
        self.page_port, https_port, http_port = free_port(), free_port(), free_port()
        self.page_origin = f"https://127.0.0.1:{self.page_port}"
        self.servers = {"https": f"https://localhost:{https_port}", "http": f"http://127.0.0.1:{http_port}"}
        self.seen: dict[str, list[tuple[str, str, dict[str, str]]]] = {"https": [], "http": []}
        origins = (self.page_origin,) if allow_page else ()
        limits = web_host.Limits(calls=500, cells=20_000)
        for kind, port in (("https", https_port), ("http", http_port)):
            config = ServerConfig(token=TOKEN, port=port, scheme=kind, origins=origins, limits=limits)
            stack.enter_context(running(_recording(create_app(config), self.seen[kind]), port,
                                        **(ssl if kind == "https" else {})))

        async def harness(request: Any) -> HTMLResponse:
            server = self.servers[request.query_params["server"]]
            script = "functions.js" if request.query_params.get("here") else f"{server}/addin/functions.js"
            return HTMLResponse(HARNESS % {"server": json.dumps(server), "script": script,
                                           "token": json.dumps(TOKEN), "runtime": standin.RUNTIME})

        async def script(request: Any) -> Response:
            return Response(office_addin.script(), media_type="text/javascript")
        page = Starlette(routes=[Route("/harness.html", harness), Route("/functions.js", script)])
        stack.enter_context(running(page, self.page_port, **ssl))

    def harness(self, kind: str, script_here: bool = False) -> str:
        return f"{self.page_origin}/harness.html?server={kind}" + ("&here=1" if script_here else "")


@pytest.fixture
def desk_servers(desk, monkeypatch, tmp_path: Path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    allow_loopback(monkeypatch)

    def make(allow_page: bool = True) -> Desk:
        return Desk(stack, tmp_path / ("ca-allowed" if allow_page else "ca-other"), allow_page)

    with ExitStack() as stack:
        yield make


def _public(d: Desk) -> tuple[str, ...]:
    """The page's own server counted as a public address, as a site on the internet would be."""
    return (f"--ip-address-space-overrides=127.0.0.1:{d.page_port}=public",)


def test_a_public_https_page_calls_the_server_over_https_and_http_once_allowed(desk_servers) -> None:  # type: ignore[no-untyped-def]
    d = desk_servers()
    with chromium(d.spki, _public(d)) as browser:
        browser.send("Browser.grantPermissions", {"origin": d.page_origin,
                                                  "permissions": ["loopbackNetwork"]})
        for kind in ("https", "http"):  # http://127.0.0.1 from an https page: loopback is exempt
            tab = browser.open(d.harness(kind))
            browser.wait_for(tab, "Object.keys(window.registered || {}).length > 0")
            got = browser.evaluate(tab, f"recalc({json.dumps(CALLS)})")
            assert got["requests"] == 1, kind  # the whole recalculation in one request
            for (name, args), answer in zip(CALLS, got["out"], strict=True):
                want = direct(name, args)
                if "error" in want:
                    assert answer == {"error": {"code": want["error"]["code"],
                                                "text": want["error"]["text"][:255]}}, (kind, name)
                else:
                    assert same(answer, want), (kind, name, answer, want)
            assert got["out"][0]["value"] == [[pytest.approx(0.136)]]  # 5.5% + 1.2 × 7%
            assert len(got["out"][2]["value"]) == 4  # a 4-ticker range spills 4 rows
            # the browser asked first (CORS preflight, for the Authorization header) and sent
            # the page's origin each time
            methods = [(m, p) for m, p, _ in d.seen[kind] if p == "/api/call"]
            assert methods == [("OPTIONS", "/api/call"), ("POST", "/api/call")], kind
            assert {h.get("origin") for _, p, h in d.seen[kind] if p == "/api/call"} == {d.page_origin}


def test_without_local_network_access_a_public_page_reaches_nothing(desk_servers) -> None:  # type: ignore[no-untyped-def]
    d = desk_servers()
    with chromium(d.spki, _public(d)) as browser:
        # the script itself is loaded from a copy on the page's own origin: without the
        # permission, one from 127.0.0.1 would not load at all
        browser.send("Browser.setPermission", {"origin": d.page_origin,
                                               "permission": {"name": "loopback-network"},
                                               "setting": "denied"})
        tab = browser.open(d.harness("https", script_here=True))
        browser.wait_for(tab, "Object.keys(window.registered || {}).length > 0")
        got = browser.evaluate(tab, f"recalc({json.dumps(CALLS[:2])})")
    for answer in got["out"]:  # each cell says what to do, not a bare failure
        assert answer["error"]["code"] == "#N/A"
        assert "no answer from rerating serve" in answer["error"]["text"]
        assert "allow" in answer["error"]["text"]
    assert [p for _, p, _ in d.seen["https"] if p == "/api/call"] == []


def test_a_page_from_an_origin_the_server_does_not_allow_gets_no_answer(desk_servers) -> None:  # type: ignore[no-untyped-def]
    d = desk_servers(allow_page=False)
    with chromium(d.spki) as browser:
        tab = browser.open(d.harness("https"))
        browser.wait_for(tab, "Object.keys(window.registered || {}).length > 0")
        got = browser.evaluate(tab, f"recalc({json.dumps(CALLS[:1])})")
    assert got["out"][0]["error"]["code"] == "#N/A"
    # the preflight was refused, so the call itself never left the browser
    calls = [m for m, p, _ in d.seen["https"] if p == "/api/call"]
    assert calls == ["OPTIONS"]


def test_the_task_pane_in_chromium_pairs_and_shows_the_stores_as_of(desk_servers) -> None:  # type: ignore[no-untyped-def]
    d = desk_servers()
    base = d.servers["https"]
    with chromium(d.spki) as browser:
        tab = browser.open(f"{base}/addin/taskpane.html")  # office.js cannot load: no Office here
        running_text = browser.wait_for(tab, "document.getElementById('server').className === 'ok'"
                                             " && document.getElementById('server').textContent")
        assert running_text.startswith("Running: rerating ") and base in running_text
        assert "Pair first" in browser.evaluate(tab, "document.getElementById('asof').textContent")

        ok = browser.evaluate(tab, "document.getElementById('token').value = 'wrong';"
                                   " RERATING_PANE.pair()")
        assert ok is False
        assert "not accepted" in browser.evaluate(tab, "document.getElementById('paired').textContent")
        assert browser.evaluate(tab, "localStorage.getItem('rerating-token')") is None

        ok = browser.evaluate(tab, f"document.getElementById('token').value = {json.dumps(TOKEN)};"
                                   " RERATING_PANE.pair()")
        assert ok is True
        assert browser.evaluate(tab, "localStorage.getItem('rerating-token')") == TOKEN
        as_of = browser.evaluate(tab, "document.getElementById('asof').textContent")
        want = direct("RR_ASOF", [])["value"][0][0]
        assert as_of == want and as_of.startswith("as of ")
        assert "SYNTHETIC" in as_of.upper()  # the demo store says it is synthetic
        where = browser.evaluate(tab, "document.getElementById('store').textContent")
        assert where.startswith("The local store ") and "(generation " in where

        # the cells in this page (the shared runtime) send the token the pane stored
        browser.evaluate(tab, "window.registered = {}; window.CustomFunctions = {associate: () => 0}; 0")
        answer = browser.evaluate(tab, "RERATING.call('RR_COE', [[[0.07]], [[1.2]], [[0.055]]])")
        assert answer == [[pytest.approx(0.136)]]

        said = browser.evaluate(tab, "RERATING_PANE.convertWorkbook('office').then(() =>"
                                     " document.getElementById('converted').textContent)")
        assert "Open this pane in Excel" in said  # outside Excel it says so, and changes nothing
