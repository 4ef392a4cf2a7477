"""A workbook's RR_ formulas written for another host: the xlwings and Calc hosts against the
Office add-in.

Excel through xlwings and LibreOffice Calc store a call as ``RR_PRICE(A2)``. An Office add-in's
custom function ``RR.PRICE`` is stored in the file as ``_xldudf_RR_PRICE(A2)``: Excel writes an
add-in function as ``_xldudf_`` then its namespace and name joined by ``_`` (the stored form seen
in public workbooks and test fixtures of other add-ins, e.g. ``_xldudf_CX_GET(…)``; not checked
against Excel here). So a book typed in one host shows ``#NAME?`` in the other until its
formulas are converted; :func:`convert` does it both ways.

Only formulas change: a cell's ``<f>``, a conditional format's or validation's ``<formula…>`` and
a defined name, and within them only calls of functions in the registry, never text inside a
string literal (``="RR_PRICE("`` stays). Every other part is copied byte for byte into a new
file, written beside it and swapped in whole; the original is left as it was.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from rerating.errors import InputError

PREFIX = "_xldudf_"
#: an element that holds a formula; a self-closing one (a shared formula's other cells,
#: ``<f t="shared" si="0"/>``) holds none and is never opened
_ELEMENT = re.compile(rb"(<(f|formula|formula1|formula2|definedName)(?:\s[^>]*)?(?<!/)>)(.*?)(</\2>)", re.S)
_STRING = re.compile(r'"(?:[^"]|"")*"')


@dataclass(frozen=True)
class Converted:
    out: Path
    calls: int   # function calls rewritten
    parts: int   # parts that changed


def _names() -> set[str]:
    from rerating.functions.registry import specs

    return set(specs())


def formula(text: str, to: str, names: set[str] | None = None) -> tuple[str, int]:
    """One formula's calls rewritten for ``to`` (``"office"`` or ``"excel"``); string
    literals are left as they are. Returns the formula and how many calls changed."""
    names = _names() if names is None else names
    if to == "office":
        pattern = re.compile(r"(?<![A-Za-z0-9_.])(RR_[A-Z0-9_]+)(?=\s*\()")
        new_name = PREFIX + "{}"
    elif to == "excel":
        pattern = re.compile(r"(?<![A-Za-z0-9_.])" + PREFIX + r"(RR_[A-Z0-9_]+)(?=\s*\()")
        new_name = "{}"
    else:
        raise InputError(f"to {to!r}: say office (the Office add-in) or excel (xlwings and Calc)")
    count = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal count
        if m.group(1) not in names:
            return m.group(0)
        count += 1
        return new_name.format(m.group(1))

    out, last = [], 0
    for lit in _STRING.finditer(text):  # string literals are kept as they are
        out += [pattern.sub(swap, text[last:lit.start()]), lit.group(0)]
        last = lit.end()
    out.append(pattern.sub(swap, text[last:]))
    return "".join(out), count


def _part(xml: bytes, to: str, names: set[str]) -> tuple[bytes, int]:
    total = 0

    def one(m: re.Match[bytes]) -> bytes:
        nonlocal total
        body = m.group(3)
        if b"RR_" not in body:
            return m.group(0)
        text = html.unescape(body.decode("utf-8"))
        new, n = formula(text, to, names)
        if not n:
            return m.group(0)
        total += n
        return m.group(1) + escape(new).encode("utf-8") + m.group(4)

    return _ELEMENT.sub(one, xml), total


def convert(path: Path, out: Path, to: str, *, overwrite: bool = False) -> Converted:
    """Write ``path`` to ``out`` with its RR_ formulas in the form ``to`` uses."""
    from rerating.workbooks.engine import _write_atomically
    from rerating.workbooks.ooxml import Package, write_package

    if to not in ("office", "excel"):
        raise InputError(f"--to {to!r}: say office (the Office add-in) or excel (xlwings and Calc)")
    if out.resolve() == path.resolve():
        raise InputError(f"write the converted book to a new file, not over {path.name} (-o)")
    if out.exists() and not overwrite:
        raise InputError(f"{out} exists; give --overwrite to replace it")
    names = _names()
    with Package(path) as pkg:
        replace: dict[str, bytes] = {}
        calls = 0
        for name in sorted(pkg.names):
            if name == "xl/workbook.xml" or (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                new, n = _part(pkg.zip.read(name), to, names)
                if n:
                    replace[name] = new
                    calls += n
        _write_atomically(out, lambda f: write_package(pkg, f, replace), backup=True)
    return Converted(out, calls, len(replace))
