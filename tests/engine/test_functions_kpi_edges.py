"""Edge cases of the functions KPI workbooks lean on (lookups, criteria, IFERROR, dates),
each worked by hand from Excel's documented behaviour."""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

NUM, VALUE, NA, DIV0, REF = (XlErr("#NUM!"), XlErr("#VALUE!"), XlErr("#N/A"), XlErr("#DIV/0!"),
                             XlErr("#REF!"))


def book(cells, formulas=(), arrays=None, names=None):
    from kpi_xl.engine.xlsx_read import parse_cell_ref
    s = SheetInput("Sheet1")
    for ref, v in cells.items():
        s.values[parse_cell_ref(ref)] = v
    for ref, text in formulas:
        s.formulas[parse_cell_ref(ref)] = text
    for ref, bounds in (arrays or {}).items():
        s.arrays[parse_cell_ref(ref)] = bounds
    results, report = calculate(BookInput([s], names=names or {}))
    return results["Sheet1"]


def ev(formula, cells=None, names=None):
    return book(cells or {}, [("Z100", formula)], names=names)[(100, 26)]


def test_book_zero_is_the_workbook_itself():
    # In the file's formula text "[0]!Name" is a name of this workbook, not an external link.
    names = {("RATE", None): "Sheet1!$A$1"}
    assert ev("[0]!Rate*2", {"A1": 21}, names) == 42
    assert ev("IF(A1=21,[0]!Rate,-1)", {"A1": 21}, names) == 21
    assert ev("[1]Sheet1!A1", {"A1": 21}) is REF      # a real external book stays unknown


# -- one-value arguments given a range: implicit intersection ---------------------------------

def test_a_range_as_criterion_meets_the_formulas_column():
    cells = {"A1": 1, "A2": 2, "A3": 3, "A4": 4, "A5": 1, "B1": 2, "C1": 1, "D1": "x"}
    res = book(cells, [("C9", "COUNTIF(A1:A5,B1:D1)"),      # column C → C1 = 1: two 1s
                       ("B9", "COUNTIF(A1:A5,B1:D1)"),      # column B → B1 = 2: one 2
                       ("F9", "COUNTIF(A1:A5,B1:D1)"),      # column F meets nothing: #VALUE! criterion
                       ("G9", "SUMPRODUCT(COUNTIF(A1:A5,A1:A5))"),  # array context: 2+1+1+1+2
                       ("H9", "COUNTIFS(A1:A5,B1:D1)")])
    assert res[(9, 3)] == 2
    assert res[(9, 2)] == 1
    assert res[(9, 6)] == 0
    assert res[(9, 7)] == 7
    assert res[(9, 8)] == 0    # column H meets nothing either


def test_a_criterion_range_meeting_nothing_matches_value_errors():
    # The criterion becomes #VALUE!, and an error criterion matches cells holding that error.
    res = book({"A3": 5, "B1": 10, "B2": 20, "B3": 30, "D1": 1, "E1": 1},
               [("A1", "1/0"), ("A2", "VALUE(\"x\")"), ("F5", "SUMIF(A1:A3,D1:E1,B1)"),
                ("E5", "SUMIF(A1:A3,D1:E1,B1)")])
    assert res[(5, 6)] == 20
    assert res[(5, 5)] == 0    # column E → E1 = 1: no 1 in A1:A3


def test_a_range_as_lookup_value_meets_the_formulas_row():
    cells = {"A1": 1, "A2": 2, "A3": 3, "B1": "a", "B2": "b", "B3": "c"}
    res = book(cells, [("D2", "VLOOKUP(A1:A3,A1:B3,2)"), ("D5", "VLOOKUP(A1:A3,A1:B3,2)"),
                       ("D3", "LOOKUP(A1:A3,A1:A3,B1:B3)")])
    assert res[(2, 4)] == "b"
    assert res[(5, 4)] is VALUE
    assert res[(3, 4)] == "c"
    res = book(cells, [("D1", "VLOOKUP(A1:A3,A1:B3,2)")], arrays={"D1": (1, 4, 3, 4)})
    assert [res[(r, 4)] for r in (1, 2, 3)] == ["a", "b", "c"]    # an array formula broadcasts


# -- approximate match on keys that are not sorted -----------------------------------------------

def test_approximate_match_stops_at_the_first_equal_value_the_halving_meets():
    # Keys 1,5,2,5,0 and x = 5: halving looks at 2 (index 2, ≤ 5, go right), then at 5
    # (index 3): equal, so the answer is there, not the 0 after it, last ≤ 5.
    cells = {"A1": 1, "A2": 5, "A3": 2, "A4": 5, "A5": 0}
    cells.update({"B1": "p", "B2": "q", "B3": "r", "B4": "s", "B5": "t"})
    assert ev("LOOKUP(5,A1:A5,B1:B5)", cells) == "s"
    assert ev("VLOOKUP(5,A1:B5,2)", cells) == "s"
    assert ev("MATCH(5,A1:A5)", cells) == 4
    # x = 4: 2 at index 2 is ≤ 4 (go right), 5 at index 3 is > 4 (go left): index 2.
    assert ev("LOOKUP(4,A1:A5,B1:B5)", cells) == "r"
    sorted_dupes = {"A1": 1, "A2": 3, "A3": 3, "A4": 3, "A5": 8}
    assert ev("MATCH(3,A1:A5)", sorted_dupes) == 4       # sorted duplicates: the last of them


# -- SUMPRODUCT of single values -----------------------------------------------------------------

def test_sumproduct_of_single_values_refuses_text():
    cells = {"A1": "4", "B1": 2, "C1": 3, "A2": "x", "B2": 5}
    assert ev("SUMPRODUCT(A1:A1,B1:B1)", cells) is VALUE   # one cell each: text is #VALUE!
    assert ev("SUMPRODUCT(A1,B1)", cells) is VALUE
    assert ev("SUMPRODUCT(3,B1,C1)", cells) == 18
    assert ev("SUMPRODUCT(A1:A2,B1:B2)", cells) == 0        # text inside ranges counts as 0
    assert ev("SUMPRODUCT(B1:C1,B1:C1)", cells) == 13


# -- IFERROR over two arrays ---------------------------------------------------------------------

def test_iferror_reads_the_fallback_only_where_the_value_is_an_error():
    # 100/5, 250/0, 80/8, 60/0 against a fallback of two: 20, 20 (fallback's 2nd), 10 (good
    # value beyond the fallback), #N/A (an error with no fallback element).
    cells = {"A1": 100, "A2": 250, "A3": 80, "A4": 60, "B1": 5, "B2": 0, "B3": 8, "B4": 0,
             "D1": 10, "D2": 20}
    res = book(cells, [("F1", "IFERROR(A1:A4/B1:B4,D1:D2)")], arrays={"F1": (1, 6, 4, 6)})
    assert [res[(r, 6)] for r in range(1, 5)] == [20, 20, 10, NA]
    res = book({}, [("A1", "IFERROR({1;0;2}/{0;0;0},{7,8})")], arrays={"A1": (1, 1, 3, 2)})
    assert [[res[(r, c)] for c in (1, 2)] for r in (1, 2, 3)] == [[7, 8], [7, 8], [7, 8]]


# -- XLOOKUP binary search for a blank -------------------------------------------------------------

def test_xlookup_binary_search_for_a_blank_lands_after_the_data():
    cells = {"A1": "a", "A2": "b", "A3": "c", "B1": 1, "B2": 2, "B3": 3, "B4": 4}
    assert ev("XLOOKUP(,A1:A4,B1:B4,,1,2)", cells) == 4     # blanks sort after text
    assert ev("XLOOKUP(,A:A,B:B,,0,2)", cells) == 4


# -- DAYS360 -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula, expected", [
    ("DAYS360(DATE(2025,1,1),DATE(2025,1,31))", 30),         # US: end 31st, start before the 30th
    ("DAYS360(DATE(2025,1,1),DATE(2025,1,31),TRUE)", 29),    # European: the 31st is the 30th
    ('DAYS360(DATE(2025,1,1),DATE(2025,1,31),"TRUE")', 29),   # text TRUE is the logical
    ('DAYS360(DATE(2025,1,1),DATE(2025,1,31),"yes")', VALUE),
    ("DAYS360(DATE(2025,1,1),DATE(2025,1,31),0.5)", 29),
    ("DAYS360(DATE(2025,7,30),DATE(2025,7,31))", 0),         # start 30th: the 31st is the 30th
    ("DAYS360(DATE(2024,2,29),DATE(2025,2,28))", 358),       # start end-of-Feb is the 30th; end stays
    ("DAYS360(DATE(2025,2,28),DATE(2025,3,1))", 1),
    ("DAYS360(DATE(2024,2,28),DATE(2024,3,1))", 3),          # 28 Feb 2024 is not February's last
    ("DAYS360(45992.000001,46000.999999)", 9),                # read to the nearest second
    ("DAYS360(DATE(2025,1,10)+TIME(16,30,0),DATE(2025,1,13))", 3),
    ("DAYS360(-10,-5)", NUM),
    ("DAYS360(10,0)", -10),
])
def test_days360(formula, expected):
    assert ev(formula) == expected


# -- ISOMITTED inside LAMBDA -----------------------------------------------------------------------

def test_isomitted_tells_a_parameter_the_call_left_out():
    body = "IF(ISOMITTED(y),\"no y\",x+y)"
    assert ev(f"LAMBDA(x,y,{body})(1,)") == "no y"           # an empty argument
    assert ev(f"LAMBDA(x,y,{body})(1)") == "no y"            # a missing one
    assert ev(f"LAMBDA(x,y,{body})(1,2)") == 3
    assert ev("LAMBDA(a,_xlop.b,IF(ISOMITTED(b),a/2,a*b))(A5)", {"A5": 12}) == 6   # optional [b]
    assert ev("LAMBDA(x,y,x+y)(1,)") == 1                     # read elsewhere it is blank
    assert ev("LAMBDA(x,ISOMITTED(x))(A1)") is False          # a blank cell is given, not omitted


# -- whole columns and rows are relative references too ------------------------------------------

def test_whole_column_and_row_references_move_with_the_formula():
    res = book({"H52": 1, "H53": 2, "I53": 7}, [("A52", "H:H"), ("B53", "H:H")])
    assert res[(52, 1)] == 1
    assert res[(53, 2)] == 2      # H53, not I53 (the form of A52 moved one column)
    cells = {"A5": 3, "B5": 4, "A6": 10, "B6": 20}
    res = book(cells, [("D9", "SUM(5:5)"), ("D10", "SUM(6:6)"),   # one relative form, two rows
                       ("E20", "SUM($A:A)"), ("F21", "SUM($A:B)")])
    assert res[(9, 4)] == 7
    assert res[(10, 4)] == 30
    assert res[(20, 5)] == 13
    assert res[(21, 6)] == 37
