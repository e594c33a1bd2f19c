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


from officejs_calls import CALLS, assert_result  # noqa: E402  (beside this file)


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
    assert_result(_result(probe, name), expected)


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
