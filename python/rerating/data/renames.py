"""Symbol changes and delistings on NSE, so a ticker Yahoo no longer knows is explained, not
reported as a mystery (and never silently swapped for another: the analyst decides).

Built-in rows: NSE symbol changes and merger delistings of large, well-known companies,
compiled 2026-11-25 by the maintainers from NSE's public symbol-change and scheme-of-
arrangement notices as they remember them; this machine had no network to re-check them, so
dates are given only to the year or month known. Users add rows in ``<data dir>/renames.csv``
(``old,new,date,note``; ``new`` blank for a delisting), which win over the built-in ones.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from rerating.errors import InputError

RENAMED = "renamed or delisted: "


@dataclass(frozen=True)
class Rename:
    old: str
    new: str | None  # None: delisted (merged away, or gone)
    date: str
    note: str

    def describe(self, ticker: str) -> str:
        suffix = ticker[len(self.old):] if ticker.upper().startswith(self.old) else ""
        now = (f"it trades as {self.new}{suffix} since {self.date}" if self.new
               else f"delisted in {self.date}")
        return f"{RENAMED}{ticker} {now} ({self.note}); see `rerating data renames`"


BUILTIN: tuple[Rename, ...] = (
    Rename("TATAMOTORS", "TMPV", "2025-10", "Tata Motors demerger: the passenger-vehicle company "
           "kept the listing; commercial vehicles listed apart as TMCV"),
    Rename("ZOMATO", "ETERNAL", "2025", "Zomato Ltd renamed Eternal Ltd"),
    Rename("MCDOWELL-N", "UNITDSPR", "2024", "United Spirits' symbol change"),
    Rename("L&TFH", "LTF", "2024", "L&T Finance Holdings renamed L&T Finance"),
    Rename("ADANITRANS", "ADANIENSOL", "2023", "Adani Transmission renamed Adani Energy Solutions"),
    Rename("HDFC", None, "2023-07", "merged into HDFC Bank (HDFCBANK)"),
    Rename("LTI", "LTIM", "2022-11", "Larsen & Toubro Infotech renamed LTIMindtree"),
    Rename("MINDTREE", None, "2022-11", "merged into LTIMindtree (LTIM)"),
    Rename("CADILAHC", "ZYDUSLIFE", "2022", "Cadila Healthcare renamed Zydus Lifesciences"),
    Rename("INFRATEL", "INDUSTOWER", "2020", "Bharti Infratel merged with Indus Towers"),
    Rename("TATAGLOBAL", "TATACONSUM", "2020", "Tata Global Beverages renamed Tata Consumer "
           "Products"),
)


class Renames:
    """Old NSE symbol (with or without ``.NS``/``.BO``) -> what became of it."""

    def __init__(self, extra: tuple[Rename, ...] = ()) -> None:
        self._by_old = {r.old: r for r in BUILTIN}
        self._by_old.update({r.old: r for r in extra})

    def lookup(self, ticker: str) -> Rename | None:
        base = ticker.strip().upper()
        for suffix in (".NS", ".BO"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        return self._by_old.get(base)

    def all(self) -> list[Rename]:
        return sorted(self._by_old.values(), key=lambda r: r.old)

    @classmethod
    def from_file(cls, path: Path | None) -> Renames:
        if path is None or not Path(path).exists():
            return cls()
        try:
            rows = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"renames file {path} cannot be read: {exc}") from exc
        if not rows or [c.strip().lower() for c in rows[0][:4]] != ["old", "new", "date", "note"]:
            raise InputError(f"renames file {path} must start with the header old,new,date,note")
        extra = []
        for n, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) < 4 or not row[0].strip():
                raise InputError(f"renames file {path} line {n}: expected old,new,date,note")
            extra.append(Rename(row[0].strip().upper(), row[1].strip().upper() or None,
                                row[2].strip(), row[3].strip()))
        return cls(tuple(extra))
