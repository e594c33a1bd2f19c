"""The 1904 date system (``<workbookPr date1904="1"/>``), honoured by every date function.

Expected values from Excel's definition of the system: serial 0 is 1 January 1904 (a
Friday), and a day's serial is 1,462 less than in the 1900 system (15 January 2024 is
45306 in the 1900 system, 43844 in the 1904 system).
"""
from __future__ import annotations

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from kpi_xl.engine import recalc_file
from kpi_xl.engine.evaluator import calculate
from kpi_xl.engine.model import BookInput, SheetInput
from kpi_xl.engine.values import XlErr

NUM, VALUE = XlErr("#NUM!"), XlErr("#VALUE!")

CASES = [
    ("DATE(2024,1,15)", 43844, 45306),
    ("DATEVALUE(\"2024-01-15\")", 43844, 45306),
    ("\"2024-01-15\"+0", 43844, 45306),                    # date text coerced by an operator
    ("YEAR(0)", 1904, 1900),
    ("MONTH(0)", 1, 1),
    ("DAY(0)", 1, 0),                                        # 1900's "0 January 1900"
    ("DAY(60)", 1, 29),                                      # 1 March 1904; 1900's 29 Feb
    ("MONTH(60)", 3, 2),
    ("YEAR(43844)", 2024, 2020),
    ("WEEKDAY(0)", 6, 7),                                    # Friday 1 Jan 1904 / Saturday 0 Jan 1900
    ("WEEKDAY(43844,2)", 1, 2),                              # Monday 15 Jan 2024 / Tuesday 14 Jan 2020
    ("EDATE(0,1)", 31, 31),                                   # 1900: "0 February" is 31 January
    ("EOMONTH(0,0)", 30, 31),
    ("EOMONTH(43844,0)", 43860, 43861),
    ("NETWORKDAYS(0,6)", 5, 5),
    ("WORKDAY(0,1)", 3, 2),
    ("DATE(1903,12,31)", NUM, 1461),
    ("TEXT(0,\"yyyy-mm-dd\")", "1904-01-01", "1900-01-00"),
    ("TEXT(43844,\"yyyy-mm-dd ddd\")", "2024-01-15 Mon", "2020-01-14 Tue"),
    ("DATEDIF(0,60,\"d\")", 60, 60),
    ("DAYS360(0,60)", 60, None),                              # 1 Jan → 1 Mar 1904
    ("YEARFRAC(43844,44210,1)", 1, 1),                        # a whole year, 2024 and 2020 alike
    ("COUNTIF(A1:A3,\">=2024-01-15\")", 2, 0),               # date text in a criterion
    ("DATE(9999,12,31)", 2957003, 2958465),
    ("DATE(9999,12,31)+1-1", 2957003, 2958465),
    ("YEAR(2957004)", NUM, 9995),
    ("WEEKNUM(43844)", 3, 3),                                # 15 Jan 2024 / 14 Jan 2020
    ("WEEKNUM(0)", 1, 0),
    ("ISOWEEKNUM(43844)", 3, 3),
]


def _calc(date1904, formula):
    s = SheetInput("Sheet1")
    s.values.update({(1, 1): 43844, (2, 1): 43845, (3, 1): 43843})
    s.formulas[(10, 2)] = formula
    results, _ = calculate(BookInput([s], date1904=date1904))
    return results["Sheet1"][(10, 2)]


@pytest.mark.parametrize("formula, in_1904, in_1900", CASES)
def test_date_functions_in_both_systems(formula, in_1904, in_1900):
    assert _calc(True, formula) == in_1904
    if in_1900 is not None:
        assert _calc(False, formula) == in_1900


def test_a_1904_workbook_file_end_to_end(tmp_path):
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    for i, (formula, _, _) in enumerate(CASES, start=1):
        ws.cell(i, 2, "=" + formula)
    ws["A1"], ws["A2"], ws["A3"] = 43844, 43845, 43843
    wb.save(tmp_path / "mac.xlsx")
    recalc_file(tmp_path / "mac.xlsx", tmp_path / "out.xlsx")
    got = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True).active
    for i, (formula, in_1904, _) in enumerate(CASES, start=1):
        v = got.cell(i, 2).value
        want = in_1904.code if isinstance(in_1904, XlErr) else in_1904
        if hasattr(v, "toordinal"):     # openpyxl shows date-formatted cells as datetimes
            continue
        assert v == want, formula
