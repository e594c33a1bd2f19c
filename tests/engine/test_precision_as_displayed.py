"""Precision as displayed (<calcPr fullPrecision="0"/>).

Excel's documented behaviour ("Set rounding precision", "Change formula recalculation,
iteration, or precision in Excel"): with the option set, each value is stored as it is
displayed, so a formula's result is rounded to what its cell's number format shows before
other cells read it.  Every expected value below is worked by hand from that rule and from
how the format displays the number (half away from zero on the decimal display).
"""
from datetime import datetime

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from kpi_xl.cli import main
from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.precision import display_rounding
from kpi_xl.engine.recalc import book_input
from kpi_xl.engine.xlsx_read import read_workbook


# -- the rounding each format implies ------------------------------------------------

@pytest.mark.parametrize("code, x, shown", [
    ("0.00", 1 / 3, 0.33),
    ("0.00", 1.005, 1.01),             # "1.01": half away from zero on 15 digits
    ("0.00", -1.005, -1.01),
    ("#,##0.0", 1234.56, 1234.6),      # "1,234.6"
    ("0", 2.5, 3.0),
    ("0%", 0.126, 0.13),               # "13%"
    ("0.0%", 0.12345, 0.123),          # "12.3%"
    ("0.0,,", 1234567, 1200000.0),     # "1.2" (millions)
    ("#,##0,", 1499.9, 1000.0),        # "1" (thousands)
    ("0.00E+00", 123456, 123000.0),    # "1.23E+05"
    ("##0.0E+0", 123456, 123500.0),    # "123.5E+3"
    ("0.00;(0.0)", 2.345, 2.35),       # positive section
    ("0.00;(0.0)", -2.345, -2.3),      # "(2.3)": the negative section's one decimal
    ('0.00;-0.00;"zero"', 0.001, 0.0),  # "0.00"
    ("[<1]0.0;0", 0.77, 0.8),          # the condition picks the section
    ("[<1]0.0;0", 5.5, 6.0),
    ("[Red]0.0", 1.25, 1.3),
    ("General", 0.1 + 0.2, 0.3),       # 15 significant digits
    ("# ?/?", 0.3, 2 / 7),             # "2/7": the nearest one-digit fraction
    ("# ??/16", 1.3, 1 + 5 / 16),      # "1 5/16"
    ("yyyy-mm-dd", 45000.7, 45000.0),  # the day shown
    ("hh:mm:ss", 0.5 + 1.4 / 86400, (43200 + 1) / 86400),   # 12:00:01
    ("hh:mm", 0.5 + 59.6 / 86400, (43200 + 60) / 86400),     # 12:01 (59.6 s is 1 min)
    ("[h]:mm:ss", 1.25 + 0.4 / 86400, 1.25),                  # 30:00:00
    ("mm:ss.0", 1.26 / 86400, 1.3 / 86400),                   # 00:01.3
])
def test_display_rounding(code, x, shown):
    assert display_rounding(code)(x) == pytest.approx(shown, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("code", ["@", ";;;", '"yes"', "mmm yyyy"])
def test_formats_that_imply_no_rounding(code):
    # text, hidden and text-only sections show no digits; months alone are left as computed
    r = display_rounding(code)
    assert r is None or r(1 / 3) == 1 / 3


# -- real files, recalculated by kpi-xl recalc ------------------------------------------

def _book(path, full_precision):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    if not full_precision:
        wb.calculation.fullPrecision = False
    ws["A1"] = "=1/3"
    ws["A1"].number_format = "0.00"
    ws["B1"] = "=A1*3"
    ws["A2"] = "=0.126"
    ws["A2"].number_format = "0%"
    ws["B2"] = "=A2*100"
    ws["A3"] = "=1234567"
    ws["A3"].number_format = "0.0,,"
    ws["B3"] = "=A3+0"
    ws["A4"] = "=-2.345"
    ws["A4"].number_format = "0.00;(0.0)"
    ws["B4"] = "=A4*10"
    ws["A5"] = "=1.005"
    ws["A5"].number_format = "0.00"
    ws["A6"] = "=123456"
    ws["A6"].number_format = "0.00E+00"
    ws["A7"] = "=45000.7"
    ws["A7"].number_format = "yyyy-mm-dd"
    ws["B7"] = "=A7*2"
    ws["A8"] = '=TEXT(1/3,"0.00")'   # text: never rounded
    ws["A8"].number_format = "0"
    # a column run (four or more cells of one form) over constants 1..5, shown 0.00
    for r in range(10, 15):
        ws.cell(r, 1, r - 9)
        ws.cell(r, 2, f"=A{r}/7").number_format = "0.00"
    ws["C10"] = "=SUM(B10:B14)"
    # an array formula over three cells, each shown 0.00
    for r, v in zip((20, 21, 22), (1, 2, 4)):
        ws.cell(r, 1, v)
    ws["C20"] = ArrayFormula("C20:C22", "=A20:A22/3")
    for r in (20, 21, 22):
        ws.cell(r, 3).number_format = "0.00"
    ws["D20"] = "=SUM(C20:C22)"
    wb.save(path)
    return path


def _recalc(tmp_path, full_precision):
    src = _book(tmp_path / "book.xlsx", full_precision)
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    return openpyxl.load_workbook(tmp_path / "out" / "book.xlsx", data_only=True)["S"]


def test_recalc_stores_values_as_displayed(tmp_path):
    ws = _recalc(tmp_path, full_precision=False)
    approx = pytest.approx
    assert ws["A1"].value == approx(0.33) and ws["B1"].value == approx(0.99)
    assert ws["A2"].value == approx(0.13) and ws["B2"].value == approx(13)
    assert ws["A3"].value == approx(1200000) and ws["B3"].value == approx(1200000)
    assert ws["A4"].value == approx(-2.3) and ws["B4"].value == approx(-23)
    assert ws["A5"].value == approx(1.01)
    assert ws["A6"].value == approx(123000)
    # serial 45000 is 2023-03-15; openpyxl reads a cell formatted as a date as a datetime
    assert ws["A7"].value == datetime(2023, 3, 15) and ws["B7"].value == 90000
    assert ws["A8"].value == "0.33"
    # 0.14 + 0.29 + 0.43 + 0.57 + 0.71
    assert [ws.cell(r, 2).value for r in range(10, 15)] == approx([0.14, 0.29, 0.43, 0.57, 0.71])
    assert ws["C10"].value == approx(2.14)
    # 0.33 + 0.67 + 1.33
    assert [ws.cell(r, 3).value for r in (20, 21, 22)] == approx([0.33, 0.67, 1.33])
    assert ws["D20"].value == approx(2.33)


def test_workbook_at_full_precision_is_unchanged(tmp_path):
    ws = _recalc(tmp_path, full_precision=True)
    approx = pytest.approx
    assert ws["A1"].value == approx(1 / 3) and ws["B1"].value == approx(1)
    assert ws["B2"].value == approx(12.6)
    assert ws["B3"].value == approx(1234567)
    assert ws["B4"].value == approx(-23.45)
    assert ws["A7"].value == datetime(2023, 3, 15, 16, 48)   # 0.7 of a day
    assert ws["B7"].value == approx(90001.4)
    assert ws["C10"].value == approx(15 / 7)
    assert ws["D20"].value == approx(7 / 3)


def test_column_path_and_cell_path_round_alike(tmp_path):
    book = read_workbook(_book(tmp_path / "book.xlsx", full_precision=False))
    expected = [0.14, 0.29, 0.43, 0.57, 0.71]
    for columns in (True, False):
        results, _ = calculate(book_input(read_workbook(book.path)), columns=columns)
        cells = results["S"]
        assert [cells[(r, 2)] for r in range(10, 15)] == pytest.approx(expected)
        assert cells[(10, 3)] == pytest.approx(2.14)


def test_reader_takes_styles_only_for_precision_as_displayed(tmp_path):
    shown = read_workbook(_book(tmp_path / "shown.xlsx", full_precision=False))
    assert shown.full_precision is False
    s = shown.sheet("S")
    # formula cells and array result cells with a style; constants (A10..A14) never
    assert {k for k in s.formula_styles} >= {(1, 1), (2, 1), (20, 3), (21, 3), (22, 3)}
    assert not any(k in s.values for k in s.formula_styles)
    assert (1, 2) not in s.formula_styles      # B1 has the default style, 0
    assert shown.number_formats[s.formula_styles[(1, 1)]] == "0.00"
    assert shown.number_formats[s.formula_styles[(2, 1)]] == "0%"
    assert shown.number_formats[s.formula_styles[(3, 1)]] == "0.0,,"
    assert shown.number_formats[0] == "General"
    full = read_workbook(_book(tmp_path / "full.xlsx", full_precision=True))
    assert full.full_precision is True
    assert full.number_formats == [] and not full.sheet("S").formula_styles


def test_styles_part_with_a_dtd_is_refused(tmp_path):
    import zipfile

    from kpi_xl.engine.xlsx_read import WorkbookReadError
    src = _book(tmp_path / "book.xlsx", full_precision=False)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/styles.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + data
            zout.writestr(item, data)
    with pytest.raises(WorkbookReadError, match="DTD"):
        read_workbook(bad)
