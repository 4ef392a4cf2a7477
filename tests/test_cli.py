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
    code, out, err = run(capsys, "--data-dir", str(tmp_path), "demo", "--no-progress")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert all(line.startswith("[SYNTHETIC]") for line in lines)
    assert "as of 30 Apr 2026" in out
    assert "returned +14.7% in April 2026: the best month since May 2014 (+17.6%), 142 months ago" in out
    assert re.search(r"8 value-trap candidates", out)
    # A second run finds everything current and writes nothing.
    code, out2, _ = run(capsys, "--data-dir", str(tmp_path), "demo", "--no-progress")
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
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "empty"), "data", "status")
    assert code == 0 and "is empty" in out


def test_import_then_status_shows_the_file_as_source(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    fixture = Path(__file__).parent / "fixtures" / "nse_pe_pb_dy_smallcap.csv"
    code, out, _ = run(capsys, "--data-dir", str(tmp_path), "data", "import", "index-valuation", str(fixture))
    assert code == 0 and "4 valuation rows for NIFTY SMALLCAP 250" in out
    code, out, _ = run(capsys, "--data-dir", str(tmp_path), "data", "status")
    assert "import:nse_pe_pb_dy_smallcap.csv" in out
