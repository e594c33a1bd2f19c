"""Number-system conversions (DEC2BIN, HEX2DEC, BASE, ...): ten-digit two's complement
for negatives, as Excel writes them."""
from __future__ import annotations

import math

from ..values import NUM, VALUE, ExcelRaise, to_number, to_text
from . import excel
from .helpers import elementwise

_RADIX = {"BIN": 2, "OCT": 8, "DEC": 10, "HEX": 16}
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _bits(radix):
    return {2: 10, 8: 30, 16: 40}[radix]


def _parse(text, radix):
    """A BIN/OCT/HEX argument (up to ten digits, two's complement) as an integer."""
    if isinstance(text, bool):
        raise ExcelRaise(VALUE)
    if isinstance(text, (int, float)):
        if text < 0 or text != int(text):
            raise ExcelRaise(NUM)
        s = str(int(text))
    else:
        s = to_text(text).strip()
    if s == "":
        return 0
    if len(s) > 10:
        raise ExcelRaise(NUM)
    try:
        n = int(s, radix)
    except ValueError:
        raise ExcelRaise(NUM)
    if any(ch in "+-" for ch in s):
        raise ExcelRaise(NUM)
    bits = _bits(radix)
    if len(s) == 10 and n >= 1 << (bits - 1):
        n -= 1 << bits
    return n


def _places(given):
    if not given:
        return None
    places = given[0]
    if places is None:
        raise ExcelRaise(NUM)  # a blank cell is a places of 0
    if isinstance(places, bool):
        raise ExcelRaise(VALUE)
    p = math.trunc(to_number(places))
    if p < 1 or p > 10:
        raise ExcelRaise(NUM)
    return p


def _render(n, radix, p):
    bits = _bits(radix)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if n < lo or n > hi:
        raise ExcelRaise(NUM)
    if n < 0:
        # negatives always take all ten digits; places is ignored
        return _digits(n + (1 << bits), radix).rjust(10, _DIGITS[radix - 1])
    s = _digits(n, radix)
    if p is not None:
        if p < len(s):
            raise ExcelRaise(NUM)
        s = s.rjust(p, "0")
    return s


def _digits(n, radix):
    if n == 0:
        return "0"
    out = []
    while n:
        n, d = divmod(n, radix)
        out.append(_DIGITS[d])
    return "".join(reversed(out))


def _dec_arg(v):
    if isinstance(v, bool):
        raise ExcelRaise(VALUE)
    x = to_number(v)
    return math.trunc(x)


def _make(src, dst):
    rs, rd = _RADIX[src], _RADIX[dst]
    if src == "DEC":
        def fn(n, *places):
            p = _places(places)
            return _render(_dec_arg(n), rd, p)
    elif dst == "DEC":
        def fn(text):
            return _parse(text, rs)
    else:
        def fn(text, *places):
            p = _places(places)
            return _render(_parse(text, rs), rd, p)
    fn.__name__ = f"{src}2{dst}"
    return fn


for _s in _RADIX:
    for _d in _RADIX:
        if _s != _d:
            _max = 1 if _d == "DEC" else 2
            excel(f"{_s}2{_d}", min_args=1, max_args=_max)(elementwise(_make(_s, _d)))


@excel("BASE", min_args=2, max_args=3)
@elementwise
def BASE(n, radix, min_length=None):
    """Converts a number into a text representation with the given radix (base)."""
    x = to_number(n)
    r = math.trunc(to_number(radix))
    if x < 0 or x >= 2 ** 53 or r < 2 or r > 36:
        raise ExcelRaise(NUM)
    s = _digits(math.trunc(x), r)
    if min_length is not None:
        k = math.trunc(to_number(min_length))
        if k < 0 or k > 255:
            raise ExcelRaise(NUM)
        s = s.rjust(k, "0")
    return s


@excel("DECIMAL", min_args=2, max_args=2)
@elementwise
def DECIMAL(text, radix):
    """Converts a text representation of a number in a given base into a decimal number."""
    r = math.trunc(to_number(radix))
    if r < 2 or r > 36:
        raise ExcelRaise(NUM)
    s = to_text(text).strip()
    if len(s) > 255:
        raise ExcelRaise(VALUE)
    if s == "":
        return 0
    try:
        return int(s, r)
    except ValueError:
        raise ExcelRaise(NUM)


# -- BITAND, BITOR, BITXOR, BITLSHIFT, BITRSHIFT, DELTA -----------------------------------
_BIT_LIMIT = 1 << 48     # Excel's bit functions take and give integers 0 <= n < 2^48


def _bit_operand(x):
    n = to_number(x)
    if n < 0 or n != int(n) or n >= _BIT_LIMIT:
        raise ExcelRaise(NUM)
    return int(n)


def _bitwise(op):
    def fn(a, b):
        return float(op(_bit_operand(a), _bit_operand(b)))
    return elementwise(fn)


excel("BITAND", min_args=2, max_args=2)(_bitwise(lambda a, b: a & b))
excel("BITOR", min_args=2, max_args=2)(_bitwise(lambda a, b: a | b))
excel("BITXOR", min_args=2, max_args=2)(_bitwise(lambda a, b: a ^ b))


def _shift(direction):
    def fn(number, shift):
        n = _bit_operand(number)
        k = to_number(shift)
        if abs(k) > 53:
            raise ExcelRaise(NUM)
        k = int(k) * direction          # a fraction of a bit is cut off, as Excel does
        out = n << k if k >= 0 else n >> -k
        if out >= _BIT_LIMIT:
            raise ExcelRaise(NUM)
        return float(out)
    return elementwise(fn)


excel("BITLSHIFT", min_args=2, max_args=2)(_shift(1))
excel("BITRSHIFT", min_args=2, max_args=2)(_shift(-1))


@excel("DELTA", min_args=1, max_args=2)
@elementwise
def DELTA(a, b=0):
    """1 when the two numbers are equal, exactly (3+1E-15 is not 3), else 0; a logical is
    no number to DELTA (#VALUE!)."""
    if isinstance(a, bool) or isinstance(b, bool):
        raise ExcelRaise(VALUE)
    return 1 if to_number(a) == to_number(b) else 0
