"""The files Indian analysts download, imported cell by cell or refused in one line.

Fixtures are in ``tests/fixtures/files/``, written byte for byte by ``make_files.py`` there, whose
docstring says where each layout comes from (BOM, quoting, CRLF, final newline, row order,
units). Expected values below are copied from the fixture text by hand, not computed by the code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from rerating.data.imports import import_into_store
from rerating.data.providers.files import ImportOptions, read_file
from rerating.data.store import Store
from rerating.data.universe import members, read_universe_file, resolve_universe
from rerating.errors import InputError

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
TODAY = pd.Timestamp("2026-11-25")


def stored(store: Store, table: str = "prices") -> dict[tuple[str, str], tuple[float, ...]]:
    f = store.read(table)
    cols = ["close", "adj_close", "volume"] if table == "prices" else ["pe", "pb", "div_yield"]
    key = "ticker" if table == "prices" else "index"
    return {(r[0], f"{r[1]:%Y-%m-%d}"): tuple(None if pd.isna(v) else v for v in r[2:])
            for r in f[[key, "date", *cols]].itertuples(index=False)}


def imp(tmp_path: Path, name: str, **kw: object) -> tuple[Store, object]:
    store = Store(tmp_path / "store")
    report = import_into_store(store, FILES / name, ImportOptions(today=TODAY, **kw))  # type: ignore[arg-type]
    return store, report


# -- one test per layout --------------------------------------------------------------------
def test_yahoo_download_is_one_ticker_with_null_rows_skipped(tmp_path: Path) -> None:
    # before: six tickers named OPEN, HIGH, LOW, CLOSE, ADJ CLOSE, VOLUME
    store, report = imp(tmp_path, "RELIANCE.NS.csv")
    assert stored(store) == {
        ("RELIANCE.NS", "2026-04-09"): (1398.400024, 1398.400024, 9120311.0),
        ("RELIANCE.NS", "2026-04-10"): (1409.849976, 1409.849976, 8841025.0),
        ("RELIANCE.NS", "2026-04-13"): (1401.150024, 1401.150024, 7312988.0),
        ("RELIANCE.NS", "2026-04-15"): (1418.699951, 1418.699951, 10223544.0),
        ("RELIANCE.NS", "2026-04-16"): (1412.050049, 1412.050049, 6650120.0),
    }
    f = report.files[0]
    assert f.layout.startswith("Yahoo Finance download")
    assert "ticker RELIANCE.NS (from the file name)" in f.notes
    assert any("skipped 1 row(s) with no close (e.g. line 5" in n for n in f.notes)
    assert set(store.read("prices")["source"]) == {"import:RELIANCE.NS.csv"}


def test_investing_india_site_with_units_and_missing_volume(tmp_path: Path) -> None:
    store, report = imp(tmp_path, "Nifty Smallcap 250 Historical Data.csv")
    t = "NIFTYSMLCAP250.NS"  # the file name is the NSE index's name: it meets Yahoo's symbol
    assert stored(store) == {
        (t, "2026-04-24"): (17106.15, 17106.15, 950120.0),
        (t, "2026-04-27"): (17195.10, 17195.10, 1.02e9),
        (t, "2026-04-28"): (17437.60, 17437.60, None),
        (t, "2026-04-29"): (17400.95, 17400.95, 181.56e6),
        (t, "2026-04-30"): (17512.35, 17512.35, 264.35e6),
    }
    assert report.files[0].layout == ("investing.com Historical Data (India site, with Vol. and "
                                      "Change %)")


def test_investing_us_site_needs_a_ticker_and_reads_month_first(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot tell which ticker.*'Reliance Industries'.*--ticker"):
        imp(tmp_path, "Reliance Industries Historical Data.csv")
    store, report = imp(tmp_path, "Reliance Industries Historical Data.csv", ticker="RELIANCE.NS")
    assert stored(store) == {
        ("RELIANCE.NS", "2026-04-28"): (1403.35, 1403.35, 10.05e6),
        ("RELIANCE.NS", "2026-04-29"): (1410.10, 1410.10, 9.87e6),
        ("RELIANCE.NS", "2026-04-30"): (1418.70, 1418.70, 12.31e6),
    }
    assert "US site" in report.files[0].layout
    assert any("month first" in n for n in report.files[0].notes)


def test_investing_without_volume_and_change_columns(tmp_path: Path) -> None:
    # before: tickers PRICE, OPEN, HIGH, LOW
    store, _ = imp(tmp_path, "Nifty 50 Historical Data.csv")
    assert stored(store) == {
        ("^NSEI", "2026-04-28"): (25760.35, 25760.35, None),
        ("^NSEI", "2026-04-29"): (25700.55, 25700.55, None),
        ("^NSEI", "2026-04-30"): (25860.10, 25860.10, None),
    }


def test_investing_resaved_by_excel_as_utf16_tabs_with_mixed_dates(tmp_path: Path) -> None:
    # before: 'utf-8' codec can't decode byte 0xff
    store, report = imp(tmp_path, "Nifty Smallcap 250 resaved.txt", ticker="NIFTY SMALLCAP 250")
    t = "NIFTYSMLCAP250.NS"
    assert stored(store) == {
        (t, "2025-12-10"): (16692.80, 16692.80, 160.12e6),
        (t, "2025-12-11"): (16766.20, 16766.20, 175.33e6),
        (t, "2025-12-12"): (16902.45, 16902.45, 199.90e6),
        (t, "2025-12-15"): (16850.05, 16850.05, 188.02e6),
        (t, "2025-12-16"): (16912.40, 16912.40, 201.44e6),
    }
    notes = report.files[0].notes
    assert "read as UTF-16 text" in notes
    assert "dates read day first: '16-12-2025' on line 2 has a day above 12" in notes
    assert "mixed date separators" in report.files[0].layout


def test_niftyindices_index_prices(tmp_path: Path) -> None:
    # before: "'NIFTY SMALLCAP 250' is not a number"
    store, _ = imp(tmp_path, "NIFTY SMALLCAP 250_Historical_PR.csv")
    t = "NIFTYSMLCAP250.NS"
    assert stored(store) == {
        (t, "2025-06-18"): (17102.40, 17102.40, None),
        (t, "2025-06-19"): (16898.75, 16898.75, None),
        (t, "2025-06-20"): (17021.30, 17021.30, None),
    }


def test_niftyindices_pe_pb_yield_newest_first_crlf_leading_dot(tmp_path: Path) -> None:
    store, _ = imp(tmp_path, "NIFTY SMALLCAP 250_PE_PB_DIV.csv")
    assert stored(store, "index_valuation") == {
        ("NIFTYSMLCAP250.NS", "2024-12-27"): (32.40, 4.35, 0.75),
        ("NIFTYSMLCAP250.NS", "2024-12-30"): (31.87, 4.28, 0.77),
        ("NIFTYSMLCAP250.NS", "2024-12-31"): (32.15, 4.32, 0.76),
    }
    assert store.read("prices").empty


def test_nse_ind_close_all_gives_every_index_close_and_valuation(tmp_path: Path) -> None:
    store, report = imp(tmp_path, "ind_close_all_26032025.csv")
    d = "2025-03-26"
    assert stored(store) == {
        ("^NSEI", d): (23486.85, 23486.85, 271450104.0),
        ("^NSMIDCP", d): (61603.55, 61603.55, 112233445.0),
        ("NIFTYSMLCAP250.NS", d): (15428.95, 15428.95, 301234567.0),
        ("NIFTY ALPHA 50", d): (46320.10, 46320.10, 45123456.0),
        ("^INDIAVIX", d): (13.61, 13.61, None),
    }
    assert stored(store, "index_valuation") == {
        ("^NSEI", d): (21.62, 3.46, 1.32),
        ("^NSMIDCP", d): (24.18, 4.02, 1.21),
        ("NIFTYSMLCAP250.NS", d): (28.91, 3.55, 0.62),
        ("NIFTY ALPHA 50", d): (33.40, 6.12, 0.48),
    }  # India VIX has no P/E: no valuation row rather than a row of blanks
    assert any("not in the index map, stored under their NSE name: NIFTY ALPHA 50" in n
               for n in report.files[0].notes)


@pytest.mark.parametrize("name", ["cm14MAR2019bhav.csv", "cm14MAR2019bhav.csv.zip"])
def test_old_bhavcopy_equity_series_only(tmp_path: Path, name: str) -> None:
    # before: "SYMBOL: '20MICRONS' is not a number"
    store, report = imp(tmp_path, name)
    d = "2019-03-14"
    assert stored(store) == {
        ("20MICRONS.NS", d): (37.5, 37.5, 26373.0),
        ("21STCENMGM.NS", d): (25.55, 25.55, 1006.0),  # BE series counts
        ("3IINFOTECH.NS", d): (3.5, 3.5, 5095614.0),
        ("3MINDIA.NS", d): (22690.25, 22690.25, 1125.0),
        ("AARTIIND.NS", d): (1463.45, 1463.45, 143925.0),
    }  # ABB's N1 bond and AARVEEDEN's SME row are not equity closes
    assert any("skipped 2 row(s) of other series" in n for n in report.files[0].notes)


def test_new_bhavcopy_with_spaces_after_commas(tmp_path: Path) -> None:
    store, _ = imp(tmp_path, "sec_bhavdata_full_07062024.csv")
    d = "2024-06-07"
    assert stored(store) == {
        ("20MICRONS.NS", d): (201.45, 201.45, 268934.0),
        ("360ONE.NS", d): (839.55, 839.55, 1203456.0),
        ("RELIANCE.NS", d): (2932.50, 2932.50, 9876543.0),
        ("GOLDBEES.NS", d): (59.62, 59.62, 3456789.0),
    }


def test_udiff_bhavcopy_of_july_2024_on(tmp_path: Path) -> None:
    store, report = imp(tmp_path, "BhavCopy_NSE_CM_0_0_0_20240708_F_0000.csv")
    d = "2024-07-08"
    assert stored(store) == {
        ("RELIANCE.NS", d): (3207.35, 3207.35, 5672391.0),
        ("TCS.NS", d): (4002.80, 4002.80, 1534287.0),
        ("20MICRONS.NS", d): (212.60, 212.60, 145230.0),
    }  # AADHARHFC's SM (SME) row is not an equity close
    assert report.files[0].layout.startswith("NSE equity bhavcopy, UDiFF")


def test_folder_of_bhavcopies_is_one_history(tmp_path: Path) -> None:
    folder = tmp_path / "bhav"
    folder.mkdir()
    text = (FILES / "sec_bhavdata_full_07062024.csv").read_text()
    (folder / "sec_bhavdata_full_07062024.csv").write_text(text)
    (folder / "sec_bhavdata_full_10062024.csv").write_text(
        text.replace("07-Jun-2024", "10-Jun-2024").replace("2932.50", "2955.00"))
    store = Store(tmp_path / "store")
    report = import_into_store(store, folder, ImportOptions(today=TODAY))
    rel = store.read("prices", ["RELIANCE.NS"])
    assert rel.set_index("date").close.to_dict() == {pd.Timestamp("2024-06-07"): 2932.5,
                                                     pd.Timestamp("2024-06-10"): 2955.0}
    assert len(report.files) == 2 and report.rows == {"prices": 8}
    assert store.manifest()["generation"] == 1  # one commit for the folder


def test_two_files_saying_two_things_about_one_day_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "bhav"
    folder.mkdir()
    text = (FILES / "sec_bhavdata_full_07062024.csv").read_text()
    (folder / "a.csv").write_text(text)
    (folder / "b.csv").write_text(text.replace("2932.50", "2940.00"))
    store = Store(tmp_path / "store")
    with pytest.raises(InputError, match=r"^RELIANCE.NS has different values for 2024-06-07 in "
                                         r"a.csv and b.csv; import one of them$"):
        import_into_store(store, folder, ImportOptions(today=TODAY))
    assert not store.exists()


def test_folder_with_one_bad_file_imports_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "bhav"
    folder.mkdir()
    shutil.copy(FILES / "sec_bhavdata_full_07062024.csv", folder)
    (folder / "zz_broken.csv").write_text("SYMBOL,SERIES,DATE1,CLOSE_PRICE,TTL_TRD_QNTY\n"
                                          "ABC,EQ,07-Jun-2024,12;5,100\n")
    store = Store(tmp_path / "store")
    with pytest.raises(InputError, match=r"zz_broken.csv CLOSE_PRICE: '12;5' on line 2"):
        import_into_store(store, folder, ImportOptions(today=TODAY))
    assert not store.exists()


def test_nse_constituent_list_is_a_universe_not_prices(tmp_path: Path) -> None:
    # before: 891 "tickers" (COMPANY, NAME, LTD., ...)
    tickers = read_universe_file(FILES / "ind_nifty50list.csv")
    assert tickers == ["BAJAJ-AUTO.NS", "HDFCBANK.NS", "INFY.NS", "M&M.NS", "RELIANCE.NS", "TCS.NS"]
    with pytest.raises(InputError, match="constituent list: use `rerating data universes --import"):
        imp(tmp_path, "ind_nifty50list.csv")


def test_own_long_and_wide_formats_as_before(tmp_path: Path) -> None:
    long = tmp_path / "long.csv"
    long.write_text("ticker,date,close,volume\nabc.ns,2026-04-01,10.5,100\nABC.NS,2026-04-02,11,200\n")
    f = read_file(long, ImportOptions(today=TODAY)).prices
    assert f[["ticker", "close", "adj_close", "volume"]].values.tolist() == [
        ["ABC.NS", 10.5, 10.5, 100.0], ["ABC.NS", 11.0, 11.0, 200.0]]
    wide = tmp_path / "wide.csv"
    wide.write_text("Date,AAA.NS,BBB.NS\n30-04-2026,1,2\n29-04-2026,3,\n")
    g = read_file(wide, ImportOptions(today=TODAY)).prices
    assert g.set_index(["ticker", "date"]).close.to_dict() == {
        ("AAA.NS", pd.Timestamp("2026-04-29")): 3.0, ("AAA.NS", pd.Timestamp("2026-04-30")): 1.0,
        ("BBB.NS", pd.Timestamp("2026-04-30")): 2.0}


@pytest.mark.parametrize("name", sorted(p.name for p in FILES.iterdir()
                                        if p.suffix in (".csv", ".txt") and "resaved" not in p.name))
def test_line_endings_do_not_change_what_is_read(tmp_path: Path, name: str) -> None:
    raw = (FILES / name).read_bytes()
    flipped = raw.replace(b"\r\n", b"\n") if b"\r\n" in raw else raw.replace(b"\n", b"\r\n")
    (tmp_path / name).write_bytes(flipped)
    opts = ImportOptions(today=TODAY, ticker="RELIANCE.NS" if "Reliance" in name else None)
    a, b = read_file(FILES / name, opts), read_file(tmp_path / name, opts)
    for table in ("prices", "index_valuation"):
        pd.testing.assert_frame_equal(getattr(a, table).drop(columns="fetched_at"),
                                      getattr(b, table).drop(columns="fetched_at"))


# -- the silent misparses named in the issue, and other refusals ---------------------------------
def test_ambiguous_date_column_is_refused_unless_order_given(tmp_path: Path) -> None:
    # before: "Date,NIFTY50" with 01/12/2026 was stored as 1 December 2026, a future date
    p = tmp_path / "nifty.csv"
    p.write_text("Date,NIFTY50\n01/12/2026,25100.5\n02/12/2026,25210.0\n")
    with pytest.raises(InputError, match=r"could be day first or month first.*--dayfirst"):
        read_file(p, ImportOptions(today=TODAY))
    with pytest.raises(InputError, match=r"2 date\(s\) after today \(2026-11-25\), e.g. line 2: "
                       "2026-12-01"):
        read_file(p, ImportOptions(today=TODAY, date_order="dayfirst"))
    got = read_file(p, ImportOptions(today=TODAY, date_order="monthfirst"))
    assert got.prices.set_index("date").close.to_dict() == {
        pd.Timestamp("2026-01-12"): 25100.5, pd.Timestamp("2026-02-12"): 25210.0}
    assert got.prices.ticker.unique().tolist() == ["^NSEI"]  # NIFTY50 is the NSE index Nifty 50


@pytest.mark.parametrize(("text", "opts", "words"), [
    ("Date;Close\n2026-04-01;25.860,10\n", {}, "separated by ';', the European CSV style"),
    ("ticker,date,close\nA.NS,2026-04-01,\"25.860,10\"\n", {}, "European number"),
    ("ticker,date,close\nA.NS,2026-04-01,\"12,34\"\n", {}, "'12,34' on line 2 is not a number"),
    ("ticker,date,close\nA.NS,16/12/2025,1\nA.NS,12/13/2025,2\n", {}, "inconsistent"),
    ("ticker,date,close\nA.NS,16/12/2025,1\n", {"date_order": "monthfirst"}, "--monthfirst contradicts"),
    ("ticker,date,close\nA.NS,31/02/2026,1\nA.NS,13/02/2026,1\n", {}, "'31/02/2026' on line 2 is not a real date"),
    ("ticker,date,close\nA.NS,2026-04-01,1\nA.NS,2026-04-01,2\n", {}, "different values for 2026-04-01 on lines 2, 3"),
    ("ticker,date,close\nA.NS,2026-05-02,1\nA.NS,2026-05-03,2\n", {}, "every date is a weekend or an exchange holiday"),
    ("ticker,date,close\nRELIANCE,2026-04-01,1\n", {}, "RELIANCE has no exchange suffix: pass --exchange NS"),
    ("ticker,date,close\n\"=HYPERLINK(\"\"http://x\"\")\",2026-04-01,1\n", {}, "is not a ticker"),
    ("Date,Open,High,Low,Close\n2026-04-01,1,2,1,2\n", {}, "cannot tell which ticker"),
    ("Date,Open,Close\n2026-04-01,1,2\n", {}, r"columns \['Open', 'Close'\] are fields of one ticker"),
    ("foo,bar\n1,2\n", {}, "not a layout Rerating Desk knows.*header seen: 'foo,bar'"),
    ("ticker,date,close\nA.NS,2026-04-01,inf\n", {}, "'inf' on line 2 is not a number"),
    ("Date,A.NS\n2026-04-01,25,50\n2026-04-02,26,10\n", {}, "more fields than the header"),
])
def test_refused_in_one_line(tmp_path: Path, text: str, opts: dict, words: str) -> None:
    p = tmp_path / "file.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=words) as err:
        read_file(p, ImportOptions(today=TODAY, **opts))
    assert "\n" not in str(err.value)


def test_suffixless_ticker_suggests_the_stored_one_and_maps_with_exchange(tmp_path: Path) -> None:
    store, _ = imp(tmp_path, "RELIANCE.NS.csv")
    p = tmp_path / "mine.csv"
    p.write_text("ticker,date,close\nRELIANCE,2026-04-17,1420.5\n")
    with pytest.raises(InputError, match=r"the store holds RELIANCE.NS: pass --exchange NS"):
        import_into_store(store, p, ImportOptions(today=TODAY))
    report = import_into_store(store, p, ImportOptions(today=TODAY, exchange="NS"))
    assert store.read("prices", ["RELIANCE.NS"]).set_index("date").close[
        pd.Timestamp("2026-04-17")] == 1420.5
    assert any("added .NS to 1 ticker(s)" in n for n in report.files[0].notes)


def test_reimport_says_what_it_replaced_and_no_replace_keeps_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    first = tmp_path / "a.csv"
    first.write_text("ticker,date,close\nRELIANCE.NS,2026-04-28,2920.0\nRELIANCE.NS,2026-04-29,2931.5\n")
    import_into_store(store, first, ImportOptions(today=TODAY))
    second = tmp_path / "b.csv"
    second.write_text("ticker,date,close\nRELIANCE.NS,2026-04-28,2920.0\nRELIANCE.NS,2026-04-29,2935\n"
                      "RELIANCE.NS,2026-04-30,2940\n")
    kept = import_into_store(store, second, ImportOptions(today=TODAY), replace_stored=False)
    assert kept.kept == {"prices": 2} and kept.rows == {"prices": 1}
    assert store.read("prices").close.tolist() == [2920.0, 2931.5, 2940.0]
    report = import_into_store(store, second, ImportOptions(today=TODAY))
    assert report.replaced == {"prices": ["close of RELIANCE.NS: 2026-04-29 2,931.5 -> 2,935.0",
                                          "adj_close of RELIANCE.NS: 2026-04-29 2,931.5 -> 2,935.0"]}
    assert store.read("prices").close.tolist() == [2920.0, 2935.0, 2940.0]


def test_refused_file_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store, _ = imp(tmp_path, "RELIANCE.NS.csv")
    before = store.manifest()
    bad = tmp_path / "bad.csv"
    bad.write_text("ticker,date,close\nRELIANCE.NS,2026-04-20,1\nRELIANCE.NS,2026-04-21,x\n")
    with pytest.raises(InputError):
        import_into_store(store, bad, ImportOptions(today=TODAY))
    assert store.manifest() == before


def test_cp1252_file_keeps_its_accents(tmp_path: Path) -> None:
    p = tmp_path / "ind_niftyfmcglist.csv"
    p.write_bytes("Company Name,Industry,Symbol,Series,ISIN Code\r\n"
                  "Nestlé India Ltd.,Fast Moving Consumer Goods,NESTLEIND,EQ,INE239A01024\r\n"
                  .encode("cp1252"))
    got = read_file(p)
    assert got.members.company_name.tolist() == ["Nestlé India Ltd."]
    assert "read as Windows-1252 text" in got.notes


def test_saved_nse_universe_keeps_names_and_industries(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from rerating.cli import cli

    res = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes", "--import",
                                   str(FILES / "ind_nifty50list.csv"), "--force"])
    assert res.exit_code == 0, res.output
    assert "Saved universe nifty50: 6 tickers" in res.output  # a 6-row sample, forced
    assert resolve_universe("nifty50", tmp_path)[:2] == ["BAJAJ-AUTO.NS", "HDFCBANK.NS"]
    m = members("nifty50", tmp_path)
    assert m.set_index("ticker").loc["M&M.NS", ["company_name", "industry"]].tolist() == [
        "Mahindra & Mahindra Ltd.", "Automobile and Auto Components"]


def test_user_index_map_extends_the_built_in_one(tmp_path: Path) -> None:
    from rerating.data.indices import IndexMap

    mapfile = tmp_path / "index_map.csv"
    mapfile.write_text("index_name,symbol\nNifty Alpha 50,NIFTYALPHA50.NS\n")
    store = Store(tmp_path / "store")
    import_into_store(store, FILES / "ind_close_all_26032025.csv",
                      ImportOptions(today=TODAY, index_map=IndexMap.from_file(mapfile)))
    assert "NIFTYALPHA50.NS" in set(store.read("index_valuation")["index"])


def test_a_year_of_bhavcopies_reads_in_parallel_and_flags_unadjusted_splits(tmp_path: Path) -> None:
    """16+ files take the process pool; a stock that halves overnight (a split the bhavcopy
    does not adjust) is imported as the file says and flagged."""
    from rerating.data.calendar import sessions

    folder = tmp_path / "bhav"
    folder.mkdir()
    text = (FILES / "sec_bhavdata_full_07062024.csv").read_text()
    days = sessions(pd.Timestamp("2024-06-03"), pd.Timestamp("2024-06-30"))[:18]
    for i, d in enumerate(days):
        close = "2932.50" if i < 10 else "1466.25"  # a 2:1 split on the 11th day
        body = text.replace("07-Jun-2024", f"{d:%d-%b-%Y}").replace("2932.50", close)
        (folder / f"sec_bhavdata_full_{d:%d%m%Y}.csv").write_text(body)
    store = Store(tmp_path / "store")
    report = import_into_store(store, folder, ImportOptions(today=TODAY))
    assert report.rows == {"prices": 18 * 4}
    rel = store.read("prices", ["RELIANCE.NS"]).set_index("date").close
    assert rel.iloc[9] == 2932.5 and rel.iloc[10] == 1466.25
    assert report.warnings == [f"check RELIANCE.NS: close moved -50.0% in one session to "
                               f"{days[10]:%Y-%m-%d} with no corporate action to explain it "
                               "(an unadjusted split or bonus?): kept as traded, not adjusted; "
                               "check it"]
    (folder / f"sec_bhavdata_full_{days[3]:%d%m%Y}.csv").write_text(text.replace("07-Jun-2024", "07-Jux-2024"))
    with pytest.raises(InputError, match="'07-Jux-2024' on line 2 is not in a known style"):
        import_into_store(Store(tmp_path / "other"), folder, ImportOptions(today=TODAY))


def test_a_layouts_date_order_is_checked_against_the_exchange_calendar(tmp_path: Path) -> None:
    """investing.com's US layout (quoted, thousands commas, "M" volumes, UTF-8 BOM, no final
    newline, newest first) written day first with slashes, as a UK-site download is: every date
    could be either way, and the layout's month-first reading put 1-10 April 2026 on 4 January
    .. 4 October, a month apart, three of them weekends. Refused naming both readings."""
    rows = [("10/04/2026", "1,431.20"), ("09/04/2026", "1,428.00"), ("08/04/2026", "1,422.35"),
            ("07/04/2026", "1,420.10"), ("06/04/2026", "1,418.70"), ("02/04/2026", "1,410.10"),
            ("01/04/2026", "1,403.35")]
    text = '"Date","Price","Open","High","Low","Vol.","Change %"\n' + "\n".join(
        f'"{d}","{p}","{p}","{p}","{p}","10.05M","0.10%"' for d, p in rows)
    f = tmp_path / "Reliance Industries Historical Data.csv"
    f.write_bytes(text.encode("utf-8-sig"))
    with pytest.raises(InputError) as e:
        read_file(f, ImportOptions(today=TODAY, ticker="RELIANCE.NS"))
    msg = str(e.value)
    assert "read month first (investing.com US writes MM/DD/YYYY)" in msg
    assert "read day first they are consecutive sessions" in msg
    assert "'10/04/2026' on line 2 is 04 Oct 2026 one way, 10 Apr 2026 the other" in msg
    assert "say which with --dayfirst or --monthfirst" in msg
    got = read_file(f, ImportOptions(today=TODAY, ticker="RELIANCE.NS", date_order="dayfirst"))
    assert sorted(got.prices["date"].dt.strftime("%Y-%m-%d")) == [
        "2026-04-01", "2026-04-02", "2026-04-06", "2026-04-07", "2026-04-08", "2026-04-09", "2026-04-10"]
    # the real US file (three consecutive sessions) still reads month first without a word
    assert len(read_file(FILES / "Reliance Industries Historical Data.csv",
                         ImportOptions(today=TODAY, ticker="RELIANCE.NS")).prices) == 3
