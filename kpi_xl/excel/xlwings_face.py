"""The xlwings face: one Excel custom function per entry of :mod:`kpi_xl.registry`.

The same decorated functions serve the three xlwings runtimes:

* the classic Windows add-in (COM, a VBA wrapper per function), where a function
  cannot return a real error value (xlwings issue 776), so errors show as their
  text ``#N/A``;
* xlwings Server and xlwings Lite (Office.js custom functions), where xlwings turns
  a returned ``"#N/A"`` into a real Excel error.  Both set ``XLWINGS_ON_SERVER`` before
  importing xlwings, which is also what makes ``xw.func`` their decorator.

Arguments are read with xlwings' ``"raw"`` converter: its cleaning step would turn
an error cell into ``None`` (or, with ``err_to_str``, into text that cannot be told
from the text "#N/A"), while the raw value still says which it was -- an
``{"type": "Error", ...}`` dict from Office.js, a COM error code from the classic
add-in.  :func:`cell_value` and :func:`table_value` then bring every runtime's raw
values to the calling convention of :mod:`kpi_xl.registry`.
"""
from __future__ import annotations

import datetime as dt
import decimal
import inspect
import math
import os
import sys
from typing import Any, Callable

import xlwings as xw

from .. import registry
from ..core.errors import CVERR_NUMBERS, ERROR_CODES, OFFICE_JS_ERROR_TYPES, CellError
from ..core.serial import date_to_serial, datetime_to_serial

# COM hands an error cell to Python as the int 0x800A0000 + the CVErr number,
# e.g. xlErrNA = 2042 -> -2146826246.  The numbers are Excel's XlCVError enumeration.
_COM_ERROR_BASE = -2146828288
COM_ERRORS = {_COM_ERROR_BASE + number: text for text, number in CVERR_NUMBERS.items()}
# Excel keeps adding error values; one this list does not name is still an error, never the
# number -2146826xxx.  COM delivers a number cell as a double, so an int here is an error.
_COM_ERROR_RANGE = range(_COM_ERROR_BASE + 2000, _COM_ERROR_BASE + 3000)

# The longest text a classic (COM/VBA) user-defined function can hand back for a cell.
# Excel's specifications allow 32,767 characters in a cell, but Microsoft documents
# (KB 213841, "Passed strings longer than 255 characters are truncated") that a string
# passed from a VBA procedure to a sheet may be cut at 255 characters or refused, and
# the classic add-in's results reach the sheet through its VBA wrapper.
CLASSIC_TEXT_LIMIT = 255
# Excel's limit for the text of one cell ("Total number of characters that a cell can
# contain"), which Office.js custom functions are held to as well.
CELL_TEXT_LIMIT = 32767

# The errors a custom function may return in Office.js; any other error among the
# inputs (#SPILL!, #CALC!, #REF!, ...) comes back as #VALUE!, still a real error
# that IFERROR and ISERROR see, rather than text that looks like one.
OFFICE_JS_RESULT_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#NUM!", "#N/A"})


def office_js_runtime() -> bool:
    """True in xlwings Server and xlwings Lite, False in the classic add-in."""
    return bool(getattr(xw, "on_server", False)) or os.environ.get("XLWINGS_ON_SERVER") == "true"


def _is_jsnull(value) -> bool:
    # Pyodide >= 0.28 hands a JS null inside an array on as JsNull, not None.
    return type(value).__name__ == "JsNull" and "pyodide" in sys.modules


def cell_value(value: Any, office_js: bool = False) -> Any:
    """One cell as the core expects it: None, a number, bool, text or CellError."""
    if value is None or _is_jsnull(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, CellError):
        return value
    if isinstance(value, str):
        return None if value == "" else str(value)
    if isinstance(value, int):
        # Office.js sends numbers as JSON, where such an int is just a number.
        if not office_js and value in _COM_ERROR_RANGE:
            return CellError(COM_ERRORS.get(value, "#VALUE!"))
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal):
        # A Currency or Accounting cell reaches the classic add-in as COM's VT_CY, which
        # pywin32 hands over as a Decimal of four decimal places; Excel computes in doubles.
        return float(value)
    if isinstance(value, dict):  # Office.js rich value
        if value.get("type") == "Error":
            # Office.js names the error in "errorType" and usually also sends its text.
            text = value.get("basicValue")
            if text not in ERROR_CODES:
                text = OFFICE_JS_ERROR_TYPES.get(value.get("errorType"), "#VALUE!")
            return CellError(text)
        if "basicValue" in value:
            return cell_value(value["basicValue"], office_js)
        # an entity card or other value with nothing a KPI can use
        return CellError("#VALUE!")
    if isinstance(value, dt.datetime):  # classic add-in: a date cell; Excel counts days
        return datetime_to_serial(value.replace(tzinfo=None))
    if isinstance(value, dt.date):
        return float(date_to_serial(value))
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return cell_value(value.item(), office_js)
    raise TypeError(f"no cell value for {type(value).__name__} {value!r}")


def table_value(value: Any, office_js: bool = False) -> list[list[Any]]:
    """A range argument as rows of cells, whatever shape the runtime sent."""
    if isinstance(value, (list, tuple)):
        if not value:
            return []
        if all(isinstance(row, (list, tuple)) for row in value):
            return [[cell_value(v, office_js) for v in row] for row in value]
        # one row: Office.js unwraps a 1-row range, COM a horizontal array constant
        return [[cell_value(v, office_js) for v in value]]
    # a single cell: Office.js unwraps 1x1 ranges, COM returns a lone value
    return [[cell_value(value, office_js)]]


def _scalar_argument(value: Any, office_js: bool) -> Any:
    if isinstance(value, (list, tuple)):
        rows = table_value(value, office_js)
        cells = [v for row in rows for v in row]
        if len(cells) == 1:
            return cells[0]
        # several cells where one is expected: Excel's own functions answer #VALUE!
        return CellError("#VALUE!")
    return cell_value(value, office_js)


def excel_arguments(entry: registry.KpiFunction, values: list[Any], office_js: bool) -> list[Any]:
    """xlwings' raw argument values converted to the core calling convention."""
    converted = []
    for arg, value in zip(entry.args, values):
        if arg.kind == "range":
            if value is None and arg.optional:
                converted.append(None)  # omitted: the core applies its default
            else:
                converted.append(table_value(value, office_js))
        else:
            converted.append(_scalar_argument(value, office_js))
    return converted


def excel_result(result: Any, office_js: bool) -> Any:
    """A core result as the runtime should write it into the cell."""
    if isinstance(result, (list, tuple)):
        rows = [row if isinstance(row, (list, tuple)) else [row] for row in result]
        if not rows or not rows[0]:
            return excel_result(CellError("#CALC!"), office_js)  # Excel's empty array
        return [[excel_result(v, office_js) for v in row] for row in rows]
    if isinstance(result, CellError):
        text = str(result)
        if office_js and text not in OFFICE_JS_RESULT_ERRORS:
            text = "#VALUE!"
        # xlwings' Office.js writer turns an error string into a real error value;
        # the classic add-in can only show the text.
        return text
    if result is None:
        return ""
    if isinstance(result, bool):
        return result
    if isinstance(result, (int, float)):
        if isinstance(result, float) and not math.isfinite(result):
            return excel_result(CellError("#NUM!"), office_js)  # what Excel shows
        return result
    if isinstance(result, str):
        return fit_text(str(result), office_js)
    if hasattr(result, "item") and type(result).__module__ == "numpy":
        return excel_result(result.item(), office_js)
    raise TypeError(f"{type(result).__name__} result {result!r} is not a cell value")


def fit_text(text: str, office_js: bool) -> str:
    """``text`` within what the runtime can show in one cell, cut at a word with "…"."""
    limit = CELL_TEXT_LIMIT if office_js else CLASSIC_TEXT_LIMIT
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    # Keep whole sentences where one ends late enough to leave most of the message.
    for stop in ("。", ". ", "；", "; "):
        end = cut.rfind(stop)
        if end >= limit // 2:
            return cut[:end + len(stop)].rstrip() + "…"
    return cut + "…"


def docstring(entry: registry.KpiFunction) -> str:
    """What Excel shows as the function's description: Chinese, then English."""
    return f"{entry.help_zh} / {entry.help_en}"


def arg_doc(arg: registry.Arg) -> str:
    return f"{arg.help_zh} / {arg.help_en}"


def signature(entry: registry.KpiFunction) -> inspect.Signature:
    """The Python signature xlwings inspects: the registry's names, optionals = None."""
    return inspect.Signature([
        inspect.Parameter(arg.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=None if arg.optional else inspect.Parameter.empty)
        for arg in entry.args])


def make_udf(entry: registry.KpiFunction, module: str) -> Callable[..., Any]:
    """The plain Python function for ``entry``, before xlwings' decorators."""
    sig = signature(entry)

    def udf(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        office_js = office_js_runtime()
        values = excel_arguments(entry, list(bound.arguments.values()), office_js)
        return excel_result(registry.invoke(entry, values), office_js)

    udf.__name__ = udf.__qualname__ = entry.name
    udf.__doc__ = docstring(entry)
    udf.__module__ = module
    udf.__signature__ = sig
    return udf


def decorate(udf: Callable[..., Any], entry: registry.KpiFunction) -> Callable[..., Any]:
    """Attach xlwings' metadata with its own decorators (no-ops where no runtime is)."""
    for arg in entry.args:
        udf = xw.arg(arg.name, "raw", doc=arg_doc(arg))(udf)
    # No xw.ret(expand="table") for the spilling function: xlwings documents it for
    # Excel without dynamic arrays only, where it overwrites neighbouring cells;
    # Excel 365/2021 and the Office.js runtimes spill a returned 2-D list natively.
    return xw.func(category=entry.category)(udf)


def build_udfs(module: str) -> dict[str, Callable[..., Any]]:
    """All registry functions as xlwings custom functions, keyed by Excel name."""
    return {entry.name: decorate(make_udf(entry, module), entry) for entry in registry.FUNCTIONS}
