"""RR_RESULT, RR_SURPRISE and RR_SEASON (issue 32) over a store holding the filings fixtures:
every value checked against the fixtures' figures by hand, errors as readable cell text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rerating.data import access
from rerating.data.providers.filings import import_filings
from rerating.data.store import Store
from rerating.settings import Settings
from tests.functions.harness import call

FILINGS = Path(__file__).resolve().parents[1] / "fixtures" / "filings"


@pytest.fixture
def season_desk(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "store")
    import_filings(store, FILINGS / "results_broker_export.csv", "results")
    import_filings(store, FILINGS / "INDAS_117297_1348254_16012025081520.xml", "results")
    import_filings(store, FILINGS / "consensus_broker_export.csv", "consensus")
    access.use(access.MarketData(Settings(data_dir=store.root, log_dir=tmp_path, offline=True)))
    yield store
    access.use(None)


def one(v):  # type: ignore[no-untyped-def]
    return v[0][0] if isinstance(v, list) else v


def test_rr_result_reads_a_quarter_by_label_or_date(season_desk) -> None:  # type: ignore[no-untyped-def]
    assert one(call("RR_RESULT", "RELIANCE.NS", "Q4FY26", "pat")) == 21480.0
    assert one(call("RR_RESULT", "RELIANCE.NS", "2026-03-31", "revenue")) == 279120.5
    assert one(call("RR_RESULT", "RELIANCE.NS", dt.datetime(2024, 12, 31))) == 13.70
    assert one(call("RR_RESULT", "RELIANCE.NS", "Q3FY25", "revenue")) == 243865.0
    assert one(call("RR_RESULT", "TCS.NS", "Q4FY26", "basis")) == "consolidated"
    assert one(call("RR_RESULT", "RELIANCE.NS", "Q4FY26", "announced")) == \
        dt.datetime(2026, 4, 25, 19, 42, 44)
    rows = call("RR_RESULT", [["RELIANCE.NS"], ["TCS.NS"], ["INFY.NS"]], "Q4FY26", "eps")
    assert rows[0][0] == 15.88 and rows[1][0] == 35.21
    assert rows[2][0].startswith("#N/A no results for INFY.NS Q4FY26 in the store")


def test_rr_surprise_uses_the_consensus_held_before(season_desk) -> None:  # type: ignore[no-untyped-def]
    # RELIANCE: 15.88 against 15.20 (10 April), +4.47%: in line at 5%, a beat at 3%
    assert one(call("RR_SURPRISE", "RELIANCE.NS", "Q4FY26")) == pytest.approx(15.88 / 15.2 - 1)
    assert one(call("RR_SURPRISE", "RELIANCE.NS", "Q4FY26", "verdict")) == "in line"
    assert one(call("RR_SURPRISE", "RELIANCE.NS", "Q4FY26", "verdict", 0.03)) == "beat"
    assert one(call("RR_SURPRISE", "RELIANCE.NS", "Q4FY26", "pat")) == \
        pytest.approx(21480 / 20560 - 1)
    # TCS announced on 9 April: 1 April's 34.10 is the consensus, not 12 April's 36.90
    assert one(call("RR_SURPRISE", "TCS.NS", "Q4FY26", "consensus")) == 34.10
    assert one(call("RR_SURPRISE", "TCS.NS", "Q4FY26")) == pytest.approx(35.21 / 34.10 - 1)
    # no consensus before Q3 FY25's announcement: said, never a number
    got = one(call("RR_SURPRISE", "RELIANCE.NS", "Q3FY25"))
    assert got.startswith("#N/A RELIANCE.NS Q3FY25: surprise undefined: no consensus before")
    assert one(call("RR_SURPRISE", "RELIANCE.NS", "Q4FY26", "eps", 5)).startswith(
        "#VALUE! threshold 5.0 must be a decimal")


def test_rr_season_counts_and_aggregates(season_desk) -> None:  # type: ignore[no-untyped-def]
    u = "RELIANCE.NS,TCS.NS,INFY.NS"
    assert one(call("RR_SEASON", u, "Q4FY26")) == 2
    assert one(call("RR_SEASON", u, "Q4FY26", "members")) == 3
    # RELIANCE +4.47% and TCS +3.26% (35.21 against 34.10): both in line at ±5%
    assert one(call("RR_SEASON", u, "Q4FY26", "beats")) == 0
    assert one(call("RR_SEASON", u, "Q4FY26", "in_line")) == 2
    # only RELIANCE has Q4 FY25: revenue growth 279,120.50 / 2,61,388 - 1
    assert one(call("RR_SEASON", u, "Q4FY26", "revenue_growth")) == \
        pytest.approx(279120.5 / 261388.0 - 1)
    assert one(call("RR_SEASON", u, "Q4FY26", "pat_growth")) == pytest.approx(21480 / 19407 - 1)
    # as it stood on 20 April 2026: TCS alone had reported
    assert one(call("RR_SEASON", u, "Q4FY26", "reported", "2026-04-20")) == 1
    assert one(call("RR_SEASON", u, "Q1FY27", "median_surprise")).startswith(
        "#N/A median_surprise of Q1FY27 is undefined: no company has reported")
    assert one(call("RR_SEASON", u, "2026-03-30")).startswith(
        "#VALUE! period 2026-03-30 is not a quarter's end")
