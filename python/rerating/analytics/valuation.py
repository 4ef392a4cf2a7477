"""Valuation multiples of a universe, the gap between two of them, and re-rating arithmetic."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from rerating.analytics._util import arr, first_bad, fmt, wrap
from rerating.errors import InputError

Method = Literal["aggregate", "median", "harmonic"]
LossMakers = Literal["exclude", "include"]


class AggregateMultiple(NamedTuple):
    """An index-style multiple and how loss-makers were treated."""

    value: float
    method: str
    n_used: int
    n_loss_makers: int
    loss_makers: str


def _multiple_1d(mc: np.ndarray, e: np.ndarray, method: str, loss_makers: str) -> AggregateMultiple:
    ok = np.isfinite(mc) & np.isfinite(e) & (mc > 0)
    mc, e = mc[ok], e[ok]
    loss = e <= 0
    n_loss = int(loss.sum())
    if method == "median" or loss_makers == "exclude":
        mc, e = mc[~loss], e[~loss]
    n = int(mc.size)
    if n == 0:
        return AggregateMultiple(float("nan"), method, 0, n_loss, loss_makers)
    if method == "aggregate":
        total = e.sum()
        value = mc.sum() / total if total > 0 else float("nan")
    elif method == "median":
        value = float(np.median(mc / e))
    else:  # harmonic: reciprocal of the mean earnings yield
        ey = (e / mc).mean()
        value = 1.0 / ey if ey > 0 else float("nan")
    return AggregateMultiple(float(value), method, n, n_loss, loss_makers)


def aggregate_multiple(market_caps: Any, earnings_or_book: Any, method: Method = "aggregate",
                       loss_makers: LossMakers = "exclude") -> Any:
    """Index-style P/E (or P/B) of a universe.

    Parameters
    ----------
    market_caps, earnings_or_book : one value per company (1-D), or dates x companies (2-D:
        one multiple per date). Earnings are total (EPS x shares), in the same currency.
    method : ``aggregate`` total market cap / total earnings (how index providers compute it),
        ``median`` median of company multiples, ``harmonic`` 1 / mean earnings yield.
    loss_makers : ``exclude`` (default) drops companies with earnings <= 0 from numerator and
        denominator; ``include`` keeps them (aggregate and harmonic only; a median of negative
        multiples has no meaning, so ``median`` always excludes them).

    Returns
    -------
    float (1-D input) or Series (2-D input). NaN when no usable company remains or when the
    included earnings sum to zero or less. :func:`aggregate_multiple_detail` also says how many
    loss-makers there were.
    """
    if method not in ("aggregate", "median", "harmonic"):
        raise InputError(f"method {method!r} is not 'aggregate', 'median' or 'harmonic'")
    if loss_makers not in ("exclude", "include"):
        raise InputError(f"loss_makers {loss_makers!r} is not 'exclude' or 'include'")
    mc, e = arr(market_caps, "market_caps"), arr(earnings_or_book, "earnings_or_book")
    if mc.shape != e.shape:
        raise InputError(f"market_caps has shape {mc.shape} but earnings_or_book has {e.shape}")
    if mc.ndim <= 1:
        return _multiple_1d(mc.ravel(), e.ravel(), method, loss_makers).value
    if method == "aggregate":
        ok = np.isfinite(mc) & np.isfinite(e) & (mc > 0)
        if loss_makers == "exclude":
            ok &= e > 0
        num = np.where(ok, mc, 0.0).sum(axis=1)
        den = np.where(ok, e, 0.0).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(den > 0, num / den, np.nan)
    else:
        values = np.array([_multiple_1d(mc[i], e[i], method, loss_makers).value
                           for i in range(mc.shape[0])])
    index = market_caps.index if isinstance(market_caps, pd.DataFrame) else None
    return pd.Series(values, index=index, name=f"{method}_multiple")


def aggregate_multiple_detail(market_caps: Any, earnings_or_book: Any, method: Method = "aggregate",
                              loss_makers: LossMakers = "exclude") -> AggregateMultiple:
    """:func:`aggregate_multiple` for one date, with the count of companies used and of
    loss-makers, so the treatment can be stated next to the number."""
    mc, e = arr(market_caps, "market_caps").ravel(), arr(earnings_or_book, "earnings_or_book").ravel()
    if mc.shape != e.shape:
        raise InputError(f"market_caps has {mc.size} values but earnings_or_book has {e.size}")
    aggregate_multiple(mc[:0], e[:0], method, loss_makers)  # validates the options
    return _multiple_1d(mc, e, method, loss_makers)


def valuation_gap(small: Any, large: Any) -> Any:
    """Premium (+) or discount (-) of one multiple over another: ``small / large - 1``.

    Scalars, arrays or aligned Series (a history of the gap)."""
    if isinstance(small, pd.Series) and isinstance(large, pd.Series):
        small, large = small.align(large, join="inner")
    s, la = arr(small, "small"), arr(large, "large")
    if np.any(la <= 0):
        (bad,) = first_bad(la <= 0, la)
        raise InputError(f"large {fmt(bad)} is not a positive multiple")
    return wrap(s / la - 1.0, small, large)


def _upto(history: Any, at: Any) -> tuple[np.ndarray, float]:
    if isinstance(history, pd.Series):
        h = history.dropna()
        if at is not None:
            h = h.loc[:at]
        values = h.to_numpy(dtype=float)
    else:
        values = arr(history, "history").ravel()
        values = values[np.isfinite(values)]
        if at is not None:
            values = values[: int(at) + 1]
    if values.size == 0:
        raise InputError("history is empty (or has no value on or before at)")
    return values, float(values[-1])


def gap_percentile(history: Any, at: Any = None) -> float:
    """Share of the history (up to and including ``at``, default the latest) at or below the
    value at ``at``: 0.05 means only 5% of observations were as cheap or cheaper."""
    values, x = _upto(history, at)
    return float(np.mean(values <= x))


def month_end_values(history: pd.Series) -> pd.Series:
    """The last value of each calendar month (the month in progress counts with its latest
    value): the one base of the gap percentiles in the note, the dashboard and RR_GAP_PERCENTILE."""
    s = pd.Series(history).dropna()
    if not isinstance(s.index, pd.DatetimeIndex):
        raise InputError("history needs dates to be taken at month-ends")
    return s.resample("ME").last().dropna()


def gap_zscore(history: Any, at: Any = None, lookback: int | None = None) -> float:
    """Standard deviations of the value at ``at`` from the mean of the history up to it
    (the last ``lookback`` observations when given). Sample standard deviation (ddof=1)."""
    values, x = _upto(history, at)
    if lookback is not None:
        if int(lookback) < 2:
            raise InputError(f"lookback {lookback} must be at least 2 observations")
        values = values[-int(lookback):]
    if values.size < 2:
        raise InputError("history needs at least 2 observations for a z-score")
    sd = values.std(ddof=1)
    if sd == 0:
        raise InputError("history does not vary; a z-score has no meaning")
    return float((x - values.mean()) / sd)


class MultipleChange(NamedTuple):
    """Decomposition of a price return: ``(1 + eps_growth) * (1 + multiple_change) = 1 + price_return``."""

    price_return: Any
    eps_growth: Any
    multiple_change: Any


def multiple_change(price_start: Any, price_end: Any, eps_start: Any, eps_end: Any) -> MultipleChange:
    """Split a price return into EPS growth and the change of the P/E (re-rating or compression).

    Notes
    -----
    ``1 + r = P1/P0``, ``1 + g = E1/E0``, ``1 + m = (P1/E1) / (P0/E0)`` so that
    ``(1+g)(1+m) = 1+r`` exactly. EPS must be positive at both ends.
    """
    p0, p1 = arr(price_start, "price_start"), arr(price_end, "price_end")
    e0, e1 = arr(eps_start, "eps_start"), arr(eps_end, "eps_end")
    for v, name in ((p0, "price_start"), (p1, "price_end"), (e0, "eps_start"), (e1, "eps_end")):
        if np.any(v <= 0):
            (bad,) = first_bad(v <= 0, v)
            raise InputError(f"{name} {fmt(bad)} is not positive; a P/E change needs positive "
                             "prices and earnings at both ends")
    ins = (price_start, price_end, eps_start, eps_end)
    return MultipleChange(wrap(p1 / p0 - 1, *ins), wrap(e1 / e0 - 1, *ins),
                          wrap((p1 / e1) / (p0 / e0) - 1, *ins))
