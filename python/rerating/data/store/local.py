"""The local store: what was fetched, kept as Parquet files under one atomically swapped manifest.

Why Parquet + a manifest rather than SQLite or DuckDB: Excel functions read from many processes
while one CLI refresh writes. Immutable data files plus a manifest replaced with ``os.replace``
give readers a consistent snapshot without ever taking a lock, survive ``kill -9`` at any point
(the old manifest still names complete old files), and a columnar file loads 300 tickers x 20
years in tens of milliseconds (see ``benchmarks/bench_store.py``).

Layout of ``<data_dir>``::

    manifest.json          {"generation": n, "tables": {name: file}, "coverage": {...}}
    tables/<name>-<gen>-<token>.parquet   immutable once named in a manifest
    writer.lock            held by the one writer (filelock)
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from rerating.atomic import atomic_write_bytes, fsync_dir
from rerating.data import model
from rerating.errors import CacheMiss, StoreError

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
#: files no manifest names are deleted only when older than this, so a reader that read the
#: previous manifest a moment ago can still open the files it names
GC_GRACE_SECONDS = 120.0


@dataclass(frozen=True)
class Coverage:
    """What the store holds for one ticker of one table."""

    table: str
    ticker: str
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    rows: int
    source: str
    fetched_at: pd.Timestamp


class StoreBase:
    """What both backends share above their own manifest, table reads and writer: reading with
    corporate actions applied, requiring tickers, coverage, sources. A backend implements
    ``manifest()``, ``_read_table(...)``, ``writer()`` and ``exists()``, and names itself in
    ``root`` (a folder, or a database URL without its password)."""

    root: Any

    def manifest(self) -> dict[str, Any]:
        raise NotImplementedError

    def writer(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def _read_table(self, spec: model.TableSpec, manifest: dict[str, Any],
                    tickers: Iterable[str] | None, start: object, end: object,
                    columns: list[str] | None, pinned: bool = False) -> pd.DataFrame:
        raise NotImplementedError

    def read_current(self, table: str, tickers: Iterable[str]) -> tuple[pd.DataFrame, int]:
        """Rows of ``tickers`` from the latest commit, and that commit's generation: one
        snapshot, whatever commits meanwhile (the Excel-facing cache keeps one generation)."""
        manifest = self.manifest()
        return self.read(table, tickers, manifest=manifest), int(manifest.get("generation", 0))

    def read(self, table: str, tickers: Iterable[str] | None = None, *,
             start: object = None, end: object = None,
             columns: list[str] | None = None,
             manifest: dict[str, Any] | None = None, adjusted: bool = True) -> pd.DataFrame:
        """Rows of ``table`` (optionally for some tickers and a date window), canonical shape.

        An empty frame when the store holds nothing for them; see :meth:`require` for a miss
        that must be an error. ``manifest``: read the commit it describes (from
        :meth:`manifest`), so several reads see one generation. Prices from NSE's files are
        stored as traded and read on today's share basis (``rerating.data.actions``), like
        Yahoo's; ``adjusted=False`` reads them as traded.
        """
        spec = model.TABLES[table]
        pinned = manifest
        for attempt in range(3):
            manifest = pinned if pinned is not None else self.manifest()
            if table not in manifest["tables"]:
                return model.empty(spec)
            try:
                if table == "prices" and adjusted and "corporate_actions" in manifest["tables"]:
                    return self._read_adjusted(manifest, tickers, start, end, columns, pinned is not None)
                return self._read_table(spec, manifest, tickers, start, end, columns, pinned is not None)
            except FileNotFoundError:
                # The file was collected (a PostgreSQL generation superseded) between reading
                # the manifest and the data: a newer manifest names its replacement.
                if attempt == 2 or pinned is not None:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def _read_adjusted(self, manifest: dict[str, Any], tickers: Iterable[str] | None,
                       start: object, end: object, columns: list[str] | None,
                       pinned: bool = False) -> pd.DataFrame:
        from rerating.data.actions import adjust

        spec = model.PRICES

        def read(spec: model.TableSpec, tickers: Any, start: object, end: object,
                 columns: list[str] | None = None) -> pd.DataFrame:
            return self._read_table(spec, manifest, tickers, start, end, columns, pinned)

        wanted = columns
        if columns is not None:
            if not {"close", "adj_close"} & set(columns):
                return read(spec, tickers, start, end, columns)
            columns = list(dict.fromkeys([*columns, "ticker", "date", "source", "close",
                                          "adj_close"]))
        frame = read(spec, tickers, start, end, columns)
        traded = model.as_traded(frame["source"])
        if traded.any():
            names = frame.loc[traded, "ticker"].unique().tolist()
            acts = read(model.CORPORATE_ACTIONS, names, None, None)
            history = None
            if (start is not None or end is not None) and acts["dividend"].notna().any():
                # a dividend's previous close may lie outside the window asked for
                history = read(spec, acts.loc[acts["dividend"].notna(), "ticker"].unique(), None,
                               None, ["ticker", "date", "close", "source"])
                history = history[model.as_traded(history["source"])]
            frame = adjust(frame, acts, traded, history)
        return frame if wanted is None else frame[wanted]

    def require(self, table: str, tickers: Iterable[str], *, start: object = None,
                end: object = None, columns: list[str] | None = None) -> pd.DataFrame:
        """Like :meth:`read`, but raise :class:`CacheMiss` naming the tickers the store lacks."""
        wanted = list(dict.fromkeys(tickers))
        key = model.TABLES[table].key[0]
        if columns is not None and key not in columns:
            columns = [key, *columns]
        frame = self.read(table, wanted, start=start, end=end, columns=columns)
        missing = sorted(set(wanted) - set(frame[key].unique()))
        held = {c.ticker: c for c in self.coverage(table) if c.ticker in missing} if missing else {}
        for t in missing:  # held, but not in the window asked for: say which side
            c = held.get(t)
            if c is not None and end is not None and c.first is not None and c.first > pd.Timestamp(end):
                raise CacheMiss(f"{t}: the store's {table} start on {c.first.date()}, after "
                                f"{pd.Timestamp(end).date()}; choose a later as-of date")
            if c is not None and start is not None and c.last is not None and c.last < pd.Timestamp(start):
                raise CacheMiss(f"{t}: the store's {table} end on {c.last.date()}, before "
                                f"{pd.Timestamp(start).date()}; run `rerating data refresh`")
        if missing and table == "index_valuation":  # Yahoo publishes no index P/E history
            raise CacheMiss(f"the store at {self.root} holds no P/E-P/B history for "
                            f"{', '.join(missing[:10])}: for an NSE index run `rerating data "
                            "refresh --source nse --indices-only --years 12` (NSE's daily "
                            "all-indices files), or download its 'P/E, P/B & Div. Yield' "
                            "history from niftyindices.com and run `rerating data import "
                            "index-valuation FILE` (the demo indices come with `rerating data "
                            "refresh --source demo`)")
        if missing:
            raise CacheMiss(f"the store at {self.root} holds no {table} for "
                            f"{', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}; "
                            "run `rerating data refresh` for them")
        return frame

    def coverage(self, table: str | None = None) -> list[Coverage]:
        out = []
        for tname, per in sorted(self.manifest().get("coverage", {}).items()):
            if table is not None and tname != table:
                continue
            for ticker, c in sorted(per.items()):
                out.append(Coverage(tname, ticker,
                                    pd.Timestamp(c["first"]) if c.get("first") else None,
                                    pd.Timestamp(c["last"]) if c.get("last") else None,
                                    int(c["rows"]), c["source"], pd.Timestamp(c["fetched_at"])))
        return out

    def coverage_of(self, table: str, ticker: str) -> Coverage | None:
        """What the store holds of one ticker in ``table`` (None: nothing)."""
        return next((c for c in self.coverage(table) if c.ticker == ticker), None)

    def last_dates(self, table: str) -> dict[str, pd.Timestamp]:
        return {c.ticker: c.last for c in self.coverage(table) if c.last is not None}

    def sources(self, tickers: Iterable[str] | None = None) -> dict[str, str]:
        """The source label of each ticker's prices (what a cell showing them must cite)."""
        wanted = None if tickers is None else set(tickers)
        return {c.ticker: c.source for c in self.coverage("prices")
                if wanted is None or c.ticker in wanted}

    def upsert(self, table: str, frame: pd.DataFrame) -> None:
        """Merge ``frame`` into ``table`` (new rows win on the key) in one atomic commit."""
        with self.writer() as w:
            w.upsert(table, frame)


class Store(StoreBase):
    """Read and write canonical tables in ``root``. Readers never block; one writer at a time."""

    backend = "parquet"

    def __init__(self, root: str | os.PathLike[str], *, lock_timeout: float = 30.0) -> None:
        self.root = Path(root)
        self.tables_dir = self.root / "tables"
        self.lock_timeout = lock_timeout

    # -- reading -----------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": FORMAT_VERSION, "generation": 0, "tables": {}, "coverage": {}}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoreError(f"store manifest {path} is not valid JSON ({exc}); "
                             "it is only ever replaced atomically, so the file was edited "
                             "by hand or the disk is failing") from exc
        if data.get("version") != FORMAT_VERSION:
            raise StoreError(f"store {self.root} has format version {data.get('version')}, "
                             f"this Rerating Desk reads version {FORMAT_VERSION}")
        return data

    def exists(self) -> bool:
        return (self.root / MANIFEST).exists()

    def _read_table(self, spec: model.TableSpec, manifest: dict[str, Any],
                    tickers: Iterable[str] | None, start: object, end: object,
                    columns: list[str] | None, pinned: bool = False) -> pd.DataFrame:
        return self._read_file(spec, self.tables_dir / manifest["tables"][spec.name], tickers,
                               start, end, columns)

    def _read_file(self, spec: model.TableSpec, path: Path, tickers: Iterable[str] | None,
                   start: object, end: object, columns: list[str] | None = None) -> pd.DataFrame:
        key = spec.key[0]
        date_col = spec.key[1]
        flt = None
        if tickers is not None:
            flt = pads.field(key).isin(list(dict.fromkeys(tickers)))
        if start is not None:
            cond = pads.field(date_col) >= pa.scalar(pd.Timestamp(start), pa.timestamp("ns"))
            flt = cond if flt is None else flt & cond
        if end is not None:
            cond = pads.field(date_col) <= pa.scalar(pd.Timestamp(end), pa.timestamp("ns"))
            flt = cond if flt is None else flt & cond
        tbl = pq.read_table(path, filters=flt, columns=columns)
        frame = tbl.to_pandas()
        for col in frame.columns:
            if spec.columns[col] == "str" and str(frame[col].dtype) != "str":
                frame[col] = frame[col].astype("str").where(frame[col].notna(), None)
        return frame.reset_index(drop=True)

    # -- writing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self) -> Iterator[StoreWriter]:
        """The single writer: collects table upserts, publishes them in one manifest swap."""
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / "writer.lock"))
        try:
            lock.acquire(timeout=self.lock_timeout)
        except Timeout as exc:
            raise StoreError(f"another refresh is writing to {self.root}; waited "
                             f"{self.lock_timeout:.0f}s for it to finish") from exc
        try:
            # Temporary files belong to the writer holding the lock: any found now were left by
            # a writer that was killed, and no reader ever opens them. Remove them at once.
            self._sweep_temporary()
            w = StoreWriter(self)
            yield w
            w.commit()
        finally:
            lock.release()

    def _sweep_temporary(self) -> int:
        """Delete the temporary files of killed writers (call only while holding the lock)."""
        removed = 0
        for tmp in [*self.tables_dir.glob(".*.tmp"), *self.root.glob(f".{MANIFEST}.*.tmp")]:
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed += 1
        return removed

    def collect_garbage(self, keep: set[str], *, grace: float = GC_GRACE_SECONDS) -> int:
        """Delete data files no manifest names once older than ``grace`` (a reader that read
        the previous manifest a moment ago may still open them)."""
        removed = 0
        now = time.time()
        for path in self.tables_dir.glob("*"):
            if path.name in keep or path.name.startswith("."):
                continue
            try:
                if now - path.stat().st_mtime < grace:
                    continue
                path.unlink()
                removed += 1
            except (FileNotFoundError, PermissionError):  # gone, or open on Windows: next time
                continue
        return removed


class Staging:
    """What both backends' writers share: upserts staged per table until the commit."""

    def __init__(self) -> None:
        self._pending: dict[str, list[pd.DataFrame]] = {}
        self._replace: dict[str, set[str]] = {}

    def upsert(self, table: str, frame: pd.DataFrame, *, replace: bool = False) -> None:
        """Stage ``frame``; rows whose key is already stored replace the stored rows. With
        ``replace``, every stored row of the frame's tickers goes (a re-based history)."""
        spec = model.TABLES[table]
        if frame.empty:
            return
        conformed = model.conform(spec, frame)
        if replace:
            self._replace.setdefault(table, set()).update(conformed[spec.key[0]].unique())
        self._pending.setdefault(table, []).append(conformed)


class StoreWriter(Staging):
    """Stages upserts; :meth:`commit` writes new immutable files, then swaps the manifest."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.base = store.manifest()
        self.staged: dict[str, pd.DataFrame] = {}

    def current(self, table: str) -> pd.DataFrame:
        if table in self.staged:
            return self.staged[table]
        return self.store.read(table)

    def _merge(self) -> None:
        for table, parts in self._pending.items():
            spec = model.TABLES[table]
            key = list(spec.key)
            new = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
            new = new.drop_duplicates(key, keep="last")
            old = self.current(table)
            gone = self._replace.get(table)
            if gone:
                old = old[~old[spec.key[0]].isin(gone)]
            if old.empty:
                merged = new
            else:
                # Only the tickers being written can have superseded rows: hash just those.
                touched = old[spec.key[0]].isin(new[spec.key[0]].unique()).to_numpy()
                mixed = pd.concat([old[touched], new], ignore_index=True)
                mixed = mixed.drop_duplicates(key, keep="last")
                merged = pd.concat([old[~touched], mixed], ignore_index=True)
            self.staged[table] = merged.sort_values(key, kind="stable").reset_index(drop=True)
        self._pending = {}
        self._replace = {}

    def commit(self) -> None:
        self._merge()
        if not self.staged:
            return
        store = self.store
        gen = int(self.base.get("generation", 0)) + 1
        tables = dict(self.base.get("tables", {}))
        coverage = dict(self.base.get("coverage", {}))
        for table, frame in self.staged.items():
            name = f"{table}-{gen:06d}-{secrets.token_hex(4)}.parquet"
            final = store.tables_dir / name
            tmp = store.tables_dir / f".{name}.tmp"
            arrow = pa.Table.from_pandas(frame, preserve_index=False)
            pq.write_table(arrow, tmp, row_group_size=256_000, compression="zstd")
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, final)
            tables[table] = name
            coverage[table] = _coverage_of(model.TABLES[table], frame)
        fsync_dir(store.tables_dir)
        manifest = {"version": FORMAT_VERSION, "generation": gen, "tables": tables,
                    "coverage": coverage,
                    "committed_at": pd.Timestamp.now(tz="UTC").isoformat()}
        atomic_write_bytes(store.root / MANIFEST,
                           json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8"))
        keep = set(tables.values()) | set(self.base.get("tables", {}).values())
        store.collect_garbage(keep)
        self.base = manifest
        self.staged = {}


def _coverage_of(spec: model.TableSpec, frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    key, date_col = spec.key[0], spec.key[1]
    if frame.empty:
        return {}
    g = frame.groupby(key, sort=True)
    agg = pd.DataFrame({
        "first": g[date_col].min(), "last": g[date_col].max(), "rows": g.size(),
        "source": g["source"].last(), "fetched_at": g["fetched_at"].max(),
    })
    # Column-wise, not iterrows: a bhavcopy import touches 2,000 tickers in one commit.
    first = agg["first"].dt.strftime("%Y-%m-%d").tolist()
    last = agg["last"].dt.strftime("%Y-%m-%d").tolist()
    fetched = [pd.Timestamp(x).isoformat() for x in agg["fetched_at"].tolist()]
    return {
        str(t): {"first": f, "last": la, "rows": int(n), "source": str(s), "fetched_at": fa}
        for t, f, la, n, s, fa in zip(agg.index, first, last, agg["rows"].tolist(),
                                      agg["source"].tolist(), fetched, strict=True)
    }
