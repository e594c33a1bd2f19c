"""A month's pay read from a data connection's cached value stops the run: a cell calling
CUBEVALUE (or RTD, a linked data type) holds what Excel last fetched, and a score, total or
pay computed from it may be stale.  ``fill`` and ``summary`` name the cell, the cells
computed from it and their agents, and exit 1 (``--force`` does not hide it).

Real files and the real command: the template comes from ``kpi-xl template``, the month from
``kpi-xl fill``; the connection cell, with the value Excel would have cached, is written into
the sheet's XML (openpyxl writes formulas but no cached values).  Which cells read which is
worked by hand from the template's formulas (``Results!D5`` scores ``'Agent data'!N5``, the
AOV ratio, which divides by ``Shop_AOV`` = ``'Agent data'!$F$3``; ``H5`` totals ``B5:G5``;
``J5`` pays from ``H5``).
"""
from __future__ import annotations

import re
import zipfile
from xml.sax.saxutils import escape

import pandas as pd
from openpyxl import load_workbook

from kpi_xl.cli import main
from tpl_helpers import ABC, EN, needs_engine, values

CUBE = '=CUBEVALUE("xlextdat9 Sales","[Measures].[Average Order Value]")'
STALE = "holds the value Excel last cached for CUBEVALUE (needs a data connection)"
ADVICE = "Refresh the workbook in Excel or replace the formula with the value, then run again."


def scheme(tmp_path, lang="en", cube_at=None):
    """``kpi-xl template`` with its published gap, overlap and 95 % weights corrected (so a
    clean month exits 0); ``cube_at`` = (sheet, cell) puts CUBE there."""
    path = tmp_path / f"scheme_{lang}.xlsx"
    assert main(["template", "cs_composite", "--lang", lang, "-o", str(path)]) == 0
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    ws["B21"] = 0.32   # conversion 28 %–32 % → 60, no gap
    ws["F21"] = 0.60   # payment 50 %–60 % → 60, no overlap
    for cell, w in zip("BCDEFG", (0.30, 0.25, 0.20, 0.10, 0.10, 0.05)):
        ws[f"{cell}6"] = w
    if cube_at:
        wb[cube_at[0]][cube_at[1]] = CUBE
    wb.save(path)
    return path


def month(tmp_path, template, *extra):
    data = tmp_path / "d.csv"
    pd.DataFrame(ABC, columns=EN).to_csv(data, index=False, encoding="utf-8-sig")
    code = main(["fill", str(template), str(data), "-o", str(tmp_path / "out"), "--by",
                 "shop,month", "--quiet", *extra])
    return code, sorted((tmp_path / "out").glob("*.xlsx"))


def _sheet_part(zf, sheet):
    book = zf.read("xl/workbook.xml").decode()
    rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(escape(sheet))}"[^>]*r:id="(\w+)"', book)
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"',
                           rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def put_cube(path, sheet, a1, cached):
    """Make ``sheet!a1`` a CUBEVALUE cell whose cached value is ``cached``, as Excel saves it,
    leaving every other cell and cached value of the file as it is."""
    put_formula(path, sheet, a1, CUBE, cached)


def put_formula(path, sheet, a1, formula, cached):
    """Make ``sheet!a1`` hold ``formula`` with the cached value ``cached``, as Excel saves it."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        part = _sheet_part(zin, sheet)
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                xml, n = re.subn(rf'<c r="{a1}"((?: s="\d+")?)(?: t="\w+")?>.*?</c>',
                                 lambda m: (f'<c r="{a1}"{m.group(1)}><f>{escape(formula[1:])}'
                                            f'</f><v>{cached}</v></c>'),
                                 data.decode(), count=1)
                assert n == 1, (sheet, a1)
                data = xml.encode()
            zout.writestr(item, data)
    tmp.replace(path)


def summary(tmp_path, book, capsys):
    code = main(["summary", str(book), "-o", str(tmp_path / "s.xlsx"), "--quiet",
                 "--overwrite"])
    return code, capsys.readouterr()


@needs_engine
def test_summary_stops_on_a_shop_figure_from_a_cube(tmp_path, capsys):
    code, (book,) = month(tmp_path, scheme(tmp_path))
    assert code == 0
    capsys.readouterr()
    assert summary(tmp_path, book, capsys)[0] == 0       # the month without a cube: paid
    put_cube(book, "Agent data", "F3", 66.3)
    assert values(book, "Agent data")["F3"] == 66.3      # the cached value is in the file
    assert values(book, "Results")["H5"] is not None     # and the month is recalculated
    code, out = summary(tmp_path, book, capsys)
    assert code == 1, out.err
    lines = out.err.splitlines()
    name = book.name
    assert (f"{name}, sheet 'Agent data', cell F3 {STALE}; cells reading it use that value: "
            f"the pay computed from it may be stale. {ADVICE}") in lines
    # Every agent's AOV-ratio points, total and bonus read the shop's AOV.
    for row, agent in ((5, "A"), (6, "B"), (7, "C")):
        line = next(x for x in lines if "sheet 'Results'" in x and f"(agent '{agent}')" in x)
        cells = re.search(r"cells ([A-Z0-9, ]+) \(", line).group(1).split(", ")
        assert {f"D{row}", f"H{row}", f"J{row}"} <= set(cells), line
        assert f"B{row}" not in cells                    # conversion points do not read it
        assert f"computed from 'Agent data'!F3, which {STALE}" in line
    assert "cell(s) using a value Excel cached from a data connection" in out.out


@needs_engine
def test_summary_names_the_agent_whose_input_comes_from_a_cube(tmp_path, capsys):
    _code, (book,) = month(tmp_path, scheme(tmp_path))
    put_cube(book, "Agent data", "C5", 88)               # agent A's buyers
    code, out = summary(tmp_path, book, capsys)
    assert code == 1, out.err
    lines = out.err.splitlines()
    assert any(x.startswith(f"{book.name}, sheet 'Agent data', cell C5 (agent 'A') {STALE}")
               for x in lines), out.err
    a = next(x for x in lines if "sheet 'Results'" in x and "(agent 'A')" in x)
    cells = a.split("cells ")[1].split(" (")[0].split(", ")
    # Conversion = buyers / inquiries: its points, the total and the bonus of A.
    assert {"B5", "H5", "J5"} <= set(cells)
    # B's total reads no cell of A (the ranks compare totals, so B's rank does).
    b = [x for x in lines if "(agent 'B')" in x]
    assert not any(re.search(r"\bH6\b|\bJ6\b", x) for x in b), b


@needs_engine
def test_fill_stops_on_a_weight_from_a_cube_even_forced(tmp_path, capsys):
    template = scheme(tmp_path, cube_at=("Scheme", "B6"))
    for extra in ((), ("--force", "--overwrite")):
        code, (book,) = month(tmp_path, template, *extra)
        out = capsys.readouterr()
        assert code == 1, out.err
        lines = out.err.splitlines()
        # The written file holds the formula; the template's cached value does not travel
        # through the rewrite, so the connection cell has none and shows #N/A.
        assert any(x.startswith(f"{book.name}, sheet 'Scheme', cell B6 holds no value for "
                                f"CUBEVALUE (needs a data connection") for x in lines), out.err
        a = next(x for x in lines if "sheet 'Results'" in x and "(agent 'A')" in x)
        assert "computed from Scheme!B6" in a and ADVICE in a
        assert {"H5", "J5"} <= set(a.split("cells ")[1].split(" (")[0].split(", "))
        assert "cell(s) whose value needs a data connection" in out.out


@needs_engine
def test_chinese_workbook_names_its_sheet_and_agent(tmp_path, capsys):
    _code, (book,) = month(tmp_path, scheme(tmp_path, lang="zh"))
    data_sheet = load_workbook(book, read_only=True).sheetnames[1]
    put_cube(book, data_sheet, "F3", 66.3)
    code, out = summary(tmp_path, book, capsys)
    assert code == 1, out.err
    assert f"{book.name}, sheet '{data_sheet}', cell F3 {STALE}" in out.err
    assert "(agent 'A')" in out.err and f"computed from {data_sheet}!F3" in out.err


@needs_engine
def test_a_range_naming_the_sheet_in_other_case_is_followed(tmp_path, capsys):
    """Sheet names are compared as Excel compares them: ``'agent data'!C5:C7`` is the range
    of sheet 'Agent data' that holds agent A's buyers (C5), taken from a cube."""
    _code, (book,) = month(tmp_path, scheme(tmp_path))
    put_cube(book, "Agent data", "C5", 88)
    # Agent C's bonus made the sum of the three agents' buyers: 88 + 582 + 232 = 902.
    put_formula(book, "Results", "J7", "=SUM('agent data'!C5:C7)", 902)
    code, out = summary(tmp_path, book, capsys)
    assert code == 1, out.err
    c = next(x for x in out.err.splitlines()
             if "sheet 'Results'" in x and "(agent 'C')" in x and "cells " in x)
    cells = c.split("cells ")[1].split(" (")[0].split(", ")
    assert "J7" in cells and "computed from 'Agent data'!C5" in c, c
    # the formula edited in C's row is named too, as not the one the other rows compute
    assert any("row 7 (agent 'C'): J7" in x and "not the formula the other agents' rows"
               in x for x in out.err.splitlines()), out.err
    assert "H7" not in cells                             # C's total reads none of A's inputs
