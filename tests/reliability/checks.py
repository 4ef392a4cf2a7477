"""What must hold of the store after any fault, kill or concurrent write."""

from __future__ import annotations

import json

import numpy as np

from rerating.data import model
from rerating.data.store import MANIFEST, Store


def assert_sound(store: Store, *, killed: bool = False) -> int:
    """What must hold after any fault: readable, unique keys, coverage = data, no temp files.

    ``killed``: a writer was just killed, so its temporary files may still lie there (the next
    writer removes them); return how many, instead of failing on them."""
    manifest = json.loads((store.root / MANIFEST).read_text(encoding="utf-8"))
    for table, name in manifest["tables"].items():
        assert (store.tables_dir / name).exists(), name
        frame = store.read(table)
        spec = model.TABLES[table]
        assert not frame.duplicated(list(spec.key)).any(), table
        assert frame["source"].notna().all() and frame["fetched_at"].notna().all(), table
        cov = manifest["coverage"][table]
        counts = frame.groupby(spec.key[0]).size()
        assert {t: c["rows"] for t, c in cov.items()} == counts.to_dict(), table
        assert {t: c["last"] for t, c in cov.items()} == \
            frame.groupby(spec.key[0])[spec.key[1]].max().dt.strftime("%Y-%m-%d").to_dict(), table
    px = store.read("prices")
    assert np.isfinite(px["close"]).all() and (px["close"] > 0).all()
    assert np.isfinite(px["adj_close"]).all()
    leftovers = [p.name for p in [*store.tables_dir.iterdir(), *store.root.iterdir()]
                 if p.name.endswith(".tmp")]
    assert killed or leftovers == [], leftovers
    return len(leftovers)
