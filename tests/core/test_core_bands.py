"""KPI_BAND, KPI_LINEAR, KPI_CHECK_BANDS, KPI_SUGGEST_BANDS on hand-worked values."""
import random

import pytest

from kpi_xl import band_score, check_bands, linear_score, suggest_bands
from kpi_xl.core.errors import KpiNotFoundError, KpiNumError, KpiValueError

# DOMAIN.md's composite model, written as 3-column (lower, upper, points) tables.
CONVERSION = [[0.41, "", 100], [0.38, 0.41, 90], [0.35, 0.38, 80], [0.32, 0.35, 70],
              [0.28, 0.31, 60], [0.25, 0.28, 50], ["", 0.25, 0]]
PAYMENT = [[0.9, "", 100], [0.8, 0.9, 90], [0.7, 0.8, 80], [0.6, 0.7, 70], [0.5, 0.65, 60],
           ["", 0.5, 0]]
FIRST_RESPONSE = [["", 10, 100], [10, 15, 90], [15, 20, 80], [20, 25, 70], [25, 30, 60],
                  [30, "", 0]]
RETURNS = [["", 3, 100], [3, 10, 80], [10, 20, 60], [20, "", 0]]
# The same conversion thresholds as a 2-column (threshold, points) table: it cannot have a gap.
CONVERSION_2COL = [[0.41, 100], [0.38, 90], [0.35, 80], [0.32, 70], [0.28, 60], [0.25, 50], ["", 0]]


@pytest.mark.parametrize("value, points", [
    (0.41, 100), (0.5, 100), (0.40999, 90), (0.38, 90), (0.37999, 80), (0.32, 70),
    (0.30999, 60), (0.28, 60), (0.25, 50), (0.24999, 0), (0, 0),
    (0.57 - 0.16, 100),  # prints as 41 %, falls a hair short in binary: still the 41 % band
    ("41%", 100), ("0.38", 90),
])
def test_left_closed_lower_bound_inclusive(value, points):
    assert band_score(value, CONVERSION) == points


@pytest.mark.parametrize("value", [0.31, 0.315, 0.31999])
def test_a_value_in_the_conversion_gap_is_na(value):
    with pytest.raises(KpiNotFoundError):
        band_score(value, CONVERSION)


@pytest.mark.parametrize("value, table, closed, said", [
    # DOMAIN's published conversion gap: 31 %–32 % lies in no band
    (0.315, CONVERSION, "left", "0.315 falls in no band of the table: it lies between 0.31 "
                                "and 0.32"),
    (87 / 275, CONVERSION, "left", "0.3163636364 falls in no band of the table: it lies "
                                   "between 0.31 and 0.32"),
    # the open end left out: below the lowest threshold, above the highest
    (0.1, CONVERSION_2COL[:-1], "left", "0.1 falls in no band of the table: the lowest band "
                                        "begins at 0.25"),
    (31, [[30, 60], [10, 100], [20, 80]], "right", "31 falls in no band of the table: the "
                                                   "highest band ends at 30"),
])
def test_a_value_in_no_band_says_which_bounds_it_lies_between(value, table, closed, said):
    with pytest.raises(KpiNotFoundError) as caught:
        band_score(value, table, closed)
    assert str(caught.value) == said


@pytest.mark.parametrize("value, points", [
    (0, 100), (10, 100), (10.001, 90), (15, 90), (16, 80), (30, 60), (30.5, 0), (300, 0),
])
def test_right_closed_upper_bound_inclusive(value, points):
    assert band_score(value, FIRST_RESPONSE, "right") == points


def test_exactly_10_seconds_depends_on_the_closed_side():
    assert band_score(10, FIRST_RESPONSE, "right") == 100  # "ST ≤ 10 s → 100"
    assert band_score(10, FIRST_RESPONSE, "left") == 90    # [10, 15) under "left"
    assert band_score(10, FIRST_RESPONSE, " RIGHT ") == 100


def test_two_column_left_thresholds_are_lower_bounds_in_any_order():
    shuffled = CONVERSION_2COL[:]
    random.Random(7).shuffle(shuffled)
    for table in (CONVERSION_2COL, shuffled, list(reversed(CONVERSION_2COL))):
        assert band_score(0.41, table) == 100
        assert band_score(0.40, table) == 90
        assert band_score(0.315, table) == 60
        assert band_score(0.25, table) == 50
        assert band_score(0.1, table) == 0  # the blank threshold is "everything below"
    with pytest.raises(KpiNotFoundError):
        band_score(0.1, CONVERSION_2COL[:-1])


def test_two_column_right_thresholds_are_upper_bounds_in_any_order():
    table = [[30, 60], [10, 100], ["", 0], [20, 80], [15, 90], [25, 70]]
    assert band_score(10, table, "right") == 100
    assert band_score(10.5, table, "right") == 90
    assert band_score(15, table, "right") == 90
    assert band_score(30, table, "right") == 60
    assert band_score(31, table, "right") == 0  # blank threshold: everything above
    with pytest.raises(KpiNotFoundError):
        band_score(31, [r for r in table if r[0] != ""], "right")


def test_overlapping_rows_first_from_the_top_wins():
    assert band_score(0.62, PAYMENT) == 70  # 60–70 % row comes before the 50–65 % row
    assert band_score(0.65, PAYMENT) == 70
    assert band_score(0.55, PAYMENT) == 60
    assert band_score(0.62, [PAYMENT[4], PAYMENT[3]]) == 60


def test_headers_blank_rows_and_blank_points():
    table = [["下限", "上限", "分数"], ["", "", ""], *RETURNS]
    assert band_score(23, table) == 0
    assert band_score(2, table) == 100
    assert band_score(5, [[0, 10, ""], [10, "", 50]]) == ""  # points not filled in yet


def test_blank_value_gives_blank_and_bad_input_errors():
    assert band_score(None, CONVERSION) == ""
    assert band_score("", CONVERSION) == ""
    assert band_score(None, [[1, 2, 3, 4]]) == ""
    with pytest.raises(KpiValueError):
        band_score("abc", CONVERSION)
    with pytest.raises(KpiNumError):
        band_score(0.3, CONVERSION, "middle")
    with pytest.raises(KpiNumError):
        band_score(0.3, CONVERSION, 1)
    with pytest.raises(KpiNumError):
        band_score(0.3, [[None, None], ["", ""]])
    with pytest.raises(KpiValueError):
        band_score(0.3, [[1, 2, 3, 4]])
    with pytest.raises(KpiValueError):
        band_score(0.3, [[0.2, "x", 3]])
    with pytest.raises(KpiValueError):
        band_score(0.3, [[0.2, True, 3]])


def test_true_as_a_direct_value_is_1():
    assert band_score(True, RETURNS) == 100   # 1 return < 3
    assert band_score(False, RETURNS) == 100


# --------------------------------------------------------------------- linear

def test_linear_interpolation_hand_worked():
    assert linear_score(2.5, [[0, 0], [10, 100]]) == 25
    # lower is better, x descending: 20 s lies half-way from 30 s (0 points) to 10 s (100)
    assert linear_score(20, [[10, 100], [30, 0]]) == 50
    assert linear_score(20, [[30, 0], [10, 100]]) == 50
    unordered = [[0.5, 100], [0.2, 0], [0.3, 60]]
    assert linear_score(0.25, unordered) == pytest.approx(30)
    assert linear_score(0.4, unordered) == pytest.approx(80)
    assert linear_score(0.3, unordered) == 60


def test_linear_clamps_at_the_ends():
    assert linear_score(5, [[10, 100], [30, 0]]) == 100
    assert linear_score(45, [[10, 100], [30, 0]]) == 0
    assert linear_score(7, [[3, 42]]) == 42


def test_linear_bad_tables():
    assert linear_score(None, [[0, 0]]) == ""
    with pytest.raises(KpiNumError):
        linear_score(1, [[1, 10], [1, 20]])
    assert linear_score(1, [["x", "分数"], [1, 10], [1, 10], [2, 20]]) == 10
    with pytest.raises(KpiValueError):
        linear_score(1, [[1, 10], [2, ""]])
    with pytest.raises(KpiValueError):
        linear_score(1, [[1, 10, 5]])
    with pytest.raises(KpiNumError):
        linear_score(1, [])
    with pytest.raises(KpiValueError):
        linear_score("x", [[1, 10]])


# --------------------------------------------------------------------- check

def test_check_names_the_conversion_gap():
    assert check_bands(CONVERSION) == "Gap: 31 %–32 % lies in no band."


def test_check_names_the_payment_overlap():
    assert check_bands(PAYMENT) == (
        "Overlap: 60 %–65 % lies in rows 4 (70 points) and 5 (60 points); row 4 wins.")


def test_check_passes_sound_tables():
    assert check_bands(RETURNS) == "OK"
    assert check_bands(FIRST_RESPONSE, "right") == "OK"
    assert check_bands(CONVERSION_2COL) == "OK"
    assert check_bands([["下限", "上限", "分数"], *RETURNS]) == "OK"


# A percentage typed without its sign (35 for 35 %) in a table of fractions: the table reads
# in order with it, so no gap or overlap shows, and a rate of 50 % scores the band below.
TYPED_35 = ("35 looks like 35 % typed without its % sign: the table's other bounds are "
            "fractions (0.32 is 32 %), so 35 is read as 3500 %.")


@pytest.mark.parametrize("table, closed", [
    ([[0, 0.3, 0], [0.3, 0.32, 5], [0.32, 35, 10], [35, "", 15]], "left"),   # 3 columns
    ([[0, 0], [0.3, 5], [0.32, 10], [35, 15]], "left"),                      # thresholds
    ([[35, 15], [0.32, 10], [0.3, 5], [0, 0]], "left"),                      # best first
    ([["下限", "分数"], [0, 0], [0.3, 5], [0.32, 10], ["35", 15]], "left"),   # typed as text
])
def test_check_names_a_percentage_typed_without_its_sign(table, closed):
    assert band_score(0.5, table, closed) == 10    # what the table as written pays
    assert band_score(0.5, [[0.35 if b in (35, "35") else b for b in r[:-1]] + r[-1:]
                            for r in table], closed) == 15
    assert check_bands(table, closed) == TYPED_35


def test_check_names_it_in_chinese_and_beside_the_problems_it_causes():
    assert check_bands([[0, 0], [0.3, 5], [0.32, 10], [35, 15]], lang="zh") == (
        "35 像是漏了 % 号的 35%：表中其他界限都是小数（0.32 即 32%），35 会被当作 3500%。")
    # typed once, the other bound as a fraction: the overlap it makes is named too
    said = check_bands([[0, 0.31, 0], [0.32, 0.35, 5], [0.35, 40, 10]])
    assert said.startswith("40 looks like 40 % typed without its % sign: the table's other "
                           "bounds are fractions (0.35 is 35 %), so 40 is read as 4000 %. ")
    assert "Gap: 0.31–0.32 lies in no band." in said


@pytest.mark.parametrize("table", [
    [[0.8, 0], [0.9, 5], [1, 10], [1.2, 15], [3, 20]],                  # AOV ratio up to 3
    [[0.5, 0.8, 0], [0.8, 1.2, 5], [1.2, 3, 10], [3, "", 15]],
    [[0, 0], [30, 5], [32, 10], [35, 15]],                              # percentage points
    [[0, 0], [0.5, 5], [1, 10], [5, 15], [10, 20]],                     # one fraction only
    [[0, 100], [0.25, 80], [0.5, 60], [0.75, 40], [1, 20], [2.5, 0]],   # 2.5 as 2.5 % breaks it
])
def test_check_leaves_ratio_and_count_tables_alone(table):
    assert check_bands(table) == "OK"


def test_check_plain_numbers_and_row_numbers_count_header_and_blank_rows():
    table = [["lower", "upper", "points"], ["", 10, 100], [None, None, None], [11, 15, 90],
             [15, "", 0]]
    assert check_bands(table, "right") == "Gap: 10–11 lies in no band."


def test_check_reports_every_problem():
    table = [[0.41, "", 100], [0.38, 0.40, 80], [0.35, 0.38, 90], [0.30, 0.36, 60], ["", 0.30, 0]]
    assert check_bands(table) == (
        "Overlap: 35 %–36 % lies in rows 3 (90 points) and 4 (60 points); row 3 wins. "
        "Gap: 40 %–41 % lies in no band. "
        "Points go against the table's direction: 38 %–40 % scores 80, less than the 90 "
        "of 35 %–38 % below it.")


def test_check_direction_lower_is_better():
    assert check_bands([["", 3, 100], [3, 10, 60], [10, 20, 80], [20, "", 0]]) == (
        "Points go against the table's direction: 10–20 scores 80, more than the 60 "
        "of 3–10 below it.")


def test_check_open_overlap_inverted_empty_and_pointless_rows():
    table = [["", 0.25, 0], ["", 0.3, 10], [0.3, "", 100], [0.5, 0.4, 5], [0.6, 0.6, 5],
             [0.7, 0.8, None]]
    assert check_bands(table) == (
        "Row 4: lower bound 50 % is above upper bound 40 %. "
        "Row 5: 60 %–60 % holds no value. "
        "Row 6 has no points. "
        "Overlap: < 25 % lies in rows 1 (0 points) and 2 (10 points); row 1 wins. "
        "Overlap: 70 %–80 % lies in rows 3 (100 points) and 6 (no points); row 3 wins.")


def test_check_two_column_repeated_threshold():
    assert check_bands([[0.3, 80], [0.3, 90], [0.1, 50]]) == (
        "Overlap: threshold 30 % is in rows 1 (80 points) and 2 (90 points); row 1 wins.")
    assert band_score(0.35, [[0.3, 80], [0.3, 90], [0.1, 50]]) == 80


def test_check_reports_text_instead_of_an_error_but_a_bad_side_is_num():
    assert check_bands([[0.2, "abc", 3]]) == "Row 1, column 2 is the text 'abc', not a number."
    assert check_bands([[1, 2, 3, 4]]) == "The band table has 4 columns; it needs 2 or 3."
    with pytest.raises(KpiNumError):
        check_bands(RETURNS, "up")


# --------------------------------------------------------------------- suggest

def test_suggest_hand_worked_higher_is_better():
    assert suggest_bands([1, 2, 3, 4, 5], 2) == [[3, "", 100], ["", 3, 50]]
    table = suggest_bands([50, 10, 40, 30, 20], 4)
    assert [row[:2] for row in table] == [[40, ""], [30, 40], [20, 30], ["", 20]]
    assert [row[2] for row in table] == pytest.approx([100, 250 / 3, 200 / 3, 50])


def test_suggest_hand_worked_lower_is_better():
    # PERCENTILE.INC of 8, 9, 11, 12, 16, 20 at 25/50/75 %: 9.5, 11.5, 15
    table = suggest_bands([[8, 9, 11], [12, 16, 20]], 4, 100, 40, "lower")
    assert table == [["", 9.5, 100], [9.5, 11.5, 80], [11.5, 15, 60], [15, "", 40]]


def test_suggest_rounds_cut_points_to_three_digits_of_the_spread():
    table = suggest_bands([0.29, 0.32, 0.4, 0.35, 0.31, 0.27, 0.38, 0.33])
    assert [row[0] for row in table[:-1]] == [0.368, 0.334, 0.318, 0.298]


HISTORIES = [
    [0.32, 0.40, 0.29],                               # DOMAIN's three agents' conversion
    [0.29, 0.32, 0.4, 0.35, 0.31, 0.27, 0.38, 0.33],
    [13, 8, 16, 21, 9, 30, 12],
    [1] * 9 + [2],                                    # heavy ties at the bottom
    [1] + [2] * 9,                                    # heavy ties at the top
    [-5, 0, 5, 100, 1000],
]


@pytest.mark.parametrize("history", HISTORIES)
@pytest.mark.parametrize("n", [2, 3, 5, 7])
@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_suggested_tables_give_best_top_worst_bottom_and_check_ok(history, n, direction):
    top, bottom = 100, 50
    table = suggest_bands(history, n, top, bottom, direction)
    best, worst = (max, min) if direction == "higher" else (min, max)
    assert band_score(best(history), table) == top
    assert band_score(worst(history), table) == bottom
    assert check_bands(table) == "OK"
    assert 2 <= len(table) <= n
    for value in history:
        assert bottom <= band_score(value, table) <= top


def test_suggest_bad_arguments():
    assert suggest_bands([None, ""]) == ""
    with pytest.raises(KpiNumError):
        suggest_bands([1, 2, 3], 1)
    with pytest.raises(KpiNumError):
        suggest_bands([1, 2, 3], 2.5)
    with pytest.raises(KpiNumError):
        suggest_bands([4, 4, 4])
    with pytest.raises(KpiNumError):
        suggest_bands([1, 2, 3], direction="up")
    with pytest.raises(KpiValueError):
        suggest_bands([1, "two", 3])


def test_a_points_column_cleared_is_not_read_as_points():
    """A 3-column table whose points were all cleared (a new month's scheme not filled in
    yet): read as (threshold, points) it scored a response time of 12 s in the 10-20 s
    band as 20 and its check said OK.  Its rows now score "" and the check names them,
    whether a header names the third column or the bounds pair up row after row, in
    either order."""
    cleared = [["", 10, None], [10, 20, None], [20, 30, None], [30, "", None]]
    assert band_score(12, cleared, "right") == ""
    assert check_bands(cleared, "right") == ("Row 1 has no points. Row 2 has no points. "
                                             "Row 3 has no points. Row 4 has no points.")
    bounded = [[0, 10, None], [10, 20, None], [20, 30, None]]
    assert band_score(12, bounded) == "" and band_score(12, bounded[::-1]) == ""
    assert check_bands(bounded) != "OK" and check_bands(bounded[::-1]) != "OK"
    headed = [["下限", "上限", "得分"], [0, 10, None], [15, 20, None]]   # no pairs: the header says
    assert band_score(16, headed) == ""
    assert check_bands(headed, lang="zh") != "OK"
    # A 2-column table in a wider range keeps its points: thresholds 0 and 10, points 5 and 8.
    assert band_score(12, [[0, 5, None], [10, 8, None]]) == 8
    assert band_score(12, [["下限", "分数", None], [0, 5, None], [10, 8, None]]) == 8
    # Filled in, the same table scores as DOMAIN's first-response bands would.
    filled = [["", 10, 100], [10, 15, 90], [15, 20, 80]]
    assert band_score(12, filled, "right") == 90


def test_a_table_without_a_row_of_numbers_says_so_where_it_was_blank():
    """KPI_BAND is #NUM! over a table with no row of numbers; its check used to be blank,
    which the month's verification skips, so the cell a user reads said nothing.

    Worked by hand: one row of words is read as the header (values.table_rows), so no
    row is left to score; the row number counts the range as given (row 2 below, after
    a blank row)."""
    words = [["low", "mid", "five"]]     # labels pasted over the numbers of a 1-row table
    assert check_bands(words) == ("The band table has no rows of numbers: row 1 holds only "
                                  "text ('low', 'mid', 'five'), read as its header.")
    with pytest.raises(KpiNumError):
        band_score(15, words)
    header_only = [[None, None], ["Threshold", "Points"], [None, ""]]
    assert check_bands(header_only, "right") == (
        "The band table has no rows of numbers: row 2 holds only text ('Threshold', 'Points'), "
        "read as its header.")
    for empty in ([[None, None, None]], [["", " ", None]], [], None):
        assert check_bands(empty) == "The band table is empty: it has no rows of bounds and points."
        with pytest.raises(KpiNumError):
            band_score(15, empty)


def test_numbers_typed_as_text_are_numbers_not_a_header():
    """A row of numbers typed as text ("10", "32%") is a row of the table, as KPI_BAND reads
    it (values.parse_number_text): only a row of words is a header.  By hand: 15 lies in
    10–20 → 5; 33 % in 32 %–35 % → 10; a 2-column "10"/"20" threshold table closed left
    gives 15 the points of threshold 10."""
    typed = [["10", "20", "5"], ["20", "30", "10"]]
    assert check_bands(typed) == "OK" and band_score(15, typed) == 5
    percent = [["30%", "32%", 5], ["32%", "35 %", 10]]
    assert check_bands(percent) == "OK" and band_score(0.33, percent) == 10
    thresholds = [["Threshold", "Points"], ["10", 5], ["20", 10]]
    assert check_bands(thresholds) == "OK" and band_score(15, thresholds) == 5
    # A one-row table of words, by contrast, has no row of numbers.
    assert check_bands([["ten", "twenty", "five"]]) == (
        "The band table has no rows of numbers: row 1 holds only text ('ten', 'twenty', "
        "'five'), read as its header.")
    # Text that does not read as a number is named with its row, as before.
    assert check_bands([["Threshold", "Points"], ["10 s", 5]]) == (
        "Row 2, column 1 is the text '10 s', not a number.")
