"""The xlwings host: the RR_ functions in Windows desktop Excel, as xlwings COM UDFs.

This module is what xlwings imports (its ``UDF Modules`` setting names it): it takes every
function of the registry and adds xlwings' metadata (``xw.func``, ``xw.arg`` with the help
text, ``xw.ret("raw")`` for cell-ready tables), so they appear here under their RR_ names.
``install_plan`` says what ``rerating addin install`` does: install the xlwings add-in
(``xlwings addin install``) and point xlwings' user config at this Python and at this module,
so Excel's "Import Functions" finds the RR_ functions. ``starter_workbook`` writes a
macro-enabled workbook wired the same way.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import xlwings as xw

from rerating.functions.registry import CATEGORY, UdfSpec, functions, specs

#: the module xlwings imports (``UDF Modules``); ``rerating.udfs`` still works for a config or
#: a starter workbook written before the functions moved here
UDF_MODULE = "rerating.functions.xlwings_host"


def _for_xlwings(spec: UdfSpec, fn: Any) -> Any:
    for name, doc in spec.args.items():
        # err_to_str: an error cell arrives as "#N/A", so the message can name it
        fn = xw.arg(name, doc=doc, err_to_str=True)(fn)
    if spec.raw:
        fn = xw.ret("raw")(fn)
    return xw.func(category=CATEGORY)(fn)


for _name, _fn in functions().items():
    globals()[_name] = _for_xlwings(specs()[_name], _fn)


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
    config = {"UDF Modules": UDF_MODULE, "Interpreter_Win": sys.executable,
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
    from rerating.atomic import atomic_write_bytes

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
    f"functions from {UDF_MODULE}, as set in xlwings.conf (UDF Modules).",
    "5. Type a function, e.g. =RR_JUSTIFIED_PE(0.5, 0.05, 0.10) gives 10.5; "
    r'=RR_BEST_SINCE("SMALL250.DEMO") after .venv\Scripts\rerating demo has filled the store.',
    "Functions read the store in RERATING_DATA_DIR or the per-user default (rerating doctor "
    "prints it); a store chosen with --data-dir on the command line is not seen here.",
    "The function reference is addin/FUNCTIONS.md. Rates are decimals (0.12 = 12%).",
    "Demo tickers (.DEMO) are SYNTHETIC: fictional companies for trying things out.",
)
CONF_NOTE = ("These settings point Excel at the Python that runs the RR_ functions "
             f"(Interpreter_Win) and at {UDF_MODULE} (UDF Modules). They override the xlwings "
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
    """A macro-enabled workbook wired to this module, from xlwings' own standalone starter.

    Every part of xlwings' file is copied byte for byte (its VBA project included) except the
    workbook part (sheets renamed: Start, and xlwings.conf activated) and the two sheet parts
    (instructions; UDF Modules and Interpreter_Win), written as inline strings.
    """
    import xlwings

    from rerating.atomic import atomic_write_bytes

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
                         '<row r="6">' + a6.group(0) + _inline("B6", UDF_MODULE, "1"), "row 6")
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
