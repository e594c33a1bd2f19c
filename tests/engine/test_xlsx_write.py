"""Writing recalculated values back into real workbooks.

Workbooks are built with openpyxl (formulas, styles, number formats, merged
cells, validation, conditional formatting, names, a chart, a picture, comments,
column widths, two sheets) or taken from the Excel-saved oracle files (VBA,
shared and array formulas).  Values written are worked by hand; they are read
back by openpyxl, pandas and LibreOffice, and every zip member other than the
edited sheets is compared byte for byte with the source.
"""

import csv
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from kpi_xl.core.errors import CellError
from kpi_xl.engine.xlsx_read import read_workbook
from kpi_xl.engine.xlsx_write import WorkbookWriteError, format_number, write_values

ORACLES = Path(__file__).resolve().parents[2].parent / "shared" / "oracles" / "files"
if not ORACLES.is_dir():  # a clone: the tier-A files kept in the repository
    ORACLES = Path(__file__).resolve().parents[1] / "fixtures" / "oracles" / "files"


def oracle(name):
    path = ORACLES / name
    if not path.exists():
        pytest.skip(f"{name} is not in shared/oracles")
    return path


# --------------------------------------------------------------------------- building a workbook


def tiny_png(width=4, height=3):
    """A valid RGB PNG made with zlib alone."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\0" + bytes(v for x in range(width) for v in (40 * x, 200, 90 * y % 256))
                    for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


PICTURE = (
    '<oneCellAnchor><from><col>8</col><colOff>0</colOff><row>1</row><rowOff>0</rowOff></from>'
    '<ext cx="381000" cy="285750"/><pic><nvPicPr><cNvPr id="7" name="Logo"/><cNvPicPr/></nvPicPr>'
    '<blipFill><a:blip xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:embed="rIdPng"/>'
    '<a:stretch xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:fillRect/>'
    '</a:stretch></blipFill><spPr><a:prstGeom xmlns:a="http://schemas.openxmlformats.org/drawingml'
    '/2006/main" prst="rect"><a:avLst/></a:prstGeom></spPr></pic><clientData/></oneCellAnchor>')


def add_picture(path):
    """Put a PNG into the sheet's drawing (openpyxl needs Pillow to do it itself)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info).decode()
            if info.filename == "xl/drawings/drawing1.xml":
                data = data.replace("</wsDr>", PICTURE + "</wsDr>")
            elif info.filename == "xl/drawings/_rels/drawing1.xml.rels":
                data = data.replace("</Relationships>", '<Relationship Id="rIdPng" Type="http://'
                                    'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                    'image" Target="/xl/media/image1.png"/></Relationships>')
            elif info.filename == "[Content_Types].xml":
                data = data.replace("<Default ", '<Default Extension="png" ContentType="image/png"'
                                    '/><Default ', 1)
            zout.writestr(info.filename, data)
        zout.writestr("xl/media/image1.png", tiny_png())
    tmp.replace(path)


def build_feature_book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scores"
    for i, score in enumerate([10, 20, 30, 40, 50], start=1):
        ws.cell(i, 1, score)
        ws.cell(i, 2, f"=A{i}*2")
        ws.cell(i, 3, f"=B{i}/400")
        ws.cell(i, 3).number_format = "0.00%"
    ws["B1"].font = Font(bold=True, color="FF0000")
    ws["B2"].fill = PatternFill("solid", fgColor="FFFF00")
    ws.merge_cells("E1:F2")
    ws["E1"] = "Merged title"
    dv = DataValidation(type="list", formula1='"A,B,C"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("G1:G10")
    ws.conditional_formatting.add("B1:B5", CellIsRule(operator="greaterThan", formula=["50"],
                                                      fill=PatternFill("solid", fgColor="00FF00")))
    ws.column_dimensions["B"].width = 25
    ws["A1"].comment = Comment("Score from the QA sheet", "Lead")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=5))
    ws.add_chart(chart, "I5")
    wb.defined_names["TopScore"] = DefinedName("TopScore", attr_text="Scores!$B$5")
    summary = wb.create_sheet("Summary")
    summary["A1"] = "=SUM(Scores!B1:B5)"
    summary["A2"] = '="Top: "&"Ann"'
    summary["A3"] = "=A1>100"
    summary["A4"] = "=1/0"
    summary["A5"] = '=""'
    summary["A6"] = "=0.1+0.2"
    summary["B1"] = "constant"
    wb.save(path)
    add_picture(path)
    return path


# Worked by hand from the formulas above: B = A*2, C = B/400, A1 = 20+40+60+80+100.
SCORES = {(1, 2): 20, (2, 2): 40, (3, 2): 60, (4, 2): 80, (5, 2): 100,
          (1, 3): 0.05, (2, 3): 0.1, (3, 3): 0.15, (4, 3): 0.2, (5, 3): 0.25}
SUMMARY = {(1, 1): 300, (2, 1): "Top: Ann", (3, 1): True, (4, 1): CellError("#DIV/0!"),
           (5, 1): None, (6, 1): 0.1 + 0.2}
RESULTS = {"Scores": SCORES, "Summary": SUMMARY}


@pytest.fixture
def feature_book(tmp_path):
    return build_feature_book(tmp_path / "appraisal.xlsx")


def members(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, i.CRC, i.compress_size, i.compress_type, z.read(i))
                for i in z.infolist()]


def without_cells(xml, refs):
    """The sheet XML with the given cells' elements cut out."""
    for ref in refs:
        xml = re.sub(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', b"", xml, flags=re.S)
    return xml


def cell_refs(cells):
    return [openpyxl.utils.get_column_letter(c) + str(r) for r, c in cells]


# --------------------------------------------------------------------------- the main round trip


def test_values_appear_and_everything_else_is_kept(feature_book, tmp_path):
    out = tmp_path / "out.xlsx"
    before = feature_book.read_bytes()
    write_values(feature_book, out, RESULTS)
    assert feature_book.read_bytes() == before

    values = openpyxl.load_workbook(out, data_only=True)
    for (r, c), v in SCORES.items():
        assert values["Scores"].cell(r, c).value == pytest.approx(v)
    s = values["Summary"]
    assert s["A1"].value == 300 and s["A2"].value == "Top: Ann" and s["A3"].value is True
    assert s["A4"].value == "#DIV/0!" and s["A4"].data_type == "e"
    assert s["A6"].value == 0.30000000000000004
    assert s["B1"].value == "constant"

    src = openpyxl.load_workbook(feature_book)
    dst = openpyxl.load_workbook(out)
    for name in ("Scores", "Summary"):
        a, b = src[name], dst[name]
        assert [[c.value for c in row] for row in a.iter_rows()] == \
            [[c.value for c in row] for row in b.iter_rows()]  # the formulas
        def styles(ws):
            return [[(c.number_format, repr(c.font), repr(c.fill), repr(c.border), c.style_id)
                     for c in row] for row in ws.iter_rows()]
        assert styles(a) == styles(b)
    a, b = src["Scores"], dst["Scores"]
    assert b["C2"].number_format == "0.00%" and b["B1"].font.b is True
    assert [str(m) for m in b.merged_cells.ranges] == ["E1:F2"]
    assert [(d.formula1, str(d.sqref)) for d in b.data_validations.dataValidation] == \
        [('"A,B,C"', "G1:G10")]
    assert [str(r.sqref) for r in b.conditional_formatting] == ["B1:B5"]
    assert b.column_dimensions["B"].width == 25
    assert b["A1"].comment.text == "Score from the QA sheet"
    assert len(b._charts) == 1
    assert dst.defined_names["TopScore"].attr_text == "Scores!$B$5"

    before_members = members(feature_book)
    after_members = members(out)
    assert [m[0] for m in before_members] == [m[0] for m in after_members]
    sheet_parts = {"xl/worksheets/sheet1.xml": SCORES, "xl/worksheets/sheet2.xml": SUMMARY}
    for old, new in zip(before_members, after_members):
        if old[0] in sheet_parts:
            refs = cell_refs(sheet_parts[old[0]])
            assert without_cells(old[4], refs) == without_cells(new[4], refs)
            assert old[4] != new[4]
        else:
            assert old == new, old[0]  # same bytes, same compressed stream
    assert any(m[0] == "xl/media/image1.png" and m[4] == tiny_png() for m in after_members)


def test_cell_xml_is_what_excel_writes(feature_book, tmp_path):
    out = tmp_path / "out.xlsx"
    write_values(feature_book, out, RESULTS)
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet2.xml").decode()
    assert '<c r="A1"><f>SUM(Scores!B1:B5)</f><v>300</v></c>' in xml
    assert '<c r="A2" t="str"><f>"Top: "&amp;"Ann"</f><v>Top: Ann</v></c>' in xml
    assert '<c r="A3" t="b"><f>A1&gt;100</f><v>1</v></c>' in xml
    assert '<c r="A4" t="e"><f>1/0</f><v>#DIV/0!</v></c>' in xml
    assert '<c r="A5" t="str"><f>""</f><v></v></c>' in xml
    assert '<c r="A6"><f>0.1+0.2</f><v>0.30000000000000004</v></c>' in xml


def test_pandas_reads_the_values(feature_book, tmp_path):
    out = tmp_path / "out.xlsx"
    write_values(feature_book, out, RESULTS)
    frame = pd.read_excel(out, sheet_name="Scores", header=None)
    assert frame[1].tolist() == [20, 40, 60, 80, 100]
    assert frame[2].tolist() == pytest.approx([0.05, 0.1, 0.15, 0.2, 0.25])
    summary = pd.read_excel(out, sheet_name="Summary", header=None)
    assert summary[0].tolist()[:3] == [300, "Top: Ann", True]
    assert pd.isna(summary[0][3])  # pandas reads error cells as missing values


def test_in_place_write_keeps_permissions(feature_book):
    os.chmod(feature_book, 0o640)
    write_values(feature_book, feature_book, {"Summary": {(1, 1): 300}})
    assert openpyxl.load_workbook(feature_book, data_only=True)["Summary"]["A1"].value == 300
    assert oct(os.stat(feature_book).st_mode & 0o777) == oct(0o640)
    assert [p.name for p in feature_book.parent.iterdir()] == [feature_book.name]


def test_formula_cell_without_cached_value(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 4
    wb.active["B1"] = "=A1^2"
    src = tmp_path / "bare.xlsx"
    wb.save(src)
    with zipfile.ZipFile(src) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>A1^2</f><v></v>", b"<f>A1^2</f>")
                assert b"<f>A1^2</f></c>" in data
            z.writestr(info, data)
    write_values(src, src, {"Sheet": {(1, 2): 16}})
    assert openpyxl.load_workbook(src, data_only=True)["Sheet"]["B1"].value == 16
    assert openpyxl.load_workbook(src)["Sheet"]["B1"].value == "=A1^2"


@pytest.mark.parametrize("value, xml", [
    (3, "<v>3</v>"),
    (3.0, "<v>3</v>"),
    (-0.0, "<v>0</v>"),
    (1e20, "<v>1e+20</v>"),
    (1 / 3, "<v>0.3333333333333333</v>"),
    (float("nan"), '<v>#NUM!</v>'),
    (False, "<v>0</v>"),
    ("a<b & c>d", "<v>a&lt;b &amp; c&gt;d</v>"),
    ("  padded ", '<v xml:space="preserve">  padded </v>'),
    ("bell\x07", "<v>bell_x0007_</v>"),
    ("line\r\nbreak", "<v>line_x000D_\nbreak</v>"),
    ("_x0041_", "<v>_x005F_x0041_</v>"),
    ("", "<v></v>"),
    ("中文 ✓", "<v>中文 ✓</v>"),
])
def test_value_encoding(tmp_path, value, xml):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1"
    src = tmp_path / "one.xlsx"
    wb.save(src)
    write_values(src, src, {"Sheet": {(1, 1): value}})
    with zipfile.ZipFile(src) as z:
        assert xml in z.read("xl/worksheets/sheet1.xml").decode()
    back = read_workbook(src).sheets[0].cached[(1, 1)]
    if isinstance(value, str):
        assert back == value
    elif value == value:  # not NaN
        assert back == value


def test_format_number_round_trips():
    for x in (0.1, 1 / 3, 2 ** 0.5, 1e-300, 123456789.123456789, 45667.99930555555, -2.5):
        assert float(format_number(x)) == x
    assert format_number(10 ** 15) == "1000000000000000"
    assert format_number(7.0) == "7"


# --------------------------------------------------------------------------- Excel-saved files


def test_xlsm_keeps_vba_and_everything_else(tmp_path):
    src = oracle("poi__57181.xlsm")
    book = read_workbook(src)
    sheet = next(s for s in book.sheets if s.formulas)
    anchor = next(iter(sheet.formulas))
    out = tmp_path / "out.xlsm"
    write_values(src, out, {sheet.name: {anchor: 12345.5}})
    old, new = members(src), members(out)
    assert [m[0] for m in old] == [m[0] for m in new]
    changed = [o[0] for o, n in zip(old, new) if o != n]
    assert changed == [sheet.part]
    assert dict((m[0], m[4]) for m in new)["xl/vbaProject.bin"] == \
        dict((m[0], m[4]) for m in old)["xl/vbaProject.bin"]
    wb = openpyxl.load_workbook(out, data_only=True, keep_vba=True)
    assert wb[sheet.name].cell(*anchor).value == 12345.5
    assert wb.vba_archive is not None
    assert read_workbook(out).is_xlsm


def test_shared_formula_members_keep_their_markup(tmp_path):
    src = oracle("ironcalc__ENGINEERING__BESSEL.xlsx")
    before = read_workbook(src)
    sheet = before.sheets[0]
    with zipfile.ZipFile(src) as z:
        xml = z.read(sheet.part)
    member = re.search(rb'<c r="([A-Z]+)([0-9]+)"[^>]*><f t="shared" si="[0-9]+"/>', xml)
    col = openpyxl.utils.column_index_from_string(member.group(1).decode())
    key = (int(member.group(2)), col)
    out = tmp_path / "out.xlsx"
    write_values(src, out, {sheet.name: {key: -42.25}})
    with zipfile.ZipFile(out) as z:
        new_xml = z.read(sheet.part)
    cell = re.search(rb'<c r="' + member.group(1) + member.group(2) + rb'"[^>]*>.*?</c>',
                     new_xml).group(0)
    assert re.search(rb'<f t="shared" si="[0-9]+"/><v>-42.25</v>', cell)
    after = read_workbook(out)
    assert after.sheets[0].formulas == sheet.formulas
    assert openpyxl.load_workbook(out, data_only=True)[sheet.name].cell(*key).value == -42.25


def test_array_members_are_written(tmp_path):
    src = oracle("ironcalc__DynamicArrays.xlsx")
    book = read_workbook(src)
    sheet = book.sheet("ArrayFormulas")
    arr = next(a for a in sheet.arrays.values() if a.bounds[3] > a.bounds[1])
    r1, c1, r2, c2 = arr.bounds
    cells = {(r, c): float(10 * r + c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    out = tmp_path / "out.xlsx"
    write_values(src, out, {sheet.name: cells})
    after = read_workbook(out).sheet("ArrayFormulas")
    for key, v in cells.items():
        assert after.cached[key] == v
    assert after.arrays == sheet.arrays
    ws = openpyxl.load_workbook(out, data_only=True)["ArrayFormulas"]
    assert ws.cell(r2, c2).value == 10 * r2 + c2


def test_values_only_drops_formulas_and_calc_chain(tmp_path):
    src = oracle("ironcalc__ENGINEERING__BESSEL.xlsx")
    book = read_workbook(src)
    sheet = book.sheets[0]
    first = min(sheet.formulas)
    out = tmp_path / "values.xlsx"
    write_values(src, out, {sheet.name: {first: 0.5}}, values_only=True)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        ct = z.read("[Content_Types].xml")
        rels = z.read("xl/_rels/workbook.xml.rels")
        xml = b"".join(z.read(s.part) for s in book.sheets)
    assert "xl/calcChain.xml" not in names and b"calcChain" not in ct + rels
    assert b"<f" not in xml
    after = read_workbook(out)
    assert all(not s.formulas and not s.arrays for s in after.sheets)
    values = after.sheets[0].values
    assert values[first] == 0.5
    for key, cached in sheet.cached.items():
        if key != first and cached is not None:
            if isinstance(cached, float):
                assert values[key] == pytest.approx(cached, rel=1e-15)
            else:  # text and error results compare exactly (approx refuses them)
                assert values[key] == cached and type(values[key]) is type(cached)
    ws = openpyxl.load_workbook(out)[sheet.name]
    assert ws.cell(*first).value == 0.5


def test_values_only_keeps_text_results_as_text(feature_book, tmp_path):
    out = tmp_path / "plain.xlsx"
    write_values(feature_book, out, RESULTS, values_only=True)
    wb = openpyxl.load_workbook(out)
    s = wb["Summary"]
    assert [s.cell(r, 1).value for r in range(1, 5)] == [300, "Top: Ann", True, "#DIV/0!"]
    assert s["A5"].value in ("", None)
    assert wb["Scores"]["B5"].value == 100 and wb["Scores"]["B1"].font.b is True


# --------------------------------------------------------------------------- refusals


def test_refusals_leave_no_trace(feature_book, tmp_path):
    out = tmp_path / "out.xlsx"
    before = feature_book.read_bytes()
    cases = [
        ({"Nope": {(1, 1): 1}}, "has no sheet named 'Nope'"),
        ({"Scores": {(1, 1): 99}}, "has no formula in Scores!A1"),
        ({"Summary": {(40, 9): 1}}, "has no cell Summary!I40"),
        ({"Summary": {(1, 1): object()}}, "cannot take a value of type object"),
    ]
    for values, message in cases:
        with pytest.raises(WorkbookWriteError) as info:
            write_values(feature_book, out, values)
        assert message in str(info.value) and str(info.value).endswith(".")
        assert not out.exists()
        assert feature_book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["appraisal.xlsx"]


def test_source_that_is_not_a_workbook(tmp_path):
    src = tmp_path / "scores.xlsx"
    src.write_text("not a workbook")
    with pytest.raises(WorkbookWriteError, match="not an .xlsx/.xlsm workbook"):
        write_values(src, src, {"Sheet": {(1, 1): 1}})
    assert src.read_text() == "not a workbook"


# --------------------------------------------------------------------------- atomic replace

ROWS = 20000
WRITER = textwrap.dedent(f"""
    import sys
    from kpi_xl.engine.xlsx_write import write_values
    path = sys.argv[1]
    cells = {{(r, 2): float(r) * 3 for r in range(1, {ROWS} + 1)}}
    print("go", flush=True)
    n = 0
    while True:
        n += 1
        write_values(path, path, {{"Big": {{k: v + n for k, v in cells.items()}}}})
""")


def test_kill_mid_write_leaves_input_whole(tmp_path):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Big")
    for r in range(1, ROWS + 1):
        ws.append([r, f"=A{r}*3", f"agent {r}"])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    killed_mid_write = 0
    for delay in (0.2, 0.5, 0.9):
        proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                                env=env)
        assert proc.stdout.readline().strip() == b"go"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        leftovers = list(tmp_path.glob(".big.xlsx.*.tmp"))
        killed_mid_write += bool(leftovers)
        for leftover in leftovers:
            leftover.unlink()  # a killed writer cannot clean up; the input is what matters
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
        data = read_workbook(path).sheet("Big")
        b = {k[0]: v for k, v in data.cached.items() if k[1] == 2}
        assert len(b) == ROWS
        # Every cell from one single write (B = 3r + n for one n), or all still unwritten.
        offsets = {None if v is None else v - 3 * r for r, v in b.items()}
        assert len(offsets) == 1
        assert data.values[(ROWS, 3)] == f"agent {ROWS}"
    assert killed_mid_write >= 1


# --------------------------------------------------------------------------- LibreOffice as a reader


def soffice_csv(path, tmp_path):
    """Every sheet of ``path`` as rows of text, exported by LibreOffice headless."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    outdir = tmp_path / "csv"
    outdir.mkdir(exist_ok=True)
    profile = tmp_path / f"lo_profile_{os.getpid()}"
    # Token 12 = -1: one CSV per sheet, named <file>-<sheet>.csv.
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,"
                    "false,false,false,-1", "--outdir", str(outdir), str(path)],
                   check=True, capture_output=True, timeout=180)
    sheets = {}
    for f in outdir.glob(path.stem + "*.csv"):
        name = f.stem[len(path.stem) + 1:] or "?"
        with open(f, newline="", encoding="utf-8") as fh:
            sheets[name] = list(csv.reader(fh))
    return sheets


@pytest.mark.libreoffice
def test_libreoffice_shows_the_written_values(feature_book, tmp_path):
    out = tmp_path / "out.xlsx"
    # A value no formula here would compute: LibreOffice must show the cached one.
    write_values(feature_book, out, {"Scores": SCORES, "Summary": {**SUMMARY, (1, 1): 301}})
    sheets = soffice_csv(out, tmp_path)
    scores, summary = sheets["Scores"], sheets["Summary"]
    assert [row[1] for row in scores[:5]] == ["20", "40", "60", "80", "100"]
    assert [float(row[2].rstrip("%")) for row in scores[:5]] == [5, 10, 15, 20, 25]
    assert scores[0][4] == "Merged title"
    assert [row[0] for row in summary[:6]] == ["301", "Top: Ann", "TRUE", "#DIV/0!", "", "0.3"]


@pytest.mark.libreoffice
def test_libreoffice_reads_values_only_and_xlsm(tmp_path):
    src = oracle("poi__57181.xlsm")
    book = read_workbook(src)
    sheet = next(s for s in book.sheets if s.formulas and s.state == "visible")
    anchor = min(sheet.formulas)
    out = tmp_path / "plain.xlsm"
    write_values(src, out, {sheet.name: {anchor: 777}}, values_only=True)
    sheets = soffice_csv(out, tmp_path)
    rows = sheets[sheet.name]
    assert rows[anchor[0] - 1][anchor[1] - 1] == "777"


def test_prefixed_namespace_sheet(tmp_path):
    src = oracle("phpspreadsheet__namespacenonstd.xlsx")
    book = read_workbook(src)
    sheet = next(s for s in book.sheets if s.formulas)
    cells = {key: 1000.0 + i for i, key in enumerate(sorted(sheet.formulas))}
    out = tmp_path / "out.xlsx"
    write_values(src, out, {sheet.name: cells})
    with zipfile.ZipFile(out) as z:
        assert b"<x:v>1000</x:v>" in z.read(sheet.part)
    ws = openpyxl.load_workbook(out, data_only=True)[sheet.name]
    assert [ws.cell(*k).value for k in cells] == list(cells.values())
    assert read_workbook(out).sheet(sheet.name).formulas == sheet.formulas


def test_cells_without_r_attributes(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    src = tmp_path / "bare.xlsx"
    wb.save(src)
    rows = (b'<row r="1"><c r="A1"><v>5</v></c><c><f>A1*2</f></c><c><f>B1+1</f><v>0</v></c></row>'
            b'<row><c><v>6</v></c><c r="C2"><f>A2*3</f></c></row>')
    with zipfile.ZipFile(src) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData>" + rows
                              + b"</sheetData>", data, flags=re.S)
            z.writestr(info, data)
    # B1 = 5*2, C1 = B1+1, C2 = 6*3, worked by hand.
    write_values(src, src, {"Sheet": {(1, 2): 10, (1, 3): 11, (2, 3): 18}})
    ws = openpyxl.load_workbook(src, data_only=True)["Sheet"]
    assert [ws["B1"].value, ws["C1"].value, ws["C2"].value] == [10, 11, 18]


def _with_rows(tmp_path, name, rows):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    src = tmp_path / name
    wb.save(src)
    with zipfile.ZipFile(src) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData>" + rows
                              + b"</sheetData>", data, flags=re.S)
            z.writestr(info, data)
    return src


def test_split_edit_matches_the_cell_by_cell_edit(tmp_path, monkeypatch):
    from kpi_xl.engine import xlsx_write
    # Every cell has r=, so the sheet is split at <c r=" and only written cells are
    # touched; cells of unusual shape inside it go through the cell-by-cell edit.
    rows = (b'<row r="1"><c r="A1"><v>5</v></c><c r="B1" s="2"><f>A1*2</f><v></v></c>'
            b'<c r="C1" t="str"><f>"x"&amp;A1</f><v>x5</v></c><c r="D1"><f>A1</f></c>'
            b'<c r="E1" s="1" t="n"><f>A1/2</f><v>2.5</v></c></row>'
            b'<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">A1+1</f><v>6</v></c>'
            b'<c r="B2"><f t="array" ref="B2:B3">A1:A2</f><v>5</v></c>'
            b'<c r="C2" vm="1"><f>A1</f><v>5</v></c><c r="D2" s=\'1\'><f>A1</f><v>5</v></c>'
            b'<c r="E2"><f>A1</f><v>5</v><extLst><ext uri="u"/></extLst></c></row>'
            b'<row r="3"><c r="A3"><f t="shared" si="0"/><v>7</v></c><c r="B3"><v>6</v></c>'
            b'<c r="C3"><f>A1</f><v>5</v></c></row>')
    src = _with_rows(tmp_path, "r.xlsx", rows)
    values = {(1, 2): 10.0, (1, 3): 7, (1, 4): " five ", (1, 5): True, (2, 1): 6.0,
              (2, 2): CellError("#N/A"), (2, 3): 0.1, (2, 4): None, (2, 5): 1e20,
              (3, 1): 7.0, (3, 2): 6.5}   # C3 is left as it was
    used = []
    pieces = xlsx_write._SheetEdit._pieces

    def spy(self, *args):
        used.append(True)
        return pieces(self, *args)
    monkeypatch.setattr(xlsx_write._SheetEdit, "_pieces", spy)
    write_values(src, tmp_path / "split.xlsx", {"Sheet": values})
    assert used
    monkeypatch.setattr(xlsx_write._SheetEdit, "_of_split_form", lambda self, xml, lo, hi: False)
    used.clear()
    write_values(src, tmp_path / "cells.xlsx", {"Sheet": values})
    assert not used
    with zipfile.ZipFile(tmp_path / "split.xlsx") as a, \
            zipfile.ZipFile(tmp_path / "cells.xlsx") as b:
        xml = a.read("xl/worksheets/sheet1.xml")
        assert xml == b.read("xl/worksheets/sheet1.xml")
    # Worked by hand from the XML above.
    assert b'<c r="B1" s="2"><f>A1*2</f><v>10</v></c>' in xml
    assert b'<c r="C1"><f>"x"&amp;A1</f><v>7</v></c>' in xml
    assert b'<c r="D1" t="str"><f>A1</f><v xml:space="preserve"> five </v></c>' in xml
    assert b'<c r="E1" s="1" t="b"><f>A1/2</f><v>1</v></c>' in xml
    assert b'<c r="C2"><f>A1</f><v>0.1</v></c>' in xml   # vm= (old rich value) dropped
    assert b'<c r="E2"><f>A1</f><v>1e+20</v><extLst>' in xml
    assert b'<c r="B3"><v>6.5</v></c>' in xml and b'<c r="C3"><f>A1</f><v>5</v></c>' in xml
    assert b'<c r="A1"><v>5</v></c>' in xml


def test_split_edit_refuses_input_cells_like_the_cell_by_cell_edit(tmp_path):
    rows = (b'<row r="1"><c r="A1"><v>5</v></c><c r="B1"><f>A1*2</f><v>0</v></c></row>')
    src = _with_rows(tmp_path, "r.xlsx", rows)
    before = src.read_bytes()
    with pytest.raises(WorkbookWriteError, match=r"no formula in Sheet!A1"):
        write_values(src, src, {"Sheet": {(1, 1): 1.0, (1, 2): 2.0}})
    with pytest.raises(WorkbookWriteError, match=r"no cell Sheet!C1"):
        write_values(src, src, {"Sheet": {(1, 3): 1.0}})
    assert src.read_bytes() == before


def test_values_only_drops_table_column_formulas(tmp_path):
    # Excel fills a table's calculatedColumnFormula into new rows and flags cells that
    # differ from it: in a copy without formulas the tables lose theirs, nothing else.
    src = oracle("ironcalc__calc_test_no_export__tables.xlsx")
    book = read_workbook(src)
    out = tmp_path / "values.xlsx"
    write_values(src, out, {}, values_only=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out) as zout:
        tables = [n for n in zin.namelist() if n.startswith("xl/tables/")]
        assert sum(zin.read(n).count(b"<calculatedColumnFormula") for n in tables) == 6
        for n in tables:
            before, after = zin.read(n), zout.read(n)
            assert b"calculatedColumnFormula" not in after
            assert re.sub(rb"<calculatedColumnFormula>.*?</calculatedColumnFormula>", b"",
                          before, flags=re.S) == after
    after = read_workbook(out)
    assert [t.name for t in after.tables] == [t.name for t in book.tables]
    assert all(c.calculated_formula is None for t in after.tables for c in t.columns)
    assert all(not s.formulas for s in after.sheets)
    openpyxl.load_workbook(out)


def _big_rows(n, odd_row=None):
    """``n`` rows of a varied sheet, several MB of XML, so that it is inflated and edited
    in several pieces: A a number, B =A*2, C a text formula, D a shared formula every 997
    rows in the first 5,000, E a formula cell with an old rich value (vm=) every 1,001
    rows, F a styled cell, G an array formula over the three rows before the last.
    ``odd_row`` gets a cell without r= (a form the cell-at-a-time edit handles)."""
    out = []
    for r in range(1, n + 1):
        cells = [b'<c r="A%d"><v>%d</v></c>' % (r, r),
                 b'<c r="B%d" s="1"><f>A%d*2</f><v>0</v></c>' % (r, r),
                 b'<c r="C%d" t="str"><f>"n"&amp;A%d</f><v>old</v></c>' % (r, r)]
        if r % 997 == 1 and r < 5000:
            cells.append(b'<c r="D%d"><f t="shared" ref="D%d:D%d" si="%d">A%d+1</f><v>0</v></c>'
                         % (r, r, r + 1, r, r))
        elif r % 997 == 2 and r < 5000:
            cells.append(b'<c r="D%d"><f t="shared" si="%d"/><v>0</v></c>' % (r, r - 1))
        if r % 1001 == 0:
            cells.append(b'<c r="E%d" vm="1"><f>A%d</f><v>0</v></c>' % (r, r))
        cells.append(b'<c r="F%d" s="2"/>' % r if r != odd_row else b'<c s="2"/>')
        if r == n - 3:
            cells.append(b'<c r="G%d"><f t="array" ref="G%d:G%d">A%d:A%d</f><v>0</v></c>'
                         % (r, r, r + 2, r, r + 2))
        elif n - 3 < r < n:
            cells.append(b'<c r="G%d"><v>0</v></c>' % r)
        out.append(b'<row r="%d">' % r + b"".join(cells) + b"</row>")
    return b"".join(out)


def _big_values(n):
    # Worked by hand from the formulas above: B = 2r, C = "n" & r, D = r + 1, E = r, G = r.
    values = {}
    for r in range(1, n + 1):
        values[(r, 2)] = 2 * r if r % 3 else float(2 * r) + 0.5   # some non-integral
        values[(r, 3)] = f"n{r}"
        if r % 997 in (1, 2) and r < 5000:
            values[(r, 4)] = r + 1
        if r % 1001 == 0:
            values[(r, 5)] = r
        if n - 3 <= r < n:
            values[(r, 7)] = r
    values[(7, 2)] = CellError("#DIV/0!")
    values[(8, 3)] = " padded "
    return values


@pytest.mark.parametrize("odd_row", [None, 60_000])
def test_a_sheet_streamed_in_pieces_matches_the_whole_sheet_edit(tmp_path, monkeypatch, odd_row):
    from kpi_xl.engine import xlsx_write
    n = 65_000     # about 9 MB of sheet XML: inflated in 4 MB pieces
    src = _with_rows(tmp_path, "big.xlsx", _big_rows(n, odd_row))
    values = _big_values(n)
    write_values(src, tmp_path / "streamed.xlsx", {"Sheet": values})
    # The same edit done cell by cell on the whole sheet, the reference.
    monkeypatch.setattr(xlsx_write._SheetEdit, "_of_split_form", lambda self, xml, lo, hi: False)
    write_values(src, tmp_path / "whole.xlsx", {"Sheet": values})
    with zipfile.ZipFile(tmp_path / "streamed.xlsx") as a, \
            zipfile.ZipFile(tmp_path / "whole.xlsx") as b:
        xml = a.read("xl/worksheets/sheet1.xml")
        assert xml == b.read("xl/worksheets/sheet1.xml")
    # Worked by hand from the XML above.
    assert b'<c r="B1" s="1"><f>A1*2</f><v>2</v></c>' in xml
    assert b'<c r="B3" s="1"><f>A3*2</f><v>6.5</v></c>' in xml
    assert b'<c r="B7" s="1" t="e"><f>A7*2</f><v>#DIV/0!</v></c>' in xml
    assert b'<c r="C8" t="str"><f>"n"&amp;A8</f><v xml:space="preserve"> padded </v></c>' in xml
    assert b'<c r="D998"><f t="shared" ref="D998:D999" si="998">A998+1</f><v>999</v></c>' in xml
    assert b'<c r="D999"><f t="shared" si="998"/><v>1000</v></c>' in xml
    assert b'<c r="E64064"><f>A64064</f><v>64064</v></c>' in xml      # vm= dropped
    assert b'<c r="C65000" t="str"><f>"n"&amp;A65000</f><v>n65000</v></c>' in xml
    assert b'<c r="G64997"><f t="array" ref="G64997:G64999">A64997:A64999</f><v>64997</v></c>' \
        in xml and b'<c r="G64999"><v>64999</v></c>' in xml
    assert xml.count(b"<v>old</v>") == 0 and xml.count(b"<row ") == n
    ws = openpyxl.load_workbook(tmp_path / "streamed.xlsx", read_only=True, data_only=True)
    row = next(ws["Sheet"].iter_rows(min_row=4, max_row=4, max_col=3, values_only=True))
    assert row[:3] == (4, 8, "n4")


def test_an_error_while_deflating_behind_reaches_the_writer():
    """A big sheet part is deflated in a thread of its own (_Behind): an error there (a
    full disk) is raised in the writer, and nothing handed on after it is written."""
    from kpi_xl.engine.xlsx_write import _Behind
    written = []

    def write(piece):
        if piece == b"bad":
            raise OSError("No space left on device")
        written.append(piece)

    with pytest.raises(OSError, match="No space left"):
        with _Behind(write) as sink:
            for piece in (b"a", b"bad", b"c", b"d"):
                sink.write(piece)
    assert written == [b"a"]


def test_cells_out_of_order_are_written_and_missing_ones_named(tmp_path):
    # Rows given out of order: the count of written cells cannot tell which are missing,
    # so the sheet is written again noting each one.
    rows = (b'<row r="2"><c r="A2"><v>5</v></c><c r="B2"><f>A2*2</f><v>0</v></c></row>'
            b'<row r="1"><c r="A1"><v>3</v></c><c r="B1"><f>A1*2</f><v>0</v></c></row>')
    src = _with_rows(tmp_path, "r.xlsx", rows)
    before = src.read_bytes()
    with pytest.raises(WorkbookWriteError, match=r"no cell Sheet!C1 to take"):
        write_values(src, src, {"Sheet": {(1, 2): 6, (2, 2): 10, (1, 3): 1}})
    assert src.read_bytes() == before
    write_values(src, tmp_path / "out.xlsx", {"Sheet": {(1, 2): 6, (2, 2): 10}})
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Sheet"]
    assert (ws["B1"].value, ws["B2"].value) == (6, 10)


def test_a_sheet_with_a_byte_order_mark_is_streamed_without_it(tmp_path):
    src = _with_rows(tmp_path, "bom.xlsx", b'<row r="1"><c r="A1"><v>4</v></c>'
                     b'<c r="B1"><f>A1*2</f><v>0</v></c></row>')
    with zipfile.ZipFile(src) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info, b"\xef\xbb\xbf" + data if info.filename.endswith("sheet1.xml")
                       else data)
    write_values(src, tmp_path / "out.xlsx", {"Sheet": {(1, 2): 8}})
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    assert xml.startswith(b"<worksheet") and b'<c r="B1"><f>A1*2</f><v>8</v></c>' in xml
