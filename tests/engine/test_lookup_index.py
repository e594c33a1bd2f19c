"""Exact lookups and equality criteria over one range, many times: indexed, same answers.

A column of agents looking names up in one table (VLOOKUP(name, table, k, FALSE), MATCH(x,
range, 0), COUNTIF(range, name), SUMIF, and the *IFS with one such criterion) searched the whole range once per cell: 5,000 agents
against 5,000 names took 7 to 12 s. From a range's second search on, its keys are hashed. Every
answer is the one of a search cell by cell, with all its rules: text case-blind, the first match,
numbers equal to 15 digits (0.1+0.2 finds 0.3), text that reads as a number counted by a number
criterion, wildcards (left to the search), the first error of a SUMIF's matched cells. Each
query is asked 5 times (the first search is cell by cell, the rest through the index), and the
expected values are worked out from the table as it is built here.
"""
from __future__ import annotations

import openpyxl

from kpi_xl.engine import recalc_file
from kpi_xl.engine.xlsx_read import read_workbook

ROWS = 400


def _book(path):
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "data"
    for i in range(1, ROWS + 1):
        name = f"agent{i % 100}"
        data.cell(i, 1, name.upper() if i % 2 else name)     # agent7 in rows 7, 107, 207, 307
        data.cell(i, 2, i)                                     # the row number
        data.cell(i, 3, float(i))                              # numbers ...
        data.cell(i, 4, "23" if i in (50, 60) else f"t{i}")    # ... and number text
    data.cell(100, 3, 0.1 + 0.2)        # 0.30000000000000004: equal to 0.3 to 15 digits
    data.cell(200, 3, 0.3)
    data.cell(300, 2, "=1/0")           # an error among the summed cells
    q = wb.create_sheet("q")
    queries = [
        ('VLOOKUP("AGENT7",data!$A$1:$B$400,2,FALSE)', 7),      # case-blind, the first
        ('MATCH("agent7",data!$A$1:$A$400,0)', 7),
        ('VLOOKUP(0.3,data!$C$1:$D$400,2,FALSE)', "t100"),       # the first equal to 15 digits
        ('MATCH(0.3,data!$C$1:$C$400,0)', 100),
        ('VLOOKUP("agent9?",data!$A$1:$B$400,2,FALSE)', 90),     # a wildcard: agent90
        ('VLOOKUP("nobody",data!$A$1:$B$400,2,FALSE)', "#N/A"),
        ('MATCH(401,data!$C$1:$C$400,0)', "#N/A"),
        ('COUNTIF(data!$A$1:$A$400,"agent7")', 4),
        ('COUNTIF(data!$A$1:$A$400,"=AGENT7")', 4),
        ('COUNTIF(data!$D$1:$D$400,23)', 2),                     # number text counts for 23
        ('COUNTIF(data!$C$1:$C$400,0.3)', 2),
        ('COUNTIF(data!$C$1:$C$400,"7")', 1),                    # text criterion that reads as 7
        ('SUMIF(data!$A$1:$A$400,"agent7",data!$B$1:$B$400)', 7 + 107 + 207 + 307),
        ('SUMIF(data!$A$1:$A$400,"agent0",data!$B$1:$B$400)', "#DIV/0!"),   # row 300
        ('AVERAGEIF(data!$A$1:$A$400,"agent7",data!$B$1:$B$400)', (7 + 107 + 207 + 307) / 4),
        ('COUNTIF(data!$A$1:$A$400,"agent*")', ROWS),             # a wildcard: no index
        ('COUNTIFS(data!$A$1:$A$400,"agent7",data!$B$1:$B$400,">100")', 3),
        ('COUNTIFS(data!$A$1:$A$400,"agent7",data!$A$1:$A$400,"AGENT7")', 4),
        ('COUNTIFS(data!$A$1:$A$400,"agent7",data!$D$1:$D$400,"t*")', 4),
        ('SUMIFS(data!$B$1:$B$400,data!$A$1:$A$400,"agent7",data!$B$1:$B$400,">=200")', 514),
        ('AVERAGEIFS(data!$B$1:$B$400,data!$A$1:$A$400,"agent7",data!$B$1:$B$400,"<100")', 7),
        ('SUMIFS(data!$B$1:$B$400,data!$A$1:$A$400,"agent0",data!$C$1:$C$400,">0")', "#DIV/0!"),
        ('SUMIFS(data!$B$1:$B$400,data!$D$1:$D$400,23,data!$C$1:$C$400,">55")', 60),
        ('_xlfn.XLOOKUP("agent7",data!$A$1:$A$400,data!$B$1:$B$400)', 7),
        ('_xlfn.XLOOKUP("agent7",data!$A$1:$A$400,data!$B$1:$B$400,,0,-1)', 307),   # from the end
        ('_xlfn.XLOOKUP(0.3,data!$C$1:$C$400,data!$B$1:$B$400)', 100),
        ('_xlfn.XLOOKUP("nobody",data!$A$1:$A$400,data!$B$1:$B$400,"none")', "none"),
        ('_xlfn.XMATCH("AGENT9",data!$A$1:$A$400)', 9),
        ('_xlfn.XLOOKUP("agent9?",data!$A$1:$A$400,data!$B$1:$B$400,,2)', 90),      # wildcard
    ]
    for r, (formula, _) in enumerate(queries, start=1):
        for c in range(1, 6):
            q.cell(r, c, "=" + formula)
    wb.save(path)
    return queries


def test_indexed_answers_are_the_scans(tmp_path):
    queries = _book(tmp_path / "in.xlsx")
    recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    got = read_workbook(tmp_path / "out.xlsx").sheet("q").cached
    for r, (formula, expected) in enumerate(queries, start=1):
        for c in range(1, 6):
            v = got[(r, c)]
            assert (str(v) if isinstance(expected, str) and expected.startswith("#") else v) \
                == expected, (formula, c, v)


def test_a_date_criterion_counts_the_text_of_that_date(tmp_path):
    # An order export's month column as text ("2025年10月"), summed by month: the criterion
    # reads as a date, and so does each text cell, as Excel reads it (VALUE("2025年10月") is
    # that date). Small ranges go cell by cell, large ones through the index: both agree.
    wb = openpyxl.Workbook()
    orders = wb.active
    orders.title = "orders"
    rows = [("2025年10月" if i % 3 else "2025年9月", i) for i in range(1, ROWS + 1)]
    for i, (month, amount) in enumerate(rows, start=1):
        orders.cell(i, 1, month)
        orders.cell(i, 2, amount)
        orders.cell(i, 3, "2024/5/1" if i % 2 else "2024/5/2")
    october = sum(a for m, a in rows if m == "2025年10月")
    q = wb.create_sheet("q")
    for c in range(1, 4):
        q.cell(1, c, '=SUMIFS(orders!$B$1:$B$400,orders!$A$1:$A$400,"2025年10月")')
        q.cell(2, c, '=SUMIF(orders!$A$1:$A$10,"2025年9月",orders!$B$1:$B$10)')
        q.cell(3, c, '=COUNTIF(orders!$C$1:$C$400,"2024/5/1")')
        q.cell(4, c, '=COUNTIF(orders!$A$1:$A$400,"2025年10月1日")')
    wb.save(tmp_path / "in.xlsx")
    recalc_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    got = read_workbook(tmp_path / "out.xlsx").sheet("q").cached
    for c in range(1, 4):
        assert got[(1, c)] == october
        assert got[(2, c)] == 3 + 6 + 9
        assert got[(3, c)] == ROWS // 2
        assert got[(4, c)] == sum(1 for m, _ in rows if m == "2025年10月")
