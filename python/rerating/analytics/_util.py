"""Shared plumbing of the analytics modules: broadcasting and input checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rerating.errors import InputError


def arr(x: Any, name: str) -> np.ndarray:
    """``x`` as a float array, or an :class:`InputError` naming the argument."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} {x!r} is not a number") from exc
    return a


def wrap(result: np.ndarray, *inputs: Any) -> Any:
    """A float when every input was a scalar; a Series when one was; else the array."""
    for x in inputs:
        if isinstance(x, pd.Series) and np.ndim(result) == 1 and len(x) == len(result):
            return pd.Series(result, index=x.index, name=getattr(x, "name", None))
    if np.ndim(result) == 0:
        return float(result)
    return result


def fmt(v: np.ndarray | float) -> str:
    return f"{float(v):.6g}"


def first_bad(mask: np.ndarray, *values: np.ndarray) -> tuple[float, ...]:
    """The first offending element of each array where ``mask`` is true (broadcast)."""
    b = np.broadcast_arrays(mask, *values)
    i = np.flatnonzero(b[0].ravel())[0]
    return tuple(float(v.ravel()[i]) for v in b[1:])


def require_finite(x: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(x)):
        raise InputError(f"{name} has a blank or non-finite value; every {name} must be a number")
