"""The Taobao operations scheme: item points straight from the bands, plus +5 bonus points.

By hand: A — ROI 62,000 ÷ 10,000 = 6.2, ÷ 5 = 124 % → 20; sales 130 % → 30; plan 100 % → 20;
team 105 % → 20; cooperation 5, discipline 5 → 100 base; bonus: 1 campaign + new items +
ROI ≥ 120 % + sales ≥ 120 % + plan 100 % + team ≥ 100 % = 6 × 5 = 30 → 130 (以上 is "at
least" for the bonus items as for the bands).
B — ROI 4.75 → 95 % → 10; 92 % → 25; 85 % → 10; 95 % → 15; 4 + 5 → 69, no bonus → 69.
C — ROI 3.5 → 70 % → 5; 65 % → 10; 70 % → 5; 60 % → 0; 3 + 4 → 27; 1 campaign → 32.
"""
from __future__ import annotations

import pytest

from kpi_xl import band_score, check_weights, monthly_bonus, safe_rate
from tpl_helpers import named_range, needs_engine, values

ROI = [[1.20, None, 20], [1.00, 1.20, 15], [0.80, 1.00, 10], [0.60, 0.80, 5], [None, 0.60, 0]]
SALES = [[1.00, None, 30], [0.90, 1.00, 25], [0.80, 0.90, 20], [0.70, 0.80, 15], [None, 0.70, 10]]
PLAN = [[1.00, None, 20], [0.90, 1.00, 15], [0.80, 0.90, 10], [None, 0.80, 5]]
TEAM = [[1.00, None, 20], [0.90, 1.00, 15], [0.80, 0.90, 10], [0.70, 0.80, 5], [None, 0.70, 0]]
STAFF = {  # ad spend, ad sales, sales, target, plan, team, cooperation, discipline, campaigns, new items
    "A": (10000, 62000, 130000, 100000, 1.0, 1.05, 5, 5, 1, 1),
    "B": (20000, 95000, 92000, 100000, 0.85, 0.95, 4, 5, 0, 0),
    "C": (8000, 28000, 65000, 100000, 0.70, 0.60, 3, 4, 1, 0),
}
BASE = {"A": 100, "B": 69, "C": 27}
TOTAL = {"A": 130, "B": 69, "C": 32}


def hand(spend, ad_sales, sales, target, plan, team, coop, disc, campaigns, new_items):
    roi_vs_base = safe_rate(safe_rate(ad_sales, spend), 5)
    completion = safe_rate(sales, target)
    points = [band_score(roi_vs_base, ROI), band_score(completion, SALES),
              band_score(plan, PLAN), band_score(team, TEAM), coop, disc]
    bonus = 5 * (campaigns + new_items + (roi_vs_base >= 1.2) + (completion >= 1.2) + (plan >= 1)
                 + (team >= 1))
    return sum(points), sum(points) + bonus


@pytest.mark.parametrize("who", sorted(STAFF))
def test_core_functions_give_the_hand_worked_points(who):
    assert hand(*STAFF[who]) == (BASE[who], TOTAL[who])


def test_full_marks_add_up_to_100(built):
    path = built("taobao_ops", "zh", recalc=False)
    assert named_range(path, "满分") == [[20, 30, 20, 20, 5, 5]]
    assert check_weights(named_range(path, "满分")) == "OK"
    assert named_range(path, "区间_推广ROI") == ROI
    assert named_range(path, "区间_团队进度") == TEAM


@needs_engine
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_recalculated_operations_results(built, lang):
    v = values(built("taobao_ops", lang), "考核结果" if lang == "zh" else "Results")
    for who, r in zip("ABC", (5, 6, 7)):
        assert v[f"A{r}"] == who
        assert v[f"H{r}"] == BASE[who] and v[f"J{r}"] == TOTAL[who]
        assert v[f"L{r}"] == pytest.approx(monthly_bonus(TOTAL[who], 2000, 90, 70))
    assert [v["K5"], v["K6"], v["K7"]] == [1, 2, 3]


@needs_engine
def test_exactly_120_percent_earns_the_bonus_items(tmp_path, built):
    """ROI 60,000 ÷ 10,000 = 6 = 120 % of 1:5, sales 120 % of target, plan and team 100 %:
    bands 20 + 30 + 20 + 20 + 5 + 5 = 100, bonus items 4 × 5 = 20 → 120."""
    import pandas as pd
    from kpi_xl.templates.fill import fill_template
    pd.DataFrame([{"Staff": "E", "Ad spend": 10000, "Ad sales": 60000, "Sales": 120000,
                   "Sales target": 100000, "Plan carried out": "100%", "Team progress": "100%",
                   "Cooperation (0-5)": 5, "Discipline (0-5)": 5}]).to_csv(tmp_path / "d.csv",
                                                                           index=False)
    report = fill_template(built("taobao_ops", "en", recalc=False), tmp_path / "d.csv",
                           tmp_path / "out")
    assert report.ok, report.problems + report.finding_lines()
    v = values(report.written[0], "Results")
    assert (v["H5"], v["I5"], v["J5"]) == (100, 20, 120)
