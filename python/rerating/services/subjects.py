"""What a command is about: a ``--market`` preset's indices and universes, the rally's subjects,
a ticker or universe the store does not know (named, with what is near), the as-of date asked
for and the one the data has."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rerating.data.store import open_store
from rerating.errors import InputError
from rerating.services.notes import Notes
from rerating.settings import Settings

#: --market presets, the seed's question asked of a real market: (small-cap index as NSE names
#: it, its stocks; large-cap index, its stocks). The index map gives the Yahoo symbols.
MARKETS = {
    "india": ("NIFTY SMALLCAP 250", "niftysmallcap250", "NIFTY 50", "nifty50"),
}


def market_subjects(market: str | None, small_index: str | None, large_index: str | None,
                    small: str | None, large: str | None) -> tuple[str | None, ...]:
    """The options a --market preset fills in; what was given explicitly wins."""
    if market is None:
        return small_index, large_index, small, large
    from rerating.data.indices import IndexMap

    small_name, small_list, large_name, large_list = MARKETS[market]
    symbols = IndexMap()
    return (small_index or symbols.symbol(small_name), large_index or symbols.symbol(large_name),
            small or small_list, large or large_list)


def demo_default(value: str | None, demo: str, what: str, source: str) -> str:
    """``value``, or the demo market's when the data is the demo's; a live source needs it."""
    if value:
        return value
    if source in ("demo", "store"):
        return demo
    raise InputError(f"give {what} (the demo default {demo} is synthetic)")


def unknown_symbols(settings: Settings, tickers: list[str]) -> list[str]:
    """The tickers that no built-in constituent list, saved universe, index map or store knows:
    the only ones worth advice about the symbol itself."""
    from rerating.data.indices import IndexMap
    from rerating.data.universe import BUILTIN_LISTS, resolve_universe, saved_universes

    known = {c.ticker for c in open_store(settings).coverage("prices")} | set(IndexMap().names)
    for name, listed in BUILTIN_LISTS.items():
        known.update(listed.frame()["ticker"])
        known.update(resolve_universe(name, settings.data_dir))  # a newer list saved over it
    for path in saved_universes(settings.data_dir):
        try:
            known.update(resolve_universe(path.stem, settings.data_dir))
        except InputError:
            continue
    return [t for t in tickers if t not in known]


def known_ticker(store, t: str) -> None:  # type: ignore[no-untyped-def]
    """A ticker the store lacks that is a stored ticker without its exchange suffix (reliance
    for RELIANCE.NS) is named, not reported as missing prices."""
    held = {c.ticker for c in store.coverage("prices")}
    if t in held or "." in t or t.startswith("^"):
        return
    near = sorted(h for h in held if h.split(".")[0] == t)
    if near:
        raise InputError(f"ticker {t} is not in the store; did you mean {' or '.join(near)}? "
                         "(tickers carry their exchange: .NS for NSE, .BO for BSE)")


def known_universe(settings: Settings, name: str) -> None:
    """A single word that is neither a universe nor a stored ticker is an unknown universe."""
    from rerating.data.universe import builtin_universes, is_universe, saved_universes

    if "," in name or " " in name.strip() or is_universe(name, settings.data_dir):
        return
    held = {c.ticker for c in open_store(settings).coverage("prices")}
    if name.strip().upper() in held or "." in name:
        return
    saved = [p.stem for p in saved_universes(settings.data_dir)]
    raise InputError(f"universe {name!r} is neither built in nor saved; known: "
                     f"{', '.join([*builtin_universes(), *saved])} (or give tickers, "
                     "comma-separated)")


def universe_label(settings: Settings, name: str, notes: Notes) -> str:
    """The universe's name as books and notes show it: a built-in NSE list older than six
    months carries its date there, and ``notes`` hears it once."""
    from rerating.data.universe import BUILTIN_LISTS, PARTIAL, partial_of, universe_flag

    flag = universe_flag(name, settings.data_dir)
    if flag is None:
        return name
    notes.warn(f"note: {flag}")
    if flag.startswith(PARTIAL):
        return f"{name} ({PARTIAL}: {partial_of(name, settings.data_dir)})"
    return f"{name} (NSE list of {BUILTIN_LISTS[name.strip().lower()].date}, OLD: rebalanced since)"


@dataclass(frozen=True)
class RallySubjects:
    """The rally views' subjects: the two indices, the small-cap universe's label and both
    universes' tickers, and the names they were given by (for the RR_ cells of a book)."""

    small_index: str
    large_index: str
    label: str
    small: list[str]
    large: list[str]
    names: tuple[str, str]


def rally_subjects(settings: Settings, small_index: str | None, large_index: str | None,
                   small: str | None, large: str | None, source: str, market: str | None,
                   notes: Notes) -> RallySubjects:
    """Indices and stock universes of the rally views: a --market preset's, or the demo's when
    the source is demo/store."""
    from rerating.data.providers.demo import LARGE_INDEX as DEMO_LARGE
    from rerating.data.providers.demo import SMALL_INDEX as DEMO_SMALL
    from rerating.data.universe import resolve_universe

    d = settings.data_dir
    small_index, large_index, small, large = market_subjects(market, small_index, large_index,
                                                             small, large)
    si = demo_default(small_index, DEMO_SMALL, "--small-index", source).upper()
    li = demo_default(large_index, DEMO_LARGE, "--large-index", source).upper()
    u = demo_default(small, "demo-small", "--small", source)
    lu = demo_default(large, "demo-large", "--large", source)
    for name in (u, lu):
        known_universe(settings, name)
    large_t = resolve_universe(lu, d)
    universe_label(settings, lu, notes)
    return RallySubjects(si, li, universe_label(settings, u, notes), resolve_universe(u, d),
                         large_t, (u, lu))


def universe_refs(settings: Settings, names: tuple[str | None, str | None], small: list[str],
                  large: list[str]) -> tuple[str | None, str | None]:
    """The names a cell's RR_ function resolves to exactly these stocks (None when data left
    some out, or a typed list is longer than a formula's text may be)."""
    from rerating.data.universe import resolve_universe

    out = []
    for name, kept in zip(names, (small, large), strict=True):
        ok = (name is not None and len(name) <= 250
              and resolve_universe(name, settings.data_dir) == kept)
        out.append(name if ok else None)
    return out[0], out[1]


def parse_as_of(text: str | None) -> pd.Timestamp | None:
    """``--as-of`` by the one date parser (ISO always works; an ambiguous 04/03/2026 is
    refused, never read one way here and another in a file)."""
    if text is None:
        return None
    from rerating.data.parsing import parse_date_text

    return parse_date_text(text, "--as-of")


def as_of_note(settings: Settings | None, asked: str | None, used: pd.Timestamp) -> str | None:
    """One line when the data's date is not the date asked for, saying which and why: a
    weekend or exchange holiday, a date past the store's last session, or a gap in the store."""
    from rerating.data.calendar import sessions

    req = parse_as_of(asked)
    used = pd.Timestamp(used).normalize()
    if req is None or req.normalize() <= used:
        return None
    req = req.normalize()
    stamp = f"the numbers and the stamp are as of {used:%Y-%m-%d}"
    between = sessions(used + pd.Timedelta(days=1), req)
    if len(between) == 0:  # nothing traded after the data's day up to the date asked
        what = f"a {req.day_name()}" if req.weekday() >= 5 else "an exchange holiday"
        return (f"  --as-of {req:%Y-%m-%d} is {what}, not a trading session: {stamp}, "
                "the last session before it")
    lasts = open_store(settings).last_dates("prices") if settings is not None else {}
    last = max(lasts.values()) if lasts else used
    if req > pd.Timestamp(last).normalize():
        return (f"  --as-of {req:%Y-%m-%d} is after the last stored session: {stamp}, the "
                "latest data (refresh the data to go further)")
    return (f"  --as-of {req:%Y-%m-%d}: the store has no prices for these from "
            f"{between[0]:%Y-%m-%d} to {req:%Y-%m-%d} (a gap, or days not yet refreshed): "
            f"{stamp}, the last day it has (refresh the data to fill the gap)")


def sustainable(store, tickers: list[str], as_of: pd.Timestamp) -> list[str]:  # type: ignore[no-untyped-def]
    """``tickers`` whose consensus growth (current and next FY) is within what ROE x retention
    sustains, and whose DCF book lands within 25% of the price: a company the demo's book can
    model coherently (no rising ROE assumed, no growth the inputs do not give)."""
    import numpy as np

    from rerating.analytics import dcf
    from rerating.data.frames import latest_snapshot

    f = latest_snapshot(store.read("fundamentals", tickers), as_of).drop_duplicates("ticker", keep="last")
    px = store.read("prices", tickers)
    price = px[px["date"] <= as_of].groupby("ticker")["close"].last()
    e = latest_snapshot(store.read("estimates", tickers), as_of)
    f = f.set_index("ticker")
    fy1 = e[e["period"] == "0y"].drop_duplicates("ticker", keep="last").set_index("ticker")["eps_now"]
    fy2 = e[e["period"] == "+1y"].drop_duplicates("ticker", keep="last").set_index("ticker")["eps_now"]
    out = []
    for t in tickers:
        if t not in f.index or t not in fy1.index or t not in fy2.index or t not in price.index:
            continue
        eps, bv, payout = f.at[t, "trailing_eps"], f.at[t, "book_value_per_share"], f.at[t, "payout_ratio"]
        if not (eps > 0 and bv > 0 and fy1[t] > 0 and fy2[t] > 0 and 0 <= payout < 1):
            continue
        sustain = eps / bv * (1 - payout)
        g1, g2 = fy1[t] / eps - 1, fy2[t] / fy1[t] - 1
        if max(g1, g2) > sustain:
            continue
        # the DCF book's defaults (design.dcf_model): consensus growth fading to 6% by year 6,
        # the terminal stage paying out 1 - g / ROE; a demo model lands within a quarter of the
        # price, as an analyst's initiation would, rather than on a stock the market prices
        # for growth no input here gives
        gt, k = 0.06, 0.07 + float(f.at[t, "beta"]) * 0.055
        path = np.cumprod(1 + np.array([g1, g2, *(g2 + (gt - g2) * i / 4 for i in (1, 2, 3))]))
        p_t = max(payout, 1 - gt * bv / eps) if eps / bv > gt else payout
        value = dcf.dcf_value(payout * eps * path, k) + \
            eps * path[-1] * p_t * (1 + gt) / (k - gt) / (1 + k) ** 5
        if abs(value / price[t] - 1) <= 0.25:
            out.append(t)
    return out


