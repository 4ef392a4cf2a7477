"""The books, the note and the demo: the store made ready for them (:func:`prepare`: a fetch
first when a provider is asked for), then built from it by ``rerating.workbooks`` and
``rerating.reports``. Each returns what it wrote, with its as-of, source and whether it is
synthetic; the caller says it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rerating.data.store import open_store
from rerating.errors import CacheMiss, NetworkError
from rerating.services import refresh as refreshing
from rerating.services import subjects
from rerating.services.notes import Notes
from rerating.settings import Settings


@dataclass
class Prepared:
    """The store a book is built from; ``fetch_failed`` when a fetch failed (the book is built
    from what is stored and says it is stale: exit status 1), and the tickers ``left_out`` for
    want of data."""

    store: Any
    fetch_failed: bool = False
    left_out: set[str] = field(default_factory=set)

    def kept(self, tickers: list[str]) -> list[str]:
        """``tickers`` less those left out for want of data."""
        return [t for t in tickers if t not in self.left_out]


def prepare(settings: Settings, source: str, tickers: list[str],
            progress: refreshing.Progress | None, notes: Notes,
            required: list[str] | None = None) -> Prepared:
    """The store, after refreshing ``tickers`` from ``source`` when it is a provider. A failed
    fetch is said per ticker; a ticker with nothing stored after a failed fetch stops the
    command when it is ``required`` (default: all); otherwise it is left out of the book, said
    once, and listed in :attr:`Prepared.left_out`."""
    if source == "store":
        return Prepared(open_store(settings))
    failed = refreshing.Failed()
    for src, group in refreshing.refresh_plan(settings, source, tickers, notes):
        failed.add_all(refreshing.refresh_source(settings, src, group, None, None, progress,
                                                 notes))
    store = open_store(settings)
    out = Prepared(store)
    if failed:
        out.fetch_failed = True
        held = {c.ticker for c in store.coverage("prices")}
        lacking = sorted(t for t in failed if t not in held)
        must = set(tickers if required is None else required)
        spare = [t for t in lacking if t not in must]
        if spare and len(spare) < len(set(tickers) - must):
            out.left_out = set(spare)
            notes.warn(f"note: left out for want of data (the fetch failed, nothing is stored): "
                       f"{', '.join(spare[:10])}{' …' if len(spare) > 10 else ''}")
            lacking = [t for t in lacking if t in must]
        if lacking:  # advising `data refresh`, the step that just failed, would not help
            shown = f"{', '.join(lacking[:5])}{' …' if len(lacking) > 5 else ''}"
            # advice about a symbol only for symbols no built-in list or store knows
            unknown = subjects.unknown_symbols(settings, lacking)
            check = (f"; check the symbol{'s' if len(unknown) > 1 else ''} "
                     f"{', '.join(unknown[:5])} (NSE tickers end in .NS): no built-in list "
                     f"knows {'them' if len(unknown) > 1 else 'it'}" if unknown else "")
            if failed.unreachable:
                raise NetworkError(f"the source could not be reached, and nothing is stored "
                                   f"for {len(lacking)} ticker(s) ({shown}): run it again when "
                                   "the network answers (once stored, every command works "
                                   f"offline){check}")
            raise CacheMiss(f"nothing stored for {shown} and the fetch above failed: retry when "
                            "the source answers, or import a downloaded file with `rerating data "
                            f"import prices FILE`{check}")
    return out


def cache_values(paths: list[Path], notes: Notes) -> None:
    """Computed values into the books' formula cells (one LibreOffice run), or one line why not."""
    if not Settings.from_env().cache_values:
        return
    from rerating.workbooks.cached import cache_values as cache

    done = cache(paths)
    if done.skipped:
        notes.warn(f"note: no cached values: {done.skipped}")


def build_model(store, ticker: str, out: Path, as_of: pd.Timestamp | None,  # type: ignore[no-untyped-def]
                overwrite: bool):
    """The DCF model workbook of one company."""
    from rerating.workbooks import content, engine

    subjects.known_ticker(store, ticker)
    return engine.build(content.dcf(store, ticker, as_of), out, overwrite=overwrite)


def build_comps(store, names: list[str], benchmark: str, window: str,  # type: ignore[no-untyped-def]
                as_of: pd.Timestamp | None, label: str, out: Path, overwrite: bool):
    """The comps workbook of a universe against its benchmark index."""
    from rerating.workbooks import content, engine

    c = content.comps(store, names, benchmark, window, as_of, universe=label)
    return engine.build(c, out, overwrite=overwrite)


def build_dashboard(store, s: subjects.RallySubjects, small: list[str], large: list[str],  # type: ignore[no-untyped-def]
                    window: str, as_of: pd.Timestamp | None, out: Path, overwrite: bool):
    """The small-cap rally dashboard workbook."""
    from rerating.workbooks import content, engine

    c = content.dashboard(store, s.small_index, s.large_index, small, large, window, as_of,
                          universe=s.label)
    return engine.build(c, out, overwrite=overwrite)


def book_tickers(path: Path) -> list[str]:
    """The tickers a book built from a template is about (its subject names)."""
    from rerating.workbooks import engine

    meta = engine.inspect(path)
    return [t for k in ("subject.ticker", "subject.universe", "subject.small", "subject.large",
                        "subject.benchmark", "subject.small_index", "subject.large_index")
            for t in str(meta.get(k) or "").split(",") if t]


def refresh_book(store, path: Path, as_of: pd.Timestamp | None):  # type: ignore[no-untyped-def]
    """A book brought up to date; the analyst's work left as it was (a backup kept)."""
    from rerating.workbooks import engine

    return engine.refresh(path, store, as_of)


def write_report(settings: Settings, store, s: subjects.RallySubjects, small: list[str],  # type: ignore[no-untyped-def]
                 large: list[str], window: str, as_of: pd.Timestamp | None, out: Path,
                 template_dir: Path | None, progress: Any = None):
    """The research note (HTML + PDF) and the dashboard behind it."""
    from rerating.reports.report import ReportSpec, publish

    small_ref, large_ref = subjects.universe_refs(settings, s.names, small, large)
    spec = ReportSpec(s.small_index, s.large_index, small, large, universe=s.label, window=window,
                      as_of=as_of, small_ref=small_ref, large_ref=large_ref)
    return publish(store, spec, out, template_dir, progress=progress)


@dataclass
class Demo:
    """What ``rerating demo`` wrote and found (all of it from the SYNTHETIC demo market)."""

    report: Any
    dashboard: Any
    model: Any
    comps: Any
    spec: Any
    seconds: float

    def files(self) -> list[tuple[str, Path]]:
        return [("report", self.report.pdf), ("report", self.report.html),
                ("dashboard", self.dashboard.path), ("DCF model", self.model.path),
                ("comps", self.comps.path)]


def run_demo(settings: Settings, out: Path, progress: refreshing.Progress | None, notes: Notes,
             step: Any = None) -> Demo:
    """The whole job on the synthetic demo market: the store filled, the note and its
    dashboard, one company's DCF model (the best rally that came with upgrades: a rerating,
    not a trap) and the comps book. ``step(text)`` hears each step as it starts."""
    from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, demo_market
    from rerating.reports.report import ReportSpec, publish
    from rerating.workbooks import content, engine

    step = step or (lambda _text: None)
    t0 = time.perf_counter()
    market = demo_market()
    step("filling the store with the synthetic demo market")
    filled = refreshing.run_refresh(settings, "demo", market.universe("demo"), "2005-01-01", None,
                                    progress)
    notes.say(f"[SYNTHETIC] Store {refreshing.where(settings)}: {sum(filled.rows.values()):,} rows "
              f"written, {sum(filled.up_to_date.values())} table-tickers already current.")
    store = open_store(settings)
    small = market.universe("demo-small")
    spec = ReportSpec(SMALL_INDEX, LARGE_INDEX, small, market.universe("demo-large"),
                      universe="demo-small", small_ref="demo-small", large_ref="demo-large")
    rep, dash = publish(store, spec, out, progress=step)
    s = rep.context["series"]
    genuine = [t for t in s["table"].index if s["revisions"].get(t, 0) > 0]
    coherent = subjects.sustainable(store, genuine, s["findings"].as_of)
    ticker = (coherent or genuine or small)[0]
    step(f"building the DCF model for {ticker} and the comps book")
    model_wb = engine.build(content.dcf(store, ticker), out / f"dcf_{ticker}.xlsx", overwrite=True)
    comps_wb = engine.build(content.comps(store, small, LARGE_INDEX, "MTD", universe="demo-small"),
                            out / "comps_demo-small.xlsx", overwrite=True)
    step("storing the computed values in the workbooks (LibreOffice, when installed)")
    cache_values([dash.path, model_wb.path, comps_wb.path], notes)
    return Demo(rep, dash, model_wb, comps_wb, spec, time.perf_counter() - t0)
