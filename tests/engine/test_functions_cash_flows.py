"""IRR, XIRR, XNPV and RATE, the engine's own: the values Excel cached in the oracle
workbooks FINANCIAL_IRR, FINANCIAL_XIRR and FINANCIAL_RATE (IronCalc's test files, saved by
Excel), whose rows are laid out again here, and the rules of Excel's documentation (IRR's
and RATE's search from the guess 0.1, XIRR's accuracy of 0.000001 percent).

Excel's XIRR is not the root: its cached rates lie up to 2e-8 from it, midpoints of a
bisected bracket, and the engine gives the same midpoints (compared here to 1e-14: the
last bit of one differs).
"""
from __future__ import annotations

import pytest

DATES = [45292, 45323, 45353, 45386, 45782, 46179]
DATES_2023 = [44958, 44986, 45017, 45078, 45108, 45139]


def row(values, dates=None):
    """A1:F1 the values (None leaves a cell blank), H1:M1 the dates."""
    cells = {f"{c}1": v for c, v in zip("ABCDEF", values) if v is not None}
    for c, d in zip("HIJKLM", dates or []):
        cells[f"{c}1"] = d
    return cells


def one(recalc_cells, cells, formula):
    got, _ = recalc_cells(cells, {"Z1": formula})
    return got["Z1"]


@pytest.mark.parametrize("values, guess, expected", [
    ([-20, 5, 5, 5, 5, 5], None, 0.07930826116039724),
    ([-20, 5, 5, 5, 5, 5], 17, 0.07930826116414913),
    ([-1000, 230, 200, 125, 200, 10], None, -0.1015006760535847),
    ([-55, 10, 5, 5, 5, 5], -0.9, -0.18845644425120334),
    ([-70, 12, 15], True, -0.4435069413349362),          # TRUE is the guess 1
    ([-20, 8, 5, 5, 6, 5], False, 0.14866576379560037),
    ([20, -5, -20, -5, -10, 5], None, 0.30348071959875655),
    # two sign changes: Excel finds this root (the other is -0.4698)
    ([-20, 5, 5, None, -10, 5], None, -0.44892834955312866),
    # blanks are left out (not zeros), and so are text and logicals in the range
    ([-20, 5, 5, None, None, 7], None, -0.0730084383401457),
    ([-20, 5, 5, 0, 0, 7], None, -0.05230275377659388),
    ([-20, 5, "Hello", True, False, 5], None, -0.3596117967977913),
    ([-2, 5], None, 1.5),
    ([2, -3], None, 0.4999999999999998),
    ([-3, -4, 12], None, 0.4415184401122527),
])
def test_irr_as_excel(recalc_cells, values, guess, expected):
    cells = row(values)
    formula = "IRR(A1:F1)"
    if guess is not None:
        cells["I2"] = guess
        formula = "IRR(A1:F1,I2)"
    assert one(recalc_cells, cells, formula) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("values, guess, expected", [
    ([-1000, 230, 200, 125, 200, 10], -10, "#VALUE!"),   # a guess of -100 % or less
    ([-20, 5, 5, None, -10, 5], -1, "#VALUE!"),
    ([20, -5, -20, -5, -10, 5], "Hello", "#VALUE!"),
    ([20, 5, 5, 5, 5, 5], None, "#NUM!"),                # no outflow
    ([-1, -1, -1, -1, -1, -1], None, "#NUM!"),
    ([-20], None, "#NUM!"),
    ([1, 2], None, "#NUM!"),                             # the root is -300 %
    ([2, 0], None, "#NUM!"),
    ([-20, 5, "=1/0", 5], None, "#DIV/0!"),
])
def test_irr_errors_as_excel(recalc_cells, values, guess, expected):
    cells = row(values)
    formula = "IRR(A1:F1)"
    if guess is not None:
        cells["I2"] = guess
        formula = "IRR(A1:F1,I2)"
    assert one(recalc_cells, cells, formula) == expected


@pytest.mark.parametrize("values, dates, expected", [
    ([-20, 5, 5, 5, 5, 5], DATES_2023, 1.1859161972999572),
    ([-55, 10, 5, 5, 5, 5], [100, 120, 300, 101, 200, 150], -0.9271996639668942),
    # Newton's first step from 0.1 falls below -100 % in these
    ([-20, 5, 5, 7, -10, 5], DATES, -0.48679569587111476),
    ([-400, 100, 10, 5, 6, 5], DATES_2023, -0.9977533546974883),
    ([-900, 10, 12, 13, 40, 100], DATES, -0.5608382768929006),
    ([-400, 1, 1, 1, 1, 1], DATES, -0.9121843662112951),
    ([40, -5, -5, -5, -5, -5], DATES, -0.3589630894362927),
    ([-20, 9, 9, 9, 9, 9], [23, 23.67, 123.69, 400.992, 500, 500], 3.131423544883728),
    ([-20, 5, 12, 1, 7, 5], DATES, 0.9825324892997742),
    # a blank value counts as 0
    ([-20, 5, 5, None, None, 5], DATES, -0.2371315099298954),
    ([-20, 5, 5, 0, 0, 5], DATES, -0.2371315099298954),
])
def test_xirr_as_excel(recalc_cells, values, dates, expected):
    got = one(recalc_cells, row(values, dates), "XIRR(A1:F1,H1:M1)")
    assert got == pytest.approx(expected, rel=1e-14)


def test_xirr_and_the_xnpv_of_it_as_excel(recalc_cells):
    # the tune split's stress-test workbook (fastexcel): XNPV at Excel's XIRR is not 0
    cells = {"E10": -10000, "F10": 3000, "G10": 4200, "H10": 6800,
             "E11": 41275, "F11": 41306, "G11": 41334, "H11": 41365}
    got, _ = recalc_cells(cells, {"B11": "XIRR(E10:H10,E11:H11)",
                                  "B12": "XNPV(B11,E10:H10,E11:H11)"})
    assert got["B11"] == pytest.approx(5.315237760543824, rel=1e-15)
    assert got["B12"] == pytest.approx(-6.211546860868111e-06, rel=1e-6)


@pytest.mark.parametrize("values, dates, expected", [
    ([-1000, 230, 200, 125, 200, 10], [1, 2, 3, 4, 5, 6], "#NUM!"),   # root at -100 % + 1e-14
    ([20, 1, 2, 3, 4, 5], DATES_2023, "#NUM!"),                      # no outflow
    ([20, 5, 5, None, 5, 5], DATES_2023, "#NUM!"),
    ([-70, 12, 15, "hello", 5, 5], DATES_2023, "#VALUE!"),
    ([-20, 8, 5, True, 6, 5], DATES_2023, "#VALUE!"),
    ([-20, 1, 1, "=1/0", 1, 1], DATES_2023, "#DIV/0!"),
    ([-20, 8, 8, 8, 8, 8], [-100, 1, 2, 3, 4, 5], "#NUM!"),          # a negative date
])
def test_xirr_errors_as_excel(recalc_cells, values, dates, expected):
    assert one(recalc_cells, row(values, dates), "XIRR(A1:F1,H1:M1)") == expected


@pytest.mark.parametrize("rate, values, dates, expected", [
    (0.1, [-20, 5, 5, 5, 5, 5], DATES_2023, 4.310013415970243),
    (0.2, [-1000, 230, 200, 125, 200, 10], [1, 2, 3, 4, 5, 6], -235.9258942616228),
    (0.2, [-55, 10, 5, 5, 5, 5], [100, 120, 300, 101, 200, 150], -25.944223901397258),
    (0.5, [-20, 5, 5, 7, -10, 5], DATES, -8.126696119670061),
    (0.2, [-20, 9, 9, 9, 9, 9], [23, 23.67, 123.69, 400.992, 500, 500], 19.200525492837638),
    (2, [-20, 5, 12, 1, 7, 5], DATES, -2.756640704950789),
    (0.1, [-20, 5, 5, 0, 0, 5], DATES, -6.153072401966322),
    # refused values: blanks, text, logicals (#NUM!), errors (themselves)
    (0.1, [20, 5, 5, None, 5, 5], DATES_2023, "#NUM!"),
    (0.1, [-70, 12, 15, "hello", 5, 5], DATES_2023, "#NUM!"),
    (0.1, [-20, 8, 5, True, 6, 5], DATES_2023, "#NUM!"),
    (0.1, [-20, 1, 1, "=1/0", 1, 1], DATES_2023, "#DIV/0!"),
    (0.1, [-20, 8, 8, 8, 8, 8], [-100, 1, 2, 3, 4, 5], "#NUM!"),
    (-0.4, [-400, 100, 10, 5, 6, 5], DATES_2023, "#NUM!"),           # a negative rate
    (-0.3, [-100, 23, 30, 10, 20, 5], DATES_2023, "#NUM!"),
])
def test_xnpv_as_excel(recalc_cells, rate, values, dates, expected):
    cells = row(values, dates)
    cells["O1"] = rate
    got = one(recalc_cells, cells, "XNPV(O1,A1:F1,H1:M1)")
    assert got == (pytest.approx(expected, rel=1e-12) if isinstance(expected, float) else expected)


def test_xnpv_values_and_dates_of_different_sizes(recalc_cells):
    assert one(recalc_cells, row([-20, 5, 5, 5, 5, 5], DATES_2023), "XNPV(0.1,A1:E1,H1:M1)") == "#NUM!"


@pytest.mark.parametrize("nper, pmt, pv, fv, kind, five, three", [
    (48, -200, 8000, 0, 1, 0.008052981923906556, 0.007701472488201368),
    (12, -200, 8000, 0, 1, -0.1678337611998994, -0.1494854996186651),
    (48, -100, 8000, 0, 1, -0.019899484660836925, -0.01920148172744564),
    (48, -200, 8000, 1000, 1, 0.0035499220754319927, 0.007701472488201368),
    (12, -550, 8000, 100, 0, -0.030979134708357597, -0.02842256576213443),
    (12, -200, 8000, 0, True, -0.1678337611998994, -0.1494854996186651),
    (2, -200, 8000, 0, 1, -0.9743589743570107, -0.8288927807430028),
    # more steps than the 20 Excel's documentation names
    (300, -200, 8000, 0, 1, 0.025627751816686105, 0.024984769422422157),
    # never settles
    (10, -1200, 2000, 0, 1, "#NUM!", "#NUM!"),
    (3300, -200, 8000, 0, 1, "#NUM!", "#NUM!"),
])
def test_rate_as_excel(recalc_cells, nper, pmt, pv, fv, kind, five, three):
    cells = {"A1": nper, "B1": pmt, "C1": pv, "D1": fv, "E1": kind}
    got, _ = recalc_cells(cells, {"F1": "RATE(A1,B1,C1,D1,E1)", "G1": "RATE(A1,B1,C1)"})
    for key, expected in (("F1", five), ("G1", three)):
        assert got[key] == (pytest.approx(expected, rel=1e-9) if isinstance(expected, float) else expected)


@pytest.mark.parametrize("formula, expected", [
    ("RATE(1/0,-200,8000)", "#DIV/0!"), ("RATE(NA(),-200,8000)", "#N/A"),
    ("RATE(1/0,NA(),8000)", "#DIV/0!"),                  # the first error, left to right
])
def test_rate_errors_as_excel(recalc_cells, formula, expected):
    assert one(recalc_cells, {}, formula) == expected
