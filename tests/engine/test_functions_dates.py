"""Date functions worked by hand: serial bounds, weekdays, working days (NETWORKDAYS and
WORKDAY.INTL have no oracle workbook, so these hand-worked values are the reference).

Serial numbers used: 45292 is Monday 1 January 2024; 2958465 is 31 December 9999.
"""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

NUM, VALUE = XlErr("#NUM!"), XlErr("#VALUE!")


def ev(formula, **cells):
    from kpi_xl.engine.xlsx_read import parse_cell_ref
    s = SheetInput("Sheet1")
    for ref, v in cells.items():
        s.values[parse_cell_ref(ref)] = v
    s.formulas[(100, 26)] = formula
    results, _ = calculate(BookInput([s]))
    return results["Sheet1"][(100, 26)]


@pytest.mark.parametrize("formula, expected", [
    ("DATE(2024,1,1)", 45292),
    ("DATE(1900,2,29)", 60),          # Excel's own 29 February 1900
    ("DATE(1900,3,1)", 61),
    ("DATE(1900,1,60)", 60),
    ("DATE(2024,14,1)", 45689),       # month 14: 1 February 2025 = 45292 + 366 + 31
    ("DATE(9999,12,31)", 2958465),
    ("DATE(9999,12,32)", NUM),
    ("DATE(10000,1,1)", NUM),
    ("DATE(-1,1,1)", NUM),
    ("DAY(2958466)", NUM),
    ("YEAR(2958465)", 9999),
    ("MONTH(60)", 2),
    ("DAY(60)", 29),
    ("DAY(-1)", NUM),
    ("EDATE(DATE(2024,1,31),1)", 45351),   # 29 February 2024
    ("EOMONTH(DATE(2024,1,15),1)", 45351),
    ("EDATE(2958465,1)", NUM),
])
def test_serial_bounds(formula, expected):
    assert ev(formula) == expected


@pytest.mark.parametrize("kind, expected", [
    (1, 1), (2, 7), (3, 6), (11, 7), (12, 6), (17, 1),
])
def test_weekday_of_a_sunday(kind, expected):
    # 7 January 2024 is a Sunday
    assert ev(f"WEEKDAY(DATE(2024,1,7),{kind})") == expected


def test_week_numbers():
    assert ev("WEEKNUM(DATE(2024,1,7))") == 2        # weeks begin on Sunday
    assert ev("WEEKNUM(DATE(2024,1,7),2)") == 1      # weeks begin on Monday
    assert ev("ISOWEEKNUM(DATE(2024,12,30))") == 1   # Monday of ISO week 1 of 2025


# January 2024: 31 days, weekends on the 6-7, 13-14, 20-21, 27-28 → 23 working days.
@pytest.mark.parametrize("formula, expected", [
    ("NETWORKDAYS(DATE(2024,1,1),DATE(2024,1,31))", 23),
    ("NETWORKDAYS(DATE(2024,1,31),DATE(2024,1,1))", -23),
    ("NETWORKDAYS(DATE(2024,1,1),DATE(2024,1,31),DATE(2024,1,15))", 22),
    ("NETWORKDAYS(DATE(2024,1,6),DATE(2024,1,7))", 0),
    ("NETWORKDAYS.INTL(DATE(2024,1,1),DATE(2024,1,31),11)", 27),        # Sundays only
    ("NETWORKDAYS.INTL(DATE(2024,1,1),DATE(2024,1,31),7)", 23),         # Friday + Saturday
    ('NETWORKDAYS.INTL(DATE(2024,1,1),DATE(2024,1,31),"0000011")', 23),
    ('NETWORKDAYS.INTL(DATE(2024,1,1),DATE(2024,1,31),"1111111")', VALUE),
    ("NETWORKDAYS.INTL(DATE(2024,1,1),DATE(2024,1,31),8)", NUM),
    # 5 January 2024 is a Friday
    ("WORKDAY(DATE(2024,1,5),1)", 45299),                       # Monday 8th
    ("WORKDAY(DATE(2024,1,5),-1)", 45295),                      # Thursday 4th
    ("WORKDAY(DATE(2024,1,5),5,{45299,45300})", 45307),         # skips Mon 8, Tue 9 → Tue 16th
    ("WORKDAY.INTL(DATE(2024,1,5),1)", 45299),
    ("WORKDAY.INTL(DATE(2024,1,5),1,7)", 45298),                # Friday+Saturday off → Sunday 7th
    ('WORKDAY.INTL(DATE(2024,1,5),1,"0000011")', 45299),
    ("WORKDAY.INTL(DATE(2024,1,5),2,11)", 45299),               # Sunday off → Sat 6th, Mon 8th
    ("WORKDAY.INTL(DATE(2024,1,5),0)", 45296),
    ("WORKDAY(-1,1)", NUM),
])
def test_working_days(formula, expected):
    assert ev(formula) == expected


def test_date_text_with_surrounding_spaces_is_no_date():
    assert ev('A1+0', A1="2024-01-10") == 45301
    assert ev('A1+0', A1=" 2024-01-10 ") is VALUE
    assert ev('A1+0', A1=" 10 ") == 10


@pytest.mark.parametrize("formula, expected", [
    ('YEAR("7/5/1800")', VALUE),              # text dates before 1900 are no dates
    ('DATEVALUE("2/30/2024")', VALUE),
    ('DATEVALUE("1900-02-29")', 60),
    ("DATEVALUE(1/0)", XlErr("#DIV/0!")),
    ("EOMONTH(44987,TRUE)", VALUE),
    ("DATEDIF(45667.85,45667.69,\"D\")", 0),  # same day, later time first
    ("DATEDIF(1,2,1/0)", XlErr("#DIV/0!")),
])
def test_date_arguments(formula, expected):
    assert ev(formula) == expected
