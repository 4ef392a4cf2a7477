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
- **SQL from constants and bound parameters only**: table and column names come from
  :data:`rerating.data.model.TABLES`; tickers, dates and values are always parameters.
- **Credentials never leak**: a password in the URL is replaced by ``***`` in every message
  (:func:`redact`); libpq's usual places (``PGPASSWORD``, ``~/.pgpass``, a service file) work
  because the URL is passed to libpq as it is.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import pyarrow as pa

from rerating.data import model
from rerating.data.store import Staging, StoreBase
from rerating.errors import StoreError

SCHEMA = "rerating"
SCHEMA_VERSION = 1
#: the advisory lock of the one writer (any constant; "RRDESK" in ASCII)
WRITER_LOCK = 0x525244455348
_TYPES = {"str": "text", "float64": "double precision", "datetime64[ns]": "timestamp",
          "datetime64[ns, UTC]": "timestamptz"}


def is_url(text: str | None) -> bool:
    return bool(text) and str(text).split(":", 1)[0].lower() in ("postgresql", "postgres")


def redact(url: str) -> str:
    """``url`` without its password (``postgresql://u:***@host/db``), as every message says it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


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
        cols = ", ".join(f"{_q(c)} {_TYPES[d]}" for c, d in spec.columns.items())
        key = ", ".join(_q(k) for k in spec.key)
        out.append(f"CREATE TABLE IF NOT EXISTS {_t(spec.name)} ({cols}, PRIMARY KEY ({key}))")
    out.append(f"INSERT INTO {_t('meta')} VALUES ('schema_version', '{SCHEMA_VERSION}'), "
               "('generation', '0') ON CONFLICT (key) DO NOTHING")
    # a migration: what an older schema lacks was created above; then the version moves
    out.append(f"UPDATE {_t('meta')} SET value = '{SCHEMA_VERSION}' WHERE key = 'schema_version' "
               f"AND value::int < {SCHEMA_VERSION}")
    return out


#: the two roles ``rerating store init`` creates (group roles: a DBA grants them to logins)
WRITER_ROLE, ANALYST_ROLE = "rerating_writer", "rerating_analyst"


def role_sql() -> list[str]:
    """The writer (the desk's scheduled refresh) and the read-only analyst role, and what each
    may do; idempotent, so ``store init`` can be run again after an upgrade."""
    tables = ", ".join(_t(n) for n in ("meta", "coverage", *model.TABLES))
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
        password = urlsplit(self.url).password
        if password:
            text = text.replace(password, "***")
        # libpq's own words, without the driver's wrapping and the statement it ran
        said = re.search(r"(?:ERROR|FATAL):\s*(.*?)(?:\s+(?:Query was:|DETAIL:|HINT:|CONTEXT:)|$)", text)
        if said:
            text = said.group(1)
        if re.search(r'(database|role) "[^"]*" does not exist', text):
            return f"no such database or role ({text[:200]})"
        for hint, said in (("password authentication failed", "wrong user or password"),
                           ("Connection refused", "the server is not running or not reachable"),
                           ("could not translate host name", "unknown host"),
                           ("timeout", "the server did not answer in time")):
            if hint in text:
                return f"{said} ({text[:200]})"
        return text[:300]

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        import adbc_driver_postgresql.dbapi as pg

        try:
            conn = pg.connect(self.url)
        except Exception as exc:  # the driver's error carries libpq's words; never the password
            raise StoreError(f"store {self.root} unreachable: {self._why(exc)}") from None
        try:
            yield conn
        finally:
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
                conn.commit()
            except Exception as exc:
                raise StoreError(f"store {self.root}: could not create the schema "
                                 f"({self._why(exc)}); run it as the database's owner, or "
                                 "give the SQL of `rerating store init --print-sql` to a DBA") from None

    # -- reading -------------------------------------------------------------------------------
    def exists(self) -> bool:
        return int(self.manifest().get("generation", 0)) > 0

    def manifest(self) -> dict[str, Any]:
        try:
            with self._connection() as conn, conn.cursor() as cur:
                manifest = self._manifest_in(cur)
                conn.rollback()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"store {self.root}: {self._why(exc)}") from None
        return manifest

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
                   "up to date (it creates what is missing and keeps every row)"
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
        with self._connection() as conn, conn.cursor() as cur:
            if not self._schema_exists(cur):
                return {}
            cur.execute(f"SELECT tbl, ticker, first, last, rows, source, fetched_at "
                        f"FROM {_t('coverage')} ORDER BY tbl, ticker")
            frame = cur.fetch_arrow_table().to_pandas()
            conn.rollback()
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
        try:
            with self._connection() as conn, conn.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                manifest = self._manifest_in(cur)
                gen = int(manifest["generation"])
                self._tx.cur = cur
                try:
                    frame = self.read(table, tickers, manifest=manifest)
                finally:
                    self._tx.cur = None
                conn.rollback()
        except (FileNotFoundError, StoreError):
            raise
        except Exception as exc:
            raise StoreError(f"store {self.root}: {self._why(exc)}") from None
        return frame, gen

    def _read_table(self, spec: model.TableSpec, manifest: dict[str, Any],
                    tickers: Iterable[str] | None, start: object, end: object,
                    columns: list[str] | None, pinned: bool) -> pd.DataFrame:
        cols = list(columns) if columns is not None else spec.column_names
        key, date_col = spec.key[0], spec.key[1]
        where, params = [], []
        if tickers is not None:
            names = list(dict.fromkeys(tickers))
            if not names:
                return model.empty(spec)[cols]
            where.append(f"{_q(key)} IN (SELECT unnest(string_to_array(${len(params) + 1}, chr(31))))")
            params.append("\x1f".join(names))
        if start is not None:
            where.append(f"{_q(date_col)} >= ${len(params) + 1}::timestamp")
            params.append(pd.Timestamp(start).isoformat())
        if end is not None:
            where.append(f"{_q(date_col)} <= ${len(params) + 1}::timestamp")
            params.append(pd.Timestamp(end).isoformat())
        fetch = list(dict.fromkeys([*cols, *(k for k in spec.key)]))
        sql = (f"SELECT {', '.join(_q(c) for c in fetch)} FROM {_t(spec.name)}"
               + (f" WHERE {' AND '.join(where)}" if where else ""))
        try:
            shared = getattr(self._tx, "cur", None)
            if shared is not None:  # inside read_current's snapshot
                shared.execute(sql, parameters=tuple(params) if params else None)
                table = shared.fetch_arrow_table()
            else:
                with self._connection() as conn, conn.cursor() as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    gen = self._generation(cur)
                    if pinned and gen != int(manifest.get("generation", 0)):
                        # the generation this read was pinned to is gone, as a collected file is
                        raise FileNotFoundError(f"generation {manifest.get('generation')} superseded")
                    cur.execute(sql, parameters=tuple(params) if params else None)
                    table = cur.fetch_arrow_table()
                    conn.rollback()
        except (FileNotFoundError, StoreError):
            raise
        except Exception as exc:
            raise StoreError(f"store {self.root}: {self._why(exc)}") from None
        # in key order, as the Parquet store returns them (Arrow sorts faster than the server)
        table = table.sort_by([(k, "ascending") for k in spec.key]).select(cols)
        return _canonical(spec, table, cols)

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
        if d == "str":  # conform made them str or missing: Arrow converts them in one pass
            cols[c] = pa.array(s.astype(object).where(s.notna(), None), pa.string(), from_pandas=True)
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
