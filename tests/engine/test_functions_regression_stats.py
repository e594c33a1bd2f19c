"""LINEST's statistics with several x variables, without a constant, with redundant
variables, and y's and x's of any shape for one variable.

References: Excel's documentation of LINEST (the example of eleven office buildings, four
variables, and its five rows of statistics; "removed X columns can be recognized in LINEST
output as having 0 coefficients in addition to 0 se values"; df counts the X columns
actually used; with one variable "known_y's and known_x's can be ranges of any shape, as
long as they have equal dimensions"); Excel's cached values of the oracle workbook
LINEST_LOGEST; numbers worked by hand.
"""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

NA, REF = XlErr("#N/A"), XlErr("#REF!")

# Excel's documentation: floor space, offices, entrances, age, assessed value
BUILDINGS = [(2310, 2, 2, 20, 142000), (2333, 2, 2, 12, 144000), (2356, 3, 1.5, 33, 151000),
             (2379, 3, 2, 43, 150000), (2402, 2, 3, 53, 139000), (2425, 4, 2, 23, 169000),
             (2448, 2, 1.5, 99, 126000), (2471, 2, 2, 34, 142900), (2494, 3, 3, 23, 163000),
             (2517, 4, 4, 55, 169000), (2540, 2, 3, 22, 149000)]
DOCUMENTED = [[-234.2371645, 2553.21066, 12529.76817, 27.64138737, 52317.83051],
              [13.26801148, 530.6691519, 400.0668382, 5.429374042, 12237.3616],
              [0.996747993, 970.5784629, NA, NA, NA],
              [459.7536742, 6, NA, NA, NA],
              [1732393319, 5652135.316, NA, NA, NA]]

# the data of the oracle workbook LINEST_LOGEST, and what Excel cached for
# LINEST(A2:A6,B2:B6,,TRUE)
Y = [0.2, 0.41, 0.62, 0.8, 1.1]
X = [1.1, 1.9, 3.1, 4.05, 5]
CACHED = [[0.21928887993553592, -0.03844530620467368],
          [0.013841437712295469, 0.04625298202423793],
          [0.9881888982191901, 0.04361261091452368],
          [250.99831918087844, 3],
          [0.47741382050765524, 0.00570617949234489]]


def run(cells, formula, area=None):
    s = SheetInput("Sheet1")
    s.values.update(cells)
    s.formulas[(30, 10)] = formula
    if area:
        s.arrays[(30, 10)] = (30, 10, 29 + area[0], 9 + area[1])
    res, _ = calculate(BookInput([s]))
    h, w = area or (1, 1)
    return [[res["Sheet1"][(30 + i, 10 + j)] for j in range(w)] for i in range(h)]


def approx(rows, rel=1e-9):
    return [[v if isinstance(v, XlErr) else pytest.approx(v, rel=rel, abs=1e-12) for v in r]
            for r in rows]


def columns(*cols):
    """Cells of columns A, B, ... from row 2."""
    return {(i, j): v for j, col in enumerate(cols, start=1)
            for i, v in enumerate(col, start=2) if v is not None}


def test_four_variables_as_documented():
    cells = columns(*zip(*BUILDINGS))
    got = run(cells, "LINEST(E2:E12,A2:D12,TRUE,TRUE)", (5, 5))
    # the documentation shows ten significant digits
    assert got == approx(DOCUMENTED, rel=5e-9)


def test_trend_of_four_variables_as_documented():
    cells = columns(*zip(*BUILDINGS))
    cells.update({(14, 1): 2500, (14, 2): 3, (14, 3): 2, (14, 4): 25})
    # "an office building ... 2,500 square feet, three offices, and two entrances ...
    # 25 years old": $158,261
    assert run(cells, "TREND(E2:E12,A2:D12,A14:D14)") == [[pytest.approx(158261, abs=0.5)]]


def test_without_a_constant_worked_by_hand():
    # y = m·x through (1,2), (2,4), (3,7): m = Σxy/Σx² = 31/14; residues -3/14, -6/14, 5/14
    cells = columns([2, 4, 7], [1, 2, 3])
    got = run(cells, "LINEST(A2:A4,B2:B4,FALSE,TRUE)", (5, 2))
    ss_reg, ss_resid = 961 / 14, 5 / 14
    assert got == approx([[31 / 14, 0],
                          [(5 / 28 / 14) ** 0.5, NA],
                          [ss_reg / (ss_reg + ss_resid), (5 / 28) ** 0.5],
                          [ss_reg / (ss_resid / 2), 2],
                          [ss_reg, ss_resid]])


def test_layout_of_two_variables_without_a_constant():
    # y = 2·x1 + 3·x2 exactly: b is 0 and se_b #N/A; rows 3-5 hold two values and #N/A
    x1, x2 = [1, 2, 3, 4, 5], [2, 1, 4, 3, 6]
    cells = columns([2 * a + 3 * b for a, b in zip(x1, x2)], x1, x2)
    got = run(cells, "LINEST(A2:A6,B2:C6,FALSE,TRUE)", (5, 3))
    assert got[0] == approx([[3, 2, 0]])[0]
    assert got[1][2] == NA
    assert got[2][0] == pytest.approx(1) and got[3][1] == 3        # r², df = 5 - 2
    assert [r[2] for r in got[2:]] == [NA, NA, NA]


def test_a_constant_variable_is_redundant_with_the_intercept():
    cells = columns(Y, [7] * 5, X)
    got = run(cells, "LINEST(A2:A6,B2:C6,TRUE,TRUE)", (5, 3))
    assert got == approx([[CACHED[0][0], 0, CACHED[0][1]],
                          [CACHED[1][0], 0, CACHED[1][1]],
                          CACHED[2] + [NA], CACHED[3] + [NA], CACHED[4] + [NA]])


def test_a_repeated_variable_is_removed():
    cells = columns(Y, X, X)
    got = run(cells, "LINEST(A2:A6,B2:C6,TRUE,TRUE)", (5, 3))
    # one copy carries the slope, the other shows 0 and a standard error of 0
    assert sorted(got[0][:2]) == [0, pytest.approx(CACHED[0][0])]
    assert sorted(got[1][:2]) == [0, pytest.approx(CACHED[1][0])]
    assert got[0][2] == pytest.approx(CACHED[0][1]) and got[1][2] == pytest.approx(CACHED[1][1])
    assert got[3][:2] == [pytest.approx(CACHED[3][0]), 3]      # df counts the slope kept
    assert got[2][:2] == approx([CACHED[2]])[0]


def test_one_variable_in_ranges_of_the_same_shape():
    # y = 2x + 1 laid out in two rows of three, x beside it
    cells = {(2, 1): 3, (2, 2): 5, (2, 3): 7, (3, 1): 9, (3, 2): 11, (3, 3): 13,
             (2, 5): 1, (2, 6): 2, (2, 7): 3, (3, 5): 4, (3, 6): 5, (3, 7): 6}
    assert run(cells, "LINEST(A2:C3,E2:G3)", (1, 2)) == approx([[2, 1]])
    assert run(cells, "TREND(A2:C3,E2:G3)", (2, 3)) == approx([[3, 5, 7], [9, 11, 13]])
    assert run(cells, "LINEST(A2:C3,E2:F3)") == [[REF]]          # other dimensions
