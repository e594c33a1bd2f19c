"""Pivot tables as saved in the package, and GETPIVOTDATA over their caches.

A pivot table's part (xl/pivotTables/pivotTableN.xml, related from its sheet) gives where it
sits (``location``), which cache fields are its row, column and page fields, which items
of them are hidden or picked, and its data fields with their summary function
(``subtotal``). Its cache (xl/pivotCache/pivotCacheDefinitionN.xml and
pivotCacheRecordsN.xml) gives the fields' shared items and the source records.
GETPIVOTDATA computes the data field's summary over the records matching the field/item
pairs it is given, as the table shows it, and #REF! where the table shows no such value
(Microsoft: "GETPIVOTDATA function").

The parts are read from the package on the first GETPIVOTDATA of a calculation, through
:class:`~.package.Package` (XML without DTDs, within the limits), and kept for that
calculation, keyed by sheet.
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from typing import Dict, List

from .a1 import parse_range_ref
from .package import REL_NS, STRICT_REL_NS, Package, WorkbookReadError, local_name, workbook_part
from .values import REF, ExcelRaise, MultiRef, Ref, XlErr, compare, to_number, to_text
from .functions import excel
from .functions.helpers import scalarize

_MISSING = object()   # a record's value for an item <m/>: no value


@dataclass
class PivotTable:
    name: str
    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int
    fields: List[str]                       # the cache fields' names, by index
    records: List[tuple]                    # one value per cache field
    row_fields: List[int] = field(default_factory=list)
    col_fields: List[int] = field(default_factory=list)
    page_fields: Dict[int, object] = field(default_factory=dict)  # field -> picked value or _MISSING
    items: Dict[int, list] = field(default_factory=dict)    # field -> values shown on its axis
    hidden: Dict[int, list] = field(default_factory=dict)   # field -> values hidden
    no_subtotal: set = field(default_factory=set)           # fields with defaultSubtotal="0"
    data_fields: List[tuple] = field(default_factory=list)  # (name, field, subtotal)
    row_grand: bool = True
    col_grand: bool = True

    def holds(self, sheet, r, c):
        return sheet.upper() == self.sheet.upper() and self.r1 <= r <= self.r2 \
            and self.c1 <= c <= self.c2


# -- reading the parts -----------------------------------------------------------------------

def _rid(el):
    return el.get(f"{{{REL_NS}}}id") or el.get(f"{{{STRICT_REL_NS}}}id")


def _children(el, name):
    return [c for c in el if local_name(c.tag) == name] if el is not None else []


def _child(el, name):
    for c in _children(el, name):
        return c
    return None


def _related(pkg, part, kind):
    for rel_type, target, mode in pkg.rels(part).values():
        if rel_type.endswith("/" + kind) and mode != "External" and pkg.find(target):
            return pkg.find(target)
    return None


def _value(el, date1904):
    tag = local_name(el.tag)
    v = el.get("v")
    if tag == "s":
        return v or ""
    if tag == "n":
        return float(v) if v is not None else _MISSING
    if tag == "b":
        return v in ("1", "true")
    if tag == "e":
        return XlErr(v) if v else _MISSING
    if tag == "d":
        from .xlsx_read import _iso_to_serial
        return _iso_to_serial(v or "", date1904)
    return _MISSING   # <m/>: a missing value


def _cache(pkg, part, date1904):
    root = pkg.xml(part)
    names, shared = [], []
    for cf in _children(_child(root, "cacheFields"), "cacheField"):
        names.append(cf.get("name", ""))
        items = _child(cf, "sharedItems")
        shared.append([_value(x, date1904) for x in items] if items is not None else [])
    records = []
    rec_part = _related(pkg, part, "pivotCacheRecords")
    if rec_part is not None:
        for r in _children(pkg.xml(rec_part), "r"):
            row = []
            for i, x in enumerate(r):
                if local_name(x.tag) == "x":
                    k = int(x.get("v", "0"))
                    row.append(shared[i][k] if i < len(shared) and 0 <= k < len(shared[i])
                               else _MISSING)
                else:
                    row.append(_value(x, date1904))
            records.append(tuple(row))
    return names, shared, records


def _table(pkg, part, sheet, date1904, caches):
    root = pkg.xml(part)
    loc = _child(root, "location")
    cache_part = _related(pkg, part, "pivotCacheDefinition")
    if loc is None or cache_part is None:
        return None
    if cache_part not in caches:
        caches[cache_part] = _cache(pkg, cache_part, date1904)
    names, shared, records = caches[cache_part]
    if not records:
        return None   # the cache was saved without its records: nothing to compute from
    r1, c1, r2, c2 = parse_range_ref(loc.get("ref", ""))
    t = PivotTable(root.get("name", ""), sheet, r1, c1, r2, c2, names, records,
                   row_grand=root.get("rowGrandTotals", "1") not in ("0", "false"),
                   col_grand=root.get("colGrandTotals", "1") not in ("0", "false"))
    pfields = _children(_child(root, "pivotFields"), "pivotField")
    for i, pf in enumerate(pfields):
        shown, hidden = [], []
        for it in _children(_child(pf, "items"), "item"):
            if it.get("t") not in (None, "data") or it.get("x") is None:
                continue
            k = int(it.get("x"))
            if i < len(shared) and 0 <= k < len(shared[i]):
                (hidden if it.get("h") in ("1", "true") else shown).append(shared[i][k])
        t.items[i], t.hidden[i] = shown, hidden
        if pf.get("defaultSubtotal") in ("0", "false"):
            t.no_subtotal.add(i)
    t.row_fields = [int(f.get("x")) for f in _children(_child(root, "rowFields"), "field")
                    if int(f.get("x", "-2")) >= 0]
    t.col_fields = [int(f.get("x")) for f in _children(_child(root, "colFields"), "field")
                    if int(f.get("x", "-2")) >= 0]
    for pf in _children(_child(root, "pageFields"), "pageField"):
        fld = int(pf.get("fld", "-1"))
        picked: object = _MISSING
        if pf.get("item") is not None:
            k = int(pf.get("item"))
            its = [it for it in _children(_child(pfields[fld], "items"), "item")] \
                if 0 <= fld < len(pfields) else []
            if 0 <= k < len(its) and its[k].get("x") is not None:
                x = int(its[k].get("x"))
                picked = shared[fld][x] if 0 <= x < len(shared[fld]) else _MISSING
        t.page_fields[fld] = picked
    for df in _children(_child(root, "dataFields"), "dataField"):
        fld = int(df.get("fld", "-1"))
        t.data_fields.append((df.get("name") or "", fld, df.get("subtotal", "sum")))
    return t


def read_pivot_tables(path, date1904=False) -> Dict[str, List[PivotTable]]:
    """Every pivot table of the workbook at ``path`` with its cache, by sheet name (upper
    case); {} when it has none or its pivot parts cannot be read."""
    out: Dict[str, List[PivotTable]] = {}
    try:
        pkg = Package(path)
    except WorkbookReadError:
        return out
    try:
        wb = workbook_part(pkg)
        rels = pkg.rels(wb)
        caches: dict = {}
        for sh in _children(_child(pkg.xml(wb), "sheets"), "sheet"):
            rel = rels.get(_rid(sh))
            if rel is None or not pkg.find(rel[1]):
                continue
            for rel_type, target, mode in pkg.rels(pkg.find(rel[1])).values():
                if rel_type.endswith("/pivotTable") and mode != "External" and pkg.find(target):
                    t = _table(pkg, pkg.find(target), sh.get("name", ""), date1904, caches)
                    if t is not None:
                        out.setdefault(t.sheet.upper(), []).append(t)
    except (WorkbookReadError, ValueError, IndexError, KeyError):
        return {}   # a damaged pivot part: GETPIVOTDATA shows #REF!, the rest is computed
    finally:
        pkg.close()
    return out


_LOADED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def pivot_tables(calc) -> Dict[str, List[PivotTable]]:
    """The pivot tables of the workbook being calculated, read once per calculation."""
    tables = _LOADED.get(calc)
    if tables is None:
        book = calc.book
        tables = read_pivot_tables(book.path, book.date1904) if book.path else {}
        _LOADED[calc] = tables
    return tables


# -- GETPIVOTDATA ------------------------------------------------------------------------------

def _same(a, b):
    """An item given in a formula against a value of the cache: text without regard to
    case, a number against number text."""
    if a is _MISSING or b is _MISSING:
        return False
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, XlErr) or isinstance(b, XlErr):
        return a == b
    try:
        return compare(to_number(a), to_number(b)) == 0
    except ExcelRaise:
        return to_text(a).lower() == to_text(b).lower()


def _summary(values, how):
    errors = [v for v in values if isinstance(v, XlErr)]
    if errors:
        return errors[0]
    nums = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if how == "count":
        return len([v for v in values if v is not _MISSING])
    if how == "countNums":
        return len(nums)
    if how == "sum":
        return math.fsum(nums)
    if how == "product":
        return math.prod(nums) if nums else 0.0
    if not nums:
        return XlErr("#DIV/0!")
    if how == "average":
        return math.fsum(nums) / len(nums)
    if how == "max":
        return max(nums)
    if how == "min":
        return min(nums)
    n = len(nums)
    if how in ("stdDev", "var") and n < 2:
        return XlErr("#DIV/0!")
    mean = math.fsum(nums) / n
    ss = math.fsum((x - mean) ** 2 for x in nums)
    var = ss / (n - 1) if how in ("stdDev", "var") else ss / n
    return math.sqrt(var) if how.startswith("stdDev") else var


def _text(calc, v):
    v = scalarize(calc, v)
    if isinstance(v, XlErr):
        raise ExcelRaise(v)
    return v


def getpivotdata(calc, data_field, pivot_table, pairs):
    name = _text(calc, data_field)
    if isinstance(pivot_table, XlErr):
        return pivot_table
    if isinstance(pivot_table, MultiRef):
        pivot_table = pivot_table.refs[0] if pivot_table.refs else REF
    if not isinstance(pivot_table, Ref):
        return REF
    table = next((t for t in pivot_tables(calc).get(pivot_table.sheet.upper(), ())
                  if t.holds(pivot_table.sheet, pivot_table.r1, pivot_table.c1)), None)
    if table is None:
        return REF
    wanted = to_text(name).strip().lower()
    data = next((d for d in table.data_fields if d[0].strip().lower() == wanted), None) or \
        next((d for d in table.data_fields
              if 0 <= d[1] < len(table.fields) and table.fields[d[1]].strip().lower() == wanted),
             None)
    if data is None:
        return REF
    axis = set(table.row_fields) | set(table.col_fields) | set(table.page_fields)
    lowered = {n.strip().lower(): i for i, n in reversed(list(enumerate(table.fields)))}
    chosen: Dict[int, object] = {}
    for f, item in pairs:
        f = _text(calc, f)
        item = _text(calc, item)
        i = lowered.get(to_text(f).strip().lower())
        if i is None or i not in axis:
            return REF
        shown = table.items.get(i, [])
        if i in table.page_fields and table.page_fields[i] is not _MISSING:
            shown = [table.page_fields[i]]
        match = next((v for v in shown if _same(item, v)), _MISSING)
        if match is _MISSING:
            return REF
        chosen[i] = match
    # the table shows a total only where it has one
    for fields, grand in ((table.row_fields, table.row_grand), (table.col_fields, table.col_grand)):
        given = [f in chosen for f in fields]
        if fields and not any(given) and not grand:
            return REF
        if any(given) and not all(given):
            k = given.index(False)
            if all(given[:k]) and not any(given[k:]) and fields[k - 1] in table.no_subtotal:
                return REF
    values = []
    for rec in table.records:
        if any(_value_at(rec, i) is _MISSING or not _same(_value_at(rec, i), v)
               for i, v in chosen.items()):
            continue
        if any(_value_at(rec, i) is not _MISSING and
               any(_same(_value_at(rec, i), h) for h in table.hidden.get(i, ()))
               for i in axis):
            continue
        if any(p is not _MISSING and not _same(_value_at(rec, i), p)
               for i, p in table.page_fields.items()):
            continue
        values.append(_value_at(rec, data[1]))
    if not values:
        return REF   # no record: the table shows no value there
    return _summary(values, data[2])


def _value_at(rec, i):
    return rec[i] if 0 <= i < len(rec) else _MISSING


@excel("GETPIVOTDATA", min_args=2, args="v a (v v)+")
def GETPIVOTDATA(calc, data_field, pivot_table, *pairs):
    """Returns data stored in a PivotTable report."""
    if len(pairs) % 2:
        return REF
    return getpivotdata(calc, data_field, pivot_table,
                        [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)])
