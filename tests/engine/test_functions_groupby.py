"""GROUPBY, PIVOTBY and PERCENTOF with the function values Excel saves as ``_xleta.NAME``.

Expected values: Excel's cached results (phpspreadsheet__excel-groupby-one.xlsx in the
oracle corpus) and tables worked by hand from Microsoft's documentation of the functions
(defaults: headers guessed from the values, a "Total" row, subtotals where there are two
levels, rows sorted by their labels; text grouped without regard to case).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

sys.path.insert(0, str(Path(__file__).parent))
from oracle_runner import SHARED_ORACLES, check_file  # noqa: E402

DATA = [("Region", "Product", "Sales"),
        ("East", "Apple", 10),
        ("West", "Apple", 20),
        ("East", "Pear", 5),
        ("west", "Pear", 7),
        ("East", "Apple", 3),
        ("North", "Pear", 1)]


def spill(formula):
    """The array ``formula`` spills from E1 over the data above, as rows of values."""
    s = SheetInput("Sheet1")
    for i, row in enumerate(DATA, start=1):
        for j, v in enumerate(row, start=1):
            s.values[(i, j)] = v
    s.formulas[(1, 5)] = formula
    s.arrays[(1, 5)] = (1, 5, 1, 5)
    s.dynamic.add((1, 5))
    results, _ = calculate(BookInput([s]))
    res = results["Sheet1"]
    rows = []
    r = 1
    while (r, 5) in res:
        row = []
        c = 5
        while (r, c) in res:
            v = res[(r, c)]
            row.append(round(v, 12) if isinstance(v, float) else v)
            c += 1
        rows.append(row)
        r += 1
    return rows


def test_one_field_sums_with_a_total_row():
    # C1 is text and C2 a number: the first row is headers, not shown for one level
    assert spill("_xlfn.GROUPBY(A1:A7,C1:C7,_xleta.SUM)") == [
        ["East", 18], ["North", 1], ["West", 27], ["Total", 46]]


def test_sorted_by_the_values_descending():
    assert spill("_xlfn.GROUPBY(A1:A7,C1:C7,_xleta.SUM,,,-2)") == [
        ["West", 27], ["East", 18], ["North", 1], ["Total", 46]]


def test_sorted_by_the_labels_descending_with_the_total_on_top():
    assert spill("_xlfn.GROUPBY(A1:A7,C1:C7,_xleta.SUM,,-1,-1)") == [
        ["Total", 46], ["West", 27], ["North", 1], ["East", 18]]


def test_no_headers_no_totals_and_count():
    assert spill("_xlfn.GROUPBY(A2:A7,C2:C7,_xleta.COUNT,0,0)") == [
        ["East", 3], ["North", 1], ["West", 2]]


def test_headers_shown():
    assert spill("_xlfn.GROUPBY(A1:A7,C1:C7,_xleta.MAX,3)") == [
        ["Region", "Sales"], ["East", 10], ["North", 1], ["West", 20], ["Total", 20]]


def test_two_levels_show_headers_and_subtotals():
    assert spill("_xlfn.GROUPBY(A1:B7,C1:C7,_xleta.SUM)") == [
        ["Region", "Product", "Sales"],
        ["East", "Apple", 13], ["East", "Pear", 5], ["East", "", 18],
        ["North", "Pear", 1], ["North", "", 1],
        ["West", "Apple", 20], ["West", "Pear", 7], ["West", "", 27],
        ["Total", "", 46]]


def test_two_levels_grand_total_only():
    assert spill("_xlfn.GROUPBY(A2:B7,C2:C7,_xleta.SUM,0,1)") == [
        ["East", "Apple", 13], ["East", "Pear", 5], ["North", "Pear", 1],
        ["West", "Apple", 20], ["West", "Pear", 7], ["Total", "", 46]]



def test_hierarchy_sorts_the_parents_by_their_totals_then_the_children():
    # field_relationship 0 (hierarchy): sorting a later column keeps the parents' grouping
    assert spill("_xlfn.GROUPBY(A2:B7,C2:C7,_xleta.SUM,0,0,-3)") == [
        ["West", "Apple", 20], ["West", "Pear", 7], ["East", "Apple", 13], ["East", "Pear", 5],
        ["North", "Pear", 1]]


def test_table_relationship_sorts_the_rows_on_their_own():
    # field_relationship 1 (table): each row sorted by itself, and no subtotals
    assert spill("_xlfn.GROUPBY(A2:B7,C2:C7,_xleta.SUM,0,2,-3,,1)") == [
        ["West", "Apple", 20], ["East", "Apple", 13], ["West", "Pear", 7], ["East", "Pear", 5],
        ["North", "Pear", 1], ["Total", "", 46]]

def test_filter_array_keeps_the_rows_it_marks():
    assert spill("_xlfn.GROUPBY(A2:A7,C2:C7,_xleta.SUM,0,1,,C2:C7>4)") == [
        ["East", 15], ["West", 27], ["Total", 42]]


def test_percentof_gives_each_group_its_share_of_all():
    assert spill("_xlfn.GROUPBY(A2:A7,C2:C7,_xlfn.PERCENTOF,0,1)") == [
        ["East", round(18 / 46, 12)], ["North", round(1 / 46, 12)], ["West", round(27 / 46, 12)],
        ["Total", 1]]


def test_a_lambda_as_the_function():
    assert spill("_xlfn.GROUPBY(A2:A7,C2:C7,_xlfn.LAMBDA(_xlpm.x,MAX(_xlpm.x)-MIN(_xlpm.x)),0,0)") \
        == [["East", 7], ["North", 0], ["West", 13]]


def test_a_two_parameter_lambda_gets_all_the_values_second():
    assert spill("_xlfn.GROUPBY(A2:A7,C2:C7,_xlfn.LAMBDA(_xlpm.x,_xlpm.y,COUNT(_xlpm.y)),0,0)") \
        == [["East", 6], ["North", 6], ["West", 6]]


def test_other_eta_functions():
    assert spill("_xlfn.GROUPBY(A2:A7,C2:C7,_xleta.ARRAYTOTEXT,0,0)") == [
        ["East", "10, 5, 3"], ["North", "1"], ["West", "20, 7"]]
    assert spill("_xlfn.GROUPBY(A2:A7,C2:C7,_xleta.STDEV.S,0,0,,A2:A7<>\"North\")") == [
        ["East", round((((10 - 6) ** 2 + (5 - 6) ** 2 + (3 - 6) ** 2) / 2) ** 0.5, 12)],
        ["West", round(((6.5 ** 2) * 2) ** 0.5, 12)]]


def test_pivotby_rows_by_columns_with_totals():
    assert spill("_xlfn.PIVOTBY(A2:A7,B2:B7,C2:C7,_xleta.SUM,0)") == [
        ["", "Apple", "Pear", "Total"],
        ["East", 13, 5, 18],
        ["North", "", 1, 1],
        ["West", 20, 7, 27],
        ["Total", 33, 13, 46]]


def test_pivotby_percent_of_the_column_total():
    # relative_to missing: each cell is its share of its column's total
    got = spill("_xlfn.PIVOTBY(A2:A7,B2:B7,C2:C7,_xlfn.PERCENTOF,0,0,,0)")
    assert got == [["", "Apple", "Pear"],
                   ["East", round(13 / 33, 12), round(5 / 13, 12)],
                   ["North", "", round(1 / 13, 12)],
                   ["West", round(20 / 33, 12), round(7 / 13, 12)]]


@pytest.mark.parametrize("formula, err", [
    ("_xlfn.GROUPBY(A2:A7,C2:C6,_xleta.SUM)", "#VALUE!"),        # lengths differ
    ("_xlfn.GROUPBY(A2:A7,C2:C7,5)", "#VALUE!"),                 # not a function
    ("_xlfn.GROUPBY(A2:A7,C2:C7,_xleta.SUM,0,1,,C2:C7>100)", "#CALC!"),   # nothing left
])
def test_errors(formula, err):
    assert spill(formula) == [[XlErr(err)]]


def test_percentof():
    s = SheetInput("Sheet1")
    for i, row in enumerate(DATA, start=1):
        for j, v in enumerate(row, start=1):
            s.values[(i, j)] = v
    s.formulas[(1, 5)] = "_xlfn.PERCENTOF(C2:C3,C2:C7)"
    s.formulas[(2, 5)] = "_xlfn.PERCENTOF(C2,A1:A2)"
    results, _ = calculate(BookInput([s]))
    assert results["Sheet1"][(1, 5)] == pytest.approx(30 / 46)
    assert results["Sheet1"][(2, 5)] == XlErr("#DIV/0!")


ORACLE = SHARED_ORACLES / "files" / "phpspreadsheet__excel-groupby-one.xlsx"


@pytest.mark.skipif(not ORACLE.is_file(), reason="the oracle corpus is not beside the checkout")
def test_groupby_agrees_with_excels_cached_values():
    rows, _ = check_file(ORACLE)   # recalculated with the cached values stripped
    assert len(rows) == 10
    assert [r[0] for r in rows if not r[4]] == []
