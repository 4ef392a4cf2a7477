"""Store tables as CSV for other tools, safe to open in a spreadsheet.

Text from a data source (a company name, a sector) can begin with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return, which Excel and LibreOffice would run as a formula when the CSV is
opened. Following OWASP's CSV-injection advice, every such text cell is prefixed with a single
quote (the spreadsheet shows the text, not a formula) and every field is quoted. Numbers are
written as numbers, so a negative return stays a number. Each row keeps its ``source`` and
``fetched_at`` columns: the provenance travels with the data.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

from rerating.atomic import atomic_write_bytes

#: first characters a spreadsheet treats as the start of a formula (OWASP CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it: a leading quote when needed."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (with a BOM, so Excel reads the encoding), text defused."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d" if (s.dropna().dt.normalize() == s.dropna()).all()
                                     else "%Y-%m-%dT%H:%M:%S%z")
        elif not pd.api.types.is_numeric_dtype(s):
            out[col] = s.map(lambda x: defuse(str(x)) if isinstance(x, str) else x)
    buf = io.StringIO()
    out.to_csv(buf, index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` to ``path`` atomically (a killed export leaves no half file)."""
    path = Path(path)
    atomic_write_bytes(path, to_csv_bytes(frame))
    return path
