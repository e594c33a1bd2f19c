"""The errors Excel keeps as rich values.

Excel 365 saves the errors older versions do not know (#SPILL!, #CALC!, #FIELD!, ...) as
``<c t="e" vm="N"><v>#VALUE!</v></c>``: the cell's value metadata ``N`` points, through
``xl/metadata.xml``, at a rich value of structure ``_error`` in
``xl/richData/rdrichvalue.xml`` whose ``errorType`` is the error's number less one in
ERROR.TYPE's table (8 is #SPILL!, 13 is #CALC!).  :func:`rich_errors` reads that chain;
a package without it, or a value metadata record that is not such an error, gives nothing.
"""
from __future__ import annotations

from typing import Dict

from ..core.errors import ERROR_TYPE_NUMBERS

_BY_NUMBER = {n: code for code, n in ERROR_TYPE_NUMBERS.items()}


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def rich_errors(read_xml) -> Dict[int, str]:
    """{value metadata index (``vm``, counted from 1): error code} of a package;
    ``read_xml(part)`` gives a part's parsed root, or None when it is missing."""
    meta = read_xml("xl/metadata.xml")
    values = read_xml("xl/richData/rdrichvalue.xml")
    shapes = read_xml("xl/richData/rdrichvaluestructure.xml")
    if meta is None or values is None or shapes is None:
        return {}
    structures = []
    for s in shapes:
        if _local(s.tag) == "s":
            structures.append((s.get("t"), [k.get("n") for k in s if _local(k.tag) == "k"]))
    rich = []   # per rich value: the error code, or None
    for rv in values:
        if _local(rv.tag) != "rv":
            continue
        code = None
        try:
            kind, keys = structures[int(rv.get("s", "-1"))]
        except (ValueError, IndexError):
            kind, keys = None, []
        if kind == "_error" and "errorType" in keys:
            vs = [v.text for v in rv if _local(v.tag) == "v"]
            try:
                code = _BY_NUMBER.get(int(vs[keys.index("errorType")]) + 1)
            except (ValueError, IndexError, TypeError):
                code = None
        rich.append(code)
    types = []          # metadataTypes by index from 1
    future: Dict[str, list] = {}
    value_blocks = []
    for part in meta:
        tag = _local(part.tag)
        if tag == "metadataTypes":
            types = [t.get("name") for t in part if _local(t.tag) == "metadataType"]
        elif tag == "futureMetadata":
            blocks = []
            for bk in part:
                rvb = next((e for e in bk.iter() if _local(e.tag) == "rvb"), None)
                blocks.append(None if rvb is None else rvb.get("i"))
            future[part.get("name", "")] = blocks
        elif tag == "valueMetadata":
            for bk in part:
                rc = next((e for e in bk if _local(e.tag) == "rc"), None)
                value_blocks.append(None if rc is None else (rc.get("t"), rc.get("v")))
    out: Dict[int, str] = {}
    for i, block in enumerate(value_blocks, start=1):
        if block is None:
            continue
        try:
            name = types[int(block[0]) - 1]
            index = future.get(name, [])[int(block[1])]
            code = rich[int(index)] if name == "XLRICHVALUE" and index is not None else None
        except (ValueError, IndexError, TypeError):
            code = None
        if code is not None:
            out[i] = code
    return out
