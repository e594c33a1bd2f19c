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
