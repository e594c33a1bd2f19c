"""The xlsx reader against Excel-saved workbooks and hand-worked formula moves.

Formula texts and cached values are checked against openpyxl's view of the same
files (shared/oracles/check_cached.py), an independent reader.  The differences
that remain are openpyxl's, and are normalised here with the reason given:

* openpyxl rebuilds translated shared formulas from tokens and so collapses the
  master's whitespace ("MATCH(K3,$J$2:$J$10,  1)" -> "..., 1)") and moves a line
  break; Excel copies the master's text, so the comparison ignores whitespace
  outside string literals.
* openpyxl leaves OOXML's _xHHHH_ escapes in formula results (CHAR(1) cached as
  "_x0001_"); Excel shows the character, and so does this reader.
"""

import datetime as dt
import math
import os
import re
import struct
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.core.errors import CellError
from kpi_xl.engine.xlsx_read import (
    WorkbookReadError, decode_ooxml_escapes, parse_cell_ref, parse_range_ref, read_workbook,
    translate_formula,
)

ORACLES = Path(__file__).resolve().parents[2].parent / "shared" / "oracles"
if not ORACLES.is_dir():  # a clone: the tier-A files kept in the repository
    ORACLES = Path(__file__).resolve().parents[1] / "fixtures" / "oracles"
FILES = ORACLES / "files"

needs_oracles = pytest.mark.skipif(not FILES.is_dir(),
                                   reason="shared/oracles is not beside the repo")


def oracle(name):
    path = FILES / name
    if not path.exists():
        pytest.skip(f"{name} is not in shared/oracles")
    return path


# --------------------------------------------------------------------------- translation


@pytest.mark.parametrize("text, drow, dcol, expected", [
    ("A1+B2", 1, 0, "A2+B3"),
    ("A1+B2", 0, 2, "C1+D2"),
    ("$A$1+$A1+A$1+A1", 3, 2, "$A$1+$A4+C$1+C4"),
    ("SUM(A1:B10)", 5, 1, "SUM(B6:C15)"),
    ("SUM($A$1:B10)", 5, 1, "SUM($A$1:C15)"),
    ("Sheet2!A1*2", 1, 1, "Sheet2!B2*2"),
    ("'My Sheet'!A1+'It''s'!$B2", 2, 0, "'My Sheet'!A3+'It''s'!$B4"),
    ("SUM(A:A)", 4, 1, "SUM(B:B)"),
    ("SUM($A:C)", 4, 1, "SUM($A:D)"),
    ("SUM(1:1)", 2, 7, "SUM(3:3)"),
    ("SUM($1:2)", 2, 7, "SUM($1:4)"),
    ("Data!A:A", 0, 2, "Data!C:C"),
    ('"A1 and B2"&A1', 1, 1, '"A1 and B2"&B2'),
    ('"say ""A1"""&A1', 1, 0, '"say ""A1"""&A2'),
    ("LOG10(A1)", 1, 1, "LOG10(B2)"),
    ("_xlfn.LOG10(A1)+ATAN2(A1,B1)", 1, 0, "_xlfn.LOG10(A2)+ATAN2(A2,B2)"),
    ("Rate*A1", 1, 0, "Rate*A2"),
    ("TaxRate2024+A1", 1, 0, "TaxRate2024+A2"),
    ("Table1[[#This Row],[A1]]+A1", 1, 0, "Table1[[#This Row],[A1]]+A2"),
    ("Table1[Col'[x']]+B1", 1, 0, "Table1[Col'[x']]+B2"),
    ("[1]Sheet1!A1", 1, 0, "[1]Sheet1!A2"),
    ("#REF!+A1", 1, 0, "#REF!+A2"),
    ("IF(ISNA(A1),#N/A,A1)", 1, 0, "IF(ISNA(A2),#N/A,A2)"),
    ("1E+3*A1+2.5e-2", 1, 0, "1E+3*A2+2.5e-2"),
    ("TRUE*A1", 1, 0, "TRUE*A2"),
    ("A1#", 1, 0, "A2#"),
    ("SUM(Sheet1:Sheet3!A1)", 1, 0, "SUM(Sheet1:Sheet3!A2)"),
    ("{1,2;3,4}*A1", 1, 0, "{1,2;3,4}*A2"),
    ("A1 B1:C1", 1, 0, "A2 B2:C2"),
    ("A1", -1, 0, "#REF!"),
    ("A1+1", 0, -1, "#REF!+1"),
    ("XFD1+A1048576", 0, 0, "XFD1+A1048576"),
    ("B2", 0, 0, "B2"),
    ("ABCD1+A1", 1, 0, "ABCD1+A2"),
    ("_xlfn.LAMBDA(_xlpm.x,_xlpm.x+A1)(B1)", 1, 0, "_xlfn.LAMBDA(_xlpm.x,_xlpm.x+A2)(B2)"),
])
def test_translate_formula_moves_relative_parts_only(text, drow, dcol, expected):
    assert translate_formula(text, drow, dcol) == expected


def test_cell_and_range_refs():
    assert parse_cell_ref("B3") == (3, 2)
    assert parse_cell_ref("$XFD$1048576") == (1048576, 16384)
    assert parse_range_ref("C4:A1") == (1, 1, 4, 3)
    assert parse_range_ref("D7") == (7, 4, 7, 4)


def test_decode_ooxml_escapes():
    assert decode_ooxml_escapes("a_x000D__x000A_b") == "a\r\nb"
    assert decode_ooxml_escapes("plain_text") == "plain_text"


# --------------------------------------------------------------------------- comparison with openpyxl

_STRING_OR_SPACE = re.compile(r'"(?:[^"]|"")*"|\s+')


def _without_spaces(formula):
    return _STRING_OR_SPACE.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "",
                                formula or "")


def _same_value(expected, serial, actual):
    if serial is not None:
        expected = serial
    if isinstance(actual, CellError):
        actual = str(actual)
    if isinstance(expected, str):
        expected = decode_ooxml_escapes(expected)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(expected, actual, rel_tol=1e-12, abs_tol=1e-12)
    return expected == actual


def compare_with_openpyxl(path):
    """Differences between this reader and check_cached.py on one workbook."""
    sys.path.insert(0, str(ORACLES))
    try:
        from check_cached import cached_formula_cells
    finally:
        sys.path.remove(str(ORACLES))
    import warnings
    wb = read_workbook(path)
    diffs = []
    seen = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = list(cached_formula_cells(str(path)))
    for rec in records:
        sheet = wb.sheet(rec["sheet"])
        key = parse_cell_ref(rec["cell"])
        expected_text = (rec["formula"] or "")[1:] if (rec["formula"] or "").startswith("=") \
            else rec["formula"]
        if rec["kind"] == "formula":
            mine = sheet.formulas.get(key)
        elif rec["kind"] == "array":
            mine = sheet.arrays[key].text if key in sheet.arrays else None
        elif rec["kind"] == "datatable":
            mine = expected_text if key in sheet.data_tables else None
        else:
            mine = expected_text
        if _without_spaces(mine) != _without_spaces(expected_text):
            diffs.append((rec["sheet"], rec["cell"], "formula", expected_text, mine))
        if key not in sheet.cached:
            diffs.append((rec["sheet"], rec["cell"], "no cached value", rec["value"], None))
        elif not _same_value(rec["value"], rec["serial"], sheet.cached[key]):
            diffs.append((rec["sheet"], rec["cell"], "value", rec["value"], sheet.cached[key]))
        seen += 1
    mine_count = sum(len(s.formulas) + len(s.arrays) + len(s.data_tables) for s in wb.sheets)
    theirs = sum(1 for r in records if r["kind"] != "array-member")
    if mine_count != theirs:
        diffs.append(("*", "*", "formula cell count", theirs, mine_count))
    return seen, diffs


SAMPLE = [
    "poi__testSharedFormulasRangeSetBlankBug.xlsx",   # shared formulas with odd spacing
    "poi__NewlineInFormulas.xlsx",                    # shared formula with a line break
    "ironcalc__simple_functions.xlsx",
    "ironcalc__DynamicArrays.xlsx",                   # dynamic and CSE arrays
    "ironcalc__DATE_AND_TIME__DATE.xlsx",
    "ironcalc__TEXT__CHAR.xlsx",                      # control characters as _xHHHH_
    "ironcalc__ENGINEERING__BESSEL.xlsx",             # many shared formulas
    "poi__table-sample.xlsx",                         # tables and structured references
    "phpspreadsheet__namespacenonstd.xlsx",           # prefixed spreadsheet namespace
    "poi__testNames.xlsm",                            # macro workbook
    "poi__56737.xlsx",                                # sheet-local names
    "poi__56644.xlsx",
    "phpspreadsheet__colortabs.xlsx",
]


@needs_oracles
@pytest.mark.parametrize("name", SAMPLE)
def test_formulas_and_cached_values_match_openpyxl(name):
    seen, diffs = compare_with_openpyxl(oracle(name))
    assert seen > 0
    assert diffs == []


@needs_oracles
@pytest.mark.slow
def test_all_oracle_workbooks_match_openpyxl():
    total = 0
    failures = {}
    for path in sorted(FILES.glob("*.xls*")):
        seen, diffs = compare_with_openpyxl(path)
        total += seen
        if diffs:
            failures[path.name] = diffs[:3]
    assert total > 100_000
    assert failures == {}


# --------------------------------------------------------------------------- features on real files


@needs_oracles
def test_shared_formula_members_are_expanded():
    wb = read_workbook(oracle("ironcalc__simple_functions.xlsx"))
    match = wb.sheet("MATCH")
    # Master L3 holds "MATCH(K3,$J$2:$J$10,  1)"; L7 is five rows down.
    assert match.formulas[(3, 12)] == "MATCH(K3,$J$2:$J$10,  1)"
    assert match.formulas[(7, 12)] == "MATCH(K7,$J$2:$J$10,  1)"


@needs_oracles
def test_array_formulas_keep_anchor_range_and_member_values():
    wb = read_workbook(oracle("ironcalc__DynamicArrays.xlsx"))
    arrays = wb.sheet("ArrayFormulas").arrays
    assert arrays, "the sheet has CSE array formulas"
    anchor, arr = next(iter(arrays.items()))
    r1, c1, r2, c2 = arr.bounds
    assert (r1, c1) == anchor and (r2 - r1 + 1) * (c2 - c1 + 1) > 1
    sheet = wb.sheet("ArrayFormulas")
    members = [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    assert all(m in sheet.cached for m in members)
    assert not any(m in sheet.values for m in members)
    # Excel cached SIN(2) in B3 (see check_cached.py's listing of this file).
    assert sheet.cached[(3, 2)] == pytest.approx(math.sin(2))
    assert any(a.dynamic for a in wb.sheet("DynamicArrays").arrays.values())


@needs_oracles
def test_tables_with_calculated_columns_and_totals():
    wb = read_workbook(oracle("poi__table-sample.xlsx"))
    (table,) = wb.tables
    assert (table.name, table.ref, table.header_row_count, table.totals_row_count) == \
        ("Tabelle1", "C4:G9", 1, 1)
    assert table.column_names == ["Field 1", "Field 2", "Field 3", "Field 4 ", "Field 5"]
    assert table.columns[3].calculated_formula == \
        "SUM(Tabelle1[[#This Row],[Field 2]:[Field 3]])"
    assert table.columns[1].totals_row_function == "average"
    assert table.columns[0].totals_row_label == "Ergebnis"
    wb = read_workbook(oracle("phpspreadsheet__TableWithoutFilter.xlsx"))
    sales = wb.tables[0]
    assert sales.display_name == "DeptSales"
    # The file spells the column with a no-break space.
    assert sales.columns[2].totals_row_formula == "SUBTOTAL(109,DeptSales[Sales\xa0Amount])"


@needs_oracles
def test_defined_names_local_hidden_and_lambda():
    wb = read_workbook(oracle("poi__56737.xlsx"))
    names = {(n.name, n.scope): n for n in wb.defined_names}
    assert names[("NR_Global_B2", None)].text == "Defines!$B$2"
    local = names[("NR_To_A1", "Defines")]
    assert local.local_sheet_id == 1 and local.text == "Defines!$A$1"
    wb = read_workbook(oracle("ironcalc__LOGICAL__LAMBDA.xlsx"))
    lam = {n.name: n.text for n in wb.defined_names}
    assert lam["Temperature"] == "_xlfn.LAMBDA(_xlpm.temp, (5/9) * (_xlpm.temp-32))"
    wb = read_workbook(oracle("poi__dataValidationTableRange.xlsx"))
    assert any(n.hidden for n in wb.defined_names)


@needs_oracles
def test_workbook_properties():
    assert read_workbook(oracle("poi__57535.xlsx")).iterate is True
    assert read_workbook(oracle("poi__DataValidationEvaluations.xlsx")).calc_mode == "manual"
    assert read_workbook(oracle("poi__atp.xlsx")).date1904 is True
    plain = read_workbook(oracle("poi__NewlineInFormulas.xlsx"))
    assert (plain.date1904, plain.calc_mode, plain.iterate, plain.is_xlsm,
            plain.has_external_links) == (False, "auto", False, False, False)
    assert read_workbook(oracle("poi__46535.xlsx")).has_external_links is True
    macro = read_workbook(oracle("poi__57181.xlsm"))
    assert macro.is_xlsm is True
    assert {s.state for s in macro.sheets} >= {"visible", "hidden"}


@needs_oracles
def test_chartsheets_are_listed_in_order_without_cells():
    for path in sorted(FILES.glob("*.xls*")):
        with zipfile.ZipFile(path) as z:
            if any(n.startswith("xl/chartsheets/sheet") for n in z.namelist()):
                break
    else:
        pytest.skip("no workbook with a chart sheet")
    wb = read_workbook(path)
    charts = [s for s in wb.sheets if s.kind == "chartsheet"]
    assert charts and all(not s.values and not s.formulas for s in charts)
    assert wb.sheet_names == openpyxl.load_workbook(path, read_only=True).sheetnames


# --------------------------------------------------------------------------- values from a built workbook


def test_constant_kinds_and_formula_cells(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = 2.5
    ws["A2"] = 7
    ws["A3"] = "text"
    ws["A4"] = True
    ws["A5"] = "=A1*2"
    ws["A6"] = dt.datetime(2024, 3, 1)
    ws["A7"] = "#N/A"  # openpyxl stores error texts as error cells (t="e")
    hidden = wb.create_sheet("Hidden")
    hidden.sheet_state = "hidden"
    hidden["C3"] = "=Data!A1+1"
    path = tmp_path / "kinds.xlsx"
    wb.save(path)
    data = read_workbook(path)
    assert data.sheet_names == ["Data", "Hidden"]
    d = data.sheet("data")
    assert d.values[(1, 1)] == 2.5 and isinstance(d.values[(2, 1)], float)
    assert d.values[(3, 1)] == "text" and d.values[(4, 1)] is True
    assert d.values[(6, 1)] == 45352.0  # 1 March 2024 as an Excel serial number
    assert d.values[(7, 1)] == "#N/A" and isinstance(d.values[(7, 1)], CellError)
    assert d.formulas == {(5, 1): "A1*2"} and d.cached == {(5, 1): None}
    h = data.sheet("Hidden")
    assert h.state == "hidden" and h.formulas == {(3, 3): "Data!A1+1"}
    assert h.part == "xl/worksheets/sheet2.xml"


def _edit_member(src, dst, member, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == member:
                data = edit(data)
            if data is not None:
                zout.writestr(info.filename, data)


def test_typed_cached_values_inline_strings_and_data_tables(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    base = tmp_path / "base.xlsx"
    wb.save(base)
    cells = (b'<row r="1"><c r="A1"><v>1</v></c>'
             b'<c r="B1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
             b'<c r="C1" t="b"><f>TRUE</f><v>1</v></c>'
             b'<c r="D1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
             b'<c r="E1" t="inlineStr"><is><r><t>rich </t></r><r><t>text</t></r>'
             b'<rPh sb="0" eb="1"><t>PHONETIC</t></rPh></is></c>'
             b'<c r="F1" t="e"><v>#N/A</v></c>'
             b'<c r="G1" t="str"><f>""</f><v></v></c></row>'
             b'<row r="3"><c r="B3"><f t="dataTable" ref="B3:C4" dt2D="0" dtr="0" r1="A1"/>'
             b'<v>5</v></c><c r="C3"><v>6</v></c></row>')
    path = tmp_path / "typed.xlsx"
    _edit_member(base, path, "xl/worksheets/sheet1.xml",
                 lambda x: re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData>" + cells
                                  + b"</sheetData>", x, flags=re.S))
    s = read_workbook(path).sheets[0]
    assert s.cached[(1, 2)] == CellError("#DIV/0!") and isinstance(s.cached[(1, 2)], CellError)
    assert s.cached[(1, 3)] is True
    assert s.cached[(1, 4)] == "ab"
    assert s.values[(1, 5)] == "rich text"
    assert isinstance(s.values[(1, 6)], CellError)
    assert s.cached[(1, 7)] == ""
    table = s.data_tables[(3, 2)]
    assert table.bounds == (3, 2, 4, 3) and table.attributes["r1"] == "A1"
    assert s.cached[(3, 2)] == 5.0 and s.cached[(3, 3)] == 6.0 and (3, 3) not in s.values


# --------------------------------------------------------------------------- bad input


def _err(path):
    with pytest.raises(WorkbookReadError) as info:
        read_workbook(path)
    msg = str(info.value)
    assert str(path) in msg and msg.endswith(".")
    return msg


def test_not_a_zip(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("name,score\nAnn,90\n")
    assert "not an .xlsx/.xlsm workbook" in _err(path)


def test_missing_file(tmp_path):
    assert "does not exist" in _err(tmp_path / "nowhere.xlsx")


def test_truncated_zip(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    good = tmp_path / "good.xlsx"
    wb.save(good)
    bad = tmp_path / "cut.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "not an .xlsx/.xlsm workbook" in _err(bad) or "damaged" in _err(bad)


def test_corrupted_member(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    good = tmp_path / "good.xlsx"
    wb.save(good)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 5, start + info.compress_size - 2):
        data[i] ^= 0x55
    bad = tmp_path / "bitrot.xlsx"
    bad.write_bytes(bytes(data))
    assert "damaged" in _err(bad)


def _compound_file(streams):
    """A minimal OLE compound file (MS-CFB, version 3) holding ``streams``.

    Encrypted OOXML workbooks are such files with EncryptionInfo and
    EncryptedPackage streams; the stream sizes here are >= 4096 bytes so they
    live in regular sectors and no mini stream is needed.
    """
    sector = 512
    body = []
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: FAT, sector 1: directory
    starts = []
    for _, data in streams:
        n = -(-len(data) // sector)
        first = len(fat)
        starts.append(first)
        fat.extend(range(first + 1, first + n))
        fat.append(0xFFFFFFFE)
        body.append(data.ljust(n * sector, b"\0"))
    fat.extend([0xFFFFFFFF] * (sector // 4 - len(fat)))

    def entry(name, kind, child=0xFFFFFFFF, right=0xFFFFFFFF, start=0xFFFFFFFE, size=0):
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 16
                + struct.pack("<I", 0) + b"\0" * 16 + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, child=1)]
    for i, ((name, data), start) in enumerate(zip(streams, starts)):
        right = i + 2 if i + 1 < len(streams) else 0xFFFFFFFF
        entries.append(entry(name, 2, right=right, start=start, size=len(data)))
    directory = b"".join(entries).ljust(sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + b"\xff" * (4 * 108))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + fat_bytes + directory + b"".join(body)


def test_password_protected(tmp_path):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(_compound_file([("EncryptionInfo", b"\x04\x00\x04\x00" + b"\0" * 4092),
                                     ("EncryptedPackage", bytes(range(256)) * 16)]))
    assert "is password-protected" in _err(path)


def test_legacy_xls_compound_file(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(_compound_file([("Workbook", b"\x09\x08" + b"\0" * 4094)]))
    assert "legacy .xls" in _err(path)


def test_missing_workbook_part(tmp_path):
    path = tmp_path / "empty.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns='
                   '"http://schemas.openxmlformats.org/package/2006/content-types"/>')
    assert "xl/workbook.xml is missing" in _err(path)


def test_missing_sheet_part(tmp_path):
    wb = openpyxl.Workbook()
    wb.create_sheet("Second")["A1"] = "=1+1"
    good = tmp_path / "good.xlsx"
    wb.save(good)
    bad = tmp_path / "lost.xlsx"
    _edit_member(good, bad, "xl/worksheets/sheet2.xml", lambda x: None)
    msg = _err(bad)
    assert "'Second'" in msg and "missing" in msg


BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                   for i in range(1, 10))
        + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
          b'</sheetData></worksheet>')


def test_entity_expansion_bomb_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    good = tmp_path / "good.xlsx"
    wb.save(good)
    bad = tmp_path / "lol.xlsx"
    _edit_member(good, bad, "xl/worksheets/sheet1.xml", lambda x: BOMB)
    assert "DTD" in _err(bad)


def test_zip_bomb_ratio_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    good = tmp_path / "good.xlsx"
    wb.save(good)
    bad = tmp_path / "bomb.xlsx"
    _edit_member(good, bad, "xl/worksheets/sheet1.xml", lambda x: b"\0" * (24 * 2**20))
    assert "zip bomb" in _err(bad)


def test_absurd_declared_size_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    path = tmp_path / "huge.xlsx"
    wb.save(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        target = z.getinfo("xl/worksheets/sheet1.xml")
    # Patch the central directory's uncompressed size; the reader must refuse
    # before inflating anything.
    name = target.filename.encode()
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        assert pos >= 0
        n = struct.unpack("<H", data[pos + 28: pos + 30])[0]
        if data[pos + 46: pos + 46 + n] == name:
            break
        pos += 4
    data[pos + 24: pos + 28] = struct.pack("<I", 600 * 2**20)
    path.write_bytes(bytes(data))
    assert "600 MB" in _err(path)


# --------------------------------------------------------------------------- the cell scanner

from kpi_xl.engine import xlsx_read as _xr  # noqa: E402  (the scanner is internal)


STRINGS = ["zero", "one"] + [f"s{i}" for i in range(2, 200_000)]


class _Pkg:
    from kpi_xl.limits import DEFAULT_LIMITS as limits
    path = "sheet.xml"


def _scan(xml):
    """The SheetData the one cell scanner reads from a sheet's XML."""
    sheet = _xr.SheetData("S", "p", "visible", "worksheet", 1)
    _xr._scan_sheet(_Pkg(), sheet, xml, STRINGS, False)
    return sheet


def _scan_rewritten(xml):
    """The SheetData read from the same sheet as lxml writes it back (the fallback's
    route): other spellings of the same cells, which must read the same."""
    from lxml import etree

    from kpi_xl.engine.package import XML_PARSER
    return _scan(etree.tostring(etree.fromstring(xml, XML_PARSER), encoding="utf-8"))


def _same_sheet(a, b):
    def norm(d):
        return {k: ("nan" if isinstance(v, float) and v != v else v, type(v).__name__)
                for k, v in d.items()}
    return (norm(a.values), a.formulas, norm(a.cached), a.arrays, a.data_tables,
            a.hidden_rows) == \
        (norm(b.values), b.formulas, norm(b.cached), b.arrays, b.data_tables, b.hidden_rows)


@needs_oracles
@pytest.mark.parametrize("name", SAMPLE)
def test_scanner_reads_excel_markup_as_the_xml_parser_rewrites_it(name):
    with zipfile.ZipFile(oracle(name)) as z:
        parts = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        for part in parts:
            xml = z.read(part)
            assert _same_sheet(_scan(xml), _scan_rewritten(xml)), part


ODD_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
    b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<x:sheetData>'
    b'<x:row r="2"><x:c t="s"><x:v>1</x:v></x:c><x:c><x:f>A2&amp;"&lt;"</x:f><x:v>3</x:v></x:c>'
    b'<x:c r="E2" t="str"><x:f>"a"\r\n&amp;"b"</x:f><x:v xml:space="preserve"> a b </x:v></x:c>'
    b'<x:c r="F2" t="inlineStr"><x:is><x:r><x:t>x</x:t></x:r><x:rPh sb="0" eb="1"><x:t>y</x:t>'
    b'</x:rPh><x:r><x:t xml:space="preserve"> z</x:t></x:r></x:is></x:c>'
    b'<x:c r="G2" t="e"><x:v>#N/A</x:v></x:c><x:c r="H2" t="b"><x:v>0</x:v></x:c>'
    b'<x:c r="I2"><x:f t="array" ref="I2:J3">1</x:f><x:v>1</x:v></x:c><x:c r="J2"><x:v>2</x:v></x:c>'
    b'</x:row>'
    b'<x:row><x:c><x:v>7</x:v></x:c><x:c r="I3"><x:v>3</x:v></x:c><x:c><x:v>4</x:v></x:c>'
    b'<x:c r="K3"><x:f>J3</x:f><x:v>4</x:v><x:extLst><x:ext uri="u"/></x:extLst></x:c></x:row>'
    b'</x:sheetData></x:worksheet>')


def _check_odd_sheet(sheet):
    # Worked from the XML above: cells without r follow their row and left neighbour.
    assert sheet.values[(2, 1)] == "one"
    assert sheet.formulas[(2, 2)] == 'A2&"<"' and sheet.cached[(2, 2)] == 3.0
    assert sheet.formulas[(2, 5)] == '"a"\n&"b"' and sheet.cached[(2, 5)] == " a b "
    assert sheet.values[(2, 6)] == "x z"
    assert sheet.values[(2, 7)] == CellError("#N/A") and sheet.values[(2, 8)] is False
    assert sheet.arrays[(2, 9)].bounds == (2, 9, 3, 10)
    assert sheet.cached[(2, 10)] == 2.0 and sheet.cached[(3, 9)] == 3.0
    assert sheet.cached[(3, 10)] == 4.0   # no r: the cell after I3
    assert sheet.values[(3, 1)] == 7.0    # row without r: the row after 2
    assert sheet.formulas[(3, 11)] == "J3" and sheet.cached[(3, 11)] == 4.0
    assert (len(sheet.values), len(sheet.formulas), len(sheet.arrays), len(sheet.cached)) == \
        (5, 3, 1, 7)


def test_scanner_handles_odd_markup():
    sheet = _scan(ODD_SHEET)
    _check_odd_sheet(sheet)
    assert _same_sheet(sheet, _scan_rewritten(ODD_SHEET))


COMMENTED_SHEET = ODD_SHEET.replace(b'<x:row r="2">', b'<!-- note --><x:row r="2">')
# the strings of a package holding ODD_SHEET or DIRECT_SHEET
TWO_STRINGS = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               b'<si><t>zero</t></si><si><t>one</t></si></sst>')


def test_a_commented_sheet_is_declined_by_the_scanner():
    with pytest.raises(_xr._Declined, match="comment"):
        _scan(COMMENTED_SHEET)


_MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
# Cells of the usual shapes, two of them named twice (A1, C2) and a row written again.
USUAL_SHEET = (
    b'<worksheet ' + _MAIN + b'><sheetData><row r="1">'
    b'<c r="A1" t="n"><v>1</v></c><c r="B1" s="1" t="inlineStr"><is><t>a &amp; b</t></is></c>'
    b'<c r="A1" t="inlineStr"><is><t xml:space="preserve"> y </t></is></c>'
    b'<c r="C1" s="3"/><c r="D1" t="s"><v>1</v></c><c r="E1"></c></row>\n  <row r="2">'
    b'<c r="A2" s="2"><f>SUM(A1:E1)&amp;&quot;x&quot;</f><v>7</v></c><c r="B2"><f>A2</f><v/></c>'
    b'<c r="C2"><f>A2+1</f><v></v></c><c r="C2"><f>A2+2</f><v>4</v></c>'
    b'<c r="D2" t="inlineStr"><is><t>late</t></is></c><c r="D2"><v>2.5</v></c></row>'
    b'<row r="1"><c r="E1" t="s"><v>0</v></c></row></sheetData></worksheet>')


def test_usual_cells_are_filed_at_once_as_one_by_one(monkeypatch):
    """The cells of the usual shapes are filed a stretch at a time (_SheetScan._usual);
    what they give, and in what order, is what the loop over them gives, a cell named
    twice included (the later one wins)."""
    at_once = _scan(USUAL_SHEET)
    # Worked from the XML above.
    assert at_once.values == {(1, 1): " y ", (1, 2): "a & b", (1, 4): "one", (1, 5): "zero",
                              (2, 4): 2.5}
    assert at_once.formulas == {(2, 1): 'SUM(A1:E1)&"x"', (2, 2): "A2", (2, 3): "A2+2"}
    assert at_once.cached == {(2, 1): 7.0, (2, 2): None, (2, 3): 4.0}
    monkeypatch.setattr(_xr._SheetScan, "_usual", lambda self, piece, keys, raws: -1)
    one_by_one = _scan(USUAL_SHEET)
    for part in ("values", "formulas", "cached"):
        assert list(getattr(at_once, part).items()) == list(getattr(one_by_one, part).items())


def test_cells_of_other_shapes_or_out_of_place_go_one_by_one():
    """A stretch holding a cell of another shape, or a cell inside another, is left to the
    loop, which judges it as before: a cell inside a cell is refused."""
    odd = USUAL_SHEET.replace(b'<c r="B2"><f>A2</f><v/></c>',
                              b'<c r="B2" t="str"><f>A2</f><v>t</v></c>')
    assert _scan(odd).cached[(2, 2)] == "t"
    nested = USUAL_SHEET.replace(b'<c r="E1"></c>', b'<c r="E1"><c r="F1"><v>1</v></c></c>')
    with pytest.raises(_xr._Declined, match="a cell it cannot match"):
        _scan(nested)


def test_a_fallback_raises_in_strict_mode(tmp_path):
    assert os.environ.get("KPI_XL_STRICT_READER") == "1"   # tests/conftest.py
    path = _one_sheet_book(tmp_path, COMMENTED_SHEET, strings=TWO_STRINGS)
    with pytest.raises(_xr.ReaderFallback, match=r"sheet 'Sheet' needed the XML parser: a "
                                                 r"comment or CDATA section among the cells"):
        read_workbook(path)


def test_a_fallback_is_read_and_named(tmp_path, monkeypatch):
    monkeypatch.delenv("KPI_XL_STRICT_READER")
    path = _one_sheet_book(tmp_path, COMMENTED_SHEET, strings=TWO_STRINGS)
    data = read_workbook(path)
    _check_odd_sheet(data.sheets[0])
    assert data.reader_fallbacks == [("Sheet", "a comment or CDATA section among the cells")]
    plain = read_workbook(_one_sheet_book(tmp_path, ODD_SHEET, name="plain.xlsx",
                                          strings=TWO_STRINGS))
    assert plain.reader_fallbacks == []


def test_a_fallback_is_a_line_of_the_recalc_summary(tmp_path):
    import subprocess
    path = _one_sheet_book(tmp_path, COMMENTED_SHEET, strings=TWO_STRINGS)
    env = dict(os.environ)
    del env["KPI_XL_STRICT_READER"]
    p = subprocess.run([sys.executable, "-m", "kpi_xl.cli", "recalc", str(path), "-o",
                        str(tmp_path / "out")], capture_output=True, text=True, env=env,
                       cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (f"{path}: sheet 'Sheet' read through the XML parser, slowly (a comment or CDATA "
            "section among the cells)") in p.stdout + p.stderr
    env["KPI_XL_STRICT_READER"] = "1"
    p = subprocess.run([sys.executable, "-m", "kpi_xl.cli", "recalc", str(path), "-o",
                        str(tmp_path / "out2")], capture_output=True, text=True, env=env,
                       cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert p.returncode != 0 and "ReaderFallback" in p.stdout + p.stderr


def test_hidden_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 6):
        ws.cell(r, 1, r)
    ws.row_dimensions[2].hidden = True
    ws.row_dimensions[4].hidden = True
    path = tmp_path / "hidden.xlsx"
    wb.save(path)
    assert read_workbook(path).sheets[0].hidden_rows == {2, 4}
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    sheet = _scan(xml)
    assert sheet.hidden_rows == {2, 4} and sheet.values == {(r, 1): r for r in range(1, 6)}
    # the same rows found while following rows for cells without r=
    sheet = _scan(xml.replace(b'<c r="A3"', b"<c"))
    assert sheet.hidden_rows == {2, 4} and sheet.values == {(r, 1): r for r in range(1, 6)}


# Every cell with r=, in the shapes Excel and openpyxl write and a few they do not.
DIRECT_SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1" spans="1:9"><c r="A1" s="1" t="s"><v>1</v></c>'
    b'<c r="B1"><f>A1&amp;"x&#13;&#10;y&#38;lt;"</f><v>3</v></c>'
    b'<c r="C1" t="str"><f>"a"&amp;"&#x4e2d;"</f><v> a&#20013; </v></c>'
    b'<c r="D1" t="inlineStr"><is><t xml:space="preserve"> p&amp;q_x0001_ </t></is></c>'
    b'<c r="E1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F1" t="b"><f>TRUE</f><v>1</v></c>'
    b'<c r="G1" s="3"/><c r="H1"><v>1_0</v></c><c r="I1"><v>abc&amp;</v></c></row>'
    b'<row r="2" hidden="1"><c r="A2"><f t="shared" ref="A2:A4" si="0">B1+1</f><v>4</v></c>'
    b'<c r="C2"><f t=\'array\' ref=\'C2:D3\'>A1:B2</f><v>1</v></c><c r="D2"><v>2</v></c></row>'
    b'<row r="3" hidden="true"><c r="A3"><f t="shared" si="0"/><v>5</v></c><c r="C3"><v>3</v></c>'
    b'<c r="D3" t="str"><v>m</v></c><c r="E3"><f>A3</f><v></v></c><c r="F3"><f/><v/></c></row>'
    b'<row r="4"><c r="A4"><f t="shared" si="0"></f><v>6</v></c>'
    b'<c r="B4" cm="1"><f t="array" ref="B4">SEQUENCE(1)</f><v>1</v></c>'
    b'<c r="C4"><f>Other!A1</f><v>5</v><extLst><ext uri="u"/></extLst></c>'
    b'<c r="D4" t="inlineStr"><is><r><t>ri</t></r><rPh sb="0" eb="1"><t>ph</t></rPh>'
    b'<r><t>ch</t></r></is></c><c r="e4"><f>E3</f><v>0</v></c></row>'
    b'</sheetData></worksheet>')


def _check_direct_sheet(sheet):
    # Worked from the XML above.
    assert sheet.values[(1, 1)] == "one" and sheet.values[(1, 9)] == "abc&"
    assert sheet.formulas[(1, 2)] == 'A1&"x\r\ny&lt;"'   # a CR written &#13; is kept
    assert sheet.formulas[(1, 3)] == '"a"&"中"' and sheet.cached[(1, 3)] == " a中 "
    assert sheet.values[(1, 4)] == " p&q\x01 "
    assert sheet.cached[(1, 5)] == CellError("#DIV/0!") and sheet.cached[(1, 6)] is True
    assert (1, 7) not in sheet.values and sheet.values[(1, 8)] == 10.0
    assert sheet.formulas[(3, 1)] == "B2+1" and sheet.formulas[(4, 1)] == "B3+1"
    assert sheet.arrays[(2, 3)].bounds == (2, 3, 3, 4) and sheet.cached[(3, 4)] == "m"
    assert sheet.cached[(3, 5)] is None and sheet.formulas[(3, 6)] == ""
    assert sheet.arrays[(4, 2)].dynamic and sheet.formulas[(4, 3)] == "Other!A1"
    assert sheet.values[(4, 4)] == "rich" and sheet.formulas[(4, 5)] == "E3"
    assert sheet.hidden_rows == {2, 3}


def test_scanner_handles_usual_and_odd_cells():
    sheet = _scan(DIRECT_SHEET)
    _check_direct_sheet(sheet)
    assert _same_sheet(sheet, _scan_rewritten(DIRECT_SHEET))


@pytest.mark.parametrize("change", [
    (b'<c r="G1" s="3"/>', b'<c s="3"/>'),                 # a cell without r=
    (b'<c r="G1" s="3"/>', b'<c r="$G$1" s="3"/>'),
    (b'<c r="G1" s="3"/>', b'<c s="3" r="G1"/>'),
    (b'<c r="H1"><v>1_0</v></c>', b'<c><v>1_0</v></c>'),
    (b'<row r="2" hidden="1">', b'<row hidden="1">'),
])
def test_scanner_places_cells_written_other_ways(change):
    xml = DIRECT_SHEET.replace(*change)
    assert xml != DIRECT_SHEET
    _check_direct_sheet(_scan(xml))


@pytest.mark.parametrize("change, why", [
    ((b'<c r="G1" s="3"/>', b"<c r='G1' s='3'/>"), "a cell it cannot match"),
    ((b'<c r="G1" s="3"/>', b'<c r="G1" s=\'3\'/>'), "a cell it cannot match"),
    ((b'<row r="2" hidden="1">', b"<row r='2' hidden='1'>"), "single quotes"),
    ((b'<row r="4">', b'<!-- note --><row r="4">'), "comment"),
    ((b'<v>abc&amp;</v>', b'<v><![CDATA[abc&]]></v>'), "CDATA"),
])
def test_scanner_declines_other_markup_which_the_fallback_reads(tmp_path, monkeypatch,
                                                                change, why):
    xml = DIRECT_SHEET.replace(*change)
    assert xml != DIRECT_SHEET
    with pytest.raises(_xr._Declined, match=why):
        _scan(xml)
    _check_direct_sheet(_scan_rewritten(xml))
    monkeypatch.delenv("KPI_XL_STRICT_READER")
    data = read_workbook(_one_sheet_book(tmp_path, xml, strings=TWO_STRINGS))
    assert [s for s, _ in data.reader_fallbacks] == ["Sheet"]
    _check_direct_sheet(data.sheets[0])


def test_scanner_reads_a_long_sheet_piece_by_piece(monkeypatch):
    # Many scanning pieces; the formula texts are decoded together piece by piece.
    monkeypatch.setattr(_xr, "_SCAN_PIECE", 4096)
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>&#20013;%d</t>'
        b'</is></c><c r="C%d"><f>A%d*2&amp;\'&#26041;\'!A1</f><v>%d</v></c></row>'
        % (i, i, i, i, i, i, i, 2 * i) for i in range(1, 3001))
    xml = DIRECT_SHEET.replace(DIRECT_SHEET[DIRECT_SHEET.index(b"<row"):
                                           DIRECT_SHEET.index(b"</sheetData>")], rows)
    assert len(xml) > 50 * _xr._SCAN_PIECE
    def in_pieces(xml):
        # as the package hands the sheet over, a few bytes at a time; pieces are cut
        # again before a <row>
        pieces = []
        scan = _xr._SheetScan(_Pkg(), _xr.SheetData("S", "p", "visible", "worksheet", 1),
                              STRINGS, False)
        scan._piece = lambda xml, scan_piece=scan._piece: (pieces.append(xml),
                                                           scan_piece(xml))
        for i in range(0, len(xml), 5000):
            scan.feed(xml[i:i + 5000])
        scan.close()
        assert len(pieces) > 30 and all(p.startswith(b"<row") for p in pieces[1:])
        assert b"".join(pieces) == xml
        return scan.sheet
    for sheet in (_scan(xml), _scan(xml.replace(b'<c r="B', b'<c x="B')),   # rows followed
                  in_pieces(xml), in_pieces(xml.replace(b'<c r="B', b'<c x="B'))):
        assert len(sheet.formulas) == 3000 and list(sheet.formulas)[:2] == [(1, 3), (2, 3)]
        assert sheet.formulas[(2999, 3)] == "A2999*2&'方'!A1"
        assert sheet.values[(3000, 2)] == "中3000" and sheet.cached[(3000, 3)] == 6000.0
        assert sheet.values[(17, 1)] == 17.0 and len(sheet.values) == 6000


# ------------------------------------------------------- encodings, malformed markup, limits

def _one_sheet_book(tmp_path, sheet_xml: bytes, name="book.xlsx", strings: bytes = None):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    base = tmp_path / "base.xlsx"
    wb.save(base)
    path = tmp_path / name
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            zout.writestr(info.filename, data)
        if strings is not None:
            zout.writestr("xl/sharedStrings.xml", strings)
    return path


MAIN_XMLNS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET_XML = (b'<worksheet ' + MAIN_XMLNS + b'><sheetData><row r="1"><c r="A1"><v>275</v></c>'
         b'<c r="B1"><v>88</v></c><c r="C1"><f>B1/A1</f><v>7</v></c>'
         b'<c r="D1" t="s"><v>0</v></c><c r="E1" t="inlineStr"><is><t>\xc3\xa9quipe</t></is></c>'
         b'</row></sheetData></worksheet>')
SST_XML = (b'<sst ' + MAIN_XMLNS + b' count="1" uniqueCount="1"><si><t>\xe5\xae\xa2\xe6\x9c\x8d</t>'
           b'</si></sst>')


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                          ("utf-16-le", b""), ("utf-16-be", b"")])
def test_parts_in_utf16_are_read(tmp_path, encoding, bom):
    """A sheet and shared strings saved in UTF-16 hold the same cells as in UTF-8 (they
    used to read as an empty sheet that kept its stale cached values)."""
    def utf16(xml):
        text = '<?xml version="1.0" encoding="UTF-16"?>' + xml.decode("utf-8")
        return bom + text.encode(encoding)
    path = _one_sheet_book(tmp_path, utf16(SHEET_XML), strings=utf16(SST_XML))
    sheet = read_workbook(path).sheets[0]
    assert sheet.values == {(1, 1): 275.0, (1, 2): 88.0, (1, 4): "客服", (1, 5): "équipe"}
    assert sheet.formulas == {(1, 3): "B1/A1"}


def test_a_part_in_a_declared_legacy_encoding_is_read(tmp_path):
    xml = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + SHEET_XML.replace(
        "équipe".encode("utf-8"), "équipe".encode("latin-1"))
    path = _one_sheet_book(tmp_path, xml, strings=SST_XML)
    assert read_workbook(path).sheets[0].values[(1, 5)] == "équipe"


@pytest.mark.parametrize("cell", [b'<c r="A%d"><v>1</v>', b'<c r="A%d"><f>1+1</c>',
                                  b'<c r="A%d" t="', b'<c r="A%d"><is><t>x</c>'])
def test_unclosed_cells_are_refused_in_linear_time(tmp_path, cell):
    """20,000 cells left open: 5,000 of them took 57 s when each was matched to the end
    of the sheet; now the file is refused at once, naming the damaged part."""
    import time
    body = b"".join(cell % (i + 1) for i in range(20_000))
    path = _one_sheet_book(tmp_path, b'<worksheet ' + MAIN_XMLNS + b'><sheetData><row r="1">' + body
                           + b"</row></sheetData></worksheet>")
    t0 = time.perf_counter()
    msg = _err(path)
    assert time.perf_counter() - t0 < 10
    assert "has a damaged part xl/worksheets/sheet1.xml" in msg
    assert "XML_PARSE_HUGE" not in msg


def test_a_cell_whose_formula_is_never_closed_is_not_read_as_a_constant(tmp_path):
    xml = SHEET_XML.replace(b"<f>B1/A1</f>", b"<f>B1/A1")
    assert "damaged part" in _err(_one_sheet_book(tmp_path, xml, strings=SST_XML))


def test_an_unclosed_row_is_refused(tmp_path):
    xml = SHEET_XML.replace(b"</row>", b"")
    assert "damaged part" in _err(_one_sheet_book(tmp_path, xml, strings=SST_XML))


def _zip_with(tmp_path, extra):
    path = _one_sheet_book(tmp_path, SHEET_XML, strings=SST_XML)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        for name, data in extra:
            with pytest.warns(UserWarning) if name in z.namelist() else _nothing():
                z.writestr(name, data)
    return path


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_duplicate_zip_entries_are_refused(tmp_path):
    path = _zip_with(tmp_path, [("xl/worksheets/sheet1.xml", SHEET_XML.replace(b"275", b"999"))])
    assert "two zip entries named xl/worksheets/sheet1.xml" in _err(path)


def test_entries_differing_only_in_case_are_duplicates(tmp_path):
    path = _zip_with(tmp_path, [("XL/worksheets/Sheet1.xml", SHEET_XML)])
    assert "two zip entries named" in _err(path)


@pytest.mark.parametrize("name", ["../evil.sh", "/etc/x", "xl\\..\\..\\x", "C:/x"])
def test_names_outside_the_package_are_refused(tmp_path, name):
    path = _zip_with(tmp_path, [(name, b"x")])
    assert "points outside the package" in _err(path)


def test_an_encrypted_zip_entry_is_a_sentence(tmp_path):
    path = _one_sheet_book(tmp_path, SHEET_XML, strings=SST_XML)
    data = bytearray(path.read_bytes())
    # Set bit 0 (encrypted) of every entry's flags, local and central, as zip -e does.
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos >= 0:
            data[pos + at] |= 1
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))
    msg = _err(path)
    assert "zip package with a password" in msg and "bug" not in msg


def test_a_part_larger_than_its_declared_size_is_damaged_not_inflated(tmp_path):
    """The directory says 4 KB; the data inflates to 64 MB.  Reading stops at the
    declared size and the file is refused, without inflating the rest."""
    path = _one_sheet_book(tmp_path, SHEET_XML, strings=SST_XML)
    big = SHEET_XML.replace(b"</sheetData>", b"</sheetData>" + b" " * (64 << 20))
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["xl/worksheets/sheet1.xml"] = big
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in members.items():
            z.writestr(n, d)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for sig, at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        pos = data.find(sig)
        while pos >= 0:
            if data[pos + name_at: pos + name_at + len(name)] == name:
                data[pos + at: pos + at + 4] = struct.pack("<I", 4096)
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))
    assert "xl/worksheets/sheet1.xml" in _err(path)


def test_limits_are_checked_while_reading(tmp_path):
    from kpi_xl.engine.xlsx_read import WorkbookTooLarge
    from kpi_xl.limits import Limits
    path = _one_sheet_book(tmp_path, SHEET_XML, strings=SST_XML)
    assert read_workbook(path, Limits(max_cells=5)).sheets[0].values[(1, 1)] == 275
    with pytest.raises(WorkbookTooLarge, match=r"more than 4 cells .*--max-cells"):
        read_workbook(path, Limits(max_cells=4))
    with pytest.raises(WorkbookTooLarge, match=r"--max-unpacked-mb"):
        read_workbook(path, Limits(max_unpacked_mb=0.002))
    with pytest.raises(WorkbookTooLarge, match=r"--max-parts"):
        read_workbook(path, Limits(max_parts=5))


def test_a_bomb_in_a_part_the_reader_does_not_use_is_found(tmp_path):
    """An image inflating 40 MB of zeros from 40 KB: refused by the ratio guard before
    anything is written."""
    path = _zip_with(tmp_path, [("xl/media/image1.png", b"\0" * (40 << 20))])
    msg = _err(path)
    assert "xl/media/image1.png" in msg and "zip bomb" in msg and "--max-ratio" in msg


@pytest.mark.parametrize("edit", [(b"<f>B1/A1</f>", b"<f>B1/A1&amp;&foo;</f>"),
                                  (b"<t>\xc3\xa9quipe</t>", b"<t>&xxe;</t>"),
                                  (b"<v>275</v>", b"<v>2&lol;</v>")])
def test_an_undeclared_entity_is_damage_not_text(tmp_path, edit):
    """Without a DTD no entity but XML's own five exists: Excel refuses such a sheet,
    and so does the reader, rather than keep "&foo;" as formula text."""
    xml = SHEET_XML.replace(*edit)
    msg = _err(_one_sheet_book(tmp_path, xml, strings=SST_XML))
    assert "damaged part xl/worksheets/sheet1.xml" in msg and "not defined" in msg
