"""The report's exhibits as PNG files (matplotlib, no display needed).

Every chart carries its source and as-of date in a footer; synthetic data is stamped on it.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: render off-screen, on any machine

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from rerating.atomic import atomic_write_bytes

INK = "#1f2933"
ACCENT = "#c00000"
MUTED = "#9aa5b1"
BLUE = "#1f5f99"


def percent_labels(ticks: list[float]) -> list[str]:
    """Tick labels in percent with as many decimals as the ticks need to be exact: -2.5% is
    never shown as -3% (matplotlib's PercentFormatter rounds to the decimals it is given)."""
    scaled = [100 * float(t) for t in ticks]
    for d in range(4):
        if all(abs(x - round(x, d)) < 1e-9 for x in scaled):
            break
    return [f"{0.0 if abs(x) < 0.5 * 10 ** -d else x:.{d}f}%" for x in scaled]


def _percent_axis(axis) -> None:  # type: ignore[no-untyped-def]
    """Percent ticks labelled by :func:`percent_labels` (one decimal count for the axis)."""

    def label(x: float, pos: int | None) -> str:
        ticks = [t for t in axis.get_majorticklocs()]
        if x not in ticks:
            ticks.append(x)
        return percent_labels(ticks)[ticks.index(x)]

    axis.set_major_formatter(FuncFormatter(label))


def _figure(title: str) -> tuple[plt.Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(8.0, 3.3), dpi=110)
    ax.set_title(title, loc="left", fontsize=11, color=INK, fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=INK, labelsize=8)
    ax.grid(axis="y", color="#e4e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    return fig, ax


def _save(fig: plt.Figure, path: Path, footer: str, synthetic: bool) -> Path:
    fig.text(0.01, 0.01, footer, fontsize=7, color="#52606d", ha="left", va="bottom")
    if synthetic:
        fig.text(0.99, 0.01, "SYNTHETIC DEMO DATA", fontsize=8, color=ACCENT, ha="right",
                 va="bottom", fontweight="bold")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())  # a killed report leaves no half-drawn chart
    return path


def monthly_returns(returns: pd.Series, path: Path, footer: str, synthetic: bool, months: int = 60,
                    since: pd.Timestamp | None = None) -> Path:
    """Bars of the monthly returns back to the month the latest is compared with ("best since
    May 2014": May 2014 is drawn and marked), at least the last ``months``; the latest highlighted."""
    r = returns.dropna()
    start = len(r) - months
    if since is not None:
        where = r.index.get_indexer([pd.Timestamp(since)], method="nearest")[0]
        start = min(start, int(where))
    r = r.iloc[max(start, 0):]
    title = (f"Small-cap index: monthly return since {r.index[0]:%b %Y}" if since is not None
             else f"Small-cap index: monthly return, last {len(r)} months")
    fig, ax = _figure(title)
    colors = [MUTED] * (len(r) - 1) + [ACCENT]
    k = None
    if since is not None:
        k = int(r.index.get_indexer([pd.Timestamp(since)], method="nearest")[0])
        colors[k] = BLUE
    ax.bar(np.arange(len(r)), r.to_numpy(), color=colors, width=0.8)
    _percent_axis(ax.yaxis)
    step = max(1, len(r) // 10)
    ax.set_xticks(np.arange(0, len(r), step))
    ax.set_xticklabels([d.strftime("%b %y") for d in r.index[::step]], rotation=0)
    ax.axhline(0, color=INK, linewidth=0.6)
    ax.annotate(f"{r.index[-1]:%b %Y}: {r.iloc[-1]:+.1%}", xy=(len(r) - 1, r.iloc[-1]),
                xytext=(-10, 6), textcoords="offset points", ha="right", fontsize=8, color=ACCENT)
    if k is not None:
        ax.annotate(f"{r.index[k]:%b %Y}: {r.iloc[k]:+.1%}, the last month that beat it",
                    xy=(k, r.iloc[k]), xytext=(8, 4), textcoords="offset points", ha="left",
                    fontsize=8, color=BLUE)
    return _save(fig, path, footer, synthetic)


def gap_band(gap: pd.Series, path: Path, footer: str, synthetic: bool) -> Path:
    """The small-vs-large P/E gap at month-ends with its 10th-90th percentile band."""
    g = gap.dropna()
    fig, ax = _figure("P/E gap, small vs large caps (month-ends)")
    lo, mid, hi = np.percentile(g, [10, 50, 90])
    ax.axhspan(lo, hi, color="#dbe7f3", label="10th-90th percentile")
    ax.axhline(mid, color=BLUE, linewidth=0.8, linestyle="--", label="median")
    ax.plot(g.index, g.to_numpy(), color=INK, linewidth=1.2, label="gap")
    ax.scatter([g.index[-1]], [g.iloc[-1]], color=ACCENT, zorder=3)
    if len(g) > 1:  # the axis ends at the as-of, not a month past it
        ax.set_xlim(g.index[0], g.index[-1])
    _percent_axis(ax.yaxis)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    return _save(fig, path, footer, synthetic)


def revision_breadth(breadth: pd.DataFrame, path: Path, footer: str, synthetic: bool) -> Path:
    """30-day EPS revision breadth over time, one line per group (columns)."""
    fig, ax = _figure("EPS revision breadth, 30 days: (up - down) / (up + down)")
    for col, color in zip(breadth.columns, (ACCENT, BLUE), strict=False):
        ax.plot(breadth.index, breadth[col].to_numpy(), color=color, linewidth=1.4, label=col)
    ax.axhline(0, color=INK, linewidth=0.6)
    ax.set_ylim(-1.05, 1.05)
    if len(breadth.index) > 1:  # ends at the as-of, not at July (no revisions: no line)
        ax.set_xlim(breadth.index[0], breadth.index[-1])
    ax.legend(fontsize=7, frameon=False, loc="lower left")
    return _save(fig, path, footer, synthetic)


def rally_vs_revision(returns: pd.Series, revisions: pd.Series, traps: list[str], path: Path,
                      footer: str, synthetic: bool) -> Path:
    """Each stock's return in the window against its EPS revision; value traps marked."""
    both = pd.DataFrame({"ret": returns, "rev": revisions}).dropna()
    fig, ax = _figure("Rally vs EPS revision (30 days): value traps marked")
    is_trap = both.index.isin(traps)
    ax.scatter(both.loc[~is_trap, "rev"], both.loc[~is_trap, "ret"], s=12, color=MUTED, label="stocks")
    ax.scatter(both.loc[is_trap, "rev"], both.loc[is_trap, "ret"], s=28, color=ACCENT, marker="D",
               label="value-trap candidates")
    ax.axvline(0, color=INK, linewidth=0.6)
    _percent_axis(ax.xaxis)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("EPS revision, current FY, 30 days", fontsize=8)
    ax.set_ylabel("Return in the window", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="lower left")
    return _save(fig, path, footer, synthetic)
