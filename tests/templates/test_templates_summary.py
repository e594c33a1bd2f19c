"""Consolidating filled workbooks: totals read from cached values, ranking across shops,
trend per agent over months; workbooks without cached values are reported.

The totals of the small run are worked by hand below (``HAND``), from DOMAIN.md's
composite model as the template's scheme sheet publishes it (``BANDS``); ``expected_total``
is the same model written out independently of the code under test, checked against the
hand-worked rows and DOMAIN's worked example, for the runs too large to work by hand.
"""
from __future__ import annotations

import math
import time

import pytest
from openpyxl import load_workbook

from kpi_xl.cli import main
from kpi_xl.templates import SummaryError
from kpi_xl.templates.fill import fill_template
from kpi_xl.templates.sample_data import generate_sample_data, write_sample_data
from kpi_xl.templates.summary import collect, write_summary
from tpl_helpers import needs_engine, values

NAN = math.nan

# DOMAIN.md §2, the composite customer-service model: (from, to, points), rows from the top,
# the first row that holds the value wins.  Higher is better: the lower bound is in
# ("X ≥ 41 % → 100; 38 % ≤ X < 41 % → 90"); lower is better: the upper bound is in
# ("ST ≤ 10 s → 100; 10 < ST ≤ 15 → 90").  The returns table is read as written, lower
# bound in: "<3:100; 3–10:80; 10–20:60; ≥20:0", so 10 returns score 60 and 20 score 0.
# The published mistakes stay: conversion 31 %–32 % is in no band (no total, #N/A); payment
# 60 %–65 % is in two bands and the first, 60–70 → 70, wins.
BANDS = {  # name: (higher is better, rows)
    "conversion": (True, [(0.41, None, 100), (0.38, 0.41, 90), (0.35, 0.38, 80),
                          (0.32, 0.35, 70), (0.28, 0.31, 60), (0.25, 0.28, 50),
                          (None, 0.25, 0)]),
    "payment": (True, [(0.90, None, 100), (0.80, 0.90, 90), (0.70, 0.80, 80), (0.60, 0.70, 70),
                       (0.50, 0.65, 60), (None, 0.50, 0)]),
    "aov_ratio": (True, [(1.23, None, 100), (1.21, 1.23, 90), (1.19, 1.21, 80),
                         (1.17, 1.19, 70), (1.15, 1.17, 60), (None, 1.15, 0)]),
    "first_response": (False, [(None, 10, 100), (10, 15, 90), (15, 20, 80), (20, 25, 70),
                               (25, 30, 60), (30, None, 0)]),
    "avg_response": (False, [(None, 20, 100), (20, 25, 90), (25, 30, 80), (30, 35, 70),
                             (35, 40, 60), (40, None, 0)]),
    "returns": (True, [(None, 3, 100), (3, 10, 80), (10, 20, 60), (20, None, 0)]),
}
WEIGHTS = (0.30, 0.25, 0.20, 0.10, 0.05, 0.05)   # as published: 95 %, not 100 %


def _points(name, x):
    """The points of the first row of ``BANDS[name]`` that holds ``x``; None in a gap."""
    higher_is_better, rows = BANDS[name]
    for lo, hi, points in rows:
        if higher_is_better and (lo is None or x >= lo) and (hi is None or x < hi):
            return points
        if not higher_is_better and (lo is None or x > lo) and (hi is None or x <= hi):
            return points
    return None


def expected_total(row) -> float:
    """DOMAIN's composite model applied to one row of agent data (English headers), in the
    order the workbook computes it; NaN for a figure in no band (the workbook's #N/A)."""
    aov = row["Sales"] / row["Buyers"]
    points = [_points("conversion", row["Buyers"] / row["Inquiries"]),
              _points("payment", row["Paid orders"] / row["Orders"]),
              _points("aov_ratio", aov / row["Shop AOV"]),
              _points("first_response", row["First response (s)"]),
              _points("avg_response", row["Avg response (s)"]),
              _points("returns", row["Returns"])]
    if None in points:
        return NAN
    return sum(p * w for p, w in zip(points, WEIGHTS))


# DOMAIN's worked example, checked by hand against its table: conversion 88/275 = 32 %
# exactly (the lower bound is in) → 70; 582/1455 = 40 % → 90; 232/800 = 29 % → 60; payment
# 228/240 = 95 % → 100, 247/325 = 76 % → 80, 198/225 = 88 % → 90; AOV ratio 78.23/66.3 =
# 1.1799 → 70, 76.9/66.3 = 1.1599 → 60, 82.8/66.3 = 1.2489 → 100; ST 13 → 90, 8 → 100,
# 16 → 80; PT 21 → 90, 19 → 100, 27 → 80; returns 6 → 80, 23 → 0 (published: 60), 0 → 100.
#   A: 70×.3 + 100×.25 + 70×.2 + 90×.1 + 90×.05 + 80×.05 = 21 + 25 + 14 + 9 + 4.5 + 4 = 77.5
#   B: 90×.3 + 80×.25 + 60×.2 + 100×.1 + 100×.05 + 0×.05 = 27 + 20 + 12 + 10 + 5 + 0 = 74
#   C: 60×.3 + 90×.25 + 100×.2 + 80×.1 + 80×.05 + 100×.05 = 18 + 22.5 + 20 + 8 + 4 + 5 = 77.5
WORKED_EXAMPLE = {  # agent: (inquiries, buyers, orders, paid, agent AOV, ST, PT, returns), points, total
    "A": ((275, 88, 240, 228, 78.23, 13, 21, 6), [70, 100, 70, 90, 90, 80], 77.5),
    "B": ((1455, 582, 325, 247, 76.9, 8, 19, 23), [90, 80, 60, 100, 100, 0], 74.0),
    "C": ((800, 232, 225, 198, 82.8, 16, 27, 0), [60, 90, 100, 80, 80, 100], 77.5),
}

# The small run's data (generate_sample_data(2, 3, 5, lang="en", seed=1)), worked by hand:
# each line gives conversion = buyers/inquiries, payment = paid/orders, AOV = sales/buyers
# and its ratio to the shop's AOV, first and average response, returns, each → its points;
# then points × weight, added.  Rank: within the shop and month, ties sharing the better
# place, the agent without a total left out.
HAND_INPUTS = ("Shop AOV", "Inquiries", "Buyers", "Orders", "Paid orders", "Sales",
               "First response (s)", "Avg response (s)", "Returns")
HAND = [  # shop, month, agent, inputs (HAND_INPUTS), points, total, rank
    # 223/620 = .3597 → 80; 188/259 = .7259 → 80; 47722.05/223 = 214.00, /177.96 = 1.2025 → 80; 14.3 s → 90; 22.5 s → 90; 5 → 80
    # 80×.3 + 80×.25 + 80×.2 + 90×.1 + 90×.05 + 80×.05 = 24 + 20 + 16 + 9 + 4.5 + 4 = 77.5
    ("Shop 01", "2025-01", "Agent 01", (177.96, 620, 223, 259, 188, 47722.05, 14.3, 22.5, 5), [80, 80, 80, 90, 90, 80], 77.5, 2),
    # 305/857 = .3559 → 80; 272/316 = .8608 → 90; 66200.48/305 = 217.05, /177.96 = 1.2197 → 90; 8.7 s → 100; 27.2 s → 80; 5 → 80
    # 80×.3 + 90×.25 + 90×.2 + 100×.1 + 80×.05 + 80×.05 = 24 + 22.5 + 18 + 10 + 4 + 4 = 82.5
    ("Shop 01", "2025-01", "Agent 02", (177.96, 857, 305, 316, 272, 66200.48, 8.7, 27.2, 5), [80, 90, 90, 100, 80, 80], 82.5, 1),
    # 281/782 = .3593 → 80; 290/341 = .8504 → 90; 57422.40/281 = 204.35, /177.96 = 1.1483 → 0; 12.1 s → 90; 26.2 s → 80; 3 → 80
    # 80×.3 + 90×.25 + 0×.2 + 90×.1 + 80×.05 + 80×.05 = 24 + 22.5 + 0 + 9 + 4 + 4 = 63.5
    ("Shop 01", "2025-01", "Agent 03", (177.96, 782, 281, 341, 290, 57422.40, 12.1, 26.2, 3), [80, 90, 0, 90, 80, 80], 63.5, 4),
    # 507/1367 = .3709 → 80; 419/613 = .6835 → 70; 98804.04/507 = 194.88, /177.96 = 1.0951 → 0; 14.6 s → 90; 18.5 s → 100; 5 → 80
    # 80×.3 + 70×.25 + 0×.2 + 90×.1 + 100×.05 + 80×.05 = 24 + 17.5 + 0 + 9 + 5 + 4 = 59.5
    ("Shop 01", "2025-01", "Agent 04", (177.96, 1367, 507, 613, 419, 98804.04, 14.6, 18.5, 5), [80, 70, 0, 90, 100, 80], 59.5, 5),
    # 179/500 = .3580 → 80; 206/219 = .9406 → 100; 36650.09/179 = 204.75, /177.96 = 1.1505 → 60; 13.9 s → 90; 37.2 s → 60; 12 → 60
    # 80×.3 + 100×.25 + 60×.2 + 90×.1 + 60×.05 + 60×.05 = 24 + 25 + 12 + 9 + 3 + 3 = 76
    ("Shop 01", "2025-01", "Agent 05", (177.96, 500, 179, 219, 206, 36650.09, 13.9, 37.2, 12), [80, 100, 60, 90, 60, 60], 76.0, 3),
    # 283/813 = .3481 → 70; 230/300 = .7667 → 80; 59607.59/283 = 210.63, /177.96 = 1.1836 → 70; 18 s → 80; 24.8 s → 90; 4 → 80
    # 70×.3 + 80×.25 + 70×.2 + 80×.1 + 90×.05 + 80×.05 = 21 + 20 + 14 + 8 + 4.5 + 4 = 71.5
    ("Shop 01", "2025-02", "Agent 01", (177.96, 813, 283, 300, 230, 59607.59, 18, 24.8, 4), [70, 80, 70, 80, 90, 80], 71.5, 2),
    # 233/658 = .3541 → 80; 215/251 = .8566 → 90; 50560.45/233 = 217.00, /177.96 = 1.2194 → 90; 10.1 s → 90; 24.2 s → 90; 4 → 80
    # 80×.3 + 90×.25 + 90×.2 + 90×.1 + 90×.05 + 80×.05 = 24 + 22.5 + 18 + 9 + 4.5 + 4 = 82
    ("Shop 01", "2025-02", "Agent 02", (177.96, 658, 233, 251, 215, 50560.45, 10.1, 24.2, 4), [80, 90, 90, 90, 90, 80], 82.0, 1),
    # 281/945 = .2974 → 60; 268/325 = .8246 → 90; 56016.96/281 = 199.35, /177.96 = 1.1202 → 0; 11.4 s → 90; 28.6 s → 80; 5 → 80
    # 60×.3 + 90×.25 + 0×.2 + 90×.1 + 80×.05 + 80×.05 = 18 + 22.5 + 0 + 9 + 4 + 4 = 57.5
    ("Shop 01", "2025-02", "Agent 03", (177.96, 945, 281, 325, 268, 56016.96, 11.4, 28.6, 5), [60, 90, 0, 90, 80, 80], 57.5, 5),
    # 458/1135 = .4035 → 90; 342/497 = .6881 → 70; 88588.28/458 = 193.42, /177.96 = 1.0869 → 0; 16.6 s → 80; 23.1 s → 90; 1 → 100
    # 90×.3 + 70×.25 + 0×.2 + 80×.1 + 90×.05 + 100×.05 = 27 + 17.5 + 0 + 8 + 4.5 + 5 = 62
    ("Shop 01", "2025-02", "Agent 04", (177.96, 1135, 458, 497, 342, 88588.28, 16.6, 23.1, 1), [90, 70, 0, 80, 90, 100], 62.0, 3),
    # 124/368 = .3370 → 70; 147/148 = .9932 → 100; 25071.87/124 = 202.19, /177.96 = 1.1362 → 0; 10.7 s → 90; 39.7 s → 60; 8 → 80
    # 70×.3 + 100×.25 + 0×.2 + 90×.1 + 60×.05 + 80×.05 = 21 + 25 + 0 + 9 + 3 + 4 = 62
    ("Shop 01", "2025-02", "Agent 05", (177.96, 368, 124, 148, 147, 25071.87, 10.7, 39.7, 8), [70, 100, 0, 90, 60, 80], 62.0, 3),
    # 384/992 = .3871 → 90; 312/454 = .6872 → 70; 83952.94/384 = 218.63, /177.96 = 1.2285 → 90; 14.2 s → 90; 19 s → 100; 12 → 60
    # 90×.3 + 70×.25 + 90×.2 + 90×.1 + 100×.05 + 60×.05 = 27 + 17.5 + 18 + 9 + 5 + 3 = 79.5
    ("Shop 01", "2025-03", "Agent 01", (177.96, 992, 384, 454, 312, 83952.94, 14.2, 19, 12), [90, 70, 90, 90, 100, 60], 79.5, 1),
    # 300/888 = .3378 → 70; 268/323 = .8297 → 90; 64731.74/300 = 215.77, /177.96 = 1.2125 → 90; 10.9 s → 90; 24.5 s → 90; 4 → 80
    # 70×.3 + 90×.25 + 90×.2 + 90×.1 + 90×.05 + 80×.05 = 21 + 22.5 + 18 + 9 + 4.5 + 4 = 79
    ("Shop 01", "2025-03", "Agent 02", (177.96, 888, 300, 323, 268, 64731.74, 10.9, 24.5, 4), [70, 90, 90, 90, 90, 80], 79.0, 2),
    # 229/682 = .3358 → 70; 220/268 = .8209 → 90; 45896.55/229 = 200.42, /177.96 = 1.1262 → 0; 15.6 s → 80; 25.9 s → 80; 2 → 100
    # 70×.3 + 90×.25 + 0×.2 + 80×.1 + 80×.05 + 100×.05 = 21 + 22.5 + 0 + 8 + 4 + 5 = 60.5
    ("Shop 01", "2025-03", "Agent 03", (177.96, 682, 229, 268, 220, 45896.55, 15.6, 25.9, 2), [70, 90, 0, 80, 80, 100], 60.5, 4),
    # 485/1212 = .4002 → 90; 349/521 = .6699 → 70; 96056.25/485 = 198.05, /177.96 = 1.1129 → 0; 10.8 s → 90; 26 s → 80; 4 → 80
    # 90×.3 + 70×.25 + 0×.2 + 90×.1 + 80×.05 + 80×.05 = 27 + 17.5 + 0 + 9 + 4 + 4 = 61.5
    ("Shop 01", "2025-03", "Agent 04", (177.96, 1212, 485, 521, 349, 96056.25, 10.8, 26, 4), [90, 70, 0, 90, 80, 80], 61.5, 3),
    # 124/396 = .3131 → gap; 128/128 = 1.0000 → 100; 24659.49/124 = 198.87, /177.96 = 1.1175 → 0; 15.4 s → 80; 34.7 s → 70; 7 → 80
    # 124/396 lies between 31 % (122.76/396) and 32 % (126.72/396): no band, no total, no rank
    ("Shop 01", "2025-03", "Agent 05", (177.96, 396, 124, 128, 128, 24659.49, 15.4, 34.7, 7), None, NAN, NAN),
    # 163/450 = .3622 → 80; 163/179 = .9106 → 100; 27633.88/163 = 169.53, /147.52 = 1.1492 → 0; 14.9 s → 90; 24.2 s → 90; 11 → 60
    # 80×.3 + 100×.25 + 0×.2 + 90×.1 + 90×.05 + 60×.05 = 24 + 25 + 0 + 9 + 4.5 + 3 = 65.5
    ("Shop 02", "2025-01", "Agent 01", (147.52, 450, 163, 179, 163, 27633.88, 14.9, 24.2, 11), [80, 100, 0, 90, 90, 60], 65.5, 4),
    # 435/1023 = .4252 → 100; 376/462 = .8139 → 90; 76597.02/435 = 176.09, /147.52 = 1.1936 → 80; 12.8 s → 90; 27.1 s → 80; 7 → 80
    # 100×.3 + 90×.25 + 80×.2 + 90×.1 + 80×.05 + 80×.05 = 30 + 22.5 + 16 + 9 + 4 + 4 = 85.5
    ("Shop 02", "2025-01", "Agent 02", (147.52, 1023, 435, 462, 376, 76597.02, 12.8, 27.1, 7), [100, 90, 80, 90, 80, 80], 85.5, 1),
    # 201/585 = .3436 → 70; 155/210 = .7381 → 80; 35278.29/201 = 175.51, /147.52 = 1.1898 → 70; 10.7 s → 90; 18 s → 100; 4 → 80
    # 70×.3 + 80×.25 + 70×.2 + 90×.1 + 100×.05 + 80×.05 = 21 + 20 + 14 + 9 + 5 + 4 = 73
    ("Shop 02", "2025-01", "Agent 03", (147.52, 585, 201, 210, 155, 35278.29, 10.7, 18, 4), [70, 80, 70, 90, 100, 80], 73.0, 3),
    # 450/1253 = .3591 → 80; 446/531 = .8399 → 90; 75675.61/450 = 168.17, /147.52 = 1.1400 → 0; 27.3 s → 60; 27.5 s → 80; 15 → 60
    # 80×.3 + 90×.25 + 0×.2 + 60×.1 + 80×.05 + 60×.05 = 24 + 22.5 + 0 + 6 + 4 + 3 = 59.5
    ("Shop 02", "2025-01", "Agent 04", (147.52, 1253, 450, 531, 446, 75675.61, 27.3, 27.5, 15), [80, 90, 0, 60, 80, 60], 59.5, 5),
    # 329/1023 = .3216 → 70; 309/408 = .7574 → 80; 57987.82/329 = 176.25, /147.52 = 1.1948 → 80; 7.7 s → 100; 34.6 s → 70; 6 → 80
    # 70×.3 + 80×.25 + 80×.2 + 100×.1 + 70×.05 + 80×.05 = 21 + 20 + 16 + 10 + 3.5 + 4 = 74.5
    ("Shop 02", "2025-01", "Agent 05", (147.52, 1023, 329, 408, 309, 57987.82, 7.7, 34.6, 6), [70, 80, 80, 100, 70, 80], 74.5, 2),
    # 173/487 = .3552 → 80; 152/177 = .8588 → 90; 29921.72/173 = 172.96, /147.52 = 1.1724 → 70; 11.3 s → 90; 22.6 s → 90; 8 → 80
    # 80×.3 + 90×.25 + 70×.2 + 90×.1 + 90×.05 + 80×.05 = 24 + 22.5 + 14 + 9 + 4.5 + 4 = 78
    ("Shop 02", "2025-02", "Agent 01", (147.52, 487, 173, 177, 152, 29921.72, 11.3, 22.6, 8), [80, 90, 70, 90, 90, 80], 78.0, 1),
    # 565/1325 = .4264 → 100; 567/651 = .8710 → 90; 95784.18/565 = 169.53, /147.52 = 1.1492 → 0; 12.7 s → 90; 25.4 s → 80; 14 → 60
    # 100×.3 + 90×.25 + 0×.2 + 90×.1 + 80×.05 + 60×.05 = 30 + 22.5 + 0 + 9 + 4 + 3 = 68.5
    ("Shop 02", "2025-02", "Agent 02", (147.52, 1325, 565, 651, 567, 95784.18, 12.7, 25.4, 14), [100, 90, 0, 90, 80, 60], 68.5, 3),
    # 241/721 = .3343 → 70; 184/254 = .7244 → 80; 42512.77/241 = 176.40, /147.52 = 1.1958 → 80; 12 s → 90; 18.3 s → 100; 5 → 80
    # 70×.3 + 80×.25 + 80×.2 + 90×.1 + 100×.05 + 80×.05 = 21 + 20 + 16 + 9 + 5 + 4 = 75
    ("Shop 02", "2025-02", "Agent 03", (147.52, 721, 241, 254, 184, 42512.77, 12, 18.3, 5), [70, 80, 80, 90, 100, 80], 75.0, 2),
    # 395/1047 = .3773 → 80; 331/404 = .8193 → 90; 66631.68/395 = 168.69, /147.52 = 1.1435 → 0; 28.4 s → 60; 31.1 s → 70; 10 → 60
    # 80×.3 + 90×.25 + 0×.2 + 60×.1 + 70×.05 + 60×.05 = 24 + 22.5 + 0 + 6 + 3.5 + 3 = 59
    ("Shop 02", "2025-02", "Agent 04", (147.52, 1047, 395, 404, 331, 66631.68, 28.4, 31.1, 10), [80, 90, 0, 60, 70, 60], 59.0, 4),
    # 364/1117 = .3259 → 70; 281/371 = .7574 → 80; 61085.14/364 = 167.82, /147.52 = 1.1376 → 0; 10.3 s → 90; 31.2 s → 70; 11 → 60
    # 70×.3 + 80×.25 + 0×.2 + 90×.1 + 70×.05 + 60×.05 = 21 + 20 + 0 + 9 + 3.5 + 3 = 56.5
    ("Shop 02", "2025-02", "Agent 05", (147.52, 1117, 364, 371, 281, 61085.14, 10.3, 31.2, 11), [70, 80, 0, 90, 70, 60], 56.5, 5),
    # 217/713 = .3043 → 60; 201/219 = .9178 → 100; 37182.51/217 = 171.35, /147.52 = 1.1615 → 60; 11.8 s → 90; 24.7 s → 90; 11 → 60
    # 60×.3 + 100×.25 + 60×.2 + 90×.1 + 90×.05 + 60×.05 = 18 + 25 + 12 + 9 + 4.5 + 3 = 71.5
    ("Shop 02", "2025-03", "Agent 01", (147.52, 713, 217, 219, 201, 37182.51, 11.8, 24.7, 11), [60, 100, 60, 90, 90, 60], 71.5, 4),
    # 496/1120 = .4429 → 100; 409/504 = .8115 → 90; 84275.71/496 = 169.91, /147.52 = 1.1518 → 60; 15.4 s → 80; 26 s → 80; 8 → 80
    # 100×.3 + 90×.25 + 60×.2 + 80×.1 + 80×.05 + 80×.05 = 30 + 22.5 + 12 + 8 + 4 + 4 = 80.5
    ("Shop 02", "2025-03", "Agent 02", (147.52, 1120, 496, 504, 409, 84275.71, 15.4, 26, 8), [100, 90, 60, 80, 80, 80], 80.5, 1),
    # 296/841 = .3520 → 80; 227/317 = .7161 → 80; 53557.77/296 = 180.94, /147.52 = 1.2265 → 90; 10.5 s → 90; 17.2 s → 100; 8 → 80
    # 80×.3 + 80×.25 + 90×.2 + 90×.1 + 100×.05 + 80×.05 = 24 + 20 + 18 + 9 + 5 + 4 = 80
    ("Shop 02", "2025-03", "Agent 03", (147.52, 841, 296, 317, 227, 53557.77, 10.5, 17.2, 8), [80, 80, 90, 90, 100, 80], 80.0, 2),
    # 460/1297 = .3547 → 80; 398/466 = .8541 → 90; 77147.93/460 = 167.71, /147.52 = 1.1369 → 0; 28.4 s → 60; 32.3 s → 70; 17 → 60
    # 80×.3 + 90×.25 + 0×.2 + 60×.1 + 70×.05 + 60×.05 = 24 + 22.5 + 0 + 6 + 3.5 + 3 = 59
    ("Shop 02", "2025-03", "Agent 04", (147.52, 1297, 460, 466, 398, 77147.93, 28.4, 32.3, 17), [80, 90, 0, 60, 70, 60], 59.0, 5),
    # 404/1193 = .3386 → 70; 337/463 = .7279 → 80; 69763.60/404 = 172.68, /147.52 = 1.1706 → 70; 11.5 s → 90; 29.2 s → 80; 7 → 80
    # 70×.3 + 80×.25 + 70×.2 + 90×.1 + 80×.05 + 80×.05 = 21 + 20 + 14 + 9 + 4 + 4 = 72
    ("Shop 02", "2025-03", "Agent 05", (147.52, 1193, 404, 463, 337, 69763.60, 11.5, 29.2, 7), [70, 80, 70, 90, 80, 80], 72.0, 3),
]


def test_sample_data_is_deterministic_and_complete():
    a = generate_sample_data(3, 2, 4, lang="en", seed=7)
    b = generate_sample_data(3, 2, 4, lang="en", seed=7)
    assert a.equals(b)
    assert len(a) == 3 * 2 * 4
    assert list(a.columns[:4]) == ["Shop", "Month", "Shop AOV", "Agent"]
    assert (a["Buyers"] <= a["Inquiries"]).all() and (a["Paid orders"] <= a["Orders"]).all()
    assert not generate_sample_data(3, 2, 4, lang="en", seed=8).equals(a)
    assert a.groupby(["Shop", "Month"])["Agent"].nunique().eq(4).all()


def test_uncached_workbooks_are_reported(tmp_path, built):
    raw = built("cs_composite", "zh", recalc=False)
    with pytest.raises(SummaryError, match="has no cached values"):
        collect([raw])
    problems = []
    assert collect([raw], strict=False, problems=problems).empty
    assert "kpi-xl recalc" in problems[0]
    with pytest.raises(SummaryError, match="does not exist"):
        collect([tmp_path / "missing.xlsx"])


@pytest.mark.parametrize("name, lang", [("cs_composite", "zh"), ("monthly_pay", "en")])
def test_an_uncalculated_workbook_is_named_once_not_as_unscored_agents(
        tmp_path, capsys, built, name, lang):
    """A workbook never calculated has no names cached in its results table: the summary
    says to recalculate it, and does not call each agent of the data sheet unscored."""
    raw = built(name, lang, recalc=False)
    assert main(["summary", str(raw), "-o", str(tmp_path / "s.xlsx"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "has not been recalculated since it was written" in err
    assert "no row in the results table" not in err


def _run(tmp_path, shops, months, agents, jobs=1, seed=11):
    data = write_sample_data(tmp_path / "agents.csv", n_shops=shops, n_months=months,
                             n_agents=agents, lang="en", seed=seed)
    from kpi_xl.templates import build_template
    template = tmp_path / "cs_composite_en.xlsx"
    build_template("cs_composite", "en", template, recalc=False)
    report = fill_template(template, data, tmp_path / "out", by="Shop,Month", jobs=jobs)
    assert report.problems == [] and report.cached, report.problems
    assert len(report.written) == shops * months
    df = collect(report.written)
    return data, df


def _check(data_path, df, shops, months, agents, tmp_path, want):
    """The totals and ranks read back equal ``want`` ({(shop, month, agent): (total, rank)});
    the summary workbook's sheets agree with them.  Returns the number without a total."""
    import pandas as pd
    data = pd.read_csv(data_path, encoding="utf-8-sig")
    assert len(df) == shops * months * agents
    merged = df.merge(data, left_on=["shop", "month", "agent"], right_on=["Shop", "Month", "Agent"])
    assert len(merged) == len(df) == len(want)
    keys = list(zip(merged["shop"], merged["month"], merged["agent"]))
    assert merged["total"].tolist() == pytest.approx([want[k][0] for k in keys], nan_ok=True)
    assert merged["rank"].tolist() == pytest.approx([want[k][1] for k in keys], nan_ok=True)
    out = write_summary(df, tmp_path / "summary.xlsx", lang="en")
    wb = load_workbook(out)
    assert wb.sheetnames == ["All results", "Ranking", "Trend"]
    trend = wb["Trend"]
    head = [c.value for c in trend[4]]
    assert head[:2] == ["Shop", "Agent"] and head[2:2 + months] == sorted(data["Month"].unique())
    assert trend.max_row == 4 + shops * agents
    # One agent's row of the trend equals its monthly totals.
    shop, agent = trend["A5"].value, trend["B5"].value
    mine = [want[k][0] for k in sorted(k for k in want if k[0] == shop and k[2] == agent)]
    assert [trend.cell(5, 3 + m).value for m in range(months)] == pytest.approx(mine)
    ranking = wb["Ranking"]
    totals = {}   # an agent's mean over the months with a total
    for (shop, _, agent), (total, _) in want.items():
        if not math.isnan(total):
            totals.setdefault((shop, agent), []).append(total)
    assert ranking["E5"].value == pytest.approx(max(sum(t) / len(t) for t in totals.values()))
    assert ranking["A5"].value == 1
    return sum(math.isnan(total) for total, _ in want.values())


def test_hand_worked_totals_add_up():
    for agent, (_, points, total) in WORKED_EXAMPLE.items():
        assert round(sum(p * w for p, w in zip(points, WEIGHTS)), 9) == total, agent
    for *key, _, points, total, _ in HAND:
        if points is None:
            assert math.isnan(total), key
        else:
            assert round(sum(p * w for p, w in zip(points, WEIGHTS)), 9) == total, key


def test_the_written_out_model_gives_domains_worked_example_and_the_hand_work():
    for agent, (inputs, _, total) in WORKED_EXAMPLE.items():
        inquiries, buyers, orders, paid, aov, first, average, returns = inputs
        row = {"Shop AOV": 66.3, "Inquiries": inquiries, "Buyers": buyers, "Orders": orders,
               "Paid orders": paid, "Sales": aov * buyers, "First response (s)": first,
               "Avg response (s)": average, "Returns": returns}
        assert expected_total(row) == pytest.approx(total), agent
    for *key, inputs, _, total, _ in HAND:
        assert expected_total(dict(zip(HAND_INPUTS, inputs))) == pytest.approx(total, nan_ok=True), key


def test_the_hand_worked_data_is_what_the_generator_gives():
    data = generate_sample_data(2, 3, 5, lang="en", seed=1)
    assert len(data) == len(HAND)
    for (_, row), (shop, month, agent, inputs, _, _, _) in zip(data.iterrows(), HAND):
        assert (row["Shop"], row["Month"], row["Agent"]) == (shop, month, agent)
        assert [row[c] for c in HAND_INPUTS] == pytest.approx(list(inputs)), (shop, month, agent)


@needs_engine
def test_fill_recalc_summary_small(tmp_path, capsys):
    data, df = _run(tmp_path, shops=2, months=3, agents=5, seed=1)
    want = {(shop, month, agent): (total, rank) for shop, month, agent, _, _, total, rank in HAND}
    # Shop 01's Agent 05 of 2025-03 converts 124/396 = 31.3 %, in the published table's gap.
    assert _check(data, df, 2, 3, 5, tmp_path, want) == 1
    code = main(["summary", str(tmp_path / "out" / "*.xlsx"), "-o", str(tmp_path / "s.xlsx"),
                 "--quiet"])
    assert code == 1  # written, with the agent in the gap reported
    assert "are #N/A" in capsys.readouterr().err
    assert load_workbook(tmp_path / "s.xlsx", read_only=True).sheetnames[0] == "All results"


@needs_engine
@pytest.mark.slow
def test_fill_recalc_summary_50_shops_12_months_20_agents(tmp_path):
    import pandas as pd
    start = time.perf_counter()
    data, df = _run(tmp_path, shops=50, months=12, agents=20, jobs=2)
    # Too many to work by hand: the written-out model, checked above against the hand work.
    rows = pd.read_csv(data, encoding="utf-8-sig")
    rows["total"] = rows.apply(expected_total, axis=1)
    rows["rank"] = rows.groupby(["Shop", "Month"])["total"].rank(ascending=False, method="min")
    want = {(r.Shop, r.Month, r.Agent): (r.total, r.rank) for r in rows.itertuples()}
    _check(data, df, 50, 12, 20, tmp_path, want)
    print(f"50 × 12 × 20: {time.perf_counter() - start:.0f} s")


@needs_engine
def test_sample_pipeline_for_the_demo(tmp_path):
    from kpi_xl.templates.pipeline import sample_pipeline
    result = sample_pipeline(tmp_path, n_shops=1, n_months=2, n_agents=3, lang="zh")
    assert len(result.report.written) == 2 and result.summary.exists()
    assert len(result.results) == 6
    assert load_workbook(result.summary, read_only=True).sheetnames == ["全部结果", "跨店排名", "月度趋势"]


def test_year_end_is_decided_per_calendar_year_with_every_month_counted():
    """By hand, threshold 70, 3 in a row or 4 in all disqualify (DOMAIN §3):
    2024-11, 2024-12 fail and 2025-01 fails: three in a row across the new year, but each
    year has its own count — 2024 has two failures of two months (pending: 2 of 12),
    2025 has one.  2025-03 has no total (#N/A): 2025 cannot be decided."""
    import pandas as pd
    from kpi_xl.templates.summary import trend, year_end_text
    from kpi_xl.templates.layout import Labels
    months = ["2024-11", "2024-12"] + [f"2025-{m:02d}" for m in range(1, 13)]
    totals = [60, 65, 69, 80, float("nan")] + [80] * 9
    df = pd.DataFrame({"shop": "S", "agent": "A", "month": months, "total": totals,
                       "file": [f"{m}.xlsx" for m in months]})
    table, _ = trend(df)
    text = year_end_text(table["year_end"][0], Labels("en"))
    assert text == "2024: pending (2 of 12 months); 2025: pending (no total in 2025-03)"
    # The workbook's own rule: two failed months in all disqualify.
    df["rule_max_total"] = 2
    table, _ = trend(df)
    assert year_end_text(table["year_end"][0], Labels("en")).startswith("2024: no; 2025:")
    # A full year without failures is eligible; one month below 70 (70 itself is not) too.
    full = pd.DataFrame({"shop": "S", "agent": "B", "month": months[2:],
                         "total": [70] + [85] * 11, "file": "x.xlsx"})
    assert year_end_text(trend(full)[0]["year_end"][0], Labels("zh")) == "2025: 是"


def test_a_year_end_line_typed_as_a_percentage_leaves_the_year_undecided():
    """A scheme whose fail-below line reads 0.7 (70 % typed for 70 points): every month of
    55 would pass it and the agent be eligible; the year is left undecided, saying why."""
    import pandas as pd
    from kpi_xl.templates.summary import trend, year_end_text
    from kpi_xl.templates.layout import Labels
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    df = pd.DataFrame({"shop": "S", "agent": "A", "month": months, "total": [55] * 12,
                       "file": "x.xlsx", "rule_threshold": 0.7})
    text = year_end_text(trend(df)[0]["year_end"][0], Labels("en"))
    assert text == ("2025: pending (threshold is 0.7 while the score is 55 points: a percentage "
                    "typed for points (70 meant)?)")


def test_the_summary_library_returns_its_findings_and_prints_nothing(tmp_path, capsys):
    # kpi_xl/cli.py prints; the library gathers, refuses and writes.
    from kpi_xl.templates.commands import gather_summary, write_gathered_summary
    from kpi_xl.templates.fill import OutputError
    missing = tmp_path / "gone.xlsx"
    run = gather_summary([str(missing)], tmp_path / "summary.xlsx")
    assert run.frame.empty and len(run.problems) == 1 and str(missing) in run.problems[0]
    assert not run.ok
    with pytest.raises(SummaryError, match="None of the workbooks could be summarised"):
        write_gathered_summary(run, tmp_path / "summary.xlsx")
    (tmp_path / "summary.xlsx").write_bytes(b"the user's own file")
    with pytest.raises(OutputError, match="already exists; nothing was written"):
        gather_summary([str(missing)], tmp_path / "summary.xlsx")
    assert (tmp_path / "summary.xlsx").read_bytes() == b"the user's own file"
    assert capsys.readouterr() == ("", "")


def test_an_agent_whose_totals_average_0_has_no_volatility():
    """A total of 0 is a score (KPI_FINAL floors an agent at 0): its volatility,
    STDEV.P ÷ AVERAGE, divides by 0 and is left blank, while the others are computed.
    By hand: A's totals 80 and 90 → mean 85, population deviation 5, 5 / 85 = 0.0588."""
    import pandas as pd
    from kpi_xl.templates.summary import ranking, trend
    df = pd.DataFrame({"shop": "S", "agent": ["A", "A", "B", "B"],
                       "month": ["2025-01", "2025-02"] * 2, "total": [80, 90, 0, 0],
                       "file": "x.xlsx"})
    out = ranking(df).set_index("agent")
    assert out.loc["A", "cv"] == pytest.approx(5 / 85)
    assert pd.isna(out.loc["B", "cv"]) and out.loc["B", "place"] == 2
    table, _ = trend(df)
    assert table["cv"][0] == pytest.approx(5 / 85) and pd.isna(table["cv"][1])


@needs_engine
def test_summary_of_a_month_with_a_total_of_0(tmp_path, capsys, built):
    """The pay sheet with B's appraisal score 0: fill pays B 3,200 (7 months → base
    3,000 + 2 × 100; no commission, conversion 300/900 below the team's; rule 1 bonus 0)
    and the summary ranks B last with no volatility, instead of stopping on a traceback."""
    import pandas as pd
    rows = [{"Agent": "A", "Months of service": 2, "Appraisal score": 95, "Sales": 120000,
             "Inquiries": 1000, "Buyers": 400, "Reviews": 380, "Bad reviews": 2},
            {"Agent": "B", "Months of service": 7, "Appraisal score": 0, "Sales": 80000,
             "Inquiries": 900, "Buyers": 300, "Reviews": 290, "Bad reviews": 3}]
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    template = built("monthly_pay", "en", recalc=False)
    assert main(["fill", str(template), str(tmp_path / "d.csv"), "-o", str(tmp_path / "out"),
                 "--quiet"]) == 0
    out = next((tmp_path / "out").glob("*.xlsx"))
    assert values(out, "Pay sheet")["M6"] == 3200
    assert main(["summary", str(out), "-o", str(tmp_path / "s.xlsx"), "--quiet"]) == 0
    ws = load_workbook(tmp_path / "s.xlsx", read_only=True).worksheets[1]
    ranked = {r[2]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    # place, shop, agent, months, mean, lowest, highest, volatility
    assert ranked["A"][0] == 1 and ranked["A"][7] == 0   # one month of 95: no spread
    assert ranked["B"][0] == 2 and ranked["B"][4] == 0 and ranked["B"][7] is None
