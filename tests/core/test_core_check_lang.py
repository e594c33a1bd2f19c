"""KPI_CHECK_BANDS and KPI_CHECK_WEIGHTS in Chinese (lang="zh"), for Chinese schemes.

The expected sentences are written by hand from DOMAIN.md's tables: the composite
model's conversion gap (28–31 % then 32–35 %), its payment overlap (50–65 % against
60–70 %) and its weights (95 % in all).
"""
import string

import pytest

from kpi_xl import check_bands, check_weights, quadrant
from kpi_xl.core.errors import CellError, KpiNumError
from kpi_xl.core.messages import CHECK_MESSAGES
from kpi_xl.registry import BY_NAME, invoke

# DOMAIN.md's composite model as (lower, upper, points) rows, top row first as published.
CONVERSION = [[0.41, "", 100], [0.38, 0.41, 90], [0.35, 0.38, 80], [0.32, 0.35, 70],
              [0.28, 0.31, 60], [0.25, 0.28, 50], ["", 0.25, 0]]
PAYMENT = [[0.9, "", 100], [0.8, 0.9, 90], [0.7, 0.8, 80], [0.6, 0.7, 70], [0.5, 0.65, 60],
           ["", 0.5, 0]]
RETURNS = [["", 3, 100], [3, 10, 80], [10, 20, 60], [20, "", 0]]
WEIGHTS = [[30, 25, 20, 10, 5, 5]]
JD_WEIGHTS = [0.3, 0.15, 0.15, 0.1, 0.2, 0.1]


def test_the_composite_models_mistakes_in_chinese():
    assert check_bands(CONVERSION, "left", "zh") == "断档：31%–32% 不在任何区间内。"
    assert check_bands(PAYMENT, None, "zh") == (
        "重叠：60%–65% 同时落在第 4 行（70 分）和第 5 行（60 分），以第 4 行为准。")
    assert check_weights(WEIGHTS, "zh") == "权重合计为 95%，不是 100%。"


def test_english_stays_the_default():
    assert check_bands(CONVERSION) == "Gap: 31 %–32 % lies in no band."
    assert check_bands(CONVERSION, None, "en") == "Gap: 31 %–32 % lies in no band."
    assert check_weights(WEIGHTS) == "Weights add up to 95 %, not 100 %."
    assert check_weights(WEIGHTS, "") == "Weights add up to 95 %, not 100 %."


def test_sound_tables_are_ok_and_blank_weights_blank_in_chinese_too():
    # The templates colour a check cell green on exactly "OK", whatever the language.
    assert check_bands(RETURNS, "left", "zh") == "OK"
    assert check_weights(JD_WEIGHTS, "zh") == "OK"
    assert check_weights([None, ""], "zh") == ""


def test_a_table_without_a_row_of_numbers_in_chinese():
    # KPI_BAND is #NUM! over these; the check names why, in the scheme's language.
    assert check_bands([[None, None, None]], None, "zh") == "区间表是空的：没有任何区间行。"
    assert check_bands([["下限", "上限", "得分"]], "left", "zh") == (
        "区间表没有数字行：第 1 行只有文字（“下限”、“上限”、“得分”），被当作表头。")


def test_every_problem_of_one_table_in_chinese():
    table = [[0.41, "", 100], [0.38, 0.40, 80], [0.35, 0.38, 90], [0.30, 0.36, 60],
             ["", 0.30, 0]]
    assert check_bands(table, None, "zh") == (
        "重叠：35%–36% 同时落在第 3 行（90 分）和第 4 行（60 分），以第 3 行为准。"
        "断档：40%–41% 不在任何区间内。"
        "分数方向与整表相反：38%–40% 得 80 分，反而低于相邻较低区间 35%–38% 的 90 分。")


def test_points_against_a_lower_is_better_table_in_chinese():
    assert check_bands([["", 3, 100], [3, 10, 60], [10, 20, 80], [20, "", 0]], None, "zh") == (
        "分数方向与整表相反：10–20 得 80 分，反而高于相邻较低区间 3–10 的 60 分。")


def test_inverted_empty_and_pointless_rows_and_open_overlaps_in_chinese():
    table = [["", 0.25, 0], ["", 0.3, 10], [0.3, "", 100], [0.5, 0.4, 5], [0.6, 0.6, 5],
             [0.7, 0.8, None]]
    assert check_bands(table, None, "zh") == (
        "第 4 行：下限 50% 高于上限 40%。"
        "第 5 行：60%–60% 不含任何值。"
        "第 6 行未填分数。"
        "重叠：< 25% 同时落在第 1 行（0 分）和第 2 行（10 分），以第 1 行为准。"
        "重叠：70%–80% 同时落在第 3 行（100 分）和第 6 行（未填分数），以第 3 行为准。")


def test_repeated_thresholds_of_a_two_column_table_in_chinese():
    assert check_bands([[0.3, 80], [0.3, 90], [0.1, 50]], None, "zh") == (
        "重叠：门槛 30% 同时出现在第 1 行（80 分）和第 2 行（90 分），以第 1 行为准。")
    assert check_bands([["", 0], ["", 10], [0.5, 100]], None, "zh") == (
        "重叠：空白门槛同时出现在第 1 行（0 分）和第 2 行（10 分），以第 1 行为准。")
    assert check_bands([["", 0], ["", 10], [0.5, 100]]) == (
        "Overlap: threshold blank is in rows 1 (0 points) and 2 (10 points); row 1 wins.")


def test_plain_numbers_and_sheet_row_numbers_in_chinese():
    table = [["下限", "上限", "分数"], ["", 10, 100], [None, None, None], [11, 15, 90],
             [15, "", 0]]
    assert check_bands(table, "right", "zh") == "断档：10–11 不在任何区间内。"


def test_a_table_it_cannot_read_is_described_in_chinese():
    assert check_bands([[0.2, "abc", 3]], None, "zh") == "第 1 行第 2 列是文字“abc”，不是数字。"
    assert check_bands([[1, 2, 3, 4]], None, "zh") == "区间表有 4 列，应为 2 列或 3 列。"
    assert check_bands([[0.2, True, 3]], None, "zh") == "第 1 行第 2 列是逻辑值 TRUE，不是数字。"
    assert check_bands([[0.2, True, 3]]) == "Row 1, column 2 is TRUE, not a number."
    assert check_bands([[0.2, 0.3, 3], [0.3, CellError("#REF!"), 2]], None, "zh") == (
        "第 2 行第 2 列是错误值 #REF!。")


def test_other_weight_sums_in_chinese():
    assert check_weights([0.6, 0.6], "zh") == "权重合计为 120%，不是 100%。"
    assert check_weights([0.5, 0.5 + 1e-8], "zh") == "权重合计为 100.000001%，不是 100%。"


@pytest.mark.parametrize("spelling", ["zh", "ZH", " cn ", "zh-CN", "中文"])
def test_chinese_is_spelled_as_for_kpi_quadrant(spelling):
    assert quadrant(0.40, 80, 0.35, 70, spelling) == "高转化高客单"
    assert check_bands(CONVERSION, None, spelling) == "断档：31%–32% 不在任何区间内。"
    assert check_weights(WEIGHTS, spelling) == "权重合计为 95%，不是 100%。"


@pytest.mark.parametrize("spelling", ["english", "EN"])
def test_english_is_spelled_as_for_kpi_quadrant(spelling):
    assert quadrant(0.40, 80, 0.35, 70, spelling) == "high conversion, high AOV"
    assert check_weights(WEIGHTS, spelling) == "Weights add up to 95 %, not 100 %."


@pytest.mark.parametrize("spelling", ["fr", "chinese", "zh_TW", 1])
def test_an_unknown_language_is_num_as_for_kpi_quadrant(spelling):
    for call in (lambda: quadrant(0.40, 80, 0.35, 70, spelling),
                 lambda: check_bands(CONVERSION, None, spelling),
                 lambda: check_weights(WEIGHTS, spelling)):
        with pytest.raises(KpiNumError):
            call()


def test_in_a_cell_lang_is_the_last_argument_and_a_bad_one_is_num():
    bands_entry, weights_entry = BY_NAME["KPI_CHECK_BANDS"], BY_NAME["KPI_CHECK_WEIGHTS"]
    assert [a.name for a in bands_entry.args] == ["bands", "closed", "lang"]
    assert [a.name for a in weights_entry.args] == ["weights", "lang"]
    assert invoke(bands_entry, [PAYMENT, "left", "zh"]) == (
        "重叠：60%–65% 同时落在第 4 行（70 分）和第 5 行（60 分），以第 4 行为准。")
    assert invoke(bands_entry, [CONVERSION, None, "中文"]) == "断档：31%–32% 不在任何区间内。"
    assert invoke(bands_entry, [CONVERSION]) == "Gap: 31 %–32 % lies in no band."
    assert invoke(weights_entry, [WEIGHTS, "zh"]) == "权重合计为 95%，不是 100%。"
    assert invoke(weights_entry, [WEIGHTS, "de"]) == CellError("#NUM!")
    assert invoke(bands_entry, [CONVERSION, "left", "de"]) == CellError("#NUM!")
    assert invoke(weights_entry, [WEIGHTS, "zh", 1]) == CellError("#VALUE!")


def test_every_message_has_both_languages_with_the_same_fields():
    fields = lambda text: sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)
    for key, texts in CHECK_MESSAGES.items():
        assert set(texts) == {"zh", "en"}, key
        assert fields(texts["zh"]) == fields(texts["en"]), key
