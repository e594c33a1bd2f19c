"""Dates as Excel's serial numbers, in the date system of the workbook being calculated.

The conversions themselves (the 1900 system's fictitious 29 February 1900, the 1904
system's offset) are :mod:`kpi_xl.core.serial`'s, shared with the xlwings face; this
module adds the workbook's system, set for a calculation with :func:`date_system`, and
turns a day outside the calendar into the Excel error the formula shows.

Every date function and date format of the engine goes through this module; dates
written as text are read by :mod:`kpi_xl.engine.datetext`, below the value model.
"""
from __future__ import annotations

import datetime as dt
import math

from ..core import serial as _core
from ..core.serial import MAX_SERIAL_1900, OFFSET_1904
# The date system is held below the value model, beside the reading of dates from text.
from .datetext import _DATE1904, date_system, is_1904
from .values import NUM, VALUE, ExcelRaise


def max_serial() -> int:
    """Serial number of 31 December 9999 in the current system."""
    return _core.max_serial(_DATE1904.get())


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
    date1904 = _DATE1904.get()
    if n < 0 or n > _core.max_serial(date1904):
        raise ExcelRaise(NUM)
    if n == 60 and not date1904:
        raise ExcelRaise(VALUE)
    return _core.serial_to_date(n, date1904)


def date_to_serial(d: dt.date) -> int:
    """Serial number of a calendar day in the current system."""
    return _core.date_to_serial(d, _DATE1904.get())


def ymd(serial):
    """(year, month, day) of a serial number in the current system; the 1900 system's day 0
    is "0 January 1900" and its day 60 is 29 February 1900, as Excel shows them."""
    return civil_day(int(math.floor(serial)), _DATE1904.get())


def civil_day(n: int, date1904: bool):
    """(year, month, day) of whole serial ``n`` in the given system (#NUM! outside 0 to
    31 December 9999)."""
    try:
        return _core.civil_day(n, date1904)
    except ValueError:
        raise ExcelRaise(NUM) from None


def weekday_sunday0(serial) -> int:
    """Day of the week of a whole serial number, 0 for Sunday (1 January 1900, serial 1 in
    the 1900 system, is a Sunday in Excel's calendar)."""
    return (to_1900(serial) - 1) % 7


def datetime_to_serial(moment: dt.datetime, date1904: bool | None = None) -> float:
    """Serial number (with the time of day as its fraction) of a moment."""
    return _core.datetime_to_serial(moment, _DATE1904.get() if date1904 is None else date1904)


__all__ = ["OFFSET_1904", "MAX_SERIAL_1900", "is_1904", "date_system", "max_serial", "to_1900",
           "from_1900", "serial_to_date", "date_to_serial", "ymd", "civil_day",
           "weekday_sunday0", "datetime_to_serial"]
