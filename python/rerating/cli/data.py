"""``rerating data …``: fill the store (refresh, sync, import), and say what it holds."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from rerating.cli.root import (
    MARKET,
    PROGRESS,
    SOURCE,
    Bars,
    EchoNotes,
    cli,
    label,
    market_source,
    settings_of,
    store_of,
)
from rerating.data import model
from rerating.errors import InputError
from rerating.services import subjects


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
@MARKET
@PROGRESS
@click.pass_context
def data_refresh(ctx: click.Context, source: str, universes: tuple[str, ...], tickers: str | None,
                 universe_file: Path | None, start: str | None, end: str | None,
                 years: int | None, indices_only: bool, actions: bool, market: str | None,
                 progress: bool) -> None:
    """Fetch what the store lacks (only missing dates) and cache it.

    \b
    Examples:
      rerating data refresh                      # what is stored, each from its own source
      rerating data refresh --source demo        # the whole SYNTHETIC demo market, offline
      rerating data refresh --market india       # what report --market india reads
      rerating data refresh --source nse         # NSE's files for the days the store lacks
      rerating data refresh --source nse --years 12 --indices-only   # index P/E history
      rerating data refresh --source yahoo --universe nifty50 --start 2015-01-01
    """
    from rerating.services.refresh import refresh_store

    with Bars(progress) as bars:
        failed = refresh_store(settings_of(ctx), market_source(ctx, market, source),
                               universes=universes, tickers=tickers,
                               universe_file=universe_file, start=start, end=end, years=years,
                               indices_only=indices_only, actions=actions, market=market,
                               progress=bars, notes=EchoNotes())
    if failed:
        ctx.exit(1)


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
    settings = settings_of(ctx)
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
    store = store_of(ctx)
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
                       f"rows {sum(c.rows for c in items):>9,}  source {label(source)}  "
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
                       f"{c.last:%Y-%m-%d}  {c.rows:>6,} days  source {label(c.source)}")
    if not any(model.as_traded(pd.Series([c.source for c in store.coverage("prices")]))):
        return
    gaps: list[str] = []
    checks = price_checks(store, gaps=gaps)
    for g in gaps:
        click.echo(f"  gap in NSE's closes {g}")
    for r in checks.head(20).itertuples(index=False):
        click.echo(f"  check {r.ticker} {r.date:%Y-%m-%d}: {r.what}")
    if len(checks) > 20:
        click.echo(f"  … and {len(checks) - 20} more price checks")


def _universe_status(ctx: click.Context) -> None:
    """Lists saved though partial, each on a line; built-in lists NSE has rebalanced since,
    all on one line (`data universes` says each one's date)."""
    from rerating.data.universe import BUILTIN_LISTS, PARTIAL, saved_universes, universe_flag

    d = settings_of(ctx).data_dir
    names = dict.fromkeys([*BUILTIN_LISTS, *(p.stem for p in saved_universes(d))])
    flags = {n: universe_flag(n, d) for n in names}
    for name, flag in flags.items():
        if flag and flag.startswith(PARTIAL):
            click.echo(f"  universe {name}: {flag}")
    old = [n for n, f in flags.items() if f and not f.startswith(PARTIAL)]
    if old:
        click.echo(f"  universes OLD (NSE has rebalanced them since the built-in lists): "
                   f"{', '.join(old)}; `rerating data universes` gives each list's date and the "
                   "file that updates it")


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

    names = resolve_universe(tickers, settings_of(ctx).data_dir) if tickers else None
    first, last = date_window(start, end)
    out.parent.mkdir(parents=True, exist_ok=True)  # a file in the way fails now, not after the read
    frame = store_of(ctx).read(table, names, start=first, end=last)
    if frame.empty:
        raise InputError(f"the store holds no {table} for that selection; nothing written")
    write_csv(frame, out)
    sources = sorted(set(frame["source"].astype(str)))
    tag = "[SYNTHETIC] " if any(model.is_synthetic(x) for x in sources) else ""
    click.echo(f"{tag}Wrote {len(frame):,} {table} rows to {out} (source {', '.join(map(label, sources))}; "
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
    settings = settings_of(ctx)
    opts = ImportOptions(ticker=ticker, index=index, exchange=exchange,
                         date_order=DAYFIRST if dayfirst else MONTHFIRST if monthfirst else None,
                         index_map=IndexMap.from_file(settings.index_map_file))
    report = import_into_store(store_of(ctx), path, opts, replace_stored=not no_replace)
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
@click.option("--force", is_flag=True,
              help="Save a list whose size is far from its index's (a partial or edited copy); "
                   "it stays flagged PARTIAL wherever it is used.")
@click.argument("name", required=False)
@click.pass_context
def data_universes(ctx: click.Context, save_name: str | None, tickers: str | None,
                   import_file: Path | None, update_file: Path | None, force: bool,
                   name: str | None) -> None:
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
        PARTIAL,
        builtin_universes,
        list_for_file,
        read_constituents,
        resolve_universe,
        save_members,
        save_universe,
        saved_universes,
        size_is_off,
        universe_flag,
    )

    settings = settings_of(ctx)
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
        index = BUILTIN_LISTS.get(name.lower())  # the built-in list this one replaces
        partial = ""
        if index is not None and size_is_off(len(members), index):
            if not force:
                raise InputError(
                    f"{import_file.name} lists {len(members)} companies, and {index.index} has "
                    f"{index.size}: a partial or edited copy; nothing saved. Download NSE's "
                    "file again, or pass --force to save it anyway (it is then flagged "
                    "PARTIAL wherever it is used)")
            partial = (f"{len(members)} of {index.index}'s {index.size} companies, saved "
                       f"with --force on {pd.Timestamp.now(tz='UTC'):%Y-%m-%d}")
        path = save_members(name, members, import_file.name, settings.data_dir, partial)
        click.echo(f"recognised: {layout}")
        if partial:
            click.echo(f"{PARTIAL}: {name} holds {partial}", err=True)
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
            click.echo(f"  {'':<16} {flag if flag.startswith(PARTIAL) else 'OLD: ' + flag}")
    for stem, p in saved.items():
        click.echo(f"  {stem:<16} saved ({p}){_saved_list_date(p)}")
        flag = universe_flag(stem, settings.data_dir)
        if flag and stem not in BUILTIN_LISTS:
            click.echo(f"  {'':<16} {flag}")


@data.command("renames")
@click.pass_context
def data_renames(ctx: click.Context) -> None:
    """NSE symbol changes and delistings the tool knows (yours: <data dir>/renames.csv).

    A refresh that asks for an old symbol says what became of it instead of 'unknown symbol';
    it never swaps one ticker for another by itself.
    """
    from rerating.data.renames import Renames

    path = settings_of(ctx).renames_file
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

    d = settings_of(ctx).data_dir
    key = name.strip().lower()
    if not is_universe(key, d):
        subjects.known_universe(settings_of(ctx), key)  # says what is known
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
