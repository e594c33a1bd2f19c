"""Recalculation without Excel.

``recalc_file(src, dst)`` computes every formula of a workbook — Excel's own
functions and the KPI_* functions of :mod:`kpi_xl.registry` — and writes the
values back into a copy of the same workbook (everything else kept);
:mod:`.batch` runs it over many files.

The names below are loaded on first use: ``kpi-xl recalc`` hands files to worker
processes, and the process that only hands them out need not load the engine.
"""
from __future__ import annotations

__all__ = ["recalc_file", "compute", "FileResult"]


def __getattr__(name):
    if name == "FileResult":
        from .result import FileResult
        return FileResult
    if name in ("recalc_file", "compute"):
        try:
            from . import recalc
        except ImportError as exc:   # as if the name were not there: the engine is not installed
            raise AttributeError(f"{name} needs the engine's libraries ({exc})") from exc
        return getattr(recalc, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
