"""A deleted reference (#REF!) given where a function takes a reference: Excel cannot read
the range and answers with the #REF! it was given (cached values of umya_spreadsheet's
issue_216 and issue_296 workbooks: SUMIF(#REF!,">0"), COUNTIF(#REF!,1), SUBTOTAL(109,#REF!),
INDEX(#REF!:#REF!,COUNTA(#REF!:#REF!),MATCH(x,#REF!,0)), XLOOKUP(x,#REF!,#REF!,0) all show
#REF!). COUNTA, which takes values as well, counts a #REF! like any error. Functions that judge values (ISERROR, IFERROR) still see an error value."""
from __future__ import annotations

import pytest

VALUES = {"A1": 5, "A2": 6, "B1": "x", "B2": "y"}

CASES = [
    ('SUMIF(#REF!,">0")', "#REF!"),
    ('SUMIF(A1:A2,">0",#REF!)', "#REF!"),
    ("COUNTIF(#REF!,1)", "#REF!"),
    ("COUNTIF(Sheet1!#REF!,1)", "#REF!"),
    ("AVERAGEIF(#REF!,1)", "#REF!"),
    ("SUMIFS(A1:A2,#REF!,1)", "#REF!"),
    ("SUMIFS(#REF!,A1:A2,5)", "#REF!"),
    ("COUNTIFS(A1:A2,5,#REF!,1)", "#REF!"),
    ("MAXIFS(A1:A2,#REF!,1)", "#REF!"),
    ("INDEX(#REF!:#REF!,COUNTA(#REF!:#REF!),MATCH(A1,#REF!,0))", "#REF!"),
    ("MATCH(A1,#REF!,0)", "#REF!"),
    ("XLOOKUP(A1,#REF!,#REF!,0)", "#REF!"),
    ("VLOOKUP(A1,#REF!,2,FALSE)", "#REF!"),
    ("LOOKUP(A1,#REF!)", "#REF!"),
    ("SUBTOTAL(109,#REF!)", "#REF!"),
    ("SUBTOTAL(9,A1:A2,#REF!)", "#REF!"),
    # untouched: the same functions over real ranges, and functions that judge errors
    ('SUMIF(A1:A2,">0")', 11),
    ("COUNTA(A1:B2)", 4),
    ("COUNTA(1,NA())", 2),
    # COUNTA takes values too: a #REF! typed among them is counted (Excel's cached value in
    # NPOI's FormulaEvalTestData)
    ('COUNTA(2,"A","",#REF!,#DIV/0!)', 5),
    ("ISERROR(#REF!)", True),
    ("IFERROR(#REF!/#REF!,0)", 0),
]


@pytest.mark.parametrize("formula, expected", CASES)
def test_a_ref_error_where_a_reference_belongs(recalc_cells, formula, expected):
    got, _ = recalc_cells(VALUES, {"D1": formula})
    assert got["D1"] == expected
