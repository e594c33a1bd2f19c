"""CHAR and CODE in the character set of the Excel that saved the file: Windows-1252, or
the Macintosh character set for a file whose docProps/app.xml names Microsoft Macintosh
Excel (Excel's documentation of CHAR; the cached values of the Mac-saved oracle workbook
formula_stress_test: CHAR(240) is U+F8FF, CODE of it 240, PHONETIC of plain text #N/A)."""
from __future__ import annotations

import re

import openpyxl
import pytest

from kpi_xl.engine import recalc_file
from kpi_xl.engine.saved_by import saved_by_mac_excel
from tests.engine.xlsx_raw import rezip


def _book(tmp_path, application):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 240
    ws["C1"] = "foo bar"
    ws["B1"] = "=CHAR(A1)"
    ws["B2"] = "=CODE(B1)"
    ws["B3"] = "=CODE(\"\u00f0\")"
    ws["B4"] = "=CHAR(65)&CODE(\"A\")"
    ws["B5"] = "=PHONETIC(C1)"
    src = tmp_path / "plain.xlsx"
    wb.save(src)

    def app(name, data):
        if name == "docProps/app.xml":
            data, n = re.subn(rb"<Application>[^<]*</Application>",
                              b"<Application>" + application.encode() + b"</Application>", data)
            assert n == 1
        return data
    return rezip(src, tmp_path / "book.xlsx", app)


@pytest.mark.parametrize("application, mac", [("Microsoft Macintosh Excel", True),
                                               ("Microsoft Excel", False)])
def test_char_and_code_follow_the_saving_platform(tmp_path, application, mac):
    src = _book(tmp_path, application)
    assert saved_by_mac_excel(src) is mac
    recalc_file(src, tmp_path / "out.xlsx")
    got = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True).active
    if mac:
        assert [got[f"B{i}"].value for i in range(1, 6)] == ["\uf8ff", 240, 63, "A65", "#N/A"]
    else:
        assert [got[f"B{i}"].value for i in range(1, 6)] == ["\u00f0", 240, 240, "A65", "foo bar"]


def test_no_app_part_is_windows(tmp_path):
    assert saved_by_mac_excel(tmp_path / "missing.xlsx") is False
    (tmp_path / "junk.xlsx").write_bytes(b"not a zip")
    assert saved_by_mac_excel(tmp_path / "junk.xlsx") is False
