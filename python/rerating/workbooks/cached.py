"""Cached values for the formulas of books we build, so that readers that do not recalculate
(pandas and openpyxl ``data_only``, Outlook and file-manager previews, Excel's protected view of
a mailed attachment, phones, the web viewer before editing) show the numbers Excel shows.

The values come from LibreOffice recalculating the book, when it is installed; it is never
required (without it a book is written as before, formulas only, and Excel recalculates on
open, ``fullCalcOnLoad`` stays set either way). Only the ``<v>`` of our own formula cells is
written: every other byte of every part is kept. Used on books just built, whose every sheet is
ours; a refresh leaves the analyst's sheets alone, so their cached values may be old until a
recalculation, which the Changes sheet says.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from rerating.workbooks.libreoffice import recalculate, soffice
from rerating.workbooks.ooxml import NS_MAIN, Package, _q, write_package

# a formula cell as openpyxl writes it: <c r="B5" s="8"><f>…</f><v></v></c>
_FORMULA_CELL = re.compile(
    r'<c r="(?P<ref>[A-Z]+\d+)"(?P<attrs>[^>]*)>(?P<f><f(?:\s[^>]*)?>.*?</f>|<f[^>]*/>)'
    r'(?:<v\s*/>|<v>[^<]*</v>)?</c>', re.S)
_T_ATTR = re.compile(r'\st="[^"]*"')


@dataclass(frozen=True)
class Cached:
    """What was done: books whose formulas now carry values, and why not, if not."""

    books: list[Path]
    skipped: str | None = None


def _computed(pkg: Package) -> dict[str, dict[str, tuple[str, str]]]:
    """Sheet name -> cell -> (type, value text) of every formula cell LibreOffice computed."""
    strings: list[str] | None = None
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for sheet in pkg.sheets():
        cells: dict[str, tuple[str, str]] = {}
        for c in pkg.xml(sheet.part).iter(_q(NS_MAIN, "c")):
            if c.find(_q(NS_MAIN, "f")) is None:
                continue
            v = c.find(_q(NS_MAIN, "v"))
            t, text = c.get("t", "n"), (v.text or "") if v is not None else ""
            if t == "s":  # a string result kept in the shared-string table
                strings = pkg.shared_strings() if strings is None else strings
                t, text = "str", strings[int(text)] if text.isdigit() and int(text) < len(strings) else ""
            elif t == "inlineStr":
                t, text = "str", "".join(x.text or "" for x in c.iter(_q(NS_MAIN, "t")))
            if v is None and t not in ("str",):
                continue
            cells[c.get("r", "")] = (t, text)
        out[sheet.name] = cells
    return out


def _with_values(xml: str, values: dict[str, tuple[str, str]]) -> tuple[str, int]:
    """The sheet XML with each formula cell's computed value cached; how many were filled."""
    n = 0

    def fill(m: re.Match[str]) -> str:
        nonlocal n
        got = values.get(m["ref"])
        if got is None:
            return m.group(0)
        t, text = got
        attrs = _T_ATTR.sub("", m["attrs"])
        kind = {"str": ' t="str"', "b": ' t="b"', "e": ' t="e"'}.get(t, "")
        n += 1
        return f'<c r="{m["ref"]}"{attrs}{kind}>{m["f"]}<v>{escape(text)}</v></c>'

    return _FORMULA_CELL.sub(fill, xml), n


def cache_values(books: list[Path], timeout: float = 300) -> Cached:
    """Write LibreOffice's computed values into the formula cells of ``books`` (one LibreOffice
    run for all), each book swapped in atomically. Without LibreOffice nothing changes."""
    from rerating.workbooks.engine import _write_atomically

    books = [Path(b) for b in books]
    if not books:
        return Cached([])
    if soffice() is None:
        return Cached([], "LibreOffice is not installed: the books hold formulas only, which "
                          "Excel and LibreOffice compute on open (previews and pandas show blanks)")
    with tempfile.TemporaryDirectory(prefix="rr-cache-") as tmp:
        # distinct names: LibreOffice writes each output under its source's file name
        staged = []
        for i, b in enumerate(books):
            s = Path(tmp) / "in" / f"{i}_{b.name}"
            s.parent.mkdir(exist_ok=True)
            s.write_bytes(b.read_bytes())
            staged.append(s)
        recalculate(staged, Path(tmp) / "out", timeout=timeout)
        for b, s in zip(books, staged, strict=True):
            with Package(Path(tmp) / "out" / s.name) as lo:
                computed = _computed(lo)
            with Package(s) as pkg:  # the staged copy: b itself is only ever swapped
                replace = {}
                for sheet in pkg.sheets():
                    if sheet.name not in computed:
                        continue
                    xml = pkg.read(sheet.part).decode("utf-8")
                    new, n = _with_values(xml, computed[sheet.name])
                    if n:
                        replace[sheet.part] = new.encode("utf-8")
                _write_atomically(b, lambda f, pkg=pkg, replace=replace: write_package(pkg, f, replace),
                                  backup=False)
    return Cached(books)
