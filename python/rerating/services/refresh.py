"""Refreshing the store: which source each ticker comes from (:func:`refresh_plan`), and the
refresh itself from Yahoo, the demo market (:func:`refresh_source`) or NSE's daily files
(:func:`refresh_nse`), each saying its plan, its summary and every failed ticker to ``notes``,
and its progress to ``progress(label, done, total)`` when given (the command line draws bars)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from rerating.data import model
from rerating.data.providers import SOURCE_NAMES, is_demo_ticker
from rerating.data.store import open_store
from rerating.errors import CacheMiss, InputError
from rerating.services.notes import Interrupted, Notes
from rerating.settings import Settings

#: ``progress(label, done, total)``: how far a refresh is (label: "nse files", "yahoo prices" …)
Progress = Callable[[str, int, int], None]


class Failed(set[str]):
    """The tickers a refresh could not bring, and whether that was because the source could
    not be reached at all (no network, a proxy, a host down) rather than per ticker."""

    unreachable: bool = False

    def add_all(self, other: set[str]) -> None:
        self |= other
        self.unreachable = self.unreachable or bool(getattr(other, "unreachable", False))


def _failed(names: list[str] | set[str], unreachable: bool = False) -> Failed:
    out = Failed(names)
    out.unreachable = unreachable
    return out


def _quiet(_label: str, _done: int, _total: int) -> None:
    pass


def where(settings: Settings) -> str:
    """The store as messages name it: the desk's database (no password) or the local folder."""
    if settings.store_url:
        from rerating.data.store.postgres import redact

        return redact(settings.store_url)
    return str(settings.data_dir)


def label(source: str) -> str:
    """A source as every line shows it: synthetic data says so."""
    return f"{source} (SYNTHETIC — fictional companies)" if model.is_synthetic(source) else source


#: what Yahoo still gives where NSE's files give the prices and index valuations
SNAPSHOTS = ("fundamentals", "estimates", "eps_history")


def refresh_plan(settings: Settings, source: str, names: list[str], notes: Notes) -> list[tuple[str, list[str]]]:
    """Which source each ticker is refreshed from. Synthetic demo tickers never go to Yahoo
    (Yahoo does not know them: asking would only mark the synthetic data stale). NSE's files
    hold every stock's price: "nse" refreshes the days the store lacks, then the stocks'
    snapshots from Yahoo ("yahoo:snapshots")."""
    from rerating.data.universe import resolve_universe

    names = list(dict.fromkeys(names))
    if source == "store":
        store = open_store(settings)
        if not names:
            names = [c.ticker for c in store.coverage("prices")]
            if not names:
                notes.warn("The store is empty: filling it with the SYNTHETIC demo market "
                           "(--source nse for NSE's own files, --source yahoo --universe "
                           "nifty50 for Yahoo)")
                return [("demo", resolve_universe("demo"))]
        held = store.sources(names)
        from_nse = [t for t in names if held.get(t) == model.SOURCE_NSE]
        if from_nse:
            snap = {c.ticker for c in store.coverage("fundamentals")}
            rest = [t for t in names if held.get(t) != model.SOURCE_NSE]
            plan = [("nse", from_nse)]
            mine = [t for t in from_nse if t in snap]
            if mine:
                plan.append(("yahoo:snapshots", mine))
            return plan + (refresh_plan(settings, source, rest, notes) if rest else [])
    if source == "nse":
        live = [t for t in names if not is_demo_ticker(t)]
        return [("nse", live)] + ([("yahoo:snapshots", live)] if live else [])
    if not names:
        if source == "demo":
            return [("demo", resolve_universe("demo"))]
        raise InputError(f"say what to fetch from {source}: --universe nifty50, --tickers "
                         "RELIANCE.NS,TCS.NS or --universe-file FILE")
    demo = [t for t in names if is_demo_ticker(t)]
    live = [t for t in names if not is_demo_ticker(t)]
    if source == "store":
        return [(src, g) for src, g in (("demo", demo), ("yahoo", live)) if g]
    if source != "demo":
        shown = f"{', '.join(demo[:3])}{' …' if len(demo) > 3 else ''}"
        if demo and not live:
            raise InputError(f"{shown} are SYNTHETIC demo tickers, which {source} does not "
                             "know: use --source demo (or store)")
        if demo:
            notes.warn(f"note: {len(demo)} SYNTHETIC demo tickers not sent to {source} ({shown})")
        names = live
    return [(source, names)]


#: what :func:`refresh_nse` returns when the archive could not be reached at all (truthy)
UNREACHABLE = "unreachable"


def refresh_nse(settings: Settings, start: str | None, end: str | None,
                years: int | None, indices_only: bool, progress: Progress | None,
                actions: bool = False, *, notes: Notes) -> bool | str:
    """NSE's daily files for the days the store lacks: the plan said first, then fetched with a
    progress said. True when a file failed (exit status 1), :data:`UNREACHABLE` when the
    archive could not be reached at all."""
    from rerating.data.calendar import last_session
    from rerating.data.parsing import parse_date_text
    from rerating.data.providers import get_provider
    from rerating.data.providers.nse import EQUITIES, INDICES
    from rerating.data.refresh import last_published, plan_days, refresh_days

    if settings.offline:
        raise CacheMiss("offline mode: refusing to fetch from NSE's archive; drop --offline")
    store = open_store(settings)
    provider = get_provider("nse", max_workers=min(settings.max_workers, 2),
                            timeout=settings.fetch_timeout)
    kinds = [INDICES] if indices_only else [INDICES, EQUITIES]
    last = parse_date_text(end, "--end") if end else last_published()
    held = store.read("archive_days", kinds)
    if start:
        first = parse_date_text(start, "--start")
    elif years:
        first = last - pd.DateOffset(years=years) + pd.Timedelta(days=1)
    elif len(held):
        first = held["date"].max() + pd.Timedelta(days=1)
    else:
        first = last - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        notes.warn("note: no NSE files stored yet: back-filling one year (--years 12 for the "
                   "note's 'best since' history; --indices-only for index P/E alone)")
    plan = plan_days(store, provider, first, last, kinds)
    what = "all-indices file" if indices_only else "all-indices file and equity bhavcopy"
    if not plan.files:
        notes.say(f"Up to date: the store holds NSE's {what} for every session up to "
                   f"{last_session(last):%Y-%m-%d}; nothing fetched; store {where(settings)}")
        return False
    minutes = plan.seconds / 60
    pace = f"at most {provider.rate:g} a second" if provider.rate > 0 else "unpaced"
    notes.warn(f"Plan: NSE's {what} for {len({d for _, d in plan.files}):,} sessions from "
               f"{plan.files[0][1]:%Y-%m-%d} to {plan.files[-1][1]:%Y-%m-%d}: {plan.requests:,} "
               f"files ({plan.held:,} already stored), {provider.max_workers} at a time and "
               f"{pace}: about "
               f"{f'{minutes:.0f} min' if minutes >= 1 else f'{plan.seconds:.0f} s'}; "
               "Ctrl-C keeps what arrived")
    tell = progress or _quiet

    def show(_table: str, done: int, _total: int) -> None:
        tell("nse files", done, plan.requests)

    report = refresh_days(store, provider, plan, progress=show)
    files = report.rows.get("files", 0)
    if report.unreachable and not files:
        from rerating.settings import https_proxy

        proxy = https_proxy()
        how = f"through the proxy {proxy} (HTTPS_PROXY)" if proxy else "no network"
        notes.warn(f"cannot reach NSE's archive: {how} ({report.unreachable}); nothing changed "
                   "in the store")
        return UNREACHABLE
    failed = report.failures.get("files", {})
    rows = ", ".join(f"{k} {v:,}" for k, v in report.rows.items() if k != "files" and v)
    stop = " (stopped by Ctrl-C: every whole file that arrived is stored; run it again for " \
        "the rest)" if report.interrupted else ""
    notes.say(f"Refreshed from NSE's archive: {files:,} of {plan.requests:,} files"
               f"{f' ({rows} rows)' if rows else ''}; {sum(report.requests.values()):,} "
               f"requests{f'; {len(failed)} failed, listed below' if failed else ''}{stop}; "
               f"store {where(settings)}")
    for name, why in sorted(failed.items())[:20]:
        notes.warn(f"  failed {name}: {why}")
    if len(failed) > 20:
        notes.warn(f"  … and {len(failed) - 20} more failed files")
    warnings = report.warnings.get("prices", {})
    if (warnings or actions) and not report.interrupted:
        warnings = nse_actions(store, provider, first, last, warnings, notes)
    if not report.interrupted and not indices_only:
        nse_results_calendar(store, provider, last, notes)
    for t, why in sorted(warnings.items()):
        notes.warn(f"  check prices {t}: {why}")
    if report.interrupted:
        raise Interrupted("stopped by Ctrl-C")
    return bool(failed)


#: how often NSE's event calendar (board meetings for results) is asked for again
RESULTS_CALENDAR_DAYS = 7


def nse_results_calendar(store, provider, last: pd.Timestamp, notes: Notes) -> None:  # type: ignore[no-untyped-def]
    """Board meetings for results in the next 90 days, from NSE's event calendar, when the
    stored ones are a week old (the "what to watch" list's dates; Yahoo's stopped in 2025)."""
    from rerating.errors import ProviderError

    asked = store.coverage_of("archive_days", "nse:event-calendar")
    if asked is not None and pd.Timestamp.now(tz="UTC") - asked.fetched_at < pd.Timedelta(
            days=RESULTS_CALENDAR_DAYS):
        return
    try:
        got = provider.results_dates(last, last + pd.Timedelta(days=90))
    except (ProviderError, InputError) as exc:
        notes.warn(f"note: results dates not fetched from NSE's event calendar: {exc}")
        return
    with store.writer() as w:
        w.upsert("results_dates", got)
        w.upsert("archive_days", pd.DataFrame({  # asked, even when nothing is announced
            "kind": ["nse:event-calendar"], "date": [last], "rows": [float(len(got))],
            "file": ["api/event-calendar"], "source": [provider.source],
            "fetched_at": [pd.Timestamp.now(tz="UTC")]}))
    notes.say(f"Results dates from NSE's event calendar: {len(got)} board meetings for "
               f"results from {last:%Y-%m-%d} to {last + pd.Timedelta(days=90):%Y-%m-%d}")


def nse_actions(store, provider, first: pd.Timestamp, last: pd.Timestamp,  # type: ignore[no-untyped-def]
                warnings: dict[str, str], notes: Notes) -> dict[str, str]:
    """NSE's corporate actions for the window, asked for when a move needs explaining (or
    --actions): stored, then the checks made again. What is still unexplained is returned."""
    from rerating.data.imports import price_checks
    from rerating.errors import ProviderError

    try:
        acts = provider.corporate_actions(first - pd.Timedelta(days=7), last)
    except (ProviderError, InputError) as exc:
        notes.warn(f"note: corporate actions not fetched: {exc}")
        return warnings
    if not acts.empty:
        with store.writer() as w:
            w.upsert("corporate_actions", acts)
    notes.say(f"Corporate actions from nseindia.com: {len(acts)} with ex-dates from "
               f"{first - pd.Timedelta(days=7):%Y-%m-%d} to {last:%Y-%m-%d} "
               f"({', '.join(f'{n} {k}' for k, n in acts['kind'].value_counts().items()) or 'none'})")
    if not warnings:
        return warnings
    return {r.ticker: r.what
            for r in price_checks(store, sorted(warnings), since=first).itertuples(index=False)}


def refresh_source(settings: Settings, source: str, names: list[str], start: str | None,
                   end: str | None, progress: Progress | None, notes: Notes) -> Failed:
    """One refresh and its summary line; the tickers that failed (exit status 1 if any)."""
    if source == "nse":  # one file a day holds every ticker: the days the store lacks
        got = refresh_nse(settings, None, None, None, False, progress, notes=notes)
        return _failed(names if got else [], got == UNREACHABLE)
    tables = None
    if source == "yahoo:snapshots":
        source, tables = "yahoo", SNAPSHOTS
    report = run_refresh(settings, source, names, start, end, progress, tables)
    total = sum(report.rows.values())
    if report.unreachable:
        kept = (f"kept the {total:,} rows that arrived before it" if total
                else "nothing changed in the store")
        from rerating.settings import https_proxy

        proxy = https_proxy()
        how = f"through the proxy {proxy} (HTTPS_PROXY)" if proxy else "no network"
        notes.warn(f"cannot reach {SOURCE_NAMES.get(source, source)}: {how} "
                   f"({report.unreachable}); stopped at the first unreachable answer; {kept}")
        return _failed(names, unreachable=True)
    n, failed = len(set(names)), len(report.failed_tickers)
    written = ", ".join(f"{k} {v:,}" for k, v in report.rows.items() if v)
    if report.interrupted:
        got = ", ".join(f"{t} {d:,} of {k:,} tickers" for t, (d, k) in report.progress.items())
        kept = (f"the store keeps what its earlier commits published, not the last batch, "
                f"which Ctrl-C stopped while it was being written; of {total:,} rows fetched"
                if report.commit_lost else f"the store keeps the {total:,} rows that arrived")
        notes.warn(f"Stopped by Ctrl-C: {kept}{f' ({written})' if written else ''}, each "
                   f"batch whole; got through {got or 'nothing'}. Run the same command again: "
                   f"it asks only for what is still missing. Store {where(settings)}")
        tell_faults(report, settings, notes)
        raise Interrupted("stopped by Ctrl-C")
    if total == 0 and not failed:
        notes.say(f"Up to date: the store already holds what {label(report.source)} has for "
                   f"the {n} tickers; nothing written; store {where(settings)}")
    else:
        notes.say(f"Refreshed {n - failed} of {n} tickers from {label(report.source)}: "
                   f"{total:,} rows written{f' ({written})' if written else ''}"
                   f"{f'; {failed} failed, listed below' if failed else ''}; "
                   f"store {where(settings)}")
    tell_faults(report, settings, notes)
    return _failed(report.failed_tickers)


def tell_faults(report, settings: Settings, notes: Notes) -> None:  # type: ignore[no-untyped-def]
    """One stderr line per failed, re-based or suspect ticker; a failure says what the store
    still holds for it, so a stale answer is labelled as stale."""
    held = {(c.table, c.ticker): c for c in open_store(settings).coverage()} \
        if report.failures else {}
    for table, failed in report.failures.items():
        for t, why in sorted(failed.items()):
            c = held.get((table, t))
            kept = (f"; stored data kept, STALE: through {c.last:%Y-%m-%d}, fetched "
                    f"{c.fetched_at:%Y-%m-%d %H:%M} UTC" if c is not None and c.last is not None
                    else "; nothing stored for it")
            notes.warn(f"  failed {table} {t}: {why}{kept}")
    for kind, per in (("re-based", report.rebased), ("check", report.warnings),
                      ("note", report.notes)):
        for table, items in per.items():
            for t, why in sorted(items.items()):
                notes.warn(f"  {kind} {table} {t}: {why}")


def run_refresh(settings: Settings, source: str, names: list[str], start: str | None,
                end: str | None, progress: Progress | None,  # type: ignore[no-untyped-def]
                tables: tuple[str, ...] | None = None):
    from rerating.data.providers import get_provider
    from rerating.data.refresh import refresh

    if source == "yahoo" and settings.offline:
        raise CacheMiss("offline mode: refusing to fetch from Yahoo Finance; drop --offline "
                        "or use --source demo")
    from rerating.data.renames import Renames

    kwargs = {} if source == "demo" else {
        "max_workers": settings.max_workers, "timeout": settings.fetch_timeout,
        "renames": Renames.from_file(settings.renames_file)}
    provider = get_provider(source, **kwargs)
    if source == "demo" and start is None:
        start = "2005-01-01"
    tell = progress or _quiet

    def show(table: str, done: int, total: int) -> None:
        tell(f"{source} {table:<15}", done, total)

    from rerating.data.refresh import DEFAULT_TABLES

    return refresh(open_store(settings), provider, names, start=start, end=end,
                   progress=show, tables=tables or DEFAULT_TABLES)


def refresh_store(settings: Settings, source: str, *, universes: tuple[str, ...] = (),
                  tickers: str | None = None, universe_file: Path | None = None,
                  start: str | None = None, end: str | None = None, years: int | None = None,
                  indices_only: bool = False, actions: bool = False,
                  market: str | None = None, progress: Progress | None = None,
                  notes: Notes) -> bool:
    """``rerating data refresh``: what the store lacks, from ``source`` (``store``: each ticker
    from its own). With a ``market`` preset, what its books and note read: the days of NSE's
    files the store lacks, then the preset's stocks' fundamentals and estimates from Yahoo, as
    ``report --market`` refreshes them. True when something failed (said in ``notes``; exit
    status 1)."""
    from rerating.data.universe import is_universe, read_universe_file, resolve_universe

    if (years or indices_only or actions) and source != "nse":
        raise InputError("--years, --indices-only and --actions are for --source nse (NSE's "
                         "daily files)")
    if market is not None and not (universes or tickers or universe_file or years
                                   or indices_only or actions or start or end):
        from rerating.services.subjects import market_subjects

        si, li, small, large = market_subjects(market, None, None, None, None)
        names = [str(si), str(li), *resolve_universe(str(small), settings.data_dir),
                 *resolve_universe(str(large), settings.data_dir)]
        failed = Failed()
        for src, group in refresh_plan(settings, source, names, notes):
            failed.add_all(refresh_source(settings, src, group, None, None, progress, notes))
        return bool(failed)
    if market is not None:
        raise InputError(f"--market {market} refreshes the preset's own stocks and indices: "
                         "give it alone, or drop it and say what to fetch")
    if source == "nse":
        if universes or tickers or universe_file:
            notes.warn("note: NSE's daily files hold every stock and index: --universe, "
                       "--tickers and --universe-file are not needed and were ignored")
        return refresh_nse(settings, start, end, years, indices_only, progress, actions, notes=notes)
    names: list[str] = []
    for u in universes:
        if "," not in u and not is_universe(u, settings.data_dir):
            raise InputError(f"universe {u!r} is neither built in nor saved; see `rerating data "
                             "universes`, or give tickers with --tickers")
        names += resolve_universe(u, settings.data_dir)
    if tickers:
        names += resolve_universe(tickers, settings.data_dir)
    if universe_file:
        names += read_universe_file(universe_file)
    failed_any = False
    for src, group in refresh_plan(settings, source, names, notes):
        failed_any |= bool(refresh_source(settings, src, group, start, end, progress, notes))
    return failed_any
