"""Text functions."""
from __future__ import annotations

import math

from ..values import MAX_TEXT, NA, VALUE, Arr, ExcelRaise, MultiRef, Ref, XlErr, parse_number_text, to_number, to_text, utf16_len
from . import excel
from .helpers import elementwise, has_wildcard, iter_values, wildcard_pattern


# Excel counts and cuts text in UTF-16 code units: an emoji or a rare CJK character beyond
# U+FFFF is two units, LEN("😀") is 2 and LEFT("😀",1) its first half. Positions are worked
# on a copy of the text with such characters split into their surrogate pair, and halves
# that meet again are joined back into one character.

def _units(s: str) -> str:
    """``s`` with every character beyond U+FFFF written as its UTF-16 surrogate pair."""
    if s.isascii() or max(s) <= "\uffff":
        return s
    out = []
    for ch in s:
        o = ord(ch)
        if o > 0xFFFF:
            o -= 0x10000
            out.append(chr(0xD800 + (o >> 10)) + chr(0xDC00 + (o & 0x3FF)))
        else:
            out.append(ch)
    return "".join(out)


def _joined(s: str) -> str:
    """Surrogate pairs back into characters; a lone half stays as it is."""
    if s.isascii() or not any("\ud800" <= ch <= "\udfff" for ch in s):
        return s
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _count(n) -> int:
    """LEFT's and RIGHT's count (of characters or bytes): #VALUE! below 0."""
    k = int(to_number(n))
    if k < 0:
        raise ExcelRaise(VALUE)
    return k


def _span(start, n) -> tuple:
    """MID's and REPLACE's start (from 1) and count: #VALUE! for a start below 1 or a
    count below 0."""
    a, k = int(to_number(start)), int(to_number(n))
    if a < 1 or k < 0:
        raise ExcelRaise(VALUE)
    return a, k


@excel("LEN", min_args=1, max_args=1)
@elementwise
def LEN(s):
    return len(_units(to_text(s)))


@excel("LEFT", min_args=1, max_args=2)
@elementwise
def LEFT(s, n=1):
    t = to_text(s)   # arguments are read left to right: LEFT(#N/A,1/0) is #N/A
    return _joined(_units(t)[:_count(n)])


@excel("RIGHT", min_args=1, max_args=2)
@elementwise
def RIGHT(s, n=1):
    t = _units(to_text(s))
    k = _count(n)
    return _joined(t[max(0, len(t) - k):]) if k else ""


@excel("MID", min_args=3, max_args=3)
@elementwise
def MID(s, start, n):
    t = _units(to_text(s))
    a, k = _span(start, n)
    return _joined(t[a - 1:a - 1 + k])


# -- the byte functions (LENB, LEFTB, MIDB ...) ----------------------------------------
#
# Excel counts a character as two bytes in these when its default language uses a
# double-byte character set (Chinese, Japanese, Korean), else as one, like LEN. kpi_xl's
# workbooks come from Chinese Excel and WPS, so they count as Chinese Windows does, in code
# page 936 (GBK): ASCII is one byte, a character GBK writes in two (Chinese, full-width
# forms and punctuation, Greek and accented letters) two, and one GBK cannot write (an
# emoji's halves, Thai ...) the one byte of the "?" it becomes.  A cut through the middle of
# a two-byte character gives a space for its half.  On ASCII text they are LEN, LEFT ...

_WIDTH: dict = {}


def _widths(t: str) -> list:
    """The bytes of each UTF-16 unit of ``t`` (from :func:`_units`)."""
    out = []
    for ch in t:
        w = _WIDTH.get(ch)
        if w is None:
            try:
                w = len(ch.encode("gbk"))
            except UnicodeEncodeError:
                w = 1
            _WIDTH[ch] = w
        out.append(w)
    return out


def _bytes_cut(t: str, lo: int, hi: int) -> str:
    """Bytes ``lo`` .. ``hi`` (0-based, ``hi`` excluded) of ``t``, a half character a space."""
    out, at = [], 0
    for ch, w in zip(t, _widths(t)):
        end = at + w
        if end > lo and at < hi:
            out.append(ch if lo <= at and end <= hi else " ")
        at = end
        if at >= hi:
            break
    return _joined("".join(out))


def _byte_pos(t: str, i: int) -> int:
    """The byte position (from 1) of unit ``i`` (from 0) of ``t``."""
    return sum(_widths(t[:i])) + 1


def _unit_at(t: str, byte: int) -> int:
    """The first unit of ``t`` that begins at or after byte ``byte`` (from 1), as an index
    from 0: a search from the second byte of a character begins after it."""
    at = 0
    for i, w in enumerate(_widths(t)):
        if at + 1 >= byte:
            return i
        at += w
    return len(t)


@excel("LENB", min_args=1, max_args=1)
@elementwise
def LENB(s):
    t = _units(to_text(s))
    return len(t) if t.isascii() else sum(_widths(t))


@excel("LEFTB", min_args=1, max_args=2)
@elementwise
def LEFTB(s, n=1):
    t = to_text(s)
    k = _count(n)
    return t[:k] if t.isascii() else _bytes_cut(_units(t), 0, k)


@excel("RIGHTB", min_args=1, max_args=2)
@elementwise
def RIGHTB(s, n=1):
    t = _units(to_text(s))
    k = _count(n)
    total = len(t) if t.isascii() else sum(_widths(t))
    return _bytes_cut(t, max(0, total - k), total) if k else ""


@excel("MIDB", min_args=3, max_args=3)
@elementwise
def MIDB(s, start, n):
    t = _units(to_text(s))
    a, k = _span(start, n)
    return _bytes_cut(t, a - 1, a - 1 + k)


@excel("REPLACEB", min_args=4, max_args=4)
@elementwise
def REPLACEB(s, start, n, new):
    t = _units(to_text(s))
    a, k = _span(start, n)
    total = sum(_widths(t))
    return _bytes_cut(t, 0, a - 1) + to_text(new) + _bytes_cut(t, a - 1 + k, total)


def _find_bytes(find, needle, hay, start):
    """FINDB and SEARCHB: ``find`` (FIND or SEARCH) on characters, the start and the answer
    in bytes."""
    h = _units(to_text(hay))
    if h.isascii():
        return find(needle, hay, start)
    a = int(to_number(start))
    if a < 1 or a > sum(_widths(h)) + 1:
        raise ExcelRaise(VALUE)
    i = find(needle, _joined(h), _unit_at(h, a) + 1)
    return _byte_pos(h, i - 1)


@excel("FINDB", min_args=2, max_args=3)
@elementwise
def FINDB(needle, hay, start=1):
    return _find_bytes(_find, needle, hay, start)


@excel("SEARCHB", min_args=2, max_args=3)
@elementwise
def SEARCHB(needle, hay, start=1):
    return _find_bytes(_search, needle, hay, start)


@excel("UPPER", min_args=1, max_args=1)
@elementwise
def UPPER(s):
    return to_text(s).upper()


@excel("LOWER", min_args=1, max_args=1)
@elementwise
def LOWER(s):
    return to_text(s).lower()


@excel("TRIM", min_args=1, max_args=1)
@elementwise
def TRIM(s):
    return " ".join(p for p in to_text(s).split(" ") if p)


@excel("CONCATENATE", min_args=1)
@elementwise
def CONCATENATE(*parts):
    return "".join(to_text(p) for p in parts)


@excel("CONCAT", min_args=1)
def CONCAT(calc, *args):
    out = []
    for v, _ in iter_values(calc, args):
        if isinstance(v, XlErr):
            return v
        out.append(to_text(v))
    return "".join(out)


@excel("TEXTJOIN", min_args=3)
def TEXTJOIN(calc, sep, ignore_empty, *args):
    from .helpers import scalarize
    from ..values import to_bool
    d = to_text(scalarize(calc, sep))
    skip = to_bool(scalarize(calc, ignore_empty))
    if not skip and d:
        # every blank cell of a large range adds a delimiter, those past the used area too
        args = [Arr(calc.full_values(a)) if type(a) is Ref else a for a in args]
    parts = []
    for v, _ in iter_values(calc, args):
        if isinstance(v, XlErr):
            return v
        t = to_text(v)
        if skip and t == "" or d and len(parts) > MAX_TEXT + 1:
            continue   # past MAX_TEXT + 1 parts the delimiters alone are too long: #VALUE!
        parts.append(t)
    return d.join(parts)


@excel("SUBSTITUTE", min_args=3, max_args=4)
@elementwise
def SUBSTITUTE(s, old, new, which=None):
    t, o, n = to_text(s), to_text(old), to_text(new)
    if o == "":
        return t
    if which is None:
        return t.replace(o, n)
    k = int(to_number(which))
    if k < 1:
        raise ExcelRaise(VALUE)
    idx = -1
    for _ in range(k):
        idx = t.find(o, idx + 1)
        if idx < 0:
            return t
    return t[:idx] + n + t[idx + len(o):]


@excel("REPLACE", min_args=4, max_args=4)
@elementwise
def REPLACE(s, start, n, new):
    t = _units(to_text(s))
    a, k = _span(start, n)
    return _joined(t[:a - 1] + to_text(new) + t[a - 1 + k:])


@excel("FIND", min_args=2, max_args=3)
@elementwise
def FIND(needle, hay, start=1):
    return _find(needle, hay, start)


def _find(needle, hay, start=1):
    n = _units(to_text(needle))
    h, a = _units(to_text(hay)), int(to_number(start))
    if a < 1 or a > len(h) + 1:
        raise ExcelRaise(VALUE)
    i = h.find(n, a - 1)
    if i < 0:
        raise ExcelRaise(VALUE)
    return i + 1


@excel("SEARCH", min_args=2, max_args=3)
@elementwise
def SEARCH(needle, hay, start=1):
    return _search(needle, hay, start)


def _search(needle, hay, start=1):
    n = _units(to_text(needle))
    if n.endswith("~") and (len(n) - len(n.rstrip("~"))) % 2:
        n = n[:-1]       # a last "~" escapes nothing: Excel drops it (SEARCH("~","Hello") is 1)
    h, a = _units(to_text(hay)), int(to_number(start))
    if a < 1 or a > len(h) + 1:
        raise ExcelRaise(VALUE)
    if has_wildcard(n):
        i = wildcard_pattern(n).find(h, a - 1)
        if i < 0:
            raise ExcelRaise(VALUE)
        return i + 1
    i = h.lower().find(n.lower(), a - 1)
    if i < 0:
        raise ExcelRaise(VALUE)
    return i + 1


@excel("VALUE", min_args=1, max_args=1)
@elementwise
def VALUE_(s):
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        return s
    if isinstance(s, bool):
        raise ExcelRaise(VALUE)
    if s is None:
        return 0          # an empty cell; a text of no characters ("") is #VALUE!
    return to_number(to_text(s))


@excel("REPT", min_args=2, max_args=2)
@elementwise
def REPT(s, n):
    t = to_text(s)
    k = int(to_number(n))
    # Judged before the text is built: REPT("a",1E12) must not fill the memory first.
    if k < 0 or k * utf16_len(t) > MAX_TEXT:
        raise ExcelRaise(VALUE)
    return t * k


@excel("EXACT", min_args=2, max_args=2)
@elementwise
def EXACT(a, b):
    return to_text(a) == to_text(b)


# Half-width letters, digits, signs and the space as their full-width forms (U+FF01-FF5E,
# U+3000): DBCS, which a Chinese Excel shows as WIDECHAR. (JIS, its old Japanese name, is
# #NAME? in the Excel-saved oracle workbooks that call it, and stays unknown here.)
_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
_FULL_WIDTH[0x20] = 0x3000


@excel("DBCS", min_args=1, max_args=1)
@elementwise
def DBCS(s):
    return to_text(s).translate(_FULL_WIDTH)


@excel("PROPER", min_args=1, max_args=1)
@elementwise
def PROPER(s):
    out, prev_alpha = [], False
    for ch in to_text(s):
        out.append(ch.lower() if prev_alpha else ch.upper())
        prev_alpha = ch.isalpha()
    return "".join(out)


_UNDEFINED_1252 = frozenset(chr(k) for k in (129, 141, 143, 144, 157))


def _char(codec):
    @elementwise
    def char(n):
        k = int(to_number(n))
        if k < 1 or k > 255:
            raise ExcelRaise(VALUE)
        try:
            return bytes([k]).decode(codec)
        except UnicodeDecodeError:
            # the five codes Windows-1252 leaves undefined (129, 141, 143, 144, 157) are
            # the control characters of the same number, as Windows converts them
            return chr(k)
    return char


def _code(codec):
    @elementwise
    def code(s):
        t = to_text(s)
        if not t:
            raise ExcelRaise(VALUE)
        try:
            return t[0].encode(codec)[0]
        except UnicodeEncodeError:
            return ord(t[0]) if t[0] in _UNDEFINED_1252 and codec == "cp1252" else 63
    return code


# Windows Excel's character set, or the Macintosh one for a file Mac Excel saved
# (..saved_by): CHAR(240) is "ð" on Windows, the Apple logo U+F8FF on the Mac.
_CHAR = {False: _char("cp1252"), True: _char("mac_roman")}
_CODE = {False: _code("cp1252"), True: _code("mac_roman")}


def _saved_by_mac(book) -> bool:
    """Whether Excel for the Macintosh saved the workbook, read from its file the first
    time a formula asks (most workbooks never call CHAR, CODE or PHONETIC)."""
    mac = getattr(book, "mac_roman", None)
    if mac is None:
        from ..saved_by import saved_by_mac_excel
        mac = book.mac_roman = saved_by_mac_excel(book.path) if book.path else False
    return mac


@excel("CHAR", min_args=1, max_args=1, args="v")
def CHAR(calc, n):
    """Returns the character specified by the code number."""
    return _CHAR[_saved_by_mac(calc.book)](calc, n)


@excel("CODE", min_args=1, max_args=1, args="v")
def CODE(calc, s):
    """Returns a numeric code for the first character in a text string."""
    return _CODE[_saved_by_mac(calc.book)](calc, s)




@excel("TEXT", min_args=2, max_args=2, args="v v")
def TEXT(calc, value, fmt):
    """Formats a number and converts it to text."""
    from .helpers import broadcast, is_array, scalarize
    from .numfmt import format_value
    date1904 = calc.date1904

    def one(v, f):
        if isinstance(v, XlErr):
            return v
        if isinstance(f, XlErr):
            return f
        f = to_text(f)
        if v is None:
            v = 0
        elif isinstance(v, bool):
            v = "TRUE" if v else "FALSE"
        elif isinstance(v, str):
            n = parse_number_text(v)
            if n is None:
                from .dates import datevalue_or_none
                n = datevalue_or_none(v)
            if n is not None:
                v = n
        return format_value(v, f, date1904)

    if is_array(value) or is_array(fmt):
        return broadcast(calc, one, (value, fmt))
    return one(scalarize(calc, value), scalarize(calc, fmt))


# USDOLLAR is DOLLAR with the dollar sign whatever the locale; this engine formats DOLLAR
# with "$" already, so the two are one implementation.
@excel("DOLLAR", "USDOLLAR", min_args=1, max_args=2)
@elementwise
def DOLLAR(x, decimals=2):
    """Converts a number to text, using the $ (dollar) currency format."""
    from .numfmt import format_value
    from .mathstat import _excel_round, ten_to
    from decimal import ROUND_HALF_UP
    v = to_number(x)
    d = int(math.trunc(to_number(2 if decimals is None else decimals)))
    if d > 127:
        raise ExcelRaise(VALUE)
    if d < 0:
        m = ten_to(-d)
        v = _excel_round(v / m, 0, ROUND_HALF_UP) * m
        d = 0
    body = "$#,##0" + ("." + "0" * d if d > 0 else "")
    return format_value(v, f"{body};({body})")


_OMITTED = object()


@excel("HYPERLINK", min_args=1, max_args=2)
@elementwise
def HYPERLINK(link, friendly=_OMITTED):
    """Creates a shortcut or jump that opens a document stored on a network server, an intranet,
    or the Internet.  The cell shows the friendly name when one is given (an empty cell
    given there shows 0), else the link."""
    if friendly is _OMITTED:
        return to_text(link)
    return 0 if friendly is None else friendly


def _text_split_at(calc, text, delim, instance, match_mode, match_end, if_not_found, before):
    from .helpers import iter_values, scalarize
    t = scalarize(calc, text)
    if isinstance(t, XlErr):
        return t
    t = to_text(t)
    delims = []
    for v, _ in iter_values(calc, [delim]):
        if isinstance(v, XlErr):
            return v
        delims.append(to_text(v))
    n = 1 if instance is None else math.floor(to_number(scalarize(calc, instance)))
    mm = 0 if match_mode is None else to_number(scalarize(calc, match_mode))
    me = 0 if match_end is None else to_number(scalarize(calc, match_end))
    if mm not in (0, 1) or me not in (0, 1):
        return VALUE
    ci = mm == 1
    if n == 0 or abs(n) > max(len(t), 1) or not delims:
        return VALUE
    if instance is not None and all(len(d) > len(t) for d in delims):
        return VALUE  # with an instance given, Excel refuses a delimiter longer than the text
    hay = t.lower() if ci else t
    ds = [d.lower() if ci else d for d in delims]
    found = []  # (start, end) of each delimiter, in the order searched
    if n > 0:
        i = 0
        while i <= len(hay):
            hit = next((d for d in ds if hay.startswith(d, i)), None)
            if hit is None:
                i += 1
                continue
            found.append((i, i + len(hit)))
            i += max(len(hit), 1)
            if len(found) >= n:
                break
        if me and len(found) < n:
            found.append((len(t), len(t)))
    else:
        j = len(hay)
        while j >= 0:
            hit = next((d for d in ds if j - len(d) >= 0 and hay.startswith(d, j - len(d))), None)
            if hit is None:
                j -= 1
                continue
            found.append((j - len(hit), j))
            j -= max(len(hit), 1)
            if len(found) >= -n:
                break
        if me and len(found) < -n:
            found.append((0, 0))
    k = abs(n)
    if len(found) < k:
        if if_not_found is not None:
            v = scalarize(calc, if_not_found)
            return "" if v is None else v
        return XlErr("#N/A")
    a, b = found[k - 1]
    return t[:a] if before else t[b:]


@excel("TEXTBEFORE", min_args=2, max_args=6)
def TEXTBEFORE(calc, text, delim, instance=None, match_mode=None, match_end=None, if_not_found=None):
    """Returns text that occurs before a given character or string."""
    return _text_split_at(calc, text, delim, instance, match_mode, match_end, if_not_found, True)


@excel("TEXTAFTER", min_args=2, max_args=6)
def TEXTAFTER(calc, text, delim, instance=None, match_mode=None, match_end=None, if_not_found=None):
    """Returns text that occurs after a given character or string."""
    return _text_split_at(calc, text, delim, instance, match_mode, match_end, if_not_found, False)


# -- ROMAN ---------------------------------------------------------------------------

_ROMAN_VALUES = (1000, 500, 100, 50, 10, 5, 1)
_ROMAN_CHARS = "MDCLXVI"


def roman(n: int, form: int) -> str:
    """``n`` (0-3999) in Roman numerals; ``form`` 0 (classic) to 4 (simplest) lets a
    subtraction span ever larger gaps: 499 is CDXCIX, LDVLIV, XDIX, VDIV, ID."""
    out = []
    for place in (0, 2, 4, 6):          # M, C, X, I: one decimal digit each
        digit = n // _ROMAN_VALUES[place]
        if digit % 5 == 4:
            # 4 or 9 of this place: written as a smaller numeral before a larger one; each
            # step of the form may choose a smaller numeral, while the pair stays within n
            larger = place - 1 if digit == 4 else place - 2
            smaller = place
            for _ in range(form):
                if smaller >= 6 or _ROMAN_VALUES[larger] - _ROMAN_VALUES[smaller + 1] > n:
                    break
                smaller += 1
            out.append(_ROMAN_CHARS[smaller] + _ROMAN_CHARS[larger])
            n -= _ROMAN_VALUES[larger] - _ROMAN_VALUES[smaller]
        else:
            if digit > 4:
                out.append(_ROMAN_CHARS[place - 1])
            out.append(_ROMAN_CHARS[place] * (digit % 5))
            n %= _ROMAN_VALUES[place]
    return "".join(out)


@excel("ROMAN", min_args=1, max_args=2)
@elementwise
def ROMAN(number, form=None):
    """Converts an arabic numeral to roman, as text."""
    n = math.trunc(to_number(number))
    if form is None or form is True:
        f = 0
    elif form is False:
        f = 4
    else:
        f = math.trunc(to_number(form))
    if not 0 <= n <= 3999 or not 0 <= f <= 4:
        raise ExcelRaise(VALUE)
    return roman(n, f)


@excel("PHONETIC", min_args=1, max_args=1)
def PHONETIC(calc, ref):
    """Extracts the phonetic (furigana) characters from a text string.

    The file keeps no furigana the engine reads, so the answer is the text of the cell, as
    Excel shows for text typed without phonetic guides; a range gives its upper-left cell,
    several areas #N/A and a value that is no reference #N/A (Excel's documentation). Excel
    for the Macintosh shows #N/A for text without guides (its cached values in the oracle
    workbook formula_stress_test), so a file it saved keeps that."""
    if isinstance(ref, MultiRef) or _saved_by_mac(calc.book):
        return NA
    if not isinstance(ref, Ref):
        return ref if isinstance(ref, XlErr) else NA
    v = calc.cell(ref.sheet, ref.r1, ref.c1)
    if isinstance(v, XlErr):
        return v
    return v if isinstance(v, str) else ""


@excel("VALUETOTEXT", min_args=1, max_args=2, args="v [v]")
def VALUETOTEXT(calc, value, fmt=0):
    """The text of a value: a number as Excel turns it into text (0.000000007123456, not
    7.123456E-09), a logical as TRUE or FALSE, an error as its name ("#DIV/0!"), an empty
    cell as ""; with format 1 (strict) a text in quotes."""
    from .helpers import broadcast, is_array, scalarize
    strict = to_number(scalarize(calc, fmt))
    if strict not in (0, 1):
        raise ExcelRaise(VALUE)

    def one(v):
        if isinstance(v, XlErr):
            return v.code
        if isinstance(v, str):
            return '"' + v.replace('"', '""') + '"' if strict else v
        return to_text(v)
    if is_array(value):
        return broadcast(calc, one, (value,))
    return one(scalarize(calc, value))
