"""Precision as displayed (File › Options › Advanced › "Set precision as displayed";
``<calcPr fullPrecision="0"/>`` in xl/workbook.xml).

With it set, Excel stores each formula's result as its cell's number format displays it,
before any other cell reads it: ``=1/3`` formatted ``0.00`` holds 0.33, so ``=A1*3`` is
0.99.  Constants are already saved rounded.  :func:`display_rounding` turns a format code
into that rounding, reading the code with the one format-code parser
(:mod:`.functions.numfmt`):

- fixed decimals (``0.00``, ``#,##0.0``), percent (``0.0%`` rounds the value × 100),
  thousands scaling (``0.0,,`` rounds the value / 10⁶), half away from zero after
  Excel's 15 significant digits, as the display rounds;
- scientific (``0.00E+00``): the mantissa's digits; engineering steps (``##0.0E+0``) too;
- sections (positive;negative;zero;text, and conditions): the section the value's sign
  (or condition) picks, the sign kept;
- General: Excel's 15 significant digits; ``@`` and sections showing no digits: unchanged;
- fractions (``# ?/?``, ``# ??/16``): the fraction shown;
- dates and times whose smallest unit shown is a day, an hour, a minute or a second
  (``yyyy-mm-dd``, ``hh:mm``, ``hh:mm:ss``, ``[h]:mm:ss``, ``mm:ss.0``): the moment shown,
  rounded to the second (or the decimals of a second shown) and cut to that unit, as the
  display shows it.  Unchanged: sections showing only months or years (``mmm yyyy``),
  negative dates (which Excel cannot display) and dates mixed with digit placeholders.
"""
from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache
from typing import Callable, Dict, List, Optional

from .functions.numfmt import (_condition, _is_fraction, _round_half_up, fixed_layout, fraction_shown,
                               mantissa_exponent, mantissa_places, minute_marks, pick_section,
                               second_decimals, split_sections, tokenize)

Rounding = Callable[[float], float]

# Built-in number formats by id: ECMA-376 Part 1 §18.8.30; ids 5–8 and 41–44, which the
# standard leaves to the locale, as Excel writes them in English (United States).
BUILTIN_FORMATS: Dict[int, str] = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"$"#,##0_);\\("$"#,##0\\)', 6: '"$"#,##0_);[Red]\\("$"#,##0\\)',
    7: '"$"#,##0.00_);\\("$"#,##0.00\\)', 8: '"$"#,##0.00_);[Red]\\("$"#,##0.00\\)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
    18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)",
    41: '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)',
    42: '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)',
    43: '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)',
    44: '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)',
    45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}


def fifteen_digits(x: float) -> float:
    """``x`` to Excel's 15 significant digits."""
    return float(f"{x:.15g}")


def display_rounding(code: str) -> Optional[Rounding]:
    """The rounding that displaying a number with format ``code`` implies, or None where
    it implies none (text formats, sections without digits)."""
    return _display_rounding(code)


@lru_cache(maxsize=None)
def _display_rounding(code: str) -> Optional[Rounding]:
    if code == "":
        return None
    secs = split_sections(code)
    toks = [tokenize(s) for s in secs]
    if len(secs) == 1 and any(k == "bracket" for k, _ in toks[0]) and all(
            k in ("bracket", "locale") for k, _ in toks[0]):
        return fifteen_digits   # only a colour or condition: General (as TEXT shows it)
    per_section = {id(t): _section_rounding(t) for t in toks[:3]}
    if len(toks) == 1 and _condition(toks[0]) is None:
        only = per_section[id(toks[0])]
        return None if only is None else lambda x: _apply(only, x)

    def rounding(x: float) -> float:
        picked = pick_section(x, toks)
        if picked is None:
            return fifteen_digits(x)   # no section takes it: General
        r = per_section.get(id(picked[0]))
        return x if r is None else _apply(r, x)
    return rounding


def _apply(r: Rounding, x: float) -> float:
    """``r`` (made for values ≥ 0) applied to ``x``, its sign kept; a negative date (which
    Excel cannot display) unchanged."""
    if x >= 0:
        return r(x)
    if getattr(r, "dates", False):
        return x
    return -r(-x)


def _section_rounding(sec: List[tuple]) -> Optional[Rounding]:
    """The rounding of one section, for a value ≥ 0."""
    kinds = {k for k, _ in sec}
    if kinds & {"date", "elapsed", "ampm"}:
        return _date_rounding(sec)
    if "general" in kinds:
        return fifteen_digits
    if "digit" not in kinds:
        return None
    if "slash" in kinds and _is_fraction(sec):
        return lambda x: float(fraction_shown(x, sec))
    if "exp" in kinds:
        ei = next(i for i, (k, _) in enumerate(sec) if k == "exp")
        int_ph, frac_ph = mantissa_places(sec[:ei])
        step, nd = max(len(int_ph), 1), len(frac_ph)

        def scientific(x: float) -> float:
            if x != x or x in (math.inf, -math.inf):
                return x
            m, e = mantissa_exponent(x, step, nd)
            return float(Decimal(repr(m)).scaleb(e))
        return scientific
    pct, scale, *_, frac_ph = fixed_layout(sec)
    nd = len(frac_ph)
    shift = 2 * pct - 3 * scale   # the power of ten the display multiplies by

    def fixed(x: float) -> float:
        if x >= 1e15 or x != x:
            return fifteen_digits(x) if x == x and x != math.inf else x
        shown = _round_half_up(float(Decimal(repr(x)).scaleb(shift)) if shift else x, nd)
        return float(Decimal(repr(shown)).scaleb(-shift)) if shift else shown
    return fixed


# Seconds in each unit a date section can end at.
_UNIT = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def _date_rounding(sec: List[tuple]) -> Optional[Rounding]:
    if any(k == "digit" and t in "#?" for k, t in sec) or any(k == "general" for k, _ in sec):
        return None
    marks = minute_marks(sec)
    units = set()
    for (k, t), mark in zip(sec, marks):
        if k == "elapsed":
            units.add(t[0])
        elif k == "date":
            c = t[0]
            if c == "m":
                units.add("m" if mark == "min" else "month")
            elif c in "hsd":
                units.add(c)
            else:
                units.add("y")
    smallest = next((u for u in "smhd" if u in units), None)
    if smallest is None:
        return None   # months or years only: left as computed
    decimals = second_decimals(sec) if smallest == "s" else 0
    scale = 10 ** decimals
    per_day = 86400 * scale
    unit = 1 if smallest == "s" else _UNIT[smallest]   # in ticks of 1 / scale s

    def moment(x: float) -> float:
        if x != x or x == math.inf:
            return x
        ticks = int(_round_half_up(x * per_day, 0))
        return (ticks - ticks % unit) / per_day
    # [h]:mm shows a negative duration with its sign; a clock or a date shows none
    moment.dates = not any(k == "elapsed" for k, _ in sec)  # type: ignore[attr-defined]
    return moment


class Displayed:
    """The rounding each formula cell's number format implies, in a workbook set to
    precision as displayed: ``sheets`` {sheet: {(row, col): style index}} (cells of
    style 0 left out), ``formats`` the number format code of each style index."""

    def __init__(self, sheets: Dict[str, Dict[tuple, int]], formats: List[str]):
        by_style = [display_rounding(code) for code in formats] or [fifteen_digits]
        self.default = by_style[0]
        self.cells = {name: {k: by_style[i] if 0 <= i < len(by_style) else None
                             for k, i in styles.items()}
                      for name, styles in sheets.items()}

    def stored(self, sheet: str, rc: tuple, v):
        """``v`` as the cell at ``rc`` stores it: a number rounded as displayed."""
        t = type(v)
        if t is float or t is int:
            cells = self.cells.get(sheet)
            r = cells.get(rc, self.default) if cells is not None else self.default
            if r is not None:
                return r(v)
        return v
