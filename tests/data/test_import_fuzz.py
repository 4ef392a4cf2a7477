"""Fuzz: however a date column or a number is written, it is read exactly or refused, never
stored wrong. Each example writes a file the way downloads do (day-first or month-first dates
with mixed separators and padding; numbers with western or Indian grouping, K/M/B/Cr/L units,
percent signs, leading-dot decimals) and compares what the importer reads with what was meant.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from rerating.data.calendar import sessions
from rerating.data.parsing import numbers
from rerating.data.providers.files import ImportOptions, read_file
from rerating.errors import InputError

SESSIONS = list(sessions(pd.Timestamp("2010-01-01"), pd.Timestamp("2026-04-30")))
TODAY = pd.Timestamp("2026-11-25")
UNITS = {"": 0, "K": 3, "M": 6, "B": 9, "L": 5, "Cr": 7}


def render_date(d: pd.Timestamp, dayfirst: bool, sep: str, pad: bool) -> str:
    a, b = (d.day, d.month) if dayfirst else (d.month, d.day)
    fmt = "{:02d}" if pad else "{}"
    return f"{fmt.format(a)}{sep}{fmt.format(b)}{sep}{d.year}"


def group(digits: str, indian: bool) -> str:
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    size = 2 if indian else 3
    parts = []
    while head:
        parts.insert(0, head[-size:])
        head = head[:-size]
    return ",".join([*parts, tail])


@st.composite
def written_number(draw: st.DrawFn) -> tuple[str, Decimal]:
    """A number as a download might write it, and the value it means."""
    cents = draw(st.integers(min_value=1, max_value=10**13))
    value = Decimal(cents) / 100
    unit = draw(st.sampled_from(list(UNITS)))
    shown = value / (Decimal(10) ** UNITS[unit])  # the number before the unit
    text = format(shown.normalize(), "f")
    whole, _, frac = text.partition(".")
    style = draw(st.sampled_from(["plain", "western", "indian"]))
    if style != "plain":
        whole = group(whole, style == "indian")
    if whole == "0" and frac and draw(st.booleans()):
        whole = ""  # ".76", as niftyindices writes it
    sign = draw(st.sampled_from(["", "-"]))
    return f"{sign}{whole}{'.' + frac if frac else ''}{unit}", (-value if sign else value)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(written_number(), min_size=1, max_size=20))
def test_numbers_round_trip_exactly(cells: list[tuple[str, Decimal]]) -> None:
    got = numbers(pd.Series([c for c, _ in cells]), "fuzz")
    assert got.tolist() == [float(v) for _, v in cells]


@settings(max_examples=150, derandomize=True, deadline=None)
@given(days=st.lists(st.sampled_from(SESSIONS), min_size=1, max_size=25, unique=True),
       dayfirst=st.booleans(), seps=st.lists(st.sampled_from(["-", "/"]), min_size=25, max_size=25),
       pad=st.booleans(), tell=st.booleans(), prices=st.lists(written_number(), min_size=25,
                                                             max_size=25))
def test_dates_and_numbers_are_read_exactly_or_refused(tmp_path_factory, days, dayfirst, seps, pad,
                                                       tell, prices) -> None:  # type: ignore[no-untyped-def]
    rows = [(render_date(d, dayfirst, seps[i], pad), prices[i][0].lstrip("-"))
            for i, d in enumerate(days)]
    truth = {d: abs(float(prices[i][1])) for i, d in enumerate(days)}
    p = Path(tmp_path_factory.mktemp("fuzz")) / "f.csv"
    p.write_text("Date,ABC.NS\n" + "\n".join(f'{a},"{b}"' for a, b in rows) + "\n")
    order = ("dayfirst" if dayfirst else "monthfirst") if tell else None
    try:
        got = read_file(p, ImportOptions(today=TODAY, date_order=order)).prices
    except InputError as exc:
        # Refusing is allowed only without the order, and only when the column is ambiguous.
        assert not tell, f"told the right order, still refused: {exc}"
        assert all(d.day <= 12 for d in days), f"refused an unambiguous column: {exc}"
        return
    assert dict(zip(got["date"], got["close"], strict=True)) == truth
