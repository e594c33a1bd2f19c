"""REGEXTEST, REGEXEXTRACT and REGEXREPLACE (Microsoft's documentation of each).

Excel matches in PCRE2's syntax; the ``regex`` module reads the same patterns (possessive
quantifiers, atomic groups, named groups ``(?<name>…)``, ``\\K``) where Python's ``re``
does not.  A pattern can backtrack for longer than any calculation lasts
(``^(a|a)*$`` against forty a's and a c): every match is bounded in time, by
:data:`MATCH_SECONDS` and by what the calculation's budget has left, and a match out of
time gives its cell #CALC!, named in the report beside the cell.  Each function reads an
array given for any argument element by element (REGEXTEST(A:A,"^$") answers every row).
"""
from __future__ import annotations

from functools import lru_cache

import regex

from ..values import CALC, NA, VALUE, Arr, ExcelRaise, to_number, to_text
from . import excel
from .helpers import each_value, is_array

#: The longest one match may take, in seconds.
MATCH_SECONDS = 1.0
#: The least time a match is given, even when the calculation's budget is nearly spent.
_LEAST_SECONDS = 0.01


def _option(v, choices) -> int:
    """An optional numeric argument (blank or omitted: 0), #VALUE! outside ``choices``."""
    k = 0 if v is None else int(to_number(v))
    if k not in choices:
        raise ExcelRaise(VALUE)
    return k


@lru_cache(maxsize=256)
def _compiled(pattern: str, insensitive: bool):
    """``pattern`` compiled (#VALUE! when it is no regular expression)."""
    try:
        return regex.compile(pattern, regex.IGNORECASE if insensitive else 0)
    except (regex.error, ValueError, OverflowError, RecursionError):
        raise ExcelRaise(VALUE) from None


def _pattern(pattern, case):
    """The compiled pattern of the arguments ``pattern`` and ``case_sensitivity``."""
    return _compiled(to_text(pattern), _option(case, (0, 1)) == 1)


def _bounded(calc, rx, match):
    """``match(seconds)`` (one call of ``rx``'s methods given that timeout), bounded by
    MATCH_SECONDS and the calculation's budget: out of time, the cell is #CALC!."""
    left = calc.time_left()
    seconds = MATCH_SECONDS if left is None else max(_LEAST_SECONDS, min(MATCH_SECONDS, left))
    try:
        return match(seconds)
    except TimeoutError:
        shown = rx.pattern if len(rx.pattern) <= 40 else rx.pattern[:40] + "…"
        calc.beyond_limit(f"the regular expression {shown!r} took longer than {seconds:g} s "
                          "to match", CALC)


def regex_found(calc, pattern: str, text: str) -> bool:
    """True when any part of ``text`` matches ``pattern``, case counting, bounded as
    REGEXTEST's match is (XLOOKUP's and XMATCH's match mode 3)."""
    rx = _compiled(pattern, False)
    return _bounded(calc, rx, lambda s: rx.search(text, timeout=s)) is not None


@excel("REGEXTEST", min_args=2, max_args=3, args="v v [v]")
def REGEXTEST(calc, text, pattern, case_sensitivity=None):
    """TRUE when any part of ``text`` matches ``pattern``."""
    def one(t, p, case=None):
        t = to_text(t)
        rx = _pattern(p, case)
        return _bounded(calc, rx, lambda s: rx.search(t, timeout=s)) is not None
    return each_value(calc, one, (text, pattern, case_sensitivity))


@excel("REGEXEXTRACT", min_args=2, max_args=4, args="v v [v] [v]")
def REGEXEXTRACT(calc, text, pattern, return_mode=None, case_sensitivity=None):
    """The first match (return_mode 0), every match as a row (1, as the Excel-saved
    oracle workbook ironcalc__TEXT__REGEX.xlsx spills them: A4:B4), or the capturing
    groups of the first match as a row (2; a group that took no part is ""); #N/A
    when nothing matches.  Given an array, each element shows its first value."""
    args = (text, pattern, return_mode, case_sensitivity)
    lifted = any(is_array(a) for a in args)

    def one(t, p, mode=None, case=None):
        t = to_text(t)
        rx = _pattern(p, case)
        mode = _option(mode, (0, 1, 2))
        if mode == 1:
            found = _bounded(calc, rx, lambda s: [m.group() for m in rx.finditer(t, timeout=s)])
            out = Arr([found]) if found else NA
        else:
            m = _bounded(calc, rx, lambda s: rx.search(t, timeout=s))
            if m is None or mode == 2 and not rx.groups:
                return NA
            out = m.group() if mode == 0 else Arr([list(m.groups(""))])
        return out.rows[0][0] if lifted and type(out) is Arr else out
    return each_value(calc, one, args)


@excel("REGEXREPLACE", min_args=3, max_args=5, args="v v v [v] [v]")
def REGEXREPLACE(calc, text, pattern, replacement, occurrence=None, case_sensitivity=None):
    """``text`` with the matches of ``pattern`` replaced: all of them (occurrence 0), or
    only the n-th (n > 0) or the n-th from the end (n < 0), the text unchanged when there
    are fewer.  ``replacement`` reads PCRE2's ``$1``, ``${1}``, ``${name}``, ``$0`` and
    ``$$``."""
    def one(t, p, new, which=None, case=None):
        t = to_text(t)
        rx = _pattern(p, case)
        pieces = _replacement(to_text(new), rx)
        n = 0 if which is None else int(to_number(which))
        found = _bounded(calc, rx, lambda s: list(rx.finditer(t, timeout=s)))
        if n:
            if abs(n) > len(found):
                return t
            found = [found[n - 1 if n > 0 else n]]
        out, at = [], 0
        for m in found:
            out.append(t[at:m.start()])
            out.extend(x if type(x) is str else m.group(x[0]) or "" for x in pieces)
            at = m.end()
        out.append(t[at:])
        return "".join(out)
    return each_value(calc, one, (text, pattern, replacement, occurrence, case_sensitivity))


#: What follows a "$" in a replacement: a group's number or name, bare or in braces.
_GROUP_REF = regex.compile(r"\{([0-9]+|[A-Za-z_]\w*)\}|([0-9]+|[A-Za-z_]\w*)")


def _replacement(new: str, rx) -> list:
    """A replacement text in PCRE2's syntax as pieces: texts, and ``(group,)`` for each
    group referred to by number or name; #VALUE! for a ``$`` that names no group of
    ``rx`` (a group that took no part in a match gives "")."""
    pieces, i, n = [], 0, len(new)
    while i < n:
        j = new.find("$", i)
        if j < 0:
            pieces.append(new[i:])
            break
        pieces.append(new[i:j])
        if new.startswith("$", j + 1):
            pieces.append("$")
            i = j + 2
            continue
        m = _GROUP_REF.match(new, j + 1)
        if m is None:
            raise ExcelRaise(VALUE)
        ref = m.group(1) or m.group(2)
        key = int(ref) if ref.isdigit() else ref
        if key not in rx.groupindex if type(key) is str else key > rx.groups:
            raise ExcelRaise(VALUE)
        pieces.append((key,))
        i = m.end()
    return pieces
