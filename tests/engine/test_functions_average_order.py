"""AVERAGE adds its numbers one by one in reading order, as Excel does: the oracle workbook
FormulaEvalTestData (NPOI's and POI's copies, saved by Excel) caches
AVERAGE(B7:C15,B16:C17,D8:D16) as -4.089355473190933e-09 over numbers that cancel exactly
(an exact sum gives 0). The cells are laid out again here."""
from __future__ import annotations

B7_C15 = [0.0, 0.0, 1.0, 1e-05, 2.0, 1.1, 534.0, 1.00001, 9999999999.0, 2.99999,
          -9999999999.0, 999999.99999, -534.0, -999999.99999, -2.0, -2.99999, -1.0, -1.00001]
B16_C17 = [True, -1.1, False, -1e-05]


def test_average_keeps_excel_s_rounding(recalc_cells):
    cells = {}
    for i, v in enumerate(B7_C15):
        cells[f"{'BC'[i % 2]}{7 + i // 2}"] = v
    for i, v in enumerate(B16_C17):
        cells[f"{'BC'[i % 2]}{16 + i // 2}"] = v
    got, _ = recalc_cells(cells, {"E1": "AVERAGE(B7:C15,B16:C17,D8:D16)"})
    assert got["E1"] == -4.089355473190933e-09
