"""The oracle runner counts apart the cells no engine can compute from the file: those that
call a function no Excel has (an add-in's, the workbook's VBA) and every cell computed from
them, through array ranges and references, transitively.  A cell that calls an Excel function
the engine lacks is not among them: that is the engine's failure, counted as such."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import oracle_runner  # noqa: E402
from xlsx_raw import write_xlsx  # noqa: E402


def test_cells_computed_from_an_add_in_function_are_counted_apart(tmp_path):
    src = tmp_path / "addin.xlsx"
    write_xlsx(src, {"S": {
        (1, 1): 2,
        (1, 2): ("=", "my_addin_fn(A1)"),            # calls an add-in function
        (2, 2): ("{=", "_xll.MATRIX(A1)", "B2:C3", True),  # an XLL function's spill range
        (2, 3): ("member",), (3, 2): ("member",), (3, 3): ("member",),
        (1, 4): ("=", "B1*2"),                        # reads it
        (2, 4): ("=", "SUM(C2:C3)"),                  # reads a member of the spill range
        (3, 4): ("=", "D1+D2"),                       # transitively
        (4, 4): ("=", "A1*3"),                        # computable
        (5, 4): ("=", "SUM(A1:A3)"),                  # computable
    }})
    from kpi_xl.engine.recalc import compute
    _, _, report = compute(str(src))
    cells = oracle_runner.addin_cells(src, report)
    assert cells == {f"S!{rc}" for rc in [(1, 2), (2, 2), (2, 3), (3, 2), (3, 3),
                                         (1, 4), (2, 4), (3, 4)]}


def test_an_excel_function_the_engine_lacks_is_not_an_add_in():
    # CELL and RTD are Excel's; a name Excel does not have is the author's
    assert oracle_runner.addin_functions({"CELL", "RTD", "MY_ADDIN_FN", "_XLL.MATRIX",
                                          "VLOOKUP"}) == {"MY_ADDIN_FN", "_XLL.MATRIX"}
