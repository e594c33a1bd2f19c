"""Functions Excel has that the engine lacked: AGGREGATE, USDOLLAR, ECMA.CEILING, SERIESSUM,
PHONETIC. Expected values are the examples of Excel's documentation, Excel's cached values
of the oracle workbook formula_stress_test, and sums worked by hand."""
from __future__ import annotations

import openpyxl
import pytest

from kpi_xl.engine import recalc_file

# Excel's documentation of AGGREGATE: its example table (rows 1-11 of columns A and B).
DOC_A = ["#DIV/0!", 72, 30, "#NUM!", 31, 96, 32, 81, 33, 53, 34]
DOC_B = [82, 65, 95, 63, 53, 71, 55, 83, 100, 91, 89]


def _run(tmp_path, formulas, extra=None, hidden=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for i, (a, b) in enumerate(zip(DOC_A, DOC_B), start=1):
        ws.cell(i, 1, a)
        ws.cell(i, 2, b)
    for a1, v in (extra or {}).items():
        ws[a1] = v
    for r in hidden:
        ws.row_dimensions[r].hidden = True
    for i, f in enumerate(formulas, start=1):
        ws.cell(i, 8, "=" + f)
    wb.save(tmp_path / "in.xlsx")
    recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    got = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Sheet1"]
    return [got.cell(i, 8).value for i in range(1, len(formulas) + 1)]


def test_aggregate_documentation_examples(tmp_path):
    got = _run(tmp_path, ["AGGREGATE(4,6,A1:A11)", "AGGREGATE(14,6,A1:A11,3)",
                          "AGGREGATE(15,6,A1:A11)", "AGGREGATE(12,6,A1:A11,B1:B11)",
                          "MAX(A1:A2)"])
    assert got == [96, 72, "#VALUE!", 68, "#DIV/0!"]


@pytest.mark.parametrize("formula, expected", [
    # every function number over B1:B11 (no errors): values worked by hand
    ("AGGREGATE(1,4,B1:B11)", 847 / 11), ("AGGREGATE(2,4,A1:A11)", 9),
    ("AGGREGATE(3,4,A1:A11)", 11), ("AGGREGATE(5,4,B1:B11)", 53),
    ("AGGREGATE(6,4,B4:B5)", 63 * 53), ("AGGREGATE(9,4,B1:B11)", 847),
    ("AGGREGATE(13,4,B1:B3,B1)", 82), ("AGGREGATE(15,4,B1:B11,2)", 55),
    ("AGGREGATE(16,4,B1:B3,0.5)", 82), ("AGGREGATE(17,4,B1:B3,2)", 82),
    ("AGGREGATE(19,4,B1:B11,2)", 82), ("AGGREGATE(18,4,B1:B11,0.5)", 82),
    ("AGGREGATE(11,4,B4:B5)", 25), ("AGGREGATE(10,4,B4:B5)", 50),
    ("AGGREGATE(8,4,B4:B5)", 5), ("AGGREGATE(7,4,B4:B5)", 50 ** 0.5),
    # errors: option 4 ignores nothing, so the first error shows; 6 ignores them
    ("AGGREGATE(9,4,A1:A11)", "#DIV/0!"), ("AGGREGATE(9,6,A1:A11)", 462),
    # the array form computes over arrays, its errors ignored with option 6
    ("AGGREGATE(14,6,B1:B11/(B1:B11>90),1)", 100),
    ("AGGREGATE(15,6,B1:B11/(B1:B11>90),1)", 91),
    # wrong function numbers and options, and the reference form given an array
    ("AGGREGATE(20,4,B1:B11)", "#VALUE!"), ("AGGREGATE(9,8,B1:B11)", "#VALUE!"),
    ("AGGREGATE(9,4,{1,2})", "#VALUE!"),
])
def test_aggregate_functions_and_options(tmp_path, formula, expected):
    got = _run(tmp_path, [formula])[0]
    assert got == pytest.approx(expected) if isinstance(expected, float) else got == expected


def test_aggregate_hidden_rows_and_nested_subtotals(tmp_path):
    # C1:C4 = 1, 2, 4, 8; row 3 hidden; C5 a SUBTOTAL over C1:C2
    extra = {"C1": 1, "C2": 2, "C3": 4, "C4": 8, "C5": "=SUBTOTAL(9,C1:C2)"}
    got = _run(tmp_path, ["AGGREGATE(9,0,C1:C5)", "AGGREGATE(9,1,C1:C5)",
                          "AGGREGATE(9,4,C1:C5)", "AGGREGATE(9,5,C1:C5)",
                          "AGGREGATE(9,7,C1:C5)"], extra, hidden=[3])
    assert got == [15, 11, 18, 14, 14]


@pytest.mark.parametrize("formula, expected", [
    ("USDOLLAR(1234.567)", "$1,234.57"), ("USDOLLAR(-1234.567,-2)", "($1,200)"),
    ("USDOLLAR(0.123,4)", "$0.1230"), ("USDOLLAR(C1)", "$0.00"),   # oracle: USDOLLAR(B7) of a blank
    # ECMA.CEILING: up to a multiple of |significance|, negatives towards zero
    ("ECMA.CEILING(1.5,2)", 2), ("ECMA.CEILING(-2.5,2)", -2), ("ECMA.CEILING(4.3,-2)", 6),
    ("ECMA.CEILING(5,0)", 0),
    # SERIESSUM(x, n, m, a): sum of a_i * x^(n + (i-1)m); the oracle: x 3, n 5, m 6, a 4..11
    ("SERIESSUM(2,1,2,{1,2,3})", 2 + 16 + 96),
    ("SERIESSUM(3,5,6,{4,5,6,7,8,9,10,11})", 2.928421387459129e+23),
    ("SERIESSUM(2,1,1,{1,\"a\"})", "#VALUE!"),
    ("PHONETIC(D1)", "foo bar baz qux"), ("PHONETIC(D1:D2)", "foo bar baz qux"),
    ("PHONETIC((D1,D2))", "#N/A"),
])
def test_other_functions(tmp_path, formula, expected):
    got = _run(tmp_path, [formula], {"D1": "foo bar baz qux", "D2": "x"})[0]
    assert got == pytest.approx(expected, rel=1e-12) if isinstance(expected, float) else got == expected
