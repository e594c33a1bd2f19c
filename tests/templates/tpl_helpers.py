"""Helpers of the template tests: reading back what a workbook holds."""
from __future__ import annotations

import shutil

import pytest

from kpi_xl.templates import engine_available

needs_engine = pytest.mark.skipif(not engine_available(),
                                  reason="the recalculation engine (kpi_xl.engine) is not installed")


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
