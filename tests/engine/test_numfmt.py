"""Excel number formats, as TEXT applies them.

Expectations come from Excel's documentation ("Number format codes" and "Review
guidelines for customizing a number format"): digit placeholders 0 # ?, the thousands
separator and the scaling comma, percent, scientific notation, fractions, dates and
times, elapsed time in brackets, up to four sections (positive; negative; zero; text)
with conditions, and literal text.  Serial numbers are of the 1900 date system, whose
day 60 is the 29 February 1900 that Excel keeps for compatibility; 45292 is Monday
1 January 2024.
"""
from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from kpi_xl.engine.functions.numfmt import format_value, split_sections
from kpi_xl.engine.values import ExcelRaise


@pytest.mark.parametrize("value, fmt, shown", [
    # thousands separator, and commas after the digits divide by 1,000 each
    (1234567, "#,##0", "1,234,567"),
    (1234.567, "#,##0.00", "1,234.57"),
    (12000, "#,###", "12,000"),
    (12000, "#,", "12"),
    (12200000, "0.0,,", "12.2"),
    (1234.5, "#,##0.0,", "1.2"),
    (1234, "0,000", "1,234"),
    # digit placeholders: 0 pads, # drops, ? pads with a space
    (1234.59, "####.#", "1234.6"),
    (8.9, "#.000", "8.900"),
    (0.631, "0.#", "0.6"),
    (12, "#.0#", "12.0"),
    (1234.568, "#.0#", "1234.57"),
    (44.398, "???.???", " 44.398"),
    (0.5, "#.##", ".5"),
    # rounding half away from zero on the value as Excel shows it (15 digits)
    (2.5, "0", "3"),
    (-2.5, "0", "-3"),
    (0.05, "0.0", "0.1"),
    (1.005, "0.00", "1.01"),
    (1e15, "0", "1000000000000000"),
])
def test_numbers(value, fmt, shown):
    assert format_value(value, fmt) == shown


@pytest.mark.parametrize("value, fmt, shown", [
    (0.08, "0%", "8%"),
    (2.8, "0.0%", "280.0%"),
    (0.1234, "0.00%", "12.34%"),
    (0.5, "0.0%", "50.0%"),
])
def test_percent(value, fmt, shown):
    assert format_value(value, fmt) == shown


@pytest.mark.parametrize("value, fmt, shown", [
    (12345, "0.00E+00", "1.23E+04"),
    (0.00012, "0.00E-00", "1.20E-04"),
    (12345, "##0.0E+0", "12.3E+3"),        # engineering notation: exponent a multiple of 3
    (1234567890123, "General", "1.23457E+12"),
    (0.1 + 0.2, "General", "0.3"),
])
def test_scientific_and_general(value, fmt, shown):
    assert format_value(value, fmt) == shown


@pytest.mark.parametrize("value, fmt, shown", [
    (5.25, "# ?/?", "5 1/4"),
    (1.75, "# ?/8", "1 6/8"),              # a fixed denominator
    (0.75, "?/?", "3/4"),
    (2.5, "?/?", "5/2"),                   # no whole-number part: an improper fraction
    (3.14159, "# ???/???", "3  16/113"),   # the closest fraction with up to three digits
])
def test_fractions(value, fmt, shown):
    assert format_value(value, fmt) == shown


@pytest.mark.parametrize("value, fmt, shown", [
    (45292, "yyyy-mm-dd", "2024-01-01"),
    (45292, "d-mmm-yy", "1-Jan-24"),
    (45292, "dddd", "Monday"),
    (45292, "ddd", "Mon"),
    (45292, "mmmm", "January"),
    (45292, "mmmmm", "J"),
    (45292, "m/d/yyyy", "1/1/2024"),
    (45292, "yy-mm", "24-01"),
    (45292, "[$-409]mmmm d, yyyy", "January 1, 2024"),
    (45292, "[$-804]yyyy年m月d日", "2024年1月1日"),
    (45292.5, "yyyy-mm-dd hh:mm", "2024-01-01 12:00"),
    (60, "yyyy-mm-dd", "1900-02-29"),       # Excel's 29 February 1900
    (0, "yyyy-mm-dd", "1900-01-00"),
    # m after h, or before s, is minutes
    (0.5 + 5 / 1440, "h:mm", "12:05"),
    (5 / 1440, "mm:ss", "05:00"),
    (0.75, "h:mm AM/PM", "6:00 PM"),
    (0.75, "h:mm A/P", "6:00 P"),
    (0.25, "h AM/PM", "6 AM"),
    (0.5, "h:mm:ss", "12:00:00"),
    (0.999999, "hh:mm:ss", "00:00:00"),     # 23:59:59.91 rounds to the next day's 0:00:00
])
def test_dates_and_times(value, fmt, shown):
    assert format_value(value, fmt) == shown


@pytest.mark.parametrize("value, fmt, shown", [
    (1.5, "[h]:mm", "36:00"),
    (1.25, "[h]", "30"),
    (0.0625, "[mm]:ss", "90:00"),
    (1 / 1440, "[ss]", "60"),
    (-0.5, "[h]:mm", "-12:00"),             # elapsed time may be negative
])
def test_elapsed_time(value, fmt, shown):
    assert format_value(value, fmt) == shown


def test_a_negative_date_is_an_error():
    with pytest.raises(ExcelRaise) as exc:
        format_value(-1, "yyyy-mm-dd")
    assert exc.value.err.code == "#VALUE!"


@pytest.mark.parametrize("value, fmt, shown", [
    # positive; negative; zero; text — a negative section shows no minus of its own
    (-1234, "#,##0;(#,##0)", "(1,234)"),
    (-5, "0;0", "5"),
    (-5, "0", "-5"),
    (0, '0;-0;"zero"', "zero"),
    (0, "0;-0;", ""),                      # an empty section hides the value
    (1.5, ";;;", ""),
    (1.5, "0.00;;", "1.50"),
    (-1, "0.00;[Red]-0.00", "-1.00"),       # colours change nothing in the text
    # conditions in brackets replace the sign rules
    (12345, '[>=1000]#,##0,"K";0', "12K"),
    (500, '[>=1000]#,##0,"K";0', "500"),
    (5, '[<0]"neg";"pos"', "pos"),
])
def test_sections_and_conditions(value, fmt, shown):
    assert format_value(value, fmt) == shown


@pytest.mark.parametrize("value, fmt, shown", [
    ("abc", '0;-0;0;"Text: "@', "Text: abc"),   # the fourth section formats text
    ("abc", "0.00", "abc"),                      # no text section: text unchanged
    (1.5, '0.00 "yuan"', "1.50 yuan"),
    (1.5, "\\$0.00", "$1.50"),
    (1.5, "0.00_)", "1.50 "),                    # _ leaves the width of the next character
])
def test_text_and_literals(value, fmt, shown):
    assert format_value(value, fmt) == shown


def test_sections_split_outside_quotes_and_escapes():
    assert split_sections('0;"a;b";[<0]0\\;') == ["0", '"a;b"', "[<0]0\\;"]


def test_text_function_in_a_workbook(tmp_path):
    """TEXT in real cells, recalculated and read back from the file."""
    from kpi_xl.engine.recalc import recalc_file
    wb = Workbook()
    ws = wb.active
    ws["A1"] = 0.4125
    ws["A2"] = 45292
    ws["A3"] = 1.5
    ws["B1"] = '=TEXT(A1,"0.0%")'
    ws["B2"] = '=TEXT(A2,"yyyy年m月")'
    ws["B3"] = '=TEXT(A3,"[h]:mm")'
    ws["B4"] = '=TEXT(-A2,"yyyy-mm-dd")'
    ws["B5"] = '=TEXT(1234567,"#,##0,")&" 千"'
    wb.save(tmp_path / "in.xlsx")
    recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    back = load_workbook(tmp_path / "out.xlsx", data_only=True).active
    assert [back[f"B{i}"].value for i in range(1, 6)] == [
        "41.3%", "2024年1月", "36:00", "#VALUE!", "1,235 千"]
