"""Reading the text of downloaded files: encodings, separators, numbers and dates.

Real downloads disagree on all four (UTF-16 from Excel's "Unicode text", `"25,860.10"`, `264.35M`,
`.76`, `16-12-2025` beside `16/12/2025`). Every function here either returns exactly what the file
says or raises :class:`InputError` naming the line and the fix; none of them guesses.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rerating.errors import InputError

MAX_BYTES = 200 * 1024 * 1024
#: the words downloads use for "no value"
MISSING = frozenset({"", "-", "--", "null", "nan", "na", "n/a", "none", "#n/a"})
#: unit suffixes: investing.com volumes (K, M, B) and Indian amounts (lakh, crore)
UNITS = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12, "l": 1e5, "lac": 1e5, "lakh": 1e5,
         "lakhs": 1e5, "cr": 1e7, "crore": 1e7, "crores": 1e7}
_NUMBER = re.compile(
    r"^(?P<sign>[+-]?)"
    # western (1,234,567) or Indian (12,34,567) grouping, or plain digits
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}|\d*)"
    r"(?P<frac>\.\d+)?"
    r"\s*(?P<unit>[A-Za-z]+)?\s*(?P<pct>%)?$")
_EUROPEAN = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*,\d+$|^[+-]?\d+,\d{1,2}$")

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
#: a numeric date, either order: 16-12-2025, 12/16/2025 (the importer decides which)
NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_DAY_MON = re.compile(r"^(\d{1,2})[- ]([A-Za-z]{3,9})[- ,]+(\d{4})$")
_MON_DAY = re.compile(r"^([A-Za-z]{3,9})[- ](\d{1,2}),?[- ]+(\d{4})$")

DAYFIRST = "dayfirst"
MONTHFIRST = "monthfirst"


class AmbiguousDates(InputError):
    """Every date of a column could be day first or month first, and nothing decides it."""


@dataclass
class TextTable:
    """A delimited file as a frame of strings, with what was learnt reading it."""

    name: str
    frame: pd.DataFrame
    encoding: str
    delimiter: str
    notes: list[str] = field(default_factory=list)
    #: the same cells as an Arrow table, when read with ``arrow=True`` (``frame`` then holds
    #: only the header): many daily files are joined before pandas sees them
    arrow: Any = None

    @property
    def columns(self) -> list[str]:
        return list(self.arrow.column_names if self.arrow is not None else self.frame.columns)

    def materialise(self) -> TextTable:
        """``frame`` filled from ``arrow`` (a no-op for a table read into pandas)."""
        if self.arrow is not None:
            self.frame = trimmed(self.arrow).to_pandas()
            self.arrow = None
        return self


def read_bytes(path: Path) -> tuple[bytes, str]:
    """The bytes of ``path`` (or of the one CSV inside a ``.zip``, as NSE archives ship
    bhavcopies) and the name to cite."""
    if not path.exists():
        raise InputError(f"file {path} does not exist")
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"file {path} is larger than {MAX_BYTES // 2**20} MiB")
    return unpack(path.read_bytes(), path.name)


def _from_zip(path: Path, data: bytes) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = [i for i in z.infolist() if not i.is_dir()]
            if any(i.filename.startswith("xl/") for i in names):
                raise InputError(f"{path.name} is an Excel workbook; save the sheet as "
                                 "'CSV UTF-8 (Comma delimited)' and import that")
            csvs = [i for i in names if i.filename.lower().endswith((".csv", ".txt"))]
            if not csvs:
                held = ", ".join(i.filename for i in names[:3]) or "nothing"
                raise InputError(f"{path.name} is a zip without a CSV in it (it holds {held}): "
                                 "no bhavcopy or price file to import")
            if len(csvs) != 1:
                raise InputError(f"{path.name} is a zip holding {len(csvs)} CSV files; "
                                 "expected exactly one (unzip it and import the folder)")
            info = csvs[0]
            if info.file_size > MAX_BYTES or info.file_size > 200 * max(info.compress_size, 1):
                raise InputError(f"{path.name}: {info.filename} would unpack to "
                                 f"{info.file_size:,} bytes; refusing (zip bomb guard)")
            return z.read(info), f"{path.name}:{info.filename}"
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path.name} starts like a zip file but is not a readable one") from exc


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode
    text"), else Windows-1252 (Excel's "CSV (Comma delimited)" on Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: has a UTF-16 mark but is not UTF-16 text ({exc})") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 (BOM)"
    if data[:200].count(b"\x00") > 10:
        raise InputError(f"{name} is not a text file (binary content); export a CSV")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def _delimiter(first_line: str, name: str) -> str:
    outside = re.sub(r'"[^"]*"', "", first_line)
    if "\t" in outside:
        return "\t"
    if outside.count(";") > outside.count(","):
        raise InputError(
            f"{name} is separated by ';', the European CSV style, where ',' is the decimal "
            "mark and cannot be told from a thousands separator safely; save it from Excel with "
            "'.' as decimal separator and ',' as list separator (or as 'CSV UTF-8')")
    return ","


def read_table(path: str | Path) -> TextTable:
    """Read a delimited text file into a frame of stripped strings (no value interpreted)."""
    return table_from_bytes(*read_bytes(Path(path)))


def is_web_page(data: bytes, ctype: str = "") -> bool:
    """An HTML page where a data file was expected (sites answer blocked or expired downloads
    with one, and browsers save it under the file's name)."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<body")) \
        or "text/html" in ctype.lower()


def unpack(data: bytes, name: str) -> tuple[bytes, str]:
    """The bytes of a download as :func:`read_bytes` gives those of a file: the one CSV inside
    a zip, refusals for what is no CSV (an old .xls, a workbook, a web page, a .zip that is
    none)."""
    if len(data) > MAX_BYTES:
        raise InputError(f"{name} is larger than {MAX_BYTES // 2**20} MiB")
    if is_web_page(data):
        raise InputError(f"{name} is a web page (HTML), not a data file: the site answered the "
                         "download with a page (a block, a login or an error); open it in a "
                         "browser to see what it says, then download the file again")
    if name.lower().endswith(".zip") and data[:4] != b"PK\x03\x04":
        raise InputError(f"{name} is named .zip but is not a zip file (it starts "
                         f"{data[:12]!r}); download it again")
    if data[:4] == b"PK\x03\x04":
        return _from_zip(Path(name), data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(f"{name} is an old-style Excel (.xls) file; open it and save it "
                         "as 'CSV UTF-8 (Comma delimited)'")
    return data, name


def table_from_bytes(data: bytes, name: str, *, arrow: bool = False) -> TextTable:
    """:func:`read_table` for bytes already in hand (a download, a shipped file). With
    ``arrow``, a well-formed file stays an Arrow table (see :attr:`TextTable.arrow`)."""
    raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff")) and raw[:200].count(b"\x00") <= 10:
        # UTF-8 (Arrow checks every byte of it): only the header line is decoded here
        head = raw[:raw.find(b"\n") + 1 or len(raw)]
        try:
            first = head.decode("utf-8")
        except UnicodeDecodeError:
            first = ""
        if first.strip():
            delimiter = _delimiter(first, name)
            tbl = _arrow_read(raw, first, delimiter)
            if tbl is not None:  # a well-formed file: every cell as text, stripped, in C++
                encoding = "UTF-8 (BOM)" if raw is not data else "UTF-8"
                if arrow:  # trimmed by whoever reads it into pandas (materialise)
                    return TextTable(name, pd.DataFrame(), encoding, delimiter, [], tbl)
                return TextTable(name, trimmed(tbl).to_pandas(), encoding, delimiter, [])
    text, encoding = decode(data, name)
    text = text.lstrip("\ufeff")
    first = next((ln for ln in io.StringIO(text) if ln.strip()), None)  # not the whole file
    if first is None:
        raise InputError(f"{name} is empty")
    delimiter = _delimiter(first, name)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skipinitialspace=True, skip_blank_lines=True, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{name} is not a readable CSV: {str(exc).strip()}") from exc
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes the first column as the index when rows have more fields than the
        # header: an unquoted "25,50" (a comma decimal) does that. Never read it shifted.
        raise InputError(f"{name}: some rows have more fields than the header (e.g. a number "
                         "written with a comma as decimal mark, unquoted); fix the file or save "
                         "it from Excel as 'CSV UTF-8'")
    frame.columns = [str(c).strip().lstrip("\ufeff").strip() for c in frame.columns]
    # A trailing delimiter on every line (NSE's old bhavcopy) makes one unnamed, empty column.
    for col in list(frame.columns):
        if col.startswith("Unnamed:") and not frame[col].str.strip().any():
            frame = frame.drop(columns=col)
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    notes = [] if encoding.startswith("UTF-8") else [f"read as {encoding} text"]
    return TextTable(name, frame, encoding, delimiter, notes)


def _arrow_read(raw: bytes, first: str, delimiter: str) -> Any:
    """The table (Arrow) as pandas' reader below makes it (every cell a stripped string, blank lines
    skipped, a trailing delimiter's empty column dropped), read by pyarrow's CSV reader, which
    is several times faster on NSE's daily files. None for anything it would read differently
    (rows of another width, repeated column names, a header after blank lines, quoted line
    breaks): pandas reads those, and says what is wrong."""
    import csv

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = [c.strip() for c in next(csv.reader([first.rstrip("\r\n")], delimiter=delimiter))]
    trailing = names[-1] == "" and len(names) > 1
    if trailing:
        names[-1] = "Unnamed: trailing"
    if "" in names or len(set(names)) != len(names):
        return None
    try:
        tbl = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, ValueError):  # another width, bad UTF-8 …: pandas says what
        return None
    if trailing:
        if pc.any(pc.not_equal(pc.utf8_trim_whitespace(tbl.column(names[-1])), "")).as_py():
            return None
        tbl = tbl.drop_columns([names[-1]])
    return tbl.rename_columns([n.lstrip("\ufeff").strip() for n in tbl.column_names])


def trimmed(tbl: Any) -> Any:
    """Every cell of an Arrow table of text without surrounding blanks (pandas' reader is
    told to skip leading ones; this is the same for both ends)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pa.table({n: pc.utf8_trim_whitespace(tbl.column(n)) for n in tbl.column_names})


def line_of(index: int) -> int:
    """The file line of data row ``index`` (line 1 is the header)."""
    return int(index) + 2


def numbers(values: pd.Series, label: str) -> pd.Series:
    """Numbers as written in downloads: ``"25,860.10"``, ``"1,25,860.1"``, ``.76``, ``-.77``,
    ``264.35M``, ``1.2Cr``, ``-0.64%`` (the number before the sign: -0.64). ``-``, ``null`` and
    blanks are missing (NaN). Anything else, a European ``25.860,10`` included, is refused."""
    fast = _plain_numbers(values)
    if fast is not None:
        return fast
    s = values.fillna("").astype(str).str.strip()
    # most cells are plain numbers; only the others are looked at again
    plain = pd.to_numeric(s.to_numpy(dtype=object), errors="coerce").astype("float64")
    plain[~np.isfinite(plain)] = np.nan  # "inf" is no price
    odd = np.flatnonzero(np.isnan(plain))
    if odd.size:
        todo = s.iloc[odd]
        todo = todo[~todo.str.lower().isin(MISSING).to_numpy()]
        if not todo.empty:
            plain[s.index.get_indexer(todo.index)] = _written_numbers(todo, label)
    return pd.Series(plain, index=values.index, dtype="float64")


def _plain_numbers(values: pd.Series) -> pd.Series | None:
    """A column whose every cell is a plain number (a bhavcopy's closes), cast by Arrow; None
    when any cell needs a closer look (blanks, separators, units, signs …)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(values.dtype, pd.StringDtype) or values.empty:
        return None
    try:
        cast = pc.cast(pa.array(values), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return None
    out = cast.to_numpy(zero_copy_only=False)
    if cast.null_count or not np.isfinite(out).all():
        return None
    return pd.Series(out, index=values.index, dtype="float64")


def _written_numbers(todo: pd.Series, label: str) -> np.ndarray:
    """The cells the fast path could not read: separators, units, signs, or refused."""
    parts = todo.str.extract(_NUMBER)
    digits = parts["int"].fillna("").str.replace(",", "", regex=False)
    ok = parts["sign"].notna() & ((digits != "") | parts["frac"].notna())
    unit = parts["unit"].fillna("").str.lower()
    ok &= unit.eq("") | unit.isin(list(UNITS))
    if not ok.all():
        i = ok[~ok].index[0]
        bad = todo.loc[i]
        hint = (" (a European number, comma as decimal mark: save the file with '.' "
                "decimals)" if _EUROPEAN.match(bad) else
                "; numbers may carry thousands separators, K/M/B or Cr/L units and %")
        raise InputError(f"{label}: {bad!r} on line {line_of(i)} is not a number{hint}")
    text = digits.where(digits != "", "0") + parts["frac"].fillna("")
    value = pd.to_numeric(text)
    scaled = unit != ""
    if scaled.any():  # units are powers of ten: scale in decimal, so 264.35M is 264350000
        value[scaled] = [float(Decimal(t) * Decimal(int(UNITS[u])))
                         for t, u in zip(text[scaled], unit[scaled], strict=True)]
    value = value.where(parts["sign"] != "-", -value)
    return value.to_numpy(dtype="float64")


@dataclass(frozen=True)
class Dates:
    """A parsed date column and how its day/month order was decided (for the user's eyes)."""

    values: pd.Series
    order: str | None
    how: str


def dates(values: pd.Series, label: str, *, order: str | None = None,
          layout_order: tuple[str, str] | None = None, daily: bool = False) -> Dates:
    """Dates as downloads write them: ISO ``2026-04-30``, ``30 Apr 2026``, ``14-MAR-2019``,
    ``Apr 30, 2026``, and numeric ``16-12-2025`` / ``12/16/2025`` (separators may be mixed, as
    after an Excel re-save).

    A numeric column's order is decided from the whole column: a first field above 12 anywhere
    makes it day first, a second field above 12 month first. ``order`` (the user's
    ``--dayfirst``/``--monthfirst``) or ``layout_order`` (``(order, why)``, a layout that fixes
    it) decide a column that has no such value; with neither, an ambiguous column is refused.
    A value in no known style, an impossible date, or evidence against the given order is
    refused naming the line. ``daily``: the rows are trading sessions, so an order taken from
    the layout alone is checked against the exchange calendar and the rows' spacing, and a file
    the layout's order reads as weekends and month-apart rows, but the other order reads as
    consecutive sessions, is refused (see :func:`_check_layout_reading`).
    """
    s = values.fillna("").astype(str).str.strip()
    uniq = list(dict.fromkeys(s.tolist()))  # few distinct values: parse each once, in Python
    ymd: dict[str, tuple[int, int, int]] = {}
    numeric: dict[str, tuple[int, int, int]] = {}
    for v in uniq:
        if m := _ISO.match(v):
            ymd[v] = (int(m[1]), int(m[2]), int(m[3]))
        elif (m := _DAY_MON.match(v)) and m[2][:3].lower() in MONTHS:
            ymd[v] = (int(m[3]), MONTHS[m[2][:3].lower()], int(m[1]))
        elif (m := _MON_DAY.match(v)) and m[1][:3].lower() in MONTHS:
            ymd[v] = (int(m[3]), MONTHS[m[1][:3].lower()], int(m[2]))
        elif m := NUMERIC_DATE.match(v):
            numeric[v] = (int(m[1]), int(m[2]), int(m[3]))
        else:
            raise InputError(f"{label}: date {v!r} on line {_first_line(s, v)} is not in a known "
                             "style (2026-04-30, 30 Apr 2026, 30-Apr-2026, Apr 30, 2026, 30-04-2026)")
    how = "dates are unambiguous"
    chosen = order
    if numeric:
        day_ev = next((v for v, (a, _, _) in numeric.items() if a > 12), None)
        mon_ev = next((v for v, (_, b, _) in numeric.items() if b > 12), None)

        def at(v: str) -> str:
            return f"{v!r} on line {_first_line(s, v)}"

        if day_ev and mon_ev:
            raise InputError(f"{label}: day/month order is inconsistent: {at(day_ev)} is day "
                             f"first but {at(mon_ev)} is month first; fix the file")
        if order == MONTHFIRST and day_ev:
            raise InputError(f"{label}: --monthfirst contradicts {at(day_ev)}, whose first "
                             "field is above 12")
        if order == DAYFIRST and mon_ev:
            raise InputError(f"{label}: --dayfirst contradicts {at(mon_ev)}, whose second "
                             "field is above 12")
        if order is not None:
            how = f"dates read {'day' if order == DAYFIRST else 'month'} first, as you said"
        elif day_ev:
            chosen, how = DAYFIRST, f"dates read day first: {at(day_ev)} has a day above 12"
        elif mon_ev:
            chosen, how = MONTHFIRST, f"dates read month first: {at(mon_ev)} has a day above 12"
        elif layout_order is not None:
            word = "day" if layout_order[0] == DAYFIRST else "month"
            chosen, how = layout_order[0], f"dates read {word} first ({layout_order[1]})"
            if daily:
                _check_layout_reading(s, numeric, layout_order, label)
        else:
            raise AmbiguousDates(
                f"{label}: every date could be day first or month first (e.g. "
                f"{next(iter(numeric))!r}); say which with --dayfirst (Indian style, 01/12/2026 = "
                "1 December) or --monthfirst (US style, 01/12/2026 = 12 January), or use "
                "YYYY-MM-DD dates")
        for v, (a, b, y) in numeric.items():
            ymd[v] = (y, b, a) if chosen == DAYFIRST else (y, a, b)
    lookup = {}
    for v, (y, mo, d) in ymd.items():
        try:
            lookup[v] = pd.Timestamp(year=y, month=mo, day=d)
        except ValueError as exc:
            raise InputError(f"{label}: {v!r} on line {_first_line(s, v)} is not a real "
                             "date") from exc
    return Dates(s.map(lookup).astype("datetime64[ns]"), chosen, how)


def _reading(s: pd.Series, numeric: dict[str, tuple[int, int, int]], order: str) -> pd.Series | None:
    """The column's dates read in ``order`` (None when some date is impossible that way)."""
    out = {}
    for v, (a, b, y) in numeric.items():
        mo, d = (b, a) if order == DAYFIRST else (a, b)
        try:
            out[v] = pd.Timestamp(year=y, month=mo, day=d)
        except ValueError:
            return None
    return s[s.isin(out.keys())].map(out)


def _daily_shape(when: pd.Series) -> tuple[float, float]:
    """Share of the dates that are exchange sessions, and the median gap in days between
    neighbouring rows (in file order; a daily file is 1 to 4 days apart)."""
    from rerating.data.calendar import sessions

    days = pd.DatetimeIndex(when.dropna().unique())
    on = float(days.isin(sessions(days.min(), days.max())).mean())
    gap = float(when.dropna().diff().abs().dt.days.median()) if len(when.dropna()) > 1 else 0.0
    return on, gap


def _check_layout_reading(s: pd.Series, numeric: dict[str, tuple[int, int, int]],
                          layout_order: tuple[str, str], label: str) -> None:
    """Every numeric date of a daily file could be read either way and the layout chose. When
    the layout's reading puts the rows on weekends and holidays or a month apart while the other
    reading gives consecutive sessions, the file was not written as the layout says: refused in
    one line with both readings, never stored a month off."""
    if len(numeric) < 3:
        return
    mine, other = layout_order[0], MONTHFIRST if layout_order[0] == DAYFIRST else DAYFIRST
    a, b = _reading(s, numeric, mine), _reading(s, numeric, other)
    if a is None or b is None:
        return

    def fits(shape: tuple[float, float]) -> bool:
        return shape[0] >= 0.8 and shape[1] <= 7

    sa, sb = _daily_shape(a), _daily_shape(b)
    if fits(sa) or not fits(sb):
        return
    v = next(iter(numeric))
    w = {DAYFIRST: "day", MONTHFIRST: "month"}
    raise InputError(
        f"{label}: read {w[mine]} first ({layout_order[1]}), the dates fall {1 - sa[0]:.0%} off "
        f"exchange sessions with rows a median {sa[1]:.0f} days apart; read {w[other]} first they "
        f"are consecutive sessions ({v!r} on line {_first_line(s, v)} is "
        f"{a[s == v].iloc[0]:%d %b %Y} one way, {b[s == v].iloc[0]:%d %b %Y} the other): say "
        f"which with --{w[other]}first or --{w[mine]}first")


def _first_line(s: pd.Series, value: str) -> int:
    return line_of(s.index[(s == value).to_numpy()][0])


def parse_date_text(text: str, what: str) -> pd.Timestamp:
    """One date typed by a user (an option such as ``--as-of``), read by the same rules as a
    file's date column: ISO always works, ``30 Apr 2026`` too; ``04/03/2026`` could be either
    order and is refused rather than guessed, unless a field above 12 decides it."""
    t = str(text).strip()
    if not t:
        raise InputError(f"{what} is blank; give a date like 2026-04-30")
    try:
        parsed = dates(pd.Series([t]), what)
    except AmbiguousDates:
        raise InputError(f"{what} {t!r} could be day first or month first; write it as "
                         "YYYY-MM-DD (e.g. 2026-04-30)") from None
    except InputError:
        raise InputError(f"{what} {t!r} is not a date; use YYYY-MM-DD (e.g. 2026-04-30) or "
                         "30 Apr 2026") from None
    return pd.Timestamp(parsed.values.iloc[0])
