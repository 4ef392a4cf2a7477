"""A deterministic synthetic Indian market for demos and offline tests. Every company is fictional.

It is shaped like the seed note: small caps de-rate through 2024-2025 while their earnings grow,
then April 2026 is the small-cap index's best month since May 2014, with upward EPS revisions
concentrated in small caps and a handful of rallying stocks whose estimates were cut (value
traps). Every row is labelled ``demo:synthetic``; tickers end in ``.DEMO``.

The same seed gives the same numbers on every machine: one seeded NumPy generator per component
(``SeedSequence.spawn``), prices rounded to the paisa, no dependence on the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from rerating.data import model
from rerating.data.providers.base import Provider, Query
from rerating.errors import UnknownTicker

DEFAULT_SEED = 20260430
START = pd.Timestamp("2005-01-03")
END = pd.Timestamp("2026-04-30")
N_SMALL, N_LARGE = 250, 50
SMALL_INDEX, LARGE_INDEX = "SMALL250.DEMO", "LARGE50.DEMO"
INDEX_NAMES = {SMALL_INDEX: "Demo Small Cap 250 (synthetic)",
               LARGE_INDEX: "Demo Large Cap 50 (synthetic)"}
#: fixed-date exchange holidays; the real calendar's moving festivals are not modelled
_HOLIDAYS = ((1, 26), (5, 1), (8, 15), (10, 2), (12, 25))

_SECTORS: dict[str, tuple[str, ...]] = {
    "Financials": ("Private Bank", "NBFC", "Insurance"),
    "Information Technology": ("IT Services", "Software Products"),
    "Consumer Staples": ("Packaged Foods", "Personal Care"),
    "Consumer Discretionary": ("Retail", "Consumer Durables", "Hotels"),
    "Industrials": ("Capital Goods", "Construction", "Logistics"),
    "Materials": ("Cement", "Steel", "Specialty Chemicals"),
    "Health Care": ("Pharmaceuticals", "Hospitals"),
    "Energy": ("Oil & Gas", "Renewables"),
    "Utilities": ("Power Utilities",),
    "Real Estate": ("Residential Developers",),
    "Automobiles": ("Auto Components", "Two Wheelers"),
    "Communication Services": ("Telecom", "Media"),
}
_STEMS = ("Arva", "Bhumi", "Chandra", "Dhruv", "Ekam", "Gaurik", "Harit", "Indra", "Jyotir",
          "Kaveri", "Lohit", "Mayur", "Nirmal", "Ojas", "Pranav", "Rudra", "Sarang", "Tanvir",
          "Udaya", "Vanya", "Yamun", "Zorav", "Amrit", "Deval", "Ishan", "Kiran", "Madhav",
          "Nakul", "Parth", "Ritvik")
_TAILS = ("tek", "vani", "dhan", "gati", "shila", "kosh", "prabha", "nidhi", "setu", "kanti")

# Segment trailing P/E anchors (date, small caps, large caps): the valuation story.
_PE_PATH = (
    ("2005-01-01", 18.0, 15.0), ("2007-12-31", 30.0, 25.0), ("2009-03-31", 10.5, 12.0),
    ("2010-10-31", 20.0, 22.0), ("2013-08-31", 14.5, 16.0), ("2014-06-30", 18.0, 19.0),
    ("2017-12-31", 32.0, 24.0), ("2020-03-31", 13.0, 17.0), ("2021-12-31", 28.0, 27.0),
    ("2023-06-30", 24.0, 22.0), ("2024-06-30", 33.0, 23.0), ("2025-06-30", 24.0, 22.0),
    ("2026-03-31", 17.5, 21.5), ("2026-06-30", 17.5, 21.5),
)


@dataclass(frozen=True)
class DemoMarket:
    """All tables of one synthetic market, in canonical shape (provenance filled at fetch)."""

    seed: int
    prices: pd.DataFrame
    fundamentals: pd.DataFrame
    estimates: pd.DataFrame
    eps_history: pd.DataFrame
    index_valuation: pd.DataFrame
    companies: pd.DataFrame  # ticker, name, sector, industry, segment, story

    def universe(self, name: str) -> list[str]:
        c = self.companies
        if name == "demo-small":
            return c.loc[c.segment == "small", "ticker"].tolist()
        if name == "demo-large":
            return c.loc[c.segment == "large", "ticker"].tolist()
        if name == "demo-indices":
            return [SMALL_INDEX, LARGE_INDEX]
        if name == "demo":
            return [*c["ticker"].tolist(), SMALL_INDEX, LARGE_INDEX]
        raise KeyError(name)


def demo_sessions(start: pd.Timestamp = START, end: pd.Timestamp = END) -> pd.DatetimeIndex:
    """Sessions of the demo market: weekdays less a few fixed-date holidays."""
    days = pd.bdate_range(start, end)
    md = list(zip(days.month, days.day, strict=True))
    keep = np.array([x not in _HOLIDAYS for x in md], dtype=bool)
    return days[keep]


def _interp_path(dates: pd.DatetimeIndex, column: int) -> np.ndarray:
    xs = pd.DatetimeIndex([pd.Timestamp(p[0]) for p in _PE_PATH]).asi8.astype(float)
    ys = np.array([p[column] for p in _PE_PATH])
    return np.interp(dates.asi8.astype(float), xs, ys)


def _monthly_targets(rng: np.random.Generator, months: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray]:
    """Monthly log returns of the large-cap and small-cap segment factors."""
    n = len(months)
    large = rng.normal(0.009, 0.045, n)
    spread = rng.normal(0.0, 0.025, n)
    key = {str(p): i for i, p in enumerate(months)}

    def put(arr: np.ndarray, month: str, value: float) -> None:
        if month in key:
            arr[key[month]] = value

    # Crises and recoveries that shape the history.
    for m, v in {"2008-01": -0.17, "2008-06": -0.12, "2008-10": -0.27, "2009-03": 0.09,
                 "2009-05": 0.25, "2011-11": -0.08, "2013-08": -0.05, "2016-11": -0.05,
                 "2020-03": -0.26, "2020-04": 0.14, "2020-11": 0.11, "2022-06": -0.05}.items():
        put(large, m, v)
    for m, v in {"2008-01": -0.10, "2008-10": -0.10, "2009-05": 0.12, "2014-05": 0.10,
                 "2017-12": 0.03, "2018-02": -0.05, "2018-10": -0.06, "2020-03": -0.07,
                 "2023-07": 0.02}.items():
        put(spread, m, v)
    small = 1.15 * large + spread
    start_i, end_i = key["2014-06"], key["2026-03"]
    # De-rating: small caps drift sideways from mid-2024 while large caps edge up.
    for i in range(key["2024-07"], key["2026-03"] + 1):
        large[i] = 0.004 + 0.5 * (large[i] - 0.009)
        small[i] = -0.006 + 0.5 * (small[i] - 0.01)
    # The story months: May 2014 (election rally) and April 2026, the best month since.
    small[key["2014-05"]] = 0.175
    large[key["2026-04"]] = 0.035
    small[key["2026-04"]] = 0.145
    small[start_i:end_i + 1] = np.minimum(small[start_i:end_i + 1], 0.085)
    return large, small


def _daily_from_monthly(rng: np.random.Generator, monthly: np.ndarray, month_of_day: np.ndarray,
                        days_in_month: np.ndarray, vol: float) -> np.ndarray:
    """Daily log returns whose sum in each month equals the monthly target exactly."""
    noise = rng.normal(0.0, vol, len(month_of_day))
    sums = np.bincount(month_of_day, weights=noise)
    noise -= (sums / days_in_month)[month_of_day]
    return monthly[month_of_day] / days_in_month[month_of_day] + noise


def _companies(rng: np.random.Generator) -> pd.DataFrame:
    sectors = list(_SECTORS)
    rows = []
    used: set[str] = set()
    names = [s + t for s in _STEMS for t in _TAILS]
    order = rng.permutation(len(names))
    for i in range(N_SMALL + N_LARGE):
        segment = "large" if i < N_LARGE else "small"
        sector = sectors[i % len(sectors)]
        industry = _SECTORS[sector][int(rng.integers(len(_SECTORS[sector])))]
        stem = names[order[i]]
        name = f"{stem} {industry.split()[0]} Ltd"
        base = (stem[:5] + industry.replace("&", "").split()[0][:3]).upper()
        ticker = base
        k = 1
        while ticker in used:
            k += 1
            ticker = f"{base}{k}"
        used.add(ticker)
        rows.append((f"{ticker}.DEMO", f"{name} (synthetic)", sector, industry, segment))
    frame = pd.DataFrame(rows, columns=["ticker", "name", "sector", "industry", "segment"])
    frame["story"] = ""
    small_idx = np.flatnonzero(frame.segment.to_numpy() == "small")
    picks = rng.choice(small_idx, 26, replace=False)
    frame.loc[picks[:8], "story"] = "value_trap"        # rallied, estimates cut
    frame.loc[picks[8:18], "story"] = "idiosyncratic"   # rallied on its own upgrades
    frame.loc[picks[18:26], "story"] = "loss_maker"     # earnings dip below zero at times
    return frame


def build_market(seed: int = DEFAULT_SEED) -> DemoMarket:
    """Generate the whole synthetic market for ``seed`` (deterministic)."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    r_names, r_factor, r_stock, r_eps, r_est, r_misc, r_vol, r_story = streams
    comp = _companies(r_names)
    n = len(comp)
    is_small = (comp.segment == "small").to_numpy()
    story = comp.story.to_numpy()
    sector_codes = pd.Categorical(comp.sector).codes

    days = demo_sessions()
    months = days.to_period("M")
    month_index = months.unique()
    month_of_day = np.searchsorted(month_index.asi8, months.asi8)
    days_in_month = np.bincount(month_of_day).astype(float)

    m_large, m_small = _monthly_targets(r_factor, month_index)
    f_large = _daily_from_monthly(r_factor, m_large, month_of_day, days_in_month, 0.009)
    # Small caps move with large caps day by day (beta 1.15) plus a spread of their own; the
    # spread's monthly sums are whatever makes the small-cap months hit their targets exactly.
    f_small = 1.15 * f_large + _daily_from_monthly(r_factor, m_small - 1.15 * m_large,
                                                   month_of_day, days_in_month, 0.006)
    n_sectors = sector_codes.max() + 1
    f_sector = np.stack([
        _daily_from_monthly(r_factor, r_factor.normal(0, 0.02, len(month_index)), month_of_day,
                            days_in_month, 0.005) for _ in range(n_sectors)], axis=1)

    beta = r_stock.uniform(0.8, 1.2, n)
    idio_vol = np.where(is_small, 0.018, 0.011)
    idio = r_stock.normal(0.0, 1.0, (len(days), n)) * idio_vol
    idio -= 0.5 * idio_vol**2  # keep the median path from drifting up on volatility alone
    segment_factor = np.where(is_small[None, :], f_small[:, None], f_large[:, None])
    logret = beta * segment_factor + f_sector[:, sector_codes] + idio
    # April 2026: value traps and genuine idiosyncratic winners rally on top of the segment.
    april = month_of_day == len(month_index) - 1
    n_april = april.sum()
    boost = np.where(story == "value_trap", 0.22, np.where(story == "idiosyncratic", 0.16, 0.0))
    logret[april] += boost / n_april
    logret[0] = 0.0
    p0 = np.exp(np.where(is_small, r_stock.normal(np.log(250), 0.8, n),
                         r_stock.normal(np.log(1400), 0.6, n)))
    close = np.round(np.maximum(p0 * np.exp(np.cumsum(logret, axis=0)), 1.0), 2)

    end_mcap = np.where(is_small, np.exp(r_stock.normal(np.log(6e10), 0.7, n)),
                        np.exp(r_stock.normal(np.log(2.5e12), 0.7, n)))
    shares = np.round(end_mcap / close[-1], -3)
    mcap = close * shares
    turnover = np.where(is_small, 0.003, 0.0015)
    volume = np.round(shares * turnover * np.exp(r_vol.normal(0, 0.5, close.shape)))

    # Earnings: trailing EPS anchored to price / segment P/E, reported quarterly.
    q_ends = pd.date_range("2004-06-30", "2026-03-31", freq="QE-DEC")
    q_pos = np.clip(np.searchsorted(days.asi8, q_ends.asi8, side="right") - 1, 0, len(days) - 1)
    pe_small, pe_large = _interp_path(q_ends, 1), _interp_path(q_ends, 2)
    seg_pe = np.where(is_small[None, :], pe_small[:, None], pe_large[:, None])
    k_stock = np.exp(r_eps.normal(0, 0.3, n))
    noise = np.zeros((len(q_ends), n))
    shocks = r_eps.normal(0, 0.08, noise.shape)
    for i in range(1, len(q_ends)):
        noise[i] = 0.7 * noise[i - 1] + shocks[i]
    ttm_target = close[q_pos] / (seg_pe * k_stock * np.exp(noise))
    quarterly = ttm_target / 4.0
    loss = story == "loss_maker"
    quarterly[:, loss] -= 0.55 * quarterly[:, loss].mean(axis=0)
    # Half of them are loss-making now (the last five quarters), so the loss-maker policy of
    # aggregate P/E, RR_PE and the comps book's n/m cells is at work in the current snapshot.
    # Their own stream, so every other draw of the demo market stays as it was.
    now_loss = np.flatnonzero(loss)[r_story.permutation(int(loss.sum()))[: int(loss.sum()) // 2]]
    quarterly[-5:, now_loss] = -0.35 * np.abs(quarterly[-5:, now_loss])
    quarterly = np.round(quarterly, 2)
    ttm = np.full_like(quarterly, np.nan)
    csum = np.cumsum(quarterly, axis=0)
    ttm[3:] = csum[3:] - np.vstack([np.zeros((1, n)), csum[:-4]])
    roe = r_eps.uniform(0.09, 0.24, n)
    bvps_q = np.round(np.abs(ttm_target) / roe, 2)
    payout = np.where(loss, 0.0, np.round(r_eps.uniform(0.1, 0.5, n), 2))

    # Daily trailing EPS and book value per share: last completed quarter.
    day_q = np.searchsorted(q_ends.asi8, days.asi8, side="right") - 1
    valid = day_q >= 3
    ttm_daily = np.where(valid[:, None], ttm[np.clip(day_q, 0, None)], np.nan)
    bv_daily = np.where(valid[:, None], bvps_q[np.clip(day_q, 0, None)], np.nan)

    tickers = comp.ticker.to_numpy()
    index_frames, valuation_frames = [], []
    for idx, mask in ((SMALL_INDEX, is_small), (LARGE_INDEX, ~is_small)):
        cap = mcap[:, mask].sum(axis=1)
        level = np.round(1000.0 * cap / cap[0], 2)
        earn = (ttm_daily[:, mask] * shares[mask]).sum(axis=1)
        book = (bv_daily[:, mask] * shares[mask]).sum(axis=1)
        divs = (np.maximum(ttm_daily[:, mask], 0) * payout[mask] * shares[mask]).sum(axis=1)
        index_frames.append(pd.DataFrame({
            "ticker": idx, "date": days, "close": level, "adj_close": level,
            "volume": volume[:, mask].sum(axis=1)}))
        ok = valid
        valuation_frames.append(pd.DataFrame({
            "index": idx, "date": days[ok], "pe": np.round(cap[ok] / earn[ok], 2),
            "pb": np.round(cap[ok] / book[ok], 2),
            "div_yield": np.round(100 * divs[ok] / cap[ok], 2)}))

    prices = pd.DataFrame({
        "ticker": np.repeat(tickers, len(days)),
        "date": np.tile(days.to_numpy(), n),
        "close": close.T.ravel(),
        "adj_close": close.T.ravel(),
        "volume": volume.T.ravel(),
    })
    prices = pd.concat([prices, *index_frames], ignore_index=True)

    eps_rows = pd.DataFrame({
        "ticker": np.repeat(tickers, len(q_ends)),
        "period_end": np.tile(q_ends.to_numpy(), n),
        "freq": "Q",
        "eps": quarterly.T.ravel(),
    })
    # Indian fiscal years end in March: annual EPS is the sum of the June..March quarters.
    fy = (q_ends.year + (q_ends.month > 3)).to_numpy()
    fy_ends = pd.DatetimeIndex([pd.Timestamp(f"{y}-03-31") for y in np.unique(fy)])
    annual = np.vstack([quarterly[fy == y].sum(axis=0) if (fy == y).sum() == 4
                        else np.full(n, np.nan) for y in np.unique(fy)])
    annual_rows = pd.DataFrame({
        "ticker": np.repeat(tickers, len(fy_ends)),
        "period_end": np.tile(fy_ends.to_numpy(), n),
        "freq": "A",
        "eps": np.round(annual.T.ravel(), 2),
    }).dropna(subset=["eps"])
    eps_history = pd.concat([eps_rows, annual_rows], ignore_index=True)

    # Beta to the large-cap index over the last five years of monthly returns.
    month_last = np.r_[np.flatnonzero(np.diff(month_of_day)), len(days) - 1]
    monthly_close = close[month_last[-61:]]
    m_ret = monthly_close[1:] / monthly_close[:-1] - 1
    large_level = index_frames[1]["close"].to_numpy()[month_last[-61:]]
    b_ret = large_level[1:] / large_level[:-1] - 1
    b_dev = b_ret - b_ret.mean()
    stock_beta = np.round(((m_ret - m_ret.mean(axis=0)) * b_dev[:, None]).sum(axis=0)
                          / (b_dev**2).sum(), 3)

    # Monthly fundamentals snapshots for the last 28 months.
    snap_pos = month_last[-28:]
    results = r_misc.integers(4, 29, n)
    fund_frames = []
    for pos in snap_pos:
        fund_frames.append(pd.DataFrame({
            "ticker": tickers, "as_of": days[pos], "name": comp.name, "sector": comp.sector,
            "industry": comp.industry, "currency": "INR", "shares_outstanding": shares,
            "market_cap": np.round(close[pos] * shares, 0), "trailing_eps": np.round(ttm_daily[pos], 2),
            "book_value_per_share": bv_daily[pos], "payout_ratio": payout, "beta": stock_beta,
            "next_results_date": pd.to_datetime([f"2026-05-{d:02d}" for d in results]),
        }))
    fundamentals = pd.concat(fund_frames, ignore_index=True)
    estimates = _estimates(r_est, r_story, comp, days, month_index, month_of_day, month_last, annual,
                           fy_ends, is_small, story)
    return DemoMarket(seed, prices, fundamentals, estimates, eps_history,
                      pd.concat(valuation_frames, ignore_index=True), comp)


def _estimates(rng: np.random.Generator, r_story: np.random.Generator, comp: pd.DataFrame,
               days: pd.DatetimeIndex,
               month_index: pd.PeriodIndex, month_of_day: np.ndarray, month_last: np.ndarray,
               annual: np.ndarray, fy_ends: pd.DatetimeIndex, is_small: np.ndarray,
               story: np.ndarray) -> pd.DataFrame:
    """Monthly consensus snapshots (2022-01 .. 2026-04) for the current and next fiscal year.

    One monthly log-revision series per stock; the estimate for a fiscal year at month m is its
    anchor (actual EPS, or a projection for years not yet reported) scaled by the revisions
    still to come, so consecutive snapshots differ by exactly that month's revision.
    """
    n = len(comp)
    months = [str(p) for p in month_index]
    first = months.index("2021-09")  # three months of history before the first snapshot
    span = len(months) - first
    drift = np.zeros((span, n))
    mkey = {m: i - first for i, m in enumerate(months) if i >= first}
    for m, small_d, large_d in (
        ("2024-07", -0.006, 0.001), ("2024-10", -0.008, 0.0), ("2025-01", -0.006, 0.0),
        ("2025-04", -0.004, 0.001), ("2025-07", -0.003, 0.0), ("2025-10", -0.002, 0.001),
        ("2026-01", 0.004, 0.001), ("2026-02", 0.015, 0.002), ("2026-03", 0.025, 0.003),
        ("2026-04", 0.035, 0.004),
    ):
        i = mkey[m]
        for j in range(i, min(i + 3, span)):
            drift[j] = np.where(is_small, small_d, large_d)
    rev = drift + rng.normal(0, 0.012, (span, n))
    late = [mkey["2026-03"], mkey["2026-04"]]
    # Cuts for the value traps and upgrades for the idiosyncratic stocks, varied as real
    # revisions are (from the story stream, so the other stocks' draws do not move).
    traps, idio = np.flatnonzero(story == "value_trap"), np.flatnonzero(story == "idiosyncratic")
    rev[np.ix_(late, traps)] = r_story.uniform(-0.07, -0.008, (len(late), len(traps)))
    rev[np.ix_(late, idio)] = r_story.uniform(0.03, 0.10, (len(late), len(idio)))
    cum = np.cumsum(rev, axis=0)
    growth = np.where(is_small, 0.16, 0.12)
    analysts = np.where(is_small, rng.integers(3, 13, n), rng.integers(20, 41, n)).astype(float)

    last_fy_actual = annual[-1]  # FY ending 2026-03-31
    rows = []
    for m in range(3, span):
        pos = month_last[first + m]
        as_of = days[pos]
        fy0 = as_of.year + (as_of.month > 3)  # fiscal year in progress ends March fy0
        for label, fy_end_year in (("0y", fy0), ("+1y", fy0 + 1)):
            fy_i = np.flatnonzero(fy_ends.year == fy_end_year)
            if len(fy_i) and not np.isnan(annual[fy_i[0]]).all():
                anchor = annual[fy_i[0]]
                anchor_m = mkey.get(f"{fy_end_year}-03", span - 1)
            else:
                years_ahead = fy_end_year - 2026
                anchor = last_fy_actual * (1 + growth) ** years_ahead
                anchor_m = span - 1
            def at(k: int, anchor: np.ndarray = anchor, anchor_m: int = anchor_m) -> np.ndarray:
                # an upward revision raises EPS whatever its sign: a loss estimate shrinks
                sign = np.where(anchor < 0, -1.0, 1.0)
                return anchor * np.exp(sign * (cum[max(k, 0)] - cum[anchor_m]))

            eps_now = at(m)
            participation = rng.binomial(analysts.astype(int), 0.45)
            p_up = 1 / (1 + np.exp(-rev[m] / 0.008))
            up30 = rng.binomial(participation, p_up)
            down30 = participation - up30
            up7 = rng.binomial(up30, 0.3)
            down7 = rng.binomial(down30, 0.3)
            now_r, ago_r = np.round(eps_now, 2), np.round(at(m - 1), 2)
            change = np.divide(now_r - ago_r, np.abs(ago_r), out=np.zeros(n), where=ago_r != 0)
            up30, down30, up7, down7 = _coherent_counts(up30, down30, up7, down7, change)
            rows.append(pd.DataFrame({
                "ticker": comp.ticker, "as_of": as_of, "period": label,
                "eps_mean": np.round(eps_now, 2), "analyst_count": analysts,
                "eps_now": np.round(eps_now, 2),
                "eps_7d_ago": np.round(eps_now * np.exp(-np.where(anchor < 0, -1.0, 1.0)
                                                        * rev[m] * 7 / 30), 2),
                "eps_30d_ago": np.round(at(m - 1), 2), "eps_60d_ago": np.round(at(m - 2), 2),
                "eps_90d_ago": np.round(at(m - 3), 2),
                "up_7d": up7.astype(float), "down_7d": down7.astype(float),
                "up_30d": up30.astype(float), "down_30d": down30.astype(float),
            }))
    return pd.concat(rows, ignore_index=True)


def _coherent_counts(up: np.ndarray, down: np.ndarray, up7: np.ndarray, down7: np.ndarray,
                     rev: np.ndarray, moved: float = 0.005) -> tuple[np.ndarray, ...]:
    """Revision counts that tell the consensus's story: when the 30-day consensus moved by
    more than ``moved``, more analysts revised that way than the other (at least one), so the
    counts, the breadth and the change never contradict each other. Applied after the draws,
    so the random stream (and everything drawn after) is unchanged."""
    hi, lo = np.maximum(up, down), np.minimum(up, down)
    hi7, lo7 = np.where(up >= down, up7, down7), np.where(up >= down, down7, up7)
    tie = (hi == lo) & (hi > 0)
    hi, lo = np.where(tie, hi + 1, hi), np.where(tie, lo - 1, lo)
    hi = np.where(hi == 0, 1, hi)  # nobody revised, yet the consensus moved: one did
    lo7 = np.minimum(lo7, lo)
    rose, fell = rev > moved, rev < -moved
    up_n = np.where(rose, hi, np.where(fell, lo, up))
    down_n = np.where(rose, lo, np.where(fell, hi, down))
    up7_n = np.where(rose, hi7, np.where(fell, lo7, up7))
    down7_n = np.where(rose, lo7, np.where(fell, hi7, down7))
    return up_n, down_n, up7_n, down7_n


@lru_cache(maxsize=2)
def demo_market(seed: int = DEFAULT_SEED) -> DemoMarket:
    """The cached synthetic market for ``seed``."""
    return build_market(seed)


class DemoProvider(Provider):
    """Serves the synthetic demo market. Every row's source is ``demo:synthetic``."""

    name = "demo"
    source = model.SOURCE_DEMO
    tables = frozenset(model.MARKET_TABLES)

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        super().__init__()
        self.seed = seed

    @property
    def market(self) -> DemoMarket:
        return demo_market(self.seed)

    def universe(self, name: str) -> list[str]:
        return self.market.universe(name)

    def sessions(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
        return demo_sessions(max(pd.Timestamp(start), START), min(pd.Timestamp(end), END))

    def extract_data(self, table: str, query: Query) -> Any:
        self._count(table)
        frame: pd.DataFrame = getattr(self.market, table)
        key = "index" if table == "index_valuation" else "ticker"
        known = set(frame[key].unique())
        unknown = [t for t in query.tickers if t not in known]
        if unknown:
            raise UnknownTicker(unknown[0], self.name,
                                "demo tickers end in .DEMO; see `rerating data universes`")
        sel = frame[frame[key].isin(query.tickers)]
        date_col = {"prices": "date", "index_valuation": "date", "eps_history": "period_end",
                    "fundamentals": "as_of", "estimates": "as_of"}[table]
        if table in ("fundamentals", "estimates") and query.start is None:
            # A snapshot: the latest one on or before as_of (default: the end of the market).
            cutoff = query.as_of or query.end or END
            sel = sel[sel[date_col] <= cutoff]
            if len(sel):
                latest = sel.groupby("ticker")[date_col].transform("max")
                sel = sel[sel[date_col] == latest]
            return sel
        if query.start is not None:
            sel = sel[sel[date_col] >= query.start]
        if query.end is not None:
            sel = sel[sel[date_col] <= query.end]
        return sel

    def transform_data(self, table: str, query: Query, raw: Any) -> pd.DataFrame:
        return self._conform(table, raw)
