"""kill -9 during an NSE back-fill: it loses only the files since the last commit.

A real process back-fills three months of NSE's daily files from tests/fakense.py (each
answer a little slow, commits every 0.3 s) and is killed with SIGKILL once it has committed at
least once. What is left must be whole: every day the store records as read has all of its
rows and no day has rows without that record; the next writer removes what the killed one left;
and the next back-fill asks for exactly the files the store lacks.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from rerating.data.providers.nse import EQUITIES, INDICES, NSEProvider
from rerating.data.refresh import plan_days
from rerating.data.store import Store
from tests.fakense import FakeNSE
from tests.reliability.checks import assert_sound

ROOT = Path(__file__).resolve().parents[2]
START, END = "2024-05-01", "2024-07-31"  # across the UDiFF switch of 8 July 2024

CHILD = textwrap.dedent(f"""
    import sys, time
    sys.path.insert(0, {str(ROOT)!r})
    import pandas as pd
    from rerating.data.providers.nse import EQUITIES, INDICES, NSEProvider
    from rerating.data.refresh import plan_days, refresh_days
    from rerating.data.store import Store
    from tests.fakense import FakeNSE

    fake = FakeNSE.market("2024-04-01", "2024-08-30")
    real = fake.send
    def slow(request, **kw):
        time.sleep(0.03)
        return real(request, **kw)
    fake.send = slow
    store = Store(sys.argv[1])
    p = NSEProvider(session=fake.session(), sleep=lambda s: None, rate=0, max_workers=1)
    plan = plan_days(store, p, pd.Timestamp({START!r}), pd.Timestamp({END!r}), (INDICES, EQUITIES))
    print("planned", len(plan.files), flush=True)
    refresh_days(store, p, plan, checkpoint_seconds=0.3)
    print("done", flush=True)
""")


def _generation(data: Path) -> int:
    import json

    try:
        return int(json.loads((data / "manifest.json").read_text())["generation"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.slow
def test_kill_9_during_an_nse_backfill_loses_only_the_files_since_the_last_commit(
        tmp_path: Path) -> None:
    rng = random.Random(31)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for attempt in range(4):
        data = tmp_path / f"store{attempt}"
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(data)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while _generation(data) < 2 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))  # anywhere in the next checkpoint's window
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        store = Store(data)
        held = store.read("archive_days")
        if len(held) > 0 and child.returncode == -signal.SIGKILL:
            break
    else:
        pytest.fail("the back-fill was never killed between two commits")

    with store.writer():  # the next writer takes the lock and sweeps the killed one's leftovers
        pass
    assert not list(data.glob("tables/.*.tmp"))
    assert_sound(store, killed=True)
    # every day recorded as read holds its rows, and no rows exist without that record
    fake = FakeNSE.market("2024-04-01", "2024-08-30")
    for kind, key, table, col in ((INDICES, "^NSEI", "index_valuation", "index"),
                                  (EQUITIES, "RELIANCE.NS", "prices", "ticker")):
        read = set(held.loc[held["kind"] == kind, "date"])
        have = set(store.read(table, [key])[ "date"]) if table == "prices" else \
            set(store.read(table).query(f"{col} == @key")["date"])
        assert have == read, (kind, sorted(have ^ read)[:5])
    closes = store.read("prices", ["RELIANCE.NS"], adjusted=False).set_index("date")["close"]
    want = fake.stocks["RELIANCE"].round(2).reindex(closes.index)
    assert (closes - want).abs().max() < 1e-9  # what was kept is cell for cell the files'
    # the next back-fill asks for exactly what is missing
    p = NSEProvider(session=fake.session(), sleep=lambda s: None, rate=0)
    plan = plan_days(store, p, pd.Timestamp(START), pd.Timestamp(END), (INDICES, EQUITIES))
    sessions = fake.days[(fake.days >= START) & (fake.days <= END)]
    assert plan.requests == 2 * len(sessions) - len(held) > 0
    assert plan.held == len(held)
