"""DB and DDB, the engine's own: Excel's cached values of the oracle workbook
FINANCIAL_DB_DDB (IronCalc's test file, saved by Excel), its rows laid out again here.

What they show beyond Excel's documentation: a cost of 0, or one at or below the salvage
value, depreciates by 0 (DDB) where the formulas fallback gave #NUM!; DB drops the fraction
of a month and of a period; a blank cell where a month or a factor is expected is 0 (#NUM!),
not the argument left out.
"""
from __future__ import annotations

import pytest

ROWS = [
    # cost, salvage, life, period, month, factor: DB(5 args), DDB(5 args)
    (100, 10, 5, 3, 1, 1, 22.567920075, 12.800000000000004),
    (100, 10, 4, 3, 3, 3, 21.920191799999998, 0.0),
    (100, 10, 4, 3, 5, 0, 20.123253000000002, "#NUM!"),
    (100, 10, 4, 3, 6, 0.5, 19.2247836, 9.5703125),
    (100, 10, 4, 3, 8, 2.7, 17.427844800000003, 0.5624999999999964),
    (100, 10, 4, 3, 9.2222, 1.3334, 16.529375400000003, 14.814814787037497),
    (100, 10, 4, 3, 10.77723, 40.777, 15.630906, 0.0),
    (100, 10.233, 4.2312, 3.2, 12, 1.5, 14.1733713, 13.532735530775124),
    (100, 10, 4, 3, 13, None, "#NUM!", "#NUM!"),
    (100, 10, 4, 3, -1, None, "#NUM!", "#NUM!"),
    (100, 8.78, 4, 3, 1.4, None, 23.8637568, "#NUM!"),
    (100, 10, 4, 1, 2, 2, 7.299999999999999, 50.0),
    (100, 10, 4, None, 2, 2, "#NUM!", "#NUM!"),
    (100, 10, None, 3, 2, 2, "#NUM!", "#NUM!"),
    (100, None, 4, 3, 2, 2, 0.0, 12.5),
    (100, 10, 4, 3, None, None, "#NUM!", "#NUM!"),
    (100, 10, -1, 3, 2, 2, "#NUM!", "#NUM!"),
    (100, 10, 4, 3, -1, -1, "#NUM!", "#NUM!"),
    (-120, 10, 4, 1, 2, 2, "#NUM!", "#NUM!"),
    (0, 10, 4, 1, 2, 2, 0.0, 0.0),
    (True, 10, 4, 1, 2, 2, -0.12966666666666665, 0.0),
    (0, True, 4, 1, 2, 2, 0.0, 0.0),
    (23.89, 34.78, 4, 3, 2, 2, -2.61264699948, 0.0),
    (1, 10, 4, 4, 2, 2, -2.778391389442667, 0.0),
    (12, 10, 4, 4.5, 2, 2, 0.48879979875, "#NUM!"),
    (45, 10, 4, 2, 12.7, 2, 9.676395, 11.25),
    (23, 10, 4, 5, 2, 2, 1.8687313963962309, "#NUM!"),
]


@pytest.mark.parametrize("cost, salvage, life, period, month, factor, db, ddb", ROWS)
def test_db_ddb_as_excel(recalc_cells, cost, salvage, life, period, month, factor, db, ddb):
    cells = {k: v for k, v in zip(("A1", "B1", "C1", "D1", "E1", "F1"),
                                  (cost, salvage, life, period, month, factor)) if v is not None}
    got, _ = recalc_cells(cells, {"G1": "DB(A1,B1,C1,D1,E1)", "H1": "DDB(A1,B1,C1,D1,F1)"})
    for key, expected in (("G1", db), ("H1", ddb)):
        if isinstance(expected, str):
            assert got[key] == expected, key
        else:
            assert got[key] == pytest.approx(expected, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("formula, expected", [
    # Excel's documentation: 1,000,000 cost, 100,000 salvage, 6 years, 7 months the first
    ("DB(1000000,100000,6,1,7)", 186083.33), ("DB(1000000,100000,6,2,7)", 259639.42),
    ("DB(1000000,100000,6,7,7)", 15845.10),
    # DDB's example: 2,400 cost, 300 salvage, 10 years
    ("DDB(2400,300,10*365,1)", 1.32), ("DDB(2400,300,10,1,2)", 480.00),
    ("DDB(2400,300,10,2,1.5)", 306.00), ("DDB(2400,300,10,10)", 22.12),
])
def test_documented_examples(recalc_cells, formula, expected):
    got, _ = recalc_cells({}, {"A1": formula})
    assert round(got["A1"], 2) == expected


# VDB: the oracle workbook VDB (xlcalculator's test file, saved by Excel): a cost of 1 over
# 14 periods at 1.25 times the straight rate, half periods; Excel's cached values.
HALVES = [(0, 0.5, 0.044642857142857144), (0.5, 1.5, 0.08529974489795919),
          (1.5, 2.5, 0.07768369624635568), (2.5, 3.5, 0.07074765193864536),
          (3.5, 4.5, 0.06872629045468406), (11.5, 12.5, 0.06872629045468406),
          (13.5, 14, 0.03436314522734203), (11, 12, 0.06866789938377948),
          (13, 14, 0.06866789938377948)]


@pytest.mark.parametrize("start, end, expected", HALVES)
def test_vdb_partial_periods_as_excel(recalc_cells, start, end, expected):
    got, _ = recalc_cells({"A1": 1, "A2": 14, "A3": 1.25, "B1": start, "C1": end},
                          {"D1": "VDB(A1,0,A2,B1,C1,A3,FALSE)"})
    assert got["D1"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("formula, expected", [
    # the same workbook: 575,000 over 10 periods at 1.5, switching to straight line
    ("VDB(575000,5000,10,0,1,1.5)", 86250.0), ("VDB(575000,5000,10,3,4,1.5)", 52968.28125),
    ("VDB(575000,5000,10,4,5,1.5)", 49192.265625), ("VDB(575000,5000,10,9,10,1.5)", 49192.265625),
    ("VDB(575000,5000,10,9,10,1.5,FALSE)", 49192.265625),
    ("VDB(575000,5000,10,3,5,1.5,FALSE)", 102160.546875),
    # a stress-test workbook of the tune split (fastexcel), cached by Excel
    ("VDB(2400,300,10*365,5,9)", 5.24156794233124),
])
def test_vdb_as_excel(recalc_cells, formula, expected):
    got, _ = recalc_cells({}, {"A1": formula})
    assert got["A1"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("formula, expected", [
    # Excel's documentation: 2,400 cost, 300 salvage, 10 years
    ("VDB(2400,300,10*365,0,1)", 1.32), ("VDB(2400,300,10*12,0,1)", 40.00),
    ("VDB(2400,300,10,0,1)", 480.00), ("VDB(2400,300,10*12,6,18)", 396.31),
    ("VDB(2400,300,10*12,6,18,1.5)", 311.81), ("VDB(2400,300,10,0,0.875,1.5)", 315.00),
])
def test_vdb_documented_examples(recalc_cells, formula, expected):
    got, _ = recalc_cells({}, {"A1": formula})
    assert round(got["A1"], 2) == expected


@pytest.mark.parametrize("formula", ["VDB(-1,0,10,0,1)", "VDB(100,-1,10,0,1)", "VDB(100,0,0,0,1)",
                                     "VDB(100,0,10,-1,1)", "VDB(100,0,10,2,1)",
                                     "VDB(100,0,10,0,11)", "VDB(100,0,10,0,1,0)"])
def test_vdb_refuses_as_documented(recalc_cells, formula):
    got, _ = recalc_cells({}, {"A1": formula})
    assert got["A1"] == "#NUM!"
