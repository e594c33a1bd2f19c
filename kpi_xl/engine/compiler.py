"""Syntax tree → Python closures.

A formula is compiled once per *relative* form: ``=B2*C2`` in row 2 and ``=B3*C3``
in row 3 are the same formula, so rows of agents share one compiled closure.  The
closure takes the formula cell's ``(row, col)`` and resolves relative references
from it at run time, and the calculation context as its first argument.  The closures
are kept per relative form and kind of formula (array formula or not) for one workbook
(:meth:`.evaluator.Calc.compiled_for`), and across the workbooks of one process where
the form does not depend on the workbook beyond its sheets' names (:mod:`.shapes`).
"""
from __future__ import annotations

from .a1 import relative_key   # the relative form of a formula's text (re-exported)
from .call_plan import blank_as_zero
from .functions import eta_tree
from .parser import MAX_COL, MAX_ROW, FormulaSyntaxError
from .shapes import parse_shared, plan_shared
from .values import CALC, NAME, NUM, REF, VALUE, Arr, Ref, XlErr

#: Calls of LAMBDAs inside one another before the call shows #NUM!, Excel's error for a
#: recursion that does not end.
LAMBDA_DEPTH = 1000


class _Omitted:
    """The value of a LAMBDA parameter its call left out: blank to every reader but ISOMITTED."""

    __slots__ = ()


OMITTED = _Omitted()


def _moved_from_a1(t, arow, acol):
    """A defined name's tree with each relative row/column moved from A1 to (arow, acol)."""
    kind = t[0]
    if kind == "ref":
        _, sheet, r1, c1, r2, c2, (ar1, ac1, ar2, ac2) = t
        if ar1 and ac1 and ar2 and ac2:
            return t

        def move(v, absolute, by, size):
            # the offset from A1, the far half of the sheet meaning before it (XFD is -1);
            # the cell's row/column plus that offset (past the edge is #REF! when used)
            off = v - 1
            return v if absolute else by + (off if off < size // 2 else off - size)
        r1, r2 = move(r1, ar1, arow, MAX_ROW), move(r2, ar2, arow, MAX_ROW)
        c1, c2 = move(c1, ac1, acol, MAX_COL), move(c2, ac2, acol, MAX_COL)
        return ("ref", sheet, r1, c1, r2, c2, (ar1, ac1, ar2, ac2))
    if kind in ("bin", "un"):
        return t[:2] + tuple(_moved_from_a1(a, arow, acol) for a in t[2:])
    if kind == "fn":
        return ("fn", t[1], [_moved_from_a1(a, arow, acol) for a in t[2]])
    if kind == "union":
        return ("union", [_moved_from_a1(a, arow, acol) for a in t[1]])
    if kind == "call":
        return ("call", _moved_from_a1(t[1], arow, acol), [_moved_from_a1(a, arow, acol) for a in t[2]])
    return t


class CompileError(Exception):
    """The formula cannot be compiled; ``err`` is what the cell shows."""

    def __init__(self, message, err=NAME):
        super().__init__(message)
        self.err = err


class Compiler:
    """Turns trees into closures ``f(calc, row, col)``.

    The closures take the calculation context (:class:`.evaluator.Calc`) as their first
    argument rather than holding it, so that a compiled form can serve every workbook
    whose compiling it does not depend on.  What it depends on is asked of ``self.calc``
    while compiling: the sheets (a reference to a sheet that is not there is #REF!) and,
    for some forms, the workbook's names, tables and external links; such a form sets
    :attr:`bound` and is kept for its own workbook only (see ``Calc.compiled_for``).
    """

    def __init__(self, calc):
        self.calc = calc
        from .functions import FUNCTIONS, find_function
        self.functions = FUNCTIONS
        self._lookup = find_function
        # What is being compiled, decided before any closure runs: an array formula (where no
        # range meets implicit intersection) or an ordinary one; see compile_formula.
        self.in_array = False
        # > 0 while compiling the arguments of a function that takes ranges or arrays
        # (SUM, SUMPRODUCT, INDEX, ...): there a range stays a range.
        self._array_depth = 0
        self._expanding = set()   # defined names whose trees are being compiled
        # Set while compiling when the closure depends on more of the workbook than its
        # sheets' names (defined names, tables, external links, an unknown function), or
        # holds state of its own while it runs (LET and LAMBDA variables): not to be
        # shared with another workbook.  Reset by whoever compiles a form.
        self.bound = False
        self._recursive = {}      # (name, row, col) -> closure of a LAMBDA that calls itself

    def _expand(self, key, tree, arow, acol, scope):
        """The closure of a defined name's tree.  A name met again inside its own tree is
        a LAMBDA calling itself (compiled when the call happens, so compiling ends) or,
        for anything else, a name defined by itself: Excel's circular reference."""
        if key in self._expanding:
            if tree[0] == "fn" and tree[1] == "LAMBDA":
                in_array = self.in_array
                cache, ck = self._recursive, (key, arow, acol, in_array)

                def recursive(calc, r, c):
                    f = cache.get(ck)
                    if f is None:
                        # a defined name sees no LET variables of the formula calling it;
                        # it is compiled in the context of the formula that calls it
                        saved, self.in_array = self.in_array, in_array
                        try:
                            f = cache[ck] = self._expand(key, tree, arow, acol, {})
                        finally:
                            self.in_array = saved
                    return f(calc, r, c)
                return recursive
            raise CompileError(f"the name {key} refers to itself", CALC)
        self._expanding.add(key)
        try:
            return self.node(tree, arow, acol, scope)
        finally:
            self._expanding.discard(key)

    def _value_of(self, t, arow, acol, scope):
        """A closure for an operand where one value is wanted.

        A single-cell reference reads its cell directly: no Ref object is made and
        no type is tested on the way, which is most of the work of a row formula
        such as =IF(E5=0,0,F5/E5).
        """
        if t[0] == "ref":
            _, sheet, r1, c1, r2, c2, (ar1, ac1, _ar2, _ac2) = t
            if r1 == r2 and c1 == c2 and isinstance(sheet, str) and self.calc.has_sheet(sheet):
                sheet = self.calc.canonical_sheet(sheet)
                if ar1 and ac1:
                    return lambda calc, r, c: calc.cell(sheet, r1, c1)
                dr, dc = r1 - arow, c1 - acol
                if ar1:
                    return lambda calc, r, c: calc.cell(sheet, r1, c + dc)
                if ac1:
                    return lambda calc, r, c: calc.cell(sheet, r + dr, c1)
                return lambda calc, r, c: calc.cell(sheet, r + dr, c + dc)
        return self._intersecting(self.node(t, arow, acol, scope))

    def intersects(self):
        """Whether a multi-cell range given where one value is expected meets implicit
        intersection here (A1:A9 in row 5 reads A5): only in a formula that is not an array
        formula, outside the arguments of a function that takes ranges or arrays.  Decided
        while compiling; the column path asks the same question of this compiler."""
        return not (self.in_array or self._array_depth)

    def _intersecting(self, a):
        """``a`` with implicit intersection applied to its result, where :meth:`intersects`."""
        if not self.intersects():
            return a

        def f(calc, r, c):
            v = a(calc, r, c)
            if type(v) is Ref and not (v.r1 == v.r2 and v.c1 == v.c2):
                return calc.scalar(v, r, c)
            return v
        return f

    def compile_formula(self, text, sheet, row, col, in_array=False):
        """The closure ``f(row, col)`` of a cell's formula, computed in ``self.calc``;
        ``in_array``: the cell holds an array formula (entered with Ctrl+Shift+Enter, or a
        dynamic array), where ranges stay ranges."""
        f = self.compile_form(text, sheet, row, col, in_array)
        calc = self.calc
        return lambda r, c: f(calc, r, c)

    def compile_form(self, text, sheet, row, col, in_array=False):
        """The closure ``f(calc, row, col)`` of a cell's formula (see compile_formula); sets
        :attr:`bound` when it depends on more of the workbook than its sheets."""
        tree = parse_shared(text, sheet)   # trees are shared across workbooks
        if "[" in text:   # structured references (a text without "[" has none)
            tree = self.calc.resolve_structured(tree, sheet, row, col)
            self.bound = True
        saved, self.in_array = self.in_array, in_array
        try:
            return self.node(tree, row, col, {})
        finally:
            self.in_array = saved

    # -- nodes -------------------------------------------------------------------
    def node(self, t, arow, acol, scope):
        kind = t[0]
        if kind == "lit":
            v = t[1]
            return lambda calc, r, c: v
        if kind == "ref":
            return self.ref_node(t, arow, acol)
        if kind == "bin":
            return self.binary(t, arow, acol, scope)
        if kind == "un":
            return self.unary(t, arow, acol, scope)
        if kind == "fn":
            return self.function(t, arow, acol, scope)
        if kind == "name":
            return self.name_node(t, arow, acol, scope)
        if kind == "arr":
            arr = Arr([list(row) for row in t[1]])
            return lambda calc, r, c: arr
        if kind == "union":
            parts = [self.node(x, arow, acol, scope) for x in t[1]]
            from .values import MultiRef

            def union(calc, r, c):
                refs = []
                for p in parts:
                    v = p(calc, r, c)
                    if isinstance(v, Ref):
                        refs.append(v)
                    elif isinstance(v, MultiRef):
                        refs.extend(v.refs)
                    else:
                        return VALUE
                return MultiRef(refs)
            return union
        if kind == "call":
            callee = self.node(t[1], arow, acol, scope)
            args = [self._lambda_arg(a, arow, acol, scope) for a in t[2]]

            def call(calc, r, c):
                f = callee(calc, r, c)
                if not callable(f):
                    return f if isinstance(f, XlErr) else VALUE
                return f(*[a(calc, r, c) for a in args])
            return call
        if kind == "sref":
            raise CompileError(f"unresolved structured reference {t[2]}", REF)
        raise CompileError(f"unknown node {kind}")

    def ref_node(self, t, arow, acol):
        _, sheet, r1, c1, r2, c2, (ar1, ac1, ar2, ac2) = t
        book = self.calc
        if isinstance(sheet, tuple):
            if sheet and sheet[0] == "[ext]":
                # [1]Sheet1!A1: the values Excel cached of the linked workbook (see external.py)
                from .external import sheet_name
                self.bound = True
                name = sheet_name(sheet[1], sheet[2]) if isinstance(sheet[2], str) else None
                if name is None or not book.has_sheet(name):
                    return lambda calc, r, c: REF
                return self.ref_node(("ref", book.canonical_sheet(name)) + tuple(t[2:]), arow, acol)
            # 3-D reference Sheet1:Sheet3!A1
            sheets = book.sheet_span(sheet[0], sheet[1])
            if sheets is None:
                return lambda calc, r, c: REF
            from .values import MultiRef
            return lambda calc, r, c: MultiRef([Ref(s, r1, c1, r2, c2) for s in sheets])
        if not book.has_sheet(sheet):
            return lambda calc, r, c: REF
        if ar1 and ac1 and ar2 and ac2:
            ref = Ref(sheet, r1, c1, r2, c2)
            return lambda calc, r, c: ref
        dr1 = r1 if ar1 else r1 - arow
        dc1 = c1 if ac1 else c1 - acol
        dr2 = r2 if ar2 else r2 - arow
        dc2 = c2 if ac2 else c2 - acol

        def rel(calc, r, c):
            a = dr1 if ar1 else r + dr1
            b = dc1 if ac1 else c + dc1
            d = dr2 if ar2 else r + dr2
            e = dc2 if ac2 else c + dc2
            if a < 1 or b < 1 or d > MAX_ROW or e > MAX_COL:
                return REF
            return Ref(sheet, a, b, d, e)
        return rel

    def binary(self, t, arow, acol, scope):
        from .functions.operators import BINARY, range_op, intersect_op
        op = t[1]
        if op in (":", " "):
            a = self.node(t[2], arow, acol, scope)
            b = self.node(t[3], arow, acol, scope)
            if op == ":":
                return lambda calc, r, c: range_op(calc, a(calc, r, c), b(calc, r, c))
            return lambda calc, r, c: intersect_op(a(calc, r, c), b(calc, r, c))
        a = self._value_of(t[2], arow, acol, scope)
        b = self._value_of(t[3], arow, acol, scope)
        f = BINARY[op]
        return lambda calc, r, c: f(calc, a(calc, r, c), b(calc, r, c))

    def unary(self, t, arow, acol, scope):
        from .functions.operators import UNARY
        f = UNARY[t[1]]
        a = self._value_of(t[2], arow, acol, scope)
        if t[1] == "-":
            def neg(calc, r, c):
                v = a(calc, r, c)
                tv = type(v)
                return -v if tv is float or tv is int else f(calc, v)
            return neg
        return lambda calc, r, c: f(calc, a(calc, r, c))

    def name_node(self, t, arow, acol, scope):
        _, name, sheet = t
        self.bound = True
        key = name.upper()
        if key.startswith("_XLPM."):
            key = key[6:]
        if sheet is None and key in scope:
            slot = scope[key]
            return lambda calc, r, c: None if slot[0] is OMITTED else slot[0]
        eta = eta_tree(key) if sheet is None else None
        if eta is not None:   # _xleta.SUM given as a function value: LAMBDA(x, SUM(x))
            return self.node(eta, arow, acol, scope)
        tree = self.calc.defined_name(key, sheet, self.calc.current_sheet)
        if tree is None:
            self.calc.note_unknown_name(name)
            return lambda calc, r, c: NAME
        if isinstance(tree, CompileError):
            err = tree.err
            return lambda calc, r, c: err
        # Excel saves a name's relative references as seen from A1 (a name for "the cell to
        # the left" reads Sheet1!XFD1): used in a cell, they move with it, wrapping around
        # the sheet's edges.
        return self._expand(key, _moved_from_a1(tree, arow, acol), arow, acol, scope)

    def function(self, t, arow, acol, scope):
        _, name, args = t
        if name in ("LAMBDA", "LET", "ISOMITTED"):
            self.bound = True
        if name in ("LAMBDA", "LET"):
            return self.lambda_like(name, args, arow, acol, scope)
        if name == "ISOMITTED":
            # TRUE for a LAMBDA parameter the call left out; it needs the slot, not its value.
            a = args[0] if len(args) == 1 else None
            key = a[1].upper().removeprefix("_XLPM.") if a and a[0] == "name" else None
            if key is None or key not in scope:
                return lambda calc, r, c: VALUE if a is None else False
            slot = scope[key]
            return lambda calc, r, c: slot[0] is OMITTED
        if name.startswith("_XLPM.") and name[6:] in scope:
            # _xlpm.area(D1,E1): a LAMBDA bound by LET, or given as a LAMBDA's parameter
            self.bound = True
            return self.node(("call", ("name", name, None), args), arow, acol, scope)
        impl = self.functions.get(name) or self._lookup(name)
        if impl is None:
            self.bound = True
            # A LAMBDA defined as a workbook name, called by name.
            tree = self.calc.defined_name(name, None, self.calc.current_sheet)
            if tree is not None and not isinstance(tree, CompileError):
                callee = self._expand(name.upper(), tree, arow, acol, scope)
                argf = [self._lambda_arg(a, arow, acol, scope) for a in args]

                def call_name(calc, r, c):
                    f = callee(calc, r, c)
                    if not callable(f):
                        return f if isinstance(f, XlErr) else VALUE
                    return f(*[a(calc, r, c) for a in argf])
                return call_name
            self.calc.note_unknown_function(name)
            return lambda calc, r, c: NAME
        plan = plan_shared(impl, args)
        argf = self.arguments(plan, args, lambda i, a: self.node(a, arow, acol, scope),
                              self._intersecting)
        if not plan.arity_ok:
            return lambda calc, r, c: VALUE
        fn = impl.fn
        if plan.branch == "if":
            return self._if_node(fn, argf)
        if plan.lazy:
            return lambda calc, r, c: fn(calc, [(lambda a=a: a(calc, r, c)) for a in argf], r, c) \
                if plan.wants_cell else fn(calc, [(lambda a=a: a(calc, r, c)) for a in argf])
        if plan.wants_cell:
            return lambda calc, r, c: fn(calc, r, c, *[a(calc, r, c) for a in argf])
        n = len(argf)
        if n == 1:
            a0 = argf[0]
            return lambda calc, r, c: fn(calc, a0(calc, r, c))
        if n == 2:
            a0, a1 = argf
            return lambda calc, r, c: fn(calc, a0(calc, r, c), a1(calc, r, c))
        if n == 3:
            a0, a1, a2 = argf
            return lambda calc, r, c: fn(calc, a0(calc, r, c), a1(calc, r, c), a2(calc, r, c))
        return lambda calc, r, c: fn(calc, *[a(calc, r, c) for a in argf])

    def arguments(self, plan, args, compile_arg, intersecting):
        """The arguments of a call compiled as its plan says, by ``compile_arg(i, tree)``;
        ``intersecting`` wraps those where a range meets implicit intersection.  Both
        evaluation paths call this: the array context is this compiler's, for both."""
        out = []
        for i, a in enumerate(args):
            keep = plan.keep_range[i]
            self._array_depth += keep
            try:
                f = compile_arg(i, a)
            finally:
                self._array_depth -= keep
            # A value argument (a criterion, a lookup value) given a range: in a formula that
            # is not an array formula it meets implicit intersection; in an array context it
            # stays and the call broadcasts.
            out.append(intersecting(f) if plan.intersect[i] else f)
        return out

    def _if_node(self, if_fn, argf):
        """IF with a plain TRUE/FALSE condition goes straight to its branch; any other
        condition (a number, text, an array, an error) takes the general IF."""
        cond, then = argf[0], argf[1]
        other = argf[2] if len(argf) == 3 else None

        def if_node(calc, r, c):
            v = cond(calc, r, c)
            if v is True:
                return blank_as_zero(then(calc, r, c))
            if v is False:
                return False if other is None else blank_as_zero(other(calc, r, c))
            thunks = [lambda: v] + [(lambda a=a: a(calc, r, c)) for a in argf[1:]]
            return if_fn(calc, thunks)
        return if_node

    def _lambda_arg(self, a, arow, acol, scope):
        if a == ("lit", None):
            return lambda calc, r, c: OMITTED   # f(1,): the second argument is left out
        return self.node(a, arow, acol, scope)

    def lambda_like(self, name, args, arow, acol, scope):
        self._array_depth += 1
        try:
            return self._lambda_like(name, args, arow, acol, scope)
        finally:
            self._array_depth -= 1

    def _lambda_like(self, name, args, arow, acol, scope):
        if name == "LET":
            if len(args) < 3 or len(args) % 2 == 0:
                return lambda calc, r, c: VALUE
            inner = dict(scope)
            steps = []
            for i in range(0, len(args) - 1, 2):
                if args[i][0] != "name":
                    return lambda calc, r, c: VALUE
                key = args[i][1].upper().removeprefix("_XLPM.")
                slot = [None]
                steps.append((slot, self.node(args[i + 1], arow, acol, inner)))
                inner = dict(inner)
                inner[key] = slot
            body = self.node(args[-1], arow, acol, inner)

            def let(calc, r, c):
                for slot, f in steps:
                    slot[0] = f(calc, r, c)
                return body(calc, r, c)
            return let
        params = []
        for a in args[:-1]:
            if a[0] != "name":
                return lambda calc, r, c: VALUE
            # _xlop. marks an optional parameter ([b] in the formula bar)
            params.append(a[1].upper().removeprefix("_XLPM.").removeprefix("_XLOP."))
        inner = dict(scope)
        slots = []
        for p in params:
            slot = [None]
            inner[p] = slot
            slots.append(slot)
        body = self.node(args[-1], arow, acol, inner) if args else (lambda calc, r, c: VALUE)

        def make(calc, r, c):
            def lam(*vals):
                if len(vals) > len(slots):
                    return VALUE
                if calc.lambda_depth >= LAMBDA_DEPTH:
                    return NUM
                saved = [s[0] for s in slots]
                for s, v in zip(slots, list(vals) + [OMITTED] * (len(slots) - len(vals))):
                    s[0] = v
                calc.lambda_depth += 1
                try:
                    return body(calc, r, c)
                finally:
                    calc.lambda_depth -= 1
                    for s, v in zip(slots, saved):
                        s[0] = v
            lam.params = len(slots)   # GROUPBY gives a second argument to two-parameter ones
            return lam
        return make


__all__ = ["Compiler", "CompileError", "relative_key", "FormulaSyntaxError"]
