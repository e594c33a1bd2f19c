"""Before calculating: the functions the engine does not know and the names nobody defined.

Either one makes its cells show ``#NAME?``; the scan names them with their cells so that a
user hears of it before waiting for a long calculation, not from the values afterwards.

It must stay cheap beside the calculation: a 5,000-agent sheet holds 65,000 formula texts
but a dozen formulas copied down the rows.  Texts that differ only in their digits (the row
numbers of a copied formula) share one verdict, looked up by the text's *skeleton* (its UTF-8
bytes with the digits 1-9 folded into one; zeros are kept so that a row 0, never a cell,
stays apart).  Only a verdict that cannot depend on the digits is shared that way (no digits
in a function or name, no sheet-qualified name, no row beyond 999,999); the others are kept
by exact text.  A new text is first read for its words: when every function in it is known
and every other word is a cell, it is clean without being parsed.
"""
from __future__ import annotations

import re
from itertools import islice, repeat

from .functions import FUNCTIONS, eta_tree, find_function
from .model import BookInput
from .a1 import COLUMN, MAX_COL, NAME_WORD, column_number
from .parser import FormulaSyntaxError, function_name, parse

_FOLD_DIGITS = bytes.maketrans(b"123456789", b"111111111")

# Handled by the compiler itself before the function table is asked.
_SCOPING = frozenset(("LAMBDA", "LET"))

# Words of a formula outside its strings and quoted sheet names; a word followed by "("
# calls a function, one followed by "!" names a sheet.  The look-behind keeps the
# exponent of 1E5 from reading as a word.
_WORDS = re.compile(r"""
    "(?:[^"]|"")*" | '(?:[^']|'')*' | \#[A-Za-z/0_]+[!?]?
  | (?<![\w.$\\])(""" + NAME_WORD + r""")(\(|!)?""", re.X)
_CELL_WORD = re.compile(r"\$?(" + COLUMN + r")\$?([1-9]\d{0,5})")

_CLEAN = ((), ())
_TABLE = object()  # a table's name stands for its data rows


class _Names:
    """What a formula on one sheet can call or name, found as :class:`.evaluator.Calc` finds it."""

    def __init__(self, book: BookInput):
        self.names = {(name.upper(), scope): text for (name, scope), text in book.names.items()}
        self.sheets = {s.name.upper(): s.name for s in book.sheets}
        self.tables = {t.name.upper() for t in book.tables}
        self.known_functions = {}
        self._trees = {}
        self._walking = set()

    def function_known(self, name):
        known = self.known_functions.get(name)
        if known is None:
            known = self.known_functions[name] = bool(FUNCTIONS.get(name) or find_function(name))
        return known

    def definition(self, key, sheet, current):
        """The defined name's text as the compiler finds it, ``_TABLE`` for a table, None if undefined."""
        text = None
        if sheet is not None:
            text = self.names.get((key, self.sheets.get(sheet.upper(), sheet)))
        if text is None and current is not None:
            text = self.names.get((key, current))
        if text is None:
            text = self.names.get((key, None))
        if text is None and key in self.tables:
            return _TABLE
        return text

    def unknown_inside(self, key, sheet, current, scope):
        """Unknown functions and names inside a defined name's formula, which its users meet."""
        memo = (key, sheet, current, scope)
        hit = self._trees.get(memo)
        if hit is not None:
            return hit
        text = self.definition(key, sheet, current)
        found = ({}, {})
        if isinstance(text, str) and memo not in self._walking:
            self._walking.add(memo)
            try:
                _walk(parse(text, current), self, current, scope, *found)
            except FormulaSyntaxError:
                pass  # the compiler shows such a name's error; it is defined all the same
            finally:
                self._walking.discard(memo)
        self._trees[memo] = found
        return found


def _walk(t, names, sheet, scope, functions, undefined):
    """Collect into ``functions`` and ``undefined`` (dicts, for their order) what the compiler
    turns into #NAME?; False when the verdict depends on digits in the text (see the top)."""
    kind = t[0]
    shareable = True
    if kind == "fn":
        _, name, args = t
        shareable = not any(ch.isdigit() for ch in name)
        if name in _SCOPING:
            return _walk_scoping(name, args, names, sheet, scope, functions, undefined) and shareable
        if name == "ISOMITTED":
            return shareable  # reads a parameter's slot, never its value
        if name.startswith("_XLPM.") and name[6:] in scope:
            pass  # a call of a LAMBDA bound by LET or given as a parameter
        elif not names.function_known(name):
            # A LAMBDA kept as a defined name, called by its name.
            text = names.definition(name, None, sheet)
            if text is None or text is not _TABLE and not _parses(text, sheet):
                functions[name] = None
            else:
                inner = names.unknown_inside(name, None, sheet, scope)
                functions.update(inner[0])
                undefined.update(inner[1])
        for a in args:
            shareable = _walk(a, names, sheet, scope, functions, undefined) and shareable
        return shareable
    if kind == "name":
        _, name, qualifier = t
        key = name.upper()
        if key.startswith("_XLPM."):
            key = key[6:]
        shareable = qualifier is None and not any(ch.isdigit() for ch in key)
        if qualifier is None and key in scope:
            return shareable
        if isinstance(qualifier, tuple):
            return shareable  # a name in another workbook: #REF!, not ours to define
        if qualifier is None and eta_tree(key) is not None:
            return shareable  # _xleta.SUM: the function SUM given as a value
        if names.definition(key, qualifier, sheet) is None:
            undefined[name] = None
        else:
            inner = names.unknown_inside(key, qualifier, sheet, scope)
            functions.update(inner[0])
            undefined.update(inner[1])
        return shareable
    if kind == "ref":
        return max(t[2], t[4]) < 1_000_000
    if kind in ("bin", "un"):
        for a in t[2:]:
            shareable = _walk(a, names, sheet, scope, functions, undefined) and shareable
        return shareable
    if kind == "union":
        for a in t[1]:
            shareable = _walk(a, names, sheet, scope, functions, undefined) and shareable
        return shareable
    if kind == "call":
        for a in [t[1], *t[2]]:
            shareable = _walk(a, names, sheet, scope, functions, undefined) and shareable
        return shareable
    return True  # literals, arrays, structured references (a wrong table is #REF!)


def _walk_scoping(name, args, names, sheet, scope, functions, undefined):
    """LET and LAMBDA: their parameters are names in scope for what follows them.
    A malformed one is #VALUE! as a whole, so nothing inside it is reported."""
    shareable = True
    if name == "LET":
        if len(args) < 3 or len(args) % 2 == 0:
            return True
        inner = scope
        for i in range(0, len(args) - 1, 2):
            if args[i][0] != "name":
                return shareable
            shareable = _walk(args[i + 1], names, sheet, inner, functions, undefined) and shareable
            key = args[i][1].upper().removeprefix("_XLPM.")
            shareable = shareable and not any(ch.isdigit() for ch in key)
            inner = inner | {key}
        return _walk(args[-1], names, sheet, inner, functions, undefined) and shareable
    params = []
    for a in args[:-1]:
        if a[0] != "name":
            return True
        params.append(a[1].upper().removeprefix("_XLPM.").removeprefix("_XLOP."))
    shareable = not any(ch.isdigit() for p in params for ch in p)
    if not args:
        return shareable
    return _walk(args[-1], names, sheet, scope | frozenset(params), functions, undefined) and shareable


def _parses(text, sheet):
    try:
        parse(text, sheet)
    except FormulaSyntaxError:
        return False
    return True


def _plainly_clean(text, names):
    """(clean, shareable) from the words alone; clean is False when the text must be parsed."""
    if "[" in text:
        return False, False  # structured references and [n]! prefixes: let the parser read them
    shareable = True
    for word, follows in _WORDS.findall(text):
        if not word or follows == "!":
            continue
        if follows == "(":
            fn = function_name(word)
            if fn in _SCOPING or not names.function_known(fn):
                return False, False
            if shareable and any(ch.isdigit() for ch in fn):
                shareable = False
            continue
        m = _CELL_WORD.fullmatch(word)
        if m and column_number(m.group(1)) <= MAX_COL:
            continue
        if word.upper() in ("TRUE", "FALSE"):
            continue
        return False, False
    return True, shareable


def _verdict(text, sheet, names):
    """((unknown functions), (undefined names)) of one formula text, and whether it is shareable."""
    clean, shareable = _plainly_clean(text, names)
    if clean:
        return _CLEAN, shareable
    try:
        tree = parse(text, sheet)
    except FormulaSyntaxError:
        return _CLEAN, False  # reported by the calculation as a formula it cannot read
    functions, undefined = {}, {}
    shareable = _walk(tree, names, sheet, frozenset(), functions, undefined)
    if not functions and not undefined:
        return _CLEAN, shareable
    return (tuple(functions), tuple(undefined)), shareable


def scan_unknown(book: BookInput):
    """Unknown functions and undefined names of ``book``'s formulas, with the cells using them.

    Returns ``(unknown_functions, unknown_names)``: ``{NAME: ["Sheet!A1", ...]}`` (function
    names without their add-in prefixes) and ``{name: [cells]}`` (names as written), cells
    in workbook order: sheet by sheet, row by row.  A function is known when the engine's
    table has it or a defined name (a LAMBDA) stands for it; a name is defined when the
    workbook or the formula's sheet defines it, a table bears it, or an enclosing LET or
    LAMBDA makes it a parameter.
    """
    from .evaluator import cell_name
    names = _Names(book)
    fn_cells, name_cells, spelling = {}, {}, {}
    fold = _FOLD_DIGITS
    for sheet in book.sheets:
        by_skeleton, by_text = {}, {}
        if _all_clean(sheet.formulas, sheet.name, names, by_skeleton):
            continue
        hits = []
        for rc, text in sheet.formulas.items():
            skeleton = text.encode().translate(fold)
            verdict = by_skeleton.get(skeleton)
            if verdict is None:
                verdict = by_text.get(text)
                if verdict is None:
                    verdict, shareable = _verdict(text, sheet.name, names)
                    if shareable:
                        by_skeleton[skeleton] = verdict
                    else:
                        by_text[text] = verdict
            if verdict is not _CLEAN:
                hits.append((rc, verdict))
        hits.sort(key=lambda h: h[0])
        # "Sheet!E" made once per column (from its row-1 name): a whole column may call an
        # unknown function.
        column = {}
        for (r, c), (functions, undefined) in hits:
            if c not in column:
                column[c] = cell_name(sheet.name, 1, c)[:-1]
            where = column[c] + str(r)
            for f in functions:
                fn_cells.setdefault(f, []).append(where)
            for n in undefined:
                # Names are the same name whatever their case; the first spelling met is shown.
                cells = name_cells.setdefault(spelling.setdefault(n.upper(), n), [])
                if not cells or cells[-1] != where:
                    cells.append(where)
    return fn_cells, name_cells


#: Skeletons whose words alone showed them clean (only cell references and functions the
#: engine's table has, no digit in a function's name): that holds in every workbook, so
#: a batch of same-shaped files judges each once.
_CLEAN_SKELETONS: set = set()
_CLEAN_SKELETONS_MAX = 20_000
_SLICE = 20_000


def _all_clean(formulas, sheet, names, by_skeleton) -> bool:
    """True when no formula of the sheet calls an unknown function or an undefined name,
    judged once per skeleton (the text with its digits folded) at C speed: a sheet of
    formulas copied down has a handful.  The verdicts found go into ``by_skeleton`` for
    the cell-by-cell pass that follows when this is False.  A slice of formulas at a time,
    so that a sheet of a million holds no million skeletons."""
    known = _CLEAN_SKELETONS
    texts = iter(formulas.values())
    while True:
        chunk = list(islice(texts, _SLICE))
        if not chunk:
            return True
        skeletons = list(map(bytes.translate, map(str.encode, chunk), repeat(_FOLD_DIGITS)))
        if known.issuperset(skeletons):
            continue
        # each new skeleton's first text (dict keeps the last value given: feed it reversed)
        for skeleton, text in dict(zip(reversed(skeletons), reversed(chunk))).items():
            if skeleton in known or skeleton in by_skeleton:
                continue
            clean, shareable = _plainly_clean(text, names)
            if clean and shareable:
                if len(known) >= _CLEAN_SKELETONS_MAX:
                    known.clear()
                known.add(skeleton)
                by_skeleton[skeleton] = _CLEAN
                continue
            verdict, shareable = _verdict(text, sheet, names)
            if not shareable:
                return False   # verdicts that hold for their text only: judged cell by cell
            by_skeleton[skeleton] = verdict
            if verdict is not _CLEAN:
                return False


__all__ = ["scan_unknown"]
