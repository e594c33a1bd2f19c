"""A function's name given as a function value, as Excel saves it: ``_xleta.SUM`` is
``LAMBDA(x, SUM(x))`` (Microsoft: "eta reduced lambda"); ``_xlfn.PERCENTOF`` takes two."""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.scan import scan_unknown
from kpi_xl.engine.values import XlErr


def run(formula, anchor_spills=True):
    s = SheetInput("Sheet1")
    for (r, c), v in {(1, 1): 1, (1, 2): 2, (2, 1): 3, (2, 2): 4}.items():
        s.values[(r, c)] = v
    s.formulas[(1, 5)] = formula
    if anchor_spills:
        s.arrays[(1, 5)] = (1, 5, 1, 5)
        s.dynamic.add((1, 5))
    book = BookInput([s])
    results, _ = calculate(book)
    return results["Sheet1"], book


@pytest.mark.parametrize("formula, expected", [
    ("_xlfn.BYROW(A1:B2,_xleta.SUM)", [3, 7]),
    ("_xlfn.BYROW(A1:B2,_xleta.MAX)", [2, 4]),
    ("_xlfn.BYROW(A1:B2,_xleta.STDEV.S)", [pytest.approx(0.5 ** 0.5), pytest.approx(0.5 ** 0.5)]),
    ("_xlfn.BYROW(A1:B2,_xleta.COUNTA)", [2, 2]),
])
def test_an_eta_name_is_the_lambda_of_its_function(formula, expected):
    res, _ = run(formula)
    assert [res[(1, 5)], res[(2, 5)]] == expected


def test_bycol_with_product():
    res, _ = run("_xlfn.BYCOL(A1:B2,_xleta.PRODUCT)")
    assert [res[(1, 5)], res[(1, 6)]] == [3, 8]


def test_an_eta_name_is_not_an_unknown_name():
    _, book = run("_xlfn.BYROW(A1:B2,_xleta.SUM)")
    functions, names = scan_unknown(book)
    assert names == {} and functions == {}


def test_an_unknown_function_under_the_prefix_stays_a_name_error():
    res, _ = run("_xlfn.BYROW(A1:B2,_xleta.NOSUCHFUNCTION)")
    assert res[(1, 5)] == XlErr("#NAME?")

