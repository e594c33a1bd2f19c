"""Workbooks saved from xlwings Lite and xlwings Server name our functions with the
namespace of the add-in that served them: none in Lite (``_xldudf_KPI_BAND``),
XLWINGS, XLWINGS_DEV, XLWINGS_QA ... or the server's own in xlwings Server.  Every
such spelling must recalculate as the catalogue function and never be reported as an
unknown one.

The points are worked by hand from DOMAIN.md's composite model: agent A converts
88 of 275 inquiries (32 % -> 70 points), B 582 of 1455 (40 % -> 90), C 232 of 800
(29 % -> 60 under the published table).
"""
from __future__ import annotations

import openpyxl
import pytest

from kpi_xl.cli import main
from kpi_xl.engine.recalc import recalc_file

CONVERSION_BANDS = [(0.41, None, 100), (0.38, 0.41, 90), (0.35, 0.38, 80), (0.32, 0.35, 70),
                    (0.28, 0.31, 60), (0.25, 0.28, 50), (None, 0.25, 0)]
AGENTS = [("A", 275, 88), ("B", 1455, 582), ("C", 800, 232)]
POINTS = [70, 90, 60]

# (how Excel shows the rate function, how it shows the band function), as saved in the file
SPELLINGS = [
    ("XLWINGS_DEV.KPI_RATE", "XLWINGS_DEV.KPI_BAND"),          # xlwings Server, environment dev
    ("XLWINGS_QA.KPI_RATE", "XLWINGS_QA.KPI_BAND"),
    ("MYSHOP.KPI_RATE", "MYSHOP.KPI_BAND"),                    # XLWINGS_FUNCTIONS_NAMESPACE=MYSHOP
    ("_xldudf_KPI_RATE", "_xldudf_KPI_BAND"),                  # xlwings Lite: no namespace
    ("_xldudf_XLWINGS_DEV_KPI_RATE", "_xldudf_XLWINGS_DEV_KPI_BAND"),
    ("_xldudf_MY_SHOP_KPI_RATE", "_xldudf_MY_SHOP_KPI_BAND"),  # a namespace with "_" in it
    ("[1]!_xldudf_XLWINGS_DEV_KPI_RATE", "[1]!_xldudf_XLWINGS_DEV_KPI_BAND"),
]


def build_book(path, rate_fn, band_fn):
    wb = openpyxl.Workbook()
    scheme = wb.active
    scheme.title = "Scheme"
    scheme.append(["lower", "upper", "points"])
    for row in CONVERSION_BANDS:
        scheme.append(list(row))
    # KPI_CHECK_BANDS ends in "BANDS", KPI_BAND is a prefix of it: the longer name must win.
    scheme["E2"] = f"={band_fn.replace('KPI_BAND', 'KPI_CHECK_BANDS')}($A$2:$C$8)"
    data = wb.create_sheet("Agents")
    data.append(["agent", "inquiries", "buyers", "conversion", "points"])
    for i, (name, inquiries, buyers) in enumerate(AGENTS, start=2):
        data.append([name, inquiries, buyers, f"={rate_fn}(C{i},B{i})",
                     f"={band_fn}(D{i},Scheme!$A$2:$C$8)"])
    wb.save(path)
    return path


@pytest.mark.parametrize("rate_fn,band_fn", SPELLINGS)
def test_namespaced_spelling_recalculates_as_ours(tmp_path, rate_fn, band_fn):
    src = build_book(tmp_path / "book.xlsx", rate_fn, band_fn)
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    values = openpyxl.load_workbook(tmp_path / "out" / "book.xlsx", data_only=True)
    assert [values["Agents"].cell(i, 5).value for i in (2, 3, 4)] == POINTS
    assert values["Agents"]["D2"].value == pytest.approx(88 / 275)
    # The published conversion table has a gap between 31 % and 32 %.
    assert values["Scheme"]["E2"].value.startswith("Gap")
    formulas = openpyxl.load_workbook(tmp_path / "out" / "book.xlsx")
    assert formulas["Agents"]["E2"].value == f"={band_fn}(D2,Scheme!$A$2:$C$8)"


@pytest.mark.parametrize("rate_fn,band_fn", SPELLINGS)
def test_namespaced_spelling_is_not_an_unknown_function(tmp_path, rate_fn, band_fn):
    src = build_book(tmp_path / "book.xlsx", rate_fn, band_fn)
    result = recalc_file(src, tmp_path / "out.xlsx")
    assert result.unknown_functions == {}
    assert result.errors == {}


def test_other_custom_functions_stay_unknown(tmp_path):
    """A namespaced function that is not in the catalogue is named, not taken for ours."""
    src = build_book(tmp_path / "book.xlsx", "KPI_RATE", "MYSHOP.KPI_BANDX")
    result = recalc_file(src, tmp_path / "out.xlsx")
    assert set(result.unknown_functions) == {"MYSHOP.KPI_BANDX", "MYSHOP.KPI_CHECK_BANDSX"}
    values = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)
    assert values["Agents"]["E2"].value == "#NAME?"
