"""kpi_xl.udfs served by the real xlwings Server (PyPI ``xlwings-server``) on loopback.

The server runs as xlwings documents it: a project folder whose ``custom_functions``
module is ``from kpi_xl.udfs import *``.  The test sends what the add-in's Office.js
client (``static/js/custom-functions/custom-functions-code.js`` of xlwings-server)
POSTs to ``/xlwings/custom-functions-call`` for every call of
tests/excel/officejs_calls.py -- every catalogue function, spills, blanks and
errors -- and compares the JSON Excel would receive.  The server runs in its dev
environment, whose manifest puts the functions under the namespace XLWINGS_DEV.
"""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kpi_xl import registry

pytestmark = pytest.mark.runtimes

REPO = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("xlwings_server") is None:
    pytest.skip("xlwings-server is not installed (.ci/run installs xlwings-server==1.20.0)",
                allow_module_level=True)

_spec = importlib.util.spec_from_file_location("officejs_calls", REPO / "tests/excel/officejs_calls.py")
officejs_calls = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(officejs_calls)
CALLS = officejs_calls.CALLS
TIMEOUT = 30  # seconds for one request


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    project = tmp_path_factory.mktemp("xlwings_server_project")
    (project / "custom_functions").mkdir()
    (project / "custom_functions" / "__init__.py").write_text("from kpi_xl.udfs import *\n")
    (project / "custom_scripts").mkdir()
    (project / "custom_scripts" / "__init__.py").write_text("")
    port = _free_port()
    env = dict(os.environ, XLWINGS_PROJECT_DIR=str(project), XLWINGS_ENVIRONMENT="dev",
               # xlwings' free noncommercial key; commercial use needs a paid one
               XLWINGS_LICENSE_KEY="noncommercial", XLWINGS_ENABLE_SOCKETIO="false",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    log = open(project / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "xlwings_server.main:main_app",
                             "--host", "127.0.0.1", "--port", str(port)],
                            cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _get(base + "/xlwings/custom-functions-meta")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise AssertionError("xlwings Server did not start:\n"
                                         + (project / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


def call(base, func_name, args, runtime="1.4"):
    """One custom-function call as the Office.js client sends it."""
    entry = next(e for e in registry.FUNCTIONS if e.name == func_name)
    # Office.js hands every declared parameter over, an omitted one as null.
    args = list(args) + [None] * (len(entry.args) - len(args))
    import xlwings
    body = {"client": "Office.js", "func_name": func_name, "args": args,
            "caller_address": "[KPI.xlsx]考核结果!C5", "session_id": "test-session",
            "culture_info_name": "zh-CN", "date_format": "yyyy/m/d",
            "version": xlwings.__version__, "runtime": runtime}
    request = urllib.request.Request(base + "/xlwings/custom-functions-call",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": "", "Auth-Provider": ""})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        assert response.status == 200
        return json.loads(response.read())["result"]


def test_meta_lists_every_catalogue_function(server):
    meta = json.loads(_get(server + "/xlwings/custom-functions-meta"))
    assert sorted(f["id"] for f in meta["functions"]) == sorted(e.name for e in registry.FUNCTIONS)
    assert meta["allowErrorForDataTypeAny"] is True


def test_every_catalogue_function_is_called(server):
    assert {c[1] for c in CALLS} == {e.name for e in registry.FUNCTIONS}


def test_dev_manifest_names_the_namespace(server):
    manifest = _get(server + "/manifest")
    assert "XLWINGS_DEV" in manifest


@pytest.mark.parametrize("name,func,args,expected", CALLS, ids=[c[0] for c in CALLS])
def test_call_through_the_server(server, name, func, args, expected):
    officejs_calls.assert_result(call(server, func, args), expected)


def test_suggested_bands_spill(server):
    history = [[0.22, 0.25, 0.28, 0.30, 0.31, 0.33, 0.35, 0.36, 0.38, 0.40, 0.42, 0.45]]
    table = call(server, "KPI_SUGGEST_BANDS", [history])
    assert 2 <= len(table) <= 5 and all(len(row) == 3 for row in table)
    assert max(r[2] for r in table) == 100 and min(r[2] for r in table) == 50
    assert [b for r in table for b in r[:2]].count("") == 2  # open outer bounds are blank cells


def test_before_runtime_1_4_errors_arrive_as_text(server):
    """Excel without custom-functions runtime 1.4 (Excel 2021 and older) gets the text."""
    conversion = [[0.41, None, 100], [0.38, 0.41, 90], [0.32, 0.35, 70], [0.28, 0.31, 60]]
    assert call(server, "KPI_BAND", [[[0.315]], conversion], runtime="1.3") == [["#N/A"]]
    assert call(server, "KPI_BAND", [[[0.315]], conversion], runtime="1.4") == \
        [[{"type": "Error", "errorType": "NotAvailable"}]]
