"""DCF arithmetic against hand-worked and textbook stable-growth cases, plus identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rerating.analytics import dcf
from rerating.errors import InputError


def test_cost_of_equity_capm() -> None:
    # 7% + 1.2 x 5.5% = 13.6%
    assert dcf.cost_of_equity(0.07, 1.2, 0.055) == pytest.approx(0.136, abs=1e-15)


def test_justified_pe_gordon_textbook() -> None:
    # payout 50%, g 5%, r 10%: forward 0.5 / 0.05 = 10; trailing 10 x 1.05 = 10.5
    assert dcf.justified_pe(0.5, 0.05, 0.10, basis="forward") == pytest.approx(10.0)
    assert dcf.justified_pe(0.5, 0.05, 0.10) == pytest.approx(10.5)
    # payout 40%, g 6%, r 11%: forward 0.4 / 0.05 = 8
    assert dcf.justified_pe(0.4, 0.06, 0.11, basis="forward") == pytest.approx(8.0)


def test_justified_pb() -> None:
    # forward ROE 15%, g 5%, r 10%: (0.15 - 0.05) / (0.10 - 0.05) = 2
    assert dcf.justified_pb(0.15, 0.05, 0.10, basis="forward") == pytest.approx(2.0)
    # trailing ROE 15% is 15.75% on next year's EPS: (0.1575 - 0.05) / 0.05 = 2.15
    assert dcf.justified_pb(0.15, 0.05, 0.10) == pytest.approx(2.15)
    # a forward ROE equal to the cost of equity is worth book
    assert dcf.justified_pb(0.12, 0.04, 0.12, basis="forward") == pytest.approx(1.0)
    # with a payout: ROE x justified P/E, 0.15 x 0.5 x 1.05 / 0.05 = 1.575, so P/B / P/E = ROE
    assert dcf.justified_pb(0.15, 0.05, 0.10, payout=0.5) == pytest.approx(1.575)
    assert dcf.justified_pb(0.15, 0.05, 0.10, payout=0.5) / dcf.justified_pe(0.5, 0.05, 0.10) == \
        pytest.approx(0.15)
    # ... and the payout growth allows (1 - g / forward ROE) gives the no-payout answer
    assert dcf.justified_pb(0.15, 0.05, 0.10, payout=1 - 0.05 / 0.1575) == pytest.approx(2.15)


def test_two_stage_pe_matches_the_written_out_sum() -> None:
    # 5 years at 20% growth paying out 20%, then 6% for ever paying out 60%, r = 12%.
    r, gh, gs = 0.12, 0.20, 0.06
    high = sum(0.2 * (1 + gh) ** t / (1 + r) ** t for t in range(1, 6))
    terminal = 0.6 * (1 + gh) ** 5 * (1 + gs) / ((r - gs) * (1 + r) ** 5)
    expected = high + terminal
    assert expected == pytest.approx(16.2024, abs=1e-4)  # 1.2358 + 14.9665
    assert dcf.two_stage_pe(0.2, gh, 5, 0.6, gs, r) == pytest.approx(expected, rel=1e-12)
    assert dcf.two_stage_pe(0.2, gh, 5, 0.6, gs, r, basis="forward") == pytest.approx(expected / 1.2)


def test_two_stage_with_no_high_growth_years_is_gordon() -> None:
    assert dcf.two_stage_pe(0.3, 0.25, 0, 0.5, 0.05, 0.10) == pytest.approx(10.5)


def test_two_stage_growth_equal_to_discount_rate_is_exact() -> None:
    # ratio (1+g)/(1+r) = 1: the high-growth part is payout x years
    got = dcf.two_stage_pe(0.25, 0.10, 4, 0.5, 0.05, 0.10)
    assert got == pytest.approx(0.25 * 4 + 0.5 * 1.1**4 * 1.05 / (0.05 * 1.1**4))


def test_two_stage_is_exact_where_growth_nears_the_discount_rate() -> None:
    # The case: (1+g)/(1+r) within np.isclose of 1 made the old shortcut jump (27.001350).
    ph, gh, n, ps, gs, r = 0.6, 0.1200056, 30, 0.6, 0.05, 0.12
    summed = sum(ph * (1 + gh) ** t / (1 + r) ** t for t in range(1, n + 1)) \
        + ps * (1 + gh) ** n * (1 + gs) / ((r - gs) * (1 + r) ** n)
    assert summed == pytest.approx(27.002745, abs=1e-6)
    assert dcf.two_stage_pe(ph, gh, n, ps, gs, r) == pytest.approx(summed, rel=1e-13)
    # continuous across g_h = r: no jump between either side and the point itself
    vals = [dcf.two_stage_pe(ph, r + d, n, ps, gs, r) for d in (-1e-9, 0.0, 1e-9)]
    assert abs(vals[0] - vals[1]) < 1e-6 and abs(vals[2] - vals[1]) < 1e-6


@given(q=st.floats(0.9, 1.1), n=st.integers(0, 60))
def test_geometric_sum_equals_the_written_out_sum(q: float, n: int) -> None:
    assert dcf._geometric_sum(q, n) == pytest.approx(sum(q**t for t in range(1, n + 1)),
                                                     rel=1e-13, abs=1e-13)


def test_fade_model_written_out_year_by_year() -> None:
    # payout 20% -> 50%, growth 15% for 2 years, fading over 2 years to 5%, r 10%:
    # year 1: g 15%, p 0.20; year 2: g 15%, p 0.20; year 3: g 10% (halfway), p 0.35;
    # year 4: g 5%, p 0.50; then 5% for ever at payout 0.50.
    e1, e2, e3, e4 = 1.15, 1.15 * 1.15, 1.15 * 1.15 * 1.10, 1.15 * 1.15 * 1.10 * 1.05
    pv = 0.20 * e1 / 1.1 + 0.20 * e2 / 1.1**2 + 0.35 * e3 / 1.1**3 + 0.50 * e4 / 1.1**4
    terminal = 0.50 * e4 * 1.05 / (0.05 * 1.1**4)
    assert pv + terminal == pytest.approx(12.28647, abs=1e-5)
    assert dcf.fade_pe(0.2, 0.15, 2, 2, 0.05, 0.10, payout_stable=0.5) == pytest.approx(
        pv + terminal, rel=1e-13)
    assert dcf.fade_pe(0.2, 0.15, 2, 2, 0.05, 0.10, 0.5, basis="forward") == pytest.approx(
        (pv + terminal) / 1.15, rel=1e-13)


def test_fade_model_contains_two_stage_and_gordon() -> None:
    assert dcf.fade_pe(0.2, 0.20, 5, 0, 0.06, 0.12, 0.6) == pytest.approx(
        dcf.two_stage_pe(0.2, 0.20, 5, 0.6, 0.06, 0.12), rel=1e-13)
    assert dcf.fade_pe(0.5, 0.30, 0, 0, 0.05, 0.10) == pytest.approx(10.5, rel=1e-13)


def test_fade_reverse_refuses_in_words_when_no_growth_justifies_the_multiple() -> None:
    with pytest.raises(InputError, match="cannot be justified under this terminal growth"):
        dcf.fade_implied_growth(5000, 0.2, 5, 5, 0.06, 0.12)
    with pytest.raises(InputError, match="no growth path justifies it"):
        dcf.fade_implied_growth(0.01, 0.2, 5, 5, 0.06, 0.12, payout_stable=0.5)
    with pytest.raises(InputError, match="no growth left to solve"):
        dcf.fade_implied_growth(10, 0.2, 0, 0, 0.06, 0.12)


@given(payout=st.floats(0.05, 0.9), gh=st.floats(-0.2, 0.6), n=st.integers(1, 15),
       m=st.integers(0, 15), gt=st.floats(0.0, 0.08), spread=st.floats(0.02, 0.1),
       basis=st.sampled_from(["trailing", "forward"]))
def test_fade_reverse_returns_its_input(payout: float, gh: float, n: int, m: int, gt: float,
                                        spread: float, basis: str) -> None:
    r = gt + spread
    pe = dcf.fade_pe(payout, gh, n, m, gt, r, basis=basis)
    assume(basis == "trailing" or n >= 2)  # a forward P/E with one high year does not move with it
    assert dcf.fade_implied_growth(pe, payout, n, m, gt, r, basis=basis) == pytest.approx(
        gh, abs=1e-9)


@given(pe=st.floats(5, 80), erp_from=st.floats(0.03, 0.09), cut=st.floats(0.0, 0.02),
       rf=st.floats(0.05, 0.09), beta=st.floats(0.6, 1.6), payout=st.floats(0.05, 0.6))
def test_fade_lower_erp_never_lowers_the_multiple_and_stays_measured(
        pe: float, erp_from: float, cut: float, rf: float, beta: float, payout: float) -> None:
    try:
        res = dcf.multiple_adjustment(pe, erp_from, erp_from - cut, rf, beta, payout)
    except InputError:  # a multiple no growth in -50%..+100% explains: said in words
        return
    assert res.model == "fade" and res.factor >= 1.0 - 1e-12
    coe0, coe1 = dcf.cost_of_equity(rf, beta, erp_from), dcf.cost_of_equity(rf, beta, erp_from - cut)
    g_gordon = dcf.implied_growth(pe, payout, coe0)
    if 0.06 <= g_gordon < coe1 - 1e-6:
        # a rich multiple: the single-stage model, all growth for ever, is the upper bound
        gordon = dcf.multiple_adjustment(pe, erp_from, erp_from - cut, rf, beta, payout,
                                         model="gordon")
        assert res.factor <= gordon.factor * (1 + 1e-12)


def test_multiple_adjustment_fade_names_what_it_held() -> None:
    # P/E 21.6, payout 15%, rf 7%, beta 1, ERP 5.5% -> 5.0%: coe 12.5% -> 12.0%
    res = dcf.multiple_adjustment(21.6, 0.055, 0.05, 0.07, 1.0, 0.15)
    assert res.model == "fade"
    assert res.held == ("growth implied by today's P/E for 10 years, fading over 10 years to "
                        "6.0% terminal (fade model)")
    assert dcf.fade_pe(0.15, res.implied_growth, 10, 10, 0.06, 0.125) == pytest.approx(21.6, rel=1e-12)
    assert res.new_pe == pytest.approx(dcf.fade_pe(0.15, res.implied_growth, 10, 10, 0.06, 0.12),
                                       rel=1e-12)
    gordon = dcf.multiple_adjustment(21.6, 0.055, 0.05, 0.07, 1.0, 0.15, model="gordon")
    assert 1.0 < res.factor < 1.2 < gordon.factor  # measured, where Gordon explodes (x2.8)


def test_reverse_dcf() -> None:
    # trailing P/E 10.5 with payout 50% at r 10% implies g = (1.05 - 0.5) / 11 = 5%
    assert dcf.implied_growth(10.5, 0.5, 0.10) == pytest.approx(0.05)
    assert dcf.implied_growth(10.0, 0.5, 0.10, basis="forward") == pytest.approx(0.05)
    # ... and an ERP of 3% with rf 7%, beta 1
    assert dcf.implied_erp(10.5, 0.5, 0.05, 0.07, 1.0) == pytest.approx(0.03)
    assert dcf.implied_erp(10.0, 0.5, 0.05, 0.07, 0.5, basis="forward") == pytest.approx(0.06)


def test_multiple_adjustment_after_erp_falls() -> None:
    # P/E 10.5, ERP 3% -> 2%, rf 7%, beta 1, payout 50%: g = 5%, new r = 9%,
    # new P/E = 0.5 x 1.05 / 0.04 = 13.125, factor 1.25
    res = dcf.multiple_adjustment(10.5, 0.03, 0.02, 0.07, 1.0, 0.5, model="gordon")
    assert res.implied_growth == pytest.approx(0.05)
    assert res.coe_from == pytest.approx(0.10) and res.coe_to == pytest.approx(0.09)
    assert res.new_pe == pytest.approx(13.125)
    assert res.factor == pytest.approx(1.25)


def test_multiple_adjustment_with_a_growth_upgrade() -> None:
    # Same, ERP unchanged, growth +1pt: 0.5 x 1.06 / (0.10 - 0.06) = 13.25
    res = dcf.multiple_adjustment(10.5, 0.03, 0.03, 0.07, 1.0, 0.5, growth_change=0.01,
                                  model="gordon")
    assert res.new_pe == pytest.approx(13.25)


def test_dcf_value_three_years_and_terminal() -> None:
    cfs = [100.0, 110.0, 121.0]
    # each year discounts to 90.909...: 100/1.1 = 110/1.21 = 121/1.331
    assert dcf.dcf_value(cfs, 0.10) == pytest.approx(3 * 100 / 1.1)
    # TV = 121 x 1.05 / 0.05 = 2541, discounted 2541 / 1.331 = 1909.090...
    assert dcf.dcf_value(cfs, 0.10, terminal_growth=0.05) == pytest.approx(3 * 100 / 1.1 + 2541 / 1.331)
    # exit multiple 15: TV = 1815, PV 1363.636...
    assert dcf.dcf_value(cfs, 0.10, terminal_multiple=15) == pytest.approx(3 * 100 / 1.1 + 1815 / 1.331)
    # mid-year: every explicit flow half a year earlier
    assert dcf.dcf_value(cfs, 0.10, mid_year=True) == pytest.approx(3 * 100 / 1.1 * 1.1**0.5)


def test_terminal_multiple_and_its_inverse() -> None:
    assert dcf.terminal_multiple(0.05, 0.10) == pytest.approx(21.0)
    assert dcf.terminal_growth(21.0, 0.10) == pytest.approx(0.05)


def test_target_price() -> None:
    assert dcf.target_price(50.0, 20.0) == 1000.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: dcf.justified_pe(0.5, 0.15, 0.12), "growth 0.15 is not below cost of equity 0.12"),
    (lambda: dcf.justified_pe(-0.1, 0.05, 0.12), "payout -0.1 is negative"),
    (lambda: dcf.justified_pe(0.5, 0.05, 0.12, basis="ttm"), "basis 'ttm'"),
    (lambda: dcf.implied_growth(-8, 0.5, 0.1), "pe -8 is not positive"),
    (lambda: dcf.dcf_value([], 0.1), "cash_flows is empty"),
    (lambda: dcf.dcf_value([1, 2], 0.08, terminal_growth=0.09), "growth 0.09 is not below discount rate 0.08"),
    (lambda: dcf.dcf_value([1, 2], 0.08, terminal_growth=0.02, terminal_multiple=10), "not both"),
    (lambda: dcf.target_price(-2, 10), "eps -2 is not positive"),
    (lambda: dcf.two_stage_pe(0.2, 0.2, 2.5, 0.5, 0.05, 0.1), "years 2.5"),
    (lambda: dcf.cost_of_equity("abc", 1, 0.05), "rf 'abc' is not a number"),
])
def test_meaningless_inputs_raise_input_errors_naming_them(call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        call()
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_broadcasts_over_arrays() -> None:
    got = dcf.justified_pe(0.5, np.array([0.03, 0.05]), np.array([[0.10], [0.12]]), basis="forward")
    assert got.shape == (2, 2)
    np.testing.assert_allclose(got, [[0.5 / 0.07, 0.5 / 0.05], [0.5 / 0.09, 0.5 / 0.07]])
    with pytest.raises(InputError, match=r"growth 0\.05 is not below cost of equity 0\.05"):
        dcf.justified_pe(0.5, np.array([0.03, 0.05]), 0.05)


rates = st.floats(0.02, 0.25)
payouts = st.floats(0.0, 1.0)
bases = st.sampled_from(["trailing", "forward"])


@given(payout=st.floats(0.05, 1.0), g=st.floats(-0.05, 0.15), spread=st.floats(0.005, 0.2), basis=bases)
def test_reverse_dcf_returns_the_growth_it_was_given(payout: float, g: float, spread: float, basis: str) -> None:
    r = g + spread
    pe = dcf.justified_pe(payout, g, r, basis=basis)
    assert dcf.implied_growth(pe, payout, r, basis=basis) == pytest.approx(g, abs=1e-9)


@given(payout=st.floats(0.05, 1.0), g=st.floats(-0.05, 0.12), rf=st.floats(0.0, 0.1),
       beta=st.floats(0.3, 2.0), erp=st.floats(0.02, 0.1), basis=bases)
def test_implied_erp_inverts_justified_pe(payout: float, g: float, rf: float, beta: float, erp: float,
                                          basis: str) -> None:
    coe = dcf.cost_of_equity(rf, beta, erp)
    if coe - g < 0.005:
        return
    pe = dcf.justified_pe(payout, g, coe, basis=basis)
    assert dcf.implied_erp(pe, payout, g, rf, beta, basis=basis) == pytest.approx(erp, abs=1e-9)


@given(pe=st.floats(4, 80), erp_from=st.floats(0.03, 0.1), cut=st.floats(0.0, 0.03),
       rf=st.floats(0.04, 0.09), beta=st.floats(0.5, 1.8), payout=st.floats(0.05, 0.9), basis=bases)
def test_lower_erp_never_lowers_the_multiple(pe: float, erp_from: float, cut: float, rf: float,
                                             beta: float, payout: float, basis: str) -> None:
    g = dcf.implied_growth(pe, payout, dcf.cost_of_equity(rf, beta, erp_from), basis=basis)
    # Below this the lower cost of equity no longer exceeds growth: no finite multiple exists.
    assume(dcf.cost_of_equity(rf, beta, erp_from - cut) > g + 1e-6)
    res = dcf.multiple_adjustment(pe, erp_from, erp_from - cut, rf, beta, payout, basis=basis,
                                  model="gordon")
    assert res.factor >= 1.0 - 1e-12
    assert res.new_pe >= pe * (1 - 1e-12)


@given(g=st.floats(-0.05, 0.1), spread=st.floats(0.01, 0.2))
def test_terminal_multiple_round_trip(g: float, spread: float) -> None:
    r = g + spread
    assert dcf.terminal_growth(dcf.terminal_multiple(g, r), r) == pytest.approx(g, abs=1e-9)


@given(cf=st.lists(st.floats(-1e3, 1e4), min_size=1, max_size=15), r=st.floats(0.01, 0.3),
       m=st.floats(1, 40))
def test_exit_multiple_equals_the_growth_it_implies(cf: list[float], r: float, m: float) -> None:
    g = dcf.terminal_growth(m, r)
    by_growth = dcf.dcf_value(cf, r, terminal_growth=g)
    by_multiple = dcf.dcf_value(cf, r, terminal_multiple=m)
    assert by_growth == pytest.approx(by_multiple, rel=1e-9, abs=1e-6)


class TestArrays:
    """The same answers from plain ndarrays, elementwise (empyrical's TestStatsArrays habit)."""

    def test_justified_and_implied(self) -> None:
        payout = np.array([0.5, 0.4, 0.3])
        g = np.array([0.05, 0.06, 0.02])
        r = np.array([0.10, 0.11, 0.09])
        pe = dcf.justified_pe(payout, g, r)
        assert isinstance(pe, np.ndarray)
        np.testing.assert_allclose(pe, [10.5, 0.4 * 1.06 / 0.05, 0.3 * 1.02 / 0.07])
        np.testing.assert_allclose(dcf.implied_growth(pe, payout, r), g)

    def test_fade_model_arrays_equal_its_one_path_floats(self) -> None:
        # two implementations of one formula (floats for one stock, arrays for many): same sums
        payout, gh = np.array([0.2, 0.3, 0.15]), np.array([0.15, -0.05, 0.30])
        n, m, gt = np.array([2, 0, 10]), np.array([2, 5, 10]), np.array([0.05, 0.04, 0.06])
        r, ps = np.array([0.10, 0.11, 0.125]), np.array([0.5, 0.6, 0.53])
        for basis in ("trailing", "forward"):
            pe = dcf.fade_pe(payout, gh, n, m, gt, r, ps, basis=basis)
            one = [dcf.fade_pe(*(float(x[i]) for x in (payout, gh, n, m, gt, r, ps)), basis=basis)
                   for i in range(3)]
            np.testing.assert_allclose(pe, one, rtol=1e-13)
        assert dcf.fade_pe(payout, gh, n, m, gt, r, ps)[0] == pytest.approx(12.28647, abs=1e-5)
        np.testing.assert_allclose(
            dcf.fade_implied_growth(dcf.fade_pe(payout, gh, n, m, gt, r, ps), payout, n, m, gt, r, ps),
            gh, atol=1e-9)

    def test_multiple_adjustment(self) -> None:
        res = dcf.multiple_adjustment(np.array([10.5, 10.5]), 0.03, np.array([0.02, 0.03]), 0.07, 1.0,
                                      0.5, model="gordon")
        np.testing.assert_allclose(res.new_pe, [13.125, 10.5])
        np.testing.assert_allclose(res.factor, [1.25, 1.0])
