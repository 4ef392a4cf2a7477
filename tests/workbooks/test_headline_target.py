"""One answer per model: the demo DCF book, recalculated by LibreOffice, has exactly one cell
labelled as the target; every other per-share value is labelled a cross-check and says which
assumption makes it differ, with numbers that match the cells they come from."""

from __future__ import annotations

import math

import openpyxl
import pytest

from rerating.analytics import dcf
from rerating.workbooks import content, engine
from rerating.workbooks.libreoffice import recalculate, soffice, values_by_name

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")]


@pytest.fixture(scope="module")
def book(demo_store, tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("headline")
    path = engine.build(content.dcf(demo_store, "GAURISTE.DEMO"), out / "dcf.xlsx").path  # the demo's model
    recalculate(path, out / "calc")
    calc = out / "calc" / "dcf.xlsx"
    return openpyxl.load_workbook(calc, data_only=True), values_by_name(calc)


def labels(wb: openpyxl.Workbook) -> list[tuple[str, int, str]]:
    return [(ws.title, c.row, c.value) for ws in wb.worksheets if ws.sheet_state == "visible"
            for c in ws["A"] if isinstance(c.value, str)]


def test_exactly_one_headline_target_and_the_rest_are_cross_checks(book) -> None:  # type: ignore[no-untyped-def]
    wb, got = book
    heads = [(s, r, t) for s, r, t in labels(wb) if t.lower().startswith("target price")]
    assert heads == [("Valuation", 31, "Target price (headline): DCF, dividends + perpetuity growth")]
    assert got["val_target"] == got["val_dcf_perpetuity"]
    for sheet, row, text in labels(wb):
        if "target" in text.lower() and (sheet, row) != ("Valuation", 31):
            assert text in ("Upside to target", "Cross-checks (not targets)"), (sheet, row, text)
    checks = {"val_check_exit": "val_dcf_exit", "val_check_fade": "mul_target"}
    for name, source in checks.items():
        assert got[name] == got[source]
    cells = {(s, r): t for s, r, t in labels(wb)}
    assert cells[("Multiples", 21)].startswith("Cross-check:")  # was "Target price: …"
    assert all(cells[("Valuation", r)].startswith("Cross-check:") for r in (35, 36, 37))


def test_each_cross_check_says_what_drives_its_gap(book) -> None:  # type: ignore[no-untyped-def]
    wb, got = book
    v = wb["Valuation"]
    exit_why, fade_why, just_why = (v.cell(r, 4).value for r in (35, 36, 37))
    eps5 = got["val_eps"][-1] if isinstance(got["val_eps"], list) else None
    tv_pe = v["B19"].value / (eps5 if eps5 else v["C15"].value)
    assert exit_why == f"exit P/E 18.0x year-5 EPS; the perpetuity at 6.0% growth implies {tv_pe:.1f}x"
    g1, g5 = got["in_growth"][0], got["in_growth"][-1]  # consensus, fading to terminal growth
    assert fade_why.startswith(f"the price implies {got['mul_implied_growth'] * 100:.1f}% growth for 10 "
                               f"years, fading over 10; the DCF assumes {g1:.0%} falling to {g5:.0%} "
                               "over 5 years, then 6.0%")
    assert just_why == (f"justified P/E {got['val_justified_pe']:.1f}x vs {got['val_pe']:.1f}x at the "
                        f"price: the price implies {got['val_implied_growth'] * 100:.1f}% growth for ever, "
                        "the DCF 6.0% after year 5")
    # the numbers the words use are the core's: the Gordon growth the price implies
    g = dcf.implied_growth(got["val_pe"], got["in_payout_terminal"], got["val_coe"])
    assert math.isclose(got["val_implied_growth"], float(g), rel_tol=1e-9)
    assert math.isclose(got["val_check_justified"], got["val_justified_pe"] * got["rr_eps_ttm"], rel_tol=1e-12)
    for r in (35, 36, 37):
        assert math.isclose(v.cell(r, 3).value, v.cell(r, 2).value / got["rr_price"] - 1, rel_tol=1e-12)


def test_amounts_are_in_rupee_crore_with_the_unit_in_the_header(book, demo_store) -> None:  # type: ignore[no-untyped-def]
    """Market cap showed as raw rupees (43169562300)."""
    wb, got = book
    v = wb["Valuation"]
    assert v["A9"].value == "Market cap (₹ crore)" and v["B9"].number_format == "#,##0"
    assert got["val_mcap_cr"] == got["rr_market_cap"] / 1e7  # 1 crore = 10 million
    assert round(got["val_mcap_cr"]) == 4317  # ₹43,169,562,300 is ₹4,317 crore
    data = {c.value: c.row for c in wb["Data"]["A"] if isinstance(c.value, str)}
    assert "Market cap (₹, full precision)" in data  # the data sheet keeps every rupee
