"""The provider contract: three visible steps per fetch, after OpenBB's Fetcher.

``transform_query`` validates and normalises the request, ``extract_data`` does the I/O and
nothing else, ``transform_data`` turns what came back into a canonical table
(``rerating.data.model``). Every provider passes the shared contract test in
``tests/data/test_provider_contract.py``.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rerating.data import model
from rerating.errors import InputError


@dataclass(frozen=True)
class Query:
    """What to fetch: tickers (or index symbols) and an optional date window, inclusive."""

    tickers: tuple[str, ...]
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    as_of: pd.Timestamp | None = None
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, tickers: str | list[str] | tuple[str, ...], start: object = None,
           end: object = None, as_of: object = None) -> Query:
        if isinstance(tickers, str):
            tickers = [tickers]
        clean = tuple(dict.fromkeys(str(t).strip().upper() for t in tickers if str(t).strip()))
        if not clean:
            raise InputError("tickers is empty; give at least one ticker such as RELIANCE.NS")
        return cls(clean, *date_window(start, end), _ts(as_of, "as_of"))


def date_window(start: object, end: object) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """``start`` and ``end`` as dates (either may be blank), refusing a start after the end."""
    s, e = _ts(start, "start"), _ts(end, "end")
    if s is not None and e is not None and s > e:
        raise InputError(f"start {s.date()} is after end {e.date()}")
    return s, e


def _ts(value: object, name: str) -> pd.Timestamp | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):  # typed by a user: the one date parser, which never guesses
        from rerating.data.parsing import parse_date_text

        return parse_date_text(value, name)
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise InputError(f"{name} {value!r} is not a date; use YYYY-MM-DD") from exc
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    return ts.normalize()


class Provider(ABC):
    """A source of canonical tables. Subclasses set ``name``, ``source`` and ``tables``."""

    name: str = ""
    source: str = ""
    tables: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self._count_lock = threading.Lock()
        #: upstream requests made, per table: lets tests prove a refresh asked only what was missing
        self.requests: dict[str, int] = {}
        #: table -> ticker -> what the source said that is no failure (e.g. "no analyst
        #: coverage"): nothing to store, nothing to retry, but the user must be told
        self.notices: dict[str, dict[str, str]] = {}

    def fetch(self, table: str, query: Query) -> pd.DataFrame:
        """Run the three steps and return ``table`` in its canonical shape."""
        if table not in self.tables:
            raise InputError(f"source {self.name!r} does not provide table {table!r}; "
                             f"it provides {sorted(self.tables)}")
        q = self.transform_query(table, query)
        raw = self.extract_data(table, q)
        return self.transform_data(table, q, raw)

    def _notice(self, table: str, ticker: str, what: str) -> None:
        with self._count_lock:
            self.notices.setdefault(table, {})[ticker] = what

    def _count(self, table: str, n: int = 1) -> None:
        with self._count_lock:
            self.requests[table] = self.requests.get(table, 0) + n

    def transform_query(self, table: str, query: Query) -> Query:
        if query.start is not None and query.end is not None and query.start > query.end:
            raise InputError(f"start {query.start.date()} is after end {query.end.date()}")
        return query

    @abstractmethod
    def extract_data(self, table: str, query: Query) -> Any:
        """Fetch raw data for ``table`` (I/O only)."""

    @abstractmethod
    def transform_data(self, table: str, query: Query, raw: Any) -> pd.DataFrame:
        """Turn ``raw`` into the canonical table (``model.conform``)."""

    def sessions(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
        """Trading sessions of this source's market between two dates, inclusive."""
        from rerating.data.calendar import sessions

        return sessions(start, end)

    @staticmethod
    def _now() -> pd.Timestamp:
        return pd.Timestamp.now(tz="UTC")

    def _conform(self, table: str, frame: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
        return model.conform(model.TABLES[table], frame, source=source or self.source,
                             fetched_at=self._now())
