"""Bringing imported files into the store: all files read first, then one atomic commit.

A file that is refused leaves the store as it was (nothing is written until every file has been
read). A re-import that changes stored values says what it replaced; ``replace=False`` keeps the
stored values instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from rerating.data import model
from rerating.data.providers.files import (
    Imported,
    ImportOptions,
    conflicting_rows,
    read_file,
    read_folder,
)
from rerating.data.store import Store
from rerating.errors import InputError

#: relative change below which a re-imported value is the same value (float noise, rounding)
SAME = 1e-9
_VALUES = {"prices": ("close", "adj_close"), "index_valuation": ("pe", "pb", "div_yield")}


@dataclass
class ImportReport:
    files: list[Imported]
    rows: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, list[str]] = field(default_factory=dict)  # table -> lines, one a value
    kept: dict[str, int] = field(default_factory=dict)  # rows left as stored (replace=False)
    same: dict[str, int] = field(default_factory=dict)  # rows already stored with these values
    warnings: list[str] = field(default_factory=list)
    #: table -> (keys written, first date, last date), of what was committed
    written: dict[str, tuple[list[str], pd.Timestamp, pd.Timestamp]] = field(default_factory=dict)


def read_paths(path: str | Path, opts: ImportOptions) -> list[Imported]:
    p = Path(path)
    if p.is_dir():
        return read_folder(p, opts)
    return [read_file(p, opts)]


def import_into_store(store: Store, path: str | Path, opts: ImportOptions | None = None, *,
                      replace_stored: bool = True) -> ImportReport:
    """Read ``path`` (a file or a folder of files) and merge what it holds into ``store``."""
    opts = opts or ImportOptions()
    known = frozenset(c.ticker for c in store.coverage("prices"))
    files = read_paths(path, replace(opts, known_tickers=opts.known_tickers | known))
    report = ImportReport(files)
    if all(f.rows == 0 for f in files):
        raise InputError(f"{Path(path).name} holds no prices, index valuations or corporate actions"
                         + (" (it is an NSE constituent list: use `rerating data universes "
                            "--import FILE`)" if any(f.members is not None for f in files) else ""))
    staged: dict[str, pd.DataFrame] = {}
    acts = [f.actions for f in files if f.actions is not None and not f.actions.empty]
    if acts:
        staged["corporate_actions"] = pd.concat(acts, ignore_index=True)
    for table in ("prices", "index_valuation"):
        parts = [getattr(f, table) for f in files if not getattr(f, table).empty]
        if not parts:
            continue
        new = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        new = _one_value_per_key(table, new)
        stored = store.read(table, new[model.TABLES[table].key[0]].unique())
        new = _against_stored(table, new, stored, report, replace_stored)
        if not new.empty:
            staged[table] = new
    if staged:
        with store.writer() as w:
            for table, frame in staged.items():
                w.upsert(table, frame)
    report.rows = {t: len(f) for t, f in staged.items()}
    report.written = {t: (list(f[model.TABLES[t].key[0]].unique()),
                          f[model.TABLES[t].key[1]].min(), f[model.TABLES[t].key[1]].max())
                      for t, f in staged.items()}
    # what was written is checked against the whole stored history and every known action: a
    # split on file explains its ex-date, an action imported later explains an old jump
    touched = {t for name in ("prices", "corporate_actions") if name in staged
               for t in staged[name]["ticker"].unique()}
    gaps: list[str] = []
    checked = price_checks(store, sorted(touched), gaps=gaps) if touched else pd.DataFrame()
    report.warnings += [f"gap: {g}" for g in gaps]
    if not checked.empty:
        fresh = pd.concat([f[["ticker", "date"]] for t, f in staged.items() if t == "prices"]
                          + [staged["corporate_actions"][["ticker", "ex_date"]]
                             .rename(columns={"ex_date": "date"})]
                          if "corporate_actions" in staged else
                          [f[["ticker", "date"]] for t, f in staged.items() if t == "prices"])
        mine = pd.MultiIndex.from_frame(checked[["ticker", "date"]]).isin(
            pd.MultiIndex.from_frame(fresh))
        report.warnings += [f"check {r.ticker}: {r.what}" for r in checked[mine].itertuples()]
    return report


def price_checks(store: Store, tickers: list[str] | None = None,
                 since: pd.Timestamp | None = None,
                 gaps: list[str] | None = None) -> pd.DataFrame:
    """:func:`rerating.data.actions.checks` of the as-traded closes the store holds (all, or of
    ``tickers``; from ``since``, with the session before it to compare with) against the
    corporate actions it holds. ``gaps``: a list to append one line to per run of sessions
    the store lacks between those closes (moves across them are not checked)."""
    from rerating.data.actions import checks, session_gaps

    # two months back: the session before ``since`` even after a long suspension or closure
    # (data status, with no ``since``, checks the whole history)
    start = None if since is None else pd.Timestamp(since) - pd.Timedelta(days=62)
    prices = store.read("prices", tickers, columns=["ticker", "date", "close", "source"],
                        start=start, adjusted=False)
    traded = model.as_traded(prices["source"])
    actions = store.read("corporate_actions", prices.loc[traded, "ticker"].unique()) \
        if traded.any() else model.empty(model.CORPORATE_ACTIONS)
    # closes a source adjusted itself (Yahoo's) are checked for jumps only: an action's factor
    # is already in them
    found = pd.concat([checks(prices[traded], actions),
                       checks(prices[~traded], model.empty(model.CORPORATE_ACTIONS))],
                      ignore_index=True)
    if gaps is not None:
        days = pd.DatetimeIndex(prices.loc[traded, "date"].unique())
        if since is not None:  # only the gaps reaching into what is checked
            earlier = days[days < pd.Timestamp(since)]
            days = days[days >= (earlier.max() if len(earlier) else pd.Timestamp(since))]
        gaps += session_gaps(days)
    return found if since is None else found[found["date"] >= pd.Timestamp(since)]


def _one_value_per_key(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Across files (a folder of bhavcopies): one key, one value, or refuse naming both files."""
    spec = model.TABLES[table]
    key = list(spec.key)
    clash = conflicting_rows(frame, key, list(_VALUES[table]))
    if clash is not None:
        k, d = clash.iloc[0][key[0]], clash.iloc[0][key[1]]
        files = sorted(clash["source"].unique())
        raise InputError(f"{k} has different values for {d:%Y-%m-%d} in "
                         f"{' and '.join(f.removeprefix(model.IMPORT_PREFIX) for f in files)}; "
                         "import one of them")
    return frame.drop_duplicates(key, keep="last")


def _against_stored(table: str, new: pd.DataFrame, stored: pd.DataFrame, report: ImportReport,
                    replace_stored: bool) -> pd.DataFrame:
    if stored.empty:
        return new
    key = list(model.TABLES[table].key)
    both = new.merge(stored, on=key, how="inner", suffixes=("", "_stored"))
    if both.empty:
        return new
    if not replace_stored:
        report.kept[table] = len(both)
        held = stored.set_index(key).index
        return new[~new.set_index(key).index.isin(held)]
    lines = []
    unchanged = np.ones(len(both), dtype=bool)
    for col in _VALUES[table]:
        a, b = both[col].to_numpy(float), both[f"{col}_stored"].to_numpy(float)
        changed = ~(np.isclose(a, b, rtol=SAME, atol=0) | (np.isnan(a) & np.isnan(b)))
        unchanged &= ~changed
        for r in both[changed].itertuples(index=False):
            old, val = getattr(r, f"{col}_stored"), getattr(r, col)
            lines.append(f"{col} of {getattr(r, key[0])}: {getattr(r, key[1]):%Y-%m-%d} "
                         f"{_fmt(old)} -> {_fmt(val)}")
    if lines:
        report.replaced[table] = lines
    if unchanged.any():
        report.same[table] = int(unchanged.sum())
    return new


def _fmt(x: float) -> str:
    if np.isnan(x):
        return "blank"
    text = f"{x:,.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def checks_line(store: Store, tickers: list[str], end: object = None) -> str | None:
    """One line for a book or note built from ``tickers``: the price moves no corporate action
    explains in their closes from NSE's files (up to ``end``), or None when there are none."""
    held = store.sources(tickers)
    traded = [t for t, src in held.items() if model.as_traded(pd.Series([src]))[0]]
    if not traded:
        return None
    found = price_checks(store, traded)
    if end is not None:
        found = found[found["date"] <= pd.Timestamp(end)]
    if found.empty:
        return None
    shown = ", ".join(f"{r.ticker} {r.ratio - 1:+.0%} on {r.date:%Y-%m-%d}"
                      for r in found.head(3).itertuples(index=False))
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return (f"CHECK: {len(found)} price move(s) no corporate action explains, kept as traded: "
            f"{shown}{more} (rerating data status lists them)")
