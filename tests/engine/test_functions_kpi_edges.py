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
