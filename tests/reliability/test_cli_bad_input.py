"""Every `rerating` command given bad paths, bad dates, unknown tickers and hostile workbooks.

Each case must end with exit code 2 (or 1 where some tickers failed and the rest were kept),
one readable `error:` line (click's own `Error:` line for a malformed command line), no traceback, no "internal error" (exit 70 logs a traceback: none
may be written), and no file left behind: the working folder is the same before and after.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rerating.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in members.items():
            z.writestr(n, b)
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, demo_store) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """Workbooks no refresh may trust, and a genuine model to damage."""
    from openpyxl import Workbook

    from rerating.workbooks import content, engine

    d = tmp_path_factory.mktemp("hostile")
    rels = b"<Relationships/>"
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
              b'"&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><workbook>&lol3;</workbook>')
    xxe = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<workbook>&e;</workbook>')
    files = {
        "laughs": _zip(d / "laughs.xlsx", {"[Content_Types].xml": b"<Types/>",
                                           "xl/workbook.xml": laughs, "xl/_rels/workbook.xml.rels": rels}),
        "xxe": _zip(d / "xxe.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": xxe,
                                     "xl/_rels/workbook.xml.rels": rels}),
        "bomb": _zip(d / "bomb.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>",
                                       "xl/worksheets/sheet1.xml": b"\0" * (60 << 20)}),
        "text": d / "notes.xlsx",
        "empty": d / "empty.xlsx",
        "ole": d / "encrypted.xlsx",
    }
    files["text"].write_text("not a workbook at all", encoding="utf-8")
    files["empty"].write_bytes(b"")
    files["ole"].write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 4096)  # an encrypted xlsx
    wb = Workbook()
    wb.active["A1"] = "an analyst's own workbook"
    wb.save(d / "theirs.xlsx")
    files["theirs"] = d / "theirs.xlsx"
    model = engine.build(content.dcf(demo_store, "DEVALPER.DEMO"), d / "model.xlsx").path
    raw = model.read_bytes()
    files["truncated"] = d / "truncated.xlsx"
    files["truncated"].write_bytes(raw[: len(raw) // 2])
    # a genuine model whose tool-owned name was deleted by hand
    buf = io.BytesIO()
    with zipfile.ZipFile(model) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b'name="rr_price"', b'name="rr_price_gone"')
            out.writestr(info, data)
    files["renamed"] = d / "renamed.xlsx"
    files["renamed"].write_bytes(buf.getvalue())
    files["model"] = model
    # plausible mistakes: a template copied and refreshed as if it were a book; report
    # template folders that are empty or hold a template with a syntax error
    for name in ("dcf_model", "comps", "rally_dashboard"):
        files[f"tpl_{name}"] = d / f"my_{name}.xlsx"
        files[f"tpl_{name}"].write_bytes((ROOT / "templates" / f"{name}.xlsx").read_bytes())
    files["tpl_empty"] = d / "empty_templates"
    files["tpl_empty"].mkdir()
    files["tpl_bad"] = d / "bad_templates"
    files["tpl_bad"].mkdir()
    (files["tpl_bad"] / "report.html.j2").write_text("<h1>{{ title }}</h1>\n{% if synthetic %}\n")
    # what a browser saves when a download goes wrong (issue 31: each was "has a header but no
    # rows" or "not a layout")
    files["page_zip"] = d / "cm01JUL2024bhav.csv.zip"  # NSE's block page under the file's name
    files["page_zip"].write_bytes(b"<!DOCTYPE html>\n<html><head><title>NSE</title></head>"
                                  b"<body>Access Denied</body></html>\n")
    files["csv_zip"] = d / "sec_bhavdata_full_01082025.zip"  # a CSV named .zip
    files["csv_zip"].write_bytes(b"SYMBOL, SERIES, DATE1\nRELIANCE, EQ, 01-Aug-2025\n")
    files["pdf_zip"] = _zip(d / "bhav.zip", {"readme.pdf": b"%PDF-1.4"})
    files["empty_zip"] = _zip(d / "cm02JUL2024bhav.csv.zip",
                              {"cm02JUL2024bhav.csv": b"SYMBOL,SERIES,OPEN,HIGH,LOW,CLOSE,\n"})
    files["png"] = d / "chart.csv"  # a picture saved with the wrong extension
    files["png"].write_bytes(bytes.fromhex("89504E470D0A1A0A") + b"\0" * 200)
    return files


def tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*"))
            if p.is_file()}


# (args, exit code, words in the one error line). {store}, {hostile:<k>} and {tmp} are filled in.
CASES = [
    # -- bad paths
    (["data", "import", "prices", "{tmp}/none.csv"], 2, "does not exist"),
    (["data", "import", "prices", "{tmp}"], 2, "holds no .csv files"),
    (["data", "import", "index-valuation", "{tmp}/none.csv"], 2, "does not exist"),
    (["data", "import", "prices", "{hostile:text}"], 2, "has a header but no rows"),
    (["data", "import", "prices", "{hostile:page_zip}"], 2, "is a web page (HTML), not a data file"),
    (["data", "import", "prices", "{hostile:csv_zip}"], 2, "is named .zip but is not a zip file"),
    (["data", "import", "prices", "{hostile:pdf_zip}"], 2,
     "is a zip without a CSV in it (it holds readme.pdf)"),
    (["data", "import", "prices", "{hostile:empty_zip}"], 2,
     "holds cm02JUL2024bhav.csv with a header but no rows: an empty file, not a day's bhavcopy"),
    (["data", "refresh", "--universe-file", "{tmp}/none.txt", "--no-progress"], 2, "does not exist"),
    (["refresh", "{tmp}/none.xlsx"], 2, "does not exist"),
    (["refresh", "{tmp}"], 2, "is a directory"),
    (["model", "build", "DEVALPER.DEMO", "-o", "{tmp}/m.csv"], 2, "ending in .xlsx"),
    (["model", "build", "DEVALPER.DEMO", "-o", "{hostile:text}/m.xlsx"], 2, "not a folder"),
    (["comps", "build", "demo-small", "-o", "{tmp}"], 2, "is a directory"),
    (["report", "--out", "{hostile:text}", "--no-progress"], 2, "is a file"),
    (["report", "--template-dir", "{tmp}/no-such-dir", "--no-progress"], 2, "does not exist"),
    (["demo", "--out", "{hostile:text}", "--no-progress"], 2, "is a file"),
    (["addin", "starter", "-o", "{hostile:text}/x.xlsm", "--interpreter", r"C:\py\python.exe"], 2, "not a folder"),
    (["addin", "functions", "-o", "{tmp}"], 2, "is a directory"),
    (["data", "export", "prices", "-o", "{tmp}"], 2, "is a directory"),
    (["data", "export", "prices", "-o", "{hostile:text}/p.csv"], 2, "not a folder"),
    # -- bad dates
    (["data", "export", "prices", "-o", "{tmp}/p.csv", "--start", "2026-99-01"], 2, "not a date"),
    (["data", "export", "prices", "-o", "{tmp}/p.csv", "--start", "2026-04-02", "--end", "2026-04-01"],
     2, "is after end"),
    (["model", "build", "DEVALPER.DEMO", "-o", "{tmp}/m.xlsx", "--as-of", "2026-13-45"], 2, "not a date"),
    (["model", "build", "DEVALPER.DEMO", "-o", "{tmp}/m.xlsx", "--as-of", "1990-01-01"], 2,
     "start on 2005-01-03, after 1990-01-01"),
    (["dashboard", "build", "-o", "{tmp}/d.xlsx", "--as-of", "next week", "--no-progress"], 2, "not a date"),
    (["report", "--as-of", "31/31/2026", "--no-progress"], 2, "not a date"),
    (["refresh", "{hostile:model}", "--as-of", "yesterday-ish"], 2, "not a date"),
    (["data", "refresh", "--tickers", "DEVALPER.DEMO", "--start", "2026-02-30", "--no-progress"], 2, "not a date"),
    (["data", "refresh", "--tickers", "DEVALPER.DEMO", "--start", "2026-04-01", "--end", "2026-01-01",
      "--no-progress"], 2, "is after end"),
    (["comps", "build", "demo-small", "-o", "{tmp}/c.xlsx", "--window", "fortnight"], 2, "window 'fortnight'"),
    # -- unknown tickers and universes
    (["model", "build", "NOPE.DEMO", "-o", "{tmp}/m.xlsx"], 2, "holds no prices for NOPE.DEMO"),
    (["model", "build", "=cmd|'/c calc'!A1", "-o", "{tmp}/m.xlsx"], 2, "holds no prices for =CMD"),
    (["comps", "build", "NOPE1.DEMO,NOPE2.DEMO", "-o", "{tmp}/c.xlsx", "--no-progress"], 2, "NOPE1.DEMO"),
    (["comps", "build", "demo-small", "--large-index", "NOINDEX.DEMO", "-o", "{tmp}/c.xlsx"], 2, "NOINDEX.DEMO"),
    (["dashboard", "build", "--small-index", "NOPE.DEMO", "-o", "{tmp}/d.xlsx", "--no-progress"], 2, "NOPE.DEMO"),
    (["report", "--small", "NOPE.DEMO", "--no-progress"], 2, "NOPE.DEMO"),
    (["data", "refresh", "--tickers", "NOPE.DEMO", "--no-progress"], 2, "unknown ticker NOPE.DEMO"),
    (["data", "refresh", "--universe", "no-such-universe", "--no-progress"], 2,
     "universe 'no-such-universe' is neither built in nor saved"),
    (["data", "universes", "--save", "../escape", "--tickers", "A.NS"], 2, "universe name"),
    (["data", "export", "prices", "-o", "{tmp}/p.csv", "--tickers", "NOPE.DEMO"], 2, "holds no prices"),
    (["data", "export", "splits", "-o", "{tmp}/p.csv"], 2, "'splits' is not one of 'prices'"),
    # -- unreadable and hostile workbooks
    (["refresh", "{hostile:laughs}"], 2, "hostile XML"),
    (["refresh", "{hostile:xxe}"], 2, "hostile XML"),
    (["refresh", "{hostile:bomb}"], 2, "zip bomb"),
    (["refresh", "{hostile:text}"], 2, "not a workbook"),
    (["refresh", "{hostile:empty}"], 2, "not a workbook"),
    (["refresh", "{hostile:ole}"], 2, "encrypted"),
    (["refresh", "{hostile:truncated}"], 2, "not a workbook"),
    (["refresh", "{hostile:theirs}"], 2, "not made from a Rerating Desk template"),
    (["refresh", "{hostile:renamed}"], 2, "rr_price"),
    # -- plausible actions that ended in an internal error (exit 70)
    (["refresh", "{hostile:tpl_dcf_model}"], 2, "the dcf_model template itself"),
    (["refresh", "{hostile:tpl_comps}"], 2, "rerating comps build UNIVERSE"),
    (["refresh", "{hostile:tpl_rally_dashboard}"], 2, "rerating dashboard build"),
    (["report", "--template-dir", "{hostile:tpl_empty}", "-o", "{tmp}/r", "--no-progress"], 2,
     "holds no report.html.j2"),
    (["report", "--template-dir", "{hostile:tpl_bad}", "-o", "{tmp}/r", "--no-progress"], 2,
     "report.html.j2, line 2"),
    (["data", "import", "prices", "{hostile:png}"], 2, "chart.csv"),
    (["data", "refresh", "--universe-file", "{hostile:png}", "--no-progress"], 2, "chart.csv"),
    (["data", "universes", "--import", "{hostile:model}"], 2, "model.xlsx"),
    (["model", "build", "DEVALPER.DEMO", "-o", "{tmp}"], 2, "directory"),
    (["data", "export", "prices", "--tickers", "DEVALPER.DEMO", "-o", "{tmp}"], 2, "directory"),
]


@pytest.mark.parametrize(("args", "code", "words"), CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_bad_input_is_one_clear_line_and_leaves_nothing_behind(args, code, words, hostile, demo_store,  # type: ignore[no-untyped-def]
                                                               tmp_path, monkeypatch, capsys) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("RERATING_LOG_DIR", str(tmp_path / "logs"))
    filled = [a.replace("{tmp}", str(work)) for a in args]
    filled = [next((str(p) for k, p in hostile.items() if a == "{hostile:" + k + "}"), a)
              for a in filled]
    filled = [a.replace("{hostile:text}", str(hostile["text"])) for a in filled]
    before_work, before_hostile = tree(work), tree(hostile["text"].parent)
    got = main(["--data-dir", str(demo_store.root), "--offline", *filled])
    out, err = capsys.readouterr()
    assert got == code, (filled, out, err)
    lines = [x for x in err.splitlines() if x.strip()]
    assert lines and lines[-1].startswith(("error: ", "Error: ")), err
    assert words in lines[-1], (words, lines[-1])
    assert "Traceback" not in out + err and "internal error" not in err
    assert not (tmp_path / "logs").exists()  # no internal error was logged
    assert tree(work) == before_work  # no partial file, no temporary file
    assert tree(hostile["text"].parent) == before_hostile  # the hostile files untouched


def test_the_installed_command_shows_no_traceback(hostile, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same through the real console script: the process, not just main(), stays clean."""
    exe = Path(sys.executable).with_name("rerating")
    env = {**os.environ, "RERATING_DATA_DIR": str(tmp_path / "store"), "RERATING_LOG_DIR": str(tmp_path / "logs")}
    for f, words in ((hostile["xxe"], "hostile XML"), (hostile["bomb"], "zip bomb")):
        proc = subprocess.run([str(exe), "refresh", str(f)], capture_output=True, text=True, env=env,
                              timeout=120, check=False)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error: ") and words in proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
