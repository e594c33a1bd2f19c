"""TBILLEQ, TBILLPRICE and TBILLYIELD, the engine's own: Excel's cached values of the
oracle workbook FINANCIAL_TBILLs (IronCalc's test file, saved by Excel), its rows laid out
again here, and the examples of Excel's documentation.

What the cached values show: a bill of more than 182 days takes the bond-equivalent
formula over a year of 365 days, 366 for a bill of exactly 366 days (settlement and
maturity a leap year apart); maturity more than one calendar year after settlement is
#NUM!; logical values are refused (#VALUE!) where text that reads as a number is taken;
an error argument is the result (the formulas fallback gave #VALUE! for #N/A).
"""
from __future__ import annotations

import pytest

ROWS = [
    # settlement, maturity, discount, price: TBILLEQ, TBILLPRICE, TBILLYIELD
    (20000, 20182, 0.5, 200, 0.6784386617100372, 74.72222222222223, -0.989010989010989),
    (100, 200, 1, 100, 1.4038461538461537, 72.22222222222221, 0.0),
    (2040, 2400, 0.8, -2, 2.5066048253748145, 19.999999999999996, "#NUM!"),
    (14640, 15005, 0.5, 0, 0.8482759796652481, 49.30555555555556, "#NUM!"),
    (14640, 15006, 0.5, 3000, 0.8522961312491701, 49.16666666666667, -0.9508196721311475),
    (1000, 1366, 0.5, 120, "#NUM!", "#NUM!", "#NUM!"),
    (45366, 45732, 0.5, 2000, "#NUM!", "#NUM!", "#NUM!"),
    (True, 45731, 0.5, 2000, "#VALUE!", "#VALUE!", "#VALUE!"),
    (10000, 20000, 0.5, 2000, "#NUM!", "#NUM!", "#NUM!"),
    ("Hello", 45731, 0.5, 2000, "#VALUE!", "#VALUE!", "#VALUE!"),
    ('="45366"', '="45731"', '="0.5"', 2000, 0.8482759796652481, 49.30555555555556,
     -0.9369863013698629),
    (45366, 45731, True, 2000, "#VALUE!", "#VALUE!", -0.9369863013698629),
    ("=NA()", 45731, 0.5, 2000, "#N/A", "#N/A", "#N/A"),
    (45366, 45731, "=1/0", 2000, "#DIV/0!", "#DIV/0!", -0.9369863013698629),
    (2040, 2223, 0.8, 2000, 1.364497682211261, 59.33333333333333, -1.8688524590163933),
    (45332, 45650, -0.2, 2000, "#NUM!", "#NUM!", -1.0754716981132075),
    (45332, 45650, 0.1, 23, 0.10869554506360148, 91.16666666666666, 3.789991796554553),
    (45332, 45650, 7, 0, "#NUM!", "#NUM!", "#NUM!"),
]


@pytest.mark.parametrize("settle, maturity, discount, price, eq, pr, yld", ROWS)
def test_treasury_bills_as_excel(recalc_cells, settle, maturity, discount, price, eq, pr, yld):
    cells = {"A1": settle, "B1": maturity, "C1": discount, "Q1": price}
    got, _ = recalc_cells(cells, {"D1": "TBILLEQ(A1,B1,C1)", "N1": "TBILLPRICE(A1,B1,C1)",
                                  "R1": "TBILLYIELD(A1,B1,Q1)"})
    for key, expected in (("D1", eq), ("N1", pr), ("R1", yld)):
        if isinstance(expected, str):
            assert got[key] == expected, key
        else:
            assert got[key] == pytest.approx(expected, rel=1e-12, abs=1e-15), key


@pytest.mark.parametrize("formula, expected", [
    # Excel's documentation: settlement 2008-03-31, maturity 2008-06-01
    ("TBILLEQ(DATE(2008,3,31),DATE(2008,6,1),0.0914)", 0.0942),
    ("TBILLPRICE(DATE(2008,3,31),DATE(2008,6,1),0.09)", 98.45),
    ("TBILLYIELD(DATE(2008,3,31),DATE(2008,6,1),98.45)", 0.0914),
])
def test_documented_examples(recalc_cells, formula, expected):
    got, _ = recalc_cells({}, {"A1": formula})
    assert round(got["A1"], 4) == expected
