"""Recalculation of a whole workbook: every formula cell, on demand, once.

Formula cells are compiled per relative form (see :mod:`.compiler`) and
evaluated on demand: reading a formula cell that is not computed yet computes it
first, so the order of the workbook does not matter.  A cell met again while it is
being computed closes a circular reference; it is reported and the cell shows
``#CALC!`` (Excel would warn and show 0; a silent 0 would hide the mistake).
"""
from __future__ import annotations

import gc
import os
import sys
import threading
import time
from bisect import bisect_right
from operator import itemgetter
from dataclasses import dataclass, field

from . import columns as _columns
from . import shapes
from .a1 import DIGIT_RUN, cell_name as _a1, relative_key, relative_row_runs, sheet_cell_name
from .columns import MIN_RUN, ColumnBug, ColumnCompiler, Const, NotColumnar, refs_of
from .compiler import CompileError, Compiler
from .model import BookInput
from .parser import MAX_COL, MAX_ROW, FormulaSyntaxError, parse
from .serial import date_system
from .values import (CALC, MAX_SPREAD_CELLS, NAME, NA, REF, VALUE, Arr, ExcelRaise, MultiRef, Ref,
                     Tail, XlErr)

_PENDING = object()
_FIRST_ROW = itemgetter(0)
_COLUMN = itemgetter(1)
_CLIP_CELLS = 65536      # ranges larger than this are read only as far as the used area
#: A clipped range keeps at least this many of its rows and of its columns, blank past the
#: used area, so that a table's shape as lookups and INDEX see it (VLOOKUP's column 8 of
#: A:H when column H is empty, a whole column past the last used one) stays the range's own.
_KEEP_LINES = 256
#: The most cells one range may hold once clipped to the used area; a larger one is #NUM!
#: in its cell rather than gigabytes of memory.
MAX_RANGE_CELLS = 20_000_000
_INF = float("inf")
_NUM = XlErr("#NUM!")


class EngineBug(Exception):
    """A programming error inside the engine, reported as a bug with the cell it hit."""


#: Cells computed on demand inside one another before the chain is resumed from its far
#: end (see :meth:`Calc._settle`): long chains then never meet Python's recursion limit.
CELL_DEPTH = 200

#: Python frames allowed while computing: deep nesting (a 50,000-level IF) is parsed,
#: compiled and computed by plain recursion on the calculation thread's large stack.
RECURSION_LIMIT = 2_000_000

#: Allocations between two garbage-collection passes while computing (Python's default: 700).
GC_THRESHOLD = 200_000

#: Seconds one workbook may compute before its remaining cells are given up (None: no limit).
DEFAULT_TIME_LIMIT = 900.0

#: Resident memory (MB) a workbook's calculation may reach before it is stopped.
DEFAULT_MEMORY_LIMIT_MB = 4096.0

#: How often the calculation's budget is checked from outside it.
_WATCH_SECONDS = 0.25

#: The least time between two checks of the budget from inside the calculation.
_CHECK_SECONDS = 0.01

#: What a cell shows when the calculation stopped before reaching it.
NOT_COMPUTED = CALC


_UNSET = object()

#: In a batch worker, the shared 64-bit integer (batch.py) in which the calculation keeps
#: the code of the cell it is computing (:func:`cell_code`); None elsewhere.
_beacon = None


def watch_cells(array):
    """From now on keep the code of the cell being computed in ``array`` (one shared 64-bit
    integer; 0 between cells).  A function blocked inside C code (a regular expression
    backtracking for ever) holds the interpreter, so no budget check of this process
    reaches it: the process that has to stop this one at its time limit then still
    knows the cell, and can compute the workbook again with that cell left out."""
    global _beacon
    _beacon = memoryview(array).cast("B").cast("q")


#: Bits of a cell code below the sheet's number and the row's: a column (MAX_COL < 2**15),
#: a row (MAX_ROW < 2**21).
_COL_BITS, _ROW_BITS = 15, 21


def cell_code(index, r, c, run=False):
    """One integer for cell (r, c) of the sheet at ``index`` (from 0), never 0; negative
    for the run of a column that starts there (see :meth:`Calc.column_run`)."""
    code = ((index + 1) << (_ROW_BITS + _COL_BITS)) | (r << _COL_BITS) | c
    return -code if run else code


def code_cell(code):
    """(sheet index, row, column, whether a run) of a :func:`cell_code`."""
    n = abs(code)
    return ((n >> (_ROW_BITS + _COL_BITS)) - 1, (n >> _COL_BITS) & ((1 << _ROW_BITS) - 1),
            n & ((1 << _COL_BITS) - 1), code < 0)


def default_time_limit():
    """The calculation's own time budget in seconds (KPI_XL_TIME_LIMIT), None for none."""
    return _env_limit("KPI_XL_TIME_LIMIT", DEFAULT_TIME_LIMIT)


def _env_limit(name, default):
    """A limit from the environment (seconds or MB; 0 or "none": no limit), else ``default``."""
    text = os.environ.get(name, "").strip().lower()
    if not text:
        return default
    if text in ("0", "none", "off"):
        return None
    try:
        value = float(text)
    except ValueError:
        return default
    return value if value > 0 else None


def strict_mode():
    """True when an internal error must raise (the test suite) instead of showing in its cell."""
    return os.environ.get("KPI_XL_STRICT") == "1"


class _Deeper(BaseException):
    """Unwinds a chain of on-demand computations that went CELL_DEPTH cells deep.

    A BaseException so that no ``except Exception`` in a function swallows it."""

    def __init__(self, key):
        self.key = key


class _OutOfBudget(BaseException):
    """The workbook ran past its time or memory budget."""


@dataclass
class CalcReport:
    cells: int = 0
    unknown_functions: dict = field(default_factory=dict)   # NAME -> [Sheet!A1, ...]
    unknown_names: dict = field(default_factory=dict)
    circular: list = field(default_factory=list)
    compile_errors: dict = field(default_factory=dict)      # Sheet!A1 -> message
    fallback_failures: dict = field(default_factory=dict)   # NAME -> count
    approximate_functions: dict = field(default_factory=dict)  # NAME -> calls (docs/fallback_functions.md)
    volatile_cells: set = field(default_factory=set)        # (sheet, r, c) depending on TODAY, RAND...
    column_cells: int = 0                                   # of ``cells``, computed by column runs
    engine_bugs: dict = field(default_factory=dict)         # Sheet!A1 -> what went wrong inside
    iterations: int = 0                                     # passes of iterative calculation
    spills: dict = field(default_factory=dict)              # sheet -> {anchor: (old, new area)}
    incomplete: str = ""                                    # why some cells were not computed
    not_computed: list = field(default_factory=list)        # Sheet!A1 of those cells
    beyond_limits: dict = field(default_factory=dict)       # Sheet!A1 -> why it is #NUM!
    limit_errors: dict = field(default_factory=dict)        # of those, Sheet!A1 -> error if not #NUM!
    stopped: dict = field(default_factory=dict)             # Sheet!A1 -> why it is #CALC!


#: "Sheet!A1" as the reports name a cell (engine/a1.py).
cell_name = sheet_cell_name


class Calc:
    """Calculation context of one workbook."""

    def __init__(self, book: BookInput, columns: bool = True, *, strict=None,
                 time_limit=_UNSET, memory_limit_mb=_UNSET, stopped=None):
        """``stopped`` maps the :func:`cell_code` of each cell that held an earlier attempt
        at this workbook past its time limit to why: that cell shows #CALC! uncomputed
        (a run's code: the run is computed cell by cell, to find the cell)."""
        self.book = book
        self.stopped = dict(stopped or {})
        self.strict = strict_mode() if strict is None else strict
        self.time_limit = default_time_limit() \
            if time_limit is _UNSET else time_limit
        self.memory_limit_mb = _env_limit("KPI_XL_MEMORY_LIMIT_MB", DEFAULT_MEMORY_LIMIT_MB) \
            if memory_limit_mb is _UNSET else memory_limit_mb
        self._deadline = None
        self._next_check = 0.0   # monotonic time of the next look at the budget
        self._resident_at_start = 0.0
        self._stop_lock = threading.Lock()
        self._stopping = ""      # why the calculation was stopped, once it is
        self.running = False     # inside run(), where a stop is caught
        self._depth = 0          # cells being computed inside one another right now
        self._ticks = 0          # cells started, for the budget check
        self.lambda_depth = 0
        # Iterative calculation (File › Options › Formulas › Enable iterative calculation):
        # a circular reference reads the value of the previous pass, the first pass
        # starting from the values saved with the file.
        self.iterating = bool(getattr(book, "iterate", False))
        self._previous = {s.name: getattr(s, "cached", None) or {} for s in book.sheets}
        self._cycle_met = False
        self.columns = columns  # compute runs of one formula column together (see .columns)
        self.sheet_names = [s.name for s in book.sheets]
        self._beacon = _beacon
        self._sheet_code = {name: cell_code(i, 0, 0) for i, name in enumerate(self.sheet_names)}
        self._sheet_upper = {s.name.upper(): s.name for s in book.sheets}
        self.const = {s.name: s.values for s in book.sheets}
        self.formulas = {s.name: s.formulas for s in book.sheets}
        self.arrays = {s.name: s.arrays for s in book.sheets}
        self.dynamic = {s.name: getattr(s, "dynamic", set()) for s in book.sheets}
        self.hidden_rows = {s.name: s.hidden_rows for s in book.sheets}
        self.filtered_rows = {s.name: s.filtered_rows for s in book.sheets}
        self.results = {s.name: {} for s in book.sheets}
        self.array_member = {}
        for s in book.sheets:
            members = {}
            for (ar, ac), (r1, c1, r2, c2) in s.arrays.items():
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        members[(r, c)] = (ar, ac)
            self.array_member[s.name] = members
        self.extent = {}
        for s in book.sheets:
            parts = (s.values, s.formulas, self.array_member[s.name])
            self.extent[s.name] = (max(max(map(_FIRST_ROW, p), default=0) for p in parts),
                                   max(max(map(_COLUMN, p), default=0) for p in parts))
        self.names = {}
        for (name, scope), text in book.names.items():
            self.names[(name.upper(), scope)] = text
        self._name_trees = {}
        self.tables = {t.name.upper(): t for t in book.tables}
        self.date1904 = book.date1904
        # precision as displayed: each formula's number rounded as its cell shows it
        self.displayed = getattr(book, "displayed", None)
        self.report = CalcReport()
        self.compiler = Compiler(self)
        self.templates = {}
        self.compiled = {s.name: {} for s in book.sheets}
        self.current_sheet = None
        self._range_cache = {}
        self._whole_cache = {}   # range key -> (its rows read, those rows with the blank rest)
        self._cell = None        # (sheet, r, c) being computed, (sheet, r1, c, r2) for a run
        self._computing = set()
        self.caches = {}  # per-function memo (e.g. sorted ranges for RANK)
        self._unknown_in_compile = []
        self._unknown_by_template = {}
        self.volatile = self.report.volatile_cells
        self._vol_hits = 0
        self._range_volatile = set()
        self._cell_template = {s.name: {} for s in book.sheets}
        self._template_src = {}                        # compiled form -> (text, sheet, row, col)
        self._shared = set()                           # compiled forms kept for other workbooks too
        self._sheets_key = tuple(self.sheet_names)     # what a kept form depends on (shapes.py)
        self._runs = {s.name: {} for s in book.sheets}  # col -> [[r1, r2, f, state, keys], ...]
        self._column_fns = {}
        self._formula_columns = {}
        self.column_cells = 0                           # cells computed by column runs
        # (function, error, sentence) of each KPI function that refused its arguments, when a
        # list is put here (explain.py asks why a cell is an error); None: not collected.
        self.reasons: list | None = None

    # -- structure -----------------------------------------------------------------
    def has_sheet(self, name):
        return name in self.const or (isinstance(name, str) and name.upper() in self._sheet_upper)

    def canonical_sheet(self, name):
        if name in self.const:
            return name
        return self._sheet_upper.get(name.upper())

    def sheet_span(self, first, last):
        a, b = self.canonical_sheet(first), self.canonical_sheet(last)
        if a is None or b is None:
            return None
        i, j = self.sheet_names.index(a), self.sheet_names.index(b)
        if i > j:
            i, j = j, i
        return self.sheet_names[i:j + 1]

    def defined_name(self, key, sheet, current):
        key = key.upper()
        cache_key = (key, sheet, current)
        if cache_key in self._name_trees:
            return self._name_trees[cache_key]
        text = None
        if isinstance(sheet, str) and sheet.startswith("["):
            book, _, rest = sheet[1:].partition("]")   # '[1]My sheet'!Name, quoted
            sheet = ("[ext]", book, rest or None)
        if isinstance(sheet, tuple):
            # A name in another workbook ([1]!Name, [1]Sheet!Name): the link keeps where it
            # points (a cell of that workbook, whose value Excel cached); else #REF!.
            text = self.names.get((key, sheet))
            if text is None and len(sheet) == 3:
                text = self.names.get((key, (sheet[0], sheet[1], None)))
            if text is None:
                tree = CompileError(f"{key} is defined in another workbook", REF)
                self._name_trees[cache_key] = tree
                return tree
            current = None
        else:
            if sheet is not None:
                text = self.names.get((key, self.canonical_sheet(sheet)))
            if text is None and current is not None:
                text = self.names.get((key, current))
            if text is None:
                text = self.names.get((key, None))
        if text is None and key in self.tables:
            t = self.tables[key]
            text = self._table_area(t, "#Data")
        tree = None
        if text is not None:
            try:
                tree = parse(text, current)
                tree = self.resolve_structured(tree, current, 1, 1)
            except (FormulaSyntaxError, CompileError) as exc:
                tree = CompileError(str(exc), NAME)
        self._name_trees[cache_key] = tree
        return tree

    def note_unknown_function(self, name):
        self.report.unknown_functions.setdefault(name, [])
        self._unknown_in_compile.append(name)

    def note_unknown_name(self, name):
        self.report.unknown_names.setdefault(name, [])

    # -- structured references -------------------------------------------------------
    def resolve_structured(self, tree, sheet, row, col):
        from .structured import resolve
        return resolve(self, tree, sheet, row, col)

    def _table_area(self, t, area):
        from .structured import table_area_text
        return table_area_text(t, area)

    # -- values ----------------------------------------------------------------------
    def cell(self, sheet, r, c):
        """The value of one cell, computing it first if it is a formula."""
        res = self.results[sheet]
        v = res.get((r, c), _PENDING)
        if v is not _PENDING:
            if self.volatile and (sheet, r, c) in self.volatile:
                self.taint_volatile()
            return v
        if (r, c) in self.formulas[sheet]:
            return self.evaluate(sheet, r, c)
        anchor = self.array_member[sheet].get((r, c))
        if anchor is not None:
            self.evaluate(sheet, *anchor)
            return res.get((r, c))
        return self.const[sheet].get((r, c))

    def column_values(self, sheet, rows, col):
        """The values of the cells ``(r, col)`` for ``r`` in ``rows``, each what :meth:`cell`
        gives: a column of typed-in data read straight from the sheet, results already
        computed straight from the results, the rest through :meth:`cell`."""
        members = self.array_member[sheet]
        const = self.const[sheet]
        if col not in self.formula_columns(sheet) and not members:
            # a column of typed-in data: nothing there to compute or to spill into
            get = const.get
            return [get((r, col)) for r in rows]
        cell = self.cell
        if self.volatile:
            # cell() notes volatile inputs: the run is then left to the cell-by-cell path
            return [cell(sheet, r, col) for r in rows]
        # no list of keys beside the values: a million rows would hold a million tuples
        get = self.results[sheet].get
        formulas = self.formulas[sheet]
        out = [get((r, col), _PENDING) for r in rows]
        for i, v in enumerate(out):
            if v is _PENDING:
                k = (rows[i], col)
                out[i] = cell(sheet, *k) if k in formulas or k in members else const.get(k)
        return out

    def range_rows(self, ref: Ref):
        """Values of a rectangle as a list of rows (blanks as None), clipped to the used area."""
        key = (ref.sheet, ref.r1, ref.c1, ref.r2, ref.c2)
        hit = self._range_cache.get(key)
        if hit is not None:
            if key in self._range_volatile:
                self.taint_volatile()
            return hit
        hits0 = self._vol_hits
        sheet = ref.sheet
        max_r, max_c = self.extent[sheet]
        r2, c2 = ref.r2, ref.c2
        if (r2 - ref.r1 + 1) * (c2 - ref.c1 + 1) > _CLIP_CELLS or r2 == MAX_ROW or c2 == MAX_COL:
            # Beyond the last used row and column every cell is blank: a large range costs
            # what its used part costs (functions count the blanks cut off from its shape).
            # Each side keeps its first _KEEP_LINES lines, so a range past the used area
            # still has a row and a column, and a narrow table its every column.
            r2 = min(r2, max(max_r, ref.r1 + _KEEP_LINES - 1))
            c2 = min(c2, max(max_c, ref.c1 + _KEEP_LINES - 1))
            if (r2 - ref.r1 + 1) * (c2 - ref.c1 + 1) > MAX_RANGE_CELLS:
                # a sheet used at its far corners: a grid this size would exhaust memory
                raise ExcelRaise(_NUM)
        cell = self.cell
        rows = [[cell(sheet, r, c) for c in range(ref.c1, c2 + 1)] for r in range(ref.r1, r2 + 1)]
        if not rows:
            rows = [[None] * max(1, c2 - ref.c1 + 1)]
        self._range_cache[key] = rows
        if self._vol_hits != hits0:
            self._range_volatile.add(key)
        return rows

    def full_values(self, x):
        """Any argument as a list of rows of its whole shape.  A large range is read only as
        far as its used area (:meth:`range_rows`); here its blank rest is kept as the
        :class:`~.values.Tail` of its rows, so that an element-wise operation (``A:A=""``,
        ``ISBLANK(A:A)``) or an array function (FILTER, SORT) sees every cell Excel sees.
        Columns cut off a range of whole rows are written out (blank), up to
        :data:`MAX_SPREAD_CELLS`."""
        if type(x) is not Ref:
            return self.values(x)
        rows = self.range_rows(x)
        h, w = x.r2 - x.r1 + 1, x.c2 - x.c1 + 1
        if len(rows) == h and len(rows[0]) == w:
            return rows
        key = (x.sheet, x.r1, x.c1, x.r2, x.c2)
        hit = self._whole_cache.get(key)
        if hit is not None and hit[0] is rows:
            return hit[1]
        head = rows
        if len(rows[0]) < w:
            if len(rows) * w > MAX_SPREAD_CELLS:
                self.beyond_limit(f"an operation on each cell of {_ref_text(x)} would write out "
                                  f"{len(rows) * w:,} cells past the used area")
            head = [row + [None] * (w - len(row)) for row in rows]
        whole = Tail(head, h, [None] * w) if len(head) < h else head
        self._whole_cache[key] = (rows, whole)
        return whole

    def beyond_limit(self, why, err=_NUM):
        """Give up the cell being computed as ``err`` (#NUM! unless told) because of ``why``
        (the engine's own limit, not Excel's), which the report keeps beside the cell."""
        where = self._cell
        if where is not None:
            sheet, r, c = where[:3]
            name = cell_name(sheet, r, c)
            if len(where) > 3:   # a run of one column computed together
                name += f":{_a1(where[3], c)}"
            if name not in self.report.beyond_limits:
                self.report.beyond_limits[name] = why
                if err is not _NUM:
                    self.report.limit_errors[name] = err.code
        raise ExcelRaise(err)

    def same_each_time(self, compute):
        """``compute()``'s answer, and whether it called no volatile function (RAND, NOW ...):
        then one answer for the blank row repeated past a range's used area holds for every
        repetition of it (BYROW, MAP)."""
        hits = self._vol_hits
        v = compute()
        return v, self._vol_hits == hits

    def time_left(self):
        """Seconds before the calculation's time budget is spent (None: no budget); a
        function that can run long inside C code bounds its own work with it."""
        return None if self._deadline is None else self._deadline - time.monotonic()

    def taint_volatile(self):
        """The cells being computed depend on a volatile value (TODAY, RAND, ...)."""
        self.volatile.update(self._computing)
        self._vol_hits += 1

    def values(self, x):
        """Any argument as a list of rows of scalars."""
        if isinstance(x, Ref):
            return self.range_rows(x)
        if isinstance(x, Arr):
            return x.rows
        if isinstance(x, MultiRef):
            rows = []
            for ref in x.refs:
                rows.extend(self.range_rows(ref))
            return rows
        return [[x]]

    def scalar(self, x, r=None, c=None):
        """Reduce an argument to one value (implicit intersection for ranges)."""
        if isinstance(x, Ref):
            if x.r1 == x.r2 and x.c1 == x.c2:
                return self.cell(x.sheet, x.r1, x.c1)
            if r is not None:
                if x.c1 == x.c2 and x.r1 <= r <= x.r2:
                    return self.cell(x.sheet, r, x.c1)
                if x.r1 == x.r2 and x.c1 <= c <= x.c2:
                    return self.cell(x.sheet, x.r1, c)
                return VALUE
            return self.cell(x.sheet, x.r1, x.c1)
        if isinstance(x, Arr):
            return x.rows[0][0] if x.rows and x.rows[0] else None
        if isinstance(x, MultiRef):
            return VALUE
        return x

    # -- formulas --------------------------------------------------------------------
    def compiled_for(self, sheet, r, c, text):
        f = self._template(sheet, r, c)
        if f is not None:
            return f
        # an array formula and an ordinary one of the same text are two compiled forms: only
        # the ordinary one intersects a range given where one value is expected
        in_array = (r, c) in self.arrays[sheet]
        if "[" in text:
            key = (sheet, in_array, text, self._table_at(sheet, r, c), relative_key(text, r, c))
            shared_key = None   # structured references: the workbook's tables decide
        else:
            key = (sheet, in_array, relative_key(text, r, c))
            shared_key = (self._sheets_key,) + key
        f = self.templates.get(key)
        if f is None:
            kept = shapes.shared_form(shared_key) if shared_key is not None else None
            if kept is not None:
                # compiled for another workbook with the same sheets (see shapes.py)
                f, source = kept
                self.templates[key] = f
                self._template_src[f] = source
                self._shared.add(f)
            else:
                f = self._compile_template(key, sheet, r, c, text, in_array, shared_key)
        return f

    def _assign_templates(self, sheet):
        """Give every formula cell of ``sheet`` its compiled relative form: as the last
        workbook of the process with the same sheets had them when this sheet's formulas
        are exactly that one's (shapes.Assignment), else in one pass (_assign_anew)."""
        formulas = self.formulas[sheet]
        small = not self.arrays[sheet] and len(formulas) <= shapes.ASSIGNMENT_MAX_FORMULAS
        kept = shapes.kept_assignment(self._sheets_key, sheet, formulas) if small else None
        if kept is not None:
            self._cell_template[sheet].update(kept.assigned)
            self._runs[sheet].update(
                {c: [[r1, r2, f, None, keys] for r1, r2, f, keys in runs]
                 for c, runs in kept.runs.items()})
            self.templates.update(kept.templates)
            self._template_src.update(kept.sources)
            self._shared.update(kept.sources)
            return
        self._assign_anew(sheet)
        if not small:
            return
        # The sheet's forms (every templates key begins with its sheet), among them each
        # form its cells and runs were given.
        templates = {k: f for k, f in self.templates.items() if k[0] == sheet}
        if not all(f in self._shared for f in templates.values()):
            return   # a form of this workbook's own (names, tables, an error): not kept
        assigned = dict(self._cell_template[sheet])
        runs = {c: [(run[0], run[1], run[2], run[4]) for run in col_runs]
                for c, col_runs in self._runs[sheet].items()}
        sources = {f: self._template_src[f] for f in templates.values()}
        shapes.keep_assignment(self._sheets_key, sheet, shapes.Assignment(
            dict(formulas), assigned, runs, templates, sources))

    def _assign_anew(self, sheet):
        """Give every formula cell of ``sheet`` its compiled relative form, in one pass.

        Down each column, the next cell's text is predicted from the last compiled
        one by shifting the row numbers of its relative references; a cell whose
        text is exactly the prediction shares the compiled form (one string format
        and one comparison per cell).  Any other cell takes the slow path of
        compiled_for and becomes the new basis of prediction.  Consecutive cells
        sharing a form make the column's runs, computed together when columns are on.
        """
        formulas = self.formulas[sheet]
        columns = {}
        for key, text in formulas.items():
            if "[" not in text:
                # the formula's own key (kept in its run or in assigned, not a new tuple)
                # and its text, side by side: looking a text up again by its key costs
                # a tuple's hash in a dict of every formula
                col = columns.get(key[1])
                if col is None:
                    col = columns[key[1]] = ([], [])
                col[0].append(key)
                col[1].append(text)
        assigned = self._cell_template[sheet]
        finditer = DIGIT_RUN.finditer
        arrays = self.arrays[sheet]
        for c, (cells, texts) in columns.items():
            cells, texts = _in_row_order(cells, texts)
            runs = []
            run = None
            # the basis of prediction: its row, format, row numbers, form, kind of formula
            r0, fmt, rows, bf, in_array = 0, None, (), None, False
            parts: list = []   # the basis's text between its relative row numbers
            v0, same = 0, 0   # the row numbers when they are all one number v0: how many
            bulk = _BULK_FIRST
            at, n = 0, len(cells)
            while at < n:
                key = cells[at]
                r, text = key[0], texts[at]
                if fmt is not None and not arrays and run is not None and run[2] is bf \
                        and run[1] == r - 1:
                    # The run goes on: the next cells are predicted together and taken
                    # as far as their texts are the predictions, row after row.
                    got = _predicted_prefix(cells, texts, at, bulk, fmt, parts, r0, rows, same)
                    if got:
                        run[1] = cells[at + got - 1][0]
                        run[4].extend(cells[at:at + got])
                        at += got
                        bulk = min(bulk * 2, _BULK_MOST) if got == bulk else _BULK_FIRST
                        continue
                    bulk = _BULK_FIRST
                at += 1
                if fmt is not None:
                    dr = r - r0
                    predicted = fmt % ((v0 + dr,) * same) if same else \
                        fmt % tuple([v + dr for v in rows])
                    if predicted == text and (key in arrays) is in_array:
                        if run is not None and run[1] == r - 1 and run[2] is bf and not in_array:
                            # the cell continues the run (what _extend_run does, inline)
                            run[1] = r
                            run[4].append(key)
                        else:
                            run = self._extend_run(runs, run, key, bf, arrays, assigned)
                        continue
                f = self.compiled_for(sheet, r, c, text)
                run = self._extend_run(runs, run, key, f, arrays, assigned)
                rel = set(relative_row_runs(text, r, c))
                pieces, rows, last = [], [], 0
                for i, m in enumerate(finditer(text)):
                    if i in rel:
                        pieces.append(text[last:m.start()])
                        rows.append(int(m.group()))
                        last = m.end()
                pieces.append(text[last:])
                r0, fmt, bf, in_array = r, "%d".join(p.replace("%", "%%") for p in pieces), f, key in arrays
                parts = pieces
                v0, same = (rows[0], len(rows)) if rows and rows.count(rows[0]) == len(rows) else (0, 0)
            # A cell of a run finds its form through the run (see _template); the others,
            # in runs too short to keep, are looked up one by one.
            kept = []
            for run in runs:
                if run[1] - run[0] + 1 >= MIN_RUN:
                    kept.append(run)
                else:
                    f = run[2]
                    for key in run[4]:
                        assigned[key] = f
            if kept:
                self._runs[sheet][c] = kept

    @staticmethod
    def _extend_run(runs, run, key, f, arrays, assigned):
        """The run cell ``key`` with form ``f`` belongs to: the last one if it continues it,
        else a new one in ``runs``; None for an array formula, which is in no run (its
        form goes into ``assigned``).

        A run is [first row, last row, form, state, keys]: its cells' keys are the
        formula dict's own tuples, the results reuse them rather than build a million."""
        if key in arrays:
            assigned[key] = f
            return None
        r = key[0]
        if run is not None and run[1] == r - 1 and run[2] is f:
            run[1] = r
            run[4].append(key)
            return run
        run = [r, r, f, None, [key]]
        runs.append(run)
        return run

    def _template(self, sheet, r, c):
        """The compiled form given to formula cell (r, c) by _assign_templates, or None."""
        f = self._cell_template[sheet].get((r, c))
        if f is None:
            runs = self._runs[sheet].get(c)
            if runs:
                i = bisect_right(runs, r, key=_FIRST_ROW) - 1
                if i >= 0 and r <= runs[i][1]:
                    f = runs[i][2]
        return f

    # -- column runs -------------------------------------------------------------------
    def _column_fn(self, f):
        """The column closure of a compiled form, with its tree and anchor (None: cell by cell)."""
        entry = self._column_fns.get(f, _PENDING)
        if entry is _PENDING:
            shared = f in self._shared
            entry = shapes.shared_column(f, _PENDING) if shared else _PENDING
            if entry is _PENDING:
                entry = None
                src = self._template_src.get(f)
                self.compiler.bound = False
                if src is not None and f not in self._unknown_by_template:
                    text, sheet, r, c = src
                    prev, self.current_sheet = self.current_sheet, sheet
                    try:
                        g, tree = ColumnCompiler(self).compile(text, sheet, r, c)
                        entry = (g, tree, r, c)
                    except (NotColumnar, FormulaSyntaxError, CompileError):
                        pass
                    finally:
                        self.current_sheet = prev
                if shared and not self.compiler.bound:
                    shapes.keep_column(f, entry)
            self._column_fns[f] = entry
        return entry

    def formula_columns(self, sheet):
        """The columns of ``sheet`` that hold formulas."""
        cols = self._formula_columns.get(sheet)
        if cols is None:
            cols = self._formula_columns[sheet] = {c for _, c in self.formulas[sheet]}
        return cols

    def column_run(self, sheet, c, run):
        """Compute the cells of one run (rows run[0]..run[1] of column c sharing run[2])."""
        self._check_budget()
        run[3] = "busy"
        entry = self._column_fn(run[2])
        if entry is None:
            run[3] = "cells"
            return
        g, tree, arow, acol = entry
        try:
            reads_itself = not self._column_deps(sheet, c, run, tree, arow, acol)
        except (_Deeper, _OutOfBudget):
            run[3] = None
            raise
        if reads_itself:
            # it reads its own cells (a running total, a circular chain): one cell after another
            run[3] = "cells"
            return
        res = self.results[sheet]
        keys = run[4]
        if not res.keys().isdisjoint(keys):
            keys = [k for k in keys if k not in res]
            rows = [k[0] for k in keys]
        else:
            rows = range(run[0], run[1] + 1)   # no list of a million row numbers
        prev_sheet, self.current_sheet = self.current_sheet, sheet
        prev_cell, self._cell = self._cell, (sheet, run[0], c, run[1])
        beacon = self._beacon
        if beacon is not None:
            prev_code, beacon[0] = beacon[0], -(self._sheet_code[sheet] + (run[0] << _COL_BITS) + c)
        hits0 = self._vol_hits
        bad = set()
        try:
            try:
                vals = g(self, rows, c, bad) if rows else []
            except (_Deeper, _OutOfBudget):
                run[3] = None   # taken up again once the chain it waits for is computed
                raise
            if type(vals) is Const:
                vals = [vals.v] * len(rows)
            elif type(vals) is not list:
                vals = list(vals)
            # a reference as the result reads its cell (which may be volatile) here
            if any(type(v) is Ref for v in vals):
                vals = [self.scalar(v, r, c) if type(v) is Ref else v for r, v in zip(rows, vals)]
            if len(vals) != len(rows):
                raise ColumnBug(f"{len(vals)} values for {len(rows)} rows")
        except RecursionError:
            raise
        except Exception:
            # The column path is only a faster way to the same values: if it fails
            # the cells are computed one by one (tests make this an error instead).
            if _columns.STRICT:
                raise
            run[3] = "cells"
            return
        finally:
            self.current_sheet = prev_sheet
            self._cell = prev_cell
            if beacon is not None:
                beacon[0] = prev_code
        if self._vol_hits != hits0:
            # a volatile input: the cell-by-cell path computes and tracks these cells
            run[3] = "cells"
            return
        as_cell = self._as_cell
        if self.displayed is not None:
            # precision as displayed: each value stored as its cell's format shows it
            shown, cell_value = self.displayed.stored, as_cell

            def as_cell(v, r, c, sheet):
                return shown(sheet, (r, c), cell_value(v, r, c, sheet))
        # Straight into the results (no list of pairs beside them), under the formula
        # dict's own keys.
        if bad or not res.keys().isdisjoint(keys):
            # rows computed again cell by cell / already computed on demand meanwhile
            done = 0
            for k, v in [(k, as_cell(v, k[0], c, sheet)) for k, v in zip(keys, vals)]:
                if k[0] not in bad and k not in res:
                    res[k] = v
                    done += 1
        else:
            if self.displayed is None and _plain_cells(vals):
                res.update(zip(keys, vals))   # each value as _as_cell would give it
            else:
                for k, v in zip(keys, vals):
                    res[k] = as_cell(v, k[0], c, sheet)
            done = len(keys)
        self.column_cells += done
        run[3] = "done"

    def _column_deps(self, sheet, c, run, tree, arow, acol):
        """Compute first the runs this run reads, so that they too go column by column.

        False when the run reads cells of its own (then it is no column at all).
        """
        for t in refs_of(tree):
            _, s, r1, c1, r2, c2, (ar1, ac1, ar2, ac2) = t
            s = self.canonical_sheet(s) if isinstance(s, str) else None
            runs = self._runs.get(s) if s is not None else None
            if not runs:
                continue
            top = r1 if ar1 else r1 - arow + run[0]
            bottom = r2 if ar2 else r2 - arow + run[1]
            left = c1 if ac1 else c1 - acol + c
            right = c2 if ac2 else c2 - acol + c
            if s == sheet and left <= c <= right and top <= run[1] and run[0] <= bottom:
                return False
            for col in list(runs):
                if left <= col <= right:
                    for other in runs[col]:
                        if other[3] is None and other[0] <= bottom and top <= other[1]:
                            self.column_run(s, col, other)
        return True

    def _table_at(self, sheet, r, c):
        for t in self.tables.values():
            if t.sheet == sheet and t.r1 <= r <= t.r2 and t.c1 <= c <= t.c2:
                return t.name
        return None

    def _compile_template(self, key, sheet, r, c, text, in_array=False, shared_key=None):
        prev = self.current_sheet
        self.current_sheet = sheet
        self._unknown_in_compile = []
        compiler = self.compiler
        compiler.bound = False
        try:
            f = compiler.compile_form(text, sheet, r, c, in_array)
        except (FormulaSyntaxError, CompileError) as exc:
            err = exc.err if isinstance(exc, CompileError) else NAME
            self.report.compile_errors[cell_name(sheet, r, c)] = str(exc)
            f = (lambda e: (lambda calc, rr, cc: e))(err)
            shared_key = None
        except RecursionError:
            self.report.compile_errors[cell_name(sheet, r, c)] = "nested too deeply to compute"
            f = lambda calc, rr, cc: _NUM
            shared_key = None
        except Exception as exc:
            err = self._fault(sheet, r, c, exc)
            f = (lambda e: (lambda calc, rr, cc: e))(err)
            shared_key = None
        finally:
            self.current_sheet = prev
        self.templates[key] = f
        self._template_src[f] = (text, sheet, r, c)
        if self._unknown_in_compile:
            self._unknown_by_template[f] = list(self._unknown_in_compile)
        elif shared_key is not None and not compiler.bound:
            shapes.keep_form(shared_key, f, (text, sheet, r, c))
            self._shared.add(f)
        return f

    def evaluate(self, sheet, r, c):
        key = (sheet, r, c)
        computing = self._computing
        if key in computing:
            if self.iterating:
                self._cycle_met = True
                v = self._previous[sheet].get((r, c))
                return 0 if v is None else v
            self.report.circular.append(cell_name(sheet, r, c))
            return CALC
        if self._depth >= CELL_DEPTH:
            raise _Deeper(key)
        self._ticks += 1
        if not self._ticks & 1023:
            self._check_budget()
        rc = (r, c)
        f = self._template(sheet, r, c)
        if f is None:
            f = self.compiled_for(sheet, r, c, self.formulas[sheet][rc])
        if self._unknown_by_template and f in self._unknown_by_template:
            for name in self._unknown_by_template[f]:
                self.report.unknown_functions[name].append(cell_name(sheet, r, c))
        in_array = rc in self.arrays[sheet]
        computing.add(key)
        self._depth += 1
        # INDIRECT and kin resolve sheet-less text against the sheet of the formula being computed
        prev_sheet, self.current_sheet = self.current_sheet, sheet
        prev_cell, self._cell = self._cell, key
        beacon = self._beacon
        if beacon is not None:
            prev_code, beacon[0] = beacon[0], self._sheet_code[sheet] + (r << _COL_BITS) + c
        prev_lambda = self.lambda_depth
        try:
            v = f(self, r, c)
            if not in_array and type(v) is Ref:
                # read the referenced cell while this one still counts as being computed
                v = self.scalar(v, r, c)
        except Exception as exc:
            v = self._failed(sheet, r, c, exc)
        finally:
            self._depth -= 1
            self.lambda_depth = prev_lambda
            computing.discard(key)
            self.current_sheet = prev_sheet
            self._cell = prev_cell
            if beacon is not None:
                beacon[0] = prev_code
        if in_array:
            try:
                self._spill(sheet, r, c, self.arrays[sheet][rc], v)
            except Exception as exc:
                self.results[sheet][rc] = self._failed(sheet, r, c, exc)
            return self.results[sheet][rc]
        v = self._as_cell(v, r, c, sheet)
        if self.displayed is not None:
            v = self.displayed.stored(sheet, rc, v)
        self.results[sheet][rc] = v
        return v

    def _failed(self, sheet, r, c, exc):
        """The value of a cell whose computing raised ``exc``: the error an ``ExcelRaise``
        carries, #NUM! for nesting deeper than even RECURSION_LIMIT allows (this cell alone
        gives up), else an engine bug (:meth:`_fault`)."""
        if isinstance(exc, ExcelRaise):
            return exc.err
        if isinstance(exc, RecursionError):
            return _NUM
        return self._fault(sheet, r, c, exc)

    def _fault(self, sheet, r, c, exc):
        """An exception inside the engine while computing one cell: in strict mode (the
        tests) it raises; otherwise the cell shows the error Excel would most likely
        show, and the cell is reported as an engine bug.  The other cells go on."""
        where = cell_name(sheet, r, c)
        text = f"{type(exc).__name__}: {exc}"
        if self.strict:
            raise EngineBug(f"internal error computing {where} "
                            f"(={self.formulas[sheet].get((r, c))}): {text}") from exc
        self.report.engine_bugs[where] = text
        if isinstance(exc, ZeroDivisionError):
            return XlErr("#DIV/0!")
        if isinstance(exc, (OverflowError, MemoryError)) or \
                isinstance(exc, ValueError) and "math domain" in str(exc):
            return _NUM
        return VALUE

    def _over_budget(self):
        """Why the workbook's time or memory budget is spent; None while it is not."""
        if self._deadline is not None and time.monotonic() > self._deadline:
            return (f"the calculation took longer than {self.time_limit:g} s "
                    "(kpi-xl recalc --timeout raises the limit)")
        if self.memory_limit_mb is not None:
            # what the calculation added: a host process may hold much more already
            used = _resident_mb() - self._resident_at_start
            if used > self.memory_limit_mb:
                return (f"the calculation used {used:.0f} MB of memory, more than "
                        f"the limit of {self.memory_limit_mb:g} MB (KPI_XL_MEMORY_LIMIT_MB raises it)")
        return None

    def _claim_stop(self, why):
        """True for the one caller (this thread between cells, or the watchdog of
        :func:`calculate` inside a long function) that gets to stop the calculation."""
        with self._stop_lock:
            if self._stopping or not self.running:
                return False
            self._stopping = why
            return True

    def _check_budget(self):
        # Between cells and before each column run; at most every _CHECK_SECONDS, as
        # reading the process's memory costs a system call or three (the watchdog of
        # calculate looks from outside as well, every _WATCH_SECONDS).
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + _CHECK_SECONDS
        why = self._over_budget()
        if why is not None and self._claim_stop(why):
            raise _OutOfBudget(why)

    def _as_cell(self, v, r, c, sheet=None):
        """What a cell shows for a formula's result: #NUM! for infinities and NaN, one
        value for a reference or an array."""
        t = type(v)
        if t is float:
            if v != v or v == _INF or v == -_INF:
                return _NUM
        elif not (t is int or t is str or t is bool or t is XlErr):
            return self.to_cell_value(v, r, c, sheet)
        return v

    def to_cell_value(self, v, r, c, sheet=None):
        if isinstance(v, (Ref, MultiRef)):
            v = self.scalar(v, r, c)
        elif isinstance(v, Arr):
            v = v.rows[0][0] if v.rows and v.rows[0] else None
        return self._stored(v, sheet, r, c)

    def _stored(self, x, sheet, r, c):
        """One value as a cell holds it: a number, text, a logical or an error.

        A one-cell reference inside an array (INDEX given several row numbers) reads
        its cell; an array inside an array is Excel's #CALC!; anything else that is
        no cell value is an engine bug, shown as #VALUE! in its cell and reported."""
        t = type(x)
        if t is int or t is str or t is bool or t is XlErr:
            return x
        if t is float or isinstance(x, (int, float)) and t is not bool:
            x = float(x)
            return _NUM if x != x or x == _INF or x == -_INF else x
        if x is None:
            return 0
        if isinstance(x, str):
            return str(x)
        if isinstance(x, XlErr):
            return x
        if isinstance(x, Ref):
            if x.r1 == x.r2 and x.c1 == x.c2:
                return self._stored(self.cell(x.sheet, x.r1, x.c1), sheet, r, c)
            return VALUE
        if isinstance(x, (Arr, MultiRef)) or callable(x):
            return CALC
        where = (sheet or self.current_sheet or "?", r, c)
        exc = TypeError(f"a result of type {type(x).__name__} where a cell value belongs")
        if self.strict:
            raise EngineBug(f"internal error computing {cell_name(*where)}: {exc}")
        self.report.engine_bugs.setdefault(cell_name(*where), f"TypeError: {exc}")
        return VALUE

    def _spill(self, sheet, r, c, area, v):
        r1, c1, r2, c2 = area
        res = self.results[sheet]
        if (sheet, r, c) in self.volatile:
            self.volatile.update((sheet, rr, cc) for rr in range(r1, r2 + 1) for cc in range(c1, c2 + 1))
        if isinstance(v, Ref):
            # range_rows clips whole rows/columns to the used area; the cut-off part is blank.
            rows = self.values(v)
            h, w = v.shape
            if len(rows) < h or (rows and len(rows[0]) < w):
                rows = [list(row) + [None] * (w - len(row)) for row in rows]
                rows += [[None] * w for _ in range(h - len(rows))]
        elif isinstance(v, MultiRef):
            rows = self.values(v)
        elif isinstance(v, Arr):
            rows = v.rows
        else:
            rows = [[v]]
        nr, nc = len(rows), len(rows[0]) if rows else 0
        if (r, c) in self.dynamic[sheet]:
            r1, c1, r2, c2 = area = self._respill(sheet, r, c, area, nr, nc)
            if (r2, c2) == (r, c) and (nr, nc) != (1, 1):
                res[(r, c)] = XlErr("#SPILL!")
                return
        for i, rr in enumerate(range(r1, r2 + 1)):
            for j, cc in enumerate(range(c1, c2 + 1)):
                # Excel broadcasts a single row/column across the area; #N/A outside.
                ii = 0 if nr == 1 else i
                jj = 0 if nc == 1 else j
                if ii < nr and jj < nc:
                    x = rows[ii][jj]
                    t = type(x)
                    res[(rr, cc)] = x if t is int or t is str or t is bool or t is XlErr or \
                        t is float and x - x == 0 else self._stored(x, sheet, rr, cc)
                else:
                    res[(rr, cc)] = NA
        if self.displayed is not None:
            stored = self.displayed.stored
            for rr in range(r1, r2 + 1):
                for cc in range(c1, c2 + 1):
                    res[(rr, cc)] = stored(sheet, (rr, cc), res[(rr, cc)])

    def _settle(self, first, thunk):
        """Run ``thunk`` (which computes cell ``first``, or None) to its end without deep recursion.

        A cell computed on demand inside CELL_DEPTH others raises _Deeper with its key
        instead; that cell is then computed from here, at depth 0, and the work that
        needed it is taken up again (finding every computed cell in ``results``).  The
        chain A1=A2+1, A2=A3+1, ... A1048576 is so computed from its far end upwards,
        CELL_DEPTH cells at a time.  Cells waiting on the stack count as being computed,
        so a true cycle through them is still found (and shows #CALC!)."""
        pending = []
        computing = self._computing
        while True:
            try:
                if pending:
                    sheet, r, c = key = pending[-1]
                    computing.discard(key)
                    if (r, c) not in self.results[sheet]:
                        self.evaluate(sheet, r, c)
                    pending.pop()
                    continue
                computing.discard(first)
                thunk()
                return
            except _Deeper as deeper:
                computing.add(pending[-1] if pending else first)
                pending.append(deeper.key)
                computing.add(deeper.key)
            except BaseException:
                for key in pending:
                    computing.discard(key)
                computing.discard(first)
                raise

    def _respill(self, sheet, r, c, area, nr, nc):
        """The area a dynamic array formula at (r, c) spills into now that its result is
        nr × nc: that size when every cell of it is free, else only the anchor (which then
        shows #SPILL!, as in Excel when a non-empty cell or the sheet's edge is in the way).
        Cells of the old area outside the new are emptied; the change goes to the report
        so that the writer rewrites the anchor's ref and the cells."""
        r2, c2 = r + max(nr, 1) - 1, c + max(nc, 1) - 1
        old = area
        blocked = r2 > MAX_ROW or c2 > MAX_COL
        if not blocked and (r2, c2) != (old[2], old[3]):
            const, formulas = self.const[sheet], self.formulas[sheet]
            members = self.array_member[sheet]
            for rr in range(r, r2 + 1):
                for cc in range(c, c2 + 1):
                    if (rr, cc) == (r, c):
                        continue
                    inside_old = old[0] <= rr <= old[2] and old[1] <= cc <= old[3]
                    x = const.get((rr, cc))
                    if (x is not None and x != "" and not inside_old) or \
                            ((rr, cc) in formulas and not inside_old) or \
                            members.get((rr, cc), (r, c)) != (r, c):
                        blocked = True
                        break
                if blocked:
                    break
        new = (r, c, r, c) if blocked else (r, c, r2, c2)
        if new != old:
            members = self.array_member[sheet]
            res = self.results[sheet]
            for rr in range(old[0], old[2] + 1):
                for cc in range(old[1], old[3] + 1):
                    if not (new[0] <= rr <= new[2] and new[1] <= cc <= new[3]):
                        members.pop((rr, cc), None)
                        res.pop((rr, cc), None)
            for rr in range(new[0], new[2] + 1):
                for cc in range(new[1], new[3] + 1):
                    members[(rr, cc)] = (r, c)
            self.arrays[sheet][(r, c)] = new
            max_r, max_c = self.extent[sheet]
            self.extent[sheet] = (max(max_r, new[2]), max(max_c, new[3]))
            first = self.report.spills.setdefault(sheet, {}).get((r, c), (old,))[0]
            self.report.spills[sheet][(r, c)] = (first, new)
        return new

    def run(self):
        """Compute every formula cell; returns {sheet: {(r, c): value}}."""
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, RECURSION_LIMIT))
        dates = date_system(self.date1904)   # every date function works in the book's system
        dates.__enter__()
        # Each garbage-collection pass costs more the deeper the stack it runs under (a
        # formula nested 50,000 deep took seconds of collection alone); far fewer passes.
        old_gc = gc.get_threshold()
        gc.set_threshold(max(old_gc[0], GC_THRESHOLD), *old_gc[1:])
        if self.time_limit is not None:
            self._deadline = time.monotonic() + self.time_limit
        self._resident_at_start = _resident_mb() if self.memory_limit_mb is not None else 0.0
        try:
            self.running = True
            for sheet in self.sheet_names:
                self._assign_templates(sheet)
            self._leave_stopped()
            self._compute_all()
            self.report.iterations = 1
            if self.iterating and self._cycle_met:
                self._iterate()
        except _OutOfBudget as exc:
            with self._stop_lock:
                self.running = False
            self._give_up(self._stopping or str(exc))
        finally:
            dates.__exit__(None, None, None)
            with self._stop_lock:
                self.running = False
            sys.setrecursionlimit(old)
            gc.set_threshold(*old_gc)
        self.report.cells = sum(len(f) for f in self.formulas.values())
        self.report.column_cells = self.column_cells
        return self.results

    def _compute_all(self):
        # Spilling formulas first: a cell their result grows into reads as blank until then.
        for sheet in self.sheet_names:
            res = self.results[sheet]
            for (r, c) in sorted(self.dynamic[sheet]):
                if (r, c) not in res and (r, c) in self.formulas[sheet]:
                    self._settle((sheet, r, c), lambda: self.evaluate(sheet, r, c))
        if self.columns:
            for sheet in self.sheet_names:
                for c, runs in self._runs[sheet].items():
                    for run in runs:
                        while run[3] is None:
                            self._settle(None, lambda: self.column_run(sheet, c, run))
        for sheet in self.sheet_names:
            self.current_sheet = sheet
            res = self.results[sheet]
            evaluate = self.evaluate
            for (r, c) in list(self.formulas[sheet]):
                if (r, c) not in res:
                    self._settle((sheet, r, c), lambda: evaluate(sheet, r, c))

    def _iterate(self):
        """Further passes over the workbook while a circular reference is met, as Excel
        iterates: at most ``iterate_count`` passes in all, ending early once no value
        changed by more than ``iterate_delta`` from the pass before."""
        count = max(1, int(self.book.iterate_count))
        delta = abs(float(self.book.iterate_delta))
        passes = 1
        while passes < count and self._cycle_met:
            prev = {sheet: dict(res) for sheet, res in self.results.items()}
            self._previous = prev
            for res in self.results.values():
                res.clear()
            self._range_cache.clear()
            self._whole_cache.clear()
            self._range_volatile.clear()
            self.caches.clear()
            for runs in self._runs.values():
                for col_runs in runs.values():
                    for run in col_runs:
                        run[3] = None
            self._leave_stopped()
            self._cycle_met = False
            self._compute_all()
            passes += 1
            if _largest_change(prev, self.results) < delta:
                break
        self.report.iterations = passes

    def _give_up(self, why):
        """The budget ran out: every cell not computed yet shows NOT_COMPUTED, and is listed."""
        self.report.incomplete = why
        self._computing.clear()
        self._depth = 0
        for sheet in self.sheet_names:
            res = self.results[sheet]
            for rc in self.formulas[sheet]:
                if rc not in res:
                    self.report.not_computed.append(cell_name(sheet, *rc))
                    self._show(sheet, rc, NOT_COMPUTED)

    def _show(self, sheet, rc, v):
        """Formula cell ``rc`` of ``sheet`` shows ``v`` uncomputed (every cell of an array
        formula's area)."""
        res = self.results[sheet]
        area = self.arrays[sheet].get(rc)
        if area is None:
            res[rc] = v
            return
        r1, c1, r2, c2 = area
        for rr in range(r1, r2 + 1):
            for cc in range(c1, c2 + 1):
                res[(rr, cc)] = v

    def _leave_stopped(self):
        """The cells of ``stopped`` show #CALC! without being computed (and are reported);
        the runs of ``stopped`` go cell by cell."""
        for code, why in self.stopped.items():
            index, r, c, run = code_cell(code)
            if not 0 <= index < len(self.sheet_names):
                continue
            sheet = self.sheet_names[index]
            if run:
                for col_run in self._runs[sheet].get(c, ()):
                    if col_run[0] == r:
                        col_run[3] = "cells"
            elif (r, c) in self.formulas[sheet]:
                self.report.stopped[cell_name(sheet, r, c)] = why
                self._show(sheet, (r, c), CALC)


def _ref_text(ref):
    """Sheet!A1:B2 of a reference, for the report."""
    return f"{sheet_cell_name(ref.sheet, ref.r1, ref.c1)}:{_a1(ref.r2, ref.c2)}"


def _largest_change(before, after):
    """The largest change of a cell's value between two passes (infinite for a change of
    kind, such as a number becoming an error)."""
    largest = 0.0
    for sheet, res in after.items():
        old = before.get(sheet, {})
        for k, v in res.items():
            w = old.get(k)
            if v == w and type(v) is type(w):
                continue
            if type(v) in (int, float) and type(w) in (int, float):
                largest = max(largest, abs(v - w))
            else:
                return _INF
    return largest


def _interrupt(thread, exc_type):
    """Raise ``exc_type`` in ``thread`` at its next Python instruction."""
    import ctypes
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                               ctypes.py_object(exc_type))


def _resident_mb():
    """Memory held by this process now, in MB (Linux /proc; elsewhere the peak so far)."""
    try:
        # os.read rather than open(): a tenth of the cost, as this runs at every check
        fd = os.open("/proc/self/statm", os.O_RDONLY)
        try:
            data = os.read(fd, 512)
        finally:
            os.close(fd)
        return int(data.split()[1]) * _page_mb()
    except (OSError, ValueError, IndexError, AttributeError):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_PAGE_MB: list = []


def _page_mb():
    if not _PAGE_MB:
        _PAGE_MB.append(os.sysconf("SC_PAGE_SIZE") / 1048576)
    return _PAGE_MB[0]


def calculate(book: BookInput, columns: bool = True, **limits):
    """Recalculate ``book``; returns (results, report).  Runs in a thread with a deep stack.

    ``columns=False`` computes every cell on its own (the reference the column
    runs are tested against).  ``limits`` are Calc's keyword arguments: ``strict``,
    ``time_limit`` (seconds), ``memory_limit_mb`` and ``stopped``.
    """
    calc = Calc(book, columns=columns, **limits)
    out = {}

    def work():
        try:
            out["results"] = calc.run()
        except _OutOfBudget:
            # the watchdog's stop arrived just after the last cell: nothing is missing
            out["results"] = calc.results
        except BaseException as exc:  # re-raised in the caller's thread
            out["error"] = exc

    _one_malloc_arena()
    threading.stack_size(512 * 1024 * 1024)
    try:
        t = threading.Thread(target=work, name="kpi-xl-calc")
        t.start()
        # The calculation checks its budget between cells; one function running away
        # inside a single cell (a 100,000 × 100,000 SEQUENCE) is stopped from here.
        while t.is_alive():
            t.join(_WATCH_SECONDS)
            if t.is_alive() and calc.running:
                why = calc._over_budget()
                if why is not None and calc._claim_stop(why):
                    _interrupt(t, _OutOfBudget)
    finally:
        threading.stack_size(0)
        if _beacon is not None:
            _beacon[0] = 0
    if _address_space_capped():
        _release_stack(t)
    if "error" in out:
        raise out["error"]
    return out["results"], calc.report


_M_ARENA_MAX = -8   # glibc's mallopt parameter


def _one_malloc_arena():
    """Have every thread allocate from glibc's one main arena.

    The calculation thread would otherwise get an arena of its own: 64 MB of address
    space or more reserved beside the main heap and hardly used, since the interpreter
    lock lets one thread allocate at a time anyway.  Without glibc (or mallopt) nothing
    changes.
    """
    global _ARENA_SET
    if _ARENA_SET or not sys.platform.startswith("linux"):
        return
    _ARENA_SET = True
    try:
        import ctypes
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt(_M_ARENA_MAX, 1)


_ARENA_SET = False


#: _assign_templates predicts this many cells of a run together at first, twice as many
#: after each stretch wholly predicted, up to _BULK_MOST.
_BULK_FIRST, _BULK_MOST = 16, 4096


def _predicted_prefix(cells, texts, i, most, fmt, parts, r0, rows, same):
    """How many of ``cells[i:i + most]`` (keys of one column in row order, ``texts`` their
    formulas) lie in the rows after one another from ``cells[i]`` on and hold exactly
    the text predicted for their row from the basis at row ``r0`` (``fmt`` with the
    basis's relative ``rows`` shifted; ``parts``, its text between them, when they are
    all one row number, ``same`` of them): what _assign_templates checks one cell at a
    time, over a whole stretch in list operations."""
    chunk = cells[i:i + most]
    top = chunk[0][0]
    if chunk[-1][0] - top != len(chunk) - 1:
        # rows are increasing: row - top > position from the first gap on
        k = bisect_right(range(len(chunk)), False, key=lambda j: chunk[j][0] - top > j)
        chunk = chunk[:k]
    n = len(chunk)
    given = texts[i:i + n]
    shift = top - r0
    if same:
        first = rows[0] + shift
        predicted = [row.join(parts) for row in map(str, range(first, first + n))]
    else:
        predicted = [fmt % tuple([v + shift + j for v in rows]) for j in range(n)]
    if predicted == given:
        return n
    for j, (p, t) in enumerate(zip(predicted, given)):
        if p != t:
            return j
    return n


_CELL_TYPES = frozenset((float, int, str, bool, XlErr))
_NUMBER_TYPES = frozenset((float, int, bool))


def _plain_cells(vals) -> bool:
    """Whether every one of ``vals`` is already a cell's value, as _as_cell would leave it:
    a finite number, a text, a logical or an error.  Their sum is finite only when no
    number is an infinity or NaN (a sum overflowing says no too, and they take the long way)."""
    types = set(map(type, vals))
    if not types <= _CELL_TYPES:
        return False
    if float not in types:
        return True
    try:
        total = sum(vals if types <= _NUMBER_TYPES else [v for v in vals if type(v) is float])
    except OverflowError:   # an int too large for a float beside floats
        return False
    return total - total == 0.0


def _in_row_order(cells, texts):
    """A column's formula keys and texts sorted by row (they usually come so)."""
    rows = [k[0] for k in cells]
    if rows == sorted(rows):
        return cells, texts
    order = sorted(range(len(rows)), key=rows.__getitem__)
    return [cells[j] for j in order], [texts[j] for j in order]


def _address_space_capped() -> bool:
    """Whether this process runs under an address-space cap (``ulimit -v``).

    Without one, a finished calculation thread's stack costs nothing but address space:
    glibc keeps it and hands it to the next calculation thread, as when a batch goes
    from one workbook to the next.  Unmapping it (_release_stack) takes a thread of its
    own and a wait for both to be gone, about 0.2 ms of CPU and more of wall time per
    workbook: worth it only where the mapping counts against a limit.
    """
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError, AttributeError):
        return True
    return soft != resource.RLIM_INFINITY


def _release_stack(thread):
    """Unmap the finished calculation ``thread``'s stack.

    Its 512 MB would otherwise stay mapped (glibc keeps the stack of a finished thread
    for reuse until a thread ends after it), counting against an address-space cap while
    the results are written.  A short thread started with the default stack size does
    not reuse one that large, and frees the stacks of finished threads as it ends.
    ``join()`` returns a moment before a thread is gone, so that is waited for, each
    time (Linux lists a live thread under /proc/self/task).
    """
    _wait_gone(thread)
    t = threading.Thread(target=int, name="kpi-xl-release")
    try:
        t.start()
    except RuntimeError:   # no thread to spare: the stack is freed by the next one instead
        return
    t.join()
    _wait_gone(t)


def _wait_gone(thread, seconds=1.0):
    task = f"/proc/self/task/{thread.native_id}"
    end = time.monotonic() + seconds
    while os.path.exists(task) and time.monotonic() < end:
        time.sleep(0.001)
