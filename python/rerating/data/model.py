"""The canonical tables every other room reads: one shape per kind of data.

Each table is a long pandas DataFrame with a fixed column order and dtypes, a primary key, and
two provenance columns on every row: ``source`` (``yahoo``, ``demo:synthetic``,
``import:<file>``) and ``fetched_at`` (UTC). Providers produce these shapes with :func:`conform`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rerating.errors import InputError

SOURCE_YAHOO = "yahoo"
SOURCE_NSE = "nse"
SOURCE_DEMO = "demo:synthetic"
IMPORT_PREFIX = "import:"

#: Fiscal periods of consensus estimates, in yfinance's own labels.
PERIODS = ("0y", "+1y")


def is_synthetic(source: str | None) -> bool:
    """True when a source label names made-up data, which must be labelled as such when shown."""
    return bool(source) and "synthetic" in str(source)


def import_source(filename: str) -> str:
    return f"{IMPORT_PREFIX}{filename}"


#: NSE's equity bhavcopy file names (old, sec_bhavdata_full, UDiFF): their closes are as traded
_BHAVCOPY_FILE = re.compile(r"^(cm\d{2}[a-z]{3}\d{4}bhav|sec_bhavdata_full_\d{8}|"
                            r"bhavcopy_nse_cm_)", re.I)


def as_traded(sources: pd.Series) -> np.ndarray:
    """Which price rows hold closes as traded (from NSE's files, fetched or imported), which
    corporate actions must put on today's share basis; a source that adjusts its own closes
    (Yahoo) is left alone."""
    codes, uniques = pd.factorize(sources.fillna("").astype(str))  # a handful of sources
    flags = np.array([u == SOURCE_NSE or (u.startswith(IMPORT_PREFIX) and bool(
        _BHAVCOPY_FILE.match(u.removeprefix(IMPORT_PREFIX).split(":")[-1])))
        for u in uniques], dtype=bool)
    return flags[codes] if len(codes) else np.zeros(0, dtype=bool)


@dataclass(frozen=True)
class TableSpec:
    """Name, primary key and column dtypes of one canonical table."""

    name: str
    key: tuple[str, ...]
    columns: dict[str, str]
    required: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)


_PROVENANCE = {"source": "str", "fetched_at": "datetime64[ns, UTC]"}

PRICES = TableSpec(
    "prices",
    key=("ticker", "date"),
    columns={
        "ticker": "str",
        "date": "datetime64[ns]",
        "close": "float64",
        "adj_close": "float64",
        "volume": "float64",
        **_PROVENANCE,
    },
    required=("ticker", "date", "close"),
)

FUNDAMENTALS = TableSpec(
    "fundamentals",
    key=("ticker", "as_of"),
    columns={
        "ticker": "str",
        "as_of": "datetime64[ns]",
        "name": "str",
        "sector": "str",
        "industry": "str",
        "currency": "str",
        "shares_outstanding": "float64",
        "market_cap": "float64",
        "trailing_eps": "float64",
        "book_value_per_share": "float64",
        "payout_ratio": "float64",
        "beta": "float64",
        "next_results_date": "datetime64[ns]",
        **_PROVENANCE,
    },
    required=("ticker", "as_of"),
)

ESTIMATES = TableSpec(
    "estimates",
    key=("ticker", "as_of", "period"),
    columns={
        "ticker": "str",
        "as_of": "datetime64[ns]",
        "period": "str",
        "eps_mean": "float64",
        "analyst_count": "float64",
        "eps_now": "float64",
        "eps_7d_ago": "float64",
        "eps_30d_ago": "float64",
        "eps_60d_ago": "float64",
        "eps_90d_ago": "float64",
        "up_7d": "float64",
        "down_7d": "float64",
        "up_30d": "float64",
        "down_30d": "float64",
        **_PROVENANCE,
    },
    required=("ticker", "as_of", "period"),
)

EPS_HISTORY = TableSpec(
    "eps_history",
    key=("ticker", "period_end", "freq"),
    columns={
        "ticker": "str",
        "period_end": "datetime64[ns]",
        "freq": "str",  # "Q" quarterly, "A" annual (Indian fiscal year, ending March)
        "eps": "float64",
        **_PROVENANCE,
    },
    required=("ticker", "period_end", "freq", "eps"),
)

INDEX_VALUATION = TableSpec(
    "index_valuation",
    key=("index", "date"),
    columns={
        "index": "str",
        "date": "datetime64[ns]",
        "pe": "float64",
        "pb": "float64",
        "div_yield": "float64",
        **_PROVENANCE,
    },
    required=("index", "date"),
)

#: NSE's corporate actions (splits, bonuses, dividends …), one row per action as NSE words it.
#: ``factor`` multiplies closes before the ex-date to put them on today's share basis (a 1:5
#: split: 0.2; a 1:1 bonus: 0.5), blank when the action moves no share count or its ratio is not
#: in the purpose; ``dividend`` is rupees per share (blank when NSE gives no amount).
CORPORATE_ACTIONS = TableSpec(
    "corporate_actions",
    key=("ticker", "ex_date", "purpose"),
    columns={
        "ticker": "str",
        "ex_date": "datetime64[ns]",
        "purpose": "str",
        "kind": "str",  # bonus, split, consolidation, dividend, rights, other
        "factor": "float64",
        "dividend": "float64",
        "series": "str",
        "company_name": "str",
        **_PROVENANCE,
    },
    required=("ticker", "ex_date", "purpose", "kind"),
)

#: Which of a source's daily files the store has read: one row per file kind and day (a back-fill
#: interrupted half-way resumes from here; a holiday never appears, it has no file).
ARCHIVE_DAYS = TableSpec(
    "archive_days",
    key=("kind", "date"),
    columns={
        "kind": "str",  # nse:indices (ind_close_all), nse:equities (the bhavcopy)
        "date": "datetime64[ns]",
        "rows": "float64",
        "file": "str",
        **_PROVENANCE,
    },
    required=("kind", "date"),
)

#: Board meetings announced for financial results (NSE's event calendar): the dates to watch.
RESULTS_DATES = TableSpec(
    "results_dates",
    key=("ticker", "date"),
    columns={
        "ticker": "str",
        "date": "datetime64[ns]",
        "purpose": "str",
        "detail": "str",
        **_PROVENANCE,
    },
    required=("ticker", "date"),
)

#: Quarterly results as companies filed them, one row per filing: a revised filing is a new
#: row (its own ``announced``), the figures it replaced kept as history. Amounts in ₹ crore, as
#: Indian analysts read them (an XBRL instance's rupees divided by 10^7); EPS in ₹.
RESULTS = TableSpec(
    "results",
    key=("ticker", "period_end", "basis", "announced"),
    columns={
        "ticker": "str",
        "period_end": "datetime64[ns]",
        "basis": "str",  # consolidated / standalone: never mixed in one aggregate
        "announced": "datetime64[ns]",  # NSE's dissemination time, IST, naive
        "period_start": "datetime64[ns]",
        "revenue_cr": "float64",  # revenue from operations
        "pat_cr": "float64",  # profit after tax for the period
        "pat_owners_cr": "float64",  # the owners' share, where given (consolidated)
        "eps": "float64",  # basic, continuing and discontinued operations
        "diluted_eps": "float64",
        "audited": "str",  # audited / unaudited / ""
        "filing": "str",  # the filing it came from (a file name or URL)
        **_PROVENANCE,
    },
    required=("ticker", "period_end", "basis", "announced"),
)

#: The consensus for one company's quarter as it stood on ``as_of``: a desk's broker or terminal
#: export, or snapshots kept by the store. Amounts in ₹ crore, EPS in ₹.
CONSENSUS = TableSpec(
    "consensus",
    key=("ticker", "as_of", "period_end"),
    columns={
        "ticker": "str",
        "as_of": "datetime64[ns]",
        "period_end": "datetime64[ns]",
        "eps_mean": "float64",
        "analysts": "float64",
        "revenue_mean": "float64",
        "pat_mean": "float64",
        **_PROVENANCE,
    },
    required=("ticker", "as_of", "period_end", "eps_mean"),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec for spec in (PRICES, FUNDAMENTALS, ESTIMATES, EPS_HISTORY, INDEX_VALUATION,
                                 CORPORATE_ACTIONS, ARCHIVE_DAYS, RESULTS_DATES, RESULTS,
                                 CONSENSUS)
}
#: the tables of market data a provider fetches per ticker (the others are bookkeeping)
MARKET_TABLES = ("prices", "fundamentals", "estimates", "eps_history", "index_valuation")


_EMPTY: dict[str, pd.DataFrame] = {}


def empty(spec: TableSpec) -> pd.DataFrame:
    """An empty frame of the table's shape."""
    if spec.name not in _EMPTY:
        _EMPTY[spec.name] = conform(spec, pd.DataFrame({c: [] for c in spec.columns}))
    return _EMPTY[spec.name].copy()


def conform(spec: TableSpec, frame: pd.DataFrame, *, source: str | None = None,
            fetched_at: pd.Timestamp | None = None) -> pd.DataFrame:
    """Return ``frame`` in the canonical shape of ``spec``: columns in order, dtypes coerced,
    provenance filled, duplicates on the key dropped (last wins), sorted by the key.

    Raises :class:`InputError` when a required column is missing or holds blanks.
    """
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        raise InputError(f"{spec.name} table is missing required column(s) {missing}; "
                         f"expected columns {spec.column_names}")
    n = len(frame)
    cols: dict[str, object] = {}  # built whole, then one frame: column inserts cost per call
    for col, dtype in spec.columns.items():
        if col == "source" and source is not None:
            cols[col] = pd.Series([source], dtype="str").repeat(n).to_numpy()
            continue
        if col == "fetched_at" and fetched_at is not None:
            stamp = pd.Timestamp(fetched_at)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            cols[col] = pd.DatetimeIndex([stamp]).repeat(n).astype(dtype)
            continue
        if col in frame.columns:
            values = frame[col].reset_index(drop=True)
        else:
            values = pd.Series(np.full(n, None if dtype == "str" else np.nan, dtype=object))
        cols[col] = _coerce(values, dtype, f"{spec.name}.{col}")
    out = pd.DataFrame(cols, index=pd.RangeIndex(n))
    blank = [c for c in spec.required if out[c].isna().any()]
    if blank:
        raise InputError(f"{spec.name} table has blank values in required column(s) {blank}")
    key = list(spec.key)
    if out.duplicated(key, keep="last").any():
        out = out.drop_duplicates(key, keep="last")
    return out.sort_values(key, kind="stable").reset_index(drop=True)


def _coerce(values: pd.Series, dtype: str, label: str) -> pd.Series:
    if str(values.dtype) == dtype:
        return values  # already canonical: the common case when tables pass between rooms
    try:
        if dtype == "str":
            mask = values.notna()
            return values.astype("str").where(mask, None)
        if dtype == "datetime64[ns, UTC]":
            return pd.to_datetime(values, utc=True).astype(dtype)
        if dtype.startswith("datetime64"):
            parsed = pd.to_datetime(values)
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_localize(None)
            return parsed.dt.normalize().astype(dtype)
        return pd.to_numeric(values, errors="raise").astype(dtype)
    except (ValueError, TypeError) as exc:
        raise InputError(f"column {label} cannot be read as {dtype}: {exc}") from exc
