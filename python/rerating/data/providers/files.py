"""Import of analysts' own files: daily prices and NSE index P/E-P/B-dividend-yield history.

Rows are labelled ``import:<file name>``. Accepted price layouts: long (``ticker,date,close``
with optional ``adj_close``, ``volume``) or wide (``Date`` then one column per ticker). The NSE
layout is the one niftyindices.com exports: ``Index Name, Date, P/E, P/B, Div Yield%`` with
dates such as ``30 Apr 2026`` or ``30-Apr-2026``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from rerating.data import model
from rerating.errors import InputError

_MAX_BYTES = 200 * 1024 * 1024


def _read_csv(path: str | Path) -> tuple[pd.DataFrame, str]:
    p = Path(path)
    if not p.exists():
        raise InputError(f"file {p} does not exist")
    if p.stat().st_size > _MAX_BYTES:
        raise InputError(f"file {p} is larger than {_MAX_BYTES // 2**20} MiB")
    try:
        frame = pd.read_csv(p, dtype=str, skipinitialspace=True, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"file {p} is not a readable CSV: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, p.name


def _norm(col: str) -> str:
    return re.sub(r"[^a-z/%]", "", col.lower())


def _dates(values: pd.Series, label: str) -> pd.Series:
    s = values.astype(str).str.strip()
    for fmt in ("%Y-%m-%d", "%d %b %Y", "%d-%b-%Y", "%d-%m-%Y", "%d/%m/%Y"):
        parsed = pd.to_datetime(s, format=fmt, errors="coerce")
        if parsed.notna().all():
            return parsed
    bad = s[pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").isna()].iloc[0]
    raise InputError(f"{label}: date {bad!r} is not in a known format (YYYY-MM-DD, 30 Apr 2026, "
                     "30-Apr-2026, 30-04-2026)")


def _numbers(values: pd.Series, label: str) -> pd.Series:
    s = values.astype(str).str.replace(",", "", regex=False).str.strip()
    s = s.replace({"-": None, "": None, "nan": None, "NaN": None})
    out = pd.to_numeric(s, errors="coerce")
    bad = s.notna() & out.isna()
    if bad.any():
        raise InputError(f"{label}: {s[bad].iloc[0]!r} is not a number")
    return out


def import_prices(path: str | Path) -> pd.DataFrame:
    """A prices CSV (long or wide) as the canonical prices table."""
    frame, name = _read_csv(path)
    cols = {_norm(c): c for c in frame.columns}
    if "ticker" in cols and "date" in cols and "close" in cols:
        out = pd.DataFrame({
            "ticker": frame[cols["ticker"]].str.strip().str.upper(),
            "date": _dates(frame[cols["date"]], name),
            "close": _numbers(frame[cols["close"]], f"{name} close"),
        })
        for key, col in (("adjclose", "adj_close"), ("volume", "volume")):
            out[col] = _numbers(frame[cols[key]], f"{name} {col}") if key in cols else None
        if out["adj_close"].isna().all():
            out["adj_close"] = out["close"]
    elif "date" in cols and len(frame.columns) > 1:
        date = _dates(frame[cols["date"]], name)
        parts = []
        for c in frame.columns:
            if c == cols["date"]:
                continue
            close = _numbers(frame[c], f"{name} {c}")
            parts.append(pd.DataFrame({"ticker": c.strip().upper(), "date": date, "close": close,
                                       "adj_close": close, "volume": None}))
        out = pd.concat(parts, ignore_index=True)
    else:
        raise InputError(f"{name}: expected columns ticker,date,close (long) or Date plus one "
                         f"column per ticker (wide); found {list(frame.columns)}")
    out = out[out["close"].notna()]
    return model.conform(model.PRICES, out, source=model.import_source(name),
                         fetched_at=pd.Timestamp.now(tz="UTC"))


def import_index_valuation(path: str | Path, index: str | None = None) -> pd.DataFrame:
    """An NSE index P/E, P/B, dividend-yield CSV as the canonical index_valuation table."""
    frame, name = _read_csv(path)
    cols = {_norm(c): c for c in frame.columns}
    need = {"date": ("date",), "pe": ("p/e", "pe"), "pb": ("p/b", "pb"),
            "div_yield": ("divyield%", "divyield", "dy")}
    found = {}
    for key, names in need.items():
        hit = next((cols[n] for n in names if n in cols), None)
        if hit is None:
            raise InputError(f"{name}: no {key} column; the NSE export has Index Name, Date, "
                             f"P/E, P/B, Div Yield% (found {list(frame.columns)})")
        found[key] = hit
    if index is None:
        if "indexname" not in cols:
            raise InputError(f"{name}: no Index Name column; pass the index name explicitly")
        idx = frame[cols["indexname"]].str.strip().str.upper()
    else:
        idx = pd.Series(index.strip().upper(), index=frame.index)
    out = pd.DataFrame({
        "index": idx, "date": _dates(frame[found["date"]], name),
        "pe": _numbers(frame[found["pe"]], f"{name} P/E"),
        "pb": _numbers(frame[found["pb"]], f"{name} P/B"),
        "div_yield": _numbers(frame[found["div_yield"]], f"{name} Div Yield%"),
    })
    return model.conform(model.INDEX_VALUATION, out, source=model.import_source(name),
                         fetched_at=pd.Timestamp.now(tz="UTC"))
