"""Copy a desk's shared store into the local one (``rerating data sync --from URL``), so an
analyst can travel and keep working offline.

Only what changed since the last sync is copied: for each table, the tickers whose coverage
(rows, first and last day, source, fetch time) differs between the two stores are read from the
desk's store and replace the local rows of those tickers, in one local commit. Tickers the
local store holds and the desk's does not (a local import) are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rerating.data import model
from rerating.data.store.local import StoreBase


@dataclass
class SyncReport:
    source: str
    #: table -> tickers copied (changed or new since the last sync)
    copied: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    generation: int = 0


def _key(c) -> tuple:  # type: ignore[no-untyped-def]
    return (c.rows, c.first, c.last, c.source, c.fetched_at)


def sync(src: StoreBase, dst: StoreBase, batch: int = 500) -> SyncReport:
    """Bring ``dst`` up to ``src`` for every ticker ``src`` holds (one commit in ``dst``)."""
    manifest = src.manifest()
    report = SyncReport(str(src.root), generation=int(manifest.get("generation", 0)))
    theirs = src.coverage()
    ours = {(c.table, c.ticker): _key(c) for c in dst.coverage()}
    changed: dict[str, list[str]] = {}
    for c in theirs:
        if ours.get((c.table, c.ticker)) != _key(c):
            changed.setdefault(c.table, []).append(c.ticker)
        else:
            report.unchanged[c.table] = report.unchanged.get(c.table, 0) + 1
    if not changed:
        return report
    with dst.writer() as w:
        for table, names in changed.items():
            if table not in model.TABLES:
                continue
            for i in range(0, len(names), batch):
                part = names[i:i + batch]
                # as stored (NSE's as-traded closes stay as traded; reads adjust them)
                frame = src.read(table, part, adjusted=False)
                w.upsert(table, frame, replace=True)
                report.rows[table] = report.rows.get(table, 0) + len(frame)
            report.copied[table] = len(names)
    return report


__all__ = ["SyncReport", "sync"]
