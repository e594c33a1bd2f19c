"""A check that cannot fail: a value typed over a check cell, and a data sheet whose input
check lacks a rule.

The composite scheme ships as DOMAIN publishes it: weights 30 + 25 + 20 + 10 + 5 + 5 = 95 %,
a conversion table with a gap between 31 % and 32 % (28–31 % then 32–35 %) and a payment
table whose 50–65 % row overlaps the 60–70 % row in 60 %–65 %.  Its check cells say so.
Before these checks, "OK" typed (or pasted as values) over those check cells made the month
pass with exit 0: nothing was said of the weights, the gap or the overlap.  And a data
sheet written before the input check learnt the 0 that a scored rate is divided by scored an
agent with 0 inquiries as a 0 % conversion, with exit 0.
"""
from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from kpi_xl.cli import main
from tpl_helpers import ABC, EN, needs_engine, summary_of, type_over, values

#: what the checks of the published scheme say (the unedited template's check cells)
SAYS = {"zh": {"B7": "权重合计为 95%，不是 100%。",
               "B24": "断档：31%–32% 不在任何区间内。",
               "F24": "重叠：60%–65% 同时落在第 4 行（70 分）和第 5 行（60 分），以第 4 行为准。"},
        "en": {"B7": "Weights add up to 95 %, not 100 %.",
               "B24": "Gap: 31 %–32 % lies in no band.",
               "F24": "Overlap: 60 %–65 % lies in rows 4 (70 points) and 5 (60 points); row 4 "
                      "wins."}}
FORMULAS = {"zh": {"B7": '=KPI_CHECK_WEIGHTS(权重,"zh")',
                   "B24": '=KPI_CHECK_BANDS(区间_转化率,"left","zh")',
                   "F24": '=KPI_CHECK_BANDS(区间_支付率,"left","zh")'},
            "en": {"B7": "=KPI_CHECK_WEIGHTS(Weights)",
                   "B24": '=KPI_CHECK_BANDS(Band_Conversion,"left")',
                   "F24": '=KPI_CHECK_BANDS(Band_Payment,"left")'}}
SCHEME = {"zh": "方案", "en": "Scheme"}
DATA = {"zh": "客服数据", "en": "Agent data"}


def _edited(tmp_path, name, lang, sheet, cells, stem="month"):
    """Template ``name`` written by `kpi-xl template`, ``cells`` of ``sheet`` typed over
    with openpyxl as a user would in Excel, recalculated by `kpi-xl recalc`."""
    path = tmp_path / f"{stem}.xlsx"
    assert main(["template", name, "--lang", lang, "-o", str(path), "--overwrite"]) == 0
    return type_over(path, sheet, cells)


@needs_engine
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ok_typed_over_the_scheme_checks_is_named_with_what_they_would_say(tmp_path, capsys,
                                                                           lang):
    """"OK" typed over the weights check and the two failing band checks: the month stops,
    naming each cell, its formula, and what its rule says of the scheme (the published
    example's 95 %, gap and overlap), while the totals stay as before (A 77.5, B 74, C
    77.5: DOMAIN's worked example, B's returns 23 ≥ 20 scoring 0)."""
    path = _edited(tmp_path, "cs_composite", lang, SCHEME[lang], dict.fromkeys(SAYS[lang], "OK"))
    results = values(path, {"zh": "考核结果", "en": "Results"}[lang])
    assert [results[f"H{r}"] for r in (5, 6, 7)] == [77.5, 74, 77.5]
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    for cell, says in SAYS[lang].items():
        assert (f"month.xlsx, sheet {SCHEME[lang]!r}, cell {cell}: the scheme check in {cell} "
                f"is typed over with 'OK': its formula {FORMULAS[lang][cell]} is gone, so the "
                f"check cannot fail; copy it back from the template and run again. By its "
                f"rule the check says of the scheme as it is: {says}") in err
    assert "the scheme check says" not in err   # the cells say OK; only the rule says why
    # the checks that pass by their rules are not typed over: not named
    assert "cell B35" not in err and "cell B13" not in err


@needs_engine
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_unedited_scheme_says_what_it_said(tmp_path, capsys, lang):
    """The unedited published scheme: the three check cells say what they say, nothing is
    typed over, and the totals are A 77.5, B 74, C 77.5."""
    path = _edited(tmp_path, "cs_composite", lang, SCHEME[lang], {})
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    for cell, says in SAYS[lang].items():
        assert (f"month.xlsx, sheet {SCHEME[lang]!r}, cell {cell}: the scheme check says "
                f"{says}") in err
    assert "typed over" not in err and "input check" not in err
    assert err.count("the scheme check says") == 3


@needs_engine
def test_a_scheme_pasted_as_values_is_named_cell_by_cell(tmp_path, capsys):
    """Paste Values over the whole scheme sheet: each of its 8 check cells holds the text it
    showed (OK, or what was wrong), none can change any more.  Each is named; a passing
    one's formula is named, cut where it is long (the parameter block's check)."""
    path = _edited(tmp_path, "cs_composite", "en", "Scheme", {})
    shown = values(path, "Scheme")
    checks = ["B7", "B13", "B24", "F24", "B35", "F35", "B46", "F46"]
    path = _edited(tmp_path, "cs_composite", "en", "Scheme",
                   {c: shown[c] for c in checks}, stem="pasted")
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    for cell in checks:
        assert (f"pasted.xlsx, sheet 'Scheme', cell {cell}: the scheme check in {cell} is "
                f"typed over with {shown[cell]!r}") in err
    assert "its formula =IF(TRIM(IF(TRIM($C$10)=\"\",\"Monthly bonus is blank: enter it.\"" \
           in err
    assert "=KPI_CHECK_BANDS(Band_Returns,\"left\") is gone" in err


@needs_engine
def test_fill_from_a_template_copy_with_its_weights_check_typed_over(tmp_path, capsys):
    """The user's copy of the template has "OK" typed over its weights check; fill keeps the
    scheme as it is, so every month written carries it: fill exits 1 and says it, with the
    published weights' 95 %."""
    scheme = tmp_path / "scheme.xlsx"
    assert main(["template", "cs_composite", "--lang", "en", "-o", str(scheme)]) == 0
    wb = load_workbook(scheme)
    wb["Scheme"]["B7"] = "OK"
    wb.save(scheme)
    data = tmp_path / "abc.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([EN, *ABC])
    capsys.readouterr()
    rc = main(["fill", str(scheme), str(data), "-o", str(tmp_path / "out"), "--by",
               "Shop,Month", "--quiet"])
    got = capsys.readouterr()
    text = got.out + got.err
    assert rc == 1
    assert ("scheme_S1_2025-10.xlsx, sheet 'Scheme', cell B7: the scheme check in B7 is "
            "typed over with 'OK': its formula =KPI_CHECK_WEIGHTS(Weights) is gone") in text
    assert "the check says of the scheme as it is: Weights add up to 95 %, not 100 %." in text


@needs_engine
def test_the_year_sheet_pasted_as_values_is_named(tmp_path, capsys):
    """appraisal_100's Year sheet: "yes" typed over the year-end eligibility of every agent
    (column O, computed by KPI_YEAR_END: B, C and D are "no", B and C with 3 months below
    70 in a row, D with 4) is named row by row as typed over the template's formula."""
    path = _edited(tmp_path, "appraisal_100", "en", "Year",
                   {f"O{r}": "yes" for r in range(5, 9)})
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    for r, agent in zip(range(5, 9), "ABCD"):
        assert (f"month.xlsx, sheet 'Year', row {r} (agent {agent!r}): O{r} Year-end eligible "
                f"= 'yes' is typed over") in err


# -- a data sheet whose input check lacks the zero-base rule -----------------------------

#: the rule as the current input check writes it, for agent B's inquiries (row 6)
ZERO_RULE = "AND(ISNUMBER(B6),B6=0)"
ZERO_SAYS = ("Inquiries is 0: the rate divided by it has no value and would score as 0 %; "
             "correct it, or leave the agent out of this month.")


def _older_data_sheet(tmp_path, cells, stem="older", name="cs_composite", lang="en",
                      dropped=tuple(f"AND(ISNUMBER({c}{{r}}),{c}{{r}}=0)" for c in "BD")):
    """Template ``name`` in ``lang`` with the data sheet's input check as an older version
    wrote it, without the rules ``dropped`` (their conditions, {r} the row, replaced by
    FALSE; by default the zero-base rule of cs_composite's Inquiries and Orders, which the
    conversion and payment rate divide by), ``cells`` typed into the data sheet,
    recalculated."""
    path = tmp_path / f"{stem}.xlsx"
    assert main(["template", name, "--lang", lang, "-o", str(path)]) == 0
    wb = load_workbook(path)
    ws = wb[DATA[lang]]
    check = next(c.column_letter for c in ws[4] if c.value in ("录入检查", "Input check"))
    for r in range(5, 11):
        text = ws[f"{check}{r}"].value
        for rule in dropped:
            assert rule.format(r=r) in text
            text = text.replace(rule.format(r=r), "FALSE")
        ws[f"{check}{r}"] = text
    for cell, value in cells.items():
        ws[cell] = value
    wb.save(path)
    assert main(["recalc", str(path), "--in-place", "--quiet"]) in (0, 1)
    return path


@needs_engine
def test_an_older_input_check_lets_a_zero_base_through_and_it_is_named(tmp_path, capsys):
    """Agent B with 0 inquiries, 0 buyers and no sales: the older check says OK and B is
    scored: conversion 0 → 0 points, payment 247/325 = 76 % → 80, AOV 0 ÷ 0 → 0, first
    response 8 s → 100, average 19 s → 100, returns 23 → 0: total 80 × 25 % + 100 × 10 % +
    100 × 5 % = 35.  The month stops naming B's inquiries."""
    path = _older_data_sheet(tmp_path, {"B6": 0, "C6": 0, "F6": 0})
    assert values(path, "Agent data")["P6"] == "OK"
    assert values(path, "Results")["H6"] == 35
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    assert (f"older.xlsx, sheet 'Agent data', cell B6 (agent 'B'): {ZERO_SAYS} But the input "
            "check in P6 says OK all the same (written by an older template without this "
            "rule, or typed over), so this agent is scored and paid from this figure.") in err
    assert err.count("says OK all the same") == 1   # A and C are as published


@needs_engine
def test_the_current_input_check_says_it_once(tmp_path, capsys):
    """The current template's check names the 0 itself: said once, as the input check."""
    path = _edited(tmp_path, "cs_composite", "en", "Agent data", {"B6": 0, "C6": 0, "F6": 0})
    assert values(path, "Agent data")["P6"] == ZERO_SAYS
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    assert f"cell P6 (agent 'B'): the input check says {ZERO_SAYS}" in err
    assert err.count(ZERO_SAYS) == 1 and "says OK all the same" not in err


@needs_engine
def test_an_input_check_pasted_as_values_still_judges_the_rules(tmp_path, capsys):
    """The input check column pasted as values ("OK" for A, B, C) with B's buyers 1500 of
    1455 inquiries: the column is named as typed over, and B's buyers by the rule the check
    would have said (a part over its whole)."""
    path = _edited(tmp_path, "cs_composite", "en", "Agent data",
                   {"C6": 1500, **{f"P{r}": "OK" for r in (5, 6, 7)}})
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    assert "row 6 (agent 'B'): P6 Input check = 'OK' is typed over" in err
    assert ("cell C6 (agent 'B'): Buyers 1500 is more than Inquiries 1455: impossible, check "
            "both. But the input check in P6 says OK all the same") in err
    assert err.count("says OK all the same") == 1   # A and C are as published


# -- a data sheet whose input check lacks the blank, negative and score-range rules -------

#: jd_service's input columns B–I (Inquiries … Manager's rating, a score in points): the
#: conditions its current input check writes for a blank, a negative and a score out of
#: 0–100, as an older version's check lacks them
VALUE_RULES = ([f'TRIM({c}{{r}})=""' for c in "BCDEFGHI"] + [f"N({c}{{r}})<0" for c in "BCDEFGHI"]
               + ["N(I{r})>100", "AND(N(I{r})>0,N(I{r})<=1)"])
OLDER_SAYS = "But the input check in N{r} says OK all the same"


@needs_engine
def test_an_older_input_check_lets_blank_negative_and_out_of_range_through_and_they_are_named(
        tmp_path, capsys):
    """jd_service's sample month (weights 30/15/15/10/20/10 %, bonus 1000 in full from 90
    points, none below 70, else 1000 × total %): A 99.5, B 82, C 43 as published.  In a
    data sheet whose check lacks the rules, each typo goes through to pay, check "OK":

    - A's manager's rating left blank: read as 0 points, total 100 × 90 % = 90;
    - B's first response typed -18 s: the ≤ 15 s band, 100 points instead of 90 (18 s),
      total 24 + 12 + 15 + 8 + 16 + 8.5 = 83.5, bonus 835 instead of 820;
    - C's rating typed 700 for 70: total 43 − 7 + 70 = 106, the full 1000 instead of 0.

    The month stops (exit 1), naming file, sheet, cell and agent of each."""
    path = _older_data_sheet(tmp_path, {"I5": None, "E6": -18, "I7": 700}, name="jd_service",
                             dropped=VALUE_RULES)
    assert [values(path, "Agent data").get(f"N{r}") for r in (5, 6, 7)] == ["OK"] * 3
    results = values(path, "Results")
    assert [(results[f"H{r}"], results[f"J{r}"]) for r in (5, 6, 7)] == [
        (90, 1000), (83.5, 835), (106, 1000)]
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    for r, cell, agent, says in [
            (5, "I5", "A", "Manager's rating is blank: enter it."),
            (6, "E6", "B", "First response (s) -18 is negative."),
            (7, "I7", "C", "Manager's rating 700 is more than 100 points.")]:
        assert (f"older.xlsx, sheet 'Agent data', cell {cell} (agent {agent!r}): {says} "
                + OLDER_SAYS.format(r=r)) in err
    assert err.count("says OK all the same") == 3


@needs_engine
def test_verify_says_an_input_rule_in_the_workbooks_language(tmp_path, capsys):
    """The same older check in the Chinese workbook, also without the part-over-whole rule
    of Buyers (C) over Inquiries (B): B's 700 buyers of 600 inquiries (conversion 117 % →
    100 points, AOV 31824 ÷ 700 = 45.46, ratio 0.45 → 0: total 30 + 13.5 + 8 + 16 + 8.5 =
    76), C's rating 0.7 typed for 70 points (total 43 − 7 + 0.07 = 36.07) and A's blank
    rating are said as the current template's check cell says them, in Chinese."""
    rules = (*VALUE_RULES, "N(C{r})>N(B{r})")
    cells = {"I5": None, "C6": 700, "I7": 0.7}
    path = _older_data_sheet(tmp_path, cells, name="jd_service", lang="zh", dropped=rules)
    assert [values(path, "考核结果")[f"H{r}"] for r in (5, 6, 7)] == [90, 76, 36.07]
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    says = {5: ("I5", "A", "店长评分 为空：请填写。"),
            6: ("C6", "B", "成交人数 700 大于 询单人数 600：不可能，请核对两者。"),
            7: ("I7", "C", "店长评分 0.7 像是百分比：得分按分数填写（70 分请填 70）。")}
    for r, (cell, agent, said) in says.items():
        assert (f"older.xlsx, sheet '客服数据', cell {cell} (agent {agent!r}): {said} "
                + OLDER_SAYS.format(r=r)) in err
    # The current template's check cell, given the same inputs, says the same words.
    current = _older_data_sheet(tmp_path, cells, stem="current", name="jd_service", lang="zh",
                                dropped=())
    assert [values(current, "客服数据")[f"N{r}"] for r in says] == [s for _, _, s in says.values()]


@needs_engine
@pytest.mark.parametrize("lang, said", [
    ("en", "Manager's rating is the text '90', not a number: enter it as a number."),
    ("zh", "店长评分 是文本“90”，不是数字：请输入数字。")])
def test_an_older_input_check_lets_a_number_pasted_as_text_through_and_it_is_named(
        tmp_path, capsys, lang, said):
    """B's manager's rating pasted as the text "90" (85 published) into a data sheet whose
    check lacks the text rule: the check says OK, the rating's points read it as 90 (total
    24 + 12 + 13.5 + 8 + 16 + 9 = 82.5, bonus 825 instead of 820) while the team average
    leaves it out.  The month stops naming the cell as the current check cell would."""
    text_rule = ('AND(ISTEXT(I{r}),TRIM(I{r})<>"")',)
    path = _older_data_sheet(tmp_path, {"I6": "90"}, name="jd_service", lang=lang,
                             dropped=text_rule)
    assert values(path, DATA[lang])["N6"] == "OK"
    results = values(path, {"en": "Results", "zh": "考核结果"}[lang])
    assert (results["H6"], results["J6"]) == (82.5, 825)
    rc, err = summary_of(tmp_path, path, capsys)
    assert rc == 1
    assert (f"older.xlsx, sheet '{DATA[lang]}', cell I6 (agent 'B'): {said} "
            + OLDER_SAYS.format(r=6)) in err
    assert err.count("says OK all the same") == 1
    current = _older_data_sheet(tmp_path, {"I6": "90"}, stem="current", name="jd_service",
                                lang=lang, dropped=())
    assert values(current, DATA[lang])["N6"] == said
