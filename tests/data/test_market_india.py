"""`--market india`: the seed's question asked of NSE's lists, through Yahoo's answer shapes.

Both lists are built in (NSE's own files, python/rerating/data/lists/SOURCES.md), so the preset
needs no import step. The slow test replaces the Smallcap 250 side with an analyst's own list
of twelve NSE-listed small caps (``ind_niftysmallcap250list.csv`` in NSE's layout, CRLF, as in
tests/fixtures/files; the ISIN column holds placeholders), which wins over the built-in one, so
the fake market stays small. Yahoo is the fake transport serving, under each real ticker, a
series of the synthetic demo market in Yahoo's chart and quoteSummary shapes, so yfinance's own
code parses every answer.
"""

from __future__ import annotations

import re
from functools import partialmethod
from pathlib import Path

import pandas as pd
import pytest
import requests

from rerating.cli import main
from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, demo_market
from rerating.data.providers.yahoo import YahooProvider
from rerating.data.universe import BUILTIN_LISTS
from rerating.services.subjects import market_subjects

SMALL_LIST = "\r\n".join([
    "Company Name,Industry,Symbol,Series,ISIN Code",
    "Aarti Industries Ltd.,Chemicals,AARTIIND,EQ,PLACEHOLDER01",
    "Angel One Ltd.,Financial Services,ANGELONE,EQ,PLACEHOLDER02",
    "Birlasoft Ltd.,Information Technology,BSOFT,EQ,PLACEHOLDER03",
    "Central Depository Services (India) Ltd.,Financial Services,CDSL,EQ,PLACEHOLDER04",
    "CESC Ltd.,Power,CESC,EQ,PLACEHOLDER05",
    "Cyient Ltd.,Information Technology,CYIENT,EQ,PLACEHOLDER06",
    "Indian Energy Exchange Ltd.,Financial Services,IEX,EQ,PLACEHOLDER07",
    "Multi Commodity Exchange of India Ltd.,Financial Services,MCX,EQ,PLACEHOLDER08",
    "Natco Pharma Ltd.,Healthcare,NATCOPHARM,EQ,PLACEHOLDER09",
    "Radico Khaitan Ltd.,Fast Moving Consumer Goods,RADICO,EQ,PLACEHOLDER10",
    "Zensar Technologies Ltd.,Information Technology,ZENSARTECH,EQ,PLACEHOLDER11",
    "Computer Age Management Services Ltd.,Financial Services,CAMS,EQ,PLACEHOLDER12",
]) + "\r\n"


def test_the_india_preset_fills_only_what_was_not_given() -> None:
    assert market_subjects("india", None, None, None, None) == (
        "NIFTYSMLCAP250.NS", "^NSEI", "niftysmallcap250", "nifty50")
    assert market_subjects("india", None, "^CNX100", "mylist", None) == (
        "NIFTYSMLCAP250.NS", "^CNX100", "mylist", "nifty50")
    assert market_subjects(None, None, None, None, None) == (None, None, None, None)


def test_the_india_preset_needs_no_import_step(fake_yahoo, tmp_path: Path, monkeypatch,
                                               capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))
    (tmp_path / "store").mkdir()  # an empty store (a folder that is not there is said as such)
    code = main(["--data-dir", str(tmp_path / "store"), "report", "--market", "india",
                 "--source", "store", "-o", str(tmp_path / "note"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    lines = [x for x in err.splitlines() if x.startswith("error:")]
    # the lists resolved (250 built-in small caps, first in NSE's alphabetical order); only the
    # prices are missing from an empty store
    assert len(lines) == 1 and "holds no prices for AADHARHFC.NS, AARTIIND.NS" in lines[0]
    assert "not built in" not in err
    assert "note: the built-in NIFTY SMALLCAP 250 list is dated 2026-05-16" in err
    assert sum(fake_yahoo.calls.values()) == 0  # --source store asks nobody


def _lists(store: Path, tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The analyst's 12-stock Smallcap 250 list, imported as NSE's file; the built-in Nifty 50."""
    listing = tmp_path / "ind_niftysmallcap250list.csv"
    listing.write_bytes(SMALL_LIST.encode("utf-8"))
    assert main(["--data-dir", str(store), "data", "universes", "--import", str(listing),
                 "--force"]) == 0
    return (pd.read_csv(store / "universes" / "niftysmallcap250.csv"),
            BUILTIN_LISTS["nifty50"].frame())


@pytest.mark.slow
def test_report_market_india_on_a_fake_yahoo_market(fake_yahoo, tmp_path: Path, monkeypatch,
                                                   capsys) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    small, large = _lists(store, tmp_path)
    assert len(small) == 12 and len(large) == 50
    assert "PARTIAL: niftysmallcap250 holds 12 of NIFTY SMALLCAP 250's 250 companies" in \
        capsys.readouterr().err

    demo = demo_market()
    by_ticker = dict(tuple(demo.prices.groupby("ticker")))
    series: dict[str, pd.DataFrame] = {}
    names: dict[str, str] = {}
    for frame, side in ((large, "demo-large"), (small, "demo-small")):
        for real, name, fake in zip(frame["ticker"], frame["company_name"], demo.universe(side),
                                    strict=False):
            series[real] = by_ticker[fake]
            names[real] = name
    series["^NSEI"] = by_ticker[LARGE_INDEX]
    series["NIFTYSMLCAP250.NS"] = by_ticker[SMALL_INDEX]
    fake_yahoo.serve_market(series, names)
    fake_yahoo.failures["CESC.NS"] = "404"  # a partial answer: one stock Yahoo does not know
    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))

    out = tmp_path / "note"
    args = ["--data-dir", str(store), "report", "--market", "india", "--source", "yahoo",
            "-o", str(out), "--no-progress", "--no-cache-values"]
    # Yahoo has no index P/E history: the first run says where to get it, in one line
    assert main(args) == 2
    err = capsys.readouterr().err
    error = [x for x in err.splitlines() if x.startswith("error:")]
    assert len(error) == 1 and "no P/E-P/B history for NIFTYSMLCAP250.NS, ^NSEI" in error[0]
    assert "refresh --source nse --indices-only" in error[0]
    assert "niftyindices.com" in error[0] and "data import index-valuation FILE" in error[0]
    # the files niftyindices.com gives, in its layout (quoted, "31 Dec 2024", newest first,
    # CRLF, as tests/fixtures/files/NIFTY SMALLCAP 250_PE_PB_DIV.csv), values of the demo indices
    for nse, fake in (("NIFTY 50", LARGE_INDEX), ("NIFTY SMALLCAP 250", SMALL_INDEX)):
        v = demo.index_valuation[demo.index_valuation["index"] == fake].iloc[::-1]
        rows = ['"IndexName","Date","P/E","P/B","Div Yield %"'] + [
            f'"{nse}","{d:%d %b %Y}","{pe:.2f}","{pb:.2f}","{dy:.2f}"'
            for d, pe, pb, dy in zip(v["date"], v["pe"], v["pb"], v["div_yield"], strict=True)]
        f = tmp_path / f"{nse}_PE_PB_DIV.csv"
        f.write_bytes("\r\n".join(rows).encode("utf-8"))
        assert main(["--data-dir", str(store), "data", "import", "index-valuation", str(f)]) == 0
    capsys.readouterr()
    code = main(args)
    stdout, err = capsys.readouterr()
    # built from what arrived; the missing stock is named, and the exit status says a fetch failed
    assert code == 1, err
    assert "failed prices CESC.NS: unknown symbol" in err
    assert "note: left out for want of data (the fetch failed, nothing is stored): CESC.NS" in err
    assert "Report as of 2026-04-30 from yahoo" in stdout and "SYNTHETIC" not in stdout
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "SYNTHETIC" not in html
    # the real tickers and names of both lists, and the indices under their Yahoo symbols
    assert "NIFTYSMLCAP250.NS" in html and "^NSEI" in html
    assert "(11 stocks)" in html  # 12 less the one Yahoo did not know
    # the forced partial list is flagged in the note's source line
    assert "universe: niftysmallcap250 (PARTIAL: 12 of NIFTY SMALLCAP 250" in html
    median = re.search(r"The median stock, ([A-Z&-]+\.NS), returned", html)
    assert median is not None and median.group(1) in set(small["ticker"])
    # the index series went through Yahoo's chart shape and yfinance unchanged: the note finds
    # what the demo note finds in the same series (SMALL250.DEMO served as NIFTYSMLCAP250.NS)
    assert "returned <b>+14.7%</b> in April 2026" in html and "best month since May 2014" in html
    # every ticker was asked for once, through yfinance's chart and quoteSummary requests
    charts = {s for (kind, s) in fake_yahoo.calls if kind == "chart"}
    assert set(series) <= charts


@pytest.mark.slow
def test_report_market_india_from_nse_s_files_and_yahoo_s_snapshots(
        fake_yahoo, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """The default path: NSE's daily files for every price and index valuation (no file to
    import), Yahoo for the stocks' fundamentals and estimates."""
    from rerating.data.providers.nse import NSEProvider
    from tests.fakense import FakeNSE

    store = tmp_path / "store"
    small, large = _lists(store, tmp_path)
    demo = demo_market()
    by_ticker = dict(tuple(demo.prices.groupby("ticker")))
    window = (demo.prices["date"] >= "2025-05-01") & (demo.prices["date"] <= "2026-04-30")
    closes = demo.prices[window].pivot(index="date", columns="ticker", values="close")
    stocks: dict[str, pd.Series] = {}
    names: dict[str, str] = {}
    for frame, side in ((large, "demo-large"), (small, "demo-small")):
        for real, name, fake in zip(frame["ticker"], frame["company_name"], demo.universe(side),
                                    strict=False):
            stocks[real.removesuffix(".NS")] = closes[fake]
            names[real] = name
    val = demo.index_valuation.set_index(["index", "date"])
    indices = {nse: pd.DataFrame({"close": closes[fake]}).assign(
        pe=val.loc[fake]["pe"].reindex(closes.index), pb=val.loc[fake]["pb"].reindex(closes.index),
        dy=val.loc[fake]["div_yield"].reindex(closes.index))
        for nse, fake in (("Nifty 50", LARGE_INDEX), ("Nifty Smallcap 250", SMALL_INDEX))}
    nse = FakeNSE(stocks, indices)
    # Yahoo serves only the snapshots: a stock's chart asked of it would be a bug of the plan
    fake_yahoo.serve_market({real: by_ticker[fake] for frame, side in
                             ((large, "demo-large"), (small, "demo-small"))
                             for real, fake in zip(frame["ticker"], demo.universe(side),
                                                   strict=False)}, names)
    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=nse.session(), sleep=lambda s: None, rate=0))
    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=fake_yahoo.session(), sleep=lambda s: None))
    # the archive's last file is 30 April 2026 here: the clock says so
    import rerating.data.refresh as refresh_module

    monkeypatch.setattr(refresh_module, "last_published", lambda now=None: pd.Timestamp("2026-04-30"))
    out = tmp_path / "note"
    code = main(["--data-dir", str(store), "report", "--market", "india", "-o", str(out),
                 "--no-progress", "--no-cache-values"])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert "Plan: NSE's all-indices file and equity bhavcopy for" in err
    assert "Report as of 2026-04-30 from nse" in stdout
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "SYNTHETIC" not in html and "NIFTYSMLCAP250.NS" in html
    # the same index series through NSE's files: the NSE calendar has 31 March 2026 (Mahavir
    # Jayanti) as a holiday the demo market traded, so April's base is the 30 March close:
    # 2,681.73 / 2,358.18 - 1 = +13.7% (the Yahoo path, serving every demo day, says +14.7%)
    s = closes[SMALL_INDEX]
    assert s[pd.Timestamp("2026-04-30")] / s[pd.Timestamp("2026-03-30")] - 1 == \
        pytest.approx(0.1372, abs=5e-5)
    assert "returned <b>+13.7%</b> in April 2026" in html
    # prices came from NSE alone: Yahoo was asked for no chart, only quoteSummary snapshots
    assert not any(kind == "chart" for kind, _ in fake_yahoo.calls)
    # two files a session, NSE's sessions only (246 from 1 May 2025: the demo's 256 days
    # include ten NSE holidays, never asked for)
    from rerating.data.calendar import sessions

    asked = sessions(pd.Timestamp("2025-05-01"), pd.Timestamp("2026-04-30"))
    assert nse.calls["indices"] == nse.calls["equities"] == len(asked) == 246


class NoNetwork(requests.adapters.BaseAdapter):
    """Every request fails as it does with no network: the name does not resolve."""

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def, override]
        host = requests.utils.urlparse(request.url).netloc
        raise requests.ConnectionError(
            f"HTTPSConnectionPool(host='{host}', port=443): Max retries exceeded (Caused by "
            f"NameResolutionError(\"Failed to resolve '{host}' ([Errno -3] Temporary failure "
            "in name resolution)\"))")

    def close(self) -> None:
        pass


def _offline_session() -> requests.Session:
    s = requests.Session()
    s.mount("https://", NoNetwork())
    s.mount("http://", NoNetwork())
    return s


def test_with_no_network_report_market_india_exits_1_and_gives_no_symbol_advice(
        tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Before: exit 2 and "check the symbol (NSE tickers end in .NS)" for 250 valid symbols."""
    from rerating.data.providers.nse import NSEProvider

    monkeypatch.setattr(NSEProvider, "__init__", partialmethod(
        NSEProvider.__init__, session=_offline_session(), sleep=lambda s: None))
    monkeypatch.setattr(YahooProvider, "__init__", partialmethod(
        YahooProvider.__init__, session=_offline_session(), sleep=lambda s: None))
    store = tmp_path / "store"
    code = main(["--data-dir", str(store), "report", "--market", "india", "-o",
                 str(tmp_path / "note"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1, err
    errors = [x for x in err.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "could not be reached" in errors[0], err
    assert "check the symbol" not in err
    # a symbol no list knows still gets the advice, the known ones do not
    code = main(["--data-dir", str(store), "report", "--market", "india", "--small",
                 "NOSUCHCO.NS,AARTIIND.NS", "-o", str(tmp_path / "note"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    line = next(x for x in err.splitlines() if x.startswith("error:"))
    assert "check the symbol NOSUCHCO.NS" in line and "AARTIIND.NS (NSE" not in line
