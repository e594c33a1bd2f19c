"""Lookup and reference functions: LOOKUP, VLOOKUP, HLOOKUP, XLOOKUP, INDEX, MATCH and kin."""
from __future__ import annotations

import bisect

from ..values import NA, REF, VALUE, Arr, ExcelRaise, MultiRef, Ref, XlErr, compare, to_bool, to_number, to_text
from ..a1 import column_letters, quoted_sheet
from . import excel
from .helpers import (GENERIC, broadcast, elementwise, errors_first, has_wildcard, is_array,
                      near_doubles, scalarize, wildcard_pattern)


def _same_kind(a, b):
    na = isinstance(a, (int, float)) and not isinstance(a, bool)
    nb = isinstance(b, (int, float)) and not isinstance(b, bool)
    if na or nb:
        return na and nb
    return type(a) is type(b)


def _exact_index(values, x, wildcard=True, reverse=False):
    idx = range(len(values) - 1, -1, -1) if reverse else range(len(values))
    if isinstance(x, str) and wildcard and has_wildcard(x):
        matches = wildcard_pattern(x).matches
        for i in idx:
            v = values[i]
            if isinstance(v, str) and matches(v):
                return i
        return -1
    for i in idx:
        v = values[i]
        if v is None:
            continue
        if _same_kind(v, x) and compare(v, x) == 0:
            return i
    return -1


# Shorter lists are searched one by one.
_INDEXED_FROM = 64


class _ExactIndex:
    """The exact matches of one list of lookup keys, found by hashing instead of a scan, with
    _exact_index's answers: text case-blind, numbers as compare() takes them equal (so every
    double within its tolerance is looked at), logicals; wildcards and anything else are
    left to the scan."""

    def __init__(self, keys):
        self.keys = keys
        self.text: dict = {}
        self.numbers: dict = {}
        self.logicals: dict = {}
        for i, v in enumerate(keys):
            t = type(v)
            if t is str:
                self.text.setdefault(v.lower(), []).append(i)
            elif t is float or t is int:
                self.numbers.setdefault(v, []).append(i)
            elif t is bool:
                self.logicals.setdefault(v, []).append(i)

    def find(self, x, wildcard=True, reverse=False):
        t = type(x)
        if t is str:
            if wildcard and has_wildcard(x):
                return _exact_index(self.keys, x, wildcard, reverse)
            hits = self.text.get(x.lower())
        elif t is bool:
            hits = self.logicals.get(x)
        elif t is float or t is int:
            if x != x or x in (float("inf"), float("-inf")):
                return _exact_index(self.keys, x, wildcard, reverse)
            found = set()
            for y in near_doubles(float(x)):
                found.update(self.numbers.get(y, ()))
            hits = sorted(i for i in found if compare(self.keys[i], x) == 0)
        else:
            return _exact_index(self.keys, x, wildcard, reverse)
        if not hits:
            return -1
        return hits[-1] if reverse else hits[0]


def _exact_in(calc, keys, x, wildcard=True, reverse=False):
    """_exact_index of ``keys``, a list kept by the calculation (see _keys_of): searched one by
    one the first time, through an _ExactIndex from the second on (a column of agents looking
    names up in one table)."""
    if len(keys) < _INDEXED_FROM:
        return _exact_index(keys, x, wildcard, reverse)
    key = ("exact-index", id(keys))
    hit = calc.caches.get(key)
    if hit is None or hit[0] is not keys:
        calc.caches[key] = (keys, None)
        return _exact_index(keys, x, wildcard, reverse)
    if hit[1] is None:
        hit = calc.caches[key] = (keys, _ExactIndex(keys))
    return hit[1].find(x, wildcard, reverse)


def _sorted_numbers(values):
    """True when ``values`` are all numbers in ascending order (the usual band column)."""
    prev = None
    for v in values:
        if type(v) is not float and type(v) is not int:
            return False
        if prev is not None and v < prev:
            return False
        prev = v
    return bool(values)


def _keys_of(calc, rows, pick):
    """The lookup keys of a (cached) range's rows, with whether they are sorted numbers.

    Ranges come from the calculation's range cache, so the rows object is the same
    for every cell of an agent table that looks up one band table: the keys are
    worked out once per table instead of once per cell.
    """
    key = ("lookup-keys", id(rows), pick)
    hit = calc.caches.get(key)
    if hit is None or hit[0] is not rows:
        keys = pick(rows)
        hit = (rows, keys, _sorted_numbers(keys))
        calc.caches[key] = hit
    return hit[1], hit[2]


def _first_col(rows):
    return [r[0] for r in rows]


def _first_row(rows):
    return list(rows[0])


def _approx_index(values, x, descending=False, sorted_numbers=False):
    """Excel's binary search: the last position whose value ≤ x (≥ x when descending)."""
    tx = type(x)
    if sorted_numbers and not descending and (tx is float or tx is int):
        # Same answer as the search below on ascending numbers, at bisect speed.
        i = bisect.bisect_right(values, x) - 1
        while i + 1 < len(values) and compare(values[i + 1], x) == 0:
            i += 1
        return i
    lo, hi = 0, len(values) - 1
    best = -1
    while lo <= hi:
        mid = (lo + hi) // 2
        # Excel steps over blanks and other types while searching.
        m = mid
        while m >= lo and (values[m] is None or not _same_kind(values[m], x)):
            m -= 1
        if m < lo:
            lo = mid + 1
            continue
        c = compare(values[m], x)
        if descending:
            c = -c
        if c == 0 and not descending:
            # Excel stops at the first equal value the halving lands on and walks right
            # over the run of equal values: on unsorted keys the answer is that hit,
            # not the last value ≤ x further right.
            while m + 1 < len(values) and _same_kind(values[m + 1], x) and compare(values[m + 1], x) == 0:
                m += 1
            return m
        if c <= 0:
            best = m
            lo = mid + 1
        else:
            hi = m - 1
    return best


def _vector(calc, x):
    rows = calc.values(x)
    if len(rows) == 1:
        return list(rows[0])
    if rows and len(rows[0]) == 1:
        return [r[0] for r in rows]
    return None


def _lookup_value(calc, v):
    v = scalarize(calc, v)
    if v is None:
        v = 0
    return v




def _xlookup_table(horizontal):
    @errors_first
    def fn(calc, value, table, index, approx=None):
        if is_array(value) or is_array(index):
            return broadcast(calc, lambda v, k: fn(calc, v, table, k, approx), (value, index))
        x = _lookup_value(calc, value)
        if isinstance(x, XlErr):
            return x
        k = int(to_number(scalarize(calc, index)))
        ap = True if approx is None else _truthy(calc, approx)
        if isinstance(table, XlErr):
            return table
        if isinstance(table, str):
            return VALUE
        if not isinstance(table, (Ref, Arr, MultiRef)):
            table = Arr([[table]])  # a single number or logical is a one-cell table
        rows = calc.values(table)
        keys, sorted_numbers = _keys_of(calc, rows, _first_row if horizontal else _first_col)
        i = _approx_index(keys, x, sorted_numbers=sorted_numbers) if ap else \
            _exact_in(calc, keys, x)
        # Excel looks the value up before it checks the column: a value not found is #N/A
        # even with a column index out of the table (VLOOKUP(B1,B1,B1,3) of an empty B1,
        # VLOOKUP(D1,B1:C1,0): #N/A in Excel's cached values)
        if i < 0:
            return NA
        if k < 1:
            return VALUE
        if k > (len(rows) if horizontal else len(rows[0])):
            return REF
        v = rows[k - 1][i] if horizontal else rows[i][k - 1]
        return 0 if v is None else v
    return fn


def _truthy(calc, v):
    v = scalarize(calc, v)
    if v is None:
        return False
    if isinstance(v, XlErr):
        raise ExcelRaise(v)
    if isinstance(v, str):
        raise ExcelRaise(VALUE)
    return bool(to_number(v))


def _xlookup_table_column(horizontal):
    """VLOOKUP/HLOOKUP(approximate) down a column of agents against one band table.

    The table, its keys and the column index are worked out once; each numeric
    lookup value is one binary search.  Any other row (text, an error, exact
    match, unsorted keys) takes the ordinary implementation.
    """
    def column(calc, args, n):
        if type(args[0]) is not list or any(type(a) is list for a in args[1:]):
            return None
        table = args[1].v
        if type(table) is not Ref:
            return None
        try:
            k = int(to_number(scalarize(calc, args[2].v)))
            ap = True if len(args) == 3 or args[3].v is None else _truthy(calc, args[3].v)
        except ExcelRaise:   # not an error here: the rows are left to the cell implementation
            return None
        rows = calc.values(table)
        if not ap or k < 1 or k > (len(rows) if horizontal else len(rows[0])):
            return None
        keys, sorted_numbers = _keys_of(calc, rows, _first_row if horizontal else _first_col)
        if not sorted_numbers:
            return None
        res = rows[k - 1] if horizontal else [row[k - 1] for row in rows]
        return _band_column(args[0], keys, res)
    return column


def _band_column(values, keys, res):
    """Each numeric value looked up in ascending numeric ``keys``: ``res`` at the last key
    not above it (#N/A below the first); other values, or a position beyond ``res``,
    GENERIC."""
    out = []
    m = len(res)
    for x in values:
        tx = type(x)
        if tx is float or tx is int:
            i = _approx_index(keys, x, sorted_numbers=True)
            if i < 0:
                out.append(NA)
            elif i < m:
                v = res[i]
                out.append(0 if v is None else v)
            else:
                out.append(GENERIC)
        else:
            out.append(GENERIC)
    return out


# The lookup value is one value where the formula is not an array formula.
excel("VLOOKUP", min_args=3, max_args=4, args="i r a [a]", column=_xlookup_table_column(False))(_xlookup_table(False))
excel("HLOOKUP", min_args=3, max_args=4, args="i r a [a]", column=_xlookup_table_column(True))(_xlookup_table(True))


def LOOKUP(calc, value, lookup, result=None):
    if is_array(value):
        return broadcast(calc, lambda v: LOOKUP(calc, v, lookup, result), (value,))
    x = _lookup_value(calc, value)
    if isinstance(x, XlErr):
        return x
    rows = calc.values(lookup)
    sorted_numbers = False
    if result is None:
        nr, nc = len(rows), len(rows[0])
        if nr >= nc:
            keys, res = [r[0] for r in rows], [r[-1] for r in rows]
        else:
            keys, res = list(rows[0]), list(rows[-1])
    else:
        if len(rows) == 1 or (rows and len(rows[0]) == 1):
            keys, sorted_numbers = _keys_of(calc, rows, _first_row if len(rows) == 1 else _first_col)
        else:
            keys = None
        res = _vector(calc, result)
        if keys is None or res is None:
            return NA
    i = _approx_index(keys, x, sorted_numbers=sorted_numbers)
    if i < 0:
        return NA
    if i >= len(res):
        # The result vector is shorter: Excel extends the reference beyond it.
        if isinstance(result, Ref):
            r = result
            if r.r1 == r.r2:
                return calc.cell(r.sheet, r.r1, r.c1 + i)
            return calc.cell(r.sheet, r.r1 + i, r.c1)
        return NA
    v = res[i]
    return 0 if v is None else v


def _lookup_column(calc, args, n):
    """LOOKUP(value, keys, results) down a column of agents against one band table."""
    if len(args) != 3 or type(args[0]) is not list or type(args[1]) is list or type(args[2]) is list:
        return None
    lookup, result = args[1].v, args[2].v
    if type(lookup) is not Ref or type(result) is not Ref:
        return None
    rows = calc.values(lookup)
    if not (len(rows) == 1 or len(rows[0]) == 1):
        return None
    keys, sorted_numbers = _keys_of(calc, rows, _first_row if len(rows) == 1 else _first_col)
    res = _vector(calc, result)
    if not sorted_numbers or res is None:
        return None
    return _band_column(args[0], keys, res)


excel("LOOKUP", min_args=2, max_args=3, args="i ra [ra]", column=_lookup_column)(LOOKUP)


@excel("MATCH", min_args=2, max_args=3, args="a r [a]")
@errors_first
def MATCH(calc, value, array, mtype=None):
    if is_array(value):
        return broadcast(calc, lambda v: MATCH(calc, v, array, mtype), (value,))
    x = _lookup_value(calc, value)
    if isinstance(x, XlErr):
        return x
    t = 1 if mtype is None else to_number(scalarize(calc, mtype))
    rows = calc.values(array)
    if not (len(rows) == 1 or rows and len(rows[0]) == 1):
        return NA
    if t == 0:
        # the keys the calculation keeps for this range: indexed from the second search on
        i = _exact_in(calc, _keys_of(calc, rows, _first_row if len(rows) == 1 else _first_col)[0],
                      x)
        return NA if i < 0 else i + 1
    vec = list(rows[0]) if len(rows) == 1 else [r[0] for r in rows]
    if t > 0:
        i = _approx_index(vec, x)
    else:
        i = _approx_index(vec, x, descending=True)
    return NA if i < 0 else i + 1


@excel("XMATCH", min_args=2, max_args=4, args="a ra [a] [a]")
def XMATCH(calc, value, array, match_mode=None, search_mode=None):
    if is_array(value):
        return broadcast(calc, lambda v: XMATCH(calc, v, array, match_mode, search_mode), (value,))
    rows = calc.values(array)
    if not (len(rows) == 1 or rows and len(rows[0]) == 1):
        return VALUE
    vec = _keys_of(calc, rows, _first_row if len(rows) == 1 else _first_col)[0]
    i = _xfind(calc, value, vec, match_mode, search_mode)
    return NA if i < 0 else i + 1


def _total_compare(a, b):
    """Excel's sort order across types (numbers < text < logicals), for XLOOKUP's
    approximate and binary modes."""
    return compare(a, b)


def _xfind(calc, value, vec, match_mode, search_mode, full_length=None):
    raw = scalarize(calc, value)
    x = 0 if raw is None else raw
    if isinstance(x, XlErr):
        raise ExcelRaise(x)
    mm = 0 if match_mode is None else int(to_number(scalarize(calc, match_mode)))
    sm = 1 if search_mode is None else int(to_number(scalarize(calc, search_mode)))
    if mm not in (-1, 0, 1, 2, 3) or sm not in (-2, -1, 1, 2):
        raise ExcelRaise(VALUE)
    if mm == 3:
        from .textregex import regex_found
        pattern = to_text(x)
        idx = range(len(vec) - 1, -1, -1) if sm < 0 else range(len(vec))
        for i in idx:
            if isinstance(vec[i], str) and regex_found(calc, pattern, vec[i]):
                return i
        return -1
    if raw is None and mm in (0, 2):
        # a blank looked up finds the first blank cell (beyond the used area if need be)
        idx = range(len(vec) - 1, -1, -1) if sm < 0 else range(len(vec))
        for i in idx:
            if vec[i] is None:
                return i
        if full_length is not None and full_length > len(vec):
            return full_length - 1 if sm < 0 else len(vec)
        return -1
    if abs(sm) == 2:
        if mm == 2:
            raise ExcelRaise(VALUE)
        if raw is None and sm == 2:
            # A blank sorts after every value: an ascending binary search for a blank ends
            # on the first blank after the data.
            n = len(vec)
            while n and vec[n - 1] is None:
                n -= 1
            if n < len(vec) or (full_length is not None and full_length > n):
                return n
            return n - 1 if mm == -1 else -1
        return _xbinary(vec, x, mm, descending=(sm == -2))
    reverse = sm < 0
    if mm in (0, 2):
        return _exact_in(calc, vec, x, wildcard=(mm == 2), reverse=reverse)
    # next smaller (-1) / next larger (1), across types in Excel's sort order
    i = _exact_in(calc, vec, x, wildcard=False, reverse=reverse)
    if i >= 0:
        return i
    best, bestv = -1, None
    idx = range(len(vec) - 1, -1, -1) if reverse else range(len(vec))
    for k in idx:
        v = vec[k]
        if v is None or isinstance(v, XlErr):
            continue
        c = _total_compare(v, x)
        if mm == -1 and c < 0 and (bestv is None or _total_compare(v, bestv) > 0):
            best, bestv = k, v
        if mm == 1 and c > 0 and (bestv is None or _total_compare(v, bestv) < 0):
            best, bestv = k, v
    return best


def _xbinary(vec, x, mm, descending):
    """Binary search over data sorted ascending (or descending): the first position not
    before ``x`` in the sort order, as Excel finds it among duplicates."""
    n = len(vec)
    while n and vec[n - 1] is None:
        n -= 1  # trailing blanks are not part of the sorted data

    def key(v):
        if v is None:
            return 1
        c = _total_compare(v, x)
        return -c if descending else c
    lo, hi = 0, n
    if descending:
        # among equal values a descending search lands on the last one
        while lo < hi:
            mid = (lo + hi) // 2
            if key(vec[mid]) <= 0:
                lo = mid + 1
            else:
                hi = mid
        if lo > 0 and vec[lo - 1] is not None and _total_compare(vec[lo - 1], x) == 0 \
                and _same_kind(vec[lo - 1], x):
            return lo - 1
        if mm == 0:
            return -1
        return lo if mm == -1 and lo < n else (lo - 1 if mm == 1 else -1)
    while lo < hi:
        mid = (lo + hi) // 2
        if key(vec[mid]) < 0:
            lo = mid + 1
        else:
            hi = mid
    if lo < n and vec[lo] is not None and _total_compare(vec[lo], x) == 0 and _same_kind(vec[lo], x):
        return lo
    if mm == 0:
        return -1
    if (mm == -1) != descending:
        return lo - 1
    return lo if lo < n else -1


@excel("XLOOKUP", min_args=3, max_args=6, args="a ra ra [a] [a] [a]")
def XLOOKUP(calc, value, lookup, result, if_not_found=None, match_mode=None, search_mode=None):
    if is_array(value):
        return broadcast(calc, lambda v: XLOOKUP(calc, v, lookup, result, if_not_found,
                                                  match_mode, search_mode), (value,))
    rows = calc.values(lookup)
    vertical = len(rows[0]) == 1
    if not vertical and len(rows) != 1:
        return VALUE
    # the keys the calculation keeps for this range (indexed for exact matches)
    vec = _keys_of(calc, rows, _first_col if vertical else _first_row)[0]
    full = None
    if isinstance(lookup, Ref):
        full = lookup.shape[0] if vertical else lookup.shape[1]
    i = _xfind(calc, value, vec, match_mode, search_mode, full)
    if i < 0:
        if if_not_found is not None:
            return if_not_found
        return NA
    n = full if full is not None else len(vec)
    if isinstance(result, Ref):
        if vertical:
            if result.r2 - result.r1 + 1 != n:
                return VALUE
            return Ref(result.sheet, result.r1 + i, result.c1, result.r1 + i, result.c2)
        if result.c2 - result.c1 + 1 != n:
            return VALUE
        return Ref(result.sheet, result.r1, result.c1 + i, result.r2, result.c1 + i)
    res = calc.values(result)
    if vertical:
        if len(res) != len(vec):
            return VALUE
        return Arr([res[i]]) if len(res[i]) > 1 else res[i][0]
    if len(res[0]) != len(vec):
        return VALUE
    return Arr([[r[i]] for r in res]) if len(res) > 1 else res[0][i]


@excel("INDEX", min_args=1, max_args=4, args="ra [a] [a] [a]")
@errors_first
def INDEX(calc, array, row=None, col=None, area=None):
    if area is not None and not isinstance(array, MultiRef):
        if int(to_number(scalarize(calc, area))) != 1:
            return REF
    if isinstance(array, MultiRef):
        k = 1 if area is None else int(to_number(scalarize(calc, area)))
        if k < 1 or k > len(array.refs):
            return REF
        array = array.refs[k - 1]
    if is_array(row) or is_array(col):
        return broadcast(calc, lambda rr, cc: _index1(calc, array, rr, cc), (row, col if col is not None else None))
    return _index1(calc, array, scalarize(calc, row), scalarize(calc, col))


def _index1(calc, array, row, col):
    r = 0 if row is None else int(to_number(row))
    c = None if col is None else int(to_number(col))
    if isinstance(array, Ref):
        nr, nc = array.shape
    else:
        rows = calc.values(array)
        nr, nc = len(rows), len(rows[0])
    if c is None:
        if nr == 1 and nc > 1:
            r, c = 1, r
        else:
            c = 0 if nc > 1 else 1
            if nc == 1 and r == 0:
                c = 1
    if r < 0 or c < 0:
        return VALUE
    if r > nr or c > nc:
        return REF
    if isinstance(array, Ref):
        r1 = array.r1 if r == 0 else array.r1 + r - 1
        r2 = array.r2 if r == 0 else r1
        c1 = array.c1 if c == 0 else array.c1 + c - 1
        c2 = array.c2 if c == 0 else c1
        return Ref(array.sheet, r1, c1, r2, c2)
    if r == 0 and c == 0:
        return Arr(rows)
    if r == 0:
        return Arr([[row[c - 1]] for row in rows])
    if c == 0:
        return Arr([rows[r - 1]])
    return rows[r - 1][c - 1]


@excel("ROW", max_args=1, wants_cell=True)
def ROW(calc, r, c, ref=None):
    if ref is None:
        return r
    if isinstance(ref, Ref):
        if ref.r1 == ref.r2:
            return ref.r1
        return Arr([[x] for x in range(ref.r1, ref.r2 + 1)])
    return VALUE if not isinstance(ref, XlErr) else ref


@excel("COLUMN", max_args=1, wants_cell=True)
def COLUMN(calc, r, c, ref=None):
    if ref is None:
        return c
    if isinstance(ref, Ref):
        if ref.c1 == ref.c2:
            return ref.c1
        return Arr([list(range(ref.c1, ref.c2 + 1))])
    return VALUE if not isinstance(ref, XlErr) else ref


@excel("ROWS", min_args=1, max_args=1)
def ROWS(calc, a):
    if isinstance(a, Ref):
        return a.r2 - a.r1 + 1
    if isinstance(a, XlErr):
        return a
    return len(calc.values(a))


@excel("COLUMNS", min_args=1, max_args=1)
def COLUMNS(calc, a):
    if isinstance(a, Ref):
        return a.c2 - a.c1 + 1
    if isinstance(a, XlErr):
        return a
    return len(calc.values(a)[0])


def _extent(x):
    """OFFSET's height or width: whole numbers cut toward zero, a fraction of one line one line."""
    if 0 < abs(x) < 1:
        return 1 if x > 0 else -1
    return int(x)


@excel("OFFSET", min_args=3, max_args=5)
def OFFSET(calc, ref, rows, cols, height=None, width=None):
    if not isinstance(ref, Ref):
        return ref if isinstance(ref, XlErr) else VALUE
    # Excel's cached values: the offsets are cut toward zero (-2.8 rows is 2 up), a height
    # or width above 1 is cut down and one between 0 and 1 is 1
    dr = int(to_number(scalarize(calc, rows)))
    dc = int(to_number(scalarize(calc, cols)))
    h = ref.r2 - ref.r1 + 1 if height is None else _extent(to_number(scalarize(calc, height)))
    w = ref.c2 - ref.c1 + 1 if width is None else _extent(to_number(scalarize(calc, width)))
    if h == 0 or w == 0:
        return REF
    r1, c1 = ref.r1 + dr, ref.c1 + dc
    r2, c2 = r1 + h - 1 if h > 0 else r1, c1 + w - 1 if w > 0 else c1
    if h < 0:
        r1, r2 = r1 + h + 1, r1
    if w < 0:
        c1, c2 = c1 + w + 1, c1
    if r1 < 1 or c1 < 1 or r2 > 1048576 or c2 > 16384:
        return REF
    return Ref(ref.sheet, r1, c1, r2, c2)


@excel("INDIRECT", min_args=1, max_args=2)
def INDIRECT(calc, text, a1=None):
    from ..parser import FormulaSyntaxError, parse
    t = scalarize(calc, text)
    if isinstance(t, XlErr):
        return t
    if not isinstance(t, str) or not t.strip():
        return REF
    try:
        if a1 is not None and not _truthy(calc, a1):
            t = _r1c1_to_a1(t)
        tree = parse(t, calc.current_sheet)
    except (FormulaSyntaxError, ExcelRaise, ValueError):   # not the error raised: #REF!
        return REF
    if tree[0] == "ref":
        _, sheet, r1, c1, r2, c2, _abs = tree
        sheet = calc.canonical_sheet(sheet) if isinstance(sheet, str) else None
        if sheet is None or max(r1, r2) > 1048576 or max(c1, c2) > 16384:
            return REF      # a sheet not here, or a column past XFD ("XFE:XFE")
        return Ref(sheet, r1, c1, r2, c2)
    if tree[0] == "name":
        node = calc.defined_name(tree[1], tree[2], calc.current_sheet)
        if node is not None and not isinstance(node, Exception) and node[0] == "ref":
            _, sheet, r1, c1, r2, c2, _abs = node
            return Ref(calc.canonical_sheet(sheet) or sheet, r1, c1, r2, c2)
    return REF


def _r1c1_to_a1(t):
    import re
    from ..parser import num_to_col
    m = re.fullmatch(r"(?:(.*)!)?R(\d+)C(\d+)(?::R(\d+)C(\d+))?", t.strip(), re.I)
    if not m:
        raise ValueError(t)
    s = (m.group(1) + "!") if m.group(1) else ""
    out = f"{s}{num_to_col(int(m.group(3)))}{m.group(2)}"
    if m.group(4):
        out += f":{num_to_col(int(m.group(5)))}{m.group(4)}"
    return out


@excel("TRANSPOSE", min_args=1, max_args=1)
def TRANSPOSE(calc, a):
    rows = calc.full_values(a)   # A:A's every row, blanks past the used area too
    return Arr([list(col) for col in zip(*rows)])


@excel("AREAS", min_args=1, max_args=1)
def AREAS(calc, ref):
    """Returns the number of areas in a reference (a union (A1:B2,D4) counts each)."""
    if isinstance(ref, MultiRef):
        return sum(AREAS(calc, r) for r in ref.refs)
    if isinstance(ref, Ref):
        return 1
    return ref if isinstance(ref, XlErr) else VALUE


@excel("ADDRESS", min_args=2, max_args=5)
@elementwise
def ADDRESS(row, col, abs_num=1, a1=True, sheet_text=None):
    """Creates a cell reference as text, given specified row and column numbers."""
    r = int(to_number(row))
    c = int(to_number(col))
    kind = 1 if abs_num is None else int(to_number(abs_num))
    style_a1 = True if a1 is None else to_bool(a1)
    if not (1 <= r <= 1048576 and 1 <= c <= 16384 and 1 <= kind <= 4):
        raise ExcelRaise(VALUE)
    row_abs, col_abs = kind in (1, 2), kind in (1, 3)
    if style_a1:
        ref = ("$" if col_abs else "") + column_letters(c) + ("$" if row_abs else "") + str(r)
    else:
        ref = (f"R{r}" if row_abs else f"R[{r}]") + (f"C{c}" if col_abs else f"C[{c}]")
    if sheet_text is None:
        return ref
    return f"{quoted_sheet(to_text(sheet_text))}!{ref}"
