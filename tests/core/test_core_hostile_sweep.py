"""Hostile arguments for every function of the catalogue, as Python and through the engine.

Every call gives a number, a text, a blank or an Excel error value: never a Python
exception, never NaN or infinity; and a workbook recalculated by `kpi-xl recalc` gives
the same answer cell by cell as the function called as a cell would be
(:func:`kpi_xl.registry.invoke`).
"""
from __future__ import annotations

import itertools
import math

import pytest

from kpi_xl import dsr_rating, final_score
from kpi_xl.core.errors import CellError, KpiNumError
from kpi_xl.registry import BY_NAME, FUNCTIONS, invoke

#: What users type where a number belongs, and what workbooks hand on.
SCALARS = [None, " ", "", "12次", "1,234", "１２", "３２％", "—", "abc", True, False,
           CellError("#N/A"), CellError("#DIV/0!"), 32, 0.32, 0, -1, 1e308, -1e308, 1e-300,
           "32%", "1e400", "1,2", 1e30, 3.0, 85, 70, 4.9, 12, 0.95, 95, 1.5, "left", "right",
           "zh", "en", "progressive", "lower"]
CONV = [[0.41, None, 100], [0.38, 0.41, 90], [0.35, 0.38, 80], [0.32, 0.35, 70],
        [0.28, 0.31, 60], [0.25, 0.28, 50], [None, 0.25, 0]]          # DOMAIN, gap 31–32 %
RANGES = [CONV, [[0.5, 0.65, 60], [0.6, 0.7, 70]], [["10%", "20%", 5], ["20%", "30%", 6]],
          [[0.1, "x", 3]], [[CellError("#N/A"), 1, 2]], [[True, 1], [0, 2]], [[0.3, 0.2, 5]],
          [[0, 0.03], [30000, 0.04], [60000, 0.05]], [[70, 100, 70, 90, 90, 80]],
          [[0.3, 0.25, 0.2, 0.1, 0.05, 0.05]], [[0.3], [0.7]], [[69, 69, 69, 90]],
          [[4.9, 4.8, 6]], [[10, 0, 5.5]], [[None, None]], [["abc"]], [[1, -1]], [], [[]],
          [[float("nan"), 1]], [[float("inf"), 1]], "x", 5, None]


def _clean(value) -> bool:
    if isinstance(value, list):
        return all(_clean(v) for row in value for v in (row if isinstance(row, list) else [row]))
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (int, str, bool, CellError))


@pytest.mark.parametrize("entry", FUNCTIONS, ids=lambda e: e.name)
def test_no_exception_escapes_and_no_nan(entry):
    pools = [SCALARS if a.kind == "scalar" else RANGES for a in entry.args]
    calls = 0
    # every value in every position, with the other arguments drawn from their pools in turn
    for position, pool in enumerate(pools):
        for i, value in enumerate(pool):
            args = [p[(i * 7 + k * 3) % len(p)] for k, p in enumerate(pools)]
            args[position] = value
            for n in range(entry.min_args, entry.max_args + 1):
                result = invoke(entry, args[:n])
                assert _clean(result), (entry.name, args[:n], result)
                calls += 1
    assert calls > 20


def test_dsr_ratings_lie_between_1_and_5():
    """DSR is 1–5 stars. By hand: (4.9 × 10 + 5 × 5) ÷ 15 = 74 ÷ 15 = 4.9333…; a month
    without ratings (count 0) counts nothing whatever its average."""
    assert dsr_rating([4.9, 5], [10, 5]) == pytest.approx(74 / 15)
    assert dsr_rating([4.9, 0], [10, 0]) == 4.9
    assert dsr_rating([1, 5], [1, 1]) == 3
    for averages, counts in (([4.9, 6], [10, 5]),        # 6 stars: a typing slip, 5.27 before
                             ([4.9, 49], [10, 5]),       # 49 typed for 4.9
                             ([4.9, 0.5], [10, 5]),      # below one star
                             ([4.9, 4.8], [10, 5.5])):   # half a rating
        with pytest.raises(KpiNumError):
            dsr_rating(averages, counts)
        assert invoke(BY_NAME["KPI_DSR"], [[averages], [counts]]) == CellError("#NUM!")


def test_negative_indicator_counts_are_whole():
    """80 + 5 + 5 − 2 × 10 = 70; 1.5 occurrences used to deduct 15 points (75)."""
    assert final_score(80, [[5, 5]], [[2]]) == 70
    assert final_score(80, [[5, 5]], [[2.0000000000000004]]) == 70   # rounding noise is whole
    with pytest.raises(KpiNumError):
        final_score(80, [[5, 5]], [[1.5]])
    assert invoke(BY_NAME["KPI_FINAL"], [80, [[5, 5]], [[1.5]]]) == CellError("#NUM!")


def _workbook_calls():
    """(formula, args for invoke) of hostile calls through cell references: a column of
    hostile inputs against fixed tables, and the same form down many rows (the engine's
    column path)."""
    tables = {"conv": CONV, "st": [[None, 10, 100], [10, 15, 90], [15, 20, 80], [20, None, 0]],
              "tiers": [[0, 0.03], [30000, 0.04], [60000, 0.05]], "pts": [[0, 0], [1, 100]],
              "w": [[0.3, 0.25, 0.2, 0.1, 0.05, 0.05]], "dsr": [[4.9, 4.8, 6]],
              "dsrn": [[10, 0, 5]]}
    forms = [
        ("KPI_BAND({a},{conv})", lambda a, b: [a, tables["conv"]]),
        ('KPI_BAND({a},{st},"right")', lambda a, b: [a, tables["st"], "right"]),
        ("KPI_BAND({a},{conv},{b})", lambda a, b: [a, tables["conv"], b]),
        ("KPI_LINEAR({a},{pts})", lambda a, b: [a, tables["pts"]]),
        ("KPI_RATE({a},{b})", lambda a, b: [a, b]),
        ("KPI_RATE({a},0,{b})", lambda a, b: [a, 0, b]),
        ("KPI_BONUS({a},1000,{b})", lambda a, b: [a, 1000, b]),
        ("KPI_COMMISSION({a},{tiers},{b})", lambda a, b: [a, tables["tiers"], b]),
        ("KPI_FINAL({a},{b},{b})", lambda a, b: [a, [[b]], [[b]]]),
        ("KPI_TENURE_BASE({a},{b})", lambda a, b: [a, b]),
        ("KPI_QUADRANT({a},{b},0.35,90)", lambda a, b: [a, b, 0.35, 90]),
        ("KPI_DSR({dsr},{dsrn},{a})", lambda a, b: [tables["dsr"], tables["dsrn"], a]),
        ("KPI_CHECK_WEIGHTS({w},{a})", lambda a, b: [tables["w"], a]),
        ("KPI_CHECK_BANDS({conv},{a},{b})", lambda a, b: [tables["conv"], a, b]),
    ]
    return tables, forms


def test_the_engine_gives_what_the_function_gives(tmp_path):
    pytest.importorskip("openpyxl")
    from openpyxl import Workbook, load_workbook
    from openpyxl.utils import get_column_letter
    from kpi_xl.cli import main
    from kpi_xl.templates import engine_available
    if not engine_available():
        pytest.skip("the recalculation engine is not installed")
    tables, forms = _workbook_calls()
    inputs = [v for v in SCALARS if v != ""]   # an empty string is not stored in a cell
    pairs = list(itertools.product(range(len(inputs)), repeat=2))[::3]
    wb = Workbook()
    data = wb.active
    data.title = "数据"
    for r, (i, j) in enumerate(pairs, start=1):
        for c, v in ((1, inputs[i]), (2, inputs[j])):
            data.cell(r, c, str(v) if isinstance(v, CellError) else v)
    t = wb.create_sheet("表")
    refs, col = {}, 1
    for name, rows in tables.items():
        for r, row in enumerate(rows, start=1):
            for k, v in enumerate(row):
                t.cell(r, col + k, v)
        last = get_column_letter(col + len(rows[0]) - 1)
        refs[name] = f"表!${get_column_letter(col)}$1:${last}${len(rows)}"
        col += len(rows[0]) + 1
    out = wb.create_sheet("结果")
    for r in range(1, len(pairs) + 1):
        for k, (form, _) in enumerate(forms, start=1):
            out.cell(r, k, "=" + form.format(a=f"数据!A{r}", b=f"数据!B{r}", **refs))
    path = tmp_path / "hostile.xlsx"
    wb.save(path)
    assert main(["recalc", str(path), "--in-place", "--quiet"]) == 0
    got = load_workbook(path, data_only=True)["结果"]
    differ = []
    for r, (i, j) in enumerate(pairs, start=1):
        a, b = (None if isinstance(v, str) and not v.strip() else v
                for v in (inputs[i], inputs[j]))
        for k, (form, args) in enumerate(forms, start=1):
            name = form.split("(")[0]
            want = invoke(BY_NAME[name], args(a, b))
            want = None if want == "" else (str(want) if isinstance(want, CellError) else want)
            have = got.cell(r, k).value
            if isinstance(want, bool) or isinstance(have, bool) or not (
                    isinstance(want, (int, float)) and isinstance(have, (int, float))):
                ok = have == want
            else:
                ok = math.isclose(have, want, rel_tol=1e-12)
            if not ok:
                differ.append((form, a, b, have, want))
    assert not differ, differ[:10]
