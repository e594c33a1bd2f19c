"""WPS Office's pictures in cells (嵌入单元格图片) survive a recalculation.

WPS writes a picture placed in a cell as the formula ``=_xlfn.DISPIMG("ID_…",1)``, with the
picture in ``xl/cellimages.xml`` and the formula's own text cached as the cell's value
(``=DISPIMG("ID_…",1)``). Excel has no such function, and no calculation gives a picture.
So the cell is left exactly as WPS wrote it, and WPS still shows the photo. It is not
reported as an unknown function, and the rest of the sheet is computed as usual.
"""
from __future__ import annotations

import re
import zipfile

import openpyxl

from kpi_xl.engine import recalc_file
from kpi_xl.engine.xlsx_read import read_workbook
from tests.engine.xlsx_raw import rezip

CELL_IMAGES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<etc:cellImages xmlns:xdr="http://'
    'schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:r="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships" xmlns:a="http://schemas.openxmlformats'
    '.org/drawingml/2006/main" xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData">'
    '<etc:cellImage><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="ID_A1"/><xdr:cNvPicPr/>'
    '</xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/></xdr:blipFill><xdr:spPr/></xdr:pic>'
    '</etc:cellImage></etc:cellImages>')
CELL_IMAGES_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
    'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
    '//schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/'
    'image1.png"/></Relationships>')
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def _wps_book(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客服"
    ws.append(["工号", "姓名", "照片", "销售额", "提成"])
    ws.append(["K001", "小王", '=_xlfn.DISPIMG("ID_A1",1)', 12000, "=D2*0.01"])
    ws.append(["K002", "小李", '=_xlfn.DISPIMG("ID_B2",1)', 8000, "=D3*0.01"])
    ws.append(["", "合计", "", "=SUM(D2:D3)", "=SUM(E2:E3)"])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)

    def wps(name, data):
        if name == "xl/worksheets/sheet1.xml":
            # WPS caches the formula's text; C3's picture has no cached value at all
            data = re.sub(rb'<c r="C2"([^>]*)><f>(_xlfn\.DISPIMG\("ID_A1",1\))</f><v\s*/?>'
                          rb'(?:</v>)?</c>',
                          rb'<c r="C2"\1 t="str"><f>\2</f><v>=DISPIMG("ID_A1",1)</v></c>',
                          data)
            assert b'<v>=DISPIMG("ID_A1",1)</v>' in data
        elif name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", (
                b'<Relationship Id="rId99" Type="http://www.wps.cn/officeDocument/2020/'
                b'cellImage" Target="cellimages.xml"/></Relationships>'))
        elif name == "[Content_Types].xml":
            data = data.replace(b"</Types>", (
                b'<Default Extension="png" ContentType="image/png"/><Override PartName='
                b'"/xl/cellimages.xml" ContentType="application/vnd.wps-officedocument.'
                b'cellimage+xml"/></Types>'))
        return data
    return rezip(plain, tmp_path / "wps.xlsx", wps, add=[
        ("xl/cellimages.xml", CELL_IMAGES), ("xl/_rels/cellimages.xml.rels", CELL_IMAGES_RELS),
        ("xl/media/image1.png", PNG)])


def _cell(path, ref):
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    m = re.search(r'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref, xml)
    return m.group(0) if m else None


def test_wps_pictures_are_left_as_wps_wrote_them(tmp_path):
    src = _wps_book(tmp_path)
    before = src.read_bytes()
    out = tmp_path / "out.xlsx"
    res = recalc_file(src, out)
    assert src.read_bytes() == before
    # no unknown function, no error cell: the pictures are not failures
    assert not res.unknown_functions and not res.errors, (res.unknown_functions, res.errors)
    # the picture cells are byte for byte what WPS wrote
    for ref in ("C2", "C3"):
        assert _cell(out, ref) == _cell(src, ref)
    assert '<v>=DISPIMG("ID_A1",1)</v>' in _cell(out, "C2")
    # the pictures and their wiring are untouched
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        for part in ("xl/cellimages.xml", "xl/_rels/cellimages.xml.rels", "xl/media/image1.png",
                     "[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
            assert a.read(part) == b.read(part), part
    # and the rest of the sheet is computed: 1 % of the sales, by hand
    cached = read_workbook(out).sheet("客服").cached
    assert cached[(2, 5)] == 120 and cached[(3, 5)] == 80
    assert cached[(4, 4)] == 20000 and cached[(4, 5)] == 200


def test_a_picture_inside_a_formula_is_kept_too(tmp_path):
    # =IF(D2>0,DISPIMG(...),"") cannot be computed either: the cell keeps WPS's value.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 5
    ws["B1"] = '=IF(A1>0,_xlfn.DISPIMG("ID_A1",1),"")'
    ws["C1"] = '="DISPIMG(" & A1'   # the name inside a text is no call
    wb.save(tmp_path / "in.xlsx")
    res = recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert not res.unknown_functions and not res.errors
    assert _cell(tmp_path / "out.xlsx", "B1") == _cell(tmp_path / "in.xlsx", "B1")
    assert read_workbook(tmp_path / "out.xlsx").sheets[0].cached[(1, 3)] == "DISPIMG(5"


def test_an_excel_image_function_cell_is_left_as_excel_wrote_it(tmp_path):
    # Excel caches IMAGE(url)'s picture as a rich value (#VALUE! with vm=): no engine can
    # compute a picture, so the cell stays as Excel wrote it, and IMAGE is no unknown function.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 3
    ws["B1"] = '=_xlfn.IMAGE("https://example.com/agent.png")'
    ws["C1"] = "=A1*2"
    wb.save(tmp_path / "plain.xlsx")

    def excel(name, data):
        if name == "xl/worksheets/sheet1.xml":
            data = re.sub(rb'<c r="B1"([^>]*)><f>([^<]*)</f><v\s*/?>(?:</v>)?</c>',
                          rb'<c r="B1"\1 t="e" vm="1"><f>\2</f><v>#VALUE!</v></c>', data)
            assert b'vm="1"' in data
        return data
    src = rezip(tmp_path / "plain.xlsx", tmp_path / "image.xlsx", excel)
    res = recalc_file(src, tmp_path / "out.xlsx")
    assert not res.unknown_functions and not res.errors
    assert _cell(tmp_path / "out.xlsx", "B1") == _cell(src, "B1")
    assert read_workbook(tmp_path / "out.xlsx").sheets[0].cached[(1, 3)] == 6
