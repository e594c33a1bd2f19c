"""Filling a template from a table of agent data: one workbook per group (shop, month …).

The data file's columns are matched to the template's inputs by header, in Chinese
or English or by a known alias; the header row may sit below title rows and the data
on any sheet of a workbook.  Every problem — a missing column, a value of the wrong
type, a count that contradicts another (more buyers than inquiries), the same agent
twice in a group, a shop figure that differs within a group, one shop's name written two
ways ('S1' and 's1' are one shop, so one group) — is reported as a sentence naming the
data file, its row and its column, and a group with problems is not written unless
forced.  Columns the template does not use, blank rows and total
rows are left out with a note.

The file is read once, row by row, and its rows are spilled by group into a
temporary database, so memory grows with the largest group, not with the file.

Each output workbook is the template itself (the user's scheme sheet untouched) with
its agent-data and results sheets rebuilt for the group's agents, then recalculated
and read back: a scheme check that is not OK, a score, total or pay cell holding
an error, or one computed from a data connection's cached value (CUBEVALUE, RTD …), is
reported by file, sheet, cell and agent.

Progress is the caller's to show: ``progress`` is a :data:`Progress` factory (``kpi-xl``
gives one drawing a bar on the terminal), or None for none.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import os
import re
from collections import Counter
import sqlite3
import tempfile
import unicodedata
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from ..core.serial import serial_to_date
from ..core.values import name_key, parse_number_text, without_invisible
from ..errors import UserFacingError
from .errors import DataError, TemplateError
from .layout import OPEN_PERCENT_MAX, Labels
from .package import save_workbook
from .workbook_info import template_of

NULLS = {"", "nan", "none", "null", "n/a", "na", "-"}
#: Labels of the total rows exports end with; such a row is not an agent.
#: Exact labels only (compared as normalise_header writes them): an agent whose name merely
#: contains one of them (合计小王) stays an agent.
TOTAL_LABELS = {"合计", "总计", "小计", "汇总", "总和", "total", "totals", "grandtotal", "sum",
                "subtotal", "平均", "平均值", "均值", "人均", "平均数", "average", "团队平均", "teamaverage",
                "店铺合计", "店铺总计", "全店合计", "全店总计", "团队合计", "团队总计", "客服合计",
                "全部", "全部客服", "所有客服", "总体", "整体", "店铺平均", "全店平均",
                "overall", "shoptotal", "teamtotal", "allagents"}
#: Traditional characters of those labels (合計, 總計, 店鋪合計 … as Taiwan and Hong Kong shops
#: export them), compared as their simplified forms.
_TRADITIONAL = str.maketrans("計總匯彙團鋪舖體", "计总汇汇团铺铺体")
#: A row whose figures in at least this many number columns are each the sum of the other
#: rows of its group is a total row, whatever its label says.
TOTAL_ROW_COLUMNS = 3
#: Characters XML 1.0 cannot hold; openpyxl refuses them in a cell.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: First characters that make a spreadsheet treat typed text as a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_SCAN = 30  # rows searched for the header below title rows
PROBLEMS_PER_GROUP = 50  # sentences kept per group; the rest are counted


class OutputError(UserFacingError):
    """An output that cannot be written, or would overwrite something it must not."""


@dataclass
class Record:
    """One row of agent data, validated: its row number in the file and typed values."""

    row: int
    values: dict
    raw_group: tuple = ()  # the group's values as this row writes them
    #: The key rows are grouped by: ``raw_group`` with the shop compared as a name
    #: (:func:`~kpi_xl.core.values.name_key`), so 'S1' and 's1' are one group.
    group_key: tuple = ()


@dataclass
class FillReport:
    """What :func:`fill_template` did."""

    written: list = field(default_factory=list)  # paths of the workbooks written
    skipped: list = field(default_factory=list)  # (group label, problems) not written
    problems: list = field(default_factory=list)  # every problem, as sentences
    notes: list = field(default_factory=list)  # what was left out or changed, harmlessly
    findings: list = field(default_factory=list)  # verify.Finding of the written workbooks
    cached: bool = False  # the workbooks carry cached values (engine installed)
    groups: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        """True when the month's run is right: no data problem and nothing to check."""
        return not self.problems and not self.findings

    def finding_lines(self) -> list[str]:
        from .verify import describe
        return describe(self.findings, len(self.written))

    def summary(self) -> str:
        parts = [f"Wrote {len(self.written)} of {self.groups} workbook(s)"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} group(s) not written because of data errors "
                         "(use --force to write them anyway)")
        elif self.problems:
            parts.append(f"{len(self.problems)} problem(s) reported")
        if self.findings:
            count = Counter(f.kind for f in self.findings)
            checks = count["check"] + count["table"] + count["overwritten"]
            kept, unscored, typed = (count[k] for k in ("kept", "unscored", "typed"))
            inputs = count["input"] + count["unchecked"]
            errors = len(self.findings) - checks - kept - count["engine"] - inputs - \
                unscored - typed
            what = []
            if checks:
                what.append(f"{checks} scheme check(s) not OK")
            if inputs:
                what.append(f"{inputs} agent input check(s) not OK")
            if unscored:
                what.append(f"{unscored} agent(s) of the data sheet without a results row")
            if typed:
                what.append(f"{typed} results row(s) with values typed over their formulas")
            if errors:
                what.append(f"{errors} score/total/pay cell(s) showing an error")
            if kept:
                what.append(f"{kept} cell(s) whose value needs a data connection")
            parts.append(" and ".join(what) + " in the written workbooks: their pay is not "
                         "right until these are fixed")
        if self.written and not self.cached:
            parts.append("without cached values: the recalculation engine is not installed, "
                         "so run `kpi-xl recalc` on them before reading them without Excel")
        return "; ".join(parts) + "."


def normalise_header(text) -> str:
    text = str(text).strip().lower()
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_\-·:：]+", "", text)


# -- reading the data, row by row ------------------------------------------------------------

@dataclass
class Table:
    """A data file opened for reading: its header and an iterator over its rows."""

    source: str
    header: list
    header_line: int
    rows: object  # iterator of (line number, list of raw values)
    notes: list = field(default_factory=list)
    size: int | None = None  # rows, when known
    close: object = None


def split_by(by) -> list[str]:
    """``shop,month`` (also with a full-width comma or 、) as a list of column names."""
    if isinstance(by, str):
        by = re.split(r"[,，、;；]", by)
    return [str(b).strip() for b in (by or ()) if str(b).strip()]


def _header_score(row, known) -> int:
    return sum(1 for v in row if v is not None and normalise_header(v) in known)


def _find_header(first_rows, known):
    """Index of the header among the first rows: the first with the most known names."""
    return header_row(first_rows, lambda row: _header_score(row, known))


def header_row(rows, count) -> tuple[int, int]:
    """(index, ``count(row)``) of the header among ``rows``: the first row with the most
    known headers as ``count`` tells them; (0, 0) when no row holds one.  One rule for the
    exports ``fill`` and ``metrics`` read, below title rows."""
    best, best_score = 0, 0
    for i, row in enumerate(rows):
        score = count(row)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


def _csv_encoding(path: Path) -> str:
    # Files saved by Excel on Chinese Windows are GB-encoded; decide once, before reading.
    try:
        with open(path, encoding="utf-8-sig") as fh:
            while fh.read(1 << 20):
                pass
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"


def _open_csv(path: Path, known) -> Table:
    encoding = _csv_encoding(path)
    fh = open(path, encoding=encoding, newline="")
    try:
        reader = csv.reader(fh)
        head = []
        for row in reader:
            head.append(row)
            if len(head) >= HEADER_SCAN:
                break
    except (csv.Error, UnicodeDecodeError) as exc:
        fh.close()
        raise DataError([f"The data file {path} cannot be read as CSV: {exc}."]) from None
    if not head:
        fh.close()
        raise DataError([f"The data file {path} is empty."])
    h, _ = _find_header(head, known)

    def rows():
        # Rows are counted as Excel shows the file: a blank line is a row, a line break
        # inside a quoted cell is not (the reader's line_num counts those).
        line = h + 1
        for row in head[h + 1:]:
            line += 1
            yield line, row
        try:
            for row in reader:
                line += 1
                yield line, row
        except csv.Error as exc:
            raise DataError([f"{path.name} row {line + 1}: the CSV cannot be read "
                             f"({exc})."]) from None
    table = Table(path.name, head[h], h + 1, rows(), close=fh.close)
    if h:
        table.notes.append(f"{path.name}: rows 1–{h} above the header row {h + 1} were left "
                           f"out (titles).")
    return table


def _open_xlsx(path: Path, known, sheet: str | None) -> Table:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds; all mean "cannot read this file"
        raise DataError([f"The data file {path} cannot be read as an Excel workbook: "
                         f"{exc}."]) from None
    names = wb.sheetnames
    if sheet is not None and sheet not in names:
        wb.close()
        raise DataError([f"The data file {path.name} has no sheet {sheet!r}; its sheets are "
                         f"{', '.join(map(repr, names))}."])
    candidates = [sheet] if sheet is not None else names
    best = None
    for name in candidates:
        head = [list(r) for r in wb[name].iter_rows(max_row=HEADER_SCAN, values_only=True)]
        h, score = _find_header(head, known)
        if best is None or score > best[2]:
            best = (name, h, score, head)
    name, h, _, head = best
    ws = wb[name]

    def rows():
        for line, row in enumerate(ws.iter_rows(min_row=h + 2, values_only=True), start=h + 2):
            yield line, list(row)
    source = path.name if len(names) == 1 else f"{path.name} [{name}]"
    table = Table(source, head[h] if head else [], h + 1, rows(), close=wb.close,
                  size=max(0, (ws.max_row or 0) - h - 1) or None)
    if sheet is None and name != names[0]:
        table.notes.append(f"{path.name}: the data was found on sheet {name!r} (choose another "
                           f"with --sheet).")
    if h:
        table.notes.append(f"{source}: rows 1–{h} above the header row {h + 1} were left out "
                           f"(titles).")
    return table


def _open_frame(df, source: str) -> Table:
    def rows():
        for i, row in enumerate(df.itertuples(index=False, name=None)):
            yield i + 2, list(row)
    return Table(source, [str(c) for c in df.columns], 1, rows(), size=len(df))


def open_table(data, known=frozenset(), sheet: str | None = None,
               source: str | None = None) -> Table:
    """Open ``data`` (a CSV or Excel path, or a DataFrame) for reading row by row."""
    if not isinstance(data, (str, Path)):
        return _open_frame(data, source or "the data")
    path = Path(data)
    if not path.exists():
        raise DataError([f"The data file {path} does not exist."])
    if path.is_dir():
        raise DataError([f"The data file {path} is a folder; give a .csv or .xlsx file."])
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            table = _open_xlsx(path, known, sheet)
        elif path.suffix.lower() == ".xls":
            import pandas as pd
            try:
                df = pd.read_excel(path, dtype=str, keep_default_na=False, header=None,
                                   sheet_name=sheet or 0)
            except Exception as exc:  # as above: any failure means "cannot read"
                raise DataError([f"The data file {path} cannot be read: {exc}."]) from None
            head = df.head(HEADER_SCAN).values.tolist()
            h, _ = _find_header(head, known)
            rest = df.iloc[h + 1:]
            table = Table(path.name, head[h] if head else [], h + 1,
                          ((h + 2 + i, list(r)) for i, r in
                           enumerate(rest.itertuples(index=False, name=None))), size=len(rest))
        else:
            table = _open_csv(path, known)
    except PermissionError:
        raise DataError([f"The data file {path} cannot be read: permission denied."]) from None
    except OSError as exc:
        raise DataError([f"The data file {path} cannot be read: {exc.strerror or exc}."]) \
            from None
    if source:
        table.source = source
    return table


def read_table(path, sheet: str | None = None):
    """The data file as a DataFrame of strings (header found below any title rows)."""
    import pandas as pd
    table = open_table(path, sheet=sheet)
    try:
        header = [str(h).strip() if h is not None else "" for h in table.header]
        rows = [[("" if v is None else str(v)) for v in row][:len(header)]
                + [""] * max(0, len(header) - len(row)) for _, row in table.rows]
    finally:
        if table.close:
            table.close()
    return pd.DataFrame(rows, columns=header)


# -- one value ---------------------------------------------------------------------------------

def _parse_number(text: str):
    """The number of a data cell's text, read as a KPI function reads its input
    (:func:`~kpi_xl.core.values.parse_number_text`): full-width digits and commas are
    taken, a yuan sign before or after is dropped, and thousands separators count only in
    their places, so "70,00" (70.00 in a decimal-comma locale, or a slip) is no number
    rather than 7000; Python's digit grouping "1_000" is none either."""
    s = unicodedata.normalize("NFKC", text).strip()
    s = s.removeprefix("¥").removesuffix("¥").strip()
    if s.endswith("%"):
        raise ValueError(text)   # a percentage's sign is the caller's to take off
    value = parse_number_text(s)
    if value is None:
        raise ValueError(text)
    return value


def clean_text(text: str):
    """(text, note or None): characters a workbook cannot hold removed; formula look noted."""
    note = None
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text).strip()
        note = "control characters (such as NUL) were removed"
    if text.lstrip(" ").startswith(_FORMULA_START):
        note = ((note + "; ") if note else "") + \
            "it looks like a formula and is written as text, never computed"
    return text, note


#: Where a percentage may exceed 100 %, the largest one read from a bare number (2 = 200 %);
#: a bigger bare number is a percentage typed without its sign (95 for 95 %), and is refused.
#: The workbook's own input check (录入检查) flags the same values typed into the data sheet.
BARE_PERCENT_MAX = OPEN_PERCENT_MAX


def parse_value(kind: str, raw, upper: float | None = 1.0):
    """(value, None) or (None, reason) for one cell of data.

    ``upper`` is the largest percentage allowed (1.0 = 100 %); None allows more.
    """
    if isinstance(raw, _dt.datetime) or isinstance(raw, _dt.date):
        if kind == "month":
            return f"{raw.year}-{raw.month:02d}", None
        return None, f"{raw!s} is a date, not a {'number' if kind != 'text' else 'name'}"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if isinstance(raw, float) and math.isnan(raw):
            return None, None
        text = repr(raw) if not (isinstance(raw, float) and raw.is_integer()) else str(int(raw))
    else:
        text = "" if raw is None else str(raw).strip()
    if kind == "text":
        text, _ = clean_text(text)
    if text.lower() in NULLS:
        return None, None
    if kind == "text":
        return text, None
    if kind == "month":
        month = normalise_month(text)
        if month is None:
            return None, f"{text!r} is not a month (write it as 2025-10)"
        return month, None
    if kind == "percent":
        signed = text.endswith(("%", "％"))
        try:
            value = _parse_number(text[:-1]) / 100 if signed else _parse_number(text)
        except ValueError:
            return None, f"{text!r} is not a percentage"
        if value < 0:
            return None, f"{text!r} is negative"
        if upper is None and not signed and value > BARE_PERCENT_MAX:
            # 95 typed for 95 % would score as 9,500 %: full marks and every bonus line.
            return None, (f"{text!r} has no % sign and would be read as {value * 100:g} %; "
                          f"write {text}% (or {value / 100:g}) if {text} % is meant, or "
                          f"{value * 100:g}% if that much is meant")
        if upper is not None and value > upper:
            return None, (f"{text!r} is not a percentage between 0 % and {upper * 100:g} % "
                          f"(write 35% or 0.35)")
        return value, None
    try:
        value = _parse_number(text)
    except ValueError:
        what = "a whole number" if kind == "int" else "a number"
        return None, f"{text!r} is not {what}"
    if value < 0:
        return None, f"{text!r} is negative"
    if kind == "int":
        if value != int(value):
            return None, f"{text!r} is not a whole number"
        return int(value), None
    if kind == "score" and value > 100:
        return None, f"{text!r} is more than 100 points"
    if kind == "score" and 0 < value <= 1:
        # 0.95 for 95 points: no bonus line is ever reached (the data sheet says the same).
        return None, (f"{text!r} looks like a percentage, but scores are in points: write "
                      f"{round(value * 100, 6):g} if {round(value * 100, 6):g} points is meant")
    return value, None


_MONTHS_EN = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def normalise_month(value):
    """One key for one month: '2025-10', '2025/10/1', '2025年10月', '2025年10月1日', '2025.10', '202510',
    'Oct 2025', '10/2025', an Excel date serial or a date → '2025-10'; None if not a month."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"{value.year}-{value.month:02d}"
    text = str(value).strip()
    m = (re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*月\s*(?:\d{1,2}\s*[日号]?)?(?:\s.*)?"
                      r"|(?:[-/.日号\sT].*)?)", text)
         or re.fullmatch(r"(\d{4})(\d{2})(?:\d{2})?", text))
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    elif (m := re.fullmatch(r"(\d{1,2})\s*[-/.]\s*(\d{4})", text)):
        year, month = int(m.group(2)), int(m.group(1))
    elif (m := re.fullmatch(r"([A-Za-z]{3})[a-z]*\.?[\s,-]*(\d{4})", text)) \
            and m.group(1).lower() in _MONTHS_EN:
        year, month = int(m.group(2)), _MONTHS_EN[m.group(1).lower()]
    elif re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        # An Excel date serial (a month column exported as a number).
        day = serial_to_date(int(float(text)))
        year, month = day.year, day.month
    else:
        return None
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        return None
    return f"{year}-{month:02d}"


# -- columns -----------------------------------------------------------------------------------

class ColumnMap:
    """Which data column feeds which template input or parameter."""

    def __init__(self, spec, columns, source: str, by=()):
        self.spec = spec
        self.source = source
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.fields = list(spec.inputs) + list(spec.params)
        lookup = known_headers(spec)
        self.index_of: dict[str, int] = {}  # key -> position in the row
        self.kind: dict[str, str] = {c.key: c.kind for c in self.fields}
        self.label: dict[str, str] = {c.key: f"{c.zh} ({c.en})" for c in self.fields}
        self.header: dict[str, str] = {}  # key -> header as written in the file
        seen: dict[str, str] = {}
        unknown: list[tuple[int, str]] = []
        columns = ["" if c is None else str(c).strip() for c in columns]
        self.columns = columns
        for i, name in enumerate(columns):
            if not name:
                continue
            col = lookup.get(normalise_header(name))
            if col is None:
                unknown.append((i, name))
                continue
            if col.key in seen:
                self.problems.append(
                    f"{source}: columns {seen[col.key]!r} and {name!r} both give "
                    f"{self.label[col.key]}; keep one of them.")
                continue
            seen[col.key] = name
            self.index_of[col.key] = i
            self.header[col.key] = name
        # Grouping columns may be anything in the file, mapped to an input or not.
        self.by: list[tuple[str, int, str | None]] = []  # (header, position, key or None)
        for b in by:
            target = None
            if b in columns:
                i = columns.index(b)
                key = next((k for k, j in self.index_of.items() if j == i), None)
                target = (b, i, key)
            else:
                col = lookup.get(normalise_header(b))
                if col is not None and col.key in self.index_of:
                    target = (self.header[col.key], self.index_of[col.key], col.key)
            if target is None:
                self.problems.append(f"{source}: there is no column {b!r} to group by.")
            else:
                self.by.append(target)
        by_positions = {i for _, i, _ in self.by}
        unused = [name for i, name in unknown if i not in by_positions]
        if unused:
            self.notes.append(
                f"{source}: column(s) {', '.join(map(repr, unused))} are not inputs of template "
                f"{spec.name} and were ignored.")
        for col in self.fields:
            if col.required and col.key not in self.index_of:
                self.problems.append(
                    f"{source}: the column {self.label[col.key]} is missing; template "
                    f"{spec.name} needs it.")

    def required(self, key: str) -> bool:
        """Whether the input or parameter ``key`` must have a value in every row."""
        return any(c.required for c in self.fields if c.key == key)

    @property
    def by_columns(self) -> list[str]:
        return [h for h, _, _ in self.by]


def known_headers(spec) -> dict:
    lookup = {}
    for col in list(spec.inputs) + list(spec.params):
        for name in (col.key, col.zh, col.en, *col.aliases):
            lookup.setdefault(normalise_header(name), col)
    return lookup


def _cell(row, i):
    return row[i] if i < len(row) else None


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


def validate_row(line: int, row: list, cmap: ColumnMap):
    """(Record, problems, notes) of one data row."""
    values, problems, notes = {}, _beyond_header(line, row, cmap), []
    for col in cmap.fields:
        i = cmap.index_of.get(col.key)
        if i is None:
            values[col.key] = None
            continue
        raw = _cell(row, i)
        name = cmap.header[col.key]
        if col.kind == "text" and isinstance(raw, str):
            _, note = clean_text(raw.strip())
            if note:
                notes.append(f"{cmap.source} row {line}, column {name!r}: {raw.strip()[:40]!r} — "
                             f"{note}.")
        value, reason = parse_value(col.kind, raw, col.upper)
        if reason:
            problems.append(f"{cmap.source} row {line}, column {name!r}: {reason}.")
        elif value is None and col.required:
            problems.append(f"{cmap.source} row {line}, column {name!r}: the value is missing.")
        values[col.key] = value
    for col in cmap.fields:
        if col.zero_base(values.get(col.key)):
            problems.append(
                f"{cmap.source} row {line}, column {cmap.header[col.key]!r}: 0 leaves the rate "
                f"divided by it undefined, and the scheme would score it as if it were 0 %; "
                f"correct the figure or leave the agent out of this month.")
    # The rules of the data sheet's input check (a part larger than its whole, a positive
    # part over a zero base), on the values read; an open percentage is parse_value's.
    for rule in cmap.spec.input_rules():
        if rule.kind != "open_percent" and rule.broken(values):
            problems.append(_rule_problem(cmap, line, rule, values))
    group, group_key = [], []
    for header, i, key in cmap.by:
        if key is not None and values.get(key) is not None:
            group.append(str(values[key]))
        else:
            raw = _cell(row, i)
            text = "" if _blank(raw) else str(raw).strip()
            group.append(clean_text(text)[0])
        # One shop however its name is written ('S1' and 's1', '旗舰店' and '旗舰店' with a
        # zero-width space), as agents are compared: one group, one workbook.
        group_key.append(name_key(group[-1]) if key == "shop" else group[-1])
        if not group[-1] and not (key is not None and cmap.required(key)):
            problems.append(
                f"{cmap.source} row {line}, column {header!r}: the value is missing, so the "
                f"row would be a group of its own, apart from its team (a merged cell keeps "
                f"its value in its first row only); write the value in every row.")
    return Record(line, values, tuple(group), tuple(group_key)), problems, notes


def _beyond_header(line: int, row: list, cmap: ColumnMap) -> list[str]:
    """The problem of a CSV row with more values than the header has columns: a number
    written with a thousands separator and no quotes (44,755.8) splits into two cells and
    moves every later value one column to the right, where it would be read as the next
    input (sales 44, first response 755.8 s …)."""
    extra = [v for v in row[len(cmap.columns):] if not _blank(v)]
    if not extra:
        return []
    return [f"{cmap.source} row {line}: {len(cmap.columns) + len(extra)} values under "
            f"{len(cmap.columns)} headers, so the values right of a split cell are read one "
            f"column too far right; a number written with a comma (44,755.8) must be quoted "
            f"in a CSV, or written without the comma."]


def _rule_problem(cmap: ColumnMap, line: int, rule, values: dict) -> str:
    """What ``fill`` says of a data row breaking one of the template's input rules."""
    by_key = {c.key: c for c in cmap.fields}
    parts = [k for k in rule.parts if values.get(k) is not None]
    shown = " + ".join(repr(cmap.header.get(k, by_key[k].zh)) for k in parts)
    whole, other = values[rule.whole], by_key[rule.whole]
    wname = cmap.header.get(rule.whole, other.zh)
    what = " and ".join(by_key[k].en.lower() for k in parts)
    if rule.kind == "at_most":
        return (f"{cmap.source} row {line}, column {shown}: "
                f"{sum(values[k] for k in parts):g} is more than {wname!r} ({whole:g}); "
                f"{what} cannot exceed {other.en.lower()}, so one of the two is wrong.")
    return (f"{cmap.source} row {line}, column {shown}: {values[parts[0]]:g} with {wname!r} 0; "
            f"{what} cannot be positive with no {other.en.lower()}, so one of the two is wrong.")


def validate(df, cmap: ColumnMap):
    """Typed records and the problems of each row (keyed by row index), for a DataFrame."""
    records, row_problems = [], {}
    for i, row in enumerate(df.itertuples(index=False, name=None)):
        rec, problems, _ = validate_row(i + 2, list(row), cmap)
        records.append(rec)
        if problems:
            row_problems[i] = problems
    return records, row_problems


def _is_total_row(row, cmap: ColumnMap) -> bool:
    positions = [cmap.index_of.get("agent")] + [i for _, i, _ in cmap.by]
    positions = [p for p in positions if p is not None] or [0]
    return any(is_total_label(_cell(row, p)) for p in positions)


def is_total_label(value) -> bool:
    """Whether ``value`` labels a total or average row of an export (合计, 总 计, 合计：,
    Total (15 agents), 平均值 …): such a row is not an agent.  One rule for ``fill`` and
    ``metrics``."""
    if not isinstance(value, str):
        return False
    label = re.split(r"[(（\[【]", normalise_header(value), maxsplit=1)[0]
    return label.translate(_TRADITIONAL) in TOTAL_LABELS


def _group_label(by_columns, key) -> str:
    return ", ".join(f"{b} {v!r}" for b, v in zip(by_columns, key)) or "the data"


def check_group(records: list[Record], cmap: ColumnMap, label: str) -> list[str]:
    """Problems that only show within a group: duplicate agents, differing shop figures, one
    shop written in more than one way."""
    problems = []
    # One agent however the name is written: 'Amy' and 'amy', 'A' and full-width 'Ａ',
    # '张三' and '张三' with a trailing full-width or zero-width space.
    first_seen: dict[str, tuple[int, str]] = {}
    for rec in records:
        agent = rec.values.get("agent")
        if agent is None:
            continue
        key = "".join(name_key(agent).split())  # Li Na is LiNa here: one agent, paid once
        if key in first_seen:
            row, spelled = first_seen[key]
            if spelled == agent:
                problems.append(f"{cmap.source} rows {row} and {rec.row}: agent {agent!r} "
                                f"appears twice in {label}.")
            else:
                problems.append(
                    f"{cmap.source} rows {row} and {rec.row}: agents {spelled!r} and {agent!r} "
                    f"are one agent written two ways (names are compared ignoring case, "
                    f"full-width letters and spaces), so the agent appears twice in {label}.")
        else:
            first_seen[key] = (rec.row, agent)
    for p in cmap.spec.params:
        values = {rec.values.get(p.key) for rec in records} - {None}
        differ = len(values) > 1
        if p.key == "shop":
            # 'S1' and 's1' are one shop written two ways (said so), not two shops.
            problems += _shop_spellings(records, cmap, label)
            differ = len({name_key(v) for v in values}) > 1
        if differ:
            column = cmap.header.get(p.key, p.zh)
            rows = _rows_text([r.row for r in records])
            shown = ", ".join(sorted(map(str, values)))
            problems.append(f"{cmap.source} rows {rows}, column {column!r}: the values differ "
                            f"within {label} ({shown}); a group has one {p.en.lower()}.")
    problems += _total_rows(records, cmap, label)
    if not records:
        problems.append(f"{cmap.source}: {label} has no agents.")
    return problems


def _total_rows(records: list[Record], cmap: ColumnMap, label: str) -> list[str]:
    """A sentence per row whose figures are the sums of the other rows of the group (a
    total row under a label no list knows, such as 合计3人 or 全店汇总): read as an agent it
    would be paid, take the best-sales award and move the team averages."""
    if len(records) < 3:
        return []
    columns = [c for c in cmap.spec.inputs if c.kind in ("int", "number")
               and c.key in cmap.index_of]
    totals = {c.key: sum(r.values.get(c.key) or 0 for r in records) for c in columns}
    found = []
    for rec in records:
        summed = [cmap.header[c.key] for c in columns
                  if (v := rec.values.get(c.key)) and math.isclose(
                      2 * v, totals[c.key], rel_tol=1e-9, abs_tol=0.01)]
        if len(summed) >= TOTAL_ROW_COLUMNS:
            found.append(
                f"{cmap.source} row {rec.row}: agent {rec.values.get('agent')!r} has "
                f"{', '.join(map(repr, summed))} each equal to the sum of the other "
                f"{len(records) - 1} rows of {label}: a total row, not an agent (it would be "
                f"paid, and counted in the team averages and the best sales); delete the row "
                f"or label it 合计.")
    return found


def _shop_spellings(records: list[Record], cmap: ColumnMap, label: str) -> list[str]:
    """One sentence per shop of a group written in more than one way, naming each spelling
    and its rows: they are one shop (the group's), written under the first spelling."""
    ways: dict[str, dict[str, list[int]]] = {}
    for rec in records:
        shop = rec.values.get("shop")
        if shop is not None:
            ways.setdefault(name_key(shop), {}).setdefault(shop, []).append(rec.row)
    column = cmap.header.get("shop", "shop")
    found = []
    for spelled in ways.values():
        if len(spelled) < 2:
            continue
        parts = "; ".join(f"{shop!r} in row{'s' if len(rows) > 1 else ''} {_rows_text(rows)}"
                          for shop, rows in spelled.items())
        found.append(
            f"{cmap.source}, column {column!r}: one shop is written {len(spelled)} ways within "
            f"{label} — {parts}. Names are compared ignoring case, full-width letters and "
            f"spaces, so these rows are one shop, written as {next(iter(spelled))!r} (the first "
            f"spelling); write the name one way.")
    return found


def _split_shops(groups, cmap: ColumnMap) -> dict[int, list[str]]:
    """{group id: problem} for groups whose shops differ only in spaces inside the name
    ('Tmall Store' and 'TmallStore'; '天猫 旗舰店' is '天猫旗舰店' already under name_key, and
    named by :func:`_shop_spellings`) and agree in every other grouping column: one team split
    in two, each part with its own team averages and its own best-sales award."""
    shop = [n for n, (_, _, key) in enumerate(cmap.by) if key == "shop"]
    if not shop:
        return {}
    alike: dict[tuple, list[tuple[int, tuple]]] = {}
    for gid, key, _ in groups:
        loose = tuple("".join(name_key(v).split()) if n in shop else v
                      for n, v in enumerate(key))
        alike.setdefault(loose, []).append((gid, key))
    found: dict[int, list[str]] = {}
    for parts in alike.values():
        if len(parts) < 2:
            continue
        shown = "; ".join(_group_label(cmap.by_columns, key) for _, key in parts)
        for gid, _ in parts:
            found[gid] = [f"{cmap.source}: {shown} differ only in spaces inside the shop's "
                          f"name, so one team would be split into {len(parts)} workbooks, each "
                          f"with its own team averages and best-sales award; write the shop's "
                          f"name one way."]
    return found


def _rows_text(rows: list[int], shown: int = 12) -> str:
    text = ", ".join(map(str, rows[:shown]))
    return text + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


def _safe_name(text: str) -> str:
    # no zero-width characters: a file name that looks like another must be the other
    text = re.sub(r'[\\/:*?"<>|\s]+', "_", without_invisible(str(text))).strip("._")
    return text or "blank"


# -- writing -----------------------------------------------------------------------------------

def fill_workbook(template_bytes: bytes, rows: list[dict], params: dict, path,
                  recalc: bool = True, results: list | None = None) -> bool:
    """Write one filled workbook: the template with its agent sheets rebuilt for ``rows``."""
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(template_bytes))
    spec, lang = template_of(wb, "the template")
    t = Labels(lang)
    for title in spec.agent_sheet_titles(t):
        if title in wb.sheetnames:
            del wb[title]
    spec.build_agents(wb, t, rows, params)
    wb.active = wb.sheetnames.index(t(*spec.results_sheet))
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == t(*spec.results_sheet)
    return save_workbook(wb, path, recalc=recalc, results=results)


def _fill_job(args):
    """Write and read back one workbook; (path, cached, findings, problem or None)."""
    from .verify import engine_findings, verify_workbook
    template_bytes, rows, params, path, recalc = args
    results: list = []
    try:
        cached = fill_workbook(template_bytes, rows, params, path, recalc, results)
    except PermissionError:
        return str(path), False, [], (f"{path} cannot be written: permission denied (check the "
                                      f"output folder).")
    except OSError as exc:
        return str(path), False, [], f"{path} cannot be written: {exc.strerror or exc}."
    findings = engine_findings(Path(path).name, results) + (verify_workbook(path) if cached
                                                            else [])
    return str(path), cached, findings, None


class _Spill:
    """Validated rows parked on disk by group, so that memory holds one group at a time."""

    def __init__(self, folder):
        self.path = os.path.join(folder, "rows.sqlite")
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        # key: what rows are grouped by; shown: the group as its first row writes it
        self.db.execute("CREATE TABLE grp (id INTEGER PRIMARY KEY, key TEXT UNIQUE, "
                        "shown TEXT, problems INTEGER DEFAULT 0)")
        self.db.execute("CREATE TABLE rec (grp INTEGER, line INTEGER, vals TEXT)")
        self.db.execute("CREATE TABLE prob (grp INTEGER, text TEXT)")
        self.ids: dict[tuple, int] = {}
        self.pending: list = []

    def group_id(self, key: tuple, shown: tuple) -> int:
        gid = self.ids.get(key)
        if gid is None:
            gid = len(self.ids) + 1
            self.ids[key] = gid
            self.db.execute("INSERT INTO grp (id, key, shown) VALUES (?, ?, ?)",
                            (gid, json.dumps(list(key), ensure_ascii=False),
                             json.dumps(list(shown), ensure_ascii=False)))
        return gid

    def add(self, rec: Record, problems: list[str]) -> None:
        gid = self.group_id(rec.group_key, rec.raw_group)
        self.pending.append((gid, rec.row, json.dumps(rec.values, ensure_ascii=False)))
        for p in problems:
            self.db.execute("UPDATE grp SET problems = problems + 1 WHERE id = ?", (gid,))
            kept = self.db.execute("SELECT problems FROM grp WHERE id = ?", (gid,)).fetchone()[0]
            if kept <= PROBLEMS_PER_GROUP:
                self.db.execute("INSERT INTO prob VALUES (?, ?)", (gid, p))
        if len(self.pending) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.db.executemany("INSERT INTO rec VALUES (?, ?, ?)", self.pending)
            self.pending.clear()

    def groups(self):
        self.flush()
        self.db.execute("CREATE INDEX rec_grp ON rec (grp, line)")
        for gid, key, count in self.db.execute(
                "SELECT id, shown, problems FROM grp ORDER BY id").fetchall():
            yield gid, tuple(json.loads(key)), count

    def records(self, gid: int) -> list[Record]:
        return [Record(line, json.loads(vals)) for line, vals in self.db.execute(
            "SELECT line, vals FROM rec WHERE grp = ? ORDER BY line", (gid,))]

    def problems(self, gid: int) -> list[str]:
        return [p for (p,) in self.db.execute("SELECT text FROM prob WHERE grp = ?", (gid,))]

    def close(self) -> None:
        self.db.close()


def _refuse_unsafe_outputs(targets: list[Path], inputs: list[Path], overwrite: bool) -> None:
    inputs_real = {os.path.realpath(p) for p in inputs}
    clash = [p for p in targets if os.path.realpath(p) in inputs_real]
    if clash:
        raise OutputError(f"{clash[0]} is an input of this run and would be overwritten by an "
                          f"output; choose another -o folder.")
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        shown = ", ".join(str(p) for p in existing[:5])
        more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
        raise OutputError(f"{len(existing)} output workbook(s) already exist ({shown}{more}); "
                          f"nothing was written. Say --overwrite to replace them, or choose "
                          f"another -o folder.")


def fill_template(template, data, output, *, by=(), force: bool = False, jobs: int | str = 1,
                  progress: Progress | None = None, recalc: bool = True,
                  source: str | None = None, overwrite: bool = False, sheet: str | None = None) -> FillReport:
    """Fill ``template`` (a path) with ``data`` (a path or DataFrame), one workbook per group.

    ``by`` names the columns to group by (as headed in the data, or a template input
    such as ``shop``/``店铺``).  Returns a :class:`FillReport` whose ``problems`` are
    data errors and whose ``findings`` are the written workbooks' failing check cells
    and error cells.  Raises :class:`DataError` when nothing can be written at all
    (unreadable file, missing columns) and :class:`OutputError` when an output would
    overwrite an input, or an existing file without ``overwrite``.  ``progress`` is
    given the rows read (``"read"``, ``"row"``) and the workbooks written (``"fill"``,
    ``"workbook"``).  With ``jobs`` above 1 that many workbooks are written at once, in
    worker processes (``"auto"``: :func:`kpi_xl.engine.batch.auto_jobs`'s choice); the
    report is the same whatever their number.
    """
    from openpyxl import load_workbook

    from ..fileio import folder_syncs_deferred
    template = Path(template)
    if not template.exists():
        raise TemplateError(f"The template {template} does not exist.")
    try:
        template_bytes = template.read_bytes()
    except OSError as exc:
        raise TemplateError(f"The template {template} cannot be read: {exc.strerror or exc}.") \
            from None
    try:
        wb = load_workbook(io.BytesIO(template_bytes), read_only=True)
    except Exception as exc:  # openpyxl raises many kinds; all mean "not a workbook"
        raise TemplateError(f"The template {template} is not a readable .xlsx workbook: {exc}") \
            from exc
    spec, _lang = template_of(wb, str(template))
    wb.close()

    by = split_by(by)
    known = set(known_headers(spec)) | {normalise_header(b) for b in by}
    table = open_table(data, known, sheet=sheet, source=source)
    report = FillReport()
    report.notes.extend(table.notes)
    output = Path(output)
    try:
        cmap = ColumnMap(spec, table.header, table.source, by)
        if cmap.problems and not force:
            raise DataError(cmap.problems)
        report.problems.extend(cmap.problems)
        report.notes.extend(cmap.notes)
        with tempfile.TemporaryDirectory(prefix="kpi_xl_fill_") as tmp:
            spill = _Spill(tmp)
            try:
                _read_into(spill, table, cmap, report, progress)
                # the output folder's renames made durable once, not after each workbook
                with folder_syncs_deferred():
                    _write_groups(spill, spec, cmap, report, template, template_bytes, data,
                                  output, force=force, jobs=jobs, progress=progress,
                                  recalc=recalc, overwrite=overwrite)
            finally:
                spill.close()
    finally:
        if table.close:
            table.close()
    return report


def _read_into(spill: _Spill, table: Table, cmap: ColumnMap, report: FillReport,
               progress: Progress | None) -> None:
    blank, totals, looks = [], [], []
    bar = open_bar(progress, table.size, "read", "row")
    try:
        for line, row in table.rows:
            bar.update(1)
            if all(_blank(v) for v in row):
                blank.append(line)
                continue
            if _is_total_row(row, cmap):
                totals.append(line)
                continue
            rec, problems, notes = validate_row(line, row, cmap)
            report.rows += 1
            looks.extend(notes)
            spill.add(rec, problems)
    finally:
        bar.close()
    if blank:
        report.notes.append(f"{table.source}: {len(blank)} blank row(s) left out (row(s) "
                            f"{_rows_text(blank)}).")
    if totals:
        report.notes.append(f"{table.source}: total row(s) {_rows_text(totals)} left out "
                            f"(合计/总计/Total are not agents).")
    report.notes.extend(looks[:20])
    if len(looks) > 20:
        report.notes.append(f"{table.source}: {len(looks) - 20} more value(s) were written as "
                            f"text only.")


def _write_groups(spill, spec, cmap, report, template, template_bytes, data, output, *, force,
                  jobs, progress, recalc, overwrite) -> None:
    groups = list(spill.groups())
    report.groups = len(groups)
    # One file name per group, also when two shops differ only in what a file name cannot keep.
    names: dict[str, tuple] = {}
    planned = []
    for gid, key, count in groups:
        stem = "_".join([template.stem] + [_safe_name(v) for v in key])
        unique, n = stem, 1
        while unique.lower() in names:
            n += 1
            unique = f"{stem}_{n}"
        if unique != stem:
            report.notes.append(
                f"{_group_label(cmap.by_columns, key)} and "
                f"{_group_label(cmap.by_columns, names[stem.lower()])} make the same file name; "
                f"the second is written as {unique}.xlsx.")
        names[unique.lower()] = key
        planned.append((gid, key, count, output / f"{unique}.xlsx"))
    split = _split_shops(groups, cmap)
    inputs = [template] + ([Path(data)] if isinstance(data, (str, Path)) else [])
    _refuse_unsafe_outputs([p for *_, p in planned], inputs, overwrite)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"The output folder {output} cannot be created: "
                          f"{exc.strerror or exc}.") from None
    if not os.access(output, os.W_OK | os.X_OK):
        raise OutputError(f"The output folder {output} cannot be written to (permission "
                          f"denied); nothing was written.")

    def steps():
        """Per group, in order: its data problems, and the job writing its workbook or, for
        a group not written, the entry of ``report.skipped``."""
        for gid, key, count, path in planned:
            label = _group_label(cmap.by_columns, key)
            records = spill.records(gid)
            problems = spill.problems(gid)
            if count > len(problems):
                problems.append(f"{cmap.source}: {count - len(problems)} more problem(s) in "
                                f"{label}.")
            problems += check_group(records, cmap, label) + split.get(gid, [])
            if problems and not force:
                yield problems, (label, problems), None
                continue
            rows = [{c.key: r.values.get(c.key) for c in spec.inputs} for r in records]
            params = {}
            for p in spec.params:
                params[p.key] = next((r.values.get(p.key) for r in records
                                      if r.values.get(p.key) is not None), None)
            yield problems, None, (template_bytes, rows, params, path, recalc)

    bar = open_bar(progress, len(planned), "fill", "workbook")

    def take(problems, skipped, result):
        """Report one group; called in the groups' order whatever the number of jobs."""
        report.problems.extend(problems)
        if skipped:
            report.skipped.append(skipped)
            return
        path, cached, findings, problem = result
        if problem:
            report.problems.append(problem)
            return
        report.written.append(Path(path))
        report.cached = cached
        report.findings.extend(findings)
    if jobs == "auto":
        from ..engine.batch import auto_jobs
        # A worker holds the template and one group's rows: the template is its input.
        jobs = auto_jobs([template], tasks=sum(1 for *_, count, _ in planned
                                               if force or not count))
    try:
        if jobs > 1 and len(planned) > 1:
            # A bounded number of groups in flight: memory holds a few groups, never the file.
            # Finished groups wait for the ones before them, so the report reads as with one job.
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                running: set = set()
                queued: list = []   # (problems, skipped, future or None) in the groups' order

                def report_ready():
                    while queued and (queued[0][2] is None or queued[0][2].done()):
                        problems, skipped, fut = queued.pop(0)
                        take(problems, skipped, fut and fut.result())
                for problems, skipped, job in steps():
                    fut = None
                    if job is not None:
                        fut = pool.submit(_fill_job, job)
                        running.add(fut)
                    queued.append((problems, skipped, fut))
                    if len(running) >= 2 * jobs:
                        done, running = wait(running, return_when=FIRST_COMPLETED)
                        bar.update(len(done))
                    report_ready()
                while running:
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    bar.update(len(done))
                    report_ready()
                report_ready()
        else:
            for problems, skipped, job in steps():
                result = None if job is None else _fill_job(job)
                if job is not None:
                    bar.update(1)
                take(problems, skipped, result)
    finally:
        bar.close()


class Bar(Protocol):
    """One stage's progress: ``update(n)`` after n more units done, ``close()`` at its end."""

    def update(self, n: int = 1) -> object: ...

    def close(self) -> object: ...


#: ``progress(total, desc, unit)`` opens the :class:`Bar` of a stage of ``total`` units
#: (None when not known beforehand); ``tqdm`` is one.  The library reports through it
#: and never draws by itself.
Progress = Callable[[int | None, str, str], Bar]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def open_bar(progress: Progress | None, total: int | None, desc: str, unit: str) -> Bar:
    """The bar ``progress`` opens for a stage, or one that shows nothing when it is None."""
    return _NoBar() if progress is None else progress(total, desc, unit)


__all__ = ["fill_template", "fill_workbook", "FillReport", "Progress", "Bar", "open_bar",
           "read_table", "open_table", "parse_value", "normalise_month", "clean_text", "split_by", "OutputError"]
