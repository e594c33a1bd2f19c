"""Hostile but realistic input found in a user trial: each case once wrong, silently.

Operations scheme (DOMAIN.md §2): plan carried out ≥100 % → 20, 90–100 → 15, 80–90 → 10,
<80 → 5; team progress ≥100 % → 20, 90–100 → 15, 80–90 → 10 …; +5 bonus points for plan
100 % carried out and for team work above 100 %.
"""
from __future__ import annotations

import csv

import pytest

from kpi_xl.cli import main
from kpi_xl.templates.fill import fill_template, parse_value
from tpl_helpers import needs_engine, values

OPS_HEAD = ["店铺", "月份", "运营", "推广花费", "推广成交额", "月销售额", "销售目标", "计划完成率",
            "团队工作进度", "配合(0-5)", "纪律(0-5)", "活动被采纳次数", "新品推荐达标(0/1)"]


def _csv(path, head, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([head] + rows)
    return path


@pytest.mark.parametrize("raw", ["95", "85", "105", "100"])
def test_a_bare_percentage_above_200_is_refused_where_more_than_100_is_allowed(raw):
    value, reason = parse_value("percent", raw, upper=None)
    assert value is None
    assert "no % sign" in reason and f"{raw}%" in reason


@pytest.mark.parametrize("raw,expected", [("95%", 0.95), ("0.95", 0.95), ("1.05", 1.05),
                                          ("105%", 1.05), ("250%", 2.5), ("2", 2.0),
                                          ("60％", 0.60), ("35 %", 0.35)])
def test_written_percentages_are_read_as_written(raw, expected):
    value, reason = parse_value("percent", raw, upper=None)
    assert reason is None and value == pytest.approx(expected)


@needs_engine
def test_plan_typed_as_95_stops_the_fill_naming_row_and_column(tmp_path, built, capsys):
    """'95' for 95 % used to be read as 9,500 %: 20 + 20 points and two +5 bonus items
    instead of 15 and 10, with exit status 0."""
    data = _csv(tmp_path / "ops.csv", OPS_HEAD, [
        ["店铺X", "2025-10", "A", 10000, 62000, 130000, 100000, "95", "85", 5, 5, 1, 1]])
    before = data.read_bytes()
    rc = main(["fill", str(built("taobao_ops", "zh", recalc=False)), str(data),
               "-o", str(tmp_path / "out"), "--quiet"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "ops.csv row 2, column '计划完成率': '95' has no % sign" in err
    assert "ops.csv row 2, column '团队工作进度': '85' has no % sign" in err
    assert "Traceback" not in err
    assert not list((tmp_path / "out").glob("*.xlsx"))
    assert data.read_bytes() == before


@needs_engine
def test_plan_typed_with_its_sign_is_scored_by_hand(tmp_path, built):
    """A: ROI 6.2 ÷ 5 = 124 % → 20; sales 130 % → 30; plan 95 % → 15; team 85 % → 10;
    5 + 5 → base 85; bonus: campaign 1 + new items 1 + ROI ≥ 120 % + sales ≥ 120 % = 4 × 5
    = 20 → 105."""
    data = _csv(tmp_path / "ops.csv", OPS_HEAD, [
        ["店铺X", "2025-10", "A", 10000, 62000, 130000, 100000, "95%", "0.85", 5, 5, 1, 1]])
    report = fill_template(built("taobao_ops", "zh", recalc=False), data, tmp_path / "out")
    assert report.ok, report.problems + report.finding_lines()
    v = values(report.written[0], "考核结果")
    assert (v["D5"], v["E5"], v["H5"], v["I5"], v["J5"]) == (15, 10, 85, 20, 105)
