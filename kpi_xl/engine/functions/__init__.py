"""The engine's function table: Excel name → implementation.

Three sources, in order of precedence:

1. the KPI registry (:mod:`kpi_xl.registry`), adapted by :mod:`.kpi`;
2. the engine's own implementations (this package), written for speed on the
   functions KPI workbooks live on and to correct where ``formulas`` differs
   from Excel;
3. the ``formulas`` library's function table, adapted by :mod:`.fallback`, for
   the long tail.
"""
from __future__ import annotations

import dataclasses

from dataclasses import dataclass
from typing import Callable, Optional

from ..values import MAX_NUMBER, NUM, REF, Arr, ExcelRaise, checked


#: The classes of argument a function declares in ``excel(args=...)``, one letter each:
#:
#: ``a``  array (the default): compiled where a range stays a range (SUM, INDEX, SUMPRODUCT);
#: ``v``  one value: compiled in the caller's context, then a multi-cell range meets implicit
#:        intersection outside an array formula (ABS, LEFT, TEXT: every ``elementwise`` function);
#: ``i``  one value among ranges: compiled like its range neighbours, then intersected the same
#:        way (VLOOKUP's lookup value, SUMIF's criterion, a KPI function's scalar argument);
#: ``*``  the caller's context passes through untouched (IF, CHOOSE, IFERROR branches).
ARG_CLASSES = frozenset("avi*")


@dataclass(frozen=True)
class ArgSpec:
    """An ``args`` declaration parsed: the classes of the leading arguments (``[x]`` marks
    the optional ones) and of a group that repeats after them (``x+`` or ``(x y)+``)."""

    text: str
    fixed: tuple = ()
    required: int = 0          # how many of ``fixed`` are not optional
    repeat: tuple = ()

    @classmethod
    def parse(cls, text):
        fixed, repeat, required, seen_optional = [], (), 0, False
        tokens = text.split()
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.startswith("("):
                group = [tok[1:]]
                while not tokens[i].endswith(")+"):
                    i += 1
                    if i == len(tokens):
                        raise ValueError(f"args {text!r}: a group opened is not closed by ')+'")
                    group.append(tokens[i])
                group[-1] = group[-1][:-2]
                repeat = tuple(group)
                if i != len(tokens) - 1:
                    raise ValueError(f"args {text!r}: a repeating group ends the list")
            elif tok.endswith("+"):
                repeat = (tok[:-1],)
                if i != len(tokens) - 1:
                    raise ValueError(f"args {text!r}: a repeating argument ends the list")
            elif tok.startswith("[") and tok.endswith("]"):
                seen_optional = True
                fixed.append(tok[1:-1])
            else:
                if seen_optional:
                    raise ValueError(f"args {text!r}: a required argument after an optional one")
                fixed.append(tok)
                required += 1
            i += 1
        if not set(fixed) | set(repeat) <= ARG_CLASSES or "" in fixed:
            raise ValueError(f"args {text!r}: classes are {' '.join(sorted(ARG_CLASSES))}")
        return cls(text, tuple(fixed), required, repeat)

    def of(self, i):
        """The class of argument ``i`` (0-based)."""
        if i < len(self.fixed):
            return self.fixed[i]
        if self.repeat:
            return self.repeat[(i - len(self.fixed)) % len(self.repeat)]
        return "a"   # past the end: the call is refused for its arity anyway


#: Any number of arrays: what a function declaring nothing gets.
ALL_ARRAYS = ArgSpec("a*", (), 0, ("a",))
#: Any number of single values: what a function built by ``elementwise`` gets.
ALL_VALUES = ArgSpec("v*", (), 0, ("v",))


@dataclass(frozen=True)
class Impl:
    """One Excel function and every rule of calling it; :func:`..call_plan.call_plan` reads
    these for both evaluation paths, which read nothing else."""

    fn: Callable
    min_args: Optional[int] = None
    max_args: Optional[int] = None
    lazy: bool = False        # receives thunks instead of values (IF, IFERROR, ...)
    wants_cell: bool = False  # receives the formula cell's (row, col) after calc
    source: str = "engine"
    args: ArgSpec = ALL_ARRAYS  # the class of each argument (see ARG_CLASSES)
    # A column implementation ``column(calc, arg_columns, n)``: a list of n results, GENERIC
    # where it leaves the row to ``fn``, or None to leave them all (see ..columns).
    column: Optional[Callable] = None
    # "if", "iferror", "ifna": TRUE/FALSE (an error) takes its branch directly, a blank
    # result of that branch being 0; both evaluation paths share the helper.
    branch: Optional[str] = None


FUNCTIONS: dict[str, Impl] = {}
_VALUE_ARGS: set = set()


def value_arguments(fn):
    """Declare that every argument of ``fn`` is one value (class ``v``): for the helpers that
    build such functions (``helpers.elementwise``), so the functions they build need not
    say it again at each registration."""
    _VALUE_ARGS.add(fn)
    return fn


def excel(*names, min_args=None, max_args=None, lazy=False, wants_cell=False, args=None,
          column=None, branch=None):
    """Register an implementation under one or more Excel names, with every rule of calling it.

    ``args`` gives each argument's class (see :data:`ARG_CLASSES`), ``"v v"`` or ``"a (a i)+"``;
    ``column`` a column implementation; ``branch`` the direct-branch rule of IF, IFERROR, IFNA.

    Every call is guarded: an ``ExcelRaise`` inside the implementation is its result, the
    error it carries, so an implementation only raises (see :func:`guarded`).  Every result is
    held to Excel's limits on the way out (see :func:`limited`), so no implementation can hand
    an infinity, a 400-digit integer or a 40,000-character text to the formula around it."""
    if branch not in (None, "if", "iferror", "ifna"):
        raise ValueError(f"branch {branch!r}: the direct branches are if, iferror, ifna")

    def deco(fn):
        spec = ArgSpec.parse(args) if args is not None else \
            ALL_VALUES if fn in _VALUE_ARGS else ALL_ARRAYS
        # A lazy function returns what its branches gave, and lookups, logical and
        # information functions pass on or judge values that are already within the limits:
        # they are spared the check (the column path calls them once per row), not the guard.
        # A lazy function is not guarded: what its thunks raise is its arguments' failure,
        # which it handles itself (IF's condition) or leaves to the cell.
        if not lazy:
            fn = guarded(fn) if fn.__module__.endswith(_PASS_ON_MODULES) else limited(fn)
        for n in names:
            FUNCTIONS[n] = Impl(fn, min_args, max_args, lazy, wants_cell, args=spec,
                                column=column, branch=branch)
        return fn
    return deco


_PASS_ON_MODULES = (".lookup", ".logic", ".info")
_MAX = MAX_NUMBER
_EXACT = 2 ** 53


def guarded(fn):
    """``fn`` with an ``ExcelRaise`` inside it returned as its error value: the error guard
    every function that is not lazy gets (:func:`limited` includes it)."""
    def guarded_fn(*args):
        try:
            return fn(*args)
        except ExcelRaise as exc:
            return exc.err
    guarded_fn.__name__ = fn.__name__
    guarded_fn.__qualname__ = getattr(fn, "__qualname__", fn.__name__)
    guarded_fn.__doc__ = fn.__doc__
    guarded_fn.__wrapped__ = fn
    return guarded_fn


def limited(fn):
    """``fn`` with its results passed through :func:`~..values.checked`; an arithmetic
    overflow inside it is Excel's #NUM! (EXP(1000), 1E308*1E308 in a sum)."""
    def limited_fn(*args):
        try:
            v = fn(*args)
        except ExcelRaise as exc:
            return exc.err
        except OverflowError:
            return NUM
        t = type(v)
        # the common answers decided here, without a further call
        if t is float:
            return v if -_MAX <= v <= _MAX else NUM
        if t is int:
            return v if -_EXACT <= v <= _EXACT else checked(v)
        if t is str:
            return v if len(v) <= 16383 else checked(v)
        if t is Arr:
            return checked(v)
        return v
    limited_fn.__name__ = fn.__name__
    limited_fn.__qualname__ = getattr(fn, "__qualname__", fn.__name__)
    limited_fn.__doc__ = fn.__doc__
    limited_fn.__wrapped__ = fn
    return limited_fn


def find_function(name):
    """The implementation of ``name``, reaching for the ``formulas`` library only on a miss
    (importing it costs seconds, which most KPI workbooks never need to pay)."""
    impl = FUNCTIONS.get(name)
    if impl is None and name not in _MISSING:
        from .fallback import library_function
        impl = library_function(name)
        if impl is None:
            _MISSING.add(name)
        else:
            FUNCTIONS[name] = impl
    return impl


_MISSING: set = set()


def _load():
    from . import operators, logic, mathstat, lookup, text, dates, info, dynamic, engineering, multiples, database, complexnum, financial, bonds, bessel, regression  # noqa: F401
    from . import kpi  # noqa: F401
    from . import groupby  # noqa: F401
    from .. import pivot  # noqa: F401


_load()


# -- a #REF! where a function takes a reference ------------------------------------------
#
# A deleted reference (`#REF!`, `Sheet!#REF!`, `#REF!:#REF!`) reaches a function as the error
# value #REF!. Where the function takes that argument as a reference (a range to search,
# count or aggregate), Excel cannot read the range and its answer is the #REF! it was
# given, whatever the function would make of a value there (SUMIF(#REF!,">0") is #REF!, not
# the #VALUE! of a value where a range belongs). The positions are those Excel's function
# table gives the reference type. COUNTA takes values as well as references and counts a
# #REF! typed among them (COUNTA(2,"A","",#REF!,#DIV/0!) is 5 in Excel's cached values).

def _at(*positions):
    return frozenset(positions).__contains__


def _ifs_ranges(i):      # SUMIFS(target, range1, crit1, range2, crit2, ...)
    return i == 0 or i % 2 == 1


def _countifs_ranges(i):  # COUNTIFS(range1, crit1, range2, crit2, ...)
    return i % 2 == 0


def _after(n):
    return n.__le__


REFERENCE_ARGS = {
    "SUMIF": _at(0, 2), "COUNTIF": _at(0), "AVERAGEIF": _at(0, 2),
    "SUMIFS": _ifs_ranges, "AVERAGEIFS": _ifs_ranges, "MAXIFS": _ifs_ranges,
    "MINIFS": _ifs_ranges, "COUNTIFS": _countifs_ranges,
    "INDEX": _at(0), "MATCH": _at(1), "XMATCH": _at(1), "VLOOKUP": _at(1), "HLOOKUP": _at(1),
    "LOOKUP": _at(1, 2), "XLOOKUP": _at(1, 2),
    "SUBTOTAL": _after(1), "AGGREGATE": _after(2), "COUNTBLANK": _at(0),
}


def _ref_error_passes(fn, is_reference):
    def ref_checked(calc, *args):
        for i, a in enumerate(args):
            if a is REF and is_reference(i):
                return REF
        return fn(calc, *args)

    ref_checked.__name__ = fn.__name__
    ref_checked.__qualname__ = getattr(fn, "__qualname__", fn.__name__)
    ref_checked.__doc__ = fn.__doc__
    ref_checked.__dict__.update(fn.__dict__)
    ref_checked.__wrapped__ = fn
    ref_checked._ref_checked = True
    return ref_checked


def _ref_error_column(column, is_reference):
    def column_checked(calc, vals, n):
        # a #REF! operand is the same on every row (a constant column)
        for i, a in enumerate(vals):
            if getattr(a, "v", None) is REF and is_reference(i):
                return [REF] * n
        return column(calc, vals, n)
    return column_checked


def _guard_reference_args():
    for name, is_reference in REFERENCE_ARGS.items():
        impl = FUNCTIONS.get(name)
        if impl is not None and not impl.lazy and not impl.wants_cell \
                and not getattr(impl.fn, "_ref_checked", False):
            FUNCTIONS[name] = dataclasses.replace(
                impl, fn=_ref_error_passes(impl.fn, is_reference),
                column=impl.column and _ref_error_column(impl.column, is_reference))


_guard_reference_args()
