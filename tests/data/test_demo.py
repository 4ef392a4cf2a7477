"""The synthetic demo market: deterministic, honest about being synthetic, and shaped like the
seed note. Expected facts are checked with plain pandas, not with rerating.analytics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from rerating.data.providers.base import Query
from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, DemoProvider, build_market

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_same_seed_same_bytes_as_recorded(demo) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("mdh", FIXTURES / "make_demo_hashes.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    recorded = json.loads((FIXTURES / "demo_hashes.json").read_text())
    assert mod.fingerprint(demo) == recorded["sha256"]


def test_another_seed_gives_another_market(demo) -> None:  # type: ignore[no-untyped-def]
    other = build_market(seed=1)
    assert not np.allclose(other.prices.close.to_numpy()[:5000], demo.prices.close.to_numpy()[:5000])


def test_size_sectors_and_span(demo) -> None:  # type: ignore[no-untyped-def]
    c = demo.companies
    assert (c.segment == "small").sum() >= 250
    assert (c.segment == "large").sum() >= 50
    assert c.sector.nunique() >= 10
    assert demo.prices.date.min() == pd.Timestamp("2005-01-03")
    assert demo.prices.date.max() == pd.Timestamp("2026-04-30")


def test_fictional_and_labelled_synthetic(demo) -> None:  # type: ignore[no-untyped-def]
    assert demo.prices.ticker.str.endswith(".DEMO").all()
    assert demo.companies.name.str.contains("synthetic").all()
    frame = DemoProvider().fetch("prices", Query.of([SMALL_INDEX], "2026-04-01", "2026-04-30"))
    assert set(frame.source) == {"demo:synthetic"}


def _monthly(demo, ticker: str) -> pd.Series:  # type: ignore[no-untyped-def]
    s = demo.prices[demo.prices.ticker == ticker].set_index("date").close
    return s.resample("ME").last().pct_change().dropna()


def test_april_2026_is_the_small_cap_best_month_since_may_2014(demo) -> None:  # type: ignore[no-untyped-def]
    m = _monthly(demo, SMALL_INDEX)
    april = m.loc["2026-04-30"]
    assert april > 0.10
    between = m.loc["2014-06-01":"2026-03-31"]
    assert (between < april).all()
    assert m.loc["2014-05-31"] > april
    assert (m.loc[:"2014-05-31"] >= april).sum() >= 2  # not the best ever either


def test_small_caps_de_rated_through_2024_2025_while_earnings_grew(demo) -> None:  # type: ignore[no-untyped-def]
    v = demo.index_valuation[demo.index_valuation["index"] == SMALL_INDEX].set_index("date")
    peak = v.loc["2024-01-01":"2024-12-31", "pe"].max()
    trough = v.loc["2026-03-31", "pe"]
    assert trough < 0.75 * peak
    lv = demo.index_valuation[demo.index_valuation["index"] == LARGE_INDEX].set_index("date")
    assert trough < lv.loc["2026-03-31", "pe"]  # small caps at a discount before the rally
    price = demo.prices[demo.prices.ticker == SMALL_INDEX].set_index("date").close
    # Earnings = price / P/E: grew while the multiple compressed.
    e_2024 = price.loc["2024-06-28"] / v.loc["2024-06-28", "pe"]
    e_2026 = price.loc["2026-03-31"] / v.loc["2026-03-31", "pe"]
    assert e_2026 > 1.05 * e_2024  # +9% here: the de-rating is not a profit collapse


def test_upward_revisions_are_concentrated_in_small_caps(demo) -> None:  # type: ignore[no-untyped-def]
    e = demo.estimates
    e = e[(e.as_of == e.as_of.max()) & (e.period == "0y")].merge(demo.companies, on="ticker")
    by_seg = e.groupby("segment")[["up_30d", "down_30d"]].sum()
    breadth = (by_seg.up_30d - by_seg.down_30d) / (by_seg.up_30d + by_seg.down_30d)
    assert breadth["small"] > 0.5
    assert breadth["small"] > breadth["large"] + 0.3


def test_value_traps_rallied_while_estimates_were_cut(demo) -> None:  # type: ignore[no-untyped-def]
    c = demo.companies
    traps = c[c.story == "value_trap"].ticker
    p = demo.prices.pivot(index="date", columns="ticker", values="close")
    april = p.loc["2026-04-30"] / p.loc["2026-03-31"] - 1
    small = april[c[c.segment == "small"].ticker]
    assert (small[traps] >= small.quantile(0.8)).all()
    e = demo.estimates
    e = e[(e.as_of == e.as_of.max()) & (e.period == "0y")].set_index("ticker")
    assert (e.loc[traps, "eps_now"] < e.loc[traps, "eps_30d_ago"]).all()


def test_estimates_consistent_across_snapshots(demo) -> None:  # type: ignore[no-untyped-def]
    """This month's "30 days ago" is last month's "now" for the same fiscal year."""
    e = demo.estimates
    t = demo.companies.ticker.iloc[60]
    mar = e[(e.ticker == t) & (e.as_of == pd.Timestamp("2026-03-31")) & (e.period == "+1y")]
    apr = e[(e.ticker == t) & (e.as_of == pd.Timestamp("2026-04-30")) & (e.period == "0y")]
    assert apr.eps_30d_ago.iloc[0] == mar.eps_now.iloc[0]  # both are FY ending March 2027


def test_annual_eps_is_the_sum_of_fiscal_quarters(demo) -> None:  # type: ignore[no-untyped-def]
    h = demo.eps_history
    t = demo.companies.ticker.iloc[3]
    q = h[(h.ticker == t) & (h.freq == "Q")].set_index("period_end").eps
    a = h[(h.ticker == t) & (h.freq == "A")].set_index("period_end").eps
    fy26 = q.loc["2025-06-30":"2026-03-31"]
    assert len(fy26) == 4
    assert a.loc["2026-03-31"] == round(fy26.sum(), 2)


def test_revision_counts_tell_the_consensus_story() -> None:
    """The demo DCF book showed consensus EPS up 6.2% in 30 days with 0 upgrades and 0
    downgrades. Whenever a consensus moved, more analysts revised that way than the other."""
    from rerating.data.providers.demo import demo_market

    e = demo_market().estimates
    change = (e["eps_now"] - e["eps_30d_ago"]) / e["eps_30d_ago"].abs()
    rose, fell = change > 0.005, change < -0.005
    assert rose.sum() > 1000 and fell.sum() > 1000  # both directions are exercised
    assert (e.loc[rose, "up_30d"] > e.loc[rose, "down_30d"]).all()
    assert (e.loc[fell, "down_30d"] > e.loc[fell, "up_30d"]).all()
    assert (e["up_7d"] <= e["up_30d"]).all() and (e["down_7d"] <= e["down_30d"]).all()
    g = e[(e["ticker"] == "GAURISTE.DEMO") & (e["period"] == "0y")].iloc[-1]
    assert (g["eps_now"], g["eps_30d_ago"], g["up_30d"], g["down_30d"]) == (972.68, 942.72, 1.0, 0.0)
