"""Spreadsheet-formula injection: Yahoo returns company names and fields that begin with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return. They travel through yfinance, the
store, a comps book, a DCF model and a CSV export; nowhere may one become a formula.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest
from defusedxml import ElementTree as SafeET

from rerating.cli import main
from rerating.data.export import FORMULA_STARTS, defuse, to_csv_bytes
from rerating.data.providers.yahoo import YahooProvider
from rerating.data.refresh import refresh
from rerating.workbooks import content, engine
from rerating.workbooks.libreoffice import recalculate, soffice, values_by_name
from rerating.workbooks.ooxml import Package

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# what a hostile or broken source might send, one per leading character
NAMES = {"RELIANCE.NS": '=HYPERLINK("http://evil.example","Reliance")',
         "TCS.NS": "+cmd|' /C calc'!A0",
         "INFY.NS": "-2+3+cmd|' /C calc'!A0"}
SECTORS = {"RELIANCE.NS": "@SUM(1+1)*cmd|' /C calc'!A0", "TCS.NS": "\t=1+1", "INFY.NS": "\r=1+1"}


@pytest.fixture
def hostile_store(fake_yahoo, store):  # type: ignore[no-untyped-def]
    for sym, name in NAMES.items():
        summary = fake_yahoo.summaries.setdefault(sym, __import__("copy").deepcopy(
            fake_yahoo.summaries["RELIANCE.NS"]))
        summary["quoteType"]["longName"] = summary["quoteType"]["shortName"] = name
        summary["assetProfile"]["sector"] = SECTORS[sym]
        summary["assetProfile"]["industry"] = "=1+1"
    p = YahooProvider(session=fake_yahoo.session(), sleep=lambda s: None)
    report = refresh(store, p, [*NAMES, "^NSEI"], start="2026-03-01", end="2026-04-30")
    assert report.failures.get("fundamentals", {}) == {}
    stored = store.read("fundamentals")
    assert stored.set_index("ticker")["name"].to_dict() == NAMES  # kept exactly as sent
    # Yahoo's snapshots are dated the day they are fetched and the fixture's prices end on
    # 30 April: date them as if fetched that evening, so the books see them
    for table in ("fundamentals", "estimates"):
        frame = store.read(table)
        store.upsert(table, frame.assign(as_of=pd.Timestamp("2026-04-30")))
    return store


def owned_sheet_xml(path) -> list[bytes]:  # type: ignore[no-untyped-def]
    with Package(path) as pkg:
        return [pkg.read(s.part) for s in pkg.sheets() if s.name in ("Data", "Changes", "_rerating")]


def test_hostile_names_are_text_in_every_workbook(hostile_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    comps = engine.build(content.comps(hostile_store, list(NAMES), "^NSEI", "1M"),
                         tmp_path / "comps.xlsx").path
    model = engine.build(content.dcf(hostile_store, "RELIANCE.NS"), tmp_path / "model.xlsx").path
    for path in (comps, model):
        for xml in owned_sheet_xml(path):
            root = SafeET.fromstring(xml)
            assert root.findall(f".//{NS}f") == []  # the tool's sheets hold no formula at all
        with zipfile.ZipFile(path) as z:  # and nothing anywhere carries the payloads as formulas
            for name in z.namelist():
                if name.endswith(".xml"):
                    for f in SafeET.fromstring(z.read(name)).iter(f"{NS}f"):
                        assert "cmd|" not in (f.text or "") and "evil" not in (f.text or ""), name
    if soffice() is None:
        pytest.skip("LibreOffice is not installed; .ci/run installs it")
    got = values_by_name(recalculate(comps, tmp_path / "calc"))
    assert got["rr_c_name"][:3] == list(NAMES.values())  # the same text came back, not a result
    assert got["rr_c_sector"][:3] == list(SECTORS.values())


def test_hostile_names_are_defused_in_csv_exports(hostile_store, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fundamentals.csv"
    code = main(["--data-dir", str(hostile_store.root), "data", "export", "fundamentals", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    text = out.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    cells = [c for row in body for c in row]
    assert not any(c.startswith(FORMULA_STARTS) for c in cells if not _number(c))
    names = {row[header.index("ticker")]: row[header.index("name")] for row in body}
    assert names == {t: "'" + n for t, n in NAMES.items()}
    assert {row[header.index("industry")] for row in body} == {"'=1+1"}
    assert all(row[header.index("source")] == "yahoo" for row in body)  # provenance on every row
    assert not list(tmp_path.glob(".*.tmp"))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_defuse_follows_owasp_and_leaves_numbers_alone() -> None:
    assert [defuse(x) for x in ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "Reliance", ""]] == \
        ["'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "'\r=1", "Reliance", ""]
    frame = pd.DataFrame({"ticker": ["X.NS"], "ret": [-0.25], "name": ["-0.25"]})
    lines = to_csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert lines == ['"ticker","ret","name"', "\"X.NS\",-0.25,\"'-0.25\""]  # number stays a number
