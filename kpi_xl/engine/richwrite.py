"""Writing the errors Excel keeps as rich values, the way Excel writes them.

A cell's error type in the file format is one of the classic seven (and #GETTING_DATA);
Excel 365 saves #SPILL!, #CALC!, #FIELD! and the other new errors as ``#VALUE!`` with
value metadata (``vm="N"``) pointing, through ``xl/metadata.xml``, at a rich value of
structure ``_error`` whose ``errorType`` is ERROR.TYPE's number less one (what
:mod:`.richerrors` reads back).  :func:`plan` works out, for the error codes a write
needs, the ``vm`` of each and the parts to add or extend: the existing metadata and rich
values are kept as they are and only appended to, so every cell not rewritten keeps
pointing where it did.  A package whose parts cannot be extended safely gets no plan
(None): its new errors are then written as plain ``#VALUE!``, which every reader takes.
"""
from __future__ import annotations

import posixpath
import re
from typing import Dict, Iterable, Optional, Tuple

from ..core.errors import ERROR_TYPE_NUMBERS
from .package import Package

# The errors kept as rich values, with the errorType Excel stores (ERROR.TYPE less one).
RICH_ERROR_TYPES = {code: n - 1 for code, n in ERROR_TYPE_NUMBERS.items() if n > 8}

_RELS = {
    "metadata": "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                "sheetMetadata",
    "values": "http://schemas.microsoft.com/office/2017/06/relationships/rdRichValue",
    "structures": "http://schemas.microsoft.com/office/2017/06/relationships/"
                  "rdRichValueStructure",
    "types": "http://schemas.microsoft.com/office/2017/06/relationships/rdRichValueTypes",
}
_CONTENT_TYPES = {
    "metadata": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml",
    "values": "application/vnd.ms-excel.rdrichvalue+xml",
    "structures": "application/vnd.ms-excel.rdrichvaluestructure+xml",
    "types": "application/vnd.ms-excel.rdrichvaluetypes+xml",
}
# Where Excel puts them, relative to the workbook part's folder.
_TARGETS = {"metadata": "metadata.xml", "values": "richData/rdrichvalue.xml",
            "structures": "richData/rdrichvaluestructure.xml",
            "types": "richData/rdRichValueTypes.xml"}

_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RD_NS = b"http://schemas.microsoft.com/office/spreadsheetml/2017/richdata"
_RD2_NS = b"http://schemas.microsoft.com/office/spreadsheetml/2017/richdata2"
_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
_RVB_EXT = b"{3e2802c4-a4d2-4d8b-9148-e3be6c30e623}"   # the rich value block's ext uri
_RICH_TYPE_ATTRS = (b' minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1"'
                    b' merge="1" splitFirst="1" rowColShift="1" clearFormats="1"'
                    b' clearComments="1" assign="1" coerce="1"')
_ERROR_KEYS = b'<k n="errorType" t="i"/><k n="subType" t="i"/>'
# The key flags Excel writes in every workbook holding rich values.
_TYPES_XML = (_DECL + b'<rvTypesInfo xmlns="' + _RD2_NS + b'" xmlns:mc="http://schemas.'
              b'openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x" xmlns:x="'
              + _MAIN_NS + b'"><global><keyFlags>' + b"".join(
                  b'<key name="' + k + b'">' + (b'<flag name="ExcludeFromFile" value="1"/>'
                                                if k == b"_Self" else b"")
                  + b'<flag name="ExcludeFromCalcComparison" value="1"/></key>'
                  for k in (b"_Self", b"_DisplayString", b"_Flags", b"_Format", b"_SubLabel",
                            b"_Attribution", b"_Icon", b"_Display", b"_CanonicalPropertyNames",
                            b"_ClassificationId"))
              + b"</keyFlags></global></rvTypesInfo>")


class _Unsafe(Exception):
    """A part not of the form that can be extended in place."""


class RichPlan:
    """What writing ``codes`` as rich errors takes: ``vm`` (code -> value metadata index,
    from 1), ``parts`` (part -> new bytes, for parts added or rewritten) and the edits of
    the content types and the workbook's relationships."""

    def __init__(self):
        self.vm: Dict[str, int] = {}
        self.parts: Dict[str, bytes] = {}
        self.new_parts: Dict[str, str] = {}   # part -> kind, for parts the package lacks
        self.wb_rels_part = ""
        self.wb_folder = ""

    def content_types(self, xml: bytes) -> bytes:
        return _append_to_root(xml, b"Types", self._overrides) if self.new_parts else xml

    def _overrides(self, xml: bytes, prefix: bytes) -> bytes:
        # a part named already (by a package that lost the part itself) is not named twice
        named = {m.lower().lstrip(b"/") for m in re.findall(
            rb'PartName\s*=\s*["\']([^"\']*)["\']', xml)}
        return b"".join(b"<" + prefix + b'Override PartName="/' + part.encode() +
                        b'" ContentType="' + _CONTENT_TYPES[kind].encode() + b'"/>'
                        for part, kind in self.new_parts.items()
                        if part.lower().encode() not in named)

    def workbook_rels(self, xml: bytes) -> bytes:
        return _append_to_root(xml, b"Relationships", self._relationships) \
            if self.new_parts else xml

    def _relationships(self, xml: bytes, prefix: bytes) -> bytes:
        taken = set(re.findall(rb'\bId\s*=\s*["\']([^"\']*)["\']', xml))
        n = len(taken) + 1
        add = []
        for part, kind in self.new_parts.items():
            while b"rId%d" % n in taken:
                n += 1
            taken.add(b"rId%d" % n)
            target = posixpath.relpath(part, self.wb_folder or ".")
            add.append(b"<" + prefix + b'Relationship Id="rId%d" Type="' % n +
                       _RELS[kind].encode() + b'" Target="' + target.encode() + b'"/>')
        return b"".join(add)


def _append_to_root(xml: bytes, root: bytes, items) -> bytes:
    """``xml`` with ``items(xml, prefix)`` added at the end of its root element ``root``."""
    end = xml.rfind(b"</")
    if end < 0:
        raise _Unsafe(root.decode())
    return xml[:end] + items(xml, _prefix_of(xml, root)) + xml[end:]


def _prefix_of(xml: bytes, root: bytes) -> bytes:
    m = re.search(rb"<(?:([\w.-]+):)?" + root + rb"[\s>/]", xml)
    if m is None:
        raise _Unsafe(root.decode())
    return m.group(1) + b":" if m.group(1) else b""


def _set_count(start_tag: bytes, count: int) -> bytes:
    """``start_tag`` (without its closing ">") with count="``count``"."""
    new, n = re.subn(rb'\bcount\s*=\s*["\'][^"\']*["\']', b'count="%d"' % count, start_tag)
    return new if n else start_tag + b' count="%d"' % count


def _element(xml: bytes, p: bytes, name: bytes, lo: int = 0, hi: Optional[int] = None,
             attr: bytes = b"") -> Optional[Tuple[int, int, int, int]]:
    """(start, end of start tag without ">", start of end tag, end) of the first element
    ``name`` in xml[lo:hi] whose start tag holds ``attr``; a self-closing one has its
    end tag at the end of its start tag."""
    hi = len(xml) if hi is None else hi
    for m in re.compile(rb"<" + re.escape(p + name) + rb"\b([^>]*?)(/?)>").finditer(xml, lo, hi):
        if attr and attr not in m.group(1):
            continue
        if m.group(2):
            return m.start(), m.end() - 2, m.end(), m.end()
        close = b"</" + p + name + b">"
        end = xml.find(close, m.end(), hi)
        if end < 0:
            raise _Unsafe(name.decode())
        return m.start(), m.end() - 1, end, end + len(close)
    return None


def _extend(xml: bytes, where: Tuple[int, int, int, int], items: bytes, count: int,
            p: bytes, name: bytes) -> bytes:
    start, tag_end, body_end, end = where
    tag = _set_count(xml[start:tag_end], count)
    if body_end == end:   # self-closing
        return xml[:start] + tag + b">" + items + b"</" + p + name + b">" + xml[end:]
    return xml[:start] + tag + xml[tag_end:body_end] + items + xml[body_end:]


def _declare(xml: bytes, p: bytes, root: bytes, ns: bytes, wanted: bytes) -> Tuple[bytes, bytes]:
    """(xml, prefix) with a prefix bound to ``ns`` on the root element, adding one."""
    m = re.search(rb'xmlns:([\w.-]+)\s*=\s*["\']' + re.escape(ns) + rb'["\']', xml)
    if m is not None:
        return xml, m.group(1)
    taken = set(re.findall(rb"xmlns:([\w.-]+)", xml))
    prefix, n = wanted, 1
    while prefix in taken:
        prefix, n = wanted + b"%d" % n, n + 1
    at = xml.index(b"<" + p + root) + len(b"<" + p + root)
    return xml[:at] + b' xmlns:' + prefix + b'="' + ns + b'"' + xml[at:], prefix


def _metadata(xml: Optional[bytes], first_rv: int, n: int) -> Tuple[bytes, int]:
    """The metadata part with ``n`` value metadata records for rich values ``first_rv``..,
    and the ``vm`` of the first of them."""
    if xml is None:
        xml = _DECL + b'<metadata xmlns="' + _MAIN_NS + b'" xmlns:xlrd="' + _RD_NS + b'"/>'
    p = _prefix_of(xml, b"metadata")
    root = _element(xml, p, b"metadata")
    assert root is not None
    if root[2] == root[3]:   # <metadata/>
        xml = xml[:root[1]] + b">" + b"</" + p + b"metadata>" + xml[root[3]:]
        root = _element(xml, p, b"metadata")
        assert root is not None
    xml, rd = _declare(xml, p, b"metadata", _RD_NS, b"xlrd")
    root = _element(xml, p, b"metadata")
    assert root is not None
    body = root[1] + 1
    # the metadata type of rich values, added when missing
    types = _element(xml, p, b"metadataTypes", body)
    names = []
    if types is not None:
        names = re.findall(rb"<" + re.escape(p) + rb'metadataType\b[^>]*?\bname\s*=\s*["\']'
                           rb'([^"\']*)["\']', xml[types[1]:types[2]])
    if b"XLRICHVALUE" in names:
        type_index = names.index(b"XLRICHVALUE") + 1
    else:
        item = b"<" + p + b'metadataType name="XLRICHVALUE"' + _RICH_TYPE_ATTRS + b"/>"
        if types is None:
            xml = xml[:body] + b"<" + p + b'metadataTypes count="1">' + item + b"</" + p + \
                b"metadataTypes>" + xml[body:]
        else:
            xml = _extend(xml, types, item, len(names) + 1, p, b"metadataTypes")
        type_index = len(names) + 1
    root = _element(xml, p, b"metadata")
    assert root is not None
    # the rich value blocks
    future = _element(xml, p, b"futureMetadata", root[1], root[2], b'"XLRICHVALUE"')
    blocks = b"".join(
        b"<" + p + b"bk><" + p + b"extLst><" + p + b'ext uri="' + _RVB_EXT + b'"><' + rd +
        b':rvb i="%d"/></' % (first_rv + i) + p + b"ext></" + p + b"extLst></" + p + b"bk>"
        for i in range(n))
    if future is not None:
        first_block = len(re.findall(rb"<" + re.escape(p) + rb"bk\b", xml[future[1]:future[2]]))
        xml = _extend(xml, future, blocks, first_block + n, p, b"futureMetadata")
    else:
        first_block = 0
        at = _after_futures(xml, p, root)
        xml = xml[:at] + b"<" + p + b'futureMetadata name="XLRICHVALUE" count="%d">' % n + \
            blocks + b"</" + p + b"futureMetadata>" + xml[at:]
    root = _element(xml, p, b"metadata")
    assert root is not None
    # the value metadata records
    records = b"".join(b"<" + p + b'bk><' + p + b'rc t="%d" v="%d"/></' % (
        type_index, first_block + i) + p + b"bk>" for i in range(n))
    values = _element(xml, p, b"valueMetadata", root[1], root[2])
    if values is not None:
        first_vm = len(re.findall(rb"<" + re.escape(p) + rb"bk\b", xml[values[1]:values[2]])) + 1
        xml = _extend(xml, values, records, first_vm - 1 + n, p, b"valueMetadata")
    else:
        first_vm = 1
        ext = _element(xml, p, b"extLst", _after_futures(xml, p, root), root[2])
        at = ext[0] if ext is not None else root[2]
        xml = xml[:at] + b"<" + p + b'valueMetadata count="%d">' % n + records + b"</" + p + \
            b"valueMetadata>" + xml[at:]
    return xml, first_vm


def _after_futures(xml: bytes, p: bytes, root) -> int:
    """Where a futureMetadata element goes: after the last one, else before cellMetadata,
    valueMetadata or the root's extLst, else at the root's end."""
    last = xml.rfind(b"</" + p + b"futureMetadata>", root[1], root[2])
    if last >= 0:
        return last + len(b"</" + p + b"futureMetadata>")
    after = root[1] + 1
    for name in (b"metadataTypes", b"metadataStrings", b"mdxMetadata"):
        el = _element(xml, p, name, root[1], root[2])
        if el is not None:
            after = max(after, el[3])
    for name in (b"cellMetadata", b"valueMetadata", b"extLst"):
        el = _element(xml, p, name, after, root[2])
        if el is not None:
            return el[0]
    return root[2]


def _structures(xml: Optional[bytes]) -> Tuple[bytes, int]:
    """The structures part holding an _error structure of errorType and subType, and its
    index."""
    if xml is None:
        return (_DECL + b'<rvStructures xmlns="' + _RD_NS + b'" count="1"><s t="_error">' +
                _ERROR_KEYS + b"</s></rvStructures>"), 0
    p = _prefix_of(xml, b"rvStructures")
    root = _element(xml, p, b"rvStructures")
    assert root is not None
    body = xml[root[1]:root[2]]
    shapes = list(re.finditer(rb"<" + re.escape(p) + rb"s\b([^>]*?)(/?)>", body))
    wanted = _ERROR_KEYS if not p else _ERROR_KEYS.replace(b"<k ", b"<" + p + b"k ")
    for i, m in enumerate(shapes):
        if not m.group(2) and b'"_error"' in m.group(1) and \
                body[m.end():body.find(b"</" + p + b"s>", m.end())] == wanted:
            return xml, i
    item = b"<" + p + b's t="_error">' + wanted + b"</" + p + b"s>"
    return _extend(xml, root, item, len(shapes) + 1, p, b"rvStructures"), len(shapes)


def _rich_values(xml: Optional[bytes], structure: int, codes) -> Tuple[bytes, int]:
    """The rich values part with one _error value per code, and the index of the first."""
    items = b"".join(b'<rv s="%d"><v>%d</v><v>0</v></rv>' % (structure, RICH_ERROR_TYPES[c])
                     for c in codes)
    if xml is None:
        return (_DECL + b'<rvData xmlns="' + _RD_NS + b'" count="%d">' % len(codes) + items +
                b"</rvData>"), 0
    p = _prefix_of(xml, b"rvData")
    if p:
        items = items.replace(b"<rv ", b"<" + p + b"rv ").replace(b"<v>", b"<" + p + b"v>") \
            .replace(b"</v>", b"</" + p + b"v>").replace(b"</rv>", b"</" + p + b"rv>")
    root = _element(xml, p, b"rvData")
    assert root is not None
    first = len(re.findall(rb"<" + re.escape(p) + rb"rv\b", xml[root[1]:root[2]]))
    return _extend(xml, root, items, first + len(codes), p, b"rvData"), first


def plan(pkg: Package, wb_part: str, codes: Iterable[str]) -> Optional[RichPlan]:
    """The plan for writing ``codes`` (those of :data:`RICH_ERROR_TYPES`) as rich errors,
    or None when the package's parts cannot be extended safely."""
    codes = sorted(set(codes) & set(RICH_ERROR_TYPES))
    if not codes:
        return None
    out = RichPlan()
    folder = posixpath.dirname(wb_part)
    out.wb_folder = folder
    out.wb_rels_part = posixpath.join(folder, "_rels", posixpath.basename(wb_part) + ".rels")
    if pkg.find(out.wb_rels_part) is None or pkg.find("[Content_Types].xml") is None:
        return None
    if b"purl.oclc.org/ooxml/spreadsheetml" in pkg.text(wb_part)[:4096]:
        return None   # Strict Open XML: Excel writes no rich values there
    found: Dict[str, str] = {}
    for rel_type, target, mode in pkg.rels(wb_part).values():
        for kind, uri in _RELS.items():
            if rel_type == uri and mode != "External" and kind not in found:
                part = pkg.find(target)
                if part is None:
                    return None   # a relationship to a part that is not there
                found[kind] = part
    try:
        parts = {kind: pkg.text(part) for kind, part in found.items()}
        structures, s = _structures(parts.get("structures"))
        values, first_rv = _rich_values(parts.get("values"), s, codes)
        metadata, first_vm = _metadata(parts.get("metadata"), first_rv, len(codes))
    except (_Unsafe, ValueError):
        return None
    new = {"metadata": metadata, "values": values, "structures": structures}
    if "types" not in found and "values" not in found:
        new["types"] = _TYPES_XML
    for kind, data in new.items():
        part = found.get(kind)
        if part is None:
            part = posixpath.normpath(posixpath.join(folder, _TARGETS[kind]))
            if pkg.find(part) is not None:
                return None   # a part of that name, not related as that: leave it be
            out.new_parts[part] = kind
        out.parts[part] = data
    out.vm = {code: first_vm + i for i, code in enumerate(codes)}
    try:
        out.content_types(pkg.text(pkg.find("[Content_Types].xml") or ""))
        out.workbook_rels(pkg.text(out.wb_rels_part))
    except _Unsafe:
        return None
    return out
