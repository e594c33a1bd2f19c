"""One list of Excel's error values and one conversion between the core's CellError and
the engine's XlErr.  The numbers are Excel's XlCVError enumeration (xlErrDiv0 = 2007,
xlErrNA = 2042, ...; COM adds 0x800A0000, so #N/A arrives as -2146826246)."""
from __future__ import annotations

import pytest

from kpi_xl.core.errors import CVERR_NUMBERS, ERROR_CODES, OFFICE_JS_ERROR_TYPES, CellError


def test_every_runtime_spelling_names_a_listed_error():
    assert set(CVERR_NUMBERS) <= set(ERROR_CODES)
    assert set(OFFICE_JS_ERROR_TYPES.values()) <= set(ERROR_CODES)
    assert len(set(ERROR_CODES)) == len(ERROR_CODES)
    assert (CVERR_NUMBERS["#DIV/0!"], CVERR_NUMBERS["#N/A"], CVERR_NUMBERS["#VALUE!"]) == (2007, 2042, 2015)


def test_the_engine_and_the_parser_use_the_same_list():
    from kpi_xl.engine import values
    assert values.ERROR_CODES is ERROR_CODES


@pytest.mark.parametrize("code", ERROR_CODES)
def test_an_error_crosses_between_core_and_engine_unchanged(code):
    from kpi_xl.engine.values import XlErr, core_value, engine_value
    engine = engine_value(CellError(code))
    assert engine is XlErr(code)
    back = core_value(engine)
    assert type(back) is CellError and back == code


def test_other_values_pass_through_both_ways():
    from kpi_xl.engine.values import core_value, engine_value
    for v in (None, 0, 1.5, True, "", "#N/A as text"):
        assert core_value(v) is v and engine_value(v) is v


def test_the_classic_face_reads_every_com_error_number():
    pytest.importorskip("xlwings")
    from kpi_xl.excel import xlwings_face as face
    assert face.cell_value(-2146826246) == CellError("#N/A")
    for code, number in CVERR_NUMBERS.items():
        got = face.cell_value(-2146828288 + number)
        assert isinstance(got, CellError) and got == code


def test_an_office_js_error_outside_the_type_table_keeps_its_text():
    pytest.importorskip("xlwings")
    from kpi_xl.excel import xlwings_face as face
    got = face.cell_value({"type": "Error", "basicValue": "#FIELD!", "errorType": "Field"}, True)
    assert isinstance(got, CellError) and got == "#FIELD!"
    assert face.cell_value({"type": "Error", "errorType": "Div0"}, True) == "#DIV/0!"
