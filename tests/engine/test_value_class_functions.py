"""The distributions, their inverses and the scalar finance functions take single values
(value class in Excel's function table): a whole column or a range given to them in a
formula entered normally meets implicit intersection, the cell in the formula's own row.
In an array formula the range stays whole and the function is applied to each element.
Values: F5 = 1.5, F6 = 0.3, G5 = 2; the results are the functions' values at those numbers
(the standard normal CDF at 1.5 is 0.9331927987311419, FISHER(0.3) = atanh(0.3))."""
from __future__ import annotations

import math

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput


def _sheet():
    s = SheetInput("S")
    s.values[(5, 6)] = 1.5
    s.values[(6, 6)] = 0.3
    s.values[(5, 7)] = 2
    return s


@pytest.mark.parametrize("formula, row, expected", [
    ("_xlfn.NORM.S.DIST(F:F,TRUE)", 5, 0.9331927987311419),
    ("NORMSDIST(F:F)", 5, 0.9331927987311419),
    ("FISHER(F:F)", 6, math.atanh(0.3)),
    ("FISHER(F5:F6)", 6, math.atanh(0.3)),
    ("_xlfn.POISSON.DIST(G:G,2,FALSE)", 5, 2 * math.exp(-2)),   # 2^2 e^-2 / 2!
    ("_xlfn.EXPON.DIST(F:F,G:G,TRUE)", 5, 1 - math.exp(-3)),   # 1 - e^(-2*1.5)
    ("FISHER(F5:F6)", 9, "#VALUE!"),                          # no cell in row 9
])
def test_a_range_meets_implicit_intersection(formula, row, expected):
    s = _sheet()
    s.formulas[(row, 2)] = formula
    for columns in (True, False):
        res, _ = calculate(BookInput([s]), columns=columns)
        got = res["S"][(row, 2)]
        if isinstance(expected, str):
            assert str(got) == expected
        else:
            assert got == pytest.approx(expected, rel=1e-12), (formula, columns)


def test_in_an_array_formula_each_element_is_taken():
    s = _sheet()
    s.formulas[(5, 2)] = "FISHER(F5:F6*0+0.3)"
    s.arrays[(5, 2)] = (5, 2, 6, 2)
    res, _ = calculate(BookInput([s]))
    assert [res["S"][(r, 2)] for r in (5, 6)] == pytest.approx([math.atanh(0.3)] * 2)
