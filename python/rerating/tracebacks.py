"""One place that writes the traceback of an unexpected error to the log file.

Both boundaries use it: the CLI (exit code 70) and the Excel functions (``#ERR`` in the cell).
The file is ``Settings.log_file``, the path ``rerating doctor`` prints.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from pathlib import Path

#: a password in a URL (``scheme://user:secret@host``) or in libpq's ``key=value`` form
_SECRETS = ((re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@]*@", re.I), r"\1***@"),
            (re.compile(r"(\bpassword\s*=\s*)(?:'[^']*'|[^\s&]+)", re.I), r"\1***"))


def scrub(text: str) -> str:
    """``text`` with every password it carries replaced by ``***``: what the log and the
    terminal get (a command line may hold ``--store postgresql://user:secret@host/db``)."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def record(exc: BaseException, where: str, path: Path) -> Path | None:
    """Append ``exc``'s traceback to ``path``, passwords scrubbed; the path written, or None
    if it could not be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(scrub(f"--- {dt.datetime.now(dt.UTC).isoformat()} {where}\n"))
            fh.write(scrub("".join(traceback.format_exception(exc))))
        return path
    except OSError:
        return None


#: the heading of a fetch failure's details in the log (``rerating doctor`` shows the last ones)
FETCH_FAILED = "fetch failed"


def note(text: str, where: str, path: Path) -> None:
    """Append one dated line of details to the log (what a cell leaves out to stay short),
    passwords scrubbed; a log that cannot be written is no reason to fail."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(scrub(f"--- {dt.datetime.now(dt.UTC).isoformat()} {where}: {text}\n"))
    except OSError:
        pass


def last_notes(path: Path, where: str, most: int = 3) -> list[str]:
    """The last ``most`` lines :func:`note` wrote for ``where`` (newest last)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [ln.removeprefix("--- ") for ln in lines
            if ln.startswith("--- ") and f" {where}: " in ln][-most:]
