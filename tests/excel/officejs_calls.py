"""Office.js-shaped custom-function calls of every catalogue function, with the results
xlwings must send back to Excel.  Shared by the simulated runtime (test_udfs_officejs)
and the real ones (tests/install: xlwings Server over HTTP, Pyodide under Node).

Expected values are DOMAIN.md's or worked by hand: KPI_LINEAR 0.33 between (0.25, 50)
and (0.41, 100) is 50 + 50 × 0.08/0.16 = 75; 60,000 of sales at the 5 % tier from
50,000 is 3,000; 9 months of tenure with +100 every 3 months is 3,300; the
population CV of 10, 20, 30 is √(200/3)/20; DSR (4.9 × 100 + 5.0 × 300) / 400 = 4.975.
"""


def assert_result(result, expected):
    """``result`` as a runtime sent it back is what ``expected`` of :data:`CALLS` says: a
    one-number answer to within pytest's approx, any other exactly, and None for a
    spilled table of any size (checked by its own test)."""
    import pytest
    if expected is None:
        assert isinstance(result, list) and result and isinstance(result[0], list), result
    elif isinstance(expected[0][0], float):
        assert result == [[pytest.approx(expected[0][0])]]
    else:
        assert result == expected


def err_in(code, error_type):
    """An error cell as Office.js hands it to a custom function."""
    return {"type": "Error", "basicValue": code, "errorType": error_type}


def err_out(error_type):
    """A real Excel error value as xlwings returns it to Office.js."""
    return {"type": "Error", "errorType": error_type}


# DOMAIN.md's conversion table (lower bound inclusive); Office.js sends the empty
# cells of a range as null.
CONVERSION = [[0.41, None, 100], [0.38, 0.41, 90], [0.35, 0.38, 80], [0.32, 0.35, 70],
              [0.28, 0.31, 60], [0.25, 0.28, 50], [None, 0.25, 0]]
FIRST_RESPONSE = [["", 10, 100], [10, 15, 90], [15, 20, 80], [20, 25, 70], [25, 30, 60], [30, "", 0]]
HISTORY = [[0.22, 0.25, 0.28, 0.30, 0.31, 0.33, 0.35, 0.36, 0.38, 0.40, 0.42, 0.45]]

# (name, function, Office.js arguments, expected result)
CALLS = [
    ("band agent A 88/275", "KPI_BAND", [[[0.32]], CONVERSION], [[70]]),
    ("band explicit closed", "KPI_BAND", [[[0.32]], CONVERSION, [["left"]]], [[70]]),
    ("band upper inclusive", "KPI_BAND", [[[15]], FIRST_RESPONSE, [["right"]]], [[90]]),
    ("band blank value", "KPI_BAND", [[[""]], CONVERSION], [[""]]),
    ("band text value", "KPI_BAND", [[["abc"]], CONVERSION], [[err_out("Value")]]),
    ("band text '#N/A' is text", "KPI_BAND", [[["#N/A"]], CONVERSION], [[err_out("Value")]]),
    ("band #N/A input", "KPI_BAND", [[[err_in("#N/A", "NotAvailable")]], CONVERSION],
     [[err_out("NotAvailable")]]),
    ("band #DIV/0! in table", "KPI_BAND",
     [[[0.3]], [[0, err_in("#DIV/0!", "Div0")]]], [[err_out("Div0")]]),
    ("band value in the gap", "KPI_BAND", [[[0.315]], CONVERSION], [[err_out("NotAvailable")]]),
    ("band bad option", "KPI_BAND", [[[0.3]], CONVERSION, [["sideways"]]], [[err_out("Num")]]),
    ("band #SPILL! input", "KPI_BAND", [[[err_in("#SPILL!", "Spill")]], CONVERSION],
     [[err_out("Value")]]),
    ("rate agent A", "KPI_RATE", [[[88]], [[275]]], [[0.32]]),
    ("rate zero denominator", "KPI_RATE", [[[5]], [[0]]], [[0]]),
    ("rate from rich values", "KPI_RATE",
     [[[{"type": "Double", "basicValue": 88}]], [[{"type": "Double", "basicValue": 275}]]], [[0.32]]),
    ("rate: two cells for one", "KPI_RATE", [[[1, 2]], [[2]]], [[err_out("Value")]]),
    ("an int is a number, not a COM error", "KPI_RATE", [[[-2146826246]], [[2]]],
     [[err_out("Num")]]),
    ("weighted agent A, row by column", "KPI_WEIGHTED",
     [[[70, 100, 70, 90, 90, 80]], [[0.3], [0.25], [0.2], [0.1], [0.05], [0.05]]], [[77.5]]),
    ("final, middle args omitted", "KPI_FINAL", [[[80]], None, [[2]]], [[60]]),
    ("bonus", "KPI_BONUS", [[[80]], [[1000]]], [[800]]),
    ("year end, 70 is not below 70", "KPI_YEAR_END", [[[70, 70, 70, 69, 69, 80]]], [[True]]),
    ("year end, three in a row", "KPI_YEAR_END", [[[69, 60, 50]]], [[False]]),
    ("quadrant en", "KPI_QUADRANT", [[[0.35]], [[120]], [[0.4]], [[100]], [["en"]]],
     [["low conversion, high AOV"]]),
    ("suggest bands spills", "KPI_SUGGEST_BANDS", [HISTORY], None),
    ("check weights as published", "KPI_CHECK_WEIGHTS", [[[30, 25, 20, 10, 5, 5]]], None),
    ("check weights in Chinese", "KPI_CHECK_WEIGHTS", [[[30, 25, 20, 10, 5, 5]], [["zh"]]],
     [["权重合计为 95%，不是 100%。"]]),
    ("check bands in Chinese, closed omitted", "KPI_CHECK_BANDS", [CONVERSION, None, [["中文"]]],
     [["断档：31%–32% 不在任何区间内。"]]),
    ("check bands, unknown language", "KPI_CHECK_BANDS", [CONVERSION, None, [["fr"]]],
     [[err_out("Num")]]),
]

# The functions the list above does not reach yet, and blanks.
CALLS += [
    ("linear between two points", "KPI_LINEAR", [[[0.33]], [[0.25, 50], [0.41, 100]]], [[75]]),
    ("linear blank value", "KPI_LINEAR", [[[""]], [[0.25, 50], [0.41, 100]]], [[""]]),
    ("commission whole sales at the tier reached", "KPI_COMMISSION",
     [[[60000]], [[0, 0.03], [50000, 0.05]]], [[3000]]),
    ("tenure 9 months", "KPI_TENURE_BASE", [[[9]], [[3000]]], [[3300]]),
    ("tenure 2 months", "KPI_TENURE_BASE", [[[2]], [[3000]]], [[3000]]),
    ("cv of 10, 20, 30", "KPI_CV", [[[10, 20, 30]]], [[(200 / 3) ** 0.5 / 20]]),
    ("cv of blanks", "KPI_CV", [[[None, None]]], [[""]]),
    ("dsr two months", "KPI_DSR", [[[4.9], [5.0]], [[100], [300]]], [[4.975]]),
    ("dsr #N/A count", "KPI_DSR", [[[4.9]], [[err_in("#N/A", "NotAvailable")]]],
     [[err_out("NotAvailable")]]),
]
