"""Corporate actions: what NSE's purpose text says, and closes as traded put on one share basis.

NSE's bhavcopy closes are as traded: a 1:5 split shows as a -80% day. Yahoo's ``close`` is
adjusted for splits and bonuses and its ``adj_close`` for dividends too; closes from NSE are
stored as traded and served the same way, from NSE's own corporate actions: every close before
an ex-date is multiplied by the action's factor (:func:`adjust`). The factor is read from the
purpose text (:func:`parse_purpose`) and checked against the price move on the ex-date
(:func:`checks`); a move no listed stock makes with no action to explain it is flagged, never
smoothed.

Notes
-----
Bonus ``a:b`` (a new shares for every b held): factor ``b / (a + b)`` (1:1 halves the price).
Split "From Rs F/- … To Rs T/-": factor ``T / F`` (10 -> 2 is 0.2). Consolidation: the same
formula, above 1. Dividend ``D`` rupees with the previous as-traded close ``P``: the
``adj_close`` factor ``1 - D / P`` (Yahoo's and CRSP's convention). A rights issue is not
adjusted by default: its theoretical ex-rights price needs the market price and the subscription
price and the take-up, which the purpose text does not settle (``Rights 1:5 @ Premium Rs 90/-``
gives the premium, not always the face value paid up), so no factor follows from it alone; the
ex-date's move is checked like any other day's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from rerating.errors import InputError

#: one-day close ratios outside these bounds are flagged: listed Indian stocks move at most 20%
#: a day outside rare events, while an unadjusted 2:1 split or 1:1 bonus halves the close
JUMP_BOUNDS = (0.6, 1 / 0.6)
#: how far the ex-date's move may stray from the action's factor (the day's market move) before
#: the factor is called into doubt
FACTOR_TOLERANCE = (0.8, 1.25)

_RS = r"(?:Rs|Re|INR|₹)\.?\s*-?\s*"
_AMOUNT = re.compile(_RS + r"(\d+(?:\.\d+)?)", re.I)
_RATIO = re.compile(r"(\d+)\s*:\s*(\d+)")
_FROM_TO = re.compile(r"From\s*" + _RS + r"(\d+(?:\.\d+)?)\D*?To\s*" + _RS + r"(\d+(?:\.\d+)?)",
                      re.I)
#: purposes that move no price basis: meetings, payments on other instruments, book-keeping
_NO_EFFECT = re.compile(
    r"general meeting|\bagm\b|\begm\b|interest|redemption|buy ?back|record date|"
    r"book closure|bond|debenture|voting|postal ballot|warrant|amalgamation|merger|"
    r"scheme of arrangement|capital reduction|reduction of capital|demerger|spin.?off|"
    r"distribution|return of capital|open offer|delisting|name change|change in name", re.I)
#: purposes whose price effect the text cannot give (kept as "other"; the ex-date is checked)
_UNSIZED = re.compile(r"demerger|spin.?off|amalgamation|merger|scheme of arrangement|"
                      r"capital reduction|reduction of capital|return of capital", re.I)


@dataclass(frozen=True)
class Action:
    """What one purpose text means for prices."""

    kind: str  # bonus, split, consolidation, dividend, rights, other
    factor: float  # multiplies earlier closes; nan when the share count does not change
    dividend: float  # rupees per share; nan when none or not stated


def parse_purpose(text: str) -> Action:
    """One NSE purpose, e.g. ``Bonus 1:1``, ``Face Value Split (Sub-Division) - From Rs 10/-
    Per Share To Rs 2/- Per Share``, ``Interim Dividend - Rs 1 Per Share``, ``Rights 1:5 @
    Premium Rs 90/-``, ``Annual General Meeting/Dividend - Rs 5 Per Share``.

    Raises :class:`InputError` for a purpose that names a share-count change whose numbers it
    does not give, or that is no kind of action known here."""
    t = " ".join(str(text).split())
    low = t.lower()
    factor = np.nan
    kind = ""
    if "bonus" in low:
        m = _RATIO.search(t[low.index("bonus"):])
        if not m or int(m[2]) == 0 or int(m[1]) == 0:
            raise InputError(f"purpose {t!r}: a bonus with no ratio a:b")
        a, b = int(m[1]), int(m[2])
        kind, factor = "bonus", b / (a + b)
    elif re.search(r"split|sub-?division|consolidat", low):
        m = _FROM_TO.search(t)
        if not m or float(m[1]) == 0 or float(m[2]) == 0:
            raise InputError(f"purpose {t!r}: a face-value change without 'From Rs X To Rs Y'")
        old, new = float(m[1]), float(m[2])
        kind, factor = ("consolidation" if new > old else "split"), new / old
    dividends = [seg for seg in re.split(r"/|\band\b|\+", t, flags=re.I)
                 if re.search(r"dividend", seg, re.I)]
    amount = np.nan
    if dividends:
        amounts = [float(m[1]) for seg in dividends if (m := _AMOUNT.search(seg))]
        # "Interim Dividend" with no amount is how NSE lists some: a dividend of unknown size
        amount = sum(amounts) if len(amounts) == len(dividends) else np.nan
        kind = kind or "dividend"
    if not kind and "rights" in low:
        kind = "rights"
    if not kind and _NO_EFFECT.search(low):
        kind = "other"
    if not kind:
        raise InputError(f"purpose {t!r} is no corporate action this reader knows (bonus, split, "
                         "consolidation, dividend, rights, meetings, interest, redemption, "
                         "buy-back, demerger …)")
    return Action(kind, factor, amount)


def purposes(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` (ticker, ex_date, purpose …) with kind, factor and dividend read from each
    purpose; refuses the whole file in one line naming the first unreadable row (``line``)."""
    parsed = {}
    for p in frame["purpose"].unique():
        try:
            parsed[p] = parse_purpose(p)
        except InputError as exc:
            line = frame.loc[frame["purpose"] == p, "line"].iloc[0] if "line" in frame else "?"
            raise InputError(f"{name}: line {line}: {exc}; nothing imported from the file "
                             "(correct or remove the row and import again)") from None
    out = frame.copy()
    out["kind"] = out["purpose"].map(lambda p: parsed[p].kind)
    out["factor"] = out["purpose"].map(lambda p: parsed[p].factor).astype(float)
    out["dividend"] = out["purpose"].map(lambda p: parsed[p].dividend).astype(float)
    return out


def is_unsized(purpose: str) -> bool:
    """A demerger, merger or capital reduction: it moves the price by an amount the purpose
    does not give."""
    return bool(_UNSIZED.search(str(purpose)))


def _factors(dates: pd.DataFrame, actions: pd.DataFrame, col: str) -> np.ndarray:
    """For each (ticker, date) row, the product of ``actions[col]`` over the ticker's actions
    with an ex-date after the date."""
    out = np.ones(len(dates))
    acts = actions[actions[col].notna() & (actions[col] != 1.0)]
    if acts.empty or dates.empty:
        return out
    where = dates.reset_index(drop=True).groupby("ticker", sort=False).indices  # one pass
    all_days = dates["date"].to_numpy("datetime64[ns]")
    for ticker, a in acts.groupby("ticker", sort=False):
        rows = where.get(ticker)
        if rows is None:
            continue
        a = a.sort_values("ex_date")
        ex = a["ex_date"].to_numpy("datetime64[ns]")
        # suffix products: the factor of every action from i on
        suffix = np.append(np.cumprod(a[col].to_numpy()[::-1])[::-1], 1.0)
        d = all_days[rows]
        out[rows] = suffix[np.searchsorted(ex, d, side="right")]
    return out


def adjust(prices: pd.DataFrame, actions: pd.DataFrame, as_traded: np.ndarray,
           history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Closes on today's share basis: ``close`` adjusted for splits, bonuses and consolidations,
    ``adj_close`` for those and dividends, like Yahoo's two columns; ``volume`` divided by the
    same share factor (a 1:1 bonus halves earlier closes and doubles earlier volumes). Only rows ``as_traded``
    (a boolean array aligned with ``prices``: closes straight from NSE's files) are changed;
    closes a source already adjusted are left as they are. ``history``: as-traded closes
    (ticker, date, close) to find each dividend's previous close in, when ``prices`` is a
    window of the history (default: ``prices`` itself)."""
    if actions.empty or not as_traded.any():
        return prices
    mine = prices[as_traded]
    acts = actions[actions["ticker"].isin(mine["ticker"].unique())]
    if acts.empty:
        return prices
    share = _factors(mine, acts, "factor")
    divs = _dividend_factors(mine, acts, mine if history is None else history)
    out = prices.copy()
    idx = np.flatnonzero(as_traded)
    close = out["close"].to_numpy(dtype=float, copy=True)
    adj = out["adj_close"].to_numpy(dtype=float, copy=True)
    close[idx] = close[idx] * share
    adj[idx] = adj[idx] * share * divs
    out["close"], out["adj_close"] = close, adj
    if "volume" in out:  # shares traded on the same basis as the close: a 1:1 bonus doubles them
        vol = out["volume"].to_numpy(dtype=float, copy=True)
        vol[idx] = vol[idx] / share
        out["volume"] = vol
    return out


def _dividend_factors(prices: pd.DataFrame, actions: pd.DataFrame,
                      history: pd.DataFrame) -> np.ndarray:
    """``1 - D / P`` per dividend (P: the as-traded close of the session before the ex-date,
    from ``history``), multiplied over the ticker's later ex-dates."""
    divs = actions[actions["dividend"].notna() & (actions["dividend"] > 0)]
    if divs.empty:
        return np.ones(len(prices))
    p = history[["ticker", "date", "close"]].sort_values(["ticker", "date"]) \
        .reset_index(drop=True)
    where = p.groupby("ticker", sort=False).indices  # one pass, then a search per dividend
    day = p["date"].to_numpy("datetime64[ns]")
    close = p["close"].to_numpy(dtype=float)
    rows = []
    for r in divs.itertuples(index=False):
        idx = where.get(r.ticker)
        if idx is None:
            continue
        k = np.searchsorted(day[idx], np.datetime64(r.ex_date, "ns"), side="left")
        if k == 0:
            continue
        prev = close[idx[k - 1]]
        if prev > r.dividend:
            rows.append((r.ticker, r.ex_date, 1.0 - r.dividend / prev))
    if not rows:
        return np.ones(len(prices))
    f = pd.DataFrame(rows, columns=["ticker", "ex_date", "div_factor"])
    return _factors(prices, f, "div_factor")


def checks(prices: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """Days worth a look in as-traded closes: every one-session move beyond
    :data:`JUMP_BOUNDS` that no action explains, and every split or bonus whose ex-date move
    does not match its factor. Columns: ticker, date, ratio (the as-traded move), expected
    (the action's factor, or blank), what (one line)."""
    cols = ["ticker", "date", "ratio", "expected", "what"]
    if len(prices) < 2:
        return pd.DataFrame(columns=cols)
    f = prices[["ticker", "date", "close"]].sort_values(["ticker", "date"], kind="stable")
    by = f.groupby("ticker", sort=False)
    f = f.assign(ratio=(f["close"] / by["close"].shift()).to_numpy(), prev=by["date"].shift())
    f = f[f["ratio"].notna()]
    # a move is compared with the session before it only: across sessions the store lacks for
    # the whole market (files a month apart) it is no one-session move, and is not judged here
    # (session_gaps says what is missing); a stock that did not trade while the market did is
    # judged since its last close, and said so
    missing, own = _sessions_between(f["prev"], f["date"], pd.DatetimeIndex(
        prices["date"].unique()).sort_values())
    f = f.assign(own=own)[missing == 0]
    acts = actions[["ticker", "ex_date", "kind", "factor", "purpose"]].rename(
        columns={"ex_date": "date"})
    both = f.merge(acts, on=["ticker", "date"], how="left")
    lo, hi = JUMP_BOUNDS
    out = []
    sized = both[both["factor"].notna()]
    for r in sized.itertuples(index=False):
        move = r.ratio / r.factor
        if not FACTOR_TOLERANCE[0] <= move <= FACTOR_TOLERANCE[1]:
            out.append((r.ticker, r.date, r.ratio, r.factor,
                        f"{r.purpose!s} on {r.date:%Y-%m-%d} means x{r.factor:.4g}, but the "
                        f"close moved x{r.ratio:.4g}: check the ratio or the prices"))
    jumps = both[both["factor"].isna() & ((both["ratio"] < lo) | (both["ratio"] > hi))]
    for (ticker, date), g in jumps.groupby(["ticker", "date"], sort=True):
        r = g.iloc[0]
        known = g["purpose"].dropna()
        why = (f"on the ex-date of '{known.iloc[0]}', whose size the purpose does not give"
               if len(known) and any(is_unsized(p) for p in known) else
               "with no corporate action to explain it (an unadjusted split or bonus?)")
        span = (f"in one session to {date:%Y-%m-%d}" if not r.own else
                f"to {date:%Y-%m-%d} since its last close on {r.prev:%Y-%m-%d} ({r.own} "
                f"session{'s' if r.own > 1 else ''} without a close)")
        out.append((ticker, date, r.ratio, np.nan,
                    f"close moved {r.ratio - 1:+.1%} {span} {why}: kept as traded, not "
                    "adjusted; check it"))
    return pd.DataFrame(out, columns=cols).drop_duplicates(["ticker", "date"])


def _sessions_between(prev: pd.Series, date: pd.Series,
                      market: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """For each (prev, date) pair: the exchange sessions strictly between them that no stored
    close of any stock covers (the store's gap), and those the market has but this stock does
    not (its own days without a trade)."""
    from rerating.data.calendar import sessions

    if len(prev) == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    cal = sessions(market.min(), market.max())
    p, d = prev.to_numpy("datetime64[ns]"), date.to_numpy("datetime64[ns]")
    between = cal.searchsorted(d, "left") - cal.searchsorted(p, "right")
    stored = cal.isin(market).cumsum()  # sessions with a stored close, up to each session
    upto = np.concatenate([[0], stored])
    have = upto[cal.searchsorted(d, "left")] - upto[cal.searchsorted(p, "right")]
    return (between - have).clip(min=0), have


def session_gaps(days: pd.DatetimeIndex, most: int = 3) -> list[str]:
    """One line per run of exchange sessions the store has no close for between the days it
    has (``days``: the sessions stored for the market), longest first, at most ``most`` and a
    count of the rest: moves across them are not judged as one-session moves."""
    from rerating.data.calendar import sessions

    days = pd.DatetimeIndex(days).unique().sort_values()
    if len(days) < 2:
        return []
    cal = sessions(days.min(), days.max())
    pos = cal.searchsorted(days)
    runs = [(int(b - a - 1), days[i], days[i + 1])
            for i, (a, b) in enumerate(pairwise(pos)) if b - a > 1]
    runs.sort(key=lambda r: (-r[0], r[1]))
    lines = [f"between {lo:%d %b %Y} and {hi:%d %b %Y}, {n} session{'s' if n > 1 else ''} not "
             "stored: moves across them are not checked"
             for n, lo, hi in runs[:most]]
    if len(runs) > most:
        lines.append(f"… and {len(runs) - most} more gaps of "
                     f"{sum(r[0] for r in runs[most:])} sessions in all")
    return lines
