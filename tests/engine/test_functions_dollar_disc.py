"""DOLLARDE, DOLLARFR and DISC, the engine's own: Excel's cached values of the oracle
workbooks TEXT_DOLLARs and FINANCIAL_DISC (IronCalc's test files, saved by Excel), their
rows laid out again here, and the examples of Excel's documentation.

What the cached values show: DOLLARFR is symmetric in the sign of the price (the formulas
fallback gave DOLLARFR(-0.5,2) as 0.1); a fraction below 1 is cut to 0 and is #DIV/0!, a
negative one #NUM!; logical values are refused; DISC's basis outside 0-4 is #NUM!.
"""
from __future__ import annotations

import pytest

DOLLARS = [
    # dollar, fraction: DOLLARFR, DOLLARDE
    (12, 2, 12.0, 12.0), (12.1234, 12, 12.014808, 13.028333333333334),
    (0.9, 2, 0.18, 4.5), (-0.5, 2, -0.1, -2.5),
    (100.98999, 36, 100.35639640000001, 102.74997222222224), (0.01, 10, 0.01, 0.01),
    (0.01, 2, 0.002, 0.05), (0.1, 3, 0.030000000000000006, 0.3333333333333333),
    (True, 2, "#VALUE!", "#VALUE!"), (2, True, "#VALUE!", "#VALUE!"), (1, 2, 1.0, 1.0),
    (2, 1, 2.0, 2.0), ("hola", 2, "#VALUE!", "#VALUE!"), (10, -2, "#NUM!", "#NUM!"),
    (10, 0, "#DIV/0!", "#DIV/0!"), (10, 0.5, "#DIV/0!", "#DIV/0!"), (10, 1, 10.0, 10.0),
]


def same(got, expected):
    if isinstance(expected, str):
        return got == expected
    return got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dollar, fraction, fr, de", DOLLARS)
def test_dollar_fractions_as_excel(recalc_cells, dollar, fraction, fr, de):
    got, _ = recalc_cells({"A1": dollar, "B1": fraction},
                          {"C1": "DOLLARFR(A1,B1)", "D1": "DOLLARDE(A1,B1)"})
    assert same(got["C1"], fr) and same(got["D1"], de)


@pytest.mark.parametrize("formula, expected", [
    # Excel's documentation
    ("DOLLARDE(1.02,16)", 1.125), ("DOLLARDE(1.1,32)", 1.3125),
    ("DOLLARFR(1.125,16)", 1.02), ("DOLLARFR(1.125,32)", 1.04),
    ("DISC(DATE(2018,7,1),DATE(2048,1,1),97.975,100,1)", 0.000686),
])
def test_documented_examples(recalc_cells, formula, expected):
    got, _ = recalc_cells({}, {"A1": formula})
    assert got["A1"] == pytest.approx(expected, abs=5e-7)


DISC_ROWS = [
    # settlement, maturity, price, redemption, basis: DISC
    (39472, 39614, 97.975, 100, 0, 0.05207142857142884),
    (39472, 39614, 97.975, 100, 1, 0.05219366197183125),
    (39472, 39614, 97.975, 100, 2, 0.051338028169014345),
    (39472, 39614, 97.975, 100, 3, 0.05205105633802843),
    (39472, 39614, 97.975, 100, 4, 0.05207142857142884),
    (39472, 39614, 97.975, 100, 5, "#NUM!"), (39472, 39614, 97.975, 100, -1, "#NUM!"),
    (39472, 39614, 97.975, 100, 2.4, 0.051338028169014345),
    (39472, 39614, 97.975, 100, None, 0.05207142857142884),
    (46170, 48728, 12.5, 123, 1, 0.1282764259425237),
    (46171, 48729, 12.5, 123, 2, 0.12643261694540325),
]


@pytest.mark.parametrize("settle, maturity, price, redemption, basis, expected", DISC_ROWS)
def test_disc_as_excel(recalc_cells, settle, maturity, price, redemption, basis, expected):
    cells = {"A1": settle, "B1": maturity, "C1": price, "D1": redemption}
    formula = "DISC(A1,B1,C1,D1)"
    if basis is not None:
        cells["E1"] = basis
        formula = "DISC(A1,B1,C1,D1,E1)"
    got, _ = recalc_cells(cells, {"F1": formula})
    assert same(got["F1"], expected)
