"""Dates as Excel's serial numbers, in the workbook's date system.

Excel counts days in one of two systems, chosen per workbook (``<workbookPr date1904="1"/>``):

- **1900** (Windows' default): serial 1 is 1 January 1900, and serial 60 is a 29 February
  1900 that never was (kept from Lotus 1-2-3), so from 1 March 1900 on a serial is the day
  count from 30 December 1899;
- **1904** (older Mac workbooks): serial 0 is 1 January 1904; the same day is 1,462 less
  than in the 1900 system.

Every date function, date-text coercion and date format of the engine goes through this
module. The system is the one of the workbook being calculated: the evaluator sets it for
its calculation with :func:`date_system`.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import math

from .values import NUM, VALUE, ExcelRaise

#: Days between the two systems' serial numbers of one day.
OFFSET_1904 = 1462
#: The last day Excel knows, 31 December 9999, in the 1900 system.
MAX_SERIAL_1900 = 2958465
_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)

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


def max_serial() -> int:
    """Serial number of 31 December 9999 in the current system."""
    return MAX_SERIAL_1900 - OFFSET_1904 if _DATE1904.get() else MAX_SERIAL_1900


def to_1900(serial):
    """The 1900-system serial of the same moment (the engine's date arithmetic is in it)."""
    return serial + OFFSET_1904 if _DATE1904.get() else serial


def from_1900(serial):
    """The current system's serial of a 1900-system serial."""
    return serial - OFFSET_1904 if _DATE1904.get() else serial


def serial_to_date(serial) -> dt.date:
    """The calendar day of a serial number (#NUM! outside Excel's calendar, #VALUE! for the
    1900 system's 29 February 1900, which no ``date`` can hold)."""
    n = int(math.floor(serial))
    if n < 0 or n > max_serial():
        raise ExcelRaise(NUM)
    if _DATE1904.get():
        return _EPOCH_1904 + dt.timedelta(days=n)
    if n == 60:
        raise ExcelRaise(VALUE)
    if n < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=n)
    return _EPOCH_1900 + dt.timedelta(days=n)


def date_to_serial(d: dt.date) -> int:
    """Serial number of a calendar day in the current system."""
    if _DATE1904.get():
        return (d - _EPOCH_1904).days
    s = (d - _EPOCH_1900).days
    if s < 61:
        s -= 1
    return s


def ymd(serial):
    """(year, month, day) of a serial number in the current system; the 1900 system's day 0
    is "0 January 1900" and its day 60 is 29 February 1900, as Excel shows them."""
    return civil_day(int(math.floor(serial)), _DATE1904.get())


def civil_day(n: int, date1904: bool):
    """(year, month, day) of whole serial ``n`` in the given system (#NUM! outside 0 to
    31 December 9999)."""
    if not date1904:
        if n == 60:
            return 1900, 2, 29
        if n == 0:
            return 1900, 1, 0
    if n < 0 or n > MAX_SERIAL_1900 - (OFFSET_1904 if date1904 else 0):
        raise ExcelRaise(NUM)
    if date1904:
        d = _EPOCH_1904 + dt.timedelta(days=n)
    else:
        d = (dt.date(1899, 12, 31) if n < 60 else _EPOCH_1900) + dt.timedelta(days=n)
    return d.year, d.month, d.day


def weekday_sunday0(serial) -> int:
    """Day of the week of a whole serial number, 0 for Sunday (1 January 1900, serial 1 in
    the 1900 system, is a Sunday in Excel's calendar)."""
    return (to_1900(serial) - 1) % 7


def datetime_to_serial(moment: dt.datetime, date1904: bool | None = None) -> float:
    """Serial number (with the time of day as its fraction) of a moment."""
    if date1904 is None:
        date1904 = _DATE1904.get()
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    serial = (moment - base).total_seconds() / 86400.0
    if not date1904 and serial < 61:
        serial -= 1  # before Excel's fictitious 29 Feb 1900
    return serial
