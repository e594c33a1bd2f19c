"""Column evaluation: the rows of one formula column computed together.

An appraisal sheet is a few formula columns repeated down thousands of agent rows.
Cell by cell, every row pays for the same bookkeeping: the circular-reference
check, a closure call per node of the formula, a dictionary probe per input cell,
the range cache and lookup-key cache consulted afresh.  Here a *run* (consecutive
cells of one column sharing one compiled relative form) is computed node by node
over all its rows: an input column is read in one pass, a lookup table, a weights
row or a RANK range is met once per run, and each operator or function is applied
row by row by the very implementation the cell-by-cell path calls.  IF and
IFERROR take their branches only on the rows that need them, as Excel does.

The cell-by-cell path stays the reference.  Whatever a node cannot do over a
column (LAMBDA, names, unions, arrays, lazy functions other than IF/IFERROR/IFNA)
runs the cell-by-cell closure of that node for each row; a row where anything
raised is computed again cell by cell; a run that meets a volatile value is left
to the cell-by-cell path entirely, so that its cells are tracked as volatile.
"""
from __future__ import annotations

import os
from functools import partial
from itertools import repeat

from .call_plan import blank_as_zero
from .functions.operators import BINARY, UNARY, float_columns
from .functions.helpers import GENERIC, is_array, scalarize
from .parser import MAX_COL
from .shapes import parse_shared, plan_shared
from .values import NA, VALUE, Ref, XlErr

#: Runs shorter than this are left to the cell-by-cell path.
MIN_RUN = 4

#: When False (the default) a failure inside the column path sends the run back to
#: the cell-by-cell path; the test suite sets KPI_XL_STRICT_COLUMNS=1 so that it shows.
STRICT = os.environ.get("KPI_XL_STRICT_COLUMNS") == "1"

class Const:
    """A node whose value is the same on every row (a literal, an absolute reference)."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v


def _column(x, n):
    return [x.v] * n if type(x) is Const else x


def _cols(args, n):
    return [repeat(a.v, n) if type(a) is Const else a for a in args]


def _blank_as_zero(g, calc, rows, c, bad):
    """A branch's values over its rows, a blank result as 0 (what IF and IFERROR give)."""
    return [blank_as_zero(x) for x in _column(g(calc, rows, c, bad), len(rows))]


def _guarded(call, rows, items, bad):
    """``call(*item)`` for each row's item (``items()`` gives them afresh); a row whose call
    raises shows #VALUE! here and goes into ``bad``, to be computed again cell by cell."""
    try:
        return [call(*a) for a in items()]
    except RecursionError:
        raise
    except Exception:
        out = []
        for r, a in zip(rows, items()):
            try:
                out.append(call(*a))
            except RecursionError:
                raise
            except Exception:
                out.append(VALUE)
                bad.add(r)
        return out


class ColumnBug(Exception):
    """The column path went wrong (never a user's problem: the cells are computed one by one)."""


class NotColumnar(Exception):
    """The formula's shape rules out column evaluation (it stays cell by cell)."""


class ColumnCompiler:
    """Trees → column closures ``g(calc, rows, c, bad)`` returning one value per row (or a
    :class:`Const`); like the cell path's closures they take the calculation context when
    they run, and depend on the workbook while compiling as those do (``Compiler.bound``).

    ``bad`` collects the rows where an implementation raised: the caller computes
    those rows again cell by cell, where the exception is handled (or reported as
    a bug) exactly as it always is.
    """

    def __init__(self, calc):
        self.calc = calc
        self.compiler = calc.compiler

    def compile(self, text, sheet, arow, acol):
        tree = parse_shared(text, sheet)   # trees are shared across workbooks
        if "[" in text:   # structured references (a text without "[" has none)
            tree = self.calc.resolve_structured(tree, sheet, arow, acol)
            self.compiler.bound = True
        if not _plain(tree):
            raise NotColumnar("names, LAMBDA and arrays stay cell by cell")
        # A run's formula is an ordinary formula (an array formula is in no run), compiled
        # from the top, outside any array context; the context is the compiler's own, which
        # Compiler.arguments moves for both paths.
        comp = self.compiler
        saved = comp.in_array, comp._array_depth
        comp.in_array, comp._array_depth = False, 0
        try:
            return self.node(tree, arow, acol), tree
        finally:
            comp.in_array, comp._array_depth = saved

    # -- the cell-by-cell closure of a node, row by row -------------------------------
    def per_row(self, t, arow, acol):
        # the compiler's array context is the one this path is compiling in (see function)
        return self._rowwise(self.compiler.node(t, arow, acol, {}))

    @staticmethod
    def _rowwise(f):
        def g(calc, rows, c, bad):
            return _guarded(f, rows, lambda: ((calc, r, c) for r in rows), bad)
        return g

    def _each(self, fn, args, at_once=None):
        """``fn(calc, *values)`` over the rows of its argument columns; ``at_once(*operands,
        n)``, where given, answers every row together when it can (see
        :func:`~.functions.operators.float_columns`)."""
        if not args:
            return self._rowwise(lambda calc, r, c: fn(calc))

        def g(calc, rows, c, bad):
            n = len(rows)
            vals = [a(calc, rows, c, bad) for a in args]
            if all(type(v) is Const for v in vals):
                # The same arguments on every row (B2/SUM($B$2:$B$999)'s SUM, AVERAGE(C:C)):
                # one call gives every row's value, unless the call is volatile (RANDBETWEEN
                # draws per cell) or raised.
                hits, once = calc._vol_hits, set()
                one = _guarded(partial(fn, calc), rows[:1], lambda: [tuple(v.v for v in vals)], once)
                if not once and calc._vol_hits == hits:
                    return Const(one[0])
                vals = [_column(v, n) for v in vals]
            elif at_once is not None:
                out = at_once(*vals, n)
                if out is not None:
                    return out
            return _guarded(partial(fn, calc), rows, lambda: zip(*_cols(vals, n)), bad)
        return g

    # -- nodes --------------------------------------------------------------------------
    def node(self, t, arow, acol):
        kind = t[0]
        if kind == "lit":
            k = Const(t[1])
            return lambda calc, rows, c, bad: k
        if kind == "ref":
            return self.ref_node(t, arow, acol)
        if kind == "bin":
            return self.binary(t, arow, acol)
        if kind == "un":
            return self.unary(t, arow, acol)
        if kind == "fn":
            return self.function(t, arow, acol)
        return self.per_row(t, arow, acol)

    def value_of(self, t, arow, acol):
        """An operand where one value is wanted: a single cell reads its column directly."""
        if t[0] == "ref":
            _, sheet, r1, c1, r2, c2, (ar1, ac1, _ar2, _ac2) = t
            book = self.calc
            if r1 == r2 and c1 == c2 and isinstance(sheet, str) and book.has_sheet(sheet):
                sheet = book.canonical_sheet(sheet)
                if ar1 and ac1:
                    return lambda calc, rows, c, bad: Const(calc.cell(sheet, r1, c1))
                return self._reader(sheet, None if ar1 else r1 - arow, r1,
                                    None if ac1 else c1 - acol, c1)
        return self.intersecting(self.node(t, arow, acol))

    @staticmethod
    def _reader(sheet, dr, r_abs, dc, c_abs):
        def read(calc, rows, c, bad):
            col = c_abs if dc is None else c + dc
            if dr is None:
                return Const(calc.cell(sheet, r_abs, col))
            return calc.column_values(sheet, [r + dr for r in rows] if dr else rows, col)
        return read

    def intersecting(self, g):
        """Implicit intersection (A1:A9 in row 5 reads A5), where Compiler.intersects."""
        if not self.compiler.intersects():
            return g

        def f(calc, rows, c, bad):
            scalar = calc.scalar
            vals = g(calc, rows, c, bad)
            if type(vals) is Const:
                v = vals.v
                if type(v) is Ref and not (v.r1 == v.r2 and v.c1 == v.c2):
                    return [scalar(v, r, c) for r in rows]
                return vals
            return [scalar(v, r, c) if type(v) is Ref and not (v.r1 == v.r2 and v.c1 == v.c2) else v
                    for v, r in zip(vals, rows)]
        return f

    def ref_node(self, t, arow, acol):
        _, sheet, r1, c1, r2, c2, (ar1, ac1, ar2, ac2) = t
        if isinstance(sheet, str) and self.calc.has_sheet(sheet) and ar1 and ar2:
            if ac1 and ac2:
                k = Const(Ref(sheet, r1, c1, r2, c2))
                return lambda calc, rows, c, bad: k
            # Rows fixed ($B$2:$B$999, a whole column B:B): one range on every row of the
            # run, its relative columns moved to the run's column.
            whole = self.per_row(t, arow, acol)

            def moved(calc, rows, c, bad):
                a = c1 if ac1 else c1 + c - acol
                b = c2 if ac2 else c2 + c - acol
                if 1 <= a <= b <= MAX_COL:
                    return Const(Ref(sheet, r1, a, r2, b))
                return whole(calc, rows, c, bad)
            return moved
        return self.per_row(t, arow, acol)

    def binary(self, t, arow, acol):
        op = t[1]
        if op in (":", " "):
            return self.per_row(t, arow, acol)
        a = self.value_of(t[2], arow, acol)
        b = self.value_of(t[3], arow, acol)
        return self._each(BINARY[op], [a, b], float_columns(op))

    def unary(self, t, arow, acol):
        f = UNARY[t[1]]
        a = self.value_of(t[2], arow, acol)
        if t[1] == "-":
            def neg(calc, v):
                tv = type(v)
                return -v if tv is float or tv is int else f(calc, v)
            return self._each(neg, [a])
        return self._each(f, [a])

    def function(self, t, arow, acol):
        _, name, args = t
        comp = self.compiler
        impl = comp.functions.get(name) if name not in ("LAMBDA", "LET", "ISOMITTED") else None
        if impl is None:
            # LAMBDA, LET, names called as functions, unknown names: the cell-by-cell closure
            return self.per_row(t, arow, acol)
        plan = plan_shared(impl, args)
        if not plan.columnar:
            return self.per_row(t, arow, acol)
        # A function with a column implementation takes, where it wants one value, the
        # cell's value in place of a one-cell reference (its ordinary implementation reads
        # both alike): the agent's column is then read in one pass.
        argg = comp.arguments(plan, args, lambda i, a: self.value_of(a, arow, acol)
                              if plan.read_cell_value[i] else self.node(a, arow, acol),
                              self.intersecting)
        if not plan.arity_ok:
            k = Const(VALUE)
            return lambda calc, rows, c, bad: k
        fn = impl.fn
        if plan.branch == "if":
            # rows whose condition is not TRUE/FALSE take the whole IF cell by cell
            return self._if(argg, self.per_row(t, arow, acol))
        if plan.branch in ("iferror", "ifna"):
            return self._iferror(argg, self.per_row(t, arow, acol), plan.branch == "ifna")
        if plan.wants_cell:
            return self._rowwise_cell(fn, argg)
        if plan.column is not None:
            return self._with_column(fn, plan.column, argg)
        return self._each(fn, argg)

    def _with_column(self, fn, column, argg):
        """A function with a column implementation (``fn.column``): it answers the rows it
        can and marks the others GENERIC, which the ordinary implementation then takes."""

        def g(calc, rows, c, bad):
            n = len(rows)
            vals = [a(calc, rows, c, bad) for a in argg]
            try:
                out = column(calc, vals, n)
            except RecursionError:
                raise
            except Exception:
                if STRICT:   # a failing column implementation must show in the tests
                    raise
                out = None
            if out is None:
                out = [GENERIC] * n
            todo = [i for i, v in enumerate(out) if v is GENERIC]
            if todo:
                args = list(zip(*_cols(vals, n))) if vals else [()] * n
                done = _guarded(lambda *a: fn(calc, *a), [rows[i] for i in todo],
                                lambda: (args[i] for i in todo), bad)
                for i, v in zip(todo, done):
                    out[i] = v
            return out
        return g

    def _rowwise_cell(self, fn, argg):
        def g(calc, rows, c, bad):
            n = len(rows)
            cols = _cols([a(calc, rows, c, bad) for a in argg], n)
            return _guarded(lambda r, *a: fn(calc, r, c, *a), rows,
                            lambda: zip(rows, *cols) if cols else ((r,) for r in rows), bad)
        return g

    @staticmethod
    def _merge(rows, parts):
        """Reassemble per-row values from (rows, values) pieces of a split."""
        at = {}
        for sub, vals in parts:
            at.update(zip(sub, vals))
        return [at[r] for r in rows]

    def _if(self, argg, whole):
        """IF with TRUE/FALSE conditions: each branch over its own rows (Compiler._if_node)."""
        cond, then = argg[0], argg[1]
        other = argg[2] if len(argg) == 3 else None
        merge = self._merge   # a static method: the closure holds no compiler (nor workbook)

        def g(calc, rows, c, bad):
            n = len(rows)
            cv = _column(cond(calc, rows, c, bad), n)
            yes = [r for r, v in zip(rows, cv) if v is True]
            no = [r for r, v in zip(rows, cv) if v is False]
            parts = []
            if yes:
                parts.append((yes, _blank_as_zero(then, calc, yes, c, bad)))
            if no:
                parts.append((no, [False] * len(no) if other is None
                              else _blank_as_zero(other, calc, no, c, bad)))
            if len(yes) + len(no) < n:
                rest = [r for r, v in zip(rows, cv) if v is not True and v is not False]
                parts.append((rest, whole(calc, rest, c, bad)))
            if len(parts) == 1:
                return parts[0][1]
            return merge(rows, parts)
        return g

    def _iferror(self, argg, whole, only_na):
        """IFERROR / IFNA on single values: the fallback only on the rows that err."""
        first, alt = argg

        def g(calc, rows, c, bad):
            n = len(rows)
            vals = _column(first(calc, rows, c, bad), n)
            out, erred, odd = [], [], []
            for r, v in zip(rows, vals):
                if is_array(v):
                    odd.append(r)
                    out.append(None)
                    continue
                s = scalarize(calc, v)
                if isinstance(s, XlErr) and (not only_na or s is NA):
                    erred.append(r)
                    out.append(None)
                else:
                    out.append(0 if s is None else v)
            if not erred and not odd:
                return out
            fix = {}
            if erred:
                fix.update(zip(erred, _blank_as_zero(alt, calc, erred, c, bad)))
            if odd:
                fix.update(zip(odd, whole(calc, odd, c, bad)))
            return [fix[r] if r in fix else v for r, v in zip(rows, out)]
        return g


def _nodes(tree):
    """The nodes of a tree, through operators and function calls (any other node is a leaf)."""
    yield tree
    kind = tree[0]
    if kind == "bin":
        yield from _nodes(tree[2])
        yield from _nodes(tree[3])
    elif kind == "un":
        yield from _nodes(tree[2])
    elif kind == "fn":
        for a in tree[2]:
            yield from _nodes(a)


def _plain(tree):
    """True when the tree holds nothing that binds names or builds arrays across rows."""
    return all(t[0] in ("lit", "ref", "bin", "un") or
               t[0] == "fn" and t[1] not in ("LAMBDA", "LET", "ISOMITTED") for t in _nodes(tree))


def refs_of(tree):
    """Every ('ref', ...) node of a tree."""
    return (t for t in _nodes(tree) if t[0] == "ref")


__all__ = ["ColumnBug", "ColumnCompiler", "Const", "MIN_RUN", "NotColumnar", "STRICT", "refs_of"]
