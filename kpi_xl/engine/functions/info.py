"""IS* and other information functions."""
from __future__ import annotations

from ...core.errors import ERROR_TYPE_NUMBERS
from ..values import NA, VALUE, Ref, XlErr
from . import excel, value_arguments
from .helpers import broadcast, is_array, scalarize


def _is(pred):
    def fn(calc, a):
        if is_array(a):
            return broadcast(calc, pred, (a,))
        return pred(scalarize(calc, a))
    return value_arguments(fn)


excel("ISBLANK", min_args=1, max_args=1)(_is(lambda v: v is None))
excel("ISNUMBER", min_args=1, max_args=1)(_is(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)))
excel("ISTEXT", min_args=1, max_args=1)(_is(lambda v: isinstance(v, str)))
excel("ISNONTEXT", min_args=1, max_args=1)(_is(lambda v: not isinstance(v, str)))
excel("ISLOGICAL", min_args=1, max_args=1)(_is(lambda v: isinstance(v, bool)))
excel("ISERROR", min_args=1, max_args=1)(_is(lambda v: isinstance(v, XlErr)))
excel("ISERR", min_args=1, max_args=1)(_is(lambda v: isinstance(v, XlErr) and v is not NA))
excel("ISNA", min_args=1, max_args=1)(_is(lambda v: v is NA))


@excel("ISREF", min_args=1, max_args=1)
def ISREF(calc, a):
    from ..values import MultiRef
    return isinstance(a, (Ref, MultiRef))


@excel("ISFORMULA", min_args=1, max_args=1)
def ISFORMULA(calc, a):
    if not isinstance(a, Ref):
        return a if isinstance(a, XlErr) else VALUE
    return (a.r1, a.c1) in calc.formulas[a.sheet]


@excel("FORMULATEXT", min_args=1, max_args=1)
def FORMULATEXT(calc, a):
    if not isinstance(a, Ref):
        return a if isinstance(a, XlErr) else VALUE
    f = calc.formulas[a.sheet].get((a.r1, a.c1))
    if f is None:
        return NA
    import re
    # the file's future-function prefixes are not part of what Excel shows
    return "=" + re.sub(r'(?i)_xl(?:fn|ws|pm)\.|("(?:[^"]|"")*")', lambda m: m.group(1) or "", f)


@excel("ISEVEN", min_args=1, max_args=1)
def ISEVEN(calc, a):
    from ..values import to_number
    import math
    v = scalarize(calc, a)
    if isinstance(v, bool):
        return VALUE        # a logical is no number to ISEVEN and ISODD
    return int(math.floor(abs(to_number(v)))) % 2 == 0


@excel("ISODD", min_args=1, max_args=1)
def ISODD(calc, a):
    r = ISEVEN(calc, a)
    return r if isinstance(r, XlErr) else not r


@excel("N", min_args=1, max_args=1)
def N(calc, a):
    v = scalarize(calc, a)
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, XlErr):
        return v
    return 0


@excel("T", min_args=1, max_args=1)
def T(calc, a):
    v = scalarize(calc, a)
    if isinstance(v, XlErr):
        return v
    return v if isinstance(v, str) else ""


@excel("TYPE", min_args=1, max_args=1)
def TYPE(calc, a):
    if is_array(a):
        return 64
    v = scalarize(calc, a)
    if isinstance(v, bool):
        return 4
    if isinstance(v, (int, float)) or v is None:
        return 1
    if isinstance(v, str):
        return 2
    if isinstance(v, XlErr):
        return 16
    return 1


@excel("ERROR.TYPE", min_args=1, max_args=1)
def ERROR_TYPE(calc, a):
    v = scalarize(calc, a)
    if isinstance(v, XlErr):
        return ERROR_TYPE_NUMBERS.get(v.code, NA)
    return NA


@excel("SHEET", max_args=1)
def SHEET(calc, ref=None):
    """Returns the sheet number of the referenced sheet."""
    from ..values import MultiRef
    if ref is None:
        name = calc.current_sheet
    elif isinstance(ref, Ref):
        name = ref.sheet
    elif isinstance(ref, MultiRef):
        name = ref.refs[0].sheet
    elif isinstance(ref, XlErr):
        return ref
    elif isinstance(ref, str):
        name = calc.canonical_sheet(ref)
    else:
        return NA
    if name is None or name not in calc.sheet_names:
        return NA
    return calc.sheet_names.index(name) + 1


@excel("SHEETS", max_args=1)
def SHEETS(calc, ref=None):
    """Returns the number of sheets in a reference."""
    from ..values import MultiRef
    if ref is None:
        # the sheets of linked workbooks the engine holds (named "[1]Sheet") are not this book's
        return sum(1 for n in calc.sheet_names if not n.startswith("["))
    if isinstance(ref, MultiRef):
        return len({r.sheet for r in ref.refs})
    if isinstance(ref, Ref):
        return 1
    return ref if isinstance(ref, XlErr) else NA


# -- CELL -------------------------------------------------------------------------------
# CELL's information types that need the cell's style or the column's width, which the
# engine does not read: the call shows #N/A and the summary names it.
_CELL_STYLE_TYPES = frozenset(("color", "format", "parentheses", "prefix", "protect", "width"))


@excel("CELL", min_args=1, max_args=2, args="v [a]", wants_cell=True)
def CELL(calc, r, c, info_type, ref=None):
    """Information about the upper-left cell of ``ref`` (the formula's own cell when it is
    left out): its address, row, column, contents, type ("b" blank, "l" text, "v" anything
    else) or the workbook's file name with the sheet (``C:\\dir\\[book.xlsx]Sheet``, the
    idiom MID(CELL("filename",A1),FIND("]",CELL("filename",A1))+1,31) reads a sheet's name
    from it)."""
    import os

    from ..a1 import column_letters, quoted_sheet
    if isinstance(info_type, XlErr):
        return info_type
    if not isinstance(info_type, str):
        return VALUE
    kind = info_type.strip().lower()
    if ref is None:
        sheet, row, col = calc.current_sheet, r, c
    elif isinstance(ref, Ref):
        sheet, row, col = ref.sheet, ref.r1, ref.c1
    elif isinstance(ref, XlErr):
        return ref
    else:
        return VALUE
    path = calc.book.path or ""
    book = os.path.basename(path)
    if kind == "address":
        address = f"${column_letters(col)}${row}"
        if sheet == calc.current_sheet:
            return address
        return f"{quoted_sheet(f'[{book}]{sheet}')}!{address}"
    if kind == "row":
        return row
    if kind == "col":
        return col
    if kind in ("contents", "type"):
        v = calc.cell(sheet, row, col)
        if kind == "contents":
            return v
        return "b" if v is None else "l" if isinstance(v, str) else "v"
    if kind == "filename":
        if not path:
            return ""          # a workbook never saved
        folder = os.path.dirname(os.path.abspath(path))
        return f"{folder}{os.sep}[{book}]{sheet}"
    if kind in _CELL_STYLE_TYPES:
        calc.report.unknown_functions.setdefault(f'CELL("{kind}")', [])
        return NA
    return VALUE
