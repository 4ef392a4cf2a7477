"""The data commands' work: sync, status, export, import, universes and renames, as plain
functions over :class:`~rerating.settings.Settings` that say what a user should read to a
:class:`~rerating.services.notes.Notes` (summaries with ``say``, checks and warnings with
``warn``). The command line (``cli/data.py``) and the server share them; neither reaches into
``rerating.data`` for this work itself."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from rerating.data import model
from rerating.data.store import open_store
from rerating.errors import InputError
from rerating.services import subjects
from rerating.services.notes import Notes
from rerating.services.refresh import label
from rerating.settings import Settings


# -- sync ----------------------------------------------------------------------------------------
def sync_store(settings: Settings, source_url: str, notes: Notes) -> None:
    """Copy the desk's shared store into the local store (what changed since the last sync)."""
    from rerating.data.store import Store
    from rerating.data.store.postgres import PgStore, is_url
    from rerating.data.store.sync import sync

    if not is_url(source_url):
        raise InputError(f"--from {source_url!r} is not a postgresql://… URL")
    if settings.store_url:
        raise InputError("sync copies the desk's store into the local store: unset "
                         "RERATING_STORE (or drop --store) for this command")
    src = PgStore(source_url)
    report = sync(src, Store(settings.data_dir))
    copied = ", ".join(f"{t} {n:,} tickers ({report.rows.get(t, 0):,} rows)"
                       for t, n in report.copied.items())
    same = sum(report.unchanged.values())
    notes.say(f"Synced {settings.data_dir} from {src.root} (generation {report.generation}): "
              + (f"copied {copied}" if copied else "nothing changed since the last sync")
              + f"; {same:,} table-tickers already current.")


# -- status --------------------------------------------------------------------------------------
def describe_store(settings: Settings, notes: Notes) -> None:
    """What the store holds: tickers, date ranges, sources, as-of and staleness; NSE's files
    read, each index's valuation history, the price checks and gaps; the universes' flags."""
    store = open_store(settings)
    if not store.exists():
        notes.say(f"The store at {store.root} is empty; run `rerating data refresh`.")
        universe_status(settings, notes)
        return
    notes.say(f"Store: {store.root} (generation {store.manifest()['generation']})")
    now = pd.Timestamp.now(tz="UTC")
    for table in (*model.MARKET_TABLES, "corporate_actions", "results_dates", "results",
                  "consensus"):
        cov = store.coverage(table)
        if not cov:
            continue
        by_source: dict[str, list] = {}  # type: ignore[type-arg]
        for c in cov:
            by_source.setdefault(c.source, []).append(c)
        for source, items in sorted(by_source.items()):
            last = max(c.last for c in items if c.last is not None)
            first = min(c.first for c in items if c.first is not None)
            fetched = max(c.fetched_at for c in items)
            age_h = (now - fetched).total_seconds() / 3600
            stale = "" if model.is_synthetic(source) else (" STALE" if age_h > 24 else "")
            notes.say(f"  {table:<16} {len(items):>4} tickers  {first.date()} .. {last.date()}  "
                      f"rows {sum(c.rows for c in items):>9,}  source {label(source)}  "
                      f"fetched {fetched:%Y-%m-%d %H:%M} UTC ({age_h:.1f} h ago){stale}")
    _archive_status(store, notes)
    universe_status(settings, notes)


def _archive_status(store, notes: Notes) -> None:  # type: ignore[no-untyped-def]
    """NSE's daily files read, each index's valuation history, and the price checks: days
    worth a look in closes as traded (a move no corporate action explains)."""
    from rerating.data.imports import price_checks
    from rerating.data.indices import IndexMap

    for c in store.coverage("archive_days"):
        what = {"nse:indices": "all-indices files (ind_close_all)",
                "nse:equities": "equity bhavcopies",
                "nse:event-calendar": "event calendar (results dates) asks"}.get(c.ticker, c.ticker)
        notes.say(f"  NSE {what}: {c.rows:,} days, {c.first:%Y-%m-%d} .. {c.last:%Y-%m-%d}, "
                   f"last read {c.fetched_at:%Y-%m-%d %H:%M} UTC")
    vals = store.coverage("index_valuation")
    if vals:
        names = IndexMap().names
        notes.say("  index P/E, P/B and yield history, per index:")
        for c in vals:
            nse = names.get(c.ticker, "")
            notes.say(f"    {c.ticker:<22} {nse[:24]:<24} {c.first:%Y-%m-%d} .. "
                       f"{c.last:%Y-%m-%d}  {c.rows:>6,} days  source {label(c.source)}")
    if not any(model.as_traded(pd.Series([c.source for c in store.coverage("prices")]))):
        return
    gaps: list[str] = []
    checks = price_checks(store, gaps=gaps)
    for g in gaps:
        notes.say(f"  gap in NSE's closes {g}")
    for r in checks.head(20).itertuples(index=False):
        notes.say(f"  check {r.ticker} {r.date:%Y-%m-%d}: {r.what}")
    if len(checks) > 20:
        notes.say(f"  … and {len(checks) - 20} more price checks")


def universe_status(settings: Settings, notes: Notes) -> None:
    """Lists saved though partial, each on a line; built-in lists NSE has rebalanced since,
    all on one line (`data universes` says each one's date)."""
    from rerating.data.universe import BUILTIN_LISTS, PARTIAL, saved_universes, universe_flag

    d = settings.data_dir
    names = dict.fromkeys([*BUILTIN_LISTS, *(p.stem for p in saved_universes(d))])
    flags = {n: universe_flag(n, d) for n in names}
    for name, flag in flags.items():
        if flag and flag.startswith(PARTIAL):
            notes.say(f"  universe {name}: {flag}")
    old = [n for n, f in flags.items() if f and not f.startswith(PARTIAL)]
    if old:
        notes.say(f"  universes OLD (NSE has rebalanced them since the built-in lists): "
                  f"{', '.join(old)}; `rerating data universes` gives each list's date and the "
                  "file that updates it")


# -- export --------------------------------------------------------------------------------------
def export_table(settings: Settings, table: str, out: Path, tickers: str | None,
                 start: str | None, end: str | None, notes: Notes) -> None:
    """A store table to CSV (text that could run as a formula is defused)."""
    from rerating.data.export import write_csv
    from rerating.data.providers.base import date_window
    from rerating.data.universe import resolve_universe

    names = resolve_universe(tickers, settings.data_dir) if tickers else None
    first, last = date_window(start, end)
    out.parent.mkdir(parents=True, exist_ok=True)  # a file in the way fails now, not after the read
    frame = open_store(settings).read(table, names, start=first, end=last)
    if frame.empty:
        raise InputError(f"the store holds no {table} for that selection; nothing written")
    write_csv(frame, out)
    sources = sorted(set(frame["source"].astype(str)))
    tag = "[SYNTHETIC] " if any(model.is_synthetic(x) for x in sources) else ""
    notes.say(f"{tag}Wrote {len(frame):,} {table} rows to {out} (source "
              f"{', '.join(map(label, sources))}; each row carries its source and fetch time)")


# -- import --------------------------------------------------------------------------------------
def import_files(settings: Settings, path: Path, notes: Notes, *, ticker: str | None = None,
                 dayfirst: bool = False, monthfirst: bool = False, exchange: str | None = None,
                 replace: bool = True, index: str | None = None) -> None:
    """A downloaded file, or a folder of them, into the store, and what was read and written."""
    from rerating.data.imports import import_into_store
    from rerating.data.indices import IndexMap
    from rerating.data.parsing import DAYFIRST, MONTHFIRST
    from rerating.data.providers.files import ImportOptions

    if dayfirst and monthfirst:
        raise InputError("--dayfirst and --monthfirst exclude each other; give one")
    opts = ImportOptions(ticker=ticker, index=index, exchange=exchange,
                         date_order=DAYFIRST if dayfirst else MONTHFIRST if monthfirst else None,
                         index_map=IndexMap.from_file(settings.index_map_file))
    report = import_into_store(open_store(settings), path, opts, replace_stored=replace)
    if len(report.files) == 1:
        f = report.files[0]
        notes.say(f"recognised: {f.layout}")
        for note in f.notes:
            notes.say(f"  {note}")
    else:
        layouts = sorted({f.layout for f in report.files})
        notes.say(f"recognised {len(report.files)} files: {'; '.join(layouts)}")
        for note in dict.fromkeys(n for f in report.files for n in f.notes
                                  if not n.startswith("skipped")):
            notes.say(f"  {note}")
    for table, lines in report.replaced.items():
        for line in lines[:10]:
            notes.say(f"  replaced {line}")
        if len(lines) > 10:
            notes.say(f"  … and {len(lines) - 10} more replaced values in {table}")
    for table, n in report.kept.items():
        notes.say(f"  kept {n:,} stored {table} rows (--no-replace)")
    for table, n in report.same.items():
        notes.say(f"  {n:,} {table} rows were already stored with the same values")
    for w in report.warnings[:10]:
        notes.warn(f"  {w}")
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
    notes.say(f"Imported {what} from {path} (source {source}).")


def import_filings(settings: Settings, path: Path, kind: str, notes: Notes) -> None:
    """Companies' results (NSE's XBRL instances or a results CSV; a file or a folder) or a
    desk's consensus CSV into the store, and what was read."""
    from rerating.analytics.results import quarter_label
    from rerating.data.providers.filings import import_filings as read_and_store

    files, written = read_and_store(open_store(settings), path, kind)
    for f in files:
        notes.say(f"read {f.name}" + (f": {'; '.join(f.notes)}" if f.notes else ""))
    quarters = sorted({quarter_label(p) for p in written["period_end"]})
    tickers = sorted(set(written["ticker"]))
    shown = ", ".join(tickers[:5]) + (f" and {len(tickers) - 5} more" if len(tickers) > 5 else "")
    notes.say(f"Imported {len(written):,} {kind} rows for {len(tickers)} companies ({shown}; "
              f"{', '.join(quarters)}) from {path} (source import:<each file's name>).")


# -- universes -----------------------------------------------------------------------------------
def universes(settings: Settings, notes: Notes, *, name: str | None = None,
              save_name: str | None = None, tickers: str | None = None,
              import_file: Path | None = None, update_file: Path | None = None,
              force: bool = False) -> None:
    """List the built-in and saved universes, show one's members, save one, or import an NSE
    constituent list (a list far from its index's size is refused unless ``force``)."""
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

    if name and not (import_file or update_file or save_name or tickers):
        show_universe(settings, name, notes)
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
        notes.say(f"recognised: {layout}")
        if partial:
            notes.warn(f"{PARTIAL}: {name} holds {partial}")
        notes.say(f"Saved universe {name}: {len(members)} tickers "
                   f"({', '.join(members['ticker'][:3])} …) with company names and industries, "
                   f"to {path}")
        return
    if save_name:
        if not tickers:
            raise InputError("--save needs --tickers (or --import FILE)")
        path = save_universe(save_name, resolve_universe(tickers), settings.data_dir)
        notes.say(f"Saved universe {save_name} to {path}")
        return
    saved = {p.stem: p for p in saved_universes(settings.data_dir)}
    for name, desc in builtin_universes().items():
        if name in saved:
            desc += f" (replaced by your saved list {saved[name].name})"
        notes.say(f"  {name:<16} {desc}")
        flag = universe_flag(name, settings.data_dir)
        if flag:
            notes.say(f"  {'':<16} {flag if flag.startswith(PARTIAL) else 'OLD: ' + flag}")
    for stem, p in saved.items():
        notes.say(f"  {stem:<16} saved ({p}){_saved_list_date(p)}")
        flag = universe_flag(stem, settings.data_dir)
        if flag and stem not in BUILTIN_LISTS:
            notes.say(f"  {'':<16} {flag}")


def renames(settings: Settings, notes: Notes) -> None:
    """NSE symbol changes and delistings the tool knows (yours: <data dir>/renames.csv)."""
    from rerating.data.renames import Renames

    path = settings.renames_file
    for r in Renames.from_file(path).all():
        notes.say(f"  {r.old:<12} -> {r.new or '(delisted)':<12} {r.date:<8} {r.note}")
    notes.say(f"Add yours to {path} (columns old,new,date,note).")


def show_universe(settings: Settings, name: str, notes: Notes) -> None:
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

    d = settings.data_dir
    key = name.strip().lower()
    if not is_universe(key, d):
        subjects.known_universe(settings, key)  # says what is known
        raise InputError(f"universe {name!r} is neither built in nor saved")
    saved = {p.stem: p for p in saved_universes(d)}
    listed = members(key, d)
    if key in saved:
        notes.say(f"{key}: your saved list {saved[key]}{_saved_list_date(saved[key])}")
    elif key in BUILTIN_LISTS:
        lst = BUILTIN_LISTS[key]
        notes.say(f"{key}: {lst.index}, NSE's list {lst.file} of {lst.date} (the "
                   f"{pd.Timestamp(lst.reflects + '-01'):%B %Y} membership); copy from "
                   f"{lst.source}")
        flag = universe_flag(key, d)
        if flag:
            notes.say(f"OLD: {flag}")
    else:
        notes.say(f"{key}: built in (SYNTHETIC demo market)")
    if listed is None:
        tickers = resolve_universe(key, d)
        notes.say(f"{len(tickers)} tickers")
        for t in tickers:
            notes.say(f"  {t}")
        return
    notes.say(f"{len(listed)} members")
    width = max(len(t) for t in listed["ticker"])
    for r in listed.itertuples(index=False):
        notes.say(f"  {r.ticker:<{width}}  {r.company_name[:48]:<48}  {r.industry}")


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
    stem = re.sub(r"^ind_|_?list$", "", path.stem.lower())
    stem = re.sub(r"[^a-z0-9_\-]", "-", stem).strip("-") or "imported"
    return stem[:40]
