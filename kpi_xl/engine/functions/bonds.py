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
* a settlement after ``first_interest`` (with ``calc_method`` TRUE) adds 1 for each
  coupon period from ``first_interest`` that ends before settlement, and the days of
  the period holding settlement over the normal period length (a settlement on a
  coupon date counts the period ending there in days).

ACCRINTM, interest paid at maturity, is simply par × rate × YEARFRAC(issue, settlement).
"""
from __future__ import annotations

import datetime as dt
import math

from ..datetext import days_in_month
from ..values import NUM, VALUE, ExcelRaise, to_bool, to_number
from . import excel
from .dates import day_count_basis, serial_to_date, whole_day_serial, year_fraction
from .helpers import elementwise


def _is_month_end(d):
    return d.day == days_in_month(d.year, d.month)


def _shift(d, months, month_end):
    """``d`` moved by whole months; a schedule anchored on a month end stays on month ends."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    if y < 1 or y > 9999:
        raise ExcelRaise(NUM)
    n = days_in_month(y, m)
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


def _whole_periods(first, settle, step, month_end):
    """How many coupon dates after ``first`` fall before ``settle`` (a settlement on a
    coupon date still counts that period in days, not as a whole one)."""
    k = max(0, ((settle.year - first.year) * 12 + settle.month - first.month) // step)
    while k > 0 and _shift(first, k * step, month_end) >= settle:
        k -= 1
    while True:
        try:
            if _shift(first, (k + 1) * step, month_end) >= settle:
                return k
        except ExcelRaise:  # the next coupon date would fall after 9999
            return k
        k += 1


def accrued_interest(issue, first, settle, rate, par, freq, basis, from_issue):
    """ACCRINT on dates; ``from_issue`` is calc_method."""
    step = 12 // freq
    month_end = _is_month_end(first)
    before_first = _shift(first, -step, month_end)
    if basis == 1:
        normal = (first - before_first).days
    else:
        normal = (365 if basis == 3 else 360) / freq
    share = 0
    if settle > first and from_issue:
        whole = _whole_periods(first, settle, step, month_end)
        share += whole
        start = _shift(first, whole * step, month_end)
        ncd = first
    else:
        start = ncd = before_first
    share += _accrued_days(max(issue, start), settle, basis) / normal
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


@excel("ACCRINTM", min_args=4, max_args=5)
@elementwise
def ACCRINTM(issue, settlement, rate, par, basis=None):
    """Returns the accrued interest for a security that pays interest at maturity."""
    # Like YEARFRAC's, its arguments take no logicals (TRUE is no date, rate or par).
    if any(isinstance(v, bool) for v in (issue, settlement, rate, par)):
        raise ExcelRaise(VALUE)
    first, last, r, p = (to_number(v) for v in (issue, settlement, rate, par))
    b = day_count_basis(basis)
    first, last = whole_day_serial(first), whole_day_serial(last)
    if r <= 0 or p <= 0 or first >= last:
        raise ExcelRaise(NUM)
    return p * r * year_fraction(first, last, b)


def _odd_last_sums(settle, maturity, last, freq, basis):
    """ODDLPRICE's and ODDLYIELD's sums of DC/NL, A/NL and DSC/NL (Excel's documentation): the odd last period cut into the
    quasi-coupon periods laid forward from ``last`` at 12 / freq months, each counted in
    days (DC) within the odd period, accrued (A) up to settlement and left (DSC) after it,
    over the period's normal length NL, which is its 30/360 count for the 30/360 bases and
    its actual days for the others (Excel's cached values for bases 1-3)."""
    step = 12 // freq
    month_end = _is_month_end(last)
    dc = a = dsc = 0.0
    start, k = last, 1
    while start < maturity:
        end = _shift(last, k * step, month_end)
        normal = _period_days(start, end, basis, freq) if basis in (0, 4) else (end - start).days
        stop = min(end, maturity)
        dc += _accrued_days(start, stop, basis) / normal
        if settle > start:
            a += _accrued_days(start, min(stop, settle), basis) / normal
        if settle < stop:
            dsc += _accrued_days(max(settle, start), stop, basis) / normal
        start, k = end, k + 1
    return dc, a, dsc


def _odd_last_dates(settlement, maturity, last_interest):
    return [serial_to_date(math.trunc(to_number(v))) for v in (settlement, maturity, last_interest)]


def _odd_last_terms(frequency, basis, settle, mat, last):
    freq = math.trunc(to_number(frequency))
    b = 0 if basis is None else math.trunc(to_number(basis))
    if freq not in (1, 2, 4) or b not in range(5) or not last < settle < mat:
        raise ExcelRaise(NUM)
    return freq, b


@excel("ODDLPRICE", min_args=7, max_args=8)
@elementwise
def ODDLPRICE(settlement, maturity, last_interest, rate, yld, redemption, frequency, basis=None):
    """Returns the price per $100 face value of a security with an odd last period."""
    settle, mat, last = _odd_last_dates(settlement, maturity, last_interest)
    r, y, red = to_number(rate), to_number(yld), to_number(redemption)
    freq, b = _odd_last_terms(frequency, basis, settle, mat, last)
    if r < 0 or y < 0 or red <= 0:
        raise ExcelRaise(NUM)
    dc, a, dsc = _odd_last_sums(settle, mat, last, freq, b)
    coupon = 100 * r / freq
    return (red + dc * coupon) / (1 + dsc * y / freq) - a * coupon


@excel("ODDLYIELD", min_args=7, max_args=8)
@elementwise
def ODDLYIELD(settlement, maturity, last_interest, rate, pr, redemption, frequency, basis=None):
    """Returns the yield of a security with an odd last period."""
    settle, mat, last = _odd_last_dates(settlement, maturity, last_interest)
    r, price, red = to_number(rate), to_number(pr), to_number(redemption)
    freq, b = _odd_last_terms(frequency, basis, settle, mat, last)
    if r < 0 or price <= 0 or red <= 0:
        raise ExcelRaise(NUM)
    dc, a, dsc = _odd_last_sums(settle, mat, last, freq, b)
    coupon = 100 * r / freq
    # ODDLPRICE solved for the yield (Excel's documented formula)
    paid = price + a * coupon
    return (red + dc * coupon - paid) / paid * freq / dsc


def _bill_days(settlement, maturity):
    """Days from settlement to maturity of a Treasury bill: logical values are refused
    (#VALUE!), and maturity must follow settlement by at most one year (#NUM!)."""
    if isinstance(settlement, bool) or isinstance(maturity, bool):
        raise ExcelRaise(VALUE)
    s = math.trunc(to_number(settlement))
    m = math.trunc(to_number(maturity))
    start, end = serial_to_date(s), serial_to_date(m)
    if end <= start or end > _shift(start, 12, False):
        raise ExcelRaise(NUM)
    return m - s


def _bill_discount(discount):
    if isinstance(discount, bool):
        raise ExcelRaise(VALUE)
    d = to_number(discount)
    if d <= 0:
        raise ExcelRaise(NUM)
    return d


@excel("TBILLPRICE", min_args=3, max_args=3)
@elementwise
def TBILLPRICE(settlement, maturity, discount):
    """Returns the price per $100 face value for a Treasury bill."""
    days = _bill_days(settlement, maturity)
    price = 100 * (1 - _bill_discount(discount) * days / 360)
    if price <= 0:
        raise ExcelRaise(NUM)
    return price


@excel("TBILLEQ", min_args=3, max_args=3)
@elementwise
def TBILLEQ(settlement, maturity, discount):
    """Returns the bond-equivalent yield for a Treasury bill."""
    days = _bill_days(settlement, maturity)
    d = _bill_discount(discount)
    price = 100 * (1 - d * days / 360)
    if price <= 0:
        raise ExcelRaise(NUM)
    if days <= 182:
        return 365 * d / (360 - d * days)
    # a bill of more than half a year: the yield of a bond with one coupon left, over a
    # year of 365 days (366 for a bill of 366 days, as Excel's cached values show)
    t = days / (366 if days == 366 else 365)
    root = t * t - (2 * t - 1) * (1 - 100 / price)
    if root < 0:
        raise ExcelRaise(NUM)
    return (-t + math.sqrt(root)) / (t - 0.5)


@excel("TBILLYIELD", min_args=3, max_args=3)
@elementwise
def TBILLYIELD(settlement, maturity, pr):
    """Returns the yield for a Treasury bill."""
    days = _bill_days(settlement, maturity)
    if isinstance(pr, bool):
        raise ExcelRaise(VALUE)
    p = to_number(pr)
    if p <= 0:
        raise ExcelRaise(NUM)
    return (100 - p) / p * 360 / days


@excel("DISC", min_args=4, max_args=5)
@elementwise
def DISC(settlement, maturity, pr, redemption, basis=None):
    """Returns the discount rate for a security."""
    if any(isinstance(v, bool) for v in (settlement, maturity, pr, redemption)):
        raise ExcelRaise(VALUE)
    s, m, p, r = (to_number(v) for v in (settlement, maturity, pr, redemption))
    b = day_count_basis(basis)
    s, m = whole_day_serial(s), whole_day_serial(m)
    if p <= 0 or r <= 0 or s >= m:
        raise ExcelRaise(NUM)
    # (redemption - price) / redemption over the years between, as YEARFRAC counts them
    return (r - p) / r / year_fraction(s, m, b)
