"""Which error a formula shows when several of its arguments are errors: Excel evaluates
the arguments left to right and answers with the first argument that fails, an error or a
text that is no number (so LEFT(#N/A,1/0) is #N/A, FLOOR("a",1/0) #VALUE!)."""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

NA, DIV0, NUM, VALUE = XlErr("#N/A"), XlErr("#DIV/0!"), XlErr("#NUM!"), XlErr("#VALUE!")


def ev(formula):
    s = SheetInput("Sheet1")
    s.values.update({(1, 1): 5, (2, 1): 6})
    s.formulas[(9, 9)] = formula
    results, _ = calculate(BookInput([s]))
    return results["Sheet1"][(9, 9)]


@pytest.mark.parametrize("formula, expected", [
    ("#N/A+1/0", NA), ("1/0+#N/A", DIV0), ("#N/A&1/0", NA), ("#N/A<1/0", NA),
    ("LEFT(#N/A,1/0)", NA), ("RIGHT(#N/A,1/0)", NA), ("MID(#N/A,1/0,1)", NA),
    ("MID(\"abc\",#NUM!,1/0)", NUM), ("FIND(#N/A,1/0)", NA), ("REPT(#N/A,1/0)", NA),
    ("SUBSTITUTE(\"a\",#N/A,1/0)", NA), ("DATE(#N/A,1/0,1)", NA), ("DATE(1,1/0,#N/A)", DIV0),
    ("ROUND(#N/A,1/0)", NA), ("MOD(1/0,#N/A)", DIV0), ("POWER(#N/A,1/0)", NA),
    ("EDATE(#N/A,1/0)", NA), ("SEARCH(#N/A,1/0)", NA), ("REPLACE(#N/A,1/0,1,\"\")", NA),
    ("SUM(#NUM!,#N/A)", NUM), ("MAX(1/0,#N/A)", DIV0), ("AND(#N/A,1/0)", NA),
    ("INDEX(#N/A,1/0)", NA), ("INDEX(A1:A2,1/0,#N/A)", DIV0),
    ("MATCH(1,#N/A,1/0)", NA), ("MATCH(#DIV/0!,#N/A)", DIV0),
    ("VLOOKUP(1,#N/A,1/0)", NA), ("VLOOKUP(#NUM!,#N/A,1/0)", NUM), ("HLOOKUP(1,1/0,#N/A)", DIV0),
    # element by element over arrays, too
    ("INDEX(LEFT({\"ab\",#N/A},#DIV/0!),1,2)", NA),
    ("INDEX(LEFT({\"ab\",#N/A},#DIV/0!),1,1)", DIV0),
    # left to right means coercion too: text that is no number fails before a later error
    # (Excel's cached values in the oracle workbook FLOOR_CEILING)
    ("FLOOR(\"a\",1/0)", VALUE), ("CEILING(\"a\",#N/A)", VALUE), ("ROUND(\"x\",#N/A)", VALUE),
    ("FLOOR(1/0,\"a\")", DIV0),
    # a deleted reference (#REF!) among SUM's references is one error among the others
    ("SUM(1/0,#REF!)", DIV0), ("SUM(#REF!,1/0)", XlErr("#REF!")), ("SUM(A1,#N/A,#REF!)", NA),
])
def test_the_first_error_wins(formula, expected):
    assert ev(formula) == expected


@pytest.mark.parametrize("formula, expected", [
    # functions that are given errors to judge are not cut short
    ("ISERROR(#N/A)", True), ("IFERROR(1/0,#N/A)", NA), ("COUNT(#N/A,1/0,3)", 1),
    ("CHOOSE(1,5,1/0)", 5), ("IF(TRUE,1,#N/A)", 1), ("IFNA(#N/A,1/0)", DIV0),
])
def test_functions_that_take_errors_still_do(formula, expected):
    assert ev(formula) == expected
