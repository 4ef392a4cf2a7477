"""``rerating serve`` as the Office add-in uses it (issue 24): a 250-ticker x 10-field comps
sheet, and the server's cost per call over the direct Python call.

A real server (uvicorn, as the command runs it) on a free loopback port, in this process; the
client is ``requests`` over TCP, as the add-in's fetch is in Excel. The sheet:

- batched ranges: =RR.PRICE(A2:A251) and =RR.INFO(A2:A251, {"pe",…}): one request of 2 calls,
  what the add-in sends for one recalculation;
- batched per-cell: =RR.PRICE(A2), =RR.INFO(A2,"pe") … in every cell, all 2,500 calls of the
  recalculation in one request (the add-in's batching);
- per-cell HTTP (the baseline): one request per cell, 2,500 requests.

Target (issue 24): the batched sheet under 0.5 s on this machine.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from benchmarks._harness import Row, median_seconds, print_rows
from rerating.data import access
from rerating.data.providers.demo import DemoProvider
from rerating.data.refresh import refresh
from rerating.data.store import Store
from rerating.functions.registry import functions
from rerating.server.app import ServerConfig, create_app
from rerating.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.server.running import free_port, running

FIELDS = ("pe", "pb", "sector", "market_cap", "trailing_eps", "book_value_per_share", "beta",
          "payout_ratio", "name")  # with RR_PRICE: 10 columns
TOKEN = "bench-token"


def run() -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="rr-bench-server-"))
    provider = DemoProvider()
    names = provider.universe("demo-small")
    refresh(Store(tmp / "store"), provider, names, start="2025-01-01")
    access.use(access.MarketData(Settings(data_dir=tmp / "store", log_dir=tmp, offline=True),
                                 recheck_every=3600))
    port = free_port()
    out: list[Row] = []
    with running(create_app(ServerConfig(token=TOKEN, port=port)), port), requests.Session() as http:
        url = f"http://127.0.0.1:{port}/api/call"
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

        def post(calls: list[dict]) -> list[dict]:
            r = http.post(url, data=json.dumps({"calls": calls}), headers=headers, timeout=300)
            r.raise_for_status()
            return r.json()["results"]

        column = [[t] for t in names]
        ranges = [{"function": "RR_PRICE", "args": [column]},
                  {"function": "RR_INFO", "args": [column, [list(FIELDS)]]}]
        cells = [c for t in names for c in
                 [{"function": "RR_PRICE", "args": [t]},
                  *({"function": "RR_INFO", "args": [t, f]} for f in FIELDS)]]
        a, b = post(ranges), post(cells)  # warm, and the same sheet either way
        prices = [row[0] for row in a[0]["value"]]
        assert prices == [b[i * 10]["value"][0][0] for i in range(len(names))]
        assert a[1]["value"][3] == [b[3 * 10 + 1 + k]["value"][0][0] for k in range(len(FIELDS))]

        def per_request() -> None:
            for c in cells:
                post([c])

        t_ranges = median_seconds(lambda: post(ranges), repeat=7)
        t_cells = median_seconds(lambda: post(cells), repeat=3)
        t_http = median_seconds(per_request, repeat=1)
        n = len(cells)
        out.append(Row(f"comps sheet {len(names)} x 10 through rerating serve: ranges, one request of "
                       f"2 calls (vs {n:,} per-cell HTTP requests)", t_ranges, t_http,
                       "< 0.5 s (issue 24)", t_ranges < 0.5))
        out.append(Row(f"the same sheet typed per cell: {n:,} calls batched in one request (vs "
                       f"{n:,} per-cell HTTP requests)", t_cells, t_http, "< 0.5 s (issue 24)",
                       t_cells < 0.5))

        # the server's cost of one call: a request per call against the direct Python call
        fn = functions()["RR_JUSTIFIED_PE"]
        one = [{"function": "RR_JUSTIFIED_PE", "args": [0.5, 0.05, 0.10]}]
        over, direct = [], []
        for _ in range(400):
            t = time.perf_counter()
            post(one)
            over.append(time.perf_counter() - t)
            t = time.perf_counter()
            fn(0.5, 0.05, 0.10)
            direct.append(time.perf_counter() - t)
        over.sort()
        p50, p99 = statistics.median(over), over[int(0.99 * len(over)) - 1]
        d50 = statistics.median(direct)
        out.append(Row(f"one RR_JUSTIFIED_PE call over HTTP, p50 (p99 {p99 * 1e3:.2f} ms; "
                       "baseline: the direct Python call)", p50, d50, "- (figures stated, issue 24)"))
    access.use(None)
    return out


if __name__ == "__main__":
    print_rows(run())
