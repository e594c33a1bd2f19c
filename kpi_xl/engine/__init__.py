"""Recalculation without Excel.

``recalc_file(src, dst)`` computes every formula of a workbook — Excel's own
functions and the KPI_* functions of :mod:`kpi_xl.registry` — and writes the
values back into a copy of the same workbook (everything else kept);
:mod:`.batch` runs it over many files.
"""
from .recalc import FileResult, compute, recalc_file

__all__ = ["recalc_file", "compute", "FileResult"]
