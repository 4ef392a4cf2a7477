"""What goes into each template's Data sheet, read from the store as of a date.

Only raw inputs go here (prices, reported fundamentals, consensus numbers); every derived
number is a formula in the analyst's sheets. ``tracked`` holds the inputs whose moves the
Changes sheet reports at the next refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rerating.analytics import rally
from rerating.data import model
from rerating.data.frames import latest_snapshot, snapshot_cut, wide_prices
from rerating.data.store import Store
from rerating.errors import CacheMiss, InputError
from rerating.workbooks import layout


@dataclass
class Content:
    template: str
    subject: dict[str, str]  # what the workbook is about (ticker, universe...): kept in meta
    values: dict[str, Any]  # defined name -> scalar, or list for a column
    source: str
    as_of: pd.Timestamp
    tracked: dict[str, float] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return model.is_synthetic(self.source)


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _date(x: Any) -> dt.datetime | None:
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return None
    return pd.Timestamp(x).to_pydatetime()


def _provenance(source: str, as_of: pd.Timestamp, store: Store | None = None,
                tickers: Iterable[str] = ()) -> dict[str, Any]:
    """The banner's inputs; a move no corporate action explains in ``tickers``' closes is
    named in the source line every sheet shows, never smoothed silently."""
    from rerating.data.imports import checks_line

    check = checks_line(store, list(tickers), as_of) if store is not None else None
    line = f"{source} | {check}" if check else source
    if getattr(store, "backend", None) == "postgresql":  # a desk's store: say which (no password)
        line += f" | store {store.root}"  # type: ignore[union-attr]
    return {"rr_source": line, "rr_as_of": _date(as_of),
            "rr_is_synthetic": 1 if model.is_synthetic(source) else 0,
            "rr_refreshed": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")}


def _source_of(frame: pd.DataFrame) -> str:
    sources = sorted(set(frame["source"].dropna().astype(str)))
    return " + ".join(sources) if sources else "unknown"


def _as_of(prices: pd.DataFrame, as_of: Any) -> pd.Timestamp:
    """The date of the data: the last session with a price on or before ``as_of`` (a book
    asked for a later date is stamped with the date its numbers are from, not the request)."""
    if prices.empty:
        raise CacheMiss("no prices on or before the as-of date")
    return pd.Timestamp(prices["date"].max())


def _price_source(store: Store, ticker: str, as_of: Any) -> str:
    """Source of the last price of ``ticker`` on or before ``as_of`` (what the sheet cites)."""
    return _source_of(store.read("prices", [ticker], end=as_of, columns=["date", "source"]).tail(1))


def _latest_by_ticker(frame: pd.DataFrame, as_of: Any, names: list[str]) -> pd.DataFrame:
    """The last snapshot row per ticker on or before ``as_of``, one row per name, in order."""
    return latest_snapshot(frame, as_of).drop_duplicates("ticker", keep="last") \
        .set_index("ticker").reindex(names)


def _month_ends(s: pd.Series) -> pd.Series:
    s = s.dropna()
    return s.groupby(s.index.to_period("M")).tail(1)


# -- dcf_model ------------------------------------------------------------------------------------
def dcf(store: Store, ticker: str, as_of: Any = None) -> Content:
    t = ticker.strip().upper()
    px = store.require("prices", [t], end=as_of).sort_values("date")
    when = _as_of(px, as_of)
    cut = snapshot_cut(when, as_of)
    fund = latest_snapshot(store.read("fundamentals", [t]), cut)
    if fund.empty:
        raise CacheMiss(f"no fundamentals for {t} on or before {when.date()}; "
                        "a DCF model needs a company (not an index)")
    f = fund.iloc[-1]
    est = latest_snapshot(store.read("estimates", [t]), cut)
    e0 = est[est["period"] == "0y"]
    e1 = est[est["period"] == "+1y"]
    e0 = e0.iloc[-1] if len(e0) else pd.Series(dtype=object)
    e1 = e1.iloc[-1] if len(e1) else pd.Series(dtype=object)
    hist = store.read("eps_history", [t])
    hist = hist[(hist["freq"] == "A") & (hist["period_end"] <= when)].sort_values("period_end").tail(12)
    closes = px.set_index("date")["close"]
    months = _month_ends(closes).tail(60)
    price = float(closes.iloc[-1])
    shares = _f(f.get("shares_outstanding"))
    source = _source_of(px.tail(1))
    v = {
        **_provenance(source, when, store, [t]),
        "rr_ticker": t, "rr_name": f.get("name"), "rr_sector": f.get("sector"),
        "rr_currency": f.get("currency"),
        "rr_price": price, "rr_price_date": _date(closes.index[-1]),
        "rr_shares": shares, "rr_market_cap": price * shares if shares else _f(f.get("market_cap")),
        "rr_eps_ttm": _f(f.get("trailing_eps")), "rr_bvps": _f(f.get("book_value_per_share")),
        "rr_payout_reported": _f(f.get("payout_ratio")), "rr_beta_reported": _f(f.get("beta")),
        "rr_next_results": _date(f.get("next_results_date")),
        "rr_eps_fy1": _f(e0.get("eps_now")), "rr_eps_fy1_7d": _f(e0.get("eps_7d_ago")),
        "rr_eps_fy1_30d": _f(e0.get("eps_30d_ago")), "rr_eps_fy1_60d": _f(e0.get("eps_60d_ago")),
        "rr_eps_fy1_90d": _f(e0.get("eps_90d_ago")),
        "rr_eps_fy2": _f(e1.get("eps_now")), "rr_eps_fy2_30d": _f(e1.get("eps_30d_ago")),
        "rr_eps_fy2_90d": _f(e1.get("eps_90d_ago")),
        "rr_up_30d": _f(e0.get("up_30d")), "rr_down_30d": _f(e0.get("down_30d")),
        "rr_analysts": _f(e0.get("analyst_count")),
        "rr_eps_year": [_date(x) for x in hist["period_end"]],
        "rr_eps_annual": [_f(x) for x in hist["eps"]],
        "rr_px_month": [_date(x) for x in months.index],
        "rr_px_close": [_f(x) for x in months],
    }
    tracked = {f"{t} price": price, f"{t} EPS TTM": v["rr_eps_ttm"],
               f"{t} consensus EPS FY1": v["rr_eps_fy1"], f"{t} consensus EPS FY2": v["rr_eps_fy2"],
               f"{t} upward revisions 30d": v["rr_up_30d"], f"{t} downward revisions 30d": v["rr_down_30d"]}
    return Content("dcf_model", {"ticker": t}, v, source, when,
                   {k: x for k, x in tracked.items() if x is not None})


# -- comps ----------------------------------------------------------------------------------------
def _window_prices(store: Store, tickers: list[str], window: str, as_of: Any) -> tuple[
        pd.Timestamp, pd.Timestamp, pd.Series, pd.Series]:
    """(as-of date, window start, closes at the start, closes at the as-of) for ``tickers``."""
    wide = wide_prices(store, tickers, end=as_of).ffill()
    if wide.empty:
        raise CacheMiss("no prices on or before the as-of date")
    a = len(wide) - 1
    s = rally.window_start(wide.index, a, window)
    if s < 0 or s >= a:
        raise InputError(f"window {window!r} reaches before the first price {wide.index[0].date()}")
    return wide.index[a], wide.index[s], wide.iloc[s], wide.iloc[a]


def comps(store: Store, tickers: Iterable[str], benchmark: str, window: str = rally.DEFAULT_WINDOW,
          as_of: Any = None, universe: str = "") -> Content:
    names = list(dict.fromkeys(t.strip().upper() for t in tickers))
    if not names:
        raise InputError("universe is empty")
    if len(names) > layout.COMPS_CAPACITY:
        raise InputError(f"universe has {len(names)} tickers; the comps template holds {layout.COMPS_CAPACITY}")
    when, start, p0, p1 = _window_prices(store, names, window, as_of)
    source = _price_source(store, names[0], when)
    cut = snapshot_cut(when, as_of)
    fund = _latest_by_ticker(store.read("fundamentals", names), cut, names)
    est = store.read("estimates", names)
    est = _latest_by_ticker(est[est["period"] == "0y"], cut, names)
    bench = benchmark.strip().upper()
    val = store.read("index_valuation", [bench], end=when).sort_values("date")
    if val.empty and not store.coverage_of("prices", bench):
        raise CacheMiss(f"benchmark {bench}: the store holds neither prices nor a valuation "
                        "history for it; check the symbol or run `rerating data refresh`")
    shares = fund["shares_outstanding"].astype(float)
    mcap = np.where(shares.notna(), shares.to_numpy() * p1.reindex(names).to_numpy(), fund["market_cap"].astype(float))
    col = lambda s: [_f(x) for x in s]  # noqa: E731
    text = lambda s: [None if (x is None or (not isinstance(x, str) and pd.isna(x))) else str(x) for x in s]  # noqa: E731
    v = {
        **_provenance(source, when, store, names),
        "rr_universe": universe or ",".join(names[:5]) + (" …" if len(names) > 5 else ""),
        "rr_benchmark": bench, "rr_window": window, "rr_window_start": _date(start),
        "rr_bench_pe": _f(val["pe"].iloc[-1]) if len(val) else None,
        "rr_bench_pb": _f(val["pb"].iloc[-1]) if len(val) else None,
        "rr_count": len(names),
        "rr_c_ticker": names, "rr_c_name": text(fund["name"]), "rr_c_sector": text(fund["sector"]),
        "rr_c_price": col(p1.reindex(names)), "rr_c_px_start": col(p0.reindex(names)),
        "rr_c_mcap": col(mcap), "rr_c_eps_ttm": col(fund["trailing_eps"]),
        "rr_c_eps_fy1": col(est["eps_now"]), "rr_c_eps_fy1_30d": col(est["eps_30d_ago"]),
        "rr_c_eps_fy1_90d": col(est["eps_90d_ago"]), "rr_c_bvps": col(fund["book_value_per_share"]),
        "rr_c_up_30d": col(est["up_30d"]), "rr_c_down_30d": col(est["down_30d"]),
        "rr_c_sectors": sorted({s for s in text(fund["sector"]) if s}),
    }
    tracked: dict[str, float] = {}
    for t, price, eps in zip(names, v["rr_c_price"], v["rr_c_eps_fy1"], strict=True):
        if price is not None:
            tracked[f"{t} price"] = price
        if eps is not None:
            tracked[f"{t} consensus EPS FY1"] = eps
    return Content("comps", {"universe": ",".join(names), "benchmark": bench, "window": window,
                             "label": universe}, v, source, when, tracked)


# -- rally_dashboard ------------------------------------------------------------------------------
def _rotation_and_watch(store: Store, small: list[str], li: str, window: str, when: pd.Timestamp,
                        fund: pd.DataFrame, latest: pd.DataFrame) -> dict[str, Any]:
    """The inputs of the dashboard's sector rotation and what-to-watch blocks, as the note
    computes them: each stock's beta and prior-12-month average return, the sectors in the
    note's order, and the watch list (results dates and macro releases)."""
    from rerating.analytics import revisions
    from rerating.data.calendar import watch_list

    closes = wide_prices(store, [li, *small], end=when)
    table = rally.rally_table(closes[small], closes[li], window, sectors=fund["sector"].reindex(small))
    monthly = closes[small].resample("ME").last().pct_change(fill_method=None)
    trailing = rally.trailing_monthly(monthly)
    try:
        order = list(rally.sector_rotation(table["return"], table["sector"], monthly, table["beta"]).index)
    except InputError:  # no sectors from the source
        order = []
    rev = revisions.eps_revision(latest["eps_now"], latest["eps_30d_ago"])
    traps = revisions.value_traps(table["return"], rev)
    names = list(dict.fromkeys([*traps.index, *table.index[:10]]))
    rows = watch_list(fund, names, set(traps.index), when,
                      announced=store.read("results_dates", names))
    col = lambda s: [_f(x) for x in s]  # noqa: E731
    return {
        "rr_s_beta": col(table["beta"].reindex(small)), "rr_s_trailing": col(trailing.reindex(small)),
        "rr_d_sector": order,
        "rr_w_date": [_date(r["when"]) for r in rows], "rr_w_what": [str(r["what"]) for r in rows],
        "rr_w_detail": [str(r["detail"]) + (" (value-trap candidate)" if r["trap"] else "") for r in rows],
        "rr_w_from": [str(r["from"]) for r in rows],
    }



def _last(frame: pd.DataFrame, col: str) -> float | None:
    if col not in frame.columns:
        return None
    s = frame[col].dropna()
    return _f(s.iloc[-1]) if len(s) else None


def dashboard(store: Store, small_index: str, large_index: str, small: Iterable[str],
              large: Iterable[str], window: str = "MTD", as_of: Any = None,
              universe: str = "") -> Content:
    si, li = small_index.strip().upper(), large_index.strip().upper()
    small = list(dict.fromkeys(t.strip().upper() for t in small))
    large = list(dict.fromkeys(t.strip().upper() for t in large))
    if len(small) > layout.STOCKS_CAPACITY:
        raise InputError(f"universe has {len(small)} tickers; the dashboard holds {layout.STOCKS_CAPACITY}")
    idx = wide_prices(store, [si, li], end=as_of)
    if idx.empty:
        raise CacheMiss("no index prices on or before the as-of date")
    when = idx.index[-1]
    months = idx.groupby(idx.index.to_period("M")).tail(1).tail(layout.HISTORY_CAPACITY)
    vals = store.read("index_valuation", [si, li], end=when)
    pe = vals.pivot_table(index="date", columns="index", values="pe", aggfunc="last")
    pb = vals.pivot_table(index="date", columns="index", values="pb", aggfunc="last")
    pe_m = pe.groupby(pe.index.to_period("M")).tail(1).tail(layout.HISTORY_CAPACITY).reindex(columns=[si, li])
    pb_m = pb.reindex(pe_m.index).reindex(columns=[si, li])
    est = store.read("estimates", small + large)
    cut = snapshot_cut(when, as_of)
    est = est[(est["period"] == "0y") & (est["as_of"] <= (cut or pd.Timestamp.max))]
    sums = est.assign(group=np.where(est["ticker"].isin(small), "small", "large")) \
        .groupby(["as_of", "group"])[["up_30d", "down_30d"]].sum().unstack("group").tail(240)
    _, _, p0, p1 = _window_prices(store, small, window, when)
    latest = _latest_by_ticker(est, cut, small)
    fund = _latest_by_ticker(store.read("fundamentals", small), cut, small)
    col = lambda s: [_f(x) for x in s]  # noqa: E731

    def sums_col(kind: str, group: str) -> list[float | None]:
        key = (kind, group)
        return col(sums[key]) if key in sums.columns else [None] * len(sums)

    src = _price_source(store, si, when)  # the index's: the dashboard is about it
    v = {
        **_provenance(src, when, store, [si, li, *small, *large]),
        "rr_small_index": si, "rr_large_index": li, "rr_universe": universe or f"{len(small)} stocks",
        "rr_window": window,
        # what the note's fade model starts from: the index's latest P/E (a day both indices
        # have one), P/B and dividend yield
        "rr_small_pe_now": _last(pe.dropna(), si), "rr_small_pb_now": _last(pb, si),
        "rr_small_dy_now": _last(vals.pivot_table(index="date", columns="index", values="div_yield",
                                                  aggfunc="last"), si),
        "rr_m_month": [_date(x) for x in months.index], "rr_m_small": col(months[si]),
        "rr_m_large": col(months[li]),
        "rr_v_month": [_date(x) for x in pe_m.index], "rr_v_small_pe": col(pe_m[si]),
        "rr_v_large_pe": col(pe_m[li]), "rr_v_small_pb": col(pb_m[si]), "rr_v_large_pb": col(pb_m[li]),
        "rr_r_month": [_date(x) for x in sums.index],
        "rr_r_small_up": sums_col("up_30d", "small"), "rr_r_small_down": sums_col("down_30d", "small"),
        "rr_r_large_up": sums_col("up_30d", "large"), "rr_r_large_down": sums_col("down_30d", "large"),
        "rr_s_ticker": small, "rr_s_sector": [None if pd.isna(x) else str(x) for x in fund["sector"]],
        "rr_s_px_start": col(p0.reindex(small)), "rr_s_px_end": col(p1.reindex(small)),
        "rr_s_eps_now": col(latest["eps_now"]), "rr_s_eps_30d": col(latest["eps_30d_ago"]),
    }
    v.update(_rotation_and_watch(store, small, li, window, when, fund, latest))
    tracked = {f"{si} close": _f(months[si].iloc[-1]), f"{li} close": _f(months[li].iloc[-1])}
    if len(pe_m):
        tracked[f"{si} P/E"] = _f(pe_m[si].iloc[-1])
        tracked[f"{li} P/E"] = _f(pe_m[li].iloc[-1])
    if len(sums):
        tracked["small-cap upward revisions 30d"] = sums_col("up_30d", "small")[-1]
        tracked["small-cap downward revisions 30d"] = sums_col("down_30d", "small")[-1]
    return Content("rally_dashboard", {"small_index": si, "large_index": li, "small": ",".join(small),
                                       "large": ",".join(large), "window": window, "label": universe},
                   v, src, when, {k: x for k, x in tracked.items() if x is not None})
