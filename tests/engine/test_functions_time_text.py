"""Times written as text, read by HOUR, MINUTE, SECOND, TIMEVALUE and by arithmetic, as
Excel's documentation of TIMEVALUE describes them ("6:45 PM", "18:45", with or without a
date, which TIMEVALUE ignores). Fractions of a day worked by hand: 1:23 is 83 minutes,
83/1440 = 0.0576388…"""
from __future__ import annotations

import pytest

from kpi_xl.engine.values import XlErr
from one_cell import ev  # noqa: E402

VALUE = XlErr("#VALUE!")




@pytest.mark.parametrize("formula, expected", [
    ('HOUR("1:23")', 1), ('MINUTE("1:23")', 23), ('SECOND("1:23")', 0),
    ('HOUR("12:59:59 AM")', 0), ('MINUTE("12:59:59 AM")', 59), ('SECOND("12:59:59 AM")', 59),
    ('HOUR("12:00 PM")', 12), ('HOUR("6:45 PM")', 18), ('HOUR("3 PM")', 15), ('HOUR("18:45")', 18),
    ('HOUR("2024-01-15 6:30")', 6), ('MINUTE("2024-01-15 6:30")', 30),
    ('TIMEVALUE("1:23")', 83 / 1440), ('TIMEVALUE("12:59:59 AM")', 3599 / 86400),
    ('TIMEVALUE("6:45 PM")', (18 * 60 + 45) / 1440), ('TIMEVALUE("18:45")', (18 * 60 + 45) / 1440),
    ('TIMEVALUE("2024-01-15 6:00")', 0.25),          # the date is ignored
    ('TIMEVALUE("25:00")', 1 / 24),                   # past a day: the time of day
    ('"1:23"+0', 83 / 1440), ('"2024-01-15 18:00"+0', 45306.75),
    ('DATEVALUE("2024-01-15 6:00")', 45306),          # the time is ignored
    ('TIMEVALUE("13:00 PM")', VALUE), ('TIMEVALUE("1:60")', VALUE), ('TIMEVALUE("abc")', VALUE),
    ('TIMEVALUE(0.5)', VALUE), ('HOUR("x:1")', VALUE),
])
def test_time_text(formula, expected):
    got = ev(formula)
    if isinstance(expected, float):
        assert got == pytest.approx(expected, abs=1e-12)
    else:
        assert got == expected


@pytest.mark.parametrize("formula, expected", [
    # 23:59:59.6 rounds to the whole second 24:00:00: the next day's 0:00:00, and HOUR is
    # a whole number from 0 to 23 (Excel's documentation of HOUR); MINUTE and SECOND agree
    ("HOUR(45000.99999537)", 0), ("MINUTE(45000.99999537)", 0), ("SECOND(45000.99999537)", 0),
    ("HOUR(0.99999999)", 0), ('HOUR("23:59:59.6")', 0),
    ("HOUR(0.9999884259)", 23), ("SECOND(0.9999884259)", 59),     # 23:59:59.0 stays
])
def test_a_time_rounding_to_midnight_is_hour_0(formula, expected):
    assert ev(formula) == expected
