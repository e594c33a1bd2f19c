"""From score to money: rates, bonus, commission, final score, year-end, tenure."""
from __future__ import annotations

import math

from .errors import KpiNumError, KpiValueError
from .values import (BLANK, at_least, below, cell_number, cells, is_blank, numbers, option, same,
                     scalar_number, table_number, table_rows, tidy, total, whole_number)

COMMISSION_MODES = {"flat": "flat", "progressive": "progressive", "全额": "flat", "累进": "progressive"}


def _not_negative(x: float, what: str) -> float:
    if x < 0:
        raise KpiNumError(f"{what} cannot be negative")
    return x


#: A score of at least this is on a points scale (0–100), where a threshold between 0 and 1
#: is a percentage typed for points: 90 % for 90 makes every agent above 0.9 points.
POINTS_FROM = 10.0


def percentage_for_points(threshold: float, score: float | None, *,
                          one_too: bool = False) -> bool:
    """Whether ``threshold``, above 0 and below 1 (or at 1, with ``one_too``), is set against
    a score of :data:`POINTS_FROM` or more: scores in points, the threshold typed as a
    percentage (90 % is 0.9), which every agent passes.  Ratio schemes (scores near 1,
    thresholds 1) are not."""
    return score is not None and not below(score, POINTS_FROM) and below(0.0, threshold) and \
        (below(threshold, 1.0) or (one_too and same(threshold, 1.0)))


def _threshold_of_points(threshold: float, what: str, score: float | None, *,
                         one_too: bool = False) -> None:
    """``#NUM!`` when :func:`percentage_for_points`."""
    if percentage_for_points(threshold, score, one_too=one_too):
        assert score is not None
        raise KpiNumError(
            f"{what} is {threshold:g} while the score is {score:g} points: "
            f"a percentage typed for points ({threshold * 100:g} meant)?")


def safe_rate(numerator, denominator, if_zero=None):
    """Numerator ÷ denominator, with a chosen result for a zero denominator.

    Blank numerator or denominator gives ""; a negative one is ``#NUM!`` (counts
    and amounts are never negative).  ``if_zero`` defaults to 0 and may be any
    value, text included (e.g. "-"), since it is shown, not computed with.
    """
    top = scalar_number(numerator, "numerator")
    bottom = scalar_number(denominator, "denominator")
    if top is None or bottom is None:
        return BLANK
    _not_negative(top, "the numerator")
    _not_negative(bottom, "the denominator")
    if bottom == 0:
        if is_blank(if_zero):
            return 0.0
        if isinstance(if_zero, str):
            return if_zero
        return scalar_number(if_zero, "if_zero")
    return tidy(top / bottom)


def monthly_bonus(score, amount, full_at=None, none_below=None):
    """Monthly bonus: full at ≥ full_at, none below none_below, otherwise amount × score %.

    Defaults 90 and 70; 70–90 pays amount × score / 100.  ``none_below`` above
    ``full_at`` or a negative amount is ``#NUM!``, and so is a threshold typed as a
    percentage against a score in points (``full_at`` 0.9 — "90 %" — with a score of 10 or
    more: every agent would be paid in full).
    """
    full = scalar_number(full_at, "full_at")
    full = 90.0 if full is None else full
    floor = scalar_number(none_below, "none_below")
    floor = 70.0 if floor is None else floor
    if below(full, floor):
        raise KpiNumError("none_below is above full_at")
    s = scalar_number(score, "score")
    pay = scalar_number(amount, "amount")
    if s is None or pay is None:
        return BLANK
    _not_negative(pay, "the bonus amount")
    _threshold_of_points(full, "full_at", s, one_too=True)
    _threshold_of_points(floor, "none_below", s)
    if at_least(s, full):
        return pay
    if below(s, floor):
        return 0.0
    return tidy(pay * s / 100)


#: No commission tier pays half the sales or more: a rate read as that much was typed in the
#: other scale (0.5, 0.8, 1 for 0.5 %, 0.8 %, 1 %).
MOST_RATE = 0.5
#: Below this, a percent figure is not a tier anyone sets (0.03 % of sales): among percent
#: figures, such a rate is a fraction typed beside them (0.03 for 3 %).
LEAST_PERCENT_FIGURE = 0.1


def _rates_as_fractions(steps):
    """The tiers with their rates as fractions: percent figures (3 for 3 %) when any rate
    exceeds 1.  ``#NUM!`` for the tables that would pay a wrong amount without a word:
    fractions and percent figures mixed (0.03, 0.04, 5: read as percent figures, the
    first two would pay 0.03 % and 0.04 %), and a rate of :data:`MOST_RATE` or more of
    the sales (0.5, 0.8, 1 meant as percents, read as fractions)."""
    rates = [r for _, r in steps]
    if any(r > 1 for r in rates):
        small = [r for r in rates if 0 < r < LEAST_PERCENT_FIGURE]
        if small:
            low, high = small[0], max(rates)
            raise KpiNumError(
                f"tiers mix fractions and percent figures among the rates: {low:g} (a fraction, "
                f"{low * 100:g} %) beside {high:g} (a percent figure, {high:g} %); type them "
                f"alike, {low * 100:g} % and {high:g} %")
        steps = [(s, r / 100) for s, r in steps]
        if not below(max(rates) / 100, MOST_RATE):
            raise KpiNumError(f"tiers has a rate of {max(rates):g} %, half the sales or more")
    elif not below(max(rates, default=0.0), MOST_RATE):
        high = max(rates)
        raise KpiNumError(
            f"tiers has a rate of {high:g}, which pays {high * 100:g} % of the sales: percent "
            f"figures typed as fractions ({high:g} for {high:g} %)? Type them as percentages "
            f"({high:g} %)")
    return steps


def commission(sales, tiers, mode=None):
    """Commission on sales from a tier table.

    ``tiers`` are (from, rate) rows in any order; a blank "from" is 0.  Rates are
    fractions (0.03), or percent figures (3) when any rate exceeds 1 -- the same
    rule as weights.  Sales below the lowest "from" earn nothing (the floor).
    "flat" (default): all sales at the rate of the highest tier reached;
    "progressive": each slice of sales between one "from" and the next at its
    tier's rate.  Repeated "from" values or negative figures are ``#NUM!``, and so
    are rates that cannot be what was meant (see :func:`_rates_as_fractions`): the
    two scales mixed in one table, or a rate of half the sales or more.
    """
    how = option(mode, COMMISSION_MODES, "flat", "mode")
    amount = scalar_number(sales, "sales")
    if amount is None:
        return BLANK
    _not_negative(amount, "sales")
    width, table = table_rows(tiers)
    if not table:
        raise KpiNumError("the tier table is empty")
    if width != 2:
        raise KpiValueError(f"the tier table has {width} columns; it needs 2 (from, rate)")
    steps = []
    for n, (start, rate) in table:
        start = table_number(start, f"row {n}, column 1")
        rate = table_number(rate, f"row {n}, column 2")
        if rate is None:
            raise KpiValueError(f"row {n} of the tier table has no rate")
        steps.append((0.0 if start is None else start, rate))
    if any(s < 0 or r < 0 for s, r in steps):
        raise KpiNumError("a tier's start or rate is negative")
    steps = _rates_as_fractions(steps)
    steps.sort()
    if any(not below(a[0], b[0]) for a, b in zip(steps, steps[1:])):
        raise KpiNumError("two tiers start at the same sales figure")
    reached = [i for i, (start, _) in enumerate(steps) if at_least(amount, start)]
    if not reached:
        return 0.0
    if how == "flat":
        return tidy(amount * steps[reached[-1]][1])
    parts = []
    for i in reached:
        start, rate = steps[i]
        end = steps[i + 1][0] if i + 1 < len(steps) else math.inf
        parts.append((min(amount, end) - start) * rate)
    return tidy(total(parts))


def final_score(score, bonus_points=None, negatives=None, per_negative=None, cap=None):
    """Final score: score + bonus points − deductions, never below 0, capped when asked.

    Deductions are ``per_negative`` (default 10) × the sum of ``negatives``
    (occurrences of a negative indicator).  Blank cells in the ranges count as
    nothing; negative counts, deductions or cap are ``#NUM!``, and so is a count
    that is not a whole number (1.5 occurrences would deduct 15 points for a typing
    slip), and a ``cap`` typed as a percentage against a score in points (1 for 100 %,
    with a score of 10 or more: every final score would be 1).
    """
    s = scalar_number(score, "score")
    each = scalar_number(per_negative, "per_negative")
    each = 10.0 if each is None else _not_negative(each, "per_negative")
    limit = scalar_number(cap, "cap")
    if limit is not None:
        _not_negative(limit, "cap")
    extra = numbers(bonus_points, "bonus points")
    counts = numbers(negatives, "negatives")
    if any(c < 0 for c in counts):
        raise KpiNumError("a count of negative-indicator occurrences is negative")
    if any(not same(c, round(c)) for c in counts):
        raise KpiNumError("a count of negative-indicator occurrences is not a whole number")
    if s is None:
        return BLANK
    if limit is not None:
        _threshold_of_points(limit, "cap", s, one_too=True)
    result = max(0.0, total([s, *extra, -each * total(counts)]))
    if limit is not None:
        result = min(result, limit)
    return tidy(result)


def year_end_eligible(monthly_scores, threshold=None, max_run=None, max_total=None):
    """TRUE when eligible for the year-end bonus.

    FALSE when ``max_run`` (3) consecutive months, or ``max_total`` (4) months in
    all, are strictly below ``threshold`` (70).  Months are read in reading order;
    a blank month is not counted and ends a run.  All months blank gives "".  A
    ``threshold`` between 0 and 1 against monthly scores of 10 or more is ``#NUM!``: 70
    typed as 70 % (0.7), which every month would pass.
    """
    limit = scalar_number(threshold, "threshold")
    limit = 70.0 if limit is None else limit
    run_limit = whole_number(max_run, 3, "max_run", minimum=1)
    total_limit = whole_number(max_total, 4, "max_total", minimum=1)
    months = [cell_number(c, "monthly score") for c in cells(monthly_scores)]
    if all(m is None for m in months):
        return BLANK
    _threshold_of_points(limit, "threshold", max(m for m in months if m is not None))
    run = failed = 0
    for month in months:
        if month is not None and below(month, limit):
            run += 1
            failed += 1
            if run >= run_limit or failed >= total_limit:
                return False
        else:
            run = 0
    return True


def tenure_base(months, base, step=None, every=None, after=None):
    """Base salary stepped up by tenure.

    base + step × (⌊(months − after) ÷ every⌋ + 1) once months ≥ after, else base;
    defaults step 100, every 3, after 3 (+100 at month 3, +200 at month 6 ...).
    Negative months or ``after``, or ``every`` not above 0, are ``#NUM!``.
    """
    raise_by = scalar_number(step, "step")
    raise_by = 100.0 if raise_by is None else raise_by
    period = scalar_number(every, "every")
    period = 3.0 if period is None else period
    start = scalar_number(after, "after")
    start = 3.0 if start is None else _not_negative(start, "after")
    if period <= 0:
        raise KpiNumError("every must be above 0")
    served = scalar_number(months, "months")
    salary = scalar_number(base, "base")
    if served is None or salary is None:
        return BLANK
    _not_negative(served, "months")
    if below(served, start):
        return salary
    # tidy first so that 0.3 months ÷ 0.1 counts as 3 steps, not 2.999...
    steps = math.floor(tidy((served - start) / period)) + 1
    return tidy(salary + raise_by * steps)
