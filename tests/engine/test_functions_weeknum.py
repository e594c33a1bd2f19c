"""WEEKNUM and ISOWEEKNUM, from Excel's documentation: system 1 counts the week holding
1 January as week 1, weeks starting on the day return_type names (1/17 Sunday, 2/11
Monday, 12-16 Tuesday to Saturday); return_type 21 and ISOWEEKNUM use ISO 8601 (weeks
start on Monday, week 1 holds the year's first Thursday). Calendar facts: 1 January 2024
is a Monday, 3 January 2021 a Sunday of ISO week 53 of 2020."""
from __future__ import annotations

import pytest

from kpi_xl.engine.values import XlErr
from one_cell import ev  # noqa: E402




@pytest.mark.parametrize("formula, expected", [
    ("WEEKNUM(DATE(2024,1,1))", 1), ("WEEKNUM(DATE(2024,1,6))", 1), ("WEEKNUM(DATE(2024,1,7))", 2),
    ("WEEKNUM(DATE(2024,1,7),2)", 1), ("WEEKNUM(DATE(2024,1,8),2)", 2), ("WEEKNUM(DATE(2024,1,8),11)", 2),
    ("WEEKNUM(DATE(2024,12,31))", 53), ("WEEKNUM(DATE(2024,3,15),15)", 12),
    ("WEEKNUM(DATE(2021,1,3),21)", 53), ("ISOWEEKNUM(DATE(2021,1,3))", 53),
    ("ISOWEEKNUM(DATE(2024,12,30))", 1), ("ISOWEEKNUM(DATE(2026,12,6))", 49),
    ("ISOWEEKNUM(\"2024-01-04\")", 1),
    # serial 1 (a Sunday in Excel's calendar) ends 1899's last week: Excel's cached value in
    # rust_xlsxwriter's bootstrap39 workbook; serial 2, a Monday, starts 1900's first
    ("ISOWEEKNUM(1)", 52), ("ISOWEEKNUM(2)", 1),
    ("WEEKNUM(DATE(2024,1,1),3)", XlErr("#NUM!")), ("WEEKNUM(-1)", XlErr("#NUM!")),
    ("WEEKNUM(\"x\")", XlErr("#VALUE!")),
])
def test_weeknum(formula, expected):
    assert ev(formula) == expected
