"""Progress of ``fill`` and ``summary``: the library reports it through the factory it is
given and draws nothing itself; ``kpi-xl`` gives a bar per stage on standard error, none
with --quiet."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from kpi_xl.cli import main
from kpi_xl.templates.fill import fill_template
from kpi_xl.templates.summary import collect
from test_templates_fill import ROWS, ZH, write_csv
from tpl_helpers import needs_engine


class Stages:
    """A progress factory that keeps what each stage was told."""

    def __init__(self):
        self.opened = []       # (total, desc, unit) per stage, in order
        self.done = []         # units reported per stage
        self.closed = []

    def __call__(self, total, desc, unit):
        self.opened.append((total, desc, unit))
        self.done.append(0)
        self.closed.append(False)
        stages, i = self, len(self.opened) - 1

        class Bar:
            def update(self, n=1):
                stages.done[i] += n

            def close(self):
                stages.closed[i] = True
        return Bar()


@pytest.fixture()
def template(built):
    return built("cs_composite", "zh", recalc=False)


def test_fill_reports_rows_read_and_workbooks_written(tmp_path, template):
    # Six agent rows and a blank one; shops S1 and S2 of one month: two workbooks.
    rows = ROWS + [[None] * len(ROWS[0])]
    data = write_csv(tmp_path / "agents.csv", rows)
    stages = Stages()
    report = fill_template(template, data, tmp_path / "out", by="shop,month", recalc=False,
                           progress=stages)
    assert len(report.written) == 2
    # A CSV file is read row by row: its number of rows is not known beforehand.
    assert stages.opened == [(None, "read", "row"), (2, "fill", "workbook")]
    assert stages.done == [7, 2] and stages.closed == [True, True]
    stages = Stages()
    fill_template(template, pd.DataFrame(rows, columns=ZH), tmp_path / "frame", by="shop,month",
                  recalc=False, progress=stages)
    assert stages.opened == [(7, "read", "row"), (2, "fill", "workbook")]
    assert stages.done == [7, 2] and stages.closed == [True, True]
    # Read as workbooks: two that have no cached values yet, and one missing.
    stages = Stages()
    problems = []
    collect([*report.written, tmp_path / "missing.xlsx"], strict=False, progress=stages,
            problems=problems)
    assert len(problems) == 3
    assert stages.opened == [(3, "summary", "workbook")]
    assert stages.done == [3] and stages.closed == [True]


def test_the_library_alone_draws_nothing(tmp_path, template, capfd):
    data = write_csv(tmp_path / "agents.csv", ROWS)
    report = fill_template(template, data, tmp_path / "out", by="shop,month", recalc=False)
    collect(report.written, strict=False, problems=[])
    assert capfd.readouterr() == ("", "")


def _bar(err, desc, n, unit, known=True):
    """tqdm's line for a finished stage: ``desc: 100%|████| n/n [time, rate unit/s]``, or
    ``desc: n unit [time, rate unit/s]`` when the total was not known."""
    done = rf"100%\|[^|]*\| {n}/{n}" if known else rf"{n}{unit}"
    return re.search(rf"{desc}: {done} \[[^\]]*{unit}/s\]", err)


@needs_engine
def test_the_commands_draw_a_bar_per_stage_and_none_when_quiet(tmp_path, template, capfd):
    data = write_csv(tmp_path / "agents.csv", ROWS)
    # Exit code 1: the sample scheme's own check cells are not OK (they are reported).
    main(["fill", str(template), str(data), "-o", str(tmp_path / "out"), "--by", "shop,month"])
    out, err = capfd.readouterr()
    assert _bar(err, "read", 6, "row", known=False) and _bar(err, "fill", 2, "workbook"), err
    assert "read:" not in out and "Wrote 2 of 2 workbook(s)" in out
    main(["summary", str(tmp_path / "out"), "-o", str(tmp_path / "s.xlsx")])
    out, err = capfd.readouterr()
    assert _bar(err, "summary", 2, "workbook"), err
    assert "summary:" not in out

    main(["fill", str(template), str(data), "-o", str(tmp_path / "out"), "--by", "shop,month",
          "--overwrite", "--quiet"])
    main(["summary", str(tmp_path / "out"), "-o", str(tmp_path / "s.xlsx"), "--overwrite",
          "--quiet"])
    out, err = capfd.readouterr()
    assert "Wrote 2 of 2 workbook(s)" in out and "Wrote " + str(tmp_path / "s.xlsx") in out
    assert "100%|" not in err and "read:" not in err and "summary:" not in err, err
