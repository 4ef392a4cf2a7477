"""EPS revisions, revision breadth and the value-trap screen, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rerating.analytics import revisions as rv
from rerating.errors import InputError


def test_eps_revision() -> None:
    assert rv.eps_revision(11.0, 10.0) == pytest.approx(0.10)
    assert rv.eps_revision(-4.0, -5.0) == pytest.approx(0.20)  # a smaller loss is an upgrade
    assert rv.eps_revision(-6.0, -5.0) == pytest.approx(-0.20)
    assert np.isnan(rv.eps_revision(1.0, 0.0))


def test_revision_breadth_one_ticker_and_a_universe() -> None:
    assert rv.revision_breadth(12, 4) == pytest.approx(0.5)
    assert rv.revision_breadth(0, 3) == pytest.approx(-1.0)
    assert np.isnan(rv.revision_breadth(0, 0))
    ups, downs = np.array([3, 0, 5]), np.array([1, 2, 1])
    np.testing.assert_allclose(rv.revision_breadth(ups, downs), [0.5, -1.0, 4 / 6])
    # universe: (8 - 4) / 12
    assert rv.revision_breadth(ups, downs, axis=0) == pytest.approx(1 / 3)
    with pytest.raises(InputError, match="cannot be negative"):
        rv.revision_breadth(-1, 2)


def test_value_traps_screen() -> None:
    r = pd.Series({"A": 0.5, "B": 0.4, "C": 0.1, "D": 0.0, "E": -0.1})
    rev = pd.Series({"A": -0.02, "B": 0.03, "C": -0.05, "D": 0.0, "E": -0.2})
    # 60th percentile of [-0.1, 0, 0.1, 0.4, 0.5] (linear) = 0.1 + 0.4 x 0.3 = 0.22 -> A, B
    traps = rv.value_traps(r, rev, rally_quantile=0.6)
    assert list(traps.index) == ["A"]
    assert traps.loc["A", "return_percentile"] == pytest.approx(1.0)
    # With a looser "not raised" bar B (+3%) joins
    assert list(rv.value_traps(r, rev, rally_quantile=0.6, max_revision=0.05).index) == ["A", "B"]


def test_value_traps_ignore_tickers_without_estimates() -> None:
    r = pd.Series({"A": 0.5, "B": 0.4})
    assert rv.value_traps(r, pd.Series({"B": -0.1}), rally_quantile=0.0).index.tolist() == ["B"]


def test_value_traps_bad_quantile() -> None:
    with pytest.raises(InputError, match=r"rally_quantile 1\.5"):
        rv.value_traps(pd.Series({"A": 1.0}), pd.Series({"A": 0.0}), rally_quantile=1.5)
