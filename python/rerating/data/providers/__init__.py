"""Data providers: each turns a query into canonical tables (see ``base.Provider``).

A new source is one new module here and nothing else changes.
"""

from __future__ import annotations

from rerating.data.providers.base import Provider, Query

__all__ = ["Provider", "Query", "get_provider"]


def get_provider(name: str, **kwargs: object) -> Provider:
    """The provider called ``name`` (``demo`` or ``yahoo``)."""
    from rerating.errors import InputError

    if name == "demo":
        from rerating.data.providers.demo import DemoProvider

        return DemoProvider(**kwargs)  # type: ignore[arg-type]
    if name == "yahoo":
        from rerating.data.providers.yahoo import YahooProvider

        return YahooProvider(**kwargs)  # type: ignore[arg-type]
    raise InputError(f"source {name!r} is not a provider; valid: 'demo', 'yahoo' "
                     "(files are brought in with `rerating data import`)")
