"""``rerating addin convert``: a book's RR_ formulas for the Office add-in and back, nothing else."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from rerating.cli import main


def _book(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Comps"
    ws["A2"] = "GAURITWO.DEMO"
    ws["B2"] = "=RR_PRICE(A2)"
    ws["C2"] = '=RR_INFO(A2,"pe")*2+RR_PE("demo-small")'
    ws["D2"] = '="RR_PRICE(" & A2'           # text inside a string literal: not a call
    ws["E2"] = "=RR_PRICE(A2) (as text)"      # a text cell, not a formula
    ws["E2"].data_type = "s"
    ws["F2"] = "=SUM(B2:C2)+MYRR_PRICE(1)"    # not ours
    ws["A1"] = "Ticker"
    ws["A1"].comment = Comment("the analyst's note", "desk")
    wb.defined_names["rr_small_pe"] = DefinedName("rr_small_pe", attr_text='RR_PE("demo-small")')
    wb.save(path)


def test_a_book_converts_to_the_office_add_in_and_back(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src, office, back = tmp_path / "comps.xlsx", tmp_path / "office.xlsx", tmp_path / "back.xlsx"
    _book(src)
    assert main(["addin", "convert", str(src), "--to", "office", "-o", str(office)]) == 0
    assert "4 RR_ call(s) in 2 part(s) now for the Office add-in" in capsys.readouterr().out
    ws = load_workbook(office)["Comps"]
    assert ws["B2"].value == "=_xldudf_RR_PRICE(A2)"
    assert ws["C2"].value == '=_xldudf_RR_INFO(A2,"pe")*2+_xldudf_RR_PE("demo-small")'
    assert ws["D2"].value == '="RR_PRICE(" & A2' and ws["E2"].value == "=RR_PRICE(A2) (as text)"
    assert ws["F2"].value == "=SUM(B2:C2)+MYRR_PRICE(1)"
    assert ws["A1"].comment.text == "the analyst's note"
    assert load_workbook(office).defined_names["rr_small_pe"].attr_text == '_xldudf_RR_PE("demo-small")'
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(office) as b:
        changed = {n for n in a.namelist() if a.read(n) != b.read(n)}
        assert changed == {"xl/worksheets/sheet1.xml", "xl/workbook.xml"} and a.namelist() == b.namelist()
    assert main(["addin", "convert", str(office), "--to", "excel", "-o", str(back)]) == 0
    original, again = load_workbook(src)["Comps"], load_workbook(back)["Comps"]
    for row in original.iter_rows():
        for c in row:
            assert again[c.coordinate].value == c.value, c.coordinate
    # the original is never written over, and an existing output needs --overwrite
    assert main(["addin", "convert", str(src), "--to", "office", "-o", str(src)]) == 2
    assert main(["addin", "convert", str(src), "--to", "office", "-o", str(office)]) == 2
    assert "exists; give --overwrite" in capsys.readouterr().err


def test_shared_formulas_and_escaped_text_are_rewritten_in_place() -> None:
    """Excel writes a shared formula once (``<f t="shared" ref=… si="0">``) and its other cells
    as ``<f t="shared" si="0"/>``: a self-closing element holds no formula and is never opened."""
    from rerating.workbooks.convert import _part

    xml = (b'<row r="2"><c r="G2"><f t="shared" ref="G2:G3" si="0">RR_PRICE(A2)</f><v>1</v></c>'
           b'<c r="G3"><f t="shared" si="0"/><v>2</v></c>'
           b'<c r="H2"><f>IF(A2&lt;&gt;"",RR_PE(&quot;demo-small&quot;),"")</f></c></row>')
    new, n = _part(xml, "office", {"RR_PRICE", "RR_PE"})
    assert n == 2
    assert new == (b'<row r="2"><c r="G2"><f t="shared" ref="G2:G3" si="0">_xldudf_RR_PRICE(A2)</f><v>1</v></c>'
                   b'<c r="G3"><f t="shared" si="0"/><v>2</v></c>'
                   b'<c r="H2"><f>IF(A2&lt;&gt;"",_xldudf_RR_PE("demo-small"),"")</f></c></row>')
