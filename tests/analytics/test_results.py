"""Results season arithmetic against hand-worked cases (issue 32): Indian fiscal quarters,
surprise against the consensus held before the announcement, growth, a season's aggregates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rerating.analytics import results as r
from rerating.errors import InputError


@pytest.mark.parametrize("label, end", [
    ("Q4FY26", "2026-03-31"), ("Q1FY26", "2025-06-30"), ("Q2 FY26", "2025-09-30"),
    ("q3fy2026", "2025-12-31"), ("Q1 FY2027", "2026-06-30"), ("2026-03-31", "2026-03-31"),
])
def test_a_quarter_is_its_label_or_its_end_the_same_everywhere(label: str, end: str) -> None:
    assert r.quarter_end(label) == pd.Timestamp(end)
    assert r.quarter_end(r.quarter_label(end)) == pd.Timestamp(end)


def test_labels_follow_the_indian_fiscal_year() -> None:
    # Q4 FY26 is January to March 2026; Q1 FY27 April to June 2026
    assert r.quarter_label("2026-03-31") == "Q4FY26"
    assert r.quarter_label("2026-06-30") == "Q1FY27"
    assert r.quarter_label("2025-12-31") == "Q3FY26"
    assert r.year_before("Q4FY26") == pd.Timestamp("2025-03-31")


@pytest.mark.parametrize("bad, said", [
    ("2026-03-30", r"is not a quarter's end; .*\(did you mean 2026-03-31, Q4FY26\?\)"),
    ("Q5FY26", "neither a quarter label"),
    ("March", "neither a quarter label"),
])
def test_a_period_that_is_no_quarter_is_refused(bad: str, said: str) -> None:
    with pytest.raises(InputError, match=said):
        r.quarter_end(bad)


def test_surprise_against_the_consensus_and_its_verdict() -> None:
    # EPS 10.6 against 10.0: +6%, a beat at 5%; 10.4: +4%, in line; 9.0: -10%, a miss
    assert r.surprise(10.6, 10.0).value == pytest.approx(0.06)
    assert r.surprise(10.6, 10.0).verdict == r.BEAT
    assert r.surprise(10.4, 10.0).verdict == r.IN_LINE
    assert r.surprise(9.0, 10.0).verdict == r.MISS
    assert r.surprise(10.4, 10.0, threshold=0.03).verdict == r.BEAT  # the user's band
    # a loss expected, or no consensus: undefined and said, never a number
    s = r.surprise(2.0, -1.0)
    assert math.isnan(s.value) and s.verdict is None and "a loss" in s.why
    assert "no consensus" in r.surprise(2.0, float("nan")).why
    with pytest.raises(InputError, match=r"threshold -0\.05"):
        r.surprise(1.0, 1.0, threshold=-0.05)


def test_growth_from_a_loss_is_no_percentage() -> None:
    assert r.growth(120.0, 100.0) == pytest.approx(0.20)
    assert r.growth(-20.0, 100.0) == pytest.approx(-1.20)
    assert math.isnan(r.growth(60.0, -50.0))  # a recovery, not -220%
    assert math.isnan(r.growth(60.0, 0.0))


def _results() -> pd.DataFrame:
    """Three companies, Q4 FY25 and Q4 FY26 (values in ₹ crore and ₹), one revised filing."""
    rows = [
        # ticker, period_end, announced, basis, revenue, pat, eps
        ("A.NS", "2025-03-31", "2025-04-20", "consolidated", 1000.0, 100.0, 10.0),
        ("A.NS", "2026-03-31", "2026-04-18", "consolidated", 1150.0, 120.0, 12.0),
        ("A.NS", "2026-03-31", "2026-04-18", "standalone", 900.0, 90.0, 9.0),
        ("B.NS", "2025-03-31", "2025-05-02", "consolidated", 500.0, -20.0, -2.0),
        ("B.NS", "2026-03-31", "2026-05-05", "consolidated", 600.0, 30.0, 3.0),
        ("C.NS", "2025-03-31", "2025-04-25", "consolidated", 2000.0, 200.0, 20.0),
        ("C.NS", "2026-03-31", "2026-04-24", "consolidated", 2100.0, 150.0, 15.0),
        # C revised its figures a week later: the revision is what counts
        ("C.NS", "2026-03-31", "2026-05-01", "consolidated", 2100.0, 160.0, 16.0),
    ]
    f = pd.DataFrame(rows, columns=["ticker", "period_end", "announced", "basis", "revenue_cr",
                                    "pat_cr", "eps"])
    for c in ("period_end", "announced"):
        f[c] = pd.to_datetime(f[c])
    return f


def _consensus() -> pd.DataFrame:
    rows = [
        # ticker, period_end, as_of, eps_mean, analysts
        ("A.NS", "2026-03-31", "2026-04-01", 11.0, 12.0),
        ("A.NS", "2026-03-31", "2026-04-18", 99.0, 12.0),  # the announcement day: never used
        ("B.NS", "2026-03-31", "2026-04-30", 3.5, 4.0),
        ("C.NS", "2026-03-31", "2026-04-10", 16.2, 20.0),
    ]
    f = pd.DataFrame(rows, columns=["ticker", "period_end", "as_of", "eps_mean", "analysts"])
    f["period_end"], f["as_of"] = pd.to_datetime(f["period_end"]), pd.to_datetime(f["as_of"])
    return f.assign(source="import:broker.csv")


def test_each_quarter_meets_the_consensus_held_before_it_and_last_year() -> None:
    q = r.company_quarters(_results(), _consensus()).set_index(["ticker", "quarter"])
    a = q.loc[("A.NS", "Q4FY26")]
    assert a["basis"] == "consolidated"  # preferred where both exist
    assert a["eps_surprise"] == pytest.approx(12.0 / 11.0 - 1)  # +9.1%, not against 99
    assert a["verdict"] == "beat" and a["consensus_as_of"] == pd.Timestamp("2026-04-01")
    assert a["revenue_growth"] == pytest.approx(0.15) and a["pat_growth"] == pytest.approx(0.20)
    b = q.loc[("B.NS", "Q4FY26")]
    assert b["eps_surprise"] == pytest.approx(3.0 / 3.5 - 1) and b["verdict"] == "miss"
    assert math.isnan(b["pat_growth"])  # from a loss
    c = q.loc[("C.NS", "Q4FY26")]
    assert c["eps"] == 16.0  # the revised filing
    assert c["eps_surprise"] == pytest.approx(16.0 / 16.2 - 1) and c["verdict"] == "in line"


def test_a_consensus_changed_after_the_announcement_does_not_move_the_surprise() -> None:
    before = r.company_quarters(_results(), _consensus())
    later = _consensus()
    later.loc[len(later)] = ["A.NS", pd.Timestamp("2026-03-31"), pd.Timestamp("2026-04-25"),
                             5.0, 14.0, "import:broker.csv"]
    after = r.company_quarters(_results(), later)
    pd.testing.assert_series_equal(before["eps_surprise"], after["eps_surprise"])


def test_a_season_counts_beats_and_aggregates_growth_over_the_same_companies() -> None:
    q = r.company_quarters(_results(), _consensus())
    s = r.season(q, ["A.NS", "B.NS", "C.NS", "D.NS"], "Q4FY26")
    assert (s.members, s.reported, s.beats, s.in_line, s.misses) == (4, 3, 1, 1, 1)
    assert s.pending == ["D.NS"]
    assert s.beat_share == pytest.approx(1 / 3)
    # median of +9.09%, -14.29%, -1.23%
    assert s.median_surprise == pytest.approx(16.0 / 16.2 - 1)
    # revenue: (1150 + 600 + 2100) / (1000 + 500 + 2000) - 1 = 10.0%
    assert s.revenue_growth == pytest.approx(3850 / 3500 - 1)
    # PAT: (120 + 30 + 160) / (100 - 20 + 200) - 1 = 10.71%, with B's loss a year ago said
    assert s.pat_growth == pytest.approx(310 / 280 - 1) and s.loss_makers == 1
    # as the season stood on 30 April 2026: B had not reported, and C's first filing (EPS 15
    # against 16.2, -7.4%: a miss) stood before its revision of 1 May
    early_q = r.company_quarters(_results(), _consensus(), as_of="2026-04-30")
    early = r.season(early_q, ["A.NS", "B.NS", "C.NS"], "2026-03-31", as_of="2026-04-30")
    assert early.reported == 2 and early.pending == ["B.NS"]
    assert (early.beats, early.misses) == (1, 1)


def test_the_season_works_on_plain_arrays_of_the_same_values() -> None:
    """As empyrical's tests do: nothing depends on a pandas index by accident."""
    res = _results().reset_index(drop=True)
    res.index = np.arange(10, 10 + len(res))
    q = r.company_quarters(res, _consensus())
    assert r.season(q, ["A.NS", "B.NS", "C.NS"], "Q4FY26").reported == 3
