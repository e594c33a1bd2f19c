"""Inline strings decoded a scanning piece at a time (``xlsx_read._SheetScan._file``).

The text of a constant inline string is decoded with the other inline strings of its
piece; a cell written twice keeps what it was given last, as the XML says.  Values are
worked by hand from the markup below.
"""

import pytest

from kpi_xl.engine import xlsx_read as _xr
from kpi_xl.limits import DEFAULT_LIMITS

HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData>')
TAIL = b"</sheetData></worksheet>"


class _Pkg:
    limits = DEFAULT_LIMITS
    path = "sheet.xml"


def _scan(xml):
    sheet = _xr.SheetData("S", "p", "visible", "worksheet", 1)
    _xr._scan_sheet(_Pkg(), sheet, xml, ["zero", "one"], False)
    return sheet


def _inline(ref, text):
    return b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, text)


def test_repeated_cells_keep_what_they_were_given_last():
    xml = HEAD + b'<row r="1">' + b"".join([
        _inline(b"A1", b"x"), b'<c r="A1"><v>5</v></c>',             # text, then a number
        b'<c r="B1"><v>3</v></c>', _inline(b"B1", b"&#20013;y"),       # a number, then text
        _inline(b"C1", b"a"), _inline(b"C1", b"b&amp;c"),             # text twice
        _inline(b"D1", b"keep"), b'<c r="D1"/>',                      # then nothing
        _inline(b"E1", b"p_x0001_q &lt;"),
        _inline(b"F1", b""),
        b'<c r="G1" t="s"><v>1</v></c>',
    ]) + b"</row>" + TAIL
    sheet = _scan(xml)
    assert sheet.values == {(1, 1): 5.0, (1, 2): "中y", (1, 3): "b&c", (1, 4): "keep",
                            (1, 5): "p\x01q <", (1, 6): "", (1, 7): "one"}
    # in the order the cells first appear
    assert list(sheet.values) == [(1, c) for c in range(1, 8)]
    assert all(type(v) in (str, float) for v in sheet.values.values())


def test_inline_strings_across_many_pieces(monkeypatch):
    monkeypatch.setattr(_xr, "_SCAN_PIECE", 2048)
    rows = b"".join(b'<row r="%d">' % r + _inline(b"A%d" % r, b"&#26041;%d" % r)
                    + b'<c r="B%d"><f>A%d</f><v></v></c>' % (r, r) + b"</row>"
                    for r in range(1, 2001))
    sheet = _scan(HEAD + rows + TAIL)
    assert len(sheet.values) == 2000 and len(sheet.formulas) == 2000
    assert sheet.values[(1, 1)] == "方1" and sheet.values[(2000, 1)] == "方2000"
    assert sheet.formulas[(1999, 2)] == "A1999"


def test_an_undeclared_entity_in_an_inline_string_is_declined():
    xml = HEAD + b'<row r="1">' + _inline(b"A1", b"&nbsp;x") + b"</row>" + TAIL
    with pytest.raises(_xr._Declined, match="cannot decode"):
        _scan(xml)


CJK = "".join(chr(0x4E00 + 7 * i) for i in range(20))


@pytest.mark.parametrize("raw, text", [
    (b"'&#21442;&#25968;'!A1&amp;&#21442;", "'参数'!A1&参"),
    (b"&#38;lt;", "&lt;"),                  # an "&" put in begins nothing
    (b"&amp;#38;", "&#38;"),
    (b"&amp;lt;&#21442;&gt;", "&lt;参>"),
    (b"&#38;&amp;x", "&&x"),                # two kinds giving "&"
    (b"&#x26;amp;&#x41;", "&amp;A"),
    ("".join(f"&#{ord(c)};" for c in CJK * 2).encode(), CJK * 2),   # 20 kinds
    (b"&#xD800;&#65;", "\ud800A"),           # a lone surrogate, kept (no XML parser takes it)
    (b"a\r\nb&#13;c\r&#21442;", "a\nb\rc\n参"),  # CR folded, a CR written &#13; kept
    ("中&#20013;".encode(), "中中"),
])
def test_entities_resolved_as_the_xml_parser_does(raw, text):
    assert _xr._xml_text(raw) == text


@pytest.mark.parametrize("raw", [b"&nbsp;&#21442;", b"&#21442;&nbsp;", b"&#21442;&#1114112;",
                                 b"&#99999999999999999999;"])
def test_entities_no_xml_parser_takes_raise(raw):
    with pytest.raises((ValueError, OverflowError)):
        _xr._xml_text(raw)


def test_an_ampersand_outside_entities_is_kept_when_not_strict():
    assert _xr._xml_text(b"&l&#116;;&lt;", strict=False) == "&lt;<"
