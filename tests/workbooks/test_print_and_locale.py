"""Books that read right wherever they are opened and printed: no locale-bound date format
strings in formulas, the same numbers and no error values when LibreOffice runs as a German
user, a print area on every sheet, and the dashboard on at most 3 printed pages."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, demo_market
from rerating.workbooks import content, engine
from rerating.workbooks.engine import template_path
from rerating.workbooks.libreoffice import recalculate, soffice, values_by_name

TEMPLATES_DIR = template_path("dcf_model").parent

LO = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
GERMAN = pytest.mark.skipif(
    not re.search(r"^de_DE\.utf-?8$", subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout,
                  re.I | re.M), reason="the de_DE.UTF-8 locale is not installed (.ci/run installs it)")
# TEXT(x, "yyyy-mm-dd"), "mmm yyyy", "dd/mm" …: a format string Excel reads in the user's language
DATE_TEXT = re.compile(r'TEXT\((?:[^"]|"[^"]*")*?,\s*"[^"]*[dmyDMY][^"]*"\s*\)')


@pytest.fixture(scope="module")
def books(demo_store, tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("books")
    m = demo_market()
    built = [
        engine.build(content.dcf(demo_store, "GAURISTE.DEMO"), out / "dcf.xlsx").path,
        engine.build(content.comps(demo_store, m.universe("demo-small"), LARGE_INDEX, "MTD"), out / "comps.xlsx").path,
        engine.build(content.dashboard(demo_store, SMALL_INDEX, LARGE_INDEX, m.universe("demo-small"),
                                       m.universe("demo-large")), out / "dashboard.xlsx").path,
    ]
    refreshed = out / "refreshed.xlsx"  # a refreshed book, too
    shutil.copy(built[0], refreshed)
    engine.refresh(refreshed, demo_store)
    return [*built, refreshed]


def formulas(path: Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(path) as z:
        return [(n, f) for n in z.namelist() if n.startswith("xl/worksheets/sheet")
                for f in re.findall(r"<f[^>]*>([^<]*)</f>", z.read(n).decode("utf-8"))]


def test_the_date_format_check_catches_what_it_must() -> None:
    assert DATE_TEXT.search('"as of "&TEXT(rr_as_of,"yyyy-mm-dd")')
    assert DATE_TEXT.search('TEXT(INDEX(rr_m_month,(COUNT(rr_m_month)-60+1)),"mmm yy")')
    assert not DATE_TEXT.search('FIXED(in_exit_pe,1,TRUE)&"x"')


def test_no_date_format_string_inside_any_formula(books) -> None:  # type: ignore[no-untyped-def]
    paths = [*sorted(TEMPLATES_DIR.glob("*.xlsx")), *books]
    assert len(paths) == 7
    found = [(p.name, part, f) for p in paths for part, f in formulas(p) if DATE_TEXT.search(f.replace("&quot;", '"'))]
    assert not found, found[:5]


@LO
@GERMAN
def test_a_german_libreoffice_finds_the_same_numbers_and_no_errors(books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    recalculate(books, tmp_path / "en")
    recalculate(books, tmp_path / "de", locale="de-DE")
    # the German run really is German: FIXED() there writes a decimal comma
    de_dcf = openpyxl.load_workbook(tmp_path / "de" / "dcf.xlsx", data_only=True)["Valuation"]
    assert "18,0x" in de_dcf["D35"].value
    for p in books:
        en, de = values_by_name(tmp_path / "en" / p.name), values_by_name(tmp_path / "de" / p.name)
        assert en == de, p.name
        wb_f = openpyxl.load_workbook(p)  # the formulas, to tell a deliberate NA() from an error
        wb_v = openpyxl.load_workbook(tmp_path / "de" / p.name, data_only=True)
        for ws in wb_v.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    v = c.value
                    if isinstance(v, str) and re.match(r"^#(N/A|VALUE!|REF!|NAME\?|DIV/0!|NUM!|NULL!)", v):
                        f = wb_f[ws.title][c.coordinate].value
                        assert v == "#N/A" and isinstance(f, str) and "NA()" in f, (p.name, ws.title, c.coordinate, v, f)


def test_every_designed_sheet_has_a_print_area_one_page_wide() -> None:
    for path in sorted(TEMPLATES_DIR.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible" or ws.title in ("Data", "Changes"):
                continue
            assert ws.print_area, (path.name, ws.title)
            if ws.title == "Dashboard":  # a fixed scale, so that its page break holds
                assert ws.page_setup.scale == 42 and ws.row_breaks.brk, path.name
            else:
                assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, (path.name, ws.title)
            assert ws.oddHeader.left.text == "&A"  # each printed page names its sheet
        assert wb["Data"] is not None


def printed_pages(pdf: Path) -> dict[str, int]:
    """Pages per sheet, read from the header every page carries (the sheet's name)."""
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                         text=True).stdout).group(1))
    counts: dict[str, int] = {}
    for i in range(1, n + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                              capture_output=True, text=True).stdout
        sheet = text.strip().split()[0]
        counts[sheet] = counts.get(sheet, 0) + 1
    return counts


@LO
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_dashboard_prints_on_at_most_three_pages(books, demo_store, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """It printed on 81 pages: the charts beside the figures split every row across pages."""
    from rerating.cli import main

    assert main(["--data-dir", str(demo_store.root), "dashboard", "build", "-o", str(tmp_path / "cli.xlsx")]) == 0
    from rerating.reports.report import ReportSpec, publish

    m = demo_market()
    _, dash = publish(demo_store, ReportSpec(SMALL_INDEX, LARGE_INDEX, m.universe("demo-small"),
                                             m.universe("demo-large"), universe="demo-small"), tmp_path / "demo")
    for book in (tmp_path / "cli.xlsx", dash.path):
        pdf = recalculate(book, tmp_path / "pdf" / book.parent.name, fmt="pdf")
        pages = printed_pages(pdf)
        assert pages["Dashboard"] == 2, pages  # figures and charts; sectors and the calendar
        assert set(pages) >= {"Dashboard", "History", "Rally", "Data", "Changes"}


def test_a_built_book_prints_only_the_rows_it_fills(books) -> None:  # type: ignore[no-untyped-def]
    """The comps template holds 500 rows; a book of 250 stocks printed four blank pages."""
    wb = openpyxl.load_workbook(books[1])
    assert wb["Comps"].print_area.endswith("$P$263")  # header row 13 + 250 stocks
    dash = openpyxl.load_workbook(books[2])
    months = len([c for c in dash["Data"]["D"][5:] if c.value is not None])
    assert dash["History"].print_area.endswith(f"$Y${4 + months}")
    assert dash["Rally"].print_area.endswith("$M$254")


# -- text cut by a column edge ----------------------------------------------------------------
# Measured with the font LibreOffice draws where Calibri is missing (DejaVu Sans, wider than
# Calibri): what prints here prints whole in Excel too. A column is width x 7 + 5 pixels.
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FONTS = pytest.mark.skipif(not (_DEJAVU / "DejaVuSans.ttf").exists(), reason="fonts-dejavu missing")


def _text_px(text: str, size: float, bold: bool) -> float:
    from PIL import ImageFont

    font = ImageFont.truetype(str(_DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")),
                              size=round(size * 96 / 72 * 10))
    return font.getlength(text) / 10 + 3


def _col_px(ws, col: int) -> float:  # type: ignore[no-untyped-def]
    from openpyxl.utils import get_column_letter

    d = ws.column_dimensions.get(get_column_letter(col))
    return (d.width if d is not None and d.width else 8.43) * 7 + 5


def cut_text(path: Path, values: Path | None = None) -> list[tuple[str, str, str]]:
    """Text that a column edge cuts on the designed sheets: a label or heading (or, with
    ``values``, a formula's computed text) wider than its cell(s) while the next cell holds
    something; wrapped text whose row is too low for its lines; a word broken mid-way."""
    wb = openpyxl.load_workbook(path)
    shown = openpyxl.load_workbook(values, data_only=True) if values else None
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title in ("Data", "Changes"):
            continue
        seen = shown[ws.title] if shown else None
        merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for c in row:
                text = c.value
                if c.data_type == "f" or isinstance(text, openpyxl.worksheet.formula.ArrayFormula):
                    text = seen[c.coordinate].value if seen is not None else None
                if not isinstance(text, str) or not text.strip():
                    continue
                m = merged.get((c.row, c.column))
                last = m.max_col if m else c.column
                right = (seen or ws).cell(c.row, last + 1).value
                if right in (None, "") and not m:
                    continue
                al = c.alignment
                if al is not None and al.shrink_to_fit:
                    continue
                size, bold = float(c.font.sz or 11), bool(c.font.b)
                have = sum(_col_px(ws, k) for k in range(c.column, last + 1))
                if al is not None and al.wrap_text:
                    lines, line = 1, ""
                    for word in text.split():
                        if _text_px(word, size, bold) > have:
                            out.append((ws.title, c.coordinate, f"word {word!r} broken"))
                        trial = f"{line} {word}".strip()
                        if line and _text_px(trial, size, bold) > have:
                            lines, line = lines + 1, word
                        else:
                            line = trial
                    height = ws.row_dimensions[c.row].height or 15
                    if lines * size * 1.25 > height + 0.5:
                        out.append((ws.title, c.coordinate, f"{lines} lines in a {height}pt row"))
                elif _text_px(text, size, bold) > have:
                    out.append((ws.title, c.coordinate, text[:40]))
    return out


@FONTS
def test_the_cut_text_check_catches_a_cut_heading(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "EPS revision over 30 days", "x"
    ws["A2"], ws["B2"] = "EPS", "x"
    wb.save(tmp_path / "t.xlsx")
    assert cut_text(tmp_path / "t.xlsx") == [("Sheet", "A1", "EPS revision over 30 days")]


@FONTS
def test_no_label_or_heading_is_cut_on_a_designed_sheet() -> None:
    """The comps book printed "EPS rev 3" and "Value tra"; the dashboard "Growth priced
    todayFair P/E (fade)" and "Beyond avMedian beta"."""
    cut = {p.name: cut_text(p) for p in sorted(TEMPLATES_DIR.glob("*.xlsx"))}
    assert not any(cut.values()), cut


@FONTS
@LO
def test_no_computed_text_is_cut_in_a_built_book(books, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Company names ran into the Sector column; "VALUE TRAP?" showed as "VALUE TRA"."""
    dcf, comps, dash = books[:3]
    calc = recalculate([dcf, comps, dash], tmp_path / "calc")
    cut = {p.name: cut_text(p, calc.parent / p.name) for p in (dcf, comps, dash)}
    assert not any(cut.values()), cut


@LO
def test_the_data_sheet_is_left_out_of_the_print_and_says_so(books, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Data sheets printed squeezed to one page width: hundreds of rows, unreadable."""
    pdf = recalculate(books[1], tmp_path / "pdf", fmt="pdf")
    pages = printed_pages(pdf)
    assert pages.get("Data") == 1, pages
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    data_page = next(p for p in text.split("\f") if p.strip().startswith("Data"))
    assert "Not printed: this sheet's print area is its first lines" in " ".join(data_page.split())
    assert "DEVALPER.DEMO" not in data_page  # no rows of data on it
