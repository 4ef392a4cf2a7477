"""Yahoo Finance through yfinance: prices in batches, fundamentals and estimates per ticker.

yfinance reports many failures by logging and returning empty frames rather than raising. This
adapter makes them explicit: every ticker that came back empty is listed in a typed error
(:class:`UnknownTicker`-like "unknown symbol", :class:`RateLimited`, :class:`NetworkError`)
with the reason yfinance gave, and rate-limited tickers are retried with exponential backoff.
The data that did arrive travels on the error (``partial``) so a refresh can keep it.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd

from rerating.data import model
from rerating.data.indices import IndexMap
from rerating.data.providers.base import Provider, Query
from rerating.data.renames import RENAMED, Renames
from rerating.errors import InputError, NetworkError, ProviderError, RateLimited

_INDEX_MAP = IndexMap()
_EXCHANGE_SUFFIX = {"NSE": ".NS", "BSE": ".BO"}
_NO_FUNDAMENTALS = re.compile(r"No fundamentals data found", re.I)
_NO_COVERAGE = "no analyst coverage: Yahoo has no consensus estimates for it"
_NOTHING = object()  # a ticker the source answered with nothing to store (a notice, no failure)


class NoCoverage(LookupError):
    """The stock exists but no analyst covers it: no estimates, and that is no failure."""
_SYMBOL_RE = re.compile(r"^\^?[A-Z0-9&\-_.]{1,20}$")
_DEFAULT_START = pd.Timestamp("2005-01-01")

# How yfinance words its failures, in the order we test them.
_RATE = re.compile(r"rate.?limit|too many requests|\b429\b", re.I)
_NETWORK = re.compile(r"resolve|dns|connection|timed? ?out|timeout|network|unreachable|"
                      r"ssl|proxy|max retries", re.I)
# yfinance's SQLite caches (timezone, cookie) lock under its own download threads
_TRANSIENT = re.compile(r"database is locked|temporarily unavailable", re.I)
# An HTTP 5xx page, or an answer cut off or garbled on the way (yfinance then fails to parse
# JSON): both usually pass, so both are retried like a rate limit.
_SERVER = re.compile(r"\b5\d\d (server error|internal|bad gateway|service unavailable|gateway)|"
                     r"server error|bad gateway|service unavailable|"
                     # yfinance reads a chart from every answer: an error document (Yahoo's
                     # {"finance": {"error": ...}} on a 500) has none
                     r"KeyError\('chart'\)", re.I)
_MALFORMED = re.compile(r"JSONDecodeError|Expecting value|Unterminated string|Extra data|"
                        r"Expecting ',' delimiter|Invalid control character", re.I)
_UNKNOWN = re.compile(r"delisted|no data found|not found|no timezone|404|invalid|"
                      r"no price data|symbol may be", re.I)


def yahoo_symbol(ticker: str, exchange: str = "NSE") -> str:
    """Normalise an analyst's ticker to Yahoo's: ``reliance`` -> ``RELIANCE.NS``,
    ``500325`` with exchange BSE -> ``500325.BO``, ``NIFTY50`` -> ``^NSEI``."""
    t = str(ticker).strip().upper()
    if not t:
        raise InputError("ticker is blank; give a symbol such as RELIANCE.NS")
    index = _INDEX_MAP.symbol(t)  # NIFTY50, NIFTY BANK, SENSEX …: the one index map
    if index is not None:
        return index
    if t.startswith("^") or "." in t:
        if not _SYMBOL_RE.match(t):
            raise InputError(f"ticker {ticker!r} has characters Yahoo symbols never use")
        return t
    if exchange.upper() not in _EXCHANGE_SUFFIX:
        raise InputError(f"exchange {exchange!r} is not NSE or BSE")
    if not _SYMBOL_RE.match(t):
        raise InputError(f"ticker {ticker!r} has characters Yahoo symbols never use")
    return t + _EXCHANGE_SUFFIX[exchange.upper()]


def classify_failure(reason: str) -> str:
    """``rate_limited``, ``transient``, ``server_error``, ``malformed_answer``, ``network``,
    ``renamed`` or ``unknown_symbol`` for a yfinance error (``error`` when none fits)."""
    if reason.startswith(RENAMED):
        return "renamed"
    if "Impersonat" in reason:  # curl_cffi, not Yahoo: see _LABELS["host_libcurl"]
        return "host_libcurl"
    if _RATE.search(reason):
        return "rate_limited"
    if _TRANSIENT.search(reason):
        return "transient"
    if _SERVER.search(reason):
        return "server_error"
    if _MALFORMED.search(reason):
        return "malformed_answer"
    if _NETWORK.search(reason):
        return "network"
    if _UNKNOWN.search(reason):
        return "unknown_symbol"
    return "error"


class _Capture(logging.Handler):
    """Collects yfinance's per-ticker error log lines (its only report of batch failures)."""

    _line = re.compile(r"^(\[.*?\]):\s*(.*)$", re.S)

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        m = self._line.match(record.getMessage())
        if not m:
            return
        with contextlib.suppress(ValueError, SyntaxError):
            for sym in ast.literal_eval(m.group(1)):
                self.errors[str(sym).upper()] = m.group(2).strip()


def _quiet_yfinance() -> None:
    """yfinance turns its own DeprecationWarnings on when imported (a ``default`` filter for
    ``^yfinance``, put in front of every other), which lets pandas 3.1's Pandas4Warning about
    yfinance's ``inplace=`` calls through to every terminal, test summary and LibreOffice's
    stderr. Nothing an analyst can act on and not ours to fix: ignored for yfinance's own
    modules only, in front of its filter, once it is imported."""
    import warnings

    import pandas as pd
    import yfinance  # noqa: F401  (its import adds the filter this one must precede)

    category = getattr(pd.errors, "Pandas4Warning", None)
    if category is not None:
        warnings.filterwarnings("ignore", category=category, module=r"yfinance(\.|$)")


@contextlib.contextmanager
def _raising_yfinance() -> Iterator[None]:
    """Let per-ticker yfinance calls raise instead of logging and returning empty results."""
    import yfinance as yf

    _quiet_yfinance()

    with _CONFIG_LOCK:
        old = yf.config.debug.hide_exceptions
        yf.config.debug.hide_exceptions = False
        try:
            yield
        finally:
            yf.config.debug.hide_exceptions = old


_CONFIG_LOCK = threading.RLock()
#: failure kinds that usually pass, so are retried with exponential backoff
RETRIED = frozenset({"rate_limited", "transient", "server_error", "malformed_answer"})
_URL = re.compile(r" for url: \S+")
_NO_CHART = "KeyError('chart')"  # how yfinance fails on an answer that is an error document
_LABELS = {"malformed_answer": "malformed answer (not JSON: a server error page or a cut-off "
                               "response)",
           # curl_cffi's own libcurl is shadowed by the host's (LibreOffice loads libcurl first),
           # so it cannot make Yahoo's browser-like requests in this process: nothing was asked
           "host_libcurl": "Yahoo cannot be asked from inside this program (its own libcurl "
                           "shadows curl_cffi's; LibreOffice does): fetch from a terminal with "
                           "`rerating data refresh --tickers …`, or let the add-in fetch in a "
                           "separate process (the default)"}


def _forget_answers() -> None:
    """Drop yfinance's in-process cache of answers before a retry: it keeps answers by URL
    (YfData.cache_get), so a retried request would get the same garbled answer back."""
    from yfinance.data import YfData

    clear = getattr(YfData.cache_get, "cache_clear", None)
    if clear is not None:
        clear()


#: the quoteSummary modules the provider reads (yfinance's info, calendar, earnings trend and
#: earnings history), asked for in one request per stock
SUMMARY_MODULES = ("financialData", "quoteType", "defaultKeyStatistics", "assetProfile",
                   "summaryDetail", "calendarEvents", "earningsTrend", "earningsHistory")
_SUMMARY_PATH = "/v10/finance/quoteSummary/"


class SharedSummaries:
    """One quoteSummary answer per stock carrying every module the provider reads, shared by
    the fundamentals, estimates and EPS-history passes of one refresh (yfinance asks per
    module: four requests a stock). A stock whose combined answer fails (Yahoo answers 404 for
    a module with no data, e.g. earningsTrend of a stock nobody covers) is asked per module,
    as yfinance would: never fewer answers than before, only fewer requests."""

    def __init__(self) -> None:
        self._docs: dict[str, Any] = {}
        self._split: set[str] = set()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.requests = 0

    def answer(self, real: Any, url: str, params: dict[str, Any] | None, timeout: float) -> Any:
        """The combined answer for the symbol of ``url`` (a copy), or None: ask per module."""
        import copy

        sym = unquote(urlsplit(url).path.rsplit("/", 1)[-1]).upper()
        with self._guard:
            lock = self._locks.setdefault(sym, threading.Lock())
        with lock:
            if sym in self._split:
                return None
            if sym not in self._docs:
                asked = {**(params or {}), "modules": ",".join(SUMMARY_MODULES)}
                self.requests += 1
                try:
                    self._docs[sym] = real.get_raw_json(url, params=asked, timeout=timeout)
                except Exception:  # boundary: fall back to yfinance's own per-module requests
                    self._split.add(sym)
                    return None
            return copy.deepcopy(self._docs[sym])  # yfinance's parsers add keys to what they get


class _OneSummary:
    """Stands in for yfinance's ``YfData`` inside one Ticker: quoteSummary answers come from
    :class:`SharedSummaries`; every other request goes to yfinance's own object."""

    def __init__(self, real: Any, shared: SharedSummaries) -> None:
        self._real = real
        self._shared = shared

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get_raw_json(self, url: str, params: dict[str, Any] | None = None,
                     timeout: float = 30) -> Any:
        if _SUMMARY_PATH in url:
            got = self._shared.answer(self._real, url, params, timeout)
            if got is not None:
                return got
        return self._real.get_raw_json(url, params=params, timeout=timeout)


def _share_summaries(tk: Any, shared: SharedSummaries) -> Any:
    """``tk`` with its quote and analysis scrapers reading :class:`SharedSummaries` (yfinance
    1.x keeps them as ``_quote`` and ``_analysis`` over ``_data``); left as it is where a
    yfinance release lays them out otherwise, which only costs the extra requests."""
    if not all(hasattr(tk, a) for a in ("_data", "_quote", "_analysis")):
        return tk
    one = _OneSummary(tk._data, shared)
    for part in (tk, tk._quote, tk._analysis):
        if hasattr(part, "_data"):
            part._data = one
    return tk


class YahooProvider(Provider):
    """Live data from Yahoo Finance. Tickers are Yahoo symbols (``.NS``, ``.BO``, ``^NSEI``)."""

    name = "yahoo"
    source = model.SOURCE_YAHOO
    tables = frozenset({"prices", "fundamentals", "estimates", "eps_history"})

    def __init__(self, session: Any = None, *, max_workers: int = 4, timeout: float = 30.0,
                 retries: int = 3, backoff: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep,
                 renames: Renames | None = None) -> None:
        super().__init__()
        self.session = session
        #: symbol changes and delistings: an unknown symbol that is in here is explained
        self.renames = renames or Renames()
        #: symbol -> Yahoo's own words for its last error answer ("Internal Server Error:
        #: Duplicate key …"), read from the response where the session lets us see it
        self.said: dict[str, str] = {}
        hooks = getattr(session, "hooks", None)
        if isinstance(hooks, dict) and isinstance(hooks.get("response"), list):
            hooks["response"].append(self._remember_error)
        self.max_workers = max(1, int(max_workers))
        self.timeout = timeout
        self.retries = retries
        #: one quoteSummary answer per stock for all the snapshot tables of this refresh
        self.summaries = SharedSummaries()
        self.backoff = backoff
        self._sleep = sleep

    def _remember_error(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """A response hook: keep Yahoo's error description, by the symbol in the URL."""
        if getattr(response, "status_code", 200) < 400:
            return response
        try:
            doc = response.json()
        except Exception:  # an HTML error page: nothing in Yahoo's words to keep
            return response
        errors = [v.get("error") for v in doc.values() if isinstance(v, dict)] \
            if isinstance(doc, dict) else []
        err = next((e for e in errors if isinstance(e, dict) and e.get("description")), None)
        if err is not None:
            sym = unquote(urlsplit(str(response.url)).path.rsplit("/", 1)[-1]).upper()
            with self._count_lock:
                self.said[sym] = f"{err.get('code') or 'error'}: {err['description']}"
        return response

    def transform_query(self, table: str, query: Query) -> Query:
        query = super().transform_query(table, query)
        tickers = tuple(yahoo_symbol(t) for t in query.tickers)
        return Query(tickers, query.start, query.end, query.as_of, query.options)

    # -- extract (I/O only) --------------------------------------------------------------------
    def extract_data(self, table: str, query: Query) -> Any:
        if table == "prices":
            return self._with_retries(lambda ts: self._download(ts, query), query.tickers)
        fetch = {"fundamentals": self._fundamentals_one, "estimates": self._estimates_one,
                 "eps_history": self._eps_history_one}[table]
        return self._with_retries(lambda ts: self._per_ticker(fetch, ts, table), query.tickers)

    def _with_retries(self, call: Callable[[tuple[str, ...]], tuple[dict[str, Any], dict[str, str]]],
                      tickers: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
        got: dict[str, Any] = {}
        failed: dict[str, str] = {}
        todo = tickers
        for attempt in range(self.retries + 1):
            ok, bad = call(todo)
            got.update(ok)
            for t in ok:
                failed.pop(t, None)
            failed.update(bad)
            # Yahoo's own words decide where yfinance's are vague: a 500 error document can
            # surface as "possibly delisted" once yfinance has the symbol's time zone cached
            limited = tuple(t for t, why in failed.items()
                            if classify_failure(f"{why} {self.said.get(t, '')}") in RETRIED)
            if not limited or attempt == self.retries:
                break
            self._sleep(self.backoff * (2 ** attempt))
            _forget_answers()
            todo = limited
        return got, failed

    def _download(self, tickers: tuple[str, ...], query: Query) -> tuple[dict[str, Any], dict[str, str]]:
        import yfinance as yf

        self._count("prices", len(tickers))
        start = (query.start or _DEFAULT_START).date().isoformat()
        # yfinance's end is exclusive; ours is inclusive.
        end = ((query.end or pd.Timestamp.today().normalize()) + pd.Timedelta(days=1)).date().isoformat()
        capture = _Capture()
        logger = logging.getLogger("yfinance")
        # Raising mode: a DNS failure is reported as itself, not as "possibly delisted". The
        # lock it holds serialises downloads, so the logger can be adjusted safely here: its
        # ERROR lines are yfinance's only report of which ticker failed and why, so they must
        # reach the capture even when an application has turned yfinance's logging down.
        with _raising_yfinance():
            level = logger.level
            if logger.getEffectiveLevel() > logging.ERROR:
                logger.setLevel(logging.ERROR)
            logger.addHandler(capture)
            try:
                data = yf.download(list(tickers), start=start, end=end, auto_adjust=False,
                                   actions=False, group_by="ticker",
                                   threads=min(self.max_workers, len(tickers)), progress=False,
                                   timeout=self.timeout, session=self.session,
                                   multi_level_index=True)
            finally:
                logger.removeHandler(capture)
                logger.setLevel(level)
        got: dict[str, Any] = {}
        failed: dict[str, str] = {}
        for t in tickers:
            frame = None
            if data is not None and isinstance(data.columns, pd.MultiIndex) and \
                    t in data.columns.get_level_values(0):
                frame = data[t].dropna(how="all")
            if frame is None or frame.empty or frame.get("Close", pd.Series(dtype=float)).isna().all():
                failed[t] = capture.errors.get(t, "no price data returned (possibly delisted)")
            else:
                got[t] = frame
        return got, failed

    def _per_ticker(self, fetch: Callable[[Any], Any], tickers: tuple[str, ...],
                    table: str) -> tuple[dict[str, Any], dict[str, str]]:
        import yfinance as yf

        got: dict[str, Any] = {}
        failed: dict[str, str] = {}

        def one(sym: str) -> tuple[str, Any, str | None]:
            self._count(table)
            try:
                tk = _share_summaries(yf.Ticker(sym, session=self.session), self.summaries)
                return sym, fetch(tk), None
            except NoCoverage as exc:  # an answer, not a failure: nothing to store or retry
                self._notice(table, sym, str(exc))
                return sym, _NOTHING, None
            except Exception as exc:  # boundary: yfinance raises many unrelated types
                return sym, None, f"{type(exc).__name__}: {exc}"

        with _raising_yfinance(), ThreadPoolExecutor(self.max_workers) as pool:
            for sym, value, err in pool.map(one, tickers):
                if err is not None:
                    failed[sym] = err
                elif value is None:
                    failed[sym] = "no data returned"
                elif value is not _NOTHING:
                    got[sym] = value
        return got, failed

    @staticmethod
    def _fundamentals_one(tk: Any) -> dict[str, Any]:
        info = tk.info
        if not info or not (info.get("longName") or info.get("shortName") or info.get("quoteType")):
            raise LookupError("quoteSummary returned no profile (unknown symbol?)")
        try:
            cal = tk.calendar or {}
        except Exception:  # the calendar is optional; its absence is not a failure
            cal = {}
        dates = cal.get("Earnings Date") or []
        info = dict(info)
        info["_next_results"] = dates[0] if dates else None
        return info

    @staticmethod
    def _estimates_one(tk: Any) -> dict[str, pd.DataFrame]:
        try:
            est = tk.earnings_estimate
        except Exception as exc:
            # Yahoo answers a stock nobody covers with HTTP 404 "No fundamentals data found for
            # any of the summaryTypes=earningsTrend": the stock exists, its estimates do not.
            body = str(getattr(getattr(exc, "response", None), "text", "") or "")
            if _NO_FUNDAMENTALS.search(body) or _NO_FUNDAMENTALS.search(str(exc)):
                raise NoCoverage(_NO_COVERAGE) from exc
            raise
        if est is None or est.empty:
            raise NoCoverage(_NO_COVERAGE)
        return {"estimate": est, "trend": tk.eps_trend, "revisions": tk.eps_revisions}

    @staticmethod
    def _eps_history_one(tk: Any) -> pd.DataFrame:
        hist = tk.earnings_history
        if hist is None or hist.empty:
            raise LookupError("no reported EPS history (earningsHistory empty)")
        return hist

    # -- transform ----------------------------------------------------------------------------
    def transform_data(self, table: str, query: Query, raw: Any) -> pd.DataFrame:
        got, failed = raw
        builder = getattr(self, f"_to_{table}")
        built = {sym: builder(sym, value, query) for sym, value in got.items()}
        if table == "estimates":
            for sym, f in built.items():
                if f is None or f.empty:  # every period had 0 analysts: nothing to store
                    self._notice(table, sym, _NO_COVERAGE + " (Yahoo lists 0 analysts)")
                    continue
                said = _blank_silent_counts(f)
                if said:
                    self._notice(table, sym, said)
        frames = [f for f in built.values() if f is not None and not f.empty]
        data = self._conform(table, pd.concat(frames, ignore_index=True)) if frames \
            else model.empty(model.TABLES[table])
        if failed:
            worded = {}
            for t, why in failed.items():
                known = self.renames.lookup(t)
                if known is not None and classify_failure(why) == "unknown_symbol":
                    worded[t] = known.describe(t)  # explained, never swapped silently
                else:
                    worded[t] = why + (f" (Yahoo said: {self.said[t]})" if t in self.said else "")
            raise _failure(table, worded, data)
        return data

    @staticmethod
    def _to_prices(sym: str, frame: pd.DataFrame, query: Query) -> pd.DataFrame:
        idx = pd.DatetimeIndex(frame.index)
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        close = frame["Close"].to_numpy(dtype=float)
        adj = frame["Adj Close"].to_numpy(dtype=float) if "Adj Close" in frame else close
        out = pd.DataFrame({"ticker": sym, "date": idx.normalize(), "close": close,
                            "adj_close": adj,
                            "volume": frame.get("Volume", pd.Series(np.nan, index=frame.index)).to_numpy(dtype=float)})
        return out[np.isfinite(out["close"])]

    @staticmethod
    def _to_fundamentals(sym: str, info: dict[str, Any], query: Query) -> pd.DataFrame:
        def num(key: str) -> float:
            v = info.get(key)
            return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else np.nan

        nxt = info.get("_next_results")
        return pd.DataFrame([{
            "ticker": sym, "as_of": pd.Timestamp.today().normalize(),
            "name": info.get("longName") or info.get("shortName") or sym,
            "sector": info.get("sector"), "industry": info.get("industry"),
            "currency": info.get("currency") or info.get("financialCurrency"),
            "shares_outstanding": num("sharesOutstanding"), "market_cap": num("marketCap"),
            "trailing_eps": num("trailingEps"), "book_value_per_share": num("bookValue"),
            "payout_ratio": num("payoutRatio"), "beta": num("beta"),
            "next_results_date": pd.Timestamp(nxt) if nxt is not None else pd.NaT,
        }])

    @staticmethod
    def _to_estimates(sym: str, parts: dict[str, pd.DataFrame], query: Query) -> pd.DataFrame:
        est, trend, rev = parts["estimate"], parts["trend"], parts["revisions"]
        rows = []
        for period in model.PERIODS:
            if period not in est.index:
                continue

            def get(frame: pd.DataFrame, col: str, period: str = period) -> float:
                if frame is None or frame.empty or period not in frame.index or col not in frame:
                    return np.nan
                v = frame.loc[period, col]
                return float(v) if pd.notna(v) else np.nan

            if not get(est, "numberOfAnalysts") > 0:
                # Thinly covered stocks come back with raw 0 for every figure, 0 analysts and
                # no end date: that is no forecast of zero EPS, so nothing is stored for it.
                continue
            rows.append({
                "ticker": sym, "as_of": pd.Timestamp.today().normalize(), "period": period,
                "eps_mean": get(est, "avg"), "analyst_count": get(est, "numberOfAnalysts"),
                "eps_now": get(trend, "current"), "eps_7d_ago": get(trend, "7daysAgo"),
                "eps_30d_ago": get(trend, "30daysAgo"), "eps_60d_ago": get(trend, "60daysAgo"),
                "eps_90d_ago": get(trend, "90daysAgo"),
                "up_7d": get(rev, "upLast7days"), "down_7d": get(rev, "downLast7Days"),
                "up_30d": get(rev, "upLast30days"), "down_30d": get(rev, "downLast30days"),
            })
        return pd.DataFrame(rows)

    @staticmethod
    def _to_eps_history(sym: str, hist: pd.DataFrame, query: Query) -> pd.DataFrame:
        col = "epsActual" if "epsActual" in hist else None
        if col is None:
            return pd.DataFrame()
        # Yahoo dates a quarter by its last day; normalise to the calendar quarter end.
        ends = pd.DatetimeIndex(hist.index).to_period("Q").to_timestamp(how="end").normalize()
        out = pd.DataFrame({"ticker": sym, "period_end": ends, "freq": "Q",
                            "eps": hist[col].to_numpy(dtype=float)})
        return out[np.isfinite(out["eps"])]


def _blank_silent_counts(frame: pd.DataFrame, moved: float = 0.005) -> str | None:
    """Yahoo often sends 0 upgrades and 0 downgrades while its own consensus moved: stored as
    they are, the counts (breadth 0.00) and the change (+6%) would tell two stories. Such counts
    are unknown, not zero: blanked in place, and said once."""
    said = []
    for days, up, down in ((30, "up_30d", "down_30d"), (7, "up_7d", "down_7d")):
        ago = frame[f"eps_{days}d_ago"].astype(float)
        change = (frame["eps_now"].astype(float) - ago) / ago.abs()
        silent = (frame[up].fillna(0) + frame[down].fillna(0) == 0) & (change.abs() > moved)
        if silent.any():
            frame.loc[silent, [up, down]] = np.nan
            first = frame.loc[silent].iloc[0]
            said.append(f"{days}-day revision counts blank: Yahoo reports 0 up and 0 down while "
                        f"its {first['period']} consensus moved {change[silent].iloc[0]:+.1%}")
    return "; ".join(said) or None


def _failure(table: str, failed: dict[str, str], partial: pd.DataFrame) -> ProviderError:
    kind = {t: classify_failure(why) for t, why in failed.items()}
    kinds = set(kind.values())
    # the request URL adds nothing a reader can act on (and carries the session crumb)
    detail = {t: why if kind[t] == "renamed" else
              f"{_LABELS.get(kind[t], kind[t].replace('_', ' '))}: "
              f"{_URL.sub('', why).replace(_NO_CHART, 'an answer with no chart in it')}"
              for t, why in failed.items()}
    cls: type[ProviderError] = ProviderError
    if kinds == {"rate_limited"}:
        cls = RateLimited
    elif kinds == {"network"}:
        cls = NetworkError
    return cls(f"Yahoo Finance returned no {table} for some tickers", detail, partial)
