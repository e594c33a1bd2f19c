"""The 100-point appraisal form: hand-worked scores, the bonus rule, negative indicators,
and year-end eligibility on the year sheet.

Worked by hand (bands of the form's scheme, weights 30/20/15/15/10/10 %):
  A: 46 % → 100, 105 % → 100, 99 % → 100, 18 s → 100, 0.25 % → 100, supervisor 95
     → 99.5; ≥ 90 → the full 800.
  B: 38 % → 80, 85.7 % → 80, 95.8 % → 90, 27 s → 90, 1.0 % → 80 (upper bound
     inclusive), 85 → 83.5, + 2 bonus points = 85.5 → 800 × 85.5 % = 684.
  C: 26 % → 60, 62.9 % → 50, 88.9 % → 60, 45 s → 70, 2.0 % → 60, 70 → 60.5 → fails, 0.
  D: 42.1 % → 90, 97.1 % → 90, 98.4 % → 100, 19 s → 100, 0.625 % → 80, 90 → 92,
     one negative indicator − 10 = 82 → 656.
"""
from __future__ import annotations

import pytest

from kpi_xl import (band_score, final_score, monthly_bonus, safe_rate, weighted_total,
                    year_end_eligible)
from tpl_helpers import formulas, named_range, needs_engine, values

CONVERSION = [[0.45, None, 100], [0.40, 0.45, 90], [0.35, 0.40, 80], [0.30, 0.35, 70],
              [0.25, 0.30, 60], [None, 0.25, 40]]
COMPLETION = [[1.00, None, 100], [0.90, 1.00, 90], [0.80, 0.90, 80], [0.70, 0.80, 70],
              [None, 0.70, 50]]
REPLY = [[0.98, None, 100], [0.95, 0.98, 90], [0.90, 0.95, 80], [0.85, 0.90, 60], [None, 0.85, 0]]
RESPONSE = [[None, 20, 100], [20, 30, 90], [30, 40, 80], [40, 50, 70], [50, None, 50]]
BAD = [[None, 0.005, 100], [0.005, 0.01, 80], [0.01, 0.02, 60], [0.02, None, 0]]
WEIGHTS = [[0.30, 0.20, 0.15, 0.15, 0.10, 0.10]]
AGENTS = {  # inquiries, buyers, sales, target, wrote, answered, avg s, reviews, bad, supervisor, bonus pts, negatives
    "A": (400, 184, 36800, 35000, 1000, 990, 18, 400, 1, 95, 0, 0),
    "B": (500, 190, 30000, 35000, 1200, 1150, 27, 300, 3, 85, 2, 0),
    "C": (450, 117, 22000, 35000, 900, 800, 45, 250, 5, 70, 0, 0),
    "D": (380, 160, 34000, 35000, 950, 935, 19, 320, 2, 90, 0, 1),
}
POINTS = {"A": [100, 100, 100, 100, 100, 95], "B": [80, 80, 90, 90, 80, 85],
          "C": [60, 50, 60, 70, 60, 70], "D": [90, 90, 100, 100, 80, 90]}
WEIGHTED = {"A": 99.5, "B": 83.5, "C": 60.5, "D": 92}
FINAL = {"A": 99.5, "B": 85.5, "C": 60.5, "D": 82}
BONUS = {"A": 800, "B": 684, "C": 0, "D": 656}
YEAR = {"A": [85, 88, 90, 76, 92, 80, 78, 84, 91, 87, 83, 89],
        "B": [82, 75, 68, 65, 60, 72, 80, 85, 79, 77, 74, 81],
        "C": [72, 69, 75, 68, 80, 70, 66, 85, 90, 88, 86, 84],
        "D": [65, 80, 69, 85, 68, 90, 75, 66, 88, 92, 80, 85]}
ELIGIBLE = {"A": True, "B": False, "C": True, "D": False}


def hand(inq, buyers, sales, target, wrote, answered, avg, reviews, bad, sup, bonus_pts, neg):
    points = [band_score(safe_rate(buyers, inq), CONVERSION, "left"),
              band_score(safe_rate(sales, target), COMPLETION, "left"),
              band_score(safe_rate(answered, wrote), REPLY, "left"),
              band_score(avg, RESPONSE, "right"),
              band_score(safe_rate(bad, reviews), BAD, "right"),
              sup]
    weighted = weighted_total([points], WEIGHTS)
    final = final_score(weighted, [[bonus_pts]], [[neg]], 10, 100)
    return points, weighted, final, monthly_bonus(final, 800, 90, 70)


@pytest.mark.parametrize("agent", sorted(AGENTS))
def test_core_functions_give_the_hand_worked_scores(agent):
    points, weighted, final, bonus = hand(*AGENTS[agent])
    assert points == POINTS[agent]
    assert weighted == pytest.approx(WEIGHTED[agent])
    assert final == pytest.approx(FINAL[agent])
    assert bonus == pytest.approx(BONUS[agent])


@pytest.mark.parametrize("agent", sorted(YEAR))
def test_year_end_rule_by_hand(agent):
    assert year_end_eligible([YEAR[agent]], 70, 3, 4) is ELIGIBLE[agent]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_holds_the_scheme_and_example(built, lang):
    path = built("appraisal_100", lang, recalc=False)
    t = (lambda zh, en: zh if lang == "zh" else en)
    assert named_range(path, t("区间_转化率", "Band_Conversion")) == CONVERSION
    assert named_range(path, t("区间_差评率", "Band_Bad_Reviews")) == BAD
    assert named_range(path, t("权重", "Weights")) == WEIGHTS
    assert named_range(path, t("月度奖金", "Monthly_Bonus")) == [[800]]
    assert named_range(path, t("否决扣分", "Per_Negative")) == [[10]]
    year = values(path, t("年度考核", "Year"))
    for agent, row in zip("ABCD", range(5, 9)):
        assert [year[f"{c}{row}"] for c in "BCDEFGHIJKLM"] == YEAR[agent]
    f = formulas(path, t("考核结果", "Results"))
    assert f["K5"].startswith("=KPI_FINAL(H5,I5,J5,")
    y = formulas(path, t("年度考核", "Year"))
    assert "KPI_YEAR_END(B5:M5," in y["O5"]


@needs_engine
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_recalculated_form(built, lang):
    t = (lambda zh, en: zh if lang == "zh" else en)
    path = built("appraisal_100", lang)
    v = values(path, t("考核结果", "Results"))
    for agent, row in zip("ABCD", range(5, 9)):
        assert v[f"A{row}"] == agent
        assert [v[f"{c}{row}"] for c in "BCDEFG"] == POINTS[agent]
        assert v[f"H{row}"] == pytest.approx(WEIGHTED[agent])
        assert v[f"K{row}"] == pytest.approx(FINAL[agent])
        assert v[f"N{row}"] == pytest.approx(BONUS[agent])
    assert [v[f"L{r}"] for r in range(5, 9)] == [1, 2, 4, 3]
    assert [v[f"M{r}"] for r in range(5, 9)] == [t("合格", "pass"), t("合格", "pass"),
                                                  t("不合格", "fail"), t("合格", "pass")]
    y = values(path, t("年度考核", "Year"))
    yes, no = t("有", "yes"), t("无", "no")
    assert [y[f"O{r}"] for r in range(5, 9)] == [yes if ELIGIBLE[a] else no for a in "ABCD"]
    assert [y[f"N{r}"] for r in range(5, 9)] == [0, 3, 3, 4]


@needs_engine
def test_a_month_filled_without_its_month_leaves_the_year_pending(tmp_path):
    """Data without a month column: the Year sheet holds no monthly total for anyone, so
    KPI_YEAR_END gives "" and NOT("") made each agent's eligibility #VALUE!, which stopped the
    month blaming the scheme. No month entered is "pending: months entered 0/12"."""
    import pandas as pd
    from kpi_xl.cli import main
    head = ["Agent", "Inquiries", "Buyers", "Sales", "Sales target", "Buyers who wrote",
            "Buyers answered", "Avg response (s)", "Reviews", "Bad reviews",
            "Supervisor score", "Bonus points", "Negative indicators"]
    rows = [[a, *v] for a, v in AGENTS.items()]
    pd.DataFrame(rows, columns=head).to_csv(tmp_path / "d.csv", index=False)
    template = tmp_path / "t.xlsx"
    assert main(["template", "appraisal_100", "--lang", "en", "-o", str(template)]) == 0
    assert main(["fill", str(template), str(tmp_path / "d.csv"), "-o", str(tmp_path / "out"),
                 "--quiet"]) == 0
    month = next((tmp_path / "out").glob("*.xlsx"))
    y = values(month, "Year")
    assert [y[f"O{r}"] for r in range(5, 5 + len(rows))] == \
        ["pending: months entered 0/12"] * len(rows)
