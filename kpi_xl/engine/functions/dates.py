"""Date functions on Excel serial numbers, in the workbook's date system (see ..serial)."""
from __future__ import annotations

import datetime as dt
import math

from .. import serial
from ..datetext import (DATE_THEN_TIME, datetime_text_or_none, datevalue_or_none, days_in_month,
                        timevalue_or_none)
from ..values import NUM, VALUE, ExcelRaise, XlErr, to_bool, to_number
from . import excel
from .helpers import elementwise

# Serial ↔ date in the workbook's date system lives in ..serial; these names stay for the
# modules that import them from here.
serial_to_date = serial.serial_to_date
date_to_serial = serial.date_to_serial
_ymd = serial.ymd


def make_date(y, m, d):
    y, m, d = int(y), int(m), int(d)
    if 0 <= y < 1900:
        y += 1900
    if y < 0 or y > 9999:
        raise ExcelRaise(NUM)
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    if y < 1900 or y > 9999:
        raise ExcelRaise(NUM)
    base = dt.date(y, m, 1)
    n = date_to_serial(base) + d - 1
    # Counting on from Jan/Feb 1900 passes Excel's 29 Feb 1900 (serial 60) by itself.
    if n < 0 or n > serial.max_serial():
        raise ExcelRaise(NUM)
    return n


@excel("DATE", min_args=3, max_args=3)
@elementwise
def DATE(y, m, d):
    return make_date(math.trunc(to_number(y)), math.trunc(to_number(m)), math.trunc(to_number(d)))


@excel("YEAR", min_args=1, max_args=1)
@elementwise
def YEAR(s):
    return _ymd(_serial_arg(s))[0]


@excel("MONTH", min_args=1, max_args=1)
@elementwise
def MONTH(s):
    return _ymd(_serial_arg(s))[1]


@excel("DAY", min_args=1, max_args=1)
@elementwise
def DAY(s):
    return _ymd(_serial_arg(s))[2]


def _serial_arg(s):
    v = to_number(s)
    if v < 0:
        raise ExcelRaise(NUM)
    return v


def _shifted_month(s, months):
    """(day, year, month) of serial ``s`` moved by ``months`` whole months."""
    if isinstance(months, bool) or isinstance(s, bool):
        raise ExcelRaise(VALUE)
    y, m, d = _ymd(_serial_arg(s))
    k = math.trunc(to_number(months))
    return d, y + (m - 1 + k) // 12, (m - 1 + k) % 12 + 1


@excel("EDATE", min_args=2, max_args=2)
@elementwise
def EDATE(s, months):
    d, y2, m2 = _shifted_month(s, months)
    return make_date(y2, m2, min(d, _days_in_month(y2, m2)))


@excel("EOMONTH", min_args=2, max_args=2)
@elementwise
def EOMONTH(s, months):
    _d, y2, m2 = _shifted_month(s, months)
    return make_date(y2, m2, _days_in_month(y2, m2))


def _days_in_month(y, m):
    if y < 1900 or y > 9999:
        raise ExcelRaise(NUM)
    return days_in_month(y, m)


def _days360_ymd(v):
    n = to_number(v)
    # DAYS360 reads a date to the nearest second: 46000.999999 is the next day, 23:59 is not.
    n = math.floor(n + 0.5 / 86400)
    if n < 0:
        raise ExcelRaise(NUM)
    return _ymd(n)


@excel("DAYS360", min_args=2, max_args=3)
@elementwise
def DAYS360(start, end, method=None):
    """Returns the number of days between two dates based on a 360-day year."""
    y1, m1, d1 = _days360_ymd(start)
    y2, m2, d2 = _days360_ymd(end)
    european = False if method is None else to_bool(method)  # the text "TRUE" counts too
    if european:
        d1, d2 = min(d1, 30), min(d2, 30)
    else:
        # US (NASD): a start on the month's last day (February's included) counts as the
        # 30th; an end on the 31st counts as the 30th only when the start is the 30th.
        if d1 == 31 or (m1 == 2 and d1 == (29 if y1 == 1900 else _days_in_month(y1, 2))):
            d1 = 30
        if d2 == 31 and d1 == 30:
            d2 = 30
    return (y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)


# -- YEARFRAC ---------------------------------------------------------------------------

def _is_leap(y):
    # Excel's calendar holds a 29 February 1900 (serial 60), so its 1900 is a leap year.
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0 or y == 1900)


def _last_of_february(y, m, d):
    return m == 2 and d == (29 if _is_leap(y) else 28)


def _jan1(y):
    """Serial number of 1 January of year ``y`` (1900-10000: 10000 is the day after 9999)."""
    return date_to_serial(dt.date(y - 1, 12, 31)) + 1


def _us_30_360(a, b):
    """Days from serial ``a`` to ``b`` (a ≤ b) on YEARFRAC's US 30/360 count.

    Not DAYS360's rule: a start on the last of February counts as the 30th, but moves the
    end only when that is the last of February too; an end on the 31st counts as the 30th
    only when the start is the 30th or 31st (so 28 Feb → 31 Mar is 31 days, not 30)."""
    y1, m1, d1 = _ymd(a)
    y2, m2, d2 = _ymd(b)
    if d1 >= 30:
        d1 = 30
        if d2 == 31:
            d2 = 30
    elif _last_of_february(y1, m1, d1):
        d1 = 30
        if _last_of_february(y2, m2, d2):
            d2 = 30
    return (y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)


def _eu_30_360(a, b):
    y1, m1, d1 = _ymd(a)
    y2, m2, d2 = _ymd(b)
    return (y2 - y1) * 360 + (m2 - m1) * 30 + (min(d2, 30) - min(d1, 30))


def _actual_actual(a, b):
    """Actual/actual: within a year, the days over 366 when a 29 February lies in the period
    (either end included) and 365 otherwise; over a longer period, the days over the average
    length of the calendar years it touches, whole."""
    y1, m1, d1 = _ymd(a)
    y2, m2, d2 = _ymd(b)
    days = b - a
    # "Within a year" compares month and day: 29 Feb 2024 → 28 Feb 2025 is within a year.
    if y1 == y2 or (y2 == y1 + 1 and (m1, d1) >= (m2, d2)):
        leap_day_inside = (_is_leap(y1) and (m1, d1) <= (2, 29)) or \
                          (_is_leap(y2) and (m2, d2) >= (2, 29))
        return days / (366 if leap_day_inside else 365)
    average_year = (_jan1(y2 + 1) - _jan1(y1)) / (y2 - y1 + 1)
    return days / average_year


def year_fraction(a, b, basis):
    """The fraction of a year between whole serial dates ``a`` and ``b`` on a day-count
    basis 0-4, as YEARFRAC counts it; the earlier date is the start whichever comes first."""
    if a > b:
        a, b = b, a
    if basis == 0:
        return _us_30_360(a, b) / 360
    if basis == 1:
        return _actual_actual(a, b)
    if basis == 2:
        return (b - a) / 360
    if basis == 3:
        return (b - a) / 365
    return _eu_30_360(a, b) / 360


def day_count_basis(basis):
    """A basis argument of the day-count functions: omitted or empty is 0, a fraction is
    cut to its whole part, anything outside 0-4 is #NUM! and a logical #VALUE!."""
    if basis is None:
        return 0
    if isinstance(basis, bool):
        raise ExcelRaise(VALUE)
    b = math.trunc(to_number(basis))
    if not 0 <= b <= 4:
        raise ExcelRaise(NUM)
    return b


def _whole_date(v):
    # Logicals are no dates here (TRUE as a start date is #VALUE!, as Excel has it).
    if isinstance(v, bool):
        raise ExcelRaise(VALUE)
    return to_number(v)


def whole_day_serial(n):
    """A coerced date argument cut to its day: #NUM! before 0 or after 31 Dec 9999."""
    if n < 0 or n >= serial.max_serial() + 1:
        raise ExcelRaise(NUM)
    return int(math.floor(n))


@excel("YEARFRAC", min_args=2, max_args=3)
@elementwise
def YEARFRAC(start_date, end_date, basis=None):
    """Returns the year fraction representing the number of whole days between start_date and end_date."""
    # Every argument is read before any is judged: text that is no date is #VALUE! even
    # beside a date out of range.
    a, b = _whole_date(start_date), _whole_date(end_date)
    k = day_count_basis(basis)
    return year_fraction(whole_day_serial(a), whole_day_serial(b), k)


@excel("WEEKDAY", min_args=1, max_args=2)
@elementwise
def WEEKDAY(s, kind=1):
    n = int(math.floor(_serial_arg(s)))
    k = int(to_number(kind))
    sunday0 = serial.weekday_sunday0(n)
    if k in (1, 17):
        return sunday0 + 1
    if k == 2:
        return (sunday0 + 6) % 7 + 1
    if k == 3:
        return (sunday0 + 6) % 7
    if 11 <= k <= 16:
        return (sunday0 - (k - 10)) % 7 + 1
    raise ExcelRaise(NUM)


# WEEKNUM's return_type → the weekday a week starts on (0 = Sunday); 21 is ISO 8601.
_WEEK_STARTS = {1: 0, 17: 0, 2: 1, 11: 1, 12: 2, 13: 3, 14: 4, 15: 5, 16: 6}


def _iso_week(n):
    # the ISO week of a whole serial: the week (Monday first) holding its year's first Thursday
    if n < 1:
        raise ExcelRaise(NUM)
    monday0 = (serial.weekday_sunday0(n) + 6) % 7
    thursday = n - monday0 + 3           # the Thursday of n's week decides the year
    if thursday < 1:
        return 52    # serial 1, a Sunday, ends 1899's last ISO week (Excel: ISOWEEKNUM(1) is 52)
    y = _ymd(thursday)[0] if thursday <= serial.max_serial() else 10000
    return (thursday - _jan1(y)) // 7 + 1


@excel("WEEKNUM", min_args=1, max_args=2)
@elementwise
def WEEKNUM(s, kind=None):
    """Converts a serial number to a number representing where the week falls numerically
    with a year."""
    n = int(math.floor(_serial_arg(s)))
    k = 1 if kind is None else math.trunc(to_number(kind))
    if k == 21:
        return _iso_week(n)
    if k not in _WEEK_STARTS:
        raise ExcelRaise(NUM)
    y, _, d = _ymd(n)
    if d == 0:
        return 0   # the 1900 system's day 0, "0 January 1900"
    first = _jan1(y)
    offset = (serial.weekday_sunday0(first) - _WEEK_STARTS[k]) % 7
    return (n - first + offset) // 7 + 1


@excel("ISOWEEKNUM", min_args=1, max_args=1)
@elementwise
def ISOWEEKNUM(s):
    """Returns the number of the ISO week number of the year for a given date."""
    return _iso_week(int(math.floor(_serial_arg(s))))


@excel("DATEDIF", min_args=3, max_args=3)
@elementwise
def DATEDIF(a, b, unit):
    for v in (a, b, unit):
        if isinstance(v, XlErr):
            raise ExcelRaise(v)
    s1, s2 = _serial_arg(a), _serial_arg(b)
    if math.floor(s1) > math.floor(s2):
        raise ExcelRaise(NUM)
    u = str(unit).upper()
    y1, m1, d1 = _ymd(s1)
    y2, m2, d2 = _ymd(s2)
    if u == "D":
        return int(math.floor(s2)) - int(math.floor(s1))
    months = (y2 - y1) * 12 + (m2 - m1) - (1 if d2 < d1 else 0)
    if u == "M":
        return months
    if u == "Y":
        return months // 12
    if u == "YM":
        return months % 12
    if u == "MD":
        if d2 >= d1:
            return d2 - d1
        pm, py = (m2 - 1, y2) if m2 > 1 else (12, y2 - 1)
        return _days_in_month(py, pm) - d1 + d2
    if u == "YD":
        yy = y2 if (m2, d2) >= (m1, d1) else y2 - 1
        try:
            start = make_date(yy, m1, d1)
        except ExcelRaise:   # not an error: 29 February in a common year is the 28th
            start = make_date(yy, m1, 28)
        return int(math.floor(s2)) - start
    raise ExcelRaise(NUM)


@excel("TIMEVALUE", min_args=1, max_args=1)
@elementwise
def TIMEVALUE(s):
    """Converts a time in the form of text to a serial number."""
    if isinstance(s, XlErr):
        raise ExcelRaise(s)
    if not isinstance(s, str):
        raise ExcelRaise(VALUE)
    v = datetime_text_or_none(s)
    if v is None:
        raise ExcelRaise(VALUE)
    # the time of day, counted in seconds so that "25:00" is exactly 1/24 and not 1/24 plus
    # the rounding left from subtracting the whole day
    return round((v - math.floor(v)) * 86400, 6) % 86400 / 86400


@excel("DATEVALUE", min_args=1, max_args=1)
@elementwise
def DATEVALUE(s):
    if isinstance(s, XlErr):
        raise ExcelRaise(s)
    if not isinstance(s, str):
        raise ExcelRaise(VALUE)
    v = datevalue_or_none(s)
    if v is None:
        # a date with a time: the date alone (a time alone is no date)
        m = DATE_THEN_TIME.match(s.strip())
        if m and timevalue_or_none(m.group(2)) is not None:
            v = datevalue_or_none(m.group(1))
    if v is None:
        raise ExcelRaise(VALUE)
    return v


@excel("TODAY", max_args=0)
def TODAY(calc):
    calc.taint_volatile()
    return date_to_serial(dt.date.today())


@excel("NOW", max_args=0)
def NOW(calc):
    calc.taint_volatile()
    now = dt.datetime.now()
    return date_to_serial(now.date()) + (now.hour * 3600 + now.minute * 60 + now.second) / 86400


@excel("TIME", min_args=3, max_args=3)
@elementwise
def TIME(h, m, s):
    total = math.trunc(to_number(h)) * 3600 + math.trunc(to_number(m)) * 60 + math.trunc(to_number(s))
    if total < 0:
        raise ExcelRaise(NUM)
    return (total % 86400) / 86400


@excel("HOUR", min_args=1, max_args=1)
@elementwise
def HOUR(s):
    # a time that rounds to 24:00:00 is the next day's 0 (HOUR is 0 to 23)
    return int(round((_serial_arg(s) % 1) * 86400) % 86400 // 3600)


@excel("MINUTE", min_args=1, max_args=1)
@elementwise
def MINUTE(s):
    return int(round((_serial_arg(s) % 1) * 86400) % 3600 // 60)


@excel("SECOND", min_args=1, max_args=1)
@elementwise
def SECOND(s):
    return int(round((_serial_arg(s) % 1) * 86400) % 60)


# -- working days --------------------------------------------------------------------

_WEEKEND_CODES = {1: (5, 6), 2: (6, 0), 3: (0, 1), 4: (1, 2), 5: (2, 3), 6: (3, 4), 7: (4, 5),
                  11: (6,), 12: (0,), 13: (1,), 14: (2,), 15: (3,), 16: (4,), 17: (5,)}


def _weekend_mask(weekend):
    """Seven flags, Monday first, True for a weekend day (codes 1-7, 11-17 or "0000011")."""
    if weekend is None:
        weekend = 1
    if isinstance(weekend, XlErr):
        raise ExcelRaise(weekend)
    if isinstance(weekend, str):
        if len(weekend) != 7 or any(ch not in "01" for ch in weekend) or weekend == "1111111":
            raise ExcelRaise(VALUE)
        return [ch == "1" for ch in weekend]
    if isinstance(weekend, bool):
        raise ExcelRaise(VALUE)
    code = int(to_number(weekend))
    if code not in _WEEKEND_CODES:
        raise ExcelRaise(NUM)
    days = _WEEKEND_CODES[code]
    return [d in days for d in range(7)]


def _monday0(n):
    return (serial.weekday_sunday0(n) + 6) % 7


def _holidays(calc, holidays):
    if holidays is None:
        return set()
    from .helpers import strict_numbers
    out = set()
    for x in strict_numbers(calc, [holidays]):
        if x < 0:
            raise ExcelRaise(NUM)
        out.add(int(math.floor(x)))
    return out


def _day_arg(calc, v):
    from .helpers import scalarize
    v = scalarize(calc, v)
    if isinstance(v, bool):
        raise ExcelRaise(VALUE)
    x = to_number(v)
    if x < 0 or x > serial.max_serial():
        raise ExcelRaise(NUM)
    return int(math.floor(x))


def _networkdays(calc, start, end, weekend, holidays):
    from .helpers import scalarize
    a, b = _day_arg(calc, start), _day_arg(calc, end)
    mask = _weekend_mask(None if weekend is None else scalarize(calc, weekend))
    hol = _holidays(calc, holidays)
    sign = 1
    if a > b:
        a, b, sign = b, a, -1
    n = b - a + 1
    weeks, rest = divmod(n, 7)
    count = weeks * (7 - sum(mask))
    for k in range(rest):
        if not mask[_monday0(a + weeks * 7 + k)]:
            count += 1
    count -= sum(1 for h in hol if a <= h <= b and not mask[_monday0(h)])
    return sign * count


def _workday(calc, start, days, weekend, holidays):
    from .helpers import scalarize
    s = _day_arg(calc, start)
    dv = scalarize(calc, days)
    if isinstance(dv, bool):
        raise ExcelRaise(VALUE)
    k = math.trunc(to_number(dv))
    mask = _weekend_mask(None if weekend is None else scalarize(calc, weekend))
    hol = _holidays(calc, holidays)
    step = 1 if k >= 0 else -1
    d = s
    left = abs(k)
    while left:
        d += step
        if d < 1 or d > serial.max_serial():
            return NUM
        if not mask[_monday0(d)] and d not in hol:
            left -= 1
    return d


@excel("NETWORKDAYS", min_args=2, max_args=3)
def NETWORKDAYS(calc, start, end, holidays=None):
    """Returns the number of whole workdays between two dates."""
    return _networkdays(calc, start, end, None, holidays)


@excel("NETWORKDAYS.INTL", min_args=2, max_args=4)
def NETWORKDAYS_INTL(calc, start, end, weekend=None, holidays=None):
    """Returns the number of whole workdays between two dates with custom weekend parameters."""
    return _networkdays(calc, start, end, weekend, holidays)


@excel("WORKDAY", min_args=2, max_args=3)
def WORKDAY(calc, start, days, holidays=None):
    """Returns the serial number of the date before or after a specified number of workdays."""
    return _workday(calc, start, days, None, holidays)


@excel("WORKDAY.INTL", min_args=2, max_args=4)
def WORKDAY_INTL(calc, start, days, weekend=None, holidays=None):
    """Returns the serial number of the date before or after a specified number of workdays
    with custom weekend parameters."""
    return _workday(calc, start, days, weekend, holidays)
