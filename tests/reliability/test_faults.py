"""The fault suite: Yahoo failing every way yfinance can fail, through yfinance's own code.

Each case starts from a store holding March 2026 for three tickers, makes the fake Yahoo
misbehave for TCS.NS only, and refreshes through April. Every case must end with a clear,
classified reason or a labelled answer (re-based, checked, or stale), the other tickers brought
up to date, and a store that is sound: readable, no duplicate keys, no blank closes, coverage
that agrees with the data, no temporary files, and TCS's earlier rows exactly as they were
unless the source re-based them.
"""

from __future__ import annotations

from functools import partialmethod

import numpy as np
import pandas as pd
import pytest

from rerating.cli import main
from rerating.data.access import MarketData
from rerating.data.providers.yahoo import YahooProvider
from rerating.data.refresh import refresh
from rerating.data.store import Store
from rerating.settings import Settings
from tests.reliability.checks import assert_sound

TICKERS = ["RELIANCE.NS", "TCS.NS", "INFY.NS"]
TABLES = ["prices", "fundamentals", "estimates"]
APRIL_END = pd.Timestamp("2026-04-30")
MARCH_LAST = pd.Timestamp("2026-03-30")  # 31 March 2026 is a BSE holiday


def provider(fake) -> YahooProvider:  # type: ignore[no-untyped-def]
    return YahooProvider(session=fake.session(), sleep=lambda s: None, retries=2)


@pytest.fixture
def seeded(fake_yahoo, store):  # type: ignore[no-untyped-def]
    """The store after a clean March refresh, and a copy of every table as it was."""
    from yfinance.data import YfData

    report = refresh(store, provider(fake_yahoo), TICKERS, start="2026-03-01",
                     end="2026-03-31", tables=TABLES)
    assert report.failures.get("prices", {}) == {}
    YfData.cache_get.cache_clear()
    before = {t: store.read(t) for t in TABLES}
    return store, before


def refresh_april(store: Store, fake) -> object:  # type: ignore[no-untyped-def]
    return refresh(store, provider(fake), TICKERS, start="2026-03-01", end="2026-04-30",
                   tables=TABLES, snapshot_max_age=pd.Timedelta(0))


def split(fake, mode: str) -> None:  # type: ignore[no-untyped-def]
    """A 2:1 split of TCS on 15 April, served adjusted (``split``) or not (``split_raw``)."""
    fake.failures["TCS.NS"] = mode
    fake.split_at["TCS.NS"] = ("2026-04-15", 2.0)


def rows_of(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    return frame[frame["ticker"] == ticker].reset_index(drop=True)


# mode -> (tables TCS fails in, words its reason must carry)
FAILURES = {
    "dns": (TABLES, "network: ConnectionError"),
    "timeout": (TABLES, "network: ReadTimeout"),
    "429": (TABLES, "rate limited"),
    "500": (TABLES, None),  # prices: yfinance parses the HTML page; snapshots: HTTP 500
    "malformed": (TABLES, "malformed answer (not JSON"),
    "empty": (["prices"], "no price data found"),
    "404": (TABLES, "unknown symbol"),
}


@pytest.mark.parametrize("mode", sorted(FAILURES))
def test_a_failing_source_leaves_the_ticker_stale_and_the_store_sound(seeded, fake_yahoo, mode) -> None:  # type: ignore[no-untyped-def]
    store, before = seeded
    fake_yahoo.failures["TCS.NS"] = mode
    report = refresh_april(store, fake_yahoo)
    failed_tables, words = FAILURES[mode]
    for table in failed_tables:
        why = report.failures[table]["TCS.NS"]
        assert words is None or words in why, (table, why)
        assert "Traceback" not in why and "for url:" not in why
    if mode == "500":
        assert report.failures["prices"]["TCS.NS"].startswith("malformed answer")
        assert report.failures["fundamentals"]["TCS.NS"] == \
            "server error: HTTPError: 500 Server Error: Internal Server Error"
    assert_sound(store)
    after = {t: store.read(t) for t in TABLES}
    for table in failed_tables:  # the failed ticker's rows are exactly what was stored
        pd.testing.assert_frame_equal(rows_of(after[table], "TCS.NS"), rows_of(before[table], "TCS.NS"))
    last = after["prices"].groupby("ticker")["date"].max()
    assert last.to_dict() == {"RELIANCE.NS": APRIL_END, "TCS.NS": MARCH_LAST, "INFY.NS": APRIL_END}
    # The stale answer is labelled as such where an analyst looks: RR_ASOF's source.
    data = MarketData(Settings(data_dir=store.root, log_dir=store.root, offline=True))
    assert data.asof("TCS.NS").last == MARCH_LAST
    assert data.asof("INFY.NS").last == APRIL_END


# yfinance retries a 429 or an HTML error page once itself (switching its cookie strategy);
# our backoff comes after that second refusal
@pytest.mark.parametrize(("mode", "fails"), [("429", 2), ("500", 2), ("malformed", 1)])
def test_passing_faults_are_retried_with_backoff(seeded, fake_yahoo, mode, fails) -> None:  # type: ignore[no-untyped-def]
    store, _ = seeded
    fake_yahoo.failures["TCS.NS"] = mode
    fake_yahoo.fail_times["TCS.NS"] = fails  # then the source answers
    sleeps: list[float] = []
    p = YahooProvider(session=fake_yahoo.session(), sleep=sleeps.append, retries=2, backoff=0.5)
    report = refresh(store, p, TICKERS, start="2026-03-01", end="2026-04-30", tables=["prices"])
    assert report.failures == {}
    assert sleeps == [0.5]
    assert store.read("prices", ["TCS.NS"])["date"].max() == APRIL_END
    assert_sound(store)


def test_a_batch_with_unknown_tickers_keeps_the_rest(seeded, fake_yahoo) -> None:  # type: ignore[no-untyped-def]
    store, _ = seeded
    report = refresh(store, provider(fake_yahoo), [*TICKERS, "NOSUCH.NS", "GONE.NS"],
                     start="2026-03-01", end="2026-04-30", tables=["prices"])
    assert set(report.failures["prices"]) == {"NOSUCH.NS", "GONE.NS"}
    assert all(w.startswith("unknown symbol") for w in report.failures["prices"].values())
    assert set(store.read("prices")["ticker"]) == set(TICKERS)
    assert_sound(store)


def test_null_sessions_are_left_out_and_reported(seeded, fake_yahoo) -> None:  # type: ignore[no-untyped-def]
    store, _ = seeded
    fake_yahoo.failures["TCS.NS"] = "nan"
    report = refresh_april(store, fake_yahoo)
    # Fetched from 30 March: 21 sessions, rows 2, 7, 12 and 17 of them null (every fifth from 2).
    tcs = store.read("prices", ["TCS.NS"])
    april = tcs[tcs["date"] > MARCH_LAST]
    assert len(april) == 20 - 4
    assert {"2026-04-02", "2026-04-10", "2026-04-20", "2026-04-27"}.isdisjoint(
        set(april["date"].dt.strftime("%Y-%m-%d")))
    assert report.warnings["prices"]["TCS.NS"].startswith("no close for 4 of 21 sessions")
    assert_sound(store)


def test_a_duplicated_session_keeps_the_later_value(seeded, fake_yahoo) -> None:  # type: ignore[no-untyped-def]
    store, _ = seeded
    fake_yahoo.failures["TCS.NS"] = "dupdates"
    refresh_april(store, fake_yahoo)
    tcs = store.read("prices", ["TCS.NS"]).set_index("date")
    assert tcs.index.is_unique and len(tcs) == 39
    # close on session k is 3500 + k; the last (k=38) was sent twice, the second a rupee higher
    assert tcs.loc[APRIL_END, "close"] == 3538.0 + 1.0
    assert_sound(store)


def test_a_split_rebases_the_stored_history_instead_of_a_fake_crash(seeded, fake_yahoo) -> None:  # type: ignore[no-untyped-def]
    store, before = seeded
    split(fake_yahoo, "split")
    report = refresh_april(store, fake_yahoo)
    why = report.rebased["prices"]["TCS.NS"]
    assert "close for 2026-03-30 is now 1,759, stored 3,518 (x0.5" in why
    assert "fetched again" in why
    tcs = store.read("prices", ["TCS.NS"]).set_index("date")
    old = rows_of(before["prices"], "TCS.NS").set_index("date")
    np.testing.assert_allclose(tcs.loc[old.index, "close"], old["close"] / 2.0)
    daily = tcs["close"].pct_change().dropna()
    assert daily.abs().max() < 0.001  # no -50% day: the series is on one basis throughout
    assert "TCS.NS" not in report.warnings.get("prices", {})
    # the others were not touched by the re-base
    pd.testing.assert_frame_equal(
        rows_of(store.read("prices", end=MARCH_LAST), "RELIANCE.NS").drop(columns="fetched_at"),
        rows_of(before["prices"], "RELIANCE.NS").drop(columns="fetched_at"))
    assert_sound(store)


def test_an_unadjusted_split_is_kept_but_flagged(seeded, fake_yahoo) -> None:  # type: ignore[no-untyped-def]
    store, _ = seeded
    split(fake_yahoo, "split_raw")
    report = refresh_april(store, fake_yahoo)
    assert report.warnings["prices"]["TCS.NS"].startswith(
        "close moved -50.0% in one session to 2026-04-15")
    assert report.rebased == {}
    assert_sound(store)


def test_a_rebase_whose_full_fetch_fails_keeps_the_old_history(seeded, fake_yahoo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store, before = seeded
    split(fake_yahoo, "split")
    real = fake_yahoo._chart
    seen = {"n": 0}

    def second_fails(request, sym, query):  # type: ignore[no-untyped-def]
        if sym == "TCS.NS":
            seen["n"] += 1
            if seen["n"] > 1:  # the full-history fetch after the overlap showed the re-base
                raise __import__("requests").exceptions.ConnectionError("Failed to resolve host")
        return real(request, sym, query)

    monkeypatch.setattr(fake_yahoo, "_chart", second_fails)
    report = refresh(store, provider(fake_yahoo), TICKERS, start="2026-03-01", end="2026-04-30",
                     tables=["prices"])
    assert "could not be fetched" in report.rebased["prices"]["TCS.NS"]
    assert "TCS.NS" in report.failures["prices"]
    pd.testing.assert_frame_equal(rows_of(store.read("prices"), "TCS.NS"), rows_of(before["prices"], "TCS.NS"))
    assert_sound(store)


def test_the_cli_says_what_failed_and_that_stored_data_is_stale(seeded, fake_yahoo, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """The same faults through `rerating data refresh --source yahoo` (transport replaced)."""
    store, _ = seeded
    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))
    fake_yahoo.failures.update({"TCS.NS": "dns", "INFY.NS": "split_raw"})
    fake_yahoo.split_at["INFY.NS"] = ("2026-04-15", 2.0)
    code = main(["--data-dir", str(store.root), "data", "refresh", "--source", "yahoo",
                 "--tickers", ",".join(TICKERS), "--end", "2026-04-30", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    line = next(x for x in err.splitlines() if "failed prices TCS.NS" in x)
    assert "network: ConnectionError" in line
    assert line.endswith("stored data kept, STALE: through 2026-03-30, fetched "
                         f"{store.coverage_of('prices', 'TCS.NS').fetched_at:%Y-%m-%d %H:%M} UTC")
    assert "  check prices INFY.NS: close moved -50.0% in one session to 2026-04-15" in err
    assert_sound(store)
