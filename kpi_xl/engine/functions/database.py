"""Database functions (DSUM, DCOUNT, DGET, ...): a list with a header row, a field, and a
criteria range whose rows are alternatives and whose columns must all hold."""
from __future__ import annotations

import math

from ..values import DIV0, NUM, VALUE, ExcelRaise, Ref, XlErr, to_number
from . import excel
from .helpers import criteria_matcher, scalarize, xsum


def _grid(calc, x):
    if not isinstance(x, Ref):
        raise ExcelRaise(VALUE)
    return calc.values(x) if x.shape[0] * x.shape[1] < 4_000_000 else calc.range_rows(x)


def _key(v):
    """Headers match as text, case-insensitively (a TRUE header is found by "true")."""
    if v is None or isinstance(v, XlErr):
        return None
    from ..values import to_text
    return to_text(v).lower()


def _field_index(calc, header, field):
    if field is None:
        return None
    if isinstance(field, Ref) and not field.is_cell:
        raise ExcelRaise(VALUE)
    f = scalarize(calc, field)
    if isinstance(f, XlErr):
        raise ExcelRaise(f)
    if f is None:
        return None
    if isinstance(f, (str, bool)):
        key = _key(f)
        for i, h in enumerate(header):
            if _key(h) == key:
                return i
        raise ExcelRaise(VALUE)
    k = int(math.trunc(to_number(f)))
    if k < 1 or k > len(header):
        raise ExcelRaise(VALUE)
    return k - 1


def _text_begins(crit):
    """Text criteria in a criteria range match text beginning with them ("Ap" finds "Apple")."""
    if isinstance(crit, str):
        c = crit
        op = ""
        for o in ("<=", ">=", "<>", "<", ">", "="):
            if c.startswith(o):
                op, c = o, c[len(o):]
                break
        if op == "" and c != "" and not _looks_numeric(c) and c.upper() not in ("TRUE", "FALSE"):
            return c + "*"
    return crit


def _looks_numeric(s):
    from ..values import parse_number_text
    return parse_number_text(s) is not None


def _selected(calc, database, criteria):
    rows = _grid(calc, database)
    if len(rows) < 1:
        raise ExcelRaise(VALUE)
    if len(rows) < 2:
        raise ExcelRaise(VALUE)
    header, records = rows[0], rows[1:]
    crows = _grid(calc, criteria)
    if len(crows) < 2:
        raise ExcelRaise(VALUE)
    cheader = crows[0]
    cols = {}
    for j, h in enumerate(header):
        if _key(h) is not None:
            cols.setdefault(_key(h), j)
    alternatives = []
    for crow in crows[1:]:
        tests = []
        for j, c in enumerate(crow):
            if c is None or c == "":
                continue
            key = _key(cheader[j]) if j < len(cheader) else None
            if key not in cols:
                tests.append((None, lambda v: False))
                continue
            tests.append((cols[key], criteria_matcher(_text_begins(c))))
        alternatives.append(tests)
    out = []
    for rec in records:
        for tests in alternatives:
            if all(t(rec[i]) for i, t in tests if i is not None) and not any(i is None for i, _ in tests):
                out.append(rec)
                break
    return header, out


def _dfunc(reduce, numeric=True, field_optional=False):
    def fn(calc, database, field, criteria):
        header, recs = _selected(calc, database, criteria)
        idx = _field_index(calc, header, field)
        if idx is None:
            if not field_optional:
                raise ExcelRaise(VALUE)
            vals = [None for _ in recs]
            return reduce(recs, vals)
        vals = [r[idx] for r in recs]
        return reduce(recs, vals)
    return fn


def _nums(vals):
    return [v for v in vals if type(v) in (int, float)]


def _sum(recs, vals):
    return xsum(_nums(vals))


def _count(recs, vals):
    return len(_nums(vals))


def _counta(recs, vals):
    return sum(1 for v in vals if v is not None and v != "")


def _average(recs, vals):
    xs = _nums(vals)
    if not xs:
        raise ExcelRaise(DIV0)
    return xsum(xs) / len(xs)


def _min(recs, vals):
    xs = _nums(vals)
    return min(xs) if xs else 0


def _max(recs, vals):
    xs = _nums(vals)
    return max(xs) if xs else 0


def _product(recs, vals):
    xs = _nums(vals)
    p = 1.0
    for x in xs:
        p *= x
    return p if xs else 0


def _get(recs, vals):
    if not vals:
        raise ExcelRaise(VALUE)
    if len(vals) > 1:
        raise ExcelRaise(NUM)
    v = vals[0]
    return 0 if v is None else v


def _var(sample):
    def f(recs, vals):
        xs = _nums(vals)
        n = len(xs)
        if n - (1 if sample else 0) <= 0:
            raise ExcelRaise(DIV0)
        m = xsum(xs) / n
        return xsum((x - m) ** 2 for x in xs) / (n - 1 if sample else n)
    return f


def _std(sample):
    v = _var(sample)
    return lambda recs, vals: math.sqrt(v(recs, vals))


def _count_records(recs, vals):
    return len(recs)


excel("DSUM", min_args=3, max_args=3)(_dfunc(_sum))
excel("DCOUNT", min_args=3, max_args=3)(_dfunc(_count, field_optional=True))
excel("DCOUNTA", min_args=3, max_args=3)(_dfunc(_counta, field_optional=True))
excel("DAVERAGE", min_args=3, max_args=3)(_dfunc(_average))
excel("DMIN", min_args=3, max_args=3)(_dfunc(_min))
excel("DMAX", min_args=3, max_args=3)(_dfunc(_max))
excel("DPRODUCT", min_args=3, max_args=3)(_dfunc(_product))
excel("DGET", min_args=3, max_args=3)(_dfunc(_get))
excel("DVAR", min_args=3, max_args=3)(_dfunc(_var(True)))
excel("DVARP", min_args=3, max_args=3)(_dfunc(_var(False)))
excel("DSTDEV", min_args=3, max_args=3)(_dfunc(_std(True)))
excel("DSTDEVP", min_args=3, max_args=3)(_dfunc(_std(False)))
