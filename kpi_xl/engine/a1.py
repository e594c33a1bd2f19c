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

# Any character from U+00C0 to U+FFFF, which formula names may hold beside letters,
# spelt "not below U+00C0 and not above U+FFFF": the same characters, but a class with a
# range of 65,000 characters costs the regular-expression compiler 4 to 7 ms, paid at
# every start of the program, where this form costs a tenth of a millisecond.
WIDE_CHAR = r"[^\x00-\xBF\U00010000-\U0010FFFF]"
# A name in formula text (a function, a defined name, a sheet before "!"): a letter, "_",
# "\" or a WIDE_CHAR first, then those, digits, ".", "?" and "$"; "$" may lead.
NAME_WORD = r"\$?(?:[A-Za-z_\\]|" + WIDE_CHAR + r")(?:[\w.\\?$]|" + WIDE_CHAR + r")*"

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

# A1 references in a formula's text, found without a full parse (to tell the relative form of
# a formula from its text, see relative_key).  A string literal ("...") or a quoted sheet name
# ('...') matches as group 1, so that what is inside is skipped; otherwise a reference stands
# alone: not after a letter, digit, ".", "$", "\" or "]", not before a letter, digit, ".",
# "(" or "[" (the LOG10 of LOG10( and the A2 of Q1.A2 are no references).
_QUOTED = r"""("(?:[^"]|"")*"|'(?:[^']|'')*')"""
_BEFORE = r"(?<![\w.$\\\]])"
_AFTER = r"(?![\w.(\[])"
#: A cell outside quotes.  Groups: quoted text, $, letters, $, digits.
CELL_IN_TEXT = re.compile(_QUOTED + "|" + _BEFORE + r"(\$?)(" + COLUMN + r")(\$?)(\d+)" + _AFTER)
#: Whole columns (H:H, $A:C) and whole rows (5:5, $1:3) outside quotes.  Groups: quoted text,
#: $, letters or digits, $, letters or digits (a mixed A:5 is no span).
SPAN_IN_TEXT = re.compile(_QUOTED + "|" + _BEFORE + r"(\$?)(" + COLUMN + r"|\d+):(\$?)(" + COLUMN + r"|\d+)" + _AFTER)
#: Every run of digits in a text (row numbers among them).
DIGIT_RUN = re.compile(r"\d+")


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


class ColumnNumbers(dict):
    """Column letters as bytes (``b"AB"``) -> column number, worked out once each: the
    reader's and writer's look-up for the letters of a sheet's cell names."""

    def __missing__(self, letters: bytes) -> int:
        col = self[letters] = column_number(letters.decode())
        return col


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


# A sheet name Excel leaves unquoted in a reference: letters, digits, "_" and "." not
# starting with a digit, optionally after a workbook in brackets, and not itself like a
# cell (A1, R1C1). Excel's cached values: ADDRESS(2,3,3,TRUE,"[Book1]Sheet1") is
# [Book1]Sheet1!$C2; a name with a space is quoted.
_PLAIN_SHEET = re.compile(r"(?:\[[^\]\s']+\])?(?:[A-Za-z_]|" + WIDE_CHAR + r")(?:[\w.]|" + WIDE_CHAR + ")*")
_CELL_LIKE = re.compile(r"(?:[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*)")


def quoted_sheet(name: str) -> str:
    """``name`` as a reference writes it: ``Sheet1``, ``'Agent data'``, ``'O''Brien'``,
    ``'2024'``, ``'A1'``."""
    bare = name.rsplit("]", 1)[-1]
    if name and (not _PLAIN_SHEET.fullmatch(name) or _CELL_LIKE.fullmatch(bare)):
        return "'" + name.replace("'", "''") + "'"
    return name


def sheet_cell_name(sheet: str, row: int, col: int) -> str:
    """("Agent data", 3, 2) -> ``"'Agent data'!B3"``, the sheet quoted as Excel writes a
    reference (:func:`quoted_sheet`)."""
    return f"{quoted_sheet(sheet)}!{column_letters(col)}{row}"


def in_grid(row: int, col: int) -> bool:
    return 1 <= row <= MAX_ROW and 1 <= col <= MAX_COL


def parse_cell_ref(ref: str) -> Tuple[int, int]:
    """``"B3"`` or ``"$B$3"`` -> ``(3, 2)``."""
    m = CELL_REF.fullmatch(ref.strip())
    if not m:
        raise ValueError(f"{ref!r} is not a cell reference")
    return int(m.group(2)), column_number(m.group(1))


def _span_sub(row, col):
    def sub(m):
        if m.group(1):
            return m.group(1)
        parts = []
        for dollar, part in ((m.group(2), m.group(3)), (m.group(4), m.group(5))):
            if part.isdigit():
                r = int(part)
                parts.append(f"R_{r}" if dollar else f"R[{r - row}]")
            elif part.isalpha():
                c = column_number(part)
                parts.append(f"C_{c}" if dollar else f"C[{c - col}]")
            else:
                return m.group(0)
        return ":".join(parts)
    return sub


def relative_key(text: str, row: int, col: int) -> str:
    """Formula text in cell (row, col) with its relative references written as offsets
    (R1C1-like): ``=B2*C2`` in row 2 and ``=B3*C3`` in row 3 give the same key."""
    if ":" in text:
        # H:H in A52 and in B53 are different relative forms
        text = SPAN_IN_TEXT.sub(_span_sub(row, col), text)

    def sub(m):
        if m.group(1):
            return m.group(1)
        cabs, letters, rabs, digits = m.group(2), m.group(3), m.group(4), m.group(5)
        c = column_number(letters)
        r = int(digits)
        return (f"R{r}" if rabs else f"R[{r - row}]") + (f"C{c}" if cabs else f"C[{c - col}]")
    return CELL_IN_TEXT.sub(sub, text)


def relative_row_runs(text: str, row: int, col: int) -> Tuple[int, ...]:
    """Indices (among the text's runs of digits, :data:`DIGIT_RUN`) that are row numbers of
    relative references.

    With them :meth:`Calc._assign_templates` recognises, with C-speed regex work, that a
    cell's formula is the same relative form as one already compiled: the texts differ only
    in those row numbers, all by the row distance.
    """
    rel_spans = set()
    for m in CELL_IN_TEXT.finditer(text):
        if not m.group(1) and not m.group(4):
            rel_spans.add(m.start(5))
    if ":" in text:
        for m in SPAN_IN_TEXT.finditer(text):   # whole rows 5:5
            if not m.group(1) and m.group(3).isdigit() and m.group(5).isdigit():
                if not m.group(2):
                    rel_spans.add(m.start(3))
                if not m.group(4):
                    rel_spans.add(m.start(5))
    return tuple(i for i, m in enumerate(DIGIT_RUN.finditer(text)) if m.start() in rel_spans)


def parse_range_ref(ref: str) -> Tuple[int, int, int, int]:
    """``"A1:C4"`` -> ``(1, 1, 4, 3)``; a single cell gives a 1x1 range."""
    first, _, last = ref.strip().partition(":")
    r1, c1 = parse_cell_ref(first)
    r2, c2 = parse_cell_ref(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


__all__ = ["MAX_ROW", "MAX_COL", "COLUMN", "COLUMN_BYTES", "ROW", "CELL_TOKEN", "COLUMNS_TOKEN", "ROWS_TOKEN",
           "CELL_REF", "CELL_REF_BYTES", "CELL_IN_TEXT", "SPAN_IN_TEXT", "DIGIT_RUN", "ColumnNumbers",
           "column_number",
           "column_letters", "cell_name", "in_grid", "parse_cell_ref", "parse_range_ref",
           "relative_key", "relative_row_runs"]
