"""DOMAIN.md's composite customer-service model end to end, from the raw table to the totals.

Published (DOMAIN.md): totals A 77.5, B 77, C 77.5; points per KPI A 70/100/70/90/90/80,
B 90/80/60/100/100/60, C 60/90/100/80/80/100; weights 30/25/20/10/5/5 (95 % in all).
The code scores the tables as written; where the publication disagrees, the test says so.
"""
import pytest

from kpi_xl import band_score, check_bands, check_weights, safe_rate, weighted_total

SHOP_AOV = 66.3

# Higher-is-better tables are left-closed ("38 % ≤ X < 41 %"), response times right-closed
# ("ST ≤ 10 s → 100; 10 < ST ≤ 15 → 90"), returns left-closed ("< 3"; "≥ 20").
KPIS = [  # name, band table (lower, upper, points), closed side
    ("conversion", [[0.41, "", 100], [0.38, 0.41, 90], [0.35, 0.38, 80], [0.32, 0.35, 70],
                    [0.28, 0.31, 60], [0.25, 0.28, 50], ["", 0.25, 0]], "left"),
    ("payment_rate", [[0.9, "", 100], [0.8, 0.9, 90], [0.7, 0.8, 80], [0.6, 0.7, 70],
                      [0.5, 0.65, 60], ["", 0.5, 0]], "left"),
    ("aov_ratio", [[1.23, "", 100], [1.21, 1.23, 90], [1.19, 1.21, 80], [1.17, 1.19, 70],
                   [1.15, 1.17, 60], ["", 1.15, 0]], "left"),
    ("first_response_s", [["", 10, 100], [10, 15, 90], [15, 20, 80], [20, 25, 70],
                          [25, 30, 60], [30, "", 0]], "right"),
    ("avg_response_s", [["", 20, 100], [20, 25, 90], [25, 30, 80], [30, 35, 70],
                        [35, 40, 60], [40, "", 0]], "right"),
    ("returns", [["", 3, 100], [3, 10, 80], [10, 20, 60], [20, "", 0]], "left"),
]
TABLES = {name: (table, closed) for name, table, closed in KPIS}
WEIGHTS = [0.3, 0.25, 0.2, 0.1, 0.05, 0.05]

RAW = {  # buyers, inquiries, paid orders, orders, agent AOV, ST, PT, returns, deals
    "A": (88, 275, 228, 240, 78.23, 13, 21, 6, 289),
    "B": (582, 1455, 247, 325, 76.9, 8, 19, 23, 423),
    "C": (232, 800, 198, 225, 82.8, 16, 27, 0, 260),
}
PUBLISHED_POINTS = {"A": [70, 100, 70, 90, 90, 80], "B": [90, 80, 60, 100, 100, 60],
                    "C": [60, 90, 100, 80, 80, 100]}
PUBLISHED_TOTALS = {"A": 77.5, "B": 77, "C": 77.5}


def metrics(agent):
    buyers, inquiries, paid, orders, aov, st, pt, returns, _deals = RAW[agent]
    return [safe_rate(buyers, inquiries), safe_rate(paid, orders), safe_rate(aov, SHOP_AOV),
            st, pt, returns]


def points(agent):
    return [band_score(value, table, closed)
            for value, (_, table, closed) in zip(metrics(agent), KPIS)]


def test_metrics_from_the_raw_table():
    assert metrics("A")[:3] == pytest.approx([0.32, 0.95, 1.17994], abs=1e-5)
    assert metrics("B")[:3] == pytest.approx([0.40, 0.76, 1.15988], abs=1e-5)
    assert metrics("C")[:3] == pytest.approx([0.29, 0.88, 1.24887], abs=1e-5)


@pytest.mark.parametrize("agent", ["A", "C"])
def test_points_and_totals_of_a_and_c_match_the_publication(agent):
    assert points(agent) == PUBLISHED_POINTS[agent]
    assert weighted_total(points(agent), WEIGHTS) == PUBLISHED_TOTALS[agent]
    assert weighted_total(points(agent), [30, 25, 20, 10, 5, 5]) == PUBLISHED_TOTALS[agent]


def test_agent_a_conversion_sits_exactly_on_the_32_percent_bound():
    assert metrics("A")[0] == 0.32                      # 88 / 275
    assert band_score(metrics("A")[0], TABLES["conversion"][0]) == 70


def test_b_scores_74_under_the_table_as_written_not_the_published_77():
    computed = points("B")
    assert computed == [90, 80, 60, 100, 100, 0]
    assert weighted_total(computed, WEIGHTS) == 74
    # The publication differs in one place only: returns.
    differing = [name for (name, _, _), ours, theirs
                 in zip(KPIS, computed, PUBLISHED_POINTS["B"]) if ours != theirs]
    assert differing == ["returns"]
    # Its 77 is its own points weighted as written, so the slip is the returns point, not the sum.
    assert weighted_total(PUBLISHED_POINTS["B"], WEIGHTS) == PUBLISHED_TOTALS["B"] == 77


def test_why_b_returns_cannot_score_the_published_60():
    returns_table, closed = TABLES["returns"]
    assert check_bands(returns_table, closed) == "OK"   # the table itself is sound
    b_returns = RAW["B"][7]
    assert b_returns == 23 and b_returns >= 20          # "≥ 20 → 0"
    assert band_score(b_returns, returns_table) == 0
    # 60 belongs to 10 ≤ returns < 20 only
    assert [band_score(r, returns_table) for r in (9, 10, 19, 20)] == [80, 60, 60, 0]
    # As a return *rate* (23 / 423 = 5.4 %) B would score 100, not 60 either.
    assert band_score(safe_rate(23, 423), returns_table) == 100


def test_the_published_scheme_is_flagged():
    assert check_weights(WEIGHTS) == "Weights add up to 95 %, not 100 %."
    assert check_bands(*TABLES["conversion"]) == "Gap: 31 %–32 % lies in no band."
    assert check_bands(*TABLES["payment_rate"]) == (
        "Overlap: 60 %–65 % lies in rows 4 (70 points) and 5 (60 points); row 4 wins.")
    for name in ("aov_ratio", "first_response_s", "avg_response_s", "returns"):
        assert check_bands(*TABLES[name]) == "OK", name


def test_the_closed_side_matters_at_the_bounds_of_response_times():
    st_table = TABLES["first_response_s"][0]
    assert band_score(10, st_table, "right") == 100
    assert band_score(15, st_table, "right") == 90
    assert band_score(15, st_table, "left") == 80
