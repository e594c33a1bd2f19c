"""Cells whose value only a data connection can give (OLAP cube functions, RTD, fields of
linked data types): the recalculation keeps the value Excel cached, computes the cells that
read them from it, names them in the summary, and never invents a value (no cached value:
#N/A, said in the summary)."""
from __future__ import annotations

import re
import zipfile

import openpyxl

from kpi_xl.cli import main
from kpi_xl.engine.connection import connection_functions
from kpi_xl.engine.recalc import recalc_file

CONN = '"xlextdat9 Adventure Works DW Adventure Works"'


def _with_cached(path, cached):
    """Give formula cells the values Excel would have cached (openpyxl writes none)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                for a1, (t, v) in cached.items():
                    xml, n = re.subn(rf'<c r="{a1}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?',
                                     lambda m: f'<c r="{a1}"{m.group(1)}{t}><f>{m.group(2)}</f><v>{v}</v>',
                                     xml)
                    assert n == 1, a1
                data = xml.encode()
            zout.writestr(item, data)
    tmp.replace(path)


def build(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cube"
    ws["A1"] = f'=CUBEMEMBER({CONN},"[Measures].[Sales Amount]")'
    ws["A2"] = f'=CUBEVALUE({CONN},"[Product].[Accessories]",A1)'
    ws["A3"] = "=A2*2"
    ws["A4"] = '=RTD("xl.rtd",,"price")'
    ws["A5"] = '=IF(A1="CUBEVALUE(",1,2)'
    src = tmp_path / "cube.xlsx"
    wb.save(src)
    _with_cached(src, {"A1": (' t="str"', "Sales Amount"), "A2": ("", "1272057.8877997734"),
                       "A3": ("", "0")})
    return src


def test_values_from_a_connection_are_kept_and_used(tmp_path):
    src = build(tmp_path)
    res = recalc_file(src, tmp_path / "out.xlsx")
    got = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Cube"]
    assert got["A1"].value == "Sales Amount"
    assert got["A2"].value == 1272057.8877997734
    assert got["A3"].value == 1272057.8877997734 * 2  # computed from the kept value
    assert got["A5"].value == 2                       # the name in a string is no call
    assert set(res.kept_from_file) == {"Cube!A1", "Cube!A2", "Cube!A4"}
    assert res.kept_from_file["Cube!A4"] == (["RTD"], False)
    assert res.unknown_functions == {}


def test_the_summary_names_them(tmp_path, capsys):
    src = build(tmp_path)
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "kept from the file: needs a data connection (CUBEMEMBER, CUBEVALUE, RTD), 3 cells" in out
    assert "1 had no value in the file and show #N/A: Cube!A4" in out


def test_which_calls_need_a_connection():
    assert connection_functions('_FV(A9,"High")') == ["_FV"]
    assert connection_functions("_xlfn.CUBESETCOUNT(A1)+RTD(1,,2)") == ["CUBESETCOUNT", "RTD"]
    assert connection_functions("FV(0.1,2,3)") == []            # the financial FV is computed
    assert connection_functions('"CUBEVALUE("&A1') == []
