"""The RR_ functions through xlwings' own UDF machinery (tests/functions/harness.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rerating.analytics import dcf, rally, revisions, valuation
from rerating.data import access
from rerating.data.universe import resolve_universe
from rerating.functions import values as excel
from rerating.functions.registry import specs
from rerating.settings import Settings
from tests.functions import harness as h
from tests.functions.harness import MISSING, call

REGISTRY = specs()
# Excel built-ins an RR_ name must never shadow, and cell references it must not look like.
EXCEL_BUILTINS = {"PRICE", "RETURN", "RANK", "INFO", "PE", "PB", "COE", "NPV", "XNPV", "RATE"}




def one(result):  # type: ignore[no-untyped-def]
    """The single cell of a converted result (a raw function hands a scalar straight to COM)."""
    if not isinstance(result, list):
        return result
    assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


# -- metadata and VBA --------------------------------------------------------------------------
def test_catalogue_is_complete() -> None:
    wanted = {"RR_PRICE", "RR_HISTORY", "RR_INFO", "RR_ASOF", "RR_RETURN", "RR_PERIOD_RETURNS",
              "RR_BEST_SINCE", "RR_PERIOD_RANK", "RR_RALLY_TABLE", "RR_BREADTH",
              "RR_RELATIVE_STRENGTH", "RR_PE", "RR_PB", "RR_VALUATION_GAP", "RR_GAP_PERCENTILE",
              "RR_MULTIPLE_CHANGE", "RR_EPS_REVISION", "RR_REVISION_BREADTH", "RR_VALUE_TRAPS",
              "RR_COE", "RR_JUSTIFIED_PE", "RR_JUSTIFIED_PB", "RR_TWO_STAGE_PE",
              "RR_IMPLIED_GROWTH", "RR_IMPLIED_ERP", "RR_MULTIPLE_ADJ", "RR_DCF_VALUE",
              "RR_TARGET_PRICE", "RR_RESULT", "RR_SURPRISE", "RR_SEASON"}
    assert wanted <= set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_xlwings_metadata_and_help(name: str) -> None:
    f = getattr(h.UDFS, name)
    info = f.__xlfunc__
    spec = REGISTRY[name]
    assert info["name"] == name and info["category"] == "Rerating Desk"
    assert not info["volatile"]
    assert info["ret"]["doc"].split("\n")[0].startswith(spec.summary[:40])
    for arg in info["args"]:
        assert arg["doc"] == spec.args[arg["name"]] and len(arg["doc"]) > 5
        assert arg["options"].get("err_to_str") is True
        assert ("optional" in arg) == (arg["name"] in spec.defaults)
        if arg["name"] in spec.defaults:
            assert spec.args[arg["name"]].startswith("Optional")
    assert not re.fullmatch(r"[A-Z]{1,3}[0-9]{1,7}", name)
    assert name.removeprefix("RR_") not in EXCEL_BUILTINS or name.startswith("RR_")


def test_generated_vba_declares_every_function_with_its_optional_arguments() -> None:
    vba = h.vba()
    for name, spec in REGISTRY.items():
        sig = re.search(rf"^Function {name}\((.*)\)$", vba, re.M)
        assert sig, name
        parts = [p.strip() for p in sig.group(1).split(",") if p.strip()]
        declared = [p.removeprefix("Optional ") for p in parts]
        assert declared == list(spec.args), name
        optional = [p.removeprefix("Optional ") for p in parts if p.startswith("Optional ")]
        assert optional == list(spec.defaults), name
        assert f'XLPy.CallUDF("rerating.functions.xlwings_host", "{name}"' in vba
        assert "Application.Volatile" not in vba


# -- good input, checked against the core ------------------------------------------------------
def test_a_rate_typed_as_a_percent_is_refused_with_the_decimal_to_use() -> None:
    # RR_JUSTIFIED_PE(50, 5, 10) returned 60.0: payout 5,000%, growth 500%, coe 1,000%
    assert one(call("RR_JUSTIFIED_PE", 50, 5, 10)) == \
        "#VALUE! payout 50 looks like a percent: use 0.5 (or type 50%)"
    assert one(call("RR_JUSTIFIED_PE", "50%", "5%", "10%")) == pytest.approx(10.5)
    assert one(call("RR_COE", 7, 1.2, 0.055)) == "#VALUE! rf 7 looks like a percent: use 0.07 (or type 7%)"
    assert one(call("RR_COE", 0.07, 1.2, 0.055)) == pytest.approx(0.136)  # beta above 1 is fine


def test_dcf_functions_match_the_core() -> None:
    assert one(call("RR_COE", 0.07, 1.2, 0.055)) == pytest.approx(0.136)
    assert one(call("RR_JUSTIFIED_PE", 0.5, 0.05, 0.10)) == pytest.approx(10.5)
    assert one(call("RR_JUSTIFIED_PE", "50%", 0.05, 0.10, "forward")) == pytest.approx(10.0)
    assert one(call("RR_JUSTIFIED_PB", 0.15, 0.05, 0.10)) == pytest.approx(2.15)
    assert one(call("RR_JUSTIFIED_PB", 0.15, 0.05, 0.10, MISSING, "forward")) == pytest.approx(2.0)
    assert one(call("RR_JUSTIFIED_PB", 0.15, 0.05, 0.10, 0.5)) == pytest.approx(1.575)
    assert one(call("RR_TWO_STAGE_PE", 0.2, 0.2, 5, 0.6, 0.06, 0.12)) == \
        pytest.approx(dcf.two_stage_pe(0.2, 0.2, 5, 0.6, 0.06, 0.12))
    assert one(call("RR_IMPLIED_GROWTH", 10.5, 0.5, 0.10)) == pytest.approx(0.05)
    assert one(call("RR_IMPLIED_ERP", 10.5, 0.5, 0.05, 0.07, 1)) == pytest.approx(0.03)
    # the fade model by default; the single-stage Gordon figure (13.125) when asked
    assert one(call("RR_MULTIPLE_ADJ", 10.5, 0.03, 0.02, 0.07, 1, 0.5)) == \
        pytest.approx(dcf.multiple_adjustment(10.5, 0.03, 0.02, 0.07, 1.0, 0.5).new_pe, rel=1e-12)
    assert one(call("RR_MULTIPLE_ADJ", 10.5, 0.03, 0.02, 0.07, 1, 0.5, MISSING, MISSING, MISSING,
                    "gordon")) == pytest.approx(13.125)
    assert one(call("RR_MULTIPLE_ADJ", 10.5, 0.03, 0.02, 0.07, 1, 0.5, MISSING, MISSING, "factor",
                    "gordon")) == pytest.approx(1.25)
    assert one(call("RR_MULTIPLE_ADJ", 21.6, 0.055, 0.05, 0.07, 1, 0.15, MISSING, MISSING, MISSING,
                    "fade", 0.05, 5, 15)) == pytest.approx(dcf.multiple_adjustment(
                        21.6, 0.055, 0.05, 0.07, 1.0, 0.15, terminal_growth=0.05, years_high=5,
                        years_fade=15).new_pe, rel=1e-12)
    cfs = [[100.0], [110.0], [121.0]]
    assert one(call("RR_DCF_VALUE", cfs, 0.10, 0.05)) == pytest.approx(3 * 100 / 1.1 + 2541 / 1.331)
    assert one(call("RR_DCF_VALUE", [[100.0, 110.0, 121.0]], 0.10, MISSING, 15)) == \
        pytest.approx(3 * 100 / 1.1 + 1815 / 1.331)
    assert one(call("RR_TARGET_PRICE", 62, 18.5)) == pytest.approx(1147.0)
    assert one(call("RR_MULTIPLE_CHANGE", 100, 130, 10, 11)) == pytest.approx(13 / 11 - 1)
    assert one(call("RR_EPS_REVISION", 11, 10)) == pytest.approx(0.1)
    assert one(call("RR_REVISION_BREADTH", [[12], [3]], [[4], [1]])) == pytest.approx(0.5)
    assert one(call("RR_VALUATION_GAP", 18, 20)) == pytest.approx(-0.1)
    assert one(call("RR_GAP_PERCENTILE", [[0.1], [0.2], [-0.1], [0.05], [-0.05]])) == pytest.approx(0.4)


def test_rally_functions_on_a_sheet_range_need_no_store() -> None:
    dates = [[dt.datetime(2026, 1, 30)], [dt.datetime(2026, 2, 27)], [dt.datetime(2026, 3, 31)]]
    prices = [[100.0], [110.0], [99.0]]
    assert one(call("RR_RETURN", prices, "1D", MISSING, dates)) == pytest.approx(-0.1)
    table = call("RR_PERIOD_RETURNS", prices, "M", dates)
    assert table[0] == ["period_end", "return"]
    assert [r[1] for r in table[1:]] == [pytest.approx(0.1), pytest.approx(-0.1)]
    # March (-10%) is the best month since February (+10%); February the best ever
    assert one(call("RR_BEST_SINCE", prices, "M", MISSING, MISSING, dates)) == dt.datetime(2026, 2, 27)
    assert one(call("RR_BEST_SINCE", prices, "M", "2026-02-15", MISSING, dates)) == "best ever"


def test_data_functions_read_the_store(desk) -> None:  # type: ignore[no-untyped-def]
    s = desk.store.read("prices", ["SMALL250.DEMO"]).set_index("date").close
    assert one(call("RR_PRICE", "SMALL250.DEMO")) == s.iloc[-1]
    assert one(call("RR_PRICE", "small250.demo", dt.datetime(2014, 6, 1))) == s.loc[:"2014-06-01"].iloc[-1]
    assert one(call("RR_PRICE", "SMALL250.DEMO", "2014-05-30")) == s.loc["2014-05-30"]
    hist = call("RR_HISTORY", "SMALL250.DEMO", "2026-04-28")
    assert hist[0] == ["date", "close"] and len(hist) == 4
    assert one(call("RR_BEST_SINCE", "SMALL250.DEMO")) == dt.datetime(2014, 5, 30)
    detail = call("RR_BEST_SINCE", "SMALL250.DEMO", MISSING, MISSING, True)
    assert detail[5] == ["periods between", 142]
    monthly = rally.period_returns(s, "M").dropna()
    assert one(call("RR_PERIOD_RANK", "SMALL250.DEMO")) == rally.period_rank(monthly).rank
    asof = one(call("RR_ASOF"))
    assert asof.startswith("as of 2026-04-30 · source demo:synthetic (SYNTHETIC)")


def test_rally_table_matches_the_core(desk) -> None:  # type: ignore[no-untyped-def]
    small = desk.closes(["SMALL250.DEMO"])  # warm
    names = resolve_universe("demo-small")
    got = call("RR_RALLY_TABLE", "demo-small", "LARGE50.DEMO", "MTD")
    assert got[0][:3] == ["ticker", "sector", "return"]
    assert len(got) == 1 + len(names)
    core = rally.rally_table(desk.closes(names), desk.prices("LARGE50.DEMO")["close"], "MTD")
    first = got[1]
    assert first[0] == core.index[0]
    assert first[2] == pytest.approx(core["return"].iloc[0])
    assert small.shape[1] == 1


def test_raw_tables_are_what_xlwings_would_have_sent(desk) -> None:  # type: ignore[no-untyped-def]
    """Functions returned with xw.ret("raw") skip xlwings' per-cell write pass, so their cells
    must already be what that pass makes: blanks as "", plain Python numbers, no NaN."""
    from xlwings import conversion

    raw = [n for n, f in vars(h.UDFS).items()
           if hasattr(f, "__xlfunc__") and f.__xlfunc__["ret"]["options"].get("convert") == "raw"]
    assert sorted(raw) == ["RR_RALLY_TABLE", "RR_VALUE_TRAPS"]
    cases = [("RR_RALLY_TABLE", ("demo", "LARGE50.DEMO", "1M")),  # indices: sector blank
             ("RR_RALLY_TABLE", ("demo-small", "LARGE50.DEMO", "MTD", "2008-10-31")),
             ("RR_VALUE_TRAPS", ("demo-small", "MTD")),
             ("RR_VALUE_TRAPS", ("demo-large", "MTD", None, 0.99, -0.9)),  # none found
             ("RR_RALLY_TABLE", ("NOPE.NS", "LARGE50.DEMO"))]  # an error text
    for name, args in cases:
        got = call(name, *args)
        assert excel.ready_for_excel(got), (name, args)
        as_2d = got if isinstance(got, list) else [[got]]  # a scalar goes to COM as 1x1
        assert conversion.write(got, None, {}) == as_2d, (name, args)
    blanks = [r for r in call("RR_RALLY_TABLE", "demo", "LARGE50.DEMO") if r[1] == ""]
    assert {r[0] for r in blanks} >= {"SMALL250.DEMO", "LARGE50.DEMO"}


def test_valuation_and_revision_functions_on_the_demo(desk) -> None:  # type: ignore[no-untyped-def]
    v = desk.store.read("index_valuation").pivot(index="date", columns="index", values="pe")
    assert one(call("RR_PE", "SMALL250.DEMO")) == pytest.approx(v["SMALL250.DEMO"].iloc[-1])
    gap = one(call("RR_VALUATION_GAP", "SMALL250.DEMO", "LARGE50.DEMO"))
    assert gap == pytest.approx(v["SMALL250.DEMO"].iloc[-1] / v["LARGE50.DEMO"].iloc[-1] - 1)
    traps = call("RR_VALUE_TRAPS", "demo-small", "MTD")
    assert traps[0] == ["ticker", "return", "revision", "return_percentile"]
    assert len(traps) - 1 == 8
    assert 0.5 < one(call("RR_REVISION_BREADTH", "demo-small")) <= 1.0


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "args", "expected"), [
    ("RR_COE", (None, 1, 0.05), "#VALUE! rf is blank"),
    ("RR_COE", ("abc", 1, 0.05), "#VALUE! rf 'abc' is not a number"),
    ("RR_COE", ("#N/A", 1, 0.05), "#VALUE! rf is the Excel error #N/A"),
    ("RR_COE", (-2146826246, 1, 0.05), "#VALUE! rf is the Excel error #N/A"),
    ("RR_COE", (True, 1, 0.05), "#VALUE! rf is TRUE/FALSE"),
    ("RR_COE", ([[1.0, 2.0]], 1, 0.05), "#VALUE! rf must be a single cell"),
    ("RR_JUSTIFIED_PE", (0.5, 0.15, 0.12), "#VALUE! growth 0.15 is not below cost of equity 0.12"),
    ("RR_JUSTIFIED_PE", (-0.5, 0.05, 0.12), "#VALUE! payout -0.5 is negative"),
    ("RR_IMPLIED_GROWTH", (0, 0.5, 0.1), "#VALUE! pe 0 is not positive"),
    ("RR_TARGET_PRICE", (-3, 15), "#VALUE! eps -3 is not positive"),
    ("RR_TWO_STAGE_PE", (0.2, 0.2, -1, 0.6, 0.06, 0.12), "#VALUE! years -1"),
    ("RR_DCF_VALUE", ([[None], [None]], 0.1), "#VALUE! cash_flows has a blank cell"),
    ("RR_JUSTIFIED_PE", (0.5, 0.05, 0.12, "sideways"), "#VALUE! basis 'sideways' is not one of trailing, forward"),
    ("RR_RETURN", ([[1.0], [2.0]], "1M"), "#VALUE! prices: give dates"),
    ("RR_REVISION_BREADTH", ([[1], [2]], [[1]]), "#VALUE! ups has 2 values but downs has 1"),
])
def test_bad_input_gives_readable_excel_errors(name: str, args: tuple, expected: str) -> None:
    got = one(call(name, *args))
    assert isinstance(got, str) and got.startswith(expected), got


def test_unknown_ticker_offline(desk) -> None:  # type: ignore[no-untyped-def]
    got = one(call("RR_PRICE", "FOO.NS"))
    assert got.startswith("#N/A") and "FOO.NS" in got
    got = one(call("RR_RALLY_TABLE", [["SMALL250.DEMO"], ["NOPE.NS"]], "LARGE50.DEMO"))
    assert got.startswith("#N/A") and "NOPE.NS" in got


def test_one_cell_where_a_table_is_expected(desk) -> None:  # type: ignore[no-untyped-def]
    got = call("RR_RALLY_TABLE", [["SMALL250.DEMO"]], "LARGE50.DEMO", "MTD")
    assert got[0][0] == "ticker" and got[1][0] == "SMALL250.DEMO"


def test_ten_thousand_row_ranges() -> None:
    cfs = [[1.0]] * 10_000
    assert one(call("RR_DCF_VALUE", cfs, 0.05)) == pytest.approx((1 - 1.05**-10_000) / 0.05)
    hist = [[float(i)] for i in range(10_000)]
    assert one(call("RR_GAP_PERCENTILE", hist)) == 1.0
    dates = [[dt.datetime(2000, 1, 3) + dt.timedelta(days=i)] for i in range(10_000)]
    prices = [[100.0 + i] for i in range(10_000)]
    assert one(call("RR_RETURN", prices, "1D", MISSING, dates)) == pytest.approx(10_099 / 10_098 - 1)


def test_internal_errors_show_one_line_and_log_the_traceback(desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rerating.functions import values as excel

    log = desk.settings.log_dir / "udf.log"
    monkeypatch.setattr(excel, "LOG_FILE", log)
    monkeypatch.setattr(dcf, "cost_of_equity", lambda *a: 1 / 0)
    got = one(call("RR_COE", 0.07, 1, 0.05))
    assert got.startswith("#ERR ZeroDivisionError") and "\n" not in got
    assert "Traceback" in log.read_text() and "ZeroDivisionError" in log.read_text()


# -- fuzz ----------------------------------------------------------------------------------------
excel_scalars = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-10**6, 10**6), st.sampled_from([-2146826246, -2146826281, -2146826273]),
    st.sampled_from(["", "abc", "#N/A", "#VALUE!", "12%", "0.1", "2026-04-30", "demo-small",
                     "SMALL250.DEMO", "LARGE50.DEMO", "NOPE.NS", "=1+1", "M", "MTD", "1M",
                     "trailing", "forward", "TRUE", "-5"]),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2030, 1, 1)),
)
excel_values = st.one_of(
    excel_scalars,
    st.lists(st.lists(excel_scalars, min_size=1, max_size=3), min_size=1, max_size=4)
    .filter(lambda rows: len({len(r) for r in rows}) == 1),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                   HealthCheck.too_slow], deadline=None)
@given(name=st.sampled_from(sorted(REGISTRY)), data=st.data())
def test_fuzz_no_exception_no_internal_error(desk, name: str, data) -> None:  # type: ignore[no-untyped-def]
    n = len(REGISTRY[name].args)
    args = [data.draw(st.one_of(st.just(MISSING), excel_values)) for _ in range(n)]
    result = call(name, *args)
    result = result if isinstance(result, list) else [[result]]  # raw functions: scalar to COM
    flat = [c for row in result for c in row]
    for c in flat:
        if isinstance(c, str) and c.startswith("#"):
            assert not c.startswith("#ERR"), (name, args, c)
            assert "Traceback" not in c
        else:
            assert c is None or isinstance(c, str | float | int | bool | dt.datetime | np.floating), c


def test_internal_errors_go_to_the_log_file_doctor_prints(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rerating.functions import values as excel

    monkeypatch.setattr(excel, "LOG_FILE", None)
    monkeypatch.setenv("RERATING_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(dcf, "cost_of_equity", lambda *a: [][1])
    assert one(call("RR_COE", 0.07, 1, 0.05)).startswith("#ERR IndexError")
    assert Settings.from_env().log_file == tmp_path / "logs" / "rerating.log"
    text = (tmp_path / "logs" / "rerating.log").read_text()
    assert "Excel function RR_COE" in text and "IndexError" in text


def test_with_no_network_the_first_call_names_the_network(fake_yahoo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Empty store, no network: the first RR_PRICE answered `#N/A unknown ticker RELIANCE.NS`
    and only the second named the network. The yfinance adapter runs through yfinance's own
    code; only the transport answers with a DNS failure."""
    from rerating.data.providers.yahoo import YahooProvider

    fake_yahoo.failures["RELIANCE.NS"] = "dns"
    data = access.MarketData(
        Settings(data_dir=tmp_path / "store", log_dir=tmp_path, offline=False),
        provider_for=lambda t: YahooProvider(session=fake_yahoo.session(), sleep=lambda s: None,
                                             retries=0),
        batch_window=0.0)
    access.use(data)
    try:
        first = one(call("RR_PRICE", "RELIANCE.NS"))
        second = one(call("RR_PRICE", "RELIANCE.NS"))
        info = one(call("RR_INFO", "RELIANCE.NS", "pe"))
    finally:
        access.use(None)
    for got in (first, second, info):
        assert got.startswith("#N/A RELIANCE.NS is not in the store and Yahoo Finance cannot be "
                              "reached: no network"), got
        assert "unknown ticker" not in got
    assert data.fetches == 1  # the second cell did not knock again
    # the cell stays short (before: curl's whole message, 225 characters); the details are in
    # the log, and `rerating doctor` shows them
    assert first == ("#N/A RELIANCE.NS is not in the store and Yahoo Finance cannot be reached: "
                     "no network (details: rerating doctor)")
    log = (tmp_path / "rerating.log").read_text()
    assert "fetch failed: RELIANCE.NS: Yahoo Finance cannot be reached" in log
    assert "Temporary failure in name resolution" in log
    import os

    from click.testing import CliRunner

    from rerating.cli import cli

    run = CliRunner().invoke(cli, ["doctor"], env={**os.environ, "RERATING_LOG_DIR": str(tmp_path)})
    assert "fetch failed: RELIANCE.NS: Yahoo Finance cannot be reached: no network (" in run.output


def test_gap_percentile_uses_the_notes_month_end_base(desk, demo_store) -> None:  # type: ignore[no-untyped-def]
    """The dashboard said 52.8% (month-end gaps) where RR_GAP_PERCENTILE said 0.5207 (every
    session): one statement, two bases. Month-ends are the default now; day is named."""
    v = demo_store.read("index_valuation").pivot_table(index="date", columns="index", values="pe")
    gap = (v["SMALL250.DEMO"] / v["LARGE50.DEMO"] - 1).dropna()
    ends = gap.groupby(gap.index.to_period("M")).tail(1)  # by hand: each month's last session
    by_hand = float((ends <= ends.iloc[-1]).mean())
    got = one(call("RR_GAP_PERCENTILE", "SMALL250.DEMO", "LARGE50.DEMO"))
    assert got == pytest.approx(by_hand, abs=1e-15)
    assert round(got * 100) == 53  # the demo note's "53rd percentile of month-end gaps"
    daily = one(call("RR_GAP_PERCENTILE", "SMALL250.DEMO", "LARGE50.DEMO", MISSING, "pe", "day"))
    assert daily == pytest.approx(float((gap <= gap.iloc[-1]).mean()), abs=1e-15)
    assert daily != got
    mar = one(call("RR_GAP_PERCENTILE", "SMALL250.DEMO", "LARGE50.DEMO", dt.datetime(2026, 3, 31)))
    assert mar == pytest.approx(float((ends.iloc[:-1] <= ends.iloc[-2]).mean()), abs=1e-15)


def test_a_date_no_market_data_can_hold_is_refused_not_an_internal_error(desk) -> None:  # type: ignore[no-untyped-def]
    """Found by the fuzz test: 0001-01-01 ended in #ERR OutOfBoundsDatetime."""
    got = one(call("RR_VALUE_TRAPS", "demo-small", "1M", dt.datetime(1, 1, 1)))
    assert got == "#VALUE! as_of 0001-01-01 is outside the dates market data can hold (1900 to 2262)"


def test_a_text_date_in_a_cell_reads_as_the_command_line_reads_it(desk) -> None:  # type: ignore[no-untyped-def]
    """Before: "04/03/2026" answered the 3 April close (read month first) while the command
    line refused the same text as ambiguous. One rule, one message, in the cell and the CLI."""
    from rerating.data.parsing import parse_date_text
    from rerating.errors import InputError

    got = one(call("RR_PRICE", "SMALL250.DEMO", "04/03/2026"))
    with pytest.raises(InputError) as cli:
        parse_date_text("04/03/2026", "date")
    assert got == f"#VALUE! {cli.value}"
    assert "could be day first or month first; write it as YYYY-MM-DD" in got
    s = desk.store.read("prices", ["SMALL250.DEMO"]).set_index("date").close
    # unambiguous text still reads, each style the command line takes
    assert one(call("RR_PRICE", "SMALL250.DEMO", "13/03/2026")) == s.loc[:"2026-03-13"].iloc[-1]
    assert one(call("RR_PRICE", "SMALL250.DEMO", "13 Mar 2026")) == s.loc[:"2026-03-13"].iloc[-1]


# -- ticker ranges: one call for a column of tickers --------------------------------------------
def test_a_range_of_tickers_spills_one_row_each_in_order(desk) -> None:  # type: ignore[no-untyped-def]
    """=RR_PRICE(A2:A5): the same numbers as one call per cell, a blank for a blank cell, and
    the error in the row of a bad ticker without failing the others."""
    rng = [["DEVALPER.DEMO"], [None], ["NOPE.DEMO"], ["SMALL250.DEMO"]]
    got = call("RR_PRICE", rng)
    assert len(got) == 4 and all(len(r) == 1 for r in got)
    assert got[0][0] == one(call("RR_PRICE", "DEVALPER.DEMO"))
    assert got[1][0] in (None, "")  # shown blank
    assert got[2][0].startswith("#N/A") and "NOPE.DEMO" in got[2][0]
    assert got[3][0] == one(call("RR_PRICE", "SMALL250.DEMO"))
    on = dt.datetime(2026, 3, 31)
    assert call("RR_PRICE", rng, on)[3][0] == one(call("RR_PRICE", "SMALL250.DEMO", on))


def test_info_takes_a_range_of_tickers_and_an_array_of_fields(desk) -> None:  # type: ignore[no-untyped-def]
    rng = [["DEVALPER.DEMO"], ["HARITCON.DEMO"], [""], ["=HYPERLINK(1)"]]
    fields = [["pe", "pb", "sector"]]
    got = call("RR_INFO", rng, fields)
    assert [len(r) for r in got] == [3, 3, 3, 3]
    for i, t in enumerate(("DEVALPER.DEMO", "HARITCON.DEMO")):
        assert got[i] == [one(call("RR_INFO", t, f)) for f in ("pe", "pb", "sector")]
    assert all(x in (None, "") for x in got[2])
    assert all(x.startswith("#") for x in got[3])
    # one ticker, several fields: one row
    assert call("RR_INFO", "DEVALPER.DEMO", fields) == [got[0]]


def test_revision_return_and_strength_take_ranges(desk) -> None:  # type: ignore[no-untyped-def]
    rng = [["DEVALPER.DEMO"], ["HARITCON.DEMO"], ["BHUMICON.DEMO"]]
    for name, args in (("RR_EPS_REVISION", (30,)), ("RR_RETURN", ("3M",)),
                       ("RR_RELATIVE_STRENGTH", ("LARGE50.DEMO", "1M"))):
        got = call(name, rng, *args)
        assert [r[0] for r in got] == [one(call(name, t[0], *args)) for t in rng], name
        assert all(isinstance(r[0], float) for r in got), (name, got)
    # numbers are still EPS (now, then) or prices, not tickers
    assert one(call("RR_EPS_REVISION", 110, 100)) == pytest.approx(0.10)


# Each RR_ function and the core function it wraps. A twin parameter may be read from the store
# instead of typed (a ticker or universe stands for the prices, caps or estimates), or not apply
# to one cell (numpy's axis); those are listed, everything else must be an argument of the same
# name, so a sheet can reproduce any figure the Python twin gives.
_TWINS = {
    "RR_COE": (dcf.cost_of_equity, {}),
    "RR_JUSTIFIED_PE": (dcf.justified_pe, {}),
    "RR_JUSTIFIED_PB": (dcf.justified_pb, {}),
    "RR_TWO_STAGE_PE": (dcf.two_stage_pe, {}),
    "RR_IMPLIED_GROWTH": (dcf.implied_growth, {}),
    "RR_IMPLIED_ERP": (dcf.implied_erp, {}),
    "RR_MULTIPLE_ADJ": (dcf.multiple_adjustment, {}),
    "RR_DCF_VALUE": (dcf.dcf_value, {}),
    "RR_TARGET_PRICE": (dcf.target_price, {}),
    "RR_VALUATION_GAP": (valuation.valuation_gap, {}),
    "RR_MULTIPLE_CHANGE": (valuation.multiple_change, {}),
    "RR_GAP_PERCENTILE": (valuation.gap_percentile, {"history": "history_or_small"}),
    "RR_PE": (valuation.aggregate_multiple, {"market_caps": "ticker_or_universe",
                                             "earnings_or_book": "ticker_or_universe"}),
    "RR_PB": (valuation.aggregate_multiple, {"market_caps": "ticker_or_universe",
                                             "earnings_or_book": "ticker_or_universe"}),
    "RR_EPS_REVISION": (revisions.eps_revision, {"eps_now": "ticker_or_eps_now",
                                                 "eps_then": "eps_then_or_days"}),
    "RR_REVISION_BREADTH": (revisions.revision_breadth, {"ups": "ups_or_universe", "axis": None}),
    "RR_VALUE_TRAPS": (revisions.value_traps, {"returns": "universe", "revisions": "universe"}),
    "RR_RALLY_TABLE": (rally.rally_table, {"prices": "universe", "sectors": "universe"}),
    "RR_BREADTH": (rally.breadth, {"prices": "universe"}),
    "RR_RELATIVE_STRENGTH": (rally.relative_strength, {}),
    "RR_BEST_SINCE": (rally.best_since, {"returns": "prices"}),
    "RR_PERIOD_RANK": (rally.period_rank, {"returns": "prices"}),
    "RR_PERIOD_RETURNS": (rally.period_returns, {}),
}


def test_every_rr_function_takes_every_input_of_its_python_twin() -> None:
    import inspect

    missing = []
    for name, (twin, renamed) in _TWINS.items():
        have = set(REGISTRY[name].args)
        for p in inspect.signature(twin).parameters:
            arg = renamed.get(p, p)
            if arg is not None and arg not in have:
                missing.append(f"{name} lacks {p} of {twin.__name__}")
    assert not missing, missing
    # the DCF functions are all there: a new core function needs its RR_ twin (or a line above)
    assert {n for n in REGISTRY if REGISTRY[n].group == "DCF"} <= set(_TWINS)


def test_the_multiple_adjustment_cell_takes_the_terminal_payout() -> None:
    """The note's fair P/E uses a terminal payout from ROE: the cell must be able to say it."""
    core = dcf.multiple_adjustment(21.8, 0.055, 0.05, 0.07, 1, 0.29, payout_stable=0.53).new_pe
    cell = h.UDFS.RR_MULTIPLE_ADJ(21.8, 0.055, 0.05, 0.07, 1, 0.29, payout_stable=0.53)
    without = h.UDFS.RR_MULTIPLE_ADJ(21.8, 0.055, 0.05, 0.07, 1, 0.29)
    assert cell == pytest.approx(float(core), rel=1e-12)
    assert abs(cell - without) > 0.1  # the terminal payout moves the answer (24.3 -> 24.5 here)
