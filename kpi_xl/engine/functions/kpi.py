"""The KPI registry as engine functions, and as functions of the ``formulas`` library.

Nothing here computes a score: each entry of :mod:`kpi_xl.registry` is adapted to
the engine's value model and handed to :func:`kpi_xl.registry.invoke`.
"""
from __future__ import annotations

from ...core.errors import CellError
from ...registry import FUNCTIONS as KPI_FUNCTIONS, invoke
from ..values import Arr, core_value as _to_core, engine_value
from . import FUNCTIONS, ArgSpec, Impl
from .helpers import broadcast, is_array, scalarize
from .kpi_columns import column_implementation


def _from_core(v):
    if isinstance(v, list):
        return Arr([[_from_core(x) for x in row] for row in v])
    if v is None:
        return ""
    return engine_value(v)


def _adapter(entry):
    kinds = [a.kind for a in entry.args]

    def call_scalar(calc, args):
        core_args = []
        for kind, a in zip(kinds, args):
            if kind == "range":
                if a is None:
                    core_args.append(None)
                else:
                    core_args.append([[_to_core(v) for v in row] for row in calc.values(a)])
            else:
                core_args.append(_to_core(scalarize(calc, a)))
        return _from_core(invoke(entry, core_args, calc.reasons))

    def fn(calc, *args):
        # A range where a single value belongs (KPI_BAND(C2:C9, ...)) in an array
        # formula: score each value, as Excel's own functions do.
        spread = [i for i, (k, a) in enumerate(zip(kinds, args)) if k == "scalar" and is_array(a)]
        if spread:
            def one(*vals):
                full = list(args)
                for i, v in zip(spread, vals):
                    full[i] = v
                r = call_scalar(calc, full)
                return r.rows[0][0] if isinstance(r, Arr) else r
            return broadcast(calc, one, [args[i] for i in spread])
        return call_scalar(calc, args)

    fn.__name__ = entry.name
    fn.__doc__ = entry.help_en
    return fn


def _arg_spec(entry):
    # A one-value argument given a range in a formula that is not an array formula meets
    # implicit intersection, as it does in Excel's own functions: KPI_BAND(C2:C9, …) in row 5
    # scores C5, and out of line with the range it is #VALUE! — never another agent's value.
    classes = ("i" if a.kind == "scalar" else "a" for a in entry.args)
    return ArgSpec.parse(" ".join(f"[{k}]" if a.optional else k for a, k in zip(entry.args, classes)))


for _entry in KPI_FUNCTIONS:
    # Down a column of agents the arguments every row shares (a band table, a weights row)
    # are read once per run; each row is still scored by the core (kpi_columns).
    FUNCTIONS[_entry.name] = Impl(_adapter(_entry), _entry.min_args, _entry.max_args, source="kpi",
                                  args=_arg_spec(_entry),
                                  column=column_implementation(_entry, _to_core, _from_core))


def register_into_formulas():
    """Add the KPI functions to the ``formulas`` library's own function table.

    After this, ``formulas.ExcelModel`` computes workbooks that call KPI_* too.
    """
    import numpy as np
    import schedula as sh
    from formulas.functions import FUNCTIONS as F, Array, get_functions, wrap_func
    from formulas.tokens.operand import Error, XlError

    def conv_in(x, kind):
        if isinstance(x, np.ndarray):
            rows = [[conv_scalar(v) for v in row] for row in np.atleast_2d(x).tolist()]
            return rows if kind == "range" else rows[0][0]
        v = conv_scalar(x)
        return [[v]] if kind == "range" and v is not None else v

    def conv_scalar(v):
        if v is sh.EMPTY:
            return None
        if isinstance(v, XlError):
            return CellError(str(v))
        if isinstance(v, np.generic):
            return v.item()
        return v

    def conv_out(v):
        if isinstance(v, CellError):
            return Error.errors[str(v)]
        if isinstance(v, list):
            return np.asarray([[conv_out(x) for x in row] for row in v], object).view(Array)
        return v

    for entry in KPI_FUNCTIONS:
        kinds = [a.kind for a in entry.args]

        def make(entry=entry, kinds=kinds):
            def f(*args):
                core = [conv_in(a, k) for a, k in zip(args, kinds)]
                return conv_out(invoke(entry, core))
            f.__name__ = entry.name
            return f
        F[entry.name] = wrap_func(make())
        # The library caches its table the first time it is asked for it.
        get_functions()[entry.name] = F[entry.name]
    return sorted(e.name for e in KPI_FUNCTIONS)
