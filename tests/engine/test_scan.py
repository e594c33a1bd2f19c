"""Unknown functions and undefined names are named with their cells before calculating.

Workbooks are written with openpyxl and recalculated by ``kpi-xl recalc``; the cells
that must be named are known from how each workbook was built, and the calculated
values read back show that the cells reported are exactly those showing #NAME?.
"""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from kpi_xl.cli import main
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.recalc import book_input
from kpi_xl.engine.scan import scan_unknown
from kpi_xl.engine.xlsx_read import read_workbook

AGENTS = [("A", 275, 88), ("B", 1455, 582), ("C", 800, 232)]


def build_book(path):
    """Agents in rows 2-4, one formula column per case; Scheme holds a 3-band table."""
    wb = openpyxl.Workbook()
    scheme = wb.active
    scheme.title = "Scheme"
    scheme.append(["lower", "upper", "points"])
    for row in [(0.35, None, 80), (0.30, 0.35, 70), (None, 0.30, 0)]:
        scheme.append(list(row))
    ws = wb.create_sheet("Agents")
    ws.append(["agent", "inquiries", "buyers", "conversion", "points", "lookup", "lambda",
               "let", "ghost", "nosuchname", "rate", "local"])
    for r, (name, inq, buy) in enumerate(AGENTS, start=2):
        ws.append([name, inq, buy,
                   f"=C{r}/B{r}",
                   f"=_xludf.KPI_BAND(D{r},Scheme!$A$2:$C$4)",
                   f"=_xlfn.XLOOKUP(A{r},$A$2:$A$4,$B$2:$B$4)",
                   f"=DOUBLE(B{r})",
                   f"=_xlfn.LET(_xlpm.share,C{r}/B{r},ROUND(_xlpm.share*100,0))",
                   f"=GHOST_SCORE(D{r})" if r != 3 else f"=B{r}",
                   "=NOSUCHNAME*2" if r == 3 else f"=C{r}",
                   f"=B{r}*BonusRate",
                   f"=B{r}*LocalRate"])
    wb.defined_names["DOUBLE"] = DefinedName("DOUBLE", attr_text="_xlfn.LAMBDA(_xlpm.x,_xlpm.x*2)")
    wb.defined_names["BonusRate"] = DefinedName("BonusRate", attr_text="0.05")
    # Defined on the sheet that uses it: found there, unknown anywhere else.
    ws.defined_names["LocalRate"] = DefinedName("LocalRate", attr_text="0.5", localSheetId=1)
    other = wb.create_sheet("Other")
    other["A1"] = "=LocalRate+1"
    wb.save(path)
    return path


def recalc(capsys, *argv):
    code = main(["recalc", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_recalc_names_unknown_functions_and_names_with_their_cells(tmp_path, capsys):
    src = build_book(tmp_path / "book.xlsx")
    code, out, err = recalc(capsys, src, "-o", tmp_path / "out")
    assert code == 0
    # Our add-in spelling, Excel's new functions, a LAMBDA kept as a name, a LET
    # parameter, workbook and sheet names in their own scope: none of them reported.
    assert [line.strip() for line in out.splitlines() if ": unknown " in line] == [
        f"{src}: unknown function GHOST_SCORE (shows #NAME?) in Agents!I2, Agents!I4",
        f"{src}: unknown name LocalRate (shows #NAME?) in Other!A1",
        f"{src}: unknown name NOSUCHNAME (shows #NAME?) in Agents!J3",
    ]
    # Said before calculating as well, on the error stream.
    assert [line.strip() for line in err.splitlines() if ": unknown " in line] == [
        f"{src}: unknown function GHOST_SCORE (will show #NAME?) in Agents!I2, Agents!I4",
        f"{src}: unknown name LocalRate (will show #NAME?) in Other!A1",
        f"{src}: unknown name NOSUCHNAME (will show #NAME?) in Agents!J3",
    ]
    # The cells named are the ones showing #NAME?, and the known ones computed.
    values = openpyxl.load_workbook(tmp_path / "out" / "book.xlsx", data_only=True)
    ws = values["Agents"]
    assert [ws[f"I{r}"].value for r in (2, 3, 4)] == ["#NAME?", 1455, "#NAME?"]
    assert [ws[f"J{r}"].value for r in (2, 3, 4)] == [88, "#NAME?", 232]
    assert values["Other"]["A1"].value == "#NAME?"
    assert [ws[f"E{r}"].value for r in (2, 3, 4)] == [70, 80, 0]   # 32 %, 40 %, 29 %
    assert [ws[f"F{r}"].value for r in (2, 3, 4)] == [275, 1455, 800]
    assert [ws[f"G{r}"].value for r in (2, 3, 4)] == [550, 2910, 1600]
    assert [ws[f"H{r}"].value for r in (2, 3, 4)] == [32, 40, 29]
    assert [ws[f"K{r}"].value for r in (2, 3, 4)] == pytest.approx([13.75, 72.75, 40])
    assert [ws[f"L{r}"].value for r in (2, 3, 4)] == pytest.approx([137.5, 727.5, 400])


def test_quiet_says_it_once_in_the_summary(tmp_path, capsys):
    src = build_book(tmp_path / "book.xlsx")
    code, out, err = recalc(capsys, src, "-o", tmp_path / "out", "--quiet")
    assert code == 0
    assert "unknown function GHOST_SCORE (shows #NAME?) in Agents!I2, Agents!I4" in out
    assert "#NAME?" not in err


def test_many_cells_are_counted_not_listed(tmp_path, capsys):
    src = tmp_path / "long.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Agents"
    for r in range(1, 31):
        ws.append([r, f"=MISSING_FN(A{r})", f"=A{r}*2"])
    wb.save(src)
    code, out, _ = recalc(capsys, src, "-o", tmp_path / "out", "--quiet")
    first = ", ".join(f"Agents!B{r}" for r in range(1, 9))
    assert f"unknown function MISSING_FN (shows #NAME?) in {first} and 22 more\n" in out


def test_with_jobs_the_summary_names_them_per_file(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    build_book(inp / "a.xlsx")
    build_book(inp / "b.xlsx")
    run = subprocess.run([sys.executable, "-m", "kpi_xl.cli", "recalc", str(inp), "-o",
                          str(tmp_path / "out"), "--jobs", "2"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for name in ("a", "b"):
        assert f"{inp / name}.xlsx: unknown name NOSUCHNAME (shows #NAME?) in Agents!J3" in run.stdout


def test_scan_agrees_with_the_calculation(tmp_path):
    """The scan and the compiler reach the same functions and names by separate paths."""
    from kpi_xl.engine.evaluator import calculate
    book = book_input(read_workbook(build_book(tmp_path / "book.xlsx")))
    functions, names = scan_unknown(book)
    _, report = calculate(book)
    assert set(functions) == set(report.unknown_functions) == {"GHOST_SCORE"}
    assert functions["GHOST_SCORE"] == report.unknown_functions["GHOST_SCORE"]
    assert set(names) == set(report.unknown_names) == {"NOSUCHNAME", "LocalRate"}


def _scan(formulas, names=None):
    sheet = SheetInput("S", formulas={(r, 1): f for r, f in enumerate(formulas, start=1)})
    return scan_unknown(BookInput([sheet], names or {}))


@pytest.mark.parametrize("text", [
    "KPI_BAND(A1,B1:D8)", "_xludf.KPI_BAND(A1,B1:D8)", "_xll.KPI_BAND(A1,B1:D8)",
    "[1]!KPI_BAND(A1,B1:D8)", "'C:\\addins\\xlwings.xlam'!KPI_BAND(A1,B1:D8)",
    "XLWINGS.KPI_BAND(A1,B1:D8)", "_xldudf_XLWINGS_KPI_BAND(A1,B1:D8)",
    "_xlfn.XLOOKUP(1,A1:A3,B1:B3)", "_xlfn._xlws.FILTER(A1:A3,B1:B3>0)", "LOG10(A1)",
    "_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)(2)", "LET(x,1,y,x+1,x*y)",
    "IF(A1=\"GHOST(\",1,2)", "SUM(A:A)+SUM($1:$2)", "'Other sheet'!A1*1E+5", "IFERROR(1/0,#N/A)",
])
def test_known_spellings_are_not_reported(text):
    assert _scan([text]) == ({}, {})


def test_copied_formulas_share_a_verdict_but_not_a_digit_apart():
    # Each pair differs only in digits: LOG10 and LOG20, the two names, rows 1048576 and 1048577.
    found = _scan(["B5*2", "B6*2", "LOG10(B3)", "LOG20(B3)", "Rate1*2", "Rate2*2", "A0+1",
                   "A1048576+1", "A1048577+1", "NOSUCH(B5)", "NOSUCH(B6)"], {("RATE1", None): "3"})
    assert found == ({"LOG20": ["S!A4"], "NOSUCH": ["S!A10", "S!A11"]},
                     {"Rate2": ["S!A6"], "A0": ["S!A7"], "A1048577": ["S!A9"]})


def test_let_parameter_is_local_to_its_let():
    found = _scan(["LET(x,1,x+1)+x", "LAMBDA(p,p*q)(1)", "nosuch+NoSuch"])
    assert found == ({}, {"x": ["S!A1"], "q": ["S!A2"], "nosuch": ["S!A3"]})


def test_lambda_name_hides_nothing_inside_it():
    """An unknown function inside a LAMBDA name is reported at the cells that call it."""
    found = _scan(["SCORE(A5)", "B2"], {("SCORE", None): "LAMBDA(x,PHANTOM(x)*Weight)"})
    assert found == ({"PHANTOM": ["S!A1"]}, {"Weight": ["S!A1"]})


def test_a_batch_of_same_shaped_books_is_judged_alike():
    """Skeletons found clean in one workbook are taken as clean in the next without being
    read again; what differs in the next is still read and reported, in cell order."""
    texts = ["IFERROR(D4/C4,0)", "LOOKUP(L4,'方案'!$A$6:$A$12,'方案'!$B$6:$B$12)", "RANK(V4,$V$4:$V$53)"]
    for _ in range(3):
        assert _scan(texts) == ({}, {})
    found = _scan(texts + ["GHOST(D9)", "IFERROR(D5/C5,0)", "Bonus*2", "LET(x,1,x+y)"])
    assert found == ({"GHOST": ["S!A4"]}, {"Bonus": ["S!A6"], "y": ["S!A7"]})
    # a name shadows nothing cached: the same words in a book defining it are clean
    assert _scan(["Bonus*2", "IFERROR(D5/C5,0)"], {("BONUS", None): "0.1"}) == ({}, {})
