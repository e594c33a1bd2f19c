"""ERROR.TYPE gives each error Excel's documented number, read from the one list of errors
in kpi_xl.core.errors; anything else (another error, a number, text) is #N/A."""
from __future__ import annotations

import pytest

from kpi_xl.core.errors import ERROR_CODES, ERROR_TYPE_NUMBERS
from kpi_xl.engine.values import XlErr
from one_cell import ev  # noqa: E402

# Microsoft's ERROR.TYPE page: #NULL! 1 ... #GETTING_DATA 8; the later errors continue it.
DOCUMENTED = {"#NULL!": 1, "#DIV/0!": 2, "#VALUE!": 3, "#REF!": 4, "#NAME?": 5, "#NUM!": 6,
              "#N/A": 7, "#GETTING_DATA": 8, "#SPILL!": 9, "#CONNECT!": 10, "#BLOCKED!": 11,
              "#UNKNOWN!": 12, "#FIELD!": 13, "#CALC!": 14}




def test_the_numbers_are_kept_beside_the_one_list_of_errors():
    assert ERROR_TYPE_NUMBERS == DOCUMENTED
    assert set(ERROR_TYPE_NUMBERS) <= set(ERROR_CODES)


@pytest.mark.parametrize("code, number", sorted(DOCUMENTED.items(), key=lambda kv: kv[1]))
def test_error_type_of_a_literal_and_of_a_cell(code, number):
    assert ev(f"ERROR.TYPE({code})") == number
    assert ev("ERROR.TYPE(A1)", A1=XlErr(code)) == number


@pytest.mark.parametrize("formula", ["ERROR.TYPE(#BUSY!)", "ERROR.TYPE(1)", 'ERROR.TYPE("#N/A")',
                                     "ERROR.TYPE(A2)"])
def test_anything_else_is_not_available(formula):
    assert ev(formula) is XlErr("#N/A")


def test_computed_errors():
    # 1/0 is #DIV/0!, NA() is #N/A, an unknown name is #NAME?, SQRT(-1) is #NUM!
    assert [ev("ERROR.TYPE(1/0)"), ev("ERROR.TYPE(NA())"), ev("ERROR.TYPE(NO_SUCH_NAME)"),
            ev("ERROR.TYPE(SQRT(-1))")] == [2, 7, 5, 6]
