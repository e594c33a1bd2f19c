"""Input coercion shared by every KPI function (kpi_xl.core.values)."""
import math

import numpy as np
import pandas as pd
import pytest

import kpi_xl
from kpi_xl import registry
from kpi_xl.core.errors import (CellError, KpiDivZeroError, KpiNotFoundError, KpiNumError,
                                KpiValueError)
from kpi_xl.core.values import (at_least, below, cell_number, cells, numbers, parse_number_text,
                                rows, scalar_number, table_number, table_rows, tidy)


@pytest.mark.parametrize("text, number", [
    ("0.32", 0.32), ("32%", 0.32), (" 32 % ", 0.32), ("1,234.5", 1234.5), ("-5", -5.0),
    ("1e3", 1000.0), (".5", 0.5), ("３２％", 0.32), ("+7", 7.0),
])
def test_numeric_text_reads_as_excel_reads_a_direct_argument(text, number):
    assert parse_number_text(text) == pytest.approx(number, abs=1e-15)


@pytest.mark.parametrize("text", ["abc", "1,2", "nan", "inf", "1_000", "%", "12a", "", "--1"])
def test_other_text_is_not_a_number(text):
    assert parse_number_text(text) is None


def test_scalar_arguments():
    assert scalar_number(None) is None
    assert scalar_number("") is None
    assert scalar_number("   ") is None
    assert scalar_number(float("nan")) is None  # pandas' missing value is a blank cell
    assert scalar_number(True) == 1.0 and scalar_number(False) == 0.0
    assert scalar_number(np.int64(3)) == 3.0
    assert scalar_number("41%") == pytest.approx(0.41)
    with pytest.raises(KpiValueError):
        scalar_number("forty")
    with pytest.raises(KpiNumError):
        scalar_number(math.inf)
    with pytest.raises(KpiNotFoundError):
        scalar_number(CellError("#N/A"))
    with pytest.raises(KpiDivZeroError):
        scalar_number(CellError("#DIV/0!"))
    with pytest.raises(KpiValueError):
        scalar_number(CellError("#REF!"))


def test_booleans_are_skipped_in_value_ranges_but_refused_in_tables():
    assert cell_number(True) is None
    assert numbers([[1, True], [None, "2"], ["", 3.5]]) == [1.0, 2.0, 3.5]
    with pytest.raises(KpiValueError):
        table_number(True)
    with pytest.raises(KpiValueError):
        numbers([[1, "n/a"]])


def test_range_shapes():
    assert rows(5) == [[5]]
    assert rows(None) == []
    assert rows([1, 2, 3]) == [[1, 2, 3]]
    assert rows([[1, 2], [3, 4]]) == [[1, 2], [3, 4]]
    assert rows([(1, 2), (3, 4)]) == [[1, 2], [3, 4]]
    assert rows(np.array([[1.0, 2.0], [3.0, 4.0]])) == [[1.0, 2.0], [3.0, 4.0]]
    assert cells(pd.Series([1, 2, 3])) == [1, 2, 3]
    assert rows(pd.DataFrame({"lower": [0.41, 0.38], "points": [100, 90]})) == [[0.41, 100], [0.38, 90]]
    assert numbers(pd.Series([70.0, None, 80.0])) == [70.0, 80.0]


def test_table_rows_drop_a_header_blank_rows_and_blank_trailing_columns():
    width, table = table_rows([["下限", "分数", None], [None, None, None],
                               [0.41, 100, ""], [0.38, 90, None]])
    assert width == 2
    assert table == [(3, [0.41, 100]), (4, [0.38, 90])]
    # only the first row can be a header; a later text row stays (and fails as a number later)
    width, table = table_rows([[0.41, 100], ["x", "y"]])
    assert table == [(1, [0.41, 100]), (2, ["x", "y"])]


def test_comparisons_absorb_rounding_noise_only():
    assert 0.57 - 0.16 < 0.41  # plain float arithmetic falls a hair short
    assert at_least(0.57 - 0.16, 0.41)
    assert not below(0.57 - 0.16, 0.41)
    assert below(0.4099, 0.41)
    assert not at_least(0.4099999, 0.41)
    assert below(5, math.inf) and not at_least(5, math.inf)
    assert tidy(77.49999999999999) == 77.5
    assert tidy(-0.0) == 0.0 and math.copysign(1, tidy(-0.0)) == 1


def test_every_registry_function_is_importable_from_the_package_and_takes_its_args():
    for entry in registry.FUNCTIONS:
        assert getattr(kpi_xl, entry.func.__name__) is entry.func
        code = entry.func.__code__
        assert code.co_argcount == entry.max_args, entry.name
        assert (entry.func.__defaults__ or ()) == (None,) * (entry.max_args - entry.min_args)
        assert entry.func.__doc__.splitlines()[0].strip() != ""


def test_registry_invoke_turns_core_errors_into_cell_errors():
    band = registry.BY_NAME["KPI_BAND"]
    table = [[0.28, 0.31, 60], [0.32, 0.35, 70]]
    assert registry.invoke(band, [0.315, table]) == CellError("#N/A")
    assert registry.invoke(band, ["abc", table]) == CellError("#VALUE!")
    assert registry.invoke(band, [0.33, table, "middle"]) == CellError("#NUM!")
    assert registry.invoke(band, [0.33, table]) == 70
    assert registry.invoke(registry.BY_NAME["KPI_CV"], [[[0, 0]]]) == CellError("#DIV/0!")


_SCALARS = [None, "", "abc", "32%", True, 0, -1, 0.5, 70, 1e308, -1e308, 5e-324, "left", "en"]
_RANGES = [[[None]], [[1, 2], [3, 4]], [[0.41, "", 100], ["", 0.41, 0]], [["h", "x"], [1, 2]],
           [[1, "abc"]], [[1e308, 1e308]], [[1e308, -1e308]], [], [[0, 0]], [[1, 2, 3, 4]],
           [[-1, 5], [2, -3]], [[5e-324, 1e-323]], [[1e308, "", 1], [-1e308, 1e308, 2]]]


def _finite(result):
    if isinstance(result, list):
        return all(_finite(r) for r in result)
    return not isinstance(result, float) or math.isfinite(result)


def test_extreme_and_wrong_inputs_give_an_error_value_never_a_crash_or_nan():
    import random
    rnd = random.Random(3)
    for entry in registry.FUNCTIONS:
        for _ in range(300):
            args = [rnd.choice(_RANGES) if a.kind == "range" else rnd.choice(_SCALARS)
                    for a in entry.args][:rnd.randint(entry.min_args, entry.max_args)]
            result = registry.invoke(entry, args)  # a non-KPI exception here is a bug
            assert _finite(result), (entry.name, args, result)


@pytest.mark.parametrize("text, kpi_input, excel", [
    # Excel's VALUE documentation: =VALUE("$1,000") is 1000.
    ("$1,000", None, 1000.0),
    ("1,234.5", 1234.5, 1234.5),
    ("32%", 0.32, 0.32),
    # thousands come in threes: Excel caches VALUE("12,34") as #VALUE! (an Excel-saved
    # workbook of the oracle corpus), and a typing slip is no KPI input either
    ("1,2", None, None), ("1,234,567", 1234567.0, 1234567.0), ("12,34", None, None),
    ("€100", None, 100.0),        # a currency symbol before or after, as Excel reads it
    ("(5)", None, -5.0),          # accounting brackets
    ("5%%", None, 0.0005),
    ("３２％", 0.32, None),        # full-width input-method text, read for KPI inputs only
    ("inf", None, None), ("1E999", None, None), ("", None, None), ("abc", None, None),
    ("1_000", None, None),        # Python's digit grouping, not Excel's
])
def test_the_two_readings_of_number_text_differ_only_where_named(text, kpi_input, excel):
    from kpi_xl.core.values import excel_number_text
    from kpi_xl.engine.values import parse_number_text as engine_reading
    assert parse_number_text(text) == kpi_input
    assert excel_number_text(text) == excel
    assert engine_reading is excel_number_text
