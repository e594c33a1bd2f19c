"""Value model of the evaluator.

A cell value is ``None`` (blank), ``float``/``int``, ``bool``, ``str`` or an
:class:`XlErr`.  Arrays (range contents, array results) are :class:`Arr`: a list
of rows.  References travel as :class:`Ref` until a function asks for values.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

from ..core.errors import ERROR_CODES as ERROR_CODES, CellError  # the one list lives in core
# Excel's coercion of text to a number, beside the KPI inputs' stricter reading (see there).
from ..core.values import excel_number_text as parse_number_text
from .datetext import datetime_text_or_none


class XlErr:
    """An Excel error value (interned: compare with ``is`` or ``==``)."""

    __slots__ = ("code",)
    _interned: dict = {}

    def __new__(cls, code):
        obj = cls._interned.get(code)
        if obj is None:
            obj = object.__new__(cls)
            obj.code = code
            cls._interned[code] = obj
        return obj

    def __repr__(self):
        return self.code

    __str__ = __repr__

    def __reduce__(self):
        return (XlErr, (self.code,))


def core_value(v):
    """An engine value as the core, the reader and the writer hold it: an error as a
    :class:`~kpi_xl.core.errors.CellError`, anything else unchanged."""
    return CellError(v.code) if type(v) is XlErr else v


def engine_value(v):
    """A value of the core, the reader or the writer as the engine holds it: a
    :class:`~kpi_xl.core.errors.CellError` as the interned :class:`XlErr`."""
    return XlErr(str(v)) if isinstance(v, CellError) else v


NULL = XlErr("#NULL!")
DIV0 = XlErr("#DIV/0!")
VALUE = XlErr("#VALUE!")
REF = XlErr("#REF!")
NAME = XlErr("#NAME?")
NUM = XlErr("#NUM!")
NA = XlErr("#N/A")
CALC = XlErr("#CALC!")
SPILL = XlErr("#SPILL!")


#: The largest magnitude a formula can produce (Excel's specification: 1.7976931348623158E+308
#: "via formula"; 9.99999999999999E+307 is only the largest that can be typed). Beyond it,
#: and for infinities and NaN, Excel shows #NUM!.
MAX_NUMBER = 1.7976931348623157e308
#: Integers past 2**53 are no longer exact in a double: Python's exact integers are
#: rounded to the double Excel would hold from there on.
_EXACT_INT = 2 ** 53
#: The most characters (UTF-16 code units) a cell's text can hold; longer results are #VALUE!.
MAX_TEXT = 32767


def utf16_len(s: str) -> int:
    """Length of ``s`` as Excel counts it: in UTF-16 code units (an emoji counts 2)."""
    n = len(s)
    if s.isascii():
        return n
    return n + sum(1 for ch in s if ord(ch) > 0xFFFF)


def checked(v):
    """A function's result as Excel can hold it: #NUM! for infinities, NaN and magnitudes
    past :data:`MAX_NUMBER`, exact integers past 2**53 rounded to a double, #VALUE! for
    text longer than :data:`MAX_TEXT`; anything else unchanged."""
    t = type(v)
    if t is float:
        if not -MAX_NUMBER <= v <= MAX_NUMBER:   # NaN fails both comparisons
            return NUM
    elif t is int:
        if not -_EXACT_INT <= v <= _EXACT_INT:
            try:
                v = float(v)
            except OverflowError:
                return NUM
            if not -MAX_NUMBER <= v <= MAX_NUMBER:
                return NUM
    elif t is str:
        if len(v) > MAX_TEXT // 2 and utf16_len(v) > MAX_TEXT:
            return VALUE
    elif t is Arr:
        rows = v.rows
        if type(rows) is Tail:   # the rows read and the one repeated row
            head, fill = checked(Arr(rows.head)), checked(Arr([rows.fill]))
            if head.rows is rows.head and fill.rows[0] is rows.fill:
                return v
            return Arr(Tail(head.rows, rows.n, fill.rows[0]))
        for i, row in enumerate(rows):
            for j, x in enumerate(row):
                tx = type(x)
                if tx is float or tx is int or tx is str:
                    y = checked(x)
                    if y is not x:
                        if rows is v.rows:   # never change an array someone else holds
                            rows = [list(r) for r in v.rows]
                        rows[i][j] = y
        if rows is not v.rows:
            return Arr(rows)
    return v


class ExcelRaise(Exception):
    """Raised inside function implementations to return an error value."""

    def __init__(self, err: XlErr):
        super().__init__(err.code)
        self.err = err


class Arr:
    """A 2-D array value: ``rows`` is a list of equal-length lists, or a :class:`Tail`
    standing for as many."""

    __slots__ = ("rows",)

    def __init__(self, rows):
        self.rows = rows

    @property
    def shape(self):
        return len(self.rows), (len(self.rows[0]) if self.rows else 0)

    def flat(self):
        for row in self.rows:
            yield from row

    def first(self):
        return self.rows[0][0] if self.rows and self.rows[0] else None

    def __repr__(self):
        return f"Arr({self.rows!r})"


#: The most cells an element-wise operation or an array function writes out one by one
#: where a large range's blank rest (a :class:`~.values.Tail`) cannot stay one repeated row
#: (it meets an array of another height, or a whole row's columns past the used area); past
#: it the cell is #NUM! and the report says why (the evaluator's CalcReport.beyond_limits).
MAX_SPREAD_CELLS = 2_000_000


class Tail(Sequence):
    """The rows of an array as tall as a large range read only as far as its used area:
    the rows read (``head``), then ``n - len(head)`` rows that all hold the values of one
    row, ``fill`` (blanks past the used area, or what an element-wise operation made of a
    blank: ``A:A=""`` is TRUE there).  A read-only sequence of all ``n`` rows, so that
    whatever reads an array row by row sees Excel's shape, without a list of a million
    rows; the element-wise operations and the reducers that know it compute ``fill`` once
    (``broadcast`` and ``iter_values`` in functions/helpers.py)."""

    __slots__ = ("head", "n", "fill")

    def __init__(self, head, n, fill):
        self.head = head
        self.n = n
        self.fill = fill

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if type(i) is slice:
            start, stop, step = i.indices(self.n)
            k = len(self.head)
            if step != 1:
                return [self[x] for x in range(start, stop, step)]
            if stop <= k:
                return self.head[start:stop]
            if stop <= start:
                return []
            return Tail(self.head[start:k], stop - start, self.fill)
        if i < 0:
            i += self.n
        if 0 <= i < len(self.head):
            return self.head[i]
        if 0 <= i < self.n:
            return self.fill
        raise IndexError("array row out of range")

    def __iter__(self):
        yield from self.head
        yield from repeat(self.fill, self.n - len(self.head))

    def __add__(self, other):
        return list(self) + list(other)

    def __radd__(self, other):
        return list(other) + list(self)

    def __repr__(self):
        return f"Tail({self.head!r}, {self.n}, {self.fill!r})"


class Ref:
    """A rectangular reference: sheet name and 1-based inclusive bounds."""

    __slots__ = ("sheet", "r1", "c1", "r2", "c2")

    def __init__(self, sheet, r1, c1, r2, c2):
        self.sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2

    @property
    def shape(self):
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1

    @property
    def is_cell(self):
        return self.r1 == self.r2 and self.c1 == self.c2

    def key(self):
        return (self.sheet, self.r1, self.c1, self.r2, self.c2)

    def __eq__(self, other):
        return isinstance(other, Ref) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        return f"Ref({self.sheet!r}, {self.r1}, {self.c1}, {self.r2}, {self.c2})"


class MultiRef:
    """A union of references ``(A1:B2, D4)``: only some functions accept it."""

    __slots__ = ("refs",)

    def __init__(self, refs):
        self.refs = refs


def is_number(v):
    return (type(v) is float or type(v) is int) or (
        isinstance(v, (int, float)) and not isinstance(v, bool))


def fmt_number(v) -> str:
    """Number → text as Excel's General format shows it in formulas (15 digits)."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if -1 < v < 1:
        # Below 1 Excel writes the decimals out while "0." and its zeros and digits take
        # 20 characters at most (0.00001, 0.0000012345678), past that the exponent form
        mant, _, exp = f"{abs(v):.14e}".partition("e")
        e = int(exp)
        if e < 0:
            digits = mant.replace(".", "").rstrip("0")
            if 2 + (-e - 1) + len(digits) <= 20:
                return ("-" if v < 0 else "") + "0." + "0" * (-e - 1) + digits
    s = f"{v:.15G}"
    if "E" in s:
        mant, exp = s.split("E")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        sign = exp[0] if exp[0] in "+-" else "+"
        digits = exp.lstrip("+-").lstrip("0") or "0"
        return f"{mant}E{sign}{digits.zfill(2)}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def to_number(v):
    """Coerce a scalar for arithmetic; errors pass through as ``ExcelRaise``."""
    t = type(v)
    if t is float or t is int:
        return v
    if v is None:
        return 0
    if t is bool:
        return 1 if v else 0
    if t is str:
        n = parse_number_text(v)
        if n is None:
            n = _date_text(v)
            if n is None:
                raise ExcelRaise(VALUE)
        return n
    if t is XlErr:
        raise ExcelRaise(v)
    if isinstance(v, (int, float)):
        return v
    raise ExcelRaise(VALUE)


def _date_text(s):
    if s != s.strip():
        return None  # " 2024-01-10 " is not a date to Excel, though " 10 " is a number
    return datetime_text_or_none(s)


def to_text(v) -> str:
    t = type(v)
    if t is str:
        return v
    if v is None:
        return ""
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is XlErr:
        raise ExcelRaise(v)
    return fmt_number(v)


def to_bool(v) -> bool:
    t = type(v)
    if t is bool:
        return v
    if t is float or t is int:
        return v != 0
    if v is None:
        return False
    if t is str:
        u = v.upper()
        if u == "TRUE":
            return True
        if u == "FALSE":
            return False
        raise ExcelRaise(VALUE)
    if t is XlErr:
        raise ExcelRaise(v)
    return bool(v)


_CJK_KEYS: dict = {}


def text_key(low: str) -> str:
    """The key that orders lowercased text as Excel does in Chinese: ideographs after every
    other letter, the common ones (GB2312's first level) in pinyin order, which is the order
    of their GB2312 codes, then its second level, then the rest in Unicode order.
    ``LOOKUP("座",A:A)`` finds a column's last name because 座 comes last in pinyin order.
    Text without ideographs is its own key."""
    if low.isascii():
        return low
    key = _CJK_KEYS.get(low)
    if key is None:
        out = []
        for ch in low:
            if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
                try:
                    b = ch.encode("gb2312")
                except UnicodeEncodeError:
                    b = b""
                out.append(chr(0xF0000 + (b[0] << 8 | b[1])) if len(b) == 2 and b[0] >= 0xB0
                           else chr(0x100000 + ord(ch)))
            else:
                out.append(ch)
        key = "".join(out)
        if len(_CJK_KEYS) < 100_000:
            _CJK_KEYS[low] = key
    return key


def _type_rank(v):
    # Excel's ordering across types in comparisons: numbers < text < logicals.
    if isinstance(v, bool):
        return 2
    if isinstance(v, str):
        return 1
    return 0


def compare(a, b) -> int:
    """Excel comparison of two scalars: -1, 0, 1 (blank acts as 0 / "" / FALSE)."""
    ta, tb = type(a), type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        # The common case, numbers; Excel compares them to 15 significant digits.
        if a == b:
            return 0
        if a != 0 and b != 0 and abs(a - b) <= 1e-15 * max(abs(a), abs(b)) * 4:
            return 0
        return 1 if a > b else -1
    if a is None:
        a = "" if isinstance(b, str) else (False if isinstance(b, bool) else 0)
    if b is None:
        b = "" if isinstance(a, str) else (False if isinstance(a, bool) else 0)
    ra, rb = _type_rank(a), _type_rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 1:
        a, b = a.lower(), b.lower()
        if not (a.isascii() and b.isascii()):
            a, b = text_key(a), text_key(b)
    elif ra == 0:
        # Excel compares numbers to 15 significant digits.
        if a == b:
            return 0
        if a != 0 and b != 0 and abs(a - b) <= 1e-15 * max(abs(a), abs(b)) * 4:
            return 0
    return (a > b) - (a < b)
