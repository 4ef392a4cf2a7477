"""A stand-in for Yahoo Finance's HTTP endpoints, mounted as a `requests` transport adapter.

yfinance's own code runs unchanged (cookie, crumb, chart and quoteSummary requests, JSON
parsing); only the bytes that would have come over the network are replaced, from the canned
JSON in ``tests/fixtures/yahoo/`` (same shapes Yahoo returns). Failures are injected per symbol:
``dns`` (a connection error at resolve time), ``429``, ``500``, ``empty`` (a chart with no rows),
``malformed`` (invalid JSON), ``500json`` (a 500 carrying Yahoo's own error document) and
``404`` (unknown symbol, Yahoo's "No data found" answer).
Data-quality faults Yahoo is known for are injected the same way: ``nan`` (sessions whose
quotes are null), ``dupdates`` (the last session sent twice, the second a later live value),
``split`` (a split at ``split_at[symbol]``: every value divided by the ratio, history included,
as Yahoo serves it once adjusted) and ``split_raw`` (the same split with history not yet
adjusted, so the close halves overnight).
Coverage, as Yahoo answers thinly covered Indian stocks: ``nocoverage`` (prices and profile
served, but the earningsTrend module answers HTTP 404 "No fundamentals data found for any of the
summaryTypes=earningsTrend") and ``thin`` (earningsTrend served with every figure ``raw: 0``, no
analysts and ``endDate: null``, the shape Yahoo sends for a stock nobody covers), and
``silentcounts`` (every revision count 0 while the consensus trend moved).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pandas as pd
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

FIXTURES = Path(__file__).parent / "fixtures" / "yahoo"


def _load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _thin_trend() -> dict:
    """earningsTrend as Yahoo sends it for a stock with no analyst coverage."""
    zero = {"raw": 0, "fmt": None}
    trend = []
    for period in ("0q", "+1q", "0y", "+1y"):
        trend.append({
            "maxAge": 1, "period": period, "endDate": None, "growth": {},
            "earningsEstimate": {"avg": {}, "low": {}, "high": {}, "yearAgoEps": {},
                                 "numberOfAnalysts": zero, "growth": {}},
            "revenueEstimate": {"avg": {}, "numberOfAnalysts": zero},
            "epsTrend": {"current": zero, "7daysAgo": zero, "30daysAgo": zero,
                         "60daysAgo": zero, "90daysAgo": zero},
            "epsRevisions": {"upLast7days": zero, "upLast30days": zero, "downLast30days": zero,
                             "downLast7Days": zero},
        })
    return {"trend": trend, "maxAge": 1}


class FakeYahoo(BaseAdapter):
    """Answers yfinance's requests from fixtures; counts requests per (endpoint, symbol)."""

    def __init__(self, failures: dict[str, str] | None = None) -> None:
        super().__init__()
        self.failures = dict(failures or {})
        self.calls: Counter[tuple[str, str]] = Counter()
        self.chart_ranges: list[tuple[str, int, int]] = []
        self._lock = threading.Lock()
        self.charts = _load("chart.json")
        self.summaries = _load("quoteSummary.json")
        #: fail this many times before answering (per symbol), for retry tests
        self.fail_times: Counter[str] = Counter()
        #: symbol -> (first session on the new basis, ratio) for the split modes
        self.split_at: dict[str, tuple[str, float]] = {}

    def serve_market(self, series: dict[str, pd.DataFrame], names: dict[str, str]) -> None:
        """A whole market in Yahoo's answer shapes: for each symbol, a chart built from
        ``series[symbol]`` (date, close, adj_close, volume: e.g. a demo series served under a
        real NSE ticker) and, for each symbol in ``names``, the RELIANCE.NS quoteSummary with
        that company's name and price. What is served is what yfinance parses: the chart's
        meta, timestamps at 09:15 IST, quote and adjclose arrays."""
        template = self.charts["RELIANCE.NS"]
        summary = self.summaries["RELIANCE.NS"]
        for sym, frame in series.items():
            doc = json.loads(json.dumps(template))
            result = doc["chart"]["result"][0]
            dates = pd.DatetimeIndex(frame["date"])
            ts = (dates.tz_localize("Asia/Kolkata") + pd.Timedelta(hours=9, minutes=15)) \
                .as_unit("s").asi8.tolist()
            close = frame["close"].round(2).tolist()
            result["meta"].update({"symbol": sym, "regularMarketPrice": close[-1],
                                   "chartPreviousClose": close[-2],
                                   "instrumentType": "EQUITY" if sym in names else "INDEX"})
            result["timestamp"] = ts
            result["indicators"] = {
                "quote": [{"open": close, "high": close, "low": close, "close": close,
                           "volume": frame["volume"].fillna(0).astype(int).tolist()}],
                "adjclose": [{"adjclose": frame["adj_close"].round(4).tolist()}]}
            self.charts[sym] = doc
            if sym in names:
                one = json.loads(json.dumps(summary))
                one["quoteType"].update({"symbol": sym, "longName": names[sym],
                                         "shortName": names[sym].upper()})
                ratio = close[-1] / summary["financialData"]["currentPrice"]
                for block, key in (("financialData", "currentPrice"),
                                   ("summaryDetail", "marketCap")):
                    one[block][key] = round(one[block][key] * ratio, 2)
                self.summaries[sym] = one

    def session(self) -> requests.Session:
        s = requests.Session()
        s.mount("https://", self)
        s.mount("http://", self)
        return s

    def close(self) -> None:  # BaseAdapter API
        pass

    # -- routing ------------------------------------------------------------------------------
    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        url = urlsplit(request.url)
        host, path = url.hostname or "", url.path
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if host == "fc.yahoo.com":
            return self._respond(request, 404, "", headers={"Set-Cookie": "A3=d=fake; Domain=.yahoo.com; Path=/"})
        if path.endswith("/v1/test/getcrumb"):
            return self._respond(request, 200, "fakecrumb", content_type="text/plain")
        if "/v8/finance/chart/" in path:
            sym = unquote(path.rsplit("/", 1)[1]).upper()
            return self._chart(request, sym, query)
        if "/v10/finance/quoteSummary/" in path:
            sym = unquote(path.rsplit("/", 1)[1]).upper()
            return self._summary(request, sym, query)
        if path.endswith("/v7/finance/quote"):
            return self._quote(request, query)
        if "/fundamentals-timeseries/" in path:
            with self._lock:
                self.calls[("timeseries", path.rsplit("/", 1)[1])] += 1
            return self._respond(request, 200, json.dumps({"timeseries": {"result": [], "error": None}}))
        # Anything else yfinance might ask for is not part of this fake.
        with self._lock:
            self.calls[("other", path)] += 1
        return self._respond(request, 404, json.dumps({"finance": {"result": None, "error": {
            "code": "Not Found", "description": "not in the fake"}}}))

    def _fail(self, request, sym: str):  # type: ignore[no-untyped-def]
        mode = self.failures.get(sym)
        if mode is None:
            return None
        if sym in self.fail_times:
            with self._lock:
                if self.fail_times[sym] <= 0:
                    return None
                self.fail_times[sym] -= 1
        if mode == "dns":
            raise requests.exceptions.ConnectionError(
                f"Failed to resolve 'query2.finance.yahoo.com' ([Errno -3] Temporary failure in name resolution) for {sym}")
        if mode == "timeout":
            raise requests.exceptions.ReadTimeout(f"Read timed out. (read timeout=30) for {sym}")
        if mode == "429":
            return self._respond(request, 429, "Too Many Requests", content_type="text/plain")
        if mode == "500":
            return self._respond(request, 500, "<html>Internal Server Error</html>", content_type="text/html")
        if mode == "500json":  # Yahoo's own error document on a 500 (seen live)
            return self._respond(request, 500, json.dumps({"finance": {"result": None, "error": {
                "code": "Internal Server Error",
                "description": "Duplicate key RELIANCE.NS (attempted merging values a and b)"}}}))
        if mode == "malformed":
            return self._respond(request, 200, '{"chart": {"result": [ {"meta": ')
        if mode == "404":
            return self._respond(request, 404, json.dumps({"chart": {"result": None, "error": {
                "code": "Not Found", "description": "No data found, symbol may be delisted"}},
                "quoteSummary": {"result": None, "error": {"code": "Not Found",
                                                           "description": "Quote not found for symbol: " + sym}}}))
        if mode in ("nocoverage", "thin"):
            return None  # served normally; the coverage fault is in the earningsTrend module
        return None

    def _chart(self, request, sym: str, query: dict[str, str]):  # type: ignore[no-untyped-def]
        with self._lock:
            self.calls[("chart", sym)] += 1
        failed = self._fail(request, sym)
        if failed is not None:
            return failed
        if sym not in self.charts:
            return self._fail_unknown(request)
        doc = json.loads(json.dumps(self.charts[sym]))
        result = doc["chart"]["result"][0]
        ts = result["timestamp"]
        if "period1" in query:
            p1, p2 = int(query["period1"]), int(query.get("period2", 2**40))
            with self._lock:
                self.chart_ranges.append((sym, p1, p2))
            keep = [i for i, t in enumerate(ts) if p1 <= t < p2]
        else:  # range=1d etc.: the last session
            keep = ts and [len(ts) - 1]
        mode = self.failures.get(sym)
        if mode == "empty":
            keep = []
        if mode == "dupdates" and keep:
            keep = [*keep, keep[-1]]
        result["timestamp"] = [ts[i] for i in keep]
        q = result["indicators"]["quote"][0]
        for k in q:
            q[k] = [q[k][i] for i in keep]
        adj = result["indicators"]["adjclose"][0]
        adj["adjclose"] = [adj["adjclose"][i] for i in keep]
        prices = [*(q[k] for k in ("open", "high", "low", "close")), adj["adjclose"]]
        if mode == "nan":  # Yahoo's null sessions: every fifth row has no quote at all
            for j in range(2, len(keep), 5):
                for col in [*q.values(), adj["adjclose"]]:
                    col[j] = None
        if mode == "dupdates" and keep:  # the live row again, a rupee higher
            for col in prices:
                col[-1] = col[-1] + 1.0
        if mode in ("split", "split_raw"):
            day, ratio = self.split_at[sym]
            cut = pd.Timestamp(day, tz="Asia/Kolkata").timestamp()
            for j, t in enumerate(result["timestamp"]):
                if mode == "split" or t >= cut:
                    for col in prices:
                        col[j] = col[j] / ratio
                    q["volume"][j] = q["volume"][j] * ratio
        if not keep:
            del result["timestamp"]
            result["indicators"] = {"quote": [{}], "adjclose": [{}]}
        return self._respond(request, 200, json.dumps(doc))

    def _summary(self, request, sym: str, query: dict[str, str]):  # type: ignore[no-untyped-def]
        with self._lock:
            self.calls[("quoteSummary", sym)] += 1
        failed = self._fail(request, sym)
        if failed is not None:
            return failed
        if sym not in self.summaries:
            return self._fail_unknown(request, summary=True)
        modules = query.get("modules", "").split(",")
        mode = self.failures.get(sym)
        if mode == "nocoverage" and "earningsTrend" in modules:
            return self._respond(request, 404, json.dumps({"quoteSummary": {"result": None, "error": {
                "code": "Not Found",
                "description": "No fundamentals data found for any of the summaryTypes=earningsTrend"}}}))
        full = self.summaries[sym]
        if mode == "thin":
            full = {**full, "earningsTrend": _thin_trend()}
        if mode == "silentcounts":  # consensus moved, revision counts all 0 (seen live)
            trend = json.loads(json.dumps(full["earningsTrend"]))
            for row in trend["trend"]:
                for k in row.get("epsRevisions", {}):
                    if k.startswith(("up", "down")):
                        row["epsRevisions"][k] = {"raw": 0, "fmt": "0"}
            full = {**full, "earningsTrend": trend}
        picked = {m: full[m] for m in modules if m in full}
        return self._respond(request, 200, json.dumps({"quoteSummary": {"result": [picked], "error": None}}))

    def _quote(self, request, query: dict[str, str]):  # type: ignore[no-untyped-def]
        syms = [s.upper() for s in query.get("symbols", "").split(",") if s]
        with self._lock:
            for sym in syms:
                self.calls[("quote", sym)] += 1
        for sym in syms:
            failed = self._fail(request, sym)
            if failed is not None:
                return failed
        result = []
        for sym in syms:
            if sym in self.summaries:
                s = self.summaries[sym]
                result.append({"symbol": sym, "quoteType": "EQUITY", "currency": "INR",
                               "longName": s["quoteType"]["longName"],
                               "shortName": s["quoteType"]["shortName"],
                               "regularMarketPrice": s["financialData"]["currentPrice"],
                               "marketCap": s["summaryDetail"]["marketCap"],
                               "sharesOutstanding": s["defaultKeyStatistics"]["sharesOutstanding"],
                               "exchangeTimezoneName": "Asia/Kolkata"})
        return self._respond(request, 200, json.dumps({"quoteResponse": {"result": result, "error": None}}))

    def _fail_unknown(self, request, summary: bool = False):  # type: ignore[no-untyped-def]
        key = "quoteSummary" if summary else "chart"
        return self._respond(request, 404, json.dumps({key: {"result": None, "error": {
            "code": "Not Found", "description": "No data found, symbol may be delisted"}}}))

    @staticmethod
    def _respond(request, status: int, body: str, content_type: str = "application/json",
                 headers: dict[str, str] | None = None) -> requests.Response:
        resp = requests.Response()
        resp.status_code = status
        resp._content = body.encode("utf-8")
        resp.headers = CaseInsensitiveDict({"Content-Type": content_type, **(headers or {})})
        resp.url = request.url
        resp.request = request
        resp.encoding = "utf-8"
        resp.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests",
                       500: "Internal Server Error"}.get(status, "")
        return resp
