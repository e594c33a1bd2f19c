"""Lookups, criteria, rounding to multiples, number systems, complex numbers, database
functions, dynamic arrays and volatility, each worked by hand."""
from __future__ import annotations

import pytest

from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

NUM, VALUE, NA, DIV0 = XlErr("#NUM!"), XlErr("#VALUE!"), XlErr("#N/A"), XlErr("#DIV/0!")


def book(cells, formulas=(), arrays=None):
    from kpi_xl.engine.xlsx_read import parse_cell_ref
    s = SheetInput("Sheet1")
    for ref, v in cells.items():
        s.values[parse_cell_ref(ref)] = v
    for ref, text in formulas:
        s.formulas[parse_cell_ref(ref)] = text
    for ref, bounds in (arrays or {}).items():
        s.arrays[parse_cell_ref(ref)] = bounds
    results, report = calculate(BookInput([s]))
    return results["Sheet1"], report


def ev(formula, **cells):
    res, _ = book(cells, [("Z100", formula)])
    return res[(100, 26)]


# -- XLOOKUP / XMATCH ------------------------------------------------------------------
# A1:A11 sorted ascending with duplicates, B the letters beside them.
SORTED = dict(zip([f"A{i}" for i in range(1, 12)], [1, 2, 3, 4, 5, 5, 5, 6, 7, 7, 7]))
SORTED.update(zip([f"B{i}" for i in range(1, 12)], "abcdefghijk"))


@pytest.mark.parametrize("formula, expected", [
    ("XLOOKUP(5,A1:A11,B1:B11,,0,2)", "e"),      # binary search lands on the first 5
    ("XLOOKUP(5.5,A1:A11,B1:B11,,-1,2)", "g"),   # next smaller: the last 5
    ("XLOOKUP(5.5,A1:A11,B1:B11,,1,2)", "h"),    # next larger: 6
    ("XLOOKUP(8,A1:A11,B1:B11,,1,2)", NA),
    ("XLOOKUP(5,A1:A11,B1:B11,,2,2)", VALUE),    # wildcards cannot be binary-searched
    ("XLOOKUP(5,A1:A11,B1:B11)", "e"),
    ("XLOOKUP(5,A1:A11,B1:B11,,,-1)", "g"),      # searched from the end
    ("XLOOKUP(99,A1:A11,B1:B11,\"none\")", "none"),
    ("XLOOKUP(5,A:A,B:B)", "e"),                 # whole columns, result beyond the data allowed
    ("XMATCH(7,A1:A11,0,2)", 9),
])
def test_xlookup_modes(formula, expected):
    assert ev(formula, **SORTED) == expected


def test_xlookup_descending_binary_search_takes_the_last_of_equals():
    cells = dict(zip([f"A{i}" for i in range(1, 6)], [9, 7, 7, 7, 1]))
    cells.update(zip([f"B{i}" for i in range(1, 6)], "vwxyz"))
    assert ev("XLOOKUP(7,A1:A5,B1:B5,,0,-2)", **cells) == "y"
    assert ev("XLOOKUP(8,A1:A5,B1:B5,,1,-2)", **cells) == "v"    # next larger: 9


def test_xlookup_approximate_modes_compare_across_types():
    # Excel's order: numbers < text < logicals; the next smaller than FALSE is the text.
    cells = {"A1": 2, "A2": 5, "A3": "ala", "B1": "n2", "B2": "n5", "B3": "t"}
    assert ev("XLOOKUP(FALSE,A1:A3,B1:B3,,-1)", **cells) == "t"
    assert ev("XLOOKUP(\"zzz\",A1:A3,B1:B3,,-1)", **cells) == "t"
    assert ev("XLOOKUP(3,A1:A3,B1:B3,,1)", **cells) == "n5"


def test_xlookup_blank_lookup_value_finds_the_first_blank():
    cells = {"A1": 1, "A3": 3, "B1": "x", "B2": "y", "B3": "z"}
    assert ev("XLOOKUP(C1,A1:A3,B1:B3)", **cells) == "y"


# -- criteria --------------------------------------------------------------------------

CRIT = {"A1": 23, "A2": "23", "A3": True, "A4": 1, "A5": -23, "A6": "hey", "A7": False}


@pytest.mark.parametrize("criterion, expected", [
    ("23", 2),            # the number and the text "23"
    ("\"=23\"", 2),
    ("\"<>23\"", 6),      # only the number 23 is excluded
    ("\">0\"", 2),        # numbers only: 23 and 1
    ("\"<=\"", 0),        # an ordering against nothing matches nothing
    ("TRUE", 1),
    ("\"h*\"", 1),
])
def test_countif_criteria(criterion, expected):
    assert ev(f"COUNTIF(A1:A7,{criterion})", **CRIT) == expected


def test_countif_counts_blanks_of_whole_columns_beyond_the_used_area():
    cells = {"A1": 1, "A2": 2}
    assert ev('COUNTIF(A:A,"<>1")', **cells) == 1048576 - 1
    assert ev('COUNTIF(A:A,"")', **cells) == 1048576 - 2
    assert ev('COUNTIFS(A:A,"<>1",A:A,"<>2")', **cells) == 1048576 - 2


def test_countif_error_criteria_match_errors():
    res, _ = book({"A2": "x"}, [("A1", "1/0"), ("A3", "NA()"), ("B1", 'COUNTIF(A1:A3,"#DIV/0!")'),
                                ("B2", 'COUNTIF(A1:A3,"#N/A")')])
    assert (res[(1, 2)], res[(2, 2)]) == (1, 1)


# -- rounding to multiples ---------------------------------------------------------------

@pytest.mark.parametrize("formula, expected", [
    ("FLOOR(7.1,0.1)", 7.1),           # 7.1/0.1 is 70.99999999999999: still 71 tenths
    ("FLOOR(-2.5,2)", -4),             # positive significance: away from zero
    ("FLOOR(-2.5,-2)", -2),            # both negative: toward zero
    ("FLOOR(2.5,-2)", NUM),
    ("FLOOR(3,0)", DIV0),
    ("FLOOR(0,0)", 0),
    ("FLOOR(-1E-12,1)", -1),
    ("CEILING(-2.5,2)", -2),
    ("CEILING(-2.5,-2)", -4),
    ("CEILING(2.5,-2)", NUM),
    ("CEILING(3,0)", 0),
    ("FLOOR.MATH(-2.5)", -3),
    ("FLOOR.MATH(-2.5,2,1)", -2),
    ("CEILING.MATH(-2.5)", -2),
    ("CEILING.MATH(-2.5,2,1)", -4),
    ("FLOOR.PRECISE(-2.5,-2)", -4),
    ("CEILING.PRECISE(-2.5,-2)", -2),
    ("ISO.CEILING(2.1)", 3),
    ("FLOOR.PRECISE(7,A1)", 0),        # a blank significance is 0, not the default 1
    ("MROUND(10,3)", 9),
    ("MROUND(-10,3)", NUM),
    ("MROUND(,5)", NA),                # an argument left out (Excel's cached value in the oracles)
    ("MROUND(10,)", NA),
    ("MROUND(A1,5)", 0),               # a blank cell is 0
    ("MROUND(TRUE,2)", VALUE),         # no logical values, typed ...
    ("MROUND(7.5,5)", 10),             # halves away from zero
    ("MROUND(-7.5,-5)", -10),
    ("QUOTIENT(-7.8,-2.3)", 3),
    ("QUOTIENT(1,0)", DIV0),
    ("GCD(12,18,A1)", 6),              # blank cells are left out
    ("LCM(4,6,10)", 60),
    ("LCM(-1,2)", NUM),
    ("COMBIN(5,2)", 10),
    ("COMBIN(10.9,3.9)", 120),         # both truncated: C(10,3)
    ("COMBIN(3,4)", NUM),
    ("COMBINA(3,2)", 6),
    ("TRUNC(1E+100,1E+50)", 1e100),    # more digits than a double holds: the number itself
])
def test_multiples_and_integers(formula, expected):
    got = ev(formula)
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-15)
    else:
        assert got == expected


# -- number systems ----------------------------------------------------------------------

@pytest.mark.parametrize("formula, expected", [
    ("DEC2BIN(9)", "1001"),
    ("DEC2BIN(9,8)", "00001001"),
    ("DEC2BIN(-1)", "1111111111"),      # ten-bit two's complement
    ("DEC2BIN(512)", NUM),
    ("DEC2BIN(9,2)", NUM),              # too few places
    ("DEC2BIN(9,A1)", NUM),             # a blank places is 0
    ("DEC2BIN(-25,0)", NUM),            # places is checked even for negatives
    ("DEC2OCT(-11)", "7777777765"),
    ("DEC2HEX(-1)", "FFFFFFFFFF"),
    ("DEC2HEX(255,4)", "00FF"),
    ("BIN2DEC(\"1111111111\")", -1),
    ("HEX2DEC(\"FFFFFFFFFF\")", -1),
    ("HEX2BIN(\"1FF\")", "111111111"),
    ("HEX2BIN(\"200\")", NUM),          # 512 needs more than ten bits
    ("OCT2HEX(\"7777777777\")", "FFFFFFFFFF"),
    ("BIN2OCT(\"12\")", NUM),
    ("BASE(255,16,4)", "00FF"),
    ("DECIMAL(\"FF\",16)", 255),
])
def test_number_systems(formula, expected):
    assert ev(formula) == expected


# -- complex numbers ---------------------------------------------------------------------

@pytest.mark.parametrize("formula, expected", [
    ("COMPLEX(3,4)", "3+4i"),
    ("COMPLEX(0,-1)", "-i"),
    ("COMPLEX(3,0,\"j\")", "3"),
    ("COMPLEX(1,1,\"k\")", VALUE),
    ("IMABS(\"3+4i\")", 5.0),
    ("IMREAL(\"-2.5-i\")", -2.5),
    ("IMAGINARY(\"-2.5-i\")", -1.0),
    ("IMCONJUGATE(\"1+2j\")", "1-2j"),
    ("IMSUM(\"1+2i\",\"3-i\")", "4+i"),
    ("IMPRODUCT(\"1+i\",\"1-i\")", "2"),
    ("IMDIV(\"2+2i\",\"1+i\")", "2"),
    ("IMSQRT(\"-4\")", "2i"),
    ("IMLN(\"0\")", NUM),
    ("IMREAL(\"abc\")", NUM),
])
def test_complex_numbers(formula, expected):
    assert ev(formula) == expected


# -- database functions ------------------------------------------------------------------

DB = {"A1": "Region", "B1": "Units", "A2": "East", "B2": 10, "A3": "West", "B3": 20,
      "A4": "Eastern", "B4": 30, "A5": "East", "B5": 40,
      "D1": "Region", "E1": "Units", "D2": "East", "E3": ">25"}


@pytest.mark.parametrize("formula, expected", [
    # criteria rows are alternatives: Region begins with "East", or Units > 25
    ("DSUM(A1:B5,\"Units\",D1:E3)", 10 + 30 + 40),
    ("DCOUNT(A1:B5,2,D1:E3)", 3),
    ("DAVERAGE(A1:B5,\"units\",D1:E3)", 80 / 3),
    ("DMAX(A1:B5,\"Units\",D1:D2)", 40),
    ("DMIN(A1:B5,\"Units\",D1:D2)", 10),
    ("DGET(A1:B5,\"Units\",D1:D2)", NUM),     # more than one record
    ("DSUM(A1:B1,\"Units\",D1:D2)", VALUE),   # a header without records
    ("DSUM(A1:B5,\"Nope\",D1:D2)", VALUE),
])
def test_database_functions(formula, expected):
    got = ev(formula, **DB)
    assert got == (pytest.approx(expected) if isinstance(expected, float) else expected)


# -- legacy PERCENTRANK (no oracle workbook: worked by hand) -----------------------------

@pytest.mark.parametrize("formula, expected", [
    ("PERCENTRANK({1,2,3,4,5},2)", 0.25),               # 1 of 4 steps
    ("PERCENTRANK({1,2,3,4,5},2.5)", 0.375),            # halfway between 0.25 and 0.5
    ("PERCENTRANK({1,2,3,4,5,6,7,8,9,10},7.3,2)", 0.7),  # 6/9 + 0.3/9, cut to 2 digits
    ("PERCENTRANK({1,2,3,4,5},9)", NA),
])
def test_percentrank_legacy(formula, expected):
    got = ev(formula)
    assert got == (pytest.approx(expected) if isinstance(expected, float) else expected)


# -- dynamic arrays and volatility --------------------------------------------------------

def test_sequence_spills_and_anchorarray_reads_the_spill():
    res, _ = book({}, [("A1", "SEQUENCE(3,2,10,5)"), ("D1", "SUM(ANCHORARRAY(A1))"),
                       ("D2", "ROWS(ANCHORARRAY(A1))"), ("D3", "ANCHORARRAY(D1)")],
                  arrays={"A1": (1, 1, 3, 2)})
    assert [res[(r, c)] for r in (1, 2, 3) for c in (1, 2)] == [10, 15, 20, 25, 30, 35]
    assert res[(1, 4)] == 135 and res[(2, 4)] == 3
    assert res[(3, 4)] is XlErr("#REF!")          # not the anchor of a spill
    # an empty array: Excel shows #CALC! (cached as a rich error of the oracle workbooks)
    assert ev("SEQUENCE(0)") is XlErr("#CALC!")


def test_cells_depending_on_today_are_marked_volatile():
    _, report = book({"A9": 5}, [("A1", "TODAY()"), ("A2", "A1+1"), ("A3", "SUM(A1:A2)"),
                                 ("A4", "A9*2"), ("B1", "A2")])
    vol = {(r, c) for (_, r, c) in report.volatile_cells}
    assert {(1, 1), (2, 1), (3, 1), (1, 2)} <= vol
    assert (4, 1) not in vol


def test_a_whole_row_spilled_reference_is_blank_beyond_the_used_area():
    res, _ = book({"A1": 1, "B1": 2}, [("A3", "A1:E1")], arrays={"A3": (3, 1, 3, 5)})
    assert [res[(3, c)] for c in range(1, 6)] == [1, 2, 0, 0, 0]
    res, _ = book({"A1": 1, "B1": 2}, [("A3", "1:1")], arrays={"A3": (3, 1, 3, 5)})
    assert [res[(3, c)] for c in range(1, 6)] == [1, 2, 0, 0, 0]


def test_indirect_resolves_against_the_sheet_of_its_own_formula():
    a, b = SheetInput("Data"), SheetInput("Main")
    a.values[(1, 1)] = "data-sheet"
    b.values[(1, 1)] = "main-sheet"
    a.formulas[(2, 1)] = 'INDIRECT("A1")'
    b.formulas[(2, 1)] = "Data!A2"   # Main computes Data!A2 first
    results, _ = calculate(BookInput([b, a]))
    assert results["Main"][(2, 1)] == "data-sheet"
    assert results["Data"][(2, 1)] == "data-sheet"


# -- implicit intersection ------------------------------------------------------------------

def test_a_range_where_one_value_is_expected_reads_the_formulas_row_or_column():
    cells = {"A1": 1.234, "A2": 2.345, "A3": 3.456, "C5": 10, "D5": 20, "E5": 30}
    res, _ = book(cells, [("B2", "ROUND(A1:A3,1)"),         # row 2 → A2
                          ("B3", "A1:A3*2"),                # row 3 → A3
                          ("D7", "C5:E5+1"),                # column D → D5
                          ("B9", "ROUND(A1:A3,1)"),         # row 9 meets nothing
                          ("C2", "SUMPRODUCT(A1:A3*2)"),    # array arguments stay arrays
                          ("C3", "SUM(A1:A3)")])
    assert res[(2, 2)] == 2.3
    assert res[(3, 2)] == pytest.approx(6.912)
    assert res[(7, 4)] == 21
    assert res[(9, 2)] is VALUE
    assert res[(2, 3)] == pytest.approx(2 * (1.234 + 2.345 + 3.456))
    assert res[(3, 3)] == pytest.approx(1.234 + 2.345 + 3.456)


def test_an_array_formula_keeps_whole_ranges():
    cells = {"A1": 1.234, "A2": 2.345}
    res, _ = book(cells, [("B1", "ROUND(A1:A2,1)")], arrays={"B1": (1, 2, 2, 2)})
    assert (res[(1, 2)], res[(2, 2)]) == (1.2, 2.3)


# -- SORT, TEXTBEFORE/TEXTAFTER, DOLLAR, SHEET --------------------------------------------------

def test_sort_order_across_types():
    cells = {"A1": "b", "A2": 3, "A3": True, "A4": "B", "A5": -1, "A7": "a"}
    res, _ = book(cells, [("C1", "SORT(A1:A7)"), ("D1", "SORT(A1:A7,1,-1)")],
                  arrays={"C1": (1, 3, 7, 3), "D1": (1, 4, 7, 4)})
    # numbers, then text ignoring case (equal keys keep their order), logicals; blank last
    assert [res[(r, 3)] for r in range(1, 8)] == [-1, 3, "a", "b", "B", True, 0]
    assert [res[(r, 4)] for r in range(1, 8)] == [True, "b", "B", "a", 3, -1, 0]


@pytest.mark.parametrize("formula, expected", [
    ('TEXTBEFORE("123 the 456 the 891","the")', "123 "),
    ('TEXTAFTER("123 the 456 the 891","the")', " 456 the 891"),
    ('TEXTAFTER("123 the 456 the 891","the",-1)', " 891"),
    ('TEXTBEFORE("123 the 456 the 891","THE",2,1)', "123 the 456 "),
    ('TEXTBEFORE("abc","x")', NA),
    ('TEXTBEFORE("abc","x",,,1)', "abc"),          # the end of the text counts as a delimiter
    ('TEXTBEFORE("abc","x",,,,"none")', "none"),
    ('TEXTBEFORE("abc","b",0)', VALUE),
    ('DOLLAR(1234.567)', "$1,234.57"),
    ('DOLLAR(-1)', "($1.00)"),
    ('DOLLAR(1234.567,-2)', "$1,200"),
    ('RIGHT("a string",10)', "a string"),
    ('OR("",TRUE)', True),
    ('INDEX({1,2;3,4},-1,1)', VALUE),
    ('VLOOKUP(1,"x",1)', VALUE),
])
def test_text_and_odd_arguments(formula, expected):
    assert ev(formula) == expected


def test_sheet_numbers():
    a, b = SheetInput("One"), SheetInput("Two")
    b.formulas[(1, 1)] = "SHEET()"
    b.formulas[(2, 1)] = "SHEET(One!A1)"
    b.formulas[(3, 1)] = 'SHEET("Two")'
    b.formulas[(4, 1)] = 'SHEET("Nope")'
    b.formulas[(5, 1)] = "SHEETS()"
    results, _ = calculate(BookInput([a, b]))
    assert [results["Two"][(r, 1)] for r in range(1, 6)] == [2, 1, 2, NA, 2]


# -- annuities ---------------------------------------------------------------------------

@pytest.mark.parametrize("formula, expected", [
    ("PMT(0,3,100,300,1)", -400 / 3),                   # no interest: (pv + fv) / nper
    ("NPER(0,-400/3,100,300,1)", 3),
    ("PMT(0.1,2,-100)", 100 * 0.1 * 1.21 / 0.21),        # r·pv·g / (g − 1), g = 1.1²
    ("PV(0.1,2,-100)", 100 / 1.1 + 100 / 1.21),
    ("FV(0.1,2,-100)", 100 * 1.1 + 100),
    ("PMT(-3,5,100)", NUM),                              # a rate of −100 % or less
    ("FV(-1,-2,1)", DIV0),
])
def test_annuities(formula, expected):
    got = ev(formula)
    assert got == (pytest.approx(expected) if isinstance(expected, (int, float)) else expected)


def test_byrow_and_bycol_apply_a_lambda_per_line():
    cells = {"A1": 1, "B1": 5, "A2": 7, "B2": 2}
    res, _ = book(cells, [("D1", "BYROW(A1:B2,LAMBDA(x,MAX(x)))"), ("D4", "BYCOL(A1:B2,LAMBDA(x,SUM(x)))")],
                  arrays={"D1": (1, 4, 2, 4), "D4": (4, 4, 4, 5)})
    assert (res[(1, 4)], res[(2, 4)]) == (5, 7)
    assert (res[(4, 4)], res[(4, 5)]) == (8, 7)


def test_lookup_in_a_single_value_table():
    assert ev("VLOOKUP(2,3,1)") is NA
    assert ev("VLOOKUP(3,3,1)") == 3
    assert ev('VLOOKUP(1,"x",1)') is VALUE


# -- an error code as a criterion --------------------------------------------------------
def test_error_criterion_matches_error_values_not_their_text():
    # A1 the error #N/A, A2 the text "#N/A", A3 #DIV/0!, A4 12: "#N/A" counts only A1,
    # "<>#N/A" the other three.
    cells = dict(A1=NA, A2="#N/A", A3=DIV0, A4=12)
    assert ev('COUNTIF(A1:A4,"#N/A")', **cells) == 1
    assert ev('COUNTIF(A1:A4,"<>#N/A")', **cells) == 3
    assert ev('COUNTIF(A1:A4,"#DIV/0!")', **cells) == 1


def test_mround_refuses_logical_values_from_cells():
    # ... or from a cell: Excel shows #VALUE! for A1 = TRUE (oracle MROUND_edgecases row 54)
    assert ev("MROUND(A1,2)", A1=True) == VALUE
    assert ev("MROUND(2,A1)", A1=False) == VALUE
