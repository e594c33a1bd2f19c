"""Dynamic arrays: the spill range follows the result's size, #SPILL! when blocked.

Excel's documentation ("#SPILL! error", "Dynamic array formulas and spilled array
behavior"): a formula whose result is an array spills into as many cells as the array
has; when a cell of that range is not empty the formula shows #SPILL! and spills
nothing.  A legacy array formula (Ctrl+Shift+Enter) keeps its range and shows #N/A
where the result does not reach.  Hand-worked: SEQUENCE(n) is 1 … n down a column.
"""
from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from test_eval_hostile import recalc, values  # noqa: E402
from xlsx_raw import write_xlsx  # noqa: E402

from kpi_xl.engine.xlsx_read import read_workbook  # noqa: E402


def _sheet_xml(path):
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def _run(tmp_path, cells):
    src = tmp_path / "spill.xlsx"
    write_xlsx(src, {"S": cells})
    before = src.read_bytes()
    code, out, _, _ = recalc(src, tmp_path / "out")
    assert code == 0, out
    assert src.read_bytes() == before
    dst = tmp_path / "out" / "spill.xlsx"
    return values(dst), _sheet_xml(dst)


def _ref_of(xml, cell):
    m = re.search(r'<c r="%s"[^>]*>\s*<f[^>]*\bref="([^"]*)"' % cell, xml)
    return m.group(1)


def test_a_grown_spill_fills_its_new_range(tmp_path):
    cells = {(1, 1): ("{=", "_xlfn.SEQUENCE(B1)", "A1:A3", True), (2, 1): ("member",),
             (3, 1): ("member",), (1, 2): 5, (1, 3): ("=", "SUM(A1:A10)")}
    ws, xml = _run(tmp_path, cells)
    assert [ws[f"A{r}"].value for r in range(1, 7)] == [1, 2, 3, 4, 5, None]
    assert _ref_of(xml, "A1") == "A1:A5"
    assert ws["C1"].value == 15


def test_a_shrunk_spill_empties_the_cells_it_left(tmp_path):
    cells = {(1, 1): ("{=", "_xlfn.SEQUENCE(B1,2)", "A1:B4", True), (1, 3): 2}
    for r in range(1, 5):
        for c in (1, 2):
            if (r, c) != (1, 1):
                cells[(r, c)] = ("member",)
    cells[(1, 3)] = 2
    cells[(1, 4)] = ("=", "COUNT(A1:B4)")
    ws, xml = _run(tmp_path, {k: (v if k != (1, 1) else ("{=", "_xlfn.SEQUENCE(C1,2)",
                                                           "A1:B4", True)) for k, v in cells.items()})
    assert [[ws.cell(r, c).value for c in (1, 2)] for r in range(1, 5)] == \
        [[1, 2], [3, 4], [None, None], [None, None]]
    assert _ref_of(xml, "A1") == "A1:B2"
    assert ws["D1"].value == 4


def test_a_blocked_spill_shows_spill_error_and_spills_nothing(tmp_path):
    cells = {(1, 1): ("{=", "_xlfn.SEQUENCE(B1)", "A1:A2", True), (2, 1): ("member",),
             (1, 2): 4, (4, 1): "in the way"}
    ws, xml = _run(tmp_path, cells)
    # written as Excel writes #SPILL!: #VALUE! with value metadata (what openpyxl sees),
    # decoded by the reader
    assert ws["A1"].value == "#VALUE!" and re.search(r'<c r="A1" t="e"[^>]* vm="\d+">', xml)
    assert str(read_workbook(tmp_path / "out" / "spill.xlsx").sheet("S").cached[(1, 1)]) == \
        "#SPILL!"
    assert ws["A2"].value is None and ws["A3"].value is None
    assert ws["A4"].value == "in the way"
    assert _ref_of(xml, "A1") == "A1"


def test_a_legacy_array_formula_keeps_its_range_with_na_beyond_the_result(tmp_path):
    cells = {(1, 1): ("{=", "_xlfn.SEQUENCE(2)", "A1:A3"), (2, 1): ("member",), (3, 1): ("member",)}
    ws, xml = _run(tmp_path, cells)
    assert [ws[f"A{r}"].value for r in range(1, 4)] == [1, 2, "#N/A"]
    assert _ref_of(xml, "A1") == "A1:A3"


def test_a_cell_the_spill_grew_into_is_read_with_its_new_value(tmp_path):
    # Early comes first in the workbook, so its formula is met before the spilling one
    src = tmp_path / "spill.xlsx"
    write_xlsx(src, {"Early": {(1, 1): ("=", "S!A4*10"), (2, 1): ("=", "SUM(S!A:A)")},
                     "S": {(1, 1): ("{=", "_xlfn.SEQUENCE(B1)", "A1:A2", True), (2, 1): ("member",),
                           (1, 2): 4}})
    code, out, _, _ = recalc(src, tmp_path / "out")
    assert code == 0, out
    ws = values(tmp_path / "out" / "spill.xlsx")
    assert ws["A1"].value == 40 and ws["A2"].value == 10
