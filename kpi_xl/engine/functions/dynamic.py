"""Dynamic-array functions the engine implements itself."""
from __future__ import annotations

from ..a1 import MAX_COL, MAX_ROW
from ..values import CALC, REF, VALUE, Arr, ExcelRaise, Ref, Tail, XlErr, text_key, to_number
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
    for a in (rows, cols, start, step):
        v = scalarize(calc, a) if a is not None else None
        if isinstance(v, XlErr):
            return v
    nr = int(_int_arg(calc, rows, 1))
    nc = int(_int_arg(calc, cols, 1))
    s = _int_arg(calc, start, 1)
    d = _int_arg(calc, step, 1)
    if nr < 0 or nc < 0:
        return VALUE
    if nr == 0 or nc == 0:
        return CALC      # an empty array (SEQUENCE(0), SEQUENCE(0.3)), as Excel shows it
    if nr * nc > MAX_ROW * MAX_COL:   # more cells than a sheet holds
        return VALUE
    return Arr([[s + d * (i * nc + j) for j in range(nc)] for i in range(nr)])


@excel("MUNIT", min_args=1, max_args=1, args="v")
def MUNIT(calc, n):
    """The identity matrix of a dimension: built row by row, so that the calculation's
    memory budget stops MUNIT(45000) (16 GB in one allocation where it was computed whole)
    before it takes the machine's memory."""
    v = scalarize(calc, n)
    if isinstance(v, XlErr):
        return v
    k = int(to_number(v))
    if k < 1:
        return VALUE
    if k * k > MAX_ROW * MAX_COL:   # more cells than a sheet holds
        return VALUE
    rows = []
    for i in range(k):
        row = [0] * k
        row[i] = 1
        rows.append(row)
    return Arr(rows)


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
    nr = int(_int_arg(calc, rows, 1))
    nc = int(_int_arg(calc, cols, 1))
    lo = _int_arg(calc, low, 0)
    hi = _int_arg(calc, high, 1)
    integers = bool(_int_arg(calc, whole, 0))
    if nr < 1 or nc < 1 or hi < lo:
        return VALUE
    if integers:
        return Arr([[random.randint(int(lo), int(hi)) for _ in range(nc)] for _ in range(nr)])
    return Arr([[lo + (hi - lo) * random.random() for _ in range(nc)] for _ in range(nr)])


_ERROR_ORDER = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


def _sort_key(v):
    """Excel's sort order: numbers, text (ignoring case), logicals, errors; blanks go last
    whichever way the sort runs, so they are kept apart by the caller."""
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, (int, float)):
        return (0, v)
    if isinstance(v, str):
        return (1, text_key(v.lower()))
    if isinstance(v, XlErr):
        code = v.code
        return (3, _ERROR_ORDER.index(code) if code in _ERROR_ORDER else len(_ERROR_ORDER))
    return (4, 0)


@excel("SORT", min_args=1, max_args=4)
def SORT(calc, array, sort_index=None, sort_order=None, by_col=None):
    """Sorts the contents of a range or array."""
    from ..values import to_bool
    if isinstance(array, XlErr):
        return array
    rows = _copied(calc.full_values(array))
    k = int(_int_arg(calc, sort_index, 1))
    order = int(_int_arg(calc, sort_order, 1))
    cols = False if by_col is None else to_bool(scalarize(calc, by_col))
    if order not in (1, -1):
        return VALUE
    lines = [list(c) for c in zip(*rows)] if cols else rows
    if k < 1 or k > (len(lines[0]) if lines else 0):
        return VALUE
    filled = [ln for ln in lines if ln[k - 1] is not None]
    blank = [ln for ln in lines if ln[k - 1] is None]
    # reverse=True keeps equal keys in their order, as Excel does
    filled.sort(key=lambda ln: _sort_key(ln[k - 1]), reverse=(order == -1))
    out = filled + blank
    if cols:
        out = [list(r) for r in zip(*out)]
    return Arr(out)


def _by(calc, array, fn, by_col):
    if isinstance(array, XlErr):
        return array
    if not callable(fn):
        return fn if isinstance(fn, XlErr) else VALUE
    rows = calc.full_values(array)
    if not by_col and type(rows) is Tail:
        # the blank row repeated past the used area: the LAMBDA once for all of them,
        # unless it calls a volatile function (RAND() differs on each row)
        fill, same = calc.same_each_time(lambda: _line_result(calc, fn, Arr([list(rows.fill)])))
        if same:
            head = _by_lines(calc, rows.head, fn, False)
            if head is CALC or fill is _MANY:
                return CALC
            return Arr(Tail([[v] for v in head], rows.n, [fill]))
    out = _by_lines(calc, [list(c) for c in zip(*rows)] if by_col else rows, fn, by_col)
    if out is CALC:
        return CALC
    return Arr([out]) if by_col else Arr([[v] for v in out])


#: A LAMBDA's answer for one row or column that is not one value.
_MANY = object()


def _by_lines(calc, lines, fn, by_col):
    """``fn``'s one value for each row (or column) of ``lines``; #CALC! when one of them
    does not come down to one value."""
    out = []
    for line in lines:
        v = _line_result(calc, fn, Arr([[v] for v in line]) if by_col else Arr([list(line)]))
        if v is _MANY:
            return CALC  # each row must come down to one value
        out.append(v)
    return out


def _line_result(calc, fn, arg):
    """``fn`` applied to one row or column ``arg``: its one value (a blank as 0), or _MANY."""
    v = fn(arg)
    if isinstance(v, (Ref, Arr)):
        vals = calc.values(v)
        if len(vals) != 1 or len(vals[0]) != 1:
            return _MANY
        v = vals[0][0]
    return 0 if v is None else v


@excel("BYROW", min_args=2, max_args=2)
def BYROW(calc, array, fn):
    """Applies a LAMBDA to each row and returns an array of the results."""
    return _by(calc, array, fn, False)


@excel("BYCOL", min_args=2, max_args=2)
def BYCOL(calc, array, fn):
    """Applies a LAMBDA to each column and returns an array of the results."""
    return _by(calc, array, fn, True)


def _wrap_lines(calc, vector, wrap_count, pad_with, by_col):
    """WRAPROWS / WRAPCOLS: the values of a one-row or one-column ``vector`` cut into lines
    of ``wrap_count``, the last line padded with ``pad_with`` (#N/A when left out)."""
    from ..values import NA, NUM
    if isinstance(vector, XlErr):
        return vector
    rows = calc.full_values(vector)
    if len(rows) != 1 and any(len(r) != 1 for r in rows):
        return VALUE                      # a vector is one row or one column
    values = [v for r in rows for v in r]
    n = _int_arg(calc, wrap_count, None)
    if n is None or isinstance(n, XlErr):
        return VALUE if n is None else n
    n = int(n)
    if n < 1:
        return NUM
    pad = NA if pad_with is None else scalarize(calc, pad_with)
    lines = [values[i:i + n] for i in range(0, len(values), n)]
    lines[-1] = lines[-1] + [pad] * (n - len(lines[-1]))
    if by_col:
        return Arr([list(r) for r in zip(*lines)])
    return Arr(lines)


@excel("WRAPROWS", min_args=2, max_args=3)
def WRAPROWS(calc, vector, wrap_count, pad_with=None):
    """Wraps a row or column of values into rows of ``wrap_count`` values."""
    return _wrap_lines(calc, vector, wrap_count, pad_with, False)


@excel("WRAPCOLS", min_args=2, max_args=3)
def WRAPCOLS(calc, vector, wrap_count, pad_with=None):
    """Wraps a row or column of values into columns of ``wrap_count`` values."""
    return _wrap_lines(calc, vector, wrap_count, pad_with, True)


def _lines_arg(calc, a):
    """TAKE's and DROP's count of rows or columns: left out (None), or cut toward zero."""
    if a is None:
        return None
    v = scalarize(calc, a)
    if v is None:
        return None
    if isinstance(v, XlErr):
        raise ExcelRaise(v)
    if isinstance(v, bool):
        v = int(v)
    return int(to_number(v))


def _copied(rows):
    """An array's rows as lists of their own: a large range's (or its Tail's) repeated row
    stays one row, repeated."""
    if type(rows) is Tail:
        return Tail([list(r) for r in rows.head], rows.n, list(rows.fill))
    return [list(r) for r in rows]


def _rows_of(calc, array):
    if isinstance(array, XlErr):
        raise ExcelRaise(array)
    if isinstance(array, (Ref, Arr)) or hasattr(array, "refs"):
        return _copied(calc.full_values(array))
    return [[array]]


def _take_drop(calc, array, rows, cols, take):
    grid = _rows_of(calc, array)
    nr, nc = _lines_arg(calc, rows), _lines_arg(calc, cols)

    def cut(items, n):
        if n is None:
            return items
        if take:
            return items[:n] if n >= 0 else items[len(items) + n:] if -n < len(items) else items
        return items[n:] if n >= 0 else items[:len(items) + n] if -n < len(items) else []
    grid = cut(grid, nr)
    if nc is not None:
        grid = [cut(row, nc) for row in grid]
    if not grid or not grid[0] or (take and 0 in (nr, nc)):
        return CALC      # nothing left: Excel's empty array
    return Arr(grid)


@excel("TAKE", min_args=2, max_args=3)
def TAKE(calc, array, rows, cols=None):
    """The first (or, counted negative, the last) rows and columns of an array."""
    return _take_drop(calc, array, rows, cols, True)


@excel("DROP", min_args=2, max_args=3)
def DROP(calc, array, rows, cols=None):
    """An array without its first (or, counted negative, its last) rows and columns."""
    return _take_drop(calc, array, rows, cols, False)


@excel("FILTER", min_args=2, max_args=3)
def FILTER(calc, array, include, if_empty=None):
    """The rows (or columns) of ``array`` whose ``include`` value is true: ``include`` is one
    column as tall as the array or one row as wide; none kept gives ``if_empty``, or #CALC!
    (Excel's empty array) when it is left out."""
    from ..values import to_bool
    grid = _rows_of(calc, array)
    inc = _rows_of(calc, include)
    h, w = len(grid), len(grid[0]) if grid else 0
    if len(inc) == h and all(len(r) == 1 for r in inc):
        flags, by_row = [r[0] for r in inc], True
    elif len(inc) == 1 and len(inc[0]) == w:
        flags, by_row = inc[0], False
    else:
        return VALUE
    keep = []
    for i, f in enumerate(flags):
        if isinstance(f, XlErr):
            return f
        if f is None:
            continue
        if isinstance(f, str):
            return VALUE
        if to_bool(f):
            keep.append(i)
    if not keep:
        if if_empty is None:
            return CALC
        if isinstance(if_empty, (Ref, Arr)):
            return Arr(_copied(calc.full_values(if_empty)))
        return if_empty
    if by_row:
        return Arr([grid[i] for i in keep])
    return Arr([[row[i] for i in keep] for row in grid])


def _same_key(v):
    """What UNIQUE compares a value by: text without regard to case (Excel's UNIQUE is not
    case-sensitive), numbers by value, a logical apart from the number it equals, errors by
    their code, a blank apart from an empty text."""
    if v is None:
        return (0,)
    if isinstance(v, bool):
        return (3, v)
    if isinstance(v, (int, float)):
        return (1, float(v))
    if isinstance(v, str):
        return (2, v.lower())
    if isinstance(v, XlErr):
        return (4, v.code)
    return (5, repr(v))


def _counted_lines(rows, by_col):
    """(line, key, how many times) of an array's rows (its columns with ``by_col``) in
    order of first appearance; a large range's repeated blank rest counts as one line
    seen many times, without a list of a million rows."""
    if by_col:
        rows = [list(c) for c in zip(*rows)]
        extra = 0
    elif type(rows) is Tail:
        extra, rows = rows.n - len(rows.head), list(rows.head) + [rows.fill]
    else:
        extra = 0
    seen: dict = {}
    for i, line in enumerate(rows):
        key = tuple(_same_key(v) for v in line)
        times = 1 + (extra if i == len(rows) - 1 else 0)
        if key in seen:
            seen[key][1] += times
        else:
            seen[key] = [list(line), times]
    return seen.values()


@excel("UNIQUE", min_args=1, max_args=3)
def UNIQUE(calc, array, by_col=None, exactly_once=None):
    """The distinct rows (or, ``by_col``, columns) of an array in order of first appearance,
    text compared without regard to case; ``exactly_once``: only those that appear once.
    None left is #CALC!, Excel's empty array."""
    from ..values import to_bool
    grid = _rows_of(calc, array)
    flags = []
    for a in (by_col, exactly_once):
        v = None if a is None else scalarize(calc, a)
        if isinstance(v, XlErr):
            return v
        flags.append(False if v is None else to_bool(v))
    lines = [line for line, times in _counted_lines(grid, flags[0])
             if not flags[1] or times == 1]
    if not lines:
        return CALC
    if flags[0]:
        return Arr([list(r) for r in zip(*lines)])
    return Arr(lines)


def _kept_span(n, blank, how):
    """(first, last) indexes of ``n`` lines kept by TRIMRANGE's ``how`` (0 none, 1 leading,
    2 trailing, 3 both) where ``blank(i)`` tells a wholly blank line; None when every line
    is blank and some are to be trimmed."""
    first, last = 0, n - 1
    if how in (1, 3):
        while first < n and blank(first):
            first += 1
    if how in (2, 3):
        while last >= first and blank(last):
            last -= 1
    return None if first > last else (first, last)


@excel("TRIMRANGE", min_args=1, max_args=3)
def TRIMRANGE(calc, range_, trim_rows=None, trim_cols=None):
    """A range (or array) without its blank outer rows and columns: ``trim_rows`` and
    ``trim_cols`` 0 none, 1 leading, 2 trailing, 3 both (the default).  A range gives a
    range (SUM(ANCHORARRAY(…)) reads it), an array an array; a wholly blank one is #REF!."""
    hows = []
    for a in (trim_rows, trim_cols):
        v = 3 if a is None else _int_arg(calc, a, 3)
        if isinstance(v, XlErr):
            return v
        if v not in (0, 1, 2, 3):
            return VALUE
        hows.append(int(v))
    if isinstance(range_, XlErr):
        return range_
    if not isinstance(range_, (Ref, Arr)):
        return VALUE if hasattr(range_, "refs") else Arr([[range_]])
    rows = calc.full_values(range_)
    head = rows.head if type(rows) is Tail else rows
    n, w = len(rows), len(rows[0]) if len(rows) else 0

    def blank_row(i):
        return all(v is None for v in rows[i])   # a Tail's row past its head is its fill

    def blank_col(j):
        return all(r[j] is None for r in head) and (
            type(rows) is not Tail or len(head) == n or rows.fill[j] is None)

    span_r = _kept_span(n, blank_row, hows[0])
    span_c = _kept_span(w, blank_col, hows[1])
    if span_r is None or span_c is None:
        return REF
    (r1, r2), (c1, c2) = span_r, span_c
    if type(range_) is Ref:
        return Ref(range_.sheet, range_.r1 + r1, range_.c1 + c1, range_.r1 + r2, range_.c1 + c2)
    return Arr([list(r[c1:c2 + 1]) for r in rows[r1:r2 + 1]])
