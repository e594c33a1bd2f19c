"""Least-squares regression: LINEST, LOGEST, TREND and GROWTH, as Excel's documentation
defines them, with any number of x variables and LINEST's five rows of statistics.

known_y's is a column (each column of known_x's one variable) or a row (each row of
known_x's one variable); with one variable, y's and x's may be ranges of any shape with
the same dimensions. LINEST returns the slopes in reverse order of the variables, then
the intercept: {m_n, ..., m_1, b}; with stats, four rows more: standard errors (se_b #N/A
when const is FALSE), r² and se_y, F and the degrees of freedom, ss_reg and ss_resid.
Without a constant, ss_reg is the sum of the squared fitted values (Excel's total sum of
squares about zero). LOGEST and GROWTH fit ln(y) and return e to the coefficients.

A variable that is a linear combination of the intercept and the variables before it is
redundant: as Excel's documentation says, it is removed from the model and shows a
coefficient of 0 with a standard error of 0, and the degrees of freedom (so se_y and F)
count only the variables kept.
"""
from __future__ import annotations

import math

from ..values import NA, NUM, REF, VALUE, Arr, ExcelRaise, MultiRef, Ref, XlErr, to_bool
from . import excel
from .helpers import scalarize


def _grid(calc, x):
    """A rectangle of numbers (a single number is 1×1); anything else is #VALUE!."""
    # numpy is imported where a regression is computed, not by every kpi-xl start
    import numpy as np
    if isinstance(x, XlErr):
        raise ExcelRaise(x)
    if isinstance(x, (Ref, MultiRef, Arr)):
        rows = calc.values(x)
    else:
        rows = [[x]]
    out = np.empty((len(rows), len(rows[0]) if rows else 0))
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            t = type(v)
            if t is XlErr:
                raise ExcelRaise(v)
            if t is not float and t is not int:
                raise ExcelRaise(VALUE)   # blanks, text and logicals are refused
            out[i, j] = v
    return out


def _flag(calc, v, default=True):
    if v is None:
        return default
    v = scalarize(calc, v)
    if v is None:
        return default
    return to_bool(v)


def _design(calc, known_y, known_x):
    """(y as a vector, X with one column per variable, by_rows) from the arguments."""
    import numpy as np
    y = _grid(calc, known_y)
    ny, nc = y.shape
    by_rows = ny == 1 and nc > 1       # y is a row: each row of known_x's is a variable
    yv = y.reshape(-1)
    n = len(yv)
    if known_x is None:
        return yv, np.arange(1, n + 1, dtype=float).reshape(n, 1), by_rows
    x = _grid(calc, known_x)
    if ny != 1 and nc != 1:
        # one variable: y's and x's of any shape, the same dimensions
        if x.shape != y.shape:
            raise ExcelRaise(REF)
        return yv, x.reshape(n, 1), by_rows
    if x.size == n:
        return yv, x.reshape(n, 1), by_rows
    if not by_rows and x.shape[0] == n:
        return yv, x, by_rows
    if by_rows and x.shape[1] == n:
        return yv, x.T, by_rows
    raise ExcelRaise(REF)


#: A variable whose part not explained by the intercept and the variables kept before it
#: is this small, relative to the variable itself, is redundant.
_REDUNDANT = 1e-10


def _kept(X, const):
    """The indexes of the variables that are not redundant, in order (Gram-Schmidt on the
    columns, centred when there is an intercept)."""
    basis, kept = [], []
    for j in range(X.shape[1]):
        col = X[:, j] - X[:, j].mean() if const else X[:, j].astype(float)
        size = math.sqrt(float(col @ col))
        rest = col.copy()
        for q in basis:
            rest -= (q @ rest) * q
        norm = math.sqrt(float(rest @ rest))
        if size == 0 or norm <= _REDUNDANT * size:
            continue
        basis.append(rest / norm)
        kept.append(j)
    return kept


def _fit(y, X, const):
    """The model's matrix of the kept variables (and the intercept), the coefficients of
    every variable (0 where redundant) and the intercept, and the statistics."""
    import numpy as np
    n, k = X.shape
    kept = _kept(X, const)
    A = X[:, kept]
    if const:
        A = np.hstack([A, np.ones((n, 1))])
    coef = np.zeros(k + 1)
    if A.shape[1]:
        sol = np.linalg.lstsq(A, y, rcond=None)[0]
        coef[kept] = sol[:len(kept)]
        if const:
            coef[k] = sol[-1]
    fitted = X @ coef[:k] + (coef[k] if const else 0.0)
    resid = y - fitted
    ss_resid = float(resid @ resid)
    if const:
        ss_reg = float(((fitted - y.mean()) ** 2).sum())
    else:
        ss_reg = float(fitted @ fitted)
    df = n - A.shape[1]
    return A, kept, coef, fitted, ss_resid, ss_reg, df


def _linest(y, X, const, stats):
    import numpy as np
    n, k = X.shape
    A, kept, coef, _, ss_resid, ss_reg, df = _fit(y, X, const)
    first = [float(m) for m in coef[:k][::-1]] + [float(coef[k])]
    if not stats:
        return [first]
    if df <= 0:
        raise ExcelRaise(NUM)
    se_y = math.sqrt(ss_resid / df)
    try:
        cov = np.linalg.inv(A.T @ A) * (ss_resid / df)
    except np.linalg.LinAlgError:
        raise ExcelRaise(NUM) from None
    diag = np.sqrt(np.abs(np.diag(cov)))
    se = np.zeros(k)
    se[kept] = diag[:len(kept)]
    se_row = [float(s) for s in se[::-1]] + ([float(diag[-1])] if const else [NA])
    total = ss_reg + ss_resid
    r2 = ss_reg / total if total else 1.0
    v1 = len(kept)
    f = (ss_reg / v1) / (ss_resid / df) if ss_resid and v1 else NUM
    pad = [NA] * (k - 1)
    return [first, se_row, [r2, se_y] + pad, [f, float(df)] + pad, [ss_reg, ss_resid] + pad]


def _log_y(y):
    import numpy as np
    if (y <= 0).any():
        raise ExcelRaise(NUM)
    return np.log(y)


@excel("LINEST", min_args=1, max_args=4)
def LINEST(calc, known_y, known_x=None, const=None, stats=None):
    """Returns the parameters of a linear trend."""
    y, X, _ = _design(calc, known_y, known_x)
    return Arr(_linest(y, X, _flag(calc, const), _flag(calc, stats, False)))


@excel("LOGEST", min_args=1, max_args=4)
def LOGEST(calc, known_y, known_x=None, const=None, stats=None):
    """Returns the parameters of an exponential trend."""
    y, X, _ = _design(calc, known_y, known_x)
    rows = _linest(_log_y(y), X, _flag(calc, const), _flag(calc, stats, False))
    rows[0] = [math.exp(v) for v in rows[0]]
    return Arr(rows)


def _predict(calc, known_y, known_x, new_x, const, log):
    import numpy as np
    y, X, by_rows = _design(calc, known_y, known_x)
    if log:
        y = _log_y(y)
    const = _flag(calc, const)
    _, _, coef, fitted, *_ = _fit(y, X, const)
    k = X.shape[1]
    if new_x is None:
        out = fitted
        shape = (1, len(out)) if by_rows else (len(out), 1)
        if k == 1:
            shape = _grid(calc, known_y if known_x is None else known_x).shape
    else:
        nx = _grid(calc, new_x)
        if k == 1:
            shape = nx.shape
            pts = nx.reshape(-1, 1)
        elif by_rows:
            if nx.shape[0] != k:
                raise ExcelRaise(REF)
            pts, shape = nx.T, (1, nx.shape[1])
        else:
            if nx.shape[1] != k:
                raise ExcelRaise(REF)
            pts, shape = nx, (nx.shape[0], 1)
        out = pts @ coef[:k] + (coef[k] if const else 0.0)
    if log:
        out = np.exp(out)
    vals = [float(v) for v in out]
    return Arr([vals[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])])


@excel("TREND", min_args=1, max_args=4)
def TREND(calc, known_y, known_x=None, new_x=None, const=None):
    """Returns values along a linear trend."""
    return _predict(calc, known_y, known_x, new_x, const, False)


@excel("GROWTH", min_args=1, max_args=4)
def GROWTH(calc, known_y, known_x=None, new_x=None, const=None):
    """Returns values along an exponential trend."""
    return _predict(calc, known_y, known_x, new_x, const, True)
