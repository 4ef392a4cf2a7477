"""The findings of the seed note, computed from the store: what happened, why, the risk.

Used by ``rerating demo`` for its printed summary. Every line names its source and as-of date;
synthetic data says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rerating.analytics import rally, revisions, valuation
from rerating.data import model
from rerating.data.frames import latest_snapshot, wide_prices
from rerating.data.store import Store


@dataclass(frozen=True)
class Findings:
    source: str
    as_of: pd.Timestamp
    index: str
    month_return: float
    best: rally.BestSince
    rank: rally.PeriodRank
    pe_small: float
    pe_large: float
    gap: float
    gap_percentile: float
    gap_before: float
    gap_before_percentile: float
    gap_since: pd.Timestamp
    breadth_small: float
    breadth_large: float
    value_traps: pd.DataFrame


def findings(store: Store, small_index: str, large_index: str, small: list[str],
             large: list[str], as_of: object = None, window: str = "MTD") -> Findings:
    closes = wide_prices(store, [small_index, large_index, *small], end=as_of)
    monthly = rally.period_returns(closes[small_index], "M")
    best = rally.best_since(monthly)
    rank = rally.period_rank(monthly)
    vals = store.require("index_valuation", [small_index, large_index], end=as_of)
    pe = vals.pivot(index="date", columns="index", values="pe").dropna()
    gap_hist = valuation.valuation_gap(pe[small_index], pe[large_index])
    month_end = valuation.month_end_values(gap_hist)
    before = month_end.iloc[-2]
    est = latest_snapshot(store.read("estimates", small + large), as_of)
    est = est[est["period"] == "0y"].set_index("ticker")
    b_small = revisions.revision_breadth(est.reindex(small)["up_30d"], est.reindex(small)["down_30d"], axis=0)
    b_large = revisions.revision_breadth(est.reindex(large)["up_30d"], est.reindex(large)["down_30d"], axis=0)
    table = rally.rally_table(closes[small], closes[small_index], window)
    rev = revisions.eps_revision(est["eps_now"], est["eps_30d_ago"])
    traps = revisions.value_traps(table["return"], rev)
    source = store.sources([small_index]).get(small_index, "unknown")
    return Findings(
        source=source, as_of=closes.index[-1], index=small_index,
        month_return=float(monthly.iloc[-1]), best=best, rank=rank,
        pe_small=float(pe[small_index].iloc[-1]), pe_large=float(pe[large_index].iloc[-1]),
        # one base for both statements (and the dashboard's): month-end gaps, this month's
        # being today's
        gap=float(gap_hist.iloc[-1]), gap_percentile=valuation.gap_percentile(month_end),
        gap_before=float(before), gap_before_percentile=valuation.gap_percentile(month_end.iloc[:-1]),
        gap_since=pd.Timestamp(month_end.index[0]),
        breadth_small=float(b_small), breadth_large=float(b_large), value_traps=traps)


def ordinal_percentile(share: float) -> str:
    """0.52 -> '52nd percentile' (0.01 -> '1st', 0.13 -> '13th')."""
    n = round(100 * share)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} percentile"


def summary_lines(f: Findings) -> list[str]:
    label = "SYNTHETIC demo data (fictional companies)" if model.is_synthetic(f.source) else f.source
    when = f.as_of.strftime("%d %b %Y")
    month = f.best.period.strftime("%B %Y")
    if f.best.best_ever:
        best = "the best month on record"
    else:
        best = (f"the best month since {f.best.since.strftime('%B %Y')} "
                f"({f.best.since_value:+.1%}), with {f.best.periods_between} months in between")
    traps = ", ".join(f.value_traps.index[:5]) + (" and more" if len(f.value_traps) > 5 else "")
    return [
        f"Source: {label} [{f.source}], as of {when}.",
        f"What happened: {f.index} returned {f.month_return:+.1%} in {month}: {best}; "
        f"rank {f.rank.rank} of {f.rank.count} months.",
        f"Why: small-cap P/E {f.pe_small:.1f} vs large-cap {f.pe_large:.1f} (gap {f.gap:+.1%}, "
        f"{ordinal_percentile(f.gap_percentile)} of month-end gaps since {f.gap_since:%b %Y}); "
        f"before the rally it was {f.gap_before:+.1%} ({ordinal_percentile(f.gap_before_percentile)} "
        "of month-end gaps up to then).",
        f"Revisions: 30-day EPS revision breadth (current FY) small caps {f.breadth_small:+.2f} "
        f"vs large caps {f.breadth_large:+.2f}.",
        f"Risk: {len(f.value_traps)} value-trap candidates (top-quintile rally, estimates not "
        f"raised){': ' + traps if len(f.value_traps) else ''}.",
    ]


__all__ = ["Findings", "findings", "summary_lines"]
