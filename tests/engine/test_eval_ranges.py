"""Whole-column, whole-row and huge ranges: Excel's counts, at the cost of the used cells.

Excel counts every cell of A:A (1,048,576 rows) and 1:1 (16,384 columns): COUNTBLANK(A:A)
on a column with 5 values is 1,048,571.  The counts below are worked by hand from that.
A range of 10,000 × 16,383 cells with a small filled corner must cost what the corner
costs, in a real workbook recalculated by ``kpi-xl recalc``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput

sys.path.insert(0, str(Path(__file__).parent))
from test_eval_hostile import recalc, values  # noqa: E402
from xlsx_raw import write_xlsx  # noqa: E402

ROWS, COLS = 1_048_576, 16_384


def _book():
    data = SheetInput("Data")
    for r in (1, 2, 4, 5, 6):
        data.values[(r, 1)] = r          # A1:A6 with A3 blank
    data.values[(3, 2)] = "x"
    data.values[(2, 3)] = ""             # text of length 0: blank to COUNTBLANK, not to COUNTA
    return data


@pytest.mark.parametrize("formula, expected", [
    ("COUNTBLANK(Data!A:A)", ROWS - 5),
    ("COUNTA(Data!A:A)", 5),
    ("COUNT(Data!A:A)", 5),
    ("ROWS(Data!A:A)", ROWS),
    ("COLUMNS(Data!1:1)", COLS),
    ('COUNTIF(Data!A:A,"")', ROWS - 5),
    ("COUNTBLANK(Data!A:B)", 2 * ROWS - 6),
    ("COUNTBLANK(Data!1:1)", COLS - 1),
    ("COUNTBLANK(Data!2:2)", COLS - 1),          # C2 holds "", which COUNTBLANK counts
    ("COUNTA(Data!2:2)", 2),
    ("COUNTBLANK(Data!A1:XFC10000)", 10000 * 16383 - 6),
    ("SUMPRODUCT(Data!A1:XFC10000,Data!A1:XFC10000)", 1 + 4 + 16 + 25 + 36),
    ("SUM(OFFSET(Data!A1,0,0,10000,16383))", 18),
    ('SUM(INDIRECT("Data!A1:XFC10000"))', 18),
])
def test_whole_and_huge_ranges_count_as_excel_does(formula, expected):
    out = SheetInput("Out")
    out.formulas[(1, 1)] = formula
    for columns in (True, False):
        res, _ = calculate(BookInput([_book(), out]), columns=columns)
        assert res["Out"][(1, 1)] == expected, (formula, columns)


def test_a_huge_range_over_a_small_filled_corner_is_quick(tmp_path):
    data = {(r, c): r * c for r in range(1, 11) for c in range(1, 11)}    # 100 filled cells
    out = {(1, 1): ("=", "SUMPRODUCT(Data!A1:XFC10000,Data!A1:XFC10000)"),
           (2, 1): ("=", "SUM(OFFSET(Data!A1,0,0,10000,16383))"),
           (3, 1): ("=", 'SUM(INDIRECT("Data!A1:XFC10000"))'),
           (4, 1): ("=", "COUNTBLANK(Data!A1:XFC10000)")}
    src = tmp_path / "huge.xlsx"
    write_xlsx(src, {"Out": out, "Data": data})
    code, text, seconds, peak = recalc(src, tmp_path / "out")
    assert code == 0, text
    ws = values(tmp_path / "out" / "huge.xlsx")
    squares = sum((r * c) ** 2 for r in range(1, 11) for c in range(1, 11))
    assert [ws[f"A{r}"].value for r in range(1, 5)] == [squares, 55 * 55, 55 * 55,
                                                         10000 * 16383 - 100]
    assert seconds < 30 and peak < 600, (seconds, peak)


def test_a_range_over_a_sheet_used_at_its_far_corners_is_a_cell_error_not_a_hang():
    data = SheetInput("Data")
    data.values[(1, 1)] = 1
    data.values[(ROWS, COLS)] = 2       # the used area is the whole sheet: 17 billion cells
    out = SheetInput("Out")
    out.formulas[(1, 1)] = "SUM(Data!A:XFD)"
    out.formulas[(2, 1)] = "Data!A1+Data!XFD1048576"
    out.formulas[(3, 1)] = "COUNTA(Data!A1:XFD1)"
    res, _ = calculate(BookInput([data, out]), strict=False)
    assert str(res["Out"][(1, 1)]) == "#NUM!"
    assert res["Out"][(2, 1)] == 3
    assert res["Out"][(3, 1)] == 1


def _lookup_book():
    """A1:L3 used (A1 "x", B1 10, L3 5): columns M onward and rows 4 onward are empty."""
    data = SheetInput("Data")
    data.values[(1, 1)] = "x"
    data.values[(1, 2)] = 10
    data.values[(3, 12)] = 5
    return data


# Excel reads a whole-column or whole-row range with its full shape: a table's empty last
# columns are still its columns, and a column past the used area is a column of blanks.
# Each value is worked by hand from the functions' documented rules (VLOOKUP: #REF! only
# when col_index_num exceeds the table's columns; a lookup over blanks finds nothing: #N/A).
@pytest.mark.parametrize("formula, expected", [
    ("VLOOKUP(Data!A1,Data!M:M,2,FALSE)", "#N/A"),     # not found comes before the column check
    ("VLOOKUP(Data!A1,Data!M:N,2,FALSE)", "#N/A"),
    ("LOOKUP(Data!A1,Data!M:M)", "#N/A"),
    ("XLOOKUP(Data!A1,Data!M:M,Data!N:N)", "#N/A"),
    ("MATCH(Data!A1,Data!M:M,0)", "#N/A"),
    ("VLOOKUP(Data!A1,Data!A:M,13,FALSE)", 0),          # M1 is an empty cell of the table
    ("VLOOKUP(Data!A1,Data!A:M,2,FALSE)", 10),
    ("VLOOKUP(Data!A1,Data!A:M,14,FALSE)", "#REF!"),    # 13 columns
    ("HLOOKUP(Data!A1,Data!1:5,5,FALSE)", 0),           # row 5 of the table is empty
    ("HLOOKUP(Data!A1,Data!1:5,6,FALSE)", "#REF!"),
    ("INDEX(Data!M:M,1)", 0),
    ("INDEX(Data!A:A,500)", 0),
    ("LOOKUP(9,Data!L:L)", 5),
    ("COUNTBLANK(Data!M:M)", ROWS),
])
def test_a_range_past_the_used_area_keeps_its_shape(formula, expected):
    out = SheetInput("Out")
    out.formulas[(1, 1)] = formula
    for columns in (True, False):
        res, _ = calculate(BookInput([_lookup_book(), out]), columns=columns)
        got = res["Out"][(1, 1)]
        assert (str(got) if isinstance(expected, str) else got) == expected, (formula, columns)
