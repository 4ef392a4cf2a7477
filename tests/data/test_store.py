"""The local store: round trips, upserts, one writer, readers during writes, kill -9 safety."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.data import model
from rerating.data.store import MANIFEST, Store
from rerating.errors import CacheMiss, StoreError

ROOT = Path(__file__).resolve().parents[2]


def prices(tickers: list[str], start: str, n: int, base: float = 100.0, source: str = "test") -> pd.DataFrame:
    dates = pd.bdate_range(start, periods=n)
    rows = [{"ticker": t, "date": d, "close": base + i + k / 10, "adj_close": base + i,
             "volume": 1000.0 * i}
            for k, t in enumerate(tickers) for i, d in enumerate(dates)]
    return model.conform(model.PRICES, pd.DataFrame(rows), source=source,
                         fetched_at=pd.Timestamp("2026-04-30 10:00", tz="UTC"))


def test_round_trip_keeps_values_dtypes_and_provenance(store: Store) -> None:
    frame = prices(["A.NS", "B.NS"], "2026-04-01", 5)
    store.upsert("prices", frame)
    back = store.read("prices")
    pd.testing.assert_frame_equal(back, frame, check_dtype=True)
    assert store.read("prices", ["B.NS"]).close.tolist() == [100.1, 101.1, 102.1, 103.1, 104.1]


def test_filters_by_ticker_and_date_window(store: Store) -> None:
    store.upsert("prices", prices(["A.NS", "B.NS"], "2026-04-01", 10))
    got = store.read("prices", ["A.NS"], start="2026-04-03", end="2026-04-07")
    assert got.date.dt.day.tolist() == [3, 6, 7]
    assert set(got.ticker) == {"A.NS"}


def test_upsert_replaces_rows_on_the_key_and_keeps_others(store: Store) -> None:
    store.upsert("prices", prices(["A.NS", "B.NS"], "2026-04-01", 5))
    newer = prices(["A.NS"], "2026-04-03", 5, base=500.0, source="yahoo")
    store.upsert("prices", newer)
    a = store.read("prices", ["A.NS"]).set_index("date")
    assert len(a) == 7  # 1, 2 April kept; 3..9 April from the newer batch
    assert a.loc["2026-04-02", "close"] == 101.0
    assert a.loc["2026-04-03", "close"] == 500.0
    assert a.loc["2026-04-03", "source"] == "yahoo"
    assert len(store.read("prices", ["B.NS"])) == 5
    cov = {c.ticker: c for c in store.coverage("prices")}
    assert cov["A.NS"].last == pd.Timestamp("2026-04-09")
    assert cov["A.NS"].rows == 7
    assert cov["B.NS"].source == "test"


def test_require_names_the_missing_tickers(store: Store) -> None:
    store.upsert("prices", prices(["A.NS"], "2026-04-01", 2))
    with pytest.raises(CacheMiss, match=r"Z\.NS"):
        store.require("prices", ["A.NS", "Z.NS"])


def test_empty_store_reads_empty_canonical_frames(store: Store) -> None:
    for name, spec in model.TABLES.items():
        frame = store.read(name)
        assert frame.empty
        assert list(frame.columns) == spec.column_names


def test_second_writer_is_refused_with_a_clear_error(store: Store) -> None:
    with store.writer(), pytest.raises(StoreError, match="another refresh"):
        store.upsert("prices", prices(["A.NS"], "2026-04-01", 2))


def test_old_files_are_collected_after_the_grace_period(store: Store) -> None:
    store.upsert("prices", prices(["A.NS"], "2026-04-01", 2))
    store.upsert("prices", prices(["A.NS"], "2026-04-03", 2))
    store.upsert("prices", prices(["A.NS"], "2026-04-07", 2))
    files = sorted(store.tables_dir.glob("prices-*.parquet"))
    assert len(files) == 3  # within the grace period nothing is deleted
    manifest = store.manifest()
    removed = store.collect_garbage({manifest["tables"]["prices"]}, grace=0)
    assert removed == 2
    assert len(store.read("prices")) == 6


def test_corrupt_manifest_is_a_store_error(store: Store) -> None:
    store.upsert("prices", prices(["A.NS"], "2026-04-01", 2))
    (store.root / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="not valid JSON"):
        store.read("prices")


def test_readers_see_whole_commits_while_a_writer_writes(store: Store) -> None:
    """Each commit writes generation g for every ticker; a reader must never see a mix."""
    tickers = [f"T{i}.NS" for i in range(20)]
    store.upsert("prices", prices(tickers, "2020-01-01", 300, base=0.0))
    stop = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                frame = store.read("prices")
                gens = np.unique(frame.adj_close.to_numpy() // 10_000)
                assert len(gens) == 1, f"mixed generations {gens}"
                assert len(frame) == 20 * 300
                seen.append(int(gens[0]))
            except BaseException as exc:  # collected and re-raised in the test thread
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for g in range(1, 8):
        store.upsert("prices", prices(tickers, "2020-01-01", 300, base=g * 10_000.0))
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert len(seen) > 0
