"""LibreOffice headless as an independent spreadsheet engine: recalculate a workbook, and read
back what it computed by defined name.

Used by the tests (our formulas against ``rerating.analytics``) and by ``rerating doctor``.
Each run gets a throwaway profile whose "recalculate on load" is set to always, so cached values
in the file are never trusted.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from rerating.errors import WorkbookError

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _locale_items(locale: str) -> str:
    """Profile settings that make LibreOffice read and show numbers, dates and function names
    as a user of ``locale`` (e.g. de-DE: decimal comma, German month names)."""
    return "".join(
        f'<item oor:path="/org.openoffice.{path}"><prop oor:name="{prop}" oor:op="fuse">'
        f"<value>{locale}</value></prop></item>\n"
        for path, prop in (("Setup/L10N", "ooSetupSystemLocale"), ("Setup/L10N", "ooLocale"),
                           ("Office.Linguistic/General", "DefaultLocale")))


def recalculate(src: Path | list[Path], out_dir: Path, fmt: str = "xlsx", timeout: float = 300,
                locale: str | None = None, extensions: Path | None = None) -> Path:
    """Open ``src`` in LibreOffice, recalculate every formula, save as ``fmt`` in ``out_dir``.

    ``src`` may be a list (one LibreOffice start for all); the path of the first is returned.
    ``locale`` (e.g. ``de-DE``) runs LibreOffice as a user of that locale, with ``LC_ALL`` set
    to match (the locale must be installed: ``locale -a``). ``extensions`` is a folder of
    extensions installed with ``unopkg add --shared -env:UNO_SHARED_PACKAGES_CACHE=…`` (the
    Calc add-in's tests install it there instead of into LibreOffice's own folder)."""
    import os
    srcs = [Path(p) for p in (src if isinstance(src, list) else [src])]
    exe = soffice()
    if exe is None:
        raise WorkbookError("LibreOffice (soffice) is not installed; on Debian/Ubuntu: "
                            "apt-get install libreoffice-calc-nogui")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rr-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        xcu = _XCU if locale is None else _XCU.replace("</oor:items>", _locale_items(locale) + "</oor:items>")
        (user / "registrymodifications.xcu").write_text(xcu)
        env = dict(os.environ)
        if locale is not None:
            env["LC_ALL"] = env["LANG"] = locale.replace("-", "_") + ".UTF-8"
        more = [] if extensions is None else \
            [f"-env:UNO_SHARED_PACKAGES_CACHE={Path(extensions).resolve().as_uri()}"]
        cmd = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", *more, "--headless", "--norestore",
               "--nolockcheck", "--convert-to", fmt, "--outdir", str(out_dir), *map(str, srcs)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                              env=env)
    outs = [out_dir / (p.stem + "." + fmt.split(":")[0]) for p in srcs]
    missing = [p.name for p, o in zip(srcs, outs, strict=True) if not o.exists()]
    if proc.returncode != 0 or missing:
        raise WorkbookError(f"LibreOffice could not convert {', '.join(missing) or srcs[0].name}: "
                            f"{(proc.stderr or proc.stdout).strip()[:300]}")
    return outs[0]


def values_by_name(path: Path, names: list[str] | None = None) -> dict[str, Any]:
    """Computed values of workbook-level defined names (a range gives a list, row by row)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    out: dict[str, Any] = {}
    for name, dn in wb.defined_names.items():
        if names is not None and name not in names:
            continue
        vals = []
        for sheet, ref in dn.destinations:
            cells = wb[sheet][ref.replace("$", "")]
            if isinstance(cells, tuple):
                for row in cells:
                    vals.extend(c.value for c in (row if isinstance(row, tuple) else (row,)))
            else:
                vals.append(cells.value)
        out[name] = vals[0] if len(vals) == 1 else vals
    return out
