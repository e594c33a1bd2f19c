"""Excel number formats, as TEXT applies them: sections, conditions, digit placeholders,
thousands and scaling commas, percent, scientific, fractions, dates and elapsed times."""
from __future__ import annotations

import math
import re
from fractions import Fraction

from ..serial import MAX_SERIAL_1900, OFFSET_1904, civil_day, is_1904
from ..values import VALUE, ExcelRaise, fmt_number

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
# The weekday codes of the Chinese and Japanese locales: aaa (short) and aaaa (long), Sunday
# first.  Chinese unless the section names a Japanese locale ([$-411], [$-ja-JP]).
_WEEKDAYS_ZH = ("日", "一", "二", "三", "四", "五", "六")
_WEEKDAYS_JA = ("日", "月", "火", "水", "木", "金", "土")
# "General" as the Chinese and Japanese versions of Excel spell it in a format code.
_GENERAL_CJK = ("g/通用格式", "g/標準")
_COND = re.compile(r"^\[(<=|>=|<>|<|>|=)\s*(-?[\d.]+(?:[eE][-+]?\d+)?)\]$")
_DIGITS = "0#?"


# -- tokenizing --------------------------------------------------------------------

def split_sections(fmt):
    """The format's sections, split at semicolons outside quotes, brackets and escapes."""
    out, cur, i = [], [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == '"':
            j = fmt.find('"', i + 1)
            j = len(fmt) if j < 0 else j + 1
            cur.append(fmt[i:j])
            i = j
            continue
        if ch in "\\_*" and i + 1 < len(fmt):
            cur.append(fmt[i:i + 2])
            i += 2
            continue
        if ch == "[":
            j = fmt.find("]", i)
            j = len(fmt) if j < 0 else j + 1
            cur.append(fmt[i:j])
            i = j
            continue
        if ch == ";":
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


def tokenize(sec):
    """[(kind, text)]: kinds lit, digit, dot, comma, pct, exp, slash, at, general, date, elapsed,
    ampm, bracket."""
    toks, i, n = [], 0, len(sec)
    low = sec.lower()
    while i < n:
        ch = sec[i]
        lc = ch.lower()
        if ch == '"':
            j = sec.find('"', i + 1)
            j = n if j < 0 else j
            toks.append(("lit", sec[i + 1:j]))
            i = j + 1
        elif ch == "\\":
            toks.append(("lit", sec[i + 1:i + 2]))
            i += 2
        elif ch == "_":
            toks.append(("lit", " "))
            i += 2
        elif ch == "*":
            i += 2  # a fill character has no width in text
        elif ch == "[":
            j = sec.find("]", i)
            j = n if j < 0 else j
            inner = sec[i + 1:j]
            il = inner.lower()
            if il and all(c == il[0] for c in il) and il[0] in "hms":
                toks.append(("elapsed", il))
            elif inner.startswith("$"):
                sym, _, locale = inner[1:].partition("-")
                if sym:
                    toks.append(("lit", sym))
                if locale:
                    toks.append(("locale", locale.lower()))
            else:
                toks.append(("bracket", inner))
            i = j + 1
        elif ch in _DIGITS:
            toks.append(("digit", ch))
            i += 1
        elif ch == ".":
            toks.append(("dot", "."))
            i += 1
        elif ch == ",":
            toks.append(("comma", ","))
            i += 1
        elif ch == "%":
            toks.append(("pct", "%"))
            i += 1
        elif lc == "e" and i + 1 < n and sec[i + 1] in "+-":
            toks.append(("exp", sec[i:i + 2]))
            i += 2
        elif ch == "/":
            toks.append(("slash", "/"))
            i += 1
        elif ch == "@":
            toks.append(("at", "@"))
            i += 1
        elif low.startswith("general", i):
            toks.append(("general", "General"))
            i += 7
        elif lc == "g" and low.startswith(_GENERAL_CJK, i):
            toks.append(("general", "General"))
            i += len(next(g for g in _GENERAL_CJK if low.startswith(g, i)))
        elif low.startswith("am/pm", i):
            toks.append(("ampm", sec[i:i + 5]))
            i += 5
        elif low.startswith("a/p", i):
            toks.append(("ampm", sec[i:i + 3]))
            i += 3
        elif lc == "a" and low.startswith("aaa", i):   # a weekday, in Chinese or Japanese
            j = i
            while j < n and sec[j].lower() == "a":
                j += 1
            toks.append(("date", "aaaa" if j - i > 3 else "aaa"))
            i = j
        elif lc in "ymdhse" or lc in "gb" and False:
            j = i
            while j < n and sec[j].lower() == lc:
                j += 1
            toks.append(("date", sec[i:j].lower().replace("e", "yyyy")))
            i = j
        elif ch in "123456789" and toks and toks[-1][0] in ("slash",):
            j = i
            while j < n and sec[j].isdigit():
                j += 1
            toks.append(("denom", sec[i:j]))
            i = j
        else:
            toks.append(("lit", ch))
            i += 1
    return toks


def _condition(toks):
    for k, t in toks:
        if k == "bracket":
            m = _COND.match("[" + t + "]")
            if m:
                op, val = m.group(1), float(m.group(2))
                return {"<": lambda x: x < val, ">": lambda x: x > val, "=": lambda x: x == val,
                        "<=": lambda x: x <= val, ">=": lambda x: x >= val,
                        "<>": lambda x: x != val}[op]
    return None


# -- entry point -------------------------------------------------------------------

def format_value(v, fmt, date1904=None):
    """``v`` (number or text) formatted with Excel number format ``fmt`` (dates in the given
    date system, by default the one of the workbook being calculated)."""
    if date1904 is None:
        date1904 = is_1904()
    if fmt == "":
        return ""
    secs = split_sections(fmt)
    toks = [tokenize(s) for s in secs]
    if isinstance(v, str):
        if len(toks) >= 4:
            t = toks[3]
        elif any(k == "at" for k, _ in toks[0]):
            t = toks[0]
        else:
            return v
        return "".join(v if k == "at" else x for k, x in t if k in ("lit", "at")) \
            if any(k == "at" for k, _ in t) else "".join(x for k, x in t if k == "lit")
    x = float(v)
    picked = pick_section(x, toks)
    if picked is None:
        # no section takes the value: Excel falls back to General
        return general(x)
    sec, neg_sign = picked
    x = abs(x)
    if all(k in ("bracket", "locale") for k, _ in sec) and any(k == "bracket" for k, _ in sec) \
            and len(secs) == 1:
        sec = [("general", "General")]
    out = _format_number(x, sec, date1904)
    if neg_sign and _shows_sign(out, sec):
        if any(k in ("date", "ampm") for k, _ in sec) and not any(k == "elapsed" for k, _ in sec):
            raise ExcelRaise(VALUE)
        out = "-" + out
    return out


def pick_section(x, toks):
    """(section tokens, sign shown) of the section that formats number ``x``, given the
    tokens of every section; None when no section's condition takes it (General then).
    The section shows ``abs(x)``; the sign flag says whether a minus goes before it."""
    conds = [_condition(t) for t in toks[:3]]
    neg_sign = False
    if any(conds):
        c0 = conds[0] or (lambda y: y >= 0)
        if c0(x):
            idx = 0
        elif len(toks) >= 2 and (conds[1] is None or conds[1](x)):
            idx = 1 if (conds[1] is not None or len(toks) < 3 or x < 0) else 2
            if conds[1] is None and conds[0] is not None and len(toks) >= 3:
                idx = 1 if x < 0 else 2
        elif len(toks) >= 3:
            idx = 2
        else:
            # no section takes the value: Excel falls back to General
            return None
        sec = toks[idx]
        # A negative value shown by a section written for it loses its sign; any other keeps it.
        if x < 0:
            if idx == 0 or conds[idx] is not None and not _only_negative(conds[idx]):
                neg_sign = True
    else:
        n = min(len(toks), 4)
        if n >= 3 and x == 0:
            sec = toks[2]
        elif n >= 2 and x < 0:
            sec = toks[1]
        else:
            sec = toks[0]
            if x < 0:
                neg_sign = True
    return sec, neg_sign


def _only_negative(cond):
    return cond(-1e-300) and not cond(1e-300) and not cond(0)


def _shows_sign(out, sec):
    # Excel drops the minus when every digit shown is zero ("0" of -0.001), but keeps it
    # for dates and text-only sections.
    if any(k in ("date", "elapsed", "ampm") for k, _ in sec):
        return True
    if not any(k in ("digit", "general") for k, _ in sec):
        return True
    return any(ch in "123456789" for ch in out)


def _format_number(x, sec, date1904):
    kinds = {k for k, _ in sec}
    if "date" in kinds or "elapsed" in kinds or "ampm" in kinds:
        return _format_date(x, sec, date1904)
    if "general" in kinds:
        return "".join(general(x) if k == "general" else t for k, t in sec if k in ("lit", "general")
                       or k in ("at",))
    if "digit" not in kinds:
        if "at" in kinds:
            return "".join(general(x) if k == "at" else t for k, t in sec if k in ("lit", "at"))
        return "".join(t if k != "pct" else "%" for k, t in sec
                       if k in ("lit", "pct", "dot", "comma", "slash", "denom"))
    if "slash" in kinds and _is_fraction(sec):
        return _format_fraction(x, sec)
    if "exp" in kinds:
        return _format_scientific(x, sec)
    return _format_fixed(x, sec)


# -- General -------------------------------------------------------------------------

def general(x):
    """A number as the General format shows it in an 11-character cell."""
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 1e11:
        return _general_sci(x)
    if ax < 1:
        fixed = f"{ax:.9f}".rstrip("0").rstrip(".")
        sci = _general_sci(ax)
        sig_fixed = len(fixed.replace("0.", "", 1).lstrip("0")) if fixed not in ("0", "") else 0
        sig_sci = len(sci.split("E")[0].replace(".", ""))
        if sig_fixed == 0 or sig_sci > sig_fixed:
            return ("-" if x < 0 else "") + sci
        return ("-" if x < 0 else "") + fixed
    s = fmt_number(x)
    if "E" in s:
        return _general_sci(x)
    digits_int = len(str(int(ax))) if ax >= 1 else 1
    limit = 11
    if len(s) <= limit:
        return s
    decimals = max(0, limit - digits_int - 1)
    if ax < 1:
        # leading zeros after the point count against the width
        s2 = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
        if s2 in ("0", "-0", ""):
            return _general_sci(x)
        lead = -math.floor(math.log10(ax)) - 1
        if lead >= 5:
            return _general_sci(x)
        return s2
    s2 = f"{x:.{decimals}f}"
    if "." in s2:
        s2 = s2.rstrip("0").rstrip(".")
    return s2


def _general_sci(x):
    s = f"{x:.5E}"
    mant, exp = s.split("E")
    mant = mant.rstrip("0").rstrip(".")
    e = int(exp)
    return f"{mant}E{'-' if e < 0 else '+'}{abs(e):02d}"


# -- fixed-point ---------------------------------------------------------------------

def _split_number(sec):
    """(prefix literal tokens, integer part tokens, fraction tokens, suffix), scaling, percent."""
    first = next(i for i, (k, _) in enumerate(sec) if k == "digit" or k == "dot")
    last = max(i for i, (k, _) in enumerate(sec) if k == "digit")
    return first, last


def fixed_layout(sec, scaling=True):
    """Where a fixed-point section puts the number: (percent signs, scaling commas, first
    placeholder, decimal point, end of the integer part, scaling comma positions, grouping,
    integer placeholders, decimal placeholders).  ``scaling`` False: a mantissa, whose
    percent and commas neither scale nor group."""
    pct = sum(1 for k, _ in sec if k == "pct") if scaling else 0
    first = next(i for i, (k, _) in enumerate(sec) if k in ("digit", "dot"))
    last = max(i for i, (k, _) in enumerate(sec) if k in ("digit", "dot"))
    # commas right after the last digit placeholder (before the point or at the end) scale
    scale = 0
    dot = next((i for i, (k, _) in enumerate(sec) if k == "dot"), None)
    int_end = dot if dot is not None else last + 1
    j = int_end
    # scaling commas: those following the last integer digit placeholder
    last_int_digit = max((i for i in range(first, int_end) if sec[i][0] == "digit"), default=None)
    scaled_commas = set()
    if last_int_digit is not None and scaling:
        j = last_int_digit + 1
        while j < len(sec) and sec[j][0] == "comma":
            scale += 1
            scaled_commas.add(j)
            j += 1
    if scaling:
        j = last + 1
        while j < len(sec) and sec[j][0] == "comma":
            if j not in scaled_commas:
                scale += 1
                scaled_commas.add(j)
            j += 1
    grouping = any(k == "comma" and i not in scaled_commas and first <= i < int_end
                   for i, (k, _) in enumerate(sec))
    if not scaling:
        scaled_commas = {i for i, (k, _) in enumerate(sec) if k == "comma" and i >= int_end}
    int_ph = [i for i in range(first, int_end) if sec[i][0] == "digit"]
    frac_ph = [i for i in range((dot + 1) if dot is not None else len(sec), len(sec))
               if sec[i][0] == "digit"]
    return pct, scale, first, dot, int_end, scaled_commas, grouping, int_ph, frac_ph


def _format_fixed(x, sec, scaling=True):
    pct, scale, first, dot, int_end, scaled_commas, grouping, int_ph, frac_ph = \
        fixed_layout(sec, scaling)
    x = x * (100 ** pct) / (1000 ** scale)
    nd = len(frac_ph)
    s = _round_fixed(x, nd)
    ip, _, fp = s.partition(".")
    if ip == "0":
        ip = ""
    out = []
    # integer digits: right-aligned over the placeholders, overflow at the first one
    digits = list(ip)
    assign = {}
    for i in reversed(int_ph):
        ph = sec[i][1]
        if digits:
            assign[i] = digits.pop()
        else:
            assign[i] = "0" if ph == "0" else (" " if ph == "?" else "")
    if int_ph:
        lead = "".join(digits)
        if grouping:
            # group the whole integer as one number, shown at the first placeholder
            full = lead + "".join(assign[i] for i in int_ph)
            grouped = _group(full) if full else ""
            # a separator inside the padding is padding too
            grouped = re.sub(r"(?<= ),", " ", grouped)
            assign = {i: "" for i in int_ph}
            assign[int_ph[0]] = grouped
            lead = ""
        else:
            assign[int_ph[0]] = lead + assign[int_ph[0]]
    fdig = list(fp) if nd else []
    # trailing zeros under # vanish, under ? become spaces
    shown = []
    for k, i in enumerate(frac_ph):
        shown.append(fdig[k] if k < len(fdig) else "0")
    for k in range(len(frac_ph) - 1, -1, -1):
        ph = sec[frac_ph[k]][1]
        if shown[k] == "0" and ph in "#?":
            shown[k] = "" if ph == "#" else " "
        else:
            break
    frac_assign = dict(zip(frac_ph, shown))
    for i, (k, t) in enumerate(sec):
        if k == "digit":
            out.append(assign.get(i, frac_assign.get(i, "")))
        elif k == "dot":
            if i == dot and not int_ph and ip:
                # ".00" has no place for the whole part, but Excel shows it: 12.5 is "12.50"
                out.append(ip)
            # the first "." is the decimal point; any further "." is a literal among the
            # decimals ("00.00.00" shows 12.3456 as "12.34.56")
            out.append(".")
        elif k == "comma":
            if not (first <= i < int_end) and i not in scaled_commas:
                out.append(",")
        elif k == "pct":
            out.append("%")
        elif k in ("lit", "slash", "denom"):
            out.append(t)
        elif k == "at":
            out.append(t)
    return "".join(out)


def _group(digits):
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return ",".join(parts)


def _round_fixed(x, nd):
    """``x`` (≥ 0) rounded half away from zero to ``nd`` decimals, as plain digits."""
    if x >= 1e15:
        ip = f"{x:.0f}"
        # beyond 15 significant digits Excel shows zeros
        sig = f"{x:.14e}"
        mant, e = sig.split("e")
        digits = mant.replace(".", "")
        ip = (digits + "0" * (int(e) + 1))[:int(e) + 1]
        return ip + ("." + "0" * nd if nd else "")
    r = _round_half_up(x, nd)
    return f"{r:.{nd}f}"


def _round_half_up(x, nd):
    # 15 significant digits first (what Excel stores), then half away from zero
    if x == 0:
        return 0.0
    from decimal import ROUND_HALF_UP, Decimal
    d = Decimal(repr(float(f"{x:.15g}")))
    q = Decimal(1).scaleb(-nd)
    return float(d.quantize(q, rounding=ROUND_HALF_UP)) if nd < 300 else x


# -- scientific ----------------------------------------------------------------------

def mantissa_places(mant_sec):
    """(integer, decimal) digit placeholder positions of a scientific mantissa."""
    dot = next((i for i, (k, _) in enumerate(mant_sec) if k == "dot"), None)
    int_ph = [i for i, (k, _) in enumerate(mant_sec) if k == "digit" and (dot is None or i < dot)]
    frac_ph = [i for i, (k, _) in enumerate(mant_sec) if k == "digit" and dot is not None and i > dot]
    return int_ph, frac_ph


def mantissa_exponent(x, step, nd):
    """(mantissa rounded to ``nd`` decimals, exponent a multiple of ``step``) of ``x`` ≥ 0."""
    if x == 0:
        return 0.0, 0
    e = math.floor(math.log10(x))
    e = math.floor(e / step) * step
    m = _round_half_up(x / 10 ** e, nd)
    if m >= 10 ** step:
        e += step
        m = _round_half_up(x / 10 ** e, nd)
    return m, e


def _format_scientific(x, sec):
    ei = next(i for i, (k, _) in enumerate(sec) if k == "exp")
    mant_sec, exp_sec = sec[:ei], sec[ei + 1:]
    sign_plus = sec[ei][1][1] == "+"
    # percent and commas neither scale nor group the mantissa's exponent choice
    int_ph, frac_ph = mantissa_places(mant_sec)
    m, e = mantissa_exponent(x, max(len(int_ph), 1), len(frac_ph))
    if x == 0 and int_ph:
        # zero shows every integer placeholder as 0
        mant_sec = [("digit", "0") if i in int_ph else tok for i, tok in enumerate(mant_sec)]
    mant_txt = _format_fixed(m, mant_sec, scaling=False) if int_ph or frac_ph \
        else "".join(t for k, t in mant_sec if k == "lit")
    exp_digits = [t for k, t in exp_sec if k == "digit"]
    etxt = str(abs(e)).rjust(sum(1 for t in exp_digits if t == "0"), "0")
    etxt = etxt.rjust(sum(1 for t in exp_digits if t in "0?"), " ")
    esign = "-" if e < 0 else ("+" if sign_plus else "")
    # exponent digits, then whatever literals follow them
    rest = []
    placed = False
    for k, t in exp_sec:
        if k == "digit":
            if not placed:
                rest.append(esign + etxt)
                placed = True
        elif k in ("lit", "slash", "dot"):
            rest.append(t)
        elif k == "pct":
            rest.append("%")
    return mant_txt + sec[ei][1][0] + "".join(rest)


# -- fractions -----------------------------------------------------------------------

def _is_fraction(sec):
    si = next(i for i, (k, _) in enumerate(sec) if k == "slash")
    before = any(k == "digit" for k, _ in sec[:si])
    after = any(k in ("digit", "denom") for k, _ in sec[si + 1:])
    return before and after


def _fraction_of(x, has_whole, fixed_den, den_digits):
    """(whole part, numerator, denominator) a fraction section shows for ``x`` ≥ 0."""
    if has_whole:
        whole = math.floor(x)
        frac = x - whole
    else:
        whole, frac = 0, x
    if fixed_den is not None:
        d = int(fixed_den)
        nnum = int(_round_half_up(frac * d, 0))
    else:
        f = Fraction(frac).limit_denominator(10 ** den_digits - 1)
        nnum, d = f.numerator, f.denominator
    return whole, nnum, d


def _fraction_layout(sec):
    """Where a fraction section's parts are: the slash, the numerator's run of digit
    placeholders right before it (literals between allowed), the denominator's run (digit
    placeholders, or a fixed denominator), and the whole part's placeholders before them."""
    si = next(i for i, (k, _) in enumerate(sec) if k == "slash")
    num_end = max(i for i in range(si) if sec[i][0] == "digit")
    num_start = num_end
    while num_start - 1 >= 0 and sec[num_start - 1][0] == "digit":
        num_start -= 1
    whole_ph = [i for i in range(num_start) if sec[i][0] == "digit"]
    den_start = next(i for i in range(si + 1, len(sec)) if sec[i][0] in ("digit", "denom"))
    den_end = den_start
    while den_end + 1 < len(sec) and sec[den_end + 1][0] in ("digit", "denom") \
            and sec[den_start][0] == sec[den_end + 1][0]:
        den_end += 1
    return si, num_start, num_end, whole_ph, den_start, den_end, sec[den_start][0] == "denom"


def _fraction_parts(x, sec):
    """The section's layout and (whole, numerator, denominator) it shows for ``x`` ≥ 0."""
    layout = _fraction_layout(sec)
    _si, _ns, _ne, whole_ph, den_start, den_end, fixed = layout
    parts = _fraction_of(x, bool(whole_ph), sec[den_start][1] if fixed else None,
                         den_end - den_start + 1)
    return layout, parts


def fraction_shown(x, sec):
    """The number a fraction section shows for ``x`` ≥ 0, as a Fraction."""
    _layout, (whole, nnum, d) = _fraction_parts(x, sec)
    return whole + Fraction(nnum, d)


def _format_fraction(x, sec):
    (si, num_start, num_end, whole_ph, den_start, den_end, fixed), (whole, nnum, d) = \
        _fraction_parts(x, sec)
    if whole_ph and nnum == d and d:
        whole += 1
        nnum = 0
    num_ph = "".join(sec[i][1] for i in range(num_start, num_end + 1))
    den_ph = "".join(sec[i][1] for i in range(den_start, den_end + 1)) if not fixed else sec[den_start][1]
    mid = "".join(t for k, t in sec[num_end + 1:si] if k == "lit")
    mid2 = "".join(t for k, t in sec[si + 1:den_start] if k == "lit")
    rest = "".join(t for k, t in sec[den_end + 1:] if k == "lit")
    dentxt = str(d) if fixed else _pad_den(str(d), den_ph)
    frac_txt = _pad(str(nnum), num_ph, left=True) + mid + "/" + mid2 + dentxt
    if not whole_ph:
        head = "".join(t for k, t in sec[:num_start] if k == "lit")
        return head + frac_txt + rest
    last_w = whole_ph[-1]
    head_toks = sec[:last_w + 1]
    sep = "".join(t for k, t in sec[last_w + 1:num_start] if k == "lit")
    w_ph = "".join(sec[i][1] for i in whole_ph)
    zero_head = list(head_toks)
    zero_head[last_w] = ("digit", "0")

    def whole_text(force_zero):
        if whole == 0 and force_zero:
            return _format_fixed(0.0, zero_head)
        return _format_fixed(float(whole), head_toks)
    if nnum == 0:
        if "0" in num_ph:
            # a 0 numerator placeholder shows the fraction as 0/1
            frac_txt = _pad("0", num_ph, left=True) + mid + "/" + mid2 + \
                (dentxt if fixed else _pad_den("1", den_ph))
            if whole == 0 and "0" not in w_ph and "?" not in w_ph:
                return "".join(t for k, t in head_toks if k == "lit") + frac_txt + rest
            return whole_text(True) + sep + frac_txt + rest
        if "?" in num_ph or "?" in den_ph or "?" in w_ph:
            width = len(sep) + len(num_ph) + len(mid) + 1 + len(mid2) + len(den_ph)
            return whole_text(True) + " " * width + rest
        return whole_text(True) + rest
    if whole == 0:
        head = _format_fixed(0.0, head_toks)
        sep_txt = sep if "0" in w_ph else (" " * len(sep) if "?" in w_ph or "?" in num_ph else "")
        return head + sep_txt + frac_txt + rest
    return whole_text(False) + sep + frac_txt + rest


def _pad_den(digits, ph):
    """A denominator under its placeholders: zeros before it, spaces after it."""
    extra = ph[len(digits):] if len(digits) < len(ph) else ""
    return "0" * extra.count("0") + digits + " " * extra.count("?")


def _pad(digits, ph, left):
    if len(digits) >= len(ph):
        return digits
    extra = ph[:len(ph) - len(digits)] if left else ph[len(digits):]
    fill = "".join("0" if c == "0" else (" " if c == "?" else "") for c in extra)
    return fill + digits if left else digits + fill


# -- dates and times -----------------------------------------------------------------

def serial_parts(x, date1904=False, decimals=0):
    """(year, month, day, weekday 0=Sunday, hour, minute, second, fraction of second, total seconds)."""
    if x < 0 or x >= MAX_SERIAL_1900 + 1 - (OFFSET_1904 if date1904 else 0):
        raise ExcelRaise(VALUE)
    scale = 10 ** decimals
    ticks = int(_round_half_up(x * 86400 * scale, 0))
    secs_total, sub = divmod(ticks, scale)
    days, sod = divmod(secs_total, 86400)
    try:
        y, m, d = civil_day(days, date1904)
    except ExcelRaise:   # not the error raised: a day off the calendar formats as #VALUE!
        raise ExcelRaise(VALUE) from None
    if date1904:
        days += OFFSET_1904
    wd = (days - 1) % 7 if days >= 1 else 6
    h, rem = divmod(sod, 3600)
    mi, s = divmod(rem, 60)
    return y, m, d, wd, h, mi, s, sub, secs_total


def minute_marks(toks):
    """Per token, "min" for an m or mm that is minutes (after an hour or before a second)."""
    kinds = []
    for i, (k, t) in enumerate(toks):
        if k == "date" and t[0] == "m" and len(t) <= 2:
            prev = next((toks[j] for j in range(i - 1, -1, -1) if toks[j][0] in ("date", "elapsed")), None)
            nxt = next((toks[j] for j in range(i + 1, len(toks)) if toks[j][0] in ("date", "elapsed")), None)
            if prev and prev[1][0] in "hs" or nxt and nxt[1][0] == "s":
                kinds.append("min")
                continue
        kinds.append(None)
    return kinds


def second_decimals(toks):
    """How many decimals of a second a date section shows (at most 3)."""
    decimals = 0
    for i, (k, t) in enumerate(toks):
        if k == "dot" and i > 0 and any(kk in ("date", "elapsed") and tt[0] == "s"
                                        for kk, tt in toks[max(0, i - 1):i]):
            j = i + 1
            while j < len(toks) and toks[j] == ("digit", "0"):
                j += 1
            decimals = max(decimals, min(3, j - i - 1))
    return decimals


def _format_date(x, sec, date1904):
    toks = list(sec)
    if any(k == "digit" and t in "#?" for k, t in toks):
        raise ExcelRaise(VALUE)
    decimals = second_decimals(toks)   # sub-second precision
    y, mo, d, wd, h, mi, s, sub, total = serial_parts(x, date1904, decimals)
    has_ampm = any(k == "ampm" for k, _ in toks)
    # which m's are minutes: after an hour or before a second
    kinds = minute_marks(toks)
    elapsed_unit = next((t[0] for k, t in toks if k == "elapsed"), None)
    out = []
    i = 0
    while i < len(toks):
        k, t = toks[i]
        if k == "date":
            c = t[0]
            n = len(t)
            if c == "y":
                out.append(f"{y % 100:02d}" if n <= 2 else f"{y:04d}")
            elif c == "m" and kinds[i] == "min":
                v = total // 60 if elapsed_unit == "m" else mi
                out.append(f"{v:02d}" if n >= 2 else str(v))
            elif c == "m":
                if n == 1:
                    out.append(str(mo))
                elif n == 2:
                    out.append(f"{mo:02d}")
                elif n == 3:
                    out.append(_MONTHS[mo - 1][:3])
                elif n == 5:
                    out.append(_MONTHS[mo - 1][0])
                else:
                    out.append(_MONTHS[mo - 1])
            elif c == "d":
                if n == 1:
                    out.append(str(d))
                elif n == 2:
                    out.append(f"{d:02d}")
                elif n == 3:
                    out.append(_DAYS[wd][:3])
                else:
                    out.append(_DAYS[wd])
            elif c == "h":
                hh = total // 3600 if elapsed_unit == "h" else h
                if has_ampm:
                    hh = h % 12 or 12
                out.append(f"{hh:02d}" if n >= 2 else str(hh))
            elif c == "s":
                v = total if elapsed_unit == "s" else s
                out.append(f"{v:02d}" if n >= 2 else str(v))
            elif c == "a":
                ja = any(k2 == "locale" and t2.lstrip("0").endswith(("411", "ja-jp", "ja"))
                         for k2, t2 in toks)
                day = (_WEEKDAYS_JA if ja else _WEEKDAYS_ZH)[wd]
                out.append(day if n == 3 else (day + "曜日" if ja else "星期" + day))
            else:
                out.append(t)
        elif k == "elapsed":
            c, n = t[0], len(t)
            v = {"h": total // 3600, "m": total // 60, "s": total}[c]
            out.append(str(v).rjust(n, "0"))
        elif k == "ampm":
            pm = h >= 12
            if len(t) == 5:
                word = "PM" if pm else "AM"
                out.append(word)
            else:
                a, p = t.split("/")
                out.append(p if pm else a)
        elif k == "dot" and decimals and i + 1 < len(toks) and toks[i + 1] == ("digit", "0"):
            j = i + 1
            while j < len(toks) and toks[j] == ("digit", "0"):
                j += 1
            nd = j - i - 1
            frac = f"{sub:0{decimals}d}"[:nd] if decimals else ""
            out.append("." + frac.ljust(nd, "0"))
            i = j
            continue
        elif k in ("lit", "slash", "denom", "comma", "dot"):
            out.append(t)
        elif k == "digit":
            out.append(t)
        elif k == "pct":
            out.append("%")
        elif k == "general":
            out.append(general(x))
        i += 1
    return "".join(out)
