"""Excel-facing store access: warm reads, and misses fetched once, batched, remembered."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rerating.data import access
from rerating.data.providers.yahoo import YahooProvider
from rerating.settings import Settings
from tests.functions.harness import call


@pytest.fixture(params=["parquet", "postgresql"])
def live(request, fake_yahoo, tmp_path: Path):  # type: ignore[no-untyped-def]
    """RR functions over either backend: the local store, or a desk's PostgreSQL."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    settings = Settings(data_dir=tmp_path / "store", log_dir=tmp_path, offline=False, store_url=url)
    data = access.MarketData(
        settings, batch_window=0.3,
        provider_for=lambda t: YahooProvider(session=fake_yahoo.session(), sleep=lambda s: None))
    access.use(data)
    yield data
    access.use(None)


def test_misses_from_many_cells_are_fetched_once_in_one_batch(live, fake_yahoo) -> None:  # type: ignore[no-untyped-def]
    tickers = ["RELIANCE.NS", "TCS.NS", "INFY.NS"]
    with ThreadPoolExecutor(3) as pool:  # three cells recalculating at once
        got = list(pool.map(lambda t: call("RR_PRICE", t)[0][0], tickers))
    assert got == [1338.0, 3538.0, 1538.0]  # last session k=38: base + 38
    assert live.fetches == 1
    asked = sorted(sym for sym, _, _ in fake_yahoo.chart_ranges)
    assert asked == sorted(tickers)  # one price request per ticker, all in that batch
    fake_yahoo.chart_ranges.clear()
    assert call("RR_PRICE", "TCS.NS", "2026-03-04")[0][0] == 3501.0
    assert fake_yahoo.chart_ranges == [] and live.fetches == 1  # served from the store


def test_a_failed_ticker_is_not_asked_again_at_every_recalculation(live, fake_yahoo) -> None:  # type: ignore[no-untyped-def]
    first = call("RR_PRICE", "NOSUCH.NS")[0][0]
    assert first.startswith("#N/A") and "NOSUCH.NS" in first
    requests = fake_yahoo.calls[("chart", "NOSUCH.NS")]
    again = call("RR_PRICE", "NOSUCH.NS")[0][0]
    assert again.startswith("#N/A") and "fetch failed" in again
    assert fake_yahoo.calls[("chart", "NOSUCH.NS")] == requests
    assert live.fetches == 1


def test_offline_never_fetches(fake_yahoo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = access.MarketData(Settings(data_dir=tmp_path, log_dir=tmp_path, offline=True))
    access.use(data)
    try:
        got = call("RR_PRICE", "RELIANCE.NS")[0][0]
    finally:
        access.use(None)
    assert got.startswith("#N/A") and "offline" in got
    assert not fake_yahoo.calls


@pytest.mark.parametrize("backend", ["parquet", "postgresql"])
def test_a_close_of_zero_is_never_served(backend: str, tmp_path: Path, request) -> None:  # type: ignore[no-untyped-def]
    """A store that holds a close of 0 (written before imports refused them, or by a broken
    source) answers an error naming the row, not 0, and not a return of -100%."""
    import pandas as pd

    from rerating.data import model
    from rerating.data.store import open_store

    days = pd.bdate_range("2026-03-02", periods=5)
    rows = pd.DataFrame({"ticker": "ZERO.NS", "date": days, "close": [100.0, 101.0, 0.0, 102.0, 103.0],
                         "adj_close": [100.0, 101.0, 0.0, 102.0, 103.0], "volume": 1.0})
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    settings = Settings(data_dir=tmp_path, log_dir=tmp_path, offline=True, store_url=url)
    open_store(settings).upsert("prices", model.conform(model.PRICES, rows, source="import:old.csv"))
    data = access.MarketData(settings)
    access.use(data)
    try:
        for got in (call("RR_PRICE", "ZERO.NS")[0][0], call("RR_PRICE", "ZERO.NS", "2026-03-04")[0][0],
                    call("RR_RETURN", "ZERO.NS", "1W")[0][0]):
            assert isinstance(got, str) and got.startswith("#"), got
            assert "zero or below for ZERO.NS" in got and "2026-03-04" in got
    finally:
        access.use(None)


def test_a_batch_of_calls_run_one_after_another_fetches_its_misses_once(live, fake_yahoo) -> None:  # type: ignore[no-untyped-def]
    """`rerating serve` answers a recalculation's calls in order on one thread: without the
    batch's prefetch each miss waited out the batch window and was fetched on its own (three
    fetches here: the range is fetched ticker by ticker too)."""
    from rerating.functions import web_host

    # text that reads as no symbol (a universe name, a ticker without its exchange) is left
    # to its cell, which says what it means
    assert web_host._prefetch([("RR_PRICE", ["nifty50"]), ("RR_PRICE", ["RELIANCE"])]) == []
    assert live.fetches == 0
    calls = [("RR_PRICE", ["RELIANCE.NS"]), ("RR_COE", [0.07, 1.2, 0.055]),
             ("RR_PRICE", [[["TCS.NS"], ["INFY.NS"]]])]
    got = web_host.run_batch(calls)
    assert got[0] == {"value": [[1338.0]]} and got[2] == {"value": [[3538.0], [1538.0]]}
    assert got[1]["value"][0][0] == pytest.approx(0.136)
    assert live.fetches == 1  # one batch for the three tickers
    asked = sorted(sym for sym, _, _ in fake_yahoo.chart_ranges)
    assert asked == ["INFY.NS", "RELIANCE.NS", "TCS.NS"]
    assert web_host._prefetch(calls) == []  # all held now: nothing asked again


def test_a_cells_fundamentals_follow_a_refresh_that_commits(tmp_path: Path) -> None:
    """RR_INFO keeps each ticker's latest row per store generation (a per-cell comps sheet
    asked for it 9 times a row); a refresh that commits a newer snapshot must show at once."""
    import pandas as pd

    from rerating.data.providers.demo import DemoProvider
    from rerating.data.refresh import refresh
    from rerating.data.store import Store

    store = Store(tmp_path / "store")
    refresh(store, DemoProvider(), ["DEVALPER.DEMO"], start="2026-01-01")
    data = access.MarketData(Settings(data_dir=store.root, log_dir=tmp_path, offline=True),
                             recheck_every=0.0)
    access.use(data)
    try:
        before = call("RR_INFO", "DEVALPER.DEMO", "beta")[0][0]
        assert call("RR_INFO", "DEVALPER.DEMO", "beta")[0][0] == before  # served from the cache
        rows = store.read("fundamentals", ["DEVALPER.DEMO"])
        newer = rows[rows["as_of"] == rows["as_of"].max()].copy()
        newer["as_of"] = newer["as_of"] + pd.Timedelta(days=1)
        newer["beta"] = before + 0.25
        with store.writer() as w:
            w.upsert("fundamentals", newer)
        assert call("RR_INFO", "DEVALPER.DEMO", "beta")[0][0] == pytest.approx(before + 0.25)
    finally:
        access.use(None)
