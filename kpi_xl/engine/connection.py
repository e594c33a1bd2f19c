"""Cells whose value comes from outside the file: OLAP cube functions, real-time data (RTD)
and fields of linked data types (``_FV``, Stocks and Geography values).

Excel shows what the data connection last returned and caches it in the cell; nothing in
the file lets any engine compute it again. Such a cell keeps the value Excel cached, is
never given an invented one, and is named in the recalculation summary so the user knows
the figure is as fresh as the last time Excel refreshed the connection. A cell that has no
cached value shows #N/A (the value is not available here)."""
from __future__ import annotations

import re

#: Functions whose value only a data connection can give.
CONNECTION_FUNCTIONS = ("CUBEVALUE", "CUBEMEMBER", "CUBEMEMBERPROPERTY", "CUBESET",
                        "CUBERANKEDMEMBER", "CUBEKPIMEMBER", "CUBESETCOUNT", "RTD", "_FV",
                        "FIELDVALUE")

_CALL = re.compile(r"(?<![\w.])(?:_xlfn\.|_xldudf\.)?(" + "|".join(
    sorted(map(re.escape, CONNECTION_FUNCTIONS), key=len, reverse=True)) + r")\s*\(", re.I)
_STRING = re.compile(r'"(?:[^"]|"")*"')
_QUICK = re.compile(r"CUBE|RTD|_FV|FIELDVALUE", re.I)


def connection_functions(text: str) -> list:
    """The data-connection functions ``text`` calls (outside its string literals)."""
    if not text or not _QUICK.search(text):
        return []
    return sorted({m.group(1).upper() for m in _CALL.finditer(_STRING.sub('""', text))})


def keep_connection_values(sheet, si, kept: dict) -> None:
    """Take the cells of ``si`` (the evaluator's view of the reader's ``sheet``) whose formula
    needs a data connection out of the calculation, leaving Excel's cached values as their
    constants; ``kept["Sheet!A1"] = (functions, had a cached value)`` for each."""
    from ..core.errors import CellError
    from .evaluator import cell_name
    from .values import NA, XlErr
    for key in [k for k, t in si.formulas.items() if _QUICK.search(t)]:
        fns = connection_functions(si.formulas[key])
        if not fns:
            continue
        bounds = si.arrays.pop(key, None) or (key[0], key[1], key[0], key[1])
        del si.formulas[key]
        r1, c1, r2, c2 = bounds
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                v = sheet.cached.get((r, c))
                if isinstance(v, CellError):
                    v = XlErr(str(v))
                si.values[(r, c)] = NA if v is None else v
                kept[cell_name(si.name, r, c)] = (fns, v is not None)


# --------------------------------------------------------------------------- WPS pictures

#: Pictures in cells. WPS Office's (嵌入单元格图片): ``=DISPIMG("ID_…",1)`` shows a picture
#: kept in the file (xl/cellimages.xml), and WPS caches the formula's own text as the
#: value. Excel's ``=IMAGE(url)`` caches the picture as a rich value. No calculation gives a
#: picture: the cell is left as the application wrote it, so that it still shows the
#: picture, and it is no unknown function.
PICTURE_FUNCTIONS = ("DISPIMG", "IMAGE")
_PICTURE = re.compile(r"(?<![\w.])(?:_xlfn\.)?(?:DISPIMG|IMAGE)\s*\(", re.I)


def keep_pictures(sheet, si) -> int:
    """Take the cells of ``si`` whose formula calls DISPIMG out of the calculation, their
    cached values kept as constants (and the cells left as they are in the file); returns
    how many."""
    from ..core.errors import CellError
    from .values import XlErr
    found = [k for k, t in si.formulas.items()
             if ("DISPIMG" in t.upper() or "IMAGE" in t.upper())
             and _PICTURE.search(_STRING.sub('""', t))]
    for key in found:
        del si.formulas[key]
        si.arrays.pop(key, None)
        v = sheet.cached.get(key)
        if isinstance(v, CellError):
            v = XlErr(str(v))
        if v is None:
            si.values.pop(key, None)
        else:
            si.values[key] = v
    return len(found)
