"""Rally analytics: period returns, "best month since", ranks, rally tables, breadth.

Prices are daily closes indexed by trading date: a Series for one ticker or a DataFrame with one
column per ticker. Everything is vectorised over tickers (no per-column Python loops), so a
300-ticker, 20-year universe takes milliseconds (``benchmarks/bench_rally.py``).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from rerating.errors import InputError

_FREQ = {"W": "W", "WEEK": "W", "M": "M", "ME": "M", "MONTH": "M", "Q": "Q", "QE": "Q",
         "QUARTER": "Q", "Y": "Y", "YE": "Y", "A": "Y", "YEAR": "Y"}
#: trading sessions in a year, for beta's default lookback
SESSIONS_PER_YEAR = 252


#: The rally window when none is given, everywhere (CLI, RR_ functions, templates): the month so
#: far, the seed note's "best month" question.
DEFAULT_WINDOW = "MTD"
#: The windows, in the words every help text uses.
WINDOW_WORDS = "MTD (month to date, the default), 1M, 3M, 6M, YTD, 1Y, QTD, 1W, or 20D for 20 sessions"


def _as_frame(prices: Any, name: str = "prices") -> tuple[pd.DataFrame, bool]:
    if isinstance(prices, pd.Series):
        return prices.to_frame(prices.name if prices.name is not None else "value"), True
    if isinstance(prices, pd.DataFrame):
        return prices, False
    raise InputError(f"{name} must be a pandas Series or DataFrame indexed by date")


def _check_index(frame: pd.DataFrame, name: str = "prices") -> pd.DatetimeIndex:
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise InputError(f"{name} must be indexed by date (a DatetimeIndex)")
    if len(frame.index) == 0:
        raise InputError(f"{name} is empty")
    if not frame.index.is_monotonic_increasing:
        raise InputError(f"{name} dates are not in increasing order; sort them first")
    return frame.index


def freq_code(freq: str) -> str:
    """Normalise a period name: W, M, Q or Y."""
    code = _FREQ.get(str(freq).strip().upper())
    if code is None:
        raise InputError(f"freq {freq!r} is not one of W (week), M (month), Q (quarter), Y (year)")
    return code


def period_returns(prices: Any, freq: str = "M") -> Any:
    """Calendar-period returns from daily prices, measured on each period's last trading day.

    Parameters
    ----------
    prices : Series (one ticker) or DataFrame (one column per ticker), indexed by date.
    freq : ``W``, ``M``, ``Q`` or ``Y``.

    Returns
    -------
    Same kind as ``prices``, indexed by the last trading day of each period. The first period
    has no earlier close, so its return is NaN. ``result.attrs["partial"]`` is True when the
    last period is not finished (its last observation is before the period's last weekday):
    a month-to-date figure.

    Notes
    -----
    ``r_p = P(last day of p) / P(last day of p-1) - 1``, prices forward-filled within the data so a
    missing close uses the previous one.
    """
    frame, single = _as_frame(prices)
    index = _check_index(frame)
    code = freq_code(freq)
    periods = index.to_period(code)
    codes = periods.asi8
    last = np.r_[np.flatnonzero(codes[1:] != codes[:-1]), len(codes) - 1]
    values = frame.to_numpy(dtype=float, copy=False)
    if np.isnan(values).any():
        values = frame.ffill().to_numpy(dtype=float)
    ends = values[last]
    out = np.full_like(ends, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[1:] = ends[1:] / ends[:-1] - 1.0
    result = pd.DataFrame(out, index=index[last], columns=frame.columns)
    period_end = periods[-1].end_time.normalize()
    last_weekday = period_end - pd.offsets.BDay(0) if period_end.weekday() < 5 else \
        period_end - pd.offsets.BDay(1)
    partial = bool(index[-1].normalize() < last_weekday)
    if single:
        series = result.iloc[:, 0].rename(prices.name)
        series.attrs["partial"] = partial
        return series
    result.attrs["partial"] = partial
    return result


def _series(returns: Any) -> pd.Series:
    if isinstance(returns, pd.DataFrame):
        if returns.shape[1] != 1:
            raise InputError("returns must be one series (one ticker), not a table")
        returns = returns.iloc[:, 0]
    if not isinstance(returns, pd.Series):
        returns = pd.Series(np.asarray(returns, dtype=float))
    s = returns.astype(float).dropna()
    if s.empty:
        raise InputError("returns has no values")
    return s


def _position(s: pd.Series, at: Any) -> int:
    if at is None:
        return len(s) - 1
    if isinstance(s.index, pd.DatetimeIndex):
        ts = pd.Timestamp(at)
        # A date inside a period names that period (its row is the period's last trading day).
        pos = int(s.index.searchsorted(ts, side="left"))
        if pos >= len(s) or not _same_period(s.index, pos, ts):
            pos -= 1
        if pos < 0:
            raise InputError(f"at {ts.date()} is before the first period {s.index[0].date()}")
        return pos
    try:
        return int(s.index.get_loc(at))
    except KeyError as exc:
        raise InputError(f"at {at!r} is not a period of returns") from exc


def _same_period(index: pd.DatetimeIndex, pos: int, ts: pd.Timestamp) -> bool:
    if len(index) < 2:
        return True
    gap = (index[1:] - index[:-1]).median()
    freq = "W" if gap <= pd.Timedelta(days=8) else "M" if gap <= pd.Timedelta(days=31) else \
        "Q" if gap <= pd.Timedelta(days=92) else "Y"
    return index[pos].to_period(freq) == ts.to_period(freq)


class BestSince(NamedTuple):
    """Answer of :func:`best_since`. ``since`` is None when the period is the best ever."""

    period: Any
    value: float
    since: Any
    since_value: float | None
    periods_between: int | None
    best_ever: bool


def best_since(returns: Any, at: Any = None) -> BestSince:
    """The most recent earlier period with a return at least as large as the one at ``at``.

    "April 2026 is the best month since May 2014": ``since`` is May 2014, ``since_value`` its
    return, ``periods_between`` the number of periods strictly between the two (142). When no
    earlier period was as good, ``best_ever`` is True and ``since`` is None.
    """
    s = _series(returns)
    p = _position(s, at)
    values = s.to_numpy()
    x = values[p]
    earlier = np.flatnonzero(values[:p] >= x)
    if earlier.size == 0:
        return BestSince(s.index[p], float(x), None, None, None, True)
    q = int(earlier[-1])
    return BestSince(s.index[p], float(x), s.index[q], float(values[q]), p - q - 1, False)


class PeriodRank(NamedTuple):
    """Answer of :func:`period_rank`."""

    period: Any
    value: float
    rank: int
    count: int
    percentile: float


def period_rank(returns: Any, at: Any = None) -> PeriodRank:
    """Rank of the period ``at`` among itself and all periods before it.

    ``rank`` 1 is the best; ``count`` is the number of periods compared (including ``at``);
    ``percentile`` is the share of earlier periods with a strictly lower return (1.0: better
    than every earlier period; NaN when there is no earlier period).
    """
    s = _series(returns)
    p = _position(s, at)
    values = s.to_numpy()
    x = values[p]
    before = values[:p]
    rank = 1 + int(np.sum(before > x))
    pct = float(np.mean(before < x)) if before.size else float("nan")
    return PeriodRank(s.index[p], float(x), rank, p + 1, pct)


_WINDOW = re.compile(r"^(\d+)\s*([DWMQY])$")


def _parse_window(window: Any) -> tuple[str, Any]:
    """("sessions", n) | ("to_date", "M"/"Q"/"Y") | ("calendar", DateOffset) for a window."""
    if isinstance(window, int | np.integer) and not isinstance(window, bool):
        if int(window) < 1:
            raise InputError(f"window {window} must be at least 1 session")
        return "sessions", int(window)
    w = str(window).strip().upper()
    if w in ("MTD", "QTD", "YTD"):
        return "to_date", w[0]
    m = _WINDOW.match(w)
    if not m:
        raise InputError(f"window {window!r} is not like 20D, 1W, 1M, 3M, 1Y, MTD, QTD or YTD")
    n, unit = int(m.group(1)), m.group(2)
    if n < 1:
        raise InputError(f"window {window!r} must be at least 1")
    if unit == "D":
        return "sessions", n
    return "calendar", {"W": pd.DateOffset(weeks=n), "M": pd.DateOffset(months=n),
                        "Q": pd.DateOffset(months=3 * n), "Y": pd.DateOffset(years=n)}[unit]


def check_window(window: Any) -> Any:
    """``window`` itself when it is one :func:`window_start` reads; else :class:`InputError`
    naming the forms that are (so a command refuses it before any work)."""
    _parse_window(window)
    return window


def window_start(index: pd.DatetimeIndex, as_of_pos: int, window: Any) -> int:
    """Position of the base close for a return over ``window`` ending at ``as_of_pos``
    (-1 when the window reaches before the first close).

    ``window``: an int or ``"20D"`` (trading sessions), ``"1W"``, ``"1M"``, ``"3M"``, ``"6M"``,
    ``"1Q"``, ``"1Y"`` (calendar: the last close on or before as_of minus the window),
    ``"MTD"``, ``"QTD"``, ``"YTD"`` (the last close before the period began).
    """
    kind, value = _parse_window(window)
    if kind == "sessions":
        return as_of_pos - value if as_of_pos - value >= 0 else -1
    as_of = index[as_of_pos]
    if kind == "to_date":
        return int(index.searchsorted(as_of.to_period(value).start_time, side="left")) - 1
    return int(index.searchsorted(as_of - value, side="right")) - 1


def _as_of_pos(index: pd.DatetimeIndex, as_of: Any) -> int:
    if as_of is None:
        return len(index) - 1
    pos = int(index.searchsorted(pd.Timestamp(as_of), side="right")) - 1
    if pos < 0:
        raise InputError(f"as_of {pd.Timestamp(as_of).date()} is before the first price "
                         f"{index[0].date()}")
    return pos


def _nanbeta(r: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Column-wise OLS slope of r on b over rows where both are finite."""
    valid = np.isfinite(r) & np.isfinite(b)[:, None]
    n = valid.sum(axis=0)
    rz = np.where(valid, r, 0.0)
    bz = np.where(valid, b[:, None], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mr = rz.sum(axis=0) / n
        mb = bz.sum(axis=0) / n
        cov = (rz * bz).sum(axis=0) / n - mr * mb
        var = (bz * bz).sum(axis=0) / n - mb * mb
        beta = np.where((n >= 20) & (var > 0), cov / var, np.nan)
    return beta


def rally_table(prices: pd.DataFrame, benchmark: pd.Series, window: Any = DEFAULT_WINDOW,
                as_of: Any = None, sectors: Any = None,
                beta_lookback: int = SESSIONS_PER_YEAR) -> pd.DataFrame:
    """One row per ticker: the rally over ``window``, ranked, split into market, sector and
    stock-specific parts ("broad lift versus idiosyncratic strength").

    Parameters
    ----------
    prices : dates x tickers closes.
    benchmark : the benchmark's closes (e.g. the large-cap index), aligned by date.
    window : see :func:`window_start` (default ``1M``).
    as_of : the last date of the window (default: the last date of ``prices``).
    sectors : optional mapping/Series ticker -> sector.
    beta_lookback : daily sessions ending at ``as_of`` used to estimate beta (252).

    Returns
    -------
    DataFrame indexed by ticker, best first, with columns ``return``, ``benchmark_return``,
    ``excess_return``, ``beta``, ``market_part`` (beta x benchmark return), ``sector_part``
    (the sector's average return beyond its market part; 0 without sectors),
    ``idiosyncratic_return`` (what remains), ``beta_days`` (the daily returns beta was estimated
    from: sessions where the stock or the benchmark has no close, and the session after, are left
    out rather than counted as zero returns), ``rank`` (1 = best), ``percentile`` (share of the
    universe at or below this return).

    Notes
    -----
    ``return = P(as_of)/P(start) - 1``; ``idiosyncratic = return - beta R_b - sector_part``.
    """
    frame, _ = _as_frame(prices)
    index = _check_index(frame)
    if not isinstance(benchmark, pd.Series):
        raise InputError("benchmark must be a Series of closes indexed by date")
    bench_raw = benchmark.astype(float).reindex(index).to_numpy()
    bench = pd.Series(bench_raw).ffill().to_numpy()
    raw = frame.to_numpy(dtype=float, copy=False)
    values = frame.ffill().to_numpy(dtype=float) if np.isnan(raw).any() else raw
    a = _as_of_pos(index, as_of)
    s = window_start(index, a, window)
    if s < 0 or s >= a:
        raise InputError(f"window {window!r} reaches before the first price {index[0].date()}")
    with np.errstate(divide="ignore", invalid="ignore"):
        total = values[a] / values[s] - 1.0
        b_total = bench[a] / bench[s] - 1.0
        # Beta from raw closes: a missing session makes that day's and the next day's return
        # missing, so a stale price never counts as a zero return (nor the catch-up as a jump).
        lo = max(a - beta_lookback, 0)
        seg = raw[lo:a + 1]
        r = seg[1:] / seg[:-1] - 1.0
        bseg = bench_raw[lo:a + 1]
        br = bseg[1:] / bseg[:-1] - 1.0
    beta = _nanbeta(r, br)
    beta_days = (np.isfinite(r) & np.isfinite(br)[:, None]).sum(axis=0)
    market = beta * b_total
    resid = total - market
    tickers = frame.columns
    sector_part = np.zeros(len(tickers))
    sector_col = None
    if sectors is not None:
        sector_col = pd.Series(sectors).reindex(tickers)
        sector_part = pd.Series(resid, index=tickers).groupby(sector_col).transform("mean") \
            .fillna(0.0).to_numpy()
    out = pd.DataFrame({
        "return": total, "benchmark_return": b_total, "excess_return": total - b_total,
        "beta": beta, "market_part": market, "sector_part": sector_part,
        "idiosyncratic_return": resid - sector_part, "beta_days": beta_days,
    }, index=pd.Index(tickers, name="ticker"))
    if sector_col is not None:
        out.insert(0, "sector", sector_col.to_numpy())
    ranked = out["return"]
    out["rank"] = ranked.rank(ascending=False, method="min").astype("Int64")
    out["percentile"] = ranked.rank(pct=True, method="max")
    out.attrs.update(start=index[s], as_of=index[a], window=window)
    return out.sort_values(["rank"], na_position="last", kind="stable")


class Breadth(NamedTuple):
    """Answer of :func:`breadth`: shares of the universe, 0..1, and how many were counted."""

    up: float
    above_200d: float
    at_52w_high: float
    count: int


def breadth(prices: pd.DataFrame, as_of: Any = None, window: Any = "1M") -> Breadth:
    """Share of the universe up over ``window``, above its 200-session average, and at a
    52-week (252-session) closing high, as of ``as_of``. Tickers without a price at the start
    of the window are not counted."""
    frame, _ = _as_frame(prices)
    index = _check_index(frame)
    values = frame.ffill().to_numpy(dtype=float)
    a = _as_of_pos(index, as_of)
    s = window_start(index, a, window)
    if s < 0:
        raise InputError(f"window {window!r} reaches before the first price")
    now, then = values[a], values[s]
    ok = np.isfinite(now) & np.isfinite(then)
    n = int(ok.sum())
    if n == 0:
        raise InputError("no ticker has prices at both ends of the window")
    ma = np.nanmean(values[max(a - 199, 0):a + 1], axis=0)
    hi = np.nanmax(values[max(a - 251, 0):a + 1], axis=0)
    return Breadth(float(np.mean(now[ok] > then[ok])), float(np.mean(now[ok] > ma[ok])),
                   float(np.mean(now[ok] >= hi[ok])), n)


def relative_strength(a: pd.Series, b: pd.Series, window: Any = DEFAULT_WINDOW) -> pd.Series:
    """Return of ``a`` relative to ``b`` over a rolling ``window``, at each date:
    ``(1 + R_a) / (1 + R_b) - 1`` (small caps versus large caps)."""
    if not isinstance(a, pd.Series) or not isinstance(b, pd.Series):
        raise InputError("a and b must be Series of closes indexed by date")
    a2, b2 = a.astype(float).align(b.astype(float), join="inner")
    both = pd.concat([a2, b2], axis=1).dropna()
    if both.empty:
        raise InputError("a and b share no dates")
    index = _check_index(both)
    ratio = (both.iloc[:, 0] / both.iloc[:, 1]).to_numpy()
    out = np.full(len(ratio), np.nan)
    kind, value = _parse_window(window)
    if kind == "sessions":
        out[value:] = ratio[value:] / ratio[:-value] - 1.0
    else:
        if kind == "to_date":
            starts = np.array([window_start(index, i, window) for i in range(len(index))])
        else:  # calendar: every date's base close in one vectorised search
            starts = index.searchsorted(index - value, side="right") - 1
        ok = starts >= 0
        out[ok] = ratio[ok] / ratio[starts[ok]] - 1.0
    return pd.Series(out, index=index, name="relative_strength")


class BetaTilt(NamedTuple):
    """Did the rally favour higher-beta stocks? Equal-weighted window returns of the highest-
    and lowest-beta fifths, their spread, and the correlation across sectors between median beta
    and the return beyond the sector's trailing average."""

    high_beta_return: float
    low_beta_return: float
    spread: float
    sector_correlation: float


def trailing_monthly(monthly: pd.DataFrame, trailing: int = 12) -> pd.Series:
    """Each column's average monthly return over the ``trailing`` complete months before the
    last row (the last row is the month being judged, so it is left out)."""
    if int(trailing) < 1:
        raise InputError(f"trailing {trailing} must be at least 1 month")
    return monthly.iloc[:-1].tail(int(trailing)).mean()


def sector_rotation(returns: pd.Series, sectors: pd.Series, monthly: pd.DataFrame,
                    betas: pd.Series, trailing: int = 12) -> pd.DataFrame:
    """Where the money went, sector by sector: the window's return against the sector's own
    trailing average and its beta.

    Parameters
    ----------
    returns : window return per ticker.
    sectors : sector per ticker (tickers without one are left out).
    monthly : monthly returns, months x tickers, oldest first; the last row is the window's month
        and is excluded from the trailing average.
    betas : beta per ticker.
    trailing : complete months averaged before the window's month (12).

    Returns
    -------
    DataFrame indexed by sector, best return first: ``stocks``, ``return`` (equal-weighted mean
    of its stocks' window returns), ``trailing_monthly`` (equal-weighted mean of its stocks'
    average monthly return over the ``trailing`` months before), ``excess`` (return minus
    trailing_monthly), ``beta`` (median beta of its stocks).
    """
    names = [t for t in returns.index if isinstance(sectors.get(t), str) and sectors.get(t)]
    if not names:
        raise InputError("no ticker has a sector: sector rotation needs sectors")
    past = trailing_monthly(monthly.reindex(columns=names), trailing)
    frame = pd.DataFrame({"sector": sectors.reindex(names), "return": returns.reindex(names).astype(float),
                          "trailing": past.reindex(names).astype(float),
                          "beta": betas.reindex(names).astype(float)})
    g = frame.groupby("sector")
    out = pd.DataFrame({"stocks": g.size(), "return": g["return"].mean(),
                        "trailing_monthly": g["trailing"].mean(), "beta": g["beta"].median()})
    out["excess"] = out["return"] - out["trailing_monthly"]
    out = out[["stocks", "return", "trailing_monthly", "excess", "beta"]]
    return out.sort_values("return", ascending=False, kind="stable")


def beta_tilt(returns: pd.Series, betas: pd.Series, rotation: pd.DataFrame | None = None,
              quantile: float = 0.2) -> BetaTilt:
    """Window return of the highest-beta ``quantile`` of stocks against the lowest (equal-
    weighted), and, given :func:`sector_rotation`'s table, the correlation across sectors of
    median beta with excess return (NaN with fewer than 3 sectors)."""
    if not 0 < quantile <= 0.5:
        raise InputError(f"quantile {quantile} must be in (0, 0.5]")
    both = pd.DataFrame({"r": returns.astype(float), "b": betas.astype(float)}).dropna()
    if len(both) < 2:
        raise InputError("beta tilt needs at least 2 stocks with a return and a beta")
    k = max(1, int(np.floor(len(both) * quantile)))
    ranked = both.sort_values("b", kind="stable")
    low, high = float(ranked["r"].iloc[:k].mean()), float(ranked["r"].iloc[-k:].mean())
    corr = float("nan")
    if rotation is not None:
        s = rotation[["beta", "excess"]].dropna()
        if len(s) >= 3 and s["beta"].std() > 0 and s["excess"].std() > 0:
            corr = float(np.corrcoef(s["beta"], s["excess"])[0, 1])
    return BetaTilt(high, low, high - low, corr)
