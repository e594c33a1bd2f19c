"""CELL(info_type, [reference]) as Microsoft's reference describes it: "address" the
reference of the first cell as text, "row" and "col" its numbers, "contents" the value of
the upper-left cell, "type" b (blank), l (text) or v (anything else), "filename" the full
path with the workbook in brackets and the sheet after it, so that the common idiom
MID(CELL("filename",A1),FIND("]",CELL("filename",A1))+1,31) reads the sheet's name.  The
information that needs the cell's style ("format", "width", ...) is not read: #N/A, and the
summary names it.  An unknown info_type is #VALUE!."""
from __future__ import annotations

import os

import openpyxl
import pytest

from kpi_xl.engine import recalc_file
from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput


@pytest.mark.parametrize("formula, expected", [
    ('CELL("address",B7)', "$B$7"),
    ('CELL("row",B7)', 7),
    ('CELL("col",B7)', 2),
    ('CELL("ROW",C4:D9)', 4),              # the upper-left cell; info_type in any case
    ('CELL("contents",A2)', 5),
    ('CELL("type",A1)', "l"),
    ('CELL("type",A2)', "v"),
    ('CELL("type",Z9)', "b"),
    ('CELL("col")', 3),                   # no reference: the formula's own cell (C20)
    ('CELL("bogus",A2)', "#VALUE!"),
    ('CELL("format",A2)', "#N/A"),
])
def test_cell_information(formula, expected):
    s = SheetInput("Data")
    s.values[(1, 1)] = "agent"
    s.values[(2, 1)] = 5
    s.formulas[(20, 3)] = formula
    res, report = calculate(BookInput([s], path="/tmp/book.xlsx"))
    got = res["Data"][(20, 3)]
    assert (str(got) if isinstance(expected, str) and expected.startswith("#") else got) == expected
    if "format" in formula:
        assert 'CELL("format")' in report.unknown_functions


def test_the_sheet_name_idiom_reads_each_month_sheet_name(tmp_path):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title in ("2024年5月", "June 2024"):
        ws = wb.create_sheet(title)
        ws["A1"] = '=MID(CELL("filename",A1),FIND("]",CELL("filename",A1))+1,31)'
        ws["A2"] = '=CELL("filename",A1)'
    src = tmp_path / "绩效.xlsx"
    wb.save(src)
    recalc_file(src, tmp_path / "out.xlsx")
    back = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)
    assert back["2024年5月"]["A1"].value == "2024年5月"
    assert back["June 2024"]["A1"].value == "June 2024"
    assert back["June 2024"]["A2"].value == f"{tmp_path}{os.sep}[绩效.xlsx]June 2024"
