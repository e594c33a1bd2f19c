"""The scoring core: plain Python, no Excel, xlwings, openpyxl or formulas imports."""
from .analysis import coefficient_of_variation, dsr_rating, quadrant
from .bands import band_score, check_bands, linear_score, suggest_bands
from .errors import (CellError, KpiDivZeroError, KpiError, KpiNotFoundError, KpiNumError,
                     KpiValueError)
from .pay import commission, final_score, monthly_bonus, safe_rate, tenure_base, year_end_eligible
from .weights import check_weights, weighted_total

__all__ = [
    "band_score", "linear_score", "weighted_total", "safe_rate", "monthly_bonus", "commission",
    "final_score", "year_end_eligible", "tenure_base", "quadrant", "coefficient_of_variation",
    "dsr_rating", "suggest_bands", "check_bands", "check_weights",
    "CellError", "KpiError", "KpiValueError", "KpiNotFoundError", "KpiNumError", "KpiDivZeroError",
]
