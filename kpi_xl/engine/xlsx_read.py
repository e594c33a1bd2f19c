"""Read an .xlsx/.xlsm package into plain data for the recalculation engine.

The package is opened and checked by :mod:`.package` (shared with the writer); only
the standard library's zipfile and lxml are used: loading through a full
spreadsheet object model costs more than the whole recalculation should.  Cells
are kept as dictionaries keyed by 1-based ``(row, col)`` so the evaluator can
look them up directly.

One scanner reads a sheet's cells, with regular expressions over its bytes
(``_SheetScan``), a few MB at a time as they are inflated: the bytes of a whole sheet
and its cells are never held at once.  A sheet whose markup it does not take (a comment or CDATA among
the cells, attributes in single quotes) is parsed by lxml and scanned as lxml writes
it back: slower, so each such sheet is named in ``WorkbookData.reader_fallbacks``
(and in the recalculation's summary), and ``KPI_XL_STRICT_READER=1`` makes it raise
:class:`ReaderFallback` instead.

Shared formulas are expanded to every member cell by translating the master's
relative references; array and data-table formulas are kept apart because they
are computed over a range, not cell by cell.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import is_, is_not
from typing import Dict, List, Optional, Set, Tuple

from lxml import etree

from kpi_xl.core.errors import ERROR_CODES, CellError

from ..limits import Limits
from .a1 import (CELL_REF, COLUMN, COLUMN_BYTES, MAX_COL, MAX_ROW, ROW, ColumnNumbers, cell_name,
                 column_letters, column_number, parse_cell_ref, parse_range_ref)
from .package import (MAIN_NS, REL_NS, STRICT_REL_NS, Package, WorkbookReadError,
                      WorkbookTooLarge, as_utf8, has_dtd, local_name, main_prefix, other_encoding,
                      workbook_part)
from .parser import bracket_end

__all__ = [
    "WorkbookReadError", "WorkbookData", "SheetData", "ArrayFormula", "DataTableFormula",
    "DefinedName", "TableData", "TableColumn", "read_workbook", "translate_formula",
    "parse_cell_ref", "parse_range_ref", "cell_name", "column_letters", "column_number",
    "decode_ooxml_escapes", "WorkbookTooLarge", "as_utf8", "ReaderFallback", "STRICT_ENV",
]

Cell = Tuple[int, int]


# --------------------------------------------------------------------------- data


@dataclass
class ArrayFormula:
    """A legacy CSE or dynamic-array formula anchored at one cell over ``ref``."""

    anchor: Cell
    ref: str                          # "B2:D4" as written (a single cell is "B2")
    bounds: Tuple[int, int, int, int]  # (min_row, min_col, max_row, max_col)
    text: str                         # without the leading "="
    dynamic: bool = False             # written with cell metadata (cm=): a spilling formula


@dataclass
class DataTableFormula:
    """A what-if data table (TABLE()); the engine does not compute these."""

    anchor: Cell
    ref: str
    bounds: Tuple[int, int, int, int]
    attributes: Dict[str, str] = field(default_factory=dict)  # r1, r2, dt2D, dtr, del1, del2


@dataclass
class DefinedName:
    name: str
    text: str                       # the formula text, without "="
    local_sheet_id: Optional[int]   # index into the sheet list, None for workbook scope
    scope: Optional[str]            # the sheet's name for a local name, None for workbook scope
    hidden: bool = False


@dataclass
class TableColumn:
    name: str
    calculated_formula: Optional[str] = None   # calculatedColumnFormula, without "="
    totals_row_formula: Optional[str] = None   # totalsRowFormula, without "="
    totals_row_function: Optional[str] = None  # "sum", "custom" ...
    totals_row_label: Optional[str] = None


@dataclass
class TableData:
    name: str
    display_name: str
    sheet: str
    part: str
    ref: str
    bounds: Tuple[int, int, int, int]
    header_row_count: int
    totals_row_count: int
    columns: List[TableColumn]

    @property
    def column_names(self) -> List[str]:
        return [c.name for c in self.columns]


@dataclass
class SheetData:
    name: str
    part: Optional[str]   # zip member of the sheet XML
    state: str            # "visible" | "hidden" | "veryHidden"
    kind: str             # "worksheet" | "chartsheet" | "macrosheet" | "dialogsheet" | "module"
    #   "module": listed with an empty r:id (an Excel 5 module or dialog sheet kept in the
    #   VBA project); its part is None and it has no cells
    sheet_id: int
    values: Dict[Cell, object] = field(default_factory=dict)    # constants only
    formulas: Dict[Cell, str] = field(default_factory=dict)     # single-cell formulas
    cached: Dict[Cell, object] = field(default_factory=dict)    # cached results of every
    #   formula cell, array anchor, array member and data-table cell (None: no cached value)
    arrays: Dict[Cell, ArrayFormula] = field(default_factory=dict)          # by anchor
    data_tables: Dict[Cell, DataTableFormula] = field(default_factory=dict)  # by anchor
    tables: List[TableData] = field(default_factory=list)
    hidden_rows: Set[int] = field(default_factory=set)   # rows hidden by the user or a filter
    # Areas (r1, c1, r2, c2, header row included) of the sheet's and its tables' filters
    # that filter on something: hidden rows below their header are rows a filter took out.
    filter_areas: List[Tuple[int, int, int, int]] = field(default_factory=list)
    # Style index (other than 0) of each formula cell and array result cell, read only
    # for a workbook set to precision as displayed (WorkbookData.full_precision False).
    formula_styles: Dict[Cell, int] = field(default_factory=dict)

    @property
    def filtered_rows(self) -> Set[int]:
        return {r for r in self.hidden_rows
                if any(a[0] < r <= a[2] for a in self.filter_areas)}


@dataclass
class WorkbookData:
    path: str
    sheets: List[SheetData]
    defined_names: List[DefinedName]
    tables: List[TableData]
    date1904: bool = False
    calc_mode: str = "auto"         # "auto" | "manual" | "autoNoTable"
    iterate: bool = False
    iterate_count: int = 100
    iterate_delta: float = 0.001
    full_calc_on_load: bool = False
    has_external_links: bool = False
    external_books: list = field(default_factory=list)  # [{sheet: {(r, c): value}}], see external.py
    is_xlsm: bool = False
    workbook_part: str = "xl/workbook.xml"
    # <calcPr fullPrecision="0">: precision as displayed; then the number format code of
    # each cell style (xl/styles.xml cellXfs, by index; "" for an unknown format id)
    full_precision: bool = True
    number_formats: List[str] = field(default_factory=list)
    # (sheet, why) of each sheet the cell scanner did not take, read through the XML parser
    reader_fallbacks: List[Tuple[str, str]] = field(default_factory=list)

    def sheet(self, name: str) -> SheetData:
        """The sheet called ``name``, compared as Excel does (case-insensitively)."""
        folded = name.casefold()
        for s in self.sheets:
            if s.name.casefold() == folded:
                return s
        raise KeyError(name)

    @property
    def sheet_names(self) -> List[str]:
        return [s.name for s in self.sheets]


# --------------------------------------------------------------------------- cell refs

_DIGITS = "0123456789"
_DIGIT_BYTES = b"0123456789"


# --------------------------------------------------------------------------- shared formulas

# One alternative per token kind, tried in this order at each position.  Cell
# and range patterns insist that no name character follows, so LOG10( or
# ABC1DEF are never taken for references.
_TOKEN_RE = re.compile(
    r"""
      (?P<string>"(?:[^"]|"")*"?)
    | (?P<sheet>'(?:[^']|'')*'?!?)
    | (?P<error>{ERROR})
    | (?P<rows>(?P<r1a>\$?)(?P<r1>{ROW}):(?P<r2a>\$?)(?P<r2>{ROW})(?![\w.(!\[$?\\]))
    | (?P<cols>(?P<c1a>\$?)(?P<c1>{COLUMN}):(?P<c2a>\$?)(?P<c2>{COLUMN})(?![\w.(!\[$?\\]))
    | (?P<cell>(?P<ca>\$?)(?P<col>{COLUMN})(?P<ra>\$?)(?P<row>{ROW})(?![\w.(!\[$?\\]))
    | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
    | (?P<word>[\w.\\?$]+)
    | (?P<bracket>\[)
    | (?P<other>.)
    """.replace("{COLUMN}", COLUMN).replace("{ROW}", ROW).replace(
        "{ERROR}", "|".join(re.escape(e) for e in sorted(ERROR_CODES, key=len, reverse=True))),
    re.VERBOSE | re.DOTALL,
)



def _compile_references(text: str) -> list:
    """Split a formula into literal text and the A1 references that move when filled.

    Pieces are str (kept as is) or tuples: ("cell", col$, col, row$, row),
    ("cols", c1$, c1, c2$, c2), ("rows", r1$, r1, r2$, r2), with numbers as ints.
    """
    pieces: list = []
    literal: List[str] = []
    pos = 0
    n = len(text)
    match = _TOKEN_RE.match
    while pos < n:
        m = match(text, pos)
        kind = m.lastgroup
        end = m.end()
        if kind == "cell":
            col = column_number(m.group("col"))
            row = int(m.group("row"))
            if col > MAX_COL or not 1 <= row <= MAX_ROW:
                literal.append(m.group(0))  # a name such as "ABCD1"; leave it alone
            else:
                pieces.append("".join(literal))
                literal = []
                pieces.append(("cell", m.group("ca"), col, m.group("ra"), row))
        elif kind == "cols":
            pieces.append("".join(literal))
            literal = []
            pieces.append(("cols", m.group("c1a"), column_number(m.group("c1")),
                           m.group("c2a"), column_number(m.group("c2"))))
        elif kind == "rows":
            pieces.append("".join(literal))
            literal = []
            pieces.append(("rows", m.group("r1a"), int(m.group("r1")), m.group("r2a"),
                           int(m.group("r2"))))
        elif kind == "bracket":
            end = bracket_end(text, pos)
            if end < 0:
                end = len(text)   # unbalanced: the rest is kept as it is
            literal.append(text[pos:end])
        else:
            literal.append(m.group(0))
        pos = end
    pieces.append("".join(literal))
    return pieces


def _moved(absolute: str, value: int, delta: int, limit: int, letters: bool) -> Optional[str]:
    if not absolute:
        value += delta
        if not 1 <= value <= limit:
            return None
    return absolute + (column_letters(value) if letters else str(value))


def _render_moved(pieces: list, drow: int, dcol: int) -> str:
    out: List[str] = []
    for piece in pieces:
        if type(piece) is str:
            out.append(piece)
            continue
        kind, a1, v1, a2, v2 = piece
        if kind == "cell":
            c = _moved(a1, v1, dcol, MAX_COL, True)
            r = _moved(a2, v2, drow, MAX_ROW, False)
            out.append("#REF!" if c is None or r is None else c + r)
        else:
            letters = kind == "cols"
            delta, limit = (dcol, MAX_COL) if letters else (drow, MAX_ROW)
            x1 = _moved(a1, v1, delta, limit, letters)
            x2 = _moved(a2, v2, delta, limit, letters)
            out.append("#REF!" if x1 is None or x2 is None else f"{x1}:{x2}")
    return "".join(out)


def translate_formula(text: str, drow: int, dcol: int) -> str:
    """Move a formula by ``drow`` rows and ``dcol`` columns, as Excel fills it.

    Relative parts of A1 references (cells, ranges, whole rows and columns,
    sheet-qualified or not) move; ``$``-absolute parts, strings, function
    names, defined names, structured and external references stay.  A
    reference pushed off the grid becomes ``#REF!``, as in Excel.
    """
    if not drow and not dcol:
        return text
    return _render_moved(_compile_references(text), drow, dcol)


# --------------------------------------------------------------------------- text values

_XESC_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def decode_ooxml_escapes(s: str) -> str:
    """Undo the ``_xHHHH_`` escaping OOXML uses for characters XML cannot carry."""
    if "_x" not in s:
        return s
    return _XESC_RE.sub(lambda m: chr(int(m.group(1), 16)), s)


def _iso_to_serial(text: str, date1904: bool):
    """Excel serial number of an ISO 8601 date/time stored with t="d"."""
    try:
        t = text.strip()
        if "T" not in t and ":" in t and "-" not in t:
            moment = _dt.datetime.combine(_dt.date(1899, 12, 30), _dt.time.fromisoformat(t))
            return (moment - _dt.datetime(1899, 12, 30)).total_seconds() / 86400.0
        moment = _dt.datetime.fromisoformat(t.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return text
    from .serial import datetime_to_serial
    return datetime_to_serial(moment, date1904)


def _bool_attr(value: Optional[str], default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "on")


# --------------------------------------------------------------------------- workbook


def read_workbook(path, limits: Optional[Limits] = None) -> WorkbookData:
    """Read every sheet's cells, formulas and cached values, names and tables of ``path``.

    A file over one of ``limits`` (default :data:`~kpi_xl.limits.DEFAULT_LIMITS`) raises
    :class:`WorkbookTooLarge`; every part of the package, read or not, is inflated once
    within them, so a bomb in an image is found here and not while writing.
    """
    pkg = Package(path, limits)
    try:
        data = _read(pkg)
        pkg.check_unread()
        return data
    finally:
        pkg.close()


def _content_types(pkg: Package) -> Dict[str, str]:
    if pkg.find("[Content_Types].xml") is None:
        return {}
    out = {}
    for el in pkg.xml("[Content_Types].xml"):
        if local_name(el.tag) == "Override":
            out[el.get("PartName", "").lstrip("/")] = el.get("ContentType", "")
    return out


def _read(pkg: Package) -> WorkbookData:
    wb_part = workbook_part(pkg)
    wb = pkg.xml(wb_part)
    ns = etree.QName(wb).namespace or MAIN_NS
    rels = pkg.rels(wb_part)
    content_types = _content_types(pkg)

    data = WorkbookData(path=pkg.path, sheets=[], defined_names=[], tables=[],
                        workbook_part=wb_part)
    data.is_xlsm = "macroEnabled" in content_types.get(wb_part, "") or \
        pkg.find("xl/vbaProject.bin") is not None
    pr = wb.find(f"{{{ns}}}workbookPr")
    if pr is not None:
        data.date1904 = _bool_attr(pr.get("date1904"))
    calc = wb.find(f"{{{ns}}}calcPr")
    if calc is not None:
        data.calc_mode = calc.get("calcMode", "auto")
        data.iterate = _bool_attr(calc.get("iterate"))
        data.full_calc_on_load = _bool_attr(calc.get("fullCalcOnLoad"))
        data.full_precision = _bool_attr(calc.get("fullPrecision"), True)
        try:
            data.iterate_count = int(calc.get("iterateCount", "100"))
            data.iterate_delta = float(calc.get("iterateDelta", "0.001"))
        except ValueError:
            pass
    data.has_external_links = wb.find(f"{{{ns}}}externalReferences") is not None or any(
        t.endswith("/externalLink") for t, _, _ in rels.values())
    if data.has_external_links:
        from .external import read_external_books
        data.external_books = read_external_books(pkg, wb, ns, rels)

    sheets_el = wb.find(f"{{{ns}}}sheets")
    sheet_entries = list(sheets_el) if sheets_el is not None else []
    rid_attrs = (f"{{{REL_NS}}}id", f"{{{STRICT_REL_NS}}}id")
    for el in sheet_entries:
        if local_name(el.tag) != "sheet":
            continue
        name = el.get("name", "")
        rid = next((el.get(a) for a in rid_attrs if el.get(a)), None)
        try:
            sheet_id = int(el.get("sheetId", "0"))
        except ValueError:
            sheet_id = 0
        if rid is None:
            # An Excel 5 module or dialog sheet, its content in the VBA project: Excel
            # writes it with an empty r:id.  It keeps its place in the sheet order
            # (localSheetId, SHEET(), SHEETS(), 3-D references count it) but has no cells.
            data.sheets.append(SheetData(name=name, part=None, state=el.get("state", "visible"),
                                         kind="module", sheet_id=sheet_id))
            continue
        rel = rels.get(rid)
        if rel is None:
            raise WorkbookReadError(pkg.path, f"lists sheet {name!r} without a relationship to "
                                    "its part; the package is damaged.")
        rel_type, target, _ = rel
        kind = rel_type.rpartition("/")[2] or "worksheet"
        if kind not in ("worksheet", "chartsheet", "macrosheet", "dialogsheet"):
            kind = "worksheet"
        part = pkg.find(target)
        if part is None:
            raise WorkbookReadError(pkg.path, f"lists sheet {name!r} but its part {target} is "
                                    "missing from the package; the file is damaged.")
        data.sheets.append(SheetData(name=name, part=part, state=el.get("state", "visible"),
                                     kind=kind, sheet_id=sheet_id))

    names_el = wb.find(f"{{{ns}}}definedNames")
    if names_el is not None:
        for el in names_el:
            if local_name(el.tag) != "definedName":
                continue
            local = el.get("localSheetId")
            local_id = int(local) if local is not None and local.strip().isdigit() else None
            scope = data.sheets[local_id].name if local_id is not None and \
                local_id < len(data.sheets) else None
            data.defined_names.append(DefinedName(
                name=el.get("name", ""), text=el.text or "", local_sheet_id=local_id,
                scope=scope, hidden=_bool_attr(el.get("hidden"))))

    strings = _shared_strings(pkg, wb_part, rels)
    if not data.full_precision:
        data.number_formats = _number_formats(pkg, rels)
    cells = [0]
    for sheet in data.sheets:
        if sheet.kind in ("worksheet", "macrosheet"):
            _read_sheet(pkg, sheet, strings, data.date1904, cells, data.reader_fallbacks,
                        not data.full_precision)
            sheet.tables = _read_tables(pkg, sheet)
            data.tables.extend(sheet.tables)
    _read_rich_errors(pkg, data)
    return data


_RICH_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*>')
_ATTR_R = re.compile(rb'\br="\$?([A-Z]{1,3})\$?(\d+)"')
_ATTR_VM = re.compile(rb'\bvm="(\d+)"')


def _read_rich_errors(pkg: Package, data: WorkbookData) -> None:
    """Errors Excel saved as rich values (#SPILL!, #CALC!, ... kept as #VALUE! with value
    metadata, :mod:`.richerrors`): each such constant and cached value becomes the error
    Excel shows.  Nothing is read unless the package holds rich error values."""
    from .richerrors import rich_errors

    def read_xml(part):
        found = pkg.find(part)
        return pkg.xml(found) if found else None
    codes = rich_errors(read_xml)
    if not codes:
        return
    for sheet in data.sheets:
        if not sheet.part:
            continue
        for m in _RICH_ERROR_CELL.finditer(pkg.read(sheet.part)):
            tag = m.group(0)
            vm = _ATTR_VM.search(tag)
            ref = _ATTR_R.search(tag)
            if not vm or not ref or b't="e"' not in tag or int(vm.group(1)) not in codes:
                continue
            key = (int(ref.group(2)), column_number(ref.group(1).decode()))
            err = CellError(codes[int(vm.group(1))])
            if key in sheet.values:
                sheet.values[key] = err
            if key in sheet.cached:
                sheet.cached[key] = err


def _number_formats(pkg: Package, rels) -> List[str]:
    """The number format code of each cell style (cellXfs, by index) of xl/styles.xml:
    the part's own numFmts, else the built-in formats (ECMA-376 Part 1 §18.8.30)."""
    from .precision import BUILTIN_FORMATS
    target = next((t for kind, t, _ in rels.values() if kind.endswith("/styles")), None)
    part = pkg.find(target) if target else None
    if part is None:
        return []
    root = pkg.xml(part)   # a DTD is refused here, as for every part
    custom: Dict[int, str] = {}
    ids: List[int] = []
    for group in root:
        name = local_name(group.tag)
        if name == "numFmts":
            for el in group:
                try:
                    custom[int(el.get("numFmtId", ""))] = el.get("formatCode", "")
                except ValueError:
                    pass
        elif name == "cellXfs":
            for el in group:
                if local_name(el.tag) != "xf":
                    continue
                try:
                    fid = int(el.get("numFmtId", "0"))
                except ValueError:
                    fid = 0
                ids.append(fid)
    return [custom.get(fid, BUILTIN_FORMATS.get(fid, "")) for fid in ids]


def _text_of(si, ns: str, escaped: bool = True) -> str:
    """Text of a string item: plain <t> or rich-text runs, without phonetic guides."""
    t_tag = f"{{{ns}}}t"
    r_tag = f"{{{ns}}}r"
    parts = []
    for child in si:
        tag = child.tag
        if tag == t_tag:
            parts.append(child.text or "")
        elif tag == r_tag:
            for t in child.iter(t_tag):
                parts.append(t.text or "")
    text = "".join(parts)
    return decode_ooxml_escapes(text) if escaped else text


def _shared_strings(pkg: Package, wb_part: str, rels) -> List[str]:
    part = None
    for rel_type, target, _ in rels.values():
        if rel_type.endswith("/sharedStrings"):
            part = pkg.find(target)
    if part is None:
        part = pkg.find("xl/sharedStrings.xml")
    if part is None:
        return []
    root = pkg.xml(part)
    ns = etree.QName(root).namespace or MAIN_NS
    return [_text_of(si, ns) for si in root.iter(f"{{{ns}}}si")]


_ENTITY_RE = re.compile(r"(&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class _EntityChars(dict):
    """Entity text -> character, worked out once each (openpyxl writes every non-ASCII
    character of a formula, a Chinese sheet name, as &#NNNNN;)."""

    def __missing__(self, entity: str) -> str:
        name = entity[1:-1]
        if name[0] != "#":
            ch = _NAMED_ENTITIES[name]
        else:
            ch = chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))
        if len(self) < 65536:
            self[entity] = ch
        return ch


_ENTITY_CHARS = _EntityChars()
_split_entities = _ENTITY_RE.split


def _resolve_entities(text: str) -> str:
    # split leaves the entities at the odd places; map and join run in C.
    parts = _split_entities(text)
    parts[1::2] = map(_ENTITY_CHARS.__getitem__, parts[1::2])
    return "".join(parts)


_ENTITY_AT = re.compile(_ENTITY_RE.pattern.encode()).match


def _replace_entities(raw: bytes) -> Optional[bytes]:
    """``raw`` (UTF-8) with its entities replaced by their characters, a few kinds of
    entity (a sheet's name, a separator) each replaced all at once; None when an "&"
    begins none of XML's entities, when there are more kinds than that, or for a
    character that UTF-8 cannot carry.  Only an "&" put in could begin an entity that
    was not there: the one kind that gives "&" goes last, so that none is read twice."""
    chars = _ENTITY_CHARS
    amps = set()
    kinds = 0
    i = raw.find(b"&")
    while i >= 0:
        m = _ENTITY_AT(raw, i)
        if m is None:
            return None
        e = m.group()
        try:
            c = chars[e.decode()]
        except (ValueError, OverflowError):
            return None   # no such character: the caller says so
        if c == "&":
            amps.add(e)
            i = raw.find(b"&", m.end())
            continue
        if kinds == 16 or "\ud800" <= c <= "\udfff":
            return None
        raw = raw.replace(e, c.encode())
        kinds += 1
        i = raw.find(b"&", i)
    if len(amps) > 1:
        return None
    return raw.replace(amps.pop(), b"&") if amps else raw


def _xml_text(raw: bytes, strict: bool = True) -> str:
    """Character data as an XML parser delivers it (line ends folded, entities resolved).

    An ``&`` that starts none of XML's own entities (an entity a DTD would have to
    declare) raises ValueError when ``strict``: the XML parser then judges the part.
    """
    text = raw.decode("utf-8")
    # Folded first: a CR written as &#13; is kept, as XML says.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if "&" in text:
        if "&#" in text:
            done = _replace_entities(raw)
            if done is not None:
                return done.decode("utf-8")
            if strict and text.count("&") != len(_ENTITY_RE.findall(text)):
                raise ValueError("an undeclared entity")
            text = _resolve_entities(text)
        else:
            # The five named entities only (formula text is full of &gt; and &apos;),
            # each "&" to begin one of them; str.replace is C-speed; &amp; last so
            # "&amp;lt;" stays "&lt;".
            if strict and text.count("&") != text.count("&lt;") + text.count("&gt;") + \
                    text.count("&amp;") + text.count("&quot;") + text.count("&apos;"):
                raise ValueError("an undeclared entity")
            text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') \
                .replace("&apos;", "'").replace("&amp;", "&")
    return text


def _xml_texts(raws: List[bytes]) -> List[str]:
    """_xml_text of each of ``raws`` (none holding a NUL), decoded together."""
    texts = _xml_text(b"\x00".join(raws)).split("\x00")
    if len(texts) != len(raws):   # an entity stood for a NUL
        texts = [_xml_text(raw) for raw in raws]
    return texts


_ATTR_PAIR_RE = re.compile(rb"""([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ATTRS_RE = rb"""(?:[^<>"'/]|"[^"<]*"|'[^'<]*'|/(?!>))*"""
def _attrs(raw: bytes) -> Dict[str, str]:
    return {k.decode(): _xml_text(a or q) for k, a, q in _ATTR_PAIR_RE.findall(raw)} \
        if raw else {}


class _SheetSyntax:
    _cache: Dict[bytes, "_SheetSyntax"] = {}

    def __init__(self, p: bytes):
        e = re.escape(p)
        self.sheet_data = re.compile(rb"<" + e + rb"sheetData\b" + _ATTRS_RE + rb"(/?)>")
        self.sheet_data_end = re.compile(rb"</" + e + rb"sheetData\s*>")
        # Unrolled loops instead of lazy ".*?": Python's re runs these several times faster.
        attrs = rb"[^<>/]*(?:/(?!>)[^<>/]*)*"
        self.items = re.compile(
            rb"<" + e + rb"(?:(row\b[^<>]*)>|c\b(" + attrs + rb")(?:/>|>"
            rb"(<" + e + rb"f\b(" + attrs + rb")(?:/>|>([^<]*)</" + e + rb"f>))?"
            rb"(<" + e + rb"v>([^<]*)</" + e + rb"v>|<" + e + rb"v/>)?"
            rb"([^<]*(?:<(?!/" + e + rb"c>|/?" + e + rb"(?:c|row)[\s/>])[^<]*)*)</" + e + rb"c>))")
        self.prefix = p
        # Text content holds no "<" (it is escaped), so [^<]* finds the end at once.
        self.f = re.compile(rb"<" + e + rb"f\b(?P<fa>[^<>/]*(?:/(?!>)[^<>/]*)*)(?:/>|>(?P<ft>[^<]*)"
                            rb"</" + e + rb"f\s*>)")
        self.v = re.compile(rb"<" + e + rb"v\b[^<>/]*(?:/>|>(?P<vt>[^<]*)</" + e + rb"v\s*>)")
        self.inline = re.compile(rb"<" + e + rb"is\b" + _ATTRS_RE + rb"(?:/>|>(?P<it>[^<]*"
                                 rb"(?:<(?!/?" + e + rb"is\b)[^<]*)*)</" + e + rb"is\s*>)")
        self.phonetic = re.compile(rb"<" + e + rb"rPh\b[^<]*(?:<(?!/?" + e + rb"rPh\b)[^<]*)*</"
                                   + e + rb"rPh\s*>")
        self.t = re.compile(rb"<" + e + rb"t\b" + _ATTRS_RE + rb"(?:/>|>(?P<tt>[^<]*)</" + e
                            + rb"t\s*>)", re.S)
        self.cell_start = (b"<" + p + b"c ", b"<" + p + b"c>", b"<" + p + b"c/")
        # Cells that all begin <c r="A1" (as Excel and openpyxl write them): one pattern
        # for the usual shapes (a <v>, an <f> with a <v>, a one-run inline string), the
        # rest of a cell taken whole and handed to items.  The letters and digits of r
        # come apart, so no reference needs parsing.
        self.cell_r = b"<" + p + b'c r="'
        tail = (
            rb"([^<>/\']*(?:/(?!>)[^<>/\']*)*)"
            rb"(?:/>|>"
            rb"(?:<(" + e + rb"f)((?:\s[^<>/\']*)?)(?:/>|>([^<]*)</" + e + rb"f>))?"
            rb"(?:<(" + e + rb"v)(?:>([^<]*)</" + e + rb"v>|/>))?"
            rb"(?:<" + e + rb"is><(" + e + rb"t)(?: xml:space=\"preserve\")?>([^<]*)</" + e
            + rb"t></" + e + rb"is>)?</" + e + rb"c>"
            rb"|>([^<]*(?:<(?!/" + e + rb"c>|/?" + e + rb"(?:c|row)[\s/>])[^<]*)*)</" + e + rb"c>)")
        # The last group is a <row>'s attributes: always empty here, where every cell
        # carries r= first and rows need not be followed.  An r= of another form ($A$1)
        # is left at the start of the attributes.
        self.cells = re.compile(rb"<" + e + rb'c r="(?:(' + COLUMN_BYTES + rb')([0-9]{1,7})")?'
                                + tail + rb"()")
        # Cells without r= (or with r= later or written $A$1) take their place from their
        # row and left neighbour, so rows are matched too.
        self.cells_and_rows = re.compile(
            rb"<" + e + rb'(?:c(?: r="(' + COLUMN_BYTES + rb')([0-9]{1,7})")?(?=[\s/>])' + tail
            + rb"|(row\b[^<>]*)>)")
        self.rows = re.compile(rb"<" + e + rb"(row\b[^<>]*)>")
        self.row_start = b"<" + p + b"row"
        # The usual cells of such sheets, for _SheetScan._usual, each of one shape spelt out:
        # (letters, digits, then the formula text and its cached number of a formula of just
        # <f> and <v>, the text of a number, of a one-run inline string, the index of a
        # shared string); a cell with none of these is empty.
        self.usual = re.compile(
            rb"<" + e + rb'c r="(' + COLUMN_BYTES + rb')([0-9]{1,7})"(?: s="[0-9]+")?(?:'
            rb"><" + e + rb"f>([^<]*)</" + e + rb"f>(?:<" + e + rb"v>([^<]*)</" + e + rb"v>|<"
            + e + rb"v/>)?</" + e + rb"c>"
            rb'|(?: t="n")?><' + e + rb"v>([^<]+)</" + e + rb"v></" + e + rb"c>"
            rb'| t="inlineStr"><' + e + rb"is><" + e + rb't(?: xml:space="preserve")?>([^<]*)</'
            + e + rb"t></" + e + rb"is></" + e + rb"c>"
            rb'| t="s"><' + e + rb"v>([0-9]+)</" + e + rb"v></" + e + rb"c>"
            rb"|/>|></" + e + rb"c>)")
        # What may lie between such cells: rows ending and beginning, white space.
        self.between_cells = re.compile(rb"(?:\s|<" + e + rb"row\b[^<>]*>|</" + e + rb"row>)*")

    @classmethod
    def of(cls, prefix: bytes) -> "_SheetSyntax":
        syntax = cls._cache.get(prefix)
        if syntax is None:
            syntax = cls._cache[prefix] = cls(prefix)
        return syntax


def _quick_attr(attrs: bytes, name: bytes) -> Optional[bytes]:
    """Value of attribute ``name`` written as name="..." (the usual form)."""
    i = attrs.find(name + b'="')
    while i > 0 and attrs[i - 1] not in b" \t\r\n":
        i = attrs.find(name + b'="', i + 1)
    if i < 0:
        return None
    start = i + len(name) + 2
    return attrs[start:attrs.find(b'"', start)]


_TAG = re.compile(rb"<(/?)([^\s/<>]+)[^<>]*?(/?)>")


def _check_balanced(rest: bytes):
    """Raise _Declined unless the markup inside a cell opens and closes its elements in order.

    The patterns take an unusual cell's inside whole; a cell whose <f> or <is> is never
    closed would otherwise lose its formula silently.  The XML parser then judges it.
    """
    stack = []
    tags = 0
    for close, name, empty in _TAG.findall(rest):
        tags += 1
        if empty:
            continue
        if not close:
            stack.append(name)
        elif not stack or stack.pop() != name:
            raise _Declined("unbalanced markup in a cell")
    if stack or tags != rest.count(b"<"):
        raise _Declined("unbalanced markup in a cell")


def _cell_parts(syn: "_SheetSyntax", a: bytes, f, fa, ft, v, vt, rest):
    """(t, cm, v, inline, f) of a cell from the groups ``syn.items`` matched for it."""
    i = a.find(b' t="')
    t = a[i + 4:a.index(b'"', i + 4)].decode() if i >= 0 else None
    cm = _quick_attr(a, b"cm") if b"cm=" in a else None
    inline = None
    fx = (fa, ft) if f else None
    if v:
        v = vt
    else:
        v = None
    if rest:
        _check_balanced(rest)
        vm = syn.v.search(rest)
        if vm is not None and v is None:
            v = vm.group("vt") or b""
        if fx is None:
            fm = syn.f.search(rest)
            if fm is not None:
                fx = fm.groups()
        if t == "inlineStr":
            im = syn.inline.search(rest)
            if im is not None:
                inner = syn.phonetic.sub(b"", im.group("it") or b"")
                inline = "".join(_xml_text(tm.group("tt") or b"")
                                 for tm in syn.t.finditer(inner))
    return t, cm, v, inline, fx

def _rows_closed(xml: bytes, lo: int, hi: int, syn: "_SheetSyntax") -> bool:
    """Whether every <row> between ``lo`` and ``hi`` is closed (cells of an unclosed row
    would be read as if the markup were sound)."""
    p = syn.prefix
    opened = xml.count(b"<" + p + b"row", lo, hi)    # inside sheetData only rows begin so
    closed = xml.count(b"</" + p + b"row>", lo, hi)
    if opened == closed:
        return True
    return opened == closed + sum(1 for ra in syn.rows.findall(xml, lo, hi) if ra.endswith(b"/"))


# Sheets are scanned this many bytes at a time, so the matched groups of only one
# piece are held at once.
_SCAN_PIECE = 1 << 20

# Set to 1 (tests/conftest.py does), a sheet the scanner cannot take raises
# ReaderFallback instead of being read through the XML parser.
STRICT_ENV = "KPI_XL_STRICT_READER"


class ReaderFallback(RuntimeError):
    """A sheet went the slow way, with KPI_XL_STRICT_READER=1."""


class _Declined(Exception):
    """Markup the scanner does not take; the message says what."""


# Held by SheetData.values for an inline string until its slice's texts are decoded.
_PENDING = object()


class _RowNumbers(dict):
    """Row numbers as bytes -> int, so that the cells of a row share one int."""

    def __missing__(self, digits: bytes) -> int:
        row = self[digits] = int(digits)
        return row


class _SheetScan:
    """The one cell scanner: takes a sheet's bytes as they are inflated (``feed``) and
    files its cells into ``sheet`` a piece at a time, so the bytes of only a few MB
    are held at once, never the whole part beside its cells.

    Regular expressions over the bytes, several times faster than an XML tree: the
    usual cell shapes are filed straight from the matched groups; any other cell is
    taken whole and picked apart (``_cell_parts``).  Pieces end just before a <row>, so
    every row, and every tag counted or looked for, lies within one.  Raises _Declined,
    with ``sheet`` possibly half filled, on markup it does not handle (comments, CDATA,
    attributes in single quotes, unbalanced tags, a DTD); the caller then has the XML
    parser judge the part.  ``cells_so_far`` ([n], all sheets' cells) is checked
    against the package's limit as the cells are counted.
    """

    def __init__(self, pkg: Package, sheet: SheetData, strings: List[str], date1904: bool,
                 cells_so_far: Optional[list] = None, styles: bool = False):
        self.pkg, self.sheet = pkg, sheet
        # formula cells' style indices, by their attributes (precision as displayed only)
        self.styles: Optional[Dict[bytes, int]] = {} if styles else None
        self.cells_so_far = cells_so_far if cells_so_far is not None else [0]
        self.store = _CellStore(pkg, sheet, strings, date1904)
        self.started = False
        self.recoded: Optional[List[bytes]] = None   # a part in UTF-16 or the like, kept whole
        self.carry = b""
        self.state = 0            # 0 before <sheetData>, 1 among the cells, 2 after them
        self.mentioned = False    # "sheetData" seen while its tag was not found
        self.tail: List[bytes] = []   # what follows </sheetData>, where the filter is
        self.count = 0            # <c... tags of this sheet, for the cell limit
        self.over = False
        self.columns: Dict[bytes, int] = ColumnNumbers()
        self.misses = 0           # stretches _usual could not take; past two it is not tried
        self.kinds: Dict[bytes, Tuple[Optional[str], Optional[bytes]]] = {}   # t, cm by attrs
        self.row = self.col = 0
        self.digits = b""
        self.row_no = 0

    def feed(self, chunk: bytes):
        try:
            self._feed(chunk)
        except (UnicodeDecodeError, ValueError, OverflowError) as exc:
            # Bad UTF-8 or an impossible character reference: the XML parser judges the
            # part, so the user gets a sentence rather than a traceback (and the package
            # reader does not take it for a damaged zip).
            raise _Declined(f"text it cannot decode ({exc})") from None

    def _feed(self, chunk: bytes):
        if not self.started:
            self.started = True
            if chunk[:3] == b"\xef\xbb\xbf":
                chunk = chunk[3:]
            elif other_encoding(chunk) is not None:
                self.recoded = [chunk]
                return
            if has_dtd(chunk):
                raise _Declined("a DTD")
            prefix = main_prefix(chunk)
            self.syn = _SheetSyntax.of(prefix)
            self.cell_tag = b"<" + prefix + b"c"
        elif self.recoded is not None:
            self.recoded.append(chunk)
            return
        buf = self.carry + chunk
        i = buf.rfind(self.syn.row_start)
        if i > 0:
            self.carry = buf[i:]
            self._piece(buf[:i])
        else:
            self.carry = buf

    def close(self):
        """Scan what is left; raise WorkbookTooLarge over the cell limit."""
        if self.recoded is not None:
            data = as_utf8(b"".join(self.recoded), self.pkg.path, self.sheet.part)
            self.recoded = None
            self.started = False
            self.feed(data)
        if not self.started:
            self.feed(b"")
        piece, self.carry = self.carry, b""
        try:
            self._piece(piece)
        except (UnicodeDecodeError, ValueError, OverflowError) as exc:
            raise _Declined(f"text it cannot decode ({exc})") from None
        del piece
        if self.over:
            limit = self.pkg.limits.max_cells
            raise WorkbookTooLarge(
                self.pkg.path, f"has more than {limit:,} cells (the limit; {self.count:,} on "
                f"sheet {self.sheet.name!r}); refusing to read it (raise the limit with "
                "--max-cells if the file is genuine).")
        # the sheet's own filter comes after its cells (table filters live in the tables)
        _sheet_filter_area(self.sheet, b"".join(self.tail))
        if self.state == 0:
            # Every worksheet has one (<sheetData/> when empty): a part without it is not a
            # worksheet the scanner can trust (damaged, or not XML at all), and the XML
            # parser judges it.
            raise _Declined("a <sheetData> tag it cannot match" if self.mentioned else
                            "no <sheetData>")
        if self.state == 1:
            raise _Declined("no </sheetData>")
        self.store.finish()

    def _piece(self, xml: bytes):
        # Cells are counted before any of a piece is stored: a sheet of millions is
        # refused once the limit is passed, its cells counted to the end but not kept.
        # The few <col>, <cfRule> ... tags counted with them do not matter against a
        # limit of millions.
        n = xml.count(self.cell_tag)
        self.count += n
        self.cells_so_far[0] += n
        if self.cells_so_far[0] > self.pkg.limits.max_cells:
            self.over = True
        if self.over:
            return
        syn = self.syn
        lo, hi = 0, len(xml)
        if self.state == 0:
            if b"<!DOCTYPE" in xml:   # however far into the part: no sheet has one
                raise _Declined("a DTD")
            start = syn.sheet_data.search(xml)
            if start is None:
                self.mentioned = self.mentioned or b"sheetData" in xml
                return
            if start.group(1):   # <sheetData/>
                self.state = 2
                self.tail.append(xml[start.end():])
                return
            self.state = 1
            lo = start.end()
        elif self.state == 2:
            self.tail.append(xml)
            return
        end = syn.sheet_data_end.search(xml, lo)
        if end is not None:
            hi = end.start()
            self.state = 2
            self.tail.append(xml[end.end():])
        if xml.find(b"<!", lo, hi) >= 0:
            raise _Declined("a comment or CDATA section among the cells")
        if not _rows_closed(xml, lo, hi, syn):
            raise _Declined("a <row> left open")
        # Every cell begins <c r=" (plain) when every tag beginning <c does: then the
        # three cell starts need not be counted apart.
        starts = xml.count(syn.cell_r, lo, hi)
        if starts == (n if lo == 0 and hi == len(xml) else xml.count(self.cell_tag, lo, hi)):
            expected, plain = starts, True
        else:
            expected = sum(xml.count(s, lo, hi) for s in syn.cell_start)
            plain = starts == expected
        if plain:
            # Rows need not be followed for the cells; only for hidden rows and for the
            # place of a cell without r= in a later piece.
            last = xml.rfind(syn.row_start, lo, hi)
            m = syn.rows.match(xml, last) if last >= 0 else None
            if last >= 0 and m is None:
                raise _Declined("a <row> tag it cannot match")
            if xml.find(b"hidden=", lo, hi) >= 0 or (
                    m is not None and _quick_attr(m.group(1), b"r") is None):
                for ra in syn.rows.findall(xml, lo, hi):
                    self.row = _row_number(ra, self.row, self.sheet.hidden_rows)
            elif m is not None:
                self.row = _row_number(m.group(1), self.row, self.sheet.hidden_rows)
        # Formula texts are decoded together unless a NUL could be taken for the separator.
        batch = xml.find(b"\x00", lo, hi) < 0
        if self._file(xml, lo, hi, plain, batch) != expected:
            raise _Declined("a cell it cannot match")

    def _usual(self, piece: bytes, inline_keys: List[Cell], inline_raws: List[bytes]) -> int:
        """File the cells of ``piece``, a stretch of a sheet whose every cell begins <c r=",
        as _file's loop would, when each is of a usual shape (``_SheetSyntax.usual``) with
        only rows and white space between them: a few operations over all of them instead
        of many for each.  Returns how many cells it filed, or -1 having filed nothing."""
        syn, store, sheet = self.syn, self.store, self.sheet
        parts = syn.usual.split(piece)
        n = len(parts) // 8
        if syn.between_cells.fullmatch(b"".join(parts[::8])) is None:
            self.misses += 1
            return -1
        if not n:
            return 0
        keys = list(zip(map(_RowNumbers().__getitem__, parts[2::8]),
                        map(self.columns.__getitem__, parts[1::8])))
        texts, numbers, inline, shared = parts[3::8], parts[5::8], parts[6::8], parts[7::8]
        formula = list(map(is_not, texts, repeat(None)))
        counts = [n - texts.count(None), n - numbers.count(None), n - inline.count(None),
                  n - shared.count(None)]
        try:
            # Formulas' cached numbers, value cells' numbers and shared strings, worked out
            # before anything is filed: an odd one is left to the loop to judge.
            results = list(compress(parts[4::8], formula))
            results = [float(v) if v else None for v in results] if any(results) else None
            numbered = list(map(is_not, numbers, repeat(None)))
            floats = list(map(float, compress(numbers, numbered)))
            if counts[3]:
                sharing = list(map(is_not, shared, repeat(None)))
                texts_shared = list(map(store.strings.__getitem__,
                                        map(int, compress(shared, sharing))))
        except (ValueError, IndexError):
            return -1
        if counts[0]:
            with_formula = list(compress(keys, formula))
            sheet.cached.update(zip(with_formula, repeat(None) if results is None else results))
            sheet.formulas.update(zip(with_formula, _xml_texts(list(compress(texts, formula)))))
        values = sheet.values
        if counts[1] == n - counts[0]:   # every value cell a number
            values.update(zip(compress(keys, numbered), floats))
            return n
        # Every value cell in document order first, an inline string as _PENDING until it
        # is decoded with the slice's others, then the numbers and shared strings.
        valued = list(map(is_, texts, repeat(None))) if sum(counts) == n else \
            [x is not None or y is not None or z is not None
             for x, y, z in zip(numbers, inline, shared)]
        at_value = list(compress(keys, valued))
        before = len(values)
        values.update(zip(at_value, repeat(_PENDING)))
        if len(values) - before == len(at_value):
            values.update(zip(compress(keys, numbered), floats))
            if counts[3]:
                values.update(zip(compress(keys, sharing), texts_shared))
        else:   # a cell named twice (or again): the last one wins, as in the loop
            found = iter(floats)
            strings = iter(texts_shared) if counts[3] else iter(())
            values.update(zip(at_value, [next(found) if x is not None else _PENDING if y is not None
                                         else next(strings) for x, y in compress(
                                             zip(numbers, inline), valued)]))
        marks = list(map(is_not, inline, repeat(None)))
        inline_keys.extend(compress(keys, marks))
        inline_raws.extend(compress(inline, marks))
        return n

    def _note_style(self, key: Cell, attrs: bytes):
        styles = self.styles
        assert styles is not None
        s = styles.get(attrs)
        if s is None:
            raw = _quick_attr(attrs, b"s") if b"s=" in attrs else None
            try:
                s = styles[attrs] = int(raw) if raw else 0
            except ValueError:
                s = styles[attrs] = 0
        if s:
            self.sheet.formula_styles[key] = s

    def _file(self, xml: bytes, pos: int, hi: int, plain: bool, batch: bool) -> int:
        """File the cells between ``pos`` and ``hi``; returns how many matched.

        ``plain``: every cell begins <c r=", and rows need not be followed.
        """
        pkg, sheet, syn, store = self.pkg, self.sheet, self.syn, self.store
        hidden = sheet.hidden_rows
        add, value_of = store.add, store.value
        values, cached, formulas = sheet.values, sheet.cached, sheet.formulas
        members, strings = store.members, store.strings
        keys, raws = store.deferred_keys, store.deferred_raw
        inline_keys: List[Cell] = []
        inline_raws: List[bytes] = []
        columns, kinds = self.columns, self.kinds
        prefix, row_start = syn.prefix, syn.row_start
        if plain:
            findall, split_at = syn.cells.findall, syn.cell_r
        else:
            findall, split_at = syn.cells_and_rows.findall, row_start
        row, col = self.row, self.col
        digits_seen, row_no = self.digits, self.row_no   # a row's cells share its int
        styled = self.styles is not None
        note_style = self._note_style
        usual = plain and batch and not styled
        n = 0
        while pos < hi:
            stop = xml.find(split_at, pos + _SCAN_PIECE, hi) if pos + _SCAN_PIECE < hi else -1
            if stop < 0:
                stop = hi
            filed = self._usual(xml[pos:stop], inline_keys, inline_raws) \
                if usual and self.misses < 2 and not members else -1
            if filed >= 0:
                found = []
                n += filed
            else:
                found = findall(xml, pos, stop)
                n += len(found)   # less the rows among them
            for letters, digits, a, f, fa, ft, v, vt, it_mark, it, rest, ra in found:
                if ra:
                    n -= 1
                    row = _row_number(ra, row, hidden)
                    col = 0
                    continue
                if letters:
                    col = columns.get(letters)
                    if col is None:
                        col = columns[letters] = column_number(letters.decode())
                    if digits != digits_seen:
                        digits_seen, row_no = digits, int(digits)
                    key = (row_no, col)
                else:
                    if plain:   # r="$A$1" and the like
                        q = a.index(b'"')
                        ref, a = a[:q], a[q + 1:]
                        r_attr = b' r="' + ref + b'"'
                    else:
                        ref = _quick_attr(a, b"r") if b"r=" in a else None
                        r_attr = b""
                    if ref is None:
                        col += 1
                        key = (row, col)
                    else:
                        key = _cell_key(pkg, sheet, ref)
                        col = key[1]
                if rest:
                    if row_start in rest:
                        raise _Declined("a <row> inside a cell")
                    if letters:
                        r_attr = b' r="' + letters + digits + b'"'
                    whole = b"<" + prefix + b"c" + r_attr + a + b">" + rest + b"</" + prefix + \
                        b"c>"
                    m = syn.items.match(whole)
                    if m is None or m.end() != len(whole):
                        raise _Declined("a cell it cannot match")
                    _, a_, f_, fa_, ft_, v_, vt_, rest_ = m.groups(b"")
                    parts = _cell_parts(syn, a_, f_, fa_, ft_, v_, vt_, rest_)
                    if styled and (parts[4] is not None or key in members):
                        note_style(key, a_)
                    add(key, *parts)
                    continue
                if a:
                    kind = kinds.get(a)
                    if kind is None:
                        i = a.find(b' t="')
                        kind = kinds[a] = (a[i + 4:a.index(b'"', i + 4)].decode() if i >= 0
                                           else None,
                                           _quick_attr(a, b"cm") if b"cm=" in a else None)
                    t, cm = kind
                else:
                    t = cm = None
                # The value, as CellStore.value works it out, for the usual types.
                if not v:
                    if it_mark and t == "inlineStr":
                        if not f and batch and key not in members:
                            # text decoded with the slice's other inline strings
                            values[key] = _PENDING
                            inline_keys.append(key)
                            inline_raws.append(it)
                            continue
                        value = decode_ooxml_escapes(_xml_text(it))
                    else:
                        value = None
                elif t is None or t == "n":
                    if not vt:
                        value = None
                    else:
                        try:
                            value = float(vt)
                        except ValueError:
                            value = value_of(key, t, vt, None)
                elif t == "s":
                    try:
                        value = strings[int(vt)]
                    except (ValueError, IndexError):
                        value = value_of(key, t, vt, None)
                else:
                    value = value_of(key, t, vt, _xml_text(it) if it_mark and t == "inlineStr"
                                     else None)
                if not f:
                    if key in members:
                        cached[key] = value
                        if styled:
                            note_style(key, a)
                    elif value is not None:
                        values[key] = value
                    continue
                if styled:
                    note_style(key, a)
                if fa or not batch:
                    add(key, t, cm, vt if v else None,
                        _xml_text(it) if it_mark and t == "inlineStr" else None, (fa, ft))
                else:
                    cached[key] = value
                    formulas[key] = None
                    keys.append(key)
                    raws.append(ft)
            store.decode_deferred()
            if inline_keys:
                # The last text given a cell wins, unless a value was filed after it.
                for key, text in dict(zip(inline_keys, _xml_texts(inline_raws))).items():
                    if values.get(key) is _PENDING:
                        values[key] = decode_ooxml_escapes(text)
                inline_keys.clear()
                inline_raws.clear()
            pos = stop
        self.row, self.col, self.digits, self.row_no = row, col, digits_seen, row_no
        return n


def _scan_sheet(pkg, sheet: SheetData, xml: bytes, strings: List[str], date1904: bool):
    """The cells of one sheet's XML, handed over whole, into ``sheet``."""
    scan = _SheetScan(pkg, sheet, strings, date1904)
    scan.feed(xml)
    scan.close()


def _row_number(ra: bytes, row: int, hidden: Set[int]) -> int:
    """The number of the row whose <row> attributes are ``ra`` (one below ``row`` without
    r=), noted in ``hidden`` when it is hidden."""
    if b"'" in ra:
        raise _Declined("an attribute in single quotes")
    r = _quick_attr(ra, b"r")
    row = int(r) if r else row + 1
    if b"hidden=" in ra and _quick_attr(ra, b"hidden") in (b"1", b"true"):
        hidden.add(row)
    return row


def _cell_key(pkg: Package, sheet: SheetData, ref: bytes) -> Cell:
    """(row, col) of a cell reference written other than as the first attribute."""
    text = ref.decode("utf-8", "replace")
    m = CELL_REF.fullmatch(text)
    if m is None or not 1 <= int(m.group(2)) <= MAX_ROW or column_number(m.group(1)) > MAX_COL:
        raise WorkbookReadError(pkg.path, f"has a cell with the bad reference {text!r} on sheet "
                                f"{sheet.name!r}.")
    return int(m.group(2)), column_number(m.group(1))


# A sheet's own filter: <autoFilter ref="A1:D9"> with the <filterColumn> that filters.
_SHEET_FILTER = re.compile(rb'<(?:\w+:)?autoFilter\b[^<>]*?\sref="([^"<]+)"[^<>]*?(/?)>')


def _sheet_filter_area(sheet, xml):
    # the sheet's filter comes after its cells (table filters live in the table parts)
    i = xml.find(b"autoFilter", max(xml.rfind(b"sheetData"), 0))
    if i < 0:
        return
    m = _SHEET_FILTER.search(xml, xml.rfind(b"<", 0, i))
    if m is None or m.group(2) or xml.find(b"filterColumn", m.end(),
                                           xml.find(b"autoFilter", m.end())) < 0:
        return
    try:
        sheet.filter_areas.append(parse_range_ref(m.group(1).decode()))
    except (ValueError, UnicodeDecodeError):
        pass   # an unreadable filter range: its hidden rows count as hidden by hand


def _read_sheet(pkg: Package, sheet: SheetData, strings: List[str], date1904: bool,
                cells_so_far: list, fallbacks: List[Tuple[str, str]], styles: bool = False):
    scan = _SheetScan(pkg, sheet, strings, date1904, cells_so_far, styles)
    before = cells_so_far[0]
    try:
        pkg.stream(sheet.part, scan.feed)
        scan.close()
        return
    except _Declined as exc:
        why = str(exc)
    del scan
    _clear_cells(sheet)
    cells_so_far[0] = before
    root = pkg.xml(sheet.part)   # a damaged part (or a DTD) is refused here, in a sentence
    if why == "no <sheetData>" and not any(
            etree.QName(e).localname == "sheetData" for e in root.iter(etree.Element)):
        raise WorkbookReadError(pkg.path, f"has a damaged sheet {sheet.name!r}: its part "
                                f"{sheet.part} is XML but not a worksheet (it has no "
                                "<sheetData>).")
    # Sound XML the scanner does not take: it reads the part as the XML parser writes it
    # back (comments and CDATA gone, every attribute in double quotes).
    if os.environ.get(STRICT_ENV) == "1":
        raise ReaderFallback(f"{pkg.path}: sheet {sheet.name!r} needed the XML parser: {why}")
    fallbacks.append((sheet.name, why))
    xml = etree.tostring(root, encoding="utf-8")
    del root
    scan = _SheetScan(pkg, sheet, strings, date1904, cells_so_far, styles)
    try:
        scan.feed(xml)
        del xml
        scan.close()
    except _Declined as exc:
        raise WorkbookReadError(pkg.path, f"has markup in the cells of sheet {sheet.name!r} "
                                f"that cannot be read ({exc}).") from None


def _clear_cells(sheet: SheetData):
    for part in (sheet.values, sheet.formulas, sheet.cached, sheet.arrays,
                 sheet.data_tables, sheet.hidden_rows, sheet.formula_styles):
        part.clear()


class _CellStore:
    """Files cells into a SheetData, expanding shared formulas and marking array ranges."""

    def __init__(self, pkg: Package, sheet: SheetData, strings: List[str], date1904: bool):
        self.pkg = pkg
        self.sheet = sheet
        self.strings = strings
        self.date1904 = date1904
        self.shared: Dict[str, Tuple[int, int, str]] = {}   # si -> (row, col, master text)
        self.compiled: Dict[str, list] = {}                # si -> master split for moving
        self.pending: List[Tuple[Cell, str]] = []          # members met before their master
        self.members: Set[Cell] = set()   # cells of array and data-table ranges: results
        # Plain formulas whose text is decoded together, a scanned piece at a time.
        self.deferred_keys: List[Cell] = []
        self.deferred_raw: List[bytes] = []

    def value(self, key: Cell, t: Optional[str], v_text, inline: Optional[str]):
        """The cell's value from its type and the text of <v> (or of <is>)."""
        raw = type(v_text) is bytes   # straight from the markup, entities unresolved
        if raw:
            v_text = v_text.decode("utf-8") if t is None or t == "s" or t == "n" or t == "b" \
                else _xml_text(v_text)
        if v_text is None and inline is None:
            return None
        if t is None or t == "n":
            try:
                return float(v_text)
            except (TypeError, ValueError):
                if not v_text:
                    return None
                return _xml_text(v_text.encode()) if raw else v_text   # odd text, kept
        if t == "s":
            try:
                return self.strings[int(v_text)]
            except (ValueError, IndexError):
                raise WorkbookReadError(
                    self.pkg.path, f"has cell {cell_name(*key)} on sheet {self.sheet.name!r} "
                    f"pointing at shared string {v_text!r} of {len(self.strings)}; the file is "
                    "damaged.") from None
        if t == "str":
            return decode_ooxml_escapes(v_text or "")
        if t == "inlineStr":
            return decode_ooxml_escapes(inline if inline is not None else v_text or "")
        if t == "b":
            return v_text.strip() in ("1", "true")
        if t == "e":
            return CellError(v_text.strip())
        if t == "d":
            return _iso_to_serial(v_text, self.date1904)
        return v_text

    def decode_deferred(self):
        keys, raws = self.deferred_keys, self.deferred_raw
        if not keys:
            return
        self.sheet.formulas.update(zip(keys, _xml_texts(raws)))
        keys.clear()   # in place: the reader holds these lists
        raws.clear()

    def _set_formula(self, key: Cell, text: str):
        formulas = self.sheet.formulas
        if key in formulas and formulas[key] is None and self.deferred_keys:
            self.decode_deferred()   # a repeated cell: the later text must win, as it did
        formulas[key] = text

    def add(self, key: Cell, t: Optional[str], cm, v_text, inline: Optional[str], f):
        sheet = self.sheet
        value = self.value(key, t, v_text, inline)
        if f is None:
            if key in self.members:
                sheet.cached[key] = value
            elif value is not None:
                sheet.values[key] = value
            return
        sheet.cached[key] = value
        fattrs, ftext = f
        if type(fattrs) is bytes:
            fattrs = _attrs(fattrs)
        if type(ftext) is bytes:
            ftext = _xml_text(ftext)
        elif ftext is None:
            ftext = ""
        ftype = fattrs.get("t", "normal")
        shared = self.shared
        if ftype == "normal":
            self._set_formula(key, ftext)
        elif ftype == "shared":
            si = fattrs.get("si")
            if ftext or si not in shared:
                if ftext:
                    shared[si] = (key[0], key[1], ftext)
                    self._set_formula(key, ftext)
                else:
                    self.pending.append((key, si))
            else:
                mr, mc, mtext = shared[si]
                pieces = self.compiled.get(si)
                if pieces is None:
                    pieces = self.compiled[si] = _compile_references(mtext)
                self._set_formula(key, _render_moved(pieces, key[0] - mr, key[1] - mc))
        elif ftype == "array":
            aref = fattrs.get("ref") or cell_name(*key)
            bounds = _bounds(self.pkg, sheet, aref)
            sheet.arrays[key] = ArrayFormula(anchor=key, ref=aref, bounds=bounds,
                                             text=ftext, dynamic=cm is not None)
            _add_members(self.members, bounds)
        elif ftype == "dataTable":
            dref = fattrs.get("ref") or cell_name(*key)
            attrs = {k: v for k, v in fattrs.items() if k not in ("t", "ref")}
            bounds = _bounds(self.pkg, sheet, dref)
            sheet.data_tables[key] = DataTableFormula(anchor=key, ref=dref, bounds=bounds,
                                                      attributes=attrs)
            _add_members(self.members, bounds)
        else:
            self._set_formula(key, ftext)

    def finish(self):
        self.decode_deferred()
        shared = self.shared
        for key, si in self.pending:
            if si in shared:
                mr, mc, mtext = shared[si]
                self.sheet.formulas[key] = translate_formula(mtext, key[0] - mr, key[1] - mc)
            else:
                raise WorkbookReadError(self.pkg.path, f"has cell {cell_name(*key)} on sheet "
                                        f"{self.sheet.name!r} in shared formula {si} whose "
                                        "master formula is missing; the file is damaged.")


def _add_members(members: set, bounds: Tuple[int, int, int, int]):
    r1, c1, r2, c2 = bounds
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 4_000_000:
        return  # a whole-column array; its stored cells are few and read as constants
    members.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))


def _bounds(pkg, sheet, ref):
    try:
        return parse_range_ref(ref)
    except ValueError:
        raise WorkbookReadError(pkg.path, f"has the bad range {ref!r} on sheet "
                                f"{sheet.name!r}.") from None


def _read_tables(pkg: Package, sheet: SheetData) -> List[TableData]:
    tables = []
    for rel_type, target, mode in pkg.rels(sheet.part).values():
        if mode == "External" or not rel_type.endswith("/table"):
            continue
        part = pkg.find(target)
        if part is None:
            raise WorkbookReadError(pkg.path, f"has sheet {sheet.name!r} pointing at table part "
                                    f"{target}, which is missing; the file is damaged.")
        root = pkg.xml(part)
        ns = etree.QName(root).namespace or MAIN_NS
        columns = []
        cols_el = root.find(f"{{{ns}}}tableColumns")
        for col in (cols_el if cols_el is not None else ()):
            if local_name(col.tag) != "tableColumn":
                continue
            calc = col.find(f"{{{ns}}}calculatedColumnFormula")
            total = col.find(f"{{{ns}}}totalsRowFormula")
            columns.append(TableColumn(
                name=decode_ooxml_escapes(col.get("name", "")),
                calculated_formula=(calc.text or "") if calc is not None else None,
                totals_row_formula=(total.text or "") if total is not None else None,
                totals_row_function=col.get("totalsRowFunction"),
                totals_row_label=col.get("totalsRowLabel")))
        ref = root.get("ref", "")
        name = root.get("name") or root.get("displayName", "")
        auto = root.find(f"{{{ns}}}autoFilter")
        if auto is not None and auto.find(f"{{{ns}}}filterColumn") is not None:
            try:
                sheet.filter_areas.append(parse_range_ref(auto.get("ref") or ref))
            except ValueError:
                pass   # an unreadable filter range: its hidden rows count as hidden by hand
        tables.append(TableData(
            name=name, display_name=root.get("displayName", name), sheet=sheet.name, part=part,
            ref=ref, bounds=_bounds(pkg, sheet, ref),
            header_row_count=int(root.get("headerRowCount", "1")),
            totals_row_count=int(root.get("totalsRowCount", "0")),
            columns=columns))
    return tables
