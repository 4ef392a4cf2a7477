"""Refresh keeps the analyst's work: every part the tool does not own is byte-identical."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import xlwings
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from PIL import Image as PILImage

from rerating.data.providers.demo import demo_market
from rerating.errors import WorkbookError
from rerating.workbooks import content, engine
from rerating.workbooks.libreoffice import recalculate, soffice, values_by_name
from rerating.workbooks.ooxml import Package, write_package

BEFORE = "2026-03-31"  # built then, refreshed to the demo's last day (2026-04-30)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def owned_parts(path: Path) -> set[str]:
    with Package(path) as pkg:
        return {s.part for s in pkg.sheets() if s.name in ("Data", "Changes", "_rerating")}


def analyst_edits(src: Path, dest: Path, tmp: Path) -> None:
    """What an analyst does to a model: edit an input, add a sheet with a chart, an image, a
    comment, validation, conditional formats, a defined name, a custom document property."""
    wb = load_workbook(src)
    wb["Inputs"]["B7"] = 0.05  # the ERP
    notes = wb.create_sheet("My notes")
    notes["A1"] = "Thesis: rerating as ERP compresses"
    for i in range(2, 12):
        notes.cell(i, 1, i)
        notes.cell(i, 2, f"=A{i}*2")
    chart = BarChart()
    chart.add_data(Reference(notes, min_col=1, min_row=2, max_row=11))
    notes.add_chart(chart, "D2")
    png = tmp / "logo.png"
    PILImage.new("RGB", (8, 8), (200, 0, 0)).save(png)
    notes.add_image(Image(str(png)), "D20")
    notes["A1"].comment = Comment("check with the sector head", "analyst")
    dv = DataValidation(type="list", formula1='"Buy,Hold,Sell"')
    notes.add_data_validation(dv)
    dv.add("C1")
    notes.conditional_formatting.add("B2:B11", CellIsRule(operator="greaterThan", formula=["10"],
                                                          fill=PatternFill("solid", fgColor="FFFF00")))
    wb.defined_names["my_thesis"] = DefinedName("my_thesis", attr_text="'My notes'!$A$1")
    wb.custom_doc_props.append(StringProperty(name="Coverage", value="Small caps"))
    wb.save(dest)


@pytest.fixture
def built(demo_store, tmp_path):  # type: ignore[no-untyped-def]
    t = demo_market().universe("demo-small")[0]
    base = engine.build(content.dcf(demo_store, t, as_of=BEFORE), tmp_path / "base.xlsx").path
    edited = tmp_path / "model.xlsx"
    analyst_edits(base, edited, tmp_path)
    return edited, t


def test_refresh_keeps_every_part_it_does_not_own(built, demo_store) -> None:  # type: ignore[no-untyped-def]
    path, t = built
    before = parts(path)
    kinds = " ".join(before)
    for needle in ("charts/chart", "media/image", "comments", "docProps/custom.xml", "drawings/"):
        assert needle in kinds, needle  # the test workbook really carries them
    result = engine.refresh(path, demo_store)
    after = parts(path)
    owned = owned_parts(path)
    assert set(after) == set(before)
    same = [n for n in before if n not in owned]
    assert [n for n in same if before[n] != after[n]] == []
    assert all(before[n] != after[n] for n in owned)
    assert result.backup is not None and parts(result.backup) == before
    # the Changes record says what moved
    items = {row[0]: row for row in result.changes}
    assert f"{t} price" in items and f"{t} consensus EPS FY1" in items
    note = items[f"{t} consensus EPS FY1"][4]
    assert "revised UP" in note or "revised DOWN" in note


def test_refresh_after_libreoffice_saved_the_file(built, demo_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A file another spreadsheet wrote (shared strings, cached values, its own part names)."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    path, t = built
    saved = recalculate(path, tmp_path / "lo")
    before = parts(saved)
    engine.refresh(saved, demo_store)
    after = parts(saved)
    owned = owned_parts(saved)
    changed = {n for n in before if before.get(n) != after.get(n)}
    assert changed - owned <= {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                               "xl/calcChain.xml"}
    if "xl/workbook.xml" in changed:  # only calcPr may differ
        strip = lambda b: re.sub(rb"<calcPr[^>]*/>", b"", b)  # noqa: E731
        assert strip(before["xl/workbook.xml"]) == strip(after["xl/workbook.xml"])
        assert b'fullCalcOnLoad="1"' in after["xl/workbook.xml"]
    assert "xl/calcChain.xml" not in after
    got = values_by_name(recalculate(saved, tmp_path / "lo2"))
    px = demo_store.read("prices", [t]).sort_values("date")
    assert got["rr_price"] == px["close"].iloc[-1]  # refreshed
    assert got["in_erp"] == 0.05  # the analyst's input survived
    assert abs(got["val_coe"] - (0.07 + got["in_beta"] * 0.05)) < 1e-12
    wb = load_workbook(recalculate(saved, tmp_path / "lo3"))
    assert wb["My notes"]["A1"].value.startswith("Thesis")


def _with_vba(src: Path, dest: Path) -> None:
    """An .xlsm: our workbook plus the VBA project of xlwings' own standalone workbook."""
    vba = zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_standalone.xlsm").read("xl/vbaProject.bin")
    with Package(src) as pkg:
        ct = pkg.read("[Content_Types].xml").decode()
        ct = ct.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                        "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        ct = ct.replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
        rels = pkg.read("xl/_rels/workbook.xml.rels").decode().replace(
            "</Relationships>", '<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
        buf = io.BytesIO()
        write_package(pkg, buf, {"[Content_Types].xml": ct.encode(), "xl/_rels/workbook.xml.rels": rels.encode()},
                      add={"xl/vbaProject.bin": vba})
    dest.write_bytes(buf.getvalue())


def test_refresh_keeps_the_vba_project(built, demo_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path, _ = built
    xlsm = tmp_path / "model.xlsm"
    _with_vba(path, xlsm)
    before = parts(xlsm)
    engine.refresh(xlsm, demo_store)
    after = parts(xlsm)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert b"macroEnabled" in after["[Content_Types].xml"]
    owned = owned_parts(xlsm)
    assert [n for n in before if n not in owned and before[n] != after[n]] == []


def test_a_second_refresh_with_nothing_new_says_so(built, demo_store) -> None:  # type: ignore[no-untyped-def]
    path, _ = built
    engine.refresh(path, demo_store)
    second = engine.refresh(path, demo_store)
    assert second.changes == []
    with Package(path) as pkg:
        from rerating.workbooks.ooxml import read_cells
        cells = read_cells(pkg, next(s.part for s in pkg.sheets() if s.name == "Changes"))
    assert cells[(4, 2)] == "(nothing moved)"
    assert any(v == "built from the dcf_model template" for v in cells.values())  # history kept


def test_refuses_files_it_should_not_touch(tmp_path, demo_store, built) -> None:  # type: ignore[no-untyped-def]
    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    with pytest.raises(WorkbookError, match="not made from a Rerating Desk template"):
        engine.refresh(plain, demo_store)
    text = tmp_path / "notes.xlsx"
    text.write_text("not a zip")
    with pytest.raises(WorkbookError, match="not a workbook"):
        engine.refresh(text, demo_store)
    ole = tmp_path / "locked.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(WorkbookError, match="encrypted or legacy"):
        engine.refresh(ole, demo_store)
    path, _ = built
    lock = path.parent / f"~${path.name}"
    lock.write_bytes(b"analyst")
    before = path.read_bytes()
    with pytest.raises(WorkbookError, match="open in Excel"):
        engine.refresh(path, demo_store)
    lock.unlink()
    assert path.read_bytes() == before
    with pytest.raises(WorkbookError, match="does not exist"):
        engine.refresh(tmp_path / "nope.xlsx", demo_store)


def test_moved_tool_name_is_refused_not_guessed(built, demo_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path, _ = built
    wb = load_workbook(path)
    wb.defined_names["rr_price"] = DefinedName("rr_price", attr_text="Inputs!$B$5")
    moved = tmp_path / "moved.xlsx"
    wb.save(moved)
    before = moved.read_bytes()
    with pytest.raises(WorkbookError, match="rr_price now points at Inputs!B5"):
        engine.refresh(moved, demo_store)
    assert moved.read_bytes() == before


def test_a_dashboard_from_the_first_template_version_still_refreshes(demo_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Version 2 added three Data fields (the index's latest P/E, P/B, dividend yield). A book
    made from version 1 has no names for them: refresh fills Data and does not refuse it, while
    a version-2 book that lost one of those names is still refused."""
    m = demo_market()
    c = content.dashboard(demo_store, "SMALL250.DEMO", "LARGE50.DEMO", m.universe("demo-small"),
                          m.universe("demo-large"), "MTD", BEFORE)
    new = engine.build(c, tmp_path / "v2.xlsx").path
    added = ("rr_small_pe_now", "rr_small_pb_now", "rr_small_dy_now")

    def older(version: int, name: str) -> Path:
        buf = io.BytesIO()
        with zipfile.ZipFile(new) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "xl/workbook.xml":
                    for n in added:
                        data = re.sub(rf'<definedName name="{n}"[^>]*>[^<]*</definedName>'.encode(),
                                      b"", data)
                out.writestr(info, data)
        p = tmp_path / name
        p.write_bytes(buf.getvalue())
        wb = load_workbook(p)
        meta = wb["_rerating"]
        for row in meta.iter_rows():
            if row[0].value == "template_version":
                row[1].value = version
        wb.save(p)
        return p

    v1 = older(1, "v1.xlsx")
    res = engine.refresh(v1, demo_store)
    assert str(res.as_of.date()) == "2026-04-30"
    lost = older(2, "lost.xlsx")
    with pytest.raises(WorkbookError, match="the defined name rr_small_pe_now is gone"):
        engine.refresh(lost, demo_store)
