"""Excel wildcards (``*`` any run of characters, ``?`` one character, ``~`` escaping the
next; case ignored) in SEARCH, the criteria of COUNTIF/SUMIF and the database functions,
and MATCH's exact match, through a real workbook recalculated by the engine in this
process (no worker to stop it: a pattern that backtracked for ever hung the tool here).

Every value is worked by hand in the comment beside it.  The hostile patterns: as regular
expressions, ``*a*a*b`` against 300 a's tried every way of cutting the text in three
(2.5 s), ``*a*a*a*b`` every way of cutting it in four (minutes); part by part each is one
pass over the text.
"""
from __future__ import annotations

import time

LONG_A = "a" * 3000

VALUES = {
    # text with wildcard characters in it
    "A1": "5*", "A2": "5x", "A3": "*", "A4": "55*", "A5": "5?",
    "B1": 1, "B2": 2, "B3": 4, "B4": 8, "B5": 16,
    # texts for patterns with several *s
    "A6": LONG_A, "A7": "aaab", "A8": "AbaAB",
    # a text ending in a line break
    "A9": "abc\n",
    # a database: a header and three records; criteria below F1
    "D1": "Name", "D2": LONG_A, "D3": "aaab", "D4": "AbaAB",
    "F1": "Name", "F2": "*a*a*a*b",
}

FORMULAS = {
    # 300 a's and no b: nothing to find
    "H1": 'SEARCH("*a*a*b",REPT("a",300))',
    # a b appended as character 301: the leading * matches from character 1
    "H2": 'SEARCH("*a*a*b",REPT("a",300)&"b")',
    "H3": 'SEARCH("*a*a*a*b",REPT("a",300))',
    "H4": 'SEARCH("*a*a*a*b",REPT("a",3000))',
    # a b at 3001: found from character 1
    "H5": 'SEARCH("*a*a*a*b",REPT("a",3000)&"b")',
    # x1 x2 B3 a4 a5 C6: b (any case) first at 3, an a after it at 4, a c after that at 6
    "H6": 'SEARCH("b*a*c","xxBaaC")',
    # x1 a2 b3 c4 a5 b6 c7, from 3 on: "a?c" first at 5
    "H7": 'SEARCH("a?c","xabcabc",3)',
    # a1 X2 b3 Y4 a5: a and b found, no c after them
    "H8": 'SEARCH("a*b*c","aXbYa")',
    # a literal * at 2, a literal ? at 5
    "H9": 'SEARCH("~*","a*b")',
    "H10": 'SEARCH("~?","what?")',
    # "5~*" is the text 5* only: A1
    "I1": 'COUNTIF(A1:A5,"5~*")',
    # ending in a literal *: 5*, *, 55*
    "I2": 'COUNTIF(A1:A5,"*~*")',
    # two characters, the first 5: 5*, 5x, 5?
    "I3": 'COUNTIF(A1:A5,"5?")',
    # the text 5? only: A5
    "I4": 'COUNTIF(A1:A5,"5~?")',
    # one character: *
    "I5": 'COUNTIF(A1:A5,"?")',
    # 5*, 5x and 5? weigh 1 + 2 + 16
    "I6": 'SUMIF(A1:A5,"5?",B1:B5)',
    # aaab; AbaAB is a, b, a, A, B: a at 1, 3 and 4, B at the end.  3000 a's: no b
    "I7": 'COUNTIF(A6:A8,"*a*a*a*b")',
    # anything but those two: the 3000 a's
    "I8": 'COUNTIF(A6:A8,"<>*a*a*a*b")',
    # three characters; abc and a line break are four
    "I9": 'COUNTIF(A9,"ab?")',
    # ab, one character, then anything (the line break)
    "I10": 'COUNTIF(A9,"ab?*")',
    # the first of A6:A8 matching is aaab, the second
    "J1": 'MATCH("*a*a*a*b",A6:A8,0)',
    # 5* is the first text 5 then a literal *; 5? the fifth
    "J2": 'MATCH("5~*",A1:A5,0)',
    "J3": 'MATCH("5~?",A1:A5,0)',
    # the first one-character text: * in A3
    "J4": 'MATCH("?",A1:A5,0)',
    # no text of A6:A8 is four a's and more then a c
    "J5": 'MATCH("*a*a*a*a*c",A6:A8,0)',
    # the weight beside the first two-character text starting 5: 5* in row 1
    "J6": 'VLOOKUP("5?",A1:B5,2,FALSE)',
    # a database criterion is a beginning ("*a*a*a*b*"): aaab and AbaAB
    "J7": 'DCOUNTA(D1:D4,"Name",F1:F2)',
}

EXPECTED = {
    "H1": "#VALUE!", "H2": 1, "H3": "#VALUE!", "H4": "#VALUE!", "H5": 1,
    "H6": 3, "H7": 5, "H8": "#VALUE!", "H9": 2, "H10": 5,
    "I1": 1, "I2": 3, "I3": 3, "I4": 1, "I5": 1, "I6": 19, "I7": 2, "I8": 1,
    "I9": 0, "I10": 1,
    "J1": 2, "J2": 1, "J3": 5, "J4": 3, "J5": "#N/A", "J6": 1, "J7": 2,
}


def test_wildcards_match_as_excel_documents_and_hostile_patterns_take_no_time(recalc_cells):
    t0 = time.perf_counter()
    got, res = recalc_cells(VALUES, FORMULAS)
    seconds = time.perf_counter() - t0
    assert got == EXPECTED
    # a few small files written and read; the patterns alone took minutes as expressions
    assert seconds < 5, seconds


def test_a_column_of_hostile_criteria_is_quick(recalc_cells):
    """COUNTIF over 2,000 rows of 300 a's (as regular expressions, 2.5 s a row): none
    holds a b, and the last row, the text aab, holds two a's and then a b."""
    values = {f"A{r}": "a" * 300 for r in range(1, 2001)}
    values["A2001"] = "aab"
    t0 = time.perf_counter()
    got, _ = recalc_cells(values, {"C1": 'COUNTIF(A1:A2001,"*a*a*b")',
                                   "C2": 'COUNTIF(A1:A2001,"*a*a*")'})
    assert got == {"C1": 1, "C2": 2001}
    assert time.perf_counter() - t0 < 10
