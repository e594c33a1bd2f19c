"""Structured references (``表1[询单人数]``, ``[@总分]``, ``Table1[#Totals]``).

Excel writes them as soon as a user formats data as a table.  They are resolved at
compile time into ordinary references: ``[@Col]`` becomes the cell of that column
in the formula's own row, so rows of a table still share one compiled formula.
"""
from __future__ import annotations

import re

from .compiler import CompileError
from .parser import num_to_col
from .values import REF

_SPECIALS = {"#ALL", "#DATA", "#HEADERS", "#TOTALS", "#THIS ROW"}


def _unescape(name):
    return re.sub(r"'(.)", r"\1", name)


def _split_items(spec):
    """'[[#Headers],[Col]]' → ['#Headers', 'Col']; '[Col]' → ['Col']; '[@Col]' → ['@', 'Col']."""
    inner = spec[1:-1].strip()
    if inner.startswith("@"):
        rest = inner[1:].strip()
        if rest.startswith("["):
            return ["#This Row"] + _split_items("[" + rest + "]")
        return ["#This Row"] + ([_unescape(rest)] if rest else [])
    if "[" not in inner:
        return [_unescape(inner)] if inner else ["#Data"]
    items, depth, cur, i = [], 0, "", 0
    while i < len(inner):
        ch = inner[i]
        if ch == "'" and i + 1 < len(inner):
            cur += ch + inner[i + 1]
            i += 2
            continue
        if ch == "[":
            depth += 1
            if depth == 1:
                cur = ""
                i += 1
                continue
        elif ch == "]":
            depth -= 1
            if depth == 0:
                items.append(_unescape(cur.strip()))
                i += 1
                continue
        elif depth == 0:
            if ch == ":":
                items.append(":")
            i += 1
            continue
        cur += ch
        i += 1
    return items


def _area_rows(t, specials, this_row):
    data_r1 = t.r1 + t.header_rows
    data_r2 = t.r2 - t.totals_rows
    if not specials:
        specials = {"#DATA"}
    if "#THIS ROW" in specials:
        if this_row is None or not (data_r1 <= this_row <= data_r2):
            raise CompileError("[@…] used outside the table's rows", REF)
        return this_row, this_row
    if "#ALL" in specials:
        return t.r1, t.r2
    rows = []
    if "#HEADERS" in specials:
        if t.header_rows == 0:
            raise CompileError("table has no header row", REF)
        rows += [t.r1, t.r1 + t.header_rows - 1]
    if "#DATA" in specials:
        rows += [data_r1, data_r2]
    if "#TOTALS" in specials:
        if t.totals_rows == 0:
            raise CompileError("table has no totals row", REF)
        rows += [t.r2 - t.totals_rows + 1, t.r2]
    return min(rows), max(rows)


def _col_index(t, name):
    for i, col in enumerate(t.columns):
        if col.upper() == name.upper():
            return t.c1 + i
    # the reference's brackets may have lost a column name's surrounding spaces
    for i, col in enumerate(t.columns):
        if col.strip().upper() == name.strip().upper():
            return t.c1 + i
    raise CompileError(f"table {t.name} has no column {name!r}", REF)


def resolve_one(calc, table_name, spec, sheet, row, col):
    if table_name is None:
        t = None
        for cand in calc.tables.values():
            if cand.sheet == sheet and cand.r1 <= row <= cand.r2 and cand.c1 <= col <= cand.c2:
                t = cand
                break
        if t is None:
            raise CompileError(f"{spec} is used outside any table", REF)
    else:
        t = calc.tables.get(table_name.upper())
        if t is None:
            raise CompileError(f"no table named {table_name}", REF)
    items = _split_items(spec)
    specials = {i.upper() for i in items if i.upper() in _SPECIALS}
    cols = [i for i in items if i.upper() not in _SPECIALS]
    r1, r2 = _area_rows(t, specials, row if "#THIS ROW" in specials else None)
    if not cols:
        c1, c2 = t.c1, t.c2
    elif ":" in cols:
        k = cols.index(":")
        c1, c2 = _col_index(t, cols[k - 1]), _col_index(t, cols[k + 1])
    else:
        c1 = c2 = _col_index(t, cols[0])
    this_row = "#THIS ROW" in specials
    # [@Col] is relative in its row (so rows share a compiled formula), absolute in column.
    return ("ref", t.sheet, r1, min(c1, c2), r2, max(c1, c2), (not this_row, True, not this_row, True))


def resolve(calc, tree, sheet, row, col):
    kind = tree[0]
    if kind == "sref":
        return resolve_one(calc, tree[1], tree[2], sheet, row, col)
    if kind == "fn":
        return ("fn", tree[1], [resolve(calc, a, sheet, row, col) for a in tree[2]])
    if kind == "bin":
        return ("bin", tree[1], resolve(calc, tree[2], sheet, row, col), resolve(calc, tree[3], sheet, row, col))
    if kind == "un":
        return ("un", tree[1], resolve(calc, tree[2], sheet, row, col))
    if kind == "union":
        return ("union", [resolve(calc, a, sheet, row, col) for a in tree[1]])
    if kind == "call":
        return ("call", resolve(calc, tree[1], sheet, row, col), [resolve(calc, a, sheet, row, col) for a in tree[2]])
    return tree


def table_area_text(t, area):
    r1, r2 = _area_rows(t, {area.upper()}, None)
    q = "'" + t.sheet.replace("'", "''") + "'"
    return f"{q}!${num_to_col(t.c1)}${r1}:${num_to_col(t.c2)}${r2}"
