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
