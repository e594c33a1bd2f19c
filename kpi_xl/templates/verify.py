"""What a written month's workbook says about itself: the scheme's check cells, the
error values among its scores, totals and pay, and the cells whose value only a data
connection can give.

A workbook can be written without a single data error and still pay the wrong money:
weights that add up to 110 %, a band table with a gap (an agent in it has no total),
a total that is ``#REF!``.  Only the cached values inside the file know, so every
``fill`` and ``summary`` reads them back and reports each one by file, sheet, cell
and agent.

A cell calling CUBEVALUE and the other cube functions, RTD or a linked data type (``_FV``)
holds what Excel last fetched; no recalculation here can compute it again, so a score,
total or pay that reads it (directly or through other cells) may be stale.  Such cells, and
the agent-table cells computed from them, are findings too (kind ``"kept"``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

from ..engine.explain import Reason
from ..engine.values import is_number
from .layout import FIRST_ROW


@dataclass(frozen=True)
class Finding:
    """A check cell that is not OK, a score/total/pay cell holding an error value, or a
    cell holding (or computed from) the value a data connection last gave."""

    #: "check" (the scheme's), "overwritten" (a check cell of the scheme holding a value typed
    #: over its formula), "table" (numbers under a band table, outside it), "input" (an
    #: agent row's input check), "unchecked" (an agent row's input breaking a rule its input
    #: check does not say), "unscored" (an agent of the data sheet without a results
    #: row), "typed" (values typed over formulas of the results sheet or of the data sheet's
    #: computed columns), "error", "kept", or "engine" (why the calculation left cells wrong)
    kind: str
    file: str
    sheet: str
    cell: str
    value: str  # kind "kept": the connection functions, e.g. "CUBEVALUE"
    agent: str | None = None
    #: kind "kept": the connection cell ("Sheet!A1") if not this one; kind "unchecked": the
    #: input check cell of the row
    source: str | None = None
    cached: bool = True  # kind "kept": the connection cell had a value cached in the file
    #: kind "error": the header of the cell's column when every agent's cell there holds
    #: this error (two agents or more): one cause they share, said once by describe()
    shared: str | None = None
    #: kind "error": where the error starts and what the KPI function there said
    #: (:class:`~kpi_xl.engine.explain.Reason`), when it could be found
    reason: Reason | None = None

    def because(self, several: bool = False) -> str:
        """": " and the reason as a clause, or "" (``several``: for a sentence about more
        cells than this one, so the cell the error starts in is always named)."""
        if self.reason is None:
            return ""
        from ..engine.a1 import parse_cell_ref
        here = None if several else (self.sheet, *parse_cell_ref(self.cell)[:2])
        text = self.reason.text(self.sheet, here)
        return f": {text}" if text else ""

    def sentence(self) -> str:
        where = f"{self.file}, sheet {self.sheet!r}, cell {self.cell}"
        if self.kind == "check":
            return f"{where}: the scheme check says {self.value}"
        if self.kind == "overwritten":
            return f"{where}: {self.value}"
        if self.kind == "table":
            return f"{self.file}, sheet {self.sheet!r}, cells {self.cell}: {self.value}"
        if self.kind == "typed":
            return f"{self.file}, sheet {self.sheet!r}, {self.value}"
        if self.kind == "unscored":
            return (f"{self.file}, sheet {self.sheet!r}, row {self.cell[1:]} (agent "
                    f"{self.agent!r}) has no row in the results table of sheet "
                    f"{self.value!r}: the agent is not ranked, summarised or paid. Fill the "
                    "month again with the agent in the data: a row added by hand is outside "
                    "the results table, its ranking and its summary.")
        if self.kind == "engine":
            return f"{self.file}: {self.value}"
        who = f" (agent {self.agent!r})" if self.agent not in (None, "") else ""
        if self.kind == "unchecked":
            check = (f"the input check in {self.source} says OK all the same (written by an "
                     "older template without this rule, or typed over)" if self.source else
                     "the sheet has no input check")
            return (f"{where}{who}: {self.value} But {check}, so this agent is scored and "
                    "paid from this figure. Correct it, or write the month again with fill "
                    "from the current template, and run again.")
        if self.kind == "input":
            return (f"{where}{who}: the input check says {self.value} This agent's scores, "
                    f"total and pay show #VALUE! until the input is corrected.")
        if self.kind == "kept":
            return kept_sentence(self.file, self.sheet, [self.cell], self.agent, self.value,
                                 self.source, self.cached)
        return (f"{where}{who} is {self.value}: this score, total or pay is not right until "
                f"the cause is fixed{self.because()}.")


def kept_sentence(file, sheet, cells, agent, functions, source, cached) -> str:
    """What a cell fed by a data connection means for the pay, and what to do."""
    who = f" (agent {agent!r})" if agent not in (None, "") else ""
    many = len(cells) > 1
    where = f"{file}, sheet {sheet!r}, cell{'s' if many else ''} {', '.join(cells)}{who}"
    what = (f"the value Excel last cached for {functions} (needs a data connection)" if cached
            else f"no value for {functions} (needs a data connection; none was cached in the "
                 f"file, so it shows #N/A)")
    if source is None:
        head = f"{where} hold{'' if many else 's'} {what}; cells reading it use that value"
    else:
        head = (f"{where} {'are' if many else 'is'} computed from {source}, which holds "
                f"{what}")
    effect = "may be stale" if cached else "is not right"
    return (f"{head}: the pay computed from it {effect}. Refresh the workbook in Excel or "
            f"replace the formula with the value, then run again.")


def verify_workbook(path) -> list[Finding]:
    """Every failing check cell and every error value in the agent sheets of ``path``.

    A workbook without cached values gives no findings here; the summary reports it
    separately as not recalculated.
    """
    from .workbook_info import quiet_reading
    with quiet_reading():
        return _verify_workbook(path)


def _verify_workbook(path) -> list[Finding]:
    from openpyxl import load_workbook
    from .workbook_info import template_of
    from .layout import INPUT_CHECK, Labels
    path = Path(path)
    formulas = load_workbook(path, read_only=True)
    values = load_workbook(path, read_only=True, data_only=True)
    try:
        spec, lang = template_of(formulas, str(path))
        t = Labels(lang)
        agent_sheets = set(spec.agent_sheet_titles(t))
        data_sheet, results_sheet = t(*spec.data_sheet), t(*spec.results_sheet)
        average = t("团队平均", "Team average")   # the data sheet's row under the agents
        found: list[Finding] = []
        cached_of: dict[str, dict] = {}
        blank_band_checks: list[tuple[str, str]] = []
        table_formulas: list[tuple[str, str]] = []
        check_formulas: list[tuple[str, str]] = []   # (sheet, formula) of each check cell
        typed_checks: list[tuple[str, str, object]] = []   # values over check cells
        for ws in formulas.worksheets:
            vs = values[ws.title]
            cached = {(c.row, c.column): c for row in vs.iter_rows() for c in row
                      if getattr(c, "value", None) is not None}
            cached_of[ws.title] = cached
            if ws.title in agent_sheets:
                found += _input_checks(path.name, ws, cached)
                found += _error_cells(path.name, ws, cached, average)
                if ws.title == results_sheet:
                    known = _computed_columns(cached, _template_computed(spec.name, lang,
                                                                         results_sheet))
                    found += _typed_over_formulas(path.name, ws, cached,
                                                  table_formulas=table_formulas, known=known)
                elif ws.title == data_sheet:
                    computed = {t(c.zh, c.en) for c in spec.computed} | {t(*INPUT_CHECK)}
                    known = _computed_columns(cached, computed)
                    found += _typed_over_formulas(path.name, ws, cached, known, table_formulas,
                                                  known=known, average=average)
                    found += _unchecked_inputs(path.name, ws.title, cached, spec, t, average)
                else:
                    known = _computed_columns(cached, _template_computed(spec.name, lang,
                                                                         ws.title))
                    found += _typed_over_formulas(path.name, ws, cached, None, table_formulas,
                                                  known=known)
            else:
                found += _check_cells(path.name, ws, cached, blank_band_checks,
                                      table_formulas, check_formulas, typed_checks)
        found += _rows_under_tables(path.name, _band_tables(formulas, table_formulas),
                                    cached_of)
        found += _unscored_agents(path.name, data_sheet, results_sheet,
                                  _results_rows(formulas, results_sheet,
                                                cached_of.get(results_sheet, {})),
                                  average, cached_of)
        if blank_band_checks:
            found += _blank_band_checks(path, blank_band_checks)
        found += _typed_checks(path.name, formulas, cached_of, spec, lang, typed_checks)
        found += _unchecked_parameters(path.name, formulas, cached_of, spec, t, check_formulas)
        found += _unguarded_bands(path.name, formulas, cached_of, spec, t, check_formulas)
        found = _own_inputs_first(found)
        # The engine's reading of the file, read once for the checks below that need it
        # (rare: a #VALUE!, a data connection, an error cell), the explanation last: it
        # takes the reading over.
        engine_book = lru_cache(maxsize=None)(partial(_engine_reading, path))
        if any(f.kind in ("error", "check") and f.value == "#VALUE!" for f in found):
            found = _rich_codes(engine_book(), found)
        if _may_call_a_connection(path):
            kept = _kept_cells(path.name, engine_book(), cached_of, agent_sheets)
            if kept:
                # An error computed from a connection cell has that cell as its cause: said
                # once.
                fed = {(f.sheet, f.cell) for f in kept}
                found = [f for f in found if f.kind != "error" or (f.sheet, f.cell) not in fed]
                found += kept
        return _with_reasons(path, engine_book, found)
    finally:
        formulas.close()
        values.close()


def _unchecked_parameters(file, wb, cached_of, spec, t,
                          check_formulas: list[tuple[str, str]]) -> list[Finding]:
    """The scheme's figures (``spec.parameters``, each a defined name of one cell) judged
    here when no check cell (``check_formulas``: (sheet, formula) of every check cell) reads
    them: a scheme copied from a template of before that check, which ``fill`` keeps as it
    is.  The rules and their texts are the check cell's (:func:`.scored.parameter_rules`)."""
    from ..engine.a1 import parse_cell_ref
    from .scored import FIGURE, figure_breaks, parameter_rules
    where = []
    for p in getattr(spec, "parameters", ()):
        dn = wb.defined_names.get(t(*p.name))
        dest = list(dn.destinations) if dn is not None else []
        if len(dest) == 1 and ":" not in dest[0][1] and dest[0][0] in cached_of:
            where.append((p, dest[0][0], dest[0][1].replace("$", "")))
    if any(sheet == s and ref in f.replace("$", "")
           for _, sheet, ref in where for s, f in check_formulas):
        return []   # the template's own check cell judges them
    out = []
    for p, sheet, ref in where:
        got = cached_of[sheet].get(parse_cell_ref(ref)[:2])
        v = None if got is None else got.value
        said = next((text for rule, text in parameter_rules(t, p) if figure_breaks(rule, p, v)),
                    None)
        if said is not None:
            shown = v if isinstance(v, str) else f"{v:g}" if v is not None else ""
            out.append(Finding("check", file, sheet, ref, said.replace(FIGURE, shown)))
    return out


def _unguarded_bands(file, wb, cached_of, spec, t,
                     check_formulas: list[tuple[str, str]]) -> list[Finding]:
    """The scheme's band tables judged here by the guards their check cell would say
    (``spec.band_guards``: score lines typed as fractions, multipliers as whole percentages)
    when no check cell (``check_formulas``) says that guard: a scheme copied from a template
    of before the guards, whose check reads KPI_CHECK_BANDS alone or is gone.  The first
    guard of a table that holds is said, naming the cell that shows it; the rules are the
    check cell's (:class:`.layout.BandGuard`)."""
    from ..engine.a1 import column_letters, parse_cell_ref
    out = []
    for table, guards in spec.band_guards(t).items():
        area = _name_area(wb.defined_names.get(table))
        if area is None or area[0] not in cached_of:
            continue
        sheet, (r1, c1, r2, c2) = area
        rows = _area_values(cached_of[sheet], (r1, c1, r2, c2))
        for guard in guards:
            said = guard.text(t)
            if any(said in f for _, f in check_formulas):
                continue   # the table's own check cell says it
            scores_sheet, letter = guard.scores
            col = parse_cell_ref(f"{letter}1")[1] if letter else 0
            scores = [cell.value for (_, c), cell in cached_of.get(scores_sheet, {}).items()
                      if c == col]
            at = guard.breaks(rows, scores)
            if at is not None:
                cell = f"{column_letters(c1 + at[1])}{r1 + at[0]}"
                out.append(Finding("check", file, sheet, cell, f"{table}: {said}"))
                break
    return out


def _failed_inputs(found: list[Finding]) -> set[tuple[str, str]]:
    """(file, agent) of each agent whose input check is not OK."""
    return {(f.file, f.agent) for f in found if f.kind == "input" and f.agent not in (None, "")}


def _own_inputs_first(found: list[Finding]) -> list[Finding]:
    """``found`` with the error cells of an agent whose input check is not OK said as that
    agent's own: their cause is the input the check names (its scores, total and pay are
    #VALUE! by design), not a cause shared with the other agents in the scheme, even when
    every agent's check fails; and :func:`_with_reasons` does not trace them (it would
    name the team average, #DIV/0! when no row is left in it)."""
    from dataclasses import replace
    failed = _failed_inputs(found)
    return [replace(f, shared=None) if f.kind == "error" and (f.file, f.agent) in failed
            else f for f in found]


def _engine_reading(path):
    from ..engine.xlsx_read import read_workbook
    return read_workbook(path)


def _with_reasons(path, engine_book, found: list[Finding]) -> list[Finding]:
    """``found`` with the reason of each error cell: where its error starts and what the KPI
    function there said (:mod:`kpi_xl.engine.explain`), where it can be found.
    ``engine_book()`` gives the engine's reading of ``path``, which this takes over."""
    from dataclasses import replace
    from ..engine.a1 import parse_cell_ref
    from ..engine.explain import error_reasons
    failed = _failed_inputs(found)
    keys = [(f.sheet, *parse_cell_ref(f.cell)[:2])
            if f.kind == "error" and (f.file, f.agent) not in failed else None
            for f in found]
    if not any(keys):
        return found
    try:
        book = engine_book()
    except Exception:  # noqa: BLE001 - the reasons are an addition to sentences already made
        return found
    reasons = error_reasons(path, [k for k in keys if k], book=book)
    return [f if k is None else replace(f, reason=reasons.get(k)) for f, k in zip(found, keys)]


def _rich_codes(book, found: list[Finding]) -> list[Finding]:
    """``found`` with each #VALUE! that the file (``book``, the engine's reading of it) keeps
    as a newer error (#CALC!, #SPILL! ...: written as #VALUE! with value metadata, which
    openpyxl does not read) named as that error, as Excel shows it."""
    from dataclasses import replace
    from ..engine.a1 import parse_cell_ref
    out = []
    for f in found:
        if f.kind in ("error", "check") and f.value == "#VALUE!":
            row, col = parse_cell_ref(f.cell)[:2]
            code = str(book.sheet(f.sheet).cached.get((row, col)))
            if code != f.value and code.startswith("#"):
                f = replace(f, value=code)
        out.append(f)
    return out


_QUICK = (b"CUBE", b"RTD", b"_FV", b"FIELDVALUE")


def _may_call_a_connection(path) -> bool:
    """Whether any worksheet's XML names a data-connection function at all: reading every
    formula again costs as much as the rest of the check, and almost no workbook has one."""
    import zipfile
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with zf.open(name) as part:
                tail = b""
                while chunk := part.read(1 << 20):
                    text = (tail + chunk).upper()
                    if any(word in text for word in _QUICK):
                        return True
                    tail = chunk[-16:]
    return False


def _kept_cells(file, book, cached_of, agent_sheets) -> list[Finding]:
    """The connection cells that lie in an agent sheet or feed one, and the agent-table cells
    computed from them, each with the agent of its row (``book``: the engine's reading of
    the workbook)."""
    from ..engine.connection import connection_functions
    from ..engine.evaluator import cell_name
    from ..engine.reads import computed_from
    functions: dict = {}

    def seed(text):
        return bool(connection_functions(text))
    # (sheet, row, col) -> the connection cell it is computed from
    source, _ = computed_from(book, seed)
    if not source:
        return []
    texts = {(sh.name, r, c): arr.text for sh in book.sheets for (r, c), arr in sh.arrays.items()}
    for origin in set(source.values()):
        sh = next(s for s in book.sheets if s.name == origin[0])
        text = sh.formulas.get(origin[1:]) or texts.get(origin)
        functions[origin] = ", ".join(connection_functions(text))
    ends = {s: _agent_rows(cached_of[s]) for s in agent_sheets if s in cached_of}
    feeds_agents = {origin for (s, r, _c), origin in source.items()
                    if s in ends and FIRST_ROW <= r < ends[s]}
    cached = {sh.name: sh.cached for sh in book.sheets}
    out = []
    # The connection cells first, then what is computed from them, sheet by sheet.
    for (sheet, r, c), origin in sorted(source.items(),
                                        key=lambda kv: (kv[0] != kv[1], kv[0])):
        own = (sheet, r, c) == origin
        in_table = sheet in ends and FIRST_ROW <= r < ends[sheet]
        if own and not (sheet in agent_sheets or origin in feeds_agents):
            continue  # read by no score, total or pay
        if not own and not in_table:
            continue
        # The agent as the error findings name it (one reader for both).
        agent = cached_of[sheet].get((r, 1)) if in_table else None
        name = None if agent is None else agent.value
        found = cached[origin[0]].get(origin[1:])
        out.append(Finding("kept", file, sheet, f"{_letter(c)}{r}",
                           functions[origin], None if name is None else str(name),
                           None if own else cell_name(*origin),
                           found is not None and str(found) != "#N/A"))
    return out


#: The functions that read a band table, and which of their arguments it is.
_TABLE_ARGUMENT = {"KPI_BAND": 1, "KPI_CHECK_BANDS": 0, "KPI_LINEAR": 1, "KPI_COMMISSION": 1}
#: The most rows under one table looked at.
_ROWS_UNDER = 50


def _table_formulas(ws, min_row=None, max_row=None) -> list[tuple[str, str]]:
    """(sheet, text) of the formulas among rows ``min_row``…``max_row`` of ``ws`` that call a
    function reading a band table (the agent sheets' first agent row: the rows below repeat
    it)."""
    return [(ws.title, v) for row in ws.iter_rows(min_row=min_row, max_row=max_row)
            for v in (getattr(cell, "value", None) for cell in row) if _reads_a_table(v)]


def _reads_a_table(v) -> bool:
    if not (isinstance(v, str) and v.startswith("=")):
        return False
    text = v.upper()
    return "KPI_" in text and any(name in text for name in _TABLE_ARGUMENT)


def _band_tables(wb, formulas) -> dict[tuple, tuple[str, set]]:
    """The band tables the ``formulas`` (sheet, text) read: (sheet, r1, c1, r2, c2) → how
    the formula names the table (a defined name, or Sheet!A1:C7) and the functions reading
    it."""
    from ..engine.parser import calls, parse
    names = {name.upper(): (name, *area) for name, defined in wb.defined_names.items()
             if (area := _name_area(defined)) is not None}
    tables: dict[tuple, tuple[str, set]] = {}
    for sheet, text in dict.fromkeys(formulas):
        try:
            tree = parse(text[1:], sheet)
        except Exception:   # noqa: BLE001 - a formula it cannot read names no table
            continue
        for _, fn, args in calls(tree):
            at = _TABLE_ARGUMENT.get(fn)
            if at is None or len(args) <= at:
                continue
            arg = args[at]
            if arg[0] == "ref" and arg[1]:
                r1, c1, r2, c2 = arg[2:6]
                tables.setdefault((arg[1], r1, c1, r2, c2), (
                    f"{arg[1]}!{_letter(c1)}{r1}:{_letter(c2)}{r2}", set()))[1].add(fn)
            elif arg[0] == "name" and arg[2] is None and arg[1].upper() in names:
                name, sheet_of, (r1, c1, r2, c2) = names[arg[1].upper()]
                tables.setdefault((sheet_of, r1, c1, r2, c2), (name, set()))[1].add(fn)
    return tables


def _rows_under_tables(file, tables: dict[tuple, tuple[str, set]], cached_of) -> list[Finding]:
    """Rows right under a band table, in its columns and outside it, that hold a band's
    numbers (two or more): a band typed or pasted under the last row of the table, which
    KPI_BAND and the table's check never read, so it scores nothing and the check says OK."""
    out = []
    for (sheet, r1, c1, r2, c2), (label, readers) in tables.items():
        cached = cached_of.get(sheet)
        if cached is None:
            continue
        others = [t for t in tables if t[0] == sheet and t != (sheet, r1, c1, r2, c2)
                  and t[2] <= c2 and c1 <= t[4]]
        rows = []
        for r in range(r2 + 1, r2 + 1 + _ROWS_UNDER):
            if any(t[1] <= r <= t[3] for t in others):
                break
            numbers = []
            for c in range(c1, c2 + 1):
                cell = cached.get((r, c))
                v = None if cell is None else cell.value
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    numbers.append(v)
            if len(numbers) < 2:
                break
            rows.append((r, numbers))
        if not rows:
            continue
        first, last = rows[0][0], rows[-1][0]
        cells = f"{_letter(c1)}{first}:{_letter(c2)}{last}"
        shown = "; ".join(", ".join(map(_shown, numbers)) for _, numbers in rows[:5])
        one = len(rows) == 1
        where = f"row {first} holds" if one else f"rows {first}–{last} hold"
        table = f"{_letter(c1)}{r1}:{_letter(c2)}{r2}"
        named = label if "!" in label else f"{label} ({table})"
        it = "it" if one else "them"
        fns = " and ".join(sorted(readers - {"KPI_CHECK_BANDS"})) or "KPI_BAND"
        out.append(Finding("table", file, sheet, cells,
                           f"{where} a band's numbers ({shown}) right under the band table "
                           f"{named}, outside it: {fns} does not read {it}, so the band "
                           f"scores nothing and the table's check cannot see {it}. Take "
                           f"{it} into the table (Formulas › Name Manager) or clear {it}."))
    return out


def _area_values(cached, area) -> list[list]:
    """The cached values of ``area`` (r1, c1, r2, c2) of a sheet (``cached``), row by row."""
    r1, c1, r2, c2 = area
    return [[getattr(cached.get((r, c)), "value", None) for c in range(c1, c2 + 1)]
            for r in range(r1, r2 + 1)]


def _name_area(defined):
    """(sheet, (r1, c1, r2, c2)) of a defined name standing for one area of one sheet, else
    None (a name of several areas, a constant, a formula, no name at all)."""
    from ..engine.a1 import parse_range_ref
    try:
        (sheet, ref), = defined.destinations
        return sheet, parse_range_ref(ref.replace("$", ""))
    except (AttributeError, ValueError, TypeError):
        return None


def _results_rows(wb, results_sheet, cached) -> range:
    """The agent rows of the results table (the defined name KPI_Results, which ``summary``
    reads and the ranking counts), or, without the name, the rows down to the first blank
    agent cell."""
    from .base import RESULTS_NAME
    area = _name_area(wb.defined_names.get(RESULTS_NAME))
    if area is not None and area[0] == results_sheet:
        r1, _, r2, _ = area[1]
        return range(r1 + 1, r2 + 1)
    return range(FIRST_ROW, _agent_rows(cached))


def _unscored_agents(file, data_sheet, results_sheet, rows, average,
                     cached_of) -> list[Finding]:
    """The agents of the data sheet that the results table (``rows`` of the results sheet)
    has no row for: a row inserted into the data sheet in Excel (above the team average, or
    typed below it) gets no formulas on the results sheet, which computes the rows it was
    written with, and a row copied down under the results table is outside it (the summary
    and the ranking read the table), so the agent is left out of the ranking, the summary
    and the pay without an error anywhere.  An agent row is a name in column A with a number
    beside it."""
    data, results = cached_of.get(data_sheet), cached_of.get(results_sheet)
    if data is None or results is None:
        return []
    scored = {results[(r, 1)].value for r in rows if (r, 1) in results}
    if not scored - {None, ""}:
        # No name at all in the results table: a workbook never calculated since it was
        # written, which is named as such; every agent would otherwise be called unscored.
        return []
    with_numbers = {r for (r, c), v in data.items() if c > 1 and isinstance(v.value, (int, float))
                    and not isinstance(v.value, bool)}
    out = []
    for r in sorted(r for r, c in data if c == 1 and r >= FIRST_ROW):
        cell = data[(r, 1)]
        if getattr(cell, "data_type", None) == "e":
            continue
        name = cell.value
        if name in scored or (isinstance(name, str) and (not name.strip()
                                                          or _not_an_agent(name, average))):
            continue   # a total row added under the agents (合计) is not an agent either
        if r not in with_numbers:
            continue   # a note, not an agent
        out.append(Finding("unscored", file, data_sheet, f"A{r}", results_sheet, str(name)))
    return out


def _formula_objects() -> tuple:
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
    return ArrayFormula, DataTableFormula


#: How openpyxl gives an array or data-table formula's cell (not a string).
_FORMULA_OBJECTS = _formula_objects()
#: Typed cells named one by one in a sentence; the rest are counted.
_TYPED_SHOWN = 12


def _header(cached, c: int) -> str:
    """The header (row 4) of column ``c`` of an agent sheet, or its letter."""
    from .layout import HEADER_ROW
    got = cached.get((HEADER_ROW, c))
    return str(got.value) if got is not None else _letter(c)


def _computed_columns(ws_cached, labels) -> set[int]:
    """The columns of a data sheet whose header (row 4) is one of its computed columns'."""
    from .layout import HEADER_ROW
    return {c for (r, c), cell in ws_cached.items() if r == HEADER_ROW and cell.value in labels}


@lru_cache(maxsize=None)
def _template_computed(name: str, lang: str, sheet: str) -> frozenset:
    """The headers (row 4) of the columns that template ``name``'s own workbook computes in
    the agent rows of ``sheet``: a value there in a written month is typed over a formula,
    also in a table of one agent, where no other row shows the formula."""
    from openpyxl import load_workbook
    from . import TEMPLATE_DIR
    from .layout import HEADER_ROW
    path = TEMPLATE_DIR / lang / f"{name}.xlsx"
    if not path.is_file():
        return frozenset()
    wb = load_workbook(path, read_only=True)
    try:
        if sheet not in wb.sheetnames:
            return frozenset()
        ws = wb[sheet]
        head, first = (next(ws.iter_rows(min_row=r, max_row=r, values_only=True), ())
                       for r in (HEADER_ROW, FIRST_ROW))
        return frozenset(h for h, v in zip(head, first)
                         if h is not None and isinstance(v, str) and v.startswith("="))
    finally:
        wb.close()


def _not_an_agent(name, average: str) -> bool:
    """Whether column A's ``name`` labels the team average row (``average``) or a total
    (合计 …, fill's rule), not an agent."""
    from .fill import is_total_label
    return isinstance(name, str) and (name == average or is_total_label(name))


def _total_rows(cached, end: int, average: str = "") -> set[int]:
    """The rows of the agent table before ``end`` that are the team average (``average``) or
    a total (合计 …), not an agent."""
    return {r for r in range(FIRST_ROW, end)
            if _not_an_agent(getattr(cached.get((r, 1)), "value", None), average)}


def _typed_over_formulas(file, ws, cached, columns: set[int] | None = None,
                         table_formulas: list | None = None,
                         known: set[int] = frozenset(), average: str = "") -> list[Finding]:
    """Values typed (or pasted as values) over the formulas of a sheet's agent rows: on the
    results sheet every cell, on the data sheet its computed ``columns`` (the rates, the
    input check).  A total typed as 85, a conversion typed over its KPI_RATE, an input check
    overwritten with "OK": the scores, rank, bonus and pay computed from it follow the typed
    value, not the scheme, and no recalculation can tell.  One finding per agent row, or one
    for the sheet when no agent row holds a formula at all (pasted as values).  A column is
    computed when some agent row holds a formula there or it is one of the ``known``
    columns (the template computes it: a table of one agent has no other row to show it).
    The first agent row's formulas reading a band table go to ``table_formulas``, in the
    same pass."""
    end = max(_agent_rows(cached), FIRST_ROW + 1)
    totals = _total_rows(cached, end, average)
    typed: dict[int, list[tuple[int, object]]] = {}
    with_formulas: set[int] = set()   # columns computed in some agent row
    by_agents: set[int] = set()       # … in a row of an agent, not the team average
    agent_formulas: dict[int, list[tuple[int, str]]] = {}   # column: (row, text) of agents
    for r, row in enumerate(ws.iter_rows(min_row=FIRST_ROW, max_row=end - 1), FIRST_ROW):
        for c, cell in enumerate(row, 1):   # read-only rows: every column, empty cells too
            v = getattr(cell, "value", None)
            if r == FIRST_ROW and table_formulas is not None and _reads_a_table(v):
                table_formulas.append((ws.title, v))
            if columns is not None and c not in columns:
                continue
            if v is None or (isinstance(v, str) and v == ""):
                continue
            if (isinstance(v, str) and v.startswith("=")) or isinstance(v, _FORMULA_OBJECTS):
                with_formulas.add(c)   # a formula, or an array or data-table formula
                if r not in totals:
                    by_agents.add(c)
                    if isinstance(v, str):
                        agent_formulas.setdefault(c, []).append((r, v))
                continue
            typed.setdefault(r, []).append((c, v))
    edited = _edited_formulas(file, ws.title, cached, agent_formulas)
    if not typed:
        return edited
    if not with_formulas:
        rows = f"{FIRST_ROW}–{end - 1}" if end - 1 > FIRST_ROW else str(FIRST_ROW)
        return [Finding("typed", file, ws.title, f"A{FIRST_ROW}",
                        f"rows {rows}: the sheet holds values where its formulas were "
                        "(pasted as values): nothing computed there follows the scheme or the "
                        "data any more, so none of it can be checked. Write the month again "
                        "with fill, or put the formulas back, and run again.")]
    out = []
    # A column no agent row computes, unless the template does, is the user's own (notes
    # beside the table), not typed over.
    typed = {r: kept for r, cells in typed.items()
             if (kept := [(c, v) for c, v in cells if c in with_formulas or c in known])}
    for r, cells in sorted(typed.items()):
        agent = cached.get((r, 1))
        name = None if agent is None or getattr(agent, "data_type", None) == "e" else agent.value
        who = f" (agent {str(name)!r})" if name not in (None, "") else ""
        shown = ", ".join(f"{_letter(c)}{r} {_header(cached, c)} = {_shown(v)}"
                          for c, v in cells[:_TYPED_SHOWN])
        more = f" and {len(cells) - _TYPED_SHOWN} more" if len(cells) > _TYPED_SHOWN else ""
        many = len(cells) > 1
        s = "s" if many else ""
        # Whose formula was typed over, and where to take it from again: the team average's
        # (what its formulas give feeds the pay), one another agent's row shows, or (a
        # table of one agent) only the template's.
        if r in totals:
            who, whose, fix = (f" ({name})", f"the team average's formula{s}",
                               "write the month again with fill")
        elif all(c in by_agents for c, _ in cells):
            whose, fix = (f"the formula{s} the other agents' rows compute",
                          "copy it from another agent's row")
        else:
            whose, fix = f"the template's formula{s}", "write the month again with fill"
        out.append(Finding("typed", file, ws.title, f"{_letter(cells[0][0])}{r}",
                           f"row {r}{who}: {shown}{more} {'are' if many else 'is'} typed over "
                           f"{whose}, so {'they do' if many else 'it does'} not follow the "
                           "scheme, and the rank, bonus and pay computed from "
                           f"{'them' if many else 'it'} follow the typed value. Put the "
                           f"formula back ({fix}) and run again.",
                           None if name is None else str(name)))
    return out + edited


def _edited_formulas(file, sheet, cached, formulas: dict[int, list[tuple[int, str]]]
                     ) -> list[Finding]:
    """Agent rows whose formula in a column is not the one most agents' rows compute there
    (the template writes one formula down each column): a commission paid as ``=E6``
    whatever the conditions, a pay written ``=3700``.  They compute, so no error and no
    typed value shows them, and the pay follows the edit.  A column is judged when at
    least three agent rows hold formulas and more than half share one form (relative
    references as offsets, so that row 5's ``=E5*F5`` and row 6's ``=E6*F6`` agree)."""
    from collections import Counter

    from ..engine.a1 import relative_key
    rows: dict[int, list[tuple[int, str, str]]] = {}
    for c, items in formulas.items():
        if len(items) < 3:
            continue
        keys = [relative_key(_unguarded(text, r), r, c) for r, text in items]
        common, n = Counter(keys).most_common(1)[0]
        if n * 2 <= len(items):
            continue
        model = next(f"{_letter(c)}{r} {text}" for (r, text), k in zip(items, keys)
                     if k == common)
        for (r, text), k in zip(items, keys):
            if k != common:
                rows.setdefault(r, []).append((c, text, model))
    out = []
    for r, cells in sorted(rows.items()):
        agent = cached.get((r, 1))
        name = None if agent is None or getattr(agent, "data_type", None) == "e" else agent.value
        who = f" (agent {str(name)!r})" if name not in (None, "") else ""
        c, text, model = cells[0]
        more = f" (and {len(cells) - 1} more cell{'s' if len(cells) > 2 else ''} of the row)" \
            if len(cells) > 1 else ""
        out.append(Finding("typed", file, sheet, f"{_letter(c)}{r}",
                           f"row {r}{who}: {_letter(c)}{r} {_header(cached, c)} holds {text}"
                           f"{more}, not the formula the other agents' rows compute "
                           f"({model}), so it does not follow the scheme, and the rank, bonus "
                           "and pay computed from it follow the edit. Put the formula back "
                           "(copy it from another agent's row) and run again.",
                           None if name is None else str(name)))
    return out


_SPARE_GUARD = re.compile(r"""=IF\(((?:'(?:[^']|'')+'|[^'!(),"=]+)!)?A(\d+)="","",(.*)\)\Z""", re.S)


def _unguarded(text: str, row: int) -> str:
    """A spare row's formula without the guard the template wraps it in (blank until an
    agent is typed into column A of that row), so that it compares with the other rows'."""
    m = _SPARE_GUARD.match(text)
    return "=" + m.group(3) if m and int(m.group(2)) == row else text


def _shown(value) -> str:
    """A cell's value as a sentence quotes it: numbers as typed (85, not 85.0), text quoted."""
    return f"{value:.15g}" if isinstance(value, float) else repr(value)


def _agent_rows(cached) -> int:
    """The row after the agent table (see :func:`_error_cells`)."""
    end = FIRST_ROW
    while (end, 1) in cached:
        end += 1
    return end


#: The label left of a scheme's check cell: a formula there is a check (the parameter
#: block's is written with Excel's own functions, not a KPI_CHECK_ one).
_CHECK_LABELS = ("检查", "Check")


def _is_check(v, label) -> bool:
    """Whether a scheme cell holding ``v``, right of a cell holding ``label``, is a check
    cell: a formula calling a KPI_CHECK_ function, or any formula right of 检查 / Check."""
    return isinstance(v, str) and v.startswith("=") and ("KPI_CHECK_" in v.upper()
                                                         or label in _CHECK_LABELS)


def _cells_with_labels(ws):
    """(cell, value, value of the cell to its left) of each cell of ``ws``, row by row: the
    left cell is a check cell's label (检查 / Check)."""
    for row in ws.iter_rows():
        before = None
        for cell in row:
            v = getattr(cell, "value", None)
            yield cell, v, before
            before = v


def _check_cells(file, ws, cached, blank_band_checks=None,
                 table_formulas=None, check_formulas=None, typed_checks=None) -> list[Finding]:
    """The check cells of a scheme sheet that say something other than OK.  A band check
    that reads blank goes to ``blank_band_checks`` as (sheet, cell), for
    :func:`_blank_band_checks`; the formulas reading a band table to ``table_formulas``
    (as :func:`_table_formulas` finds them, in the same pass); each value (not a formula,
    not blank) right of a 检查 / Check label to ``typed_checks`` as (sheet, cell, value),
    for :func:`_typed_checks`."""
    out = []
    for cell, v, label in _cells_with_labels(ws):
        if table_formulas is not None and _reads_a_table(v):
            table_formulas.append((ws.title, v))
        if typed_checks is not None and label in _CHECK_LABELS and _typed_value(v):
            typed_checks.append((ws.title, cell.coordinate, v))
        if _is_check(v, label):
            if check_formulas is not None:
                check_formulas.append((ws.title, v))
            got = cached.get((cell.row, cell.column))
            value = None if got is None else got.value
            if value is None:
                # Not recalculated (reported elsewhere), or computed blank.
                if blank_band_checks is not None and "KPI_CHECK_BANDS" in v.upper():
                    blank_band_checks.append((ws.title, cell.coordinate))
                continue
            if value != "OK":
                out.append(Finding("check", file, ws.title, cell.coordinate, str(value)))
    return out


def _typed_value(v) -> bool:
    """Whether a cell's ``v`` is a value typed or pasted in (not a formula, not blank)."""
    if v is None or isinstance(v, _FORMULA_OBJECTS):
        return False
    return not (isinstance(v, str) and (v.startswith("=") or not v.strip()))


@lru_cache(maxsize=None)
def _template_checks(name: str, lang: str) -> dict[tuple[str, str], str]:
    """(sheet, cell) → formula of every check cell of the scheme sheets of template
    ``name``'s own workbook (as :func:`_check_cells` finds them), or {} without it."""
    from openpyxl import load_workbook
    from . import TEMPLATE_DIR, TEMPLATES
    from .layout import Labels
    path = TEMPLATE_DIR / lang / f"{name}.xlsx"
    if not path.is_file() or name not in TEMPLATES:
        return {}
    agent_sheets = set(TEMPLATES[name].agent_sheet_titles(Labels(lang)))
    wb = load_workbook(path, read_only=True)
    try:
        out = {}
        for ws in wb.worksheets:
            if ws.title in agent_sheets:
                continue
            out.update(((ws.title, cell.coordinate), v)
                       for cell, v, label in _cells_with_labels(ws) if _is_check(v, label))
        return out
    finally:
        wb.close()


def _typed_checks(file, wb, cached_of, spec, lang: str,
                  typed: list[tuple[str, str, object]]) -> list[Finding]:
    """The scheme's check cells typed over with a value (``typed``: (sheet, cell, value) of
    each value right of a 检查 / Check label): "OK" typed or pasted over a check formula
    (Paste Values over the scheme sheet is common) cannot fail, so fill and summary would
    pass a scheme whose weights add up to 95 %.  Each is named with the formula the
    template has there, and with what that formula's rule says of the scheme as it is
    (:func:`_check_by_rule`).  The formula is the template's at the same cell, or, where
    rows were inserted above it, the template's check of the table right above the cell
    (the defined name its formula reads); without either, the cell is still named.  The
    parameter block's check and the band guards are judged by
    :func:`_unchecked_parameters` and :func:`_unguarded_bands`, which no check formula
    stops once the cell holds a value."""
    template = _template_checks(spec.name, lang)
    out = []
    for sheet, cell, value in typed:
        formula = template.get((sheet, cell)) or _check_of_table_above(
            wb, sheet, cell, template)
        gone = f"its formula {_abridged(formula)} is gone" if formula else "its formula is gone"
        said = _check_by_rule(formula, sheet, wb, cached_of) if formula else None
        judged = (f" By its rule the check says of the scheme as it is: {said}"
                  if said not in (None, "", "OK") else "")
        out.append(Finding("overwritten", file, sheet, cell,
                           f"the scheme check in {cell} is typed over with {_shown(value)}: "
                           f"{gone}, so the check cannot fail; copy it back from the template "
                           f"and run again.{judged}"))
    return out


#: The most characters of a formula quoted in a sentence.
_FORMULA_SHOWN = 80


def _abridged(formula: str) -> str:
    """``formula`` as a sentence quotes it: a long one (the parameter block's check) cut."""
    return formula if len(formula) <= _FORMULA_SHOWN else formula[:_FORMULA_SHOWN] + "…"


def _check_of_table_above(wb, sheet: str, cell: str, template: dict) -> str | None:
    """The template's check formula (among ``template``'s) reading the defined name whose
    area ends nearest above ``cell`` of ``sheet``, in the check's column or the label's
    left of it: the check of that table, wherever rows inserted have moved it."""
    from ..engine.a1 import parse_cell_ref
    row, col = parse_cell_ref(cell)[:2]
    above = [(area[1][2], name) for name, defined in wb.defined_names.items()
             if (area := _name_area(defined)) is not None and area[0] == sheet
             and area[1][2] < row and area[1][1] <= col and col - 1 <= area[1][3]]
    if not above:
        return None
    name = max(above)[1]
    return next((f for (s, _), f in template.items()
                 if s == sheet and name.upper() in _names_read(f, sheet)), None)


def _names_read(formula: str, sheet: str) -> set[str]:
    """The defined names a formula reads (upper case), or none if it cannot be read."""
    from ..engine.parser import calls, parse
    try:
        tree = parse(formula[1:], sheet)
    except Exception:   # noqa: BLE001 - a formula it cannot read reads no name
        return set()
    return {arg[1].upper() for _, _, args in calls(tree) for arg in args
            if arg[0] == "name" and arg[2] is None}


#: The check functions judged from the cached values of the table they read, and the
#: arguments after the table.
_CHECK_RULES = {"KPI_CHECK_WEIGHTS": ("lang",), "KPI_CHECK_BANDS": ("closed", "lang")}


def _check_by_rule(formula: str, sheet: str, wb, cached_of) -> str | None:
    """What the KPI_CHECK_WEIGHTS or KPI_CHECK_BANDS call of a check ``formula`` says of the
    cached values of the table it reads (:func:`kpi_xl.core.weights.check_weights`,
    :func:`kpi_xl.core.bands.check_bands`, the functions the cell computes), or None when
    the formula calls neither or its table cannot be read."""
    from ..core.bands import check_bands
    from ..core.errors import KpiError
    from ..core.weights import check_weights
    from ..engine.parser import calls, parse
    try:
        tree = parse(formula[1:], sheet)
    except Exception:   # noqa: BLE001 - a formula it cannot read is judged by nobody
        return None
    call = next(((fn, args) for _, fn, args in calls(tree) if fn in _CHECK_RULES), None)
    if call is None or not call[1] or call[1][0][0] != "name":
        return None
    fn, (table, *rest) = call
    area = _name_area(wb.defined_names.get(table[1]))
    if area is None or area[0] not in cached_of:
        return None
    extra = [arg[1] for arg in rest if arg[0] == "lit"]
    rule = check_weights if fn == "KPI_CHECK_WEIGHTS" else check_bands
    try:
        return str(rule(_area_values(cached_of[area[0]], area[1]), *extra))
    except KpiError as exc:
        return f"{exc.excel_error} ({exc})"


def _blank_band_checks(path, where) -> list[Finding]:
    """The band checks among ``where`` (sheet, cell) that were computed blank, each with what
    KPI_CHECK_BANDS says of its table now.

    A workbook computed before KPI_CHECK_BANDS named a table without a row of numbers (one
    row of words read as the header, or nothing at all) holds a blank there, while KPI_BAND
    over the table is #NUM!.  Such a check is computed again by the engine, so the run says
    why rather than skip it.  A check cell never computed (no cached value at all) is still
    left to the report of workbooks not recalculated.
    """
    from ..engine.a1 import parse_cell_ref
    from ..engine.recalc import compute
    data, results, _ = compute(path)
    sheets = {sh.name: sh for sh in data.sheets}
    out = []
    for sheet, coordinate in where:
        row, col = parse_cell_ref(coordinate)[:2]
        sh = sheets.get(sheet)
        if sh is None or sh.cached.get((row, col)) != "":
            continue  # not computed (reported elsewhere), or not a formula cell
        said = results.get(sheet, {}).get((row, col))
        if isinstance(said, str) and said not in ("OK", ""):
            out.append(Finding("check", path.name, sheet, coordinate, said))
    return out


def _input_checks(file, ws, cached) -> list[Finding]:
    """The agent rows whose input check column (header 录入检查 / Input check) says
    something other than OK; an error value there is one of :func:`_error_cells`."""
    from .layout import HEADER_ROW, INPUT_CHECK
    cols = [c for (r, c), cell in cached.items()
            if r == HEADER_ROW and cell.value in INPUT_CHECK]
    if not cols:
        return []
    end = _agent_rows(cached)
    out = []
    for c in cols:
        for r in range(FIRST_ROW, end):
            cell = cached.get((r, c))
            if cell is None or getattr(cell, "data_type", None) == "e":
                continue
            if cell.value in ("OK", ""):
                continue
            agent = cached.get((r, 1))
            name = None if agent is None or getattr(agent, "data_type", None) == "e" \
                else agent.value
            out.append(Finding("input", file, ws.title, f"{_letter(c)}{r}", str(cell.value),
                               None if name is None else str(name)))
    return out


def _unchecked_inputs(file, sheet, cached, spec, t, average: str) -> list[Finding]:
    """The agent rows of the data sheet whose input check says OK (or holds no formula)
    while an input breaks a rule that check writes: a number pasted as text
    (:meth:`.layout.Column.text_rule`, said alone), an input on its own left blank,
    negative, a 0 that a scored rate is divided by, a percentage or score out of its range
    (:class:`.layout.ValueRule`), a part over its whole or a positive part over a zero base
    (:meth:`.layout.InputRule.broken`, ``fill``'s rules).  A data sheet written by a
    version before the rule, or whose check was typed over, passes it: 0 inquiries scored
    as a 0 % conversion, a blank supervisor score paid as 0 points, exit 0.  Each is said
    as the check cell would say it, in the workbook's language.  Rows whose check says
    something else are named by it (:func:`_input_checks`)."""
    from .layout import HEADER_ROW, INPUT_CHECK
    columns = {getattr(cell, "value", None): c for (r, c), cell in cached.items()
               if r == HEADER_ROW}
    inputs = [(col, columns[col.header(t)]) for col in spec.inputs
              if col.kind not in ("text", "month") and col.header(t) in columns]
    labels = {c.key: c.header(t) for c in spec.inputs}
    check = columns.get(t(*INPUT_CHECK))
    end = _agent_rows(cached)
    out = []
    for r in sorted(set(range(FIRST_ROW, end)) - _total_rows(cached, end, average)):
        said = None if check is None else getattr(cached.get((r, check)), "value", None)
        if check is not None and said != "OK":
            continue
        got = {col.key: (c, getattr(cached.get((r, c)), "value", None)) for col, c in inputs}
        values = {k: v if is_number(v) else None for k, (_, v) in got.items()}
        # A number pasted as text is said first and alone, as the check cell says it.
        broken = [(c, rule.says(t, got[col.key][1])) for col, c in inputs
                  for rule in (col.text_rule(),) if rule.breaks(got[col.key][1])]
        if not broken:
            broken = [(c, rule.says(t, got[col.key][1])) for col, c in inputs
                      for rule in col.value_rules() if rule.breaks(got[col.key][1])]
            broken += [(got[rule.parts[0]][0], rule.says(t, labels, values))
                       for rule in spec.input_rules()
                       if all(k in got for k in (*rule.parts, rule.whole) if k)
                       and rule.broken(values)]
        if broken:
            agent = getattr(cached.get((r, 1)), "value", None)
            out.append(Finding("unchecked", file, sheet, f"{_letter(broken[0][0])}{r}",
                               " ".join(text for _, text in broken),
                               None if agent is None else str(agent),
                               source=None if check is None else f"{_letter(check)}{r}"))
    return out


def _error_cells(file, ws, cached, average: str = "") -> list[Finding]:
    """The error values of the agent rows of ``ws``; the team average row under the agents
    (``average``, or a total label such as 合计) is not an agent: its errors come from theirs,
    and an agent cell reading it is named itself."""
    out = []
    # The agent table ends at the first row without an agent; what follows (the sorted
    # ranking block) repeats the table's values and would name each error twice.
    end = _agent_rows(cached)
    totals = _total_rows(cached, end, average)
    errors = [(r, c, str(cell.value)) for (r, c), cell in sorted(cached.items())
              if FIRST_ROW <= r < end and r not in totals
              and getattr(cell, "data_type", None) == "e"]
    # Columns where every agent's cell is the same error: one cause for all of them.
    by_column: dict[int, set] = {}
    for r, c, value in errors:
        by_column.setdefault(c, set()).add((r, value))
    agents = end - FIRST_ROW - len(totals)
    shared = {c for c, got in by_column.items()
              if agents >= 2 and len(got) == agents and len({v for _, v in got}) == 1}
    for r, c, value in errors:
        agent = cached.get((r, 1))
        # a row whose agent cell is itself an error has no agent to name
        name = None if agent is None or getattr(agent, "data_type", None) == "e" else agent.value
        out.append(Finding("error", file, ws.title, f"{_letter(c)}{r}", value,
                           None if name is None else str(name),
                           shared=_header(cached, c) if c in shared else None))
    return out


def _letter(col: int) -> str:
    from ..engine.a1 import column_letters
    return column_letters(col)


def engine_findings(file: str, results) -> list[Finding]:
    """Why the calculation of ``file`` left cells wrong (the time or memory budget, an engine
    bug), from its FileResults: the cause of the error cells named after it."""
    out = []
    for res in results:
        if getattr(res, "incomplete", ""):
            cells = list(res.not_computed)
            shown = ", ".join(cells[:8]) + (f" and {len(cells) - 8} more" if len(cells) > 8
                                            else "")
            out.append(Finding("engine", file, "", "", f"the calculation was not finished "
                               f"({res.incomplete}); {shown} show #CALC!, and the pay is not "
                               "right until it finishes (give it more time or memory)."))
        for cell, what in (getattr(res, "engine_bugs", None) or {}).items():
            out.append(Finding("engine", file, *cell.rsplit("!", 1),
                               f"the engine failed in {cell} ({what}); the cell shows an error. "
                               "Please report it to kpi_xl."))
    return out


def _reasons_of(group: list[Finding]) -> str:
    """": " and the reasons of a sentence about several error cells, each said once; an
    origin among the cells named, where no KPI function said why, adds nothing."""
    from ..engine.a1 import parse_cell_ref
    cells = {(f.sheet, *parse_cell_ref(f.cell)[:2]) for f in group}
    said = list(dict.fromkeys(f.because(several=True)[2:] for f in group
                              if f.reason is not None
                              and (f.reason.function is not None or f.reason.origin not in cells)))
    said = [text for text in said if text]
    return f": {'; '.join(said)}" if said else ""


#: Cells named in one sentence; the rest are counted.
_SHOWN = 20


def describe(findings: list[Finding], files: int) -> list[str]:
    """Findings as sentences: a failing check shared by every workbook is said once."""
    lines = [f.sentence() for f in findings if f.kind == "engine"]
    checks: dict[tuple, list[str]] = {}
    for f in findings:
        if f.kind in ("check", "table", "overwritten"):
            checks.setdefault((f.kind, f.sheet, f.cell, f.value), []).append(f.file)
    for (kind, sheet, cell, value), names in checks.items():
        if len(names) > 1 and len(names) == files:
            names = [f"All {files} workbooks"]
        for name in names:
            lines.append(Finding(kind, name, sheet, cell, value).sentence())
    lines += [f.sentence() for f in findings
              if f.kind in ("input", "unchecked", "unscored", "typed")]
    # One sentence per agent and error: a value in a gap turns its points, total, rank and
    # bonus into #N/A together, and they have one cause.
    errors: dict[tuple, list[Finding]] = {}
    for f in findings:
        if f.kind == "error":
            errors.setdefault((f.file, f.sheet, f.agent, f.value), []).append(f)
    for (file, sheet, agent, value), group in errors.items():
        if len(group) == 1:
            lines.append(group[0].sentence())
            continue
        who = f" (agent {agent!r})" if agent not in (None, "") else ""
        where = [f.cell for f in group]
        shown = ", ".join(where[:_SHOWN]) + (f" and {len(where) - _SHOWN} more"
                                             if len(where) > _SHOWN else "")
        lines.append(f"{file}, sheet {sheet!r}, cells {shown}{who} are {value}: these "
                     f"scores, totals or pay are not right until the cause is fixed"
                     f"{_reasons_of(group)}.")
    # A column that is one error for every agent: the cause is theirs in common.  Columns
    # of a sheet whose first agent's error has one reason are said together.
    shared: dict[tuple, list[Finding]] = {}
    for f in findings:
        if f.kind == "error" and f.shared is not None:
            column = f.cell.rstrip("0123456789")
            shared.setdefault((f.file, f.sheet, column, f.shared, f.value), []).append(f)
    together: dict[tuple, list[tuple]] = {}
    for (file, sheet, column, header, value), group in shared.items():
        first = group[0]
        said = (f" For agent {first.agent!r}{first.because(several=True)}."
                if first.reason is not None and first.agent not in (None, "") else "")
        # one sentence per cause said; a column whose cause is unknown has its own
        key = (file, sheet, len(group), said, None if said else column)
        together.setdefault(key, []).append((column, header, value))
    for (file, sheet, agents, said, _), columns in together.items():
        if len(columns) == 1:
            (column, header, value), = columns
            lines.append(f"{file}, sheet {sheet!r}: column {column} ({header}) is {value} for "
                         f"every one of the {agents} agents, so the cause is one they share: "
                         "look at what this column's formula reads from the scheme (a figure "
                         f"typed as a percentage, a band table, a parameter).{said}")
            continue
        named = ", ".join(f"{column} ({header}, {value})" for column, header, value in columns)
        lines.append(f"{file}, sheet {sheet!r}: columns {named} are an error for every one of "
                     f"the {agents} agents, so the cause is one they share: look at what these "
                     "columns' formulas read from the scheme (a figure typed as a percentage, a "
                     f"band table, a parameter).{said}")
    # One sentence per connection cell, sheet and agent: the cells computed from it together.
    kept: dict[tuple, list[str]] = {}
    for f in findings:
        if f.kind == "kept":
            kept.setdefault((f.file, f.sheet, f.agent, f.value, f.source, f.cached),
                            []).append(f.cell)
    for (file, sheet, agent, fns, source, cached), where in kept.items():
        lines.append(kept_sentence(file, sheet, where, agent, fns, source, cached))
    return lines


__all__ = ["Finding", "verify_workbook", "describe"]
