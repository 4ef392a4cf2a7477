"""The RR_ functions: parse Excel arguments -> call the core -> format the result.

Each function is an ordinary Python function (call it from pytest or a notebook). The
``declare.udf`` decorator records its help text for Excel's function wizard and
``addin/FUNCTIONS.md`` and wraps it so no exception reaches a cell; each host (xlwings, Calc,
the web) adapts the same functions. Rates are decimals: 0.12 means 12%. Dates may be Excel
dates, ISO text or blank.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from rerating.analytics import dcf, rally, revisions, valuation
from rerating.analytics import results as season_results
from rerating.data import access, model
from rerating.data.universe import is_universe, resolve_universe
from rerating.errors import CacheMiss, InputError, RerateError
from rerating.functions import values
from rerating.functions.declare import udf


# -- helpers --------------------------------------------------------------------------------------
def _data() -> access.MarketData:
    return access.shared()


def _universe(v: Any, name: str = "universe") -> list[str]:
    items = values.tickers(v, name)
    if len(items) == 1 and "," in items[0]:  # "RELIANCE.NS, TCS.NS" typed in one cell
        return resolve_universe(items[0])
    if len(items) == 1:
        data_dir = _data().settings.data_dir
        if is_universe(items[0], data_dir):
            return resolve_universe(items[0], data_dir)
    return [t.upper() for t in items]


def _series_or_ticker(v: Any, dates: Any, name: str, field: str = "close") -> tuple[pd.Series, str]:
    """Prices given as a ticker (read from the store) or as a range with dates."""
    cells = values.flat(v)
    if len(cells) == 1 and isinstance(cells[0], str) and not values.is_blank(cells[0]) \
            and values._error_text(cells[0]) is None:
        t = cells[0].strip().upper()
        frame = _data().prices(t)
        return frame[field].dropna(), str(frame["source"].iloc[-1])
    return values.price_series(v, dates, name), "sheet"


def _ticker_range(v: Any) -> list[Any] | None:
    """The cells of a range of tickers given where one ticker is expected (None for one cell):
    the sheet-scale form, one call for a whole column instead of one call per cell."""
    if not isinstance(v, list | tuple):
        return None
    cells = values.flat(v)
    if len(cells) <= 1:
        return None
    return cells


def _per_ticker(cells: list[Any], one: Callable[[str], Any], width: int = 1) -> list[list[Any]]:
    """One spilled row per input cell, in the order given: a blank for a blank cell, the error
    text in the row of a bad ticker (the other rows are still answered)."""
    rows: list[list[Any]] = []
    for c in cells:
        if values.is_blank(c):
            rows.append([None] * width)
            continue
        try:
            got = one(values.text(c, "ticker"))
        except RerateError as exc:
            got = [values.error_text(exc)] * width if width > 1 else values.error_text(exc)
        rows.append(list(got) if width > 1 else [got])
    return rows


def _field(v: Any) -> str:
    return values.choice(v, "field", ("close", "adj_close", "volume"), "close")


def _basis(v: Any) -> str:
    return values.choice(v, "basis", ("trailing", "forward"), "trailing")


# -- data ----------------------------------------------------------------------------------------
@udf("Data", '=RR_PRICE("RELIANCE.NS")', "a number (INR)",
     ticker="Ticker, e.g. RELIANCE.NS, TCS.NS, ^NSEI or a .DEMO ticker; or a range of tickers (one row each)",
     date="Optional. The date; the last close on or before it. Blank: the latest close",
     field="Optional. close (default), adj_close or volume")
def RR_PRICE(ticker, date=None, field="close"):
    """Closing price of a ticker on a date (the last session on or before it), from the local
    store. Given a range of tickers, one spilled row per ticker."""
    f, d = _field(field), values.date(date, "date")

    def one(t: str) -> Any:
        if d is None:
            return values.scalar(_last(_data().prices(t)[f]), "price")
        col = _data().prices(t)[f].dropna()
        if d is not None:
            col = col.loc[:d]
            if col.empty:
                raise InputError(f"date {d.date()} is before the first price of {t.upper()}")
        return values.scalar(col.iloc[-1], "price")

    cells = _ticker_range(ticker)
    return one(values.text(ticker, "ticker")) if cells is None else _per_ticker(cells, one)


@udf("Data", '=RR_HISTORY("TCS.NS", "2026-01-01")', "a spilled table: date, value",
     ticker="Ticker, e.g. TCS.NS",
     start="Optional. First date; blank: the whole history",
     end="Optional. Last date; blank: the latest",
     field="Optional. close (default), adj_close or volume")
def RR_HISTORY(ticker, start=None, end=None, field="close"):
    """Daily history of a ticker as a spilled table with a header row (date, close)."""
    t = values.text(ticker, "ticker")
    f = _field(field)
    col = _data().prices(t)[f].dropna()
    s, e = values.date(start, "start"), values.date(end, "end")
    col = col.loc[s:e]
    if col.empty:
        raise InputError(f"no {f} for {t.upper()} between {s and s.date()} and {e and e.date()}")
    return values.table(col.to_frame(f), index_label="date")


_INFO_FIELDS = ("name", "sector", "industry", "currency", "shares_outstanding", "market_cap",
                "trailing_eps", "book_value_per_share", "payout_ratio", "beta",
                "next_results_date", "pe", "pb", "source", "as_of")


@udf("Data", '=RR_INFO("RELIANCE.NS", "sector")', "a number, text or date; a row per ticker for ranges",
     ticker="Ticker, e.g. RELIANCE.NS; or a range of tickers (one spilled row each)",
     field="What to show: " + ", ".join(_INFO_FIELDS) + "; or a range/array of them (one column each)")
def RR_INFO(ticker, field):
    """A fundamentals field of a ticker: name, sector, market cap, trailing EPS, book value, beta…"""
    fields = [values.choice(x, "field", _INFO_FIELDS, "name") for x in values.flat(field)] \
        if isinstance(field, list | tuple) else [values.choice(field, "field", _INFO_FIELDS, "name")]

    snaps: dict[str, pd.DataFrame] = {}
    valued = _valued() if "pe" in fields or "pb" in fields else set()

    def one(t: str) -> Any:
        t = t.upper()
        got = _info_row(t, fields, snaps, valued)
        return got[0] if len(fields) == 1 else got

    cells = _ticker_range(ticker)
    if cells is not None:  # the whole column's snapshots in one read
        wanted = [str(c).strip().upper() for c in cells if isinstance(c, str) and c.strip()
                  and not c.strip().startswith(("#", "="))]
        snaps = _data().snapshots("fundamentals", wanted)
    if cells is None:
        got = one(values.text(ticker, "ticker"))
        return [got] if len(fields) > 1 else got
    return _per_ticker(cells, one, width=len(fields))


@udf("Data", "=RR_ASOF()", "text: as-of date, source and fetch time",
     ticker="Optional. A ticker; blank: everything in the store")
def RR_ASOF(ticker=None):
    """As-of date and source of the data the functions use (cite it under every exhibit)."""
    t = values.text(ticker, "ticker", "")
    a = _data().asof(t or None)
    label = f"{a.source} (SYNTHETIC)" if model.is_synthetic(a.source) else a.source
    return (f"as of {a.last:%Y-%m-%d} · source {label} · "
            f"fetched {a.fetched_at:%Y-%m-%d %H:%M} UTC")


# -- rally --------------------------------------------------------------------------------------
_PRICES_DOC = "A ticker, or a range of prices (oldest first) with dates in the next argument"
_DATES_DOC = "Optional. When prices is a range: the matching range of dates"


@udf("Rally", '=RR_RETURN("SMALL250.DEMO", "MTD")', "a decimal (0.147 = 14.7%)",
     prices=_PRICES_DOC,
     window="Optional. Rally window: " + rally.WINDOW_WORDS,
     as_of="Optional. Last date of the window; blank: the latest",
     dates=_DATES_DOC)
def RR_RETURN(prices, window=rally.DEFAULT_WINDOW, as_of=None, dates=None):
    """Total price return over a window ending on a date. Given a range of tickers (text), one
    spilled row per ticker."""
    w, d = values.text(window, "window", rally.DEFAULT_WINDOW), values.date(as_of, "as_of")

    def of(s: pd.Series) -> Any:
        t = rally.rally_table(s.to_frame("x"), s, window=w, as_of=d)
        return values.scalar(t.loc["x", "return"], "return")

    cells = _ticker_range(prices)
    if cells is not None and values.is_blank(dates) and \
            all(isinstance(c, str) or values.is_blank(c) for c in cells):
        return _per_ticker(cells, lambda t: of(_data().prices(t)["close"].dropna()))
    s, _ = _series_or_ticker(prices, dates, "prices")
    return of(s)


@udf("Rally", '=RR_PERIOD_RETURNS("SMALL250.DEMO", "M")', "a spilled table: period end, return",
     prices=_PRICES_DOC, freq="Optional. M (month, default), W, Q or Y", dates=_DATES_DOC)
def RR_PERIOD_RETURNS(prices, freq="M", dates=None):
    """Calendar-period returns (week, month, quarter, year) on each period's last trading day."""
    s, _ = _series_or_ticker(prices, dates, "prices")
    r = rally.period_returns(s, values.text(freq, "freq", "M")).dropna()
    frame = r.to_frame("return")
    if r.attrs.get("partial"):
        frame["note"] = ""
        frame.iloc[-1, frame.columns.get_loc("note")] = "partial period (to date)"
    return values.table(frame, index_label="period_end")


def _period_returns(prices: Any, freq: Any, dates: Any) -> pd.Series:
    """Completed and to-date period returns of a ticker or a sheet range (first period dropped)."""
    s, _ = _series_or_ticker(prices, dates, "prices")
    return rally.period_returns(s, values.text(freq, "freq", "M")).dropna()


def _best_since_table(b: rally.BestSince) -> list[list[Any]]:
    return [["item", "value"], ["period", values.cell(b.period)], ["return", b.value],
            ["best since", values.cell(b.since) if b.since is not None else "best ever"],
            ["that return", b.since_value], ["periods between", b.periods_between],
            ["best ever", b.best_ever]]


@udf("Rally", '=RR_BEST_SINCE("SMALL250.DEMO")', "a date (the earlier period), or a table with detail",
     prices=_PRICES_DOC, freq="Optional. M (month, default), W, Q or Y",
     at="Optional. A date in the period to judge; blank: the latest period",
     detail="Optional. TRUE spills a table: return, best since, that return, periods between",
     dates=_DATES_DOC)
def RR_BEST_SINCE(prices, freq="M", at=None, detail=False, dates=None):
    """The last earlier period with a return at least as large: "best month since May 2014"."""
    b = rally.best_since(_period_returns(prices, freq, dates), at=values.date(at, "at"))
    if values.boolean(detail, "detail"):
        return _best_since_table(b)
    return "best ever" if b.best_ever else values.cell(b.since)


@udf("Rally", '=RR_PERIOD_RANK("SMALL250.DEMO")', "a rank (1 = best), or a table with detail",
     prices=_PRICES_DOC, freq="Optional. M (month, default), W, Q or Y",
     at="Optional. A date in the period to rank; blank: the latest period",
     detail="Optional. TRUE spills rank, count and percentile",
     dates=_DATES_DOC)
def RR_PERIOD_RANK(prices, freq="M", at=None, detail=False, dates=None):
    """Rank of a period's return among itself and every earlier period (1 = best)."""
    k = rally.period_rank(_period_returns(prices, freq, dates), at=values.date(at, "at"))
    if values.boolean(detail, "detail"):
        return [["item", "value"], ["period", values.cell(k.period)], ["return", k.value],
                ["rank", k.rank], ["count", k.count], ["percentile", values.cell(k.percentile)]]
    return k.rank


_TABLE_COLS = ["return", "benchmark_return", "excess_return", "beta", "market_part",
               "sector_part", "idiosyncratic_return", "rank", "percentile"]


def _sectors(tickers: list[str]) -> dict[str, str]:
    return _data().latest_field("fundamentals", tickers, "sector")


@udf("Rally", '=RR_RALLY_TABLE("demo-small", "LARGE50.DEMO", "MTD")',
     "a spilled table, best first, with a header row", raw=True,
     universe="Tickers: a range, one ticker, a comma-separated list, or a universe name (demo-small, nifty50, a saved one)",
     benchmark="Benchmark ticker, e.g. ^NSEI or LARGE50.DEMO",
     window="Optional. Rally window: " + rally.WINDOW_WORDS,
     as_of="Optional. Last date of the window; blank: the latest",
     beta_lookback="Optional. Daily sessions ending at as_of that beta is estimated from (default 252, a year)")
def RR_RALLY_TABLE(universe, benchmark, window=rally.DEFAULT_WINDOW, as_of=None,
                   beta_lookback=rally.SESSIONS_PER_YEAR):
    """Rally ranking: return, excess over the benchmark, beta, and the market, sector and stock parts."""
    names = _universe(universe)
    data = _data()
    closes = data.closes(names)
    bench = data.prices(values.text(benchmark, "benchmark"))["close"]
    lookback = values.integer(beta_lookback, "beta_lookback", rally.SESSIONS_PER_YEAR)
    if not 20 <= lookback <= 5000:
        raise InputError(f"beta_lookback {lookback} is not between 20 and 5000 sessions")
    t = rally.rally_table(closes, bench, window=values.text(window, "window", rally.DEFAULT_WINDOW),
                          as_of=values.date(as_of, "as_of"), sectors=_sectors(names),
                          beta_lookback=int(lookback))
    cols = ["sector", *_TABLE_COLS] if "sector" in t.columns else _TABLE_COLS
    return values.table(t, index_label="ticker", columns=cols, blank="")


@udf("Rally", '=RR_BREADTH("demo-small", "MTD")', "a share (0.88 = 88% of the universe)",
     universe="Tickers: a range, one ticker, a comma-separated list, or a universe name",
     window="Optional. Window for 'up': " + rally.WINDOW_WORDS,
     as_of="Optional. The date; blank: the latest",
     measure="Optional. up (default), above_200d or at_52w_high")
def RR_BREADTH(universe, window=rally.DEFAULT_WINDOW, as_of=None, measure="up"):
    """Share of the universe up over the window, above its 200-day average, or at a 52-week high."""
    m = values.choice(measure, "measure", ("up", "above_200d", "at_52w_high"), "up")
    b = rally.breadth(_data().closes(_universe(universe)), as_of=values.date(as_of, "as_of"),
                      window=values.text(window, "window", rally.DEFAULT_WINDOW))
    return getattr(b, m)


@udf("Rally", '=RR_RELATIVE_STRENGTH("SMALL250.DEMO", "LARGE50.DEMO", "1M")',
     "a decimal: (1 + R_a) / (1 + R_b) - 1",
     a="Ticker whose strength is measured (e.g. the small-cap index); or a range of tickers (one row each)",
     b="Ticker it is measured against (e.g. the large-cap index)",
     window="Optional. Rally window: " + rally.WINDOW_WORDS,
     as_of="Optional. The date; blank: the latest")
def RR_RELATIVE_STRENGTH(a, b, window=rally.DEFAULT_WINDOW, as_of=None):
    """Return of one ticker relative to another over a window (small caps versus large caps)."""
    data = _data()
    base = data.prices(values.text(b, "b"))["close"]
    w, d = values.text(window, "window", rally.DEFAULT_WINDOW), values.date(as_of, "as_of")

    def one(t: str) -> Any:
        rs = rally.relative_strength(data.prices(t)["close"], base, window=w)
        rs = rs.loc[:d] if d is not None else rs
        return values.scalar(rs.iloc[-1] if len(rs) else np.nan, "relative strength (window too long)")

    cells = _ticker_range(a)
    return one(values.text(a, "a")) if cells is None else _per_ticker(cells, one)


# -- valuation -------------------------------------------------------------------------------------
def _last(col: pd.Series) -> float:
    """The last non-missing value of a column (cheap when the last row has one, as it usually does)."""
    v = col.iat[-1] if len(col) else np.nan
    if pd.isna(v):
        rest = col.dropna()
        v = rest.iat[-1] if len(rest) else np.nan
    return v


def _info_row(t: str, fields: list[str], snaps: dict[str, pd.DataFrame] | None = None,
              valued: set[str] | None = None) -> list[Any]:
    """RR_INFO's fields of one ticker, its snapshot and price read once for all of them (from
    ``snaps`` when a range was read in one go); a field with no value (a P/E without positive
    EPS) shows why in its own cell."""
    frame = (snaps or {}).get(t)
    # unknown ticker: the whole row says so
    snap = frame.iloc[-1].to_dict() if frame is not None else _data().latest_row("fundamentals", t)
    out: list[Any] = []
    for f in fields:
        if f in ("pe", "pb"):
            out.append(values.scalar(_ticker_multiple(t, f, snap, valued),
                                    "P/E (EPS not positive)" if f == "pe" else "P/B"))
        else:
            out.append(values.scalar(snap[f], f))
    return out


def _valued() -> set[str]:
    """Tickers with an index valuation history in the store."""
    return _data().valued()


def _ticker_multiple(t: str, kind: str, snap: Any = None, valued: set[str] | None = None,
                     as_of: pd.Timestamp | None = None) -> float:
    """P/E or P/B of one ticker on ``as_of`` (blank: the latest): an index's published figure
    when the store has its valuation history, else price over trailing EPS or book value (NaN
    when that is not positive). ``snap`` (its latest fundamentals) and ``valued`` spare reads
    when the caller has them."""
    data = _data()
    if t in (_valued() if valued is None else valued):
        published = data.index_valuation(t)[kind].dropna()
        if as_of is not None:
            published = published.loc[:as_of]
        if len(published):
            return float(published.iloc[-1])
        if as_of is not None:
            raise InputError(f"{t} has no published {kind.upper()} on or before {as_of:%Y-%m-%d}")
    if snap is None or as_of is not None:
        snap = data.snapshot("fundamentals", t, as_of).iloc[-1]
    closes = data.prices(t)["close"]
    price = float(_last(closes if as_of is None else _upto(closes, as_of, t)))
    denom = snap["trailing_eps"] if kind == "pe" else snap["book_value_per_share"]
    if not np.isfinite(denom) or denom <= 0:
        return float("nan")
    return price / float(denom)


def _upto(col: pd.Series, as_of: pd.Timestamp, what: str) -> pd.Series:
    """A price column up to and including ``as_of``; an error in words when nothing is."""
    col = col.loc[:as_of]
    if col.dropna(how="all").empty:
        raise InputError(f"{what} has no close on or before {as_of:%Y-%m-%d}")
    return col


def _universe_multiple(names: list[str], kind: str, method: str, loss_makers: str = "exclude",
                       as_of: pd.Timestamp | None = None) -> float:
    data = _data()
    wide = data.closes(names).ffill()
    closes = (wide if as_of is None else _upto(wide, as_of, "the universe")).iloc[-1]
    if as_of is None:
        snaps = data.snapshots("fundamentals", names)
        lacking = [t for t in names if t not in snaps]
        if lacking:
            raise CacheMiss(f"the store has no fundamentals for {', '.join(lacking[:5])}")
    else:
        snaps = {t: data.snapshot("fundamentals", t, as_of) for t in names}
    caps, earn = [], []
    for t in names:
        snap = snaps[t].iloc[-1]
        price = float(closes[t])
        shares = float(snap["shares_outstanding"])
        per_share = snap["trailing_eps"] if kind == "pe" else snap["book_value_per_share"]
        caps.append(price * shares)
        earn.append(float(per_share) * shares)
    return valuation.aggregate_multiple(np.array(caps), np.array(earn), method=method,
                                        loss_makers=loss_makers)


def _multiple(v: Any, kind: str, method: Any, loss_makers: Any = "exclude", as_of: Any = None) -> float:
    m = values.choice(method, "method", ("aggregate", "median", "harmonic"), "aggregate")
    lm = values.choice(loss_makers, "loss_makers", ("exclude", "include"), "exclude")
    when = values.date(as_of, "as_of")
    names = _universe(v, "ticker_or_universe")
    if len(names) == 1:
        return _ticker_multiple(names[0], kind, as_of=when)
    return _universe_multiple(names, kind, m, lm, when)


_PE_BASIS = ("A ticker (price / trailing EPS), an index (its published P/E, as NSE publishes it), "
             "or a universe/range (constituents, aggregate)")
_MULTIPLE_AS_OF = "Optional. The date (the last session or snapshot on or before it); blank: the latest"


@udf("Valuation", '=RR_PE("demo-small")', "a multiple (times earnings)",
     ticker_or_universe=_PE_BASIS,
     method="Optional. For a universe: aggregate (default, total cap / total earnings), median or harmonic",
     as_of=_MULTIPLE_AS_OF,
     loss_makers="Optional. For a universe: exclude (default: loss-makers out of both sums) or include")
def RR_PE(ticker_or_universe, method="aggregate", as_of=None, loss_makers="exclude"):
    """Trailing P/E of a ticker, an index (as published), or a universe (constituents, aggregate, loss-makers out by default)."""
    return values.scalar(_multiple(ticker_or_universe, "pe", method, loss_makers, as_of),
                        "P/E (earnings not positive)")


@udf("Valuation", '=RR_PB("demo-large")', "a multiple (times book)",
     ticker_or_universe=_PE_BASIS.replace("EPS", "book value").replace("P/E", "P/B"),
     method="Optional. For a universe: aggregate (default), median or harmonic",
     as_of=_MULTIPLE_AS_OF,
     loss_makers="Optional. For a universe: exclude (default: negative book out) or include")
def RR_PB(ticker_or_universe, method="aggregate", as_of=None, loss_makers="exclude"):
    """Price-to-book of a ticker, an index (as published), or a universe (constituents, aggregate)."""
    return values.scalar(_multiple(ticker_or_universe, "pb", method, loss_makers, as_of),
                        "P/B (book not positive)")


def _as_multiple(v: Any, name: str, as_of: Any = None) -> float:
    cells = values.flat(v)
    if len(cells) == 1 and isinstance(cells[0], str) and values._error_text(cells[0]) is None:
        try:
            return float(values.number(cells[0], name))  # "18.5" typed as text
        except InputError:
            return _multiple(v, "pe", "aggregate", "exclude", as_of)
    return float(values.number(v, name))


@udf("Valuation", '=RR_VALUATION_GAP("SMALL250.DEMO", "LARGE50.DEMO")',
     "a decimal: premium (+) or discount (-)",
     small="Multiple of the first (a number, a ticker, an index or a universe)",
     large="Multiple it is compared with (same kinds)",
     as_of="Optional. For tickers: the date their P/Es are read on; blank: the latest")
def RR_VALUATION_GAP(small, large, as_of=None):
    """Premium (+) or discount (-) of one P/E over another: small / large - 1."""
    return valuation.valuation_gap(_as_multiple(small, "small", as_of),
                                   _as_multiple(large, "large", as_of))


@udf("Valuation", '=RR_GAP_PERCENTILE("SMALL250.DEMO", "LARGE50.DEMO")',
     "a share: 0.05 = only 5% of history was as cheap",
     history_or_small="A range of past gaps (oldest first), or the first index ticker",
     large="Optional. With an index ticker first: the index it is compared with",
     at="Optional. The date (or row number for a range) to judge; blank: the latest",
     measure="Optional. pe (default) or pb, for index tickers",
     base="Optional. For index tickers: month (default: month-end gaps, as the note and the "
          "dashboard) or day (every session)")
def RR_GAP_PERCENTILE(history_or_small, large=None, at=None, measure="pe", base="month"):
    """How cheap a valuation gap is against its own history (share of history at or below it).
    With two indices, on month-end gaps by default: the base of the note and the dashboard."""
    if values.is_blank(large) and not isinstance(large, list):
        hist = values.numbers(history_or_small, "history", allow_blank=True, min_count=2)
        pos = values.integer(at, "at") if not values.is_blank(at) else None
        return valuation.gap_percentile(hist, at=None if pos is None else pos - 1)
    m = values.choice(measure, "measure", ("pe", "pb"), "pe")
    b = values.choice(base, "base", ("month", "day"), "month")
    data = _data()
    gap = valuation.valuation_gap(data.index_valuation(values.text(history_or_small, "history_or_small"))[m],
                                  data.index_valuation(values.text(large, "large"))[m])
    when = values.date(at, "at")
    if b == "day":
        return valuation.gap_percentile(gap, at=when)
    upto = gap.dropna() if when is None else gap.dropna().loc[:when]
    if upto.empty:
        raise InputError(f"no gap on or before {when:%Y-%m-%d}")
    return valuation.gap_percentile(valuation.month_end_values(upto))


@udf("Valuation", "=RR_MULTIPLE_CHANGE(100, 130, 10, 11)", "a decimal",
     price_start="Price at the start", price_end="Price at the end",
     eps_start="EPS at the start (positive)", eps_end="EPS at the end (positive)",
     part="Optional. multiple (default: the P/E change), eps (EPS growth) or price (price return)")
def RR_MULTIPLE_CHANGE(price_start, price_end, eps_start, eps_end, part="multiple"):
    """Splits a price return into EPS growth and P/E change: (1 + g)(1 + m) = 1 + r."""
    p = values.choice(part, "part", ("multiple", "eps", "price"), "multiple")
    r = valuation.multiple_change(values.number(price_start, "price_start"),
                                  values.number(price_end, "price_end"),
                                  values.number(eps_start, "eps_start"), values.number(eps_end, "eps_end"))
    return {"multiple": r.multiple_change, "eps": r.eps_growth, "price": r.price_return}[p]


# -- revisions --------------------------------------------------------------------------------------
def _estimate(t: str, period: str) -> pd.Series:
    snap = _data().snapshot("estimates", t)
    rows = snap[snap["period"] == period]
    if rows.empty:
        raise InputError(f"no {period} estimate for {t}")
    return rows.iloc[-1]


def _period(v: Any) -> str:
    return values.choice(v, "period", model.PERIODS, "0y")


def _days(v: Any) -> int:
    d = values.integer(v, "days", 30)
    if d not in (7, 30, 60, 90):
        raise InputError(f"days {d} is not 7, 30, 60 or 90 (what consensus trends record)")
    return int(d)  # type: ignore[arg-type]


@udf("Revisions", '=RR_EPS_REVISION("RELIANCE.NS", 30)', "a decimal (0.03 = EPS raised 3%)",
     ticker_or_eps_now="A ticker (consensus from the store), a range of tickers (one row each), or today's EPS as a number",
     eps_then_or_days="Optional. EPS then (a number), or with a ticker the look-back in days: 7, 30 (default), 60, 90",
     period="Optional. Fiscal year: 0y (current, default) or +1y (next)")
def RR_EPS_REVISION(ticker_or_eps_now, eps_then_or_days=30, period="0y"):
    """Change of consensus EPS: (now - then) / |then|. Given a range of tickers, one spilled
    row per ticker."""
    cells = _ticker_range(ticker_or_eps_now)
    if cells is not None and all(isinstance(c, str) or values.is_blank(c) for c in cells):
        p, days = _period(period), _days(eps_then_or_days)

        def one(t: str) -> Any:
            row = _estimate(t.upper(), p)
            return values.scalar(revisions.eps_revision(row["eps_now"], row[f"eps_{days}d_ago"]),
                                "revision (EPS then was 0)")

        return _per_ticker(cells, one)
    v = values.flat(ticker_or_eps_now)
    if len(v) == 1 and isinstance(v[0], str) and values._error_text(v[0]) is None:
        t = v[0].strip().upper()
        row = _estimate(t, _period(period))
        then = row[f"eps_{_days(eps_then_or_days)}d_ago"]
        return values.scalar(revisions.eps_revision(row["eps_now"], then), "revision (EPS then was 0)")
    now = values.number(ticker_or_eps_now, "eps_now")
    then = values.number(eps_then_or_days, "eps_then")
    return values.scalar(revisions.eps_revision(now, then), "revision (EPS then was 0)")


@udf("Revisions", '=RR_REVISION_BREADTH("demo-small")', "a number from -1 (all cuts) to +1 (all raises)",
     ups_or_universe="Upgrades (a number or range), or a universe/ticker to read from the store",
     downs="Optional with a universe. Downgrades (a number or range, same shape as ups)",
     days="Optional. With a universe: 7 or 30 (default) days",
     period="Optional. With a universe: 0y (default) or +1y",
     as_of="Optional. With a universe: the consensus snapshot on or before this date; blank: the latest")
def RR_REVISION_BREADTH(ups_or_universe, downs=None, days=30, period="0y", as_of=None):
    """Net share of estimate changes that were upgrades: (up - down) / (up + down)."""
    if values.is_blank(downs) and not isinstance(downs, list):
        d = values.integer(days, "days", 30)
        if d not in (7, 30):
            raise InputError(f"days {d} is not 7 or 30 (the revision counts consensus keeps)")
        p = _period(period)
        ups, dns = [], []
        names = _universe(ups_or_universe, "ups_or_universe")
        when = values.date(as_of, "as_of")
        snaps = (_data().snapshots("estimates", names) if when is None else
                 {t: _data().snapshot("estimates", t, when) for t in names})
        for t in names:
            if t not in snaps:
                raise CacheMiss(f"the store has no estimates for {t}")
            rows = snaps[t][snaps[t]["period"] == p]
            if rows.empty:
                raise InputError(f"no {p} estimate for {t}")
            ups.append(rows.iloc[-1][f"up_{d}d"])
            dns.append(rows.iloc[-1][f"down_{d}d"])
        out = revisions.revision_breadth(np.array(ups, dtype=float), np.array(dns, dtype=float), axis=0)
    else:
        u = values.numbers(ups_or_universe, "ups")
        dn = values.numbers(downs, "downs")
        if u.shape != dn.shape:
            raise InputError(f"ups has {u.size} values but downs has {dn.size}")
        out = revisions.revision_breadth(u, dn, axis=0)
    return values.scalar(out, "revisions")  # nobody revised: no breadth, which is not zero breadth


def _estimates_on(t: str, d: pd.Timestamp) -> pd.DataFrame | None:
    """A ticker's consensus snapshot on or before ``d`` (None when it has none that old)."""
    try:
        return _data().snapshot("estimates", t, d)
    except CacheMiss:
        return None


@udf("Revisions", '=RR_VALUE_TRAPS("demo-small", "MTD")',
     "a spilled table: ticker, return, revision, return percentile", raw=True,
     universe="Tickers: a range, one ticker, a comma-separated list, or a universe name",
     window="Optional. Rally window: " + rally.WINDOW_WORDS,
     as_of="Optional. Last date of the window; blank: the latest",
     rally_quantile="Optional. Return quantile a stock must reach: 0.8 (default) = top fifth",
     max_revision="Optional. Highest EPS revision that counts as 'not raised': 0 (default)",
     days="Optional. Revision look-back: 30 (default), 7, 60 or 90 days")
def RR_VALUE_TRAPS(universe, window=rally.DEFAULT_WINDOW, as_of=None, rally_quantile=0.8, max_revision=0.0, days=30):
    """Value-trap screen: stocks in the top rally quantile whose EPS estimates were not raised."""
    names = _universe(universe)
    closes = _data().closes(names)
    w = values.text(window, "window", rally.DEFAULT_WINDOW)
    d = values.date(as_of, "as_of")
    table = rally.rally_table(closes, closes.iloc[:, 0], window=w, as_of=d)
    k = _days(days)
    rev = {}
    # the consensus as it stood at the window's end (the latest when as_of is blank)
    snaps = _data().snapshots("estimates", names)
    if d is not None:
        snaps = {t: _estimates_on(t, d) for t in snaps}
        snaps = {t: s for t, s in snaps.items() if s is not None}
    for t, snap in snaps.items():
        rows = snap[snap["period"] == "0y"]
        if len(rows):  # no estimate: no verdict for that ticker
            row = rows.iloc[-1]
            rev[t] = revisions.eps_revision(row["eps_now"], row[f"eps_{k}d_ago"])
    traps = revisions.value_traps(table["return"], pd.Series(rev, dtype=float),
                                  rally_quantile=values.number(rally_quantile, "rally_quantile", 0.8),
                                  max_revision=values.number(max_revision, "max_revision", 0.0))
    if traps.empty:
        return [["ticker", "return", "revision", "return_percentile"], ["(none)", "", "", ""]]
    return values.table(traps, index_label="ticker", blank="")


# -- DCF ------------------------------------------------------------------------------------------
@udf("DCF", "=RR_COE(0.07, 1.2, 0.055)", "a decimal (0.136 = 13.6%)",
     rf="Risk-free rate, decimal (0.07 = 7%; e.g. the 10-year G-sec yield)",
     beta="Beta to the market (1 = market risk)",
     erp="Equity risk premium, decimal (0.055 = 5.5%)")
def RR_COE(rf, beta, erp):
    """Cost of equity by CAPM: rf + beta x ERP."""
    return dcf.cost_of_equity(values.rate(rf, "rf"), values.number(beta, "beta"), values.rate(erp, "erp"))


_BASIS_DOC = "Optional. trailing (default: on last year's EPS) or forward (on next year's)"


@udf("DCF", "=RR_JUSTIFIED_PE(0.5, 0.05, 0.10)", "a multiple (times earnings)",
     payout="Payout ratio, decimal (0.35 = 35% of earnings paid out)",
     growth="Perpetual growth, decimal; must be below the cost of equity",
     coe="Cost of equity, decimal (see RR_COE)", basis=_BASIS_DOC)
def RR_JUSTIFIED_PE(payout, growth, coe, basis="trailing"):
    """P/E justified by stable growth (Gordon): payout x (1 + g) / (coe - g) on trailing EPS."""
    return dcf.justified_pe(values.rate(payout, "payout"), values.rate(growth, "growth"),
                            values.rate(coe, "coe"), basis=_basis(basis))


@udf("DCF", "=RR_JUSTIFIED_PB(0.15, 0.05, 0.10)", "a multiple (times book)",
     roe="Return on equity, decimal (0.15 = 15%): last year's EPS / book (trailing, default basis)",
     growth="Perpetual growth, decimal", coe="Cost of equity, decimal",
     payout="Optional. Payout ratio: P/B = ROE x justified P/E at this payout. Blank: the payout "
            "growth allows (1 - g / forward ROE)",
     basis="Optional. trailing (default: ROE on last year's EPS) or forward (next year's EPS)")
def RR_JUSTIFIED_PB(roe, growth, coe, payout=None, basis="trailing"):
    """P/B justified by stable growth, on the same convention as RR_JUSTIFIED_PE."""
    return dcf.justified_pb(values.rate(roe, "roe"), values.rate(growth, "growth"),
                            values.rate(coe, "coe"),
                            payout=values.rate(payout, "payout", required=False),
                            basis=_basis(basis))


@udf("DCF", "=RR_TWO_STAGE_PE(0.2, 0.2, 5, 0.6, 0.06, 0.12)", "a multiple (times earnings)",
     payout_high="Payout during high growth, decimal", growth_high="High growth rate, decimal",
     years="Years of high growth (whole number)", payout_stable="Payout once stable, decimal",
     growth_stable="Stable growth for ever, decimal; below coe", coe="Cost of equity, decimal",
     basis=_BASIS_DOC)
def RR_TWO_STAGE_PE(payout_high, growth_high, years, payout_stable, growth_stable, coe, basis="trailing"):
    """P/E of a high-growth period followed by stable growth for ever."""
    return dcf.two_stage_pe(values.rate(payout_high, "payout_high"), values.rate(growth_high, "growth_high"),
                            values.integer(years, "years"), values.rate(payout_stable, "payout_stable"),
                            values.rate(growth_stable, "growth_stable"), values.rate(coe, "coe"),
                            basis=_basis(basis))


@udf("DCF", "=RR_IMPLIED_GROWTH(10.5, 0.5, 0.10)", "a decimal (0.05 = 5% a year)",
     pe="Current P/E (positive)", payout="Payout ratio, decimal", coe="Cost of equity, decimal",
     basis=_BASIS_DOC)
def RR_IMPLIED_GROWTH(pe, payout, coe, basis="trailing"):
    """Reverse DCF: the perpetual growth the market implies at today's P/E."""
    return dcf.implied_growth(values.number(pe, "pe"), values.rate(payout, "payout"),
                              values.rate(coe, "coe"), basis=_basis(basis))


@udf("DCF", "=RR_IMPLIED_ERP(10.5, 0.5, 0.05, 0.07, 1)", "a decimal (0.03 = 3%)",
     pe="Current P/E (positive)", payout="Payout ratio, decimal", growth="Perpetual growth, decimal",
     rf="Risk-free rate, decimal", beta="Beta to the market (1 = market risk)", basis=_BASIS_DOC)
def RR_IMPLIED_ERP(pe, payout, growth, rf, beta, basis="trailing"):
    """Reverse DCF: the equity risk premium the market implies at today's P/E."""
    return dcf.implied_erp(values.number(pe, "pe"), values.rate(payout, "payout"),
                           values.rate(growth, "growth"), values.rate(rf, "rf"),
                           values.number(beta, "beta"), basis=_basis(basis))


@udf("DCF", "=RR_MULTIPLE_ADJ(21.6, 0.055, 0.05, 0.07, 1, 0.15)", "a multiple, or the factor",
     pe="Current P/E (positive)", erp_from="Equity risk premium today, decimal",
     erp_to="Equity risk premium after the re-rating, decimal", rf="Risk-free rate, decimal",
     beta="Beta to the market (1 = market risk)", payout="Payout ratio, decimal", basis=_BASIS_DOC,
     growth_change="Optional. Change to the growth held from an EPS upgrade, decimal (0.01 = +1pt)",
     output="Optional. pe (default: the new P/E), factor (new / old) or growth (the growth held)",
     model="Optional. fade (default: growth for years_high, fading to terminal_growth) or gordon "
           "(one perpetual growth rate: the naive bound, explosive near the cost of equity)",
     terminal_growth="Optional. Fade model's perpetual growth, decimal (default 0.06)",
     years_high="Optional. Fade model's years at the implied growth (default 10)",
     years_fade="Optional. Fade model's years of linear fade to terminal growth (default 10)",
     payout_stable="Optional. Fade model's payout in the terminal stage, decimal (default: payout; "
                   "a mature company pays out what growth does not need, 1 - terminal_growth / ROE)")
def RR_MULTIPLE_ADJ(pe, erp_from, erp_to, rf, beta, payout, basis="trailing", growth_change=0.0,
                    output="pe", model="fade", terminal_growth=None, years_high=None,
                    years_fade=None, payout_stable=None):
    """Fair P/E after the equity risk premium moves, holding the growth the market implies today (fade model by default)."""
    out = values.choice(output, "output", ("pe", "factor", "growth"), "pe")
    which = values.choice(model, "model", ("fade", "gordon"), "fade")
    res = dcf.multiple_adjustment(values.number(pe, "pe"), values.rate(erp_from, "erp_from"),
                                  values.rate(erp_to, "erp_to"), values.rate(rf, "rf"),
                                  values.number(beta, "beta"), values.rate(payout, "payout"),
                                  basis=_basis(basis),
                                  growth_change=values.rate(growth_change, "growth_change", 0.0),
                                  model=which,
                                  terminal_growth=values.rate(terminal_growth, "terminal_growth",
                                                               dcf.FADE_DEFAULTS["terminal_growth"]),
                                  years_high=values.number(years_high, "years_high",
                                                          dcf.FADE_DEFAULTS["years_high"]),
                                  years_fade=values.number(years_fade, "years_fade",
                                                          dcf.FADE_DEFAULTS["years_fade"]),
                                  payout_stable=values.rate(payout_stable, "payout_stable", required=False))
    return {"pe": res.new_pe, "factor": res.factor, "growth": res.implied_growth}[out]


@udf("DCF", "=RR_DCF_VALUE(B2:B6, 0.12, 0.05)", "a value (same units as the cash flows)",
     cash_flows="Cash flows for years 1..n, a row or column range",
     discount_rate="Discount rate, decimal",
     terminal_growth="Optional. Perpetual growth after year n, decimal",
     terminal_multiple="Optional. Instead: exit multiple of year n's cash flow",
     mid_year="Optional. TRUE discounts each year's flow from mid-year")
def RR_DCF_VALUE(cash_flows, discount_rate, terminal_growth=None, terminal_multiple=None, mid_year=False):
    """Present value of explicit cash flows plus a terminal value (perpetuity growth or exit multiple)."""
    return dcf.dcf_value(values.numbers(cash_flows, "cash_flows"), values.rate(discount_rate, "discount_rate"),
                         terminal_growth=values.rate(terminal_growth, "terminal_growth", required=False),
                         terminal_multiple=values.number(terminal_multiple, "terminal_multiple", required=False),
                         mid_year=values.boolean(mid_year, "mid_year"))


@udf("DCF", "=RR_TARGET_PRICE(62, 18.5)", "a price", eps="EPS the multiple applies to (positive)",
     multiple="The P/E to apply")
def RR_TARGET_PRICE(eps, multiple):
    """Target price: EPS x multiple."""
    return dcf.target_price(values.number(eps, "eps"), values.number(multiple, "multiple"))


# -- results season --------------------------------------------------------------------------------
_RESULT_FIELDS = ("revenue", "pat", "eps", "diluted_eps", "pat_owners", "announced", "basis")
_COLUMN = {"revenue": "revenue_cr", "pat": "pat_cr", "pat_owners": "pat_owners_cr",
           "eps": "eps", "diluted_eps": "diluted_eps", "announced": "announced", "basis": "basis"}
_SEASON_MEASURES = ("reported", "members", "beat_share", "miss_share", "beats", "in_line",
                    "misses", "median_surprise", "pat_growth", "revenue_growth")


def _quarter(v: Any, name: str = "period") -> pd.Timestamp:
    """A quarter given as its label (Q4FY26) or its end date (an Excel date or 2026-03-31)."""
    if isinstance(v, str) and not values.is_blank(v):
        return season_results.quarter_end(v.strip())
    day = values.date(v, name, required=True)
    return season_results.quarter_end(day)


def _quarters_of(tickers: list[str], as_of: pd.Timestamp | None = None,
                 threshold: float = season_results.DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Each reported quarter of ``tickers`` with its surprise and growth (the store's results and
    consensus tables), as ``rerating.analytics.results.company_quarters`` makes them."""
    res = _data().rows("results", tickers)
    cons = _data().rows("consensus", tickers)
    return season_results.company_quarters(res, cons, threshold, as_of=as_of)


def _one_quarter(t: str, end: pd.Timestamp) -> pd.Series:
    res = season_results.current_filings(_data().rows("results", [t]))
    row = res[res["period_end"] == end] if len(res) else res
    if row.empty:
        raise CacheMiss(f"no results for {t} {season_results.quarter_label(end)} in the store; "
                        "rerating data import results FILE brings them")
    return row.iloc[0]


@udf("Results", '=RR_RESULT("RELIANCE.NS", "Q4FY26", "pat")',
     "a number (₹ crore for revenue and PAT, ₹ for EPS), a date or text; a row per ticker for ranges",
     ticker="A ticker, or a range of tickers (one row each)",
     period="The quarter: its label (Q4FY26) or its end date (2026-03-31)",
     field="Optional. revenue, pat, pat_owners (₹ crore), eps (default), diluted_eps (₹), "
           "announced or basis")
def RR_RESULT(ticker, period, field="eps"):
    """A figure a company reported for a quarter (consolidated where both exist; a revised
    filing's figures replace the first)."""
    end = _quarter(period)
    f = values.choice(field, "field", _RESULT_FIELDS, "eps")

    def one(t: str) -> Any:
        v = _one_quarter(t.strip().upper(), end)[_COLUMN[f]]
        if f in ("announced", "basis"):
            return values.scalar(v, f) if f == "announced" else str(v)
        return values.scalar(v, f"{f} (not in the filing)")

    cells = _ticker_range(ticker)
    if cells is not None:
        return _per_ticker(cells, one)
    return one(values.text(ticker, "ticker"))


@udf("Results", '=RR_SURPRISE("RELIANCE.NS", "Q4FY26")',
     "a decimal (0.06 = 6% above consensus), or the verdict; a row per ticker for ranges",
     ticker="A ticker, or a range of tickers (one row each)",
     period="The quarter: its label (Q4FY26) or its end date (2026-03-31)",
     measure="Optional. eps (default), pat or revenue: the surprise; verdict: beat, in line or "
             "miss (at threshold); consensus: the EPS consensus held before the announcement",
     threshold="Optional. The band for 'in line', a decimal: 0.05 (default) = ±5%")
def RR_SURPRISE(ticker, period, measure="eps", threshold=season_results.DEFAULT_THRESHOLD):
    """A quarter's surprise against the consensus held strictly before it was announced (a
    consensus of the announcement day or later is never used)."""
    end = _quarter(period)
    m = values.choice(measure, "measure", ("eps", "pat", "revenue", "verdict", "consensus"),
                      "eps")
    t_band = values.number(threshold, "threshold", season_results.DEFAULT_THRESHOLD)
    if not 0 <= t_band < 1:
        raise InputError(f"threshold {t_band} must be a decimal from 0 to 1 (0.05 for 5%)")

    def one(t: str) -> Any:
        t = t.strip().upper()
        _one_quarter(t, end)  # says when the quarter is not stored
        q = _quarters_of([t], threshold=t_band)
        row = q[q["period_end"] == end].iloc[0]
        if m == "verdict":
            if not row["verdict"]:
                raise CacheMiss(f"{t} {row['quarter']}: {row['why']}")
            return row["verdict"]
        if m == "consensus":
            return values.scalar(row["consensus_eps"], "consensus (none before the announcement)")
        v = row[f"{m}_surprise"]
        if pd.isna(v):
            why = row["why"] if m == "eps" else f"no {m} consensus before the announcement"
            raise CacheMiss(f"{t} {row['quarter']}: surprise undefined: {why}")
        return float(v)

    cells = _ticker_range(ticker)
    if cells is not None:
        return _per_ticker(cells, one)
    return one(values.text(ticker, "ticker"))


@udf("Results", '=RR_SEASON("demo-small", "Q4FY26", "beat_share")', "a number or a decimal",
     universe="Tickers: a range, a comma-separated list, or a universe name",
     season="The quarter: its label (Q4FY26) or its end date (2026-03-31)",
     measure="Optional. reported (default), members, beats, in_line, misses, beat_share, "
             "miss_share, "
             "median_surprise, pat_growth or revenue_growth",
     as_of="Optional. The season as it stood on this date (results announced by then); blank: "
           "all stored")
def RR_SEASON(universe, season, measure="reported", as_of=None):
    """A results season across a universe: how many reported, beat, missed; the median EPS
    surprise; aggregate revenue and PAT growth over the companies that reported both years."""
    end = _quarter(season, "season")
    m = values.choice(measure, "measure", _SEASON_MEASURES, "reported")
    members = _universe(universe)
    when = values.date(as_of, "as_of")
    s = season_results.season(_quarters_of(members, when), members, end, when)
    v = getattr(s, m)
    if isinstance(v, float) and not np.isfinite(v):
        raise CacheMiss(f"{m} of {season_results.quarter_label(end)} is undefined: "
                        + ("no company has reported" if not s.reported else
                           "no consensus, or no base a year before"))
    return v
