"""Weights: the weighted total and the check that weights add up to 100 %."""
from __future__ import annotations

from typing import Any

from .errors import KpiNumError, KpiValueError
from .messages import check_message
from .values import BLANK, cell_number, cells, language, tidy, total


def weight_fractions(weights: Any) -> list[float | None]:
    """The weights cell by cell as fractions; None for a blank (or boolean) cell.

    Weights are fractions (0.3) unless any weight exceeds 1: then all are percent
    figures (30) and are divided by 100.  A negative weight is ``#NUM!``.
    """
    values = [cell_number(c, "weight") for c in cells(weights)]
    if any(w is not None and w < 0 for w in values):
        raise KpiNumError("a weight is negative")
    if any(w is not None and w > 1 for w in values):
        return [None if w is None else w / 100 for w in values]
    return values


def weighted_total(scores, weights):
    """Weighted total: the sum of score × weight.

    ``scores`` and ``weights`` are read cell by cell in reading order and must
    have the same number of cells (a row against a column is fine); otherwise
    ``#VALUE!``.  The weights need not add up to 100 % (KPI_CHECK_WEIGHTS says
    when they do not).  A KPI with a blank or zero weight is left out.  While any
    weighted KPI's score is still blank the total is "" rather than a total that
    silently counts the missing score as 0; so are all-blank scores or weights.
    """
    score_cells = cells(scores)
    fractions = weight_fractions(weights)
    if len(score_cells) != len(fractions):
        raise KpiValueError(f"{len(score_cells)} scores but {len(fractions)} weights")
    values = [cell_number(c, "score") for c in score_cells]
    if all(w is None for w in fractions) or all(s is None for s in values):
        return BLANK
    terms = []
    for score, weight in zip(values, fractions):
        if not weight:
            continue
        if score is None:
            return BLANK
        terms.append(score * weight)
    return tidy(total(terms))


def check_weights(weights, lang=None):
    """"OK" when the weights add up to 100 %, otherwise a sentence with the sum.

    Fractions or percent figures as in KPI_WEIGHTED; tolerance 1e-9.  All-blank
    weights give "".  ``lang`` "en" (default) or "zh" picks the language of the
    sentence, as in KPI_CHECK_BANDS; another ``lang`` is ``#NUM!``.
    """
    lang = language(lang, "en")
    fractions = [w for w in weight_fractions(weights) if w is not None]
    if not fractions:
        return BLANK
    added = total(fractions)
    if abs(added - 1) <= 1e-9:
        return "OK"
    return check_message("weights_sum", lang, total=f"{tidy(added * 100):.10g}")
