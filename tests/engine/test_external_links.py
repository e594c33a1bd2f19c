"""References to other workbooks ([1]Sheet1!A1) read the values Excel cached in
xl/externalLinks/externalLinkN.xml, as Excel does while the other workbook is closed."""
from __future__ import annotations

import zipfile

import openpyxl

from kpi_xl.engine import recalc_file

CT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WB = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Report" sheetId="1" r:id="rId1"/></sheets>
<externalReferences><externalReference r:id="rId2"/></externalReferences>
</workbook>"""
WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/>
</Relationships>"""
LINK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<externalBook r:id="rId1"><sheetNames><sheetName val="Data"/><sheetName val="月度 数据"/></sheetNames>
<sheetDataSet>
<sheetData sheetId="0"><row r="1"><cell r="A1"><v>40</v></cell><cell r="B1" t="str"><v>agent A</v></cell></row>
<row r="2"><cell r="A2"><v>2.5</v></cell><cell r="B2" t="e"><v>#N/A</v></cell></row></sheetData>
<sheetData sheetId="1"><row r="3"><cell r="C3" t="b"><v>1</v></cell></row></sheetData>
</sheetDataSet></externalBook></externalLink>"""
LINK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="file:///C:/kpi/source.xlsx" TargetMode="External"/>
</Relationships>"""
FORMULAS = ["[1]Data!A1*2", "SUM([1]Data!A1:A2)", "[1]Data!B1", "ISNA([1]Data!B2)",
            "'[1]月度 数据'!C3", "[1]Data!Z9+1", "[2]Data!A1", "[1]Other!A1", "SHEETS()"]


def _sheet(formulas=FORMULAS):
    cells = "".join(f'<row r="{i}"><c r="A{i}"><f>{f.replace("&", "&amp;")}</f><v>0</v></c></row>'
                    for i, f in enumerate(formulas, start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{cells}</sheetData></worksheet>")


def _linked_book(src, link, link_rels, formulas=FORMULAS):
    """A one-sheet workbook "Report" holding ``formulas`` in A1 down, linked to one other
    workbook whose cached part is ``link``."""
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", _sheet(formulas))
        z.writestr("xl/externalLinks/externalLink1.xml", link)
        z.writestr("xl/externalLinks/_rels/externalLink1.xml.rels", link_rels)
    return src


def test_external_references_read_the_cached_values(tmp_path):
    src = _linked_book(tmp_path / "linked.xlsx", LINK, LINK_RELS)
    res = recalc_file(src, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Report"]
    got = [ws[f"A{i}"].value for i in range(1, len(FORMULAS) + 1)]
    assert got == [80, 42.5, "agent A", True, True, 1, "#REF!", "#REF!", 1]
    # the linked workbook's sheets are not written into the output
    assert set(openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames) == {"Report"}
    assert res.errors == {"Report!A7": "#REF!", "Report!A8": "#REF!"}


# Excel could not open the linked workbook at its last refresh (xlPathMissing) and kept no
# copy of the sheet (refreshError="1", no rows): it shows #REF! for every cell read from it.
# Two workbooks saved by Excel with such a link (from two unrelated projects) cache #REF!
# for =[1]Sheet!A1; a sheet that kept cells still gives them.
FAILED_LINK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<externalBook r:id="rId1"><sheetNames><sheetName val="Data"/><sheetName val="Kept"/></sheetNames>
<sheetDataSet><sheetData sheetId="0" refreshError="1"/>
<sheetData sheetId="1" refreshError="1"><row r="1"><cell r="A1"><v>7</v></cell></row></sheetData>
</sheetDataSet></externalBook></externalLink>"""
FAILED_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/xlExternalLinkPath/xlPathMissing" Target="Data" TargetMode="External"/>
</Relationships>"""


def test_a_sheet_whose_link_failed_to_refresh_gives_ref_errors(tmp_path):
    formulas = ["[1]Data!A1", "[1]Data!A1+1", "SUM([1]Data!A1:B2)", "[1]Kept!A1", "[1]Kept!B2"]
    src = _linked_book(tmp_path / "broken_link.xlsx", FAILED_LINK, FAILED_RELS, formulas)
    recalc_file(src, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Report"]
    assert [ws[f"A{i}"].value for i in range(1, 6)] == ["#REF!", "#REF!", "#REF!", 7, 0]


# Excel keeps a linked workbook's defined names with the link (<definedNames>, a sheet's own
# names with its sheetId) and reads [1]!Name and [1]Sheet!Name through them into the cached
# cells: Apache POI's Excel-saved 56737 workbooks cache 142 and "Test A1" for such names.
NAMED_LINK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<externalBook r:id="rId1"><sheetNames><sheetName val="Uses"/><sheetName val="月 Data"/></sheetNames>
<definedNames><definedName name="Total" refersTo="='月 Data'!$B$2"/>
<definedName name="Local" refersTo="='月 Data'!$A$1" sheetId="1"/>
<definedName name="Span" refersTo="='月 Data'!$B$2:$B$3"/></definedNames>
<sheetDataSet><sheetData sheetId="1"><row r="1"><cell r="A1" t="str"><v>agent A</v></cell></row>
<row r="2"><cell r="B2"><v>142</v></cell></row><row r="3"><cell r="B3"><v>8</v></cell></row></sheetData>
</sheetDataSet></externalBook></externalLink>"""


def test_names_of_a_linked_workbook_read_its_cached_cells(tmp_path):
    formulas = ["[1]!Total", "'[1]月 Data'!Local", "SUM([1]!Span)", "[1]!Nope", "[1]!Total*2"]
    src = _linked_book(tmp_path / "named_link.xlsx", NAMED_LINK, LINK_RELS, formulas)
    recalc_file(src, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Report"]
    assert [ws[f"A{i}"].value for i in range(1, 6)] == [142, "agent A", 150, "#REF!", 284]
