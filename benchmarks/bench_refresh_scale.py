"""A Nifty 500 refresh through Yahoo's answer shapes: HTTP requests and simulated time (issue 12).

Yahoo itself is never called. tests/fakeyahoo.py answers yfinance's requests at the transport
with a market of 500 stocks and the Nifty 500 index (demo series served under NSE-like
symbols, 2005-01 to 2026-04: 20 years), so yfinance's own code makes every request it would
make live. 2% of the stocks answer 429 (rate limited) once, so backoff is exercised.

Counted: HTTP requests by endpoint, and the backoff sleeps the provider asked for (recorded, not
slept). Simulated time = requests / parallel requests x a per-request latency + backoff sleeps,
with the latency an assumption stated in the row (400 ms, a Yahoo round trip from India with
TLS reuse) and the provider's default 4 parallel requests. yfinance's time-zone cache starts
empty, as on a fresh machine. Measured wall time with the fake is
shown too (parsing and the store's writes, the part that is ours).

Cases:
- from empty: 500 stocks + the index, 20 years of prices, fundamentals, estimates, EPS history;
  baseline: the same requests made one at a time (no parallel requests);
- one day later: the same store brought up to date by one session; baseline: from empty.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from benchmarks._harness import Row, print_rows
from rerating.data.providers.demo import LARGE_INDEX, demo_market
from rerating.data.providers.yahoo import YahooProvider
from rerating.data.refresh import refresh
from rerating.data.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fakeyahoo import FakeYahoo

LATENCY = 0.4  # seconds per request (assumption, see the docstring)
WORKERS = 4    # YahooProvider's default max_workers
N = 500
INDEX = "^CRSLDX"  # NIFTY 500 on Yahoo
LAST = pd.Timestamp("2026-04-30")


def _market(until: pd.Timestamp) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    demo = demo_market()
    by = {t: f.reset_index(drop=True) for t, f in demo.prices.groupby("ticker")}
    stocks = demo.companies["ticker"].tolist()
    series, names = {}, {}
    for i in range(N):
        sym = f"STOCK{i:03d}.NS"
        f = by[stocks[i % len(stocks)]]
        series[sym] = f[f["date"] <= until]
        names[sym] = f"Company {i:03d} Ltd."
    f = by[LARGE_INDEX]
    series[INDEX] = f[f["date"] <= until]
    return series, names


def _run(fake: FakeYahoo, store: Store, tickers: list[str], end: pd.Timestamp) -> tuple[Counter, float, float]:
    before = Counter(fake.calls)
    sleeps: list[float] = []
    provider = YahooProvider(session=fake.session(), sleep=sleeps.append)
    t0 = time.perf_counter()
    refresh(store, provider, tickers, start="2005-01-01", end=end)
    wall = time.perf_counter() - t0
    calls = Counter(fake.calls)
    calls.subtract(before)
    return +calls, sum(sleeps), wall


def _kinds(calls: Counter) -> str:
    by: Counter = Counter()
    for (kind, _), n in calls.items():
        by[kind] += n
    return ", ".join(f"{k} {v:,}" for k, v in sorted(by.items()))


def run() -> list[Row]:
    import yfinance as yf
    from yfinance.data import YfData

    tmp = Path(tempfile.mkdtemp(prefix="rr-bench-refresh-"))
    yf.set_tz_cache_location(str(tmp / "yfcache"))  # a fresh machine: no time zones known
    store = Store(tmp / "store")
    tickers = [*(f"STOCK{i:03d}.NS" for i in range(N)), INDEX]
    day_before = LAST - pd.offsets.BDay(1)

    YfData.cache_get.cache_clear()
    fake = FakeYahoo()
    fake.serve_market(*_market(day_before))
    for i in range(0, N, 50):  # 2%: rate limited once, then answered
        fake.failures[f"STOCK{i:03d}.NS"] = "429"
        fake.fail_times[f"STOCK{i:03d}.NS"] = 1
    calls, slept, wall = _run(fake, store, tickers, day_before)
    first = sum(calls.values())
    sim = first / WORKERS * LATENCY + slept
    rows = [Row(f"Nifty 500 refresh from empty, 20 years: {first:,} requests ({_kinds(calls)}: "
                "yfinance asks each symbol's chart once for its time zone, then its history), "
                f"backoff {slept:.0f} s; simulated at {LATENCY * 1e3:.0f} ms a request, "
                f"{WORKERS} in parallel (measured with the fake: {wall:.1f} s)",
                sim, first * LATENCY + slept, "- (figures stated, issue 12)")]

    YfData.cache_get.cache_clear()
    fake2 = FakeYahoo()
    fake2.serve_market(*_market(LAST))
    calls2, slept2, wall2 = _run(fake2, store, tickers, LAST)
    second = sum(calls2.values())
    sim2 = second / WORKERS * LATENCY + slept2
    rows.append(Row(f"the same store one session later: {second:,} requests ({_kinds(calls2)}); "
                    f"baseline: the refresh from empty (measured with the fake: {wall2:.1f} s)",
                    sim2, sim, "- (figures stated, issue 12)"))
    return rows


if __name__ == "__main__":
    print_rows(run())
