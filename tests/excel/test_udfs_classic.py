"""Every KPI_* function called through kpi_xl.udfs with values shaped as the
classic (COM) add-in hands them over: a range as a tuple of row tuples, a blank
cell as None, an error cell as its COM error code, a date as a datetime.

The expected numbers are worked by hand or published in DOMAIN.md.  In this
runtime errors come back as their text, since the classic add-in cannot return
a real error value.
"""
import datetime as dt
import inspect
import keyword
import math

import pytest

import kpi_xl.udfs as udfs
from kpi_xl import registry
from kpi_xl.core.errors import CellError
from kpi_xl.excel import xlwings_face as face

pytestmark = pytest.mark.skipif(face.office_js_runtime(),
                                reason="XLWINGS_ON_SERVER is set: results are Office.js errors")

# COM's error codes, from Excel's CVErr numbers (xlErrNA = 2042 ...), written out
# here rather than taken from the code under test.
COM_NA = -2146826246
COM_DIV0 = -2146826281
COM_VALUE = -2146826273

# DOMAIN.md, composite model, conversion X: lower bound inclusive, the published
# gap 31 %–32 % left in.
CONVERSION_BANDS = ((0.41, None, 100.0), (0.38, 0.41, 90.0), (0.35, 0.38, 80.0),
                    (0.32, 0.35, 70.0), (0.28, 0.31, 60.0), (0.25, 0.28, 50.0),
                    (None, 0.25, 0.0))
# first response ST in seconds, upper bound inclusive ("10 < ST ≤ 15 → 90")
FIRST_RESPONSE_BANDS = ((None, 10.0, 100.0), (10.0, 15.0, 90.0), (15.0, 20.0, 80.0),
                        (20.0, 25.0, 70.0), (25.0, 30.0, 60.0), (30.0, None, 0.0))
# the README's 2-column form of the conversion table
CONVERSION_THRESHOLDS = ((0.41, 100.0), (0.38, 90.0), (0.35, 80.0), (0.32, 70.0), (0.28, 60.0),
                         (0.25, 50.0), (0.0, 0.0))
# the composite model's weights as published (they add up to 95 %)
WEIGHTS = ((0.30, 0.25, 0.20, 0.10, 0.05, 0.05),)


def test_module_exposes_exactly_the_registry_functions_with_their_signatures():
    assert udfs.__all__ == [f.name for f in registry.FUNCTIONS]
    assert len(udfs.__all__) == 15
    for entry in registry.FUNCTIONS:
        func = getattr(udfs, entry.name)
        assert func.__name__ == entry.name
        params = inspect.signature(func).parameters
        assert list(params) == [a.name for a in entry.args]
        for arg, param in zip(entry.args, params.values()):
            assert param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD  # xlwings refuses others
            assert (param.default is None) if arg.optional else (param.default is param.empty)
        assert func.__doc__ == f"{entry.help_zh} / {entry.help_en}"


# The classic add-in writes a VBA wrapper whose parameters carry these names, so
# none may be a reserved identifier of VBA (MS-VBAL 3.3.5.2; contextual keywords
# such as Step or Base are allowed).  Excel's MacroOptions keeps 255 characters
# of each description.
VBA_RESERVED = {w.lower() for w in """
    Call Case Close Const Declare DefBool DefByte DefCur DefDate DefDbl DefInt DefLng DefLngLng
    DefLngPtr DefObj DefSng DefStr DefVar Dim Do Else ElseIf End EndIf Enum Erase Event Exit For
    Friend Function Get Global GoSub GoTo If Implements Input Let Lock Loop LSet Next On Open
    Option Print Private Public Put RaiseEvent ReDim Resume Return RSet Seek Select Set Static
    Stop Sub Type Unlock Wend While With Write Rem
    Any As ByRef ByVal Each In New Shared Until WithEvents Optional ParamArray Preserve Spc Tab
    Then To
    AddressOf And Eqv Imp Is Like Mod Not Or TypeOf Xor
    Abs CBool CByte CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr CSng CStr CVar CVErr Date
    Debug DoEvents Fix Int Len LenB Me PSet Scale Sgn String
    Array Circle InputB LBound UBound
    Boolean Byte Currency Double Integer Long LongLong LongPtr Single Variant
    True False Nothing Empty Null CDecl Decimal DefDec Attribute LINEINPUT
""".split()}


def test_argument_names_are_valid_in_vba_and_python_and_help_fits_excel():
    for entry in registry.FUNCTIONS:
        assert len(face.docstring(entry)) <= 255, entry.name
        for arg in entry.args:
            assert arg.name.lower() not in VBA_RESERVED, (entry.name, arg.name)
            assert arg.name.isidentifier() and not keyword.iskeyword(arg.name)
            assert len(face.arg_doc(arg)) <= 255, (entry.name, arg.name)


def test_rate_then_band_agent_a_conversion_scores_70():
    rate = udfs.KPI_RATE(88.0, 275.0)
    assert rate == pytest.approx(0.32)
    assert udfs.KPI_BAND(rate, CONVERSION_BANDS) == 70
    # agents B and C (DOMAIN.md: conversion points 90 and 60)
    assert udfs.KPI_BAND(udfs.KPI_RATE(582.0, 1455.0), CONVERSION_BANDS) == 90
    assert udfs.KPI_BAND(udfs.KPI_RATE(232.0, 800.0), CONVERSION_BANDS) == 60


@pytest.mark.parametrize("value, points", [
    (0.41, 100), (0.4099, 90), (0.38, 90), (0.3799, 80), (0.25, 50), (0.2499, 0), (0.0, 0)])
def test_band_boundaries_lower_inclusive(value, points):
    assert udfs.KPI_BAND(value, CONVERSION_BANDS) == points
    assert udfs.KPI_BAND(value, CONVERSION_THRESHOLDS) == points


@pytest.mark.parametrize("seconds, points", [
    (8.0, 100), (10.0, 100), (10.5, 90), (13.0, 90), (15.0, 90), (15.01, 80), (30.0, 60), (31.0, 0)])
def test_band_boundaries_upper_inclusive(seconds, points):
    assert udfs.KPI_BAND(seconds, FIRST_RESPONSE_BANDS, "right") == points


def test_band_blank_text_error_and_gap():
    assert udfs.KPI_BAND(None, CONVERSION_BANDS) == ""
    assert udfs.KPI_BAND("", CONVERSION_BANDS) == ""
    assert udfs.KPI_BAND("abc", CONVERSION_BANDS) == "#VALUE!"
    assert udfs.KPI_BAND(COM_NA, CONVERSION_BANDS) == "#N/A"
    assert udfs.KPI_BAND(COM_DIV0, CONVERSION_BANDS) == "#DIV/0!"
    # an error cell inside the table propagates too
    assert udfs.KPI_BAND(0.3, ((0.0, COM_VALUE),)) == "#VALUE!"
    # 31.5 % falls in the published gap between 28–31 % and 32–35 %
    assert udfs.KPI_BAND(0.315, CONVERSION_BANDS) == "#N/A"
    assert udfs.KPI_BAND(0.3, CONVERSION_BANDS, "sideways") == "#NUM!"
    # every result is plain text, not the CellError marker
    assert type(udfs.KPI_BAND(COM_NA, CONVERSION_BANDS)) is str


def test_error_text_in_a_cell_is_text_not_an_error():
    # a cell holding the text "#N/A" is not the error #N/A: it is text where a number belongs
    assert udfs.KPI_BAND("#N/A", ((0.0, 5.0),)) == "#VALUE!"
    assert udfs.KPI_BAND(COM_NA, ((0.0, 5.0),)) == "#N/A"


def test_linear():
    assert udfs.KPI_LINEAR(0.25, ((0.0, 0.0), (1.0, 100.0))) == pytest.approx(25)
    assert udfs.KPI_LINEAR(1.5, ((0.0, 0.0), (1.0, 100.0))) == 100
    assert udfs.KPI_LINEAR(-1.0, ((0.0, 0.0), (1.0, 100.0))) == 0
    # lower is better: 10 s → 100, 30 s → 0; 20 s halfway
    assert udfs.KPI_LINEAR(20.0, ((10.0, 100.0), (30.0, 0.0))) == pytest.approx(50)


def test_weighted_published_totals():
    # DOMAIN.md: points per KPI as published, weights 30/25/20/10/5/5 %
    assert udfs.KPI_WEIGHTED(((70.0, 100.0, 70.0, 90.0, 90.0, 80.0),), WEIGHTS) == pytest.approx(77.5)
    assert udfs.KPI_WEIGHTED(((90.0, 80.0, 60.0, 100.0, 100.0, 60.0),), WEIGHTS) == pytest.approx(77)
    # the same weights as percent figures, the scores as a column
    column = ((60.0,), (90.0,), (100.0,), (80.0,), (80.0,), (100.0,))
    percents = ((30.0, 25.0, 20.0, 10.0, 5.0, 5.0),)
    assert udfs.KPI_WEIGHTED(column, percents) == pytest.approx(77.5)
    assert udfs.KPI_WEIGHTED(((70.0, 100.0),), WEIGHTS) == "#VALUE!"  # 2 scores, 6 weights


def test_rate():
    assert udfs.KPI_RATE(228.0, 240.0) == pytest.approx(0.95)
    assert udfs.KPI_RATE(5.0, 0.0) == 0
    assert udfs.KPI_RATE(5.0, 0.0, "-") == "-"
    assert udfs.KPI_RATE(None, 10.0) == ""
    assert udfs.KPI_RATE("many", 10.0) == "#VALUE!"
    assert udfs.KPI_RATE(COM_NA, 10.0) == "#N/A"


@pytest.mark.parametrize("score, bonus", [(95.0, 1000), (90.0, 1000), (80.0, 800), (70.0, 700),
                                          (69.9, 0), (0.0, 0)])
def test_bonus(score, bonus):
    assert udfs.KPI_BONUS(score, 1000.0) == pytest.approx(bonus)


def test_commission():
    tiers = ((0.0, 0.03), (50000.0, 0.04), (100000.0, 0.05))
    assert udfs.KPI_COMMISSION(80000.0, tiers) == pytest.approx(3200)        # 80,000 × 4 %
    assert udfs.KPI_COMMISSION(80000.0, tiers, "progressive") == pytest.approx(2700)  # 1500 + 1200
    assert udfs.KPI_COMMISSION(120000.0, tiers, "progressive") == pytest.approx(4500)
    assert udfs.KPI_COMMISSION(120000.0, tiers) == pytest.approx(6000)


def test_final():
    assert udfs.KPI_FINAL(80.0, 5.0) == pytest.approx(85)                    # one bonus cell
    assert udfs.KPI_FINAL(80.0, ((5.0, 5.0),), ((1.0,),)) == pytest.approx(80)
    assert udfs.KPI_FINAL(80.0, None, ((2.0,),)) == pytest.approx(60)        # 2 × 10 deducted
    assert udfs.KPI_FINAL(5.0, None, ((1.0,),)) == 0                         # never below 0
    assert udfs.KPI_FINAL(95.0, ((10.0,),), None, None, 100.0) == 100        # capped


def test_year_end():
    good = ((80.0, 70.0, 69.0, 69.0, 80.0, 69.0, 90.0, 85.0, 70.0, 75.0, 80.0, 88.0),)
    assert udfs.KPI_YEAR_END(good) is True                   # 70 is not below 70; 3 fails, run 2
    three_in_a_row = ((80.0, 69.0, 60.0, 50.0, 80.0),)
    assert udfs.KPI_YEAR_END(three_in_a_row) is False
    four_in_all = ((69.0, 80.0, 69.0, 80.0, 69.0, 80.0, 69.0),)
    assert udfs.KPI_YEAR_END(four_in_all) is False


def test_tenure_base():
    # +100 at month 3, then every 3 months (the rule in KPI_TENURE_BASE's documentation)
    assert udfs.KPI_TENURE_BASE(2.0, 3000.0) == 3000
    assert udfs.KPI_TENURE_BASE(3.0, 3000.0) == 3100
    assert udfs.KPI_TENURE_BASE(12.0, 3000.0) == 3400
    assert udfs.KPI_TENURE_BASE(12.0, 3000.0, 200.0, 6.0, 0.0) == 3600   # 0, 6, 12 → 3 raises


def test_quadrant():
    assert udfs.KPI_QUADRANT(0.45, 120.0, 0.40, 100.0) == "高转化高客单"
    assert udfs.KPI_QUADRANT(0.35, 120.0, 0.40, 100.0, "en") == "low conversion, high AOV"


def test_cv_and_dsr():
    # population standard deviation of 2,4,4,4,5,5,7,9 is 2, the mean 5
    assert udfs.KPI_CV(((2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0),)) == pytest.approx(0.4)
    assert udfs.KPI_CV(((10.0,), (10.0,), (10.0,))) == 0
    assert udfs.KPI_DSR(((4.9, 4.8),), ((100.0, 300.0),)) == pytest.approx(4.825)
    averages = ((1.0, 1.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0),)
    counts = ((10.0,) * 8,)
    assert udfs.KPI_DSR(averages, counts) == pytest.approx(5)            # the last 6 months
    assert udfs.KPI_DSR(averages, counts, 8.0) == pytest.approx(4)       # (2×10 + 30×10) / 80


def test_suggest_bands_spills_and_checks_ok():
    history = ((0.22, 0.25, 0.28, 0.30, 0.31, 0.33, 0.35, 0.36, 0.38, 0.40, 0.42, 0.45),)
    table = udfs.KPI_SUGGEST_BANDS(history)
    assert isinstance(table, list) and all(len(row) == 3 for row in table)
    assert 2 <= len(table) <= 5
    points = [row[2] for row in table]
    assert max(points) == 100 and min(points) == 50
    # the spilled table reads back into the other functions as a range
    spilled = tuple(tuple(None if v == "" else v for v in row) for row in table)
    assert udfs.KPI_CHECK_BANDS(spilled) == "OK"
    assert udfs.KPI_BAND(0.45, spilled) == 100
    assert udfs.KPI_BAND(0.22, spilled) == 50


def test_check_bands_and_weights():
    assert udfs.KPI_CHECK_BANDS(FIRST_RESPONSE_BANDS, "right") == "OK"
    gap = udfs.KPI_CHECK_BANDS(CONVERSION_BANDS)
    assert gap != "OK" and "31" in gap and "32" in gap
    # DOMAIN.md: the JD scheme's weights add up to 100 %, the composite model's to 95 %
    assert udfs.KPI_CHECK_WEIGHTS(((0.30, 0.15, 0.15, 0.10, 0.20, 0.10),)) == "OK"
    assert udfs.KPI_CHECK_WEIGHTS(((30.0,), (15.0,), (15.0,), (10.0,), (20.0,), (10.0,))) == "OK"
    published = udfs.KPI_CHECK_WEIGHTS(WEIGHTS)
    assert published != "OK" and "95" in published


def test_dates_arrive_as_excel_serial_numbers():
    # 2024-01-01 is Excel serial 45292
    assert face.cell_value(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)) == 45292
    assert face.cell_value(dt.datetime(2024, 1, 1, 12, 0)) == 45292.5
    assert face.cell_value(dt.date(2024, 1, 1)) == 45292
    assert udfs.KPI_RATE(dt.datetime(2024, 1, 1), 2.0) == 22646    # serial 45292 ÷ 2


def test_com_error_codes_and_office_js_error_dicts():
    assert face.cell_value(COM_NA) == CellError("#N/A")
    assert isinstance(face.cell_value(COM_NA), CellError)
    assert face.cell_value(COM_NA, office_js=True) == COM_NA   # in JSON it is just a number
    err = {"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}
    assert isinstance(face.cell_value(err), CellError) and face.cell_value(err) == "#DIV/0!"
    assert face.cell_value({"type": "Error", "errorType": "NotAvailable"}) == "#N/A"
    assert face.cell_value({"type": "Double", "basicValue": 3.5}) == 3.5
    assert face.cell_value("#N/A") == "#N/A" and not isinstance(face.cell_value("#N/A"), CellError)


def test_results_never_nan_and_errors_never_markers():
    assert face.excel_result(math.nan, office_js=False) == "#NUM!"
    assert face.excel_result(math.inf, office_js=True) == "#NUM!"
    assert face.excel_result(CellError("#SPILL!"), office_js=True) == "#VALUE!"
    assert face.excel_result(CellError("#SPILL!"), office_js=False) == "#SPILL!"
    assert face.excel_result([], office_js=False) == "#CALC!"
    assert face.excel_result([[1.0, None], [CellError("#N/A"), "x"]], office_js=False) == [
        [1.0, ""], ["#N/A", "x"]]
    with pytest.raises(TypeError):
        face.excel_result(object(), office_js=False)


# Odd inputs a sheet can hand over in any position; none may crash a function.
ODD_VALUES = [None, "", "abc", "#N/A", True, COM_NA, COM_DIV0, -1.0, 0.0, 1e308,
              dt.datetime(2024, 5, 1), ((None, None), (None, None)), (("a", 1.0), (2.0, "b")),
              ((1.0, 2.0, 3.0, 4.0),), ((COM_NA, 1.0),)]


def _is_cell_result(value):
    if isinstance(value, list):
        return bool(value) and all(isinstance(row, list) and all(_is_cell_result(v) for v in row)
                                   for row in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return type(value) in (str, int, bool)


@pytest.mark.parametrize("entry", registry.FUNCTIONS, ids=lambda e: e.name)
def test_bad_input_never_crashes(entry):
    func = getattr(udfs, entry.name)
    good = {"range": ((1.0, 2.0), (3.0, 4.0)), "scalar": 1.0}
    for position in range(len(entry.args)):
        for odd in ODD_VALUES:
            args = [good[a.kind] for a in entry.args]
            args[position] = odd
            result = func(*args)
            assert _is_cell_result(result), (entry.name, position, odd, result)


def test_a_bug_in_a_core_function_is_raised_not_shown_as_an_error_value():
    def broken(value):
        return 1 / 0

    entry = registry.KpiFunction("KPI_BROKEN", broken, (registry.Arg("value", "scalar", "", ""),),
                                 "", "")
    udf = face.make_udf(entry, __name__)
    with pytest.raises(ZeroDivisionError):
        udf(1.0)
