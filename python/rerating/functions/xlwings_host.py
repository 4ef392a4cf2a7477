"""The Excel side: the function reference and the add-in set-up (Windows, xlwings COM UDFs).
LibreOffice Calc's extension is built in ``calc_addin.py`` from the same registry.

``functions_markdown`` renders ``addin/FUNCTIONS.md`` from the RR_ registry (a test keeps the
checked-in file current). ``install_plan`` says what ``rerating addin install`` does: install
the xlwings add-in (``xlwings addin install``) and point xlwings' user config at this Python and
at ``rerating.udfs``, so Excel's "Import Functions" finds the RR_ functions.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape


def functions_markdown() -> str:
    from rerating.udfs import REGISTRY

    lines = ["# RR_ function reference", "",
             "Hosts: the RR_ functions run in Windows desktop Excel (xlwings COM UDFs; set-up in "
             "the README, \"In Excel (Windows)\") and in LibreOffice Calc on any OS with the "
             "Calc extension (`rerating addin libreoffice`; README, \"In LibreOffice Calc\"), "
             "under the same names, so one workbook serves both. Excel for Mac and Excel on the "
             "web open the workbooks the command line builds but do not run these functions.", "",
             "In Calc: arguments are separated by `;` when typed (files keep Excel's commas), "
             "ranges of tickers spill as array formulas, the function wizard does not list the "
             "functions, and an empty argument (`f(a;;c)`) arrives as 0: skip an optional "
             "argument with `\"\"`, which means the default in both hosts.", "",
             "Generated from `python/rerating/udfs.py` by `rerating addin functions`; do not edit "
             "by hand. Rates are decimals (0.12 = 12%). Dates may be Excel dates, ISO text "
             "(2026-04-30) or blank. Errors come back as text starting with `#` that names the "
             "problem, e.g. `#VALUE! growth 0.15 is not below cost of equity 0.12`.", ""]
    lines += [
        "## Sheet scale: one call per column", "",
        "RR_PRICE, RR_INFO, RR_EPS_REVISION, RR_RETURN and RR_RELATIVE_STRENGTH take a range of "
        "tickers where they take one ticker, and spill one row per ticker in the order given: a "
        "blank row for a blank cell, the error text in the row of a bad ticker, the other rows "
        "answered. RR_INFO also takes an array of fields, one column each. Each call crosses "
        "Excel's COM bridge once (about 3.8 ms), so a 250-company comps sheet written this way "
        "makes 2 calls instead of 2,500 (benchmarks/bench_sheet_scale.py: 0.11 s against "
        "12.7 s).", "",
        "| | A | B | C | D | E |", "| --- | --- | --- | --- | --- | --- |",
        "| 1 | Ticker | Price | P/E | P/B | Sector |",
        "| 2 | RELIANCE.NS | `=RR_PRICE(A2:A251)` | `=RR_INFO(A2:A251, {\"pe\",\"pb\",\"sector\"})` | (spilled) | (spilled) |",
        "| 3 | TCS.NS | (spilled) | (spilled) | (spilled) | (spilled) |",
        "| … | … | | | | |", "",
        "Type the formula once in B2 and C2; Excel spills the rest. RR_PE and RR_PB read a range "
        "as one universe (its aggregate multiple), as before.", ""]
    groups: dict[str, list[str]] = {}
    for spec in REGISTRY.values():
        groups.setdefault(spec.group, []).append(spec.name)
    for group, names in groups.items():
        lines += [f"## {group}", ""]
        for name in names:
            spec = REGISTRY[name]
            sig = ", ".join(f"[{a}]" if a in spec.defaults else a for a in spec.args)
            lines += [f"### {name}({sig})", "", spec.summary, "",
                      f"Returns {spec.returns}. Example: `{spec.example}`", "",
                      "| argument | help |", "| --- | --- |"]
            lines += [f"| {a} | {doc.replace('|', '/')} |" for a, doc in spec.args.items()]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


@dataclass(frozen=True)
class InstallPlan:
    config_file: Path
    config: dict[str, str]
    commands: list[list[str]]
    supported: bool
    note: str


def install_plan(home: Path | None = None, platform: str | None = None) -> InstallPlan:
    """What ``rerating addin install`` will do on this machine."""
    platform = platform or sys.platform
    home = home or Path(os.path.expanduser("~"))
    config = {"UDF Modules": "rerating.udfs", "Interpreter_Win": sys.executable,
              "Show Console": "False"}
    commands = [[sys.executable, "-m", "xlwings", "addin", "install"]]
    if not platform.startswith("win"):
        return InstallPlan(home / ".xlwings" / "xlwings.conf", config, commands, False,
                           "RR_ functions run in desktop Excel on Windows (xlwings COM UDFs): "
                           "run this from the project's environment on Windows "
                           r"(.venv\Scripts\rerating addin install), where Interpreter_Win "
                           "becomes that Python. On Excel for Mac and Excel on the web they "
                           "are not available; use `rerating` on the command line and open the "
                           "workbooks it builds and refreshes, whose formulas are plain Excel. "
                           "In LibreOffice Calc (any OS) they run with the Calc extension: "
                           "`rerating addin libreoffice`.")
    return InstallPlan(home / ".xlwings" / "xlwings.conf", config, commands, True,
                       "Then in Excel: tick File > Options > Trust Center > Trust Center "
                       "Settings > Macro Settings > 'Trust access to the VBA project object "
                       "model', and in a workbook saved as .xlsm use xlwings tab > Import "
                       "Functions (once per workbook).")


def write_config(plan: InstallPlan) -> None:
    """Merge our keys into xlwings' user config (lines of "KEY","VALUE")."""
    from rerating.data.store import atomic_write_bytes

    existing: dict[str, str] = {}
    if plan.config_file.exists():
        for line in plan.config_file.read_text(encoding="utf-8").splitlines():
            parts = [p.strip().strip('"') for p in line.split('","')]
            if len(parts) == 2:
                existing[parts[0]] = parts[1]
    existing.update(plan.config)
    plan.config_file.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f'"{k}","{v}"\n' for k, v in existing.items())
    atomic_write_bytes(plan.config_file, text.encode("utf-8"))


STARTER_LINES = (
    "Rerating Desk starter workbook (Windows desktop Excel)",
    "1. The Python named in the xlwings.conf sheet (Interpreter_Win) must hold rerating: in the "
    r"project folder, py -m venv .venv, then .venv\Scripts\pip install -e . (not in WSL: "
    "Windows Excel cannot use a Linux environment).",
    "2. Excel: File > Options > Trust Center > Trust Center Settings > Macro Settings: tick "
    "'Trust access to the VBA project object model' (ImportPythonUDFs writes a VBA module).",
    "3. Keep this workbook as .xlsm (macro-enabled): the RR_ functions live in its VBA project.",
    "4. Enable macros, then run the macro ImportPythonUDFs (Alt+F8) once: it imports the RR_ "
    "functions from rerating.udfs, as set in xlwings.conf (UDF Modules).",
    "5. Type a function, e.g. =RR_JUSTIFIED_PE(0.5, 0.05, 0.10) gives 10.5; "
    r'=RR_BEST_SINCE("SMALL250.DEMO") after .venv\Scripts\rerating demo has filled the store.',
    "Functions read the store in RERATING_DATA_DIR or the per-user default (rerating doctor "
    "prints it); a store chosen with --data-dir on the command line is not seen here.",
    "The function reference is addin/FUNCTIONS.md. Rates are decimals (0.12 = 12%).",
    "Demo tickers (.DEMO) are SYNTHETIC: fictional companies for trying things out.",
)
CONF_NOTE = ("These settings point Excel at the Python that runs the RR_ functions "
             "(Interpreter_Win) and at rerating.udfs (UDF Modules). They override the xlwings "
             "add-in's own settings for this workbook.")


def _windows_interpreter(interpreter: str | None, platform: str) -> str:
    """The Python Excel will start: this one on Windows; elsewhere it must be given, since a
    Linux or macOS path in Interpreter_Win only fails later, inside Excel."""
    if interpreter:
        return interpreter
    if platform.startswith("win"):
        return sys.executable
    from rerating.errors import InputError

    raise InputError(f"this Python ({sys.executable}) is not a Windows one, and Windows Excel "
                     "cannot start it: run `rerating addin starter` from the project's "
                     r"environment on Windows, or give --interpreter C:\path\to\.venv\Scripts"
                     r"\python.exe")


def _inline(ref: str, text: str, style: str = "") -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _replace_once(xml: str, pattern: str, repl: str, what: str) -> str:
    new, n = re.subn(pattern, lambda m: repl, xml, count=1)
    if n != 1:
        raise RuntimeError(f"xlwings' starter workbook changed shape: {what} not found")
    return new


def starter_workbook(out: Path, interpreter: str | None = None, platform: str | None = None) -> Path:
    """A macro-enabled workbook wired to rerating.udfs, from xlwings' own standalone starter.

    Every part of xlwings' file is copied byte for byte (its VBA project included) except the
    workbook part (sheets renamed: Start, and xlwings.conf activated) and the two sheet parts
    (instructions; UDF Modules and Interpreter_Win), written as inline strings.
    """
    import xlwings

    from rerating.data.store import atomic_write_bytes

    source = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    interpreter = _windows_interpreter(interpreter, platform or sys.platform)
    with zipfile.ZipFile(source) as z:
        parts = {i.filename: (i, z.read(i.filename)) for i in z.infolist()}
    wb = parts["xl/workbook.xml"][1].decode("utf-8")
    wb = _replace_once(wb, r'name="_xlwings\.conf"', 'name="xlwings.conf"', "the _xlwings.conf sheet")
    wb = _replace_once(wb, r'<sheet name="Sheet1"', '<sheet name="Start"', "Sheet1")
    conf = parts["xl/worksheets/sheet2.xml"][1].decode("utf-8")
    conf = _replace_once(conf, r'<c r="B1"[^>]*>.*?</c>', _inline("B1", interpreter, "1"), "B1")
    a6 = re.search(r'<c r="A6"[^>]*>.*?</c>', conf)
    if a6 is None:
        raise RuntimeError("xlwings' starter workbook changed shape: A6 not found")
    conf = _replace_once(conf, r'<row r="6"[^>]*>' + re.escape(a6.group(0)),
                         '<row r="6">' + a6.group(0) + _inline("B6", "rerating.udfs", "1"), "row 6")
    # xlwings' own instructions (rows 13-17: "Rename this sheet … to activate it") no longer
    # apply to an activated sheet: one line of ours instead
    conf = _replace_once(conf, r'<row r="13".*?</row>\s*<row r="14".*?</row>\s*<row r="15".*?'
                         r'</row>\s*<row r="16".*?</row>\s*<row r="17".*?</row>',
                         f'<row r="13">{_inline("A13", CONF_NOTE)}</row>', "xlwings' instructions")
    conf = _replace_once(conf, r'<dimension ref="A1:B17"\s*/>', '<dimension ref="A1:B13"/>',
                         "the conf dimension")
    start = parts["xl/worksheets/sheet1.xml"][1].decode("utf-8")
    rows = "".join(f'<row r="{i}">{_inline(f"A{i}", line)}</row>'
                   for i, line in enumerate(STARTER_LINES, start=1))
    start = _replace_once(start, r"<sheetData\s*/>", f"<sheetData>{rows}</sheetData>", "sheetData")
    start = _replace_once(start, r'<dimension ref="A1"\s*/>',
                          f'<dimension ref="A1:A{len(STARTER_LINES)}"/>', "dimension")
    changed = {"xl/workbook.xml": wb, "xl/worksheets/sheet2.xml": conf,
               "xl/worksheets/sheet1.xml": start}
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, (info, data) in parts.items():
            body = changed[name].encode("utf-8") if name in changed else data
            zout.writestr(info, body)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, buf.getvalue())
    return out
