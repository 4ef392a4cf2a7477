"""One key per index: NSE's index names (niftyindices and NSE files) meet Yahoo's symbols.

Prices from Yahoo arrive under ``NIFTYSMLCAP250.NS``; niftyindices and NSE's daily files call the
same index ``NIFTY SMALLCAP 250`` (or ``Nifty Smallcap 250``). The store keys every index by its
Yahoo symbol, so both meet. An index this map does not know is stored under its NSE name, and
the import says so; users add their own rows in a CSV (``Settings.index_map_file``,
``RERATING_INDEX_MAP``; columns ``index_name,symbol``).

Source of the built-in rows: NSE index names as niftyindices.com and NSE's
``ind_close_all_DDMMYYYY.csv`` spell them; Yahoo Finance symbols as its quote pages list them.
Compiled 2026-11-25 by the maintainers from those sites' public listings; this machine has no
network to re-check them, so `rerating data refresh --source yahoo --tickers SYMBOL` is the way
to confirm one.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path

from rerating.errors import InputError

#: (NSE name, Yahoo symbol, other spellings seen in NSE and niftyindices files)
BUILTIN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("NIFTY 50", "^NSEI", ("NIFTY", "CNX NIFTY", "S&P CNX NIFTY")),
    ("NIFTY NEXT 50", "^NSMIDCP", ("NIFTY JUNIOR", "CNX NIFTY JUNIOR")),
    ("NIFTY 100", "^CNX100", ("CNX 100",)),
    ("NIFTY 200", "^CNX200", ("CNX 200",)),
    ("NIFTY 500", "^CRSLDX", ("CNX 500", "S&P CNX 500")),
    ("NIFTY MIDCAP 50", "^NSEMDCP50", ("NIFTY MIDCAP50",)),
    ("NIFTY MIDCAP 100", "NIFTY_MIDCAP_100.NS", ("NIFTY MIDCAP100", "CNX MIDCAP")),
    ("NIFTY MIDCAP 150", "NIFTYMIDCAP150.NS", ("NIFTY MIDCAP150",)),
    ("NIFTY SMALLCAP 50", "NIFTYSMLCAP50.NS", ("NIFTY SMALLCAP50",)),
    ("NIFTY SMALLCAP 100", "^CNXSC", ("NIFTY SMALLCAP100", "CNX SMALLCAP")),
    ("NIFTY SMALLCAP 250", "NIFTYSMLCAP250.NS", ("NIFTY SMALLCAP250",)),
    ("NIFTY MICROCAP 250", "NIFTY_MICROCAP250.NS", ("NIFTY MICROCAP250",)),
    ("NIFTY LARGEMIDCAP 250", "NIFTY_LARGEMID250.NS", ("NIFTY LARGEMIDCAP250",
                                                       "NIFTY LARGE MIDCAP 250")),
    ("NIFTY BANK", "^NSEBANK", ("BANK NIFTY", "NIFTY BANK INDEX")),
    ("NIFTY IT", "^CNXIT", ("CNX IT",)),
    ("NIFTY AUTO", "^CNXAUTO", ("CNX AUTO",)),
    ("NIFTY PHARMA", "^CNXPHARMA", ("CNX PHARMA",)),
    ("NIFTY FMCG", "^CNXFMCG", ("CNX FMCG",)),
    ("NIFTY METAL", "^CNXMETAL", ("CNX METAL",)),
    ("NIFTY REALTY", "^CNXREALTY", ("CNX REALTY",)),
    ("NIFTY ENERGY", "^CNXENERGY", ("CNX ENERGY",)),
    ("NIFTY INFRASTRUCTURE", "^CNXINFRA", ("NIFTY INFRA", "CNX INFRA")),
    ("NIFTY PSU BANK", "^CNXPSUBANK", ("CNX PSU BANK",)),
    ("NIFTY MEDIA", "^CNXMEDIA", ("CNX MEDIA",)),
    ("NIFTY FINANCIAL SERVICES", "NIFTY_FIN_SERVICE.NS", ("NIFTY FIN SERVICE",)),
    ("NIFTY PSE", "^CNXPSE", ("CNX PSE",)),
    ("NIFTY MNC", "^CNXMNC", ("CNX MNC",)),
    ("INDIA VIX", "^INDIAVIX", ()),
    ("S&P BSE SENSEX", "^BSESN", ("SENSEX", "BSE SENSEX")),
)


#: NSE indices renamed over the years, stored under today's name whichever a file uses, so
#: one index keeps one history (current name, older names). Source: the names NSE's
#: ind_close_all files carry in different years (issue 31: "Nifty Tata Group" became "Nifty
#: India Corporate Group Index - Tata Group") and niftyindices.com's page names of the group
#: indices (niftytatagroup, niftymahindragroup, niftyadityabirlagroup, niftytatagroup25cap) as
#: public clients map them, read 2026-12-08.
RENAMED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NIFTY INDIA CORPORATE GROUP INDEX - TATA GROUP", ("NIFTY TATA GROUP",)),
    ("NIFTY INDIA CORPORATE GROUP INDEX - TATA GROUP 25% CAP",
     ("NIFTY TATA GROUP 25% CAP", "NIFTY TATA 25 CAP")),
    ("NIFTY INDIA CORPORATE GROUP INDEX - MAHINDRA GROUP", ("NIFTY MAHINDRA GROUP",)),
    ("NIFTY INDIA CORPORATE GROUP INDEX - ADITYA BIRLA GROUP", ("NIFTY ADITYA BIRLA GROUP",)),
)


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).strip().upper())


def _squash(name: str) -> str:
    return re.sub(r"[^A-Z0-9&]", "", _norm(name))


class IndexMap:
    """NSE index name (any spelling above, any case and spacing) -> store key (Yahoo symbol)."""

    def __init__(self, extra: Mapping[str, str] | None = None) -> None:
        self._by_name: dict[str, str] = {}
        self.names: dict[str, str] = {}  # symbol -> NSE name
        self._renamed = {_squash(old): _norm(now) for now, olds in RENAMED
                         for old in (now, *olds)}
        for name, symbol, aliases in BUILTIN:
            self._add(name, symbol, aliases)
        for name, symbol in (extra or {}).items():
            self._add(name, symbol.strip().upper(), ())

    def _add(self, name: str, symbol: str, aliases: tuple[str, ...]) -> None:
        for n in (name, *aliases):
            self._by_name[_squash(n)] = symbol
        self.names.setdefault(symbol, _norm(name))

    def current_name(self, name: str) -> str:
        """An index this map has no symbol for, under one key: today's NSE name for a renamed
        index, else the name as written (upper case, single spaces)."""
        return self._renamed.get(_squash(name), _norm(name))

    def symbol(self, name: str) -> str | None:
        """The Yahoo symbol of an NSE index name, or None when the map does not know it."""
        return self._by_name.get(_squash(name))

    def is_index_symbol(self, ticker: str) -> bool:
        return ticker.startswith("^") or ticker in self.names

    @classmethod
    def from_file(cls, path: Path | None) -> IndexMap:
        """The built-in map extended by the user's CSV (``index_name,symbol``), if it exists."""
        if path is None or not Path(path).exists():
            return cls()
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"index map {path} cannot be read: {exc}") from exc
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or [c.strip().lower() for c in rows[0][:2]] != ["index_name", "symbol"]:
            raise InputError(f"index map {path} must start with the header index_name,symbol")
        extra = {}
        for n, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise InputError(f"index map {path} line {n}: expected index_name,symbol")
            extra[row[0]] = row[1]
        return cls(extra)
