"""Data providers: each turns a query into canonical tables (see ``base.Provider``).

A new source is one new module here plus one line in :data:`PROVIDERS`; the CLI's ``--source``
choices and :func:`get_provider` read that registry, and ``tests/data/test_provider_contract.py``
runs every registered provider through the same contract.
"""

from __future__ import annotations

import importlib

from rerating.data.providers.base import Provider, Query

__all__ = ["PROVIDERS", "SOURCE_NAMES", "Provider", "Query", "get_provider", "is_demo_ticker"]

#: name -> "module:class" of every live or synthetic source (files come in through
#: ``rerating data import``, not a provider)
PROVIDERS: dict[str, str] = {
    "demo": "rerating.data.providers.demo:DemoProvider",
    "yahoo": "rerating.data.providers.yahoo:YahooProvider",
    "nse": "rerating.data.providers.nse:NSEProvider",
}


#: how a message names each source
SOURCE_NAMES: dict[str, str] = {"yahoo": "Yahoo Finance", "demo": "the demo market",
                                 "nse": "NSE's archive"}


def is_demo_ticker(ticker: str) -> bool:
    """A ticker of the synthetic demo market (only the demo source knows it)."""
    return ticker.strip().upper().endswith(".DEMO")


def get_provider(name: str, **kwargs: object) -> Provider:
    """The provider called ``name`` (a key of :data:`PROVIDERS`)."""
    from rerating.errors import InputError

    if name not in PROVIDERS:
        raise InputError(f"source {name!r} is not a provider; valid: "
                         f"{', '.join(repr(p) for p in PROVIDERS)} (files are brought in with "
                         "`rerating data import`)")
    module, cls = PROVIDERS[name].split(":")
    return getattr(importlib.import_module(module), cls)(**kwargs)  # type: ignore[no-any-return]
