"""Compiled formulas, evaluated on small real workbooks.

Each test writes an .xlsx with openpyxl, recalculates it with the engine
(``recalc_file``) into a second file and reads the cached values back with openpyxl,
as any reader of the file would.  Expectations come from Excel's documentation
(operators and precedence, type conversion in formulas, implicit intersection,
structured references) and from values worked by hand.
"""
from __future__ import annotations

import math

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

from kpi_xl.engine.a1 import relative_key
from kpi_xl.engine.recalc import recalc_file


def recalc(tmp_path, sheets, names=(), tables=(), array_formulas=()):
    """Write ``sheets`` ({title: {"A1": value or "=formula"}}), recalculate, read back.

    ``names``: (name, "Sheet!$A$1", local sheet title or None); ``tables``:
    (sheet, name, "A1:B4"[, totals rows]); ``array_formulas``: (sheet, "B1:B3", "=formula") entered
    as legacy Ctrl+Shift+Enter arrays.  Returns {title: {"A1": cached value}}.
    """
    from openpyxl.worksheet.formula import ArrayFormula
    wb = Workbook()
    wb.remove(wb.active)
    for title, cells in sheets.items():
        ws = wb.create_sheet(title)
        for coord, v in cells.items():
            ws[coord] = v
    for sheet, rng, text in array_formulas:
        wb[sheet][rng.split(":")[0]] = ArrayFormula(rng, text)
    for name, target, local in names:
        dn = DefinedName(name, attr_text=target)
        if local is None:
            wb.defined_names[name] = dn
        else:
            wb[local].defined_names[name] = dn
    for sheet, name, rng, *totals in tables:
        wb[sheet].add_table(Table(displayName=name, ref=rng, totalsRowCount=totals[0] if totals else None))
    src, dst = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    before = src.read_bytes()
    recalc_file(src, dst)
    assert src.read_bytes() == before       # the input is never touched
    back = load_workbook(dst, data_only=True)
    out = {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row}
           for ws in back.worksheets}
    back.close()
    return out


def one(tmp_path, formula, **cells):
    """The value of one formula in Z1 beside ``cells`` on Sheet1."""
    sheet = dict(cells)
    sheet["Z1"] = "=" + formula
    return recalc(tmp_path, {"Sheet1": sheet})["Sheet1"]["Z1"]


# -- operators: precedence and types (Excel's documentation) ---------------------------

@pytest.mark.parametrize("formula, expected", [
    ("-3^2", 9),                 # negation first: (-3)^2
    ("2^3^2", 64),               # left to right: (2^3)^2
    ("5+2*3", 11),
    ("(5+2)*3", 21),
    ("10-2-3", 5),
    ("8/2/2", 2),
    ("2*3%", 0.06),
    ("50%%", 0.005),
    ("1&2+3", "15"),            # + before &
    ("1+2=3", True),             # comparison last
    ("1<2<3", False),            # (1<2)=TRUE, and a logical is greater than any number
    ('"a"<"B"', True),           # text compares without regard to case
    ('"A"="a"', True),
    ('"10"<"9"', True),          # text compares as text
    ('1<"0"', True),             # any number is less than any text
    ('1+"2"', 3),                # text that looks like a number is converted
    ('"1"&2', "12"),
    ("TRUE+1", 2),
    ('--"1e2"', 100),
    ('1+"x"', "#VALUE!"),
    ("1/0", "#DIV/0!"),
    ("#N/A+1", "#N/A"),          # errors pass through operators
    ("2^-1", 0.5),
])
def test_operators(tmp_path, formula, expected):
    v = one(tmp_path, formula)
    if isinstance(expected, float):
        assert v == pytest.approx(expected, rel=1e-15)
    else:
        assert v == expected and type(v) is type(expected)


def test_percent_binds_before_power(tmp_path):
    assert one(tmp_path, "2^50%") == pytest.approx(math.sqrt(2), rel=1e-15)


def test_blank_cells(tmp_path):
    # A blank is 0 to arithmetic and "" to &; a formula showing a blank cell shows 0.
    assert one(tmp_path, "A9+1") == 1
    assert one(tmp_path, 'A9&"x"') == "x"
    assert one(tmp_path, "A9") == 0


# -- references --------------------------------------------------------------------------

def test_relative_references_copied_down(tmp_path):
    cells = {"A1": 2, "A2": 3, "A3": 5, "B1": "=A1*10", "B2": "=A2*10", "B3": "=A3*10",
             "C1": "=$A$1+A1", "C2": "=$A$1+A2", "C3": "=$A$1+A3"}
    s = recalc(tmp_path, {"Sheet1": cells})["Sheet1"]
    assert [s["B1"], s["B2"], s["B3"]] == [20, 30, 50]
    assert [s["C1"], s["C2"], s["C3"]] == [4, 5, 7]


def test_relative_key_is_one_form_per_copied_formula():
    assert relative_key("A1*10", 1, 2) == relative_key("A2*10", 2, 2)
    assert relative_key("$A$1+A1", 1, 3) == relative_key("$A$1+A7", 7, 3)
    # an absolute row is not shifted: $A$1 in row 1 and in row 2 are different relative forms
    assert relative_key("A$1", 1, 2) != relative_key("A$2", 2, 2)
    # whole columns copied one column right refer to the next column
    assert relative_key("SUM(H:H)", 1, 1) == relative_key("SUM(I:I)", 1, 2)
    # references inside text literals are left alone
    assert relative_key('"A1"&A1', 1, 2) != relative_key('"A2"&A2', 2, 2)


def test_sheet_qualified_and_quoted_names(tmp_path):
    s = recalc(tmp_path, {
        "Sheet1": {"A1": "='My Sheet'!A1+'It''s'!A1+方案!A1", "A2": "=SUM('My Sheet'!A1:B1)",
                   "A3": "=Nowhere!A1"},
        "My Sheet": {"A1": 1, "B1": 10},
        "It's": {"A1": 100},
        "方案": {"A1": 1000},
    })["Sheet1"]
    assert s["A1"] == 1101
    assert s["A2"] == 11
    assert s["A3"] == "#REF!"


def test_three_d_reference(tmp_path):
    s = recalc(tmp_path, {"Sum": {"A1": "=SUM(Jan:Mar!B2)"}, "Jan": {"B2": 1},
                          "Feb": {"B2": 20}, "Mar": {"B2": 300}, "Apr": {"B2": 4000}})
    assert s["Sum"]["A1"] == 321


def test_range_intersection_and_union(tmp_path):
    grid = {f"{c}{r}": 10 ** (r - 1) * (ord(c) - 64) for c in "ABCD" for r in range(1, 5)}
    s = recalc(tmp_path, {"Sheet1": {
        **grid,
        "F1": "=SUM(A1:C3 B2:D4)",      # B2:C3 = 20+30+200+300
        "F2": "=SUM(A1:A2 C1:C2)",      # no common cell: #NULL!
        "F3": "=SUM((A1,B2,D4))",       # 1 + 20 + 4000
        "F4": "=SUM(A1:B2:C3)",         # the smallest rectangle holding both: A1:C3
        "F5": "=SUM(B1:INDEX(B1:B4,3))",
    }})["Sheet1"]
    assert s["F1"] == 550
    assert s["F2"] == "#NULL!"
    assert s["F3"] == 4021
    assert s["F4"] == 666
    assert s["F5"] == 222


def test_implicit_intersection_in_an_ordinary_formula(tmp_path):
    # A range where one value is wanted, outside an array formula, gives the cell of the
    # formula's own row (or column); none in line gives #VALUE!.
    s = recalc(tmp_path, {"Sheet1": {
        "A1": 1, "A2": 2, "A3": 3,
        "B2": "=A1:A3*10", "B5": "=A1:A3*10", "C2": "=SUM(A1:A3)",
    }})["Sheet1"]
    assert s["B2"] == 20
    assert s["B5"] == "#VALUE!"
    assert s["C2"] == 6          # SUM takes the whole range


def test_sumproduct_takes_arrays_in_an_ordinary_formula(tmp_path):
    # SUMPRODUCT's arguments are arrays: no Ctrl+Shift+Enter needed (1*10 + 2*20 + 3*30).
    s = recalc(tmp_path, {"Sheet1": {"A1": 1, "A2": 2, "A3": 3, "B1": 10, "B2": 20, "B3": 30,
                                     "D2": "=SUMPRODUCT(A1:A3*B1:B3)",
                                     "D5": "=SUMPRODUCT(A1:A3,B1:B3)"}})["Sheet1"]
    assert s["D2"] == 140
    assert s["D5"] == 140


def test_sum_of_an_operator_on_ranges_in_an_ordinary_formula_intersects(tmp_path):
    # SUM's arguments take references, not arrays: an operator on ranges inside SUM in a
    # formula that is not an array formula meets implicit intersection in Excel (=SUM(A1:A3*
    # B1:B3) entered normally in row 2 is A2*B2, in row 5 #VALUE!); as an array formula it
    # multiplies the whole ranges (1*10 + 2*20 + 3*30).  SUM of the ranges themselves adds them.
    s = recalc(tmp_path, {"Sheet1": {"A1": 1, "A2": 2, "A3": 3, "B1": 10, "B2": 20, "B3": 30,
                                     "D2": "=SUM(A1:A3*B1:B3)", "D5": "=SUM(A1:A3*B1:B3)",
                                     "E2": "=SUM(A1:A3,B1:B3)", "E3": "=SUM(-A1:A3)"}},
               array_formulas=[("Sheet1", "D1", "=SUM(A1:A3*B1:B3)")])["Sheet1"]
    assert s["D2"] == 40
    assert s["D5"] == "#VALUE!"
    assert s["D1"] == 140
    assert s["E2"] == 66
    assert s["E3"] == -3          # -A3, the row's own


def test_the_other_aggregates_of_the_reference_class_intersect_as_sum_does(tmp_path):
    # AVERAGE, MIN, MAX, COUNT, COUNTA, PRODUCT, STDEV, VAR, AND and OR take their arguments
    # in SUM's class (Excel's function table): entered normally in row 2, an operator on
    # A1:A3 and B1:B3 is A2 op B2 (one value); in row 5 it is #VALUE!; as an array formula the
    # whole ranges (products 10, 40, 90).  COUNT of an error counts nothing (0).  Worked
    # by hand from those rules.
    cells = {"A1": 1, "A2": 2, "A3": 3, "B1": 10, "B2": 20, "B3": 30}
    formulas = {"AVERAGE": "AVERAGE(A1:A3*B1:B3)", "MAX": "MAX(A1:A3*B1:B3)",
                "MIN": "MIN(A1:A3*B1:B3)", "COUNT": "COUNT(A1:A3*B1:B3)",
                "PRODUCT": "PRODUCT(A1:A3*B1:B3)", "AND": "AND(A1:A3*B1:B3>30)",
                "OR": "OR(A1:A3*B1:B3>50)"}
    sheet = dict(cells)
    arrays = []
    for col, (name, f) in zip("DEFGHIJ", formulas.items()):
        sheet[f"{col}2"] = sheet[f"{col}5"] = "=" + f
        arrays.append(("Sheet1", f"{col}1", "=" + f))
    s = recalc(tmp_path, {"Sheet1": sheet}, array_formulas=arrays)["Sheet1"]
    row2 = [s[f"{c}2"] for c in "DEFGHIJ"]
    row5 = [s[f"{c}5"] for c in "DEFGHIJ"]
    row1 = [s[f"{c}1"] for c in "DEFGHIJ"]
    assert row2 == [40, 40, 40, 1, 40, True, False]
    assert row5 == ["#VALUE!"] * 3 + [0] + ["#VALUE!"] * 3     # COUNT counts no error
    assert row1 == [pytest.approx(140 / 3), 90, 10, 3, 36000, False, True]


def test_lookup_vector_computed_from_an_operator_needs_no_array_formula(tmp_path):
    # LOOKUP's vectors are references or arrays: =LOOKUP(2,1/(A1:A4>0),B1:B4) entered normally
    # finds the last row with a positive A (row 3: "c"), the idiom that needs no Ctrl+Shift+Enter;
    # INDEX likewise takes an array computed in place: the second of 10*A1:A4 is 20.
    s = recalc(tmp_path, {"Sheet1": {"A1": 1, "A2": 2, "A3": 3, "A4": -4,
                                     "B1": "a", "B2": "b", "B3": "c", "B4": "d",
                                     "D2": "=LOOKUP(2,1/(A1:A4>0),B1:B4)",
                                     "D9": "=INDEX(A1:A4*10,2)"}})["Sheet1"]
    assert s["D2"] == "c"
    assert s["D9"] == 20


@pytest.mark.parametrize("first_is_array", [False, True])
def test_same_text_as_array_formula_and_ordinary_formula(tmp_path, first_is_array):
    # One text, two compiled forms: entered normally, =ABS($A$1:$A$3) in row 2 intersects its
    # range (|A2| = 2) and in row 4 finds no row in line (#VALUE!); as a one-cell array formula
    # it is ABS of the whole column, {1;2;3}, of which the cell shows the first (1).  Whichever
    # cell is compiled first, the other does not take its compiled form.
    text = "=ABS($A$1:$A$3)"
    array_row, plain_rows = (2, (3, 4)) if first_is_array else (3, (2, 4))
    cells = {"A1": -1, "A2": -2, "A3": -3}
    cells.update({f"D{r}": text for r in plain_rows})
    s = recalc(tmp_path, {"Sheet1": cells},
               array_formulas=[("Sheet1", f"D{array_row}", text)])["Sheet1"]
    assert s[f"D{array_row}"] == 1
    expected = {2: 2, 3: 3, 4: "#VALUE!"}
    for r in plain_rows:
        assert s[f"D{r}"] == expected[r]


def test_array_formula_keeps_the_range(tmp_path):
    # Excel stores the member cells of an array with their cached values (0 here: stale).
    s = recalc(tmp_path, {"Sheet1": {"A1": 1, "A2": 2, "A3": 3, "B2": 0, "B3": 0}},
               array_formulas=[("Sheet1", "B1:B3", "=A1:A3*10"),
                               ("Sheet1", "C1", "=SUM(A1:A3*A1:A3)")])["Sheet1"]
    assert [s["B1"], s["B2"], s["B3"]] == [10, 20, 30]
    assert s["C1"] == 14


# -- names -------------------------------------------------------------------------------

def test_defined_names_global_and_sheet_scoped(tmp_path):
    s = recalc(tmp_path, {
        "Sheet1": {"A1": "=Rate*100", "A2": "=Local", "A3": "=Nobody"},
        "Sheet2": {"A1": "=Local", "B1": 0.25, "B2": 7},
    }, names=[("Rate", "Sheet2!$B$1", None), ("Local", "Sheet2!$B$2", "Sheet2")])
    assert s["Sheet1"]["A1"] == 25
    assert s["Sheet1"]["A2"] == "#NAME?"        # Local belongs to Sheet2 only
    assert s["Sheet2"]["A1"] == 7
    assert s["Sheet1"]["A3"] == "#NAME?"


def test_unknown_function_is_name_error(tmp_path):
    assert one(tmp_path, "NO_SUCH_FN(1)") == "#NAME?"


# -- structured references ---------------------------------------------------------------

def test_structured_references(tmp_path):
    s = recalc(tmp_path, {"Sheet1": {
        "A1": "Qty", "B1": "Price", "C1": "Amount",
        "A2": 2, "B2": 10, "C2": "=Sales[@Qty]*Sales[@Price]",
        "A3": 3, "B3": 20, "C3": "=Sales[@Qty]*Sales[@Price]",
        "A4": 5, "B4": 30, "C4": "=Sales[@Qty]*Sales[@Price]",
        "E1": "=SUM(Sales[Amount])", "E2": "=ROWS(Sales[#All])", "E3": "=SUM(Sales[[Qty]:[Price]])",
        "E4": "=COUNTA(Sales[#Headers])", "E5": "=SUM(Sales[Qty])/COUNT(Sales[Qty])",
    }}, tables=[("Sheet1", "Sales", "A1:C4")])["Sheet1"]
    assert [s["C2"], s["C3"], s["C4"]] == [20, 60, 150]
    assert s["E1"] == 230
    assert s["E2"] == 4
    assert s["E3"] == 70
    assert s["E4"] == 3
    assert s["E5"] == pytest.approx(10 / 3, rel=1e-15)


def test_structured_references_with_a_totals_row(tmp_path):
    # The Excel 2007 spelling [[#This Row],[Qty]] and the special items of a table whose
    # last row is its totals row (A1:C5: header, three data rows, totals).
    this_row = "=Sales[[#This Row],[Qty]]*Sales[[#This Row],[Price]]"
    s = recalc(tmp_path, {"Sheet1": {
        "A1": "Qty", "B1": "Price", "C1": "Amount",
        "A2": 2, "B2": 10, "C2": this_row, "A3": 3, "B3": 20, "C3": this_row,
        "A4": 5, "B4": 30, "C4": this_row,
        "A5": "Total", "B5": "=SUBTOTAL(109,Sales[Price])", "C5": "=SUBTOTAL(109,Sales[Amount])",
        "E1": "=Sales[[#Totals],[Amount]]", "E2": "=SUM(Sales[#Data])", "E3": "=ROWS(Sales[#All])",
        "E4": "=Sales[[#Headers],[Price]]", "E5": "=COUNT(Sales[Qty])",
    }}, tables=[("Sheet1", "Sales", "A1:C5", 1)])["Sheet1"]
    assert [s["C2"], s["C3"], s["C4"]] == [20, 60, 150]
    assert [s["B5"], s["C5"]] == [60, 230]
    assert s["E1"] == 230
    assert s["E2"] == 300            # data rows only: quantities, prices and amounts
    assert s["E3"] == 5
    assert s["E4"] == "Price"
    assert s["E5"] == 3              # the totals row is not data


# -- functions: arguments, IF, LET and LAMBDA --------------------------------------------

@pytest.mark.parametrize("formula, expected", [
    ("SUM(1,,2)", 3),                 # an empty argument is 0 to SUM
    ("IF(TRUE,A9)", 0),               # IF shows a blank branch as 0
    ("IF(FALSE,1)", False),           # no else branch: FALSE
    ('IF(1,"y","n")', "y"),           # a number is a condition: non-zero is TRUE
    ('IF(0,"y","n")', "n"),
    ('IF("x",1,2)', "#VALUE!"),       # text is no condition
    ("IF(#N/A,1,2)", "#N/A"),
    ("IF(TRUE,1,1/0)", 1),            # the branch not taken is not computed
    ('IFERROR(1/0,"none")', "none"),
    ("CHOOSE(2,10,20,30)", 20),
    ("_xlfn.LET(_xlpm.x,2,_xlpm.y,_xlpm.x*3,_xlpm.x+_xlpm.y)", 8),
    ("_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)(2)", 3),
    ("ROUND(1)", "#VALUE!"),          # too few arguments for the function
])
def test_functions(tmp_path, formula, expected):
    assert one(tmp_path, formula) == expected


def test_kpi_function_under_an_add_in_prefix(tmp_path):
    # The composite model's conversion table (DOMAIN.md): 32 % falls in 32–35 % → 70.
    cells = {"A1": 0.41, "B1": 100, "A2": 0.38, "B2": 90, "A3": 0.35, "B3": 80,
             "A4": 0.32, "B4": 70, "A5": 0.28, "B5": 60, "A6": 0.25, "B6": 50, "A7": 0, "B7": 0}
    s = recalc(tmp_path, {"Sheet1": {**cells, "D1": "=KPI_BAND(0.32,A1:B7)",
                                     "D2": "=_xludf.KPI_BAND(0.32,A1:B7)",
                                     "D3": "=_xldudf_XLWINGS_KPI_BAND(0.32,A1:B7)"}})["Sheet1"]
    assert [s["D1"], s["D2"], s["D3"]] == [70, 70, 70]


def test_kpi_function_given_a_range_for_one_value_out_of_line_is_value_error(tmp_path):
    # Conversion 30 %, 40 %, 20 % in A1:A3; bands 0 → 0, 25 % → 50, 35 % → 100.
    cells = {"A1": 0.30, "A2": 0.40, "A3": 0.20, "E1": 0, "F1": 0, "E2": 0.25, "F2": 50,
             "E3": 0.35, "F3": 100}
    s = recalc(tmp_path, {"Sheet1": {**cells, "C7": "=KPI_BAND(A1:A3,E1:F3)",
                                     "D7": "=ABS(A1:A3)", "C2": "=KPI_BAND(A1:A3,E1:F3)",
                                     "C3": "=KPI_BAND(A1:A3,E1:F3)"}})["Sheet1"]
    assert s["D7"] == "#VALUE!"      # Excel's own one-value function, for comparison
    assert s["C7"] == "#VALUE!"
    # In line with the range, each row scores its own agent: 40 % → 100, 20 % → 0.
    assert (s["C2"], s["C3"]) == (100, 0)


def test_circular_reference_does_not_hang(tmp_path):
    s = recalc(tmp_path, {"Sheet1": {"A1": "=B1+1", "B1": "=A1+1", "C1": 5, "C2": "=C1*2"}})
    assert s["Sheet1"]["C2"] == 10
    assert isinstance(s["Sheet1"]["A1"], str) and s["Sheet1"]["A1"].startswith("#")
