"""Excel's operators, elementwise over arrays."""
from __future__ import annotations

import math
import operator

from ..values import (DIV0, MAX_NUMBER, NUM, VALUE, NULL, ExcelRaise, Ref, XlErr,
                      checked, compare, to_number, to_text)
from . import limited
from .helpers import broadcast, float_column, is_array, scalarize


def _add(a, b):
    return to_number(a) + to_number(b)


def _sub(a, b):
    return to_number(a) - to_number(b)


def _mul(a, b):
    return to_number(a) * to_number(b)


def _div(a, b):
    x, y = to_number(a), to_number(b)
    if y == 0:
        raise ExcelRaise(DIV0)
    return x / y


def _pow(a, b):
    # In doubles, as Excel computes: Python's exact integers would take 10^400 literally and
    # spend hours on 100^10000000000000.
    x, y = float(to_number(a)), float(to_number(b))
    if x == 0 and y == 0:
        raise ExcelRaise(NUM)
    if x == 0 and y < 0:
        raise ExcelRaise(DIV0)
    try:
        r = x ** y
    except (OverflowError, ZeroDivisionError):
        raise ExcelRaise(NUM)
    if isinstance(r, complex) or (isinstance(r, float) and (math.isinf(r) or math.isnan(r))):
        raise ExcelRaise(NUM)
    return r


def _concat(a, b):
    x, y = to_text(a), to_text(b)
    if y and "\udc00" <= y[0] <= "\udfff" and x and "\ud800" <= x[-1] <= "\udbff":
        # two halves cut by LEFT and RIGHT make one character again, as in Excel's UTF-16
        return (x + y).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    return x + y


def _cmp(test):
    def f(a, b):
        if type(a) is XlErr:
            raise ExcelRaise(a)
        if type(b) is XlErr:
            raise ExcelRaise(b)
        return test(compare(a, b))
    return f


_SCALAR = {
    "+": _add, "-": _sub, "*": _mul, "/": _div, "^": _pow, "&": _concat,
    "=": _cmp(lambda c: c == 0), "<>": _cmp(lambda c: c != 0), "<": _cmp(lambda c: c < 0),
    ">": _cmp(lambda c: c > 0), "<=": _cmp(lambda c: c <= 0), ">=": _cmp(lambda c: c >= 0),
}


_NUMERIC_FAST = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b else DIV0,
    "=": lambda a, b: compare(a, b) == 0,
    "<>": lambda a, b: compare(a, b) != 0,
    "<": lambda a, b: compare(a, b) < 0,
    ">": lambda a, b: compare(a, b) > 0,
    "<=": lambda a, b: compare(a, b) <= 0,
    ">=": lambda a, b: compare(a, b) >= 0,
}


# An operator is no registered function, so excel(...) does not guard it: its scalar
# path takes the guard and the limits of a function's result from ``limited``.

def _binary(op):
    f = _SCALAR[op]
    one = limited(f)
    fast = _NUMERIC_FAST.get(op)

    def apply(calc, a, b):
        ta, tb = type(a), type(b)
        if fast is not None and (ta is float or ta is int) and (tb is float or tb is int):
            r = fast(a, b)
            tr = type(r)
            if tr is float:
                if not -MAX_NUMBER <= r <= MAX_NUMBER:   # inf, -inf and NaN
                    return NUM
            elif tr is int and not -_EXACT <= r <= _EXACT:
                return checked(r)
            return r
        if ta is Ref and a.r1 == a.r2 and a.c1 == a.c2:
            a = calc.cell(a.sheet, a.r1, a.c1)
        if tb is Ref and b.r1 == b.r2 and b.c1 == b.c2:
            b = calc.cell(b.sheet, b.r1, b.c1)
        if is_array(a) or is_array(b):
            return checked(broadcast(calc, f, (a, b)))
        return one(a, b)
    return apply


BINARY = {op: _binary(op) for op in _SCALAR}


#: The arithmetic operators that, given two floats, are Python's own (a division by zero
#: apart): mapped over two columns at C speed.
_FLOAT_MAP = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def float_columns(op):
    """Operator ``op`` over two columns that hold floats only, every row's result at once, as
    :data:`BINARY` gives it for two floats; None for an operator without this path.  The
    function made takes the two operands (as :func:`~.helpers.float_column` does) and n,
    and returns None where it cannot answer them all (a value that is not a float, a
    division by zero, a result beyond Excel's numbers): the rows then go one by one."""
    fast = _NUMERIC_FAST.get(op)
    if fast is None:
        return None
    mapped = _FLOAT_MAP.get(op, fast)
    finite = op in _FLOAT_MAP

    def column(a, b, n):
        xs, ys = float_column(a, n), float_column(b, n)
        if xs is None or ys is None or op == "/" and (0.0 in b if type(b) is list else b.v == 0):
            return None
        out = list(map(mapped, xs, ys))
        # a sum is finite only when every term is (an overflow of the sum alone goes row by row)
        if finite and not math.isfinite(sum(out)):
            return None
        return out
    return column


# Excel's compensation of binary rounding at zero: when + or - is a formula's final
# operation and its operands cancel to within the last bits of the larger one (they agree
# to 15 significant digits), the result is 0, not the rounding residue
# (=1.333+1.225-1.333-1.225 is 0; with *1 around it, -2.22E-16).
_SNAP = 2.0 ** -50


def _final(op):
    plain = BINARY[op]

    def apply(calc, a, b):
        r = plain(calc, a, b)
        if type(r) is float and r != 0:
            if type(a) is Ref and a.is_cell:
                a = calc.cell(a.sheet, a.r1, a.c1)
            if type(b) is Ref and b.is_cell:
                b = calc.cell(b.sheet, b.r1, b.c1)
            ta, tb = type(a), type(b)
            if (ta is float or ta is int) and (tb is float or tb is int) and \
                    abs(r) <= max(abs(a), abs(b)) * _SNAP:
                return 0.0
        return r
    return apply


BINARY["+final"] = _final("+")
BINARY["-final"] = _final("-")


_EXACT = 2 ** 53


def _neg(v):
    return -to_number(v)


def _pos(v):
    return v


def _pct(v):
    return to_number(v) / 100


def _unary(f):
    one = limited(f)

    def apply(calc, a):
        if is_array(a):
            return checked(broadcast(calc, f, (a,)))
        return one(scalarize(calc, a))
    return apply


UNARY = {"-": _unary(_neg), "+": lambda calc, a: a, "%": _unary(_pct)}


def _two_refs_problem(a, b):
    """The error a reference operator gives unless both sides are references on one sheet."""
    if isinstance(a, XlErr):
        return a
    if isinstance(b, XlErr):
        return b
    if not isinstance(a, Ref) or not isinstance(b, Ref) or a.sheet != b.sheet:
        return VALUE
    return None


def range_op(calc, a, b):
    """A1:INDEX(...): the smallest rectangle holding both references."""
    err = _two_refs_problem(a, b)
    if err is not None:
        return err
    return Ref(a.sheet, min(a.r1, b.r1), min(a.c1, b.c1), max(a.r2, b.r2), max(a.c2, b.c2))


def intersect_op(a, b):
    """A1:C3 B2:D4: the cells both references hold (#NULL! when none)."""
    err = _two_refs_problem(a, b)
    if err is not None:
        return err
    r1, c1 = max(a.r1, b.r1), max(a.c1, b.c1)
    r2, c2 = min(a.r2, b.r2), min(a.c2, b.c2)
    if r1 > r2 or c1 > c2:
        return NULL
    return Ref(a.sheet, r1, c1, r2, c2)
