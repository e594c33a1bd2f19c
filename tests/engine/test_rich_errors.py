"""Excel saves the errors older versions lack (#SPILL!, #CALC!, ...) as #VALUE! with value
metadata pointing at a rich value of structure _error, errorType = ERROR.TYPE - 1 (Excel-
saved workbooks of the oracle corpus: errorType 13 where ERROR.TYPE reads 14, #CALC!, and 8
where it reads 9, #SPILL!).  The decoder reads that chain; empty arrays are #CALC!."""
from __future__ import annotations

import pytest
from lxml import etree

from kpi_xl.engine.richerrors import rich_errors
from tests.engine.one_cell import ev

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RD = 'xmlns="http://schemas.microsoft.com/office/spreadsheetml/2017/richdata"'
PARTS = {
    "xl/metadata.xml": f'''<metadata {NS} xmlns:xlrd="http://schemas.microsoft.com/office/spreadsheetml/2017/richdata">
<metadataTypes count="2"><metadataType name="XLDAPR"/><metadataType name="XLRICHVALUE"/></metadataTypes>
<futureMetadata name="XLRICHVALUE" count="2"><bk><extLst><ext><xlrd:rvb i="0"/></ext></extLst></bk>
<bk><extLst><ext><xlrd:rvb i="1"/></ext></extLst></bk></futureMetadata>
<valueMetadata count="3"><bk><rc t="2" v="0"/></bk><bk><rc t="2" v="1"/></bk><bk><rc t="1" v="0"/></bk></valueMetadata></metadata>''',
    "xl/richData/rdrichvalue.xml": f'<rvData {RD} count="2"><rv s="0"><v>13</v><v>3</v></rv>'
                                   '<rv s="1"><v>0</v><v>8</v><v>2</v><v>1</v></rv></rvData>',
    "xl/richData/rdrichvaluestructure.xml": f'<rvStructures {RD} count="2"><s t="_error">'
        '<k n="errorType" t="i"/><k n="subType" t="i"/></s><s t="_error"><k n="colOffset" t="i"/>'
        '<k n="errorType" t="i"/><k n="rwOffset" t="i"/><k n="subType" t="i"/></s></rvStructures>',
}


def test_rich_errors_are_decoded_by_their_structure():
    def read(part):
        return etree.fromstring(PARTS[part].encode()) if part in PARTS else None
    # vm 1 -> rich value 0 (#CALC!); vm 2 -> rich value 1, errorType in its second key
    # (#SPILL!); vm 3 is of another metadata type: no error
    assert rich_errors(read) == {1: "#CALC!", 2: "#SPILL!"}
    assert rich_errors(lambda part: None) == {}


@pytest.mark.parametrize("formula", [
    "_xlfn.DROP({1;2;3},3)", "_xlfn.DROP({1;2;3},-7)", "_xlfn.DROP({1;2;3},1,1)",
    "_xlfn.TAKE({1;2;3},0)", "_xlfn._xlws.FILTER({1;2;3},{1;2;3}>10)", "_xlfn.SEQUENCE(0,0)",
    "_xlfn.SEQUENCE(0.3)",
])
def test_an_empty_array_is_calc(formula):
    assert str(ev(formula)) == "#CALC!"


@pytest.mark.parametrize("formula, expected", [
    ("INDEX(_xlfn.DROP({1;2;3;4;5;6;7},3.4),1)", 4), ("ROWS(_xlfn.DROP({1;2;3;4;5;6;7},6.2))", 1),
    ("INDEX(_xlfn.DROP({1;2;3;4;5;6;7},-2),5)", 5), ("ROWS(_xlfn.TAKE({1;2;3},-5))", 3),
    ("INDEX(_xlfn.TAKE({1;2;3},-1),1)", 3), ("_xlfn._xlws.FILTER({1;2;30;4},{1;2;30;4}>10)", 30),
    ('_xlfn._xlws.FILTER({1;2;3},{1;2;3}>10,"none")', "none"),
    ("SUM(_xlfn._xlws.FILTER({1,2,3},{1,0,1}))", 4), ("_xlfn.SEQUENCE(-1)", "#VALUE!"),
])
def test_take_drop_filter(formula, expected):
    got = ev(formula)
    assert (str(got) if isinstance(expected, str) and expected.startswith("#") else got) == expected


def test_a_constant_rich_error_is_read_as_the_error_excel_shows(tmp_path):
    import zipfile

    import openpyxl

    from kpi_xl.engine import recalc_file
    src = tmp_path / "rich.xlsx"
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}><sheetData>'
             '<row r="1"><c r="A1" t="e" vm="1"><v>#VALUE!</v></c><c r="B1"><f>ERROR.TYPE(A1)</f><v>0</v></c></row>'
             '<row r="2"><c r="A2" t="e" vm="2"><v>#VALUE!</v></c><c r="B2"><f>ERROR.TYPE(A2)</f><v>0</v></c></row>'
             '<row r="3"><c r="A3" t="e"><v>#VALUE!</v></c><c r="B3"><f>ERROR.TYPE(A3)</f><v>0</v></c></row>'
             '</sheetData></worksheet>')
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
                   '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://'
                   'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
                   '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml",
                   f'<workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://'
                   'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
                   '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for part, text in PARTS.items():
            z.writestr(part, text)
    recalc_file(src, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["S"]
    # ERROR.TYPE: #CALC! is 14, #SPILL! 9, a plain #VALUE! 3
    assert [ws[f"B{r}"].value for r in (1, 2, 3)] == [14, 9, 3]
