"""A1 references: the grid's size, column letters and numbers, cell names, and the
patterns that find A1 references in formula text and in sheet XML.

Every part of the engine that reads or writes ``B12``, ``$AA$3`` or ``C:E`` takes it
from here, so the grid's limits and the spelling of a reference are decided once.
"""
from __future__ import annotations

import re
from typing import Dict, Tuple

MAX_ROW = 1048576
MAX_COL = 16384     # XFD

# Pattern pieces for the larger tokenisers built elsewhere (shared formulas, formula
# words); a reference's column is one to three letters, whatever its case.
COLUMN = r"[A-Za-z]{1,3}"
COLUMN_BYTES = COLUMN.encode()
ROW = r"[0-9]+"

# One formula token, matched whole: a cell, a column span or a row span, each part
# with its optional "$".  Groups: ($, letters, $, digits) / ($, letters, $, letters) /
# ($, digits, $, digits).
CELL_TOKEN = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
COLUMNS_TOKEN = re.compile(r"(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})$")
ROWS_TOKEN = re.compile(r"(\$?)(\d+):(\$?)(\d+)$")

# A cell as the sheet XML writes it (``r="B12"``, ``ref="A1:C4"``), "$" tolerated.
# Groups: letters, digits.  Seven digits cover the grid's 1,048,576 rows.
CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
CELL_REF_BYTES = rb"\$?(" + COLUMN_BYTES + rb")\$?([0-9]+)"


_NUMBERS_CACHE: Dict[str, int] = {}
_LETTERS_CACHE: Dict[int, str] = {}
# A sheet's cells name a few thousand columns at most; hostile text must not grow these.
_CACHE_LIMIT = 20000


def column_number(letters: str) -> int:
    """``"A"`` -> 1, ``"xfd"`` -> 16384 (no bounds check: see :data:`MAX_COL`)."""
    n = _NUMBERS_CACHE.get(letters)
    if n is None:
        n = 0
        for ch in letters.upper():
            n = n * 26 + ord(ch) - 64
        if len(_NUMBERS_CACHE) < _CACHE_LIMIT:
            _NUMBERS_CACHE[letters] = n
    return n


def column_letters(col: int) -> str:
    """1 -> ``"A"``, 16384 -> ``"XFD"``; 0 or less gives ``""``."""
    s = _LETTERS_CACHE.get(col)
    if s is None:
        n, s = col, ""
        while n > 0:
            n, rem = divmod(n - 1, 26)
            s = chr(65 + rem) + s
        if len(_LETTERS_CACHE) < _CACHE_LIMIT:
            _LETTERS_CACHE[col] = s
    return s


def cell_name(row: int, col: int) -> str:
    """(3, 2) -> ``"B3"``."""
    return f"{column_letters(col)}{row}"


def in_grid(row: int, col: int) -> bool:
    return 1 <= row <= MAX_ROW and 1 <= col <= MAX_COL


def parse_cell_ref(ref: str) -> Tuple[int, int]:
    """``"B3"`` or ``"$B$3"`` -> ``(3, 2)``."""
    m = CELL_REF.fullmatch(ref.strip())
    if not m:
        raise ValueError(f"{ref!r} is not a cell reference")
    return int(m.group(2)), column_number(m.group(1))


def parse_range_ref(ref: str) -> Tuple[int, int, int, int]:
    """``"A1:C4"`` -> ``(1, 1, 4, 3)``; a single cell gives a 1x1 range."""
    first, _, last = ref.strip().partition(":")
    r1, c1 = parse_cell_ref(first)
    r2, c2 = parse_cell_ref(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


__all__ = ["MAX_ROW", "MAX_COL", "COLUMN", "COLUMN_BYTES", "ROW", "CELL_TOKEN", "COLUMNS_TOKEN", "ROWS_TOKEN",
           "CELL_REF", "CELL_REF_BYTES", "column_number", "column_letters", "cell_name",
           "in_grid", "parse_cell_ref", "parse_range_ref"]
