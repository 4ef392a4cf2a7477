"""``rerating report``: the research note's exhibits as HTML and PDF, plus the dashboard workbook.

The numbers come from ``rerating.analytics`` over the store (``summary.findings`` and a few
more); the words and layout live in ``reports/templates/report.html.j2`` (Jinja2), which a team can
restyle without touching Python. The PDF is rendered from the same HTML by xhtml2pdf (pure
Python, so it works on a fresh machine without system libraries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rerating.analytics import dcf, rally, revisions, valuation
from rerating.atomic import atomic_write_bytes
from rerating.data import model
from rerating.data.frames import latest_snapshot, snapshot_cut, wide_prices
from rerating.data.store import Store
from rerating.errors import InputError
from rerating.reports import cells, charts
from rerating.reports.summary import Findings, findings, ordinal_percentile

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class ReportSpec:
    small_index: str
    large_index: str
    small: list[str]
    large: list[str]
    universe: str = "small caps"
    window: str = "MTD"
    as_of: Any = None
    rf: float = 0.07
    erp_from: float = 0.055
    erp_to: float = 0.050
    beta: float = 1.0
    #: the fade model's anchors (see rerating.analytics.dcf.FADE_DEFAULTS)
    terminal_growth: float = dcf.FADE_DEFAULTS["terminal_growth"]
    years_high: int = dcf.FADE_DEFAULTS["years_high"]
    years_fade: int = dcf.FADE_DEFAULTS["years_fade"]
    #: the universe names the RR_ functions resolve to ``small`` and ``large`` (None when the
    #: lists have no name, or lost tickers with no data: those headlines get no printed formula)
    small_ref: str | None = None
    large_ref: str | None = None


@dataclass
class Report:
    html: Path
    pdf: Path
    charts: dict[str, Path]
    context: dict[str, Any] = field(repr=False, default_factory=dict)


def _pct(x: float, digits: int = 1) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{0.0 if abs(x) < 0.5 * 10 ** -(digits + 2) else x:+.{digits}%}"  # never "-0.0%"


def context(store: Store, spec: ReportSpec) -> tuple[dict[str, Any], dict[str, Any]]:
    """The numbers of the note (and the series its charts draw)."""
    f: Findings = findings(store, spec.small_index, spec.large_index, spec.small, spec.large,
                           spec.as_of, spec.window)
    closes = wide_prices(store, [spec.small_index, spec.large_index, *spec.small], end=f.as_of)
    monthly = rally.period_returns(closes[spec.small_index], "M")
    large_monthly = rally.period_returns(closes[spec.large_index], "M")
    vals = store.require("index_valuation", [spec.small_index, spec.large_index], end=f.as_of)
    pe = vals.pivot_table(index="date", columns="index", values="pe", aggfunc="last").dropna()
    dy = vals.pivot_table(index="date", columns="index", values="div_yield", aggfunc="last")
    gap_m = valuation.valuation_gap(pe[spec.small_index], pe[spec.large_index]).resample("ME").last().dropna()
    # multiple compression since the peak, up to the month-end before this move
    pe_m = pe.resample("ME").last().dropna()
    before = pe_m.index[-2]
    peak = pe_m[spec.small_index].loc[:before].idxmax()
    px = closes[spec.small_index].resample("ME").last()
    e_peak = px[peak] / pe_m.loc[peak, spec.small_index]
    e_before = px[before] / pe_m.loc[before, spec.small_index]
    comp = valuation.multiple_change(px[peak], px[before], e_peak, e_before)
    # what a lower ERP means for the small-cap index's multiple
    pe_now = float(pe[spec.small_index].iloc[-1])
    # dividend yield is stored in percent (as NSE publishes it): payout = yield x P/E
    # (no dividend yield stored: no payout, and the section says so rather than assume one)
    dys = dy[spec.small_index].dropna() if spec.small_index in dy else pd.Series(dtype=float)
    payout = float(dys.iloc[-1]) / 100 * pe_now if len(dys) else float("nan")
    pb = vals.pivot_table(index="date", columns="index", values="pb", aggfunc="last")
    pb_now = float(pb[spec.small_index].dropna().iloc[-1]) if spec.small_index in pb else float("nan")
    mean = _meaning(spec, pe_now, payout, pb_now)
    adj = mean["adjustment"]
    # the risk: traps, and broad lift versus idiosyncratic strength
    cut = snapshot_cut(f.as_of, spec.as_of)
    sectors = latest_snapshot(store.read("fundamentals", spec.small), cut) \
        .drop_duplicates("ticker", keep="last").set_index("ticker")
    table = rally.rally_table(closes[spec.small], closes[spec.large_index], spec.window,
                              sectors=sectors["sector"].reindex(spec.small))
    est = latest_snapshot(store.read("estimates", spec.small + spec.large), cut)
    est0 = est[est["period"] == "0y"].drop_duplicates("ticker", keep="last").set_index("ticker")
    rev = revisions.eps_revision(est0["eps_now"], est0["eps_30d_ago"])  # for the scatter
    traps = f.value_traps  # the screen is on returns, which do not depend on the benchmark
    # the loss-maker policy at work: the universe's own aggregate P/E with and without them,
    # market cap at the as-of close (as RR_PE and the comps book compute it)
    last_close = closes[spec.small].ffill().iloc[-1].reindex(sectors.index)
    caps = last_close * sectors["shares_outstanding"]
    earnings = sectors["trailing_eps"] * sectors["shares_outstanding"]
    agg_out = valuation.aggregate_multiple_detail(caps, earnings)
    agg_in = valuation.aggregate_multiple(caps, earnings, loss_makers="include")
    loss_names = list(sectors.index[sectors["trailing_eps"] <= 0])
    breadth = rally.breadth(closes[spec.small], window=spec.window)
    broad = table["market_part"] + table["sector_part"]
    own = int((table["idiosyncratic_return"] > broad).sum())
    ranked = table["return"].dropna().sort_values(kind="stable")
    mid = str(ranked.index[(len(ranked) - 1) // 2])  # the median stock (the lower one if even)
    # sector rotation: this window against each sector's own trailing average, and beta
    stock_monthly = closes[spec.small].resample("ME").last().pct_change(fill_method=None)
    try:
        rotation = rally.sector_rotation(table["return"], table["sector"], stock_monthly, table["beta"])
        tilt = rally.beta_tilt(table["return"], table["beta"], rotation)
    except InputError:  # no sectors from the source: the section says so
        rotation, tilt = None, None
    # revision breadth over time
    hist = store.read("estimates", spec.small + spec.large)
    hist = hist[(hist["period"] == "0y") & (hist["as_of"] <= (cut or pd.Timestamp.max))]
    grp = np.where(hist["ticker"].isin(spec.small), "small caps", "large caps")
    sums = hist.assign(group=grp).groupby(["as_of", "group"])[["up_30d", "down_30d"]].sum()
    rb = (sums["up_30d"] - sums["down_30d"]) / (sums["up_30d"] + sums["down_30d"])
    rb = rb.unstack("group").reindex(columns=["small caps", "large caps"])
    # what to watch: results dates after the as-of
    watch_names = list(dict.fromkeys([*traps.index, *table.index[:10]]))
    synthetic = model.is_synthetic(f.source)
    from rerating.data.imports import checks_line

    note_cells = cells.note_cells(small_index=spec.small_index, large_index=spec.large_index,
                                  as_of=f.as_of, before=gap_m.index[-2], window=spec.window,
                                  small_ref=spec.small_ref, large_ref=spec.large_ref,
                                  dcf_inputs=mean.get("inputs"), n_traps=len(traps))

    ctx = {
        "title": "Small caps: the best month in years, and what it means for multiples",
        "source": f.source, "synthetic": synthetic,
        "price_checks": checks_line(store, [spec.small_index, spec.large_index, *spec.small,
                                            *spec.large], f.as_of),
        "source_label": "SYNTHETIC demo data (fictional companies)" if synthetic else f.source,
        # a desk's shared store is named (without its password); the local store is not
        "store_line": (f"store {store.root}" if getattr(store, "backend", None) == "postgresql"
                       else ""),
        "as_of": f.as_of.strftime("%d %b %Y"), "as_of_iso": f"{f.as_of:%Y-%m-%d}",
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "small_index": spec.small_index, "large_index": spec.large_index, "universe": spec.universe,
        "n_small": len(spec.small), "window": spec.window,
        "month": f.best.period.strftime("%B %Y"), "month_return": _pct(f.month_return),
        "large_return": _pct(float(large_monthly.iloc[-1])),
        "partial": bool(monthly.attrs.get("partial")),
        "best_ever": f.best.best_ever,
        "best_since": None if f.best.best_ever else f.best.since.strftime("%B %Y"),
        "best_since_value": None if f.best.best_ever else _pct(f.best.since_value),
        "months_between": f.best.periods_between,
        "rank": f.rank.rank, "count": f.rank.count,
        "pe_small": f"{f.pe_small:.1f}", "pe_large": f"{f.pe_large:.1f}", "gap": _pct(f.gap),
        "gap_pct": ordinal_percentile(f.gap_percentile), "gap_before": _pct(f.gap_before),
        "gap_since": f.gap_since.strftime("%B %Y"),
        "gap_before_pct": ordinal_percentile(f.gap_before_percentile),
        "peak": peak.strftime("%B %Y"), "peak_pe": f"{pe_m.loc[peak, spec.small_index]:.1f}",
        "before": before.strftime("%B %Y"), "before_pe": f"{pe_m.loc[before, spec.small_index]:.1f}",
        "compression": f"{abs(float(comp.multiple_change)):.1%}",
        "compressed": float(comp.multiple_change) < 0, "eps_growth": _pct(float(comp.eps_growth)),
        "price_since_peak": _pct(float(comp.price_return)),
        "breadth_small": f"{f.breadth_small:+.2f}", "breadth_large": f"{f.breadth_large:+.2f}",
        "rf": f"{spec.rf:.1%}", "beta": f"{spec.beta:.2f}", "payout": f"{payout:.0%}",
        "erp_from": f"{spec.erp_from:.2%}", "erp_to": f"{spec.erp_to:.2%}",
        "pe_now": f"{pe_now:.1f}", **mean["words"],
        "traps": [{"ticker": t, "name": str(sectors["name"].get(t, "")), "ret": _pct(r.iloc[0]),
                   "rev": _pct(r.iloc[1]), "pctile": f"{r.iloc[2]:.1%}"}
                  for t, r in traps.head(12).iterrows()],
        "n_traps": len(traps), "share_up": f"{breadth.up:.0%}",
        "n_loss": len(loss_names), "loss_names": ", ".join(loss_names[:6]),
        "agg_pe": f"{agg_out.value:.1f}", "agg_pe_with_losses": f"{agg_in:.1f}",
        "agg_used": agg_out.n_used,
        # one small-cap P/E: the headline is the index's, as published; the other is labelled
        "pe_reconcile": (f"The headline small-cap P/E, {f.pe_small:.1f}, is the index's as its "
                         f"publisher gives it; the constituents' aggregate, {agg_out.value:.1f}, "
                         f"differs by {agg_out.value - f.pe_small:+.1f} because the index weighs "
                         "its members by free-float market cap on its own earnings dates."),
        # the median stock's own split, which adds up (medians of the parts would not)
        "median_name": mid, "median_return": _pct(float(table.loc[mid, "return"])),
        "median_broad": _pct(float(broad[mid])),
        "median_own": _pct(float(table.loc[mid, "idiosyncratic_return"])), "n_own": own,
        "share_own": f"{own / len(table):.0%}",
        **_rotation_words(rotation, tilt),
        "watch": _watch_rows(sectors, watch_names, traps, f.as_of,
                             store.read("results_dates", watch_names)),
        "cell": {c.key: c for c in note_cells},
    }
    series = {"monthly": monthly.dropna(), "gap": gap_m, "breadth": rb.dropna(how="all"),
              "returns": table["return"], "revisions": rev.reindex(table.index),
              "traps": list(traps.index), "findings": f, "adjustment": adj, "payout": payout,
              "gordon": mean["gordon"], "erp_grid": mean["erp_grid"],
              "terminal_grid": mean["terminal_grid"],
              "pe_now": pe_now, "table": table, "value_traps": traps, "cells": note_cells}
    return ctx, series


def _watch_rows(companies: pd.DataFrame, names: list[str], traps: pd.DataFrame,
                as_of: pd.Timestamp, announced: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """The results dates to watch and the macro releases beside them (data.calendar.watch_list)."""
    from rerating.data.calendar import watch_list

    rows = watch_list(companies, names, set(traps.index), as_of, announced=announced)
    return [{**r, "date": f"{pd.Timestamp(r['when']):%d %b %Y}"} for r in rows]


def _rotation_words(rotation: pd.DataFrame | None, tilt: rally.BetaTilt | None) -> dict[str, Any]:
    """The sector-rotation section: did money go to higher-beta small caps?"""
    if rotation is None or tilt is None:
        return {"rotation": [], "rotation_said": "The source gives no sectors for these stocks, so "
                "there is no sector rotation to show."}
    stocks_up = tilt.spread > 0
    c = tilt.sector_correlation
    sectors_up = np.isfinite(c) and c > 0
    verdict = ("Money went to higher-beta small caps" if stocks_up and (sectors_up or not np.isfinite(c))
               else "Higher-beta stocks led, but not higher-beta sectors" if stocks_up
               else "Money did not go to higher-beta small caps")
    corr = ("" if not np.isfinite(c) else
            f" Across the {len(rotation)} sectors, the correlation between a sector's median beta and "
            f"how far it beat its own trailing monthly average is {c:+.2f}.")
    said = (f"{verdict}: the fifth of stocks with the highest beta returned "
            f"{_pct(tilt.high_beta_return)} over the window against {_pct(tilt.low_beta_return)} "
            f"for the lowest fifth, a spread of {tilt.spread * 100:+.1f} points.{corr}")
    rows = [{"sector": sec, "stocks": int(r["stocks"]), "ret": _pct(r["return"]),
             "trailing": _pct(r["trailing_monthly"]), "excess": _pct(r["excess"]),
             "beta": "n/a" if not np.isfinite(r["beta"]) else f"{r['beta']:.2f}"}
            for sec, r in rotation.iterrows()]
    return {"rotation": rows, "rotation_said": said}


def _meaning(spec: ReportSpec, pe_now: float, payout: float, pb_now: float) -> dict[str, Any]:
    """What a lower ERP does to the index's fair P/E: the fade model, its sensitivity to the ERP
    and to terminal growth, and the single-stage (Gordon) figure as the naive bound."""

    def stable_payout(g_t: float) -> float:
        # In the terminal stage a company pays out what growth does not need: 1 - g / ROE, with
        # ROE = E / B = P/B / P/E; never below today's payout.
        roe = pb_now / pe_now
        return max(payout, 1 - g_t / roe) if np.isfinite(roe) and roe > g_t else payout

    def fade(erp_to: float, g_t: float) -> dcf.MultipleAdjustment:
        return dcf.multiple_adjustment(pe_now, spec.erp_from, erp_to, spec.rf, spec.beta, payout,
                                       model="fade", terminal_growth=g_t,
                                       years_high=spec.years_high, years_fade=spec.years_fade,
                                       payout_stable=stable_payout(g_t))

    def gordon(erp_to: float) -> float:
        try:
            return float(dcf.multiple_adjustment(pe_now, spec.erp_from, erp_to, spec.rf,
                                                 spec.beta, payout, model="gordon").new_pe)
        except InputError:  # cost of equity at or below the implied growth: no finite P/E
            return float("nan")

    g_t = spec.terminal_growth
    if not np.isfinite(payout):
        return _no_meaning(spec, "the store holds no dividend yield for the index, so its "
                           "payout is unknown; import the niftyindices P/E-P/B-yield file")
    try:
        adj = fade(spec.erp_to, g_t)
    except InputError as exc:  # no growth path justifies today's P/E: say so, print no number
        return _no_meaning(spec, str(exc))
    naive = gordon(spec.erp_to)
    g_naive = float(dcf.implied_growth(pe_now, payout, adj.coe_from))
    erp_grid = []
    for erp in np.round(spec.erp_from + np.arange(-0.01, 0.01 + 1e-9, 0.0025), 6):
        a = fade(float(erp), g_t)
        erp_grid.append({"erp": float(erp), "pe": float(a.new_pe), "factor": float(a.factor),
                         "gordon": gordon(float(erp))})
    terminal_grid = []
    for gt in np.round(g_t + np.arange(-0.01, 0.01 + 1e-9, 0.005), 6):
        a = fade(spec.erp_to, float(gt))
        terminal_grid.append({"g": float(gt), "implied": float(a.implied_growth),
                              "pe": float(a.new_pe), "factor": float(a.factor)})
    ps = stable_payout(g_t)
    g_h = float(adj.implied_growth)
    words = {
        "model": _model_words(spec),
        "implied_growth": f"{g_h:.1%}",
        "payout_path": (f"payout {payout:.0%} rising to {ps:.0%} in the terminal stage (1 - "
                        f"terminal growth / ROE of {pb_now / pe_now:.1%})" if ps > payout
                        else f"payout {payout:.0%} throughout"),
        "coe_from": f"{float(adj.coe_from):.2%}", "coe_to": f"{float(adj.coe_to):.2%}",
        "new_pe": f"{float(adj.new_pe):.1f}", "factor": _pct(float(adj.factor) - 1),
        "gordon_pe": f"{naive:.1f}" if np.isfinite(naive) else "no finite value",
        "gordon_factor": _pct(naive / pe_now - 1) if np.isfinite(naive) else "unbounded",
        "gordon_growth": f"{g_naive:.1%}",
        "gordon_gap": gap_words(float(adj.coe_from) - g_naive),
        "terminal": f"{g_t:.1%}", "years_high": spec.years_high, "years_fade": spec.years_fade,
        "grid": [{"erp": f"{g['erp']:.2%}", "pe": f"{g['pe']:.1f}", "change": _pct(g["factor"] - 1),
                  "gordon": f"{g['gordon']:.1f}" if np.isfinite(g["gordon"]) else "no finite value",
                  "current": abs(g["erp"] - spec.erp_from) < 1e-9} for g in erp_grid],
        "terminal_grid": [{"g": f"{g['g']:.1%}", "implied": f"{g['implied']:.1%}",
                           "pe": f"{g['pe']:.1f}", "change": _pct(g["factor"] - 1),
                           "current": abs(g["g"] - g_t) < 1e-9} for g in terminal_grid],
    }
    inputs = {"pe": pe_now, "erp_from": spec.erp_from, "erp_to": spec.erp_to, "rf": spec.rf,
              "beta": spec.beta, "payout": payout, "terminal_growth": g_t,
              "years_high": spec.years_high, "years_fade": spec.years_fade, "payout_stable": ps}
    return {"adjustment": adj, "gordon": naive, "erp_grid": erp_grid,
            "terminal_grid": terminal_grid, "words": words, "inputs": inputs}


def _model_words(spec: ReportSpec) -> str:
    return (f"fade model: {spec.years_high} years at the implied growth, fading over "
            f"{spec.years_fade} years to {spec.terminal_growth:.1%} terminal")


def _no_meaning(spec: ReportSpec, why: str) -> dict[str, Any]:
    words = {"fade_error": why, "model": _model_words(spec)}
    return {"adjustment": None, "gordon": float("nan"), "erp_grid": [], "terminal_grid": [],
            "words": words}


def render(store: Store, spec: ReportSpec, out_dir: Path, template_dir: Path | None = None,
           progress: Callable[[str], None] | None = None) -> Report:
    """Write report.html, report.pdf and charts/*.png into ``out_dir``."""
    from jinja2 import Environment, FileSystemLoader, TemplateError, select_autoescape

    if template_dir is not None and not (Path(template_dir) / "report.html.j2").is_file():
        raise InputError(f"--template-dir {template_dir} holds no report.html.j2; copy the "
                         f"built-in one from {TEMPLATES / 'report.html.j2'} and edit it there")
    say = progress or (lambda _msg: None)
    loaders = [str(template_dir)] if template_dir else []
    env = Environment(loader=FileSystemLoader([*loaders, str(TEMPLATES)]),
                      autoescape=select_autoescape(["html", "j2"]))
    try:  # a syntax error in the analyst's template is found before anything is written
        template = env.get_template("report.html.j2")
    except TemplateError as exc:
        raise _template_error(exc) from exc
    out_dir = Path(out_dir)
    made = [p for p in (out_dir, out_dir / "charts") if not p.exists()]
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    say("computing the findings")
    ctx, s = context(store, spec)
    footer = f"Source: {ctx['source']} | as of {ctx['as_of_iso']} | Rerating Desk"
    syn = ctx["synthetic"]
    say("drawing the charts")
    paths = {
        "monthly": charts.monthly_returns(s["monthly"], out_dir / "charts" / "monthly_returns.png", footer, syn,
                                          since=s["findings"].best.since),
        "gap": charts.gap_band(s["gap"], out_dir / "charts" / "pe_gap.png", footer, syn),
        "breadth": charts.revision_breadth(s["breadth"], out_dir / "charts" / "revision_breadth.png", footer, syn),
        "scatter": charts.rally_vs_revision(s["returns"], s["revisions"], s["traps"],
                                            out_dir / "charts" / "rally_vs_revision.png", footer, syn),
    }
    ctx["charts"] = {k: f"charts/{p.name}" for k, p in paths.items()}
    say("writing HTML and PDF")
    try:
        html = template.render(**ctx, for_pdf=False)
        for_pdf = template.render(**ctx, for_pdf=True)
    except TemplateError as exc:  # the analyst's own template: nothing of this run is left
        for p in paths.values() if made else ():
            p.unlink(missing_ok=True)
        for folder in reversed(made):
            folder.rmdir()
        raise _template_error(exc) from exc
    html_path = out_dir / "report.html"
    atomic_write_bytes(html_path, html.encode("utf-8"))
    pdf_path = out_dir / "report.pdf"
    _pdf(for_pdf, out_dir, pdf_path)
    ctx["series"] = s
    return Report(html_path, pdf_path, paths, ctx)


def gap_words(spread: float) -> str:
    """How far a perpetual growth rate sits below the cost of equity, in words that match the
    size ("a hair below" only for a spread under a quarter point: 11.0% against 12.0% is a
    full point below, and was called a hair)."""
    points = spread * 100
    if points < 0.25:
        return f"a hair ({points:.2f} points) below"
    return f"{points:.1f} point{'' if round(points, 1) == 1 else 's'} below"


def _template_error(exc: Exception) -> InputError:
    """The file and line of a report-template error, as an editor would show them."""
    import traceback

    where = getattr(exc, "filename", None) or "report.html.j2"
    line = getattr(exc, "lineno", None)
    if line is None:  # a render error: jinja puts the template's line in the traceback
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        if frames:
            where, line = frames[-1].filename, frames[-1].lineno
    return InputError(f"report template {where}{f', line {line}' if line else ''}: "
                      f"{getattr(exc, 'message', None) or exc}")


def publish(store: Store, spec: ReportSpec, out_dir: Path, template_dir: Path | None = None,
            progress: Callable[[str], None] | None = None) -> tuple[Report, Any]:
    """The report and the rally_dashboard.xlsx workbook behind it, side by side in ``out_dir``:
    written in a staging folder and moved in together at the end, so that a note interrupted
    (Ctrl-C, an error) leaves ``out_dir`` as it was, never an HTML without its dashboard."""
    from dataclasses import replace

    from rerating.atomic import staged_folder
    from rerating.workbooks import content, engine

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file; give a folder for the note")
    with staged_folder(out_dir) as stage:
        rep = render(store, spec, stage, template_dir, progress)
        if progress:
            progress("building rally_dashboard.xlsx")
        c = content.dashboard(store, spec.small_index, spec.large_index, spec.small, spec.large,
                              spec.window, spec.as_of, universe=spec.universe)
        wb = engine.build(c, stage / "rally_dashboard.xlsx", overwrite=True)
    moved = {k: out_dir / p.relative_to(stage) for k, p in rep.charts.items()}
    rep = Report(out_dir / rep.html.name, out_dir / rep.pdf.name, moved, rep.context)
    return rep, replace(wb, path=out_dir / wb.path.name)


def _pdf(html: str, base: Path, out: Path) -> None:
    import io
    import logging

    from xhtml2pdf import pisa

    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)

    def link(uri: str, rel: str) -> str:  # images are files next to the report
        p = (base / uri).resolve()
        if base.resolve() not in p.parents:
            raise ValueError(f"the report may only embed its own files, not {uri}")
        return str(p)

    buf = io.BytesIO()
    # path: xhtml2pdf reads local files only below the document's own folder
    result = pisa.CreatePDF(html, dest=buf, link_callback=link, encoding="utf-8",
                            path=str((base / "report.html").resolve()))
    if result.err:
        from rerating.errors import RerateError

        raise RerateError(f"the PDF could not be rendered ({result.err} errors)")
    atomic_write_bytes(out, buf.getvalue())
