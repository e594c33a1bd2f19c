"""LENB, LEFTB, RIGHTB, MIDB, REPLACEB, FINDB and SEARCHB count bytes as Chinese Excel does.

Excel counts a character as two bytes in these when its default language uses a double-byte
character set (Excel's documentation of LENB); Chinese workbooks rely on it, as in
``LEFT(A2,LENB(A2)-LEN(A2))`` for the Chinese name at the head of "张三13800138000". A cut
through half of a two-byte character gives a space. The MIDB values are LibreOffice's
published examples (MIDB("中国",1,3) is "中 "). The rest were worked by hand and agree with
LibreOffice headless, which is run on the same formulas below.
"""
from __future__ import annotations

import openpyxl
import pytest

from kpi_xl.engine.xlsx_read import read_workbook
from tests.engine.one_cell import ev
from tests.engine.test_xlsx_write import soffice_csv

CASES = [
    ('LENB("客服A")', 5), ('LEN("客服A")', 3), ('LENB("，（）")', 6), ('LENB("abc")', 3),
    ('LENB("")', 0),
    ('LEFTB("客服A",2)', "客"), ('LEFTB("客服A",3)', "客 "), ('LEFTB("张三13800138000",4)', "张三"),
    ('LEFTB("abc",2)', "ab"),
    ('MIDB("中国",1,0)', ""), ('MIDB("中国",1,1)', " "), ('MIDB("中国",1,2)', "中"),
    ('MIDB("中国",1,3)', "中 "), ('MIDB("中国",1,4)', "中国"), ('MIDB("中国",2,2)', "  "),
    ('MIDB("中国",2,3)', " 国"), ('MIDB("客服A",4,2)', " A"),
    ('RIGHTB("客服A",3)', "服A"), ('RIGHTB("客服A",2)', " A"),
    ('REPLACEB("客服A",1,2,"X")', "X服A"), ('REPLACEB("客服A",2,2,"X")', " X A"),
    ('FINDB("服","客服A")', 3), ('FINDB("A","客服A")', 5), ('FINDB("服","客服A",2)', 3),
    ('FINDB("服","客服A",4)', "#VALUE!"), ('SEARCHB("a","客服A")', 5),
    ('SEARCHB("?A","客服A")', 3), ('FINDB("c","abc")', 3),
    ('LEFT("张三13800138000",LENB("张三13800138000")-LEN("张三13800138000"))', "张三"),
    ('RIGHT("张三13800138000",2*LEN("张三13800138000")-LENB("张三13800138000"))', "13800138000"),
]


@pytest.mark.parametrize("formula, expected", CASES)
def test_bytes_as_chinese_excel_counts_them(formula, expected):
    got = ev(formula)
    assert (str(got) if str(expected).startswith("#") else got) == expected


def test_errors_and_limits():
    assert str(ev('LEFTB("客服",-1)')) == "#VALUE!"
    assert str(ev('MIDB("客服",0,1)')) == "#VALUE!"
    assert str(ev('FINDB("x","客服A",7)')) == "#VALUE!"
    # a character code page 936 cannot write is the one byte of its "?"; each half of an
    # emoji (two UTF-16 units, as LEN counts it) is one
    assert ev('LENB("😀")') == 2 and ev('LEN("😀")') == 2
    # an accented letter is two bytes in code page 936 (LibreOffice counts it as one)
    assert ev('LENB("é")') == 2


@pytest.mark.libreoffice
def test_libreoffice_agrees(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for i, (formula, _) in enumerate(CASES, start=1):
        ws.cell(i, 1, "=" + formula)
    path = tmp_path / "dbcs.xlsx"
    wb.save(path)
    rows = soffice_csv(path, tmp_path)["S"]
    for (formula, expected), row in zip(CASES, rows):
        want = str(expected)
        got = row[0] if row else ""
        assert got == want, (formula, got, want)
    assert len(rows) == len(CASES)
    assert read_workbook(path).sheet("S").formulas   # the file holds the formulas


@pytest.mark.parametrize("formula, expected", [
    ('DBCS("EXCEL")', "ＥＸＣＥＬ"),          # Excel's documentation of DBCS
    ('DBCS("a b1,客")', "ａ\u3000ｂ１，客"),   # the space is the ideographic space
    ('DBCS(12.5)', "１２．５"),
    ('ASC(DBCS("Ab 9"))', "Ab 9"),
    ('LENB(DBCS("ab"))', 4),
])
def test_dbcs_makes_half_width_full_width(formula, expected):
    assert ev(formula) == expected


def test_jis_is_unknown_as_in_excel():
    # Two Excel-saved oracle workbooks call JIS(C48): Excel cached #NAME?.
    assert str(ev('JIS("abc")')) == "#NAME?"
