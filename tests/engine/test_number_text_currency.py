"""Numbers typed as text with a currency symbol, and numbers as text given to the functions
of single values that come from the fallback library.

Excel's coercion reads its locale's currency symbol before or after a number; workbooks
saved by Excel in a euro locale cache EXP("€100"), EXP("100€") and SIGN(" €100 ") as
e^100 and 1, and EXP("8%") as e^0.08.  Tests below are worked by hand from those rules;
the yuan sign is the one Chinese Excel reads ("¥1,200" is 1,200)."""
from __future__ import annotations

import math

import pytest

from tests.engine.one_cell import ev


@pytest.mark.parametrize("formula, expected", [
    ('"€100"*1', 100), ('"100€"*1', 100), ('" €100 "*1', 100), ('"$100"*1', 100),
    ('"¥1,200"*1', 1200), ('"￥1,200.5"*1', 1200.5), ('"£7"+1', 8), ('"-$5"*1', -5),
    ('"($5)"*1', -5), ('"€"*1', "#VALUE!"), ('"100 apples"*1', "#VALUE!"),
    ('"$$5"*1', "#VALUE!"),
])
def test_currency_text_is_read_as_a_number(formula, expected):
    got = ev(formula)
    assert (str(got) if isinstance(expected, str) else got) == expected


@pytest.mark.parametrize("formula, cells, expected", [
    ('EXP("8%")', {}, math.exp(0.08)),
    ("EXP(A1)", {"A1": "€100"}, math.exp(100)),
    ("_xlfn.COT(A1)", {"A1": "8%"}, 1 / math.tan(0.08)),
    ('EXP("2024-01-10")', {}, "#NUM!"),          # the date's serial, 45,301: too large
    ("EXP(A1)", {"A1": "abc"}, "#VALUE!"),
    ('_xlfn.NORM.S.DIST(A1,"TRUE")', {"A1": "1.5"}, 0.9331927987311419),
])
def test_functions_of_single_values_read_number_text(formula, cells, expected):
    got = ev(formula, **cells)
    if isinstance(expected, str):
        assert str(got) == expected
    else:
        assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("formula, expected", [
    # EVEN and ODD round away from zero to the next even or odd integer (Microsoft's
    # examples: EVEN(1.5) = 2, EVEN(3) = 4, EVEN(2) = 2, EVEN(-1) = -2; ODD(1.5) = 3,
    # ODD(3) = 3, ODD(2) = 3, ODD(-1) = -1, ODD(-2) = -3), at any size
    ("EVEN(1.5)", 2), ("EVEN(3)", 4), ("EVEN(2)", 2), ("EVEN(-1)", -2), ("EVEN(0)", 0),
    ("ODD(1.5)", 3), ("ODD(3)", 3), ("ODD(2)", 3), ("ODD(-1)", -1), ("ODD(-2)", -3),
    ("ODD(0)", 1), ("EVEN(1E+307)", 1e307), ("ODD(1E+307)", 1e307), ('EVEN("x")', "#VALUE!"),
])
def test_even_and_odd(formula, expected):
    got = ev(formula)
    assert (str(got) if isinstance(expected, str) else got) == expected
