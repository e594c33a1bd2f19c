"""RAND and RANDBETWEEN as Excel's documentation defines them: RAND is evenly distributed in
[0, 1); RANDBETWEEN returns whole numbers from bottom ("the smallest integer it will
return") to top ("the largest"), both included, #NUM! when bottom is above top; both are
volatile, so every cell depending on them is known as such."""
from __future__ import annotations

import openpyxl

from kpi_xl.engine import recalc_file
from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

N = 400


def _column(formula, n=N):
    s = SheetInput("Sheet1")
    for r in range(1, n + 1):
        s.formulas[(r, 1)] = formula
    s.formulas[(1, 2)] = "A1*2"
    results, report = calculate(BookInput([s]))
    return [results["Sheet1"][(r, 1)] for r in range(1, n + 1)], report, results["Sheet1"][(1, 2)]


def test_rand_is_in_zero_to_one_and_varies():
    xs, report, _ = _column("RAND()")
    assert all(isinstance(x, float) and 0 <= x < 1 for x in xs)
    assert len(set(xs)) > N * 0.95
    assert 0.35 < sum(xs) / N < 0.65
    assert ("Sheet1", 1, 1) in report.volatile_cells
    assert ("Sheet1", 1, 2) in report.volatile_cells   # A1*2 depends on it


def test_randbetween_whole_numbers_both_ends_included():
    xs, report, _ = _column("RANDBETWEEN(1,3)")
    assert set(xs) == {1, 2, 3}
    assert all(x == int(x) for x in xs)
    assert ("Sheet1", 5, 1) in report.volatile_cells


def test_randbetween_fractional_ends_and_errors():
    xs, _, _ = _column("RANDBETWEEN(1.5,3.5)", 200)
    assert set(xs) == {2, 3}
    xs, _, _ = _column("RANDBETWEEN(-2.5,-1.5)", 50)
    assert set(xs) == {-2}
    xs, _, _ = _column("RANDBETWEEN(5,5)", 5)
    assert set(xs) == {5}
    assert _column("RANDBETWEEN(3,1)", 1)[0] == [XlErr("#NUM!")]
    assert _column("RANDBETWEEN(1.2,1.8)", 1)[0] == [XlErr("#NUM!")]
    assert _column('RANDBETWEEN("a",3)', 1)[0] == [XlErr("#VALUE!")]
    assert _column("RANDBETWEEN(1/0,3)", 1)[0] == [XlErr("#DIV/0!")]


def test_random_cells_in_a_file(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "=RAND()"
    ws["A2"] = "=RANDBETWEEN(10,20)"
    wb.save(tmp_path / "r.xlsx")
    res = recalc_file(tmp_path / "r.xlsx", tmp_path / "o.xlsx")
    assert res.errors == {}
    got = openpyxl.load_workbook(tmp_path / "o.xlsx", data_only=True).active
    assert 0 <= got["A1"].value < 1
    assert got["A2"].value in range(10, 21)
