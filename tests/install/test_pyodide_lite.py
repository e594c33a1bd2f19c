"""kpi_xl in xlwings Lite's runtime: real Pyodide (npm ``pyodide``) under Node.

``pyodide_lite.mjs`` starts Pyodide, installs kpi_xl's wheel with micropip as Lite does
for a line ``kpi_xl`` in requirements.txt, imports ``from kpi_xl.udfs import *`` as the
custom-functions module of xlwings' wasm runtime (``xlwings_server/wasm/wasm_runtime.py``,
the same code xlwings Lite runs), and calls every call of tests/excel/officejs_calls.py
through that runtime's ``custom_functions_call``.

Only the PyPI and npm registries are reachable here, not Pyodide's CDN, so micropip
itself comes from its PyPI wheel and xlwings from its pure-Python wheel on PyPI, both
as local files; kpi_xl's wheel must need nothing else.  .ci/run installs the npm
package and downloads the wheels; the test skips, naming what is missing, without them.
"""
from __future__ import annotations

import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import xlwings

from kpi_xl import registry

pytestmark = pytest.mark.runtimes

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("pyodide_lite.mjs")
CACHE = Path(os.environ.get("KPI_XL_CI_CACHE", Path.home() / ".cache" / "kpi_xl-ci"))
PYODIDE_DIR = CACHE / "node" / "node_modules" / "pyodide"
LITE_WHEELS = CACHE / "lite-wheels"
HEAVY = ("pandas", "numpy", "scipy", "formulas", "lxml", "openpyxl", "schedula")

_spec = importlib.util.spec_from_file_location("officejs_calls", REPO / "tests/excel/officejs_calls.py")
officejs_calls = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(officejs_calls)
CALLS = officejs_calls.CALLS


def _need(condition, reason):
    if not condition:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    _need(shutil.which("node"), "Node.js is not installed")
    _need((PYODIDE_DIR / "pyodide.mjs").is_file(),
          f"the npm package pyodide is not installed under {PYODIDE_DIR.parent} (.ci/run installs it)")
    server = importlib.util.find_spec("xlwings_server")
    _need(server is not None, "xlwings-server, which carries xlwings' wasm runtime, is not installed")
    micropip = glob.glob(str(LITE_WHEELS / "micropip-*-py3-none-any.whl"))
    xlwings_wheel = glob.glob(str(LITE_WHEELS / f"xlwings-{xlwings.__version__}-py3-none-any.whl"))
    _need(micropip and xlwings_wheel, f"the micropip and xlwings {xlwings.__version__} wheels are "
                                      f"not in {LITE_WHEELS} (.ci/run downloads them)")
    dist = tmp_path_factory.mktemp("lite_dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    (kpi_wheel,) = dist.glob("kpi_xl-*.whl")
    arity = {e.name: len(e.args) for e in registry.FUNCTIONS}
    request = {
        "pyodide_dir": str(PYODIDE_DIR), "micropip_wheel": micropip[0],
        # xlwings first, from its local wheel: micropip then finds kpi_xl's one requirement met
        "wheels": [xlwings_wheel[0], str(kpi_wheel)],
        "runtime_dir": str(Path(server.origin).parent / "wasm"),
        # Office.js hands every declared parameter over, an omitted one as null
        "calls": [[func, list(args) + [None] * (arity[func] - len(args))] for _, func, args, _ in CALLS],
    }
    done = subprocess.run(["node", str(SCRIPT)], input=json.dumps(request), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_lite_install_set_is_kpi_xl_and_xlwings_only(lite):
    assert lite["python"].startswith("3.")
    assert sorted(lite["installed"]) == ["kpi-xl", "xlwings"]
    assert not [m for m in lite["loaded"] if m.split(".")[0] in HEAVY]


def test_every_catalogue_function_is_called(lite):
    assert {c[1] for c in CALLS} == {e.name for e in registry.FUNCTIONS}
    assert len(lite["results"]) == len(CALLS)


@pytest.mark.parametrize("index", range(len(CALLS)), ids=[c[0] for c in CALLS])
def test_call_through_the_wasm_runtime(lite, index):
    _, _, _, expected = CALLS[index]
    result = lite["results"][index]
    assert not (isinstance(result, dict) and "error" in result), result
    officejs_calls.assert_result(result, expected)


def test_suggested_bands_spill(lite):
    index = [c[0] for c in CALLS].index("suggest bands spills")
    table = lite["results"][index]
    assert 2 <= len(table) <= 5 and all(len(row) == 3 for row in table)
    assert max(r[2] for r in table) == 100 and min(r[2] for r in table) == 50
    assert [b for r in table for b in r[:2]].count("") == 2
