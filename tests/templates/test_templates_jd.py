"""The JD customer-service scheme: DOMAIN's weights, default bands, hand-worked totals.

By hand (shop AOV 100): A — 64 % → 100, 1.12 → 100, 12 s → 100, 28 s → 100, 97.5 % → 100,
rating 95 → 99.5. B — 52 % → 80, 1.02 → 80, 18 s → 90, 42 s → 80, 88 % → 80, 85 → 82.
C — 41 % → 60, 0.93 → 60, 35 s → 60, 65 s → 0, 73.3 % → 0, 70 → 43.
"""
from __future__ import annotations

import pytest

from kpi_xl import band_score, safe_rate, weighted_total
from tpl_helpers import named_range, needs_engine, values

CONVERSION = [[0.60, None, 100], [0.55, 0.60, 90], [0.50, 0.55, 80], [0.45, 0.50, 70],
              [0.40, 0.45, 60], [None, 0.40, 0]]
AOV = [[1.10, None, 100], [1.05, 1.10, 90], [1.00, 1.05, 80], [0.95, 1.00, 70], [0.90, 0.95, 60],
       [None, 0.90, 0]]
FIRST = [[None, 15, 100], [15, 20, 90], [20, 30, 80], [30, 45, 60], [45, None, 0]]
AVERAGE = [[None, 30, 100], [30, 40, 90], [40, 50, 80], [50, 60, 60], [60, None, 0]]
REFUNDS = [[0.95, None, 100], [0.90, 0.95, 90], [0.85, 0.90, 80], [0.80, 0.85, 60],
           [None, 0.80, 0]]
WEIGHTS = [[0.30, 0.15, 0.15, 0.10, 0.20, 0.10]]  # DOMAIN §2, the JD scheme
AGENTS = {  # inquiries, buyers, AOV, ST, PT, refunds, completed, rating
    "A": (500, 320, 112, 12, 28, 40, 39, 95),
    "B": (600, 312, 102, 18, 42, 50, 44, 85),
    "C": (400, 164, 93, 35, 65, 30, 22, 70),
}
TOTAL = {"A": 99.5, "B": 82, "C": 43}


def hand(inq, buyers, aov, st, pt, refunds, done, rating):
    points = [band_score(safe_rate(buyers, inq), CONVERSION), band_score(safe_rate(aov, 100), AOV),
              band_score(st, FIRST, "right"), band_score(pt, AVERAGE, "right"),
              band_score(safe_rate(done, refunds), REFUNDS), rating]
    return weighted_total([points], WEIGHTS)


@pytest.mark.parametrize("agent", sorted(AGENTS))
def test_core_functions_give_the_hand_worked_totals(agent):
    assert hand(*AGENTS[agent]) == pytest.approx(TOTAL[agent])


def test_template_carries_domain_weights_and_its_default_bands(built):
    path = built("jd_service", "en", recalc=False)
    assert named_range(path, "Weights") == WEIGHTS
    assert named_range(path, "Band_Refunds") == REFUNDS
    assert named_range(path, "Band_First_Response") == FIRST
    from openpyxl import load_workbook
    scheme = load_workbook(path)["Scheme"]
    assert any("editable default" in str(c.value) for row in scheme.iter_rows() for c in row)


@needs_engine
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_recalculated_jd_results(built, lang):
    v = values(built("jd_service", lang), "考核结果" if lang == "zh" else "Results")
    assert [v["H5"], v["H6"], v["H7"]] == pytest.approx([99.5, 82, 43])
    assert [v["J5"], v["J6"], v["J7"]] == pytest.approx([1000, 820, 0])
