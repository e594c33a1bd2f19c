"""Annuity functions (PMT, PV, FV, NPER) with Excel's argument rules: a rate of -100 % or
less is #NUM!, any non-zero type means payments at the start of each period."""
from __future__ import annotations

import math

from ..values import DIV0, NUM, ExcelRaise, to_number
from . import excel
from .helpers import elementwise


def _rate(r):
    x = to_number(r)
    if x <= -1:
        raise ExcelRaise(NUM)
    return x


def _real(compute):
    """PV and FV take any rate: a zero base is #DIV/0!, a complex result #NUM!."""
    try:
        v = compute()
    except ZeroDivisionError:
        raise ExcelRaise(DIV0)
    except OverflowError:
        raise ExcelRaise(NUM)
    if isinstance(v, complex):
        raise ExcelRaise(NUM)
    return v


def _type(t):
    return 0 if t is None else (1 if to_number(t) != 0 else 0)


def _opt(v):
    return 0 if v is None else to_number(v)


@excel("PMT", min_args=3, max_args=5)
@elementwise
def PMT(rate, nper, pv, fv=None, kind=None):
    """Calculates the payment for a loan based on constant payments and a constant interest rate."""
    r, n, p, f, t = _rate(rate), to_number(nper), to_number(pv), _opt(fv), _type(kind)
    if r == 0:
        if n == 0:
            raise ExcelRaise(NUM)
        return -(p + f) / n
    g = (1 + r) ** n
    if g == 1:
        raise ExcelRaise(NUM)
    return -(r * (f + p * g)) / ((1 + r * t) * (g - 1))


@excel("PV", min_args=3, max_args=5)
@elementwise
def PV(rate, nper, pmt, fv=None, kind=None):
    """Returns the present value of an investment."""
    r, n, m, f, t = to_number(rate), to_number(nper), to_number(pmt), _opt(fv), _type(kind)
    if r == 0:
        return -(f + m * n)
    return _real(lambda: -(f + m * (1 + r * t) * ((1 + r) ** n - 1) / r) / (1 + r) ** n)


@excel("FV", min_args=3, max_args=5)
@elementwise
def FV(rate, nper, pmt, pv=None, kind=None):
    """Returns the future value of an investment."""
    r, n, m, p, t = to_number(rate), to_number(nper), to_number(pmt), _opt(pv), _type(kind)
    if r == 0:
        return -(p + m * n)
    return _real(lambda: -(p * (1 + r) ** n + m * (1 + r * t) * ((1 + r) ** n - 1) / r))


@excel("NPER", min_args=3, max_args=5)
@elementwise
def NPER(rate, pmt, pv, fv=None, kind=None):
    """Returns the number of periods for an investment."""
    r, m, p, f, t = _rate(rate), to_number(pmt), to_number(pv), _opt(fv), _type(kind)
    if r == 0:
        if m == 0:
            raise ExcelRaise(NUM)
        return -(p + f) / m
    a = m * (1 + r * t) - f * r
    b = m * (1 + r * t) + p * r
    if b == 0 or a / b <= 0:
        raise ExcelRaise(NUM)
    return math.log(a / b) / math.log(1 + r)


@excel("MIRR", min_args=3, max_args=3)
def MIRR(calc, values, finance_rate, reinvest_rate):
    """Returns the internal rate of return where positive and negative cash flows are financed at different rates."""
    from .helpers import numbers, scalarize
    try:
        flows = numbers(calc, [values])
        f = to_number(scalarize(calc, finance_rate))
        r = to_number(scalarize(calc, reinvest_rate))
    except ExcelRaise as exc:
        return exc.err
    n = len(flows)
    # Powers are taken flow by flow, so a rate of -100 % is fine wherever 0⁰ = 1 suffices.
    try:
        future = sum(v * (1 + r) ** (n - 1 - i) for i, v in enumerate(flows) if v > 0)
        present = sum(v / (1 + f) ** i for i, v in enumerate(flows) if v < 0)
    except ZeroDivisionError:
        return DIV0
    except OverflowError:
        return NUM
    if present == 0 or n < 2:
        return DIV0
    ratio = future / -present
    if ratio < 0:
        return NUM
    try:
        return ratio ** (1 / (n - 1)) - 1
    except OverflowError:
        return NUM
