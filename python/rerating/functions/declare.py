"""Declaring an RR_ function: the ``udf`` decorator records its name, group, arguments' help,
example and what it returns, and wraps it so that no exception reaches a cell
(``values.guard``). It knows no host and no function: ``library.py`` declares the functions
with it, and ``registry.py`` (which loads the library) is where every host reads them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rerating.functions import values

CATEGORY = "Rerating Desk"


@dataclass(frozen=True)
class UdfSpec:
    name: str
    group: str
    summary: str
    args: dict[str, str]
    example: str
    returns: str
    defaults: dict[str, Any] = field(default_factory=dict)
    #: the function builds its table cell-ready (``values.table(..., blank="")``): a host may
    #: hand it over as it is (xlwings' ``ret("raw")``)
    raw: bool = False


_REGISTRY: dict[str, UdfSpec] = {}
_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def udf(group: str, example: str, returns: str, raw: bool = False,
        **arg_docs: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an RR_ function: its help text, and a guard so no exception reaches a cell.

    ``raw=True`` is for tables the function already builds cell-ready with
    ``values.table(..., blank="")``: the xlwings host then hands them to Excel as they are
    instead of visiting every cell again (about 1 µs a cell, 3 ms on a 300-ticker table).
    """

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(fn)
        missing = set(sig.parameters) - set(arg_docs)
        if missing:
            raise TypeError(f"{fn.__name__}: no help text for {sorted(missing)}")
        summary = (inspect.getdoc(fn) or "").split("\n\n")[0].replace("\n", " ")
        defaults = {k: p.default for k, p in sig.parameters.items()
                    if p.default is not inspect.Parameter.empty}
        _REGISTRY[fn.__name__] = UdfSpec(fn.__name__, group, summary, dict(arg_docs), example,
                                        returns, defaults, raw)
        guarded = values.guard(fn)
        _FUNCTIONS[fn.__name__] = guarded
        return guarded

    return deco
