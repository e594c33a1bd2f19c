"""Forms Excel accepts at the ends of a range (A1:B2): the sheet named again at the end
(``TBA!$D$10:'TBA'!D10``, as Excel itself saves some formulas), and functions that return
references (INDEX, OFFSET, INDIRECT, CHOOSE, IF) on either side. Sums worked by hand: cell
(r, c) holds r*10+c on Sheet1 and r*100+c on TBA."""
from __future__ import annotations

import openpyxl
import pytest

from kpi_xl.engine import recalc_file
from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.parser import parse


def _eval(formulas):
    a, b = SheetInput("Sheet1"), SheetInput("TBA")
    for r in range(1, 11):
        for c in range(1, 5):
            a.values[(r, c)] = r * 10 + c
            b.values[(r, c)] = r * 100 + c
    for i, f in enumerate(formulas):
        a.formulas[(20 + i, 10)] = f
    res, _ = calculate(BookInput([a, b]))
    return [res["Sheet1"][(20 + i, 10)] for i in range(len(formulas))]


CASES = [
    ("SUM(TBA!$D$10:'TBA'!D10)", 1004),
    ("SUM(TBA!A1:TBA!A2)", 101 + 201),
    ("SUM(TBA!A1:'TBA'!B2)", 101 + 102 + 201 + 202),
    ("SUM('TBA'!A1:tba!A3)", 101 + 201 + 301),           # sheet names ignore case
    ("SUM(INDEX(A1:D10,1,1):INDEX(A1:D10,1,3))", 11 + 12 + 13),
    ("SUM(A1:INDEX(A1:D10,2,2))", 11 + 12 + 21 + 22),
    ("SUM(INDEX(A1:D10,2,2):D3)", 22 + 23 + 24 + 32 + 33 + 34),
    ("SUM(OFFSET(A1,1,1):C3)", 22 + 23 + 32 + 33),
    ("SUM(A1:IF(TRUE,B2,C3))", 11 + 12 + 21 + 22),
    ("SUM(A1:CHOOSE(2,A2,B2))", 11 + 12 + 21 + 22),
    ("SUM(INDIRECT(\"A1\"):INDIRECT(\"B2\"))", 11 + 12 + 21 + 22),
    ("SUM(TBA!A1:INDEX(TBA!A1:D10,2,2))", 101 + 102 + 201 + 202),
    ("ROWS(A1:INDEX(A:A,7))", 7),
]


@pytest.mark.parametrize("formula, expected", CASES)
def test_range_ends(formula, expected):
    assert _eval([formula]) == [expected]


def test_sheet_named_again_is_one_static_range():
    assert parse("TBA!$D$10:'TBA'!D10", "Sheet1") == ("ref", "TBA", 10, 4, 10, 4, (True, True, False, False))
    assert parse("Sheet1:Sheet3!A1", "X")[1] == ("Sheet1", "Sheet3")   # 3-D spans unchanged


def test_range_ends_in_a_saved_workbook(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TBA"
    for r in range(1, 11):
        ws.cell(r, 4, r)
    ws["F1"] = "=SUM(TBA!$D$1:'TBA'!D10)"
    ws["F2"] = "=SUM(INDEX(D1:D10,2):INDEX(D1:D10,4))"
    wb.save(tmp_path / "a.xlsx")
    res = recalc_file(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    assert res.errors == {} and res.unknown_names == {}
    got = openpyxl.load_workbook(tmp_path / "b.xlsx", data_only=True)["TBA"]
    assert (got["F1"].value, got["F2"].value) == (55, 9)
