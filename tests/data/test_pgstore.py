"""The PostgreSQL store's own guarantees: failures in one line without the password, a writer
killed mid-refresh leaves the previous snapshot, and the CLI on a desk's store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from rerating.cli import main
from rerating.data.store.postgres import PgStore, redact
from rerating.errors import StoreError
from tests import pgserver
from tests.data.test_store import prices

ROOT = Path(__file__).resolve().parents[2]


def test_redact_hides_the_password_only() -> None:
    assert redact("postgresql://desk:hunter2@db.example:5432/rr?sslmode=verify-full") == \
        "postgresql://desk:***@db.example:5432/rr?sslmode=verify-full"
    assert redact("postgresql://db.example/rr") == "postgresql://db.example/rr"
    assert redact("postgresql://db.example/rr?user=desk&password=hunter2&sslmode=require") == \
        "postgresql://db.example/rr?user=desk&password=***&sslmode=require"


def test_an_internal_error_with_a_desk_store_logs_and_says_no_password(pg_url, tmp_path, capsys,
                                                                      monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The boundary writes the command line and the traceback to the log file: both carry the
    URL (``--store``, and here the exception's own text), neither the password."""
    import sys

    from rerating.data.store.postgres import PgStore as Pg

    def broken(self):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"driver fault talking to {self.url} (password={pgserver.PASSWORD})")

    monkeypatch.setenv("RERATING_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(Pg, "manifest", broken)
    argv = ["--store", pg_url, "data", "status"]
    monkeypatch.setattr(sys, "argv", ["rerating", *argv])
    assert main(argv) == 70
    out, err = capsys.readouterr()
    log = (tmp_path / "logs" / "rerating.log").read_text()
    assert "RuntimeError: driver fault talking to postgresql://postgres:***@127.0.0.1" in log
    assert "--store postgresql://postgres:***@" in log and "password=***" in log
    assert "internal error: RuntimeError" in err
    assert pgserver.PASSWORD not in out + err + log


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
from rerating.data.store.postgres import PgStore
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


def test_store_init_makes_a_writer_and_a_read_only_analyst(pg_server, pg_url, capsys) -> None:  # type: ignore[no-untyped-def]
    """`rerating store init` as the owner; the desk's refresh writes as a member of
    rerating_writer; an analyst's connection reads and cannot write."""
    import adbc_driver_postgresql.dbapi as pg

    assert main(["store", "init", pg_url]) == 0
    assert "roles rerating_writer (refresh) and rerating_analyst (read only)" in capsys.readouterr().out
    assert main(["store", "init", pg_url]) == 0  # again: nothing breaks
    with pg.connect(pg_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'desk_refresh') "
                    "THEN CREATE ROLE desk_refresh LOGIN PASSWORD 'w-pass' IN ROLE rerating_writer; "
                    "CREATE ROLE alice LOGIN PASSWORD 'a-pass' IN ROLE rerating_analyst; END IF; END $$")
    db = pg_url.rsplit("/", 1)[1]
    writer = PgStore(pg_server.url(db, user="desk_refresh", password="w-pass"))
    analyst = PgStore(pg_server.url(db, user="alice", password="a-pass"))
    writer.upsert("prices", prices(["A.NS"], "2026-04-01", 3))
    assert analyst.read("prices").close.tolist() == [100.0, 101.0, 102.0]
    assert [c.ticker for c in analyst.coverage("prices")] == ["A.NS"]
    with pytest.raises(StoreError) as e:
        analyst.upsert("prices", prices(["B.NS"], "2026-04-01", 3))
    assert "this connection may only read" in str(e.value) and "a-pass" not in str(e.value)
    assert set(writer.read("prices")["ticker"]) == {"A.NS"}  # nothing of the analyst's landed
    capsys.readouterr()
    assert main(["store", "init", "--print-sql"]) == 0  # for a DBA; connects to nothing
    out = capsys.readouterr().out
    assert 'CREATE ROLE "rerating_analyst" NOLOGIN' in out and 'GRANT SELECT ON "rerating"."meta"' in out


def test_rr_cells_say_the_store_is_unreachable_and_recover_by_themselves(pg_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A desk's store that cannot be reached: the cell says so in one line (no password); once
    it is there again, the same cells answer, without restarting Excel."""
    from rerating.data import access
    from rerating.data.providers.demo import DemoProvider
    from rerating.data.refresh import refresh
    from rerating.settings import Settings
    from tests.functions.harness import call

    url = pg_server.url("comes_later")  # no such database yet: the store is not there
    data = access.MarketData(Settings(data_dir=tmp_path, log_dir=tmp_path, offline=True,
                                      store_url=url), recheck_every=0.0)
    access.use(data)
    try:
        cell = call("RR_PRICE", "SMALL250.DEMO")[0][0]
        assert cell.startswith("#N/A store postgresql://postgres:***@127.0.0.1") and "unreachable" in cell
        assert pgserver.PASSWORD not in cell
        pgserver.create_database(pg_server, "comes_later")
        refresh(PgStore(url), DemoProvider(), ["SMALL250.DEMO"], start="2026-01-01", end="2026-04-30")
        again = call("RR_PRICE", "SMALL250.DEMO", "2026-04-30")[0][0]
    finally:
        access.use(None)
    closes = PgStore(url).read("prices", ["SMALL250.DEMO"]).set_index("date")["close"]
    assert again == closes.loc["2026-04-30"]


def test_sync_copies_the_desk_store_into_the_local_one_changes_only(pg_url, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from rerating.data.providers.demo import DemoProvider
    from rerating.data.refresh import refresh
    from rerating.data.store import Store

    desk = PgStore(pg_url)
    refresh(desk, DemoProvider(), ["SMALL250.DEMO", "LARGE50.DEMO"], start="2026-01-01", end="2026-03-31")
    local = tmp_path / "laptop"
    assert main(["--data-dir", str(local), "data", "sync", "--from", pg_url]) == 0
    out = capsys.readouterr().out
    assert "prices 2 tickers (126 rows)" in out and pgserver.PASSWORD not in out
    for table in ("prices", "index_valuation"):
        pd.testing.assert_frame_equal(Store(local).read(table), desk.read(table), check_dtype=True)
    # the desk refreshes one more month; the next sync copies only what changed
    refresh(desk, DemoProvider(), ["SMALL250.DEMO"], start="2026-01-01", end="2026-04-30")
    assert main(["--data-dir", str(local), "data", "sync", "--from", pg_url]) == 0
    out = capsys.readouterr().out
    assert "prices 1 tickers" in out and "LARGE50" not in out and "already current" in out
    pd.testing.assert_frame_equal(Store(local).read("prices"), desk.read("prices"), check_dtype=True)
    assert main(["--data-dir", str(local), "data", "sync", "--from", pg_url]) == 0
    assert "nothing changed since the last sync" in capsys.readouterr().out


def test_a_store_of_another_schema_version_is_said_with_what_to_do(pg_url) -> None:  # type: ignore[no-untyped-def]
    import adbc_driver_postgresql.dbapi as pg

    store = PgStore(pg_url)
    store.upsert("prices", prices(["A.NS"], "2026-04-01", 2))
    with pg.connect(pg_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("UPDATE rerating.meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"schema version 0; this Rerating Desk reads version 3: "
                                         r"run `rerating store init URL`"):
        store.read("prices")
    store.init()  # the migration: creates what is missing, keeps every row, moves the version
    assert store.read("prices").close.tolist() == [100.0, 101.0]


def test_a_version_2_store_gains_the_results_tables_on_init(pg_url) -> None:  # type: ignore[no-untyped-def]
    """Version 3 added the results and consensus tables (issue 32): a desk's version-2 store is
    told to run `store init`, which creates them and keeps every price."""
    import adbc_driver_postgresql.dbapi as pg

    store = PgStore(pg_url)
    store.upsert("prices", prices(["A.NS"], "2026-04-01", 2))
    with pg.connect(pg_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE rerating.results")
        cur.execute("DROP TABLE rerating.consensus")
        cur.execute("UPDATE rerating.meta SET value = '2' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"schema version 2; this Rerating Desk reads version 3"):
        store.read("prices")
    store.init(roles=False)
    assert store.read("prices").close.tolist() == [100.0, 101.0]
    assert store.read("results").empty and list(store.read("consensus").columns)[:3] == [
        "ticker", "as_of", "period_end"]


def test_a_version_1_store_moves_its_prices_into_chunks_on_init(pg_url) -> None:  # type: ignore[no-untyped-def]
    """Version 1 kept one row per session in ``rerating.prices`` (the layout of commit 7e6777a):
    made here by hand in that layout, ``store init`` moves every row into yearly chunks."""
    import adbc_driver_postgresql.dbapi as pg

    store = PgStore(pg_url)
    store.init(roles=False)
    rows = prices(["A.NS", "B.NS"], "2025-12-29", 5)  # across a year end: two chunks each
    with pg.connect(pg_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE rerating.prices (ticker text, date timestamp, close double precision, "
                    "adj_close double precision, volume double precision, source text, "
                    "fetched_at timestamptz, PRIMARY KEY (ticker, date))")
        for r in rows.itertuples(index=False):
            cur.execute("INSERT INTO rerating.prices VALUES ($1, $2::timestamp, $3, $4, $5, $6, $7::timestamptz)",
                        parameters=(r.ticker, r.date.isoformat(), r.close, r.adj_close, r.volume,
                                    r.source, r.fetched_at.isoformat()))
        cur.execute("INSERT INTO rerating.coverage SELECT 'prices', t, '2025-12-29', '2026-01-02', 5, "
                    "'test', '2026-04-30 10:00Z' FROM unnest(ARRAY['A.NS', 'B.NS']) AS t")
        cur.execute("UPDATE rerating.meta SET value = '1' WHERE key = 'schema_version'")
        cur.execute("UPDATE rerating.meta SET value = '1' WHERE key = 'generation'")
    with pytest.raises(StoreError, match=r"version 1; .* moves version 1's prices into yearly chunks"):
        store.read("prices")
    store.init()
    back = store.read("prices")
    pd.testing.assert_frame_equal(back, rows.sort_values(["ticker", "date"], ignore_index=True))
    with pg.connect(pg_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT ticker, year, rows FROM rerating.prices_chunks ORDER BY 1, 2")
        assert cur.fetchall() == [("A.NS", 2025, 3), ("A.NS", 2026, 2), ("B.NS", 2025, 3), ("B.NS", 2026, 2)]
        cur.execute("SELECT to_regclass('rerating.prices') IS NULL, "
                    "(SELECT value FROM rerating.meta WHERE key = 'schema_version')")
        assert cur.fetchall() == [(True, "3")]  # the version of the schema today


def test_a_book_built_from_the_desk_store_says_which_store(pg_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from rerating.data.providers.demo import DemoProvider
    from rerating.data.refresh import refresh
    from rerating.workbooks import content, engine

    store = PgStore(pg_url)
    refresh(store, DemoProvider(), ["DEVALPER.DEMO"], start="2025-01-01", end="2026-04-30")
    book = engine.build(content.dcf(store, "DEVALPER.DEMO"), tmp_path / "m.xlsx").path
    data = load_workbook(book)["Data"]
    said = next(r[1].value for r in data.iter_rows() if r[0].value == "Data source")
    assert said.endswith(f"| store {store.root}") and ":***@" in said
    with zipfile.ZipFile(book) as z:  # the password is in no part of the book
        assert not any(pgserver.PASSWORD.encode() in z.read(n) for n in z.namelist())


def test_a_note_built_from_the_desk_store_says_which_store(pg_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rerating.data.providers.demo import LARGE_INDEX, SMALL_INDEX, DemoProvider
    from rerating.data.refresh import refresh
    from rerating.reports.report import ReportSpec, render

    store = PgStore(pg_url)
    p = DemoProvider()
    small, large = p.universe("demo-small")[:20], p.universe("demo-large")[:10]
    refresh(store, p, [SMALL_INDEX, LARGE_INDEX, *small, *large], start="2023-01-01", end="2026-04-30")
    page = render(store, ReportSpec(SMALL_INDEX, LARGE_INDEX, small, large), tmp_path / "note").html.read_text()
    assert f"store {store.root}" in page and ":***@" in page and pgserver.PASSWORD not in page


def test_yearly_chunks_merge_as_the_local_store_does(pg_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Prices live in one chunk per ticker and year on PostgreSQL. Forty random upserts and
    replaces, across year ends, of windows that overlap what is stored, end with the same
    rows, coverage and sources as the local store given the same sequence (the oracle)."""
    import numpy as np

    from rerating.data.store import Store

    rng = np.random.default_rng(25)
    desk, local = PgStore(pg_url), Store(tmp_path / "oracle")
    names = ["A.NS", "B.NS", "C.NS", "x'); DROP TABLE prices; --"]
    for step in range(40):
        some = list(rng.choice(names, size=int(rng.integers(1, 4)), replace=False))
        start = pd.Timestamp("2023-11-01") + pd.Timedelta(days=int(rng.integers(0, 900)))
        frame = prices(some, f"{start:%Y-%m-%d}", int(rng.integers(1, 120)),
                       base=float(rng.integers(10, 500)), source=f"step{step}")
        replace = bool(rng.random() < 0.15)
        for store in (desk, local):
            with store.writer() as w:
                w.upsert("prices", frame, replace=replace)
    pd.testing.assert_frame_equal(desk.read("prices"), local.read("prices"), check_dtype=True)
    window = dict(start="2024-12-20", end="2025-01-10")
    pd.testing.assert_frame_equal(desk.read("prices", names[1:], **window),
                                  local.read("prices", names[1:], **window), check_dtype=True)
    assert desk.coverage("prices") == local.coverage("prices")
    assert desk.sources() == local.sources()
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(pg_url) as conn, conn.cursor() as cur:  # what a DBA sees beside the chunks
        cur.execute("SELECT count(*), sum(rows), bool_and(extract(year FROM first) = year "
                    "AND extract(year FROM last) = year) FROM rerating.prices_chunks")
        chunks, rows, years_right = cur.fetchone()
    assert rows == len(local.read("prices")) and years_right and chunks > 4


def test_a_network_cut_in_the_middle_of_a_read_is_one_line_and_the_next_read_recovers(pg_server) -> None:  # type: ignore[no-untyped-def]
    """The connection is reset after 256 KiB of the answer for 60 tickers x 1,000 sessions (a relay between the driver and
    the real server): the read fails in one line naming the store and what to do, the kept
    connection is dropped, and once the network is back the same store object reads again."""
    from rerating.functions.values import error_text

    url = pgserver.create_database(pg_server, "cut")
    names = [f"K{i}.NS" for i in range(60)]
    PgStore(url).upsert("prices", prices(names, "2020-01-01", 1000))
    relay = pgserver.Relay(pg_server.port)
    try:
        store = PgStore(relay.url(pg_server, "cut"))
        assert len(store.read("prices", names[:1])) == 1000  # a kept connection, through the relay
        relay.cut_after(256 * 1024)
        with pytest.raises(StoreError) as e:
            store.read("prices", names)
        msg = str(e.value)
        assert relay.cuts == 1 and "\n" not in msg and pgserver.PASSWORD not in msg
        assert msg.startswith(f"store postgresql://postgres:***@127.0.0.1:{relay.port}/cut")
        assert "the connection to the store was lost" in msg and "run it again" in msg
        assert error_text(e.value).startswith("#N/A store postgresql://postgres:***@")
        relay.heal()
        back = store.read("prices", names)
        assert len(back) == 60_000 and back[back.ticker == "K59.NS"].close.iloc[-1] == 100.0 + 999 + 5.9
    finally:
        relay.close()
