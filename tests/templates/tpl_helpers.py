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


def typed(tmp_path, name, lang, cells, *, stem=None):
    """Template ``name`` in ``lang`` written by `kpi-xl template`, with ``cells`` ({cell: value}
    of its data sheet) typed in with openpyxl as a user would, recalculated in place by
    `kpi-xl recalc`; returns its path."""
    from kpi_xl.cli import main
    from kpi_xl.templates import get_template
    from kpi_xl.templates.layout import Labels
    path = tmp_path / f"{stem or name}_{lang}.xlsx"
    assert main(["template", name, "--lang", lang, "-o", str(path), "--overwrite"]) == 0
    return type_over(path, Labels(lang)(*get_template(name).data_sheet), cells)


def type_over(path, sheet, cells):
    """``cells`` ({cell: value}) of ``sheet`` typed over with openpyxl as a user would in
    Excel, then the workbook recalculated in place by `kpi-xl recalc`; returns ``path``."""
    from openpyxl import load_workbook

    from kpi_xl.cli import main
    wb = load_workbook(path)
    for cell, value in cells.items():
        wb[sheet][cell] = value
    wb.save(path)
    assert main(["recalc", str(path), "--in-place", "--quiet"]) in (0, 1)
    return path


def summary_of(tmp_path, path, capsys):
    """(exit status, what it wrote on stderr) of `kpi-xl summary` of the workbook ``path``,
    which never ends in a traceback."""
    from kpi_xl.cli import main
    capsys.readouterr()
    rc = main(["summary", str(path), "-o", str(tmp_path / "summary.xlsx"), "--quiet",
               "--overwrite"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def libreoffice_sheets(tmp_path, src, *sheets):
    """The rows of ``sheets`` of workbook ``src`` as LibreOffice (headless) computes them
    itself, read from its CSV export of every sheet."""
    import csv
    import subprocess
    proc = subprocess.run(
        [soffice(), "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,"
         "false,-1", "--outdir", str(tmp_path / "csv"), str(src)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = []
    for sheet in sheets:
        with open(tmp_path / "csv" / f"{src.stem}-{sheet}.csv", encoding="utf-8") as fh:
            out.append(list(csv.reader(fh)))
    return out
