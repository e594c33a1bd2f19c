"""The benchmark's parts: the cap, the raw floor, the peers' driver, the report.

Figures in the report tests are worked by hand from the times put in; the peer
test checks the peer's output against DOMAIN.md's published totals, not against
kpi-xl.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from argparse import Namespace
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

import kpi_workbook as kw  # noqa: E402
import run_bench as rb  # noqa: E402
from measure import run_measured  # noqa: E402


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child not yet reaped by its (also killed) parent is a zombie: gone all the same.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_command_over_its_cap_is_killed_with_its_children(tmp_path):
    pid_file = tmp_path / "child.pid"
    script = f"sleep 60 & echo $! > {pid_file}; wait"
    t0 = time.monotonic()
    m = run_measured(["bash", "-c", script], timeout=1.0)
    assert time.monotonic() - t0 < 15
    assert m.timed_out and m.returncode != 0
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the grandchild outlived the cap"


def test_a_command_within_its_cap_is_measured():
    m = run_measured([sys.executable, "-c", "print(sum(range(10**6)))"], timeout=60)
    assert not m.timed_out and m.returncode == 0
    assert m.stdout.strip() == str(sum(range(10**6)))
    assert m.seconds > 0 and m.cpu_seconds > 0 and m.peak_mb > 1


def test_raw_floor_rewrites_every_part_and_keeps_the_sheets(tmp_path):
    src = kw.build_workbook(tmp_path / "in" / "book.xlsx", 20, seed=7)
    proc = subprocess.run([sys.executable, str(BENCH / "raw_floor.py"), "-o", str(tmp_path / "out"),
                           str(tmp_path / "in")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    dst = tmp_path / "out" / "book.xlsx"
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            info = b.getinfo(name)
            assert info.compress_type == zipfile.ZIP_DEFLATED
            if name.startswith("xl/worksheets/"):
                # Same tree, element for element, after the parse and the serialisation.
                ta, tb = etree.fromstring(a.read(name)), etree.fromstring(b.read(name))
                assert etree.tostring(ta, method="c14n") == etree.tostring(tb, method="c14n")
            else:
                assert a.read(name) == b.read(name)
    # Still a workbook: the formulas are there (without values: the floor computes nothing).
    ws = load_workbook(dst)[kw.APPRAISAL]
    assert ws[f"V{kw.FIRST_AGENT_ROW}"].value.startswith("=ROUND(SUMPRODUCT(")


@pytest.mark.parametrize("engine", ["formualizer", "ironcalc"])
def test_peer_driver_writes_the_domain_totals(tmp_path, engine):
    pytest.importorskip(engine)
    kw.build_workbook(tmp_path / "in" / "book.xlsx", 10, seed=3)
    proc = subprocess.run([sys.executable, str(BENCH / "peer_run.py"), engine, "-o", str(tmp_path / "out"),
                           str(tmp_path / "in")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    ws = load_workbook(tmp_path / "out" / "book.xlsx", data_only=True)[kw.APPRAISAL]
    r = kw.FIRST_AGENT_ROW
    # DOMAIN.md's agents A, B, C: 77.5, 74, 77.5; bonus 77.5 % / 74 % of 2000.
    assert [ws[f"V{r + i}"].value for i in range(3)] == [77.5, 74, 77.5]
    assert [ws[f"W{r + i}"].value for i in range(3)] == [1550, 1480, 1550]


def test_peer_driver_names_the_file_it_could_not_read(tmp_path):
    pytest.importorskip("ironcalc")
    bad = tmp_path / "in" / "broken.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(b"not a zip file")
    proc = subprocess.run([sys.executable, str(BENCH / "peer_run.py"), "ironcalc", "-o", str(tmp_path / "out"),
                           str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "broken.xlsx" in proc.stderr and "Traceback" not in proc.stderr


def _row(w, key, kind, wall, cpu, peak=50.0, jobs=1, timed_out=False):
    r = rb.Row(w, rb.Contender(key, key, kind, jobs))
    if timed_out:
        r.failed, r.timed_out = "killed after 300 s", True
    else:
        r.seconds, r.cpu, r.peaks = [wall, wall * 1.5], [cpu], [peak]
    return r


def test_report_ratios_and_targets_worked_by_hand():
    big = rb.Workload("W4", "1 workbook x 20,000 agents", 1, 20_000)
    many = rb.Workload("W2", "100 workbooks x 50 agents", 100, 50)
    twin = rb.Workload("W7", "twin", 1, 20_000, kpi_band=True, twin_of="W4")
    rows = [
        _row(big, "kpi-xl", "kpi-xl", 4.0, 3.0, peak=120.0),
        _row(big, "formualizer", "peer", 2.0, 1.5),
        _row(big, "ironcalc", "peer", 0, 0, timed_out=True),
        _row(big, "raw", "raw", 1.6, 1.2),
        _row(many, "kpi-xl", "kpi-xl", 10.0, 9.0),
        _row(many, "kpi-xl-j2", "kpi-xl", 6.0, 9.5, jobs=2),
        _row(many, "libreoffice", "lo", 20.0, 18.0),
        _row(twin, "kpi-xl", "kpi-xl", 5.0, 3.6),
    ]
    xml = {"W4": 40.0, "W2": 0.2, "W7": 40.0}
    peers = rb.peer_table(rows, 300)
    # formualizer 2.0 / 4.0 s wall, 1.5 / 3.0 s CPU; LibreOffice 20 / 10 and 18 / 9.
    assert "| 0.50 / 0.50 |" in peers
    assert "2.00 / 2.00" in peers
    assert "> 300 s (cap)" in peers
    ver = rb.verdicts(rows, 300, xml)
    assert "W4 faster than every contender (one job, 4.00 s wall, 3.00 s CPU): MISSED, faster: formualizer 2.00 s" in ver
    assert "W2 faster than every contender (one job, 10.00 s wall, 9.00 s CPU): MET; on CPU time MET" in ver
    # 10 / 6 = 1.67 ≥ 1.6; 4.0 / 1.6 = 2.5 > 2; 120 MB / 40 MB = 3 > 2; 5.0 / 4.0 = 1.25 > 1.
    assert "W2 --jobs 2 scaling ≥ 1.6× (0.8·N): MET (1.67× wall" in ver
    assert "W4 within 2× of the raw floor: MISSED (2.50× wall, 2.50× CPU)" in ver
    assert "W4 peak memory ≤ 2× the unpacked XML: MISSED (120 MB vs 40.0 MB of XML, 3.00×)" in ver
    assert "W7 KPI_BAND no slower than its LOOKUP twin W4: MISSED (5.00 vs 4.00 s wall, 1.25×" in ver
    tbl = rb.table(rows, 300, xml)
    assert "| W4 1 workbook x 20,000 agents | ironcalc | > 300 s (cap) |" in tbl
    # kpi-xl: 120 MB / 40 MB; 4.0 / 1.6 wall; 3.0 / 1.2 CPU.
    assert "| W4 1 workbook x 20,000 agents | kpi-xl | 4.00 | 3.00 | 120 | 3.00 | 2.50 | 2.50 | — |" in tbl


def test_results_section_replaces_its_own_part_only(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\nA section of another script.\n\n" + rb.BEGIN + "\nold figures\n" + rb.END
                    + "\n\n## Metrics\n\nkept too\n", encoding="utf-8")
    w = rb.Workload("W1", "1 workbook x 10 agents", 1, 10)
    args = Namespace(quick=True, only=None, cap=300.0, repeat=1)
    rb.write_results(path, [w], "TABLE", "PEERS", "VERDICTS", [], [], "", {"formualizer": "0.13.0"},
                     1.0, 2.0, args, {"W1": 0.1})
    text = path.read_text(encoding="utf-8")
    assert "A section of another script." in text and "## Metrics\n\nkept too" in text
    assert "old figures" not in text
    assert text.count(rb.BEGIN) == 1 and "TABLE" in text and "formualizer 0.13.0" in text


def test_a_partial_results_section_says_so_and_the_final_one_replaces_it(tmp_path):
    path = tmp_path / "RESULTS.md"
    w1, w2 = rb.Workload("W1", "1 x 10", 1, 10), rb.Workload("W2", "2 x 10", 2, 10)
    args = Namespace(quick=False, only=None, cap=300.0, repeat=2)
    rb.write_results(path, [w1], "T1", "P1", "V1", [], [], "", {}, 1.0, 1.0, args, {"W1": 0.1}, partial=2)
    assert "**Partial: 1 of 2 workloads measured so far.**" in path.read_text(encoding="utf-8")
    rb.write_results(path, [w1, w2], "T2", "P2", "V2", [], [], "", {}, 1.0, 1.0, args, {"W1": 0.1, "W2": 0.1})
    text = path.read_text(encoding="utf-8")
    assert "Partial" not in text and "T1" not in text and "T2" in text


def test_a_contender_that_exits_0_without_writing_every_output_has_failed(tmp_path, monkeypatch):
    monkeypatch.setattr(rb, "WORK", tmp_path)
    w = rb.Workload("W2", "3 x 5", 3, 5)
    c = rb.Contender("libreoffice", "LibreOffice headless", "lo")
    for name in ("shop0001.xlsx", "shop0002.xlsx", "shop0003.xlsx"):
        kw.build_workbook(w.inputs / name, 5, seed=1)
    w.out(c.key).mkdir(parents=True)
    (w.out(c.key) / "shop0001.xlsx").write_bytes(b"x")
    assert rb.missing_outputs(w, c) == "exit 0 but wrote 1 of 3 workbooks (first missing: shop0002.xlsx)"
    for name in ("shop0002.xlsx", "shop0003.xlsx"):
        (w.out(c.key) / name).write_bytes(b"x")
    assert rb.missing_outputs(w, c) == ""


def test_libreoffice_gets_many_files_in_batches_each_file_once(tmp_path, monkeypatch):
    monkeypatch.setattr(rb, "WORK", tmp_path)
    monkeypatch.setattr(rb, "LO_CHUNK", 2)
    monkeypatch.setattr(rb, "soffice", lambda: "/usr/bin/soffice")
    w = rb.Workload("W6", "5 x 5", 5, 5)
    w.inputs.mkdir(parents=True)
    names = [f"shop{i:04d}.xlsx" for i in range(1, 6)]
    for name in names:
        (w.inputs / name).write_bytes(b"x")
    cmd = rb.command(rb.Contender("libreoffice", "LibreOffice headless", "lo"), w)
    assert cmd[:2] == ["/bin/sh", "-c"]
    calls = cmd[2].split(" && ")
    assert len(calls) == 3 and all(call.startswith("/usr/bin/soffice ") for call in calls)
    assert [sum(call.count(n) for call in calls) for n in names] == [1] * 5


def test_lookup_bench_tables_hold_what_their_formulas_find(tmp_path):
    # The lookup bench's workbooks, small: kpi-xl's answers worked from the table itself
    # (each agent's amount, row, count; its October sum and its count over 500).
    import lookup_bench as lb
    from kpi_xl.engine import recalc_file
    from kpi_xl.engine.xlsx_read import read_workbook
    for kind in ("lookups", "sums"):
        src = tmp_path / f"{kind}.xlsx"
        lb.build(src, 300, kind)
        recalc_file(src, tmp_path / f"out_{kind}.xlsx")
        book = read_workbook(tmp_path / f"out_{kind}.xlsx")
        data = book.sheet("data").values
        rows = {data[(r, 1)]: (r, data[(r, 2)], data[(r, 3)]) for r in range(1, 301)}
        got = book.sheet("q").cached
        for i in range(1, 301):
            r, month, amount = rows[book.sheet("q").values[(i, 1)]]
            if kind == "lookups":
                assert (got[(i, 2)], got[(i, 3)], got[(i, 4)]) == (amount, r, 1)
            else:
                assert got[(i, 2)] == (amount if month == "2025-10" else 0)
                assert got[(i, 3)] == (1 if amount > 500 else 0)
