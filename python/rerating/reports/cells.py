"""The RR_ formula behind each headline of the note: typed into a cell of a workbook with the
Rerating Desk add-in (any host), each gives the figure the note prints, from the same store.

Pure text: the note prints these under its headlines and ``tests/functions/test_calc_host.py``
recalculates them in LibreOffice Calc with the add-in and compares them with the note's
figures at the note's precision. Literal inputs carry ten significant digits (the note shows
one decimal), so a formula gives the note's figure, not a rounded cousin of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Cell:
    """One headline figure: the note's context key it reproduces, the formula, and how the
    note shows the value (``pct1`` +14.7%, ``pct1u`` 17.4%, ``x1`` 21.8, ``int`` 3,
    ``month`` May 2014, ``pctile`` 53rd percentile, ``signed2`` +0.88, ``none`` a screen's
    "(none)" row read as 0)."""

    key: str
    label: str
    formula: str
    kind: str


def text(s: str) -> str:
    """A string literal in a formula ("" doubles a quote)."""
    return '"' + str(s).replace('"', '""') + '"'


def num(x: float) -> str:
    """A number literal with ten significant digits (Excel keeps fifteen)."""
    return f"{float(x):.10g}"


def day(d: Any) -> str:
    return text(f"{pd.Timestamp(d):%Y-%m-%d}")


def call(name: str, *args: Any) -> str:
    """``=RR_NAME(a, b, …)``. Every argument up to the last is written out: LibreOffice passes
    an empty argument (``f(a,,c)``) as 0, not as missing, so a printed formula never skips one.
    The space after each comma lets a printed page wrap the line; every host accepts it."""
    return f"={name}(" + ", ".join(str(a) for a in args) + ")"


def note_cells(*, small_index: str, large_index: str, as_of: Any, before: Any, window: str,
               small_ref: str | None, large_ref: str | None,
               dcf_inputs: dict[str, float] | None, n_traps: int = 1) -> list[Cell]:
    """Every headline of the note as a formula. ``small_ref``/``large_ref`` are the universe
    names the add-in resolves to the note's stocks (None when the note's list has no name: those
    figures need a range of the tickers and are not printed). ``dcf_inputs`` are the fade
    model's inputs (None when the note shows no fair P/E)."""
    si, li, d, b = text(small_index), text(large_index), day(as_of), day(before)
    cells = [
        Cell("month_return", "Month's return", call("RR_RETURN", si, text("MTD"), d), "pct1"),
        Cell("best_since", "Best month since", call("RR_BEST_SINCE", si, text("M"), d), "month"),
        Cell("rank", "Rank among months", call("RR_PERIOD_RANK", si, text("M"), d), "int"),
        Cell("pe_small", "Small-cap P/E (index, as published)", call("RR_PE", si, text("aggregate"), d), "x1"),
        Cell("pe_large", "Large-cap P/E (index, as published)", call("RR_PE", li, text("aggregate"), d), "x1"),
        Cell("gap", "P/E gap", call("RR_VALUATION_GAP", si, li, d), "pct1"),
        Cell("gap_pct", "Gap percentile", call("RR_GAP_PERCENTILE", si, li, d), "pctile"),
        Cell("gap_before", "Gap before the rally", call("RR_VALUATION_GAP", si, li, b), "pct1"),
        Cell("gap_before_pct", "Its percentile then", call("RR_GAP_PERCENTILE", si, li, b), "pctile"),
    ]
    if small_ref:
        u = text(small_ref)
        cells += [
            Cell("agg_pe", "Constituents' P/E (aggregate, loss-makers out)",
                 call("RR_PE", u, text("aggregate"), d, text("exclude")), "x1"),
            Cell("agg_pe_with_losses", "Constituents' P/E counting losses",
                 call("RR_PE", u, text("aggregate"), d, text("include")), "x1"),
            Cell("breadth_small", "Revision breadth, small caps",
                 call("RR_REVISION_BREADTH", u, '""', "30", text("0y"), d), "signed2"),
            # the screen spills a header and a row per candidate, or a "(none)" row
            Cell("n_traps", "Value-trap candidates",
                 "=ROWS(" + call("RR_VALUE_TRAPS", u, text(window), d)[1:] + ")-1" if n_traps else
                 "=INDEX(" + call("RR_VALUE_TRAPS", u, text(window), d)[1:] + ", 2, 1)",
                 "int" if n_traps else "none"),
        ]
    if large_ref:
        cells.append(Cell("breadth_large", "Revision breadth, large caps",
                          call("RR_REVISION_BREADTH", text(large_ref), '""', "30", text("0y"), d),
                          "signed2"))
    if dcf_inputs is not None:
        k = dcf_inputs
        common = [num(k["pe"]), num(k["erp_from"]), num(k["erp_to"]), num(k["rf"]), num(k["beta"]),
                  num(k["payout"]), text("trailing"), "0"]
        fade = [num(k["terminal_growth"]), str(int(k["years_high"])), str(int(k["years_fade"])),
                num(k["payout_stable"])]
        cells += [
            Cell("implied_growth", "Growth priced (fade model)",
                 call("RR_MULTIPLE_ADJ", *common, text("growth"), text("fade"), *fade), "pct1u"),
            Cell("new_pe", "Fair P/E after the ERP change (fade model)",
                 call("RR_MULTIPLE_ADJ", *common, text("pe"), text("fade"), *fade), "x1"),
            Cell("factor", "Change vs today",
                 call("RR_MULTIPLE_ADJ", *common, text("factor"), text("fade"), *fade) + "-1", "pct1"),
            Cell("gordon_pe", "Single-stage (Gordon) bound",
                 call("RR_MULTIPLE_ADJ", *common, text("pe"), text("gordon")), "x1"),
        ]
    return cells


def shown(kind: str, value: Any) -> str:
    """A cell's value as the note prints it (for comparing a recalculated cell with the note)."""
    from rerating.reports.summary import ordinal_percentile

    if kind == "month":
        return f"{pd.Timestamp(value):%B %Y}"
    if kind == "none":  # the screen's "(none)" row: no candidate
        return "0" if value == "(none)" else repr(value)
    x = float(value)
    if kind == "pct1":
        return f"{0.0 if abs(x) < 0.0005 else x:+.1%}"
    if kind == "pct1u":
        return f"{x:.1%}"
    if kind == "x1":
        return f"{x:.1f}"
    if kind == "int":
        return str(round(x))
    if kind == "pctile":
        return ordinal_percentile(x)
    if kind == "signed2":
        return f"{x:+.2f}"
    raise ValueError(kind)


def finite(*xs: float) -> bool:
    return all(np.isfinite(float(x)) for x in xs)


__all__ = ["Cell", "call", "note_cells", "num", "shown", "text"]
