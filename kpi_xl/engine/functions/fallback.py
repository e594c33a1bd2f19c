"""The ``formulas`` library's function table for the functions the engine does not
implement itself (financial, engineering, trigonometry, rarer text and statistics).

Arguments are converted to the library's conventions (object arrays, its empty
marker and error type) and results back.  The library turns any exception inside
its functions into ``#VALUE!``; such cells are counted in the report so that a
difference from Excel can be traced.
"""
from __future__ import annotations

import numpy as np
import schedula as sh
from formulas.functions import get_functions
from formulas.tokens.operand import Error, XlError

from ..values import VALUE, Arr, ExcelRaise, MultiRef, Ref, Tail, XlErr, to_number
from . import ALL_ARRAYS, ALL_VALUES, Impl, limited
from .helpers import first_rows

_SKIP_PREFIX = ("_XLFN.", "_XLWS.")


#: Functions of the library whose result has its arguments' shape, or that read each of
#: their cells in turn: a large range reaches them whole, its blank rest past the used area
#: too (TOCOL(A:A) has a million rows, MAP(A:A,…) a million results, REDUCE a million steps).
_WHOLE_SHAPE = frozenset("TOCOL TOROW VSTACK HSTACK CHOOSEROWS CHOOSECOLS EXPAND "
                         "SORTBY MAP SCAN REDUCE ARRAYTOTEXT".split())

#: Functions of the library applied to each cell of an array given where a value belongs
#: (besides :data:`_SCALAR`'s): SIN(A:A) or CONVERT(A:A,"m","ft") has a result for every
#: row of the column, the blank ones past the used area too (see :func:`_each_cell`); so
#: has MAP(A:A,LAMBDA(…)), its LAMBDA called once for the blank rows past the used area.
_EACH_CELL_TOO = frozenset("""MAP ASC BAHTTEXT CONVERT
    COUPDAYBS COUPDAYS COUPDAYSNC COUPNCD COUPNUM COUPPCD DURATION MDURATION INTRATE PRICE
    PRICEDISC PRICEMAT RECEIVED YIELD YIELDDISC YIELDMAT ODDFPRICE ODDFYIELD""".split())


def _to_lib(calc, a, whole=False):
    if isinstance(a, (Ref, MultiRef, Arr)):
        rows = calc.full_values(a) if whole else calc.values(a)
        arr = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                arr[i, j] = _scalar_to_lib(v)
        return arr
    return _scalar_to_lib(a)


def _call(calc, lib_fn, args, whole=False):
    """``lib_fn`` called on ``args`` in the library's conventions, its result in ours."""
    return _from_lib(lib_fn(*[_to_lib(calc, a, whole) for a in args]))


def _each_cell(calc, lib_fn, args, whole=False):
    """A function of single values called on arrays, one of them a large range read only
    as far as the used area (a :class:`~..values.Tail` of rows: those read, then one
    blank row repeated to the range's height): the library computes the rows read and the
    repeated row once each, and the result is a Tail as tall as the range.  Arrays of any
    other mix of heights (or a result not of the rows' shape, or a repeated row whose
    answer called a volatile function: MAP's LAMBDA with RAND()) are given whole."""
    grids = [calc.full_values(a) if isinstance(a, (Ref, MultiRef, Arr)) else None for a in args]
    tails = [g for g in grids if type(g) is Tail]
    if not tails:
        return _call(calc, lib_fn, args, whole)
    n, w = len(tails[0]), len(tails[0].fill)
    if any(g is not None and (len(g) != n if type(g) is Tail else len(g) != 1)
           or type(g) is Tail and len(g.fill) != w for g in grids):
        return _call(calc, lib_fn, args, whole=True)
    k = max(len(t.head) for t in tails)
    head = _call(calc, lib_fn, [Arr(first_rows(g, k)) if type(g) is Tail else a
                                for a, g in zip(args, grids)])
    fill, same = calc.same_each_time(lambda: _call(calc, lib_fn, [
        Arr([g.fill]) if type(g) is Tail else a for a, g in zip(args, grids)]))
    if not same:
        return _call(calc, lib_fn, args, whole=True)
    head, fill = _rows_of(head), _rows_of(fill)
    if len(head) != k or len(fill) != 1 or any(len(row) != w for row in head + fill):
        return _call(calc, lib_fn, args, whole=True)
    return Arr(Tail(head, n, fill[0]))


def _rows_of(v):
    """A result as a list of rows (one value: one row of one)."""
    return list(v.rows) if type(v) is Arr else [[v]]


def _scalar_to_lib(v):
    if v is None:
        return sh.EMPTY
    if callable(v):
        return _lambda_to_lib(v)
    if isinstance(v, XlErr):
        return Error.errors.get(v.code, Error.errors["#VALUE!"])
    return v


def _lambda_to_lib(lam):
    """A LAMBDA as the library calls it (MAP, SCAN, REDUCE): given the library's values, it
    sees ours (a blank cell as blank, so that x="" is TRUE there), and returns the library's."""
    def call(*vals):
        return _scalar_to_lib(lam(*[_from_lib(x) for x in vals]))
    return call


def _from_lib(v):
    if isinstance(v, (list, tuple)):
        # a list of results (MODE.MULT's modes) is a vertical array, as Excel returns them;
        # in one cell it shows its first value, never the list's text
        if not v:
            return XlErr("#N/A")
        v = np.array(v, dtype=object)
        if v.ndim == 1:
            v = v.reshape(-1, 1)
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return _from_lib(v.item())
        if v.size == 1:
            return _from_lib(v.reshape(-1)[0])
        a = np.atleast_2d(v)
        return Arr([[_from_lib(x) for x in row] for row in a.tolist()])
    if isinstance(v, (list, tuple)):   # MODE.MULT's modes: a vertical array, as in Excel
        return _from_lib(np.array(v, dtype=object).reshape(-1, 1)) if v else XlErr("#N/A")
    if isinstance(v, XlError):
        return XlErr(str(v))
    if v is sh.EMPTY:
        return None
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        f = float(v)
        if f != f or f in (float("inf"), float("-inf")):
            return XlErr("#NUM!")
        return f
    if isinstance(v, np.str_):
        return str(v)
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return XlErr("#NUM!")
    return v


#: Functions of the library whose every oracle cell agrees with Excel's cached value
#: (docs/fallback_functions.md, kept in step by tests/engine/fallback_audit.py). Every other
#: function taken from the library is approximate: the recalc summary names it.
VERIFIED = frozenset("""ACOS ACOSH ACOT ACOTH ARABIC ARRAYTOTEXT ASIN ASINH ATAN ATAN2 ATANH BETA.DIST BETA.INV
    CHISQ.DIST CHISQ.DIST.RT CHISQ.INV CHISQ.INV.RT CHISQ.TEST CHOOSECOLS CHOOSEROWS CLEAN
    CONFIDENCE.NORM CONFIDENCE.T CORREL COS COSH COTH COUPDAYBS COUPDAYS COUPDAYSNC COUPNCD
    COUPNUM COUPPCD COVARIANCE.P COVARIANCE.S CSCH DAYS DEGREES EFFECT ERF ERF.PRECISE ERFC
    ERFC.PRECISE EXP EXPAND EXPON.DIST F.DIST F.DIST.RT F.INV F.INV.RT F.TEST FISHER FISHERINV
    FVSCHEDULE GAMMA GAMMA.DIST GAMMA.INV GAMMALN GAMMALN.PRECISE GAUSS GESTEP HSTACK
    HYPGEOM.DIST INTERCEPT INTRATE ISPMT LN LOG10 LOGNORM.DIST LOGNORM.INV MAKEARRAY MAP MDETERM
    MINVERSE MODE.MULT MULTINOMIAL NOMINAL NORM.DIST NORM.S.DIST NPV PDURATION PEARSON PHI
    PI RADIANS REDUCE RSQ SCAN SECH SIN SINH SLN SLOPE SORTBY SQRTPI STANDARDIZE
    STDEVA STDEVPA STEYX SUMX2MY2 SUMX2PY2 SUMXMY2 SYD T.DIST T.DIST.2T T.DIST.RT T.INV T.INV.2T
    TANH TOCOL TRIMMEAN UNICODE VARA VARPA VSTACK WEIBULL.DIST YIELD Z.TEST""".split())

_VOLATILE = {"RAND", "RANDBETWEEN", "RANDARRAY", "CELL", "INFO"}
# Functions of single values (every argument of value class in Excel's function table: the
# distributions and their inverses, the scalar finance functions): a range given to them
# meets implicit intersection.
_SCALAR = frozenset("""ACOS ACOSH ACOT ACOTH ASIN ASINH ATAN ATAN2 ATANH COS COSH COT COTH CSC CSCH
    SEC SECH SIN SINH TAN TANH DEGREES RADIANS EXP LN LOG LOG10 SQRTPI EVEN ODD FACT FACTDOUBLE
    ARABIC ROMAN CHAR UNICHAR UNICODE CLEAN DOLLAR FIXED NUMBERVALUE DAYS DAYS360 YEARFRAC
    WEEKNUM ISOWEEKNUM TIMEVALUE ERF ERFC ERF.PRECISE ERFC.PRECISE GAMMA GAMMALN GAMMALN.PRECISE
    BITAND BITOR BITXOR BITLSHIFT BITRSHIFT DELTA GESTEP
    NORM.DIST NORM.INV NORM.S.DIST NORM.S.INV NORMDIST NORMINV NORMSDIST NORMSINV
    FISHER FISHERINV BETA.DIST BETA.INV BETADIST BETAINV BINOM.DIST BINOM.DIST.RANGE
    BINOM.INV BINOMDIST CRITBINOM NEGBINOM.DIST NEGBINOMDIST GAMMA.DIST GAMMA.INV GAMMADIST
    GAMMAINV LOGNORM.DIST LOGNORM.INV LOGNORMDIST LOGINV POISSON.DIST POISSON EXPON.DIST
    EXPONDIST CONFIDENCE CONFIDENCE.NORM CONFIDENCE.T WEIBULL WEIBULL.DIST T.DIST T.DIST.2T
    T.DIST.RT T.INV T.INV.2T TDIST TINV F.DIST F.DIST.RT F.INV F.INV.RT FDIST FINV
    CHISQ.DIST CHISQ.DIST.RT CHISQ.INV CHISQ.INV.RT CHIDIST CHIINV HYPGEOM.DIST HYPGEOMDIST
    STANDARDIZE PHI GAUSS EFFECT NOMINAL SLN SYD PDURATION RRI ISPMT""".split())


# Functions of paired data sets: an argument that is itself an error (an undefined name's
# #NAME?, a deleted reference's #REF!) cannot be read as data, and the first such argument
# is the answer (SLOPE(col1_,col2_) with col2_ undefined is #NAME? in Excel's cached
# values), before any check of the data's shape would give #N/A.
_PAIRED_DATA = frozenset("""SLOPE INTERCEPT RSQ PEARSON CORREL STEYX COVAR COVARIANCE.P
    COVARIANCE.S FORECAST FORECAST.LINEAR SUMX2MY2 SUMX2PY2 SUMXMY2 T.TEST TTEST CHISQ.TEST
    CHITEST F.TEST FTEST PROB""".split())


# Of the functions of single values, those whose arguments are texts, not numbers.
_TEXT_ARGS = frozenset("ARABIC CLEAN UNICODE NUMBERVALUE TIMEVALUE".split())


def _number_arg(calc, a):
    """A number given as text ("8%", "€100", "2024-01-10"), typed or in the one cell
    referred to, as the number Excel's coercion reads in it; anything else as it is, for
    the library (a "TRUE" where a logical belongs, an error, a text that is no number)."""
    v = a
    if type(a) is Ref and a.r1 == a.r2 and a.c1 == a.c2:
        v = calc.cell(a.sheet, a.r1, a.c1)
    if type(v) is str:
        try:
            return to_number(v)
        except ExcelRaise:
            pass
    return a


def _wrap(name, lib_fn):
    volatile = name in _VOLATILE
    approximate = name not in VERIFIED
    paired = name in _PAIRED_DATA
    numbers = name in _SCALAR and name not in _TEXT_ARGS
    whole = name.rpartition(".")[2] in _WHOLE_SHAPE
    each = name in _SCALAR or name in _EACH_CELL_TOO

    def fn(calc, *args):
        if paired:
            for a in args:
                if type(a) is XlErr:
                    return a
        if numbers:
            # a number given as text is read as Excel reads it for arithmetic
            args = tuple(_number_arg(calc, a) for a in args)
        if volatile:
            calc.taint_volatile()
        if approximate:
            used = calc.report.approximate_functions
            used[name] = used.get(name, 0) + 1
        try:
            # an overflow is the cell's #NUM!, not a warning on the terminal
            with np.errstate(all="ignore"):
                return _each_cell(calc, lib_fn, args, whole) if each else \
                    _call(calc, lib_fn, args, whole)
        except (ValueError, TypeError, ArithmeticError, IndexError, KeyError, AttributeError):
            calc.report.fallback_failures.setdefault(name, 0)
            calc.report.fallback_failures[name] += 1
            return VALUE
    fn.__name__ = name
    return fn


_LIBRARY = None


def _library():
    global _LIBRARY
    if _LIBRARY is None:
        table = {}
        for key, lib_fn in get_functions().items():
            if isinstance(lib_fn, dict) or not callable(lib_fn):
                continue
            name = key
            for p in _SKIP_PREFIX:
                if name.startswith(p):
                    name = name[len(p):]
            table.setdefault(name, lib_fn)
        _LIBRARY = table
    return _LIBRARY


def library_function(name):
    lib_fn = _library().get(name)
    if lib_fn is None:
        return None
    return Impl(limited(_wrap(name, lib_fn)), source="formulas",
                args=ALL_VALUES if name in _SCALAR else ALL_ARRAYS)


def library_names():
    return set(_library())
