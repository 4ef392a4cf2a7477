"""Filled templates, recalculated by LibreOffice, against rerating.analytics (rel. diff < 1e-9)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rerating.analytics import dcf, rally, revisions, valuation
from rerating.data.frames import latest_snapshot, wide_prices
from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, demo_market
from rerating.workbooks import content, engine
from rerating.workbooks.libreoffice import recalculate, soffice, values_by_name

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")]

TOL = 1e-9


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=1e-12)


def _pick(story: str) -> str:
    comp = demo_market().companies
    return str(comp.loc[comp["story"] == story, "ticker"].iloc[0])


@pytest.fixture(scope="module")
def computed(demo_store, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Build every template from the demo store, recalculate all in one LibreOffice run."""
    out = tmp_path_factory.mktemp("recalc")
    m = demo_market()
    tickers = {"plain": m.universe("demo-small")[0], "trap": _pick("value_trap"),
               "large": m.universe("demo-large")[3], "loss": _pick("loss_maker"),
               "retains_little": m.universe("demo-small")[0]}
    files = {}
    for key, t in tickers.items():
        c = content.dcf(demo_store, t)
        if key == "retains_little":  # pays out 90%: keeps too little to grow as consensus says
            c.values["rr_payout_reported"] = 0.9
        if key == "loss":  # the demo's loss-makers are profitable at its as-of: make one not
            c.values["rr_eps_ttm"] = -2.5
        files[key] = engine.build(c, out / f"dcf_{key}.xlsx").path
    files["comps"] = engine.build(content.comps(demo_store, m.universe("demo-small"), LARGE_INDEX, "MTD",
                                     universe="demo-small"), out / "comps.xlsx").path
    files["dash"] = engine.build(content.dashboard(demo_store, SMALL_INDEX, LARGE_INDEX, m.universe("demo-small"),
                                        m.universe("demo-large"), "MTD"), out / "dash.xlsx").path
    recalculate(list(files.values()), out / "calc")
    return {k: values_by_name(out / "calc" / p.name) for k, p in files.items()}, tickers


@pytest.mark.parametrize("key", ["plain", "trap", "large"])
def test_dcf_model_matches_the_core(computed, key: str) -> None:  # type: ignore[no-untyped-def]
    got = computed[0][key]
    rf, beta, erp, payout = got["in_rf"], got["rr_beta_reported"], got["in_erp"], got["rr_payout_reported"]
    growth, tg, exit_pe = got["in_growth"], got["in_terminal_growth"], got["in_exit_pe"]
    eps0, price, bvps = got["rr_eps_ttm"], got["rr_price"], got["rr_bvps"]
    assert (rf, erp, tg, exit_pe) == (0.07, 0.055, 0.06, 18)  # the template's defaults
    assert got["in_beta"] == beta and got["in_payout"] == payout  # defaults follow Data
    coe = dcf.cost_of_equity(rf, beta, erp)
    assert close(got["val_coe"], coe)
    eps = eps0 * np.cumprod(1 + np.asarray(growth))
    divs = payout * eps
    # the terminal stage pays out what growth no longer needs: 1 - g / ROE (never less)
    roe = eps0 / bvps
    p_t = max(payout, 1 - tg / roe) if roe > tg else payout
    assert close(got["in_payout_terminal"], p_t)

    def perpetuity(k: float, g: float) -> float:  # explicit dividends + the terminal stage
        return dcf.dcf_value(divs, k) + eps[-1] * p_t * (1 + g) / (k - g) / (1 + k) ** len(eps)

    assert all(close(a, b) for a, b in zip(got["val_eps"], eps, strict=True))
    assert close(got["val_dcf_perpetuity"], perpetuity(coe, tg))
    assert close(got["val_dcf_exit"], dcf.dcf_value(divs, coe, terminal_multiple=exit_pe / payout))
    assert close(got["val_justified_pe"], dcf.justified_pe(p_t, tg, coe))
    assert close(got["val_justified_pb"], dcf.justified_pb(eps0 / bvps, tg, coe, payout=p_t))
    assert close(got["val_implied_growth"], dcf.implied_growth(price / eps0, p_t, coe))
    assert close(got["val_upside"], got["val_dcf_perpetuity"] / price - 1)
    # Sensitivity: the centre of the grid is the model's value; the rest re-run the core
    grid = np.asarray(got["sens_value"], dtype=float).reshape(5, 5)
    for i, de in enumerate((-0.01, -0.005, 0, 0.005, 0.01)):
        k = dcf.cost_of_equity(rf, beta, erp + de)
        for j, dg in enumerate((-0.01, -0.005, 0, 0.005, 0.01)):
            assert close(grid[i, j], perpetuity(k, tg + dg)), (i, j)
        assert close(got["sens_pe"][i], dcf.justified_pe(p_t, tg, k))
    assert close(grid[2, 2], got["val_dcf_perpetuity"])
    # Multiples: the ERP falls by half a point and EPS is upgraded 5%
    # The fade model, 10 years at the implied growth fading over 10 to the terminal growth,
    # payout constant; the single-stage (Gordon) figure beside it as the bound.
    fade = {"model": "fade", "terminal_growth": tg, "years_high": 10, "years_fade": 10}
    adj = dcf.multiple_adjustment(price / eps0, erp, erp - 0.005, rf, beta, payout, **fade)
    assert close(got["mul_implied_growth"], adj.implied_growth)
    assert close(got["mul_new_pe"], adj.new_pe)
    assert close(got["mul_factor"], adj.factor)
    assert close(got["mul_target"], dcf.target_price(eps0 * 1.05, adj.new_pe))
    gordon = dcf.multiple_adjustment(price / eps0, erp, erp - 0.005, rf, beta, payout, model="gordon")
    assert close(got["mul_gordon_growth"], gordon.implied_growth)
    assert close(got["mul_gordon_pe"], gordon.new_pe)
    for e_, pe_, gp in zip(got["mul_sens_erp"], got["mul_sens_pe"], got["mul_sens_gordon"], strict=True):
        assert close(pe_, dcf.fade_pe(payout, adj.implied_growth, 10, 10, tg, dcf.cost_of_equity(rf, beta, e_)))
        k = dcf.cost_of_equity(rf, beta, e_)
        assert close(gp, dcf.justified_pe(payout, gordon.implied_growth, k)) if k > gordon.implied_growth \
            else gp is None or isinstance(gp, str)
    assert np.all(np.diff(np.asarray(got["mul_sens_pe"], dtype=float)) < 0)  # strictly monotone
    for g_t, implied, pe_ in zip(got["mul_tsens_g"], got["mul_tsens_implied"], got["mul_tsens_pe"], strict=True):
        a = dcf.multiple_adjustment(price / eps0, erp, erp - 0.005, rf, beta, payout,
                                    **{**fade, "terminal_growth": g_t})
        assert close(implied, a.implied_growth) and close(pe_, a.new_pe)
    assert close(got["mul_rev_30d"], revisions.eps_revision(got["rr_eps_fy1"], got["rr_eps_fy1_30d"]))
    assert close(got["mul_rev_90d"], revisions.eps_revision(got["rr_eps_fy1"], got["rr_eps_fy1_90d"]))
    assert close(got["mul_breadth"], revisions.revision_breadth(got["rr_up_30d"], got["rr_down_30d"]))


def test_dashboard_multiples_are_the_notes_fade_model(computed, demo_store) -> None:  # type: ignore[no-untyped-def]
    """The dashboard's 'What it means' block, recalculated by LibreOffice, is the note's figure:
    the fade model with the payout rising to 1 - g / ROE, the Gordon bound beside it."""
    got = computed[0]["dash"]
    vals = demo_store.read("index_valuation", [SMALL_INDEX, LARGE_INDEX])
    wide = vals.pivot_table(index="date", columns="index", values="pe", aggfunc="last").dropna()
    small = vals[vals["index"] == SMALL_INDEX].sort_values("date")
    pe_now, pb, dy = wide[SMALL_INDEX].iloc[-1], small["pb"].iloc[-1], small["div_yield"].iloc[-1]
    payout, roe = dy / 100 * pe_now, pb / pe_now
    assert close(got["dash_pe_now"], pe_now) and close(got["dash_payout"], payout)

    def fade(erp_to: float, g_t: float) -> dcf.MultipleAdjustment:
        return dcf.multiple_adjustment(pe_now, 0.055, erp_to, 0.07, 1.0, payout, model="fade",
                                       terminal_growth=g_t, years_high=10, years_fade=10,
                                       payout_stable=max(payout, 1 - g_t / roe))

    adj = fade(0.05, 0.06)
    assert close(got["dash_payout_stable"], max(payout, 1 - 0.06 / roe))
    assert close(got["dash_implied_growth"], adj.implied_growth)
    assert close(got["dash_fair_pe"], adj.new_pe) and close(got["dash_fair_change"], adj.factor - 1)
    gordon = dcf.multiple_adjustment(pe_now, 0.055, 0.05, 0.07, 1.0, payout, model="gordon")
    assert close(got["dash_gordon_growth"], gordon.implied_growth)
    assert close(got["dash_gordon_pe"], gordon.new_pe)
    for e_, pe_ in zip(got["dash_sens_erp"], got["dash_sens_pe"], strict=True):
        assert close(pe_, fade(e_, 0.06).new_pe)
    for g_t, implied, pe_ in zip(got["dash_tsens_g"], got["dash_tsens_implied"], got["dash_tsens_pe"], strict=True):
        assert close(implied, fade(0.05, g_t).implied_growth) and close(pe_, fade(0.05, g_t).new_pe)


def test_dcf_model_data_is_the_store_as_of(computed, demo_store) -> None:  # type: ignore[no-untyped-def]
    got = computed[0]["plain"]
    t = computed[1]["plain"]
    px = demo_store.read("prices", [t]).sort_values("date")
    assert got["rr_price"] == px["close"].iloc[-1]
    assert got["rr_ticker"] == t and got["rr_source"] == "demo:synthetic" and got["rr_is_synthetic"] == 1
    f = latest_snapshot(demo_store.read("fundamentals", [t])).iloc[-1]
    assert got["rr_eps_ttm"] == f["trailing_eps"]
    assert pd.Timestamp(got["rr_as_of"]) == px["date"].iloc[-1]


def test_loss_maker_shows_na_where_the_core_refuses(computed) -> None:  # type: ignore[no-untyped-def]
    got = computed[0]["loss"]
    assert got["rr_eps_ttm"] == -2.5
    assert got["val_pe"] == "#N/A" and got["val_implied_growth"] == "#N/A"
    with pytest.raises(ValueError, match="not positive"):
        dcf.implied_growth(got["rr_price"] / got["rr_eps_ttm"], got["in_payout"], got["val_coe"])


def test_comps_match_the_core(computed, demo_store) -> None:  # type: ignore[no-untyped-def]
    got = computed[0]["comps"]
    names = demo_market().universe("demo-small")
    n = len(names)
    assert got["cmp_count"] == n
    assert got["cmp_ticker"][:n] == names and got["cmp_ticker"][n] in (None, "")
    closes = wide_prices(demo_store, [*names, LARGE_INDEX])
    table = rally.rally_table(closes[names], closes[LARGE_INDEX], "MTD")
    ret = np.asarray(got["cmp_return"][:n], dtype=float)
    assert np.allclose(ret, table["return"].reindex(names).to_numpy(), rtol=TOL, atol=0)
    assert [int(x) for x in got["cmp_rank"][:n]] == table["rank"].reindex(names).astype(int).tolist()
    fund = latest_snapshot(demo_store.read("fundamentals", names)).set_index("ticker").reindex(names)
    price = closes[names].iloc[-1].to_numpy()
    mcap = fund["shares_outstanding"].to_numpy() * price
    earnings = mcap / price * fund["trailing_eps"].to_numpy()
    assert close(got["cmp_agg_pe"], valuation.aggregate_multiple(mcap, earnings))
    # the loss-maker policy at work: the demo's four loss-makers show n/m and stay out of the
    # aggregate, which would be higher with their losses counted
    losing = [t for t, e in zip(names, fund["trailing_eps"], strict=True) if e <= 0]
    assert len(losing) == 4
    assert [got["cmp_pe"][names.index(t)] for t in losing] == ["n/m"] * 4
    assert got["cmp_agg_pe"] < valuation.aggregate_multiple(mcap, earnings, loss_makers="include")
    bench_pe = demo_store.read("index_valuation", [LARGE_INDEX]).sort_values("date")["pe"].iloc[-1]
    assert close(got["cmp_gap"], valuation.valuation_gap(got["cmp_agg_pe"], bench_pe))
    pe = np.asarray([x for x in got["cmp_pe"][:n] if isinstance(x, float)])
    assert close(got["cmp_median_pe"], float(np.median(pe)))
    est = latest_snapshot(demo_store.read("estimates", names))
    est = est[est["period"] == "0y"].set_index("ticker").reindex(names)
    rev = revisions.eps_revision(est["eps_now"], est["eps_30d_ago"])
    traps = revisions.value_traps(table["return"], rev)
    flagged = {t for t, f in zip(names, got["cmp_trap"][:n], strict=True) if f == "VALUE TRAP?"}
    assert flagged == set(traps.index) and len(flagged) == 8 == got["cmp_traps"]
    # sector medians (array formulas), every sector
    sectors = fund["sector"].tolist()
    assert [x for x in got["sec_name"] if x] == sorted(set(sectors))
    for k, sec in enumerate(sorted(set(sectors))):
        pes = [p for p, s in zip(got["cmp_pe"][:n], sectors, strict=True) if s == sec and isinstance(p, float)]
        assert close(got["sec_median_pe"][k], float(np.median(pes))), sec
        assert got["sec_count"][k] == sectors.count(sec)


def test_dashboard_matches_the_core(computed, demo_store) -> None:  # type: ignore[no-untyped-def]
    got = computed[0]["dash"]
    closes = wide_prices(demo_store, [SMALL_INDEX, LARGE_INDEX])
    monthly = rally.period_returns(closes[SMALL_INDEX], "M").dropna()
    best = rally.best_since(monthly)
    rank = rally.period_rank(monthly)
    assert close(got["dash_return"], best.value)
    assert got["dash_rank"] == rank.rank == 3 and got["dash_count"] == rank.count
    assert pd.Timestamp(got["dash_best_since"]) == best.since
    # a date shown "mmm yyyy" by its number format (no TEXT() format string: locale-proof)
    assert pd.Timestamp(got["dash_best_since_text"]).strftime("%b %Y") == "May 2014"
    assert got["dash_between"] == best.periods_between
    vals = demo_store.read("index_valuation", [SMALL_INDEX, LARGE_INDEX])
    pe = vals.pivot(index="date", columns="index", values="pe").dropna()
    gap = valuation.valuation_gap(pe[SMALL_INDEX], pe[LARGE_INDEX]).resample("ME").last().dropna()
    assert close(got["dash_gap"], gap.iloc[-1])
    assert close(got["dash_gap_before"], gap.iloc[-2])
    assert close(got["dash_gap_pct"], valuation.gap_percentile(gap))
    assert close(got["dash_gap_p10"], float(np.percentile(gap, 10)))
    m = demo_market()
    est = latest_snapshot(demo_store.read("estimates", m.universe("demo-small") + m.universe("demo-large")))
    est = est[est["period"] == "0y"].set_index("ticker")
    small, large = est.reindex(m.universe("demo-small")), est.reindex(m.universe("demo-large"))
    assert close(got["dash_breadth_small"], revisions.revision_breadth(small["up_30d"].sum(), small["down_30d"].sum()))
    assert close(got["dash_breadth_large"], revisions.revision_breadth(large["up_30d"].sum(), large["down_30d"].sum()))
    assert got["dash_traps"] == 8
    b = rally.breadth(wide_prices(demo_store, m.universe("demo-small")), window="MTD")
    assert close(got["dash_share_up"], b.up)


def test_dashboard_sector_rotation_matches_the_core(computed, demo_store) -> None:  # type: ignore[no-untyped-def]
    """The dashboard's sector block and beta tilt, recalculated by LibreOffice, against
    rally.sector_rotation and rally.beta_tilt (themselves checked against a hand-worked case)."""
    from rerating.data.frames import latest_snapshot

    got = computed[0]["dash"]
    m = demo_market()
    small = m.universe("demo-small")
    closes = wide_prices(demo_store, [LARGE_INDEX, *small])
    fund = latest_snapshot(demo_store.read("fundamentals", small), closes.index[-1]) \
        .drop_duplicates("ticker", keep="last").set_index("ticker")
    table = rally.rally_table(closes[small], closes[LARGE_INDEX], "MTD", sectors=fund["sector"].reindex(small))
    monthly = closes[small].resample("ME").last().pct_change(fill_method=None)
    rot = rally.sector_rotation(table["return"], table["sector"], monthly, table["beta"])
    tilt = rally.beta_tilt(table["return"], table["beta"], rot)
    n = len(rot)
    assert [close(a, b) for a, b in zip(got["dash_sector_excess"][:n], rot["excess"], strict=True)] == [True] * n
    assert [close(a, b) for a, b in zip(got["dash_sector_beta"][:n], rot["beta"], strict=True)] == [True] * n
    assert all(v in ("", None) for v in got["dash_sector_excess"][n:])
    assert close(got["dash_high_beta"], tilt.high_beta_return)
    assert close(got["dash_low_beta"], tilt.low_beta_return)
    assert close(got["dash_beta_spread"], tilt.spread)
    assert close(got["dash_sector_corr"], tilt.sector_correlation)


@pytest.mark.parametrize("key", ["plain", "trap", "large", "retains_little"])
def test_growth_inputs_are_checked_against_roe_times_retention(computed, key: str) -> None:  # type: ignore[no-untyped-def]
    """Earnings grow by what is kept times what it earns: growth inputs above ROE x (1 - payout)
    assume a rising ROE or a falling payout, and the book flags them in words."""
    got = computed[0][key]
    roe, payout = got["rr_eps_ttm"] / got["rr_bvps"], got["in_payout"]
    assert close(got["val_sustainable_growth"], roe * (1 - payout))
    above = max(got["in_growth"]) > roe * (1 - payout) + 0.0005
    assert got["val_growth_flag"] == ("FLAG" if above else "ok")
    if key == "retains_little":
        assert above and got["val_growth_flag"] == "FLAG"
    # the default growth is the consensus, fading to terminal growth by year 6
    g1 = got["rr_eps_fy1"] / got["rr_eps_ttm"] - 1
    g2 = got["rr_eps_fy2"] / got["rr_eps_fy1"] - 1
    want = [g1, g2, *(g2 + (0.06 - g2) * i / 4 for i in (1, 2, 3))]
    assert all(close(a, b) for a, b in zip(got["in_growth"], want, strict=True))
