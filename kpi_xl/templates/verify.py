"""What a written month's workbook says about itself: the scheme's check cells and the
error values among its scores, totals and pay.

A workbook can be written without a single data error and still pay the wrong money:
weights that add up to 110 %, a band table with a gap (an agent in it has no total),
a total that is ``#REF!``.  Only the cached values inside the file know, so every
``fill`` and ``summary`` reads them back and reports each one by file, sheet, cell
and agent.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .layout import FIRST_ROW


@dataclass(frozen=True)
class Finding:
    """A check cell that is not OK, or a score/total/pay cell holding an error value."""

    kind: str  # "check" or "error"
    file: str
    sheet: str
    cell: str
    value: str
    agent: str | None = None

    def sentence(self) -> str:
        where = f"{self.file}, sheet {self.sheet!r}, cell {self.cell}"
        if self.kind == "check":
            return f"{where}: the scheme check says {self.value}"
        who = f" (agent {self.agent!r})" if self.agent not in (None, "") else ""
        return (f"{where}{who} is {self.value}: this score, total or pay is not right until "
                f"the cause is fixed.")


def verify_workbook(path) -> list[Finding]:
    """Every failing check cell and every error value in the agent sheets of ``path``.

    A workbook without cached values gives no findings here; the summary reports it
    separately as not recalculated.
    """
    from openpyxl import load_workbook
    from .workbook_info import template_of
    from .layout import Labels
    path = Path(path)
    formulas = load_workbook(path, read_only=True)
    values = load_workbook(path, read_only=True, data_only=True)
    try:
        spec, lang = template_of(formulas, str(path))
        t = Labels(lang)
        agent_sheets = set(spec.agent_sheet_titles(t))
        found: list[Finding] = []
        for ws in formulas.worksheets:
            vs = values[ws.title]
            cached = {(c.row, c.column): c for row in vs.iter_rows() for c in row
                      if getattr(c, "value", None) is not None}
            if ws.title in agent_sheets:
                found += _error_cells(path.name, ws, cached)
            else:
                found += _check_cells(path.name, ws, cached)
        return found
    finally:
        formulas.close()
        values.close()


def _check_cells(file, ws, cached) -> list[Finding]:
    out = []
    for row in ws.iter_rows():
        for cell in row:
            v = getattr(cell, "value", None)
            if isinstance(v, str) and v.startswith("=") and "KPI_CHECK_" in v.upper():
                got = cached.get((cell.row, cell.column))
                value = None if got is None else got.value
                if value is None:
                    continue  # not recalculated: reported elsewhere
                if value != "OK":
                    out.append(Finding("check", file, ws.title, cell.coordinate, str(value)))
    return out


def _error_cells(file, ws, cached) -> list[Finding]:
    out = []
    # The agent table ends at the first row without an agent; what follows (the sorted
    # ranking block) repeats the table's values and would name each error twice.
    end = FIRST_ROW
    while (end, 1) in cached:
        end += 1
    for (r, c), cell in sorted(cached.items()):
        if not FIRST_ROW <= r < end or getattr(cell, "data_type", None) != "e":
            continue
        agent = cached.get((r, 1))
        name = None if agent is None else agent.value
        out.append(Finding("error", file, ws.title, f"{_letter(c)}{r}", str(cell.value),
                           None if name is None else str(name)))
    return out


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(col)


def describe(findings: list[Finding], files: int) -> list[str]:
    """Findings as sentences: a failing check shared by every workbook is said once."""
    lines = []
    checks: dict[tuple, list[str]] = {}
    for f in findings:
        if f.kind == "check":
            checks.setdefault((f.sheet, f.cell, f.value), []).append(f.file)
    for (sheet, cell, value), names in checks.items():
        if len(names) > 1 and len(names) == files:
            lines.append(f"All {files} workbooks, sheet {sheet!r}, cell {cell}: the scheme check "
                         f"says {value}")
        else:
            for name in names:
                lines.append(f"{name}, sheet {sheet!r}, cell {cell}: the scheme check says {value}")
    # One sentence per agent and error: a value in a gap turns its points, total, rank and
    # bonus into #N/A together, and they have one cause.
    errors: dict[tuple, list[str]] = {}
    for f in findings:
        if f.kind == "error":
            errors.setdefault((f.file, f.sheet, f.agent, f.value), []).append(f.cell)
    for (file, sheet, agent, value), where in errors.items():
        if len(where) == 1:
            lines.append(Finding("error", file, sheet, where[0], value, agent).sentence())
            continue
        who = f" (agent {agent!r})" if agent not in (None, "") else ""
        lines.append(f"{file}, sheet {sheet!r}, cells {', '.join(where)}{who} are {value}: these "
                     f"scores, totals or pay are not right until the cause is fixed.")
    return lines


__all__ = ["Finding", "verify_workbook", "describe"]
