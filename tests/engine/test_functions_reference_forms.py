"""AREAS over unions, ADDRESS's sheet text, SEARCH's wildcards, and which error wins in
VLOOKUP and in functions of paired data. Expected values: Excel's cached values of the
oracle workbooks formula_stress_test (AREAS((B7:D14,E2,F4:H16)) is 3), NPOI's
FormulaEvalTestData (ADDRESS(2,3,3,TRUE,"[Book1]Sheet1") is [Book1]Sheet1!$C2), calamine's
errors.xlsx (VLOOKUP(B1,B1,B1,3) of an empty B1 is #N/A), named_ranges_2011 (SLOPE(col1_,
col2_) with col2_ undefined is #NAME?), and the examples of Excel's documentation."""
from __future__ import annotations

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from kpi_xl.engine import recalc_file

CASES = [
    ("AREAS((B7:D14,E2,F4:H16))", 3), ("AREAS(B2:D4)", 1), ("AREAS((B2:D4,E5,F6:I9))", 3),
    ("AREAS(B2)", 1),
    ('ADDRESS(2,3,3,TRUE,"[Book1]Sheet1")', "[Book1]Sheet1!$C2"),
    ("ADDRESS(2,3)", "$C$2"), ("ADDRESS(2,3,2)", "C$2"), ("ADDRESS(2,3,2,FALSE)", "R2C[3]"),
    ('ADDRESS(2,3,1,FALSE,"EXCEL SHEET")', "'EXCEL SHEET'!R2C3"),
    ('ADDRESS(2,3,4,TRUE,"Sheet2")', "Sheet2!C2"), ("ADDRESS(0,3)", "#VALUE!"),
    ("ADDRESS(2,3,5)", "#VALUE!"), ("ADDRESS(1,16384)", "$XFD$1"),
    # SEARCH: ? one character, * any run, ~ makes the next character literal
    ('SEARCH("b?c","abcxbxc")', 5), ('SEARCH("x*c","abcxbxc")', 4), ('SEARCH("~*","a*b")', 2),
    ('SEARCH("~?","a?b")', 2), ('SEARCH("p*t","Description of the quarter")', 7),
    # VLOOKUP looks the value up before it checks the column index
    ("VLOOKUP(K1,K1,K1,3)", "#N/A"), ("VLOOKUP(0,A1:A3,0)", "#N/A"),
    ("VLOOKUP(1,A1:A3,0)", "#VALUE!"), ("VLOOKUP(1,A1:A3,2)", "#REF!"),
    ("VLOOKUP(2,A1:B3,2,FALSE)", 20),
    ("SLOPE(col1_,col2_)", "#NAME?"), ("SLOPE(col1_,col3_)", 0.1),
]


@pytest.mark.parametrize("formula, expected", CASES)
def test_reference_functions(tmp_path, formula, expected):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in (1, 2, 3):
        ws.cell(r, 1, r)
        ws.cell(r, 2, 10 * r)
    wb.defined_names["col1_"] = DefinedName("col1_", attr_text="Sheet1!$A$1:$A$3")
    wb.defined_names["col3_"] = DefinedName("col3_", attr_text="Sheet1!$B$1:$B$3")
    ws["M1"] = "=" + formula
    wb.save(tmp_path / "in.xlsx")
    recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    got = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Sheet1"]["M1"].value
    assert got == expected


@pytest.mark.parametrize("formula, expected", [
    # OFFSET, as an Excel-saved workbook caches it (and its author's notes say): offsets cut
    # toward zero, a height or width above 1 cut down, one between 0 and 1 taken as 1
    ("OFFSET(K33,-2,-2)", 42), ("OFFSET(K33,-2.3,-2.8)", 42),
    ("SUM(OFFSET(W39,2,2,3,0.9))", 50), ("SUM(OFFSET(W39,2,2,3,0.3))", 50),
    ("SUM(OFFSET(W39,2,2,3.1,3.99))", 51), ("SUM(OFFSET(W39,2,2,3,4.2))", 52),
    # INDIRECT of a reference past the last column is #REF!
    ('ROW(INDIRECT("XFE:XFE"))', "#REF!"), ('COLUMN(INDIRECT("XFE1"))', "#REF!"),
    ('ROW(INDIRECT("B5"))', 5),
])
def test_offset_extents_and_indirect_past_the_grid(formula, expected):
    from tests.engine.one_cell import ev
    got = ev(formula, I31=42, Y41=10, Y42=20, Y43=20, Z41=1, AB41=1)
    assert (str(got) if isinstance(expected, str) else got) == expected
