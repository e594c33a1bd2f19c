"""Days as Excel serial numbers, one conversion for both faces.

Excel's documentation (DATEVALUE, "Date systems in Excel"): in the 1900 date system
1 January 1900 is serial 1 and 1 March 1900 is 61, Excel keeping a 29 February 1900
(serial 60) for compatibility with Lotus 1-2-3; 31 December 9999 is 2958465.  In the 1904
system 1 January 1904 is 0, 1,462 less than the same day in the 1900 system.  Today's
dates: 1 January 2024 is 45292 (its DATEVALUE example family).
"""
from __future__ import annotations

import datetime as dt

import pytest

from kpi_xl.core import serial

DAYS = [(dt.date(1900, 1, 1), 1), (dt.date(1900, 2, 28), 59), (dt.date(1900, 3, 1), 61),
        (dt.date(2024, 1, 1), 45292), (dt.date(9999, 12, 31), 2958465)]


@pytest.mark.parametrize("day, number", DAYS)
def test_days_and_serials_of_the_1900_system(day, number):
    assert serial.date_to_serial(day) == number
    assert serial.serial_to_date(number) == day
    assert serial.datetime_to_serial(dt.datetime.combine(day, dt.time(12))) == number + 0.5


def test_the_1904_system_is_1462_days_less():
    assert serial.date_to_serial(dt.date(1904, 1, 1), date1904=True) == 0
    assert serial.date_to_serial(dt.date(2024, 1, 1), date1904=True) == 45292 - 1462
    assert serial.serial_to_date(45292 - 1462, date1904=True) == dt.date(2024, 1, 1)


def test_the_day_that_never_was_and_the_calendars_ends():
    assert serial.civil_day(60) == (1900, 2, 29)
    assert serial.civil_day(0) == (1900, 1, 0)
    for bad in (60, -1, 2958466):
        with pytest.raises(ValueError):
            serial.serial_to_date(bad)
    with pytest.raises(ValueError):
        serial.civil_day(2958465 - 1462 + 1, date1904=True)


@pytest.mark.parametrize("day, number", DAYS[:3])
def test_the_xlwings_face_reads_a_date_cell_as_excels_serial(day, number):
    face = pytest.importorskip("kpi_xl.excel.xlwings_face")
    assert face.cell_value(day) == number
    assert face.cell_value(dt.datetime.combine(day, dt.time(6))) == number + 0.25


def test_the_xlwings_face_does_not_need_the_engine():
    # xlwings Lite installs kpi_xl and xlwings only: the face's dates come from core.
    # (pandas is left out: xlwings itself imports it where it is installed.)
    import subprocess
    import sys
    code = ("import sys, datetime as dt\n"
            "from kpi_xl.excel import xlwings_face as f\n"
            "assert f.cell_value(dt.date(1900, 1, 1)) == 1\n"
            "heavy = [m for m in ('kpi_xl.engine', 'lxml', 'formulas') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    pytest.importorskip("xlwings")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_engine_reads_and_computes_the_same_serials(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from kpi_xl.engine.recalc import recalc_file
    wb = openpyxl.Workbook(iso_dates=True)   # date cells saved as t="d" ISO text
    ws = wb.active
    ws.title = "Days"
    ws["A1"] = dt.datetime(1900, 1, 1)
    ws["A2"] = dt.datetime(1900, 3, 1)
    ws["B1"] = "=A1*1"
    ws["B2"] = "=A2*1"
    ws["C1"] = "=DATE(1900,1,1)"
    ws["C2"] = "=DATE(1900,3,1)"
    ws["D1"] = "=DAY(60)&\"/\"&MONTH(60)"
    ws["D2"] = "=DATE(2024,1,1)"
    src, dst = tmp_path / "days.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    recalc_file(src, dst)
    got = openpyxl.load_workbook(dst, data_only=True)["Days"]
    assert [got["B1"].value, got["B2"].value] == [1, 61]
    assert [got["C1"].value, got["C2"].value] == [1, 61]
    assert got["D1"].value == "29/2" and got["D2"].value == 45292
