"""A desk on the PostgreSQL store (issue 25): readers during a refresh, and writers killed.

- 1 writer refreshing again and again while 20 reader processes each read, in a loop, the
  prices and the fundamentals of the same generation through the store contract and call an
  RR_ function: a torn read is a pair from two refreshes (every refresh writes one marker into
  both tables); errors and read latency (p50, p99) are counted. The baseline is one reader's
  latency with no writer, in the same run.
- 20 writers killed with SIGKILL at random moments of a refresh: after each, both tables must
  carry one refresh's marker, the coverage must agree with the rows, and the next refresh must
  take the lock and complete.

Skipped, saying so, where PostgreSQL's server is not installed.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from benchmarks._harness import Row, print_rows

ROOT = Path(__file__).resolve().parents[1]
TICKERS = [f"D{i:03d}.NS" for i in range(50)]


def refresh_once(url: str, marker: float) -> None:
    """One refresh: a year of prices and a fundamentals snapshot, every value the marker."""
    from rerating.data import model
    from rerating.data.store.postgres import PgStore

    days = pd.bdate_range("2025-05-01", "2026-04-30")
    stamp = pd.Timestamp.now(tz="UTC")
    px = pd.DataFrame({"ticker": [t for t in TICKERS for _ in days],
                       "date": list(days) * len(TICKERS), "close": marker, "adj_close": marker,
                       "volume": 1.0})
    fu = pd.DataFrame({"ticker": TICKERS, "as_of": pd.Timestamp("2026-04-30"),
                       "trailing_eps": marker, "shares_outstanding": 1.0})
    with PgStore(url, lock_timeout=60).writer() as w:
        w.upsert("prices", model.conform(model.PRICES, px, source="bench", fetched_at=stamp))
        w.upsert("fundamentals", model.conform(model.FUNDAMENTALS, fu, source="bench",
                                               fetched_at=stamp))


def _reader(url: str, stop_at: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from rerating.data import access
    from rerating.data.store.postgres import PgStore
    from rerating.functions.library import RR_PRICE
    from rerating.settings import Settings

    store = PgStore(url)
    access.use(access.MarketData(Settings(data_dir=Path("/nonexistent"), log_dir=Path("/tmp"),
                                          offline=True, store_url=url), recheck_every=0.0))
    lat, torn, errors, reads, said = [], 0, 0, 0, []
    while time.monotonic() < stop_at:
        t0 = time.perf_counter()
        try:
            m = store.manifest()
            px = store.read("prices", TICKERS[:5], manifest=m)
            fu = store.read("fundamentals", TICKERS[:5], manifest=m)
        except FileNotFoundError:
            continue  # a refresh committed between the two: read again (never mixed)
        except Exception as exc:
            errors += 1
            said.append(f"{type(exc).__name__}: {exc}"[:160])
            continue
        cell = RR_PRICE(TICKERS[0])
        lat.append(time.perf_counter() - t0)
        reads += 1
        if set(px["close"]) != set(fu["trailing_eps"]) or len(set(px["close"])) != 1:
            torn += 1
        if isinstance(cell, str):
            errors += 1
            said.append(cell[:160])
    out.put((lat, torn, errors, reads, said))


def _writer_script(url: str) -> str:
    return (f"import sys, random; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'python')!r}]\n"
            "from benchmarks.bench_pgstore_desk import refresh_once\n"
            "print('go', flush=True)\n"
            f"refresh_once({url!r}, float(sys.argv[1]))\n")


def run() -> list[Row]:
    from tests import pgserver

    why = pgserver.missing()
    if why is not None:
        print(f"bench_pgstore_desk skipped: {why}")
        return []
    out: list[Row] = []
    with pgserver.server() as srv:
        url = pgserver.create_database(srv, "desk")
        refresh_once(url, 1.0)
        # one reader, no writer: the baseline latency
        q: mp.Queue = mp.get_context("spawn").Queue()  # type: ignore[type-arg]
        ctx = mp.get_context("spawn")
        p = ctx.Process(target=_reader, args=(url, time.monotonic() + 6, q))
        p.start()
        base_lat, *_ = q.get(timeout=120)

        p.join()
        # 20 readers while one writer refreshes
        stop = time.monotonic() + 60
        readers = [ctx.Process(target=_reader, args=(url, stop, q)) for _ in range(20)]
        for r in readers:
            r.start()
        marker, refreshes = 2.0, 0
        while time.monotonic() < stop - 2:
            refresh_once(url, marker)
            marker += 1
            refreshes += 1
        results = [q.get(timeout=120) for _ in readers]
        for r in readers:
            r.join()
        lat = sorted(x for res in results for x in res[0])
        torn = sum(res[1] for res in results)
        errors = sum(res[2] for res in results)
        reads = sum(res[3] for res in results)
        for res in results:
            for text in res[4][:2]:
                print("reader error:", text)
        p50 = statistics.median(lat) if lat else float("nan")
        p99 = lat[int(0.99 * (len(lat) - 1))] if lat else float("nan")
        out.append(Row(f"20 readers during {refreshes} refreshes: {reads:,} reads, {torn} torn, "
                       f"{errors} errors; read p50 {p50 * 1e3:.0f} ms, p99 {p99 * 1e3:.0f} ms "
                       "(baseline: 1 reader, no writer)", p50, statistics.median(base_lat),
                       "0 torn reads, 0 errors (issue 25)", torn == 0 and errors == 0 and reads > 0))
        # 20 writers killed at random moments
        rng = random.Random(20261204)
        bad, completed, t_kill = 0, 0, []
        from rerating.data.store.postgres import PgStore

        store = PgStore(url)
        env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'python'}"}
        for i in range(20):
            proc = subprocess.Popen([sys.executable, "-c", _writer_script(url), str(100.0 + i)],
                                    stdout=subprocess.PIPE, text=True, env=env)
            assert proc.stdout is not None and proc.stdout.readline().strip() == "go"
            delay = rng.uniform(0.0, 1.5)
            time.sleep(delay)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            t_kill.append(delay)
            px, fu = store.read("prices"), store.read("fundamentals")
            cov = {c.ticker: c.rows for c in store.coverage("prices")}
            sound = (len(set(px["close"])) == 1 and set(px["close"]) == set(fu["trailing_eps"])
                     and cov == px.groupby("ticker").size().to_dict())
            bad += not sound
            t0 = time.perf_counter()
            refresh_once(url, 500.0 + i)  # the next refresh takes the lock and completes
            completed += set(store.read("fundamentals")["trailing_eps"]) == {500.0 + i}
            t_kill.append(time.perf_counter() - t0)
        out.append(Row(f"20 writers killed (SIGKILL) mid-refresh: {bad} torn snapshots, "
                       f"{completed} of 20 next refreshes completed", statistics.median(t_kill),
                       statistics.median(t_kill), "0 torn snapshots; every next refresh "
                       "completes (issue 25)", bad == 0 and completed == 20))
    return out


if __name__ == "__main__":
    print_rows(run())
