"""Defined names with relative references. Excel saves them as seen from cell A1: a name
made in B2 for "the cell to the left" (=Sheet1!A2 typed in B2) is saved as Sheet1!XFD1
(one column left of A1, wrapping around the sheet), and =Left in any cell reads the cell
to its left; a name saved as Sheet1!A1 is the cell itself's position, Sheet1!$A1 row-
relative only."""
from __future__ import annotations

import openpyxl
from openpyxl.workbook.defined_name import DefinedName

from kpi_xl.engine import recalc_file
from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput


def test_relative_names_move_with_the_cell():
    s = SheetInput("Sheet1")
    for r in range(1, 6):
        s.values[(r, 1)] = r * 10          # A: 10..50
        s.values[(r, 2)] = r               # B: 1..5
    for r in range(2, 6):
        s.formulas[(r, 3)] = "LeftOf*2"    # C2:C5: the cell to the left (B) doubled
        s.formulas[(r, 4)] = "Above+1"     # D2:D5: the cell above, plus one
        s.formulas[(r, 5)] = "ColA"        # E2:E5: column A of the same row
        s.formulas[(r, 6)] = "SUM(UpTwo)"  # F: the two cells above in column A
    names = {("LEFTOF", None): "Sheet1!XFD1", ("ABOVE", None): "Sheet1!A1048576",
             ("COLA", None): "Sheet1!$A1", ("UPTWO", None): "Sheet1!$A1048575:$A1048576"}
    res, _ = calculate(BookInput([s], names=names))
    got = res["Sheet1"]
    assert [got[(r, 3)] for r in range(2, 6)] == [4, 6, 8, 10]
    assert [got[(r, 4)] for r in range(2, 6)] == [1, 2, 3, 4]    # D1 is blank
    assert [got[(r, 5)] for r in range(2, 6)] == [20, 30, 40, 50]
    assert [got[(r, 6)] for r in range(3, 6)] == [30, 50, 70]    # F3: A1+A2, F4: A2+A3 ...


def test_absolute_names_unchanged(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"], ws["A2"] = 7, 8
    wb.defined_names["Fixed"] = DefinedName("Fixed", attr_text="Sheet1!$A$1")
    wb.defined_names["LeftOf"] = DefinedName("LeftOf", attr_text="Sheet1!XFD1")
    ws["B1"] = "=Fixed"
    ws["B2"] = "=Fixed+LeftOf"
    wb.save(tmp_path / "n.xlsx")
    recalc_file(tmp_path / "n.xlsx", tmp_path / "o.xlsx")
    got = openpyxl.load_workbook(tmp_path / "o.xlsx", data_only=True).active
    assert (got["B1"].value, got["B2"].value) == (7, 15)
