"""GROUPBY, PIVOTBY and PERCENTOF, and the function arguments they take.

Excel saves ``=GROUPBY(A2:A9,B2:B9,SUM)`` as ``_xlfn.GROUPBY(A2:A9,B2:B9,_xleta.SUM)``: a
built-in function given where a function value is wanted is an eta-reduced LAMBDA, and
:func:`~kpi_xl.engine.functions.eta_tree` writes it out as the LAMBDA it stands for, ``LAMBDA(x, SUM(x))`` (PERCENTOF,
which takes the group and the whole, as ``LAMBDA(x, y, PERCENTOF(x, y))``).

Both functions group the records by their field columns into an axis of entries: one per
distinct tuple of labels, and, as the total depth asks, one per parent (a subtotal) and one
for all (the total).  Each output cell is the function applied to the values of the
records under its row entry (and column entry), as Microsoft documents the two functions.
"""
from __future__ import annotations

from ..values import CALC, DIV0, VALUE, Arr, ExcelRaise, Ref, XlErr, to_bool, to_number
from . import excel
from .dynamic import _sort_key
from .helpers import numbers, scalarize

TOTAL = "Total"


def _arity(fn):
    """How many arguments a function value takes (the compiler marks its LAMBDAs)."""
    return getattr(fn, "params", 1)


@excel("PERCENTOF", min_args=2, max_args=2)
def PERCENTOF(calc, subset, whole):
    """The sum of a subset of the data as a fraction of the sum of all of it."""
    part = _sum(calc, subset)
    total = _sum(calc, whole)
    if total == 0:
        return DIV0
    return part / total


def _sum(calc, x):
    return sum(numbers(calc, [x]))


# -- the records ----------------------------------------------------------------------------

def _grid(calc, x):
    if isinstance(x, XlErr):
        raise ExcelRaise(x)
    rows = calc.values(x)
    if not rows or not rows[0]:
        raise ExcelRaise(VALUE)
    return [list(r) for r in rows]


def _number_arg(calc, x, default):
    if x is None:
        return default
    v = scalarize(calc, x)
    if v is None:
        return default
    if isinstance(v, XlErr):
        raise ExcelRaise(v)
    return int(to_number(v))


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _group_key(v):
    """Labels that Excel puts in one group: text without regard to case."""
    if isinstance(v, str):
        return ("s", v.lower())
    if isinstance(v, bool):
        return ("b", v)
    if _is_number(v):
        return ("n", float(v))
    if isinstance(v, XlErr):
        return ("e", v.code)
    return ("", "")


def _label_sort_key(v):
    # blanks last, as SORT puts them
    return (1, 0) if v is None or v == "" else (0, _sort_key(v))


class _Data:
    """The records after the header row and the filter: each (row labels, column labels,
    value row)."""

    def __init__(self, calc, rows, cols, values, headers, filter_array):
        n = len(values)
        if len(rows) != n or (cols is not None and len(cols) != n):
            raise ExcelRaise(VALUE)
        has_headers, shown = headers(values)
        self.row_names = rows[0] if has_headers else None
        self.col_names = cols[0] if has_headers and cols is not None else None
        self.value_names = values[0] if has_headers else None
        self.shown = shown
        keep = [True] * n
        if filter_array is not None:
            if isinstance(filter_array, XlErr):
                raise ExcelRaise(filter_array)
            flt = [v for r in calc.values(filter_array) for v in r]
            if len(flt) != n:
                raise ExcelRaise(VALUE)
            for i, f in enumerate(flt):
                if isinstance(f, XlErr):
                    raise ExcelRaise(f)
                keep[i] = f is not None and to_bool(f)
        first = 1 if has_headers else 0
        self.records = [(rows[i], cols[i] if cols is not None else (), values[i])
                        for i in range(first, n) if keep[i]]
        if not self.records:
            raise ExcelRaise(CALC)
        self.n_values = len(values[0])


def _headers(field_headers, levels):
    """(data has headers, headers are shown) for the field_headers argument."""
    def decide(values):
        if field_headers is None:
            first = values[0][0]
            second = values[1][0] if len(values) > 1 else None
            has = isinstance(first, str) and _is_number(second)
            return has, has and levels > 1
        if field_headers not in (0, 1, 2, 3):
            raise ExcelRaise(VALUE)
        return field_headers in (1, 3), field_headers in (2, 3)
    return decide


# -- an axis: the entries of the rows (or columns) of the result ------------------------------

class _Entry:
    __slots__ = ("prefix", "labels", "kind")

    def __init__(self, prefix, labels, kind):
        self.prefix = prefix      # the group keys this entry takes (all of them for a leaf)
        self.labels = labels      # what its header cells show
        self.kind = kind          # "item", "sub" or "total"


def _axis(keys_of, labels_of, levels, depth, sort_keys, aggregate, table):
    """The entries of one axis, in order.

    ``keys_of``/``labels_of``: each record's group keys and labels along this axis;
    ``depth`` the total depth (0 none, 1 total, k total and subtotals of the first k-1
    levels; negative: above what they total); ``sort_keys`` signed 1-based columns, those
    beyond the fields meaning the value columns (read through ``aggregate(prefix, k)``);
    ``table`` sorts every level by itself, without subtotals."""
    top = depth < 0
    depth = abs(depth)
    if table:
        depth = min(depth, 1)
    tree: dict = {}
    labels: dict = {}
    for keys, labs in zip(keys_of, labels_of):
        node = tree
        for i in range(levels):
            node = node.setdefault(keys[i], {})
            labels.setdefault(keys[:i + 1], labs[i])
    out = []

    def level_order(prefixes, level):
        """Sort the sibling groups at ``level``: by their labels, then by what sort_keys ask."""
        prefixes = sorted(prefixes, key=lambda p: _label_sort_key(labels[p]))
        for k in reversed(sort_keys):
            col = abs(k) - 1
            if col < levels:
                if col != level:
                    continue   # a parent's label is the same for all siblings
                key = (lambda p, col=col: labels[p[:col + 1]])
            else:
                key = (lambda p, col=col: aggregate(p, col - levels))
            filled = [p for p in prefixes if key(p) is not None and key(p) != ""]
            blank = [p for p in prefixes if not (key(p) is not None and key(p) != "")]
            filled.sort(key=lambda p: _sort_key(key(p)), reverse=k < 0)
            prefixes = filled + blank
        return prefixes

    def walk(node, prefix, level):
        for p in level_order([prefix + (k,) for k in node], level):
            sub = level + 1 < depth and level + 1 < levels
            row_labels = tuple(labels[p[:i + 1]] for i in range(len(p)))
            if level + 1 == levels:
                out.append(_Entry(p, row_labels, "item"))
                continue
            if sub and top:
                out.append(_Entry(p, row_labels + ("",) * (levels - len(p)), "sub"))
            walk(node[p[-1]], p, level + 1)
            if sub and not top:
                out.append(_Entry(p, row_labels + ("",) * (levels - len(p)), "sub"))

    if table and levels > 1:
        leaves = sorted({tuple(k[:levels]) for k in keys_of},
                        key=lambda p: [_label_sort_key(labels[p[:i + 1]]) for i in range(levels)])
        for k in reversed(sort_keys):
            col = abs(k) - 1
            if col < levels:
                def key(p, col=col):
                    return labels[p[:col + 1]]
            else:
                def key(p, col=col):
                    return aggregate(p, col - levels)
            filled = [p for p in leaves if key(p) not in (None, "")]
            blank = [p for p in leaves if key(p) in (None, "")]
            filled.sort(key=lambda p: _sort_key(key(p)), reverse=k < 0)
            leaves = filled + blank
        out = [_Entry(p, tuple(labels[p[:i + 1]] for i in range(levels)), "item") for p in leaves]
    else:
        walk(tree, (), 0)
    if depth >= 1:
        total = _Entry((), (TOTAL,) + ("",) * (levels - 1), "total")
        if top:
            out.insert(0, total)
        else:
            out.append(total)
    return out


def _sort_keys(calc, x, levels):
    if x is None:
        return list(range(1, levels + 1))
    if isinstance(x, XlErr):
        raise ExcelRaise(x)
    vals = [v for r in calc.values(x) for v in r] if isinstance(x, (Ref, Arr)) else [x]
    out = []
    for v in vals:
        if isinstance(v, XlErr):
            raise ExcelRaise(v)
        if v is None:
            continue
        k = int(to_number(v))
        if k == 0:
            raise ExcelRaise(VALUE)
        out.append(k)
    return out or list(range(1, levels + 1))


def _one_value(calc, v):
    if isinstance(v, (Ref, Arr)):
        vals = calc.values(v)
        if len(vals) != 1 or len(vals[0]) != 1:
            return CALC   # the function must give one value per group
        v = vals[0][0]
    return 0 if v is None else v


class _Aggregator:
    """The function applied to a group's values, remembered per (row, column, value)."""

    def __init__(self, calc, fn, data, row_levels, col_levels, relative_to=0):
        self.calc, self.fn, self.data = calc, fn, data
        self.two = _arity(fn) >= 2
        self.relative_to = relative_to
        self.row_keys = [tuple(_group_key(v) for v in rec[0][:row_levels]) for rec in data.records]
        self.col_keys = [tuple(_group_key(v) for v in rec[1][:col_levels]) for rec in data.records]
        self.memo: dict = {}
        self.groups: dict = {}

    def values(self, row_prefix, col_prefix, j):
        depth = (len(row_prefix), len(col_prefix))
        groups = self.groups.get(depth)
        if groups is None:
            # the records by their keys cut to this depth: one pass, not one per cell
            groups = self.groups[depth] = {}
            n, m = depth
            for i, (rk, ck) in enumerate(zip(self.row_keys, self.col_keys)):
                groups.setdefault((rk[:n], ck[:m]), []).append(i)
        records = self.data.records
        return [records[i][2][j] for i in groups.get((row_prefix, col_prefix), ())]

    def __call__(self, row_prefix, col_prefix, j, empty=0):
        key = (row_prefix, col_prefix, j)
        if key in self.memo:
            return self.memo[key]
        subset = self.values(row_prefix, col_prefix, j)
        if not subset and empty is None:
            v = ""
        else:
            arg = Arr([[x] for x in subset]) if subset else Arr([[None]])
            if self.two:
                rel = self.relative_to
                whole_rows = row_prefix if rel in (1, 4) else ()
                whole_cols = col_prefix if rel in (0, 3) else ()
                if rel == 3:
                    whole_cols = col_prefix[:-1]
                if rel == 4:
                    whole_rows = row_prefix[:-1]
                whole = self.values(whole_rows, whole_cols, j)
                v = self.fn(arg, Arr([[x] for x in whole]) if whole else Arr([[None]]))
            else:
                v = self.fn(arg)
            v = _one_value(self.calc, v)
        self.memo[key] = v
        return v


def _function(fn):
    if isinstance(fn, XlErr):
        raise ExcelRaise(fn)
    if not callable(fn):
        raise ExcelRaise(VALUE)
    return fn


def _depth(calc, x, levels):
    # Automatic: the total, and the subtotals where there are levels to total
    return _number_arg(calc, x, 2 if levels > 1 else 1)


@excel("GROUPBY", min_args=3, max_args=8)
def GROUPBY(calc, row_fields, values, function, field_headers=None, total_depth=None,
            sort_order=None, filter_array=None, field_relationship=None):
    """Groups the rows of a range by its field columns and aggregates each group's values."""
    fn = _function(function)
    rows = _grid(calc, row_fields)
    vals = _grid(calc, values)
    levels = len(rows[0])
    fh = _number_arg(calc, field_headers, None)
    data = _Data(calc, rows, None, vals, _headers(fh, levels), filter_array)
    relation = _number_arg(calc, field_relationship, 0)
    if relation not in (0, 1):
        raise ExcelRaise(VALUE)
    depth = _depth(calc, total_depth, levels)
    agg = _Aggregator(calc, fn, data, levels, 0)
    keys = _sort_keys(calc, sort_order, levels)
    if any(abs(k) > levels + data.n_values for k in keys):
        raise ExcelRaise(VALUE)
    entries = _axis(agg.row_keys, [rec[0] for rec in data.records], levels, depth, keys,
                    lambda p, j: agg(p, (), j), relation == 1)
    out = []
    if data.shown:
        out.append(_names(data.row_names, levels, "Row Field") +
                   _names(data.value_names, data.n_values, "Value"))
    for e in entries:
        out.append(list(e.labels) + [agg(e.prefix, (), j) for j in range(data.n_values)])
    return Arr(out)


def _names(given, n, generated):
    """The header cells: the data's own headers, or names made up where the data has none
    (field_headers 2; Excel's documentation does not give the names it makes)."""
    if given is not None:
        return ["" if v is None else v for v in given[:n]]
    return [f"{generated} {i + 1}" for i in range(n)]


@excel("PIVOTBY", min_args=4, max_args=11)
def PIVOTBY(calc, row_fields, col_fields, values, function, field_headers=None,
            row_total_depth=None, row_sort_order=None, col_total_depth=None, col_sort_order=None,
            filter_array=None, relative_to=None):
    """Groups the records by row fields and column fields and aggregates each crossing."""
    fn = _function(function)
    rows = _grid(calc, row_fields)
    cols = _grid(calc, col_fields)
    vals = _grid(calc, values)
    rlev, clev = len(rows[0]), len(cols[0])
    fh = _number_arg(calc, field_headers, None)
    data = _Data(calc, rows, cols, vals, _headers(fh, max(rlev, clev)), filter_array)
    rel = _number_arg(calc, relative_to, 0)
    if rel not in (0, 1, 2, 3, 4):
        raise ExcelRaise(VALUE)
    agg = _Aggregator(calc, fn, data, rlev, clev, rel)
    nv = data.n_values
    rkeys = _sort_keys(calc, row_sort_order, rlev)
    ckeys = _sort_keys(calc, col_sort_order, clev)
    if any(abs(k) > rlev + nv for k in rkeys) or any(abs(k) > clev + nv for k in ckeys):
        raise ExcelRaise(VALUE)
    row_entries = _axis(agg.row_keys, [rec[0] for rec in data.records], rlev,
                        _depth(calc, row_total_depth, rlev), rkeys,
                        lambda p, j: agg(p, (), j), False)
    col_entries = _axis(agg.col_keys, [rec[1] for rec in data.records], clev,
                        _depth(calc, col_total_depth, clev), ckeys,
                        lambda p, j: agg((), p, j), False)
    out = []
    # the column labels, one header row per column level, then the value names where
    # there are several values
    corner = [""] * rlev
    for level in range(clev):
        out.append(corner + [e.labels[level] for e in col_entries for _ in range(nv)])
    if nv > 1 or data.shown:
        names = _names(data.value_names, nv, "Value") if data.value_names is not None or nv > 1 \
            else [""] * nv
        heads = _names(data.row_names, rlev, "Row Field") if data.shown else corner
        out.append(heads + [names[j] for _ in col_entries for j in range(nv)])
    for e in row_entries:
        out.append(list(e.labels) + [agg(e.prefix, c.prefix, j, empty=None)
                                     for c in col_entries for j in range(nv)])
    return Arr(out)
