"""The one importer of files analysts download: it recognises the layout by its header, reads
it exactly, and says what it did (``recognised: investing.com (India site, dates day first)``).

Layouts (each fixture in ``tests/fixtures/files/`` says where its layout comes from):
Yahoo Finance "Download" CSV; investing.com "Historical Data" (India and US sites, with or
without ``Vol.``/``Change %``, and Excel's tab-separated re-save); niftyindices index prices and
P/E-P/B-yield; NSE's daily ``ind_close_all_DDMMYYYY.csv``; NSE equity bhavcopies (old,
``sec_bhavdata_full`` and the UDiFF ``BhavCopy_NSE_CM_…`` of July 2024 on); NSE constituent lists (a universe, not prices); and our own long
(``ticker,date,close``) and wide (``Date`` + one column per ticker) files.

A file is either read whole and right or refused in one line naming the layouts known, the
header seen and the option that would help. Nothing here touches the store
(``rerating.data.imports`` merges what this returns).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from rerating.data import model
from rerating.data.indices import IndexMap
from rerating.data.parsing import (
    DAYFIRST,
    MONTHFIRST,
    NUMERIC_DATE,
    TextTable,
    dates,
    line_of,
    numbers,
    read_table,
    table_from_bytes,
    trimmed,
    unpack,
)
from rerating.errors import InputError

#: what exchanges use in symbols: letters, digits and . ^ & - _ (M&M.NS, BAJAJ-AUTO.NS, ^NSEI)
TICKER = re.compile(r"^[A-Z0-9^][A-Z0-9.^&_\-]{0,39}$")
EXCHANGES = {"NS": ".NS", "BO": ".BO", "NONE": ""}
#: equity series an NSE bhavcopy row must have to count as the stock's close (EQ; BE is
#: trade-for-trade, still the listed share). Others (bonds, SME, rights) are skipped.
EQUITY_SERIES = ("EQ", "BE")


@dataclass(frozen=True)
class ImportOptions:
    """What the user told the importer. ``today`` bounds the dates (default: today in India)."""

    ticker: str | None = None
    index: str | None = None
    date_order: str | None = None  # parsing.DAYFIRST / MONTHFIRST
    exchange: str | None = None  # NS, BO or NONE
    index_map: IndexMap = field(default_factory=IndexMap)
    known_tickers: frozenset[str] = frozenset()
    today: pd.Timestamp | None = None
    #: the source label rows get (default ``import:<file name>``; a provider names itself)
    source: str | None = None


@dataclass
class Imported:
    """What one file holds, in canonical tables, and what the importer did to read it."""

    name: str
    layout: str
    prices: pd.DataFrame
    index_valuation: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    members: pd.DataFrame | None = None  # an NSE constituent list
    actions: pd.DataFrame | None = None  # NSE corporate actions (model.CORPORATE_ACTIONS)

    @property
    def rows(self) -> int:
        return len(self.prices) + len(self.index_valuation) + \
            (0 if self.actions is None else len(self.actions))


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    needs: tuple[tuple[str, ...], ...]  # each entry: accepted normalised names for one column
    read: Callable[[TextTable, dict[str, str], ImportOptions], Imported]

    def matches(self, cols: dict[str, str]) -> bool:
        return all(any(n in cols for n in alts) for alts in self.needs)


def _norm(col: str) -> str:
    return re.sub(r"[^a-z0-9/%]", "", col.lower())


def _col(cols: dict[str, str], *names: str) -> str | None:
    return next((cols[n] for n in names if n in cols), None)


# -- tickers --------------------------------------------------------------------------------
def _valid(ticker: str, where: str) -> str:
    t = ticker.strip().upper()
    if not TICKER.match(t):
        raise InputError(f"{where}: {ticker!r} is not a ticker (letters, digits and . ^ & - _ "
                         "as exchanges write them, e.g. RELIANCE.NS, M&M.NS, ^NSEI)")
    return t


def _with_exchange(tickers: pd.Series, opts: ImportOptions, notes: list[str],
                   name: str) -> pd.Series:
    """Suffix-less tickers get ``--exchange``'s suffix, or the file is refused: RELIANCE is not
    RELIANCE.NS, and storing it as a new ticker would hide it from everything that asks."""
    if tickers.str.contains(".", regex=False).all():  # every ticker has its exchange
        return tickers
    uniq = pd.Series(tickers.unique())
    index = uniq.str.startswith("^") | uniq.isin(list(opts.index_map.names))
    bare = uniq[~uniq.str.contains(".", regex=False) & ~index]
    if bare.empty:
        return tickers
    ex = (opts.exchange or "").upper()
    if ex not in EXCHANGES:
        t = bare.iloc[0]
        held = [k for k in (f"{t}.NS", f"{t}.BO") if k in opts.known_tickers]
        hint = f"; the store holds {held[0]}" if held else ""
        raise InputError(f"{name}: ticker {t} has no exchange suffix{hint}: pass --exchange NS "
                         f"to store it as {t}.NS (--exchange BO for BSE, --exchange none to keep "
                         "it as written)")
    if not EXCHANGES[ex]:
        notes.append(f"kept {len(bare)} ticker(s) without exchange suffix as written (--exchange none)")
        return tickers
    notes.append(f"added {EXCHANGES[ex]} to {len(bare)} ticker(s) without a suffix "
                 f"(--exchange {ex}), e.g. {bare.iloc[0]} -> {bare.iloc[0]}{EXCHANGES[ex]}")
    return tickers.where(~tickers.isin(set(bare)), tickers + EXCHANGES[ex])


def _name_or_symbol(text: str, opts: ImportOptions, notes: list[str], what: str) -> str:
    """A ticker typed by the user or taken from a column: an NSE index name maps to its symbol."""
    symbol = opts.index_map.symbol(text)
    if symbol is not None and symbol != text.strip().upper():
        notes.append(f"{what} {text!r} is the NSE index {opts.index_map.names.get(symbol, text)}: "
                     f"stored as {symbol}")
        return symbol
    return _valid(text, what)


def _file_ticker(table: TextTable, opts: ImportOptions, notes: list[str]) -> str:
    """The ticker of a one-ticker file: ``--ticker``, else the file name (RELIANCE.NS.csv,
    ^NSEI.csv, "Nifty 50 Historical Data.csv"), else refused."""
    if opts.ticker:
        t = _name_or_symbol(opts.ticker, opts, notes, "--ticker")
        notes.append(f"ticker {t} (from --ticker)")
        return t
    stem = table.name.split(":")[-1]
    stem = re.sub(r"\.(csv|txt|zip)$", "", stem, flags=re.I)
    stem = re.sub(r"\s*\(\d+\)$", "", stem)  # a browser's "RELIANCE.NS (1).csv"
    stem = re.sub(r"\s*historical data$", "", stem, flags=re.I).strip()
    symbol = opts.index_map.symbol(stem)
    if symbol is not None:
        notes.append(f"ticker {symbol} (the file name {stem!r} is the NSE index "
                     f"{opts.index_map.names.get(symbol, stem)})")
        return symbol
    # Only a name that is plainly a symbol (RELIANCE.NS, ^NSEI): "prices.csv" is not PRICES.
    if TICKER.match(stem.upper()) and ("." in stem or stem.startswith("^")):
        notes.append(f"ticker {stem.upper()} (from the file name)")
        return stem.upper()
    raise InputError(f"{table.name}: cannot tell which ticker this file holds (the file name "
                     f"{stem!r} is not a ticker); pass --ticker, e.g. --ticker RELIANCE.NS")


def _index_key(names: pd.Series, opts: ImportOptions, notes: list[str]) -> pd.Series:
    """NSE index names -> store keys (Yahoo symbols); unknown names are kept, and said."""
    uniq = pd.Series(names.unique())
    mapped = {n: opts.index_map.symbol(n) for n in uniq}
    unknown = sorted(str(n).upper() for n, s in mapped.items() if s is None)
    known = {n: s for n, s in mapped.items() if s is not None}
    if known:
        shown = ", ".join(f"{opts.index_map.names.get(s, n)} -> {s}"
                          for n, s in list(known.items())[:3])
        notes.append(f"index names mapped to Yahoo symbols: {shown}"
                     f"{f' and {len(known) - 3} more' if len(known) > 3 else ''}")
    if unknown:
        notes.append(f"{len(unknown)} index name(s) not in the index map, stored under their NSE "
                     f"name: {', '.join(unknown[:3])}{' …' if len(unknown) > 3 else ''} (add "
                     "them to the index map to meet Yahoo's symbol)")
    keys = {n: known.get(n) or opts.index_map.current_name(str(n)) for n in uniq}
    renamed = [f"{n!s} -> {k}" for n, k in keys.items()
               if n not in known and k != re.sub(r"\s+", " ", str(n).strip().upper())]
    if renamed:
        notes.append(f"renamed indices stored under NSE's current name: {', '.join(renamed)}")
    return names.map(keys)


# -- the layouts ------------------------------------------------------------------------------
def _dates(table: TextTable, col: str, opts: ImportOptions, notes: list[str],
           layout_order: tuple[str, str] | None = None, daily: bool = True) -> pd.Series:
    parsed = dates(table.frame[col], f"{table.name} {col}", order=opts.date_order,
                   layout_order=layout_order, daily=daily)
    if parsed.order is not None:
        notes.append(parsed.how)
    return parsed.values


def _prices(table: TextTable, ticker: pd.Series | str, date: pd.Series, close: pd.Series,
            adj: pd.Series | None = None, volume: pd.Series | None = None) -> pd.DataFrame:
    out = pd.DataFrame({"ticker": ticker, "date": date, "close": close,
                        "adj_close": close if adj is None else adj,
                        "volume": np.nan if volume is None else volume}, index=date.index)
    out["line"] = out.index.to_numpy() + line_of(0)
    return out


def _ohlc(table: TextTable, cols: dict[str, str], opts: ImportOptions, *, close: str,
          layout_order: tuple[str, str] | None = None, volume: str | None = None,
          adj: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    ticker = _file_ticker(table, opts, notes)
    date = _dates(table, cols["date"], opts, notes, layout_order)
    f = table.frame
    c = numbers(f[cols[close]], f"{table.name} {cols[close]}")
    a = numbers(f[cols[adj]], f"{table.name} {cols[adj]}") if adj else None
    v = numbers(f[cols[volume]], f"{table.name} {cols[volume]}") if volume and volume in cols else None
    return _prices(table, ticker, date, c, a, v), notes


def _read_yahoo(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    p, notes = _ohlc(table, cols, opts, close="close", adj="adjclose", volume="volume")
    return _imported(table, "Yahoo Finance download (Date,Open,High,Low,Close,Adj Close,Volume)",
                     p, None, notes, opts)


def _read_ohlc(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    vol = next((k for k in ("volume", "sharestraded") if k in cols), None)
    p, notes = _ohlc(table, cols, opts, close="close", volume=vol)
    return _imported(table, "one ticker's daily OHLC (Date,Open,High,Low,Close; NSE and "
                     "niftyindices history downloads)", p, None, notes, opts)


def _read_investing(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    raw = table.frame[cols["date"]]
    dash, slash = raw.str.contains("-").any(), raw.str.contains("/").any()
    site = layout_order = None
    if dash and not slash:
        site, layout_order = "India site", (DAYFIRST, "investing.com India writes DD-MM-YYYY")
    elif slash and not dash:
        site, layout_order = "US site", (MONTHFIRST, "investing.com US writes MM/DD/YYYY")
    else:
        site = "re-saved by Excel, mixed date separators"
    p, notes = _ohlc(table, cols, opts, close="price", layout_order=layout_order, volume="vol")
    cols_seen = "with Vol. and Change %" if "vol" in cols else "without Vol. and Change %"
    return _imported(table, f"investing.com Historical Data ({site}, {cols_seen})", p, None,
                     notes, opts)


def _read_nifty_prices(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    notes: list[str] = []
    f = table.frame
    ticker = _index_key(f[cols["indexname"]], opts, notes)
    date = _dates(table, cols["date"], opts, notes, (DAYFIRST, "niftyindices writes day first"))
    vol = _col(cols, "sharestraded", "volume")
    p = _prices(table, ticker, date, numbers(f[cols["close"]], f"{table.name} Close"),
                volume=numbers(f[vol], f"{table.name} {vol}") if vol else None)
    return _imported(table, "niftyindices index prices (Index Name,Date,Open,High,Low,Close)",
                     p, None, notes, opts, indices=True)


def _valuation(table: TextTable, key: pd.Series, date: pd.Series, cols: dict[str, str]) -> pd.DataFrame:
    f = table.frame
    dy = _col(cols, "divyield%", "divyield", "dy")
    out = pd.DataFrame({
        "index": key, "date": date,
        "pe": numbers(f[cols["p/e"]], f"{table.name} P/E"),
        "pb": numbers(f[cols["p/b"]], f"{table.name} P/B"),
        "div_yield": numbers(f[dy], f"{table.name} {dy}")}, index=date.index)
    out["line"] = out.index.to_numpy() + line_of(0)
    return out[out[["pe", "pb", "div_yield"]].notna().any(axis=1)]


def _read_nifty_valuation(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    notes: list[str] = []
    f = table.frame
    given = opts.index or opts.ticker
    if given:
        key = pd.Series(_name_or_symbol(given, opts, notes, "--index"), index=f.index)
        notes.append(f"index {key.iloc[0]} (from --index)")
    elif "indexname" in cols:
        key = _index_key(f[cols["indexname"]], opts, notes)
    else:
        raise InputError(f"{table.name}: no Index Name column; pass --index, e.g. "
                         "--index 'NIFTY SMALLCAP 250'")
    date = _dates(table, cols["date"], opts, notes, (DAYFIRST, "niftyindices writes day first"))
    return _imported(table, "niftyindices P/E-P/B-yield (Index Name,Date,P/E,P/B,Div Yield %)",
                     None, _valuation(table, key, date, cols), notes, opts)


#: NSE's daily index file is named for its day: ind_close_all_DDMMYYYY.csv
_IND_CLOSE_ALL_NAME = re.compile(r"ind_close_all_(\d{2})(\d{2})(\d{4})\.csv", re.I)


def named_day(name: str) -> pd.Timestamp | None:
    """The day an NSE daily index file is named for (``ind_close_all_06042023.csv``), or None."""
    m = _IND_CLOSE_ALL_NAME.search(name)
    if m is None:
        return None
    try:
        return pd.Timestamp(year=int(m[3]), month=int(m[2]), day=int(m[1]))
    except ValueError:
        return None


def _read_ind_close_all(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    notes: list[str] = []
    f = table.frame
    # a points series (Nifty50 Dividend Points: dividends accrued since April, 0 on the first
    # day of each fiscal year) sits among the indices: it is not an index level, so it is
    # left out, with a word, and never costs the day
    names = f[cols["indexname"]].astype(str).str.strip()
    points = names.str.contains(r"\bpoints\s*$", case=False, regex=True)
    if points.any():
        notes.append(f"skipped {int(points.sum())} points series, not an index level: "
                     f"{', '.join(dict.fromkeys(names[points]))}")
        f = f[~points]
        table = TextTable(table.name, f, table.encoding, table.delimiter, table.notes)
    key = _index_key(f[cols["indexname"]], opts, notes)
    date = _index_dates(table, cols["indexdate"], opts, notes)
    vol = _col(cols, "volume")
    p = _prices(table, key, date, numbers(f[cols["closingindexvalue"]], f"{table.name} Closing "
                                          "Index Value"),
                volume=numbers(f[vol], f"{table.name} Volume") if vol else None)
    v = _valuation(table, key, date, cols)
    return _imported(table, "NSE all-indices daily file (ind_close_all: close, P/E, P/B, Div "
                     "Yield per index)", p, v, notes, opts, indices=True, daily=True)


def _index_dates(table: TextTable, col: str, opts: ImportOptions,
                 notes: list[str]) -> pd.Series:
    """``Index Date`` of an ind_close_all file. NSE writes it DD-MM-YYYY, but on some days
    printed every row month-first (``ind_close_all_06042023.csv`` reads ``04-06-2023``). The
    file's name is its day: rows that read as the name's day only month-first are stored on
    the name's day, and said; rows of another day either way are refused. A file without its
    NSE name whose day-first reading is no session while the other reading is one is refused
    with both readings."""
    raw = table.frame[col].astype(str).str.strip()
    day = named_day(table.name)
    texts = list(dict.fromkeys(raw))
    if day is not None and opts.date_order is None and len(texts) == 1:
        m = NUMERIC_DATE.match(texts[0])
        if m and (int(m[2]), int(m[1])) != (day.month, day.day) \
                and (int(m[1]), int(m[2]), int(m[3])) == (day.month, day.day, day.year):
            other = _other_reading(int(m[1]), int(m[2]), int(m[3]))
            shown = f" (read day first it would be {other:%a %d %b %Y})" if other else ""
            notes.append(f"Index Date {texts[0]!r} is printed month-first in this file (NSE "
                         f"did so on some days): stored as the file's day, {day:%a %d %b %Y}"
                         f"{shown}")
            return pd.Series(day, index=raw.index, dtype="datetime64[ns]")
    parsed = _dates(table, col, opts, notes, (DAYFIRST, "NSE writes DD-MM-YYYY"))
    if day is not None:
        other = sorted({pd.Timestamp(d) for d in parsed.unique()} - {day})
        if other:
            how = "read as you said" if opts.date_order else "either way round"
            raise InputError(f"{table.name}: named for {day:%d %b %Y} but its Index Date reads "
                             f"{other[0]:%d %b %Y} ({raw.iloc[0]!r}, {how}): a file for another "
                             "day; download the file for the day again")
        return parsed
    if opts.date_order is None and len(texts) == 1:
        _check_one_day(table.name, col, texts[0], parsed.iloc[0])
    return parsed


def _other_reading(a: int, b: int, y: int) -> pd.Timestamp | None:
    """``a-b-y`` read as day ``a`` of month ``b`` (None when that is no date)."""
    try:
        return pd.Timestamp(year=y, month=b, day=a)
    except ValueError:
        return None


def _check_one_day(name: str, col: str, text: str, read: pd.Timestamp) -> None:
    """A one-day NSE file without its NSE name: refuse a day-first reading that is no session
    when the month-first one is (the file cannot say which it is)."""
    from rerating.data.calendar import sessions

    m = NUMERIC_DATE.match(text)
    if m is None or int(m[1]) > 12 or int(m[2]) > 12 or m[1] == m[2]:
        return
    other = _other_reading(int(m[2]), int(m[1]), int(m[3]))
    if other is None:
        return
    on = sessions(min(read, other), max(read, other))
    if read not in on and other in on:
        raise InputError(f"{name}: {col} {text!r} read day first (as NSE writes it) is "
                         f"{read:%a %d %b %Y}, no session; read month first it is "
                         f"{other:%a %d %b %Y}, a session. NSE printed some days month-first: "
                         f"rename the file ind_close_all_{other:%d%m%Y}.csv as NSE names it, or "
                         "pass --monthfirst (or --dayfirst)")


#: column keys of each bhavcopy generation: symbol, series, date, close, traded quantity
_BHAV = {
    "old": ("symbol", "series", "timestamp", "close", "tottrdqty"),
    "full": ("symbol", "series", "date1", "closeprice", "ttltrdqnty"),
    "udiff": ("tckrsymb", "sctysrs", "traddt", "clspric", "ttltradgvol"),
}
_BHAV_LABEL = {
    "old": "NSE equity bhavcopy, old layout (SYMBOL,SERIES,…,CLOSE,…,TIMESTAMP)",
    "full": "NSE equity bhavcopy, sec_bhavdata_full (SYMBOL, SERIES, DATE1, …, CLOSE_PRICE)",
    "udiff": "NSE equity bhavcopy, UDiFF common format since July 2024 (TradDt,…,TckrSymb,"
             "SctySrs,…,ClsPric)",
}


def _read_bhavcopy(table: TextTable, cols: dict[str, str], opts: ImportOptions, *,
                   kind: str) -> Imported:
    notes: list[str] = []
    k_sym, k_ser, k_date, k_close, k_qty = _BHAV[kind]
    # only the columns read here travel through the row filters (UDiFF has 34)
    f = table.frame[[cols[k] for k in (*_BHAV[kind], "sgmt") if k in cols]]
    if kind == "udiff" and "sgmt" in cols:  # the common format also carries F&O segments
        f = f[f[cols["sgmt"]].str.upper() == "CM"]
    series = f[cols[k_ser]].str.upper()
    eq = f[series.isin(EQUITY_SERIES)]
    day_sym = [cols[k_sym], cols[k_date]]  # a batch of files holds each symbol once a day
    if eq.duplicated(day_sym).any():
        # A symbol in both EQ and BE on one day would be two closes; EQ is the listed share's.
        rank = series[eq.index].map({"EQ": 0, "BE": 1})
        eq = eq.loc[rank.sort_values(kind="stable").index]
        eq = eq[~eq.duplicated(day_sym, keep="first")].sort_index()
    skipped = len(table.frame) - len(eq)
    if skipped:
        notes.append(f"skipped {skipped} row(s) of other series than EQ/BE (bonds, SME, rights …)")
    if eq.empty:
        raise InputError(f"{table.name}: no EQ or BE series rows; nothing to import")
    sub = TextTable(table.name, eq, table.encoding, table.delimiter)
    symbols = eq[cols[k_sym]].str.upper()
    bad = symbols[~(symbols + ".NS").str.match(TICKER.pattern)]
    if not bad.empty:
        raise InputError(f"{table.name}: symbol {bad.iloc[0]!r} on line {line_of(bad.index[0])} "
                         "is not an NSE symbol")
    date = _dates(sub, cols[k_date], opts, notes, (DAYFIRST, "NSE writes day first"))
    p = _prices(sub, symbols + ".NS", date,
                numbers(eq[cols[k_close]], f"{table.name} {cols[k_close]}"),
                volume=numbers(eq[cols[k_qty]], f"{table.name} {cols[k_qty]}"))
    notes.append("bhavcopy closes are as traded: not adjusted for later splits, bonuses or "
                 "dividends")
    return _imported(table, _BHAV_LABEL[kind], p, None, notes, opts, daily=True)


def _read_long(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    notes: list[str] = []
    f = table.frame
    raw = f[cols["ticker"]]
    uniq = {t: _name_or_symbol(t, opts, notes, f"{table.name} ticker") for t in raw.unique()}
    date = _dates(table, cols["date"], opts, notes)
    adj = _col(cols, "adjclose", "adj_close")
    vol = _col(cols, "volume")
    c = numbers(f[cols["close"]], f"{table.name} close")
    p = _prices(table, raw.map(uniq), date, c,
                numbers(f[adj], f"{table.name} adj_close") if adj else None,
                numbers(f[vol], f"{table.name} volume") if vol else None)
    p["adj_close"] = p["adj_close"].fillna(p["close"])
    return _imported(table, "long prices (ticker,date,close[,adj_close,volume])", p, None, notes, opts)


#: column names that say a file is one ticker's OHLC, so they must never become tickers
_FIELD_WORDS = {"open", "high", "low", "close", "price", "adjclose", "volume", "vol", "change%",
                "change", "sharestraded", "turnover", "last", "prevclose", "series", "symbol",
                "p/e", "p/b", "divyield", "divyield%"}


def _read_wide(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    notes: list[str] = []
    f = table.frame
    fields = [c for c in f.columns if _norm(c) in _FIELD_WORDS or _norm(c).startswith("turnover")]
    if fields:
        raise _unknown(table, f"columns {fields} are fields of one ticker, not tickers")
    date = _dates(table, cols["date"], opts, notes)
    parts = []
    for c in f.columns:
        if c == cols["date"]:
            continue
        t = _name_or_symbol(c, opts, notes, f"{table.name} column")
        parts.append(_prices(table, t, date, numbers(f[c], f"{table.name} {c}")))
    return _imported(table, "wide prices (Date, then one column per ticker)",
                     pd.concat(parts), None, notes, opts)


#: NSE's lists carry placeholder rows (``DUMMYINXGN``, "Dummy Inox Green Ltd.") while a
#: corporate action such as a demerger is processed: no company, never a ticker
PLACEHOLDER = "DUMMY"


def _read_constituents(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    f = table.frame
    dummy = f[cols["symbol"]].str.upper().str.startswith(PLACEHOLDER)
    notes = list(table.notes)
    if dummy.any():
        notes.append(f"left out {int(dummy.sum())} placeholder row(s) NSE lists during a "
                     f"corporate action: {', '.join(f.loc[dummy, cols['symbol']])}")
        f = f[~dummy]
    symbols = f[cols["symbol"]].str.upper()
    tickers = symbols + ".NS"
    bad = tickers[~tickers.str.match(TICKER.pattern)]
    if not bad.empty:
        raise InputError(f"{table.name}: Symbol {symbols[bad.index[0]]!r} on line "
                         f"{line_of(bad.index[0])} is not an NSE symbol")
    dup = tickers[tickers.duplicated()]
    if not dup.empty:
        raise InputError(f"{table.name}: Symbol {symbols[dup.index[0]]} is listed twice "
                         f"(line {line_of(dup.index[0])})")
    members = pd.DataFrame({
        "ticker": tickers, "company_name": f[cols["companyname"]],
        "industry": f[cols["industry"]], "series": f[cols["series"]].str.upper(),
        "isin": f[cols["isincode"]]}).reset_index(drop=True)
    return Imported(table.name, "NSE index constituent list (Company Name,Industry,Symbol,Series,"
                    "ISIN Code)", model.empty(model.PRICES), model.empty(model.INDEX_VALUATION),
                    [*notes, f"{len(members)} constituents, as SYMBOL.NS Yahoo tickers"],
                    members)


def _read_actions(table: TextTable, cols: dict[str, str], opts: ImportOptions) -> Imported:
    """NSE's corporate-actions export: every purpose read into a kind and a price factor, or
    the file refused naming the row (see ``rerating.data.actions``)."""
    from rerating.data.actions import purposes

    notes = list(table.notes)
    f = table.frame
    series = f[cols["series"]].str.upper() if "series" in cols else pd.Series("EQ", index=f.index)
    blank = f[cols["exdate"]].str.strip().str.lower().isin(MISSING_DATES)
    if blank.any():
        notes.append(f"skipped {int(blank.sum())} row(s) with no ex-date (line "
                     f"{line_of(f.index[blank][0])})")
    keep = ~blank & series.isin(EQUITY_SERIES)
    other = int((~blank & ~keep).sum())
    if other:
        notes.append(f"skipped {other} row(s) of other series than EQ/BE (debt, REIT/InvIT units "
                     "…): their prices are not stored")
    f = f[keep]
    if f.empty:
        raise InputError(f"{table.name}: no EQ or BE row with an ex-date; nothing to import")
    sub = TextTable(table.name, f, table.encoding, table.delimiter)
    symbols = f[cols["symbol"]].str.upper()
    bad = symbols[~(symbols + ".NS").str.match(TICKER.pattern)]
    if not bad.empty:
        raise InputError(f"{table.name}: SYMBOL {bad.iloc[0]!r} on line {line_of(bad.index[0])} "
                         "is not an NSE symbol")
    ex = _dates(sub, cols["exdate"], opts, notes, (DAYFIRST, "NSE writes 09-Mar-2026"),
                daily=False)  # ex-dates are events, weeks apart
    frame = pd.DataFrame({
        "ticker": symbols + ".NS", "ex_date": ex, "purpose": f[cols["purpose"]].str.strip(),
        "series": series[f.index], "line": [line_of(i) for i in f.index],
        "company_name": f[cols["companyname"]] if "companyname" in cols else None})
    read = purposes(frame, table.name)
    kinds = read["kind"].value_counts()
    notes.append("actions read: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    rights = read[read["kind"] == "rights"]
    if not rights.empty:
        notes.append(f"{len(rights)} rights issue(s) kept but not adjusted for (the ex-rights "
                     "price needs the subscription price and take-up, which the purpose does "
                     "not settle); their ex-dates are checked like any other day")
    source = model.import_source(table.name)
    actions = model.conform(model.CORPORATE_ACTIONS, read.drop(columns="line"), source=source,
                            fetched_at=pd.Timestamp.now(tz="UTC"))
    return Imported(table.name, "NSE corporate actions (SYMBOL,COMPANY NAME,SERIES,PURPOSE,FACE "
                    "VALUE,EX-DATE,…)", model.empty(model.PRICES),
                    model.empty(model.INDEX_VALUATION), notes, actions=actions)


#: what NSE writes for a date it has not got
MISSING_DATES = frozenset({"", "-", "--", "na", "n/a"})


def _bhav_old(t: TextTable, c: dict[str, str], o: ImportOptions) -> Imported:
    return _read_bhavcopy(t, c, o, kind="old")


def _bhav_full(t: TextTable, c: dict[str, str], o: ImportOptions) -> Imported:
    return _read_bhavcopy(t, c, o, kind="full")


def _bhav_udiff(t: TextTable, c: dict[str, str], o: ImportOptions) -> Imported:
    return _read_bhavcopy(t, c, o, kind="udiff")


#: most specific first; the first whose columns are all present reads the file
LAYOUTS: tuple[Layout, ...] = (
    Layout("nse-corporate-actions", "NSE corporate actions",
           (("symbol",), ("purpose",), ("exdate",)), _read_actions),
    Layout("nse-constituents", "NSE constituent list",
           (("companyname",), ("industry",), ("symbol",), ("series",), ("isincode",)),
           _read_constituents),
    Layout("bhavcopy-udiff", "NSE bhavcopy (UDiFF)", tuple((k,) for k in _BHAV["udiff"]),
           _bhav_udiff),
    Layout("bhavcopy-full", "NSE bhavcopy (sec_bhavdata_full)", tuple((k,) for k in _BHAV["full"]),
           _bhav_full),
    Layout("bhavcopy-old", "NSE bhavcopy (old)", tuple((k,) for k in _BHAV["old"]), _bhav_old),
    Layout("ind-close-all", "NSE ind_close_all",
           (("indexname",), ("indexdate",), ("closingindexvalue",), ("p/e",), ("p/b",),
            ("divyield", "divyield%")), _read_ind_close_all),
    Layout("niftyindices-valuation", "niftyindices P/E-P/B-yield",
           (("date",), ("p/e",), ("p/b",), ("divyield%", "divyield", "dy")), _read_nifty_valuation),
    Layout("niftyindices-prices", "niftyindices index prices",
           (("indexname",), ("date",), ("open",), ("high",), ("low",), ("close",)),
           _read_nifty_prices),
    Layout("yahoo", "Yahoo Finance download",
           (("date",), ("open",), ("high",), ("low",), ("close",), ("adjclose",), ("volume",)),
           _read_yahoo),
    Layout("investing", "investing.com Historical Data",
           (("date",), ("price",), ("open",), ("high",), ("low",)), _read_investing),
    Layout("ohlc", "one ticker's daily OHLC",
           (("date",), ("open",), ("high",), ("low",), ("close",)), _read_ohlc),
    Layout("long", "long prices", (("ticker",), ("date",), ("close",)), _read_long),
    Layout("wide", "wide prices", (("date",),), _read_wide),
)

KNOWN = ("Yahoo Finance download; investing.com Historical Data; niftyindices index prices or "
         "P/E-P/B-yield; NSE ind_close_all; NSE bhavcopy (old, sec_bhavdata_full or UDiFF); NSE "
         "constituent list; NSE corporate actions; long (ticker,date,close) or wide (Date + one column per ticker)")


def _unknown(table: TextTable, why: str = "") -> InputError:
    head = ",".join(table.columns)
    return InputError(f"{table.name}: not a layout Rerating Desk knows{' (' + why + ')' if why else ''}; "
                      f"header seen: {head[:160]!r}; known: {KNOWN}. Or write the columns "
                      "ticker,date,close")


def _columns(table: TextTable) -> dict[str, str]:
    """Normalised header name -> the header as written (the first of equal names wins)."""
    cols: dict[str, str] = {}
    for c in table.columns:
        cols.setdefault(_norm(c), c)
    return cols


def recognise(table: TextTable, cols: dict[str, str] | None = None) -> Layout:
    """The layout whose required columns the header holds, or a one-line refusal."""
    cols = _columns(table) if cols is None else cols
    for layout in LAYOUTS:
        if layout.key == "wide" and len(table.columns) < 2:
            continue
        if layout.matches(cols):
            return layout
    raise _unknown(table)


def read_file(path: str | Path, opts: ImportOptions | None = None) -> Imported:
    """Read one downloaded file into canonical tables, or refuse it (:class:`InputError`)."""
    return _read(read_table(path), opts or ImportOptions())


def read_data(data: bytes, name: str, opts: ImportOptions | None = None) -> Imported:
    """:func:`read_file` for bytes in hand: a download (zipped or not) named ``name``."""
    return _read(table_from_bytes(*unpack(data, name)), opts or ImportOptions())


def read_constituents_bytes(data: bytes, name: str) -> pd.DataFrame:
    """The members of an NSE constituent list in ``data`` (placeholder rows left out)."""
    got = read_data(data, name)
    if got.members is None:
        raise InputError(f"{name} is a {got.layout}, not an NSE constituent list "
                         "(Company Name,Industry,Symbol,Series,ISIN Code)")
    return got.members


def _no_rows(name: str) -> InputError:
    """A file with its header and nothing else; inside a zip, a zip without a day's file."""
    if ":" in name:
        zipped, member = name.split(":", 1)
        return InputError(f"{zipped} holds {member} with a header but no rows: an empty file, "
                          "not a day's bhavcopy; download it again")
    return InputError(f"{name} has a header but no rows")


def _read(table: TextTable, opts: ImportOptions) -> Imported:
    if table.frame.empty:
        raise _no_rows(table.name)
    cols = _columns(table)
    return recognise(table, cols).read(table, cols, opts)


def read_folder(folder: str | Path, opts: ImportOptions | None = None) -> list[Imported]:
    """Every ``.csv`` (or zipped CSV) in ``folder``, e.g. a folder of daily bhavcopies."""
    from rerating.data.parsing import read_bytes

    paths = sorted(p for p in Path(folder).iterdir()
                   if p.is_file() and p.name.lower().endswith((".csv", ".csv.zip", ".zip")))
    if not paths:
        raise InputError(f"folder {folder} holds no .csv files to import")
    got = read_batch([read_bytes(p) for p in paths], opts)
    for r in got:
        if isinstance(r, InputError):
            raise r
    return got  # type: ignore[return-value]


#: layouts of one day's file each (NSE's daily files): many are read as one table, with only
#: the columns their reader uses (normalised names)
_DAILY_USES = {
    "bhavcopy-udiff": {*_BHAV["udiff"], "sgmt"}, "bhavcopy-full": set(_BHAV["full"]),
    "bhavcopy-old": set(_BHAV["old"]),
    "ind-close-all": {"indexname", "indexdate", "closingindexvalue", "volume", "p/e", "p/b",
                      "divyield", "divyield%"},
}
DAILY = tuple(_DAILY_USES)


def read_batch(items: list[tuple[bytes, str]], opts: ImportOptions | None = None,
               ) -> list[Imported | InputError]:
    """Many downloads at once, each read as :func:`read_data` reads it (or its refusal, in
    its place). NSE's daily files of one layout are read as one table: pandas costs about
    30 ms a call whatever the size, so 250 bhavcopies read together take a fraction of 250
    reads. Each file must hold one day, a different one from the others; when a batch is
    refused, its files are read one by one so the refusal names the file and line."""
    opts = opts or ImportOptions()
    out: list[Imported | InputError | None] = [None] * len(items)
    groups: dict[str, list[tuple[int, TextTable, dict[str, str]]]] = {}
    for i, (data, name) in enumerate(items):
        try:
            table = table_from_bytes(*unpack(data, name), arrow=True)
            if (table.arrow.num_rows if table.arrow is not None else len(table.frame)) == 0:
                raise _no_rows(table.name)
            cols = _columns(table)
            layout = recognise(table, cols)
        except InputError as exc:
            out[i] = exc
            continue
        if layout.key in DAILY and table.arrow is not None:
            groups.setdefault(layout.key, []).append((i, table, cols))
        else:
            out[i] = _attempt(lambda t=table, c=cols, la=layout: la.read(t.materialise(), c, opts))
    for key, members in groups.items():
        split = _read_together(key, members, opts) if len(members) > 1 else None
        for (i, table, cols), got in zip(members, split or [None] * len(members), strict=True):
            out[i] = got if got is not None else _attempt(
                lambda t=table, c=cols: recognise(t, c).read(t.materialise(), c, opts))
    return out  # type: ignore[return-value]


def _attempt(read: Callable[[], Imported]) -> Imported | InputError:
    try:
        return read()
    except InputError as exc:
        return exc


def _read_together(key: str, members: list[tuple[int, TextTable, dict[str, str]]],
                   opts: ImportOptions) -> list[Imported | None] | None:
    """Files of one daily layout read as one table, then split by day; None when that cannot
    be done exactly (a file of several days, two files of one day, any refusal)."""
    import pyarrow as pa

    first_cols = members[0][2]
    uses = {c for k, c in first_cols.items() if k in _DAILY_USES[key]}
    tables = []
    for _, table, cols in members:
        # one spelling of each column: the first file's header; only the columns read
        spelled = {v: first_cols.get(k, v) for k, v in cols.items()}
        t = table.arrow.rename_columns([spelled.get(c, c) for c in table.arrow.column_names])
        tables.append(t.select([c for c in t.column_names if c in uses]))
    try:
        frame = trimmed(pa.concat_tables(tables, promote_options="default")).to_pandas()
    except (pa.ArrowInvalid, ValueError, TypeError):
        return None
    big = TextTable(f"{len(members)} {key} files", frame, members[0][1].encoding, ",")
    try:
        got = recognise(big, first_cols).read(big, first_cols, opts)
    except InputError:
        return None
    texts = [_date_texts(t, c) for _, t, c in members]
    if any(len(t) != 1 for t in texts):
        return None
    parsed = dates(pd.Series([t[0] for t in texts]), f"{big.name} dates",
                   layout_order=(DAYFIRST, "NSE writes day first")).values
    if parsed.nunique() != len(members):
        return None
    # a file whose rows disagree with the day it is named for is read alone (its own read
    # says how: NSE's month-first days, or a file for another day)
    if any(day is not None and day != d for day, d in
           zip((named_day(t.name) for _, t, _ in members), parsed, strict=True)):
        return None
    if opts.source is None:  # each file's rows name the file (each file is one day)
        named = dict(zip(parsed, (model.import_source(t.name) for _, t, _ in members),
                         strict=True))
        for frame in (got.prices, got.index_valuation):
            frame["source"] = frame["date"].map(named).astype("str")
    # each file's rows are one day's: a stable sort by day keeps each day's rows in key order,
    # and each file's share is then a slice
    by_day = [(f.sort_values("date", kind="stable"), None) for f in (got.prices,
                                                                      got.index_valuation)]
    by_day = [(f, f["date"].to_numpy()) for f, _ in by_day]
    notes = [n for n in got.notes if not n.startswith("skipped")]
    out = []
    for (_, table, _), day in zip(members, parsed, strict=True):
        p, v = (f.iloc[np.searchsorted(d, np.datetime64(day), "left"):
                       np.searchsorted(d, np.datetime64(day), "right")].reset_index(drop=True)
                for f, d in by_day)
        if p.empty and v.empty:  # read alone, this file is refused: its own read says why
            out.append(None)
            continue
        out.append(Imported(table.name, got.layout, p, v, [*table.notes, *notes]))
    return out


def _date_texts(table: TextTable, cols: dict[str, str]) -> list[str]:
    """The distinct date texts of a daily file (its date column, whatever the layout)."""
    import pyarrow.compute as pc

    col = next(cols[k] for k in ("traddt", "date1", "timestamp", "indexdate") if k in cols)
    return pc.unique(table.arrow.column(col)).to_pylist()[:2]


# -- checks every file's rows pass ------------------------------------------------------------
def _imported(table: TextTable, layout: str, prices: pd.DataFrame | None,
              valuation: pd.DataFrame | None, notes: list[str], opts: ImportOptions, *,
              indices: bool = False, daily: bool = False) -> Imported:
    """Check and conform what a layout read. ``indices``: the keys are index names or symbols
    from the file's index-name column, which carry no exchange suffix. ``daily``: one of NSE's
    daily files, where a row that is no price (a series at 0) costs that row, never the day;
    in a user's price file such a row is a broken export and refuses the file."""
    notes = [*table.notes, *notes]
    today = (opts.today or pd.Timestamp.now(tz="Asia/Kolkata").tz_localize(None)).normalize()
    out_p, out_v = model.empty(model.PRICES), model.empty(model.INDEX_VALUATION)
    source = opts.source or model.import_source(table.name)
    now = pd.Timestamp.now(tz="UTC")
    if prices is not None and not prices.empty:
        blank = prices["close"].isna()
        if blank.any():
            notes.append(f"skipped {int(blank.sum())} row(s) with no close (e.g. line "
                         f"{prices['line'][blank].iloc[0]}: a holiday or 'null' row)")
            prices = prices[~blank]
        if prices.empty:
            raise InputError(f"{table.name}: no row has a close; nothing to import")
        adj = prices["adj_close"].fillna(prices["close"])
        bad = prices[(prices["close"] <= 0) | (adj <= 0)]
        if len(bad) and daily:
            r = bad.iloc[0]
            notes.append(f"skipped {len(bad)} row(s) whose close is zero or below, not a "
                         f"price (e.g. line {r.line}: {r.ticker} close {r.close:g})")
            prices = prices.drop(bad.index)
            if prices.empty:
                raise InputError(f"{table.name}: no row has a close above zero; nothing to "
                                 "import")
        elif len(bad):  # a price is never zero or negative: a placeholder or a broken export
            lines = ", ".join(str(n) for n in bad["line"].head(5)) + (" …" if len(bad) > 5 else "")
            r = bad.iloc[0]
            raise InputError(f"{table.name}: {len(bad)} row(s) with a close of zero or below "
                             f"(line{'s' if len(bad) > 1 else ''} {lines}; e.g. line {r.line}: "
                             f"{r.date:%Y-%m-%d} close {r.close:g}); a price is never zero or "
                             "negative: fix or delete those rows and import again")
        if not indices:
            prices = prices.assign(ticker=_with_exchange(prices["ticker"], opts, notes, table.name))
        _check_rows(table.name, prices, "ticker", ["close"], today)
        _check_sessions(table.name, prices, notes)
        out_p = model.conform(model.PRICES, prices.drop(columns="line"), source=source,
                              fetched_at=now)
    if valuation is not None and not valuation.empty:
        _check_rows(table.name, valuation, "index", ["pe", "pb", "div_yield"], today)
        out_v = model.conform(model.INDEX_VALUATION, valuation.drop(columns="line"),
                              source=source, fetched_at=now)
    if out_p.empty and out_v.empty:
        raise InputError(f"{table.name}: no usable rows; nothing to import")
    return Imported(table.name, layout, out_p, out_v, notes)


def _check_rows(name: str, frame: pd.DataFrame, key: str, values: list[str],
                today: pd.Timestamp) -> None:
    future = frame[frame["date"] > today]
    if not future.empty:
        r = future.iloc[0]
        raise InputError(f"{name}: {len(future)} date(s) after today ({today:%Y-%m-%d}), e.g. "
                         f"line {r.line}: {r.date:%Y-%m-%d}; if day and month are swapped, pass "
                         "--dayfirst or --monthfirst")
    clash = conflicting_rows(frame, [key, "date"], values)
    if clash is not None:
        k, d = clash.iloc[0][key], clash.iloc[0]["date"]
        raise InputError(f"{name}: {k} has different values for {d:%Y-%m-%d} on lines "
                         f"{', '.join(map(str, clash['line']))}; keep one and import again")


def conflicting_rows(frame: pd.DataFrame, key: list[str], values: list[str]) -> pd.DataFrame | None:
    """The rows of the first key that appears more than once with different ``values`` (a
    file, or files, saying two things about one day), or None when every repeat agrees."""
    dup = frame[frame.duplicated(key, keep=False)]
    if dup.empty:
        return None
    differs = dup.groupby(key)[values].nunique(dropna=False).gt(1).any(axis=1)
    if not differs.any():
        return None
    first = differs[differs].index[0]
    return dup[(dup[key] == pd.Series(first, index=key)).all(axis=1)]


def _check_sessions(name: str, prices: pd.DataFrame, notes: list[str]) -> None:
    from rerating.data.calendar import sessions

    days = pd.DatetimeIndex(prices["date"].unique())
    trading = days.isin(sessions(days.min(), days.max()))
    if trading.any():
        return
    first = prices.sort_values("date").iloc[0]
    if len(days) == 1:
        notes.append(f"check: {first.date:%Y-%m-%d} is not a regular session of the Indian "
                     "exchanges (a special session such as Muhurat trading?)")
        return
    raise InputError(f"{name}: every date is a weekend or an exchange holiday (e.g. line "
                     f"{first.line}: {first.date:%Y-%m-%d}); is the day/month order right? "
                     "(--dayfirst / --monthfirst)")


# -- the older entry points, kept for callers that want one table ---------------------------------
def import_prices(path: str | Path, opts: ImportOptions | None = None) -> pd.DataFrame:
    """The prices a file holds, as the canonical prices table."""
    got = read_file(path, opts)
    if got.prices.empty:
        raise InputError(f"{got.name} holds no prices (it is a {got.layout})")
    return got.prices


def import_index_valuation(path: str | Path, index: str | None = None,
                           opts: ImportOptions | None = None) -> pd.DataFrame:
    """The index P/E, P/B and dividend yields a file holds, as the index_valuation table."""
    base = opts or ImportOptions()
    got = read_file(path, replace(base, index=index or base.index))
    if got.index_valuation.empty:
        raise InputError(f"{got.name} holds no index P/E, P/B or dividend yield (it is a "
                         f"{got.layout})")
    return got.index_valuation
