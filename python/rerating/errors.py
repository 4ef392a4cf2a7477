"""The exception hierarchy of Rerating Desk.

The core raises these; only ``functions/values.py`` (for cells) and ``cli/root.py`` (for terminals) turn them
into text for humans. Every message names the input, its value, and what would be valid.
"""

from __future__ import annotations

from collections.abc import Mapping


class RerateError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(RerateError, ValueError):
    """An argument has a value the calculation cannot use (the formula has no meaning there)."""


class UnknownTicker(RerateError, LookupError):
    """A ticker is not known to the data source or the store."""

    def __init__(self, ticker: str, source: str | None = None, hint: str = "") -> None:
        self.ticker = ticker
        self.source = source
        where = f" in source {source!r}" if source else ""
        super().__init__(f"unknown ticker {ticker}{where}{'; ' + hint if hint else ''}")


class ProviderError(RerateError):
    """A data source failed. ``failures`` maps each failed ticker to the reason."""

    def __init__(self, message: str, failures: Mapping[str, str] | None = None,
                 partial: object = None) -> None:
        self.failures: dict[str, str] = dict(failures or {})
        #: what did arrive before the failure (a canonical table), so a refresh can keep it
        self.partial = partial
        if self.failures:
            listed = "; ".join(f"{t}: {why}" for t, why in sorted(self.failures.items()))
            message = f"{message} ({len(self.failures)} failed: {listed})"
        super().__init__(message)


class RateLimited(ProviderError):
    """The data source refused because too many requests were made (HTTP 429)."""


class NetworkError(ProviderError):
    """The data source could not be reached (DNS, connection refused, timeout)."""


class CacheMiss(RerateError, LookupError):
    """Offline mode: the store does not hold what was asked, and the network may not be used."""


class StaleData(RerateError):
    """The store holds data, but older than the caller accepts."""


class StoreError(RerateError):
    """The local store is unreadable, locked by another writer, or inconsistent."""


class StoreUnreachable(StoreError):
    """A desk's shared store (a database server) does not answer: no input is wrong, so the
    command line exits 1, as for a source that cannot be reached."""


class WorkbookError(RerateError):
    """A workbook cannot be built or refreshed (locked, unreadable, not one of our templates)."""
