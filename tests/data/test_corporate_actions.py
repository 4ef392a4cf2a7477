"""Corporate actions: NSE's purpose text read into price factors, closes as traded put on one
share basis, and every move no action explains flagged, never smoothed.

Expected factors are the textbook ones (a 1:5 split leaves a fifth of the price; a bonus a:b
multiplies the shares by (a+b)/b), worked by hand here. The actions file is written in the
layout nseindia.com's Corporate Actions page exports (UTF-8 BOM, every field quoted, dates
``09-Mar-2026``, ``-`` for an empty field), as ../shared/FIELD-NOTES.md records it and public
copies of the file quote it (e.g. ``"SBICARDS","SBI Cards and Payment Services Limited","EQ",
"Interim Dividend","10","09-Mar-2026","10-Mar-2026","-","-"``).
"""

from __future__ import annotations

import math
from functools import partialmethod
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.cli import main
from rerating.data.actions import parse_purpose
from rerating.data.providers.nse import INDICES, NSEProvider
from rerating.errors import InputError, ProviderError
from tests.fakense import FakeNSE

HEADER = ('"SYMBOL","COMPANY NAME","SERIES","PURPOSE","FACE VALUE","EX-DATE","RECORD DATE",'
          '"BOOK CLOSURE START DATE","BOOK CLOSURE END DATE"')


def actions_csv(rows: list[dict[str, str]]) -> bytes:
    """The export's bytes for ``rows`` in the API's keys (symbol, comp, series, subject …)."""
    lines = [HEADER] + [
        ",".join(f'"{v}"' for v in (r["symbol"], r["comp"], r["series"], r["subject"],
                                     r["faceVal"], r["exDate"], r["recDate"], "-", "-"))
        for r in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.parametrize("purpose, kind, factor, dividend", [
    ("Bonus 1:1", "bonus", 0.5, math.nan),
    ("Bonus 1:2", "bonus", 2 / 3, math.nan),
    ("Bonus 3:2", "bonus", 0.4, math.nan),
    ("Face Value Split (Sub-Division) - From Rs 10/- Per Share To Rs 2/- Per Share", "split",
     0.2, math.nan),
    ("Face Value Split (Sub-Division) - From Rs 10/- Per Share To Re 1/- Per Share", "split",
     0.1, math.nan),
    ("Face Value Split (Sub-Division) - From Rs 2/- Per Share To Rs 1/- Per Share", "split",
     0.5, math.nan),
    ("Consolidation of Shares From Re 1/- Per Share To Rs 10/- Per Share", "consolidation",
     10.0, math.nan),
    ("Interim Dividend - Rs 1 Per Share", "dividend", math.nan, 1.0),
    ("Dividend - Re 0.50 Per Share", "dividend", math.nan, 0.5),
    ("Final Dividend - Rs 4 Per Share / Special Dividend - Rs 2 Per Share", "dividend",
     math.nan, 6.0),
    ("Annual General Meeting/Dividend - Rs 5 Per Share", "dividend", math.nan, 5.0),
    ("Interim Dividend", "dividend", math.nan, math.nan),  # NSE lists some without amounts
    ("Rights 1:5 @ Premium Rs 90/-", "rights", math.nan, math.nan),
    ("Annual General Meeting", "other", math.nan, math.nan),
    ("Demerger", "other", math.nan, math.nan),
])
def test_purposes_read_into_textbook_factors(purpose: str, kind: str, factor: float,
                                             dividend: float) -> None:
    a = parse_purpose(purpose)
    assert a.kind == kind
    assert (math.isnan(a.factor) and math.isnan(factor)) or a.factor == pytest.approx(factor)
    assert (math.isnan(a.dividend) and math.isnan(dividend)) or a.dividend == pytest.approx(dividend)


@pytest.mark.parametrize("purpose, said", [
    ("Bonus", "a bonus with no ratio a:b"),
    ("Face Value Split (Sub-Division)", "without 'From Rs X To Rs Y'"),
    ("Cash Compensation Scheme", "is no corporate action this reader knows"),
])
def test_a_purpose_that_cannot_be_read_refuses_the_file_naming_the_line(
        tmp_path: Path, purpose: str, said: str, capsys) -> None:  # type: ignore[no-untyped-def]
    rows = [{"symbol": "ABC", "comp": "Abc Ltd", "series": "EQ", "subject": "Bonus 1:1",
             "faceVal": "10", "exDate": "09-Mar-2026", "recDate": "09-Mar-2026"},
            {"symbol": "XYZ", "comp": "Xyz Ltd", "series": "EQ", "subject": purpose,
             "faceVal": "10", "exDate": "10-Mar-2026", "recDate": "-"}]
    f = tmp_path / "CF-CA-equities.csv"
    f.write_bytes(actions_csv(rows))
    assert main(["--data-dir", str(tmp_path / "s"), "data", "import", "actions", str(f)]) == 2
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and "CF-CA-equities.csv: line 3:" in lines[0] and said in lines[0]
    assert "nothing imported from the file" in lines[0]
    assert not (tmp_path / "s" / "manifest.json").exists()


@pytest.fixture(params=["parquet", "postgresql"])
def nse_store(request, tmp_path: Path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """Three months of a market with a split, a bonus, a rights issue, a dividend and a fall
    no action explains, fetched through the NSE provider; the actions file beside it. On
    both backends: the local store, and a desk's PostgreSQL (``RERATING_STORE``)."""
    if request.param == "postgresql":
        monkeypatch.setenv("RERATING_STORE", request.getfixturevalue("pg_url"))
    fake = FakeNSE.market("2026-01-01", "2026-03-31")
    fake.failures["site"] = "403"  # nseindia.com refuses this network: the CSV is the way in
    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=fake.session(), sleep=lambda s: None, rate=0))
    store = tmp_path / "store"
    assert main(["--data-dir", str(store), "data", "refresh", "--source", "nse", "--start",
                 "2026-01-01", "--end", "2026-03-31", "--no-progress"]) == 0
    f = tmp_path / "CF-CA-equities.csv"
    f.write_bytes(actions_csv(fake.actions))
    from rerating.data.store import open_store
    from rerating.settings import Settings

    return fake, open_store(Settings.from_env(data_dir=store)), f, store


def test_splits_and_bonuses_do_not_move_an_adjusted_return(nse_store, capsys) -> None:  # type: ignore[no-untyped-def]
    fake, store, f, data = nse_store
    capsys.readouterr()
    assert main(["--data-dir", str(data), "data", "import", "actions", str(f)]) == 0
    out = capsys.readouterr().out
    assert "actions read: 1 split, 1 bonus, 1 rights, 1 dividend, 1 other" in out
    assert "1 rights issue(s) kept but not adjusted for" in out
    raw = store.read("prices", adjusted=False).set_index(["ticker", "date"])
    adj = store.read("prices").set_index(["ticker", "date"])
    for sym, factor in (("SPLITCO", 0.2), ("BONUSCO", 0.5)):
        ex = pd.Timestamp(next(pd.to_datetime(a["exDate"], format="%d-%b-%Y")
                               for a in fake.actions if a["symbol"] == sym))
        r, a = raw.loc[f"{sym}.NS"], adj.loc[f"{sym}.NS"]
        before, after = r.index < ex, r.index >= ex
        # as traded: the ex-date falls by the factor; adjusted: earlier closes x factor
        assert r["close"][after].iloc[0] / r["close"][before].iloc[-1] == pytest.approx(
            factor, rel=0.05)
        assert np.allclose(a["close"][before], r["close"][before] * factor)
        assert np.allclose(a["close"][after], r["close"][after])
        # volume on the same share basis (before: earlier volumes left as traded)
        assert np.allclose(a["volume"][before], r["volume"][before] / factor)
        assert np.allclose(a["volume"][after], r["volume"][after])
        assert a["volume"][before].iloc[-1] == pytest.approx(5672391 / factor)  # UDiFF TtlTradgVol
        worst = a["close"].pct_change().abs().max()
        assert worst < 0.05, (sym, worst)  # the fake market's own moves, nothing like -80%
    # a rights issue is not adjusted: its 4% ex-date drop stays, and is no jump
    assert np.allclose(adj.loc["RIGHTSCO.NS", "close"], raw.loc["RIGHTSCO.NS", "close"])
    # a dividend leaves close alone and puts adj_close on the ex-dividend basis: 1 - D/P
    ex = pd.Timestamp(next(pd.to_datetime(a["exDate"], format="%d-%b-%Y")
                           for a in fake.actions if a["symbol"] == "DIVCO"))
    r, a = raw.loc["DIVCO.NS"], adj.loc["DIVCO.NS"]
    prev = r["close"][r.index < ex].iloc[-1]
    assert np.allclose(a["close"], r["close"])
    assert np.allclose(a["adj_close"][r.index < ex], r["close"][r.index < ex] * (1 - 10 / prev))
    assert np.allclose(a["adj_close"][r.index >= ex], r["close"][r.index >= ex])
    # an RR_ function reads the same basis: RR_PRICE's close the day before the split
    from rerating.data.access import MarketData
    from rerating.settings import Settings

    md = MarketData(Settings.from_env(data_dir=data))
    ex = pd.Timestamp(next(pd.to_datetime(a["exDate"], format="%d-%b-%Y")
                           for a in fake.actions if a["symbol"] == "SPLITCO"))
    day_before = raw.loc["SPLITCO.NS"].index[raw.loc["SPLITCO.NS"].index < ex][-1]
    assert md.prices("SPLITCO.NS").loc[day_before, "close"] == pytest.approx(
        raw.loc[("SPLITCO.NS", day_before), "close"] * 0.2)


def test_a_jump_no_action_explains_is_flagged_everywhere_it_is_read(nse_store, capsys) -> None:  # type: ignore[no-untyped-def]
    _fake, store, f, data = nse_store
    out, err = capsys.readouterr()
    # the refresh asked nseindia.com for the actions, was refused, and named each jump
    assert "note: corporate actions not fetched: nseindia.com answered HTTP 403" in err
    assert "check prices SPLITCO.NS: close moved -79.9% in one session" in err
    assert "check prices JUMPCO.NS: close moved -44.8%" in err
    assert main(["--data-dir", str(data), "data", "import", "actions", str(f)]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "data", "status"]) == 0
    out = capsys.readouterr().out
    checks = [x for x in out.splitlines() if x.strip().startswith("check ")]
    # the split and the bonus are explained now; the 45% fall is not, and is not smoothed
    assert len(checks) == 1 and "check JUMPCO.NS" in checks[0]
    assert "with no corporate action to explain it (an unadjusted split or bonus?): kept as " \
        "traded, not adjusted" in checks[0]
    jump = store.read("prices", ["JUMPCO.NS"])["close"].pct_change().min()
    assert jump == pytest.approx(-0.45, abs=0.02)


def test_a_ratio_the_prices_contradict_is_flagged(nse_store, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake, _store, _, data = nse_store
    wrong = [dict(a, subject="Bonus 1:2") if a["symbol"] == "BONUSCO" else a
             for a in fake.actions]
    f = tmp_path / "wrong.csv"
    f.write_bytes(actions_csv(wrong))
    assert main(["--data-dir", str(data), "data", "import", "actions", str(f)]) == 0
    err = capsys.readouterr().err
    assert "check BONUSCO.NS: Bonus 1:2 on" in err and "means x0.6667, but the close moved x0.49" in err


def test_the_api_is_read_behind_the_site_s_cookie(tmp_path: Path) -> None:
    fake = FakeNSE.market("2026-01-01", "2026-03-31")
    p = NSEProvider(session=fake.session(), sleep=lambda s: None, rate=0)
    got = p.corporate_actions(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-03-31"))
    assert sorted(got["kind"]) == ["bonus", "dividend", "other", "rights", "split"]
    split = got[got["ticker"] == "SPLITCO.NS"].iloc[0]
    assert split["factor"] == pytest.approx(0.2) and split["source"] == "nse:corporate-actions-api"
    # the same file through the CSV reader gives the same rows
    f = tmp_path / "ca.csv"
    f.write_bytes(actions_csv(fake.actions))
    from rerating.data.providers.files import read_file

    csv = read_file(f).actions
    assert csv is not None
    cols = ["ticker", "ex_date", "purpose", "kind", "factor", "dividend"]
    pd.testing.assert_frame_equal(csv[cols], got[cols])
    # without the home page's cookie the API answers 401: one line saying what to do
    bare = NSEProvider(session=fake.session(), sleep=lambda s: None, rate=0,
                       site_url="https://www.nseindia.com/nohome")
    with pytest.raises(ProviderError, match=r"HTTP 401 .* run `rerating data import actions FILE`"):
        bare.corporate_actions(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-03-31"))


def test_an_index_file_is_never_adjusted() -> None:
    fake = FakeNSE.market("2026-01-01", "2026-01-31")
    p = NSEProvider(session=fake.session(), sleep=lambda s: None, rate=0)
    f = p.day_file(INDICES, fake.days[3])
    assert set(f.prices["ticker"]) == {"^NSEI", "NIFTYSMLCAP250.NS", "^INDIAVIX"}
    with pytest.raises(InputError):
        parse_purpose("Bonus 0:1")


def test_a_refresh_asks_for_the_actions_only_when_a_move_needs_explaining(
        tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    fake = FakeNSE.market("2026-01-01", "2026-03-31")
    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=fake.session(), sleep=lambda s: None, rate=0))
    store = tmp_path / "store"
    args = ["--data-dir", str(store), "data", "refresh", "--source", "nse", "--no-progress"]
    assert main([*args, "--start", "2026-01-01", "--end", "2026-03-31"]) == 0
    out, err = capsys.readouterr()
    assert "Corporate actions from nseindia.com: 5 with ex-dates" in out
    # the home page for its cookie, then the actions API; the same for the event calendar
    assert fake.calls["site"] == 4
    checks = [x for x in err.splitlines() if x.strip().startswith("check prices")]
    assert len(checks) == 1 and "JUMPCO.NS" in checks[0]
    # a quiet next day: two files and nothing else
    fake2 = FakeNSE.market("2026-01-01", "2026-04-30")
    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=fake2.session(), sleep=lambda s: None, rate=0))
    assert main([*args, "--end", "2026-04-01"]) == 0
    assert fake2.asked == ["ind_close_all_01042026.csv",
                           "BhavCopy_NSE_CM_0_0_0_20260401_F_0000.csv.zip"] or \
        sorted(fake2.asked) == sorted(["ind_close_all_01042026.csv",
                                       "BhavCopy_NSE_CM_0_0_0_20260401_F_0000.csv.zip"])
    assert fake2.calls["site"] == 0


def test_every_book_built_from_a_flagged_stock_names_the_check(nse_store, tmp_path: Path,
                                                               capsys) -> None:  # type: ignore[no-untyped-def]
    _fake, store, f, data = nse_store
    assert main(["--data-dir", str(data), "data", "import", "actions", str(f)]) == 0
    book = tmp_path / "comps.xlsx"
    code = main(["--data-dir", str(data), "comps", "build", "RELIANCE.NS,JUMPCO.NS",
                 "--large-index", "^NSEI", "-o", str(book), "--no-progress",
                 "--no-cache-values"])
    assert code == 0, capsys.readouterr().err
    from openpyxl import load_workbook

    wb = load_workbook(book)
    src = wb.defined_names["rr_source"].destinations
    sheet, ref = next(iter(src))
    text = wb[sheet][ref.replace("$", "")].value
    assert text.startswith("nse | CHECK: 1 price move(s) no corporate action explains")
    assert "JUMPCO.NS -45% on 2026-02-27" in text
    # a book of stocks with no such move carries the plain source
    clean = tmp_path / "clean.xlsx"
    assert main(["--data-dir", str(data), "comps", "build", "RELIANCE.NS,SPLITCO.NS",
                 "--large-index", "^NSEI", "-o", str(clean), "--no-progress",
                 "--no-cache-values"]) == 0
    wb = load_workbook(clean)
    sheet, ref = next(iter(wb.defined_names["rr_source"].destinations))
    # on a desk's store the source line also names the store, without its password
    said = "nse" if store.backend != "postgresql" else f"nse | store {store.root}"
    assert wb[sheet][ref.replace("$", "")].value == said
