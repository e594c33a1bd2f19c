"""A1 references in one place (kpi_xl/engine/a1.py), against Excel's specification:
columns A..XFD (1..16,384), rows 1..1,048,576 ("Excel specifications and limits"),
letters counted as a bijective base 26 (Z is 26, AA 27, ZZ 702, AAA 703)."""
from __future__ import annotations

import pytest

from kpi_xl.engine import a1

COLUMNS = [("A", 1), ("Z", 26), ("AA", 27), ("AZ", 52), ("BA", 53), ("ZZ", 702), ("AAA", 703),
           ("XFD", 16384)]


@pytest.mark.parametrize("letters, number", COLUMNS)
def test_column_letters_and_numbers(letters, number):
    assert a1.column_number(letters) == number
    assert a1.column_number(letters.lower()) == number
    assert a1.column_letters(number) == letters


def test_the_grid_is_excels():
    assert (a1.MAX_ROW, a1.MAX_COL) == (1048576, 16384)
    assert a1.in_grid(1048576, 16384) and not a1.in_grid(1048577, 1) and not a1.in_grid(1, 16385)
    assert not a1.in_grid(0, 1)


def test_no_column_before_the_first():
    # A column pushed left of A has no letters; it must not loop or raise.
    assert a1.column_letters(0) == "" and a1.column_letters(-3) == ""


def test_cell_names_and_references():
    assert a1.cell_name(3, 2) == "B3"
    assert a1.cell_name(1048576, 16384) == "XFD1048576"
    assert a1.parse_cell_ref("$B$3") == (3, 2)
    assert a1.parse_cell_ref(" aa10 ") == (10, 27)
    assert a1.parse_range_ref("C4:A1") == (1, 1, 4, 3)
    assert a1.parse_range_ref("B2") == (2, 2, 2, 2)
    for bad in ("3B", "ABCD1", "B", "A1:C"):
        with pytest.raises(ValueError):
            a1.parse_range_ref(bad) if ":" in bad else a1.parse_cell_ref(bad)


def test_one_implementation_serves_the_parser_reader_writer_and_scanner():
    from kpi_xl.engine import parser, scan, xlsx_read, xlsx_write
    assert parser.col_to_num is a1.column_number and parser.num_to_col is a1.column_letters
    assert parser.MAX_ROW == xlsx_read.MAX_ROW == a1.MAX_ROW
    for module in (xlsx_read, xlsx_write):
        assert module.column_number is a1.column_number
        assert module.parse_range_ref is a1.parse_range_ref
        # a name for column letters, where a module has one, is a1's
        assert getattr(module, "column_letters", a1.column_letters) is a1.column_letters
    assert scan.column_number is a1.column_number


def test_the_parser_reads_references_at_the_grids_edges():
    ref = parser_ref("=XFD1048576")
    assert ref[2:6] == (1048576, 16384, 1048576, 16384)
    assert parser_ref("=$C:$E")[2:6] == (1, 3, 1048576, 5)
    assert parser_ref("=2:4")[2:6] == (2, 1, 4, 16384)


def parser_ref(text):
    from kpi_xl.engine.parser import parse
    tree = parse(text, "S")
    assert tree[0] == "ref", tree
    return tree


def test_shared_formulas_move_by_the_same_letters():
    from kpi_xl.engine.xlsx_read import translate_formula
    assert translate_formula("=Z1+$Z$1+Z:AA+1:2", 1, 1) == "=AA2+$Z$1+AA:AB+2:3"
    # XFD is the last column: one more to the right is no cell at all.
    assert translate_formula("=XFD1", 0, 1) == "=#REF!"


# -- A1 references in formula text (the relative form of a formula) ---------------------------

@pytest.mark.parametrize("text, found", [
    ("=B2*C2", ["B2", "C2"]),
    ("=$AA$3+xfd1048576", ["$AA$3", "xfd1048576"]),
    # inside a string literal or a quoted sheet name: no reference
    ('="B2"&B3', ["B3"]),
    ("='Q1 A1'!B4", ["B4"]),
    ('="say ""A1"""&C1', ["C1"]),
    # a function's name, a name with a dot: none
    ("=LOG10(A1)+Q1.A2+ATAN2(1,2)", ["A1"]),
    # four letters are no column
    ("=ABCD1+ABC1", ["ABC1"]),
])
def test_cells_in_formula_text(text, found):
    got = [m.group(0) for m in a1.CELL_IN_TEXT.finditer(text) if not m.group(1)]
    assert got == found


@pytest.mark.parametrize("text, found", [
    ("=SUM(H:H)+SUM($A:C)", ["H:H", "$A:C"]),
    ("=SUM(5:5,$1:3)", ["5:5", "$1:3"]),
    ('=":A:B"&COUNT(2:2)', ["2:2"]),
])
def test_column_and_row_spans_in_formula_text(text, found):
    got = [m.group(0) for m in a1.SPAN_IN_TEXT.finditer(text) if not m.group(1)]
    assert got == found


def test_relative_key_writes_offsets_from_the_cell():
    # B2*C2 in D2: the same row, two and one columns to the left
    assert a1.relative_key("=B2*C2", 2, 4) == "=R[0]C[-2]*R[0]C[-1]"
    # absolute parts keep their number; AA is column 27
    assert a1.relative_key("=$AA3+B$1", 2, 1) == "=R[1]C27+R1C[1]"
    # whole columns and rows: H is 8, $1 row 1
    assert a1.relative_key("=SUM(H:H)+SUM($1:3)", 5, 1) == "=SUM(C[7]:C[7])+SUM(R_1:R[-2])"
    # text is left as it is
    assert a1.relative_key('="B2"', 2, 4) == '="B2"'


def test_relative_row_runs_are_the_row_numbers_that_move():
    # runs of digits in "=B2*$C$2+D$7+LOG10(E12)+SUM(3:3)": 2, 2, 7, 10, 12, 3, 3; of these
    # the rows of B2, E12 and both ends of 3:3 move with the cell (LOG10's 10 is no row)
    text = "=B2*$C$2+D$7+LOG10(E12)+SUM(3:3)"
    assert [m.group() for m in a1.DIGIT_RUN.finditer(text)] == ["2", "2", "7", "10", "12", "3", "3"]
    assert a1.relative_row_runs(text, 2, 6) == (0, 4, 5, 6)


def test_the_compiler_and_the_evaluator_take_a1_text_from_here():
    from kpi_xl.engine import compiler, evaluator
    assert compiler.relative_key is evaluator.relative_key is a1.relative_key
    assert evaluator.relative_row_runs is a1.relative_row_runs
    # no pattern of their own: every compiled pattern they hold is one of a1's
    ours = {id(v) for v in vars(a1).values()}
    for module in (compiler, evaluator):
        names = [n for n, v in vars(module).items()
                 if hasattr(v, "pattern") and hasattr(v, "finditer") and id(v) not in ours]
        assert names == [], (module.__name__, names)
