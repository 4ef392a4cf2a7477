"""Where data is kept: the store contract and its two backends, and the one place that chooses
between them. ``local.py`` is the local store (Parquet files under one atomically replaced
manifest, the contract ``StoreBase`` and the staging both backends share); ``postgres.py`` is
a desk's shared store on PostgreSQL; ``sync.py`` copies the desk's store into the local one.
Where data comes from is ``rerating.data.providers`` and the importers beside it.

:func:`open_store` sits above both backends, so that neither imports the other.
"""

from __future__ import annotations

from typing import Any

from rerating.data.store.local import MANIFEST, Staging, Store, StoreBase, StoreWriter
from rerating.data.store.postgres import PgStore, is_url
from rerating.errors import StoreError

__all__ = ["MANIFEST", "PgStore", "Staging", "Store", "StoreBase", "StoreWriter", "open_store"]


def open_store(settings: Any, *, lock_timeout: float = 30.0) -> StoreBase:
    """The store ``settings`` name: the desk's PostgreSQL database when ``store_url`` is set
    (``RERATING_STORE`` / ``--store``), else the local Parquet store in ``data_dir``."""
    url = getattr(settings, "store_url", None)
    if url:
        if not is_url(url):
            raise StoreError(f"store {url!r} is not a postgresql://… URL (unset RERATING_STORE "
                             "for the local store)")
        return PgStore(url, lock_timeout=lock_timeout)
    return Store(settings.data_dir, lock_timeout=lock_timeout)
