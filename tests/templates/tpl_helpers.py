"""Helpers of the template tests: reading back what a workbook holds."""
from __future__ import annotations

import shutil

import pytest

from kpi_xl.templates import engine_available

needs_engine = pytest.mark.skipif(not engine_available(),
                                  reason="the recalculation engine (kpi_xl.engine) is not installed")

#: The agent-data columns of the English shop template, and DOMAIN's worked example: agents
#: A, B, C of one shop-month (shop AOV 66.3), published totals 77.5, 77 (74 by the returns
#: table as written) and 77.5.
EN = ["Shop", "Month", "Shop AOV", "Agent", "Inquiries", "Buyers", "Orders", "Paid orders",
      "Sales", "First response (s)", "Avg response (s)", "Returns", "Deals"]
ABC = [
    ["S1", "2025-10", 66.3, "A", 275, 88, 240, 228, 6884.24, 13, 21, 6, 289],
    ["S1", "2025-10", 66.3, "B", 1455, 582, 325, 247, 44755.8, 8, 19, 23, 423],
    ["S1", "2025-10", 66.3, "C", 800, 232, 225, 198, 19209.6, 16, 27, 0, 260],
]


def soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


def values(path, sheet):
    """{coordinate: cached value} of one sheet, read with openpyxl (an independent reader)."""
    from openpyxl import load_workbook
    wb = load_workbook(path, data_only=True)
    ws = wb[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def formulas(path, sheet):
    from openpyxl import load_workbook
    wb = load_workbook(path)
    ws = wb[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def named_range(path, name, data_only=True):
    """The cells of a workbook-level defined name as rows of values."""
    from openpyxl import load_workbook
    wb = load_workbook(path, data_only=data_only)
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    cells = wb[sheet][coord.replace("$", "")]
    if not isinstance(cells, tuple):
        return [[cells.value]]
    if not isinstance(cells[0], tuple):
        cells = (cells,)
    return [[c.value for c in row] for row in cells]
