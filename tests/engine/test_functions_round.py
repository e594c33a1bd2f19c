"""ROUND's fast path (the float's own rounding away from ties) against Excel's rules,
worked by hand, and against the 15-digit decimal path on many values."""
import random
from decimal import ROUND_HALF_UP

import pytest

from kpi_xl.engine.functions.mathstat import _excel_round, _round_impl

excel_round = _round_impl(ROUND_HALF_UP)


@pytest.mark.parametrize("x, digits, expected", [
    (2.675, 2, 2.68),          # binary 2.67499999…: Excel reads 15 digits, a tie, rounds up
    (-2.5, 0, -3.0),           # half away from zero
    (1.005, 2, 1.01),
    (77.4999, 2, 77.5),
    (808106.3655764996, 6, 808106.365577),  # 15 digits make it a tie: up
    (0.1 + 0.2, 1, 0.3),
    (1234.5678, 0, 1235.0),
    (123.456, 15, 123.456),
])
def test_hand_worked(x, digits, expected):
    assert excel_round(x, digits) == expected


def test_fast_path_agrees_with_decimal_path():
    rng = random.Random(7)
    for _ in range(200000):
        x = rng.choice([rng.uniform(-1e6, 1e6), rng.randint(-10**6, 10**6) / 1000 + 0.0005,
                        rng.randint(0, 10**5) / 100.0, rng.uniform(-1e14, 1e14)])
        d = rng.randint(0, 9)
        assert excel_round(x, d) == _excel_round(x, d, ROUND_HALF_UP), (x, d)
