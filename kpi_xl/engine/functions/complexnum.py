"""Complex-number functions (COMPLEX, IMREAL, IMSUM, IMSIN, ...) on Excel's "a+bi" text."""
from __future__ import annotations

import cmath
import math
import re

from ..values import NUM, VALUE, ExcelRaise, XlErr, fmt_number, to_number, to_text
from . import excel
from .helpers import elementwise, iter_values

_NUM = r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_FULL = re.compile(rf"^([-+]?{_NUM})?(?:([-+])({_NUM})?([ij]))?$")
_IMAG_ONLY = re.compile(rf"^([-+]?)({_NUM})?([ij])$")


def parse(v):
    """(complex, suffix) of an argument; text that is no complex number is #NUM!."""
    if isinstance(v, XlErr):
        raise ExcelRaise(v)
    if isinstance(v, bool):
        raise ExcelRaise(VALUE)
    if v is None:
        return complex(0, 0), "i"
    if isinstance(v, (int, float)):
        return complex(v, 0), "i"
    s = to_text(v)
    if s == "":
        return complex(0, 0), "i"
    m = _IMAG_ONLY.match(s)
    if m:
        mag = float(m.group(2)) if m.group(2) else 1.0
        return complex(0, -mag if m.group(1) == "-" else mag), m.group(3)
    m = _FULL.match(s)
    if not m or (m.group(1) is None and m.group(2) is None):
        raise ExcelRaise(NUM)
    re_part = float(m.group(1)) if m.group(1) else 0.0
    if m.group(2):
        mag = float(m.group(3)) if m.group(3) else 1.0
        im = -mag if m.group(2) == "-" else mag
        return complex(re_part, im), m.group(4)
    return complex(re_part, 0), "i"


def _num(x):
    if math.isnan(x) or math.isinf(x):
        raise ExcelRaise(NUM)
    x = float(f"{x:.15g}")
    s = fmt_number(x if x != 0 else 0.0)
    if "E-" in s:
        # small parts are written out in full ("0.0000000000000001")
        from decimal import Decimal
        plain = format(Decimal(f"{x:.15g}"), "f")
        if len(plain.lstrip("-")) <= 20:
            s = plain
    return s


def render(z, suffix="i"):
    """Excel's text of a complex number: "3", "2i", "-i", "1.5-2i"."""
    a, b = z.real, z.imag
    ra, rb = _num(a), _num(b)
    if rb == "0":
        return ra
    im = ("" if rb == "1" else "-" if rb == "-1" else rb) + suffix
    if ra == "0":
        return im
    return ra + ("" if im.startswith("-") else "+") + im


@excel("COMPLEX", min_args=2, max_args=3)
@elementwise
def COMPLEX(real, imag, suffix="i"):
    """Converts real and imaginary coefficients into a complex number."""
    if isinstance(real, bool) or isinstance(imag, bool):
        raise ExcelRaise(VALUE)
    a, b = to_number(real), to_number(imag)
    sfx = "i" if suffix is None else to_text(suffix)
    if sfx == "":
        sfx = "i"
    if sfx not in ("i", "j"):
        raise ExcelRaise(VALUE)
    return render(complex(a, b), sfx)


@excel("IMREAL", min_args=1, max_args=1)
@elementwise
def IMREAL(z):
    """Returns the real coefficient of a complex number."""
    return float(_num(parse(z)[0].real))


@excel("IMAGINARY", min_args=1, max_args=1)
@elementwise
def IMAGINARY(z):
    """Returns the imaginary coefficient of a complex number."""
    return float(_num(parse(z)[0].imag))


@excel("IMABS", min_args=1, max_args=1)
@elementwise
def IMABS(z):
    """Returns the absolute value (modulus) of a complex number."""
    return abs(parse(z)[0])


@excel("IMARGUMENT", min_args=1, max_args=1)
@elementwise
def IMARGUMENT(z):
    """Returns the argument theta, an angle expressed in radians."""
    c = parse(z)[0]
    if c == 0:
        raise ExcelRaise(XlErr("#DIV/0!"))
    return math.atan2(c.imag, c.real)


def _unary(name, f, doc):
    def fn(z):
        c, sfx = parse(z)
        try:
            r = f(c)
        except (ValueError, ZeroDivisionError, OverflowError):
            raise ExcelRaise(NUM)
        return render(r, sfx)
    fn.__name__ = name
    fn.__doc__ = doc
    excel(name, min_args=1, max_args=1)(elementwise(fn))


def _ln(c):
    if c == 0:
        raise ValueError
    return cmath.log(c)


_unary("IMCONJUGATE", lambda c: c.conjugate(), "Returns the complex conjugate of a complex number.")
_unary("IMSQRT", cmath.sqrt, "Returns the square root of a complex number.")
_unary("IMEXP", cmath.exp, "Returns the exponential of a complex number.")
_unary("IMLN", _ln, "Returns the natural logarithm of a complex number.")
_unary("IMLOG10", lambda c: _ln(c) / math.log(10), "Returns the base-10 logarithm of a complex number.")
_unary("IMLOG2", lambda c: _ln(c) / math.log(2), "Returns the base-2 logarithm of a complex number.")
_unary("IMSIN", cmath.sin, "Returns the sine of a complex number.")
_unary("IMCOS", cmath.cos, "Returns the cosine of a complex number.")
_unary("IMTAN", cmath.tan, "Returns the tangent of a complex number.")
_unary("IMSINH", cmath.sinh, "Returns the hyperbolic sine of a complex number.")
_unary("IMCOSH", cmath.cosh, "Returns the hyperbolic cosine of a complex number.")
_unary("IMSEC", lambda c: 1 / cmath.cos(c), "Returns the secant of a complex number.")
_unary("IMSECH", lambda c: 1 / cmath.cosh(c), "Returns the hyperbolic secant of a complex number.")
_unary("IMCSC", lambda c: 1 / cmath.sin(c), "Returns the cosecant of a complex number.")
_unary("IMCSCH", lambda c: 1 / cmath.sinh(c), "Returns the hyperbolic cosecant of a complex number.")
_unary("IMCOT", lambda c: 1 / cmath.tan(c), "Returns the cotangent of a complex number.")


def _all(calc, args):
    out, sfx = [], None
    for v, _ in iter_values(calc, args):
        c, s = parse(v)
        out.append(c)
        if isinstance(v, str) and v and v[-1] in "ij":
            sfx = sfx or s
    return out, sfx or "i"


@excel("IMSUM", min_args=1)
def IMSUM(calc, *args):
    """Returns the sum of complex numbers."""
    zs, sfx = _all(calc, args)
    return render(sum(zs, complex(0, 0)), sfx)


@excel("IMPRODUCT", min_args=1)
def IMPRODUCT(calc, *args):
    """Returns the product of complex numbers."""
    zs, sfx = _all(calc, args)
    p = complex(1, 0)
    for z in zs:
        p *= z
    return render(p, sfx)


@excel("IMSUB", min_args=2, max_args=2)
@elementwise
def IMSUB(a, b):
    """Returns the difference of two complex numbers."""
    (x, s1), (y, s2) = parse(a), parse(b)
    return render(x - y, s1 if isinstance(a, str) and a[-1:] in ("i", "j") else s2)


@excel("IMDIV", min_args=2, max_args=2)
@elementwise
def IMDIV(a, b):
    """Returns the quotient of two complex numbers."""
    (x, s1), (y, s2) = parse(a), parse(b)
    if y == 0:
        raise ExcelRaise(NUM)
    return render(x / y, s1 if isinstance(a, str) and a[-1:] in ("i", "j") else s2)


@excel("IMPOWER", min_args=2, max_args=2)
@elementwise
def IMPOWER(a, n):
    """Returns a complex number raised to a power."""
    x, sfx = parse(a)
    k = to_number(n)
    if x == 0:
        if k > 0:
            return "0"
        raise ExcelRaise(NUM)
    r, t = abs(x), math.atan2(x.imag, x.real)
    try:
        return render(cmath.rect(r ** k, t * k), sfx)
    except (OverflowError, ValueError):
        raise ExcelRaise(NUM)
