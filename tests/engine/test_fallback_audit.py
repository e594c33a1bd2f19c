"""Functions taken from the ``formulas`` library that are not verified against Excel are
named as approximate in the recalc summary (docs/fallback_functions.md)."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from kpi_xl.engine import recalc_file
from kpi_xl.engine.batch import format_summary
from kpi_xl.engine.functions import FUNCTIONS, load_all
from kpi_xl.engine.functions.fallback import VERIFIED, library_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "fallback_functions.md"


def test_a_workbook_using_an_approximate_function_is_told(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = '=CONVERT(1,"m","ft")'              # approximate: oracle cells differ
    ws["A2"] = '=CONVERT(2,"m","ft")'
    ws["A3"] = "=LN(10)"                             # verified
    wb.save(tmp_path / "a.xlsx")
    res = recalc_file(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    assert res.approximate_functions == {"CONVERT": 2}
    text = format_summary([res], 0.1)
    assert "approximate implementations" in text and "CONVERT (2×)" in text and "LN" not in text


def test_verified_functions_are_library_functions_and_documented():
    text = DOC.read_text(encoding="utf-8")
    library = library_names()
    load_all()
    for name in VERIFIED:
        assert name in library and (name not in FUNCTIONS or FUNCTIONS[name].source == "formulas"), name
        assert f"| {name} |" in text, name
    for name in ("CONVERT", "TAN"):
        assert name not in VERIFIED and f"| {name} |" in text
