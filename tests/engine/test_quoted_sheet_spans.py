"""A span of sheets written inside one pair of quotes: 'My Sheet:S3'!A1 and 'S1:S3'!A1.

MS-OI29500 §2.1.863 (Excel's formula grammar) has sheet-range = apostrophe,
sheet-name-special, ":", sheet-name-special, apostrophe: Excel quotes the span as a whole
when a name in it needs quotes, and a colon is never part of a sheet's name.  The sheets
Main, S1, "My Sheet", S2, S3 hold 1, 2, 4, 8 in A1 (S1 to S3), so a span's sum names the
sheets it covers: 'My Sheet:S3' is My Sheet, S2, S3 = 14, 'S1:S3' is all four = 15.
"""
from __future__ import annotations

import openpyxl
import pytest

from kpi_xl.engine import recalc_file
from kpi_xl.engine.parser import parse

FORMULAS = [
    ("=SUM('My Sheet:S3'!A1)", 2 + 4 + 8),
    ("=SUM('S1:S3'!A1)", 1 + 2 + 4 + 8),
    ("=SUM(S1:S3!A1)", 1 + 2 + 4 + 8),                 # unquoted, as before
    ("=SUM('S1:My Sheet'!A1:A2)", 1 + 2 + 100),        # S1 and My Sheet; A2 of My Sheet
    ("=COUNT('My Sheet:S3'!A1)", 3),
    ("=SUM('My Sheet':'S3'!A1)", 2 + 4 + 8),           # each end quoted on its own
]


def test_quoted_span_parses_to_a_span_of_two_sheets():
    assert parse("'My Sheet:S3'!A1", "Main")[1] == ("My Sheet", "S3")
    assert parse("'S1:S3'!A1", "Main")[1] == ("S1", "S3")
    assert parse("'it''s'!A1", "Main")[1] == "it's"     # one sheet, no colon: unchanged


@pytest.mark.parametrize("formula, expected", FORMULAS)
def test_quoted_sheet_spans_in_a_saved_workbook(tmp_path, formula, expected):
    wb = openpyxl.Workbook()
    wb.active.title = "Main"
    for name, v in (("S1", 1), ("My Sheet", 2), ("S2", 4), ("S3", 8)):
        wb.create_sheet(name)["A1"] = v
    wb["My Sheet"]["A2"] = 100
    wb["Main"]["A1"] = formula
    src, dst = tmp_path / "spans.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    res = recalc_file(src, dst)
    assert res.ok and not res.errors, res.errors
    assert openpyxl.load_workbook(dst, data_only=True)["Main"]["A1"].value == expected
