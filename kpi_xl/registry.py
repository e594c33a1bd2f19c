"""The one table of KPI functions Excel sees.

Each entry names the Excel function, the core function behind it, its arguments
(in Excel order) and its help text in Chinese and English.  The xlwings face
(:mod:`kpi_xl.udfs`) and the recalculation engine (:mod:`kpi_xl.engine`) are both
generated from this table; neither defines a KPI function of its own.

Calling convention of the core functions (what the adapters must deliver):

* arguments are positional, in the order of ``args``;
* a ``scalar`` argument is ``None`` (blank cell or omitted), ``float``/``int``,
  ``bool``, ``str`` or :class:`~kpi_xl.core.errors.CellError`;
* a ``range`` argument is a 2-D list of rows of such scalars;
* an omitted optional argument is ``None`` and the core applies its default;
* the result is a scalar (``""`` for blank) or, when ``spills``, a 2-D list.

:func:`invoke` is the single place where error values in the inputs propagate
and typed core errors turn into Excel error values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .core import analysis, bands, pay, weights
from .core.errors import CellError, KpiError

CATEGORY = "KPI"


@dataclass(frozen=True)
class Arg:
    name: str
    kind: str  # "scalar" or "range"
    help_en: str
    help_zh: str
    optional: bool = False


@dataclass(frozen=True)
class KpiFunction:
    name: str
    func: Callable[..., Any]
    args: tuple[Arg, ...]
    help_en: str
    help_zh: str
    spills: bool = False
    category: str = CATEGORY

    @property
    def min_args(self) -> int:
        return sum(1 for a in self.args if not a.optional)

    @property
    def max_args(self) -> int:
        return len(self.args)

    def help(self, lang: str = "zh") -> str:
        return self.help_zh if lang == "zh" else self.help_en


def _s(name, en, zh, optional=False):
    return Arg(name, "scalar", en, zh, optional)


def _r(name, en, zh, optional=False):
    return Arg(name, "range", en, zh, optional)


FUNCTIONS: tuple[KpiFunction, ...] = (
    KpiFunction(
        "KPI_BAND", bands.band_score,
        (_s("value", "The metric value to score (41 % is 0.41).", "要打分的指标值（41% 即 0.41）。"),
         _r("bands", "Band table: 2 columns (threshold, points) or 3 columns (lower, upper, points).",
            "区间表：两列（门槛, 分数）或三列（下限, 上限, 分数）。"),
         _s("closed", '"left" (default): lower bound inclusive; "right": upper bound inclusive.',
            '"left"（默认）：含下限；"right"：含上限。', True)),
        "Points for the band of the table that holds the value.",
        "按区间表返回指标值所在区间的得分。"),
    KpiFunction(
        "KPI_LINEAR", bands.linear_score,
        (_s("value", "The metric value to score.", "要打分的指标值。"),
         _r("points", "Rows of (x, points), x ascending or descending.", "（x, 分数）行，x 升序或降序。")),
        "Points interpolated linearly between (x, points) rows, clamped at the ends.",
        "在（x, 分数）点之间线性插值得分，超出范围取端点分数。"),
    KpiFunction(
        "KPI_WEIGHTED", weights.weighted_total,
        (_r("scores", "The points per KPI.", "各指标得分。"),
         _r("weights", "The weights, as fractions (0.3) or percent figures (30).", "权重，小数（0.3）或百分数（30）。")),
        "Weighted total: the sum of score × weight.",
        "加权总分：各项得分 × 权重之和。"),
    KpiFunction(
        "KPI_RATE", pay.safe_rate,
        (_s("numerator", "e.g. buyers.", "分子，如成交人数。"),
         _s("denominator", "e.g. inquiries.", "分母，如询单人数。"),
         _s("if_zero", "Result when the denominator is 0 (default 0).", "分母为 0 时的结果（默认 0）。", True)),
        "Numerator ÷ denominator, with a chosen result for a zero denominator.",
        "比率：分子 ÷ 分母，分母为 0 时返回指定值。"),
    KpiFunction(
        "KPI_BONUS", pay.monthly_bonus,
        (_s("score", "The month's score.", "当月考核得分。"),
         _s("amount", "The full monthly bonus.", "月度奖金全额。"),
         _s("full_at", "Score from which the full amount is paid (default 90).", "达到此分数发全额（默认 90）。", True),
         _s("none_below", "Score below which nothing is paid (default 70).", "低于此分数不发（默认 70）。", True)),
        "Monthly bonus: full at ≥ full_at, none below none_below, otherwise amount × score %; a line typed as a percentage (0.9 for 90) against a score in points is #NUM!.",
        "月度奖金：≥ 全额线发全额，低于下限不发，其余按得分百分比发放；分数线误填为百分比（90 填成 90% 即 0.9）时为 #NUM!。"),
    KpiFunction(
        "KPI_COMMISSION", pay.commission,
        (_s("sales", "The agent's sales.", "个人销售额。"),
         _r("tiers", "Rows of (from, rate).", "（起点, 提成比例）行。"),
         _s("mode", '"flat" (default): all sales at the highest tier reached; "progressive": each slice at its rate.',
            '"flat"（默认）：全部销售额按达到的最高档计；"progressive"：分段累进。', True)),
        "Commission on sales from a tier table; rates of half the sales or more, or fractions "
        "mixed with percent figures (0.03 beside 5), are #NUM!.",
        "按阶梯提成表计算提成；提成比例达到销售额一半及以上，或小数与百分数混填（0.03 与 5 并列）时为 #NUM!。"),
    KpiFunction(
        "KPI_FINAL", pay.final_score,
        (_s("score", "The weighted score.", "加权得分。"),
         _r("bonus_points", "Bonus points to add.", "加分项。", True),
         _r("negatives", "Counts of negative-indicator occurrences.", "否决指标（违规）次数。", True),
         _s("per_negative", "Points deducted per occurrence (default 10).", "每次扣分（默认 10）。", True),
         _s("cap", "Highest final score allowed.", "最终得分上限。", True)),
        "Final score: score + bonus points − deductions, never below 0, capped when asked; a cap typed as a percentage (1 for 100) against a score in points is #NUM!.",
        "最终得分：得分 + 加分 − 扣分，不低于 0，可设上限；上限误填为百分比（100 填成 100% 即 1）时为 #NUM!。"),
    KpiFunction(
        "KPI_YEAR_END", pay.year_end_eligible,
        (_r("monthly_scores", "The year's monthly scores.", "全年各月得分。"),
         _s("threshold", "A month strictly below this fails (default 70).", "低于此分为不合格月（默认 70）。", True),
         _s("max_run", "Consecutive failed months that disqualify (default 3).", "连续不合格月数达到即取消（默认 3）。", True),
         _s("max_total", "Failed months in all that disqualify (default 4).", "累计不合格月数达到即取消（默认 4）。", True)),
        "TRUE when eligible for the year-end bonus; a threshold typed as a percentage (0.7 for 70) against scores in points is #NUM!.",
        "是否有资格获得年终奖（TRUE/FALSE）；不合格线误填为百分比（70 填成 70% 即 0.7）时为 #NUM!。"),
    KpiFunction(
        "KPI_TENURE_BASE", pay.tenure_base,
        (_s("months", "Months of service.", "在职月数。"),
         _s("base", "Starting base salary.", "起始底薪。"),
         _s("step", "Raise per step (default 100).", "每档加薪（默认 100）。", True),
         _s("every", "Months per step (default 3).", "每档月数（默认 3）。", True),
         _s("after", "Months before the first step (default 3).", "首次加薪前的月数（默认 3）。", True)),
        "Base salary stepped up by tenure.",
        "按工龄阶梯递增的底薪。"),
    KpiFunction(
        "KPI_QUADRANT", analysis.quadrant,
        (_s("conversion", "The agent's conversion.", "个人询单转化率。"),
         _s("aov", "The agent's AOV.", "个人客单价。"),
         _s("conversion_ref", "Reference conversion (e.g. team average).", "参考转化率（如团队平均）。"),
         _s("aov_ref", "Reference AOV (e.g. team average).", "参考客单价（如团队平均）。"),
         _s("lang", '"zh" (default) or "en" labels.', '标签语言："zh"（默认）或 "en"。', True)),
        "The conversion × AOV quadrant of an agent.",
        "转化率 × 客单价四象限分类。"),
    KpiFunction(
        "KPI_CV", analysis.coefficient_of_variation,
        (_r("values", "Monthly values.", "各月数值。"),),
        "Coefficient of variation (population standard deviation ÷ mean): month-to-month volatility.",
        "变异系数（总体标准差 ÷ 平均值）：月度波动程度。"),
    KpiFunction(
        "KPI_DSR", analysis.dsr_rating,
        (_r("monthly_average", "Average rating per month.", "各月平均评分。"),
         _r("monthly_count", "Number of ratings per month.", "各月评分人数。"),
         _s("months", "How many recent months count (default 6).", "计算最近几个月（默认 6）。", True)),
        "DSR rating over the last months: Σ(average × count) ÷ Σ count.",
        "近几个月 DSR 动态评分：Σ(平均分 × 人数) ÷ Σ人数。"),
    KpiFunction(
        "KPI_SUGGEST_BANDS", bands.suggest_bands,
        (_r("history", "Recent values of the team.", "团队近期指标值。"),
         _s("n_bands", "Number of bands (default 5).", "区间数（默认 5）。", True),
         _s("top_points", "Points of the best band (default 100).", "最高档分数（默认 100）。", True),
         _s("bottom_points", "Points of the worst band (default 50).", "最低档分数（默认 50）。", True),
         _s("direction", '"higher" (default) or "lower" is better.', '"higher"（默认，越高越好）或 "lower"（越低越好）。', True)),
        "Suggests a (lower, upper, points) band table from the team's history.",
        "根据团队历史数据建议区间表（下限, 上限, 分数）。",
        spills=True),
    KpiFunction(
        "KPI_CHECK_BANDS", bands.check_bands,
        (_r("bands", "The band table to check.", "要检查的区间表。"),
         _s("closed", '"left" (default) or "right", as in KPI_BAND.', '"left"（默认）或 "right"，同 KPI_BAND。', True),
         _s("lang", '"en" (default) or "zh": the language of the message.',
            '提示语言："en"（默认，英文）或 "zh"（中文）。', True)),
        '"OK", or what is wrong with the band table: gaps, overlaps, points against its direction, a percentage typed without its % sign.',
        '检查区间表："OK" 或指出断档、重叠、分数方向错误、漏打 % 号的百分比。'),
    KpiFunction(
        "KPI_CHECK_WEIGHTS", weights.check_weights,
        (_r("weights", "The weights to check.", "要检查的权重。"),
         _s("lang", '"en" (default) or "zh": the language of the message.',
            '提示语言："en"（默认，英文）或 "zh"（中文）。', True)),
        '"OK" when the weights add up to 100 %, otherwise their sum.',
        '检查权重：合计 100% 时为 "OK"，否则给出合计。'),
)

BY_NAME: dict[str, KpiFunction] = {f.name: f for f in FUNCTIONS}


def _first_error(value) -> CellError | None:
    if isinstance(value, CellError):
        return value
    if isinstance(value, (list, tuple)):
        for item in value:
            err = _first_error(item)
            if err is not None:
                return err
    return None


def invoke(entry: KpiFunction, args, reasons: list | None = None) -> Any:
    """Call ``entry``'s core function the way a cell does.

    ``args`` are already converted to the calling convention above (missing
    trailing optionals may be left out).  An error value among the inputs is
    returned as the result, as Excel propagates errors; a typed core error becomes
    its :class:`CellError`, and, given a ``reasons`` list, (function name, error value,
    the error's sentence) is appended to it: why the cell shows that error.  Any other
    exception is a bug and propagates.
    """
    args = list(args)
    if len(args) < entry.min_args or len(args) > entry.max_args:
        return CellError("#VALUE!")
    for arg in args:
        err = _first_error(arg)
        if err is not None:
            return err
    args += [None] * (entry.max_args - len(args))
    try:
        return entry.func(*args)
    except KpiError as exc:
        if reasons is not None:
            reasons.append((entry.name, exc.excel_error, str(exc)))
        return exc.as_cell_error()
