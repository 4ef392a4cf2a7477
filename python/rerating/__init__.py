"""Rerating Desk: analytics, data and workbook tooling for equity analysts covering Indian stocks.

The package is organised in rooms (see python/ARCHITECTURE.md): ``analytics`` (pure numbers), ``data``
(model, providers, store), ``workbooks``, ``reports``, and the edges ``udfs``/``excel``/``cli``.
"""

from __future__ import annotations

__version__ = "0.1.0"
