"""REGEXTEST, REGEXEXTRACT and REGEXREPLACE in real workbooks recalculated by the engine.

Expected values: the examples of Microsoft's pages "REGEXTEST function", "REGEXEXTRACT
function" and "REGEXREPLACE function" (support.microsoft.com), the Excel-saved oracle
workbook ironcalc__TEXT__REGEX.xlsx, and cases worked by hand, each stated beside it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kpi_xl.engine import recalc_file
from kpi_xl.engine.xlsx_read import read_workbook

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_raw import write_xlsx  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

# (formula in column B, expected value); column A of the same row holds the text, if any.
CASES = [
    # Microsoft, REGEXTEST example 1: questions about "alfalfa"
    ("alfalfa", 'REGEXTEST(A{r},"a")', True),
    ("alfalfa", 'REGEXTEST(A{r},"[a-z]")', True),
    ("alfalfa", 'REGEXTEST(A{r},"[A-Z]")', False),
    ("alfalfa", 'REGEXTEST(A{r},"[aeiou]")', True),
    ("alfalfa", 'REGEXTEST(A{r},"[0-9]")', False),
    # Microsoft, REGEXTEST example 2: the format "(###) ###-####"
    ("(378) 555-4195", r'REGEXTEST(A{r},"^\([0-9]{3}\) [0-9]{3}-[0-9]{4}$")', True),
    ("+1 (878) 555-8622", r'REGEXTEST(A{r},"^\([0-9]{3}\) [0-9]{3}-[0-9]{4}$")', False),
    # any part of the text may match, not only its start
    (None, 'REGEXTEST("abc","b")', True),
    # case_sensitivity: 0 (the default) sensitive, 1 insensitive, anything else #VALUE!
    (None, 'REGEXTEST("abc","B")', False),
    (None, 'REGEXTEST("abc","B",1)', True),
    (None, 'REGEXTEST("abc","B",2)', "#VALUE!"),
    # no regular expression: #VALUE!; an error given as the text passes through
    (None, 'REGEXTEST("abc","(")', "#VALUE!"),
    (None, 'REGEXTEST(1/0,"a")', "#DIV/0!"),
    # a number is matched as its text: 12.5 is "12.5"
    (None, r'REGEXTEST(12.5,"^\d+\.5$")', True),
    # PCRE2's possessive quantifier: a++ takes every a, leaving none for the last a
    (None, 'REGEXTEST("aaa","^a++a")', False),
    # Microsoft, REGEXEXTRACT example 1: names by their capital letter
    ("Dylan Williams", 'REGEXEXTRACT(A{r},"[A-Z][a-z]+")', "Dylan"),
    # nothing matches: #N/A; the result is always text (Microsoft: "REGEXEXTRACT always
    # returns text values")
    (None, 'REGEXEXTRACT("abc","[0-9]")', "#N/A"),
    (None, 'REGEXEXTRACT("abc 123","[0-9]+")', "123"),
    (None, 'REGEXEXTRACT("abc","[a-z]",3)', "#VALUE!"),
    # the case-insensitive match keeps the text's own case
    (None, 'REGEXEXTRACT("Order A-17","a-\\d+",0,1)', "A-17"),
    # REGEXREPLACE: occurrence 0 (the default) replaces every match, n > 0 the n-th,
    # n < 0 the n-th from the end, past the last match nothing
    (None, 'REGEXREPLACE("a1b2c3","[0-9]","#")', "a#b#c#"),
    (None, 'REGEXREPLACE("a1b2c3","[0-9]","#",2)', "a1b#c3"),
    (None, 'REGEXREPLACE("a1b2c3","[0-9]","#",-1)', "a1b2c#"),
    (None, 'REGEXREPLACE("a1b2c3","[0-9]","#",4)', "a1b2c3"),
    # Microsoft, REGEXREPLACE example 1: the first three digits of a phone number masked
    ("Sonia Rees (378) 555-4195", 'REGEXREPLACE(A{r},"[0-9]+-","***-")',
     "Sonia Rees (378) ***-4195"),
    # groups in the replacement: $n, ${n}, ${name}, $0, and $$ for a dollar sign
    ("JamesBond", 'REGEXREPLACE(A{r},"([A-Z][a-z]+)([A-Z][a-z]+)","$2, $1 $2")',
     "Bond, James Bond"),                                   # the oracle workbook's B3
    (None, 'REGEXREPLACE("DylanWilliams","(?<first>[A-Z][a-z]+)([A-Z][a-z]+)","${2}, ${first}")',
     "Williams, Dylan"),
    (None, 'REGEXREPLACE("5 apples","\\d+","$$$0")', "$5 apples"),
    (None, 'REGEXREPLACE("JamesBond","([A-Z][a-z]+)","$2")', "#VALUE!"),   # no group 2
    # case_sensitivity after a blank occurrence: every a, A too
    (None, 'REGEXREPLACE("aaaAbcd","a","0",,1)', "0000bcd"),
    (None, 'REGEXREPLACE("aaaAbcd","a","0")', "000Abcd"),
]


def _book(path, cases):
    cells = {}
    for r, (text, formula, _) in enumerate(cases, 1):
        if text is not None:
            cells[(r, 1)] = text
        cells[(r, 2)] = ("=", "_xlfn." + formula.replace("{r}", str(r)))
    write_xlsx(path, {"S": cells})


def _shown(v):
    """A cached value, an error as its text ("#N/A")."""
    return v if isinstance(v, (bool, str, int, float)) else str(v)


def test_regex_functions_give_microsofts_documented_values(tmp_path):
    _book(tmp_path / "in.xlsx", CASES)
    res = recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert res.ok
    cached = read_workbook(tmp_path / "out.xlsx").sheets[0].cached
    got = [_shown(cached[(r, 2)]) for r in range(1, len(CASES) + 1)]
    assert got == [expected for _, _, expected in CASES]


def test_all_matches_and_capturing_groups_spill_as_rows(tmp_path):
    """Return mode 1 spills every match across a row, as Excel did in the oracle workbook
    (REGEXEXTRACT("LonelyPlanet","[A-Z][a-z]+",1) in A4:B4); mode 2 the groups of the
    first match: 2024, 05 and 17 of "due 2024-05-17, paid 2024-06-01".  A column of texts
    given as the text gives each row its first value (its first match)."""
    cells = {(1, 1): ("{=", '_xlfn.REGEXEXTRACT("Dylan Williams","[A-Z][a-z]+",1)', "A1", True),
             (2, 1): ("{=", r'_xlfn.REGEXEXTRACT("due 2024-05-17, paid 2024-06-01",'
                            r'"(\d+)-(\d+)-(\d+)",2)', "A2", True),
             (4, 1): "x1y22", (5, 1): "z333", (6, 1): "none",
             (4, 3): ("{=", r'_xlfn.REGEXEXTRACT(A4:A6,"\d+",1)', "C4", True),
             (4, 4): ("{=", r'SUM(--_xlfn.REGEXTEST(A4:A6,"\d"))', "D4", True)}
    write_xlsx(tmp_path / "in.xlsx", {"S": cells})
    res = recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert res.ok
    cached = read_workbook(tmp_path / "out.xlsx").sheets[0].cached
    assert [cached.get((1, c)) for c in (1, 2, 3)] == ["Dylan", "Williams", None]
    assert [cached.get((2, c)) for c in (1, 2, 3, 4)] == ["2024", "05", "17", None]
    # x1y22 -> "1", z333 -> "333", none -> #N/A; two of the three hold a digit
    assert [_shown(cached.get((r, 3))) for r in (4, 5, 6)] == ["1", "333", "#N/A"]
    assert cached[(4, 4)] == 2


def test_a_whole_column_counts_its_blank_rows(tmp_path):
    """REGEXTEST(A:A,"^$") is TRUE on the 1,048,576 - 2 blank rows of a column holding
    two texts; REGEXREPLACE over the column keeps its height."""
    cells = {(1, 1): "a", (2, 1): "b",
             (1, 2): ("{=", 'SUM(--_xlfn.REGEXTEST(A:A,"^$"))', "B1", True),
             (2, 2): ("{=", 'ROWS(_xlfn.REGEXREPLACE(A:A,"a","x"))', "B2", True)}
    write_xlsx(tmp_path / "in.xlsx", {"S": cells})
    res = recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert res.ok
    cached = read_workbook(tmp_path / "out.xlsx").sheets[0].cached
    assert (cached[(1, 2)], cached[(2, 2)]) == (1_048_574, 1_048_576)


# ^(a|a)*$ against forty a's and a c backtracks through 2**40 ways: each match is bounded.
_CATASTROPHIC = '_xlfn.REGEXTEST(REPT("a",40)&"c","^(a|a)*$")'


def _catastrophic_book(path):
    """B2 backtracks for ever; by hand B1 = 3*2 = 6, B3 = 6+1 = 7, B4 reads B2's error
    through IFERROR: "limit"; D1:D3 hold REGEXTEST down a column, the middle row
    catastrophic: TRUE ("aa" is a's only), #CALC!, FALSE ("ab")."""
    cells = {(1, 1): 3, (1, 2): ("=", "A1*2"), (2, 2): ("=", _CATASTROPHIC),
             (3, 2): ("=", "B1+1"), (4, 2): ("=", 'IFERROR(B2,"limit")'),
             (1, 3): "aa", (2, 3): "a" * 40 + "c", (3, 3): "ab"}
    for r in (1, 2, 3):
        cells[(r, 4)] = ("=", f'_xlfn.REGEXTEST(C{r},"^(a|a)*$")')
    write_xlsx(path, {"S": cells})


def _check_catastrophic(out):
    cached = read_workbook(out).sheets[0].cached
    assert [cached[(r, 2)] for r in (1, 3, 4)] == [6, 7, "limit"]
    assert str(cached[(2, 2)]) == "#CALC!"
    assert [_shown(cached[(r, 4)]) for r in (1, 2, 3)] == [True, "#CALC!", False]


def test_a_catastrophic_pattern_costs_its_cell_from_python(tmp_path):
    """recalc_file has no worker to stop: the match's own time bound ends it."""
    _catastrophic_book(tmp_path / "in.xlsx")
    t0 = time.perf_counter()
    res = recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert time.perf_counter() - t0 < 30
    assert res.ok
    _check_catastrophic(tmp_path / "out.xlsx")
    assert "took longer than 1 s" in res.beyond_limits["S!B2"]
    assert res.limit_errors["S!B2"] == "#CALC!"


def test_a_catastrophic_pattern_costs_its_cell_without_a_time_limit(tmp_path):
    """``kpi-xl recalc --timeout 0``: no worker, no limit; the file is written at once,
    and the summary names the cell and why."""
    _catastrophic_book(tmp_path / "in.xlsx")
    env = {k: v for k, v in os.environ.items() if k not in ("KPI_XL_STRICT", "KPI_XL_TIME_LIMIT")}
    env["PYTHONPATH"] = str(ROOT)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "kpi_xl.cli", "recalc", str(tmp_path / "in.xlsx"),
                        "-o", str(tmp_path / "out"), "--timeout", "0", "--quiet"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    seconds = time.perf_counter() - t0
    out = p.stdout + p.stderr
    assert "1 of 1 workbooks recalculated" in out, out
    assert "#CALC! past the engine's limits in S!B2 (the regular expression '^(a|a)*$' " \
           "took longer than 1 s" in out, out
    assert seconds < 30, seconds
    _check_catastrophic(tmp_path / "out" / "in.xlsx")


def test_xlookup_and_xmatch_match_mode_3_are_bounded_too(tmp_path):
    """Match mode 3 (a regular expression) went to Python's re with no bound: the
    catastrophic pattern hung the file.  By hand: C1:C3 are "aa", forty a's and a c,
    "ab"; "^(a|a)*$" matches "aa" (1) and the third is tried only after the second, whose
    match runs out of time: #CALC!; "b$" first matches "ab", the third: XLOOKUP gives the
    third of 10, 20, 30; a pattern that is no regular expression is #VALUE!."""
    cells = {(1, 3): "aa", (2, 3): "a" * 40 + "c", (3, 3): "ab",
             (1, 5): 10, (2, 5): 20, (3, 5): 30,
             (1, 1): ("=", '_xlfn.XMATCH("^(a|a)*$",C1:C3,3)'),
             (2, 1): ("=", '_xlfn.XMATCH("^(a|a)*$",C2:C3,3)'),
             (3, 1): ("=", '_xlfn.XLOOKUP("b$",C1:C3,E1:E3,"none",3)'),
             (4, 1): ("=", '_xlfn.XMATCH("[",C1:C3,3)')}
    write_xlsx(tmp_path / "in.xlsx", {"S": cells})
    t0 = time.perf_counter()
    res = recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert time.perf_counter() - t0 < 30
    cached = read_workbook(tmp_path / "out.xlsx").sheets[0].cached
    assert [_shown(cached[(r, 1)]) for r in (1, 2, 3, 4)] == [1, "#CALC!", 30, "#VALUE!"]
    assert "took longer than 1 s" in res.beyond_limits["S!A2"]


@pytest.mark.parametrize("formula", ['REGEXTEST("abc","[")', 'REGEXREPLACE("abc","b","$x")'])
def test_a_bad_pattern_or_replacement_is_value_error_not_a_crash(tmp_path, formula):
    _book(tmp_path / "in.xlsx", [(None, formula, None)])
    res = recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert res.ok and not res.engine_bugs
    assert res.errors == {"S!B1": "#VALUE!"}
