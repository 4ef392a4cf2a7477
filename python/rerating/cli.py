"""The ``rerating`` command. Each command is a few lines calling library code.

Errors of ours become one readable line and exit code 2; anything unexpected is logged with its
traceback (``rerating doctor`` prints where) and reported in one line with exit code 70.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import click
import pandas as pd

from rerating import __version__
from rerating.analytics import rally
from rerating.data import model
from rerating.data.providers import PROVIDERS, SOURCE_NAMES, is_demo_ticker
from rerating.errors import CacheMiss, InputError, RerateError
from rerating.settings import Settings
from rerating.tracebacks import record, scrub

EXIT_INPUT = 2
EXIT_INTERNAL = 70


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _store(ctx: click.Context):  # type: ignore[no-untyped-def]
    from rerating.data.store import open_store

    return open_store(_settings(ctx))


def _where(settings: Settings) -> str:
    """The store as messages name it: the desk's database (no password) or the local folder."""
    if settings.store_url:
        from rerating.data.pgstore import redact

        return redact(settings.store_url)
    return str(settings.data_dir)


def _label(source: str) -> str:
    return f"{source} (SYNTHETIC — fictional companies)" if model.is_synthetic(source) else source


class _Root(click.Group):
    """The root group, which keeps the command line it was given: whether a command writes to
    the store decides what a store folder that does not exist means."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["argv"] = list(args)
        return super().parse_args(ctx, args)


def _writes_store(argv: list[str]) -> bool | None:
    """True when the command line fills the store (and so may create its folder), False when it
    only reads it, None for commands that do not use it (help, add-in set-up, doctor)."""
    words, source, it = [], None, iter(argv)
    for t in it:
        if t in ("-h", "--help", "--version"):
            return None
        if t in ("--data-dir", "--source", "--market", "--store"):
            value = next(it, None)
            if t in ("--source", "--market"):
                source = value if t == "--source" else source or "market"
            continue
        if not t.startswith("-"):
            words.append(t)
    if not words or words[0] in ("addin", "doctor", "refresh", "store"):
        return None  # (a workbook's refresh checks the workbook first, then its store)
    if words[0] == "demo" or words[:2] in (["data", "refresh"], ["data", "import"],
                                           ["data", "universes"], ["data", "sync"]):
        return True
    return source is not None and source != "store"


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rerating")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Local store folder (default: $RERATING_DATA_DIR or the per-user data dir).")
@click.option("--offline", is_flag=True, default=None,
              help="Never use the network; a store miss is an error ($RERATING_OFFLINE).")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="A desk's shared store, postgresql://host/db ($RERATING_STORE); unset, the "
                   "local store in the data folder. Passwords come from libpq's usual places "
                   "(PGPASSWORD, ~/.pgpass) or the URL, and are never printed.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, offline: bool | None,
        store_url: str | None) -> None:
    """Rerating Desk: market data, analytics and model workbooks for Indian equities.

    \b
    Examples:
      rerating demo                                  # the whole job on SYNTHETIC data, offline
      rerating data refresh --source yahoo --universe nifty50
      rerating report --small-index NIFTYSMLCAP250.NS --large-index ^NSEI --small my250 --large nifty50
    """
    ctx.ensure_object(dict)
    ctx.obj["settings"] = settings = Settings.from_env(data_dir=data_dir, offline=offline or None,
                                                       store_url=store_url)
    folder = settings.data_dir
    given = "--data-dir" if data_dir is not None else \
        "RERATING_DATA_DIR" if os.environ.get("RERATING_DATA_DIR") else None
    if given and not settings.store_url and not folder.exists() \
            and _writes_store(ctx.meta.get("argv", [])) is False:
        # a typo in the path would otherwise read as "the store is empty; run a refresh"
        raise InputError(f"the store folder {folder} (from {given}) does not exist; check the "
                         "path, or create it by filling it: rerating --data-dir "
                         f"{folder} data refresh …")


@cli.result_callback()
@click.pass_context
def _exit_status(ctx: click.Context, result: object, **_: object) -> object:
    """Exit status 1 whenever a fetch failed, in every command (the book or note is still
    built from what is stored, and says it is stale)."""
    return 1 if ctx.meta.get("fetch_failed") else result


# -- one vocabulary: each concept has one option name, one default and one help text ----------
SOURCE = click.option(
    "--source", type=click.Choice(["store", *PROVIDERS]), default="store", show_default=True,
    help="Where the numbers come from. store: what is stored (data refresh: each ticker from "
         "its own source: demo tickers from the demo market, NSE's files' days from NSE, the "
         "rest from Yahoo); demo: the SYNTHETIC demo market; yahoo: Yahoo Finance, fetched "
         "first; nse: NSE's daily archive files (every stock's close, every index's close, "
         "P/E, P/B and yield), the days the store lacks fetched first.")
AS_OF = click.option("--as-of", "as_of", default=None,
                     help="Data as of this date (YYYY-MM-DD; 04/03/2026 is refused as ambiguous; "
                          "default: the last stored session).")
OUT_FILE = click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                        help="The workbook to write (.xlsx).")
OVERWRITE = click.option("--overwrite", is_flag=True, help="Rebuild over an existing file (a backup is kept).")
PROGRESS = click.option("--progress/--no-progress", default=True, show_default=True,
                        help="Progress bars and step timings on the terminal (never in a pipe).")
WINDOW = click.option("--window", default=rally.DEFAULT_WINDOW, show_default=True,
                      help=f"Rally window: {rally.WINDOW_WORDS}.")
CACHE = click.option("--cache-values/--no-cache-values", "cache", default=True, show_default=True,
                     help="Store every formula's computed value in the book, so previews, phones "
                          "and pandas show the numbers (needs LibreOffice; without it, formulas "
                          "only, computed on open).")
SMALL_INDEX = click.option("--small-index", default=None,
                           help="Small-cap index: a Yahoo symbol or NSE name (NIFTYSMLCAP250.NS, "
                                "'NIFTY SMALLCAP 250'); default SMALL250.DEMO on demo data.")
LARGE_INDEX = click.option("--large-index", default=None,
                           help="Large-cap index, the benchmark (^NSEI, 'NIFTY 50'); default "
                                "LARGE50.DEMO on demo data.")
SMALL = click.option("--small", default=None,
                     help="Small-cap stocks: a universe name or comma-separated tickers "
                          "(default demo-small on demo data).")
LARGE = click.option("--large", default=None,
                     help="Large-cap stocks, for revision breadth: a universe name or tickers "
                          "(default demo-large on demo data).")


#: --market presets, the seed's question asked of a real market: (small-cap index as NSE names
#: it, its stocks; large-cap index, its stocks). The index map gives the Yahoo symbols.
MARKETS = {
    "india": ("NIFTY SMALLCAP 250", "niftysmallcap250", "NIFTY 50", "nifty50"),
}
MARKET = click.option("--market", type=click.Choice(sorted(MARKETS)), default=None,
                      help="A preset market. india: Nifty Smallcap 250 stocks and index "
                           "(NIFTYSMLCAP250.NS) against Nifty 50 (^NSEI), from Yahoo via the "
                           "store; --small, --large, --small-index, --large-index override a side.")


def market_subjects(market: str | None, small_index: str | None, large_index: str | None,
                    small: str | None, large: str | None) -> tuple[str | None, ...]:
    """The options a --market preset fills in; what was given explicitly wins."""
    if market is None:
        return small_index, large_index, small, large
    from rerating.data.indices import IndexMap

    small_name, small_list, large_name, large_list = MARKETS[market]
    symbols = IndexMap()
    return (small_index or symbols.symbol(small_name), large_index or symbols.symbol(large_name),
            small or small_list, large or large_list)


def _market_source(ctx: click.Context, market: str | None, source: str) -> str:
    """A --market preset reads a live market: unless --source was given, the days the store
    lacks come from NSE's daily files (every stock's close, every index's close and valuation,
    two requests a day) and the snapshots (fundamentals, estimates) from Yahoo."""
    from click.core import ParameterSource

    if market is not None and ctx.get_parameter_source("source") == ParameterSource.DEFAULT:
        return "nse"
    return source


def _old_name(old: str, new: str) -> Callable[[Callable], Callable]:
    """A renamed option keeps working, hidden, and says its new name once."""
    dest = new.lstrip("-").replace("-", "_")

    def keep(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value is not None:
            click.echo(f"note: {old} is now {new}", err=True)
            ctx.meta.setdefault("renamed", {})[dest] = value

    return click.option(old, default=None, hidden=True, expose_value=False, callback=keep)


def _given(ctx: click.Context, name: str, value: str | None) -> str | None:
    """An option's value, from its new name or the old one it replaced."""
    return value if value is not None else ctx.meta.get("renamed", {}).get(name)


# -- data ---------------------------------------------------------------------------------------
@cli.group()
def data() -> None:
    """Fill and inspect the local market-data store."""


@data.command("refresh")
@SOURCE
@click.option("--universe", "universes", multiple=True,
              help="A built-in or saved universe name (demo, demo-small, nifty50, …); repeatable.")
@click.option("--tickers", default=None, help="Comma-separated tickers, e.g. RELIANCE.NS,TCS.NS.")
@click.option("--universe-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A text file with one ticker per line.")
@click.option("--start", default=None, help="First date for tickers not yet stored (YYYY-MM-DD).")
@click.option("--end", default=None, help="Last date (default: today).")
@click.option("--years", type=click.IntRange(1, 30), default=None,
              help="--source nse: back-fill this many years of NSE's daily files (the plan is "
                   "said first: days, files, time).")
@click.option("--indices-only", is_flag=True,
              help="--source nse: only the all-indices file of each day (index closes, P/E, "
                   "P/B, yield): half the requests of a back-fill.")
@click.option("--actions", is_flag=True,
              help="--source nse: also fetch NSE's corporate actions for the window (asked "
                   "for anyway when a close moves in a way only an action explains).")
@PROGRESS
@click.pass_context
def data_refresh(ctx: click.Context, source: str, universes: tuple[str, ...], tickers: str | None,
                 universe_file: Path | None, start: str | None, end: str | None,
                 years: int | None, indices_only: bool, actions: bool, progress: bool) -> None:
    """Fetch what the store lacks (only missing dates) and cache it.

    \b
    Examples:
      rerating data refresh                      # what is stored, each from its own source
      rerating data refresh --source demo        # the whole SYNTHETIC demo market, offline
      rerating data refresh --source nse         # NSE's files for the days the store lacks
      rerating data refresh --source nse --years 12 --indices-only   # index P/E history
      rerating data refresh --source yahoo --universe nifty50 --start 2015-01-01
    """
    from rerating.data.universe import is_universe, read_universe_file, resolve_universe

    settings = _settings(ctx)
    if (years or indices_only or actions) and source != "nse":
        raise InputError("--years, --indices-only and --actions are for --source nse (NSE's "
                         "daily files)")
    if source == "nse":
        if universes or tickers or universe_file:
            click.echo("note: NSE's daily files hold every stock and index: --universe, "
                       "--tickers and --universe-file are not needed and were ignored", err=True)
        if _refresh_nse(ctx, settings, start, end, years, indices_only, progress, actions):
            ctx.exit(1)
        return
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
    for src, group in _refresh_plan(settings, source, names):
        failed_any |= bool(_refresh_and_say(ctx, settings, src, group, start, end, progress))
    if failed_any:
        ctx.exit(1)


#: what Yahoo still gives where NSE's files give the prices and index valuations
SNAPSHOTS = ("fundamentals", "estimates", "eps_history")


def _refresh_plan(settings: Settings, source: str, names: list[str]) -> list[tuple[str, list[str]]]:
    """Which source each ticker is refreshed from. Synthetic demo tickers never go to Yahoo
    (Yahoo does not know them: asking would only mark the synthetic data stale). NSE's files
    hold every stock's price: "nse" refreshes the days the store lacks, then the stocks'
    snapshots from Yahoo ("yahoo:snapshots")."""
    from rerating.data.store import open_store
    from rerating.data.universe import resolve_universe

    names = list(dict.fromkeys(names))
    if source == "store":
        store = open_store(settings)
        if not names:
            names = [c.ticker for c in store.coverage("prices")]
            if not names:
                click.echo("The store is empty: filling it with the SYNTHETIC demo market "
                           "(--source nse for NSE's own files, --source yahoo --universe "
                           "nifty50 for Yahoo)", err=True)
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
            return plan + (_refresh_plan(settings, source, rest) if rest else [])
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
            click.echo(f"note: {len(demo)} SYNTHETIC demo tickers not sent to {source} ({shown})",
                       err=True)
        names = live
    return [(source, names)]


def _refresh_nse(ctx: click.Context, settings: Settings, start: str | None, end: str | None,
                 years: int | None, indices_only: bool, progress: bool,
                 actions: bool = False) -> bool:
    """NSE's daily files for the days the store lacks: the plan said first, then fetched with a
    progress bar. True when a file failed (exit status 1)."""
    from tqdm import tqdm

    from rerating.data.calendar import last_session
    from rerating.data.parsing import parse_date_text
    from rerating.data.providers import get_provider
    from rerating.data.providers.nse import EQUITIES, INDICES
    from rerating.data.refresh import last_published, plan_days, refresh_days

    if settings.offline:
        raise CacheMiss("offline mode: refusing to fetch from NSE's archive; drop --offline")
    store = _store(ctx)
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
        click.echo("note: no NSE files stored yet: back-filling one year (--years 12 for the "
                   "note's 'best since' history; --indices-only for index P/E alone)", err=True)
    plan = plan_days(store, provider, first, last, kinds)
    what = "all-indices file" if indices_only else "all-indices file and equity bhavcopy"
    if not plan.files:
        click.echo(f"Up to date: the store holds NSE's {what} for every session up to "
                   f"{last_session(last):%Y-%m-%d}; nothing fetched; store {_where(settings)}")
        return False
    minutes = plan.seconds / 60
    pace = f"at most {provider.rate:g} a second" if provider.rate > 0 else "unpaced"
    click.echo(f"Plan: NSE's {what} for {len({d for _, d in plan.files}):,} sessions from "
               f"{plan.files[0][1]:%Y-%m-%d} to {plan.files[-1][1]:%Y-%m-%d}: {plan.requests:,} "
               f"files ({plan.held:,} already stored), {provider.max_workers} at a time and "
               f"{pace}: about "
               f"{f'{minutes:.0f} min' if minutes >= 1 else f'{plan.seconds:.0f} s'}; "
               "Ctrl-C keeps what arrived", err=True)
    bar = tqdm(total=plan.requests, desc="nse files", unit="file", file=sys.stderr,
               disable=None if progress else True, leave=False)

    def show(_table: str, done: int, _total: int) -> None:
        bar.n = done
        bar.refresh()

    try:
        report = refresh_days(store, provider, plan, progress=show)
    finally:
        bar.close()
    files = report.rows.get("files", 0)
    if report.unreachable and not files:
        from rerating.settings import https_proxy

        proxy = https_proxy()
        how = f"through the proxy {proxy} (HTTPS_PROXY)" if proxy else "no network"
        click.echo(f"cannot reach NSE's archive: {how} ({report.unreachable}); nothing changed "
                   "in the store", err=True)
        return True
    failed = report.failures.get("files", {})
    rows = ", ".join(f"{k} {v:,}" for k, v in report.rows.items() if k != "files" and v)
    stop = " (stopped by Ctrl-C: every whole file that arrived is stored; run it again for " \
        "the rest)" if report.interrupted else ""
    click.echo(f"Refreshed from NSE's archive: {files:,} of {plan.requests:,} files"
               f"{f' ({rows} rows)' if rows else ''}; {sum(report.requests.values()):,} "
               f"requests{f'; {len(failed)} failed, listed below' if failed else ''}{stop}; "
               f"store {_where(settings)}")
    for name, why in sorted(failed.items())[:20]:
        click.echo(f"  failed {name}: {why}", err=True)
    if len(failed) > 20:
        click.echo(f"  … and {len(failed) - 20} more failed files", err=True)
    warnings = report.warnings.get("prices", {})
    if (warnings or actions) and not report.interrupted:
        warnings = _nse_actions(store, provider, first, last, warnings)
    if not report.interrupted and not indices_only:
        _nse_results_calendar(store, provider, last)
    for t, why in sorted(warnings.items()):
        click.echo(f"  check prices {t}: {why}", err=True)
    if report.interrupted:
        ctx.exit(130)
    return bool(failed)


#: how often NSE's event calendar (board meetings for results) is asked for again
RESULTS_CALENDAR_DAYS = 7


def _nse_results_calendar(store, provider, last: pd.Timestamp) -> None:  # type: ignore[no-untyped-def]
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
        click.echo(f"note: results dates not fetched from NSE's event calendar: {exc}", err=True)
        return
    with store.writer() as w:
        w.upsert("results_dates", got)
        w.upsert("archive_days", pd.DataFrame({  # asked, even when nothing is announced
            "kind": ["nse:event-calendar"], "date": [last], "rows": [float(len(got))],
            "file": ["api/event-calendar"], "source": [provider.source],
            "fetched_at": [pd.Timestamp.now(tz="UTC")]}))
    click.echo(f"Results dates from NSE's event calendar: {len(got)} board meetings for "
               f"results from {last:%Y-%m-%d} to {last + pd.Timedelta(days=90):%Y-%m-%d}")


def _nse_actions(store, provider, first: pd.Timestamp, last: pd.Timestamp,  # type: ignore[no-untyped-def]
                 warnings: dict[str, str]) -> dict[str, str]:
    """NSE's corporate actions for the window, asked for when a move needs explaining (or
    --actions): stored, then the checks made again. What is still unexplained is returned."""
    from rerating.data.imports import price_checks
    from rerating.errors import ProviderError

    try:
        acts = provider.corporate_actions(first - pd.Timedelta(days=7), last)
    except (ProviderError, InputError) as exc:
        click.echo(f"note: corporate actions not fetched: {exc}", err=True)
        return warnings
    if not acts.empty:
        with store.writer() as w:
            w.upsert("corporate_actions", acts)
    click.echo(f"Corporate actions from nseindia.com: {len(acts)} with ex-dates from "
               f"{first - pd.Timedelta(days=7):%Y-%m-%d} to {last:%Y-%m-%d} "
               f"({', '.join(f'{n} {k}' for k, n in acts['kind'].value_counts().items()) or 'none'})")
    if not warnings:
        return warnings
    return {r.ticker: r.what
            for r in price_checks(store, sorted(warnings), since=first).itertuples(index=False)}


def _refresh_and_say(ctx: click.Context, settings: Settings, source: str, names: list[str],
                     start: str | None, end: str | None, progress: bool) -> set[str]:
    """One refresh and its summary line; the tickers that failed (exit status 1 if any)."""
    if source == "nse":  # one file a day holds every ticker: the days the store lacks
        return set(names) if _refresh_nse(ctx, settings, None, None, None, False,
                                          progress) else set()
    tables = None
    if source == "yahoo:snapshots":
        source, tables = "yahoo", SNAPSHOTS
    report = _run_refresh(settings, source, names, start, end, progress, tables)
    total = sum(report.rows.values())
    if report.unreachable:
        kept = (f"kept the {total:,} rows that arrived before it" if total
                else "nothing changed in the store")
        from rerating.settings import https_proxy

        proxy = https_proxy()
        how = f"through the proxy {proxy} (HTTPS_PROXY)" if proxy else "no network"
        click.echo(f"cannot reach {SOURCE_NAMES.get(source, source)}: {how} "
                   f"({report.unreachable}); stopped at the first unreachable answer; {kept}",
                   err=True)
        return set(names)
    n, failed = len(set(names)), len(report.failed_tickers)
    written = ", ".join(f"{k} {v:,}" for k, v in report.rows.items() if v)
    if report.interrupted:
        got = ", ".join(f"{t} {d:,} of {k:,} tickers" for t, (d, k) in report.progress.items())
        click.echo(f"Stopped by Ctrl-C: the store keeps the {total:,} rows that arrived"
                   f"{f' ({written})' if written else ''}, each batch whole; got through "
                   f"{got or 'nothing'}. Run the same command again: it asks only for what "
                   f"is still missing. Store {_where(settings)}", err=True)
        _tell_faults(report, settings)
        ctx.exit(130)
    if total == 0 and not failed:
        click.echo(f"Up to date: the store already holds what {_label(report.source)} has for "
                   f"the {n} tickers; nothing written; store {_where(settings)}")
    else:
        click.echo(f"Refreshed {n - failed} of {n} tickers from {_label(report.source)}: "
                   f"{total:,} rows written{f' ({written})' if written else ''}"
                   f"{f'; {failed} failed, listed below' if failed else ''}; "
                   f"store {_where(settings)}")
    _tell_faults(report, settings)
    return report.failed_tickers


def _tell_faults(report, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    """One stderr line per failed, re-based or suspect ticker; a failure says what the store
    still holds for it, so a stale answer is labelled as stale."""
    from rerating.data.store import open_store

    held = {(c.table, c.ticker): c for c in open_store(settings).coverage()} \
        if report.failures else {}
    for table, failed in report.failures.items():
        for t, why in sorted(failed.items()):
            c = held.get((table, t))
            kept = (f"; stored data kept, STALE: through {c.last:%Y-%m-%d}, fetched "
                    f"{c.fetched_at:%Y-%m-%d %H:%M} UTC" if c is not None and c.last is not None
                    else "; nothing stored for it")
            click.echo(f"  failed {table} {t}: {why}{kept}", err=True)
    for kind, per in (("re-based", report.rebased), ("check", report.warnings),
                      ("note", report.notes)):
        for table, items in per.items():
            for t, why in sorted(items.items()):
                click.echo(f"  {kind} {table} {t}: {why}", err=True)


def _run_refresh(settings: Settings, source: str, names: list[str], start: str | None,
                 end: str | None, progress: bool,  # type: ignore[no-untyped-def]
                 tables: tuple[str, ...] | None = None):
    from tqdm import tqdm

    from rerating.data.providers import get_provider
    from rerating.data.refresh import refresh
    from rerating.data.store import open_store

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
    bars: dict[str, tqdm] = {}

    def show(table: str, done: int, total: int) -> None:
        if table not in bars:
            for bar in bars.values():
                bar.close()
            bars[table] = tqdm(total=total, desc=f"{source} {table:<15}", unit="tkr",
                               disable=None if progress else True,  # None: off when not a TTY
                               file=sys.stderr, leave=False)
        bars[table].n = done
        bars[table].refresh()

    from rerating.data.refresh import DEFAULT_TABLES

    try:
        return refresh(open_store(settings), provider, names, start=start, end=end,
                       progress=show, tables=tables or DEFAULT_TABLES)
    finally:
        for bar in bars.values():
            bar.close()


@data.command("sync")
@click.option("--from", "source_url", required=True, metavar="URL",
              help="The desk's shared store, postgresql://host/db.")
@click.pass_context
def data_sync(ctx: click.Context, source_url: str) -> None:
    """Copy the desk's shared store into the local store (what changed since the last sync
    only), so that the RR_ functions, books and notes work offline, on a plane or a laptop.

    \b
    Examples:
      rerating data sync --from postgresql://alice@db.desk/rerating
      RERATING_OFFLINE=1 rerating report --market india      # later, with no network
    """
    from rerating.data.pgstore import PgStore, is_url
    from rerating.data.store import Store
    from rerating.data.sync import sync

    if not is_url(source_url):
        raise InputError(f"--from {source_url!r} is not a postgresql://… URL")
    settings = _settings(ctx)
    if settings.store_url:
        raise InputError("sync copies the desk's store into the local store: unset "
                         "RERATING_STORE (or drop --store) for this command")
    src = PgStore(source_url)
    report = sync(src, Store(settings.data_dir))
    copied = ", ".join(f"{t} {n:,} tickers ({report.rows.get(t, 0):,} rows)"
                       for t, n in report.copied.items())
    same = sum(report.unchanged.values())
    click.echo(f"Synced {settings.data_dir} from {src.root} (generation {report.generation}): "
               + (f"copied {copied}" if copied else "nothing changed since the last sync")
               + f"; {same:,} table-tickers already current.")


@data.command("status")
@click.pass_context
def data_status(ctx: click.Context) -> None:
    """What the store holds: tickers, date ranges, sources, as-of and staleness."""
    store = _store(ctx)
    if not store.exists():
        click.echo(f"The store at {store.root} is empty; run `rerating data refresh`.")
        _universe_status(ctx)
        return
    click.echo(f"Store: {store.root} (generation {store.manifest()['generation']})")
    now = pd.Timestamp.now(tz="UTC")
    for table in (*model.MARKET_TABLES, "corporate_actions", "results_dates"):
        cov = store.coverage(table)
        if not cov:
            continue
        by_source: dict[str, list] = {}
        for c in cov:
            by_source.setdefault(c.source, []).append(c)
        for source, items in sorted(by_source.items()):
            last = max(c.last for c in items if c.last is not None)
            first = min(c.first for c in items if c.first is not None)
            fetched = max(c.fetched_at for c in items)
            age_h = (now - fetched).total_seconds() / 3600
            stale = "" if model.is_synthetic(source) else (" STALE" if age_h > 24 else "")
            click.echo(f"  {table:<16} {len(items):>4} tickers  {first.date()} .. {last.date()}  "
                       f"rows {sum(c.rows for c in items):>9,}  source {_label(source)}  "
                       f"fetched {fetched:%Y-%m-%d %H:%M} UTC ({age_h:.1f} h ago){stale}")
    _archive_status(store)
    _universe_status(ctx)


def _archive_status(store) -> None:  # type: ignore[no-untyped-def]
    """NSE's daily files read, each index's valuation history, and the price checks: days
    worth a look in closes as traded (a move no corporate action explains)."""
    from rerating.data.imports import price_checks
    from rerating.data.indices import IndexMap

    for c in store.coverage("archive_days"):
        what = {"nse:indices": "all-indices files (ind_close_all)",
                "nse:equities": "equity bhavcopies",
                "nse:event-calendar": "event calendar (results dates) asks"}.get(c.ticker, c.ticker)
        click.echo(f"  NSE {what}: {c.rows:,} days, {c.first:%Y-%m-%d} .. {c.last:%Y-%m-%d}, "
                   f"last read {c.fetched_at:%Y-%m-%d %H:%M} UTC")
    vals = store.coverage("index_valuation")
    if vals:
        names = IndexMap().names
        click.echo("  index P/E, P/B and yield history, per index:")
        for c in vals:
            nse = names.get(c.ticker, "")
            click.echo(f"    {c.ticker:<22} {nse[:24]:<24} {c.first:%Y-%m-%d} .. "
                       f"{c.last:%Y-%m-%d}  {c.rows:>6,} days  source {_label(c.source)}")
    if not any(model.as_traded(pd.Series([c.source for c in store.coverage("prices")]))):
        return
    checks = price_checks(store)
    for r in checks.head(20).itertuples(index=False):
        click.echo(f"  check {r.ticker} {r.date:%Y-%m-%d}: {r.what}")
    if len(checks) > 20:
        click.echo(f"  … and {len(checks) - 20} more price checks")


def _universe_status(ctx: click.Context) -> None:
    """Built-in constituent lists older than six months (their members have changed since)."""
    from rerating.data.universe import BUILTIN_LISTS, universe_flag

    for name in BUILTIN_LISTS:
        flag = universe_flag(name, _settings(ctx).data_dir)
        if flag:
            click.echo(f"  universe {name:<8} OLD: {flag}")


@data.command("export")
@click.argument("table", type=click.Choice(list(model.TABLES)))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The CSV file to write.")
@click.option("--tickers", default=None, help="Only these (comma-separated, or a universe name).")
@click.option("--start", default=None, help="First date (YYYY-MM-DD).")
@click.option("--end", default=None, help="Last date (YYYY-MM-DD).")
@click.pass_context
def data_export(ctx: click.Context, table: str, out: Path, tickers: str | None, start: str | None,
                end: str | None) -> None:
    """Write a store table to CSV (text that could run as a formula is defused).

    \b
    Example:
      rerating data export prices --tickers nifty50 --start 2025-04-01 -o prices.csv
    """
    from rerating.data.export import write_csv
    from rerating.data.providers.base import date_window
    from rerating.data.universe import resolve_universe

    names = resolve_universe(tickers, _settings(ctx).data_dir) if tickers else None
    first, last = date_window(start, end)
    out.parent.mkdir(parents=True, exist_ok=True)  # a file in the way fails now, not after the read
    frame = _store(ctx).read(table, names, start=first, end=last)
    if frame.empty:
        raise InputError(f"the store holds no {table} for that selection; nothing written")
    write_csv(frame, out)
    sources = sorted(set(frame["source"].astype(str)))
    tag = "[SYNTHETIC] " if any(model.is_synthetic(x) for x in sources) else ""
    click.echo(f"{tag}Wrote {len(frame):,} {table} rows to {out} (source {', '.join(map(_label, sources))}; "
               f"each row carries its source and fetch time)")


@data.group("import")
def data_import() -> None:
    """Bring your own files into the store."""


def _import_options(f):  # type: ignore[no-untyped-def]
    """The options every import command shares (one name, one help text each)."""
    for opt in reversed([
        click.option("--ticker", default=None,
                     help="Ticker of a one-ticker file (else the file name, e.g. RELIANCE.NS.csv)."),
        click.option("--dayfirst", is_flag=True,
                     help="Read ambiguous dates day first (Indian style: 01/12/2026 = 1 Dec)."),
        click.option("--monthfirst", is_flag=True,
                     help="Read ambiguous dates month first (US style: 01/12/2026 = 12 Jan)."),
        click.option("--exchange", type=click.Choice(["NS", "BO", "none"], case_sensitive=False),
                     default=None, help="Suffix for tickers written without one (RELIANCE -> "
                     "RELIANCE.NS); none keeps them as written."),
        click.option("--no-replace", is_flag=True,
                     help="Keep values already stored; import only dates the store lacks."),
    ]):
        f = opt(f)
    return f


def _run_import(ctx: click.Context, path: Path, ticker: str | None, dayfirst: bool,
                monthfirst: bool, exchange: str | None, no_replace: bool,
                index: str | None = None) -> None:
    from rerating.data.imports import import_into_store
    from rerating.data.indices import IndexMap
    from rerating.data.parsing import DAYFIRST, MONTHFIRST
    from rerating.data.providers.files import ImportOptions

    if dayfirst and monthfirst:
        raise InputError("--dayfirst and --monthfirst exclude each other; give one")
    settings = _settings(ctx)
    opts = ImportOptions(ticker=ticker, index=index, exchange=exchange,
                         date_order=DAYFIRST if dayfirst else MONTHFIRST if monthfirst else None,
                         index_map=IndexMap.from_file(settings.index_map_file))
    report = import_into_store(_store(ctx), path, opts, replace_stored=not no_replace)
    if len(report.files) == 1:
        f = report.files[0]
        click.echo(f"recognised: {f.layout}")
        for note in f.notes:
            click.echo(f"  {note}")
    else:
        layouts = sorted({f.layout for f in report.files})
        click.echo(f"recognised {len(report.files)} files: {'; '.join(layouts)}")
        for note in dict.fromkeys(n for f in report.files for n in f.notes
                                  if not n.startswith("skipped")):
            click.echo(f"  {note}")
    for table, lines in report.replaced.items():
        for line in lines[:10]:
            click.echo(f"  replaced {line}")
        if len(lines) > 10:
            click.echo(f"  … and {len(lines) - 10} more replaced values in {table}")
    for table, n in report.kept.items():
        click.echo(f"  kept {n:,} stored {table} rows (--no-replace)")
    for table, n in report.same.items():
        click.echo(f"  {n:,} {table} rows were already stored with the same values")
    for w in report.warnings[:10]:
        click.echo(f"  {w}", err=True)
    written = []
    for table, (names, first, last) in report.written.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        ticker = model.TABLES[table].key[0] == "ticker"
        kind = ("ticker" if ticker else "index") if len(names) == 1 else \
            ("tickers" if ticker else "indices")
        written.append(f"{report.rows[table]:,} {table} rows for {len(names)} {kind} "
                       f"({shown}; {first:%Y-%m-%d} to {last:%Y-%m-%d})")
    what = "; ".join(written) if written else "nothing new (every row was already stored)"
    source = (f"import:{report.files[0].name}" if len(report.files) == 1
              else "import:<each file's name>")
    click.echo(f"Imported {what} from {path} (source {source}).")


@data_import.command("prices")
@click.argument("file", type=click.Path(path_type=Path))
@_import_options
@click.pass_context
def import_prices_cmd(ctx: click.Context, file: Path, ticker: str | None, dayfirst: bool,
                      monthfirst: bool, exchange: str | None, no_replace: bool) -> None:
    """Prices from a downloaded file, or a folder of them (e.g. daily NSE bhavcopies).

    Recognised by the header: Yahoo Finance download, investing.com Historical Data,
    niftyindices index prices, NSE ind_close_all, NSE bhavcopies (old and sec_bhavdata_full),
    and long (ticker,date,close) or wide (Date + one column per ticker) files. A file it cannot
    read exactly is refused and nothing is stored.

    \b
    Example:
      rerating data import prices "Nifty Smallcap 250 Historical Data.csv"
      rerating data import prices bhavcopies/
    """
    _run_import(ctx, file, ticker, dayfirst, monthfirst, exchange, no_replace)


@data_import.command("index-valuation")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--index", "index_name", default=None,
              help="Index name or symbol when the file has none, e.g. 'NIFTY SMALLCAP 250'.")
@_import_options
@click.pass_context
def import_valuation_cmd(ctx: click.Context, file: Path, index_name: str | None,
                         ticker: str | None, dayfirst: bool, monthfirst: bool,
                         exchange: str | None, no_replace: bool) -> None:
    """Index P/E, P/B and dividend yield: niftyindices export or NSE ind_close_all file.

    \b
    Example:
      rerating data import index-valuation NIFTY_SMALLCAP_250_PE.csv
    """
    _run_import(ctx, file, ticker, dayfirst, monthfirst, exchange, no_replace, index=index_name)


@data_import.command("actions")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def import_actions_cmd(ctx: click.Context, file: Path) -> None:
    """NSE's corporate actions (the CSV nseindia.com's Corporate Actions page exports).

    Splits, bonuses and consolidations put earlier closes from NSE's files on today's share
    basis; dividends do the same for adjusted closes; rights issues are kept, not adjusted.
    Every ratio is checked against the price move on its ex-date.

    \b
    Example:
      rerating data import actions CF-CA-equities-01-01-2026-to-31-03-2026.csv
    """
    _run_import(ctx, file, None, False, False, None, False)


@data.command("universes")
@click.option("--save", "save_name", default=None,
              help="Save --tickers (or the --import list) under this name.")
@click.option("--tickers", default=None, help="Comma-separated tickers to save.")
@click.option("--import", "import_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="An NSE constituent list (ind_nifty…list.csv) to save as a universe.")
@click.option("--update", "update_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="A newer NSE list for a built-in universe (ind_nifty50list.csv "
              "replaces nifty50).")
@click.argument("name", required=False)
@click.pass_context
def data_universes(ctx: click.Context, save_name: str | None, tickers: str | None,
                   import_file: Path | None, update_file: Path | None, name: str | None) -> None:
    """List the built-in and saved universes, show one's members, save one, or import an NSE
    constituent list.

    \b
    Examples:
      rerating data universes
      rerating data universes niftysmallcap250     # its members, the list's date and source
      rerating data universes --import my_watchlist.csv --save watchlist
      rerating data universes --update ind_nifty50list.csv
    """
    from rerating.data.universe import (
        BUILTIN_LISTS,
        builtin_universes,
        list_for_file,
        read_constituents,
        resolve_universe,
        save_members,
        save_universe,
        saved_universes,
        universe_flag,
    )

    settings = _settings(ctx)
    if name and not (import_file or update_file or save_name or tickers):
        _show_universe(ctx, name)
        return
    if update_file:
        known = list_for_file(update_file)
        name = (save_name or (known.name if known else _universe_name(update_file))).lower()
        if name not in BUILTIN_LISTS:
            raise InputError(f"{update_file.name} names universe {name!r}, which is not a built-in "
                             f"list ({', '.join(BUILTIN_LISTS)}); use --import to save it as a new "
                             "universe, or --save NAME to say which list it replaces")
        import_file, save_name = update_file, name
    if import_file:
        members, layout = read_constituents(import_file)
        known = list_for_file(import_file)
        name = save_name or (known.name if known else _universe_name(import_file))
        path = save_members(name, members, import_file.name, settings.data_dir)
        click.echo(f"recognised: {layout}")
        index = BUILTIN_LISTS.get(name.lower(), known)
        if index is not None and len(members) != index.size:
            click.echo(f"check: {import_file.name} lists {len(members)} companies, and "
                       f"{index.index} has {index.size}: a partial or edited copy? Download "
                       "NSE's file again if it should be the whole index", err=True)
        click.echo(f"Saved universe {name}: {len(members)} tickers "
                   f"({', '.join(members['ticker'][:3])} …) with company names and industries, "
                   f"to {path}")
        return
    if save_name:
        if not tickers:
            raise InputError("--save needs --tickers (or --import FILE)")
        path = save_universe(save_name, resolve_universe(tickers), settings.data_dir)
        click.echo(f"Saved universe {save_name} to {path}")
        return
    saved = {p.stem: p for p in saved_universes(settings.data_dir)}
    for name, desc in builtin_universes().items():
        if name in saved:
            desc += f" (replaced by your saved list {saved[name].name})"
        click.echo(f"  {name:<16} {desc}")
        flag = universe_flag(name, settings.data_dir)
        if flag:
            click.echo(f"  {'':<16} OLD: {flag}")
    for stem, p in saved.items():
        click.echo(f"  {stem:<16} saved ({p}){_saved_list_date(p)}")


@data.command("renames")
@click.pass_context
def data_renames(ctx: click.Context) -> None:
    """NSE symbol changes and delistings the tool knows (yours: <data dir>/renames.csv).

    A refresh that asks for an old symbol says what became of it instead of 'unknown symbol';
    it never swaps one ticker for another by itself.
    """
    from rerating.data.renames import Renames

    path = _settings(ctx).renames_file
    for r in Renames.from_file(path).all():
        click.echo(f"  {r.old:<12} -> {r.new or '(delisted)':<12} {r.date:<8} {r.note}")
    click.echo(f"Add yours to {path} (columns old,new,date,note).")


def _show_universe(ctx: click.Context, name: str) -> None:
    """One universe's members (ticker, company, industry), where its list comes from and its
    date."""
    from rerating.data.universe import (
        BUILTIN_LISTS,
        is_universe,
        members,
        resolve_universe,
        saved_universes,
        universe_flag,
    )

    d = _settings(ctx).data_dir
    key = name.strip().lower()
    if not is_universe(key, d):
        _known_universe(ctx, key)  # says what is known
        raise InputError(f"universe {name!r} is neither built in nor saved")
    saved = {p.stem: p for p in saved_universes(d)}
    listed = members(key, d)
    if key in saved:
        click.echo(f"{key}: your saved list {saved[key]}{_saved_list_date(saved[key])}")
    elif key in BUILTIN_LISTS:
        lst = BUILTIN_LISTS[key]
        click.echo(f"{key}: {lst.index}, NSE's list {lst.file} of {lst.date} (the "
                   f"{pd.Timestamp(lst.reflects + '-01'):%B %Y} membership); copy from "
                   f"{lst.source}")
        flag = universe_flag(key, d)
        if flag:
            click.echo(f"OLD: {flag}")
    else:
        click.echo(f"{key}: built in (SYNTHETIC demo market)")
    if listed is None:
        tickers = resolve_universe(key, d)
        click.echo(f"{len(tickers)} tickers")
        for t in tickers:
            click.echo(f"  {t}")
        return
    click.echo(f"{len(listed)} members")
    width = max(len(t) for t in listed["ticker"])
    for r in listed.itertuples(index=False):
        click.echo(f"  {r.ticker:<{width}}  {r.company_name[:48]:<48}  {r.industry}")


def _saved_list_date(path: Path) -> str:
    """', imported 2026-11-02 from ind_…csv' for a saved NSE list (blank for a ticker list)."""
    if path.suffix != ".csv":
        return ""
    head = pd.read_csv(path, dtype=str, nrows=1, keep_default_na=False, encoding="utf-8-sig")
    if head.empty or "imported_at" not in head.columns:
        return ""
    return f", imported {head['imported_at'].iloc[0][:10]} from {head['source'].iloc[0]}"


def _universe_name(path: Path) -> str:
    """ind_niftysmallcap250list.csv -> niftysmallcap250."""
    import re

    stem = re.sub(r"^ind_|_?list$", "", path.stem.lower())
    stem = re.sub(r"[^a-z0-9_\-]", "-", stem).strip("-") or "imported"
    return stem[:40]


# -- the main job ------------------------------------------------------------------------------
def _steps(progress: bool):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        if progress:
            click.echo(f"  [{time.perf_counter() - t0:5.1f}s] {msg}", err=True)

    return say


@cli.command()
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the files the demo writes (default: ./rerating-demo).")
@PROGRESS
@click.pass_context
def demo(ctx: click.Context, out: Path | None, progress: bool) -> None:
    """Run the whole job offline on the SYNTHETIC demo market: store, workbooks, report.

    \b
    Example:
      rerating demo -o rerating-demo
    """
    from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, demo_market
    from rerating.data.store import open_store
    from rerating.reports.report import ReportSpec, publish
    from rerating.reports.summary import summary_lines
    from rerating.workbooks import content, engine

    settings = _settings(ctx)
    out = out or Path("rerating-demo")
    t0 = time.perf_counter()
    say = _steps(progress)
    market = demo_market()
    say("filling the store with the synthetic demo market")
    report = _run_refresh(settings, "demo", market.universe("demo"), "2005-01-01", None, progress)
    click.echo(f"[SYNTHETIC] Store {_where(settings)}: {sum(report.rows.values()):,} rows written, "
               f"{sum(report.up_to_date.values())} table-tickers already current.")
    store = open_store(settings)
    small, large = market.universe("demo-small"), market.universe("demo-large")
    spec = ReportSpec(SMALL_INDEX, LARGE_INDEX, small, large, universe="demo-small",
                      small_ref="demo-small", large_ref="demo-large")
    rep, dash = publish(store, spec, out, progress=say)
    # one company model: the best rally that came with upgrades (a rerating, not a trap)
    s = rep.context["series"]
    genuine = [t for t in s["table"].index if s["revisions"].get(t, 0) > 0]
    coherent = _sustainable(store, genuine, s["findings"].as_of)
    ticker = (coherent or genuine or small)[0]
    say(f"building the DCF model for {ticker} and the comps book")
    model_wb = engine.build(content.dcf(store, ticker), out / f"dcf_{ticker}.xlsx", overwrite=True)
    comps_wb = engine.build(content.comps(store, small, LARGE_INDEX, "MTD", universe="demo-small"),
                            out / "comps_demo-small.xlsx", overwrite=True)
    say("storing the computed values in the workbooks (LibreOffice, when installed)")
    _cache_values([dash.path, model_wb.path, comps_wb.path])
    for line in summary_lines(s["findings"]):
        click.echo(f"[SYNTHETIC] {line}")
    adj = s["adjustment"]
    naive = s["gordon"]
    if adj is None:
        click.echo(f"[SYNTHETIC] What it means: the fade model gives no fair multiple "
                   f"({rep.context['fade_error']}).")
    else:
        click.echo(f"[SYNTHETIC] What it means: at ERP {spec.erp_to:.2%} instead of "
                   f"{spec.erp_from:.2%} the small-cap fair P/E moves from {s['pe_now']:.1f} to "
                   f"{float(adj.new_pe):.1f} ({float(adj.factor) - 1:+.1%}), holding "
                   f"{float(adj.implied_growth):.1%} growth for {spec.years_high} years fading "
                   f"over {spec.years_fade} to {spec.terminal_growth:.1%} (fade model); the "
                   "single-stage Gordon bound says "
                   + (f"{naive:.1f}." if naive == naive else "no finite value."))
    click.echo("[SYNTHETIC] Files (all built from synthetic demo data):")
    for label, path in (("report", rep.pdf), ("report", rep.html), ("dashboard", dash.path),
                        ("DCF model", model_wb.path), ("comps", comps_wb.path)):
        click.echo(f"[SYNTHETIC]   {label:<10} {path}")
    click.echo(f"[SYNTHETIC] Done in {time.perf_counter() - t0:.1f}s. Next: open the PDF, or "
               f"`rerating refresh {model_wb.path}` after a data refresh.")


# -- workbooks -----------------------------------------------------------------------------------
def _prepare(ctx: click.Context, source: str, tickers: list[str], progress: bool,  # type: ignore[no-untyped-def]
             required: list[str] | None = None):
    """The store, after refreshing ``tickers`` from ``source`` when it is a provider. A failed
    fetch is said per ticker and makes the command exit 1 after building from what is stored
    (labelled STALE), the status `data refresh` gives the same failure. A ticker with nothing
    stored after a failed fetch stops the command when it is ``required`` (default: all);
    otherwise it is left out of the book, said once, and listed in ``_left_out(ctx)``."""
    if source == "store":
        return _store(ctx)
    settings = _settings(ctx)
    failed: set[str] = set()
    for src, group in _refresh_plan(settings, source, tickers):
        failed |= _refresh_and_say(ctx, settings, src, group, None, None, progress)
    store = _store(ctx)
    if failed:
        ctx.meta["fetch_failed"] = True
        held = {c.ticker for c in store.coverage("prices")}
        lacking = sorted(t for t in failed if t not in held)
        must = set(tickers if required is None else required)
        spare = [t for t in lacking if t not in must]
        if spare and len(spare) < len(set(tickers) - must):
            ctx.meta["left_out"] = set(spare)
            click.echo(f"note: left out for want of data (the fetch failed, nothing is stored): "
                       f"{', '.join(spare[:10])}{' …' if len(spare) > 10 else ''}", err=True)
            lacking = [t for t in lacking if t in must]
        if lacking:  # advising `data refresh`, the step that just failed, would not help
            raise CacheMiss(f"nothing stored for {', '.join(lacking[:5])}"
                            f"{' …' if len(lacking) > 5 else ''} and the fetch above failed: check "
                            "the symbol (NSE tickers end in .NS), retry when the source answers, "
                            "or import a downloaded file with `rerating data import prices FILE`")
    return store


def _left_out(ctx: click.Context, tickers: list[str]) -> list[str]:
    """``tickers`` less those ``_prepare`` left out for want of data."""
    gone = ctx.meta.get("left_out", set())
    return [t for t in tickers if t not in gone]


def _built(result, cache: bool = False) -> None:  # type: ignore[no-untyped-def]
    if cache:
        _cache_values([result.path])
    tag = "[SYNTHETIC] " if result.synthetic else ""
    click.echo(f"{tag}Wrote {result.path} ({result.template}, as of {result.as_of:%Y-%m-%d}, "
               f"source {_label(result.source)}) in {result.seconds:.2f}s")


def _cache_values(paths: list[Path]) -> None:
    """Computed values into the books' formula cells (one LibreOffice run), or one line why not."""
    if not Settings.from_env().cache_values:
        return
    from rerating.workbooks.cached import cache_values

    done = cache_values(paths)
    if done.skipped:
        click.echo(f"note: no cached values: {done.skipped}", err=True)


def _demo_default(value: str | None, demo: str, what: str, source: str) -> str:
    if value:
        return value
    if source in ("demo", "store"):
        return demo
    raise InputError(f"give {what} (the demo default {demo} is synthetic)")


def _sustainable(store, tickers: list[str], as_of: pd.Timestamp) -> list[str]:  # type: ignore[no-untyped-def]
    """``tickers`` whose consensus growth (current and next FY) is within what ROE x retention
    sustains, and whose DCF book lands within 25% of the price: a company the demo's book can
    model coherently (no rising ROE assumed, no growth the inputs do not give)."""
    import numpy as np

    from rerating.analytics import dcf
    from rerating.data.frames import latest_snapshot

    f = latest_snapshot(store.read("fundamentals", tickers), as_of).drop_duplicates("ticker", keep="last")
    px = store.read("prices", tickers)
    price = px[px["date"] <= as_of].groupby("ticker")["close"].last()
    e = latest_snapshot(store.read("estimates", tickers), as_of)
    f = f.set_index("ticker")
    fy1 = e[e["period"] == "0y"].drop_duplicates("ticker", keep="last").set_index("ticker")["eps_now"]
    fy2 = e[e["period"] == "+1y"].drop_duplicates("ticker", keep="last").set_index("ticker")["eps_now"]
    out = []
    for t in tickers:
        if t not in f.index or t not in fy1.index or t not in fy2.index or t not in price.index:
            continue
        eps, bv, payout = f.at[t, "trailing_eps"], f.at[t, "book_value_per_share"], f.at[t, "payout_ratio"]
        if not (eps > 0 and bv > 0 and fy1[t] > 0 and fy2[t] > 0 and 0 <= payout < 1):
            continue
        sustain = eps / bv * (1 - payout)
        g1, g2 = fy1[t] / eps - 1, fy2[t] / fy1[t] - 1
        if max(g1, g2) > sustain:
            continue
        # the DCF book's defaults (design.dcf_model): consensus growth fading to 6% by year 6,
        # the terminal stage paying out 1 - g / ROE; a demo model lands within a quarter of the
        # price, as an analyst's initiation would, rather than on a stock the market prices
        # for growth no input here gives
        gt, k = 0.06, 0.07 + float(f.at[t, "beta"]) * 0.055
        path = np.cumprod(1 + np.array([g1, g2, *(g2 + (gt - g2) * i / 4 for i in (1, 2, 3))]))
        p_t = max(payout, 1 - gt * bv / eps) if eps / bv > gt else payout
        value = dcf.dcf_value(payout * eps * path, k) + \
            eps * path[-1] * p_t * (1 + gt) / (k - gt) / (1 + k) ** 5
        if abs(value / price[t] - 1) <= 0.25:
            out.append(t)
    return out


def _rally_subjects(ctx: click.Context, small_index: str | None, large_index: str | None,
                    small: str | None, large: str | None, source: str,
                    market: str | None = None) -> tuple[str, str, str, list[str], list[str]]:
    """Indices and stock universes of the rally views: a --market preset's, or the demo's when
    the source is demo/store."""
    from rerating.data.providers.demo import LARGE_INDEX as DEMO_LARGE
    from rerating.data.providers.demo import SMALL_INDEX as DEMO_SMALL
    from rerating.data.universe import resolve_universe

    d = _settings(ctx).data_dir
    large_index, small = _given(ctx, "large_index", large_index), _given(ctx, "small", small)
    large = _given(ctx, "large", large)
    small_index, large_index, small, large = market_subjects(market, small_index, large_index,
                                                             small, large)
    si = _demo_default(small_index, DEMO_SMALL, "--small-index", source).upper()
    li = _demo_default(large_index, DEMO_LARGE, "--large-index",
                       source).upper()
    u = _demo_default(small, "demo-small", "--small", source)
    lu = _demo_default(large, "demo-large", "--large", source)
    for name in (u, lu):
        _known_universe(ctx, name)
    large_t = resolve_universe(lu, d)
    _universe_label(ctx, lu)
    ctx.meta["universe_names"] = (u, lu)
    return si, li, _universe_label(ctx, u), resolve_universe(u, d), large_t


def _universe_refs(ctx: click.Context, small: list[str], large: list[str]) -> tuple[str | None, str | None]:
    """The names a cell's RR_ function resolves to exactly these stocks (None when data left
    some out, or a typed list is longer than a formula's text may be)."""
    from rerating.data.universe import resolve_universe

    names = ctx.meta.get("universe_names", (None, None))
    out = []
    for name, kept in zip(names, (small, large), strict=True):
        ok = (name is not None and len(name) <= 250
              and resolve_universe(name, _settings(ctx).data_dir) == kept)
        out.append(name if ok else None)
    return out[0], out[1]


def _universe_label(ctx: click.Context, name: str) -> str:
    """The universe's name as books and notes show it: a built-in NSE list older than six
    months carries its date there, and the command says so once."""
    from rerating.data.universe import BUILTIN_LISTS, universe_flag

    flag = universe_flag(name, _settings(ctx).data_dir)
    if flag is None:
        return name
    click.echo(f"note: {flag}", err=True)
    return f"{name} (NSE list of {BUILTIN_LISTS[name.strip().lower()].date}, OLD: rebalanced since)"


@cli.group("store")
def store_group() -> None:
    """A desk's shared store on PostgreSQL: create it, and its roles."""


@store_group.command("init")
@click.argument("url", required=False)
@click.option("--print-sql", is_flag=True,
              help="Print the SQL (schema, tables, the two roles and their grants) for a DBA "
                   "to run, and connect to nothing.")
@click.pass_context
def store_init(ctx: click.Context, url: str | None, print_sql: bool) -> None:
    """Create the shared store's schema and two roles: rerating_writer (the desk's scheduled
    refresh) and rerating_analyst (read only). Run it as the database's owner; then grant the
    roles to logins and point every analyst's RERATING_STORE at the database.

    \b
    Examples:
      rerating store init postgresql://dba@db.desk/rerating
      rerating store init --print-sql > rerating.sql        # for a DBA
      # then, as the DBA:  CREATE ROLE refresh LOGIN IN ROLE rerating_writer;
      #                    CREATE ROLE alice LOGIN IN ROLE rerating_analyst;
    """
    from rerating.data.pgstore import ANALYST_ROLE, WRITER_ROLE, PgStore, ddl, is_url, role_sql

    if print_sql:
        for stmt in ddl() + role_sql():
            click.echo(stmt + ";")
        return
    url = url or _settings(ctx).store_url
    if not url or not is_url(url):
        raise InputError("give the database: rerating store init postgresql://host/db (or set "
                         "RERATING_STORE), or --print-sql for a DBA")
    store = PgStore(url)
    store.init()
    click.echo(f"Store {store.root}: schema rerating ready; roles {WRITER_ROLE} (refresh) and "
               f"{ANALYST_ROLE} (read only). Grant them to logins, e.g. CREATE ROLE alice LOGIN "
               f"IN ROLE {ANALYST_ROLE}; then set RERATING_STORE on each analyst's machine.")


@cli.group("model")
def model_group() -> None:
    """Company models built from the dcf_model template."""


@model_group.command("build")
@click.argument("ticker")
@OUT_FILE
@OVERWRITE
@SOURCE
@AS_OF
@CACHE
@PROGRESS
@click.pass_context
def model_build(ctx: click.Context, ticker: str, out: Path, overwrite: bool, source: str,
                as_of: str | None, cache: bool, progress: bool) -> None:
    """Write a DCF model workbook for TICKER (with its exchange: RELIANCE.NS).

    \b
    Examples:
      rerating model build DEVALPER.DEMO -o dcf.xlsx           # SYNTHETIC demo company
      rerating model build RELIANCE.NS --source yahoo -o dcf_reliance.xlsx
    """
    from rerating.workbooks import content, engine

    t = ticker.strip().upper()
    store = _prepare(ctx, source, [t], progress)
    _known_ticker(store, t)
    result = engine.build(content.dcf(store, t, _as_of(as_of)), out, overwrite=overwrite)
    _built(result, cache)
    _say_as_of(as_of, result.as_of)


def _known_ticker(store, t: str) -> None:  # type: ignore[no-untyped-def]
    """A ticker the store lacks that is a stored ticker without its exchange suffix (reliance
    for RELIANCE.NS) is named, not reported as missing prices."""
    held = {c.ticker for c in store.coverage("prices")}
    if t in held or "." in t or t.startswith("^"):
        return
    near = sorted(h for h in held if h.split(".")[0] == t)
    if near:
        raise InputError(f"ticker {t} is not in the store; did you mean {' or '.join(near)}? "
                         "(tickers carry their exchange: .NS for NSE, .BO for BSE)")


def _known_universe(ctx: click.Context, name: str) -> None:
    """A single word that is neither a universe nor a stored ticker is an unknown universe."""
    from rerating.data.universe import builtin_universes, is_universe, saved_universes

    settings = _settings(ctx)
    if "," in name or " " in name.strip() or is_universe(name, settings.data_dir):
        return
    held = {c.ticker for c in _store(ctx).coverage("prices")}
    if name.strip().upper() in held or "." in name:
        return
    saved = [p.stem for p in saved_universes(settings.data_dir)]
    raise InputError(f"universe {name!r} is neither built in nor saved; known: "
                     f"{', '.join([*builtin_universes(), *saved])} (or give tickers, "
                     "comma-separated)")


def _as_of(text: str | None) -> pd.Timestamp | None:
    """``--as-of`` by the one date parser (ISO always works; an ambiguous 04/03/2026 is
    refused, never read one way here and another in a file)."""
    if text is None:
        return None
    from rerating.data.parsing import parse_date_text

    return parse_date_text(text, "--as-of")


def _say_as_of(asked: str | None, used: pd.Timestamp) -> None:
    """One line when the data's date is not the date asked for, saying which and why: a
    weekend or exchange holiday, a date past the store's last session, or a gap in the store."""
    from rerating.data.calendar import sessions

    req = _as_of(asked)
    used = pd.Timestamp(used).normalize()
    if req is None or req.normalize() <= used:
        return
    req = req.normalize()
    stamp = f"the numbers and the stamp are as of {used:%Y-%m-%d}"
    between = sessions(used + pd.Timedelta(days=1), req)
    if len(between) == 0:  # nothing traded after the data's day up to the date asked
        what = f"a {req.day_name()}" if req.weekday() >= 5 else "an exchange holiday"
        click.echo(f"  --as-of {req:%Y-%m-%d} is {what}, not a trading session: {stamp}, "
                   "the last session before it", err=True)
        return
    ctx = click.get_current_context(silent=True)
    lasts = _store(ctx).last_dates("prices") if ctx is not None else {}
    last = max(lasts.values()) if lasts else used
    if req > pd.Timestamp(last).normalize():
        click.echo(f"  --as-of {req:%Y-%m-%d} is after the last stored session: {stamp}, the "
                   "latest data (refresh the data to go further)", err=True)
    else:
        click.echo(f"  --as-of {req:%Y-%m-%d}: the store has no prices for these from "
                   f"{between[0]:%Y-%m-%d} to {req:%Y-%m-%d} (a gap, or days not yet refreshed): "
                   f"{stamp}, the last day it has (refresh the data to fill the gap)", err=True)


@cli.group("comps")
def comps_group() -> None:
    """Comparable-company books built from the comps template."""


@comps_group.command("build")
@click.argument("universe", default=None, required=False)
@MARKET
@LARGE_INDEX
@_old_name("--benchmark", "--large-index")
@WINDOW
@OUT_FILE
@OVERWRITE
@SOURCE
@AS_OF
@CACHE
@PROGRESS
@click.pass_context
def comps_build(ctx: click.Context, universe: str | None, market: str | None,
                large_index: str | None, window: str, out: Path, overwrite: bool, source: str,
                as_of: str | None, cache: bool, progress: bool) -> None:
    """Write a comps workbook for UNIVERSE (a universe name or comma-separated tickers;
    default demo-small, or the preset's small side with --market).

    \b
    Examples:
      rerating comps build -o comps.xlsx                      # demo-small against LARGE50.DEMO
      rerating comps build --market india -o comps.xlsx       # Nifty Smallcap 250 against ^NSEI
      rerating comps build smallcap250 --large-index ^NSEI --window 3M -o comps.xlsx
    """
    from rerating.data.providers.demo import LARGE_INDEX as DEMO_LARGE
    from rerating.data.universe import resolve_universe
    from rerating.workbooks import content, engine

    _, large_index, universe, _ = market_subjects(market, None, _given(ctx, "large_index",
                                                                      large_index), universe, None)
    universe = universe or "demo-small"
    source = _market_source(ctx, market, source)
    _known_universe(ctx, universe)
    names = resolve_universe(universe, _settings(ctx).data_dir)
    bench = _demo_default(large_index, DEMO_LARGE, "--large-index", source).upper()
    store = _prepare(ctx, source, [*names, bench], progress, required=[bench])
    names = _left_out(ctx, names)
    c = content.comps(store, names, bench, window, _as_of(as_of),
                      universe=_universe_label(ctx, universe))
    _built(engine.build(c, out, overwrite=overwrite), cache)
    _say_as_of(as_of, c.as_of)


@cli.group("dashboard")
def dashboard_group() -> None:
    """The rally dashboard built from the rally_dashboard template."""


@dashboard_group.command("build")
@MARKET
@SMALL_INDEX
@LARGE_INDEX
@SMALL
@LARGE
@_old_name("--universe", "--small")
@_old_name("--large-universe", "--large")
@WINDOW
@OUT_FILE
@OVERWRITE
@SOURCE
@AS_OF
@CACHE
@PROGRESS
@click.pass_context
def dashboard_build(ctx: click.Context, market: str | None, small_index: str | None,
                    large_index: str | None, small: str | None, large: str | None, window: str, out: Path,
                    overwrite: bool, source: str, as_of: str | None, cache: bool, progress: bool) -> None:
    """Write the small-cap rally dashboard workbook.

    \b
    Examples:
      rerating dashboard build -o dashboard.xlsx              # the SYNTHETIC demo market
      rerating dashboard build --market india -o dashboard.xlsx
      rerating dashboard build --small-index NIFTYSMLCAP250.NS --large-index ^NSEI \\
          --small smallcap250 --large nifty50 -o dashboard.xlsx
    """
    from rerating.workbooks import content, engine

    source = _market_source(ctx, market, source)
    si, li, u, small_t, large_t = _rally_subjects(ctx, small_index, large_index, small, large,
                                                  source, market)
    store = _prepare(ctx, source, [si, li, *small_t, *large_t], progress, required=[si, li])
    small_t, large_t = _left_out(ctx, small_t), _left_out(ctx, large_t)
    c = content.dashboard(store, si, li, small_t, large_t, window, _as_of(as_of), universe=u)
    _built(engine.build(c, out, overwrite=overwrite), cache)
    _say_as_of(as_of, c.as_of)


@cli.command("refresh")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@SOURCE
@AS_OF
@PROGRESS
@click.pass_context
def refresh_cmd(ctx: click.Context, file: Path, source: str, as_of: str | None, progress: bool) -> None:
    """Bring a workbook built from a template up to date; the analyst's work is left as it was.

    \b
    Example:
      rerating refresh dcf_reliance.xlsx --source yahoo       # a backup is kept beside it
    """
    from rerating.workbooks import engine

    meta = engine.inspect(file)
    tickers = [t for k in ("subject.ticker", "subject.universe", "subject.small", "subject.large",
                           "subject.benchmark", "subject.small_index", "subject.large_index")
               for t in str(meta.get(k) or "").split(",") if t]
    store = _prepare(ctx, source, tickers, progress)
    r = engine.refresh(file, store, _as_of(as_of))
    _say_as_of(as_of, r.as_of)
    tag = "[SYNTHETIC] " if r.synthetic else ""
    top = "; ".join(f"{item} {'n/a' if ch is None else f'{ch:+.1%}'}" for item, _, _, ch, _ in r.changes[:3])
    click.echo(f"{tag}Refreshed {r.path} ({r.template}, as of {r.as_of:%Y-%m-%d}, source "
               f"{_label(r.source)}): {len(r.changes)} inputs moved{': ' + top if top else ''}. "
               f"See its Changes sheet. Backup: {r.backup}")


@cli.command("report")
@MARKET
@SMALL_INDEX
@LARGE_INDEX
@SMALL
@LARGE
@_old_name("--benchmark", "--large-index")
@_old_name("--universe", "--small")
@_old_name("--large-universe", "--large")
@WINDOW
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("rerating-report"),
              show_default=True, help="Output folder.")
@click.option("--template-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="A folder with your own report.html.j2 (restyle without touching Python).")
@SOURCE
@AS_OF
@CACHE
@PROGRESS
@click.pass_context
def report_cmd(ctx: click.Context, market: str | None, small_index: str | None,
               large_index: str | None,
               small: str | None, large: str | None, window: str, out: Path,
               template_dir: Path | None, source: str, as_of: str | None, cache: bool,
               progress: bool) -> None:
    """Write the research note (HTML + PDF) and the rally_dashboard.xlsx behind it.

    \b
    Examples:
      rerating report                                         # the SYNTHETIC demo market
      rerating report --market india -o note                  # Nifty Smallcap 250 vs Nifty 50
      rerating report --small-index NIFTYSMLCAP250.NS --large-index ^NSEI \\
          --small smallcap250 --large nifty50 -o note
    """
    from rerating.reports.report import ReportSpec, publish

    source = _market_source(ctx, market, source)
    si, li, u, small_t, large_t = _rally_subjects(ctx, small_index, large_index, small, large,
                                                  source, market)
    store = _prepare(ctx, source, [si, li, *small_t, *large_t], progress, required=[si, li])
    small_t, large_t = _left_out(ctx, small_t), _left_out(ctx, large_t)
    small_ref, large_ref = _universe_refs(ctx, small_t, large_t)
    spec = ReportSpec(si, li, small_t, large_t, universe=u, window=window, as_of=_as_of(as_of),
                      small_ref=small_ref, large_ref=large_ref)
    rep, dash = publish(store, spec, out, template_dir, progress=_steps(progress))
    if cache:
        _cache_values([dash.path])
    tag = "[SYNTHETIC] " if rep.context["synthetic"] else ""
    click.echo(f"{tag}Report as of {rep.context['as_of_iso']} from {_label(rep.context['source'])}: "
               f"{rep.pdf}, {rep.html}, {dash.path}")
    _say_as_of(as_of, pd.Timestamp(rep.context["as_of_iso"]))


@cli.group()
def addin() -> None:
    """Set up the RR_ functions in Excel (Windows) or LibreOffice Calc, and their reference."""


@addin.command("install")
@click.option("--dry-run", is_flag=True, help="Say what would be done, change nothing.")
def addin_install(dry_run: bool) -> None:
    """Install the xlwings add-in and point it at the RR_ functions (Windows; run it from the
    project's environment, so Excel calls this Python).

    \b
    Example:
      .venv\\Scripts\\rerating addin install --dry-run
    """
    import subprocess

    from rerating.functions.xlwings_host import install_plan, write_config

    plan = install_plan()
    if dry_run or plan.supported:  # the plan, on any OS
        click.echo(f"{'Would write' if dry_run else 'Config'}: {plan.config_file}")
        for key, value in plan.config.items():
            click.echo(f"  {key} = {value}")
        for cmd in plan.commands:
            click.echo(f"  {'would run' if dry_run else 'run'}: " + " ".join(cmd))
    if not plan.supported:
        click.echo(plan.note)
        return
    if dry_run:
        click.echo(plan.note)
        return
    write_config(plan)
    for cmd in plan.commands:
        subprocess.run(cmd, check=True)
    click.echo(plan.note)


@addin.command("starter")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("Rerating.xlsm"), show_default=True,
              help="The macro-enabled workbook to write (.xlsm).")
@click.option("--interpreter", default=None,
              help=r"The Windows Python Excel should start (default: this one, on Windows; "
                   r"required elsewhere), e.g. C:\desk\.venv\Scripts\python.exe.")
def addin_starter(out: Path, interpreter: str | None) -> None:
    """A macro-enabled starter workbook wired to the RR_ functions and this Python.

    \b
    Example:
      rerating addin starter -o Rerating.xlsm
    """
    from rerating.functions.xlwings_host import starter_workbook

    if out.suffix.lower() != ".xlsm":
        raise InputError(f"{out.name}: the starter holds macros, so it must be saved as .xlsm")
    click.echo(f"Wrote {starter_workbook(out, interpreter)}: open it in Windows Excel, enable "
               "macros and run ImportPythonUDFs once (steps on its Start sheet).")


@addin.command("libreoffice")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the extension (default: rerating-calc.oxt in the per-user "
                   "data folder).")
@click.option("--build-only", is_flag=True, help="Write the .oxt, do not install it.")
@click.option("--shared", "shared", flag_value=True, default=None,
              help="Install for all users (needed when run as root; the default then).")
def addin_libreoffice(out: Path | None, build_only: bool, shared: bool | None) -> None:
    """The RR_ functions in LibreOffice Calc: build the extension (.oxt) and install it.

    Calc then computes RR_ cells in any workbook, .xlsx included, under the names Excel uses,
    and saves them back under those names. Restart LibreOffice after installing.

    \b
    Example:
      rerating addin libreoffice
    """
    import platformdirs

    from rerating.functions.calc_host import build_oxt, install

    if out is None:
        out = Path(platformdirs.user_data_dir("rerating", False)) / "rerating-calc.oxt"
    if out.suffix.lower() != ".oxt":
        raise InputError(f"{out.name}: a LibreOffice extension must be saved as .oxt")
    build_oxt(out)
    click.echo(f"Wrote {out}")
    if build_only:
        click.echo(f"Install it with: unopkg add --force {out}  (as root: add --shared)")
        return
    plan = install(out, shared=shared)
    if plan.replaces:
        click.echo(f"note: LibreOffice has one slot for an extension installed for all users; "
                   f"this install replaced the one {plan.replaces}", err=True)
    click.echo(("Installed for all users (unopkg --shared)" if plan.shared else
                "Installed for this user") + ": restart LibreOffice; then a cell such as "
               "=RR_JUSTIFIED_PE(0.5;0.05;0.10) gives 10.5, and RR_ cells in .xlsx files compute.")


@addin.command("convert")
@click.argument("book", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--to", "to", type=click.Choice(["office", "excel"]), required=True,
              help="office: for the Office add-in (RR.PRICE, stored _xldudf_RR_PRICE); excel: for "
                   "xlwings and LibreOffice Calc (RR_PRICE).")
@OUT_FILE
@OVERWRITE
def addin_convert(book: Path, to: str, out: Path, overwrite: bool) -> None:
    """Rewrite a workbook's RR_ formulas for another host (the original stays as it is).

    \b
    Example:
      rerating addin convert comps.xlsx --to office -o comps-office.xlsx
    """
    from rerating.workbooks.convert import convert

    done = convert(book, out, to, overwrite=overwrite)
    what = "the Office add-in" if to == "office" else "xlwings and LibreOffice Calc"
    click.echo(f"Wrote {done.out}: {done.calls} RR_ call(s) in {done.parts} part(s) now for {what}")


@addin.command("functions")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the reference here (default: print it).")
def addin_functions(out: Path | None) -> None:
    """The RR_ function reference (addin/FUNCTIONS.md) generated from the code.

    \b
    Example:
      rerating addin functions -o FUNCTIONS.md
    """
    from rerating.functions.reference import functions_markdown

    text = functions_markdown()
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}")


@addin.command("manifest")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("rerating-addin.xml"), show_default=True, help="Where to write the manifest.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="The port `rerating serve` listens on (default 45873).")
@OVERWRITE
def addin_manifest(out: Path, port: int | None, overwrite: bool) -> None:
    """The Office add-in's manifest, to sideload into Excel on Windows, Mac or the web.

    It names https://localhost:PORT, where `rerating serve --https` answers the functions
    (RR.PRICE, RR.RALLY_TABLE, …) and serves the task pane. The README says how to sideload
    it on each Excel.

    \b
    Example:
      rerating addin manifest -o rerating-addin.xml
    """
    from rerating.data.store import atomic_write_bytes
    from rerating.functions import office_addin
    from rerating.server.app import DEFAULT_PORT

    if out.exists() and not overwrite:
        raise InputError(f"{out} exists: give --overwrite to replace it, or -o another file")
    base = f"https://localhost:{port or DEFAULT_PORT}"
    atomic_write_bytes(out, office_addin.manifest(base).encode("utf-8"))
    click.echo(f"Wrote {out}: the add-in for {base} (start it with `rerating serve --https"
               + (f" --port {port}" if port else "") + "`)")


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on (default 45873, the one the add-in's manifest names).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine's loopback shares the functions "
                   "with the network: said in a warning, and every call still needs the token.")
@click.option("--https", "use_https", is_flag=True,
              help="Serve HTTPS with a certificate from a local authority made on first run "
                   "(Office loads add-ins over HTTPS only); prints the one command that trusts it.")
@click.option("--origin", "origins", multiple=True, metavar="URL",
              help="Also allow calls from this origin (an add-in hosted elsewhere); repeatable.")
@click.option("--new-token", is_flag=True, help="Make a new pairing token (the old one stops working).")
@click.pass_context
def serve(ctx: click.Context, port: int | None, host: str, use_https: bool,
          origins: tuple[str, ...], new_token: bool) -> None:
    """Serve the RR_ functions to the Office add-in (Excel on Windows, Mac and the web).

    Calls need the pairing token printed here; paste it once into the add-in's task pane.

    \b
    Example:
      rerating serve --https
    """
    import secrets

    import uvicorn

    from rerating.data import access
    from rerating.data.store import atomic_write_bytes
    from rerating.server import app as server_app
    from rerating.server import tls

    s = _settings(ctx)
    access.use(access.MarketData(s))  # the functions read the store this command was given
    port = port or server_app.DEFAULT_PORT
    token_file = s.server_dir / "token"
    if new_token or not token_file.exists():
        s.server_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(token_file, secrets.token_urlsafe(24).encode())
        token_file.chmod(0o600)
    token = token_file.read_text().strip()
    config = server_app.ServerConfig(token=token, port=port, host=host,
                                     scheme="https" if use_https else "http", origins=origins)
    if not config.loopback:
        click.echo(f"warning: listening on {host}: other machines can reach the RR_ functions; "
                   "every call still needs the pairing token", err=True)
    ssl: dict[str, str] = {}
    if use_https:
        certs = tls.ensure(s.server_dir)
        ssl = {"ssl_certfile": str(certs.cert), "ssl_keyfile": str(certs.key)}
        if certs.made_ca:
            click.echo(f"Made a local certificate authority ({certs.ca}). Trust it once, on this "
                       f"machine: {tls.trust_command(certs.ca)}")
    click.echo(f"Serving the RR_ functions at {config.scheme}://localhost:{port} "
               f"(store {_where(s)}); Ctrl-C stops it")
    click.echo(f"pairing token: {token}")
    click.echo(f"the add-in's manifest: {config.scheme}://localhost:{port}/addin/manifest.xml "
               "(or `rerating addin manifest`)")
    uvicorn.run(server_app.create_app(config), host=host, port=port, log_level="warning",
                server_header=False, proxy_headers=False, timeout_graceful_shutdown=5,
                **ssl)  # type: ignore[arg-type]


@cli.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Where things are: the store this command and Excel read, log file, proxy, versions.

    \b
    Example:
      rerating doctor
    """
    import os

    import numpy
    import openpyxl
    import yfinance

    from rerating.settings import https_proxy

    s = _settings(ctx)
    excel = Settings.from_env()  # what Excel's Python reads: no --data-dir reaches it
    click.echo(f"rerating {__version__}  python {sys.version.split()[0]}  ({sys.executable})")
    click.echo(f"pandas {pd.__version__}  numpy {numpy.__version__}  openpyxl {openpyxl.__version__}  "
               f"yfinance {yfinance.__version__}")
    if s.store_url:
        click.echo(f"store     {_where(s)} (PostgreSQL, the desk's shared store: RERATING_STORE "
                   "or --store)")
    else:
        click.echo(f"store     {s.data_dir}" + ("" if s.data_dir.exists() else
                                                 "  (this folder does not exist: a refresh creates it)"))
    if excel.data_dir != s.data_dir:
        click.echo(f"          Excel's RR_ functions read {excel.data_dir} instead: --data-dir "
                   "reaches this command only; set RERATING_DATA_DIR (for Excel, as a user "
                   "environment variable) to point both at one store")
    else:
        how = "RERATING_DATA_DIR" if os.environ.get("RERATING_DATA_DIR") else "the per-user default"
        click.echo(f"          Excel's RR_ functions read the same store ({how})")
    click.echo(f"log file  {s.log_file}")
    click.echo(f"offline   {s.offline}")
    click.echo(f"proxy     {https_proxy() or 'none (HTTPS_PROXY unset): Yahoo is reached directly'}")


def _os_message(e: OSError) -> str:
    path = Path(e.filename) if e.filename else None
    if path is not None and isinstance(e, NotADirectoryError | FileExistsError):
        blocker = next((p for p in [path, *path.parents] if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return f"{blocker} is a file, not a folder, so {path} cannot be written; choose another path"
    where = f" ({e.filename})" if e.filename else ""
    return f"{e.strerror or e}{where}; nothing was changed"


def _warning_to_log(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    file: object = None, line: str | None = None) -> None:
    import datetime as dt

    path = Settings.from_env().log_file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(scrub(f"--- {dt.datetime.now(dt.UTC).isoformat()} warning {category.__name__} "
                           f"at {filename}:{lineno}: {message}\n"))
    except OSError:
        pass  # a warning is never worth failing a command for


def main(argv: list[str] | None = None) -> int:
    # yfinance logs each failed ticker; the provider collects those lines and we report them,
    # so keep them off the terminal without turning them off (the provider needs them).
    yf_log = logging.getLogger("yfinance")
    yf_log.propagate = False
    if not yf_log.handlers:
        yf_log.addHandler(logging.NullHandler())
    try:
        # Libraries' warnings (pandas deprecations inside yfinance…) are for the log, not for
        # the analyst's terminal; the filters stay as they are.
        with warnings.catch_warnings():
            warnings.showwarning = _warning_to_log
            # Without standalone mode click returns ctx.exit(n)'s code instead of raising it.
            code = cli.main(args=argv, prog_name="rerating", standalone_mode=False)
        if isinstance(code, int) and code:
            return code
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        e.show()
        return EXIT_INPUT
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except RerateError as e:
        click.echo(f"error: {e}", err=True)
        return EXIT_INPUT
    except OSError as e:  # the machine said no (a file where a folder must be, permissions, space)
        click.echo(f"error: {_os_message(e)}", err=True)
        return EXIT_INPUT
    except Exception as e:  # the boundary: log the traceback, show one line
        path = record(e, " ".join(sys.argv), Settings.from_env().log_file)
        click.echo(scrub(f"internal error: {type(e).__name__}: {e}")
                   + (f" (traceback in {path})" if path else ""), err=True)
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":
    sys.exit(main())
