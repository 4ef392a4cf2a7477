"""Cached values: a reader that does not recalculate (pandas, previews, phones) sees the numbers
LibreOffice computes, in every built book and after a refresh; nothing else in the book moves."""

from __future__ import annotations

import math
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from rerating.cli import main
from rerating.workbooks.libreoffice import recalculate, soffice

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")]


@pytest.fixture(scope="module")
def books(demo_store, tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("cached")
    store = out / "store"
    shutil.copytree(demo_store.root, store)
    mp = pytest.MonkeyPatch()
    mp.setenv("RERATING_CACHE_VALUES", "1")
    try:
        d = ["--data-dir", str(store)]
        assert main([*d, "model", "build", "GAURISTE.DEMO", "-o", str(out / "dcf.xlsx")]) == 0
        assert main([*d, "comps", "build", "-o", str(out / "comps.xlsx")]) == 0
        assert main([*d, "dashboard", "build", "-o", str(out / "dash.xlsx")]) == 0
        shutil.copy(out / "dcf.xlsx", out / "refreshed.xlsx")
        assert main([*d, "refresh", str(out / "refreshed.xlsx")]) == 0
        # formulas only, as before: the same book without values, to show what they change
        assert main([*d, "model", "build", "GAURISTE.DEMO", "-o", str(out / "bare.xlsx"),
                     "--no-cache-values"]) == 0
    finally:
        mp.undo()
    return out


def numbers_pandas_sees(path: Path) -> dict[tuple[str, int, int], float]:
    """Every numeric cell as pandas reads the file, with no recalculation."""
    sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
    return {(name, r, c): float(v) for name, df in sheets.items() for (r, c), v in df.stack().items()
            if isinstance(v, int | float) and not isinstance(v, bool) and not math.isnan(v)}


@pytest.mark.parametrize("name", ["dcf.xlsx", "comps.xlsx", "dash.xlsx", "refreshed.xlsx"])
def test_pandas_reads_the_numbers_libreoffice_computes(books, name: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ours = numbers_pandas_sees(books / name)
    lo = numbers_pandas_sees(recalculate(books / name, tmp_path / "lo"))
    assert len(ours) > 200
    assert set(ours) == set(lo), sorted(set(ours) ^ set(lo))[:10]
    bad = [(k, ours[k], lo[k]) for k in ours
           if not math.isclose(ours[k], lo[k], rel_tol=1e-9, abs_tol=1e-12)]
    assert not bad, bad[:10]
    wb = openpyxl.load_workbook(books / name, data_only=True)
    first = wb.worksheets[0]
    assert str(first["A2"].value).startswith("SYNTHETIC DEMO DATA")  # the banner, a text formula


def test_without_values_pandas_saw_blanks_and_the_rest_of_the_book_is_the_same(books) -> None:  # type: ignore[no-untyped-def]
    bare = openpyxl.load_workbook(books / "bare.xlsx", data_only=True)["Valuation"]
    full = openpyxl.load_workbook(books / "dcf.xlsx", data_only=True)["Valuation"]
    assert bare["B31"].value is None and isinstance(full["B31"].value, float) and full["B31"].value > 0
    with zipfile.ZipFile(books / "bare.xlsx") as a, zipfile.ZipFile(books / "dcf.xlsx") as b:
        assert a.namelist() == b.namelist()
        differ = {n for n in a.namelist() if a.read(n) != b.read(n)}
    # only the sheets' formula values (and the Data/meta stamps of the build time) differ
    assert all(n.startswith("xl/worksheets/sheet") for n in differ), differ
    with zipfile.ZipFile(books / "dcf.xlsx") as z:
        assert b'fullCalcOnLoad="1"' in z.read("xl/workbook.xml")  # Excel still recalculates
