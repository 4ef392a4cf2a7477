"""Canonical long tables -> the wide, analytics-ready shapes (dates x tickers)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from rerating.data.store import Store


def wide_prices(store: Store, tickers: Iterable[str], field: str = "close", *,
                start: object = None, end: object = None) -> pd.DataFrame:
    """Dates x tickers of one price field, from the store (columns in the order asked)."""
    wanted = list(dict.fromkeys(tickers))
    long = store.require("prices", wanted, start=start, end=end,
                         columns=["ticker", "date", field])
    # A hash-based pivot: the table is unique on (ticker, date), so each row lands in one cell.
    t_codes, t_uniq = pd.factorize(long["ticker"])
    col = np.array([wanted.index(t) for t in t_uniq], dtype=np.intp)[t_codes]
    d_codes, d_uniq = pd.factorize(long["date"].to_numpy())
    order = np.argsort(d_uniq)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    dates = np.asarray(d_uniq)[order]
    values = np.full((len(dates), len(wanted)), np.nan)
    values[rank[d_codes], col] = long[field].to_numpy(dtype=float)
    return pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"),
                        columns=pd.Index(wanted, name="ticker"))


def snapshot_cut(when: object, asked: object) -> pd.Timestamp | None:
    """The last date a snapshot (fundamentals, estimates) may carry to be read beside prices of
    ``when``: ``when`` itself when the user asked for that date (nothing learnt later leaks
    into a past date's book), none when they asked for the latest, where the newest snapshot
    is the current view even when it was taken after the last stored close (a morning's fetch
    beside yesterday's close, before NSE's evening files)."""
    return pd.Timestamp(when) if asked is not None else None


def latest_snapshot(frame: pd.DataFrame, as_of: object = None) -> pd.DataFrame:
    """The last snapshot per ticker on or before ``as_of`` (fundamentals, estimates)."""
    if as_of is not None:
        frame = frame[frame["as_of"] <= pd.Timestamp(as_of)]
    if frame.empty:
        return frame
    latest = frame.groupby("ticker")["as_of"].transform("max")
    return frame[frame["as_of"] == latest]
