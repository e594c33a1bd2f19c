"""TEXT with Excel number formats, worked by hand from Excel's format rules."""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr
from one_cell import ev  # noqa: E402




@pytest.mark.parametrize("value, fmt, expected", [
    # digit placeholders, thousands, rounding half away from zero
    (1234.567, "0", "1235"),
    (1234.567, "0.00", "1234.57"),
    (1234.567, "#,##0", "1,235"),
    (1234.567, "#,##0.00", "1,234.57"),
    (2.5, "0", "3"),
    (-2.5, "0", "-3"),
    (0.5, "#.00", ".50"),
    (7, "000", "007"),
    (1.5, "0.0##", "1.5"),
    # percent, scaling commas, literals
    (0.0567, "0%", "6%"),
    (0.0567, "0.0%", "5.7%"),
    (1234567, '0.0,,"M"', "1.2M"),
    (12.5, '"Total: "0.0', "Total: 12.5"),
    (5, "0_)", "5 "),
    (5, "\\$0", "$5"),
    # sections: positive; negative; zero; text
    (-1234.567, "#,##0.00;(#,##0.00)", "(1,234.57)"),
    (0, '0.0;-0.0;"zero"', "zero"),
    (-3, "0;;0", ""),
    (-0.001, "0.00", "0.00"),
    # conditions
    (0.5, "[<1]0.00;0", "0.50"),
    (150, '[>100]"big";"small"', "big"),
    (50, '[>100]"big";"small"', "small"),
    # scientific
    (123456.789, "0.00E+00", "1.23E+05"),
    (0.000123, "0.0E-0", "1.2E-4"),
    # dates and times (serial 45301 is Wednesday 10 January 2024)
    (45301, "yyyy-mm-dd", "2024-01-10"),
    (45301, "m/d/yyyy", "1/10/2024"),
    (45301, "d mmm yy", "10 Jan 24"),
    (45301, "mmmm", "January"),
    (45301, "mmmmm", "J"),
    (45301, "ddd", "Wed"),
    (45301, "dddd", "Wednesday"),
    (45301.75, "h:mm AM/PM", "6:00 PM"),
    (45301.75, "hh:mm:ss", "18:00:00"),
    (0.6041666667, "h:mm", "14:30"),
    (1.5, "[h]:mm", "36:00"),
    (0.5, "[mm]:ss", "720:00"),
    (1 / 86400 * 1.5, "ss.0", "01.5"),
    # General and text
    (1 / 3, "General", "0.333333333"),
    (12345678901234, "General", "1.23457E+13"),
    (5, "", ""),
])
def test_text_number_formats(value, fmt, expected):
    assert ev(f'TEXT(A1,"{fmt.replace(chr(34), chr(34) * 2)}")', A1=value) == expected


def test_text_of_text_and_logicals():
    assert ev('TEXT(A1,"@")', A1="abc") == "abc"
    assert ev('TEXT(A1,"0.00")', A1="abc") == "abc"           # no number: the text itself
    assert ev('TEXT(A1,"0.00")', A1="12.5") == "12.50"        # numeric text is a number
    assert ev('TEXT(A1,"0;0;0;""<""@"">""")', A1="x") == "<x>"
    assert ev('TEXT(TRUE,"0")') == "TRUE"
    assert ev('TEXT(A1,"0.0")') == "0.0"                      # blank is zero


def test_text_dates_out_of_range_and_mixed_formats_are_errors():
    assert ev('TEXT(-1,"yyyy")') is XlErr("#VALUE!")
    assert ev('TEXT(3000000,"yyyy")') is XlErr("#VALUE!")
    assert ev('TEXT(45301,"mm###")') is XlErr("#VALUE!")
    assert ev('TEXT(1/0,"0")') is XlErr("#DIV/0!")


def test_text_1900_leap_day_and_day_zero():
    assert ev('TEXT(60,"yyyy-mm-dd")') == "1900-02-29"
    assert ev('TEXT(0,"yyyy-mm-dd")') == "1900-01-00"
    assert ev('TEXT(61,"dddd d mmmm")') == "Thursday 1 March"


def test_text_in_a_1904_workbook_counts_from_1904():
    assert ev('TEXT(0,"yyyy-mm-dd")', date1904=True) == "1904-01-01"
    assert ev('TEXT(43839,"yyyy-mm-dd")', date1904=True) == "2024-01-10"


def test_text_over_an_array_gives_an_array():
    s = SheetInput("Sheet1")
    s.values[(1, 1)], s.values[(2, 1)] = 0.25, 0.5
    s.formulas[(1, 2)] = 'TEXT(A1:A2,"0%")'
    s.arrays[(1, 2)] = (1, 2, 2, 2)
    results, _ = calculate(BookInput([s]))
    assert (results["Sheet1"][(1, 2)], results["Sheet1"][(2, 2)]) == ("25%", "50%")
