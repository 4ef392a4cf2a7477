"""Bring the store up to date from a provider, asking only for what it lacks.

Prices and index valuations are incremental: each ticker is asked for the sessions after the
last one stored, and tickers with the same gap are fetched in one batch. Snapshots
(fundamentals, estimates, EPS history) are fetched again when older than ``snapshot_max_age``.
Each table is published in its own atomic commit, so a killed refresh keeps what finished.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from rerating.data import model
from rerating.data.providers.base import Provider, Query
from rerating.data.store import Store
from rerating.errors import ProviderError

#: called with (step description, units done, units total)
Progress = Callable[[str, int, int], None]

SNAPSHOT_MAX_AGE = pd.Timedelta(hours=12)
DEFAULT_TABLES = ("prices", "fundamentals", "estimates", "eps_history", "index_valuation")


@dataclass
class RefreshReport:
    """What a refresh did: rows written per table, tickers skipped as current, failures."""

    source: str
    rows: dict[str, int] = field(default_factory=dict)
    up_to_date: dict[str, int] = field(default_factory=dict)
    failures: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)

    @property
    def failed_tickers(self) -> set[str]:
        return {t for per in self.failures.values() for t in per}


def refresh(store: Store, provider: Provider, tickers: Iterable[str], *,
            start: object = None, end: object = None,
            tables: Iterable[str] = DEFAULT_TABLES, batch_size: int = 50,
            snapshot_max_age: pd.Timedelta = SNAPSHOT_MAX_AGE,
            progress: Progress | None = None) -> RefreshReport:
    """Fetch what ``store`` lacks for ``tickers`` from ``provider`` and commit it."""
    wanted = Query.of(list(tickers), start, end)
    end_ts = wanted.end or pd.Timestamp.today().normalize()
    report = RefreshReport(provider.source)
    tables = [t for t in tables if t in provider.tables]
    indices = [t for t in wanted.tickers if _is_index(provider, t)]
    companies = [t for t in wanted.tickers if t not in indices]
    for table in tables:
        # Indices have prices and valuations; companies have prices and everything else.
        names = {"prices": wanted.tickers, "index_valuation": indices}.get(table, companies)
        if not names:
            continue
        if table in ("prices", "index_valuation"):
            plan = _incremental_plan(store, provider, table, names, wanted.start, end_ts)
        else:
            plan = _snapshot_plan(store, table, names, snapshot_max_age,
                                  history_start=wanted.start)
        report.up_to_date[table] = len(names) - sum(len(v) for v in plan.values())
        total = sum(len(v) for v in plan.values())
        done = 0
        with store.writer() as w:
            for first, group in plan.items():
                for i in range(0, len(group), batch_size):
                    batch = group[i:i + batch_size]
                    query = Query(tuple(batch), first, end_ts if first is not None else None,
                                  None)
                    try:
                        frame = provider.fetch(table, query)
                    except ProviderError as exc:
                        report.failures.setdefault(table, {}).update(exc.failures)
                        frame = exc.partial if exc.partial is not None else model.empty(
                            model.TABLES[table])
                    w.upsert(table, frame)
                    report.rows[table] = report.rows.get(table, 0) + len(frame)
                    done += len(batch)
                    if progress:
                        progress(table, done, total)
    report.requests = dict(provider.requests)
    return report


def _is_index(provider: Provider, ticker: str) -> bool:
    if provider.name == "demo":
        from rerating.data.providers.demo import INDEX_NAMES

        return ticker in INDEX_NAMES
    return ticker.startswith("^")


def _incremental_plan(store: Store, provider: Provider, table: str, tickers: Iterable[str],
                      start: pd.Timestamp | None, end: pd.Timestamp) -> dict[object, list[str]]:
    """Group tickers by the first date they need; leave out those already current."""
    last = store.last_dates(table)
    plan: dict[object, list[str]] = defaultdict(list)
    for t in tickers:
        have = last.get(t)
        if have is None:
            plan[start].append(t)
            continue
        first = have + pd.Timedelta(days=1)
        if first > end or len(provider.sessions(first, end)) == 0:
            continue  # nothing new can exist yet
        plan[first].append(t)
    return dict(plan)


def _snapshot_plan(store: Store, table: str, tickers: Iterable[str], max_age: pd.Timedelta,
                   history_start: pd.Timestamp | None) -> dict[object, list[str]]:
    fetched = {c.ticker: c.fetched_at for c in store.coverage(table)}
    now = pd.Timestamp.now(tz="UTC")
    stale = [t for t in tickers if t not in fetched or now - fetched[t] > max_age]
    if not stale:
        return {}
    # First fill asks for history where the source keeps it (demo snapshots, EPS history).
    new = [t for t in stale if t not in fetched]
    old = [t for t in stale if t in fetched]
    plan: dict[object, list[str]] = {}
    if new:
        plan[history_start if history_start is not None else pd.Timestamp("1990-01-01")] = new
    if old:
        plan[None] = old
    return plan
