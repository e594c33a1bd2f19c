"""Rounding to multiples: FLOOR, CEILING and their .MATH / .PRECISE / ISO forms, MROUND."""
from __future__ import annotations

import math

from ..values import DIV0, NA, NUM, VALUE, Arr, ExcelRaise, to_number
from . import excel
from .helpers import elementwise, is_array


def _arg(v):
    if isinstance(v, str):
        return to_number(v)
    return to_number(v)


def _multiple(x, sig, up):
    """``x`` rounded down (or up) to a multiple of ``sig`` > 0, forgiving the last bits of
    the quotient (7.1 / 0.1 is 70.99999999999999, which Excel counts as 71)."""
    q = x / sig
    if math.isinf(q):
        raise ExcelRaise(NUM)
    r = round(q)
    if abs(q - r) <= 1e-13 * abs(q):
        q = r
    else:
        q = math.ceil(q) if up else math.floor(q)
    return q * sig


@excel("FLOOR", min_args=2, max_args=2)
@elementwise
def FLOOR(x, sig):
    """Rounds a number down, toward zero, to the nearest multiple of significance."""
    x, s = _arg(x), _arg(sig)
    if s == 0:
        if x == 0:
            return 0
        raise ExcelRaise(DIV0)
    if x > 0 and s < 0:
        raise ExcelRaise(NUM)
    if x < 0 and s < 0:
        return -_multiple(-x, -s, up=False)
    # a positive significance floors negatives away from zero
    return _multiple(x, abs(s), up=False)


@excel("CEILING", min_args=2, max_args=2)
@elementwise
def CEILING(x, sig):
    """Rounds a number up, away from zero, to the nearest multiple of significance."""
    x, s = _arg(x), _arg(sig)
    if s == 0 or x == 0:
        return 0
    if x > 0 and s < 0:
        raise ExcelRaise(NUM)
    if x < 0 and s < 0:
        return -_multiple(-x, -s, up=True)
    return _multiple(x, abs(s), up=True)


def _rounding_math(up):
    def fn(x, *opt):
        x = _arg(x)
        s = abs(_arg(opt[0])) if len(opt) > 0 else 1
        m = _arg(opt[1]) if len(opt) > 1 else 0
        if s == 0 or x == 0:
            return 0
        if x < 0 and m != 0:
            return -_multiple(-x, s, up=up)
        return _multiple(x, s, up=up)
    return fn


FLOOR_MATH = excel("FLOOR.MATH", min_args=1, max_args=3)(elementwise(_rounding_math(up=False)))
FLOOR_MATH.__doc__ = "Rounds a number down, to the nearest integer or to the nearest multiple of significance."
CEILING_MATH = excel("CEILING.MATH", min_args=1, max_args=3)(elementwise(_rounding_math(up=True)))
CEILING_MATH.__doc__ = "Rounds a number up, to the nearest integer or to the nearest multiple of significance."


@excel("FLOOR.PRECISE", min_args=1, max_args=2)
@elementwise
def FLOOR_PRECISE(x, *opt):
    """Rounds a number down to the nearest integer or multiple of significance, whatever its sign."""
    x = _arg(x)
    s = abs(_arg(opt[0])) if opt else 1
    if s == 0 or x == 0:
        return 0
    return _multiple(x, s, up=False)


@excel("CEILING.PRECISE", "ISO.CEILING", min_args=1, max_args=2)
# ECMA.CEILING (ECMA-376's name, still read by Excel) rounds up, towards +infinity, to a
# multiple of |significance| like CEILING.PRECISE, but takes its significance as required.
@elementwise
def CEILING_PRECISE(x, *opt):
    """Rounds a number up to the nearest integer or multiple of significance, whatever its sign."""
    x = _arg(x)
    s = abs(_arg(opt[0])) if opt else 1
    if s == 0 or x == 0:
        return 0
    return _multiple(x, s, up=True)


@elementwise
def _mround(x, sig):
    """Returns a number rounded to the desired multiple."""
    if type(x) is bool or type(sig) is bool:
        raise ExcelRaise(VALUE)   # MROUND takes no logical values, typed or from a cell
    x, s = _arg(x), _arg(sig)
    if s == 0:
        return 0
    if (x > 0 and s < 0) or (x < 0 and s > 0):
        raise ExcelRaise(NUM)
    q = x / s
    # half away from zero, forgiving the last bits of the quotient
    k = math.floor(abs(q) + 0.5 + 1e-12) * (1 if q >= 0 else -1)
    return k * s


@excel("MROUND", min_args=2, max_args=2, args="v v")
def MROUND(calc, x, sig):
    """Returns a number rounded to the desired multiple."""
    if x is None or sig is None:
        # an argument left out, MROUND(,5); a blank cell arrives as a reference and counts as 0
        return NA
    return _mround(calc, x, sig)


def _integers(calc, args):
    """GCD's and LCM's numbers, as Excel's cached values show them read: an empty cell of a
    range counts as 0, an empty cell given alone is left out (and no number at all is
    #VALUE!), an argument left out (GCD(,5)) is #N/A; logicals are #VALUE!, text must read
    as a number."""
    from ..values import MultiRef, Ref
    from .helpers import strict_numbers
    out = []
    for a in args:
        if a is None:
            raise ExcelRaise(NA)
        if isinstance(a, Ref) and a.r1 == a.r2 and a.c1 == a.c2:
            values = strict_numbers(calc, (a,))
        elif isinstance(a, (Ref, MultiRef)) or is_array(a):
            values = (0 if v is None else v for row in calc.values(a) for v in row)
            values = strict_numbers(calc, (Arr([[v] for v in values]),))
        else:
            values = strict_numbers(calc, (a,))
        for x in values:
            if x < 0 or x >= 2 ** 53:
                raise ExcelRaise(NUM)
            out.append(int(x))
    if not out:
        raise ExcelRaise(VALUE)
    return out


@excel("GCD", min_args=1)
def GCD(calc, *args):
    """Returns the greatest common divisor."""
    xs = _integers(calc, args)
    g = 0
    for x in xs:
        g = math.gcd(g, x)
    return g


@excel("LCM", min_args=1)
def LCM(calc, *args):
    """Returns the least common multiple."""
    xs = _integers(calc, args)
    m = 1
    for x in xs:
        if x == 0:
            return 0
        m = m * x // math.gcd(m, x)
    if m >= 2 ** 53:
        return NUM
    return m


def _count_arg(v):
    if isinstance(v, str):
        from ..values import VALUE, parse_number_text
        n = parse_number_text(v)
        if n is None:
            raise ExcelRaise(VALUE)
        return math.trunc(n)
    return math.trunc(to_number(v))


# ln of the largest double: a count whose logarithm passes it cannot be held (#NUM!).
_LN_MAX = 709.782712893384


def _too_big(ln_value):
    """True when a count is surely past the largest double, judged on its logarithm before
    any exact integer is built (COMBIN(1E9,5E8) would otherwise run for hours)."""
    return ln_value > _LN_MAX + 1e-6


def _ln_perm(a, b):
    return math.lgamma(a + 1) - math.lgamma(a - b + 1)


@excel("COMBIN", min_args=2, max_args=2)
@elementwise
def COMBIN(n, k):
    """Returns the number of combinations for a given number of objects."""
    a, b = _count_arg(n), _count_arg(k)
    if a < 0 or b < 0 or b > a:
        raise ExcelRaise(NUM)
    if _too_big(_ln_perm(a, b) - math.lgamma(b + 1)):
        raise ExcelRaise(NUM)
    return math.comb(a, b)


@excel("FACT", min_args=1, max_args=1)
@elementwise
def FACT(n):
    """Returns the factorial of a number."""
    k = math.trunc(to_number(n))
    if k < 0 or k > 170:   # 170! = 7.26E+306 is the last that a double holds
        raise ExcelRaise(NUM)
    return float(math.factorial(k))


@excel("FACTDOUBLE", min_args=1, max_args=1)
@elementwise
def FACTDOUBLE(n):
    """Returns the double factorial of a number."""
    k = math.trunc(to_number(n))
    if k < 0 or k > 300:   # 300!! = 8.15E+307 is the last that a double holds
        raise ExcelRaise(NUM)
    p = 1
    for i in range(k, 1, -2):
        p *= i
    return float(p)


@excel("PERMUT", min_args=2, max_args=2)
@elementwise
def PERMUT(n, k):
    """Returns the number of permutations for a given number of objects."""
    a, b = _count_arg(n), _count_arg(k)
    if a < 0 or b < 0 or b > a:
        raise ExcelRaise(NUM)
    if _too_big(_ln_perm(a, b)):
        raise ExcelRaise(NUM)
    return math.perm(a, b)


@excel("PERMUTATIONA", min_args=2, max_args=2)
@elementwise
def PERMUTATIONA(n, k):
    """Returns the number of permutations for a given number of objects (with repetitions)
    that can be selected from the total objects."""
    a, b = _count_arg(n), _count_arg(k)
    if a < 0 or b < 0:
        raise ExcelRaise(NUM)
    return float(a) ** b


@excel("COMBINA", min_args=2, max_args=2)
@elementwise
def COMBINA(n, k):
    """Returns the number of combinations with repetitions for a given number of items."""
    a, b = _count_arg(n), _count_arg(k)
    if a < 0 or b < 0 or (a == 0 and b > 0):
        raise ExcelRaise(NUM)
    if a == 0 and b == 0:
        return 1
    if _too_big(_ln_perm(a + b - 1, b) - math.lgamma(b + 1)):
        raise ExcelRaise(NUM)
    return math.comb(a + b - 1, b)


@excel("QUOTIENT", min_args=2, max_args=2)
@elementwise
def QUOTIENT(a, b):
    """Returns the integer portion of a division; a logical is no number to it (#VALUE!)."""
    if isinstance(a, bool) or isinstance(b, bool):
        raise ExcelRaise(VALUE)
    x, y = to_number(a), to_number(b)
    if y == 0:
        raise ExcelRaise(DIV0)
    q = x / y
    r = round(q)
    if abs(q - r) <= 1e-13 * abs(q):
        q = r
    return math.trunc(q)


excel("ECMA.CEILING", min_args=2, max_args=2)(CEILING_PRECISE)
