"""Agent metrics from the shops' own data: platform reports, and raw chats and orders.

``compute_metrics`` reads the files and returns DataFrames; ``write_metrics_workbook`` writes
the audit workbook whose first sheet ``kpi-xl fill`` takes as it is.  pandas only; Dask is
imported by :mod:`kpi_xl.metrics.distributed` alone.
"""
from .api import MetricsResult, compare_rules, compute_metrics, write_metrics_workbook
from .errors import MetricsError, RulesError
from .rules import Rules, load_rules

__all__ = ["MetricsError", "MetricsResult", "Rules", "RulesError", "compare_rules",
           "compute_metrics", "load_rules", "write_metrics_workbook"]
