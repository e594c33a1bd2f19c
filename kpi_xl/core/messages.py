"""The sentences KPI_CHECK_BANDS and KPI_CHECK_WEIGHTS write into a cell, per language.

One table, so a wording changes in one place and each Chinese sentence sits next to
the English one it must match.  Fields arrive already formatted (numbers through the
"percent" and "points" pieces), so a template only places them.  "OK" is not in the
table: it is the same in every language, and the templates' conditional formats test
for it.
"""
from __future__ import annotations

CHECK_MESSAGES: dict[str, dict[str, str]] = {
    # --- KPI_CHECK_BANDS: one sentence per problem
    "gap": {
        "en": "Gap: {lower}–{upper} lies in no band.",
        "zh": "断档：{lower}–{upper} 不在任何区间内。"},
    "overlap": {
        "en": "Overlap: {span} lies in rows {row} ({points}) and {other_row} ({other_points}); "
              "row {row} wins.",
        "zh": "重叠：{span} 同时落在第 {row} 行（{points}）和第 {other_row} 行（{other_points}），"
              "以第 {row} 行为准。"},
    "repeated_threshold": {
        "en": "Overlap: threshold {threshold} is in rows {row} ({points}) and {other_row} "
              "({other_points}); row {row} wins.",
        "zh": "重叠：门槛 {threshold} 同时出现在第 {row} 行（{points}）和第 {other_row} 行"
              "（{other_points}），以第 {row} 行为准。"},
    "repeated_blank_threshold": {
        "en": "Overlap: threshold blank is in rows {row} ({points}) and {other_row} "
              "({other_points}); row {row} wins.",
        "zh": "重叠：空白门槛同时出现在第 {row} 行（{points}）和第 {other_row} 行"
              "（{other_points}），以第 {row} 行为准。"},
    "less_than_the_band_below": {
        "en": "Points go against the table's direction: {span} scores {points}, less than the "
              "{other_points} of {other_span} below it.",
        "zh": "分数方向与整表相反：{span} 得 {points} 分，反而低于相邻较低区间 {other_span} 的 "
              "{other_points} 分。"},
    "more_than_the_band_below": {
        "en": "Points go against the table's direction: {span} scores {points}, more than the "
              "{other_points} of {other_span} below it.",
        "zh": "分数方向与整表相反：{span} 得 {points} 分，反而高于相邻较低区间 {other_span} 的 "
              "{other_points} 分。"},
    "inverted_row": {
        "en": "Row {row}: lower bound {lower} is above upper bound {upper}.",
        "zh": "第 {row} 行：下限 {lower} 高于上限 {upper}。"},
    "empty_row": {
        "en": "Row {row}: {lower}–{upper} holds no value.",
        "zh": "第 {row} 行：{lower}–{upper} 不含任何值。"},
    "row_without_points": {
        "en": "Row {row} has no points.",
        "zh": "第 {row} 行未填分数。"},
    # --- KPI_CHECK_BANDS: a table it cannot read as numbers
    "table_width": {
        "en": "The band table has {width} columns; it needs 2 or 3.",
        "zh": "区间表有 {width} 列，应为 2 列或 3 列。"},
    "cell_text": {
        "en": "Row {row}, column {column} is the text {text!r}, not a number.",
        "zh": "第 {row} 行第 {column} 列是文字“{text}”，不是数字。"},
    "cell_logical": {
        "en": "Row {row}, column {column} is {logical}, not a number.",
        "zh": "第 {row} 行第 {column} 列是逻辑值 {logical}，不是数字。"},
    "cell_error": {
        "en": "Row {row}, column {column} is the error value {error}.",
        "zh": "第 {row} 行第 {column} 列是错误值 {error}。"},
    "cell_not_number": {
        "en": "Row {row}, column {column} is not a number.",
        "zh": "第 {row} 行第 {column} 列不是数字。"},
    "table_empty": {
        "en": "The band table is empty: it has no rows of bounds and points.",
        "zh": "区间表是空的：没有任何区间行。"},
    "table_only_header": {
        "en": "The band table has no rows of numbers: row {row} holds only text ({texts}), "
              "read as its header.",
        "zh": "区间表没有数字行：第 {row} 行只有文字（{texts}），被当作表头。"},
    "percent_typed_whole": {
        "en": "{value} looks like {typed} typed without its % sign: the table's other bounds "
              "are fractions ({example} is {example_percent}), so {value} is read as {read}.",
        "zh": "{value} 像是漏了 % 号的 {typed}：表中其他界限都是小数（{example} 即 "
              "{example_percent}），{value} 会被当作 {read}。"},
    # --- KPI_CHECK_WEIGHTS
    "weights_sum": {
        "en": "Weights add up to {total} %, not 100 %.",
        "zh": "权重合计为 {total}%，不是 100%。"},
    # --- pieces of the sentences above
    "percent": {"en": "{number} %", "zh": "{number}%"},
    "points": {"en": "{points} points", "zh": "{points} 分"},
    "no_points": {"en": "no points", "zh": "未填分数"},
    "every_value": {"en": "every value", "zh": "所有值"},
    "quoted_text": {"en": "{text!r}", "zh": "“{text}”"},
    "between_texts": {"en": ", ", "zh": "、"},
    # Chinese runs sentences together after their full stop; English leaves a space.
    "between_sentences": {"en": " ", "zh": ""},
}


def check_message(key: str, lang: str, **fields) -> str:
    """The ``key`` sentence (or piece) in ``lang`` ("zh" or "en") with its fields filled in."""
    return CHECK_MESSAGES[key][lang].format(**fields)
