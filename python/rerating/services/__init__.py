"""The work the command line and ``rerating serve`` start, as plain functions: typed arguments
and results, no click and no printing.

- ``refresh``: which source each ticker comes from, and refreshing the store from it (Yahoo,
  NSE's daily files, the synthetic demo market).
- ``subjects``: what a command is about: a ``--market`` preset, the rally's indices and
  universes, a ticker or universe the store does not know, the as-of date asked for.
- ``books``: the store made ready for a book (a fetch first, when asked), and the books, the
  report and the demo built from it.
- ``status``: what the store holds, as the task pane and ``rerating doctor`` show it.

What a user should be told on the way (a plan, a failed ticker, a note) goes to a
:class:`~rerating.services.notes.Notes`: the command line prints it, the server keeps it.
Errors are exceptions (``rerating.errors``), as everywhere in the core.
"""
