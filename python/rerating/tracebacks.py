"""One place that writes the traceback of an unexpected error to the log file.

Both boundaries use it: the CLI (exit code 70) and the Excel functions (``#ERR`` in the cell).
The file is ``Settings.log_file``, the path ``rerating doctor`` prints.
"""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path


def record(exc: BaseException, where: str, path: Path) -> Path | None:
    """Append ``exc``'s traceback to ``path``; the path written, or None if it could not be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now(dt.UTC).isoformat()} {where}\n")
            fh.write("".join(traceback.format_exception(exc)))
        return path
    except OSError:
        return None
