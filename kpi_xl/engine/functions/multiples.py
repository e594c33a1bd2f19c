"""Rounding to multiples: FLOOR, CEILING and their .MATH / .PRECISE / ISO forms, MROUND."""
from __future__ import annotations

import math

from ..values import DIV0, NUM, ExcelRaise, to_number
from . import excel
from .helpers import elementwise


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


@excel("FLOOR.MATH", min_args=1, max_args=3)
@elementwise
def FLOOR_MATH(x, *opt):
    """Rounds a number down, to the nearest integer or to the nearest multiple of significance."""
    x = _arg(x)
    s = abs(_arg(opt[0])) if len(opt) > 0 else 1
    m = _arg(opt[1]) if len(opt) > 1 else 0
    if s == 0 or x == 0:
        return 0
    if x < 0 and m != 0:
        return -_multiple(-x, s, up=False)
    return _multiple(x, s, up=False)


@excel("CEILING.MATH", min_args=1, max_args=3)
@elementwise
def CEILING_MATH(x, *opt):
    """Rounds a number up, to the nearest integer or to the nearest multiple of significance."""
    x = _arg(x)
    s = abs(_arg(opt[0])) if len(opt) > 0 else 1
    m = _arg(opt[1]) if len(opt) > 1 else 0
    if s == 0 or x == 0:
        return 0
    if x < 0 and m != 0:
        return -_multiple(-x, s, up=True)
    return _multiple(x, s, up=True)


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
@elementwise
def CEILING_PRECISE(x, *opt):
    """Rounds a number up to the nearest integer or multiple of significance, whatever its sign."""
    x = _arg(x)
    s = abs(_arg(opt[0])) if opt else 1
    if s == 0 or x == 0:
        return 0
    return _multiple(x, s, up=True)


@excel("MROUND", min_args=2, max_args=2)
@elementwise
def MROUND(x, sig):
    """Returns a number rounded to the desired multiple."""
    x, s = _arg(x), _arg(sig)
    if s == 0:
        return 0
    if (x > 0 and s < 0) or (x < 0 and s > 0):
        raise ExcelRaise(NUM)
    q = x / s
    # half away from zero, forgiving the last bits of the quotient
    k = math.floor(abs(q) + 0.5 + 1e-12) * (1 if q >= 0 else -1)
    return k * s
