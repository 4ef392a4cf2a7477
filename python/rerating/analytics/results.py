"""Results season: what companies reported against what was expected before, and what the
season delivered. Pure functions over pandas frames; no store, no exchange.

Quarters are Indian fiscal quarters: FY26 runs from April 2025 to March 2026, so Q1 FY26 ends
on 30 June 2025 and Q4 FY26 on 31 March 2026. A period is written as its end date or its label,
and both mean one quarter everywhere (:func:`quarter_end`, :func:`quarter_label`).

Notes
-----
Surprise of a reported figure ``A`` against the consensus ``C`` held before the announcement:
``(A - C) / C``, defined only for ``C`` above a floor (a consensus at or below zero, a loss,
has no meaningful percentage: the sign flips). Classified a beat above ``+t``, a miss below
``-t``, in line between (``t`` = 5% by default).

Year-on-year growth of ``X`` against the same quarter a year before: ``X_t / X_{t-4} - 1``,
defined only for a positive base (growth from a loss is no percentage).

A season's aggregate growth is over the companies that reported both quarters:
``sum(X_t) / sum(X_{t-4}) - 1``; the loss-makers among them are counted and said, and an
aggregate base at or below zero leaves the growth undefined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rerating.errors import InputError

#: surprise band for "in line", as a fraction (5%)
DEFAULT_THRESHOLD = 0.05
BEAT, IN_LINE, MISS = "beat", "in line", "miss"
_LABEL = re.compile(r"^\s*Q\s*([1-4])\s*[-/ ]?\s*FY\s*'?(\d{2}|\d{4})\s*$", re.I)
_QUARTER_ENDS = {(3, 31), (6, 30), (9, 30), (12, 31)}


def quarter_end(period: Any) -> pd.Timestamp:
    """The end date of an Indian fiscal quarter given as its label (``Q4FY26``, ``Q4 FY2026``)
    or its end date (``2026-03-31``, a datetime). Anything else is refused, naming both forms.

    >>> quarter_end("Q4FY26")
    Timestamp('2026-03-31 00:00:00')
    """
    if isinstance(period, str):
        m = _LABEL.match(period)
        if m:
            q, fy = int(m[1]), int(m[2])
            fy = fy + 2000 if fy < 100 else fy
            year, month = (fy - 1, 3 * q + 3) if q < 4 else (fy, 3)
            return pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)
        if not re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", period):
            raise InputError(f"period {period!r} is neither a quarter label (Q4FY26) nor a "
                             "quarter's end date (2026-03-31)")
        try:
            day = pd.Timestamp(period.strip())
        except ValueError:
            raise InputError(f"period {period!r} is not a real date") from None
    else:
        try:
            day = pd.Timestamp(period)
        except (TypeError, ValueError):
            raise InputError(f"period {period!r} is not a quarter") from None
    day = day.normalize()
    if (day.month, day.day) not in _QUARTER_ENDS:
        end = day + pd.offsets.QuarterEnd(0)
        raise InputError(f"period {day:%Y-%m-%d} is not a quarter's end; Indian fiscal quarters "
                         f"end on 30 June, 30 September, 31 December and 31 March (did you mean "
                         f"{end:%Y-%m-%d}, {quarter_label(end)}?)")
    return day


def quarter_label(period: Any) -> str:
    """``Q4FY26`` for the quarter ending 31 March 2026 (the Indian fiscal year ends in March)."""
    day = quarter_end(period)
    q = {6: 1, 9: 2, 12: 3, 3: 4}[day.month]
    fy = day.year + (1 if day.month > 3 else 0)
    return f"Q{q}FY{fy % 100:02d}"


def year_before(period: Any) -> pd.Timestamp:
    """The same quarter a year earlier."""
    return quarter_end(pd.Timestamp(quarter_end(period)) - pd.DateOffset(years=1)
                       + pd.offsets.MonthEnd(0))


# -- one company, one quarter ------------------------------------------------------------------
@dataclass(frozen=True)
class Surprise:
    """A reported figure against the consensus held before it was announced."""

    actual: float
    consensus: float
    value: float  # (actual - consensus) / consensus; NaN when undefined
    verdict: str | None  # beat, in line, miss; None when undefined
    why: str = ""  # why it is undefined


def surprise(actual: float, consensus: float, threshold: float = DEFAULT_THRESHOLD,
             floor: float = 0.0) -> Surprise:
    """The surprise of ``actual`` against ``consensus`` and its verdict at ``threshold``.

    Undefined (NaN, no verdict, and said) when there is no consensus, when the consensus is
    at or below ``floor`` (a loss expected: the percentage's sign means nothing) or when the
    figure is missing."""
    if not np.isfinite(threshold) or threshold < 0:
        raise InputError(f"threshold {threshold} must be a fraction at or above 0 (0.05 for 5%)")
    a, c = float(actual), float(consensus)
    if not np.isfinite(c):
        return Surprise(a, c, float("nan"), None, "no consensus before the announcement")
    if not np.isfinite(a):
        return Surprise(a, c, float("nan"), None, "no reported figure")
    if c <= floor:
        return Surprise(a, c, float("nan"), None,
                        f"consensus {c:g} is {'a loss' if c < 0 else 'near zero'}: no "
                        "percentage surprise")
    value = (a - c) / c
    verdict = BEAT if value > threshold else MISS if value < -threshold else IN_LINE
    return Surprise(a, c, value, verdict)


def growth(current: float, year_ago: float) -> float:
    """Year-on-year growth ``current / year_ago - 1``; NaN for a base at or below zero."""
    c, p = float(current), float(year_ago)
    if not (np.isfinite(c) and np.isfinite(p)) or p <= 0:
        return float("nan")
    return c / p - 1


def consensus_before(consensus: pd.DataFrame, ticker: str, period_end: pd.Timestamp,
                     announced: pd.Timestamp) -> pd.Series | None:
    """The latest consensus row for ``ticker``'s quarter dated strictly before the day it was
    announced (a consensus of the announcement day or later knew the figure), or None."""
    if consensus.empty or pd.isna(announced):
        return None
    day = pd.Timestamp(announced).normalize()
    rows = consensus[(consensus["ticker"] == ticker) & (consensus["period_end"] == period_end)
                     & (consensus["as_of"] < day)]
    if rows.empty:
        return None
    return rows.sort_values("as_of").iloc[-1]


# -- the results of one company, and of a season ------------------------------------------------
def current_filings(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (ticker, quarter): the latest filing (a revision replaces the figures), the
    consolidated one where both exist."""
    if results.empty:
        return results
    rank = results["basis"].map({"consolidated": 0, "standalone": 1}).fillna(2)
    f = results.assign(_rank=rank).sort_values(["ticker", "period_end", "_rank", "announced"],
                                               ascending=[True, True, True, False])
    return f.drop_duplicates(["ticker", "period_end"], keep="first").drop(columns="_rank") \
        .reset_index(drop=True)


def company_quarters(results: pd.DataFrame, consensus: pd.DataFrame,
                     threshold: float = DEFAULT_THRESHOLD, as_of: Any = None) -> pd.DataFrame:
    """Each reported quarter with its surprise (EPS, and PAT and revenue where a consensus has
    them), the consensus used (its date, source and analysts), and year-on-year growth of
    revenue, PAT and EPS against the same quarter and basis a year before. ``as_of``: only the
    filings announced by then (a revision made later does not count yet)."""
    if as_of is not None and len(results):
        results = results[results["announced"] <= pd.Timestamp(as_of)]
    cur = current_filings(results)
    # the quarter was first announced with its first filing: a consensus dated on or after
    # that day knew the figure, whatever revision came later
    first = results.groupby(["ticker", "period_end"])["announced"].min() if len(results) \
        else pd.Series(dtype="datetime64[ns]")
    rows = []
    by_key = {(r.ticker, r.period_end, r.basis): r for r in cur.itertuples(index=False)}
    for r in cur.itertuples(index=False):
        announced = first.get((r.ticker, r.period_end), r.announced)
        pre = consensus_before(consensus, r.ticker, r.period_end, announced)
        eps_c = float(pre["eps_mean"]) if pre is not None else float("nan")
        s = surprise(r.eps, eps_c, threshold)
        pat_c = float(pre["pat_mean"]) if pre is not None and "pat_mean" in pre else float("nan")
        rev_c = float(pre["revenue_mean"]) if pre is not None and "revenue_mean" in pre \
            else float("nan")
        ago = by_key.get((r.ticker, year_before(r.period_end), r.basis))
        rows.append({
            "ticker": r.ticker, "period_end": r.period_end, "quarter": quarter_label(r.period_end),
            "announced": announced, "revised": r.announced if r.announced != announced
            else pd.NaT, "basis": r.basis,
            "revenue_cr": r.revenue_cr, "pat_cr": r.pat_cr, "eps": r.eps,
            "consensus_eps": eps_c, "consensus_as_of": pre["as_of"] if pre is not None else pd.NaT,
            "consensus_source": pre["source"] if pre is not None else "",
            "analysts": float(pre["analysts"]) if pre is not None and "analysts" in pre
            else float("nan"),
            "eps_surprise": s.value, "verdict": s.verdict or "", "why": s.why,
            "pat_surprise": surprise(r.pat_cr, pat_c, threshold).value,
            "revenue_surprise": surprise(r.revenue_cr, rev_c, threshold).value,
            "revenue_growth": growth(r.revenue_cr, ago.revenue_cr) if ago else float("nan"),
            "pat_growth": growth(r.pat_cr, ago.pat_cr) if ago else float("nan"),
            "eps_growth": growth(r.eps, ago.eps) if ago else float("nan"),
            "revenue_year_ago": ago.revenue_cr if ago else float("nan"),
            "pat_year_ago": ago.pat_cr if ago else float("nan"),
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Season:
    """One season of one universe: who reported, how they fared, what they delivered."""

    quarter: str
    members: int
    reported: int
    beats: int
    in_line: int
    misses: int
    no_consensus: int
    median_surprise: float
    revenue_growth: float
    pat_growth: float
    both_years: int  # companies with the quarter and the one a year before
    loss_makers: int  # of those, a loss in either year
    pending: list[str] = field(default_factory=list)

    @property
    def beat_share(self) -> float:
        judged = self.beats + self.in_line + self.misses
        return self.beats / judged if judged else float("nan")

    @property
    def miss_share(self) -> float:
        judged = self.beats + self.in_line + self.misses
        return self.misses / judged if judged else float("nan")


def season(quarters: pd.DataFrame, members: list[str], period: Any,
           as_of: Any = None) -> Season:
    """The season of ``period`` for the companies ``members`` (as the universe stood for the
    season), from :func:`company_quarters`' rows announced on or before ``as_of``."""
    end = quarter_end(period)
    q = quarters[(quarters["period_end"] == end) & quarters["ticker"].isin(members)] \
        if len(quarters) else quarters
    if as_of is not None and len(q):
        q = q[q["announced"] <= pd.Timestamp(as_of)]
    verdicts = q["verdict"].value_counts() if len(q) else pd.Series(dtype=int)
    both = q[np.isfinite(q["revenue_year_ago"].astype(float))] if len(q) else q
    pat_both = both[np.isfinite(both["pat_year_ago"].astype(float))] if len(both) else both
    losses = int(((pat_both["pat_cr"] <= 0) | (pat_both["pat_year_ago"] <= 0)).sum()) \
        if len(pat_both) else 0
    base = float(pat_both["pat_year_ago"].sum()) if len(pat_both) else float("nan")
    pat_g = float(pat_both["pat_cr"].sum()) / base - 1 if len(pat_both) and base > 0 \
        else float("nan")
    rev_base = float(both["revenue_year_ago"].sum()) if len(both) else float("nan")
    rev_g = float(both["revenue_cr"].sum()) / rev_base - 1 if len(both) and rev_base > 0 \
        else float("nan")
    surprises = q["eps_surprise"].astype(float) if len(q) else pd.Series(dtype=float)
    reported = set(q["ticker"]) if len(q) else set()
    return Season(
        quarter_label(end), len(set(members)), len(reported), int(verdicts.get(BEAT, 0)),
        int(verdicts.get(IN_LINE, 0)), int(verdicts.get(MISS, 0)),
        int((q["verdict"] == "").sum()) if len(q) else 0,
        float(surprises.median()) if surprises.notna().any() else float("nan"),
        rev_g, pat_g, len(pat_both), losses,
        sorted(set(members) - reported))
