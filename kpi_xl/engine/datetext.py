"""The workbook's date system and dates written as text: the date rules below the value model.

:mod:`kpi_xl.engine.values` reads "2026-10-05" or "3:30 PM" as a number (Excel's coercion of
text in arithmetic) and :mod:`kpi_xl.engine.functions.dates` gives DATEVALUE and TIMEVALUE;
both import this module, which imports neither of them, nor any Excel error: text that is no
date is ``None`` here, and each caller decides what that means. :mod:`kpi_xl.engine.serial`
builds on the date system set here and adds the Excel errors of days outside the calendar.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re

from ..core import serial as _core

_DATE1904: contextvars.ContextVar[bool] = contextvars.ContextVar("kpi_xl_date1904", default=False)


def is_1904() -> bool:
    """True while a workbook in the 1904 date system is being calculated."""
    return _DATE1904.get()


@contextlib.contextmanager
def date_system(date1904: bool):
    """Calculate in the given date system inside the ``with`` block."""
    token = _DATE1904.set(bool(date1904))
    try:
        yield
    finally:
        _DATE1904.reset(token)


_MONTHS = {m.lower(): i + 1 for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"])}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})


def days_in_month(y, m):
    """Days in month ``m`` of year ``y`` (proleptic Gregorian, as Python's dates)."""
    if m == 12:
        return 31
    return (dt.date(y, m + 1, 1) - dt.date(y, m, 1)).days


def _text_date(y, m, d):
    """Serial number of a date read from text: the year 1900-9999 (or below 100, read as
    19xx), a real month and day (29 February 1900 included, Excel's day 60), or None."""
    if 100 <= y < 1900 or y > 9999 or not 1 <= m <= 12 \
            or not 1 <= d <= days_in_month(max(y, 1900), m) and not (y == 1900 and m == 2 and d == 29):
        return None
    if y < 100:
        y += 1900
    date1904 = _DATE1904.get()
    # Counting on from the first of the month passes Excel's 29 Feb 1900 (serial 60) by itself.
    n = _core.date_to_serial(dt.date(y, m, 1), date1904) + d - 1
    return n if 0 <= n <= _core.max_serial(date1904) else None


def _two_digit_year(y):
    return y + (2000 if y < 30 else 1900) if y < 100 else y


def datevalue_or_none(s):
    """Serial number of a date written as text (ISO, m/d/y, d-mon-y, 2026年10月5日), or None."""
    t = s.strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", t) or \
        re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", t)
    if m:
        return _text_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    # Chinese: a year and month is its first day, a month and day is this year's
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月", t)
    if m:
        return _text_date(int(m.group(1)), int(m.group(2)), 1)
    m = re.fullmatch(r"(\d{1,2})月(\d{1,2})日", t)
    if m:
        return _text_date(dt.date.today().year, int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", t)
    if m:
        return _text_date(_two_digit_year(int(m.group(3))), int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{1,2})[- ]([A-Za-z]+)[- ,]*(\d{2,4})?", t)
    if m and m.group(2).lower() in _MONTHS:
        y = int(m.group(3)) if m.group(3) else dt.date.today().year
        return _text_date(_two_digit_year(y), _MONTHS[m.group(2).lower()], int(m.group(1)))
    m = re.fullmatch(r"([A-Za-z]+)[- ](\d{1,2}),?[- ](\d{2,4})", t)
    if m and m.group(1).lower() in _MONTHS:
        return _text_date(_two_digit_year(int(m.group(3))), _MONTHS[m.group(1).lower()],
                          int(m.group(2)))
    return None


_AMPM = r"(?:\s*([AaPp])[Mm]?)?"
# h:mm, h:mm:ss(.fff), with AM/PM or not; hours may pass 24 without AM/PM ("25:00" is 1:00 of
# the next day to Excel); mm:ss.f with a decimal second; "3 PM" alone.
_TIME_TEXT = re.compile(r"(\d{1,5}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?" + _AMPM + r"$")
_MIN_SEC_TEXT = re.compile(r"(\d{1,5}):(\d{1,2}\.\d*)$")
_HOUR_AMPM_TEXT = re.compile(r"(\d{1,2})\s*([AaPp])[Mm]?$")
_AMPM_IN = re.compile(r"[AaPp][Mm]?$|午")


# Chinese writes AM and PM as 上午 and 下午, before the time (or after it).
_CHINESE_AMPM = re.compile(r"^(上午|下午)\s*(.*\S)$|^(.*\S)\s*(上午|下午)$")


def timevalue_or_none(s):
    """Fraction of a day of a time written as text ("1:23", "12:59:59 AM", "25:00", "3 PM",
    "1:23.5" as minutes and seconds, "下午3:00"), or None."""
    t = s.strip()
    cn = _CHINESE_AMPM.match(t) if "午" in t else None
    if cn:
        mark, rest = (cn.group(1), cn.group(2)) if cn.group(1) else (cn.group(4), cn.group(3))
        if _AMPM_IN.search(rest):
            return None
        return timevalue_or_none(rest + (" PM" if mark == "下午" else " AM"))
    m = _TIME_TEXT.match(t)
    if m:
        h, mi = int(m.group(1)), int(m.group(2))
        sec = float(m.group(3)) if m.group(3) else 0.0
        ampm = m.group(4)
    else:
        m = _MIN_SEC_TEXT.match(t)
        if m:
            h, mi, sec, ampm = 0, int(m.group(1)), float(m.group(2)), None
            if sec >= 60:
                return None
            return (mi * 60 + sec) / 86400
        m = _HOUR_AMPM_TEXT.match(t)
        if not m:
            return None
        h, mi, sec, ampm = int(m.group(1)), 0, 0.0, m.group(2)
    if mi >= 60 or sec >= 60:
        return None
    if ampm:
        if h > 12:
            return None
        h = h % 12 + (12 if ampm in "Pp" else 0)
    elif h >= 10000:
        return None
    return (h * 3600 + mi * 60 + sec) / 86400


#: A date followed by a time ("2026-10-05 3:30 PM"): the date part, then the time part.
DATE_THEN_TIME = re.compile(r"(.*\S)\s+((?:[上下]午\s*)?\d{1,5}:\d.*|\d{1,2}\s*[AaPp][Mm]?)$")


def datetime_text_or_none(s):
    """Serial number of a date, a time, or a date and a time written as text, or None."""
    v = datevalue_or_none(s)
    if v is not None:
        return v
    v = timevalue_or_none(s)
    if v is not None:
        return v
    m = DATE_THEN_TIME.match(s.strip())
    if m:
        d, t = datevalue_or_none(m.group(1)), timevalue_or_none(m.group(2))
        if d is not None and t is not None:
            return d + t
    return None


__all__ = ["is_1904", "date_system", "datevalue_or_none", "timevalue_or_none",
           "datetime_text_or_none", "DATE_THEN_TIME"]
