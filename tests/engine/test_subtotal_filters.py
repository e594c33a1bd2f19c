"""SUBTOTAL leaves out rows a filter took out (1-11) or every hidden row (101-111).

In the file both kinds of row are just hidden="1"; a hidden row below the header of
a sheet's or a table's filter that filters on something is one a filter took out.
Workbooks are written with openpyxl, recalculated by `recalc_file` and read back.
"""
from __future__ import annotations

import openpyxl
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table

from kpi_xl.engine import recalc_file

# B2:B10 hold 1, 2, 4, ..., 256; rows 3 and 4 (2 and 4) hidden by the filter,
# row 9 (128) hidden by hand, outside the filter's area A1:B6.
VALUES = [2 ** i for i in range(9)]


def _book(tmp_path, table=False, filtering=True):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["team", "points"])
    for i, v in enumerate(VALUES):
        ws.append(["A" if i % 2 else "B", v])
    if table:
        t = Table(displayName="Scores", ref="A1:B6")
        t._initialise_columns()
        t.autoFilter = AutoFilter(ref="A1:B6")
        if filtering:
            t.autoFilter.add_filter_column(0, ["A"])
        ws.add_table(t)
    else:
        ws.auto_filter.ref = "A1:B6"
        if filtering:
            ws.auto_filter.add_filter_column(0, ["A"])
    for r in (3, 4, 9):
        ws.row_dimensions[r].hidden = True
    ws["D1"] = "=SUBTOTAL(9,B2:B10)"
    ws["D2"] = "=SUBTOTAL(109,B2:B10)"
    ws["D3"] = "=SUBTOTAL(2,B2:B10)"
    ws["D4"] = "=SUM(B2:B10)"
    src, dst = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    recalc_file(str(src), str(dst))
    out = openpyxl.load_workbook(dst, data_only=True)["Data"]
    return [out[f"D{r}"].value for r in range(1, 5)]


def test_sheet_filter(tmp_path):
    total = sum(VALUES)   # 511
    # 1-11: the filter's rows 3 and 4 (2 + 4) out, row 9 (128) hidden by hand stays in
    assert _book(tmp_path) == [total - 6, total - 6 - 128, 7, total]


def test_table_filter(tmp_path):
    assert _book(tmp_path, table=True) == [505, 377, 7, 511]


def test_a_filter_that_filters_nothing_leaves_hidden_rows_to_the_hand(tmp_path):
    # no filterColumn: rows 3, 4 and 9 were hidden by hand; 1-11 count them all
    assert _book(tmp_path, filtering=False) == [511, 511 - 6 - 128, 9, 511]
    assert _book(tmp_path, table=True, filtering=False) == [511, 377, 9, 511]
