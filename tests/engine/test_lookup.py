"""Lookup functions: VLOOKUP, HLOOKUP, MATCH, XLOOKUP, INDEX and LOOKUP, edge cases from
Excel's documentation, evaluated in one real workbook.

The rules the documentation states: an approximate match (VLOOKUP/HLOOKUP's TRUE, the
default; MATCH type 1, the default) finds the largest value less than or equal to the one
sought in data sorted ascending, and #N/A below the first; MATCH type -1 the smallest
value greater than or equal in data sorted descending; exact matches ignore case and
take ``*`` and ``?`` as wildcards (``~`` escapes them), XLOOKUP only in match mode 2; a
column index below 1 is #VALUE!, past the table #REF!; INDEX with row or column 0 gives
the whole column or row, out of the range #REF!.  LOOKUP's cases are the documentation's
own example (4.19 → orange, 5.00 → orange, 7.66 → blue, 0 → #N/A).
"""
from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

DATA = {
    # id, name, score: the id column ascending with gaps (104, 106, 107 missing)
    "A1": "ID", "B1": "Name", "C1": "Score",
    "A2": 101, "B2": "Ann", "C2": 0.88,
    "A3": 102, "B3": "Bob", "C3": 0.75,
    "A4": 103, "B4": "Cid", "C4": 0.91,
    "A5": 105, "B5": "Dee", "C5": 0.60,
    "A6": 108, "B6": "Eve", "C6": 0.95,
    # the composite model's conversion bands (DOMAIN.md), lower limits ascending
    "E1": 0, "F1": 0, "E2": 0.25, "F2": 50, "E3": 0.28, "F3": 60, "E4": 0.32, "F4": 70,
    "E5": 0.35, "F5": 80, "E6": 0.38, "F6": 90, "E7": 0.41, "F7": 100,
    # descending
    "H1": 100, "H2": 80, "H3": 60, "H4": 40, "H5": 20,
    # text, one holding a literal asterisk
    "J1": "apple", "J2": "Banana", "J3": "cherry", "J4": "b*x",
    # a horizontal table
    "L1": 10, "M1": 20, "N1": 30, "O1": 40, "P1": 50,
    "L2": "a", "M2": "b", "N2": "c", "O2": "d", "P2": "e",
    # LOOKUP's example in Excel's documentation
    "R1": 4.14, "R2": 4.19, "R3": 5.17, "R4": 5.77, "R5": 6.39,
    "S1": "red", "S2": "orange", "S3": "yellow", "S4": "green", "S5": "blue",
}

CASES = [
    # VLOOKUP
    ("VLOOKUP(103,A2:C6,2,FALSE)", "Cid"),
    ("VLOOKUP(104,A2:C6,2,FALSE)", "#N/A"),
    ("VLOOKUP(104,A2:C6,2,TRUE)", "Cid"),          # largest id ≤ 104
    ("VLOOKUP(104,A2:C6,2)", "Cid"),               # TRUE is the default
    ("VLOOKUP(100,A2:C6,2,TRUE)", "#N/A"),         # below the first
    ("VLOOKUP(999,A2:C6,3,TRUE)", 0.95),           # past the last: the last
    ("VLOOKUP(103,A2:C6,0,FALSE)", "#VALUE!"),
    ("VLOOKUP(103,A2:C6,4,FALSE)", "#REF!"),
    ('VLOOKUP("bob",B2:C6,2,FALSE)', 0.75),        # case ignored
    ('VLOOKUP("D*",B2:C6,2,FALSE)', 0.60),         # wildcards
    ('VLOOKUP("?ve",B2:C6,2,FALSE)', 0.95),
    ('VLOOKUP("103",A2:C6,2,FALSE)', "#N/A"),      # text is not the number 103
    ("VLOOKUP(0.33,E1:F7,2,TRUE)", 70),            # a band table
    ("VLOOKUP(0.41,E1:F7,2)", 100),                # a lower limit is inclusive
    ("VLOOKUP(0.3799999,E1:F7,2)", 80),
    ("VLOOKUP(-0.1,E1:F7,2)", "#N/A"),
    # HLOOKUP
    ("HLOOKUP(30,L1:P2,2,FALSE)", "c"),
    ("HLOOKUP(35,L1:P2,2)", "c"),
    ("HLOOKUP(5,L1:P2,2)", "#N/A"),
    ("HLOOKUP(30,L1:P2,3,FALSE)", "#REF!"),
    ("HLOOKUP(30,L1:P2,0,FALSE)", "#VALUE!"),
    # MATCH: a position, not a value
    ("MATCH(103,A2:A6,0)", 3),
    ("MATCH(104,A2:A6)", 3),
    ("MATCH(104,A2:A6,1)", 3),
    ("MATCH(104,A2:A6,0)", "#N/A"),
    ("MATCH(100,A2:A6,1)", "#N/A"),
    ("MATCH(70,H1:H5,-1)", 2),                     # smallest ≥ 70 in descending data: 80
    ("MATCH(100,H1:H5,-1)", 1),
    ("MATCH(101,H1:H5,-1)", "#N/A"),
    ('MATCH("b*",J1:J4,0)', 2),                    # the first that matches: Banana
    ('MATCH("b~*x",J1:J4,0)', 4),                  # ~* is a literal asterisk
    ('MATCH("CHERRY",J1:J4,0)', 3),
    ("MATCH(30,L1:P1,0)", 3),                      # a row works as well as a column
    # INDEX
    ("INDEX(A2:C6,3,2)", "Cid"),
    ("INDEX(A2:C6,6,1)", "#REF!"),
    ("INDEX(A2:C6,1,4)", "#REF!"),
    ("INDEX(A2:C6,-1,1)", "#VALUE!"),
    ("SUM(INDEX(A2:C6,0,3))", 4.09),               # column 3 whole
    ("SUM(INDEX(A2:C6,2,0))", 102.75),             # row 2 whole; SUM skips the text
    ("INDEX(L2:P2,3)", "c"),                       # one row: the number picks the column
    ("INDEX(A2:A6,2)", 102),
    ("INDEX({1,2;3,4},2,1)", 3),
    ("INDEX((A2:C6,L1:P2),1,2,2)", 20),            # the second area
    ("INDEX(A2:C6,MATCH(105,A2:A6,0),2)", "Dee"),
    ("SUM(A2:INDEX(A2:A6,3))", 306),               # INDEX gives a reference
    # XLOOKUP: exact by default, wildcards only in match mode 2
    ("XLOOKUP(105,A2:A6,B2:B6)", "Dee"),
    ("XLOOKUP(104,A2:A6,B2:B6)", "#N/A"),
    ('XLOOKUP(104,A2:A6,B2:B6,"none")', "none"),
    ("XLOOKUP(104,A2:A6,B2:B6,,-1)", "Cid"),       # exact or next smaller
    ("XLOOKUP(104,A2:A6,B2:B6,,1)", "Dee"),        # exact or next larger
    ('XLOOKUP("d*",B2:B6,C2:C6,,2)', 0.60),
    ('XLOOKUP("d*",B2:B6,C2:C6)', "#N/A"),
    ("XLOOKUP(30,L1:P1,L2:P2)", "c"),              # horizontal
    ("XLOOKUP(103,A2:A6,B2:B7)", "#VALUE!"),       # arrays of different lengths
    ("SUM(XLOOKUP(103,A2:A6,A2:C6))", 103.91),     # a whole row returned
    # LOOKUP, vector form (Excel's example)
    ("LOOKUP(4.19,R1:R5,S1:S5)", "orange"),
    ("LOOKUP(5.00,R1:R5,S1:S5)", "orange"),
    ("LOOKUP(7.66,R1:R5,S1:S5)", "blue"),
    ("LOOKUP(0,R1:R5,S1:S5)", "#N/A"),
    # numbers given as text or with decimals are converted and truncated
    ("VLOOKUP(103,A2:C6,2.9,FALSE)", "Cid"),
    ('VLOOKUP(103,A2:C6,"2",FALSE)', "Cid"),
    ("VLOOKUP(103,A2:C6,2,0)", "Cid"),              # 0 is FALSE: exact
    ("HLOOKUP(30,L1:P2,1,FALSE)", 30),
    ("INDEX(A2:C6,2.7,1)", 102),
    ("SUM(INDEX(A2:C6,0,0))", 519 + 4.09),          # 0 and 0: the whole range
    ("MATCH(TRUE,{FALSE,TRUE},0)", 2),
    ("MATCH(103,A2:C6,0)", "#N/A"),                 # not one row or column
    ("XMATCH(105,A2:A6)", 4),
    # LOOKUP, array form (Excel's example): the first row searched, the last returned
    ('LOOKUP("C",{"a","b","c","d";1,2,3,4})', 3),
    ('LOOKUP("bump",{"a",1;"b",2;"c",3})', 2),
    # an error sought is passed on
    ("VLOOKUP(#N/A,A2:C6,2,FALSE)", "#N/A"),
    ("MATCH(1/0,A2:A6,0)", "#DIV/0!"),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    from kpi_xl.engine.recalc import recalc_file
    tmp = tmp_path_factory.mktemp("lookup")
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    for coord, v in DATA.items():
        ws[coord] = v
    # The formulas stand in column X of the data's own sheet, away from the data.
    for i, (formula, _) in enumerate(CASES, start=1):
        ws[f"X{i}"] = "=" + formula
    wb.save(tmp / "in.xlsx")
    recalc_file(tmp / "in.xlsx", tmp / "out.xlsx")
    back = load_workbook(tmp / "out.xlsx", data_only=True)["Data"]
    return {formula: back[f"X{i}"].value for i, (formula, _) in enumerate(CASES, start=1)}


@pytest.mark.parametrize("formula, expected", CASES, ids=[c[0] for c in CASES])
def test_lookup(results, formula, expected):
    got = results[formula]
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-12)
    else:
        assert got == expected and type(got) is type(expected)
