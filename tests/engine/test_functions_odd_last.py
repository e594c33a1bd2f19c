"""ODDLPRICE and ODDLYIELD, the engine's own: Excel's cached values of the oracle workbook
FINANCIAL_PRICE_YIELD (IronCalc's test file, saved by Excel) and of the tune split's
stress-test workbook, and the examples of Excel's documentation.

The workbook's odd last period runs ten years (last interest 2020-01-15, settlement
2020-03-01, maturity 2030-03-01), so it is cut into 10 or 20 quasi-coupon periods: a
quasi-coupon period's normal length is its 30/360 count for bases 0 and 4 and its actual
days for bases 1 to 3, which is what Excel's values show.
"""
from __future__ import annotations

import pytest

ROWS = [
    # rate, yld, frequency, basis: Excel's ODDLPRICE
    (0.075, 0.06, 2, 1, 121.51937811334447), (0.075, 0.0589, 2, 2, 122.36705839417525),
    (0.08, 0.0711, 2, 3, 116.47102012136368), (0.075, 0.02, 2, 4, 162.34027777777777),
    (0.075, 0.06, 1, 1, 121.52128858401393), (0.075, 0.0589, 1, 2, 122.3689285685928),
    (0.08, 0.0711, 1, 3, 116.47338382128387), (0.075, 0.02, 1, 4, 162.34027777777777),
]
DATES = {"A1": "=DATE(2020,3,1)", "B1": "=DATE(2030,3,1)", "C1": "=DATE(2020,1,15)"}


@pytest.mark.parametrize("rate, yld, freq, basis, price", ROWS)
def test_odd_last_period_of_ten_years_as_excel(recalc_cells, rate, yld, freq, basis, price):
    cells = dict(DATES, D1=rate, E1=yld, F1=120, G1=freq, H1=basis)
    got, _ = recalc_cells(cells, {"I1": "ODDLPRICE(A1,B1,C1,D1,E1,F1,G1,H1)",
                                  "J1": "ODDLYIELD(A1,B1,C1,D1,I1,F1,G1,H1)"})
    assert got["I1"] == pytest.approx(price, rel=1e-12)
    assert got["J1"] == pytest.approx(yld, rel=1e-12)       # Excel gives the yield back


@pytest.mark.parametrize("formula, expected", [
    # the tune split's stress-test workbook (basis 0), Excel's cached values
    ("ODDLPRICE(39763,44256,39736,0.0785,0.0625,100,2,0)", 110.88286909824446),
    ("ODDLYIELD(39763,44256,39736,0.0575,84.5,100,2,0)", 0.08254808631495333),
])
def test_odd_last_as_excel(recalc_cells, formula, expected):
    got, _ = recalc_cells({}, {"A1": formula})
    assert got["A1"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("formula, expected", [
    # Excel's documentation examples, shown as $99.88 and 4.52 %
    ("ODDLPRICE(DATE(2008,2,7),DATE(2008,6,15),DATE(2007,10,15),0.0375,0.0405,100,2,0)", 99.88),
    ("100*ODDLYIELD(DATE(2008,4,20),DATE(2008,6,15),DATE(2007,12,24),0.0375,99.875,100,2,0)",
     4.52),
])
def test_documented_examples(recalc_cells, formula, expected):
    got, _ = recalc_cells({}, {"A1": formula})
    assert round(got["A1"], 2) == expected


@pytest.mark.parametrize("formula", [
    "ODDLPRICE(DATE(2020,3,1),DATE(2040,3,15),DATE(2020,1,15),0.075,0.06,120,2,5)",   # basis 5
    "ODDLPRICE(DATE(2020,3,1),DATE(2030,3,1),DATE(2020,1,15),0.075,0.06,120,3,1)",    # frequency
    "ODDLPRICE(DATE(2020,1,1),DATE(2030,3,1),DATE(2020,1,15),0.075,0.06,120,2,1)",    # last >= settlement
    "ODDLPRICE(DATE(2020,3,1),DATE(2030,3,1),DATE(2020,1,15),-0.075,0.06,120,2,1)",
    "ODDLYIELD(DATE(2020,3,1),DATE(2030,3,1),DATE(2020,1,15),0.075,0,120,2,1)",       # price 0
])
def test_refused_as_documented(recalc_cells, formula):
    got, _ = recalc_cells({}, {"A1": formula})
    assert got["A1"] == "#NUM!"
