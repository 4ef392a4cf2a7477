"""Bring the store up to date from a provider, asking only for what it lacks.

Prices and index valuations are incremental: each ticker is asked for the sessions after the
last one stored, and tickers with the same gap are fetched in one batch. Snapshots
(fundamentals, estimates, EPS history) are fetched again when older than ``snapshot_max_age``.
Each table is published in its own atomic commit, so a killed refresh keeps what finished.

Sources re-base history: after a split or bonus Yahoo divides every earlier close, and after a
dividend every earlier adjusted close. Appending new sessions to history stored on the old basis
would manufacture a jump (a 2:1 split reads as a 50% crash). So each incremental fetch starts at
the last stored session, and when the source's value for that session no longer matches the
stored one, the ticker's whole history is fetched again and replaces what was stored; the report
says so (``rebased``). One-day moves no listed stock makes (a close halving or doubling) are
kept but reported (``warnings``): a source that has not yet adjusted a split shows them.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from rerating.data import model
from rerating.data.actions import JUMP_BOUNDS
from rerating.data.indices import IndexMap
from rerating.data.providers.base import Provider, Query
from rerating.data.store import Store
from rerating.errors import NetworkError, ProviderError

#: called with (step description, units done, units total)
Progress = Callable[[str, int, int], None]

SNAPSHOT_MAX_AGE = pd.Timedelta(hours=12)
#: a long refresh commits what has arrived at least this often (seconds)
CHECKPOINT_SECONDS = 30.0
DEFAULT_TABLES = ("prices", "fundamentals", "estimates", "eps_history", "index_valuation")


@dataclass
class RefreshReport:
    """What a refresh did: rows written per table, tickers skipped as current, failures."""

    source: str
    rows: dict[str, int] = field(default_factory=dict)
    up_to_date: dict[str, int] = field(default_factory=dict)
    failures: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    #: tickers whose stored history the source had re-based, so fetched again in full (why)
    rebased: dict[str, dict[str, str]] = field(default_factory=dict)
    #: rows kept but worth a look: one-day moves no listed stock makes (what and when)
    warnings: dict[str, dict[str, str]] = field(default_factory=dict)
    #: what the source said that is no failure: a stock with no analyst coverage has no
    #: estimates to store (table -> ticker -> what)
    notes: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the source could not be reached at all (the first such error): the refresh stopped at
    #: once rather than failing every ticker of every table the same way
    unreachable: str | None = None
    #: stopped by Ctrl-C: what had arrived was committed
    interrupted: bool = False
    #: Ctrl-C came while a commit was being written: that commit was not published
    commit_lost: bool = False
    #: tickers done and planned per table (what an interrupted refresh got through)
    progress: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def failed_tickers(self) -> set[str]:
        return {t for per in self.failures.values() for t in per}


def refresh(store: Store, provider: Provider, tickers: Iterable[str], *,
            start: object = None, end: object = None,
            tables: Iterable[str] = DEFAULT_TABLES, batch_size: int = 50,
            snapshot_max_age: pd.Timedelta = SNAPSHOT_MAX_AGE,
            progress: Progress | None = None,
            checkpoint_seconds: float = CHECKPOINT_SECONDS) -> RefreshReport:
    """Fetch what ``store`` lacks for ``tickers`` from ``provider`` and commit it.

    What has arrived is committed at least every ``checkpoint_seconds`` (and at the end of each
    table), so a long refresh (Nifty 500, 20 years) that is interrupted or killed keeps what it
    fetched, and running it again asks only for the rest."""
    wanted = Query.of(list(tickers), start, end)
    end_ts = wanted.end or pd.Timestamp.today().normalize()
    report = RefreshReport(provider.source)
    tables = [t for t in tables if t in provider.tables]
    indices = [t for t in wanted.tickers if _is_index(provider, t)]
    companies = [t for t in wanted.tickers if t not in indices]
    probed = False
    for table in tables:
        # Indices have prices and valuations; companies have prices and everything else.
        names = {"prices": wanted.tickers, "index_valuation": indices}.get(table, companies)
        if not names:
            continue
        if table in ("prices", "index_valuation"):
            plan = _incremental_plan(store, provider, table, names, wanted.start, end_ts)
        else:
            plan = _snapshot_plan(store, table, names, snapshot_max_age,
                                  history_start=wanted.start)
        report.up_to_date[table] = len(names) - sum(len(v) for v in plan.values())
        total = sum(len(v) for v in plan.values())
        try:
            with store.writer() as w:
                try:
                    probed = _fetch_plan(provider, store, w, table, plan, end_ts, batch_size,
                                         report, progress, checkpoint_seconds, total, probed)
                except KeyboardInterrupt:
                    # leaving the block normally commits every whole batch that arrived;
                    # running the refresh again asks only for the rest
                    report.interrupted = True
        except KeyboardInterrupt:
            # a second Ctrl-C, or one during the commit itself: that commit is not
            # published (the store keeps the one before), and the writer's lock is released
            report.interrupted = report.commit_lost = True
        if report.unreachable or report.interrupted:
            break
    report.requests = dict(provider.requests)
    report.notes = {t: dict(v) for t, v in provider.notices.items() if v}
    return report


def _fetch_plan(provider: Provider, store: Store, w, table: str,  # type: ignore[no-untyped-def]
                plan: dict, end_ts: pd.Timestamp, batch_size: int, report: RefreshReport,
                progress: Progress | None, checkpoint_seconds: float, total: int,
                probed: bool) -> bool:
    """One table's plan, batch by batch, into the writer ``w`` (checkpointed). Returns whether
    the source has been probed with one ticker yet."""
    done = 0
    report.progress[table] = (0, total)
    last_commit = time.monotonic()
    for first, group in plan.items():
        batches = [group[i:i + batch_size] for i in range(0, len(group), batch_size)]
        if not probed and provider.name != "demo" and len(batches[0]) > 1:
            # one ticker first: a source out of reach is then said after one request,
            # not after fifty failed ones (12 s with no network, against about 1 s)
            batches = [batches[0][:1], batches[0][1:], *batches[1:]]
        probed = True
        for batch in batches:
            query = Query(tuple(batch), first, end_ts if first is not None else None,
                          None)
            frame = _fetch(provider, table, query, report, may_stop=True)
            if report.unreachable:
                break
            if table == "prices" and not frame.empty:
                frame = _keep_one_basis(store, w, provider, frame, query, report)
                _flag_jumps(frame, report)
                _flag_gaps(provider, frame, report)
            w.upsert(table, frame)
            report.rows[table] = report.rows.get(table, 0) + len(frame)
            done += len(batch)
            report.progress[table] = (done, total)
            if time.monotonic() - last_commit >= checkpoint_seconds:
                w.commit()  # a checkpoint: an interruption now loses nothing fetched
                last_commit = time.monotonic()
            if progress:
                progress(table, done, total)
        if report.unreachable:
            break
    return probed


#: relative difference between a stored close and the source's close for the same session
#: above which the source has re-based the history (Yahoo's float noise is far below)
REBASE_TOLERANCE = 2e-4


def _fetch(provider: Provider, table: str, query: Query, report: RefreshReport, *,
           may_stop: bool = False) -> pd.DataFrame:
    """What the source returned; failures recorded in ``report`` and what did arrive kept."""
    try:
        return provider.fetch(table, query)
    except NetworkError as exc:
        # Nothing has got through since the refresh began: the source is out of reach, and
        # every further ticker and table would fail the same way. Say it once and stop.
        if may_stop and (exc.partial is None or exc.partial.empty) \
                and not any(report.rows.values()):
            report.unreachable = next(iter(exc.failures.values()), str(exc))
            return model.empty(model.TABLES[table])
        report.failures.setdefault(table, {}).update(exc.failures)
        return exc.partial
    except ProviderError as exc:
        report.failures.setdefault(table, {}).update(exc.failures)
        if exc.partial is not None:
            return exc.partial
        return model.empty(model.TABLES[table])


def _keep_one_basis(store: Store, w, provider: Provider, frame: pd.DataFrame,  # type: ignore[no-untyped-def]
                    query: Query, report: RefreshReport) -> pd.DataFrame:
    """Compare the overlapping session with the store; re-fetch re-based tickers in full.

    Returns ``frame`` without the re-based tickers (their full history is staged instead)."""
    if query.start is None:
        return frame
    stored = store.read("prices", query.tickers, start=query.start, end=query.start,
                        columns=["ticker", "date", "close", "adj_close"])
    if stored.empty:
        return frame  # new tickers: nothing to compare with
    fresh = frame.loc[frame["date"] == query.start, ["ticker", "close", "adj_close"]]
    both = stored.merge(fresh, on="ticker", suffixes=("_stored", "_source"))
    both["close_moved"] = (both["close_source"] / both["close_stored"] - 1).abs() > REBASE_TOLERANCE
    adj_moved = (both["adj_close_source"] / both["adj_close_stored"] - 1).abs() > REBASE_TOLERANCE
    moved = both[both["close_moved"] | adj_moved]
    if moved.empty:
        return frame
    firsts = {c.ticker: c.first for c in store.coverage("prices")}
    names = tuple(moved["ticker"])
    start = min(firsts[t] for t in names if firsts.get(t) is not None)
    full = _fetch(provider, "prices", Query(names, start, query.end, None), report)
    got = set(full["ticker"])
    for r in moved.itertuples(index=False):
        what = "close" if r.close_moved else "adjusted close"
        old, new = (r.close_stored, r.close_source) if r.close_moved else \
            (r.adj_close_stored, r.adj_close_source)
        done = (f"history from {start.date()} fetched again and stored in place of the old"
                if r.ticker in got else "the full history could not be fetched, so the stored "
                "history is kept unchanged and the new sessions are not added")
        report.rebased.setdefault("prices", {})[r.ticker] = (
            f"the source's {what} for {query.start.date()} is now {new:,.4g}, stored "
            f"{old:,.4g} (x{new / old:.4g}: a split, bonus or dividend re-based it); {done}")
    # Replace only what arrived in full; a failed re-fetch keeps the old history whole.
    w.upsert("prices", full, replace=True)
    report.rows["prices"] = report.rows.get("prices", 0) + len(full)
    return frame[~frame["ticker"].isin(names)]


def one_session_jumps(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of a prices frame whose close moved beyond :data:`JUMP_BOUNDS` from the same
    ticker's previous row, with the move as ``ratio`` (shared by the refresh and the importer)."""
    if len(frame) < 2:
        return frame.iloc[:0].assign(ratio=pd.Series(dtype=float))
    f = frame.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    ratio = (f["close"] / f.groupby("ticker", sort=False)["close"].shift()).to_numpy()
    lo, hi = JUMP_BOUNDS
    return f.assign(ratio=ratio)[(ratio < lo) | (ratio > hi)]


def _flag_jumps(frame: pd.DataFrame, report: RefreshReport) -> None:
    for r in one_session_jumps(frame).itertuples(index=False):
        report.warnings.setdefault("prices", {})[r.ticker] = (
            f"close moved {r.ratio - 1:+.1%} in one session to {r.date.date()}, which listed "
            "stocks almost never do: an unadjusted split or bonus at the source? Kept; check it")


def _flag_gaps(provider: Provider, frame: pd.DataFrame, report: RefreshReport) -> None:
    """Sessions of the exchange calendar a ticker has no close for, between its first and last
    fetched rows (a source's null rows are dropped, not stored as blanks: say so)."""
    sessions = provider.sessions(frame["date"].min(), frame["date"].max())
    if len(sessions) == 0:
        return
    for ticker, dates in frame.groupby("ticker", sort=True)["date"]:
        lo, hi = sessions.searchsorted([dates.min(), dates.max()])
        expected = hi - lo + 1
        if dates.nunique() < expected:
            missing = sessions[lo:hi + 1].difference(pd.DatetimeIndex(dates))
            shown = ", ".join(f"{d:%Y-%m-%d}" for d in missing[:3])
            report.warnings.setdefault("prices", {})[str(ticker)] = (
                f"no close for {len(missing)} of {expected} sessions between {dates.min():%Y-%m-%d} "
                f"and {dates.max():%Y-%m-%d} ({shown}{' …' if len(missing) > 3 else ''}); "
                "the source sent nothing usable for them, so they are left out, not filled")


def _is_index(provider: Provider, ticker: str) -> bool:
    """An index has prices only: no fundamentals or estimates are asked for it. Yahoo keys some
    NSE indices without a caret (NIFTYSMLCAP250.NS): the index map knows them."""
    if provider.name == "demo":
        from rerating.data.providers.demo import INDEX_NAMES

        return ticker in INDEX_NAMES
    return _index_map().is_index_symbol(ticker)


@functools.cache
def _index_map() -> IndexMap:
    return IndexMap()


def _incremental_plan(store: Store, provider: Provider, table: str, tickers: Iterable[str],
                      start: pd.Timestamp | None, end: pd.Timestamp) -> dict[object, list[str]]:
    """Group tickers by the first date they need; leave out those already current."""
    last = store.last_dates(table)
    plan: dict[object, list[str]] = defaultdict(list)
    for t in tickers:
        have = last.get(t)
        if have is None:
            plan[start].append(t)
            continue
        first = have + pd.Timedelta(days=1)
        if first > end or len(provider.sessions(first, end)) == 0:
            continue  # nothing new can exist yet
        plan[have].append(t)  # from the last stored session: the overlap proves the basis
    return dict(plan)


def _snapshot_plan(store: Store, table: str, tickers: Iterable[str], max_age: pd.Timedelta,
                   history_start: pd.Timestamp | None) -> dict[object, list[str]]:
    fetched = {c.ticker: c.fetched_at for c in store.coverage(table)}
    now = pd.Timestamp.now(tz="UTC")
    stale = [t for t in tickers if t not in fetched or now - fetched[t] > max_age]
    if not stale:
        return {}
    # First fill asks for history where the source keeps it (demo snapshots, EPS history).
    new = [t for t in stale if t not in fetched]
    old = [t for t in stale if t in fetched]
    plan: dict[object, list[str]] = {}
    if new:
        plan[history_start if history_start is not None else pd.Timestamp("1990-01-01")] = new
    if old:
        plan[None] = old
    return plan


# -- sources that publish one file per day for the whole market (NSE's archive) ---------------
#: NSE publishes a day's files in the evening (India time): a day is not asked for before this
PUBLISHED_BY = pd.Timedelta(hours=19)


@dataclass
class DayPlan:
    """What a day-file refresh will ask for, said before it starts."""

    days: list[pd.Timestamp]
    files: list[tuple[str, pd.Timestamp]]  # (kind, day) not yet read into the store
    held: int  # files already read
    seconds: float  # at the provider's pace

    @property
    def requests(self) -> int:
        return len(self.files)


def last_published(now: pd.Timestamp | None = None) -> pd.Timestamp:
    """The last day whose files can be out: today after 19:00 India time, else yesterday."""
    now = pd.Timestamp.now(tz="Asia/Kolkata") if now is None else pd.Timestamp(now)
    local = now.tz_convert("Asia/Kolkata").tz_localize(None) if now.tzinfo else now
    day = local.normalize()
    return day if local - day >= PUBLISHED_BY else day - pd.Timedelta(days=1)


def plan_days(store: Store, provider: Provider, start: pd.Timestamp, end: pd.Timestamp,
              kinds: Iterable[str]) -> DayPlan:
    """The sessions between ``start`` and ``end`` and the files of ``kinds`` the store has not
    read for them (``archive_days``); holidays are never planned."""
    kinds = list(kinds)
    days = list(provider.sessions(start, end))
    read = store.read("archive_days", kinds)
    have = {k: set(g["date"]) for k, g in read.groupby("kind")} if len(read) else {}
    files = [(k, d) for d in days for k in kinds if d not in have.get(k, set())]
    rate = float(getattr(provider, "rate", 0) or 0)
    seconds = len(files) / rate if rate > 0 else 0.0
    return DayPlan(days, files, len(days) * len(kinds) - len(files), seconds)


def refresh_days(store: Store, provider, plan: DayPlan, *,  # type: ignore[no-untyped-def]
                 progress: Progress | None = None,
                 checkpoint_seconds: float = CHECKPOINT_SECONDS) -> RefreshReport:
    """Fetch the planned day files with ``provider.day_file`` (several at once, at the
    provider's pace) and store every row they hold, with a record of each file read.

    What arrived is committed at least every ``checkpoint_seconds``; Ctrl-C commits what
    arrived and returns (``report.interrupted``), so a back-fill resumes where it stopped.
    A file that failed is named in ``report.failures`` and asked for again next time."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    report = RefreshReport(provider.source)
    total = len(plan.files)
    done = 0
    last_commit = time.monotonic()
    written: set[str] = set()
    first_day = min((d for _, d in plan.files), default=None)
    workers = max(1, int(getattr(provider, "max_workers", 2)))
    pool = ThreadPoolExecutor(workers)
    staged: dict[str, list[pd.DataFrame]] = {}
    sizes = _file_sizes(store)
    arrived: list = []  # type: ignore[type-arg]  # fetched, read in batches (one table each)

    def read_arrived() -> None:
        provider.read(arrived)
        for f in arrived:
            _check_size(f, sizes)
            _stage_day(staged, provider, f, report, written)
        arrived.clear()

    try:
        with store.writer() as w:
            todo = iter(plan.files)
            running = {pool.submit(provider.fetch_raw, k, d) for k, d in _take(todo, workers)}
            try:
                while running:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        f = fut.result()
                        done += 1
                        if f.unreachable and not any(report.rows.values()) and not arrived:
                            report.unreachable = f.failure
                        arrived.append(f)
                        if progress:
                            progress("files", done, total)
                    if report.unreachable:
                        break
                    running |= {pool.submit(provider.fetch_raw, k, d)
                                for k, d in _take(todo, len(finished))}
                    if len(arrived) >= READ_BATCH:
                        read_arrived()
                    if time.monotonic() - last_commit >= checkpoint_seconds:
                        read_arrived()
                        _flush(w, staged)
                        w.commit()
                        last_commit = time.monotonic()
            except KeyboardInterrupt:
                # leaving the block commits every whole file that arrived; the rest is asked
                # for by the next refresh
                report.interrupted = True
            read_arrived()
            _flush(w, staged)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return _finish_days(store, provider, report, written, first_day)


#: a day's file with fewer rows than this share of the nearest day's is not whole
SHORT_FILE = 0.8
#: day files read as one table (see providers.files.read_batch)
READ_BATCH = 128


def _file_sizes(store: Store) -> dict[str, pd.Series]:
    """Rows of each day file read so far, per kind (a whole file's size, to compare with)."""
    days = store.read("archive_days")
    return {str(k): g.set_index("date")["rows"].sort_index() for k, g in days.groupby("kind")}


def _check_size(f, sizes: dict[str, pd.Series]) -> None:  # type: ignore[no-untyped-def]
    """A file cut at a line end parses cleanly with rows missing: NSE's daily files never
    shrink by a fifth from one day to the next, so a file that does is refused."""
    if f.failure:
        return
    known = sizes.get(f.kind)
    if known is not None and len(known):
        near = known.iloc[int(abs(known.index - f.day).argmin())]
        if f.rows < SHORT_FILE * near:
            f.failure = (f"holds {f.rows:,} rows where the nearest day's file held {near:,.0f}: "
                         "cut short or partial; not stored, asked for again next time")
            return
    sizes[f.kind] = pd.concat([known, pd.Series([float(f.rows)], index=[f.day])]).sort_index() \
        if known is not None else pd.Series([float(f.rows)], index=[f.day])


def _stage_day(staged: dict[str, list[pd.DataFrame]], provider, f,  # type: ignore[no-untyped-def]
               report: RefreshReport, written: set[str]) -> None:
    """One day's file staged with the record that it was read; or its failure said."""
    if f.failure:  # (an unreachable archive was said when the file arrived)
        report.failures.setdefault("files", {})[f.name] = f.failure
        return
    if f.notes:  # what this day's file needed said (a day NSE printed month-first)
        report.notes.setdefault("files", {})[f.name] = "; ".join(f.notes)
    for table in ("prices", "index_valuation"):
        frame = getattr(f, table)
        if not frame.empty:
            staged.setdefault(table, []).append(frame)
            report.rows[table] = report.rows.get(table, 0) + len(frame)
    written.update(f.prices["ticker"])
    staged.setdefault("archive_days", []).append(pd.DataFrame({
        "kind": [f.kind], "date": [f.day], "rows": [float(f.rows)], "file": [f.name],
        "source": [provider.source], "fetched_at": [pd.Timestamp.now(tz="UTC")]}))
    report.rows["files"] = report.rows.get("files", 0) + 1


def _flush(w, staged: dict[str, list[pd.DataFrame]]) -> None:  # type: ignore[no-untyped-def]
    """Staged day files into the writer, one upsert per table (a file's rows and the record
    that it was read always travel in the same commit)."""
    for table, parts in staged.items():
        if parts:
            w.upsert(table, pd.concat(parts, ignore_index=True))
    staged.clear()


def _take(it, n: int) -> list:  # type: ignore[no-untyped-def, type-arg]
    out = []
    for _ in range(n):
        nxt = next(it, None)
        if nxt is None:
            break
        out.append(nxt)
    return out


def _finish_days(store: Store, provider, report: RefreshReport, written: set[str],  # type: ignore[no-untyped-def]
                 first_day: pd.Timestamp | None) -> RefreshReport:
    """Requests counted, and the stocks written checked for moves no action explains."""
    from rerating.data.imports import price_checks

    report.requests = dict(provider.requests)
    if written and first_day is not None:
        # only the days this refresh wrote (and the session before each): a daily refresh
        # must not read every stock's whole history
        gaps: list[str] = []
        for r in price_checks(store, sorted(written), since=first_day,
                              gaps=gaps).itertuples(index=False):
            report.warnings.setdefault("prices", {})[r.ticker] = r.what
        for n, g in enumerate(gaps, 1):
            report.notes.setdefault("store", {})[f"gap {n}"] = g
    return report
