"""rally_table + period_returns for 300 tickers x 20 years vs the per-ticker pandas loop.

Issue 3's benchmark: target at least 20x faster than the loop and under 50 ms here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._harness import Row, median_seconds, print_rows
from rerating.analytics import rally
from rerating.data.providers.demo import LARGE_INDEX, demo_market


def loop_baseline(prices: pd.DataFrame, bench: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The straightforward way: resample each column, then a row per ticker in a Python loop."""
    monthly = {}
    for col in prices.columns:
        s = prices[col].dropna()
        monthly[col] = s.resample("ME").last().pct_change()
    monthly_df = pd.DataFrame(monthly)
    end = prices.index[-1]
    start = prices.index[prices.index.searchsorted(end - pd.DateOffset(months=1), side="right") - 1]
    b_ret = bench.loc[end] / bench.loc[start] - 1
    bench_daily = bench.pct_change().iloc[-252:]
    rows = []
    for col in prices.columns:
        s = prices[col]
        ret = s.loc[end] / s.loc[start] - 1
        daily = s.pct_change().iloc[-252:]
        beta = daily.cov(bench_daily) / bench_daily.var()
        rows.append({"ticker": col, "return": ret, "excess_return": ret - b_ret, "beta": beta,
                     "idiosyncratic_return": ret - beta * b_ret})
    table = pd.DataFrame(rows).set_index("ticker")
    table["rank"] = table["return"].rank(ascending=False, method="min")
    return monthly_df, table.sort_values("rank")


def run() -> list[Row]:
    m = demo_market()
    wide = m.prices.pivot(index="date", columns="ticker", values="close")
    bench = wide[LARGE_INDEX]
    stocks = wide[m.companies.ticker].loc["2006-05-01":]

    def ours() -> None:
        rally.period_returns(stocks, "M")
        rally.rally_table(stocks, bench, "1M")

    def baseline() -> None:
        loop_baseline(stocks, bench)

    # Both sides agree on returns and betas before anything is timed.
    ours_t = rally.rally_table(stocks, bench, "1M")
    base_m, base_t = loop_baseline(stocks, bench)
    np.testing.assert_allclose(ours_t["return"], base_t.loc[ours_t.index, "return"])
    np.testing.assert_allclose(ours_t["beta"], base_t.loc[ours_t.index, "beta"], rtol=1e-6)
    np.testing.assert_allclose(rally.period_returns(stocks).to_numpy()[1:],
                               base_m.to_numpy()[1:], rtol=1e-12)
    t_ours = median_seconds(ours, repeat=15)
    t_base = median_seconds(baseline, repeat=3)
    return [Row(f"rally_table+period_returns {stocks.shape[1]} x {stocks.shape[0]}",
                t_ours, t_base, "< 50 ms and >= 20x the per-ticker loop (issue 3)",
                t_ours < 0.05 and t_base / t_ours >= 20)]


if __name__ == "__main__":
    print_rows(run())
