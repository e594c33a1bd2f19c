"""Column runs (kpi_xl.engine.columns) give exactly what cell-by-cell evaluation gives.

A sheet of twenty agent rows exercises each node the column path treats itself
(direct column reads, operators, IF and IFERROR branches, LOOKUP / VLOOKUP /
SUMPRODUCT column implementations, implicit intersection) and each way it hands
rows back (text and blanks in inputs, unsorted band keys, a volatile input, a
running total down its own column, a circular chain, an array formula inside a
column, a bug in a function).  Values are worked by hand; every cell is also
compared with ``calculate(..., columns=False)``.
"""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import EngineBug, calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

VALUE, CALC = XlErr("#VALUE!"), XlErr("#CALC!")
ROWS = range(2, 22)
COLS = {c: i + 1 for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def _sheet():
    s = SheetInput("Sheet1")
    put = s.values.__setitem__
    for i in ROWS:
        put((i, COLS["A"]), float(i * i))
        put((i, COLS["B"]), i)
    put((5, COLS["A"]), "n/a")          # text where a number belongs
    del s.values[(7, COLS["A"])]         # a blank
    put((4, COLS["B"]), 0)               # a zero denominator
    for r, (h, i) in enumerate([(0, 0), (5, 60), (10, 80), (15, 100)], start=2):
        put((r, COLS["H"]), h)           # band table, sorted
        put((r, COLS["I"]), i)
    for r, (k, v) in enumerate([(0, 1), (10, 2), (5, 3), (15, 4)], start=2):
        put((r, COLS["K"]), k)           # band table with unsorted keys
        put((r, COLS["L"]), v)
    put((1, COLS["N"]), 1)
    put((1, COLS["O"]), 100)
    put((1, COLS["G"]), 0)
    forms = {
        "C": "IFERROR(A{r}/B{r},0)",
        "D": 'IF(B{r}=0,"none",A{r}/B{r})',
        "E": "LOOKUP(C{r},$H$2:$H$5,$I$2:$I$5)",
        "F": "VLOOKUP(C{r},$K$2:$L$5,2,TRUE)",
        "G": "G{p}+A{r}",                       # a running total down its own column
        "P": "$A$2:$A$21*2",                    # implicit intersection with the row
        "R": "RANK(C{r},$C$2:$C$21)",
        "J": "RANK(C{r},$C$2:$C$21,0)",
        "M": "RANK.AVG(C{r},$C$2:$C$21,1)",      # ascending, ties averaged
        "S": "SUMPRODUCT(A{r}:B{r},$N$1:$O$1)",
        "T": "TODAY()-TODAY()+B{r}",            # volatile
        "U": "ROUND(C{r}*1.005,2)",
        "O": "ROUNDUP(C{r}/7,1)",               # O1 holds a weight; O2:O21 these
        "V": "IF(C{r}>=10,E{r}+W{r},E{r}-W{r})",  # reads a column to its right
        "W": "VLOOKUP(C{r},$H$2:$I$5,2)",
        "X": "Y{r}*2",
        "Y": "B{r}+1",
        "N": "IF(B{r}>10,ROUND(PI(),2),0)",     # a function of no arguments in a branch
    }
    for col, f in forms.items():
        for r in ROWS:
            s.formulas[(r, COLS[col])] = f.format(r=r, p=r - 1)
    # a circular chain down column Q: Q2 = Q3+1, ..., Q8 = Q9+1, Q9 = Q2+1
    for r in range(2, 9):
        s.formulas[(r, COLS["Q"])] = f"Q{r + 1}+1"
    s.formulas[(9, COLS["Q"])] = "Q2+1"
    # an array formula in the middle of a column of row formulas
    for r in ROWS:
        s.formulas[(r, COLS["Z"])] = f"B{r}*3"
    s.formulas[(10, COLS["Z"])] = "B2:B3*10"
    s.arrays[(10, COLS["Z"])] = (10, COLS["Z"], 11, COLS["Z"])
    del s.formulas[(11, COLS["Z"])]
    return s


def _calc(columns):
    results, report = calculate(BookInput([_sheet()]), columns=columns)
    return results["Sheet1"], report


@pytest.fixture(scope="module")
def both():
    return _calc(True), _calc(False)


def _at(res, ref):
    col = "".join(ch for ch in ref if ch.isalpha())
    return res[(int(ref[len(col):]), COLS[col])]


def test_the_suite_runs_the_column_path_strictly():
    from kpi_xl.engine import columns
    assert columns.STRICT   # set by tests/conftest.py


def test_every_cell_equals_cell_by_cell(both):
    (cols, rep_c), (cells, rep_s) = both
    assert cols.keys() == cells.keys()
    for k, v in cells.items():
        assert type(cols[k]) is type(v) and cols[k] == v, k
    assert rep_c.circular and sorted(rep_c.circular) == sorted(rep_s.circular)
    assert rep_c.volatile_cells == rep_s.volatile_cells
    assert {(r, COLS["T"]) for r in ROWS} <= {(r, c) for _, r, c in rep_c.volatile_cells}


def test_runs_are_computed_as_columns(both):
    (_, rep), (_, rep_cells) = both
    assert rep_cells.column_cells == 0
    # C D E F J M N O P R S U V W X Y (16 columns x 20 rows); Z's two runs 2-9 and 12-21 (18 cells);
    # G, Q and T are left to the cell-by-cell path.
    assert rep.column_cells >= 16 * 20 + 18


@pytest.mark.parametrize("ref, expected", [
    ("C2", 2.0), ("C4", 0), ("C5", 0), ("C7", 0.0), ("C21", 21.0),
    ("D4", "none"), ("D5", VALUE), ("D7", 0.0), ("D9", 9.0),
    ("E2", 0), ("E4", 0), ("E6", 60), ("E12", 80), ("E21", 100),
    ("G2", 4.0), ("G4", 29.0), ("G5", VALUE), ("G21", VALUE),
    ("P3", 18.0), ("P5", VALUE), ("P7", 0),
    ("R21", 1), ("R2", 17),
    # C holds 0 in C4, C5 and C7 and the row number elsewhere: 20 numbers, three of them 0
    ("J21", 1), ("J2", 17), ("J4", 18), ("J7", 18),
    ("M4", 2.0), ("M7", 2.0), ("M2", 4), ("M6", 6), ("M21", 20),
    ("S2", 204.0), ("S5", 500), ("S7", 700),
    ("U2", 2.01), ("U21", 21.11),
    ("O2", 0.3), ("O9", 1.3), ("O21", 3.0), ("O4", 0.0),   # 2/7 = 0.29, 9/7 = 1.29, 21/7 = 3
    ("V6", 0), ("V12", 160), ("V2", 0),
    ("X4", 2), ("X9", 20),
    ("Q2", CALC),
    ("N4", 0), ("N10", 0), ("N11", 3.14),
    ("Z9", 27), ("Z10", 20), ("Z11", 30), ("Z12", 36),
])
def test_hand_worked_values(both, ref, expected):
    (cols, _), _ = both
    v = _at(cols, ref)
    assert v == expected and (type(v) is type(expected) or not isinstance(expected, (str, XlErr))), (ref, v)
    assert type(v) is not bool


def test_a_weighted_score_column_reads_its_scores_a_column_at_a_time():
    # Scores in B:D (two typed in, one computed), weights 0.5, 0.3, 0.2 in row 1; E is the
    # weighted score. Row r: B = r, C = 2r, D = B + C = 3r, so E = 0.5r + 0.6r + 0.6r = 1.7r.
    # Then C6 is a text: D6 = 6 + text is #VALUE!, which SUMPRODUCT passes on.
    s = SheetInput("Sheet1")
    for c, w in zip((2, 3, 4), (0.5, 0.3, 0.2)):
        s.values[(1, c)] = w
    for r in ROWS:
        s.values[(r, 2)] = float(r)
        s.values[(r, 3)] = float(2 * r)
        s.formulas[(r, 4)] = f"B{r}+C{r}"
        s.formulas[(r, 5)] = f"SUMPRODUCT(B{r}:D{r},$B$1:$D$1)"
    both = [calculate(BookInput([s]), columns=columns)[0]["Sheet1"] for columns in (True, False)]
    assert both[0] == both[1]
    assert both[0][(2, 5)] == pytest.approx(3.4) and both[0][(21, 5)] == pytest.approx(35.7)
    s.values[(6, 3)] = "absent"
    both = [calculate(BookInput([s]), columns=columns)[0]["Sheet1"] for columns in (True, False)]
    assert both[0] == both[1]
    assert both[0][(6, 5)] == VALUE and both[0][(7, 5)] == pytest.approx(11.9)


def test_a_bug_in_a_function_is_reported_with_its_cell():
    from kpi_xl.engine.functions import FUNCTIONS, Impl
    from kpi_xl.engine.functions.helpers import scalarize

    def boom(calc, x):
        x = scalarize(calc, x)
        if x == 49:
            raise ZeroDivisionError("broken on purpose")
        return x

    FUNCTIONS["TESTBOOM"] = Impl(boom, 1, 1)
    try:
        s = SheetInput("Sheet1")
        for r in ROWS:
            s.values[(r, 1)] = float(r * r)
            s.formulas[(r, 2)] = f"TESTBOOM(A{r})+1"
        with pytest.raises(EngineBug, match=r"Sheet1!B7"):
            calculate(BookInput([s]))
    finally:
        del FUNCTIONS["TESTBOOM"]


def _oracle_files(tier):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    import oracle_runner
    if not (oracle_runner.ORACLES / "MANIFEST.tsv").is_file():
        pytest.skip("shared/oracles is not beside the project")
    return [str(oracle_runner.ORACLES / "files" / r["file"]) for r in oracle_runner.manifest()
            if tier is None or r["tier"] == tier]


def _same_on_oracles(files):
    from kpi_xl.engine.recalc import book_input
    from kpi_xl.engine.xlsx_read import WorkbookReadError, read_workbook
    cells = column_cells = 0
    differ = []
    for f in files:
        try:
            by_cell, rep_s = calculate(book_input(read_workbook(f)), columns=False)
            by_col, rep_c = calculate(book_input(read_workbook(f)), columns=True)
        except WorkbookReadError:
            continue
        column_cells += rep_c.column_cells
        if rep_c.volatile_cells != rep_s.volatile_cells:
            differ.append((f, "cells depending on volatile functions",
                           sorted(rep_s.volatile_cells ^ rep_c.volatile_cells)[:5]))
        for sheet, values in by_cell.items():
            for k, v in values.items():
                if (sheet, *k) in rep_s.volatile_cells:
                    continue
                cells += 1
                w = by_col[sheet].get(k)
                if not (type(v) is type(w) and (v == w or v != v and w != w)):
                    differ.append((f, sheet, k, v, w))
    return cells, column_cells, differ


def test_tier_a_oracles_column_runs_equal_cell_by_cell():
    cells, column_cells, differ = _same_on_oracles(_oracle_files("A"))
    assert not differ, differ[:10]
    assert cells > 20000 and column_cells > 8000, (cells, column_cells)


@pytest.mark.slow
def test_all_oracles_column_runs_equal_cell_by_cell():
    cells, column_cells, differ = _same_on_oracles(_oracle_files(None))
    assert not differ, differ[:10]
    assert cells > 120000 and column_cells > 80000, (cells, column_cells)
