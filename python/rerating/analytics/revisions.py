"""Earnings-estimate revisions: how consensus EPS moved, how broadly, and where price ran ahead."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rerating.analytics._util import arr, wrap
from rerating.errors import InputError


def eps_revision(eps_now: Any, eps_then: Any) -> Any:
    """Change of consensus EPS, as a decimal: ``(now - then) / |then|``.

    Dividing by the absolute value keeps the sign meaningful when EPS was negative (a smaller
    loss is a positive revision). NaN where ``eps_then`` is 0 or blank.
    """
    n, t = arr(eps_now, "eps_now"), arr(eps_then, "eps_then")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(t != 0, (n - t) / np.abs(t), np.nan)
    return wrap(out, eps_now, eps_then)


def revision_breadth(ups: Any, downs: Any, axis: int | None = None) -> Any:
    """Net share of estimate changes that were upgrades: ``(up - down) / (up + down)``.

    +1 all upgrades, -1 all downgrades, NaN when nobody revised. With ``axis`` the counts are
    summed along it first (``axis=0`` over the tickers of a universe): the universe's breadth.
    """
    u, d = arr(ups, "ups"), arr(downs, "downs")
    if np.any(u[np.isfinite(u)] < 0) or np.any(d[np.isfinite(d)] < 0):
        raise InputError("ups and downs are counts of analysts and cannot be negative")
    if axis is not None:
        u, d = np.nansum(u, axis=axis), np.nansum(d, axis=axis)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(u + d > 0, (u - d) / (u + d), np.nan)
        return float(out) if np.ndim(out) == 0 else out
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(u + d > 0, (u - d) / (u + d), np.nan)
    return wrap(out, ups, downs)


def value_traps(returns: pd.Series, revisions: pd.Series, rally_quantile: float = 0.8,
                max_revision: float = 0.0) -> pd.DataFrame:
    """Stocks in the top rally quantile whose estimates were not raised.

    Parameters
    ----------
    returns : price return over the rally window, by ticker.
    revisions : consensus EPS revision over a comparable window, by ticker (decimal).
    rally_quantile : the return quantile a stock must reach (0.8: the top fifth).
    max_revision : the highest revision that still counts as "not raised" (0.0).

    Returns
    -------
    DataFrame indexed by ticker: ``return``, ``revision``, ``return_percentile``; best rally
    first. Tickers without a revision are left out (no estimate, no verdict).
    """
    if not 0 <= rally_quantile < 1:
        raise InputError(f"rally_quantile {rally_quantile} must be at least 0 and below 1")
    r = pd.Series(returns, dtype=float).dropna()
    if r.empty:
        raise InputError("returns is empty")
    rev = pd.Series(revisions, dtype=float).reindex(r.index)
    threshold = float(np.quantile(r.to_numpy(), rally_quantile))
    pct = r.rank(pct=True, method="max")
    mask = (r >= threshold) & rev.notna() & (rev <= max_revision)
    out = pd.DataFrame({"return": r[mask], "revision": rev[mask], "return_percentile": pct[mask]})
    return out.sort_values("return", ascending=False)
