"""The `rerating` command: the demo job, status, and readable errors with exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rerating.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_demo_prints_the_seed_note_findings_labelled_synthetic(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "--data-dir", str(tmp_path), "demo", "--no-progress", "--out", str(out_dir))
    assert code == 0, err
    for name in ("report.pdf", "report.html", "rally_dashboard.xlsx", "comps_demo-small.xlsx"):
        assert (out_dir / name).exists() and str(out_dir / name) in out, name
    assert len(list(out_dir.glob("dcf_*.xlsx"))) == 1
    lines = out.strip().splitlines()
    assert all(line.startswith("[SYNTHETIC]") for line in lines)
    assert "as of 30 Apr 2026" in out
    assert "returned +14.7% in April 2026: the best month since May 2014 (+17.6%), with 142 months in between" in out
    assert re.search(r"8 value-trap candidates", out)
    # A second run finds everything current and writes nothing.
    code, out2, _ = run(capsys, "--data-dir", str(tmp_path), "demo", "--no-progress", "--out", str(out_dir))
    assert code == 0 and "0 rows written" in out2
    code, status, _ = run(capsys, "--data-dir", str(tmp_path), "data", "status")
    assert code == 0
    assert re.search(r"prices\s+302 tickers\s+2005-01-03 \.\. 2026-04-30", status)
    assert "SYNTHETIC" in status


def test_missing_file_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "--data-dir", str(tmp_path), "data", "import", "prices", "/nope/p.csv")
    assert code == 2
    assert err.strip() == "error: file /nope/p.csv does not exist"
    assert "Traceback" not in err + out


def test_offline_refuses_yahoo(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "--data-dir", str(tmp_path), "--offline", "data", "refresh",
                       "--source", "yahoo", "--tickers", "RELIANCE.NS")
    assert code == 2
    assert "offline mode" in err


def test_unknown_demo_ticker(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "--data-dir", str(tmp_path), "data", "refresh", "--source", "demo",
                       "--tickers", "RELIANCE.NS", "--no-progress")
    assert code == 2
    assert "unknown ticker RELIANCE.NS" in err


def test_status_of_an_empty_store(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty").mkdir()
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "empty"), "data", "status")
    assert code == 0 and "is empty" in out


def test_import_then_status_shows_the_file_as_source(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    fixture = Path(__file__).parent / "fixtures" / "nse_pe_pb_dy_smallcap.csv"
    code, out, _ = run(capsys, "--data-dir", str(tmp_path), "data", "import", "index-valuation", str(fixture))
    assert code == 0 and out.startswith("recognised: niftyindices P/E-P/B-yield")
    assert "NIFTY SMALLCAP 250 -> NIFTYSMLCAP250.NS" in out
    assert ("Imported 4 index_valuation rows for 1 index (NIFTYSMLCAP250.NS; 2026-04-01 to "
            "2026-04-07) from ") in out and "(source import:nse_pe_pb_dy_smallcap.csv)" in out
    code, out, _ = run(capsys, "--data-dir", str(tmp_path), "data", "status")
    assert "import:nse_pe_pb_dy_smallcap.csv" in out


def test_workbook_commands_build_refresh_and_refuse(demo_store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    d = ("--data-dir", str(demo_store.root))
    model = tmp_path / "m.xlsx"
    code, out, err = run(capsys, *d, "model", "build", "DEVALPER.DEMO", "-o", str(model), "--as-of", "2026-03-31")
    assert code == 0, err
    assert out.startswith("[SYNTHETIC] Wrote") and "as of 2026-03-31" in out and "demo:synthetic" in out
    code, out, err = run(capsys, *d, "refresh", str(model))
    assert code == 0, err
    assert out.startswith("[SYNTHETIC] Refreshed") and "as of 2026-04-30" in out
    assert "DEVALPER.DEMO price" in out and "Backup:" in out
    code, _, err = run(capsys, *d, "model", "build", "DEVALPER.DEMO", "-o", str(model))
    assert code == 2 and "exists; refresh it" in err
    for args, message in [
        (("refresh", str(tmp_path / "none.xlsx")), "does not exist"),
        (("refresh", __file__), "not a workbook"),
        (("model", "build", "NOPE.DEMO", "-o", str(tmp_path / "n.xlsx")), "holds no prices for NOPE.DEMO"),
        (("model", "build", "SMALL250.DEMO", "-o", str(tmp_path / "i.xlsx")), "needs a company"),
        (("model", "build", "DEVALPER.DEMO", "-o", str(tmp_path / "x.csv")), "ending in .xlsx"),
        (("comps", "build", "demo-small", "-o", str(tmp_path / "c.xlsx"), "--as-of", "soon"), "not a date"),
        (("comps", "build", "demo-small", "-o", str(tmp_path / "c.xlsx"), "--window", "2X"), "window '2X'"),
    ]:
        code, out, err = run(capsys, *d, *args)
        assert code == 2, (args, err)
        assert message in err and "Traceback" not in err, (args, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".rerating-backups", "m.xlsx"]  # no partial files


def test_import_prices_says_what_it_recognised_and_replaced(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    files = Path(__file__).parent / "fixtures" / "files"
    d = ("--data-dir", str(tmp_path))
    code, out, err = run(capsys, *d, "data", "import", "prices", str(files / "RELIANCE.NS.csv"))
    assert code == 0, err
    assert out.splitlines()[:3] == [
        "recognised: Yahoo Finance download (Date,Open,High,Low,Close,Adj Close,Volume)",
        "  ticker RELIANCE.NS (from the file name)",
        "  skipped 1 row(s) with no close (e.g. line 5: a holiday or 'null' row)"]
    assert "Imported 5 prices rows for 1 ticker (RELIANCE.NS; 2026-04-09 to 2026-04-16)" in out
    mine = tmp_path / "mine.csv"
    mine.write_text("Date,RELIANCE.NS\n2026-04-16,1415\n")
    code, out, _ = run(capsys, *d, "data", "import", "prices", str(mine), "--no-replace")
    assert code == 0 and "kept 1 stored prices rows (--no-replace)" in out
    code, out, _ = run(capsys, *d, "data", "import", "prices", str(mine))
    assert "replaced close of RELIANCE.NS: 2026-04-16 1,412.05 -> 1,415.0" in out
    code, out, _ = run(capsys, *d, "data", "import", "prices", str(mine))
    assert "1 prices rows were already stored with the same values" in out
    code, _, err = run(capsys, *d, "data", "import", "prices", str(mine), "--dayfirst", "--monthfirst")
    assert code == 2 and "exclude each other" in err


@pytest.mark.parametrize("args", [
    ["model", "build", "DEVALPER.DEMO", "-o", "{tmp}/m.xlsx"],
    ["comps", "build", "demo-small", "-o", "{tmp}/c.xlsx"],
    ["dashboard", "build", "-o", "{tmp}/d.xlsx", "--no-progress"],
    ["report", "--out", "{tmp}/r", "--no-progress"],
])
def test_a_future_as_of_is_said_and_the_book_stamped_with_the_datas_date(
        demo_store, tmp_path: Path, capsys, args) -> None:  # type: ignore[no-untyped-def]
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, out, err = run(capsys, "--data-dir", str(demo_store.root), *filled, "--as-of", "2030-01-01")
    assert code == 0, err
    assert "as of 2026-04-30" in out and "2030" not in out
    assert ("--as-of 2030-01-01 is after the last stored session: the numbers and the stamp are "
            "as of 2026-04-30") in err


def test_refresh_with_a_future_as_of_keeps_the_datas_date(demo_store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    d = ("--data-dir", str(demo_store.root))
    m = tmp_path / "m.xlsx"
    assert run(capsys, *d, "model", "build", "DEVALPER.DEMO", "-o", str(m), "--as-of", "2026-03-31")[0] == 0
    code, out, err = run(capsys, *d, "refresh", str(m), "--as-of", "2028-01-01")
    assert code == 0 and "as of 2026-04-30" in out and "after the last stored session" in err


@pytest.mark.parametrize(("given", "words"), [
    ("04/03/2026", "could be day first or month first; write it as YYYY-MM-DD"),
    ("next week", "is not a date; use YYYY-MM-DD"),
])
def test_dates_typed_on_the_command_line_are_never_guessed(demo_store, tmp_path: Path, capsys,
                                                           given: str, words: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "--data-dir", str(demo_store.root), "model", "build", "DEVALPER.DEMO",
                       "-o", str(tmp_path / "m.xlsx"), "--as-of", given)
    assert code == 2 and words in err
    # a day above 12 decides the order, as in a file: 31/03/2026 is 31 March
    code, out, _ = run(capsys, "--data-dir", str(demo_store.root), "model", "build", "DEVALPER.DEMO",
                       "-o", str(tmp_path / "n.xlsx"), "--as-of", "31/03/2026")
    assert code == 0 and "as of 2026-03-31" in out


def test_unknown_universe_and_suffixless_ticker_are_named(demo_store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    d = ("--data-dir", str(demo_store.root))
    code, _, err = run(capsys, *d, "comps", "build", "nosuchuniverse", "-o", str(tmp_path / "c.xlsx"))
    assert code == 2 and "universe 'nosuchuniverse' is neither built in nor saved; known: demo, " \
        "demo-small" in err
    code, _, err = run(capsys, *d, "model", "build", "devalper", "-o", str(tmp_path / "m.xlsx"))
    assert code == 2 and "ticker DEVALPER is not in the store; did you mean DEVALPER.DEMO?" in err
    assert not list(tmp_path.iterdir())


def test_refresh_summary_says_what_happened(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    d = ("--data-dir", str(tmp_path))
    args = ("data", "refresh", "--source", "demo", "--tickers", "LARGE50.DEMO", "--no-progress")
    code, out, _ = run(capsys, *d, *args)
    assert code == 0 and re.search(r"Refreshed 1 of 1 tickers from demo:synthetic .*: [\d,]+ rows "
                                   r"written \(prices [\d,]+, index_valuation [\d,]+\); store", out)
    code, out, _ = run(capsys, *d, *args)
    assert code == 0 and out.startswith("Up to date: the store already holds what demo:synthetic")
    assert "()" not in out


def test_report_takes_dash_o_like_every_writing_command(demo_store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "--data-dir", str(demo_store.root), "report", "-o", str(tmp_path / "r"),
                         "--no-progress")
    assert code == 0, err
    assert (tmp_path / "r" / "report.pdf").exists() and str(tmp_path / "r") in out


def test_a_store_folder_that_does_not_exist_is_said_and_created_only_by_writers(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A typo in --data-dir read as "the store is empty; run a refresh"."""
    missing = tmp_path / "no-such-store"
    for args in (["data", "status"], ["model", "build", "X.DEMO", "-o", str(tmp_path / "x.xlsx")],
                 ["report", "-o", str(tmp_path / "r")]):
        code, _, err = run(capsys, "--data-dir", str(missing), *args)
        assert code != 0 and f"the store folder {missing} (from --data-dir) does not exist" in err, (args, err)
        assert not missing.exists()  # a reader never creates it
    monkeypatch.setenv("RERATING_DATA_DIR", str(missing))
    code, _, err = run(capsys, "data", "status")
    assert code != 0 and "(from RERATING_DATA_DIR) does not exist" in err
    code, out, _ = run(capsys, "doctor")
    assert "this folder does not exist" in out
    # a writer creates it
    code, out, err = run(capsys, "--data-dir", str(missing), "data", "refresh", "--source", "demo",
                         "--tickers", "SMALL250.DEMO", "--no-progress")
    assert code == 0, err
    assert missing.is_dir()


def test_an_as_of_on_a_weekend_says_so_not_that_it_is_after_the_store(
        demo_store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """--as-of 2026-04-26 (a Sunday; the store runs to 30 April) said it was "after the last
    stored session" and then named 24 April."""
    code, out, err = run(capsys, "--data-dir", str(demo_store.root), "model", "build", "DEVALPER.DEMO",
                         "-o", str(tmp_path / "m.xlsx"), "--as-of", "2026-04-26")
    assert code == 0 and "as of 2026-04-24" in out
    assert ("--as-of 2026-04-26 is a Sunday, not a trading session: the numbers and the stamp are "
            "as of 2026-04-24, the last session before it") in err
    assert "after the last stored session" not in err


def test_ctrl_c_during_a_refresh_says_what_the_store_kept(tmp_path: Path, capsys,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C printed "Aborted." and nothing about the store."""
    from rerating.data.providers.demo import DemoProvider

    real, calls = DemoProvider.extract_data, []

    def stop_third(self, table, query):  # type: ignore[no-untyped-def]
        calls.append(query)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, table, query)

    monkeypatch.setattr(DemoProvider, "extract_data", stop_third)
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "s"), "data", "refresh", "--source", "demo",
                         "--universe", "demo-large", "--no-progress")
    assert code == 130 and "Aborted." not in err
    assert "Stopped by Ctrl-C: the store keeps the 275,750 rows that arrived (prices 274,350, " \
        "fundamentals 1,400), each batch whole" in err
    assert ("got through prices 50 of 50 tickers, fundamentals 50 of 50 tickers, estimates 0 of 50 "
            "tickers") in err
    from rerating.data.store import Store
    kept = Store(tmp_path / "s")
    assert len(kept.read("prices")) == 274_350 and len(kept.read("fundamentals")) == 1_400
    assert kept.read("estimates").empty
    assert "Run the same command again: it asks only for what is still missing" in err


def test_a_shared_store_that_is_down_exits_1_as_an_unreachable_source_does(capsys) -> None:  # type: ignore[no-untyped-def]
    """README: exit 1 when a source or server cannot be reached; 2 is for input to change.
    Before: a desk's store that was down exited 2."""
    code = main(["--store", "postgresql://analyst@127.0.0.1:1/rerating", "data", "status"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: store postgresql://analyst@127.0.0.1:1/rerating unreachable")


def test_the_store_options_are_heard_after_the_subcommand(demo_store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Before: `rerating data status --data-dir X` was "No such option: --data-dir"."""
    code, before, _ = run(capsys, "--data-dir", str(demo_store.root), "data", "status")
    code2, after, err = run(capsys, "data", "status", "--data-dir", str(demo_store.root))
    assert code == code2 == 0, err
    assert after == before and f"Store: {demo_store.root}" in after
    code, out, _ = run(capsys, "model", "build", "DEVALPER.DEMO", "-o", str(tmp_path / "m.xlsx"),
                       f"--data-dir={demo_store.root}", "--offline")
    assert code == 0 and "Wrote" in out


def test_a_bad_window_is_refused_before_any_work(demo_store, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Before: `report --window 13X` computed for 3 s before saying the window was wrong."""
    from rerating.services import books

    def never(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("the store was read before the window was checked")

    monkeypatch.setattr(books, "prepare", never)
    for cmd in (["report"], ["dashboard", "build", "-o", "d.xlsx"], ["comps", "build", "-o", "c.xlsx"]):
        code, _, err = run(capsys, "--data-dir", str(demo_store.root), *cmd, "--window", "13X")
        assert code == 2 and err.strip() == (
            "error: window '13X' is not like 20D, 1W, 1M, 3M, 1Y, MTD, QTD or YTD"), (cmd, err)


def test_wrote_says_how_long_the_whole_command_took(demo_store, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Before: "Wrote … in 0.01s" after 3.8 s (the workbook's own write, not the command)."""
    import time

    from rerating.services import books

    real = books.prepare

    def slow(*a, **k):  # type: ignore[no-untyped-def]
        time.sleep(0.6)  # a fetch
        return real(*a, **k)

    monkeypatch.setattr(books, "prepare", slow)
    code, out, _ = run(capsys, "--data-dir", str(demo_store.root), "model", "build",
                       "DEVALPER.DEMO", "-o", str(tmp_path / "m.xlsx"), "--no-cache-values")
    took = float(re.search(r" in (\d+\.\d+)s$", out.strip())[1])  # type: ignore[index]
    assert code == 0 and took >= 0.6
