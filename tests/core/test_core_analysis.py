"""KPI_QUADRANT, KPI_CV, KPI_DSR."""
import math

import pytest

from kpi_xl import coefficient_of_variation, dsr_rating, quadrant
from kpi_xl.core.analysis import QUADRANT_LABELS
from kpi_xl.core.errors import KpiDivZeroError, KpiNumError, KpiValueError


def test_quadrant_labels():
    assert quadrant(0.40, 80, 0.35, 70) == "高转化高客单"
    assert quadrant(0.40, 60, 0.35, 70) == "高转化低客单"
    assert quadrant(0.30, 80, 0.35, 70) == "低转化高客单"
    assert quadrant(0.30, 60, 0.35, 70) == "低转化低客单"
    assert quadrant(0.30, 60, 0.35, 70, "en") == "low conversion, low AOV"
    assert quadrant(0.40, 60, 0.35, 70, "EN") == "high conversion, low AOV"
    assert quadrant("40%", 80, "35%", 70, "zh") == "高转化高客单"
    assert len({label for table in QUADRANT_LABELS.values() for label in table.values()}) == 8


def test_quadrant_reference_itself_counts_as_high():
    assert quadrant(0.35, 70, 0.35, 70) == "高转化高客单"
    assert quadrant(0.57 - 0.16, 70, 0.41, 70.0000001, "en") == "high conversion, low AOV"


def test_quadrant_of_domain_agents_against_team_average():
    conversion = {"A": 88 / 275, "B": 582 / 1455, "C": 232 / 800}   # .32, .40, .29
    aov = {"A": 78.23, "B": 76.9, "C": 82.8}
    conv_ref = (0.32 + 0.40 + 0.29) / 3                              # .3367
    aov_ref = (78.23 + 76.9 + 82.8) / 3                              # 79.31
    assert quadrant(conversion["A"], aov["A"], conv_ref, aov_ref) == "低转化低客单"
    assert quadrant(conversion["B"], aov["B"], conv_ref, aov_ref) == "高转化低客单"
    assert quadrant(conversion["C"], aov["C"], conv_ref, aov_ref) == "低转化高客单"


def test_quadrant_bad_input():
    assert quadrant(None, 80, 0.35, 70) == ""
    assert quadrant(0.4, 80, 0.35, "") == ""
    with pytest.raises(KpiNumError):
        quadrant(0.4, 80, 0.35, 70, "fr")
    with pytest.raises(KpiNumError):
        quadrant(-0.4, 80, 0.35, 70)
    with pytest.raises(KpiValueError):
        quadrant("high", 80, 0.35, 70)


def test_cv_hand_worked():
    # mean 20; population variance (100 + 0 + 100) / 3; sd 8.16497 → 0.408248
    assert coefficient_of_variation([10, 20, 30]) == pytest.approx(math.sqrt(200 / 3) / 20)
    assert coefficient_of_variation([[10, None], ["", 20], [30, True]]) == pytest.approx(0.4082483)
    assert coefficient_of_variation([7]) == 0


def test_cv_same_annual_sales_steady_against_swinging():
    steady = [100] * 12
    swinging = [50, 150] * 6
    assert sum(steady) == sum(swinging)
    assert coefficient_of_variation(steady) == 0
    assert coefficient_of_variation(swinging) == 0.5             # sd 50 ÷ mean 100


def test_cv_bad_input():
    assert coefficient_of_variation([None, ""]) == ""
    with pytest.raises(KpiDivZeroError):
        coefficient_of_variation([-1, 1])
    with pytest.raises(KpiValueError):
        coefficient_of_variation([1, "two"])


def test_dsr_hand_worked():
    # (4.9×100 + 4.95×200 + 5×100) ÷ 400 = 1980 ÷ 400
    assert dsr_rating([4.9, 4.95, 5.0], [100, 200, 100]) == pytest.approx(4.95)
    averages = [4.0, 4.0, 5, 5, 5, 5, 5, 5]
    counts = [10] * 8
    assert dsr_rating(averages, counts) == 5                     # the last 6 months only
    assert dsr_rating(averages, counts, 8) == 4.75               # (80 + 300) ÷ 80
    assert dsr_rating([[4.0, 4.0, 5, 5, 5, 5, 5, 5, "", ""]], [[10] * 8 + [None, None]]) == 5
    # a month counts only when both figures are there
    assert dsr_rating([4.0, 5, 3.0], [10, 10, None], 2) == 4.5


def test_dsr_bad_input():
    assert dsr_rating([None], [None]) == ""
    with pytest.raises(KpiValueError):
        dsr_rating([4.9, 4.8], [100])
    with pytest.raises(KpiDivZeroError):
        dsr_rating([4.9, 4.8], [0, 0])
    with pytest.raises(KpiNumError):
        dsr_rating([4.9], [100], 0)
    with pytest.raises(KpiNumError):
        dsr_rating([4.9], [-100])
    with pytest.raises(KpiValueError):
        dsr_rating([4.9], ["many"])
