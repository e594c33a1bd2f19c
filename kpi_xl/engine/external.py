"""Values of other workbooks that formulas refer to (``[1]Sheet1!A1``).

Excel keeps a copy of every value a workbook reads from another one in the part
``xl/externalLinks/externalLinkN.xml`` (``<sheetDataSet>``), and recalculates with it while
the other workbook is closed. The engine does the same: each external sheet becomes a
sheet of constants named ``[N]Sheet`` (N counting the workbook's external references from
1, as the formulas do; no real sheet name can hold brackets), which the formulas'
references resolve to. A cell the copy does not hold was blank when Excel read it; a sheet
whose copy failed (``refreshError``, no cells kept) is left out, so its cells are #REF!.
"""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

from .values import XlErr

Cells = Dict[Tuple[int, int], object]


def sheet_name(book: str, sheet: str) -> str:
    """The engine's name of sheet ``sheet`` of external workbook number ``book``."""
    return f"[{book}]{sheet}"


def is_external_sheet(name) -> bool:
    return isinstance(name, str) and name.startswith("[")


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _cell_ref(ref: str) -> Tuple[int, int] | None:
    col = 0
    i = 0
    while i < len(ref) and ref[i].isalpha():
        col = col * 26 + ord(ref[i].upper()) - 64
        i += 1
    if not col or not ref[i:].isdigit():
        return None
    return int(ref[i:]), col


def _value(t: str, text: str):
    if t in ("str", "s", "inlineStr"):
        return text
    if t == "b":
        return text.strip() in ("1", "true", "TRUE")
    if t == "e":
        return XlErr(text.strip())
    try:
        return float(text)
    except ValueError:
        return text


def read_external_books(pkg, wb, ns: str, rels) -> List[Dict[str, Cells]]:
    """For each external reference of the workbook, in order: {sheet name: cells} of the
    values Excel cached (an empty dict for a link that caches none, such as a DDE link)."""
    refs = wb.find(f"{{{ns}}}externalReferences")
    if refs is None:
        return []
    books: List[Dict[str, Cells]] = []
    for el in refs:
        if _local(el.tag) != "externalReference":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        rel = rels.get(rid)
        part = pkg.find(rel[1]) if rel else None
        books.append(_read_link(pkg, part) if part else {})
    return books


class ExternalBook(dict):
    """{sheet name: cells} of one linked workbook, and ``names``: the linked workbook's
    defined names Excel keeps with the link, {(NAME, sheet or None): refersTo text}."""

    def __init__(self):
        super().__init__()
        self.names: Dict[Tuple[str, object], str] = {}


_SIMPLE_TARGET = re.compile(r"=?(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)$")


def name_text(book: str, refers_to: str):
    """A linked workbook's name target (``='Defines'!$B$2``) as a reference to the engine's
    sheet of that workbook (``'[1]Defines'!$B$2``), or None for any other target."""
    m = _SIMPLE_TARGET.match(refers_to.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    quoted = sheet_name(book, sheet).replace("'", "''")
    return f"'{quoted}'!{m.group(3)}"


def _read_link(pkg, part) -> Dict[str, Cells]:
    root = pkg.xml(part)
    book = next((c for c in root if _local(c.tag) == "externalBook"), None)
    if book is None:
        return {}
    names: List[str] = []
    out = ExternalBook()
    failed: set = set()
    for child in book:
        tag = _local(child.tag)
        if tag == "sheetNames":
            names = [s.get("val", "") for s in child if _local(s.tag) == "sheetName"]
        elif tag == "definedNames":
            for dn in child:
                name, target = dn.get("name"), dn.get("refersTo")
                if _local(dn.tag) != "definedName" or not name or not target:
                    continue
                scope = dn.get("sheetId")
                try:
                    sheet = names[int(scope)] if scope is not None else None
                except (ValueError, IndexError):
                    continue
                out.names[(name.upper(), sheet)] = target
        elif tag == "sheetDataSet":
            for sd in child:
                if _local(sd.tag) != "sheetData":
                    continue
                try:
                    name = names[int(sd.get("sheetId", "-1"))]
                except (ValueError, IndexError):
                    continue
                if sd.get("refreshError") in ("1", "true") and not len(sd):
                    # Excel could not read this sheet when it last refreshed the link and
                    # kept nothing: its cells are #REF!, as for a sheet that is not there.
                    failed.add(name)
                    continue
                cells = out.setdefault(name, {})
                for row in sd:
                    for cell in row:
                        if _local(cell.tag) != "cell":
                            continue
                        rc = _cell_ref(cell.get("r", ""))
                        v = next((x for x in cell if _local(x.tag) == "v"), None)
                        if rc is not None and v is not None and v.text is not None:
                            cells[rc] = _value(cell.get("t", "n"), v.text)
    for name in names:
        if name not in failed:
            out.setdefault(name, {})
    return out
