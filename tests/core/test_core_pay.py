"""KPI_RATE, KPI_BONUS, KPI_COMMISSION, KPI_FINAL, KPI_YEAR_END, KPI_TENURE_BASE."""
import pytest

from kpi_xl import (commission, final_score, monthly_bonus, safe_rate, tenure_base,
                    year_end_eligible)
from kpi_xl.core.errors import KpiNumError, KpiValueError


def test_safe_rate():
    assert safe_rate(88, 275) == 0.32
    assert safe_rate(582, 1455) == 0.4
    assert safe_rate("30", 120) == 0.25
    assert safe_rate(5, 0) == 0
    assert safe_rate(5, 0, 1) == 1
    assert safe_rate(5, 0, "-") == "-"
    assert safe_rate(0, 0, "") == 0
    assert safe_rate(None, 10) == "" and safe_rate(10, "") == ""
    with pytest.raises(KpiNumError):
        safe_rate(-1, 10)
    with pytest.raises(KpiNumError):
        safe_rate(1, -10)
    with pytest.raises(KpiValueError):
        safe_rate("ten", 10)


@pytest.mark.parametrize("score, pay", [
    (100, 1000), (95, 1000), (90, 1000), (89.99999999999999, 1000), (85, 850), (70, 700),
    (69.9, 0), (0, 0),
])
def test_monthly_bonus_default_rules(score, pay):
    assert monthly_bonus(score, 1000) == pytest.approx(pay)


def test_monthly_bonus_options_and_bad_input():
    assert monthly_bonus(80, 1000, 80, 60) == 1000
    assert monthly_bonus(65, 1000, 80, 60) == 650
    assert monthly_bonus(None, 1000) == "" and monthly_bonus(80, None) == ""
    with pytest.raises(KpiNumError):
        monthly_bonus(80, 1000, 60, 70)
    with pytest.raises(KpiNumError):
        monthly_bonus(80, -1000)
    with pytest.raises(KpiValueError):
        monthly_bonus("good", 1000)


def test_a_bonus_threshold_typed_as_a_percentage_is_num():
    """90 % typed for 90 points is 0.9: every agent above 0.9 points would be paid in full
    (77.5 points: 1,000 instead of 775), and 70 % for 70 pays scores of 1–70 pro rata."""
    with pytest.raises(KpiNumError, match=r"full_at is 0\.9 while the score is 77\.5 points"):
        monthly_bonus(77.5, 1000, 0.9, 0.7)
    with pytest.raises(KpiNumError, match=r"none_below is 0\.7 .* \(70 meant\)"):
        monthly_bonus(77.5, 1000, 90, 0.7)
    with pytest.raises(KpiNumError, match="full_at is 1 "):
        monthly_bonus(77.5, 1000, 1, 0)
    # A ratio scheme (score 105 % of target, all or nothing at 100 %) is left alone, and so
    # are thresholds of 0 and whole points.
    assert monthly_bonus(1.05, 2000, 1, 1) == 2000 and monthly_bonus(0.95, 2000, 1, 1) == 0
    assert monthly_bonus(77.5, 1000, 90, 0) == 775
    assert monthly_bonus(9.5, 1000, 0.9, 0.7) == 1000   # below 10, not taken for points


def test_a_cap_typed_as_a_percentage_is_num():
    # 100 % typed for a cap of 100 points is 1: every final score would be 1.
    assert final_score(85, [5], None, None, 100) == 90
    with pytest.raises(KpiNumError, match="cap is 1 while the score is 85 points"):
        final_score(85, [5], None, None, 1)
    assert final_score(0.85, None, None, None, 1) == 0.85    # a scheme of fractions


TIERS = [[0, 0.03], [10000, 0.04], [20000, 0.05]]


def test_commission_flat_and_progressive_hand_worked():
    assert commission(25000, TIERS) == 1250                      # 25,000 × 5 %
    assert commission(25000, TIERS, "flat") == 1250
    assert commission(25000, TIERS, "progressive") == 950        # 300 + 400 + 250
    assert commission(20000, TIERS) == 1000                      # 20,000 reaches the 5 % tier
    assert commission(9999, TIERS) == pytest.approx(299.97)
    assert commission(25000, [[20000, 5], [0, 3], [10000, 4]]) == 1250  # percent figures, any order
    assert commission(25000, [["起点", "比例"], *TIERS], "Progressive") == 950


def test_commission_floor():
    floor = [[10000, 0.03], [20000, 0.05]]
    assert commission(5000, floor) == 0
    assert commission(15000, floor) == 450
    assert commission(15000, floor, "progressive") == 150        # only 10,000–15,000 earns


def test_commission_bad_input():
    assert commission(None, TIERS) == ""
    with pytest.raises(KpiNumError):
        commission(100, TIERS, "stepped")
    with pytest.raises(KpiNumError):
        commission(100, [[0, 0.03], [0, 0.04]])
    with pytest.raises(KpiNumError):
        commission(-100, TIERS)
    with pytest.raises(KpiNumError):
        commission(100, [])
    with pytest.raises(KpiValueError):
        commission(100, [[0, "three"]])
    with pytest.raises(KpiValueError):
        commission(100, [[0, 0.03, 1]])


def test_commission_rates_that_cannot_be_meant_are_num():
    """Rates read in the wrong scale pay a wrong amount without a word: 0.03, 0.04, 5 read
    as percent figures would pay 120,000 × 0.05 % = 60 instead of 5 % = 6,000; 0.5, 0.8, 1
    typed for 0.5 %, 0.8 %, 1 % read as fractions would pay 120,000 × 100 %."""
    with pytest.raises(KpiNumError, match=r"tiers mix fractions and percent figures among the rates: 0.03 .*3 %.* 5 %"):
        commission(120000, [[0, 0.03], [50000, 0.04], [100000, 5]])
    with pytest.raises(KpiNumError, match=r"tiers has a rate of 1, which pays 100 % of the sales"):
        commission(120000, [[0, 0.5], [50000, 0.8], [100000, 1]])
    with pytest.raises(KpiNumError, match=r"tiers has a rate of 60 %, half the sales or more"):
        commission(120000, [[0, 50], [100000, 60]])
    # the same tables typed in one scale, and percent figures below 1 beside larger ones
    assert commission(120000, [[0, 3], [50000, 4], [100000, 5]]) == 6000
    assert commission(120000, [[0, 0.005], [50000, 0.008], [100000, 0.01]]) == 1200
    assert commission(120000, [[0, 0.5], [100000, 1.5]]) == 1800      # 1.5 % of 120,000
    assert commission(120000, [[0, 0], [100000, 3]]) == 3600           # a 0 % tier is no mix
    assert commission(10000, [[0, 0.49]]) == 4900                     # below half: as typed


def test_final_score():
    assert final_score(77.5) == 77.5
    assert final_score(77.5, [5, 5], [1]) == 77.5                # +10 − 10
    assert final_score(80, [[5, None, 5]], [[1, 2]]) == 60       # +10 − 30
    assert final_score(80, None, 2, 20) == 40
    assert final_score(5, None, [1]) == 0                        # never below 0
    assert final_score(98, [5]) == 103
    assert final_score(98, [5], None, None, 100) == 100
    assert final_score(None, [5]) == ""
    with pytest.raises(KpiNumError):
        final_score(80, None, [-1])
    with pytest.raises(KpiNumError):
        final_score(80, None, [1], -10)
    with pytest.raises(KpiValueError):
        final_score(80, ["five"])


@pytest.mark.parametrize("months, eligible", [
    ([80] * 12, True),
    ([80, 65, 65, 80, 65, 80, 90, 90, 90, 90, 90, 90], True),     # 3 fails, none 3 in a row
    ([80, 65, 65, 65, 80, 80], False),                           # 3 in a row
    ([65, 80, 65, 80, 65, 80, 65], False),                       # 4 in all
    ([70, 70, 70, 70, 70, 70], True),                            # 70 itself is not below
    ([65, 65, None, 65, 80], True),                              # a blank month ends the run
    ([65, 65, "", 65, 80, 65], False),                           # ... but 4 in all still fail
    ([[65, 65, 80, 80, 80, 80], [80, 80, 80, 80, 80, 65]], True),  # reading order: Dec, Jan apart
    ([[80, 80, 80, 80, 65, 65], [65, 80, 80, 80, 80, 80]], False),  # Jun, Jul across the row break
])
def test_year_end(months, eligible):
    assert year_end_eligible(months) is eligible


def test_year_end_options_and_bad_input():
    assert year_end_eligible([65, 65, 80], None, 2) is False
    assert year_end_eligible([65, 65, 80], 60) is True
    assert year_end_eligible([65, 80, 65], None, None, 2) is False
    assert year_end_eligible([None, ""]) == ""
    with pytest.raises(KpiNumError):
        year_end_eligible([80], None, 0)
    with pytest.raises(KpiNumError):
        year_end_eligible([80], None, 2.5)
    with pytest.raises(KpiValueError):
        year_end_eligible([80, "absent"])


def test_a_year_end_threshold_typed_as_a_percentage_is_num():
    # 70 % for 70: 0.7, which the months of 55 and 60 points would pass.
    assert year_end_eligible([55, 60, 58, 80], 70) is False
    with pytest.raises(KpiNumError, match=r"threshold is 0\.7 while the score is 80 points"):
        year_end_eligible([55, 60, 58, 80], 0.7)
    assert year_end_eligible([0.55, 0.6, 0.58, 0.8], 0.7) is False   # a scheme of fractions


@pytest.mark.parametrize("months, salary", [
    (0, 3000), (2, 3000), (2.9, 3000), (3, 3100), (5, 3100), (6, 3200), (12, 3400),
])
def test_tenure_base_defaults(months, salary):
    # +100 every 3 months after the first 3 months
    assert tenure_base(months, 3000) == salary


def test_tenure_base_options_and_bad_input():
    assert tenure_base(12, 3000, 50, 6, 6) == 3100               # ⌊6/6⌋ + 1 = 2 steps of 50
    assert tenure_base(11, 3000, 50, 6, 6) == 3050
    assert tenure_base(0, 3000, 50, 6, 0) == 3050
    assert tenure_base(0.3, 3000, 10, 0.1, 0) == 3040            # 0.3 / 0.1 is 3 steps, not 2.99…
    assert tenure_base(None, 3000) == "" and tenure_base(5, None) == ""
    with pytest.raises(KpiNumError):
        tenure_base(-1, 3000)
    with pytest.raises(KpiNumError):
        tenure_base(5, 3000, 100, 0)
    with pytest.raises(KpiNumError):
        tenure_base(5, 3000, 100, 3, -1)
