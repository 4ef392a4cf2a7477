"""The PostgreSQL store's own guarantees: failures in one line without the password, a writer
killed mid-refresh leaves the previous snapshot, and the CLI on a desk's store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rerating.cli import main
from rerating.data.pgstore import PgStore, redact
from rerating.errors import StoreError
from tests import pgserver
from tests.data.test_store import prices

ROOT = Path(__file__).resolve().parents[2]


def test_redact_hides_the_password_only() -> None:
    assert redact("postgresql://desk:hunter2@db.example:5432/rr?sslmode=verify-full") == \
        "postgresql://desk:***@db.example:5432/rr?sslmode=verify-full"
    assert redact("postgresql://db.example/rr") == "postgresql://db.example/rr"


def test_a_wrong_password_or_a_server_down_is_one_line_without_the_password(pg_server, pg_url) -> None:  # type: ignore[no-untyped-def]
    wrong = pg_url.replace(pgserver.PASSWORD, "not-the-password-42")
    with pytest.raises(StoreError) as e:
        PgStore(wrong).manifest()
    msg = str(e.value)
    assert "wrong user or password" in msg and "not-the-password-42" not in msg
    assert "\n" not in msg and ":***@" in msg
    down = pgserver.Server(port=pgserver._free_port()).url("x")
    with pytest.raises(StoreError, match="the server is not running or not reachable") as e:
        PgStore(down).read("prices")
    assert pgserver.PASSWORD not in str(e.value)
    with pytest.raises(StoreError, match="no such database"):
        PgStore(pg_server.url("no_such_db")).manifest()


def test_the_cli_on_a_desk_store_never_prints_the_password(pg_url, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    args = ["--store", pg_url, "--data-dir", str(tmp_path / "local")]
    assert main([*args, "data", "refresh", "--source", "demo", "--tickers", "SMALL250.DEMO,LARGE50.DEMO",
                 "--no-progress"]) == 0
    assert main([*args, "data", "status"]) == 0
    assert main([*args, "doctor"]) == 0
    assert main([*args, "model", "build", "DEVALPER.DEMO", "-o", str(tmp_path / "m.xlsx")]) != 0
    out, err = capsys.readouterr()
    assert pgserver.PASSWORD not in out + err
    assert "postgres:***@127.0.0.1" in out and "PostgreSQL, the desk's shared store" in out
    assert "SMALL250.DEMO" in out  # data status lists what the desk's store holds
    assert not (tmp_path / "local" / "manifest.json").exists()  # nothing went to the local store


_WRITER = r"""
import sys, time
import pandas as pd
sys.path.insert(0, {root!r})
from rerating.data.pgstore import PgStore
from tests.data.test_store import prices
store = PgStore({url!r})
with store.writer() as w:
    w.upsert("prices", prices(["K%d.NS" % i for i in range(300)], "2020-01-01", 500, base=900.0))
    print("staged", flush=True)
    w.commit()
    print("committed", flush=True)
    time.sleep(30)
"""


def test_a_writer_killed_mid_refresh_leaves_the_previous_snapshot(pg_url) -> None:  # type: ignore[no-untyped-def]
    """kill -9 at once after staging (the commit under way): the previous snapshot reads whole,
    the generation is one of the two, and the next writer gets the lock and completes."""
    store = PgStore(pg_url, lock_timeout=10)
    store.upsert("prices", prices(["A.NS"], "2026-04-01", 3))
    gen = int(store.manifest()["generation"])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python")}
    proc = subprocess.Popen([sys.executable, "-c", _WRITER.format(root=str(ROOT), url=pg_url)],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "staged"
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    after = int(store.manifest()["generation"])
    frame = store.read("prices")
    assert after in (gen, gen + 1)
    if after == gen:  # killed before the commit: nothing of it is visible
        assert set(frame["ticker"]) == {"A.NS"}
    else:  # committed whole
        assert len(frame) == 3 + 300 * 500
    cov = {c.ticker: c.rows for c in store.coverage("prices")}
    assert cov == frame.groupby("ticker").size().to_dict()  # coverage agrees with the rows
    store.upsert("prices", prices(["B.NS"], "2026-04-01", 2))  # the lock was released
    assert int(store.manifest()["generation"]) == after + 1
