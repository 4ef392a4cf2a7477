"""One store contract, two backends: everything above the store (refresh, the RR_ functions,
books, notes) sees the same answers from the local Parquet store and from PostgreSQL.

Each test runs on both (``any_store``); PostgreSQL is a real server (tests/pgserver.py).
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from rerating.data import model
from rerating.errors import StoreError
from tests.data.test_store import prices

STAMP = pd.Timestamp("2026-04-30 10:00", tz="UTC")


def fundamentals(tickers: list[str], as_of: str, eps: float = 10.0) -> pd.DataFrame:
    rows = [{"ticker": t, "as_of": pd.Timestamp(as_of), "name": f"{t} Ltd", "sector": "Energy",
             "shares_outstanding": 1e6, "trailing_eps": eps + k, "payout_ratio": 0.3}
            for k, t in enumerate(tickers)]
    return model.conform(model.FUNDAMENTALS, pd.DataFrame(rows), source="test", fetched_at=STAMP)


def test_round_trip_keeps_values_dtypes_and_provenance(any_store) -> None:  # type: ignore[no-untyped-def]
    frame = prices(["A.NS", "B.NS"], "2026-04-01", 5)
    any_store.upsert("prices", frame)
    pd.testing.assert_frame_equal(any_store.read("prices"), frame, check_dtype=True)
    got = any_store.read("prices", ["B.NS"], start="2026-04-03", end="2026-04-07")
    assert got.date.dt.day.tolist() == [3, 6, 7] and got.close.tolist() == [102.1, 103.1, 104.1]
    assert any_store.read("prices", ["NOPE.NS"]).empty
    assert any_store.read("estimates").empty  # a table never written


def test_upserts_replace_on_the_key_and_a_replace_drops_old_rows(any_store) -> None:  # type: ignore[no-untyped-def]
    any_store.upsert("prices", prices(["A.NS", "B.NS"], "2026-04-01", 5))
    any_store.upsert("prices", prices(["A.NS"], "2026-04-03", 5, base=200.0, source="later"))
    a = any_store.read("prices", ["A.NS"])
    assert len(a) == 7 and a.close.tolist()[:2] == [100.0, 101.0] and a.close.tolist()[2:] == [
        200.0, 201.0, 202.0, 203.0, 204.0]
    assert any_store.sources() == {"A.NS": "later", "B.NS": "test"}
    with any_store.writer() as w:  # a re-based history: every stored row of B.NS goes
        w.upsert("prices", prices(["B.NS"], "2026-04-06", 2, base=50.0), replace=True)
    b = any_store.read("prices", ["B.NS"])
    assert b.date.dt.day.tolist() == [6, 7] and b.close.tolist() == [50.0, 51.0]
    cov = {c.ticker: c for c in any_store.coverage("prices")}
    assert (cov["A.NS"].rows, cov["A.NS"].first.day, cov["A.NS"].last.day) == (7, 1, 9)
    assert (cov["B.NS"].rows, cov["B.NS"].first.day, cov["B.NS"].last.day) == (2, 6, 7)
    assert any_store.last_dates("prices") == {"A.NS": pd.Timestamp("2026-04-09"),
                                              "B.NS": pd.Timestamp("2026-04-07")}


def test_a_reader_sees_the_whole_previous_refresh_or_the_whole_new_one(any_store) -> None:  # type: ignore[no-untyped-def]
    """Prices and fundamentals of one refresh land together: a read during the writer's work
    sees neither; after the commit, both; the generation moves once."""
    any_store.upsert("prices", prices(["A.NS"], "2026-04-01", 3))
    before = int(any_store.manifest()["generation"])
    with any_store.writer() as w:
        w.upsert("prices", prices(["A.NS"], "2026-04-06", 3, base=300.0))
        w.upsert("fundamentals", fundamentals(["A.NS"], "2026-04-08"))
        seen = (len(any_store.read("prices")), len(any_store.read("fundamentals")))
        assert seen == (3, 0)  # staged, not visible
    assert (len(any_store.read("prices")), len(any_store.read("fundamentals"))) == (6, 1)
    assert int(any_store.manifest()["generation"]) == before + 1


def test_one_writer_at_a_time_the_second_is_told_in_one_line(any_store) -> None:  # type: ignore[no-untyped-def]
    held, release = threading.Event(), threading.Event()

    def first() -> None:
        with any_store.writer() as w:
            w.upsert("prices", prices(["A.NS"], "2026-04-01", 2))
            held.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    assert held.wait(10)
    with pytest.raises(StoreError, match=r"another refresh is writing to .*; waited 2s"), \
            any_store.writer():
        pass
    release.set()
    t.join()
    assert len(any_store.read("prices")) == 2  # the first writer's refresh landed whole


def test_a_hostile_ticker_is_stored_and_read_back_as_text(any_store) -> None:  # type: ignore[no-untyped-def]
    evil = "x'); DROP TABLE prices; --"
    frame = prices([evil, "A.NS"], "2026-04-01", 2)
    any_store.upsert("prices", frame)
    assert set(any_store.read("prices")["ticker"]) == {evil, "A.NS"}
    assert any_store.read("prices", [evil]).close.tolist() == [100.0, 101.0]
    assert {c.ticker for c in any_store.coverage("prices")} == {evil, "A.NS"}


def test_the_adjusted_read_applies_corporate_actions_on_both(any_store) -> None:  # type: ignore[no-untyped-def]
    """NSE's as-traded closes read on today's share basis: a 1:1 bonus halves the history."""
    days = pd.bdate_range("2026-04-01", periods=4)
    traded = model.conform(model.PRICES, pd.DataFrame(
        {"ticker": "B.NS", "date": days, "close": [200.0, 202.0, 101.0, 102.0],
         "adj_close": [200.0, 202.0, 101.0, 102.0], "volume": 1.0}), source="nse", fetched_at=STAMP)
    acts = model.conform(model.CORPORATE_ACTIONS, pd.DataFrame(
        [{"ticker": "B.NS", "ex_date": days[2], "purpose": "Bonus 1:1", "kind": "bonus",
          "factor": 0.5}]), source="nse", fetched_at=STAMP)
    with any_store.writer() as w:
        w.upsert("prices", traded)
        w.upsert("corporate_actions", acts)
    assert any_store.read("prices", ["B.NS"]).close.tolist() == [100.0, 101.0, 101.0, 102.0]
    assert any_store.read("prices", ["B.NS"], adjusted=False).close.tolist() == [200.0, 202.0,
                                                                                  101.0, 102.0]


def test_a_refresh_and_the_rr_functions_work_the_same_on_both(any_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The layers above: a demo refresh writes, a second asks only for what is missing, and
    RR_ functions read the same numbers through the Excel-facing cache."""
    from rerating.data import access
    from rerating.data.providers.demo import DemoProvider
    from rerating.data.refresh import refresh
    from rerating.settings import Settings
    from tests.functions.harness import call

    p = DemoProvider()
    names = ["SMALL250.DEMO", *p.universe("demo-small")[:4]]
    first = refresh(any_store, p, names, start="2025-01-01", end="2026-04-30")
    again = refresh(any_store, p, names, start="2025-01-01", end="2026-04-30")
    assert first.rows["prices"] > 1000 and sum(again.rows.values()) == 0
    url = getattr(any_store, "url", None)
    settings = Settings(data_dir=tmp_path / "store", log_dir=tmp_path, offline=True, store_url=url)
    access.use(access.MarketData(settings))
    try:
        got = call("RR_PRICE", "SMALL250.DEMO", "2026-04-30")[0][0]
        ret = call("RR_RETURN", "SMALL250.DEMO", "MTD", "2026-04-30")[0][0]
    finally:
        access.use(None)
    closes = any_store.read("prices", ["SMALL250.DEMO"]).set_index("date")["close"]
    assert got == closes.loc["2026-04-30"]
    assert ret == pytest.approx(closes.loc["2026-04-30"] / closes.loc["2026-03-31"] - 1, rel=1e-12)
