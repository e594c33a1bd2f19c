"""``kpi-xl fill`` with several jobs (``auto``, the default, gives several on a machine of
several CPUs) says what it says with one: the same problems, findings and files, in the
data's order of groups.  The published scheme's gap
(conversion 31 %–32 % in no band) is DOMAIN's; the rows are its worked example
(tpl_helpers.ABC)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd

from kpi_xl.cli import main
from kpi_xl.templates import TEMPLATE_DIR
from tpl_helpers import ABC, EN, needs_engine

ROOT = Path(__file__).resolve().parents[2]
CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
# `kpi-xl` as the command runs, the worker processes it forks counted by an audit hook.
DRIVER = """
import multiprocessing, sys
forks = []
sys.addaudithook(lambda event, args: forks.append(1) if event == "os.fork" else None)
from kpi_xl.cli import main
code = main(sys.argv[1:])
print("forks", len(forks), multiprocessing.get_start_method(), code)
"""


@needs_engine
def test_fill_says_the_same_whatever_the_number_of_jobs(tmp_path, capsys):
    """Three shops listed S2, S10, S1 (not the order of their file names), agent A of each in
    the conversion gap (87 / 275 = 31.6 %): the findings name the files in the data's order
    with one job, two, or the default."""
    template = tmp_path / "scheme.xlsx"
    shutil.copy(TEMPLATE_DIR / "en" / "cs_composite.xlsx", template)
    rows = []
    for shop in ("S2", "S10", "S1"):
        for row in ABC:
            rows.append([shop] + row[1:5] + ([87] if row[3] == "A" else [row[5]]) + row[6:])
    data = tmp_path / "d.csv"
    pd.DataFrame(rows, columns=EN).to_csv(data, index=False, encoding="utf-8-sig")
    said = {}
    for name, flags in (("one", ["--jobs", "1"]), ("two", ["--jobs", "2"]), ("auto", [])):
        out = tmp_path / name
        args = ["fill", str(template), str(data), "-o", str(out), "--by", "shop,month",
                "--quiet", *flags]
        if name == "auto":   # the default: in a process of its own, its workers counted
            run = subprocess.run([sys.executable, "-c", DRIVER, *args], cwd=ROOT,
                                 capture_output=True, text=True, timeout=300)
            *lines, last = run.stdout.splitlines(keepends=True)
            _, forks, method, code = last.split()
            if method == "fork":
                assert int(forks) == min(CPUS, 3)   # one worker per CPU, at most one per group
            assert int(code) == 1, run.stderr
            said[name] = ("".join(lines) + run.stderr).replace(str(out), "OUT")
        else:
            assert main(args) == 1
            got = capsys.readouterr()
            said[name] = (got.out + got.err).replace(str(out), "OUT")
        assert sorted(p.name for p in out.iterdir()) == [
            "scheme_S10_2025-10.xlsx", "scheme_S1_2025-10.xlsx", "scheme_S2_2025-10.xlsx"]
        wb = openpyxl.load_workbook(out / "scheme_S10_2025-10.xlsx", data_only=True)
        assert wb["Results"]["B5"].value == "#N/A"   # A's conversion points, in the gap
    gap = [line.split(",")[0] for line in said["one"].splitlines()
           if "(agent 'A') are #N/A" in line]
    assert gap == ["scheme_S2_2025-10.xlsx", "scheme_S10_2025-10.xlsx", "scheme_S1_2025-10.xlsx"]
    assert said["two"] == said["one"]
    assert said["auto"] == said["one"]
