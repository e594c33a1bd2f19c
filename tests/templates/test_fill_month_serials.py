"""A month column exported as Excel date serials: the serial is read as Excel's 1900 system
reads it (kpi_xl.core.serial), worked here from known days."""
from __future__ import annotations

import pytest

from kpi_xl.templates.fill import normalise_month


@pytest.mark.parametrize("raw, month", [
    ("10000", "1927-05"),      # serial 10000 is 18 May 1927
    ("45292", "2024-01"),      # 1 January 2024
    ("45657", "2024-12"),      # 31 December 2024, the day before ...
    ("45658", "2025-01"),      # ... 1 January 2025 (2024 has 366 days)
    ("45930", "2025-09"),      # 30 September 2025
    ("45931", "2025-10"),      # 1 October 2025: 45658 + 273 days
    ("45931.75", "2025-10"),   # a time of day does not move the month
])
def test_a_five_digit_serial_is_its_month(raw, month):
    assert normalise_month(raw) == month


@pytest.mark.parametrize("raw, month", [
    ("2025年10月1日", "2025-10"),            # a day as Chinese platform reports write it
    ("2025年10月1日 12:00:00", "2025-10"),
    ("2025年10月1号", "2025-10"),
    ("2025 年 10 月 1 日", "2025-10"),
    ("2025年10月", "2025-10"),
    ("2025年13月1日", None),
    ("2025年10月abc", None),
])
def test_a_chinese_date_is_its_month(raw, month):
    assert normalise_month(raw) == month
