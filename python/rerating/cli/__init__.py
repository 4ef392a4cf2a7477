"""The ``rerating`` command, one module per command group, each thin: it parses its options,
calls ``rerating.services`` (or the library) and says what happened.

- ``root``: the group, the shared options, and :func:`main` (errors become one line).
- ``data``: ``data refresh|sync|status|export|import|universes|renames``.
- ``books``: ``demo``, ``model|comps|dashboard build``, ``refresh`` (a book), ``report``.
- ``store``: ``store init`` (PostgreSQL). ``addin``: the RR functions' hosts. ``serve``: the
  Office add-in's server. ``doctor``: where things are.
"""

from __future__ import annotations

from rerating.cli import addin, books, data, doctor, serve, store  # noqa: F401  (they register their commands)
from rerating.cli.root import cli, main, run

__all__ = ["cli", "main", "run"]
