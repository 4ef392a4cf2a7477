"""Built-in NSE lists: NSE's own files shipped byte for byte, with a date and a source, flagged
once NSE has rebalanced since, replaceable.

Expected checksums and row counts are read from python/rerating/data/lists/SOURCES.md (the
record made when the copies were collected), expected members from NSE's files themselves as
quoted here, never from the code under test.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from rerating.cli import cli
from rerating.data.universe import (
    BUILTIN_LISTS,
    members,
    rebalances_since,
    resolve_universe,
    universe_flag,
)

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
LISTS = resources.files("rerating.data.lists")


def _recorded() -> dict[str, tuple[int, str]]:
    """file -> (rows, sha256) from the SOURCES.md table."""
    out = {}
    for line in LISTS.joinpath("SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) > 6 and cells[0].endswith(".csv"):
            out[cells[0]] = (int(cells[1]), cells[6])
    return out


def test_nine_nse_lists_are_shipped_unmodified_with_their_recorded_checksums() -> None:
    recorded = _recorded()
    assert len(recorded) == 9 and set(recorded) == {lst.file for lst in BUILTIN_LISTS.values()}
    for lst in BUILTIN_LISTS.values():
        data = LISTS.joinpath(lst.file).read_bytes()
        rows, sha = recorded[lst.file]
        assert hashlib.sha256(data).hexdigest() == sha, lst.file
        assert data.startswith(b"Company Name,Industry,Symbol,Series,ISIN Code\n")
        assert b"\r" not in data and data.count(b"\n") == rows + 1, lst.file


@pytest.mark.parametrize("name", sorted(BUILTIN_LISTS))
def test_every_list_has_the_index_s_size_and_unique_nse_tickers(name: str, tmp_path: Path) -> None:
    tickers = resolve_universe(name, tmp_path)
    assert len(tickers) == len(set(tickers)) == BUILTIN_LISTS[name].size
    assert all(re.fullmatch(r"[A-Z0-9&\-]+\.NS", t) for t in tickers)
    assert not any(t.startswith("DUMMY") for t in tickers)


def test_the_microcap_list_leaves_out_nse_s_placeholder_rows(tmp_path: Path) -> None:
    raw = LISTS.joinpath("ind_niftymicrocap250_list.csv").read_text(encoding="utf-8")
    assert "Dummy Inox Green Ltd.,Construction,DUMMYINXGN,EQ,DUM510W01014" in raw
    assert raw.count("\n") == 253  # header, 250 members, 2 placeholders
    m = members("niftymicrocap250", tmp_path)
    assert len(m) == 250 and "DUMMYINXGN.NS" not in set(m["ticker"])


def test_nifty50_is_nse_s_list_with_industries(tmp_path: Path) -> None:
    tickers = resolve_universe("nifty50", tmp_path)
    # Tata Motors' passenger business trades as TMPV since the demerger; Zomato is Eternal
    assert "TMPV.NS" in tickers and "TATAMOTORS.NS" not in tickers
    assert "ETERNAL.NS" in tickers and "ZOMATO.NS" not in tickers
    assert {"INDIGO.NS", "MAXHEALTH.NS", "BAJAJ-AUTO.NS", "M&M.NS"} <= set(tickers)
    m = members("nifty50", tmp_path).set_index("ticker")
    assert m.loc["RELIANCE.NS", "isin"] == "INE002A01018"
    assert m.loc["TCS.NS", "company_name"] == "Tata Consultancy Services Ltd."
    assert m.loc["TCS.NS", "industry"] == "Information Technology"
    assert m.loc["TMPV.NS", "industry"] == "Automobile and Auto Components"
    assert BUILTIN_LISTS["nifty50"].date == "2026-06-30"
    # the Smallcap 250 copy of 2026-05-16 already has the AKZOINDIA -> JSWDULUX rename
    small = set(resolve_universe("niftysmallcap250", tmp_path))
    assert "JSWDULUX.NS" in small and "AKZOINDIA.NS" not in small


def test_rebalances_take_effect_at_the_end_of_march_and_september() -> None:
    assert rebalances_since("2026-03", date(2026, 9, 30)) == []
    assert rebalances_since("2026-03", date(2026, 10, 1)) == ["2026-09"]
    assert rebalances_since("2025-03", date(2026, 12, 4)) == ["2025-09", "2026-03", "2026-09"]
    assert rebalances_since("2025-09", date(2026, 4, 1)) == ["2026-03"]


def test_a_list_is_flagged_once_nse_has_rebalanced_since_until_replaced(tmp_path: Path) -> None:
    # the Nifty 50 copy of 2026-06-30 holds the March 2026 membership
    assert universe_flag("nifty50", tmp_path, today=date(2026, 9, 30)) is None
    flag = universe_flag("nifty50", tmp_path, today=date(2026, 10, 1))
    assert flag is not None and "dated 2026-06-30 (the March 2026 membership)" in flag
    assert "rebalanced it since (September 2026)" in flag
    assert "--update ind_nifty50list.csv" in flag
    # six months old with no rebalance between is flagged too (a copy taken early)
    old = universe_flag("niftynext50", tmp_path, today=date(2026, 3, 30))
    assert old is None or "rebalanced" in old
    assert universe_flag("demo-small", tmp_path) is None
    micro = universe_flag("niftymicrocap250", tmp_path, today=date(2026, 12, 4))
    assert micro is not None and "--update ind_niftymicrocap250_list.csv" in micro

    # today (on or after 2026-12-04) the September 2026 rebalance has taken effect
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes"])
    assert "OLD: the built-in NIFTY 50 list is dated 2026-06-30" in run.output
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "status"])
    # every OLD list on one line (before: nine lines, one a list, on every run)
    old = [x for x in run.output.splitlines() if "OLD" in x]
    assert len(old) == 1 and "nifty50" in old[0] and "niftymicrocap250" in old[0], run.output

    # the whole list replaces the built-in one: NSE's own file, shipped with the package
    whole = Path(__file__).resolve().parents[2] / "python" / "rerating" / "data" / "lists" / \
        "ind_nifty50list.csv"
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes", "--update",
                                   str(whole)])
    assert run.exit_code == 0, run.output
    assert universe_flag("nifty50", tmp_path) is None  # the analyst's newer list wins
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes"])
    assert "replaced by your saved list nifty50.csv" in run.output
    assert "imported 20" in run.output and "from ind_nifty50list.csv" in run.output


def test_a_partial_list_is_refused_unless_forced_and_then_flagged_wherever_used(
        tmp_path: Path) -> None:
    """Before: a 6-row copy of the 50-stock list printed a "check" line, replaced the built-in
    list, and nothing said so afterwards (data status dropped the line)."""
    sample = FILES / "ind_nifty50list.csv"  # a 6-row sample in NSE's layout
    before = resolve_universe("nifty50", tmp_path)
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes", "--update",
                                   str(sample)])
    assert run.exit_code != 0
    assert "lists 6 companies, and NIFTY 50 has 50: a partial or edited copy; nothing saved" \
        in str(run.exception)
    assert resolve_universe("nifty50", tmp_path) == before and len(before) == 50
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes", "--update",
                                   str(sample), "--force"])
    assert run.exit_code == 0, run.output
    assert resolve_universe("nifty50", tmp_path)[:2] == ["BAJAJ-AUTO.NS", "HDFCBANK.NS"]
    flag = universe_flag("nifty50", tmp_path)
    assert flag is not None and flag.startswith("PARTIAL: your saved nifty50 holds 6 of NIFTY "
                                                "50's 50 companies, saved with --force on ")
    for args in (["data", "universes"], ["data", "status"]):
        run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), *args])
        assert "PARTIAL: your saved nifty50 holds 6 of NIFTY 50's 50 companies" in run.output, args
    # a book's universe label carries it
    from rerating.services.notes import Notes
    from rerating.services.subjects import universe_label
    from rerating.settings import Settings

    label = universe_label(Settings(data_dir=tmp_path, log_dir=tmp_path), "nifty50", Notes())
    assert label.startswith("nifty50 (PARTIAL: 6 of NIFTY 50's 50 companies, saved with --force")


def test_data_universes_name_prints_the_members_and_where_the_list_comes_from(tmp_path: Path) -> None:
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes",
                                   "niftysmallcap250"])
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0].startswith("niftysmallcap250: NIFTY SMALLCAP 250, NSE's list "
                               "ind_niftysmallcap250list.csv of 2026-05-16 (the March 2026 "
                               "membership)")
    assert "250 members" in lines
    row = next(x for x in lines if x.strip().startswith("JSWDULUX.NS"))
    assert "JSW Dulux Ltd." in row and row.rstrip().endswith("Consumer Durables")
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes", "nosuch"])
    assert "'nosuch' is neither built in nor saved" in str(run.exception)


def test_update_refuses_a_file_that_replaces_no_built_in_list(tmp_path: Path) -> None:
    f = tmp_path / "ind_niftyalpha50list.csv"
    f.write_bytes((FILES / "ind_nifty50list.csv").read_bytes())
    run = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "universes", "--update", str(f)])
    assert run.exit_code != 0
    assert "'niftyalpha50', which is not a built-in list" in str(run.exception)
