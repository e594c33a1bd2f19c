"""kpi_xl: monthly KPI appraisal for e-commerce customer-service and operations staff.

The scoring functions are importable from here for pandas users; the Excel face is
:mod:`kpi_xl.udfs`, the recalculation engine :mod:`kpi_xl.engine`.
"""
from .core import *  # noqa: F401,F403
from .core import __all__

__version__ = "0.1.0"
