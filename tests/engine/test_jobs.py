"""Early warnings of unknown functions with several workers: each file's said once.

Workbooks are written with openpyxl (test_batch.build_book, whose scores are worked by
hand there: 70, 90, 60) and recalculated by real processes; the worker processes a run
starts are counted by an audit hook on ``os.fork``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from test_batch import build_book, read_points

ROOT = Path(__file__).resolve().parents[2]
CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
UNKNOWN = "unknown function NOT_A_FUNCTION (will show #NAME?) in Agents!E2, Agents!E3, Agents!E4"


# -- recalc end to end -----------------------------------------------------------------------

# Runs `kpi-xl recalc` as the command does (its workers started as the first argument
# says, "" for the platform's way), and counts the worker processes it forks.
DRIVER = """
import multiprocessing, sys
start = sys.argv.pop(1)
if start:
    multiprocessing.set_start_method(start)
forks = []
sys.addaudithook(lambda event, args: forks.append(1) if event == "os.fork" else None)
from kpi_xl.cli import main
code = main(sys.argv[1:])
print("forks", len(forks), multiprocessing.get_start_method(), code)
"""


def recalc_folder(tmp_path, *flags, start=""):
    """Three workbooks, the second calling a function nobody defines; returns the run."""
    inp = tmp_path / "in"
    inp.mkdir()
    build_book(inp / "a.xlsx")
    build_book(inp / "b.xlsx", "NOT_A_FUNCTION({v})")
    build_book(inp / "c.xlsx")
    run = subprocess.run([sys.executable, "-c", DRIVER, start, "recalc", str(inp), "-o",
                          str(tmp_path / "out"), *flags], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    *summary, last = run.stdout.splitlines()
    _, forks, method, code = last.split()
    assert code == "0", run.stdout + run.stderr
    # written, with the values worked by hand; the unknown function's cells show #NAME?
    for name in ("a", "c"):
        assert read_points(tmp_path / "out" / f"{name}.xlsx") == [70, 90, 60]
    assert read_points(tmp_path / "out" / "b.xlsx") == ["#NAME?"] * 3
    assert summary[-1].startswith("3 of 3 workbooks recalculated, 18 formula cells, in ")
    return run, int(forks), method, inp


def warnings(run):
    return [line.strip() for line in run.stderr.splitlines() if "will show #NAME?" in line]


def test_several_jobs_keep_each_files_early_warnings(tmp_path):
    # Three workers, one file each: each file's early report arrives whole, none is lost.
    run, forks, method, inp = recalc_folder(tmp_path, "--jobs", "3")
    assert warnings(run) == [f"{inp / 'b.xlsx'}: {UNKNOWN}"]
    if method == "fork":
        assert forks == 3


def test_one_job_recalculates_one_file_after_the_other_as_before(tmp_path):
    run, forks, method, inp = recalc_folder(tmp_path, "--jobs", "1")
    assert warnings(run) == [f"{inp / 'b.xlsx'}: {UNKNOWN}"]
    if method == "fork":
        assert forks == 1   # the default time limit: one worker, the files in turn


def test_workers_started_afresh_report_early_too(tmp_path):
    # macOS and Windows start workers as new interpreters ("spawn"): what a worker is given
    # must pass to it pickled, which the command line's printing function cannot.
    run, forks, method, inp = recalc_folder(tmp_path, start="spawn")
    assert method == "spawn" and forks == 0
    assert warnings(run) == [f"{inp / 'b.xlsx'}: {UNKNOWN}"]


def test_the_library_hands_early_reports_back_from_several_workers(tmp_path):
    from kpi_xl.engine.batch import plan_outputs, recalc_many
    books = [build_book(tmp_path / "a.xlsx"), build_book(tmp_path / "b.xlsx", "NOT_A_FUNCTION({v})"),
             build_book(tmp_path / "c.xlsx"), build_book(tmp_path / "d.xlsx", "NOT_A_FUNCTION({v})")]
    scanned, finished = [], []
    results = recalc_many(plan_outputs(books, tmp_path / "out"), jobs=2, on_scan=scanned.append,
                          on_result=finished.append)
    assert [r.path for r in results] == [str(b) for b in books]   # input order
    assert sorted(r.path for r in finished) == sorted(str(b) for b in books)
    # each file with something unknown once, in the order the workers reached them
    assert sorted(r.path for r in scanned) == [str(books[1]), str(books[3])]
    assert all(r.unknown_functions == {"NOT_A_FUNCTION": ["Agents!E2", "Agents!E3", "Agents!E4"]}
               for r in scanned)
