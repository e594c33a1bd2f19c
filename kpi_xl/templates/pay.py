"""The monthly pay sheet: base salary stepped by tenure, tiered commission paid only under
its conditions, and a performance bonus by one of three rules.

Pay = base (KPI_TENURE_BASE, + the month's top performer award) + commission
(KPI_COMMISSION, paid when sales reach the floor, conversion and AOV are at least
the team average and the bad-review rate is below it) + performance bonus, by
(1) score bands → fixed amounts, (2) score × coefficient, or (3) score bands → a
percentage that multiplies the commission (the bonus is the difference it makes).
"""
from __future__ import annotations

from openpyxl.formatting.rule import CellIsRule
from openpyxl.utils import get_column_letter

from ..core.pay import POINTS_FROM

from . import layout as L
from .base import Computed, Context, _print_setup, rank_formula
from .layout import Column, Labels
from .scored import Param, ScoredTemplate, rate_or_blank

TIERS = L.BandTable("tiers", "提成阶梯（销售额起点 → 提成比例）", "Commission tiers (sales from → rate)",
                    [[0, 0.03], [50000, 0.04], [100000, 0.05]], "left", L.COUNT,
                    point_fmt="0.0%", headers=(("销售额起点", "Sales from"), ("提成比例", "Rate")))
BONUS_TIERS = L.BandTable("bonus_tiers", "方式 1：得分档位 → 奖金（元）", "Rule 1: score band → bonus",
                          [[90, None, 800], [80, 90, 500], [70, 80, 300], [None, 70, 0]], "left",
                          "0", point_fmt=L.COUNT,
                          headers=(("得分下限", "Score from"), ("得分上限", "Score to"),
                                   ("奖金", "Bonus")))
MULTIPLIER = L.BandTable("multiplier", "方式 3：得分档位 → 提成倍率", "Rule 3: score band → commission ×",
                         [[95, None, 1.2], [85, 95, 1.0], [70, 85, 0.8], [None, 70, 0.5]], "left",
                         "0", point_fmt="0%",
                         headers=(("得分下限", "Score from"), ("得分上限", "Score to"),
                                  ("倍率", "Multiplier")))
#: A commission multiplier this large is a percentage typed as a whole number (120 for 120 %).
WHOLE_PERCENT_FROM = 10
TABLE_NAMES = {"tiers": ("提成阶梯", "Commission_Tiers"),
               "bonus_tiers": ("绩效档位奖金", "Bonus_Tiers"),
               "multiplier": ("提成倍率", "Commission_Multiplier")}

PARAMS = (
    Param("base", "起始底薪（元）", "Starting base salary", 3000, L.COUNT, ("起始底薪", "Base_Salary")),
    Param("step", "每档加薪（元）", "Raise per step", 100, L.COUNT, ("每档加薪", "Raise_Step")),
    Param("every", "每档月数", "Months per step", 3, "0", ("每档月数", "Raise_Every"), "int"),
    Param("after", "首次加薪前月数", "Months before the first step", 3, "0",
          ("首次加薪月数", "Raise_After"), "int"),
    Param("top_award", "当月最佳奖励（元）", "Top performer of the month", 100, L.COUNT,
          ("月度最佳奖励", "Top_Performer_Award")),
    Param("floor", "提成销售额门槛（元）", "Sales floor for commission", 30000, L.COUNT,
          ("提成门槛", "Commission_Floor")),
    Param("mode", "提成方式（flat 全额 / progressive 累进）", "Commission mode (flat / progressive)",
          "flat", "@", ("提成方式", "Commission_Mode"), "list:flat,progressive"),
    Param("method", "绩效奖金方式（1 档位 / 2 系数 / 3 倍率）", "Performance bonus rule (1 / 2 / 3)", 1,
          "0", ("绩效奖金方式", "Bonus_Rule"), "list:1,2,3"),
    Param("k", "方式 2：系数 k（奖金 = 得分 × k）", "Rule 2: coefficient k (bonus = score × k)", 8,
          "0.00", ("奖金系数", "Bonus_Coefficient")),
)


class PayTemplate(ScoredTemplate):
    name = "monthly_pay"
    title = ("客服月度工资表", "Monthly pay sheet")
    description = ("月度工资：工龄阶梯底薪、有条件的阶梯提成、三种绩效奖金方式",
                   "Monthly pay: tenure-stepped base, tiered commission under its conditions, "
                   "performance bonus by one of three rules")
    parameters = PARAMS
    parameters_title = ("工资参数", "Pay figures")
    scheme_sheet = ("薪酬方案", "Pay scheme")
    results_sheet = ("工资表", "Pay sheet")
    scheme_title = ("客服薪酬方案", "Customer-service pay scheme")
    scheme_note = (
        "工资 = 底薪 + 提成 + 绩效奖金。底薪：满 3 个月起每 3 个月加 100 元，当月销售额最高者另加 100 元"
        "（并列均得）。提成按阶梯计算，仅当销售额达到门槛、转化率和客单价不低于团队平均、中差评率低于团队"
        "平均（无中差评者视为满足）时发放。绩效奖金三选一：1 按得分档位发固定金额；2 得分 × 系数；"
        "3 提成 × 得分档位倍率（可超过 100%，代替提成计入工资）。",
        "Pay = base + commission + performance bonus. Base: +100 every 3 months from the third "
        "month; the month's best sales earn another 100 (shared by equal best). Commission is "
        "tiered and paid only when sales reach the floor, conversion and AOV are at least the "
        "team average and the bad/neutral-review rate is below it (none at all always meets it). "
        "Performance bonus, one rule of three: 1 score bands → fixed amounts; 2 score × "
        "coefficient; 3 commission × a multiplier by score band (may exceed 100 %; it replaces "
        "the commission in pay).")
    results_title = ("客服月度工资表", "Monthly pay sheet")
    results_note = (
        "得分来自当月考核表；团队平均见客服数据表最后一行。三种绩效奖金都列出，按方案选定的方式计入工资。",
        "Scores come from the month's appraisal; team averages are the last row of the agent "
        "data. All three performance bonuses are shown; the scheme's chosen rule goes into pay.")
    parts_title = ("工资构成", "What the pay is made of")
    inputs = (
        Column("agent", "客服", "Agent", "text", ("客服姓名", "姓名", "name"), width=12),
        Column("tenure_months", "在职月数", "Months of service", "int", ("工龄(月)", "tenure")),
        Column("score", "考核得分", "Appraisal score", "score", ("得分", "总分", "score"),
               number_format="0.0"),
        Column("sales", "销售额", "Sales", "number", ("销售金额",), number_format=L.MONEY, width=12,
               needs="buyers"),
        Column("inquiries", "询单人数", "Inquiries", "int", ("咨询总人数",)),
        Column("buyers", "成交人数", "Buyers", "int", ("付款人数",), at_most="inquiries"),
        Column("reviews", "评价数", "Reviews", "int", ("评价人数",)),
        Column("bad_reviews", "差评数", "Bad reviews", "int", ("差评",)),
        # The seed's bad-review rate is 差评/中评率: neutral reviews count against it too.
        Column("neutral_reviews", "中评数", "Neutral reviews", "int", ("中评",), required=False),
    )
    #: the bad/neutral-review rate divides their sum by the reviews
    extra_input_rules = (L.InputRule("at_most", ("bad_reviews", "neutral_reviews"), "reviews"),)
    params = (
        *L.SHOP_MONTH,
    )
    # A rate of a 0 base (no inquiries, buyers or reviews) is blank, not 0 %: the team average
    # the commission conditions compare with leaves it out.
    computed = (
        Computed("conversion", "询单转化率", "Conversion", L.PERCENT,
                 rate_or_blank("buyers", "inquiries"), may_be_blank=True),
        Computed("aov", "客单价", "AOV", L.DECIMAL, rate_or_blank("sales", "buyers"),
                 may_be_blank=True),
        Computed("bad_rate", "中差评率", "Bad/neutral rate", "0.00%",
                 lambda ctx, r: f'=IF(N({ctx.data_cols["reviews"]}{r})=0,"",'
                                f"KPI_RATE(SUM({ctx.data_cols['bad_reviews']}{r}:"
                                f"{ctx.data_cols['neutral_reviews']}{r}),"
                                f"{ctx.data_cols['reviews']}{r}))", may_be_blank=True),
    )

    def sample_rows(self):
        return [
            dict(agent="A", tenure_months=2, score=95, sales=120000, inquiries=1000, buyers=400,
                 reviews=380, bad_reviews=2),
            dict(agent="B", tenure_months=7, score=86, sales=80000, inquiries=900, buyers=300,
                 reviews=290, bad_reviews=3),
            dict(agent="C", tenure_months=13, score=78, sales=70000, inquiries=700, buyers=260,
                 reviews=250, bad_reviews=1),
            dict(agent="D", tenure_months=4, score=65, sales=25000, inquiries=600, buyers=150,
                 reviews=140, bad_reviews=4),
        ]

    def build_scheme(self, wb, t: Labels) -> None:
        ws = wb.create_sheet(t(*self.scheme_sheet))
        L.widths(ws, {1: 16, 2: 16, 3: 13, 4: 4, 5: 13, 6: 13, 7: 13})
        L.title(ws, t(*self.scheme_title), t(*self.scheme_note), span=7)
        row = self.write_parameters(wb, ws, t, 4)
        checks = []
        end = L.band_table(wb, ws, row, 1, TIERS, t, t(*TABLE_NAMES["tiers"]))
        checks.append(f"B{end - 2}")
        row = end
        bonus_tiers, multiplier = t(*TABLE_NAMES["bonus_tiers"]), t(*TABLE_NAMES["multiplier"])
        guards = self.band_guards(t)
        end = L.band_table(wb, ws, row, 1, BONUS_TIERS, t, bonus_tiers, 4,
                           guards=guards[bonus_tiers])
        checks.append(f"B{end - 2}")
        L.band_table(wb, ws, row, 5, MULTIPLIER, t, multiplier, 4, guards=guards[multiplier])
        checks.append(f"F{end - 2}")
        for cell in checks:
            L.check_format(ws, cell)
        ws.sheet_view.showGridLines = False
        _print_setup(ws, landscape=False)

    def band_guards(self, t: Labels) -> dict[str, tuple[L.BandGuard, ...]]:
        """The score band tables' guards, by table name.  Bounds all within 0–1 while the
        agents' scores are in points (any of 10 or more, as KPI_BONUS judges a threshold):
        percentages typed for points (0.9 for 90), above which every agent would score the
        top band.  A multiplier of 10 or more: a percentage typed as a whole number (120
        for 120 %), which would multiply the commission by 120."""
        column = get_column_letter(1 + [c.key for c in self.inputs].index("score"))
        points = L.BandGuard(
            "fractions", "得分档位的上下限都不超过 1，而得分为百分制：是否把分数线误填为百分比（90 填成 0.9）？",
            "The score bounds are all 1 or less while the scores are in points: "
            "percentages typed for points (0.9 for 90)?", POINTS_FROM,
            scores=(t(*self.data_sheet), column))
        whole = L.BandGuard(
            "at_least", "倍率达到 10 倍（1000%）及以上：是否把百分比误填为整数（120% 填成 120）？",
            "A multiplier of 10 (1,000 %) or more: percentages typed as whole numbers "
            "(120 for 120 %)?", WHOLE_PERCENT_FROM, column=3)
        return {t(*TABLE_NAMES["bonus_tiers"]): (points,),
                t(*TABLE_NAMES["multiplier"]): (points, whole)}

    def write_results(self, wb, t: Labels, ctx: Context) -> None:
        ws = wb.create_sheet(ctx.results_sheet)
        p = lambda key: self.param_name(t, key)  # noqa: E731
        n = lambda key: t(*TABLE_NAMES[key])  # noqa: E731
        yes, no = t("是", "yes"), t("否", "no")

        def conditions(c, r):
            # "Below the team average" cannot hold for anyone in a month without bad reviews
            # (0 < 0); an agent with none has met it, whatever the team did.
            # A row whose input check is not OK has no conditions, commission or pay.
            return c.if_inputs_ok(
                r, f'=IF(AND({c.d("sales", r)}>={p("floor")},{c.d("conversion", r)}>='
                   f'{c.davg("conversion")},{c.d("aov", r)}>={c.davg("aov")},'
                   f'OR(N({c.d("bad_rate", r)})=0,{c.d("bad_rate", r)}<{c.davg("bad_rate")})),'
                   f'"{yes}","{no}")')

        cols = [
            Computed("total", "总分", "Total", "0.0",
                     lambda c, r: c.if_inputs_ok(r, f"={c.d('score', r)}")),
            Computed("base", "底薪", "Base", L.COUNT,
                     lambda c, r: f"=KPI_TENURE_BASE({c.d('tenure_months', r)},{p('base')},"
                                  f"{p('step')},{p('every')},{p('after')})"),
            # The month's top performer is the best seller (the seed's rule); equal best
            # sales share the award.
            Computed("top", "最佳奖励", "Top award", L.COUNT,
                     lambda c, r: f"=IF(AND(N({c.d('sales', r)})>0,"
                                  f"{c.d('sales', r)}=MAX({c.dcol('sales')})),"
                                  f"{p('top_award')},0)"),
            Computed("commission_calc", "应计提成", "Commission earned", L.MONEY,
                     lambda c, r: f"=KPI_COMMISSION({c.d('sales', r)},{n('tiers')},{p('mode')})",
                     width=11),
            Computed("conditions", "提成条件", "Conditions met", "@", conditions),
            Computed("commission", "实发提成", "Commission paid", L.MONEY,
                     lambda c, r: f'=IF({c.r("conditions", r)}="{yes}",'
                                  f'{c.r("commission_calc", r)},0)', width=11),
            Computed("bonus_tier", "方式1 档位奖金", "Rule 1 bonus", L.COUNT,
                     lambda c, r: f'=KPI_BAND({c.r("total", r)},{n("bonus_tiers")},"left")'),
            Computed("bonus_coef", "方式2 系数奖金", "Rule 2 bonus", L.MONEY,
                     lambda c, r: f"={c.r('total', r)}*{p('k')}"),
            Computed("multiplier", "方式3 提成倍率", "Rule 3 multiplier", "0%",
                     lambda c, r: f'=KPI_BAND({c.r("total", r)},{n("multiplier")},"left")'),
            # Rule 3 replaces the commission by commission × multiplier (never negative).
            Computed("bonus_mult", "方式3 倍率提成", "Rule 3 commission", L.MONEY,
                     lambda c, r: f"={c.r('commission', r)}*{c.r('multiplier', r)}"),
            Computed("performance", "绩效奖金", "Performance bonus", L.MONEY,
                     lambda c, r: f"=CHOOSE({p('method')},{c.r('bonus_tier', r)},"
                                  f"{c.r('bonus_coef', r)},{c.r('bonus_mult', r)})", width=11),
            Computed("pay", "应发工资", "Pay", L.MONEY,
                     lambda c, r: f"={c.r('base', r)}+{c.r('top', r)}"
                                  f"+IF({p('method')}=3,0,{c.r('commission', r)})"
                                  f"+{c.r('performance', r)}", width=12),
            Computed("pay_rank", "工资排名", "Pay rank", "0",
                     lambda c, r: rank_formula(c.r('pay', r), c.rcol('pay'))),
            self.quadrant_column(t),
        ]
        # The stacked chart needs its series side by side: the parts of pay, repeated.
        parts = [("base", "底薪", "Base"), ("top", "最佳奖励", "Top award"),
                 ("commission", "提成", "Commission"), ("performance", "绩效奖金", "Performance")]
        for key, zh, en in parts:
            if key == "commission":  # under rule 3 the commission is inside the bonus
                formula = (lambda c, r, k=key:  # noqa: E731
                           f"=IF({p('method')}=3,0,{c.r(k, r)})")
            else:
                formula = lambda c, r, k=key: f"={c.r(k, r)}"  # noqa: E731
            cols.append(Computed(f"part_{key}", zh, en, L.COUNT, formula, width=10))
        L.title(ws, t(*self.results_title), t(*self.results_note), span=14)
        self.results_table(wb, ws, t, ctx, cols)
        pay = ctx.rcol("pay").replace("$", "")
        L.colour_scale(ws, pay)
        total = ctx.rcol("total").replace("$", "")
        ws.conditional_formatting.add(total, CellIsRule(operator="lessThan", formula=["70"],
                                                        fill=L.FAIL_FILL, font=L.FAIL_FONT))
        cond = ctx.rcol("conditions").replace("$", "")
        ws.conditional_formatting.add(cond, CellIsRule(operator="equal", formula=[f'"{no}"'],
                                                       fill=L.FAIL_FILL, font=L.FAIL_FONT))
        ws.conditional_formatting.add(cond, CellIsRule(operator="equal", formula=[f'"{yes}"'],
                                                       fill=L.OK_FILL, font=L.OK_FONT))
        first, last = ctx.result_cols["part_base"], ctx.result_cols["part_performance"]
        ws[f"{first}3"] = t(*self.parts_title)
        ws[f"{first}3"].font = L.BOLD_FONT
        ws.merge_cells(f"{first}3:{last}3")
        self.ranking_and_charts(ws, t, ctx, "pay", [f"part_{k}" for k, *_ in parts],
                                t("应发工资", "Pay"), axis_max=None,
                                parts_axis=("金额（元）", "Amount"), total_fmt=L.COUNT,
                                parts_title=self.parts_title)
