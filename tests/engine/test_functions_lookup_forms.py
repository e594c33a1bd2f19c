"""MATCH with match_type -1 and LOOKUP's array form, from Excel's documentation:

- MATCH(..., -1) finds the smallest value greater than or equal to the lookup value in a
  list sorted in descending order; none: #N/A.
- LOOKUP(value, array): when the array is wider than tall it searches the first row and
  returns from the last row; when square or taller, the first column and the last column.
"""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

NA = XlErr("#N/A")


def _sheet():
    a = SheetInput("Sheet1")
    for r, row in enumerate([[1, 10, 100], [2, 20, 200], [3, 30, 300]], 1):
        for c, v in enumerate(row, 1):
            a.values[(r, c)] = v
    for r, v in enumerate([50, 40, 30, 20, 10], 1):
        a.values[(r, 5)] = v
    for c, (v, w) in enumerate([(1, "a"), (2, "b"), (3, "c")], 7):
        a.values[(1, c)], a.values[(2, c)] = v, w
    return a


CASES = [
    ("MATCH(35,E1:E5,-1)", 2), ("MATCH(30,E1:E5,-1)", 3), ("MATCH(5,E1:E5,-1)", 5),
    ("MATCH(60,E1:E5,-1)", NA), ("MATCH(3.5,{5,4,3,2},-1)", 2), ("MATCH(\"b\",{\"d\",\"c\",\"b\",\"a\"},-1)", 3),
    ("INDEX(E1:E5,MATCH(25,E1:E5,-1))", 30),
    ("LOOKUP(25,A1:C3)", 300),          # square: first column 1,2,3 → row 3, last column
    ("LOOKUP(2.5,A1:C3)", 200),
    ("LOOKUP(2.5,G1:I2)", "b"),         # wider: first row 1,2,3 → column 2, last row
    ("LOOKUP(2,A1:C2)", 2),             # 2×3 is wider: first row 1,10,100 → 1, last row → 2
    ("LOOKUP(0,A1:C3)", NA),
    ("LOOKUP(2.5,{1,2,3;10,20,30})", 20), ("LOOKUP(2.5,{1,10;2,20;3,30})", 20),
]


@pytest.mark.parametrize("columns", [True, False])
def test_match_minus_one_and_lookup_array_form(columns):
    a = _sheet()
    for i, (f, _) in enumerate(CASES):
        a.formulas[(20 + i, 12)] = f
    res, _ = calculate(BookInput([a]), columns=columns)
    assert [res["Sheet1"][(20 + i, 12)] for i in range(len(CASES))] == [e for _, e in CASES]
