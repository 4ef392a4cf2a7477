"""Aggregate multiples, gaps and the re-rating decomposition, on hand-worked numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rerating.analytics import valuation as v
from rerating.errors import InputError

MC = [100.0, 200.0, 300.0]
E = [10.0, 10.0, -5.0]  # the third company makes a loss


def test_aggregate_multiple_excludes_loss_makers_by_default() -> None:
    # (100 + 200) / (10 + 10) = 15
    assert v.aggregate_multiple(MC, E) == pytest.approx(15.0)
    # including the loss-maker: 600 / 15 = 40
    assert v.aggregate_multiple(MC, E, loss_makers="include") == pytest.approx(40.0)


def test_median_and_harmonic() -> None:
    # company P/Es 10 and 20 (loss-maker never in a median)
    assert v.aggregate_multiple(MC, E, method="median") == pytest.approx(15.0)
    # earnings yields 0.10 and 0.05 -> mean 0.075 -> 13.333
    assert v.aggregate_multiple(MC, E, method="harmonic") == pytest.approx(1 / 0.075)
    # include: yields 0.1, 0.05, -0.01667 -> mean 0.04444 -> 22.5
    assert v.aggregate_multiple(MC, E, method="harmonic", loss_makers="include") == pytest.approx(22.5)


def test_detail_says_how_loss_makers_were_treated() -> None:
    d = v.aggregate_multiple_detail(MC, E)
    assert (d.value, d.n_used, d.n_loss_makers, d.loss_makers) == (pytest.approx(15.0), 2, 1, "exclude")


def test_all_loss_makers_give_nan_not_a_negative_pe() -> None:
    assert np.isnan(v.aggregate_multiple([10.0, 20.0], [-1.0, -2.0], loss_makers="include"))
    assert np.isnan(v.aggregate_multiple([10.0, 20.0], [-1.0, -2.0]))


def test_two_dimensional_gives_one_multiple_per_date() -> None:
    idx = pd.to_datetime(["2026-03-31", "2026-04-30"])
    mc = pd.DataFrame([[100.0, 200.0], [120.0, 260.0]], index=idx)
    e = pd.DataFrame([[10.0, 10.0], [10.0, -2.0]], index=idx)
    got = v.aggregate_multiple(mc, e)
    assert list(got.index) == list(idx)
    assert got.tolist() == [pytest.approx(15.0), pytest.approx(12.0)]
    assert v.aggregate_multiple(mc, e, method="median").tolist() == [pytest.approx(15.0), pytest.approx(12.0)]


def test_valuation_gap() -> None:
    assert v.valuation_gap(18.0, 20.0) == pytest.approx(-0.10)
    s = pd.Series([22.0, 18.0], index=pd.to_datetime(["2024-06-28", "2026-03-31"]))
    la = pd.Series([20.0, 21.0, 19.0], index=pd.to_datetime(["2024-06-28", "2025-01-01", "2026-03-31"]))
    gap = v.valuation_gap(s, la)
    assert gap.tolist() == [pytest.approx(0.10), pytest.approx(18 / 19 - 1)]
    with pytest.raises(InputError, match="large 0 is not a positive multiple"):
        v.valuation_gap(18.0, 0.0)


def test_gap_percentile_and_zscore() -> None:
    hist = [0.10, 0.20, -0.10, 0.05, -0.05]
    # -0.05: two of five observations at or below it
    assert v.gap_percentile(hist) == pytest.approx(0.4)
    assert v.gap_percentile(hist, at=2) == pytest.approx(1 / 3)  # -0.10 among the first three
    # [1, 2, 3, 4, 10]: mean 4, sample sd sqrt(50/4) -> z = 6 / 3.5355 = 1.6971
    assert v.gap_zscore([1, 2, 3, 4, 10]) == pytest.approx(6 / np.sqrt(12.5))
    assert v.gap_zscore([100, 1, 2, 3, 4, 10], lookback=5) == pytest.approx(6 / np.sqrt(12.5))
    dated = pd.Series(hist, index=pd.date_range("2026-01-31", periods=5, freq="ME"))
    assert v.gap_percentile(dated, at="2026-03-31") == pytest.approx(1 / 3)


def test_multiple_change_decomposition() -> None:
    # price 100 -> 130, EPS 10 -> 11: +30% = +10% EPS x +18.18% P/E (10 -> 11.818)
    res = v.multiple_change(100, 130, 10, 11)
    assert res.price_return == pytest.approx(0.30)
    assert res.eps_growth == pytest.approx(0.10)
    assert res.multiple_change == pytest.approx(13 / 11 - 1)
    with pytest.raises(InputError, match="eps_end -1 is not positive"):
        v.multiple_change(100, 130, 10, -1)


@given(p0=st.floats(1, 1e4), p1=st.floats(1, 1e4), e0=st.floats(0.01, 1e3), e1=st.floats(0.01, 1e3))
def test_return_decomposition_multiplies_back(p0: float, p1: float, e0: float, e1: float) -> None:
    r = v.multiple_change(p0, p1, e0, e1)
    # g and m are stored as changes, so 1 + g and 1 + m each carry an absolute error of about
    # one ulp of 1; multiplied by the other factor, that bounds the error of the product.
    g1, m1 = 1 + r.eps_growth, 1 + r.multiple_change
    ulp = np.finfo(float).eps
    assert abs(g1 * m1 - (1 + r.price_return)) <= 4 * ulp * (g1 + m1) + 1e-12 * (1 + r.price_return)


class TestArrays:
    def test_multiple_change_arrays(self) -> None:
        r = v.multiple_change(np.array([100.0, 50.0]), np.array([130.0, 40.0]),
                              np.array([10.0, 5.0]), np.array([11.0, 5.0]))
        np.testing.assert_allclose(r.price_return, [0.3, -0.2])
        np.testing.assert_allclose(r.multiple_change, [13 / 11 - 1, -0.2])

    def test_gap_percentile_array(self) -> None:
        assert v.gap_percentile(np.array([0.10, 0.20, -0.10, 0.05, -0.05])) == pytest.approx(0.4)
