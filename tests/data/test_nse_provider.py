"""NSE's daily archive as a provider: days the store lacks, two files a day, read by the
importer's layouts, and every bad answer one named failure with nothing stored from it.

NSE is tests/fakense.py, a transport adapter making each day's files in NSE's real layouts from
a small market whose closes are known here; expected values come from that market, not from
the code under test.
"""

from __future__ import annotations

from functools import partialmethod
from pathlib import Path

import pandas as pd
import pytest

from rerating.cli import main
from rerating.data.providers.nse import (
    EQUITIES,
    INDICES,
    NSEProvider,
    alternate_name,
    file_name,
    file_url,
)
from rerating.data.refresh import last_published, plan_days, refresh_days
from rerating.data.store import Store
from tests.fakense import FakeNSE

START, END = "2024-06-24", "2024-07-19"  # across the switch to UDiFF on 8 July 2024


def provider(fake: FakeNSE, **kw: object) -> NSEProvider:
    slept: list[float] = []
    p = NSEProvider(session=fake.session(), sleep=slept.append, rate=0, **kw)  # type: ignore[arg-type]
    p.slept = slept  # type: ignore[attr-defined]
    return p


def backfill(store: Store, p: NSEProvider, start: str = START, end: str = END,
             kinds: tuple[str, ...] = (INDICES, EQUITIES)):  # type: ignore[no-untyped-def]
    plan = plan_days(store, p, pd.Timestamp(start), pd.Timestamp(end), kinds)
    return plan, refresh_days(store, p, plan)


def test_nse_names_its_files_as_the_archive_does() -> None:
    d = pd.Timestamp("2024-07-05")
    assert file_url(INDICES, d) == \
        "https://nsearchives.nseindia.com/content/indices/ind_close_all_05072024.csv"
    assert file_url(EQUITIES, d) == \
        "https://nsearchives.nseindia.com/products/content/sec_bhavdata_full_05072024.csv"
    assert file_url(EQUITIES, pd.Timestamp("2024-07-08")) == ("https://nsearchives.nseindia.com"
                                                             "/content/cm/BhavCopy_NSE_CM_0_0_0_"
                                                             "20240708_F_0000.csv.zip")
    assert file_name(INDICES, pd.Timestamp("2026-04-30")) == "ind_close_all_30042026.csv"


def test_a_backfill_stores_every_stock_and_index_cell_by_cell(tmp_path: Path) -> None:
    fake = FakeNSE.market(START, END)
    store = Store(tmp_path)
    p = provider(fake)
    plan, report = backfill(store, p)
    days = fake.days[(fake.days >= START) & (fake.days <= END)]
    assert plan.requests == 2 * len(days) == report.rows["files"]
    assert not report.failures
    raw = store.read("prices", adjusted=False)
    # every EQ/BE stock, as SYMBOL.NS, with its close on every day, both layouts
    assert set(raw["ticker"]) >= {f"{s}.NS" for s in fake.stocks}
    assert "NHAI.NS" not in set(raw["ticker"]) and "AADHARHFC.NS" not in set(raw["ticker"])
    for sym, closes in fake.stocks.items():
        got = raw[raw["ticker"] == f"{sym}.NS"].set_index("date")["close"]
        want = closes[days].round(2)
        assert got.index.equals(want.index), sym
        assert (got - want).abs().max() < 1e-9, sym
    # the sec_bhavdata_full day and the UDiFF day carry volume
    vol = raw[raw["ticker"] == "RELIANCE.NS"].set_index("date")["volume"]
    assert vol[pd.Timestamp("2024-07-05")] == 268934 and vol[pd.Timestamp("2024-07-08")] == 5672391
    # every index's close and valuation under its Yahoo symbol; India VIX has no P/E
    val = store.read("index_valuation")
    n50 = val[val["index"] == "^NSEI"].set_index("date")
    assert len(n50) == len(days)
    want = fake.indices["Nifty 50"].loc[days]
    assert (n50["pe"] - want["pe"].round(2)).abs().max() < 1e-9
    assert (n50["div_yield"] - 1.2).abs().max() < 1e-9
    assert set(val["index"]) == {"^NSEI", "NIFTYSMLCAP250.NS"}
    vix = raw[raw["ticker"] == "^INDIAVIX"]
    assert len(vix) == len(days)
    assert set(raw["source"]) == {"nse"} and set(val["source"]) == {"nse"}


def test_the_next_day_is_two_requests_and_holidays_are_never_asked(tmp_path: Path) -> None:
    fake = FakeNSE.market("2024-03-01", "2024-04-30")
    store = Store(tmp_path)
    p = provider(fake)
    backfill(store, p, "2024-03-18", "2024-03-28")
    # Holi (25 March 2024) and the weekends were never asked for
    assert not any("25032024" in a or "23032024" in a for a in fake.asked)
    before = len(fake.asked)
    plan, report = backfill(store, p, "2024-03-18", "2024-04-01")
    # 29 March 2024 was Good Friday: the next session is 1 April, two files
    assert [f"{d:%Y-%m-%d}" for _, d in plan.files] == ["2024-04-01", "2024-04-01"]
    assert len(fake.asked) - before == 2 == report.rows["files"]
    again, _ = backfill(store, p, "2024-03-18", "2024-04-01")
    assert again.requests == 0  # nothing left to ask


UDIFF_10 = "BhavCopy_NSE_CM_0_0_0_20240710_F_0000.csv.zip"


@pytest.mark.parametrize("fault, bad, said", [
    ("html", UDIFF_10, "a web page came back where a CSV was expected"),
    ("notzip", UDIFF_10, "the answer is not a zip file"),
    ("truncated", UDIFF_10, "starts like a zip file but is not a readable one"),
    ("truncated", "ind_close_all_10072024.csv", "cut off: its last line has 3 of"),
    ("short", "ind_close_all_10072024.csv", "holds 2 rows where the nearest day's file held 5"),
    ("short", UDIFF_10, "holds 3 rows where the nearest day's file held 9"),
    ("wrongday", UDIFF_10, "holds 2024-07-09, not 2024-07-10 (a file for another day)"),
    ("series", UDIFF_10, "no EQ or BE series rows; nothing to import"),
    ("series", "sec_bhavdata_full_04072024.csv", "no EQ or BE series rows; nothing to import"),
    ("404", UDIFF_10, f"NSE has no {UDIFF_10} for Wed 10 Jul 2024, a trading day"),
])
def test_a_bad_answer_is_one_named_failure_and_nothing_is_stored_from_it(
        tmp_path: Path, fault: str, bad: str, said: str) -> None:
    fake = FakeNSE.market(START, END)
    fake.failures[bad] = fault
    if not bad.startswith("ind_close_all"):  # the day's other bhavcopy is missing too
        other = alternate_name(EQUITIES, FakeNSE._day_of(bad))  # type: ignore[arg-type]
        fake.failures[other] = "404"  # type: ignore[index]
    store = Store(tmp_path)
    _, report = backfill(store, provider(fake))
    assert list(report.failures["files"]) == [bad]
    assert said in report.failures["files"][bad]
    kind = INDICES if bad.startswith("ind_") else EQUITIES
    table, key = ("prices", "RELIANCE.NS") if kind == EQUITIES else ("index_valuation", "^NSEI")
    day = FakeNSE._day_of(bad)
    raw = store.read(table, [key])
    assert day not in set(raw["date"])  # nothing from the bad file
    assert day + pd.Timedelta(days=1) in set(raw["date"])  # the rest of the refresh kept
    days = store.read("archive_days")
    assert day not in set(days[days["kind"] == kind]["date"])
    # so the next refresh asks for that one file again, and only it
    del fake.failures[bad]
    plan, report = backfill(store, provider(fake))
    assert [file_name(k, d) for k, d in plan.files] == [bad] and not report.failures


@pytest.mark.parametrize("bad, fault, read, said", [
    # after July 2024 the UDiFF zip and sec_bhavdata_full are published side by side
    (UDIFF_10, "404", "sec_bhavdata_full_10072024.csv", "HTTP 404"),
    (UDIFF_10, "html", "sec_bhavdata_full_10072024.csv", "a web page came back"),
    (UDIFF_10, "series", "sec_bhavdata_full_10072024.csv", "no EQ or BE series rows"),
    # before it, the legacy cm…bhav.csv.zip (trailing comma, 04-JUL-2024)
    ("sec_bhavdata_full_04072024.csv", "404", "cm04JUL2024bhav.csv.zip", "HTTP 404"),
])
def test_a_missing_or_bad_bhavcopy_is_read_from_the_days_other_file_and_said(
        tmp_path: Path, bad: str, fault: str, read: str, said: str) -> None:
    # before: the day failed with the first file ("asked again at the next refresh")
    fake = FakeNSE.market(START, END)
    fake.failures[bad] = fault
    store = Store(tmp_path)
    _, report = backfill(store, provider(fake))
    assert not report.failures
    day = FakeNSE._day_of(bad)
    assert read in fake.asked
    got = store.read("prices", ["RELIANCE.NS"], start=day, end=day)
    assert got["close"].tolist() == [round(float(fake.stocks["RELIANCE"][day]), 2)]
    days = store.read("archive_days")
    assert days.loc[(days["kind"] == EQUITIES) & (days["date"] == day), "file"].tolist() == [read]
    note = report.notes["files"][read]
    assert note.startswith(f"read {read} in place of {bad} (") and said in note


def test_a_refused_request_backs_off_then_reads_the_file(tmp_path: Path) -> None:
    fake = FakeNSE.market(START, END)
    fake.failures["ind_close_all_01072024.csv"] = "429"
    fake.failures["sec_bhavdata_full_02072024.csv"] = "500"
    fake.failures["ind_close_all_03072024.csv"] = "403"
    p = provider(fake)
    _, report = backfill(Store(tmp_path), p)
    assert not report.failures
    # Retry-After: 7 honoured for the 429; exponential backoff (2 s) for the 500 and the 403
    assert sorted(p.slept) == [2.0, 2.0, 7.0]  # type: ignore[attr-defined]
    assert fake.asked.count("ind_close_all_01072024.csv") == 2


def test_requests_are_paced_across_workers() -> None:
    fake = FakeNSE.market(START, END)
    clock = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        clock[0] += s

    p = NSEProvider(session=fake.session(), sleep=sleep, clock=lambda: clock[0], rate=3.0,
                    max_workers=1)
    for d in fake.days[:6]:
        p.day_file(INDICES, d)
    # six requests at 3 a second: the first at once, then one every third of a second
    assert clock[0] == pytest.approx(5 / 3)


def test_no_network_is_said_once_without_retrying(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    fake = FakeNSE.market(START, END)
    for d in fake.days:
        for k in (INDICES, EQUITIES):
            fake.failures[file_name(k, d)] = "dns"
    slept: list[float] = []
    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=fake.session(), sleep=slept.append))
    code = main(["--data-dir", str(tmp_path), "data", "refresh", "--source", "nse",
                 "--start", START, "--end", END, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    lines = [x for x in err.splitlines() if x.startswith("cannot reach")]
    assert len(lines) == 1 and "cannot reach NSE's archive: no network" in lines[0]
    assert "nothing changed in the store" in lines[0]
    # no backoff (a name that does not resolve will not resolve in 2 s), only the pace
    # between the two files already in flight
    assert sum(slept) < 0.5 and all(s < 1 for s in slept)
    assert len(fake.asked) <= 2


def test_ctrl_c_keeps_what_arrived_and_the_next_run_resumes(tmp_path: Path, monkeypatch,
                                                           capsys) -> None:  # type: ignore[no-untyped-def]
    fake = FakeNSE.market(START, END)
    fake.failures["ind_close_all_09072024.csv"] = "interrupt"
    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=fake.session(), sleep=lambda s: None, rate=0,
        max_workers=1))
    args = ["--data-dir", str(tmp_path), "data", "refresh", "--source", "nse", "--start",
            START, "--end", END, "--no-progress"]
    code = main(args)
    out = capsys.readouterr().out
    assert code == 130
    assert "stopped by Ctrl-C: every whole file that arrived is stored" in out
    store = Store(tmp_path)
    kept = store.read("archive_days", [INDICES, EQUITIES])
    assert len(kept) >= 20 and pd.Timestamp("2024-07-09") not in set(
        kept[kept["kind"] == INDICES]["date"])
    del fake.failures["ind_close_all_09072024.csv"]
    asked = len(fake.asked)
    assert main(args) == 0
    out = capsys.readouterr().out
    total = 2 * len(fake.days[(fake.days >= START) & (fake.days <= END)])
    files = [a for a in fake.asked[asked:] if a.endswith((".csv", ".zip"))]
    assert len(files) == total - len(kept)  # only what the first run lacked
    assert len(store.read("archive_days", [INDICES, EQUITIES])) == total


def test_the_plan_is_said_before_it_starts(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    fake = FakeNSE.market(START, END)
    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=fake.session(), sleep=lambda s: None))
    assert main(["--data-dir", str(tmp_path), "data", "refresh", "--source", "nse",
                 "--start", START, "--end", END, "--indices-only", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    n = len(fake.days[(fake.days >= START) & (fake.days <= END)])
    assert (f"Plan: NSE's all-indices file for {n} sessions from 2024-06-24 to 2024-07-19: "
            f"{n} files (0 already stored), 2 at a time and at most 3 a second: about "
            f"{n / 3:.0f} s") in err
    assert f"Refreshed from NSE's archive: {n} of {n} files" in out
    assert fake.calls["equities"] == 0
    # data status: where each table came from, and each index's first and last day
    assert main(["--data-dir", str(tmp_path), "data", "status"]) == 0
    out = capsys.readouterr().out
    assert f"NSE all-indices files (ind_close_all): {n} days, 2024-06-24 .. 2024-07-19" in out
    row = next(x for x in out.splitlines() if x.strip().startswith("^NSEI"))
    assert "NIFTY 50" in row and "2024-06-24 .. 2024-07-19" in row and "source nse" in row


def test_files_are_out_in_the_evening_india_time() -> None:
    assert last_published(pd.Timestamp("2026-12-03 18:59", tz="Asia/Kolkata")) == \
        pd.Timestamp("2026-12-02")
    assert last_published(pd.Timestamp("2026-12-03 13:31", tz="UTC")) == \
        pd.Timestamp("2026-12-03")  # 19:01 in India


def test_results_dates_come_from_nse_s_event_calendar_and_say_so(tmp_path: Path, monkeypatch,
                                                                 capsys) -> None:  # type: ignore[no-untyped-def]
    """Board meetings for results, as nseindia.com's event calendar lists them (the shape a
    public client quotes: symbol, company, purpose, bm_desc, date "09-Mar-2026"), win over
    the source's date in the what-to-watch rows, each row saying where its date is from."""
    from rerating.data.calendar import watch_list

    fake = FakeNSE.market(START, END)
    fake.events = [
        {"symbol": "RELIANCE", "company": "Reliance Industries Limited",
         "purpose": "Financial Results", "bm_desc": "To consider and approve the financial "
         "results for the period ended June 30, 2024", "date": "19-Jul-2024"},
        {"symbol": "TCS", "company": "Tata Consultancy Services Limited",
         "purpose": "Dividend", "bm_desc": "Interim dividend", "date": "22-Jul-2024"},
    ]
    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=fake.session(), sleep=lambda s: None, rate=0))
    assert main(["--data-dir", str(tmp_path), "data", "refresh", "--source", "nse", "--start",
                 START, "--end", "2024-07-12", "--no-progress"]) == 0
    assert "Results dates from NSE's event calendar: 1 board meetings for results" in \
        capsys.readouterr().out
    got = Store(tmp_path).read("results_dates")
    assert got[["ticker", "date", "purpose"]].values.tolist() == [
        ["RELIANCE.NS", pd.Timestamp("2024-07-19"), "Financial Results"]]
    companies = pd.DataFrame({"name": ["Reliance", "TCS"],
                              "next_results_date": pd.to_datetime(["2024-07-25", "2024-07-11"])},
                             index=["RELIANCE.NS", "TCS.NS"])
    rows = [r for r in watch_list(companies, ["RELIANCE.NS", "TCS.NS"], set(),
                                  pd.Timestamp("2024-07-05"), announced=got)
            if str(r["what"]).endswith(".NS")]
    assert [(r["what"], f"{r['when']:%Y-%m-%d}") for r in rows] == [
        ("TCS.NS", "2024-07-11"), ("RELIANCE.NS", "2024-07-19")]
    assert rows[1]["from"].startswith("NSE's event calendar: board meeting for Financial Results")
    assert rows[0]["from"] == "the company's next results date, as the source reports it"
    # asked for again only when a week old: the next refresh makes no site request
    calls = fake.calls["site"]
    assert main(["--data-dir", str(tmp_path), "data", "refresh", "--source", "nse", "--end",
                 "2024-07-15", "--no-progress"]) == 0
    assert fake.calls["site"] == calls
