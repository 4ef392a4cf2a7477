"""The desk's shared store on PostgreSQL against the local Parquet store, in the same run
(issue 25): loading 300 tickers x 20 years of closes, and writing a full demo refresh.

A throwaway cluster is started for the run (tests/pgserver.py: initdb on 127.0.0.1, fsync off
as in the tests, so the write is the database's work and not this machine's disk). Skipped,
saying so, where PostgreSQL's server is not installed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from benchmarks._harness import Row, median_seconds, print_rows
from rerating.data.frames import wide_prices
from rerating.data.providers.base import Query
from rerating.data.providers.demo import DemoProvider
from rerating.data.store import Store


def _refresh_frames(provider: DemoProvider, tickers: list[str], indices: list[str]) -> dict[str, pd.DataFrame]:
    """What a full demo refresh writes, fetched once (the write is timed, not the fetch)."""
    q = Query.of([*tickers, *indices], "2005-01-01", "2026-04-30")
    out = {"prices": provider.fetch("prices", q),
           "index_valuation": provider.fetch("index_valuation", Query.of(indices, "2005-01-01", "2026-04-30"))}
    for table in ("fundamentals", "estimates", "eps_history"):
        out[table] = provider.fetch(table, Query.of(tickers, "2005-01-01", "2026-04-30"))
    return out


def run() -> list[Row]:
    from tests import pgserver

    why = pgserver.missing()
    if why is not None:
        print(f"bench_pgstore skipped: {why}")
        return []
    from rerating.data.store.postgres import PgStore

    provider = DemoProvider()
    indices = ["SMALL250.DEMO", "LARGE50.DEMO"]
    tickers = [t for t in provider.universe("demo") if t not in indices]
    frames = _refresh_frames(provider, tickers, indices)
    rows = sum(len(f) for f in frames.values())
    tmp = Path(tempfile.mkdtemp(prefix="rr-bench-pg-"))
    out: list[Row] = []
    with pgserver.server() as srv:
        n = [0]

        def fresh_pg() -> PgStore:
            n[0] += 1
            return PgStore(pgserver.create_database(srv, f"bench_{n[0]}"))

        def write(store) -> None:  # type: ignore[no-untyped-def]
            with store.writer() as w:
                for table, frame in frames.items():
                    w.upsert(table, frame)

        def write_pg() -> None:
            write(fresh_pg())

        def write_parquet() -> None:
            n[0] += 1
            write(Store(tmp / f"local_{n[0]}"))

        t_pg, t_pq = median_seconds(write_pg, repeat=3), median_seconds(write_parquet, repeat=3)
        out.append(Row(f"write a full demo refresh ({rows:,} rows): PostgreSQL vs local Parquet",
                       t_pg, t_pq, "within 2x of the local store (issue 25)", t_pg <= 2 * t_pq))

        pg, local = fresh_pg(), Store(tmp / "load")
        write(pg)
        write(local)
        names = tickers[:300]

        def load_pg() -> pd.DataFrame:
            return wide_prices(PgStore(pg.url), names)  # a new connection, as a fresh process

        def load_parquet() -> pd.DataFrame:
            return wide_prices(Store(local.root), names)

        a, b = load_pg(), load_parquet()
        assert a.shape == b.shape and (a.fillna(-1).to_numpy() == b.fillna(-1).to_numpy()).all(), \
            "both stores must give the same table"
        t_pg, t_pq = median_seconds(load_pg, repeat=5), median_seconds(load_parquet, repeat=5)
        out.append(Row(f"load {a.shape[1]} tickers x {a.shape[0]} sessions: PostgreSQL vs local "
                       "Parquet", t_pg, t_pq, "within 3x of the local store (issue 25)",
                       t_pg <= 3 * t_pq))

        # the desk's daily refresh: one new session for every ticker on a full store (on
        # PostgreSQL it rewrites each ticker's chunk of the current year)
        last = frames["prices"]["date"].max()
        day = [last]

        def next_session() -> pd.DataFrame:
            day[0] += pd.offsets.BDay(1)
            f = frames["prices"].loc[frames["prices"]["date"] == last].copy()
            f["date"] = day[0]
            return f

        def daily(store) -> None:  # type: ignore[no-untyped-def]
            with store.writer() as w:
                w.upsert("prices", next_session())

        t_pg = median_seconds(lambda: daily(pg), repeat=3)
        t_pq = median_seconds(lambda: daily(local), repeat=3)
        out.append(Row(f"daily refresh: one session for {frames['prices']['ticker'].nunique()} "
                       "tickers on a full store: PostgreSQL vs local Parquet", t_pg, t_pq,
                       "-", None))
    return out


if __name__ == "__main__":
    print_rows(run())
