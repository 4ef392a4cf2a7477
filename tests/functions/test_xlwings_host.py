"""The Excel side: the checked-in function reference is current; the installer's config."""

from __future__ import annotations

from pathlib import Path

from rerating.functions.reference import functions_markdown
from rerating.functions.xlwings_host import install_plan, write_config

ROOT = Path(__file__).resolve().parents[2]


def test_functions_md_is_generated_from_the_code() -> None:
    checked_in = (ROOT / "addin" / "FUNCTIONS.md").read_text(encoding="utf-8")
    assert checked_in == functions_markdown(), \
        "addin/FUNCTIONS.md is stale: run `rerating addin functions -o addin/FUNCTIONS.md`"
    assert "### RR_BEST_SINCE(prices, [freq], [at], [detail], [dates])" in checked_in


def test_windows_install_writes_xlwings_config_and_keeps_other_keys(tmp_path: Path) -> None:
    conf = tmp_path / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_text('"Conda Path","C:\\\\conda"\n"UDF Modules","old_module"\n', encoding="utf-8")
    plan = install_plan(home=tmp_path, platform="win32")
    assert plan.supported and plan.commands[0][-2:] == ["addin", "install"]
    write_config(plan)
    lines = conf.read_text(encoding="utf-8").splitlines()
    assert '"Conda Path","C:\\\\conda"' in lines
    assert '"UDF Modules","rerating.functions.xlwings_host"' in lines
    assert not any("old_module" in line for line in lines)


def test_mac_and_web_are_told_the_truth(tmp_path: Path) -> None:
    plan = install_plan(home=tmp_path, platform="darwin")
    assert not plan.supported
    assert "Windows" in plan.note and "Mac" in plan.note
    assert r".venv\Scripts\rerating addin install" in plan.note  # from the project's environment


def test_dry_run_prints_the_plan_on_any_os(capsys) -> None:  # type: ignore[no-untyped-def]
    from rerating.cli import main

    assert main(["addin", "install", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Would write: " in out and "xlwings.conf" in out
    assert "  UDF Modules = rerating.functions.xlwings_host" in out
    assert "would run: " in out and "-m xlwings addin install" in out


def test_starter_workbook_is_xlwings_standalone_wired_to_rerating(tmp_path: Path) -> None:
    import zipfile

    import openpyxl
    import xlwings

    from rerating.functions.xlwings_host import starter_workbook

    out = starter_workbook(tmp_path / "Rerating.xlsm", interpreter=r"C:\Py & Co\python.exe")
    source = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(out) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        changed = {n for n in a.namelist() if a.read(n) != b.read(n)}
    # everything but the workbook and the two sheet parts, the VBA project included, is copied
    assert changed == {"xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert wb.sheetnames == ["Start", "xlwings.conf"]
    conf = {r[0].value: r[1].value for r in wb["xlwings.conf"].iter_rows(min_row=1, max_row=9)}
    assert conf["UDF Modules"] == "rerating.functions.xlwings_host"
    assert conf["Interpreter_Win"] == r"C:\Py & Co\python.exe"  # escaped in XML, intact here
    start = [c.value for c in wb["Start"]["A"] if c.value]
    assert any("ImportPythonUDFs" in line for line in start)
    assert any("Trust access to the VBA project object model" in line for line in start)
    assert any(".xlsm" in line for line in start)
    assert not any("pip install rerating" in line for line in start)  # as the README says
    assert any(r".venv\Scripts\pip install -e ." in line for line in start)
    texts = [c.value for row in wb["xlwings.conf"].iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("Rename this sheet" in t or "leading underscore" in t for t in texts)  # xlwings' placeholder
    assert any(t.startswith("These settings point Excel at the Python") for t in texts)


def test_starter_refuses_a_non_windows_interpreter_unless_given(tmp_path: Path) -> None:
    import pytest

    from rerating.errors import InputError
    from rerating.functions.xlwings_host import starter_workbook

    with pytest.raises(InputError, match="not a Windows one"):
        starter_workbook(tmp_path / "R.xlsm", platform="linux")
    assert not (tmp_path / "R.xlsm").exists()
    assert starter_workbook(tmp_path / "R.xlsm", r"D:\desk\python.exe", platform="linux").exists()


def test_a_config_of_an_earlier_version_still_finds_the_functions() -> None:
    """xlwings configs and starter workbooks written before the move name ``rerating.udfs``."""
    import pytest

    import rerating.udfs as old
    from rerating.functions.registry import specs

    assert set(specs()) <= {n for n in dir(old) if n.startswith("RR_")}
    assert old.RR_JUSTIFIED_PE(0.5, 0.05, 0.10) == pytest.approx(10.5)
