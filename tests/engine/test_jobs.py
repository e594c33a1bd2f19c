"""``--jobs``: a number or ``auto`` (the default) for ``kpi-xl recalc`` and ``kpi-xl fill``.

``auto`` is one worker per usable CPU, at most one per workbook and 4, fewer when the
workers' estimated memory (50 times the largest input's size each) would pass half of
what is available.  The early warnings of unknown functions are said with any number of
workers, each file's once.  Workbooks are written with openpyxl (test_batch.build_book,
whose scores are worked by hand there: 70, 90, 60) and recalculated by real processes;
the worker processes a run starts are counted by an audit hook on ``os.fork``.  What
``fill`` says with several jobs: tests/templates/test_templates_fill_jobs.py.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpi_xl.cli import build_parser
from kpi_xl.engine.batch import AUTO_JOBS_MAX, auto_jobs, available_memory
from test_batch import build_book, read_points

ROOT = Path(__file__).resolve().parents[2]
CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
UNKNOWN = "unknown function NOT_A_FUNCTION (will show #NAME?) in Agents!E2, Agents!E3, Agents!E4"


# -- the flag --------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["recalc", "in/", "-o", "out/"], ["fill", "t.xlsx", "d.csv",
                                                                         "-o", "out/"]])
def test_jobs_is_auto_unless_a_number_is_given(command):
    parser = build_parser()
    assert parser.parse_args(command).jobs == "auto"
    assert parser.parse_args(command + ["--jobs", "auto"]).jobs == "auto"
    assert parser.parse_args(command + ["--jobs", "1"]).jobs == 1
    assert parser.parse_args(command + ["-j", "3"]).jobs == 3


@pytest.mark.parametrize("command", ["recalc", "fill"])
@pytest.mark.parametrize("value", ["0", "-2", "x", "2.5", ""])
def test_jobs_that_is_not_a_count_is_refused_with_a_sentence(command, value, capsys):
    args = ["recalc", "in/", "-o", "out/"] if command == "recalc" else ["fill", "t.xlsx", "d.csv",
                                                                        "-o", "out/"]
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(args + ["--jobs", value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert (f"kpi-xl {command}: error: argument -j/--jobs: expected a whole number of 1 or "
            f"more, or auto, not {value!r}.") in err
    assert "Traceback" not in err


# -- the choice ------------------------------------------------------------------------------

def files(folder, *sizes):
    """Real files of these sizes in bytes."""
    folder.mkdir(exist_ok=True)
    paths = []
    for i, size in enumerate(sizes):
        path = folder / f"book{i}.xlsx"
        path.write_bytes(b"x" * size)
        paths.append(path)
    return paths


PLENTY = 1 << 40   # bytes: the memory rule lowers nothing


def test_auto_is_one_per_cpu_at_most_one_per_file_and_four(tmp_path):
    assert auto_jobs(files(tmp_path / "one", 1000), mem_available=PLENTY) == 1
    assert auto_jobs(files(tmp_path / "three", 1000, 1000, 1000), mem_available=PLENTY) == min(CPUS, 3)
    many = files(tmp_path / "many", *[1000] * 12)
    assert auto_jobs(many, mem_available=PLENTY) == min(CPUS, 4) == min(CPUS, AUTO_JOBS_MAX)
    # fill: one template, as many workbooks to write as groups
    assert auto_jobs(many[:1], tasks=2, mem_available=PLENTY) == min(CPUS, 2)


def test_auto_is_never_below_one(tmp_path):
    paths = files(tmp_path, 1000, 1000)
    assert auto_jobs(paths, mem_available=0) == 1
    assert auto_jobs(paths, tasks=0, mem_available=PLENTY) == 1
    assert auto_jobs([], mem_available=PLENTY) == 1
    assert auto_jobs([tmp_path / "missing.xlsx"], mem_available=PLENTY) == 1


def test_auto_is_lowered_to_what_half_the_available_memory_holds(tmp_path):
    # The largest file is 100,000 bytes: a worker is estimated at 50 × 100,000 = 5 MB.
    paths = files(tmp_path, 20_000, 100_000, 20_000, 20_000)
    # Half of 10 MB holds one worker, half of 20.5 MB two, half of 9.9 MB one (never none).
    assert auto_jobs(paths, mem_available=10_000_000) == 1
    assert auto_jobs(paths, mem_available=20_500_000) == min(CPUS, 2)
    assert auto_jobs(paths, mem_available=9_900_000) == 1
    # The largest file decides, not the first nor their sum (16 MB for 3 workers of 5 MB).
    assert auto_jobs(paths, mem_available=32_000_000) == min(CPUS, 3)


def test_available_memory_is_read_from_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:        8000000 kB\nMemFree:          100000 kB\n"
                       "MemAvailable:     300000 kB\n")
    assert available_memory(meminfo) == 300000 * 1024
    meminfo.write_text("MemTotal:        8000000 kB\n")   # a kernel without the line
    assert available_memory(meminfo) is None
    assert available_memory(tmp_path / "no such file") is None   # macOS, Windows
    if os.path.exists("/proc/meminfo"):
        assert available_memory() > 0


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


def test_a_folder_is_recalculated_by_several_workers_and_warns_once(tmp_path):
    run, forks, method, inp = recalc_folder(tmp_path)
    # said before calculating, once, for the file calling it and no other
    assert warnings(run) == [f"{inp / 'b.xlsx'}: {UNKNOWN}"]
    assert "b.xlsx: unknown function NOT_A_FUNCTION (shows #NAME?)" in run.stdout
    if method == "fork":
        assert forks == min(CPUS, 3)   # one worker per CPU, at most one per file


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
