"""A function answering with a list (MODE.MULT's modes) gives a vertical array: in one cell
it shows its first value, INDEX reads it as a column, and never the list as
text. Expected values: Excel's documentation example of MODE.MULT (data 1,2,3,4,3,2,1,2,3,
5,6,1 give the modes 1, 2, 3) and Excel's cached value of formula_stress_test
(MODE.MULT of 1,2,4,8,8,32,3 shows 8)."""
from __future__ import annotations

import openpyxl

from kpi_xl.engine import recalc_file

DOC = [1, 2, 3, 4, 3, 2, 1, 2, 3, 5, 6, 1]


def test_mode_mult_in_one_cell_and_as_an_array(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, v in enumerate(DOC, start=1):
        ws.cell(i, 1, v)
    for j, v in enumerate([1, 2, 4, 8, 8, 32, 3], start=3):
        ws.cell(1, j, v)
    ws["B1"] = "=_xlfn.MODE.MULT(C1:I1)"
    ws["B2"] = "=_xlfn.MODE.MULT(A1:A12)"
    ws["B4"] = "=INDEX(_xlfn.MODE.MULT(A1:A12),2)"
    ws["B5"] = "=INDEX(_xlfn.MODE.MULT(A1:A12),3,1)"
    ws["B8"] = "=ROWS(_xlfn.MODE.MULT(A1:A12))"
    ws["B9"] = "=_xlfn.MODE.MULT(1,2,3)"
    wb.save(tmp_path / "in.xlsx")
    res = recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    got = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True).active
    assert got["B1"].value == 8
    assert got["B2"].value == 1
    assert [got[f"B{r}"].value for r in (4, 5)] == [2, 3]
    assert got["B8"].value == 3
    assert got["B9"].value == "#N/A"      # no value repeats: no mode
    assert not res.bug
