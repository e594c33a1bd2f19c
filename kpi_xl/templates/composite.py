"""The composite customer-service model: conversion, payment rate, AOV ratio, first and
average response, returns — band tables and weights exactly as published.

The published tables are kept as they are (a gap in the conversion table, an overlap
in the payment table, weights adding up to 95 %), so the check cells beside them
show the problems; the HR user corrects the tables and every score follows.
"""
from __future__ import annotations

from . import layout as L
from .base import Computed
from .layout import Column
from .scored import Kpi, ScoredTemplate, rate

BANDS = (
    L.BandTable("conversion", "询单转化率 X（成交人数 ÷ 询单人数）", "Conversion X (buyers ÷ inquiries)",
                [[0.41, None, 100], [0.38, 0.41, 90], [0.35, 0.38, 80], [0.32, 0.35, 70],
                 [0.28, 0.31, 60], [0.25, 0.28, 50], [None, 0.25, 0]], "left", L.PERCENT0),
    L.BandTable("payment", "支付率 F（付款笔数 ÷ 下单笔数）", "Payment rate F (paid orders ÷ orders)",
                [[0.90, None, 100], [0.80, 0.90, 90], [0.70, 0.80, 80], [0.60, 0.70, 70],
                 [0.50, 0.65, 60], [None, 0.50, 0]], "left", L.PERCENT0),
    L.BandTable("aov_ratio", "落实客单价 Y（个人客单价 ÷ 店铺客单价）", "AOV ratio Y (agent AOV ÷ shop AOV)",
                [[1.23, None, 100], [1.21, 1.23, 90], [1.19, 1.21, 80], [1.17, 1.19, 70],
                 [1.15, 1.17, 60], [None, 1.15, 0]], "left", L.DECIMAL),
    L.BandTable("first_response", "首次响应时间 ST（秒）", "First response ST (seconds)",
                [[None, 10, 100], [10, 15, 90], [15, 20, 80], [20, 25, 70], [25, 30, 60],
                 [30, None, 0]], "right", L.SECONDS),
    L.BandTable("avg_response", "平均响应时间 PT（秒）", "Average response PT (seconds)",
                [[None, 20, 100], [20, 25, 90], [25, 30, 80], [30, 35, 70], [35, 40, 60],
                 [40, None, 0]], "right", L.SECONDS),
    L.BandTable("returns", "月退货量 T（笔）", "Monthly returns T (count)",
                [[None, 3, 100], [3, 10, 80], [10, 20, 60], [20, None, 0]], "left", L.SECONDS),
)
KPIS = (
    Kpi("conversion", "转化率", "Conversion", "conversion", 0.30, BANDS[0],
        ("区间_转化率", "Band_Conversion")),
    Kpi("payment", "支付率", "Payment rate", "payment_rate", 0.25, BANDS[1],
        ("区间_支付率", "Band_Payment")),
    Kpi("aov_ratio", "落实客单价", "AOV ratio", "aov_ratio", 0.20, BANDS[2],
        ("区间_客单价", "Band_AOV_Ratio")),
    Kpi("first_response", "首次响应", "First response", "first_response_s", 0.10, BANDS[3],
        ("区间_首响", "Band_First_Response")),
    Kpi("avg_response", "平均响应", "Avg response", "avg_response_s", 0.05, BANDS[4],
        ("区间_平响", "Band_Avg_Response")),
    Kpi("returns", "退货量", "Returns", "returns", 0.05, BANDS[5], ("区间_退货", "Band_Returns")),
)
#: The weights as published add up to 95 %, which the weight check reports.


class CompositeTemplate(ScoredTemplate):
    name = "cs_composite"
    kpis = KPIS
    scheme_title = ("客服综合考核方案", "Composite customer-service scheme")
    scheme_note = (
        "修改区间表、权重或奖金参数后，所有客服的得分随之更新。区间表与权重按公布版本原样提供，"
        "每张表下方的检查单元格会指出断档、重叠以及权重合计不是 100% 的问题，请核对后修改。",
        "Edit a band table, a weight or a bonus figure and every agent's score follows. The "
        "tables and weights are shipped exactly as published; the check cell under each table "
        "points out gaps, overlaps and weights that do not add up to 100 % — review and "
        "correct them.")
    results_title = ("客服综合考核结果", "Composite appraisal results")
    results_note = (
        "各项得分按方案表的区间表计算；总分 = Σ 得分 × 权重；奖金按总分与奖金参数；"
        "四象限以团队平均转化率与客单价为界。红色为低于 70 分。",
        "Points come from the scheme's band tables; total = Σ points × weight; the bonus "
        "follows the total and the bonus figures; quadrants split at the team's average "
        "conversion and AOV. Red marks a total below 70.")
    title = ("客服综合考核", "Customer-service composite appraisal")
    description = ("客服综合考核模型：转化率、支付率、落实客单价、首次/平均响应、退货（区间表与权重按公布版本）",
                   "Composite customer-service model: conversion, payment rate, AOV ratio, first and "
                   "average response, returns (bands and weights as published)")
    inputs = (
        Column("agent", "客服", "Agent", "text", ("客服姓名", "姓名", "name", "agent name"), width=12),
        Column("inquiries", "询单人数", "Inquiries", "int", ("咨询总人数",), divides=True),
        Column("buyers", "成交人数", "Buyers", "int", ("最终付款人数", "付款人数"), at_most="inquiries"),
        Column("orders", "下单笔数", "Orders", "int", ("下单数",), divides=True),
        Column("paid_orders", "付款笔数", "Paid orders", "int", ("成交笔数(付款)", "paid"),
               at_most="orders"),
        Column("sales", "销售额", "Sales", "number", ("销售金额", "成交金额"), number_format=L.MONEY,
               width=12, needs="buyers"),
        Column("first_response_s", "首次响应(秒)", "First response (s)", "number",
               ("首次响应时间", "首响", "first response", "st"), number_format="0.0"),
        Column("avg_response_s", "平均响应(秒)", "Avg response (s)", "number",
               ("平均响应时间", "平响", "average response", "pt"), number_format="0.0"),
        Column("returns", "退货量", "Returns", "int", ("退货笔数", "退货数"), at_most="deals"),
        Column("deals", "成交笔数", "Deals", "int", ("成交单数",)),
    )
    params = (
        *L.SHOP_MONTH,
        Column("shop_aov", "店铺客单价", "Shop AOV", "number", ("店铺平均客单价", "shop aov"),
               number_format=L.DECIMAL, name_zh="店铺客单价", name_en="Shop_AOV"),
    )
    computed = (
        Computed("conversion", "询单转化率", "Conversion", L.PERCENT, rate("buyers", "inquiries")),
        Computed("payment_rate", "支付率", "Payment rate", L.PERCENT, rate("paid_orders", "orders")),
        Computed("aov", "客单价", "AOV", L.DECIMAL, rate("sales", "buyers")),
        Computed("aov_ratio", "落实客单价", "AOV ratio", L.DECIMAL,
                 lambda ctx, r: f"=KPI_RATE({ctx.data_cols['aov']}{r},"
                                f"{ctx.t('店铺客单价', 'Shop_AOV')})"),
        Computed("return_rate", "退货率", "Return rate", L.PERCENT, rate("returns", "deals")),
    )

    def sample_rows(self):
        # DOMAIN's worked example; sales = agent AOV × buyers so that the AOVs come out as published.
        return [
            dict(agent="A", inquiries=275, buyers=88, orders=240, paid_orders=228,
                 sales=round(78.23 * 88, 2), first_response_s=13, avg_response_s=21, returns=6,
                 deals=289),
            dict(agent="B", inquiries=1455, buyers=582, orders=325, paid_orders=247,
                 sales=round(76.9 * 582, 2), first_response_s=8, avg_response_s=19, returns=23,
                 deals=423),
            dict(agent="C", inquiries=800, buyers=232, orders=225, paid_orders=198,
                 sales=round(82.8 * 232, 2), first_response_s=16, avg_response_s=27, returns=0,
                 deals=260),
        ]

    def sample_params(self):
        return {"shop_aov": 66.3}
