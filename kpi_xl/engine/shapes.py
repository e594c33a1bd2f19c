"""Formula trees shared by every workbook one process recalculates.

A batch of workbooks filled from one template holds the same formula texts at the
same cells: 100 shop files of 50 agents have 16 relative forms in all, the same 16
in every file.  Each file compiled them again, and parsed each text twice (once for
its cell-by-cell closure, once for its column run).  A formula's tree depends on its
text and the sheet it is on, nothing else of the workbook, and trees are never
changed once built, so one process keeps the trees it has made and hands the same
tree out again.  What depends on the workbook (sheet names, defined names, tables)
is decided after parsing, per workbook, as before.
"""
from __future__ import annotations

from .call_plan import call_plan
from .parser import parse

#: Trees kept at most; past it the memo starts again (a workbook of many distinct
#: formulas must not make the process hold every tree it ever parsed).
MAX_TREES = 4096

_trees: dict = {}
_plans: dict = {}


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


def clear() -> None:
    """Forget every kept tree and plan."""
    _trees.clear()
    _plans.clear()
