"""Write recalculated values back into the same workbook package.

Only the cached value (``<v>`` and the ``t`` attribute) of the formula cells
being written changes; every other zip member is copied with its compressed
bytes untouched, in the original order, so styles, charts, images, comments,
validation, VBA and everything this code does not know about survive.  The
sheet XML is edited as bytes, cell by cell, rather than re-serialised, so even
inside a rewritten sheet nothing but the written cells differs.  A sheet is
edited as it is inflated and handed to its zip member as it is edited: neither
the old nor the new sheet is held whole (a million formula rows take a few MB),
except the sheets that must be edited whole (see ``_SheetEdit``).

The new package is written next to the destination and moved into place with
``os.replace`` after an fsync: a crash or kill mid-write leaves the old file
whole.
"""

from __future__ import annotations

import io
import math
import numbers
import os
import queue
import re
import struct
import threading
import zipfile
from contextlib import nullcontext
from itertools import compress, islice, repeat
from operator import is_, lt
from typing import Dict, Iterable, Mapping, Optional, Tuple

from kpi_xl.core.errors import ERROR_CODES, CellError
from kpi_xl.errors import UserFacingError
from kpi_xl.fileio import atomic_write
from kpi_xl.engine.a1 import (CELL_REF_BYTES, ColumnNumbers, cell_name, column_number,
                              parse_range_ref)
from kpi_xl.engine.package import (
    REL_NS, STRICT_REL_NS, Package, WorkbookReadError, as_utf8, local_name, main_prefix,
    workbook_part,
)
from kpi_xl.limits import Limits
from kpi_xl.engine import richwrite

__all__ = ["WorkbookWriteError", "write_values", "format_number"]


class WorkbookWriteError(UserFacingError):
    """The values cannot be written; the message is a finished sentence naming the file."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path} {problem}")


# --------------------------------------------------------------------------- value text


def format_number(value) -> str:
    """Shortest text that reads back as the same double; whole numbers without ".0"."""
    if type(value) is not float:
        if isinstance(value, numbers.Integral):
            return str(int(value))
        value = float(value)
    if value.is_integer() and -1e16 < value < 1e16:
        return str(int(value))
    return repr(value)


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Characters XML 1.0 cannot carry (and CR, which XML parsers fold into LF) are
# written as _xHHHH_, as Excel does; an existing "_xHHHH_" gets its underscore
# escaped so it reads back literally.
_NEEDS_OOXML_ESCAPE = re.compile(
    "[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_(?=x[0-9A-Fa-f]{4}_)")


def _escape_text(s: str) -> str:
    s = _NEEDS_OOXML_ESCAPE.sub(lambda m: "_x%04X_" % ord(m.group(0)), s)
    return s.translate(_XML_ESCAPES)


def _with_type(tag: bytes, t: Optional[str], bare_r: bool) -> bytes:
    """A cell's start-tag attributes ``tag`` with its t= set to ``t`` (taken out when None):
    in place when there, else after s= or r=, the order Excel writes them in.  ``bare_r``:
    ``tag`` starts inside r's value (after ``<c r="``), so r's value ends at its first quote."""
    j = tag.find(b' t="')
    if j >= 0:
        k = tag.index(b'"', j + 4)
        return tag[:j] + (b' t="' + t.encode() + b'"' if t else b"") + tag[k + 1:]
    if not t:
        return tag
    k = tag.find(b' s="')
    if k >= 0:
        at = tag.index(b'"', k + 4) + 1
    elif bare_r:
        at = tag.index(b'"') + 1
    else:
        k = tag.find(b' r="')
        at = tag.index(b'"', k + 4) + 1 if k >= 0 else len(tag)
    return tag[:at] + b' t="' + t.encode() + b'"' + tag[at:]


# The error types a cell of the file format holds; Excel writes the newer ones as #VALUE!
# with value metadata pointing at a rich value (richwrite).
_CELL_ERRORS = frozenset(ERROR_CODES[:8])


def _with_vm(tag: bytes, vm: bytes) -> bytes:
    """A cell's start tag, or its attributes, ``tag`` (without the closing ">" and with no
    vm=) with vm="``vm``" last, where Excel writes it."""
    return tag + b' vm="' + vm + b'"'


def _typed_value(value) -> Tuple[Optional[str], str]:
    """(t attribute or None for a number, text of <v>) for one result value."""
    kind = type(value)
    if kind is float:
        if value != value or value in (math.inf, -math.inf):
            return "e", "#NUM!"  # a double Excel cannot store is its #NUM!
        return None, format_number(value)
    if kind is int:
        return None, str(value)
    if value is None:
        return "str", ""
    if isinstance(value, CellError):
        return "e", str(value)
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "b", "1" if value else "0"
    if isinstance(value, str):
        return "str", _escape_text(value)
    if isinstance(value, numbers.Real):
        if isinstance(value, numbers.Integral):
            return None, str(int(value))
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            return "e", "#NUM!"  # a double Excel cannot store is its #NUM!
        return None, format_number(f)
    raise TypeError(type(value).__name__)


# --------------------------------------------------------------------------- sheet XML edits

_ATTR_RE = re.compile(rb"""([^\s=]+)\s*=\s*("[^"]*"|'[^']*')""")
_R_RE = re.compile(rb"""\br\s*=\s*["']""" + CELL_REF_BYTES + rb"""["']""")
_ROW_R_RE = re.compile(rb"""\br\s*=\s*["']([0-9]+)["']""")
_ATTRS = rb"""(?:[^>"'/]|"[^"]*"|'[^']*'|/(?!>))*"""


class _SheetSyntax:
    """Compiled patterns for one namespace prefix of the main spreadsheet namespace."""

    _cache: Dict[bytes, "_SheetSyntax"] = {}

    def __init__(self, prefix: bytes):
        p = re.escape(prefix)
        self.prefix = prefix
        self.tokens = re.compile(
            rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>"
            rb"|<" + p + rb"row\b(?P<rowattrs>" + _ATTRS + rb")/?>"
            # Unrolled loops instead of lazy ".*?": Python's re runs these several times faster.
            rb"|<" + p + rb"c\b(?P<attrs>[^>/\"']*(?:(?:\"[^\"]*\"|'[^']*'|/(?!>))[^>/\"']*)*)"
            rb"(?:/>|>(?P<body>[^<]*(?:<(?!/" + p + rb"c>|/?" + p + rb"(?:c|row)[\s/>])[^<]*)*)"
            rb"</" + p + rb"c>)",
            re.S)
        self.f_start = b"<" + prefix + b"f"
        self.v_start = b"<" + prefix + b"v"
        self.slow_marks = (b"<" + prefix + b"extLst", b"<" + prefix + b"is")
        self.f = re.compile(rb"<" + p + rb"f\b(?P<fattrs>" + _ATTRS + rb")(?:/>|>.*?</" + p
                            + rb"f\s*>)", re.S)
        self.v = re.compile(rb"<" + p + rb"v\b" + _ATTRS + rb"(?:/>|>(?P<vtext>.*?)</" + p
                            + rb"v\s*>)", re.S)
        self.ext = re.compile(rb"<" + p + rb"extLst\b.*?</" + p + rb"extLst\s*>", re.S)
        self.sheet_data = re.compile(rb"<" + p + rb"sheetData\b" + _ATTRS + rb"(?:/>|>)")
        self.sheet_data_end = re.compile(rb"</" + p + rb"sheetData\s*>")
        # For sheets whose every cell begins <c r="...">: where each begins, and the rest
        # of a cell of just <f> and <v> whose attributes are in double quotes.
        self.cell_r = b"<" + prefix + b'c r="'
        # A cell start with its column letters and row when its name is one of ours.
        self.cell_at = re.compile(re.escape(self.cell_r) + rb'(?:([A-Z]+)(0|[1-9][0-9]*)")?')
        # The same, for the cells whose first child is <f>: the others are passed over in C.
        self.formula_at = re.compile(re.escape(self.cell_r) + rb'(?:([A-Z]+)(0|[1-9][0-9]*)")?'
                                     rb"[^<>]*><" + p + rb"f\b")
        # A whole formula cell of just <f> and <v>, its name one of ours, for _pieces_at_once:
        # (head up to the start tag's ">", letters, digits, <f>, <v> and the end tag).
        self.formula_whole = re.compile(
            rb"(" + re.escape(self.cell_r) + rb'([A-Z]+)(0|[1-9][0-9]*)"'
            rb"[^>/\"']*(?:\"[^\"]*\"[^>/\"']*)*)>"
            rb"(<" + p + rb"f\b[^<>]*(?:/>|>[^<]*</" + p + rb"f>))"
            rb"((?:<" + p + rb"v>[^<]*</" + p + rb"v>|<" + p + rb"v/>)?</" + p + rb"c>)")
        self.f_starts = re.compile(rb"<" + p + rb"f\b")
        self.value_end = b"<" + prefix + b"v>%s</" + prefix + b"v></" + prefix + b"c>"
        self.formula_cell = re.compile(
            rb'([^"<>]*"[^>/"\']*(?:"[^"]*"[^>/"\']*)*)>'
            rb"(<" + p + rb"f\b[^<>]*(?:/>|>[^<]*</" + p + rb"f>))"
            rb"(?:<" + p + rb"v>[^<]*</" + p + rb"v>|<" + p + rb"v/>)?</" + p + rb"c>")

    @classmethod
    def of(cls, prefix: bytes) -> "_SheetSyntax":
        syntax = cls._cache.get(prefix)
        if syntax is None:
            syntax = cls._cache[prefix] = cls(prefix)
        return syntax


def _get_attr(attrs: bytes, name: bytes) -> Optional[bytes]:
    for k, v in _ATTR_RE.findall(attrs):
        if k == name:
            return v[1:-1]
    return None


def _rebuild_start(prefix: bytes, attrs: bytes, t: Optional[str], drop: Iterable[bytes]) -> bytes:
    """The <c ...> start tag with ``t`` set (None removes it) and ``drop`` attributes removed."""
    pairs = [(k, v) for k, v in _ATTR_RE.findall(attrs) if k != b"t" and k not in drop]
    if t is not None:
        # CT_Cell's attribute order is r, s, t, cm, vm, ph: put t after r and s.
        at = 0
        for i, (k, _) in enumerate(pairs):
            if k in (b"r", b"s"):
                at = i + 1
        pairs.insert(at, (b"t", b'"' + t.encode() + b'"'))
    return b"<" + prefix + b"c" + b"".join(b" " + k + b"=" + v for k, v in pairs)


class _Restart(Exception):
    """The package must be written again from the start, with this sheet part edited the
    slower way: cell by cell (``fast`` False) or noting every written cell (``track``).
    Raised only for sheets a sound writer never produces, after some output is out."""

    def __init__(self, part: str = "", fast: bool = True, track: bool = False):
        super().__init__(part)
        self.part = part
        self.fast = fast
        self.track = track


_CELL_NAME = re.compile(rb"([A-Z]+)(0|[1-9][0-9]*)")
# _pieces_at_once splits this many bytes of cells at a time.
_SLICE = 1 << 20


def _number_bytes(value) -> Optional[bytes]:
    """Text of <v> for a finite number (format_number's), None for any other result."""
    kind = type(value)
    if kind is float:
        if value - value == 0:
            return b"%d" % value if value.is_integer() and -1e16 < value < 1e16 \
                else repr(value).encode()
        return None
    return b"%d" % value if kind is int else None


def _numbers_bytes(values: list) -> list:
    """_number_bytes of each of ``values``; for finite floats and ints alone, their reprs
    joined, with the ".0" of whole numbers cut off together."""
    if not values or not {float, int}.issuperset(map(type, values)):
        return list(map(_number_bytes, values))
    text = "\x00".join(map(repr, values)) + "\x00"
    # inf and nan (spelt with an n) go the long way, and -0.0 (written 0).
    if "n" in text or "-0.0\x00" in text:
        return list(map(_number_bytes, values))
    # Below 1e16 repr writes a whole float as its digits and ".0", and nothing else ends
    # so: format_number's text.  From 1e16 on repr writes an exponent, as it does.
    return text.replace(".0\x00", "\x00").encode().split(b"\x00")[:-1]


# Edited output is handed on in pieces of about this many chunks.
_FLUSH_EVERY = 4096
_MISSING = object()


# A sheet whose sheetData has not begun after this much is edited whole.
_HEAD_LIMIT = 16 << 20


def _streamable(data: bytes, path, part) -> Optional[int]:
    """How many bytes (a UTF-8 byte-order mark) to skip at the start of a part whose
    first piece is ``data`` when the part is UTF-8 as it is; None when it has to be
    re-encoded (as_utf8) first."""
    if data[:3] == b"\xef\xbb\xbf":
        return 3
    end = data.find(b"?>") if data[:5] == b"<?xml" else -1
    probe = data[:end + 2] if end >= 0 else data[:4]
    return 0 if as_utf8(probe, path, part) is probe else None


class _SheetEdit:
    """Rewrites the cells of one sheet part, handing the result on piece by piece: from
    the whole part (``run``) or as the part is inflated (``feed`` then ``close``)."""

    def __init__(self, path: str, part: str, sheet: str, cells: Mapping, values_only: bool,
                 write, fast: bool = True, track: bool = False,
                 rich: Optional[Mapping[str, int]] = None):
        self.path = path
        self.rich = rich or {}   # error code -> vm, for errors written as rich values
        self.part = part
        self.sheet = sheet
        self.cells = cells
        self.values_only = values_only
        self.write = write
        self.fast = fast
        # Cells written so far: counted while they come in sheet order (each one once), or
        # every one noted in ``track`` when the sheet has them out of order.
        self.count = 0
        self.track: Optional[set] = set() if track else None
        self._prev = None
        self.refused = []
        self._columns: Dict[bytes, int] = ColumnNumbers()
        self._last_ref = None
        self._current = None
        self._row = 0
        self._col = 0
        self._ranges = []   # bounds of array and data-table formulas met so far
        # Fed pieces: held until the sheetData start is seen, or all of them when the part
        # is edited whole after all; then only the cell not yet complete.
        self._held: list = []
        self._held_size = 0
        self._checked = 0       # bytes at the start of the next _cells known of split form
        self._stage = "head"    # then "cells" (streamed), "tail" or "whole"

    def _key(self, name: bytes):
        """(row, col) of a cell named like b"B7" when it is one being written, else None."""
        m = _CELL_NAME.fullmatch(name)
        if m is None:
            return None
        letters = m.group(1)
        col = self._columns.get(letters)
        if col is None:
            col = self._columns[letters] = column_number(letters.decode())
        key = (int(m.group(2)), col)
        return key if key in self.cells else None

    def _mark(self, key):
        """Note ``key`` as written."""
        if self.track is not None:
            self.track.add(key)
            return
        prev = self._prev
        if prev is not None and key <= prev:
            raise _Restart(track=True)
        self._prev = key
        self.count += 1

    def missing(self):
        """The cells to write that the sheet does not have; None when the sheet came out of
        order and they cannot be told from the count (write it again with ``track``)."""
        if self.track is not None:
            return set(self.cells) - self.track - set(self.refused)
        if self.count + len(self.refused) == len(self.cells):
            return set()
        return None

    # -- the whole part at once

    def run(self, xml: bytes) -> None:
        """Hand the edited part to ``write`` in order, piece by piece."""
        write = self.write
        syn = self.syntax = _SheetSyntax.of(main_prefix(xml))
        start = syn.sheet_data.search(xml)
        if start is None or xml[start.end() - 2:start.end()] == b"/>":
            _write_slices(write, xml, 0, len(xml))
            return
        end = syn.sheet_data_end.search(xml, start.end())
        if end is None:
            raise self._unclosed()
        if not self.values_only and self.fast and \
                self._edit_by_pieces(xml, start.end(), end.start()):
            return
        buf: list = []
        add = buf.append
        last = 0
        token = self._token
        for m in syn.tokens.finditer(xml, start.end(), end.start()):
            add(xml[last:m.start()])
            add(token(m))
            last = m.end()
            if len(buf) > _FLUSH_EVERY:
                write(b"".join(buf))
                buf.clear()
        write(b"".join(buf))
        _write_slices(write, xml, last, len(xml))

    def _unclosed(self):
        return WorkbookWriteError(self.path, f"has a damaged sheet {self.sheet!r} "
                                  "(sheetData is not closed).")

    def _of_split_form(self, xml: bytes, lo: int, hi: int) -> bool:
        """Whether every cell in xml[lo:hi] starts <c r=", with no comment or CDATA."""
        p = self.syntax.prefix
        return xml.count(self.syntax.cell_r, lo, hi) == xml.count(b"<" + p + b"c", lo, hi) \
            and xml.find(b"<!", lo, hi) < 0

    def _edit_by_pieces(self, xml: bytes, lo: int, hi: int) -> bool:
        """When every cell starts <c r="...": go from one such start to the next (found
        in C) and touch only the written cells and those with array or data-table ranges,
        in order, as _token would; the text between them is handed on as it is.  False,
        having written nothing, when the sheet is not of that form (the caller uses
        _token)."""
        sep = self.syntax.cell_r
        n = xml.count(sep, lo, hi)
        if not n or not self._of_split_form(xml, lo, hi) or xml.count(sep) != n:
            return False
        buf: list = []
        last, _ = self._pieces(xml, xml.find(sep, lo, hi), hi, len(xml), buf, 0)
        buf.append(xml[last:])
        self.write(b"".join(buf))
        return True

    def _pieces(self, xml: bytes, i: int, hi: int, final_stop, buf: list, last: int,
                at_once: bool = True):
        """Edit the cells from the one starting at ``i`` (a cell start, or -1 for none) on:
        each runs to the next cell start before ``hi``; the last one to ``final_stop``, or
        is left alone when that is None.  The output up to the copy point ``last`` is in
        ``buf`` (handed on every so often); returns the new copy point and where the cell
        left alone starts (-1 when none is)."""
        syn = self.syntax
        p = syn.prefix
        sep = syn.cell_r
        end_tag = b"</" + p + b"c>"
        v_open = b"<" + p + b"v"
        v_open_end = v_open + b">"
        v_close = b"</" + p + b"v>" + end_tag
        sep_len = len(sep)
        tokens = syn.tokens.match
        formula_cell = syn.formula_cell.match
        # ref= and vm= send a cell to _token; most sheets have neither anywhere.
        has_ref = xml.find(b"ref=", i, hi) >= 0 if i >= 0 else False
        odd = has_ref or xml.find(b"vm=", i, hi) >= 0
        if at_once and not odd and i >= 0 and self.track is None:
            return self._pieces_at_once(xml, i, hi, final_stop, buf, last)
        cells = self.cells
        columns = self._columns
        mark = self._mark
        write = self.write
        add = buf.append
        # Only formula cells are visited, unless the cells of array formulas' ranges are to
        # be found (ref=) or each cell is to be noted: a value cell whose result was asked
        # for leaves the count short, and the sheet is written again noting each cell.
        every = has_ref or self.track is not None
        starts = (syn.cell_at if every else syn.formula_at).finditer(xml, i, hi) \
            if i >= 0 else iter(())
        find = xml.find
        nm = next(starts, None)
        while nm is not None:
            i = nm.start()
            at = i + sep_len
            following = next(starts, None)
            if not every:
                stop = find(sep, nm.end(), hi)
                if stop < 0:
                    if final_stop is None:
                        break   # the last cell may not be complete: left for the next call
                    stop = final_stop
            elif following is not None:
                stop = following.start()
            elif final_stop is None:
                break   # the last cell may not be complete: left for the next call
            else:
                stop = final_stop
            key = None
            letters, digits = nm.groups()
            nm = following
            if letters is not None:
                col = columns.get(letters)
                if col is None:
                    col = columns[letters] = column_number(letters.decode())
                key = (int(digits), col)
                value = cells.get(key, _MISSING)
                if value is _MISSING:
                    key = None
            if key is None and not (has_ref and xml.find(b"ref=", at, stop) >= 0):
                continue
            m = formula_cell(xml, at, stop) if key is not None else None
            # What _write_formula_cell does, in place: a cell of just <f> and <v>, its
            # attributes in double quotes, without vm, no ref= anywhere.
            if m is not None and not (odd and (xml.find(b"vm=", at, m.end(1)) >= 0 or
                                               xml.find(b"ref=", m.end(1), m.end()) >= 0)):
                mark(key)
                kind = type(value)
                if (kind is float and value - value == 0 or kind is int) and \
                        xml.find(b' t="', at, m.end(1)) < 0:
                    # A finite number in a cell without t: only <v> changes.
                    add(xml[last:m.end(2)])
                    add(v_open_end)
                    add(b"%d" % value if kind is int or value.is_integer() and
                        -1e16 < value < 1e16 else repr(value).encode())
                    add(v_close)
                    last = m.end()
                else:
                    add(xml[last:at])
                    add(self._retyped(xml[at:m.end(1)], m.group(2), key, value))
                    last = m.end()
            else:
                m = tokens(xml, i, stop)
                if m is None or m.group("attrs") is None:
                    raise _Restart(fast=False)
                cell = self._token(m)
                if cell[:sep_len] != sep:
                    raise _Restart(fast=False)
                add(xml[last:i])
                add(cell)
                last = m.end()
            if len(buf) > _FLUSH_EVERY:
                write(b"".join(buf))
                buf.clear()
        return last, (i if nm is not None else -1)

    def _pieces_at_once(self, xml: bytes, i: int, hi: int, final_stop, buf: list, last: int):
        """_pieces for cells with neither ref= nor vm=, noted by count: a slice of about a
        MB at a time is split once at its formula cells of just <f> and <v>, and their
        results are put in by a few operations over the whole slice (the usual results,
        finite numbers in cells without t, in C) instead of many for each cell.  From a
        slice holding a formula cell of any other form on, the cells go one by one."""
        syn = self.syntax
        sep = syn.cell_r
        split, f_starts = syn.formula_whole.split, syn.f_starts.findall
        value_end = syn.value_end
        cells, columns = self.cells, self._columns
        # As _pieces: the last cell runs to final_stop, or is left for the next call.
        end = hi if final_stop is not None else xml.rfind(sep, i, hi)
        add = buf.append
        pos = i
        while pos < end:
            stop = xml.find(sep, pos + _SLICE, end) if pos + _SLICE < end else -1
            if stop < 0:
                stop = end
            piece = xml[pos:stop]
            parts = split(piece)
            n = len(parts) // 6
            # Every <f> of the slice in one such cell: no formula cell of another form.
            if n != len(f_starts(piece)):
                return self._pieces(xml, pos, hi, final_stop, buf, last, at_once=False)
            if n:
                # Rows and columns apart, as ints: a list of (row, col) tuples alive would
                # set the collector going (zip hands the same tuple to cells.get each time).
                rows = list(map(int, parts[3::6]))
                cols = list(map(columns.__getitem__, parts[2::6]))
                values = list(map(cells.get, zip(rows, cols), repeat(_MISSING)))
                texts = _numbers_bytes(values)
                heads = parts[1::6]
                typed = b' t="' in b"".join(heads)
                # The cells left alone (not written), and those whose result is not a finite
                # number in a cell without t (_retyped).
                others = [k for k in compress(range(n), map(is_, texts, repeat(None)))]
                if typed:
                    others = sorted(set(others).union(
                        k for k, head in enumerate(heads) if b' t="' in head))
                alone = {k for k in others if values[k] is _MISSING} if others else None
                if alone:
                    kept = [k not in alone for k in range(n)]
                    wrows, wcols = list(compress(rows, kept)), list(compress(cols, kept))
                else:
                    wrows, wcols = rows, cols
                prev = self._prev
                if wrows and (prev is not None and (wrows[0], wcols[0]) <= prev or not all(
                        map(lt, zip(wrows, wcols),
                            zip(islice(wrows, 1, None), islice(wcols, 1, None))))):
                    raise _Restart(track=True)
                if others:
                    tails = parts[5::6]
                    for k in others:
                        texts[k] = b""
                parts[2::6] = [b">"] * n
                parts[3::6] = [b""] * n
                parts[5::6] = map(value_end.__mod__, texts)
                for k in others:
                    if k in alone:
                        parts[6 * k + 5] = tails[k]
                        continue
                    parts[6 * k + 1] = sep + self._retyped(heads[k][len(sep):], parts[6 * k + 4],
                                                           (rows[k], cols[k]), values[k])
                    parts[6 * k + 2] = parts[6 * k + 4] = parts[6 * k + 5] = b""
                if wrows:
                    self.count += len(wrows)
                    self._prev = (wrows[-1], wcols[-1])
            add(xml[last:pos])
            add(b"".join(parts))
            last = pos = stop
            self.write(b"".join(buf))
            buf.clear()
        return last, (-1 if final_stop is not None else end)

    def _retyped(self, head: bytes, f: bytes, key, value) -> bytes:
        """A cell of just <f> and <v> with ``value`` as its result, from ``head`` (its
        start tag after <c r=" without the closing ">") and ``f`` (its <f> element)."""
        p = self.syntax.prefix
        t, text, vm = self._typed(key, value)
        space = b' xml:space="preserve"' if t == "str" and text and (
            text[0].isspace() or text[-1].isspace()) else b""
        head = _with_type(head, t, bare_r=True)
        if vm:
            head = _with_vm(head, vm)
        return head + b">" + f + b"<" + p + b"v" + space + b">" + text.encode("utf-8") + \
            b"</" + p + b"v></" + p + b"c>"

    # -- the part as it is inflated

    def feed(self, chunk: bytes) -> None:
        """Take the next piece of the part (UTF-8, as inflated) and hand on what is done."""
        stage = self._stage
        if stage == "tail":
            self.write(chunk)
            return
        self._held.append(chunk)
        self._held_size += len(chunk)
        if stage == "whole":
            return
        data = b"".join(self._held)
        self._held.clear()
        if stage == "head":
            data = self._start(data)
            if data is None:
                return
        self._cells(data, None)

    def _start(self, data: bytes) -> Optional[bytes]:
        """In the head: once the sheetData start is seen and the part can be streamed, hand
        on what is before it and return the rest; else None (held, or to be edited whole)."""
        skip = _streamable(data, self.path, self.part)
        if skip is None or self.values_only or not self.fast or \
                self._held_size > _HEAD_LIMIT:
            self._stage = "whole"
            self._held = [data]
            return None
        syn = self.syntax = _SheetSyntax.of(main_prefix(data))
        start = syn.sheet_data.search(data, skip)
        if start is None:
            self._held = [data]
            return None
        if data.find(syn.cell_r, skip, start.end()) >= 0:
            self._stage = "whole"
            self._held = [data]
            return None
        lo = start.end()
        if data[lo - 2:lo] == b"/>":
            self._stage = "tail"
            _write_slices(self.write, data, skip, len(data))
            return None
        end = syn.sheet_data_end.search(data, lo)
        cut = end.start() if end is not None else data.rfind(syn.cell_r, lo)
        if cut < 0:
            self._held = [data]
            return None
        # The first piece decides: a sheet not of the split form is edited whole.
        if not self._of_split_form(data, lo, cut):
            self._stage = "whole"
            self._held = [data]
            return None
        self._stage = "cells"
        self._checked = cut - lo   # _cells need not look at these bytes again
        _write_slices(self.write, data, skip, lo)
        return data[lo:]

    def _cells(self, data: bytes, final) -> None:
        """Edit the complete cells of ``data`` (which starts where the last call stopped),
        hand them on and hold the cell not yet complete; at the end of the part
        (``final``) everything."""
        syn = self.syntax
        sep = syn.cell_r
        end = syn.sheet_data_end.search(data)
        if end is None:
            if final:
                raise self._unclosed()
            hi = len(data)
            cut = data.rfind(sep)
        else:
            hi = cut = end.start()
        if cut < 0:
            self._held = [data]
            return
        checked, self._checked = self._checked, 0
        if cut > checked and not self._of_split_form(data, 0, cut):
            raise _Restart(fast=False)
        buf: list = []
        last, left = self._pieces(data, data.find(sep, 0, hi), hi,
                                  len(data) if end is not None else None, buf, 0)
        if end is None:
            buf.append(data[last:left if left >= 0 else cut])
            self.write(b"".join(buf))
            self._held = [data[left if left >= 0 else cut:]]
            self._held_size = len(self._held[0])
            return
        buf.append(data[last:])
        self.write(b"".join(buf))
        self._held = []
        self._stage = "tail"

    def close(self) -> None:
        """The part has been fed whole: hand on the rest."""
        data = b"".join(self._held)
        self._held = []
        stage = self._stage
        if stage == "cells":
            self._cells(data, True)
        elif stage in ("head", "whole"):
            self.run(as_utf8(data, self.path, self.part))


    def _in_range(self, key) -> bool:
        r, c = key
        for r1, c1, r2, c2 in self._ranges:
            if r1 <= r <= r2 and c1 <= c <= c2:
                return True
        return False

    def _token(self, m) -> bytes:
        attrs = m.group("attrs")
        if attrs is None:
            rowattrs = m.group("rowattrs")
            if rowattrs is not None:
                rm = _ROW_R_RE.search(rowattrs)
                self._row = int(rm.group(1)) if rm else self._row + 1
                self._last_ref = None
                self._col = 0
            return m.group(0)
        # Cells nearly always carry r="B7"; look it up by name and work out
        # (row, col) only for cells without one.
        i = attrs.find(b'r="')
        if i >= 0 and (i == 0 or attrs[i - 1] in b" \t\r\n"):
            name = attrs[i + 3:attrs.find(b'"', i + 3)]
            key = self._key(name)
            self._last_ref = name
        else:
            if self._last_ref is not None:
                rm = _R_RE.search(b' r="' + self._last_ref + b'"')
                self._col = column_number(rm.group(1).decode()) if rm else self._col
                self._last_ref = None
            self._col += 1
            key = (self._row, self._col)
            if key not in self.cells:
                key = None
        body = m.group("body") or b""
        syn = self.syntax
        if key is not None and not self.values_only and body[:len(syn.f_start)] == syn.f_start \
                and b"ref=" not in body:
            fast = self._write_formula_cell(attrs, body, key)
            if fast is not None:
                return fast
        fm = None
        if b"ref=" in body:
            fm = syn.f.search(body)
            if fm is not None:
                fattrs = fm.group("fattrs")
                if _get_attr(fattrs, b"t") in (b"array", b"dataTable"):
                    ref = _get_attr(fattrs, b"ref")
                    try:
                        self._ranges.append(parse_range_ref(ref.decode()))
                    except (ValueError, AttributeError):
                        pass
        if key is not None:
            if not self.values_only and body[:len(syn.f_start)] == syn.f_start:
                fast = self._write_formula_cell(attrs, body, key)
                if fast is not None:
                    return fast
            if fm is None and b"<" in body:
                fm = self.syntax.f.search(body)
            if fm is None and not self._in_range(key):
                self.refused.append(key)
                return m.group(0)
            self._mark(key)
            self._current = key
            return self._write_cell(attrs, body, fm, self.cells[key])
        if self.values_only:
            if fm is None and b"<" in body:
                fm = self.syntax.f.search(body)
            if fm is not None:
                return self._strip_formula(attrs, body, fm)
        return m.group(0)

    def _typed(self, key, value) -> Tuple[Optional[str], str, bytes]:
        """:func:`_typed_value` of the result for cell ``key``, or the sentence refusing it;
        with the vm= of an error written as a rich value (else b"")."""
        try:
            t, text = _typed_value(value)
            if t == "e" and text not in _CELL_ERRORS:
                vm = self.rich.get(text)
                return t, "#VALUE!", (b"%d" % vm if vm else b"")
            return t, text, b""
        except TypeError as exc:
            raise WorkbookWriteError(
                self.path, f"cannot take a value of type {exc} in {self.sheet}!"
                f"{cell_name(*key)}; results must be numbers, text, booleans, errors or "
                "empty.") from None

    def _write_formula_cell(self, attrs: bytes, body: bytes, key) -> Optional[bytes]:
        """The common case done with plain byte operations: a formula cell whose
        markup is just <f> and <v>; None sends anything else to _write_cell."""
        syn = self.syntax
        extlst, inline = syn.slow_marks
        if b"vm=" in attrs or b"'" in attrs or extlst in body or inline in body:
            return None
        self._mark(key)
        self._current = key
        t, text, vm = self._typed(key, self.cells[key])
        i = body.find(syn.v_start)
        f_raw = body if i < 0 else body[:i]
        attrs = _with_type(attrs, t, bare_r=False)
        if vm:
            attrs = _with_vm(attrs, vm)
        p = syn.prefix
        space = b' xml:space="preserve"' if t == "str" and text and (
            text[0].isspace() or text[-1].isspace()) else b""
        return b"<" + p + b"c" + attrs + b">" + f_raw + b"<" + p + b"v" + space + b">" + \
            text.encode("utf-8") + b"</" + p + b"v></" + p + b"c>"

    def _write_cell(self, attrs: bytes, body: bytes, fm, value) -> bytes:
        syn = self.syntax
        p = syn.prefix
        t, text, vm = self._typed(self._current, value)
        ext = syn.ext.search(body)
        ext_raw = ext.group(0) if ext else b""
        if self.values_only:
            drop = (b"vm", b"cm")
            if t == "str":
                space = b' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() \
                    else b""
                inner = b"<" + p + b"is><" + p + b"t" + space + b">" + text.encode("utf-8") + \
                    b"</" + p + b"t></" + p + b"is>"
                return _rebuild_start(p, attrs, "inlineStr", drop) + b">" + inner + ext_raw + \
                    b"</" + p + b"c>"
            f_raw = b""
        else:
            # vm points at rich-value metadata describing the old result.
            drop = (b"vm",)
            f_raw = fm.group(0) if fm is not None else b""
        # Excel marks text with outer spaces this way; some readers trim it otherwise.
        space = b' xml:space="preserve"' if t == "str" and text and (
            text[0].isspace() or text[-1].isspace()) else b""
        v = b"<" + p + b"v" + space + b">" + text.encode("utf-8") + b"</" + p + b"v>"
        start = _rebuild_start(p, attrs, t, drop)
        if vm:
            start = _with_vm(start, vm)
        return start + b">" + f_raw + v + ext_raw + b"</" + p + b"c>"

    def _strip_formula(self, attrs: bytes, body: bytes, fm) -> bytes:
        syn = self.syntax
        p = syn.prefix
        vm = syn.v.search(body)
        ext = syn.ext.search(body)
        ext_raw = ext.group(0) if ext else b""
        t = _get_attr(attrs, b"t")
        t = t.decode() if t is not None else None
        if vm is None:
            return _rebuild_start(p, attrs, None, (b"vm", b"cm")) + \
                (b">" + ext_raw + b"</" + p + b"c>" if ext_raw else b"/>")
        if t == "str":
            text = vm.group("vtext") or b""
            space = b' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else b""
            inner = b"<" + p + b"is><" + p + b"t" + space + b">" + text + b"</" + p + b"t></" + \
                p + b"is>"
            return _rebuild_start(p, attrs, "inlineStr", (b"cm",)) + b">" + inner + ext_raw + \
                b"</" + p + b"c>"
        return _rebuild_start(p, attrs, t, (b"cm",)) + b">" + vm.group(0) + ext_raw + \
            b"</" + p + b"c>"


# --------------------------------------------------------------------------- zip copying


def _raw_copy(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Copy one member's compressed bytes unchanged; False if this zipfile cannot."""
    try:
        fp = zin.fp
        fp.seek(info.header_offset)
        header = fp.read(30)
        if header[:4] != b"PK\x03\x04" or info.flag_bits & 0x01:
            return False
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        data_at = info.header_offset + 30 + name_len + extra_len
        if data_at + info.compress_size > os.fstat(fp.fileno()).st_size:
            return False
        new = zipfile.ZipInfo(info.filename, info.date_time)
        for attr in ("compress_type", "comment", "create_system", "create_version",
                     "extract_version", "flag_bits", "volume", "internal_attr", "external_attr",
                     "CRC", "compress_size", "file_size"):
            setattr(new, attr, getattr(info, attr))
        # Sizes go in the local header, so no data descriptor follows the data.
        new.flag_bits &= ~0x08
        new.extra = zipfile._strip_extra(info.extra, (1,)) if hasattr(zipfile, "_strip_extra") \
            else b""
        if info.file_size >= zipfile.ZIP64_LIMIT or info.compress_size >= zipfile.ZIP64_LIMIT:
            return False
        out = zout.fp
        if getattr(zout, "_seekable", True):
            out.seek(zout.start_dir)
        new.header_offset = out.tell()
        zout._writecheck(new)
        zout._didModify = True
        out.write(new.FileHeader(False))
        # Streamed: a large image or video in the workbook is never held whole.
        fp.seek(data_at)
        left = info.compress_size
        while left:
            chunk = fp.read(min(left, _COPY_CHUNK))
            if not chunk:
                raise WorkbookWriteError(zin.filename, f"is a damaged zip package: "
                                         f"{info.filename} ends early.")
            out.write(chunk)
            left -= len(chunk)
        zout.start_dir = out.tell()
        zout.filelist.append(new)
        zout.NameToInfo[new.filename] = new
        return True
    except (AttributeError, TypeError, io.UnsupportedOperation):
        return False


_COPY_CHUNK = 1 << 20


def _member_like(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A new zip member with ``info``'s name, time, attributes and method (stored or
    deflated; any other method is deflated), keeping only the UTF-8 file name flag."""
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type if info.compress_type in (
        zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) else zipfile.ZIP_DEFLATED
    new.external_attr = info.external_attr
    new.create_system = info.create_system
    new.comment = info.comment
    new.flag_bits = info.flag_bits & 0x800
    return new


def _stream_copy(pkg: Package, zout: zipfile.ZipFile, info: zipfile.ZipInfo):
    """Copy one member by inflating and deflating it piece by piece, within the limits."""
    big = info.file_size >= zipfile.ZIP64_LIMIT
    with zout.open(_member_like(info), "w", force_zip64=big) as out:
        pkg.inflate_into(info, out.write)


# Level 3 deflates a large sheet about twice as fast as the default 6, for a file
# about 14 % larger; rewritten parts are the only ones compressed anew.
_REWRITE_LEVEL = 3


def _rewrite(zout: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes):
    zout.writestr(_member_like(info), data, compresslevel=_REWRITE_LEVEL)


def _write_slices(write, data: bytes, lo: int, hi: int):
    """Hand ``data[lo:hi]`` to ``write`` in pieces of at most 1 MB, without copying it."""
    view = memoryview(data)
    for at in range(lo, hi, _COPY_CHUNK):
        write(view[at:min(at + _COPY_CHUNK, hi)])


# --------------------------------------------------------------------------- spill ranges

_TAG_ATTRS = rb"""(?:[^>"'/]|"[^"]*"|'[^']*'|/(?!>))*"""


def _area_ref(area) -> bytes:
    r1, c1, r2, c2 = area
    first = cell_name(r1, c1)
    return (first if (r1, c1) == (r2, c2) else f"{first}:{cell_name(r2, c2)}").encode()


def _resize_spills(xml: bytes, spills: Mapping) -> bytes:
    """The sheet with each dynamic array's spill range set to its new size.

    ``spills`` maps an anchor (row, col) to (old area, new area).  The anchor's
    ``ref`` becomes the new area; cells of the old area outside the new one lose
    their value (keeping their style); cells of the new area missing from the sheet
    are added, empty, in row and column order, for the value writer to fill.  Only
    the rows concerned are rebuilt."""
    p = main_prefix(xml)
    q = re.escape(p)
    row_re = re.compile(rb"<" + q + rb"row\b(" + _TAG_ATTRS + rb")(?:/>|>(.*?)</" + q + rb"row\s*>)",
                        re.S)
    cell_re = re.compile(rb"<" + q + rb"c\b(" + _TAG_ATTRS + rb")(?:/>|>.*?</" + q + rb"c\s*>)",
                         re.S)
    clear: Dict[int, set] = {}
    add: Dict[int, set] = {}
    anchors: Dict[Tuple[int, int], bytes] = {}
    for (ar, ac), (old, new) in spills.items():
        anchors[(ar, ac)] = _area_ref(new)
        for r in range(old[0], old[2] + 1):
            for c in range(old[1], old[3] + 1):
                if not (new[0] <= r <= new[2] and new[1] <= c <= new[3]):
                    clear.setdefault(r, set()).add(c)
        for r in range(new[0], new[2] + 1):
            for c in range(new[1], new[3] + 1):
                add.setdefault(r, set()).add(c)
    touched = set(clear) | set(add) | {r for r, _ in anchors}
    start = re.search(rb"<" + q + rb"sheetData\b" + _TAG_ATTRS + rb"(/?)>", xml)
    if start is None:
        return xml
    if start.group(1):   # <sheetData/>: give it a body
        xml = xml[:start.start()] + b"<" + p + b"sheetData></" + p + b"sheetData>" + \
            xml[start.end():]
        start = re.search(rb"<" + q + rb"sheetData\b" + _TAG_ATTRS + rb">", xml)
    end = re.search(rb"</" + q + rb"sheetData\s*>", xml[start.end():])
    lo, hi = start.end(), start.end() + end.start()
    body = xml[lo:hi]
    out, last, seen_rows = [], 0, set()

    def new_row(r, cols):
        return b"<" + p + b'row r="%d">' % r + b"".join(
            b"<" + p + b'c r="' + cell_name(r, c).encode() + b'"/>' for c in sorted(cols)) + \
            b"</" + p + b"row>"

    pending_rows = sorted(r for r in add if r)
    for m in row_re.finditer(body):
        rm = _ROW_R_RE.search(m.group(1))
        if rm is None:
            continue
        r = int(rm.group(1))
        seen_rows.add(r)
        while pending_rows and pending_rows[0] < r:
            pr = pending_rows.pop(0)
            if pr not in seen_rows:
                out.append(body[last:m.start()])
                out.append(new_row(pr, add[pr]))
                last = m.start()
        if pending_rows and pending_rows[0] == r:
            pending_rows.pop(0)
        if r not in touched:
            continue
        cells = []
        for cm in cell_re.finditer(m.group(2) or b""):
            nm = _R_RE.search(cm.group(1))
            if nm is None:
                break
            c = column_number(nm.group(1).decode())
            raw = cm.group(0)
            if c in clear.get(r, ()):
                style = _get_attr(cm.group(1), b"s")
                raw = b"<" + p + b'c r="' + cell_name(r, c).encode() + b'"' + \
                    (b' s="' + style + b'"' if style is not None else b"") + b"/>"
            elif (r, c) in anchors:
                raw = re.sub(rb'(<' + q + rb'f\b[^>]*?\bref\s*=\s*")[^"]*(")',
                             lambda x: x.group(1) + anchors[(r, c)] + x.group(2), raw, count=1)
            cells.append((c, raw))
        else:
            have = {c for c, _ in cells}
            cells += [(c, b"<" + p + b'c r="' + cell_name(r, c).encode() + b'"/>')
                      for c in add.get(r, ()) if c not in have]
            cells.sort(key=lambda x: x[0])
            # spans is a hint of the columns a row uses; an old one would mislead
            attrs = re.sub(rb'\sspans\s*=\s*"[^"]*"', b"", m.group(1))
            out.append(body[last:m.start()])
            out.append(b"<" + p + b"row" + attrs + b">" + b"".join(raw for _, raw in cells) +
                       b"</" + p + b"row>")
            last = m.end()
    out.append(body[last:])
    out += [new_row(r, add[r]) for r in pending_rows if r not in seen_rows]
    return xml[:lo] + b"".join(out) + xml[hi:]


# --------------------------------------------------------------------------- package edits

CALC_CHAIN_REL = "/calcChain"


def _remove_calc_chain_refs(ct_xml: bytes, rels_xml: bytes, part: str) -> Tuple[bytes, bytes]:
    ct_xml = re.sub(rb"<(?:[\w.-]+:)?Override\b[^>]*PartName\s*=\s*[\"']/?"
                    + re.escape(part.encode()) + rb"[\"'][^>]*?(?:/>|>\s*</(?:[\w.-]+:)?Override>)",
                    b"", ct_xml, flags=re.I)
    rels_xml = re.sub(rb"<(?:[\w.-]+:)?Relationship\b[^>]*Type\s*=\s*[\"'][^\"']*/calcChain[\"']"
                      rb"[^>]*?(?:/>|>\s*</(?:[\w.-]+:)?Relationship>)", b"", rels_xml)
    return ct_xml, rels_xml


def _sheet_parts(pkg: Package, wb_part: str) -> Dict[str, Tuple[Optional[str], str]]:
    """Sheet name -> (part, kind), in workbook order; (None, "module") for a sheet listed
    with an empty r:id (an Excel 5 module or dialog sheet, kept in the VBA project)."""
    wb = pkg.xml(wb_part)
    rels = pkg.rels(wb_part)
    out: Dict[str, Tuple[Optional[str], str]] = {}
    for el in wb.iter():
        if local_name(el.tag) != "sheet":
            continue
        rid = el.get(f"{{{REL_NS}}}id") or el.get(f"{{{STRICT_REL_NS}}}id")
        if not rid:
            out[el.get("name", "")] = (None, "module")
            continue
        rel = rels.get(rid)
        if rel is None:
            continue
        part = pkg.find(rel[1])
        if part is not None:
            out[el.get("name", "")] = (part, rel[0].rpartition("/")[2])
    return out


def write_values(src, dst, values: Mapping[str, Mapping[Tuple[int, int], object]], *,
                 values_only: bool = False, limits: Optional[Limits] = None,
                 spills: Optional[Mapping] = None,
                 error_codes: Optional[Iterable[str]] = None) -> None:
    """Copy workbook ``src`` to ``dst`` with new cached values for its formula cells.

    ``values`` maps sheet name -> {(row, col): value}; a value is a number, str,
    bool, CellError, or None / "" for an empty result.  Only those cells'
    ``<v>`` and ``t`` change.  With ``values_only`` every formula is removed,
    leaving its value, and the calculation chain and the tables' column formulas
    go too.  ``spills`` ({sheet: {anchor: (old area, new area)}}) resizes the spill
    ranges of dynamic arrays whose result changed size.  ``error_codes``, when given, are
    the error values among ``values`` (else they are looked for).  ``dst`` may be
    ``src``: the file is replaced atomically.
    """
    src = os.fspath(src)
    dst = os.fspath(dst)
    try:
        pkg = Package(src, limits)
    except WorkbookReadError as exc:
        raise WorkbookWriteError(src, exc.problem) from None
    try:
        try:
            wb_part = workbook_part(pkg)
            sheets = _sheet_parts(pkg, wb_part)
        except WorkbookReadError as exc:
            raise WorkbookWriteError(src, exc.problem) from None
        folded = {name.casefold(): name for name in sheets}
        edits: Dict[str, Tuple[str, Mapping]] = {}
        for sheet_name, cells in values.items():
            name = sheet_name if sheet_name in sheets else folded.get(str(sheet_name).casefold())
            if name is None:
                raise WorkbookWriteError(src, f"has no sheet named {sheet_name!r}; its sheets "
                                         f"are {', '.join(repr(s) for s in sheets)}.")
            if not cells:
                continue
            part = sheets[name][0]
            if part is None:
                raise WorkbookWriteError(src, f"cannot hold cells on sheet {name!r}: it is a "
                                         "module or dialog sheet kept in the VBA project.")
            edits[part] = (name, cells)
        resized = {}
        for sheet_name, areas in (spills or {}).items():
            name = sheet_name if sheet_name in sheets else folded.get(str(sheet_name).casefold())
            if name is not None and areas and sheets[name][0] is not None:
                resized[sheets[name][0]] = areas
        if values_only:
            for name, (part, kind) in sheets.items():
                if kind in ("worksheet", "macrosheet") and part is not None and part not in edits:
                    edits[part] = (name, {})

        calc_chain = None
        wb_rels_part = None
        if values_only:
            folder, base = wb_part.rsplit("/", 1) if "/" in wb_part else ("", wb_part)
            wb_rels_part = pkg.find(f"{folder}/_rels/{base}.rels" if folder
                                    else f"_rels/{base}.rels")
            for rel_type, target, _ in pkg.rels(wb_part).values():
                if rel_type.endswith(CALC_CHAIN_REL):
                    calc_chain = pkg.find(target)

        rich = _rich_plan(pkg, wb_part, values, error_codes)
        _atomic_write(dst, lambda fh: _write_package(pkg, fh, edits, values_only, calc_chain,
                                                     wb_rels_part, resized, rich))
    finally:
        pkg.close()


def _rich_plan(pkg: Package, wb_part: str, values,
               codes: Optional[Iterable[str]]) -> Optional[richwrite.RichPlan]:
    """How the errors Excel keeps as rich values (#SPILL!, #CALC! ...) among ``values``
    (``codes`` of them, if known) are written; None when there are none (or the package
    cannot take them: they are then written as plain #VALUE!)."""
    if codes is None:
        codes = set()
        for cells in values.values():
            codes.update(v for v in cells.values() if v.__class__ is CellError)
    codes = set(map(str, codes)) - _CELL_ERRORS
    return richwrite.plan(pkg, wb_part, codes) if codes else None


# A table column's formula, which Excel would otherwise fill into the column again
# (and flag every value-only cell of it as inconsistent).
_CALCULATED_COLUMN = re.compile(
    rb"<(\w+:)?calculatedColumnFormula\b[^>]*?(?:/>|>.*?</\1?calculatedColumnFormula>)", re.S)


def _table_parts(pkg: Package, edits) -> set:
    parts = set()
    for sheet_part in edits:
        for rel_type, target, mode in pkg.rels(sheet_part).values():
            if mode != "External" and rel_type.endswith("/table"):
                part = pkg.find(target)
                if part is not None:
                    parts.add(part)
    return parts


def _write_package(pkg: Package, fh, edits, values_only, calc_chain, wb_rels_part,
                   resized=None, rich=None):
    ways: Dict[str, _Restart] = {}   # sheet parts to edit the slower way, if any
    unpacked = pkg.unpacked
    while True:
        try:
            _write_members(pkg, fh, edits, values_only, calc_chain, wb_rels_part, resized, ways,
                           rich)
            return
        except _Restart as again:
            way = ways.setdefault(again.part, _Restart(again.part))
            way.fast = way.fast and again.fast
            way.track = way.track or again.track
            fh.seek(0)
            fh.truncate()
            pkg.unpacked = unpacked   # the parts read again are not counted twice


def _write_members(pkg: Package, fh, edits, values_only, calc_chain, wb_rels_part, resized,
                   ways, rich=None):
    zin = pkg.zip
    ct_xml = rels_xml = None
    tables = _table_parts(pkg, edits) if values_only else set()
    ct_name = pkg.find("[Content_Types].xml")
    if values_only and calc_chain:
        ct_xml, rels_xml = _remove_calc_chain_refs(
            pkg.text(ct_name) if ct_name else b"", pkg.text(wb_rels_part) if wb_rels_part
            else b"", calc_chain)
    vm: Mapping[str, int] = {}
    if rich is not None:
        # the rich errors' parts, the content types and the workbook's relationships
        vm = rich.vm
        ct_xml = rich.content_types(ct_xml if ct_xml is not None else pkg.text(ct_name))
        if rels_xml is None or wb_rels_part != pkg.find(rich.wb_rels_part):
            assert rels_xml is None, "the workbook's relationships are edited once"
            wb_rels_part = pkg.find(rich.wb_rels_part)
            rels_xml = pkg.text(wb_rels_part)
        rels_xml = rich.workbook_rels(rels_xml)
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            name = info.filename
            if name in edits:
                sheet_name, cells = edits[name]
                try:
                    _write_sheet(pkg, zout, info, sheet_name, cells, values_only,
                                 resized.get(name) if resized else None,
                                 ways.get(name, _Restart(name)), vm)
                except _Restart as again:
                    again.part = name
                    raise
            elif values_only and calc_chain and name == calc_chain:
                continue
            elif name in tables and b"calculatedColumnFormula" in (xml := pkg.text(name)):
                _rewrite(zout, info, _CALCULATED_COLUMN.sub(b"", xml))
            elif rich is not None and name in rich.parts:
                _rewrite(zout, info, rich.parts[name])
            elif ct_xml is not None and name == ct_name:
                _rewrite(zout, info, ct_xml)
            elif rels_xml is not None and name == wb_rels_part:
                _rewrite(zout, info, rels_xml)
            elif not _raw_copy(zin, zout, info):
                _stream_copy(pkg, zout, info)
        for name in rich.new_parts if rich is not None else ():
            new = zipfile.ZipInfo(name, zin.infolist()[0].date_time)
            new.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(new, rich.parts[name], compresslevel=_REWRITE_LEVEL)


def _write_sheet(pkg: Package, zout: zipfile.ZipFile, info: zipfile.ZipInfo, sheet_name,
                 cells, values_only, spills, way: _Restart, rich: Mapping[str, int]):
    """Edit one sheet part into the package as it goes: the new part is never held whole,
    and the old one only when it must be edited whole (spill ranges to resize, a sheet in
    UTF-16, without a value to keep, or not of the usual form)."""
    new = _member_like(info)
    new._compresslevel = _REWRITE_LEVEL   # type: ignore[attr-defined]
    with zout.open(new, "w", force_zip64=info.file_size > zipfile.ZIP64_LIMIT // 4) as out:
        with _Behind(out.write) if info.file_size >= _BEHIND_FROM else nullcontext(out) as sink:
            edit = _SheetEdit(pkg.path, info.filename, sheet_name, cells, values_only,
                              sink.write, fast=way.fast, track=way.track, rich=rich)
            if spills:
                # A sheet in UTF-16 (or another declared encoding) is written back in UTF-8.
                edit.run(_resize_spills(pkg.text(info.filename), spills))
            else:
                pkg.inflate_into(info, edit.feed)
                edit.close()
    if edit.refused:
        cells_text = ", ".join(cell_name(*k) for k in sorted(edit.refused)[:5])
        raise WorkbookWriteError(
            pkg.path, f"has no formula in {sheet_name}!{cells_text}; refusing to "
            "overwrite input cells with results.")
    missing = edit.missing()
    if missing is None:
        raise _Restart(info.filename, track=True)
    if missing:
        cells_text = ", ".join(cell_name(*k) for k in sorted(missing)[:5])
        raise WorkbookWriteError(
            pkg.path, f"has no cell {sheet_name}!{cells_text} to take a result; "
            "only existing formula cells can be written.")


# Sheet parts of this many bytes or more are deflated behind the editing (_Behind).
_BEHIND_FROM = 2 << 20


class _Behind:
    """A sink that hands its pieces to ``write`` (a zip member's: CRC, deflate, the file)
    in a thread of its own, in order, a few pieces behind: zlib lets go of the interpreter
    while it deflates, so the next piece is edited meanwhile.  Leaving the ``with`` block
    waits for every piece to be written; an error of ``write`` is raised in the caller,
    and after an error of the caller the pieces still queued are dropped."""

    def __init__(self, write):
        self._write = write
        self._queue: "queue.Queue" = queue.Queue(maxsize=2)
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, name="kpi-xl deflate", daemon=True)

    def __enter__(self) -> "_Behind":
        self._thread.start()
        return self

    def _run(self):
        while True:
            piece = self._queue.get()
            if piece is None:
                return
            if self._error is None:
                try:
                    self._write(piece)
                except BaseException as exc:   # handed to the caller
                    self._error = exc

    def write(self, piece) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(piece)

    def __exit__(self, kind, exc, tb):
        if kind is not None and self._error is None:
            self._error = exc   # drop what is still queued
        self._queue.put(None)
        self._thread.join()
        if kind is None and self._error is not None:
            raise self._error
        return False


def _atomic_write(dst: str, produce):
    atomic_write(dst, produce)
