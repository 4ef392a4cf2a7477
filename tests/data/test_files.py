"""Importing analysts' files: NSE index valuation exports and price CSVs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rerating.data.providers.files import import_index_valuation, import_prices
from rerating.errors import InputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_nse_index_valuation_export() -> None:
    f = import_index_valuation(FIXTURES / "nse_pe_pb_dy_smallcap.csv")
    # NSE's index name is stored under Yahoo's symbol, so prices and valuations meet
    assert list(f["index"].unique()) == ["NIFTYSMLCAP250.NS"]
    assert f.date.tolist() == [pd.Timestamp(d) for d in
                               ("2026-04-01", "2026-04-02", "2026-04-06", "2026-04-07")]
    assert f.pe.tolist() == [24.51, 24.83, 25.10, 1025.40]  # "1,025.40" has a thousands comma
    assert f.div_yield.iloc[0] == 0.71
    assert set(f.source) == {"import:nse_pe_pb_dy_smallcap.csv"}


def test_long_and_wide_price_files(tmp_path: Path) -> None:
    long = tmp_path / "long.csv"
    long.write_text("ticker,date,close,volume\nabc.ns,2026-04-01,10.5,100\nABC.NS,2026-04-02,11,200\n")
    f = import_prices(long)
    assert f.ticker.tolist() == ["ABC.NS", "ABC.NS"]
    assert f.close.tolist() == [10.5, 11.0]
    assert f.adj_close.tolist() == [10.5, 11.0]
    wide = tmp_path / "wide.csv"
    wide.write_text("Date,AAA.NS,BBB.NS\n30-04-2026,1,2\n29-04-2026,3,\n")
    g = import_prices(wide)
    assert g.set_index(["ticker", "date"]).close.to_dict() == {
        ("AAA.NS", pd.Timestamp("2026-04-29")): 3.0, ("AAA.NS", pd.Timestamp("2026-04-30")): 1.0,
        ("BBB.NS", pd.Timestamp("2026-04-30")): 2.0}


@pytest.mark.parametrize(("text", "message"), [
    ("ticker,date,close\nA.NS,2026-13-45,1\n", "'2026-13-45' on line 2 is not a real date"),
    ("ticker,date,close\nA.NS,20260401,1\n", "'20260401' on line 2 is not in a known style"),
    ("ticker,date,close\nA.NS,2026-04-01,abc\n", "'abc' on line 2 is not a number"),
    ("foo,bar\n1,2\n", "columns ticker,date,close"),
])
def test_bad_price_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=message):
        import_prices(p)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="does not exist"):
        import_prices("/nonexistent/prices.csv")


def test_a_close_of_zero_or_below_is_refused_naming_the_rows(tmp_path: Path) -> None:
    """Stored before, with a warning about a -100% move, and then served as a price of 0."""
    f = tmp_path / "TCS.NS.csv"
    f.write_bytes(b"Date,Open,High,Low,Close,Adj Close,Volume\r\n"
                  b"2026-03-02,3500,3510,3490,3501,3501,100\r\n"
                  b"2026-03-03,0,0,0,0,0,0\r\n"
                  b"2026-03-04,3500,3510,3490,-1,3502,100\r\n"
                  b"2026-03-05,3500,3510,3490,3503,3503,100\r\n")
    with pytest.raises(InputError) as e:
        import_prices(f)
    assert "2 row(s) with a close of zero or below (lines 3, 4; e.g. line 3: 2026-03-03 close 0)" in str(e.value)
