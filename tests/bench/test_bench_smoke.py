"""The benchmark runs end to end on small workloads, and its check can fail.

The full benchmark (with LibreOffice) is ``python bench/run_bench.py``; here only
kpi-xl and the I/O floor run, on the --quick workloads, so it stays fast.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

import kpi_workbook as kw  # noqa: E402
import run_bench  # noqa: E402


def _run_quick(work):
    return subprocess.run([sys.executable, str(BENCH / "run_bench.py"), "--quick", "--no-libreoffice",
                           "--repeat", "1", "--work", str(work)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_quick_run_agrees_and_matches_domain(tmp_path):
    proc = _run_quick(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Check: all results identical" in proc.stdout
    for key in ("W1", "W2", "W3", "W7"):
        assert f"{key}: results identical across kpi-xl recalc" in proc.stdout
    assert "kpi-xl recalc --jobs 2" in proc.stdout
    # The peers take part where installed, and are checked like the others.
    identical = next(line for line in proc.stdout.splitlines() if line.startswith("W1: results identical"))
    for peer in run_bench.PEERS:
        if run_bench.peer_version(peer):
            assert f", {peer} " in identical, identical
    # The KPI_BAND twin computes the LOOKUP workbook's values (checked against the floor above)
    # and is timed against it.
    assert "W7 KPI_BAND no slower than its LOOKUP twin W1" in proc.stdout
    assert "raw floor (lxml+zip)" in proc.stdout

    # DOMAIN.md's agents A, B, C, by hand: totals 77.5, 74 (B's 23 returns score 0 under
    # the table as written), 77.5; bonus base 2000, 70 <= total < 90 -> total % of it.
    out = next((tmp_path / "W1" / "out" / "kpi-xl").glob("*.xlsx"))
    ws = load_workbook(out, data_only=True)[kw.APPRAISAL]
    r = kw.FIRST_AGENT_ROW
    assert [ws[f"V{r + i}"].value for i in range(3)] == [77.5, 74, 77.5]
    assert [ws[f"W{r + i}"].value for i in range(3)] == [1550, 1480, 1550]
    assert [ws[f"P{r}"].value, ws[f"Q{r}"].value, ws[f"R{r}"].value,
            ws[f"S{r}"].value, ws[f"T{r}"].value, ws[f"U{r}"].value] == [70, 100, 70, 90, 90, 80]
    # The formulas themselves are kept beside the values.
    assert load_workbook(out)[kw.APPRAISAL][f"X{r}"].value.startswith("=RANK(")

    # A wrong value in one contender's output is reported with its cell and formula.
    w = run_bench.Workload("W1", "1 workbook x 200 agents", 1, 200)
    run_bench.WORK = tmp_path
    wb = load_workbook(out, data_only=True)
    wb[kw.APPRAISAL][f"X{r + 5}"] = 9999
    wb.save(out)
    problems = run_bench.check_results(w, [run_bench.Contender("kpi-xl", "kpi-xl recalc", "kpi-xl"),
                                           run_bench.Contender("floor", "floor", "floor")])
    assert len(problems) == 1, problems
    assert f"{kw.APPRAISAL}!X{r + 5} =RANK(V{r + 5},$V$4:$V$203): kpi-xl=9999" in problems[0]
