"""Annuity functions (PMT, PV, FV, NPER, RATE, IPMT, PPMT, CUMIPMT, CUMPRINC) with Excel's
argument rules: a rate of -100 % or less is #NUM!, any non-zero type means payments at the
start of each period; the rates of return of a series of cash flows (IRR, XIRR, XNPV,
MIRR); depreciation (DB, DDB, VDB); dollar fractions (DOLLARDE, DOLLARFR).

RATE and IRR search by Newton's method from the guess, as Excel's documentation describes:
RATE stops within 0.0000001 (after at most _RATE_STEPS steps), IRR within 0.00001 percent
after at most 20; a search that does not settle is #NUM!. IRR steps in the discount factor
1/(1+rate), which keeps every step on the side of -100 % where the rate exists and finds
the root Excel finds where there are several. XIRR bisects a bracket (see _xirr), as the
bits of Excel's cached rates show.
"""
from __future__ import annotations

import math

from ..values import DIV0, NUM, VALUE, Arr, ExcelRaise, MultiRef, Ref, XlErr, to_bool, to_number
from . import excel
from .helpers import elementwise, numbers, scalarize


def _rate(r):
    x = to_number(r)
    if x <= -1:
        raise ExcelRaise(NUM)
    return x


def _real(compute):
    """PV and FV take any rate: a zero base is #DIV/0!, a complex result #NUM!."""
    try:
        v = compute()
    except ZeroDivisionError:
        raise ExcelRaise(DIV0)
    except OverflowError:
        raise ExcelRaise(NUM)
    if isinstance(v, complex):
        raise ExcelRaise(NUM)
    return v


def _type(t):
    return 0 if t is None else (1 if to_number(t) != 0 else 0)


def _opt(v):
    return 0 if v is None else to_number(v)


@excel("PMT", min_args=3, max_args=5)
@elementwise
def PMT(rate, nper, pv, fv=None, kind=None):
    """Calculates the payment for a loan based on constant payments and a constant interest rate."""
    return _pmt(_rate(rate), to_number(nper), to_number(pv), _opt(fv), _type(kind))


def _growth(r, n):
    """(1+r)^n and (1+r)^n - 1, through log1p and expm1 as Excel's results show: near 1 the
    difference keeps its digits (PMT(2.55%/12,144,-250000) is 2017.0915511034575)."""
    x = n * math.log1p(r)
    gm1 = math.expm1(x)
    return gm1 + 1, gm1


def _pmt(r, n, p, f, t):
    if r == 0:
        if n == 0:
            raise ExcelRaise(NUM)
        return -(p + f) / n
    g, gm1 = _growth(r, n)
    if gm1 == 0:
        raise ExcelRaise(NUM)
    return -(r * (f + p * g)) / ((1 + r * t) * gm1)


@excel("PV", min_args=3, max_args=5)
@elementwise
def PV(rate, nper, pmt, fv=None, kind=None):
    """Returns the present value of an investment."""
    r, n, m, f, t = to_number(rate), to_number(nper), to_number(pmt), _opt(fv), _type(kind)
    if r == 0:
        return -(f + m * n)
    return _real(lambda: -(f + m * (1 + r * t) * ((1 + r) ** n - 1) / r) / (1 + r) ** n)


@excel("FV", min_args=3, max_args=5)
@elementwise
def FV(rate, nper, pmt, pv=None, kind=None):
    """Returns the future value of an investment."""
    r, n, m, p, t = to_number(rate), to_number(nper), to_number(pmt), _opt(pv), _type(kind)
    if r == 0:
        return -(p + m * n)
    return _real(lambda: -(p * (1 + r) ** n + m * (1 + r * t) * ((1 + r) ** n - 1) / r))


@excel("NPER", min_args=3, max_args=5)
@elementwise
def NPER(rate, pmt, pv, fv=None, kind=None):
    """Returns the number of periods for an investment."""
    r, m, p, f, t = _rate(rate), to_number(pmt), to_number(pv), _opt(fv), _type(kind)
    if r == 0:
        if m == 0:
            raise ExcelRaise(NUM)
        return -(p + f) / m
    a = m * (1 + r * t) - f * r
    b = m * (1 + r * t) + p * r
    if b == 0 or a / b <= 0:
        raise ExcelRaise(NUM)
    return math.log(a / b) / math.log(1 + r)


@excel("MIRR", min_args=3, max_args=3)
def MIRR(calc, values, finance_rate, reinvest_rate):
    """Returns the internal rate of return where positive and negative cash flows are financed at different rates."""
    try:
        flows = numbers(calc, [values])
        f = to_number(scalarize(calc, finance_rate))
        r = to_number(scalarize(calc, reinvest_rate))
    except ExcelRaise as exc:
        return exc.err
    n = len(flows)
    # Powers are taken flow by flow, so a rate of -100 % is fine wherever 0⁰ = 1 suffices.
    try:
        future = sum(v * (1 + r) ** (n - 1 - i) for i, v in enumerate(flows) if v > 0)
        present = sum(v / (1 + f) ** i for i, v in enumerate(flows) if v < 0)
    except ZeroDivisionError:
        return DIV0
    except OverflowError:
        return NUM
    if present == 0 or n < 2:
        return DIV0
    ratio = future / -present
    if ratio < 0:
        return NUM
    try:
        return ratio ** (1 / (n - 1)) - 1
    except OverflowError:
        return NUM


def _rate_residual(r, n, m, p, f, t):
    """The balance left after n periods, PV·(1+r)^n + PMT·(1+r·type)·((1+r)^n-1)/r + FV, and
    its derivative in r."""
    if r == 0:
        return p + m * n + f, p * n + m * n * (n - 1) / 2 + m * t * n
    g = (1 + r) ** n
    dg = n * (1 + r) ** (n - 1)
    a = m * (1 + r * t) / r
    da = m * t / r - m * (1 + r * t) / (r * r)
    return p * g + a * (g - 1) + f, p * dg + da * (g - 1) + a * dg


# Excel's documentation says 20 steps, but its cached values show RATE settling where
# Newton's method needs 27 (300 periods from the guess 0.1); 3,300 periods never settle.
_RATE_STEPS = 100


@excel("RATE", min_args=3, max_args=6)
@elementwise
def RATE(nper, pmt, pv, fv=None, kind=None, guess=None):
    """Returns the interest rate per period of an annuity."""
    n, m, p, f, t = to_number(nper), to_number(pmt), to_number(pv), _opt(fv), _type(kind)
    r = 0.1 if guess is None else to_number(guess)
    if n <= 0:
        raise ExcelRaise(NUM)
    for _ in range(_RATE_STEPS):
        try:
            y, dy = _rate_residual(r, n, m, p, f, t)
            step = y / dy
        except (ZeroDivisionError, OverflowError):
            raise ExcelRaise(NUM) from None
        if isinstance(step, complex) or not math.isfinite(step):
            raise ExcelRaise(NUM)
        r -= step
        if abs(step) < 1e-7:
            if r <= -1:
                raise ExcelRaise(NUM)
            return r
    raise ExcelRaise(NUM)


def _guess(calc, guess, default=0.1):
    if guess is None:
        return default
    g = scalarize(calc, guess)
    return default if g is None else to_number(g)


@excel("IRR", min_args=1, max_args=2, args="a [v]")
def IRR(calc, values, guess=None):
    """Returns the internal rate of return for a series of cash flows."""
    flows = numbers(calc, [values])
    g = _guess(calc, guess)
    if g <= -1:
        raise ExcelRaise(VALUE)
    if not any(v > 0 for v in flows) or not any(v < 0 for v in flows):
        raise ExcelRaise(NUM)
    # NPV times (1+r)^0 is a polynomial in x = 1/(1+r): sum of v_i x^i
    x = 1 / (1 + g)
    r = g
    for _ in range(20):
        y = dy = 0.0
        for v in reversed(flows):
            dy = dy * x + y
            y = y * x + v
        if dy == 0:
            raise ExcelRaise(NUM)
        x -= y / dy
        if x <= 0 or not math.isfinite(x):
            raise ExcelRaise(NUM)
        new = 1 / x - 1
        if abs(new - r) <= 1e-7 * max(1.0, abs(new)):
            return new
        r = new
    raise ExcelRaise(NUM)


def _cash_flows(calc, values, dates, *, refuse):
    """(values, whole-day dates) of XNPV and XIRR. A blank, text or logical value is
    ``refuse`` (XIRR: #VALUE!, XNPV: #NUM!; XIRR takes a blank as 0); an error is the
    result; sizes that differ, a negative date or one before the first are #NUM!."""
    vs = _cells(calc, values)
    ds = _cells(calc, dates)
    flows = []
    for v in vs:
        tv = type(v)
        if tv is XlErr:
            raise ExcelRaise(v)
        if tv is float or tv is int:
            flows.append(v)
        elif v is None and refuse is VALUE:
            flows.append(0)
        else:
            raise ExcelRaise(refuse)
    days = []
    for d in ds:
        td = type(d)
        if td is XlErr:
            raise ExcelRaise(d)
        if td is float or td is int:
            days.append(math.floor(d))
        elif d is None:
            days.append(0)
        else:
            raise ExcelRaise(VALUE)
    if len(flows) != len(days):
        raise ExcelRaise(NUM)
    if not flows or any(d < 0 or d < days[0] for d in days):
        raise ExcelRaise(NUM)
    return flows, [(d - days[0]) / 365 for d in days]


def _cells(calc, x):
    if isinstance(x, (Ref, MultiRef, Arr)):
        return [v for row in calc.values(x) for v in row]
    if isinstance(x, XlErr):
        raise ExcelRaise(x)
    return [x]


def _xnpv(r, flows, years):
    return math.fsum(v / (1 + r) ** t for v, t in zip(flows, years))


@excel("XNPV", min_args=3, max_args=3, args="v a a")
def XNPV(calc, rate, values, dates):
    """Returns the net present value for a schedule of cash flows that is not necessarily periodic."""
    r = to_number(scalarize(calc, rate))
    flows, years = _cash_flows(calc, values, dates, refuse=NUM)
    if r < 0:
        raise ExcelRaise(NUM)
    return _xnpv(r, flows, years)


#: XIRR's search: bisection of a bracket, at least _XIRR_HALVINGS halvings (the bracket
#: narrowed to 0.000001 percent of itself, Excel's documented accuracy), then until XNPV is
#: within _XIRR_RESIDUE of the flows' total size; 100 halvings at most.
_XIRR_HALVINGS = 27
_XIRR_RESIDUE = 2e-8


def _xirr_bracket(npv, step):
    """(low, high, XNPV at high) around a root: [0, step·2^k] for the first k where XNPV
    changes sign from its value at 0, else [-step, 0] or [-100 %, -step]."""
    f0 = npv(0.0)
    h = step
    for _ in range(64):
        fh = npv(h)
        if (fh > 0) != (f0 > 0):
            return 0.0, h, fh
        h *= 2
    fs = npv(-step)
    if (fs > 0) != (f0 > 0):
        return -step, 0.0, f0
    return -1.0, -step, fs


def _xirr(flows, years, step):
    """Excel's cached XIRRs are midpoints of such a bracket (twelve of thirteen oracle rates
    to the last bit, the thirteenth within one unit in the last place): the rate where the
    last halving stopped, up to 2e-8 from the root, not the root itself."""
    total = math.fsum(abs(v) for v in flows)

    def npv(r):
        return _xnpv(r, flows, years)

    try:
        lo, hi, fhi = _xirr_bracket(npv, step)
        for i in range(100):
            mid = (lo + hi) / 2
            fm = npv(mid)
            if i + 1 >= _XIRR_HALVINGS and abs(fm) < _XIRR_RESIDUE * total:
                return mid
            if (fm > 0) == (fhi > 0):
                hi, fhi = mid, fm
            else:
                lo = mid
    except (ZeroDivisionError, OverflowError):
        pass
    raise ExcelRaise(NUM)


@excel("XIRR", min_args=2, max_args=3, args="a a [v]")
def XIRR(calc, values, dates, guess=None):
    """Returns the internal rate of return for a schedule of cash flows that is not necessarily periodic."""
    flows, years = _cash_flows(calc, values, dates, refuse=VALUE)
    g = _guess(calc, guess)
    if g <= -1:
        raise ExcelRaise(NUM)
    if not any(v > 0 for v in flows) or not any(v < 0 for v in flows):
        raise ExcelRaise(NUM)
    # the bracket grows from the guess (a guess of 0 or below: from 10 %)
    return _xirr(flows, years, g if g > 0 else 0.1)


def _interest(r, per, n, p, f, t):
    """IPMT's value: the interest part of payment ``per`` (any real per from 1 to nper + 1):
    the rate on the balance left after per - 1 payments, written so that no digits are lost
    to a difference of nearly equal terms (the balance near the end of a loan)."""
    if r == 0 or (t == 1 and per == 1):
        return 0.0                      # paid at once: no interest has accrued yet
    x = math.log1p(r)
    j = per - 1
    balance = (p * math.exp(j * x) * math.expm1((n - j) * x) - f * math.expm1(j * x)) \
        / math.expm1(n * x)
    return -balance * r / (1 + r) if t == 1 else -balance * r


def _principal(r, per, n, p, f, t):
    """PPMT's value: (pv + fv)·r·(1+r)^(per-1)/((1+r)^nper - 1), one period less when
    payments are at the start (the first payment is then all principal)."""
    if r == 0 or (t == 1 and per == 1):
        return _pmt(r, n, p, f, t)
    x = math.log1p(r)
    return -r * (p + f) * math.exp((per - 1 - t) * x) / math.expm1(n * x)


def _period_args(rate, per, nper, pv, fv, kind):
    """IPMT's and PPMT's arguments as numbers; #NUM! for a period outside 1..nper."""
    r, k, n, p, f, t = (_rate(rate), to_number(per), to_number(nper), to_number(pv), _opt(fv),
                        _type(kind))
    if k < 1 or k >= n + 1:
        raise ExcelRaise(NUM)
    return r, k, n, p, f, t


@excel("IPMT", min_args=4, max_args=6)
@elementwise
def IPMT(rate, per, nper, pv, fv=None, kind=None):
    """Returns the interest payment for an investment for a given period."""
    args = _period_args(rate, per, nper, pv, fv, kind)
    return _real(lambda: _interest(*args))


@excel("PPMT", min_args=4, max_args=6)
@elementwise
def PPMT(rate, per, nper, pv, fv=None, kind=None):
    """Returns the payment on the principal for an investment for a given period."""
    args = _period_args(rate, per, nper, pv, fv, kind)
    return _real(lambda: _principal(*args))


def _strict(v):
    """A number for CUMIPMT and CUMPRINC, which refuse logical values (#VALUE!)."""
    if isinstance(v, bool):
        raise ExcelRaise(VALUE)
    return to_number(v)


def _cumulative(rate, nper, pv, start, end, kind, principal):
    r, n, p, s, e, t = (_strict(v) for v in (rate, nper, pv, start, end, kind))
    if r <= 0 or n <= 0 or p <= 0 or s < 1 or e < s or e > n or t not in (0, 1):
        raise ExcelRaise(NUM)
    t = int(t)
    part = _principal if principal else _interest
    # the whole periods from start (rounded up) to end (rounded down)
    return _real(lambda: math.fsum(part(r, k, n, p, 0, t)
                                   for k in range(math.ceil(s), math.floor(e) + 1)))


@excel("CUMIPMT", min_args=6, max_args=6)
@elementwise
def CUMIPMT(rate, nper, pv, start_period, end_period, kind):
    """Returns the cumulative interest paid between two periods."""
    return _cumulative(rate, nper, pv, start_period, end_period, kind, False)


@excel("CUMPRINC", min_args=6, max_args=6)
@elementwise
def CUMPRINC(rate, nper, pv, start_period, end_period, kind):
    """Returns the cumulative principal paid on a loan between two periods."""
    return _cumulative(rate, nper, pv, start_period, end_period, kind, True)


#: DB steps through its periods up to this many, as Excel's documentation states the rule;
#: beyond, the closed form of the same rule (its floating-point rounding differs slightly).
_DB_STEPS = 10000


@excel("DB", min_args=4, max_args=5)
@elementwise
def DB(cost, salvage, life, period, *month):
    """Returns the depreciation of an asset for a specified period by using the fixed-declining balance method."""
    c, s, n, p = to_number(cost), to_number(salvage), to_number(life), to_number(period)
    # omitted, 12 months; a blank cell is 0 (#NUM!); a fraction of a month is dropped
    m = math.trunc(to_number(month[0])) if month else 12
    if c < 0 or s < 0 or n <= 0 or p <= 0 or m < 1 or m > 12 or p > n + 1:
        raise ExcelRaise(NUM)
    if c == 0:
        return 0.0
    # Excel's documentation: the rate rounded to three decimals, a first period of
    # ``month`` months, a last (life + 1) of the months left; a fractional period
    # counts as the whole periods it completes.
    rate = round(1 - (s / c) ** (1 / n), 3)
    last = math.floor(p)
    if last > _DB_STEPS:
        # Far periods (a life of a billion periods) in closed form: after the first period
        # the balance falls by (1 - rate) a period; the last (life + 1) takes the months left.
        balance = c * (1 - rate * m / 12)
        if last <= n:
            return balance * (1 - rate) ** (last - 2) * rate
        return balance * (1 - rate) ** (math.floor(n) - 1) * rate * (12 - m) / 12
    total = 0.0
    dep = 0.0
    for k in range(1, last + 1):
        if k == 1:
            dep = c * rate * m / 12
        elif k > n:
            dep = (c - total) * rate * (12 - m) / 12
        else:
            dep = (c - total) * rate
        total += dep
    return dep


@excel("DDB", min_args=4, max_args=5)
@elementwise
def DDB(cost, salvage, life, period, *factor):
    """Returns the depreciation of an asset for a specified period by using the double-declining balance method or some other method that you specify."""
    c, s, n, p = to_number(cost), to_number(salvage), to_number(life), to_number(period)
    f = to_number(factor[0]) if factor else 2       # a blank cell is 0 (#NUM!)
    if c < 0 or s < 0 or n <= 0 or p <= 0 or p > n or f <= 0:
        raise ExcelRaise(NUM)
    # The balance after period - 1 periods at factor/life a period (a rate above 100 %
    # takes everything in the first), never below the salvage value.
    rate = min(f / n, 1.0)
    left = c * (1 - rate) ** (p - 1)
    return max(0.0, min(left * rate, left - s if p > 1 else c - s))


#: VDB walks its schedule period by period up to the end period; a longer walk is #NUM!.
_VDB_PERIODS = 1_000_000


@excel("VDB", min_args=5, max_args=7)
@elementwise
def VDB(cost, salvage, life, start_period, end_period, *rest):
    """Returns the depreciation of an asset for a specified or partial period by using a declining balance method."""
    c, s, n = to_number(cost), to_number(salvage), to_number(life)
    a, e = to_number(start_period), to_number(end_period)
    f = to_number(rest[0]) if rest else 2       # a blank cell is 0 (#NUM!)
    no_switch = to_bool(rest[1]) if len(rest) > 1 else False
    if c < 0 or s < 0 or n <= 0 or a < 0 or e < a or e > n or f <= 0:
        raise ExcelRaise(NUM)
    if e - a > _VDB_PERIODS or e > _VDB_PERIODS:
        raise ExcelRaise(NUM)
    # Excel's cached values show the schedule laid on the start's fraction: a first period
    # of that fraction, then whole periods from it, each at factor/life of the book value
    # or, once larger (unless no_switch), the straight line over the life left from the
    # period's start; depreciation accrues evenly within a period.
    rate = min(f / n, 1.0)
    frac = a - math.floor(a)
    bounds = [0.0, frac] if frac else [0.0]
    value, total, line = c, 0.0, None
    lo = bounds[-1]
    if frac:
        per = min(value * rate, value - s)
        per = max(per, 0.0)
        total += per * max(0.0, min(frac, e) - a)
        value -= per * frac
    while lo < e:
        hi = min(lo + 1, n)
        if line is None:
            per = value * rate
            straight = (value - s) / (n - lo)
            if not no_switch and straight > per:
                line = straight
        if line is not None:
            # the straight line spends what is left by the end of the life
            return total + line * (e - max(lo, a))
        per = max(0.0, min(per, (value - s) / (hi - lo)))
        total += per * max(0.0, min(hi, e) - max(lo, a))
        value -= per * (hi - lo)
        lo = hi
    return total


def _dollar_args(dollar, fraction):
    """DOLLARDE's and DOLLARFR's arguments: logical values are refused (#VALUE!), the
    fraction is cut to a whole number, negative is #NUM! and 0 #DIV/0!."""
    if isinstance(dollar, bool) or isinstance(fraction, bool):
        raise ExcelRaise(VALUE)
    d, f = to_number(dollar), math.trunc(to_number(fraction))
    if f < 0:
        raise ExcelRaise(NUM)
    if f == 0:
        raise ExcelRaise(DIV0)
    # the fraction's part is written over the next power of ten (1/16 as .01-.15)
    return d, f, 10 ** math.ceil(math.log10(f))


@excel("DOLLARDE", min_args=2, max_args=2)
@elementwise
def DOLLARDE(fractional_dollar, fraction):
    """Converts a dollar price, expressed as a fraction, into a dollar price, expressed as a decimal number."""
    d, f, scale = _dollar_args(fractional_dollar, fraction)
    whole = math.trunc(d)
    return whole + (d - whole) * scale / f


@excel("DOLLARFR", min_args=2, max_args=2)
@elementwise
def DOLLARFR(decimal_dollar, fraction):
    """Converts a dollar price, expressed as a decimal number, into a dollar price, expressed as a fraction."""
    d, f, scale = _dollar_args(decimal_dollar, fraction)
    whole = math.trunc(d)
    return whole + (d - whole) * f / scale
