"""Incremental refresh from the demo provider: only missing dates are asked for."""

from __future__ import annotations

import pandas as pd
import pytest

from rerating.data.providers.base import Query
from rerating.data.providers.demo import DemoProvider
from rerating.data.refresh import refresh


@pytest.fixture
def store(any_store):  # type: ignore[no-untyped-def]
    """Every refresh test on both backends: the local Parquet store and PostgreSQL."""
    return any_store


class RecordingDemo(DemoProvider):
    """The real demo provider, also remembering the queries it answered."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[tuple[str, Query]] = []

    def extract_data(self, table, query):  # type: ignore[no-untyped-def]
        self.queries.append((table, query))
        return super().extract_data(table, query)


def test_second_refresh_asks_only_for_the_missing_month(store) -> None:  # type: ignore[no-untyped-def]
    p = RecordingDemo()
    names = [*p.universe("demo-large")[:10], "SMALL250.DEMO"]
    refresh(store, p, names, start="2025-01-01", end="2026-03-31", tables=["prices"])
    assert store.read("prices").date.max() == pd.Timestamp("2026-03-31")
    p.queries.clear()
    report = refresh(store, p, names, start="2025-01-01", end="2026-04-30", tables=["prices"])
    assert len(p.queries) == 1  # one batch: all eleven tickers miss the same dates
    q = p.queries[0][1]
    # From the last stored session (31 March), which proves the source has not re-based history.
    assert q.start == pd.Timestamp("2026-03-31") and q.end == pd.Timestamp("2026-04-30")
    # April 2026 has 22 weekdays and none of the demo calendar's fixed-date holidays; the
    # overlapping 31 March row is written again, unchanged.
    assert report.rows["prices"] == 11 * (22 + 1)
    assert report.rebased == {} and report.warnings == {}
    assert not store.read("prices").duplicated(["ticker", "date"]).any()
    p.queries.clear()
    report = refresh(store, p, names, start="2025-01-01", end="2026-04-30", tables=["prices"])
    assert p.queries == []
    assert report.up_to_date["prices"] == 11


def test_new_ticker_gets_its_full_history_and_old_ones_only_the_gap(store) -> None:  # type: ignore[no-untyped-def]
    p = RecordingDemo()
    a, b = p.universe("demo-small")[:2]
    refresh(store, p, [a], start="2026-01-01", end="2026-03-31", tables=["prices"])
    p.queries.clear()
    refresh(store, p, [a, b], start="2026-01-01", end="2026-04-30", tables=["prices"])
    asked = {q.tickers: (q.start, q.end) for _, q in p.queries}
    assert asked == {(a,): (pd.Timestamp("2026-03-31"), pd.Timestamp("2026-04-30")),
                     (b,): (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-04-30"))}


def test_snapshots_and_index_valuations_land_with_provenance(store) -> None:  # type: ignore[no-untyped-def]
    p = DemoProvider()
    names = [*p.universe("demo-small")[:3], "SMALL250.DEMO"]
    report = refresh(store, p, names, start="2026-01-01", end="2026-04-30")
    assert report.failures == {}
    assert set(store.read("fundamentals").ticker) == set(names[:3])  # indices have none
    assert set(store.read("index_valuation")["index"]) == {"SMALL250.DEMO"}
    for table in ("prices", "fundamentals", "estimates", "eps_history", "index_valuation"):
        frame = store.read(table)
        assert (frame.source == "demo:synthetic").all(), table
        assert frame.fetched_at.notna().all(), table


def test_an_interrupted_refresh_keeps_what_arrived_and_resumes(store) -> None:  # type: ignore[no-untyped-def]
    """Stopped by Ctrl-C during its third batch, a refresh commits the two whole batches that
    arrived (even between checkpoints), says how far it got, and the next run asks only for the
    tickers still missing."""

    class Interrupted(RecordingDemo):
        def extract_data(self, table, query):  # type: ignore[no-untyped-def]
            if len(self.queries) == 2:
                raise KeyboardInterrupt
            return super().extract_data(table, query)

    p = Interrupted()
    names = p.universe("demo-large")[:12]
    report = refresh(store, p, names, start="2026-01-01", end="2026-04-30", tables=["prices"],
                     batch_size=4, checkpoint_seconds=3600.0)
    assert report.interrupted and report.progress["prices"] == (8, 12)
    assert sorted(store.read("prices")["ticker"].unique()) == sorted(names[:8])
    assert report.rows["prices"] == len(store.read("prices"))
    again = RecordingDemo()
    refresh(store, again, names, start="2026-01-01", end="2026-04-30", tables=["prices"], batch_size=4)
    assert [q.tickers for _, q in again.queries] == [tuple(names[8:])]
    assert sorted(store.read("prices")["ticker"].unique()) == sorted(names)


def test_a_source_out_of_reach_is_said_after_one_ticker_not_fifty(fake_yahoo, store) -> None:  # type: ignore[no-untyped-def]
    """With no network every ticker fails the same way: the first batch is one ticker, so the
    refresh stops after one failed answer (12.2 s for the Nifty 50 with no network before,
    1.5 s after, measured on this machine; here the requests are counted, not timed)."""
    from rerating.data.providers.yahoo import YahooProvider
    from rerating.data.universe import resolve_universe

    names = resolve_universe("nifty50")
    for t in names:
        fake_yahoo.failures[t] = "dns"
    p = YahooProvider(session=fake_yahoo.session(), sleep=lambda s: None)
    report = refresh(store, p, names, start="2026-01-01", end="2026-04-30")
    assert report.unreachable is not None and "resolve" in report.unreachable
    charts = {s for (kind, s) in fake_yahoo.calls if kind == "chart"}
    assert charts == {names[0]}  # one ticker asked, then stopped
    assert p.requests == {"prices": 1}
