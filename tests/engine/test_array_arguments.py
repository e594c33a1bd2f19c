"""Array arguments inside array formulas: INDEX, the lookups, IFS and SWITCH are lifted
over an array given where they take one value, element by element, as Excel 365 and
Ctrl+Shift+Enter formulas do (each element of INDEX's answer is the cell's value, not a
reference). Values worked by hand: A1:A5 hold 10..50, B1:B5 the letters a..e."""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

NA = XlErr("#N/A")


def spill3(formula, columns=True):
    a = SheetInput("Sheet1")
    for r in range(1, 6):
        a.values[(r, 1)] = r * 10
        a.values[(r, 2)] = "abcde"[r - 1]
    a.formulas[(1, 5)] = formula
    a.arrays[(1, 5)] = (1, 5, 3, 5)
    a.formulas[(1, 7)] = f"SUM(IFERROR(--({formula}),0))"
    res, _ = calculate(BookInput([a]), columns=columns)
    return [res["Sheet1"][(r, 5)] for r in range(1, 4)]


@pytest.mark.parametrize("formula, expected", [
    ("INDEX(A1:A5,{1;3;5})", [10, 30, 50]),
    ("INDEX(B1:B5,{2;4;1},1)", ["b", "d", "a"]),
    ("INDEX(A1:B5,{1;2;3},{2;1;2})", ["a", 20, "c"]),
    ("XLOOKUP({20;40;10},A1:A5,B1:B5)", ["b", "d", "a"]),
    ("VLOOKUP({20;40;10},A1:B5,2,FALSE)", ["b", "d", "a"]),
    ("VLOOKUP(20,A1:B5,{2;1;2},FALSE)", ["b", 20, "b"]),
    ("HLOOKUP(1,{1,2;3,4},{1;2;1})", [1, 3, 1]),
    ("MATCH({30;10;50},A1:A5,0)", [3, 1, 5]),
    ("IFS({1;0;1}=1,\"y\",TRUE,\"n\")", ["y", "n", "y"]),
    ("IFS(A1:A3>15,\"big\",TRUE,\"small\")", ["small", "big", "big"]),
    ("IFS(A1:A3>25,\"big\")", [NA, NA, "big"]),
    ("SWITCH({1;2;3},1,\"one\",2,\"two\",\"other\")", ["one", "two", "other"]),
    ("SWITCH(A1:A3,20,\"twenty\")", [NA, "twenty", NA]),
    ("CHOOSE({1;2;1},\"x\",\"y\")", ["x", "y", "x"]),
])
def test_lifted_over_array_arguments(formula, expected):
    assert spill3(formula) == expected


def test_index_of_an_array_of_rows_sums_their_values():
    a = SheetInput("Sheet1")
    for r in range(1, 6):
        a.values[(r, 1)] = r * 10
    a.formulas[(1, 3)] = "SUM(INDEX(A1:A5,{1;3;5}))"
    res, _ = calculate(BookInput([a]))
    assert res["Sheet1"][(1, 3)] == 90


@pytest.mark.parametrize("formula, expected", [
    # an operation on a one-element array, then another on its answer: by hand 5, 5, 1,
    # and a LAMBDA's parameter holding {5} (BYROW hands each row so) negated twice: 5
    ("SUM(--{5})", 5),
    ("-(-{5})", 5),
    ("({5}=5)*1+0", 1),
    ("_xlfn.LAMBDA(_xlpm.x,--_xlpm.x)({5})", 5),
    ('SUM(_xlfn.BYROW(B1:B3,_xlfn.LAMBDA(_xlpm.r,--(_xlpm.r="b"))))', 1),
])
def test_one_element_arrays_stay_arrays_through_chained_operations(formula, expected):
    a = SheetInput("Sheet1")
    for r in range(1, 4):
        a.values[(r, 2)] = "abc"[r - 1]
    a.formulas[(1, 5)] = formula
    res, _ = calculate(BookInput([a]))
    assert res["Sheet1"][(1, 5)] == expected
