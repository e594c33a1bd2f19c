"""KPI functions down a column of agents (kpi_xl.engine.functions.kpi_columns).

A real .xlsx (written with openpyxl, read back by the engine's reader) holds twenty
agent rows scored by every function of the catalogue, against band tables with a
gap, an overlap, unsorted thresholds, an error cell, text, blank points and no
rows at all; the inputs hold text, blanks, error values, TRUE and a zero
denominator.  Every cell computed by column runs must equal the same cell
computed on its own (``columns=False``), type and all; the band points are also
checked against DOMAIN.md's worked example, by hand.
"""
from __future__ import annotations

import math
import random

import pytest

from kpi_xl.core import bands as core_bands
from kpi_xl.core.errors import CellError, KpiError
from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.functions.helpers import GENERIC
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

NA, VALUE, NUM, DIV0 = XlErr("#N/A"), XlErr("#VALUE!"), XlErr("#NUM!"), XlErr("#DIV/0!")
AGENTS, SCHEME = "考核", "方案"
FIRST, LAST = 2, 21

# The conversion column (A): DOMAIN.md's agents A, B, C first, then values on, near
# and between the bounds, a value in the table's gap (31 %-32 %), and inputs that
# are not numbers.
CONVERSION = [88 / 275, 582 / 1455, 232 / 800, 0.315, 0.41, 0.41 - 1e-15, 0.38, "35%",
              "abc", None, "#N/A", True, 0.0, -0.5, 1.5, 0.25, 0.28, 0.31, 0.345, 0.2]
# DOMAIN.md's conversion table: X ≥ 41 %: 100; 38–41: 90; 35–38: 80; 32–35: 70; 28–31: 60;
# 25–28: 50; < 25: 0 (lower bounds inclusive), with its gap between 31 % and 32 %.
CONVERSION_POINTS = [70, 90, 60, NA, 100, 100, 90, 80, VALUE, "", NA, 100, 0, 0, 100, 50, 60,
                     NA, 70, 0]
PAYMENT = [228 / 240, 247 / 325, 198 / 225, 0.62, 0.55, 0.5, 0.45, 0.65, 0.7, 0.9] * 2
# DOMAIN.md's payment-rate table with its overlap: 60–70 % is listed above 50–65 %,
# so 62 % and 65 % score 70 (the first row from the top holding the value wins).
PAYMENT_POINTS = [100, 80, 90, 70, 60, 60, 0, 70, 80, 100] * 2
ST = [13, 8, 16, 10, 10.5, 15, 20, 25, 30, 31, "", "x", 0, 12, 19, 21, 26, 29, 35, 5]
# ST ≤ 10: 100; 10–15: 90; 15–20: 80; 20–25: 70; 25–30: 60; > 30: 0 (upper bounds inclusive)
ST_POINTS = [90, 100, 80, 100, 90, 90, 80, 70, 60, 0, "", VALUE, 100, 90, 80, 70, 60, 60, 0, 100]


def _col(n):
    s = ""
    while n:
        n, k = divmod(n - 1, 26)
        s = chr(65 + k) + s
    return s


def _scheme(ws):
    tables = {
        # name: (top-left, rows)
        "conversion": ("A1", [("下限", "上限", "得分"), (0.41, None, 100), (0.38, 0.41, 90),
                               (0.35, 0.38, 80), (0.32, 0.35, 70), (0.28, 0.31, 60),
                               (0.25, 0.28, 50), (None, 0.25, 0)]),
        "payment": ("E1", [(0.9, None, 100), (0.8, 0.9, 90), (0.7, 0.8, 80), (0.6, 0.7, 70),
                           (0.5, 0.65, 60), (None, 0.5, 0)]),
        # 2 columns, thresholds as upper bounds (closed right), in no order, blank = above all
        "st": ("I1", [("门槛", "得分"), (15, 90), (10, 100), (25, 70), (20, 80), (30, 60),
                      (None, 0)]),
        "with_error": ("L1", [(0, 0), ("#DIV/0!", 50), (0.5, 100)]),
        "with_text": ("O1", [(0, 0), ("ten", 50), (0.5, 100)]),
        "blank_points": ("R1", [(0, None), (0.3, 50), (0.4, None)]),
        "linear": ("U1", [(0.5, 100), (0, 0), (0.25, 60)]),
        "tiers": ("X1", [(0, 0.01), (10000, 0.02), (20000, 3)]),
        "weights": ("AA1", [(0.5, 0.3, 0.2)]),
        "history": ("AE1", [(v,) for v in (0.2, 0.25, 0.3, 0.33, 0.36, 0.4, 0.45, 0.5)]),
    }
    from openpyxl.utils import coordinate_to_tuple
    for name, (at, rows) in tables.items():
        r0, c0 = coordinate_to_tuple(at)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    ws.cell(r0 + i, c0 + j, v)
    # (the empty table is AH1:AI4, nothing in it)


def _agent_formulas(r):
    s = f"{SCHEME}!"
    return {
        "H": f"KPI_BAND(A{r},{s}$A$1:$C$8)",
        "I": f"KPI_BAND(B{r},{s}$E$1:$G$6)",
        "J": f'KPI_BAND(C{r},{s}$I$1:$J$7,"right")',
        "K": f"KPI_BAND(A{r},{s}$L$1:$M$3)",
        "L": f"KPI_BAND(A{r},{s}$O$1:$P$3)",
        "M": f"KPI_BAND(A{r},{s}$R$1:$S$3)",
        "N": f"KPI_BAND(A{r},{s}$AH$1:$AI$4)",
        "O": f'KPI_BAND(A{r},{s}$A$1:$C$8,"middle")',
        "P": f"KPI_BAND(A{r},{s}$A$1:$C$8,G{r})",        # the side read per row
        "Q": f'KPI_BAND(C{r}+0,{s}$I$2:$J$7,"right")',     # an expression as the value
        "R": f"IFERROR(KPI_BAND(A{r},{s}$A$1:$C$8),-1)",
        "S": f"KPI_LINEAR(A{r},{s}$U$1:$V$3)",
        "T": f"KPI_RATE(D{r},E{r})",
        "U": f'KPI_RATE(D{r},E{r},"-")',
        "V": f"KPI_WEIGHTED(H{r}:J{r},{s}$AA$1:$AC$1)",
        "W": f"KPI_BONUS(V{r},F{r})",
        "X": f"KPI_FINAL(V{r},D{r}:E{r})",
        "Y": f"KPI_FINAL(V{r},,E{r},5,95)",
        "Z": f'KPI_COMMISSION(F{r}*10,{s}$X$1:$Y$3,"progressive")',
        "AA": f"KPI_TENURE_BASE(E{r},3000)",
        "AB": f'KPI_QUADRANT(A{r},F{r}/20,0.35,80,"en")',
        "AC": f"KPI_CV(H{r}:J{r})",
        "AD": f"KPI_DSR(H{r}:J{r},D{r}:F{r},2)",
        "AE": f"KPI_YEAR_END(H{r}:J{r},75,2)",
        "AF": f"KPI_CHECK_BANDS({s}$A$1:$C$8)",
        "AG": f"KPI_CHECK_WEIGHTS({s}$AA$1:$AC$1)",
        "AH": f"INDEX(KPI_SUGGEST_BANDS({s}$AE$1:$AE$8,4),2,3)",
        "AI": f"SUM(KPI_BAND(A{r}:A{r + 1},{s}$A$1:$C$8))",   # an array context: cell by cell
    }


def _build(path):
    from openpyxl import Workbook
    wb = Workbook()
    ag = wb.active
    ag.title = AGENTS
    _scheme(wb.create_sheet(SCHEME))
    rnd = random.Random(11)
    for i, r in enumerate(range(FIRST, LAST + 1)):
        inquiries = [275, 1455, 800, 0, 0, "", 120][i] if i < 7 else rnd.randint(0, 900)
        buyers = [88, 582, 232, 0, 5, 3, "n/a"][i] if i < 7 else rnd.randint(0, 300)
        row = {"A": CONVERSION[i], "B": PAYMENT[i], "C": ST[i], "D": buyers, "E": inquiries,
               "F": 1000 + 137 * i, "G": ["left", "right", "", "x"][i % 4]}
        for col, v in row.items():
            if v is not None and v != "":
                ag[f"{col}{r}"] = v
        for col, f in _agent_formulas(r).items():
            ag[f"{col}{r}"] = "=" + f
    wb.save(path)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    from kpi_xl.engine.recalc import book_input
    from kpi_xl.engine.xlsx_read import read_workbook
    path = tmp_path_factory.mktemp("kpi_columns") / "kpi_columns.xlsx"
    _build(path)
    by_cols, rep = calculate(book_input(read_workbook(str(path))), columns=True)
    by_cell, _ = calculate(book_input(read_workbook(str(path))), columns=False)
    return by_cols[AGENTS], by_cell[AGENTS], rep


def _column(res, col):
    from openpyxl.utils import column_index_from_string
    c = column_index_from_string(col)
    return [res[(r, c)] for r in range(FIRST, LAST + 1)]


def test_every_kpi_cell_equals_cell_by_cell(both):
    by_cols, by_cell, _ = both
    assert by_cols.keys() == by_cell.keys()
    differ = [(k, by_cell[k], by_cols[k]) for k in by_cell
              if not (type(by_cols[k]) is type(by_cell[k]) and by_cols[k] == by_cell[k])]
    assert not differ, differ[:10]


def test_kpi_columns_are_computed_as_runs(both):
    *_, rep = both
    # every formula column but AI (an array argument) runs as a column
    assert rep.column_cells >= 27 * (LAST - FIRST + 1)


@pytest.mark.parametrize("col, expected", [
    ("H", CONVERSION_POINTS), ("I", PAYMENT_POINTS), ("J", ST_POINTS),
    ("Q", ST_POINTS[:10] + [100] + ST_POINTS[11:]),   # a blank + 0 is 0
])
def test_band_points_as_domain_md_works_them(both, col, expected):
    by_cols, _, _ = both
    got = _column(by_cols, col)
    assert got == expected
    assert [type(v) for v in got] == [type(v) if not isinstance(v, int) else float for v in expected]


def test_bad_tables_and_options(both):
    by_cols, _, _ = both
    blank_at = CONVERSION.index(None)
    text_at, error_at = CONVERSION.index("abc"), CONVERSION.index("#N/A")

    def expect(table_error):
        out = [table_error] * len(CONVERSION)
        out[blank_at], out[text_at], out[error_at] = "", VALUE, NA
        return out
    # an error cell in the table: its error, after the value's own error
    assert _column(by_cols, "K") == [NA if i == error_at else DIV0 for i in range(20)]
    assert _column(by_cols, "L") == expect(VALUE)          # text in the table
    assert _column(by_cols, "N") == expect(NUM)            # an empty table
    assert _column(by_cols, "O") == [NA if i == error_at else NUM for i in range(20)]
    # a band whose points are blank scores ""; below the first bound #N/A
    assert _column(by_cols, "M")[:3] == [50.0, "", ""]
    assert _column(by_cols, "M")[CONVERSION.index(-0.5)] == NA
    assert _column(by_cols, "R")[3] == -1


def test_rates_with_a_zero_denominator(both):
    by_cols, _, _ = both
    t, u = _column(by_cols, "T"), _column(by_cols, "U")
    assert t[:3] == [0.32, 0.4, 0.29]
    assert t[3:7] == [0.0, 0.0, "", VALUE] and u[3:5] == ["-", "-"]


def test_the_band_table_is_read_once_per_run(tmp_path, monkeypatch):
    """A clean column of 50 agents: the core reads the table once, not 50 times."""
    built = []
    original = core_bands.BandTable.__init__

    def counting(self, *a, **k):
        built.append(1)
        original(self, *a, **k)
    monkeypatch.setattr(core_bands.BandTable, "__init__", counting)
    s, sc = SheetInput(AGENTS), SheetInput(SCHEME)
    for i, (lo, p) in enumerate([(0, 0), (0.25, 50), (0.28, 60), (0.32, 70), (0.41, 100)], 1):
        sc.values[(i, 1)], sc.values[(i, 2)] = lo, p
    for r in range(1, 51):
        s.values[(r, 1)] = r / 100
        s.formulas[(r, 2)] = f"KPI_BAND(A{r},{SCHEME}!$A$1:$B$5)"
    by_cols, _ = calculate(BookInput([s, sc]), columns=True)
    assert len(built) == 1
    built.clear()
    by_cell, _ = calculate(BookInput([s, sc]), columns=False)
    assert len(built) == 50
    assert by_cols == by_cell
    assert [by_cols[AGENTS][(r, 2)] for r in (24, 25, 28, 31, 32, 41, 50)] == \
        [0.0, 50.0, 60.0, 60.0, 70.0, 100.0, 100.0]


def _core(table, x, closed):
    try:
        return core_bands.band_score(x, table, closed)
    except KpiError as exc:
        return exc.as_cell_error()


@pytest.mark.parametrize("closed", ["left", "right"])
def test_bisection_answers_as_the_core_scan(closed):
    """The band index against the core's own scan, on and within rounding noise of every
    bound, in gaps, overlaps and beyond the ends."""
    from kpi_xl.engine.functions.kpi_columns import BandIndex
    tables = [
        [[0.41, None, 100], [0.38, 0.41, 90], [0.35, 0.38, 80], [0.32, 0.35, 70],
         [0.28, 0.31, 60], [0.25, 0.28, 50], [None, 0.25, 0]],
        [[0.9, None, 100], [0.6, 0.7, 70], [0.5, 0.65, 60], [None, 0.5, 0]],
        [[15, 90], [10, 100], [25, 70], [None, 0]],
        [[-1e300, 0, 1], [0, 1e-300, 2], [1e-300, 1e300, 3]],
        [[None, None, 7]],
        [[1, 1 + 1e-13, 5], [1 + 1e-13, 2, 6]],          # bounds the core counts as equal
    ]
    rnd = random.Random(5)
    for rows in tables:
        table = core_bands.BandTable(rows, closed)
        index = BandIndex(table, lambda v: v)
        xs = [0.0, -0.0, 1e308, -1e308]
        for band in table.bands:
            for b in (band.lower, band.upper):
                if b is not None:
                    for d in (0, 1e-15, 1e-13, 1e-12, 2e-12, 1e-9, 1e-3):
                        xs += [b + d * abs(b), b - d * abs(b), b + d, b - d]
        lows = [b for band in table.bands for b in (band.lower, band.upper) if b is not None] or [0]
        xs += [rnd.uniform(min(lows) - 1, max(lows) + 1) for _ in range(2000)]
        column = index.scored(xs)
        for x, in_column in zip(xs, column):
            want = _core(rows, x, closed)
            got = index(x)
            assert got == want and type(got) is type(want), (rows, closed, x, got, want)
            assert in_column == want and type(in_column) is type(want), (rows, closed, x)
            assert not isinstance(want, CellError) or want in ("#N/A",)
        # what is not a finite number: a blank scores blank, the rest is left to the cell
        others = [None, "0.3", True, math.inf, -math.inf, math.nan, 3]
        assert index.scored(others)[:6] == ["", GENERIC, GENERIC, GENERIC, GENERIC, GENERIC]
        assert index.scored(others)[6] == _core(rows, 3.0, closed)


def test_a_cleared_points_column_scores_blank_down_a_column_too(tmp_path):
    """The band table of DOMAIN's first response (10 < ST <= 15 → 90 …) with its points
    cleared: every agent's KPI_BAND is blank, computed as a column run and written by
    `kpi-xl recalc`, and KPI_CHECK_BANDS names the rows; before, 12 s scored 15."""
    from openpyxl import Workbook, load_workbook
    from kpi_xl.cli import main
    wb = Workbook()
    ws = wb.active
    ws.title = "客服"
    for i, (lo, hi) in enumerate([(None, 10), (10, 15), (15, 20), (20, None)], start=1):
        if lo is not None:
            ws[f"H{i}"] = lo
        if hi is not None:
            ws[f"I{i}"] = hi
    for r in range(2, 22):
        ws[f"A{r}"] = 5 + r            # 7 … 26 s
        ws[f"B{r}"] = f'=KPI_BAND(A{r},$H$1:$J$4,"right")'
    ws["D1"] = '=KPI_CHECK_BANDS($H$1:$J$4,"right")'
    src, out = tmp_path / "in.xlsx", tmp_path / "out"
    wb.save(src)
    assert main(["recalc", str(src), "-o", str(out), "--quiet"]) == 0
    got = load_workbook(out / "in.xlsx", data_only=True)["客服"]
    assert [got[f"B{r}"].value for r in range(2, 22)] == [None] * 20   # "" is written as blank text
    assert got["D1"].value == ("Row 1 has no points. Row 2 has no points. Row 3 has no points. "
                               "Row 4 has no points.")


def test_a_table_without_a_row_of_numbers_is_named_by_its_check(tmp_path):
    """Band tables with no row of numbers, in a real .xlsx recalculated by the engine: one
    row of words pasted over the numbers (read as the header), a header alone, nothing at
    all.  KPI_BAND is #NUM! over each, cell by cell and down a column; KPI_CHECK_BANDS,
    alone and as a column run, names why (it was blank, which the month's verification
    skips).  A table of numbers typed as text ("10", "32%") scores and checks OK."""
    from openpyxl import Workbook, load_workbook
    from kpi_xl.engine import recalc_file
    wb = Workbook()
    ws = wb.active
    ws.title = "方案"
    tables = {   # first column: (rows); each table is 3 columns wide and 3 rows high
        "A": [("low", "mid", "five")],
        "E": [("下限", "上限", "得分")],
        "I": [],
        "M": [("10", "20", "5"), ("20", "30", "10"), ("30", None, "20")],
    }
    from openpyxl.utils import column_index_from_string, get_column_letter
    ranges = {}
    for first, rows in tables.items():
        c0 = column_index_from_string(first)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                if v is not None:
                    ws.cell(i, c0 + j, v)
        ranges[first] = f"${first}$1:${get_column_letter(c0 + 2)}$3"
    for k, (first, rng) in enumerate(ranges.items()):
        c = 1 + 3 * k
        ws.cell(10, c, f"=KPI_CHECK_BANDS({rng})")
        ws.cell(11, c, f'=KPI_CHECK_BANDS({rng},"left","zh")')
        for r in range(12, 32):            # a column of agents: scores and checks
            ws.cell(r, c, f"=KPI_BAND({get_column_letter(c + 2)}{r},{rng})")
            ws.cell(r, c + 1, f"=KPI_CHECK_BANDS({rng})")
            ws.cell(r, c + 2, 5 + r)       # 17 … 36
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    recalc_file(src, out)
    got = load_workbook(out, data_only=True)["方案"]
    words = ("The band table has no rows of numbers: row 1 holds only text ('low', 'mid', "
             "'five'), read as its header.")
    header = ("The band table has no rows of numbers: row 1 holds only text ('下限', '上限', "
              "'得分'), read as its header.")
    empty = "The band table is empty: it has no rows of bounds and points."
    in_chinese = ["区间表没有数字行：第 1 行只有文字（“low”、“mid”、“five”），被当作表头。",
                  "区间表没有数字行：第 1 行只有文字（“下限”、“上限”、“得分”），被当作表头。",
                  "区间表是空的：没有任何区间行。"]
    for k, (said, zh) in enumerate(zip([words, header, empty], in_chinese)):
        c = 1 + 3 * k
        assert got.cell(10, c).value == said
        assert got.cell(11, c).value == zh
        assert [got.cell(r, c + 1).value for r in range(12, 32)] == [said] * 20
        assert [got.cell(r, c).value for r in range(12, 32)] == ["#NUM!"] * 20
    # Numbers typed as text are numbers: 17 … 19 lie in 10–20 (5), 20 … 29 in 20–30 (10),
    # 30 … 36 in ≥ 30 (20), by hand.
    c = 10
    assert got.cell(10, c).value == "OK" and got.cell(11, c).value == "OK"
    assert [got.cell(r, c).value for r in range(12, 32)] == [5] * 3 + [10] * 10 + [20] * 7
    assert [got.cell(r, c + 1).value for r in range(12, 32)] == ["OK"] * 20
