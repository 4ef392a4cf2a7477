"""NSE's own daily files: every index's close and valuation, every stock's close, one file each.

For every trading day NSE's archive publishes ``ind_close_all_DDMMYYYY.csv`` (each NSE index's
close, P/E, P/B and dividend yield) and an equity bhavcopy (each security's close and volume:
the UDiFF ``BhavCopy_NSE_CM_0_0_0_YYYYMMDD_F_0000.csv.zip`` from 8 July 2024,
``sec_bhavdata_full_DDMMYYYY.csv`` before it). Two requests bring a whole day of the market,
where Yahoo needs one per ticker. Each full bhavcopy has a twin: ``sec_bhavdata_full`` is still
published beside the UDiFF zip, and the legacy ``cmDDMONYYYYbhav.csv.zip`` (until 5 July 2024)
beside ``sec_bhavdata_full``; when one is missing or bad the other is asked for before the day is
called failed, and the store records which file was read. The files are read by the importer's own
layouts (``providers/files.py``), so a file fetched and a file downloaded by hand read alike.

The archive is a public static host; this client is polite to it: at most ``max_workers``
requests at once and ``rate`` requests a second in all, a User-Agent naming the tool, and
backoff on 403, 429 and 5xx answers (``Retry-After`` honoured). A holiday is never asked for
(the NSE calendar from ``exchange_calendars``); a 404 on a trading day is a named failure, and
so is an answer that is not the file asked for (NSE answers some blocked clients with a web
page, a cut-off zip, a file of another day).

Corporate actions come from nseindia.com's JSON API behind the site's cookies (a first request
to the home page sets them), where reachable; the CSV the site's page exports is read by
``rerating data import actions``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rerating import __version__
from rerating.data import model
from rerating.data.parsing import TextTable, is_web_page
from rerating.data.providers.base import Provider, Query
from rerating.errors import InputError, NetworkError, ProviderError, RateLimited

ARCHIVE = "https://nsearchives.nseindia.com"
SITE = "https://www.nseindia.com"
#: the UDiFF common bhavcopy replaced sec_bhavdata_full as NSE's full bhavcopy on this day
UDIFF_FROM = pd.Timestamp("2024-07-08")
USER_AGENT = (f"Mozilla/5.0 (compatible; rerating-desk/{__version__}; end-of-day research "
              "tool; +https://pypi.org/project/rerating/)")
#: the two kinds of daily file, as the store records which days it has read
INDICES, EQUITIES = "nse:indices", "nse:equities"
KINDS = (INDICES, EQUITIES)
_RETRIED = {403, 429, 500, 502, 503, 504}
_NO_DNS = re.compile(r"resolve|name or service not known|nodename nor servname|getaddrinfo|"
                     r"temporary failure in name resolution|no address associated", re.I)


def file_name(kind: str, day: pd.Timestamp) -> str:
    """The name NSE gives the file of ``kind`` for ``day``."""
    if kind == INDICES:
        return f"ind_close_all_{day:%d%m%Y}.csv"
    if day >= UDIFF_FROM:
        return f"BhavCopy_NSE_CM_0_0_0_{day:%Y%m%d}_F_0000.csv.zip"
    return f"sec_bhavdata_full_{day:%d%m%Y}.csv"


def alternate_name(kind: str, day: pd.Timestamp) -> str | None:
    """The day's other full bhavcopy, asked for when :func:`file_name`'s is missing or bad:
    ``sec_bhavdata_full`` beside the UDiFF zip (NSE still publishes it after July 2024), and the
    legacy ``cmDDMONYYYYbhav.csv.zip`` before it (published until 5 July 2024). None for the
    index file, which has no twin."""
    if kind != EQUITIES:
        return None
    if day >= UDIFF_FROM:
        return f"sec_bhavdata_full_{day:%d%m%Y}.csv"
    return f"cm{day:%d}{day.strftime('%b').upper()}{day:%Y}bhav.csv.zip"


def file_url(kind: str, day: pd.Timestamp, base: str = ARCHIVE, name: str | None = None) -> str:
    """Where NSE's archive serves it (``name``: one of the day's files by its name)."""
    name = name or file_name(kind, day)
    if kind == INDICES:
        return f"{base}/content/indices/{name}"
    if name.startswith("BhavCopy_"):
        return f"{base}/content/cm/{name}"
    if name.startswith("cm"):
        return f"{base}/content/historical/EQUITIES/{day:%Y}/{name[4:7]}/{name}"
    return f"{base}/products/content/{name}"


class BadFile(InputError):
    """An answer that is not the file asked for: a web page, a broken zip, another day."""


@dataclass(eq=False)  # one fetched file: compared by identity, never by its frames
class DayFile:
    """One day's file of one kind: what it held (canonical tables) or why it failed."""

    kind: str
    day: pd.Timestamp
    name: str
    prices: pd.DataFrame = field(default_factory=lambda: model.empty(model.PRICES))
    index_valuation: pd.DataFrame = field(
        default_factory=lambda: model.empty(model.INDEX_VALUATION))
    failure: str | None = None
    unreachable: bool = False
    notes: list[str] = field(default_factory=list)
    data: bytes | None = None  # the answer, until it is read
    ctype: str = ""
    #: the day's other bhavcopy was asked for already (see NSEProvider._alternate)
    tried: bool = False

    @property
    def rows(self) -> int:
        return len(self.prices) + len(self.index_valuation)


class NSEProvider(Provider):
    """NSE's daily archive files (and, where reachable, its corporate actions)."""

    name = "nse"
    source = model.SOURCE_NSE
    tables = frozenset({"prices", "index_valuation"})

    def __init__(self, session: Any = None, *, max_workers: int = 2, rate: float = 3.0,
                 timeout: float = 30.0, retries: int = 4, backoff: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, base_url: str = ARCHIVE,
                 site_url: str = SITE, index_map: Any = None) -> None:
        super().__init__()
        import requests

        from rerating.data.indices import IndexMap

        self.session = session if session is not None else requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "text/csv,*/*",
                                     "Accept-Encoding": "gzip, deflate"})
        self.max_workers = max(1, int(max_workers))
        self.rate = float(rate)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self.base_url = base_url.rstrip("/")
        self.site_url = site_url.rstrip("/")
        self.index_map = index_map or IndexMap()
        self._pace_lock = threading.Lock()
        self._next_slot = 0.0
        self._days: dict[tuple[str, pd.Timestamp], DayFile] = {}

    # -- the contract: tables for tickers over a window ------------------------------------------
    def extract_data(self, table: str, query: Query) -> Any:
        end = query.end or pd.Timestamp.today().normalize()
        start = query.start or end
        index = [self.index_map.is_index_symbol(t) for t in query.tickers]
        kinds = [INDICES] if table == "index_valuation" or all(index) else \
            [EQUITIES] if not any(index) else list(KINDS)
        before = sum(self.requests.get(k, 0) for k in KINDS)
        files = [self.day_file(k, d) for d in self.sessions(start, end) for k in kinds]
        self._count(table, sum(self.requests.get(k, 0) for k in KINDS) - before)
        return files

    def transform_data(self, table: str, query: Query, raw: Any) -> pd.DataFrame:
        files: list[DayFile] = raw
        wanted = set(query.tickers)
        parts = [getattr(f, table) for f in files if not getattr(f, table).empty]
        key = model.TABLES[table].key[0]
        frame = pd.concat(parts, ignore_index=True) if parts else model.empty(model.TABLES[table])
        frame = self._conform(table, frame[frame[key].isin(wanted)])
        failed = [f for f in files if f.failure]
        if failed:
            why = f"{failed[0].name}: {failed[0].failure}" + \
                (f" (and {len(failed) - 1} more files)" if len(failed) > 1 else "")
            kind = NetworkError if all(f.unreachable for f in failed) else ProviderError
            raise kind("NSE's archive did not give every day asked for",
                       {t: why for t in sorted(wanted - set(frame[key]))} or
                       {t: why for t in sorted(wanted)}, partial=frame)
        return frame

    # -- one day's file ---------------------------------------------------------------------------
    def day_file(self, kind: str, day: pd.Timestamp) -> DayFile:
        """The file of ``kind`` for ``day``, fetched once per provider and read."""
        day = pd.Timestamp(day).normalize()
        if (kind, day) not in self._days:
            self._days[(kind, day)] = self._fetch_day(kind, day)
        return self._days[(kind, day)]

    def _fetch_day(self, kind: str, day: pd.Timestamp) -> DayFile:
        got = self.fetch_raw(kind, day)
        self.read([got])
        return got

    def fetch_raw(self, kind: str, day: pd.Timestamp) -> DayFile:
        """The answer for one day's file, not yet read (I/O only: safe in worker threads).
        When the day's full bhavcopy is missing or plainly not the file, its twin
        (:func:`alternate_name`) is asked for before the day is called failed."""
        got = self._fetch_named(kind, day, file_name(kind, day))
        if got.failure and not got.unreachable:
            got = self._alternate(got) or got
        return got

    def _fetch_named(self, kind: str, day: pd.Timestamp, name: str) -> DayFile:
        got = DayFile(kind, day, name)
        try:
            status, data, ctype = self._get(file_url(kind, day, self.base_url, name), kind)
        except NetworkError as exc:
            got.failure, got.unreachable = str(exc), True
            return got
        if status == 404:
            got.failure = (f"NSE has no {name} for {day:%a %d %b %Y}, a trading day by the "
                           "NSE calendar (HTTP 404): not published yet, or an unscheduled "
                           "closure; asked again at the next refresh")
        elif status != 200:
            got.failure = f"HTTP {status} for {name} after {self.retries} retries"
        else:
            try:
                _check_body(name, data, ctype)
            except InputError as exc:
                got.failure = f"not the file asked for: {str(exc).removeprefix(name + ': ')}"
                return got
            got.data, got.ctype = data, ctype
        return got

    def _alternate(self, failed: DayFile) -> DayFile | None:
        """The day's other full bhavcopy in place of ``failed`` (None when there is none).
        Either way the answer names both files: which was read, or why neither could be."""
        other = alternate_name(failed.kind, failed.day)
        if other is None or failed.tried:
            return None
        got = self._fetch_named(failed.kind, failed.day, other)
        got.tried = True
        if got.failure:
            failed.tried = True
            failed.unreachable = False
            failed.failure = f"{failed.failure}; {other}, asked instead: {got.failure}"
            return failed
        got.notes = [f"read {other} in place of {failed.name} ({failed.failure})"]
        return got

    def read(self, files: list[DayFile]) -> None:
        """Read fetched files in one batch (the importer's layouts, many days as one table),
        each into its tables or its failure."""
        from rerating.data.providers.files import ImportOptions, read_batch

        todo = [f for f in files if f.data is not None]
        got = read_batch([(f.data, f.name) for f in todo],  # type: ignore[misc]
                         ImportOptions(index_map=self.index_map, source=self.source))
        for f, imported in zip(todo, got, strict=True):
            f.data = None
            try:
                if isinstance(imported, InputError):
                    raise imported
                _check_day(f.name, f.day, imported.prices, imported.index_valuation)
            except InputError as exc:
                f.failure = f"not the file asked for: {str(exc).removeprefix(f.name + ': ')}"
                other = self._alternate(f)
                if other is not None and other is not f:  # the day's twin, read alone
                    self.read([other])
                    if other.failure:
                        f.failure = f"{f.failure}; {other.name}, asked instead: {other.failure}"
                        f.tried = True
                    else:
                        f.__dict__.update(other.__dict__)
                continue
            f.prices, f.index_valuation = imported.prices, imported.index_valuation
            # what each day's file says alike (rows skipped, names mapped, closes as traded)
            # is routine; what is left is about this day (printed month-first, say)
            f.notes = [*f.notes, *(n for n in imported.notes if not _ROUTINE.match(n))]

    def _get(self, url: str, table: str) -> tuple[int, bytes, str]:
        """One GET, paced and retried; (status, body, content type). Raises NetworkError when
        the host cannot be reached at all."""
        import requests

        for attempt in range(self.retries + 1):
            self._wait_turn()
            self._count(table)
            try:
                r = self.session.get(url, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                # no name resolution is no network: asking again only makes the user wait
                if attempt == self.retries or _NO_DNS.search(str(exc)):
                    raise NetworkError(f"{type(exc).__name__}: {_cause(exc)}") from None
                self._sleep(self.backoff * 2 ** attempt)
                continue
            if r.status_code in _RETRIED and attempt < self.retries:
                wait = _retry_after(r.headers.get("Retry-After"), self.backoff * 2 ** attempt)
                self._sleep(wait)
                continue
            if r.status_code == 429:
                raise RateLimited(f"NSE's archive refused {url.rsplit('/', 1)[-1]}: too many "
                                  "requests (HTTP 429) after backing off")
            return r.status_code, r.content, r.headers.get("Content-Type", "")
        raise AssertionError("unreachable")

    def _wait_turn(self) -> None:
        """At most ``rate`` requests a second, across threads."""
        if self.rate <= 0:
            return
        with self._pace_lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.rate
        if slot > now:
            self._sleep(slot - now)

    # -- nseindia.com's JSON, behind its cookies --------------------------------------------------
    def _site_json(self, path: str, what: str, table: str) -> Any:
        """The site's answer to ``path`` (its home page first, for the cookies it sets)."""
        import requests

        try:
            self._wait_turn()
            self._count(table)
            self.session.get(self.site_url + "/", timeout=self.timeout)  # sets the cookies
            self._wait_turn()
            self._count(table)
            r = self.session.get(self.site_url + path, timeout=self.timeout, headers={
                "Accept": "application/json", "Referer": f"{self.site_url}/companies-listing/"
                "corporate-filings-actions"})
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise NetworkError(f"cannot reach nseindia.com: {type(exc).__name__}") from None
        if r.status_code != 200:
            raise ProviderError(f"nseindia.com answered HTTP {r.status_code} for its {what} (the "
                                "site refuses clients without its cookies or from some networks)")
        try:
            doc = r.json()
        except ValueError:
            raise ProviderError(f"nseindia.com answered its {what} with no JSON (a web "
                                "page)") from None
        return doc.get("data", []) if isinstance(doc, dict) else doc

    def results_dates(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """Board meetings for financial results announced between two dates, from NSE's event
        calendar (``symbol``, ``company``, ``purpose``, ``bm_desc``, ``date`` as ``09-Mar-2026``)."""
        records = self._site_json(f"/api/event-calendar?index=equities&from_date={start:%d-%m-%Y}"
                                  f"&to_date={end:%d-%m-%Y}", "event calendar", "results_dates")
        rows = [r for r in records if isinstance(r, dict) and re.search(
            r"result", f"{r.get('purpose', '')} {r.get('bm_desc', '')}", re.I)]
        if not rows:
            return model.empty(model.RESULTS_DATES)
        f = pd.DataFrame(rows)
        when = pd.to_datetime(f["date"], format="%d-%b-%Y", errors="coerce")
        bad = f[when.isna()]
        if not bad.empty:
            raise ProviderError(f"nseindia.com's event calendar dates {bad['date'].iloc[0]!r} "
                                "for a board meeting, not DD-Mon-YYYY; nothing stored from it")
        out = pd.DataFrame({"ticker": f["symbol"].str.strip().str.upper() + ".NS", "date": when,
                            "purpose": f["purpose"].astype(str).str.strip(),
                            "detail": f.get("bm_desc", pd.Series("", index=f.index))
                            .astype(str).str.slice(0, 200)})
        return self._conform("results_dates", out, source=f"{self.source}:event-calendar")

    # -- corporate actions --------------------------------------------------------------------------
    def corporate_actions(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """NSE's corporate actions with ex-dates in the window, from nseindia.com's JSON API
        (its cookies first), read by the same reader as the CSV its page exports."""
        from rerating.data.providers.files import _read_actions, recognise

        try:
            records = self._site_json(
                f"/api/corporates-corporateActions?index=equities&from_date={start:%d-%m-%Y}"
                f"&to_date={end:%d-%m-%Y}", "corporate actions", "corporate_actions")
        except ProviderError as exc:
            if isinstance(exc, NetworkError):
                raise
            raise ProviderError(f"{exc}: download the CSV from its Corporate Actions page and "
                                "run `rerating data import actions FILE`") from None
        name = f"corporates-corporateActions {start:%d-%m-%Y} to {end:%d-%m-%Y}"
        if not records:
            return model.empty(model.CORPORATE_ACTIONS)
        # the API's keys, under the names of the CSV the site exports
        rows = pd.DataFrame(records).rename(columns={
            "symbol": "SYMBOL", "comp": "COMPANY NAME", "series": "SERIES",
            "subject": "PURPOSE", "faceVal": "FACE VALUE", "exDate": "EX-DATE",
            "recDate": "RECORD DATE"})
        rows = rows.astype(str).apply(lambda c: c.str.strip())
        table = TextTable(name, rows.reset_index(drop=True), "UTF-8", ",")
        from rerating.data.providers.files import ImportOptions, _columns

        cols = _columns(table)
        recognise(table, cols)  # the same required columns as the CSV
        got = _read_actions(table, cols, ImportOptions())
        assert got.actions is not None
        return got.actions.assign(source=f"{self.source}:corporate-actions-api")


_ROUTINE = re.compile(r"skipped |index names |\d+ index name|bhavcopy closes are as traded|"
                      r"dates read |dates are unambiguous")


def _cause(exc: Exception) -> str:
    """The innermost words of a requests failure ("Failed to resolve 'nsearchives…'")."""
    text = str(exc)
    m = re.search(r"\((?:Caused by )?\w+Error\((.*)\)\)\s*$", text)
    inner = m[1] if m else text
    return re.sub(r"^[\"']|[\"']$", "", inner)[:200]


def _retry_after(header: str | None, default: float) -> float:
    try:
        return min(max(float(header), 0.0), 300.0) if header else default
    except ValueError:
        return default


def _check_body(name: str, data: bytes, ctype: str) -> None:
    """Refuse what is plainly not the file: a web page, an empty answer, a zip that is none."""
    if not data.strip():
        raise BadFile(f"{name}: the answer was empty")
    if is_web_page(data, ctype) or data[:512].lstrip().lower().startswith(b"<?xml"):
        raise BadFile(f"{name}: a web page came back where a CSV was expected (NSE answers "
                      "some blocked clients this way); try later or from another network")
    if name.endswith(".zip"):
        if not data.startswith(b"PK\x03\x04"):
            raise BadFile(f"{name}: the answer is not a zip file")
        return  # a cut-off zip fails its own directory and CRC checks when read
    # NSE writes whole lines; an answer cut short mid-line may still parse, with its last
    # number cut (".6" for ".62"): a wrong number that looks right, so refuse it
    lines = data.rstrip(b"\r\n").split(b"\n")
    if len(lines) > 1 and lines[-1].count(b",") < lines[0].count(b","):
        raise BadFile(f"{name}: cut off: its last line has {lines[-1].count(b',') + 1} of the "
                      f"header's {lines[0].count(b',') + 1} fields")
    if not data.endswith(b"\n"):
        raise BadFile(f"{name}: cut off: it ends mid-line, without the line break NSE ends "
                      "every line with")


def _check_day(name: str, day: pd.Timestamp, prices: pd.DataFrame,
               valuation: pd.DataFrame) -> None:
    """A file must hold the day it is named for, and only that day."""
    days = {pd.Timestamp(d) for f in (prices, valuation) for d in f["date"].unique()}
    if days != {day}:
        shown = ", ".join(f"{d:%Y-%m-%d}" for d in sorted(days)[:3])
        raise BadFile(f"{name}: holds {shown}, not {day:%Y-%m-%d} (a file for another day)")
