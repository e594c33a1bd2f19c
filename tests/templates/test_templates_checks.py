"""The month stops on a scheme figure or an agent input that cannot be right.

The pay sheet's own data (tests/templates/test_templates_pay.py), A–D:
A 2 months, score 95, sales 120,000, 400 / 1,000 buyers, 2 bad of 380 reviews;
B 7, 86, 80,000, 300 / 900, 3 of 290; C 13, 78, 70,000, 260 / 700, 1 of 250;
D 4, 65, 25,000, 150 / 600, 4 of 140.  Pay: A 9,900, B 3,700, C 6,500, D 3,100.

Before these checks each of the following paid the wrong money with exit 0:

- the scheme's parameter block (every template's, written by ScoredTemplate.write_parameters):
  Bonus_Rule typed as the text "3" (CHOOSE reads 3, ``Bonus_Rule=3`` is FALSE: the commission
  paid twice, A 16,300), Commission_Floor as the text "30,000" (``Sales>=Floor`` is always
  FALSE: no commission for anyone, A 3,900), a negative award, a blank floor (read as 0);
- the data sheet, edited by hand and recalculated: a required input blank (A's reviews:
  the bad-review rate "" failed, A lost 6,000 of commission), a score of 860 (rule 1 paid
  800 instead of 500) or −5, a score typed as 0.95 for 95 points (no bonus at all);
- fill's number reader: "70,00" read as 7,000, "1_000" as 1,000.
"""
from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from kpi_xl.cli import main
from tpl_helpers import needs_engine, summary_of, type_over, values

HEAD = ["Agent", "Months of service", "Appraisal score", "Sales", "Inquiries", "Buyers",
        "Reviews", "Bad reviews", "Neutral reviews"]
ROWS = [["A", 2, 95, 120000, 1000, 400, 380, 2, 0],
        ["B", 7, 86, 80000, 900, 300, 290, 3, 0],
        ["C", 13, 78, 70000, 700, 260, 250, 1, 0],
        ["D", 4, 65, 25000, 600, 150, 140, 4, 0]]
PAY_CELLS = ("M5", "M6", "M7", "M8")
#: the pay scheme's parameter check: the row under its nine figures (C5:C13)
PAY_CHECK = "B14"


def _template(tmp_path, name, lang, scheme_cells=None, stem="scheme"):
    """Template ``name`` written by `kpi-xl template`, with its scheme's figures typed in
    by defined name ({name: value}) with openpyxl, as a user would in Excel."""
    path = tmp_path / f"{stem}.xlsx"
    assert main(["template", name, "--lang", lang, "-o", str(path), "--overwrite"]) == 0
    if scheme_cells:
        wb = load_workbook(path)
        for defined, value in scheme_cells.items():
            sheet, cell = next(iter(wb.defined_names[defined].destinations))
            target = wb[sheet][cell.replace("$", "")]
            target.value = value
            if isinstance(value, str):
                target.data_type = "s"
        wb.save(path)
    return path


def _csv(tmp_path, rows, head=HEAD):
    path = tmp_path / "pay.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([head, *rows])
    return path


def _fill(tmp_path, scheme, data, capsys):
    """`kpi-xl fill`: (exit code, stdout + stderr, the written workbook or None)."""
    capsys.readouterr()
    out = tmp_path / "out"
    rc = main(["fill", str(scheme), str(data), "-o", str(out), "--quiet", "--overwrite"])
    got = capsys.readouterr()
    written = sorted(out.glob("*.xlsx")) if out.exists() else []
    return rc, got.out + got.err, (written[0] if written else None)


# -- the scheme's parameters ------------------------------------------------------------

def _refused(tmp_path, capsys, row, col, typed):
    """What `fill` said of the month A–D with ``typed`` in ``ROWS[row][col]``: it exits 1
    and writes no workbook for the group."""
    rows = [list(r) for r in ROWS]
    rows[row][col] = typed
    rc, text, month = _fill(tmp_path, _template(tmp_path, "monthly_pay", "en"),
                            _csv(tmp_path, rows), capsys)
    assert rc == 1
    assert month is None   # the group is not written
    return text


@needs_engine
@pytest.mark.parametrize("typed,says", [
    ("3", "Performance bonus rule (1 / 2 / 3) is the text '3', not a number: enter it as a "
          "number."),
    (" 3", "Performance bonus rule (1 / 2 / 3) is the text ' 3', not a number: enter it as a "
           "number."),
    ("３", "Performance bonus rule (1 / 2 / 3) is the text '３', not a number: enter it as a "
          "number."),
    (3.5, "Performance bonus rule (1 / 2 / 3) 3.5 is not one of 1, 2, 3."),
])
def test_bonus_rule_typed_as_text_or_off_the_list_stops_the_month(tmp_path, capsys, typed,
                                                                  says):
    """Bonus_Rule "3": CHOOSE paid commission × multiplier and ``IF(Bonus_Rule=3,0,…)`` paid
    the commission again (A 3,000 + 100 + 6,000 + 7,200 = 16,300), with exit 0."""
    scheme = _template(tmp_path, "monthly_pay", "en", {"Bonus_Rule": typed})
    rc, text, month = _fill(tmp_path, scheme, _csv(tmp_path, ROWS), capsys)
    assert rc == 1
    assert (f"{month.name}, sheet 'Pay scheme', cell {PAY_CHECK}: the scheme check says "
            f"{says}") in text
    assert values(month, "Pay scheme")[PAY_CHECK] == says
    assert "Traceback" not in text


@needs_engine
def test_bonus_rule_3_as_a_number_is_ok_and_paid_by_hand(tmp_path, capsys):
    """The same figure as a number: rule 3 pays commission × multiplier in its place.
    A 3,000 + 100 + 6,000 × 120 % = 10,300; B 3,200 + 0 (conditions not met) = 3,200;
    C 3,400 + 2,800 × 80 % = 5,640; D 3,100 + 0 (below the floor) = 3,100."""
    scheme = _template(tmp_path, "monthly_pay", "en", {"Bonus_Rule": 3})
    rc, text, month = _fill(tmp_path, scheme, _csv(tmp_path, ROWS), capsys)
    assert rc == 0, text
    assert values(month, "Pay scheme")[PAY_CHECK] == "OK"
    v = values(month, "Pay sheet")
    assert [v[c] for c in PAY_CELLS] == [10300, 3200, 5640, 3100]


@needs_engine
@pytest.mark.parametrize("lang,typed,says", [
    ("en", "30,000", "Sales floor for commission is the text '30,000', not a number: enter it "
                     "as a number."),
    ("en", "30000", "Sales floor for commission is the text '30000', not a number: enter it "
                    "as a number."),
    ("zh", "30,000", "提成销售额门槛（元） 是文本“30,000”，不是数字：请输入数字。"),
    ("zh", "３００００", "提成销售额门槛（元） 是文本“３００００”，不是数字：请输入数字。"),
    ("en", None, "Sales floor for commission is blank: enter it."),
    ("zh", None, "提成销售额门槛（元） 为空：请填写。"),
])
def test_commission_floor_as_text_or_blank_stops_the_month(tmp_path, capsys, lang, typed,
                                                           says):
    """Commission_Floor "30,000": ``Sales>=Commission_Floor`` compares a number with text,
    always FALSE, so A was paid 3,900 instead of 9,900 and C 3,700 instead of 6,500; a blank
    floor was 0 and D's 25,000 earned commission."""
    sheet = {"en": "Pay scheme", "zh": "薪酬方案"}[lang]
    name = {"en": "Commission_Floor", "zh": "提成门槛"}[lang]
    head = HEAD if lang == "en" else ["客服", "在职月数", "考核得分", "销售额", "询单人数",
                                      "成交人数", "评价数", "差评数", "中评数"]
    scheme = _template(tmp_path, "monthly_pay", lang, {name: typed})
    rc, text, month = _fill(tmp_path, scheme, _csv(tmp_path, ROWS, head), capsys)
    assert rc == 1
    assert (f"{month.name}, sheet {sheet!r}, cell {PAY_CHECK}: the scheme check says "
            f"{says}") in text


@needs_engine
def test_negative_figures_are_named_each(tmp_path, capsys):
    """Top_Performer_Award −100 took 100 from A's pay (9,700); Bonus_Coefficient −8 under
    rule 2 paid negative bonuses (A 95 × −8 = −760).  Both are said in the one check."""
    scheme = _template(tmp_path, "monthly_pay", "en",
                       {"Top_Performer_Award": -100, "Bonus_Coefficient": -8, "Bonus_Rule": 2})
    rc, text, month = _fill(tmp_path, scheme, _csv(tmp_path, ROWS), capsys)
    assert rc == 1
    says = ("Top performer of the month -100 is negative: enter 0 or more. "
            "Rule 2: coefficient k (bonus = score × k) -8 is negative: enter 0 or more.")
    assert f"{month.name}, sheet 'Pay scheme', cell {PAY_CHECK}: the scheme check says " \
           f"{says}" in text


@needs_engine
def test_the_unedited_figures_pass_and_pay_as_before(tmp_path, capsys):
    """A 3,000 + 100 + 5 % of 120,000 + 800 = 9,900; B 3,200 + 500 = 3,700 (conversion
    33.3 % below the team's 33.9 %); C 3,400 + 4 % of 70,000 + 300 = 6,500; D 3,100 + 0."""
    scheme = _template(tmp_path, "monthly_pay", "en")
    rc, text, month = _fill(tmp_path, scheme, _csv(tmp_path, ROWS), capsys)
    assert rc == 0, text
    v = values(month, "Pay sheet")
    assert [v[c] for c in PAY_CELLS] == [9900, 3700, 6500, 3100]


@needs_engine
@pytest.mark.parametrize("name,lang,defined,typed,cell,says", [
    # scored templates: weights check B7, figures from row 10, the figures' check under them
    ("jd_service", "en", "Monthly_Bonus", "1000", "B13",
     "Monthly bonus is the text '1000', not a number: enter it as a number."),
    ("jd_service", "zh", "全额分数线", 900, "B13", "全额分数线 900 超过 100 分。"),
    ("appraisal_100", "en", "Max_Failed_Run", 2.5, "B18",
     "Consecutive failed months that disqualify 2.5 is not a whole number."),
    ("taobao_ops", "en", "Bonus_Each", -5, "B18",
     "Points per bonus item -5 is negative: enter 0 or more."),
    ("cs_composite", "zh", "奖金下限", None, "B13", "低于此分不发 为空：请填写。"),
])
def test_every_template_checks_its_figures(tmp_path, capsys, name, lang, defined, typed, cell,
                                           says):
    """The parameter block is shared (ScoredTemplate.write_parameters): each template's
    check names its own figure, and `recalc` → `summary` stops on it."""
    path = _template(tmp_path, name, lang, {defined: typed}, stem=name)
    assert main(["recalc", str(path), "--in-place", "--quiet"]) in (0, 1)
    capsys.readouterr()
    rc = main(["summary", str(path), "-o", str(tmp_path / "summary.xlsx"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    sheet = load_workbook(path).worksheets[0].title
    assert f"{name}.xlsx, sheet {sheet!r}, cell {cell}: the scheme check says {says}" in err


@needs_engine
def test_jd_service_unedited_passes_thesummary_of(tmp_path, capsys):
    """The control of the test above: the same commands on the unedited template exit 0."""
    path = _template(tmp_path, "jd_service", "en", stem="jd_service")
    assert main(["recalc", str(path), "--in-place", "--quiet"]) == 0
    assert values(path, "Scheme")["B13"] == "OK"
    rc = main(["summary", str(path), "-o", str(tmp_path / "summary.xlsx"), "--quiet"])
    assert rc == 0, capsys.readouterr().err


# -- the data sheet edited by hand: recalc → summary --------------------------------------

def _edited(tmp_path, cells):
    """The month A–D written by fill, its data sheet edited with openpyxl ({cell: value}),
    recalculated by `kpi-xl recalc`: the path."""
    import shutil
    scheme = _template(tmp_path, "monthly_pay", "en")
    assert main(["fill", str(scheme), str(_csv(tmp_path, ROWS)), "-o", str(tmp_path / "out"),
                 "--quiet"]) == 0
    month = tmp_path / "edited.xlsx"
    shutil.copy(next((tmp_path / "out").glob("*.xlsx")), month)
    return type_over(month, "Agent data", cells)


@needs_engine
def test_a_blank_required_input_is_named_and_not_paid(tmp_path, capsys):
    """A's reviews and bad reviews blanked (G5, H5): the bad-review rate was "" and failed
    ``OR(rate=0,rate<average)``, so A lost the commission (3,900 instead of 9,900), exit 0.

    Now A's row is not OK and leaves the team average: conversion (33.3 + 37.1 + 25.0) / 3 =
    31.8 %, AOV (266.7 + 269.2 + 166.7) / 3 = 234.2, bad rate (1.03 + 0.40 + 2.86) / 3 =
    1.43 %.  B (33.3 %, 266.7, 1.03 %) now meets them: 3,200 + 4 % of 80,000 + 500 = 6,900;
    C 3,400 + 2,800 + 300 = 6,500; D below the floor: 3,100."""
    month = _edited(tmp_path, {"G5": None, "H5": None})
    says = "Reviews is blank: enter it. Bad reviews is blank: enter it."
    assert values(month, "Agent data")["M5"] == says
    v = values(month, "Pay sheet")
    assert v["M5"] == "#VALUE!"
    assert [v[c] for c in PAY_CELLS[1:]] == [6900, 6500, 3100]
    rc, err = summary_of(tmp_path, month, capsys)
    assert rc == 1
    assert f"edited.xlsx, sheet 'Agent data', cell M5 (agent 'A'): the input check says " \
           f"{says}" in err


@needs_engine
@pytest.mark.parametrize("cell,typed,says", [
    ("C6", 860, "Appraisal score 860 is more than 100 points."),
    ("C6", -5, "Appraisal score -5 is negative."),
    ("C6", 0.86, "Appraisal score 0.86 looks like a percentage: scores are in points (for 86 "
                 "points, enter 86)."),
    ("D6", None, "Sales is blank: enter it."),
    ("F6", -300, "Buyers -300 is negative."),
])
def test_a_score_out_of_range_or_a_negative_is_named(tmp_path, capsys, cell, typed, says):
    """B's score 860 paid the rule-1 bonus of ≥ 90 (800 instead of 500), −5 a rule-2 bonus
    of −40, 0.86 (86 %) no bonus; B's sales blank lost the commission silently, and −300
    buyers gave a negative conversion.

    B's row is named and left out of the team average: conversion (40.0 + 37.1 + 25.0) / 3
    = 34.0 %, AOV (300 + 269.2 + 166.7) / 3 = 245.3, bad rate (0.53 + 0.40 + 2.86) / 3 =
    1.26 %: A 9,900 and C 6,500 meet them as before, D 3,100."""
    month = _edited(tmp_path, {cell: typed})
    assert values(month, "Agent data")["M6"] == says
    v = values(month, "Pay sheet")
    assert v["M6"] == "#VALUE!"
    assert [v["M5"], v["M7"], v["M8"]] == [9900, 6500, 3100]
    rc, err = summary_of(tmp_path, month, capsys)
    assert rc == 1
    assert f"edited.xlsx, sheet 'Agent data', cell M6 (agent 'B'): the input check says " \
           f"{says}" in err


@needs_engine
def test_the_chinese_input_check_says_it_in_chinese(tmp_path, capsys):
    path = tmp_path / "pay_zh.xlsx"
    assert main(["template", "monthly_pay", "--lang", "zh", "-o", str(path)]) == 0
    wb = load_workbook(path)
    wb["客服数据"]["C6"] = 0.86
    wb["客服数据"]["G5"] = None
    wb.save(path)
    assert main(["recalc", str(path), "--in-place", "--quiet"]) in (0, 1)
    d = values(path, "客服数据")
    # a blank is 0 to the rules that read it: A's 2 bad reviews are over it too
    assert d["M5"] == "评价数 为空：请填写。 差评数 + 中评数 2 大于 评价数 0：不可能，请核对两者。"
    assert d["M6"] == "考核得分 0.86 像是百分比：得分按分数填写（86 分请填 86）。"
    assert (d["M7"], d["M8"]) == ("OK", "OK")


# -- fill's reading of the data ---------------------------------------------------------

@needs_engine
@pytest.mark.parametrize("typed,says", [
    ("0.95", "'0.95' looks like a percentage, but scores are in points: write 95 if 95 "
             "points is meant"),
    ("1", "'1' looks like a percentage, but scores are in points: write 100 if 100 points "
          "is meant"),
])
def test_fill_refuses_a_score_typed_as_a_fraction(tmp_path, capsys, typed, says):
    """A's score 0.95 among scores in points: rule 1 paid A no bonus (0 instead of 800)."""
    text = _refused(tmp_path, capsys, 0, 2, typed)
    assert f"pay.csv row 2, column 'Appraisal score': {says}." in text


@needs_engine
@pytest.mark.parametrize("typed", ["70,00", "1_000", "7,0000"])
def test_fill_refuses_misplaced_separators(tmp_path, capsys, typed):
    """C's sales "70,00" were read as 7,000 (every comma dropped) and "1_000" as 1,000
    (Python's digit grouping): both below the 30,000 floor, C's commission lost."""
    text = _refused(tmp_path, capsys, 2, 3, typed)
    assert f"pay.csv row 4, column 'Sales': {typed!r} is not a number." in text


@needs_engine
def test_fill_reads_thousands_separators_in_their_places(tmp_path, capsys):
    """"70,000", "¥120,000" and full-width "８００００" are the sales they say: pay as by
    hand, A 9,900, B 3,700, C 3,400 + 4 % of 70,000 + 300 = 6,500, D 3,100."""
    rows = [list(r) for r in ROWS]
    rows[0][3], rows[1][3], rows[2][3] = "¥120,000", "８００００", "70,000"
    rc, text, month = _fill(tmp_path, _template(tmp_path, "monthly_pay", "en"),
                            _csv(tmp_path, rows), capsys)
    assert rc == 0, text
    v = values(month, "Pay sheet")
    assert [v[c] for c in PAY_CELLS] == [9900, 3700, 6500, 3100]


# -- a computed cell whose formula was edited -----------------------------------------------

@needs_engine
def test_a_pay_formula_edited_in_one_row_is_named(tmp_path, capsys):
    """B's commission paid as =E6 whatever the conditions (B fails the conversion one, so the
    template pays 0 of the 3,200 earned: B's pay 3,200 + 500 = 3,700 became 6,900), and C's
    pay written =3700 over its formula (6,500 by the scheme): both compute, no error or typed
    value shows them, and the month went through with exit 0."""
    import shutil
    month = _edited(tmp_path, {})
    rc, err = summary_of(tmp_path, month, capsys)
    assert rc == 0, err   # the month as fill wrote it
    edited = tmp_path / "formulas.xlsx"
    shutil.copy(month, edited)
    wb = load_workbook(edited)
    wb["Pay sheet"]["G6"] = "=E6"
    wb["Pay sheet"]["M7"] = "=3700"
    wb.save(edited)
    assert main(["recalc", str(edited), "--in-place", "--quiet"]) == 0
    v = values(edited, "Pay sheet")
    assert (v["M6"], v["M7"]) == (6900, 3700)
    rc, err = summary_of(tmp_path, edited, capsys)
    assert rc == 1
    assert ("formulas.xlsx, sheet 'Pay sheet', row 6 (agent 'B'): G6 Commission paid holds "
            "=E6, not the formula the other agents' rows compute (G5 =IF(F5=\"yes\",E5,0))") in err
    assert "row 7 (agent 'C'): M7 Pay holds =3700, not the formula" in err


# -- a scheme copied from a template of before the parameter check ------------------------

def _old_scheme(tmp_path, scheme_cells):
    """The pay template as written before it had a parameter check (the row under the
    figures empty), its figures typed in by defined name."""
    path = _template(tmp_path, "monthly_pay", "en", scheme_cells, stem="old")
    wb = load_workbook(path)
    ws = wb["Pay scheme"]
    for merged in [m for m in ws.merged_cells.ranges if m.min_row == 14]:
        ws.unmerge_cells(str(merged))
    ws["A14"], ws["B14"] = None, None
    wb.save(path)
    return path


@needs_engine
@pytest.mark.parametrize("defined, typed, cell, says", [
    ("Commission_Floor", "30000", "C10", "Sales floor for commission is the text '30000', not "
                                         "a number: enter it as a number."),
    ("Bonus_Rule", "3", "C12", "Performance bonus rule (1 / 2 / 3) is the text '3', not a "
                               "number: enter it as a number."),
    ("Top_Performer_Award", -100, "C9", "Top performer of the month -100 is negative: enter 0 "
                                        "or more."),
    ("Commission_Floor", None, "C10", "Sales floor for commission is blank: enter it."),
])
def test_a_scheme_without_the_parameter_check_is_judged_all_the_same(tmp_path, capsys, defined,
                                                                     typed, cell, says):
    """A scheme kept from an earlier template has no check cell under its figures, and fill
    keeps the scheme as it is: its figures are judged by the same rules from their cached
    values. Commission_Floor "30000" against sales is always FALSE: nobody was paid
    commission (A 3,900 instead of 9,900), exit 0."""
    rc, text, month = _fill(tmp_path, _old_scheme(tmp_path, {defined: typed}),
                            _csv(tmp_path, ROWS), capsys)
    assert rc == 1, text
    assert f"{month.name}, sheet 'Pay scheme', cell {cell}: the scheme check says {says}" in text
    # unedited, the same old scheme passes and pays as the hand-worked example
    rc, text, month = _fill(tmp_path, _old_scheme(tmp_path, {}), _csv(tmp_path, ROWS), capsys)
    assert rc == 0, text
    assert [values(month, "Pay sheet")[c] for c in PAY_CELLS] == [9900, 3700, 6500, 3100]


# -- a scheme copied from a template of before the band guards ------------------------------

#: Rule 1's score lines typed 0.9, 0.8, 0.7 for 90, 80, 70 (Bonus_Tiers, A26:C29)
LINES_AS_FRACTIONS = {"A26": 0.9, "A27": 0.8, "B27": 0.9, "A28": 0.7, "B28": 0.8, "B29": 0.7}
#: Rule 3 chosen, its multipliers typed 120, 100, 80, 50 for 120 % … (Commission_Multiplier)
MULTIPLIERS_AS_WHOLES = {"C12": 3, "G26": 120, "G27": 100, "G28": 80, "G29": 50}


def _unguarded_scheme(tmp_path, lang, cells, old):
    """The pay template as written before its score tables had guards, ``cells`` typed into
    its scheme: ``old`` "plain" (the check cells under Bonus_Tiers and Commission_Multiplier,
    B30 and F30, read KPI_CHECK_BANDS alone, as the older code wrote them) or "none" (the
    check cells cleared)."""
    path = _template(tmp_path, "monthly_pay", lang, stem=f"old_{old}")
    wb = load_workbook(path)
    ws = wb[{"en": "Pay scheme", "zh": "薪酬方案"}[lang]]
    for cell, table in (("B30", ("Bonus_Tiers", "绩效档位奖金")),
                        ("F30", ("Commission_Multiplier", "提成倍率"))):
        name = table[0] if lang == "en" else table[1]
        assert name in ws[cell].value and "IF(" in ws[cell].value   # the guard is there
        lang_arg = ',"zh"' if lang == "zh" else ""
        ws[cell] = f'=KPI_CHECK_BANDS({name},"left"{lang_arg})' if old == "plain" else None
    for cell, value in cells.items():
        ws[cell] = value
    wb.save(path)
    return path


@needs_engine
@pytest.mark.parametrize("old", ["plain", "none"])
@pytest.mark.parametrize("lang, cells, cell, says", [
    # every agent scores above 0.9: A, B, C and D's 65 all get the 800 of the top band
    # (B 3,200 + 800 = 4,000 instead of 3,700; D 3,100 + 800 = 3,900 instead of 3,100)
    ("en", LINES_AS_FRACTIONS, "A26", "Bonus_Tiers: The score bounds are all 1 or less while "
                                      "the scores are in points: percentages typed for points "
                                      "(0.9 for 90)?"),
    ("zh", LINES_AS_FRACTIONS, "A26", "绩效档位奖金: 得分档位的上下限都不超过 1，而得分为百分制：是否"
                                      "把分数线误填为百分比（90 填成 0.9）？"),
    # A's 6,000 commission × 120 = 720,000: A paid 723,100 instead of 10,300
    ("en", MULTIPLIERS_AS_WHOLES, "G26", "Commission_Multiplier: A multiplier of 10 (1,000 %) "
                                         "or more: percentages typed as whole numbers (120 for "
                                         "120 %)?"),
])
def test_a_scheme_without_the_band_guards_is_judged_all_the_same(tmp_path, capsys, old, lang,
                                                                 cells, cell, says):
    """A month's scheme kept from a template of before the band guards (fill keeps the scheme
    as it is) paid every agent the top band, or 120 times the commission, with every check OK
    and exit 0. The month now stops, naming the file, the sheet and the cell that shows it."""
    head = HEAD if lang == "en" else ["客服", "在职月数", "考核得分", "销售额", "询单人数",
                                      "成交人数", "评价数", "差评数", "中评数"]
    sheet = {"en": "Pay scheme", "zh": "薪酬方案"}[lang]
    rc, text, month = _fill(tmp_path, _unguarded_scheme(tmp_path, lang, cells, old),
                            _csv(tmp_path, ROWS, head), capsys)
    assert rc == 1, text
    assert f"{month.name}, sheet {sheet!r}, cell {cell}: the scheme check says {says}" in text
    assert "Traceback" not in text
    # said once: not also by a check cell
    assert text.count(says.split(": ", 1)[1]) == 1, text


@needs_engine
@pytest.mark.parametrize("old", ["plain", "none"])
def test_an_unguarded_scheme_typed_right_passes(tmp_path, capsys, old):
    """The same older schemes, unedited, pay as the hand-worked example (A 9,900, B 3,700,
    C 6,500, D 3,100); with rule 3 and its multipliers as fractions, as the hand-worked
    A 10,300, B 3,200, C 5,640, D 3,100 (test_bonus_rule_3_as_a_number_is_ok_and_paid_by_hand)."""
    for cells, pays in (({}, [9900, 3700, 6500, 3100]),
                        ({"C12": 3}, [10300, 3200, 5640, 3100])):
        rc, text, month = _fill(tmp_path, _unguarded_scheme(tmp_path, "en", cells, old),
                                _csv(tmp_path, ROWS), capsys)
        assert rc == 0, text
        assert [values(month, "Pay sheet")[c] for c in PAY_CELLS] == pays
