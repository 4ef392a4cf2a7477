"""Canonical long tables -> the wide, analytics-ready shapes (dates x tickers)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from rerating.data.store import Store


def wide_prices(store: Store, tickers: Iterable[str], field: str = "close", *,
                start: object = None, end: object = None) -> pd.DataFrame:
    """Dates x tickers of one price field, from the store (columns in the order asked)."""
    wanted = list(dict.fromkeys(tickers))
    long = store.require("prices", wanted, start=start, end=end)
    wide = long.pivot(index="date", columns="ticker", values=field)
    return wide.reindex(columns=wanted).sort_index()


def latest_snapshot(frame: pd.DataFrame, as_of: object = None) -> pd.DataFrame:
    """The last snapshot per ticker on or before ``as_of`` (fundamentals, estimates)."""
    if as_of is not None:
        frame = frame[frame["as_of"] <= pd.Timestamp(as_of)]
    if frame.empty:
        return frame
    latest = frame.groupby("ticker")["as_of"].transform("max")
    return frame[frame["as_of"] == latest]
