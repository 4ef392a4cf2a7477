"""Built-in NSE lists: real membership with a date and a source, flagged when old, replaceable.

Expected members are read from NSE's NIFTY 50 answer of 2026-01-07 (see
python/rerating/data/lists/SOURCES.md), not from the code under test.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from rerating.cli import cli
from rerating.data.universe import BUILTIN_LISTS, members, resolve_universe, universe_flag

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


def test_nifty50_is_the_dated_nse_list_after_the_2025_changes(tmp_path: Path) -> None:
    tickers = resolve_universe("nifty50", tmp_path)
    assert len(tickers) == 50 == len(set(tickers))
    # Tata Motors' passenger business trades as TMPV since the demerger; Zomato is Eternal
    assert "TMPV.NS" in tickers and "TATAMOTORS.NS" not in tickers
    assert "ETERNAL.NS" in tickers and "ZOMATO.NS" not in tickers
    assert {"INDIGO.NS", "MAXHEALTH.NS", "BAJAJ-AUTO.NS", "M&M.NS"} <= set(tickers)
    m = members("nifty50", tmp_path).set_index("ticker")
    assert m.loc["RELIANCE.NS", "isin"] == "INE002A01018"
    assert m.loc["TCS.NS", "company_name"] == "Tata Consultancy Services Limited"
    assert BUILTIN_LISTS["nifty50"].date == "2026-01-07"


def test_a_list_older_than_six_months_is_flagged_until_replaced(tmp_path: Path) -> None:
    assert universe_flag("nifty50", tmp_path, today=date(2026, 6, 30)) is None  # 174 days
    flag = universe_flag("nifty50", tmp_path, today=date(2026, 11, 25))
    assert flag is not None and "2026-01-07" in flag and "10 months old" in flag
    assert "--update ind_nifty50list.csv" in flag
    assert universe_flag("demo-small", tmp_path) is None

    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes"])
    assert "OLD: the built-in NIFTY 50 list is dated 2026-01-07" in run.output
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "status"])
    assert "universe nifty50  OLD:" in run.output

    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes", "--update",
                                   str(FILES / "ind_nifty50list.csv")])
    assert run.exit_code == 0, run.output
    assert universe_flag("nifty50", tmp_path) is None  # the analyst's newer list wins
    assert resolve_universe("nifty50", tmp_path)[:2] == ["BAJAJ-AUTO.NS", "HDFCBANK.NS"]
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes"])
    assert "replaced by your saved list nifty50.csv" in run.output
    assert "imported 20" in run.output and "from ind_nifty50list.csv" in run.output


def test_update_refuses_a_file_that_replaces_no_built_in_list(tmp_path: Path) -> None:
    f = tmp_path / "ind_niftysmallcap250list.csv"
    f.write_bytes((FILES / "ind_nifty50list.csv").read_bytes())
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes", "--update", str(f)])
    assert run.exit_code != 0
    assert "'niftysmallcap250', which is not a built-in list" in str(run.exception)
