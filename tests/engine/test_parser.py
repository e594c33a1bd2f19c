"""The formula parser against Excel's documented grammar.

Expectations come from Excel's documentation, "Calculation operators and precedence in
Excel": the reference operators (``:`` range, space intersection, ``,`` union) bind
first, then negation, percent, ``^``, ``*`` and ``/``, ``+`` and ``-``, ``&``, and the
comparisons last; operators of one level go left to right, so ``-3^2`` is 9 and
``2^3^2`` is 64.  References follow the A1 style only (columns A..XFD, rows
1..1,048,576); sheet names with spaces or quotes are quoted with apostrophes, an
apostrophe in the name doubled.
"""
from __future__ import annotations

import pytest

from kpi_xl.engine.parser import (FINAL_OPS, MAX_COL, MAX_ROW, FormulaSyntaxError, bracket_end, col_to_num,
                                  num_to_col, parse)
from kpi_xl.engine.values import XlErr

REL = (False, False, False, False)


def lit(v):
    return ("lit", v)


def ref(r1, c1, r2=None, c2=None, sheet="S", abs4=REL):
    return ("ref", sheet, r1, c1, r1 if r2 is None else r2, c1 if c2 is None else c2, abs4)


_UNMARK = {final: op for op, final in FINAL_OPS.items()}


def p(text):
    """The grammar's tree: a root + or - carries its own operator name (the final operation
    Excel snaps to zero, tested below), given back here as the plain operator."""
    tree = parse(text, "S")
    if tree[0] == "bin" and tree[1] in _UNMARK:
        tree = ("bin", _UNMARK[tree[1]], tree[2], tree[3])
    return tree


def test_a_root_addition_or_subtraction_is_marked_final():
    assert parse("0.3-0.2-0.1")[1] == "-final"
    assert parse("1+2*3")[1] == "+final"
    assert parse("1*(2-3)")[1] == "*"
    assert parse("(1-2)*3")[1] == "*"
    assert parse("(1-2)*3")[2][1] == "-"     # inside the product: not the final operation


# -- operator precedence and associativity ----------------------------------------------

@pytest.mark.parametrize("text, tree", [
    # negation binds tighter than ^ : -3^2 = (-3)^2 = 9
    ("-3^2", ("bin", "^", ("un", "-", lit(3)), lit(2))),
    # ^ is evaluated left to right: 2^3^2 = (2^3)^2 = 64
    ("2^3^2", ("bin", "^", ("bin", "^", lit(2), lit(3)), lit(2))),
    ("5+2*3", ("bin", "+", lit(5), ("bin", "*", lit(2), lit(3)))),
    ("(5+2)*3", ("bin", "*", ("bin", "+", lit(5), lit(2)), lit(3))),
    ("10-2-3", ("bin", "-", ("bin", "-", lit(10), lit(2)), lit(3))),
    ("8/2/2", ("bin", "/", ("bin", "/", lit(8), lit(2)), lit(2))),
    # & is below + and -: "1"&(2+3)
    ("1&2+3", ("bin", "&", lit(1), ("bin", "+", lit(2), lit(3)))),
    # comparisons come last: (1+2)=3
    ("1+2=3", ("bin", "=", ("bin", "+", lit(1), lit(2)), lit(3))),
    ("1<2<3", ("bin", "<", ("bin", "<", lit(1), lit(2)), lit(3))),
    ("1&2=\"12\"", ("bin", "=", ("bin", "&", lit(1), lit(2)), lit("12"))),
    # a sign after ^ belongs to the exponent
    ("2^-1", ("bin", "^", lit(2), ("un", "-", lit(1)))),
    # percent is a postfix operator above ^ : 2^50% = 2^0.5
    ("2^50%", ("bin", "^", lit(2), ("un", "%", lit(50)))),
    ("50%%", ("un", "%", ("un", "%", lit(50)))),
    ("2*3%", ("bin", "*", lit(2), ("un", "%", lit(3)))),
    ("SUM(A1:A3)%", ("un", "%", ("fn", "SUM", [ref(1, 1, 3, 1)]))),
    ("---1", ("un", "-", ("un", "-", ("un", "-", lit(1))))),
    ("+A1", ("un", "+", ref(1, 1))),
    ("<>".join(["1", "2"]), ("bin", "<>", lit(1), lit(2))),
    ("1>=2", ("bin", ">=", lit(1), lit(2))),
])
def test_precedence(text, tree):
    assert p(text) == tree


def test_reference_operators_bind_before_arithmetic():
    # -A1:A2 negates the range A1:A2, and A1:B2 C2:D3 intersects before + applies
    assert p("-A1:A2") == ("un", "-", ref(1, 1, 2, 1))
    assert p("1+A1:B2 B2:C3") == ("bin", "+", lit(1), ("bin", " ", ref(1, 1, 2, 2), ref(2, 2, 3, 3)))


def test_whitespace_is_intersection_only_between_operands():
    assert p(" 1 + 2 ") == ("bin", "+", lit(1), lit(2))
    assert p("SUM( A1 , B1 )") == ("fn", "SUM", [ref(1, 1), ref(1, 2)])
    assert p("SUM(A1 B1)") == ("fn", "SUM", [("bin", " ", ref(1, 1), ref(1, 2))])
    assert p("A1 : B2") == ref(1, 1, 2, 2)


def test_union_in_parentheses():
    assert p("SUM((A1,B2))") == ("fn", "SUM", [("union", [ref(1, 1), ref(2, 2)])])


def test_range_operator_between_references_and_functions():
    assert p("A1:B2:C3") == ("bin", ":", ref(1, 1, 2, 2), ref(3, 3))
    assert p("A1:INDEX(B1:B5,2)") == ("bin", ":", ref(1, 1),
                                      ("fn", "INDEX", [ref(1, 2, 5, 2), lit(2)]))


# -- literals ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("1", 1), ("2.5", 2.5), (".5", 0.5), ("2e3", 2000.0), ("1E-2", 0.01),
    ('"a""b"', 'a"b'), ('""', ""), ("TRUE", True), ("false", False),
    ("#DIV/0!", XlErr("#DIV/0!")), ("#N/A", XlErr("#N/A")), ("#NULL!", XlErr("#NULL!")),
])
def test_literals(text, value):
    assert p(text) == lit(value)


def test_array_constants():
    # rows by ";", columns by ","; numbers, text, logicals and errors may mix
    assert p("{1,2;3,4}") == ("arr", [[1, 2], [3, 4]])
    assert p('{-1,"a",TRUE,#N/A}') == ("arr", [[-1, "a", True, XlErr("#N/A")]])


def test_missing_arguments_are_kept_as_blanks():
    assert p("IF(A1,,)") == ("fn", "IF", [ref(1, 1), lit(None), lit(None)])
    assert p("SUM(1,,2)") == ("fn", "SUM", [lit(1), lit(None), lit(2)])
    assert p("TRUE()") == ("fn", "TRUE", [])


# -- references --------------------------------------------------------------------------

def test_cells_ranges_and_absolute_flags():
    assert p("B2") == ref(2, 2)
    assert p("$A$1:B$2") == ref(1, 1, 2, 2, abs4=(True, True, True, False))
    # a range written backwards is the same rectangle
    assert p("B2:A1")[2:6] == (1, 1, 2, 2)


def test_last_cell_of_the_grid_and_beyond():
    assert p("XFD1048576") == ref(MAX_ROW, MAX_COL)
    # past column XFD or row 1,048,576 the text is not a cell reference
    assert p("XFE1") == ("name", "XFE1", None)
    assert p("A1048577") == ("name", "A1048577", None)
    assert p("A0") == ("name", "A0", None)


def test_whole_columns_and_rows():
    assert p("A:A") == ("ref", "S", 1, 1, MAX_ROW, 1, (True, False, True, False))
    assert p("$A:$C")[2:6] == (1, 1, MAX_ROW, 3)
    assert p("1:3") == ("ref", "S", 1, 1, 3, MAX_COL, (False, True, False, True))


def test_absolute_rows_and_columns_of_spans():
    assert p("$1:$3") == ("ref", "S", 1, 1, 3, MAX_COL, (True, True, True, True))
    assert p("A$1:A$3") == ref(1, 1, 3, 1, abs4=(True, False, True, False))
    assert p("'Sheet 1'!1:1") == ("ref", "Sheet 1", 1, 1, 1, MAX_COL, (False, True, False, True))


def test_line_breaks_are_whitespace():
    # Alt+Enter in the formula bar stores a line feed in the formula text
    assert p("1+\n2") == ("bin", "+", lit(1), lit(2))


@pytest.mark.parametrize("text, sheet", [
    ("Sheet2!A1", "Sheet2"),
    ("'My Sheet'!A1", "My Sheet"),
    ("'It''s'!A1", "It's"),
    ("'2019'!A1", "2019"),
    ("方案!A1", "方案"),
    ("'客服 数据'!A1", "客服 数据"),
])
def test_sheet_qualified(text, sheet):
    assert p(text) == ref(1, 1, sheet=sheet)


def test_three_d_and_external_references():
    assert p("SUM(Sheet1:Sheet3!A1)") == ("fn", "SUM", [ref(1, 1, sheet=("Sheet1", "Sheet3"))])
    assert p("[1]Sheet1!A1") == ref(1, 1, sheet=("[ext]", "1", "Sheet1"))
    # book 0 is the workbook itself
    assert p("[0]Sheet1!A1") == ref(1, 1, sheet="Sheet1")


def test_a_deleted_reference_is_the_ref_error():
    assert p("Sheet1!#REF!") == lit(XlErr("#REF!"))


def test_names_local_and_global():
    assert p("myName") == ("name", "myName", None)
    assert p("Sheet2!myName") == ("name", "myName", "Sheet2")
    assert p("a.b") == ("name", "a.b", None)
    # R1C1 text is not a reference in A1 style: it can only be a name
    assert p("R1C1") == ("name", "R1C1", None)


# -- structured references ----------------------------------------------------------------

@pytest.mark.parametrize("text, table, spec", [
    ("Table1[Col]", "Table1", "[Col]"),
    ("Table1[@Col]", "Table1", "[@Col]"),
    ("[@Col]", None, "[@Col]"),
    ("Table1[#All]", "Table1", "[#All]"),
    ("Table1[[#This Row],[Col]]", "Table1", "[[#This Row],[Col]]"),
    ("Table1[[#Headers],[Col]]", "Table1", "[[#Headers],[Col]]"),
    ("Table1[[Col1]:[Col2]]", "Table1", "[[Col1]:[Col2]]"),
    ("Table1['#Items]", "Table1", "['#Items]"),     # ' escapes a special character
    ("表1[询单人数]", "表1", "[询单人数]"),
])
def test_structured_references(text, table, spec):
    assert p(text) == ("sref", table, spec)


def test_bracket_end_skips_escaped_brackets():
    text = "T[[a']b]]+1"
    assert bracket_end(text, 1) == len("T[[a']b]]")
    assert bracket_end("T[[a]", 1) == -1


# -- function names ---------------------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    ("STDEV.S(A1:A2)", "STDEV.S"),
    ("_xlfn.STDEV.S(A1:A2)", "STDEV.S"),
    ("_xlfn.XLOOKUP(1,A1:A2,B1:B2)", "XLOOKUP"),
    ("_xludf.KPI_BAND(1,A1:B2)", "KPI_BAND"),
    ("[1]!KPI_BAND(1,A1:B2)", "KPI_BAND"),
    ("XLWINGS.KPI_BAND(1)", "KPI_BAND"),
    ("_xldudf_XLWINGS_KPI_BAND(1)", "KPI_BAND"),
    ("kpi_band(1)", "KPI_BAND"),
])
def test_function_prefixes_are_dropped(text, name):
    tree = p(text)
    assert tree[0] == "fn" and tree[1] == name


def test_lambda_call_and_implicit_intersection_operator():
    assert p("LAMBDA(x,x+1)(2)") == ("call", ("fn", "LAMBDA", [
        ("name", "x", None), ("bin", "+", ("name", "x", None), lit(1))]), [lit(2)])
    assert p("@A1:A3") == ("fn", "SINGLE", [ref(1, 1, 3, 1)])


def test_leading_equals_sign_is_optional():
    assert parse("=1+1") == parse("1+1")


# -- syntax errors ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "1+", "(1", "SUM(1", "{1,2;3}", '"abc', "$1A", "1+)", "SUM(1 2,", "{A1}",
])
def test_syntax_errors(text):
    with pytest.raises(FormulaSyntaxError):
        p(text)


# -- column letters -----------------------------------------------------------------------

@pytest.mark.parametrize("letters, number", [("A", 1), ("Z", 26), ("AA", 27), ("AZ", 52),
                                             ("ZZ", 702), ("AAA", 703), ("XFD", 16384)])
def test_column_letters(letters, number):
    assert col_to_num(letters) == number
    assert num_to_col(number) == letters
