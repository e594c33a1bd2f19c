"""The KPI functions down a column of agents (the ``column`` hook of ..columns).

A column of ``=KPI_BAND(L4, 方案!$A$6:$B$12)`` cells names the same band table on
every row.  Cell by cell each row reads the table again, converts it and has the
core parse and check it again; here the arguments that are the same on every row
(the table, the weights row, the options) are read and converted once per run,
and each row calls the core with them.  KPI_BAND and KPI_LINEAR go further: the
core reads the table once (:class:`~kpi_xl.core.bands.BandTable`,
:class:`~kpi_xl.core.bands.LinearCurve`, with their own checks) and scores every
row from it; KPI_BAND looks the row's value up among the table's bounds by
bisection.

The core stays the one definition of the rules: every answer here is an answer
of a core call (for KPI_BAND, the core's answer for a value standing for the
interval between two neighbouring bounds; a value within rounding noise of a
bound is always asked of the core itself).  A row this module cannot answer as
the cell would (an array where one value belongs, an error or text value for a
prepared table) is marked GENERIC and takes the ordinary implementation.
"""
from __future__ import annotations

import math
from bisect import bisect_left
from itertools import repeat

from ...core.bands import BandTable, LinearCurve
from ...core.errors import CellError, KpiError
from ...core.values import REL_TOL
from ...registry import invoke
from .helpers import GENERIC, is_array, scalarize

_ASK_CORE = object()


def _has_error(core_value):
    if isinstance(core_value, CellError):
        return True
    if isinstance(core_value, list):
        return any(isinstance(c, CellError) for row in core_value for c in row)
    return False


def column_implementation(entry, to_core, from_core):
    """The ``column`` function of the engine adapter of registry ``entry``."""
    kinds = [a.kind for a in entry.args]
    prepared = _PREPARED.get(entry.name)

    def read_range(calc, v):
        return None if v is None else [[to_core(x) for x in row] for row in calc.values(v)]

    def column(calc, args, n):
        fixed = [None] * len(args)
        varying = []
        for i, (kind, a) in enumerate(zip(kinds, args)):
            if type(a) is list:
                varying.append(i)
            elif kind == "range":
                fixed[i] = read_range(calc, a.v)
            elif is_array(a.v):
                return None   # a range for one value: the cell broadcasts it
            else:
                fixed[i] = to_core(scalarize(calc, a.v))
        if prepared is not None:
            out = prepared(fixed, varying, args, from_core)
            if out is not None:
                return out
        out = []
        core_args = list(fixed)
        columns = [args[i] for i in varying]
        for values in zip(*columns) if columns else repeat((), n):
            for i, v in zip(varying, values):
                if kinds[i] == "range":
                    core_args[i] = read_range(calc, v)
                elif is_array(v):
                    break
                else:
                    core_args[i] = to_core(scalarize(calc, v))
            else:
                out.append(from_core(invoke(entry, core_args)))
                continue
            out.append(GENERIC)
        return out
    return column


def _answer(score, x, from_core):
    """The cell value of the core's score of the number x."""
    try:
        return from_core(score(x))
    except KpiError as exc:
        return from_core(exc.as_cell_error())


def _numbers_scored(values, score_of, from_core):
    """Each row's value scored: numbers by ``score_of``, a blank as "" (what the core gives
    a blank value once the table and options are good), anything else GENERIC."""
    out = []
    for v in values:
        tv = type(v)
        if (tv is float or tv is int) and math.isfinite(v):
            out.append(score_of(float(v)))
        elif v is None:
            out.append(from_core(""))
        else:
            out.append(GENERIC)
    return out


def _prepared_table(cls, fixed, varying):
    """The core's prepared table from the run's fixed arguments, or None (then each row goes
    through :func:`~kpi_xl.registry.invoke`, errors and all)."""
    if varying != [0] or any(_has_error(a) for a in fixed[1:]):
        return None
    try:
        return cls(*fixed[1:])
    except KpiError:
        return None


def _band_column(fixed, varying, args, from_core):
    table = _prepared_table(BandTable, fixed, varying)
    if table is None:
        return None
    return BandIndex(table, from_core).scored(args[0])


def _linear_column(fixed, varying, args, from_core):
    curve = _prepared_table(LinearCurve, fixed, varying)
    if curve is None:
        return None
    return _numbers_scored(args[0], lambda x: _answer(curve.points, x, from_core), from_core)


class BandIndex:
    """KPI_BAND's answer for a number, found by bisection among the table's bounds.

    Between two neighbouring bounds every comparison with every bound comes out the
    same, so one core answer, for a value standing for the interval, serves the whole
    interval.  The core's comparisons forgive rounding noise (1e-12 relative): a value
    that near any bound is asked of the core itself.
    """

    def __init__(self, table: BandTable, from_core):
        self.table, self.from_core = table, from_core
        self.bounds = sorted({b for band in table.bands for b in (band.lower, band.upper)
                              if b is not None})
        bounds = self.bounds
        self.answers = []
        for i in range(len(bounds) + 1):
            lo = bounds[i - 1] if i else None
            hi = bounds[i] if i < len(bounds) else None
            x = _inside(lo, hi)
            if x is None or self._near_a_bound(x):
                self.answers.append(_ASK_CORE)
            else:
                self.answers.append(_answer(table.points, x, from_core))

    def _near_a_bound(self, x):
        # same(x, b) needs |x - b| <= 1e-12·max(|x|, |b|), which cannot hold for |b| > 2|x|:
        # every bound that might count as equal to x lies within 2e-12·|x| of it (doubled
        # again for the rounding of x ± margin).
        margin = 4 * REL_TOL * abs(x)
        i = bisect_left(self.bounds, x - margin)
        return i < len(self.bounds) and self.bounds[i] <= x + margin

    def __call__(self, x):
        return self.scored([x])[0]

    def scored(self, values):
        """Each row's value scored as :func:`_numbers_scored` scores a column: numbers by
        the index, a blank as "", anything else GENERIC.  A number away from every bound
        takes one bisection, which finds its interval too: no bound lies between
        x - margin and x."""
        bounds, answers, n_bounds = self.bounds, self.answers, len(self.bounds)
        points, from_core = self.table.points, self.from_core
        tolerance = 4 * REL_TOL
        blank = from_core("")
        isfinite = math.isfinite
        near: dict = {}   # the core's answers for numbers near a bound (0.32 of 0.28–0.32)
        out: list = []
        append = out.append
        for v in values:
            tv = type(v)
            if (tv is float or tv is int) and isfinite(v):
                x = float(v)
                margin = tolerance * abs(x)
                i = bisect_left(bounds, x - margin)
                if i < n_bounds and bounds[i] <= x + margin:
                    # near a bound: the core decides, once for each such number
                    answer = near.get(x, _ASK_CORE)
                    if answer is _ASK_CORE:
                        answer = near[x] = _answer(points, x, from_core)
                    append(answer)
                    continue
                answer = answers[i]
                append(answer if answer is not _ASK_CORE else _answer(points, x, from_core))
            elif v is None:
                append(blank)
            else:
                append(GENERIC)
        return out


def _inside(lo, hi):
    """A finite number strictly between lo and hi (None: unbounded), or None."""
    if lo is None and hi is None:
        x = 0.0
    elif lo is None:
        x = hi - max(1.0, abs(hi))
    elif hi is None:
        x = lo + max(1.0, abs(lo))
    else:
        x = lo / 2 + hi / 2
    if not math.isfinite(x) or (lo is not None and not lo < x) or (hi is not None and not x < hi):
        return None
    return x


_PREPARED = {"KPI_BAND": _band_column, "KPI_LINEAR": _linear_column}

__all__ = ["BandIndex", "column_implementation"]
