"""Recalculate one workbook file: read it, compute every formula, write the values back."""
from __future__ import annotations

import os
import time

from ..core.errors import CellError
from .evaluator import calculate, cell_name, default_time_limit
from . import external
from .connection import keep_connection_values, keep_pictures
from .model import BookInput, SheetInput, TableInput
from .result import FileResult
from .values import XlErr, core_value, engine_value


#: The words connection.py's first check (``_QUICK``, case-blind) looks for: every
#: data-connection function's name holds one of them.
_CONNECTION_WORDS = ("CUBE", "RTD", "_FV", "FIELDVALUE")


def _may_call(formulas) -> tuple[bool, bool]:
    """(may call a data-connection function, may show a picture: DISPIMG or IMAGE): False
    when no formula text can.

    One search of all the texts joined and upper-cased, where keep_connection_values
    runs a case-blind regex per formula: 3 ms against 12 ms on a sheet of 13,000
    formulas.  Upper-casing finds whatever the case-blind regex would (and maybe more,
    which keep_connection_values and keep_pictures then sort out).
    """
    connection = picture = False
    texts = list(formulas.values())
    # A slice at a time: the texts of a 100,000-agent sheet joined and upper-cased at
    # once took 300 MB, the peak of the whole recalculation.
    for i in range(0, len(texts), _MAY_CALL_SLICE):
        text = "\n".join(texts[i:i + _MAY_CALL_SLICE]).upper()
        connection = connection or any(word in text for word in _CONNECTION_WORDS)
        picture = picture or "DISPIMG" in text or "IMAGE(" in text
        if connection and picture:
            break
    return connection, picture


_MAY_CALL_SLICE = 20_000


def partless_sheets_read(data) -> dict:
    """{sheet: ["Sheet!A1", "name N", ...]} of the sheets without a part (Excel 5 module
    and dialog sheets, kept in the VBA project) that a formula or a defined name refers
    to: they have no cells, so such a reference reads blanks where Excel's might not."""
    partless = {s.name for s in data.sheets if s.part is None}
    if not partless:
        return {}
    from .reads import Reads
    reads = Reads(data)
    found: dict = {}

    def note(refs, where):
        for sheet in sorted({ref[0] for ref in refs or ()} & partless):
            found.setdefault(sheet, []).append(where)

    for s in data.sheets:
        texts = list(s.formulas.items()) + [(k, a.text) for k, a in s.arrays.items()]
        for (r, c), text in sorted(texts):
            if text:
                note(reads.cell(text, s.name, r, c), cell_name(s.name, r, c))
    for n in data.defined_names:
        if n.text:
            note(reads.cell(n.text, n.scope or data.sheets[0].name, 1, 1), f"name {n.name}")
    return found


def book_input(data) -> BookInput:
    """The evaluator's view of a :class:`~.xlsx_read.WorkbookData`."""
    sheets = []
    kept = {}
    for s in data.sheets:
        si = SheetInput(s.name)
        # The reader's dicts are taken over, not copied: a 5,000-agent sheet holds
        # a hundred thousand cells.
        si.values = s.values
        if CellError in set(map(type, s.values.values())):
            for k in [k for k, v in s.values.items() if type(v) is CellError]:
                si.values[k] = engine_value(si.values[k])
        # Spill members carry an empty <f/> marker; their values come from the anchor.
        si.formulas = s.formulas
        if not all(s.formulas.values()):
            for k in [k for k, t in s.formulas.items() if not t]:
                del si.formulas[k]
        for anchor, af in s.arrays.items():
            si.formulas[anchor] = af.text
            si.arrays[anchor] = af.bounds
            if getattr(af, "dynamic", False):
                si.dynamic.add(anchor)
        # Data-table cells ({=TABLE(...)}) are left with Excel's values: they are
        # constants to the rest of the workbook.
        for anchor, dtf in s.data_tables.items():
            r1, c1, r2, c2 = dtf.bounds
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    v = s.cached.get((r, c))
                    if v is not None:
                        si.values[(r, c)] = engine_value(v)
        if getattr(data, "iterate", False):
            si.cached = {k: engine_value(v) for k, v in s.cached.items() if v is not None}
        connection, picture = _may_call(si.formulas)
        if connection:
            keep_connection_values(s, si, kept)
        if picture:
            keep_pictures(s, si)
        si.hidden_rows = set(getattr(s, "hidden_rows", ()) or ())
        si.filtered_rows = s.filtered_rows
        sheets.append(si)
    names = {}
    for n in data.defined_names:
        names[(n.name.upper(), n.scope)] = n.text
    tables = []
    for t in data.tables:
        r1, c1, r2, c2 = t.bounds
        tables.append(TableInput(t.display_name or t.name, t.sheet, r1, c1, r2, c2,
                                 [c.name for c in t.columns], t.header_row_count, t.totals_row_count))
    for i, book in enumerate(getattr(data, "external_books", ()), start=1):
        for name, cells in book.items():   # the values Excel cached of linked workbooks
            sheets.append(SheetInput(external.sheet_name(str(i), name), values=dict(cells)))
        # their names ([1]!Name, [1]Sheet!Name), pointing into those values
        for (key, scope), target in getattr(book, "names", {}).items():
            text = external.name_text(str(i), target)
            if text is not None:
                names[(key, ("[ext]", str(i), scope))] = text
    book = BookInput(sheets, names, tables, data.date1904, data.path,
                     iterate=getattr(data, "iterate", False),
                     iterate_count=getattr(data, "iterate_count", 100),
                     iterate_delta=getattr(data, "iterate_delta", 0.001))
    book.kept_from_file = kept   # cells needing a data connection: Excel's values kept
    if not getattr(data, "full_precision", True):   # precision as displayed
        from .precision import Displayed
        book.displayed = Displayed({s.name: s.formula_styles for s in data.sheets},
                                   data.number_formats)
    return book


def results_for_writer(results):
    out = {}
    for sheet, cells in results.items():
        out[sheet] = {k: core_value(v) for k, v in cells.items()}
    return out


def compute(path, limits=None):
    """Read and recalculate ``path``; returns (WorkbookData, results, report)."""
    from .xlsx_read import read_workbook
    data = read_workbook(path, limits)
    results, report = calculate(book_input(data))
    return data, results, report


def _same_file(a, b) -> bool:
    """Whether paths ``a`` and ``b`` name one file (``b`` need not exist)."""
    if str(a) == str(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def recalc_file(src, dst=None, *, values_only=False, on_scan=None, limits=None,
                partial_in_place=True, stopped=()) -> FileResult:
    """Recalculate ``src`` and write the workbook with its new values to ``dst``.

    ``dst`` defaults to ``src`` (in place, replaced atomically only after a
    complete write).  Before calculating, the formulas are scanned for functions
    the engine does not know and names nobody defined (their cells show #NAME?);
    ``on_scan(result)`` is told at once, the calculation can take a while.
    Expected problems (corrupt or protected file) raise
    :class:`~.xlsx_read.WorkbookReadError`, a file over one of ``limits`` (a
    :class:`~kpi_xl.limits.Limits`, its size limits; the time limit is the batch's)
    :class:`~.xlsx_read.WorkbookTooLarge`; a bug raises :class:`EngineBug`.
    A calculation not finished (past its time or memory budget) is written with the cells
    not reached as #CALC!, in place too unless ``partial_in_place`` is False (``kpi-xl
    recalc --in-place``: the user's original is then left as it was).  ``stopped`` are the
    cell codes (:func:`~.evaluator.cell_code`) of cells that held an earlier attempt past
    the time limit of ``limits``: they show #CALC! uncomputed and are reported.
    """
    from .scan import scan_unknown
    from .xlsx_read import read_workbook
    from .xlsx_write import write_values
    t0 = time.perf_counter()
    dst = src if dst is None else dst
    res = FileResult(str(src), str(dst))
    data = read_workbook(src, limits)
    res.reader_fallbacks = data.reader_fallbacks
    res.partless_read = partless_sheets_read(data)
    book = book_input(data)
    del data   # the reader's data is not kept beyond this
    res.kept_from_file = book.kept_from_file
    res.unknown_functions, res.unknown_names = scan_unknown(book)
    if on_scan and (res.unknown_functions or res.unknown_names):
        on_scan(res)
    budget = {}
    if limits is not None and limits.timeout:
        # The calculation stops itself before the batch would kill the file (a fifth of the
        # limit, at least 2 s, earlier), so the cells it reached are written and the rest
        # named (#CALC!), not all lost.
        margin = max(0.2 * limits.timeout, 2.0)   # for writing what was reached
        cap = max(1.0, limits.timeout - margin - (time.perf_counter() - t0))
        own = default_time_limit()
        budget["time_limit"] = cap if own is None else min(own, cap)
    if stopped:
        why = stopped_reason(limits)
        budget["stopped"] = dict.fromkeys(stopped, why)
    results, report = calculate(book, **budget)
    del book
    unfinished = report.incomplete or "; ".join(f"{k} {v}" for k, v in report.stopped.items())
    if unfinished and not partial_in_place and _same_file(src, dst):
        # In place, the cells not reached would lose their saved values (and, with
        # --values-only --discard-formulas, their formulas) for #CALC!: the original stays.
        res.ok = False
        res.message = (f"{src}: the calculation was not finished ({unfinished}); "
                       "with --in-place the file was left as it was. Write the results to "
                       "another folder (-o) to keep what was computed, or raise --timeout.")
        res.seconds = time.perf_counter() - t0
        return res
    for name in [n for n in results if external.is_external_sheet(n)]:
        del results[name]   # constants of linked workbooks, nothing to write
    res.cells = report.cells
    for sheet, cells in results.items():
        for key, v in cells.items():
            if type(v) is XlErr:
                res.errors[cell_name(sheet, *key)] = v.code
                cells[key] = core_value(v)
    write_values(src, dst, results, values_only=values_only, limits=limits, spills=report.spills,
                 error_codes=set(res.errors.values()))
    res.seconds = time.perf_counter() - t0
    # The calculation notes what it met too; anything the scan missed is still said.
    for found, noted in ((res.unknown_functions, report.unknown_functions),
                         (res.unknown_names, report.unknown_names)):
        seen = {name.upper() for name in found}
        for name, cells in noted.items():
            if name.upper() not in seen:
                seen.add(name.upper())
                found[name] = cells
    res.circular = report.circular
    res.approximate_functions = dict(report.approximate_functions)
    res.engine_bugs = report.engine_bugs
    res.incomplete = report.incomplete
    res.not_computed = report.not_computed
    res.beyond_limits = report.beyond_limits
    res.limit_errors = report.limit_errors
    res.stopped = report.stopped
    return res


def stopped_reason(limits) -> str:
    """Why a cell that held the calculation past the time limit of ``limits`` shows #CALC!."""
    limit = f" of {limits.timeout:g} s" if limits is not None and limits.timeout else ""
    return (f"took longer than the time limit{limit} and was stopped "
            "(kpi-xl recalc --timeout raises the limit)")
