"""ACCRINT, worked by hand on Excel's quasi-coupon rules (see kpi_xl/engine/functions/bonds.py):
the first three are Microsoft's own examples, the others values Excel cached in the oracle files.
MIRR, worked by hand."""
from __future__ import annotations

import pytest

from kpi_xl.engine.values import XlErr
from test_functions_misc import NUM, ev


@pytest.mark.parametrize("formula, expected", [
    # 30/360 from 1 Mar to 1 May (60 days) of a 180-day half year: 50 × 60/180.
    ("ACCRINT(DATE(2008,3,1),DATE(2008,8,31),DATE(2008,5,1),0.1,1000,2,0)", 50 * 60 / 180),
    # Issue inside the period: 5 Mar to 1 May is 56 days whichever calc_method.
    ("ACCRINT(DATE(2008,3,5),DATE(2008,8,31),DATE(2008,5,1),0.1,1000,2,0,FALSE)", 50 * 56 / 180),
    ("ACCRINT(DATE(2008,4,5),DATE(2008,8,31),DATE(2008,5,1),0.1,1000,2,0,TRUE)", 50 * 26 / 180),
    # Month-end schedule 29 Feb 08 / 31 Aug 07 / 28 Feb 07: 29 Feb→1 May counts 61 days
    # (30/360 US moves the last of February to the 30th), one whole period, and 1 Mar→31 Aug 07
    # a full 180 of 180: 50 × (2 + 61/180).
    ("ACCRINT(DATE(2007,3,1),DATE(2008,8,31),DATE(2008,5,1),0.1,1000,2,0)", 50 * (2 + 61 / 180)),
    # Actual/360: the share runs from 1 Jun 21 back to 1 Mar (−92 days), plus the whole
    # period from issue: 3.75 × (1 − 92/180).
    ("ACCRINT(DATE(2020,12,1),DATE(2021,12,1),DATE(2021,3,1),0.075,100,2,2)", 3.75 * 88 / 180),
    # calc_method FALSE counts whole periods after issue as 0: European 30/360, quarterly,
    # 1 Sep→1 Apr is −150 days, 1 Jan→1 Mar 60: 247.5 × (−150 + 60)/90.
    ("ACCRINT(DATE(2017,1,1),DATE(2017,12,1),DATE(2017,4,1),0.33,3000,4,4,FALSE)", -247.5),
    ("ACCRINT(DATE(2017,1,1),DATE(2017,12,1),DATE(2017,4,1),0.33,3000,4,4,TRUE)", 247.5),
    # Settlement after first_interest, calc_method TRUE: each coupon period wholly before
    # settlement counts 1, the one holding it its days over the normal period. Actual/actual:
    # 1 Jun→1 Dec 21 and 1 Dec 21→1 Jun 22 whole, then 1 Jun→1 Sep 22 is 30 + 31 + 31 = 92
    # days of the 183 from 1 Jun to 1 Dec 21: 3.75 × (2 + 92/183) (Excel 9.385245901639344).
    ("ACCRINT(DATE(2021,6,1),DATE(2021,12,1),DATE(2022,9,1),0.075,100,2,1,TRUE)",
     3.75 * (2 + 92 / 183)),
    # Actual/360: 1 Jan→1 Apr 21 is 31 + 28 + 31 = 90 days of 180: 3.75 × 2.5.
    ("ACCRINT(DATE(2020,1,1),DATE(2020,7,1),DATE(2021,4,1),0.075,100,2,2,TRUE)", 3.75 * 2.5),
    # A settlement on a coupon date counts the period ending there in days: 1 Jul 20→1 Jan 21
    # is 184 days over the 182 from 1 Jan to 1 Jul 2020: 62.5 × (1 + 184/182)
    # (Excel 125.68681318681318).
    ("ACCRINT(DATE(2020,1,1),DATE(2020,7,1),DATE(2021,1,1),0.025,5000,2,1,TRUE)",
     62.5 * (1 + 184 / 182)),
])
def test_accrint(formula, expected):
    assert ev(formula) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("formula", [
    "ACCRINT(DATE(2008,3,1),DATE(2008,9,1),DATE(2008,5,1),0,1000,2,0)",      # rate 0
    "ACCRINT(DATE(2008,3,1),DATE(2008,9,1),DATE(2008,5,1),0.1,-100,2,0)",    # negative par
    "ACCRINT(DATE(2008,3,1),DATE(2008,9,1),DATE(2008,5,1),0.1,1000,3,0)",    # frequency 3
    "ACCRINT(DATE(2008,3,1),DATE(2008,9,1),DATE(2008,5,1),0.1,1000,2,5)",    # basis 5
    "ACCRINT(DATE(2008,5,1),DATE(2008,9,1),DATE(2008,5,1),0.1,1000,2,0)",    # settlement = issue
])
def test_accrint_rejects(formula):
    assert ev(formula) == NUM


# -- ACCRINTM: par × rate × YEARFRAC(issue, settlement, basis) ---------------------------
@pytest.mark.parametrize("formula, expected", [
    # Microsoft's example: 1 Apr → 15 Jun 2008 (39539 → 39614) is 75 days, actual/365.
    ("ACCRINTM(39539,39614,0.1,1000,3)", 100 * 75 / 365),
    # 15 Nov 2023 → 15 Mar 2024 is 121 days with 29 February inside: over 366
    # (Excel 33.060109289617486).
    ("ACCRINTM(DATE(2023,11,15),DATE(2024,3,15),0.1,1000,1)", 100 * 121 / 366),
    # Basis omitted is US 30/360: 28 Feb 2023 is the 30th, so to 15 Jun is 3 × 30 + 15 = 105.
    ("ACCRINTM(DATE(2023,2,28),DATE(2023,6,15),0.1,1000)", 100 * 105 / 360),
    # European 30/360: 15 Jan → 31 Mar is 2 × 30 + 15 = 75 days.
    ("ACCRINTM(DATE(2023,1,15),DATE(2023,3,31),0.1,1000,4)", 100 * 75 / 360),
    ("ACCRINTM(39539.9,39614.2,0.1,1000,2.7)", 100 * 75 / 360),   # whole days, basis 2
])
def test_accrintm(formula, expected):
    assert ev(formula) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("formula, expected", [
    ("ACCRINTM(39614,39539,0.1,1000,3)", NUM),       # issue after settlement
    ("ACCRINTM(39539,39539,0.1,1000,3)", NUM),       # issue = settlement
    ("ACCRINTM(39539,39614,0,1000,3)", NUM),
    ("ACCRINTM(39539,39614,0.1,0,3)", NUM),
    ("ACCRINTM(39539,39614,0.1,1000,5)", NUM),
    ("ACCRINTM(-1,39614,0.1,1000,3)", NUM),
    ('ACCRINTM("abc",39614,0.1,1000,3)', XlErr("#VALUE!")),
    ("ACCRINTM(39539,1/0,0.1,1000)", XlErr("#DIV/0!")),
])
def test_accrintm_rejects(formula, expected):
    assert ev(formula) == expected


def test_accrintm_takes_no_logicals():
    # as YEARFRAC's oracle cells show for a logical date or basis read from a cell
    assert ev("ACCRINTM(39539,39614,0.1,1000,A1)", A1=True) == XlErr("#VALUE!")
    assert ev("ACCRINTM(A1,39614,0.1,1000,3)", A1=False) == XlErr("#VALUE!")
    # an empty basis is US 30/360: 1 Apr → 15 Jun is 2 × 30 + 14 = 74 days
    assert ev("ACCRINTM(39539,39614,0.1,1000,A1)", A1=None) == pytest.approx(100 * 74 / 360)


# -- MIRR: (future value of the inflows at the reinvestment rate / −present value of the
#    outflows at the finance rate) ^ (1/(n−1)) − 1, worked by hand -------------------------
@pytest.mark.parametrize("formula, expected", [
    ("MIRR({-5,4},0.1,0.2)", 4 / 5 - 1),
    # a finance rate of −100 % only ever meets the outflow at time 0, where 0⁰ = 1
    ("MIRR({-5,2,4},-1,0.2)", (6.4 / 5) ** 0.5 - 1),
    # reinvested at 200 %: 230·3⁴ + 200·3³ + 125·3² + 200·3 + 10 = 25765 against 1000
    ("MIRR({-1000,230,200,125,200,10},-1,2)", 25.765 ** 0.2 - 1),
    ("MIRR({-6,-1,-2},0.1,0.2)", -1.0),     # no inflow at all: the whole outlay is lost
])
def test_mirr(formula, expected):
    assert ev(formula) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("formula, expected", [
    ("MIRR({5,6},0.1,0.2)", XlErr("#DIV/0!")),          # no outflow
    ("MIRR({-50,25,30},0.5,-12)", NUM),                 # a negative base to a fractional power
])
def test_mirr_errors(formula, expected):
    assert ev(formula) == expected
