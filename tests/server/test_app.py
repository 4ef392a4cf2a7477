"""``rerating serve`` for real: uvicorn on a free port, requests over TCP, every registry function
called over HTTP and compared with the direct Python call (numbers, error texts, spill shapes),
the bad-input fuzz repeated through the server, and every refusal the issue lists."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rerating.functions import web_host
from rerating.functions.registry import functions, specs
from rerating.server.app import ServerConfig, create_app
from tests.server.conftest import TOKEN
from tests.server.running import LOCAL_ADDRESSES, allow_loopback, free_port, running

#: a column of cash flows, as Office hands a range: a list of rows
FLOWS = [[100.0], [110.0], [121.0], [133.1], [146.41]]

#: every RR_ function, with arguments as the add-in sends them (null: left out)
CASES: list[tuple[str, list[Any]]] = [
    ("RR_PRICE", ["SMALL250.DEMO"]),
    ("RR_PRICE", [[["SMALL250.DEMO"], ["LARGE50.DEMO"], [""], ["NOPE.NS"]]]),  # a ticker range: one call
    ("RR_PRICE", ["LARGE50.DEMO", "2026-03-02"]),
    ("RR_HISTORY", ["LARGE50.DEMO", "2026-04-01"]),
    ("RR_INFO", ["GAURITWO.DEMO", "sector"]),
    ("RR_INFO", [[["GAURITWO.DEMO"], ["DEVALPER.DEMO"]], [["pe", "pb", "sector"]]]),
    ("RR_ASOF", []),
    ("RR_RETURN", ["SMALL250.DEMO", "MTD"]),
    ("RR_PERIOD_RETURNS", ["SMALL250.DEMO", "M"]),
    ("RR_BEST_SINCE", ["SMALL250.DEMO"]),
    ("RR_BEST_SINCE", ["SMALL250.DEMO", "M", None, True]),
    ("RR_PERIOD_RANK", ["SMALL250.DEMO"]),
    ("RR_RALLY_TABLE", ["demo-small", "LARGE50.DEMO", "MTD"]),
    ("RR_BREADTH", ["demo-small", "MTD"]),
    ("RR_RELATIVE_STRENGTH", ["SMALL250.DEMO", "LARGE50.DEMO", "1M"]),
    ("RR_PE", ["demo-small"]),
    ("RR_PB", ["demo-large"]),
    ("RR_VALUATION_GAP", ["SMALL250.DEMO", "LARGE50.DEMO"]),
    ("RR_GAP_PERCENTILE", ["SMALL250.DEMO", "LARGE50.DEMO"]),
    ("RR_MULTIPLE_CHANGE", [100, 130, 10, 11]),
    ("RR_EPS_REVISION", ["GAURITWO.DEMO", 30]),
    ("RR_REVISION_BREADTH", ["demo-small"]),
    ("RR_VALUE_TRAPS", ["demo-small", "MTD"]),
    ("RR_COE", [0.07, 1.2, 0.055]),
    ("RR_JUSTIFIED_PE", [0.5, 0.05, 0.10]),
    ("RR_JUSTIFIED_PB", [0.15, 0.05, 0.10]),
    ("RR_TWO_STAGE_PE", [0.2, 0.2, 5, 0.6, 0.06, 0.12]),
    ("RR_IMPLIED_GROWTH", [10.5, 0.5, 0.10]),
    ("RR_IMPLIED_ERP", [10.5, 0.5, 0.05, 0.07, 1]),
    ("RR_MULTIPLE_ADJ", [21.6, 0.055, 0.05, 0.07, 1, 0.15]),
    ("RR_DCF_VALUE", [FLOWS, 0.12, 0.05]),
    ("RR_TARGET_PRICE", [62, 18.5]),
    # errors: the same text as in the other hosts' cells
    ("RR_JUSTIFIED_PE", [0.5, 0.15, 0.12]),
    ("RR_COE", ["abc", 1, 0.05]),
    ("RR_PRICE", ["NOPE.NS"]),
    # results season: the demo desk holds no filings, so each answers why (the same text in
    # every host); tests/functions/test_results_functions.py checks the numbers
    ("RR_RESULT", ["GAURITWO.DEMO", "Q4FY26", "pat"]),
    ("RR_SURPRISE", [[["GAURITWO.DEMO"], ["DEVALPER.DEMO"]], "Q4FY26"]),
    ("RR_SEASON", ["demo-small", "Q4FY26", "reported"]),
    ("RR_SEASON", ["demo-small", "2026-03-30"]),
]


def post(base: str, calls: list[tuple[str, list[Any]]], token: str | None = TOKEN,
         **headers: str) -> requests.Response:
    h = {"Content-Type": "application/json", **headers}
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    body = {"calls": [{"function": n, "args": a} for n, a in calls]}
    return requests.post(f"{base}/api/call", data=json.dumps(body), headers=h, timeout=120)


def direct(name: str, args: list[Any]) -> dict[str, Any]:
    """What the same call gives in this process, through the same conversion."""
    parsed = web_host.parse({"calls": [{"function": name, "args": args}]})
    return web_host.run_batch(parsed)[0]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def test_the_cases_cover_every_function_in_the_registry() -> None:
    assert {n for n, _ in CASES} == set(specs())


def test_every_function_over_http_gives_the_direct_call(server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    r = post(base, CASES)
    assert r.status_code == 200, r.text
    got = r.json()["results"]
    assert len(got) == len(CASES)
    for (name, args), answer in zip(CASES, got, strict=True):
        want = direct(name, args)
        assert same(answer, want), (name, args, answer, want)
    by = dict(zip([f"{n}{i}" for i, (n, _) in enumerate(CASES)], got, strict=True))
    # values that could be wrong, checked by hand
    assert by["RR_JUSTIFIED_PE24"] == {"value": [[10.5]]}  # 0.5 x 1.05 / (0.10 - 0.05)
    assert by["RR_COE23"]["value"][0][0] == pytest.approx(0.07 + 1.2 * 0.055)
    assert by["RR_TARGET_PRICE31"] == {"value": [[62 * 18.5]]}
    # a ticker range stays one call and spills one row per ticker, in order, blank for blank
    rows = by["RR_PRICE1"]["value"]
    assert len(rows) == 4 and isinstance(rows[0][0], float) and rows[2] == [""]
    assert rows[3][0].startswith("#N/A") and "NOPE.NS" in rows[3][0]
    # spilled tables keep their shape; dates go as Excel serial days (2026-04-01 is 46113)
    hist = by["RR_HISTORY3"]["value"]
    assert hist[0] == ["date", "close"] and hist[1][0] == 46113.0
    # errors carry Excel's code and the very text the other hosts put in the cell
    assert by["RR_JUSTIFIED_PE32"] == {"error": {"code": "#VALUE!", "text": functions()["RR_JUSTIFIED_PE"](0.5, 0.15, 0.12)}}
    assert by["RR_COE33"]["error"]["text"].startswith("#VALUE! rf")
    assert by["RR_PRICE34"]["error"]["code"] == "#N/A"


excel_scalars = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-10**6, 10**6), st.sampled_from(["", "SMALL250.DEMO", "demo-small", "MTD", "M", "x",
                                                  "2026-04-30", "#N/A", "pe", "-1", "1e308"]),
    st.text(max_size=8))
excel_values = st.one_of(excel_scalars, st.lists(st.lists(excel_scalars, min_size=1, max_size=3),
                                                 min_size=1, max_size=4)
                         .filter(lambda rows: len({len(r) for r in rows}) == 1))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_the_bad_input_fuzz_through_the_server_answers_as_the_direct_call(server, data) -> None:  # type: ignore[no-untyped-def]
    """Twenty calls of random Excel values per request: the same answers as in-process, and
    never an internal error or a traceback."""
    base, _ = server
    names = sorted(specs())
    calls = []
    for _ in range(20):
        name = data.draw(st.sampled_from(names))
        n = len(specs()[name].args)
        calls.append((name, [data.draw(excel_values) for _ in range(data.draw(st.integers(0, n)))]))
    r = post(base, calls)
    assert r.status_code == 200, r.text
    for (name, args), answer in zip(calls, r.json()["results"], strict=True):
        assert same(answer, direct(name, args)), (name, args)
        text = json.dumps(answer)
        assert "Traceback" not in text and '"#ERR' not in text, (name, args, text)


def test_a_function_not_in_the_registry_cannot_be_called(server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    r = post(base, [("__import__", ["os"]), ("RR_PRICE.__globals__", []), ("rr_price", ["x"]),
                    ("RR_NOPE", [])])
    assert r.status_code == 200
    for answer in r.json()["results"]:
        assert answer["error"]["code"] == "#NAME?" and "is not an RR_ function" in answer["error"]["text"]


def test_calls_without_the_token_or_with_a_wrong_one_are_refused(server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    for token in (None, "", "wrong-token"):
        r = post(base, [("RR_COE", [0.07, 1.2, 0.055])], token=token)
        assert r.status_code == 401 and r.json()["error"].startswith("#VALUE! pair the add-in first")
    assert requests.get(f"{base}/api/status", timeout=10).status_code == 401
    ok = requests.get(f"{base}/api/status", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert ok.status_code == 200 and "SYNTHETIC" in json.dumps(ok.json()).upper()
    store = ok.json()["store"]  # the service layer's status of the store the functions read
    assert store["backend"] == "local" and store["synthetic"] is True and store["tickers"] == 302
    assert store["as_of"] in ok.json()["as_of"]["value"][0][0]  # the same date RR_ASOF says
    assert requests.get(f"{base}/api/health", timeout=10).json()["ok"] is True  # no token needed


def test_another_origin_is_refused_before_anything_runs(server) -> None:  # type: ignore[no-untyped-def]
    base, config = server
    evil = "https://evil.example"
    r = post(base, [("RR_COE", [0.07, 1.2, 0.055])], Origin=evil)
    assert r.status_code == 403 and "origin 'https://evil.example' may not call" in r.json()["error"]
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}
    pre = requests.options(f"{base}/api/call", timeout=10, headers={
        "Origin": evil, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Private-Network": "true"})
    assert pre.status_code == 403 and "Access-Control-Allow-Private-Network" not in pre.headers
    # the add-in's own origin: CORS and Private Network Access answered
    own = f"http://localhost:{config.port}"
    pre = requests.options(f"{base}/api/call", timeout=10, headers={
        "Origin": own, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
        "Access-Control-Request-Private-Network": "true"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == own
    assert pre.headers["Access-Control-Allow-Private-Network"] == "true"
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    r = post(base, [("RR_COE", [0.07, 1.2, 0.055])], Origin=own)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == own


def test_a_host_name_other_than_this_server_is_refused(server) -> None:  # type: ignore[no-untyped-def]
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: the Host header says so."""
    base, _ = server
    r = post(base, [("RR_COE", [0.07, 1.2, 0.055])], Host="attacker.example:80")
    assert r.status_code == 421 and "not 'attacker.example:80'" in r.json()["error"]


def test_oversized_requests_are_refused_in_one_line(server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    r = post(base, [("RR_COE", [0.07, 1.2, 0.055])] * 501)  # the limit here: 500 calls
    assert r.status_code == 400 and r.json()["error"] == "#VALUE! 501 calls in one request; at most 500"
    big = [[["SMALL250.DEMO"]] * 30_000]
    r = post(base, [("RR_PRICE", big)])
    assert r.status_code == 413 and r.json()["error"].startswith("#VALUE! a request is at most")
    r = requests.post(f"{base}/api/call", data=b"{not json", timeout=10,
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 400 and r.json()["error"].startswith("#VALUE! the body is not JSON")
    r = requests.post(f"{base}/api/call", data=b'{"calls": [{"function": "RR_COE", "args": [[[NaN]]]}]}',
                      timeout=10, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 400 and r.json()["error"] == \
        "#VALUE! call 1 (RR_COE) argument 1: a number must be finite"


@pytest.mark.skipif(not LOCAL_ADDRESSES, reason="this machine has no address but loopback")
def test_a_body_nested_too_deeply_is_a_400_and_no_traceback_is_printed(server, capfd) -> None:  # type: ignore[no-untyped-def]
    """Before: HTTP 500 and a RecursionError traceback in the server's terminal."""
    base, _ = server
    for depth in (100_000, 900):
        body = b'{"calls": [{"function": "RR_COE", "args": [' + b"[" * depth + b"1" + \
            b"]" * depth + b"]}]}"
        r = requests.post(f"{base}/api/call", data=body, timeout=30,
                          headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 400, (depth, r.text)
        assert r.json()["error"].startswith("#VALUE! "), r.text
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err


def test_what_needs_the_token_is_what_the_readme_says(server) -> None:  # type: ignore[no-untyped-def]
    """README: function calls and the store's status need the token; the function list, the
    health check and the add-in's files (what Office loads before pairing) do not."""
    from pathlib import Path

    base, _ = server
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    assert "Every function call (`/api/call`) and the store's status (`/api/status`) need the " \
        "pairing token. The function list (`/api/functions`), the health check and the " \
        "add-in's own files answer without it" in readme
    assert requests.post(f"{base}/api/call", json={"calls": []}, timeout=10).status_code == 401
    assert requests.get(f"{base}/api/status", timeout=10).status_code == 401
    for path in ("/api/functions", "/api/health", "/addin/functions.json"):
        assert requests.get(f"{base}{path}", timeout=10).status_code == 200, path


def test_a_loopback_server_answers_nobody_else(desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Bound to 127.0.0.1 (the default), another address cannot even connect; and were it
    bound wider by mistake, a request from elsewhere is still refused."""
    allow_loopback(monkeypatch)
    outside = sorted(LOCAL_ADDRESSES)[0]
    port = free_port()
    config = ServerConfig(token=TOKEN, port=port)
    with running(create_app(config), port), pytest.raises(requests.ConnectionError):
        requests.get(f"http://{outside}:{port}/api/health", timeout=5)
    port = free_port()
    config = ServerConfig(token=TOKEN, port=port)  # says loopback; bound wider below
    with running(create_app(config), port, host="0.0.0.0"):
        r = requests.get(f"http://{outside}:{port}/api/health", timeout=5,
                         headers={"Host": f"localhost:{port}"})
        assert r.status_code == 403 and "answers this machine only" in r.json()["error"]


def test_a_call_past_the_time_limit_answers_na_and_the_server_keeps_serving(desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time as _time

    from rerating.functions import registry

    @registry.udf("DCF", "=RR_SLOW(1)", "a number", seconds="How long to take")
    def RR_SLOW(seconds):  # noqa: N802
        """Sleep, then answer."""
        _time.sleep(float(seconds))
        return float(seconds)

    allow_loopback(monkeypatch)
    port = free_port()
    config = ServerConfig(token=TOKEN, port=port, limits=web_host.Limits(call_seconds=0.5))
    try:
        with running(create_app(config), port):
            base = f"http://127.0.0.1:{port}"
            t = _time.monotonic()
            r = post(base, [("RR_SLOW", [0.1]), ("RR_SLOW", [3]), ("RR_COE", [0.07, 1.2, 0.055])])
            took = _time.monotonic() - t
            first, stuck, after = r.json()["results"]
            assert first == {"value": [[0.1]]}
            assert stuck["error"]["text"] == "#N/A RR_SLOW took more than 0.5 s; recalculate to ask again"
            assert after["error"]["text"].startswith("#N/A RR_COE not run: RR_SLOW before it")
            assert took < 2.5  # answered at the limit, not when the slow call ended
            ok = post(base, [("RR_COE", [0.07, 1.2, 0.055])]).json()["results"][0]
            assert ok["value"][0][0] == pytest.approx(0.136)  # another thread of the pool serves
    finally:
        registry._REGISTRY.pop("RR_SLOW")
        registry._FUNCTIONS.pop("RR_SLOW")


def test_the_prefetched_arguments_are_the_registrys() -> None:
    """A renamed argument would silently stop the batch's prefetch."""
    for name, args in web_host.TICKER_ARGS.items():
        assert set(args) <= set(specs()[name].args), name
