"""``kpi-xl demo``, run as a user runs it, checked against DOMAIN.md's worked example.

The composite customer-service model scores agents A, B and C.  Under the tables as
published (weights adding up to 95 %), Σ points × weight gives A 77.5 and C 77.5; B's 23
returns fall in the "≥ 20 → 0" band, so B scores 74, not the published 77.  The published
tables also hold a gap in the conversion bands (31 %–32 %) and an overlap in the payment
bands (60 %–65 %), which the scheme's check cells must point out.
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from openpyxl import load_workbook

# Points per KPI under the tables as written (DOMAIN.md), and the weights as published.
WEIGHTS = [0.30, 0.25, 0.20, 0.10, 0.05, 0.05]
POINTS = {"A": [70, 100, 70, 90, 90, 80],
          "B": [90, 80, 60, 100, 100, 0],    # 23 returns ≥ 20 → 0, not the published 60
          "C": [60, 90, 100, 80, 80, 100]}


def _by_hand(agent):
    return round(sum(p * w for p, w in zip(POINTS[agent], WEIGHTS)), 9)


def test_hand_worked_totals():
    assert (_by_hand("A"), _by_hand("B"), _by_hand("C")) == (77.5, 74.0, 77.5)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "files"
    run = subprocess.run([sys.executable, "-m", "kpi_xl.cli", "demo", "-o", str(out)],
                         capture_output=True, text=True, timeout=600)
    return run, out


def test_demo_succeeds(demo):
    run, _ = demo
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("agent", ["A", "B", "C"])
def test_demo_prints_the_worked_example_totals(demo, agent):
    run, _ = demo
    m = re.search(rf"agent {agent}: total ([\d.]+), rank (\d+)", run.stdout)
    assert m, run.stdout
    assert float(m.group(1)) == _by_hand(agent)
    # A and C tie at 77.5 for first place; B follows in third.
    assert int(m.group(2)) == {"A": 1, "C": 1, "B": 3}[agent]


def test_demo_names_the_mistakes_of_the_published_tables(demo):
    run, _ = demo
    # Part 1 lists the scheme's check cells that are not OK, one "方案!CELL: message" a line.
    part1 = run.stdout.split("\n2. ")[0]
    checks = [line for line in part1.splitlines() if line.strip().startswith("方案!")]
    text = "\n".join(checks)
    assert "95%" in text                       # weights add up to 95 %
    assert "31%–32%" in text                   # gap in the conversion bands
    assert "60%–65%" in text                   # overlap in the payment bands
    assert len(checks) == 3, text


def _result_rows(path):
    """Agent rows of the results sheet (考核结果): name, six points, total."""
    wb = load_workbook(path, data_only=True, read_only=True)
    rows = [r[:8] for r in wb["考核结果"].iter_rows(values_only=True)
            if r and isinstance(r[0], str) and len(r) > 7 and isinstance(r[7], (int, float))]
    wb.close()
    return rows


def test_demo_workbook_holds_points_and_totals(demo):
    """The recalculated worked example holds points and totals in the file, for any reader."""
    _, out = demo
    rows = {r[0]: r for r in _result_rows(out / "客服综合考核_示例.xlsx")}
    for agent in POINTS:
        assert list(rows[agent][1:7]) == POINTS[agent]
        assert rows[agent][7] == pytest.approx(_by_hand(agent), abs=1e-9)


# Points each band table of the composite model can give (DOMAIN.md).
ALLOWED = [{100, 90, 80, 70, 60, 50, 0}, {100, 90, 80, 70, 60, 0}, {100, 90, 80, 70, 60, 0},
           {100, 90, 80, 70, 60, 0}, {100, 90, 80, 70, 60, 0}, {100, 80, 60, 0}]


def test_demo_filled_workbooks_are_recalculated(demo):
    """The filled workbooks start from fresh data, so their numbers exist only if the
    engine computed them: every scored agent's total is Σ points × published weight."""
    from kpi_xl.demo import DEMO_AGENTS, DEMO_MONTHS, DEMO_SHOPS
    _, out = demo
    books = sorted((out / "workbooks").glob("*.xlsx"))
    assert len(books) == DEMO_SHOPS * DEMO_MONTHS
    scored = 0
    for book in books:
        rows = _result_rows(book)
        assert len(rows) <= DEMO_AGENTS
        for row in rows:
            points = row[1:7]
            assert all(p in allowed for p, allowed in zip(points, ALLOWED)), (book.name, row)
            assert row[7] == pytest.approx(sum(p * w for p, w in zip(points, WEIGHTS)), abs=1e-9)
            scored += 1
    assert scored >= DEMO_SHOPS * DEMO_MONTHS * DEMO_AGENTS * 0.9
    summary = load_workbook(out / "summary.xlsx", read_only=True)
    assert len(summary.sheetnames) == 3
    summary.close()


def test_the_demo_library_returns_its_parts_and_prints_nothing(tmp_path, capsys, monkeypatch):
    # kpi_xl/cli.py prints each part as it is handed over; the library prints nothing.
    import kpi_xl.demo as demo
    monkeypatch.setattr(demo, "DEMO_SHOPS", 1)
    monkeypatch.setattr(demo, "DEMO_MONTHS", 1)
    monkeypatch.setattr(demo, "DEMO_AGENTS", 3)
    handed = []
    run = demo.run_demo(tmp_path / "files", on_part=handed.append)
    assert capsys.readouterr() == ("", "")
    assert handed == list(run.parts)
    worked = {agent: (total, rank) for agent, total, rank, _, _ in run.worked.agents}
    assert worked == {"A": (_by_hand("A"), 1), "B": (_by_hand("B"), 3), "C": (_by_hand("C"), 1)}
    assert [sheet for sheet, _, _ in run.worked.checks] == ["方案"] * 3
    assert run.worked.workbook.exists()
    filled = run.filled
    assert (filled.shops, filled.months, filled.agents) == (1, 1, 3)
    assert (filled.groups, filled.written, filled.known, filled.checks) == (1, 1, 3, 3)
    assert filled.unexpected == [] and run.ok
    assert (run.summary.books, run.summary.rows) == (1, 3) and run.summary.path.exists()
    assert run.done_line().startswith("Done in ")


def test_the_demo_names_a_folder_it_cannot_create(tmp_path, capsys):
    from kpi_xl.cli import main
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder")
    assert main(["demo", "-o", str(taken)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: The demo's folder {taken} cannot be created")
    assert "Traceback" not in err and taken.read_text() == "a file, not a folder"
