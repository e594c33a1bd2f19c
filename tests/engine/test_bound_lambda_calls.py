"""Calling a LAMBDA by the name LET gives it, or by the name of the parameter it was passed
as: ``LET(area, LAMBDA(x, y, x*y), area(D1, E1))``, saved as ``_xlpm.area(D1,E1)``.

Excel's cached value is the reference: ironcalc__LOGICAL__LAMBDA.xlsx (an Excel-saved
oracle workbook) caches 42 in F4 for area(D1,E1) with D1 6 and E1 7.  The other values are
the lambdas' arithmetic done by hand: a lambda passed as a parameter is called with the
arguments given there, and the recursive factorial (the lambda passed to itself) of 5 is 120.
"""
from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.engine import recalc_file
from kpi_xl.engine.scan import scan_unknown
from kpi_xl.engine.recalc import book_input
from kpi_xl.engine.xlsx_read import read_workbook

sys.path.insert(0, str(Path(__file__).parent))
import oracle_runner  # noqa: E402

LAMBDA_BOOK = oracle_runner.SHARED_ORACLES / "files" / "ironcalc__LOGICAL__LAMBDA.xlsx"

FORMULAS = [
    ("=_xlfn.LET(_xlpm.area,_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.x*_xlpm.y),_xlpm.area(A1,B1))",
     6 * 7),
    # a lambda given as a parameter and called inside the other: 2 * (6 + 7)
    ("=_xlfn.LET(_xlpm.twice,_xlfn.LAMBDA(_xlpm.f,_xlpm.a,_xlpm.b,2*_xlpm.f(_xlpm.a,_xlpm.b)),"
     "_xlpm.twice(_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.x+_xlpm.y),A1,B1))", 26),
    # recursion by passing the lambda to itself: 5! = 120
    ("=_xlfn.LET(_xlpm.fact,_xlfn.LAMBDA(_xlpm.g,_xlpm.n,IF(_xlpm.n<=1,1,"
     "_xlpm.n*_xlpm.g(_xlpm.g,_xlpm.n-1))),_xlpm.fact(_xlpm.fact,5))", 120),
]


@pytest.mark.parametrize("formula, expected", FORMULAS)
def test_a_bound_lambda_is_called(tmp_path, formula, expected):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"] = 6, 7, formula
    src, dst = tmp_path / "lambda.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    res = recalc_file(src, dst)
    assert res.ok and not res.unknown_functions, res.unknown_functions
    assert openpyxl.load_workbook(dst, data_only=True).active["C1"].value == expected


@pytest.mark.skipif(not LAMBDA_BOOK.is_file(), reason="the oracle corpus is not present")
def test_the_oracle_workbook_gives_excels_cached_value(tmp_path):
    assert openpyxl.load_workbook(LAMBDA_BOOK, data_only=True)["Sheet1"]["F4"].value == 42
    assert scan_unknown(book_input(read_workbook(LAMBDA_BOOK))) == ({}, {})
    res = recalc_file(LAMBDA_BOOK, tmp_path / "out.xlsx")
    assert res.ok and not res.errors, res.errors
    assert openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Sheet1"]["F4"].value == 42
