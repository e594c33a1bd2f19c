"""Formula trees shared by every workbook one process recalculates.

A batch of workbooks filled from one template holds the same formula texts at the
same cells: 100 shop files of 50 agents have 16 relative forms in all, the same 16
in every file.  Each file compiled them again, and parsed each text twice (once for
its cell-by-cell closure, once for its column run).  A formula's tree depends on its
text and the sheet it is on, nothing else of the workbook, and trees are never
changed once built, so one process keeps the trees it has made and hands the same
tree out again.

Compiled forms are kept too.  A compiled closure takes the calculation context when
it runs (``f(calc, row, col)``, ``g(calc, rows, col, bad)``), so what it depends on is
what its compiling asked of the workbook: which sheets there are (a reference to a
missing sheet compiles to #REF!, a 3-D reference to the sheets between two), and for
some forms the defined names, tables, external links or the function table's misses.
A form of the first kind is kept under its relative form, sheet, kind of formula and
the workbook's sheet names, for every workbook of the process that has the same
sheets; one of the second kind (``Compiler.bound``) stays with its own workbook.
"""
from __future__ import annotations

from .call_plan import call_plan
from .parser import parse

#: Trees kept at most; past it the memo starts again (a workbook of many distinct
#: formulas must not make the process hold every tree it ever parsed).
MAX_TREES = 4096

_trees: dict = {}
_plans: dict = {}
_forms: dict = {}     # (sheet names, sheet, in_array, relative key) -> (f, (text, sheet, r, c))
_columns: dict = {}   # f of _forms -> its column entry (g, tree, r, c), or None: cell by cell
_assignments: dict = {}   # (sheet names, sheet) -> Assignment

#: Sheets of at most this many formulas have their assignment kept (see kept_assignment);
#: a bigger sheet's own work dwarfs the assignment, and its copy would cost memory.
ASSIGNMENT_MAX_FORMULAS = 20_000
#: Formulas of all the kept assignments together at most (a batch of varied workbooks must
#: not make the process hold a copy of each: about 200 bytes a formula).
ASSIGNMENTS_MAX_TOTAL = 100_000


def parse_shared(text: str, default_sheet=None):
    """``parser.parse(text, default_sheet)``, the same tree object for the same arguments.

    The caller must not change the tree (no compiler does: trees are read, and new
    ones built where a part is replaced).  A text that does not parse raises
    :class:`~.parser.FormulaSyntaxError` every time; it is not kept.
    """
    key = (text, default_sheet)
    tree = _trees.get(key)
    if tree is None:
        tree = parse(text, default_sheet)
        if len(_trees) >= MAX_TREES:
            _trees.clear()
        _trees[key] = tree
    return tree


def plan_shared(impl, arg_trees):
    """``call_plan(impl, arg_trees)``, made once per call site of a kept tree.

    A plan depends on the function's rules and the shapes of its argument trees only,
    so the call sites of a tree handed out by :func:`parse_shared` keep theirs for the
    next workbook.  Kept by identity, with the trees themselves, so an identity is
    never taken by another tree while its plan is kept.
    """
    key = (id(impl), id(arg_trees))
    hit = _plans.get(key)
    if hit is not None and hit[0] is impl and hit[1] is arg_trees:
        return hit[2]
    plan = call_plan(impl, arg_trees)
    if len(_plans) >= MAX_TREES * 8:
        _plans.clear()
    _plans[key] = (impl, arg_trees, plan)
    return plan


def shared_form(key):
    """The compiled form kept under ``key`` and where it was compiled, ``(f, (text, sheet,
    row, col))``; None when there is none.  ``key`` is ``(sheet names, sheet, in_array,
    relative key)``."""
    return _forms.get(key)


def keep_form(key, f, source) -> None:
    """Keep compiled form ``f`` (which depends on the workbook through its sheet names
    only) under ``key``, compiled from ``source`` = (text, sheet, row, col)."""
    if len(_forms) >= MAX_TREES:
        _forms.clear()
        _columns.clear()
    _forms[key] = (f, source)


def shared_column(f, default=None):
    """The column entry kept for kept form ``f``, else ``default``."""
    return _columns.get(f, default)


def keep_column(f, entry) -> None:
    """Keep the column entry of kept form ``f`` (its column closure, tree and anchor, or
    None where it is computed cell by cell)."""
    _columns[f] = entry


class Assignment:
    """Which compiled form each formula cell of a sheet has (``Calc._assign_templates``),
    kept for the next workbook whose sheet has exactly the same formulas: what a batch of
    shop files filled from one template has.

    Kept only when every form is a kept form (depends on the sheet names alone) and the
    sheet has no array formula; then the assignment depends on the sheet's formula texts
    and cells and on the workbook's sheet names, nothing else.
    """

    __slots__ = ("formulas", "assigned", "runs", "templates", "sources")

    def __init__(self, formulas, assigned, runs, templates, sources):
        self.formulas = formulas      # {(r, c): text}, a copy
        self.assigned = assigned      # {(r, c): f} of cells in no run
        self.runs = runs              # {c: [(first row, last row, f, keys), ...]}
        self.templates = templates    # {Calc.templates key: f}
        self.sources = sources        # {f: (text, sheet, r, c)}


def kept_assignment(sheets_key, sheet, formulas):
    """The assignment kept for ``sheet`` of a workbook with sheets ``sheets_key`` when
    its formulas are exactly ``formulas``; else None."""
    kept = _assignments.get((sheets_key, sheet))
    if kept is not None and len(kept.formulas) == len(formulas) and kept.formulas == formulas:
        return kept
    return None


def keep_assignment(sheets_key, sheet, assignment: Assignment) -> None:
    key = (sheets_key, sheet)
    _assignments.pop(key, None)
    held = sum(len(a.formulas) for a in _assignments.values())
    if held + len(assignment.formulas) > ASSIGNMENTS_MAX_TOTAL:
        _assignments.clear()
    _assignments[key] = assignment


def clear() -> None:
    """Forget every kept tree, plan, compiled form and assignment."""
    _trees.clear()
    _plans.clear()
    _forms.clear()
    _columns.clear()
    _assignments.clear()
