"""Exchange trading sessions (NSE and BSE share one holiday calendar), via exchange_calendars.

Used to decide whether the store is up to date: a refresh asks only for sessions it lacks.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import pandas as pd


@lru_cache(maxsize=1)
def _xbom():  # type: ignore[no-untyped-def]
    import warnings

    import exchange_calendars as xcals

    # exchange_calendars 4.x builds its schedule with Series.values, which pandas 3.1 warns
    # about (Pandas4Warning) from inside pandas: not ours to fix, quiet for this call only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", getattr(pd.errors, "Pandas4Warning", FutureWarning))
        return xcals.get_calendar("XBOM")


def sessions(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Indian exchange sessions between ``start`` and ``end`` inclusive (weekdays outside the
    calendar's range)."""
    cal = _xbom()
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    lo, hi = cal.first_session, cal.last_session
    if start >= lo and end <= hi:
        return pd.DatetimeIndex(cal.sessions_in_range(start, end)).tz_localize(None)
    return pd.bdate_range(start, end)


def last_session(on_or_before: pd.Timestamp) -> pd.Timestamp:
    """The latest trading session on or before the date."""
    day = pd.Timestamp(on_or_before).normalize()
    recent = sessions(day - pd.Timedelta(days=15), day)
    return recent[-1] if len(recent) else day


def next_working_day(day: pd.Timestamp) -> pd.Timestamp:
    """``day`` itself when it is a working day (an NSE session), else the next one."""
    day = pd.Timestamp(day).normalize()
    ahead = sessions(day, day + pd.Timedelta(days=15))
    return ahead[0] if len(ahead) else day


class MacroRelease(NamedTuple):
    """One scheduled Indian macro release: what, for which month, on which day, and the rule
    the day comes from (so a reader can check it against the publisher's calendar)."""

    date: pd.Timestamp
    name: str
    covers: str
    rule: str


# The release-date rules the seed note's macro data follow, as their publishers state them.
# Holidays are taken from the NSE calendar, which can differ from the central government's
# (Buddha Purnima, 12 May 2025, was an NSE session but moved that CPI release to the 13th): a
# date from a rule is a forecast to confirm with the publisher, and each row says its rule.
_PMI = ("India manufacturing PMI (HSBC / S&P Global)",
        "first working day of the month, 10:30 IST (S&P Global's release calendar)")
_CPI = ("CPI inflation (MoSPI)",
        "12th of the month, 16:00 IST, or the next working day (MoSPI's advance release calendar)")
_IIP = ("Index of Industrial Production (MoSPI)",
        "28th of the month, or the next working day, since the April 2025 data (MoSPI's advance "
        "release calendar)")
_IIP_OLD = ("Index of Industrial Production (MoSPI)",
            "12th of the month, six weeks after the month (MoSPI, until the March 2025 data)")


def macro_releases(after: pd.Timestamp, until: pd.Timestamp) -> list[MacroRelease]:
    """Manufacturing PMI, IIP and CPI releases dated after ``after`` and up to ``until``,
    earliest first, each with the month it covers and its date rule."""
    after, until = pd.Timestamp(after).normalize(), pd.Timestamp(until).normalize()
    out: list[MacroRelease] = []
    month = after.to_period("M") - 1
    while month.start_time <= until:
        month += 1
        first = month.start_time
        data = month - 1  # each release covers the month before the one it comes out in
        out.append(MacroRelease(next_working_day(first), _PMI[0], f"{data:%B %Y}", _PMI[1]))
        out.append(MacroRelease(next_working_day(first + pd.Timedelta(days=11)), _CPI[0],
                                f"{data:%B %Y}", _CPI[1]))
        if data >= pd.Period("2025-04", "M"):
            out.append(MacroRelease(next_working_day(first + pd.Timedelta(days=27)), _IIP[0],
                                    f"{data:%B %Y}", _IIP[1]))
        if month - 2 <= pd.Period("2025-03", "M"):  # the old rule's last release: 12 May 2025
            out.append(MacroRelease(next_working_day(first + pd.Timedelta(days=11)), _IIP_OLD[0],
                                    f"{month - 2:%B %Y}", _IIP_OLD[1]))
    return sorted((r for r in out if after < r.date <= until), key=lambda r: (r.date, r.name))


def watch_list(companies: pd.DataFrame, names: list[str], traps: set[str], as_of: pd.Timestamp,
               n: int = 10, announced: pd.DataFrame | None = None) -> list[dict[str, object]]:
    """What to watch after ``as_of``: the next results of ``names`` (the first ``n`` by date;
    ``companies`` indexed by ticker with ``name`` and ``next_results_date``) and, beside them,
    the PMI, IIP and CPI releases up to the last of those dates (at least six weeks), earliest
    first, each row saying where its date comes from. ``announced``: board meetings for
    results from NSE's event calendar (``results_dates`` rows), which win over the source's
    date (Yahoo's dates for Indian companies were reported to stop in 2025)."""
    dates = pd.to_datetime(companies["next_results_date"])
    told = pd.Series("the company's next results date, as the source reports it",
                     index=companies.index, dtype=object)
    if announced is not None and not announced.empty:
        ahead = announced[announced["date"] > as_of].sort_values("date")
        first = ahead.drop_duplicates("ticker").set_index("ticker")
        have = companies.index.intersection(first.index)
        dates = dates.copy()
        dates[have] = first.loc[have, "date"].to_numpy()
        for t in have:
            r = first.loc[t]
            told[t] = (f"NSE's event calendar: board meeting for {r['purpose']}, as fetched "
                       f"{pd.Timestamp(r['fetched_at']):%Y-%m-%d}")
    upcoming = companies[(dates > as_of) & companies.index.isin(names)].assign(_d=dates)
    upcoming = upcoming.assign(_t=upcoming.index.astype(str)) \
        .sort_values(["_d", "_t"], kind="stable").head(n)  # ties by ticker: one order everywhere
    rows: list[dict[str, object]] = [
        {"when": pd.Timestamp(r["_d"]), "what": str(t), "detail": str(r["name"]), "trap": t in traps,
         "from": told[t]}
        for t, r in upcoming.iterrows()]
    until = max([pd.Timestamp(as_of) + pd.Timedelta(days=42), *(r["when"] for r in rows)])  # type: ignore[list-item]
    rows += [{"when": m.date, "what": m.name, "detail": f"for {m.covers}", "trap": False,
              "from": f"date by rule: {m.rule}"} for m in macro_releases(as_of, until)]
    rows.sort(key=lambda r: (r["when"], r["what"]))  # type: ignore[arg-type, return-value]
    return rows
