"""Which cells each formula of a workbook reads, found from the file alone.

The engine's evaluator finds what a formula reads by computing it; a check that must know
beforehand (which score, total or pay cells are computed from a data-connection cell, which
formulas refer to a sheet without cells) asks :class:`Reads`.  Formulas, names and their
scopes come from :func:`~kpi_xl.engine.xlsx_read.read_workbook`; each formula is parsed by the
engine's parser and its reference and name nodes followed, a formula copied down the rows
parsed once per relative form.
"""
from __future__ import annotations

_FIXED = (True, True, True, True)


class Reads:
    """Which cells each formula of a workbook reads, as the engine reads the file: formulas,
    names and cached values from :func:`~kpi_xl.engine.xlsx_read.read_workbook`, each
    formula parsed by the engine's parser and its reference and name nodes followed."""

    def __init__(self, book):
        from .parser import parse
        self.parse = parse
        self.sheets = {s.name.casefold(): s.name for s in book.sheets}
        self.order = [s.name for s in book.sheets]
        self.names = {(d.name.upper(), d.scope): d.text for d in book.defined_names}
        self.unparsed: list[str] = []  # "Sheet!A1" of each relative form the parser did not take
        self._name_refs: dict = {}
        self._forms: dict = {}  # (sheet, relative form) -> (row, col, what it reads there)

    def cell(self, text: str, sheet: str, r: int, c: int):
        """The ranges ``text`` in ``sheet`` reads, as (sheet, r1, c1, r2, c2); None when it
        may read any cell (INDIRECT).  A formula the parser does not take reads nothing.

        A formula copied down the rows is parsed once, for the first cell of its relative
        form (:func:`~kpi_xl.engine.a1.relative_key`, as the engine compiles it); the others
        move its relative rows and columns."""
        from .a1 import relative_key
        key = (sheet, relative_key(text, r, c))
        hit = self._forms.get(key)
        if hit is None:
            hit = self._forms[key] = (r, c, self._parsed(text, sheet, r, c))
        r0, c0, refs = hit
        if refs is None:
            return None
        dr, dc = r - r0, c - c0
        return [(s, r1 if a[0] else r1 + dr, c1 if a[1] else c1 + dc,
                 r2 if a[2] else r2 + dr, c2 if a[3] else c2 + dc)
                for s, r1, c1, r2, c2, a in refs]

    def ranges(self, node, sheet):
        """The ranges one node of a parsed formula of ``sheet`` reads (a reference, a defined
        name, or any expression), as :meth:`cell` gives them; None when it may read any
        cell (INDIRECT)."""
        return self._walk(node, sheet, frozenset())

    def _parsed(self, text, sheet, r, c):
        from .evaluator import cell_name
        from .parser import FormulaSyntaxError
        try:
            tree = self.parse(text, sheet)
        except FormulaSyntaxError:
            self.unparsed.append(cell_name(sheet, r, c))
            return []
        return self._walk(tree, sheet, frozenset())

    def _sheet(self, name):
        return self.sheets.get(name.casefold()) if isinstance(name, str) else None

    def _walk(self, tree, sheet, naming):
        out: list = []
        stack = [tree]
        while stack:
            t = stack.pop()
            kind = t[0]
            if kind == "ref":
                out += [(s, *t[2:7]) for s in self._ref_sheets(t[1])]
            elif kind == "name":
                refs = self._name(t[1].upper(), t[2], sheet, naming)
                if refs is None:
                    return None
                out += refs
            elif kind == "fn":
                if t[1] == "INDIRECT":
                    return None
                stack += t[2]
            elif kind in ("bin", "un"):
                stack += t[2:]
            elif kind == "union":
                stack += t[1]
            elif kind == "call":
                stack += [t[1], *t[2]]
            # literals, arrays; structured references are not followed
        return out

    def _ref_sheets(self, qualifier):
        """The sheets a reference's qualifier names: one, the span of a 3-D reference, or
        none (another workbook, a sheet not in this one)."""
        if isinstance(qualifier, tuple):
            if len(qualifier) != 2:
                return []  # ("[ext]", book, sheet): another workbook
            first, last = (self._sheet(q) for q in qualifier)
            if first is None or last is None:
                return []
            i, j = sorted((self.order.index(first), self.order.index(last)))
            return self.order[i:j + 1]
        found = self._sheet(qualifier)
        return [found] if found else []

    def _name(self, key, qualifier, sheet, naming):
        """The ranges a defined name reads, looked up as the engine's scan does: the sheet it
        is qualified with, then the formula's sheet, then the workbook."""
        if isinstance(qualifier, tuple):
            return []  # a name in another workbook
        scope = None
        for candidate in (self._sheet(qualifier) if qualifier else None, sheet, None):
            if (key, candidate) in self.names:
                scope = (candidate,)
                break
        if scope is None:
            return []  # not defined here (LET and LAMBDA parameters among them)
        memo = (key, scope[0], sheet)
        if memo in self._name_refs:
            return self._name_refs[memo]
        if memo in naming:
            return []  # a name defined through itself
        from .parser import FormulaSyntaxError
        try:
            tree = self.parse(self.names[(key, scope[0])], scope[0] or sheet)
        except FormulaSyntaxError:
            refs: list | None = []
        else:
            refs = self._walk(tree, scope[0] or sheet, naming | {memo})
            if refs:  # what a name reads stays where it is, whichever cell uses it
                refs = [(*ref[:5], _FIXED) for ref in refs]
        self._name_refs[memo] = refs
        return refs


def computed_from(book, seeds_in, reads=None):
    """Cells computed from seed formulas, directly or through other cells.

    ``seeds_in(text)`` tells whether a formula text is a seed (it calls a data-connection
    function, a function no Excel has, ...).  Returns ``({(sheet, row, col): origin}, reads)``:
    every cell a seed formula gives (each cell of its array range) and every formula cell that
    reads one of them, transitively, mapped to the seed's anchor it comes from (the first one
    found).  A formula that may read any cell (INDIRECT) counts as computed from a seed once
    there is one.  ``reads`` (a :class:`Reads` of ``book``) is made when not given.
    """
    texts: dict = {}  # (sheet, row, col) -> (formula text, the cells it gives)
    for sh in book.sheets:
        for (r, c), text in sh.formulas.items():
            texts[(sh.name, r, c)] = (text, [(r, c)])
        for (r, c), arr in sh.arrays.items():
            r1, c1, r2, c2 = arr.bounds
            texts[(sh.name, r, c)] = (arr.text, [(rr, cc) for rr in range(r1, r2 + 1)
                                                 for cc in range(c1, c2 + 1)])
    source: dict = {}
    for (sheet, r, c), (text, cells) in texts.items():
        if seeds_in(text):
            for cell in cells:
                source[(sheet, *cell)] = (sheet, r, c)
    reads = reads or Reads(book)
    if not source:
        return source, reads
    refs_of: dict = {}
    for (sheet, r, c), (text, cells) in texts.items():
        refs = reads.cell(text, sheet, r, c)
        for cell in cells:
            refs_of[(sheet, *cell)] = refs
    # The same cells by sheet and column, so that a range is met by the cells it holds.
    index: dict = {}
    for (sheet, r, c), origin in source.items():
        index.setdefault(sheet, {}).setdefault(c, {})[r] = origin
    changed = True
    while changed:  # until no formula reads a cell newly known to come from a seed
        changed = False
        for key, refs in refs_of.items():
            if key in source:
                continue
            origin = _first_fed(refs, index, source)
            if origin is not None:
                source[key] = origin
                index.setdefault(key[0], {}).setdefault(key[2], {})[key[1]] = origin
                changed = True
    return source, reads


def _first_fed(refs, index, source):
    """The seed behind the first cell of ``refs`` known to come from one."""
    if refs is None:
        return next(iter(source.values()))
    for sheet, r1, c1, r2, c2 in refs:
        cols = index.get(sheet)
        if not cols:
            continue
        for c in (range(c1, c2 + 1) if c2 - c1 < len(cols)
                  else [k for k in cols if c1 <= k <= c2]):
            rows = cols.get(c)
            if not rows:
                continue
            if r2 - r1 < len(rows):
                for r in range(r1, r2 + 1):
                    if r in rows:
                        return rows[r]
            else:
                for r, origin in rows.items():
                    if r1 <= r <= r2:
                        return origin
    return None
