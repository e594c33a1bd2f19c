"""Iterative calculation: <calcPr iterate="1" iterateCount=… iterateDelta=…>.

Excel's documentation (File › Options › Formulas, "Enable iterative calculation"):
with it on, a circular reference is recalculated until no value changes by more than
Maximum Change, or Maximum Iterations passes have been made; off, a circular
reference is an error.  Hand-worked: B1 = B2/2 + 10 and B2 = B1/2 meet at
B1 = 40/3, B2 = 20/3, the distance shrinking fourfold each pass; A1 = A1+1 never
settles, so it makes every pass, one unit each, from its saved value 0.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kpi_xl.engine.recalc import compute

sys.path.insert(0, str(Path(__file__).parent))
from test_eval_hostile import recalc, values  # noqa: E402
from xlsx_raw import write_xlsx  # noqa: E402

CELLS = {(1, 2): ("=", "B2*0.5+10"), (2, 2): ("=", "B1*0.5"),
         (1, 1): ("=", "A1+1"), (3, 1): ("=", "A1*2"), (4, 1): 7, (5, 1): ("=", "A4*3")}


def _calc_pr(iterate, count=None, delta=None):
    attrs = ' iterate="1"' if iterate else ""
    attrs += f' iterateCount="{count}"' if count is not None else ""
    attrs += f' iterateDelta="{delta}"' if delta is not None else ""
    return f'<calcPr calcId="191029"{attrs}/>'


@pytest.mark.parametrize("count", [1, 3, 10, 100])
def test_a_cycle_that_never_settles_makes_every_pass(tmp_path, count):
    src = tmp_path / "it.xlsx"
    write_xlsx(src, {"S": CELLS}, calc_pr=_calc_pr(True, count, 0.001))
    _, res, rep = compute(str(src))
    assert res["S"][(1, 1)] == count and res["S"][(3, 1)] == 2 * count
    assert res["S"][(5, 1)] == 21
    assert rep.iterations == count and rep.circular == []


def test_a_converging_cycle_stops_at_the_workbooks_delta(tmp_path):
    src = tmp_path / "it.xlsx"
    cells = {k: v for k, v in CELLS.items() if k[1] == 2}
    for delta, passes_at_most in ((0.001, 12), (1e-9, 25)):
        write_xlsx(src, {"S": cells}, calc_pr=_calc_pr(True, 1000, delta))
        _, res, rep = compute(str(src))
        assert abs(res["S"][(1, 2)] - 40 / 3) < delta * 4
        assert abs(res["S"][(2, 2)] - 20 / 3) < delta * 4
        assert rep.iterations <= passes_at_most, rep.iterations


def test_the_default_count_is_100_and_without_iterate_a_cycle_is_an_error(tmp_path):
    src = tmp_path / "it.xlsx"
    write_xlsx(src, {"S": CELLS}, calc_pr=_calc_pr(True))
    _, res, _ = compute(str(src))
    assert res["S"][(1, 1)] == 100
    write_xlsx(src, {"S": CELLS}, calc_pr=_calc_pr(False))
    _, res, rep = compute(str(src))
    assert str(res["S"][(1, 1)]) == "#CALC!" and "S!A1" in rep.circular
    assert res["S"][(5, 1)] == 21


def test_iteration_through_the_command_line(tmp_path):
    src = tmp_path / "it.xlsx"
    write_xlsx(src, {"S": CELLS}, calc_pr=_calc_pr(True, 50, 0.0001))
    code, out, _, _ = recalc(src, tmp_path / "out")
    assert code == 0, out
    ws = values(tmp_path / "out" / "it.xlsx")
    assert ws["A1"].value == 50 and ws["A3"].value == 100
    assert abs(ws["B1"].value - 40 / 3) < 0.001
