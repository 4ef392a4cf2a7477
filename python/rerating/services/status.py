"""What the store holds, in one record: the task pane's store line (``rerating serve``'s
``/api/status``) and the same facts ``rerating doctor`` and ``data status`` say."""

from __future__ import annotations

from dataclasses import dataclass

from rerating.data import model
from rerating.data.store import open_store
from rerating.services.refresh import label, where
from rerating.settings import Settings


@dataclass(frozen=True)
class StoreStatus:
    backend: str              # "local" (Parquet files) or "postgresql" (a desk's shared store)
    where: str                # the folder, or the database's URL without its password
    generation: int | None    # moves once per refresh that committed; None when empty
    tickers: int              # tickers with prices
    as_of: str | None         # the last stored session (YYYY-MM-DD)
    sources: tuple[str, ...]  # the prices' sources, as every line shows them
    synthetic: bool           # any of it from the SYNTHETIC demo market

    def as_dict(self) -> dict[str, object]:
        return {"backend": self.backend, "where": self.where, "generation": self.generation,
                "tickers": self.tickers, "as_of": self.as_of, "sources": list(self.sources),
                "synthetic": self.synthetic}


def store_status(settings: Settings) -> StoreStatus:
    store = open_store(settings)
    backend = "postgresql" if settings.store_url else "local"
    if not store.exists():
        return StoreStatus(backend, where(settings), None, 0, None, (), False)
    cov = store.coverage("prices")
    lasts = [c.last for c in cov if c.last is not None]
    raw = sorted({c.source for c in cov})
    return StoreStatus(backend, where(settings), int(store.manifest()["generation"]), len(cov),
                       f"{max(lasts):%Y-%m-%d}" if lasts else None, tuple(label(s) for s in raw),
                       any(model.is_synthetic(s) for s in raw))
