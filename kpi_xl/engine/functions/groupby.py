"""The function arguments of GROUPBY, PIVOTBY and friends.

Excel saves ``=GROUPBY(A2:A9,B2:B9,SUM)`` as ``_xlfn.GROUPBY(A2:A9,B2:B9,_xleta.SUM)``: a
built-in function given where a function value is wanted is an eta-reduced LAMBDA, and
:func:`eta_tree` writes it out as the LAMBDA it stands for, ``LAMBDA(x, SUM(x))`` (PERCENTOF,
which takes the group and the whole, as ``LAMBDA(x, y, PERCENTOF(x, y))``).

"""
from __future__ import annotations

from . import FUNCTIONS

#: Prefixes of a function name given as a function value: ``_xleta.SUM``; a function newer
#: than the eta form keeps the usual future-function prefix (``_xlfn.PERCENTOF``).
ETA_PREFIXES = ("_XLETA.", "_XLFN.")
#: Functions whose eta form takes two arguments (the group's values, then all of them).
_TWO_ARGUMENTS = frozenset({"PERCENTOF"})
#: Parameter names no formula can spell (a space is not allowed in a name).
_PARAMS = ("_xlpm. eta1", "_xlpm. eta2")


def eta_tree(key):
    """The LAMBDA tree a name such as ``_XLETA.SUM`` stands for; None when ``key`` (upper
    case) is not a function's name under one of :data:`ETA_PREFIXES`."""
    for prefix in ETA_PREFIXES:
        if key.startswith(prefix):
            name = key[len(prefix):]
            break
    else:
        return None
    if name not in FUNCTIONS:
        if prefix == "_XLFN.":
            return None
        from . import find_function
        if find_function(name) is None:
            return None
    params = [("name", p, None) for p in _PARAMS[:2 if name in _TWO_ARGUMENTS else 1]]
    return ("fn", "LAMBDA", params + [("fn", name, params)])
