"""``rerating data …``: fill the store (refresh, sync, import), and say what it holds."""

from __future__ import annotations

from pathlib import Path

import click

from rerating.cli.root import (
    MARKET,
    PROGRESS,
    SOURCE,
    Bars,
    EchoNotes,
    cli,
    market_source,
    settings_of,
)
from rerating.data import model
from rerating.services import data as data_services


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
    data_services.sync_store(settings_of(ctx), source_url, EchoNotes())


@data.command("status")
@click.pass_context
def data_status(ctx: click.Context) -> None:
    """What the store holds: tickers, date ranges, sources, as-of and staleness."""
    data_services.describe_store(settings_of(ctx), EchoNotes())


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
    data_services.export_table(settings_of(ctx), table, out, tickers, start, end, EchoNotes())


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
    data_services.import_files(settings_of(ctx), path, EchoNotes(), ticker=ticker,
                               dayfirst=dayfirst, monthfirst=monthfirst, exchange=exchange,
                               replace=not no_replace, index=index)


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


@data_import.command("results")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_context
def import_results_cmd(ctx: click.Context, path: Path) -> None:
    """Companies' quarterly results: NSE's XBRL filings as downloaded (.xml), or a CSV
    symbol,period_end,announced,revenue,pat,eps (₹ crore, ₹; optional basis); a file or a folder.

    \b
    Examples:
      rerating data import results INDAS_117297_1348254_16012025081520.xml
      rerating data import results results_export.csv
    """
    data_services.import_filings(settings_of(ctx), path, "results", EchoNotes())


@data_import.command("consensus")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_context
def import_consensus_cmd(ctx: click.Context, path: Path) -> None:
    """The consensus a desk held, from its broker or terminal export:
    symbol,period_end,as_of,eps_mean (optional analysts, revenue_mean, pat_mean).

    \b
    Example:
      rerating data import consensus consensus_export.csv
    """
    data_services.import_filings(settings_of(ctx), path, "consensus", EchoNotes())


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
    data_services.universes(settings_of(ctx), EchoNotes(), name=name, save_name=save_name,
                            tickers=tickers, import_file=import_file, update_file=update_file,
                            force=force)


@data.command("renames")
@click.pass_context
def data_renames(ctx: click.Context) -> None:
    """NSE symbol changes and delistings the tool knows (yours: <data dir>/renames.csv).

    A refresh that asks for an old symbol says what became of it instead of 'unknown symbol';
    it never swaps one ticker for another by itself.
    """
    data_services.renames(settings_of(ctx), EchoNotes())
