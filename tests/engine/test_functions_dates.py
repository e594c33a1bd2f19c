"""Date functions worked by hand: serial bounds, weekdays, working days (NETWORKDAYS and
WORKDAY.INTL have no oracle workbook, so these hand-worked values are the reference).

Serial numbers used: 45292 is Monday 1 January 2024; 2958465 is 31 December 9999.
"""
from __future__ import annotations

import pytest

from kpi_xl.engine.values import XlErr
from one_cell import ev  # noqa: E402

NUM, VALUE = XlErr("#NUM!"), XlErr("#VALUE!")




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


# -- YEARFRAC, worked by hand ----------------------------------------------------------
DIV0 = XlErr("#DIV/0!")


@pytest.mark.parametrize("formula, expected", [
    # Basis 0 (the default), US 30/360 as YEARFRAC counts it, which is not DAYS360's rule.
    # 29 Feb 2024 → 28 Feb 2025: both the last of February, both the 30th: 360 days
    # (DAYS360 leaves the end on the 28th: 358).
    ("YEARFRAC(DATE(2024,2,29),DATE(2025,2,28))", 360 / 360),
    # 28 Feb 2023 (last of February) → 31 Mar: the start is the 30th, the end stays the
    # 31st because the start was no 30th or 31st: 30 + 1 = 31 days (DAYS360: 30).
    ("YEARFRAC(DATE(2023,2,28),DATE(2023,3,31),0)", 31 / 360),
    # 30 Jan → 31 Mar: start the 30th, so the end is the 30th too: 60 days.
    ("YEARFRAC(DATE(2023,1,30),DATE(2023,3,31),0)", 60 / 360),
    # 15 Jan → 31 Mar: the 31st stays: 2 × 30 + 16 = 76 days.
    ("YEARFRAC(DATE(2023,1,15),DATE(2023,3,31),0)", 76 / 360),
    # 28 Feb 2024 is no month end in a leap year: 4 × 30 + 15 − 28 = 107 days.
    ("YEARFRAC(DATE(2024,2,28),DATE(2024,6,15),0)", 107 / 360),
    # 29 Feb → 1 Mar 2024: the start is the 30th: 1 day.
    ("YEARFRAC(DATE(2024,2,29),DATE(2024,3,1),0)", 1 / 360),
    # Basis 1, actual/actual. Within a year, 366 days when a 29 February is in the period:
    # 15 Nov 2023 → 15 Mar 2024 is 30 + 31 + 31 + 29 = 121 days, over 366.
    ("YEARFRAC(DATE(2023,11,15),DATE(2024,3,15),1)", 121 / 366),
    # 3 Mar 2023 → 28 Feb 2024: 362 days that stop short of 29 February: over 365.
    ("YEARFRAC(DATE(2023,3,3),DATE(2024,2,28),1)", 362 / 365),
    # Either end on 29 February counts: 1 Mar 2023 → 29 Feb 2024 and 29 Feb 2024 →
    # 28 Feb 2025 are 365 days each, over 366.
    ("YEARFRAC(DATE(2023,3,1),DATE(2024,2,29),1)", 365 / 366),
    ("YEARFRAC(DATE(2024,2,29),DATE(2025,2,28),1)", 365 / 366),
    # 1 Mar 2024 → 28 Feb 2025 misses it: 364 / 365.
    ("YEARFRAC(DATE(2024,3,1),DATE(2025,2,28),1)", 364 / 365),
    # One calendar year: its own length, whichever part of it the period covers.
    ("YEARFRAC(DATE(2024,1,1),DATE(2024,12,31),1)", 365 / 366),
    ("YEARFRAC(DATE(2024,3,1),DATE(2024,8,31),1)", 183 / 366),
    ("YEARFRAC(DATE(2023,1,1),DATE(2023,12,31),1)", 364 / 365),
    # 28 Feb 2023 → 29 Feb 2024 is more than a year (28 Feb comes before 29 Feb): 366 days
    # over the average of 2023 and 2024, (365 + 366) / 2.
    ("YEARFRAC(DATE(2023,2,28),DATE(2024,2,29),1)", 366 / 365.5),
    # 2 Feb 2022 → 29 Feb 2024: 757 days over (365 + 365 + 366) / 3.
    ("YEARFRAC(DATE(2022,2,2),DATE(2024,2,29),1)", 757 / (1096 / 3)),
    # 5 May 1995 → 6 Jun 2026: 11355 days over 1 Jan 1995 → 1 Jan 2027 (11688 days) / 32.
    ("YEARFRAC(DATE(1995,5,5),DATE(2026,6,6),1)", 11355 / (11688 / 32)),
    # Basis 2 and 3: 15 Jan → 15 Mar 2024 is 16 + 29 + 15 = 60 days.
    ("YEARFRAC(DATE(2024,1,15),DATE(2024,3,15),2)", 60 / 360),
    ("YEARFRAC(DATE(2024,1,15),DATE(2024,3,15),3)", 60 / 365),
    # Basis 4, European 30/360: every 31st is the 30th: 1 Mar → 31 Aug 2008 is 5 × 30 + 29.
    ("YEARFRAC(DATE(2008,3,1),DATE(2008,8,31),4)", 179 / 360),
    # and February keeps its last day: 29 Feb 2024 → 28 Feb 2025 is 360 − 1.
    ("YEARFRAC(DATE(2024,2,29),DATE(2025,2,28),4)", 359 / 360),
    # The earlier date is the start whichever comes first.
    ("YEARFRAC(DATE(2025,1,10),DATE(2025,1,1))", 9 / 360),
    ("YEARFRAC(DATE(2024,3,15),DATE(2023,11,15),1)", 121 / 366),
    ("YEARFRAC(DATE(2024,3,1),DATE(2024,2,29))", 1 / 360),
    # Times of day are dropped (45658 is 1 Jan 2025): 9 whole days.
    ("YEARFRAC(45658.85,45667.69)", 9 / 360),
    ("YEARFRAC(45667.99,45667.01)", 0),
    # The basis is cut to its whole part.
    ("YEARFRAC(DATE(2024,1,15),DATE(2024,3,15),2.9)", 60 / 360),
    ("YEARFRAC(DATE(2024,1,15),DATE(2024,3,15),4.99)", 60 / 360),
    # Serial 0 and the last day Excel knows are dates.
    ("YEARFRAC(0,1)", 1 / 360),
    ("YEARFRAC(DATE(9999,1,1),2958465,3)", 364 / 365),
    # Text that reads as a date or a number is one.
    ('YEARFRAC("2024-01-10","2026-01-10")', 720 / 360),
    ('YEARFRAC("1","10")', 9 / 360),
])
def test_yearfrac(formula, expected):
    assert ev(formula) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("formula, cells, expected", [
    ("YEARFRAC(DATE(2024,1,1),DATE(2024,12,31),5)", {}, NUM),
    ("YEARFRAC(DATE(2024,1,1),DATE(2024,12,31),-1)", {}, NUM),
    ('YEARFRAC(DATE(2024,1,1),DATE(2024,12,31),"abc")', {}, VALUE),
    ("YEARFRAC(DATE(2024,1,1),DATE(2024,12,31),A1)", {"A1": True}, VALUE),
    ("YEARFRAC(DATE(2024,1,1),DATE(2024,12,31),A1)", {}, 1.0),   # empty basis is 0
    ("YEARFRAC(-1,10)", {}, NUM),
    ("YEARFRAC(10,-0.5)", {}, NUM),
    ("YEARFRAC(1,2958466)", {}, NUM),
    ('YEARFRAC("abc",10)', {}, VALUE),
    ("YEARFRAC(A1,A2)", {"A1": " 2024-01-10 ", "A2": " 2026-01-10 "}, VALUE),
    ("YEARFRAC(A1,A2)", {"A1": True, "A2": 10}, VALUE),     # a logical is no date
    ("YEARFRAC(A1,A2)", {"A2": False}, VALUE),
    ("YEARFRAC(A1,A2)", {"A2": 1}, 1 / 360),                  # an empty date is serial 0
    ("YEARFRAC(1/0,10)", {}, DIV0),
    ("YEARFRAC(10,NA())", {}, XlErr("#N/A")),
    ("YEARFRAC(1,2,1/0)", {}, DIV0),
    ('YEARFRAC("abc",-1)', {}, VALUE),                        # text is judged before range
])
def test_yearfrac_arguments(formula, cells, expected):
    got = ev(formula, **cells)
    if isinstance(expected, XlErr):
        assert got == expected
    else:
        assert got == pytest.approx(expected, rel=1e-12)


def test_yearfrac_over_an_array():
    # 1 Jan 2024 to 31 Dec 2024 and to itself on actual/365: 365/365 + 0
    assert ev("SUM(YEARFRAC(45292,{45657,45292},3))") == pytest.approx(1.0)


# Excel's cached values in the oracle workbooks: every YEARFRAC and ACCRINTM cell agrees.
_ORACLE_FILES = ("ironcalc__DATE_AND_TIME__YEARFRAC.xlsx",
                 "ironcalc__DATE_AND_TIME__YEARFRAC_DATEDIF.xlsx",
                 "xlcalculator__YEARFRAC.xlsx", "ironcalc__FINANCIAL__ACCRINTM.xlsx")


@pytest.mark.parametrize("name", _ORACLE_FILES)
def test_yearfrac_agrees_with_excel(name):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import oracle_runner
    path = oracle_runner.ORACLES / "files" / name
    if not path.is_file():
        pytest.skip("../shared/oracles is not present")
    rows, _ = oracle_runner.check_file(path)
    checked = [r for r in rows if r[5] & {"YEARFRAC", "ACCRINTM"}]
    assert checked
    bad = [(cell, text, exp, act) for cell, text, exp, act, ok, _ in checked if not ok]
    assert not bad
