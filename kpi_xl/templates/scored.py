"""Templates of the common shape: KPIs scored by band tables, weighted into a total,
then rank, monthly bonus and the conversion × AOV quadrant.

A subclass lists its KPIs (each with its band table and weight), its parameters
(bonus amount, thresholds …) and its inputs; the scheme sheet, the results sheet,
their checks, formats and charts come from here.
"""
from __future__ import annotations

from dataclasses import dataclass

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import layout as L
from .base import Computed, Context, Template, _print_setup, rank_formula
from .layout import FIRST_ROW, Labels


@dataclass(frozen=True)
class Kpi:
    """One scored KPI: the data column it scores, its band table (None: already points), weight."""

    key: str
    zh: str
    en: str
    metric: str
    weight: float
    band: L.BandTable | None = None
    band_name: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class Param:
    """A figure of the scheme the user may change, reachable by a defined name."""

    key: str
    zh: str
    en: str
    value: float
    fmt: str
    name: tuple[str, str]
    kind: str = "number"  # validation kind, or "list:a,b" for a drop-down


BONUS_PARAMS = (
    Param("bonus", "月度奖金（元）", "Monthly bonus", 1000, L.COUNT, ("月度奖金", "Monthly_Bonus")),
    Param("full_at", "全额分数线", "Full bonus from score", 90, "0", ("全额分数线", "Full_Bonus_At"),
          "score"),
    Param("none_below", "低于此分不发", "No bonus below score", 70, "0",
          ("奖金下限", "No_Bonus_Below"), "score"),
)


#: Where a figure goes in a parameter rule's text.
FIGURE = "{figure}"


def parameter_rules(t: Labels, p: Param) -> list[tuple[str, str]]:
    """What may be wrong with scheme figure ``p``, in the order said (the first that holds):
    (rule, text), the text holding :data:`FIGURE` where the figure goes.  The rules are
    "blank", "text", "negative", "choices" (off its list of numbers), "int" (a fraction
    where a whole number belongs) and "score" (over 100).  The check cell writes them as
    formulas (:func:`parameters_check`); ``verify`` judges a scheme without that cell by
    them (:func:`figure_breaks`)."""
    label = t(p.zh, p.en)
    rules = [("blank", t(f"{label} 为空：请填写。", f"{label} is blank: enter it."))]
    choices = _choices(p)
    # A word from a list (Commission_Mode): KPI_COMMISSION names a wrong one itself
    # (#NUM!) and reads its Chinese spellings too; only a blank is said here.
    if choices is not None and not all(_is_number(v) for v in choices):
        return rules
    rules += [("text", t(f"{label} 是文本“{FIGURE}”，不是数字：请输入数字。",
                         f"{label} is the text '{FIGURE}', not a number: enter it as a number.")),
              ("negative", t(f"{label} {FIGURE} 为负数：请输入不小于 0 的数。",
                             f"{label} {FIGURE} is negative: enter 0 or more."))]
    if choices:
        shown = "、".join(choices) if t.lang == "zh" else ", ".join(choices)
        rules.append(("choices", t(f"{label} {FIGURE} 不是可选值（{shown}）。",
                                   f"{label} {FIGURE} is not one of {shown}.")))
    if p.kind == "int":
        rules.append(("int", t(f"{label} {FIGURE} 不是整数。",
                               f"{label} {FIGURE} is not a whole number.")))
    if p.kind == "score":
        rules.append(("score", t(f"{label} {FIGURE} 超过 100 分。",
                                 f"{label} {FIGURE} is more than 100 points.")))
    return rules


def _choices(p: Param) -> list[str] | None:
    return p.kind[5:].split(",") if p.kind.startswith("list:") else None


def _rule_formula(rule: str, p: Param, x: str) -> str:
    """The condition of ``rule`` on the figure in cell ``x``, as formula text."""
    if rule == "choices":
        return f'AND({",".join(f"{x}<>{v}" for v in _choices(p) or ())})'
    return {"blank": f'TRIM({x})=""', "text": f"ISTEXT({x})", "negative": f"{x}<0",
            "int": f"{x}<>INT({x})", "score": f"{x}>100"}[rule]


def figure_breaks(rule: str, p: Param, v) -> bool:
    """Whether ``rule`` holds of the figure's value ``v`` (as the check cell's formula
    would judge it; a value of another type, such as an error, is none of them)."""
    if rule == "blank":
        return v is None or (isinstance(v, str) and not v.strip())
    if rule == "text":
        return isinstance(v, str)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    if rule == "negative":
        return v < 0
    if rule == "choices":
        return all(float(c) != v for c in _choices(p) or ())
    if rule == "int":
        return v != int(v)
    return v > 100   # "score"


def parameters_check(t: Labels, cells: list[tuple[Param, str]]) -> str:
    """The check cell of a parameter block (``cells``: each parameter and its cell): "OK",
    or what is wrong with each figure (:func:`parameter_rules`).

    A figure typed as text ("3", "30,000", full-width "３") is read by some formulas as its
    number and by others not at all (``Bonus_Rule`` "3" picks rule 3 in CHOOSE while
    ``Bonus_Rule=3`` is FALSE: the commission is paid twice; ``Sales>=Commission_Floor``
    against the text "30000" is always FALSE: nobody is paid commission).  A blank is read
    as 0 (no floor, no award), a negative amount takes pay away.  None of these is a
    scheme, so the month stops until the figure is corrected.
    """
    parts = []
    for p, x in cells:
        # The first that holds is said: a blank is not also "negative".
        said = '""'
        for rule, text in reversed(parameter_rules(t, p)):
            shown = '"' + text.replace(FIGURE, f'"&{x}&"') + '"'
            said = f"IF({_rule_formula(rule, p, x)},{shown},{said})"
        parts.append(said)
    joined = '&" "&'.join(parts)
    return f'=IF(TRIM({joined})="","OK",TRIM({joined}))'


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def rate(num: str, den: str):
    """Formula of a ratio of two data columns, 0 when the denominator is 0."""
    return lambda ctx, r: f"=KPI_RATE({ctx.data_cols[num]}{r},{ctx.data_cols[den]}{r})"


def rate_or_blank(num: str, den: str):
    """Formula of a ratio of two data columns, blank when the denominator is 0 or blank: an
    agent without inquiries has no conversion, and a 0 % in its place would pull the team
    average that other agents' commission is judged against (use with
    ``Computed(..., may_be_blank=True)``)."""
    return lambda ctx, r: (f'=IF(N({ctx.data_cols[den]}{r})=0,"",'
                           f"KPI_RATE({ctx.data_cols[num]}{r},{ctx.data_cols[den]}{r}))")


class ScoredTemplate(Template):
    kpis: tuple[Kpi, ...] = ()
    parameters: tuple[Param, ...] = BONUS_PARAMS
    parameters_title: tuple[str, str] = ("奖金", "Bonus")
    weights_name: tuple[str, str] = ("权重", "Weights")
    #: How the weight row reads: fractions of 100 % here; the operations scheme uses points.
    weights_title: tuple[str, str] = ("权重", "Weights")
    weight_label: tuple[str, str] = ("权重", "Weight")
    weight_fmt: str = L.PERCENT0
    weight_kind: str = "percent"
    axis_max: float | None = 100
    scheme_title: tuple[str, str] = ("", "")
    scheme_note: tuple[str, str] = ("", "")
    results_title: tuple[str, str] = ("", "")
    results_note: tuple[str, str] = ("", "")
    conversion_key = "conversion"
    aov_key = "aov"

    def param_name(self, t: Labels, key: str) -> str:
        return t(*next(p.name for p in self.parameters if p.key == key))

    # -- scheme ------------------------------------------------------------------------
    def build_scheme(self, wb, t: Labels) -> None:
        ws = wb.create_sheet(t(*self.scheme_sheet))
        ncols = max(7, len(self.kpis) + 1)
        L.widths(ws, {i: 13 for i in range(1, ncols + 1)})
        L.title(ws, t(*self.scheme_title), t(*self.scheme_note), span=ncols)
        checks = []
        row = self.write_weights(wb, ws, t, 4, checks)
        row = self.write_parameters(wb, ws, t, row)
        row = self.write_extra_scheme(wb, ws, t, row, checks)
        row = self.write_band_tables(wb, ws, t, row, checks)
        for cell in checks:
            L.check_format(ws, cell)
        ws.sheet_view.showGridLines = False
        _print_setup(ws, landscape=False)

    def write_weights(self, wb, ws, t: Labels, top: int, checks: list) -> int:
        """Weights run across one row so that KPI_WEIGHTED pairs them with a row of points."""
        ws.cell(top, 1, t(*self.weights_title)).font = L.SECTION_FONT
        L.header(ws, top + 1, 1, [t("指标", "KPI")] + [t(k.zh, k.en) for k in self.kpis], height=30)
        r = top + 2
        L.body(ws.cell(r, 1, t(*self.weight_label)), bold=True)
        for i, k in enumerate(self.kpis, start=2):
            L.body(ws.cell(r, i, k.weight), self.weight_fmt, editable=True)
        last = get_column_letter(len(self.kpis) + 1)
        dv = L.validation(self.weight_kind, t, t(*self.weight_label))
        dv.add(f"B{r}:{last}{r}")
        ws.add_data_validation(dv)
        L.add_name(wb, t(*self.weights_name), ws.title, f"$B${r}:${last}${r}")
        ws.cell(r + 1, 1, t("检查", "Check")).font = L.BOLD_FONT
        c = ws.cell(r + 1, 2, f"=KPI_CHECK_WEIGHTS({t(*self.weights_name)}{t.check_lang})")
        c.font = L.CHECK_FONT
        c.alignment = L.LEFT_WRAP
        ws.merge_cells(f"B{r + 1}:{last}{r + 1}")
        checks.append(f"B{r + 1}")
        return r + 3

    def write_parameters(self, wb, ws, t: Labels, top: int) -> int:
        if not self.parameters:
            return top
        ws.cell(top, 1, t(*self.parameters_title)).font = L.SECTION_FONT
        for i, p in enumerate(self.parameters):
            r = top + 1 + i
            label = ws.cell(r, 1, t(p.zh, p.en))
            label.font = L.BODY_FONT
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
            # English labels run longer than the two columns they own; wrap, never cut.
            room = sum(ws.column_dimensions[c].width or 9 for c in "AB") - 1
            lines = -(-int(L.text_width(label.value) * 1.1) // int(room))
            if lines > 1:
                label.alignment = Alignment(wrap_text=True, vertical="center")
                ws.row_dimensions[r].height = 13 * lines + 4
            cell = L.body(ws.cell(r, 3, p.value), p.fmt, editable=True)
            if p.kind.startswith("list:"):
                dv = DataValidation(type="list", formula1=f'"{p.kind[5:]}"', allow_blank=False)
                dv.error = t("请从列表中选择。", "Pick a value from the list.")
                dv.showErrorMessage = True
            else:
                dv = L.validation(p.kind, t, t(p.zh, p.en))
            dv.add(cell.coordinate)
            ws.add_data_validation(dv)
            L.add_name(wb, t(*p.name), ws.title, L.absolute(3, r))
        # One check of the whole block, in the row under it: the validation above stops
        # only what is typed by hand, never a pasted "3" (text) or a blank.
        r = top + 1 + len(self.parameters)
        ws.cell(r, 1, t("检查", "Check")).font = L.BOLD_FONT
        c = ws.cell(r, 2, parameters_check(t, [(p, L.absolute(3, top + 1 + i))
                                               for i, p in enumerate(self.parameters)]))
        c.font = L.CHECK_FONT
        c.alignment = L.LEFT_WRAP
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=7)
        ws.row_dimensions[r].height = 30
        L.check_format(ws, f"B{r}")
        return top + len(self.parameters) + 2

    def write_extra_scheme(self, wb, ws, t: Labels, row: int, checks: list) -> int:
        return row

    def write_band_tables(self, wb, ws, t: Labels, row: int, checks: list) -> int:
        """Band tables two abreast; a pair shares its rows so that row heights match."""
        tables = [k for k in self.kpis if k.band is not None]
        for i in range(0, len(tables), 2):
            pair = tables[i:i + 2]
            span = max(len(k.band.rows) for k in pair)
            end = row
            for side, k in enumerate(pair):
                left = 1 if side == 0 else 5
                end = L.band_table(wb, ws, row, left, k.band, t, t(*k.band_name), span)
                checks.append(f"{'B' if side == 0 else 'F'}{end - 2}")
            row = end
        return row

    # -- results -----------------------------------------------------------------------
    def points_columns(self, t: Labels) -> list[Computed]:
        cols = []
        for k in self.kpis:
            if k.band is None:
                formula = (lambda c, r, m=k.metric: c.if_inputs_ok(r, f"={c.d(m, r)}"))
            else:
                formula = (lambda c, r, m=k.metric, b=t(*k.band_name), cl=k.band.closed:
                           c.if_inputs_ok(r, f'=KPI_BAND({c.d(m, r)},{b},"{cl}")'))
            cols.append(Computed(f"pts_{k.key}", k.zh + t("得分", ""), k.en + t("", " pts"), "0",
                                 formula))
        return cols

    def weighted_formula(self, t: Labels):
        first = get_column_letter(2)
        last = get_column_letter(1 + len(self.kpis))
        weights = t(*self.weights_name)
        return lambda c, r: f"=KPI_WEIGHTED({first}{r}:{last}{r},{weights})"

    def score_columns(self, t: Labels) -> list[Computed]:
        """Columns between the points and the rank; must include the "total"."""
        return [Computed("total", "总分", "Total", L.SCORE, self.weighted_formula(t))]

    def after_rank_columns(self, t: Labels) -> list[Computed]:
        return []

    def bonus_column(self, t: Labels) -> Computed:
        return Computed("bonus", "月度奖金", "Bonus", L.MONEY,
                        lambda c, r: f"=KPI_BONUS({c.r('total', r)},{self.param_name(t, 'bonus')},"
                                     f"{self.param_name(t, 'full_at')},"
                                     f"{self.param_name(t, 'none_below')})", width=11)

    def quadrant_column(self, t: Labels) -> Computed:
        conv, aov = self.conversion_key, self.aov_key
        return Computed("quadrant", "转化×客单价象限", "Conversion × AOV quadrant", "@",
                        lambda c, r: f"=KPI_QUADRANT({c.d(conv, r)},{c.d(aov, r)},"
                                     f"{c.davg(conv)},{c.davg(aov)},\"{t.lang}\")", width=22)

    def write_results(self, wb, t: Labels, ctx: Context) -> None:
        ws = wb.create_sheet(ctx.results_sheet)
        cols = self.points_columns(t) + self.score_columns(t)
        cols.append(Computed("rank", "排名", "Rank", "0",
                             lambda c, r: rank_formula(c.r('total', r), c.rcol('total'))))
        cols += self.after_rank_columns(t)
        cols.append(self.bonus_column(t))
        quadrant = self.quadrant_column(t)
        if quadrant is not None:
            cols.append(quadrant)
        parts = self.part_columns(t)
        cols += parts
        L.title(ws, t(*self.results_title), t(*self.results_note), span=min(len(cols) + 1, 14))
        self.results_table(wb, ws, t, ctx, cols)
        part_first = ctx.result_cols[parts[0].key]
        part_last = ctx.result_cols[parts[-1].key]
        ws[f"{part_first}3"] = t(*self.parts_title)
        ws[f"{part_first}3"].font = L.BOLD_FONT
        ws[f"{part_first}3"].alignment = Alignment(horizontal="center")
        ws.merge_cells(f"{part_first}3:{part_last}3")
        L.total_formats(ws, ctx.rcol("total").replace("$", ""),
                        fail_below=self.fail_below())
        # One scale per KPI: items of different full marks must not share colours.
        for k in self.kpis:
            col = ctx.result_cols["pts_" + k.key]
            L.colour_scale(ws, f"{col}{FIRST_ROW}:{col}{ctx.last}")
        self.ranking_and_charts(ws, t, ctx, "total", [p.key for p in parts], t("总分", "Total"),
                                self.axis_max, self.parts_axis, self.parts_title)

    parts_axis = ("加权得分", "Weighted points")

    parts_title = ("加权得分（得分 × 权重）", "Weighted points (points × weight)")

    def part_columns(self, t: Labels) -> list[Computed]:
        """What the stacked chart shows: each KPI's share of the total."""
        weights = t(*self.weights_name)
        return [Computed(f"part_{k.key}", k.zh + "×权重", k.en + " × weight", L.SCORE,
                         lambda c, r, i=i, k=k:
                         f"={c.r('pts_' + k.key, r)}*INDEX({weights},1,{i})", width=10)
                for i, k in enumerate(self.kpis, start=1)]

    def fail_below(self) -> float:
        return next((p.value for p in self.parameters if p.key == "none_below"), 70)
