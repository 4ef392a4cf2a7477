"""Read access for Excel functions: the store, kept warm in memory, with fetch-once on a miss.

A ticker a cell asks for is read from the store once per store generation and then served from
memory (microseconds). A ticker the store lacks is fetched once, batched with the other misses
of the same recalculation (a short collection window), within a time limit, and cached; a
ticker that failed is not asked again for ``retry_after`` seconds, so no recalculation storm
reaches the network.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rerating.data import model
from rerating.data.providers import SOURCE_NAMES, get_provider, is_demo_ticker
from rerating.data.providers.base import Provider
from rerating.data.refresh import refresh
from rerating.data.store import open_store
from rerating.errors import (
    CacheMiss,
    NetworkError,
    ProviderError,
    RerateError,
    StoreError,
    UnknownTicker,
)
from rerating.settings import Settings


@dataclass(frozen=True)
class AsOf:
    """Where a number came from: source label, last data date, fetch time (UTC)."""

    source: str
    last: pd.Timestamp
    fetched_at: pd.Timestamp


def _refuse_non_positive(ticker: str, rows: pd.DataFrame) -> None:
    """A close of zero or below is not a price (a placeholder row, a bad file): no function
    serves a number computed from it. Checked once, when a ticker's rows enter the cache."""
    bad = rows[(rows["close"] <= 0) | (rows["adj_close"] <= 0)]
    if len(bad):
        first = bad.iloc[0]
        raise StoreError(f"the store holds {len(bad)} close(s) of zero or below for {ticker} "
                         f"(e.g. {pd.Timestamp(first['date']):%Y-%m-%d}: {first['close']:g}, "
                         f"from {first['source']}); not a price: import a corrected file (its rows "
                         "replace these) or refresh the ticker from its source")


#: text that reads as a ticker: an exchange suffix (RELIANCE.NS, M&M.BO, X.DEMO) or an index (^NSEI)
_SYMBOL = re.compile(r"\^[A-Z0-9.\-]{1,20}|[A-Z0-9&\-]{1,20}\.[A-Z]{1,4}")


class MarketData:
    """The store as Excel functions see it. Thread-safe; one per process (see :func:`shared`)."""

    def __init__(self, settings: Settings, *, provider_for: Callable[[str], Provider] | None = None,
                 batch_window: float = 0.05, retry_after: float = 300.0,
                 recheck_every: float = 1.0, fetch_python: str | None = None) -> None:
        self.settings = settings
        #: a Python that runs ``rerating.data.fetch_worker``: live tickers are then fetched in
        #: a process of its own (the Calc host: curl_cffi cannot work inside soffice.bin)
        self.fetch_python = fetch_python
        self.store = open_store(settings)
        self._provider_for = provider_for or self._default_provider
        self.batch_window = batch_window
        self.retry_after = retry_after
        self.recheck_every = recheck_every
        self._lock = threading.RLock()
        self._generation = -1
        self._checked = 0.0
        # (table, ticker) -> rows; ("wide:<field>", tickers) and ("latest:<table>", ticker) too
        self._cache: dict[tuple[str, str], Any] = {}
        #: ticker -> (when, why, the source was unreachable): a failed fetch is not retried
        #: for ``retry_after`` seconds, and every cell asking says the same real cause
        self._failed: dict[str, tuple[float, str, bool]] = {}
        self._pending: set[str] = set()
        self._inflight: threading.Event | None = None
        self.fetches = 0  # refreshes started on a miss, for tests and benchmarks

    # -- cache ------------------------------------------------------------------------------------
    def _current(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.recheck_every:
            return
        self._checked = now
        gen = int(self.store.manifest().get("generation", 0))
        if gen != self._generation:
            self._cache.clear()
            self._generation = gen

    def invalidate(self) -> None:
        with self._lock:
            self._checked = 0.0
            self._generation = -1
            self._cache.clear()

    def _read(self, table: str, ticker: str) -> pd.DataFrame:
        return self._read_many(table, [ticker])[ticker]

    def _read_many(self, table: str, tickers: list[str]) -> dict[str, pd.DataFrame]:
        """Frames per ticker, all from one store generation; what is not cached is read in one
        store read, then cached.

        The cache only ever holds one generation. A read pins the manifest it reads; when the
        store has moved past the cache, the cache is dropped and every ticker asked for is read
        from that one manifest, so a table built from the answer never mixes two refreshes."""
        with self._lock:
            self._current()
            cached_gen = self._generation  # the cache holds this generation only
            out = {t: self._cache[(table, t)] for t in tickers if (table, t) in self._cache}
        missing = [t for t in tickers if t not in out]
        for _attempt in range(3):
            if not missing:
                return out
            try:  # one snapshot: the rows and the generation they belong to
                frame, gen = self.store.read_current(table, missing)
            except FileNotFoundError:  # collected after a newer commit: read that one
                continue
            if gen != cached_gen and len(missing) < len(tickers):
                # a refresh committed since the cache was filled: every ticker asked for is
                # read again, in one snapshot, so the answer never mixes two refreshes
                out, missing, cached_gen = {}, list(tickers), gen
                continue
            with self._lock:
                if gen > self._generation:
                    self._cache.clear()
                    self._generation = gen
                    self._checked = time.monotonic()
            key = model.TABLES[table].key[0]
            parts = dict(iter(frame.groupby(key, sort=False))) if len(frame) else {}
            empty = frame.iloc[0:0]
            with self._lock:
                keep = self._generation == gen  # else a newer commit was seen meanwhile
                for t in missing:
                    part = parts.get(t, empty)
                    if table == "prices" and len(part):
                        _refuse_non_positive(t, part)
                    # prices are served by date; keep them indexed so warm calls do no work
                    part = part.set_index("date") if table == "prices" else part.reset_index(drop=True)
                    if keep:
                        self._cache[(table, t)] = part
                    out[t] = part
            return out
        raise StoreError(f"the store at {self.store.root} kept changing while it was read; "
                         "recalculate once the refresh has finished")

    # -- public -----------------------------------------------------------------------------------
    def prices(self, ticker: str) -> pd.DataFrame:
        """Daily prices of one ticker, indexed by date (close, adj_close, volume, source)."""
        t = ticker.strip().upper()
        frame = self._read("prices", t)
        if frame.empty:
            self._fetch_missing([t])
            frame = self._read("prices", t)
            if frame.empty:
                raise self._missing(t)
        return frame

    def closes(self, tickers: Iterable[str], field: str = "close") -> pd.DataFrame:
        """Dates x tickers of one price field (outer join of dates)."""
        names = list(dict.fromkeys(t.strip().upper() for t in tickers))
        key = ("wide:" + field, "\x1f".join(names))
        with self._lock:
            self._current()
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        frames = self._read_many("prices", names)
        lacking = [t for t in names if frames[t].empty]
        if lacking:
            self._fetch_missing(lacking)
            frames = self._read_many("prices", names)
            still = [t for t in names if frames[t].empty]
            if still:
                raise self._missing(still[0])
        wide = pd.DataFrame({t: frames[t][field] for t in names}).sort_index()
        with self._lock:
            self._cache[key] = wide
        return wide

    def rows(self, table: str, tickers: Iterable[str]) -> pd.DataFrame:
        """Every stored row of ``table`` (results, consensus …) for ``tickers``, from one store
        generation, cached per ticker; nothing is fetched."""
        names = list(dict.fromkeys(t.strip().upper() for t in tickers))
        parts = [f for f in self._read_many(table, names).values() if len(f)]
        return pd.concat(parts, ignore_index=True) if parts else model.empty(model.TABLES[table])

    def snapshots(self, table: str, tickers: Iterable[str]) -> dict[str, pd.DataFrame]:
        """The latest snapshot rows per ticker (tickers without any are left out)."""
        names = list(dict.fromkeys(t.strip().upper() for t in tickers))
        out = {}
        frames = None
        for t in names:
            with self._lock:
                hit = self._cache.get(("latest:" + table, t))
            if hit is None:
                if frames is None:
                    frames = self._read_many(table, names)
                frame = frames[t]
                hit = frame[frame["as_of"] == frame["as_of"].max()] if len(frame) else frame
                with self._lock:
                    self._cache[("latest:" + table, t)] = hit
            if len(hit):
                out[t] = hit
        return out

    def snapshot(self, table: str, ticker: str, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
        """The latest fundamentals or estimates rows of a ticker on or before ``as_of``."""
        t = ticker.strip().upper()
        frame = self._read(table, t)
        if frame.empty:
            self._fetch_missing([t])
            frame = self._read(table, t)
            if frame.empty and self._failed.get(t, (0, "", False))[2]:
                raise self._missing(t)  # the network, not a missing table, is the cause
            if frame.empty:
                raise CacheMiss(f"the store has no {table} for {t}; run `rerating data refresh "
                                f"--tickers {t}`")
        if as_of is not None:
            frame = frame[frame["as_of"] <= as_of]
            if frame.empty:
                raise CacheMiss(f"no {table} for {t} on or before {as_of.date()}")
            return frame[frame["as_of"] == frame["as_of"].max()]
        # the latest snapshot, kept with the generation's frames: a comps sheet asks it once
        # per cell (2,250 RR_INFO cells spent 2 of their 2.8 s filtering the same rows again)
        key = ("latest:" + table, t)
        with self._lock:
            hit = self._cache.get(key)
        if hit is None:
            hit = frame[frame["as_of"] == frame["as_of"].max()]
            with self._lock:
                self._cache[key] = hit
        return hit

    def latest_row(self, table: str, ticker: str) -> dict[str, Any]:
        """The latest snapshot's last row as a dict (RR_INFO's fields of one ticker), kept with
        the generation's frames: turning the row into a dict was half of a per-cell comps
        sheet's time, asked again in every cell of the ticker's row."""
        t = ticker.strip().upper()
        frame = self.snapshot(table, t)  # a miss is fetched, or said, as before
        key = ("row:" + table, t)
        with self._lock:
            hit = self._cache.get(key)
        if hit is None:
            hit = frame.iloc[-1].to_dict()
            with self._lock:
                self._cache[key] = hit
        return dict(hit)

    def latest_field(self, table: str, tickers: Iterable[str], field: str) -> dict[str, Any]:
        """One field of the latest snapshot per ticker (e.g. sector), cached per generation."""
        names = list(dict.fromkeys(t.strip().upper() for t in tickers))
        key = (f"field:{table}:{field}", "\x1f".join(names))
        with self._lock:
            self._current()
            hit = self._cache.get(key)
        if hit is None:
            snaps = self.snapshots(table, names)
            hit = {t: f[field].iat[-1] for t, f in snaps.items()}
            with self._lock:
                self._cache[key] = hit
        return dict(hit)

    def valued(self) -> set[str]:
        """Tickers with an index valuation history (P/E, P/B, yield), cached per generation."""
        with self._lock:
            self._current()
            hit = self._cache.get(("valued", ""))
        if hit is None:
            hit = {c.ticker for c in self.store.coverage("index_valuation")}
            with self._lock:
                self._cache[("valued", "")] = hit
        return set(hit)

    def index_valuation(self, index: str) -> pd.DataFrame:
        t = index.strip().upper()
        frame = self._read("index_valuation", t)
        if frame.empty:
            raise CacheMiss(f"the store has no valuation history for {t}; import the NSE P/E "
                            "file with `rerating data import index-valuation`")
        return frame.set_index("date")

    def asof(self, ticker: str | None = None) -> AsOf:
        cov = [c for c in self.store.coverage("prices") if ticker is None or c.ticker == ticker.upper()]
        if not cov:
            if ticker is not None:
                self.prices(ticker)
                return self.asof(ticker)
            raise CacheMiss("the store is empty; run `rerating data refresh`")
        last = max(c.last for c in cov if c.last is not None)
        sources = sorted({c.source for c in cov})
        return AsOf(", ".join(sources), last, max(c.fetched_at for c in cov))

    # -- fetch on miss ----------------------------------------------------------------------------
    def prefetch(self, tickers: Iterable[str]) -> list[str]:
        """Fetch, in one batch, the tickers among ``tickers`` the store lacks, before the cells
        that name them run one after another (``rerating serve`` answers a recalculation's
        calls in order, so each miss would otherwise be fetched on its own). Only text that
        reads as a symbol counts (``TCS.NS``, ``^NSEI``, ``X.DEMO``); a ticker that failed a
        moment ago, or a live one offline, is left to its cell, which says why. A failure here
        is remembered as a cell's would be. Returns the tickers asked for."""
        names = sorted({t.strip().upper() for t in tickers
                        if isinstance(t, str) and _SYMBOL.fullmatch(t.strip().upper())})
        if not names:
            return []
        frames = self._read_many("prices", names)
        now = time.monotonic()
        with self._lock:
            missing = [t for t in names if frames[t].empty and not (
                t in self._failed and now - self._failed[t][0] < self.retry_after)]
        if self.settings.offline:
            missing = [t for t in missing if is_demo_ticker(t)]
        if missing:
            with contextlib.suppress(RerateError):  # each cell that names one says why
                self._fetch_missing(missing)
        return missing

    def _default_provider(self, ticker: str) -> Provider:
        if is_demo_ticker(ticker):
            return get_provider("demo")
        return get_provider("yahoo", max_workers=self.settings.max_workers,
                            timeout=self.settings.fetch_timeout, retries=1)

    def _fetch_missing(self, tickers: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            for t in tickers:
                failed = self._failed.get(t)
                if failed and now - failed[0] < self.retry_after:
                    raise self._missing(t, f"fetch failed {now - failed[0]:.0f}s ago: ")
            live = [t for t in tickers if not is_demo_ticker(t)]
            if live and self.settings.offline:
                raise CacheMiss(f"{live[0]} is not in the store and offline mode forbids fetching it")
            self._pending.update(tickers)
            leader = self._inflight is None
            if leader:
                self._inflight = threading.Event()
            event = self._inflight
        if not leader:
            event.wait(self.settings.fetch_timeout + 5)
            return
        time.sleep(self.batch_window)  # let the other cells of this recalculation join
        with self._lock:
            batch = sorted(self._pending)
            self._pending.clear()
        try:
            self._refresh_batch(batch)
        finally:
            with self._lock:
                self._inflight = None
                self._checked = 0.0
            event.set()

    def _refresh_batch(self, batch: list[str]) -> None:
        groups: dict[str, list[str]] = {}
        for t in batch:
            groups.setdefault("demo" if is_demo_ticker(t) else "live", []).append(t)
        for kind, names in groups.items():
            if kind == "live" and self.fetch_python:
                self._fetch_elsewhere(names)
                continue
            provider = self._provider_for(names[0])
            self.fetches += 1
            unreachable = False
            try:
                report = refresh(self.store, provider, names,
                                 start="2005-01-01" if provider.name == "demo" else None)
                failed = report.failures.get("prices", {})
                if report.unreachable:  # the first answer said no network: nobody was asked
                    unreachable = True
                    failed = {t: f"{SOURCE_NAMES.get(provider.name, provider.name)} cannot be "
                                 f"reached: no network ({report.unreachable})" for t in names}
            except NetworkError as exc:
                unreachable = True
                failed = {t: f"{SOURCE_NAMES.get(provider.name, provider.name)} cannot be "
                             f"reached: no network ({exc})" for t in names}
            except ProviderError as exc:
                failed = exc.failures or {t: str(exc) for t in names}
            except UnknownTicker as exc:
                failed = {exc.ticker: str(exc)}
            self._remember(failed, {t: unreachable for t in failed})

    def _remember(self, failed: dict[str, str], unreachable: dict[str, bool]) -> None:
        """Failed fetches, for the cells that name them: a source that cannot be reached is
        said in one short line (a cell is no place for curl's 250 characters), its details
        go to the log file `rerating doctor` shows."""
        from rerating.tracebacks import FETCH_FAILED, note

        short = {}
        for t, why in failed.items():
            if unreachable[t] and " (" in why:
                short[t] = why.split(" (", 1)[0] + " (details: rerating doctor)"
            else:
                short[t] = why
        detailed = {why for t, why in failed.items() if short[t] != why}
        for why in sorted(detailed):
            names = sorted(t for t, w in failed.items() if w == why)
            note(f"{', '.join(names[:10])}: {why}", FETCH_FAILED, self.settings.log_file)
        with self._lock:
            for t, why in short.items():
                self._failed[t] = (time.monotonic(), why, unreachable[t])
            self._cache.clear()

    def _fetch_elsewhere(self, names: list[str]) -> None:
        """Fetch ``names`` with :mod:`rerating.data.fetch_worker` in a process of its own; its
        failures are remembered here as if fetched here."""
        import json
        import subprocess

        self.fetches += 1
        cmd = [str(self.fetch_python), "-m", "rerating.data.fetch_worker", *names]
        said = ""
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                                  timeout=self.settings.fetch_timeout * 3 + 30)
            said = proc.stderr
            answer = json.loads(proc.stdout.strip().splitlines()[-1])["failed"]
            failed = {t: (f["why"], bool(f["unreachable"])) for t, f in answer.items()}
        except (OSError, subprocess.TimeoutExpired, ValueError, IndexError, KeyError) as exc:
            tail = " ".join((said or str(exc)).split())[-200:]
            failed = {t: (f"the fetch process ({self.fetch_python}) failed: {tail}", False)
                      for t in names}
        self._remember({t: why for t, (why, _) in failed.items()},
                       {t: u for t, (_, u) in failed.items()})
        with self._lock:
            self._checked = 0.0  # the worker committed to the store: look at it again
            self._generation = -1

    def _missing(self, t: str, when: str = "") -> RerateError:
        """Why ``t`` has no prices: the network when the source could not be reached (from the
        first call on, not only the second), else an unknown ticker with the source's words."""
        failed = self._failed.get(t)
        if failed is None:
            return UnknownTicker(t, hint="no prices in the store or from the source")
        if failed[2]:
            return CacheMiss(f"{t} is not in the store and {failed[1]}")
        return UnknownTicker(t, hint=f"{when}{failed[1]}")


_shared: MarketData | None = None
_shared_lock = threading.Lock()


def shared() -> MarketData:
    """The process-wide instance, built from the environment on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MarketData(Settings.from_env())
        return _shared


def use(data: MarketData | None) -> None:
    """Replace the process-wide instance (tests, benchmarks, a CLI flag)."""
    global _shared
    with _shared_lock:
        _shared = data


__all__ = ["AsOf", "MarketData", "model", "shared", "use"]
