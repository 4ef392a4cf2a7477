"""Rerating Desk: analytics, data and workbook tooling for equity analysts covering Indian stocks.

The package is organised in rooms (see python/ARCHITECTURE.md): ``analytics`` (pure numbers), ``data``
(model, providers, store), ``workbooks``, ``reports``, ``services`` (the work commands start), and
the edges ``functions`` (one registry, three hosts), ``cli`` and ``server``.
"""

from __future__ import annotations

__version__ = "0.1.0"
