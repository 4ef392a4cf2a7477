"""Builds the three templates in ``templates/`` (run ``python -m rerating.workbooks.design``).

The templates are checked in; this script is how they were made and how to remake them after a
layout change. Every derived number is a live formula that refers to the Data sheet through
defined names, so the analyst can audit each step and move things around; the tool only ever
rewrites the sheets it owns (Data, Changes and the hidden _rerating sheet).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference, ScatterChart, Series
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from rerating.analytics.dcf import FADE_DEFAULTS
from rerating.workbooks.layout import (
    CHANGES,
    COMPS,
    COMPS_CAPACITY,
    DASHBOARD,
    DATA,
    DATA_NOT_PRINTED,
    DCF,
    HISTORY_CAPACITY,
    META,
    STOCKS_CAPACITY,
    TEMPLATE_VERSION,
    Layout,
)

PCT = "0.0%"
MULT = '0.0"x"'
NUM = "#,##0.00"
DATE = "yyyy-mm-dd"
INPUT_FONT = Font(color="FF0000CC", bold=True)
INPUT_FILL = PatternFill("solid", fgColor="FFFFF2CC")
TITLE = Font(bold=True, size=14)
HEAD = Font(bold=True)
def _iso(expr: str) -> str:
    """A date as YYYY-MM-DD text in any Excel locale. TEXT(x, "yyyy-mm-dd") is not: its format
    string is read in the user's language (German Excel wants "JJJJ-MM-TT")."""
    return (f'YEAR({expr})&"-"&RIGHT("0"&MONTH({expr}),2)&"-"&RIGHT("0"&DAY({expr}),2)')


BANNER = ('=IF(rr_is_synthetic=1,"SYNTHETIC DEMO DATA - not market prices. ","")'
          '&"Source: "&rr_source&" | as of "&' + _iso("rr_as_of"))


def _name(wb: Workbook, name: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _head(ws: Worksheet, title: str, subtitle: str) -> None:
    ws["A1"] = title
    ws["A1"].font = TITLE
    ws["A2"] = BANNER
    ws["A2"].font = Font(bold=True, color="FFC00000")
    ws["A3"] = subtitle
    ws["A3"].font = Font(italic=True, color="FF595959")


def _row(ws: Worksheet, r: int, label: str, formula: str, fmt: str | None = None,
         name: str | None = None, wb: Workbook | None = None, note: str = "") -> None:
    ws.cell(r, 1, label)
    c = ws.cell(r, 2, formula)
    if fmt:
        c.number_format = fmt
    if note:
        ws.cell(r, 3, note).font = Font(italic=True, color="FF595959")
    if name and wb is not None:
        _name(wb, name, f"{ws.title}!$B${r}")


def _owned(wb: Workbook, layout: Layout) -> None:
    """The tool's sheets, as the engine will rewrite them (labels only, values come at fill)."""
    data = wb.create_sheet(DATA)
    data["A1"] = "Tool-owned data: every refresh rewrites this sheet. Do not type here."
    data["A1"].font = HEAD
    # Left out of the print: hundreds of rows by thirty columns, one page wide, could not be
    # read; the designed sheets print what the data says. Its print area is its first lines.
    data["A3"] = DATA_NOT_PRINTED
    data.print_area = "A1:A3"
    data["A4"] = "Field"
    data["B4"] = "Value"
    for i, f in enumerate(layout.fields):
        data.cell(layout.first_row + i, 1, f.label)
        if f.kind == "date":  # so styles.xml carries a date format the engine can use
            data.cell(layout.first_row + i, 2).number_format = DATE
    for b in layout.blocks:
        data.cell(layout.first_row - 1, b.col, b.title).font = HEAD
        for j, c in enumerate(b.columns):
            data.cell(layout.first_row, b.col + j, c.label).font = HEAD
    for name, ref in layout.names().items():
        _name(wb, name, ref)
    ch = wb.create_sheet(CHANGES)
    ch["A1"] = "What moved at each refresh (tool-owned)."
    for j, h in enumerate(("Refreshed at", "Item", "Previous", "Current", "Change", "What to revisit"), 1):
        ch.cell(3, j, h).font = HEAD
    meta = wb.create_sheet(META)
    meta["A1"], meta["B1"] = "template", layout.template
    meta["A2"], meta["B2"] = "template_version", TEMPLATE_VERSION
    meta.sheet_state = "veryHidden"


def _print(ws: Worksheet, area: str, *, landscape: bool = False, titles: str | None = None) -> None:
    """A print area, A4, fitted to one page wide (as many tall as it needs), headings repeated."""
    ws.print_area = area
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the area needs
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.8  # room for the header and footer
    ws.page_margins.header = ws.page_margins.footer = 0.3
    if titles:
        ws.print_title_rows = titles
    # each page says which sheet it is and how far in: a printed book can be put back in order
    ws.oddHeader.left.text = "&A"
    ws.oddHeader.right.text = "Rerating Desk"
    ws.oddFooter.right.text = "Page &P of &N"


def _low_labels(chart: BarChart | LineChart, every: int) -> None:
    """Category labels at the bottom of the plot even when values are negative (not drawn
    through the zero line), one label every ``every`` categories so that they do not collide."""
    chart.x_axis.tickLblPos = "low"
    chart.x_axis.tickLblSkip = every
    chart.x_axis.tickMarkSkip = every
    chart.x_axis.number_format = "mmm yy"


#: how wide a character is, in column-width units (a column's width counts the default font's
#: "0"; where Calibri is missing, as on Linux, LibreOffice draws a wider font, so this errs wide)
CHAR_WIDTH, BOLD_WIDTH = 1.1, 1.35
LINE_POINTS = 14.5  # one line of 10-11 pt text, with its leading


def text_width(text: str, bold: bool = False) -> float:
    """The column width a line of ``text`` needs (an estimate that errs wide)."""
    return len(text) * (BOLD_WIDTH if bold else CHAR_WIDTH) + 1


#: columns of computed text sized for what they show: NSE tickers with a suffix (the longest
#: 14 characters, LOHITTEL2.DEMO, BAJAJ-AUTO.NS), sector names (Communication Services) and
#: the value-trap flag; capitals measured as bold, they are as wide
TICKER_WIDTH = round(text_width("LOHITTEL2.DEMO", bold=True) + 1, 1)
SECTOR_WIDTH = round(text_width("Communication Services") + 2, 1)
FLAG_WIDTH = round(text_width("VALUE TRAP?", bold=True) + 1, 1)


def wrapped_lines(text: str, width: float, bold: bool = False) -> int:
    """Lines ``text`` takes wrapped at word boundaries in a column ``width`` wide."""
    lines, line = 1, ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and text_width(trial, bold) > width:
            lines, line = lines + 1, word
        else:
            line = trial
    return lines


def _column_width(ws: Worksheet, col: int) -> float:
    d = ws.column_dimensions.get(get_column_letter(col))
    return float(d.width) if d is not None and d.width else 8.43


def _fit(ws: Worksheet) -> None:
    """No label or heading is cut by the cell to its right: a bold heading wraps in its
    column (its row made tall enough), any other text widens its column (up to 70)."""
    merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    for row in ws.iter_rows():
        for c in row:
            v = c.value
            if not isinstance(v, str) or not v or c.data_type == "f":
                continue
            m = merged.get((c.row, c.column))
            last = m.max_col if m else c.column
            if ws.cell(c.row, last + 1).value is None:
                continue  # free space to the right: the text runs on, whole
            width = sum(_column_width(ws, k) for k in range(c.column, last + 1))
            bold = bool(c.font is not None and c.font.b)
            need = text_width(v, bold)
            if need <= width:
                continue
            if bold and not m:
                longest = max(text_width(w, bold) for w in v.split())
                if longest > width:  # a word is never broken: the column takes the longest
                    ws.column_dimensions[get_column_letter(c.column)].width = round(longest, 1)
                    width = longest
                lines = wrapped_lines(v, width, bold)
                c.alignment = Alignment(wrap_text=True, vertical="bottom",
                                        horizontal=c.alignment.horizontal)
                height = ws.row_dimensions[c.row].height or LINE_POINTS
                ws.row_dimensions[c.row].height = max(height, lines * LINE_POINTS)
            elif not m:
                ws.column_dimensions[get_column_letter(c.column)].width = min(round(need, 1), 70)


def _finish(wb: Workbook, out: Path) -> None:
    for ws in wb.worksheets:
        if ws.sheet_state == "visible" and ws.title not in (DATA, CHANGES):
            _fit(ws)
    wb.calculation.fullCalcOnLoad = True
    wb.save(out)



#: the fade model's working: years laid out, bisection steps, and sensitivity steps
FADE_YEARS = 40
FADE_STEPS = 48
FADE_ERP_STEPS = (-0.01, -0.0075, -0.005, -0.0025, 0.0, 0.0025, 0.005, 0.0075, 0.01)
FADE_TERMINAL_STEPS = (-0.01, -0.005, 0.0, 0.005, 0.01)


class _Fade:
    """A hidden "Fade" sheet pricing growth paths year by year, with the arithmetic of
    rerating.analytics.dcf.fade_pe, and a bisection for the growth that gives today's P/E.

    Each block (one column) prices one path: row 6 the growth of the first years, row 7 the
    cost of equity, row 8 the terminal growth, row 10 the terminal payout, row 9 the P/E per
    rupee of trailing EPS, rows 12.. the EPS index E_t = E_(t-1) (1 + g_t). Column B holds each
    year's share of the fade (0 in the first years, 1 after the fade), shared by every block.
    ``payout`` and ``years_high``/``years_fade`` are defined names; ``stable(gt)`` gives the
    terminal payout's formula for a terminal growth cell."""

    Y0 = 12

    def __init__(self, wb: Workbook, *, pe: str, payout: str, stable: Callable[[str], str],
                 years_high: str, years_fade: str) -> None:
        self.f = f = wb.create_sheet("Fade")
        self.pe, self.payout, self.stable = pe, payout, stable
        self.n, self.m = years_high, years_fade
        f["A1"] = "Fade model, year by year (formulas; feeds the fair P/E figures)"
        f["A1"].font = TITLE
        f["A2"] = ("Each column prices one path: growth g for N years, fading in a straight line "
                   "over M years to terminal growth g_T, then for ever; the payout moves the same "
                   "way. P/E per rupee of trailing EPS = sum of p_t E_t / (1+r)^t + p_T E_(N+M) "
                   "(1+g_T) / ((r-g_T)(1+r)^(N+M)). Growth found by bisection on -50%..+100%.")
        f["A2"].font = Font(italic=True, color="FF595959")
        for r, text in {3: "low", 4: "high", 5: "mid", 6: "growth, first years", 7: "cost of equity",
                        8: "terminal growth", 9: "P/E", 10: "terminal payout",
                        11: "Year / fade share / EPS index"}.items():
            f.cell(r, 1, text).font = HEAD
        n, m = self.n, self.m
        for t in range(1, FADE_YEARS + 1):
            row = self.Y0 + t - 1
            f.cell(row, 1, t)
            f.cell(row, 2, f"=IF(A{row}<={n},0,IF(A{row}<={n}+{m},(A{row}-{n})/{m},1))")
        self.y1 = self.Y0 + FADE_YEARS - 1
        self.col = 3
        f.column_dimensions["A"].width = 24
        # thousands of cells of working: hidden, so it neither prints nor distracts
        f.sheet_state = "hidden"

    def block(self, g: str, r: str, gt: str) -> str:
        """Price one path in the next column; the absolute address of its P/E."""
        f, n, m, p = self.f, self.n, self.m, self.payout
        c = get_column_letter(self.col)
        self.col += 1
        f[f"{c}6"], f[f"{c}7"], f[f"{c}8"] = f"={g}", f"={r}", f"={gt}"
        f[f"{c}10"] = f"={self.stable(f'{c}$8')}"
        for t in range(1, FADE_YEARS + 1):
            row = self.Y0 + t - 1
            prev = "1" if t == 1 else f"{c}{row - 1}"
            f[f"{c}{row}"] = f"={prev}*(1+{c}$6+({c}$8-{c}$6)*$B{row})"
        y, e, share = (f"$A${self.Y0}:$A${self.y1}", f"{c}${self.Y0}:{c}${self.y1}",
                       f"$B${self.Y0}:$B${self.y1}")
        f[f"{c}9"] = (f"=SUMPRODUCT(({y}<={n}+{m})*({p}+({c}$10-{p})*{share})*{e}/(1+{c}$7)^{y})"
                      f"+{c}$10*IF({n}+{m}=0,1,INDEX({e},{n}+{m}))*(1+{c}$8)/(({c}$7-{c}$8)*(1+{c}$7)^({n}+{m}))")
        return f"Fade!${c}$9"

    def solve(self, r: str, gt: str) -> str:
        """The growth of the first years that gives today's P/E (bisection, FADE_STEPS halvings,
        as dcf.fade_implied_growth); #N/A when no growth in -50%..+100% does. Its address."""
        f, n, m = self.f, self.n, self.m
        lo_pe, hi_pe = self.block("-0.5", r, gt), self.block("1", r, gt)
        for k in range(FADE_STEPS):
            c = get_column_letter(self.col)
            if k == 0:
                f[f"{c}3"], f[f"{c}4"] = "=-0.5", "=1"
            else:
                q = get_column_letter(self.col - 1)
                f[f"{c}3"] = f"=IF({q}$9<{self.pe},{q}$5,{q}$3)"
                f[f"{c}4"] = f"=IF({q}$9<{self.pe},{q}$4,{q}$5)"
            f[f"{c}5"] = f"=({c}3+{c}4)/2"
            self.block(f"{c}5", r, gt)
        q, c = get_column_letter(self.col - 1), get_column_letter(self.col)
        self.col += 1
        f[f"{c}3"] = "solved growth"
        f[f"{c}3"].font = HEAD
        f[f"{c}4"] = (f"=IF(OR(NOT(ISNUMBER({self.pe})),{n}+{m}>{FADE_YEARS},{n}+{m}=0,"
                      f"{self.pe}<{lo_pe},{self.pe}>{hi_pe}),NA(),"
                      f"IF({q}$9<{self.pe},({q}5+{q}4)/2,({q}3+{q}5)/2))")
        return f"Fade!${c}$4"

    def tables(self, ws: Worksheet, wb: Workbook, *, top: int, erp: str, rf: str, beta: str,
               coe_from: str, coe_to: str, terminal: str, pe_now: str, gordon_growth: str,
               gordon_payout: str, prefix: str) -> tuple[str, str]:
        """The fair P/E across the ERP (growth held, single-stage bound beside) and by terminal
        growth (growth re-solved), from row ``top`` of ``ws``. Returns (implied growth, new P/E)."""
        g_now = self.solve(coe_from, terminal)
        new_pe = self.block(g_now, coe_to, terminal)
        ws.cell(top, 1, "Fair P/E across the ERP (growth held)").font = HEAD
        for j, h in enumerate(("ERP", "Fair P/E (fade)", "Change vs today", "Single-stage bound"), 1):
            ws.cell(top + 1, j, h).font = HEAD
        first = top + 2
        for i, d in enumerate(FADE_ERP_STEPS):
            r = first + i
            ws.cell(r, 1, f"={erp}+({d})").number_format = "0.00%"
            k = f"({rf}+{beta}*{ws.title}!$A${r})"
            ws.cell(r, 2, f"={self.block(g_now, k, terminal)}").number_format = MULT
            ws.cell(r, 3, f"=B{r}/{pe_now}-1").number_format = PCT
            ws.cell(r, 4, f"=IF({k}>{gordon_growth},{gordon_payout}*(1+{gordon_growth})/({k}-{gordon_growth}),NA())").number_format = MULT
        last = first + len(FADE_ERP_STEPS) - 1
        _name(wb, f"{prefix}_sens_erp", f"{ws.title}!$A${first}:$A${last}")
        _name(wb, f"{prefix}_sens_pe", f"{ws.title}!$B${first}:$B${last}")
        _name(wb, f"{prefix}_sens_gordon", f"{ws.title}!$D${first}:$D${last}")
        top = last + 2
        ws.cell(top, 1, "Fair P/E at the lower ERP, by terminal growth (growth re-solved)").font = HEAD
        for j, h in enumerate(("Terminal growth", "Growth priced today", "Fair P/E (fade)", "Change vs today"), 1):
            ws.cell(top + 1, j, h).font = HEAD
        first = top + 2
        for i, d in enumerate(FADE_TERMINAL_STEPS):
            r = first + i
            ws.cell(r, 1, f"={terminal}+({d})").number_format = PCT
            gt = f"{ws.title}!$A${r}"
            g = self.solve(coe_from, gt)
            ws.cell(r, 2, f"={g}").number_format = PCT
            ws.cell(r, 3, f"={self.block(g, coe_to, gt)}").number_format = MULT
            ws.cell(r, 4, f"=C{r}/{pe_now}-1").number_format = PCT
        last = first + len(FADE_TERMINAL_STEPS) - 1
        _name(wb, f"{prefix}_tsens_g", f"{ws.title}!$A${first}:$A${last}")
        _name(wb, f"{prefix}_tsens_implied", f"{ws.title}!$B${first}:$B${last}")
        _name(wb, f"{prefix}_tsens_pe", f"{ws.title}!$C${first}:$C${last}")
        for col in "BCD":
            ws.column_dimensions[col].width = max(ws.column_dimensions[col].width or 0, 18)
        return g_now, new_pe


# -- dcf_model ------------------------------------------------------------------------------------
def dcf_model(out: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Inputs"
    _head(ws, "DCF model: inputs", "Yours to edit: the blue cells. Rates are decimals (0.07 = 7%).")
    for j, h in enumerate(("Input", "Value", "Note"), 1):
        ws.cell(4, j, h).font = HEAD
    rows = [
        ("Risk-free rate", 0.07, PCT, "in_rf", "10-year G-sec yield"),
        ("Beta", "=rr_beta_reported", "0.00", "in_beta", "Default: the reported beta (Data). Type a number to override."),
        ("Equity risk premium", 0.055, PCT, "in_erp", "India ERP. A lower ERP raises fair multiples (Multiples sheet)."),
        ("Payout ratio", "=rr_payout_reported", PCT, "in_payout", "Share of EPS paid out. Default: reported payout."),
    ]
    r = 5
    for label, value, fmt, name, note in rows:
        _row(ws, r, label, value, fmt, name, wb, note)
        ws.cell(r, 2).font, ws.cell(r, 2).fill = INPUT_FONT, INPUT_FILL
        r += 1
    ws.cell(r, 1, "EPS growth, years 1-5").font = HEAD
    ws.cell(r, 3, "Default: consensus (Data), fading in a straight line to terminal growth by year 6; "
                  "without consensus, what ROE x retention sustains. Type numbers to override.")
    g0 = r + 1
    # growth that ROE x retention sustains: the fallback when there is no consensus, and the
    # cross-check on the Valuation sheet
    sustain = "IF(AND(rr_eps_ttm>0,rr_bvps>0),rr_eps_ttm/rr_bvps*(1-in_payout),NA())"
    defaults = [
        f"=IF(AND(ISNUMBER(rr_eps_fy1),rr_eps_ttm>0,rr_eps_fy1>0),rr_eps_fy1/rr_eps_ttm-1,{sustain})",
        f"=IF(AND(ISNUMBER(rr_eps_fy2),rr_eps_fy1>0,rr_eps_fy2>0),rr_eps_fy2/rr_eps_fy1-1,B{g0})",
        *[f"=B{g0 + 1}+(in_terminal_growth-B{g0 + 1})*{t - 2}/4" for t in (3, 4, 5)],
    ]
    for t, g in enumerate(defaults, 1):
        r += 1
        ws.cell(r, 1, f"  Year {t}" + (" (consensus, current FY)" if t == 1 else
                                        " (consensus, next FY)" if t == 2 else " (fading)"))
        c = ws.cell(r, 2, g)
        c.number_format, c.font, c.fill = PCT, INPUT_FONT, INPUT_FILL
    _name(wb, "in_growth", f"Inputs!$B${r - 4}:$B${r}")
    r += 1
    for label, value, fmt, name, note in [
        ("Terminal growth", 0.06, PCT, "in_terminal_growth", "Nominal growth for ever after year 5"),
        ("Exit P/E (on year-5 EPS)", 18, MULT, "in_exit_pe", "Terminal value by multiple"),
        ("ERP change to test", -0.005, PCT, "in_erp_change", "-0.005: the ERP falls by half a point"),
        ("EPS revision to test", 0.05, PCT, "in_eps_change", "0.05: EPS upgraded by 5%"),
        ("Payout in the terminal stage", "=IF(AND(rr_eps_ttm>0,rr_bvps>0),IF(rr_eps_ttm/rr_bvps>"
         "in_terminal_growth,MAX(in_payout,1-in_terminal_growth*rr_bvps/rr_eps_ttm),in_payout),in_payout)",
         PCT, "in_payout_terminal", "Default: 1 - terminal growth / ROE (what growth no longer needs "
         "is paid out), never below the payout above"),
    ]:
        _row(ws, r, label, value, fmt, name, wb, note)
        ws.cell(r, 2).font, ws.cell(r, 2).fill = INPUT_FONT, INPUT_FILL
        r += 1
    ws["B7"].comment = Comment("The seed note argues India's ERP is falling as domestic flows "
                               "grow; try 0.05.", "Rerating Desk")
    rate = DataValidation(type="decimal", operator="between", formula1="-0.05", formula2="0.5",
                          showErrorMessage=True, error="A rate as a decimal: 0.07 means 7%")
    ws.add_data_validation(rate)
    rate.add("B5")
    rate.add("B7")
    rate.add("B10:B14")
    rate.add("B15")
    rate.add("B19")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 70

    v = wb.create_sheet("Valuation")
    _head(v, "DCF model: valuation", "Formulas only: dividend discount model on EPS x payout.")
    _row(v, 5, "Cost of equity (rf + beta x ERP)", "=in_rf+in_beta*in_erp", PCT, "val_coe", wb)
    _row(v, 6, "Price (₹)", "=rr_price", NUM)
    _row(v, 7, "EPS, trailing (year 0)", "=rr_eps_ttm", NUM)
    _row(v, 8, "ROE (EPS / book)", "=IF(rr_bvps>0,rr_eps_ttm/rr_bvps,NA())", PCT, "val_roe", wb)
    _row(v, 9, "Market cap (₹ crore)", f"=rr_market_cap/{CRORE}", "#,##0", "val_mcap_cr", wb,
         "₹1 crore = ₹10 million; the Data sheet keeps full rupees")
    for j, h in enumerate(("Year", "Growth", "EPS", "Dividend", "Discount factor", "PV of dividend"), 1):
        v.cell(10, j, h).font = HEAD
    for t in range(1, 6):
        r = 10 + t
        v.cell(r, 1, t)
        v.cell(r, 2, f"=INDEX(in_growth,A{r})").number_format = PCT
        v.cell(r, 3, "=rr_eps_ttm*(1+B11)" if t == 1 else f"=C{r - 1}*(1+B{r})").number_format = NUM
        v.cell(r, 4, f"=C{r}*in_payout").number_format = NUM
        v.cell(r, 5, f"=1/(1+val_coe)^A{r}").number_format = "0.0000"
        v.cell(r, 6, f"=D{r}*E{r}").number_format = NUM
    _name(wb, "val_year", "Valuation!$A$11:$A$15")
    _name(wb, "val_eps", "Valuation!$C$11:$C$15")
    _name(wb, "val_div", "Valuation!$D$11:$D$15")
    _row(v, 17, "Years in the explicit period", "=MAX(val_year)", "0", "val_n", wb)
    _row(v, 18, "PV of explicit dividends", "=SUM(F11:F15)", NUM, "val_pv_explicit", wb)
    _row(v, 19, "Terminal value, perpetuity growth", "=INDEX(val_eps,val_n)*in_payout_terminal*(1+in_terminal_growth)/(val_coe-in_terminal_growth)", NUM)
    _row(v, 20, "  PV of terminal value", "=B19/(1+val_coe)^val_n", NUM)
    _row(v, 21, "DCF value per share (perpetuity)", "=val_pv_explicit+B20", NUM, "val_dcf_perpetuity", wb)
    _row(v, 22, "Terminal value, exit P/E x year-5 EPS", "=INDEX(val_eps,val_n)*in_exit_pe", NUM)
    _row(v, 23, "  PV of terminal value", "=B22/(1+val_coe)^val_n", NUM)
    _row(v, 24, "DCF value per share (exit multiple)", "=val_pv_explicit+B23", NUM, "val_dcf_exit", wb)
    _row(v, 26, "Justified P/E, trailing (terminal payout)", "=in_payout_terminal*(1+in_terminal_growth)/(val_coe-in_terminal_growth)", MULT, "val_justified_pe", wb)
    _row(v, 27, "Justified P/B (ROE x justified P/E)", "=val_roe*val_justified_pe", MULT, "val_justified_pb", wb)
    _row(v, 28, "P/E at the current price", "=IF(rr_eps_ttm>0,rr_price/rr_eps_ttm,NA())", MULT, "val_pe", wb)
    _row(v, 29, "Growth implied by the price (terminal payout)", "=(val_pe*val_coe-in_payout_terminal)/(val_pe+in_payout_terminal)", PCT, "val_implied_growth", wb)
    # One headline target, its method named; every other per-share value is a cross-check
    # that says which assumption makes it differ (FIXED, not TEXT: no locale format strings).
    _row(v, 31, "Target price (headline): DCF, dividends + perpetuity growth", "=val_dcf_perpetuity",
         NUM, "val_target", wb, "The model's one target. The rows below are cross-checks, not targets.")
    v.cell(31, 1).font = HEAD
    _row(v, 32, "Upside to target", "=val_target/rr_price-1", PCT, "val_upside", wb)
    v.conditional_formatting.add("B32", CellIsRule(operator="greaterThan", formula=["0"], font=Font(color="FF007A33")))
    v.conditional_formatting.add("B32", CellIsRule(operator="lessThan", formula=["0"], font=Font(color="FFC00000")))
    for j, h in enumerate(("Cross-checks (not targets)", "Per share", "vs price", "What it assumes differently"), 1):
        v.cell(34, j, h).font = HEAD
    pct = lambda x, d=1: f'FIXED(({x})*100,{d},TRUE)&"%"'  # noqa: E731
    checks = [
        (35, "Cross-check: DCF with an exit P/E", "=val_dcf_exit", "val_check_exit",
         '="exit P/E "&FIXED(in_exit_pe,1,TRUE)&"x year-5 EPS; the perpetuity at "&'
         + pct("in_terminal_growth") + '&" growth implies "&FIXED(B19/INDEX(val_eps,val_n),1,TRUE)&"x"'),
        (36, "Cross-check: fair P/E (fade) x revised EPS (Multiples)", "=mul_target", "val_check_fade",
         '="the price implies "&' + pct("mul_implied_growth") + '&" growth for "&mul_years_high&'
         '" years, fading over "&mul_years_fade&"; the DCF assumes "&' + pct("INDEX(in_growth,1)", 0)
         + '&" falling to "&' + pct("INDEX(in_growth,5)", 0) + '&" over 5 years, then "&'
         + pct("in_terminal_growth") + '&"; also ERP "&' + pct("in_erp_change", 2)
         + '&" and EPS "&' + pct("in_eps_change", 0)),
        (37, "Cross-check: justified P/E x trailing EPS", "=val_justified_pe*rr_eps_ttm",
         "val_check_justified",
         '="justified P/E "&FIXED(val_justified_pe,1,TRUE)&"x vs "&FIXED(val_pe,1,TRUE)&"x at the '
         'price: the price implies "&' + pct("val_implied_growth") + '&" growth for ever, the DCF "&'
         + pct("in_terminal_growth") + '&" after year 5"'),
    ]
    for r, label, formula, name, why in checks:
        _row(v, r, label, formula, NUM, name, wb)
        v.cell(r, 3, f"=B{r}/rr_price-1").number_format = PCT
        v.cell(r, 4, why).font = Font(italic=True, color="FF595959")
        # the words wrap inside D:J, so they print whole on the page
        v.merge_cells(start_row=r, start_column=4, end_row=r, end_column=10)
        v.cell(r, 4).alignment = Alignment(wrap_text=True, vertical="top")
        v.row_dimensions[r].height = 32
    # Sustainable growth: a company grows its earnings by what it keeps times what that earns
    # (ROE x retention). Growth inputs above it assume a rising ROE or a falling payout.
    r = 38
    _row(v, r, "Cross-check: growth ROE x retention sustains", '=IF(ISNUMBER(val_roe),val_roe*(1-in_payout),NA())',
         PCT, "val_sustainable_growth", wb)
    v.cell(r, 3, '=IF(ISNUMBER(val_sustainable_growth),IF(MAX(in_growth)>val_sustainable_growth+0.0005,'
                 '"FLAG","ok"),"n/a")')
    _name(wb, "val_growth_flag", f"Valuation!$C${r}")
    v.cell(r, 4, '=IF(C38="FLAG","growth inputs up to "&' + pct("MAX(in_growth)")
               + '&" exceed the "&' + pct("val_sustainable_growth") + '&" that ROE "&'
               + pct("val_roe") + '&" x retention "&' + pct("1-in_payout", 0)
               + '&" sustains: they assume a rising ROE or a lower payout",'
               '"growth inputs within what ROE x retention sustains ("&' + pct("val_sustainable_growth")
               + '&")")')
    v.conditional_formatting.add("C38", CellIsRule(operator="equal", formula=['"FLAG"'],
                                                   font=Font(bold=True, color="FFC00000")))
    for r in (38,):
        v.cell(r, 4).font = Font(italic=True, color="FF595959")
        # the words wrap inside D:J, so they print whole on the page
        v.merge_cells(start_row=r, start_column=4, end_row=r, end_column=10)
        v.cell(r, 4).alignment = Alignment(wrap_text=True, vertical="top")
        v.row_dimensions[r].height = 32
    v.column_dimensions["A"].width = 58
    for col in "BCDEF":
        v.column_dimensions[col].width = 15

    s = wb.create_sheet("Sensitivity")
    _head(s, "Sensitivity", "DCF value per share: ERP down the side, terminal growth across.")
    s["A5"] = "ERP \\ terminal growth"
    for j, d in enumerate((-0.01, -0.005, 0, 0.005, 0.01)):
        s.cell(5, 2 + j, f"=in_terminal_growth+({d})").number_format = PCT
        s.cell(6 + j, 1, f"=in_erp+({d})").number_format = PCT
    for i in range(5):
        for j in range(5):
            r, col = 6 + i, 2 + j
            L = "BCDEF"[j]
            k = f"(in_rf+in_beta*$A{r})"
            s.cell(r, col, f"=SUMPRODUCT(val_div/(1+{k})^val_year)+INDEX(val_eps,val_n)*in_payout_terminal*(1+{L}$5)"
                           f"/({k}-{L}$5)/(1+{k})^val_n").number_format = NUM
    _name(wb, "sens_value", "Sensitivity!$B$6:$F$10")
    s["A13"] = "Justified P/E (trailing) across ERP"
    s["A13"].font = HEAD
    for i, d in enumerate((-0.01, -0.005, 0, 0.005, 0.01)):
        r = 14 + i
        s.cell(r, 1, f"=in_erp+({d})").number_format = PCT
        s.cell(r, 2, f"=in_payout_terminal*(1+in_terminal_growth)/((in_rf+in_beta*A{r})-in_terminal_growth)").number_format = MULT
    _name(wb, "sens_pe", "Sensitivity!$B$14:$B$18")
    s.column_dimensions["A"].width = 24

    m = wb.create_sheet("Multiples")
    _head(m, "Multiples: what a lower ERP and an EPS upgrade do to the fair P/E",
          "Fade model: the growth today's P/E implies for the first years, fading to terminal "
          "growth, held while the cost of equity moves. Year-by-year working: the hidden Fade sheet.")
    _row(m, 5, "P/E at the current price", "=val_pe", MULT)
    _row(m, 6, "ERP today", "=in_erp", PCT)
    _row(m, 7, "ERP after the change", "=in_erp+in_erp_change", PCT)
    _row(m, 8, "Cost of equity today", "=in_rf+in_beta*B6", PCT, "mul_coe_from", wb)
    _row(m, 9, "Cost of equity after", "=in_rf+in_beta*B7", PCT, "mul_coe_to", wb)
    _row(m, 10, "Fade model: years at the implied growth", FADE_DEFAULTS["years_high"], "0", "mul_years_high", wb,
         "Yours to edit (whole years; with the fade, at most 40)")
    _row(m, 11, "Fade model: years of linear fade", FADE_DEFAULTS["years_fade"], "0", "mul_years_fade", wb,
         "Growth falls in a straight line to terminal growth (Inputs) over these years")
    for r in (10, 11):
        m.cell(r, 2).font, m.cell(r, 2).fill = INPUT_FONT, INPUT_FILL
    _row(m, 12, "Terminal growth (Inputs)", "=in_terminal_growth", PCT)
    _row(m, 13, "Growth the price implies for those years", "=fade_implied_growth", PCT,
         "mul_implied_growth", wb, "Solved on the Fade sheet; #N/A when no growth from -50% to "
         "+100% a year justifies the P/E")
    _row(m, 14, "Fair P/E after the ERP change (fade model)", "=fade_new_pe", MULT, "mul_new_pe", wb)
    _row(m, 15, "Re-rating factor", "=B14/B5", "0.000", "mul_factor", wb)
    _row(m, 16, "Single-stage (Gordon) growth the price implies", "=(B5*B8-in_payout)/(B5+in_payout)", PCT,
         "mul_gordon_growth", wb, "Naive bound: one growth rate for ever")
    _row(m, 17, "Single-stage (Gordon) fair P/E after the change",
         "=IF(B9>B16,in_payout*(1+B16)/(B9-B16),NA())", MULT, "mul_gordon_pe", wb,
         "Explodes as the cost of equity nears that growth: not for targets")
    _row(m, 19, "EPS, trailing", "=rr_eps_ttm", NUM)
    _row(m, 20, "EPS after the revision", "=B19*(1+in_eps_change)", NUM)
    _row(m, 21, "Cross-check: fair P/E (fade) x revised EPS", "=mul_new_pe*B20", NUM, "mul_target", wb,
         "Not a target: the model's one target is on the Valuation sheet, which says why they differ")
    _row(m, 22, "vs price", "=B21/rr_price-1", PCT, "mul_upside", wb)
    _row(m, 24, "Consensus EPS (FY1) revision, 30 days", "=(rr_eps_fy1-rr_eps_fy1_30d)/ABS(rr_eps_fy1_30d)", PCT, "mul_rev_30d", wb)
    _row(m, 25, "Consensus EPS (FY1) revision, 90 days", "=(rr_eps_fy1-rr_eps_fy1_90d)/ABS(rr_eps_fy1_90d)", PCT, "mul_rev_90d", wb)
    _row(m, 26, "Revision breadth, 30 days", "=IF(rr_up_30d+rr_down_30d=0,\"\",(rr_up_30d-rr_down_30d)/(rr_up_30d+rr_down_30d))", "0.00", "mul_breadth", wb)
    fade = _Fade(wb, pe="val_pe", payout="in_payout", stable=lambda gt: "in_payout",
                 years_high="mul_years_high", years_fade="mul_years_fade")
    g_now, new_pe = fade.tables(m, wb, top=28, erp="in_erp", rf="in_rf", beta="in_beta",
                                coe_from="mul_coe_from", coe_to="mul_coe_to",
                                terminal="in_terminal_growth", pe_now="$B$5",
                                gordon_growth="mul_gordon_growth", gordon_payout="in_payout",
                                prefix="mul")
    _name(wb, "fade_implied_growth", g_now)
    _name(wb, "fade_new_pe", new_pe)
    m.column_dimensions["A"].width = 46
    _print(ws, f"A1:C{ws.max_row}")
    _print(v, f"A1:J{v.max_row}", landscape=True)  # J: the cross-checks' words run over D:J
    _print(s, f"A1:F{s.max_row}", landscape=True)
    _print(m, f"A1:H{m.max_row}", landscape=True)
    _owned(wb, DCF)
    _finish(wb, out)


# -- comps ----------------------------------------------------------------------------------------
CRORE = 10_000_000  # ₹1 crore = ₹10,000,000 (100 lakh)


def comps(out: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Comps"
    _head(ws, "Comparables", "Formulas over the Data sheet. Sort or filter a copy; rows follow Data.")
    first, n = 14, COMPS_CAPACITY
    last = first + n - 1
    # amounts in ₹ crore (1 crore = 10 million), as Indian analysts read them; the Data sheet
    # keeps full rupees
    heads = ("#", "Ticker", "Name", "Sector", "Price (₹)", "Market cap (₹ cr)", "P/E TTM", "P/E FY1",
             "P/B", "EPS rev 30d", "EPS rev 90d", "Breadth 30d", "Return", "Rank", "Value trap?",
             "Earnings (₹ cr)")
    for j, h in enumerate(heads, 1):
        ws.cell(first - 1, j, h).font = HEAD

    def d(col: str, r: int) -> str:
        return f"INDEX({col},$A{r})"

    for i in range(n):
        r = first + i
        ws.cell(r, 1, i + 1)
        ws.cell(r, 2, f'=IF({d("rr_c_ticker", r)}="","",{d("rr_c_ticker", r)})')
        # names up to ~40 characters fit; longer ones (NSE's longest is 53) shrink to the
        # column rather than run into Sector or be cut
        ws.cell(r, 3, f'=IF($B{r}="","",{d("rr_c_name", r)}&"")').alignment = Alignment(shrink_to_fit=True)
        ws.cell(r, 4, f'=IF($B{r}="","",{d("rr_c_sector", r)}&"")').alignment = Alignment(shrink_to_fit=True)
        ws.cell(r, 5, f'=IF($B{r}="","",{d("rr_c_price", r)})').number_format = NUM
        ws.cell(r, 6, f'=IF($B{r}="","",{d("rr_c_mcap", r)}/{CRORE})').number_format = "#,##0"
        ws.cell(r, 7, f'=IF($B{r}="","",IF({d("rr_c_eps_ttm", r)}>0,E{r}/{d("rr_c_eps_ttm", r)},"n/m"))').number_format = MULT
        ws.cell(r, 8, f'=IF($B{r}="","",IF({d("rr_c_eps_fy1", r)}>0,E{r}/{d("rr_c_eps_fy1", r)},"n/m"))').number_format = MULT
        ws.cell(r, 9, f'=IF($B{r}="","",IF({d("rr_c_bvps", r)}>0,E{r}/{d("rr_c_bvps", r)},"n/m"))').number_format = MULT
        for col, ago in ((10, "rr_c_eps_fy1_30d"), (11, "rr_c_eps_fy1_90d")):
            ws.cell(r, col, f'=IF($B{r}="","",IF(ISNUMBER({d(ago, r)}),IF({d(ago, r)}<>0,'
                            f'({d("rr_c_eps_fy1", r)}-{d(ago, r)})/ABS({d(ago, r)}),""),""))').number_format = PCT
        up, dn = d("rr_c_up_30d", r), d("rr_c_down_30d", r)
        ws.cell(r, 12, f'=IF($B{r}="","",IF({up}+{dn}=0,"",({up}-{dn})/({up}+{dn})))').number_format = "0.00"
        ws.cell(r, 13, f'=IF($B{r}="","",IF({d("rr_c_px_start", r)}>0,E{r}/{d("rr_c_px_start", r)}-1,""))').number_format = PCT
        ws.cell(r, 14, f'=IF(ISNUMBER(M{r}),RANK(M{r},cmp_return),"")')
        ws.cell(r, 15, f'=IF(AND(ISNUMBER(M{r}),ISNUMBER(J{r})),IF(AND(M{r}>=cmp_rally_cut,J{r}<=0),"VALUE TRAP?",""),"")')
        ws.cell(r, 16, f'=IF($B{r}="","",F{r}/E{r}*{d("rr_c_eps_ttm", r)})').number_format = "#,##0"
    for name, col in (("cmp_ticker", "B"), ("cmp_sector", "D"), ("cmp_mcap", "F"), ("cmp_pe", "G"),
                      ("cmp_pe_fy1", "H"), ("cmp_pb", "I"), ("cmp_rev_30d", "J"), ("cmp_breadth", "L"),
                      ("cmp_return", "M"), ("cmp_rank", "N"), ("cmp_trap", "O"), ("cmp_earnings", "P")):
        _name(wb, name, f"Comps!${col}${first}:${col}${last}")
    summary = [
        ("Companies", "=COUNTIF(cmp_ticker,\"?*\")", "0", "cmp_count"),
        ("Constituents' P/E (aggregate, loss-makers out)",
         '=SUMIFS(cmp_mcap,cmp_earnings,">0")/SUMIFS(cmp_earnings,cmp_earnings,">0")', MULT, "cmp_agg_pe"),
        ("Benchmark P/E", "=IF(ISNUMBER(rr_bench_pe),rr_bench_pe,NA())", MULT, "cmp_bench_pe"),
        ("Gap: constituents' P/E vs the benchmark index's published P/E", "=cmp_agg_pe/cmp_bench_pe-1", PCT, "cmp_gap"),
        ("Median P/E TTM", "=MEDIAN(cmp_pe)", MULT, "cmp_median_pe"),
        ("Rally cut-off (80th percentile return)", "=PERCENTILE(cmp_return,0.8)", PCT, "cmp_rally_cut"),
        ("Value traps flagged", '=COUNTIF(cmp_trap,"VALUE TRAP?")', "0", "cmp_traps"),
        ("Share up in the window", '=COUNTIF(cmp_return,">0")/COUNT(cmp_return)', PCT, "cmp_share_up"),
    ]
    for i, (label, f, fmt, name) in enumerate(summary):
        _row(ws, 4 + i, label, f, fmt, name, wb)
    # one P/E per question: this book's is the constituents'; an index's headline P/E (the
    # note's) is the index's as published, and the two are said apart
    ws["A12"] = ("P/E bases: the constituents' P/E above is this universe's aggregate; an index's "
                 "headline P/E (the note's, =RR_PE of the index) is the index's as published. They "
                 "differ by free-float weights and earnings dates.")
    ws["A12"].font = Font(italic=True, size=9, color="FF595959")
    ws["D4"] = "Window"
    ws["E4"] = '=rr_window&" from "&' + _iso("rr_window_start")
    ws["D5"] = "Benchmark"
    ws["E5"] = "=rr_benchmark"
    # sector medians, one row per sector named in Data
    ws["R12"] = "Sector medians"
    ws["R12"].font = HEAD
    for j, h in enumerate(("Sector", "Companies", "Median P/E TTM", "Median P/E FY1", "Median return"), 18):
        ws.cell(13, j, h).font = HEAD
    for i in range(40):
        r = first + i
        ws.cell(r, 18, f'=IF(INDEX(rr_c_sectors,{i + 1})="","",INDEX(rr_c_sectors,{i + 1})&"")')
        ws.cell(r, 19, f'=IF(R{r}="","",COUNTIF(cmp_sector,R{r}))')
        for col, rng, fmt in ((20, "cmp_pe", MULT), (21, "cmp_pe_fy1", MULT), (22, "cmp_return", PCT)):
            ref = f"{'TUV'[col - 20]}{r}"
            ws[ref] = ArrayFormula(ref, f'=IF(R{r}="","",MEDIAN(IF(cmp_sector=R{r},IF(ISNUMBER({rng}),{rng}))))')
            ws[ref].number_format = fmt
    for name, col in (("sec_name", "R"), ("sec_count", "S"), ("sec_median_pe", "T"),
                      ("sec_median_pe_fy1", "U"), ("sec_median_return", "V")):
        _name(wb, name, f"Comps!${col}${first}:${col}${first + 39}")
    ws.freeze_panes = "C14"
    ws.column_dimensions["A"].width = 46
    ws.column_dimensions["B"].width = TICKER_WIDTH
    ws.column_dimensions["C"].width = 42
    ws.column_dimensions["D"].width = 24
    ws.column_dimensions["R"].width = SECTOR_WIDTH
    ws.column_dimensions["O"].width = FLAG_WIDTH
    ws.conditional_formatting.add(f"O{first}:O{last}", CellIsRule(operator="equal", formula=['"VALUE TRAP?"'],
                                                                   fill=PatternFill("solid", fgColor="FFF4CCCC")))
    _print(ws, f"A1:P{last}", landscape=True, titles=f"{first - 1}:{first - 1}")
    _owned(wb, COMPS)
    _finish(wb, out)


SECTOR_ROWS, WATCH_ROWS = 24, 20


def _text_at(col: str, k: int) -> str:
    """Row ``k`` of a Data text column, blank when empty (INDEX of an empty cell gives 0)."""
    return f'IF(INDEX({col},{k})&""="","",INDEX({col},{k})&"")'


def _dashboard_rotation(wb: Workbook, dash: Worksheet, top: int) -> None:
    """Sector rotation, as in the note: each sector's window return against its own prior
    12-month average and its median beta, and whether money went to higher-beta stocks."""
    dash.cell(top, 1, "Sector rotation (as in the note)").font = HEAD
    for j, h in enumerate(("Sector", "Stocks", "Return", "Prior avg/mo", "Beyond avg",
                           "Median beta"), 1):
        dash.cell(top + 1, j, h).font = HEAD
    first = top + 2
    for k in range(1, SECTOR_ROWS + 1):
        r = first + k - 1
        dash.cell(r, 1, "=" + _text_at("rr_d_sector", k))
        dash.cell(r, 2, f'=IF($A{r}="","",COUNTIF(stk_sector,$A{r}))')
        dash.cell(r, 3, f'=IF($A{r}="","",AVERAGEIF(stk_sector,$A{r},stk_return))').number_format = PCT
        dash.cell(r, 4, f'=IF($A{r}="","",AVERAGEIF(stk_sector,$A{r},stk_trailing))').number_format = PCT
        dash.cell(r, 5, f'=IF($A{r}="","",C{r}-D{r})').number_format = PCT
        ref = f"F{r}"
        dash[ref] = ArrayFormula(ref, f'=IF($A{r}="","",MEDIAN(IF(stk_sector=$A{r},IF(ISNUMBER(stk_beta),stk_beta))))')
        dash[ref].number_format = "0.00"
    last = first + SECTOR_ROWS - 1
    _name(wb, "dash_sector_excess", f"Dashboard!$E${first}:$E${last}")
    _name(wb, "dash_sector_beta", f"Dashboard!$F${first}:$F${last}")
    k = "MAX(1,INT(COUNT(stk_beta_r)*0.2))"
    rows = [
        ("Highest-beta fifth of stocks: return",
         f"=SUMPRODUCT(ISNUMBER(stk_beta_r)*(stk_beta_r>=LARGE(stk_beta_r,{k})),stk_return)/{k}",
         PCT, "dash_high_beta"),
        ("Lowest-beta fifth of stocks: return",
         f"=SUMPRODUCT(ISNUMBER(stk_beta_r)*(stk_beta_r<=SMALL(stk_beta_r,{k})),stk_return)/{k}",
         PCT, "dash_low_beta"),
        ("Spread (higher-beta minus lower-beta)", "=dash_high_beta-dash_low_beta", PCT, "dash_beta_spread"),
        ("Sector beta vs excess return (correlation)",
         "=IF(COUNT(dash_sector_beta)<3,\"\",CORREL(dash_sector_beta,dash_sector_excess))", "0.00",
         "dash_sector_corr"),
    ]
    for i, (label, f, fmt, name) in enumerate(rows):
        _row(dash, last + 1 + i, label, f, fmt, name, wb)


def _dashboard_watch(dash: Worksheet, top: int) -> None:
    """What to watch, as in the note: results dates and PMI, IIP and CPI releases, each row
    saying where its date comes from."""
    dash.cell(top, 1, "What to watch (results and India's macro releases)").font = HEAD
    # What in the wide column A, the date in B, the detail running over C:F and where the date
    # comes from over G:Q (free below the charts)
    for col, h in ((1, "What"), (2, "Date"), (3, "Detail"), (7, "Where the date comes from")):
        dash.cell(top + 1, col, h).font = HEAD
    for k in range(1, WATCH_ROWS + 1):
        r = top + 1 + k
        dash.cell(r, 1, "=" + _text_at("rr_w_what", k))
        dash.cell(r, 2, f'=IF(ISNUMBER(INDEX(rr_w_date,{k})),INDEX(rr_w_date,{k}),"")').number_format = DATE
        dash.cell(r, 3, "=" + _text_at("rr_w_detail", k))
        dash.cell(r, 7, "=" + _text_at("rr_w_from", k))


def _dashboard_multiples(wb: Workbook, dash: Worksheet, top: int) -> None:
    """What a lower ERP means for the small-cap index's multiple: the note's fade model, live."""
    dash.cell(top, 1, "What it means for multiples (fade model, as in the note)").font = HEAD

    def stable(gt: str) -> str:
        # the terminal stage pays out what growth does not need: 1 - g / ROE, never below today
        return (f"IF(ISNUMBER(dash_roe),IF(dash_roe>{gt},MAX(dash_payout,1-{gt}/dash_roe),"
                "dash_payout),dash_payout)")

    rows = [
        ("Risk-free rate", 0.07, PCT, "dash_rf", True),
        ("Beta of the index", 1.0, "0.00", "dash_beta", True),
        ("ERP today", 0.055, "0.00%", "dash_erp_from", True),
        ("ERP after the change", 0.05, "0.00%", "dash_erp_to", True),
        ("Terminal growth", FADE_DEFAULTS["terminal_growth"], PCT, "dash_terminal", True),
        ("Years at the implied growth", FADE_DEFAULTS["years_high"], "0", "dash_years_high", True),
        ("Years of linear fade to terminal growth", FADE_DEFAULTS["years_fade"], "0", "dash_years_fade", True),
        ("Small-cap P/E (latest)", "=IF(ISNUMBER(rr_small_pe_now),rr_small_pe_now,NA())", MULT, "dash_pe_now", False),
        ("Payout (dividend yield x P/E)", "=rr_small_dy_now/100*dash_pe_now", PCT, "dash_payout", False),
        ("ROE (P/B / P/E)", "=rr_small_pb_now/dash_pe_now", PCT, "dash_roe", False),
        ("Payout in the terminal stage (1 - g / ROE)", f"={stable('dash_terminal')}", PCT, "dash_payout_stable", False),
        ("Cost of equity today", "=dash_rf+dash_beta*dash_erp_from", PCT, "dash_coe_from", False),
        ("Cost of equity after", "=dash_rf+dash_beta*dash_erp_to", PCT, "dash_coe_to", False),
        ("Growth priced for those years", "=dash_fade_growth", PCT, "dash_implied_growth", False),
        ("Fair P/E after the ERP change (fade)", "=dash_fade_pe", MULT, "dash_fair_pe", False),
        ("Change vs today", "=dash_fair_pe/dash_pe_now-1", PCT, "dash_fair_change", False),
        ("Single-stage (Gordon) growth priced", "=(dash_pe_now*dash_coe_from-dash_payout)/(dash_pe_now+dash_payout)",
         PCT, "dash_gordon_growth", False),
        ("Single-stage (Gordon) fair P/E: the naive bound",
         "=IF(dash_coe_to>dash_gordon_growth,dash_payout*(1+dash_gordon_growth)/(dash_coe_to-dash_gordon_growth),NA())",
         MULT, "dash_gordon_pe", False),
    ]
    adj = ("dash_pe_now, dash_erp_from, dash_erp_to, dash_rf, dash_beta, dash_payout, "
           '"trailing", 0, "{out}", "{model}"')
    fade_args = ", dash_terminal, dash_years_high, dash_years_fade, dash_payout_stable"
    # beside each figure, the RR_ formula that gives it in a cell of this book (the add-in's
    # functions on the same named inputs): text, so it is read, and copied into a cell to check
    in_a_cell = {
        "dash_pe_now": None,  # built from the index and the as-of below
        "dash_coe_from": "=RR_COE(dash_rf, dash_beta, dash_erp_from)",
        "dash_coe_to": "=RR_COE(dash_rf, dash_beta, dash_erp_to)",
        "dash_implied_growth": "=RR_MULTIPLE_ADJ(" + adj.format(out="growth", model="fade") + fade_args + ")",
        "dash_fair_pe": "=RR_MULTIPLE_ADJ(" + adj.format(out="pe", model="fade") + fade_args + ")",
        "dash_fair_change": "=RR_MULTIPLE_ADJ(" + adj.format(out="factor", model="fade") + fade_args + ")-1",
        "dash_gordon_growth": "=RR_IMPLIED_GROWTH(dash_pe_now, dash_payout, dash_coe_from)",
        "dash_gordon_pe": "=RR_MULTIPLE_ADJ(" + adj.format(out="pe", model="gordon") + ")",
    }
    dash.cell(top, 3, "The same figure in a cell (Rerating Desk add-in)").font = HEAD
    for i, (label, value, fmt, name, is_input) in enumerate(rows):
        r = top + 1 + i
        _row(dash, r, label, value, fmt, name, wb)
        if is_input:
            dash.cell(r, 2).font, dash.cell(r, 2).fill = INPUT_FONT, INPUT_FILL
        if name == "dash_pe_now":
            c = dash.cell(r, 3, '="=RR_PE("""&rr_small_index&""", ""aggregate"", """&'
                          + _iso("rr_as_of") + '&""")"')
        elif name in in_a_cell:
            c = dash.cell(r, 3, in_a_cell[name])
            c.data_type = "s"  # the formula as text, not computed here
        else:
            continue
        c.font = Font(name="Consolas", size=7, color="FF595959")
        # wrapped inside C:E (the charts start at F), the row as tall as its lines
        dash.merge_cells(start_row=r, start_column=3, end_row=r, end_column=5)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        text = in_a_cell.get(name) or "=RR_PE(...)"
        # about 56 characters a line at 7 pt across C:E; label and figure on the first line
        dash.row_dimensions[r].height = max(15.0, 9.5 * math.ceil(len(text) / 56))
        for col in (1, 2):
            dash.cell(r, col).alignment = Alignment(vertical="top")
    fade = _Fade(wb, pe="dash_pe_now", payout="dash_payout", stable=stable,
                 years_high="dash_years_high", years_fade="dash_years_fade")
    g_now, new_pe = fade.tables(dash, wb, top=top + len(rows) + 2, erp="dash_erp_from", rf="dash_rf",
                                beta="dash_beta", coe_from="dash_coe_from", coe_to="dash_coe_to",
                                terminal="dash_terminal", pe_now="dash_pe_now",
                                gordon_growth="dash_gordon_growth", gordon_payout="dash_payout",
                                prefix="dash")
    _name(wb, "dash_fade_growth", g_now)
    _name(wb, "dash_fade_pe", new_pe)


# -- rally_dashboard -----------------------------------------------------------------------------
def rally_dashboard(out: Path) -> None:
    wb = Workbook()
    dash = wb.active
    dash.title = "Dashboard"
    hist = wb.create_sheet("History")
    rally = wb.create_sheet("Rally")

    # History: one row per month-end in Data, returns and gaps as formulas
    _head(hist, "History", "Monthly returns, valuation gaps and revision breadth, computed from Data.")
    heads = ("#", "Month end", "Small-cap return", "Large-cap return", "Relative",
             "Val. month", "P/E gap", "P/B gap", "Snapshot", "Small breadth", "Large breadth")
    for j, h in enumerate(heads, 1):
        hist.cell(4, j, h).font = HEAD
    f0, cap = 5, HISTORY_CAPACITY
    for i in range(cap):
        r = f0 + i
        hist.cell(r, 1, i + 1)
        hist.cell(r, 2, f'=IF(ISNUMBER(INDEX(rr_m_month,$A{r})),INDEX(rr_m_month,$A{r}),"")').number_format = DATE
        for col, data in ((3, "rr_m_small"), (4, "rr_m_large")):
            hist.cell(r, col, f'=IF(AND($A{r}>1,ISNUMBER(INDEX({data},$A{r})),ISNUMBER(INDEX({data},MAX(1,$A{r}-1)))),'
                              f'INDEX({data},$A{r})/INDEX({data},MAX(1,$A{r}-1))-1,"")').number_format = PCT
        hist.cell(r, 5, f'=IF(AND(ISNUMBER(C{r}),ISNUMBER(D{r})),(1+C{r})/(1+D{r})-1,"")').number_format = PCT
        hist.cell(r, 6, f'=IF(ISNUMBER(INDEX(rr_v_month,$A{r})),INDEX(rr_v_month,$A{r}),"")').number_format = DATE
        for col, s_, l_ in ((7, "rr_v_small_pe", "rr_v_large_pe"), (8, "rr_v_small_pb", "rr_v_large_pb")):
            hist.cell(r, col, f'=IF(AND(ISNUMBER(INDEX({s_},$A{r})),INDEX({l_},$A{r})>0),'
                              f'INDEX({s_},$A{r})/INDEX({l_},$A{r})-1,"")').number_format = PCT
        if i < 240:
            hist.cell(r, 9, f'=IF(ISNUMBER(INDEX(rr_r_month,$A{r})),INDEX(rr_r_month,$A{r}),"")').number_format = DATE
            for col, u, d_ in ((10, "rr_r_small_up", "rr_r_small_down"), (11, "rr_r_large_up", "rr_r_large_down")):
                hist.cell(r, col, f'=IF(ISNUMBER(INDEX({u},$A{r})),IF(INDEX({u},$A{r})+INDEX({d_},$A{r})=0,"",'
                                  f'(INDEX({u},$A{r})-INDEX({d_},$A{r}))/(INDEX({u},$A{r})+INDEX({d_},$A{r}))),"")').number_format = "0.00"
    last = f0 + cap - 1
    for name, col in (("hist_ret", "C"), ("hist_large_ret", "D"), ("hist_gap", "G"), ("hist_pb_gap", "H"),
                      ("hist_small_breadth", "J"), ("hist_large_breadth", "K")):
        _name(wb, name, f"History!${col}${f0}:${col}${last}")
    # rolling blocks the charts draw (fixed size, so charts never need their ranges changed)
    hist["N3"] = "Chart data (rolling windows; #N/A is not plotted)"
    hist["N3"].font = HEAD
    for j, h in enumerate(("Month", "Return", "This month", "Val. month", "P/E gap", "10th pct", "Median",
                           "90th pct", "Snapshot", "Small breadth", "Large breadth"), 14):
        hist.cell(4, j, h).font = HEAD
    # 60 bars: the last 59 months, and first the month this one is "best since" when it is
    # older (else the 60th month back), so the comparison the headline rests on is drawn.
    since_idx = "IFERROR(MATCH(dash_best_since,rr_m_month,0),0)"
    for k in range(1, 61):
        r = f0 + k - 1
        idx = (f"IF(AND({since_idx}>0,{since_idx}<COUNT(rr_m_month)-58),{since_idx},COUNT(rr_m_month)-59)"
               if k == 1 else f"(COUNT(rr_m_month)-60+{k})")
        # dates, shown by the cell's number format: no TEXT() format string to break in a locale
        hist.cell(r, 14, f'=IF({idx}>=1,INDEX(rr_m_month,{idx}),"")').number_format = "mmm yy"
        hist.cell(r, 15, f'=IF({idx}>=2,INDEX(hist_ret,{idx}),NA())').number_format = PCT
        hist.cell(r, 16, f'=IF({k}=60,O{r},NA())').number_format = PCT
        hist.cell(r, 25, f'=IF(AND({since_idx}>0,{idx}={since_idx}),O{r},NA())').number_format = PCT
    hist.cell(4, 25, "Best since").font = HEAD
    for k in range(1, 121):
        r = f0 + k - 1
        idx = f"(COUNT(rr_v_month)-120+{k})"
        hist.cell(r, 17, f'=IF({idx}>=1,INDEX(rr_v_month,{idx}),"")').number_format = "mmm yy"
        hist.cell(r, 18, f'=IF({idx}>=1,INDEX(hist_gap,{idx}),NA())').number_format = PCT
        hist.cell(r, 19, "=dash_gap_p10").number_format = PCT
        hist.cell(r, 20, "=dash_gap_p50").number_format = PCT
        hist.cell(r, 21, "=dash_gap_p90").number_format = PCT
    for k in range(1, 49):
        r = f0 + k - 1
        idx = f"(COUNT(rr_r_month)-48+{k})"
        hist.cell(r, 22, f'=IF({idx}>=1,INDEX(rr_r_month,{idx}),"")').number_format = "mmm yy"
        for col, name in ((23, "hist_small_breadth"), (24, "hist_large_breadth")):
            # a month with no revisions is a gap in the chart, not a zero
            hist.cell(r, col, f'=IF({idx}>=1,IF(ISNUMBER(INDEX({name},{idx})),INDEX({name},{idx}),NA()),NA())').number_format = "0.00"

    # Rally: one row per stock in Data
    _head(rally, "Rally versus revisions", "Return over the rally window and the FY1 EPS revision over 30 days.")
    for j, h in enumerate(("#", "Ticker", "Sector", "Return", "EPS rev 30d", "Value trap?",
                           "Chart: return", "Chart: revision", "Trap: return", "Trap: revision",
                           "Prior 12m avg, per month", "Beta (1y daily)", "Beta, with a return"), 1):
        rally.cell(4, j, h).font = HEAD
    s0 = 5
    for i in range(STOCKS_CAPACITY):
        r = s0 + i
        rally.cell(r, 1, i + 1)
        rally.cell(r, 2, f'=IF(INDEX(rr_s_ticker,$A{r})="","",INDEX(rr_s_ticker,$A{r}))')
        rally.cell(r, 3, f'=IF($B{r}="","",INDEX(rr_s_sector,$A{r})&"")')
        rally.cell(r, 4, f'=IF(AND($B{r}<>"",INDEX(rr_s_px_start,$A{r})>0),INDEX(rr_s_px_end,$A{r})/INDEX(rr_s_px_start,$A{r})-1,"")').number_format = PCT
        rally.cell(r, 5, f'=IF(AND($B{r}<>"",ISNUMBER(INDEX(rr_s_eps_30d,$A{r}))),IF(INDEX(rr_s_eps_30d,$A{r})<>0,'
                         f'(INDEX(rr_s_eps_now,$A{r})-INDEX(rr_s_eps_30d,$A{r}))/ABS(INDEX(rr_s_eps_30d,$A{r})),""),"")').number_format = PCT
        rally.cell(r, 6, f'=IF(AND(ISNUMBER(D{r}),ISNUMBER(E{r})),IF(AND(D{r}>=dash_rally_cut,E{r}<=0),"VALUE TRAP?",""),"")')
        # charts skip #N/A but would plot text as zero
        rally.cell(r, 7, f'=IF(AND(ISNUMBER(D{r}),ISNUMBER(E{r})),D{r},NA())').number_format = PCT
        rally.cell(r, 8, f'=IF(AND(ISNUMBER(D{r}),ISNUMBER(E{r})),E{r},NA())').number_format = PCT
        rally.cell(r, 9, f'=IF(F{r}="VALUE TRAP?",D{r},NA())').number_format = PCT
        rally.cell(r, 10, f'=IF(F{r}="VALUE TRAP?",E{r},NA())').number_format = PCT
        rally.cell(r, 11, f'=IF(AND($B{r}<>"",ISNUMBER(INDEX(rr_s_trailing,$A{r}))),INDEX(rr_s_trailing,$A{r}),"")').number_format = PCT
        rally.cell(r, 12, f'=IF(AND($B{r}<>"",ISNUMBER(INDEX(rr_s_beta,$A{r}))),INDEX(rr_s_beta,$A{r}),"")').number_format = "0.00"
        rally.cell(r, 13, f'=IF(AND(ISNUMBER(D{r}),ISNUMBER(L{r})),L{r},"")').number_format = "0.00"
    s_last = s0 + STOCKS_CAPACITY - 1
    for name, col in (("stk_return", "D"), ("stk_revision", "E"), ("stk_trap", "F"), ("stk_sector", "C"),
                      ("stk_trailing", "K"), ("stk_beta", "L"), ("stk_beta_r", "M")):
        _name(wb, name, f"Rally!${col}${s0}:${col}${s_last}")
    rally.conditional_formatting.add(f"F{s0}:F{s_last}", CellIsRule(operator="equal", formula=['"VALUE TRAP?"'],
                                                                     fill=PatternFill("solid", fgColor="FFF4CCCC")))

    # Dashboard
    _head(dash, "Small-cap rally dashboard", "What happened, why, and the risk. Formulas over Data and History.")
    rows = [
        ("What happened", None, None, None),
        ("Month", "=INDEX(rr_m_month,COUNT(rr_m_month))", DATE, "dash_month"),
        ("Small-cap return this month", "=INDEX(hist_ret,COUNT(rr_m_month))", PCT, "dash_return"),
        ("Large-cap return this month", "=INDEX(hist_large_ret,COUNT(rr_m_month))", PCT, "dash_large_return"),
        ("Rank among all months (1 = best)", "=RANK(dash_return,hist_ret)", "0", "dash_rank"),
        ("Months compared", "=COUNT(hist_ret)", "0", "dash_count"),
        ("Best month since (date)", "=SUMPRODUCT(MAX(ISNUMBER(hist_ret)*(hist_ret>=dash_return)*(rr_m_month<dash_month)*rr_m_month))", DATE, "dash_best_since"),
        ("Best since", '=IF(dash_best_since=0,"best ever",dash_best_since)', "mmm yyyy", "dash_best_since_text"),
        ("Months in between", "=IF(dash_best_since=0,\"\",SUMPRODUCT((rr_m_month>dash_best_since)*(rr_m_month<dash_month)))", "0", "dash_between"),
        ("Why", None, None, None),
        ("P/E gap, small vs large (indices, as published)", "=INDEX(hist_gap,COUNT(rr_v_month))", PCT, "dash_gap"),
        ("Percentile of the gap in its history", "=SUMPRODUCT(ISNUMBER(hist_gap)*(hist_gap<=dash_gap))/COUNT(hist_gap)", PCT, "dash_gap_pct"),
        ("Gap, 10th percentile of its history", "=PERCENTILE(hist_gap,0.1)", PCT, "dash_gap_p10"),
        ("Gap, median of its history", "=MEDIAN(hist_gap)", PCT, "dash_gap_p50"),
        ("Gap, 90th percentile of its history", "=PERCENTILE(hist_gap,0.9)", PCT, "dash_gap_p90"),
        ("P/E gap at the previous month-end", "=INDEX(hist_gap,COUNT(rr_v_month)-1)", PCT, "dash_gap_before"),
        ("P/B gap, small vs large (latest)", "=INDEX(hist_pb_gap,COUNT(rr_v_month))", PCT, "dash_pb_gap"),
        ("Revision breadth, small caps (30d)", "=INDEX(hist_small_breadth,COUNT(rr_r_month))", "0.00", "dash_breadth_small"),
        ("Revision breadth, large caps (30d)", "=INDEX(hist_large_breadth,COUNT(rr_r_month))", "0.00", "dash_breadth_large"),
        ("The risk", None, None, None),
        ("Share of stocks up in the window", '=COUNTIF(stk_return,">0")/COUNT(stk_return)', PCT, "dash_share_up"),
        ("Rally cut-off (80th percentile return)", "=PERCENTILE(stk_return,0.8)", PCT, "dash_rally_cut"),
        ("Value traps: rallied, estimates not raised", '=COUNTIF(stk_trap,"VALUE TRAP?")', "0", "dash_traps"),
    ]
    for i, (label, f, fmt, name) in enumerate(rows):
        r = 5 + i
        if f is None:
            dash.cell(r, 1, label).font = HEAD
            continue
        _row(dash, r, label, f, fmt, name, wb)
    dash.column_dimensions["A"].width = 44
    dash.column_dimensions["B"].width = 14
    _dashboard_multiples(wb, dash, top=5 + len(rows) + 1)
    # below the charts (F4:P71), after a page break: sectors and the calendar print on page 2
    below = max(dash.max_row + 2, 73)
    dash.row_breaks.append(Break(id=below - 1))
    _dashboard_rotation(wb, dash, top=below)
    _dashboard_watch(dash, top=dash.max_row + 2)

    bar = BarChart()
    bar.title = "Small-cap index: monthly return, last 59 months and the month it is best since"
    bar.y_axis.number_format = "0%"
    bar.add_data(Reference(hist, min_col=15, min_row=4, max_row=64), titles_from_data=True)
    bar.add_data(Reference(hist, min_col=16, min_row=4, max_row=64), titles_from_data=True)
    bar.add_data(Reference(hist, min_col=25, min_row=4, max_row=64), titles_from_data=True)
    bar.set_categories(Reference(hist, min_col=14, min_row=5, max_row=64))
    bar.overlap = 100
    bar.series[0].graphicalProperties.solidFill = "9AA5B1"  # muted, as in the note's chart
    bar.series[1].graphicalProperties.solidFill = "C00000"
    bar.series[2].graphicalProperties.solidFill = "1F5F99"
    _low_labels(bar, every=6)
    bar.height, bar.width = 8, 18
    dash.add_chart(bar, "F4")

    line = LineChart()
    line.title = "P/E gap, small vs large caps, with its 10th-90th percentile band"
    line.y_axis.number_format = "0%"
    line.add_data(Reference(hist, min_col=18, max_col=21, min_row=4, max_row=124), titles_from_data=True)
    line.set_categories(Reference(hist, min_col=17, min_row=5, max_row=124))
    _low_labels(line, every=12)
    for ser in line.series:
        ser.smooth = False  # a gap is a gap: no spline overshooting the band
    line.height, line.width = 8, 18
    dash.add_chart(line, "F21")

    rev = LineChart()
    rev.title = "EPS revision breadth (30 days): small vs large caps"
    rev.add_data(Reference(hist, min_col=23, max_col=24, min_row=4, max_row=52), titles_from_data=True)
    rev.set_categories(Reference(hist, min_col=22, min_row=5, max_row=52))
    _low_labels(rev, every=6)
    for ser in rev.series:
        ser.smooth = False
    rev.height, rev.width = 8, 18
    dash.add_chart(rev, "F38")

    sc = ScatterChart()
    sc.title = "Rally vs EPS revision (value traps in red)"
    sc.style = 13
    sc.x_axis.title = "EPS revision, 30 days"
    sc.y_axis.title = "Return in the window"
    x = Reference(rally, min_col=8, min_row=s0, max_row=s_last)
    y = Reference(rally, min_col=7, min_row=s0, max_row=s_last)
    allp = Series(y, x, title="Stocks")
    allp.marker.symbol = "circle"
    allp.marker.size = 4
    allp.marker.graphicalProperties = GraphicalProperties(solidFill="9AA5B1")
    allp.marker.graphicalProperties.line.solidFill = "9AA5B1"
    allp.graphicalProperties.line.noFill = True
    traps = Series(Reference(rally, min_col=9, min_row=s0, max_row=s_last),
                   Reference(rally, min_col=10, min_row=s0, max_row=s_last), title="Value traps")
    traps.marker.symbol = "diamond"
    traps.marker.size = 7
    traps.marker.graphicalProperties = GraphicalProperties(solidFill="C00000")
    traps.marker.graphicalProperties.line.solidFill = "C00000"
    traps.graphicalProperties.line.noFill = True
    sc.series.extend([allp, traps])
    sc.scatterStyle = "lineMarker"  # the schema requires c:scatterStyle; markers, no lines drawn
    for ax in (sc.x_axis, sc.y_axis):  # axis labels at the plot's edge, not through the zero line
        ax.tickLblPos = "low"
    sc.x_axis.number_format = sc.y_axis.number_format = "0%"
    sc.height, sc.width = 8, 18
    dash.add_chart(sc, "F55")
    # the figures and the four charts (F4:P71) on the first landscape page, sectors and the
    # calendar on the second
    _print(dash, f"A1:Q{max(dash.max_row, 72)}", landscape=True)
    # a fixed scale, not fit-to-page: spreadsheet programs ignore manual page breaks when
    # fitting, and the break keeps the charts whole on page 1
    dash.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    dash.page_setup.scale = 42
    _print(hist, f"A1:Y{last}", landscape=True, titles="4:4")
    rally.column_dimensions["B"].width = TICKER_WIDTH
    rally.column_dimensions["C"].width = SECTOR_WIDTH
    rally.column_dimensions["F"].width = FLAG_WIDTH
    _print(rally, f"A1:M{s_last}", landscape=True, titles="4:4")
    _owned(wb, DASHBOARD)
    _finish(wb, out)


BUILDERS = {"dcf_model": dcf_model, "comps": comps, "rally_dashboard": rally_dashboard}


def main(folder: str | None = None) -> None:
    out = Path(folder) if folder else Path(__file__).resolve().parents[3] / "templates"
    out.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        build(out / f"{name}.xlsx")
        print(out / f"{name}.xlsx")


if __name__ == "__main__":
    main(*sys.argv[1:2])
