"""Days as Excel's serial numbers: the one conversion both faces use.

Excel counts days in one of two systems, chosen per workbook (``<workbookPr date1904="1"/>``):

- **1900** (Windows' default): serial 1 is 1 January 1900, and serial 60 is a 29 February
  1900 that never was (kept from Lotus 1-2-3), so from 1 March 1900 (serial 61) on a serial
  is the day count from 30 December 1899, and before it one less;
- **1904** (older Mac workbooks): serial 0 is 1 January 1904; the same day is 1,462 less
  than in the 1900 system.

Pure standard library: the xlwings face (which xlwings Lite installs without the engine's
dependencies) and the engine's :mod:`kpi_xl.engine.serial` both call it.
"""
from __future__ import annotations

import datetime as dt

#: Days between the two systems' serial numbers of one day.
OFFSET_1904 = 1462
#: The last day Excel knows, 31 December 9999, in the 1900 system.
MAX_SERIAL_1900 = 2958465
EPOCH_1900 = dt.date(1899, 12, 30)
EPOCH_1904 = dt.date(1904, 1, 1)
# Serials 1..59 of the 1900 system count from here: they come before the fictitious day 60.
_EPOCH_1900_EARLY = dt.date(1899, 12, 31)
_FIRST_REAL_AFTER_LEAP = 61   # 1 March 1900


def max_serial(date1904: bool = False) -> int:
    """Serial number of 31 December 9999 in the given system."""
    return MAX_SERIAL_1900 - OFFSET_1904 if date1904 else MAX_SERIAL_1900


def date_to_serial(day: dt.date, date1904: bool = False) -> int:
    """Serial number of a calendar day: 1 January 1900 is 1, 1 March 1900 is 61."""
    if date1904:
        return (day - EPOCH_1904).days
    n = (day - EPOCH_1900).days
    return n - 1 if n < _FIRST_REAL_AFTER_LEAP else n


def datetime_to_serial(moment: dt.datetime, date1904: bool = False) -> float:
    """Serial number of a moment, the time of day as its fraction (naive datetimes)."""
    if date1904:
        base = dt.datetime(1904, 1, 1)
    else:
        base = dt.datetime(1899, 12, 30)
    serial = (moment - base).total_seconds() / 86400.0
    if not date1904 and serial < _FIRST_REAL_AFTER_LEAP:
        serial -= 1  # before Excel's fictitious 29 February 1900
    return serial


def serial_to_date(n: int, date1904: bool = False) -> dt.date:
    """The calendar day of whole serial ``n``.

    Raises ValueError outside Excel's calendar (below 0, past 31 December 9999) and for
    the 1900 system's day 60, 29 February 1900, which no ``date`` can hold.  Its day 0
    ("0 January 1900" in Excel) is 31 December 1899, the day before serial 1.
    """
    if n < 0 or n > max_serial(date1904):
        raise ValueError(f"serial {n} is outside Excel's calendar")
    if date1904:
        return EPOCH_1904 + dt.timedelta(days=n)
    if n == 60:
        raise ValueError(f"serial {n} is a day of the 1900 system that no calendar holds")
    if n < 60:
        return _EPOCH_1900_EARLY + dt.timedelta(days=n)
    return EPOCH_1900 + dt.timedelta(days=n)


def civil_day(n: int, date1904: bool = False) -> tuple[int, int, int]:
    """(year, month, day) of whole serial ``n`` as Excel shows it, day 0 of the 1900
    system being "0 January 1900" and day 60 its 29 February 1900.

    Raises ValueError outside 0 to 31 December 9999.
    """
    if not date1904:
        if n == 60:
            return 1900, 2, 29
        if n == 0:
            return 1900, 1, 0
    d = serial_to_date(n, date1904)
    return d.year, d.month, d.day


__all__ = ["OFFSET_1904", "MAX_SERIAL_1900", "EPOCH_1900", "EPOCH_1904", "max_serial",
           "date_to_serial", "datetime_to_serial", "serial_to_date", "civil_day"]
