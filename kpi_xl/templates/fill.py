"""Filling a template from a table of agent data: one workbook per group (shop, month …).

The data file's columns are matched to the template's inputs by header, in Chinese
or English or by a known alias.  Every problem — unknown or missing column, a value
of the wrong type, the same agent twice in a group, a shop figure that differs
within a group — is reported as a sentence naming the data file, its row and its
column, and a group with problems is not written unless forced.

Each output workbook is the template itself (the user's scheme sheet untouched) with
its agent-data and results sheets rebuilt for the group's agents, then recalculated.
"""
from __future__ import annotations

import io
import math
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataError, TemplateError
from .layout import Labels
from .package import save_workbook
from .workbook_info import template_of

NULLS = {"", "nan", "none", "null", "n/a", "na", "-"}


@dataclass
class Record:
    """One row of agent data, validated: its row number in the file and typed values."""

    row: int
    values: dict
    raw_group: tuple = ()


@dataclass
class FillReport:
    """What :func:`fill_template` did."""

    written: list = field(default_factory=list)  # paths of the workbooks written
    skipped: list = field(default_factory=list)  # (group label, problems) not written
    problems: list = field(default_factory=list)  # every problem, as sentences
    cached: bool = False  # the workbooks carry cached values (engine installed)
    groups: int = 0

    def summary(self) -> str:
        parts = [f"Wrote {len(self.written)} of {self.groups} workbook(s)"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} group(s) not written because of data errors "
                         "(use --force to write them anyway)")
        elif self.problems:
            parts.append(f"{len(self.problems)} problem(s) reported")
        if self.written and not self.cached:
            parts.append("without cached values: the recalculation engine is not installed, "
                         "so run `kpi-xl recalc` on them before reading them without Excel")
        return "; ".join(parts) + "."


def normalise_header(text) -> str:
    text = str(text).strip().lower()
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_\-·:：]+", "", text)


def read_table(path):
    """The data file as a DataFrame of strings (CSV in UTF-8 or GB18030, or the first sheet)."""
    import pandas as pd
    path = Path(path)
    if not path.exists():
        raise DataError([f"The data file {path} does not exist."])
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            df = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            try:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except UnicodeDecodeError:
                # Files saved by Excel on Chinese Windows are GB-encoded.
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
    except DataError:
        raise
    except Exception as exc:  # pandas raises many kinds; all mean "cannot read this file"
        raise DataError([f"The data file {path} cannot be read: {exc}"]) from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _parse_number(text: str):
    s = text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    value = float(s)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return value


def parse_value(kind: str, raw):
    """(value, None) or (None, reason) for one cell of data."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        text = repr(raw)
    else:
        text = "" if raw is None else str(raw).strip()
    if text.lower() in NULLS:
        return None, None
    if kind == "text":
        return text, None
    if kind == "month":
        return normalise_month(text), None
    if kind == "percent":
        try:
            value = _parse_number(text[:-1]) / 100 if text.endswith("%") else _parse_number(text)
        except ValueError:
            return None, f"{text!r} is not a percentage"
        if not 0 <= value <= 1:
            return None, f"{text!r} is not a percentage between 0 % and 100 % (write 35% or 0.35)"
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
    return value, None


def normalise_month(text: str) -> str:
    """'2025-01', '2025/1', '202501', '2025-01-01 00:00:00' → '2025-01'; other text unchanged."""
    m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})(?:[-/.月].*)?", text.strip())
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    return text


class ColumnMap:
    """Which data column feeds which template input or parameter."""

    def __init__(self, spec, columns, source: str, by=()):
        self.spec = spec
        self.source = source
        self.problems: list[str] = []
        fields = list(spec.inputs) + list(spec.params)
        lookup = {}
        for col in fields:
            for name in (col.key, col.zh, col.en, *col.aliases):
                lookup.setdefault(normalise_header(name), col)
        self.key_of: dict[str, str] = {}  # data column -> key
        self.kind: dict[str, str] = {c.key: c.kind for c in fields}
        self.label: dict[str, str] = {c.key: f"{c.zh} ({c.en})" for c in fields}
        seen: dict[str, str] = {}
        self.unknown: list[str] = []
        for name in columns:
            col = lookup.get(normalise_header(name))
            if col is None:
                self.unknown.append(name)
                continue
            if col.key in seen:
                self.problems.append(
                    f"{source}: columns {seen[col.key]!r} and {name!r} both give "
                    f"{self.label[col.key]}; keep one of them.")
                continue
            seen[col.key] = name
            self.key_of[name] = col.key
        self.column_of = {v: k for k, v in self.key_of.items()}
        # Grouping columns may be anything in the file, mapped to an input or not.
        self.by_columns: list[str] = []
        for b in by:
            target = None
            if b in columns:
                target = b
            else:
                col = lookup.get(normalise_header(b))
                if col is not None and col.key in self.column_of:
                    target = self.column_of[col.key]
            if target is None:
                self.problems.append(f"{source}: there is no column {b!r} to group by.")
            else:
                self.by_columns.append(target)
        self.unknown = [u for u in self.unknown if u not in self.by_columns]
        known = ", ".join(f"{c.zh}/{c.en}" for c in fields)
        for name in self.unknown:
            self.problems.append(
                f"{source}: column {name!r} is not an input of template {spec.name} "
                f"(its inputs are {known}).")
        for col in fields:
            if col.required and col.key not in self.column_of:
                self.problems.append(
                    f"{source}: the column {self.label[col.key]} is missing; template "
                    f"{spec.name} needs it.")


def validate(df, cmap: ColumnMap):
    """Typed records and the problems of each row (keyed by row index)."""
    records: list[Record] = []
    row_problems: dict[int, list[str]] = {}
    required = {c.key for c in list(cmap.spec.inputs) + list(cmap.spec.params) if c.required}
    for i, row in enumerate(df.to_dict("records")):
        line = i + 2  # row 1 of the file is the header
        values = {}
        for name, key in cmap.key_of.items():
            value, reason = parse_value(cmap.kind[key], row.get(name))
            if reason:
                row_problems.setdefault(i, []).append(
                    f"{cmap.source} row {line}, column {name!r}: {reason}.")
            elif value is None and key in required:
                row_problems.setdefault(i, []).append(
                    f"{cmap.source} row {line}, column {name!r}: the value is missing.")
            values[key] = value
        group = tuple(str(row.get(b, "")).strip() for b in cmap.by_columns)
        records.append(Record(line, values, group))
    return records, row_problems


def _group_label(by_columns, key) -> str:
    return ", ".join(f"{b} {v!r}" for b, v in zip(by_columns, key)) or "the data"


def check_group(records: list[Record], cmap: ColumnMap, label: str) -> list[str]:
    """Problems that only show within a group: duplicate agents, differing shop figures."""
    problems = []
    first_seen: dict[str, int] = {}
    for rec in records:
        agent = rec.values.get("agent")
        if agent is None:
            continue
        if agent in first_seen:
            problems.append(f"{cmap.source} rows {first_seen[agent]} and {rec.row}: agent {agent!r} "
                            f"appears twice in {label}.")
        else:
            first_seen[agent] = rec.row
    for p in cmap.spec.params:
        values = {rec.values.get(p.key) for rec in records} - {None}
        if len(values) > 1:
            column = cmap.column_of.get(p.key, p.zh)
            rows = ", ".join(str(r.row) for r in records)
            shown = ", ".join(sorted(map(str, values)))
            problems.append(f"{cmap.source} rows {rows}, column {column!r}: the values differ "
                            f"within {label} ({shown}); a group has one {p.en.lower()}.")
    if not records:
        problems.append(f"{cmap.source}: {label} has no agents.")
    return problems


def _safe_name(text: str) -> str:
    text = re.sub(r'[\\/:*?"<>|\s]+', "_", str(text)).strip("._")
    return text or "blank"


def fill_workbook(template_bytes: bytes, rows: list[dict], params: dict, path,
                  recalc: bool = True) -> bool:
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
    return save_workbook(wb, path, recalc=recalc)


def _fill_job(args):
    template_bytes, rows, params, path, recalc = args
    return str(path), fill_workbook(template_bytes, rows, params, path, recalc)


def fill_template(template, data, output, *, by=(), force: bool = False, jobs: int = 1,
                  progress: bool = True, recalc: bool = True, source: str | None = None,
                  ) -> FillReport:
    """Fill ``template`` (a path) with ``data`` (a path or DataFrame), one workbook per group.

    ``by`` names the columns to group by (as headed in the data, or a template input
    such as ``shop``/``店铺``).  Returns a :class:`FillReport`; raises :class:`DataError`
    when nothing can be written at all (unreadable file, missing or unknown columns).
    """
    from openpyxl import load_workbook
    template = Path(template)
    if not template.exists():
        raise TemplateError(f"The template {template} does not exist.")
    template_bytes = template.read_bytes()
    try:
        wb = load_workbook(io.BytesIO(template_bytes), read_only=False)
    except Exception as exc:
        raise TemplateError(f"The template {template} is not a readable .xlsx workbook: {exc}") \
            from exc
    spec, _lang = template_of(wb, str(template))
    del wb

    if isinstance(data, (str, Path)):
        source = source or Path(data).name
        df = read_table(data)
    else:
        df = data.astype(str) if data is not None else None
        source = source or "the data"
    by = [b.strip() for b in (by.split(",") if isinstance(by, str) else by) if b.strip()]
    cmap = ColumnMap(spec, list(df.columns), source, by)
    report = FillReport()
    if cmap.problems and not force:
        raise DataError(cmap.problems)
    report.problems.extend(cmap.problems)

    records, row_problems = validate(df, cmap)
    groups: dict[tuple, list[int]] = {}
    for i, rec in enumerate(records):
        groups.setdefault(rec.raw_group, []).append(i)
    report.groups = len(groups)

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    jobs_list = []
    for key, idxs in groups.items():
        label = _group_label(cmap.by_columns, key)
        problems = [p for i in idxs for p in row_problems.get(i, [])]
        problems += check_group([records[i] for i in idxs], cmap, label)
        report.problems.extend(problems)
        if problems and not force:
            report.skipped.append((label, problems))
            continue
        rows = [{c.key: records[i].values.get(c.key) for c in spec.inputs} for i in idxs]
        params = {}
        for p in spec.params:
            values = [records[i].values.get(p.key) for i in idxs]
            params[p.key] = next((v for v in values if v is not None), None)
        stem = "_".join([template.stem] + [_safe_name(v) for v in key])
        jobs_list.append((template_bytes, rows, params, output / f"{stem}.xlsx", recalc))

    bar = _progress(len(jobs_list), progress, "fill")
    try:
        if jobs > 1 and len(jobs_list) > 1:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(_fill_job, j) for j in jobs_list]
                for fut in as_completed(futures):
                    path, cached = fut.result()
                    report.written.append(Path(path))
                    report.cached = cached
                    bar.update(1)
            report.written.sort()
        else:
            for job in jobs_list:
                path, cached = _fill_job(job)
                report.written.append(Path(path))
                report.cached = cached
                bar.update(1)
    finally:
        bar.close()
    return report


def _progress(total: int, enabled: bool, desc: str):
    from tqdm import tqdm
    return tqdm(total=total, disable=not enabled, desc=desc, unit="workbook", leave=True)


__all__ = ["fill_template", "fill_workbook", "FillReport", "read_table", "parse_value",
           "normalise_month"]
