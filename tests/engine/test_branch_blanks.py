"""IF, IFERROR and IFNA give 0 for a branch that is a blank cell (Excel: =IF(1,A1) with A1
empty shows 0, not an empty cell), in the general implementations (a condition that is not
TRUE or FALSE, an error caught) as in the direct branch, cell by cell and over a column run."""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.xlsx_read import parse_cell_ref


def column_of(formula, rows=6, values=None):
    """``formula`` in Z1:Z{rows} (a column run from four rows on); A and B hold ``values``."""
    s = SheetInput("Sheet1")
    for ref, v in (values or {}).items():
        s.values[parse_cell_ref(ref)] = v
    for r in range(1, rows + 1):
        s.formulas[(r, 26)] = formula.replace("#", str(r))
    results, _ = calculate(BookInput([s]))
    return [results["Sheet1"][(r, 26)] for r in range(1, rows + 1)]


# Column A is blank throughout; column B holds 7 in every row.
SEVENS = {f"B{r}": 7 for r in range(1, 7)}


@pytest.mark.parametrize("rows", [1, 6])
@pytest.mark.parametrize("formula, expected", [
    ("IF(1,A#)", 0),                 # a number as condition: the general IF
    ('IF("TRUE",A#,B#)', 0),         # text TRUE as condition
    ("IF(0,B#,A#)", 0),
    ("IF(2,B#,A#)", 7),
    ("IFERROR(1/0,A#)", 0),          # the error caught, the fallback blank
    ("IFERROR(A#,B#)", 0),           # no error, the value blank
    ("IFERROR(B#,A#)", 7),
    ("IFNA(NA(),A#)", 0),
    ("IFNA(A#,B#)", 0),
    ("IFNA(1/0,A#)", "#DIV/0!"),     # IFNA lets other errors through
])
def test_a_blank_branch_is_zero(formula, expected, rows):
    got = column_of(formula, rows, SEVENS)
    assert [str(v) if not isinstance(v, (int, float)) else v for v in got] == [expected] * rows
    if expected == 0:
        assert all(type(v) is not bool for v in got)


def test_a_blank_fallback_inside_an_array_is_zero():
    # read by INDEX and ISNUMBER, where a blank and 0 differ
    # 1/{0,1} is {#DIV/0!,1}; the fallback A1:B1 is {blank,7}: IFERROR gives {0,1}
    got = column_of("ISNUMBER(INDEX(IFERROR(1/{0,1},A1:B1),1,1))", 1, {"B1": 7})
    assert got == [True]
    got = column_of("INDEX(IFERROR(1/{0,1},A1:B1),1,2)", 1, {"B1": 7})
    assert got == [1]
