"""A number below 1 turned into text: Excel writes the decimals out while "0.", the zeros
and the 15 significant digits take at most 20 characters, and uses the exponent form past
that. Excel's cached value in NPOI's FormulaEvalTestData: SEARCH(B8,C8) with B8 1 and C8
0.00001 is 7 (the text is "0.00001", not "1E-05")."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("formula, expected", [
    ("SEARCH(B8,C8)", 7), ('""&C8', "0.00001"), ('""&-0.000001', "-0.000001"),
    ('""&0.0000012345678', "0.0000012345678"),            # 2 + 5 + 8 = 15 characters
    ('""&0.000000000000000001', "0.000000000000000001"),  # exactly 20
    ('""&1.23456789012345E-10', "1.23456789012345E-10"),  # 2 + 9 + 15 = 26: exponent form
    ('""&(1/3)', "0.333333333333333"), ('""&0.5', "0.5"), ('""&1234.5', "1234.5"),
])
def test_small_numbers_as_text(recalc_cells, formula, expected):
    got, _ = recalc_cells({"B8": 1, "C8": 0.00001}, {"D1": formula})
    assert got["D1"] == expected
