"""kpi_xl.udfs under xlwings' Office.js runtime (xlwings Server, xlwings Lite).

One fresh interpreter, started with XLWINGS_ON_SERVER=true and xlwings' free
noncommercial licence key, imports the module with xlwings' Office.js decorators,
lists it with xlwings' own ``custom_functions_meta`` and sends Office.js-shaped
arguments through xlwings' own ``custom_functions_call`` -- the function xlwings
Server and Lite run for every custom-function call.  Results must be real values
and real Excel error values, never text that looks like an error.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpi_xl import registry

PROBE = Path(__file__).with_name("officejs_probe.py")
REPO = Path(__file__).resolve().parents[2]


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


@pytest.fixture(scope="module")
def probe():
    # the licence key is xlwings' free noncommercial one, which its Office.js code asks for
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    request = {"calls": [[func, args] for _, func, args, _ in CALLS]}
    done = subprocess.run([sys.executable, str(PROBE)], input=json.dumps(request), env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["on_server"] is True
    return out


def _result(probe, name):
    index = [c[0] for c in CALLS].index(name)
    answer = probe["results"][index]
    assert "raised" not in answer, answer["raised"]
    return answer["result"]


def test_all_functions_registered_with_names_and_help(probe):
    functions = {f["id"]: f for f in probe["meta"]["functions"]}
    assert sorted(functions) == sorted(f.name for f in registry.FUNCTIONS)
    assert len(functions) == 15
    for entry in registry.FUNCTIONS:
        meta = functions[entry.name]
        assert meta["name"] == entry.name  # no namespace in front
        assert meta["description"] == f"{entry.help_zh} / {entry.help_en}"
        params = meta["parameters"]
        assert [p["name"] for p in params] == [a.name for a in entry.args]
        for arg, param in zip(entry.args, params):
            assert param["description"] == f"{arg.help_zh} / {arg.help_en}"
            assert param.get("optional", False) is arg.optional
            assert not param.get("repeating", False)
    assert probe["meta"]["allowErrorForDataTypeAny"] is True  # error cells reach the functions


@pytest.mark.parametrize("name, expected", [(c[0], c[3]) for c in CALLS if c[3] is not None])
def test_officejs_call(probe, name, expected):
    result = _result(probe, name)
    if isinstance(expected[0][0], float):
        assert result == [[pytest.approx(expected[0][0])]]
    else:
        assert result == expected


def test_spilled_band_table(probe):
    table = _result(probe, "suggest bands spills")
    assert 2 <= len(table) <= 5 and all(len(row) == 3 for row in table)
    points = [row[2] for row in table]
    assert max(points) == 100 and min(points) == 50
    # open outer bounds are empty cells, the inner ones numbers inside the history
    bounds = [b for row in table for b in row[:2]]
    assert bounds.count("") == 2
    assert all(0.22 < b <= 0.45 for b in bounds if b != "")


def test_weights_message_is_text_with_the_sum(probe):
    [[message]] = _result(probe, "check weights as published")
    assert isinstance(message, str) and message != "OK" and "95" in message
