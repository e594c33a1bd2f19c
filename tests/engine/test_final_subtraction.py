"""Excel's compensation at zero (Microsoft's article "Floating-point arithmetic may give
inaccurate results in Excel", example "when a value reaches zero"): when an addition or a
subtraction is the formula's final operation and its result is at or very near zero, the
rounding residue of binary fractions is dropped; when another operation follows, it stays:
=1.333+1.225-1.333-1.225 is 0, but =1*(.5-.4-.1) is -2.77556E-17."""
from __future__ import annotations

import openpyxl
import pytest

from kpi_xl.engine import recalc_file
from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput


def _run(formulas, columns=True):
    s = SheetInput("Sheet1")
    for r in range(1, 40):
        s.values[(r, 1)], s.values[(r, 2)], s.values[(r, 3)] = 0.3, 0.2, 0.1
    for i, f in enumerate(formulas):
        s.formulas[(1 + i, 5)] = f
    results, _ = calculate(BookInput([s]), columns=columns)
    return [results["Sheet1"][(1 + i, 5)] for i in range(len(formulas))]


@pytest.mark.parametrize("formula, expected", [
    ("1.333+1.225-1.333-1.225", 0),
    ("0.3-0.2-0.1", 0),
    ("0.1+0.2-0.3", 0),
    ("1*(0.5-0.4-0.1)", pytest.approx(-2.77556e-17, rel=1e-5)),
    ("(1.333+1.225-1.333-1.225)*1", pytest.approx(-2.22045e-16, rel=1e-5)),
    ("1E15+1-1E15", 1),           # a real difference in the last digit is kept
    ("5-3", 2),
    ("0.3-0.1", pytest.approx(0.2, abs=1e-16)),
])
def test_final_addition_or_subtraction_snaps_to_zero(formula, expected):
    assert _run([formula]) == [expected]


def test_column_runs_and_single_cells_agree():
    rows = [f"A{r}-B{r}-C{r}" for r in range(1, 31)]
    assert _run(rows, columns=True) == _run(rows, columns=False) == [0.0] * 30


def test_in_a_saved_workbook(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"] = 0.3, 0.2, 0.1
    ws["D1"] = "=A1-B1-C1"
    ws["D2"] = "=(A1-B1-C1)*1"
    wb.save(tmp_path / "a.xlsx")
    recalc_file(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    got = openpyxl.load_workbook(tmp_path / "b.xlsx", data_only=True).active
    assert got["D1"].value == 0
    assert got["D2"].value == pytest.approx(-2.77556e-17, rel=1e-5)
