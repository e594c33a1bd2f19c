"""Hostile evaluation: one bad cell, long chains, deep nesting, runaway recursion, cycles.

Each workbook is a real .xlsx (raw XML for the large ones, openpyxl for the small), run
through ``kpi-xl recalc`` in a subprocess whose time and peak memory are measured, and
read back with openpyxl.  The values are worked by hand: a chain A1=A2+1 … down to a
constant 1 in A100000 gives A1 = 100000; Excel's documented behaviour gives the errors
(a LAMBDA that never stops recursing: #NUM!; a circular reference: reported per cell).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.engine.evaluator import EngineBug, calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr
from kpi_xl.engine.xlsx_read import read_workbook

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_raw import write_xlsx  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


# VmHWM, not ru_maxrss: the latter keeps the parent's size from before exec.  Every case
# runs under the 1.5 GB address-space cap of the hostile-input corpus (issue 13).
_CHILD = """
import re, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))
from kpi_xl.cli import main
code = main(["recalc", sys.argv[1], "-o", sys.argv[2]])
with open("/proc/self/status") as fh:
    print("peak-rss-kb", re.search(r"VmHWM:\\s*(\\d+)", fh.read()).group(1), file=sys.stderr)
sys.exit(code)
"""


def recalc(src: Path, out: Path, strict=False, extra_env=None):
    """``kpi-xl recalc src -o out`` in a child process: (returncode, output, seconds, peak MB),
    the peak being the child's own resident memory at its largest."""
    env = dict(os.environ)
    env.pop("KPI_XL_STRICT", None)
    if strict:
        env["KPI_XL_STRICT"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra_env or {})
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _CHILD, str(src), str(out)],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    seconds = time.perf_counter() - t0
    m = re.search(r"peak-rss-kb (\d+)", p.stderr)
    peak = int(m.group(1)) / 1024 if m else float("inf")
    return p.returncode, p.stdout + p.stderr, seconds, peak


def values(path):
    return openpyxl.load_workbook(path, data_only=True).worksheets[0]


# -- failure is the size of a cell ---------------------------------------------------

def test_bad_cells_show_an_error_and_every_other_cell_is_written(tmp_path):
    from openpyxl.worksheet.formula import ArrayFormula
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pay"
    for i in range(1, 6):
        ws.cell(i, 1, i * 10)
        ws.cell(i, 2, i % 3)
    # INDEX given an array of row numbers inside an array formula: Excel gives 10 and 30
    ws["C1"] = ArrayFormula("C1:C2", "=INDEX(A1:A5,{1;3})")
    ws["C2"] = 0
    # MODE.MULT came from the fallback library as a Python list; 1 and 2 are the modes
    # of 1,2,0,1,2, a vertical array, the first shown in a single cell
    ws["E1"] = "=_xlfn.MODE.MULT(B1:B5)"
    ws["D1"] = "=TESTFRAGILE(A1)"            # an engine bug, on purpose
    for r in range(1, 201):
        ws.cell(r, 6, f"=A{min(r, 5)}*2+{r}")
    src = tmp_path / "pay.xlsx"
    wb.save(src)
    before = src.read_bytes()
    code = (
        "import sys\n"
        "from kpi_xl.engine.functions import FUNCTIONS, Impl\n"
        "def fragile(calc, x):\n"
        "    raise KeyError('broken on purpose')\n"
        "FUNCTIONS['TESTFRAGILE'] = Impl(fragile, 1, 1)\n"
        "from kpi_xl.cli import main\n"
        f"sys.exit(main(['recalc', {str(src)!r}, '-o', {str(tmp_path / 'out')!r}]))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("KPI_XL_STRICT", None)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=300)
    out = p.stdout + p.stderr
    assert src.read_bytes() == before
    ws = values(tmp_path / "out" / "pay.xlsx")
    assert [ws["C1"].value, ws["C2"].value] == [10, 30]
    assert ws["E1"].value == 1
    assert ws["F1"].value == 21 and ws["F200"].value == 300
    assert ws["D1"].value == "#VALUE!"
    # named as an engine bug with its cell, and the run's exit code says so
    assert "engine bug" in out and "Pay!D1" in out and "KeyError" in out, out
    assert p.returncode == 1
    assert "Traceback" not in out


def test_an_exception_inside_a_function_is_that_cells_error(monkeypatch):
    from kpi_xl.engine.functions import FUNCTIONS, Impl
    from kpi_xl.engine.functions.helpers import scalarize

    def fragile(calc, x):
        x = scalarize(calc, x)
        if x == 3:
            return 1 / 0
        if x == 4:
            raise KeyError("broken on purpose")
        return x * 2

    FUNCTIONS["TESTFRAGILE"] = Impl(fragile, 1, 1)
    try:
        s = SheetInput("S")
        for r in range(1, 7):
            s.values[(r, 1)] = r
            s.formulas[(r, 2)] = f"TESTFRAGILE(A{r})"
        s.formulas[(1, 3)] = "SUM(B1:B6)"
        s.formulas[(2, 3)] = "SUM(B1:B2,B5:B6)"
        res, rep = calculate(BookInput([s]), strict=False)
        got = res["S"]
        assert [got[(r, 2)] for r in (1, 2, 5, 6)] == [2, 4, 10, 12]
        assert got[(3, 2)] == XlErr("#DIV/0!") and got[(4, 2)] == XlErr("#VALUE!")
        assert got[(1, 3)] == XlErr("#DIV/0!")        # the first error met, as Excel's SUM
        assert got[(2, 3)] == 28
        assert set(rep.engine_bugs) == {"S!B3", "S!B4"}
        assert "KeyError" in rep.engine_bugs["S!B4"]
        with pytest.raises(EngineBug, match=r"S!B3"):
            calculate(BookInput([s]), strict=True)
    finally:
        del FUNCTIONS["TESTFRAGILE"]


# -- chains and nesting: no recursion limit --------------------------------------------

@pytest.mark.parametrize("direction", ["reverse", "forward"])
def test_a_chain_of_100000_cells_is_computed(tmp_path, direction):
    n = 100_000
    if direction == "reverse":
        # A1=A2+1 … A99999=A100000+1, A100000=1: read from the top, each cell needs the next
        cells = {(r, 1): ("=", f"A{r + 1}+1") for r in range(1, n)}
        cells[(n, 1)] = 1
        top, bottom = n, 1
    else:
        cells = {(r, 1): ("=", f"A{r - 1}+1") for r in range(2, n + 1)}
        cells[(1, 1)] = 1
        top, bottom = 1, n
    src = tmp_path / "chain.xlsx"
    write_xlsx(src, {"Chain": cells})
    code, out, seconds, peak = recalc(src, tmp_path / "out")
    assert code == 0, out
    ws = values(tmp_path / "out" / "chain.xlsx")
    assert ws["A1"].value == top and ws[f"A{n}"].value == bottom
    assert ws["A50000"].value == (n - 50000 + 1 if direction == "reverse" else 50000)
    assert seconds < 60, seconds
    assert peak < 1000, peak


def test_an_if_nested_50000_deep_is_computed(tmp_path):
    depth = 50_000
    f = "B1*10"
    for i in range(depth):
        f = f"IF(B1={i},{i},{f})"
    src = tmp_path / "nest.xlsx"
    # A2 is the same formula one row down (B2): it shares A1's compiled form
    write_xlsx(src, {"S": {(1, 1): ("=", f), (1, 2): -7, (2, 1): ("=", f.replace("B1", "B2")),
                           (2, 2): 12345}})
    code, out, seconds, peak = recalc(src, tmp_path / "out")
    assert code == 0, out
    ws = values(tmp_path / "out" / "nest.xlsx")
    assert ws["A1"].value == -70          # no level matches: the innermost B1*10
    assert ws["A2"].value == 12345        # level 12345 matches
    assert seconds < 90, seconds
    assert peak < 1500, peak


@pytest.mark.slow
def test_a_chain_of_a_whole_column_is_computed(tmp_path):
    n = 1_048_576
    cells = {(r, 1): ("=", f"A{r + 1}+1") for r in range(1, n)}
    cells[(n, 1)] = 1
    src = tmp_path / "column.xlsx"
    write_xlsx(src, {"S": cells})
    code, out, seconds, peak = recalc(src, tmp_path / "out")
    assert code == 0, out
    ws = openpyxl.load_workbook(tmp_path / "out" / "column.xlsx", read_only=True, data_only=True)
    assert next(ws.worksheets[0].iter_rows(max_row=1, values_only=True))[0] == n
    assert peak < 3000, peak


def test_a_true_cycle_is_reported_per_cell_and_the_rest_computed():
    s = SheetInput("S")
    n = 1000                   # longer than the depth at which chains are resumed
    for r in range(1, n):
        s.formulas[(r, 1)] = f"A{r + 1}+1"
    s.formulas[(n, 1)] = "A1+1"
    s.values[(1, 2)] = 5
    s.formulas[(2, 2)] = "B1*2"
    res, rep = calculate(BookInput([s]), strict=False)
    assert res["S"][(2, 2)] == 10
    assert all(res["S"][(r, 1)] == XlErr("#CALC!") for r in range(1, n + 1))
    assert rep.circular


# -- runaway recursion through names and LAMBDA ------------------------------------------

def test_recursion_through_names_ends_in_the_cell(tmp_path):
    names = {"SELFX": "SELFX+1",                                   # a name defined by itself
             "RUNAWAY": "LAMBDA(n,RUNAWAY(n+1))",                   # never reaches a base case
             "FACTR": "LAMBDA(n,IF(n<2,1,n*FACTR(n-1)))",           # a proper recursion
             "DEPTH": "LAMBDA(n,IF(n=0,0,1+DEPTH(n-1)))"}
    src = tmp_path / "names.xlsx"
    write_xlsx(src, {"S": {(1, 1): ("=", "SELFX"), (2, 1): ("=", "RUNAWAY(1)"),
                           (3, 1): ("=", "FACTR(10)"), (4, 1): ("=", "DEPTH(500)"),
                           (5, 1): ("=", "IFERROR(RUNAWAY(1),-1)"), (6, 1): ("=", "2+2")}},
               names=names)
    code, out, seconds, peak = recalc(src, tmp_path / "out")
    ws = values(tmp_path / "out" / "names.xlsx")
    assert ws["A2"].value == "#NUM!"
    assert ws["A3"].value == 3628800
    assert ws["A4"].value == 500
    assert ws["A5"].value == -1
    assert ws["A6"].value == 4
    assert isinstance(ws["A1"].value, str) and ws["A1"].value.startswith("#")
    assert seconds < 30 and peak < 600, (seconds, peak)


# -- the budget of a workbook ------------------------------------------------------------

def test_in_place_a_calculation_not_finished_leaves_the_file_as_it_was(tmp_path, monkeypatch,
                                                                      capsys):
    """With -o the cells reached are written and the rest show #CALC! (the test below); in
    place that would replace the saved values of every cell not reached (and with
    --values-only --discard-formulas their formulas): the original is left byte for byte."""
    import hashlib
    from kpi_xl.cli import main
    cells = {}
    for r in range(1, 6001):
        cells[(r, 1)] = r
        cells[(r, 2)] = ("=", f"SUMPRODUCT(A1:A{r},A1:A{r})" if r % 2 else f"A{r}*2")
    src = tmp_path / "slow.xlsx"
    write_xlsx(src, {"S": cells})
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    monkeypatch.setenv("KPI_XL_TIME_LIMIT", "0.3")
    for extra in ([], ["--values-only", "--discard-formulas"]):
        assert main(["recalc", str(src), "--in-place", "--jobs", "1", *extra]) == 1
        said = capsys.readouterr()
        assert "with --in-place the file was left as it was" in said.out + said.err, said
        assert hashlib.sha256(src.read_bytes()).hexdigest() == before


def test_a_workbook_past_its_time_budget_is_written_with_the_rest_marked():
    s = SheetInput("S")
    for r in range(1, 6001):
        s.values[(r, 1)] = r
        # each cell different, so that nothing is shared between them
        s.formulas[(r, 2)] = f"SUMPRODUCT(A1:A{r},A1:A{r})" if r % 2 else f"A{r}*2"
    res, rep = calculate(BookInput([s]), columns=False, time_limit=0.3)
    assert rep.incomplete.startswith("the calculation took longer than 0.3 s")
    assert rep.not_computed
    done = [k for k, v in res["S"].items() if v != XlErr("#CALC!")]
    missing = [k for k, v in res["S"].items() if v == XlErr("#CALC!")]
    assert len(done) + len(missing) == 6000
    assert len(missing) == len(rep.not_computed)
    for r, c in done[:50]:
        assert res["S"][(r, c)] == (r * (r + 1) * (2 * r + 1) // 6 if r % 2 else r * 2)


def test_huge_powers_of_literals_end_as_num_errors(tmp_path):
    # Integer literals are doubles, as in Excel: 100^10^13 overflows (#NUM!) instead of
    # being worked out digit by digit for ever.
    src = tmp_path / "pow.xlsx"
    write_xlsx(src, {"S": {(1, 1): ("=", "POWER(100,10000000000000)"),
                           (2, 1): ("=", "100^10000000000000"), (3, 1): ("=", "2^10"),
                           (4, 1): ("=", '"n="&5')}})
    code, out, seconds, peak = recalc(src, tmp_path / "out")
    ws = values(tmp_path / "out" / "pow.xlsx")
    assert [ws[f"A{r}"].value for r in range(1, 5)] == ["#NUM!", "#NUM!", 1024, "n=5"]
    assert seconds < 30, seconds


def test_a_huge_digit_count_is_no_power_of_ten_worked_out_for_hours():
    """ROUND, ROUNDUP, ROUNDDOWN and TRUNC to -1E9 digits, DOLLAR to -1E9 and PERCENTRANK
    to 1E9 significant digits built 10 to the 1E9 exactly, hours inside one C call.  Past
    1E308 the answer cannot be held: #NUM!, as it was from -309 digits on.  By hand:
    1.5 rounded to -308 digits is 0, up is 1E308; 1234.5 shown to -2 digits is $1,200;
    2.5 lies halfway between 2 (rank 1 of 0..2) and 3: 1.5/2 = 0.75."""
    s = SheetInput("S")
    huge = ["ROUND(1.5,-1E9)", "ROUNDUP(1.5,-1E9)", "ROUNDDOWN(1.5,-1E9)", "TRUNC(1.5,-1E15)",
            "DOLLAR(1.5,-1E9)", "PERCENTRANK({1,2,3},2,1E9)", "ROUND(1.5,-309)"]
    for r, f in enumerate(huge, 1):
        s.formulas[(r, 1)] = f
    for r, f in enumerate(["ROUND(1.5,-308)", "ROUNDUP(1.5,-308)", "DOLLAR(1234.5,-2)",
                           "PERCENTRANK({1,2,3},2.5,3)"], 1):
        s.formulas[(r, 2)] = f
    t0 = time.perf_counter()
    res, rep = calculate(BookInput([s]), strict=False, time_limit=60)
    assert time.perf_counter() - t0 < 5
    got = res["S"]
    assert [got[(r, 1)] for r in range(1, len(huge) + 1)] == [XlErr("#NUM!")] * len(huge)
    assert [got[(r, 2)] for r in range(1, 5)] == [0, 1e308, "$1,200", 0.75]


def test_a_runaway_workbook_is_written_with_its_unreached_cells_named(tmp_path):
    # Thousands of distinct SUMPRODUCTs over growing ranges: quadratic work, stopped by a
    # budget of 0.5 s (KPI_XL_TIME_LIMIT, in seconds) and written with what was computed.
    cells = {}
    for r in range(1, 4001):
        cells[(r, 1)] = r
        # every other row written differently, so that each cell is computed on its own
        cells[(r, 2)] = ("=", f"SUMPRODUCT(A$1:A{r},A$1:A{r})" + ("+0" if r % 2 else ""))
    src = tmp_path / "runaway.xlsx"
    write_xlsx(src, {"S": cells})
    code, out, seconds, _ = recalc(src, tmp_path / "out", extra_env={"KPI_XL_TIME_LIMIT": "0.5"})
    assert code == 1
    assert "not finished, the calculation took longer than 0.5 s" in out and "S!B" in out, out
    # the cells not reached are #CALC! (kept as a rich value, which openpyxl reads as #VALUE!)
    cached = read_workbook(tmp_path / "out" / "runaway.xlsx").sheets[0].cached
    got = [cached.get((r, 2)) for r in range(1, 4001)]
    done = [r for r, v in enumerate(got, 1) if str(v) != "#CALC!"]
    assert done and len(done) < 4000
    for r in done[:100]:
        assert got[r - 1] == r * (r + 1) * (2 * r + 1) // 6


def test_an_identity_matrix_too_large_for_memory_is_stopped_by_the_budget():
    """MUNIT(45000) is 2 billion cells: computed by the library it took 16 GB in one
    allocation, past any budget (the machine's memory itself on most); built row by row,
    the budget stops it, and the cell beside it keeps its value. MUNIT(3)'s sum is 3."""
    import resource
    s = SheetInput("S")
    s.values[(1, 1)] = 3
    s.formulas[(1, 2)] = "A1*2"
    s.formulas[(2, 2)] = "SUM(_xlfn.MUNIT(3))"
    s.formulas[(3, 2)] = "SUM(_xlfn.MUNIT(45000))"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res, rep = calculate(BookInput([s]), strict=False, time_limit=60, memory_limit_mb=600)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    assert res["S"][(1, 2)] == 6 and res["S"][(2, 2)] == 3
    assert res["S"][(3, 2)] == XlErr("#CALC!") and rep.not_computed == ["S!B3"]
    assert grown < 2000, grown


def test_functions_of_a_billion_periods_or_terms_do_not_take_the_budget():
    """DB over a life of a billion periods stepped through every period, POISSON.DIST's
    cumulative sum added a billion terms and BESSELK climbed a billion orders: each cell
    ran until the time budget stopped the workbook and its neighbour showed #CALC!.
    DB's rate rounds to 0.000 (1 − 0.1^(1/1e9) = 2.3e-9), so its depreciation is 0; the
    Poisson distribution's median is its mean, so P(X ≤ 1e9) is a half and a little;
    K_n(1) passes the largest number near n = 170: #NUM!. DB(1000000,100000,6,7,7) is
    Excel's documented example (15,845.10), one period after the life."""
    s = SheetInput("S")
    s.formulas[(1, 1)] = "DB(1000,100,1E9,1E9)"
    s.formulas[(2, 1)] = "POISSON.DIST(1E9,1E9,TRUE)"
    s.formulas[(3, 1)] = "BESSELK(1,1E9)"
    s.formulas[(4, 1)] = "BESSELY(1,1E9)"
    s.formulas[(5, 1)] = "DB(1000000,100000,6,7,7)"
    s.formulas[(6, 1)] = "DB(1000,100,20000,15000)"
    s.formulas[(7, 1)] = "1+1"
    res, rep = calculate(BookInput([s]), strict=False, time_limit=60)
    got = res["S"]
    assert rep.incomplete == "" and got[(7, 1)] == 2
    assert got[(1, 1)] == 0 and got[(6, 1)] == 0
    assert 0.5 < got[(2, 1)] < 0.50002
    assert got[(3, 1)] == XlErr("#NUM!") and got[(4, 1)] == XlErr("#NUM!")
    assert round(got[(5, 1)], 2) == 15845.10
    # past 10,000 periods DB takes the closed form of the documented rule: the rule stepped
    # through by hand here (rate round(1 - 1e-6^(1/20000), 3) = 0.001, first period 12
    # months) gives the same depreciation for period 15,000
    s.formulas[(8, 1)] = "DB(1000000,1,20000,15000)"
    res, rep = calculate(BookInput([s]), strict=False, time_limit=60)
    total = dep = 0.0
    for k in range(1, 15001):
        dep = 1e6 * 0.001 if k == 1 else (1e6 - total) * 0.001
        total += dep
    assert res["S"][(8, 1)] == pytest.approx(dep, rel=1e-9) and dep > 0


def test_a_function_running_away_inside_one_cell_is_stopped_by_the_budget():
    # A 100,000 × 100,000 SEQUENCE never returns from its one cell; the memory budget
    # stops it from outside, and the cell beside it that was computed keeps its value.
    s = SheetInput("S")
    s.values[(1, 1)] = 3
    s.formulas[(1, 2)] = "A1*2"
    s.formulas[(2, 2)] = "SUM(_xlfn.SEQUENCE(100000,100000))"
    t0 = time.perf_counter()
    res, rep = calculate(BookInput([s]), strict=False, time_limit=30, memory_limit_mb=600)
    assert time.perf_counter() - t0 < 30
    assert res["S"][(1, 2)] == 6
    assert res["S"][(2, 2)] == XlErr("#CALC!")
    assert rep.not_computed == ["S!B2"]
    assert rep.incomplete.startswith("the calculation used")


def test_the_memory_budget_counts_what_the_calculation_adds_not_the_host_process():
    # A program embedding the engine may hold more than the budget before it calls it.
    held = bytearray(300 * 1024 * 1024)
    for i in range(0, len(held), 4096):
        held[i] = 1
    s = SheetInput("S")
    for r in range(1, 5001):     # cell by cell, the budget is looked at every 1,024 cells
        s.values[(r, 1)] = r
        s.formulas[(r, 2)] = f"A{r}*2"
    res, rep = calculate(BookInput([s]), columns=False, strict=False, time_limit=30,
                         memory_limit_mb=200)
    del held
    assert rep.incomplete == ""
    assert [res["S"][(r, 2)] for r in (1, 2500, 5000)] == [2, 5000, 10000]


def test_the_batch_timeout_stops_the_calculation_before_the_file_is_lost(tmp_path):
    # --timeout is the batch's limit per file; the calculation's own budget stops before it
    # (a fifth of it, at least 2 s, earlier), so the file is written with the cells reached
    # and the others named, instead of the worker being killed with nothing written.  The
    # 16,000 growing SUMPRODUCTs take far longer than 10 s.
    cells = {}
    for r in range(1, 16001):
        cells[(r, 1)] = r
        cells[(r, 2)] = ("=", f"SUMPRODUCT(A$1:A{r},A$1:A{r})" + ("+0" if r % 2 else ""))
    src = tmp_path / "runaway.xlsx"
    write_xlsx(src, {"S": cells})
    env = {k: v for k, v in os.environ.items() if k not in ("KPI_XL_STRICT", "KPI_XL_TIME_LIMIT")}
    p = subprocess.run([sys.executable, "-m", "kpi_xl.cli", "recalc", str(src), "-o",
                        str(tmp_path / "out"), "--timeout", "10", "--quiet"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "not finished, the calculation took longer than" in out and "--timeout" in out, out
    # the cells not reached are #CALC! (kept as a rich value, which openpyxl reads as #VALUE!)
    cached = read_workbook(tmp_path / "out" / "runaway.xlsx").sheets[0].cached
    got = [cached.get((r, 2)) for r in range(1, 16001)]
    done = [r for r, v in enumerate(got, 1) if str(v) != "#CALC!"]
    assert done and len(done) < 16000
    for r in done[:50]:
        assert got[r - 1] == r * (r + 1) * (2 * r + 1) // 6


# No function the engine knows stays inside one call in C past a time limit any more:
# wildcards are matched part by part, regular expressions (REGEX*, XLOOKUP's match mode
# 3) are bounded in time, powers of ten past the largest double are #NUM! at once.  The
# re-run of a stopped cell is there for the calls nobody has found yet, so the child
# adds one before running ``kpi-xl recalc``: BACKTRACK.SEARCH(text) is TRUE when text
# holds three a's and then a b, matched as SEARCH("*a*a*a*b", text) once was, by Python's
# re with a .* before each letter.  Searched in 3,000 a's it tries some 10**13 ways
# inside one call that no check of the calculation's budget interrupts.  The batch worker
# is a fork of the child, so it knows the function too.
_CHILD_WITH_BLOCKING = """
import re, sys
from kpi_xl.engine.functions import excel
from kpi_xl.engine.functions.helpers import elementwise
from kpi_xl.engine.values import to_text
from kpi_xl.cli import main

@excel("BACKTRACK.SEARCH", min_args=1, max_args=1)
@elementwise
def backtrack_search(text):
    return re.search(".*a.*a.*a.*b", to_text(text), re.I | re.S) is not None

sys.exit(main(sys.argv[1:]))
"""
_HANGS = 'BACKTRACK.SEARCH(REPT("a",3000))'


def _recalc_with_timeout(src, out, seconds):
    """``kpi-xl recalc src -o out --timeout seconds`` in a child process that knows
    BACKTRACK.SEARCH: (code, output, wall s)."""
    env = {k: v for k, v in os.environ.items() if k not in ("KPI_XL_STRICT", "KPI_XL_TIME_LIMIT")}
    env["PYTHONPATH"] = str(ROOT)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _CHILD_WITH_BLOCKING, "recalc", str(src), "-o", str(out),
                        "--timeout", str(seconds), "--quiet"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    return p.returncode, p.stdout + p.stderr, time.perf_counter() - t0


def test_a_cell_blocked_inside_c_code_costs_that_cell_and_the_file_is_written(tmp_path):
    """The worker is stopped at --timeout inside B2; the file is computed again with B2
    left out (#CALC!, named in the summary) and written.  Values by hand: B1 = 3*2 = 6,
    B3 = 6+1 = 7, B4 = 3+7 = 10; B5 reads B2's error through IFERROR: "stopped"; the
    column D is 2*row for rows 1..6."""
    src = tmp_path / "hangs.xlsx"
    cells = {(1, 1): 3, (1, 2): ("=", "A1*2"), (2, 2): ("=", _HANGS),
             (3, 2): ("=", "B1+1"), (4, 2): ("=", "SUM(A1,B3)"),
             (5, 2): ("=", 'IFERROR(B2,"stopped")')}
    for r in range(1, 7):
        cells[(r, 4)] = ("=", "ROW()*2")
    write_xlsx(src, {"S": cells})
    code, out, seconds = _recalc_with_timeout(src, tmp_path / "out", 3)
    assert code == 1, out
    assert "S!B2 took longer than the time limit of 3 s and was stopped" in out, out
    assert "1 of 1 workbooks recalculated" in out, out
    cached = read_workbook(tmp_path / "out" / "hangs.xlsx").sheets[0].cached
    assert [cached[(r, 2)] for r in (1, 3, 4, 5)] == [6, 7, 10, "stopped"]
    assert str(cached[(2, 2)]) == "#CALC!"
    assert [cached[(r, 4)] for r in range(1, 7)] == [2, 4, 6, 8, 10, 12]
    assert seconds < 2 * 3 + 10, seconds   # one stopped attempt, one complete


def test_a_blocked_cell_inside_a_column_of_like_formulas_is_found_and_left_out(tmp_path):
    """Rows computed together as one column run: the first stop names the run, the second
    attempt goes cell by cell and names the row, the third leaves it out.  By hand:
    three a's and then a b: TRUE for "aaab", "abaab" and "aaaab", FALSE for "ab" and "b";
    the lengths doubled are 8, 4, 6000, 10, 2, 10."""
    src = tmp_path / "column.xlsx"
    texts = ["aaab", "ab", "a" * 3000, "abaab", "b", "aaaab"]
    cells = {}
    for r, text in enumerate(texts, 1):
        cells[(r, 1)] = text
        cells[(r, 2)] = ("=", f"BACKTRACK.SEARCH(A{r})")
        cells[(r, 3)] = ("=", f"LEN(A{r})*2")
    write_xlsx(src, {"S": cells})
    code, out, seconds = _recalc_with_timeout(src, tmp_path / "out", 3)
    assert code == 1, out
    assert "S!B3 took longer than the time limit of 3 s" in out, out
    cached = read_workbook(tmp_path / "out" / "column.xlsx").sheets[0].cached
    assert [cached[(r, 2)] for r in (1, 2, 4, 5, 6)] == [True, False, True, False, True]
    assert str(cached[(3, 2)]) == "#CALC!"
    assert [cached[(r, 3)] for r in range(1, 7)] == [8, 4, 6000, 10, 2, 10]
    assert seconds < 3 * 3 + 10, seconds   # at most 1 + STOPPED_RERUNS attempts
