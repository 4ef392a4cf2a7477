"""Which store a command reads and writes: the one place that chooses between the backends,
above both (the local Parquet store in ``store.py``, a desk's PostgreSQL in ``pgstore.py``),
so that neither imports the other."""

from __future__ import annotations

from typing import Any

from rerating.data.pgstore import PgStore, is_url
from rerating.data.store import Store, StoreBase
from rerating.errors import StoreError


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
