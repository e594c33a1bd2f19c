"""Dynamic-array functions the engine implements itself."""
from __future__ import annotations

from ..values import REF, VALUE, Arr, ExcelRaise, Ref, XlErr, to_number
from . import excel
from .helpers import scalarize


def _int_arg(calc, a, default):
    if a is None:
        return default
    v = scalarize(calc, a)
    if v is None:
        return default
    return to_number(v)


@excel("SEQUENCE", min_args=1, max_args=4)
def SEQUENCE(calc, rows, cols=None, start=None, step=None):
    """Generates a list of sequential numbers in an array."""
    try:
        for a in (rows, cols, start, step):
            v = scalarize(calc, a) if a is not None else None
            if isinstance(v, XlErr):
                return v
        nr = int(_int_arg(calc, rows, 1))
        nc = int(_int_arg(calc, cols, 1))
        s = _int_arg(calc, start, 1)
        d = _int_arg(calc, step, 1)
    except ExcelRaise as exc:
        return exc.err
    if nr < 0 or nc < 0:
        return VALUE
    if nr == 0 or nc == 0:
        return VALUE
    if nr * nc > 1048576 * 16384:
        return VALUE
    return Arr([[s + d * (i * nc + j) for j in range(nc)] for i in range(nr)])


@excel("ANCHORARRAY", min_args=1, max_args=1)
def ANCHORARRAY(calc, ref):
    """The whole spilled range of a dynamic-array formula (the A1# operator)."""
    if isinstance(ref, XlErr):
        return ref
    if not isinstance(ref, Ref) or not ref.is_cell:
        return REF
    bounds = calc.arrays[ref.sheet].get((ref.r1, ref.c1))
    if bounds is None:
        return REF
    calc.cell(ref.sheet, ref.r1, ref.c1)  # computed first, so its value is there to read
    return Ref(ref.sheet, *bounds)


@excel("RANDARRAY", max_args=5)
def RANDARRAY(calc, rows=None, cols=None, low=None, high=None, whole=None):
    """Returns an array of random numbers."""
    import random
    calc.taint_volatile()
    try:
        nr = int(_int_arg(calc, rows, 1))
        nc = int(_int_arg(calc, cols, 1))
        lo = _int_arg(calc, low, 0)
        hi = _int_arg(calc, high, 1)
        integers = bool(_int_arg(calc, whole, 0))
    except ExcelRaise as exc:
        return exc.err
    if nr < 1 or nc < 1 or hi < lo:
        return VALUE
    if integers:
        return Arr([[random.randint(int(lo), int(hi)) for _ in range(nc)] for _ in range(nr)])
    return Arr([[lo + (hi - lo) * random.random() for _ in range(nc)] for _ in range(nr)])
