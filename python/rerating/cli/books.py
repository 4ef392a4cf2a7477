"""The books and the note: ``rerating demo``, ``model build``, ``comps build``, ``dashboard
build``, ``refresh`` (a book brought up to date) and ``report``."""

from __future__ import annotations

import time
from pathlib import Path

import click
import pandas as pd

from rerating.cli.root import (
    AS_OF,
    LARGE,
    LARGE_INDEX,
    MARKET,
    OUT_FILE,
    OVERWRITE,
    PROGRESS,
    SMALL,
    SMALL_INDEX,
    SOURCE,
    WINDOW,
    Bars,
    EchoNotes,
    book_inputs,
    cli,
    given,
    label,
    market_source,
    old_name,
    say_as_of,
    settings_of,
    steps,
)
from rerating.services import books, subjects


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
    from rerating.reports.summary import summary_lines

    settings = settings_of(ctx)
    out = out or Path("rerating-demo")
    with Bars(progress) as bars:
        done = books.run_demo(settings, out, bars, EchoNotes(), step=steps(progress))
    rep, spec = done.report, done.spec
    s = rep.context["series"]
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
    for what, path in done.files():
        click.echo(f"[SYNTHETIC]   {what:<10} {path}")
    click.echo(f"[SYNTHETIC] Done in {done.seconds:.1f}s. Next: open the PDF, or "
               f"`rerating refresh {done.model.path}` after a data refresh.")


@cli.group("model")
def model_group() -> None:
    """Company models built from the dcf_model template."""


@model_group.command("build")
@click.argument("ticker")
@OUT_FILE
@OVERWRITE
@book_inputs
@click.pass_context
def model_build(ctx: click.Context, ticker: str, out: Path, overwrite: bool, source: str,
                as_of: str | None, cache: bool, progress: bool) -> None:
    """Write a DCF model workbook for TICKER (with its exchange: RELIANCE.NS).

    \b
    Examples:
      rerating model build DEVALPER.DEMO -o dcf.xlsx           # SYNTHETIC demo company
      rerating model build RELIANCE.NS --source yahoo -o dcf_reliance.xlsx
    """
    t = ticker.strip().upper()
    ready = _prepare(ctx, source, [t], progress)
    result = books.build_model(ready.store, t, out, subjects.parse_as_of(as_of), overwrite)
    _built(result, cache)
    say_as_of(ctx, as_of, result.as_of)


@cli.group("comps")
def comps_group() -> None:
    """Comparable-company books built from the comps template."""


@comps_group.command("build")
@click.argument("universe", default=None, required=False)
@MARKET
@LARGE_INDEX
@old_name("--benchmark", "--large-index")
@WINDOW
@OUT_FILE
@OVERWRITE
@book_inputs
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

    settings = settings_of(ctx)
    _, large_index, universe, _ = subjects.market_subjects(
        market, None, given(ctx, "large_index", large_index), universe, None)
    universe = universe or "demo-small"
    source = market_source(ctx, market, source)
    subjects.known_universe(settings, universe)
    names = resolve_universe(universe, settings.data_dir)
    bench = subjects.demo_default(large_index, DEMO_LARGE, "--large-index", source).upper()
    ready = _prepare(ctx, source, [*names, bench], progress, required=[bench])
    result = books.build_comps(ready.store, ready.kept(names), bench, window,
                               subjects.parse_as_of(as_of),
                               subjects.universe_label(settings, universe, EchoNotes()), out, overwrite)
    _built(result, cache)
    say_as_of(ctx, as_of, result.as_of)


@cli.group("dashboard")
def dashboard_group() -> None:
    """The rally dashboard built from the rally_dashboard template."""


@dashboard_group.command("build")
@MARKET
@SMALL_INDEX
@LARGE_INDEX
@SMALL
@LARGE
@old_name("--universe", "--small")
@old_name("--large-universe", "--large")
@WINDOW
@OUT_FILE
@OVERWRITE
@book_inputs
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
    source = market_source(ctx, market, source)
    s = _rally_subjects(ctx, small_index, large_index, small, large, source, market)
    ready = _prepare(ctx, source, [s.small_index, s.large_index, *s.small, *s.large], progress,
                     required=[s.small_index, s.large_index])
    result = books.build_dashboard(ready.store, s, ready.kept(s.small), ready.kept(s.large), window,
                                   subjects.parse_as_of(as_of), out, overwrite)
    _built(result, cache)
    say_as_of(ctx, as_of, result.as_of)


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
    ready = _prepare(ctx, source, books.book_tickers(file), progress)
    r = books.refresh_book(ready.store, file, subjects.parse_as_of(as_of))
    say_as_of(ctx, as_of, r.as_of)
    tag = "[SYNTHETIC] " if r.synthetic else ""
    top = "; ".join(f"{item} {'n/a' if ch is None else f'{ch:+.1%}'}" for item, _, _, ch, _ in r.changes[:3])
    click.echo(f"{tag}Refreshed {r.path} ({r.template}, as of {r.as_of:%Y-%m-%d}, source "
               f"{label(r.source)}): {len(r.changes)} inputs moved{': ' + top if top else ''}. "
               f"See its Changes sheet. Backup: {r.backup}")


@cli.command("report")
@MARKET
@SMALL_INDEX
@LARGE_INDEX
@SMALL
@LARGE
@old_name("--benchmark", "--large-index")
@old_name("--universe", "--small")
@old_name("--large-universe", "--large")
@WINDOW
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("rerating-report"),
              show_default=True, help="Output folder.")
@click.option("--template-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="A folder with your own report.html.j2 (restyle without touching Python).")
@book_inputs
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
    source = market_source(ctx, market, source)
    s = _rally_subjects(ctx, small_index, large_index, small, large, source, market)
    ready = _prepare(ctx, source, [s.small_index, s.large_index, *s.small, *s.large], progress,
                     required=[s.small_index, s.large_index])
    rep, dash = books.write_report(settings_of(ctx), ready.store, s, ready.kept(s.small),
                                   ready.kept(s.large), window, subjects.parse_as_of(as_of), out,
                                   template_dir, progress=steps(progress))
    if cache:
        books.cache_values([dash.path], EchoNotes())
    tag = "[SYNTHETIC] " if rep.context["synthetic"] else ""
    click.echo(f"{tag}Report as of {rep.context['as_of_iso']} from {label(rep.context['source'])}: "
               f"{rep.pdf}, {rep.html}, {dash.path}")
    say_as_of(ctx, as_of, pd.Timestamp(rep.context["as_of_iso"]))


def _built(result, cache: bool = False) -> None:  # type: ignore[no-untyped-def]
    if cache:
        books.cache_values([result.path], EchoNotes())
    tag = "[SYNTHETIC] " if result.synthetic else ""
    # the whole command's time, fetch and cached values included (the workbook's own write
    # was shown: "in 0.01s" after 3.8 s)
    started = click.get_current_context().find_root().meta.get("started")
    took = time.perf_counter() - started if started is not None else result.seconds
    click.echo(f"{tag}Wrote {result.path} ({result.template}, as of {result.as_of:%Y-%m-%d}, "
               f"source {label(result.source)}) in {took:.2f}s")


def _prepare(ctx: click.Context, source: str, tickers: list[str], progress: bool,
             required: list[str] | None = None) -> books.Prepared:
    """:func:`books.prepare`, its lines on the terminal; a failed fetch makes the command exit 1
    after building from what is stored (labelled STALE), as `data refresh` does."""
    with Bars(progress) as bars:
        ready = books.prepare(settings_of(ctx), source, tickers, bars, EchoNotes(), required)
    if ready.fetch_failed:
        ctx.meta["fetch_failed"] = True
    return ready


def _rally_subjects(ctx: click.Context, small_index: str | None, large_index: str | None,
                    small: str | None, large: str | None, source: str,
                    market: str | None) -> subjects.RallySubjects:
    """:func:`subjects.rally_subjects`, with the options' old names still heard."""
    return subjects.rally_subjects(settings_of(ctx), small_index, given(ctx, "large_index", large_index),
                                   given(ctx, "small", small), given(ctx, "large", large), source,
                                   market, EchoNotes())
