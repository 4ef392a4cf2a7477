"""The store on PostgreSQL: one desk, one store, the same contract as the local Parquet store.

``RERATING_STORE=postgresql://host/db`` (or ``--store``) selects it; :func:`rerating.data.store.
open_store` hands either backend to everything above (refresh, RR_ functions, books, notes).

The guarantees the local store gives, kept:

- **A refresh is one transaction.** A writer's :meth:`PgWriter.commit` upserts every staged
  table, updates the coverage rows of the tickers it touched and moves the generation, then
  commits: a reader sees the whole previous refresh or the whole new one, across tables.
- **Readers see one snapshot.** A read runs in a ``REPEATABLE READ`` transaction that also reads
  the generation; a read pinned to a generation (``manifest=``) that has since moved raises
  ``FileNotFoundError``, as a collected Parquet file does, and the caller reads the new one.
- **One writer at a time**: a session advisory lock, released by the server when the writer's
  connection ends, so a ``kill -9`` leaves no lock behind and the previous snapshot readable.
- **Bulk through Arrow**: ADBC's PostgreSQL driver reads query results as Arrow and writes with
  ``COPY``; never row by row.
- **Prices in yearly chunks.** The prices table (1.7 million rows for the demo market, 90% of
  the store) is kept as one row per ticker and calendar year, its sessions an Arrow IPC stream
  in a ``bytea`` (``prices_chunks``), beside plain SQL columns for what a DBA or the coverage
  needs (first, last, rows, source of the last row, fetched_at). This is the layout Man Group's
  Arctic ChunkStore uses for the same data on a database server: a row per session costs the
  server a tuple, a header and a primary-key entry each, and measured here 8x the local store
  to write and 10x to load (benchmarks/RESULTS.md, 2026-12-04); chunks cost one each per
  ticker-year. A daily refresh rewrites the current year's chunk of the tickers it touched.
  The other tables are small and stay one row per key.
- **SQL from constants and bound parameters only**: table and column names come from
  :data:`rerating.data.model.TABLES`; tickers, dates and values are always parameters.
- **Credentials never leak**: a password in the URL is replaced by ``***`` in every message
  (:func:`redact`); libpq's usual places (``PGPASSWORD``, ``~/.pgpass``, a service file) work
  because the URL is passed to libpq as it is.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc  # pa.ipc

from rerating.data import model
from rerating.data.store.local import Staging, StoreBase
from rerating.errors import StoreError, StoreUnreachable

SCHEMA = "rerating"
SCHEMA_VERSION = 3  # 3: the results and consensus tables (CREATE TABLE IF NOT EXISTS)
#: tables kept in yearly chunks (see the module's docstring), and the name of their SQL table
CHUNKED = {"prices": "prices_chunks"}
#: libpq waits for ever on a network that went silent: 10 s for a server to answer a connect,
#: and TCP keepalives that notice a dead connection in the middle of a read within about a
#: minute (idle 30 s, then 3 probes 10 s apart). A URL's own values win.
LIBPQ_DEFAULTS = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30,
                  "keepalives_interval": 10, "keepalives_count": 3}
#: the advisory lock of the one writer (any constant; "RRDESK" in ASCII)
WRITER_LOCK = 0x525244455348
_TYPES = {"str": "text", "float64": "double precision", "datetime64[ns]": "timestamp",
          "datetime64[ns, UTC]": "timestamptz"}


def is_url(text: str | None) -> bool:
    return bool(text) and str(text).split(":", 1)[0].lower() in ("postgresql", "postgres")


def redact(url: str) -> str:
    """``url`` without its password (``postgresql://u:***@host/db``, ``?password=***``), as
    every message says it."""
    from rerating.tracebacks import scrub

    return scrub(url)


def _q(name: str) -> str:
    """A quoted identifier. Only names from model.TABLES and this module reach here."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not an identifier of ours: {name!r}")
    return f'"{name}"'


def _t(table: str) -> str:
    return f"{_q(SCHEMA)}.{_q(table)}"


def ddl() -> list[str]:
    """The schema: one table per canonical table, its key the primary key; the coverage of
    each ticker (what ``data status`` and the refresh plan read); the generation."""
    out = [f"CREATE SCHEMA IF NOT EXISTS {_q(SCHEMA)}",
           f"CREATE TABLE IF NOT EXISTS {_t('meta')} (key text PRIMARY KEY, value text NOT NULL)",
           f"CREATE TABLE IF NOT EXISTS {_t('coverage')} (tbl text NOT NULL, ticker text NOT NULL, "
           "first timestamp, last timestamp, rows bigint NOT NULL, source text, "
           "fetched_at timestamptz, PRIMARY KEY (tbl, ticker))"]
    for spec in model.TABLES.values():
        if spec.name in CHUNKED:
            chunks = _t(CHUNKED[spec.name])
            out.append(f"CREATE TABLE IF NOT EXISTS {chunks} ({_q(spec.key[0])} text NOT NULL, "
                       "year int NOT NULL, first timestamp NOT NULL, last timestamp NOT NULL, "
                       "rows int NOT NULL, source text, fetched_at timestamptz, layout smallint NOT NULL, "
                       "raw_size int NOT NULL, "
                       "chunk bytea NOT NULL, "
                       f"PRIMARY KEY ({_q(spec.key[0])}, year))")
            # the chunk is compressed already: stored out of line as it is, not compressed again
            out.append(f"ALTER TABLE {chunks} ALTER COLUMN chunk SET STORAGE EXTERNAL")
            continue
        cols = ", ".join(f"{_q(c)} {_TYPES[d]}" for c, d in spec.columns.items())
        key = ", ".join(_q(k) for k in spec.key)
        out.append(f"CREATE TABLE IF NOT EXISTS {_t(spec.name)} ({cols}, PRIMARY KEY ({key}))")
    out.append(f"INSERT INTO {_t('meta')} VALUES ('schema_version', '{SCHEMA_VERSION}'), "
               "('generation', '0') ON CONFLICT (key) DO NOTHING")
    # a migration: what an older schema lacks was created above; then the version moves, unless
    # a version-1 table of prices (one row per session) is still there: PgStore.init moves its
    # rows into chunks first (Arrow IPC is not made in SQL), then the version moves
    out.append(f"UPDATE {_t('meta')} SET value = '{SCHEMA_VERSION}' WHERE key = 'schema_version' "
               f"AND value::int < {SCHEMA_VERSION} AND to_regclass('{SCHEMA}.prices') IS NULL")
    return out


#: the two roles ``rerating store init`` creates (group roles: a DBA grants them to logins)
WRITER_ROLE, ANALYST_ROLE = "rerating_writer", "rerating_analyst"


def role_sql() -> list[str]:
    """The writer (the desk's scheduled refresh) and the read-only analyst role, and what each
    may do; idempotent, so ``store init`` can be run again after an upgrade."""
    tables = ", ".join(_t(CHUNKED.get(n, n)) for n in ("meta", "coverage", *model.TABLES))
    out = []
    for role in (WRITER_ROLE, ANALYST_ROLE):
        out.append(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
                   f"THEN CREATE ROLE {_q(role)} NOLOGIN; END IF; END $$")
    out += [
        f"GRANT USAGE ON SCHEMA {_q(SCHEMA)} TO {_q(WRITER_ROLE)}, {_q(ANALYST_ROLE)}",
        f"GRANT SELECT ON {tables} TO {_q(ANALYST_ROLE)}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {_q(WRITER_ROLE)}",
        f"REVOKE CREATE ON SCHEMA {_q(SCHEMA)} FROM PUBLIC",
    ]
    return out


class _Manifest(dict):  # type: ignore[type-arg]
    """The generation at once; the coverage only when asked for (thousands of rows)."""

    def __init__(self, store: PgStore, generation: int, tables: dict[str, str]) -> None:
        super().__init__(version=1, generation=generation, tables=tables)
        self._store = store

    def _coverage(self) -> dict[str, Any]:
        if not super().__contains__("coverage"):
            super().__setitem__("coverage", self._store._coverage_rows())
        return super().__getitem__("coverage")

    def __getitem__(self, key: str) -> Any:
        return self._coverage() if key == "coverage" else super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self._coverage() if key == "coverage" else super().get(key, default)


class PgStore(StoreBase):
    """Read and write the canonical tables in a PostgreSQL database (schema ``rerating``)."""

    backend = "postgresql"

    def __init__(self, url: str, *, lock_timeout: float = 30.0) -> None:
        self.url = url
        #: what messages name: the URL without its password
        self.root = redact(url)
        self.lock_timeout = lock_timeout
        #: the cursor of a read_current snapshot, per thread (RR functions read from threads)
        self._tx = threading.local()

    # -- connections ---------------------------------------------------------------------------
    def _why(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split())
        for password in (urlsplit(self.url).password,
                         *re.findall(r"[?&]password=([^&]+)", self.url)):
            if password:
                text = text.replace(password, "***")
        # libpq's own words, without the driver's wrapping and the statement it ran
        said = re.search(r"(?:ERROR|FATAL):\s*(.*?)(?:\s+(?:Query was:|DETAIL:|HINT:|CONTEXT:)|$)", text)
        if said:
            text = said.group(1)
        text = text.removeprefix("IO: ").removeprefix("[libpq] ")
        if re.search(r'(database|role) "[^"]*" does not exist', text):
            return (f"no such database or role ({text[:200]}); check the URL's database and user, "
                    "or have the desk's DBA run `rerating store init`")
        lost = ("the connection to the store was lost; check the network or VPN and run it "
                "again (RR cells recalculate by themselves once it is back)")
        for hint, said in (("password authentication failed",
                            "wrong user or password; check PGPASSWORD, ~/.pgpass or the URL"),
                           ("Connection refused", "the server is not running or not reachable; "
                            "start it, or check the host and port"),
                           ("could not translate host name", "unknown host; check the URL's host"),
                           ("server closed the connection unexpectedly", lost),
                           ("Connection reset by peer", lost),
                           ("could not receive data from server", lost),
                           ("no connection to the server", lost),
                           ("SSL SYSCALL error", lost),
                           ("timeout", "the server did not answer in time; check the network "
                            "or VPN and run it again")):
            if hint in text:
                return f"{said} ({text[:200]})"
        return text[:300]

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        """A connection of its own, closed at the end (the writer's, and ``init``'s)."""
        conn = self._open()
        try:
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    def _reading(self, work: Any) -> Any:
        """Run ``work(cur)`` in a read transaction on this thread's connection, kept open
        between calls (an RR function's read then costs a query, not a login: SCRAM's key
        derivation alone is ~50 ms). A kept connection the server dropped meanwhile (a
        restart, a network cut) is dropped here and the work runs once more on a new one; any
        other failure is one line naming the store."""
        for attempt in (0, 1):
            conn = getattr(self._tx, "conn", None)
            reused = conn is not None and getattr(self._tx, "pid", None) == os.getpid()
            if not reused:
                conn = self._open()
                self._tx.conn, self._tx.pid = conn, os.getpid()
            try:
                with conn.cursor() as cur:
                    try:
                        return work(cur)
                    finally:
                        conn.rollback()
            except (FileNotFoundError, StoreError):
                raise
            except Exception as exc:
                self._tx.conn = None
                with contextlib.suppress(Exception):
                    conn.close()
                if reused and attempt == 0:
                    continue
                raise StoreError(f"store {self.root}: {self._why(exc)}") from None
        raise AssertionError("unreachable")

    def _open(self) -> Any:
        import adbc_driver_postgresql.dbapi as pg

        url = self.url
        for name, value in LIBPQ_DEFAULTS.items():  # unless the URL says otherwise
            if f"{name}=" not in url:
                url += ("&" if "?" in url else "?") + f"{name}={value}"
        try:
            return pg.connect(url)
        except Exception as exc:  # the driver's error carries libpq's words; never the password
            raise StoreUnreachable(f"store {self.root} unreachable: {self._why(exc)}") from None

    def close(self) -> None:
        """Close this thread's kept read connection (the server closes it too when the process ends)."""
        conn, self._tx.conn = getattr(self._tx, "conn", None), None
        if conn is not None and getattr(self._tx, "pid", None) == os.getpid():
            with contextlib.suppress(Exception):
                conn.close()

    def _schema_exists(self, cur: Any) -> bool:
        cur.execute("SELECT to_regclass($1) IS NOT NULL", parameters=(f"{SCHEMA}.meta",))
        return bool(cur.fetchone()[0])

    def init(self, roles: bool = True) -> None:
        """Create the schema (and the writer and analyst roles) when they are not there;
        idempotent. Needs a role that may create schemas and roles (the database's owner)."""
        with self._connection() as conn, conn.cursor() as cur:
            try:
                for stmt in ddl() + (role_sql() if roles else []):
                    cur.execute(stmt)
                self._migrate_v1_prices(cur)
                conn.commit()
            except Exception as exc:
                raise StoreError(f"store {self.root}: could not create the schema "
                                 f"({self._why(exc)}); run it as the database's owner, or "
                                 "give the SQL of `rerating store init --print-sql` to a DBA") from None

    def _migrate_v1_prices(self, cur: Any) -> None:
        """Version 1 kept a row per session in ``prices``: its rows move into yearly chunks
        (every row kept, checked by count), the old table goes and the version moves to 2."""
        cur.execute("SELECT to_regclass($1) IS NOT NULL", parameters=(f"{SCHEMA}.prices",))
        if not cur.fetchone()[0]:
            return
        spec = model.PRICES
        cur.execute(f"SELECT {', '.join(_q(c) for c in spec.columns)} FROM {_t('prices')}")
        old = _canonical(spec, cur.fetch_arrow_table(), spec.column_names)
        cur.execute(f"DELETE FROM {_t(CHUNKED['prices'])}")
        if len(old):
            cur.adbc_ingest(CHUNKED["prices"], _chunks(spec, old), mode="append",
                            db_schema_name=SCHEMA)
        cur.execute(f"SELECT coalesce(sum(rows), 0) FROM {_t(CHUNKED['prices'])}")
        moved = int(cur.fetchone()[0])
        if moved != len(old):
            raise StoreError(f"moving {len(old)} price rows into chunks kept {moved}; nothing changed")
        cur.execute(f"DROP TABLE {_t('prices')}")
        cur.execute(f"UPDATE {_t('meta')} SET value = '{SCHEMA_VERSION}' WHERE key = 'schema_version'")

    # -- reading -------------------------------------------------------------------------------
    def exists(self) -> bool:
        return int(self.manifest().get("generation", 0)) > 0

    def manifest(self) -> dict[str, Any]:
        return self._reading(self._manifest_in)

    def _manifest_in(self, cur: Any) -> _Manifest:
        """The generation and the tables that hold rows, read in ``cur``'s transaction; a
        schema of another version is said, with what to do."""
        if not self._schema_exists(cur):
            return _Manifest(self, 0, {})
        cur.execute(f"SELECT value FROM {_t('meta')} WHERE key = 'schema_version'")
        row = cur.fetchone()
        version = int(row[0]) if row else 0
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"store {self.root} has schema version {version}; this Rerating Desk "
                f"reads version {SCHEMA_VERSION}: "
                + ("run `rerating store init URL` as the database's owner to bring it "
                   "up to date (it creates what is missing, moves version 1's prices "
                   "into yearly chunks and keeps every row)"
                   if version < SCHEMA_VERSION else
                   "upgrade Rerating Desk on this machine (pip install -U rerating-desk)"))
        gen = self._generation(cur)
        cur.execute(f"SELECT DISTINCT tbl FROM {_t('coverage')}")
        return _Manifest(self, gen, {r[0]: r[0] for r in cur.fetchall()})

    def _generation(self, cur: Any) -> int:
        cur.execute(f"SELECT value FROM {_t('meta')} WHERE key = 'generation'")
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def _coverage_rows(self) -> dict[str, dict[str, Any]]:
        def work(cur: Any) -> pd.DataFrame | None:
            if not self._schema_exists(cur):
                return None
            cur.execute(f"SELECT tbl, ticker, first, last, rows, source, fetched_at "
                        f"FROM {_t('coverage')} ORDER BY tbl, ticker")
            return cur.fetch_arrow_table().to_pandas()

        frame = self._reading(work)
        if frame is None:
            return {}
        out: dict[str, dict[str, Any]] = {}
        for r in frame.itertuples(index=False):
            out.setdefault(r.tbl, {})[r.ticker] = {
                "first": None if pd.isna(r.first) else f"{pd.Timestamp(r.first):%Y-%m-%d}",
                "last": None if pd.isna(r.last) else f"{pd.Timestamp(r.last):%Y-%m-%d}",
                "rows": int(r.rows), "source": r.source,
                "fetched_at": pd.Timestamp(r.fetched_at).isoformat()}
        return out

    def read_current(self, table: str, tickers: Iterable[str]) -> tuple[pd.DataFrame, int]:
        """One REPEATABLE READ transaction for the generation and every table the read needs
        (prices with their corporate actions): one snapshot, however often the desk's refresh
        commits meanwhile (its checkpoints every few seconds)."""
        def work(cur: Any) -> tuple[pd.DataFrame, int]:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            manifest = self._manifest_in(cur)
            self._tx.cur = cur
            try:
                return self.read(table, tickers, manifest=manifest), int(manifest["generation"])
            finally:
                self._tx.cur = None

        return self._reading(work)

    def _read_table(self, spec: model.TableSpec, manifest: dict[str, Any],
                    tickers: Iterable[str] | None, start: object, end: object,
                    columns: list[str] | None, pinned: bool) -> pd.DataFrame:
        cols = list(columns) if columns is not None else spec.column_names
        key, date_col = spec.key[0], spec.key[1]
        where: list[str] = []
        params: list[str] = []
        if tickers is not None:
            names = list(dict.fromkeys(tickers))
            if not names:
                return model.empty(spec)[cols]
            where.append(f"{_q(key)} IN (SELECT unnest(string_to_array(${len(params) + 1}, chr(31))))")
            params.append("\x1f".join(names))
        chunked = spec.name in CHUNKED
        for bound, op in ((start, ">="), (end, "<=")):
            if bound is None:
                continue
            if chunked:  # the chunks of the years the window touches; the rows are cut below
                where.append(f"year {op} ${len(params) + 1}::int")
                params.append(str(pd.Timestamp(bound).year))
            else:
                where.append(f"{_q(date_col)} {op} ${len(params) + 1}::timestamp")
                params.append(pd.Timestamp(bound).isoformat())
        if chunked:
            sql = (f"SELECT {_q(key)}, layout, raw_size, chunk FROM {_t(CHUNKED[spec.name])}"
                   + (f" WHERE {' AND '.join(where)}" if where else "") + f" ORDER BY {_q(key)}, year")
        else:
            fetch = list(dict.fromkeys([*cols, *(k for k in spec.key)]))
            sql = (f"SELECT {', '.join(_q(c) for c in fetch)} FROM {_t(spec.name)}"
                   + (f" WHERE {' AND '.join(where)}" if where else ""))
        table = self._query(sql, params, manifest, pinned)
        if chunked:
            table = _unchunk(spec, table)
            if start is not None or end is not None:
                import pyarrow.compute as pc

                dates = table.column(date_col)
                keep = pc.and_kleene(
                    pc.greater_equal(dates, pa.scalar(pd.Timestamp(start or "1900-01-01"), dates.type)),
                    pc.less_equal(dates, pa.scalar(pd.Timestamp(end or "2262-01-01"), dates.type)))
                table = table.filter(keep)
            table = table.select(cols)  # already in key order: chunks by (ticker, year), sorted within
        else:
            # in key order, as the Parquet store returns them (Arrow sorts faster than the server)
            table = table.sort_by([(k, "ascending") for k in spec.key]).select(cols)
        return _canonical(spec, table, cols)

    def _query(self, sql: str, params: list[str], manifest: dict[str, Any], pinned: bool) -> pa.Table:
        """One SELECT as Arrow: in read_current's snapshot when inside one, else in a
        REPEATABLE READ transaction of its own that checks the generation a pinned read wants."""
        shared = getattr(self._tx, "cur", None)
        if shared is not None:  # inside read_current's snapshot (its _reading says what fails)
            shared.execute(sql, parameters=tuple(params) if params else None)
            return shared.fetch_arrow_table()

        def work(cur: Any) -> pa.Table:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            gen = self._generation(cur)
            if pinned and gen != int(manifest.get("generation", 0)):
                # the generation this read was pinned to is gone, as a collected file is
                raise FileNotFoundError(f"generation {manifest.get('generation')} superseded")
            cur.execute(sql, parameters=tuple(params) if params else None)
            return cur.fetch_arrow_table()

        return self._reading(work)

    # -- writing -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self) -> Iterator[PgWriter]:
        """The single writer: an advisory lock, then one transaction per commit."""
        with self._connection() as conn:
            cur = conn.cursor()
            waited = time.monotonic()
            while True:
                cur.execute("SELECT pg_try_advisory_lock($1)", parameters=(WRITER_LOCK,))
                if cur.fetchone()[0]:
                    break
                if time.monotonic() - waited > self.lock_timeout:
                    raise StoreError(f"another refresh is writing to {self.root}; waited "
                                     f"{self.lock_timeout:.0f}s for it to finish")
                time.sleep(0.2)
            conn.commit()
            try:
                if not self._schema_exists(cur):  # a first refresh by the database's owner
                    for stmt in ddl():
                        cur.execute(stmt)
                    conn.commit()
                w = PgWriter(self, conn)
                yield w
                w.commit()
            finally:
                with contextlib.suppress(Exception):
                    conn.rollback()
                cur.close()
            # closing the connection releases the lock (as a killed writer's does)


class PgWriter(Staging):
    """Stages upserts; :meth:`commit` writes them and moves the generation in one transaction."""

    def __init__(self, store: PgStore, conn: Any) -> None:
        super().__init__()
        self.store = store
        self.conn = conn

    def commit(self) -> None:
        if not self._pending and not self._replace:
            return
        cur = self.conn.cursor()
        try:
            for table, parts in self._pending.items():
                self._write(cur, model.TABLES[table], parts)
            cur.execute(f"UPDATE {_t('meta')} SET value = (value::bigint + 1)::text "
                        "WHERE key = 'generation'")
            self.conn.commit()
        except Exception as exc:
            with contextlib.suppress(Exception):
                self.conn.rollback()
            if isinstance(exc, StoreError):
                raise
            why = self.store._why(exc)
            if "permission denied" in why:
                why = (f"this connection may only read ({why[:120]}): refreshes run as a member "
                       f"of {WRITER_ROLE}")
            raise StoreError(f"store {self.store.root}: the refresh was not committed "
                             f"({why})") from None
        finally:
            cur.close()
        self._pending, self._replace = {}, {}

    def _write(self, cur: Any, spec: model.TableSpec, parts: list[pd.DataFrame]) -> None:
        key = list(spec.key)
        new = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        new = new.drop_duplicates(key, keep="last")
        if spec.name in CHUNKED:
            self._write_chunks(cur, spec, new)
            return
        touched = "\x1f".join(map(str, new[spec.key[0]].unique()))
        gone = self._replace.get(spec.name)
        if gone:
            cur.execute(f"DELETE FROM {_t(spec.name)} WHERE {_q(spec.key[0])} IN "
                        "(SELECT unnest(string_to_array($1, chr(31))))", parameters=("\x1f".join(gone),))
        stage = f"rr_stage_{spec.name}"
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_q(stage)} "
                    f"(LIKE {_t(spec.name)} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        cur.adbc_ingest(stage, _arrow(spec, new), mode="append", temporary=True)
        cols = ", ".join(_q(c) for c in spec.columns)
        # new rows win on the key: the stored rows they replace go first (a hash join), then one
        # plain INSERT (ON CONFLICT's per-row speculative insertion is several times slower)
        match = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in key)
        cur.execute(f"DELETE FROM {_t(spec.name)} AS t USING {_q(stage)} AS s WHERE {match}")
        cur.execute(f"INSERT INTO {_t(spec.name)} ({cols}) SELECT {cols} FROM {_q(stage)}")
        # the coverage of the tickers written (and of those a replace emptied)
        k, d = _q(spec.key[0]), _q(spec.key[1])
        names = "\x1f".join(sorted(set(touched.split("\x1f")) | (gone or set())))
        cur.execute(f"DELETE FROM {_t('coverage')} WHERE tbl = $1 AND ticker IN "
                    "(SELECT unnest(string_to_array($2, chr(31))))", parameters=(spec.name, names))
        cur.execute(f"INSERT INTO {_t('coverage')} (tbl, ticker, first, last, rows, source, fetched_at) "
                    f"SELECT $1, a.k, a.first, a.last, a.n, l.source, a.fetched "
                    f"FROM (SELECT {k} AS k, min({d}) AS first, max({d}) AS last, count(*) AS n, "
                    f"max({_q('fetched_at')}) AS fetched FROM {_t(spec.name)} "
                    f"WHERE {k} IN (SELECT unnest(string_to_array($2, chr(31)))) GROUP BY {k}) AS a "
                    f"JOIN (SELECT DISTINCT ON ({k}) {k} AS k, {_q('source')} AS source "
                    f"FROM {_t(spec.name)} WHERE {k} IN (SELECT unnest(string_to_array($2, chr(31)))) "
                    f"ORDER BY {k}, {d} DESC) AS l ON l.k = a.k",
                    parameters=(spec.name, names))


    def _write_chunks(self, cur: Any, spec: model.TableSpec, new: pd.DataFrame) -> None:
        """Upsert into yearly chunks: the stored chunks of the (ticker, year)s written are read,
        merged with the new rows (new rows win on the key), and written back whole."""
        chunks, k = _t(CHUNKED[spec.name]), _q(spec.key[0])
        gone = self._replace.get(spec.name) or set()
        if gone:
            cur.execute(f"DELETE FROM {chunks} WHERE {k} IN "
                        "(SELECT unnest(string_to_array($1, chr(31))))", parameters=("\x1f".join(gone),))
        years = pd.DatetimeIndex(new[spec.key[1]]).year
        keys = pa.table({"ticker": pa.array(new[spec.key[0]].astype(object), pa.string()),
                         "year": pa.array(years, pa.int32())}).group_by(["ticker", "year"]).aggregate([])
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS rr_chunk_keys (ticker text, year int) "
                    "ON COMMIT DELETE ROWS")
        cur.execute("DELETE FROM rr_chunk_keys")
        cur.adbc_ingest("rr_chunk_keys", keys, mode="append", temporary=True)
        cur.execute(f"DELETE FROM {chunks} AS c USING rr_chunk_keys AS n "
                    f"WHERE c.{k} = n.ticker AND c.year = n.year RETURNING c.{k}, c.layout, c.raw_size, c.chunk")
        old = cur.fetch_arrow_table()
        if old.num_rows:
            stored = _canonical(spec, _unchunk(spec, old), spec.column_names)
            new = pd.concat([stored, new[spec.column_names]], ignore_index=True)
            new = new.drop_duplicates(list(spec.key), keep="last")
        if len(new):
            cur.adbc_ingest(CHUNKED[spec.name], _chunks(spec, new), mode="append", db_schema_name=SCHEMA)
        names = "\x1f".join(sorted(set(keys.column("ticker").to_pylist()) | gone))
        cur.execute(f"DELETE FROM {_t('coverage')} WHERE tbl = $1 AND ticker IN "
                    "(SELECT unnest(string_to_array($2, chr(31))))", parameters=(spec.name, names))
        cur.execute(f"INSERT INTO {_t('coverage')} (tbl, ticker, first, last, rows, source, fetched_at) "
                    f"SELECT $1, {k}, min(first), max(last), sum(rows), "
                    f"(array_agg(source ORDER BY year DESC))[1], max(fetched_at) FROM {chunks} "
                    f"WHERE {k} IN (SELECT unnest(string_to_array($2, chr(31)))) GROUP BY {k}",
                    parameters=(spec.name, names))


#: the layout of a chunk: one Arrow record batch message of the table's columns but the ticker
#: (the types of :func:`_arrow`), compressed as an LZ4 frame (a third of the bytes: dates,
#: sources and fetch times repeat; read back at GB/s), its uncompressed size in ``raw_size``.
#: A chunk names its layout, so a later layout can still read this one.
CHUNK_LAYOUT = 1


def _chunk_schema(spec: model.TableSpec) -> pa.Schema:
    return pa.schema([f for f in _arrow(spec, model.empty(spec)).schema if f.name != spec.key[0]])


def _chunks(spec: model.TableSpec, frame: pd.DataFrame) -> pa.Table:
    """Rows of a chunked table as one row per (ticker, calendar year): the year's rows in date
    order as one Arrow record batch message (every column but the ticker; the schema is
    :data:`CHUNK_LAYOUT`'s, not repeated in each chunk), with first, last, rows, the source of
    the last row and the latest fetched_at beside it in SQL columns."""
    key, date_col = spec.key
    codes, names = pd.factorize(frame[key], sort=True)
    dates = frame[date_col].to_numpy("datetime64[ns]").view("int64")
    if len(frame) > 1 and not bool(np.all((codes[1:] > codes[:-1])
                                          | ((codes[1:] == codes[:-1]) & (dates[1:] > dates[:-1])))):
        order = np.lexsort((dates, codes))
        frame, codes, dates = frame.iloc[order], codes[order], dates[order]
    years = pd.DatetimeIndex(frame[date_col]).year.to_numpy()
    change = (codes[1:] != codes[:-1]) | (years[1:] != years[:-1])
    starts = np.concatenate([[0], change.nonzero()[0] + 1]).astype(np.int64)
    ends = np.append(starts[1:], len(frame))
    last = ends - 1
    body = _arrow(spec, frame).drop_columns([key]).combine_chunks()
    batch = body.to_batches()[0] if body.num_rows else None
    raw = [batch.slice(a, b - a).serialize() for a, b in zip(starts, ends, strict=True)] if batch else []
    blobs = [pa.compress(r, codec="lz4", asbytes=False) for r in raw]
    fetched = frame["fetched_at"].to_numpy("datetime64[ns]").view("int64")
    sizes = np.fromiter((b.size for b in blobs), np.int64, len(blobs))
    return pa.table({
        key: pa.array(np.asarray(names, dtype=object)[codes[starts]], pa.string()),
        "year": pa.array(years[starts], pa.int32()),
        "first": pa.array(dates[starts].view("datetime64[ns]").astype("datetime64[us]")),
        "last": pa.array(dates[last].view("datetime64[ns]").astype("datetime64[us]")),
        "rows": pa.array(ends - starts, pa.int32()),
        "source": body.column("source").take(pa.array(last)),
        "fetched_at": pa.array(np.maximum.reduceat(fetched, starts) // 1000 if len(starts) else [],
                               pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "layout": pa.array(np.full(len(starts), CHUNK_LAYOUT), pa.int16()),
        "raw_size": pa.array([r.size for r in raw], pa.int32()),
        # one buffer and its offsets: ADBC's COPY takes binary columns, not a list of buffers
        "chunk": pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), len(blobs),
            [None, pa.py_buffer(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)),
             pa.py_buffer(b"".join(blobs))]),
    }) if len(frame) else pa.table({})


def _unchunk(spec: model.TableSpec, result: pa.Table) -> pa.Table:
    """The rows of chunks read back (a result of ticker, layout and chunk columns), in chunk
    order, the ticker added back."""
    key = spec.key[0]
    schema = _chunk_schema(spec)
    if result.num_rows == 0:
        return schema.empty_table().add_column(0, pa.field(key, pa.string()), pa.array([], pa.string()))
    layouts = set(result.column("layout").to_pylist())
    if layouts != {CHUNK_LAYOUT}:
        raise StoreError(f"the store holds {spec.name} chunks of layout {sorted(layouts)}; this "
                         f"Rerating Desk reads layout {CHUNK_LAYOUT}: upgrade it on this machine")
    sizes = result.column("raw_size").to_pylist()
    chunks = (c.as_buffer() for part in result.column("chunk").chunks for c in part)
    batches = [pa.ipc.read_record_batch(pa.decompress(c, n, codec="lz4", asbytes=False), schema)
               for c, n in zip(chunks, sizes, strict=True)]
    rows = pa.Table.from_batches(batches, schema)
    counts = np.fromiter((b.num_rows for b in batches), np.int64, len(batches))
    # each chunk's ticker repeated over its rows: a take in Arrow, not 1.7 million Python strings
    ticker = result.column(key).combine_chunks().take(np.repeat(np.arange(len(counts)), counts))
    return rows.add_column(0, pa.field(key, pa.string()), ticker)


def _arrow(spec: model.TableSpec, frame: pd.DataFrame) -> pa.Table:
    """A frame as Arrow with the column types the tables have (timestamps in microseconds,
    PostgreSQL's precision)."""
    fields = []
    for c, d in spec.columns.items():
        t = {"str": pa.string(), "float64": pa.float64(), "datetime64[ns]": pa.timestamp("us"),
             "datetime64[ns, UTC]": pa.timestamp("us", tz="UTC")}[d]
        fields.append(pa.field(c, t))
    cols = {}
    for c, d in spec.columns.items():
        s = frame[c]
        if d == "str":  # conform made them str or missing: Arrow takes pandas' Arrow strings as they are
            cols[c] = pa.array(s, pa.string(), from_pandas=True)
        elif d.startswith("datetime"):
            cols[c] = pa.array(s.astype(d.replace("ns", "us")), fields[len(cols)].type)
        else:
            cols[c] = pa.array(s.to_numpy(dtype="float64"), pa.float64(), from_pandas=True)
    return pa.table(cols, schema=pa.schema(fields))


def _canonical(spec: model.TableSpec, table: pa.Table, cols: list[str]) -> pd.DataFrame:
    """Query results in the dtypes the Parquet store returns (nanoseconds, UTC, pandas str)."""
    frame = table.to_pandas()
    for c in cols:
        d = spec.columns[c]
        if d.startswith("datetime"):
            frame[c] = frame[c].astype(d)
        elif d == "str":
            frame[c] = frame[c].astype("str").where(frame[c].notna(), None)
        else:
            frame[c] = frame[c].astype("float64")
    return frame.reset_index(drop=True)


__all__ = ["PgStore", "PgWriter", "ddl", "is_url", "redact"]
