"""The package layer: raw part copies, hostile workbooks, formula injection (kill -9: tests/reliability)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET

from rerating.data.providers.demo import LARGE_INDEX, demo_market
from rerating.errors import WorkbookError
from rerating.workbooks import content, engine
from rerating.workbooks.libreoffice import recalculate, soffice, values_by_name
from rerating.workbooks.ooxml import Limits, Package, with_full_calc_on_load, write_package
from rerating.workbooks.sheetxml import worksheet_xml

PAYLOADS = ["=HYPERLINK(\"http://x\",\"click\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1", "=1+1"]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in members.items():
            z.writestr(n, b)
    return path


def test_raw_copy_keeps_every_other_part_and_reads_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = _zip(tmp_path / "a.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>",
                                     "xl/media/image1.png": os.urandom(5000), "xl/x.xml": b"x" * 100_000,
                                     "docProps/ü.xml": b"<u/>"})
    out = io.BytesIO()
    with Package(src) as pkg:
        write_package(pkg, out, {"xl/x.xml": b"<new/>"}, drop={"docProps/\u00fc.xml"}, add={"xl/added.xml": b"<a/>"})
    z = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert z.testzip() is None
    assert z.namelist() == ["[Content_Types].xml", "xl/workbook.xml", "xl/media/image1.png", "xl/x.xml", "xl/added.xml"]
    orig = zipfile.ZipFile(src)
    assert z.read("xl/media/image1.png") == orig.read("xl/media/image1.png")
    assert z.getinfo("xl/media/image1.png").compress_size == orig.getinfo("xl/media/image1.png").compress_size
    assert z.read("xl/x.xml") == b"<new/>" and z.read("xl/added.xml") == b"<a/>"


def test_hostile_xml_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              b'<workbook>&lol2;</workbook>')
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook>&e;</workbook>'
    for i, body in enumerate((laughs, xxe)):
        p = _zip(tmp_path / f"h{i}.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": body,
                                           "xl/_rels/workbook.xml.rels": b"<Relationships/>"})
        with Package(p) as pkg, pytest.raises(WorkbookError, match="hostile XML"):
            pkg.sheets()


def test_zip_bomb_and_oversized_parts_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bomb = _zip(tmp_path / "bomb.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>",
                                         "xl/worksheets/sheet1.xml": b"\0" * (50 << 20)})
    assert bomb.stat().st_size < 200_000
    with pytest.raises(WorkbookError, match="zip bomb"):
        Package(bomb)
    with pytest.raises(WorkbookError, match="would expand"):
        Package(bomb, Limits(max_total_bytes=10 << 20))
    many = _zip(tmp_path / "many.xlsx", {f"p{i}": b"" for i in range(50)} | {"[Content_Types].xml": b"", "xl/workbook.xml": b""})
    with pytest.raises(WorkbookError, match="parts; the limit"):
        Package(many, Limits(max_members=20))


def test_full_calc_on_load_edits_only_calcpr() -> None:
    wb = b'<workbook xmlns="m"><sheets/><definedNames><definedName name="a">S!$A$1</definedName></definedNames><calcPr calcId="191029"/></workbook>'
    out = with_full_calc_on_load(wb)
    assert out == wb.replace(b'<calcPr calcId="191029"/>', b'<calcPr calcId="191029" fullCalcOnLoad="1"/>')
    assert with_full_calc_on_load(out) == out
    none = b'<x:workbook xmlns:x="m"><x:sheets/></x:workbook>'
    assert with_full_calc_on_load(none) == b'<x:workbook xmlns:x="m"><x:sheets/><x:calcPr fullCalcOnLoad="1"/></x:workbook>'


def test_data_source_strings_are_text_never_formulas(demo_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    names = demo_market().universe("demo-small")[: len(PAYLOADS)]
    c = content.comps(demo_store, names, LARGE_INDEX, "MTD")
    c.values["rr_c_name"] = PAYLOADS
    c.values["rr_c_sector"] = PAYLOADS
    c.values["rr_c_sectors"] = sorted(set(PAYLOADS))
    c.values["rr_source"] = "=1+1"
    path = engine.build(c, tmp_path / "hostile.xlsx").path
    with Package(path) as pkg:
        data = next(s.part for s in pkg.sheets() if s.name == "Data")
        xml = pkg.read(data)
    root = SafeET.fromstring(xml)
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    assert root.findall(f".//{ns}f") == []  # no formula anywhere in the tool's sheet
    texts = ["".join(t.itertext()) for t in root.iter(f"{ns}is")]
    decoded = [x.replace("_x000D_", "\r") for x in texts]  # Excel's escape for a carriage return
    assert all(p in decoded for p in PAYLOADS)
    if soffice() is None:
        return
    got = values_by_name(recalculate(path, tmp_path / "calc"))
    assert got["rr_c_name"][: len(PAYLOADS)] == PAYLOADS  # came back as the same text
    assert got["rr_source"] == "=1+1"


def test_sheet_writer_escapes_markup_and_control_characters() -> None:
    xml = worksheet_xml({(1, 1): "<b>&amp;</b>", (1, 2): "a\x00b\x1fc", (2, 1): float("nan"), (2, 2): True})
    root = SafeET.fromstring(xml)
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    texts = ["".join(t.itertext()) for t in root.iter(f"{ns}is")]
    assert texts == ["<b>&amp;</b>", "a\ufffdb\ufffdc"]
    assert [c.get("r") for c in root.iter(f"{ns}c")] == ["A1", "B1", "B2"]  # NaN left blank
