"""IPMT, PPMT, CUMIPMT, CUMPRINC and PMT, the engine's own: Excel's cached values of the
oracle workbooks FINANCIAL_IPMT_PPMT, FINANCIAL_CUMPRINC_CUMIPMT and the mortgage calculator
template (IronCalc's test files, saved by Excel), laid out again here.

What they show of Excel's rules: a period must lie in [1, nper + 1) and may be fractional
(IPMT, PPMT); the cumulative functions add the whole periods from start rounded up to end
rounded down, want a positive rate, nper and pv, a type of exactly 0 or 1, and refuse
logical values (#VALUE!) where they take text that reads as a number.
"""
from __future__ import annotations

import pytest

IPMT_ROWS = [
    # rate, per, nper, pv, fv, type: IPMT(all), IPMT(4 args), PPMT(all), PPMT(4 args)
    (0.0083, 1, 36, 8000, 0, 1, 0.0, -66.4, -255.86361744160234, -191.5872854663676),
    (0.1, 3, 3, 8000, 0, 1, -265.8610271903324, -292.44712990936563, -2658.610271903324,
     -2924.4712990936564),
    (0.1, 3.3, 30, 8000, 10, 1, -716.4227794432131, -788.0799574407337, -55.117928287330166,
     -60.554028580337764),
    (0.1, 2.8, 30, 8000, 100, 0, -790.7842099558811, -790.897985141611, -58.45770089045371,
     -57.73600087946045),
    (0.1, 3.9, 3, 8000, 10, 1, -26.866364667656377, -30.51485756246893, -2900.351432640776,
     -3186.4035714405527),
    (0, 4, 20, 300, 0, 1, 0.0, 0.0, -15.0, -15.0),
    (0.01, 1.0001, 36, 8000, 0, 1, -79.2077378295619, -79.99981520785752, -183.87590425242774,
     -185.714663294952),
    (0.0083, 12.5, 36, 8000, 1234, 1, -43.982787941811296, -47.29481921743844,
     -241.18990297314943, -210.69246624892918),
    # a period outside [1, nper + 1)
    (0.1, -3, 36, 8000, 0, 1, "#NUM!", "#NUM!", "#NUM!", "#NUM!"),
    (0.1, 0, 36, 8000, 0, 1, "#NUM!", "#NUM!", "#NUM!", "#NUM!"),
    (0.1, 3, 2, 8000, 0, 1, "#NUM!", "#NUM!", "#NUM!", "#NUM!"),
    (0.1, 4, 3, 8000, 10, 1, "#NUM!", "#NUM!", "#NUM!", "#NUM!"),
    (0.01, 0.99999, 36, 8000, 0, 1, "#NUM!", "#NUM!", "#NUM!", "#NUM!"),
    (0.01, 0.5, 36, 8000, 0, 1, "#NUM!", "#NUM!", "#NUM!", "#NUM!"),
]


def same(got, expected):
    if isinstance(expected, str):
        return got == expected
    return got == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("rate, per, nper, pv, fv, kind, i6, i4, p6, p4", IPMT_ROWS)
def test_ipmt_ppmt_as_excel(recalc_cells, rate, per, nper, pv, fv, kind, i6, i4, p6, p4):
    cells = {"A1": rate, "B1": per, "C1": nper, "D1": pv, "E1": fv, "F1": kind}
    got, _ = recalc_cells(cells, {"G1": "IPMT(A1,B1,C1,D1,E1,F1)", "H1": "IPMT(A1,B1,C1,D1)",
                                  "I1": "PPMT(A1,B1,C1,D1,E1,F1)", "J1": "PPMT(A1,B1,C1,D1)"})
    for key, expected in zip("GHIJ", (i6, i4, p6, p4)):
        assert same(got[key + "1"], expected), key


CUMULATIVE_ROWS = [
    # rate, nper, pv, start, end, type: CUMIPMT, CUMPRINC
    (0.0083, 36, 8000, 1, 10, 1, -520.1181191021385, -2038.518055313885),
    (0.1, 10, 345, 2, 2, 1, -29.395712615048502, -21.647161234466502),
    (0.01, 36, 8000, 1.2, 8.53, 1, -501.92756475693704, -1339.6579298169904),
    (0.8, 36, 18000, 2.7, 9.667, 1, -55999.99877582575, -0.0012603466877548824),
    (0.1, 36, 8000, 1.5, 10, 1, -6401.096804669653, -363.1764634420559),
    (0.1, 30, 8000, 1.9, 10, 1, -6282.9448863216385, -660.4240902144005),
    (0.1, 29.9, 8000, 3, 10, 1, -5557.470043410287, -618.008757727844),
    (0.12, 23, 8000, 3, 10, 0, -7111.852424302795, -1179.9853331395495),
    (7, 36, 8000, 3, "10", "1", -56000.0, -3.308722252996902e-21),     # text that is a number
    (0.1, 2, 8000, 1, 10, 1, "#NUM!", "#NUM!"),        # end past nper
    (0.1, 30, 8000, -2, 10, 1, "#NUM!", "#NUM!"),
    (0.3, 12, 8000, 5.1, 5, 1, "#NUM!", "#NUM!"),      # start after end
    (0, 9, 300, 3, 10, 1, "#NUM!", "#NUM!"),           # rate not positive
    (-0.8, 22, 19000, 3, 10, 0, "#NUM!", "#NUM!"),
    (0.0083, -12, 8000, 3, 10, 1, "#NUM!", "#NUM!"),
    (0.01, 36, 8000, 3, 10, 1.2, "#NUM!", "#NUM!"),    # type neither 0 nor 1
    (0.01, 36, 8000, 3, 10, 0.7, "#NUM!", "#NUM!"),
    (0.01, 36, 8000, True, 10, 0, "#VALUE!", "#VALUE!"),
    (0.0083, 36, 8000, 3, 10, True, "#VALUE!", "#VALUE!"),
    ("=NA()", 36, 8000, 4, 10, 1, "#N/A", "#N/A"),
]


@pytest.mark.parametrize("rate, nper, pv, start, end, kind, interest, principal", CUMULATIVE_ROWS)
def test_cumipmt_cumprinc_as_excel(recalc_cells, rate, nper, pv, start, end, kind, interest,
                                   principal):
    cells = {"A1": rate, "B1": nper, "C1": pv, "D1": start, "E1": end, "F1": kind}
    for key in ("E1", "F1"):
        if isinstance(cells[key], str):
            cells[key] = f'="{cells[key]}"'
    got, _ = recalc_cells(cells, {"G1": "CUMIPMT(A1,B1,C1,D1,E1,F1)",
                                  "H1": "CUMPRINC(A1,B1,C1,D1,E1,F1)"})
    assert same(got["G1"], interest)
    assert same(got["H1"], principal)


def test_pmt_keeps_the_digits_of_a_small_rate(recalc_cells):
    # the mortgage calculator: 250,000 over 12 years at 2.55 % a year
    got, _ = recalc_cells({"A1": 2.55, "B1": 12, "C1": 250000},
                          {"D1": "PMT(A1/100/12,B1*12,-C1)"})
    assert got["D1"] == 2017.0915511034575
