"""Why a cell holds an error value: the cell the error starts in, and what the KPI function
there said.

A score, total or pay cell shows ``#NUM!`` and the month stops; the sentence that says so
names the cell, but the reason (``full_at is 0.9 while the score is 77.5 points …``) was
said by the KPI function inside the calculation and is not in the file.  It is found again
here from the saved workbook alone, whoever computed it (this engine or Excel): each
formula cell keeps its cached value, the cell asked about is computed once more with the
engine, and the KPI functions it calls report the arguments they refused.  A cell whose
own functions refused nothing has its error from a cell it reads: the walk goes on there,
to the first cell that reads no error, the error's origin.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

#: Cells explained per workbook; the rest are left without a reason (they are counted
#: beside the first ones in the sentences anyway).
MOST_CELLS = 200
#: Cells followed from one error back to its origin.
MOST_STEPS = 30


@dataclass(frozen=True)
class Reason:
    """Where an error value starts, and why."""

    origin: tuple  # (sheet, row, col) of the cell the error starts in
    value: str  # the error value there
    function: str | None = None  # the KPI function that refused its arguments, if one did
    message: str | None = None  # what it said
    #: the argument the message is about, where one cell gives it: (argument name, the
    #: defined name it was given as or None, (sheet, row, col))
    argument: tuple | None = None

    def text(self, sheet: str, cell: tuple | None = None) -> str:
        """The reason as a clause for a sentence about ``cell`` (sheet, row, col) of
        ``sheet``, or about several cells (None: the origin is always named); "" when there
        is nothing to add (the error starts in ``cell`` and no KPI function said why)."""
        from .a1 import column_letters, sheet_cell_name

        def at(s, r, c):
            return f"{column_letters(c)}{r}" if s == sheet else sheet_cell_name(s, r, c)
        where = at(*self.origin)
        if self.function is not None:
            said = f"“{self.message}”"
            if self.argument is not None:
                name, label, source = self.argument
                said += f" ({name} is read from {label + ' = ' if label else ''}{at(*source)})"
            if self.origin == cell:
                return f"{self.function} said {said}"
            return f"{self.function} in {where} said {said}"
        if self.origin == cell:
            return ""
        return f"it is computed from {where}, which is {self.value}"


def error_reasons(path, cells, *, most: int = MOST_CELLS, book=None) -> dict[tuple, Reason]:
    """The :class:`Reason` of each (sheet, row, col) of ``cells`` whose cached value in the
    workbook at ``path`` is an error, as far as it can be found (the others are left out).
    ``book``: the engine's reading of ``path`` (:func:`~.xlsx_read.read_workbook`) when the
    caller has it; it is taken over (its cells become the calculation's).

    Nothing here changes the file; a workbook the engine cannot read gives no reasons."""
    if book is None:
        from .xlsx_read import read_workbook
        try:
            book = read_workbook(path)
        except Exception:  # noqa: BLE001 - the reasons are an addition to sentences made
            return {}
    return _Explainer(book).reasons(list(cells)[:most])


class _Explainer:
    def __init__(self, book):
        from ..core.errors import CellError
        from .evaluator import Calc
        from .reads import Reads
        from .recalc import book_input
        from .values import engine_value
        self.reads = Reads(book)
        # The cached values (read before book_input takes the reader's dicts over).
        self.cached = {s.name: dict(s.cached) for s in book.sheets}
        self.texts = {s.name: dict(s.formulas) for s in book.sheets}
        self.arrays = {s.name: set(s.arrays) for s in book.sheets}
        # Every cell holding an error, formula or constant, and its error value; the keys in
        # order: where a walk looks next.
        self.error_value = {s.name: {k: str(v) for part in (s.values, self.cached[s.name])
                                     for k, v in part.items() if isinstance(v, CellError)}
                            for s in book.sheets}
        self.errors = {name: sorted(found) for name, found in self.error_value.items()}
        self.calc = Calc(book_input(book), columns=False, strict=False, time_limit=None,
                         memory_limit_mb=None)
        # Every formula reads the others' saved values: only the cell asked about computes.
        for s in book.sheets:
            formulas = self.calc.formulas[s.name]
            self.calc.results[s.name].update(
                (k, engine_value(v)) for k, v in self.cached[s.name].items()
                if v is not None and k in formulas)

    def reasons(self, cells) -> dict[tuple, Reason]:
        from .serial import date_system
        out = {}
        # The recursion limit is left as it is: the cells read are the saved values, so a
        # cell computes on its own; one that would need a long chain computed first (no
        # value saved) stops at the limit and says nothing, in this thread's stack.
        with date_system(self.calc.date1904):
            for cell in cells:
                if cell[0] in self.error_value and cell[1:] in self.error_value[cell[0]]:
                    reason = self._walk(cell)
                    if reason is not None:
                        out[cell] = reason
        return out

    def _walk(self, cell) -> Reason | None:
        seen = {cell}
        here = cell
        for _ in range(MOST_STEPS):
            value = self.error_value[here[0]].get(here[1:])
            said = self._said(here, value)
            if said is not None:
                return Reason(here, value, *said)
            nxt = self._error_read(here, value, seen)
            if nxt is None:
                return Reason(here, value) if here != cell else None
            seen.add(nxt)
            here = nxt
        return None

    def _said(self, cell, value):
        """(function, sentence) of the first KPI function that refused its arguments in
        ``cell``'s formula with the error ``value``, computing the cell again."""
        sheet, r, c = cell
        calc = self.calc
        if (r, c) not in calc.formulas.get(sheet, ()) or (r, c) in self.arrays[sheet]:
            return None
        results = calc.results[sheet]
        saved = results.pop((r, c), None)
        calc.reasons = []
        try:
            calc.evaluate(sheet, r, c)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 - the engine's own unwinding (a chain too deep)
            pass               # included: a cell the engine cannot compute says nothing
        finally:
            said, calc.reasons = calc.reasons, None
            if saved is None:
                results.pop((r, c), None)
            else:
                results[(r, c)] = saved
        found = next(((fn, msg) for fn, err, msg in said if err == value), None)
        if found is None:
            return None
        return (*found, self._argument(cell, *found))

    def _argument(self, cell, function, message):
        """(argument name, defined name or None, (sheet, row, col)) of the argument of
        ``function`` in ``cell``'s formula that ``message`` begins with, when one cell gives
        it (a reference or a defined name of one cell); else None."""
        from ..registry import BY_NAME
        from .parser import FormulaSyntaxError, calls
        entry = BY_NAME.get(function)
        word = message.split(" ", 1)[0]
        names = [a.name for a in entry.args] if entry is not None else []
        if word not in names:
            return None
        i = names.index(word)
        sheet, r, c = cell
        try:
            tree = self.reads.parse(self.texts[sheet][(r, c)], sheet)
        except (FormulaSyntaxError, KeyError):
            return None
        args = next((args for _, fn, args in calls(tree) if fn == function and len(args) > i),
                    None)
        return None if args is None else self._one_cell(word, args[i], sheet)

    def _one_cell(self, word, node, sheet):
        """(``word``, the defined name or None, (sheet, row, col)) when argument ``node`` is
        a reference to one cell or a defined name of one cell; else None."""
        if node[0] not in ("ref", "name"):
            return None
        refs = self.reads.ranges(node, sheet)
        if not refs or len(refs) != 1:
            return None
        s, r1, c1, r2, c2 = refs[0][:5]
        label = node[1] if node[0] == "name" else None
        return (word, label, (s, r1, c1)) if (r1, c1) == (r2, c2) else None

    def _error_read(self, cell, value, seen):
        """The first cell holding an error that ``cell``'s formula reads (one holding the
        same error value first), not yet in ``seen``."""
        sheet, r, c = cell
        text = self.texts[sheet].get((r, c))
        if not text:
            return None
        ranges = self.reads.cell(text, sheet, r, c)
        if not ranges:
            return None
        found = []
        for s, r1, c1, r2, c2 in ranges:
            keys = self.errors.get(s, ())
            # the rows r1…r2 of the sorted keys, then the columns among them
            for k in keys[bisect_left(keys, (r1,)):bisect_left(keys, (r2 + 1,))]:
                if c1 <= k[1] <= c2 and (s, *k) not in seen:
                    found.append((s, *k))
        if not found:
            return None
        same = [k for k in found if self.error_value[k[0]][k[1:]] == value]
        return (same or found)[0]


__all__ = ["Reason", "error_reasons"]
