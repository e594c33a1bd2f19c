"""The monthly pay sheet, worked by hand.

Team averages (agent data's last row): conversion (40 + 33.3 + 37.1 + 25) / 4 = 33.9 %,
AOV (300 + 266.7 + 269.2 + 166.7) / 4 = 250.6, bad-review rate (0.53 + 1.03 + 0.40 + 2.86) / 4
= 1.20 %.
A: 2 months → 3,000; best sales (120,000) → +100; 120,000 ≥ 100,000 → 5 % = 6,000, conditions met;
   95 → rule 1 bonus 800 → pay 9,900.
B: 7 months → 3,200; conversion 33.3 % below average → no commission; 86 → 500 → 3,700.
C: 13 months → 3,400; 70,000 → 4 % = 2,800, conditions met; 78 → 300 → 6,500.
D: 4 months → 3,100; 25,000 below the 30,000 floor → no commission; 65 → 0 → 3,100.
Rule 2 (× 8): 760, 688, 624, 520.  Rule 3: multipliers 120 %, 100 %, 80 %, 50 % → the
commission paid becomes commission × multiplier: 7,200, 0, 2,240, 0 (never negative); under
rule 3 A's pay is 3,000 + 100 + 7,200 = 10,300 and C's 3,400 + 2,240 = 5,640.
"""
from __future__ import annotations

import pytest

from kpi_xl import band_score, commission, safe_rate, tenure_base
from tpl_helpers import named_range, needs_engine, values

TIERS = [[0, 0.03], [50000, 0.04], [100000, 0.05]]
BONUS_TIERS = [[90, None, 800], [80, 90, 500], [70, 80, 300], [None, 70, 0]]
MULTIPLIER = [[95, None, 1.2], [85, 95, 1.0], [70, 85, 0.8], [None, 70, 0.5]]
AGENTS = {  # months, score, sales, inquiries, buyers, reviews, bad
    "A": (2, 95, 120000, 1000, 400, 380, 2),
    "B": (7, 86, 80000, 900, 300, 290, 3),
    "C": (13, 78, 70000, 700, 260, 250, 1),
    "D": (4, 65, 25000, 600, 150, 140, 4),
}
PAY = {"A": 9900, "B": 3700, "C": 6500, "D": 3100}
RULE2 = {"A": 760, "B": 688, "C": 624, "D": 520}
RULE3 = {"A": 7200, "B": 0, "C": 2240, "D": 0}
PAY3 = {"A": 10300, "B": 3200, "C": 5640, "D": 3100}


def hand_all():
    conv = {a: safe_rate(v[4], v[3]) for a, v in AGENTS.items()}
    aov = {a: safe_rate(v[2], v[4]) for a, v in AGENTS.items()}
    bad = {a: safe_rate(v[6], v[5]) for a, v in AGENTS.items()}
    avg = lambda d: sum(d.values()) / len(d)  # noqa: E731
    best = max(v[2] for v in AGENTS.values())
    out = {}
    for a, (months, score, sales, *_rest) in AGENTS.items():
        ok = (sales >= 30000 and conv[a] >= avg(conv) and aov[a] >= avg(aov)
              and (bad[a] == 0 or bad[a] < avg(bad)))
        paid = commission(sales, TIERS, "flat") if ok else 0
        base = tenure_base(months, 3000, 100, 3, 3) + (100 if sales == best else 0)
        rule1 = band_score(score, BONUS_TIERS)
        rule3 = paid * band_score(score, MULTIPLIER)
        out[a] = (base + paid + rule1, score * 8, rule3)
    return out


def test_core_functions_give_the_hand_worked_pay():
    for a, (pay, rule2, rule3) in hand_all().items():
        assert pay == pytest.approx(PAY[a])
        assert rule2 == pytest.approx(RULE2[a])
        assert rule3 == pytest.approx(RULE3[a])


def test_scheme_tables(built):
    path = built("monthly_pay", "zh", recalc=False)
    assert named_range(path, "提成阶梯") == TIERS
    assert named_range(path, "绩效档位奖金") == BONUS_TIERS
    assert named_range(path, "提成倍率") == MULTIPLIER
    assert named_range(path, "绩效奖金方式") == [[1]]


@needs_engine
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_recalculated_pay_sheet(built, lang):
    v = values(built("monthly_pay", lang), "工资表" if lang == "zh" else "Pay sheet")
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    rows = dict(zip("ABCD", range(5, 9)))
    for a, r in rows.items():
        assert v[f"M{r}"] == pytest.approx(PAY[a])
        assert v[f"I{r}"] == pytest.approx(RULE2[a])
        assert v[f"K{r}"] == pytest.approx(RULE3[a])
    assert [v[f"F{r}"] for r in rows.values()] == [yes, no, yes, no]
    assert [v[f"C{r}"] for r in rows.values()] == [3000, 3200, 3400, 3100]
    assert [v[f"N{r}"] for r in rows.values()] == [1, 3, 2, 4]



@needs_engine
def test_rule_3_pays_commission_times_multiplier(tmp_path, built):
    from openpyxl import load_workbook
    from kpi_xl.templates.package import compute_cached_values
    wb = load_workbook(built("monthly_pay", "en", recalc=False))
    wb.defined_names["Bonus_Rule"]  # the scheme's choice of rule
    sheet, cell = next(iter(wb.defined_names["Bonus_Rule"].destinations))
    wb[sheet][cell.replace("$", "")] = 3
    path = tmp_path / "rule3.xlsx"
    wb.save(path)
    compute_cached_values(path)
    v = values(path, "Pay sheet")
    for a, r in dict(zip("ABCD", range(5, 9))).items():
        assert v[f"K{r}"] == pytest.approx(RULE3[a]) and v[f"K{r}"] >= 0
        assert v[f"M{r}"] == pytest.approx(PAY3[a])


@needs_engine
def test_a_month_without_bad_reviews_pays_commission(tmp_path, built):
    """Three equal agents, no bad or neutral review at all: each meets every condition.

    Conversion 40 % and AOV 1,000 equal the team's (at least the average); the bad-review
    rate 0 meets "below the average" by having none; 40,000 → 3 % = 1,200 commission; equal
    best sales share the top award: 3,000 + 100 + 1,200 + rule 1 bonus (score 85 → 500).
    """
    import pandas as pd
    from kpi_xl.templates.fill import fill_template
    rows = [{"Agent": a, "Months of service": 1, "Appraisal score": 85, "Sales": 40000,
             "Inquiries": 100, "Buyers": 40, "Reviews": 50, "Bad reviews": 0}
            for a in "XYZ"]
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    report = fill_template(built("monthly_pay", "en", recalc=False), tmp_path / "d.csv",
                           tmp_path / "out")
    assert report.ok, report.problems + report.finding_lines()
    v = values(report.written[0], "Pay sheet")
    assert [v[f"F{r}"] for r in (5, 6, 7)] == ["yes"] * 3
    assert [v[f"M{r}"] for r in (5, 6, 7)] == [4800] * 3


def test_neutral_reviews_count_in_the_bad_review_rate(tmp_path, built):
    from openpyxl import load_workbook
    ws = load_workbook(built("monthly_pay", "zh", recalc=False))["客服数据"]
    assert ws["I4"].value == "中评数" and ws["L4"].value == "中差评率"
    assert ws["L5"].value == '=IF(N(G5)=0,"",KPI_RATE(SUM(H5:I5),G5))'


@needs_engine
def test_an_agent_without_inquiries_buyers_or_reviews_leaves_the_team_averages_alone(
        tmp_path, built):
    """A and B alone: conversion 400/1000 = 40 % and 360/1000 = 36 %, average 38 %, so B
    (below it) earns no commission: B's pay is 7 months → 3,200 + rule-1 bonus 500 = 3,700.
    E, with no inquiries, buyers, sales or reviews, has no conversion, AOV or review rate:
    counted as 0 % they would pull the average conversion to 25.3 % and pay B 5,400 of
    commission. With E the averages and B's pay are those without E."""
    import pandas as pd
    from kpi_xl.templates.fill import fill_template
    head = ["Agent", "Months of service", "Appraisal score", "Sales", "Inquiries", "Buyers",
            "Reviews", "Bad reviews"]
    ab = [["A", 2, 95, 120000, 1000, 400, 380, 2], ["B", 7, 86, 108000, 1000, 360, 290, 0]]
    pays = {}
    for name, rows in (("ab", ab), ("abe", ab + [["E", 5, 80, 0, 0, 0, 0, 0]])):
        pd.DataFrame(rows, columns=head).to_csv(tmp_path / f"{name}.csv", index=False)
        report = fill_template(built("monthly_pay", "en", recalc=False), tmp_path / f"{name}.csv",
                               tmp_path / name)
        assert report.ok, report.problems + report.finding_lines()
        data = values(report.written[0], "Agent data")
        pay = values(report.written[0], "Pay sheet")
        pays[name] = {pay[f"A{r}"]: pay[f"M{r}"] for r in range(5, 5 + len(rows))}
        averages = [data.get(f"{c}{r}") for r in range(5, 40) if data.get(f"A{r}") == "Team average"
                    for c in "JKL"]
        assert averages[:2] == [pytest.approx(0.38), pytest.approx(300)], averages
        if name == "abe":
            assert [data.get(f"{c}7") for c in "JKL"] == [None, None, None]   # E's rates
    assert pays["ab"]["B"] == pays["abe"]["B"] == 3700
    assert pays["abe"]["E"] == 3600    # 5 months → 3,100; score 80 → 500; no commission
