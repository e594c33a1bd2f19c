"""Classes of Excel behaviour in the engineering, math and text functions, from Microsoft's
function reference (its examples) and from cached values of Excel-saved workbooks.

- BITAND, BITOR, BITXOR, BITLSHIFT, BITRSHIFT take whole numbers from 0 to 2^48-1 and give
  #NUM! for anything else or a result past it (reference examples: BITAND(13,25) = 9,
  BITOR(23,10) = 31, BITXOR(5,3) = 6, BITLSHIFT(4,2) = 16, BITRSHIFT(13,2) = 3).
- DELTA compares exactly (DELTA(5,4) = 0, DELTA(5,5) = 1, DELTA(0.5,0) = 0); it, QUOTIENT,
  ISEVEN and ISODD take no logicals (#VALUE!).
- LOG in base 1 divides by log(1) = 0: #DIV/0!; LOG(8,2) = 3, LOG(10) = 1, LOG(1000) = 3.
- POISSON.DIST cuts x to a whole number: POISSON.DIST(2,5,FALSE) = 0.084224337,
  POISSON.DIST(2,5,TRUE) = 0.124652019.
- FREQUENCY counts per bin in the order the bins are given (reference example: scores
  79,85,78,85,50,81,95,88,97 in bins 70,79,89 are 1,2,4,2).
- VALUE("") is #VALUE! (an empty cell is 0); "12,34" is no number (thousands come in threes).
- CHAR of the five codes Windows-1252 leaves undefined gives the control character of that
  number (CHAR(129) is U+0081), and CODE gives it back.
"""
from __future__ import annotations

import pytest

from kpi_xl.engine.values import XlErr
from tests.engine.one_cell import ev


class ERR(str):
    """An expected Excel error (a text of the same name is not one)."""


@pytest.mark.parametrize("formula, expected", [
    ("_xlfn.BITAND(13,25)", 9), ("_xlfn.BITAND(1,5)", 1), ("_xlfn.BITOR(23,10)", 31),
    ("_xlfn.BITXOR(5,3)", 6), ("_xlfn.BITLSHIFT(4,2)", 16), ("_xlfn.BITRSHIFT(13,2)", 3),
    ("_xlfn.BITAND(2^48-1,1)", 1), ("_xlfn.BITOR(2^48-1,1)", 2 ** 48 - 1),
    ("_xlfn.BITAND(2^48,1)", "#NUM!"), ("_xlfn.BITAND(-1,1)", "#NUM!"),
    ("_xlfn.BITAND(1.5,1)", "#NUM!"), ("_xlfn.BITLSHIFT(12,45)", "#NUM!"),
    ("_xlfn.BITLSHIFT(4,-1)", 2), ("_xlfn.BITLSHIFT(1,54)", "#NUM!"),
    ("DELTA(5,4)", 0), ("DELTA(5,5)", 1), ("DELTA(0.5,0)", 0), ("DELTA(0.5)", 0),
    ("DELTA(3+0.000000000000001,3)", 0), ("DELTA(A1,1)", "#VALUE!"),
    ("QUOTIENT(A1,A1)", "#VALUE!"), ("QUOTIENT(5,2)", 2), ("ISEVEN(A1)", "#VALUE!"),
    ("ISODD(A1)", "#VALUE!"), ("ISODD(3)", True),
    ("LOG(10)", 1), ("LOG(8,2)", 3), ("LOG(1000)", 3), ("LOG(10,1)", "#DIV/0!"),
    ("LOG(10,A1)", "#DIV/0!"), ("LOG(0)", "#NUM!"), ("LOG(10,-2)", "#NUM!"),
    ("_xlfn.POISSON.DIST(2,5,FALSE)", pytest.approx(0.084224337, abs=1e-9)),
    ("_xlfn.POISSON.DIST(2.9,5,FALSE)", pytest.approx(0.084224337, abs=1e-9)),
    ("POISSON(2,5,TRUE)", pytest.approx(0.124652019, abs=1e-9)),
    ("_xlfn.POISSON.DIST(-1,5,TRUE)", "#NUM!"),
    ('VALUE("")', "#VALUE!"), ("VALUE(B9)", 0), ('VALUE("12,34")', "#VALUE!"),
    ('VALUE("1,234,567")', 1234567), ('"12,34"+0', "#VALUE!"),
    ("CODE(CHAR(129))", 129), ("CODE(CHAR(157))", 157), ("CHAR(128)", "€"),
])
def test_atp_classes(formula, expected):
    got = ev(formula, A1=True)
    if isinstance(expected, str) and expected.startswith("#"):
        assert str(got) == expected
    else:
        assert got == expected


def test_char_of_an_undefined_windows_code_is_its_control_character():
    assert [ev(f"CHAR({k})") for k in (129, 141, 143, 144, 157)] == \
        ["\x81", "\x8d", "\x8f", "\x90", "\x9d"]


def test_frequency_counts_in_the_order_of_the_bins():
    cells = {f"A{i}": v for i, v in enumerate([79, 85, 78, 85, 50, 81, 95, 88, 97], start=1)}
    assert [ev(f"INDEX(FREQUENCY(A1:A9,{{70;79;89}}),{i})", **cells) for i in range(1, 5)] \
        == [1, 2, 4, 2]
    # the same bins unsorted: each count stays with its bin
    assert [ev(f"INDEX(FREQUENCY(A1:A9,{{89;70;79}}),{i})", **cells) for i in range(1, 5)] \
        == [4, 1, 2, 2]
    # a repeated bin counts nothing the second time; no bins: the count of the numbers
    assert [ev(f"INDEX(FREQUENCY(A1:A9,{{79;79}}),{i})", **cells) for i in range(1, 4)] == [3, 0, 6]
    assert ev("INDEX(FREQUENCY(A1:A9,B1:B2),1)", **cells) == 9


@pytest.mark.parametrize("formula, expected", [
    # WRAPROWS/WRAPCOLS pad with the error #N/A (not its text) unless told otherwise
    ("ISNA(INDEX(_xlfn.WRAPCOLS({1,2,3,4,5},3),3,2))", True),
    ("INDEX(_xlfn.WRAPCOLS({1,2,3,4,5},3),2,2)", 5),
    ("INDEX(_xlfn.WRAPROWS({1,2,3,4,5},3,0),2,3)", 0),
    ("INDEX(_xlfn.WRAPROWS({1,2,3,4,5},2),3,1)", 5),
    ("_xlfn.WRAPROWS({1,2;3,4},2)", ERR("#VALUE!")), ("_xlfn.WRAPROWS({1,2,3},0)", ERR("#NUM!")),
    # VALUETOTEXT: numbers as Excel writes them in text, errors by name, strict quotes text
    ("_xlfn.VALUETOTEXT(0.000000007123456)", "0.000000007123456"),
    ("_xlfn.VALUETOTEXT(1/0)", "#DIV/0!"), ('_xlfn.VALUETOTEXT("a""b",1)', '"a""b"'),
    ("_xlfn.VALUETOTEXT(TRUE)", "TRUE"), ("_xlfn.VALUETOTEXT(B9)", ""),
    # a last "~" escapes nothing: SEARCH drops it; FIND has no wildcards
    ('SEARCH("~","Hello")', 1), ('SEARCH("~","Hi ~Bang!")', 1), ('SEARCH("~~","Hi ~Bang!")', 4),
    ('FIND("~","Hi ~Bang!")', 4), ('FIND("~","Hello")', ERR("#VALUE!")),
    # HYPERLINK shows the friendly name given, an empty cell there as 0
    ('HYPERLINK("https://x",B9)', 0), ('HYPERLINK("https://x")', "https://x"),
    ('HYPERLINK("https://x","go")', "go"),
])
def test_array_text_and_link_classes(formula, expected):
    got = ev(formula)
    if isinstance(expected, ERR):
        assert isinstance(got, XlErr) and got.code == expected
    else:
        assert got == expected and type(got) is type(expected) or got == expected and \
            not isinstance(expected, str)


@pytest.mark.parametrize("formula, expected", [
    # GCD and LCM, as Excel's cached values read their arguments: an empty cell of a range
    # is 0 (LCM with a 0 is 0), an empty cell given alone is left out, no number at all is
    # #VALUE!, an argument left out is #N/A (reference: GCD(24,36) = 12, LCM(5,2) = 10)
    ("GCD(24,36)", 12), ("LCM(5,2)", 10), ("LCM(A2,B9,B2)", 30), ("GCD(A2,B9,B2)", 1),
    ("LCM(B8:B9)", 0), ("LCM(B9:C9)", 0), ("GCD(B8,B9)", ERR("#VALUE!")),
    ("GCD(,5)", ERR("#N/A")), ("LCM(,5)", ERR("#N/A")), ("LCM(A1,2)", ERR("#VALUE!")),
    # MMULT takes numbers only: a logical, text or empty cell in either array is #VALUE!
    ("INDEX(MMULT({1,2;3,4},{5,6;7,8}),1,1)", 19), ("MMULT({1,2},{1;2})", 5),
    ("MMULT({1,TRUE},{1;2})", ERR("#VALUE!")), ("MMULT(A2:B2,C8:C9)", ERR("#VALUE!")),
    ("MMULT({1,2},{1,2})", ERR("#VALUE!")),
    ("INDEX(MMULT({1E+300,1E+300},{1E+300;1E+300}),1,1)", ERR("#NUM!")),   # past the largest double
    # SERIESSUM: 0^0 is #NUM! as POWER(0,0); a logical x is #VALUE!
    ("SERIESSUM(2,0,1,{1,2,3})", 17), ("SERIESSUM(0,0,2,{1,2,3})", ERR("#NUM!")),
    ("SERIESSUM(TRUE,0,1,{1,2,3})", ERR("#VALUE!")), ("SERIESSUM(0,1,1,{1,2,3})", 0),
])
def test_gcd_lcm_mmult_seriessum(formula, expected):
    got = ev(formula, A1=True, A2=10, B2=3, C2=None, C8=1)
    if isinstance(expected, ERR):
        assert isinstance(got, XlErr) and got.code == expected
    else:
        assert got == expected
