"""The reader does not hold a sheet's bytes beside its cells (issue 13).

A sheet of 40,000 formula rows is some 4.5 MB of XML.  Read with the package's inflating
pieces made small, the reader's peak of Python memory stays within a few MB of what it
keeps (the cells): before, the whole sheet's bytes were held until its last cell was
filed, a peak above the kept data by at least the size of the XML.
"""
import tracemalloc
import zipfile

from kpi_xl.engine import package
from kpi_xl.engine.xlsx_read import read_workbook

ROWS = 40_000
WORKBOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/{kind}" Target="{target}"/></Relationships>')


def _sheet_xml(rows):
    out = ['<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetData>']
    for r in range(1, rows + 1):
        f = f'<f t="shared" ref="B1:B{rows}" si="0">A1*2</f>' if r == 1 else '<f t="shared" si="0"/>'
        out.append(f'<row r="{r}" spans="1:2"><c r="A{r}"><v>{r}</v></c>'
                   f'<c r="B{r}">{f}<v>{2 * r}</v></c></row>')
    out.append("</sheetData></worksheet>")
    return "".join(out).encode()


def test_the_sheet_bytes_are_let_go_while_its_cells_are_filed(tmp_path, monkeypatch):
    xml = _sheet_xml(ROWS)
    assert len(xml) > 4 << 20
    path = tmp_path / "rows.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_rels/.rels", RELS.format(kind="officeDocument", target="xl/workbook.xml"))
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS.format(kind="worksheet",
                                                             target="worksheets/sheet1.xml"))
        z.writestr("xl/worksheets/sheet1.xml", xml)
    del xml
    monkeypatch.setattr(package, "_INFLATE_CHUNK", 256 << 10)
    tracemalloc.start()
    try:
        data = read_workbook(path)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    sheet = data.sheets[0]
    # worked from the rows written above: B7 is the master A1*2 moved down six rows
    assert sheet.formulas[(7, 2)] == "A7*2" and sheet.cached[(7, 2)] == 14.0
    assert sheet.values[(ROWS, 1)] == ROWS and len(sheet.formulas) == ROWS
    assert peak - kept < 3 << 20, (peak - kept) / 2**20
