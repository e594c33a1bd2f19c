"""A column run whose call has the same arguments on every row (a share of the total,
B2/SUM($B$2:$B$201); AVERAGE(C:C) beside each agent) computes that call once, and a
volatile call (RANDBETWEEN) still draws once per cell.  Values are worked by hand; the
cell-by-cell path must give the same."""
from __future__ import annotations

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput

N = 200


def _sheet(formula):
    s = SheetInput("S")
    for r in range(2, N + 2):
        s.values[(r, 2)] = r - 1               # B2:B201 = 1..200, total 20,100
        s.formulas[(r, 4)] = formula.replace("{r}", str(r))
    return s


def _both(formula):
    out = []
    for columns in (True, False):
        res, _ = calculate(BookInput([_sheet(formula)]), columns=columns)
        out.append([res["S"][(r, 4)] for r in range(2, N + 2)])
    return out


def test_a_share_of_the_total_and_whole_column_aggregates():
    for formula, expected in [
        ("B{r}/SUM($B$2:$B$201)", [(r - 1) / 20100 for r in range(2, N + 2)]),
        ("B{r}-AVERAGE(B:B)", [(r - 1) - 100.5 for r in range(2, N + 2)]),
        ("MAX(B:B)-B{r}", [200 - (r - 1) for r in range(2, N + 2)]),
        ("COUNTA(B:B)+COUNT(E:E)", [200] * N),       # E is empty: its column moves with none
        ("SUM(B$2:B$201)", [20100] * N),             # relative column, fixed rows
    ]:
        cols, cells = _both(formula)
        assert cols == cells, formula
        assert cols == expected, formula


def test_a_volatile_call_with_the_same_arguments_still_draws_per_cell():
    cols, _ = _both("RANDBETWEEN(1,1000000000)")
    assert len(set(cols)) > N - 3           # 200 draws from a billion: no repeats to speak of


def test_a_run_whose_results_overflow_shows_num_in_those_cells_only():
    """Rows 2-200 of B*1E306 stay numbers; rows 101-200 of B*1E306*10 pass 1.8E308 and are
    #NUM!, as Excel shows a number it cannot hold; text and logical results stay as they are."""
    from kpi_xl.engine.values import XlErr
    cols, cells = _both("IF(B{r}>100,B{r}*1E306*10,B{r}*1E306)")
    assert cols == cells
    assert [v for v in cols[:17]] == [(r - 1) * 1e306 for r in range(2, 19)]
    assert cols[17] == 18 * 1e306 and cols[18] == 19 * 1e306       # still below the largest
    assert all(type(v) is XlErr and v.code == "#NUM!" for v in cols[100:])
    assert all(type(v) is float for v in cols[:100])
    cols, cells = _both('IF(B{r}>199,1/0,IF(B{r}>100,"high",B{r}>50))')
    assert cols == cells
    assert cols[:50] == [False] * 50 and cols[50:100] == [True] * 50
    assert cols[100:199] == ["high"] * 99
    assert type(cols[199]) is XlErr and cols[199].code == "#DIV/0!"
