"""The RR_ functions in a real spreadsheet engine: LibreOffice Calc with our extension.

The extension is built from the registry, installed with unopkg into a throwaway extension
folder, and a workbook written in Excel's own syntax (commas, `{"pe","sector"}`, array formulas)
holding every RR_ function is recalculated headless. Each cell must equal the same call made in
Python: numbers to 1e-9, the same error texts, the same spill shapes (each table's array
formula is one row and one column larger than the answer, and Calc fills the extra cells with
#N/A only when the answer really ends there).
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from rerating.cli import cli
from rerating.data import access
from rerating.data.universe import resolve_universe
from rerating.functions import calc_host as calc_addin
from rerating.functions.registry import REGISTRY, functions
from rerating.settings import Settings
from rerating.workbooks.libreoffice import recalculate, soffice


def _missing() -> str | None:
    if soffice() is None:
        return "LibreOffice is not installed"
    if calc_addin.unoidl_write() is None:
        return "unoidl-write is not installed (Debian: libreoffice-dev)"
    if not Path("/usr/lib/libreoffice/program/pythonloader.py").exists():
        return "LibreOffice's Python bridge is not installed (Debian: python3-uno)"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing() is not None, reason=str(_missing()))]


class R:
    """A range of cells on the Inputs sheet (rows of values)."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows


class A:
    """An inline array constant, e.g. {"pe","sector"}."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items


TICKERS = [["SMALL250.DEMO"], ["LARGE50.DEMO"], [None], ["NOPE.DEMO"]]


def _cases(stocks: list[str]) -> list[tuple[str, list[Any]]]:
    s = stocks[0]
    some = R([[t] for t in stocks[:5]] + [[None], ["BAD.DEMO"]])
    return [
        ("RR_PRICE", ["SMALL250.DEMO"]),
        ("RR_PRICE", ["SMALL250.DEMO", "2026-01-15"]),
        ("RR_PRICE", [R(TICKERS)]),
        ("RR_PRICE", ["NOPE.DEMO"]),
        ("RR_HISTORY", ["SMALL250.DEMO", "2026-04-20"]),
        ("RR_INFO", [s, "sector"]),
        ("RR_INFO", [some, A(["pe", "pb", "sector"])]),
        ("RR_ASOF", []),
        ("RR_ASOF", ["SMALL250.DEMO"]),
        ("RR_RETURN", ["SMALL250.DEMO", "MTD"]),
        ("RR_RETURN", [R(TICKERS), "1M"]),
        ("RR_RETURN", ["SMALL250.DEMO", "7Q"]),
        ("RR_PERIOD_RETURNS", ["SMALL250.DEMO", "Y"]),
        ("RR_BEST_SINCE", ["SMALL250.DEMO"]),
        ("RR_BEST_SINCE", ["SMALL250.DEMO", "M", "", True]),  # "" skips: see FUNCTIONS.md
        ("RR_PERIOD_RANK", ["SMALL250.DEMO"]),
        ("RR_RALLY_TABLE", ["demo-small", "LARGE50.DEMO", "MTD"]),
        ("RR_BREADTH", ["demo-small", "MTD"]),
        ("RR_RELATIVE_STRENGTH", ["SMALL250.DEMO", "LARGE50.DEMO", "1M"]),
        ("RR_RELATIVE_STRENGTH", [R(TICKERS), "LARGE50.DEMO", "1M"]),
        ("RR_PE", ["demo-small"]),
        ("RR_PB", ["demo-large"]),
        ("RR_VALUATION_GAP", ["SMALL250.DEMO", "LARGE50.DEMO"]),
        ("RR_GAP_PERCENTILE", ["SMALL250.DEMO", "LARGE50.DEMO"]),
        ("RR_MULTIPLE_CHANGE", [100, 130, 10, 11]),
        ("RR_EPS_REVISION", [s, 30]),
        ("RR_EPS_REVISION", [some, 30]),
        ("RR_REVISION_BREADTH", ["demo-small"]),
        ("RR_VALUE_TRAPS", ["demo-small", "MTD"]),
        ("RR_COE", [0.07, 1.2, 0.055]),
        ("RR_JUSTIFIED_PE", [0.5, 0.05, 0.10]),
        ("RR_JUSTIFIED_PE", [0.4, 0.15, 0.12]),
        ("RR_JUSTIFIED_PB", [0.15, 0.05, 0.10]),
        ("RR_TWO_STAGE_PE", [0.2, 0.2, 5, 0.6, 0.06, 0.12]),
        ("RR_IMPLIED_GROWTH", [10.5, 0.5, 0.10]),
        ("RR_IMPLIED_ERP", [10.5, 0.5, 0.05, 0.07, 1]),
        ("RR_MULTIPLE_ADJ", [21.6, 0.055, 0.05, 0.07, 1, 0.15]),
        ("RR_DCF_VALUE", [R([[100], [110], [120], [130], [140]]), 0.12, 0.05]),
        ("RR_TARGET_PRICE", [62, 18.5]),
        ("RR_TARGET_PRICE", ["abc", 18.5]),
        ("RR_RESULT", [s, "Q4FY26", "pat"]),
        ("RR_SURPRISE", [some, "Q4FY26"]),
        ("RR_SEASON", ["demo-small", "Q4FY26", "reported"]),
    ]


def _excel_arg(v: Any, inputs: Any, at: list[int]) -> str:
    """The argument as typed in Excel; ranges are written on the Inputs sheet."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, str):
        return '"' + v.replace('"', '""') + '"'
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, A):
        return "{" + ",".join(_excel_arg(x, inputs, at) for x in v.items) + "}"
    assert isinstance(v, R)
    top = at[0]
    for i, row in enumerate(v.rows):
        for j, x in enumerate(row):
            if x is not None:
                inputs.cell(row=top + i, column=1 + j, value=x)
    at[0] += len(v.rows) + 1
    last = get_column_letter(max(len(r) for r in v.rows))
    return f"Inputs!$A${top}:${last}${top + len(v.rows) - 1}"


def _python_arg(v: Any) -> Any:
    if isinstance(v, R):
        return v.rows
    if isinstance(v, A):
        return [v.items]
    return v


def _calc_value(x: Any) -> Any:
    """A Python result cell as Calc shows it: dates as serial days, NaN blank."""
    if isinstance(x, dt.datetime):
        return (x - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(x, dt.date):
        return float((x - dt.date(1899, 12, 30)).days)
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


_AGO = re.compile(r"fetch failed \d+[smhd] ago: ")


def _same(got: Any, want: Any) -> bool:
    want = _calc_value(want)
    if want is None or want == "":
        return got is None or got == ""
    if isinstance(want, int | float) and not isinstance(want, bool):
        return isinstance(got, int | float) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
    return isinstance(got, str) and _AGO.sub("", got) == _AGO.sub("", str(want))


@pytest.fixture(scope="module")
def calc(demo_store, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The extension built and installed into a throwaway folder and profile."""
    root = tmp_path_factory.mktemp("calc")
    oxt = root / "rerating-calc.oxt"
    res = CliRunner().invoke(cli, ["addin", "libreoffice", "--build-only", "-o", str(oxt)])
    assert res.exit_code == 0, res.output
    assert f"Wrote {oxt}" in res.output and "unopkg add" in res.output
    extensions = root / "extensions"
    calc_addin.install(oxt, env_args=[f"-env:UNO_SHARED_PACKAGES_CACHE={extensions.as_uri()}",
                                      f"-env:UserInstallation={(root / 'profile').as_uri()}"],
                       shared=True)
    return root, oxt, extensions


def test_a_shared_install_says_whose_install_it_replaces(calc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """LibreOffice has one slot for an extension installed for all users: installing there
    again (as root) says whose add-in it replaced."""
    import getpass

    root, oxt, extensions = calc
    env = [f"-env:UNO_SHARED_PACKAGES_CACHE={extensions.as_uri()}",
           f"-env:UserInstallation={(root / 'profile').as_uri()}"]
    before = calc_addin.shared_install(env)
    assert before is not None and f"by {getpass.getuser()}, running {sys.executable}" in before
    plan = calc_addin.install(oxt, env_args=env, shared=True)
    assert plan.replaces == before
    empty = tmp_path / "empty"
    empty.mkdir()
    assert calc_addin.shared_install([f"-env:UNO_SHARED_PACKAGES_CACHE={empty.as_uri()}"]) is None


def test_the_extension_is_built_from_the_one_registry(calc) -> None:  # type: ignore[no-untyped-def]
    _, oxt, extensions = calc
    with zipfile.ZipFile(oxt) as z:
        names = set(z.namelist())
        component = z.read("rerating_calc.py").decode()
    assert {"rerating.rdb", "rerating_calc.py", "Jobs.xcu", "META-INF/manifest.xml"} <= names
    basic = calc_addin.basic_source(calc_addin.functions_spec())
    for name, spec in REGISTRY.items():  # every function, with its help, in both parts
        assert f"Function {name}(" in basic and f"    any {name}(" in calc_addin.idl_source(
            calc_addin.functions_spec())
        assert f"' {name}: {spec.summary}" in basic
    embedded = re.search(r"^ARGS = json\.loads\((.*)\)  #", component, re.M)
    assert embedded is not None
    args = json.loads(ast.literal_eval(embedded.group(1)))
    assert len(REGISTRY) == 31 and args == {n: list(s.args) for n, s in REGISTRY.items()}
    assert any(extensions.rglob("rerating-calc.oxt"))  # unopkg put it in the throwaway folder


def test_every_function_in_calc_equals_python(calc, demo_store, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _, _, extensions = calc
    settings = Settings(data_dir=demo_store.root, log_dir=tmp_path / "log", offline=True)
    monkeypatch.setenv("RERATING_DATA_DIR", str(demo_store.root))
    monkeypatch.setenv("RERATING_OFFLINE", "1")
    monkeypatch.setenv("RERATING_LOG_DIR", str(tmp_path / "log"))
    access.use(access.MarketData(settings))
    try:
        cases = _cases(resolve_universe("demo-small", demo_store.root))
        fns = functions()
        wb = Workbook()
        calls = wb.active
        calls.title = "Calls"
        inputs = wb.create_sheet("Inputs")
        at, row, expected = [1], 1, []
        for name, args in cases:
            params = list(REGISTRY[name].args)
            want = fns[name](**{p: _python_arg(a) for p, a in zip(params, args, strict=False)
                                if a is not None})
            text = f"={name}(" + ",".join(_excel_arg(a, inputs, at) for a in args) + ")"
            calls.cell(row=row, column=1, value=name)
            if isinstance(want, list):
                table = [r if isinstance(r, list) else [r] for r in want]
                h, w = len(table), max(len(r) for r in table)
                ref = f"B{row}:{get_column_letter(2 + w)}{row + h}"  # one row and column more
                calls[f"B{row}"] = ArrayFormula(ref, text)
                expected.append((name, text, row, table))
                row += h + 2
            else:
                calls[f"B{row}"] = text
                expected.append((name, text, row, want))
                row += 2
        src = tmp_path / "every_function.xlsx"
        wb.save(src)
        out = recalculate(src, tmp_path / "out", extensions=extensions, timeout=600)
    finally:
        access.use(None)
    got = load_workbook(out, data_only=True)["Calls"]
    assert len({name for name, *_ in expected}) == 31  # every RR_ function at least once
    wrong, compared = [], 0
    for _name, text, r, want in expected:
        if not isinstance(want, list):
            compared += 1
            if not _same(got.cell(row=r, column=2).value, want):
                wrong.append((text, got.cell(row=r, column=2).value, want))
            continue
        h, w = len(want), max(len(x) for x in want)
        for i in range(h):
            for j in range(w):
                cell = want[i][j] if j < len(want[i]) else None
                value = got.cell(row=r + i, column=2 + j).value
                compared += 1
                if not _same(value, cell):
                    wrong.append((text, (i, j), value, cell))
        # the spill ends where Python's answer ends (a single row or column would be repeated)
        if h > 1:
            assert got.cell(row=r + h, column=2).value == "#N/A", (text, "taller than Python")
        if w > 1:
            assert got.cell(row=r, column=2 + w).value == "#N/A", (text, "wider than Python")
    assert not wrong, wrong[:10]
    assert compared > 2000  # the rally table alone spills 250 rows
    # the error texts reached the cells as the same words Excel shows
    texts = {text: got.cell(row=r, column=2).value for name, text, r, want in expected}
    assert texts['=RR_JUSTIFIED_PE(0.4,0.15,0.12)'].startswith("#VALUE! growth 0.15 is not below")
    assert texts['=RR_PRICE("NOPE.DEMO")'].startswith("#N/A")


def test_a_calc_saved_book_keeps_excels_names(calc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """One workbook for both hosts: Calc computes RR_ cells of an .xlsx and saves them back
    under the names Excel calls (not as ORG.… add-in names)."""
    _, _, extensions = calc
    wb = Workbook()
    wb.active["A1"] = "=RR_JUSTIFIED_PE(0.5,0.05,0.1)"
    wb.active["A2"] = "=RR_TARGET_PRICE(62,18.5)*2"
    src = tmp_path / "both.xlsx"
    wb.save(src)
    out = recalculate(src, tmp_path / "out", extensions=extensions)
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f" in sheet and "RR_JUSTIFIED_PE(0.5,0.05,0.1)" in sheet
    assert "RR_TARGET_PRICE(62,18.5)*2" in sheet and "ORG." not in sheet.upper().replace(
        "ORG.OPENXMLFORMATS", "")
    values = load_workbook(out, data_only=True).active
    assert values["A1"].value == pytest.approx(10.5, rel=1e-12)
    assert values["A2"].value == pytest.approx(2 * 62 * 18.5, rel=1e-12)


def test_without_the_extension_the_cells_say_name(tmp_path: Path) -> None:
    """The control: the same book in a LibreOffice without the extension does not compute.
    Its shared-extension folder is an empty one of its own, so an add-in installed for all
    users on this machine (the README's path as root) does not leak in."""
    wb = Workbook()
    wb.active["A1"] = "=RR_JUSTIFIED_PE(0.5,0.05,0.1)"
    src = tmp_path / "plain.xlsx"
    wb.save(src)
    (tmp_path / "no-extensions").mkdir()
    out = recalculate(src, tmp_path / "out", extensions=tmp_path / "no-extensions")
    assert load_workbook(out, data_only=True).active["A1"].value == "#NAME?"


def test_the_notes_headlines_are_reproduced_by_their_printed_formulas(
        calc, demo_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Each formula printed under a headline of the note, typed into Calc with the add-in,
    gives the figure the note prints, at the note's precision."""
    from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, demo_market
    from rerating.reports.cells import shown
    from rerating.reports.report import ReportSpec, context

    _, _, extensions = calc
    monkeypatch.setenv("RERATING_DATA_DIR", str(demo_store.root))
    monkeypatch.setenv("RERATING_OFFLINE", "1")
    monkeypatch.setenv("RERATING_LOG_DIR", str(tmp_path / "log"))
    m = demo_market()
    spec = ReportSpec(SMALL_INDEX, LARGE_INDEX, m.universe("demo-small"), m.universe("demo-large"),
                      "demo-small", small_ref="demo-small", large_ref="demo-large")
    ctx, series = context(demo_store, spec)
    note_cells = series["cells"]
    keys = {c.key for c in note_cells}
    assert {"month_return", "best_since", "pe_small", "gap", "gap_pct", "breadth_small",
            "n_traps", "new_pe", "gordon_pe", "agg_pe"} <= keys
    wb = Workbook()
    for i, c in enumerate(note_cells, 1):
        wb.active.cell(i, 1, c.key)
        wb.active.cell(i, 2, c.formula)  # as printed: spaces after commas and all
    # with no candidate the screen spills "(none)", which ROWS()-1 would count as one: a note
    # without traps prints INDEX(…, 2, 1) instead (here forced by a revision no stock is below)
    from rerating.reports.cells import note_cells as cells_for
    none = next(c for c in cells_for(small_index=SMALL_INDEX, large_index=LARGE_INDEX,
                                     as_of="2026-04-30", before="2026-03-31", window="MTD",
                                     small_ref="demo-small", large_ref=None, dcf_inputs=None,
                                     n_traps=0) if c.key == "n_traps")
    zero = len(note_cells) + 2
    wb.active.cell(zero, 2, none.formula.replace('"2026-04-30")', '"2026-04-30", 0.8, -1)'))
    src = tmp_path / "note_cells.xlsx"
    wb.save(src)
    got = load_workbook(recalculate(src, tmp_path / "out", extensions=extensions), data_only=True).active
    wrong = []
    for i, c in enumerate(note_cells, 1):
        value = got.cell(i, 2).value
        if c.kind == "month" and isinstance(value, int | float):
            value = dt.datetime(1899, 12, 30) + dt.timedelta(days=value)
        said = shown(c.kind, value) if isinstance(value, int | float | dt.datetime) \
            or c.kind == "none" else repr(value)
        if said != str(ctx[c.key]):
            wrong.append((c.key, c.formula, value, ctx[c.key]))
    assert not wrong, wrong
    assert shown(none.kind, got.cell(zero, 2).value) == "0", got.cell(zero, 2).value
    # the note prints them, each under its headline, as typed
    import html as html_lib

    from rerating.reports.report import render
    page = html_lib.unescape(render(demo_store, spec, tmp_path / "note").html.read_text())
    assert all(c.formula in page for c in note_cells)


def test_the_dashboards_what_it_means_figures_are_reproduced_by_the_formulas_beside_them(
        calc, demo_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Beside each figure of the dashboard's "What it means" block is the RR_ formula that gives
    it; typed into a cell of that book in Calc with the add-in, it gives the same number."""
    from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, demo_market
    from rerating.workbooks import content, engine

    _, _, extensions = calc
    monkeypatch.setenv("RERATING_DATA_DIR", str(demo_store.root))
    monkeypatch.setenv("RERATING_OFFLINE", "1")
    monkeypatch.setenv("RERATING_LOG_DIR", str(tmp_path / "log"))
    m = demo_market()
    c = content.dashboard(demo_store, SMALL_INDEX, LARGE_INDEX, m.universe("demo-small"),
                          m.universe("demo-large"), "MTD", None, universe="demo-small")
    built = engine.build(c, tmp_path / "dash.xlsx")
    once = recalculate(built.path, tmp_path / "first", extensions=extensions)
    first, shown = load_workbook(once), load_workbook(once, data_only=True)["Dashboard"]
    dash = first["Dashboard"]
    top = next(r for r in range(1, dash.max_row + 1)
               if str(dash.cell(r, 1).value or "").startswith("What it means for multiples"))
    rows = [r for r in range(top + 1, top + 20) if str(shown.cell(r, 3).value or "").startswith("=RR_")]
    assert len(rows) == 8, [shown.cell(r, 3).value for r in range(top, top + 20)]
    assert shown.cell(rows[0], 3).value == '=RR_PE("SMALL250.DEMO", "aggregate", "2026-04-30")'
    for r in rows:  # the text as the reader sees it, typed into a free cell of the same row
        dash.cell(r, 30, shown.cell(r, 3).value)
    src = tmp_path / "typed.xlsx"
    first.save(src)
    got = load_workbook(recalculate(src, tmp_path / "out", extensions=extensions), data_only=True)["Dashboard"]
    pairs = [(got.cell(r, 1).value, got.cell(r, 2).value, got.cell(r, 30).value) for r in rows]
    assert all(isinstance(b, float) and isinstance(d, float) for _, b, d in pairs), pairs
    wrong = [p for p in pairs if not math.isclose(p[1], p[2], rel_tol=1e-9, abs_tol=1e-12)]
    assert not wrong, wrong


_CHILD_FAKE = '''
# Loaded by every Python started with this folder on PYTHONPATH. Inside soffice.bin (the Calc
# host itself) it does nothing; in the add-in's fetch process it answers Yahoo from the test's
# fake transport (tests/fakeyahoo.py: yfinance's own code, HTTP answers replaced) and refuses
# any real connection.
import os
import socket
import sys

if not os.readlink("/proc/self/exe").endswith("soffice.bin"):
    sys.path.insert(0, {repo!r})

    def _no_network(*a, **k):
        raise OSError("tests: no network")

    socket.create_connection = _no_network
    import yfinance as yf

    yf.set_tz_cache_location({cache!r})
    from rerating.data.providers import yahoo
    from tests.fakeyahoo import FakeYahoo

    _fake, _init = FakeYahoo(), yahoo.YahooProvider.__init__

    def _with_fake(self, session=None, **kw):
        kw["sleep"] = lambda s: None
        _init(self, _fake.session(), **kw)

    yahoo.YahooProvider.__init__ = _with_fake
'''


def test_a_ticker_not_in_the_store_is_fetched_from_inside_calc(
        calc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """In Calc, =RR_PRICE("TCS.NS") for a ticker not in the store answered "ImpersonateError
    ('Impersonating chrome152 is not supported')": soffice.bin loads LibreOffice's libcurl before
    Python, and curl_cffi's functions resolve to it. The add-in now fetches in a process of its
    own; here that process meets the fake Yahoo, and the cell gets the fake's close."""
    _, _, extensions = calc
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_CHILD_FAKE.format(
        repo=str(Path(__file__).resolve().parents[2]), cache=str(tmp_path / "tz")))
    monkeypatch.setenv("PYTHONPATH", str(hook))
    monkeypatch.setenv("RERATING_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("RERATING_OFFLINE", raising=False)
    monkeypatch.setenv("RERATING_LOG_DIR", str(tmp_path / "log"))
    wb = Workbook()
    wb.active["A1"] = '=RR_PRICE("TCS.NS")'
    wb.active["A2"] = '=RR_PRICE("NOSUCH.NS")'
    src = tmp_path / "fetch.xlsx"
    wb.save(src)
    got = load_workbook(recalculate(src, tmp_path / "out", extensions=extensions), data_only=True).active
    assert got["A1"].value == 3538.0, got["A1"].value  # the fake's last close (base 3500 + 38)
    assert str(got["A2"].value).startswith("#N/A") and "NOSUCH.NS" in got["A2"].value
    assert "Impersonat" not in str(got["A2"].value)
    from rerating.data.store import Store
    assert "TCS.NS" in set(Store(tmp_path / "store").read("prices")["ticker"])  # stored once


def test_the_real_cause_is_named_when_curl_cffi_cannot_impersonate() -> None:
    from rerating.data.providers.yahoo import _failure

    err = _failure("prices", {"TCS.NS": "ImpersonateError('Impersonating chrome152 is not supported')"},
                   None)  # type: ignore[arg-type]
    assert "Yahoo cannot be asked from inside this program (its own libcurl shadows curl_cffi's" \
        in err.failures["TCS.NS"]
