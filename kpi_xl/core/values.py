"""Turning cell values into numbers, the same way for every KPI function.

The rules, chosen to behave like Excel where Excel has an answer and to never
lose data where it has two:

* **Blank** is ``None``, an empty or all-space string (what ``=""`` hands on, so a
  blank result feeds the next formula as blank), or a float NaN (pandas' missing
  value).  Blank inputs give a blank result (``""``).
* **Numbers** are taken as they are.
* **Text** that reads as a number is that number, as Excel does for a direct
  argument: ``"0.32"``, ``"32%"`` (0.32), ``"1,234.5"``, full-width ``"３２％"``.
  Any other text is ``#VALUE!`` -- also inside ranges, where Excel's aggregates
  would skip it: a mistyped month skipped silently would change somebody's pay.
* **Booleans**: in a direct scalar argument TRUE is 1 and FALSE is 0 (Excel's
  ``=1+TRUE``); inside a range of values they are skipped, as SUM and AVERAGE skip
  them; inside a band or tier table, where a bound silently turning open would
  change the scoring, they are ``#VALUE!``.
* **Error values** (:class:`CellError`) raise the matching :class:`KpiError`, for
  Python callers; in a cell :func:`kpi_xl.registry.invoke` has already propagated
  them.
* Ranges may be 2-D lists of rows, 1-D lists, single scalars, numpy arrays or
  pandas objects.

Comparisons with a bound treat two numbers within 1e-12 (relative) of each other
as equal and results are kept to 15 significant digits, as Excel does: a ratio
computed in the sheet that prints as 41 % must land in the "≥ 41 %" band even
when the division leaves it a hair below.
"""
from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Iterable

from .errors import CellError, KpiDivZeroError, KpiNotFoundError, KpiNumError, KpiValueError

BLANK = ""

_ERROR_BY_CODE = {"#N/A": KpiNotFoundError, "#NUM!": KpiNumError, "#DIV/0!": KpiDivZeroError}

# Thousands separators only in their proper places, so "1,2" is not silently 12.
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d*)?(?:[eE][+-]?\d+)?")

REL_TOL = 1e-12


def raise_cell_error(value: CellError) -> None:
    """Raise the KPI error an Excel error value stands for."""
    raise _ERROR_BY_CODE.get(str(value), KpiValueError)(f"input is the error value {value}")


def _plain(value: Any) -> Any:
    # numpy scalars (np.float64 is a float, np.int64 and np.bool_ are not)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    return value


def is_blank(value: Any) -> bool:
    """True for an empty cell, an empty string or a NaN."""
    value = _plain(value)
    if value is None:
        return True
    if isinstance(value, CellError):
        return False
    if isinstance(value, str):
        return value.strip() == ""
    return isinstance(value, float) and math.isnan(value)


#: Characters that show nothing: zero-width space, non-joiner and joiner, word joiner and
#: the byte-order mark (which also serves as a zero-width no-break space).
#: A space between two CJK ideographs (name_key drops it).
_SPACE_IN_HAN = re.compile(r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]) "
                           r"(?=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def without_invisible(text: str) -> str:
    """``text`` without the characters that show nothing (a name pasted with a zero-width
    space stays the name a reader sees, e.g. in a file name)."""
    return text.translate(_INVISIBLE)


def name_key(value: Any) -> str:
    """The key under which two spellings of one name are the same name.

    Full-width letters, digits and spaces read as their half-width forms (NFKC: ``Ａ`` is
    ``A``, U+3000 is a space), characters that show nothing (U+200B–U+200D, U+2060, U+FEFF)
    are dropped, spaces are trimmed at the ends and collapsed inside, a space between two
    Chinese characters is dropped (a name is not written with one: ``张 三`` is ``张三``,
    typed to line it up with three-character names), and case is folded: ``Amy``, ``amy``,
    ``ＡＭＹ`` and ``"Amy\u3000"`` have one key; ``张三`` and ``张三丰`` do not, nor do
    ``Li Na`` and ``LiNa``.  A whole number stored as a number has the key of its digits (1001 and
    ``"1001"``).  Blank gives ``""``.
    """
    value = _plain(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = without_invisible(unicodedata.normalize("NFKC", str(value)))
    text = _SPACE_IN_HAN.sub("", " ".join(text.split())).casefold()
    # Case folding can leave text that NFKC would write otherwise (and back).
    return unicodedata.normalize("NFKC", text)


# Text that reads as a number follows one of two rule sets, kept here side by side because
# they differ on purpose:
#
# * parse_number_text -- an input of a KPI function (a rate, a count, a band bound).  Text
#   typed with a Chinese input method is read (full-width "３２％" is 0.32, NFKC), and
#   thousands separators count only in their places: "1,2" is not a number, since reading
#   it as 12 would pay somebody on a typing slip.  One "%", no currency sign, no "(5)".
# * excel_number_text -- Excel's own coercion of text inside a formula (="1,234"+0, a
#   text argument of an arithmetic function), as the engine computes it and as Excel's
#   cached values show: every comma is dropped, a leading "$" and accounting brackets
#   "(5)" = -5 are read, each "%" divides by 100 again ("5%%" is 0.0005).
#
# Both strip the spaces around the text and refuse what is not finite ("inf", "1E999").


def _finite(text: str, percents: int = 0) -> float | None:
    if "_" in text:
        return None   # float() takes Python's digit grouping "1_000"; no spreadsheet does
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return number / (100 ** percents) if percents else number


def parse_number_text(text: str) -> float | None:
    """The number a KPI input's text reads as ("32%" → 0.32), or None."""
    s = unicodedata.normalize("NFKC", text).strip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].rstrip()
    if not s or not any(c.isdigit() for c in s) or not _NUMBER_TEXT.fullmatch(s):
        return None
    return _finite(s.replace(",", ""), int(percent))


# Currency symbols Excel's coercion reads with a number: its locale's own, before or after
# ("$100", "€100", "100€", "¥100"). The locale is not in the file; these are the symbols of
# the locales the tool serves (US dollar, euro, pound, yuan/yen in both widths).
_CURRENCY = "$€£¥￥"
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?")


def _without_currency(t: str) -> str:
    """``t`` with one currency symbol at its start (after a sign) or its end taken off."""
    sign = ""
    if t[:1] in ("+", "-") and t[1:2] and t[1:2] in _CURRENCY:
        sign, t = t[0], t[1:]
    if t[:1] and t[:1] in _CURRENCY:
        t = t[1:].lstrip()
    elif t[-1:] and t[-1:] in _CURRENCY:
        t = t[:-1].rstrip()
    return sign + t


def excel_number_text(text: str) -> float | None:
    """The number Excel's coercion reads in a text ("1,234.5", "32%", " 7 ", "(5)", "€100"),
    or None."""
    t = text.strip()
    if not t:
        return None
    percents = 0
    while t.endswith("%"):
        percents += 1
        t = t[:-1].rstrip()
    negative = t.startswith("(") and t.endswith(")")
    if negative:
        t = t[1:-1]
    t = _without_currency(t)
    if "," in t:
        # thousands separators stand between groups of three digits ("1,234,567.8");
        # Excel reads "12,34" as no number
        if not _GROUPED.fullmatch(t):
            return None
        t = t.replace(",", "")
    number = _finite(t, percents)
    return -number if negative and number is not None else number


def _number(value: Any, what: str) -> float:
    """A non-blank, non-bool value as a float, or the error Excel would show."""
    if isinstance(value, CellError):
        raise_cell_error(value)
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise KpiNumError(f"{what} is not a finite number")
        return number
    if isinstance(value, str):
        parsed = parse_number_text(value)
        if parsed is None:
            raise KpiValueError(f"{what} is the text {value!r}, not a number")
        return parsed
    raise KpiValueError(f"{what} is a {type(value).__name__}, not a number")


def scalar_number(value: Any, what: str = "value") -> float | None:
    """A direct scalar argument as a number; None when blank (TRUE counts as 1)."""
    value = _plain(value)
    if is_blank(value):
        return None
    return _number(value, what)


def cell_number(value: Any, what: str = "cell") -> float | None:
    """A cell of a range of values as a number; None when blank or boolean (skipped)."""
    value = _plain(value)
    if is_blank(value) or isinstance(value, bool):
        return None
    return _number(value, what)


def table_number(value: Any, what: str = "cell") -> float | None:
    """A cell of a band or tier table as a number; None when blank; a boolean is #VALUE!."""
    value = _plain(value)
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise KpiValueError(f"{what} is {value}, not a number")
    return _number(value, what)


def _listify(value: Any) -> Any:
    if hasattr(value, "to_numpy") and not isinstance(value, (str, bytes)):
        value = value.to_numpy()  # pandas Series / DataFrame
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy arrays
    return value


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, dict))


def rows(rng: Any) -> list[list[Any]]:
    """A range as a list of rows: 2-D as is, a 1-D list as one row, a scalar as one cell."""
    rng = _listify(rng)
    if rng is None:
        return []
    if not _is_sequence(rng):
        return [[rng]]
    items = [_listify(item) for item in rng]
    if any(_is_sequence(item) for item in items):
        return [list(item) if _is_sequence(item) else [item] for item in items]
    return [items]


def cells(rng: Any) -> list[Any]:
    """All cells of a range in reading order (row by row)."""
    return [cell for row in rows(rng) for cell in row]


def _is_header(row: list) -> bool:
    texts = [c for c in row if not is_blank(c)]
    return bool(texts) and all(isinstance(c, str) and not isinstance(c, CellError)
                               and parse_number_text(c) is None for c in texts)


def table_rows(rng: Any, keep_named: bool = False) -> tuple[int, list[tuple[int, list]]]:
    """The data rows of a table range as (row number, cells), and the table's width.

    Columns blank in every data row at the right of the range are not the table's; with
    ``keep_named``, those a header row names are (a points column cleared for the month
    is still the points column).
    """
    kept: list[tuple[int, list]] = []
    first = True
    named = 0
    for number, row in enumerate(rows(rng), 1):
        if all(is_blank(c) for c in row):
            continue
        if first and _is_header(row):
            first = False
            named = max(j for j, c in enumerate(row, 1) if not is_blank(c))
            continue
        first = False
        kept.append((number, list(row)))
    width = max((len(r) for _, r in kept), default=0)
    floor = min(named, width) if keep_named else 0
    while width > floor and all(len(r) < width or is_blank(r[width - 1]) for _, r in kept):
        width -= 1
    return width, [(n, r[:width] + [None] * (width - len(r))) for n, r in kept]


def numbers(rng: Any, what: str = "cell") -> list[float]:
    """The numbers of a range of values, blanks and booleans skipped, text #VALUE!."""
    return [n for n in (cell_number(c, what) for c in cells(rng)) if n is not None]


def option(value: Any, choices: dict[str, str], default: str, what: str) -> str:
    """A keyword argument such as closed="left"; blank gives the default, anything else #NUM!."""
    value = _plain(value)
    if is_blank(value):
        return default
    if isinstance(value, CellError):
        raise_cell_error(value)
    key = value.strip().lower() if isinstance(value, str) else None
    if key not in choices:
        allowed = ", ".join(f'"{c}"' for c in dict.fromkeys(choices.values()))
        raise KpiNumError(f"{what} must be one of {allowed}, not {value!r}")
    return choices[key]


# The spellings a ``lang`` argument accepts; every function with a ``lang`` reads it
# through :func:`language`, so they all accept the same ones.
LANGUAGES = {"zh": "zh", "cn": "zh", "zh-cn": "zh", "中文": "zh", "en": "en", "english": "en"}


def language(value: Any, default: str) -> str:
    """A ``lang`` argument as "zh" or "en"; blank gives the default, an unknown language #NUM!."""
    return option(value, LANGUAGES, default, "lang")


def whole_number(value: Any, default: int, what: str, minimum: int = 0) -> int:
    """A count argument (months, number of bands): blank gives the default; not whole → #NUM!."""
    number = scalar_number(value, what)
    if number is None:
        return default
    if not same(number, round(number)) or round(number) < minimum:
        raise KpiNumError(f"{what} must be a whole number of at least {minimum}, not {value!r}")
    return int(round(number))


def same(a: float, b: float) -> bool:
    """a and b are the same number up to rounding noise."""
    if a == b:
        return True
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b))


def at_least(a: float, b: float) -> bool:
    """a ≥ b, tolerant of rounding noise."""
    return a >= b or same(a, b)


def below(a: float, b: float) -> bool:
    """a < b, and not merely by rounding noise."""
    return a < b and not same(a, b)


def tidy(x: float) -> float:
    """x to 15 significant digits, as Excel keeps it (77.49999999999999 → 77.5)."""
    rounded = float(f"{x:.15g}") if math.isfinite(x) else x
    if not math.isfinite(rounded):
        raise KpiNumError("the result is too large")
    return rounded + 0.0  # + 0.0 turns -0.0 into 0.0


def total(xs: Iterable[float]) -> float:
    """The exact-as-possible sum of xs; a sum beyond the float range is #NUM!."""
    xs = list(xs)
    try:
        if not all(math.isfinite(x) for x in xs):
            raise OverflowError
        result = math.fsum(xs)
    except OverflowError:
        raise KpiNumError("the sum is too large") from None
    if not math.isfinite(result):
        raise KpiNumError("the sum is too large")
    return result


__all__ = ["BLANK", "raise_cell_error", "is_blank", "parse_number_text", "excel_number_text",
           "scalar_number", "cell_number", "table_number", "rows", "cells", "table_rows", "numbers", "option",
           "LANGUAGES", "language", "whole_number", "same", "at_least", "below", "tidy", "total"]
