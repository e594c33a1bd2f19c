"""How one call of an Excel function is compiled: the rules of :class:`~.functions.Impl`
turned into decisions about one call site, read by both evaluation paths.

The cell path (:mod:`.compiler`) and the column path (:mod:`.columns`) ask :func:`call_plan`
and do what it says; neither decides a rule of its own, so a rule is written once here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:   # the function table loads its modules on import; the plan needs none
    from .functions import Impl

#: What a call of IF, IFERROR or IFNA does with the value of its first argument.
BRANCHES = ("if", "iferror", "ifna")


@dataclass(frozen=True)
class CallPlan:
    impl: "Impl"
    arity_ok: bool               # False: the call is a constant #VALUE!
    keep_range: tuple            # per argument: compiled where a range stays a range
    intersect: tuple             # per argument: a range then meets implicit intersection
    read_cell_value: tuple       # per argument: the column path may read a one-cell reference
    #                              as its cell's value (the column implementation wants values)
    lazy: bool                   # arguments arrive as thunks
    branch: Optional[str]        # "if", "iferror", "ifna": the direct-branch helpers apply
    column: Optional[Callable]   # the column implementation, if any
    wants_cell: bool             # receives the formula cell's (row, col)
    columnar: bool               # the column path computes the call itself; otherwise (lazy
    #                              functions but the direct branches) it runs the cell path's
    #                              closure row by row


def call_plan(impl: "Impl", arg_trees) -> CallPlan:
    """The plan of a call of ``impl`` with these argument trees (parser nodes)."""
    n = len(arg_trees)
    classes = [impl.args.of(i) for i in range(n)]
    arity_ok = not (impl.min_args is not None and n < impl.min_args or
                    impl.max_args is not None and n > impl.max_args)
    keep_range = tuple(_keeps_range(k, t) for k, t in zip(classes, arg_trees))
    intersect = tuple(k in ("v", "i") for k in classes)
    column = impl.column
    read_cell_value = tuple(column is not None and k == "i" and _one_cell(t)
                            for k, t in zip(classes, arg_trees))
    branch = impl.branch if impl.branch in BRANCHES else None
    if branch == "if" and n not in (2, 3):
        branch = None   # IF(cond) alone: the general IF decides
    return CallPlan(impl, arity_ok, keep_range, intersect, read_cell_value, impl.lazy, branch,
                    column, impl.wants_cell, columnar=not impl.lazy or branch is not None)


def _keeps_range(k, t):
    """Whether argument tree ``t`` of class ``k`` is compiled where a range stays a range."""
    if k == "r":
        # Excel's reference class: a reference stays one; an operator there computes values
        # in the caller's context (its ranges intersect in a formula that is not an array formula)
        return not (t[0] == "un" or t[0] == "bin" and t[1] not in (":", " "))
    return k in ("a", "i", "ra")


def _one_cell(t):
    return t[0] == "ref" and t[2] == t[4] and t[3] == t[5] and isinstance(t[1], str)


def blank_as_zero(x):
    """What IF, IFERROR and IFNA give for a branch that is a blank cell: 0."""
    return 0 if x is None else x


__all__ = ["BRANCHES", "CallPlan", "blank_as_zero", "call_plan"]
