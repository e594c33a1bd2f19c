"""KPI_WEIGHTED and KPI_CHECK_WEIGHTS."""
import pytest

from kpi_xl import check_weights, weighted_total
from kpi_xl.core.errors import KpiNumError, KpiValueError

PUBLISHED = [0.3, 0.25, 0.2, 0.1, 0.05, 0.05]   # DOMAIN's composite model: adds up to 95 %
AGENT_A = [70, 100, 70, 90, 90, 80]             # 21 + 25 + 14 + 9 + 4.5 + 4 = 77.5


def test_weighted_total_hand_worked():
    assert weighted_total(AGENT_A, PUBLISHED) == 77.5
    assert weighted_total([[80, 60]], [[0.5, 0.5]]) == 70


def test_percent_figures_and_percent_text():
    assert weighted_total(AGENT_A, [30, 25, 20, 10, 5, 5]) == 77.5
    assert weighted_total(AGENT_A, ["30%", "25%", "20%", "10%", "5%", "5%"]) == 77.5
    assert weighted_total(["70", 100, 70, 90, 90, 80], PUBLISHED) == 77.5


def test_a_row_against_a_column_of_the_same_size():
    assert weighted_total([AGENT_A], [[w] for w in PUBLISHED]) == 77.5


def test_sizes_must_match():
    with pytest.raises(KpiValueError):
        weighted_total(AGENT_A, PUBLISHED[:5])


def test_blanks():
    assert weighted_total([None] * 6, PUBLISHED) == ""
    assert weighted_total(AGENT_A, [None] * 6) == ""
    # a weighted KPI not scored yet: no total rather than one that counts it as 0
    assert weighted_total([70, 100, "", 90, 90, 80], PUBLISHED) == ""
    # a KPI with no weight does not need a score
    assert weighted_total([70, None, 90], [0.5, 0, 0.5]) == 80
    assert weighted_total([70, None, 90], [0.5, None, 0.5]) == 80


def test_bad_scores_and_weights():
    with pytest.raises(KpiValueError):
        weighted_total([70, "seventy"], [0.5, 0.5])
    with pytest.raises(KpiNumError):
        weighted_total([70, 80], [1.5, -0.5])


def test_check_weights():
    assert check_weights(PUBLISHED) == "Weights add up to 95 %, not 100 %."
    assert check_weights([30, 25, 20, 10, 5, 5]) == "Weights add up to 95 %, not 100 %."
    assert check_weights([0.3, 0.15, 0.15, 0.1, 0.2, 0.1]) == "OK"  # DOMAIN's JD scheme
    assert check_weights([[30, 15], [15, 10], [20, 10]]) == "OK"
    assert check_weights([0.5, 0.5 + 1e-10]) == "OK"
    assert check_weights([0.5, 0.5 + 1e-8]) == "Weights add up to 100.000001 %, not 100 %."
    assert check_weights([0.6, 0.6]) == "Weights add up to 120 %, not 100 %."
    assert check_weights([None, ""]) == ""
    with pytest.raises(KpiValueError):
        check_weights([0.5, "half"])
