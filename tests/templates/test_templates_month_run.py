"""A month's run is right or says why: every CLI path of fill and summary that used to pay
the wrong money, or lose work, without a word (issue: pay that is right or stops loudly).

Each test drives the real command on real files and asserts against DOMAIN.md's worked
example or figures worked by hand.
"""
from __future__ import annotations

import os
import re
import stat

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from kpi_xl.cli import main
from kpi_xl.templates import TEMPLATE_DIR
from tpl_helpers import ABC, EN, needs_engine, values


def csv(path, rows, header=EN):
    """A UTF-8 CSV (with the BOM Excel writes) of ``rows`` under ``header``, every field
    quoted: written by hand, since Python 3.10's csv module cannot write a NUL."""
    def field(v):
        return "" if v is None else '"' + str(v).replace('"', '""') + '"'
    lines = [",".join(field(v) for v in line) for line in [list(header), *rows]]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def corrected_scheme(tmp_path, weights=(0.30, 0.25, 0.20, 0.10, 0.10, 0.05)):
    """The composite scheme with its gap, overlap and 95 % weights corrected (the user's fix)."""
    wb = load_workbook(TEMPLATE_DIR / "en" / "cs_composite.xlsx")
    ws = wb["Scheme"]
    ws["B21"] = 0.32   # conversion 28 %–32 % → 60, no gap
    ws["F21"] = 0.60   # payment 50 %–60 % → 60, no overlap
    for cell, w in zip("BCDEFG", weights):
        ws[f"{cell}6"] = w
    path = tmp_path / "scheme.xlsx"
    wb.save(path)
    return path


def fill(tmp_path, template, data, *extra, out="out"):
    return main(["fill", str(template), str(data), "-o", str(tmp_path / out), "--by",
                 "shop,month", "--quiet", *extra])


# -- the run is right or stops loudly --------------------------------------------------------

@needs_engine
def test_clean_scheme_and_data_exit_0(tmp_path, capsys):
    code = fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", ABC))
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Wrote 1 of 1 workbook(s)." in out.out
    v = values(tmp_path / "out" / "scheme_S1_2025-10.xlsx", "Results")
    # Points as published, with the avg-response weight raised to 10 %: A 70/100/70/90/90/80.
    assert v["H5"] == pytest.approx(0.3 * 70 + 0.25 * 100 + 0.2 * 70 + 0.1 * 90 + 0.1 * 90
                                    + 0.05 * 80)


@needs_engine
def test_weights_of_110_percent_and_a_gap_exit_1_naming_cells(tmp_path, capsys):
    scheme = corrected_scheme(tmp_path, weights=(0.40, 0.25, 0.20, 0.10, 0.10, 0.05))
    wb = load_workbook(scheme)
    wb["Scheme"]["B21"] = 0.31  # the published gap back: 31 %–32 % is in no band
    wb.save(scheme)
    rows = [r[:] for r in ABC]
    rows[0][5] = 87  # A: 87 / 275 = 31.6 % falls in the gap
    code = fill(tmp_path, scheme, csv(tmp_path / "d.csv", rows))
    out = capsys.readouterr()
    assert code == 1
    assert "sheet 'Scheme', cell B7: the scheme check says" in out.err
    assert "Weights add up to 110 %, not 100 %." in out.err
    assert "sheet 'Scheme', cell B24: the scheme check says Gap: 31 %–32 % lies in no band." in out.err
    # A's conversion points and total are errors, named with the agent.
    # A's conversion points, total, rank, bonus … are errors: one sentence names them all.
    assert ("scheme_S1_2025-10.xlsx, sheet 'Results', cells B5, H5, I5, J5, L5, R5 (agent 'A') "
            "are #N/A") in out.err
    assert "2 scheme check(s) not OK" in out.out
    # --force does not hide them.
    assert fill(tmp_path, scheme, csv(tmp_path / "d.csv", rows), "--force", out="o2") == 1


def words_over_the_conversion_band(tmp_path):
    """The corrected scheme with its conversion band table (Band_Conversion, A17:C23) a
    single row of words — labels pasted over the numbers, the other rows cleared."""
    wb = load_workbook(corrected_scheme(tmp_path))
    ws = wb["Scheme"]
    for r in range(17, 24):
        for c in "ABC":
            ws[f"{c}{r}"] = None
    ws["A17"], ws["B17"], ws["C17"] = "from", "to", "points"
    path = tmp_path / "words.xlsx"
    wb.save(path)
    return path


WORDS_SAID = ("The band table has no rows of numbers: row 1 holds only text ('from', 'to', "
              "'points'), read as its header.")


@needs_engine
def test_a_band_table_of_words_is_named_by_its_check_cell(tmp_path, capsys):
    """Every conversion score is #NUM! over a table read as a header alone; the check cell
    under it, blank before (and skipped by the run), now says why and stops the run."""
    code = fill(tmp_path, words_over_the_conversion_band(tmp_path), csv(tmp_path / "d.csv", ABC))
    out = capsys.readouterr()
    assert code == 1
    assert f"sheet 'Scheme', cell B24: the scheme check says {WORDS_SAID}" in out.err
    assert "1 scheme check(s) not OK" in out.out
    written = tmp_path / "out" / "words_S1_2025-10.xlsx"
    assert values(written, "Scheme")["B24"] == WORDS_SAID
    assert [values(written, "Results")[f"B{r}"] for r in (5, 6, 7)] == ["#NUM!"] * 3


@needs_engine
def test_a_percentage_typed_without_its_sign_in_a_band_table_stops_the_run(tmp_path, capsys):
    """41 typed for 41 % where the top conversion band begins and the one below it ends:
    the table reads in order (38 %–4,100 % scores 90), so no gap or overlap showed, the
    check said OK, and an agent converting 44.7 % was paid for 90 points instead of 100.
    The check cell now names the bound and the run exits 1."""
    wb = load_workbook(corrected_scheme(tmp_path))
    wb["Scheme"]["A17"] = wb["Scheme"]["B18"] = 41
    scheme = tmp_path / "typed.xlsx"
    wb.save(scheme)
    rows = [r[:] for r in ABC]
    rows[1][5] = 650   # B: 650 / 1455 = 44.7 %, in the top band (≥ 41 %)
    code = fill(tmp_path, scheme, csv(tmp_path / "d.csv", rows))
    out = capsys.readouterr()
    said = ("41 looks like 41 % typed without its % sign: the table's other bounds are "
            "fractions (0.38 is 38 %), so 41 is read as 4100 %.")
    assert code == 1
    assert f"sheet 'Scheme', cell B24: the scheme check says {said}" in out.err
    written = tmp_path / "out" / "typed_S1_2025-10.xlsx"
    assert values(written, "Scheme")["B24"] == said
    assert values(written, "Results")["B6"] == 90   # as the table is written: 90, not 100


@needs_engine
def test_a_band_typed_under_its_table_stops_the_run(tmp_path, capsys):
    """A sixth payment band typed in the empty row under Band_Payment (E17:G22): 95 % and up
    pays 110. The name stops at row 22, so KPI_BAND never reads the row, the check says OK,
    and A (228 of 240 paid, 95 %) was paid for 100 points without a word."""
    wb = load_workbook(corrected_scheme(tmp_path))
    ws = wb["Scheme"]
    ws["E23"], ws["G23"] = 0.95, 110
    scheme = tmp_path / "added.xlsx"
    wb.save(scheme)
    code = fill(tmp_path, scheme, csv(tmp_path / "d.csv", ABC))
    out = capsys.readouterr()
    assert code == 1
    assert ("added_S1_2025-10.xlsx, sheet 'Scheme', cells E23:G23: row 23 holds a band's "
            "numbers (0.95, 110) right under the band table Band_Payment (E17:G22), outside "
            "it: KPI_BAND does not read it, so the band scores nothing and the table's check "
            "cannot see it. Take it into the table (Formulas › Name Manager) or clear it."
            ) in out.err
    assert "1 scheme check(s) not OK" in out.out
    written = tmp_path / "out" / "added_S1_2025-10.xlsx"
    assert values(written, "Scheme")["F24"] == "OK"     # the check sees E17:G22 only
    assert values(written, "Results")["C5"] == 100      # A's payment points, as the name reads


@needs_engine
def test_a_commission_tier_typed_under_its_table_stops_the_summary(tmp_path, capsys):
    """A fourth tier (6 % from 150,000) typed in the row under Commission_Tiers (A18:B20),
    over its check: KPI_COMMISSION never reads it, so sales of 150,000 and more kept 5 %."""
    wb = load_workbook(TEMPLATE_DIR / "en" / "monthly_pay.xlsx")
    ws = wb["Pay scheme"]
    ws["A21"], ws["B21"] = 150000, 0.06
    code = summarised(tmp_path, wb, "pay.xlsx")
    out = capsys.readouterr()
    assert code == 1
    assert ("pay.xlsx, sheet 'Pay scheme', cells A21:B21: row 21 holds a band's numbers "
            "(150000, 0.06) right under the band table Commission_Tiers (A18:B20), outside it: "
            "KPI_COMMISSION does not read it") in out.err


@needs_engine
def test_a_note_or_one_number_under_a_table_is_not_a_band(tmp_path, capsys):
    wb = load_workbook(corrected_scheme(tmp_path))
    ws = wb["Scheme"]
    ws["E23"] = "note: 2025 scheme"
    ws["G23"] = 0    # one number alone is no band
    ws["E44"] = 25   # under Band_Returns (E40:G43): one number
    scheme = tmp_path / "noted.xlsx"
    wb.save(scheme)
    code = fill(tmp_path, scheme, csv(tmp_path / "d.csv", ABC))
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "right under the band table" not in out.err


@needs_engine
@pytest.mark.parametrize("wrapped", [False, True])
def test_a_band_check_computed_blank_by_an_older_version_is_read_again(tmp_path, capsys,
                                                                      wrapped):
    """A workbook whose band check was computed blank (before KPI_CHECK_BANDS named a table
    without a row of numbers) is not skipped: verification computes it again, also when the
    check is wrapped in another function (=IF(TRUE,KPI_CHECK_BANDS(…),""))."""
    import re
    import zipfile
    from kpi_xl.templates.verify import verify_workbook
    fill(tmp_path, words_over_the_conversion_band(tmp_path), csv(tmp_path / "d.csv", ABC))
    capsys.readouterr()
    written = tmp_path / "out" / "words_S1_2025-10.xlsx"
    old = tmp_path / "old.xlsx"
    with zipfile.ZipFile(written) as zin, zipfile.ZipFile(old, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if WORDS_SAID.encode() in data:   # the cached value, as the older version left it
                data = data.replace(WORDS_SAID.replace("'", "&apos;").encode(), b"")
                data = data.replace(WORDS_SAID.encode(), b"")
            if wrapped:
                data = re.sub(rb"<f>([^<]*KPI_CHECK_BANDS[^<]*)</f>",
                              rb'<f>IF(TRUE,\1,"")</f>', data)
            zout.writestr(item, data)
    assert "B24" not in values(old, "Scheme")      # blank, as openpyxl reads it
    with zipfile.ZipFile(old) as z:
        assert wrapped == any(b"IF(TRUE," in z.read(n) for n in z.namelist())
    checks = [(f.sheet, f.cell, f.value) for f in verify_workbook(old) if f.kind == "check"]
    assert ("Scheme", "B24", WORDS_SAID) in checks
    # A workbook never recalculated is still not judged by its check cells.
    assert not [f for f in verify_workbook(words_over_the_conversion_band(tmp_path))
                if f.kind == "check"]


@needs_engine
def test_summary_of_an_agent_without_total_reports_instead_of_crashing(tmp_path, capsys):
    # The published composite scheme: A's 87/275 = 31.6 % falls in its 31 %–32 % gap.
    rows = [r[:] for r in ABC]
    rows[0][5] = 87
    assert fill(tmp_path, TEMPLATE_DIR / "en" / "cs_composite.xlsx",
                csv(tmp_path / "d.csv", rows)) == 1
    capsys.readouterr()
    code = main(["summary", str(tmp_path / "out"), "-o", str(tmp_path / "s.xlsx"), "--quiet"])
    out = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out.err
    assert "(agent 'A') are #N/A" in out.err
    assert "1 agent-month(s) without a total" in out.out
    ranking = values(tmp_path / "s.xlsx", "Ranking")
    # B and C (74 and 77.5) are placed; A has no place rather than a crash.
    placed = {ranking[f"C{r}"]: ranking.get(f"A{r}") for r in range(5, 8)}
    assert placed == {"C": 1, "B": 2, "A": None}


@needs_engine
def test_an_agent_added_to_the_data_sheet_without_a_results_row_stops_the_summary(tmp_path,
                                                                                  capsys):
    """A late agent typed into a written month in Excel: a row inserted above the team
    average of 'Agent data' gets no formulas on 'Results', which computes the rows it was
    written with. D was left out of the ranking, the summary and the pay, with exit 0."""
    code = edited_month(tmp_path, agent_d_inserted)
    out = capsys.readouterr()
    assert code == 1
    assert ("edited.xlsx, sheet 'Agent data', row 8 (agent 'D') has no row in the results "
            "table of sheet 'Results': the agent is not ranked, summarised or paid. Fill the "
            "month again with the agent in the data: a row added by hand is outside the "
            "results table, its ranking and its summary.") in out.err
    # A, B and C are scored as before; D is in no result row.
    assert sorted(values(tmp_path / "s.xlsx", "Ranking")[f"C{r}"] for r in range(5, 8)) == \
        ["A", "B", "C"]


@needs_engine
def test_a_results_row_copied_down_under_the_table_is_still_unscored(tmp_path, capsys):
    """D added to the data sheet and a results row copied down for it (row 8): the row
    computes D's scores, but the results table (KPI_Results, A4:R7) and the ranking stop at
    row 7, so the summary never reads D."""
    def edit(wb):
        data = agent_d_inserted(wb)
        for col in range(11, 17):   # the data sheet's computed columns, copied down too
            data.cell(8, col).value = data.cell(7, col).value.replace("7", "8")
        results = wb["Results"]
        for col in range(1, results.max_column + 1):
            above = results.cell(7, col).value
            if isinstance(above, str) and above.startswith("="):
                results.cell(8, col).value = re.sub(r"(?<=[A-Z])7\b", "8", above)
    code = edited_month(tmp_path, edit)
    out = capsys.readouterr()
    assert values(tmp_path / "month" / "edited.xlsx", "Results")["A8"] == "D"   # computed...
    assert code == 1                                                           # ...not read
    assert "row 8 (agent 'D') has no row in the results table of sheet 'Results'" in out.err
    ranking = values(tmp_path / "s.xlsx", "Ranking")
    assert sorted(ranking[f"C{r}"] for r in range(5, 8)) == ["A", "B", "C"]
    assert ranking.get("C8") is None


def agent_d_inserted(wb):
    """A late agent D typed into a row inserted under C (row 7) of 'Agent data', above the
    team average, as Excel's Insert makes it: the sheet."""
    ws = wb["Agent data"]
    ws.insert_rows(8)
    for col, value in enumerate(["D", 300, 100, 250, 240, 7500, 12, 20, 1, 260], start=1):
        ws.cell(8, col, value)
    return ws


def summarised(tmp_path, wb, name="edited.xlsx"):
    """``wb`` saved as ``name``, recalculated into month/ and summarised: the exit code."""
    wb.save(tmp_path / name)
    assert main(["recalc", str(tmp_path / name), "-o", str(tmp_path / "month"),
                 "--quiet"]) == 0
    return main(["summary", str(tmp_path / "month"), "-o", str(tmp_path / "s.xlsx"),
                 "--quiet"])


def edited_month(tmp_path, edit):
    """The corrected composite month of A, B, C written by fill, edited by ``edit(wb)`` as a
    user would in Excel, recalculated into month/ and summarised: the exit code."""
    assert fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", ABC)) == 0
    wb = load_workbook(tmp_path / "out" / "scheme_S1_2025-10.xlsx")
    edit(wb)
    return summarised(tmp_path, wb)


@needs_engine
def test_a_total_typed_over_its_formula_stops_the_summary(tmp_path, capsys):
    """A's total typed as 85 over =KPI_WEIGHTED(…) (its scores make 77.5): the rank and
    bonus follow the 85, so A was paid 850 instead of 775, with exit 0."""
    def edit(wb):
        wb["Results"]["H5"] = 85
    code = edited_month(tmp_path, edit)
    out = capsys.readouterr()
    assert code == 1
    assert ("edited.xlsx, sheet 'Results', row 5 (agent 'A'): H5 Total = 85 is typed over the "
            "formula the other agents' rows compute, so it does not follow the scheme, and the "
            "rank, bonus and pay computed from it follow the typed value. Put the formula back "
            "(copy it from another agent's row) and run again.") in out.err
    assert values(tmp_path / "month" / "edited.xlsx", "Results")["J5"] == 850   # the bonus


@needs_engine
def test_values_typed_over_in_a_month_of_one_agent_stop_the_summary(tmp_path, capsys):
    """A shop with one agent: A's total typed as 85 over =KPI_WEIGHTED(…) and A's conversion
    as 0.45 over =KPI_RATE(…). No other agent's row on the results sheet shows the total's
    formula, so the column passed for the user's own notes and A was paid 850 with exit 0;
    the template computes it. A notes column beside the table stays the user's own."""
    assert fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", ABC[:1])) == 0
    wb = load_workbook(tmp_path / "out" / "scheme_S1_2025-10.xlsx")
    wb["Results"]["H5"] = 85
    wb["Agent data"]["K5"] = 0.45
    wb["Results"]["AD4"], wb["Results"]["AD5"] = "Notes", "new this month"
    code = summarised(tmp_path, wb)
    out = capsys.readouterr()
    assert code == 1
    assert ("edited.xlsx, sheet 'Results', row 5 (agent 'A'): H5 Total = 85 is typed over the "
            "template's formula, so it does not follow the scheme, and the rank, bonus and pay "
            "computed from it follow the typed value. Put the formula back (write the month "
            "again with fill) and run again.") in out.err
    assert ("edited.xlsx, sheet 'Agent data', row 5 (agent 'A'): K5 Conversion = 0.45 is typed "
            "over the template's formula") in out.err
    assert "AD5" not in out.err and "new this month" not in out.err
    assert values(tmp_path / "month" / "edited.xlsx", "Results")["J5"] == 850   # the bonus


@needs_engine
def test_the_team_average_typed_over_is_named_as_the_team_average(tmp_path, capsys):
    """The team's average conversion typed as 0.5 over its AVERAGEIF: the quadrants (and, in
    the pay scheme, whether commission is paid) follow it. It is the team average's row, not
    an agent's, and its formula is not an agent row's to copy."""
    def edit(wb):
        wb["Agent data"]["K8"] = 0.5
    code = edited_month(tmp_path, edit)
    out = capsys.readouterr()
    assert code == 1
    assert ("edited.xlsx, sheet 'Agent data', row 8 (Team average): K8 Conversion = 0.5 is "
            "typed over the team average's formula, so it does not follow the scheme, and the "
            "rank, bonus and pay computed from it follow the typed value. Put the formula back "
            "(write the month again with fill) and run again.") in out.err


@needs_engine
def test_a_number_pasted_as_text_is_named_by_the_input_check(tmp_path, capsys):
    """A's paid orders pasted as the text "300" (over 240 orders): the input check read it
    as 0 (N), so it said OK, while KPI_RATE read 300 ÷ 240 = 125 % and paid A the top
    payment band; the team average left the row out. The check now names the text."""
    def edit(wb):
        cell = wb["Agent data"]["E5"]
        cell.value, cell.data_type = "300", "s"
        blank = wb["Agent data"]["I6"]          # spaces alone: blank, as to KPI functions,
        blank.value, blank.data_type = "  ", "s"   # not text: a required input left blank
    code = edited_month(tmp_path, edit)
    out = capsys.readouterr()
    assert code == 1
    said = "Paid orders is the text '300', not a number: enter it as a number."
    assert (f"edited.xlsx, sheet 'Agent data', cell P5 (agent 'A'): the input check says "
            f"{said}") in out.err
    month = tmp_path / "month" / "edited.xlsx"
    assert values(month, "Agent data")["P5"] == said
    assert values(month, "Agent data")["P6"] == "Returns is blank: enter it."
    assert values(month, "Results")["C5"] == "#VALUE!"   # no payment points from the text


@needs_engine
def test_a_rate_or_input_check_typed_over_on_the_data_sheet_stops_the_summary(tmp_path,
                                                                              capsys):
    """B's conversion typed as 0.45 over =KPI_RATE(C6,B6) (582 / 1455 = 40 %), and C's input
    check overwritten with OK: B scored the top conversion band (100, not 90)."""
    def edit(wb):
        ws = wb["Agent data"]
        ws["K6"] = 0.45
        ws["P7"] = "OK"
    code = edited_month(tmp_path, edit)
    out = capsys.readouterr()
    assert code == 1
    assert "sheet 'Agent data', row 6 (agent 'B'): K6 Conversion = 0.45 is typed over" in out.err
    assert "sheet 'Agent data', row 7 (agent 'C'): P7 Input check = 'OK' is typed over" in out.err
    assert values(tmp_path / "month" / "edited.xlsx", "Results")["B6"] == 100


@needs_engine
def test_notes_beside_the_results_and_a_total_row_under_the_agents_are_the_users_own(
        tmp_path, capsys):
    """Edits that change no pay: a notes column typed beside the results table (its rows
    hold text, no agent row computes it), and a 合计 row typed under the data sheet's team
    average with sums of its own."""
    def edit(wb):
        results = wb["Results"]
        for r, note in ((4, "Notes"), (5, "new this month"), (6, "on leave 3 days")):
            results.cell(r, 30, note)
        data = wb["Agent data"]
        data["A10"], data["B10"], data["C10"] = "合计", "=SUM(B5:B7)", "=SUM(C5:C7)"
    code = edited_month(tmp_path, edit)
    out = capsys.readouterr()
    assert code == 0, out.err


@needs_engine
def test_a_results_sheet_pasted_as_values_stops_the_summary(tmp_path, capsys):
    def edit(wb):
        cached = load_workbook(tmp_path / "out" / "scheme_S1_2025-10.xlsx", data_only=True)
        ws, vs = wb["Results"], cached["Results"]
        for r in range(5, 8):
            for c in range(1, ws.max_column + 1):
                ws.cell(r, c).value = vs.cell(r, c).value
    code = edited_month(tmp_path, edit)
    out = capsys.readouterr()
    assert code == 1
    assert ("edited.xlsx, sheet 'Results', rows 5–7: the sheet holds values where its "
            "formulas were (pasted as values): nothing computed there follows the scheme or "
            "the data any more, so none of it can be checked.") in out.err


@needs_engine
def test_a_bonus_line_typed_as_a_percentage_stops_the_run(tmp_path, capsys):
    """Full bonus from 90 %, none below 70 %, typed for 90 and 70 points (0.9, 0.7): A, B
    and C (77.5, 74, 77.5 points) were each paid the full 1,000 instead of 775, 740 and 775.
    (0.9 with 70 left as it was is #NUM! already: the floor above the full line.)"""
    wb = load_workbook(corrected_scheme(tmp_path))
    wb["Scheme"]["C11"], wb["Scheme"]["C12"] = 0.9, 0.7
    scheme = tmp_path / "percent.xlsx"
    wb.save(scheme)
    code = fill(tmp_path, scheme, csv(tmp_path / "d.csv", ABC))
    out = capsys.readouterr()
    assert code == 1
    results = values(tmp_path / "out" / "percent_S1_2025-10.xlsx", "Results")
    assert [results[f"J{r}"] for r in (5, 6, 7)] == ["#NUM!"] * 3
    assert "cell J5 (agent 'A') is #NUM!" in out.err
    # one cause for the three: said once, pointing at the scheme
    assert ("percent_S1_2025-10.xlsx, sheet 'Results': column J (Bonus) is #NUM! for every "
            "one of the 3 agents, so the cause is one they share: look at what this column's "
            "formula reads from the scheme") in out.err


@needs_engine
def test_a_year_end_line_typed_as_a_percentage_stops_the_summary(tmp_path, capsys):
    """The appraisal scheme's fail-below line typed as 70 % (0.7): every month passes it, so
    B (five months under 70) was eligible for the year-end bonus."""
    wb = load_workbook(TEMPLATE_DIR / "en" / "appraisal_100.xlsx")
    wb["Scheme"]["C15"] = 0.7    # Fail_Below
    code = summarised(tmp_path, wb, "a.xlsx")
    out = capsys.readouterr()
    assert code == 1
    assert ("a.xlsx: the scheme's year-end fail-below line (Fail_Below) is 0.7 while the totals "
            "are points (up to 99.5): a percentage typed for points (70 meant)?") in out.err
    assert "sheet 'Year', cell O6 (agent 'B') is #NUM!" in out.err


@needs_engine
def test_a_workbook_whose_checks_cannot_be_verified_is_not_confirmed(tmp_path, capsys,
                                                                    monkeypatch):
    """A failure inside the verification of a readable workbook used to be skipped as if the
    file were unreadable: its findings were lost and the summary exited 0."""
    import kpi_xl.templates.verify as verify
    assert fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", ABC)) == 0

    def broken(*args):
        raise RuntimeError("a verification that fails")
    monkeypatch.setattr(verify, "_unscored_agents", broken)
    capsys.readouterr()
    code = main(["summary", str(tmp_path / "out"), "-o", str(tmp_path / "s.xlsx"), "--quiet"])
    out = capsys.readouterr()
    assert code == 1
    assert ("scheme_S1_2025-10.xlsx: its checks, error cells and results could not be verified "
            "(RuntimeError: a verification that fails), so its month is not confirmed") in out.err


# -- plausibility, one meaning per month -------------------------------------------------------

def test_contradicting_counts_are_data_errors(tmp_path, capsys):
    rows = [r[:] for r in ABC]
    rows[0][5] = 300   # buyers 300 > inquiries 275
    rows[1][7] = 400   # paid 400 > orders 325
    rows[2][11] = 261  # returns 261 > deals 260
    code = fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", rows))
    err = capsys.readouterr().err
    assert code == 1
    assert ("d.csv row 2, column 'Buyers': 300 is more than 'Inquiries' (275); buyers cannot "
            "exceed inquiries") in err
    assert "d.csv row 3, column 'Paid orders': 400 is more than 'Orders' (325)" in err
    assert "d.csv row 4, column 'Returns': 261 is more than 'Deals' (260)" in err
    assert not (tmp_path / "out" / "scheme_S1_2025-10.xlsx").exists()


def test_consultations_do_not_stand_in_for_inquiries(tmp_path, capsys):
    header = EN[:4] + ["咨询人数"] + EN[5:]
    code = fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", ABC, header))
    err = capsys.readouterr().err
    assert code == 1
    assert "the column 询单人数 (Inquiries) is missing" in err


@needs_engine
def test_team_progress_above_100_percent_is_accepted_and_scored(tmp_path, capsys):
    data = pd.DataFrame([{
        "Shop": "S1", "Month": "2025-10", "Staff": "Li", "Ad spend": 1000, "Ad sales": 5500,
        "Sales": 100000, "Sales target": 100000, "Plan carried out": "100%",
        "Team progress": "105%", "Cooperation (0-5)": 5, "Discipline (0-5)": 5}])
    data.to_csv(tmp_path / "ops.csv", index=False)
    code = fill(tmp_path, TEMPLATE_DIR / "en" / "taobao_ops.xlsx", tmp_path / "ops.csv")
    out = capsys.readouterr()
    assert "Team progress" not in out.err
    assert code == 0, out.err
    ws = load_workbook(tmp_path / "out" / "taobao_ops_S1_2025-10.xlsx", data_only=True)
    assert ws["Staff data"]["G5"].value == pytest.approx(1.05)


def test_one_month_however_it_is_written(tmp_path, capsys):
    rows = [r[:] for r in ABC]
    rows[0][1], rows[1][1], rows[2][1] = "2025/10/1", "2025年10月", "2025.10"
    data = tmp_path / "d.xlsx"
    df = pd.DataFrame(rows, columns=EN)
    df["Month"] = df["Month"].astype(object)
    df.loc[len(df)] = ["S1", pd.Timestamp("2025-10-15"), 66.3, "D", 100, 40, 50, 45, 3000.0, 9,
                       18, 1, 45]
    df.to_excel(data, index=False)
    assert fill(tmp_path, corrected_scheme(tmp_path), data, "--force") in (0, 1)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["scheme_S1_2025-10.xlsx"]
    ws = load_workbook(tmp_path / "out" / "scheme_S1_2025-10.xlsx")["Agent data"]
    assert [ws[f"A{r}"].value for r in range(5, 9)] == ["A", "B", "C", "D"]
    assert ws["D3"].value == "2025-10"


# -- nothing lost ----------------------------------------------------------------------------

def test_existing_outputs_are_not_overwritten_without_overwrite(tmp_path, capsys):
    scheme, data = corrected_scheme(tmp_path), csv(tmp_path / "d.csv", ABC)
    fill(tmp_path, scheme, data)
    target = tmp_path / "out" / "scheme_S1_2025-10.xlsx"
    target.write_bytes(b"edited by hand")
    capsys.readouterr()
    assert fill(tmp_path, scheme, data) == 1
    assert "already exist" in capsys.readouterr().err
    assert target.read_bytes() == b"edited by hand"
    fill(tmp_path, scheme, data, "--overwrite")
    assert target.read_bytes()[:2] == b"PK"


def test_template_output_over_an_edited_scheme_is_refused(tmp_path, capsys):
    mine = tmp_path / "mine.xlsx"
    mine.write_bytes(b"my edited scheme")
    assert main(["template", "cs_composite", "-o", str(mine)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert mine.read_bytes() == b"my edited scheme"
    assert main(["template", "cs_composite", "-o", str(mine), "--overwrite"]) == 0


@needs_engine
def test_summary_onto_one_of_its_inputs_is_refused(tmp_path, capsys):
    fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", ABC))
    book = tmp_path / "out" / "scheme_S1_2025-10.xlsx"
    before = book.read_bytes()
    assert main(["summary", str(book), "-o", str(book), "--quiet", "--overwrite"]) == 1
    assert "one of the workbooks to summarise" in capsys.readouterr().err
    assert book.read_bytes() == before


def test_shops_that_collide_after_sanitising_get_their_own_files(tmp_path, capsys):
    rows = [r[:] for r in ABC[:2]]
    rows[0][0], rows[1][0] = "天猫 旗舰店", "天猫_旗舰店"
    fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", rows))
    out = capsys.readouterr()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["scheme_天猫_旗舰店_2025-10.xlsx", "scheme_天猫_旗舰店_2025-10_2.xlsx"]
    assert "Wrote 2 of 2" in out.out and "make the same file name" in out.err
    shops = {load_workbook(tmp_path / "out" / n)["Agent data"]["B3"].value for n in names}
    assert shops == {"天猫 旗舰店", "天猫_旗舰店"}


def test_files_are_created_with_the_users_umask(tmp_path):
    old = os.umask(0o022)
    try:
        fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", ABC))
        assert main(["template", "jd_service", "-o", str(tmp_path / "jd.xlsx")]) == 0
    finally:
        os.umask(old)
    for path in (tmp_path / "out" / "scheme_S1_2025-10.xlsx", tmp_path / "jd.xlsx"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_unwritable_output_folder_is_a_sentence(tmp_path, capsys):
    # A folder that cannot be made (its parent is a file) fails as a read-only share does,
    # also for a user who may write anywhere.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    code = main(["fill", str(corrected_scheme(tmp_path)), str(csv(tmp_path / "d.csv", ABC)),
                 "-o", str(blocker / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "cannot be created" in err and "Traceback" not in err
    assert main(["template", "cs_composite", "-o", str(blocker / "t.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "cannot be written" in err and "Traceback" not in err
    assert main(["summary", str(TEMPLATE_DIR / "en" / "cs_composite.xlsx"), "-o",
                 str(blocker / "s.xlsx"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "cannot be written" in err and "Traceback" not in err


# -- real exports -----------------------------------------------------------------------------

def test_everyday_export_title_rows_second_sheet_totals_blank_rows(tmp_path, capsys):
    path = tmp_path / "export.xlsx"
    wb = Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "本表由系统导出"
    ws = wb.create_sheet("客服绩效")
    ws.append(["客服绩效明细 2025年10月"])
    ws.append(["导出时间：2025-11-01"])
    ws.append(EN + ["备注"])
    for r in ABC:
        ws.append(r + ["-"])
    ws.append([None] * 14)
    ws.append(["S1", "2025-10", 66.3, "合计", 2530, 902, 790, 673, 70849.64, None, None, 29, 972])
    wb.save(path)
    code = main(["fill", str(corrected_scheme(tmp_path)), str(path), "-o", str(tmp_path / "out"),
                 "--by", "shop，month", "--quiet"])  # a full-width comma, as typed with an IME
    out = capsys.readouterr()
    assert "Wrote 1 of 1" in out.out, out.err
    assert "the data was found on sheet '客服绩效'" in out.err
    assert "rows 1–2 above the header row 3 were left out" in out.err
    assert "column(s) '备注' are not inputs of template cs_composite and were ignored" in out.err
    assert "total row(s) 8 left out" in out.err and "1 blank row(s) left out (row(s) 7)" in out.err
    ws = load_workbook(tmp_path / "out" / "scheme_S1_2025-10.xlsx")["Agent data"]
    assert [ws[f"A{r}"].value for r in range(5, 8)] == ["A", "B", "C"]
    assert ws["A8"].value == "Team average"
    del code  # exit code depends on the engine's checks; the content is what matters here
    assert main(["fill", str(corrected_scheme(tmp_path)), str(path), "-o",
                 str(tmp_path / "o2"), "--sheet", "Nope", "--quiet"]) == 1
    assert "has no sheet 'Nope'; its sheets are '说明', '客服绩效'" in capsys.readouterr().err


def test_formula_looking_names_land_as_text(tmp_path, capsys):
    rows = [r[:] for r in ABC]
    rows[0][3] = "=cmd|' /C calc'!A0"
    rows[1][3] = ' =HYPERLINK("http://x.example","click")'
    rows[2][3] = "@SUM(1+1)"
    rows[0][0] = rows[1][0] = rows[2][0] = "+shop\x00"
    fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", rows))
    err = capsys.readouterr().err
    assert "looks like a formula and is written as text" in err
    assert "control characters (such as NUL) were removed" in err
    [book] = (tmp_path / "out").iterdir()
    import zipfile
    with zipfile.ZipFile(book) as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>cmd" not in sheet and "<f>HYPERLINK" not in sheet and "<f> =HYPERLINK" not in sheet
    ws = load_workbook(book)["Agent data"]
    assert ws["A5"].value == "=cmd|' /C calc'!A0" and ws["A5"].data_type == "s"
    assert ws["B3"].value == "+shop" and ws["B3"].data_type == "s"


# -- recalc in the walk-through ---------------------------------------------------------------

def test_recalc_in_place_values_only_is_refused_unless_asked(tmp_path, capsys):
    book = tmp_path / "book.xlsx"
    book.write_bytes((TEMPLATE_DIR / "en" / "cs_composite.xlsx").read_bytes())
    before = book.read_bytes()
    assert main(["recalc", str(book), "--in-place", "--values-only", "--quiet"]) == 1
    assert "would remove every formula from the original" in capsys.readouterr().err
    assert book.read_bytes() == before
    assert main(["recalc", str(book), "--in-place", "--values-only", "--discard-formulas",
                 "--quiet"]) == 0
    assert load_workbook(book)["Results"]["H5"].value == pytest.approx(77.5)  # a value now


def test_recalc_does_not_blame_the_input_for_an_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    src = TEMPLATE_DIR / "en" / "cs_composite.xlsx"
    assert main(["recalc", str(src), "-o", str(blocker / "out"), "--quiet"]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "the output" in text and "cannot be written" in text, text
    assert "the input was not changed" in text


@needs_engine
def test_demo_explains_the_published_examples_findings(tmp_path, capsys, monkeypatch):
    import kpi_xl.demo as demo
    monkeypatch.setattr(demo, "DEMO_SHOPS", 2)
    monkeypatch.setattr(demo, "DEMO_MONTHS", 2)
    assert main(["demo", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "published example with its known mistakes" in out
    assert "方案!B7: 权重合计为 95%，不是 100%。" in out
    assert "方案!B24: 断档：31%–32% 不在任何区间内。" in out
    assert "UNEXPECTED" not in out
    assert main(["demo", "-o", str(tmp_path)]) == 0  # a second run replaces its own files


def test_a_zero_denominator_is_reported_not_scored_as_zero_percent(tmp_path, capsys):
    # 0 ÷ 0 conversion would score as 0 % (worst) and 0 ÷ 0 bad reviews as 0 % (best).
    rows = [r[:] for r in ABC]
    rows[2][4], rows[2][5] = 0, 0  # C: no inquiries, no buyers
    code = fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", rows))
    err = capsys.readouterr().err
    assert code == 1
    assert "d.csv row 4, column 'Inquiries': 0 leaves the rate divided by it undefined" in err
    assert not (tmp_path / "out" / "scheme_S1_2025-10.xlsx").exists()


@needs_engine
def test_a_calculation_cut_short_is_named_as_the_cause(tmp_path, capsys, monkeypatch):
    # The calculation's time budget (KPI_XL_TIME_LIMIT, seconds) runs out at once: the
    # workbook is written with its cells #CALC! (Excel's own error, written as Excel writes
    # it), fill exits 1, names the cause first, and names each cell by the error Excel shows.
    # 1,000 agents: the budget is looked at every 10 ms, and their calculation takes longer.
    monkeypatch.setenv("KPI_XL_TIME_LIMIT", "0.000001")
    rows = [ABC[i % 3][:3] + [f"agent {i}"] + ABC[i % 3][4:] for i in range(1000)]
    rows[0][3] = "A"
    code = fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", rows))
    out = capsys.readouterr()
    assert code == 1
    lines = out.err.splitlines() + out.out.splitlines()
    first = next(i for i, line in enumerate(lines) if "#CALC!" in line)
    assert "the calculation was not finished" in lines[first], lines[first]
    assert "show #CALC!" in lines[first]
    assert any("are #CALC!" in line and "agent 'A'" in line for line in lines), lines
    assert not any("#VALUE!" in line for line in lines), lines
    # The summary of that workbook names the totals by the error Excel shows, and why.
    code = main(["summary", str(tmp_path / "out"), "-o", str(tmp_path / "summary.xlsx"),
                 "--quiet"])
    out = capsys.readouterr()
    lines = out.err.splitlines() + out.out.splitlines()
    assert code == 1
    assert any("are #CALC!" in line for line in lines), lines
    assert any("1000 agent-month(s) without a total" in line for line in lines), lines
    assert not any("#VALUE!" in line for line in lines), lines
    # read directly, each total is named as Excel shows it, with what to do
    from kpi_xl.templates.summary import read_results
    notes = []
    rows = read_results(tmp_path / "out" / "scheme_S1_2025-10.xlsx", notes)
    assert len(rows) == 1000 and {r["total"] for r in rows} == {"#CALC!"}
    assert notes and all("#CALC!" in n and "kpi-xl recalc" in n for n in notes)
