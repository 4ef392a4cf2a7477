"""Exchange trading sessions (NSE and BSE share one holiday calendar), via exchange_calendars.

Used to decide whether the store is up to date: a refresh asks only for sessions it lacks.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd


@lru_cache(maxsize=1)
def _xbom():  # type: ignore[no-untyped-def]
    import exchange_calendars as xcals

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
