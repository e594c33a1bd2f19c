"""The composite customer-service template against DOMAIN.md's worked example.

Expected figures come from DOMAIN.md (published points per KPI; totals A 77.5,
C 77.5, and B 74 because 23 returns score 0 under the table as written).
"""
from __future__ import annotations

import pytest

from kpi_xl import band_score, check_bands, check_weights, monthly_bonus, safe_rate, weighted_total
from tpl_helpers import formulas, named_range, needs_engine, values

# The tables exactly as DOMAIN.md publishes them (blank = open end).
CONVERSION = [[0.41, None, 100], [0.38, 0.41, 90], [0.35, 0.38, 80], [0.32, 0.35, 70],
              [0.28, 0.31, 60], [0.25, 0.28, 50], [None, 0.25, 0]]
PAYMENT = [[0.90, None, 100], [0.80, 0.90, 90], [0.70, 0.80, 80], [0.60, 0.70, 70],
           [0.50, 0.65, 60], [None, 0.50, 0]]
AOV_RATIO = [[1.23, None, 100], [1.21, 1.23, 90], [1.19, 1.21, 80], [1.17, 1.19, 70],
             [1.15, 1.17, 60], [None, 1.15, 0]]
FIRST = [[None, 10, 100], [10, 15, 90], [15, 20, 80], [20, 25, 70], [25, 30, 60], [30, None, 0]]
AVERAGE = [[None, 20, 100], [20, 25, 90], [25, 30, 80], [30, 35, 70], [35, 40, 60], [40, None, 0]]
RETURNS = [[None, 3, 100], [3, 10, 80], [10, 20, 60], [20, None, 0]]
WEIGHTS = [[0.30, 0.25, 0.20, 0.10, 0.05, 0.05]]
SHOP_AOV = 66.3
AGENTS = {  # buyers, inquiries, paid, orders, agent AOV, ST, PT, returns
    "A": (88, 275, 228, 240, 78.23, 13, 21, 6),
    "B": (582, 1455, 247, 325, 76.9, 8, 19, 23),
    "C": (232, 800, 198, 225, 82.8, 16, 27, 0),
}
POINTS = {"A": [70, 100, 70, 90, 90, 80], "B": [90, 80, 60, 100, 100, 0],
          "C": [60, 90, 100, 80, 80, 100]}
TOTALS = {"A": 77.5, "B": 74, "C": 77.5}


def hand_points(buyers, inquiries, paid, orders, aov, st, pt, returns):
    """The template's formulas, reproduced here by hand with the core functions."""
    return [band_score(safe_rate(buyers, inquiries), CONVERSION, "left"),
            band_score(safe_rate(paid, orders), PAYMENT, "left"),
            band_score(safe_rate(aov, SHOP_AOV), AOV_RATIO, "left"),
            band_score(st, FIRST, "right"),
            band_score(pt, AVERAGE, "right"),
            band_score(returns, RETURNS, "left")]


@pytest.mark.parametrize("agent", sorted(AGENTS))
def test_core_functions_give_the_published_points_and_totals(agent):
    points = hand_points(*AGENTS[agent])
    assert points == POINTS[agent]
    assert weighted_total([points], WEIGHTS) == pytest.approx(TOTALS[agent])


def test_published_tables_are_flagged_by_the_checks():
    assert "31 %" in check_bands(CONVERSION, "left") and "Gap" in check_bands(CONVERSION, "left")
    assert "Overlap" in check_bands(PAYMENT, "left")
    assert check_bands(FIRST, "right") == "OK"
    assert "95" in check_weights(WEIGHTS)


@pytest.mark.parametrize("lang,scheme", [("zh", "方案"), ("en", "Scheme")])
def test_template_holds_the_published_tables_under_their_names(built, lang, scheme):
    path = built("cs_composite", lang, recalc=False)
    names = {"zh": ["区间_转化率", "区间_支付率", "区间_客单价", "区间_首响", "区间_平响", "区间_退货", "权重"],
             "en": ["Band_Conversion", "Band_Payment", "Band_AOV_Ratio", "Band_First_Response",
                    "Band_Avg_Response", "Band_Returns", "Weights"]}[lang]
    expected = [CONVERSION, PAYMENT, AOV_RATIO, FIRST, AVERAGE, RETURNS, WEIGHTS]
    for name, table in zip(names, expected):
        assert named_range(path, name) == table, name
    shop_aov = named_range(path, {"zh": "店铺客单价", "en": "Shop_AOV"}[lang])
    assert shop_aov == [[66.3]]


def test_formulas_score_the_right_columns_with_the_named_tables(built):
    path = built("cs_composite", "zh", recalc=False)
    data = formulas(path, "客服数据")
    res = formulas(path, "考核结果")
    assert [data[f"{c}4"] for c in "ABCDEFGHIJ"] == [
        "客服", "询单人数", "成交人数", "下单笔数", "付款笔数", "销售额", "首次响应(秒)", "平均响应(秒)",
        "退货量", "成交笔数"]
    assert data["K5"] == "=KPI_RATE(C5,B5)"  # buyers ÷ inquiries
    assert data["L5"] == "=KPI_RATE(E5,D5)"  # paid ÷ orders
    assert data["M5"] == "=KPI_RATE(F5,C5)"  # sales ÷ buyers
    assert data["N5"] == "=KPI_RATE(M5,店铺客单价)"
    # … guarded by the row's input check (录入检查, column P): #VALUE! while it is not OK
    assert res["B5"] == ("=IF('客服数据'!P5<>\"OK\",#VALUE!,"
                         "KPI_BAND('客服数据'!K5,区间_转化率,\"left\"))")
    assert res["E5"] == ("=IF('客服数据'!P5<>\"OK\",#VALUE!,"
                         "KPI_BAND('客服数据'!G5,区间_首响,\"right\"))")
    assert res["G7"] == ("=IF('客服数据'!P7<>\"OK\",#VALUE!,"
                         "KPI_BAND('客服数据'!I7,区间_退货,\"left\"))")
    assert res["H6"] == "=KPI_WEIGHTED(B6:G6,权重)"
    # Sales were entered as AOV × buyers so that the AOVs are DOMAIN's.
    sales = {a: values(path, "客服数据")[f"F{r}"] for a, r in zip("ABC", (5, 6, 7))}
    for agent, row in AGENTS.items():
        assert sales[agent] / row[0] == pytest.approx(row[4])


@needs_engine
@pytest.mark.parametrize("lang,res,scheme", [("zh", "考核结果", "方案"), ("en", "Results", "Scheme")])
def test_recalculated_template_shows_the_worked_example(built, lang, res, scheme):
    v = values(built("cs_composite", lang), res)
    for agent, row in zip("ABC", (5, 6, 7)):
        assert v[f"A{row}"] == agent
        assert [v[f"{c}{row}"] for c in "BCDEFG"] == POINTS[agent]
        assert v[f"H{row}"] == pytest.approx(TOTALS[agent])
        # Bonus: 70 ≤ total < 90 pays total % of the 1,000 monthly bonus.
        assert v[f"J{row}"] == pytest.approx(monthly_bonus(TOTALS[agent], 1000))
        assert v[f"J{row}"] == pytest.approx(TOTALS[agent] * 10)
    assert (v["I5"], v["I6"], v["I7"]) == (1, 3, 1)
    # Team averages: conversion (0.32 + 0.40 + 0.29) / 3 ≈ 0.3367, AOV (78.23 + 76.9 + 82.8) / 3 = 79.31.
    # A is below both; B converts above average but sells below; C the reverse.
    quadrants = [v["K5"], v["K6"], v["K7"]]
    if lang == "zh":
        assert quadrants == ["低转化低客单", "高转化低客单", "低转化高客单"]
    else:
        assert [q.split()[0] for q in quadrants] == ["low", "high", "low"]
        assert [q.split()[-2] for q in quadrants] == ["low", "low", "high"]
    # Weighted parts add up to the total (the stacked chart shows them).
    for row in (5, 6, 7):
        assert sum(v[f"{c}{row}"] for c in "LMNOPQ") == pytest.approx(v[f"H{row}"])
    # The scheme's check cells speak the workbook's language: the gap, the overlap and the
    # 95 % of DOMAIN's published scheme; the other four tables and the bonus figures
    # (parameter check) are sound.
    texts = [text for text in values(built("cs_composite", lang), scheme).values()
             if isinstance(text, str)]
    expected = {
        "zh": ["权重合计为 95%，不是 100%。", "断档：31%–32% 不在任何区间内。",
               "重叠：60%–65% 同时落在第 4 行（70 分）和第 5 行（60 分），以第 4 行为准。"],
        "en": ["Weights add up to 95 %, not 100 %.", "Gap: 31 %–32 % lies in no band.",
               "Overlap: 60 %–65 % lies in rows 4 (70 points) and 5 (60 points); row 4 wins."],
    }[lang]
    for sentence in expected:
        assert sentence in texts
    assert texts.count("OK") == 5


@needs_engine
def test_recalculated_ranking_block_lists_agents_best_first(built):
    v = values(built("cs_composite", "zh"), "考核结果")
    # Ties (A and C on 77.5) keep sheet order; B is last; the places of the three spare
    # rows stay blank.
    assert [v["B15"], v["B16"], v["B17"]] == ["A", "C", "B"]
    assert [v["C15"], v["C16"], v["C17"]] == pytest.approx([77.5, 77.5, 74])
    assert [v.get(f"B{r}") for r in (18, 19, 20)] == [None] * 3
    assert v["A20"] == 6


@needs_engine
def test_an_agent_typed_into_a_spare_row_is_scored_and_ranked(tmp_path):
    """The shipped template has three empty agent rows below A, B, C.  D typed into the
    first with A's figures scores A's 77.5 and ranks after A and C (ties keep sheet order)."""
    from openpyxl import load_workbook
    from kpi_xl.templates import TEMPLATE_DIR
    from kpi_xl.templates.package import compute_cached_values
    wb = load_workbook(TEMPLATE_DIR / "zh" / "cs_composite.xlsx")
    ws = wb["客服数据"]
    assert ws["A8"].value is None and ws["A11"].value == "团队平均"
    for col in "BCDEFGHIJ":
        ws[f"{col}8"] = ws[f"{col}5"].value
    ws["A8"] = "D"
    path = tmp_path / "four.xlsx"
    wb.save(path)
    compute_cached_values(path)
    v = values(path, "考核结果")
    assert v["A8"] == "D" and v["H8"] == pytest.approx(77.5) and v["I8"] == 1
    assert [v["B15"], v["B16"], v["B17"], v["B18"]] == ["A", "C", "D", "B"]
    assert v.get("A9") is None and v.get("H9") is None  # the next spare row stays blank
