"""Arithmetic and statistics: the aggregates KPI workbooks live on, exactly as Excel does them."""
from __future__ import annotations

import bisect
import random as _random
import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

from ..values import DIV0, NA, NUM, VALUE, Arr, ExcelRaise, MultiRef, Ref, Tail, XlErr, to_number
from . import excel
from .helpers import (GENERIC, broadcast, criteria_matcher, criteria_positions, elementwise, flat,
                      floats_column, is_array, iter_values, numbers,
                      ref_grid, scalarize, xsum)


@excel("SUM", args="r+")
def SUM(calc, *args):
    return xsum(numbers(calc, args)) if len(args) != 1 else _sum1(calc, args[0])


def _sum1(calc, a):
    if isinstance(a, Ref) and a.r1 == a.r2 and a.c1 == a.c2:
        v = calc.cell(a.sheet, a.r1, a.c1)
        if type(v) in (int, float):
            return v
        if isinstance(v, XlErr):
            raise ExcelRaise(v)
        return 0
    return xsum(numbers(calc, (a,)))


@excel("AVERAGE", min_args=1, args="r+")
def AVERAGE(calc, *args):
    xs = numbers(calc, args)
    if not xs:
        return DIV0
    # one by one in reading order, as Excel adds them: its cached averages keep the
    # rounding of that order (-4.1e-9 where an exact sum of the same numbers is 0)
    total = 0.0
    for x in xs:
        total += x
    return total / len(xs)


def _numbers_a(calc, args):
    out = []
    for v, from_ref in iter_values(calc, args):
        if isinstance(v, XlErr):
            raise ExcelRaise(v)
        if v is None:
            if not from_ref:
                out.append(0)
            continue
        if isinstance(v, bool):
            out.append(1 if v else 0)
        elif isinstance(v, (int, float)):
            out.append(v)
        elif from_ref:
            out.append(0)
        else:
            out.append(to_number(v))
    return out


@excel("AVERAGEA", min_args=1, args="r+")
def AVERAGEA(calc, *args):
    xs = _numbers_a(calc, args)
    if not xs:
        return DIV0
    return xsum(xs) / len(xs)


@excel("MAXA", min_args=1, args="r+")
def MAXA(calc, *args):
    xs = _numbers_a(calc, args)
    return max(xs) if xs else 0


@excel("MINA", min_args=1, args="r+")
def MINA(calc, *args):
    xs = _numbers_a(calc, args)
    return min(xs) if xs else 0


@excel("MIN", min_args=1, args="r+")
def MIN(calc, *args):
    xs = numbers(calc, args)
    return min(xs) if xs else 0


@excel("MAX", min_args=1, args="r+")
def MAX(calc, *args):
    xs = numbers(calc, args)
    return max(xs) if xs else 0


@excel("PRODUCT", min_args=1, args="r+")
def PRODUCT(calc, *args):
    xs = numbers(calc, args)
    p = 1
    for x in xs:
        p *= x
    return p if xs else 0


@excel("COUNT", args="r+", counts_errors=True)
def COUNT(calc, *args):
    n = 0
    for v, from_ref in iter_values(calc, args):
        if isinstance(v, bool):
            n += 0 if from_ref else 1
        elif isinstance(v, (int, float)):
            n += 1
        elif not from_ref and isinstance(v, str):
            try:
                to_number(v)
                n += 1
            except ExcelRaise:   # not an error: text that is no number is not counted
                pass
    return n


@excel("COUNTA", args="r+", counts_errors=True)
def COUNTA(calc, *args):
    n = 0
    for v, from_ref in iter_values(calc, args):
        if v is not None:
            n += 1
    return n


@excel("COUNTBLANK", min_args=1, max_args=1, args="r")
def COUNTBLANK(calc, a):
    n = sum(1 for v in flat(calc, a) if v is None or v == "")
    if isinstance(a, Ref):   # the part of a large range beyond the used area is blank, unread
        rows = calc.values(a)
        n += a.shape[0] * a.shape[1] - len(rows) * len(rows[0])
    return n


def SUMPRODUCT(calc, *args):
    grids = [calc.values(a) for a in args]
    if not all(type(a) is Ref for a in args) or any(a.shape != args[0].shape for a in args) or \
            any((len(g), len(g[0])) != (len(grids[0]), len(grids[0][0])) for g in grids):
        # Whole shapes: a large range's blank rest, and what A:A="x" made of it, count.
        # (Ranges of one shape read as far as one used area need not: a blank's product is 0.)
        grids = [calc.full_values(a) for a in args]
    shape = (len(grids[0]), len(grids[0][0]))
    if shape == (1, 1) and not any(isinstance(a, Arr) for a in args) and \
            any(isinstance(g[0][0], str) for g in grids if len(g) == 1 and len(g[0]) == 1):
        # One value per argument (numbers, single cells): a product of text is #VALUE!,
        # where text inside ranges of several cells counts as 0.
        return VALUE
    for g in grids[1:]:
        if (len(g), len(g[0])) != shape:
            return VALUE
    # Rows from ``read`` on repeat one row in every argument (Tail): that row's products
    # count once per row.
    read = max(len(g.head) if type(g) is Tail else len(g) for g in grids)
    total = []
    if read < shape[0]:
        err = _sumproduct([g[:read] for g in grids], total)
        if err is not None:
            return err
        fills = []
        err = _sumproduct([[g.fill] for g in grids], fills)
        if err is not None:
            return err
        repeats = shape[0] - read
        total.extend(p * repeats for p in fills)
        return xsum(total)
    err = _sumproduct(grids, total)
    return err if err is not None else xsum(total)


def _sumproduct(grids, total):
    """Append the products of SUMPRODUCT's arguments' elements (rows of one shape) to
    ``total``; the first error met, else None."""
    if not grids[0]:
        return None
    if len(grids) == 2:
        # The usual score row × weights row, without the general loop's indexing.
        for row_a, row_b in zip(*grids):
            for a, b in zip(row_a, row_b):
                ta, tb = type(a), type(b)
                if (ta is float or ta is int) and (tb is float or tb is int):
                    total.append(a * b)
                elif ta is XlErr:
                    return a
                elif tb is XlErr:
                    return b
                elif isinstance(a, XlErr) or isinstance(b, XlErr):
                    return a if isinstance(a, XlErr) else b
                elif type(a) in (int, float) and type(b) in (int, float):
                    total.append(a * b)
                else:
                    total.append(0)
        return None
    for rows in zip(*grids):
        for j in range(len(rows[0])):
            p = 1
            for row in rows:
                v = row[j]
                if isinstance(v, XlErr):
                    return v
                if type(v) in (int, float):
                    p *= v
                else:
                    p = 0
            total.append(p)
    return None


def _sumproduct_column(calc, args, n):
    """SUMPRODUCT(score row, weights row) down a column of agents: the weights read once,
    each agent's row straight from its cells.  Rows holding anything but numbers take
    the ordinary implementation."""
    if len(args) != 2 or (type(args[0]) is list) == (type(args[1]) is list):
        return None
    refs, w = (args[0], args[1].v) if type(args[0]) is list else (args[1], args[0].v)
    if type(w) is not Ref or w.r1 != w.r2:
        return None
    weights = calc.values(w)[0]
    width = len(weights)
    if width != w.c2 - w.c1 + 1 or not all(type(x) is float or type(x) is int for x in weights):
        return None
    out = _row_products(calc, refs, weights)
    if out is not None:
        return out
    cell = calc.cell
    out = []
    for ref in refs:
        if type(ref) is not Ref or ref.r1 != ref.r2 or ref.c2 - ref.c1 + 1 != width:
            out.append(GENERIC)
            continue
        s, r, c1 = ref.sheet, ref.r1, ref.c1
        vals = [cell(s, r, c1 + j) for j in range(width)]
        if all(type(x) is float or type(x) is int for x in vals):
            out.append(xsum([x * y for x, y in zip(vals, weights)]))
        else:
            out.append(GENERIC)
    return out


def _row_products(calc, refs, weights):
    """Each row's sum of products when every row's range is the same columns of its own row
    and every cell there holds a number: read a column at a time (:meth:`Calc.column_values`);
    None otherwise, for the row-by-row loop of :func:`_sumproduct_column`."""
    first = refs[0]
    if type(first) is not Ref:
        return None
    sheet, c1, c2 = first.sheet, first.c1, first.c2
    rows = [x.r1 for x in refs if type(x) is Ref and x.r1 == x.r2 and x.c1 == c1 and x.c2 == c2
            and x.sheet == sheet]
    if len(rows) != len(refs) or c2 - c1 + 1 != len(weights):
        return None
    terms = []
    for c, w in zip(range(c1, c2 + 1), weights):
        col = calc.column_values(sheet, rows, c)
        if not set(map(type, col)) <= _NUMBER_TYPES:
            return None
        terms.append([x * w for x in col])
    return list(map(xsum, zip(*terms)))


_NUMBER_TYPES = frozenset((float, int))


SUMPRODUCT = excel("SUMPRODUCT", min_args=1, column=_sumproduct_column)(SUMPRODUCT)


#: The largest power of ten a double holds: 1E308.
_LARGEST_TEN = 308


def ten_to(k: int) -> int:
    """10 to the ``k`` exactly; #NUM! past the largest double, which the caller's answer
    would pass anyway (10 to the 1E9 is worked out digit by digit for hours, in one call
    that no check of the calculation's budget interrupts)."""
    if k > _LARGEST_TEN:
        raise ExcelRaise(NUM)
    return 10 ** k


def _excel_round(x, digits, mode):
    if x == 0:
        return 0.0 if isinstance(x, float) else 0
    d = Decimal(f"{x:.15g}")
    if digits < -300:
        return 0.0
    if digits > 330:
        return float(x)  # finer than any double holds
    q = Decimal(1).scaleb(-digits)
    try:
        r = d.quantize(q, rounding=mode)
    except InvalidOperation:  # more digits asked for than the number has
        return float(x)
    return float(r)


_POW10 = [10.0 ** k for k in range(16)]


def _round_impl(mode):
    half_up = mode == ROUND_HALF_UP

    def f(x, digits=0):
        x = to_number(x)
        digits = int(math.trunc(to_number(digits)))
        if half_up and 0 <= digits <= 15 and type(x) is float and abs(x) < 1e15:
            # Away from a tie, the float's own rounding gives Excel's answer; only
            # values within a hair of ...5 need the 15-digit decimal treatment.
            # (The window widens with the magnitude: Excel first cuts to 15 digits.)
            scaled = abs(x) * _POW10[digits]
            frac = scaled - math.floor(scaled)
            if abs(frac - 0.5) > 1e-6 + scaled * 1e-14:
                return round(x, digits)
        if digits < 0:
            m = ten_to(-digits)
            return _excel_round(x / m, 0, mode) * m
        return _excel_round(x, digits, mode)
    return f


for _name, _mode in (("ROUND", ROUND_HALF_UP), ("ROUNDUP", ROUND_UP), ("ROUNDDOWN", ROUND_DOWN)):
    _f = _round_impl(_mode)
    excel(_name, min_args=2, max_args=2, column=floats_column(_f))(elementwise(_f))


@excel("TRUNC", min_args=1, max_args=2)
@elementwise
def TRUNC(x, digits=0):
    return _round_impl(ROUND_DOWN)(x, digits)


@excel("INT", min_args=1, max_args=1)
@elementwise
def INT(x):
    return math.floor(to_number(x))


@excel("ABS", min_args=1, max_args=1)
@elementwise
def ABS(x):
    return abs(to_number(x))


def _away_to_parity(x, odd):
    """|x| rounded up to the next even (or odd) integer, with x's sign (EVEN, ODD); exact
    at any size (EVEN(1E+307) is 1E+307)."""
    x = to_number(x)
    sign = -1 if x < 0 else 1
    n = math.ceil(abs(x))
    if n % 2 != odd:
        n += 1
    return float(sign * n)


@excel("EVEN", min_args=1, max_args=1)
@elementwise
def EVEN(x):
    return _away_to_parity(x, 0)


@excel("ODD", min_args=1, max_args=1)
@elementwise
def ODD(x):
    return _away_to_parity(x, 1)


@excel("SIGN", min_args=1, max_args=1)
@elementwise
def SIGN(x):
    x = to_number(x)
    return (x > 0) - (x < 0)


@excel("MOD", min_args=2, max_args=2)
@elementwise
def MOD(a, b):
    a, b = to_number(a), to_number(b)
    if b == 0:
        raise ExcelRaise(DIV0)
    r = a - b * math.floor(a / b)
    return r


@excel("SQRT", min_args=1, max_args=1)
@elementwise
def SQRT(x):
    x = to_number(x)
    if x < 0:
        raise ExcelRaise(NUM)
    return math.sqrt(x)


@excel("POWER", min_args=2, max_args=2)
@elementwise
def POWER(a, b):
    from .operators import _pow
    return _pow(a, b)


# -- conditional aggregates --------------------------------------------------------

def _crit_mask(calc, pairs):
    """Rows×cols mask from (range, criterion) pairs; all ranges must share a shape."""
    mask = None
    shape = None
    for rng, crit in pairs:
        grid = ref_grid(calc, rng)
        if shape is None:
            shape = (len(grid), len(grid[0]))
        elif (len(grid), len(grid[0])) != shape:
            raise ExcelRaise(VALUE)
        c = scalarize(calc, crit)
        match = criteria_matcher(c)
        m = [[match(v) for v in row] for row in grid]
        mask = m if mask is None else [[a and b for a, b in zip(r1, r2)] for r1, r2 in zip(mask, m)]
    return mask, shape


def _unread_blanks(calc, pairs, mask):
    """Cells of whole-column/row criteria ranges beyond the used area are blank: they
    count when every criterion accepts a blank."""
    rng = pairs[0][0]
    if not isinstance(rng, Ref):
        return 0
    h, w = rng.shape
    seen = len(mask) * (len(mask[0]) if mask else 0)
    if h * w <= seen:
        return 0
    for _, crit in pairs:
        if not criteria_matcher(scalarize(calc, crit))(None):
            return 0
    return h * w - seen


def _target_grid(calc, rng, shape):
    if isinstance(rng, Ref):
        # Excel sizes the sum range from its top-left cell to the criteria shape.
        rng = Ref(rng.sheet, rng.r1, rng.c1, rng.r1 + shape[0] - 1, rng.c1 + shape[1] - 1)
    return ref_grid(calc, rng)


def _indexed_all(calc, pairs):
    """(positions every criterion of ``pairs`` matches, in reading order, the criteria shape)
    when one of them is a plain equality whose range has its index (helpers.criteria_
    positions): its matches are the candidates, each checked against the other criteria.
    (None, None) where that does not apply."""
    if not all(isinstance(rng, Ref) for rng, _ in pairs):
        return None, None
    grids = [ref_grid(calc, rng) for rng, _ in pairs]
    if not grids[0] or any(len(g) != len(grids[0]) or len(g[0]) != len(grids[0][0])
                           for g in grids):
        return None, None
    crits = [scalarize(calc, c) for _, c in pairs]
    best, which = None, -1
    for k, (grid, crit) in enumerate(zip(grids, crits)):
        found = criteria_positions(calc, grid, crit)
        if found is not None and (best is None or len(found) < len(best)):
            best, which = found, k
    if best is None:
        return None, None
    if len(pairs) == 1:
        return best, (len(grids[0]), len(grids[0][0]))
    checks = [(grid, criteria_matcher(crit)) for k, (grid, crit) in enumerate(zip(grids, crits))
              if k != which]
    positions = [(r, c) for r, c in best if all(match(g[r][c]) for g, match in checks)]
    return positions, (len(grids[0]), len(grids[0][0]))


def _numbers_at(target, positions):
    """The numbers of ``target`` at ``positions`` (reading order), as _masked_numbers takes
    them: the first error met is the answer."""
    out = []
    for r, c in positions:
        if r < len(target) and c < len(target[r]):
            v = target[r][c]
            if isinstance(v, XlErr):
                raise ExcelRaise(v)
            if type(v) in (int, float):
                out.append(v)
    return out


def _masked_numbers(calc, mask, target):
    out = []
    for mrow, trow in zip(mask, target):
        for m, v in zip(mrow, trow):
            if m:
                if isinstance(v, XlErr):
                    raise ExcelRaise(v)
                if type(v) in (int, float):
                    out.append(v)
    return out


@excel("SUMIF", min_args=2, max_args=3, args="r i [r]")
def SUMIF(calc, rng, crit, sum_range=None):
    if is_array(crit):
        return broadcast(calc, lambda c: SUMIF(calc, rng, c, sum_range), (crit,))
    positions, shape = _indexed_all(calc, [(rng, crit)])
    if positions is not None:
        return xsum(_numbers_at(_target_grid(calc, sum_range if sum_range is not None else rng,
                                             shape), positions))
    mask, shape = _crit_mask(calc, [(rng, crit)])
    target = _target_grid(calc, sum_range if sum_range is not None else rng, shape)
    return xsum(_masked_numbers(calc, mask, target))


@excel("COUNTIF", min_args=2, max_args=2, args="r i")
def COUNTIF(calc, rng, crit):
    if is_array(crit):
        return broadcast(calc, lambda c: COUNTIF(calc, rng, c), (crit,))
    positions, _ = _indexed_all(calc, [(rng, crit)])
    if positions is not None:
        return len(positions)   # an equality matches no blank: none beyond the used area
    mask, _ = _crit_mask(calc, [(rng, crit)])
    return sum(sum(1 for m in row if m) for row in mask) + _unread_blanks(calc, [(rng, crit)], mask)


@excel("AVERAGEIF", min_args=2, max_args=3, args="r i [r]")
def AVERAGEIF(calc, rng, crit, avg_range=None):
    positions, shape = _indexed_all(calc, [(rng, crit)])
    if positions is not None:
        xs = _numbers_at(_target_grid(calc, avg_range if avg_range is not None else rng, shape),
                         positions)
        return xsum(xs) / len(xs) if xs else DIV0
    mask, shape = _crit_mask(calc, [(rng, crit)])
    xs = _masked_numbers(calc, mask, _target_grid(calc, avg_range if avg_range is not None else rng, shape))
    return xsum(xs) / len(xs) if xs else DIV0


def _pairs(args):
    if len(args) % 2:
        raise ExcelRaise(VALUE)
    return [(args[i], args[i + 1]) for i in range(0, len(args), 2)]


@excel("SUMIFS", min_args=3, args="r (r i)+")
def SUMIFS(calc, target, *args):
    positions, shape = _indexed_all(calc, _pairs(args))
    if positions is not None:
        grid = ref_grid(calc, target)
        if (len(grid), len(grid[0])) != shape:
            return VALUE
        return xsum(_numbers_at(grid, positions))
    mask, shape = _crit_mask(calc, _pairs(args))
    grid = ref_grid(calc, target)
    if (len(grid), len(grid[0])) != shape:
        return VALUE
    return xsum(_masked_numbers(calc, mask, grid))


@excel("COUNTIFS", min_args=2, args="(r i)+")
def COUNTIFS(calc, *args):
    pairs = _pairs(args)
    positions, _ = _indexed_all(calc, pairs)
    if positions is not None:
        return len(positions)   # one criterion is an equality, which matches no blank
    mask, _ = _crit_mask(calc, pairs)
    return sum(sum(1 for m in row if m) for row in mask) + _unread_blanks(calc, pairs, mask)


@excel("AVERAGEIFS", min_args=3, args="r (r i)+")
def AVERAGEIFS(calc, target, *args):
    positions, shape = _indexed_all(calc, _pairs(args))
    if positions is not None:
        grid = ref_grid(calc, target)
        if (len(grid), len(grid[0])) != shape:
            return VALUE
        xs = _numbers_at(grid, positions)
        return xsum(xs) / len(xs) if xs else DIV0
    mask, shape = _crit_mask(calc, _pairs(args))
    grid = ref_grid(calc, target)
    if (len(grid), len(grid[0])) != shape:
        return VALUE
    xs = _masked_numbers(calc, mask, grid)
    return xsum(xs) / len(xs) if xs else DIV0


@excel("MAXIFS", min_args=3, args="r (r i)+")
def MAXIFS(calc, target, *args):
    mask, shape = _crit_mask(calc, _pairs(args))
    xs = _masked_numbers(calc, mask, ref_grid(calc, target))
    return max(xs) if xs else 0


@excel("MINIFS", min_args=3, args="r (r i)+")
def MINIFS(calc, target, *args):
    mask, shape = _crit_mask(calc, _pairs(args))
    xs = _masked_numbers(calc, mask, ref_grid(calc, target))
    return min(xs) if xs else 0


# -- order statistics ------------------------------------------------------------------

def _sorted_numbers(calc, ref):
    key = ("sorted", ref.key()) if isinstance(ref, Ref) else None
    if key is not None and key in calc.caches:
        return calc.caches[key]
    xs = []
    for v, _ in iter_values(calc, (ref,)):
        if isinstance(v, XlErr):
            raise ExcelRaise(v)
        if type(v) in (int, float):
            xs.append(v)
    xs.sort()
    if key is not None:
        calc.caches[key] = xs
    return xs


def _rank_in(xs, x, asc, avg):
    """The rank of number ``x`` among the sorted numbers ``xs`` (#N/A when it is not one of
    them): from the top, or from the bottom when ``asc``; ties share the first rank, or
    their average rank when ``avg``."""
    lo = bisect.bisect_left(xs, x)
    hi = bisect.bisect_right(xs, x)
    if lo == hi:
        return NA
    if asc:
        first = lo + 1
    else:
        first = len(xs) - hi + 1
    if avg:
        return first + (hi - lo - 1) / 2
    return first


def _rank(avg):
    def fn(calc, number, ref, order=None):
        if is_array(number):
            return broadcast(calc, lambda n: fn(calc, n, ref, order), (number,))
        x = scalarize(calc, number)
        if isinstance(x, XlErr):
            return x
        x = to_number(x)
        asc = order is not None and to_number(scalarize(calc, order)) != 0
        if not isinstance(ref, (Ref, MultiRef)):
            return VALUE
        return _rank_in(_sorted_numbers(calc, ref), x, asc, avg)
    return fn


def _rank_column(avg):
    """RANK down a column of agents against one range: the range sorted once, each row's
    number (a float, or a cell holding one) ranked in it; any other row, and every row
    when the range or the order is not the same on each, takes the ordinary implementation."""
    def column(calc, args, n):
        if len(args) == 3:
            if type(args[2]) is list or type(args[2].v) is not float:
                return None
            asc = args[2].v != 0
        else:
            asc = False
        numbers, ref = args[0], args[1]
        if type(numbers) is not list or type(ref) is list or type(ref.v) is not Ref:
            return None
        try:
            xs = _sorted_numbers(calc, ref.v)
        except ExcelRaise:
            return None
        cell = calc.cell
        out = []
        for v in numbers:
            if type(v) is Ref and v.r1 == v.r2 and v.c1 == v.c2:
                v = cell(v.sheet, v.r1, v.c1)
            out.append(_rank_in(xs, v, asc, avg) if type(v) is float else GENERIC)
        return out
    return column


excel("RANK", "RANK.EQ", min_args=2, max_args=3, column=_rank_column(False))(_rank(False))
excel("RANK.AVG", min_args=2, max_args=3, column=_rank_column(True))(_rank(True))


def _nums_only(calc, a):
    xs = []
    for v, _ in iter_values(calc, (a,)):
        if isinstance(v, XlErr):
            raise ExcelRaise(v)
        if type(v) in (int, float):
            xs.append(v)
    return sorted(xs)


@excel("MEDIAN", min_args=1)
def MEDIAN(calc, *args):
    xs = sorted(numbers(calc, args))
    if not xs:
        return NUM
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def _kth(largest):
    def fn(calc, a, k):
        if is_array(k):
            return broadcast(calc, lambda kk: fn(calc, a, kk), (k,))
        # a value typed as the array is coerced (LARGE(TRUE,1) is 1, LARGE("2.3",1)
        # 2.3: Excel's cached values); a range gives only its numbers
        xs = _nums_only(calc, a) if isinstance(a, (Ref, MultiRef, Arr)) else [to_number(a)]
        kk = math.ceil(to_number(scalarize(calc, k)))
        if kk < 1 or kk > len(xs):
            return NUM
        return xs[-kk] if largest else xs[kk - 1]
    return fn


excel("LARGE", min_args=2, max_args=2)(_kth(True))
excel("SMALL", min_args=2, max_args=2)(_kth(False))


def _percentile(exclusive):
    def fn(calc, a, k):
        xs = _nums_only(calc, a)
        p = to_number(scalarize(calc, k))
        n = len(xs)
        if n == 0:
            return NUM
        if exclusive:
            if p <= 0 or p >= 1:
                return NUM
            h = p * (n + 1) - 1
            if h < 0 or h > n - 1:
                return NUM
        else:
            if p < 0 or p > 1:
                return NUM
            h = p * (n - 1)
        lo = math.floor(h)
        frac = h - lo
        if lo + 1 >= n:
            return xs[lo]
        return xs[lo] + frac * (xs[lo + 1] - xs[lo])
    return fn


excel("PERCENTILE", "PERCENTILE.INC", min_args=2, max_args=2)(_percentile(False))
excel("PERCENTILE.EXC", min_args=2, max_args=2)(_percentile(True))


def _quartile(exclusive):
    p = _percentile(exclusive)

    def fn(calc, a, q):
        qq = math.trunc(to_number(scalarize(calc, q)))
        if exclusive and not 1 <= qq <= 3 or not exclusive and not 0 <= qq <= 4:
            return NUM
        return p(calc, a, qq / 4)
    return fn


excel("QUARTILE", "QUARTILE.INC", min_args=2, max_args=2)(_quartile(False))
excel("QUARTILE.EXC", min_args=2, max_args=2)(_quartile(True))


def _percentrank(exclusive):
    def fn(calc, a, x, significance=None):
        xs = _nums_only(calc, a)
        xv = to_number(scalarize(calc, x))
        sig = 3 if significance is None else math.trunc(to_number(scalarize(calc, significance)))
        n = len(xs)
        if n == 0 or sig < 1:
            return NUM if n == 0 or sig < 1 else NA
        if xv < xs[0] or xv > xs[-1]:
            return NA

        def pos(v):
            # rank of v among xs, interpolating between neighbours.
            lo = bisect.bisect_left(xs, v)
            if lo < n and xs[lo] == v:
                return float(lo)
            below, above = xs[lo - 1], xs[lo]
            return (lo - 1) + (v - below) / (above - below)
        r = pos(xv)
        if exclusive:
            res = (r + 1) / (n + 1)
        else:
            if n == 1:
                return 1.0
            res = r / (n - 1)
        factor = ten_to(sig)
        # Excel truncates to the significance digits (after a 15-digit cleanup).
        return math.floor(float(f"{res * factor:.12g}")) / factor
    return fn


excel("PERCENTRANK", "PERCENTRANK.INC", min_args=2, max_args=3)(_percentrank(False))
excel("PERCENTRANK.EXC", min_args=2, max_args=3)(_percentrank(True))


def _var(sample):
    def fn(calc, *args):
        xs = numbers(calc, args)
        n = len(xs)
        if n < (2 if sample else 1):
            return DIV0
        m = xsum(xs) / n
        return xsum((x - m) ** 2 for x in xs) / (n - 1 if sample else n)
    return fn


excel("VAR", "VAR.S", min_args=1, args="r+")(_var(True))
excel("VARP", "VAR.P", min_args=1, args="r+")(_var(False))


@excel("STDEV", "STDEV.S", min_args=1, args="r+")
def STDEV(calc, *args):
    v = _var(True)(calc, *args)
    return v if isinstance(v, XlErr) else math.sqrt(v)


@excel("STDEVP", "STDEV.P", min_args=1, args="r+")
def STDEVP(calc, *args):
    v = _var(False)(calc, *args)
    return v if isinstance(v, XlErr) else math.sqrt(v)


# -- SUBTOTAL ----------------------------------------------------------------------------

_SUBTOTAL = {1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT",
             7: "STDEV", 8: "STDEVP", 9: "SUM", 10: "VAR", 11: "VARP"}


@excel("SUBTOTAL", min_args=2, args="a r+")
def SUBTOTAL(calc, fn_num, *refs):
    from . import FUNCTIONS
    k = int(to_number(scalarize(calc, fn_num)))
    skip_hidden = k > 100
    name = _SUBTOTAL.get(k - 100 if skip_hidden else k)
    if name is None:
        return VALUE
    arrays = []
    for ref in refs:
        if not isinstance(ref, Ref):
            return VALUE
        rows = []
        formulas = calc.formulas[ref.sheet]
        # 1-11 leave out the rows a filter took out; 101-111 every hidden row
        hidden = calc.hidden_rows[ref.sheet] if skip_hidden else calc.filtered_rows[ref.sheet]
        for r, row in zip(range(ref.r1, ref.r2 + 1), calc.range_rows(ref)):
            if r in hidden:
                continue
            vals = []
            for c, v in zip(range(ref.c1, ref.c2 + 1), row):
                f = formulas.get((r, c))
                if f is not None and ("SUBTOTAL(" in f.upper() or "AGGREGATE(" in f.upper()):
                    v = None
                vals.append(v)
            rows.append(vals)
        if rows:
            arrays.append(Arr(rows))
    if not arrays:
        arrays = [Arr([[None]])]
    return FUNCTIONS[name].fn(calc, *arrays)


@excel("SERIESSUM", min_args=4, max_args=4)
def SERIESSUM(calc, x, n, m, coefficients):
    """Returns the sum of a power series: a1*x^n + a2*x^(n+m) + a3*x^(n+2m) + ..."""
    try:
        x, n, m = (scalarize(calc, a) for a in (x, n, m))
        if any(isinstance(v, bool) for v in (x, n, m)):
            return VALUE        # a logical is no number to SERIESSUM (Excel's cached values)
        x, n, m = (to_number(v) for v in (x, n, m))
        total = 0.0
        for i, a in enumerate(v for v, _ in iter_values(calc, [coefficients])):
            if isinstance(a, XlErr):
                return a
            if a is None:
                continue        # an empty cell adds nothing
            if type(a) is not float and type(a) is not int:
                return VALUE    # "if any argument is nonnumeric, SERIESSUM returns #VALUE!"
            power = n + i * m
            if x == 0 and power == 0:
                return NUM      # 0^0, as POWER(0,0)
            total += a * x ** power
    except ZeroDivisionError:
        return DIV0
    return total


# -- SUMSQ, DEVSQ, AVEDEV, MODE: Excel's rules for typed values and references ---------
#
# SUMSQ, DEVSQ and AVEDEV (Excel's documentation): "logical values and text representations
# of numbers that you type directly into the list of arguments are counted"; in an array
# or a reference only numbers count, a one-cell reference included (SUMSQ(E15) of the
# text "1" is 0). DEVSQ and AVEDEV of no numbers are #NUM!.

@excel("SUMSQ", min_args=1)
def SUMSQ(calc, *args):
    """Returns the sum of the squares of the arguments."""
    return xsum([x * x for x in numbers(calc, args)])


@excel("DEVSQ", min_args=1)
def DEVSQ(calc, *args):
    """Returns the sum of squares of deviations."""
    xs = numbers(calc, args)
    if not xs:
        return NUM
    mean = xsum(xs) / len(xs)
    return xsum([(x - mean) ** 2 for x in xs])


@excel("AVEDEV", min_args=1)
def AVEDEV(calc, *args):
    """Returns the average of the absolute deviations of data points from their mean."""
    xs = numbers(calc, args)
    if not xs:
        return NUM
    mean = xsum(xs) / len(xs)
    return xsum([abs(x - mean) for x in xs]) / len(xs)


# MODE takes each argument that is not a range or an array as one value that must be a
# number: Excel's cached values give #VALUE! for MODE(B8,"1",2,3) (typed text, even of a
# number), MODE(B9,2,D7) (D7 an empty cell) and MODE("1",1,#DIV/0!,2,3) (the first failing
# argument wins); within a range or an array only numbers count.

@excel("MODE", "MODE.SNGL", min_args=1)
def MODE(calc, *args):
    """Returns the most common value in a data set."""
    xs = []
    for a in args:
        if isinstance(a, (MultiRef, Arr)) or isinstance(a, Ref) and is_array(a):
            for row in calc.values(a):
                for v in row:
                    t = type(v)
                    if t is XlErr:
                        return v
                    if t is float or t is int:
                        xs.append(v)
            continue
        v = scalarize(calc, a)
        t = type(v)
        if t is XlErr:
            return v
        if t is not float and t is not int:
            return VALUE
        xs.append(v)
    counts = {}
    for x in xs:
        counts[x] = counts.get(x, 0) + 1
    best = max(counts.values(), default=0)
    if best < 2:
        return NA
    return next(x for x in xs if counts[x] == best)   # the first of equally common values


# -- AGGREGATE ---------------------------------------------------------------------------

_AGGREGATE = {1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT",
              7: "STDEV.S", 8: "STDEV.P", 9: "SUM", 10: "VAR.S", 11: "VAR.P", 12: "MEDIAN",
              13: "MODE.SNGL", 14: "LARGE", 15: "SMALL", 16: "PERCENTILE.INC",
              17: "QUARTILE.INC", 18: "PERCENTILE.EXC", 19: "QUARTILE.EXC"}


@excel("AGGREGATE", min_args=3, max_args=None, args="a a ra+")
def AGGREGATE(calc, fn_num, options, *args):
    """Returns an aggregate in a list or database, optionally ignoring hidden rows and errors.

    Options (Excel's documentation): 0 ignores nested SUBTOTAL and AGGREGATE, 1 also hidden
    rows, 2 also error values, 3 all three; 4 ignores nothing, 5 hidden rows, 6 error values,
    7 hidden rows and error values. Functions 1-13 take references (the reference form);
    14-19 take one array, which may be computed, and k."""
    from . import find_function
    k = int(to_number(scalarize(calc, fn_num)))
    opt = 0 if options is None else int(to_number(scalarize(calc, options)))
    name = _AGGREGATE.get(k)
    if name is None or not 0 <= opt <= 7:
        return VALUE
    skip_nested = opt <= 3
    skip_hidden = opt in (1, 3, 5, 7)
    skip_errors = opt in (2, 3, 6, 7)
    if k >= 14:
        if len(args) != 2:
            return VALUE
        data, kth = args
        if isinstance(kth, (Ref, MultiRef, Arr)):
            kth = scalarize(calc, kth)
        sources = [data]
    else:
        if any(not isinstance(a, Ref) for a in args):
            return VALUE    # the reference form takes references only
        sources, kth = args, None
    vals = []
    for a in sources:
        if isinstance(a, Ref):
            vals += _visible_values(calc, a, skip_hidden, skip_nested)
        elif isinstance(a, Arr):
            vals += [v for row in a.rows for v in row]
        elif isinstance(a, MultiRef):
            return VALUE
        else:
            vals.append(a)
    if skip_errors:
        vals = [v for v in vals if type(v) is not XlErr]
    column = Arr([[v] for v in vals] or [[None]])
    fn = find_function(name).fn
    return fn(calc, column) if kth is None else fn(calc, column, kth)


def _visible_values(calc, ref, skip_hidden, skip_nested):
    hidden = calc.hidden_rows[ref.sheet] if skip_hidden else ()
    formulas = calc.formulas[ref.sheet]
    out = []
    for r, row in zip(range(ref.r1, ref.r2 + 1), calc.range_rows(ref)):
        if r in hidden:
            continue
        for c, v in zip(range(ref.c1, ref.c2 + 1), row):
            if skip_nested:
                f = formulas.get((r, c))
                if f is not None and ("SUBTOTAL(" in f.upper() or "AGGREGATE(" in f.upper()):
                    continue
            out.append(v)
    return out


# -- random numbers ------------------------------------------------------------------

@excel("RAND", max_args=0)
def RAND(calc):
    """Returns a random number between 0 and 1."""
    calc.taint_volatile()
    return _random.random()   # in [0, 1), as Excel's


@excel("RANDBETWEEN", min_args=2, max_args=2)
def RANDBETWEEN(calc, bottom, top):
    """Returns a random number between the numbers you specify."""
    calc.taint_volatile()
    return _randbetween(calc, bottom, top)


@elementwise
def _randbetween(bottom, top):
    # bottom is "the smallest integer RANDBETWEEN will return", top "the largest": a
    # fractional bottom rounds up, a fractional top down.
    for v in (bottom, top):
        if isinstance(v, XlErr):
            raise ExcelRaise(v)
    lo, hi = math.ceil(to_number(bottom)), math.floor(to_number(top))
    if lo > hi:
        raise ExcelRaise(NUM)
    return float(_random.randint(lo, hi))


# -- LOG, POISSON, FREQUENCY --------------------------------------------------------------

@excel("LOG", min_args=1, max_args=2)
@elementwise
def LOG(x, base=10):
    """The logarithm of ``x`` in ``base``: #NUM! for a number or base not above 0, #DIV/0!
    for base 1 (its logarithm, the divisor, is 0); base 10 exact (LOG(1000) is 3)."""
    x, b = to_number(x), to_number(base)
    if x <= 0 or b <= 0:
        raise ExcelRaise(NUM)
    if b == 1:
        raise ExcelRaise(DIV0)
    if b == 10:
        return math.log10(x)
    return math.log(x) / math.log(b)


def _poisson(x, mean, cumulative):
    """POISSON.DIST: ``x`` cut to a whole number; #NUM! below 0."""
    k, m = to_number(x), to_number(mean)
    if k < 0 or m < 0:
        raise ExcelRaise(NUM)
    k = int(k)

    def term(i):
        if m == 0:
            return 1.0 if i == 0 else 0.0
        return math.exp(i * math.log(m) - m - math.lgamma(i + 1)) if i > 20 \
            else math.exp(-m) * m ** i / math.factorial(i)
    if not _truthy(cumulative):
        return term(k)
    # Terms more than 40 standard deviations from the mean are below e^-800 of the sum's
    # largest term: leaving them out changes no digit, and a mean of a billion needs
    # millions of terms, not a billion.
    spread = 40 * math.sqrt(m) + 40
    lo, hi = max(0, math.floor(m - spread)), min(k, math.ceil(m + spread))
    return min(1.0, math.fsum(term(i) for i in range(lo, hi + 1)))


def _truthy(v):
    if isinstance(v, str):
        u = v.strip().upper()
        if u in ("TRUE", "FALSE"):
            return u == "TRUE"
    return bool(to_number(v))


excel("POISSON.DIST", "POISSON", min_args=3, max_args=3)(elementwise(_poisson))


@excel("FREQUENCY", min_args=2, max_args=2)
def FREQUENCY(calc, data, bins):
    """How many numbers of ``data`` fall in each bin, a vertical array one longer than the
    bins: bin i counts the numbers above the next lower bin and up to bin i, in the order
    the bins are given (they need not be sorted; a repeated bin counts nothing the second
    time); the last element counts the numbers above every bin.  Text and blanks are left
    out; an error in either is the answer."""
    def nums(x):
        out = []
        for v in flat(calc, x) if isinstance(x, (Ref, MultiRef, Arr)) else [x]:
            if isinstance(v, XlErr):
                raise ExcelRaise(v)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append(v)
        return out
    xs, bs = nums(data), nums(bins)
    if not bs:
        return Arr([[len(xs)]])
    order = sorted(range(len(bs)), key=lambda i: (bs[i], i))
    counts = [0] * (len(bs) + 1)
    xs_sorted = sorted(xs)
    j, lower = 0, None
    for i in order:
        b = bs[i]
        if lower is not None and b == lower:
            continue                      # a repeated bin: its numbers went to the first
        n = 0
        while j < len(xs_sorted) and xs_sorted[j] <= b:
            n += 1
            j += 1
        counts[i] = n
        lower = b
    counts[-1] = len(xs_sorted) - j
    return Arr([[c] for c in counts])


@excel("MMULT", min_args=2, max_args=2)
def MMULT(calc, a, b):
    """The matrix product of two arrays: #VALUE! when a cell is empty, text or a logical,
    or when the first array's columns are not the second's rows."""
    import numpy as np

    def matrix(x):
        if isinstance(x, XlErr):
            raise ExcelRaise(x)
        rows = calc.values(x) if isinstance(x, (Ref, MultiRef, Arr)) else [[x]]
        for row in rows:
            for v in row:
                if isinstance(v, XlErr):
                    raise ExcelRaise(v)
                if type(v) is not float and type(v) is not int:
                    raise ExcelRaise(VALUE)
        return np.array(rows, dtype=float)
    ma, mb = matrix(a), matrix(b)
    if ma.shape[1] != mb.shape[0]:
        return VALUE
    with np.errstate(all="ignore"):      # a product past the largest double is its #NUM!
        out = ma @ mb
    return Arr([[float(v) if math.isfinite(v) else NUM for v in row] for row in out])
