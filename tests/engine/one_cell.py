"""The value of one formula, computed by the engine in a one-sheet workbook."""
from __future__ import annotations

from kpi_xl.engine.a1 import parse_cell_ref
from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput


def ev(formula, date1904=False, **cells):
    """The value of ``formula`` in Z100 of a one-sheet workbook holding ``cells``
    (``A1=5, B2="x"``), with the 1904 date system if ``date1904``."""
    s = SheetInput("Sheet1")
    for ref, v in cells.items():
        s.values[parse_cell_ref(ref)] = v
    s.formulas[(100, 26)] = formula
    results, _ = calculate(BookInput([s], date1904=date1904))
    return results["Sheet1"][(100, 26)]
