"""IF and friends.  IF, IFERROR, IFS, CHOOSE and SWITCH evaluate only the branch they take."""
from __future__ import annotations

from ..call_plan import blank_as_zero
from ..values import NA, VALUE, Arr, ExcelRaise, XlErr, to_bool, to_number
from . import excel, guarded
from .helpers import broadcast, is_array, iter_values, scalarize


def _cond(calc, v):
    v = scalarize(calc, v)
    if isinstance(v, XlErr):
        raise ExcelRaise(v)
    if isinstance(v, str):
        u = v.upper()
        if u in ("TRUE", "FALSE"):
            return u == "TRUE"
        raise ExcelRaise(VALUE)
    return to_bool(v)


# IF, IFS and CHOOSE are lazy, so excel(...) gives them no guard: the error raised while
# judging their condition or index is their result through these (and, unlike IF's, what
# IFS's chosen value raises is IFS's result).
_condition = guarded(_cond)


@guarded
def _index(calc, v):
    return int(to_number(scalarize(calc, v)))


@guarded
def _forced(thunk):
    return thunk()


@excel("IF", min_args=1, max_args=3, lazy=True, args="* [*] [*]", branch="if")
def IF(calc, args):
    cond = args[0]()
    if is_array(cond):
        rest = [a() if i < len(args) - 1 else None for i, a in enumerate(args[1:])]
        t = rest[0] if len(rest) > 0 else True
        f = rest[1] if len(rest) > 1 else False

        def pick(c, x, y):
            if isinstance(c, XlErr):
                return c
            return x if to_bool(c) else y
        return broadcast(calc, pick, (cond, t if t is not None or len(args) > 1 else 0,
                                      f if len(args) > 2 else False))
    ok = _condition(calc, cond)
    if type(ok) is XlErr:
        return ok
    if ok:
        if len(args) < 2:
            return True
        return blank_as_zero(args[1]())
    if len(args) < 3:
        return False
    return blank_as_zero(args[2]())


def _is_err(calc, v, only_na=False):
    v = scalarize(calc, v) if not is_array(v) else v
    return isinstance(v, XlErr) and (not only_na or v is NA)


def _iferror(only_na):
    def fn(calc, args):
        v = args[0]()
        if is_array(v):
            alt = args[1]()
            if not is_array(alt):
                return broadcast(calc, lambda x, y: y if isinstance(x, XlErr) and (not only_na or x is NA)
                                 else x, (v, alt))
            return _iferror_arrays(calc, calc.full_values(v), calc.full_values(alt), only_na)
        s = scalarize(calc, v)
        if isinstance(s, XlErr) and (not only_na or s is NA):
            return blank_as_zero(args[1]())
        # a value that is no error is the call's value as given (a one-cell reference stays one)
        return v if s is not None else blank_as_zero(s)
    return fn


def _iferror_arrays(calc, vals, alts, only_na):
    """Element by element over the larger of the two shapes, a side of one row or column
    repeating.  The fallback is read only where the value is an error: a good value stands
    even where a shorter fallback has no element, an error there becomes #N/A."""
    nr, nc = max(len(vals), len(alts)), max(len(vals[0]), len(alts[0]))

    def at(g, i, j):
        i = 0 if len(g) == 1 else i
        j = 0 if len(g[0]) == 1 else j
        return g[i][j] if i < len(g) and j < len(g[0]) else NA

    rows = []
    for i in range(nr):
        row = []
        for j in range(nc):
            x = at(vals, i, j)
            if isinstance(x, XlErr) and (not only_na or x is NA):
                x = at(alts, i, j)
            row.append(blank_as_zero(x))
        rows.append(row)
    return Arr(rows)


excel("IFERROR", min_args=2, max_args=2, lazy=True, args="* *", branch="iferror")(_iferror(False))
excel("IFNA", min_args=2, max_args=2, lazy=True, args="* *", branch="ifna")(_iferror(True))


@excel("IFS", min_args=2, lazy=True, args="*+")
def IFS(calc, args):
    if len(args) % 2:
        return VALUE
    for i in range(0, len(args), 2):
        cond = args[i]()
        if is_array(cond):
            # in an array formula a condition that is an array lifts IFS over its elements
            rest = [cond] + [a() for a in args[i + 1:]]
            return broadcast(calc, _ifs_element, rest)
        ok = _condition(calc, cond)
        if type(ok) is XlErr:
            return ok
        if ok:
            return _forced(args[i + 1])
    return NA


def _ifs_element(*pairs):
    for i in range(0, len(pairs), 2):
        c = pairs[i]
        if isinstance(c, XlErr):
            return c
        if c is not None and to_bool(c):
            v = pairs[i + 1]
            return 0 if v is None else v
    return NA


@excel("SWITCH", min_args=3, lazy=True, args="*+")
def SWITCH(calc, args):
    from ..values import compare
    v = args[0]()
    if is_array(v):
        # an array expression lifts SWITCH over its elements (the cases are all evaluated)
        return broadcast(calc, _switch_element, [v] + [a() for a in args[1:]])
    v = scalarize(calc, v)
    if isinstance(v, XlErr):
        return v
    n = len(args) - 1
    for i in range(1, n, 2):
        if i + 1 > n:
            break
        cand = scalarize(calc, args[i]())
        if isinstance(cand, XlErr):
            return cand
        if type(cand) is type(v) or (isinstance(cand, (int, float)) and isinstance(v, (int, float))
                                     and not isinstance(cand, bool) and not isinstance(v, bool)):
            if compare(v, cand) == 0:
                return args[i + 1]()
    if n % 2 == 1:
        return args[-1]()
    return NA


def _switch_element(v, *cases):
    from ..values import compare
    if isinstance(v, XlErr):
        return v
    n = len(cases)
    for i in range(0, n - 1, 2):
        cand = cases[i]
        if isinstance(cand, XlErr):
            return cand
        if type(cand) is type(v) or (isinstance(cand, (int, float)) and isinstance(v, (int, float))
                                     and not isinstance(cand, bool) and not isinstance(v, bool)):
            if compare(v, cand) == 0:
                r = cases[i + 1]
                return 0 if r is None else r
    if n % 2 == 1:
        return cases[-1]
    return NA


@excel("CHOOSE", min_args=2, lazy=True, args="*+")
def CHOOSE(calc, args):
    idx = args[0]()
    if is_array(idx):
        vals = [a() for a in args[1:]]

        def pick(i, *vs):
            k = int(to_number(i))
            if k < 1 or k > len(vs):
                return VALUE
            return vs[k - 1]
        return broadcast(calc, pick, (idx, *vals))
    k = _index(calc, idx)
    if type(k) is XlErr:
        return k
    if k < 1 or k >= len(args):
        return VALUE
    return args[k]()


def _logical_values(calc, args):
    out = []
    for v, from_ref in iter_values(calc, args):
        if isinstance(v, XlErr):
            raise ExcelRaise(v)
        if isinstance(v, bool):
            out.append(v)
        elif isinstance(v, (int, float)):
            out.append(v != 0)
        elif isinstance(v, str):
            if from_ref or v == "":
                continue  # empty text given directly is passed over, as Excel does
            u = v.upper()
            if u in ("TRUE", "FALSE"):
                out.append(u == "TRUE")
            else:
                raise ExcelRaise(VALUE)
    return out


def _logical(combine):
    def fn(calc, *args):
        vals = _logical_values(calc, args)
        return combine(vals) if vals else VALUE
    return fn


AND = excel("AND", min_args=1, args="r+")(_logical(all))
OR = excel("OR", min_args=1, args="r+")(_logical(any))
XOR = excel("XOR", min_args=1)(_logical(lambda vals: sum(vals) % 2 == 1))


@excel("NOT", min_args=1, max_args=1)
def NOT(calc, a):
    if is_array(a):
        return broadcast(calc, lambda v: not to_bool(v) if not isinstance(v, XlErr) else v, (a,))
    v = scalarize(calc, a)
    if isinstance(v, XlErr):
        return v
    return not _cond(calc, v)


@excel("TRUE", max_args=0)
def TRUE(calc):
    return True


@excel("FALSE", max_args=0)
def FALSE(calc):
    return False


@excel("NA", max_args=0)
def NA_(calc):
    return NA


@excel("SINGLE", min_args=1, max_args=1, wants_cell=True)
def SINGLE(calc, r, c, a):
    from ..values import Ref
    if isinstance(a, Ref):
        return calc.scalar(a, r, c)
    if isinstance(a, Arr):
        return a.rows[0][0]
    return a
