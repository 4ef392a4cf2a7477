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
#: months whose end brings NSE's semi-annual rebalance into effect
REBALANCE_MONTHS = (3, 9)


def _month_name(ym: str) -> str:
    return pd.Timestamp(f"{ym}-01").strftime("%B %Y")


def rebalances_since(reflects: str, today: date) -> list[str]:
    """NSE's semi-annual rebalances ("YYYY-MM", in effect from the end of March and September)
    that took effect after the one ``reflects`` names and before ``today``."""
    year, month = (int(x) for x in reflects.split("-"))
    out = []
    while True:
        month = next((m for m in REBALANCE_MONTHS if m > month), None) or REBALANCE_MONTHS[0]
        year += month == REBALANCE_MONTHS[0]
        end = (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).date()
        if end >= today:
            return out
        out.append(f"{year:04d}-{month:02d}")


@dataclass(frozen=True)
class BuiltinList:
    """A real index membership shipped as package data: NSE's own file, byte for byte, with
    the date it was downloaded, the rebalance it reflects and where the copy came from."""

    name: str
    index: str  # the index name NSE uses
    size: int  # members the index has
    file: str  # NSE's file name, as shipped in rerating/data/lists/
    date: str  # ISO date of the copy (when NSE's file was downloaded)
    reflects: str  # the rebalance ("YYYY-MM") whose membership the copy holds
    source: str

    def frame(self) -> pd.DataFrame:
        return _read_list(self.file).copy()

    def age_days(self, today: date | None = None) -> int:
        return ((today or date.today()) - date.fromisoformat(self.date)).days

    def stale(self, today: date | None = None) -> str | None:
        """One line when NSE has rebalanced the index since the list, or the list is older than
        six months; else None."""
        today = today or date.today()
        since = rebalances_since(self.reflects, today)
        age = self.age_days(today)
        if not since and age <= STALE_DAYS:
            return None
        why = (f"NSE has rebalanced it since ({', '.join(map(_month_name, since))})" if since
               else f"it is {age // 30} months old")
        return (f"the built-in {self.index} list is dated {self.date} (the {_month_name(self.reflects)} "
                f"membership) and {why}: rerating data universes --update {self.file}")


@cache
def _read_list(file: str) -> pd.DataFrame:
    """A shipped list, read once per process by the importer's own reader (RR_ functions ask
    for universes on every call); NSE's placeholder rows are left out."""
    from rerating.data.providers.files import read_constituents_bytes

    data = resources.files("rerating.data.lists").joinpath(file).read_bytes()
    return read_constituents_bytes(data, file)


_DEMO_UNIVERSES = {
    "demo": "all 300 synthetic demo companies and the 2 demo indices",
    "demo-small": "250 synthetic demo small caps",
    "demo-large": "50 synthetic demo large caps",
    "demo-indices": "the synthetic demo small-cap and large-cap indices",
}

_ORIGIN = "NSE's file via a public GitHub copy (SOURCES.md)"
# Where each copy comes from, its commit and sha256: python/rerating/data/lists/SOURCES.md.
BUILTIN_LISTS = {lst.name: lst for lst in (
    BuiltinList("nifty50", "NIFTY 50", 50, "ind_nifty50list.csv", "2026-06-30", "2026-03", _ORIGIN),
    BuiltinList("niftynext50", "NIFTY NEXT 50", 50, "ind_niftynext50list.csv", "2026-03-10",
                "2025-09", _ORIGIN),
    BuiltinList("nifty100", "NIFTY 100", 100, "ind_nifty100list.csv", "2026-03-31", "2026-03",
                _ORIGIN),
    BuiltinList("nifty200", "NIFTY 200", 200, "ind_nifty200list.csv", "2026-03-31", "2026-03",
                _ORIGIN),
    BuiltinList("nifty500", "NIFTY 500", 500, "ind_nifty500list.csv", "2026-08-01", "2026-03",
                _ORIGIN),
    BuiltinList("niftymidcap150", "NIFTY MIDCAP 150", 150, "ind_niftymidcap150list.csv",
                "2026-05-16", "2026-03", _ORIGIN),
    BuiltinList("niftysmallcap100", "NIFTY SMALLCAP 100", 100, "ind_niftysmallcap100list.csv",
                "2025-07-04", "2025-03", _ORIGIN),
    BuiltinList("niftysmallcap250", "NIFTY SMALLCAP 250", 250, "ind_niftysmallcap250list.csv",
                "2026-05-16", "2026-03", _ORIGIN),
    BuiltinList("niftymicrocap250", "NIFTY MICROCAP 250", 250, "ind_niftymicrocap250_list.csv",
                "2026-08-18", "2026-03", _ORIGIN),
)}


def list_for_file(path: str | Path) -> BuiltinList | None:
    """The built-in list an NSE file name stands for (ind_nifty50list.csv -> nifty50)."""
    name = Path(path).name.lower()
    name = re.sub(r"\s*\(\d+\)(?=\.csv$)", "", name)  # a browser's "ind_nifty50list (1).csv"
    return next((lst for lst in BUILTIN_LISTS.values() if lst.file == name), None)


def builtin_universes() -> dict[str, str]:
    """Name -> description of every built-in universe."""
    out = dict(_DEMO_UNIVERSES)
    for name, lst in BUILTIN_LISTS.items():
        out[name] = (f"{lst.index}: {len(lst.frame())} members, NSE's list of {lst.date} "
                     f"({_month_name(lst.reflects)} membership), {lst.source}")
    return out


def size_is_off(n: int, index: BuiltinList) -> bool:
    """A list of ``n`` companies is not the whole ``index``: more than 2% (at least 2 rows)
    from its size. NSE's own files differ by a row or two around corporate actions."""
    return abs(n - index.size) > max(2, round(0.02 * index.size))


PARTIAL = "PARTIAL"


def universe_flag(name: str, data_dir: Path | None = None, today: date | None = None) -> str | None:
    """The line a universe carries wherever it is used (`data universes`, `data status`, every
    book and note built from it), or None: a list saved with ``--force`` although it is not
    the whole index starts with :data:`PARTIAL`; a built-in list NSE has rebalanced since says
    how old it is."""
    key = name.strip().lower()
    saved = _saved(key, data_dir) if data_dir is not None else None
    if saved is not None:
        return _partial(key, saved)
    if key not in BUILTIN_LISTS:
        return None
    return BUILTIN_LISTS[key].stale(today)


def _partial(key: str, path: Path) -> str | None:
    held = partial_of(key, path.parent.parent)
    if held is None:
        return None
    index = BUILTIN_LISTS.get(key)
    fix = f"; rerating data universes --update {index.file} with NSE's whole file" if index else ""
    return f"{PARTIAL}: your saved {key} holds {held}{fix}"


def partial_of(name: str, data_dir: Path) -> str | None:
    """What a saved list holds when it was saved with ``--force`` although it is not the whole
    index ("5 of NIFTY SMALLCAP 250's 250 companies, saved with --force on 2026-12-08")."""
    path = _saved(name.strip().lower(), data_dir)
    if path is None or path.suffix != ".csv":
        return None
    head = pd.read_csv(path, dtype=str, nrows=1, keep_default_na=False, encoding="utf-8-sig")
    if head.empty or "partial" not in head.columns or not head["partial"].iloc[0]:
        return None
    return str(head["partial"].iloc[0])


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
    from rerating.atomic import atomic_write_bytes

    path = folder / f"{name.lower()}.txt"
    atomic_write_bytes(path, ("\n".join(tickers) + "\n").encode("utf-8"))
    (folder / f"{name.lower()}.csv").unlink(missing_ok=True)  # one file per name
    return path


def save_members(name: str, frame: pd.DataFrame, source: str, data_dir: Path,
                 partial: str = "") -> Path:
    """Save an NSE constituent list as universe ``name``, names and industries kept;
    ``partial`` says what it holds when it was saved knowing it is not the whole index."""
    if not _NAME.match(name.lower()):
        raise InputError(f"universe name {name!r} must be letters, digits, '-' or '_'")
    from rerating.atomic import atomic_write_bytes
    from rerating.data.export import to_csv_bytes

    folder = Path(data_dir) / "universes"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.lower()}.csv"
    out = frame.assign(source=source, imported_at=pd.Timestamp.now(tz="UTC").isoformat(),
                       partial=partial)
    atomic_write_bytes(path, to_csv_bytes(out))
    (folder / f"{name.lower()}.txt").unlink(missing_ok=True)
    return path
