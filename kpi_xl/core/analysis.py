"""Analyses: conversion × AOV quadrant, volatility, DSR rating."""
from __future__ import annotations

from .errors import KpiDivZeroError, KpiNumError, KpiValueError
from .values import (BLANK, at_least, cell_number, cells, language, numbers, same, scalar_number,
                     tidy, total, whole_number)

# The one table of quadrant labels, keyed by (conversion high?, AOV high?); the
# templates read it too, so a label changes in one place only.
QUADRANT_LABELS: dict[str, dict[tuple[bool, bool], str]] = {
    "zh": {(True, True): "高转化高客单", (True, False): "高转化低客单",
           (False, True): "低转化高客单", (False, False): "低转化低客单"},
    "en": {(True, True): "high conversion, high AOV", (True, False): "high conversion, low AOV",
           (False, True): "low conversion, high AOV", (False, False): "low conversion, low AOV"},
}

# What a team lead usually does about each quadrant (DOMAIN §4), for templates' notes.
QUADRANT_ADVICE: dict[str, dict[tuple[bool, bool], str]] = {
    "zh": {(True, True): "保持", (True, False): "加强产品知识与关联销售培训",
           (False, True): "检查响应速度", (False, False): "连续数月如此应考虑调岗"},
    "en": {(True, True): "keep it up", (True, False): "train product knowledge and cross-selling",
           (False, True): "check response speed", (False, False): "replace if it lasts for months"},
}


def quadrant(conversion, aov, conversion_ref, aov_ref, lang=None):
    """The conversion × AOV quadrant of an agent.

    A value equal to its reference counts as high.  Labels are Chinese by
    default, ``lang="en"`` for English (see QUADRANT_LABELS); another ``lang`` is
    ``#NUM!``.  Any blank input gives ""; a negative one ``#NUM!``.
    """
    labels = QUADRANT_LABELS[language(lang, "zh")]
    figures = [scalar_number(conversion, "conversion"), scalar_number(aov, "aov"),
               scalar_number(conversion_ref, "conversion_ref"), scalar_number(aov_ref, "aov_ref")]
    conv, value, conv_ref, value_ref = figures
    if conv is None or value is None or conv_ref is None or value_ref is None:
        return BLANK
    if min(conv, value, conv_ref, value_ref) < 0:
        raise KpiNumError("conversion and AOV cannot be negative")
    return labels[(at_least(conv, conv_ref), at_least(value, value_ref))]


def coefficient_of_variation(values):
    """Coefficient of variation (population standard deviation ÷ mean): month-to-month volatility.

    Blank cells are skipped (and booleans, as STDEV.P skips them); no values
    gives "", a mean of 0 ``#DIV/0!``.  A negative mean gives a negative result,
    as STDEV.P(...)/AVERAGE(...) would.
    """
    figures = numbers(values, "value")
    if not figures:
        return BLANK
    mean = total(figures) / len(figures)
    if mean == 0:
        raise KpiDivZeroError("the mean is 0")
    try:
        import statistics   # only here: its import (fractions, decimal) is a cost of every start
        spread = statistics.pstdev(figures)
    except OverflowError:
        raise KpiNumError("the values are too large") from None
    return tidy(spread / mean)


def dsr_rating(monthly_average, monthly_count, months=None):
    """DSR rating over the last months: Σ(average × count) ÷ Σ count.

    The two ranges are read cell by cell in reading order (oldest month first)
    and must have the same number of cells, else ``#VALUE!``.  A month counts
    when both its average and its count are filled; "the last ``months``" are
    the last ``months`` (default 6) such months in range order, so blank cells
    for months still to come do not shorten the window.  No filled month gives
    ""; a total count of 0 ``#DIV/0!``; negative figures ``#NUM!``.  DSR ratings
    are 1 to 5 stars, so a month with ratings whose average lies outside 1–5 (49
    typed for 4.9, a percentage) is ``#NUM!``, as is a count of ratings that is not
    a whole number: either would give a plausible-looking wrong rating.
    """
    window = whole_number(months, 6, "months", minimum=1)
    averages = cells(monthly_average)
    counts = cells(monthly_count)
    if len(averages) != len(counts):
        raise KpiValueError(f"{len(averages)} monthly averages but {len(counts)} monthly counts")
    filled = []
    for a, c in zip(averages, counts):
        average, count = cell_number(a, "monthly average"), cell_number(c, "monthly count")
        if average is not None and count is not None:
            if average < 0 or count < 0:
                raise KpiNumError("a monthly average or count is negative")
            if not same(count, round(count)):
                raise KpiNumError(f"the monthly count {count!r} is not a whole number")
            if count > 0 and not (at_least(average, 1) and at_least(5, average)):
                raise KpiNumError(f"the monthly average {average!r} is not a rating of 1 to 5")
            filled.append((average, count))
    if not filled:
        return BLANK
    recent = filled[-window:]
    ratings = total(c for _, c in recent)
    if ratings == 0:
        raise KpiDivZeroError("no ratings in the months counted")
    return tidy(total(a * c for a, c in recent) / ratings)
