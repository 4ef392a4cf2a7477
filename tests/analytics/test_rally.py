"""Rally analytics on small hand-built price series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rerating.analytics import rally
from rerating.errors import InputError


def month_end_prices() -> pd.Series:
    """Daily closes: January closes at 100, February at 110, March at 99 (flat within months)."""
    days = pd.bdate_range("2026-01-01", "2026-03-31")
    level = np.where(days.month == 1, 100.0, np.where(days.month == 2, 110.0, 99.0))
    return pd.Series(level, index=days, name="X")


def test_period_returns_on_last_trading_days() -> None:
    m = rally.period_returns(month_end_prices(), "M")
    assert list(m.index) == [pd.Timestamp("2026-01-30"), pd.Timestamp("2026-02-27"), pd.Timestamp("2026-03-31")]
    assert np.isnan(m.iloc[0])
    assert m.iloc[1:].tolist() == [pytest.approx(0.10), pytest.approx(-0.10)]
    assert m.attrs["partial"] is False


def test_last_period_marked_partial_month_to_date() -> None:
    p = month_end_prices().loc[:"2026-03-16"]
    m = rally.period_returns(p, "M")
    assert m.attrs["partial"] is True
    assert m.index[-1] == pd.Timestamp("2026-03-16")


def test_period_returns_many_tickers_with_a_gap() -> None:
    p = pd.DataFrame({"A": month_end_prices(), "B": month_end_prices() * 2})
    p.loc["2026-02-27", "B"] = np.nan  # missing last close of February: uses 26 Feb's
    q = rally.period_returns(p, "Q")
    assert q.shape == (1, 2)
    w = rally.period_returns(p, "W")
    assert w.index[0] == pd.Timestamp("2026-01-02")  # Friday of the first week
    m = rally.period_returns(p, "M")
    assert m.loc["2026-03-31"].tolist() == [pytest.approx(-0.10), pytest.approx(-0.10)]


def test_best_since_and_best_ever() -> None:
    r = pd.Series([0.05, 0.20, 0.01, 0.15, 0.03, 0.12],
                  index=pd.date_range("2025-01-31", periods=6, freq="ME"))
    b = rally.best_since(r)
    assert b.since == pd.Timestamp("2025-04-30") and b.since_value == 0.15
    assert b.periods_between == 1 and not b.best_ever
    assert rally.best_since(r, at="2025-02-14").best_ever  # February, a date within it
    # at least as large counts: a tie points at the earlier equal month
    tie = pd.Series([0.10, 0.02, 0.10])
    assert rally.best_since(tie).since == 0


def test_period_rank() -> None:
    r = pd.Series([0.05, 0.20, 0.01, 0.15, 0.03, 0.12])
    k = rally.period_rank(r)
    # 0.12 vs earlier [0.05, 0.20, 0.01, 0.15, 0.03]: two better -> rank 3 of 6; 3/5 lower
    assert (k.rank, k.count, k.percentile) == (3, 6, pytest.approx(0.6))
    assert np.isnan(rally.period_rank(r, at=0).percentile)


def test_rally_table_splits_market_sector_and_stock() -> None:
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2025-01-01", periods=300)
    rb = rng.normal(0.0005, 0.01, len(days))
    rb[0] = 0.0
    bench = pd.Series(100 * np.cumprod(1 + rb), index=days)
    ra = 2.0 * rb                      # exactly twice the benchmark: beta 2, nothing of its own
    rc = 0.5 * rb
    rc[-5:] += 0.01                    # C adds 1% a day in the last week
    prices = pd.DataFrame({"A": 50 * np.cumprod(1 + ra), "C": 80 * np.cumprod(1 + rc)}, index=days)
    t = rally.rally_table(prices, bench, window="5D")
    b5 = bench.iloc[-1] / bench.iloc[-6] - 1
    a5 = prices.A.iloc[-1] / prices.A.iloc[-6] - 1
    assert t.loc["A", "return"] == pytest.approx(a5)
    assert t.loc["A", "benchmark_return"] == pytest.approx(b5)
    assert t.loc["A", "beta"] == pytest.approx(2.0, abs=1e-9)
    assert t.loc["A", "market_part"] == pytest.approx(2 * b5)
    assert t.loc["A", "idiosyncratic_return"] == pytest.approx(a5 - 2 * b5)
    assert t.loc["C", "beta"] == pytest.approx(0.5, abs=0.02)  # the last-week bump tilts it a little
    assert t.loc["C", "idiosyncratic_return"] > 0.04
    c5 = prices.C.iloc[-1] / prices.C.iloc[-6] - 1
    assert list(t.index) == (["C", "A"] if c5 > a5 else ["A", "C"])
    assert t["rank"].tolist() == [1, 2]
    assert t["percentile"].tolist() == [1.0, 0.5]
    # Same sector: the sector part is their mean residual and the stock parts sum to zero.
    s = rally.rally_table(prices, bench, window="5D", sectors={"A": "IT", "C": "IT"})
    assert s["sector_part"].nunique() == 1
    assert s["idiosyncratic_return"].sum() == pytest.approx(0.0, abs=1e-12)


def test_rally_table_beta_leaves_out_missing_sessions() -> None:
    # A moves exactly twice the benchmark every day; ten of its sessions have no close. Filled
    # forward they would count as ten zero returns and one ten-day jump (beta 0.997 vs 1.049 in
    # the case); left out, beta stays exactly 2 on the 251 - 11 returns that remain.
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2025-01-01", periods=300)
    rb = rng.normal(0.0005, 0.01, len(days))
    rb[0] = 0.0
    bench = pd.Series(100 * np.cumprod(1 + rb), index=days)
    a = pd.Series(50 * np.cumprod(1 + 2 * rb), index=days)
    gappy = a.copy()
    gappy.iloc[200:210] = np.nan
    t = rally.rally_table(pd.DataFrame({"A": a, "G": gappy}), bench, window="5D")
    assert t.loc["A", "beta"] == pytest.approx(2.0, abs=1e-12)
    assert t.loc["G", "beta"] == pytest.approx(2.0, abs=1e-12)
    assert (t.loc["A", "beta_days"], t.loc["G", "beta_days"]) == (252, 252 - 11)
    filled = rally._nanbeta(*(lambda v, b: (v[1:] / v[:-1] - 1, b[1:] / b[:-1] - 1))(
        gappy.ffill().to_numpy()[-253:, None], bench.to_numpy()[-253:]))
    assert abs(filled[0] - 2.0) > 0.01  # what forward-filling did


def test_rally_table_window_reaching_before_data() -> None:
    p = month_end_prices().to_frame()
    with pytest.raises(InputError, match="window '1Y'"):
        rally.rally_table(p, p.X, window="1Y")
    with pytest.raises(InputError, match="window 'banana'"):
        rally.rally_table(p, p.X, window="banana")


def test_window_start_conventions() -> None:
    idx = pd.bdate_range("2026-01-01", "2026-04-30")
    a = len(idx) - 1
    assert idx[rally.window_start(idx, a, "MTD")] == pd.Timestamp("2026-03-31")
    # YTD needs the last close of 2025, which this index does not have
    assert rally.window_start(idx, a, "YTD") == -1
    assert idx[rally.window_start(idx, a, "QTD")] == pd.Timestamp("2026-03-31")
    assert idx[rally.window_start(idx, a, "1M")] == pd.Timestamp("2026-03-30")
    assert rally.window_start(idx, a, 5) == a - 5


def test_breadth() -> None:
    days = pd.bdate_range("2025-01-01", periods=260)
    up = pd.Series(np.linspace(100, 200, 260), index=days)          # at a 52-week high
    down = pd.Series(np.linspace(200, 100, 260), index=days)        # below its average
    dip = up.copy()
    dip.iloc[-1] = up.iloc[-30]                                      # up over 1M? no: flat-ish
    b = rally.breadth(pd.DataFrame({"U": up, "D": down, "P": dip}), window="1M")
    assert b.count == 3
    assert b.up == pytest.approx(1 / 3)
    assert b.above_200d == pytest.approx(2 / 3)
    assert b.at_52w_high == pytest.approx(1 / 3)


def test_relative_strength() -> None:
    days = pd.bdate_range("2026-01-01", periods=30)
    a = pd.Series(np.r_[np.full(10, 100.0), np.full(20, 120.0)], index=days)
    b = pd.Series(100.0, index=days)
    rs = rally.relative_strength(a, b, window=5)
    assert np.isnan(rs.iloc[4])
    assert rs.iloc[10] == pytest.approx(0.2)
    assert rs.iloc[15] == pytest.approx(0.0)
    monthly = rally.relative_strength(a * 1.0, b * 2.0, window="1M")
    assert monthly.iloc[-1] == pytest.approx(0.2)


def test_prices_must_be_dated() -> None:
    with pytest.raises(InputError, match="indexed by date"):
        rally.period_returns(pd.Series([1.0, 2.0]))
    with pytest.raises(InputError, match="freq 'D'"):
        rally.period_returns(month_end_prices(), "D")


def test_sector_rotation_and_beta_tilt_by_hand() -> None:
    """Five stocks in three sectors, worked on paper:
    Banks (A, B): returns 10%, 20% -> 15%; trailing means 1%, 3% -> 2%; excess 13%; beta median 1.5
    IT (C, D): 2%, 4% -> 3%; trailing 0.5%, 1.5% -> 1%; excess 2%; beta median 0.75
    Metals (E): 30%; trailing 5%; excess 25%; beta 2.0
    Beta order C(0.5) D(1.0) A(1.2) B(1.8) E(2.0): fifths of 5 stocks are 1 stock each, so the
    high-beta return is E's 30%, the low-beta C's 2%: spread 28%. Across sectors (beta, excess):
    (1.5, .13), (0.75, .02), (2.0, .25): Pearson r = 0.99020 (sums worked below)."""
    from rerating.analytics.rally import beta_tilt, sector_rotation

    tick = list("ABCDE")
    ret = pd.Series([0.10, 0.20, 0.02, 0.04, 0.30], index=tick)
    sec = pd.Series(["Banks", "Banks", "IT", "IT", "Metals"], index=tick)
    beta = pd.Series([1.2, 1.8, 0.5, 1.0, 2.0], index=tick)
    months = pd.date_range("2025-04-30", periods=14, freq="ME")
    # 13 months: the first is outside the 12-month trailing window, the last is the window's month
    rows = {t: [9.9] + [m] * 12 + [ret[t]] for t, m in zip(tick, [0.01, 0.03, 0.005, 0.015, 0.05], strict=True)}
    monthly = pd.DataFrame(rows, index=months)
    rot = sector_rotation(ret, sec, monthly, beta)
    assert list(rot.index) == ["Metals", "Banks", "IT"]
    assert rot.loc["Banks", "stocks"] == 2
    assert rot.loc["Banks", "return"] == pytest.approx(0.15)
    assert rot.loc["Banks", "trailing_monthly"] == pytest.approx(0.02)
    assert rot.loc["Banks", "excess"] == pytest.approx(0.13)
    assert rot.loc["IT", "beta"] == pytest.approx(0.75)
    assert rot.loc["Metals", "excess"] == pytest.approx(0.25)
    tilt = beta_tilt(ret, beta, rot)
    assert (tilt.high_beta_return, tilt.low_beta_return) == pytest.approx((0.30, 0.02))
    assert tilt.spread == pytest.approx(0.28)
    # r by hand: mean beta 1.41667, mean excess 0.13333; deviations (0.08333, -0.00333),
    # (-0.66667, -0.11333), (0.58333, 0.11667); sum xy 0.143333, sum x2 0.791667, sum y2 0.026467
    assert tilt.sector_correlation == pytest.approx(0.143333 / (0.791667 * 0.026467) ** 0.5, abs=2e-4)
    assert tilt.sector_correlation == pytest.approx(0.99020, abs=2e-4)
