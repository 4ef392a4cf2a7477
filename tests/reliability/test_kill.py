"""kill -9 at random points of a store refresh and of a workbook refresh, 50 times each.

The writers run in processes forked from a forkserver that has already imported the package,
so each kill costs milliseconds rather than a fresh interpreter. Every other kill lands at a
uniformly random moment of about two refresh cycles (measured, not guessed); the others are
aimed inside a write window the children reported. The children say when each write starts
and ends, so every kill is classified, and at least 10 must land inside a write. After each,
the data and the file must be whole and equal to one complete refresh. The next writer removes
what a killed one left.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.data.providers.base import Query
from rerating.data.providers.demo import DemoProvider
from rerating.data.store import Store
from tests.reliability.checks import assert_sound

KILLS = 50  # at least; more (up to four times as many, on a loaded machine) until IN_WRITE landed inside a write
IN_WRITE = 10
PRELOAD = ["rerating.data.refresh", "rerating.data.providers.demo", "rerating.workbooks.engine",
           "pyarrow.parquet", "tests.reliability.test_kill"]
FIRST = "2012-01-02"
MONTH_ENDS = [d.strftime("%Y-%m-%d") for d in pd.date_range("2013-01-31", "2026-04-30", freq="ME")]
AS_OFS = ("2026-03-31", "2026-04-30")


def _context() -> mp.context.BaseContext:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _universe() -> list[str]:
    p = DemoProvider()
    return [*p.universe("demo-small")[:40], "SMALL250.DEMO"]


# -- the children ---------------------------------------------------------------------------------
def _report_writes(conn, owner: object, name: str) -> None:  # type: ignore[no-untyped-def]
    """Instrument (not replace) the child's write step: it tells the parent when a write
    starts and ends (on the shared monotonic clock), so the parent knows where a kill landed."""
    real = getattr(owner, name)

    def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
        conn.send(("write", time.perf_counter()))
        try:
            return real(*args, **kwargs)
        finally:
            conn.send(("written", time.perf_counter()))

    setattr(owner, name, wrapped)


def store_refresher(root: str, conn) -> None:  # type: ignore[no-untyped-def]
    """Refresh the store a month at a time, every snapshot re-fetched: a write every cycle."""
    from rerating.data.refresh import refresh
    from rerating.data.store import StoreWriter

    store, p, names = Store(root), DemoProvider(), _universe()
    last = store.last_dates("prices")
    todo = [m for m in MONTH_ENDS if not last or pd.Timestamp(m) > max(last.values())]
    _report_writes(conn, StoreWriter, "commit")
    conn.send("ready")
    for end in todo:
        t0 = time.perf_counter()
        refresh(store, p, names, start=FIRST, end=end, snapshot_max_age=pd.Timedelta(0))
        conn.send(("cycle", time.perf_counter() - t0, time.perf_counter()))
    conn.send("done")


def workbook_refresher(path: str, root: str, start: int, conn) -> None:  # type: ignore[no-untyped-def]
    """Refresh one model again and again, as of alternating dates, so each write changes it."""
    from rerating.workbooks import engine

    store = Store(root)
    _report_writes(conn, engine, "_write_atomically")
    conn.send("ready")
    for i in range(start, start + 10_000):
        t0 = time.perf_counter()
        engine.refresh(Path(path), store, AS_OFS[i % 2])
        conn.send(("cycle", time.perf_counter() - t0, time.perf_counter()))


class Killer:
    """kill -9 a writer at random moments. Even kills fall anywhere in about two refresh cycles;
    odd kills fall at a random moment inside a write window of the first cycle of one of the
    last children, so the write itself is hit on purpose rather than by luck."""

    def __init__(self, ctx, rng: random.Random, cycle: float) -> None:  # type: ignore[no-untyped-def]
        self.ctx, self.rng, self.cycle = ctx, rng, cycle
        self.kills = self.in_write = 0
        self.cycles: list[float] = []
        self.windows: list[tuple[float, float]] = []

    def kill(self, target, args: tuple) -> bool:  # type: ignore[no-untyped-def, type-arg]
        """Run ``target`` and kill it; True when the kill landed inside a write."""
        parent, child = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=target, args=(*args, child), daemon=True)
        proc.start()
        child.close()
        assert parent.recv() == "ready"
        ready = time.perf_counter()  # perf_counter is CLOCK_MONOTONIC: shared with the child
        if self.kills % 2 and self.windows:
            start, end = self.rng.choice(self.windows)
            delay = self.rng.uniform(start, end)
        else:
            delay = self.rng.uniform(0.0, 2.0 * self.cycle)
        time.sleep(delay)
        proc.kill()  # SIGKILL
        proc.join()
        msgs = []
        try:
            while parent.poll():
                msgs.append(parent.recv())
        except EOFError:  # everything the killed child sent has been read
            pass
        parent.close()
        self.kills += 1
        cycles = [m for m in msgs if m[0] == "cycle"]
        self.cycles += [m[1] for m in cycles]
        if self.cycles:
            self.cycle = float(np.median(self.cycles[-10:]))
        marks = [m for m in msgs if m[0] in ("write", "written")]
        if cycles:  # the writes of a fresh child's first cycle come at much the same moments
            first = [(a[1] - ready, b[1] - ready) for a, b in zip(marks[::2], marks[1::2], strict=False)
                     if a[0] == "write" and b[0] == "written" and b[1] <= cycles[0][2]]
            self.windows = [*self.windows[-3 * max(1, len(first)):], *first]
        landed = bool(marks) and marks[-1][0] == "write"
        self.in_write += landed
        return landed


# -- the store --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_kill_9_during_store_refreshes(tmp_path: Path) -> None:
    ctx = _context()
    root = tmp_path / "store"
    names = _universe()
    expected = DemoProvider().fetch("prices", Query.of(names, FIRST, MONTH_ENDS[-1]))
    expected = expected.set_index(["ticker", "date"])[["close", "adj_close"]]
    killer = Killer(ctx, random.Random(20261124), cycle=0.3)
    temp_files = restarts = 0
    while killer.kills < KILLS or (killer.in_write < IN_WRITE and killer.kills < 4 * KILLS):
        killer.kill(store_refresher, (str(root),))
        store = Store(root)
        if not store.exists():
            continue  # killed before the first commit: nothing to check yet
        temp_files += assert_sound(store, killed=True) > 0
        px = store.read("prices")
        # one commit writes every ticker: all end on the same day, from the same first day
        assert px.groupby("ticker")["date"].max().nunique() == 1
        assert px.groupby("ticker")["date"].min().nunique() == 1
        # and every stored number is the source's number for that day, none missing between
        got = px.set_index(["ticker", "date"])[["close", "adj_close"]]
        want = expected[expected.index.get_level_values("date") <= px["date"].max()]
        pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_exact=True)
        if px["date"].max() >= pd.Timestamp(MONTH_ENDS[-1]) - pd.Timedelta(days=3):
            shutil.rmtree(root)  # the months ran out: start the history again
            restarts += 1
    print(f"store: {killer.kills} kills, {killer.in_write} inside a commit, {temp_files} leaving "
          f"temporary files, median cycle {killer.cycle * 1e3:.0f} ms, {restarts} restarts")
    assert killer.in_write >= IN_WRITE, killer.in_write  # kills really landed inside writes
    if Store(root).exists():  # the next writer removes what the killed ones left
        with Store(root).writer():
            pass
        assert assert_sound(Store(root)) == 0


# -- a workbook -------------------------------------------------------------------------------------
def _data_cells(pkg, part: str) -> dict[object, object]:  # type: ignore[no-untyped-def]
    """The Data sheet's cells, the field values keyed by their label."""
    from rerating.workbooks.ooxml import read_cells

    cells = read_cells(pkg, part)
    out: dict[object, object] = dict(cells)
    for (r, c), v in cells.items():
        if c == 1 and isinstance(v, str) and (r, 2) in cells:
            out[v] = out.pop((r, 2))
    return out


@pytest.mark.slow
def test_kill_9_during_workbook_refreshes(demo_store, tmp_path: Path) -> None:
    import os

    from rerating.workbooks import content, engine
    from rerating.workbooks.ooxml import Package, write_package

    ctx = _context()
    ticker = DemoProvider().universe("demo-small")[0]
    path = engine.build(content.dcf(demo_store, ticker, AS_OFS[0]), tmp_path / "model.xlsx").path
    # the analyst's own part, big enough that a write takes a while
    with Package(path) as pkg, open(tmp_path / "big.xlsx", "wb") as f:
        write_package(pkg, f, {}, add={"xl/analyst.bin": os.urandom(3 << 20)})
    shutil.move(tmp_path / "big.xlsx", path)
    analyst = zipfile.ZipFile(path).read("xl/analyst.bin")
    # what the Data sheet must hold for each as-of date
    data_cells = {}
    for as_of in AS_OFS:
        ref = tmp_path / "ref" / f"{as_of}.xlsx"
        ref.parent.mkdir(exist_ok=True)
        shutil.copy(path, ref)
        engine.refresh(ref, demo_store, as_of)
        with Package(ref) as pkg:
            part = {s.name: s.part for s in pkg.sheets()}["Data"]
            data_cells[as_of] = _data_cells(pkg, part)
            data_cells[as_of].pop("Refreshed at (UTC)")
    shutil.rmtree(tmp_path / "ref")
    assert data_cells[AS_OFS[0]] != data_cells[AS_OFS[1]]
    killer = Killer(ctx, random.Random(20261124), cycle=0.2)
    temp_files, seen = 0, set()
    while killer.kills < KILLS or (killer.in_write < IN_WRITE and killer.kills < 4 * KILLS):
        killer.kill(workbook_refresher, (str(path), str(demo_store.root), killer.kills))
        temp_files += any(tmp_path.glob(".model.xlsx.rerating-*.tmp")) or \
            any((tmp_path / engine.BACKUP_DIR).glob(".*.tmp"))
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
            assert z.read("xl/analyst.bin") == analyst
        with Package(path) as pkg:
            meta = engine.read_meta(pkg)
            part = {s.name: s.part for s in pkg.sheets()}["Data"]
            # the data and the record of what it is come from the same refresh
            got = _data_cells(pkg, part)
            stamp = got.pop("Refreshed at (UTC)")
            # the data, and the record of what it is, come from one and the same refresh
            assert f"{stamp} UTC" == meta["refreshed_at"]
            assert got == data_cells[meta["as_of"]]
            seen.add(meta["as_of"])
        for backup in (tmp_path / engine.BACKUP_DIR).glob("model.*.xlsx"):
            with zipfile.ZipFile(backup) as z:
                assert z.testzip() is None
    print(f"workbook: {killer.kills} kills, {killer.in_write} inside a write, {temp_files} leaving "
          f"temporary files, median cycle {killer.cycle * 1e3:.0f} ms, as-of seen {sorted(seen)}")
    assert killer.in_write >= IN_WRITE, killer.in_write
    assert seen == set(AS_OFS)  # refreshes did complete between kills
    engine.refresh(path, demo_store)  # the next writer sweeps what the killed ones left
    assert list(tmp_path.glob(".*.tmp")) == []
    assert list((tmp_path / engine.BACKUP_DIR).glob(".*.tmp")) == []
