"""Band scoring: value → points through a band table, and checks of the tables.

A band table is a range of rows in one of two forms:

* 3 columns ``(lower, upper, points)``; a blank bound is open.  With
  ``closed="left"`` (the default) a row holds ``lower ≤ x < upper`` ("38 % ≤ X <
  41 %"); with ``closed="right"`` it holds ``lower < x ≤ upper`` ("10 < ST ≤ 15").
  When rows overlap, the first row from the top that holds the value wins.
* 2 columns ``(threshold, points)``, in any row order.  With ``closed="left"`` the
  thresholds are lower bounds and the highest one ≤ x wins; with
  ``closed="right"`` they are upper bounds and the smallest one ≥ x wins.  A blank
  threshold is the open end (below everything for "left", above for "right").

A first row of text headers and fully blank rows are ignored, as are trailing
columns that are blank in every row, except a 3-column table's points column left
blank in every row (named by the header, or beside bounds that pair up row after
row): its rows score "" and its check names them, where read as (threshold, points)
the upper bounds would be taken for points.  Row numbers in messages count every
row of the range as given, headers and blank rows included, so they point at the sheet.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from .errors import CellError, KpiNotFoundError, KpiNumError, KpiValueError
from .messages import check_message
from .values import (BLANK, at_least, below, is_blank, language, numbers, option, rows,
                     same, scalar_number, table_number, table_rows, tidy, whole_number)

CLOSED_SIDES = {"left": "left", "right": "right", "l": "left", "r": "right",
                "左": "left", "右": "right"}
DIRECTIONS = {"higher": "higher", "lower": "lower", "high": "higher", "low": "lower",
              "高": "higher", "低": "lower"}


@dataclass(frozen=True)
class Band:
    row: int                 # 1-based row of the range as given
    lower: float | None      # None: open below
    upper: float | None      # None: open above
    points: float | None     # None: the row has no points yet


class _UnreadableTable(KpiValueError):
    """#VALUE! for the scoring functions; KPI_CHECK_BANDS says it as the ``key`` message."""

    def __init__(self, message: str, key: str, **fields):
        super().__init__(message)
        self.key, self.fields = key, fields


def _table_cell(value: Any, row: int, column: int) -> float | None:
    try:
        return table_number(value, f"row {row}, column {column}")
    except KpiValueError as exc:
        where = {"row": row, "column": column}
        if isinstance(value, CellError):
            problem = _UnreadableTable(str(exc), "cell_error", error=str(value), **where)
        elif isinstance(value, str):
            problem = _UnreadableTable(str(exc), "cell_text", text=value, **where)
        elif isinstance(value, bool):
            problem = _UnreadableTable(str(exc), "cell_logical",
                                       logical="TRUE" if value else "FALSE", **where)
        else:
            problem = _UnreadableTable(str(exc), "cell_not_number", **where)
        raise problem from None


def _band_rows(rng: Any) -> tuple[int, list[tuple[int, list]]]:
    """A band table's rows and width, where a range of 3 columns whose points were all
    cleared stays a 3-column table (its rows score "" and its check names them).

    Read as 2 columns it would be (threshold, points), its upper bounds taken for points:
    a response time of 12 s in 10-20 s would score 20.  Such a range is kept at 3 columns
    when a header row names the third, or when each row's second number is the next
    row's first (or the other way round): bounds in pairs, not points.
    """
    width, table = table_rows(rng, keep_named=True)
    if width == 2 and len(table) >= 2 and max(map(len, rows(rng))) >= 3 and _in_pairs(table):
        return 3, [(n, r + [None]) for n, r in table]
    return width, table


def _in_pairs(table) -> bool:
    def number(c):
        return c if isinstance(c, (int, float)) and not isinstance(c, bool) else None

    pairs = [(number(r[0]), number(r[1])) for _, r in table]
    return any(all(a[k] is not None and b[1 - k] is not None and same(a[k], b[1 - k])
                   for a, b in zip(pairs, pairs[1:])) for k in (0, 1))


def _numeric_table(rng: Any, widths: tuple[int, ...], what: str) -> tuple[int, list[tuple[int, list]]]:
    width, table = _band_rows(rng) if 3 in widths else table_rows(rng)
    if table and width not in widths:
        expected = " or ".join(str(w) for w in widths)
        raise _UnreadableTable(f"{what} has {width} columns; it needs {expected}", "table_width",
                               width=width)
    return width, [(n, [_table_cell(c, n, j) for j, c in enumerate(r, 1)]) for n, r in table]


def _parse_bands(rng: Any, closed: str):
    """(bands, duplicates): the table as bands along the axis, and repeated 2-column thresholds."""
    width, table = _numeric_table(rng, (2, 3), "the band table")
    return _bands_of(width, table, closed)


def _bands_of(width: int, table: list[tuple[int, list]], closed: str):
    """:func:`_parse_bands` of a table already read as numbers."""
    if width == 3:
        return [Band(n, lo, hi, p) for n, (lo, hi, p) in table], []
    kept: list[tuple[int, float | None, float | None]] = []
    duplicates = []
    for n, (threshold, points) in table:
        earlier = next((k for k in kept if k[1] == threshold or (
            k[1] is not None and threshold is not None and same(k[1], threshold))), None)
        if earlier is not None:
            duplicates.append((earlier, (n, threshold, points)))
        else:
            kept.append((n, threshold, points))
    # A blank threshold is the open end: below every other for "left", above for "right".
    open_end = -math.inf if closed == "left" else math.inf
    kept.sort(key=lambda k: open_end if k[1] is None else k[1])
    bounds = [k[1] for k in kept]
    bands = []
    for i, (n, threshold, points) in enumerate(kept):
        if closed == "left":
            upper = bounds[i + 1] if i + 1 < len(bounds) else None
            bands.append(Band(n, threshold, upper, points))
        else:
            lower = bounds[i - 1] if i > 0 else None
            bands.append(Band(n, lower, threshold, points))
    return bands, duplicates


def _holds(band: Band, x: float, closed: str) -> bool:
    lo, hi = band.lower, band.upper
    if closed == "left":
        return (lo is None or at_least(x, lo)) and (hi is None or below(x, hi))
    return (lo is None or below(lo, x)) and (hi is None or at_least(hi, x))


def _closed(closed: Any) -> str:
    return option(closed, CLOSED_SIDES, "left", "closed")


def band_score(value, bands, closed=None):
    """Points for the band of the table that holds the value.

    ``closed`` is "left" (default) or "right"; any other text is ``#NUM!`` (a bad
    option).  A blank value gives ""; a value in no band ``#N/A``; a matching row
    whose points are still blank gives "".
    """
    side = _closed(closed)
    x = scalar_number(value, "value")
    if x is None:
        return BLANK
    return BandTable(bands, side).points(x)


class BandTable:
    """A band table read and checked once, to score many values (a column of agents)."""

    def __init__(self, bands, closed=None):
        self.side = _closed(closed)
        self.bands, _ = _parse_bands(bands, self.side)
        if not self.bands:
            raise KpiNumError("the band table is empty")

    def points(self, x: float):
        """The points of the first band from the top that holds the number x."""
        for band in self.bands:
            if _holds(band, x, self.side):
                return BLANK if band.points is None else band.points
        raise KpiNotFoundError(self._no_band(x))

    def _no_band(self, x: float) -> str:
        """Why ``x`` scores nothing, with the bounds around it (said in the terminal when the
        month stops on the #N/A)."""
        ends = [b.upper for b in self.bands if b.upper is not None and not below(x, b.upper)]
        starts = [b.lower for b in self.bands if b.lower is not None and not below(b.lower, x)]
        said = f"{x:.10g} falls in no band of the table"
        if ends and starts:
            return f"{said}: it lies between {max(ends):.10g} and {min(starts):.10g}"
        if starts:
            return f"{said}: the lowest band begins at {min(starts):.10g}"
        if ends:
            return f"{said}: the highest band ends at {max(ends):.10g}"
        return said


def linear_score(value, points):
    """Points interpolated linearly between (x, points) rows, clamped at the ends.

    Rows may come in any order (x ascending or descending); the same x twice with
    different points is ``#NUM!``, a row missing x or points ``#VALUE!``.
    """
    x = scalar_number(value, "value")
    if x is None:
        return BLANK
    return LinearCurve(points).points(x)


class LinearCurve:
    """A (x, points) table read and checked once, to score many values."""

    def __init__(self, points):
        _, table = _numeric_table(points, (2,), "the points table (x, points)")
        if not table:
            raise KpiNumError("the points table is empty")
        pairs = []
        for n, (px, py) in table:
            if px is None or py is None:
                raise KpiValueError(f"row {n} of the points table is missing its x or its points")
            pairs.append((px, py))
        pairs.sort(key=lambda p: p[0])
        curve = [pairs[0]]
        for px, py in pairs[1:]:
            if same(px, curve[-1][0]):
                if not same(py, curve[-1][1]):
                    raise KpiNumError(f"x = {px:g} appears twice with different points")
                continue
            curve.append((px, py))
        self.curve = curve

    def points(self, x: float) -> float:
        """The points at the number x."""
        curve = self.curve
        if not below(curve[0][0], x):
            return curve[0][1]
        if not below(x, curve[-1][0]):
            return curve[-1][1]
        for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
            if at_least(x1, x):
                return tidy(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
        raise AssertionError("unreachable: x lies inside the curve")


# ---------------------------------------------------------------- checking tables

def _g(x: float) -> str:
    return f"{round(x, 10) + 0.0:.10g}"


def _number_format(bands: list[Band], lang: str) -> Callable[[float], str]:
    """Percent ("31 %"; "31%" in Chinese) when every bound lies in 0..1 and some are
    fractions, else plain ("1.15")."""
    finite = [b for band in bands for b in (band.lower, band.upper) if b is not None]
    percent = bool(finite) and all(0 <= b <= 1 for b in finite) and any(b != int(b) for b in finite)
    if percent:
        return lambda x: check_message("percent", lang, number=_g(x * 100))
    return _g


def _span(lo: float | None, hi: float | None, closed: str, fmt, lang: str) -> str:
    if lo is None and hi is None:
        return check_message("every_value", lang)
    if lo is None:
        return ("< " if closed == "left" else "≤ ") + fmt(hi)
    if hi is None:
        return ("≥ " if closed == "left" else "> ") + fmt(lo)
    return f"{fmt(lo)}–{fmt(hi)}"


def _points(p: float | None, lang: str) -> str:
    if p is None:
        return check_message("no_points", lang)
    return check_message("points", lang, points=_g(p))


def _lo(band: Band) -> float:
    return -math.inf if band.lower is None else band.lower


def _hi(band: Band) -> float:
    return math.inf if band.upper is None else band.upper


def _without_rows(bands: Any, lang: str) -> str:
    """What a table without a row of bounds and points holds: nothing at all, or a single
    row of text that :func:`~kpi_xl.core.values.table_rows` read as its header (words
    pasted over the numbers, or a range that takes in the header only).  KPI_BAND is
    #NUM! over either, so its check says why instead of staying blank."""
    for number, row in enumerate(rows(bands), 1):
        texts = [str(c) for c in row if not is_blank(c)]
        if texts:
            quoted = [check_message("quoted_text", lang, text=t) for t in texts]
            return check_message("table_only_header", lang, row=number,
                                 texts=check_message("between_texts", lang).join(quoted))
    return check_message("table_empty", lang)


def check_bands(bands, closed=None, lang=None):
    """"OK", or a sentence naming every gap, overlap and wrong-way points.

    Each problem is one sentence: rows whose lower bound is above the upper one or
    that hold no value, rows without points, overlaps (with the rows involved and
    which one KPI_BAND uses), gaps between bands, and consecutive bands whose points
    go against the table's direction (taken from its lowest and highest band).
    Values beyond the outermost bounds are not reported: many tables rightly start
    at 0.  Bounds print as percentages ("31 %–32 %") when every bound lies in 0..1
    and some are fractions, otherwise as plain numbers ("10–15").  A table holding
    text where a number belongs is reported, not turned into #VALUE!.  A table with no
    row of numbers, over which KPI_BAND is #NUM!, is reported too: a range with nothing
    in it, or with one row of text only (read as the header: words typed or pasted
    over the numbers, or a range taking in the header alone); numbers typed as text
    ("10", "32%") are numbers, as everywhere in the band tables.  ``lang`` "en"
    (default) or "zh" picks the language of the sentences (see
    :data:`~kpi_xl.core.messages.CHECK_MESSAGES`), as KPI_QUADRANT's does; another
    ``lang`` is ``#NUM!``.  "OK" is "OK" in both.
    """
    side = _closed(closed)
    lang = language(lang, "en")
    try:
        width, numeric = _numeric_table(bands, (2, 3), "the band table")
    except _UnreadableTable as problem:
        return check_message(problem.key, lang, **problem.fields)
    table, duplicates = _bands_of(width, numeric, side)
    if not table and not duplicates:
        return _without_rows(bands, lang)
    issues = _percents_typed_whole(width, numeric, side, lang) + \
        _problems(table, duplicates, side, lang)
    return check_message("between_sentences", lang).join(issues) if issues else "OK"


def _problems(table, duplicates, side, lang):
    """The sentences of :func:`check_bands` for a table read as bands: rows, overlaps,
    gaps and points against the table's direction."""
    fmt = _number_format(table, lang)
    issues: list[str] = []

    def say(key: str, **fields) -> None:
        issues.append(check_message(key, lang, **fields))

    valid = []
    for band in table:
        if band.lower is not None and band.upper is not None and not below(band.lower, band.upper):
            key = "empty_row" if same(band.lower, band.upper) else "inverted_row"
            say(key, row=band.row, lower=fmt(band.lower), upper=fmt(band.upper))
        else:
            valid.append(band)
        if band.points is None:
            say("row_without_points", row=band.row)

    for (n1, threshold, p1), (n2, _, p2) in duplicates:
        rows = {"row": n1, "points": _points(p1, lang), "other_row": n2,
                "other_points": _points(p2, lang)}
        if threshold is None:
            say("repeated_blank_threshold", **rows)
        else:
            say("repeated_threshold", threshold=fmt(threshold), **rows)

    for i, a in enumerate(valid):
        for b in valid[i + 1:]:
            lo, hi = max(_lo(a), _lo(b)), min(_hi(a), _hi(b))
            if below(lo, hi):
                span = _span(None if lo == -math.inf else lo, None if hi == math.inf else hi,
                             side, fmt, lang)
                say("overlap", span=span, row=a.row, points=_points(a.points, lang),
                    other_row=b.row, other_points=_points(b.points, lang))

    along = sorted(valid, key=lambda band: (_lo(band), _hi(band)))
    reach = None
    for band in along:
        if reach is not None and below(reach, _lo(band)):
            say("gap", lower=fmt(reach), upper=fmt(band.lower))
        reach = _hi(band) if reach is None else max(reach, _hi(band))

    scored = [band for band in along if band.points is not None]
    if len(scored) >= 2:
        steps = [b.points - a.points for a, b in zip(scored, scored[1:])]
        trend = scored[-1].points - scored[0].points
        if same(trend, 0):
            trend = sum((s > 0) - (s < 0) for s in steps)
        for a, b in zip(scored, scored[1:]):
            step = b.points - a.points
            if same(step, 0) or trend == 0 or (step > 0) == (trend > 0):
                continue
            say("less_than_the_band_below" if step < 0 else "more_than_the_band_below",
                span=_span(b.lower, b.upper, side, fmt, lang), points=_g(b.points),
                other_points=_g(a.points), other_span=_span(a.lower, a.upper, side, fmt, lang))
    return issues


#: A bound of a fraction table above this is taken for a percentage typed without its sign
#: when the table reads in order with it as one (templates.layout.OPEN_PERCENT_MAX: a
#: percentage may reach 200 %, a bigger bare number is 95 typed for 95 %).
_WHOLE_PERCENT_FROM = 2.0
_WHOLE_PERCENT_TO = 1000.0


def _percents_typed_whole(width: int, numeric: list[tuple[int, list]], side: str,
                          lang: str) -> list[str]:
    """A sentence per bound that looks like a percentage typed without its % sign (35 for
    35 %) in a table of fractions (0.3, 0.32): KPI_BAND reads it as 3,500 %, so a rate of
    50 % falls in the band below it, with no gap or overlap to show.

    A bound is taken for one when it lies above 2 (200 %) and at most 1,000, the table's
    other bounds lie within ±2 with at least two distinct fractions among them, and the
    table read with the bound divided by 100 has no more problems than as written: a
    ratio table (0.8, 1, 1.2, 3) is left alone, as 3 read as 3 % puts it out of order."""
    bounds = [b for _, r in numeric for b in r[:width - 1] if b is not None]
    big = sorted({b for b in bounds if _WHOLE_PERCENT_FROM < b <= _WHOLE_PERCENT_TO})
    rest = [b for b in bounds if b not in big]
    fractions = sorted({b for b in rest if b != int(b)})
    if not big or len(fractions) < 2 or any(abs(b) > _WHOLE_PERCENT_FROM for b in rest):
        return []

    def read(table):
        bands, duplicates = _bands_of(width, table, side)
        return _problems(bands, duplicates, side, lang)

    as_percent = [(n, [b / 100 if i < width - 1 and b in big else b for i, b in enumerate(r)])
                  for n, r in numeric]
    if len(read(as_percent)) > len(read(numeric)):
        return []
    example = max(fractions, key=abs)
    return [check_message("percent_typed_whole", lang, value=_g(b),
                          typed=check_message("percent", lang, number=_g(b)),
                          read=check_message("percent", lang, number=_g(b * 100)),
                          example=_g(example),
                          example_percent=check_message("percent", lang, number=_g(example * 100)))
            for b in big]


# ---------------------------------------------------------------- suggesting tables

MAX_SUGGESTED_BANDS = 100  # a spilled table longer than this is a typo, not a scheme

def _quantile(ordered: list[float], p: float) -> float:
    """Excel's PERCENTILE.INC of sorted values."""
    h = (len(ordered) - 1) * p
    i = math.floor(h)
    if i + 1 >= len(ordered):
        return ordered[-1]
    return ordered[i] + (h - i) * (ordered[i + 1] - ordered[i])


def _round_nicely(cut: float, lowest: float, highest: float) -> float:
    """cut rounded to 3 significant digits of the history's spread, when that keeps it inside."""
    spread = highest - lowest
    unit = 10.0 ** (math.floor(math.log10(spread)) - 2) if math.isfinite(spread) else 0.0
    if unit == 0:  # a spread beyond the float range either way: leave the cut as it is
        return tidy(cut)
    nice = tidy(round(cut / unit) * unit)
    return nice if below(lowest, nice) and at_least(highest, nice) else tidy(cut)


def suggest_bands(history, n_bands=None, top_points=None, bottom_points=None, direction=None):
    """A (lower, upper, points) band table placed on the history's distribution.

    Method: the cut points are the k/n quantiles (Excel's PERCENTILE.INC) of the
    non-blank history values, k = 1 … n−1, each rounded to three significant
    digits of the history's spread when rounding keeps it inside the history.
    Cut points that coincide, or that equal the lowest value (ties), are
    dropped, so a history with many ties gets fewer than ``n_bands`` rows
    (at least two).  Points are evenly spaced from ``bottom_points`` (the worst
    band) to ``top_points`` (the best).  Rows come best band first, the outer
    bounds open (""), for the default ``closed="left"``: KPI_BAND over the table
    gives the best history value ``top_points`` and the worst ``bottom_points``,
    and KPI_CHECK_BANDS says "OK".  ``direction`` "higher" (default) or "lower"
    is better.  Blank history gives ""; a history of one repeated value, or
    ``n_bands`` below 2 or above 100, is ``#NUM!``.
    """
    n = whole_number(n_bands, 5, "n_bands", minimum=2)
    if n > MAX_SUGGESTED_BANDS:
        raise KpiNumError(f"n_bands is at most {MAX_SUGGESTED_BANDS}")
    top = scalar_number(top_points, "top_points")
    top = 100.0 if top is None else top
    bottom = scalar_number(bottom_points, "bottom_points")
    bottom = 50.0 if bottom is None else bottom
    better = option(direction, DIRECTIONS, "higher", "direction")
    values = sorted(numbers(history, "history"))
    if not values:
        return BLANK
    lowest, highest = values[0], values[-1]
    if same(lowest, highest):
        raise KpiNumError("every history value is the same; there is no spread to place bands on")

    cuts: list[float] = []
    for k in range(1, n):
        cut = _round_nicely(_quantile(values, k / n), lowest, highest)
        # The lowest value must stay below the first cut (it is alone in the lowest band).
        if below(lowest, cut) and (not cuts or below(cuts[-1], cut)):
            cuts.append(cut)
    if not cuts:
        cuts = [_round_nicely((lowest + highest) / 2, lowest, highest)]

    count = len(cuts) + 1
    points = [tidy(bottom + (top - bottom) * i / (count - 1)) for i in range(count)]
    edges: list[Any] = [BLANK, *cuts, BLANK]
    along = [[edges[j], edges[j + 1]] for j in range(count)]  # ascending along the axis
    if better == "higher":
        return [along[j] + [points[j]] for j in reversed(range(count))]
    return [along[j] + [points[count - 1 - j]] for j in range(count)]
