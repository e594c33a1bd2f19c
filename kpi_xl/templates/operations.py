"""The operations (运营) scheme of a Taobao shop: 100 points of items plus bonus points.

Each item's band table gives its points directly (out of the item's full marks);
the full marks add up to 100, which the check under them confirms.  Bonus points
(+5 each) come on top: campaigns adopted and new items that sell well are entered,
the others follow from the figures (ROI, sales and team work above their marks,
the plan fully carried out).
"""
from __future__ import annotations

from . import layout as L
from .base import Computed
from .layout import Column, Labels
from .scored import Kpi, Param, ScoredTemplate, rate

BANDS = (
    L.BandTable("roi", "推广 ROI ÷ 基准 ROI（1:5）", "Ad ROI ÷ base ROI (1:5)",
                [[1.20, None, 20], [1.00, 1.20, 15], [0.80, 1.00, 10], [0.60, 0.80, 5],
                 [None, 0.60, 0]], "left", L.PERCENT0,
                "原方案未列 60% 以下，默认 0 分", "below 60 % is not in the published scheme; 0 by default"),
    L.BandTable("sales", "月销售额完成率", "Monthly sales vs target",
                [[1.00, None, 30], [0.90, 1.00, 25], [0.80, 0.90, 20], [0.70, 0.80, 15],
                 [None, 0.70, 10]], "left", L.PERCENT0),
    L.BandTable("plan", "月/周计划完成率", "Monthly/weekly plan carried out",
                [[1.00, None, 20], [0.90, 1.00, 15], [0.80, 0.90, 10], [None, 0.80, 5]],
                "left", L.PERCENT0),
    L.BandTable("team", "团队工作进度", "Team work progress",
                [[1.00, None, 20], [0.90, 1.00, 15], [0.80, 0.90, 10], [0.70, 0.80, 5],
                 [None, 0.70, 0]], "left", L.PERCENT0),
)

KPIS = (
    Kpi("roi", "推广ROI", "Ad ROI", "roi_vs_base", 20, BANDS[0], ("区间_推广ROI", "Band_ROI")),
    Kpi("sales", "销售完成", "Sales vs target", "completion", 30, BANDS[1],
        ("区间_销售完成", "Band_Sales")),
    Kpi("plan", "计划执行", "Plan carried out", "plan_done", 20, BANDS[2],
        ("区间_计划执行", "Band_Plan")),
    Kpi("team", "团队进度", "Team progress", "team_progress", 20, BANDS[3],
        ("区间_团队进度", "Band_Team")),
    Kpi("cooperation", "配合其他岗位", "Cooperation", "cooperation", 5),
    Kpi("discipline", "遵守纪律", "Discipline", "discipline", 5),
)

PARAMS = (
    Param("base_roi", "基准 ROI（1:X 中的 X）", "Base ROI (X in 1:X)", 5, "0.0",
          ("基准ROI", "Base_ROI")),
    Param("bonus_each", "每项加分", "Points per bonus item", 5, "0", ("每项加分", "Bonus_Each")),
    Param("roi_mark", "ROI 加分线（基准的倍数）", "ROI bonus from (× base)", 1.2, L.PERCENT0,
          ("ROI加分线", "ROI_Bonus_Above")),
    Param("sales_mark", "销售加分线（目标的倍数）", "Sales bonus from (× target)", 1.2, L.PERCENT0,
          ("销售加分线", "Sales_Bonus_Above")),
    Param("team_mark", "团队进度加分线", "Team work bonus from", 1.0, L.PERCENT0,
          ("团队加分线", "Team_Bonus_Above")),
    Param("bonus", "月度奖金（元）", "Monthly bonus", 2000, L.COUNT, ("月度奖金", "Monthly_Bonus")),
    Param("full_at", "全额分数线", "Full bonus from score", 90, "0", ("全额分数线", "Full_Bonus_At"),
          "number"),
    Param("none_below", "低于此分不发", "No bonus below score", 70, "0",
          ("奖金下限", "No_Bonus_Below"), "number"),
)


class OperationsTemplate(ScoredTemplate):
    name = "taobao_ops"
    title = ("淘宝店铺运营考核", "Taobao shop operations appraisal")
    description = ("淘宝店铺运营考核：100 分基础项 + 加分项",
                   "Operations scheme of a Taobao shop: 100 points plus bonus points")
    kpis = KPIS
    parameters = PARAMS
    parameters_title = ("加分与奖金", "Bonus points and bonus")
    weights_name = ("满分", "Full_Marks")
    weights_title = ("各项满分（合计应为 100）", "Full marks per item (should add up to 100)")
    weight_label = ("满分", "Full marks")
    weight_fmt = "0"
    weight_kind = "number"
    axis_max = None
    data_sheet = ("运营数据", "Staff data")
    scheme_title = ("淘宝店铺运营考核方案", "Taobao shop operations scheme")
    scheme_note = (
        "基础分 100 分：各项按区间表直接得分（满分见上表）；配合与纪律由主管按 0–5 分评定。"
        "加分项每项 +5 分：推荐活动被采纳（每次）、ROI 超过基准 120%、销售额超过目标 120%、"
        "计划 100% 完成、每月推荐 4 款新品且销售良好、团队工作进度超过 100%。",
        "100 base points: each item's band table gives its points directly (full marks above); "
        "cooperation and discipline are rated 0–5 by the manager. Bonus points, +5 each: a "
        "recommended campaign adopted (each time), ROI above 120 % of base, sales above 120 % of "
        "target, the plan 100 % carried out, 4 new items a month that sell well, team work "
        "above 100 %.")
    results_title = ("运营考核结果", "Operations appraisal results")
    results_note = (
        "总分 = 基础分（各项得分之和）+ 加分。奖金按总分与方案参数。",
        "Total = base points (the items' points added up) + bonus points. The bonus follows "
        "the total and the scheme's figures.")
    parts_title = ("得分构成", "Where the points come from")
    parts_axis = ("得分", "Points")
    data_note = (
        "黄色单元格为录入项（每行一名运营）；灰色单元格由公式计算。最后一行为团队平均。",
        "Yellow cells are inputs (one person per row); grey cells are computed. The last row "
        "is the team average.")
    inputs = (
        Column("agent", "运营", "Staff", "text", ("姓名", "name", "agent", "客服"), width=12),
        Column("ad_spend", "推广花费", "Ad spend", "number", ("推广费用", "ad cost"), divides=True,
               number_format=L.MONEY, width=12),
        Column("ad_sales", "推广成交额", "Ad sales", "number", ("推广销售额",),
               number_format=L.MONEY, width=12),
        Column("sales", "月销售额", "Sales", "number", ("销售额",), number_format=L.MONEY, width=12),
        Column("target", "销售目标", "Sales target", "number", ("目标销售额",), divides=True,
               number_format=L.MONEY, width=12),
        Column("plan_done", "计划完成率", "Plan carried out", "percent", ("计划执行率",), upper=None),
        Column("team_progress", "团队工作进度", "Team progress", "percent", ("团队进度",),
               upper=None),
        Column("cooperation", "配合(0-5)", "Cooperation (0-5)", "number", ("配合", "cooperation")),
        Column("discipline", "纪律(0-5)", "Discipline (0-5)", "number", ("纪律", "discipline")),
        Column("campaigns", "活动被采纳次数", "Campaigns adopted", "int", ("采纳次数",),
               required=False, number_format="0"),
        Column("new_items", "新品推荐达标(0/1)", "New items sold well (0/1)", "int",
               ("新品达标",), required=False, number_format="0"),
    )
    params = (
        *L.SHOP_MONTH,
    )
    computed = (
        Computed("roi", "推广ROI", "Ad ROI", "0.00", rate("ad_sales", "ad_spend")),
        Computed("roi_vs_base", "ROI÷基准", "ROI ÷ base", L.PERCENT,
                 lambda c, r: f"=KPI_RATE({c.data_cols['roi']}{r},{c.t('基准ROI', 'Base_ROI')})"),
        Computed("completion", "销售完成率", "Sales vs target", L.PERCENT, rate("sales", "target")),
    )

    def sample_rows(self):
        return [
            dict(agent="A", ad_spend=10000, ad_sales=62000, sales=130000, target=100000,
                 plan_done=1.0, team_progress=1.05, cooperation=5, discipline=5, campaigns=1,
                 new_items=1),
            dict(agent="B", ad_spend=20000, ad_sales=95000, sales=92000, target=100000,
                 plan_done=0.85, team_progress=0.95, cooperation=4, discipline=5, campaigns=0,
                 new_items=0),
            dict(agent="C", ad_spend=8000, ad_sales=28000, sales=65000, target=100000,
                 plan_done=0.70, team_progress=0.60, cooperation=3, discipline=4, campaigns=1,
                 new_items=0),
        ]

    def quadrant_column(self, t: Labels):
        return None  # operations staff have no conversion or AOV of their own

    def score_columns(self, t: Labels) -> list[Computed]:
        p = lambda key: self.param_name(t, key)  # noqa: E731
        first, last = "B", chr(ord("A") + len(self.kpis))

        def bonus_points(c, r):
            # 以上 is "at least", as in the bands: exactly 120 % earns the +5.  Ratios are
            # rounded first so that 6 ÷ 5 landing a hair under 1.2 does not withhold it.
            auto = (f"(ROUND({c.d('roi_vs_base', r)},9)>={p('roi_mark')})"
                    f"+(ROUND({c.d('completion', r)},9)>={p('sales_mark')})"
                    f"+(ROUND({c.d('plan_done', r)},9)>=1)"
                    f"+(ROUND({c.d('team_progress', r)},9)>={p('team_mark')})")
            return c.if_inputs_ok(r,
                                  f"=({c.d('campaigns', r)}+{c.d('new_items', r)}+{auto})"
                                  f"*{p('bonus_each')}")

        return [
            Computed("base_points", "基础分", "Base points", L.SCORE,
                     lambda c, r: f"=SUM({first}{r}:{last}{r})"),
            Computed("bonus_points", "加分", "Bonus points", "0", bonus_points),
            Computed("total", "总分", "Total", L.SCORE,
                     lambda c, r: f"={c.r('base_points', r)}+{c.r('bonus_points', r)}"),
        ]

    def part_columns(self, t: Labels) -> list[Computed]:
        cols = [Computed(f"part_{k.key}", k.zh, k.en, "0",
                         lambda c, r, k=k: f"={c.r('pts_' + k.key, r)}", width=9)
                for k in self.kpis]
        cols.append(Computed("part_bonus", "加分项", "Bonus", "0",
                             lambda c, r: f"={c.r('bonus_points', r)}", width=9))
        return cols
