"""BESSELI/J/K/Y: Microsoft's documented examples, and values Excel cached where its
approximations part from the true functions in the eighth digit."""
from __future__ import annotations

import pytest

from test_functions_misc import NUM, VALUE, ev


@pytest.mark.parametrize("formula, expected, rel", [
    # Microsoft's examples, printed to nine decimals
    ("BESSELI(1.5,1)", 0.981666428, 2e-9),
    ("BESSELJ(1.9,2)", 0.329925829, 2e-9),
    ("BESSELK(1.5,1)", 0.277387804, 2e-9),
    ("BESSELY(2.5,1)", 0.145918138, 4e-9),
    # Excel's cached values (true I0(0.2) = 1.01002502779515, I1(1) = 0.565159103992485):
    # the polynomial approximations are the point.
    ("BESSELI(0.2,0)", 1.0100250221205638, 1e-13),
    ("BESSELI(1,1)", 0.5651590975819435, 1e-13),
    ("BESSELI(0.2,7)", 1.9866085100212153e-11, 1e-12),
    ("BESSELI(-1,1)", -0.5651590975819435, 1e-13),
])
def test_bessel_values(formula, expected, rel):
    assert ev(formula) == pytest.approx(expected, rel=rel)


def test_bessel_at_zero():
    assert ev("BESSELI(0,0)") == 1 and ev("BESSELI(0,3)") == 0 and ev("BESSELJ(0,0)") == pytest.approx(1)


@pytest.mark.parametrize("formula, expected", [
    ("BESSELI(1,-1)", NUM),     # negative order
    ("BESSELK(0,1)", NUM),      # K and Y need x > 0
    ("BESSELY(-1,0)", NUM),
    ("BESSELJ(TRUE,1)", VALUE),  # a logical is no number here
])
def test_bessel_errors(formula, expected):
    assert ev(formula) == expected
