"""The web host: the RR_ functions over HTTP, for the Office add-in (Excel on Windows, Mac and the
web) through ``rerating serve``.

What arrives is JSON, as Office's custom functions hand it over: numbers (dates as Excel serial
days), strings, booleans, ``null`` for an argument left out, and every argument as a matrix
(``[[...]]``: the add-in declares each one a range, so that a ticker range stays one call). What
goes back is JSON too: each result a matrix of plain cells (dates as serial days, blanks as
``""``), or an error with Excel's code and the very text the other hosts put in the cell
(``#VALUE! growth 0.15 is not below cost of equity 0.12``).

Nothing here knows HTTP: :func:`run_batch` takes the request's parsed JSON and gives the
answer's; the server (``rerating.server``) adds transport, security and limits.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from rerating.errors import InputError
from rerating.functions.registry import functions, specs

_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()  # Excel's day 0
#: Excel's error codes the add-in maps to ``CustomFunctions.ErrorCode``; ours (``#ERR``, a bug
#: logged for ``rerating doctor``) shows as ``#VALUE!`` with its own text
CODES = ("#VALUE!", "#N/A", "#NUM!", "#DIV/0!", "#REF!", "#NAME?", "#NULL!")
_NAME = re.compile(r"RR_[A-Z0-9_]{1,40}")


@dataclass(frozen=True)
class Limits:
    """What one request may ask (the server answers 413 or a per-call error beyond them)."""

    calls: int = 10_000
    cells: int = 1_000_000  # argument cells in one request
    call_seconds: float = 120.0


class BadRequest(InputError):
    """The request itself is malformed (not one call in it): the server answers 400."""


def _cell_in(v: Any, where: str) -> Any:
    if v is None or isinstance(v, str | bool):
        return v
    if isinstance(v, int | float):
        f = float(v)
        if not math.isfinite(f):
            raise BadRequest(f"{where}: a number must be finite")
        return f
    raise BadRequest(f"{where}: a cell is a number, text, true/false or null, not {type(v).__name__}")


def _arg_in(v: Any, where: str) -> tuple[Any, int]:
    """One argument as the RR_ functions take it (a scalar, or a list of rows), and its cells."""
    if isinstance(v, list):
        rows = []
        for i, row in enumerate(v):
            if not isinstance(row, list):
                raise BadRequest(f"{where}: a range is a list of rows (row {i + 1} is not a list)")
            rows.append([_cell_in(c, where) for c in row])
        n = sum(len(r) for r in rows)
        if len(rows) == 1 and len(rows[0]) == 1:  # a single cell: its value, as Excel gives it
            return rows[0][0], 1
        return rows, n
    return _cell_in(v, where), 1


def _cell_out(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool | str):
        return v
    if isinstance(v, dt.datetime):
        return (v.toordinal() - _EPOCH_ORDINAL
                + (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400.0)
    if isinstance(v, dt.date):
        return float(v.toordinal() - _EPOCH_ORDINAL)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f if math.isfinite(f) else ""


def error_of(text: str) -> dict[str, str] | None:
    """``{"code": "#N/A", "text": "#N/A …"}`` for a cell text that is one of our errors."""
    if not text.startswith("#"):
        return None
    head = text.split(" ", 1)[0]
    code = head if head in CODES else "#VALUE!"
    return {"code": code, "text": text}


def result_out(value: Any) -> dict[str, Any]:
    """A function's answer as JSON: ``{"value": [[...]]}`` (always a matrix, as the add-in
    declares every result), or ``{"error": {...}}`` for an error of the whole call."""
    if isinstance(value, str):
        err = error_of(value)
        if err is not None:
            return {"error": err}
    if isinstance(value, list | tuple):
        rows = [list(r) if isinstance(r, list | tuple) else [r] for r in value]
        width = max((len(r) for r in rows), default=0)
        if not rows or width == 0:
            return {"value": [[""]]}
        return {"value": [[_cell_out(c) for c in r] + [""] * (width - len(r)) for r in rows]}
    return {"value": [[_cell_out(value)]]}


def parse(payload: Any, limits: Limits = Limits()) -> list[tuple[str, list[Any]]]:
    """The calls of a request body (``{"calls": [{"function": "RR_PRICE", "args": [...]}]}``),
    checked: a malformed body raises :class:`BadRequest` naming what is wrong. A call of a
    function not in the registry is kept, and answered with its own error."""
    if not isinstance(payload, dict) or not isinstance(payload.get("calls"), list):
        raise BadRequest('the body must be {"calls": [{"function": "RR_…", "args": [...]}, …]}')
    calls = payload["calls"]
    if len(calls) > limits.calls:
        raise BadRequest(f"{len(calls)} calls in one request; at most {limits.calls}")
    out, cells = [], 0
    for i, c in enumerate(calls):
        where = f"call {i + 1}"
        if not isinstance(c, dict) or not isinstance(c.get("function"), str):
            raise BadRequest(f'{where}: each call is {{"function": "RR_…", "args": [...]}}')
        args = c.get("args", [])
        if not isinstance(args, list):
            raise BadRequest(f"{where}: args must be a list")
        parsed = []
        for j, a in enumerate(args):
            v, n = _arg_in(a, f"{where} ({c['function'][:40]}) argument {j + 1}")
            parsed.append(v)
            cells += n
        if cells > limits.cells:
            raise BadRequest(f"more than {limits.cells:,} argument cells in one request")
        out.append((c["function"], parsed))
    return out


def _one(name: str, args: list[Any], table: dict[str, Callable[..., Any]]) -> Any:
    spec = specs().get(name) if _NAME.fullmatch(name) else None
    if spec is None:
        return f"#NAME? {name[:60]!r} is not an RR_ function (the list: GET /api/functions)"
    names = list(spec.args)
    if len(args) > len(names):
        return f"#VALUE! {name} takes at most {len(names)} arguments, not {len(args)}"
    # an argument left out (null, or past the end) takes the function's own default, as in
    # Excel; a required one left out arrives as a blank cell would, and is said as such
    given = dict(zip(names, args, strict=False))
    kwargs = {a: given.get(a) for a in names
              if given.get(a) is not None or a not in spec.defaults}
    return table[name](**kwargs)


#: the arguments that take a ticker or a range of them: a recalculation's tickers the store
#: lacks are fetched in one batch before its calls run (``MarketData.prefetch``)
TICKER_ARGS: dict[str, tuple[str, ...]] = {
    "RR_PRICE": ("ticker",), "RR_HISTORY": ("ticker",), "RR_INFO": ("ticker",),
    "RR_ASOF": ("ticker",), "RR_RETURN": ("prices",), "RR_RELATIVE_STRENGTH": ("a", "b"),
    "RR_EPS_REVISION": ("ticker_or_eps_now",), "RR_PE": ("ticker_or_universe",),
    "RR_PB": ("ticker_or_universe",),
}


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _prefetch(calls: list[tuple[str, list[Any]]]) -> list[str]:
    """The batch's tickers the store lacks, fetched together (a fetch failure is each cell's
    to say, so none escapes here)."""
    from rerating.data import access

    registry, names = specs(), []
    for name, args in calls:
        if name not in TICKER_ARGS or name not in registry:
            continue
        given = dict(zip(registry[name].args, args, strict=False))
        for arg in TICKER_ARGS[name]:
            names += _texts(given.get(arg))
    if not names:
        return []
    try:
        return access.shared().prefetch(names)
    except Exception:  # the cells read the store themselves and say what is wrong
        logging.getLogger(__name__).exception("prefetching a batch's tickers failed")
        return []


def run_batch(calls: list[tuple[str, list[Any]]], limits: Limits = Limits(),
              pool: ThreadPoolExecutor | None = None) -> list[dict[str, Any]]:
    """Every call's answer, in order. The functions are guarded (no exception escapes them).

    With a ``pool`` the calls run one after another on one of its threads (not spread over
    threads: they hold the GIL, and 2,500 comps cells took 1.7x longer on 8 threads), and a
    call that runs past ``limits.call_seconds`` is answered ``#N/A`` saying so, as is every
    call after it in the batch; the stuck call's thread is left to finish (Python cannot
    stop it) while the pool's other threads serve other requests.
    """
    table = functions()
    if pool is None:
        _prefetch(calls)
        return [result_out(_one(n, a, table)) for n, a in calls]
    done: list[dict[str, Any]] = []
    started = [time.monotonic()]

    def work() -> None:
        _prefetch(calls)  # bounded as the first call is: its time counts to it
        for n, a in calls:
            started[0] = time.monotonic()
            done.append(result_out(_one(n, a, table)))

    future = pool.submit(work)
    while True:
        try:
            future.result(timeout=max(0.0, started[0] + limits.call_seconds - time.monotonic()))
            return done
        except FutureTimeout:
            if time.monotonic() - started[0] < limits.call_seconds:
                continue  # the call that was running finished; the next one has its own time
            answered = list(done)
            stuck = calls[len(answered)][0]
            answered.append(result_out(f"#N/A {stuck} took more than {limits.call_seconds:g} s; "
                                       "recalculate to ask again"))
            answered += [result_out(f"#N/A {n} not run: {stuck} before it in this recalculation "
                                    "took too long; recalculate to ask again")
                         for n, _ in calls[len(answered):]]
            return answered


def catalog() -> list[dict[str, Any]]:
    """Every function as the add-in's metadata and the task pane need it: name, group,
    summary, example, what it returns, and its arguments with help and optionality."""
    return [{"name": s.name, "group": s.group, "summary": s.summary, "example": s.example,
             "returns": s.returns,
             "args": [{"name": a, "help": h, "optional": a in s.defaults} for a, h in s.args.items()]}
            for s in specs().values()]
