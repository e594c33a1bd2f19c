"""Excel's number and text limits wherever a value is produced.

From Excel's specifications and limits: the largest number a formula can produce is
1.7976931348623158E+308 (beyond it, and for infinities, #NUM!); every number is a double,
literals included; FACT goes up to 170; a cell holds at most 32,767 characters (REPT and
any longer text result: #VALUE!).
"""
from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest

from kpi_xl.engine import recalc_file
from kpi_xl.engine.values import XlErr
from one_cell import ev  # noqa: E402

NUM, VALUE = XlErr("#NUM!"), XlErr("#VALUE!")
INF = float("inf")




@pytest.mark.parametrize("formula, expected", [
    ("10^400", NUM),                   # a float literal, not a 401-digit integer
    ("10^400/10", NUM),
    ("2^1024", NUM),
    ("2^1023", 8.98846567431158e307),
    ("9E307*1.5", 1.35e308),            # past the typing limit, within the formula limit
    ("1E308*10", NUM),
    ("-1E308*10", NUM),
    ("IFERROR(1E308*10,\"big\")", "big"),    # the error is there for IFERROR to see
    ("ISERROR(EXP(1000))", True),
    ("EXP(1000)", NUM),
    ("PRODUCT(1E200,1E200)", NUM),
    ("SUMSQ(1E200)", NUM),
    ("SUM(1E308,1E308)", NUM),
    ("SUMPRODUCT({1E308},{10})", NUM),
    ("INDEX({1E308,2}*10,1,2)", 20),    # only the element that overflows is #NUM!
    ("ISERROR(INDEX({1E308,2}*10,1,1))", True),
    ("2^53+1", 9007199254740992),       # a double cannot hold 2^53+1
])
def test_results_beyond_the_largest_double_are_num(formula, expected):
    got = ev(formula)
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-14)
    else:
        assert got == expected


def test_huge_powers_end_at_once():
    t0 = time.perf_counter()
    assert ev("POWER(100,10000000000000)") == NUM
    assert ev("100^10000000000000") == NUM
    assert ev("A3^A4", A3=100, A4=10000000000000) == NUM   # whole numbers from cells too
    assert ev("COMBIN(1E9,5E8)") == NUM
    assert ev("PERMUT(1E9,5E8)") == NUM
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("formula, expected", [
    # infinities reach a sum from cells Excel itself would never hold (1E+309 in the file)
    ("SUM(A1:A2)", NUM), ("SUM(A1:A3)", NUM), ("SUM(A1,A3)", NUM), ("AVERAGE(A1:A3)", NUM),
    ("SUMIF(A1:A3,\">0\")", NUM), ("MAX(A1:A3)", NUM), ("A1-A1", NUM), ("ABS(A2)", NUM),
    ("SUM(A3)", 5),
])
def test_infinite_inputs_become_num_not_a_failed_file(formula, expected):
    assert ev(formula, A1=INF, A2=-INF, A3=5) == expected


@pytest.mark.parametrize("formula, expected", [
    # Excel's documentation: FACT of a negative number is #NUM!, the argument is truncated;
    # 170! is the largest factorial a double holds.
    ("FACT(0)", 1), ("FACT(1)", 1), ("FACT(5)", 120), ("FACT(1.9)", 1), ("FACT(-1)", NUM),
    ("FACT(21)", 51090942171709440000), ("FACT(171)", NUM),
    ("FACTDOUBLE(6)", 48), ("FACTDOUBLE(7)", 105), ("FACTDOUBLE(-1)", NUM), ("FACTDOUBLE(301)", NUM),
    ("COMBIN(8,2)", 28), ("COMBIN(1030,500)", NUM), ("COMBIN(1E15,1)", 1e15),
    ("PERMUT(100,3)", 970200), ("PERMUT(3,2)", 6), ("PERMUT(2,3)", NUM),
    ("PERMUTATIONA(3,2)", 9), ("PERMUTATIONA(2,2)", 4), ("PERMUTATIONA(-1,2)", NUM),
])
def test_counts_up_to_the_largest_double(formula, expected):
    got = ev(formula)
    if isinstance(expected, XlErr):
        assert got == expected
    else:
        assert got == pytest.approx(expected, rel=1e-15)


def test_fact_170_is_the_last():
    assert ev("FACT(170)") == pytest.approx(7.25741561530799e306, rel=1e-14)


@pytest.mark.parametrize("formula, expected", [
    ("LEN(REPT(\"a\",32767))", 32767),
    ("REPT(\"a\",32768)", VALUE),
    ("REPT(\"ab\",20000)", VALUE),
    ("LEN(REPT(\"😀\",16383))", 32766),       # counted in UTF-16 units
    ("REPT(\"😀\",16384)", VALUE),
    ("REPT(\"a\",32767)&\"b\"", VALUE),          # the & operator too
    ("LEN(CONCAT(REPT(\"a\",30000),REPT(\"b\",2767)))", 32767),
    ("CONCAT(REPT(\"a\",30000),REPT(\"b\",2768))", VALUE),
    ("ISERROR(REPT(\"a\",40000))", True),
])
def test_text_is_at_most_32767_characters(formula, expected):
    assert ev(formula) == expected


def _with_raw_values(values):
    """An .xlsx whose cells hold the given raw <v> texts (as another program might write)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, _ in enumerate(values, start=1):
        ws.cell(i, 1, i)
    ws["B1"] = "=SUM(A1:A3)"
    ws["B2"] = "=A1*2"
    ws["B3"] = "=10^400"
    ws["B4"] = "=B3/10"
    ws["B5"] = "=A3+1"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for i, v in enumerate(values, start=1):
                    text = text.replace(f'<c r="A{i}" t="n"><v>{i}</v>', f'<c r="A{i}" t="n"><v>{v}</v>')
                data = text.encode()
            z.writestr(item, data)
    return out.getvalue()


def test_a_workbook_with_infinite_cells_is_written_with_num(tmp_path):
    src = tmp_path / "inf.xlsx"
    src.write_bytes(_with_raw_values(["1E+309", "-1E+309", "5"]))
    before = src.read_bytes()
    res = recalc_file(src, tmp_path / "out.xlsx")
    assert src.read_bytes() == before
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True).active
    assert [ws[f"B{i}"].value for i in range(1, 6)] == ["#NUM!", "#NUM!", "#NUM!", "#NUM!", 6]
    assert res.errors == {"Sheet!B1": "#NUM!", "Sheet!B2": "#NUM!", "Sheet!B3": "#NUM!",
                          "Sheet!B4": "#NUM!"}


# -- text in UTF-16 code units --------------------------------------------------------
# Excel stores text as UTF-16: a character beyond U+FFFF (emoji, CJK extension B) is two
# code units to LEN, LEFT, MID, RIGHT, FIND and SEARCH.

@pytest.mark.parametrize("formula, expected", [
    ('LEN("😀")', 2), ('LEN("a😀b")', 4), ('LEN("中文")', 2), ('LEN("𠀀")', 2),
    ('LEFT("😀b",2)', "😀"), ('LEN(LEFT("😀b",1))', 1), ('RIGHT("a😀",2)', "😀"),
    ('MID("a😀b",2,2)', "😀"), ('MID("a😀b",4,1)', "b"), ('LEN(MID("😀b",2,2))', 2),
    ('FIND("b","😀b")', 3), ('SEARCH("B","😀b")', 3), ('FIND("b","😀b😀b",4)', 6),
    ('REPLACE("😀b",1,2,"x")', "xb"),
    ('LEFT("😀b",1)&MID("😀b",2,1)', "😀"),   # the two halves joined are the character again
])
def test_text_positions_count_utf16_units(formula, expected):
    assert ev(formula) == expected


def test_half_of_a_surrogate_pair_is_written_and_read_back(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = '=LEFT("😀b",1)'
    wb.active["A2"] = '=LEN(A1)'
    wb.save(tmp_path / "half.xlsx")
    recalc_file(tmp_path / "half.xlsx", tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True).active
    assert ws["A2"].value == 1
    assert ws["A1"].value is not None


def test_functions_of_the_formulas_library_are_held_to_the_limits_quietly():
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ev("COSH(1000)") == NUM            # taken from the formulas library
        assert ev("ISERROR(SINH(1000))") is True
        assert ev("SUMSQ(1E200,1)") == NUM
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
