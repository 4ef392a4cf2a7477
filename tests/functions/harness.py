"""Runs xlwings' own Windows UDF machinery on Linux, stubbing only the COM modules.

``pythoncom``, ``pywintypes`` and ``win32com.client`` are replaced by empty stand-ins; then the
real ``xlwings.udfs`` decorators build each RR_ function's metadata (a fresh import of
``rerating.functions.xlwings_host`` with ``xlwings.func/arg/ret`` pointing at them), ``generate_vba_wrapper``
writes the VBA Excel's "Import Functions" would write, and :func:`call` converts arguments
and results with ``xlwings.conversion.read/write`` exactly as ``call_udf`` does.
"""

from __future__ import annotations

import importlib
import io
import sys
import types
from typing import Any, ClassVar

MISSING = object()  # an argument the user left out (Excel passes -2147352572)


def _stub_com() -> None:
    if "pythoncom" in sys.modules and getattr(sys.modules["pythoncom"], "_rerating_stub", False):
        return
    pythoncom = types.ModuleType("pythoncom")
    pythoncom._rerating_stub = True  # type: ignore[attr-defined]
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pythoncom.CoUninitialize = lambda: None  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    pywintypes.TimeType = type("TimeType", (), {})  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    sys.modules.update({"pythoncom": pythoncom, "pywintypes": pywintypes,
                        "win32com": win32com, "win32com.client": client})


class _ComValues:
    """What the Windows engine does to values crossing COM, minus COM (xlwings/_xlwindows.py):
    blanks become None, error cells arrive as CVErr ints, NaN and None go out as blanks.
    Dates cross as datetimes (pywintypes' time type is a datetime subclass)."""

    name = "excel"
    type = "desktop"
    CELL_ERRORS: ClassVar[dict[int, str]] = {-2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?",
                   -2146826288: "#NULL!", -2146826252: "#NUM!", -2146826265: "#REF!",
                   -2146826273: "#VALUE!"}

    @staticmethod
    def prepare_xl_data_element(x: Any, date_format: Any) -> Any:
        import numpy as np
        import pandas as pd

        if x is None or (not isinstance(x, str) and pd.isna(x)):
            return ""
        if isinstance(x, np.number):
            return float(x)
        return x

    @classmethod
    def clean_value_data(cls, data: Any, datetime_builder: Any, empty_as: Any,
                         number_builder: Any, err_to_str: Any) -> Any:
        def one(v: Any) -> Any:
            if v in ("", None):
                return empty_as
            if number_builder is not None and isinstance(v, float):
                return number_builder(v)
            if isinstance(v, int) and not isinstance(v, bool) and v in cls.CELL_ERRORS:
                return cls.CELL_ERRORS[v] if err_to_str else None
            return v

        return [[one(c) for c in row] for row in data]


def _excel_engine() -> None:
    import xlwings
    from xlwings.main import Engine

    if "excel" not in [e.name for e in xlwings.engines]:
        xlwings.engines.add(Engine(impl=_ComValues()))


def load() -> tuple[types.ModuleType, types.ModuleType]:
    """(xlwings.udfs, the xlwings host decorated by it)."""
    _stub_com()
    _excel_engine()
    import xlwings
    import xlwings.udfs as xlu

    saved = (xlwings.func, xlwings.arg, xlwings.ret)
    xlwings.func, xlwings.arg, xlwings.ret = xlu.xlfunc, xlu.xlarg, xlu.xlret  # type: ignore[assignment]
    try:
        sys.modules.pop("rerating.functions.xlwings_host", None)
        sys.modules.pop("rerating.udfs", None)
        mod = importlib.import_module("rerating.functions.xlwings_host")
    finally:
        xlwings.func, xlwings.arg, xlwings.ret = saved  # type: ignore[assignment]
    return xlu, mod


XLU, UDFS = load()


def call(name: str, *args: Any) -> Any:
    """Call an RR_ function the way ``xlwings.udfs.call_udf`` does (minus COM)."""
    from xlwings import conversion

    func = getattr(UDFS, name)
    info = func.__xlfunc__
    args_info = info["args"]
    converted = []
    for i, arg in enumerate(args):
        arg_info = args_info[min(i, len(args_info) - 1)]
        if arg is MISSING:
            converted.append(arg_info.get("optional", None))
        else:
            converted.append(conversion.read(None, arg, arg_info["options"]))
    for arg_info in args_info[len(args):]:  # trailing arguments left out
        converted.append(arg_info.get("optional", None))
    ret = func(*converted)
    return conversion.write(ret, None, info["ret"]["options"])


class _Book:
    Name = "rerating.xlsm"


def vba() -> str:
    """The VBA module xlwings would import into the workbook for the xlwings host."""
    out = io.StringIO()
    XLU.generate_vba_wrapper(UDFS.UDF_MODULE, UDFS, out, _Book())
    return out.getvalue()
