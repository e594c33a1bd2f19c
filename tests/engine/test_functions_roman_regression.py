"""ROMAN's five forms and the regression functions (LINEST, LOGEST, TREND, GROWTH), the
engine's own since the ``formulas`` fallback got ROMAN forms 1-4 wrong and refused
LINEST's statistics and TREND's new x's.

References: Excel's documentation of ROMAN (499 in forms 0-4: CDXCIX, LDVLIV, XDIX, VDIV,
ID; TRUE is form 0, FALSE form 4); Excel's cached values in the oracle workbooks
ARABIC_ROMAN, LINEST_LOGEST and TREND_GROWTH (copied here as numbers); for several x
variables, data made exactly from y = 1 + 2·x1 + 3·x2.
"""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

VALUE, REF, NA = XlErr("#VALUE!"), XlErr("#REF!"), XlErr("#N/A")

Y = [0.2, 0.41, 0.62, 0.8, 1.1]           # the data of LINEST_LOGEST
X = [1.1, 1.9, 3.1, 4.05, 5]
Y2 = [0.2, 0.31, 0.4, 0.51, 0.7]           # the data of TREND_GROWTH
X2 = [1.1, 2.1, 3, 5.2, 7]


def run(formula, area=None, extra=None, data=(Y, X)):
    s = SheetInput("Sheet1")
    for i, (y, x) in enumerate(zip(*data), start=2):
        s.values[(i, 1)], s.values[(i, 2)] = y, x
    for i, v in enumerate([8, 9, 11], start=2):
        s.values[(i, 3)] = v
    s.values[(7, 1)], s.values[(7, 2)] = True, False
    for k, v in (extra or {}).items():
        s.values[k] = v
    s.formulas[(20, 4)] = formula
    if area:
        s.arrays[(20, 4)] = (20, 4, 19 + area[0], 3 + area[1])
    res, _ = calculate(BookInput([s]))
    h, w = area or (1, 1)
    return [[res["Sheet1"][(20 + i, 4 + j)] for j in range(w)] for i in range(h)]


@pytest.mark.parametrize("formula, expected", [
    ("ROMAN(499,0)", "CDXCIX"), ("ROMAN(499,1)", "LDVLIV"), ("ROMAN(499,2)", "XDIX"),
    ("ROMAN(499,3)", "VDIV"), ("ROMAN(499,4)", "ID"), ("ROMAN(499,TRUE)", "CDXCIX"),
    ("ROMAN(499,FALSE)", "ID"), ("ROMAN(499)", "CDXCIX"),
    # Excel's cached values
    ("ROMAN(99,4)", "IC"), ("ROMAN(469,4)", "LDXIX"), ("ROMAN(2596,4)", "MMDVCI"),
    ("ROMAN(3999,4)", "MMMIM"), ("ROMAN(3999)", "MMMCMXCIX"),
    ("ROMAN(0)", ""), ("ROMAN(4000)", VALUE), ("ROMAN(-1)", VALUE), ("ROMAN(5,5)", VALUE),
    ("ROMAN(1994.9)", "MCMXCIV"),
])
def test_roman(formula, expected):
    assert run(formula) == [[expected]]


def approx(rows):
    return [[v if isinstance(v, XlErr) else pytest.approx(v, rel=1e-9, abs=1e-12) for v in r] for r in rows]


def test_linest_with_statistics_as_excel():
    assert run("LINEST(A2:A6,B2:B6,,TRUE)", (5, 2)) == approx([
        [0.21928887993553592, -0.03844530620467368],
        [0.013841437712295469, 0.04625298202423793],
        [0.9881888982191901, 0.04361261091452368],
        [250.99831918087844, 3],
        [0.47741382050765524, 0.00570617949234489]])


def test_logest_with_statistics_as_excel():
    assert run("LOGEST(A2:A6,B2:B6,,TRUE)", (5, 2)) == approx([
        [1.502261308701874, 0.15653044951525133],
        [0.05728193385123587, 0.19141510526621522],
        [0.9439010116368718, 0.18048809274099084],
        [50.47690016406407, 3],
        [1.6443330577367574, 0.09772785486384153]])


@pytest.mark.parametrize("formula, area, expected", [
    ("LINEST(A2:A6)", (1, 2), [[0.219, -0.031]]),
    ("LINEST(A2:A6,B2:B6,FALSE)", (1, 2), [[0.20885684860968076, 0]]),
    ("LOGEST(A2:A6,B2:B6,FALSE)", (1, 2), [[0.9082429233796212, 1]]),
    ("TREND(A2:A6,B2:B6,C2:C4)", (3, 1), [[0.7668816454592993], [0.846252396723026], [1.0049938992504792]]),
    ("TREND(A2:A6,B2:B6,C2:C4,FALSE)", (3, 1), [[0.8491506728435914], [0.9552945069490403], [1.167582175159938]]),
    ("TREND(A2:A6)", (5, 1), [[0.184], [0.304], [0.424], [0.544], [0.664]]),
    ("GROWTH(A2:A6,B2:B6,C2:C4)", (3, 1), [[0.8925767627890601], [1.0820857720306072], [1.5903543733006367]]),
    ("GROWTH(A2:A6,B2:B6,C2:C4,FALSE)", (3, 1), [[0.31819185285303236], [0.2757561376231651], [0.20710827496905473]]),
    ("GROWTH(A2:A7,B2:B7)", None, [[VALUE]]),        # logicals in the data
    ("GROWTH(A2:A6,B2:B5)", None, [[REF]]),          # x's and y's of different sizes
    ("TREND(A2:A6,B2:B5)", None, [[REF]]),
])
def test_regression_as_excel(formula, area, expected):
    data = (Y2, X2) if formula.startswith(("TREND", "GROWTH")) else (Y, X)
    assert run(formula, area, data=data) == approx(expected)


# y = 1 + 2·x1 + 3·x2 on five points: the slopes come back last variable first.
MULTI = {(2, 10): 1, (3, 10): 2, (4, 10): 3, (5, 10): 4, (6, 10): 5,        # x1 in J
         (2, 11): 2, (3, 11): 1, (4, 11): 4, (5, 11): 3, (6, 11): 6}        # x2 in K
for _r in range(2, 7):
    MULTI[(_r, 12)] = 1 + 2 * MULTI[(_r, 10)] + 3 * MULTI[(_r, 11)]       # y in L


def test_linest_several_x_variables():
    assert run("LINEST(L2:L6,J2:K6)", (1, 3), MULTI) == approx([[3, 2, 1]])
    stats = run("LINEST(L2:L6,J2:K6,TRUE,TRUE)", (5, 3), MULTI)
    assert stats[2][0] == pytest.approx(1)              # r² of an exact fit
    assert stats[3][1] == 2                             # 5 points - 2 slopes - 1 intercept
    assert stats[4][1] == pytest.approx(0, abs=1e-20)   # no residue
    assert stats[2][2] == NA and stats[3][2] == NA and stats[4][2] == NA


def test_trend_several_x_variables():
    extra = dict(MULTI)
    extra.update({(8, 10): 10, (8, 11): 10, (9, 10): 0, (9, 11): 1})
    assert run("TREND(L2:L6,J2:K6,J8:K9)", (2, 1), extra) == approx([[51], [4]])
