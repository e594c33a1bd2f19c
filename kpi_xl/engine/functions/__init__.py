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

from dataclasses import dataclass
from typing import Callable, Optional

from ..values import MAX_NUMBER, NUM, REF, Arr, ExcelRaise, checked


@dataclass
class Impl:
    fn: Callable
    min_args: Optional[int] = None
    max_args: Optional[int] = None
    lazy: bool = False        # receives thunks instead of values (IF, IFERROR, ...)
    wants_cell: bool = False  # receives the formula cell's (row, col) after calc
    source: str = "engine"


FUNCTIONS: dict[str, Impl] = {}


def excel(*names, min_args=None, max_args=None, lazy=False, wants_cell=False):
    """Register an implementation under one or more Excel names.

    Every result is held to Excel's limits on the way out (see :func:`limited`), so no
    implementation can hand an infinity, a 400-digit integer or a 40,000-character text to
    the formula around it."""
    def deco(fn):
        # A lazy function returns what its branches gave, and lookups, logical and
        # information functions pass on or judge values that are already within the limits:
        # they are spared the check (the column path calls them once per row).
        if not lazy and not fn.__module__.endswith(_PASS_ON_MODULES):
            fn = limited(fn)
        for n in names:
            FUNCTIONS[n] = Impl(fn, min_args, max_args, lazy, wants_cell)
        return fn
    return deco


_PASS_ON_MODULES = (".lookup", ".logic", ".info")
_MAX = MAX_NUMBER
_EXACT = 2 ** 53


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
    limited_fn.__dict__.update(fn.__dict__)   # scalar_args, intersect_arg, column
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
    column = fn.__dict__.get("column")
    if column is not None:
        def column_checked(calc, vals, n):
            # a #REF! operand is the same on every row (a constant column)
            for i, a in enumerate(vals):
                if getattr(a, "v", None) is REF and is_reference(i):
                    return [REF] * n
            return column(calc, vals, n)
        ref_checked.column = column_checked
    return ref_checked


def _guard_reference_args():
    for name, is_reference in REFERENCE_ARGS.items():
        impl = FUNCTIONS.get(name)
        if impl is not None and not impl.lazy and not impl.wants_cell \
                and not getattr(impl.fn, "_ref_checked", False):
            impl.fn = _ref_error_passes(impl.fn, is_reference)
            impl.fn._ref_checked = True


_guard_reference_args()
