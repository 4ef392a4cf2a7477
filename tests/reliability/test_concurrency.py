"""Excel functions called from several threads while another process refreshes the store.

The writer commits generation after generation of the same 12 tickers. In generation g every
ticker's close grows by g basis points a session, so any answer names the generation it came
from: a price, a history, and a rally table whose returns are all equal within one generation.
Four threads recalculate RR_ functions through xlwings' conversion while the writer runs. Every
answer must be a number from one committed generation (never an error, never a mix), no thread
may go back to an older generation, and once the writer stops every function must show the
last generation (no stale cache left behind).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.data import access, model
from rerating.data.store import Store
from rerating.settings import Settings
from tests.functions.harness import call

TICKERS = [f"T{i:02d}.NS" for i in range(12)]
DATES = pd.bdate_range("2025-01-01", periods=300)
GENERATIONS = 40


def frame_of(g: int) -> pd.DataFrame:
    growth = (1 + g * 1e-4) ** np.arange(len(DATES))
    rows = [pd.DataFrame({"ticker": t, "date": DATES, "close": (100.0 + i) * growth,
                          "adj_close": (100.0 + i) * growth, "volume": 1.0})
            for i, t in enumerate(TICKERS)]
    return model.conform(model.PRICES, pd.concat(rows, ignore_index=True), source="test",
                         fetched_at=pd.Timestamp.now(tz="UTC"))


def one(result):  # type: ignore[no-untyped-def]
    return result[0][0] if isinstance(result, list) else result


def generation_of_price(price: float, i: int) -> int:
    return round((math.exp(math.log(price / (100.0 + i)) / (len(DATES) - 1)) - 1) / 1e-4)


def writer(root: str, first: int, last: int) -> None:
    store = Store(root)
    for g in range(first, last + 1):
        store.upsert("prices", frame_of(g))


@pytest.mark.slow
def test_functions_read_whole_generations_while_a_refresh_writes(tmp_path: Path) -> None:
    root = tmp_path / "store"
    Store(root).upsert("prices", frame_of(1))
    data = access.MarketData(Settings(data_dir=root, log_dir=tmp_path, offline=True),
                             recheck_every=0.02)
    access.use(data)
    proc = mp.get_context("forkserver").Process(target=writer, args=(str(root), 2, GENERATIONS))
    errors: list[str] = []
    calls = [0]

    def recalc(k: int) -> None:
        last_g = 0
        while True:
            done = not proc.is_alive()
            try:
                i = k % len(TICKERS)
                price = one(call("RR_PRICE", TICKERS[i]))
                g = generation_of_price(price, i)
                hist = call("RR_HISTORY", TICKERS[i], "2025-06-01")
                closes = np.array([row[1] for row in hist[1:]], dtype=float)
                steps = closes[1:] / closes[:-1] - 1  # one generation: one growth rate throughout
                table = call("RR_RALLY_TABLE", ",".join(TICKERS[1:]), TICKERS[0], "1M")
                head = table[0]
                returns = np.array([row[head.index("return")] for row in table[1:]], dtype=float)
                calls[0] += 3
            except Exception as exc:  # every failure is collected, then reported
                errors.append(f"{type(exc).__name__}: {exc}")
                return
            if not (1 <= g <= GENERATIONS and abs(price - (100.0 + i) * (1 + g * 1e-4) ** 299) < 1e-6):
                errors.append(f"RR_PRICE {price} is no generation's price")
            if np.ptp(steps) > 1e-12:
                errors.append(f"RR_HISTORY mixes growth rates {steps.min()}..{steps.max()}")
            if len(returns) != len(TICKERS) - 1 or np.ptp(returns) > 1e-12:
                errors.append(f"RR_RALLY_TABLE mixes generations: {returns}")
            if g < last_g:
                errors.append(f"went back from generation {last_g} to {g}")
            last_g = max(last_g, g)
            if errors or done:
                return

    proc.start()
    threads = [threading.Thread(target=recalc, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    proc.join(60)
    try:
        assert proc.exitcode == 0
        assert not errors, errors[:5]
        assert calls[0] >= 12
        time.sleep(0.05)  # past recheck_every: the last commit must now be what everyone sees
        for i, t in enumerate(TICKERS):
            assert generation_of_price(one(call("RR_PRICE", t)), i) == GENERATIONS
        print(f"{calls[0]} function calls from 4 threads during {GENERATIONS - 1} commits")
    finally:
        access.use(None)
