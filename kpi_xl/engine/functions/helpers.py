"""Shared helpers of the function implementations: broadcasting, coercion, criteria."""
from __future__ import annotations

import math
import re
from functools import lru_cache
from itertools import islice, repeat

from . import value_arguments
from ..values import (ERROR_CODES, MAX_SPREAD_CELLS, NA, NUM, VALUE, Arr, ExcelRaise, MultiRef, Ref, Tail, XlErr,
                      compare, parse_number_text, to_number)


#: In a column implementation's answer (``fn.column``, see ..columns): this row
#: takes the function's ordinary implementation.
GENERIC = object()


def float_column(v, n):
    """A column operand of the column path (a list of the rows' values, or a constant's
    holder with ``.v``, see ..columns.Const) as an iterable of n floats; None when it holds
    anything else."""
    if type(v) is list:
        return v if set(map(type, v)) == {float} else None
    return repeat(v.v, n) if type(v.v) is float else None


def floats_column(fn):
    """A column implementation of an :func:`elementwise` function of numbers ``fn`` (ROUND):
    when every argument is a float on every row, ``fn`` of each row's floats, all at once;
    None (every row to the ordinary implementation) when some argument is not, when ``fn``
    raises, or when an answer is not a finite float (what the ordinary path would change)."""
    def column(calc, args, n):
        cols = [float_column(a, n) for a in args]
        if None in cols:
            return None
        try:
            out = list(map(fn, *cols))
        except (ExcelRaise, OverflowError):
            return None
        # a sum is finite only when every term is (an overflow of the sum alone goes row by row)
        return out if set(map(type, out)) == {float} and math.isfinite(sum(out)) else None
    return column


def is_array(x):
    t = type(x)
    if t is Ref:
        return not (x.r1 == x.r2 and x.c1 == x.c2)
    return t is Arr or t is MultiRef


def scalarize(calc, x):
    if isinstance(x, Ref):
        if x.r1 == x.r2 and x.c1 == x.c2:
            return calc.cell(x.sheet, x.r1, x.c1)
        return calc.scalar(x)
    if isinstance(x, Arr):
        return x.rows[0][0]
    return x


def broadcast(calc, fn, args):
    """Apply scalar ``fn`` elementwise when any argument is an array (Excel's array evaluation).

    A large range counts every cell of its shape, the blank rest past the used area
    included (``A:A=""`` is TRUE a million times): where every array repeats one row from
    some row on (a :class:`~..values.Tail`, one row broadcast, rows past a shorter array's
    end), that row is computed once and the result is a Tail too."""
    arrays = [calc.full_values(a) if is_array(a) else None for a in args]
    ones = [scalarize(calc, raw) if a is None else None for a, raw in zip(arrays, args)]
    shapes = [(len(a), len(a[0])) for a in arrays if a is not None]
    nr = max(s[0] for s in shapes)
    nc = max(s[1] for s in shapes)
    # From row ``start`` on every argument holds the same row again.
    start = spread = 0
    for a in arrays:
        if a is None or len(a) == 1:
            continue
        if type(a) is Tail:
            if len(a) < nr:   # a shorter one: its blank rest, then #N/A
                start = spread = nr
                break
            start = max(start, len(a.head))
        else:
            start = max(start, len(a))
            spread = max(spread, len(a))
    start = min(start, nr)
    if start > spread and start * nc > MAX_SPREAD_CELLS:
        calc.beyond_limit(f"an element-wise operation would write out {start * nc:,} values "
                          "of ranges past their used area")

    def row_at(i, lines):
        picked = []   # each argument's row i (None: a single value), with its width
        for entry in lines:
            if entry is None:
                picked.append(None)
                continue
            rows_of, ar, ac = entry
            ii = 0 if ar == 1 else i
            if ii >= ar:
                return [NA] * nc   # past a shorter array's end
            picked.append((rows_of[ii], ac))
        row = []
        for j in range(nc):
            vals = []
            for p, one in zip(picked, ones):
                if p is None:
                    vals.append(one)
                    continue
                line, ac = p
                if ac == 1:
                    vals.append(line[0])
                elif j < ac:
                    vals.append(line[j])
                else:
                    vals = None
                    break
            row.append(NA if vals is None else element(*vals))
        return row

    def element(*vals):
        try:
            v = fn(*vals)
        except ExcelRaise as exc:   # per element: the others are still computed
            v = exc.err
        if type(v) is Ref:
            # an element is a value: INDEX(A1:A5,{1;3}) is {A1;A3}'s values, and a range
            # where one value belongs is #VALUE!
            v = calc.cell(v.sheet, v.r1, v.c1) if v.r1 == v.r2 and v.c1 == v.c2 else VALUE
            if v is None:
                v = 0
        return v

    lines = [None if a is None else (a, len(a), len(a[0])) for a in arrays]
    # rows before ``start`` from plain lists, without a Tail's indexing for each element; a
    # one-row array is read whole, as its one row serves every row (a one-row Tail, as -{5}
    # gives, holds its row as its fill, none of it before ``start``)
    plain = [None if e is None else (e[0] if e[1] == 1 else first_rows(e[0], start), e[1], e[2])
             for e in lines]
    if nc == 1 and all(e is None or e[1] == 1 or e[1] >= start for e in plain):
        # columns only (IF(A:A="",ROW(A:A))): each row's one element, down zipped columns
        columns = [repeat(one) if e is None else repeat(e[0][0][0]) if e[1] == 1
                   else (line[0] for line in e[0]) for e, one in zip(plain, ones)]
        rows = [[element(*vals)] for vals in islice(zip(*columns), start)]
    else:
        rows = [row_at(i, plain) for i in range(start)]
    if start < nr:
        return Arr(Tail(rows, nr, row_at(start, lines)))
    return Arr(rows)


def first_rows(rows, k):
    """The first ``k`` rows of an array as a list (those of a Tail written out)."""
    if type(rows) is not Tail:
        return rows
    head = rows.head
    k = min(k, rows.n)
    return head if len(head) >= k else head + [rows.fill] * (k - len(head))


def errors_first(fn):
    """For a function whose every argument is evaluated (INDEX, MATCH, VLOOKUP): an error
    given directly as an argument is the result, the first one left to right, before the
    function looks at any argument (INDEX(#N/A,1/0) is #N/A, not #DIV/0!). Arguments are
    references or arrays there, so no coercion of an earlier argument can fail first."""
    def wrapper(calc, *args):
        for a in args:
            if type(a) is XlErr:
                return a
        return fn(calc, *args)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__dict__.update(fn.__dict__)
    return wrapper


def elementwise(fn):
    """Wrap a function of scalars so that it takes engine arguments and broadcasts.

    ``fn`` reads (coerces) its arguments left to right, as Excel does: the first that
    fails, an error or text that is no number, decides the error (FLOOR("a",#DIV/0!) is
    #VALUE!, LEFT(#N/A,1/0) is #N/A). What ``fn`` raises is the result through the guard
    ``excel(...)`` gives the function it registers (and :func:`broadcast`'s per element)."""
    def wrapper(calc, *args):
        return each_value(calc, fn, args)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return value_arguments(wrapper)   # each argument is one value: ranges meet implicit intersection


def each_value(calc, fn, args):
    """``fn`` of single values on engine arguments: called once on their values, or on
    each element through :func:`broadcast` when any argument is an array (for functions
    that need ``calc`` themselves, which :func:`elementwise` does not pass)."""
    for a in args:
        if is_array(a):
            return broadcast(calc, fn, args)
    return fn(*[scalarize(calc, a) for a in args])


def xsum(xs):
    """The exact sum of numbers (``math.fsum``), #NUM! when it is infinite or undefined:
    infinities of both signs (from a cell Excel would never hold) or a sum past the
    largest double."""
    try:
        return math.fsum(xs)
    except (ValueError, OverflowError):
        raise ExcelRaise(NUM) from None


def num(v):
    """to_number for a direct scalar argument."""
    return to_number(v)


def iter_values(calc, args):
    """Yield (value, from_reference) for every scalar in the arguments."""
    for a in args:
        if isinstance(a, (Ref, MultiRef)):
            for row in calc.values(a):
                for v in row:
                    yield v, True
        elif isinstance(a, Arr):
            rows = a.rows
            if type(rows) is Tail:   # the rows read, then the one row repeated
                for row in rows.head:
                    for v in row:
                        yield v, True
                fill, k = rows.fill, rows.n - len(rows.head)
                if len(fill) == 1:
                    yield from repeat((fill[0], True), k)
                else:
                    for _ in range(k):
                        for v in fill:
                            yield v, True
                continue
            for row in rows:
                for v in row:
                    yield v, True
        else:
            yield a, False


def numbers(calc, args, *, errors=True):
    """Numbers for SUM-like aggregates: in ranges only real numbers count; direct
    arguments are coerced (TRUE → 1, "3" → 3), and an error anywhere is raised."""
    out = []
    for v, from_ref in iter_values(calc, args):
        t = type(v)
        if t is float or t is int:
            out.append(v)
        elif t is XlErr:
            if errors:
                raise ExcelRaise(v)
        elif v is None:
            if not from_ref:
                out.append(0)
        elif from_ref:
            continue
        elif t is bool:
            out.append(1 if v else 0)
        else:
            out.append(to_number(v))
    return out


def strict_numbers(calc, args):
    """Numbers for functions that take no logical values (GCD, LCM, holiday lists): blanks
    are left out, an error is raised, TRUE/FALSE raise #VALUE!, text must read as a number."""
    for v, _ in iter_values(calc, args):
        if isinstance(v, XlErr):
            raise ExcelRaise(v)
        if v is None:
            continue
        if isinstance(v, bool):
            raise ExcelRaise(VALUE)
        yield to_number(v)


def flat(calc, x):
    return [v for row in calc.values(x) for v in row]


# -- criteria of SUMIF / COUNTIF / ... ---------------------------------------------

_CRIT = re.compile(r"^(<=|>=|<>|<|>|=)?(.*)$", re.S)


def _wild_segments(pat: str) -> list:
    """The parts of an Excel wildcard pattern between its ``*``s, each a list of regular
    expression pieces matching one character: ``?`` any character, ``~x`` the character x
    itself (a last ``~`` is a plain "~"), anything else itself."""
    segments: list = [[]]
    i = 0
    while i < len(pat):
        ch = pat[i]
        if ch == "~" and i + 1 < len(pat):
            segments[-1].append(re.escape(pat[i + 1]))
            i += 2
            continue
        if ch == "*":
            segments.append([])
        else:
            segments[-1].append("." if ch == "?" else re.escape(ch))
        i += 1
    return segments


def _leftmost_parts(parts: list) -> str:
    """One expression for a whole text matching ``parts`` (compiled, unanchored) with a
    ``*`` between each two: the first part at the start; each middle part at its leftmost
    place, found inside a lookahead, which the matcher never goes back into (an atomic
    group), then taken by a back-reference; the last part at the end, after a ``.*`` that
    tries each place once."""
    if len(parts) == 1:
        return parts[0].pattern
    middle = [p.pattern for p in parts[1:-1] if p.pattern]       # "**" is "*"
    leftmost = "".join(f"(?=(?P<p{k}>.*?{p}))(?P=p{k})" for k, p in enumerate(middle))
    return parts[0].pattern + leftmost + ".*" + parts[-1].pattern


class Wildcard:
    """An Excel wildcard pattern (``*`` any run of characters, ``?`` one character, ``~``
    escaping the next), case-blind, matched without backtracking for ever.

    Each part between ``*``s matches a fixed number of characters and repeats nothing, so
    the parts can be found one after another, each at its leftmost place after the one
    before (a part found further left leaves every later part more room), in time at most
    the text's length times the pattern's, where the expression ``.*a.*a.*b`` tries every
    way of cutting the text in three (minutes for 300 a's).
    """

    __slots__ = ("parts", "matches")

    def __init__(self, pat: str):
        self.parts = [re.compile("".join(p), re.I | re.S) for p in _wild_segments(pat)]
        self.matches = re.compile(_leftmost_parts(self.parts), re.I | re.S).fullmatch

    def find(self, text: str, start: int = 0) -> int:
        """Where the pattern, followed by anything, first matches in ``text`` from ``start``
        on (SEARCH), or -1.  The first part's first place is the answer when the other parts
        can be found after it, and else none is: a later place leaves them less room."""
        m = self.parts[0].search(text, start)
        if m is None:
            return -1
        at = m.end()
        for part in self.parts[1:]:
            found = part.search(text, at)
            if found is None:
                return -1
            at = found.end()
        return m.start()


def has_wildcard(text: str) -> bool:
    """Whether ``text`` holds a wildcard or its escape (``*``, ``?``, ``~``): only then is it
    matched as a :class:`Wildcard` rather than compared as it is."""
    return "*" in text or "?" in text or "~" in text


@lru_cache(maxsize=256)
def wildcard_pattern(pat: str) -> Wildcard:
    """The :class:`Wildcard` of ``pat``, compiled once for a column of cells that use it."""
    return Wildcard(pat)


def _text_number(v: str):
    """The number a criterion, or a text cell matched against a number, reads as: number
    text ("23"), or a date written as text ("2024/5/1", "2025年10月"); None for any other
    text."""
    x = parse_number_text(v)
    if x is None:
        from .dates import datevalue_or_none
        x = datevalue_or_none(v)
    return x


def _equals_number(n):
    """Equality with a number also takes text that reads as that number ("23" = 23, and a
    date criterion the text of that date)."""
    def match(v):
        t = type(v)
        if t is int or t is float:
            return compare(v, n) == 0
        if t is str:
            x = _text_number(v)
            return x is not None and compare(x, n) == 0
        return False
    return match


def criteria_matcher(crit):
    """A predicate for one cell value, following Excel's criteria rules."""
    if isinstance(crit, XlErr):
        return lambda v: isinstance(v, XlErr) and v is crit
    if crit is None:
        crit = 0
    if isinstance(crit, bool):
        return lambda v: isinstance(v, bool) and v == crit
    if isinstance(crit, (int, float)):
        return _equals_number(crit)
    m = _CRIT.match(crit)
    op, rest = m.group(1) or "", m.group(2)
    if rest == "" and op in ("<", ">", "<=", ">="):
        return lambda v: False
    if op in ("", "=", "<>") and rest.upper() in ERROR_CODES:
        code = rest.upper()

        # "#N/A" as a criterion is the error value: a cell holding the text "#N/A" is no match
        def is_err(v):
            return isinstance(v, XlErr) and v.code == code
        return (lambda v: not is_err(v)) if op == "<>" else is_err
    n = _text_number(rest) if rest.strip() else None
    up = rest.upper()
    if up in ("TRUE", "FALSE") and op in ("", "=", "<>"):
        b = up == "TRUE"
        if op == "<>":
            return lambda v: not (isinstance(v, bool) and v == b)
        return lambda v: isinstance(v, bool) and v == b
    if n is not None:
        if op in ("", "="):
            return _equals_number(n)

        def cmp_num(v):
            if type(v) not in (int, float):
                return op == "<>"
            c = compare(v, n)
            return {"": c == 0, "=": c == 0, "<>": c != 0, "<": c < 0, ">": c > 0,
                    "<=": c <= 0, ">=": c >= 0}[op]
        return cmp_num
    if op in ("", "=", "<>"):
        if rest == "":
            if op == "":
                return lambda v: v is None or v == ""
            if op == "=":
                return lambda v: v is None
            return lambda v: v is not None
        if isinstance(rest, str) and has_wildcard(rest):
            matches = wildcard_pattern(rest).matches
            match = lambda v: isinstance(v, str) and matches(v) is not None
        else:
            low = rest.lower()
            match = lambda v: isinstance(v, str) and v.lower() == low
        if op == "<>":
            return lambda v: not match(v)
        return match
    # text ordering comparisons
    def cmp_text(v):
        if not isinstance(v, str):
            return False
        c = compare(v, rest)
        return {"<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[op]
    return cmp_text


# -- an index of a criteria range for equality criteria --------------------------------

# Within this many steps of a double, on either side, lies every number compare() takes as
# equal to it (4e-15 relative, about 36 steps at most).
_NEAR_STEPS = 48
# Smaller ranges are matched cell by cell.
_INDEXED_FROM = 256


def near_doubles(x: float) -> list:
    """``x`` and the doubles within _NEAR_STEPS steps of it on either side."""
    out = [x]
    up = down = x
    for _ in range(_NEAR_STEPS):
        up = math.nextafter(up, math.inf)
        down = math.nextafter(down, -math.inf)
        out += (up, down)
    return out


class _EqualityIndex:
    """Where each text (case-blind) and each number (a number, or text that reads as one)
    stands in a criteria range, in the order the range is read."""

    def __init__(self, grid):
        self.text: dict = {}
        self.numbers: dict = {}
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                t = type(v)
                if t is str:
                    self.text.setdefault(v.lower(), []).append((r, c))
                    n = _text_number(v)
                    if n is not None:
                        self.numbers.setdefault(float(n), []).append((r, c))
                elif t is float or t is int:
                    self.numbers.setdefault(v, []).append((r, c))

    def number(self, n) -> list:
        found = []
        for y in near_doubles(float(n)):
            hits = self.numbers.get(y)
            if hits and compare(y, n) == 0:
                found += hits
        return sorted(found)


def _equality_key(crit):
    """("text", lowered) or ("number", n) when ``crit`` is an equality that
    criteria_matcher reads that way (no operator other than =, no wildcard, no error,
    logical or blank); else None."""
    if crit is None or isinstance(crit, (bool, XlErr)):
        return None
    if isinstance(crit, (int, float)):
        return None if crit != crit or crit in (math.inf, -math.inf) else ("number", crit)
    op, rest = _CRIT.match(crit).groups()
    if op not in (None, "=") or rest == "" or rest.upper() in ERROR_CODES:
        return None
    n = _text_number(rest) if rest.strip() else None
    if n is not None:
        return ("number", n)
    if rest.upper() in ("TRUE", "FALSE") or has_wildcard(rest):
        return None
    return ("text", rest.lower())


def criteria_positions(calc, grid, crit):
    """The (row, column) positions in ``grid`` (a range's rows kept by the calculation) that
    ``crit`` matches, in reading order, through an index built on the range's second
    equality search; None where the criterion is no plain equality, or on the first search
    (criteria_matcher does the work then)."""
    if len(grid) * (len(grid[0]) if grid else 0) < _INDEXED_FROM:
        return None
    key = _equality_key(crit)
    if key is None:
        return None
    cache = ("equality-index", id(grid))
    hit = calc.caches.get(cache)
    if hit is None or hit[0] is not grid:
        calc.caches[cache] = (grid, None)
        return None
    if hit[1] is None:
        hit = calc.caches[cache] = (grid, _EqualityIndex(grid))
    index = hit[1]
    return index.text.get(key[1], []) if key[0] == "text" else index.number(key[1])


def ref_grid(calc, x):
    """Values of a criteria/sum range as rows (ranges only, as Excel requires)."""
    if isinstance(x, Ref):
        return calc.range_rows(x)
    if isinstance(x, Arr):
        return x.rows
    raise ExcelRaise(VALUE)
