"""The one registry of RR_ functions: what each is called, its group, its arguments and their
help, its example and what it returns. Every host is built from it: the xlwings host (Windows
Excel), the Calc host (LibreOffice) and the web host (the Office add-in, through ``rerating
serve``); so are addin/FUNCTIONS.md and the add-in's functions metadata.

The functions are declared in ``library.py`` with ``declare.udf``, which records them; this
module loads the library, so the registry it answers from is always whole. Data flows one way:
registry -> library -> declare, never back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rerating.functions.library  # noqa: F401  (declares every function)
from rerating.functions.declare import _FUNCTIONS, _REGISTRY, CATEGORY, UdfSpec, udf

__all__ = ["CATEGORY", "REGISTRY", "UdfSpec", "functions", "specs", "udf"]

#: every function's entry, in the order they are declared
REGISTRY = _REGISTRY


def functions() -> dict[str, Callable[..., Any]]:
    """Every RR_ function by name (guarded: errors come back as cell text)."""
    return dict(_FUNCTIONS)


def specs() -> dict[str, UdfSpec]:
    """Every RR_ function's entry in the registry, in the order they are declared."""
    return dict(_REGISTRY)
