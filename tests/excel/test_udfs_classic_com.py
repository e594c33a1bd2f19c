"""kpi_xl.udfs as the classic (COM) add-in calls it, with the values COM delivers.

xlwings' classic ``call_udf`` reads every argument with ``xlwings.conversion.read(None,
value, options)`` -- here the real function with our ``raw`` options -- after pywin32
has turned the VARIANTs into Python: a Currency or Accounting cell (VT_CY) into a
``decimal.Decimal``, a date into a ``datetime``, an error cell into the int
0x800A0000 + its CVErr number, an empty cell into None, an omitted argument into the
int -2147352572.  What Linux cannot run, and stays unverified here: pywin32's VARIANT
marshalling itself, the VBA wrapper xlwings writes into the workbook, and Excel's
handling of the returned array.

Expected numbers are DOMAIN.md's or worked by hand.
"""
from __future__ import annotations

import datetime as dt
import types
from decimal import Decimal

import pytest
import xlwings
import xlwings.conversion

import kpi_xl.udfs as udfs
from kpi_xl.core.bands import check_bands
from kpi_xl.excel import xlwings_face as face

pytestmark = pytest.mark.skipif(face.office_js_runtime(),
                                reason="XLWINGS_ON_SERVER is set: results are Office.js errors")

COM_MISSING = -2147352572          # DISP_E_PARAMNOTFOUND: an omitted optional argument
COM_BASE = -2146828288             # 0x800A0000 as a signed 32-bit int
CONVERSION_BANDS = ((0.41, None, 100.0), (0.38, 0.41, 90.0), (0.35, 0.38, 80.0),
                    (0.32, 0.35, 70.0), (0.28, 0.31, 60.0), (0.25, 0.28, 50.0), (None, 0.25, 0.0))


@pytest.fixture(autouse=True)
def com_engine(monkeypatch):
    """xlwings reads a UDF argument against the "excel" engine, absent on Linux; the raw
    converter never touches it, so a bare stand-in lets xlwings' own code run."""
    if "excel" not in [e.name for e in xlwings.engines]:
        impl = types.SimpleNamespace(name="excel", type="desktop")
        monkeypatch.setitem(xlwings.engines.engines_by_name, "excel", xlwings.main.Engine(impl))


def classic_call(name, *com_args):
    """What xlwings' classic call_udf does with the arguments of one call, then the call.

    On Windows ``xw.arg(name, "raw")`` records ``{"convert": "raw"}`` as each argument's
    options (on Linux xlwings' classic decorators are no-ops, so they are written here).
    """
    func = getattr(udfs, name)
    args = []
    for arg in com_args:
        if isinstance(arg, int) and arg == COM_MISSING:
            args.append(None)  # call_udf: arg_info.get("optional", None); ours default to None
        else:
            args.append(xlwings.conversion.read(None, arg, {"convert": "raw"}))
    return func(*args)


def test_currency_cells_arrive_as_decimal_and_score():
    # agent A's conversion 88/275 = 32 % in a cell formatted as Currency
    assert classic_call("KPI_BAND", Decimal("0.3200"), CONVERSION_BANDS) == 70
    assert classic_call("KPI_RATE", Decimal("88.0000"), Decimal("275.0000")) == pytest.approx(0.32)
    # DOMAIN.md: agent A's published points and weights give 77.5
    points = ((Decimal("70"), Decimal("100"), Decimal("70"), Decimal("90"), Decimal("90"),
               Decimal("80")),)
    weights = ((0.30, 0.25, 0.20, 0.10, 0.05, 0.05),)
    assert classic_call("KPI_WEIGHTED", points, weights) == pytest.approx(77.5)
    # 70 <= 77.5 < 90: 77.5 % of a 1,000.00 bonus held in an Accounting cell
    assert classic_call("KPI_BONUS", 77.5, Decimal("1000.0000"), COM_MISSING, COM_MISSING) == \
        pytest.approx(775)
    # commission tiers typed as Currency: 3 % from 0, 5 % from 50,000 (all sales at 5 %)
    tiers = ((Decimal("0"), 0.03), (Decimal("50000.0000"), 0.05))
    assert classic_call("KPI_COMMISSION", Decimal("60000.0000"), tiers, COM_MISSING) == \
        pytest.approx(3000)


def test_dates_and_empty_cells():
    # a tenure in months, read from a date-formatted cell holding 24 (1900-01-24)
    assert classic_call("KPI_TENURE_BASE", dt.datetime(1900, 1, 24), 3000.0, COM_MISSING,
                        COM_MISSING, COM_MISSING) == classic_call(
                            "KPI_TENURE_BASE", 24.0, 3000.0, COM_MISSING, COM_MISSING, COM_MISSING)
    assert classic_call("KPI_BAND", None, CONVERSION_BANDS) == ""
    assert classic_call("KPI_BAND", 0.32, CONVERSION_BANDS, COM_MISSING) == 70


@pytest.mark.parametrize("cverr,text", [(2042, "#N/A"), (2007, "#DIV/0!"), (2046, "#CONNECT!"),
                                        (2047, "#BLOCKED!"), (2048, "#UNKNOWN!"), (2049, "#FIELD!"),
                                        (2050, "#CALC!")])
def test_com_error_codes_pass_through_as_their_text(cverr, text):
    assert classic_call("KPI_RATE", COM_BASE + cverr, 275.0, COM_MISSING) == text
    assert classic_call("KPI_BAND", COM_BASE + cverr, CONVERSION_BANDS) == text


@pytest.mark.parametrize("cverr", [2001, 2044, 2051, 2099, 2500])
def test_error_codes_excel_adds_later_are_errors_not_numbers(cverr):
    assert classic_call("KPI_RATE", COM_BASE + cverr, 275.0, COM_MISSING) == "#VALUE!"
    assert classic_call("KPI_WEIGHTED", ((70.0, COM_BASE + cverr),), ((0.5, 0.5),)) == "#VALUE!"


def test_long_check_message_stays_within_what_vba_passes_to_a_sheet():
    # twelve bands with a gap after each: a message far over 255 characters
    bands = tuple((i * 10.0, i * 10.0 + 9.0, 100.0 - i * 5) for i in range(12))
    full = check_bands([list(r) for r in bands], "left", "en")
    assert len(full) > 255 and full.startswith("Gap: 9–10 lies in no band.")
    shown = classic_call("KPI_CHECK_BANDS", bands, COM_MISSING, COM_MISSING)
    assert len(shown) <= 255
    assert shown.endswith("…")
    assert shown[:-1] == full[:len(shown) - 1]
    assert shown[-2] == "."  # cut after a whole sentence
    zh = classic_call("KPI_CHECK_BANDS", bands, COM_MISSING, "zh")
    assert len(zh) <= 255 and zh.startswith("断档：9–10")
