import openpyxl
import pytest

from kpi_xl.engine import recalc_file


@pytest.fixture
def recalc_cells(tmp_path):
    """Write a real workbook, recalculate it with the engine, read the values back.

    ``recalc_cells(values, formulas)``: A1 names to constants / formula texts (without "=")
    on one sheet; returns ({A1: value written back}, the FileResult), errors as their text."""
    def run(values, formulas, sheet="Sheet1"):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        for a1, v in values.items():
            ws[a1] = v
        for a1, f in formulas.items():
            ws[a1] = "=" + f
        src, dst = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
        wb.save(src)
        res = recalc_file(src, dst)
        got = openpyxl.load_workbook(dst, data_only=True)[sheet]
        return {a1: got[a1].value for a1 in formulas}, res
    return run
