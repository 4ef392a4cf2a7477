"""Named lists of tickers: built-in (demo market, NSE lists with their dates), saved by the analyst, or a file.

A universe file is plain text, one ticker per line (blank lines and ``#`` comments are ignored),
or an NSE constituent list (``Company Name,Industry,Symbol,Series,ISIN Code``), whose symbols
become ``SYMBOL.NS``. A list imported with ``rerating data universes --import`` is saved as
``<name>.csv`` with the company names and industries kept beside the tickers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from rerating.errors import InputError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,40}$")

STALE_DAYS = 183  # NSE rebalances its indices every six months (March and September)


@dataclass(frozen=True)
class BuiltinList:
    """A real index membership shipped as package data, with its date and source."""

    name: str
    index: str  # the index name NSE uses
    file: str
    date: str  # ISO date of the list
    source: str

    def frame(self) -> pd.DataFrame:
        return _read_list(self.file).copy()

    def age_days(self, today: date | None = None) -> int:
        return ((today or date.today()) - date.fromisoformat(self.date)).days

    def stale(self, today: date | None = None) -> str | None:
        """One line when the list is older than six months, else None."""
        age = self.age_days(today)
        if age <= STALE_DAYS:
            return None
        return (f"the built-in {self.index} list is dated {self.date} ({age // 30} months old); "
                f"NSE has rebalanced since: rerating data universes --update "
                f"ind_{self.name}list.csv")


@cache
def _read_list(file: str) -> pd.DataFrame:
    """A shipped list, read once per process (RR_ functions ask for universes on every call)."""
    with resources.files("rerating.data.lists").joinpath(file).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


_DEMO_UNIVERSES = {
    "demo": "all 300 synthetic demo companies and the 2 demo indices",
    "demo-small": "250 synthetic demo small caps",
    "demo-large": "50 synthetic demo large caps",
    "demo-indices": "the synthetic demo small-cap and large-cap indices",
}

# The source and date of each list is in python/rerating/data/lists/SOURCES.md.
BUILTIN_LISTS = {
    "nifty50": BuiltinList(
        "nifty50", "NIFTY 50", "nifty50.csv", "2026-01-07",
        "NSE index-constituent list via niftyterminal 0.5.1 (PyPI)"),
}


#: NSE lists that are not shipped (no dated copy could be verified): the name a list gets when
#: imported (`data universes --import ind_<name>list.csv`), and NSE's index name
NSE_LISTS = {
    "niftynext50": "NIFTY NEXT 50", "nifty100": "NIFTY 100", "nifty200": "NIFTY 200",
    "nifty500": "NIFTY 500", "niftymidcap150": "NIFTY MIDCAP 150",
    "niftysmallcap100": "NIFTY SMALLCAP 100", "niftysmallcap250": "NIFTY SMALLCAP 250",
}


def missing_list_advice(name: str) -> str | None:
    """How to get an NSE list that is not built in (None for any other name)."""
    key = name.strip().lower()
    if key not in NSE_LISTS:
        return None
    return (f"{key} ({NSE_LISTS[key]}) is not built in: no dated copy of NSE's list could be "
            f"verified to ship. Download ind_{key}list.csv from niftyindices.com (the index's "
            f"page, Index Constituents) and run: rerating data universes --import "
            f"ind_{key}list.csv")


def builtin_universes() -> dict[str, str]:
    """Name -> description of every built-in universe."""
    out = dict(_DEMO_UNIVERSES)
    for name, lst in BUILTIN_LISTS.items():
        out[name] = (f"{lst.index}: {len(lst.frame())} members, list of {lst.date}, "
                     f"source {lst.source}")
    return out


def universe_flag(name: str, data_dir: Path | None = None, today: date | None = None) -> str | None:
    """The staleness line of a built-in list (None when fresh, saved by the analyst, or not a
    built-in list): shown by `data universes`, `data status` and every book built from it."""
    key = name.strip().lower()
    if key not in BUILTIN_LISTS or (data_dir is not None and _saved(key, data_dir) is not None):
        return None
    return BUILTIN_LISTS[key].stale(today)


def read_constituents(path: str | Path) -> tuple[pd.DataFrame, str]:
    """An NSE constituent list: members (ticker, company_name, industry, series, isin) and the
    layout recognised. Refuses any other file."""
    from rerating.data.providers.files import read_file

    got = read_file(path)
    if got.members is None:
        raise InputError(f"{Path(path).name} is a {got.layout}, not an NSE constituent list "
                         "(Company Name,Industry,Symbol,Series,ISIN Code)")
    return got.members, got.layout


def read_universe_file(path: str | Path) -> list[str]:
    from rerating.data.parsing import decode, read_bytes

    p = Path(path)
    if not p.exists():
        raise InputError(f"universe file {p} does not exist")
    try:
        text, _ = decode(*read_bytes(p))  # the importer's encodings: BOM, UTF-16, cp1252
    except OSError as exc:
        raise InputError(f"universe file {p} cannot be read as text: {exc}") from exc
    head = next((ln.lower() for ln in text.lstrip("\ufeff").splitlines() if ln.strip()), "")
    if "symbol" in head and "company name" in head:  # an NSE constituent list
        return read_constituents(p)[0]["ticker"].tolist()
    tickers = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().strip(",")
        if line:
            tickers.extend(t.strip().upper() for t in re.split(r"[,\s]+", line) if t.strip())
    if not tickers:
        raise InputError(f"universe file {p} lists no tickers (one per line expected)")
    return list(dict.fromkeys(tickers))


def is_universe(name: str, data_dir: Path | None = None) -> bool:
    """Whether ``name`` is a built-in universe or one saved under ``data_dir``."""
    key = name.strip().lower()
    return key in _DEMO_UNIVERSES or key in BUILTIN_LISTS or \
        (data_dir is not None and _saved(key, data_dir) is not None)


def _saved(key: str, data_dir: Path) -> Path | None:
    if not _NAME.match(key):
        return None
    for suffix in (".csv", ".txt"):
        p = Path(data_dir) / "universes" / f"{key}{suffix}"
        if p.exists():
            return p
    return None


def saved_universes(data_dir: Path) -> list[Path]:
    """The universes saved under ``data_dir`` (ticker lists and imported NSE lists)."""
    folder = Path(data_dir) / "universes"
    return sorted([*folder.glob("*.txt"), *folder.glob("*.csv")])


def members(name: str, data_dir: Path) -> pd.DataFrame | None:
    """Company names and industries of a universe from an NSE list, saved or built in (else
    None)."""
    key = name.strip().lower()
    p = _saved(key, data_dir)
    if p is None and key in BUILTIN_LISTS:
        return BUILTIN_LISTS[key].frame()
    if p is None or p.suffix != ".csv":
        return None
    return pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def resolve_universe(name_or_tickers: str | list[str], data_dir: Path | None = None) -> list[str]:
    """Tickers of a built-in or saved universe, a comma-separated list, or a single ticker."""
    if isinstance(name_or_tickers, list):
        return list(dict.fromkeys(t.strip().upper() for t in name_or_tickers if t.strip()))
    text = str(name_or_tickers).strip()
    key = text.lower()
    if key.startswith("demo"):
        from rerating.data.providers.demo import demo_market

        try:
            return demo_market().universe(key)
        except KeyError:
            pass
    # A saved list wins over a built-in one of the same name: it is the newer NSE file.
    saved = _saved(key, data_dir) if data_dir is not None else None
    if saved is not None:
        listed = members(key, data_dir) if saved.suffix == ".csv" and data_dir else None
        return listed["ticker"].tolist() if listed is not None else read_universe_file(saved)
    if key in BUILTIN_LISTS:
        return BUILTIN_LISTS[key].frame()["ticker"].tolist()
    if "," in text or " " in text:
        return resolve_universe([t for t in re.split(r"[,\s]+", text) if t])
    if key in builtin_universes() or not text:
        raise InputError(f"universe {text!r} is empty")
    return [text.upper()]


def save_universe(name: str, tickers: list[str], data_dir: Path) -> Path:
    if not _NAME.match(name.lower()):
        raise InputError(f"universe name {name!r} must be letters, digits, '-' or '_'")
    folder = Path(data_dir) / "universes"
    folder.mkdir(parents=True, exist_ok=True)
    from rerating.data.store import atomic_write_bytes

    path = folder / f"{name.lower()}.txt"
    atomic_write_bytes(path, ("\n".join(tickers) + "\n").encode("utf-8"))
    (folder / f"{name.lower()}.csv").unlink(missing_ok=True)  # one file per name
    return path


def save_members(name: str, frame: pd.DataFrame, source: str, data_dir: Path) -> Path:
    """Save an NSE constituent list as universe ``name``, names and industries kept."""
    if not _NAME.match(name.lower()):
        raise InputError(f"universe name {name!r} must be letters, digits, '-' or '_'")
    from rerating.data.export import to_csv_bytes
    from rerating.data.store import atomic_write_bytes

    folder = Path(data_dir) / "universes"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.lower()}.csv"
    out = frame.assign(source=source, imported_at=pd.Timestamp.now(tz="UTC").isoformat())
    atomic_write_bytes(path, to_csv_bytes(out))
    (folder / f"{name.lower()}.txt").unlink(missing_ok=True)
    return path
