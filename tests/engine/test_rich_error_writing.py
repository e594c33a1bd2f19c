"""The errors Excel keeps as rich values are written the way Excel writes them.

A cell's error type in the file format is one of the classic seven (and #GETTING_DATA).
Excel-saved workbooks of the oracle corpus hold #CALC! and #SPILL! as
``<c t="e" vm="N"><v>#VALUE!</v></c>``. The cell's value metadata N leads through
xl/metadata.xml (type XLRICHVALUE) to a rich value of structure ``_error`` with keys
errorType and subType. errorType is 13 for #CALC! and 8 for #SPILL!, and the five #CALC!
cells of one such workbook share one value metadata record. The writer produces that chain.
It extends an Excel-written one without moving what other cells point at. Read back, the
engine's reader decodes it; openpyxl and pandas see #VALUE!, as they do on Excel's own files.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.core.errors import CellError
from kpi_xl.engine import recalc_file
from kpi_xl.engine.xlsx_read import read_workbook
from kpi_xl.engine.xlsx_write import write_values
from tests.engine.test_xlsx_write import soffice_csv
from tests.engine.xlsx_raw import rezip

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RD = "http://schemas.microsoft.com/office/spreadsheetml/2017/richdata"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "KPI"
    ws["A1"] = 1
    ws["B1"] = "=1/0"
    ws["C1"] = "=_xlfn.SEQUENCE(0)"
    ws["D1"] = "=A1+299"
    ws["E1"] = "=A1*2"
    ws["F1"] = "=A1*3"
    wb.save(path)
    return path


def _part(path, name) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode()


def _cell(sheet_xml: str, ref: str) -> str:
    m = re.search(r'<c r="%s"[^>]*>.*?</c>' % ref, sheet_xml)
    assert m is not None, ref
    return m.group(0)


def test_new_errors_are_written_as_excel_writes_them(tmp_path):
    src = _book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    write_values(src, out, {"KPI": {(1, 2): CellError("#DIV/0!"), (1, 3): CellError("#CALC!"),
                                    (1, 4): 301, (1, 5): CellError("#SPILL!"),
                                    (1, 6): CellError("#CALC!")}})
    sheet = _part(out, "xl/worksheets/sheet1.xml")
    assert '<v>#DIV/0!</v>' in _cell(sheet, "B1") and "vm=" not in _cell(sheet, "B1")
    c1, e1, f1 = _cell(sheet, "C1"), _cell(sheet, "E1"), _cell(sheet, "F1")
    for cell in (c1, e1, f1):
        assert 't="e" vm="' in cell and "<v>#VALUE!</v>" in cell
    vm = {ref: int(re.search(r'vm="(\d+)"', cell).group(1))
          for ref, cell in (("C1", c1), ("E1", e1), ("F1", f1))}
    assert vm["C1"] == vm["F1"] != vm["E1"]   # one record per error, as Excel shares them

    # The chain, followed by hand: vm -> valueMetadata record -> futureMetadata block ->
    # rich value -> errorType.
    meta = _part(out, "xl/metadata.xml")
    types = re.findall(r'<metadataType name="([^"]+)"', meta)
    records = re.findall(r'<rc t="(\d+)" v="(\d+)"/>', meta.split("<valueMetadata")[1])
    blocks = re.findall(r'<xlrd:rvb i="(\d+)"/>', meta)
    values = re.findall(r'<rv s="(\d+)">(.*?)</rv>', _part(out, "xl/richData/rdrichvalue.xml"))
    structures = _part(out, "xl/richData/rdrichvaluestructure.xml")
    assert '<s t="_error"><k n="errorType" t="i"/><k n="subType" t="i"/></s>' in structures

    def error_type(v):
        t, block = records[v - 1]
        assert types[int(t) - 1] == "XLRICHVALUE"
        s, body = values[int(blocks[int(block)])]
        return int(re.findall(r"<v>(\d+)</v>", body)[0])
    assert error_type(vm["C1"]) == 13 and error_type(vm["E1"]) == 8

    content_types = _part(out, "[Content_Types].xml")
    rels = _part(out, "xl/_rels/workbook.xml.rels")
    for part, kind in (("metadata.xml", "sheetMetadata"), ("richData/rdrichvalue.xml",
                                                           "rdRichValue"),
                       ("richData/rdrichvaluestructure.xml", "rdRichValueStructure"),
                       ("richData/rdRichValueTypes.xml", "rdRichValueTypes")):
        assert f'PartName="/xl/{part}"' in content_types
        assert re.search(f'Type="[^"]*/{kind}" Target="{part}"', rels), part
    assert len(set(re.findall(r'Id="(rId\d+)"', rels))) == len(re.findall(r"Id=", rels))

    # read back: the engine's reader sees the errors Excel would show; openpyxl, which
    # knows no rich values, the #VALUE! it sees in Excel's own files
    cached = read_workbook(out).sheet("KPI").cached
    assert {k: str(v) for k, v in cached.items()} == {
        (1, 2): "#DIV/0!", (1, 3): "#CALC!", (1, 4): "301.0", (1, 5): "#SPILL!",
        (1, 6): "#CALC!"}
    ws = openpyxl.load_workbook(out, data_only=True)["KPI"]
    assert [ws[r].value for r in ("B1", "C1", "D1", "E1")] == ["#DIV/0!", "#VALUE!", 301,
                                                                "#VALUE!"]


def test_recalc_writes_an_empty_array_as_a_rich_calc(tmp_path):
    src = _book(tmp_path / "in.xlsx")
    before = src.read_bytes()
    recalc_file(src, tmp_path / "out.xlsx")
    assert src.read_bytes() == before
    cached = read_workbook(tmp_path / "out.xlsx").sheet("KPI").cached
    assert str(cached[(1, 3)]) == "#CALC!" and cached[(1, 4)] == 300
    assert "<v>#VALUE!</v>" in _cell(_part(tmp_path / "out.xlsx", "xl/worksheets/sheet1.xml"),
                                     "C1")


# An Excel-written metadata part: dynamic-array cell metadata (XLDAPR, cm="1") and a #SPILL!
# kept with its spill offsets in a four-key _error structure (as Excel writes #SPILL!).
EXCEL_META = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<metadata xmlns="{MAIN}" '
    f'xmlns:xlrd="{RD}" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/'
    'dynamicarray"><metadataTypes count="2"><metadataType name="XLDAPR" minSupportedVersion='
    '"120000" cellMeta="1"/><metadataType name="XLRICHVALUE" minSupportedVersion="120000"/>'
    '</metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-'
    'fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>'
    '</ext></extLst></bk></futureMetadata><futureMetadata name="XLRICHVALUE" count="1"><bk>'
    '<extLst><ext uri="{3e2802c4-a4d2-4d8b-9148-e3be6c30e623}"><xlrd:rvb i="0"/></ext>'
    '</extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk>'
    '</cellMetadata><valueMetadata count="1"><bk><rc t="2" v="0"/></bk></valueMetadata>'
    '</metadata>')
EXCEL_VALUES = (f'<rvData xmlns="{RD}" count="1"><rv s="0"><v>0</v><v>8</v><v>2</v><v>1</v>'
                '</rv></rvData>')
EXCEL_STRUCTURES = (f'<rvStructures xmlns="{RD}" count="1"><s t="_error"><k n="colOffset" '
                    't="i"/><k n="errorType" t="i"/><k n="rwOffset" t="i"/><k n="subType" '
                    't="i"/></s></rvStructures>')


def _excel_like(path, related=True):
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'
             '<sheetData><row r="1"><c r="A1" t="e" vm="1"><v>#VALUE!</v></c>'
             '<c r="B1" cm="1"><f t="array" ref="B1:B2">_xlfn.SEQUENCE(2)</f><v>1</v></c>'
             '<c r="C1"><f>_xlfn.SEQUENCE(0)</f><v>0</v></c></row>'
             '<row r="2"><c r="B2"><v>2</v></c></row></sheetData></worksheet>')
    rich = [("xl/metadata.xml", "sheetMetadata", "metadata.xml", EXCEL_META,
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"),
            ("xl/richData/rdrichvalue.xml", "rdRichValue", "richData/rdrichvalue.xml",
             EXCEL_VALUES, "application/vnd.ms-excel.rdrichvalue+xml"),
            ("xl/richData/rdrichvaluestructure.xml", "rdRichValueStructure",
             "richData/rdrichvaluestructure.xml", EXCEL_STRUCTURES,
             "application/vnd.ms-excel.rdrichvaluestructure+xml")]
    ms = "http://schemas.microsoft.com/office/2017/06/relationships/"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://'
                   'schemas.openxmlformats.org/package/2006/content-types"><Default Extension='
                   '"rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"'
                   '/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                   '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/>' + "".join(
                       f'<Override PartName="/{p}" ContentType="{ct}"/>' for p, _, _, _, ct in
                       rich) + "</Types>")
        z.writestr("_rels/.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml",
                   f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="S" '
                   'sheetId="1" r:id="rId1"/></sheets></workbook>')
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{REL if kind == "sheetMetadata" else ms[:-1]}'
            f'/{kind}" Target="{target}"/>' for i, (_, kind, target, _, _) in
            enumerate(rich, start=7)) if related else ""
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{REL}/worksheet" '
                   f'Target="worksheets/sheet1.xml"/>{rels}</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for part, _, _, text, _ in rich:
            z.writestr(part, text)
    return path


def test_excel_metadata_is_extended_not_replaced(tmp_path):
    src = _excel_like(tmp_path / "excel.xlsx")
    assert str(read_workbook(src).sheet("S").values[(1, 1)]) == "#SPILL!"
    out = tmp_path / "out.xlsx"
    recalc_file(src, out)
    book = read_workbook(out).sheet("S")
    # A1, not rewritten, still points at Excel's #SPILL!; C1 is the new #CALC!
    assert str(book.values[(1, 1)]) == "#SPILL!"
    assert str(book.cached[(1, 3)]) == "#CALC!"
    assert book.cached[(1, 2)] == 1 and book.cached[(2, 2)] == 2
    sheet = _part(out, "xl/worksheets/sheet1.xml")
    assert '<c r="A1" t="e" vm="1">' in sheet and 'cm="1"' in _cell(sheet, "B1")
    assert 't="e" vm="2"' in _cell(sheet, "C1")
    meta = _part(out, "xl/metadata.xml")
    # Excel's records kept in place, one added to each list
    assert meta.count('<metadataType name="XLRICHVALUE"') == 1
    assert '<valueMetadata count="2"><bk><rc t="2" v="0"/></bk><bk><rc t="2" v="1"/></bk>' in meta
    assert '<futureMetadata name="XLRICHVALUE" count="2">' in meta
    assert '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>' in meta
    assert meta.count("dynamicArrayProperties") == 1
    structures = _part(out, "xl/richData/rdrichvaluestructure.xml")
    assert structures.startswith(EXCEL_STRUCTURES[:-len("</rvStructures>")].replace(
        'count="1"', 'count="2"'))
    assert _part(out, "xl/richData/rdrichvalue.xml") == EXCEL_VALUES.replace(
        'count="1"', 'count="2"').replace("</rvData>", '<rv s="1"><v>13</v><v>0</v></rv></rvData>')
    with zipfile.ZipFile(out) as z:   # nothing added twice
        names = z.namelist()
        assert len(names) == len(set(names)) and "xl/richData/rdRichValueTypes.xml" not in names


def test_rich_parts_not_related_are_left_alone(tmp_path):
    # Parts at Excel's paths that the workbook does not relate: not extended, and not
    # replaced; the new error is written as plain #VALUE!.
    src = _excel_like(tmp_path / "loose.xlsx", related=False)
    out = tmp_path / "out.xlsx"
    recalc_file(src, out)
    c1 = _cell(_part(out, "xl/worksheets/sheet1.xml"), "C1")
    assert "<v>#VALUE!</v>" in c1 and "vm=" not in c1
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        for part in ("xl/metadata.xml", "xl/richData/rdrichvalue.xml"):
            assert a.read(part) == b.read(part)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_written_rich_errors(tmp_path):
    src = _book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    write_values(src, out, {"KPI": {(1, 2): CellError("#DIV/0!"), (1, 3): CellError("#CALC!"),
                                    (1, 4): 301, (1, 5): CellError("#SPILL!"),
                                    (1, 6): 3}})
    row = soffice_csv(out, tmp_path)["KPI"][0]
    # 301 is no value LibreOffice would compute (A1+299 is 300): it read the cached one
    assert row[0] == "1" and row[3] == "301" and row[1] == "#DIV/0!"


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "oracles" / "files"
NEW = ("#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!")


def test_every_fixture_workbook_takes_new_errors_and_keeps_its_own(tmp_path):
    # The oracle fixtures saved by Excel (16 of those written to with a metadata part:
    # dynamic arrays, rich errors) and by other tools: two formula cells of each are given
    # #CALC! and #SPILL!. Every XML part must stay well formed; the two cells must read back
    # as those errors, and every rich error the file held must read back as it did.
    from lxml import etree
    checked = with_metadata = 0
    for path in sorted(FIXTURES.glob("*.xls[xm]")):
        book = read_workbook(path)
        sheet = next((s for s in book.sheets if len(s.formulas) >= 2), None)
        if sheet is None:
            continue
        keys = sorted(sheet.formulas)[:2]
        before = {s.name: {k: str(v) for k, v in {**s.values, **s.cached}.items()
                           if str(v) in NEW} for s in book.sheets}
        out = tmp_path / path.name
        write_values(path, out, {sheet.name: {keys[0]: CellError("#CALC!"),
                                              keys[1]: CellError("#SPILL!")}})
        with zipfile.ZipFile(out) as z:
            names = z.namelist()
            assert len(names) == len(set(names)), path.name
            for name in names:
                if name.endswith((".xml", ".rels")):
                    etree.fromstring(z.read(name))
            with_metadata += "xl/metadata.xml" in zipfile.ZipFile(path).namelist()
        again = read_workbook(out)
        assert [str(again.sheet(sheet.name).cached[k]) for k in keys] == ["#CALC!", "#SPILL!"], \
            path.name
        for s in again.sheets:
            now = {**s.values, **s.cached}
            for k, v in before[s.name].items():
                if not (s.name == sheet.name and k in keys):
                    assert str(now.get(k)) == v, (path.name, s.name, k)
        checked += 1
    assert checked >= 100 and with_metadata >= 15, (checked, with_metadata)


def test_a_strict_workbook_gets_plain_value_errors(tmp_path):
    # Strict Open XML names other namespaces, and Excel writes no rich values in it: the new
    # error is plain #VALUE!, and no part is added.
    def strict(name, data):
        if name.endswith(".xml") and name != "[Content_Types].xml":
            data = data.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                b"http://purl.oclc.org/ooxml/spreadsheetml/main").replace(
                b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                b"http://purl.oclc.org/ooxml/officeDocument/relationships")
        return data
    src = rezip(_book(tmp_path / "t.xlsx"), tmp_path / "strict.xlsx", strict)
    out = tmp_path / "out.xlsx"
    recalc_file(src, out)
    c1 = _cell(_part(out, "xl/worksheets/sheet1.xml"), "C1")
    assert "<v>#VALUE!</v>" in c1 and "vm=" not in c1
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
    assert read_workbook(out).sheet("KPI").cached[(1, 4)] == 300


def test_a_part_the_content_types_name_already_is_not_named_twice(tmp_path):
    # A package whose content types still name a metadata part it no longer holds.
    def named(name, data):
        if name == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/metadata.xml" ContentType='
                                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                b'sheetMetadata+xml"/></Types>')
        return data
    src = rezip(_book(tmp_path / "t.xlsx"), tmp_path / "named.xlsx", named)
    out = tmp_path / "out.xlsx"
    recalc_file(src, out)
    assert _part(out, "[Content_Types].xml").count('PartName="/xl/metadata.xml"') == 1
    assert str(read_workbook(out).sheet("KPI").cached[(1, 3)]) == "#CALC!"
