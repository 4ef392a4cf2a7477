"""Companies' quarterly results as they file them, and the consensus a desk held before.

Three readers, each refusing what it cannot read exactly, in one line, storing nothing:

- **NSE's XBRL instance** of a results filing (``INDAS_…xml``; SEBI's integrated filings use
  the ``in-capmkt`` prefix for the same element names), read by element name. A filing reports
  several periods at once, and the two duration contexts ``OneD`` (the quarter) and ``FourD``
  (the year to date) may both declare the quarter's dates: the quarter is taken from the
  report's own ``DateOfStartOfReportingPeriod``/``DateOfEndOfReportingPeriod`` facts, and
  facts of contexts with a dimension (a segment) are never the company's. Amounts are rupees
  whatever ``LevelOfRoundingUsedInFinancialStatements`` says (``decimals="-7"`` is rounding,
  not a unit), stored in ₹ crore; EPS in ₹. Layout: public clients' fixtures trimmed from real
  filings (RELIANCE Q3 FY25, ``INDAS_117297_1348254_16012025081520.xml``; ../shared/FIELD-NOTES.md).
- **A results CSV** a desk fills from its terminal or broker:
  ``symbol,period_end,announced,revenue,pat,eps`` (optional ``basis``, ``diluted_eps``,
  ``audited``), revenue and PAT in ₹ crore, EPS in ₹, ``period_end`` a date or ``Q4FY26``.
- **A consensus CSV**: ``symbol,period_end,as_of,eps_mean`` (optional ``analysts``,
  ``revenue_mean``, ``pat_mean``); a consensus without its date is refused, since it cannot be
  placed before or after an announcement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rerating.analytics.results import quarter_end
from rerating.data import model
from rerating.data.parsing import is_web_page, numbers, read_bytes, table_from_bytes
from rerating.errors import InputError

CRORE = 1e7
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9&_\-]{0,19}$")


@dataclass
class Filing:
    """One file read: its rows (results or consensus) and what the reader decided."""

    name: str
    kind: str  # "results" or "consensus"
    rows: pd.DataFrame
    notes: list[str] = field(default_factory=list)


# -- XBRL -----------------------------------------------------------------------------------------
#: element (local name) -> results column; the first found of each column's names wins
_FACTS = {
    "revenue_cr": ("RevenueFromOperations",),
    "pat_cr": ("ProfitLossForPeriod",),
    "pat_owners_cr": ("ProfitOrLossAttributableToOwnersOfParent",),
    "eps": ("BasicEarningsLossPerShareFromContinuingAndDiscontinuedOperations",
            "BasicEarningsLossPerShareFromContinuingOperations"),
    "diluted_eps": ("DilutedEarningsLossPerShareFromContinuingAndDiscontinuedOperations",
                    "DilutedEarningsLossPerShareFromContinuingOperations"),
}
_PER_SHARE = {"eps", "diluted_eps"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_xbrl(data: bytes, name: str) -> Filing:
    """The quarter a results filing reports, as one row of the results table."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if is_web_page(data):
        raise InputError(f"{name} is a web page (HTML), not an XBRL filing: the site answered "
                         "with a page; download the filing's XML again")
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException) as exc:
        raise InputError(f"{name} is not a readable XBRL instance (XML): {exc}; cut off, or "
                         "not the filing's XML") from None
    contexts: dict[str, tuple[str | None, str | None, bool]] = {}
    entity: str | None = None
    for ctx in root.iter():
        if _local(ctx.tag) != "context":
            continue
        start = end = None
        dims = False
        for el in ctx.iter():
            t = _local(el.tag)
            if t == "startDate":
                start = (el.text or "").strip()
            elif t == "endDate":
                end = (el.text or "").strip()
            elif t in ("explicitMember", "typedMember"):
                dims = True
            elif t == "identifier" and "NSESymbol" in el.get("scheme", "") and el.text:
                entity = el.text.strip().upper()
        contexts[ctx.get("id", "")] = (start, end, dims)
    facts: dict[str, dict[str, str]] = {}  # local name -> context id -> text
    for el in root.iter():
        ref = el.get("contextRef")
        if ref is None:
            continue
        facts.setdefault(_local(el.tag), {})[ref] = (el.text or "").strip()
    if not contexts or not facts:
        raise InputError(f"{name} holds no XBRL contexts or facts: not a results filing")
    starts, ends = facts.get("DateOfStartOfReportingPeriod", {}), \
        facts.get("DateOfEndOfReportingPeriod", {})
    quarters = []
    for ref, s in starts.items():
        e = ends.get(ref)
        if e is None or contexts.get(ref, (None, None, True))[2]:
            continue
        days = (pd.Timestamp(e) - pd.Timestamp(s)).days
        if 80 <= days <= 100:
            quarters.append((ref != "OneD", ref, pd.Timestamp(s), pd.Timestamp(e)))
    if not quarters:
        spans = ", ".join(f"{s} to {ends.get(r, '?')}" for r, s in starts.items()) or "none"
        raise InputError(f"{name} reports no quarter (its reporting periods: {spans}): a yearly "
                         "or half-yearly filing, or not a results filing")
    _, ref, start, end = sorted(quarters)[0]
    symbol = (facts.get("Symbol", {}).get(ref) or next(iter(facts.get("Symbol", {}).values()), "")
              or entity or "").strip().upper()
    if not _SYMBOL.match(symbol):
        raise InputError(f"{name} names no NSE symbol (no Symbol fact, no NSESymbol identifier)")
    notes: list[str] = [f"quarter {start:%Y-%m-%d} to {end:%Y-%m-%d} from the report's own "
                        f"period facts (context {ref})"]

    def value(col: str) -> float:
        for element in _FACTS[col]:
            text = facts.get(element, {}).get(ref)
            if text not in (None, ""):
                try:
                    v = float(text)
                except ValueError:
                    raise InputError(f"{name}: {element} is {text!r}, not a number") from None
                return v if col in _PER_SHARE else v / CRORE
        return float("nan")

    row = {c: value(c) for c in _FACTS}
    if np.isnan(row["revenue_cr"]):
        bank = "InterestEarned" in facts
        notes.append("no RevenueFromOperations" + (" (a bank's filing: its income is interest "
                                                   "earned, not revenue from operations)" if bank
                                                   else "") + "; revenue left blank")
    for col, words in (("pat_cr", "profit after tax"), ("eps", "basic EPS")):
        if np.isnan(row[col]):
            notes.append(f"no {words} in the filing; left blank")
    nature = (facts.get("NatureOfReportStandaloneConsolidated", {}).get(ref) or next(iter(
        facts.get("NatureOfReportStandaloneConsolidated", {}).values()), "")).strip().lower()
    basis = "consolidated" if nature.startswith("consolidated") else \
        "standalone" if nature.startswith("standalone") else ""
    if not basis:
        raise InputError(f"{name} does not say whether it is standalone or consolidated "
                         "(NatureOfReportStandaloneConsolidated): the two are never mixed")
    audited = (next(iter(facts.get("WhetherResultsAreAuditedOrUnaudited", {}).values()), "")
               ).strip().lower()
    board = next(iter(facts.get("DateOfBoardMeetingWhenFinancialResultsWereApproved", {})
                      .values()), "")
    announced = pd.Timestamp(board) if board else pd.NaT
    if pd.notna(announced):
        notes.append(f"announced {announced:%Y-%m-%d}: the board meeting's date in the filing "
                     "(NSE's listing gives the dissemination time)")
    frame = pd.DataFrame([{
        "ticker": f"{symbol}.NS", "period_end": end, "basis": basis, "announced": announced,
        "period_start": start, **row, "audited": audited, "filing": name}])
    return Filing(name, "results", frame, notes)


# -- CSV files a desk fills ------------------------------------------------------------------------
def _csv(data: bytes, name: str) -> pd.DataFrame:
    if is_web_page(data):
        raise InputError(f"{name} is a web page (HTML), not a CSV; download it again")
    table = table_from_bytes(data, name)
    f = table.frame
    f.columns = [re.sub(r"[^a-z0-9_]", "", c.strip().lower().replace(" ", "_")) for c in f.columns]
    if f.empty:
        raise InputError(f"{name} has a header but no rows")
    return f


def _need(f: pd.DataFrame, name: str, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in f.columns]
    if missing:
        raise InputError(f"{name}: a {what} file needs the columns {', '.join(cols)}; it lacks "
                         f"{', '.join(missing)} (header seen: {', '.join(f.columns)})")


def _tickers(values: pd.Series, name: str) -> pd.Series:
    t = values.astype(str).str.strip().str.upper().str.removesuffix(".NS")
    bad = t[~t.str.match(_SYMBOL.pattern)]
    if len(bad):
        raise InputError(f"{name}: symbol {values[bad.index[0]]!r} on line {bad.index[0] + 2} is "
                         "not an NSE symbol (RELIANCE or RELIANCE.NS)")
    return t + ".NS"


def _periods(values: pd.Series, name: str) -> pd.Series:
    out = []
    for i, v in values.items():
        try:
            out.append(quarter_end(str(v).strip()))
        except InputError as exc:
            raise InputError(f"{name}: line {int(i) + 2}: {exc}") from None
    return pd.Series(out, index=values.index, dtype="datetime64[ns]")


_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")
_NSE_STAMP = re.compile(r"^\d{1,2}-[A-Za-z]{3}-\d{4}(?: \d{2}:\d{2}(?::\d{2})?)?$")


def _stamps(values: pd.Series, name: str, col: str) -> pd.Series:
    """Dates, or dates with a time (IST): ISO (``2026-04-18 19:42``) or NSE's
    (``18-Apr-2026 19:42:44``); anything else is refused, never guessed."""
    out = []
    for i, v in values.items():
        text = str(v).strip()
        if _STAMP.match(text):
            out.append(pd.Timestamp(text))
        elif _NSE_STAMP.match(text):
            fmt = "%d-%b-%Y" + (" %H:%M:%S" if text.count(":") == 2 else
                                " %H:%M" if ":" in text else "")
            out.append(pd.to_datetime(text, format=fmt))
        else:
            raise InputError(f"{name}: {col} {text!r} on line {int(i) + 2} is not a date like "
                             "2026-04-18, 2026-04-18 19:42 or 18-Apr-2026 19:42:44")
    return pd.Series(out, index=values.index, dtype="datetime64[ns]")


def read_results_csv(data: bytes, name: str) -> Filing:
    """``symbol,period_end,announced,revenue,pat,eps`` (₹ crore and ₹), optional ``basis``."""
    f = _csv(data, name)
    _need(f, name, ("symbol", "period_end", "announced", "revenue", "pat", "eps"), "results")
    basis = f["basis"].str.strip().str.lower() if "basis" in f else \
        pd.Series("consolidated", index=f.index)
    bad = basis[~basis.isin(["consolidated", "standalone"])]
    if len(bad):
        raise InputError(f"{name}: basis {bad.iloc[0]!r} on line {bad.index[0] + 2} is neither "
                         "consolidated nor standalone")
    notes = [] if "basis" in f else ["no basis column: every row read as consolidated"]
    rows = pd.DataFrame({
        "ticker": _tickers(f["symbol"], name), "period_end": _periods(f["period_end"], name),
        "basis": basis, "announced": _stamps(f["announced"], name, "announced"),
        "period_start": pd.NaT,
        "revenue_cr": numbers(f["revenue"], f"{name} revenue"),
        "pat_cr": numbers(f["pat"], f"{name} pat"),
        "pat_owners_cr": np.nan, "eps": numbers(f["eps"], f"{name} eps"),
        "diluted_eps": numbers(f["diluted_eps"], f"{name} diluted_eps")
        if "diluted_eps" in f else np.nan,
        "audited": f["audited"].str.strip().str.lower() if "audited" in f else "",
        "filing": name})
    return Filing(name, "results", rows, notes)


def read_consensus_csv(data: bytes, name: str) -> Filing:
    """``symbol,period_end,as_of,eps_mean`` (₹), optional ``analysts``, ``revenue_mean`` and
    ``pat_mean`` (₹ crore)."""
    f = _csv(data, name)
    if "as_of" not in f.columns:
        raise InputError(f"{name} has no as_of column: a consensus without its date cannot be "
                         "placed before or after an announcement; add as_of, the day it was taken")
    _need(f, name, ("symbol", "period_end", "as_of", "eps_mean"), "consensus")
    opt = {c: numbers(f[c], f"{name} {c}") if c in f else np.nan
           for c in ("analysts", "revenue_mean", "pat_mean")}
    rows = pd.DataFrame({
        "ticker": _tickers(f["symbol"], name), "as_of": _stamps(f["as_of"], name, "as_of")
        .dt.normalize(), "period_end": _periods(f["period_end"], name),
        "eps_mean": numbers(f["eps_mean"], f"{name} eps_mean"), **opt})
    return Filing(name, "consensus", rows)


# -- files and folders ------------------------------------------------------------------------------
def read_filings(path: str | Path, kind: str) -> list[Filing]:
    """Every file of ``path`` (a file, or a folder of ``.xml``/``.csv`` files) as ``kind``
    (``results``: XBRL instances or the results CSV; ``consensus``: the consensus CSV)."""
    p = Path(path)
    if p.is_dir():
        paths = sorted(x for x in p.iterdir() if x.is_file()
                       and x.suffix.lower() in ((".xml", ".csv") if kind == "results" else (".csv",)))
        if not paths:
            raise InputError(f"folder {p} holds no {'.xml or ' if kind == 'results' else ''}"
                             ".csv files to import")
    else:
        paths = [p]
    out = []
    for one in paths:
        data, name = read_bytes(one)
        if kind == "consensus":
            out.append(read_consensus_csv(data, name))
        elif name.lower().endswith(".xml") or data.lstrip()[:5] in (b"<?xml", b"<xbrl") \
                or data.lstrip().startswith(b"<xbrli"):
            out.append(read_xbrl(data, name))
        else:
            out.append(read_results_csv(data, name))
    return out


def check_units(new: pd.DataFrame, stored: pd.DataFrame) -> None:
    """A quarter whose revenue is 50 times (or a fiftieth of) the company's previous stored
    quarter on the same basis was written in lakh (x100) or rupees (x10^7), or an XBRL
    instance's lakh read as rupees (x10^5), not ₹ crore: refused. No company's revenue moves
    that much in a quarter."""
    if new.empty or stored.empty:
        return
    last = stored.sort_values("period_end").drop_duplicates(["ticker", "basis"], keep="last")
    both = new.merge(last[["ticker", "basis", "period_end", "revenue_cr"]],
                     on=["ticker", "basis"], suffixes=("", "_before"))
    both = both[both["period_end"] > both["period_end_before"]]
    ratio = (both["revenue_cr"] / both["revenue_cr_before"]).abs()
    off = both[(ratio > 50) | (ratio < 1 / 50)]
    if len(off):
        r = off.iloc[0]
        raise InputError(
            f"{r.ticker} revenue {r.revenue_cr:,.2f} for {r.period_end:%Y-%m-%d} is "
            f"{r.revenue_cr / r.revenue_cr_before:,.0f} times the {r.revenue_cr_before:,.2f} "
            f"stored for {r.period_end_before:%Y-%m-%d}: written in lakh or rupees, not ₹ crore? "
            "Nothing imported; fix the units and import again")


def import_filings(store, path: str | Path, kind: str) -> tuple[list[Filing], pd.DataFrame]:  # type: ignore[no-untyped-def]
    """Read ``path`` and store what it holds (one commit); the files and the rows written."""
    files = read_filings(path, kind)
    spec = model.RESULTS if kind == "results" else model.CONSENSUS
    rows = pd.concat([f.rows.assign(source=model.import_source(f.name)) for f in files],
                     ignore_index=True)
    if kind == "results":
        undated = rows[rows["announced"].isna()]
        if len(undated):
            raise InputError(f"{undated['filing'].iloc[0]}: no announcement date (the filing "
                             "names no board meeting); import it through a results CSV with its "
                             "announced column")
        check_units(rows, store.read("results", sorted(set(rows["ticker"]))))
    dup = rows[rows.duplicated(list(spec.key), keep=False)]
    if len(dup):
        r = dup.iloc[0]
        raise InputError(f"{r.ticker} appears twice for the same {' and '.join(spec.key[1:])} "
                         f"({', '.join(sorted(set(dup['source'])))}); keep one")
    frame = model.conform(spec, rows, fetched_at=pd.Timestamp.now(tz="UTC"))
    with store.writer() as w:
        w.upsert(spec.name, frame)
    return files, frame
