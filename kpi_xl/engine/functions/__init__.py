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
from importlib import import_module
from typing import Callable, Optional

from ..values import MAX_NUMBER, NUM, REF, Arr, ExcelRaise, XlErr, checked


#: The classes of argument a function declares in ``excel(args=...)``, one word each:
#:
#: ``a``  array (the default): compiled where a range stays a range (SUM, INDEX, SUMPRODUCT);
#: ``v``  one value: compiled in the caller's context, then a multi-cell range meets implicit
#:        intersection outside an array formula (ABS, LEFT, TEXT: every ``elementwise`` function);
#: ``i``  one value among ranges: compiled like its range neighbours, then intersected the same
#:        way (VLOOKUP's lookup value, SUMIF's criterion, a KPI function's scalar argument);
#: ``r``  a reference (Excel's reference class): a range given there stays a range, while an
#:        operator given there computes values in the caller's context, so that in a formula
#:        that is not an array formula its ranges meet implicit intersection (SUM(A1:A3*B1:B3)
#:        entered normally in row 2 is A2*B2); a #REF! given there is the call's answer, as
#:        Excel cannot read the range (see :func:`_ref_error_passes`).  SUM's numbers, SUMIF's
#:        ranges, MATCH's lookup array, VLOOKUP's table, SUBTOTAL's refs;
#: ``ra`` a reference or an array: as ``r``, but whatever is given there is computed where
#:        ranges stay ranges, as for ``a`` (INDEX's reference, LOOKUP's vectors, AGGREGATE's
#:        refs: LOOKUP(2,1/(A1:A9>0),B1:B9) needs no Ctrl+Shift+Enter);
#: ``*``  the caller's context passes through untouched (IF, CHOOSE, IFERROR branches).
ARG_CLASSES = frozenset(("a", "v", "i", "r", "ra", "*"))
#: The classes whose argument takes a reference.
REFERENCE_CLASSES = frozenset(("r", "ra"))


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

    def is_reference(self, i):
        """Argument ``i`` takes a reference (class ``r`` or ``ra``)."""
        return self.of(i) in REFERENCE_CLASSES

    @property
    def takes_references(self):
        return not REFERENCE_CLASSES.isdisjoint(self.fixed + self.repeat)


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
    # COUNT and COUNTA judge every value given, a #REF! too: no #REF! guard (see excel()).
    counts_errors: bool = False


FUNCTIONS: dict[str, Impl] = {}
_VALUE_ARGS: set = set()


def value_arguments(fn):
    """Declare that every argument of ``fn`` is one value (class ``v``): for the helpers that
    build such functions (``helpers.elementwise``), so the functions they build need not
    say it again at each registration."""
    _VALUE_ARGS.add(fn)
    return fn


def excel(*names, min_args=None, max_args=None, lazy=False, wants_cell=False, args=None,
          column=None, branch=None, counts_errors=False):
    """Register an implementation under one or more Excel names, with every rule of calling it.

    ``args`` gives each argument's class (see :data:`ARG_CLASSES`), ``"v v"`` or ``"a (a i)+"``;
    ``column`` a column implementation; ``branch`` the direct-branch rule of IF, IFERROR, IFNA.

    Every call is guarded: an ``ExcelRaise`` inside the implementation is its result, the
    error it carries, so an implementation only raises (see :func:`guarded`).  A #REF! given
    where an argument of class ``r`` or ``ra`` takes a reference is the call's result before the
    implementation sees it (see :func:`_ref_error_passes`), unless ``counts_errors``: COUNT
    and COUNTA judge each value, a #REF! among them too (COUNTA counts it, COUNT does not).  Every result is
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
        call, col = fn, column
        if spec.takes_references and not lazy and not wants_cell and not counts_errors:
            call = _ref_error_passes(fn, spec.is_reference)
            col = column and _ref_error_column(column, spec.is_reference)
        for n in names:
            FUNCTIONS[n] = Impl(call, min_args, max_args, lazy, wants_cell, args=spec,
                                column=col, branch=branch, counts_errors=counts_errors)
        return fn
    return deco


_PASS_ON_MODULES = (".lookup", ".logic", ".info")
_MAX = MAX_NUMBER
_EXACT = 2 ** 53


def _standing_in(wrapper, fn):
    """``wrapper`` named and documented as the ``fn`` it stands in for."""
    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = getattr(fn, "__qualname__", fn.__name__)
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def guarded(fn):
    """``fn`` with an ``ExcelRaise`` inside it returned as its error value: the error guard
    every function that is not lazy gets (:func:`limited` includes it)."""
    def guarded_fn(*args):
        try:
            return fn(*args)
        except ExcelRaise as exc:
            return exc.err
    return _standing_in(guarded_fn, fn)


def limited(fn):
    """``fn`` with its results passed through :func:`~..values.checked`; an arithmetic
    overflow inside it is Excel's #NUM! (EXP(1000), 1E308*1E308 in a sum)."""
    def limited_fn(*args):
        # guarded's catch written out here: this wrapper is on every call's path
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
    return _standing_in(limited_fn, fn)


# -- a #REF! where a function takes a reference ------------------------------------------
#
# A deleted reference (`#REF!`, `Sheet!#REF!`, `#REF!:#REF!`) reaches a function as the error
# value #REF!. Where the function takes that argument as a reference (a range to search,
# count or aggregate), Excel cannot read the range and its answer is the #REF! it was
# given, whatever the function would make of a value there (SUMIF(#REF!,">0") is #REF!, not
# the #VALUE! of a value where a range belongs). Those arguments are declared of class ``r``
# in ``excel(args=...)``, at the positions Excel's function table gives the reference type.
# COUNTA takes values as well as references and counts a #REF! typed among them
# (COUNTA(2,"A","",#REF!,#DIV/0!) is 5 in Excel's cached values).

def _ref_error_passes(fn, is_reference):
    def ref_checked(calc, *args):
        for i, a in enumerate(args):
            if is_reference(i) and type(a) is XlErr:
                # the first error among the references wins (SUM(1/0,#REF!) is #DIV/0!)
                if a is REF:
                    return REF
                break
        return fn(calc, *args)

    ref_checked.__dict__.update(fn.__dict__)
    return _standing_in(ref_checked, fn)


def _ref_error_column(column, is_reference):
    def column_checked(calc, vals, n):
        # a #REF! operand is the same on every row (a constant column)
        for i, a in enumerate(vals):
            if is_reference(i) and type(getattr(a, "v", None)) is XlErr:
                if a.v is REF:
                    return [REF] * n
                break
        return column(calc, vals, n)
    return column_checked


#: Modules whose functions few KPI workbooks call, by the names each registers: imported on
#: the first look-up of one of those names (:func:`find_function`) instead of by every run,
#: for start-up (the ``regex`` module of REGEXTEST and its kin costs 10 ms of CPU alone).  No name is
#: registered by two modules, so the order of loading changes nothing;
#: ``tests/engine/test_call_plan.py`` checks these lists against what each module registers.
ON_FIRST_USE = {
    ".text": ("CHAR", "CODE", "CONCAT", "CONCATENATE", "DBCS", "DOLLAR", "EXACT", "FIND", "FINDB",
              "HYPERLINK", "LEFT", "LEFTB", "LEN", "LENB", "LOWER", "MID", "MIDB", "PHONETIC",
              "PROPER", "REPLACE", "REPLACEB", "REPT", "RIGHT", "RIGHTB", "ROMAN", "SEARCH",
              "SEARCHB", "SUBSTITUTE", "TEXT", "TEXTAFTER", "TEXTBEFORE", "TEXTJOIN", "TRIM",
              "UPPER", "USDOLLAR", "VALUE", "VALUETOTEXT"),
    ".textregex": ("REGEXEXTRACT", "REGEXREPLACE", "REGEXTEST"),
    ".dates": ("DATE", "DATEDIF", "DATEVALUE", "DAY", "DAYS360", "EDATE", "EOMONTH", "HOUR",
               "ISOWEEKNUM", "MINUTE", "MONTH", "NETWORKDAYS", "NETWORKDAYS.INTL", "NOW", "SECOND",
               "TIME", "TIMEVALUE", "TODAY", "WEEKDAY", "WEEKNUM", "WORKDAY", "WORKDAY.INTL", "YEAR",
               "YEARFRAC"),
    ".dynamic": ("ANCHORARRAY", "BYCOL", "BYROW", "DROP", "FILTER", "MUNIT", "RANDARRAY", "SEQUENCE",
                 "SORT", "TAKE", "TRIMRANGE", "UNIQUE", "WRAPCOLS", "WRAPROWS"),
    ".engineering": ("BASE", "BIN2DEC", "BIN2HEX", "BIN2OCT", "BITAND", "BITLSHIFT", "BITOR",
                     "BITRSHIFT", "BITXOR", "DEC2BIN", "DEC2HEX", "DEC2OCT", "DECIMAL", "DELTA",
                     "HEX2BIN", "HEX2DEC", "HEX2OCT", "OCT2BIN", "OCT2DEC", "OCT2HEX"),
    ".multiples": ("CEILING", "CEILING.MATH", "CEILING.PRECISE", "COMBIN", "COMBINA", "ECMA.CEILING",
                   "FACT", "FACTDOUBLE", "FLOOR", "FLOOR.MATH", "FLOOR.PRECISE", "GCD", "ISO.CEILING",
                   "LCM", "MROUND", "PERMUT", "PERMUTATIONA", "QUOTIENT"),
    ".database": ("DAVERAGE", "DCOUNT", "DCOUNTA", "DGET", "DMAX", "DMIN", "DPRODUCT", "DSTDEV",
                  "DSTDEVP", "DSUM", "DVAR", "DVARP"),
    ".complexnum": ("COMPLEX", "IMABS", "IMAGINARY", "IMARGUMENT", "IMCONJUGATE", "IMCOS", "IMCOSH",
                    "IMCOT", "IMCSC", "IMCSCH", "IMDIV", "IMEXP", "IMLN", "IMLOG10", "IMLOG2",
                    "IMPOWER", "IMPRODUCT", "IMREAL", "IMSEC", "IMSECH", "IMSIN", "IMSINH", "IMSQRT",
                    "IMSUB", "IMSUM", "IMTAN"),
    ".financial": ("CUMIPMT", "CUMPRINC", "DB", "DDB", "DOLLARDE", "DOLLARFR", "FV", "IPMT", "IRR",
                   "MIRR", "NPER", "PMT", "PPMT", "PV", "RATE", "VDB", "XIRR", "XNPV"),
    ".bonds": ("ACCRINT", "ACCRINTM", "DISC", "ODDLPRICE", "ODDLYIELD", "TBILLEQ", "TBILLPRICE",
               "TBILLYIELD"),
    ".bessel": ("BESSELI", "BESSELJ", "BESSELK", "BESSELY"),
    ".regression": ("GROWTH", "LINEST", "LOGEST", "TREND"),
    ".groupby": ("GROUPBY", "PERCENTOF", "PIVOTBY"),
    "..pivot": ("GETPIVOTDATA",),
}
_MODULE_OF = {name: module for module, names in ON_FIRST_USE.items() for name in names}


def is_function(name):
    """``name`` (upper case) is in the engine's own table, loaded yet or not."""
    return name in FUNCTIONS or name in _MODULE_OF


def load_all():
    """Import every module of :data:`ON_FIRST_USE`: the whole table, for whoever lists it."""
    for module in ON_FIRST_USE:
        import_module(module, __name__)


def find_function(name):
    """The implementation of ``name``: importing the module that registers it on its first
    look-up (:data:`ON_FIRST_USE`), and reaching for the ``formulas`` library only on a miss
    (importing it costs seconds, which most KPI workbooks never need to pay)."""
    impl = FUNCTIONS.get(name)
    if impl is None and name in _MODULE_OF:
        import_module(_MODULE_OF[name], __name__)
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

#: Prefixes of a function name given as a function value: ``_xleta.SUM``; a function newer
#: than the eta form keeps the usual future-function prefix (``_xlfn.PERCENTOF``).
ETA_PREFIXES = ("_XLETA.", "_XLFN.")
#: Functions whose eta form takes two arguments (the group's values, then all of them).
_TWO_ARGUMENTS = frozenset({"PERCENTOF"})
#: Parameter names no formula can spell (a space is not allowed in a name).
_PARAMS = ("_xlpm. eta1", "_xlpm. eta2")


def eta_tree(key):
    """The LAMBDA tree a name such as ``_XLETA.SUM`` stands for (GROUPBY, PIVOTBY and
    PERCENTOF take built-in functions so: ``LAMBDA(x, SUM(x))``, for PERCENTOF, which takes
    the group and the whole, ``LAMBDA(x, y, PERCENTOF(x, y))``); None when ``key`` (upper
    case) is not a function's name under one of :data:`ETA_PREFIXES`."""
    for prefix in ETA_PREFIXES:
        if key.startswith(prefix):
            name = key[len(prefix):]
            break
    else:
        return None
    if not is_function(name):
        if prefix == "_XLFN.":
            return None
        if find_function(name) is None:
            return None
    params = [("name", p, None) for p in _PARAMS[:2 if name in _TWO_ARGUMENTS else 1]]
    return ("fn", "LAMBDA", params + [("fn", name, params)])


def _load():
    from . import operators, logic, mathstat, lookup, info, kpi  # noqa: F401


_load()
