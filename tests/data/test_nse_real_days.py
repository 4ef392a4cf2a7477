"""NSE's daily files on every day of the year: the traits real archives have that tidy fixtures
lack (issue 31). A row that is no price costs that row, never the day; a day NSE printed
month-first is stored on the day the file is named for, and said.

Layouts: the real files in ``../shared/data/nse-real-samples/`` (2021 index files with the
``Nifty50 Dividend Points`` row, ``-`` cells and ``.24`` decimals) and public copies of later
files described in ``../shared/FIELD-NOTES.md`` (a points series at 0 on the first session of
each fiscal year; ``ind_close_all_06042023.csv`` printed ``04-06-2023``). The fixtures are
written by ``tests/fixtures/files/make_files.py``; expected values are copied from them by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rerating.data.imports import import_into_store
from rerating.data.providers.files import ImportOptions, read_data, read_file
from rerating.data.providers.nse import EQUITIES, INDICES, NSEProvider
from rerating.data.refresh import plan_days, refresh_days
from rerating.data.store import Store
from rerating.errors import InputError
from tests.fakense import FakeNSE

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
TODAY = pd.Timestamp("2026-11-25")


def test_a_points_series_at_zero_costs_its_row_not_the_day(tmp_path: Path) -> None:
    # before: "2 row(s) with a close of zero or below … fix or delete those rows": the whole
    # first day of fiscal 2024-25 refused
    store = Store(tmp_path / "store")
    report = import_into_store(store, FILES / "ind_close_all_01042024.csv",
                               ImportOptions(today=TODAY))
    p = store.read("prices").set_index("ticker")
    assert set(p["date"]) == {pd.Timestamp("2024-04-01")}
    assert p.loc["^NSEI", "close"] == 22462.00
    assert p.loc["NIFTYSMLCAP250.NS", "close"] == 15210.35
    assert p.loc["^INDIAVIX", "close"] == 11.38
    assert "NIFTY50 DIVIDEND POINTS" not in p.index
    assert "NIFTY50 USD" not in p.index  # close '-': no row, not a 0
    v = store.read("index_valuation").set_index("index")
    assert tuple(v.loc["^NSEI", ["pe", "pb", "div_yield"]]) == (22.47, 3.93, 1.24)
    assert tuple(v.loc["NIFTYSMLCAP250.NS", ["pe", "pb", "div_yield"]]) == (27.81, 3.42, 0.49)
    notes = " ".join(report.files[0].notes)
    assert "skipped 1 points series, not an index level: Nifty50 Dividend Points" in notes
    assert "no close" in notes and "line 7" in notes  # the Nifty50 USD row with '-'


def test_a_zero_close_in_a_bhavcopy_skips_that_row_but_a_users_file_is_refused() -> None:
    head = ("SYMBOL, SERIES, DATE1, PREV_CLOSE, OPEN_PRICE, HIGH_PRICE, LOW_PRICE, LAST_PRICE, "
            "CLOSE_PRICE, AVG_PRICE, TTL_TRD_QNTY, TURNOVER_LACS, NO_OF_TRADES, DELIV_QTY, "
            "DELIV_PER\n")
    body = head + ("RELIANCE, EQ, 01-Aug-2025, 1391.80, 1390.00, 1398.00, 1385.10, 1393.00, "
                   "1393.70, 1392.11, 6573126, 91507.95, 208133, 3541120, 53.87\n"
                   "ZEROCO, EQ, 01-Aug-2025, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0, "
                   "0.00, 0, -, -\n")
    got = read_data(body.encode(), "sec_bhavdata_full_01082025.csv", ImportOptions(today=TODAY))
    assert got.prices.set_index("ticker")["close"].to_dict() == {"RELIANCE.NS": 1393.70}
    assert any("skipped 1 row(s) whose close is zero or below" in n and "ZEROCO.NS" in n
               for n in got.notes)
    own = "ticker,date,close\nRELIANCE.NS,2025-08-01,1393.70\nZEROCO.NS,2025-08-01,0\n"
    with pytest.raises(InputError, match="close of zero or below"):
        read_data(own.encode(), "mine.csv", ImportOptions(today=TODAY))


def test_a_day_printed_month_first_is_stored_on_the_day_the_file_is_named_for(
        tmp_path: Path) -> None:
    # before: stored on Sun 4 Jun 2023 (day first), two months off, with only a "check" note
    got = read_file(FILES / "ind_close_all_06042023.csv", ImportOptions(today=TODAY))
    assert set(got.prices["date"]) == {pd.Timestamp("2023-04-06")}
    assert got.prices.set_index("ticker").loc["^NSEI", "close"] == 17599.15
    assert any("'04-06-2023' is printed month-first" in n and "Thu 06 Apr 2023" in n
               and "Sun 04 Jun 2023" in n for n in got.notes)


def test_a_renamed_month_first_file_is_refused_with_both_readings(tmp_path: Path) -> None:
    data = (FILES / "ind_close_all_06042023.csv").read_bytes()
    with pytest.raises(InputError, match=r"Sun 04 Jun 2023, no session; read month first it "
                       r"is Thu 06 Apr 2023.*ind_close_all_06042023\.csv"):
        read_data(data, "indices.csv", ImportOptions(today=TODAY))
    # told which way round, it reads
    got = read_data(data, "indices.csv", ImportOptions(today=TODAY, date_order="monthfirst"))
    assert set(got.prices["date"]) == {pd.Timestamp("2023-04-06")}


def test_a_file_named_for_one_day_holding_another_is_refused() -> None:
    data = (FILES / "ind_close_all_01042024.csv").read_bytes()
    with pytest.raises(InputError, match="named for 02 Apr 2024 but its Index Date reads "
                       "01 Apr 2024"):
        read_data(data, "ind_close_all_02042024.csv", ImportOptions(today=TODAY))


def _backfill(folder: Path, fake: FakeNSE, start: str, end: str):  # type: ignore[no-untyped-def]
    """Both daily files of every session from ``start`` to ``end`` through the provider: the
    store, the refresh's report and the sessions asked for."""
    store = Store(folder)
    p = NSEProvider(session=fake.session(), sleep=lambda s: None, rate=0)
    plan = plan_days(store, p, pd.Timestamp(start), pd.Timestamp(end), (INDICES, EQUITIES))
    report = refresh_days(store, p, plan)
    return store, report, fake.days[(fake.days >= start) & (fake.days <= end)]


def test_the_nse_refresh_reads_april_and_a_month_first_day_without_losing_one(
        tmp_path: Path) -> None:
    """Late March to mid April 2023: the fiscal year's first session (points at 0) and the
    month-first 6 April; every session stored, none failed (before: 3 Apr and 6 Apr failed)."""
    fake = FakeNSE.market("2023-03-01", "2023-04-28")
    fake.failures["ind_close_all_06042023.csv"] = "monthfirst"
    store, report, days = _backfill(tmp_path, fake, "2023-03-27", "2023-04-13")
    assert not report.failures
    n50 = store.read("prices", ["^NSEI"]).set_index("date")["close"]
    assert list(n50.index) == list(days)
    assert n50[pd.Timestamp("2023-04-06")] == round(fake.indices["Nifty 50"].loc["2023-04-06",
                                                                                 "close"], 2)
    assert pd.Timestamp("2023-06-04") not in set(store.read("prices")["date"])
    assert "NIFTY50 DIVIDEND POINTS" not in set(store.read("prices")["ticker"])
    said = report.notes.get("files", {})
    assert "ind_close_all_06042023.csv" in said and "month-first" in \
        said["ind_close_all_06042023.csv"]


def _bhav_files(folder: Path, fake: FakeNSE, days: list[str]) -> None:
    folder.mkdir()
    for d in days:
        day = pd.Timestamp(d)
        (folder / f"sec_bhavdata_full_{day:%d%m%Y}.csv").write_bytes(fake.sec_bhavdata_full(day))


def test_files_a_month_apart_are_no_one_session_moves(tmp_path: Path) -> None:
    # before: JUMPCO (and every stock that drifted) "moved -45.x% in one session" across a
    # month of sessions the store never had
    fake = FakeNSE.market("2025-06-02", "2025-09-30")
    folder = tmp_path / "bhav"
    _bhav_files(folder, fake, ["2025-07-01", "2025-08-01", "2025-08-29"])
    store = Store(tmp_path / "store")
    report = import_into_store(store, folder, ImportOptions(today=TODAY))
    assert not [w for w in report.warnings if "one session" in w]
    # by hand: 2 to 31 July 2025 are 22 weekdays, no holiday; 4 to 28 August are 19 weekdays
    # less Independence Day (15th) and Ganesh Chaturthi (27th)
    assert report.warnings[:2] == [
        "gap: between 01 Jul 2025 and 01 Aug 2025, 22 sessions not stored: moves across "
        "them are not checked",
        "gap: between 01 Aug 2025 and 29 Aug 2025, 17 sessions not stored: moves across "
        "them are not checked"]


def test_a_stock_without_a_close_for_a_session_is_judged_since_its_last_close(
        tmp_path: Path) -> None:
    fake = FakeNSE.market("2025-06-02", "2025-09-30")
    fake.stocks["GAPCO"] = fake.stocks["RELIANCE"].copy()
    fake.stocks["GAPCO"][fake.stocks["GAPCO"].index >= "2025-08-05"] *= 0.45
    fake.stocks["GAPCO"] = fake.stocks["GAPCO"].drop(pd.Timestamp("2025-08-04"))
    folder = tmp_path / "bhav"
    _bhav_files(folder, fake, ["2025-08-01", "2025-08-04", "2025-08-05"])
    store = Store(tmp_path / "store")
    report = import_into_store(store, folder, ImportOptions(today=TODAY))
    said = [w for w in report.warnings if w.startswith("check GAPCO.NS")]
    assert len(said) == 1
    assert "to 2025-08-05 since its last close on 2025-08-01 (1 session without a close)" \
        in said[0]
    assert not [w for w in report.warnings if w.startswith("gap")]


def test_an_index_renamed_over_the_years_keeps_one_history(tmp_path: Path) -> None:
    head = ("Index Name,Index Date,Open Index Value,High Index Value,Low Index Value,Closing "
            "Index Value,Points Change,Change(%),Volume,Turnover (Rs. Cr.),P/E,P/B,Div Yield\n")
    old = head + "Nifty Tata Group,23-09-2021,-,-,-,8123.45,.24,0.24,-,-,41.2,6.1,.88\n"
    new = head + ("NIFTY INDIA CORPORATE GROUP INDEX - TATA GROUP,01-04-2024,11450.20,11530.65,"
                  "11402.10,11518.90,84.25,.74,48123990,3101.42,39.12,6.80,.91\n")
    store = Store(tmp_path)
    for name, body in (("ind_close_all_23092021.csv", old), ("ind_close_all_01042024.csv", new)):
        (tmp_path / name).write_bytes(body.encode())
        import_into_store(store, tmp_path / name, ImportOptions(today=TODAY))
    p = store.read("prices")
    assert p.groupby("ticker")["close"].apply(list).to_dict() == {
        "NIFTY INDIA CORPORATE GROUP INDEX - TATA GROUP": [8123.45, 11518.90]}
    v = store.read("index_valuation").set_index("date")["div_yield"]
    assert v.tolist() == [0.88, 0.91]  # .88 read as 0.88


REAL = Path(__file__).resolve().parents[1] / "fixtures" / "nse-real"


def test_nse_s_real_files_read_cell_by_cell(tmp_path: Path) -> None:
    """Three files NSE published (tests/fixtures/nse-real/SOURCES.md), read as a folder the
    way a back-fill reads them: values copied from the files by hand."""
    store = Store(tmp_path / "store")
    report = import_into_store(store, REAL, ImportOptions(today=TODAY))
    p = store.read("prices")
    close = p.set_index(["ticker", "date"])["close"]
    assert close[("^NSEI", pd.Timestamp("2021-09-23"))] == 17822.95
    assert close[("^NSEI", pd.Timestamp("2021-09-24"))] == 17853.2
    assert close[("NIFTYSMLCAP250.NS", pd.Timestamp("2021-09-24"))] == 9305.1
    assert close[("RELIANCE.NS", pd.Timestamp("2020-03-23"))] == 884.05
    assert close[("TCS.NS", pd.Timestamp("2020-03-23"))] == 1669.7
    # EQ and BE rows only: 1,548 + 65 in the real file (SM, BZ, GB, N6 … skipped)
    assert (p["date"] == pd.Timestamp("2020-03-23")).sum() == 1548 + 65
    assert not p["ticker"].str.contains("DIVIDEND POINTS").any()
    v = store.read("index_valuation").set_index(["index", "date"])
    assert tuple(v.loc[("NIFTYSMLCAP250.NS", pd.Timestamp("2021-09-24")),
                       ["pe", "pb", "div_yield"]]) == (30.95, 3.65, 0.8)
    assert not [w for w in report.warnings if "one session" in w]


@pytest.mark.slow
def test_a_year_of_nse_files_in_their_real_traits_loses_no_trading_day(tmp_path: Path) -> None:
    """Fiscal 2023-24 from April to March: the points series at 0 on 3 April 2023 and
    1 April 2024, a month-first 6 April 2023, CRLF on some days, the sec_bhavdata_full of one
    day missing (read from the legacy zip); every session stored, none refused."""
    fake = FakeNSE.market("2023-03-01", "2024-04-30")
    fake.failures.update({"ind_close_all_06042023.csv": "monthfirst",
                          "ind_close_all_15062023.csv": "crlf", "ind_close_all_02012024.csv": "crlf",
                          "sec_bhavdata_full_14092023.csv": "404"})
    store, report, days = _backfill(tmp_path, fake, "2023-04-01", "2024-04-01")
    assert not report.failures
    assert len(days) > 240
    for key in ("^NSEI", "RELIANCE.NS"):
        got = store.read("prices", [key], adjusted=False)
        assert list(got["date"]) == list(days), key
    held = store.read("archive_days")
    assert len(held) == 2 * len(days)
    assert "cm14SEP2023bhav.csv.zip" in set(held["file"])
