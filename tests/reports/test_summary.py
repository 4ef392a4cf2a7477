"""The demo findings agree with an independent plain-pandas computation from the store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, demo_market
from rerating.reports.summary import findings, ordinal_percentile, summary_lines


@pytest.fixture(scope="module")
def f(demo_store):  # type: ignore[no-untyped-def]
    m = demo_market()
    return findings(demo_store, SMALL_INDEX, LARGE_INDEX, m.universe("demo-small"), m.universe("demo-large"))


def test_findings_match_plain_pandas(demo_store, f) -> None:  # type: ignore[no-untyped-def]
    p = demo_store.read("prices", [SMALL_INDEX]).set_index("date").close
    monthly = p.resample("ME").last().pct_change()
    assert f.month_return == pytest.approx(monthly.iloc[-1], rel=1e-12)
    assert f.best.since.strftime("%Y-%m") == "2014-05"
    assert f.rank.rank == int((monthly.iloc[:-1] > monthly.iloc[-1]).sum()) + 1
    v = demo_store.read("index_valuation").pivot(index="date", columns="index", values="pe")
    gap = v[SMALL_INDEX] / v[LARGE_INDEX] - 1
    assert f.gap == pytest.approx(gap.iloc[-1])
    # one base for both percentiles, as the dashboard: month-end gaps (this month's is today's)
    month_end = gap.dropna().resample("ME").last().dropna()
    assert f.gap_percentile == pytest.approx((month_end <= month_end.iloc[-1]).mean())
    assert f.gap_before_percentile == pytest.approx((month_end.iloc[:-1] <= month_end.iloc[-2]).mean())
    assert f.source == "demo:synthetic"
    assert len(f.value_traps) == 8
    assert set(f.value_traps.index) == set(demo_market().companies.query("story == 'value_trap'").ticker)
    assert np.isfinite(f.breadth_small) and f.breadth_small > f.breadth_large


def test_summary_lines_say_synthetic_and_as_of(f) -> None:  # type: ignore[no-untyped-def]
    lines = summary_lines(f)
    assert lines[0].startswith("Source: SYNTHETIC demo data")
    assert "as of 30 Apr 2026" in lines[0]
    assert pd.Timestamp(f.as_of) == pd.Timestamp("2026-04-30")


@pytest.mark.parametrize(("share", "text"), [(0.52, "52nd"), (0.01, "1st"), (0.13, "13th"),
                                             (0.23, "23rd"), (1.0, "100th"), (0.111, "11th")])
def test_ordinal_percentile(share: float, text: str) -> None:
    assert ordinal_percentile(share) == f"{text} percentile"
