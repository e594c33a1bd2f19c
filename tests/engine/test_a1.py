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
        assert module.column_letters is a1.column_letters
        assert module.parse_range_ref is a1.parse_range_ref
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
