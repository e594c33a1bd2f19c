"""A score, total or pay cell that is an error is named with its reason: the cell the error
starts in and what the KPI function there said (kpi_xl.engine.explain), in fill's and
summary's sentences, found from the saved workbook alone.

The figures are DOMAIN.md's worked example (A 77.5 points, B 74 by the returns table as
written, the published conversion gap 31 %–32 %) or worked by hand.
"""
from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from kpi_xl.cli import main
from kpi_xl.engine.explain import Reason, error_reasons
from kpi_xl.templates import TEMPLATE_DIR
from tpl_helpers import ABC, EN, needs_engine, values

_FIXED = "is not right until the cause is fixed"


def _filled(tmp_path, template, name, typed, head, rows, *options):
    """The English ``template``, saved as ``name``.xlsx with ``typed`` ({(sheet, cell):
    value}) typed into its scheme as a user would, filled with ``rows`` (columns ``head``)
    into out/ by `kpi-xl fill` with ``options``: its exit code."""
    wb = load_workbook(TEMPLATE_DIR / "en" / f"{template}.xlsx")
    for (sheet, cell), value in typed.items():
        wb[sheet][cell] = value
    scheme = tmp_path / f"{name}.xlsx"
    wb.save(scheme)
    data = tmp_path / f"{name}.csv"
    pd.DataFrame(rows, columns=head).to_csv(data, index=False, encoding="utf-8-sig")
    return main(["fill", str(scheme), str(data), "-o", str(tmp_path / "out"), "--quiet",
                 *options])


def _month(tmp_path, typed, rows=ABC):
    """The published composite scheme with ``typed`` ({cell: value} of its Scheme sheet),
    filled with ``rows``: (exit code, the written month's path)."""
    code = _filled(tmp_path, "cs_composite", "scheme",
                   {("Scheme", k): v for k, v in typed.items()}, EN, rows, "--by", "shop,month")
    return code, tmp_path / "out" / "scheme_S1_2025-10.xlsx"


@needs_engine
def test_a_bonus_line_typed_as_a_percentage_is_named_with_what_kpi_bonus_said(tmp_path,
                                                                              capsys):
    # full bonus from 90 points, none below 70
    code, month = _month(tmp_path, {"C11": 0.9, "C12": 0.7})
    err = capsys.readouterr().err
    assert code == 1
    assert values(month, "Results")["J5"] == "#NUM!"
    said = ("cell J5 (agent 'A') is #NUM!: this score, total or pay is not right until the "
            "cause is fixed: KPI_BONUS said “full_at is 0.9 while the score is 77.5 points: a "
            "percentage typed for points (90 meant)?” (full_at is read from Full_Bonus_At = "
            "Scheme!C11).")
    assert said in err
    assert "cell J6 (agent 'B') is #NUM!" in err and "the score is 74 points" in err
    # the column's shared cause says it once more, for its first agent
    assert ("is #NUM! for every one of the 3 agents, so the cause is one they share: look at "
            "what this column's formula reads from the scheme (a figure typed as a percentage, "
            "a band table, a parameter). For agent 'A': KPI_BONUS in J5 said “full_at is 0.9 "
            "while the score is 77.5 points") in err
    # summary reads the same month again and says the same, from the file alone
    assert main(["summary", str(month), "-o", str(tmp_path / "s.xlsx"), "--quiet"]) == 1
    assert said in capsys.readouterr().err


@needs_engine
def test_an_agent_in_a_band_gap_is_named_with_the_band_lookup_it_started_in(tmp_path, capsys):
    rows = [r[:] for r in ABC]
    rows[0][5] = 87   # A: 87 buyers of 275 inquiries, 31.6 %, in the published 31 %–32 % gap
    code, month = _month(tmp_path, {}, rows)
    err = capsys.readouterr().err
    assert code == 1
    # the conversion points, total, rank, bonus … are #N/A: one sentence, one cause, found
    # by following the total back to the score it reads
    assert ("scheme_S1_2025-10.xlsx, sheet 'Results', cells B5, H5, I5, J5, L5, R5 (agent "
            "'A') are #N/A: these scores, totals or pay are not right until the cause is "
            "fixed: KPI_BAND in B5 said “0.3163636364 falls in no band of the table: it lies "
            "between 0.31 and 0.32”.") in err
    assert "agent 'B'" not in err


def _hand_workbook(path):
    """A pay sheet computed from a figure on another sheet that divides by zero, a KPI
    function that swallows its refusal in IFERROR, an error typed as a value, and a KPI
    function refusing its arguments."""
    wb = Workbook()
    pay = wb.active
    pay.title = "Pay"
    data = wb.create_sheet("Data")
    data["A1"], data["A2"] = 10, 0
    data["B2"] = "=A1/A2"                                   # #DIV/0!, no KPI function
    pay["A1"], pay["B1"] = "agent", "pay"
    pay["A2"], pay["B2"] = "Lin", "=Data!B2*100"            # computed from Data!B2
    pay["A3"], pay["B3"] = "Wu", "=IFERROR(KPI_BAND(200,D1:E2),0)+Data!B2"
    pay["A4"], pay["B4"] = "Zhao", "=C4+1"
    pay["C4"] = "#N/A"                                      # an error typed as a value
    pay["D1"], pay["E1"], pay["D2"], pay["E2"] = 0, 50, 100, 80
    pay["A5"], pay["B5"] = "Qian", "=KPI_BONUS(95,1000,0.9,0.7)"
    pay["A6"], pay["B6"], pay["C6"], pay["D6"] = "Sun", "=KPI_RATE(C6,D6)", 3, "n/a"
    wb.save(path)


@needs_engine
def test_reasons_follow_the_error_to_its_origin_and_leave_the_file_alone(tmp_path):
    src = tmp_path / "hand.xlsx"
    _hand_workbook(src)
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    book = tmp_path / "out" / "hand.xlsx"
    got = values(book, "Pay")
    assert (got["B2"], got["B3"], got["B4"], got["B5"], got["B6"]) == (
        "#DIV/0!", "#DIV/0!", "#N/A", "#NUM!", "#VALUE!")
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    reasons = error_reasons(book, [("Pay", r, 2) for r in range(1, 7)] + [("Data", 2, 2)])
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before
    # B2 and B3 start at Data!B2, which no KPI function computes: named, nothing said
    assert reasons[("Pay", 2, 2)] == Reason(("Data", 2, 2), "#DIV/0!")
    assert reasons[("Pay", 2, 2)].text("Pay", ("Pay", 2, 2)) == (
        "it is computed from Data!B2, which is #DIV/0!")
    # KPI_BAND's #N/A refusal inside IFERROR is not the cause of B3's #DIV/0!
    assert reasons[("Pay", 3, 2)] == Reason(("Data", 2, 2), "#DIV/0!")
    # from an error typed as a value
    assert reasons[("Pay", 4, 2)] == Reason(("Pay", 4, 3), "#N/A")
    assert reasons[("Pay", 4, 2)].text("Pay") == "it is computed from C4, which is #N/A"
    # the error starts in the cell itself and no KPI function said why: no reason
    assert ("Data", 2, 2) not in reasons
    assert ("Pay", 1, 2) not in reasons      # not an error
    assert reasons[("Pay", 5, 2)] == Reason(
        ("Pay", 5, 2), "#NUM!", "KPI_BONUS",
        "full_at is 0.9 while the score is 95 points: a percentage typed for points "
        "(90 meant)?")
    # the argument the sentence is about, given by a reference: its cell is named
    assert reasons[("Pay", 6, 2)] == Reason(
        ("Pay", 6, 2), "#VALUE!", "KPI_RATE", "denominator is the text 'n/a', not a number",
        ("denominator", None, ("Pay", 6, 4)))
    assert reasons[("Pay", 6, 2)].text("Pay", ("Pay", 6, 2)) == (
        "KPI_RATE said “denominator is the text 'n/a', not a number” (denominator is read "
        "from D6)")


def test_a_file_the_engine_cannot_read_has_no_reasons(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    assert error_reasons(bad, [("Pay", 2, 2)]) == {}


@needs_engine
def test_a_parameter_typed_as_text_is_named_with_its_cell_and_said_once_per_sheet(tmp_path,
                                                                                 capsys):
    """The operations scheme's base ROI typed as "1:5" (its label reads "X in 1:X"): every
    staff member's ROI ÷ base is #VALUE!, and with it the scores, totals, ranks and bonuses.
    The cause is named with the cell it is typed in; the team average row is not an agent;
    the results columns sharing that one cause are said in one sentence."""
    head = ["Shop", "Month", "Staff", "Ad spend", "Ad sales", "Sales", "Sales target",
            "Plan carried out", "Team progress", "Cooperation (0-5)", "Discipline (0-5)",
            "Campaigns adopted", "New items sold well (0/1)"]
    rows = [["S1", "2025-11", "A", 10000, 62000, 130000, 100000, 1, 1.05, 5, 5, 1, 1],
            ["S1", "2025-11", "B", 20000, 95000, 92000, 100000, 0.85, 0.95, 4, 5, 0, 0]]
    code = _filled(tmp_path, "taobao_ops", "ops", {("Scheme", "C10"): "1:5"}, head, rows)
    err = capsys.readouterr().err
    assert code == 1
    said = ("KPI_RATE said “denominator is the text '1:5', not a number” (denominator is read "
            "from Base_ROI = Scheme!C10).")
    assert (f"sheet 'Staff data', cell M5 (agent 'A') is #VALUE!: this score, total or pay "
            f"{_FIXED}: {said}") in err
    assert "sheet 'Staff data', cell M6 (agent 'B') is #VALUE!" in err
    assert "Team average" not in err
    # the results: per agent, the error followed back to the data sheet's cell
    assert ("cells B5, H5, I5, J5, L5, M5, S5 (agent 'A') are #VALUE!: these scores, totals or "
            "pay are not right until the cause is fixed: KPI_RATE in 'Staff data'!M5 said "
            "“denominator is the text") in err
    # one sentence for the results columns of that one cause
    assert ("sheet 'Results': columns B (Ad ROI pts, #VALUE!), H (Base points, #VALUE!), "
            "I (Bonus points, #VALUE!), J (Total, #VALUE!), K (Rank, #N/A), L (Bonus, #VALUE!), "
            "M (Ad ROI, #VALUE!), S (Bonus, #VALUE!), T (Order, #N/A) are an error for every "
            "one of the 2 agents, so the cause is one they share") in err
    assert err.count("for every one of the") == 2   # the data sheet's column M, the results


@needs_engine
def test_an_error_no_kpi_function_explains_is_traced_but_not_said_of_itself(tmp_path, capsys):
    """The pay scheme's performance bonus rule typed as 4 (there are rules 1, 2 and 3):
    CHOOSE(4, …) is #VALUE! in every agent's performance bonus, and pay and rank follow. No
    KPI function refused anything, so the sentence naming the bonus cell itself adds no
    cause; the rank's #N/A is traced back to it."""
    head = ["Shop", "Month", "Agent", "Months of service", "Appraisal score", "Sales",
            "Inquiries", "Buyers", "Reviews", "Bad reviews", "Neutral reviews"]
    rows = [["S1", "2025-11", "A", 2, 95, 120000, 1000, 400, 380, 2, 0],
            ["S1", "2025-11", "B", 7, 82, 60000, 900, 300, 250, 1, 1]]
    code = _filled(tmp_path, "monthly_pay", "pay", {("Pay scheme", "C12"): 4}, head, rows)
    err = capsys.readouterr().err
    assert code == 1
    assert values(tmp_path / "out" / "pay.xlsx", "Pay sheet")["L5"] == "#VALUE!"
    assert ("sheet 'Pay sheet', cells L5, M5, S5 (agent 'A') are #VALUE!: these scores, "
            "totals or pay are not right until the cause is fixed.\n") in err
    assert ("sheet 'Pay sheet', cells N5, T5 (agent 'A') are #N/A: these scores, totals or "
            "pay are not right until the cause is fixed: it is computed from L5, which is "
            "#VALUE!.\n") in err


PAY_HEAD = ["Agent", "Months of service", "Appraisal score", "Sales", "Inquiries", "Buyers",
            "Reviews", "Bad reviews"]
PAY_ROWS = [["A", 2, 95, 120000, 1000, 400, 380, 2], ["C", 13, 78, 70000, 700, 260, 250, 1]]


@needs_engine
@pytest.mark.parametrize("rates, said", [
    # 0.5 %, 0.8 %, 1 % typed as 0.5, 0.8, 1: read as fractions, A would be paid 120,000
    ((0.5, 0.8, 1), "tiers has a rate of 1, which pays 100 % of the sales"),
    # 3 %, 4 % typed as fractions beside 5 typed as a percent figure: read as percent figures,
    # C's 70,000 would earn 0.04 % = 28 instead of 2,800
    ((0.03, 0.04, 5), "tiers mix fractions and percent figures among the rates: 0.03"),
])
def test_commission_rates_typed_in_the_wrong_scale_stop_the_month(tmp_path, capsys, rates, said):
    typed = {("Pay scheme", f"B{18 + i}"): rate for i, rate in enumerate(rates)}
    code = _filled(tmp_path, "monthly_pay", "pay", typed, PAY_HEAD, PAY_ROWS)
    err = capsys.readouterr().err
    assert code == 1
    assert "KPI_COMMISSION" in err and said in err, err
    month = next((tmp_path / "out").glob("*.xlsx"))
    assert values(month, "Pay sheet")["E5"] == "#NUM!"


@needs_engine
@pytest.mark.parametrize("typed, cell, said", [
    # Rule 3's multipliers typed 120, 100, 80, 50 for 120 %, 100 %, 80 %, 50 %: A's 6,000
    # commission would become 720,000
    ({"C12": 3, "G26": 120, "G27": 100, "G28": 80, "G29": 50}, "F30",
     "A multiplier of 10 (1,000 %) or more"),
    # Rule 1's score lines typed 0.9, 0.8, 0.7 for 90, 80, 70: every agent (D's 65 too) would
    # be above 0.9 and get 800
    ({"A26": 0.9, "A27": 0.8, "B27": 0.9, "A28": 0.7, "B28": 0.8, "B29": 0.7}, "B30",
     "The score bounds are all 1 or less while the scores are in points"),
])
def test_score_bands_and_multipliers_typed_in_the_wrong_scale_stop_the_month(
        tmp_path, capsys, typed, cell, said):
    code = _filled(tmp_path, "monthly_pay", "pay", {("Pay scheme", k): v for k, v in typed.items()},
                   PAY_HEAD, PAY_ROWS)
    err = capsys.readouterr().err
    assert code == 1
    assert f"sheet 'Pay scheme', cell {cell}" in err and said in err, err
