"""The KPI functions as Excel custom functions, through xlwings.

Name this module in xlwings' ``UDF Modules`` (classic add-in) or import it in the
custom-functions module of xlwings Server / xlwings Lite::

    from kpi_xl.udfs import *

Every function is generated from :data:`kpi_xl.registry.FUNCTIONS`; none is
written here.
"""
from .excel.xlwings_face import build_udfs
from .registry import FUNCTIONS

globals().update(build_udfs(__name__))

__all__ = [entry.name for entry in FUNCTIONS]
