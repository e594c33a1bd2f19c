"""Sheets listed without a part: Excel 5 module and dialog sheets, whose content lives in the
VBA project, are written by Excel as ``<sheet ... r:id=""/>``.  Such a sheet keeps its place
in the sheet order (``localSheetId``, SHEET(), SHEETS(), 3-D references count it) but has no
cells; a relationship id that is not found, or a missing part, is still a damaged package.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from kpi_xl.cli import main
from kpi_xl.engine.recalc import recalc_file
from kpi_xl.engine.xlsx_read import WorkbookReadError, read_workbook

ORACLE = Path("/work/oracles2/files/closedxml__tdf111974.xlsm")
# openpyxl declares the relationships namespace on each sheet element, so this one does too.
MODULE = ('<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
          'name="Module1" sheetId="9" state="veryHidden" r:id=""/>')


def _edit_workbook_xml(src: Path, dst: Path, edit) -> Path:
    """Copy the package ``src`` to ``dst`` with xl/workbook.xml passed through ``edit``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = edit(data.decode()).encode()
            zout.writestr(item, data)
    return dst


def build(tmp_path: Path, extra: dict | None = None) -> Path:
    """Data, then the module sheet, then Calc; ``rate`` is 10 for the workbook and 3 on Calc."""
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    data["A1"] = 10
    data["B1"] = 1
    data["C1"] = "=rate*2"          # the workbook's rate: 20
    calc = wb.create_sheet("Calc")
    calc["A1"] = 3
    calc["B1"] = 2
    calc["C1"] = "=rate*2"          # Calc's own rate: 6
    calc["C2"] = "=SHEETS()"        # Data, Module1, Calc: 3
    calc["C3"] = "=SHEET()"         # Calc is the third sheet: 3
    calc["C4"] = "=SUM(Data:Calc!B1)"   # 1 + nothing on Module1 + 2: 3
    calc["C5"] = '=SHEET("Calc")'   # 3
    for cell, text in (extra or {}).items():
        calc[cell] = text
    wb.defined_names["rate"] = DefinedName("rate", attr_text="Data!$A$1")
    calc.defined_names["rate"] = DefinedName("rate", attr_text="Calc!$A$1")
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)

    def edit(xml: str) -> str:
        # openpyxl scopes Calc's rate to localSheetId 1; with the module sheet before it Calc
        # is sheet 2 (counting from 0), as Excel would write it.
        assert 'localSheetId="1"' in xml
        xml = xml.replace('localSheetId="1"', 'localSheetId="2"')
        first, rest = re.match(r"(.*?<sheet [^>]*/>)(.*)", xml, re.S).groups()
        return first + MODULE + rest

    return _edit_workbook_xml(plain, tmp_path / "module.xlsx", edit)


def test_the_module_sheet_keeps_its_place_without_cells(tmp_path):
    data = read_workbook(build(tmp_path))
    assert data.sheet_names == ["Data", "Module1", "Calc"]
    module = data.sheet("Module1")
    assert module.part is None and module.state == "veryHidden"
    assert module.values == {} and module.formulas == {}
    scoped = [n for n in data.defined_names if n.local_sheet_id is not None]
    assert [(n.name, n.scope) for n in scoped] == [("rate", "Calc")]


def test_recalc_writes_the_right_values(tmp_path, capsys):
    src = build(tmp_path)
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    out = capsys.readouterr().out
    # Only the 3-D reference spans it (as blank, as in Excel): that cell alone is named.
    assert ("sheet 'Module1' is a module or dialog sheet kept in the VBA project, without "
            "cells; read as blank by Calc!C4\n") in out
    written = tmp_path / "out" / "module.xlsx"
    got = openpyxl.load_workbook(written, data_only=True)
    assert got["Data"]["C1"].value == 20
    calc = got["Calc"]
    assert calc["C1"].value == 6
    # Excel's SHEETS() counts every sheet, very hidden ones too (its documentation).
    assert calc["C2"].value == 3
    assert calc["C3"].value == 3
    assert calc["C4"].value == 3
    assert calc["C5"].value == 3
    # The workbook's sheet list is copied as it was, the module sheet with it.
    with zipfile.ZipFile(written) as z:
        assert MODULE in z.read("xl/workbook.xml").decode()


def test_values_only_copy_steps_over_it(tmp_path):
    src = build(tmp_path)
    recalc_file(src, tmp_path / "values.xlsx", values_only=True)
    got = openpyxl.load_workbook(tmp_path / "values.xlsx")
    assert got["Calc"]["C1"].value == 6
    assert got["Calc"]["C2"].value == 3


def test_the_summary_names_it_when_a_formula_reads_it(tmp_path, capsys):
    src = build(tmp_path, {"D1": "=Module1!A1", "D2": "='Module1'!B2+1"})
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert ("sheet 'Module1' is a module or dialog sheet kept in the VBA project, without "
            "cells; read as blank by Calc!D1, Calc!D2") in out


@pytest.mark.parametrize("rid, sentence", [
    ("rId99", "lists sheet 'Module1' without a relationship to its part; the package is damaged."),
])
def test_an_id_not_found_is_still_refused(tmp_path, rid, sentence):
    src = build(tmp_path)
    bad = _edit_workbook_xml(src, tmp_path / "bad.xlsx",
                             lambda xml: xml.replace('r:id=""', f'r:id="{rid}"'))
    with pytest.raises(WorkbookReadError) as exc:
        read_workbook(bad)
    assert sentence in str(exc.value)


def test_a_missing_part_is_still_refused(tmp_path):
    src = build(tmp_path)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            if item.filename != "xl/worksheets/sheet2.xml":
                zout.writestr(item, zin.read(item.filename))
    with pytest.raises(WorkbookReadError) as exc:
        read_workbook(bad)
    assert ("lists sheet 'Calc' but its part xl/worksheets/sheet2.xml is missing from the "
            "package") in str(exc.value)


@pytest.mark.skipif(not ORACLE.exists(), reason="the enlarged oracle corpus is not here")
def test_the_excel_saved_workbook_is_computed_and_written(tmp_path):
    data = read_workbook(ORACLE)
    assert [s.name for s in data.sheets if s.part is None] == ["Roll weeks macro", "Module1"]
    # localSheetId 8 is 'OP LTR' only when both module sheets are counted.
    areas = {n.scope: n.text for n in data.defined_names if n.name == "_xlnm.Print_Area"}
    assert areas == {"OP LTR": "'OP LTR'!$A$1:$C$56", "OP PLAN": "'OP PLAN'!$A$2:$CA$123"}
    out = tmp_path / "out.xlsm"
    res = recalc_file(ORACLE, out)
    assert res.cells > 0 and res.partless_read == {}
    assert openpyxl.load_workbook(out, keep_vba=True).sheetnames[-1] == "17 CY Downweeks"


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_written_file(tmp_path):
    src = build(tmp_path)
    out = tmp_path / "out.xlsx"
    recalc_file(src, out)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "csv", "--outdir", str(tmp_path / "csv"), str(out)],
                   check=True, capture_output=True, timeout=120)
    assert (tmp_path / "csv" / "out.csv").read_text().splitlines()[0] == "10,1,20"
