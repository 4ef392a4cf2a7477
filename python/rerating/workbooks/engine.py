"""Build workbooks from the templates and refresh them without touching the analyst's work.

A build and a refresh are the same operation: take a package (the template, or the analyst's
file), replace the parts of the three sheets the tool owns (Data, Changes, _rerating), mark
the workbook for recalculation on open, drop the stale calculation chain, and copy every other
part byte for byte. The new file is written beside the old one and swapped in atomically, after
a backup; a crash at any moment leaves the original untouched.
"""

from __future__ import annotations

import datetime as dt
import glob
import io
import os
import re
import shutil
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rerating.data.store import Store
from rerating.errors import WorkbookError
from rerating.workbooks import content, layout
from rerating.workbooks.ooxml import (
    NS_MAIN,
    Package,
    lock_owner,
    read_cells,
    with_full_calc_on_load,
    without_calc_chain,
    write_package,
)
from rerating.workbooks.sheetxml import worksheet_xml

BACKUP_DIR = ".rerating-backups"
KEEP_BACKUPS = 5
MAX_CHANGE_ROWS = 1000


def template_path(name: str) -> Path:
    """A shipped template: inside the installed package, or ``templates/`` in a checkout."""
    packaged = resources.files("rerating") / "templates" / f"{name}.xlsx"
    if packaged.is_file():
        return Path(str(packaged))
    here = Path(__file__).resolve().parents[3] / "templates" / f"{name}.xlsx"
    if here.is_file():
        return here
    raise WorkbookError(f"no template {name!r}; the templates are {', '.join(layout.LAYOUTS)}")


@dataclass(frozen=True)
class Result:
    path: Path
    template: str
    as_of: Any
    source: str
    synthetic: bool
    changes: list[tuple[str, Any, Any, Any, str]]  # item, previous, current, change, note
    backup: Path | None
    seconds: float


# -- reading what we wrote -----------------------------------------------------------------------
def _owned_parts(pkg: Package) -> dict[str, str]:
    sheets = {s.name: s.part for s in pkg.sheets()}
    missing = [s for s in layout.OWNED_SHEETS if s not in sheets]
    if missing:
        raise WorkbookError(f"{pkg.path.name} was not made from a Rerating Desk template "
                            f"(no {', '.join(missing)} sheet); build one with `rerating model build`, "
                            "`rerating comps build` or `rerating dashboard build`")
    return {s: sheets[s] for s in layout.OWNED_SHEETS}


def read_meta(pkg: Package) -> dict[str, Any]:
    cells = read_cells(pkg, _owned_parts(pkg)[layout.META])
    meta: dict[str, Any] = {}
    tracked: dict[str, float] = {}
    for (r, c), key in sorted(cells.items()):
        if c != 1 or not isinstance(key, str):
            continue
        val = cells.get((r, 2))
        if key.startswith("tracked:"):
            if isinstance(val, float):
                tracked[key[len("tracked:"):]] = val
        else:
            meta[key] = val
    meta["tracked"] = tracked
    if meta.get("template") not in layout.LAYOUTS:
        raise WorkbookError(f"{pkg.path.name}: its _rerating sheet names no known template")
    return meta


def _date_style(pkg: Package) -> int | None:
    """Index of a cell format that shows a date, from the workbook's own styles.xml."""
    rels = pkg.workbook_rels()
    part = next((p for t, p in rels.values() if t.endswith("/styles")), None)
    if part is None or part not in pkg.names:
        return None
    root = pkg.xml(part)
    custom = {int(n.get("numFmtId", "0")): n.get("formatCode", "")
              for n in root.iter(f"{{{NS_MAIN}}}numFmt")}
    xfs = root.find(f"{{{NS_MAIN}}}cellXfs")
    if xfs is None:
        return None
    best = None
    for i, xf in enumerate(xfs.findall(f"{{{NS_MAIN}}}xf")):
        fid = int(xf.get("numFmtId", "0"))
        code = custom.get(fid, "").lower()
        if code == "yyyy-mm-dd":
            return i
        if best is None and (fid == 14 or ("yy" in code and "d" in code and "h" not in code)):
            best = i
    return best


def _version(meta: dict[str, Any]) -> int:
    """The template version a book was made from (books before versioning say 1)."""
    try:
        return int(float(meta.get("template_version") or 1))
    except (TypeError, ValueError):
        return 1


def _check_names(pkg: Package, spec: layout.Layout, version: int) -> None:
    have = {k: v.replace("$", "").replace("'", "") for k, v in pkg.defined_names().items()}
    for name, ref in spec.names(version).items():
        want = ref.replace("$", "")
        if name not in have:
            raise WorkbookError(f"{pkg.path.name}: the defined name {name} is gone; the tool fills "
                                f"{want} through it. Restore it (Formulas > Name Manager) or rebuild")
        if have[name] != want:
            raise WorkbookError(f"{pkg.path.name}: the defined name {name} now points at {have[name]}, "
                                f"not {want}; Data is the tool's sheet, so its names cannot move")


# -- rendering the owned sheets -------------------------------------------------------------------
def _banner(c: content.Content) -> str:
    lead = "SYNTHETIC DEMO DATA - not market prices. " if c.synthetic else ""
    return f"{lead}Source: {c.source} | as of {c.as_of:%Y-%m-%d}"


def _data_sheet(spec: layout.Layout, c: content.Content, date_style: int | None) -> bytes:
    cells: dict[tuple[int, int], Any] = {
        (1, 1): "Tool-owned data: Rerating Desk rewrites this sheet at every refresh. Do not type here.",
        (2, 1): _banner(c), (3, 1): layout.DATA_NOT_PRINTED, (4, 1): "Field", (4, 2): "Value"}
    kinds = spec.kinds()
    for f in spec.fields:
        r, col = spec.field_cell(f.name)
        cells[(r, 1)] = f.label
        cells[(r, col)] = _typed(c.values.get(f.name), kinds[f.name])
    for b in spec.blocks:
        cells[(spec.first_row - 1, b.col)] = b.title
        for column in b.columns:
            r0, col, cap = spec.column_range(column.name)
            cells[(r0 - 1, col)] = column.label
            values = list(c.values.get(column.name) or [])
            if len(values) > cap:
                raise WorkbookError(f"{column.name} has {len(values)} rows; the template holds {cap}")
            for i, x in enumerate(values):
                cells[(r0 + i, col)] = _typed(x, column.kind)
    return worksheet_xml(cells, date_style=date_style, widths=spec.widths)


def _typed(x: Any, kind: str) -> Any:
    if x is None:
        return None
    if kind == "text":
        return str(x)
    if kind == "date":
        return x if isinstance(x, dt.date) else None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _diff(old: dict[str, float], new: dict[str, float]) -> list[tuple[str, Any, Any, Any, str]]:
    rows = []
    for item in sorted(set(old) | set(new)):
        a, b = old.get(item), new.get(item)
        if a == b:
            continue
        change = (b - a) / abs(a) if a not in (None, 0) and b is not None else None
        if a is None:
            note = "new in this refresh"
        elif b is None:
            note = "no longer available from the source"
        elif "EPS" in item:
            note = ("estimate revised UP: revisit the growth path and the target" if b > a else
                    "estimate revised DOWN: revisit the growth path and the target")
        elif "revisions" in item:
            note = "revision count moved"
        else:
            note = "moved: upside and multiples change with it"
        rows.append((item, a, b, change, note))
    rows.sort(key=lambda r: -abs(r[3]) if r[3] is not None else 0)
    return rows


def _changes_sheet(old: dict[tuple[int, int], Any], stamp: str,
                   rows: list[tuple[str, Any, Any, Any, str]], first: bool, c: content.Content) -> bytes:
    cells: dict[tuple[int, int], Any] = {
        (1, 1): "What moved at each refresh (tool-owned; newest first).",
        (2, 1): _banner(c)}
    for j, h in enumerate(("Refreshed at", "Item", "Previous", "Current", "Change", "What to revisit"), 1):
        cells[(3, j)] = h
    r = 4
    if first:
        cells[(r, 1)], cells[(r, 2)] = stamp, f"built from the {c.template} template"
        cells[(r, 6)] = f"as of {c.as_of:%Y-%m-%d}, source {c.source}"
        r += 1
    elif not rows:
        cells[(r, 1)], cells[(r, 2)], cells[(r, 6)] = stamp, "(nothing moved)", f"as of {c.as_of:%Y-%m-%d}"
        r += 1
    for item, a, b, ch, note in rows[:200]:
        cells.update({(r, 1): stamp, (r, 2): item, (r, 3): a, (r, 4): b, (r, 5): ch, (r, 6): note})
        r += 1
    if len(rows) > 200:
        cells[(r, 1)], cells[(r, 2)] = stamp, f"... and {len(rows) - 200} smaller moves"
        r += 1
    if rows and not first:  # the analyst's sheets are not rewritten, so neither are their values
        cells[(r, 1)], cells[(r, 2)] = stamp, "(values shown before recalculation)"
        cells[(r, 6)] = ("Your sheets still carry the values computed before this refresh: previews, "
                         "phones and pandas show those until Excel or LibreOffice opens the book, "
                         "which recalculates on open.")
        r += 1
    # earlier refreshes follow, as they were
    old_rows = sorted({rr for (rr, _) in old if rr >= 4})
    for rr in old_rows:
        if r >= 4 + MAX_CHANGE_ROWS:
            break
        for col in range(1, 7):
            if (rr, col) in old:
                cells[(r, col)] = old[(rr, col)]
        r += 1
    return worksheet_xml(cells, widths={1: 20, 2: 36, 3: 14, 4: 14, 5: 10, 6: 60})


def _meta_sheet(c: content.Content, built_at: str, stamp: str) -> bytes:
    rows: list[tuple[str, Any]] = [("template", c.template), ("template_version", layout.TEMPLATE_VERSION),
                                   ("as_of", f"{c.as_of:%Y-%m-%d}"), ("source", c.source),
                                   ("built_at", built_at), ("refreshed_at", stamp)]
    rows += [(f"subject.{k}", v) for k, v in c.subject.items()]
    rows += [(f"tracked:{k}", v) for k, v in sorted(c.tracked.items())]
    cells = {}
    for i, (k, v) in enumerate(rows, 1):
        cells[(i, 1)], cells[(i, 2)] = k, v
    return worksheet_xml(cells, widths={1: 40, 2: 30}, protect=True)


# -- the one write path --------------------------------------------------------------------------
def _sweep_stale_temps(folder: Path, pattern: str) -> None:
    """Delete ``.<pattern>.rerating-<pid>.tmp`` files whose writer is no longer running."""
    for p in folder.glob(f".{pattern}.rerating-*.tmp"):
        m = re.search(r"rerating-(\d+)\.tmp$", p.name)
        pid = int(m.group(1)) if m else -1
        alive = False
        if pid > 0 and os.name != "nt":
            try:
                os.kill(pid, 0)
                alive = True
            except ProcessLookupError:
                alive = False
            except PermissionError:
                alive = True
        elif time.time() - p.stat().st_mtime < 3600:
            alive = True
        if not alive:
            p.unlink(missing_ok=True)


def _backup(path: Path) -> Path:
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    _sweep_stale_temps(folder, f"{glob.escape(path.stem)}.*{glob.escape(path.suffix)}")
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    dest = folder / f"{path.stem}.{stamp}{path.suffix}"
    tmp = folder / f".{dest.name}.rerating-{os.getpid()}.tmp"
    shutil.copy2(path, tmp)
    os.replace(tmp, dest)
    old = sorted(folder.glob(f"{path.stem}.*{path.suffix}"))
    for p in old[:-KEEP_BACKUPS]:
        p.unlink(missing_ok=True)
    return dest


def _write_atomically(out: Path, write: Callable[[io.BufferedWriter], None], backup: bool) -> Path | None:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale_temps(out.parent, glob.escape(out.name))
    tmp = out.parent / f".{out.name}.rerating-{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            write(f)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
        with zipfile.ZipFile(tmp) as z:  # never swap in a file that does not read back
            bad = z.testzip()
            if bad is not None:
                raise WorkbookError(f"the new {out.name} failed its check at part {bad}; nothing was changed")
        saved = _backup(out) if backup and out.exists() else None
        os.replace(tmp, out)
        if os.name != "nt":
            fd = os.open(out.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return saved
    finally:
        tmp.unlink(missing_ok=True)


# the first row of each table a template prints, and the Data list that fills it
_PRINTED_TABLES = {"comps": {"Comps": (14, "rr_c_ticker")},
                   "rally_dashboard": {"History": (5, "rr_m_month"), "Rally": (5, "rr_s_ticker")}}


def _print_rows(c: content.Content) -> dict[str, int]:
    """Sheet -> last row worth printing: a table's rows up to its last filled one (blank
    capacity rows would print as empty pages)."""
    out = {}
    for sheet, (first, col) in _PRINTED_TABLES.get(c.template, {}).items():
        out[sheet] = first - 1 + max(1, len(c.values.get(col) or []))
    return out


def _fit_print_areas(workbook_xml: bytes, sheets: list[str], last_rows: dict[str, int]) -> bytes:
    """The template's print areas of ``last_rows``' sheets, ended at those rows (never beyond
    the template's own end)."""
    if not last_rows:
        return workbook_xml
    text = workbook_xml.decode("utf-8")

    def fit(m: re.Match[str]) -> str:
        i = int(m["sheet"])
        last = last_rows.get(sheets[i]) if i < len(sheets) else None
        if last is None:
            return m.group(0)
        return f'{m["head"]}{m["ref"]}{min(last, int(m["end"]))}{m["tail"]}'

    text = re.sub(r'(?P<head><definedName name="_xlnm\.Print_Area" localSheetId="(?P<sheet>\d+)"[^>]*>)'
                  r"(?P<ref>[^<]*\$)(?P<end>\d+)(?P<tail></definedName>)", fit, text)
    return text.encode("utf-8")


def _fill(src: Path, c: content.Content, out: Path, *, first: bool, backup: bool) -> Result:
    t0 = time.perf_counter()
    spec = layout.LAYOUTS[c.template]
    # one refresh time throughout: the Data sheet's (set with the content), the record's and
    # the Changes sheet's
    stamp = f"{c.values['rr_refreshed']} UTC"
    with Package(src) as pkg:
        parts = _owned_parts(pkg)
        meta = read_meta(pkg)
        if meta["template"] != c.template:
            raise WorkbookError(f"{src.name} is a {meta['template']} workbook, not {c.template}")
        _check_names(pkg, spec, _version(meta))
        old_changes = {} if first else read_cells(pkg, parts[layout.CHANGES])
        rows = [] if first else _diff(meta["tracked"], c.tracked)
        built_at = stamp if first else str(meta.get("built_at") or stamp)
        replace = {
            parts[layout.DATA]: _data_sheet(spec, c, _date_style(pkg)),
            parts[layout.CHANGES]: _changes_sheet(old_changes, stamp, rows, first, c),
            parts[layout.META]: _meta_sheet(c, built_at, stamp),
        }
        wb_xml = pkg.read("xl/workbook.xml")
        new_wb = with_full_calc_on_load(wb_xml)
        if first:  # the whole book is ours at build: print only the rows that hold data
            new_wb = _fit_print_areas(new_wb, [s.name for s in pkg.sheets()], _print_rows(c))
        if new_wb != wb_xml:  # else leave the part alone
            replace["xl/workbook.xml"] = new_wb
        edits, drop = without_calc_chain(pkg)
        replace.update(edits)
        saved = _write_atomically(out, lambda f: write_package(pkg, f, replace, drop), backup)
    return Result(out, c.template, c.as_of, c.source, c.synthetic, rows, saved, time.perf_counter() - t0)


# -- public API ----------------------------------------------------------------------------------
def build(c: content.Content, out: Path, *, overwrite: bool = False) -> Result:
    """Write a new workbook from ``c.template`` filled with ``c``."""
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(f"{out.name}: give a file name ending in .xlsx")
    if out.exists() and not overwrite:
        raise WorkbookError(f"{out} exists; refresh it with `rerating refresh {out}` "
                            "or pass --overwrite to rebuild it (a backup is kept)")
    if out.exists():
        _refuse_if_open(out)
    return _fill(template_path(c.template), c, out, first=True, backup=out.exists())


def _refuse_if_open(path: Path) -> None:
    who = lock_owner(path)
    if who:
        raise WorkbookError(f"{path.name} is open in {who}; close it and run the refresh again "
                            "(nothing was changed)")


def content_for(meta: dict[str, Any], store: Store, as_of: Any = None) -> content.Content:
    """Content for a workbook built earlier, from what its _rerating sheet records."""
    t = meta["template"]
    needs = {"dcf_model": "subject.ticker", "comps": "subject.universe"}.get(t, "subject.small")
    if not meta.get(needs):
        build = {"dcf_model": "model build TICKER", "comps": "comps build UNIVERSE"}.get(
            t, "dashboard build")
        raise WorkbookError(f"this is the {t} template itself, not a book built from it, so it "
                            f"has no subject to refresh: make one with `rerating {build} -o FILE`")
    if t == "dcf_model":
        return content.dcf(store, str(meta["subject.ticker"]), as_of)
    if t == "comps":
        names = str(meta["subject.universe"]).split(",")
        return content.comps(store, names, str(meta["subject.benchmark"]), str(meta["subject.window"]),
                       as_of, universe=str(meta.get("subject.label") or ""))
    small = str(meta["subject.small"]).split(",")
    large = str(meta["subject.large"]).split(",") if meta.get("subject.large") else []
    return content.dashboard(store, str(meta["subject.small_index"]), str(meta["subject.large_index"]),
                       small, large, str(meta["subject.window"]), as_of,
                       universe=str(meta.get("subject.label") or ""))


def inspect(path: Path) -> dict[str, Any]:
    """What the tool knows about a workbook it built (template, subject, as-of, source)."""
    with Package(Path(path)) as pkg:
        return read_meta(pkg)


def refresh(path: Path, store: Store, as_of: Any = None) -> Result:
    """Bring a workbook built from a template up to date with the store, keeping the rest."""
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"{path} does not exist")
    _refuse_if_open(path)
    with Package(path) as pkg:
        meta = read_meta(pkg)
    c = content_for(meta, store, as_of)
    return _fill(path, c, path, first=False, backup=True)
