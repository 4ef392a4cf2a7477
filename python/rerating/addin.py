"""The Excel side: the function reference and the add-in set-up (Windows, xlwings COM UDFs).

``functions_markdown`` renders ``addin/FUNCTIONS.md`` from the RR_ registry (a test keeps the
checked-in file current). ``install_plan`` says what ``rerating addin install`` does: install
the xlwings add-in (``xlwings addin install``) and point xlwings' user config at this Python and
at ``rerating.udfs``, so Excel's "Import Functions" finds the RR_ functions.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path


def functions_markdown() -> str:
    from rerating.udfs import REGISTRY

    lines = ["# RR_ function reference", "",
             "Generated from `python/rerating/udfs.py` by `rerating addin functions`; do not edit "
             "by hand. Rates are decimals (0.12 = 12%). Dates may be Excel dates, ISO text "
             "(2026-04-30) or blank. Errors come back as text starting with `#` that names the "
             "problem, e.g. `#VALUE! growth 0.15 is not below cost of equity 0.12`.", ""]
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
    if not platform.startswith("win"):
        return InstallPlan(home / ".xlwings" / "xlwings.conf", config, [], False,
                           "RR_ functions run in desktop Excel on Windows (xlwings COM UDFs). "
                           "On Excel for Mac and Excel on the web they are not available; use "
                           "`rerating` on the command line and open the workbooks it builds "
                           "and refreshes, whose formulas are plain Excel.")
    return InstallPlan(home / ".xlwings" / "xlwings.conf", config,
                       [[sys.executable, "-m", "xlwings", "addin", "install"]], True,
                       "Then in Excel: xlwings tab > Import Functions (once per workbook).")


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
