"""A JD customer-service scheme: DOMAIN's weights (conversion 30 %, AOV ratio 15 %, first
response 15 %, average response 10 %, refunds completed by the agent 20 %, the shop
manager's rating 10 %) with band tables that are editable defaults.

The bands follow DOMAIN §3's advice: the team's best reaches full marks, the weakest
still gets about half or falls out at the bottom band.
"""
from __future__ import annotations

from . import layout as L
from .base import Computed
from .layout import Column
from .scored import Kpi, ScoredTemplate, rate

BANDS = (
    L.BandTable("conversion", "询单转化率（成交人数 ÷ 询单人数）", "Conversion (buyers ÷ inquiries)",
                [[0.60, None, 100], [0.55, 0.60, 90], [0.50, 0.55, 80], [0.45, 0.50, 70],
                 [0.40, 0.45, 60], [None, 0.40, 0]], "left", L.PERCENT0, "默认值，可修改",
                "editable default"),
    L.BandTable("aov_ratio", "客单价比（个人 ÷ 店铺）", "AOV ratio (agent ÷ shop)",
                [[1.10, None, 100], [1.05, 1.10, 90], [1.00, 1.05, 80], [0.95, 1.00, 70],
                 [0.90, 0.95, 60], [None, 0.90, 0]], "left", L.DECIMAL, "默认值，可修改",
                "editable default"),
    L.BandTable("first_response", "首次响应时间（秒）", "First response (seconds)",
                [[None, 15, 100], [15, 20, 90], [20, 30, 80], [30, 45, 60], [45, None, 0]],
                "right", L.SECONDS, "默认值，可修改", "editable default"),
    L.BandTable("avg_response", "平均响应时间（秒）", "Average response (seconds)",
                [[None, 30, 100], [30, 40, 90], [40, 50, 80], [50, 60, 60], [60, None, 0]],
                "right", L.SECONDS, "默认值，可修改", "editable default"),
    L.BandTable("refunds", "售后退款自主完结率", "Refunds completed by the agent",
                [[0.95, None, 100], [0.90, 0.95, 90], [0.85, 0.90, 80], [0.80, 0.85, 60],
                 [None, 0.80, 0]], "left", L.PERCENT0, "默认值，可修改", "editable default"),
)

KPIS = (
    Kpi("conversion", "转化率", "Conversion", "conversion", 0.30, BANDS[0],
        ("区间_转化率", "Band_Conversion")),
    Kpi("aov_ratio", "客单价比", "AOV ratio", "aov_ratio", 0.15, BANDS[1],
        ("区间_客单价", "Band_AOV_Ratio")),
    Kpi("first_response", "首次响应", "First response", "first_response_s", 0.15, BANDS[2],
        ("区间_首响", "Band_First_Response")),
    Kpi("avg_response", "平均响应", "Avg response", "avg_response_s", 0.10, BANDS[3],
        ("区间_平响", "Band_Avg_Response")),
    Kpi("refunds", "退款自主完结", "Refunds completed", "refund_rate", 0.20, BANDS[4],
        ("区间_退款完结", "Band_Refunds")),
    Kpi("manager", "店长评分", "Manager's rating", "manager", 0.10),
)


class JdTemplate(ScoredTemplate):
    name = "jd_service"
    title = ("京东客服考核", "JD customer-service appraisal")
    description = ("京东客服考核：转化率、客单价、首响、平响、售后退款自主完结率、店长评分",
                   "JD customer-service scheme: conversion, AOV ratio, first and average "
                   "response, refunds completed by the agent, the shop manager's rating")
    kpis = KPIS
    scheme_title = ("京东客服考核方案", "JD customer-service scheme")
    scheme_note = (
        "权重按京东客服方案：转化率 30%、客单价 15%、首次响应 15%、平均响应 10%、"
        "售后退款自主完结率 20%、店长评分 10%。区间表是可修改的默认值：建议用团队近一两个月的"
        "最好、最差和平均水平来定（最好的能拿满分，最弱的约一半分）。",
        "Weights of the JD scheme: conversion 30 %, AOV ratio 15 %, first response 15 %, "
        "average response 10 %, refunds completed by the agent 20 %, manager's rating 10 %. "
        "The band tables are editable defaults: set them from the team's best, worst and "
        "average of the last month or two (the best reaches full marks, the weakest about half).")
    results_title = ("京东客服考核结果", "JD customer-service results")
    results_note = (
        "总分 = Σ 得分 × 权重；奖金按总分与奖金参数；四象限以团队平均转化率与客单价为界。",
        "Total = Σ points × weight; the bonus follows the total; quadrants split at the team's "
        "average conversion and AOV.")
    inputs = (
        Column("agent", "客服", "Agent", "text", ("客服姓名", "姓名", "name"), width=12),
        Column("inquiries", "询单人数", "Inquiries", "int", ("咨询总人数",), divides=True),
        Column("buyers", "成交人数", "Buyers", "int", ("最终付款人数", "付款人数"), at_most="inquiries"),
        Column("sales", "销售额", "Sales", "number", ("销售金额",), number_format=L.MONEY,
               width=12, needs="buyers"),
        Column("first_response_s", "首次响应(秒)", "First response (s)", "number",
               ("首次响应时间", "首响"), number_format="0.0"),
        Column("avg_response_s", "平均响应(秒)", "Avg response (s)", "number",
               ("平均响应时间", "平响"), number_format="0.0"),
        Column("refunds", "售后退款单数", "Refund cases", "int", ("退款单数",), divides=True),
        Column("refunds_self", "自主完结单数", "Completed by agent", "int", ("自主完结数",),
               at_most="refunds"),
        Column("manager", "店长评分", "Manager's rating", "score", ("店长打分", "rating"),
               number_format="0"),
    )
    params = (
        *L.SHOP_MONTH,
        Column("shop_aov", "店铺客单价", "Shop AOV", "number", ("店铺平均客单价", "shop aov"),
               number_format=L.DECIMAL, name_zh="店铺客单价", name_en="Shop_AOV"),
    )
    computed = (
        Computed("conversion", "询单转化率", "Conversion", L.PERCENT, rate("buyers", "inquiries")),
        Computed("aov", "客单价", "AOV", L.DECIMAL, rate("sales", "buyers")),
        Computed("aov_ratio", "客单价比", "AOV ratio", L.DECIMAL,
                 lambda ctx, r: f"=KPI_RATE({ctx.data_cols['aov']}{r},"
                                f"{ctx.t('店铺客单价', 'Shop_AOV')})"),
        Computed("refund_rate", "退款自主完结率", "Refunds completed", L.PERCENT,
                 rate("refunds_self", "refunds")),
    )

    def sample_rows(self):
        # AOVs 112, 102 and 93 against a shop AOV of 100 (sales = AOV × buyers).
        return [
            dict(agent="A", inquiries=500, buyers=320, sales=320 * 112, first_response_s=12,
                 avg_response_s=28, refunds=40, refunds_self=39, manager=95),
            dict(agent="B", inquiries=600, buyers=312, sales=312 * 102, first_response_s=18,
                 avg_response_s=42, refunds=50, refunds_self=44, manager=85),
            dict(agent="C", inquiries=400, buyers=164, sales=164 * 93, first_response_s=35,
                 avg_response_s=65, refunds=30, refunds_self=22, manager=70),
        ]

    def sample_params(self):
        return {"shop_aov": 100}
