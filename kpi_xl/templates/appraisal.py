"""The 100-point appraisal form: weighted KPI points, bonus points and negative
indicators, the monthly bonus rule, and a year sheet deciding year-end eligibility.

Rules (DOMAIN §3): a final score ≥ 90 earns the full monthly bonus, below 70 the
month fails and earns nothing, in between score % × the bonus.  Each negative
indicator (serious misconduct) deducts 10 points.  Three consecutive failed months,
or four in the year, forfeit the year-end bonus (70 itself does not fail).
"""
from __future__ import annotations

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment

from . import layout as L
from .base import Computed, Context, _print_setup
from .fill import normalise_month
from .layout import FIRST_ROW, HEADER_ROW, Column, Labels
from .scored import BONUS_PARAMS, Kpi, Param, ScoredTemplate, rate

BANDS = (
    L.BandTable("conversion", "询单转化率（成交人数 ÷ 询单人数）", "Conversion (buyers ÷ inquiries)",
                [[0.45, None, 100], [0.40, 0.45, 90], [0.35, 0.40, 80], [0.30, 0.35, 70],
                 [0.25, 0.30, 60], [None, 0.25, 40]], "left", L.PERCENT0),
    L.BandTable("completion", "销售完成率（销售额 ÷ 目标）", "Sales vs target (sales ÷ target)",
                [[1.00, None, 100], [0.90, 1.00, 90], [0.80, 0.90, 80], [0.70, 0.80, 70],
                 [None, 0.70, 50]], "left", L.PERCENT0),
    L.BandTable("reply", "回复率（已回复 ÷ 咨询）", "Reply rate (answered ÷ wrote)",
                [[0.98, None, 100], [0.95, 0.98, 90], [0.90, 0.95, 80], [0.85, 0.90, 60],
                 [None, 0.85, 0]], "left", L.PERCENT0),
    L.BandTable("response", "平均响应时间（秒）", "Average response (seconds)",
                [[None, 20, 100], [20, 30, 90], [30, 40, 80], [40, 50, 70], [50, None, 50]],
                "right", L.SECONDS),
    L.BandTable("bad_reviews", "差评率（差评 ÷ 评价数）", "Bad-review rate (bad ÷ reviews)",
                [[None, 0.005, 100], [0.005, 0.01, 80], [0.01, 0.02, 60], [0.02, None, 0]],
                "right", "0.0%"),
)

KPIS = (
    Kpi("conversion", "询单转化率", "Conversion", "conversion", 0.30, BANDS[0],
        ("区间_转化率", "Band_Conversion")),
    Kpi("completion", "销售完成率", "Sales vs target", "completion", 0.20, BANDS[1],
        ("区间_完成率", "Band_Completion")),
    Kpi("reply", "回复率", "Reply rate", "reply_rate", 0.15, BANDS[2], ("区间_回复率", "Band_Reply")),
    Kpi("response", "平均响应", "Avg response", "avg_response_s", 0.15, BANDS[3],
        ("区间_响应", "Band_Response")),
    Kpi("bad_reviews", "差评率", "Bad reviews", "bad_rate", 0.10, BANDS[4],
        ("区间_差评率", "Band_Bad_Reviews")),
    Kpi("supervisor", "主管评分", "Supervisor", "supervisor", 0.10),
)

# The form's monthly bonus is 800, not the composite model's 1000.
PARAMS = (Param("bonus", "月度奖金（元）", "Monthly bonus", 800, L.COUNT,
                ("月度奖金", "Monthly_Bonus")),) + BONUS_PARAMS[1:] + (
    Param("per_negative", "每次否决指标扣分", "Points per negative indicator", 10, "0",
          ("否决扣分", "Per_Negative"), "score"),
    Param("cap", "最终得分上限", "Highest final score", 100, "0", ("得分上限", "Score_Cap"), "number"),
    Param("year_threshold", "不合格线（低于此分）", "A month fails below", 70, "0",
          ("不合格线", "Fail_Below"), "score"),
    Param("max_run", "连续不合格月数（取消年终奖）", "Consecutive failed months that disqualify", 3,
          "0", ("连续不合格月数", "Max_Failed_Run"), "int"),
    Param("max_total", "全年不合格月数（取消年终奖）", "Failed months in a year that disqualify", 4,
          "0", ("累计不合格月数", "Max_Failed_Total"), "int"),
)

MONTHS_ZH = [f"{m}月" for m in range(1, 13)]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

#: Example monthly scores of the year sheet (hand-checked against the year-end rule):
#: A never fails; B fails three months running; C fails three months apart and scores
#: exactly 70 once (not a failure); D fails four months in all.
SAMPLE_YEAR = {
    "A": [85, 88, 90, 76, 92, 80, 78, 84, 91, 87, 83, 89],
    "B": [82, 75, 68, 65, 60, 72, 80, 85, 79, 77, 74, 81],
    "C": [72, 69, 75, 68, 80, 70, 66, 85, 90, 88, 86, 84],
    "D": [65, 80, 69, 85, 68, 90, 75, 66, 88, 92, 80, 85],
}


class AppraisalTemplate(ScoredTemplate):
    name = "appraisal_100"
    title = ("百分制绩效考核表", "100-point appraisal form")
    description = ("百分制考核：加权得分、加分与否决指标、月度奖金规则、全年年终奖资格",
                   "100-point appraisal: weighted points, bonus points and negative indicators, "
                   "the monthly bonus rule, year-end eligibility")
    kpis = KPIS
    parameters = PARAMS
    parameters_title = ("奖金与扣分规则", "Bonus and deduction rules")
    scheme_sheet = ("考核方案", "Scheme")
    scheme_title = ("百分制绩效考核方案", "100-point appraisal scheme")
    scheme_note = (
        "满分 100 分：各项得分（区间表）× 权重相加，再加加分项、减否决指标（每次扣 10 分）。"
        "月度奖金：≥ 90 分发全额，< 70 分当月不合格不发，其余按得分百分比发放。"
        "连续 3 个月或全年累计 4 个月低于 70 分（70 分不算），取消年终奖。"
        "考核人应扣未扣的，扣考核人该项分数的两倍（另行记录）。",
        "Out of 100: band-table points × weights, plus bonus points, minus 10 per negative "
        "indicator. Monthly bonus: full at 90 or more, none below 70 (the month fails), "
        "otherwise score % of the bonus. Three consecutive months, or four in a year, below 70 "
        "(70 itself passes) forfeit the year-end bonus. An evaluator who fails to deduct when "
        "due loses double that item's points (recorded separately).")
    results_title = ("月度绩效考核结果", "Monthly appraisal results")
    results_note = (
        "加权得分 = Σ 得分 × 权重；总分 = 加权得分 + 加分 − 否决次数 × 扣分（0 到上限之间）。"
        "红色为不合格（低于 70 分）。",
        "Weighted = Σ points × weight; total = weighted + bonus points − negatives × deduction "
        "(between 0 and the cap). Red marks a failed month (below 70).")
    inputs = (
        Column("agent", "客服", "Agent", "text", ("客服姓名", "姓名", "name"), width=12),
        Column("inquiries", "询单人数", "Inquiries", "int", ("咨询总人数",), divides=True),
        Column("buyers", "成交人数", "Buyers", "int", ("最终付款人数", "付款人数"), at_most="inquiries"),
        Column("sales", "销售额", "Sales", "number", ("销售金额",), number_format=L.MONEY,
               width=12, needs="buyers"),
        Column("target", "销售目标", "Sales target", "number", ("目标销售额", "target sales"),
               divides=True,
               number_format=L.MONEY, width=12),
        Column("chats", "咨询人数(旺旺)", "Buyers who wrote", "int", ("接待人数", "wrote"),
               divides=True),
        Column("replied", "已回复人数", "Buyers answered", "int", ("回复人数", "answered"),
               at_most="chats"),
        Column("avg_response_s", "平均响应(秒)", "Avg response (s)", "number",
               ("平均响应时间", "平响", "average response"), number_format="0.0"),
        Column("reviews", "评价数", "Reviews", "int", ("评价人数",), divides=True),
        Column("bad_reviews", "差评数", "Bad reviews", "int", ("差评", "中差评数"),
               at_most="reviews"),
        Column("supervisor", "主管评分", "Supervisor score", "score", ("主管打分", "rating"),
               number_format="0"),
        Column("bonus_points", "加分", "Bonus points", "number", ("加分项",), required=False,
               number_format="0"),
        Column("negatives", "否决指标次数", "Negative indicators", "int", ("违规次数", "negatives"),
               required=False, number_format="0"),
    )
    params = (
        *L.SHOP_MONTH,
    )
    computed = (
        Computed("conversion", "询单转化率", "Conversion", L.PERCENT, rate("buyers", "inquiries")),
        Computed("completion", "销售完成率", "Sales vs target", L.PERCENT, rate("sales", "target")),
        Computed("reply_rate", "回复率", "Reply rate", L.PERCENT, rate("replied", "chats")),
        Computed("bad_rate", "差评率", "Bad-review rate", "0.00%", rate("bad_reviews", "reviews")),
        Computed("aov", "客单价", "AOV", L.DECIMAL, rate("sales", "buyers")),
    )

    def sample_rows(self):
        return [
            dict(agent="A", inquiries=400, buyers=184, sales=36800, target=35000, chats=1000,
                 replied=990, avg_response_s=18, reviews=400, bad_reviews=1, supervisor=95,
                 bonus_points=0, negatives=0),
            dict(agent="B", inquiries=500, buyers=190, sales=30000, target=35000, chats=1200,
                 replied=1150, avg_response_s=27, reviews=300, bad_reviews=3, supervisor=85,
                 bonus_points=2, negatives=0),
            dict(agent="C", inquiries=450, buyers=117, sales=22000, target=35000, chats=900,
                 replied=800, avg_response_s=45, reviews=250, bad_reviews=5, supervisor=70,
                 bonus_points=0, negatives=0),
            dict(agent="D", inquiries=380, buyers=160, sales=34000, target=35000, chats=950,
                 replied=935, avg_response_s=19, reviews=320, bad_reviews=2, supervisor=90,
                 bonus_points=0, negatives=1),
        ]

    def score_columns(self, t: Labels) -> list[Computed]:
        p = lambda key: self.param_name(t, key)  # noqa: E731
        return [
            Computed("weighted", "加权得分", "Weighted", L.SCORE, self.weighted_formula(t)),
            Computed("bonus_points", "加分", "Bonus pts", "0",
                     lambda c, r: f"={c.d('bonus_points', r)}"),
            Computed("negatives", "否决次数", "Negatives", "0",
                     lambda c, r: f"={c.d('negatives', r)}"),
            Computed("total", "总分", "Total", L.SCORE,
                     lambda c, r: f"=KPI_FINAL({c.r('weighted', r)},{c.r('bonus_points', r)},"
                                  f"{c.r('negatives', r)},{p('per_negative')},{p('cap')})"),
        ]

    def after_rank_columns(self, t: Labels) -> list[Computed]:
        fail, ok = t("不合格", "fail"), t("合格", "pass")
        return [Computed("passed", "当月结果", "Month", "@",
                         lambda c, r: f'=IF({c.r("total", r)}<{self.param_name(t, "none_below")},'
                                      f'"{fail}","{ok}")')]

    # -- the year sheet --------------------------------------------------------------
    def extra_agent_sheets(self):
        return (("年度考核", "Year"),)

    def write_extra(self, wb, t: Labels, ctx: Context, params: dict) -> None:
        ws = wb.create_sheet(t("年度考核", "Year"))
        months = MONTHS_ZH if t.lang == "zh" else MONTHS_EN
        filled_month = _month_index(params.get("month"))
        L.widths(ws, {1: 12, **{i: 7 for i in range(2, 14)}, 14: 11, 15: 11, 16: 12})
        L.title(ws, t("全年考核与年终奖资格", "The year's scores and year-end eligibility"),
                t("录入每月总分（本月由考核结果自动带入）。低于不合格线的月份标红；"
                  "连续或累计不合格月数达到方案规定即取消年终奖。",
                  "Enter each month's total (this month's comes from the results). Months below "
                  "the fail line are red; reaching the scheme's consecutive or total count of "
                  "failed months forfeits the year-end bonus."), span=16)
        L.header(ws, HEADER_ROW, 1, [t("客服", "Agent")] + months +
                 [t("不合格月数", "Failed months"), t("年终奖资格", "Year-end eligible"),
                  t("波动(CV)", "Volatility (CV)")])
        thr = self.param_name(t, "year_threshold")
        yes, no = t("有", "yes"), t("无", "no")
        pending = t("待定：已录入 ", "pending: months entered ")
        for k in range(max(ctx.n, 1)):
            r = ctx.first + k
            L.body(ws.cell(r, 1, ctx.guard(r, f"={ctx.d('agent', r)}")), bold=True,
                   align=Alignment(horizontal="left", vertical="center"))
            sample = SAMPLE_YEAR.get(chr(ord("A") + k)) if params.get("_sample_year") else None
            for m in range(12):
                cell = ws.cell(r, 2 + m)
                if filled_month == m:
                    cell.value = f"={L.qsheet(ctx.results_sheet)}!{ctx.r('total', r)}"
                    L.body(cell, "0.0")
                else:
                    cell.value = sample[m] if sample else None
                    L.body(cell, "0.0", editable=True)
            span = f"B{r}:M{r}"
            L.body(ws.cell(r, 14, ctx.guard(r, f'=COUNTIF({span},"<"&{thr})')), "0")
            # A year with months still to come can already be lost, but not yet won: a
            # filled month's sheet holds one month and must not show "yes" on it.  A row
            # without any month yet (data filled without a month) is pending too: KPI_YEAR_END
            # gives "" for it, and NOT("") would be #VALUE!.
            L.body(ws.cell(r, 15, ctx.guard(r, f'=IF(COUNT({span})=0,"{pending}0/12",'
                                  f'IF(NOT(KPI_YEAR_END({span},{thr},'
                                  f'{self.param_name(t, "max_run")},'
                                  f'{self.param_name(t, "max_total")})),"{no}",'
                                  f'IF(COUNT({span})<12,"{pending}"&COUNT({span})&"/12",'
                                  f'"{yes}")))')),
                   bold=True)
            L.body(ws.cell(r, 16, ctx.guard(r, f'=IF(COUNT({span})<2,"",KPI_CV({span}))')),
                   L.PERCENT)
        months_range = f"B{ctx.first}:M{ctx.last}"
        dv = L.validation("score", t, t("月度总分", "Monthly total"))
        dv.add(months_range)
        ws.add_data_validation(dv)
        ws.conditional_formatting.add(
            months_range, CellIsRule(operator="lessThan", formula=[thr], fill=L.FAIL_FILL,
                                     font=L.FAIL_FONT))
        ws.conditional_formatting.add(
            f"O{ctx.first}:O{ctx.last}",
            CellIsRule(operator="equal", formula=[f'"{no}"'], fill=L.FAIL_FILL, font=L.FAIL_FONT))
        ws.conditional_formatting.add(
            f"O{ctx.first}:O{ctx.last}",
            CellIsRule(operator="equal", formula=[f'"{yes}"'], fill=L.OK_FILL, font=L.OK_FONT))
        ws.freeze_panes = ws.cell(FIRST_ROW, 2)
        _print_setup(ws, landscape=True)

    def sample_params(self):
        # Only the shipped template carries example months; filled workbooks start empty.
        return {"_sample_year": True}


def _month_index(month) -> int | None:
    """0–11 for a month like '2025-03', None when there is none."""
    if not month:
        return None
    text = normalise_month(str(month))
    if text and len(text) == 7 and text[4] == "-" and text[5:].isdigit():
        return int(text[5:]) - 1
    return None
