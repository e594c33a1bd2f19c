"""Typed values versus references in SUMSQ, DEVSQ, AVEDEV, LARGE/SMALL and MODE. Expected
values: Excel's documentation examples, and Excel's cached values of the oracle workbook
FormulaEvalTestData (NPOI), whose cells are laid out again here: B8 1, B9 2, C9 1.1,
D7 empty, E13:E17 the texts "0", "0.000001", "1", "1.1", "2.99999" and F13 a formula
giving E17's text."""
from __future__ import annotations

import pytest

VALUES = {"B8": 1, "B9": 2, "C8": 1e-05, "C9": 1.1, "D8": None,
          "E13": '="0"', "E14": '="0.000001"', "E15": '="1"', "E16": '="1.1"',
          "E17": '="2.99999"', "F13": "=E17", "F14": 3, "A1": 4, "A2": 5, "A3": 6, "A4": 7,
          "A5": 5, "A6": 4, "A7": 3, "G1": 4, "G2": 5, "G3": 8, "G4": 7, "G5": 11, "G6": 4,
          "G7": 3, "H1": 5.6, "H2": 4, "H3": 4, "H4": 3, "H5": 2, "H6": 4}

CASES = [
    # NPOI's workbook, Excel's cached values
    ("SUMSQ(B8:C9,E15,F13)", 6.2100000001), ("SUMSQ(E13:E16)", 0), ("SUMSQ(E13:F14)", 9),
    ("AVEDEV(E13:E17)", "#NUM!"), ("DEVSQ(E15:E17)", "#NUM!"),
    ("LARGE(TRUE,1)", 1), ('LARGE("2.3",1)', 2.3),
    ('MODE(C9,E16,"1",B8)', "#VALUE!"), ('MODE(B8,"1",2,3)', "#VALUE!"),
    ('MODE("1",1,#DIV/0!,2,3)', "#VALUE!"), ("MODE(B9,2,D7)", "#VALUE!"),
    # Excel's documentation examples
    ("AVEDEV(A1:A7)", 1.020408163265306), ("DEVSQ(G1:G7)", 48), ("SUMSQ(3,4)", 25),
    ("MODE(H1:H6)", 4), ("MODE.SNGL(H1:H6)", 4),
    # typed values are counted, worked by hand
    ('SUMSQ(2,"3",TRUE)', 4 + 9 + 1), ('DEVSQ(1,"3")', 2), ('AVEDEV(TRUE,"3")', 1),
    ('SUMSQ("a")', "#VALUE!"), ('LARGE("a",1)', "#VALUE!"),
    ("MODE(1,2,3)", "#N/A"), ("MODE({1,2,2,1})", 1), ("MODE(B8,B8,2)", 1),
]


@pytest.mark.parametrize("formula, expected", CASES)
def test_typed_values_and_references(recalc_cells, formula, expected):
    values = {k: v for k, v in VALUES.items() if v is not None}
    got, _ = recalc_cells(values, {"K1": formula})
    assert got["K1"] == (pytest.approx(expected) if isinstance(expected, float) else expected)
