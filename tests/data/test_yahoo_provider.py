"""The yfinance adapter, exercised through yfinance's own code with HTTP answers replaced at
the transport (tests/fakeyahoo.py) by canned JSON in Yahoo's shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rerating.data.providers.base import Query
from rerating.data.providers.yahoo import YahooProvider, classify_failure, yahoo_symbol
from rerating.data.refresh import refresh
from rerating.errors import InputError, NetworkError, ProviderError, RateLimited

# tests/fixtures/yahoo/make_fixtures.py: close on session k (from 2026-03-02) is base + k.
# XBOM sessions: March 2026 has 22 weekdays less 3, 26, 31 March = 19; April has 22 weekdays
# less 3 and 14 April = 20; 39 sessions in all.
N_SESSIONS = 39


@pytest.fixture
def store(any_store):  # type: ignore[no-untyped-def]
    """The refreshes below on both backends: the local Parquet store and PostgreSQL."""
    return any_store


def provider(fake, **kw) -> YahooProvider:  # type: ignore[no-untyped-def]
    sleeps: list[float] = []
    p = YahooProvider(session=fake.session(), sleep=sleeps.append, **kw)
    p.sleeps = sleeps  # type: ignore[attr-defined]
    return p


def test_prices_come_from_chart_json_with_dates_in_exchange_time(fake_yahoo) -> None:
    p = provider(fake_yahoo)
    df = p.fetch("prices", Query.of(["RELIANCE.NS", "TCS.NS"], "2026-03-01", "2026-04-30"))
    rel = df[df.ticker == "RELIANCE.NS"].set_index("date")
    assert len(rel) == N_SESSIONS
    assert rel.index[0] == pd.Timestamp("2026-03-02")
    assert rel.index[-1] == pd.Timestamp("2026-04-30")
    assert pd.Timestamp("2026-03-26") not in rel.index  # a holiday stays a holiday
    assert rel.loc["2026-03-02", "close"] == 1300.0
    assert rel.loc["2026-04-30", "close"] == 1300.0 + N_SESSIONS - 1
    assert rel.loc["2026-04-30", "adj_close"] == pytest.approx(0.99 * 1338.0)
    assert rel.loc["2026-03-04", "volume"] == 1_001_000  # session k=1
    assert set(df.source) == {"yahoo"}
    assert df.fetched_at.notna().all()
    assert df[df.ticker == "TCS.NS"].close.iloc[-1] == 3538.0


def test_end_date_is_inclusive(fake_yahoo) -> None:
    df = provider(fake_yahoo).fetch("prices", Query.of("INFY.NS", "2026-04-01", "2026-04-10"))
    # Sessions 1, 2, 6, 7, 8, 9, 10 April (3 April is Good Friday).
    assert [d.day for d in df.date] == [1, 2, 6, 7, 8, 9, 10]


def test_unknown_symbol_is_listed_and_the_rest_kept(fake_yahoo) -> None:
    p = provider(fake_yahoo)
    with pytest.raises(ProviderError) as info:
        p.fetch("prices", Query.of(["RELIANCE.NS", "NOSUCH.NS"], "2026-04-01", "2026-04-30"))
    err = info.value
    assert set(err.failures) == {"NOSUCH.NS"}
    assert err.failures["NOSUCH.NS"].startswith("unknown symbol")
    assert "NOSUCH.NS" in str(err)
    assert set(err.partial.ticker) == {"RELIANCE.NS"}
    assert len(err.partial) == 20


def test_rate_limit_is_retried_with_backoff_then_succeeds(fake_yahoo) -> None:
    fake_yahoo.failures["TCS.NS"] = "429"
    fake_yahoo.fail_times["TCS.NS"] = 2  # two 429 answers (first try and its inner retry)
    p = provider(fake_yahoo, retries=3, backoff=1.5)
    df = p.fetch("prices", Query.of(["TCS.NS", "INFY.NS"], "2026-04-01", "2026-04-30"))
    assert set(df.ticker) == {"TCS.NS", "INFY.NS"}
    assert p.sleeps == [1.5]  # one backoff before the successful second attempt


def test_a_locked_yfinance_cache_is_retried(fake_yahoo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """yfinance's SQLite cache can answer 'database is locked' under its own threads."""
    import sqlite3

    import yfinance.cache as yc

    real = yc.get_tz_cache
    state = {"n": 0}

    class Locked:
        def lookup(self, key):  # type: ignore[no-untyped-def]
            state["n"] += 1
            raise sqlite3.OperationalError("database is locked")

        def store(self, key, value):  # type: ignore[no-untyped-def]
            pass

    monkeypatch.setattr(yc, "get_tz_cache", lambda: Locked() if state["n"] == 0 else real())
    p = provider(fake_yahoo, retries=2, backoff=1.0)
    df = p.fetch("prices", Query.of(["TCS.NS"], "2026-04-01", "2026-04-30"))
    assert len(df) == 20 and state["n"] == 1
    assert p.sleeps == [1.0]


def test_persistent_rate_limit_raises_rate_limited_after_retries(fake_yahoo) -> None:
    fake_yahoo.failures["TCS.NS"] = "429"
    p = provider(fake_yahoo, retries=2, backoff=1.0)
    with pytest.raises(RateLimited) as info:
        p.fetch("prices", Query.of(["TCS.NS"], "2026-04-01", "2026-04-30"))
    assert "rate limited" in info.value.failures["TCS.NS"]
    assert p.sleeps == [1.0, 2.0]  # exponential


def test_dns_failure_is_a_network_error(fake_yahoo) -> None:
    fake_yahoo.failures["INFY.NS"] = "dns"
    with pytest.raises(NetworkError) as info:
        provider(fake_yahoo).fetch("prices", Query.of("INFY.NS", "2026-04-01", "2026-04-30"))
    assert "name resolution" in info.value.failures["INFY.NS"]


def test_empty_chart_is_reported_not_silently_empty(fake_yahoo) -> None:
    fake_yahoo.failures["INFY.NS"] = "empty"
    with pytest.raises(ProviderError) as info:
        provider(fake_yahoo).fetch("prices", Query.of("INFY.NS", "2026-04-01", "2026-04-30"))
    assert "INFY.NS" in info.value.failures
    assert info.value.partial.empty


def test_server_error_and_malformed_json_are_reported(fake_yahoo) -> None:
    fake_yahoo.failures.update({"INFY.NS": "500", "TCS.NS": "malformed"})
    with pytest.raises(ProviderError) as info:
        provider(fake_yahoo).fetch("prices", Query.of(["INFY.NS", "TCS.NS", "RELIANCE.NS"],
                                                      "2026-04-01", "2026-04-30"))
    assert set(info.value.failures) == {"INFY.NS", "TCS.NS"}
    assert set(info.value.partial.ticker) == {"RELIANCE.NS"}


def test_fundamentals_from_quote_summary(fake_yahoo) -> None:
    df = provider(fake_yahoo).fetch("fundamentals", Query.of(["RELIANCE.NS", "TCS.NS"]))
    r = df.set_index("ticker").loc["RELIANCE.NS"]
    assert r["name"] == "Reliance Industries Limited"
    assert r["sector"] == "Energy"
    assert r["currency"] == "INR"
    assert r["trailing_eps"] == 60.0
    assert r["book_value_per_share"] == 650.0
    assert r["payout_ratio"] == 0.1
    assert r["beta"] == 0.95
    assert r["shares_outstanding"] == 13_532_000_000
    assert r["next_results_date"] == pd.Timestamp("2026-05-28")


def test_estimates_trend_and_revisions(fake_yahoo) -> None:
    df = provider(fake_yahoo).fetch("estimates", Query.of(["RELIANCE.NS", "TCS.NS"]))
    assert set(df.period) == {"0y", "+1y"}  # quarters are not kept
    r = df.set_index(["ticker", "period"]).loc[("RELIANCE.NS", "0y")]
    assert (r.eps_mean, r.analyst_count) == (62.0, 30.0)
    assert (r.eps_now, r.eps_7d_ago, r.eps_30d_ago, r.eps_60d_ago, r.eps_90d_ago) == \
        (62.0, 61.5, 60.0, 59.0, 58.0)
    assert (r.up_7d, r.up_30d, r.down_7d, r.down_30d) == (3.0, 12.0, 1.0, 4.0)
    t = df.set_index(["ticker", "period"]).loc[("TCS.NS", "+1y")]
    assert (t.eps_30d_ago, t.down_30d) == (158.0, 10.0)


def test_a_stock_nobody_covers_is_no_failure_and_no_zero_forecast(fake_yahoo, store) -> None:  # type: ignore[no-untyped-def]
    """Yahoo's two real answers for thin coverage: HTTP 404 "No fundamentals data found for any
    of the summaryTypes=earningsTrend" (TCS here), and an earningsTrend of raw 0 figures with 0
    analysts and no end date (RELIANCE here). Neither is an unknown symbol, and the second must
    never be stored as a forecast of zero EPS."""
    fake_yahoo.failures["TCS.NS"] = "nocoverage"
    p = provider(fake_yahoo)
    df = p.fetch("estimates", Query.of(["RELIANCE.NS", "TCS.NS"]))
    assert set(df.ticker) == {"RELIANCE.NS"}  # no exception: TCS's answer is an answer
    assert p.notices["estimates"] == {
        "TCS.NS": "no analyst coverage: Yahoo has no consensus estimates for it"}
    fake_yahoo.failures["RELIANCE.NS"] = "thin"
    p = provider(fake_yahoo)
    assert p.fetch("estimates", Query.of(["RELIANCE.NS"])).empty  # no 0-EPS rows
    assert p.notices["estimates"] == {
        "RELIANCE.NS": "no analyst coverage: Yahoo has no consensus estimates for it "
                       "(Yahoo lists 0 analysts)"}
    # through a refresh: prices and fundamentals kept, no estimates stored, no failure
    fresh = provider(fake_yahoo)
    report = refresh(store, fresh, ["TCS.NS", "RELIANCE.NS"], start="2026-04-01", end="2026-04-30",
                     tables=["prices", "fundamentals", "estimates"])
    assert report.failures == {}
    assert set(report.notes["estimates"]) == {"TCS.NS", "RELIANCE.NS"}
    assert set(store.read("prices")["ticker"]) == {"TCS.NS", "RELIANCE.NS"}
    assert set(store.read("fundamentals")["ticker"]) == {"TCS.NS", "RELIANCE.NS"}
    assert store.read("estimates").empty


def test_the_cli_notes_no_coverage_and_exits_0(fake_yahoo, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from functools import partialmethod

    from rerating.cli import main

    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))
    fake_yahoo.failures["TCS.NS"] = "nocoverage"
    code = main(["--data-dir", str(tmp_path), "data", "refresh", "--source", "yahoo",
                 "--tickers", "RELIANCE.NS,TCS.NS", "--start", "2026-04-01", "--end", "2026-04-30",
                 "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Refreshed 2 of 2 tickers from yahoo" in out
    assert "  note estimates TCS.NS: no analyst coverage: Yahoo has no consensus estimates for it" in err
    assert "unknown symbol" not in err and "failed" not in err


def test_a_500_with_yahoos_error_document_is_retried_and_quoted(fake_yahoo) -> None:
    """Yahoo sometimes answers 500 with its own JSON error ("Duplicate key …"); yfinance then
    fails with KeyError('chart'), which was reported as such and never retried."""
    fake_yahoo.failures["TCS.NS"] = "500json"
    p = provider(fake_yahoo, retries=2, backoff=1.0)
    with pytest.raises(ProviderError) as err:
        p.fetch("prices", Query.of(["RELIANCE.NS", "TCS.NS"], "2026-04-01", "2026-04-30"))
    why = err.value.failures["TCS.NS"]
    # (yfinance words it KeyError('chart') or "possibly delisted" depending on its time-zone
    # cache; Yahoo's own words are what the user reads either way)
    assert why.startswith("server error: ") and "KeyError" not in why
    assert why.endswith("(Yahoo said: Internal Server Error: Duplicate key RELIANCE.NS "
                        "(attempted merging values a and b))")
    assert p.sleeps == [1.0, 2.0]  # retried twice with backoff, as a server error is
    assert set(err.value.partial["ticker"]) == {"RELIANCE.NS"}


def test_a_passing_500_is_retried_until_the_source_answers(fake_yahoo) -> None:
    fake_yahoo.failures["TCS.NS"] = "500json"
    fake_yahoo.fail_times["TCS.NS"] = 1  # once, then the source answers
    df = provider(fake_yahoo, retries=2, backoff=1.0).fetch(
        "prices", Query.of(["TCS.NS"], "2026-04-01", "2026-04-30"))
    assert len(df) == 20


def test_no_network_is_said_once_and_nothing_changes(fake_yahoo, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Offline, `data refresh --source yahoo` printed the same DNS error for every ticker and
    table (204 lines for Nifty 50). It now stops at the first batch that got nothing through."""
    import warnings
    from functools import partialmethod

    from rerating.cli import main
    from rerating.data.store import Store

    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))
    monkeypatch.setenv("RERATING_LOG_DIR", str(tmp_path / "log"))
    for t in ("RELIANCE.NS", "TCS.NS", "INFY.NS"):
        fake_yahoo.failures[t] = "dns"
    real_fetch = YahooProvider.fetch

    def fetch_and_warn(self, table, query):  # type: ignore[no-untyped-def]
        warnings.warn("a library's warning", UserWarning, stacklevel=1)
        return real_fetch(self, table, query)

    monkeypatch.setattr(YahooProvider, "fetch", fetch_and_warn)
    code = main(["--data-dir", str(tmp_path / "store"), "data", "refresh", "--source", "yahoo",
                 "--tickers", "RELIANCE.NS,TCS.NS,INFY.NS", "--start", "2026-04-01",
                 "--end", "2026-04-30", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cannot reach Yahoo Finance: no network (network: ConnectionError")
    assert lines[0].endswith("stopped at the first unreachable answer; nothing changed in the store")
    assert sum(n for (kind, _), n in fake_yahoo.calls.items() if kind != "other") <= 6  # one batch
    assert not Store(tmp_path / "store").exists()
    log = (tmp_path / "log" / "rerating.log").read_text()
    assert "warning UserWarning" in log and "a library's warning" in log


def test_a_renamed_symbol_is_explained_not_called_unknown(fake_yahoo, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    # TATAMOTORS.NS is not in the fake, so Yahoo answers 404 "No data found, symbol may be
    # delisted", as it does for the real symbol since the demerger
    from rerating.cli import main
    from rerating.data.renames import Renames

    with pytest.raises(ProviderError) as err:
        provider(fake_yahoo).fetch("prices", Query.of(["TATAMOTORS.NS", "RELIANCE.NS"],
                                                      "2026-04-01", "2026-04-30"))
    assert err.value.failures == {"TATAMOTORS.NS": (
        "renamed or delisted: TATAMOTORS.NS it trades as TMPV.NS since 2025-10 (Tata Motors "
        "demerger: the passenger-vehicle company kept the listing; commercial vehicles listed "
        "apart as TMCV); see `rerating data renames`")}
    assert set(err.value.partial["ticker"]) == {"RELIANCE.NS"}  # never swapped for TMPV.NS
    # the user's own rows win, and a symbol nobody renamed is still an unknown symbol
    mine = tmp_path / "renames.csv"
    mine.write_text("old,new,date,note\nFOOBAR,,2026-01,merged into BAZ\n")
    p = provider(fake_yahoo, renames=Renames.from_file(mine))
    with pytest.raises(ProviderError) as err:
        p.fetch("prices", Query.of(["FOOBAR.NS", "NOSUCH.NS"], "2026-04-01", "2026-04-30"))
    assert err.value.failures["FOOBAR.NS"].startswith(
        "renamed or delisted: FOOBAR.NS delisted in 2026-01 (merged into BAZ)")
    assert err.value.failures["NOSUCH.NS"].startswith("unknown symbol: ")
    assert main(["--data-dir", str(tmp_path), "data", "renames"]) == 0
    out = capsys.readouterr().out
    assert "  TATAMOTORS   -> TMPV" in out and "  FOOBAR       -> (delisted)" in out


def test_eps_history_quarters(fake_yahoo) -> None:
    df = provider(fake_yahoo).fetch("eps_history", Query.of("RELIANCE.NS"))
    assert list(df.period_end.dt.strftime("%Y-%m-%d")) == \
        ["2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31"]
    assert list(df.eps) == [13.5, 14.5, 15.5, 16.5]  # 60/4 -1.5, -0.5, +0.5, +1.5
    assert set(df.freq) == {"Q"}


def test_unknown_ticker_fundamentals_reported(fake_yahoo) -> None:
    with pytest.raises(ProviderError) as info:
        provider(fake_yahoo).fetch("fundamentals", Query.of(["RELIANCE.NS", "NOSUCH.NS"]))
    assert set(info.value.failures) == {"NOSUCH.NS"}
    assert list(info.value.partial.ticker) == ["RELIANCE.NS"]


def test_incremental_refresh_asks_only_for_missing_sessions(fake_yahoo, store) -> None:
    p = provider(fake_yahoo)
    tickers = ["RELIANCE.NS", "TCS.NS"]
    refresh(store, p, tickers, start="2026-03-01", end="2026-03-31", tables=["prices"])
    assert len(store.read("prices")) == 2 * 19
    fake_yahoo.chart_ranges.clear()
    refresh(store, p, tickers, start="2026-03-01", end="2026-04-30", tables=["prices"])
    # One request per ticker, from the last stored session (30 March): the overlap proves
    # Yahoo has not re-based the history since.
    assert sorted(s for s, _, _ in fake_yahoo.chart_ranges) == tickers
    firsts = {pd.Timestamp(p1, unit="s", tz="Asia/Kolkata").date() for _, p1, _ in fake_yahoo.chart_ranges}
    assert firsts == {pd.Timestamp("2026-03-30").date()}
    stored = store.read("prices")
    assert len(stored) == 2 * N_SESSIONS
    assert not stored.duplicated(["ticker", "date"]).any()
    fake_yahoo.chart_ranges.clear()
    refresh(store, p, tickers, start="2026-03-01", end="2026-04-30", tables=["prices"])
    assert fake_yahoo.chart_ranges == []  # nothing missing, nothing asked


@pytest.mark.parametrize(("given", "expected"), [
    ("reliance", "RELIANCE.NS"), ("RELIANCE.NS", "RELIANCE.NS"), ("500325.BO", "500325.BO"),
    ("NIFTY50", "^NSEI"), ("^BSESN", "^BSESN"), (" tcs ", "TCS.NS"), ("M&M", "M&M.NS"),
    # index names through the one index map the importer uses too
    ("SENSEX", "^BSESN"), ("NIFTY BANK", "^NSEBANK"), ("nifty smallcap 250", "NIFTYSMLCAP250.NS"),
    ("NIFTYBEES", "NIFTYBEES.NS"),  # an ETF whose symbol starts like an index is still a stock
])
def test_yahoo_symbol(given: str, expected: str) -> None:
    assert yahoo_symbol(given) == expected


def test_yahoo_symbol_rejects_garbage() -> None:
    with pytest.raises(InputError, match="ticker"):
        yahoo_symbol("=cmd|'/c calc'!A1")
    assert yahoo_symbol("500325", exchange="BSE") == "500325.BO"


@pytest.mark.parametrize(("reason", "kind"), [
    ("YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')", "rate_limited"),
    ("ConnectionError(\"Failed to resolve 'query2.finance.yahoo.com'\")", "network"),
    ("$X.NS: possibly delisted; no timezone found", "unknown_symbol"),
    ("OperationalError('database is locked')", "transient"),
    ("something odd", "error"),
])
def test_classify_failure(reason: str, kind: str) -> None:
    assert classify_failure(reason) == kind


def test_counts_of_zero_beside_a_moving_consensus_are_unknown_not_zero(fake_yahoo) -> None:
    """The DCF book showed consensus EPS up in 30 days with 0 upgrades and 0 downgrades
    (breadth 0.00): Yahoo sends all-zero counts for thinly covered stocks whose trend moved.
    Those counts are stored blank and said; counts that agree with the trend are kept."""
    fake_yahoo.failures["RELIANCE.NS"] = "silentcounts"
    p = provider(fake_yahoo)
    df = p.fetch("estimates", Query.of(["RELIANCE.NS", "TCS.NS"])).set_index(["ticker", "period"])
    rel = df.loc[("RELIANCE.NS", "0y")]
    assert (rel.eps_now, rel.eps_30d_ago) == (62.0, 60.0)  # +3.3% in the fixture's trend
    assert np.isnan(rel.up_30d) and np.isnan(rel.down_30d)
    assert np.isnan(rel.up_7d) and np.isnan(rel.down_7d)  # 62.0 vs 61.5: +0.8% in 7 days
    nxt = df.loc[("RELIANCE.NS", "+1y")]  # 70.0 vs 70.0 over 7 days: zero counts are true
    assert (nxt.up_7d, nxt.down_7d) == (0.0, 0.0) and np.isnan(nxt.up_30d)
    assert p.notices["estimates"]["RELIANCE.NS"] == (
        "30-day revision counts blank: Yahoo reports 0 up and 0 down while its 0y consensus "
        "moved +3.3%; 7-day revision counts blank: Yahoo reports 0 up and 0 down while its 0y "
        "consensus moved +0.8%")
    assert df.loc[("TCS.NS", "+1y")].down_30d == 10.0  # TCS's real counts untouched
    assert "TCS.NS" not in p.notices.get("estimates", {})


def test_one_quote_summary_request_serves_every_snapshot_table(fake_yahoo, store) -> None:  # type: ignore[no-untyped-def]
    """yfinance asks quoteSummary per module (profile, calendar, estimates, EPS history: four
    requests a stock); one answer carrying every module serves all three tables. A stock
    whose combined answer fails (Yahoo's 404 for earningsTrend of a stock nobody covers) is
    asked per module, as before, so no answer is lost."""
    fake_yahoo.failures["TCS.NS"] = "nocoverage"
    p = YahooProvider(session=fake_yahoo.session(), sleep=lambda s: None)
    report = refresh(store, p, ["RELIANCE.NS", "TCS.NS"], start="2026-03-01", end="2026-04-30",
                     tables=["fundamentals", "estimates", "eps_history"])
    summary = {s: n for (kind, s), n in fake_yahoo.calls.items() if kind == "quoteSummary"}
    assert summary["RELIANCE.NS"] == 1  # was 4
    # TCS: the combined request's 404 (which yfinance asks twice, once per cookie strategy,
    # as it does any 404), then the five per-module requests it made before (its own
    # earningsTrend 404 asked twice too): 2 more, never an answer less
    assert summary["TCS.NS"] == 7
    assert not report.failures
    assert set(store.read("fundamentals")["ticker"]) == {"RELIANCE.NS", "TCS.NS"}
    assert set(store.read("estimates")["ticker"]) == {"RELIANCE.NS"}
    assert "no analyst coverage" in report.notes["estimates"]["TCS.NS"]
    assert p.summaries.requests == 2


def test_yfinances_pandas_deprecations_do_not_reach_the_analyst(fake_yahoo) -> None:
    """yfinance's import puts a 'default' filter for its own DeprecationWarnings in front of
    everyone's, so pandas 3.1's Pandas4Warning about its inplace= calls filled every test
    summary and LibreOffice's stderr. Quieted for yfinance's modules only: pandas' own
    warnings elsewhere still show."""
    import warnings

    shown: list[tuple[str, str]] = []
    real = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        shown.append((category.__name__, filename))

    warnings.showwarning = show
    try:
        provider(fake_yahoo).fetch("prices", Query.of(["RELIANCE.NS", "TCS.NS"], "2026-03-01", "2026-04-30"))
        frame = pd.DataFrame({"a": [2, 1]}, index=[2, 1])
        frame.sort_index(inplace=True)  # ours would still be told (this test's own module)
    finally:
        warnings.showwarning = real
    assert not [s for s in shown if "yfinance" in s[1]], shown
    assert any(name == "Pandas4Warning" and s.endswith("test_yahoo_provider.py") for name, s in shown)
