"""The oracle manifest builder and the runner's cache stripping and worker, on
workbooks written here part by part (as Excel lays them out), so every expected
count is known by construction."""
from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import oracle_manifest as om  # noqa: E402
import oracle_runner  # noqa: E402

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def write_book(path, sheet_rows, *, app="Microsoft Excel", names="", calcpr="<calcPr calcId=\"191029\"/>",
               extra_parts=None, file_version='<fileVersion appName="xl" lastEdited="7"/>'):
    """A minimal .xlsx package with one sheet whose <sheetData> is ``sheet_rows``."""
    parts = {
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels":
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
            'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
            '"xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml":
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS}>{file_version}<sheets><sheet name="Sheet1" '
            f'sheetId="1" r:id="rId1"/></sheets>{names}{calcpr}</workbook>',
        "xl/_rels/workbook.xml.rels":
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
            'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
            '"worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml":
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>{sheet_rows}'
            f'</sheetData></worksheet>',
        "docProps/app.xml":
            '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.'
            f'org/officeDocument/2006/extended-properties"><Application>{app}</Application>'
            '<AppVersion>16.0300</AppVersion></Properties>',
    }
    parts.update(extra_parts or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


# Scores in A1:A3, a band lookup, a shared formula over three rows, TODAY, a VBA
# function of the workbook's own, an _xlfn. function and a string holding "SUM(".
SCORES = (
    '<row r="1"><c r="A1"><v>95</v></c><c r="B1"><f>IF(A1&gt;=90,"full",IF(A1&lt;70,"none","part"))</f>'
    '<v>full</v></c><c r="C1"><f t="shared" ref="C1:C3" si="0">ROUND(A1*1.1,0)</f><v>105</v></c></row>'
    '<row r="2"><c r="A2"><v>80</v></c><c r="B2"><f>VLOOKUP(A2,Bands,2,TRUE)</f><v>90</v></c>'
    '<c r="C2"><f t="shared" si="0"/><v>88</v></c></row>'
    '<row r="3"><c r="A3"><v>60</v></c><c r="B3"><f>TODAY()</f><v>46000</v></c>'
    '<c r="C3"><f t="shared" si="0"/><v>66</v></c></row>'
    '<row r="4"><c r="B4"><f>MYBONUS(A1)+_xlfn.XLOOKUP(A1,A1:A3,C1:C3)</f><v>1</v></c>'
    '<c r="C4" t="str"><f>"SUM(" &amp; Other!A1</f><v>SUM(x</v></c><c r="D4"><f>A1*2</f></c></row>'
)
BANDS = '<definedNames><definedName name="Bands">Sheet1!$A$1:$B$3</definedName></definedNames>'


def test_describe_workbook_counts_what_the_file_holds(tmp_path):
    book = write_book(tmp_path / "scores.xlsx", SCORES, names=BANDS,
                      extra_parts={"xl/vbaProject.bin": b"\0", "xl/tables/table1.xml": "<table/>"})
    row = om.describe_workbook(book)
    assert row["application"] == "Microsoft Excel 16.0300"
    # 3 + 3 shared members + B4, C4, D4; D4 has no cached value
    assert row["formula_cells"] == 9
    assert row["formula_cells_with_values"] == 8
    fns = dict(item.split(":") for item in row["functions_used"].split(","))
    assert fns == {"IF": "2", "ROUND": "3", "VLOOKUP": "1", "TODAY": "1", "MYBONUS": "1", "XLOOKUP": "1"}
    assert row["kpi_functions"].split(",") == ["ROUND", "IF", "VLOOKUP", "XLOOKUP"]
    assert row["tier"] == "A"
    assert row["defined_names"] == 1
    assert row["cross_sheet_formulas"] == 1   # "Other!A1"; the sheet name in Bands is not a formula cell
    assert row["flags"] == "nondeterministic:TODAY;vba;udf:MYBONUS;tables"


def test_tier_b_and_the_files_left_out(tmp_path):
    write_book(tmp_path / "sums.xlsx", '<row r="1"><c r="A1"><f>SUM(1,2)</f><v>3</v></c>'
                                       '<c r="B1"><f>DATE(2026,1,1)</f><v>46023</v></c></row>')
    write_book(tmp_path / "other_app.xlsx", '<row r="1"><c r="A1"><f>MAX(1,2)</f><v>2</v></c></row>',
               app="LibreOffice/7.6")
    write_book(tmp_path / "no_values.xlsx", '<row r="1"><c r="A1"><f>MAX(1,2)</f></c></row>')
    # A library's file made from a template Excel saved: Excel's app.xml, not its workbook part
    write_book(tmp_path / "from_template.xlsx", '<row r="1"><c r="A1"><f>MAX(1,2)</f><v>2</v></c></row>',
               file_version="")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    rows, left_out = om.build_manifest(tmp_path, {"sums.xlsx": {"source_repo": "o/r", "license": "MIT"}})
    assert [r["file"] for r in rows] == ["sums.xlsx"]
    assert rows[0]["tier"] == "B"            # SUM and DATE alone
    assert rows[0]["source_repo"] == "o/r" and rows[0]["license"] == "MIT"
    assert sorted(name for name, _ in left_out) == ["broken.xlsx", "from_template.xlsx", "no_values.xlsx",
                                                         "other_app.xlsx"]


def test_calc_settings_become_flags(tmp_path):
    book = write_book(tmp_path / "c.xlsx", '<row r="1"><c r="A1"><f>INDIRECT("B1")</f><v>0</v></c></row>',
                      calcpr='<calcPr calcMode="manual" iterate="1" fullPrecision="0"/>')
    assert om.describe_workbook(book)["flags"] == \
        "uses-INDIRECT/OFFSET;iterative-calc;manual-calc;precision-as-displayed"


def test_split_holds_out_a_third_and_keeps_earlier_choices(tmp_path):
    rows = [{"sha256": f"{i:064x}"} for i in range(30)]
    om.assign_split(rows, seed=8)
    held = {r["sha256"] for r in rows if r["split"] == "heldout"}
    assert len(held) == 10
    again = [{"sha256": f"{i:064x}"} for i in range(30)]
    om.assign_split(again, seed=8)
    assert {r["sha256"] for r in again if r["split"] == "heldout"} == held   # seeded
    other = [{"sha256": f"{i:064x}"} for i in range(30)]
    om.assign_split(other, seed=9)
    assert {r["sha256"] for r in other if r["split"] == "heldout"} != held
    # Nine files more: the earlier thirty keep their split, and a third of all is held out.
    grown = [{"sha256": f"{i:064x}"} for i in range(39)]
    om.assign_split(grown, seed=8, previous={r["sha256"]: r["split"] for r in rows})
    assert {r["sha256"] for r in grown[:30] if r["split"] == "heldout"} == held
    assert sum(r["split"] == "heldout" for r in grown) == 13


def test_manifest_round_trip(tmp_path):
    write_book(tmp_path / "sums.xlsx", '<row r="1"><c r="A1"><f>MAX(1,2)</f><v>2</v></c></row>')
    rows, _ = om.build_manifest(tmp_path)
    om.write_manifest(rows, tmp_path / "M.tsv")
    back = om.read_manifest(tmp_path / "M.tsv")
    assert list(back[0]) == om.COLUMNS
    assert back[0]["split"] == "heldout"   # one file: ceil(1/3) = 1
    assert back[0]["formula_cells_with_values"] == "1"


# --- the runner: stripped caches, and a worker that survives what a file does ----

ARRAYS = (
    '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*3</f><v>6</v></c>'
    '<c r="C1"><f t="array" ref="C1:C2">A1:A2*10</f><v>20</v></c></row>'
    '<row r="2"><c r="A2"><v>4</v></c><c r="B2" t="str"><f>"x"&amp;A2</f><v>x4</v></c>'
    '<c r="C2"><v>40</v></c><c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
)


def test_stripped_copy_holds_no_cached_formula_value(tmp_path):
    from kpi_xl.engine.xlsx_read import read_workbook
    book = write_book(tmp_path / "a.xlsx", ARRAYS)
    original = read_workbook(str(book)).sheets[0]
    assert original.cached[(1, 2)] == 6 and original.cached[(2, 3)] == 40
    out = tmp_path / "stripped"
    out.mkdir()
    stripped = read_workbook(str(oracle_runner.stripped_copy(book, out))).sheets[0]
    assert not any(v is not None for v in stripped.cached.values())
    assert stripped.values.get((1, 1)) == 2 and stripped.values.get((2, 1)) == 4   # constants kept
    assert (2, 3) not in stripped.values                                          # array member
    assert set(stripped.formulas) >= {(1, 2), (2, 2), (2, 4)}


def test_file_result_compares_the_engines_own_values(tmp_path):
    book = write_book(tmp_path / "a.xlsx", ARRAYS)
    res = oracle_runner.file_result(book)
    # B1, B2, D2 and the two cells of the array formula, all as Excel cached them
    assert (res["total"], res["ok"], res["aborted"]) == (5, 5, None)
    # A wrong cached value is caught: the engine did not read it.
    wrong = write_book(tmp_path / "w.xlsx", ARRAYS.replace("<v>6</v>", "<v>7</v>"))
    res = oracle_runner.file_result(wrong)
    assert res["ok"] == 4 and res["failures"][0][0] == "Sheet1!(1, 2)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes to make a file that never ends")
def test_worker_records_hung_and_aborted_files_and_goes_on(tmp_path):
    good = write_book(tmp_path / "good.xlsx", ARRAYS)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\3\4 not really a zip")
    never = tmp_path / "never.xlsx"
    os.mkfifo(never)   # reading it waits for a writer that never comes
    results = oracle_runner.run_files([str(never), str(broken), str(good)], udfs={}, timeout=5)
    agg = oracle_runner.aggregate(results)
    assert [name for name, _ in agg["hung"]] == ["never.xlsx"]
    assert [name for name, _ in agg["crashed"]] == ["broken.xlsx"]
    assert (agg["total"], agg["ok"]) == (5, 5)


def test_report_section_replaces_only_itself(tmp_path):
    report = tmp_path / "r.md"
    report.write_text("# Agreement\n\nthe first corpus' report\n", encoding="utf-8")
    res = oracle_runner.aggregate([])
    fail = ("f.xlsx", "Sheet1!(1, 1)", "ROMAN(4,1)", "IV", "#VALUE!")
    oracle_runner.put_section(report, oracle_runner.section_text([("part", res)], [fail]))
    oracle_runner.put_section(report, oracle_runner.section_text([("part", res)], [fail, fail]))
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Agreement\n\nthe first corpus' report\n")
    assert text.count(oracle_runner.SECTION_START) == 1
    assert "| ROMAN | 2 | 1 |" in text


def test_fixture_oracles_are_the_files_their_manifest_names():
    """tests/fixtures/oracles, which a clone tests fidelity with, holds exactly the
    files its manifest names, byte for byte (sha256): every tier-A file of the
    oracle set, and the few tier-B files tests name."""
    import hashlib
    folder = oracle_runner.FIXTURE_ORACLES
    rows = oracle_runner.manifest(folder / "MANIFEST.tsv")
    assert sum(r["tier"] == "A" for r in rows) >= 100 and sum(r["tier"] == "B" for r in rows) <= 20
    assert sorted(p.name for p in (folder / "files").iterdir()) == sorted(r["file"] for r in rows)
    for r in rows:
        assert hashlib.sha256((folder / "files" / r["file"]).read_bytes()).hexdigest() == r["sha256"], r["file"]
    if (oracle_runner.SHARED_ORACLES / "MANIFEST.tsv").is_file():
        shared_a = {r["file"] for r in oracle_runner.manifest(oracle_runner.SHARED_ORACLES / "MANIFEST.tsv")
                    if r["tier"] == "A"}
        assert shared_a == {r["file"] for r in rows if r["tier"] == "A"}


def test_spill_members_of_a_volatile_anchor_are_not_compared(tmp_path):
    # As Excel 365 saves =CELL("width") spilling into J1: the member has an empty <f/>.
    book = write_book(tmp_path / "cell.xlsx",
                      '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*3</f><v>6</v></c>'
                      '<c r="I1" cm="1"><f t="array" aca="1" ref="I1:J1" ca="1">CELL("width")</f><v>8</v></c>'
                      '<c r="J1" t="b"><f ca="1"/><v>1</v></c></row>')
    for strip in (True, False):
        res = oracle_runner.file_result(book, strip=strip)
        assert (res["total"], res["ok"]) == (1, 1), strip
