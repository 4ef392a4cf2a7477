"""Loading 300 tickers x ~20 years of daily prices from the store vs per-ticker CSV files.

Issue 2's benchmark. Both sides return the same wide table (dates x tickers of closes).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from benchmarks._harness import Row, median_seconds, print_rows
from rerating.data.frames import wide_prices
from rerating.data.providers.demo import DemoProvider
from rerating.data.refresh import refresh
from rerating.data.store import Store


def run() -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="rr-bench-store-"))
    provider = DemoProvider()
    tickers = provider.universe("demo-small") + provider.universe("demo-large")
    store = Store(tmp / "store")
    refresh(store, provider, tickers, start="2006-05-01", end="2026-04-30", tables=["prices"])
    csv_dir = tmp / "csv"
    csv_dir.mkdir()
    for t, g in store.read("prices").groupby("ticker"):
        g[["date", "close", "adj_close", "volume"]].to_csv(csv_dir / f"{t}.csv", index=False)

    def ours() -> pd.DataFrame:
        return wide_prices(store, tickers)

    def baseline() -> pd.DataFrame:
        cols = {t: pd.read_csv(csv_dir / f"{t}.csv", parse_dates=["date"], index_col="date")["close"]
                for t in tickers}
        return pd.DataFrame(cols).sort_index()

    a, b = ours(), baseline()
    assert a.shape == b.shape and (a.to_numpy() == b.to_numpy()).all(), "both sides must agree"
    t_ours, t_base = median_seconds(ours, repeat=5), median_seconds(baseline, repeat=3)
    return [Row(f"store load {a.shape[1]} tickers x {a.shape[0]} sessions (vs per-ticker CSV)",
                t_ours, t_base, "faster than per-ticker CSV (issue 2)", t_base > t_ours)]


if __name__ == "__main__":
    print_rows(run())
