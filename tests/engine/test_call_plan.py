"""The call rules: declared once in ``excel(...)``, held by ``Impl``, turned into one
:class:`~kpi_xl.engine.call_plan.CallPlan` that the cell path and the column path both obey.

The argument classes follow Excel's function reference: VLOOKUP's lookup_value, SUMIF's and
SUMIFS' criteria are single values while their ranges are ranges; IF hands its branches on
untouched; ABS and TEXT take values.  The sheet below is computed by both paths and checked
against values worked by hand from DOMAIN.md's conversion bands.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kpi_xl.engine.call_plan import call_plan
from kpi_xl.engine.evaluator import Calc, calculate
from kpi_xl.engine.functions import (ALL_ARRAYS, ARG_CLASSES, FUNCTIONS, ArgSpec, Impl, excel,
                                     ON_FIRST_USE, eta_tree, find_function, is_function, load_all)
from kpi_xl.engine.functions.helpers import GENERIC
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

VALUE = XlErr("#VALUE!")
REF1 = ("ref", "Sheet1", 2, 3, 2, 3, (True, True, True, True))      # $C$2
RANGE = ("ref", "Sheet1", 2, 3, 7, 3, (True, True, True, True))     # $C$2:$C$7
LIT = ("lit", 1.0)


def _plan(name, n, trees=None):
    return call_plan(find_function(name), trees or [RANGE] * n)


# -- the plan ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, n, keep_range, intersect", [
    # VLOOKUP(lookup_value, table_array, col_index_num, [range_lookup])
    ("VLOOKUP", 4, (True, True, True, True), (True, False, False, False)),
    # SUMIF(range, criteria, [sum_range])
    ("SUMIF", 3, (True, True, True), (False, True, False)),
    # SUMIFS(sum_range, criteria_range1, criteria1, criteria_range2, criteria2)
    ("SUMIFS", 5, (True,) * 5, (False, False, True, False, True)),
    # COUNTIFS(criteria_range1, criteria1, criteria_range2, criteria2)
    ("COUNTIFS", 4, (True,) * 4, (False, True, False, True)),
    # IF and CHOOSE hand their caller's context to their arguments
    ("IF", 3, (False,) * 3, (False,) * 3),
    ("CHOOSE", 3, (False,) * 3, (False,) * 3),
    # functions of single values
    ("ABS", 1, (False,), (True,)),
    ("TEXT", 2, (False, False), (True, True)),
    ("ISNUMBER", 1, (False,), (True,)),
    # functions of ranges
    ("SUM", 3, (True,) * 3, (False,) * 3),
    ("SUMPRODUCT", 2, (True, True), (False, False)),
    # KPI_BAND(value, bands, [closed]): the registry's scalar / range / scalar
    ("KPI_BAND", 3, (True, True, True), (True, False, True)),
    ("KPI_WEIGHTED", 2, (True, True), (False, False)),
])
def test_argument_classes_follow_excels_reference(name, n, keep_range, intersect):
    plan = _plan(name, n)
    assert plan.arity_ok
    assert plan.keep_range == keep_range
    assert plan.intersect == intersect


@pytest.mark.parametrize("name, n, ok", [
    ("VLOOKUP", 2, False), ("VLOOKUP", 3, True), ("VLOOKUP", 5, False),
    ("IF", 0, False), ("IF", 1, True), ("IF", 4, False),
    ("TEXT", 1, False), ("KPI_BAND", 1, False), ("KPI_BAND", 4, False), ("KPI_BAND", 2, True),
])
def test_arity(name, n, ok):
    assert _plan(name, n, [LIT] * n).arity_ok is ok


def test_direct_branch_only_for_if_with_a_branch_and_the_error_catchers():
    assert _plan("IF", 1).branch is None      # IF(cond) alone: the general IF decides,
    assert not _plan("IF", 1).columnar        # row by row in a column run
    assert _plan("IF", 2).branch == "if"
    assert _plan("IF", 3).branch == "if"
    assert _plan("IFERROR", 2).branch == "iferror"
    assert _plan("IFNA", 2).branch == "ifna"
    assert _plan("IFS", 2).branch is None and not _plan("IFS", 2).columnar
    assert _plan("SUM", 2).columnar and _plan("IF", 3).columnar


def test_a_column_implementation_reads_one_cell_value_arguments_as_values():
    plan = _plan("VLOOKUP", 3, [REF1, RANGE, LIT])
    assert plan.column is FUNCTIONS["VLOOKUP"].column is not None
    assert plan.read_cell_value == (True, False, False)
    # a range in the lookup value's place is not one cell: it is intersected instead
    assert _plan("VLOOKUP", 3, [RANGE, RANGE, LIT]).read_cell_value == (False, False, False)
    # without a column implementation nothing is read early
    assert _plan("SUMIF", 2, [RANGE, REF1]).read_cell_value == (False, False)


def test_an_unknown_branch_is_refused_at_registration():
    with pytest.raises(ValueError, match="branch"):
        excel("TESTNOTHING", branch="iff")
    assert "TESTNOTHING" not in FUNCTIONS


def test_the_modules_loaded_on_first_use_register_the_names_the_table_lists():
    # A fresh process: the names each module of ON_FIRST_USE adds to the table when it is
    # imported are exactly the ones listed for it, none of them there before (a name missing
    # from the list would be unknown until some other function loaded its module).
    code = ("import json\nfrom importlib import import_module\n"
            "import kpi_xl.engine.functions as f\n"
            "added = {}\n"
            "for module in f.ON_FIRST_USE:\n"
            "    before = set(f.FUNCTIONS)\n"
            "    import_module(module, f.__name__)\n"
            "    added[module] = sorted(set(f.FUNCTIONS) - before)\n"
            "print(json.dumps(added))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    added = json.loads(out.stdout)
    assert added == {m: sorted(names) for m, names in ON_FIRST_USE.items()}
    assert all(added.values())
    assert "TEXT" in ON_FIRST_USE[".text"] and "GETPIVOTDATA" in ON_FIRST_USE["..pivot"]


def test_a_function_of_a_module_not_loaded_yet_is_found_and_named_known():
    assert is_function("YEARFRAC") and find_function("YEARFRAC").fn is not None
    assert "YEARFRAC" in FUNCTIONS
    assert eta_tree("_XLFN.TEXTBEFORE") == ("fn", "LAMBDA", [("name", "_xlpm. eta1", None),
                                                             ("fn", "TEXTBEFORE", [("name", "_xlpm. eta1", None)])])
    assert eta_tree("_XLFN.NOT_A_FUNCTION") is None and not is_function("NOT_A_FUNCTION")


def test_row_and_column_receive_their_cell():
    assert _plan("ROW", 0, []).wants_cell


def test_every_function_declares_its_rules_in_the_table_only():
    load_all()
    for name, impl in FUNCTIONS.items():
        assert set(impl.args.fixed) | set(impl.args.repeat) <= ARG_CLASSES, name
        for attr in ("scalar_args", "intersect_arg", "column"):
            assert not hasattr(impl.fn, attr), (name, attr)


# Excel's function reference names these arguments as references (a range to search, count
# or aggregate): SUMIF(range, criteria, [sum_range]), SUMIFS(sum_range, criteria_range1,
# criteria1, ...), COUNTIFS(criteria_range1, criteria1, ...), INDEX(reference, ...),
# MATCH(lookup_value, lookup_array, ...), VLOOKUP(lookup_value, table_array, ...),
# LOOKUP(lookup_value, lookup_vector, [result_vector]), XLOOKUP(lookup_value, lookup_array,
# return_array, ...), SUBTOTAL(function_num, ref1, ...), AGGREGATE(function_num, options,
# ref1, ...), COUNTBLANK(range), SUM(number1, ...) (a number, a reference or a range).
# The aggregates that take "number1, [number2], ..." or "value1, ..." as numbers, references
# or ranges share SUM's class in Excel's function table (the BIFF records' parameter
# classes, which the file format documents): AVERAGE, MIN, MAX, COUNT, COUNTA, PRODUCT,
# STDEV, STDEVP, VAR, VARP, AND and OR.
# "R" marks a reference argument, "-" any other.
REFERENCE_POSITIONS = [
    ("SUMIF", "R-R"), ("COUNTIF", "R-"), ("AVERAGEIF", "R-R"),
    ("SUMIFS", "RR-R-"), ("AVERAGEIFS", "RR-R-"), ("MAXIFS", "RR-R-"), ("MINIFS", "RR-R-"),
    ("COUNTIFS", "R-R-R-"),
    ("INDEX", "R---"), ("MATCH", "-R-"), ("XMATCH", "-R--"),
    ("VLOOKUP", "-R--"), ("HLOOKUP", "-R--"), ("LOOKUP", "-RR"), ("XLOOKUP", "-RR---"),
    ("SUBTOTAL", "-RRRR"), ("AGGREGATE", "--RRR"), ("COUNTBLANK", "R"), ("SUM", "RRR"),
    # functions that take values or arrays: no reference class
    ("AVERAGE", "RRR"), ("MIN", "RRR"), ("MAX", "RRR"), ("COUNT", "RRR"), ("COUNTA", "RRR"),
    ("PRODUCT", "RR"), ("STDEV", "RR"), ("VAR", "RR"), ("AND", "RR"), ("OR", "RR"),
    ("SUMPRODUCT", "--"), ("ABS", "-"), ("IF", "---"),
    ("KPI_BAND", "---"),
]


@pytest.mark.parametrize("name, positions", REFERENCE_POSITIONS)
def test_reference_arguments_are_declared_as_class_r(name, positions):
    impl = find_function(name)
    assert "".join("R" if impl.args.is_reference(i) else "-" for i in range(len(positions))) \
        == positions
    # a reference is compiled where a range stays a range, and never intersected
    plan = _plan(name, len(positions))
    for i, p in enumerate(positions):
        if p == "R":
            assert plan.keep_range[i] and not plan.intersect[i], (name, i)


PRODUCT_OF_RANGES = ("bin", "*", RANGE, RANGE)                      # $C$2:$C$7*$C$2:$C$7


@pytest.mark.parametrize("name, keeps", [
    # Excel's reference class: an operator given there computes values in the caller's
    # context (SUM(A1:A3*B1:B3) entered normally intersects, as a value would)
    ("SUM", False), ("MATCH", False),
    # a reference or an array: the expression is an array wherever it is written
    # (LOOKUP(2,1/(A1:A9>0),B1:B9) and INDEX((A1:A9=x)*1,0) need no Ctrl+Shift+Enter)
    ("LOOKUP", True), ("INDEX", True),
    # arrays: SUMPRODUCT(A1:A3*B1:B3) entered normally multiplies the whole ranges
    ("SUMPRODUCT", True),
])
def test_an_operator_where_a_reference_belongs(name, keeps):
    pos = 0 if name in ("SUM", "INDEX", "SUMPRODUCT") else 1
    trees = [LIT, LIT]
    trees[pos] = PRODUCT_OF_RANGES
    plan = _plan(name, 2, trees)
    assert plan.keep_range[pos] is keeps and not plan.intersect[pos]
    # a range itself stays a range in every one of them
    trees[pos] = RANGE
    assert _plan(name, 2, trees).keep_range[pos]


def test_the_ref_error_guard_is_where_class_r_is_declared_and_only_there():
    # no table of names beside the declarations: a function is guarded exactly when its
    # excel(args=...) has a reference argument (COUNT and COUNTA, which count what they
    # are given, a #REF! among it, declare so)
    import kpi_xl.engine.functions as package
    assert not hasattr(package, "REFERENCE_ARGS")
    guard_code = package._ref_error_passes(lambda calc: None, None).__code__
    load_all()
    for name, impl in FUNCTIONS.items():
        guarded = getattr(impl.fn, "__code__", None) is guard_code
        assert guarded is (impl.args.takes_references and not impl.lazy and not impl.wants_cell
                           and not impl.counts_errors), name
    assert {n for n, impl in FUNCTIONS.items() if impl.counts_errors} == {"COUNT", "COUNTA"}


def test_a_function_declaring_a_reference_argument_answers_a_ref_error_given_there():
    seen = []

    def fn(calc, x, ref):
        seen.append((x, ref))
        return 1.0

    REF = XlErr("#REF!")
    try:
        excel("TESTREFARG", min_args=2, max_args=2, args="a r")(fn)
        excel("TESTVALARG", min_args=2, max_args=2, args="a a")(fn)
        assert FUNCTIONS["TESTREFARG"].fn(None, 1.0, REF) is REF
        assert FUNCTIONS["TESTREFARG"].fn(None, REF, 1.0) == 1.0   # not a reference position
        assert FUNCTIONS["TESTVALARG"].fn(None, 1.0, REF) == 1.0   # the implementation decides
        assert seen == [(REF, 1.0), (1.0, REF)]
    finally:
        FUNCTIONS.pop("TESTREFARG", None)
        FUNCTIONS.pop("TESTVALARG", None)


@pytest.mark.parametrize("text, fixed, required, repeat, classes", [
    ("v v", ("v", "v"), 2, (), "vvaa"),
    ("i a [a]", ("i", "a", "a"), 2, (), "iaaa"),
    ("a (a i)+", ("a",), 1, ("a", "i"), "aaiaia"),
    ("(a i)+", (), 0, ("a", "i"), "aiaiai"),
    ("* [*] [*]", ("*", "*", "*"), 1, (), "***a"),
    ("*+", (), 0, ("*",), "****"),
    ("r (r i)+", ("r",), 1, ("r", "i"), "rriri"),
    ("a r+", ("a",), 1, ("r",), "arrr"),
    ("i ra [ra]", ("i", "ra", "ra"), 2, (), ["i", "ra", "ra", "a"]),
])
def test_argument_spec_grammar(text, fixed, required, repeat, classes):
    spec = ArgSpec.parse(text)
    assert (spec.fixed, spec.required, spec.repeat) == (fixed, required, repeat)
    assert [spec.of(i) for i in range(len(classes))] == list(classes)


@pytest.mark.parametrize("text", ["[v] v", "v+ a", "(a i)+ v", "x", "v [q]", "a (a i", "rr", "av"])
def test_a_malformed_spec_is_refused_at_registration(text):
    with pytest.raises(ValueError, match="args"):
        ArgSpec.parse(text)


# -- both paths obey the plan -------------------------------------------------------------------

ROWS = range(2, 8)
# DOMAIN.md's conversion bands as (threshold, points); agents A, B, C are its worked example
# (88/275 → 70, 582/1455 → 90, 232/800 → 60), D, E, F fill the run.
BANDS = [(0.41, 100), (0.38, 90), (0.35, 80), (0.32, 70), (0.28, 60), (0.25, 50), (0, 0)]
CONVERSION = [88 / 275, 582 / 1455, 232 / 800, 0.45, 0.36, 0.26]
POINTS = [70, 90, 60, 100, 80, 50]
AGENTS = ["A", "B", "C", "D", "E", "F"]
BONUS = [100.0, 200.0, 300.0, 400.0, 500.0, 600.0]
FORMULAS = {
    # a value argument given the whole column meets implicit intersection with the row
    4: "KPI_BAND($C$2:$C$7,$H$2:$I$8)",
    5: "VLOOKUP($F$2:$F$7,$K$2:$M$7,3,FALSE)",
    7: "SUMIF($K$2:$K$7,$F$2:$F$7,$M$2:$M$7)",
    # IF hands the plain context on: the comparison intersects, the condition is TRUE/FALSE
    14: "IF($C$2:$C$7>0.3,1,0)",
    15: "ABS($C$2:$C$7-1)",
    # too few arguments: Excel refuses such a formula; the engine shows #VALUE!
    16: "VLOOKUP($F$2:$F$7,$K$2:$M$7)",
    17: "TESTPLAN($C$2:$C$7,$H$2:$H$8)",
    # an operator where SUM takes a reference: its ranges meet implicit intersection
    18: "SUM($C$2:$C$7*$C$2:$C$7)",
}


def _book():
    s = SheetInput("Sheet1")
    for i, r in enumerate(ROWS):
        s.values[(r, 3)] = CONVERSION[i]
        s.values[(r, 6)] = AGENTS[i]
        # the lookup table lists the agents in another order
        s.values[(r, 11)] = AGENTS[-1 - i]
        s.values[(r, 13)] = BONUS[-1 - i]
        for col, f in FORMULAS.items():
            s.formulas[(r, col)] = f
    for r, (x, p) in enumerate(BANDS, start=2):
        s.values[(r, 8)] = x
        s.values[(r, 9)] = p
    s.formulas[(9, 4)] = FORMULAS[4]   # out of line with the range: #VALUE!
    return BookInput([s])


@pytest.fixture
def testplan():
    """TESTPLAN(value, thresholds): how many thresholds the value reaches, declared with a
    value argument among ranges and a column implementation that answers every other row."""
    calls = {"column": 0, "rows": 0}

    def count(calc, x, ref):
        calls["rows"] += 1
        xs = [v for row in calc.values(ref) for v in row if isinstance(v, (int, float))]
        return float(sum(1 for t in xs if x >= t))

    def column(calc, args, n):
        calls["column"] += 1
        value = args[0]
        if type(value) is not list:
            return None
        return [GENERIC if i % 2 else count(calc, v, args[1].v) for i, v in enumerate(value)]

    FUNCTIONS["TESTPLAN"] = Impl(count, 2, 2, args=ArgSpec.parse("i a"), column=column)
    try:
        yield calls
    finally:
        del FUNCTIONS["TESTPLAN"]


def test_both_paths_give_the_hand_worked_values(testplan):
    by_column, rep = calculate(_book(), columns=True)
    used_column = testplan["column"]
    by_cell, rep_cells = calculate(_book(), columns=False)
    assert rep_cells.column_cells == 0 and rep.column_cells >= len(FORMULAS) * len(ROWS)
    # the column implementation declared in the table was used, for every other row
    assert used_column == 1
    sheet_c, sheet_s = by_column["Sheet1"], by_cell["Sheet1"]
    assert sheet_c.keys() == sheet_s.keys()
    for k, v in sheet_s.items():
        assert type(sheet_c[k]) is type(v) and sheet_c[k] == v, k
    # thresholds reached, by hand: 0.32 → 0, 0.25, 0.28, 0.32 (4); 0.40 → 6; 0.29 → 3;
    # 0.45 → 7; 0.36 → 5; 0.26 → 2
    expected = {
        4: POINTS,
        # the table lists F..A against the bonuses in reverse: each agent finds its own
        5: [100.0, 200.0, 300.0, 400.0, 500.0, 600.0],
        7: [100.0, 200.0, 300.0, 400.0, 500.0, 600.0],
        14: [1, 1, 0, 1, 1, 0],
        15: [1 - x for x in CONVERSION],
        16: [VALUE] * 6,
        17: [4.0, 6.0, 3.0, 7.0, 5.0, 2.0],
        18: [x * x for x in CONVERSION],
    }
    for col, values in expected.items():
        got = [sheet_s[(r, col)] for r in ROWS]
        assert got == pytest.approx(values) if col in (15, 18) else got == values, col
    assert sheet_s[(9, 4)] == VALUE


def test_implicit_intersection_is_decided_when_the_formula_is_compiled():
    # The compiled closure carries the decision: called on its own, outside any calculation,
    # the ordinary formula =ABS($C$2:$C$7-1) in row 3 reads C3 (1 - 582/1455), and the same
    # text compiled as an array formula gives the whole column, 1 - x for each conversion.
    calc = Calc(_book(), columns=False)
    text = "ABS($C$2:$C$7-1)"
    plain = calc.compiler.compile_formula(text, "Sheet1", 3, 15)
    assert plain(3, 15) == pytest.approx(1 - CONVERSION[1])
    assert plain(9, 15) == VALUE      # no row of C2:C7 in line with row 9
    array = calc.compiler.compile_formula(text, "Sheet1", 3, 15, in_array=True)
    assert [row[0] for row in array(3, 15).rows] == pytest.approx([1 - x for x in CONVERSION])
    # and nothing at run time decides it again
    assert not hasattr(calc, "legacy_cell")


def test_the_default_is_every_argument_an_array():
    assert Impl(lambda calc, *a: 0).args is ALL_ARRAYS


# -- the error guard ---------------------------------------------------------------------------

def test_an_error_raised_inside_a_function_is_its_value():
    """ISEVEN("x") and NOT("x") are #VALUE! (Excel's reference for both); as values, ISERROR
    sees them and IFERROR replaces them, in both paths."""
    s = SheetInput("Sheet1")
    for r in ROWS:
        s.values[(r, 1)] = "x" if r % 2 else float(r)
        s.formulas[(r, 2)] = f"ISEVEN(A{r})"
        s.formulas[(r, 3)] = f"ISERROR(ISEVEN(A{r}))"
        s.formulas[(r, 4)] = f"IFERROR(NOT(A{r}),-1)"
    for columns in (True, False):
        res = calculate(BookInput([s]), columns=columns)[0]["Sheet1"]
        for r in ROWS:
            text = r % 2 == 1
            assert res[(r, 2)] == (VALUE if text else r % 2 == 0), (columns, r)
            assert res[(r, 3)] is text, (columns, r)
            # NOT of a number: FALSE for any number but 0
            assert res[(r, 4)] == (-1 if text else False), (columns, r)
