"""Accrued interest of a security (ACCRINT) counted the way Excel counts it.

Excel measures accrual in quasi-coupon periods laid back from ``first_interest`` at
``12 / frequency`` months.  Its arithmetic is not the textbook sum of A/NL over the
periods the holding covers, and the oracle workbooks show the differences plainly:

* the share of the period just before ``first_interest`` is the day count from that
  period's start (or from issue, if later) to settlement, over the normal period
  length: a settlement before that period's start gives a negative share;
* each earlier period that lies wholly after issue counts 1 when ``calc_method`` is
  TRUE and 0 when it is FALSE (hence negative results for FALSE);
* the period holding issue counts its days from issue to the period end over the
  period's own length, which for actual/360 is a 30/360 count of the period;
* a settlement after ``first_interest`` (with ``calc_method`` TRUE) adds the days
  from ``first_interest`` on, over the length of the period before it.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math

from ..values import NUM, ExcelRaise, to_bool, to_number
from . import excel
from .dates import serial_to_date
from .helpers import elementwise


def _is_month_end(d):
    return d.day == calendar.monthrange(d.year, d.month)[1]


def _shift(d, months, month_end):
    """``d`` moved by whole months; a schedule anchored on a month end stays on month ends."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    if y < 1 or y > 9999:
        raise ExcelRaise(NUM)
    n = calendar.monthrange(y, m)[1]
    return dt.date(y, m, n if month_end else min(d.day, n))


def _last_of_february(d):
    return d.month == 2 and _is_month_end(d)


def _days360_us(a, b, both):
    """30/360 US (NASD); ``both`` also moves a month-end end date, as for a period's length."""
    sd, ed = a.day, b.day
    if _last_of_february(b) and (_last_of_february(a) or both):
        ed = 30
    if ed == 31 and (sd >= 30 or both):
        ed = 30
    if sd == 31 or _last_of_february(a):
        sd = 30
    return (b.year - a.year) * 360 + (b.month - a.month) * 30 + ed - sd


def _days360_eu(a, b):
    return (b.year - a.year) * 360 + (b.month - a.month) * 30 + min(b.day, 30) - min(a.day, 30)


def _accrued_days(a, b, basis):
    if basis == 0:
        return _days360_us(a, b, False)
    if basis == 4:
        return _days360_eu(a, b)
    return (b - a).days


def _period_days(pcd, ncd, basis, freq):
    if basis == 0:
        return _days360_us(pcd, ncd, True)
    if basis == 1:
        return (ncd - pcd).days
    if basis == 2:
        return _days360_us(pcd, ncd, False)
    if basis == 3:
        return 365 / freq
    return _days360_eu(pcd, ncd)


def accrued_interest(issue, first, settle, rate, par, freq, basis, from_issue):
    """ACCRINT on dates; ``from_issue`` is calc_method."""
    step = 12 // freq
    month_end = _is_month_end(first)
    before_first = _shift(first, -step, month_end)
    if basis == 1:
        normal = (first - before_first).days
    else:
        normal = (365 if basis == 3 else 360) / freq
    if settle > first and from_issue:
        start = first
    else:
        start = before_first
    share = _accrued_days(max(issue, start), settle, basis) / normal
    ncd = start
    while ncd > issue:
        pcd = _shift(ncd, -step, month_end)
        if issue <= pcd:
            share += 1 if from_issue else 0
        else:
            days = _days360_us(issue, ncd, False) if basis == 0 else _accrued_days(issue, ncd, basis)
            share += days / _period_days(pcd, ncd, basis, freq)
        ncd = pcd
    return par * rate / freq * share


@excel("ACCRINT", min_args=6, max_args=8)
@elementwise
def ACCRINT(issue, first_interest, settlement, rate, par, frequency, basis=None, calc_method=None):
    """Returns the accrued interest for a security that pays periodic interest."""
    dates = [serial_to_date(math.trunc(to_number(v))) for v in (issue, first_interest, settlement)]
    r, p = to_number(rate), to_number(par)
    freq = math.trunc(to_number(frequency))
    b = 0 if basis is None else math.trunc(to_number(basis))
    from_issue = True if calc_method is None else to_bool(calc_method)
    if r <= 0 or p <= 0 or freq not in (1, 2, 4) or b not in range(5) or dates[0] >= dates[2]:
        raise ExcelRaise(NUM)
    return accrued_interest(*dates, r, p, freq, b, from_issue)
