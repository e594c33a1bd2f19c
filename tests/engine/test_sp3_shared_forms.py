"""Compiled forms shared by the workbooks of one process (engine/shapes.py).

A form is kept for other workbooks only where its compiling depends on nothing of the
workbook but its sheets' names; two workbooks with the same formula text and other
sheets, names or tables must each get their own values.  Every expected value below is
worked by hand from Excel's rules: a reference to a sheet the workbook does not have is
#REF!, an undefined name #NAME?, a 3-D reference spans the sheets between its ends in
the workbook's order.
"""
import gc
import weakref

import pytest

from kpi_xl.engine import shapes
from kpi_xl.engine.evaluator import Calc, calculate
from kpi_xl.engine.model import BookInput, SheetInput, TableInput
from kpi_xl.engine.values import XlErr

REF, NAME = XlErr("#REF!"), XlErr("#NAME?")
ROWS = range(2, 9)   # seven rows: a column run (four or more) as well as single cells


@pytest.fixture(autouse=True)
def _fresh_shapes():
    shapes.clear()
    yield
    shapes.clear()


def _sheet(name, values=None, formulas=None):
    s = SheetInput(name)
    s.values.update(values or {})
    s.formulas.update(formulas or {})
    return s


def _calc_sheet(text_of_row, extra=None):
    """Sheet "Calc": A2:A8 = 1..7, B2:B8 the formula of each row, plus ``extra``."""
    values = {(r, 1): r - 1 for r in ROWS}
    formulas = {(r, 2): text_of_row(r) for r in ROWS}
    formulas.update(extra or {})
    return _sheet("Calc", values, formulas)


def _column_b(results):
    return [results["Calc"][(r, 2)] for r in ROWS]


@pytest.mark.parametrize("columns", [True, False])
def test_a_reference_to_a_sheet_only_one_workbook_has(columns):
    # =Data!A2*10 down B2:B8; the first workbook has Data (A2:A8 = 5..11), the second not.
    with_data = BookInput([_calc_sheet(lambda r: f"Data!A{r}*10"),
                           _sheet("Data", {(r, 1): r + 3 for r in ROWS})])
    without = BookInput([_calc_sheet(lambda r: f"Data!A{r}*10")])
    for book, expected in ((with_data, [50, 60, 70, 80, 90, 100, 110]),
                           (without, [REF] * 7),
                           (with_data, [50, 60, 70, 80, 90, 100, 110])):
        res, rep = calculate(book, columns=columns)
        assert _column_b(res) == expected


def test_a_sheet_named_in_another_case_is_the_workbook_own_sheet():
    # =data!A2 reads the sheet "Data" in one workbook and "DATA" in the other.
    one = BookInput([_calc_sheet(lambda r: f"data!A{r}+0"), _sheet("Data", {(r, 1): 1 for r in ROWS})])
    two = BookInput([_calc_sheet(lambda r: f"data!A{r}+0"), _sheet("DATA", {(r, 1): 2 for r in ROWS})])
    assert _column_b(calculate(one)[0]) == [1] * 7
    assert _column_b(calculate(two)[0]) == [2] * 7


def test_a_3d_reference_follows_each_workbook_sheet_order():
    # =SUM(S1:S2!A1) in Calc!B2..B8: S1!A1 = 1, S2!A1 = 10, S3!A1 = 100.  With the sheets in
    # the order S1, S2, S3 the span is S1..S2 (11); in the order S1, S3, S2 it is all three (111).
    def book(order):
        vals = {"S1": 1, "S2": 10, "S3": 100}
        return BookInput([_calc_sheet(lambda r: "SUM(S1:S2!A1)")] +
                         [_sheet(n, {(1, 1): vals[n]}) for n in order])
    assert _column_b(calculate(book(["S1", "S2", "S3"]))[0]) == [11] * 7
    assert _column_b(calculate(book(["S1", "S3", "S2"]))[0]) == [111] * 7


@pytest.mark.parametrize("columns", [True, False])
def test_a_defined_name_is_each_workbook_own(columns):
    # =A2*Rate: Rate is 3 in one workbook, 5 in another, and not defined in the third.
    def book(rate):
        b = BookInput([_calc_sheet(lambda r: f"A{r}*Rate")])
        if rate is not None:
            b.names[("RATE", None)] = str(rate)
        return b
    assert _column_b(calculate(book(3), columns=columns)[0]) == [3, 6, 9, 12, 15, 18, 21]
    assert _column_b(calculate(book(5), columns=columns)[0]) == [5, 10, 15, 20, 25, 30, 35]
    res, rep = calculate(book(None), columns=columns)
    assert _column_b(res) == [NAME] * 7
    assert "Rate" in rep.unknown_names or "RATE" in rep.unknown_names


def test_a_structured_reference_reads_each_workbook_own_table():
    # Table T on Calc!A1:B8 with the columns Qty, Out in one workbook and Out, Qty in the
    # other: =[@Qty]*2 in B2..B8 reads column A in the first; in the second, Qty is column B
    # itself, a circular reference (#CALC! in this engine, see evaluator.py).
    def book(columns):
        b = BookInput([_calc_sheet(lambda r: "[@Qty]*2")])
        b.tables.append(TableInput("T", "Calc", 1, 1, 8, 2, columns))
        return b
    assert _column_b(calculate(book(["Qty", "Out"]))[0]) == [2, 4, 6, 8, 10, 12, 14]
    assert _column_b(calculate(book(["Out", "Qty"]))[0]) == [XlErr("#CALC!")] * 7


def test_an_unknown_function_is_reported_in_every_workbook_that_calls_it():
    for _ in range(2):
        res, rep = calculate(BookInput([_calc_sheet(lambda r: f"NOSUCHFN(A{r})")]))
        assert _column_b(res) == [NAME] * 7
        assert len(rep.unknown_functions["NOSUCHFN"]) == 7


def _forms_of(book):
    calc = Calc(book)
    calc.run()
    return calc, set(calc.templates.values())


def test_workbooks_with_the_same_sheets_share_compiled_forms_and_others_do_not():
    # The point of keeping them: the second workbook of a batch compiles nothing again.
    def book(scale, sheets=("Calc", "Data")):
        data = [_sheet(n, {(r, 1): scale for r in ROWS}) for n in sheets[1:]]
        return BookInput([_calc_sheet(lambda r: f"Data!A{r}*A{r}",
                                      {(10, 2): "SUM(B2:B8)", (11, 2): "LET(x,A2,x*2)"})] + data)
    first, forms1 = _forms_of(book(1))
    second, forms2 = _forms_of(book(2))
    third, forms3 = _forms_of(book(1, ("Calc", "Other")))
    assert [second.results["Calc"][(r, 2)] for r in ROWS] == [2 * (r - 1) for r in ROWS]
    assert second.results["Calc"][(10, 2)] == 56 and second.results["Calc"][(11, 2)] == 2
    assert [third.results["Calc"][(r, 2)] for r in ROWS] == [REF] * 7
    assert third.results["Calc"][(10, 2)] == REF
    let1 = first.templates[("Calc", False, next(k[2] for k in first.templates if "LET" in k[2]))]
    assert len(forms1) == 3
    # the same sheets: the same compiled closures, but for the LET (its variables are state)
    assert forms1 & forms2 == forms1 - {let1}
    # other sheets: nothing in common
    assert not forms3 & (forms1 | forms2)
    # and the column run's closure too
    run_form = first.templates[next(k for k in first.templates if "Data!" in k[2])]
    assert first._column_fns[run_form] is second._column_fns[run_form]
    assert second.column_cells == 7


def test_kept_forms_do_not_keep_their_first_workbook_alive():
    # A batch must not hold every workbook it computed: the kept closures take the
    # calculation context when they run and hold none.  IF and IFERROR over a column run,
    # a lookup, an aggregate, a reference to another sheet, a unary minus.
    book = BookInput([_calc_sheet(lambda r: f"IF(A{r}>3,-Data!A{r},IFERROR(1/(A{r}-2),\"x\"))",
                                  {(10, 2): "SUM(B2:B8)", (11, 2): "VLOOKUP(3,A2:B8,2,FALSE)"}),
                      _sheet("Data", {(r, 1): r for r in ROWS})])
    calc = Calc(book)
    calc.run()
    # A2:A8 = 1..7: rows 1 and 3 give 1/(a-2), row 2 the error's "x", rows 4..7 -Data!A
    assert _column_b(calc.results) == [-1.0, "x", 1.0, -5, -6, -7, -8]
    assert calc.results["Calc"][(11, 2)] == 1.0
    assert calc.column_cells == 7 and len(shapes._forms) == 3 and len(shapes._columns) >= 1
    gone = weakref.ref(calc)
    del calc
    gc.collect()
    assert gone() is None


def test_a_batch_of_same_shaped_sheets_takes_the_kept_assignment():
    # B2:B8 = A*10 and B10 = SUM(B2:B8), in three workbooks with the same formulas and
    # other values: the second and third take the first's assignment of forms to cells
    # and its column runs, and compute their own values (A2:A8 = k..k+6).
    def book(k, extra=None):
        s = _calc_sheet(lambda r: f"A{r}*10", {(10, 2): "SUM(B2:B8)", **(extra or {})})
        s.values.update({(r, 1): k + r - 2 for r in ROWS})
        return BookInput([s])
    calcs = []
    for k in (1, 2, 3):
        calc = Calc(book(k))
        calc.run()
        calcs.append(calc)
        assert _column_b(calc.results) == [10 * (k + i) for i in range(7)]
        assert calc.results["Calc"][(10, 2)] == 10 * (7 * k + 21)
        assert calc.column_cells == 7
    kept = shapes.kept_assignment(("Calc",), "Calc", calcs[0].formulas["Calc"])
    assert kept is not None and [r[:2] for r in kept.runs[2]] == [(2, 8)]
    # the run lists are each workbook's own (their state changes while computing)
    assert calcs[1]._runs["Calc"][2][0] is not calcs[2]._runs["Calc"][2][0]
    # one formula changed (B5 reads column C): not the same sheet, assigned anew
    changed = book(1, {(5, 2): "C5*10"})
    changed.sheets[0].values[(5, 3)] = 100
    calc = Calc(changed)
    calc.run()
    assert _column_b(calc.results) == [10, 20, 30, 1000, 50, 60, 70]
    assert calc.results["Calc"][(10, 2)] == 1240
    # it is the one kept now; the first shape is no longer taken
    assert shapes.kept_assignment(("Calc",), "Calc", changed.sheets[0].formulas) is not None
    assert shapes.kept_assignment(("Calc",), "Calc", calcs[0].formulas["Calc"]) is None


def test_kept_assignments_are_bounded_in_formulas():
    # A batch of varied workbooks: each sheet's assignment is kept, but never more than
    # ASSIGNMENTS_MAX_TOTAL formulas together; a sheet over ASSIGNMENT_MAX_FORMULAS not at all.
    per = 300
    for i in range(shapes.ASSIGNMENTS_MAX_TOTAL // per + 5):
        s = _sheet(f"S{i}", {(r, 1): r for r in range(1, per + 1)},
                   {(r, 2): f"A{r}*2" for r in range(1, per + 1)})
        Calc(BookInput([s])).run()
        held = sum(len(a.formulas) for a in shapes._assignments.values())
        assert 0 < held <= shapes.ASSIGNMENTS_MAX_TOTAL
    rows = range(1, shapes.ASSIGNMENT_MAX_FORMULAS + 2)
    big = _sheet("Big", {(r, 1): r for r in rows}, {(r, 2): f"A{r}*2" for r in rows})
    calc = Calc(BookInput([big]))
    calc.run()
    assert calc.results["Big"][(7, 2)] == 14
    assert shapes.kept_assignment(("Big",), "Big", big.formulas) is None
