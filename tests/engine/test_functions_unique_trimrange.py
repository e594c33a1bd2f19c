"""UNIQUE and TRIMRANGE, computed by the engine itself.

Both came from the fallback library, whose UNIQUE gives [1; 0; 0] for {1;2;2;3} with
NumPy older than 2.3 (what Python 3.10 can install) and whose TRIMRANGE kept leading blank
rows of a whole column.  The expected values follow Microsoft's documentation of the two
functions (UNIQUE compares text without regard to case, keeps first appearances in order;
TRIMRANGE's trim_rows/trim_cols 0 none, 1 leading, 2 trailing, 3 both) and are worked by
hand below; the TRIMRANGE workbook is the layout of an Excel-saved oracle file.
"""
from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from kpi_xl.engine import recalc_file
from kpi_xl.engine.values import XlErr
from one_cell import ev


def _recalculated(tmp_path, cells):
    """The cached values of a workbook holding ``cells`` ({"A1": value or formula}) after
    the engine recalculated it, read back by openpyxl."""
    wb = Workbook()
    ws = wb.active
    for ref, v in cells.items():
        ws[ref] = v
    src, dst = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    recalc_file(str(src), str(dst))
    return load_workbook(dst, data_only=True).active


def test_unique_in_a_saved_workbook(tmp_path):
    names = ["Amy", "Bo", "amy", "Cy", "Bo", "AMY"]
    cells = {f"A{i}": v for i, v in enumerate(names, 1)}
    cells.update({
        "C1": "=ROWS(_xlfn.UNIQUE(A1:A6))",          # Amy, Bo, Cy: case folded
        "D1": "=INDEX(_xlfn.UNIQUE(A1:A6),3)",       # the third first appearance: Cy
        "E1": "=INDEX(_xlfn.UNIQUE(A1:A6),1)",       # the first spelling is kept: Amy
        "F1": "=ROWS(_xlfn.UNIQUE(A1:A6,FALSE,TRUE))",  # only Cy appears once
        "G1": '=MATCH("banana",_xlfn.UNIQUE({"apple";"banana";"apple";"cherry"}),0)',
        "H1": "=LOOKUP(2,_xlfn.UNIQUE({1;2;2;3}))",
        "I1": "=SUM(_xlfn.UNIQUE({1;2;2;3}))",      # 1 + 2 + 3
    })
    ws = _recalculated(tmp_path, cells)
    assert [ws[c].value for c in ("C1", "D1", "E1", "F1", "G1", "H1", "I1")] == \
        [3, "Cy", "Amy", 1, 2, 2, 6]


@pytest.mark.parametrize("formula, want", [
    # rows compared whole: (1,"a") twice, (1,"b") once
    ("ROWS(_xlfn.UNIQUE({1,\"a\";1,\"b\";1,\"A\"}))", 2),
    # by column: columns {1;2}, {1;2}, {3;4} → two distinct columns
    ("COLUMNS(_xlfn.UNIQUE({1,1,3;2,2,4},TRUE))", 2),
    # a number and its text, a logical and the number it equals are all distinct
    ('ROWS(_xlfn.UNIQUE({1;"1";TRUE;1}))', 3),
    # 1 and 1.0 are one number
    ("ROWS(_xlfn.UNIQUE({1;1.0;2}))", 2),
    # every value repeated: nothing appears exactly once → Excel's empty array
    ("_xlfn.UNIQUE({1;1;2;2},FALSE,TRUE)", XlErr("#CALC!")),
    ("_xlfn.UNIQUE({1;2},#N/A)", XlErr("#N/A")),
])
def test_unique_rules(formula, want):
    assert ev("=" + formula) == want


def test_unique_of_a_whole_column_counts_its_blank_rest_once():
    # A1:A3 "x", "y", "x", then 1,048,573 blank rows: the distinct rows are x, y and the
    # blank; exactly once: only y (x twice, the blank over a million times)
    assert ev("=ROWS(_xlfn.UNIQUE(A:A))", A1="x", A2="y", A3="x") == 3
    assert ev("=INDEX(_xlfn.UNIQUE(A:A,FALSE,TRUE),1)", A1="x", A2="y", A3="x") == "y"
    assert ev("=ROWS(_xlfn.UNIQUE(A:A,FALSE,TRUE))", A1="x", A2="y", A3="x") == 1


def test_trimrange_in_a_saved_workbook(tmp_path):
    # Excel's own cached values of this layout (oracle file TRIMRANGE.xlsx): A3:C22 trims to
    # A3:B9 (column C and rows 10-22 are blank), so its spill is 7 rows x 2 columns;
    # H:H trims to H3:H5 (rows 1-2 lead, the rest trails), 1 + 2 + 3 = 6.
    cells = {"A3": 1, "B3": 2, "A4": 3, "B5": 4, "A7": 7, "B9": "Hola",
             "H3": 1, "H4": 2, "H5": 3,
             "E1": "=ROWS(_xlfn.TRIMRANGE(A3:C22))", "F1": "=COLUMNS(_xlfn.TRIMRANGE(A3:C22))",
             "J1": "=SUM(_xlfn.TRIMRANGE(H:H))", "K1": "=ROWS(_xlfn.TRIMRANGE(H:H))",
             "L1": "=INDEX(_xlfn.TRIMRANGE(H:H),1)"}
    ws = _recalculated(tmp_path, cells)
    assert [ws[c].value for c in ("E1", "F1", "J1", "K1", "L1")] == [7, 2, 6, 3, 1]


@pytest.mark.parametrize("formula, want", [
    ("ROWS(_xlfn.TRIMRANGE(A1:A6,1))", 4),    # leading only: A3:A6
    ("ROWS(_xlfn.TRIMRANGE(A1:A6,2))", 3),    # trailing only: A1:A3
    ("ROWS(_xlfn.TRIMRANGE(A1:A6,0))", 6),    # none
    ("COLUMNS(_xlfn.TRIMRANGE(A1:C6,3,0))", 3),
    ("COLUMNS(_xlfn.TRIMRANGE(A1:C6))", 1),
    ("_xlfn.TRIMRANGE(D1:D9)", XlErr("#REF!")),   # wholly blank
    ("_xlfn.TRIMRANGE(A1:A6,4)", XlErr("#VALUE!")),
    ("ROWS(_xlfn.TRIMRANGE({\"\",1;2,3}))", 2),   # an empty text is not blank
])
def test_trimrange_rules(formula, want):
    assert ev("=" + formula, A3=5) == want
