"""The one place that turns Excel values into Python values, and errors into Excel error text.

Used by every host of the RR_ functions (``library.py`` and the hosts). Excel hands a UDF ``None`` for a blank cell, floats for numbers and
dates (serial days since 1899-12-30) unless xlwings converted them to ``datetime``, strings,
booleans, COM error codes (ints) for error cells, and nested lists for ranges. A function never
lets an exception reach the cell: errors of ours become ``#VALUE! …`` or ``#N/A …`` text naming
the problem (xlwings cannot return a real ``#N/A``, issue 776); anything else becomes
``#ERR …`` with the traceback in the log file that ``rerating doctor`` prints.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from rerating.errors import (
    CacheMiss,
    InputError,
    ProviderError,
    RerateError,
    StaleData,
    StoreError,
    UnknownTicker,
)

_F = TypeVar("_F", bound=Callable[..., Any])
_log = logging.getLogger("rerating.excel")

#: Excel's error values as text, and the COM codes (CVErr) pywin32 hands over for error cells.
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!",
                "#CONNECT!", "#BUSY!")
_COM_ERRORS = {-2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?",
               -2146826288: "#NULL!", -2146826252: "#NUM!", -2146826265: "#REF!",
               -2146826273: "#VALUE!"}
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
#: a range larger than this is refused before any work (Excel's sheet has 17 billion cells)
MAX_CELLS = 2_000_000

#: overrides the log file for tests; None means Settings.from_env().log_file
LOG_FILE: Path | None = None


def is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or \
        (isinstance(v, float) and math.isnan(v))


def _error_text(v: Any) -> str | None:
    if isinstance(v, str) and v.strip().upper().startswith(tuple(EXCEL_ERRORS)):
        return v.strip().split()[0]
    if isinstance(v, int) and not isinstance(v, bool) and v in _COM_ERRORS:
        return _COM_ERRORS[v]
    return None


def _scalar(v: Any, name: str) -> Any:
    """A single value from a cell, or from a 1x1 range."""
    while isinstance(v, list | tuple) and len(v) == 1:
        v = v[0]
    if isinstance(v, list | tuple):
        raise InputError(f"{name} must be a single cell, not a range of {_count(v)} cells")
    err = _error_text(v)
    if err:
        raise InputError(f"{name} is the Excel error {err}")
    return v


def _count(v: Any) -> int:
    if isinstance(v, list | tuple):
        return sum(_count(x) for x in v)
    return 1


def number(v: Any, name: str, default: float | None = None, *, required: bool = True) -> float | None:
    """A number from a cell: 0.12, "12%", "0.12"; blank gives ``default`` (or an error)."""
    v = _scalar(v, name)
    if is_blank(v):
        if default is not None or not required:
            return default
        raise InputError(f"{name} is blank; it needs a number")
    if isinstance(v, bool):
        raise InputError(f"{name} is TRUE/FALSE; it needs a number")
    if isinstance(v, int | float | np.integer | np.floating):
        x = float(v)
    elif isinstance(v, str):
        text = v.strip().replace(",", "")
        pct = text.endswith("%")
        try:
            x = float(text[:-1] if pct else text) / (100.0 if pct else 1.0)
        except ValueError:
            raise InputError(f"{name} {v!r} is not a number") from None
    else:
        raise InputError(f"{name} {v!r} is not a number")
    if not math.isfinite(x):
        raise InputError(f"{name} is not a finite number")
    return x


def rate(v: Any, name: str, default: float | None = None, *, required: bool = True) -> float | None:
    """A rate or ratio typed as a decimal (0.12, or "12%"). Above 1 it was almost surely typed
    as a percent (50 for 50%): refused with the decimal to use, never taken as 5,000%."""
    x = number(v, name, default, required=required)
    if x is not None and abs(x) > 1:
        raise InputError(f"{name} {x:g} looks like a percent: use {x / 100:g} (or type {x:g}%)")
    return x


def integer(v: Any, name: str, default: int | None = None) -> int | None:
    x = number(v, name, None if default is None else float(default))
    if x is None:
        return None
    if x != round(x):
        raise InputError(f"{name} {x:g} must be a whole number")
    return int(x)


def text(v: Any, name: str, default: str | None = None) -> str | None:
    v = _scalar(v, name)
    if is_blank(v):
        if default is not None:
            return default
        raise InputError(f"{name} is blank")
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v).strip()


def choice(v: Any, name: str, options: Iterable[str], default: str) -> str:
    t = text(v, name, default)
    assert t is not None
    for o in options:
        if t.lower() == o.lower():
            return o
    raise InputError(f"{name} {t!r} is not one of {', '.join(options)}")


def boolean(v: Any, name: str, default: bool = False) -> bool:
    v = _scalar(v, name)
    if is_blank(v):
        return default
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return bool(v)
    t = str(v).strip().lower()
    if t in ("true", "yes", "1", "y"):
        return True
    if t in ("false", "no", "0", "n"):
        return False
    raise InputError(f"{name} {v!r} is not TRUE or FALSE")


def date(v: Any, name: str, required: bool = False) -> pd.Timestamp | None:
    """A date from an Excel date (datetime or serial number), a date typed as text (read as
    the command line reads ``--as-of``), or blank."""
    v = _scalar(v, name)
    if is_blank(v):
        if required:
            raise InputError(f"{name} is blank; it needs a date")
        return None
    if isinstance(v, dt.datetime | dt.date):
        return _in_range(v, name)
    if isinstance(v, bool):
        raise InputError(f"{name} is TRUE/FALSE; it needs a date")
    if isinstance(v, int | float):
        if not 1 <= v < 2958466:  # 1900-01-01 .. 9999-12-31
            raise InputError(f"{name} {v:g} is not an Excel date")
        return _in_range(_EXCEL_EPOCH + dt.timedelta(days=float(v)), name)
    # text is read by the command line's rule (one rule, one message): 2026-04-30 and
    # 30 Apr 2026 read; 04/03/2026 could be either order and is refused, never guessed
    from rerating.data.parsing import parse_date_text

    return _in_range(parse_date_text(str(v), name), name)


_FIRST, _LAST = dt.datetime(1900, 1, 1), dt.datetime(2262, 4, 11)  # what market data can hold


def _in_range(v: Any, name: str) -> pd.Timestamp:
    d = v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day) \
        if isinstance(v, dt.date) else v.to_pydatetime()
    if not _FIRST <= d.replace(tzinfo=None) <= _LAST:
        raise InputError(f"{name} {d.date().isoformat()} is outside the dates market data can hold "
                         "(1900 to 2262)")
    return pd.Timestamp(d).normalize()


def flat(v: Any) -> list[Any]:
    """All cells of a value, row by row."""
    if not isinstance(v, list | tuple):
        return [v]
    out: list[Any] = []
    for x in v:
        if isinstance(x, list | tuple):
            if any(isinstance(y, list | tuple) for y in x):
                out.extend(flat(x))
            else:
                out.extend(x)
        else:
            out.append(x)
    return out


def numbers(v: Any, name: str, *, allow_blank: bool = False, min_count: int = 1) -> np.ndarray:
    """A range of numbers as a flat float array (blanks dropped when ``allow_blank``)."""
    cells = flat(v)
    if len(cells) > MAX_CELLS:
        raise InputError(f"{name} has {len(cells):,} cells; the limit is {MAX_CELLS:,}")
    out = []
    for i, c in enumerate(cells):
        if is_blank(c):
            if allow_blank:
                continue
            raise InputError(f"{name} has a blank cell (item {i + 1}); every cell needs a number")
        out.append(number(c, f"{name} item {i + 1}"))
    if len(out) < min_count:
        raise InputError(f"{name} needs at least {min_count} number(s); it has {len(out)}")
    return np.asarray(out, dtype=float)


def tickers(v: Any, name: str = "tickers") -> list[str]:
    """Tickers from a range (blanks skipped) or one cell (a ticker or a universe name)."""
    out = []
    for c in flat(v):
        if type(c) is str:  # the common case, kept cheap: a 300-ticker range is read per call
            s = c.strip()
            if not s:
                continue
            if s[0] == "#" and _error_text(s):
                raise InputError(f"{name} contains the Excel error {_error_text(s)}")
            out.append(s)
        elif is_blank(c):
            continue
        else:
            err = _error_text(c)
            if err:
                raise InputError(f"{name} contains the Excel error {err}")
            out.append(str(int(c)) if isinstance(c, float) and c == int(c) else str(c).strip())
    if not out:
        raise InputError(f"{name} is blank; give a ticker, a range of tickers or a universe name")
    return out


def price_series(values: Any, dates: Any, name: str = "prices") -> pd.Series:
    """Prices from a sheet: a column of numbers and a column of dates (or a 2-column range)."""
    if dates is None or (not isinstance(dates, list | tuple) and is_blank(dates)):
        rows = values if isinstance(values, list | tuple) else [values]
        if rows and all(isinstance(r, list | tuple) and len(r) == 2 for r in rows):
            dates = [r[0] for r in rows]
            values = [r[1] for r in rows]
        else:
            raise InputError(f"{name}: give dates as a second range, or a 2-column range "
                             "of dates and prices")
    d = flat(dates)
    p = flat(values)
    if len(d) != len(p):
        raise InputError(f"{name} has {len(p)} prices but {len(d)} dates")
    if len(p) > MAX_CELLS:
        raise InputError(f"{name} has {len(p):,} cells; the limit is {MAX_CELLS:,}")
    if len(p) < 2:
        raise InputError(f"{name} needs at least 2 prices")
    idx = [date(x, f"{name} date {i + 1}", required=True) for i, x in enumerate(d)]
    vals = [np.nan if is_blank(x) else number(x, f"{name} item {i + 1}") for i, x in enumerate(p)]
    s = pd.Series(vals, index=pd.DatetimeIndex(idx), dtype=float).sort_index()
    if s.index.has_duplicates:
        raise InputError(f"{name} has the same date twice ({s.index[s.index.duplicated()][0].date()})")
    if (s.dropna() <= 0).any():
        raise InputError(f"{name} has a price of zero or less")
    return s


# -- results -------------------------------------------------------------------------------------
def cell(x: Any) -> Any:
    """One Python value as something Excel shows: NaN/None become blank, dates become datetimes."""
    if x is None:
        return None
    if isinstance(x, float | np.floating):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.integer | int) and not isinstance(x, bool):
        return int(x)
    if isinstance(x, pd.Timestamp):
        return None if pd.isna(x) else x.to_pydatetime()
    if x is pd.NaT or (not isinstance(x, str | bool) and pd.isna(x)):
        return None
    return x


def scalar(x: Any, what: str = "value") -> Any:
    """A scalar result; a missing value is shown as ``#N/A`` text saying what is missing."""
    v = cell(x)
    if v is None:
        return f"#N/A no {what}"
    return v


def _column(values: Any) -> list[Any]:
    """One column as plain Python cells: NaN/NaT/NA -> None, numpy scalars -> Python."""
    if getattr(values, "dtype", None) is not None and values.dtype.kind == "M":
        stamps = pd.DatetimeIndex(values)
        return [None if pd.isna(x) else x for x in stamps.to_pydatetime().tolist()]
    arr = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    if arr.dtype.kind == "f":
        return [v if math.isfinite(v) else None for v in arr.tolist()]
    if arr.dtype.kind in "iub":
        return arr.tolist()
    items = arr.tolist()
    if all(type(v) is str for v in items):  # text columns (tickers, sectors) need no cleaning
        return items
    return [cell(v) for v in items]


def table(frame: pd.DataFrame, index: bool = True, index_label: str | None = None,
          columns: list[str] | None = None, blank: Any = None) -> list[list[Any]]:
    """A DataFrame as a spilled table with a header row (NaN shown blank, dates as datetimes).

    ``columns`` picks and orders columns without copying the frame. ``blank=""`` gives the
    cells exactly as xlwings' write stage would hand them to Excel (blanks as ``""``, numpy
    scalars as Python numbers), so a function may return the table with ``xw.ret("raw")``
    and skip xlwings' per-cell pass; ``ready_for_excel`` checks that promise in the tests.
    """
    cols = list(frame.columns) if columns is None else list(columns)
    header = ([index_label or (frame.index.name or "")] if index else []) + [str(c) for c in cols]
    where = {c: i for i, c in enumerate(frame.columns)}
    try:
        pos = [where[c] for c in cols]
    except KeyError as exc:
        raise KeyError(f"no column {exc.args[0]!r}") from None
    dtypes = frame.dtypes.tolist()
    kinds = [dtypes[i].kind for i in pos]
    # one C-level pass to Python objects (float64 comes out as Python floats), then fix-ups
    block = frame.to_numpy(dtype=object)[:, pos] if cols else np.empty((len(frame), 0), object)
    num = [j for j, k in enumerate(kinds) if k == "f"]
    if num:  # NaN and inf are not numbers Excel can show
        sub = block[:, num]
        bad = ~np.isfinite(sub.astype(float))
        if bad.any():
            sub[bad] = None
            block[:, num] = sub
    for j, k in enumerate(kinds):
        if k in "fiub":
            continue
        if k == "O" and set(map(type, block[:, j])) <= _PLAIN:  # text columns: nothing to do
            continue
        block[:, j] = _column(frame.iloc[:, pos[j]])  # dates, mixed objects: cell by cell
    if index:
        first = np.empty((len(frame), 1), dtype=object)
        first[:, 0] = _column(frame.index)
        block = np.concatenate([first, block], axis=1)
    block[pd.isna(block)] = blank  # one pass: NaN, NA, NaT and None alike
    return [header, *block.tolist()]


_PLAIN = {str, float, int, bool, type(None)}


def ready_for_excel(value: Any) -> bool:
    """True when ``value`` needs nothing from xlwings' write stage: plain str, float, int, bool
    or ``""`` cells (no None, NaN, numpy scalars or dates), in a rectangular list of lists."""
    rows = value if isinstance(value, list) else [[value]]
    width = len(rows[0]) if rows and isinstance(rows[0], list) else None
    for r in rows:
        if not isinstance(r, list) or len(r) != width:
            return False
        for v in r:
            if type(v) not in (str, float, int, bool):
                return False
            if type(v) is float and not math.isfinite(v):
                return False
    return True


def error_text(exc: BaseException) -> str:
    """The cell text for an error of ours (one line, starts with ``#``)."""
    msg = " ".join(str(exc).split())
    if isinstance(exc, UnknownTicker | CacheMiss | StaleData):
        return f"#N/A {msg}"
    if isinstance(exc, ProviderError):
        return f"#N/A data source: {msg}"
    if isinstance(exc, StoreError):
        return f"#N/A {msg}" if msg.startswith("store ") else f"#N/A store: {msg}"
    if isinstance(exc, InputError | RerateError):
        return f"#VALUE! {msg}"
    return f"#ERR {type(exc).__name__}"


def log_internal(exc: BaseException, where: str) -> None:
    """Write the full traceback of an unexpected error to the log file ``rerating doctor``
    prints (``LOG_FILE`` overrides it)."""
    from rerating.settings import Settings
    from rerating.tracebacks import record

    log_file = LOG_FILE or Settings.from_env().log_file
    record(exc, f"Excel function {where}", log_file)
    # one line where the host logs (a server's terminal, Excel's console); the traceback is in
    # the file only, never printed
    _log.error("internal error in %s: %s (traceback in %s; rerating doctor prints it)", where,
               type(exc).__name__, log_file)


def guard(fn: _F) -> _F:
    """Let no exception reach the cell: ours become ``#VALUE!``/``#N/A`` text, bugs ``#ERR``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RerateError as exc:
            return error_text(exc)
        except Exception as exc:  # the boundary: one line in the cell, traceback in the log
            log_internal(exc, fn.__name__)
            first = " ".join(str(exc).split())[:120]
            return f"#ERR {type(exc).__name__}: {first} (details: rerating doctor)"

    return wrapper  # type: ignore[return-value]
