"""Dates written as text are read below the value model: kpi_xl.engine.values reaches into no
function module, and the date-text module imports neither."""
import ast
from pathlib import Path

import pytest

from kpi_xl.engine import datetext
from kpi_xl.engine.serial import date_system
from kpi_xl.engine.values import to_number

ENGINE = Path(__file__).resolve().parents[2] / "kpi_xl" / "engine"


def _imported_modules(path):
    """Every module a file imports, anywhere in it (inside functions too), as dotted names
    relative to kpi_xl.engine for relative imports ("functions.dates", "values")."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 1:
                names += [f"{base}.{a.name}" if base else a.name for a in node.names]
                names.append(base)
            else:
                names.append(("." * node.level) + base)
    return [n for n in names if n]


def test_values_imports_nothing_from_the_function_modules():
    mods = _imported_modules(ENGINE / "values.py")
    assert mods, "the check found no imports at all"
    assert not [m for m in mods if m == "functions" or m.startswith("functions.")
                or "engine.functions" in m]


def test_the_checker_sees_an_import_inside_a_function(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def g():\n    from .functions.dates import x\n    return x\n", encoding="utf-8")
    assert "functions.dates" in _imported_modules(f)


def test_datetext_imports_neither_the_value_model_nor_the_functions():
    mods = _imported_modules(ENGINE / "datetext.py")
    assert not [m for m in mods if m.split(".")[0] in ("values", "serial", "functions")]


@pytest.mark.parametrize("text, serial", [
    ("2026-10-05", 46300),          # 1 January 2024 is 45292; 366 + 365 + 273 + 4 days on
    ("10/5/2026", 46300),
    ("5-Oct-2026", 46300),
    ("October 5, 2026", 46300),
    ("2026年10月5日", 46300),
    ("1900-01-01", 1),              # Excel's documentation: 1 January 1900 is serial 1
    ("1900-02-29", 60),             # Excel's fictitious leap day
    ("1900-03-01", 61),
    ("9999-12-31", 2958465),        # the last day Excel knows
])
def test_date_text_in_the_1900_system(text, serial):
    assert datetext.datevalue_or_none(text) == serial
    assert to_number(text) == serial


@pytest.mark.parametrize("text", ["2026-02-29", "2026-13-01", "1899-12-31", "1850-01-01",
                                  "not a date", "31/31/2026"])
def test_text_that_is_no_date_is_none(text):
    assert datetext.datevalue_or_none(text) is None


def test_date_text_in_the_1904_system():
    with date_system(True):
        assert datetext.datevalue_or_none("1904-01-02") == 1   # 1 January 1904 is 0
        assert datetext.datevalue_or_none("1900-02-29") is None
        assert datetext.datetime_text_or_none("1904-01-02 12:00") == 1.5
    assert datetext.datevalue_or_none("1904-01-02") == 1 + 1462   # the 1904 offset


def test_time_text():
    assert datetext.timevalue_or_none("6:00 PM") == 0.75
    assert datetext.timevalue_or_none("25:00") == 25 / 24
    assert datetext.datetime_text_or_none("2026-10-05 6:00") == 46300.25


# Chinese date and time text, as Chinese Excel and WPS read it (hand-worked: 上午 is AM and
# 下午 PM; a year and month is the month's first day; a month and day falls in this year).
@pytest.mark.parametrize("formula, expected", [
    ('DATEVALUE("2024年5月")', 45413), ('"2024年5月"+0', 45413),
    ('DATEVALUE("2024年5月1日")', 45413),
    ('DATEVALUE("5月1日")=DATE(YEAR(TODAY()),5,1)', True),
    ('TIMEVALUE("下午3:00")', 0.625), ('TIMEVALUE("上午9:30")', 9.5 / 24),
    ('TIMEVALUE("上午12:00")', 0.0), ('TIMEVALUE("下午12:30")', 12.5 / 24),
    ('TIMEVALUE("3:00下午")', 0.625), ('"2024年5月1日 下午3:00"+0', 45413.625),
    ('DATEVALUE("2024年13月")', "#VALUE!"), ('DATEVALUE("2月30日")', "#VALUE!"),
    ('TIMEVALUE("下午15:00")', "#VALUE!"), ('TIMEVALUE("下午3:00 PM")', "#VALUE!"),
])
def test_chinese_date_and_time_text(formula, expected):
    from tests.engine.one_cell import ev
    got = ev(formula)
    if isinstance(expected, str):
        assert str(got) == expected
    else:
        assert got == pytest.approx(expected)
