"""Worksheet XML for the sheets the tool owns, written directly (no openpyxl).

Text goes in as inline strings, which no spreadsheet reads as a formula, whatever it starts
with (``=``, ``+``, ``-``, ``@``): a name from a data source can never become one. No cell we
write carries a formula, so the only formulas in a workbook are the template's and the analyst's.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from rerating.workbooks.ooxml import NS_MAIN, NS_REL, col_letters

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_TEXT = 32_767  # Excel's limit for one cell
_EPOCH = dt.datetime(1899, 12, 30)


def excel_serial(d: dt.date | dt.datetime) -> float:
    """Excel's 1900 date system serial (days since 1899-12-30, time as the fraction)."""
    if not isinstance(d, dt.datetime):
        d = dt.datetime(d.year, d.month, d.day)
    if d.tzinfo is not None:
        d = d.replace(tzinfo=None)
    return (d - _EPOCH).total_seconds() / 86400.0


def _text(s: str) -> str:
    s = _ILLEGAL.sub("\ufffd", s)[:MAX_TEXT]
    # a carriage return would be normalised away by XML parsers: Excel's escape keeps it
    return escape(s).replace("\r", "_x000D_")


def cell_xml(ref: str, v: Any, date_style: int | None) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, dt.date):  # datetime is a date
        if date_style is None:
            return f'<c r="{ref}"><v>{excel_serial(v)!r}</v></c>'
        return f'<c r="{ref}" s="{date_style}"><v>{excel_serial(v)!r}</v></c>'
    if isinstance(v, int | float) or (hasattr(v, "__float__") and not isinstance(v, str)):
        f = float(v)
        if not math.isfinite(f):
            return ""
        return f'<c r="{ref}"><v>{f!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(str(v))}</t></is></c>'


def worksheet_xml(cells: Mapping[tuple[int, int], Any], *, date_style: int | None = None,
                  widths: Mapping[int, float] | None = None, protect: bool = True,
                  tab_color: str = "FF808080") -> bytes:
    """A complete worksheet part from {(row, col): value} (1-based; values: str, number, bool,
    date/datetime or None)."""
    rows: dict[int, list[tuple[int, Any]]] = {}
    for (r, c), v in cells.items():
        rows.setdefault(r, []).append((c, v))
    max_r = max(rows, default=1)
    max_c = max((c for (_, c) in cells), default=1)
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
           f'<sheetPr><tabColor rgb="{tab_color}"/><pageSetUpPr fitToPage="1"/></sheetPr>'
           f'<dimension ref="A1:{col_letters(max_c)}{max_r}"/>'
           '<sheetViews><sheetView workbookViewId="0"><pane ySplit="3" topLeftCell="A4" '
           'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
           '<sheetFormatPr defaultRowHeight="15"/>']
    if widths:
        out.append("<cols>")
        for c in sorted(widths):
            out.append(f'<col min="{c}" max="{c}" width="{widths[c]:.2f}" customWidth="1"/>')
        out.append("</cols>")
    out.append("<sheetData>")
    for r in sorted(rows):
        body = "".join(cell_xml(f"{col_letters(c)}{r}", v, date_style) for c, v in sorted(rows[r], key=lambda x: x[0]))
        if body:
            out.append(f'<row r="{r}">{body}</row>')
    out.append("</sheetData>")
    if protect:  # no password: a guard against typing into the tool's sheet, not security
        out.append('<sheetProtection sheet="1" objects="1" scenarios="1" formatColumns="0" '
                   'formatRows="0" sort="0" autoFilter="0"/>')
    out.append('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>')
    # printed: A4 landscape, one page wide, each page naming its sheet (as the template's sheets)
    out.append('<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
    out.append('<headerFooter><oddHeader>&amp;L&amp;A&amp;RRerating Desk</oddHeader>'
               '<oddFooter>&amp;RPage &amp;P of &amp;N</oddFooter></headerFooter>')
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")
