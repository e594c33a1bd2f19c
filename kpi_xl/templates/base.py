"""What every template has in common: a scheme sheet the user edits, an agent-data
sheet with typed inputs and computed metrics, a results sheet with scores, rank,
bonus, quadrant, conditional formats and charts.

A template is a :class:`Template` subclass.  It writes the scheme once
(:meth:`Template.build_scheme`); everything that depends on the number of agents
(:meth:`Template.build_agents`) is written by code that filling a workbook from data
calls again, so a filled workbook has exactly the template's formulas for any
number of agents while keeping the user's edits of the scheme.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from openpyxl import Workbook
from openpyxl.chart import Reference
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from . import layout as L
from .layout import FIRST_ROW, HEADER_ROW, Column, InputRule, Labels

PROP_TEMPLATE = "kpi_xl.template"
#: Empty agent rows the shipped templates carry below the example agents.
SPARE_ROWS = 3
PROP_LANG = "kpi_xl.lang"
RESULTS_NAME = "KPI_Results"


@dataclass(frozen=True)
class Computed:
    """A formula column: ``formula(ctx, row)`` gives the formula text of one agent row."""

    key: str
    zh: str
    en: str
    fmt: str
    formula: Callable[["Context", int], str]
    width: float | None = None
    average: bool = True  # shown in the team-average row of the data sheet
    #: blank for some agents (a rate of a 0 base): the team average leaves them out, and is
    #: blank itself when every agent's is
    may_be_blank: bool = False


@dataclass
class Context:
    """Where things are, for writing formulas of one workbook."""

    t: Labels
    n: int
    data_sheet: str
    results_sheet: str
    data_cols: dict[str, str] = field(default_factory=dict)  # key -> column letter
    result_cols: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # key -> defined name
    spare: int = 0  # empty agent rows at the end, for agents the user adds by hand
    #: whether the data sheet has an input check column (see Template.input_check_column)
    input_check: bool = False

    @property
    def filled(self) -> int:
        return self.n - self.spare

    def guard(self, r: int, formula: str) -> str:
        """``formula`` of row ``r``; in a spare row, blank until an agent is typed in."""
        if r < self.first + self.filled or not formula.startswith("="):
            return formula
        return f'=IF({self.d("agent", r)}="","",{formula[1:]})'

    @property
    def first(self) -> int:
        return FIRST_ROW

    @property
    def last(self) -> int:
        return FIRST_ROW + max(self.n, 1) - 1

    @property
    def average_row(self) -> int:
        return self.last + 1

    def d(self, key: str, row: int) -> str:
        """Cell of the data sheet, seen from another sheet."""
        return f"{L.qsheet(self.data_sheet)}!{self.data_cols[key]}{row}"

    def dcol(self, key: str) -> str:
        """Whole agent column of the data sheet, absolute, seen from another sheet."""
        c = self.data_cols[key]
        return f"{L.qsheet(self.data_sheet)}!${c}${self.first}:${c}${self.last}"

    def davg(self, key: str) -> str:
        """The team average of a data column (its cell in the average row)."""
        return f"{L.qsheet(self.data_sheet)}!${self.data_cols[key]}${self.average_row}"

    def if_inputs_ok(self, r: int, formula: str) -> str:
        """``formula`` of row ``r``, or #VALUE! while the row's input check is not OK: a
        percentage typed as 95 (9,500 %) or more buyers than inquirers must not earn points,
        bonus or pay, and a check cell that is itself an error passes its error on."""
        if not formula.startswith("=") or not self.input_check:
            return formula
        return f'=IF({self.d("input_check", r)}<>"OK",#VALUE!,{formula[1:]})'

    def r(self, key: str, row: int) -> str:
        return f"{self.result_cols[key]}{row}"

    def rcol(self, key: str) -> str:
        c = self.result_cols[key]
        return f"${c}${self.first}:${c}${self.last}"


class Template:
    """Base of the templates; subclasses fill in the scheme and the formulas."""

    name: str = ""
    title: tuple[str, str] = ("", "")
    description: tuple[str, str] = ("", "")
    inputs: tuple[Column, ...] = ()
    params: tuple[Column, ...] = ()
    computed: tuple[Computed, ...] = ()
    scheme_sheet: tuple[str, str] = ("方案", "Scheme")
    data_sheet: tuple[str, str] = ("客服数据", "Agent data")
    results_sheet: tuple[str, str] = ("考核结果", "Results")
    data_note: tuple[str, str] = (
        "黄色单元格为录入项（每行一名客服）；灰色单元格由公式计算。最后一行为团队平均。",
        "Yellow cells are inputs (one agent per row); grey cells are computed. "
        "The last row is the team average.")

    # -- to be provided by each template -------------------------------------------------
    def build_scheme(self, wb, t: Labels) -> None:
        raise NotImplementedError

    def write_results(self, wb, t: Labels, ctx: Context) -> None:
        raise NotImplementedError

    def sample_rows(self) -> list[dict]:
        raise NotImplementedError

    def sample_params(self) -> dict:
        return {}

    def extra_agent_sheets(self) -> tuple[tuple[str, str], ...]:
        """Further sheets rebuilt for every fill (after the results sheet)."""
        return ()

    def write_extra(self, wb, t: Labels, ctx: Context, params: dict) -> None:
        pass

    def band_guards(self, t: Labels) -> dict[str, tuple[L.BandGuard, ...]]:
        """The guards of the scheme's band tables (:class:`~.layout.BandGuard`), by table
        name: what each table's check cell says before KPI_CHECK_BANDS, and what ``verify``
        judges of a table whose check cell (kept from an older template) does not."""
        return {}

    # -- shared machinery ----------------------------------------------------------------
    def agent_sheet_titles(self, t: Labels) -> list[str]:
        titles = [t(*self.data_sheet), t(*self.results_sheet)]
        titles += [t(*s) for s in self.extra_agent_sheets()]
        return titles

    def build(self, lang: str) -> Workbook:
        t = Labels(lang)
        wb = Workbook()
        wb.remove(wb.active)
        self.build_scheme(wb, t)
        self.build_agents(wb, t, self.sample_rows(), self.sample_params(), spare=SPARE_ROWS)
        wb.properties.title = t(*self.title)
        wb.properties.creator = "kpi_xl"
        wb.properties.subject = t(*self.description)
        wb.custom_doc_props.append(StringProperty(name=PROP_TEMPLATE, value=self.name))
        wb.custom_doc_props.append(StringProperty(name=PROP_LANG, value=lang))
        wb.active = 0
        return wb

    #: rules of a template's data rows beyond those its columns declare (at_most, needs,
    #: open percentages): e.g. bad plus neutral reviews at most the reviews
    extra_input_rules: tuple[InputRule, ...] = ()

    def input_rules(self) -> tuple[InputRule, ...]:
        """What the data sheet checks row by row: percentages that may exceed 100 %, where
        the ordinary validation cannot tell 95 typed for 95 % (9,500 %) from a real value;
        a part larger than its whole; a positive part over a zero base.  Only what can never
        hold for real data: the scores and pay of a row breaking one show #VALUE!."""
        rules = [InputRule("open_percent", (c.key,)) for c in self.inputs
                 if c.kind == "percent" and c.upper is None]
        rules += [InputRule("at_most", (c.key,), c.at_most) for c in self.inputs if c.at_most]
        rules += [InputRule("needs", (c.key,), c.needs) for c in self.inputs if c.needs]
        return tuple(rules) + self.extra_input_rules

    def input_check_column(self, t: Labels) -> Computed | None:
        """The data sheet's last column: "OK", or what is wrong with the row's inputs.

        Data validation stops only what is typed by hand in Excel; a pasted or imported
        95, or buyers typed over inquiries, gets past it.  The scores, totals and pay read
        this cell and show #VALUE! while it is not OK, and ``fill`` and ``summary`` name it
        with its agent.
        """
        rules = self.input_rules()
        if not rules:
            return None
        label = {c.key: t(c.zh, c.en) for c in self.inputs}
        numeric = [c for c in self.inputs if c.kind != "text"]

        def formula(c: Context, r: int) -> str:
            checks: list[tuple[str, str]] = []
            # Each value on its own first: a required input left blank, a negative count,
            # a score outside 0–100 or typed as a fraction (0.95 for 95 points)
            # (Column.value_rules); then the rules between inputs (input_rules).
            cells = {k: f"{letter}{r}" for k, letter in c.data_cols.items()}
            for col in self.inputs:
                if col.kind in ("text", "month"):
                    continue
                for rule in col.value_rules():
                    checks.append(rule.check(t, cells[col.key]))
            for rule in rules:
                checks += rule.checks(t, label, cells)
            conds = [cond for cond, _ in checks]
            parts = [f'IF({cond},{says},"")' for cond, says in checks]
            joined = '&" "&'.join(parts)
            checked = f'IF(OR({",".join(conds)}),TRIM({joined}),"OK")'
            # A number pasted as text is said first, alone (Column.text_rule).
            texts = [col.text_rule().check(t, cells[col.key]) for col in numeric]
            said = '&" "&'.join(f'IF({cond},{says},"")' for cond, says in texts)
            return (f'=IF(OR({",".join(cond for cond, _ in texts)}),TRIM({said}),'
                    f'{checked})')

        return Computed("input_check", *L.INPUT_CHECK, "@", formula, width=36, average=False)

    def build_agents(self, wb, t: Labels, rows: list[dict], params: dict,
                     spare: int = 0) -> Context:
        ctx = Context(t=t, n=len(rows) + spare, data_sheet=t(*self.data_sheet),
                      results_sheet=t(*self.results_sheet), spare=spare,
                      input_check=bool(self.input_rules()))
        self.write_data(wb, t, ctx, rows, params)
        self.write_results(wb, t, ctx)
        self.write_extra(wb, t, ctx, params)
        return ctx

    def write_data(self, wb, t: Labels, ctx: Context, rows: list[dict], params: dict) -> None:
        ws = wb.create_sheet(ctx.data_sheet)
        check = self.input_check_column(t)
        computed = list(self.computed) + ([check] if check is not None else [])
        cols = list(self.inputs) + computed
        for i, col in enumerate(cols, start=1):
            ctx.data_cols[col.key] = get_column_letter(i)
        col_widths = {}
        for i, col in enumerate(cols, start=1):
            label = t(col.zh, col.en)
            col_widths[i] = col.width or max(10, min(18, text_width_for_header(label)))
        L.widths(ws, col_widths)
        L.title(ws, t(*self.title) + " · " + ctx.data_sheet, t(*self.data_note), span=len(cols))
        self._write_params(wb, ws, t, params)

        L.header(ws, HEADER_ROW, 1, [t(c.zh, c.en) for c in cols])
        L.fit_header(ws, HEADER_ROW)
        for k in range(max(ctx.n, 1)):
            r = ctx.first + k
            row = rows[k] if k < len(rows) else {}
            for i, col in enumerate(self.inputs, start=1):
                value = row.get(col.key)
                cell = L.body(ws.cell(r, i, value), col.fmt, editable=True,
                              align=Alignment(horizontal="left" if col.kind == "text" else "right",
                                              vertical="center"))
                as_text(cell)
            for j, col in enumerate(computed, start=len(self.inputs) + 1):
                left = col is check
                L.body(ws.cell(r, j, ctx.guard(r, col.formula(ctx, r))), col.fmt,
                       align=Alignment(horizontal="left" if left else "right",
                                       vertical="center", wrap_text=left or None))
        # Team average: the reference for quadrants and commission conditions.
        avg = ctx.average_row
        L.body(ws.cell(avg, 1, t("团队平均", "Team average")), bold=True, fill=L.TOTAL_FILL)
        for i, col in enumerate(cols, start=1):
            if i == 1:
                continue
            letter = get_column_letter(i)
            span = f"{letter}{ctx.first}:{letter}{ctx.last}"
            mean = f"AVERAGE({span})"
            if check is not None:
                # A row whose input check is not OK (more buyers than inquirers …) must not
                # move the team average other agents' commission conditions compare with.
                ok = ctx.data_cols[check.key]
                mean = f'AVERAGEIF({ok}{ctx.first}:{ok}{ctx.last},"OK",{span})'
            if isinstance(col, Computed) and not col.average:
                value = None
            elif isinstance(col, Column) and col.kind == "text":
                value = None
            elif (isinstance(col, Column) and not col.required) or \
                    (isinstance(col, Computed) and col.may_be_blank):
                # An optional column left empty has no average, not #DIV/0!.
                value = f'=IF(COUNT({span})=0,"",{mean})'
            else:
                value = f"={mean}"
            L.body(ws.cell(avg, i, value), col.fmt, bold=True, fill=L.TOTAL_FILL,
                   align=Alignment(horizontal="right", vertical="center"))
        if check is not None:
            letter = ctx.data_cols[check.key]
            L.input_check_format(ws, f"{letter}{ctx.first}:{letter}{ctx.last}")
        for i, col in enumerate(self.inputs, start=1):
            kind = {"month": "text"}.get(col.kind, col.kind)
            if kind == "percent" and col.upper is None:
                kind = "percent_open"  # more than 100 % is legitimate here, up to 200 %
            dv = L.validation(kind, t, t(col.zh, col.en))
            letter = get_column_letter(i)
            dv.add(f"{letter}{ctx.first}:{letter}{ctx.last}")
            ws.add_data_validation(dv)
        ws.freeze_panes = ws.cell(ctx.first, 2)
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(cols))}{ctx.last}"
        ws.sheet_view.zoomScale = 100
        _print_setup(ws, landscape=True)

    def _write_params(self, wb, ws, t: Labels, params: dict) -> None:
        col = 1
        for p in self.params:
            label = ws.cell(3, col, t(p.zh, p.en))
            label.font = L.BOLD_FONT
            label.alignment = Alignment(horizontal="right", vertical="center")
            cell = as_text(L.body(ws.cell(3, col + 1, params.get(p.key)), p.fmt, editable=True))
            if p.kind != "text" and p.kind != "month":
                dv = L.validation(p.kind, t, t(p.zh, p.en))
                dv.add(cell.coordinate)
                ws.add_data_validation(dv)
            L.add_name(wb, p.defined_name(t), ws.title, L.absolute(col + 1, 3))
            col += 2
        ws.row_dimensions[3].height = 20

    # -- results helpers -------------------------------------------------------------
    def agent_label(self, t: Labels) -> str:
        return t(self.inputs[0].zh, self.inputs[0].en)

    def results_table(self, wb, ws, t: Labels, ctx: Context, columns: list[Computed]) -> None:
        """Agent column plus ``columns``; the range is named KPI_Results for summaries."""
        ctx.result_cols["agent"] = "A"
        for i, col in enumerate(columns, start=2):
            ctx.result_cols[col.key] = get_column_letter(i)
        L.header(ws, HEADER_ROW, 1, [self.agent_label(t)] + [t(c.zh, c.en) for c in columns])
        for k in range(max(ctx.n, 1)):
            r = ctx.first + k
            L.body(ws.cell(r, 1, ctx.guard(r, f"={ctx.d('agent', r)}")), bold=True,
                   align=Alignment(horizontal="left", vertical="center"))
            for i, col in enumerate(columns, start=2):
                L.body(ws.cell(r, i, ctx.guard(r, col.formula(ctx, r))), col.fmt)
        sizes = {1: 12}
        for i, col in enumerate(columns, start=2):
            sizes[i] = col.width or max(9, min(16, text_width_for_header(t(col.zh, col.en))))
        L.widths(ws, sizes)
        L.fit_header(ws, HEADER_ROW)
        last_col = get_column_letter(len(columns) + 1)
        L.add_name(wb, RESULTS_NAME, ws.title, f"$A${HEADER_ROW}:${last_col}${ctx.last}")
        ws.freeze_panes = ws.cell(ctx.first, 2)
        _print_setup(ws, landscape=True)

    def ranking_and_charts(self, ws, t: Labels, ctx: Context, total_key: str,
                           part_keys: list[str], total_label: str,
                           axis_max: float | None = 100,
                           parts_axis: tuple[str, str] = ("加权得分", "Weighted points"),
                           parts_title: tuple[str, str] = ("得分构成", "Score breakdown"),
                           total_fmt: str = L.SCORE) -> None:
        """Sorted ranking block with its bar chart, and a stacked bar of the score parts."""
        n = max(ctx.n, 1)
        order_idx = ws.max_column + 1
        order_col = get_column_letter(order_idx)
        L.header(ws, HEADER_ROW, order_idx, [t("排序", "Order")])
        ws.column_dimensions[order_col].width = 7
        total = ctx.rcol(total_key)
        for k in range(n):
            r = ctx.first + k
            c = ws.cell(r, order_idx)
            c.value = ctx.guard(r, f"={rank_formula(ctx.r(total_key, r), total)[1:]}"
                       f"+COUNTIF(${ctx.result_cols[total_key]}${ctx.first}:{ctx.r(total_key, r)},"
                       f"{ctx.r(total_key, r)})-1")
            L.body(c, "0")
            c.font = L.NOTE_FONT
        ctx.result_cols["order"] = order_col

        top = ctx.last + 3
        ws.cell(top, 1, t("团队排名", "Team ranking")).font = L.SECTION_FONT
        L.header(ws, top + 1, 1, [t("名次", "Place"), self.agent_label(t), total_label], height=20)
        order = ctx.rcol("order")
        for k in range(n):
            r = top + 2 + k
            L.body(ws.cell(r, 1, k + 1), "0")
            agent = f"INDEX({ctx.rcol('agent')},MATCH(A{r},{order},0))"
            value = f"INDEX({total},MATCH(A{r},{order},0))"
            if k >= ctx.filled:  # places for the spare rows stay blank until they are used
                agent = f'IF(A{r}>COUNT({total}),"",{agent})'
                value = f'IF(A{r}>COUNT({total}),"",{value})'
            L.body(ws.cell(r, 2, f"={agent}"), bold=True)
            L.body(ws.cell(r, 3, f"={value}"), total_fmt)
        block_end = top + 2 + n - 1
        # Chart titles say what the bars are: the pay sheet ranks pay, not a score.
        L.ranking_bar(ws, t(f"{total_label}排名（从高到低）", f"{total_label} by agent, highest first"),
                      Reference(ws, min_col=2, min_row=top + 2, max_row=block_end),
                      Reference(ws, min_col=3, min_row=top + 1, max_row=block_end),
                      f"E{top}", total_label, n, axis_max)
        rank_rows = math.ceil(max(7.5, min(20, 1.5 + 0.6 * n)) / 0.5)
        chart_top = max(block_end, top + rank_rows) + 2
        cols = [ctx.result_cols[k] for k in part_keys]
        first_idx = _col_index(cols[0])
        last_idx = _col_index(cols[-1])
        L.stacked_bar(ws, t(parts_title[0] + "（按客服）", parts_title[1] + ", by agent"),
                      Reference(ws, min_col=1, min_row=ctx.first, max_row=ctx.last),
                      Reference(ws, min_col=first_idx, max_col=last_idx, min_row=HEADER_ROW,
                                max_row=ctx.last),
                      f"A{chart_top}", t(*parts_axis), n, axis_max)


def as_text(cell):
    """Data that is text stays text: a name starting with = is never written as a formula.

    openpyxl turns any string starting with "=" into a formula; data from a CSV must
    land as the text it is (a DDE ``=cmd|…`` or ``=HYPERLINK(…)`` would otherwise run
    in the user's Excel).  The quote prefix keeps it text when the cell is edited.
    """
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")):
            cell._style.quotePrefix = 1
    return cell


def rank_formula(cell: str, cells: str) -> str:
    """Place of ``cell`` among ``cells``, best first, ties sharing the better place.

    Written with COUNTIF rather than RANK because COUNTIF skips error values: one agent
    whose value falls in no band (#N/A) must not take every other agent's rank with it.
    That agent has no rank (#N/A) rather than the place COUNTIF would give an error.
    """
    return f'=IF(ISNUMBER({cell}),COUNTIF({cells},">"&{cell})+1,NA())'


def _col_index(letter: str) -> int:
    from openpyxl.utils import column_index_from_string
    return column_index_from_string(letter)


def text_width_for_header(label: str) -> float:
    # Headers wrap onto two lines, so roughly half the text width is enough.
    return math.ceil(L.text_width(label) / 2) + 3


def _print_setup(ws, landscape: bool) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
