"""Shared look of the template workbooks: titles, headers, input and formula cells,
band tables with their checks, defined names, validation, charts.

Every template is written through these helpers so that all of them look alike:
yellow cells are for the user to edit, grey cells are computed.
"""
from __future__ import annotations

import re
import unicodedata
from copy import copy
from dataclasses import dataclass, field

from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, DataBarRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..engine.values import fmt_number, is_number

FONT_NAME = "Microsoft YaHei"
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True, color="1F3864")
NOTE_FONT = Font(name=FONT_NAME, size=9, italic=True, color="595959")
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True, color="FFFFFF")
BODY_FONT = Font(name=FONT_NAME, size=10)
BOLD_FONT = Font(name=FONT_NAME, size=10, bold=True)
SECTION_FONT = Font(name=FONT_NAME, size=11, bold=True, color="1F3864")
CHECK_FONT = Font(name=FONT_NAME, size=9, color="C00000")

HEADER_FILL = PatternFill("solid", fgColor="2F5597")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
FORMULA_FILL = PatternFill("solid", fgColor="F2F2F2")
TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
FAIL_FILL = PatternFill("solid", fgColor="FFC7CE")
FAIL_FONT = Font(color="9C0006")
OK_FILL = PatternFill("solid", fgColor="C6EFCE")
OK_FONT = Font(color="006100")

_THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)

PERCENT = "0.0%"
PERCENT0 = "0%"
DECIMAL = "0.00"
SCORE = "0.0"
COUNT = "#,##0"
MONEY = "#,##0.00"
SECONDS = "0"

HEADER_ROW = 4
FIRST_ROW = 5

#: Where a percentage may exceed 100 % (plan carried out, team progress), the most the
#: workbook takes (2 = 200 %): a bigger value is almost always a percentage typed without
#: its sign (95 for 95 % is 9,500 %), which would earn full marks and every bonus line.
OPEN_PERCENT_MAX = 2.0
#: Header of the data sheet's per-agent input check column (see Template.input_check_column).
INPUT_CHECK = ("录入检查", "Input check")
#: What a data row's input check says of each rule it judges (:class:`ValueRule`,
#: :class:`InputRule`), (Chinese, English).  {label}, {parts}, {whole}, {upper} and {top} are
#: words; {value}, {text}, {points}, {total}, {whole_value}, {x} and {hundredth} the row's figures:
#: cells in the check's formula, the cached numbers when ``verify`` says it.
CHECK_SAYS = {
    "text": ("{label} 是文本“{text}”，不是数字：请输入数字。",
             "{label} is the text '{text}', not a number: enter it as a number."),
    "blank": ("{label} 为空：请填写。", "{label} is blank: enter it."),
    "zero": ("{label} 为 0：以它为分母的比率无从计算，会按 0% 计分；请更正，或本月不考核该客服。",
             "{label} is 0: the rate divided by it has no value and would score as 0 %; "
             "correct it, or leave the agent out of this month."),
    "negative": ("{label} {value} 为负数。", "{label} {value} is negative."),
    "above": ("{label} {value} 超过 {upper}。", "{label} {value} is above {upper}."),
    "over_100": ("{label} {value} 超过 100 分。", "{label} {value} is more than 100 points."),
    "fraction": ("{label} {value} 像是百分比：得分按分数填写（{points} 分请填 {points}）。",
                 "{label} {value} looks like a percentage: scores are in points (for {points} "
                 "points, enter {points})."),
    "open_above": ("{label} {value} 超过 {top}：若指 {x}%，请输入 {x}% 或 {hundredth}。",
                   "{label} {value} is above {top}: for {x} %, enter {x}% or {hundredth}."),
    "at_most": ("{parts} {total} 大于 {whole} {whole_value}：不可能，请核对两者。",
                "{parts} {total} is more than {whole} {whole_value}: impossible, check both."),
    "needs": ("{parts} {total}，但 {whole} 为 0：不可能，请核对两者。",
              "{parts} {total} with {whole} 0: impossible, check both."),
}
_PLACE = re.compile(r"\{(\w+)\}")


def formula_text(text: str, words: dict, cells: dict) -> str:
    """``text``, a sentence of :data:`CHECK_SAYS`, as an Excel text expression: a place
    named in ``words`` is those words, one named in ``cells`` the formula given
    (``"Buyers "&C6&" is negative."``)."""
    out: list[str] = []
    run = ""
    for i, piece in enumerate(_PLACE.split(text)):
        if i % 2 == 0 or piece in words:
            run += words[piece] if i % 2 else piece
            continue
        out += ['"' + run.replace('"', '""') + '"'] if run else []
        out.append(cells[piece])
        run = ""
    out += ['"' + run.replace('"', '""') + '"'] if run else []
    return "&".join(out)


def percent_limit(t: Labels, limit: float) -> str:
    """A percentage limit as the check's words write it: 200% in Chinese, 200 % in English."""
    return t(f"{limit:.0%}", f"{limit * 100:.0f} %")


def _figures(v, percent: bool) -> dict:
    """The places {value} and {points} of a :data:`CHECK_SAYS` sentence for the number ``v``,
    as the check's formula shows them (``TEXT(x,"0%")`` for a percentage, the number as
    ``&`` writes it, ``ROUND(x*100,6)``); none for a value that is not a number."""
    if not is_number(v):
        return {}
    # Imported here: the engine's function table takes a fifth of a second to load, which
    # only a data sheet that fails a rule needs.
    from ..engine.functions.numfmt import format_value
    return {"value": format_value(v, "0%") if percent else fmt_number(v),
            "points": fmt_number(round(v * 100, 6))}


class Labels:
    """Picks the Chinese or English text of a label."""

    def __init__(self, lang: str):
        if lang not in ("zh", "en"):
            raise ValueError(lang)
        self.lang = lang

    def __call__(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    @property
    def check_lang(self) -> str:
        """The trailing lang argument of KPI_CHECK_* formulas; English is their default."""
        return ',"zh"' if self.lang == "zh" else ""


@dataclass(frozen=True)
class Column:
    """An input column of a template: key used in code, headers in both languages, type."""

    key: str
    zh: str
    en: str
    kind: str  # "text", "int", "number", "percent", "month"
    aliases: tuple[str, ...] = ()
    required: bool = True
    number_format: str | None = None
    width: float | None = None
    #: defined name of the cell holding a group-level parameter (Chinese, English)
    name_zh: str = ""
    name_en: str = ""
    #: plausibility: the key of another input this one can never exceed in the same row
    #: (buyers are some of the inquiries, paid orders some of the orders …)
    at_most: str = ""
    #: the largest value a percentage may take (1.0 = 100 %); None where more is legitimate
    upper: float | None = 1.0
    #: a rate the scheme scores is divided by this column: 0 leaves it undefined (0 ÷ 0
    #: would score as 0, the best bad-review rate and the worst conversion)
    divides: bool = False
    #: plausibility: the key of another input that cannot be 0 while this one is positive
    #: (sales with no buyer: the AOV would be 0 ÷ 0 and score as the worst)
    needs: str = ""

    def header(self, t: Labels) -> str:
        return t(self.zh, self.en)

    def zero_base(self, v) -> bool:
        """Whether ``v`` is a 0 that a scored rate would be divided by (``divides``), as the
        input check's formula judges it (:class:`ValueRule` "zero"); ``fill`` refuses it,
        ``verify`` names it in a data sheet whose input check does not."""
        return self.divides and is_number(v) and v == 0

    def value_rules(self) -> tuple[ValueRule, ...]:
        """The rules the input check judges this column's input by on its own, in the order
        it says them."""
        kinds = ["blank"] * self.required + ["zero"] * self.divides
        if not (self.kind == "percent" and self.upper is None):   # the open_percent rule's
            kinds.append("negative")
        if self.kind == "percent" and self.upper is not None:
            kinds.append("above")
        if self.kind == "score":
            kinds += ["over_100", "fraction"]
        return tuple(ValueRule(kind, self) for kind in kinds)

    def text_rule(self) -> ValueRule:
        """The rule the input check says first and alone: a number pasted as text ("300"
        from a platform's export, or typed into a cell formatted as text), which the rules
        of :meth:`value_rules` read as 0 (N), KPI_RATE as its number and the team average
        leaves out.  Text of spaces alone is blank to the KPI functions, as an empty cell."""
        return ValueRule("text", self)

    def defined_name(self, t: Labels) -> str:
        return t(self.name_zh, self.name_en)

    @property
    def fmt(self) -> str:
        if self.number_format:
            return self.number_format
        return {"int": COUNT, "number": DECIMAL, "percent": PERCENT, "text": "@",
                "month": "@"}[self.kind]


#: Each :class:`ValueRule` as formula text on the input cell {x}.
_VALUE_CONDITIONS = {
    "text": 'AND(ISTEXT({x}),TRIM({x})<>"")', "blank": 'TRIM({x})=""', "zero": "AND(ISNUMBER({x}),{x}=0)", "negative": "N({x})<0",
    "above": "N({x})>{upper}", "over_100": "N({x})>100", "fraction": "AND(N({x})>0,N({x})<=1)",
}


@dataclass(frozen=True)
class ValueRule:
    """One input of a data row on its own, as the row's input check judges it.

    ``kind`` is "text" (:meth:`Column.text_rule`), "blank" (a required input left blank: the rules and the pay would read it
    as 0, a blank score pays the bonus of 0 points, blank sales lose the commission),
    "zero" (:meth:`Column.zero_base`: 0 ÷ 0 scores as the worst conversion or the best
    bad-review rate), "negative", "above" (a percentage above the column's ``upper``),
    "over_100" (a score above 100 points) or "fraction" (a score within 0–1: 0.95 typed
    for 95 points, which no bonus line reaches).  The check cell writes the rule as a
    formula (:meth:`check`); ``verify`` judges a row whose check does not say it by the
    same rule on the cached value (:meth:`breaks`, :meth:`says`).
    """

    kind: str
    column: Column

    def check(self, t: Labels, x: str) -> tuple[str, str]:
        """(condition, what the check cell says) on the input cell ``x``, as formula text."""
        col = self.column
        upper = "" if col.upper is None else f"{col.upper:g}"
        shown = f'TEXT({x},"0%")' if col.kind == "percent" else x
        return (_VALUE_CONDITIONS[self.kind].format(x=x, upper=upper),
                formula_text(self._text(t), self._words(t),
                             {"value": shown, "text": x, "points": f"ROUND({x}*100,6)"}))

    def breaks(self, v) -> bool:
        """Whether the cached value ``v`` breaks the rule, as the formula judges it (N() of
        a text or a blank is 0)."""
        if self.kind in ("blank", "text"):
            blank = v is None or (isinstance(v, str) and not v.strip(" "))
            return blank if self.kind == "blank" else isinstance(v, str) and not blank
        if self.kind == "zero":
            return self.column.zero_base(v)
        if not is_number(v):
            return False
        upper = self.column.upper
        return {"negative": v < 0, "above": upper is not None and v > upper,
                "over_100": v > 100, "fraction": 0 < v <= 1}[self.kind]

    def says(self, t: Labels, v) -> str:
        """What the check cell says of the value ``v`` breaking the rule."""
        figures = ({"text": v} if self.kind == "text"
                   else _figures(v, self.column.kind == "percent"))
        return self._text(t).format(**self._words(t), **figures)

    def _text(self, t: Labels) -> str:
        return t(*CHECK_SAYS[self.kind])

    def _words(self, t: Labels) -> dict:
        col = self.column
        return {"label": col.header(t),
                "upper": "" if col.upper is None else percent_limit(t, col.upper)}


@dataclass(frozen=True)
class InputRule:
    """Inputs of one data row that can never hold together for real data.

    ``kind`` is "at_most" (the sum of ``parts`` is more than ``whole``: more buyers than
    inquirers, more paid orders than orders), "needs" (a part is positive while ``whole``
    is 0: sales with no buyer) or "open_percent" (the one part, a percentage that may
    exceed 100 %, is above :data:`OPEN_PERCENT_MAX` or below 0).  The data sheet's input
    check column writes the rule as a formula (Template.input_check_column) and ``fill``
    checks the same rule on the values it reads (:meth:`broken`).
    """

    kind: str
    parts: tuple[str, ...]
    whole: str = ""

    def broken(self, values: dict) -> bool:
        """Whether the rule fails for a row's typed ``values``; a missing value never does
        (``fill`` names it on its own)."""
        got = [values[k] for k in self.parts if values.get(k) is not None]
        if self.kind == "open_percent":
            return bool(got) and not 0 <= got[0] <= OPEN_PERCENT_MAX
        whole = values.get(self.whole)
        if whole is None or not got:
            return False
        if self.kind == "at_most":
            return sum(got) > whole
        return any(v > 0 for v in got) and whole == 0

    def checks(self, t: Labels, labels: dict, cells: dict) -> list[tuple[str, str]]:
        """(condition, what the check cell says) of the rule, as formula text; ``labels``
        and ``cells`` give each input's header and cell in the row."""
        xs = [cells[k] for k in self.parts]
        words = self._words(t, labels)
        if self.kind == "open_percent":
            x = xs[0]
            shown = {"value": f'TEXT({x},"0%")', "x": x, "hundredth": f"{x}/100"}
            return [(f"N({x})>{OPEN_PERCENT_MAX:g}",
                     formula_text(t(*CHECK_SAYS["open_above"]), words, shown)),
                    (f"N({x})<0", formula_text(t(*CHECK_SAYS["negative"]), words, shown))]
        total = "+".join(f"N({x})" for x in xs)
        w = f"N({cells[self.whole]})"
        cond = f"{total}>{w}" if self.kind == "at_most" else f"AND({total}>0,{w}=0)"
        if self.kind == "at_most" and len(xs) > 1:
            total = f"({total})"
        return [(cond, formula_text(t(*CHECK_SAYS[self.kind]), words,
                                    {"total": total, "whole_value": w}))]

    def says(self, t: Labels, labels: dict, values: dict) -> str:
        """What the check cell says of the row's ``values`` breaking the rule (:meth:`broken`)."""
        got = [values[k] for k in self.parts if values.get(k) is not None]
        if self.kind == "open_percent":
            key = "open_above" if got[0] > OPEN_PERCENT_MAX else "negative"
            figures = {**_figures(got[0], True), "x": fmt_number(got[0]),
                       "hundredth": fmt_number(got[0] / 100)}
        else:
            key = self.kind
            figures = {"total": fmt_number(sum(got)), "whole_value": fmt_number(values[self.whole])}
        return t(*CHECK_SAYS[key]).format(**self._words(t, labels), **figures)

    def _words(self, t: Labels, labels: dict) -> dict:
        return {"label": labels[self.parts[0]], "parts": " + ".join(labels[k] for k in self.parts),
                "whole": labels.get(self.whole, ""), "top": percent_limit(t, OPEN_PERCENT_MAX)}


# The group parameters every template carries on its data sheet: one workbook per shop
# and month, as `kpi-xl fill --by shop,month` writes them.
SHOP_MONTH = (
    Column("shop", "店铺", "Shop", "text", ("店铺名称", "shop name"), required=False,
           name_zh="店铺", name_en="Shop"),
    Column("month", "月份", "Month", "month", ("考核月份", "period"), required=False,
           name_zh="月份", name_en="Month"),
)


def text_width(text) -> float:
    """Display width of a text in Excel character units (CJK characters count double)."""
    text = "" if text is None else str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ref(sheet: str, cell: str) -> str:
    """A reference to a cell or range of another sheet, quoted the way Excel accepts."""
    return f"{quote_sheetname(sheet) if not sheet.startswith(chr(39)) else sheet}!{cell}"


def qsheet(sheet: str) -> str:
    """Sheet name always quoted (non-ASCII names read back safely everywhere)."""
    return "'" + sheet.replace("'", "''") + "'"


def absolute(col: int, row: int) -> str:
    return f"${get_column_letter(col)}${row}"


def add_name(wb, name: str, sheet: str, cell_range: str) -> None:
    """Workbook-level defined name; ``cell_range`` like ``$A$5:$C$11``."""
    if name in wb.defined_names:
        del wb.defined_names[name]
    wb.defined_names[name] = DefinedName(name, attr_text=f"{qsheet(sheet)}!{cell_range}")


def title(ws, text: str, note: str | None = None, span: int = 8) -> None:
    ws.cell(1, 1, text).font = TITLE_FONT
    ws.row_dimensions[1].height = 26
    if note:
        c = ws.cell(2, 1, note)
        c.font = NOTE_FONT
        c.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=span)
        # Merged cells do not grow with wrapped text; size the row for the note.
        per_line = max(20, sum((ws.column_dimensions[get_column_letter(c)].width or 9)
                               for c in range(1, span + 1)))
        lines = max(1, int(text_width(note) / per_line) + 1)
        ws.row_dimensions[2].height = 13 * lines + 4


def header(ws, row: int, col: int, labels, height: float = 32) -> None:
    for i, text in enumerate(labels):
        c = ws.cell(row, col + i, text)
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.alignment = CENTER
        c.border = BORDER
    ws.row_dimensions[row].height = height


def body(cell, fmt: str | None = None, *, editable: bool = False, bold: bool = False,
         fill=None, align=None):
    # openpyxl looks every style up by value on each assignment, which made styling most of
    # a fill's time; one look-up per distinct style of a workbook gives the same file.
    align_key = None if align is None else (align.horizontal, align.vertical, align.wrap_text)
    fill_key = None if fill is None else (fill.fill_type, getattr(fill.fgColor, "rgb", None))
    key = (fmt, editable, bold, fill_key, align_key)
    wb = cell.parent.parent
    cache = wb.__dict__.setdefault("_kpi_body_styles", {})
    style = cache.get(key)
    if style is not None:
        cell._style = copy(style)
        return cell
    _style_body(cell, fmt, editable=editable, bold=bold, fill=fill, align=align)
    cache[key] = copy(cell._style)
    return cell


def _style_body(cell, fmt, *, editable, bold, fill, align):
    cell.font = BOLD_FONT if bold else BODY_FONT
    cell.border = BORDER
    if fmt:
        cell.number_format = fmt
    if fill is not None:
        cell.fill = fill
    elif editable:
        cell.fill = INPUT_FILL
    else:
        cell.fill = FORMULA_FILL
    cell.alignment = align or Alignment(horizontal="center", vertical="center")
    return cell


def fit_header(ws, row: int) -> None:
    """Make the header row tall enough for its longest wrapped label (English labels are long).

    Roughly: a bold 10-point line holds (column width − 1) characters, and takes 13 points.
    """
    lines = 2
    for cell in ws[row]:
        if cell.value is None:
            continue
        width = ws.column_dimensions[get_column_letter(cell.column)].width or 9
        per_line = max(4.0, width - 1)
        need = 0
        for word_line in str(cell.value).split("\n"):
            need += max(1, -(-int(text_width(word_line) * 1.1) // int(per_line)))
        lines = max(lines, need)
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 13 * lines + 6)


def widths(ws, sizes: dict[int, float]) -> None:
    for col, size in sizes.items():
        ws.column_dimensions[get_column_letter(col)].width = size


def validation(kind: str, t: Labels, header_text: str) -> DataValidation:
    """Typed input validation with a prompt and an error message in the workbook's language."""
    if kind == "int":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        msg = t("请输入不小于 0 的整数。", "Enter a whole number of 0 or more.")
    elif kind == "number":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
        msg = t("请输入不小于 0 的数字。", "Enter a number of 0 or more.")
    elif kind == "percent":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1")
        msg = t("请输入 0% 到 100% 之间的百分比。", "Enter a percentage between 0 % and 100 %.")
    elif kind == "percent_open":
        dv = DataValidation(type="decimal", operator="between", formula1="0",
                            formula2=f"{OPEN_PERCENT_MAX:g}")
        msg = t(f"请输入百分比，如 95% 或 0.95（可超过 100%，最多 {OPEN_PERCENT_MAX:.0%}）。",
                f"Enter a percentage such as 95 % or 0.95 (more than 100 % is allowed, "
                f"up to {OPEN_PERCENT_MAX * 100:.0f} %).")
    elif kind == "score":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
        msg = t("请输入 0 到 100 之间的分数。", "Enter a score between 0 and 100.")
    elif kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="36526")
        msg = t("请输入日期。", "Enter a date.")
    elif kind == "text":
        dv = DataValidation(type="textLength", operator="greaterThan", formula1="0")
        msg = t("请输入名称。", "Enter a name.")
    else:
        raise ValueError(kind)
    dv.error = msg
    dv.errorTitle = header_text[:32]
    dv.prompt = msg
    dv.promptTitle = header_text[:32]
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.allow_blank = True
    return dv


@dataclass
class BandTable:
    """A band table as published: rows of (lower, upper, points); None is an open end."""

    key: str
    zh: str
    en: str
    rows: list
    closed: str = "left"
    fmt: str = PERCENT0
    note_zh: str = ""
    note_en: str = ""
    point_fmt: str = "0"
    #: column headers (zh, en) when not (from, to, points), e.g. a (from, rate) tier table
    headers: tuple = ()
    name: str = field(default="", init=False)


@dataclass(frozen=True)
class BandGuard:
    """A mistake of scale in a band table that KPI_CHECK_BANDS cannot see (the bands are in
    order either way), said by the table's check cell before what KPI_CHECK_BANDS says.

    ``rule`` is "fractions" (every bound, the table's first two columns, is within 0–1
    while a score of the whole column ``scores`` = (sheet, letter) reaches ``limit``:
    percentages typed for points, 0.9 for 90) or "at_least" (a value of the
    table's column ``column`` is ``limit`` or more: 120 typed for 120 %).  The check cell
    writes the rule as a formula (:meth:`condition`); ``verify`` judges a table whose check
    cell does not say it by the same rule on the cached values (:meth:`breaks`).
    """

    rule: str
    zh: str
    en: str
    limit: float
    scores: tuple[str, str] = ("", "")
    column: int = 3

    def condition(self, table: str) -> str:
        """The rule as formula text, on the table of defined name ``table``."""
        if self.rule == "fractions":
            sheet, letter = self.scores
            scores = f"{qsheet(sheet)}!${letter}:${letter}"
            bounds = f"INDEX({table},0,1),INDEX({table},0,2)"
            # COUNTIF, not MAX: it skips an error in the column (the team average of a
            # month where every agent's input check fails is #DIV/0!), which would make
            # the check cell an error that blames the scheme.
            return (f'AND(COUNTIF({scores},">={self.limit:g}")>0,MAX({bounds})>0,'
                    f"MAX({bounds})<=1)")
        return f"MAX(INDEX({table},0,{self.column}))>={self.limit:g}"

    def breaks(self, rows: list[list], scores: list) -> tuple[int, int] | None:
        """Where in the table's ``rows`` (values) the rule holds, as the formula judges them
        (MAX and COUNTIF read the numbers of a range; MAX is 0 without any), given the
        values of the scores column: (row, column) from 0 of the cell that shows it (the largest bound,
        the first value over the limit), or None."""
        if self.rule == "fractions":
            bounds = [(v, (i, j)) for i, row in enumerate(rows) for j, v in enumerate(row[:2])
                      if is_number(v)]
            top = max(bounds, key=lambda b: b[0], default=(0, None))
            points = any(is_number(v) and v >= self.limit for v in scores)
            return top[1] if points and 0 < top[0] <= 1 else None
        j = self.column - 1
        return next(((i, j) for i, row in enumerate(rows)
                     if j < len(row) and is_number(row[j]) and row[j] >= self.limit), None)

    def text(self, t: Labels) -> str:
        return t(self.zh, self.en)


def band_table(wb, ws, top: int, left: int, table: BandTable, t: Labels, name: str,
               span: int | None = None, guards: tuple[BandGuard, ...] = ()) -> int:
    """Write a band table with its title, header, defined name and check cell.

    ``span`` rows are reserved for the bands (at least the table's own), so that tables
    side by side put their check cells on the same row.  The check cell says the text of
    the first of ``guards`` whose condition holds, before what KPI_CHECK_BANDS says of the
    bands.  Returns the first free row below.
    """
    table.name = name
    head = ws.cell(top, left, t(table.zh, table.en))
    head.font = SECTION_FONT
    rule = t("含下限" if table.closed == "left" else "含上限",
             "lower bound inclusive" if table.closed == "left" else "upper bound inclusive")
    note = t(table.note_zh, table.note_en)
    sub = ws.cell(top + 1, left, f"{name} · {rule}" + (f" · {note}" if note else ""))
    sub.font = NOTE_FONT
    heads = [t(zh, en) for zh, en in table.headers] or [t("下限", "From"), t("上限", "To"),
                                                        t("得分", "Points")]
    header(ws, top + 2, left, heads, height=20)
    first = top + 3
    width = len(table.rows[0])
    for i, row in enumerate(table.rows):
        r = first + i
        fmts = [table.fmt] * (width - 1) + [table.point_fmt]
        for j, (value, fmt) in enumerate(zip(row, fmts)):
            body(ws.cell(r, left + j, value), fmt, editable=True)
    last = first + len(table.rows) - 1
    add_name(wb, name, ws.title,
             f"{absolute(left, first)}:{absolute(left + width - 1, last)}")
    check_row = first + max(span or 0, len(table.rows))
    label = ws.cell(check_row, left, t("检查", "Check"))
    label.font = BOLD_FONT
    label.alignment = Alignment(horizontal="right", vertical="top")
    check = f'KPI_CHECK_BANDS({name},"{table.closed}"{t.check_lang})'
    for guard in reversed(guards):
        check = f'IF({guard.condition(name)},"{guard.text(t)}",{check})'
    c = ws.cell(check_row, left + 1, f"={check}")
    c.font = CHECK_FONT
    c.alignment = LEFT_WRAP
    ws.merge_cells(start_row=check_row, start_column=left + 1, end_row=check_row,
                   end_column=left + 2)
    ws.row_dimensions[check_row].height = 40
    return check_row + 2


def check_format(ws, cell_range: str) -> None:
    """Green when a check cell says OK, red otherwise."""
    ws.conditional_formatting.add(
        cell_range, CellIsRule(operator="equal", formula=['"OK"'], fill=OK_FILL, font=OK_FONT))
    ws.conditional_formatting.add(
        cell_range, CellIsRule(operator="notEqual", formula=['"OK"'], fill=FAIL_FILL, font=FAIL_FONT))


def input_check_format(ws, cell_range: str) -> None:
    """A row's input check: green when OK, red when it names a problem, plain when blank
    (a spare row without an agent)."""
    first = cell_range.split(":")[0]
    ws.conditional_formatting.add(
        cell_range, CellIsRule(operator="equal", formula=['"OK"'], fill=OK_FILL, font=OK_FONT))
    ws.conditional_formatting.add(
        cell_range, FormulaRule(formula=[f'AND({first}<>"OK",{first}<>"")'], fill=FAIL_FILL,
                                font=FAIL_FONT))


def total_formats(ws, cell_range: str, fail_below: float = 70) -> None:
    """Data bars on the totals and red for a failing score."""
    ws.conditional_formatting.add(
        cell_range, CellIsRule(operator="lessThan", formula=[str(fail_below)], fill=FAIL_FILL,
                               font=FAIL_FONT))
    ws.conditional_formatting.add(
        cell_range, DataBarRule(start_type="num", start_value=0, end_type="num", end_value=100,
                                color="5B9BD5", showValue=True))


def colour_scale(ws, cell_range: str) -> None:
    ws.conditional_formatting.add(
        cell_range, ColorScaleRule(start_type="min", start_color="F8696B", mid_type="percentile",
                                   mid_value=50, mid_color="FFEB84", end_type="max",
                                   end_color="63BE7B"))


def stacked_bar(ws, title_text: str, cats: Reference, data: Reference, anchor: str,
                y_title: str, n_agents: int, y_max: float | None = 100) -> None:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = title_text
    chart.y_axis.title = y_title
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height = 8.5
    chart.width = max(16, min(32, 2 + 1.2 * n_agents))
    chart.legend.position = "b"
    chart.y_axis.scaling.min = 0
    if y_max is not None:
        chart.y_axis.scaling.max = y_max
    _visible_axes(chart)
    ws.add_chart(chart, anchor)


def ranking_bar(ws, title_text: str, cats: Reference, data: Reference, anchor: str,
                x_title: str, n_agents: int, x_max: float | None = 100) -> None:
    chart = BarChart()
    chart.type = "bar"
    chart.title = title_text
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    # Best on top: categories run bottom-up in a bar chart.
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.crosses = "max"
    # A score axis from 0 keeps the bars' lengths honest (a 74 is not a third of a 77.5).
    chart.y_axis.scaling.min = 0
    if x_max is not None:
        chart.y_axis.scaling.max = x_max
    chart.y_axis.title = x_title
    chart.legend = None
    chart.height = max(7.5, min(20, 1.5 + 0.6 * n_agents))
    chart.width = 14
    chart.varyColors = False
    _visible_axes(chart)
    ws.add_chart(chart, anchor)


def _visible_axes(chart) -> None:
    # openpyxl 3.1 writes axes with delete="1" unless told otherwise, which hides the labels.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
