"""Text read as a number in a recalculated workbook: Excel's coercion inside formulas,
the KPI inputs' stricter reading in our functions (kpi_xl/core/values.py names both).

Excel's VALUE documentation: =VALUE("$1,000") is 1000.  Python's digit grouping
"1_000" is no number to Excel: #VALUE!."""
from __future__ import annotations

import openpyxl

from kpi_xl.engine.recalc import recalc_file


def test_text_in_formulas_and_in_kpi_inputs(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T"
    cases = {
        "A1": ('=VALUE("$1,000")', 1000),
        "A2": ('="1_000"+0', "#VALUE!"),
        "A3": ('=VALUE("1_000")', "#VALUE!"),
        "A4": ('="(5)"+0', -5),
        "A5": ('=KPI_RATE("88","275")', 0.32),
        "A6": ('=KPI_RATE("1,2","10")', "#VALUE!"),    # a typing slip is no KPI input
        "A7": ('=KPI_RATE("８８","275")', 0.32),        # full-width digits of an input method
    }
    for cell, (formula, _) in cases.items():
        ws[cell] = formula
    src, dst = tmp_path / "t.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    recalc_file(src, dst)
    got = openpyxl.load_workbook(dst, data_only=True)["T"]
    assert {cell: got[cell].value for cell in cases} == {c: want for c, (_, want) in cases.items()}
